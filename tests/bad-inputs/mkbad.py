#!/usr/bin/env python3
"""Makes one bad input of the catalogue (catalogue.tsv) from a generated fixture folder.

    mkbad.py FIXTURE_DIR TARGET CASE OUT

TARGET is what the input replaces: config (prof.config), puf (mbm.puf), reg (the .reg store),
hive (the hive store) or value (one registry value of a profile, planted in before.reg). Every
case is derived from the fixture's own files, so the bad input is realistic except for the one
defect its class is about. Deterministic: the same case gives the same bytes."""
import random
import re
import sys

fx, target, case, out = sys.argv[1:5]


def read(name):
    with open(f"{fx}/{name}", "rb") as f:
        return f.read()


def write(data):
    with open(out, "wb") as f:
        f.write(data)


def reg_text():
    return read("before.reg").decode("utf-16")


def reg_bytes(text):
    return b"\xff\xfe" + text.encode("utf-16-le")


def reg_lines(text):
    """Logical lines: continuation lines ('\\' at the end) joined."""
    out, cur = [], ""
    for line in text.split("\r\n"):
        if cur:
            line = cur + line.lstrip()
            cur = ""
        if line.endswith("\\") and not line.startswith("["):
            cur = line[:-1]
            continue
        out.append(line)
    return out


def hexs(b):
    return ",".join(f"{x:02x}" for x in b)


def plant(name, new, nth=0, key_re=None):
    """Replaces the nth value line "name"=... (in a key matching key_re) by '"name"=' + new."""
    lines = reg_lines(reg_text())
    key, seen = "", 0
    for i, line in enumerate(lines):
        if line.startswith("["):
            key = line
            continue
        if line.lower().startswith(f'"{name.lower()}"=') and (not key_re or re.search(key_re, key)):
            if seen == nth:
                lines[i] = f'"{name}"={new}'
                sys.stderr.write(f"{key}\n")
                return reg_bytes("\r\n".join(lines))
            seen += 1
    raise SystemExit(f"mkbad: no value {name} to plant {case} in")


DN = "/o=Source Org/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=alice"

