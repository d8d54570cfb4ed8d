# A PUF naming nobody in these profiles: nothing changes, byte for byte, exit 0.
cp before.reg work.reg
grep '^#' mbm.puf >empty.puf
with_config PufFile=empty.puf
run update --config prof.config --store reg:work.reg
expect_exit 0
expect_out 'nothing to do'
expect_same work.reg before.reg
expect_log 'state=not_migrated'
