#!/bin/bash
# `profilemanager package` builds the remote users' zip: checked by two independent readers,
# Info-ZIP's `unzip -t` (CRCs) and Python's zipfile module (extracts every member), which must
# give back the exact input files and a read-me; a missing input gives its own exit code and no
# zip. Skips (77) without unzip or python3.
set -u
SRC=${PM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
BIN=${PM_BINARY_DIR:-$SRC/build}
PM=$BIN/profilemanager
[ -x "$PM" ] || { echo "profilemanager not built"; exit 1; }
command -v unzip >/dev/null || { echo "unzip not installed: skipped"; exit 77; }
command -v python3 >/dev/null || { echo "python3 not installed: skipped"; exit 77; }

d=$(mktemp -d "${TMPDIR:-/tmp}/pm-zip-XXXXXX")
trap 'rm -rf "$d"' EXIT
fails=0
check() { if "$@"; then echo "ok: ${desc}"; else echo "FAIL: ${desc}"; fails=$((fails + 1)); fi; }

mkdir -p "$d/share" "$d/x"
printf 'PufFile=mbm.puf\r\nRunAfter=%%ProgramFiles%%\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE\r\n' \
    >"$d/share/prof.config"
for i in $(seq 1 20000); do
    echo "/o=Contoso/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=user$i|/o=Fabrikam/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=u$i|user$i@fabrikam.com|User $i||"
done >"$d/share/mbm.puf"
cp "$PM" "$d/share/ProfileManager.exe"

"$PM" package --out "$d/kit.zip" --config "$d/share/prof.config" --puf "$d/share/mbm.puf" \
    --exe "$d/share/ProfileManager.exe" >"$d/out" 2>&1
desc="package exits 0"
check test $? = 0

desc="unzip -t: no errors"
check unzip -tq "$d/kit.zip"
desc="unzip lists exactly the four members and the deployment scripts"
check test "$(unzip -Z1 "$d/kit.zip" | LC_ALL=C sort | tr "\n" " ")" = "ProfileManager.exe README.txt mbm.puf prof.config scripts/ProfileManager-watch.xml scripts/intune-detect.ps1 scripts/intune-remediate.ps1 scripts/logon.cmd scripts/logon.ps1 scripts/sccm-detect.ps1 "
# The scripts in the zip are the files of packaging/scripts, and each is the block
# docs/deployment.md shows after its "<!-- file: packaging/scripts/NAME -->" marker.
mkdir -p "$d/xs"
(cd "$d/xs" && unzip -q "$d/kit.zip" 'scripts/*')
# The watch mode's scheduled task (packaging/ProfileManager-watch.xml) travels with them.
for f in "$SRC"/packaging/scripts/* "$SRC"/packaging/ProfileManager-watch.xml; do
    n=$(basename "$f")
    rel=${f#"$SRC"/}
    desc="zip: scripts/$n is $rel byte for byte"
    check cmp -s "$d/xs/scripts/$n" "$f"
    awk -v m="<!-- file: $rel -->" '
        $0 == m { want = 1; next }
        want == 1 && /^```/ { want = 2; next }
        want == 2 && /^```/ { exit }
        want == 2 { print }' "$SRC/docs/deployment.md" >"$d/doc-$n"
    desc="docs/deployment.md shows $rel exactly"
    check cmp -s "$d/doc-$n" <(tr -d '\r' <"$f")
done
desc="docs/deployment.md names no script file that does not exist"
check bash -c "grep -o 'file: packaging/scripts/[^ ]*' '$SRC/docs/deployment.md' | sed 's/^file: //' | (cd '$SRC' && xargs ls) >/dev/null 2>&1"

desc="python zipfile: testzip clean and every member equals its input"
check python3 - "$d/kit.zip" "$d/share" <<'PY'
import sys, zipfile, os
z = zipfile.ZipFile(sys.argv[1])
assert z.testzip() is None
for name in ("ProfileManager.exe", "prof.config", "mbm.puf"):
    with open(os.path.join(sys.argv[2], name), "rb") as f:
        assert z.read(name) == f.read(), name
info = {i.filename: i for i in z.infolist()}
assert info["mbm.puf"].compress_type == zipfile.ZIP_DEFLATED
assert info["mbm.puf"].compress_size * 5 < info["mbm.puf"].file_size
readme = z.read("README.txt").decode("ascii")
assert "ProfileManager.exe" in readme and "\r\n" in readme
PY

desc="unzip extracts the PUF identical to the input"
(cd "$d/x" && unzip -q "$d/kit.zip")
check cmp -s "$d/x/mbm.puf" "$d/share/mbm.puf"

desc="defaults: the exe, prof.config and mbm.puf beside the running program"
"$d/share/ProfileManager.exe" package --out "$d/kit2.zip" >/dev/null 2>&1
check unzip -tq "$d/kit2.zip"

desc="missing PUF: exit code 4 (PUF), no zip left behind"
"$PM" package --out "$d/kit3.zip" --config "$d/share/prof.config" --puf "$d/nope.puf" \
    --exe "$PM" >/dev/null 2>&1
check test $? = 4
check test ! -e "$d/kit3.zip" -a ! -e "$d/kit3.zip.tmp"

desc="no --out: usage error"
"$PM" package >/dev/null 2>&1
check test $? = 2

if [ $fails -ne 0 ]; then
    echo "$fails check(s) failed"
    exit 1
fi
echo "all checks passed"
