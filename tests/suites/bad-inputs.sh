#!/usr/bin/env bash
# The bad-input catalogue (tests/bad-inputs/catalogue.tsv): every class of bad input — truncated
# files, binary garbage, huge lines, NULs, wrong encodings, BOMs, missing fields, duplicate keys,
# DNs with odd characters, damaged hives, registry values of the wrong type or size — fed to
# prof.config, mbm.puf, the .reg store, the hive store and the profile walk through the real tool.
# Each case must give the exit code and the message (file:line or key path) the catalogue says,
# never a crash or sanitizer report, leave the store as the catalogue says (unchanged for every
# refused input), and, when the run went on, a second run must change nothing.
# BAD_ONLY=TARGET/CASE runs one case.
set -u
: "${PM_SOURCE_DIR:?}" "${PM_BINARY_DIR:?}"
DATA="$PM_SOURCE_DIR/tests/bad-inputs"
MKPROFILES="$PM_BINARY_DIR/mkprofiles"
[ -x "$PM_BINARY_DIR/profilemanager" ] && [ -x "$MKPROFILES" ] || { echo "tool not built"; exit 77; }
command -v python3 >/dev/null || { echo "python3 missing"; exit 77; }

work=$(mktemp -d "${TMPDIR:-/tmp}/pm-bad.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
export TMPDIR="$work" HOME="$work/home"
mkdir -p "$HOME" bin
# A copy of the tool, so logs that fall back to "Logs beside the executable" stay in here.
cp "$PM_BINARY_DIR/profilemanager" bin/
PM="$work/bin/profilemanager"
"$MKPROFILES" --scenario office16 fx >/dev/null || { echo "mkprofiles failed"; exit 1; }
cp fx/prof.config good.config
echo "LogFolder=$work/logs" >>good.config
# The full update of the good inputs, per store kind.
cp fx/mbm.puf mbm.puf
cp fx/before.reg ref.reg
"$PM" update --config good.config --store reg:ref.reg >/dev/null 2>&1 || { echo "reference run failed"; exit 1; }
have_hive=0
if [ -f fx/before.hive ]; then
  have_hive=1
  cp fx/before.hive ref.hive
  "$PM" update --config good.config --store hive:ref.hive >/dev/null 2>&1 || { echo "hive reference run failed"; exit 1; }
fi

failures=0
cases=0
fail() { echo "FAIL $target/$case: $*"; failures=$((failures + 1)); }

decode() { # the text of a store file, whatever its encoding
  if head -c 2 "$1" | od -An -tx1 | grep -q 'ff fe'; then iconv -f UTF-16 -t UTF-8 "$1" 2>/dev/null; else cat "$1"; fi
}

while IFS=$'\t' read -r target case want_exit store expect; do
  case "$target" in '' | '#'*) continue ;; esac
  [ -n "${BAD_ONLY:-}" ] && [ "$BAD_ONLY" != "$target/$case" ] && continue
  [ "$target" = hive ] && [ "$have_hive" = 0 ] && continue
  cases=$((cases + 1))
  rm -rf logs mbm.puf.idx
  cp fx/mbm.puf mbm.puf
  cfg=good.config spec=reg:work.reg file=work.reg ref=ref.reg
  cp fx/before.reg work.reg
  case "$target" in
    config)
      python3 "$DATA/mkbad.py" fx config "$case" bad.config || { fail "mkbad"; continue; }
      # Relative PufFile and the log folder as the good config has them.
      cfg=bad.config ;;
    puf) python3 "$DATA/mkbad.py" fx puf "$case" mbm.puf || { fail "mkbad"; continue; } ;;
    reg) python3 "$DATA/mkbad.py" fx reg "$case" work.reg || { fail "mkbad"; continue; } ;;
    hive)
      spec=hive:work.hive file=work.hive ref=ref.hive
      python3 "$DATA/mkbad.py" fx hive "$case" work.hive || { fail "mkbad"; continue; } ;;
    value) python3 "$DATA/mkbad.py" fx value "$case" work.reg 2>planted.txt || { fail "mkbad"; continue; } ;;
    *) fail "unknown target"; continue ;;
  esac
  cp "$file" before.bin
  "$PM" update --config "$cfg" --store "$spec" >out.txt 2>err.txt
  rc=$?
  [ "$rc" -lt 128 ] || fail "killed by signal $((rc - 128))"
  if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' err.txt; then
    fail "sanitizer report: $(grep -m1 -E 'ERROR|runtime error' err.txt)"
  fi
  [ "$rc" = "$want_exit" ] || fail "exit $rc, expected $want_exit: $(grep -v '^log:' err.txt | head -c 300)"
  if [ "$expect" != "-" ]; then
    # The message may be on stderr or, for warnings the run goes on after, in the log.
    { cat err.txt; cat logs/*.log 2>/dev/null; } | grep -qE -- "$expect" \
      || fail "no message /$expect/; stderr: $(grep -v '^log:' err.txt | head -c 300)"
  fi
  case "$store" in
    same) cmp -s "$file" before.bin || fail "the store changed" ;;
    ref) cmp -s "$file" "$ref" || fail "the store is not the full update" ;;
    keeps:*)
      decode "$file" | grep -qF -- "${store#keeps:}" || fail "the store lost '${store#keeps:}'" ;;
    any) ;;
    *) fail "unknown store expectation '$store'" ;;
  esac
  if [ "$rc" = 0 ]; then
    cp "$file" first.bin
    "$PM" update --config "$cfg" --store "$spec" >out2.txt 2>err2.txt
    rc2=$?
    [ "$rc2" = 0 ] || fail "second run exited $rc2"
    cmp -s "$file" first.bin || fail "a second run changed the store again"
  fi
done <"$DATA/catalogue.tsv"

echo "bad-inputs: $cases case(s), $failures failure(s)"
if [ "$failures" -gt 0 ]; then
  trap - EXIT
  echo "work folder kept: $work"
  exit 1
fi
[ "$cases" -gt 0 ]
