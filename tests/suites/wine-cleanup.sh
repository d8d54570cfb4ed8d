#!/bin/bash
# ProfileManager.exe cleanup and restore --latest under Wine, on the live registry: after a live
# update renamed the OST (OstAction=rename) and wrote a backup, cleanup --dry-run changes
# nothing, cleanup removes the *.ost.pre-migration file found through the profile's OST path and
# the user's backups beyond BackupKeep (another user's stay), each logged; restore --latest
# then picks the update's own backup. Skips (77) without Wine or mingw-w64.
. "$(dirname "$0")/../win/wine-env.sh"

[ -x "$BIN/mkprofiles" ] || { echo "FAIL: $BIN/mkprofiles not built"; exit 1; }
PM=$C/pm
mkdir -p "$PM"
cp "$WIN/ProfileManager.exe" "$PM/"
"$BIN/mkprofiles" --scenario office16 "$d/fx" >/dev/null || { echo "FAIL: mkprofiles"; exit 1; }
import_reg "$d/fx/before.reg"
cp "$d/fx/mbm.puf" "$d/fx/prof.config" "$PM/"
printf 'BackupKeep=2\r\n' >>"$PM/prof.config"
OST=$C/users/alice/AppData/Local/Microsoft/Outlook
mkdir -p "$OST"
echo "alice's OST" >"$OST/alice@source.example.ost"
run() {
    (cd "$d" && w 'C:\pm\ProfileManager.exe' "$@" >"$d/out" 2>"$d/err")
    rc=$?
}

run
desc="update: exit 0"; check [ "$rc" = 0 ]
desc="update: the OST was renamed"; check [ -e "$OST/alice@source.example.ost.pre-migration" ]
real=$(ls "$PM/Logs/Backups/" | grep '\.reg$' | head -1)
desc="update: one backup written"; check [ -n "$real" ]
prefix=${real%%-[0-9]*}
for day in 01 02 03; do
    echo old >"$PM/Logs/Backups/$prefix-202501${day}T080000Z-4.reg"
done
echo other >"$PM/Logs/Backups/${prefix}x-20250101T080000Z-4.reg"
ls "$PM/Logs/Backups" | sort >"$d/before.txt"

run cleanup --dry-run
desc="cleanup --dry-run: exit 0"; check [ "$rc" = 0 ]
desc="cleanup --dry-run: lists the old OST and 2 backups"
check grep -q 'would remove 1 old OST file(s) and 2 backup(s)' "$d/out"
ls "$PM/Logs/Backups" | sort >"$d/after.txt"
desc="cleanup --dry-run: nothing removed"
check bash -c "cmp -s '$d/before.txt' '$d/after.txt' && [ -e '$OST/alice@source.example.ost.pre-migration' ]"

# The OST Outlook creates for the target mailbox is not cleanup's.
echo new >"$OST/alice@target.example.ost"
run cleanup
desc="cleanup: exit 0"; check [ "$rc" = 0 ]
desc="cleanup: the .pre-migration OST is gone, the live OST stays"
check bash -c "[ ! -e '$OST/alice@source.example.ost.pre-migration' ] && [ -e '$OST/alice@target.example.ost' ]"
desc="cleanup: the newest 2 backups stay, the 2 oldest go"
check bash -c "[ -e '$PM/Logs/Backups/$real' ] && [ -e '$PM/Logs/Backups/$prefix-20250103T080000Z-4.reg' ] &&
    [ ! -e '$PM/Logs/Backups/$prefix-20250102T080000Z-4.reg' ] &&
    [ ! -e '$PM/Logs/Backups/$prefix-20250101T080000Z-4.reg' ]"
desc="cleanup: another user's backup stays"; check [ -e "$PM/Logs/Backups/${prefix}x-20250101T080000Z-4.reg" ]
desc="cleanup: each removal logged"
check bash -c "[ \$(grep -c 'event=cleanup .*action=removed' '$PM/Logs/'*.log) = 3 ]"

run restore --latest --dry-run
desc="restore --latest: exit 0"; check [ "$rc" = 0 ]
desc="restore --latest: picks the update's backup"; check grep -q "latest backup: .*$real" "$d/out"
desc="restore --latest: the profiles would be restored"; check grep -q 'would be restored' "$d/out"

# The status key, live: a dry run leaves the update's values; the restore writes its own, so the
# detection rule (ResultCode=0 and Pending=0) no longer counts the user as done.
status >"$d/status.txt"
desc="restore --latest --dry-run: the status key still says update"
check grep -q '"Action"="update"' "$d/status.txt"
run restore --latest
status >"$d/status.txt"
desc="restore --latest: exit 0"; check [ "$rc" = 0 ]
desc="restore --latest: status key ResultCode=0, Action=restore, Pending=2 (profiles put back)"
check grep -q '"ResultCode"=dword:00000000' "$d/status.txt"
check grep -q '"Action"="restore"' "$d/status.txt"
check grep -q '"Pending"=dword:00000002' "$d/status.txt"
check grep -q '"Updated"=dword:00000000' "$d/status.txt"

echo "$fails failure(s)"
[ $fails -eq 0 ]
