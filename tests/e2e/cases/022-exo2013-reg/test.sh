# Outlook 2013 profile of an Exchange Online mailbox with an Online Archive, moved to another
# tenant (v2 PUF: sign-in name, no archive GUID): the archive keeps its /guid= suffix and GUID,
# the sign-in name takes the target's, the address book's and global section's store EntryIDs
# follow, the profile name stays; a second run changes nothing.
cp before.reg work.reg
run update --config prof.config --store reg:work.reg
expect_exit 0
expect_out 'updated 1 mailbox'
check now reg:work.reg
expect_log 'event=run.end result=ok exit=0 updated=1'
cp work.reg after-first.reg
run update --config prof.config --store reg:work.reg
expect_exit 0
expect_out 'nothing to do'
expect_same work.reg after-first.reg
