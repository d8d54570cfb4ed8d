#!/bin/bash
# The manual page and the bash completion agree with the tool: man/profilemanager.1 renders with
# no groff warning (groff -man -ww -z), every command the tool's --help lists and every option
# each command's --help prints is in the rendered page; every command and option
# contrib/profilemanager.bash-completion offers exists in the tool's --help, and the completion
# completes commands, subcommands and options.
# Skips (77) without groff.
set -u
SRC=${PM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
BIN=${PM_BINARY_DIR:-$SRC/build-test}
PM=$BIN/profilemanager
MAN=$SRC/man/profilemanager.1
COMP=$SRC/contrib/profilemanager.bash-completion
command -v groff >/dev/null || { echo "groff not installed: skipped"; exit 77; }
[ -x "$PM" ] || { echo "FAIL: $PM not built"; exit 1; }
d=$(mktemp -d "${TMPDIR:-/tmp}/pm-man-XXXXXX")
trap 'rm -rf "$d"' EXIT
fails=0
check() { if "$@"; then echo "ok: ${desc}"; else echo "FAIL: ${desc}"; fails=$((fails + 1)); fi; }

desc="groff -man -ww -z renders the page without a warning"
check bash -c "groff -man -ww -z '$MAN' >'$d/groff.out' 2>&1 && [ ! -s '$d/groff.out' ]"
cat "$d/groff.out"
# The page as a reader sees it, without overstrike or underline.
groff -man -Tascii -P-cbou "$MAN" 2>/dev/null >"$d/page"
desc="the rendered page is not empty"
check grep -q '^EXIT STATUS' "$d/page"

"$PM" --help >"$d/top" 2>&1
commands=$(sed -n '/^commands:/,/^$/p' "$d/top" | awk 'NF > 1 { print $1 }')
desc="the tool's --help lists commands"
check [ -n "$commands" ]
for c in $commands; do
    desc="command '$c' is in the man page"
    check grep -qE "(^| )$c( |\$)" "$d/page"
    "$PM" "$c" --help >"$d/help-$c" 2>&1
    for o in $(grep -oE -- '--[a-z0-9][a-z0-9-]*' "$d/help-$c" | sort -u); do
        desc="'$c' option $o is in the man page"
        check grep -qE -- "(^|[^a-z-])$o([^a-z0-9-]|\$)" "$d/page"
    done
done
for o in --help --version; do
    desc="global option $o is in the man page"
    check grep -qE -- "(^|[^a-z-])$o([^a-z0-9-]|\$)" "$d/page"
done
desc="every exit code 0-9 is described"
for n in 0 1 2 3 4 5 6 7 8 9; do
    check bash -c "sed -n '/^EXIT STATUS/,/^FILES/p' '$d/page' | grep -qE '^ +$n +[A-Za-z]'"
done

# ---- bash completion ----
# Every command the completion offers is accepted by the tool, every option it offers for a
# command is in that command's --help.
comp_commands=$(sed -n 's/^ *local commands="\(.*\)"$/\1/p' "$COMP")
desc="the completion lists commands"
check [ -n "$comp_commands" ]
for c in $comp_commands; do
    desc="completion command '$c' runs its help (exit 0)"
    check bash -c "'$PM' $c --help >/dev/null 2>&1"
done
for c in $commands; do
    desc="tool command '$c' is offered by the completion"
    check grep -qw "$c" <<<"$comp_commands"
done
while read -r c opts; do
    for o in $opts; do
        desc="completion option '$c $o' is in '$c --help'"
        if [ "$o" = --help ]; then
            check bash -c "'$PM' $c --help >/dev/null 2>&1"
        else
            check grep -qE -- "(^|[^a-z-])$o([^a-z0-9-]|\$)" "$d/help-$c"
        fi
    done
done < <(sed -n 's/^ *\([a-z]*\)) opts="\(.*\)" ;;$/\1 \2/p' "$COMP")
for c in $commands; do
    for o in $(grep -oE -- '--[a-z0-9][a-z0-9-]*' "$d/help-$c" | sort -u); do
        desc="'$c' option $o is offered by the completion"
        check bash -c "grep -E '^ *$c\\) opts=' '$COMP' | grep -qE -- '(\"| )$o( |\")'"
    done
done

# The completion function itself, as bash calls it.
complete_words() {
    bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1));
             _profilemanager; printf "%s\n" "${COMPREPLY[@]}"' _ "$COMP" "$@" | sort | tr '\n' ' '
}
desc="completion: 'profilemanager p' offers puf and package"
check [ "$(complete_words profilemanager p)" = "package puf " ]
desc="completion: 'profilemanager puf ' offers build, check, index"
check [ "$(complete_words profilemanager puf '')" = "build check index " ]
desc="completion: 'profilemanager puf build --x' offers --x500-script"
check [ "$(complete_words profilemanager puf build --x)" = "--x500-script " ]
desc="completion: 'profilemanager --dry' (update, the default) offers --dry-run"
check [ "$(complete_words profilemanager --dry)" = "--dry-run " ]
desc="completion: 'profilemanager restore --store ' offers the store kinds"
check [ "$(complete_words profilemanager restore --store '')" = "hive: live reg: " ]

echo "$fails failure(s)"
[ $fails -eq 0 ]
