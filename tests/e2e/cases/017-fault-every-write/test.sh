# Fail the Nth store write for every N of a multi-profile update: the store is always either
# exactly as before or fully updated, the exit code says rolled back, and a rerun completes.
cp before.reg ref.reg
run update --config prof.config --store reg:ref.reg
expect_exit 0
total=$(grep -c 'event=change' "$LOGDIR"/*.log)
[ "$total" -gt 50 ] || fail "expected a large update, saw $total changes"
n=1
while [ $n -le $((total + 2)) ]; do
  cp before.reg work.reg
  PM_FAULT_AT=$n run update --config prof.config --store reg:work.reg
  if [ "$rc" = 6 ]; then
    cmp -s work.reg before.reg || { fail "fault at $n: store changed after rollback"; break; }
    run update --config prof.config --store reg:work.reg
    [ "$rc" = 0 ] && cmp -s work.reg ref.reg || { fail "fault at $n: rerun did not complete"; break; }
  elif [ "$rc" = 0 ]; then
    cmp -s work.reg ref.reg || { fail "fault at $n: exit 0 but not the full update"; break; }
  else
    fail "fault at $n: unexpected exit $rc"; break
  fi
  n=$((n + 1))
done
