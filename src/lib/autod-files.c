/* Cached Autodiscover response files (pm/autodfiles.h): which mailboxes a run updates, as the
 * strings a response would carry; the scan of the user's Outlook folder; the move into the
 * backup place (copy, flush, verify, manifest, and only then delete); the manifest format and
 * its parser; and the restore. Every file here is untrusted input: the folder may hold links,
 * locked or huge files, and a manifest may have been edited to point elsewhere. */
#include "compat.h"

#include "proptags.h"

#include "pm/autodfiles.h"
#include "pm/mapi.h"
#include "pm/os.h"
#include "pm/sha256.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- needles ---- */

static int add_lower(struct pm_strlist *l, const char *s)
{
    if (!s)
        return 0;
    if (!pm_ascii_ncasecmp(s, "smtp:", 5))
        s += 5;
    /* Short strings would match by chance. */
    if (strlen(s) < 4)
        return 0;
    char *c = pm_strdup(s);
    if (!c)
        return PM_ERR_NOMEM;
    for (char *p = c; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    int rc = pm_strlist_find(l, c) < 0 ? pm_strlist_add(l, c) : 0;
    free(c);
    return rc;
}

static int add_server(const struct pm_account *a, struct pm_strlist *l, struct pm_buf *s)
{
    static const char *const names[] = {V_HOME_SERVER_W, V_HOME_SERVER_A};
    int rc = 0;
    for (size_t k = 0; rc == 0 && k < a->nsections; k++) {
        if (a->sections[k].role != PM_ROLE_EMSMDB)
            continue;
        for (size_t j = 0; rc == 0 && j < PM_ARRAY_SIZE(names); j++) {
            const struct pm_section_value *v = pm_section_get(&a->sections[k], names[j]);
            if (v && pm_mapi_string_get(v->name, v->type, v->data, v->len, s) > 0 && s->len)
                rc = add_lower(l, s->data);
        }
    }
    return rc;
}

int pm_autod_needles_collect(const struct pm_model *m, const struct pm_plan *plan,
                             const struct pm_puf_query *q, size_t nq, struct pm_strlist *out)
{
    struct pm_strlist servers = PM_STRLIST_INIT, other = PM_STRLIST_INIT;
    struct pm_buf s = PM_BUF_INIT;
    int rc = 0;
    for (size_t i = 0; rc == 0 && plan && i < plan->ndecisions; i++) {
        const struct pm_decision *d = &plan->decisions[i];
        if (d->profile >= m->nprofiles || d->account >= m->profiles[d->profile].naccounts)
            continue;
        const struct pm_account *a = &m->profiles[d->profile].accounts[d->account];
        if (d->kind != PM_DEC_UPDATED) {
            /* A server that also hosts a mailbox the run leaves does not tell the two apart. */
            if (d->section < 0)
                rc = add_server(a, &other, &s);
            continue;
        }
        rc = add_lower(out, d->dn);
        if (rc == 0 && d->section < 0) {
            rc = add_lower(out, a->smtp);
            if (rc == 0)
                rc = add_server(a, &servers, &s);
        }
        /* The answer to the question this decision asked (by the key asked, which a PUF line
         * may write with a prefix): its field 7. */
        for (size_t k = 0; rc == 0 && d->dn && k < nq; k++) {
            const char *key = q[k].by == PM_PUF_BY_SMTP ? q[k].smtp : q[k].dn;
            if (q[k].match == PM_PUF_SOURCE && key &&
                !pm_ascii_ncasecmp(key, d->dn, strlen(d->dn) + 1))
                rc = add_lower(out, q[k].entry.source_smtp);
        }
    }
    for (size_t i = 0; rc == 0 && i < servers.n; i++)
        if (pm_strlist_find(&other, servers.items[i]) < 0)
            rc = add_lower(out, servers.items[i]);
    pm_strlist_release(&servers);
    pm_strlist_release(&other);
    pm_buf_release(&s);
    return rc < 0 ? PM_ERR_NOMEM : 0;
}

int pm_autod_is_name(const char *name)
{
    static const char sfx[] = "autodiscover.xml";
    size_t n = strlen(name), k = sizeof(sfx) - 1;
    return n >= k && !pm_ascii_ncasecmp(name + n - k, sfx, k);
}

/* Characters an address, host or DN part is made of: a needle followed or preceded by one of
 * these is part of a longer name ("alice" in "alice2@", "ex1" in "ex10."). */
static int word_char(unsigned char c, int dn)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '%' || c == '+' || c == '-' || c == '@' || (dn && c == ' ');
}

