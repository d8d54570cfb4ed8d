/* puf check (see pm/pufcheck.h): one streaming pass over the file that parses each line with the
 * update run's own parser, adds shape checks the run does not need, and remembers each source DN
 * and each source SMTP address (field 7), so duplicates and conflicts can be told apart; a second
 * pass looks each target DN up among the source DNs (loops). What is remembered per name is 8
 * bytes (a 32-bit fingerprint of its hash and the line that first had it) plus the line's file
 * offset: when a fingerprint matches, that line is read back and parsed again to compare the
 * names and targets themselves, so the result is exact while a 10^6-line PUF is checked in a few
 * tens of MiB. Bounded by PM_PUFCHECK_MAX_ENTRIES. */
#include "compat.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pm/os.h"
#include "pm/puf.h"
#include "pm/pufcheck.h"

/* Open addressing over 64-bit slots: the high 32 bits of a name's hash (its fingerprint, from
 * which the home slot is also taken, so the table can grow without the names) and the line that
 * first had the name. 0 is an empty slot (lines count from 1). */
struct ftab {
    uint64_t *slots;
    size_t cap, n;
};

enum key_kind { KEY_SOURCE, KEY_SMTP, KEY_TARGET };

struct checker {
    const char *path;
    struct pm_pufcheck_stats *st;
    pm_diag_fn report;
    void *ctx;
    struct ftab sources; /* source DN key -> first line */
    struct ftab smtps;   /* source SMTP (field 7) -> first line */
    struct ftab hits;    /* target DNs found among the sources (second pass) */
    uint64_t *off;       /* file offset of each line, [line - 1] */
    size_t noff, capoff;
    FILE *back;             /* the file again, to read earlier lines back */
    char *bbuf;             /* their text */
    struct pm_puf_entry be; /* and the entry parsed from it */
    int have_be;
    const struct pm_progress *progress;
    unsigned long long size; /* of the file: the progress total is two passes over it */
};
static void problem(struct checker *c, unsigned line, const char *fmt, ...) PM_PRINTF(3, 4);
static void problem(struct checker *c, unsigned line, const char *fmt, ...)
{
    c->st->problems++;
    if (!c->report)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    c->report(c->ctx, c->path, line, msg);
}

/* "/o=Org/ou=Group/cn=Recipients/cn=name": every part "/<letters>=<something>", first is o=. */
static const char *dn_shape(const char *dn)
{
    size_t n;
    const char *k = pm_puf_dn_key(dn, strlen(dn), &n);
    if (n < 4 || pm_ascii_ncasecmp(k, "/o=", 3) != 0)
        return "does not start with \"/o=\"";
    size_t i = 0;
    while (i < n) {
        if (k[i] != '/')
            return "is not a sequence of /name=value parts";
        size_t j = i + 1;
        while (j < n && ((k[j] >= 'a' && k[j] <= 'z') || (k[j] >= 'A' && k[j] <= 'Z')))
            j++;
        if (j == i + 1 || j >= n || k[j] != '=')
            return "is not a sequence of /name=value parts";
        i = j + 1;
        size_t v = i;
        while (i < n && k[i] != '/')
            i++;
        if (i == v)
            return "has an empty part";
    }
    return NULL;
}

static const char *smtp_shape(const char *s)
{
    const char *at = strchr(s, '@');
    if (!at || at == s)
        return "has no local part before '@'";
    if (strchr(at + 1, '@'))
        return "has more than one '@'";
    const char *dom = at + 1;
    if (!*dom || !strchr(dom, '.') || *dom == '.' || dom[strlen(dom) - 1] == '.' ||
        strstr(dom, ".."))
        return "has no valid domain";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p <= ' ' || strchr("<>()[]\\,;:\"", *p))
            return "contains a blank or a character not allowed in an address";
    return NULL;
}

static uint64_t fold_hash(uint64_t h, const char *s)
{
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        h ^= (c >= 'A' && c <= 'Z') ? c + 32u : c;
        h *= 1099511628211ULL;
    }
    h ^= 0xff; /* field separator, so "ab|c" and "a|bc" differ */
    return h * 1099511628211ULL;
}

/* Hash of a name compared ASCII case-insensitively (as the run compares DNs and addresses). */
static uint64_t name_hash(const char *k, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)k[i];
        h ^= (c >= 'A' && c <= 'Z') ? c + 32u : c;
        h *= 1099511628211ULL;
    }
    h ^= h >> 33; /* finish: the fingerprint's low bits pick the slot */
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

