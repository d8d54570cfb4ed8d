#!/bin/bash
# One meaning of "done" across the documents and the shipped scripts: the paragraph "When a user
# is done" is the same, word for word, in docs/windows.md and docs/deployment.md; it states the
# rule the detection scripts under packaging/scripts/ test (ResultCode = 0 and Pending = 0); and
# the status values the two pages list are the ones src/lib/status.c writes.
set -u
SRC=${PM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
command -v python3 >/dev/null || { echo "python3 not installed: skipped"; exit 77; }
python3 - "$SRC" <<'PY'
import re, sys
src = sys.argv[1]
def para(name):
    s = open('%s/docs/%s' % (src, name), encoding='utf-8').read()
    i = s.find('**When a user is done.**')
    assert i >= 0, name + ': no paragraph "When a user is done"'
    return s[i:s.index('\n\n', i)], s
win, ws = para('windows.md')
dep, ds = para('deployment.md')
assert win == dep, 'the paragraph differs between windows.md and deployment.md'
assert '`ResultCode = 0` **and** `Pending = 0`' in win, 'the rule is not stated'
for script in ('sccm-detect.ps1', 'intune-detect.ps1'):
    t = open('%s/packaging/scripts/%s' % (src, script), encoding='utf-8').read()
    assert '$s.ResultCode -eq 0 -and $s.Pending -eq 0' in t, script + ' tests another rule'
written = set(re.findall(r'status_(?:sz|dword|qword)\(st, "(\w+)"', open(src + '/src/lib/status.c').read()))
written.add('LogFile')
for name, s in (('windows.md', ws), ('deployment.md', ds)):
    sec = s[s.index('Software\\ProfileManager'):]
    listed = set(re.findall(r'^\| `(\w+)` \| REG_', sec, re.M))
    assert listed == written, '%s lists %s, status.c writes %s' % (name, sorted(listed), sorted(written))
print('ok: one rule in windows.md, deployment.md and the detection scripts; values as written')
PY
