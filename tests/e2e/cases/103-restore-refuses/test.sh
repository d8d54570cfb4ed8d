# restore refuses anything that is not a profile backup, naming the line, and changes nothing:
# keys outside the profile roots, other hives, deletion lines, no profile at all, not .reg text.
cp before.reg work.reg
python3 - <<'PY'
R = 'HKEY_CURRENT_USER\\Software\\Microsoft\\Office\\16.0\\Outlook\\Profiles'
H = 'Windows Registry Editor Version 5.00\r\n\r\n'
files = {
    'outside': f'[{R}\\Outlook]\r\n"a"="b"\r\n\r\n'
               '[HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Run]\r\n'
               '"evil"="c:\\\\x.exe"\r\n',
    'root': f'[{R}]\r\n"DefaultProfile"="x"\r\n',
    'hklm': '[HKEY_LOCAL_MACHINE\\Software\\Microsoft\\Office\\16.0\\Outlook\\Profiles\\Outlook]\r\n"a"="b"\r\n',
    'delkey': f'[{R}\\Outlook]\r\n"a"="b"\r\n\r\n[-{R}\\Other]\r\n',
    'delval': f'[{R}\\Outlook]\r\n"a"=-\r\n',
    'empty': '',
}
for k, v in files.items():
    open(k + '.reg', 'wb').write((H + v).encode('utf-16'))
PY
printf 'not a registry file\n' >garbage.reg
head -c 300 before.reg >truncated.reg
for f in outside root hklm delkey delval empty garbage; do
  run restore $f.reg --store reg:work.reg --config prof.config
  expect_exit 2
  expect_same work.reg before.reg
done
run restore outside.reg --store reg:work.reg
expect_err 'outside.reg:6: key .*CurrentVersion\\Run.* is outside the profile roots'
run restore root.reg --store reg:work.reg
expect_err 'root.reg:3: .*outside the profile roots'
run restore hklm.reg --store reg:work.reg
expect_err 'hklm.reg:3: .*not under HKEY_CURRENT_USER'
run restore delkey.reg --store reg:work.reg
expect_err 'delkey.reg:6: key deletion'
run restore delval.reg --store reg:work.reg
expect_err 'delval.reg:4: value deletion'
run restore empty.reg --store reg:work.reg
expect_err 'no profile key'
run restore truncated.reg --store reg:work.reg
[ "$rc" = 2 ] || [ "$rc" = 0 ] || fail "truncated backup: exit $rc"
run restore missing.reg --store reg:work.reg
expect_exit 2
expect_err 'missing.reg'
expect_same work.reg before.reg
