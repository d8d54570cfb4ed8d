# A backup folder that cannot be created: the backup goes to Profile.Logs/Backups in the user's
# home, as the log does, and the log says so; a dry run says which folder it would use. Only when
# the fallback cannot be written either does the update fail with nothing changed (exit 6).
echo file >blocker
with_config BackupFolder=blocker/Backups
cp before.reg work.reg
run update --dry-run --config prof.config --store reg:work.reg
expect_exit 0
expect_out "backup would be written to '$HOME/Profile.Logs/Backups'"
expect_same before.reg work.reg
run update --config prof.config --store reg:work.reg
expect_exit 0
ls "$HOME"/Profile.Logs/Backups/*.reg >/dev/null 2>&1 || fail "no backup in \$HOME/Profile.Logs/Backups"
expect_log "event=warning msg=\"cannot create or write the backup folder.*fallback=$HOME/Profile.Logs/Backups"
expect_log "event=backup file=$HOME/Profile.Logs/Backups/"
expect_err "cannot write the backup folder"
check now reg:work.reg
# Neither folder usable: nothing changes, exit 6, and the dry run warns first.
rm -rf "$HOME/Profile.Logs"
echo file >"$HOME/Profile.Logs"
cp before.reg work.reg
run update --dry-run --config prof.config --store reg:work.reg
expect_exit 0
expect_out "no backup folder is writable"
run update --config prof.config --store reg:work.reg
expect_exit 6
expect_same before.reg work.reg
