# The status key and the report agree on "done" (ResultCode=0 and Pending=0): checked in a .reg
# store (test builds write the key there when PM_TEST_STATUS_ANY_STORE is set; the tool writes it
# only to the user's own registry). A run whose config is missing says ResultCode=3; an ok run
# that leaves a mailbox not in the PUF says Pending>0 and the report lists the user as not
# migrated yet, whether the run updated something or had nothing to do; a restore says Action=restore with the profiles put back as Pending.
export PM_TEST_STATUS_ANY_STORE=1
# status NAME: the value of NAME in work.reg's status key ("ok", "dword:00000003", ...).
status() {
  python3 - "$1" <<'PY'
import sys
t = open('work.reg', 'rb').read().decode('utf-16')
key = '[HKEY_CURRENT_USER\\Software\\ProfileManager]'
if key not in t:
    sys.exit(0)
for ln in t.split(key, 1)[1].split('\r\n[', 1)[0].splitlines():
    if ln.startswith('"%s"=' % sys.argv[1]):
        print(ln.split('=', 1)[1].strip('"'))
PY
}
expect_status() {
  local got
  got=$(status "$1")
  [ "$got" = "$2" ] || fail "status $1 is '$got', expected '$2'"
}

cp before.reg work.reg
run update --config nowhere/prof.config --store reg:work.reg
expect_exit 3
expect_status ResultCode dword:00000003
expect_status Result config_error
expect_status Action update
# A dry run writes no status key.
cp before.reg work.reg
run update --config nowhere/prof.config --store reg:work.reg --dry-run
expect_exit 3
expect_same work.reg before.reg

# The shared mailbox and its archive are not in the PUF yet: ok, but not done.
run update --config prof.config --store reg:work.reg
expect_exit 0
expect_out 'updated 4 mailbox.*2 not migrated yet'
expect_status ResultCode dword:00000000
expect_status Updated dword:00000004
expect_status Pending dword:00000002
"$PM" report "$LOGDIR" >report.txt 2>&1 || fail "report failed"
grep -qE '^  Not migrated yet +1$' report.txt || fail "report: the user is not 'not migrated yet'"
grep -qE '^  Done +0 of 1' report.txt || fail "report counts the user as done: $(grep Done report.txt)"
# A run with nothing to do keeps the same answer.
run update --config prof.config --store reg:work.reg
expect_out 'nothing to do'
expect_status Pending dword:00000002
"$PM" report "$LOGDIR" >report.txt 2>&1
grep -qE '^  Done +0 of 1' report.txt || fail "report after nothing to do: $(grep Done report.txt)"

# The shared mailbox migrates; dave's mailbox in the second profile is still waiting: the run
# updated one, and still neither says done.
cp mbm-later.puf mbm.puf
run update --config prof.config --store reg:work.reg
expect_exit 0
expect_out 'updated 1 mailbox.*1 not migrated yet'
expect_status ResultCode dword:00000000
expect_status Updated dword:00000001
expect_status Pending dword:00000001
"$PM" report "$LOGDIR" >report.txt 2>&1
grep -qE '^  Updated +0$' report.txt || fail "report: the user is 'updated'"
grep -qE '^  Done +0 of 1' report.txt || fail "report after the later PUF: $(grep Done report.txt)"

# A restore puts the profiles back: not done any more.
b=$(ls -t "$LOGDIR"/Backups/*.reg | tail -1)
run restore "$b" --store reg:work.reg --config prof.config
expect_exit 0
expect_out 'restored 2 profile'
expect_status ResultCode dword:00000000
expect_status Result ok
expect_status Action restore
expect_status Updated dword:00000000
expect_status Pending dword:00000002
