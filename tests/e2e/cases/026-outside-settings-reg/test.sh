# Settings outside the profile in a .reg store: each value of the Autodiscover, MAPI/HTTP and
# identity checks planted for the source domain (and some for another organisation, and a
# policy): the default run reports them and removes nothing; AutodiscoverAction=clean and
# IdentityAction=remove move exactly the removable ones into <backup>.outside.reg; a second run
# changes nothing; restoring both backups brings every key and value back.
python3 - <<'PY'
t = open('before.reg', 'rb').read().decode('utf-16')
x = '[HKEY_CURRENT_USER\\Software\\Microsoft\\Exchange]\r\n"MapiHttpDisabled"=dword:0000000'
assert x + '0' in t
t = t.replace(x + '0', x + '1', 1)
ad = 'HKEY_CURRENT_USER\\Software\\Microsoft\\Office\\16.0\\Outlook\\AutoDiscover'
ids = 'HKEY_CURRENT_USER\\Software\\Microsoft\\Office\\16.0\\Common\\Identity\\Identities'
t += ('\r\n[' + ad + ']\r\n"PreferLocalXML"=dword:00000001\r\n'
      '"ExcludeExplicitO365Endpoint"=dword:00000001\r\n"ExcludeHttpsRootDomain"=dword:00000001\r\n'
      '"ExcludeScpLookup"=dword:00000000\r\n"ExcludeSrvRecord"=dword:00000001\r\n'
      '"ExcludeLastKnownGoodUrl"=dword:00000000\r\n'
      '"source.example"="C:\\\\AD\\\\source.xml"\r\n"other.example"="C:\\\\AD\\\\other.xml"\r\n'
      '\r\n[' + ad + '\\RedirectServers]\r\n"mail.source.example"=""\r\n"mail.other.example"=""\r\n'
      '\r\n[HKEY_CURRENT_USER\\Software\\Policies\\Microsoft\\Office\\16.0\\Outlook\\AutoDiscover]\r\n'
      '"ExcludeExplicitO365Endpoint"=dword:00000001\r\n'
      '\r\n[' + ids + '\\0a1b_ADAL]\r\n"SignInName"="alice@source.example"\r\n"ProviderId"="ADAL"\r\n'
      '\r\n[' + ids + '\\9f9f_ADAL]\r\n"SignInName"="alice@target.example"\r\n')
open('planted.reg', 'wb').write(b'\xff\xfe' + t.lstrip('\ufeff').encode('utf-16-le'))
PY
cp planted.reg work.reg
cp planted.reg before.reg # for the checker: the planted keys are not the update's
run update --config prof.config --store reg:work.reg --dry-run
expect_exit 0
expect_out 'outside: HKCU.*AutoDiscover.PreferLocalXML = 1: .*\(reported\)'
expect_out 'XML files .* not looked at; they exist only on the user'
expect_same work.reg planted.reg
run update --config prof.config --store reg:work.reg
expect_exit 0
expect_out 'updated 4 mailbox'
check now reg:work.reg
for v in PreferLocalXML ExcludeExplicitO365Endpoint ExcludeHttpsRootDomain ExcludeScpLookup \
  ExcludeSrvRecord ExcludeLastKnownGoodUrl source.example mail.source.example MapiHttpDisabled; do
  expect_log "event=outside kind=setting .*value=$v .*action=report"
