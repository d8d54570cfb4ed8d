# Update then restore on an NTUSER.DAT hive: every key and value equal to the original, as an
# independent reader (hivexregedit) sees them; a second restore has nothing to do.
command -v hivexregedit >/dev/null || { echo "    (hivexregedit missing: skipped)"; return 0; }
[ -f before.hive ] || { echo "    (no hive backend: skipped)"; return 0; }
cp before.hive work.hive
run update --config prof.config --store hive:work.hive
expect_exit 0
b=$(ls "$LOGDIR"/Backups/*.reg | head -1)
run restore "$b" --store hive:work.hive --config prof.config
expect_exit 0
expect_out 'restored 2 profile'
hivexregedit --export before.hive '\' >want.txt 2>/dev/null
hivexregedit --export work.hive '\' >got.txt 2>/dev/null
[ -s want.txt ] || fail "hivexregedit read nothing"
expect_same got.txt want.txt
run restore "$b" --store hive:work.hive --config prof.config
expect_exit 0
expect_out 'nothing to do'
# The restored hive updates again exactly like the original.
run update --config prof.config --store hive:work.hive
expect_exit 0
check now hive:work.hive
