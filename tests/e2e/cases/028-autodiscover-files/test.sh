# Cached Autodiscover files (%LOCALAPPDATA%\Microsoft\Outlook\* - Autodiscover.xml) on a .reg
# store standing for the user's registry (PM_TEST_LIVE_FILES, test builds): the file naming a
# migrated mailbox (alice) is listed by a dry run, reported by default, and with
# AutodiscoverAction=clean moved into the backup with a manifest; files of mailboxes left alone
# (dave never migrated, helpdesk later), other names, a link, a FIFO and a file over 1 MiB stay,
# the update completing; a second run changes nothing; restore X.reg puts the file back byte for
# byte, refuses a newer file unless --force, and refuses a tampered manifest before writing.
export LOCALAPPDATA="$PWD/lad"
ol="$LOCALAPPDATA/Microsoft/Outlook"
mkdir -p "$ol" outside
dn='/o=Source Org/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients'
xml() { printf '<?xml version="1.0" encoding="utf-8"?>\r\n<Autodiscover><Response><User><DisplayName>%s</DisplayName><LegacyDN>%s</LegacyDN><AutoDiscoverSMTPAddress>%s</AutoDiscoverSMTPAddress></User><Account><Protocol><Server>%s</Server></Protocol></Account></Response></Autodiscover>\r\n' "$@"; }
xml Alice "$dn/cn=alice" ALICE@Source.Example mail.source.example >"$ol/0f1e2d3c4b5a69788796a5b4c3d2e1f0 - Autodiscover.xml"
xml Dave "$dn/cn=dave" dave@source.example f412888d-2add-cfea-24f9-330e36eb1eda@source.example >"$ol/1111 - Autodiscover.xml"
xml Help "$dn/cn=helpdesk" helpdesk@source.example exch11.source.example >"$ol/2222 - Autodiscover.xml"
xml Alice2 "$dn/cn=alice2" alice2@source.example x.example >"$ol/3333 - Autodiscover.xml"
xml Alice "$dn/cn=alice" alice@source.example x >"$ol/alice.xml"
xml Alice "$dn/cn=alice" alice@source.example x >outside/target.xml
ln -s "$PWD/outside/target.xml" "$ol/4444 - Autodiscover.xml"
mkfifo "$ol/5555 - Autodiscover.xml"
{ xml Alice "$dn/cn=alice" alice@source.example x; head -c 1100000 /dev/zero | tr '\0' ' '; } >"$ol/6666 - Autodiscover.xml"
cp "$ol/0f1e2d3c4b5a69788796a5b4c3d2e1f0 - Autodiscover.xml" alice-original.xml
snap() { (cd "$ol" && ls -l --time-style=+%s | sort && find . -type f -exec md5sum {} + | sort) >"$1"; }
snap planted.txt
cp before.reg work.reg
export PM_TEST_LIVE_FILES=1

# Offline without the hook: not looked at, and the dry run says why.
PM_TEST_LIVE_FILES= run update --config prof.config --store reg:work.reg --dry-run
expect_exit 0
expect_out 'XML files .* not looked at; they exist only on the user'

run update --config prof.config --store reg:work.reg --dry-run
expect_exit 0
expect_out "file '.*0f1e2d3c4b5a69788796a5b4c3d2e1f0 - Autodiscover.xml' names .*: a cached Autodiscover response \(reported\)"
expect_out "file '.*4444 - Autodiscover.xml' left in place: cannot be read"
expect_out "file '.*5555 - Autodiscover.xml' left in place: cannot be read"
expect_out "file '.*6666 - Autodiscover.xml' left in place: larger than 1 MiB"
grep -qE '1111|2222|3333|alice\.xml' out.txt && fail "a file of a mailbox left alone was listed"
grep -q 'not looked at' out.txt && fail "the files were looked at"
snap now.txt; expect_same planted.txt now.txt

