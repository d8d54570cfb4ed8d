/* puf build: joins the mailbox exports of the source and the target organisation and writes
 * mbm.puf (see pm/pufbuild.h). Both exports are loaded (an admin tool, tens of thousands of rows
 * at most), the target side is indexed by the join key, and every source row either yields its
 * PUF lines or is reported with its CSV line: a key that matches nothing or more than one target
 * is never resolved by guessing. Each line written is checked with the PUF parser the update run
 * uses, so the builder cannot write what a run would skip. */
#include "compat.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pm/csv.h"
#include "pm/log.h"
#include "pm/os.h"
#include "pm/puf.h"
#include "pm/pufbuild.h"
#include "strmap.h"

#define AMBIGUOUS ((void *)(uintptr_t)-1)
/* Values of the map of source DNs: in the PUF before this run, or written by it. */
#define IN_PUF ((void *)(uintptr_t)1)
#define WRITTEN ((void *)(uintptr_t)2)

/* One row of an export as the build needs it: its strings in one allocation (starting at dn),
 * trimmed, never NULL. Only the proxies a build writes are kept: the source's X500 ones
 * (consecutive strings from 'proxies' on); the SMTP proxies a join looks up are indexed while the
 * export is read and not kept. */
struct mbx {
    unsigned line, nproxies;
    const char *dn, *smtp, *display, *alias, *upn, *guid, *archive, *proxies;
};

struct side {
    const char *path;
    struct mbx *rows;
    size_t n;
};

static void side_release(struct side *s)
{
    for (size_t i = 0; i < s->n; i++)
        free((char *)s->rows[i].dn);
    free(s->rows);
    s->rows = NULL;
    s->n = 0;
}

static int has_prefix(const char *s, const char *p)
{
    size_t n = strlen(p);
    return strlen(s) >= n && pm_ascii_ncasecmp(s, p, n) == 0;
}

/* A proxy starts where a separator is followed by "<type>:" with a short alphanumeric type. */
static int proxy_start(const char *s)
{
    size_t i = 0;
    while (i < 16 && ((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
                      (s[i] >= '0' && s[i] <= '9')))
        i++;
    return i > 0 && s[i] == ':';
}

static int is_sep(char c)
{
    return c == ' ' || c == ';' || c == ',' || c == '\n' || c == '\r' || c == '\t';
}

int pm_puf_split_proxies(const char *cell, struct pm_strlist *out)
{
    const char *p = cell;
    while (*p && (is_sep(*p) || *p == '{'))
        p++;
    while (*p) {
        const char *start = p, *q = p;
        while (*q) {
            if (is_sep(*q)) {
                const char *r = q;
                while (*r && is_sep(*r))
                    r++;
                if (!*r || proxy_start(r) || *r == '}')
                    break;
                q = r;
                continue;
            }
            if (*q == '}' && !q[1])
                break;
            q++;
        }
        size_t n = (size_t)(q - start);
        if (n) {
            int rc = pm_strlist_addn(out, start, n);
            if (rc < 0)
                return rc;
        }
        p = q;
        while (*p && (is_sep(*p) || *p == '}'))
            p++;
    }
    return 0;
}

int pm_puf_join_parse(const char *arg, enum pm_puf_join *join, const char **map_path)
{
    *map_path = NULL;
    if (!strcmp(arg, "smtp"))
        *join = PM_PUF_JOIN_SMTP;
    else if (!strcmp(arg, "alias"))
        *join = PM_PUF_JOIN_ALIAS;
    else if (!strcmp(arg, "upn"))
        *join = PM_PUF_JOIN_UPN;
    else if (!strncmp(arg, "map:", 4) && arg[4]) {
        *join = PM_PUF_JOIN_MAP;
        *map_path = arg + 4;
    } else
        return PM_ERR_INVALID;
    return 0;
}

/* s without blanks around it (and line breaks at its end): *n bytes from the result. */
static const char *trim_span(const char *s, size_t *n)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t l = strlen(s);
    while (l && (s[l - 1] == ' ' || s[l - 1] == '\t' || s[l - 1] == '\r' || s[l - 1] == '\n'))
        l--;
    *n = l;
    return s;
}

static int index_row(struct strmap *map, const struct mbx *m, const struct pm_strlist *proxies,
                     size_t i, enum pm_puf_join join);

/* Reads an export. Each row is indexed into 'index' (when not NULL) by the identities 'join'
 * uses, and kept with its X500 proxies when 'x500' is set. */
