# Off Windows there is no live registry: a usage error. Unknown options too.
run update --config prof.config
expect_exit 2
expect_err 'live registry'
run update --config prof.config --store reg:before.reg --frobnicate
expect_exit 2
run update --config prof.config --store bogus:x
expect_exit 2
run --version
expect_exit 0
expect_out '^profilemanager [0-9]'