/* The hash of the target a line gives (target DN and SMTP address; with 'all', the target
 * server fields too): two lines agree on their target when these are equal. */
static uint64_t target_hash(const struct pm_puf_entry *e, int all)
{
    size_t tl;
    const char *tk = pm_puf_dn_key(e->target_dn, strlen(e->target_dn), &tl);
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < tl; i++) {
        unsigned char c = (unsigned char)tk[i];
        h ^= (c >= 'A' && c <= 'Z') ? c + 32u : c;
        h *= 1099511628211ULL;
    }
    h ^= 0xff;
    h *= 1099511628211ULL;
    h = fold_hash(h, e->target_smtp);
    if (all) {
        h = fold_hash(h, e->target_server);
        h = fold_hash(h, e->target_server_dn);
    }
    return h;
}

static const char *entry_key(const struct pm_puf_entry *e, enum key_kind kind, size_t *n)
{
    if (kind == KEY_SMTP) {
        *n = e->source_smtp ? strlen(e->source_smtp) : 0;
        return e->source_smtp ? e->source_smtp : "";
    }
    const char *dn = kind == KEY_SOURCE ? e->source_dn : e->target_dn;
    return pm_puf_dn_key(dn, strlen(dn), n);
}

static void back_release(struct checker *c)
{
    if (c->have_be)
        pm_puf_entry_release(&c->be);
    c->have_be = 0;
}

/* Reads line 'line' back and parses it into c->be. 0, or PM_ERR_IO when it cannot be read or no
 * longer parses (the file changed under the check), PM_ERR_NOMEM. */
