/* .reg files: reading the text regedit and `reg export` write (REGEDIT5 in UTF-16LE or UTF-8,
 * REGEDIT4), writing it back in regedit's exact layout, and the import/export of such text to and
 * from any store that backups and restore use. The text is handled as UTF-16 code units, the
 * unit regedit itself works in, so REG_SZ data read from a UTF-16 file keeps every code unit
 * (even an unpaired surrogate) and the 80-column wrapping counts what regedit counts. */
#include "compat.h"

#include "regfile-text.h"

#include "pm/os.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REG_MAX_FILE ((size_t)256 << 20)
/* A physical line: a whole value may sit on one line in hand-written files. */
#define REG_MAX_LINE (3 * PM_MAX_VALUE_BYTES + 8 * PM_MAX_NAME_BYTES + 1024)
/* Writer buffer: UTF-16 text of a file at the file ceiling. */
#define REG_MAX_UNITS_BYTES (2 * REG_MAX_FILE + 1024)
/* regedit and Wine break hex data once a line reaches this column (export.c MAX_HEX_CHARS). */
#define REG_HEX_WRAP 77

static const char hdr5[] = "Windows Registry Editor Version 5.00";
static const char hdr4[] = "REGEDIT4";

/* Long names of the predefined keys and the short aliases reg.exe accepts. */
static const struct {
    const char *alias, *name;
} roots[] = {
    {"HKEY_CURRENT_USER", "HKEY_CURRENT_USER"},
    {"HKCU", "HKEY_CURRENT_USER"},
    {"HKEY_LOCAL_MACHINE", "HKEY_LOCAL_MACHINE"},
    {"HKLM", "HKEY_LOCAL_MACHINE"},
    {"HKEY_CLASSES_ROOT", "HKEY_CLASSES_ROOT"},
    {"HKCR", "HKEY_CLASSES_ROOT"},
    {"HKEY_USERS", "HKEY_USERS"},
    {"HKU", "HKEY_USERS"},
    {"HKEY_CURRENT_CONFIG", "HKEY_CURRENT_CONFIG"},
    {"HKCC", "HKEY_CURRENT_CONFIG"},
    {"HKEY_DYN_DATA", "HKEY_DYN_DATA"},
    {"HKEY_PERFORMANCE_DATA", "HKEY_PERFORMANCE_DATA"},
};

/* ---- UTF-8 <-> UTF-16 code units, NUL included (REG_MULTI_SZ holds NULs) ---- */

static int put_u16(struct pm_buf *b, uint32_t u)
{
    char le[2] = {(char)(u & 0xff), (char)(u >> 8)};
    return pm_buf_append(b, le, 2);
}

static int put_cp16(struct pm_buf *b, uint32_t cp)
{
    if (cp < 0x10000)
        return put_u16(b, cp);
    cp -= 0x10000;
    int rc = put_u16(b, 0xd800 | (cp >> 10));
    return rc < 0 ? rc : put_u16(b, 0xdc00 | (cp & 0x3ff));
}

/* 8-bit text to UTF-16LE bytes: UTF-8 where valid; any other byte is taken as Latin-1, which is
 * what an ANSI REGEDIT4 file from a Western code page mostly holds. */
static int widen_8bit(const unsigned char *s, size_t len, struct pm_buf *out)
{
    for (size_t i = 0; i < len;) {
        /* Most of a .reg file is ASCII: a run of it goes out in one append, not one per byte. */
        if (s[i] < 0x80) {
            unsigned char w[512];
            size_t k = 0;
            while (i < len && s[i] < 0x80 && k < sizeof(w)) {
                w[k++] = s[i++];
                w[k++] = 0;
            }
            int rc = pm_buf_append(out, w, k);
            if (rc < 0)
                return rc;
            continue;
        }
        uint32_t cp;
        size_t n = pm_utf8_decode(s + i, len - i, &cp);
        if (!n) {
            cp = s[i];
            n = 1;
        }
        int rc = put_cp16(out, cp);
        if (rc < 0)
            return rc;
        i += n;
    }
    return 0;
}

/* UTF-16 code units to UTF-8. With 'exact' set, an unpaired surrogate fails (returns 1) so the
 * caller can pick another spelling; otherwise it becomes U+FFFD. */
static int narrow_units(const uint16_t *u, size_t n, int exact, struct pm_buf *out)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t cp = u[i];
        if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < n && u[i + 1] >= 0xdc00 && u[i + 1] <= 0xdfff) {
            cp = 0x10000 + ((cp - 0xd800) << 10) + (u[i + 1] - 0xdc00);
            i++;
        } else if (cp >= 0xd800 && cp <= 0xdfff) {
            if (exact)
                return 1;
            cp = 0xfffd;
        }
        char b[4];
        size_t k;
        if (cp < 0x80) {
            b[0] = (char)cp, k = 1;
        } else if (cp < 0x800) {
            b[0] = (char)(0xc0 | (cp >> 6)), b[1] = (char)(0x80 | (cp & 0x3f)), k = 2;
        } else if (cp < 0x10000) {
            b[0] = (char)(0xe0 | (cp >> 12)), b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
            b[2] = (char)(0x80 | (cp & 0x3f)), k = 3;
        } else {
            b[0] = (char)(0xf0 | (cp >> 18)), b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
            b[2] = (char)(0x80 | ((cp >> 6) & 0x3f)), b[3] = (char)(0x80 | (cp & 0x3f)), k = 4;
        }
        int rc = pm_buf_append(out, b, k);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

