# The Outlook 2016 Exchange Online profile of 023 through an NTUSER.DAT hive.
cp before.hive work.hive
run update --config prof.config --store hive:work.hive
expect_exit 0
expect_out 'updated 2 mailbox'
check now hive:work.hive
cp work.hive after-first.hive
run update --config prof.config --store hive:work.hive
expect_exit 0
expect_out 'nothing to do'
expect_same work.hive after-first.hive
