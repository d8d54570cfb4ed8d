# A log folder that cannot be created: the log goes to Profile.Logs in the user's home.
cp before.reg work.reg
echo file >blocker
with_config LogFolder=blocker/Logs
run update --config prof.config --store reg:work.reg
expect_exit 0
ls "$HOME"/Profile.Logs/*.log >/dev/null 2>&1 || fail "no log in \$HOME/Profile.Logs"
grep -q 'event=run.end result=ok' "$HOME"/Profile.Logs/*.log || fail "fallback log lacks run.end"