/* ---- reading ---- */

struct rp {
    const uint16_t *u;
    size_t n, pos;
    unsigned line; /* of the current physical line */
    const char *name;
    struct pm_error *err;
    int fmt4;
    struct pm_buf tmp;  /* unescaped units, hex bytes */
    struct pm_buf tmp2; /* UTF-8 names, widened data */
};

#define RP_ERR(p, code, ...) pm_error_set((p)->err, (code), (p)->name, (p)->line, __VA_ARGS__)

/* Turns the file bytes into code units and notes the encoding. */
static int decode_input(const uint8_t *d, size_t len, const char *name, uint16_t **out,
                        size_t *nout, struct pm_regtext_style *st, struct pm_error *err)
{
    memset(st, 0, sizeof(*st));
    struct pm_buf b;
    pm_buf_init(&b, REG_MAX_UNITS_BYTES);
    int rc = 0;
    if (len >= 2 && d[0] == 0xfe && d[1] == 0xff)
        return pm_error_set(err, PM_ERR_PARSE, name, 1,
                            "UTF-16 big-endian text is not supported (save as UTF-16LE)");
    int utf16 = 0;
    size_t off = 0;
    if (len >= 2 && d[0] == 0xff && d[1] == 0xfe)
        utf16 = 1, off = 2;
    else if (len >= 2 && d[0] != 0 && d[1] == 0)
        utf16 = 1; /* UTF-16LE without its BOM */
    if (utf16) {
        st->utf16 = 1;
        if ((len - off) % 2)
            return pm_error_set(err, PM_ERR_PARSE, name, 0,
                                "truncated UTF-16 text (odd number of bytes)");
        rc = pm_buf_append(&b, d + off, len - off);
    } else {
        if (len >= 3 && d[0] == 0xef && d[1] == 0xbb && d[2] == 0xbf)
            st->bom = 1, off = 3;
        rc = widen_8bit(d + off, len - off, &b);
    }
    if (rc < 0) {
        pm_buf_release(&b);
        return pm_error_set(err, rc, name, 0, "file too large");
    }
    size_t n = b.len / 2;
    uint16_t *u = malloc((n ? n : 1) * sizeof(*u));
    if (!u) {
        pm_buf_release(&b);
        return pm_error_set(err, PM_ERR_NOMEM, name, 0, "out of memory");
    }
    for (size_t i = 0; i < n; i++)
        u[i] = le16((const uint8_t *)b.data + 2 * i);
    pm_buf_release(&b);
    *out = u;
    *nout = n;
    return 0;
}

/* The next physical line [*s, *e); 0 at end of input. Advances line numbers. */
static int next_line(struct rp *p, size_t *s, size_t *e)
{
    if (p->pos >= p->n)
        return 0;
    size_t i = p->pos;
    while (i < p->n && p->u[i] != '\r' && p->u[i] != '\n')
        i++;
    *s = p->pos;
    *e = i;
    if (i < p->n && p->u[i] == '\r')
        i++;
    if (i < p->n && p->u[i] == '\n' && (i == *e || p->u[i - 1] == '\r'))
        i++;
    p->pos = i;
    p->line++;
    if (*e - *s > REG_MAX_LINE)
        return RP_ERR(p, PM_ERR_LIMIT, "line longer than %zu characters", (size_t)REG_MAX_LINE);
    return 1;
}

static int is_ws(uint16_t c)
{
    return c == ' ' || c == '\t';
}

static size_t skip_ws(const struct rp *p, size_t i, size_t e)
{
    while (i < e && is_ws(p->u[i]))
        i++;
    return i;
}

/* Nothing but blanks or a comment from i to e. */
static int rest_is_empty(const struct rp *p, size_t i, size_t e)
{
    i = skip_ws(p, i, e);
    return i == e || p->u[i] == ';';
}

/* Does u[i..e) start with the ASCII word (case-insensitive)? */
static int has_word(const struct rp *p, size_t i, size_t e, const char *w)
{
    size_t n = strlen(w);
    if (e - i < n)
        return 0;
    for (size_t k = 0; k < n; k++) {
        uint16_t c = p->u[i + k];
        if (c >= 'A' && c <= 'Z')
            c = (uint16_t)(c + 32);
        char x = w[k];
        if (x >= 'A' && x <= 'Z')
            x = (char)(x + 32);
        if (c != (uint16_t)(unsigned char)x)
            return 0;
    }
    return 1;
}

/* A hex digit of the UTF-16 text, or -1. */
static int hexval(uint16_t c)
{
    return c < 0x80 ? pm_hex_digit(c) : -1;
}