static int load_side(struct side *s, const char *path, int need_smtp, struct strmap *index,
                     enum pm_puf_join join, int x500, const struct pm_progress *progress,
                     struct pm_error *err)
{
    struct pm_csv *c;
    int rc = pm_csv_open_progress(&c, path, progress, err);
    if (rc < 0)
        return rc;
    s->path = path;
    long cdn = pm_csv_column(c, "LegacyExchangeDN");
    long csmtp = pm_csv_column(c, "PrimarySmtpAddress");
    if (cdn < 0 || (need_smtp && csmtp < 0)) {
        pm_csv_close(c);
        return pm_error_set(err, PM_ERR_PARSE, path, 1, "no '%s' column in the export",
                            cdn < 0 ? "LegacyExchangeDN" : "PrimarySmtpAddress");
    }
    long cols[7] = {cdn,
                    csmtp,
                    pm_csv_column(c, "DisplayName"),
                    pm_csv_column(c, "Alias"),
                    pm_csv_column(c, "UserPrincipalName"),
                    pm_csv_column(c, "ExchangeGuid"),
                    pm_csv_column(c, "ArchiveGuid")};
    long cmail = pm_csv_column(c, "EmailAddresses");
    size_t cap = 0;
    unsigned line;
    struct pm_strlist px = PM_STRLIST_INIT;
    while ((rc = pm_csv_next(c, NULL, NULL, &line, err)) > 0) {
        if (s->n == cap) {
            size_t ncap = cap ? cap * 2 : 256;
            struct mbx *nr = realloc(s->rows, ncap * sizeof(*nr));
            if (!nr) {
                rc = PM_ERR_NOMEM;
                break;
            }
            s->rows = nr;
            cap = ncap;
        }
        pm_strlist_release(&px);
        if (pm_puf_split_proxies(pm_csv_field(c, cmail), &px) < 0) {
            rc = PM_ERR_NOMEM;
            break;
        }
        const char *v[7];
        size_t vl[7], size = 0;
        for (size_t k = 0; k < 7; k++) {
            v[k] = trim_span(pm_csv_field(c, cols[k]), &vl[k]);
            size += vl[k] + 1;
        }
        unsigned nx = 0;
        for (size_t k = 0; x500 && k < px.n; k++)
            if (has_prefix(px.items[k], "x500:"))
                size += strlen(px.items[k]) + 1, nx++;
        char *block = malloc(size), *p = block;
        if (!block) {
            rc = PM_ERR_NOMEM;
            break;
        }
        const char **dst[7];
        struct mbx *m = &s->rows[s->n];
        memset(m, 0, sizeof(*m));
        dst[0] = &m->dn, dst[1] = &m->smtp, dst[2] = &m->display, dst[3] = &m->alias;
        dst[4] = &m->upn, dst[5] = &m->guid, dst[6] = &m->archive;
        for (size_t k = 0; k < 7; k++) {
            *dst[k] = p;
            memcpy(p, v[k], vl[k]);
            p[vl[k]] = 0;
            p += vl[k] + 1;
        }
        m->proxies = p;
        m->nproxies = nx;
        for (size_t k = 0; x500 && k < px.n; k++)
            if (has_prefix(px.items[k], "x500:")) {
                size_t l = strlen(px.items[k]) + 1;
                memcpy(p, px.items[k], l);
                p += l;
            }
        m->line = line;
        s->n++;
        if (index && (rc = index_row(index, m, &px, s->n - 1, join)) < 0)
            break;
    }
    pm_strlist_release(&px);
    pm_csv_close(c);
    /* give the doubling's slack back: the rows live until the end of the build */
    if (s->n && s->n < cap) {
        struct mbx *nr = realloc(s->rows, s->n * sizeof(*nr));
        if (nr)
            s->rows = nr;
    }
    if (rc == PM_ERR_NOMEM)
        return pm_error_set(err, rc, path, 0, "out of memory reading the export");
    return rc;
}

static void diag(pm_diag_fn fn, void *ctx, const char *where, unsigned line, const char *fmt, ...)
    PM_PRINTF(5, 6);
static void diag(pm_diag_fn fn, void *ctx, const char *where, unsigned line, const char *fmt, ...)
{
    if (!fn)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    fn(ctx, where, line, msg);
}

/* Adds key -> row i; a key already held by another row becomes AMBIGUOUS. */
static int index_key(struct strmap *map, const char *key, size_t i)
{
    if (!key || !*key)
        return 0;
    void **v;
    int rc = strmap_put(map, key, strlen(key), &v);
    if (rc < 0)
        return rc;
    void *mine = (void *)(uintptr_t)(i + 1);
    if (rc == 1)
        *v = mine;
    else if (*v != mine)
        *v = AMBIGUOUS;
    return 0;
}

