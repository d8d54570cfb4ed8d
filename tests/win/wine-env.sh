# Sourced by tests/suites/wine-*.sh: finds Wine and mingw-w64 (exit 77 when absent), cross-builds
# ProfileManager.exe and the Windows test programs into $PM_BINARY_DIR/win (one build shared by
# the suites, serialized with a lock file), and makes a fresh Wine prefix in a temporary folder
# that is removed, with its wineserver, when the suite exits.
#
# After sourcing: $SRC, $BIN, $WIN (the cross-build folder), $d (scratch folder), $WINEPREFIX,
# $C (the prefix's drive C: on the Linux side), $WUSER (the prefix's user name), and the
# functions w (runs a program under Wine) and check (counts failures in $fails).
set -u
SRC=${PM_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BIN=${PM_BINARY_DIR:-$SRC/build-test}
WINE=$(command -v wine || true)
[ -z "$WINE" ] && [ -x /usr/lib/wine/wine64 ] && WINE=/usr/lib/wine/wine64
WINESERVER=$(command -v wineserver || true)
[ -z "$WINESERVER" ] && [ -x /usr/lib/wine/wineserver ] && WINESERVER=/usr/lib/wine/wineserver
for need in WINE WINESERVER; do
    [ -n "${!need}" ] || { echo "wine not installed: skipped"; exit 77; }
done
command -v x86_64-w64-mingw32-gcc >/dev/null || { echo "mingw-w64 not installed: skipped"; exit 77; }

WIN=$BIN/win
mkdir -p "$BIN"
(
    flock 9
    if [ ! -f "$WIN/CMakeCache.txt" ]; then
        cmake -S "$SRC" -B "$WIN" -DCMAKE_TOOLCHAIN_FILE="$SRC/cmake/mingw-w64.cmake" \
            -DCMAKE_BUILD_TYPE=Release >"$BIN/win-build.log" 2>&1 || exit 1
    fi
    cmake --build "$WIN" -j2 >>"$BIN/win-build.log" 2>&1
) 9>"$BIN/win-build.lock" || { tail -n 40 "$BIN/win-build.log"; echo "FAIL: cross build"; exit 1; }

d=$(mktemp -d "${TMPDIR:-/tmp}/pm-wine-XXXXXX")
# Wine links the prefix's Desktop and Documents to $HOME: keep them inside $d as well.
export HOME=$d/home WINEPREFIX=$d/prefix WINEDEBUG=-all
export WINEDLLOVERRIDES="mscoree,mshtml=;winemenubuilder.exe=d"
mkdir -p "$HOME"
wine_cleanup() { "$WINESERVER" -k >/dev/null 2>&1; rm -rf "$d"; }
trap wine_cleanup EXIT
"$WINESERVER" -p >/dev/null 2>&1
"$WINE" wineboot -i >/dev/null 2>&1
C=$WINEPREFIX/drive_c
WUSER=$(ls "$C/users" | grep -vx Public | head -n 1)

w() { "$WINE" "$@"; }

# reg_retry ARGS...: `reg ARGS...` under Wine. 0 when it succeeded, 1 when reg says the key or
# value does not exist. Any other failure (a Wine process that failed to start under load) is
# retried; after three failed attempts it counts as a failure of the suite (returning 2), so a
# failed reg is never read as an absent key. Its notes go to stderr: a caller may be writing a
# snapshot of the registry to stdout.
reg_retry() {
    local attempt
    for attempt in 1 2 3; do
        w reg "$@" >"$d/reg.out" 2>&1 && return 0
        grep -q 'Unable to find the specified registry' "$d/reg.out" && return 1
        echo "note: reg $* failed (attempt $attempt): $(tr -d '\r' <"$d/reg.out" | head -n 3)" >&2
        sleep 1
    done
    echo "FAIL: reg $* failed three times" >&2
    fails=$((fails + 1))
    return 2
}
# reg_has KEY [VALUE]: whether the key (or its value) exists (reg_retry's codes).
reg_has() {
    if [ $# -gt 1 ]; then reg_retry query "$1" /v "$2"; else reg_retry query "$1"; fi
}
# import_reg FILE: `reg import` of FILE.
import_reg() { reg_retry import "$1"; }
# export_key KEY FILE: `reg export` of one key; 0 exported, 1 the key does not exist, 2 failed.
export_key() { reg_retry export "$1" "$2" /y; }
# Exports the keys in ROOTS (set by the suite) into one UTF-16 .reg file OUT, as `reg export`
# writes a single key: a byte-for-byte comparison of two such files tells whether a run changed
# anything under them.
export_roots() {
    local out=$1 k i=0 parts=()
    for k in "${ROOTS[@]}"; do
        if export_key "$k" "$d/part$i.reg"; then
            parts+=("$d/part$i.reg")
        fi
        i=$((i + 1))
    done
    {
        printf '\xff\xfe'
        local first=1 f
        for f in "${parts[@]}"; do
            if [ $first = 1 ]; then
                iconv -f UTF-16LE -t UTF-8 "$f" | sed '1s/^\xEF\xBB\xBF//'
            else
                iconv -f UTF-16LE -t UTF-8 "$f" | tail -n +2
            fi
            first=0
        done | iconv -f UTF-8 -t UTF-16LE
    } >"$out"
    rm -f "${parts[@]}"
}
# keys_of FILE: the key names of a .reg file (UTF-16 or UTF-8), lowercased, sorted.
keys_of() {
    iconv -f UTF-16LE -t UTF-8 "$1" | tr -d '\r' |
        sed -n 's/^\xEF\xBB\xBF//; /^\[/p' | tr '[:upper:]' '[:lower:]' | sort -u
}
# missing_keys IMPORTED EXPORTED: the keys under ROOTS that IMPORTED has and EXPORTED lacks (a
# precondition of every comparison: what was imported is there before the run).
missing_keys() {
    local k roots=()
    for k in "${ROOTS[@]}"; do
        roots+=("$(printf '%s' "[${k/#HKCU/HKEY_CURRENT_USER}" | tr '[:upper:]' '[:lower:]')")
    done
    keys_of "$1" | while IFS= read -r k; do
        local r
        for r in "${roots[@]}"; do
            case "$k" in "$r]" | "$r\\"*) echo "$k"; break ;; esac
        done
    done | comm -23 - <(keys_of "$2")
}
# export_before OUT: export_roots OUT right after $FX/before.reg was imported; every key imported
# must be there. One that is not (seen once on a loaded machine) is imported and exported again,
# and a second miss counts as a failure naming the keys: a comparison never starts from a
# registry other than the fixture's.
export_before() {
    export_roots "$1"
    local miss
    miss=$(missing_keys "$FX/before.reg" "$1")
    [ -z "$miss" ] && return 0
    echo "note: imported keys not exported, imported again: $(printf '%s' "$miss" | head -n 3 | tr '\n' ' ')"
    import_reg "$FX/before.reg"
    export_roots "$1"
    miss=$(missing_keys "$FX/before.reg" "$1")
    [ -z "$miss" ] && return 0
    echo "FAIL: imported keys missing before the run: $(printf '%s' "$miss" | head -n 5 | tr '\n' ' ')"
    fails=$((fails + 1))
}
# The status key (HKCU\Software\ProfileManager) as UTF-8 text.
status() {
    w reg export 'HKCU\Software\ProfileManager' "$d/status.reg" /y >/dev/null 2>&1 &&
        iconv -f UTF-16LE -t UTF-8 "$d/status.reg" | tr -d '\r'
}
fails=0
# check CMD...: "ok: $desc" or "FAIL: $desc" (counted); returns CMD's success, so that a caller
# can print what it saw when a check fails.
check() {
    if "$@"; then echo "ok: ${desc}"; else echo "FAIL: ${desc}"; fails=$((fails + 1)); return 1; fi
}
