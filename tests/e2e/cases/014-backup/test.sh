# Every run that changes something writes a .reg backup of the touched profiles first.
cp before.reg work.reg
run update --config prof.config --store reg:work.reg
expect_exit 0
ls "$LOGDIR"/Backups/*.reg >/dev/null 2>&1 || fail "no backup written"
b=$(ls "$LOGDIR"/Backups/*.reg | head -1)
head -c 2 "$b" | od -An -tx1 | grep -q 'ff fe' || fail "backup is not REGEDIT5 UTF-16LE"
iconv -f UTF-16LE -t UTF-8 "$b" | grep -q 'cn=Recipients/cn=alice"' || fail "backup lacks the source values"
expect_log 'event=backup file='
# Backup=no writes none.
cp before.reg work2.reg
rm -rf "$LOGDIR/Backups"
with_config Backup=no
run update --config prof.config --store reg:work2.reg
expect_exit 0
[ ! -d "$LOGDIR/Backups" ] || fail "Backup=no still wrote a backup"
