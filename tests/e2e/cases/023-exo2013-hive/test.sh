# The Exchange Online profile of 021 through an NTUSER.DAT hive, read back by hivexregedit.
cp before.hive work.hive
run update --config prof.config --store hive:work.hive
expect_exit 0
expect_out 'updated 1 mailbox'
check now hive:work.hive
if command -v hivexregedit >/dev/null; then
  hivexregedit --export work.hive '\' >hx.reg 2>hx.err || fail "hivexregedit cannot read the result"
  grep -qi '^"001e660b"=hex(1):.*2f,00,67,00,75,00,69,00,64,00,3d,00' hx.reg \
    || fail "hivexregedit does not see the archive's /guid= DN"
fi
cp work.hive after-first.hive
run update --config prof.config --store hive:work.hive
expect_exit 0
expect_out 'nothing to do'
expect_same work.hive after-first.hive
