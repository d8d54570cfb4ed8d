#!/bin/bash
# `make msi` end to end: the package wixl builds is checked with msitools (tables, streams, the
# File rows against the real files, msiextract's copy of the exe), then installed with Wine's
# msiexec /i /qn into a fresh prefix (files present and identical, the installed exe runs, the
# product is registered for uninstall, the exe is the Application event source ProfileManager)
# and removed with msiexec /x (files, folder and event source gone).
# Skips (77) without wixl/msitools, mingw-w64 or wine.
set -u
SRC=${PM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
WINE=$(command -v wine || true)
[ -z "$WINE" ] && [ -x /usr/lib/wine/wine64 ] && WINE=/usr/lib/wine/wine64
WINESERVER=$(command -v wineserver || true)
[ -z "$WINESERVER" ] && [ -x /usr/lib/wine/wineserver ] && WINESERVER=/usr/lib/wine/wineserver
for tool in wixl msiinfo msiextract x86_64-w64-mingw32-gcc; do
    command -v $tool >/dev/null || { echo "$tool not installed: skipped"; exit 77; }
done
if [ -z "$WINE" ] || [ -z "$WINESERVER" ]; then echo "wine not installed: skipped"; exit 77; fi

d=$(mktemp -d "${TMPDIR:-/tmp}/pm-msi-XXXXXX")
export HOME=$d/home WINEPREFIX=$d/prefix WINEDEBUG=-all
export WINEDLLOVERRIDES="mscoree,mshtml=;winemenubuilder.exe=d"
mkdir -p "$HOME"
cleanup() { "$WINESERVER" -k >/dev/null 2>&1; rm -rf "$d"; }
trap cleanup EXIT
fails=0
check() { if "$@"; then echo "ok: ${desc}"; else echo "FAIL: ${desc}"; fails=$((fails + 1)); fi; }

# A build folder may be reused (PM_WIN_BUILD) to save the cross build; make only redoes what is old.
WB=${PM_WIN_BUILD:-$d/build-win}
make -C "$SRC" --no-print-directory msi WIN_BUILD="$WB" JOBS=2 >"$d/make.log" 2>&1 ||
    { cat "$d/make.log"; echo "FAIL: make msi"; exit 1; }
MSI=$WB/ProfileManager.msi
EXE=$WB/ProfileManager.exe
VERSION=$(sed -n 's/^#define PM_VERSION "\(.*\)"/\1/p' "$SRC/include/pm/pm.h")

# ---- msitools ----
msiinfo tables "$MSI" >"$d/tables"
desc="msiinfo: the install tables are there"
for t in File Component Directory Feature FeatureComponents Media Property InstallExecuteSequence; do
    check grep -qx "$t" "$d/tables"
done
desc="msiinfo: the cabinet is embedded"
check grep -qx pm.cab <(msiinfo streams "$MSI")
msiinfo export "$MSI" File | tr -d '\r' >"$d/file.idt"
desc="File table: ProfileManager.exe with the exe's size"
check grep -qP "^ProfileManagerExeFile\tProfileManagerExe\tProfileManager.exe\t$(stat -c %s "$EXE")\t" "$d/file.idt"
desc="File table: prof.config.example with the example's size"
check grep -qP "\tprof.config.example\t$(stat -c %s "$SRC/examples/prof.config")\t" "$d/file.idt"
desc="File table: ProfileManager.exe carries the tool's version (not blank)"
check grep -qP "^ProfileManagerExeFile\t[^\t]*\t[^\t]*\t[0-9]+\t$(echo "$VERSION.0.0.0" | cut -d. -f1-4)\t" "$d/file.idt"
desc="Registry table: the event log source ProfileManager points at the installed exe"
msiinfo export "$MSI" Registry | tr -d '\r' >"$d/registry.idt"
check grep -qP '^[^\t]+\t2\tSYSTEM\\CurrentControlSet\\Services\\EventLog\\Application\\ProfileManager\\?\tEventMessageFile\t\[INSTALLDIR\]ProfileManager.exe\t' "$d/registry.idt"
desc="Property table: ProductVersion is the tool's version"
check grep -qP "^ProductVersion\t$VERSION\$" <(msiinfo export "$MSI" Property | tr -d '\r')
desc="Directory table: installs under ProgramFiles64Folder\\ProfileManager"
check grep -qP "^INSTALLDIR\tProgramFiles64Folder\tProfileManager\$" \
    <(msiinfo export "$MSI" Directory | tr -d '\r')
mkdir "$d/extract"
msiextract -C "$d/extract" "$MSI" >/dev/null 2>&1
desc="msiextract gives back the very exe"
check cmp -s "$(find "$d/extract" -name ProfileManager.exe | head -n 1)" "$EXE"

# ---- install and uninstall under Wine ----
"$WINESERVER" -p >/dev/null 2>&1
"$WINE" wineboot -i >/dev/null 2>&1
cp "$MSI" "$WINEPREFIX/drive_c/pm.msi"
PF="$WINEPREFIX/drive_c/Program Files/ProfileManager"
"$WINE" msiexec /i 'C:\pm.msi' /qn >/dev/null 2>&1
desc="msiexec /i /qn exits 0"
check test $? = 0
desc="installed: ProfileManager.exe identical to the built one"
check cmp -s "$PF/ProfileManager.exe" "$EXE"
desc="installed: the example config as prof.config.example (and no live prof.config)"
check cmp -s "$PF/prof.config.example" "$SRC/examples/prof.config"
check test ! -e "$PF/prof.config"
desc="the installed exe runs and reports its version"
check test "$("$WINE" 'C:\Program Files\ProfileManager\ProfileManager.exe' --version 2>/dev/null | tr -d '\r')" = "profilemanager $VERSION"
desc="installed: the Application event source ProfileManager is registered, with the exe as its message file"
"$WINE" reg query 'HKLM\SYSTEM\CurrentControlSet\Services\EventLog\Application\ProfileManager' /v EventMessageFile 2>/dev/null | tr -d '\r' >"$d/evsrc"
check grep -q 'EventMessageFile    REG_SZ    C:\\Program Files\\ProfileManager\\ProfileManager.exe' "$d/evsrc"
desc="registered for uninstall (Programs and Features)"
check bash -c "'$WINE' reg query 'HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall' /s 2>/dev/null | tr -d '\\r' | grep -q 'DisplayName    REG_SZ    ProfileManager'"

"$WINE" msiexec /x 'C:\pm.msi' /qn >/dev/null 2>&1
desc="msiexec /x /qn exits 0"
check test $? = 0
desc="uninstalled: files and folder gone"
check test ! -e "$PF/ProfileManager.exe" -a ! -e "$PF/prof.config.example" -a ! -d "$PF"
desc="uninstalled: the event source is gone"
check bash -c "! '$WINE' reg query 'HKLM\\SYSTEM\\CurrentControlSet\\Services\\EventLog\\Application\\ProfileManager' >/dev/null 2>&1"
desc="uninstalled: no longer registered"
check bash -c "! '$WINE' reg query 'HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall' /s 2>/dev/null | tr -d '\\r' | grep -q 'DisplayName    REG_SZ    ProfileManager'"

if [ $fails -ne 0 ]; then
    echo "$fails check(s) failed"
    exit 1
fi
echo "all checks passed"
