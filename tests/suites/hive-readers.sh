#!/bin/bash
# Independent readers check what the hive backend writes: values of every registry type (the
# default value, empty data, a value stored as big data, a type code Windows does not define,
# key and value names outside ASCII) are written with the hive store (hivewrite), a value and a
# key are deleted again, and the file is read back with `hivexregedit --export` and `reglookup`.
# Both must show exactly the keys and values written: same names, types and bytes. Then the
# other way round: a hive edited by `hivexregedit --merge` must read back the same through the
# hive store (hivedump). Skips (77) when the readers are not installed.
set -u
BIN=${PM_BINARY_DIR:-build}
for t in hivewrite hivedump; do
    [ -x "$BIN/$t" ] || { echo "$t not built"; exit 1; }
done
HIVEXREGEDIT=$(command -v hivexregedit || true)
REGLOOKUP=$(command -v reglookup || true)
if [ -z "$HIVEXREGEDIT" ] || [ -z "$REGLOOKUP" ] || ! command -v python3 >/dev/null; then
    echo "hivexregedit (libwin-hivex-perl), reglookup or python3 missing: skipped"
    exit 77
fi

d=$(mktemp -d "${TMPDIR:-/tmp}/pm-hivereaders-XXXXXX")
trap 'rm -rf "$d"' EXIT
: >"$d/empty"
if "$BIN/hivedump" "$d/empty" 2>&1 | grep -q "not available in this build"; then
    echo "this build has no hive store: skipped"
    exit 77
fi

# KEY<TAB>NAME<TAB>TYPE<TAB>HEX, as hivewrite takes them.
python3 - "$d/values.tsv" <<'EOF'
import sys
P = 'Software\\Microsoft\\Office\\16.0\\Outlook\\Profiles\\Outlook\\9375CFF0413111d3B88A00104B2A6676'
def sz(s): return (s + '\0').encode('utf-16le').hex()
rows = [
    (P, '', 1, sz('default value')),
    (P, 'Account Name', 1, sz('user@example.com')),
    (P, 'Expand', 2, sz('%USERPROFILE%\\AppData\\Local')),
    (P, 'Binary', 3, '0102ff00fe2c7c3a25'),
    (P, 'Dword', 4, '0df0ad0b'),
    (P, 'Big endian', 5, '12345678'),
    (P, 'Link', 6, '41004200'),
    (P, 'Multi', 7, (sz('one') + sz('two words') + '0000')),
    (P, 'Qword', 11, '8877665544332211'),
    (P, 'None', 0, ''),
    (P, 'Empty string', 1, ''),
    (P, 'Odd type', 0x12345678, 'abcd'),
    (P, 'Big', 3, bytes((i * 7 + 3) % 256 for i in range(20000)).hex()),
    (P, 'To be deleted', 4, '01000000'),
    ('Software\\Prüfung', 'Größe', 1, sz('Grüße')),
    ('Software\\Prüfung', 'Ωmega €', 3, 'c0ffee'),
    ('Software\\Ключ €\\日本 x', 'Значение', 4, '2a000000'),
    ('Software\\Empty key', None, None, None),
    ('Software\\Gone\\Deep', 'v', 4, '01000000'),
]
with open(sys.argv[1], 'w', encoding='utf-8') as f:
    for k, n, t, h in rows:
        if n is None:
            continue
        f.write('%s\t%s\t%d\t%s\n' % (k, n, t, h))
    f.write('Software\\Empty key\\x\tv\t4\t00000000\n-Software\\Empty key\\x\n')
    f.write('-%s\tTo be deleted\n-Software\\Gone\n' % P)
EOF

fails=0
check() { if "$@"; then echo "ok: ${desc}"; else echo "FAIL: ${desc}"; fails=$((fails + 1)); fi; }

H=$d/NTUSER.DAT
desc="hivewrite writes the values through the hive store"
check "$BIN/hivewrite" "$H" <"$d/values.tsv"
# A second commit touching the key that holds the big value must leave that value intact.
P='Software\Microsoft\Office\16.0\Outlook\Profiles\Outlook\9375CFF0413111d3B88A00104B2A6676'
printf '%s\tLater\t4\t05000000\n' "$P" >"$d/later.tsv"
desc="a second hivewrite edits the same key"
check "$BIN/hivewrite" "$H" <"$d/later.tsv"
cat "$d/later.tsv" >>"$d/values.tsv"

# The values expected in the file: the input after its deletions.
"$BIN/hivedump" "$H" >"$d/dump.tsv" || { echo "FAIL: hivedump cannot read what was written"; exit 1; }

desc="hivexregedit --export shows every key and value written, byte for byte"
# -CSO: hivexregedit prints names through Perl, which needs telling to write UTF-8 throughout.
perl -CSO "$HIVEXREGEDIT" --export "$H" '\' >"$d/export.reg" 2>"$d/export.err" ||
    { echo "FAIL: hivexregedit --export"; cat "$d/export.err"; fails=$((fails + 1)); }
