/* mbm.puf: the syntax of one line, and the streaming scan that answers a run's questions ("is
 * this mailbox DN in the PUF, and where does it go?") in one pass with a fixed buffer. Lines are
 * checked in place without allocating: the hot loop tests eight bytes at a time for the few bytes
 * that need attention ('|', control characters, non-ASCII), so the scan keeps pace with the page
 * cache. The sidecar index (puf-index.c) answers the same questions with a few positioned reads;
 * both paths feed matching lines through puf_consider() so they cannot disagree. */
#include "compat.h"

#include "puf-internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The scan's one buffer: large enough for long sequential reads, far below the 8 MiB budget. */
#define PUF_SCAN_BUF ((size_t)256 << 10)
/* Malformed lines reported one by one before only counting. */
#define PUF_MAX_WARNINGS 20

/* ---- keys and hashes ---- */

static unsigned char puf_lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

static int puf_is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Trims blanks around a key and drops a leading type prefix ("x500:", "smtp:"; any case). */
static const char *puf_key_strip(const char *s, size_t len, const char *prefix, size_t *keylen)
{
    size_t pl = strlen(prefix);
    while (len && puf_is_blank(*s)) {
        s++;
        len--;
    }
    while (len && puf_is_blank(s[len - 1]))
        len--;
    if (len >= pl && pm_ascii_ncasecmp(s, prefix, pl) == 0) {
        s += pl;
        len -= pl;
        while (len && puf_is_blank(*s)) {
            s++;
            len--;
        }
    }
    *keylen = len;
    return s;
}

const char *pm_puf_dn_key(const char *s, size_t len, size_t *keylen)
{
    return puf_key_strip(s, len, "x500:", keylen);
}

const char *pm_puf_smtp_key(const char *s, size_t len, size_t *keylen)
{
    return puf_key_strip(s, len, "smtp:", keylen);
}

int puf_key_equal(const char *a, size_t alen, const char *b, size_t blen)
{
    if (alen != blen)
        return 0;
    while (alen) {
        alen--;
        if (a[alen] != b[alen] &&
            puf_lower((unsigned char)a[alen]) != puf_lower((unsigned char)b[alen]))
            return 0;
    }
    return 1;
}

/* FNV-1a, then a 64-bit finalizer so that the top bits (the index's bucket number) are as well
 * mixed as the rest. */
#define PUF_FNV_BASIS 0xcbf29ce484222325ULL
#define PUF_FNV_PRIME 0x100000001b3ULL

static uint64_t puf_mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

uint64_t puf_key_hash(const char *key, size_t len)
{
    uint64_t h = PUF_FNV_BASIS ^ (uint64_t)len;
    for (size_t i = 0; i < len; i++) {
        h ^= puf_lower((unsigned char)key[i]);
        h *= PUF_FNV_PRIME;
    }
    return puf_mix(h);
}

uint64_t puf_bytes_hash(uint64_t seed, const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t h = PUF_FNV_BASIS ^ puf_mix(seed + 1);
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= PUF_FNV_PRIME;
    }
    return puf_mix(h ^ (uint64_t)len);
}

/* ---- one line ---- */

enum { PC_PLAIN = 0, PC_BAR, PC_HIGH, PC_TAB, PC_CTRL };

static unsigned char puf_class(unsigned char c)
{
    if (c == '|')
        return PC_BAR;
    if (c >= 0x80)
        return PC_HIGH;
    if (c == '\t')
        return PC_TAB;
    if (c < 0x20 || c == 0x7F)
        return PC_CTRL;
    return PC_PLAIN;
}

#define PUF_ONES 0x0101010101010101ULL
#define PUF_HIGHS 0x8080808080808080ULL
/* Nonzero when some byte of w is zero (exact as a yes/no answer). */
#define PUF_HASZERO(w) (((w)-PUF_ONES) & ~(w)&PUF_HIGHS)

static void puf_trim(struct puf_span *s)
{
    while (s->len && puf_is_blank(*s->p)) {
        s->p++;
        s->len--;
    }
    while (s->len && puf_is_blank(s->p[s->len - 1]))
        s->len--;
}

