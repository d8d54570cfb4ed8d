# A PUF line with only the three required fields: server values are deleted, not kept.
cp before.reg work.reg
run update --config prof.config --store reg:work.reg
expect_exit 0
check now reg:work.reg
run update --config prof.config --store reg:work.reg --dry-run
expect_out 'nothing written'
expect_out '0 change'
