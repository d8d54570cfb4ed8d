# No prof.config: exit 3 at once, naming the file; nothing touched.
cp before.reg work.reg
run update --config nowhere/prof.config --store reg:work.reg
expect_exit 3
expect_err 'nowhere/prof.config'
expect_same work.reg before.reg