const char *pm_autod_match(const struct pm_strlist *needles, const void *data, size_t len)
{
    const unsigned char *p = data;
    char *text = NULL;
    const char *t = data;
    size_t tlen = len;
    if (len >= 2 && p[0] == 0xff && p[1] == 0xfe) {
        /* UTF-16LE: its ASCII characters, anything else as a character no needle holds. */
        tlen = (len - 2) / 2;
        text = malloc(tlen ? tlen : 1);
        if (!text)
            return NULL;
        for (size_t i = 0; i < tlen; i++)
            text[i] = p[2 + 2 * i + 1] == 0 && p[2 + 2 * i] ? (char)p[2 + 2 * i] : '\x01';
        t = text;
    }
    const char *hit = NULL;
    for (size_t k = 0; !hit && k < needles->n; k++) {
        const char *nd = needles->items[k];
        size_t nl = strlen(nd);
        int dn = nd[0] == '/';
        size_t off = 0;
        while (!hit && off < tlen) {
            const char *f = pm_ascii_casestr(t + off, tlen - off, nd, nl);
            if (!f)
                break;
            size_t at = (size_t)(f - t);
            int before = at > 0 && word_char((unsigned char)t[at - 1], 0);
            int after = at + nl < tlen && word_char((unsigned char)t[at + nl], dn);
            if (!before && !after)
                hit = nd;
            off = at + 1;
        }
    }
    free(text);
    return hit;
}

int pm_autod_default_dir(struct pm_buf *out)
{
    struct pm_buf base = PM_BUF_INIT;
    int rc = pm_os_getenv("LOCALAPPDATA", &base);
    if (rc == 0 && (!base.data || !base.len))
        rc = PM_ERR_NOTFOUND;
    if (rc == 0) {
        struct pm_buf ms = PM_BUF_INIT;
        pm_buf_reset(out);
        rc = pm_path_join(&ms, base.data, "Microsoft");
        if (rc == 0)
            rc = pm_path_join(out, ms.data, "Outlook");
        pm_buf_release(&ms);
    }
    pm_buf_release(&base);
    return rc;
}

/* ---- scan ---- */

/* Reads a regular file without following links, at most PM_AUTOD_MAX_BYTES: 0 with the bytes,
 * 1 too large, -1 cannot be read (errno kept in *eno). */
