# --dry-run prints every planned change (value, old -> new) and writes nothing.
cp before.reg work.reg
run update --config prof.config --store reg:work.reg --dry-run
expect_exit 0
expect_out 'dry run: [0-9]+ change'
expect_out '001e6603: /o=Source Org/.*cn=carol -> /o=ExchangeLabs/.*-carol'
expect_out '01020fff: .* -> \(deleted\)'
expect_out 'would rename'
expect_same work.reg before.reg
cp before.hive work.hive
run update --config prof.config --store hive:work.hive --dry-run
expect_exit 0
expect_same work.hive before.hive
