# Update then restore from the backup it wrote gives back the original .reg byte for byte, for
# every profile the update touched; a second restore has nothing to do; the log records it.
cp before.reg work.reg
run update --config prof.config --store reg:work.reg
expect_exit 0
cmp -s work.reg before.reg && fail "the update changed nothing"
b=$(ls "$LOGDIR"/Backups/*.reg | head -1)
cp work.reg updated.reg
run restore "$b" --store reg:work.reg --config prof.config
expect_exit 0
expect_out 'restored 2 profile'
expect_same work.reg before.reg
expect_log 'event=run.start .*mode=restore'
expect_log 'event=restore profile=.*Profiles\\\\Outlook" state=restored'
expect_log 'event=run.end result=ok exit=0 restored=2'
run restore "$b" --store reg:work.reg --config prof.config
expect_exit 0
expect_out 'nothing to do'
expect_same work.reg before.reg
# Without --config there is no log, but the restore is the same.
cp updated.reg work2.reg
run restore "$b" --store reg:work2.reg
expect_exit 0
expect_same work2.reg before.reg
# A profile deleted since the backup comes back; a key added inside a profile goes away.
python3 - <<'PY'
import re
t = open('updated.reg', 'rb').read().decode('utf-16')
blocks = re.split(r'(?=\r\n\[)', t)
keep = [b for b in blocks if 'Profiles\\Zoë' not in b]
t = ''.join(keep).replace('\\Profiles\\Outlook]\r\n', '\\Profiles\\Outlook]\r\n"Extra"="x"\r\n', 1)
open('work3.reg', 'wb').write(t.encode('utf-16'))
PY
run restore "$b" --store reg:updated.reg --dry-run
extra=$(sed -n 's/.*Profiles\\Outlook .* \([0-9]*\) to remove, 0 key.*/\1/p' out.txt)
run restore "$b" --store reg:work3.reg --dry-run
expect_exit 0
expect_out 'would-restore +.*Zoë.*missing now'
expect_out "Profiles\\\\Outlook .* $((extra + 1)) to remove"
run restore "$b" --store reg:work3.reg
expect_exit 0
run restore "$b" --store reg:work3.reg --dry-run
expect_out 'dry run: 0 of 2'