static int puf_is_dn(const struct puf_span *s)
{
    return s->len >= 3 && pm_ascii_ncasecmp(s->p, "/o=", 3) == 0;
}

static int puf_why(char *why, size_t whysize, const char *fmt, ...) PM_PRINTF(3, 4);

static int puf_why(char *why, size_t whysize, const char *fmt, ...)
{
    if (why && whysize) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, whysize, fmt, ap);
        va_end(ap);
    }
    return PM_ERR_PARSE;
}

/* Shows at most 80 bytes of a bad field in a message. */
#define PUF_SHOW(s) (int)((s).len > 80 ? 80 : (s).len), (s).p

static const char *const puf_field_names[PUF_FIELDS] = {
    "source legacyExchangeDN",     "target legacyExchangeDN", "target primary SMTP address",
    "target display name",         "target server",           "target server DN",
    "source primary SMTP address", "target sign-in name",     "target archive GUID"};

/* One '@' with text on both sides and no blank: what fields 3, 7 and 8 must look like. Control
 * characters and tabs were refused for the whole line already. */
static int puf_is_address(const struct puf_span *s)
{
    const char *at = s->len ? memchr(s->p, '@', s->len) : NULL;
    return at && at != s->p && at != s->p + s->len - 1 &&
           !memchr(at + 1, '@', s->len - (size_t)(at + 1 - s->p)) && !memchr(s->p, ' ', s->len);
}

static int puf_is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* 8-4-4-4-12 hex digits, optionally in braces; on success s is narrowed to the 36 digits. */
static int puf_guid_span(struct puf_span *s)
{
    struct puf_span g = *s;
    if (g.len == 38 && g.p[0] == '{' && g.p[37] == '}') {
        g.p++;
        g.len = 36;
    }
    if (g.len != 36)
        return 0;
    for (size_t i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (g.p[i] != '-')
                return 0;
        } else if (!puf_is_hex(g.p[i])) {
            return 0;
        }
    }
    *s = g;
    return 1;
}

