# Two lines give alice different targets: she is skipped, never guessed; the others update.
cp before.reg work.reg
grep -i 'cn=alice|' mbm.puf | sed 's/a831453990bb4ab1b38c4c09133fdc3d-alice/ffffffffffffffffffffffffffffffff-alice/' >>mbm.puf
run update --config prof.config --store reg:work.reg --verbose
expect_exit 0
expect_out 'skipped .*cn=alice.*different targets'
expect_log 'state=skipped'
iconv -f UTF-16LE -t UTF-8 work.reg | grep -q '"001e6603"="/o=Source Org/.*/cn=alice"' || fail "alice's source DN should remain"
