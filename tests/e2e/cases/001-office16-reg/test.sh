# Office 16.0: two Exchange accounts, delegate, shared (migrated later), archive, public folders,
# PST and POP/IMAP beside, a non-ASCII profile: update, rerun, later PUF, rerun.
cp before.reg work.reg
run update --config prof.config --store reg:work.reg
expect_exit 0
expect_out 'updated 4 mailbox'
check now reg:work.reg
expect_log 'event=mailbox .*state=updated'
expect_log 'event=run.end result=ok exit=0 updated=4'
cp work.reg after-first.reg
run update --config prof.config --store reg:work.reg
expect_exit 0
expect_out 'nothing to do'
expect_same work.reg after-first.reg
# The shared mailbox migrates on another day: its line appears in the PUF.
cp mbm-later.puf mbm.puf
run update --config prof.config --store reg:work.reg
expect_exit 0
expect_out 'updated 1 mailbox'
check later reg:work.reg
cp work.reg after-later.reg
run update --config prof.config --store reg:work.reg
expect_same work.reg after-later.reg