int puf_split(const char *line, size_t len, struct puf_fields *out, char *why, size_t whysize)
{
    if (len && line[len - 1] == '\r')
        len--;
    if (len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) {
        line += 3;
        len -= 3;
    }
    /* Length first, comments included: the stream cannot look inside a line it had to cut. */
    if (len > PM_PUF_MAX_LINE)
        return puf_why(why, whysize, "line is longer than %d bytes", PM_PUF_MAX_LINE);
    size_t i = 0;
    while (i < len && puf_is_blank(line[i]))
        i++;
    if (i == len || line[i] == '#')
        return 1;

    const unsigned char *p = (const unsigned char *)line;
    size_t bars[PUF_FIELDS];
    unsigned nfields = 1;
    int high = 0, tab = 0;
    size_t k = 0;
    for (;;) {
        /* Skip runs of eight plain bytes; look closer only at words holding a special one. */
        while (k + 8 <= len) {
            uint64_t w;
            memcpy(&w, p + k, 8);
            uint64_t special = (((w - PUF_ONES * 0x20) & ~w) | w) & PUF_HIGHS;
            special |= PUF_HASZERO(w ^ (PUF_ONES * '|')) | PUF_HASZERO(w ^ (PUF_ONES * 0x7F));
            if (special)
                break;
            k += 8;
        }
        if (k >= len)
            break;
        size_t stop = k + 8 < len ? k + 8 : len;
        for (; k < stop; k++) {
            switch (puf_class(p[k])) {
            case PC_PLAIN:
                break;
            case PC_BAR:
                if (nfields < PUF_FIELDS)
                    bars[nfields - 1] = k;
                if (nfields < 1000)
                    nfields++;
                break;
            case PC_HIGH:
                high = 1;
                break;
            case PC_TAB:
                tab = 1;
                break;
            default:
                return puf_why(why, whysize, "control character 0x%02x at byte %zu", p[k], k + 1);
            }
        }
    }
    if (high && !pm_utf8_valid(line, len))
        return puf_why(why, whysize, "line is not valid UTF-8");
    if (nfields < 3)
        return puf_why(why, whysize, "expected at least 3 fields separated by '|', found %u",
                       nfields);

    struct puf_fields f;
    size_t start = 0;
    for (unsigned n = 0; n < PUF_FIELDS; n++) {
        if (n >= nfields) {
            f.f[n].p = line + len;
            f.f[n].len = 0;
            continue;
        }
        size_t end = (n + 1 < nfields && n < PUF_FIELDS - 1) ? bars[n] : len;
        if (n == PUF_FIELDS - 1 && nfields > PUF_FIELDS)
            end = (const char *)memchr(line + start, '|', len - start) - line;
        f.f[n].p = line + start;
        f.f[n].len = end - start;
        puf_trim(&f.f[n]);
        if (tab && memchr(f.f[n].p, '\t', f.f[n].len))
            return puf_why(why, whysize, "field %u contains a tab (%s)", n + 1, puf_field_names[n]);
        start = end + 1;
    }
    for (unsigned n = 0; n < 2; n++) {
        size_t kl;
        f.f[n].p = pm_puf_dn_key(f.f[n].p, f.f[n].len, &kl);
        f.f[n].len = kl;
        if (!kl)
            return puf_why(why, whysize, "field %u is empty (%s)", n + 1, puf_field_names[n]);
        if (!puf_is_dn(&f.f[n]))
            return puf_why(why, whysize,
                           "field %u is not a legacyExchangeDN starting with /o= (%s): '%.*s'",
                           n + 1, puf_field_names[n], PUF_SHOW(f.f[n]));
    }
    const struct puf_span *smtp = &f.f[2];
    if (!smtp->len)
        return puf_why(why, whysize, "field 3 is empty (%s)", puf_field_names[2]);
    if (!puf_is_address(smtp))
        return puf_why(why, whysize, "field 3 is not an SMTP address (%s): '%.*s'",
                       puf_field_names[2], PUF_SHOW(*smtp));
    if (f.f[5].len && !puf_is_dn(&f.f[5]))
        return puf_why(why, whysize, "field 6 is not a DN starting with /o= (%s): '%.*s'",
                       puf_field_names[5], PUF_SHOW(f.f[5]));
    /* v2 fields: optional, but a value that is there must be well-formed, since runs act on it
     * (field 7 finds shared mailboxes, 8 becomes the sign-in name, 9 the archive's GUID). */
    if (f.f[6].len) {
        struct puf_span raw = f.f[6];
        size_t kl;
        f.f[6].p = pm_puf_smtp_key(raw.p, raw.len, &kl);
        f.f[6].len = kl;
        if (!puf_is_address(&f.f[6]))
            return puf_why(why, whysize, "field 7 is not an SMTP address (%s): '%.*s'",
                           puf_field_names[6], PUF_SHOW(raw));
    }
    if (f.f[7].len && !puf_is_address(&f.f[7]))
        return puf_why(why, whysize, "field 8 is not a sign-in name like user@domain (%s): '%.*s'",
                       puf_field_names[7], PUF_SHOW(f.f[7]));
    if (f.f[8].len && !puf_guid_span(&f.f[8]))
        return puf_why(why, whysize,
                       "field 9 is not a GUID like 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0 (%s): "
                       "'%.*s'",
                       puf_field_names[8], PUF_SHOW(f.f[8]));
    if (out)
        *out = f;
    return 0;
}

static char *puf_dup_span(const struct puf_span *s, int optional, int *oom)
{
    if (optional && !s->len)
        return NULL;
    char *r = pm_strndup(s->p, s->len);
    if (!r)
        *oom = 1;
    return r;
}

