#!/usr/bin/env bash
# Usage errors read the same in every command and all exit 2: a missing value says "option X
# needs a value", an unknown option names itself and suggests the close one ("did you mean
# --store?"), an unknown subcommand lists the valid ones, and a bad --store is refused before the
# config is read.
set -euo pipefail
bin="$PM_BINARY_DIR/profilemanager"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# expect EXIT "MESSAGE" ARGS...: runs the tool, checks the exit code and that stderr holds MESSAGE.
expect() {
  local want=$1 msg=$2 rc=0
  shift 2
  "$bin" "$@" >out.txt 2>err.txt || rc=$?
  if [ "$rc" != "$want" ]; then
    fail "'$*' exited $rc, not $want: $(head -1 err.txt)"
  elif ! grep -qF -- "$msg" err.txt; then
    fail "'$*': stderr lacks \"$msg\": $(head -1 err.txt)"
  else
    echo "ok: $* -> $want"
  fi
}

# A missing value, at the end or followed by another option.
expect 2 "update: option '--store' needs a value" --store
expect 2 "update: option '--config' needs a value" update --config
expect 2 "update: option '--store' needs a value" --store= --dry-run
expect 2 "restore: option '--store' needs a value" restore b.reg --store
expect 2 "restore: option '--config' needs a value" restore b.reg --config --dry-run
expect 2 "report: option '--csv' needs a value" report logs --csv
expect 2 "report: option '--roster' needs a value" report logs --roster --csv x
expect 2 "puf build: option '--out' needs a value" puf build --source s --target t --out
expect 2 "puf build: option '--join' needs a value" puf build --join --append
expect 2 "shortcut: option '--dir' needs a value" shortcut list --dir
expect 2 "shortcut: option '--target' needs a value" shortcut apply --target
expect 2 "package: option '--out' needs a value" package --out
expect 2 "package: option '--puf' needs a value" package --out x.zip --puf
expect 2 "cleanup: option '--older-than' needs a value" cleanup --older-than
expect 2 "cleanup: option '--store' needs a value" cleanup --dry-run --store

# Unknown options, near misses suggested, far ones not.
expect 2 "update: unknown option '--stor' (did you mean --store?)" --stor reg:x
expect 2 "update: unknown option '--verbsoe' (did you mean --verbose?)" update --verbsoe
expect 2 "update: unknown option '--frobnicate'" --frobnicate
expect 2 "restore: unknown option '--dryrun' (did you mean --dry-run?)" restore b.reg --dryrun
expect 2 "report: unknown option '--htm' (did you mean --html?)" report logs --htm x
expect 2 "report: unexpected argument 'second'" report logs second
expect 2 "puf build: unknown option '--sourse' (did you mean --source?)" puf build --sourse s
expect 2 "puf build: unknown option '--allow-emtpy' (did you mean --allow-empty?)" puf build --allow-emtpy
expect 2 "puf check: unknown option '--strict'" puf check --strict
expect 2 "shortcut: unknown option '--dri' (did you mean --dir?)" shortcut list --dri x
expect 2 "package: unknown option '--exes' (did you mean --exe?)" package --exes x
expect 2 "cleanup: unknown option '--older-tahn' (did you mean --older-than?)" cleanup --older-tahn 3
expect 2 "restore: unknown option '--lastest' (did you mean --latest?)" restore --lastest
if ! grep -q "did you mean" <("$bin" --frobnicate 2>&1); then echo "ok: no suggestion for a far miss"; else fail "a far miss got a suggestion"; fi

# Unknown or missing subcommands and commands.
expect 2 "puf: unknown subcommand 'bild' (did you mean build?); one of: build, check, index" puf bild
expect 2 "puf: unknown subcommand 'frob'; one of: build, check, index" puf frob
expect 2 "puf: no subcommand given (one of: build, check, index)" puf
expect 2 "shortcut: unknown subcommand 'aply' (did you mean apply?); one of: apply, restore, list" shortcut aply
expect 2 "shortcut: no subcommand given (one of: apply, restore, list)" shortcut --dir .
expect 2 "unknown command 'reprot' (did you mean report?)" reprot logs

# --store is checked before anything else: a bad spec is exit 2 even without a config (which
# would be exit 3 once read) and writes no log.
expect 2 "update: --store 'bogus:x': unknown store 'bogus:x'" --store bogus:x --config "$work/none.config"
expect 2 "update: --store 'reg:': the reg store needs a file" --store reg: --config "$work/none.config"
expect 2 "restore: --store 'hive:': the hive store needs a file name" restore b.reg --store hive: --config "$work/none.config"
expect 2 "cleanup: --store 'bogus:x': unknown store" cleanup --store bogus:x --config "$work/none.config"
mkdir logs
printf '[Settings]\nPufFile=%s/mbm.puf\nLogFolder=%s/logs\n' "$work" "$work" >prof.config
expect 2 "unknown store" --store=nope --config prof.config
[ -z "$(ls logs)" ] && echo "ok: no log for a bad --store" || fail "a bad --store wrote a log: $(ls logs)"

[ "$failures" = 0 ] || { echo "$failures failure(s)" >&2; exit 1; }
echo ok
