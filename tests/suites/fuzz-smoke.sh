#!/usr/bin/env bash
# Every fuzz target, linked against libFuzzer, runs FUZZ_SMOKE_SECONDS (10 by default) from a
# copy of its corpus, so a target whose invariant no longer holds fails the test run at once
# instead of at the next long `make fuzz` (FUZZ_SMOKE_TARGETS="puf csv" runs only those). The
# clang build lives in $PM_BINARY_DIR/fuzz and is kept between runs (only what changed is
# rebuilt). Skipped (77) without clang and libFuzzer. A finding is copied to
# $PM_BINARY_DIR/fuzz/findings/ and the suite fails.
set -euo pipefail
src="$PM_SOURCE_DIR"
fb="$PM_BINARY_DIR/fuzz"
secs="${FUZZ_SMOKE_SECONDS:-10}"

command -v clang >/dev/null || { echo "skip: no clang"; exit 77; }
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n){(void)d;(void)n;return 0;}\n' \
  >"$probe/p.c"
clang -fsanitize=fuzzer "$probe/p.c" -o "$probe/p" 2>/dev/null ||
  { echo "skip: clang cannot link libFuzzer"; exit 77; }

if [ ! -f "$fb/CMakeCache.txt" ]; then
  cmake -S "$src" -B "$fb" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug -DPM_FUZZ=ON \
    -DPM_SANITIZE=ON -DPM_TESTS=ON -DCMAKE_C_FLAGS="-O1" >"$probe/configure.log" 2>&1 ||
    { cat "$probe/configure.log"; echo "FAIL: cannot configure the fuzz build" >&2; exit 1; }
fi
targets=()
for f in "$src"/fuzz/fuzz-*.c; do
  t=$(basename "$f" .c)
  targets+=("${t#fuzz-}")
done
# FUZZ_SMOKE_TARGETS="puf csv" picks some
[ -n "${FUZZ_SMOKE_TARGETS:-}" ] && read -r -a targets <<<"$FUZZ_SMOKE_TARGETS"
cmake --build "$fb" -j 2 --target "${targets[@]/#/fuzz-}" >"$probe/build.log" 2>&1 ||
  { tail -40 "$probe/build.log"; echo "FAIL: cannot build the fuzz targets" >&2; exit 1; }

failed=0
mkdir -p "$fb/findings"
# Scratch files of the targets that need files: in memory when possible (twice the runs).
tmp="$probe"
[ -d /dev/shm ] && [ -w /dev/shm ] && tmp=$(mktemp -d /dev/shm/pm-fuzz-smoke.XXXXXX) &&
  trap 'rm -rf "$probe" "$tmp"' EXIT
for t in "${targets[@]}"; do
  work="$probe/$t"
  mkdir -p "$work/corpus" "$work/artifacts"
  cp -r "$src/fuzz/corpus/$t/." "$work/corpus/" 2>/dev/null || true
  dict=()
  [ -f "$src/fuzz/$t.dict" ] && dict=(-dict="$src/fuzz/$t.dict")
  if (cd "$work/artifacts" && TMPDIR="$tmp" "$fb/fuzz-$t" -max_total_time="$secs" -print_final_stats=1 \
    -max_len=65536 "${dict[@]}" "$work/corpus" >"$work/log" 2>&1); then
    echo "fuzz-$t: $(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log") runs in ${secs} s"
  else
    failed=1
    grep -E 'ERROR|SUMMARY|Test unit written' "$work/log" | head -5
    cp "$work/artifacts"/* "$fb/findings/" 2>/dev/null || true
    echo "FAIL: fuzz-$t found a problem (input in $fb/findings)" >&2
  fi
done
exit $failed
