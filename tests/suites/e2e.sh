#!/usr/bin/env bash
# End-to-end cases: every folder in tests/e2e/cases is one case. Its files are copied into a fresh
# work folder (after the files of the generated fixture named by its 'scenario' file, if any), and
# its test.sh runs there with the helpers below. Adding a regression means adding a folder.
set -u
: "${PM_SOURCE_DIR:?}" "${PM_BINARY_DIR:?}"
PM="$PM_BINARY_DIR/profilemanager"
MKPROFILES="$PM_BINARY_DIR/mkprofiles"
PMCHECK="$PM_BINARY_DIR/pmcheck"
passed=0
failed=0
only="${1:-}"

fail() { echo "    FAIL: $*"; case_ok=0; }

# run ARGS...: runs the tool; sets rc, and out/err files.
run() {
  "$PM" "$@" >out.txt 2>err.txt
  rc=$?
}
expect_exit() { [ "$rc" = "$1" ] || fail "exit $rc, expected $1 ($(head -c 400 err.txt))"; }
expect_out() { grep -qE -- "$1" out.txt || fail "stdout lacks /$1/"; }
expect_err() { grep -qE -- "$1" err.txt || fail "stderr lacks /$1/"; }
expect_no_err() { ! grep -qE -- "$1" err.txt || fail "stderr has /$1/"; }
expect_same() { cmp -s "$1" "$2" || fail "$1 and $2 differ"; }
expect_file() { [ -e "$1" ] || fail "missing file $1"; }
expect_log() { grep -qE -- "$1" "$LOGDIR"/*.log 2>/dev/null || fail "log lacks /$1/"; }
# check STAGE STORE_SPEC [CONFIG]: the independent checker on the result.
check() {
  local cfg="${3:-prof.config}"
  "$PMCHECK" "$(before_of "$2")" "$2" manifest.txt --puf-stage "$1" --config "$cfg" >check.txt 2>&1 \
    || { fail "pmcheck $1 $2:"; grep -E 'FAIL|failed' check.txt | head -20 | sed 's/^/      /'; }
}
before_of() { case "$1" in reg:*) echo reg:before.reg ;; hive:*) echo hive:before.hive ;; esac; }
# with_config KEY=VALUE...: rewrites prof.config keys (adds missing ones).
with_config() {
  local kv k
  for kv in "$@"; do
    k="${kv%%=*}"
    if grep -qi "^$k=" prof.config; then sed -i "s|^$k=.*|$kv|I" prof.config; else echo "$kv" >>prof.config; fi
  done
}

for dir in "$PM_SOURCE_DIR"/tests/e2e/cases/*/; do
  name=$(basename "$dir")
  [ -n "$only" ] && [ "$name" != "$only" ] && continue
  work=$(mktemp -d "${TMPDIR:-/tmp}/pm-e2e-$name.XXXXXX")
  (
    cd "$work" || exit 1
    if [ -f "$dir/scenario" ]; then
      "$MKPROFILES" --scenario "$(cat "$dir/scenario")" fx >/dev/null || { echo "mkprofiles failed"; exit 1; }
      cp fx/* .
    fi
    cp -r "$dir"/. .
    export LOGDIR="$work/logs" HOME="$work/home"
    mkdir -p "$HOME"
    grep -qi '^LogFolder=' prof.config 2>/dev/null || echo "LogFolder=$LOGDIR" >>prof.config
    case_ok=1
    # shellcheck disable=SC1091
    . ./test.sh
    [ "$case_ok" = 1 ]
  )
  if [ $? = 0 ]; then
    echo "ok   $name"
    passed=$((passed + 1))
    rm -rf "$work"
  else
    echo "FAIL $name (work folder kept: $work)"
    failed=$((failed + 1))
  fi
done
echo "e2e: $passed passed, $failed failed"
[ "$failed" = 0 ]
