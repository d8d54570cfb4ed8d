# The local answer cache: a later logon whose PUF has not changed is answered from the cache (the
# PUF and its index are not opened) and decides and logs the same; any change of the PUF is seen
# at the next run; the first logon after an update is answered from what the update asked ahead,
# and a profile asking names the cache lacks partly from the cache and partly by the index, both
# deciding as a full lookup does (also with a malformed line in the PUF); a damaged cache is said and written anew;
# PufCache=no, --no-index and dry runs write none; a PUF written in the last seconds is not cached.
cache="$HOME/.cache/profilemanager/puf-cache.txt"
aged() { touch -d "@$(($(date +%s) - 600))" "$@"; }
last_lookup() { grep -h 'event=puf.lookup' "$LOGDIR"/*.log | tail -1; }
expect_lookup() { last_lookup | grep -qE -- "$1" || fail "last puf.lookup lacks /$1/: $(last_lookup)"; }
# The decisions of the last run, without what differs from run to run.
decisions() {
  awk '/event=run.start/ { n = 0; delete l } /event=(mailbox|puf.warning)/ { l[n++] = $0 }
       END { for (i = 0; i < n; i++) print l[i] }' "$LOGDIR"/*.log | sed 's/^[^ ]* run=[^ ]* //'
}
# The PUF lists alice twice (harmless, warned): the warning must come from a cached run too.
grep alice mbm.puf >alice.txt
cat alice.txt >>mbm.puf
run puf index mbm.puf
expect_exit 0
aged mbm.puf
cp before.reg work.reg

run update --config prof.config --store reg:work.reg
expect_exit 0
expect_out 'updated 4 mailbox'
check now reg:work.reg
expect_lookup 'cache=miss'
expect_lookup 'used_index=1'
expect_file "$cache"
decisions >decisions-lookup.txt
grep -q 'duplicate of line' decisions-lookup.txt || fail "the lookup gave no duplicate warning"
cp work.reg after-first.reg

# The same questions again (a dry run on the profile as it was): answered from the cache, with
# the same decisions and the same warning, and nothing of the PUF read.
cp before.reg again.reg
run update --config prof.config --store reg:again.reg --dry-run
expect_exit 0
expect_lookup 'cache=hit'
expect_lookup 'used_index=0 bytes_read=0'
decisions >decisions-cache.txt
expect_same decisions-cache.txt decisions-lookup.txt

# The first logon after the update: the profile asks about its new names, not in the cache.
run update --config prof.config --store reg:work.reg
expect_exit 0
expect_out 'nothing to do'
expect_lookup 'cache=miss'
decisions >decisions-lookup.txt

# Every later logon: answered from the cache, nothing changed, the same decisions.
run update --config prof.config --store reg:work.reg
expect_exit 0
expect_out 'nothing to do'
expect_same work.reg after-first.reg
expect_lookup 'cache=hit'
decisions >decisions-cache.txt
expect_same decisions-cache.txt decisions-lookup.txt

# The same bytes count, the same write time, one byte changed in place: the change time differs.
cp -p mbm.puf ref.puf
printf 'Q' | dd of=mbm.puf bs=1 seek=$(($(grep -bo 'Zed Other' mbm.puf | cut -d: -f1))) conv=notrunc 2>/dev/null
touch -r ref.puf mbm.puf
[ "$(stat -c %s mbm.puf)" = "$(stat -c %s ref.puf)" ] || fail "the edit changed the size"
run update --config prof.config --store reg:work.reg
expect_exit 0
expect_lookup 'cache=miss'
# The index no longer matches the PUF: the lookup said so, and a run answered from the cache says
# it again (the report keeps counting it until the index is rebuilt).
expect_lookup 'index is stale'
run update --config prof.config --store reg:work.reg
expect_lookup 'cache=hit'
expect_lookup 'index is stale'
[ "$(grep -ch 'event=puf.index state=stale' "$LOGDIR"/*.log)" = 2 ] ||
  fail "the stale index was not said by both runs"
# Rebuilding the index (the PUF unchanged) is a change too.
run puf index mbm.puf
expect_exit 0
run update --config prof.config --store reg:work.reg
expect_lookup 'cache=miss'
expect_lookup 'used_index=1'

# The shared mailbox migrates on another day: the new PUF is seen at once and the cache made anew.
cp mbm-later.puf mbm.puf
aged mbm.puf
run update --config prof.config --store reg:work.reg
expect_exit 0
expect_out 'updated 1 mailbox'
expect_lookup 'cache=miss'
check later reg:work.reg
cp work.reg after-later.reg
run update --config prof.config --store reg:work.reg
expect_lookup 'cache=miss'
run update --config prof.config --store reg:work.reg
expect_exit 0
expect_out 'nothing to do'
expect_lookup 'cache=hit'
expect_same work.reg after-later.reg

# A damaged cache: said with its file and line, the PUF asked, the cache written anew.
sed -i 's/^q dn /q xx /' "$cache"
run update --config prof.config --store reg:work.reg
expect_exit 0
expect_lookup 'cache=miss'
expect_log "event=warning .*puf-cache.txt:7: a question record"
run update --config prof.config --store reg:work.reg
expect_lookup 'cache=hit'

# The first logon after an update, with a PUF the index answers without a warning: the update's
# lookup also asked the index about the names the profile gets (the targets of the mailboxes it
# moves), in the same pass, so that logon is answered from the cache alone, and decides what a
# run without the cache decides.
run puf index mbm.puf
expect_exit 0
cp before.reg part.reg
run update --config prof.config --store reg:part.reg
expect_exit 0
expect_lookup 'cache=miss'
expect_lookup 'used_index=1'
grep -q '^fp [0-9]' "$cache" || fail "the cache lacks the fingerprint its index was proved for"
grep -q '^w ' "$cache" && fail "this PUF should give no warning"
[ "$(grep -c '^q ' "$cache")" -gt 5 ] || fail "the update asked nothing ahead: $(grep '^q ' "$cache")"
full_bytes=$(last_lookup | sed -n 's/.* bytes_read=\([0-9]*\).*/\1/p')
run update --config prof.config --store reg:part.reg
expect_exit 0
expect_out 'nothing to do'
expect_lookup 'cache=hit'
expect_lookup 'used_index=0 bytes_read=0'
decisions >decisions-ahead.txt
cp part.reg part-after.reg
cp prof.config prof-on.config
with_config PufCache=no
run update --config prof.config --store reg:part.reg
expect_lookup 'cache=off'
decisions >decisions-full.txt
expect_same decisions-ahead.txt decisions-full.txt
cp prof-on.config prof.config

# A profile asking about names the cache does not hold (here the profile as it was before the
# update, restored from a backup, against a cache written by a logon of the updated one): the
# names the cache holds are answered from it, the others by the index, without reading the PUF's
# sampled blocks again (the PUF and the index kept the identity they had when the cache recorded
# their fingerprint). It decides what a run without the cache decides.
rm -f "$cache"
run update --config prof.config --store reg:part.reg
expect_lookup 'cache=miss'
cp before.reg restored.reg
run update --config prof.config --store reg:restored.reg --dry-run
expect_exit 0
expect_lookup 'cache=partial'
expect_lookup 'answered from the local cache, the rest: used index'
part_bytes=$(last_lookup | sed -n 's/.* bytes_read=\([0-9]*\).*/\1/p')
[ "$part_bytes" -lt "$full_bytes" ] || fail "the partial answer read $part_bytes bytes of the PUF, the full one $full_bytes"
decisions >decisions-partial.txt
with_config PufCache=no
run update --config prof.config --store reg:restored.reg --dry-run
expect_lookup 'cache=off'
decisions >decisions-full.txt
expect_same decisions-partial.txt decisions-full.txt
cp prof-on.config prof.config
run update --config prof.config --store reg:part.reg
expect_exit 0
expect_lookup 'cache=hit'
expect_same part.reg part-after.reg
# A PUF with a malformed line: the index's count of them is a warning about no question, which
# every lookup through that index gives. The update still asks ahead, and the logon after it is
# answered from the cache, giving that warning again.
cp mbm.puf clean2.puf
echo "this line is not a puf line" >>mbm.puf
aged mbm.puf
run puf index mbm.puf
cp before.reg malformed.reg
run update --config prof.config --store reg:malformed.reg
expect_exit 0
expect_lookup 'cache=miss'
grep -q '^w 0 .*malformed lines' "$cache" || fail "the count of malformed lines was not kept"
[ "$(grep -c '^q ' "$cache")" -gt 5 ] || fail "nothing asked ahead with a malformed line in the PUF"
run update --config prof.config --store reg:malformed.reg
expect_exit 0
expect_out 'nothing to do'
expect_lookup 'cache=hit'
decisions | grep -q 'malformed lines were skipped' || fail "the hit did not give the warning again"
cp clean2.puf mbm.puf
aged mbm.puf
run puf index mbm.puf

# A cache whose lookup warned is never completed: its warnings belong to the whole lookup.
cp mbm.puf clean.puf
cat alice.txt alice.txt >>mbm.puf
aged mbm.puf
run puf index mbm.puf
cp before.reg warned.reg
run update --config prof.config --store reg:warned.reg
expect_lookup 'cache=miss'
grep -q '^w ' "$cache" || fail "the duplicate was not kept as a warning"
run update --config prof.config --store reg:warned.reg
expect_lookup 'cache=miss'
cp clean.puf mbm.puf
aged mbm.puf

# Dry runs read the cache but never write one; --no-index and PufCache=no leave it alone.
rm -f "$cache"
run update --config prof.config --store reg:work.reg --dry-run
expect_exit 0
[ ! -e "$cache" ] || fail "a dry run wrote the cache"
run update --config prof.config --store reg:work.reg --no-index
expect_lookup 'cache=off'
[ ! -e "$cache" ] || fail "--no-index wrote the cache"
cp prof.config prof-on.config
with_config PufCache=no
run update --config prof.config --store reg:work.reg
expect_exit 0
expect_lookup 'cache=off'
[ ! -e "$cache" ] || fail "PufCache=no wrote the cache"
cp prof-on.config prof.config

# A PUF written a moment ago is not cached (it could change again within its clock's tick). Its
# time is set 2 s ahead, so that a slow run still ends within the 5 s.
touch -d "@$(($(date +%s) + 2))" mbm.puf
run update --config prof.config --store reg:work.reg
expect_exit 0
expect_lookup 'cache=miss'
[ ! -e "$cache" ] || fail "a PUF written a moment ago was cached"
