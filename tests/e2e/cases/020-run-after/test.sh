# RunAfter starts its program after every run that read the config (updated, nothing to do, PUF
# missing, failure), with RunAfterArgs and any Outlook switch a rewritten shortcut passed on;
# never when the config is missing.
printf '#!/bin/sh\necho "$@" >>"%s/ran"\n' "$PWD" >after.sh
chmod +x after.sh
with_config RunAfter=./after.sh "RunAfterArgs=first \"two words\""
waitfor() { for _ in 1 2 3 4 5 6 7 8 9 10; do [ -s ran ] && return 0; sleep 0.2; done; return 1; }
cp before.reg work.reg
run update --config prof.config --store reg:work.reg /recycle
expect_exit 0
waitfor || fail "RunAfter did not run after an update"
grep -qx 'first two words /recycle' ran || fail "RunAfter args: $(cat ran)"
rm -f ran
run update --config prof.config --store reg:work.reg
expect_out 'nothing to do'
waitfor || fail "RunAfter did not run after nothing to do"
rm -f ran
with_config PufFile=gone.puf
run update --config prof.config --store reg:work.reg
expect_exit 4
waitfor || fail "RunAfter did not run after a missing PUF"
rm -f ran
with_config PufFile=mbm.puf
PM_FAULT_AT=3 run update --config prof.config --store reg:before.reg
expect_exit 6
waitfor || fail "RunAfter did not run after a rolled-back update"
rm -f ran
run update --config absent.config --store reg:work.reg
expect_exit 3
sleep 1
[ ! -e ran ] || fail "RunAfter ran without a config"
