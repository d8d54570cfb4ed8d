/* Restore: puts profiles back from a backup .reg an update wrote. The backup is checked line by
 * line first (only whole profiles under the profile roots, nothing to delete), read into a mem
 * store, compared with the target store for dry runs, and written back in one transaction. The
 * profile key itself is emptied and refilled rather than deleted, so a .reg store keeps its
 * profiles in the order they had and an update followed by a restore gives the original bytes. */
#include "compat.h"

#include "pm/profile.h"
#include "pm/regfile.h"
#include "pm/restore.h"

#include <stdlib.h>
#include <string.h>

#define RESTORE_MAX_PROFILES 4096
#define RESTORE_MAX_DEPTH 512

struct rst_load {
    struct pm_restore *r;
    const char *name;
    struct pm_error *err;
    size_t cur; /* profile of the last [key] line */
};

/* The length of the profile key prefix of path ("<root>\\<name>"), or 0 when path is not inside
 * a profile (the roots themselves and keys above them are not). */
static size_t rst_profile_prefix(const char *path)
{
    for (size_t i = 0; i < pm_profile_nroots; i++) {
        const char *root = pm_profile_roots[i];
        size_t n = strlen(root);
        if (pm_ascii_ncasecmp(path, root, n) != 0 || path[n] != '\\' || path[n + 1] == 0 ||
            path[n + 1] == '\\')
            continue;
        const char *end = strchr(path + n + 1, '\\');
        return end ? (size_t)(end - path) : strlen(path);
    }
    return 0;
}

static int rst_key(void *ctx, const char *root, const char *path, int del, unsigned line)
{
    struct rst_load *l = ctx;
    if (strcmp(root, "HKEY_CURRENT_USER") != 0)
        return pm_error_set(l->err, PM_ERR_PARSE, l->name, line,
                            "key '%s\\%s' is not under HKEY_CURRENT_USER; not a profile backup",
                            root, path);
    if (del)
        return pm_error_set(l->err, PM_ERR_PARSE, l->name, line,
                            "key deletion '[-%s\\%s]' in a backup; not a profile backup", root,
                            path);
    size_t n = rst_profile_prefix(path);
    if (n == 0)
        return pm_error_set(l->err, PM_ERR_PARSE, l->name, line,
                            "key '%s\\%s' is outside the profile roots; refusing to restore it",
                            root, path);
    struct pm_restore *r = l->r;
    for (size_t i = 0; i < r->nprofiles; i++) {
        struct pm_restore_profile *p = &r->profiles[i];
        if (strlen(p->path) == n && pm_ascii_ncasecmp(p->path, path, n) == 0) {
            p->keys++;
            l->cur = i;
            return 0;
        }
    }
    if (r->nprofiles >= RESTORE_MAX_PROFILES)
        return pm_error_set(l->err, PM_ERR_LIMIT, l->name, line, "more than %d profiles",
                            RESTORE_MAX_PROFILES);
    struct pm_restore_profile *np = realloc(r->profiles, (r->nprofiles + 1) * sizeof(*np));
    if (!np)
        return pm_error_set(l->err, PM_ERR_NOMEM, l->name, line, "out of memory");
    r->profiles = np;
    struct pm_restore_profile *p = &np[r->nprofiles];
    memset(p, 0, sizeof(*p));
    p->path = malloc(n + 1);
    if (!p->path)
        return pm_error_set(l->err, PM_ERR_NOMEM, l->name, line, "out of memory");
    memcpy(p->path, path, n);
    p->path[n] = 0;
    p->name = strrchr(p->path, '\\') + 1;
    p->line = line;
    p->keys = 1;
    l->cur = r->nprofiles++;
    return 0;
}

static int rst_value(void *ctx, const char *name, uint32_t type, const uint8_t *data, size_t len,
                     int del, unsigned line)
{
    struct rst_load *l = ctx;
    (void)type;
    (void)data;
    (void)len;
    if (del)
        return pm_error_set(l->err, PM_ERR_PARSE, l->name, line,
                            "value deletion '\"%s\"=-' in a backup; not a profile backup", name);
    if (l->cur < l->r->nprofiles)
        l->r->profiles[l->cur].values++;
    return 0;
}

void pm_restore_release(struct pm_restore *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nprofiles; i++)
        free(r->profiles[i].path);
    free(r->profiles);
    pm_store_close(r->backup);
    memset(r, 0, sizeof(*r));
}

int pm_restore_load(struct pm_restore *r, const void *data, size_t len, const char *name,
                    struct pm_error *err)
{
    memset(r, 0, sizeof(*r));
    struct rst_load l = {r, name, err, 0};
    struct pm_regfile_sink sink = {&l, rst_key, rst_value};
    enum pm_reg_format fmt;
    int rc = pm_regfile_parse(data, len, name, &sink, &fmt, err);
    if (rc == 0 && r->nprofiles == 0)
        rc = pm_error_set(err, PM_ERR_PARSE, name, 0, "no profile key in the backup");
    if (rc == 0)
        rc = pm_store_open(&r->backup, "mem:", 0, err);
    if (rc == 0)
        rc = pm_regfile_import(r->backup, data, len, name, err);
    if (rc < 0)
        pm_restore_release(r);
    return rc;
}

