#!/bin/bash
# The shortcut trick with Outlook's switches, on the POSIX build: a rewritten Outlook shortcut
# runs "profilemanager /select outlook:Inbox ..."; from the first /switch on, every argument goes
# to RunAfter exactly as received (no exit 2, the update runs), and a dry run starts RunAfter only
# with --run-after. RunAfter is a shell script that records its arguments, one per line.
set -u
SRC=${PM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
BIN=${PM_BINARY_DIR:-$SRC/build}
PM=$BIN/profilemanager
for tool in profilemanager mkprofiles; do
    [ -x "$BIN/$tool" ] || { echo "$tool not built"; exit 1; }
done

d=$(mktemp -d "${TMPDIR:-/tmp}/pm-switches-XXXXXX")
trap 'rm -rf "$d"' EXIT
fails=0
check() { if "$@"; then echo "ok: ${desc}"; else echo "FAIL: ${desc}"; fails=$((fails + 1)); fi; }

"$BIN/mkprofiles" --scenario office16 "$d/fx" >/dev/null || { echo "FAIL: mkprofiles"; exit 1; }
cat >"$d/marker.sh" <<'EOS'
#!/bin/sh
out=$1
shift
{ echo started; for a in "$@"; do printf 'arg=%s\n' "$a"; done; } >"$out.tmp" && mv "$out.tmp" "$out"
EOS
chmod 755 "$d/marker.sh"
export HOME=$d/home
mkdir -p "$HOME"

# setup: a fresh store, the fixture's PUF and config, RunAfter = the marker.
setup() {
    rm -rf "$d/run" && mkdir -p "$d/run"
    cp "$d/fx/before.reg" "$d/run/store.reg"
    cp "$d/fx/mbm.puf" "$d/run/mbm.puf"
    { cat "$d/fx/prof.config"; printf 'LogFolder=%s\nRunAfter=%s\nRunAfterArgs=%s\n' \
        "$d/run/Logs" "$d/marker.sh" "$d/run/ran.txt"; } >"$d/run/prof.config"
}
waitfor() { local i; for i in $(seq 100); do [ -f "$1" ] && return 0; sleep 0.05; done; return 1; }

ARGS=(/select outlook:Inbox /profile '"Work"' /c ipm.note /a 'C:\path with space\f.txt'
    'say "hi"' 'trailing\' 'Zoë – 日本' '')

echo "== update with Outlook switches"
setup
"$PM" update --config "$d/run/prof.config" --store "reg:$d/run/store.reg" "${ARGS[@]}" \
    >"$d/out" 2>"$d/err"
rc=$?
desc="switches with values: exit 0 (not a usage error)"; check [ "$rc" = 0 ]
desc="the update happened"; check grep -q '^updated [1-9]' "$d/out"
desc="the store changed"; check bash -c "! cmp -s '$d/fx/before.reg' '$d/run/store.reg'"
desc="RunAfter started"; check waitfor "$d/run/ran.txt"
{ echo started; for a in "${ARGS[@]}"; do printf 'arg=%s\n' "$a"; done; } >"$d/want"
desc="RunAfter received exactly the switches, after RunAfterArgs"
check cmp -s "$d/want" "$d/run/ran.txt"
[ -f "$d/run/ran.txt" ] && ! cmp -s "$d/want" "$d/run/ran.txt" && diff "$d/want" "$d/run/ran.txt"

echo "== dry run"
setup
"$PM" update --dry-run --config "$d/run/prof.config" --store "reg:$d/run/store.reg" /recycle \
    >"$d/out" 2>"$d/err"
rc=$?
desc="dry run: exit 0"; check [ "$rc" = 0 ]
sleep 0.5
desc="dry run: RunAfter not started"; check [ ! -e "$d/run/ran.txt" ]
desc="dry run: the log says why"
check grep -q 'event=run_after .*started=0 reason=dry_run' "$d/run/Logs/"*.log
"$PM" update --dry-run --run-after --config "$d/run/prof.config" \
    --store "reg:$d/run/store.reg" /recycle >"$d/out" 2>"$d/err"
desc="dry run --run-after: RunAfter started with the switch"
check waitfor "$d/run/ran.txt"
check grep -qx 'arg=/recycle' "$d/run/ran.txt"

echo "$fails failure(s)"
[ $fails -eq 0 ]
