# A restore that fails at the Nth store write, for every N, leaves the store exactly as it was
# (the updated state), exits 6, and a rerun completes the restore to the original bytes.
cp before.reg work.reg
run update --config prof.config --store reg:work.reg
expect_exit 0
b=$(ls "$LOGDIR"/Backups/*.reg | head -1)
cp work.reg updated.reg
cp updated.reg probe.reg
PM_FAULT_AT=1000000 run restore "$b" --store reg:probe.reg
expect_exit 0
expect_same probe.reg before.reg
# Count the restore's mutations from its own fault messages: fail far past the end first.
n=1
while :; do
  cp updated.reg w.reg
  PM_FAULT_AT=$n run restore "$b" --store reg:w.reg
  if [ "$rc" = 0 ]; then
    cmp -s w.reg before.reg || fail "fault at $n: exit 0 but not the full restore"
    break
  fi
  [ "$rc" = 6 ] || { fail "fault at $n: exit $rc"; break; }
  cmp -s w.reg updated.reg || { fail "fault at $n: store changed after rollback"; break; }
  if [ $((n % 97)) = 1 ]; then
    run restore "$b" --store reg:w.reg
    [ "$rc" = 0 ] && cmp -s w.reg before.reg || { fail "fault at $n: rerun did not complete"; break; }
  fi
  n=$((n + 1))
  [ $n -gt 20000 ] && { fail "no end to the faults"; break; }
done
[ $n -gt 100 ] || fail "expected a restore of many writes, saw $n"