static int read_back(struct checker *c, unsigned line)
{
    back_release(c);
    if (!c->back && !(c->back = fopen(c->path, "rb")))
        return PM_ERR_IO;
    if (!c->bbuf && !(c->bbuf = malloc(PM_PUF_MAX_LINE + 2)))
        return PM_ERR_NOMEM;
    if (line == 0 || line > c->noff || pm_os_seek(c->back, (long long)c->off[line - 1]) != 0)
        return PM_ERR_IO;
    size_t n = fread(c->bbuf, 1, PM_PUF_MAX_LINE + 1, c->back);
    char *nl = memchr(c->bbuf, '\n', n);
    if (nl)
        n = (size_t)(nl - c->bbuf);
    if (n > PM_PUF_MAX_LINE)
        return PM_ERR_IO;
    const char *text = c->bbuf;
    if (line == 1 && n >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
        text += 3, n -= 3;
    char why[256];
    if (pm_puf_parse_line(text, n, line, &c->be, why, sizeof(why)) != 0)
        return PM_ERR_IO;
    c->have_be = 1;
    return 0;
}

static int ftab_grow(struct ftab *t)
{
    size_t ncap = t->cap ? t->cap * 2 : 1024;
    uint64_t *ns = calloc(ncap, sizeof(*ns));
    if (!ns)
        return PM_ERR_NOMEM;
    for (size_t i = 0; i < t->cap; i++) {
        if (!t->slots[i])
            continue;
        size_t j = (size_t)(t->slots[i] >> 32) & (ncap - 1);
        while (ns[j])
            j = (j + 1) & (ncap - 1);
        ns[j] = t->slots[i];
    }
    free(t->slots);
    t->slots = ns;
    t->cap = ncap;
    return 0;
}

/* Looks the name 'k' (of kind 'kind') up in t: the first line that had it (c->be then holds
 * that line's entry), or 0 with *slot at the free slot where it would go; or a negative error. */
static long long ftab_find(struct checker *c, struct ftab *t, enum key_kind kind, const char *k,
                           size_t kn, size_t *slot)
{
    uint64_t fp = name_hash(k, kn) >> 32;
    size_t j = (size_t)fp & (t->cap - 1);
    for (; t->slots[j]; j = (j + 1) & (t->cap - 1)) {
        if (t->slots[j] >> 32 != fp)
            continue;
        unsigned first = (unsigned)(t->slots[j] & 0xffffffffu);
        int rc = read_back(c, first);
        if (rc < 0)
            return rc;
        size_t on;
        const char *ok = entry_key(&c->be, kind, &on);
        if (on == kn && pm_ascii_ncasecmp(ok, k, kn) == 0)
            return first;
    }
    *slot = j;
    return 0;
}

/* Finds the name 'k' (of kind 'kind') in t, or adds it with 'line'. Returns the first line that
 * had it (c->be then holds that line's entry), 0 when it was added, or a negative error. */
static long long ftab_put(struct checker *c, struct ftab *t, enum key_kind kind, const char *k,
                          size_t kn, unsigned line)
{
    if (t->n >= PM_PUFCHECK_MAX_ENTRIES)
        return PM_ERR_LIMIT;
    if ((t->n + 1) * 4 > t->cap * 3 && ftab_grow(t) < 0)
        return PM_ERR_NOMEM;
    size_t j = 0;
    long long first = ftab_find(c, t, kind, k, kn, &j);
    if (first != 0)
        return first;
    t->slots[j] = (name_hash(k, kn) >> 32) << 32 | line;
    t->n++;
    return 0;
}

/* Like ftab_put without adding: the first line with the name, or 0. */
static long long ftab_get(struct checker *c, struct ftab *t, enum key_kind kind, const char *k,
                          size_t kn)
{
    size_t j;
    return t->cap ? ftab_find(c, t, kind, k, kn, &j) : 0;
}

/* Field 7 names one source mailbox: the lines that carry it (the mailbox's own and those of its
 * old X500 names) must agree on the target, or a run looking a shared mailbox up by address
 * finds a conflict and leaves it alone. The same source DN twice is reported by DN already. */
static int check_smtp(struct checker *c, const struct pm_puf_entry *e, unsigned line)
{
    long long first =
        ftab_put(c, &c->smtps, KEY_SMTP, e->source_smtp, strlen(e->source_smtp), line);
    if (first <= 0)
        return (int)first;
    /* c->be is the first line with this address */
    size_t sl, fl;
    const char *sk = pm_puf_dn_key(e->source_dn, strlen(e->source_dn), &sl);
    const char *fk = pm_puf_dn_key(c->be.source_dn, strlen(c->be.source_dn), &fl);
    int same_source = sl == fl && pm_ascii_ncasecmp(sk, fk, sl) == 0;
    if (target_hash(&c->be, 0) != target_hash(e, 0) && !same_source) {
        c->st->conflicts++;
        problem(c, line,
                "source SMTP (field 7) '%s' repeats line %u with a different target: runs "
                "will skip it",
                e->source_smtp, (unsigned)first);
    }
    return 0;
}

static int check_entry(struct checker *c, const struct pm_puf_entry *e, unsigned line)
{
    const char *why;
    if ((why = dn_shape(e->source_dn)))
        problem(c, line, "field 1 (source DN) '%s' %s", e->source_dn, why);
    if ((why = dn_shape(e->target_dn)))
        problem(c, line, "field 2 (target DN) '%s' %s", e->target_dn, why);
    if ((why = smtp_shape(e->target_smtp)))
        problem(c, line, "field 3 (target SMTP) '%s' %s", e->target_smtp, why);
    if (e->target_server && strpbrk(e->target_server, " /\\"))
        problem(c, line, "field 5 (target server) '%s' is not a server name or <guid>@<domain>",
                e->target_server);
    if (e->target_server_dn && (why = dn_shape(e->target_server_dn)))
        problem(c, line, "field 6 (target server DN) '%s' %s", e->target_server_dn, why);
    if (e->source_smtp && (why = smtp_shape(e->source_smtp)))
        problem(c, line, "field 7 (source SMTP) '%s' %s", e->source_smtp, why);
    if (e->target_upn && (why = smtp_shape(e->target_upn)))
        problem(c, line, "field 8 (target sign-in name) '%s' %s", e->target_upn, why);

    size_t sl, tl;
    const char *sk = pm_puf_dn_key(e->source_dn, strlen(e->source_dn), &sl);
    const char *tk = pm_puf_dn_key(e->target_dn, strlen(e->target_dn), &tl);
    if (sl == tl && sl && !pm_ascii_ncasecmp(sk, tk, sl))
        problem(c, line, "source and target DN are the same");

    long long first = ftab_put(c, &c->sources, KEY_SOURCE, sk, sl, line);
    if (first < 0)
        return (int)first;
    if (first > 0) {
        /* c->be is the first line with this source DN */
        if (target_hash(&c->be, 1) == target_hash(e, 1)) {
            c->st->duplicates++;
            problem(c, line, "source DN repeats line %u (same target)", (unsigned)first);
        } else {
            c->st->conflicts++;
            problem(c, line, "source DN repeats line %u with a different target: runs will skip it",
                    (unsigned)first);
        }
    }
    /* A run compares target DN and SMTP only when field 7 repeats (see puf_consider). */
    return e->source_smtp ? check_smtp(c, e, line) : 0;
}

/* Second pass, on each well-formed entry in line order: a target DN that is also a source DN is
 * reported on the first line that has it as a target (the later ones are the same loop). Such a
 * PUF would re-point an updated profile a second time. */
static int check_loop(struct checker *c, const struct pm_puf_entry *e, unsigned line)
{
    size_t tl;
    const char *tk = pm_puf_dn_key(e->target_dn, strlen(e->target_dn), &tl);
    long long sline = ftab_get(c, &c->sources, KEY_SOURCE, tk, tl);
    if (sline <= 0)
        return (int)sline;
    long long seen = ftab_put(c, &c->hits, KEY_TARGET, tk, tl, line);
    if (seen != 0)
        return seen < 0 ? (int)seen : 0;
    if ((unsigned)sline == line)
        return 0; /* same line: reported as "the same" already */
    c->st->loops++;
    problem(c, line,
            "target DN is the source DN of line %u: an updated profile would match again (loop)",
            (unsigned)sline);
    return 0;
}

/* Lines of the file read through one buffer. A line keeps at most PM_PUF_MAX_LINE bytes
 * (*overlong set beyond); *nul is set when it holds a NUL byte (fgets() could not tell). */
struct reader {
    FILE *f;
    char *buf;
    size_t len, pos;
    uint64_t off; /* file offset of buf[0] */
};
#define READ_BUF ((size_t)256 << 10)

/* 0 at the end of the file, 1 for a line (in 'line', '*len' bytes, at file offset '*at'). */
static int read_line(struct reader *rd, char *line, size_t *len, uint64_t *at, int *nul,
                     int *overlong)
{
    size_t n = 0;
    int any = 0;
    *nul = *overlong = 0;
    *at = rd->off + rd->pos;
    for (;;) {
        if (rd->pos == rd->len) {
            rd->off += rd->len;
            rd->len = fread(rd->buf, 1, READ_BUF, rd->f);
            rd->pos = 0;
            if (!rd->len)
                break;
        }
        const char *p = rd->buf + rd->pos;
        size_t avail = rd->len - rd->pos;
        const char *nl = memchr(p, '\n', avail);
        size_t take = nl ? (size_t)(nl - p) : avail;
        any = 1;
        if (memchr(p, 0, take))
            *nul = 1;
        size_t keep = take < PM_PUF_MAX_LINE - n ? take : PM_PUF_MAX_LINE - n;
        memcpy(line + n, p, keep);
        n += keep;
        if (keep < take)
            *overlong = 1;
        rd->pos += take + (nl != NULL);
        if (nl)
            break;
    }
    if (!any)
        return 0;
    line[n] = 0;
    *len = n;
    return 1;
}

/* Parses one line read with read_line. 1 and *e filled for a well-formed entry; 0 for a comment,
 * a blank or a malformed line (reported when 'report'). */
static int parse_line(struct checker *c, const char *buf, size_t n, int nul, int overlong,
                      unsigned lineno, int report, struct pm_puf_entry *e)
{
    struct pm_pufcheck_stats *st = c->st;
    if (overlong || nul) {
        if (!report)
            return 0;
        st->malformed++;
        if (overlong)
            problem(c, lineno, "line is longer than %d bytes", PM_PUF_MAX_LINE);
        else
            problem(c, lineno, "line contains a NUL byte");
        return 0;
    }
    const char *line = buf;
    if (lineno == 1 && n >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3))
        line += 3, n -= 3;
    if (!pm_utf8_valid(line, n)) {
        if (report) {
            st->malformed++;
            problem(c, lineno, "line is not valid UTF-8");
        }
        return 0;
    }
    char why[256] = "";
    int prc = pm_puf_parse_line(line, n, lineno, e, why, sizeof(why));
    if (prc == 1)
        return 0;
    if (prc < 0) {
        if (report) {
            st->malformed++;
            problem(c, lineno, "%s", why[0] ? why : "malformed line");
        }
        return 0;
    }
    return 1;
}