done
expect_log 'event=outside kind=identity setting=identity .*0a1b_ADAL.* data=alice@source.example action=report'
grep -q 'other.example\|9f9f_ADAL\|Policies' "$LOGDIR"/*.log && grep 'event=outside' "$LOGDIR"/*.log | grep -q 'other.example\|9f9f\|Policies' && fail "an item of another organisation, the target or a policy was reported"
# ten items, logged by the dry run and by the run
[ "$(cat "$LOGDIR"/*.log | grep -c 'event=outside')" = 20 ] || fail "expected 2 x 10 outside events"
ls "$LOGDIR"/Backups/*.outside.reg >/dev/null 2>&1 && fail "report mode wrote an outside backup"
iconv -f utf-16 -t utf-8 work.reg | grep -q '"PreferLocalXML"=dword:00000001' || fail "report mode removed a value"
# A run with nothing else to do still logs them (the fleet view counts them): the 7 that do not
# depend on the source names; once the profile is current those names come only from PUF field
# 7, which this PUF does not have, so the per-domain, RedirectServers and identity items are not
# matched.
run update --config prof.config --store reg:work.reg
expect_out 'nothing to do'
n=$(cat "$LOGDIR"/*.log | grep -c "event=outside"); [ "$n" = 27 ] || fail "a nothing-to-do run did not log 7 settings ($n events)"

# clean/remove: a fresh copy, one run.
rm -rf "$LOGDIR"
cp planted.reg work.reg
with_config AutodiscoverAction=clean IdentityAction=remove
run update --config prof.config --store reg:work.reg --dry-run
expect_out 'PreferLocalXML = 1: .*\(would be removed\)'
expect_out 'ExcludeScpLookup = 0: .*\(reported\)'
expect_same work.reg planted.reg
run update --config prof.config --store reg:work.reg
expect_exit 0
expect_out 'updated 4 mailbox'
b=$(ls "$LOGDIR"/Backups/*.outside.reg | head -1)
expect_file "$b"
expect_log 'event=backup file=.*\.outside\.reg'
iconv -f utf-16 -t utf-8 work.reg >w.txt
[ "$(grep -c '"ExcludeExplicitO365Endpoint"' w.txt)" = 1 ] || fail "ExcludeExplicitO365Endpoint: only the policy's should be left"
for v in PreferLocalXML ExcludeHttpsRootDomain ExcludeSrvRecord \
  '"source.example"' mail.source.example MapiHttpDisabled 0a1b_ADAL; do
  grep -q "$v" w.txt && fail "$v still in the store"
  iconv -f utf-16 -t utf-8 "$b" | grep -q "$v" || fail "$v not in the backup"
done
for v in '"ExcludeScpLookup"=dword:00000000' '"other.example"' mail.other.example 9f9f_ADAL \
  'Policies\\Microsoft\\Office\\16.0\\Outlook\\AutoDiscover'; do
  grep -q "$v" w.txt || fail "$v was removed"
done
[ "$(grep -c 'event=outside .*action=removed' "$LOGDIR"/*.log)" = 8 ] || fail "expected 8 removed"
# A second run changes nothing.
cp work.reg after-first.reg
run update --config prof.config --store reg:work.reg
expect_exit 0
expect_out 'nothing to do'
expect_same work.reg after-first.reg
# Restore the outside backup then the profile backup: the planted store, byte for byte.
run restore "$b" --store reg:work.reg --dry-run
expect_exit 0
expect_out 'dry run: the backup holds 9 setting'
expect_same work.reg after-first.reg
run restore "$b" --store reg:work.reg
expect_exit 0
expect_out 'restored 9 setting'
pb=$(ls "$LOGDIR"/Backups/*.reg | grep -v '\.outside\.reg$' | head -1)
run restore "$pb" --store reg:work.reg
expect_exit 0
iconv -f utf-16 -t utf-8 work.reg | sort >got.txt
iconv -f utf-16 -t utf-8 planted.reg | sort >want.txt
expect_same got.txt want.txt # same keys and values; restored values come last in their key
run restore "$b" --store reg:work.reg
expect_out 'nothing to do'
# A value set again since the backup is kept unless --force.
cp after-first.reg work.reg
python3 - <<'PY'
t = open('work.reg', 'rb').read().decode('utf-16')
t = t.replace('"ExcludeScpLookup"=dword:00000000', '"ExcludeScpLookup"=dword:00000000\r\n"PreferLocalXML"=dword:00000000', 1)
open('work.reg', 'wb').write(b'\xff\xfe' + t.lstrip('\ufeff').encode('utf-16-le'))
PY
cp work.reg changed.reg
run restore "$b" --store reg:work.reg
expect_exit 6
expect_err "PreferLocalXML' was set again"
expect_same work.reg changed.reg
run restore "$b" --store reg:work.reg --force
expect_exit 0
iconv -f utf-16 -t utf-8 work.reg | grep -q '"PreferLocalXML"=dword:00000001' || fail "--force did not restore"
