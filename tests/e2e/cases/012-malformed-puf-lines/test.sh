# Malformed PUF lines are skipped with a warning naming file and line; good lines still apply.
cp before.reg work.reg
{ echo 'this line has no fields'; echo '/o=Source Org/cn=x|not a dn|x@y.z'; cat mbm.puf; } >bad.puf
with_config PufFile=bad.puf
run update --config prof.config --store reg:work.reg
expect_exit 0
expect_err 'bad.puf:1'
expect_err 'bad.puf:2'
expect_log 'event=puf.warning'
check now reg:work.reg