if target == "config":
    good = read("prof.config").decode()
    cases = {
        "truncated-utf16": b"\xff\xfe" + good.encode("utf-16-le")[: len(good.encode("utf-16-le")) // 2 | 1],
        "garbage": bytes(random.Random(7).randrange(256) for _ in range(4096)),
        "huge-line": good.encode() + b"Note=" + b"x" * 300000 + b"\n",
        "nul": good.replace("CachedMode=enable", "CachedMode=en\0able").encode(),
        "utf16-no-bom": good.encode("utf-16-le"),
        "latin1": good.replace("PufFile=mbm.puf", "PufFile=mbm-\u00e9t\u00e9.puf").encode("latin-1"),
        "utf8-bom": b"\xef\xbb\xbf" + good.encode(),
        "utf16be-bom": b"\xfe\xff" + good.encode("utf-16-be"),
        "missing-value": good.replace("ProxyAuth=negotiate", "ProxyAuth=").encode(),
        "no-equals": good.replace("CachedMode=enable", "CachedMode enable").encode(),
        "duplicate-key": (good + "CachedMode=disable\n").encode(),
        "bad-enum": good.replace("OstAction=rename", "OstAction=shred").encode(),
    }
    write(cases[case])
elif target == "puf":
    good = read("mbm.puf").decode()
    lines = good.split("\n")
    body = [l for l in lines if l and not l.startswith("#")]
    alice = next(l for l in body if "cn=alice|" in l)
    f = alice.split("|")
    cases = {
        "truncated": good[: good.find(alice) + alice.find("|") + 16].encode(),
        "garbage": bytes(random.Random(8).randrange(256) for _ in range(8192)),
        "huge-line": (good + alice + "|" + "x" * 20000 + "\n").encode(),
        "nul": good.replace("cn=alice|", "cn=al\0ice|").encode(),
        "utf16-no-bom": good.encode("utf-16-le"),
        "latin1": good.replace("|Alice Example|", "|Alice \u00c9xample|").encode("latin-1"),
        "utf8-bom": b"\xef\xbb\xbf" + good.encode(),
        "utf16-bom": b"\xff\xfe" + good.encode("utf-16-le"),
        "missing-fields": "\n".join("|".join(l.split("|")[:2]) if "|" in l and not l.startswith("#") else l
                                    for l in lines).encode(),
        "empty-target": good.replace(alice, "|".join([f[0], "", *f[2:]])).encode(),
        "duplicate-conflict": (good + "|".join([f[0], f[1] + "-other", *f[2:]]) + "\n").encode(),
        "dn-odd-chars": good.replace(alice, "|".join(
            [f[0], f[1] + '"\t\\x\u00e9\x01', f[2], 'Alice "\\ \x1b[31m', *f[4:]])).encode(),
        "crlf-mixed": good.replace("\n", "\r\n", 3).replace("\n", "\r", 1).encode(),
        # mbm.puf v2: a malformed field 7, 8 or 9 makes alice's line malformed like any other.
        "v2-bad-field7": good.replace(alice, alice.rstrip("\r") +
                                      "|alice.source.example|alice@target.example|\r").encode(),
        "v2-bad-field8": good.replace(alice, alice.rstrip("\r") +
                                      "|alice@source.example|alice at target|\r").encode(),
        "v2-bad-field9": good.replace(alice, alice.rstrip("\r") +
                                      "|alice@source.example|alice@target.example|{0ced63f5-99fe}\r").encode(),
    }
    write(cases[case])
elif target == "reg":
    text = reg_text()
    b = reg_bytes(text)
    cases = {
        "truncated-odd": b[: len(b) // 2 | 1],
        "truncated-midline": reg_bytes(text[: text.find('"001e6603"=') + 20]),
        "garbage": bytes(random.Random(9).randrange(256) for _ in range(65536)),
        "huge-line": reg_bytes(text + '\r\n"x"=hex:' + "00," * 400000 + "00\r\n"),
        "nul": reg_bytes(text.replace('"DefaultProfile"="Outlook"', '"DefaultProfile"="Out\0look"')),
        "nul-in-name": reg_bytes(text.replace('"DefaultProfile"=', '"Default\0Profile"=')),
        "utf16-no-bom": text.encode("utf-16-le"),
        "latin1": ("REGEDIT4\r\n" + text.split("\r\n", 1)[1]).replace(
            '"DefaultProfile"="Outlook"', '"DefaultProfile"="Outl\u00f6\u00f6k"').encode("latin-1", "replace"),
        "utf8-bom": b"\xef\xbb\xbf" + text.encode(),
        "double-bom": b"\xff\xfe\xff\xfe" + text.encode("utf-16-le"),
        "no-header": reg_bytes(text.split("\r\n", 2)[2]),
        "duplicate-key": reg_bytes(text + "\r\n[HKEY_CURRENT_USER\\Software\\Microsoft\\Office\\16.0\\Outlook]\r\n"
                                   '"DefaultProfile"="Outlook"\r\n'),
        "unterminated-string": reg_bytes(text.replace('"DefaultProfile"="Outlook"', '"DefaultProfile"="Outlook')),
        "bad-hex": reg_bytes(text.replace('"001f3d09"=hex:4d,', '"001f3d09"=hex:4g,', 1)),
        "unclosed-key": reg_bytes(text.replace("[HKEY_CURRENT_USER\\Software\\Microsoft]", "[HKEY_CURRENT_USER\\Software\\Microsoft", 1)),
        "other-hive": reg_bytes(text + "\r\n[HKEY_LOCAL_MACHINE\\Software\\X]\r\n\"a\"=\"b\"\r\n"),
    }
    write(cases[case])
elif target == "hive":
    h = bytearray(read("before.hive"))
    rnd = random.Random(10)
    if case == "truncated-header":
        h = h[:2048]
    elif case == "truncated-hbin":
        h = h[: 4096 + (len(h) - 4096) // 2]
    elif case == "bad-checksum":
        h[508] ^= 0xFF
    elif case == "bad-magic":
        h[0:4] = b"rugf"
    elif case == "root-offset":
        h[36:40] = (0x7FFFFFF0).to_bytes(4, "little")
    elif case == "hbin-garbage":
        for i in range(4096 + 32, min(len(h), 4096 + 4096)):
            h[i] = rnd.randrange(256)
    elif case == "flips":
        for _ in range(64):
            h[rnd.randrange(4096, len(h))] ^= 1 << rnd.randrange(8)
    elif case == "zero":
        h = bytearray(len(h))
    else:
        raise SystemExit(f"mkbad: unknown hive case {case}")
    write(bytes(h))
elif target == "value":
    master = r"\\9207f3e0a3b11019908b08002b2a56c2\]"
    cases = {
        "services-15-bytes": lambda: plant("01023d0e", "hex:" + hexs(bytes(range(15))), key_re=master),
        "profile-type-2-bytes": lambda: plant("0003660a", "hex:01,00"),
        "string-as-dword": lambda: plant("001e6603", "dword:00000001"),
        "string8-no-nul": lambda: plant("001e6603", "hex:" + hexs(DN.encode())),
        "string8-nul-inside": lambda: plant("001e6603", "hex:" + hexs(DN[:20].encode() + b"\0" + DN[20:].encode() + b"\0")),
        "unicode-odd-length": lambda: plant("001f3001", "hex:41,00,42"),
        "emsmdb-uid-short": lambda: plant("01023d15", "hex:fd,aa"),
        "store-providers-dangling": lambda: plant("01023d00", "hex:" + hexs(b"\x11" * 16 + b"\x22" * 16)),
        "abeid-truncated": lambda: plant("01023d01", "hex:" + hexs(b"\xdc\xa7\x40")),
        "dn-odd-chars": lambda: plant("001e6603", '"' + DN + '\\"\\\\x\u00e9|\u2028"'),
        "dn-huge": lambda: plant("001e6603", '"' + DN + "x" * 70000 + '"'),
        "mailbox-empty": lambda: plant("001e660b", "hex:00"),
        "value-huge": lambda: plant("01020ff8", "hex:" + hexs(bytes(600000))),
        "type-multi-sz": lambda: plant("001f3001", "hex(7):41,00,00,00,42,00,00,00,00,00"),
    }
    write(cases[case]())
else:
    raise SystemExit(f"mkbad: unknown target {target}")
