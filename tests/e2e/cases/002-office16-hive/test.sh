# The same through an NTUSER.DAT hive, read back by independent readers.
cp before.hive work.hive
run update --config prof.config --store hive:work.hive
expect_exit 0
check now hive:work.hive
hivexregedit --export work.hive '\' >hx.reg 2>hx.err || fail "hivexregedit cannot read the result"
grep -q '^"001e6603"=hex(1):' hx.reg || fail "hivexregedit does not see PR_PROFILE_USER as REG_SZ"
hivexget work.hive '\Software\Microsoft\Office\16.0\Outlook\Profiles\Outlook\17522cefdac444daf31011ccd046c178' 001e6603 >hg.txt \
  || fail "hivexget cannot read carol's section"
grep -qx '/o=ExchangeLabs/.*/cn=b51746ade1d05aff3467bc9a0bf0e7dd-carol' hg.txt || fail "hivexget does not see carol's target DN"
reglookup work.hive >rl.txt 2>/dev/null || fail "reglookup cannot read the result"
grep -qi '17522cefdac444daf31011ccd046c178/001e6603,SZ,/o=ExchangeLabs' rl.txt || fail "reglookup does not see carol's new PR_PROFILE_USER"
cp work.hive after-first.hive
run update --config prof.config --store hive:work.hive
expect_out 'nothing to do'
expect_same work.hive after-first.hive
cp mbm-later.puf mbm.puf
run update --config prof.config --store hive:work.hive
expect_exit 0
check later hive:work.hive