static int read_capped(const char *path, struct pm_buf *out, long long *size, int *eno)
{
    pm_buf_reset(out);
    errno = 0;
    FILE *f = pm_os_fopen_read(path, size);
    if (!f) {
        *eno = errno;
        return -1;
    }
    if (*size > (long long)PM_AUTOD_MAX_BYTES) {
        fclose(f);
        return 1;
    }
    char chunk[16384];
    size_t n, total = 0;
    int rc = 0;
    /* At most one byte past the ceiling: a file that grows while read is still caught. */
    while (rc == 0 && (n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        total += n;
        if (total > PM_AUTOD_MAX_BYTES)
            rc = 1;
        else if (pm_buf_append(out, chunk, n) < 0) {
            *eno = ENOMEM;
            rc = -1;
        }
    }
    if (rc == 0 && ferror(f)) {
        *eno = errno;
        rc = -1;
    }
    fclose(f);
    if (rc == 0)
        *size = (long long)out->len;
    return rc;
}

static int push(struct pm_autod *a, const char *path, enum pm_autod_state st)
{
    void *p = realloc(a->files, (a->n + 1) * sizeof(*a->files));
    if (!p)
        return PM_ERR_NOMEM;
    a->files = p;
    struct pm_autod_file *f = &a->files[a->n];
    memset(f, 0, sizeof(*f));
    f->state = st;
    f->path = pm_strdup(path);
    if (!f->path)
        return PM_ERR_NOMEM;
    a->n++;
    return 0;
}

static int set_why(struct pm_autod_file *f, const char *fmt, const char *arg)
{
    struct pm_buf b = PM_BUF_INIT;
    if (pm_buf_printf(&b, fmt, arg) < 0)
        return PM_ERR_NOMEM;
    free(f->why);
    f->why = pm_buf_detach(&b, NULL);
    return f->why ? 0 : PM_ERR_NOMEM;
}

static int safe_name(const char *s)
{
    if (!*s || !strcmp(s, ".") || !strcmp(s, ".."))
        return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f || *p == '/' || *p == '\\' || *p == ':')
            return 0;
    return 1;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int pm_autod_scan(const char *dir, const struct pm_strlist *needles, struct pm_autod *out,
                  struct pm_error *err)
{
    memset(out, 0, sizeof(*out));
    if (!dir || !needles->n || !pm_os_file_exists(dir))
        return 0;
    struct pm_strlist names = PM_STRLIST_INIT;
    int rc = pm_os_list_dir(dir, PM_AUTOD_MAX_NAMES, &names);
    if (rc < 0) {
        pm_strlist_release(&names);
        return rc == PM_ERR_LIMIT
                   ? pm_error_set(err, rc, dir, 0, "'%s' holds more than %d files; not looked at",
                                  dir, PM_AUTOD_MAX_NAMES)
                   : pm_error_set(err, rc, dir, 0, "cannot list '%s'", dir);
    }
    /* A stable order, so the copies' numbers and the log do not depend on the file system. */
    qsort(names.items, names.n, sizeof(*names.items), cmp_str);
    struct pm_buf path = PM_BUF_INIT, data = PM_BUF_INIT;
    rc = 0;
    for (size_t i = 0; rc == 0 && i < names.n; i++) {
        const char *nm = names.items[i];
        if (!pm_autod_is_name(nm))
            continue;
        pm_buf_reset(&path);
        if (pm_path_join(&path, dir, nm) < 0) {
            rc = PM_ERR_NOMEM;
            break;
        }
        if (!safe_name(nm)) {
            /* A name a manifest could not record (a control character): never moved. */
            rc = push(out, path.data, PM_AUTOD_UNREADABLE);
            if (rc == 0)
                out->files[out->n - 1].size = -1;
            if (rc == 0)
                rc = set_why(&out->files[out->n - 1], "%s", "its name holds a control character");
            continue;
        }
        long long size = -1;
        int eno = 0;
        int r = read_capped(path.data, &data, &size, &eno);
        if (r < 0) {
            rc = push(out, path.data, PM_AUTOD_UNREADABLE);
            if (rc == 0)
                out->files[out->n - 1].size = -1;
            if (rc == 0)
                rc = set_why(&out->files[out->n - 1],
                             "cannot be read (locked, a link, or no access): %s",
                             eno ? strerror(eno) : "refused");
            continue;
        }
        if (r > 0) {
            rc = push(out, path.data, PM_AUTOD_TOO_LARGE);
            if (rc == 0) {
                out->files[out->n - 1].size = size;
                rc = set_why(&out->files[out->n - 1], "larger than %s; not read", "1 MiB");
            }
            continue;
        }
        const char *hit = pm_autod_match(needles, data.data, data.len);
        if (!hit)
            continue;
        rc = push(out, path.data, PM_AUTOD_FOUND);
        if (rc == 0) {
            struct pm_autod_file *f = &out->files[out->n - 1];
            f->size = size;
            pm_sha256_of(data.data, data.len, f->sha256);
            f->matched = pm_strdup(hit);
            if (!f->matched)
                rc = PM_ERR_NOMEM;
        }
    }
    pm_buf_release(&path);
    pm_buf_release(&data);
    pm_strlist_release(&names);
    if (rc < 0)
        return pm_error_set(err, rc, dir, 0, "out of memory");
    return 0;
}

size_t pm_autod_count(const struct pm_autod *a, enum pm_autod_state state)
{
    size_t n = 0;
    for (size_t i = 0; i < a->n; i++)
        n += a->files[i].state == state;
    return n;
}

void pm_autod_release(struct pm_autod *a)
{
    for (size_t i = 0; i < a->n; i++) {
        free(a->files[i].path);
        free(a->files[i].matched);
        free(a->files[i].copy);
        free(a->files[i].why);
    }
    free(a->files);
    free(a->manifest);
    memset(a, 0, sizeof(*a));
}

/* ---- move ---- */

static size_t stem_len(const char *backup)
{
    size_t n = strlen(backup);
    return n > 4 && !pm_ascii_ncasecmp(backup + n - 4, ".reg", 4) ? n - 4 : n;
}

int pm_autod_manifest_path(const char *profile_backup, struct pm_buf *out)
{
    pm_buf_reset(out);
    if (pm_buf_append(out, profile_backup, stem_len(profile_backup)) < 0 ||
        pm_buf_puts(out, ".autodiscover.txt") < 0)
        return PM_ERR_NOMEM;
    return 0;
}

/* The file name part of a path (after the last '/' or '\'). */
static const char *base_of(const char *p)
{
    const char *b = p;
    for (; *p; p++)
        if (*p == '/' || *p == '\\')
            b = p + 1;
    return b;
}

/* Writes data to a new file (not through a link), flushed to the disk, then reads it back: 0
 * when the copy on disk has the hash 'sha'. */
static int write_verified(const char *path, const void *data, size_t len, const char *sha)
{
    FILE *f = pm_os_fopen_write(path, "wb");
    if (!f)
        return PM_ERR_IO;
    int ok = fwrite(data, 1, len, f) == len && fflush(f) == 0 && pm_os_fsync(f) == 0;
    ok = fclose(f) == 0 && ok;
    if (!ok)
        return PM_ERR_IO;
    struct pm_buf back = PM_BUF_INIT;
    long long size = -1;
    int eno = 0;
    char got[65];
    int r = read_capped(path, &back, &size, &eno);
    if (r == 0)
        pm_sha256_of(back.data, back.len, got);
    pm_buf_release(&back);
    return r == 0 && !strcmp(got, sha) ? 0 : PM_ERR_IO;
}

int pm_autod_move(struct pm_autod *a, const char *profile_backup, struct pm_error *err)
{
    struct pm_buf copy = PM_BUF_INIT, data = PM_BUF_INIT, text = PM_BUF_INIT,
                  manifest = PM_BUF_INIT;
    struct pm_autod_entry *ents = calloc(a->n ? a->n : 1, sizeof(*ents));
    size_t ne = 0;
    int rc = 0;
    if (!ents || pm_autod_manifest_path(profile_backup, &manifest) < 0) {
        free(ents);
        pm_buf_release(&manifest);
        return pm_error_set(err, PM_ERR_NOMEM, NULL, 0, "out of memory");
    }
    size_t sl = stem_len(profile_backup);
    for (size_t i = 0; rc == 0 && i < a->n; i++) {
        struct pm_autod_file *f = &a->files[i];
        if (f->state != PM_AUTOD_FOUND)
            continue;
        long long size = -1;
        int eno = 0;
        char sha[65];
        int r = read_capped(f->path, &data, &size, &eno);
        if (r == 0)
            pm_sha256_of(data.data, data.len, sha);
        if (r != 0 || strcmp(sha, f->sha256)) {
            f->state = PM_AUTOD_FAILED;
            rc = set_why(f, "%s", "changed or gone since it was read; left in place");
            continue;
        }
        pm_buf_reset(&copy);
        if (pm_buf_append(&copy, profile_backup, sl) < 0 ||
            pm_buf_printf(&copy, ".autodiscover-%zu.xml", ne + 1) < 0) {
            rc = PM_ERR_NOMEM;
            break;
        }
        if (write_verified(copy.data, data.data, data.len, f->sha256) < 0) {
            pm_os_remove_file(copy.data);
            f->state = PM_AUTOD_FAILED;
            rc = set_why(f, "cannot write and verify its copy '%s'; left in place", copy.data);
            continue;
        }
        f->copy = pm_strdup(copy.data);
        if (!f->copy) {
            rc = PM_ERR_NOMEM;
            break;
        }
        ents[ne].size = size;
        memcpy(ents[ne].sha256, f->sha256, sizeof(ents[ne].sha256));
        ents[ne].copy = (char *)base_of(f->copy);
        ents[ne].path = f->path;
        ne++;
    }
    if (rc == 0 && ne && pm_autod_manifest_format(ents, ne, &text) < 0)
        rc = PM_ERR_NOMEM;
    if (rc == 0 && ne && pm_file_write_atomic(manifest.data, text.data, text.len, err) < 0)
        rc = PM_ERR_IO;
    if (rc < 0) {
        /* Nothing is deleted without the manifest: the copies go, the originals stay. */
        for (size_t i = 0; i < a->n; i++) {
            struct pm_autod_file *f = &a->files[i];
            if (f->copy) {
                pm_os_remove_file(f->copy);
                free(f->copy);
                f->copy = NULL;
            }
            if (f->state == PM_AUTOD_FOUND) {
                f->state = PM_AUTOD_FAILED;
                set_why(f, "%s", "the manifest could not be written; left in place");
            }
        }
        if (rc == PM_ERR_NOMEM)
            pm_error_set(err, rc, NULL, 0, "out of memory");
    } else {
        for (size_t i = 0; i < a->n; i++) {
            struct pm_autod_file *f = &a->files[i];
            if (f->state != PM_AUTOD_FOUND || !f->copy)
                continue;
            if (pm_os_remove_file(f->path) < 0) {
                f->state = PM_AUTOD_FAILED;
                set_why(f, "%s", "copied into the backup but cannot be deleted");
            } else
                f->state = PM_AUTOD_MOVED;
        }
        if (ne)
            a->manifest = pm_buf_detach(&manifest, NULL);
    }
    free(ents);
    pm_buf_release(&copy);
    pm_buf_release(&data);
    pm_buf_release(&text);
    pm_buf_release(&manifest);
    return rc;
}

/* ---- manifest ---- */

int pm_autod_manifest_format(const struct pm_autod_entry *e, size_t n, struct pm_buf *out)
{
    pm_buf_reset(out);
    int rc = pm_buf_puts(out, PM_AUTOD_MANIFEST_MAGIC "\r\n");
    rc =
        rc < 0 ? rc : pm_buf_puts(out, "# size, SHA-256, copy beside this file, original path\r\n");
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = pm_buf_printf(out, "file\t%lld\t%s\t%s\t%s\r\n", e[i].size, e[i].sha256, e[i].copy,
                           e[i].path);
    return rc < 0 ? PM_ERR_NOMEM : 0;
}

void pm_autod_manifest_release(struct pm_autod_manifest *m)
{
    for (size_t i = 0; i < m->n; i++) {
        free(m->e[i].copy);
        free(m->e[i].path);
    }
    free(m->e);
    memset(m, 0, sizeof(*m));
}

/* Same folder: separators either way, ASCII case-insensitive, a trailing separator ignored. */
static int same_dir(const char *a, size_t al, const char *b)
{
    size_t bl = strlen(b);
    while (al && (a[al - 1] == '/' || a[al - 1] == '\\'))
        al--;
    while (bl && (b[bl - 1] == '/' || b[bl - 1] == '\\'))
        bl--;
    if (al != bl)
        return 0;
    for (size_t i = 0; i < al; i++) {
        char x = a[i] == '\\' ? '/' : a[i], y = b[i] == '\\' ? '/' : b[i];
        if (x >= 'A' && x <= 'Z')
            x = (char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = (char)(y - 'A' + 'a');
        if (x != y)
            return 0;
    }
    return 1;
}

static int ends_with_ci(const char *s, const char *sfx)
{
    size_t n = strlen(s), k = strlen(sfx);
    return n >= k && !pm_ascii_ncasecmp(s + n - k, sfx, k);
}

#define PERR(...) pm_error_set(err, PM_ERR_PARSE, name, line, __VA_ARGS__)

static int parse_entry(char *fields[5], const char *name, unsigned line, const char *dir,
                       struct pm_autod_entry *e, struct pm_error *err)
{
    const char *sz = fields[1];
    size_t szl = strlen(sz);
    if (!szl || szl > 8 || strspn(sz, "0123456789") != szl)
        return PERR("size '%.40s' is not a number of at most 8 digits", sz);
    e->size = atoll(sz);
    if (e->size > (long long)PM_AUTOD_MAX_BYTES)
        return PERR("size %lld is over the %zu-byte ceiling", e->size, PM_AUTOD_MAX_BYTES);
    if (strlen(fields[2]) != 64 || strspn(fields[2], "0123456789abcdef") != 64)
        return PERR("the hash is not 64 lowercase hex digits");
    memcpy(e->sha256, fields[2], 65);
    const char *copy = fields[3];
    if (!safe_name(copy) || copy[0] == '.' || !ends_with_ci(copy, ".xml"))
        return PERR("copy '%.80s' is not a plain .xml file name beside the manifest", copy);
    const char *path = fields[4];
    const char *base = base_of(path);
    if (base == path)
        return PERR("path '%.80s' names no folder", path);
    if (!safe_name(base) || !pm_autod_is_name(base))
        return PERR("'%.80s' is not a plain file name ending in Autodiscover.xml", base);
    for (const unsigned char *p = (const unsigned char *)path; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return PERR("path holds a control character");
    if (strstr(path, "..") || strstr(path, "/./") || strstr(path, "\\.\\"))
        return PERR("path '%.80s' holds a '..' or '.' part; refused", path);
    if (dir && !same_dir(path, (size_t)(base - path - 1), dir))
        return PERR("'%.80s' is not in '%.80s'; refused", path, dir);
    e->line = line;
    e->copy = pm_strdup(copy);
    e->path = pm_strdup(path);
    if (!e->copy || !e->path)
        return pm_error_set(err, PM_ERR_NOMEM, name, line, "out of memory");
    e->name = (char *)base_of(e->path);
    return 0;
}

int pm_autod_manifest_parse(const char *data, size_t len, const char *name, const char *dir,
                            struct pm_autod_manifest *m, struct pm_error *err)
{
    memset(m, 0, sizeof(*m));
    if (!name)
        name = "manifest";
    if (!data)
        data = "", len = 0;
    if (memchr(data, 0, len))
        return pm_error_set(err, PM_ERR_PARSE, name, 0, "holds a NUL byte; not a manifest");
    char *text = pm_strndup(data, len);
    if (!text)
        return pm_error_set(err, PM_ERR_NOMEM, name, 0, "out of memory");
    int rc = 0;
    unsigned line = 0;
    char *p = text;
    while (rc == 0 && p && *p) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = 0;
        size_t l = strlen(p);
        if (l && p[l - 1] == '\r')
            p[--l] = 0;
        line++;
        if (line == 1) {
            if (strcmp(p, PM_AUTOD_MANIFEST_MAGIC))
                rc = PERR("not a manifest of cached Autodiscover files (expected '%s')",
                          PM_AUTOD_MANIFEST_MAGIC);
        } else if (l && p[0] != '#') {
            char *fields[5];
            size_t nf = 0;
            char *q = p;
            while (nf < 5) {
                fields[nf++] = q;
                char *tab = nf < 5 ? strchr(q, '\t') : NULL;
                if (!tab)
                    break;
                *tab = 0;
                q = tab + 1;
            }
            if (nf != 5 || strcmp(fields[0], "file"))
                rc = PERR("expected 'file<TAB>size<TAB>sha256<TAB>copy<TAB>path'");
            else if (m->n >= PM_AUTOD_MAX_ENTRIES)
                rc = PERR("more than %d files", PM_AUTOD_MAX_ENTRIES);
            else {
                void *ne = realloc(m->e, (m->n + 1) * sizeof(*m->e));
                if (!ne)
                    rc = pm_error_set(err, PM_ERR_NOMEM, name, line, "out of memory");
                else {
                    m->e = ne;
                    struct pm_autod_entry *e = &m->e[m->n];
                    memset(e, 0, sizeof(*e));
                    rc = parse_entry(fields, name, line, dir, e, err);
                    m->n++; /* released either way */
                    for (size_t k = 0; rc == 0 && k + 1 < m->n; k++) {
                        if (!pm_ascii_ncasecmp(m->e[k].name, e->name, strlen(e->name) + 1))
                            rc = PERR("'%.80s' is listed twice (line %u)", e->name, m->e[k].line);
                        else if (!pm_ascii_ncasecmp(m->e[k].copy, e->copy, strlen(e->copy) + 1))
                            rc = PERR("copy '%.80s' is listed twice (line %u)", e->copy,
                                      m->e[k].line);
                    }
                }
            }
        }
        p = nl ? nl + 1 : NULL;
    }
    if (rc == 0 && line == 0 && ++line)
        rc = PERR("empty; not a manifest of cached Autodiscover files");
    free(text);
    if (rc < 0)
        pm_autod_manifest_release(m);
    return rc;
}

/* ---- restore ---- */

void pm_autod_restore_release(struct pm_autod_restore *r)
{
    pm_autod_manifest_release(&r->m);
    free(r->dir);
    free(r->backup_dir);
    free(r->action);
    memset(r, 0, sizeof(*r));
}

/* Reads an entry's copy from the backup folder and checks it against the manifest. */
static int read_copy(const struct pm_autod_restore *r, const struct pm_autod_entry *e,
                     const char *mname, struct pm_buf *data, struct pm_buf *cpath,
                     struct pm_error *err)
{
    pm_buf_reset(cpath);
    if (pm_path_join(cpath, r->backup_dir, e->copy) < 0)
        return pm_error_set(err, PM_ERR_NOMEM, NULL, 0, "out of memory");
    long long size = -1;
    int eno = 0;
    int rr = read_capped(cpath->data, data, &size, &eno);
    if (rr != 0)
        return pm_error_set(err, PM_ERR_PARSE, mname, e->line, "copy '%s' cannot be read%s",
                            cpath->data, rr > 0 ? " (too large)" : "");
    char sha[65];
    pm_sha256_of(data->data, data->len, sha);
    if ((long long)data->len != e->size || strcmp(sha, e->sha256))
        return pm_error_set(err, PM_ERR_PARSE, mname, e->line,
                            "copy '%s' does not match the size and hash recorded", cpath->data);
    return 0;
}

int pm_autod_restore_check(const char *manifest_path, const char *dir, int force,
                           struct pm_autod_restore *r, struct pm_error *err)
{
    memset(r, 0, sizeof(*r));
    struct pm_buf text = PM_BUF_INIT, data = PM_BUF_INIT, cpath = PM_BUF_INIT, dest = PM_BUF_INIT,
                  bdir = PM_BUF_INIT;
    int rc = pm_file_read(manifest_path, (size_t)4 << 20, &text, err);
    if (rc == 0)
        rc = pm_autod_manifest_parse(text.data ? text.data : "", text.len, manifest_path, dir,
                                     &r->m, err);
    if (rc == 0) {
        rc = pm_path_dirname(&bdir, manifest_path);
        r->dir = pm_strdup(dir);
        r->backup_dir = bdir.data ? pm_strdup(bdir.data) : NULL;
        r->action = calloc(r->m.n ? r->m.n : 1, sizeof(*r->action));
        if (rc < 0 || !r->dir || !r->backup_dir || !r->action)
            rc = pm_error_set(err, PM_ERR_NOMEM, NULL, 0, "out of memory");
    }
    for (size_t i = 0; rc == 0 && i < r->m.n; i++) {
        const struct pm_autod_entry *e = &r->m.e[i];
        rc = read_copy(r, e, manifest_path, &data, &cpath, err);
        if (rc < 0)
            break;
        pm_buf_reset(&dest);
        if (pm_path_join(&dest, dir, e->name) < 0) {
            rc = pm_error_set(err, PM_ERR_NOMEM, NULL, 0, "out of memory");
            break;
        }
        struct pm_buf cur = PM_BUF_INIT;
        long long size = -1;
        int eno = 0;
        int cr = read_capped(dest.data, &cur, &size, &eno);
        char sha[65] = "";
        if (cr == 0)
            pm_sha256_of(cur.data, cur.len, sha);
        pm_buf_release(&cur);
        if (!pm_os_file_exists(dest.data))
            r->action[i] = PM_AUTOD_WRITE;
        else if (cr == 0 && !strcmp(sha, e->sha256))
            r->action[i] = PM_AUTOD_SAME;
        else if (cr < 0 && !force)
            rc = pm_error_set(err, PM_ERR_BUSY, dest.data, 0,
                              "'%s' exists and cannot be read (a link, locked or no access); not "
                              "overwritten",
                              dest.data);
        else if (pm_os_file_mtime(dest.data) >= pm_os_file_mtime(cpath.data)) {
            r->action[i] = PM_AUTOD_NEWER;
            if (!force)
                rc = pm_error_set(err, PM_ERR_BUSY, dest.data, 0,
                                  "'%s' was written since the backup; not overwritten", dest.data);
        } else
            r->action[i] = PM_AUTOD_WRITE;
        if (rc == 0 && r->action[i] != PM_AUTOD_SAME)
            r->nwrite++;
    }
    pm_buf_release(&text);
    pm_buf_release(&data);
    pm_buf_release(&cpath);
    pm_buf_release(&dest);
    pm_buf_release(&bdir);
    if (rc < 0)
        pm_autod_restore_release(r);
    return rc;
}

int pm_autod_restore_apply(struct pm_autod_restore *r, struct pm_error *err)
{
    struct pm_buf data = PM_BUF_INIT, cpath = PM_BUF_INIT, dest = PM_BUF_INIT;
    int rc = 0;
    if (r->nwrite && pm_os_mkdirs(r->dir) < 0)
        rc = pm_error_set(err, PM_ERR_IO, r->dir, 0, "cannot create '%s'", r->dir);
    for (size_t i = 0; rc == 0 && i < r->m.n; i++) {
        const struct pm_autod_entry *e = &r->m.e[i];
        if (r->action[i] == PM_AUTOD_SAME)
            continue;
        /* Read again: the copy may have changed since the check. */
        rc = read_copy(r, e, "manifest", &data, &cpath, err);
        if (rc < 0)
            break;
        pm_buf_reset(&dest);
        if (pm_path_join(&dest, r->dir, e->name) < 0) {
            rc = pm_error_set(err, PM_ERR_NOMEM, NULL, 0, "out of memory");
            break;
        }
        /* Through a temporary file renamed over the name: a link there is replaced, never
         * followed. */
        rc = pm_file_write_atomic(dest.data, data.data, data.len, err);
        if (rc < 0)
            break;
        struct pm_buf back = PM_BUF_INIT;
        long long size = -1;
        int eno = 0;
        char sha[65] = "";
        if (read_capped(dest.data, &back, &size, &eno) == 0)
            pm_sha256_of(back.data, back.len, sha);
        pm_buf_release(&back);
        if (strcmp(sha, e->sha256))
            rc = pm_error_set(err, PM_ERR_IO, dest.data, 0, "'%s' does not read back as written",
                              dest.data);
    }
    pm_buf_release(&data);
    pm_buf_release(&cpath);
    pm_buf_release(&dest);
    return rc;
}