/* Reads a quoted string starting after its opening quote into p->tmp (UTF-16LE, unescaped).
 * *i ends after the closing quote. regedit knows \\ and \"; Wine also writes \n and \r and
 * reads \0; any other backslash is kept as written, as both do. */
static int read_quoted(struct rp *p, size_t *i, size_t e, const char *what)
{
    pm_buf_reset(&p->tmp);
    size_t k = *i;
    for (;;) {
        if (k >= e)
            return RP_ERR(p, PM_ERR_PARSE, "unterminated %s (missing '\"')", what);
        uint16_t c = p->u[k++];
        if (c == '"')
            break;
        if (c == '\\' && k < e) {
            uint16_t x = p->u[k];
            if (x == '\\' || x == '"')
                c = x, k++;
            else if (x == 'n')
                c = '\n', k++;
            else if (x == 'r')
                c = '\r', k++;
            else if (x == '0')
                c = 0, k++;
        }
        if (put_u16(&p->tmp, c) < 0)
            return RP_ERR(p, PM_ERR_LIMIT, "%s too long", what);
    }
    *i = k;
    return 0;
}

/* p->tmp (units) -> p->tmp2 (UTF-8 name). */
static int units_to_name(struct rp *p, const char *what)
{
    pm_buf_reset(&p->tmp2);
    size_t n = p->tmp.len / 2;
    uint16_t *u = malloc((n ? n : 1) * sizeof(*u));
    if (!u)
        return RP_ERR(p, PM_ERR_NOMEM, "out of memory");
    for (size_t k = 0; k < n; k++) {
        u[k] = le16((const uint8_t *)p->tmp.data + 2 * k);
        if (!u[k]) {
            free(u);
            return RP_ERR(p, PM_ERR_PARSE, "%s contains a NUL character", what);
        }
    }
    int rc = narrow_units(u, n, 0, &p->tmp2);
    free(u);
    if (rc < 0)
        return RP_ERR(p, rc, "%s too long", what);
    return 0;
}

static int parse_key(struct rp *p, size_t i, size_t e, const struct pm_regfile_sink *sink,
                     int *have_key)
{
    i++; /* '[' */
    int del = 0;
    if (i < e && p->u[i] == '-')
        del = 1, i++;
    size_t close = e;
    while (close > i && p->u[close - 1] != ']')
        close--;
    if (close == i || p->u[close - 1] != ']')
        return RP_ERR(p, PM_ERR_PARSE, "missing ']' at the end of the key name");
    if (!rest_is_empty(p, close, e))
        return RP_ERR(p, PM_ERR_PARSE, "unexpected text after the key name");
    pm_buf_reset(&p->tmp);
    for (size_t k = i; k < close - 1; k++)
        if (put_u16(&p->tmp, p->u[k]) < 0)
            return RP_ERR(p, PM_ERR_NOMEM, "out of memory");
    int rc = units_to_name(p, "key name");
    if (rc < 0)
        return rc;
    const char *full = p->tmp2.data ? p->tmp2.data : "";
    if (strlen(full) > PM_MAX_PATH_BYTES)
        return RP_ERR(p, PM_ERR_LIMIT, "key path too long");
    const char *bs = strchr(full, '\\');
    size_t rlen = bs ? (size_t)(bs - full) : strlen(full);
    const char *root = NULL;
    for (size_t r = 0; r < PM_ARRAY_SIZE(roots); r++)
        if (strlen(roots[r].alias) == rlen && pm_ascii_ncasecmp(roots[r].alias, full, rlen) == 0)
            root = roots[r].name;
    if (!root)
        return RP_ERR(p, PM_ERR_PARSE, "unknown root key '%.*s'", (int)(rlen > 200 ? 200 : rlen),
                      full);
    /* Normalized path: components joined by single backslashes. */
    char *path = malloc(strlen(full) + 1);
    if (!path)
        return RP_ERR(p, PM_ERR_NOMEM, "out of memory");
    size_t o = 0, depth = 0;
    for (const char *c = full + rlen; *c;) {
        while (*c == '\\')
            c++;
        if (!*c)
            break;
        const char *end = c;
        while (*end && *end != '\\')
            end++;
        if ((size_t)(end - c) > 255 * 3 || ++depth > PM_REGFILE_MAX_DEPTH) {
            free(path);
            return RP_ERR(p, PM_ERR_LIMIT, "key name too long or nested too deeply");
        }
        if (o)
            path[o++] = '\\';
        memcpy(path + o, c, (size_t)(end - c));
        o += (size_t)(end - c);
        c = end;
    }
    path[o] = 0;
    rc = sink->key ? sink->key(sink->ctx, root, path, del, p->line) : 0;
    free(path);
    *have_key = del ? 2 : 1;
    return rc;
}