check python3 - "$d/values.tsv" "$d/export.reg" <<'EOF'
import re, sys

def expected(path):
    vals, keys = {}, set()
    for line in open(path, encoding='utf-8'):
        f = line.rstrip('\n').split('\t')
        if f[0].startswith('-'):
            k = f[0][1:].lower()
            if len(f) == 1:
                keys = {x for x in keys if x != k and not x.startswith(k + '\\')}
                vals = {x: v for x, v in vals.items() if x[0] != k and not x[0].startswith(k + '\\')}
            else:
                vals.pop((k, f[1].lower()), None)
            continue
        parts = f[0].split('\\')
        for i in range(1, len(parts) + 1):
            keys.add('\\'.join(parts[:i]).lower())
        vals[(f[0].lower(), f[1].lower())] = (f[0], f[1], int(f[2]), f[3])
    return keys, vals

def unquote(s):
    return re.sub(r'\\(.)', r'\1', s)

def parse_reg(path):
    text = open(path, encoding='utf-8').read().replace('\\\n', '')
    keys, vals, key = set(), {}, None
    for line in text.split('\n'):
        line = line.strip()
        if line.startswith('[') and line.endswith(']'):
            key = line[1:-1].lstrip('\\')
            if key:
                keys.add(key.lower())
            continue
        m = re.match(r'^(@|"((?:[^"\\]|\\.)*)")=(.*)$', line)
        if not m:
            continue
        name = '' if m.group(1) == '@' else unquote(m.group(2))
        data = m.group(3)
        if data.startswith('dword:'):
            t, b = 4, int(data[6:], 16).to_bytes(4, 'little').hex()
        elif data.startswith('hex:'):
            t, b = 3, data[4:].replace(',', '').replace(' ', '')
        else:
            m2 = re.match(r'^hex\(([0-9a-fA-F]+)\):(.*)$', data)
            if not m2:
                print('unexpected data form: %s' % line)
                sys.exit(1)
            t, b = int(m2.group(1), 16), m2.group(2).replace(',', '').replace(' ', '')
        vals[(key.lower(), name.lower())] = (key, name, t, b.lower())
    return keys, vals

ekeys, evals = expected(sys.argv[1])
gkeys, gvals = parse_reg(sys.argv[2])
ok = True
if ekeys != gkeys:
    print('keys differ: missing %s, unexpected %s' % (sorted(ekeys - gkeys), sorted(gkeys - ekeys)))
    ok = False
for k in sorted(set(evals) | set(gvals)):
    e, g = evals.get(k), gvals.get(k)
    if e is None or g is None or e[0] != g[0] or e[1] != g[1] or e[2] != g[2] or e[3] != g[3]:
        print('value %r: wrote %r, hivexregedit shows %r' % (k, e and e[:3], g and g[:3]))
        ok = False
print('hivexregedit: %d keys, %d values compared' % (len(gkeys), len(gvals)))
sys.exit(0 if ok else 1)
EOF

desc="reglookup shows every key and value written, with its type and data"
"$REGLOOKUP" -H "$H" >"$d/lookup.csv" 2>"$d/lookup.err" ||
    { echo "FAIL: reglookup"; cat "$d/lookup.err"; fails=$((fails + 1)); }
check python3 - "$d/values.tsv" "$d/lookup.csv" <<'EOF'
import re, sys

TYPES = {0: 'NONE', 1: 'SZ', 2: 'EXPAND_SZ', 3: 'BINARY', 4: 'DWORD', 5: 'DWORD_BE', 6: 'LINK',
         7: 'MULTI_SZ', 11: 'QWORD'}

def unescape(s):
    """reglookup's %XX escapes back to bytes."""
    out, i = bytearray(), 0
    while i < len(s):
        if s[i] == '%' and i + 2 < len(s) + 1 and re.match(r'[0-9A-Fa-f]{2}', s[i + 1:i + 3]):
            out.append(int(s[i + 1:i + 3], 16))
            i += 3
        else:
            out += s[i].encode('utf-8')
            i += 1
    return bytes(out)

def name_forms(name):
    """A name is stored either compressed (Latin-1) or as UTF-16LE; reglookup prints the stored
    bytes of names it cannot show in ASCII."""
    forms = {name.encode('utf-16le')}
    try:
        forms.add(name.encode('latin-1'))
    except UnicodeEncodeError:
        pass
    return forms

def utf16_strings(b):
    s = b.decode('utf-16le', errors='replace')
    return s.split('\0')

