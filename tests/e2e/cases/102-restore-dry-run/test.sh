# restore --dry-run lists each profile of the backup and what would change, writes nothing, and
# opens the store read-only; usage errors exit 2 and touch nothing.
cp before.reg work.reg
run update --config prof.config --store reg:work.reg
expect_exit 0
b=$(ls "$LOGDIR"/Backups/*.reg | head -1)
cp work.reg updated.reg
run restore "$b" --store reg:work.reg --dry-run --config prof.config
expect_exit 0
expect_out 'would-restore +Software.*Profiles\\Outlook +\([0-9]+ value'
expect_out 'dry run: 2 of 2 profile'
expect_same work.reg updated.reg
expect_log 'event=restore profile=.* state=would_restore'
run restore "$b" --store reg:before.reg --dry-run
expect_out 'unchanged +Software.*Profiles\\Outlook'
expect_out 'dry run: 0 of 2'
run restore --store reg:work.reg
expect_exit 2
expect_err 'no backup file given'
run restore "$b"
expect_exit 2
expect_err 'no --store given'
run restore "$b" --store reg:work.reg --bogus
expect_exit 2
run restore "$b" --store nosuch:work.reg
expect_exit 2
run restore "$b" --store reg:missing.reg
expect_exit 8
run restore "$b" --store reg:work.reg --config missing.config
expect_exit 3
expect_same work.reg updated.reg
# Another run holding the per-user lock: the restore waits LockWait seconds, then exits 7.
with_config LockWait=1
mkdir -p -m 700 lk
XDG_RUNTIME_DIR="$PWD/lk" flock "lk/profilemanager-$(id -u)-update.lock" sleep 4 &
holder=$!
sleep 0.5
XDG_RUNTIME_DIR="$PWD/lk" run restore "$b" --store reg:work.reg --config prof.config
expect_exit 7
expect_err 'in progress'
wait "$holder"
expect_same work.reg updated.reg