static int puf_entry_fill(struct pm_puf_entry *e, const struct puf_fields *f, unsigned lineno)
{
    int oom = 0;
    memset(e, 0, sizeof(*e));
    e->line = lineno;
    e->source_dn = puf_dup_span(&f->f[0], 0, &oom);
    e->target_dn = puf_dup_span(&f->f[1], 0, &oom);
    e->target_smtp = puf_dup_span(&f->f[2], 0, &oom);
    e->target_display = puf_dup_span(&f->f[3], 1, &oom);
    e->target_server = puf_dup_span(&f->f[4], 1, &oom);
    e->target_server_dn = puf_dup_span(&f->f[5], 1, &oom);
    e->source_smtp = puf_dup_span(&f->f[6], 1, &oom);
    e->target_upn = puf_dup_span(&f->f[7], 1, &oom);
    /* The GUID in one spelling (lowercase, no braces), so callers can compare and write it as
     * is; all zeros is what Exchange reports for a mailbox without an archive. */
    int zero = 1;
    for (size_t i = 0; i < f->f[8].len; i++)
        zero &= f->f[8].p[i] == '0' || f->f[8].p[i] == '-';
    if (!zero) {
        e->target_archive_guid = puf_dup_span(&f->f[8], 1, &oom);
        for (char *c = e->target_archive_guid; c && *c; c++)
            *c = (char)puf_lower((unsigned char)*c);
    }
    if (oom) {
        pm_puf_entry_release(e);
        return PM_ERR_NOMEM;
    }
    return 0;
}

int pm_puf_parse_line(const char *line, size_t len, unsigned lineno, struct pm_puf_entry *e,
                      char *why, size_t whysize)
{
    struct puf_fields f;
    int rc = puf_split(line, len, &f, why, whysize);
    if (rc != 0)
        return rc;
    if (!e)
        return 0;
    rc = puf_entry_fill(e, &f, lineno);
    if (rc < 0)
        puf_why(why, whysize, "out of memory");
    return rc;
}

void pm_puf_entry_release(struct pm_puf_entry *e)
{
    if (!e)
        return;
    free(e->source_dn);
    free(e->target_dn);
    free(e->target_smtp);
    free(e->target_display);
    free(e->target_server);
    free(e->target_server_dn);
    free(e->source_smtp);
    free(e->target_upn);
    free(e->target_archive_guid);
    memset(e, 0, sizeof(*e));
}

int pm_puf_entry_copy(struct pm_puf_entry *dst, const struct pm_puf_entry *src)
{
    int oom = 0;
    memset(dst, 0, sizeof(*dst));
    dst->line = src->line;
#define PUF_COPY(f)                                                                                \
    do {                                                                                           \
        if (src->f && !(dst->f = pm_strdup(src->f)))                                               \
            oom = 1;                                                                               \
    } while (0)
    PUF_COPY(source_dn);
    PUF_COPY(target_dn);
    PUF_COPY(target_smtp);
    PUF_COPY(target_display);
    PUF_COPY(target_server);
    PUF_COPY(target_server_dn);
    PUF_COPY(source_smtp);
    PUF_COPY(target_upn);
    PUF_COPY(target_archive_guid);
#undef PUF_COPY
    if (oom) {
        pm_puf_entry_release(dst);
        return PM_ERR_NOMEM;
    }
    return 0;
}

void pm_puf_queries_release(struct pm_puf_query *q, size_t nq)
{
    for (size_t i = 0; q && i < nq; i++) {
        pm_puf_entry_release(&q[i].entry);
        q[i].match = PM_PUF_NONE;
        q[i].conflict_line = 0;
    }
}

void puf_queries_reset(struct pm_puf_query *q, size_t nq)
{
    pm_puf_queries_release(q, nq);
}

/* ---- answers ---- */

static void puf_warnf(pm_diag_fn warn, void *ctx, const char *path, unsigned line, const char *fmt,
                      ...) PM_PRINTF(5, 6);

static void puf_warnf(pm_diag_fn warn, void *ctx, const char *path, unsigned line, const char *fmt,
                      ...)
{
    if (!warn)
        return;
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    warn(ctx, path, line, msg);
}

static int puf_same_text(const char *s, const struct puf_span *sp)
{
    return s && puf_key_equal(s, strlen(s), sp->p, sp->len);
}

struct puf_span puf_fields_key(const struct puf_fields *f, int kind)
{
    struct puf_span k;
    switch (kind) {
    case PUF_K_SOURCE_DN:
        return f->f[0];
    case PUF_K_TARGET_DN:
        return f->f[1];
    case PUF_K_SOURCE_SMTP:
        return f->f[6];
    default:
        k.p = pm_puf_smtp_key(f->f[2].p, f->f[2].len, &k.len);
        return k;
    }
}