def value_matches(t, data, shown):
    raw = unescape(shown)
    if not data:
        return shown == '(null)' or raw == b''
    if raw == data:  # reglookup quotes the raw buffer when it cannot interpret the data
        return True
    if t in (1, 2, 6):
        return raw.decode('utf-8') == utf16_strings(data)[0]
    if t == 4:
        return shown == '0x%08X' % int.from_bytes(data, 'little')
    if t == 5:
        return shown == '0x%08X' % int.from_bytes(data, 'big')
    if t == 11:
        return shown == '0x%016X' % int.from_bytes(data, 'little')
    if t == 7:
        items = [x for x in utf16_strings(data) if x]
        return [unescape(x).decode('utf-8') for x in shown.split('|')] == items
    return False

# What was written, after the deletions.
vals, keys = [], set()
for line in open(sys.argv[1], encoding='utf-8'):
    f = line.rstrip('\n').split('\t')
    if f[0].startswith('-'):
        k = f[0][1:]
        if len(f) == 1:
            keys = {x for x in keys if x[:len(k.split('\\'))] != tuple(k.split('\\'))}
            vals = [v for v in vals if v[0][:len(k.split('\\'))] != tuple(k.split('\\'))]
        else:
            vals = [v for v in vals if not (v[0] == tuple(k.split('\\')) and v[1] == f[1])]
        continue
    parts = tuple(f[0].split('\\'))
    for i in range(1, len(parts) + 1):
        keys.add(parts[:i])
    vals = [v for v in vals if not (v[0] == parts and v[1] == f[1])]
    vals.append((parts, f[1], int(f[2]), bytes.fromhex(f[3])))

rows = []
for line in open(sys.argv[2], encoding='utf-8', errors='surrogateescape'):
    line = line.rstrip('\n')
    if not line:
        continue
    path, typ, value, _mtime = line.split(',', 3)
    comps = [unescape(c) for c in path.split('/')[1:]]
    rows.append((comps, typ, value))

def find(parts, name, typ_key):
    hits = []
    for comps, typ, value in rows:
        want = len(parts) + (0 if name is None else 1)
        if len(comps) != want or (typ == 'KEY') != (name is None):
            continue
        if all(comps[i] in name_forms(parts[i]) for i in range(len(parts))) and \
                (name is None or comps[-1] in name_forms(name)):
            hits.append((typ, value))
    return hits

ok = True
for parts in sorted(keys):
    if len(find(parts, None, 'KEY')) != 1:
        print('key %s: not shown once by reglookup' % '\\'.join(parts))
        ok = False
for parts, name, t, data in vals:
    hits = find(parts, name, None)
    where = '%s\\%s' % ('\\'.join(parts), name)
    if len(hits) != 1:
        print('value %s: shown %d times by reglookup' % (where, len(hits)))
        ok = False
        continue
    typ, value = hits[0]
    if typ != TYPES.get(t, '0x%08X' % t):
        print('value %s: type %s, wrote %d' % (where, typ, t))
        ok = False
    elif not value_matches(t, data, value):
        print('value %s: reglookup shows %r, wrote %s' % (where, value[:80], data.hex()[:80]))
        ok = False
nkeys = sum(1 for r in rows if r[1] == 'KEY')
if nkeys != len(keys) + 1 or len(rows) - nkeys != len(vals):
    print('reglookup shows %d keys and %d values, expected %d and %d' %
          (nkeys, len(rows) - nkeys, len(keys) + 1, len(vals)))
    ok = False
print('reglookup: %d keys, %d values compared' % (nkeys, len(rows) - nkeys))
sys.exit(0 if ok else 1)
EOF

# The other way round: hivexregedit --merge edits a hive of ours; the hive store reads it back.
M=$d/merged.dat
printf '' | "$BIN/hivewrite" "$M"
cat >"$d/merge.reg" <<'EOF'
Windows Registry Editor Version 5.00

[\Software]

[\Software\Merged]
"Text"=hex(1):48,00,69,00,00,00
"Number"=dword:0000002a
"Bytes"=hex(3):de,ad,be,ef
"Q"=hex(b):01,00,00,00,00,00,00,80
@=hex(2):25,00,00,00
EOF
desc="hivexregedit --merge accepts a hive made by the test generator"
check "$HIVEXREGEDIT" --merge "$M" "$d/merge.reg"
desc="the hive store reads back what hivexregedit merged"
check diff -u - <("$BIN/hivedump" "$M" | sort) <<'EOF'
Software
Software\Merged		2	25000000
Software\Merged	Bytes	3	deadbeef
Software\Merged	Number	4	2a000000
Software\Merged	Q	11	0100000000000080
Software\Merged	Text	1	480069000000
EOF

if [ "$fails" -ne 0 ]; then
    echo "$fails check(s) failed (files kept in $d)"
    trap - EXIT
    exit 1
fi
echo "all hive reader checks passed"