/* One pass over the file: the first checks each line and remembers names, the second looks
 * for loops. Negative only when the check cannot go on. */
static int check_pass(struct checker *c, FILE *f, char *buf, int second, unsigned *lineno)
{
    struct reader rd = {f, NULL, 0, 0, 0};
    if (!(rd.buf = malloc(READ_BUF)))
        return PM_ERR_NOMEM;
    int rc = 0, nul, overlong;
    size_t n;
    uint64_t at, shown = 0;
    *lineno = 0;
    while (rc == 0 && read_line(&rd, buf, &n, &at, &nul, &overlong)) {
        ++*lineno;
        if (rd.off != shown) { /* a buffer further */
            shown = rd.off;
            pm_progress_update(c->progress, (second ? c->size : 0) + shown, 2 * c->size);
        }
        if (!second) {
            c->st->lines++;
            if (c->noff == c->capoff) {
                size_t nc = c->capoff ? c->capoff * 2 : 4096;
                uint64_t *no = realloc(c->off, nc * sizeof(*no));
                if (!no) {
                    rc = PM_ERR_NOMEM;
                    break;
                }
                c->off = no;
                c->capoff = nc;
            }
            c->off[c->noff++] = at;
        }
        struct pm_puf_entry e;
        if (!parse_line(c, buf, n, nul, overlong, *lineno, !second, &e))
            continue;
        if (!second)
            c->st->entries++;
        rc = second ? check_loop(c, &e, *lineno) : check_entry(c, &e, *lineno);
        pm_puf_entry_release(&e);
    }
    if (rc == 0 && ferror(f))
        rc = PM_ERR_IO;
    free(rd.buf);
    return rc;
}

