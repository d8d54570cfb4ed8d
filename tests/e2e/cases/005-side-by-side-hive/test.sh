# The same user's profiles under every root at once.
cp before.hive work.hive
run update --config prof.config --store hive:work.hive
expect_exit 0
expect_out 'in 3 profile'
check now hive:work.hive
