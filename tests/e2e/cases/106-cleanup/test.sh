# cleanup on a reg and a hive store: the user's *.ost.pre-migration files in the ForceOSTPath
# folder go (--older-than spares recent ones), the user's backups beyond the newest BackupKeep
# go with their .outside.reg, other users' and other computers' backups stay, --dry-run removes
# nothing, every removal is logged; restore --latest picks the newest backup.
export USER=alice COMPUTERNAME=PC1
ost="$PWD/ost"
mkdir -p "$ost"
# The fixture as UTF-8 .reg with a ForceOSTPath policy naming the folder.
{ iconv -f UTF-16LE -t UTF-8 before.reg | sed '1s/^\xef\xbb\xbf//'
  printf '\r\n[HKEY_CURRENT_USER\\Software\\Policies\\Microsoft\\Office\\16.0\\Outlook]\r\n'
  printf '"ForceOSTPath"="%s"\r\n' "$ost"; } >work.reg
echo old >"$ost/alice@source.example.ost.pre-migration"
echo new >"$ost/shared@source.example.ost.pre-migration"
echo live >"$ost/alice@target.example.ost"
touch -d '40 days ago' "$ost/alice@source.example.ost.pre-migration"
run update --config prof.config --store reg:work.reg
expect_exit 0
real=$(ls "$LOGDIR"/Backups/PC1_alice-*.reg)
[ "$(echo "$real" | wc -l)" = 1 ] || fail "expected one backup from the update: $real"
for d in 01 02 03 04 05; do
  echo b >"$LOGDIR/Backups/PC1_alice-202501${d}T080000Z-100.reg"
done
echo o >"$LOGDIR/Backups/PC1_alice-20250101T080000Z-100.outside.reg"
echo x >"$LOGDIR/Backups/PC1_alice-smith-20250101T080000Z-100.reg"
echo x >"$LOGDIR/Backups/PC2_alice-20250101T080000Z-100.reg"
touch -d '40 days ago' "$LOGDIR"/Backups/*2025*
with_config BackupKeep=3
ls "$LOGDIR/Backups" | sort >before-list.txt

run cleanup --config prof.config --store reg:work.reg --dry-run
expect_exit 0
expect_out 'would remove 2 old OST file\(s\) and 3 backup\(s\)'
expect_out 'would remove: .*PC1_alice-20250101T080000Z-100.outside.reg'
ls "$LOGDIR/Backups" | sort >after-list.txt
expect_same before-list.txt after-list.txt
expect_file "$ost/alice@source.example.ost.pre-migration"
expect_log 'event=cleanup kind=ost file=.*alice@source.example.ost.pre-migration action=would_remove'

run cleanup --config prof.config --store reg:work.reg --older-than 30
expect_exit 0
expect_out 'removed 1 old OST file\(s\) and 3 backup\(s\)'
[ ! -e "$ost/alice@source.example.ost.pre-migration" ] || fail "old OST not removed"
expect_file "$ost/shared@source.example.ost.pre-migration"
expect_file "$ost/alice@target.example.ost"
expect_file "$real"
expect_file "$LOGDIR/Backups/PC1_alice-20250105T080000Z-100.reg"
expect_file "$LOGDIR/Backups/PC1_alice-20250104T080000Z-100.reg"
for gone in 20250101T080000Z-100.reg 20250102T080000Z-100.reg 20250103T080000Z-100.reg \
  20250101T080000Z-100.outside.reg; do
  [ ! -e "$LOGDIR/Backups/PC1_alice-$gone" ] || fail "backup $gone not removed"
done
expect_file "$LOGDIR/Backups/PC1_alice-smith-20250101T080000Z-100.reg"
expect_file "$LOGDIR/Backups/PC2_alice-20250101T080000Z-100.reg"
expect_log 'event=cleanup kind=ost file=.*alice@source.example.ost.pre-migration action=removed age_days=4[0-9]'
expect_log 'event=cleanup kind=backup file=.*PC1_alice-20250101T080000Z-100.reg action=removed'
# Nothing left to do: a second run removes nothing.
run cleanup --config prof.config --store reg:work.reg --older-than 30
expect_out 'removed 0 old OST file\(s\) and 0 backup\(s\)'

# restore --latest: the update's own backup, the newest.
run restore --latest --store reg:work.reg --config prof.config --dry-run
expect_exit 0
expect_out "latest backup: $real"
expect_out 'would be restored'
USER=bob run restore --latest --store reg:work.reg --config prof.config
expect_exit 2
expect_err 'no backup of bob on PC1'

run cleanup --older-than soon --store reg:work.reg
expect_exit 2
expect_err "cleanup: --older-than 'soon' is not a number of days"

# The hive store: the policy written into the hive names another folder.
if [ -f before.hive ]; then
  cp before.hive work.hive
  hex=$(printf '%s\0' "$PWD/ost2" | iconv -f UTF-8 -t UTF-16LE | od -An -tx1 | tr -d ' \n')
  printf 'Software\\Policies\\Microsoft\\Office\\16.0\\Outlook\tForceOSTPath\t1\t%s\n' "$hex" |
    "$PM_BINARY_DIR/hivewrite" work.hive || fail "hivewrite failed"
  mkdir -p ost2
  echo x >ost2/alice@source.example.ost.pre-migration
  echo x >ost2/other.pst
  run cleanup --config prof.config --store hive:work.hive
  expect_exit 0
  expect_out 'removed 1 old OST file\(s\)'
  [ ! -e ost2/alice@source.example.ost.pre-migration ] || fail "hive: old OST not removed"
  expect_file ost2/other.pst
else
  echo "    (no hive backend: hive part skipped)"
fi
