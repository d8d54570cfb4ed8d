#!/bin/bash
# The install rules behind `make install`: installed into a staging folder (DESTDIR) under a
# chosen prefix, the tool, its manual page, the bash completion and the documentation land where
# the prefix says, nothing lands outside DESTDIR, and the installed tool runs.
set -u
SRC=${PM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
BIN=${PM_BINARY_DIR:-$SRC/build-test}
[ -x "$BIN/profilemanager" ] || { echo "FAIL: $BIN/profilemanager not built"; exit 1; }
d=$(mktemp -d "${TMPDIR:-/tmp}/pm-install-XXXXXX")
trap 'rm -rf "$d"' EXIT
fails=0
check() { if "$@"; then echo "ok: ${desc}"; else echo "FAIL: ${desc}"; fails=$((fails + 1)); fi; }

P=/opt/pm-test-prefix
DESTDIR=$d/stage cmake --install "$BIN" --prefix "$P" >"$d/log" 2>&1
rc=$?
desc="cmake --install with DESTDIR and a prefix succeeds"
check [ "$rc" = 0 ]
[ "$rc" = 0 ] || cat "$d/log"
S=$d/stage$P
desc="the tool is installed in PREFIX/bin and runs"
check [ -x "$S/bin/profilemanager" ]
check bash -c "'$S/bin/profilemanager' --version | grep -q '^profilemanager [0-9]'"
desc="the man page is installed in PREFIX/share/man/man1"
check cmp -s "$S/share/man/man1/profilemanager.1" "$SRC/man/profilemanager.1"
desc="the bash completion is installed as share/bash-completion/completions/profilemanager"
check cmp -s "$S/share/bash-completion/completions/profilemanager" \
    "$SRC/contrib/profilemanager.bash-completion"
desc="the documentation is installed in PREFIX/share/doc/profilemanager"
for f in README.md docs/config.md docs/deployment.md docs/windows.md; do
    check cmp -s "$S/share/doc/profilemanager/$(basename "$f")" "$SRC/$f"
done
check [ -f "$S/share/doc/profilemanager/examples/prof.config" ]
desc="every installed path is under the prefix and was written inside DESTDIR"
check bash -c "! grep -v '^$P/' '$BIN/install_manifest.txt' | grep -q ."
check bash -c "while read -r f; do [ -f '$d/stage'\"\$f\" ] || exit 1; done <'$BIN/install_manifest.txt'"
desc="the staging folder holds exactly what the install lists"
check [ "$(find "$d/stage" -type f | wc -l)" = "$(grep -c "" "$BIN/install_manifest.txt")" ]
desc="the prefix itself was not touched"
check [ ! -e "$P" ]

echo "$fails failure(s)"
[ $fails -eq 0 ]