int puf_consider(struct pm_puf_query *q, int kind, const struct puf_fields *f, unsigned lineno,
                 const char *path, pm_diag_fn warn, void *ctx)
{
    int by_smtp = q->by == PM_PUF_BY_SMTP;
    if (kind == 0) {
        const struct puf_span *key = &f->f[by_smtp ? 6 : 0];
        if (q->match == PM_PUF_SOURCE) {
            /* The same mailbox listed twice is harmless; two destinations are never guessed. */
            if (puf_same_text(q->entry.target_dn, &f->f[1]) &&
                puf_same_text(q->entry.target_smtp, &f->f[2])) {
                /* By SMTP this is the normal case: puf build repeats field 7 on the line of
                 * every old X500 name of the mailbox. */
                if (!by_smtp)
                    puf_warnf(warn, ctx, path, lineno,
                              "duplicate of line %u for '%.*s'; line %u is used", q->entry.line,
                              PUF_SHOW(*key), q->entry.line);
                return 0;
            }
            q->match = PM_PUF_CONFLICT;
            q->conflict_line = lineno;
            puf_warnf(warn, ctx, path, lineno,
                      "'%.*s' is also field %d of line %u with another target; neither is used",
                      PUF_SHOW(*key), by_smtp ? 7 : 1, q->entry.line);
            return 0;
        }
        if (q->match == PM_PUF_CONFLICT)
            return 0;
        pm_puf_entry_release(&q->entry);
        q->match = PM_PUF_SOURCE;
        return puf_entry_fill(&q->entry, f, lineno);
    }
    if (q->match != PM_PUF_NONE)
        return 0;
    q->match = PM_PUF_TARGET;
    return puf_entry_fill(&q->entry, f, lineno);
}

/* ---- the stream ---- */

int puf_stream(FILE *f, puf_line_fn fn, void *ctx, uint64_t *bytes_read)
{
    char *buf = malloc(PUF_SCAN_BUF);
    if (!buf)
        return PM_ERR_NOMEM;
    size_t have = 0, pos = 0;
    uint64_t base = 0; /* file offset of buf[0] */
    unsigned lineno = 0;
    int eof = 0, skipping = 0, rc = 0;
    while (rc == 0) {
        const char *nl = memchr(buf + pos, '\n', have - pos);
        if (nl) {
            size_t llen = (size_t)(nl - (buf + pos));
            if (skipping)
                skipping = 0;
            else
                rc = fn(ctx, buf + pos, llen, base + pos, ++lineno);
            pos += llen + 1;
            continue;
        }
        if (eof) {
            if (pos < have && !skipping)
                rc = fn(ctx, buf + pos, have - pos, base + pos, ++lineno);
            break;
        }
        size_t rest = have - pos;
        if (skipping) {
            rest = 0;
        } else if (rest > PM_PUF_MAX_LINE + 1) {
            /* Too long to be a line: report it once, then drop bytes up to the next '\n'. */
            rc = fn(ctx, NULL, 0, base + pos, ++lineno);
            skipping = 1;
            rest = 0;
        }
        memmove(buf, buf + have - rest, rest);
        base += have - rest;
        have = rest;
        pos = 0;
        size_t n = fread(buf + have, 1, PUF_SCAN_BUF - have, f);
        if (n == 0) {
            if (ferror(f))
                rc = PM_ERR_IO;
            eof = 1;
        }
        have += n;
        if (bytes_read)
            *bytes_read += n;
    }
    free(buf);
    return rc;
}

