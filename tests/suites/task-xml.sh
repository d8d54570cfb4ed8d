#!/usr/bin/env bash
# The scheduled task packaging/ProfileManager-watch.xml: well-formed (xmllint), valid against the
# Task Scheduler 1.2 schema's elements it uses (tests/data/task-schema/task-1.2-subset.xsd), and
# saying what docs/deployment.md promises: triggers at logon and at unlock, the interactive
# users' group (BUILTIN\Users, S-1-5-32-545) at least privilege, hidden, one instance, calling
# ProfileManager.exe in watch mode for longer than the watch's 24 hours. Mutated copies must fail
# the schema, so the check is shown to bite. Under Wine, tests/suites/wine-watch.sh registers the
# file with schtasks. Skips (77) without xmllint.
set -u
SRC=${PM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
command -v xmllint >/dev/null || { echo "xmllint not installed: skipped"; exit 77; }
XML=$SRC/packaging/ProfileManager-watch.xml
XSD=$SRC/tests/data/task-schema/task-1.2-subset.xsd
d=$(mktemp -d "${TMPDIR:-/tmp}/pm-task-XXXXXX")
trap 'rm -rf "$d"' EXIT
fails=0
check() { if "$@"; then echo "ok: $desc"; else echo "FAIL: $desc"; fails=$((fails + 1)); fi; }

desc="well-formed XML"
check xmllint --noout "$XML"
desc="valid against the Task Scheduler 1.2 schema subset"
check xmllint --noout --schema "$XSD" "$XML"
desc="UTF-8 declared, CRLF line ends (as Windows tools write it)"
check bash -c "head -1 '$XML' | grep -q 'encoding=\"UTF-8\"' && [ \$(grep -c \$'\\r\$' '$XML') = \$(wc -l <'$XML') ]"

# ns XPATH: the text at XPATH, read with the task namespace taken off.
ns() { sed 's/ xmlns="[^"]*"//' "$XML" | xmllint --xpath "$1" - 2>/dev/null | tr -d '\r'; }
desc="trigger at logon"
check test "$(ns 'string(/Task/Triggers/LogonTrigger/Enabled)')" = true
desc="trigger at workstation unlock"
check test "$(ns 'string(/Task/Triggers/SessionStateChangeTrigger/StateChange)')" = SessionUnlock
desc="runs as the interactive users (BUILTIN\\Users), least privilege"
check test "$(ns 'string(/Task/Principals/Principal/GroupId)')/$(ns 'string(/Task/Principals/Principal/RunLevel)')" = S-1-5-32-545/LeastPrivilege
desc="hidden, one instance at a time (IgnoreNew), below-normal priority"
check test "$(ns 'string(/Task/Settings/Hidden)')/$(ns 'string(/Task/Settings/MultipleInstancesPolicy)')/$(ns 'string(/Task/Settings/Priority)')" = true/IgnoreNew/7
desc="runs ProfileManager.exe update --wait-exit"
check bash -c "[[ '$(ns 'string(/Task/Actions/Exec/Command)')' == *'\\ProfileManager.exe' ]] &&
    [ '$(ns 'string(/Task/Actions/Exec/Arguments)')' = 'update --wait-exit' ]"
desc="the action runs as the task's principal (Context names it)"
check test "$(ns 'string(/Task/Actions/@Context)')" = "$(ns 'string(/Task/Principals/Principal/@id)')"
desc="the time limit outlasts the longest watch (24 h)"
check test "$(ns 'string(/Task/Settings/ExecutionTimeLimit)')" = PT25H

# The schema bites: each mutation must be refused.
bad() { # bad NAME SED-SCRIPT
    sed "$2" "$XML" >"$d/$1.xml"
    desc="schema refuses: $1"
    check bash -c "! xmllint --noout --schema '$XSD' '$d/$1.xml' 2>/dev/null"
}
bad misspelled-setting 's#<Hidden>#<Hiden>#;s#</Hidden>#</Hiden>#'
bad unknown-state 's#SessionUnlock#SessionUnlocked#'
bad priority-11 's#<Priority>7#<Priority>11#'
bad no-command 's#<Command>.*</Command>##'
bad runlevel 's#LeastPrivilege#Lowest#'
bad trigger-order 's#<Enabled>true</Enabled>\r$##;s#<StateChange>SessionUnlock</StateChange>#<StateChange>SessionUnlock</StateChange><Enabled>true</Enabled>#'

echo "$fails failure(s)"
[ "$fails" = 0 ]