static int rst_same_value(const struct pm_value *a, const struct pm_value *b)
{
    return a->type == b->type && a->len == b->len &&
           (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

static int rst_child(struct pm_buf *out, const char *path, const char *name)
{
    pm_buf_reset(out);
    return pm_buf_printf(out, "%s\\%s", path, name);
}

/* Counts the differences between the key at path in the backup (b) and in the store (s). */
static int rst_compare_key(struct pm_store *b, struct pm_store *s, const char *path, int depth,
                           struct pm_restore_profile *p, struct pm_error *err)
{
    if (depth > RESTORE_MAX_DEPTH)
        return pm_error_set(err, PM_ERR_LIMIT, path, 0, "keys nested too deeply");
    struct pm_strlist bn = PM_STRLIST_INIT, sn = PM_STRLIST_INIT;
    struct pm_strlist bk = PM_STRLIST_INIT, sk = PM_STRLIST_INIT;
    struct pm_value bv = PM_VALUE_INIT, sv = PM_VALUE_INIT;
    struct pm_buf child = PM_BUF_INIT;
    int rc = pm_store_values(b, path, &bn, err);
    if (rc >= 0)
        rc = pm_store_values(s, path, &sn, err);
    if (rc >= 0)
        rc = pm_store_subkeys(b, path, &bk, err);
    if (rc >= 0)
        rc = pm_store_subkeys(s, path, &sk, err);
    for (size_t i = 0; rc >= 0 && i < bn.n; i++) {
        rc = pm_store_get(b, path, bn.items[i], &bv, err);
        int have = rc >= 0 ? pm_store_get(s, path, bn.items[i], &sv, err) : rc;
        if (have < 0)
            rc = have;
        else if (have == 0 || !rst_same_value(&bv, &sv))
            p->values_changed++;
    }
    for (size_t i = 0; rc >= 0 && i < sn.n; i++) {
        int have = pm_store_get(b, path, sn.items[i], &bv, err);
        if (have < 0)
            rc = have;
        else if (have == 0)
            p->values_extra++;
    }
    for (size_t i = 0; rc >= 0 && i < bk.n; i++) {
        if ((rc = rst_child(&child, path, bk.items[i])) < 0)
            break;
        int have = pm_store_key_exists(s, child.data, err);
        if (have < 0)
            rc = have;
        else if (have == 0)
            p->keys_missing++;
        /* Missing keys still count their values as changed, key by key below. */
        if (rc >= 0)
            rc = rst_compare_key(b, s, child.data, depth + 1, p, err);
    }
    for (size_t i = 0; rc >= 0 && i < sk.n; i++) {
        if ((rc = rst_child(&child, path, sk.items[i])) < 0)
            break;
        int have = pm_store_key_exists(b, child.data, err);
        if (have < 0)
            rc = have;
        else if (have == 0)
            p->keys_extra++;
    }
    pm_buf_release(&child);
    pm_value_release(&bv);
    pm_value_release(&sv);
    pm_strlist_release(&bn);
    pm_strlist_release(&sn);
    pm_strlist_release(&bk);
    pm_strlist_release(&sk);
    return rc < 0 ? rc : 0;
}

int pm_restore_compare(struct pm_restore *r, struct pm_store *st, struct pm_error *err)
{
    for (size_t i = 0; i < r->nprofiles; i++) {
        struct pm_restore_profile *p = &r->profiles[i];
        p->values_changed = p->values_extra = p->keys_missing = p->keys_extra = 0;
        int rc = pm_store_key_exists(st, p->path, err);
        if (rc < 0)
            return rc;
        p->present = rc;
        if (!p->present)
            p->keys_missing++;
        if ((rc = rst_compare_key(r->backup, st, p->path, 0, p, err)) < 0)
            return rc;
    }
    return 0;
}

int pm_restore_profile_differs(const struct pm_restore_profile *p)
{
    return !p->present || p->values_changed || p->values_extra || p->keys_missing ||
           p->keys_extra;
}

/* Removes every value and subkey of the key at path (the key itself stays). */
static int rst_empty_key(struct pm_store *st, const char *path, struct pm_error *err)
{
    struct pm_strlist names = PM_STRLIST_INIT, subs = PM_STRLIST_INIT;
    struct pm_buf child = PM_BUF_INIT;
    int rc = pm_store_values(st, path, &names, err);
    if (rc >= 0)
        rc = pm_store_subkeys(st, path, &subs, err);
    for (size_t i = 0; rc >= 0 && i < names.n; i++)
        rc = pm_store_delete_value(st, path, names.items[i], err);
    for (size_t i = 0; rc >= 0 && i < subs.n; i++) {
        if ((rc = rst_child(&child, path, subs.items[i])) >= 0)
            rc = pm_store_delete_key(st, child.data, err);
    }
    pm_buf_release(&child);
    pm_strlist_release(&names);
    pm_strlist_release(&subs);
    return rc < 0 ? rc : 0;
}

int pm_restore_apply(struct pm_restore *r, struct pm_store *st, int *rollback_failed,
                     struct pm_error *err)
{
    *rollback_failed = 0;
    int rc = pm_store_begin(st, err);
    if (rc < 0)
        return rc;
    for (size_t i = 0; rc >= 0 && i < r->nprofiles; i++) {
        const struct pm_restore_profile *p = &r->profiles[i];
        rc = pm_store_key_exists(st, p->path, err);
        if (rc > 0)
            rc = rst_empty_key(st, p->path, err);
        if (rc >= 0)
            rc = pm_store_copy_tree(st, r->backup, p->path, err);
    }
    if (rc >= 0)
        rc = pm_store_commit(st, err);
    if (rc < 0) {
        struct pm_error rb;
        pm_error_clear(&rb);
        if (pm_store_in_transaction(st) && pm_store_rollback(st, &rb) < 0)
            *rollback_failed = 1;
        return rc;
    }
    return 0;
}
