# Outlook 2007: the account lives in the global section 13dbb0c8...; no SMTP property.
cp before.reg work.reg
run update --config prof.config --store reg:work.reg
expect_exit 0
expect_out 'updated 1 mailbox'
check now reg:work.reg