FILE *puf_open(const char *path, struct pm_error *err)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            pm_error_set(err, PM_ERR_IO, path, 0, "puf file is missing");
        else
            pm_error_set(err, PM_ERR_IO, path, 0, "puf file is unreadable: %s", strerror(errno));
        return NULL;
    }
    if (S_ISDIR(sb.st_mode)) {
        pm_error_set(err, PM_ERR_IO, path, 0, "puf file is unreadable: it is a folder");
        return NULL;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        pm_error_set(err, PM_ERR_IO, path, 0, "puf file is unreadable: %s", strerror(errno));
        return NULL;
    }
    /* A UTF-16 file (what Windows PowerShell's Out-File and > write) would match nothing, line
     * after line: refuse it whole, saying how to fix it, instead of skipping every line. */
    unsigned char head[4] = {0, 0, 0, 0};
    size_t got = fread(head, 1, sizeof(head), f);
    int utf16 =
        got >= 2 && ((head[0] == 0xFF && head[1] == 0xFE) || (head[0] == 0xFE && head[1] == 0xFF));
    if (!utf16 && got == 4)
        utf16 = (head[0] && head[0] < 0x80 && !head[1] && head[2] && head[2] < 0x80 && !head[3]) ||
                (!head[0] && head[1] && head[1] < 0x80 && !head[2] && head[3] && head[3] < 0x80);
    if (utf16) {
        fclose(f);
        pm_error_set(err, PM_ERR_IO, path, 0,
                     "puf file is UTF-16; save it as UTF-8 (PowerShell: Set-Content -Encoding "
                     "UTF8)");
        return NULL;
    }
    if (fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        pm_error_set(err, PM_ERR_IO, path, 0, "puf file is unreadable: %s", strerror(errno));
        return NULL;
    }
    /* Our own buffer is large; stdio's would only add a copy. */
    setvbuf(f, NULL, _IONBF, 0);
    return f;
}

const char *puf_query_key(const struct pm_puf_query *q, size_t *len)
{
    const char *k = q->by == PM_PUF_BY_SMTP ? q->smtp : q->dn;
    if (!k) {
        *len = 0;
        return "";
    }
    return q->by == PM_PUF_BY_SMTP ? pm_puf_smtp_key(k, strlen(k), len)
                                   : pm_puf_dn_key(k, strlen(k), len);
}

struct puf_scan {
    const char *path;
    struct pm_puf_query *q;
    size_t nq;
    const char **keys;
    size_t *keylens;
    struct pm_puf_stats *stats;
    pm_diag_fn warn;
    void *ctx;
    int by_smtp; /* some query asks by SMTP address */
};

static int puf_scan_line(void *vctx, const char *line, size_t len, uint64_t off, unsigned lineno)
{
    struct puf_scan *s = vctx;
    struct puf_fields f;
    char why[512];
    int rc;
    (void)off;
    s->stats->lines = lineno;
    if (!line) {
        rc = puf_why(why, sizeof(why), "line is longer than %d bytes", PM_PUF_MAX_LINE);
    } else {
        rc = puf_split(line, len, &f, why, sizeof(why));
        if (rc == 1)
            return 0;
    }
    if (rc < 0) {
        if (++s->stats->malformed <= PUF_MAX_WARNINGS && s->warn)
            puf_warnf(s->warn, s->ctx, s->path, lineno, "malformed line skipped: %s", why);
        return 0;
    }
    /* Fields 1 and 2, and only when someone asks by address fields 7 and 3 (the scan's hot loop
     * need not strip "SMTP:" from every line for nothing). */
    struct puf_span keys[4];
    for (int k = 0; k < (s->by_smtp ? 4 : 2); k++)
        keys[k] = puf_fields_key(&f, k);
    for (size_t i = 0; i < s->nq; i++) {
        const struct puf_span *pair = &keys[s->q[i].by == PM_PUF_BY_SMTP ? 2 : 0];
        for (int kind = 0; kind < 2; kind++) {
            if (!s->keylens[i] || s->keylens[i] != pair[kind].len ||
                !puf_key_equal(s->keys[i], s->keylens[i], pair[kind].p, pair[kind].len))
                continue;
            rc = puf_consider(&s->q[i], kind, &f, lineno, s->path, s->warn, s->ctx);
            if (rc < 0)
                return rc;
        }
    }
    return 0;
}

