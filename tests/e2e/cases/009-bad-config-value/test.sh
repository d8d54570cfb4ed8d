# A bad value: exit 3 with file:line and the accepted values.
cp before.reg work.reg
with_config OstAction=move
run update --config prof.config --store reg:work.reg
expect_exit 3
expect_err 'prof.config:[0-9]+: .*OstAction'
expect_same work.reg before.reg
# An unknown key is a warning naming the line, and the run goes on.
with_config OstAction=keep UnknownSetting=1
run update --config prof.config --store reg:work.reg
expect_exit 0
expect_err 'prof.config:[0-9]+:.*UnknownSetting'
