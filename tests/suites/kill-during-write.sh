#!/usr/bin/env bash
# A process killed during the write: the real tool updates a copy of each fixture scenario in
# KILL_SCENARIOS (default: office16, several profiles, and exo2013, whose update rewrites store
# EntryID lists outside the account) in a reg store, then a hive store, and is killed with
# SIGKILL after a delay that sweeps the whole run,
# from before the store is opened to after the rename. After each kill the store file must be
# byte for byte the state before or the full update (cmp against a reference run), and the run
# afterwards must complete it. Bounded: KILL_ROUNDS kills per store (default 120) and
# KILL_SECONDS seconds in all (default 240), shared evenly by the sweeps.
set -u
: "${PM_SOURCE_DIR:?}" "${PM_BINARY_DIR:?}"
PM="$PM_BINARY_DIR/profilemanager"
MKPROFILES="$PM_BINARY_DIR/mkprofiles"
ROUNDS="${KILL_ROUNDS:-120}"
BUDGET="${KILL_SECONDS:-240}"
SCENARIOS="${KILL_SCENARIOS:-office16 exo2013}"
[ -x "$PM" ] && [ -x "$MKPROFILES" ] || { echo "tool or mkprofiles not built"; exit 77; }

work=$(mktemp -d "${TMPDIR:-/tmp}/pm-kill.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
# The per-user lock lives in TMPDIR: keep it to this suite.
export TMPDIR="$work" HOME="$work/home"
mkdir -p "$HOME"
nsweeps=$(($(echo $SCENARIOS | wc -w) * 2))
SHARE=$((BUDGET / nsweeps))

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

now_ms() { date +%s%3N; }

# sweep BACKEND EXT: reference run, then ROUNDS killed runs.
sweep() {
  local backend=$1 ext=$2 before="fx/before.$2"
  [ -f "$before" ] || { echo "skip $backend: no fixture (backend not built)"; return 0; }
  cp "$before" ref.$ext
  local t0 t1
  t0=$(now_ms)
  "$PM" update --config prof.config --store "$backend:ref.$ext" >/dev/null 2>&1 \
    || { fail "$backend: reference run failed"; return; }
  t1=$(now_ms)
  cmp -s ref.$ext "$before" && { fail "$backend: the reference run changed nothing"; return; }
  local dur=$((t1 - t0)) i delay rc kept_before=0 kept_full=0 start=$SECONDS
  [ "$dur" -lt 20 ] && dur=20
  for ((i = 0; i < ROUNDS; i++)); do
    [ $((SECONDS - start)) -ge "$SHARE" ] && { echo "$backend: time budget reached after $i kills"; break; }
    cp "$before" work.$ext
    # Delays sweep 0 .. 2 x the reference run's duration, plus a little jitter.
    delay=$((dur * 20 * i / (10 * ROUNDS) + RANDOM % 7))
    "$PM" update --config prof.config --store "$backend:work.$ext" >/dev/null 2>&1 &
    local pid=$!
    sleep "$(awk -v d="$delay" 'BEGIN { printf "%.3f", d / 1000 }')"
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    if cmp -s work.$ext "$before"; then
      kept_before=$((kept_before + 1))
    elif cmp -s work.$ext ref.$ext; then
      kept_full=$((kept_full + 1))
    else
      cp work.$ext "damaged-$scenario-$i.$ext"
      fail "$backend: killed after ${delay} ms: the store is neither as before nor fully updated"
      continue
    fi
    "$PM" update --config prof.config --store "$backend:work.$ext" >out.txt 2>&1
    rc=$?
    [ "$rc" = 0 ] || fail "$backend: run after a kill at ${delay} ms exited $rc: $(head -c 300 out.txt)"
    cmp -s work.$ext ref.$ext || fail "$backend: run after a kill at ${delay} ms did not complete the update"
  done
  # A kill during the write can leave the writer's temporary file beside the store: not damage
  # (the store is whole), but counted so it shows.
  echo "$backend: $(ls work.$ext.tmp* 2>/dev/null | wc -l) stale temporary file(s) beside the store"
  rm -f work.$ext.tmp*
  echo "$backend: $i kills over 0..$((dur * 2)) ms: $kept_before left as before, $kept_full fully updated"
  [ "$kept_before" -gt 0 ] || fail "$backend: no kill landed before the commit (sweep too late)"
  [ "$kept_full" -gt 0 ] || fail "$backend: no run got to its commit (sweep too early)"
}

for scenario in $SCENARIOS; do
  rm -rf fx
  "$MKPROFILES" --scenario "$scenario" fx >/dev/null || { echo "mkprofiles $scenario failed"; exit 1; }
  cp fx/mbm.puf fx/prof.config .
  echo "LogFolder=$work/logs" >>prof.config
  echo "LockWait=0" >>prof.config
  echo "scenario $scenario:"
  sweep reg reg
  sweep hive hive
done
if [ "$failures" -gt 0 ]; then
  trap - EXIT
  echo "kill-during-write: $failures failure(s); work folder kept: $work"
  exit 1
fi
echo "kill-during-write: ok"