static int puf_scan(const char *path, struct pm_puf_query *q, size_t nq, struct pm_puf_stats *stats,
                    pm_diag_fn warn, void *ctx, struct pm_error *err)
{
    FILE *f = puf_open(path, err);
    if (!f)
        return PM_ERR_IO;
    struct puf_scan s = {path, q, nq, NULL, NULL, stats, warn, ctx, 0};
    for (size_t i = 0; i < nq; i++)
        s.by_smtp |= q[i].by == PM_PUF_BY_SMTP;
    s.keys = calloc(nq ? nq : 1, sizeof(*s.keys));
    s.keylens = calloc(nq ? nq : 1, sizeof(*s.keylens));
    int rc = 0;
    if (!s.keys || !s.keylens)
        rc = PM_ERR_NOMEM;
    for (size_t i = 0; rc == 0 && i < nq; i++)
        s.keys[i] = puf_query_key(&q[i], &s.keylens[i]);
    if (rc == 0)
        rc = puf_stream(f, puf_scan_line, &s, &stats->bytes_read);
    fclose(f);
    free(s.keys);
    free(s.keylens);
    if (rc == PM_ERR_IO)
        return pm_error_set(err, PM_ERR_IO, path, 0, "puf file is unreadable: read failed");
    if (rc < 0)
        return pm_error_set(err, rc, path, 0, "out of memory");
    if (stats->malformed > PUF_MAX_WARNINGS)
        puf_warnf(warn, ctx, path, 0, "%" PM_PRIu64 " more malformed lines skipped",
                  PM_U64(stats->malformed - PUF_MAX_WARNINGS));
    return 0;
}

const char *pm_puf_index_state_name(int state)
{
    static const char *const names[] = {"off",        "used",    "missing", "stale",
                                        "old_format", "damaged", "not_used"};
    if (state >= 0 && (size_t)state < PM_ARRAY_SIZE(names))
        return names[state];
    return "unknown";
}

int pm_puf_resolve(const char *path, struct pm_puf_query *q, size_t nq, unsigned flags,
                   struct pm_puf_stats *stats, pm_diag_fn warn, void *ctx, struct pm_error *err)
{
    return pm_puf_resolve_open(path, NULL, q, nq, flags, stats, warn, ctx, err);
}

int pm_puf_resolve_open(const char *path, FILE *f, struct pm_puf_query *q, size_t nq,
                        unsigned flags, struct pm_puf_stats *stats, pm_diag_fn warn, void *ctx,
                        struct pm_error *err)
{
    return pm_puf_resolve_known(path, f, q, nq, flags, NULL, stats, warn, ctx, err);
}

int pm_puf_resolve_known(const char *path, FILE *f, struct pm_puf_query *q, size_t nq,
                         unsigned flags, const uint64_t *known_fp, struct pm_puf_stats *stats,
                         pm_diag_fn warn, void *ctx, struct pm_error *err)
{
    return pm_puf_resolve_ahead(path, f, q, nq, flags, known_fp, NULL, stats, warn, ctx, err);
}

int pm_puf_resolve_ahead(const char *path, FILE *f, struct pm_puf_query *q, size_t nq,
                         unsigned flags, const uint64_t *known_fp, struct pm_puf_ahead *ahead,
                         struct pm_puf_stats *stats, pm_diag_fn warn, void *ctx,
                         struct pm_error *err)
{
    struct pm_puf_stats local;
    if (ahead)
        ahead->n = 0;
    if (!stats)
        stats = &local;
    memset(stats, 0, sizeof(*stats));
    if (!path || (nq && !q))
        return pm_error_set(err, PM_ERR_INVALID, NULL, 0, "no puf file or queries given");
    for (size_t i = 0; i < nq; i++) {
        memset(&q[i].entry, 0, sizeof(q[i].entry));
        q[i].match = PM_PUF_NONE;
        q[i].conflict_line = 0;
    }
    if (flags & PM_PUF_NO_INDEX) {
        snprintf(stats->index_note, sizeof(stats->index_note), "index not used (--no-index)");
    } else {
        int rc = puf_index_resolve(path, f, known_fp, q, nq, ahead, stats, warn, ctx);
        if (rc == 1)
            return 0;
        if (rc < 0) {
            pm_puf_queries_release(q, nq);
            return pm_error_set(err, rc, path, 0, "out of memory");
        }
    }
    int rc = puf_scan(path, q, nq, stats, warn, ctx, err);
    if (rc < 0)
        pm_puf_queries_release(q, nq);
    return rc;
}
