# A store that cannot be opened or read: exit 8, file named; a damaged hive is not a crash.
run update --config prof.config --store reg:absent.reg
expect_exit 8
expect_err 'absent.reg'
head -c 3000 before.hive >short.hive
run update --config prof.config --store hive:short.hive
expect_exit 8
printf 'this is not a registry file\n' >junk.reg
run update --config prof.config --store reg:junk.reg
expect_exit 8
expect_err 'junk.reg:1'
