# Settings outside the profile in an NTUSER.DAT hive: planted through the hive store, cleaned
# with AutodiscoverAction=clean and IdentityAction=remove into <backup>.outside.reg, a second
# run changes nothing, and the restore brings every value back.
AD='Software\Microsoft\Office\16.0\Outlook\AutoDiscover'
ID='Software\Microsoft\Office\16.0\Common\Identity\Identities\0a1b_ADAL'
cp before.hive work.hive
printf '%s\t%s\t4\t01000000\n' "$AD" PreferLocalXML "$AD" ExcludeSrvRecord "$AD" ExcludeScpLookup \
  'Software\Microsoft\Exchange' MapiHttpDisabled >plant.txt
sed -i 's/ExcludeScpLookup\t4\t01000000/ExcludeScpLookup\t4\t00000000/' plant.txt
# "alice@source.example" as UTF-16LE with its NUL
printf '%s\tSignInName\t1\t%s\n' "$ID" "$(printf 'alice@source.example' | iconv -t utf-16le | xxd -p | tr -d '\n')0000" >>plant.txt
"$PM_BINARY_DIR/hivewrite" work.hive <plant.txt || fail "hivewrite"
"$PM_BINARY_DIR/hivedump" work.hive | sort >planted.txt
cp work.hive planted.hive
with_config AutodiscoverAction=clean IdentityAction=remove
run update --config prof.config --store hive:work.hive
expect_exit 0
expect_out 'updated 4 mailbox'
[ "$(grep -c 'event=outside .*action=removed' "$LOGDIR"/*.log)" = 4 ] || fail "expected 4 removed"
"$PM_BINARY_DIR/hivedump" work.hive >after.txt
grep -q 'PreferLocalXML\|ExcludeSrvRecord\|MapiHttpDisabled\|0a1b_ADAL' after.txt && fail "a removable item is left"
grep -q 'ExcludeScpLookup' after.txt || fail "ExcludeScpLookup=0 was removed"
cp work.hive after-first.hive
run update --config prof.config --store hive:work.hive
expect_out 'nothing to do'
expect_same work.hive after-first.hive
b=$(ls "$LOGDIR"/Backups/*.outside.reg | head -1)
pb=$(ls "$LOGDIR"/Backups/*.reg | grep -v '\.outside\.reg$' | head -1)
run restore "$b" --store hive:work.hive
expect_exit 0
expect_out 'restored 4 setting'
run restore "$pb" --store hive:work.hive
expect_exit 0
"$PM_BINARY_DIR/hivedump" work.hive | sort >got.txt
expect_same got.txt planted.txt
