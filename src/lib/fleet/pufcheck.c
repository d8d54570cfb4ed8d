/* puf check (see pm/pufcheck.h): one streaming pass over the file that parses each line with the
 * update run's own parser, adds shape checks the run does not need, and remembers each source DN
 * (with a hash of its target), each target DN and each source SMTP address (field 7), so
 * duplicates, conflicts and loops can be told apart. Memory grows with the number of distinct DNs
 * and addresses, bounded by PM_PUFCHECK_MAX_ENTRIES. */
#include "compat.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pm/puf.h"
#include "pm/pufcheck.h"
#include "strmap.h"

struct seen {
    unsigned line;
    uint64_t target_hash;
    uint64_t source_hash; /* of the source DN: tells an X500 line from another mailbox */
};

struct checker {
    const char *path;
    struct pm_pufcheck_stats *st;
    pm_diag_fn report;
    void *ctx;
    struct strmap sources; /* source DN key -> struct seen */
    struct strmap targets; /* target DN key -> first line (as pointer-sized integer) */
    struct strmap smtps;   /* source SMTP (field 7) -> struct seen */
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

/* Field 7 names one source mailbox: the lines that carry it (the mailbox's own and those of its
 * old X500 names) must agree on the target, or a run looking a shared mailbox up by address
 * finds a conflict and leaves it alone. The same source DN twice is reported by DN already. */
static int check_smtp(struct checker *c, const struct pm_puf_entry *e, unsigned line,
                      uint64_t target_hash)
{
    size_t sl;
    const char *sk = pm_puf_dn_key(e->source_dn, strlen(e->source_dn), &sl);
    char *skey = pm_strndup(sk, sl);
    if (!skey)
        return PM_ERR_NOMEM;
    uint64_t sh = fold_hash(1469598103934665603ULL, skey);
    free(skey);
    if (c->smtps.n >= PM_PUFCHECK_MAX_ENTRIES)
        return PM_ERR_LIMIT;
    void **v;
    int rc = strmap_put(&c->smtps, e->source_smtp, strlen(e->source_smtp), &v);
    if (rc < 0)
        return rc;
    if (rc == 0) {
        const struct seen *first = *v;
        if (first->target_hash != target_hash && first->source_hash != sh) {
            c->st->conflicts++;
            problem(c, line,
                    "source SMTP (field 7) '%s' repeats line %u with a different target: runs "
                    "will skip it",
                    e->source_smtp, first->line);
        }
        return 0;
    }
    struct seen *s = malloc(sizeof(*s));
    if (!s)
        return PM_ERR_NOMEM;
    s->line = line;
    s->target_hash = target_hash;
    s->source_hash = sh;
    *v = s;
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
    uint64_t th = 1469598103934665603ULL;
    char *tkey = pm_strndup(tk, tl);
    if (!tkey)
        return PM_ERR_NOMEM;
    th = fold_hash(th, tkey);
    th = fold_hash(th, e->target_smtp);
    /* A run compares target DN and SMTP only when field 7 repeats (see puf_consider). */
    uint64_t run_th = th;
    th = fold_hash(th, e->target_server);
    th = fold_hash(th, e->target_server_dn);
    free(tkey);

    if (c->sources.n >= PM_PUFCHECK_MAX_ENTRIES)
        return PM_ERR_LIMIT;
    void **v;
    int rc = strmap_put(&c->sources, sk, sl, &v);
    if (rc < 0)
        return rc;
    if (rc == 0) {
        const struct seen *first = *v;
        if (first->target_hash == th) {
            c->st->duplicates++;
            problem(c, line, "source DN repeats line %u (same target)", first->line);
        } else {
            c->st->conflicts++;
            problem(c, line, "source DN repeats line %u with a different target: runs will skip it",
                    first->line);
        }
    } else {
        struct seen *s = malloc(sizeof(*s));
        if (!s)
            return PM_ERR_NOMEM;
        s->line = line;
        s->target_hash = th;
        s->source_hash = 0;
        *v = s;
    }
    rc = strmap_put(&c->targets, tk, tl, &v);
    if (rc < 0)
        return rc;
    if (rc == 1)
        *v = (void *)(uintptr_t)line;
    return e->source_smtp ? check_smtp(c, e, line, run_th) : 0;
}

/* Loops are reported in line order of the target, so the output is stable. */
struct loop_hit {
    unsigned tline, sline;
    const char *dn;
};

static int cmp_hits(const void *a, const void *b)
{
    const struct loop_hit *x = a, *y = b;
    return x->tline < y->tline ? -1 : x->tline > y->tline;
}

struct loop_collect {
    const struct strmap *sources;
    struct loop_hit *hits;
    size_t n, cap;
    int rc;
};

static int collect_loop(void *ctx, const char *key, void *val)
{
    struct loop_collect *lc = ctx;
    void **s = strmap_get(lc->sources, key, strlen(key));
    if (!s)
        return 0;
    if (lc->n == lc->cap) {
        size_t ncap = lc->cap ? lc->cap * 2 : 16;
        struct loop_hit *nh = realloc(lc->hits, ncap * sizeof(*nh));
        if (!nh) {
            lc->rc = PM_ERR_NOMEM;
            return 1;
        }
        lc->hits = nh;
        lc->cap = ncap;
    }
    const struct seen *src = *s;
    lc->hits[lc->n++] = (struct loop_hit){(unsigned)(uintptr_t)val, src->line, key};
    return 0;
}

/* Reads one line by hand: fgets() cannot tell a NUL byte from the end of the line. At most
 * PM_PUF_MAX_LINE bytes are kept (and *overlong set); *nul is set when the line holds a NUL byte.
 * 0 at the end of the file, else 1. */
static int read_line(FILE *f, char *buf, size_t *len, int *nul, int *overlong)
{
    size_t n = 0;
    int ch, any = 0;
    *nul = *overlong = 0;
    while ((ch = getc(f)) != EOF) {
        any = 1;
        if (ch == '\n')
            break;
        if (ch == 0)
            *nul = 1;
        if (n < PM_PUF_MAX_LINE)
            buf[n++] = (char)ch;
        else
            *overlong = 1;
    }
    if (!any)
        return 0;
    buf[n] = 0;
    *len = n;
    return 1;
}

/* Checks one line read with read_line: a malformed line is counted and reported and the check
 * goes on; a well-formed entry is checked against the lines before it. Negative only when the
 * check cannot go on (out of memory, too many entries). */
static int check_line(struct checker *c, const char *buf, size_t n, int nul, int overlong,
                      unsigned lineno)
{
    struct pm_pufcheck_stats *st = c->st;
    if (overlong || nul) {
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
        st->malformed++;
        problem(c, lineno, "line is not valid UTF-8");
        return 0;
    }
    struct pm_puf_entry e;
    char why[256] = "";
    int prc = pm_puf_parse_line(line, n, lineno, &e, why, sizeof(why));
    if (prc == 1)
        return 0;
    if (prc < 0) {
        st->malformed++;
        problem(c, lineno, "%s", why[0] ? why : "malformed line");
        return 0;
    }
    st->entries++;
    int rc = check_entry(c, &e, lineno);
    pm_puf_entry_release(&e);
    return rc;
}

/* After the last line: every target DN that is also a source DN on another line, in line
 * order. Such a PUF would re-point an updated profile a second time. */
static int report_loops(struct checker *c)
{
    struct loop_collect lc = {&c->sources, NULL, 0, 0, 0};
    strmap_each(&c->targets, collect_loop, &lc);
    int rc = lc.rc;
    if (rc == 0) {
        if (lc.n)
            qsort(lc.hits, lc.n, sizeof(*lc.hits), cmp_hits);
        for (size_t i = 0; i < lc.n; i++) {
            if (lc.hits[i].tline == lc.hits[i].sline)
                continue; /* same line: reported as "the same" already */
            c->st->loops++;
            problem(c, lc.hits[i].tline,
                    "target DN is the source DN of line %u: an updated profile would "
                    "match again (loop)",
                    lc.hits[i].sline);
        }
    }
    free(lc.hits);
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
    memset(st, 0, sizeof(*st));
    FILE *f = fopen(path, "rb");
    if (!f)
        return pm_error_set(err, PM_ERR_IO, path, 0, "cannot open the PUF");
    struct checker c = {path, st, report, ctx, STRMAP_INIT, STRMAP_INIT, STRMAP_INIT};
    char *buf = malloc(PM_PUF_MAX_LINE + 2);
    unsigned lineno = 0;
    int rc = buf ? 0 : PM_ERR_NOMEM;
    size_t n;
    int nul, overlong;
    while (rc == 0 && read_line(f, buf, &n, &nul, &overlong)) {
        lineno++;
        st->lines++;
        rc = check_line(&c, buf, n, nul, overlong, lineno);
    }
    if (rc == 0 && ferror(f))
        rc = pm_error_set(err, PM_ERR_IO, path, lineno, "cannot read the PUF");
    fclose(f);
    free(buf);
    if (rc == 0)
        rc = report_loops(&c);
    if (rc == 0)
        rc = check_index(path, st);
    strmap_release(&c.sources, free);
    strmap_release(&c.targets, NULL);
    strmap_release(&c.smtps, free);
    if (rc == PM_ERR_LIMIT)
        return pm_error_set(err, rc, path, lineno, "more than %u source DNs or addresses",
                            PM_PUFCHECK_MAX_ENTRIES);
    if (rc == PM_ERR_NOMEM)
        return pm_error_set(err, rc, path, lineno, "out of memory");
    return rc;
}