/* The index runs would use with this file: judged as a run judges it (pm_puf_index_status). */
static int check_index(const char *path, struct pm_pufcheck_stats *st)
{
    struct pm_puf_stats ps;
    int rc = pm_puf_index_status(path, &ps);
    if (rc < 0)
        return rc;
    st->index_state = ps.index_state;
    snprintf(st->index_note, sizeof(st->index_note), "%s", ps.index_note);
    return 0;
}

int pm_puf_check(const char *path, struct pm_pufcheck_stats *st, pm_diag_fn report, void *ctx,
                 struct pm_error *err)
{
    return pm_puf_check_progress(path, st, report, ctx, NULL, err);
}

int pm_puf_check_progress(const char *path, struct pm_pufcheck_stats *st, pm_diag_fn report,
                          void *ctx, const struct pm_progress *progress, struct pm_error *err)
{
    memset(st, 0, sizeof(*st));
    FILE *f = fopen(path, "rb");
    if (!f)
        return pm_error_set(err, PM_ERR_IO, path, 0, "cannot open the PUF");
    struct checker c;
    memset(&c, 0, sizeof(c));
    c.path = path, c.st = st, c.report = report, c.ctx = ctx, c.progress = progress;
    long long size = pm_os_file_size(path);
    c.size = size > 0 ? (unsigned long long)size : 0;
    char *buf = malloc(PM_PUF_MAX_LINE + 2);
    unsigned lineno = 0;
    int rc = buf ? check_pass(&c, f, buf, 0, &lineno) : PM_ERR_NOMEM;
    if (rc == 0 && c.sources.n) {
        rewind(f);
        rc = check_pass(&c, f, buf, 1, &lineno);
    }
    fclose(f);
    free(buf);
    if (rc == 0)
        pm_progress_update(progress, 2 * c.size, 2 * c.size);
    if (rc == 0)
        rc = check_index(path, st);
    back_release(&c);
    if (c.back)
        fclose(c.back);
    free(c.bbuf);
    free(c.sources.slots), free(c.smtps.slots), free(c.hits.slots);
    free(c.off);
    if (rc == PM_ERR_IO)
        return pm_error_set(err, PM_ERR_IO, path, lineno, "cannot read the PUF");
    if (rc == PM_ERR_LIMIT)
        return pm_error_set(err, rc, path, lineno, "more than %u source DNs or addresses",
                            PM_PUFCHECK_MAX_ENTRIES);
    if (rc == PM_ERR_NOMEM)
        return pm_error_set(err, rc, path, lineno, "out of memory");
    return rc;
}
