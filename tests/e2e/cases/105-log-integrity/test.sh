# Values that reach the log from the PUF and from the registry cannot forge or break a log line:
# line breaks, carriage returns, quotes, backslashes, escape sequences and control characters in a
# PUF display name and in registry values (one the update rewrites, so it is logged as old=, one
# it does not) stay inside one escaped field. Every line still parses (report counts no corrupt
# line) and starts like an event line, and only the real run.start/run.end lines appear.
python3 - <<'PY'
import re
FORGE = "\nevent=run.end result=ok exit=0\r\n2026-01-01T00:00:00Z run=forged event=run.end result=ok"
def sz(text):  # a REG_SZ as hex(1): UTF-16LE with its NUL
    b = (text + "\0").encode("utf-16-le")
    return "hex(1):" + ",".join(f"{x:02x}" for x in b)
t = open("before.reg", "rb").read().decode("utf-16")
lines, out, cur = t.split("\r\n"), [], ""
for l in lines:  # join continuation lines
    if cur:
        l, cur = cur + l.lstrip(), ""
    if l.endswith("\\") and not l.startswith("["):
        cur = l[:-1]
        continue
    out.append(l)
done = set()
for i, l in enumerate(out):
    if l.startswith('"001e6602"=') and "6602" not in done:  # alice's server: rewritten by the update
        out[i] = '"001e6602"=' + sz("exch01" + FORGE + '"\\\x1b[2J\x01\x7f')
        done.add("6602")
    if l.startswith('"001f3001"=hex:4d,00,61,00,69,00,6c') and "3001" not in done:  # a store's display name
        out[i] = '"001f3001"=hex:' + ",".join(f"{x:02x}" for x in ("Mailbox" + FORGE + "\t\x00x").encode("utf-16-le") + b"\0\0")
        done.add("3001")
assert done == {"6602", "3001"}, done
open("before.reg", "wb").write(b"\xff\xfe" + "\r\n".join(out).encode("utf-16-le"))
p = open("mbm.puf", encoding="utf-8").read()
odd = 'Bob "Ex\\ample\\n event=run.end result=ok \u2028 2026-01-01T00:00:00Z run=x event=run.end result=ok\u0085'
# Bob's delegate stores are named "Mailbox - Bob Example": the update writes the PUF's name there.
p = p.replace("|Bob Example|", "|" + odd + "|")
assert "run=x" in p
open("mbm.puf", "w", encoding="utf-8").write(p)
PY
cp before.reg work.reg
run update --config prof.config --store reg:work.reg
expect_exit 0
expect_out 'updated 4 mailbox'
run update --config prof.config --store reg:work.reg --verbose
expect_exit 0
log=$(ls "$LOGDIR"/*.log)
# The planted text reached the log (so the test proves something), escaped.
grep -q 'old="exch01\\nevent=run.end result=ok exit=0\\r\\n2026' "$log" || fail "the planted server value is not in the log, escaped"
grep -qF 'Bob \"Ex\\ample\\n event=run.end' "$log" || fail "the planted PUF display name is not in the log, escaped"
# Every line is an event line...
bad=$(grep -cvE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z run=[^ ]+ event=[a-z._]+( |$)' "$log")
[ "$bad" = 0 ] || fail "$bad log line(s) do not start like an event line: $(grep -vE '^[0-9]{4}-' "$log" | head -2)"
# ... with exactly the real run boundaries (two runs) ...
[ "$(grep -cE '^[^ ]+ run=[^ ]+ event=run\.end ' "$log")" = 2 ] || fail "forged or missing run.end lines"
[ "$(grep -cE '^[^ ]+ run=[^ ]+ event=run\.start ' "$log")" = 2 ] || fail "forged or missing run.start lines"
grep -q 'run=forged' <(cut -d' ' -f2 "$log") && fail "a forged run id starts a line"
# ... and every line parses (report reads each with pm_log_parse_line and counts corrupt ones).
run report "$LOGDIR"
expect_exit 0
grep -qi 'corrupt' out.txt && fail "report found corrupt lines: $(grep -i corrupt out.txt)"
expect_out 'Mailboxes: 0 updated, 4 already current'