/* Hex bytes "xx,xx,\" over continuation lines into p->tmp. */
static int parse_hex(struct rp *p, size_t i, size_t e)
{
    pm_buf_reset(&p->tmp);
    for (;;) {
        i = skip_ws(p, i, e);
        if (i == e || p->u[i] == ';')
            return 0;
        if (p->u[i] == '\\') {
            if (!rest_is_empty(p, i + 1, e))
                return RP_ERR(p, PM_ERR_PARSE, "unexpected text after '\\' in hex data");
            int rc = next_line(p, &i, &e);
            if (rc < 0)
                return rc;
            if (rc == 0)
                return RP_ERR(p, PM_ERR_PARSE, "file ends inside hex data continued with '\\'");
            continue;
        }
        int hi = hexval(p->u[i]);
        if (hi < 0)
            return RP_ERR(p, PM_ERR_PARSE, "bad hex digit in value data");
        i++;
        int lo = i < e ? hexval(p->u[i]) : -1;
        unsigned char byte = (unsigned char)hi;
        if (lo >= 0) {
            byte = (unsigned char)(hi * 16 + lo);
            i++;
        }
        if (pm_buf_putc(&p->tmp, (char)byte) < 0)
            return RP_ERR(p, PM_ERR_LIMIT, "value data larger than %zu bytes",
                          (size_t)PM_MAX_VALUE_BYTES);
        i = skip_ws(p, i, e);
        if (i < e && p->u[i] == ',')
            i++;
        else if (i < e && p->u[i] != '\\' && p->u[i] != ';')
            return RP_ERR(p, PM_ERR_PARSE, "expected ',' between hex bytes");
    }
}

static int parse_value(struct rp *p, size_t i, size_t e, const struct pm_regfile_sink *sink)
{
    unsigned first_line = p->line;
    int rc;
    char *name;
    if (p->u[i] == '@') {
        name = pm_strdup("");
        i++;
    } else {
        i++;
        if ((rc = read_quoted(p, &i, e, "value name")) < 0 ||
            (rc = units_to_name(p, "value name")) < 0)
            return rc;
        name = pm_strdup(p->tmp2.data ? p->tmp2.data : "");
    }
    if (!name)
        return RP_ERR(p, PM_ERR_NOMEM, "out of memory");
    if (strlen(name) > PM_MAX_NAME_BYTES) {
        free(name);
        return RP_ERR(p, PM_ERR_LIMIT, "value name too long");
    }
    i = skip_ws(p, i, e);
    if (i == e || p->u[i] != '=') {
        free(name);
        return RP_ERR(p, PM_ERR_PARSE, "expected '=' after the value name");
    }
    i = skip_ws(p, i + 1, e);
    uint32_t type = PM_REG_SZ;
    int del = 0;
    const uint8_t *data = NULL;
    size_t len = 0;
    uint8_t dw[4];
    if (i < e && p->u[i] == '-') {
        del = 1;
        i++;
    } else if (i < e && p->u[i] == '"') {
        i++;
        if ((rc = read_quoted(p, &i, e, "string")) < 0)
            goto out;
        if (put_u16(&p->tmp, 0) < 0 || p->tmp.len > PM_MAX_VALUE_BYTES) {
            rc = RP_ERR(p, PM_ERR_LIMIT, "value data too large");
            goto out;
        }
        data = (const uint8_t *)p->tmp.data;
        len = p->tmp.len;
    } else if (has_word(p, i, e, "dword:")) {
        i += 6;
        uint32_t v = 0;
        size_t nd = 0;
        while (i < e && hexval(p->u[i]) >= 0 && nd < 9) {
            v = (v << 4) | (uint32_t)hexval(p->u[i]);
            i++, nd++;
        }
        if (nd == 0 || nd > 8) {
            rc = RP_ERR(p, PM_ERR_PARSE, "dword data needs 1 to 8 hex digits");
            goto out;
        }
        type = PM_REG_DWORD;
        dw[0] = (uint8_t)v, dw[1] = (uint8_t)(v >> 8), dw[2] = (uint8_t)(v >> 16);
        dw[3] = (uint8_t)(v >> 24);
        data = dw;
        len = 4;
    } else if (has_word(p, i, e, "hex")) {
        i += 3;
        type = PM_REG_BINARY;
        if (i < e && p->u[i] == '(') {
            i++;
            uint32_t t = 0;
            size_t nd = 0;
            while (i < e && hexval(p->u[i]) >= 0 && nd < 9) {
                t = (t << 4) | (uint32_t)hexval(p->u[i]);
                i++, nd++;
            }
            if (nd == 0 || nd > 8 || i >= e || p->u[i] != ')') {
                rc = RP_ERR(p, PM_ERR_PARSE, "bad type in hex(N): (1 to 8 hex digits)");
                goto out;
            }
            i++;
            type = t;
        }
        if (i >= e || p->u[i] != ':') {
            rc = RP_ERR(p, PM_ERR_PARSE, "expected ':' after hex");
            goto out;
        }
        if ((rc = parse_hex(p, i + 1, e)) < 0)
            goto out;
        data = (const uint8_t *)p->tmp.data;
        len = p->tmp.len;
        /* regedit's REGEDIT4 writes expandable and multi strings in the 8-bit code page. */
        if (p->fmt4 && (type == PM_REG_EXPAND_SZ || type == PM_REG_MULTI_SZ)) {
            pm_buf_reset(&p->tmp2);
            if (widen_8bit(data, len, &p->tmp2) < 0 || p->tmp2.len > PM_MAX_VALUE_BYTES) {
                rc = RP_ERR(p, PM_ERR_LIMIT, "value data too large");
                goto out;
            }
            data = (const uint8_t *)p->tmp2.data;
            len = p->tmp2.len;
        }
        i = e; /* parse_hex consumed the rest */
    } else {
        rc = RP_ERR(p, PM_ERR_PARSE, "unrecognized value data (expected \"string\", dword:, "
                                     "hex: or -)");
        goto out;
    }
    if (!rest_is_empty(p, i, e)) {
        rc = RP_ERR(p, PM_ERR_PARSE, "unexpected text after the value");
        goto out;
    }
    static const uint8_t none[2];
    rc = sink->value ? sink->value(sink->ctx, name, type, data ? data : none, len, del, first_line)
                     : 0;
out:
    free(name);
    return rc;
}

