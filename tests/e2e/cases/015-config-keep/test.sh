# With every setting on keep, config flags stay as they were and the source proxy is removed.
cp before.reg work.reg
with_config CachedMode=keep OutlookAnywhere=keep
sed -i '/^Proxy/d' prof.config
run update --config prof.config --store reg:work.reg --verbose
expect_exit 0
! grep -q 'config.cached' out.txt || fail "CachedMode=keep changed the config flags"
check now reg:work.reg