/* Indexes the identities of row i that a join may use ('proxies': all of the row's proxies). */
static int index_row(struct strmap *map, const struct mbx *m, const struct pm_strlist *proxies,
                     size_t i, enum pm_puf_join join)
{
    int rc = 0;
    if (join == PM_PUF_JOIN_SMTP || join == PM_PUF_JOIN_MAP) {
        rc = index_key(map, m->smtp, i);
        for (size_t k = 0; rc == 0 && k < proxies->n; k++)
            if (has_prefix(proxies->items[k], "smtp:"))
                rc = index_key(map, proxies->items[k] + 5, i);
    }
    if (rc == 0 && (join == PM_PUF_JOIN_ALIAS || join == PM_PUF_JOIN_MAP))
        rc = index_key(map, m->alias, i);
    if (rc == 0 && (join == PM_PUF_JOIN_UPN || join == PM_PUF_JOIN_MAP))
        rc = index_key(map, m->upn, i);
    if (rc == 0 && join == PM_PUF_JOIN_MAP) {
        size_t kl;
        const char *k = pm_puf_dn_key(m->dn, strlen(m->dn), &kl);
        if (kl) {
            char *dk = pm_strndup(k, kl);
            rc = dk ? index_key(map, dk, i) : PM_ERR_NOMEM;
            free(dk);
        }
    }
    return rc;
}

static const char *join_name(enum pm_puf_join j)
{
    return j == PM_PUF_JOIN_SMTP    ? "smtp"
           : j == PM_PUF_JOIN_ALIAS ? "alias"
           : j == PM_PUF_JOIN_UPN   ? "upn"
                                    : "map";
}

static const char *join_key(const struct mbx *m, enum pm_puf_join j)
{
    return j == PM_PUF_JOIN_SMTP ? m->smtp : j == PM_PUF_JOIN_ALIAS ? m->alias : m->upn;
}

/* 1 when s looks like an Exchange GUID that is set (not all zeros). */
static int guid_ok(const char *s)
{
    if (strlen(s) != 36)
        return 0;
    int nonzero = 0;
    for (int i = 0; i < 36; i++) {
        char c = s[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-')
                return 0;
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
            return 0;
        } else if (c != '0') {
            nonzero = 1;
        }
    }
    return nonzero;
}

/* A display name must not split the line: '|' and control characters become blanks. */
static void put_display(struct pm_buf *b, const char *s)
{
    for (; *s; s++)
        pm_buf_putc(b, (*s == '|' || (unsigned char)*s < 0x20) ? ' ' : *s);
}

/* Appends one PUF line and checks it with the run's parser. Fields 7-9 (the source's primary
 * SMTP address, the target's UPN and archive GUID) are written when any of them is known, all
 * three then, so a line has 6 or 9 fields. 0, or 1 when it would not parse (why filled), <0 on
 * allocation failure. */
static int put_line(struct pm_buf *out, const char *src_dn, const struct mbx *s,
                    const struct mbx *t, char *why, size_t whysize)
{
    struct pm_buf l = PM_BUF_INIT;
    pm_buf_init(&l, PM_PUF_MAX_LINE * 2);
    const char *at = strrchr(t->smtp, '@');
    char server[512] = "";
    if (guid_ok(t->guid) && at && at[1])
        snprintf(server, sizeof(server), "%s@%s", t->guid, at + 1);
    pm_buf_printf(&l, "%s|%s|%s|", src_dn, t->dn, t->smtp);
    put_display(&l, t->display);
    pm_buf_printf(&l, "|%s|", server);
    const char *rcp =
        server[0] ? pm_ascii_casestr(t->dn, strlen(t->dn), "/cn=Recipients", 14) : NULL;
    if (rcp) {
        pm_buf_append(&l, t->dn, (size_t)(rcp - t->dn));
        pm_buf_printf(&l, "/cn=Configuration/cn=Servers/cn=%s", server);
    }
    /* All zeros is how Exchange reports "no archive". */
    const char *archive = guid_ok(t->archive) ? t->archive : "";
    if (*s->smtp || *t->upn || *archive)
        pm_buf_printf(&l, "|%s|%s|%s", s->smtp, t->upn, archive);
    if (!l.data) {
        pm_buf_release(&l);
        return PM_ERR_NOMEM;
    }
    struct pm_puf_entry e;
    memset(&e, 0, sizeof(e));
    int rc =
        strchr(src_dn, '|') || strchr(src_dn, '\n') || strchr(t->dn, '|') || strchr(t->dn, '\n') ||
                strchr(t->smtp, '|') || strchr(s->smtp, '|') || strchr(t->upn, '|') ||
                strchr(archive, '|')
            ? (snprintf(why, whysize, "a DN or address contains '|' or a line break"), PM_ERR_PARSE)
            : pm_puf_parse_line(l.data, l.len, 1, &e, why, whysize);
    if (rc == 0)
        pm_puf_entry_release(&e);
    if (rc != 0) {
        pm_buf_release(&l);
        return rc == 1 ? (snprintf(why, whysize, "the line would be empty"), 1) : 1;
    }
    pm_buf_append(&l, "\n", 1);
    rc = pm_buf_append(out, l.data, l.len);
    pm_buf_release(&l);
    return rc;
}

/* PowerShell single-quoted string: ' and its typographic forms are doubled, as PowerShell reads
 * any of them as a quote. */