int pm_regtext_parse(const void *data, size_t len, const char *name,
                     const struct pm_regfile_sink *sink, struct pm_regtext_style *style,
                     struct pm_error *err)
{
    struct pm_regtext_style st;
    static const struct pm_regfile_sink no_sink = {0};
    if (!sink)
        sink = &no_sink; /* validation only */
    if (!name)
        name = "<input>";
    if (len > REG_MAX_FILE)
        return pm_error_set(err, PM_ERR_LIMIT, name, 0, "file larger than %zu bytes",
                            (size_t)REG_MAX_FILE);
    struct rp p = {0};
    p.name = name;
    p.err = err;
    uint16_t *u = NULL;
    int rc = decode_input(data, len, name, &u, &p.n, &st, err);
    if (rc < 0)
        return rc;
    p.u = u;
    pm_buf_init(&p.tmp, PM_MAX_VALUE_BYTES);
    pm_buf_init(&p.tmp2, 2 * PM_MAX_VALUE_BYTES + 16);
    size_t s, e;
    rc = next_line(&p, &s, &e);
    if (rc == 0) {
        p.line = 1;
        rc = RP_ERR(&p, PM_ERR_PARSE, "empty file (expected the header '%s')", hdr5);
    }
    if (rc < 0)
        goto out;
    st.crlf = e < p.n && u[e] == '\r';
    while (e > s && is_ws(u[e - 1]))
        e--;
    if (e - s == strlen(hdr5) && has_word(&p, s, e, hdr5)) {
        st.fmt = PM_REGFMT_REGEDIT5;
    } else if (e - s == strlen(hdr4) && has_word(&p, s, e, hdr4)) {
        st.fmt = PM_REGFMT_REGEDIT4;
        p.fmt4 = 1;
    } else {
        rc = RP_ERR(&p, PM_ERR_PARSE, "not a .reg file (expected the header '%s' or '%s')", hdr5,
                    hdr4);
        goto out;
    }
    int have_key = 0; /* 0 none yet, 1 a key, 2 a [-key] */
    while ((rc = next_line(&p, &s, &e)) > 0) {
        size_t i = skip_ws(&p, s, e);
        if (i == e || u[i] == ';' || u[i] == '#')
            continue;
        for (size_t k = i; k < e; k++)
            if (!u[k]) {
                rc = RP_ERR(&p, PM_ERR_PARSE, "NUL character in the text");
                goto out;
            }
        if (u[i] == '[') {
            rc = parse_key(&p, i, e, sink, &have_key);
        } else if (u[i] == '@' || u[i] == '"') {
            if (have_key != 1)
                rc = RP_ERR(&p, PM_ERR_PARSE, have_key ? "value after a key deletion [-...]"
                                                       : "value before any [key] line");
            else
                rc = parse_value(&p, i, e, sink);
        } else {
            rc = RP_ERR(&p, PM_ERR_PARSE, "unexpected text (expected [key], \"name\"=... or @=...)");
        }
        if (rc < 0)
            goto out;
    }
out:
    pm_buf_release(&p.tmp);
    pm_buf_release(&p.tmp2);
    free(u);
    if (rc >= 0 && style)
        *style = st;
    return rc < 0 ? rc : 0;
}

int pm_regfile_parse(const void *data, size_t len, const char *name,
                     const struct pm_regfile_sink *sink, enum pm_reg_format *fmt,
                     struct pm_error *err)
{
    struct pm_regtext_style st;
    int rc = pm_regtext_parse(data, len, name, sink, &st, err);
    if (rc == 0 && fmt)
        *fmt = st.fmt;
    return rc;
}

/* ---- writing ---- */

void pm_regtext_style_for(enum pm_reg_format fmt, struct pm_regtext_style *style)
{
    style->fmt = fmt == PM_REGFMT_REGEDIT4 ? PM_REGFMT_REGEDIT4 : PM_REGFMT_REGEDIT5;
    style->utf16 = style->fmt == PM_REGFMT_REGEDIT5;
    style->bom = 0;
    style->crlf = 1;
}

