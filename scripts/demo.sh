#!/usr/bin/env bash
# make demo: runs profilemanager on a copy of the bundled example (examples/: an Outlook profile
# export with two Exchange accounts, a delegate, a shared mailbox, an archive, PST and POP/IMAP
# accounts, and a second profile), shows what it changed, then runs again to show that nothing
# changes the second time.
set -eu
exe=$(readlink -f "${1:-build/profilemanager}")
cd "$(dirname "$0")/.."
out=demo-out
rm -rf "$out"
mkdir -p "$out"
cp examples/prof.config examples/mbm.puf examples/profiles.reg "$out"/
cp "$out/profiles.reg" "$out/profiles.before.reg"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "mbm.puf: the migrated mailboxes (source DN | target DN | SMTP | name | server | server DN)"
grep -v '^#' "$out/mbm.puf" | cut -c1-150

step "dry run: what would change (nothing is written)"
"$exe" update --config "$out/prof.config" --store "reg:$out/profiles.reg" --dry-run >"$out/dry-run.txt"
cut -c1-160 "$out/dry-run.txt" | head -14
echo "  ... ($(wc -l <"$out/dry-run.txt") lines in $out/dry-run.txt)"
cmp -s "$out/profiles.reg" "$out/profiles.before.reg" && echo "file unchanged by the dry run: yes"

step "update"
"$exe" update --config "$out/prof.config" --store "reg:$out/profiles.reg" --verbose \
  | grep -E '^(updated|current|not_migrated|skipped) |^updated ' || true

step "what changed, value by value (the log's change events, old -> new)"
grep 'event=change' "$out"/Logs/*.log | sed -E 's/.* key="?[^ ]*\\\\([0-9a-fA-F]{6})[0-9a-fA-F]*"? value=/ [\1...] /' | cut -c1-150 | head -20
echo "  ... $(grep -c 'event=change' "$out"/Logs/*.log) changes logged"

step "second run: nothing to do, the file stays byte-identical"
cp "$out/profiles.reg" "$out/profiles.after-first.reg"
"$exe" update --config "$out/prof.config" --store "reg:$out/profiles.reg"
cmp "$out/profiles.reg" "$out/profiles.after-first.reg" && echo "byte-identical: yes"

step "the run log ($out/Logs)"
tail -n 4 "$out"/Logs/*.log | cut -c1-200
echo
echo "backup of the profiles before the update: $(ls "$out"/Logs/Backups/*.reg)"
