# PufFile names a file that is not there: exit 4 at once, naming it; nothing touched.
cp before.reg work.reg
with_config PufFile=missing.puf
run update --config prof.config --store reg:work.reg
expect_exit 4
expect_err 'missing.puf'
expect_same work.reg before.reg
expect_log 'result=puf_error exit=4'