void pm_regtext_init(struct pm_regtext *w, const struct pm_regtext_style *style)
{
    pm_buf_init(&w->units, REG_MAX_UNITS_BYTES);
    w->style = *style;
}

void pm_regtext_release(struct pm_regtext *w)
{
    pm_buf_release(&w->units);
}

static int w_ascii(struct pm_regtext *w, const char *s)
{
    for (; *s; s++) {
        int rc = put_u16(&w->units, (unsigned char)*s);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int w_nl(struct pm_regtext *w)
{
    return w_ascii(w, w->style.crlf ? "\r\n" : "\n");
}

/* UTF-8 text as units; returns the number of units written through *count. */
static int w_utf8(struct pm_regtext *w, const char *s, size_t *count)
{
    size_t before = w->units.len;
    int rc = widen_8bit((const unsigned char *)s, strlen(s), &w->units);
    if (count)
        *count = (w->units.len - before) / 2;
    return rc;
}

int pm_regtext_header(struct pm_regtext *w)
{
    int rc = w_ascii(w, w->style.fmt == PM_REGFMT_REGEDIT4 ? hdr4 : hdr5);
    return rc < 0 ? rc : w_nl(w);
}

int pm_regtext_key(struct pm_regtext *w, const char *root, const char *path)
{
    int rc;
    /* A line break in a key name would end the [key] line: no .reg file can hold it. */
    if (path && strpbrk(path, "\r\n"))
        return PM_ERR_UNSUPPORTED;
    if ((rc = w_nl(w)) < 0 || (rc = w_ascii(w, "[")) < 0 || (rc = w_ascii(w, root)) < 0)
        return rc;
    if (path && *path)
        if ((rc = w_ascii(w, "\\")) < 0 || (rc = w_utf8(w, path, NULL)) < 0)
            return rc;
    if ((rc = w_ascii(w, "]")) < 0)
        return rc;
    return w_nl(w);
}

/* Units with regedit's escapes; adds the number written to *col. */
static int w_escaped(struct pm_regtext *w, const uint8_t *u16, size_t n, size_t *col)
{
    for (size_t i = 0; i < n; i++) {
        uint16_t c = le16(u16 + 2 * i);
        const char *esc = c == '\\' ? "\\\\" : c == '"' ? "\\\"" : c == '\n' ? "\\n"
                        : c == '\r' ? "\\r" : NULL;
        int rc = esc ? w_ascii(w, esc) : put_u16(&w->units, c);
        if (rc < 0)
            return rc;
        *col += esc ? 2 : 1;
    }
    return 0;
}

/* A REG_SZ regedit can spell as "text" and read back to the same bytes: whole code units,
 * exactly one NUL, at the end; for UTF-8 output also no unpaired surrogate. */
static int sz_as_text(const uint8_t *d, size_t len, int utf16)
{
    if (len < 2 || len % 2 || le16(d + len - 2) != 0)
        return 0;
    size_t n = len / 2 - 1;
    for (size_t i = 0; i < n; i++) {
        uint16_t c = le16(d + 2 * i);
        if (!c)
            return 0;
        if (!utf16 && c >= 0xd800 && c <= 0xdfff) {
            uint16_t c2 = i + 1 < n ? le16(d + 2 * i + 2) : 0;
            if (c > 0xdbff || c2 < 0xdc00 || c2 > 0xdfff)
                return 0;
            i++;
        }
    }
    return 1;
}

/* The name part of a value line: @= for the default value, else "name"= with the name escaped.
 * *col is the column after it, for wrapping hex data. */
static int w_value_name(struct pm_regtext *w, const char *name, size_t *col)
{
    struct pm_buf nb = PM_BUF_INIT;
    int rc;
    if (!*name) {
        rc = w_ascii(w, "@=");
        *col = 2;
    } else {
        rc = pm_utf8_to_utf16le(name, strlen(name), 0, &nb);
        if (rc >= 0 && (rc = w_ascii(w, "\"")) >= 0 &&
            (rc = w_escaped(w, (const uint8_t *)nb.data, nb.len / 2, col)) >= 0)
            rc = w_ascii(w, "\"=");
        *col += 3;
    }
    pm_buf_release(&nb);
    return rc;
}

/* REGEDIT4 holds REG_EXPAND_SZ and REG_MULTI_SZ as 8-bit text (see the reader); only exact text
 * fits. The 8-bit bytes go to *narrow. <0 on error, with *reported set when err is already
 * set. */
static int narrow_for_regedit4(const char *name, uint32_t type, const uint8_t *data, size_t len,
                               struct pm_buf *narrow, int *reported, struct pm_error *err)
{
    uint16_t *u = malloc((len / 2 + 1) * sizeof(*u));
    if (!u) {
        *reported = 1;
        return pm_error_set(err, PM_ERR_NOMEM, NULL, 0, "out of memory");
    }
    for (size_t i = 0; i < len / 2; i++)
        u[i] = le16(data + 2 * i);
    int rc = len % 2 ? 1 : narrow_units(u, len / 2, 1, narrow);
    free(u);
    if (rc > 0) {
        *reported = 1;
        return pm_error_set(err, PM_ERR_UNSUPPORTED, NULL, 0,
                            "value '%s' (%s) is not text and cannot be written as REGEDIT4", name,
                            pm_regtype_name(type));
    }
    return rc;
}

/* hex: (or hex(N): for types other than REG_BINARY), then the bytes as comma-separated hex
 * pairs, continued with a backslash on the next line once past REG_HEX_WRAP, as regedit writes
 * them. col is the column the data starts at. */
static int w_hex(struct pm_regtext *w, uint32_t type, const uint8_t *data, size_t len, size_t col)
{
    char buf[32];
    int rc;
    if (type == PM_REG_BINARY)
        snprintf(buf, sizeof(buf), "hex:");
    else
        snprintf(buf, sizeof(buf), "hex(%lx):", (unsigned long)type);
    if ((rc = w_ascii(w, buf)) < 0)
        return rc;
    col += strlen(buf);
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        char hx[3] = {digits[data[i] >> 4], digits[data[i] & 15], 0};
        if ((rc = w_ascii(w, hx)) < 0)
            return rc;
        if (i + 1 == len)
            break;
        if ((rc = w_ascii(w, ",")) < 0)
            return rc;
        col += 3;
        if (col >= REG_HEX_WRAP) {
            if ((rc = w_ascii(w, "\\")) < 0 || (rc = w_nl(w)) < 0 || (rc = w_ascii(w, "  ")) < 0)
                return rc;
            col = 2;
        }
    }
    return rc;
}

int pm_regtext_value(struct pm_regtext *w, const char *name, uint32_t type, const uint8_t *data,
                     size_t len, struct pm_error *err)
{
    struct pm_buf narrow = PM_BUF_INIT;
    size_t col = 0;
    int rc, reported = 0;
    if ((rc = w_value_name(w, name, &col)) < 0)
        goto out;
    if (type == PM_REG_SZ && sz_as_text(data, len, w->style.utf16)) {
        if ((rc = w_ascii(w, "\"")) >= 0 && (rc = w_escaped(w, data, len / 2 - 1, &col)) >= 0)
            rc = w_ascii(w, "\"");
    } else if (type == PM_REG_DWORD && len == 4) {
        char buf[32];
        snprintf(buf, sizeof(buf), "dword:%08lx",
                 (unsigned long)(data[0] | (data[1] << 8) | (data[2] << 16) |
                                 ((uint32_t)data[3] << 24)));
        rc = w_ascii(w, buf);
    } else {
        if (w->style.fmt == PM_REGFMT_REGEDIT4 &&
            (type == PM_REG_EXPAND_SZ || type == PM_REG_MULTI_SZ)) {
            if ((rc = narrow_for_regedit4(name, type, data, len, &narrow, &reported, err)) < 0)
                goto out;
            data = (const uint8_t *)narrow.data;
            len = narrow.len;
        }
        rc = w_hex(w, type, data, len, col);
    }
    if (rc >= 0)
        rc = w_nl(w);
out:
    pm_buf_release(&narrow);
    if (rc < 0 && !reported)
        pm_error_set(err, rc, NULL, 0, "cannot write value '%s'", name);
    return rc;
}

int pm_regtext_finish(struct pm_regtext *w, struct pm_buf *out, struct pm_error *err)
{
    int rc = w_nl(w);
    if (rc < 0)
        return pm_error_set(err, rc, NULL, 0, ".reg text too large");
    if (w->style.utf16) {
        if ((rc = pm_buf_append(out, "\xff\xfe", 2)) >= 0)
            rc = pm_buf_append(out, w->units.data, w->units.len);
    } else {
        if (w->style.bom)
            rc = pm_buf_append(out, "\xef\xbb\xbf", 3);
        size_t n = w->units.len / 2;
        uint16_t *u = malloc((n ? n : 1) * sizeof(*u));
        if (!u)
            rc = PM_ERR_NOMEM;
        for (size_t i = 0; u && i < n; i++)
            u[i] = le16((const uint8_t *)w->units.data + 2 * i);
        if (rc >= 0)
            rc = narrow_units(u, n, 0, out);
        free(u);
    }
    if (rc < 0)
        return pm_error_set(err, rc, NULL, 0, "cannot encode .reg text");
    return 0;
}

/* ---- import and export through the store API ---- */

struct import_ctx {
    struct pm_store *st;
    const char *name;
    struct pm_error *err;
    char *path;
};

/* Store errors carry the key path; an import names the file and line as well. */
static int import_fail(struct import_ctx *c, int rc, unsigned line)
{
    char msg[sizeof(c->err->msg)];
    snprintf(msg, sizeof(msg), "%s", c->err ? c->err->msg : "");
    return pm_error_set(c->err, rc, c->name, line, "%s (key '%s')", msg, c->path ? c->path : "");
}

static int import_key(void *vctx, const char *root, const char *path, int del, unsigned line)
{
    struct import_ctx *c = vctx;
    if (strcmp(root, "HKEY_CURRENT_USER") != 0)
        return pm_error_set(c->err, PM_ERR_PARSE, c->name, line,
                            "only HKEY_CURRENT_USER keys can be imported, not '%s%s%s'", root,
                            *path ? "\\" : "", path);
    free(c->path);
    c->path = pm_strdup(path);
    if (!c->path)
        return pm_error_set(c->err, PM_ERR_NOMEM, c->name, line, "out of memory");
    int rc = del ? pm_store_delete_key(c->st, path, c->err) : pm_store_create_key(c->st, path, c->err);
    return rc < 0 ? import_fail(c, rc, line) : 0;
}

static int import_value(void *vctx, const char *name, uint32_t type, const uint8_t *data,
                        size_t len, int del, unsigned line)
{
    struct import_ctx *c = vctx;
    int rc = del ? pm_store_delete_value(c->st, c->path, name, c->err)
                 : pm_store_set(c->st, c->path, name, type, data, len, c->err);
    return rc < 0 ? import_fail(c, rc, line) : 0;
}

int pm_regfile_import(struct pm_store *st, const void *data, size_t len, const char *name,
                      struct pm_error *err)
{
    struct import_ctx c = {st, name ? name : "<input>", err, NULL};
    struct pm_regfile_sink sink = {&c, import_key, import_value};
    int own = !pm_store_in_transaction(st);
    int rc;
    if (own && (rc = pm_store_begin(st, err)) < 0)
        return rc;
    rc = pm_regtext_parse(data, len, c.name, &sink, NULL, err);
    free(c.path);
    if (!own)
        return rc;
    if (rc == 0)
        rc = pm_store_commit(st, err);
    if (rc < 0)
        pm_store_rollback(st, NULL);
    return rc;
}

static int export_rec(struct pm_store *st, struct pm_regtext *w, const char *path, int depth,
                      struct pm_error *err)
{
    if (depth > PM_REGFILE_MAX_DEPTH)
        return pm_error_set(err, PM_ERR_LIMIT, path, 0, "keys nested too deeply");
    struct pm_strlist names = PM_STRLIST_INIT, subs = PM_STRLIST_INIT;
    struct pm_value v = PM_VALUE_INIT;
    struct pm_buf child = PM_BUF_INIT;
    int rc = pm_store_values(st, path, &names, err);
    if (rc <= 0)
        goto out;
    if ((rc = pm_regtext_key(w, "HKEY_CURRENT_USER", path)) < 0) {
        pm_error_set(err, rc, path, 0, "%s",
                     rc == PM_ERR_UNSUPPORTED ? "a line break in a key name cannot be written"
                                              : "out of memory");
        goto out;
    }
    for (size_t i = 0; i < names.n; i++) {
        rc = pm_store_get(st, path, names.items[i], &v, err);
        if (rc < 0)
            goto out;
        if (rc > 0 && (rc = pm_regtext_value(w, names.items[i], v.type, v.data, v.len, err)) < 0)
            goto out;
    }
    if ((rc = pm_store_subkeys(st, path, &subs, err)) < 0)
        goto out;
    for (size_t i = 0; i < subs.n; i++) {
        pm_buf_reset(&child);
        if (pm_buf_printf(&child, "%s%s%s", path, *path ? "\\" : "", subs.items[i]) < 0) {
            rc = pm_error_set(err, PM_ERR_NOMEM, path, 0, "out of memory");
            goto out;
        }
        if ((rc = export_rec(st, w, child.data, depth + 1, err)) < 0)
            goto out;
    }
    rc = 0;
out:
    pm_buf_release(&child);
    pm_value_release(&v);
    pm_strlist_release(&names);
    pm_strlist_release(&subs);
    return rc;
}

int pm_regfile_export(struct pm_store *st, const char *const *paths, size_t npaths,
                      enum pm_reg_format fmt, struct pm_buf *out, struct pm_error *err)
{
    struct pm_regtext_style style;
    struct pm_regtext w;
    pm_regtext_style_for(fmt, &style);
    pm_regtext_init(&w, &style);
    int rc = pm_regtext_header(&w);
    if (rc < 0)
        rc = pm_error_set(err, rc, NULL, 0, "out of memory");
    for (size_t i = 0; rc >= 0 && i < npaths; i++) {
        /* The same normalization the store applies, so the [key] lines read cleanly. */
        struct pm_buf p = PM_BUF_INIT;
        for (const char *c = paths[i] ? paths[i] : ""; *c && rc >= 0;) {
            while (*c == '\\')
                c++;
            const char *e = c;
            while (*e && *e != '\\')
                e++;
            if (e > c)
                rc = pm_buf_printf(&p, "%s%.*s", p.len ? "\\" : "", (int)(e - c), c);
            c = e;
        }
        if (rc < 0)
            rc = pm_error_set(err, rc, paths[i], 0, "key path too long");
        else
            rc = export_rec(st, &w, p.data ? p.data : "", 0, err);
        pm_buf_release(&p);
    }
    if (rc >= 0)
        rc = pm_regtext_finish(&w, out, err);
    pm_regtext_release(&w);
    return rc < 0 ? rc : 0;
}