static void put_ps_quoted(struct pm_buf *b, const char *s)
{
    pm_buf_putc(b, '\'');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '\'') {
            pm_buf_puts(b, "''");
        } else if (p[0] == 0xe2 && p[1] == 0x80 && p[2] >= 0x98 && p[2] <= 0x9b) {
            pm_buf_append(b, p, 3);
            pm_buf_append(b, p, 3);
            p += 2;
        } else if (*p < 0x20) {
            pm_buf_putc(b, ' ');
        } else {
            pm_buf_putc(b, (char)*p);
        }
    }
    pm_buf_putc(b, '\'');
}

static int key_of(const char *dn, char **out)
{
    size_t kl;
    const char *k = pm_puf_dn_key(dn, strlen(dn), &kl);
    *out = pm_strndup(k, kl);
    return *out ? (int)(kl > 0) : PM_ERR_NOMEM;
}

/* Source DNs already in an existing PUF (for --append). */
static int load_existing(const char *path, struct strmap *have, struct pm_buf *tail,
                         struct pm_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return pm_os_file_exists(path)
                   ? pm_error_set(err, PM_ERR_IO, path, 0, "cannot read the PUF to append to")
                   : 0;
    char *line = malloc(PM_PUF_MAX_LINE + 2);
    if (!line) {
        fclose(f);
        return PM_ERR_NOMEM;
    }
    int rc = 0, last = '\n';
    unsigned lineno = 0;
    while (rc == 0 && fgets(line, PM_PUF_MAX_LINE + 2, f)) {
        size_t n = strlen(line);
        last = n ? line[n - 1] : last;
        if (n && line[n - 1] == '\n')
            n--;
        else if (!feof(f)) { /* overlong line: skip the rest, the checker reports it */
            int ch;
            while ((ch = fgetc(f)) != EOF && ch != '\n')
                ;
            last = '\n';
        }
        lineno++;
        struct pm_puf_entry e;
        char why[256];
        if (pm_puf_parse_line(line, n, lineno, &e, why, sizeof(why)) != 0)
            continue;
        size_t kl;
        const char *k = pm_puf_dn_key(e.source_dn, strlen(e.source_dn), &kl);
        void **v;
        rc = strmap_put(have, k, kl, &v);
        if (rc >= 0) {
            *v = IN_PUF;
            rc = 0;
        }
        pm_puf_entry_release(&e);
    }
    if (ferror(f))
        rc = pm_error_set(err, PM_ERR_IO, path, 0, "cannot read the PUF to append to");
    fclose(f);
    free(line);
    if (rc == 0 && lineno && last != '\n')
        rc = pm_buf_putc(tail, '\n');
    return rc;
}

/* An output file written as it is built: the text goes to a buffer that is drained into a
 * temporary file beside the target ("<path>.tmp<pid>") between mailboxes, and the file takes its
 * place only when the whole build succeeded (spool_commit), so a failed or refused build leaves
 * the old file as it was, and memory does not grow with the PUF. */
struct spool {
    struct pm_buf b;
    struct pm_buf tmp; /* the temporary file's name */
    FILE *f;           /* NULL when it could not be created (the error comes at the commit) */
};
#define SPOOL_DRAIN ((size_t)64 << 10)

/* Creates the temporary file of 'sp' (zeroed by the caller; its buffer may hold text already). */
static void spool_open(struct spool *sp, const char *path, int bom)
{
    if (pm_buf_printf(&sp->tmp, "%s.tmp%ld", path, pm_os_pid()) < 0)
        return;
    sp->f = pm_os_fopen_write(sp->tmp.data, "wb");
    if (sp->f && bom && fwrite("\xef\xbb\xbf", 1, 3, sp->f) != 3) {
        fclose(sp->f);
        sp->f = NULL;
        remove(sp->tmp.data);
    }
}

/* Hands what is buffered to the file (all of it, or once it holds SPOOL_DRAIN bytes). A write
 * that fails closes the file: the commit then reports it. */
static void spool_drain(struct spool *sp, int all)
{
    if (!all && sp->b.len < SPOOL_DRAIN)
        return;
    if (sp->f && sp->b.len && fwrite(sp->b.data, 1, sp->b.len, sp->f) != sp->b.len) {
        fclose(sp->f);
        sp->f = NULL;
        remove(sp->tmp.data);
    }
    pm_buf_reset(&sp->b);
}

/* Gives up the file: nothing is written. */
static void spool_abort(struct spool *sp)
{
    if (sp->f) {
        fclose(sp->f);
        remove(sp->tmp.data);
    }
    sp->f = NULL;
    pm_buf_release(&sp->b);
    pm_buf_release(&sp->tmp);
}

