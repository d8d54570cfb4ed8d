#!/bin/bash
# The Windows-only test programs under Wine: the platform layer (paths, files in use, starting
# and finding processes, the per-user lock), the live store's undo journal checked through the
# registry API, and the store contract suite over mem, reg and live. Also that
# ProfileManager.exe imports no DLL beyond Windows' own, since it runs from a network share on
# machines with nothing installed. Skips (77) without Wine or mingw-w64.
. "$(dirname "$0")/../win/wine-env.sh"
T=$WIN/tests/win

desc="ProfileManager.exe needs only system DLLs"
dlls=$(x86_64-w64-mingw32-objdump -p "$WIN/ProfileManager.exe" | sed -n 's/.*DLL Name: //p')
echo "imports: $(echo $dlls)"
only_system() {
    local dll
    for dll in $dlls; do
        case "$(echo "$dll" | tr '[:upper:]' '[:lower:]')" in
        kernel32.dll | msvcrt.dll | advapi32.dll | shell32.dll | ole32.dll | user32.dll | \
            oleaut32.dll | shlwapi.dll | ws2_32.dll | bcrypt.dll | crypt32.dll | secur32.dll | \
            userenv.dll | version.dll | rpcrt4.dll | api-ms-win-*) ;;
        *) echo "  not a system DLL: $dll"; return 1 ;;
        esac
    done
    [ -n "$dlls" ]
}
check only_system

run_test() {
    local out=$d/$1.out
    w "$T/$1.exe" "${@:2}" >"$out" 2>&1
    local rc=$?
    grep -E '^\[  (FAILED|ERROR|SKIPPED) |^\[   LINE|PASSED' "$out"
    [ $rc -eq 0 ] && grep -q 'PASSED' "$out"
}
desc="platform layer (test-os-win32)"
mkdir -p "$C/windows/temp" && cp "$T/OUTLOOK.exe" "$C/windows/temp/OUTLOOK.exe"
check run_test test-os-win32 'C:\windows\temp\OUTLOOK.exe'
desc="live store undo journal (test-store-live)"
check run_test test-store-live
desc="store contract over mem, reg and live (test-store-contract)"
check run_test test-store-contract
desc="the contract really ran against live"
check grep -q 'store contract: live: 12 test(s) run' "$d/test-store-contract.out"
desc="the tests left no scratch keys in HKCU"
check bash -c "! '$WINE' reg query 'HKCU\\Software' 2>/dev/null | grep -qi 'PMContract\|PMLiveTest'"

echo "$fails failure(s)"
[ $fails -eq 0 ]