# Default (report): logged, nothing moved, the update completes.
run update --config prof.config --store reg:work.reg
expect_exit 0
expect_out 'updated 4 mailbox'
expect_log 'event=outside kind=file setting=Autodiscover.xml file=.*0f1e2d3c4b5a69788796a5b4c3d2e1f0 - Autodiscover.xml.* sha256=[0-9a-f]{64} .*action=report'
expect_log 'event=outside kind=file .*6666 - Autodiscover.xml.*action=left why="?larger than 1 MiB'
expect_log 'event=outside kind=file .*5555 - Autodiscover.xml.*action=left'
expect_log 'event=outside kind=file .*4444 - Autodiscover.xml.*action=left'
snap now.txt; expect_same planted.txt now.txt
ls "$LOGDIR"/Backups/*.autodiscover* >/dev/null 2>&1 && fail "report mode wrote copies"
# The fleet view counts the file with the other findings.
run report "$LOGDIR" --csv r.csv
grep -q 'Autodiscover.xml' r.csv || fail "report CSV lacks the file finding: $(cat r.csv)"

# clean: a fresh store, the dry run first.
rm -rf "$LOGDIR"
cp before.reg work.reg
with_config AutodiscoverAction=clean
run update --config prof.config --store reg:work.reg --dry-run
expect_exit 0
expect_out "0f1e2d3c4b5a69788796a5b4c3d2e1f0 - Autodiscover.xml' names .*\(would be moved into the backup\)"
snap now.txt; expect_same planted.txt now.txt
run update --config prof.config --store reg:work.reg
expect_exit 0
expect_out 'updated 4 mailbox'
check now reg:work.reg
[ -e "$ol/0f1e2d3c4b5a69788796a5b4c3d2e1f0 - Autodiscover.xml" ] && fail "alice's file was not moved"
for f in 1111 2222 3333 5555 6666; do [ -e "$ol/$f - Autodiscover.xml" ] || fail "$f was removed"; done
[ -L "$ol/4444 - Autodiscover.xml" ] || fail "the link was removed"
expect_file "$ol/alice.xml"
expect_file outside/target.xml
pb=$(ls "$LOGDIR"/Backups/*.reg | grep -v '\.outside\.reg$' | head -1)
man=${pb%.reg}.autodiscover.txt
expect_file "$man"
expect_same "${pb%.reg}.autodiscover-1.xml" alice-original.xml
[ "$(grep -c '^file' "$man")" = 1 ] || fail "the manifest should list one file"
grep -q "^file	$(stat -c %s alice-original.xml)	$(sha256sum alice-original.xml | cut -c1-64)	$(basename "${pb%.reg}").autodiscover-1.xml	$ol/0f1e2d3c4b5a69788796a5b4c3d2e1f0 - Autodiscover.xml" "$man" || fail "manifest line: $(cat "$man")"
expect_log 'event=outside kind=file .*0f1e2d3c4b5a69788796a5b4c3d2e1f0 - Autodiscover.xml.*action=removed to=.*autodiscover-1.xml'
expect_log 'event=backup file=.*\.autodiscover\.txt'
[ "$(grep -c 'event=outside kind=file' "$LOGDIR"/*.log)" = 8 ] || fail "expected 4 file events per run"
snap after-first.txt

# A second run changes nothing.
cp work.reg after-first.reg
run update --config prof.config --store reg:work.reg
expect_exit 0
expect_out 'nothing to do'
expect_same work.reg after-first.reg
snap now.txt; expect_same after-first.txt now.txt

# restore: the dry run writes nothing; the restore puts the file back byte for byte.
run restore "$pb" --config prof.config --store reg:work.reg --dry-run
expect_exit 0
expect_out 'dry run: 1 of 1 cached Autodiscover file\(s\) would be put back'
[ -e "$ol/0f1e2d3c4b5a69788796a5b4c3d2e1f0 - Autodiscover.xml" ] && fail "the dry run wrote the file"
run restore "$pb" --config prof.config --store reg:work.reg
expect_exit 0
expect_out 'put back 1 cached Autodiscover file'
expect_same "$ol/0f1e2d3c4b5a69788796a5b4c3d2e1f0 - Autodiscover.xml" alice-original.xml
expect_log 'event=restore file=.*0f1e2d3c4b5a69788796a5b4c3d2e1f0 - Autodiscover.xml.* state=restored'
run restore "$pb" --config prof.config --store reg:work.reg
expect_exit 0
expect_out 'put back 0 cached Autodiscover file\(s\) .*; 1 already there'

# A newer file of the same name is kept unless --force.
echo "written by Outlook since" >"$ol/0f1e2d3c4b5a69788796a5b4c3d2e1f0 - Autodiscover.xml"
touch -d '+1 minute' "$ol/0f1e2d3c4b5a69788796a5b4c3d2e1f0 - Autodiscover.xml"
cp "$ol/0f1e2d3c4b5a69788796a5b4c3d2e1f0 - Autodiscover.xml" newer.xml
cp work.reg before-newer.reg
run restore "$pb" --config prof.config --store reg:work.reg
expect_exit 6
expect_err "was written since the backup; not overwritten"
expect_same "$ol/0f1e2d3c4b5a69788796a5b4c3d2e1f0 - Autodiscover.xml" newer.xml
run restore "$pb" --config prof.config --store reg:work.reg --force
expect_exit 0
expect_same "$ol/0f1e2d3c4b5a69788796a5b4c3d2e1f0 - Autodiscover.xml" alice-original.xml

# A tampered manifest is refused before anything is written: a path out of the folder, up or
# elsewhere, or a copy name that is a path.
rm "$ol/0f1e2d3c4b5a69788796a5b4c3d2e1f0 - Autodiscover.xml"
cp "$man" manifest-good.txt
cp after-first.reg work.reg
for bad in "s|$ol/|$ol/../../|" "s|$ol/|$PWD/outside/|" "s|\t[^\t]*autodiscover-1.xml\t|\t../alice-original.xml\t|"; do
  sed "$bad" manifest-good.txt >"$man"
  run restore "$pb" --config prof.config --store reg:work.reg
  expect_exit 2
  expect_err "$(basename "$man"):3: "
  expect_same work.reg after-first.reg
  [ -e "$ol/0f1e2d3c4b5a69788796a5b4c3d2e1f0 - Autodiscover.xml" ] && fail "a tampered manifest wrote a file"
  ls "$PWD"/outside "$LOCALAPPDATA" | grep -q Autodiscover && fail "a file was written outside the folder"
done
# A manifest made by another account (users can create files in the shared backup folder) is
# not trusted, even when it is well formed. Only root can give a file to another account.
if [ "$(id -u)" = 0 ]; then
  cp manifest-good.txt "$man"
  chown 65534:65534 "$man"
  run restore "$pb" --config prof.config --store reg:work.reg
  expect_exit 2
  expect_err "made by another user, not by this run's user: not trusted"
  expect_same work.reg after-first.reg
  [ -e "$ol/0f1e2d3c4b5a69788796a5b4c3d2e1f0 - Autodiscover.xml" ] && fail "a foreign manifest wrote a file"
  rm -f "$man"
fi
# A copy changed since the backup is refused too.
cp manifest-good.txt "$man"
echo tampered >>"${pb%.reg}.autodiscover-1.xml"
run restore "$pb" --config prof.config --store reg:work.reg
expect_exit 2
expect_err 'does not match the size and hash recorded'
expect_same work.reg after-first.reg
