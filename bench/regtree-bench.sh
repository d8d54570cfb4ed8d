#!/bin/bash
# Registry tree benchmark: a .reg store with 10^3, 10^4 and 10^5 sibling keys (one value each,
# beside a real profile) read and checked by `profilemanager update --dry-run --store reg:...`.
# Before the hash index of children the time grew with the square of the siblings (every key
# created looked its siblings up one by one); it should now grow in proportion to them. The
# same for the hive store: every sibling of a hive read and rewritten by name (see below).
#
#   bash bench/regtree-bench.sh
#   BENCH_SIZES="1000 10000" bash bench/regtree-bench.sh
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BENCH_BUILD:-$ROOT/build-bench}
DATA=$BUILD/regtree-bench-data
if [ -n "${BENCH_QUICK:-}" ]; then
    SIZES=${BENCH_SIZES:-"1000 10000"}
else
    SIZES=${BENCH_SIZES:-"1000 10000 100000"}
fi

echo "== building (Release) in $BUILD"
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD" --target profilemanager mkprofiles -j 2 >/dev/null
rm -rf "$DATA" && mkdir -p "$DATA"
"$BUILD/mkprofiles" --scenario office16 "$DATA/profile" >/dev/null

printf '%-10s %12s %14s\n' siblings seconds "us per key"
for n in $SIZES; do
    reg=$DATA/siblings-$n.reg
    # The fixture's export (REGEDIT5, UTF-16LE, CRLF), then n sibling keys under one parent.
    python3 - "$DATA/profile/before.reg" "$reg" "$n" <<'PY'
import sys
src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
text = open(src, "rb").read().decode("utf-16").rstrip("\r\n") + "\r\n\r\n"
keys = "".join(f"[HKEY_CURRENT_USER\\Software\\Bench\\Key{i:06d}]\r\n\"Value\"=dword:{i:08x}\r\n\r\n"
               for i in range(n))
open(dst, "wb").write(b"\xff\xfe" + (text + keys).encode("utf-16-le"))
PY
    start=$(date +%s.%N)
    "$BUILD/profilemanager" update --config "$DATA/profile/prof.config" --store "reg:$reg" \
        --dry-run >"$DATA/out-$n.txt" 2>&1 || { cat "$DATA/out-$n.txt"; exit 1; }
    end=$(date +%s.%N)
    awk -v n="$n" -v s="$start" -v e="$end" \
        'BEGIN { t = e - s; printf "%-10d %12.3f %14.2f\n", n, t, t * 1e6 / n }' | tee -a "$DATA/reg.txt"
done
# Linear growth: the time per key at the largest size is no more than twice the smallest's (the
# smallest also carries the process start); a square law would multiply it by the size ratio.
goal() {
    awk -v what="$1" 'NR == 1 { n0 = $1; u0 = $3 } { n1 = $1; u1 = $3 }
        END { r = u1 / u0; printf "goal (%s): linear, time per key at %d <= 2x at %d: %.2fx, %s\n",
              what, n1, n0, r, (r <= 2 ? "met" : "NOT MET") }' "$2"
}
goal ".reg store" "$DATA/reg.txt"

# ---- the hive store ----
# A hive (bench/mkhive.py: written compactly, as Windows would) with n sibling keys under
# Software\Bench, each with one REG_DWORD; then every sibling's value read and rewritten in one
# transaction through the hive store (tests/tools/hivewrite, one line per key), which looks each
# key up by name under the parent. hivex refuses a key with more than about 70,000 subkeys
# (HIVEX_MAX_SUBKEYS), so 10^5 siblings cannot be read through it: the largest size measured is
# HIVE_SIZES' last (70000 by default).
HIVE_SIZES=${BENCH_HIVE_SIZES:-$([ -n "${BENCH_QUICK:-}" ] && echo "1000 10000" || echo "1000 10000 70000")}
cmake --build "$BUILD" --target hivewrite -j 2 >/dev/null
echo
printf '%-10s %12s %14s\n' "hive sibs" seconds "us per key"
for n in $HIVE_SIZES; do
    hive=$DATA/siblings-$n.hive
    python3 "$ROOT/bench/mkhive.py" "$hive" "$n"
    python3 -c "
import sys
n = int(sys.argv[1])
for i in range(n):
    print(f'Software\\\\Bench\\\\Key{i:06d}\tValue\t4\t{(i * 7) & 0xff:02x}000000')" "$n" >"$DATA/hive-edits-$n.txt"
    start=$(date +%s.%N)
    "$BUILD/hivewrite" "$hive" <"$DATA/hive-edits-$n.txt" || exit 1
    end=$(date +%s.%N)
    awk -v n="$n" -v s="$start" -v e="$end" \
        'BEGIN { t = e - s; printf "%-10d %12.3f %14.2f\n", n, t, t * 1e6 / n }' | tee -a "$DATA/hive.txt"
done
goal "hive store" "$DATA/hive.txt"
