# Outlook 2016, Exchange Online: a profile named after the old address, an archive given a new
# GUID (PUF field 9), no sign-in name in the PUF (deleted), a shared mailbox known only by
# address (migrated through PUF field 7), another not migrated, a store naming no mailbox
# (skipped with a warning), lists in both layouts, 11020434 version 4; a second run changes
# nothing.
cp before.reg work.reg
run update --config prof.config --store reg:work.reg
expect_exit 0
expect_out 'updated 2 mailbox'
expect_out '1 not migrated'
expect_err "names no mailbox"
check now reg:work.reg
cp work.reg after-first.reg
run update --config prof.config --store reg:work.reg
expect_exit 0
expect_out 'nothing to do'
expect_same work.reg after-first.reg