/* Appends the file at 'from' to the open file 'to'. 0 or -1. */
static int copy_into(const char *from, FILE *to)
{
    FILE *f = fopen(from, "rb");
    if (!f)
        return -1;
    char chunk[65536];
    size_t n;
    int ok = 1;
    while (ok && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        ok = fwrite(chunk, 1, n, to) == n;
    ok = ok && !ferror(f);
    fclose(f);
    return ok ? 0 : -1;
}

/* The spooled text takes the place of 'path' (with 'append', it is added to its end). */
static int spool_commit(struct spool *sp, const char *path, int append, struct pm_error *err)
{
    spool_drain(sp, 1);
    int ok = sp->f != NULL;
    if (sp->f && fclose(sp->f) != 0)
        ok = 0;
    sp->f = NULL;
    if (ok && append) {
        FILE *f = pm_os_fopen_write(path, "ab");
        ok = f && copy_into(sp->tmp.data, f) == 0;
        if (f && fclose(f) != 0)
            ok = 0;
        remove(sp->tmp.data);
    } else if (ok && pm_os_replace_file(sp->tmp.data, path) < 0) {
        ok = 0;
    }
    if (!ok && sp->tmp.data)
        remove(sp->tmp.data);
    pm_buf_release(&sp->b);
    pm_buf_release(&sp->tmp);
    return ok ? 0 : pm_error_set(err, PM_ERR_IO, path, 0, "cannot write the file");
}

/* The PUF about to be overwritten is copied (not moved) to "<path>.bak", so clients reading the
 * share never find mbm.puf missing and a wrong build can be undone by renaming it back. The copy
 * is streamed through a temporary file and flushed to the disk before it takes the name. */
static int keep_backup(const char *path, struct pm_error *err)
{
    struct pm_buf bak = PM_BUF_INIT, tmp = PM_BUF_INIT;
    int rc = pm_buf_printf(&bak, "%s.bak", path) < 0 ||
                     pm_buf_printf(&tmp, "%s.bak.tmp%ld", path, pm_os_pid()) < 0
                 ? PM_ERR_NOMEM
                 : 0;
    FILE *f = rc == 0 ? pm_os_fopen_write(tmp.data, "wb") : NULL;
    if (rc == 0) {
        int ok = f && copy_into(path, f) == 0 && fflush(f) == 0 && pm_os_fsync(f) == 0;
        if (f && fclose(f) != 0)
            ok = 0;
        if (ok && pm_os_replace_file(tmp.data, bak.data) < 0)
            ok = 0;
        if (!ok) {
            if (f)
                remove(tmp.data);
            rc = PM_ERR_IO;
        }
    }
    if (rc < 0)
        pm_error_set(err, rc, path, 0, "cannot keep the PUF to be overwritten as '%s'",
                     bak.data ? bak.data : ".bak");
    pm_buf_release(&bak);
    pm_buf_release(&tmp);
    return rc;
}

struct pair {
    size_t src, tgt;
};

/* Resolves one identity against an index: the row, or reports why not. */
static long lookup(const struct strmap *map, const char *key)
{
    void **v = key && *key ? strmap_get(map, key, strlen(key)) : NULL;
    if (!v)
        return -1;
    if (*v == AMBIGUOUS)
        return -2;
    return (long)((uintptr_t)*v - 1);
}

/* Pairs by a key both exports carry (SMTP address, UPN, ...): each source row with the one
 * target row that has its key. A row with no key, no match or several matches is left out and
 * reported, never guessed. */
static void join_by_key(const struct pm_pufbuild_opts *o, const struct side *src,
                        struct strmap *tmap, struct pair *pairs, size_t *npairs,
                        struct pm_pufbuild_stats *st, pm_diag_fn report, void *ctx)
{
    for (size_t i = 0; i < src->n; i++) {
        const struct mbx *m = &src->rows[i];
        const char *key = join_key(m, o->join);
        long t = lookup(tmap, key);
        if (!*key) {
            st->unjoined++;
            diag(report, ctx, src->path, m->line, "no %s in the source row: left out",
                 join_name(o->join));
        } else if (t == -1) {
            st->unjoined++;
            diag(report, ctx, src->path, m->line, "no target mailbox with %s '%s': left out",
                 join_name(o->join), key);
        } else if (t == -2) {
            st->ambiguous++;
            diag(report, ctx, src->path, m->line, "several target mailboxes have %s '%s': left out",
                 join_name(o->join), key);
        } else {
            pairs[(*npairs)++] = (struct pair){i, (size_t)t};
        }
    }
}

/* Pairs by the map file: each row names a source and a target DN (columns 'Source' and
 * 'Target', else the first two), both looked up by their normalised key. At most cap pairs. */
static int join_by_map(const struct pm_pufbuild_opts *o, struct pm_csv *map, struct strmap *smap,
                       struct strmap *tmap, struct pair *pairs, size_t *npairs, size_t cap,
                       struct pm_pufbuild_stats *st, pm_diag_fn report, void *ctx,
                       struct pm_error *err)
{
    int rc;
    long cs = pm_csv_column(map, "Source"), ct = pm_csv_column(map, "Target");
    if (cs < 0 || ct < 0) {
        if (pm_csv_columns(map) < 2)
            return pm_error_set(err, PM_ERR_PARSE, o->map_path, 1,
                                "the map needs 'Source' and 'Target' columns");
        cs = 0, ct = 1;
    }
    unsigned line;
    while ((rc = pm_csv_next(map, NULL, NULL, &line, err)) > 0) {
        const char *sk = pm_csv_field(map, cs), *tk = pm_csv_field(map, ct);
        size_t kl;
        char *skn = pm_strdup(pm_puf_dn_key(sk, strlen(sk), &kl)), *tkn;
        if (skn)
            skn[kl] = 0;
        tkn = pm_strdup(pm_puf_dn_key(tk, strlen(tk), &kl));
        if (tkn)
            tkn[kl] = 0;
        if (!skn || !tkn) {
            free(skn), free(tkn);
            rc = PM_ERR_NOMEM;
            break;
        }
        long s = lookup(smap, skn), t = lookup(tmap, tkn);
        if (s < 0 || t < 0) {
            if (s == -2 || t == -2)
                st->ambiguous++;
            else
                st->unjoined++;
            diag(report, ctx, o->map_path, line, "%s mailbox '%s' %s: left out",
                 s < 0 ? "source" : "target", s < 0 ? sk : tk,
                 (s < 0 ? s : t) == -2 ? "is ambiguous (several match)" : "is not in the export");
        } else if (*npairs < cap) {
            pairs[(*npairs)++] = (struct pair){(size_t)s, (size_t)t};
        }
        free(skn), free(tkn);
    }
    if (rc == PM_ERR_NOMEM)
        pm_error_set(err, rc, o->map_path, 0, "out of memory");
    return rc;
}

/* Which source row goes with which target row, by the join the options ask for ('tmap' and
 * 'smap': the exports indexed as they were read). */
static int make_pairs(const struct pm_pufbuild_opts *o, const struct side *src, struct strmap *tmap,
                      struct strmap *smap, struct pair **pairs, size_t *npairs,
                      struct pm_pufbuild_stats *st, pm_diag_fn report, void *ctx,
                      struct pm_error *err)
{
    int rc = 0;
    struct pm_csv *map = NULL;
    if (o->join == PM_PUF_JOIN_MAP)
        rc = pm_csv_open(&map, o->map_path ? o->map_path : "", err);
    size_t cap = src->n ? src->n : 1;
    *pairs = malloc(cap * sizeof(**pairs));
    *npairs = 0;
    if (rc == 0 && !*pairs)
        rc = PM_ERR_NOMEM;
    if (rc >= 0) {
        if (o->join != PM_PUF_JOIN_MAP)
            join_by_key(o, src, tmap, *pairs, npairs, st, report, ctx);
        else
            rc = join_by_map(o, map, smap, tmap, *pairs, npairs, cap, st, report, ctx, err);
    }
    pm_csv_close(map);
    return rc < 0 ? rc : 0;
}

/* A new file gets a header; an append to an existing, non-empty PUF does not. */
static void put_header(struct pm_buf *out, const struct pm_pufbuild_opts *o, const struct side *src,
                       const struct side *tgt, const struct pair *pairs, size_t npairs)
{
    if (o->append && pm_os_file_size(o->out_path) > 0)
        return;
    pm_buf_printf(out, "# mbm.puf from '%s' (source) and '%s' (target), join %s", o->source_path,
                  o->target_path, join_name(o->join));
    if (o->now) {
        char ts[32];
        pm_log_timestamp(o->now, ts);
        pm_buf_printf(out, ", %s", ts);
    }
    /* Name the v2 columns only when lines will carry them (see put_line). */
    int wide = 0;
    for (size_t p = 0; p < npairs && !wide; p++) {
        const struct mbx *s = &src->rows[pairs[p].src], *t = &tgt->rows[pairs[p].tgt];
        wide = *s->smtp || *t->upn || guid_ok(t->archive);
    }
    pm_buf_puts(out, "\n#fields: source_dn|target_dn|target_smtp|target_display|"
                     "target_server|target_server_dn");
    pm_buf_puts(out, wide ? "|source_smtp|target_upn|target_archive_guid\n" : "\n");
}

/* What writing the lines of one pair needs: the PUF and script being built, the keys already
 * in the PUF or written, and where problems are counted and reported. */
struct emit {
    struct pm_buf *out, *script;
    struct strmap *have;
    struct pm_pufbuild_stats *st;
    pm_diag_fn report;
    void *ctx;
    const char *path; /* the source export, for messages */
};

/* One more line for each of the source's old X500 proxies not in the PUF yet, so profiles that
 * still point at a DN the mailbox had before an earlier migration are re-pointed too. Each proxy
 * written is added to x500 for the script. */
static int emit_proxies(struct emit *e, const struct mbx *s, const struct mbx *t,
                        struct pm_strlist *x500)
{
    int rc = 0;
    const char *px = s->proxies;
    for (size_t k = 0; k < s->nproxies && rc >= 0; k++, px += strlen(px) + 1) {
        char why[256];
        char *key;
        void **v;
        if (!has_prefix(px, "x500:"))
            continue;
        if ((rc = key_of(px, &key)) < 0)
            break;
        if (rc == 0 || !has_prefix(key, "/o=") || strmap_get(e->have, key, strlen(key))) {
            free(key);
            rc = 0;
            continue;
        }
        size_t before = e->out->len;
        rc = put_line(e->out, key, s, t, why, sizeof(why));
        if (rc == 1) {
            e->st->invalid++;
            diag(e->report, e->ctx, e->path, s->line, "cannot write a line for proxy '%s': %s", px,
                 why);
            e->out->len = before;
            rc = 0;
        } else if (rc == 0 && (rc = strmap_put(e->have, key, strlen(key), &v)) >= 0) {
            *v = WRITTEN;
            e->st->lines++;
            pm_strlist_add(x500, key);
            rc = 0;
        }
        free(key);
    }
    return rc;
}

/* The Exchange command that adds every DN written for this mailbox as an X500 proxy of the
 * target, so old autocomplete entries and replies keep reaching it. */
static void emit_script_line(struct emit *e, const struct mbx *t, const struct pm_strlist *x500)
{
    pm_buf_puts(e->script, "Set-Mailbox -Identity ");
    put_ps_quoted(e->script, t->smtp);
    pm_buf_puts(e->script, " -EmailAddresses @{add=");
    for (size_t k = 0; k < x500->n; k++) {
        struct pm_buf a = PM_BUF_INIT;
        pm_buf_printf(&a, "X500:%s", x500->items[k]);
        if (k)
            pm_buf_putc(e->script, ',');
        put_ps_quoted(e->script, a.data ? a.data : "");
        pm_buf_release(&a);
    }
    pm_buf_puts(e->script, "}\n");
    e->st->script_lines++;
}

/* The lines of one source/target pair: the source DN, then its X500 proxies, then the script
 * line. A row that cannot be written is counted, reported and left out; only running out of
 * memory stops the build (negative return). */
static int emit_pair(struct emit *e, const struct mbx *s, const struct mbx *t)
{
    char why[256];
    char *key;
    int rc;
    if ((rc = key_of(s->dn, &key)) < 0)
        return rc;
    if (rc == 0 || !has_prefix(key, "/o=")) {
        e->st->invalid++;
        if (rc == 0)
            diag(e->report, e->ctx, e->path, s->line, "no LegacyExchangeDN in the row: left out");
        else
            diag(e->report, e->ctx, e->path, s->line,
                 "source LegacyExchangeDN '%s' is not an X500 DN: left out", s->dn);
        free(key);
        return 0;
    }
    void **seen = strmap_get(e->have, key, strlen(key));
    if (seen && *seen == IN_PUF) {
        e->st->already_present++;
        free(key);
        return 0;
    }
    if (seen) {
        e->st->invalid++;
        diag(e->report, e->ctx, e->path, s->line,
             "source DN '%s' was already written for an earlier row: left out", s->dn);
        free(key);
        return 0;
    }
    size_t before = e->out->len;
    rc = put_line(e->out, s->dn, s, t, why, sizeof(why));
    if (rc == 1) {
        e->st->invalid++;
        diag(e->report, e->ctx, e->path, s->line, "cannot write a line for '%s': %s", s->dn, why);
        e->out->len = before;
        free(key);
        return 0;
    }
    void **v;
    if (rc < 0 || (rc = strmap_put(e->have, key, strlen(key), &v)) < 0) {
        free(key);
        return rc;
    }
    *v = WRITTEN;
    free(key);
    e->st->mailboxes++;
    if (t->dn && strlen(s->dn) == strlen(t->dn) &&
        pm_ascii_ncasecmp(s->dn, t->dn, strlen(s->dn)) == 0)
        e->st->self_mapped++;
    e->st->lines++;
    struct pm_strlist x500 = PM_STRLIST_INIT;
    pm_strlist_add(&x500, s->dn);
    rc = emit_proxies(e, s, t, &x500);
    if (rc >= 0)
        emit_script_line(e, t, &x500);
    pm_strlist_release(&x500);
    return rc;
}

/* The progress of reading one export as part of both: 'base' bytes before it, 'total' in all;
 * never 100% (that is for the end of the build). */
struct read_progress {
    struct pm_progress p;
    const struct pm_progress *outer;
    unsigned long long base, total;
};

static void read_progress_fn(void *ctx, unsigned long long done, unsigned long long total)
{
    struct read_progress *rp = ctx;
    (void)total;
    unsigned long long at = rp->base + done;
    pm_progress_update(rp->outer, at < rp->total ? at : rp->total - 1, rp->total);
}

static unsigned long long file_bytes(const char *path)
{
    long long n = path ? pm_os_file_size(path) : 0;
    return n > 0 ? (unsigned long long)n : 0;
}

int pm_puf_build(const struct pm_pufbuild_opts *o, struct pm_pufbuild_stats *st, pm_diag_fn report,
                 void *ctx, struct pm_error *err)
{
    return pm_puf_build_progress(o, st, report, ctx, NULL, err);
}

int pm_puf_build_progress(const struct pm_pufbuild_opts *o, struct pm_pufbuild_stats *st,
                          pm_diag_fn report, void *ctx, const struct pm_progress *progress,
                          struct pm_error *err)
{
    memset(st, 0, sizeof(*st));
    struct side src = {0}, tgt = {0};
    struct strmap have = STRMAP_INIT;
    struct spool out, script;
    memset(&out, 0, sizeof(out));
    memset(&script, 0, sizeof(script));
    struct pair *pairs = NULL;
    size_t npairs = 0;
    struct strmap tmap = STRMAP_INIT, smap = STRMAP_INIT;
    unsigned long long sbytes = file_bytes(o->source_path);
    struct read_progress rp = {
        {read_progress_fn, NULL}, progress, 0, sbytes + file_bytes(o->target_path) + 1};
    rp.p.ctx = &rp;
    const struct pm_progress *pp = progress ? &rp.p : NULL;
    int rc = load_side(&src, o->source_path, 0, o->join == PM_PUF_JOIN_MAP ? &smap : NULL, o->join,
                       1, pp, err);
    rp.base = sbytes;
    if (rc == 0)
        rc = load_side(&tgt, o->target_path, 1, &tmap, o->join, 0, pp, err);
    if (rc < 0)
        goto done;
    st->source_rows = (unsigned)src.n;
    st->target_rows = (unsigned)tgt.n;
    if (o->append)
        rc = load_existing(o->out_path, &have, &out.b, err);
    if (rc == 0)
        rc = make_pairs(o, &src, &tmap, &smap, &pairs, &npairs, st, report, ctx, err);
    strmap_release(&tmap, NULL);
    strmap_release(&smap, NULL);
    if (rc < 0)
        goto done;

    spool_open(&out, o->out_path, 0);
    if (o->x500_script_path)
        spool_open(&script, o->x500_script_path, 1);
    put_header(&out.b, o, &src, &tgt, pairs, npairs);
    pm_buf_puts(&script.b, "# Adds each source legacyExchangeDN (and the source's old X500 "
                           "proxies) as an X500 proxy\n# address of its target mailbox, so "
                           "cached autocomplete entries and replies to old\n# messages still "
                           "reach it. Review, then run in the target organisation's Exchange\n"
                           "# Management Shell. Each command stands alone: one failure does not "
                           "stop the rest.\n");

    struct emit e = {&out.b, &script.b, &have, st, report, ctx, src.path};
    for (size_t p = 0; p < npairs && rc >= 0; p++) {
        rc = emit_pair(&e, &src.rows[pairs[p].src], &tgt.rows[pairs[p].tgt]);
        spool_drain(&out, 0);
        if (o->x500_script_path)
            spool_drain(&script, 0);
        else
            pm_buf_reset(&script.b);
    }
    if (rc < 0) {
        pm_error_set(err, rc, o->out_path, 0, "cannot build the PUF (%s)", pm_err_name(rc));
        goto done;
    }
    if (!o->allow_empty && st->mailboxes + st->already_present == 0) {
        rc = pm_error_set(err, PM_ERR_INVALID, o->out_path, 0,
                          "no source mailbox joined a target: nothing written "
                          "(--allow-empty writes it anyway)");
        goto done;
    }
    if (!o->allow_empty && st->mailboxes && st->self_mapped == st->mailboxes) {
        rc = pm_error_set(err, PM_ERR_INVALID, o->out_path, 0,
                          "every mailbox maps to itself (are the source and target exports the "
                          "same or swapped?): nothing written (--allow-empty writes it anyway)");
        goto done;
    }
    if (!o->append && pm_os_file_exists(o->out_path))
        rc = keep_backup(o->out_path, err);
    if (rc == 0)
        rc = spool_commit(&out, o->out_path, o->append, err);
    if (rc == 0 && o->x500_script_path)
        rc = spool_commit(&script, o->x500_script_path, 0, err);
    if (rc == 0)
        pm_progress_update(progress, rp.total, rp.total);
done:
    strmap_release(&tmap, NULL);
    strmap_release(&smap, NULL);
    spool_abort(&out);
    spool_abort(&script);
    free(pairs);
    side_release(&src);
    side_release(&tgt);
    strmap_release(&have, NULL);
    return rc;
}
