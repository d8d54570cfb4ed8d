# OstAction: rename points the profile at a fresh path named after the target address (the old
# file is renamed by a run on the user's PC, logged here); reset removes the path; keep leaves it.
cp before.reg work.reg
run update --config prof.config --store reg:work.reg --verbose
expect_exit 0
expect_out '001f6610: C:.*carol@source.example.ost -> C:.*carol@target.example.ost'
expect_log 'event=ost .*from=.*carol@source.example.ost.*action=rename done=0'
cp before.reg work.reg
with_config OstAction=reset
run update --config prof.config --store reg:work.reg --verbose
expect_out '001f6610: C:.*carol@source.example.ost -> \(deleted\)'
cp before.reg work.reg
with_config OstAction=keep
run update --config prof.config --store reg:work.reg --verbose
! grep -q '001f6610' out.txt || fail "OstAction=keep changed the OST path"
ost_lines() { iconv -f UTF-16LE -t UTF-8 "$1" | grep -A4 '^"001f6610"'; }
[ "$(ost_lines work.reg)" = "$(ost_lines before.reg)" ] || fail "OstAction=keep changed a path"
