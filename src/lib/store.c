/* Store dispatch: the only caller of backend functions. It parses specs, normalizes key paths,
 * checks arguments and transaction state, wraps a lone write in its own transaction, and hosts
 * the fault-injection hook, so every backend gets these once and alike. */
#include "compat.h"

#include "store-backend.h"

#include <stdlib.h>
#include <string.h>

static const struct pm_store_ops *const backends[] = {
    &pm_store_mem_ops,
    &pm_store_reg_ops,
#ifdef PM_HAVE_HIVEX
    &pm_store_hive_ops,
#endif
#ifdef PM_HAVE_LIVE
    &pm_store_live_ops,
#endif
};

static const struct pm_store_ops *find_backend(const char *name, size_t len)
{
    for (size_t i = 0; i < PM_ARRAY_SIZE(backends); i++)
        if (strlen(backends[i]->name) == len && strncmp(backends[i]->name, name, len) == 0)
            return backends[i];
    return NULL;
}

int pm_store_backend_available(const char *backend)
{
    return find_backend(backend, strlen(backend)) != NULL;
}

static int known_backend_name(const char *name, size_t len)
{
    static const char *const all[] = {"mem", "reg", "hive", "live"};
    for (size_t i = 0; i < PM_ARRAY_SIZE(all); i++)
        if (strlen(all[i]) == len && strncmp(all[i], name, len) == 0)
            return 1;
    return 0;
}

int pm_store_spec_check(const char *spec, struct pm_error *err)
{
    if (!spec || !*spec)
        return pm_error_set(err, PM_ERR_INVALID, NULL, 0, "empty store spec");
    const char *colon = strchr(spec, ':');
    size_t nlen = colon ? (size_t)(colon - spec) : strlen(spec);
    if (!find_backend(spec, nlen)) {
        if (known_backend_name(spec, nlen))
            return pm_error_set(err, PM_ERR_UNSUPPORTED, NULL, 0,
                                "the '%.*s' store is not available in this build", (int)nlen,
                                spec);
        return pm_error_set(err, PM_ERR_INVALID, NULL, 0,
                            "unknown store '%s' (use reg:FILE, hive:FILE, live or mem:)", spec);
    }
    /* The file stores' own open says the same; checked here so a caller can refuse the spec
     * before doing anything else. */
    if (nlen == 3 && !strncmp(spec, "reg", 3) && (!colon || !colon[1]))
        return pm_error_set(err, PM_ERR_INVALID, NULL, 0, "the reg store needs a file (reg:FILE)");
    if (nlen == 4 && !strncmp(spec, "hive", 4) && (!colon || !colon[1]))
        return pm_error_set(err, PM_ERR_INVALID, NULL, 0, "the hive store needs a file name");
    return 0;
}

int pm_store_open(struct pm_store **out, const char *spec, unsigned flags, struct pm_error *err)
{
    *out = NULL;
    if (!spec || !*spec)
        return pm_error_set(err, PM_ERR_INVALID, NULL, 0, "empty store spec");
    const char *colon = strchr(spec, ':');
    size_t nlen = colon ? (size_t)(colon - spec) : strlen(spec);
    const char *location = colon ? colon + 1 : "";
    const struct pm_store_ops *ops = find_backend(spec, nlen);
    if (!ops) {
        if (known_backend_name(spec, nlen))
            return pm_error_set(err, PM_ERR_UNSUPPORTED, NULL, 0,
                                "the '%.*s' store is not available in this build", (int)nlen,
                                spec);
        return pm_error_set(err, PM_ERR_INVALID, NULL, 0,
                            "unknown store '%s' (use reg:FILE, hive:FILE, live or mem:)", spec);
    }
    struct pm_store *st = NULL;
    int rc = ops->open(&st, location, flags, err);
    if (rc < 0)
        return rc;
    st->ops = ops;
    st->flags = flags;
    st->location = pm_strdup(location);
    if (!st->location) {
        ops->close(st);
        return pm_error_set(err, PM_ERR_NOMEM, NULL, 0, "out of memory");
    }
    *out = st;
    return 0;
}

void pm_store_close(struct pm_store *st)
{
    if (!st)
        return;
    if (st->in_txn)
        st->ops->rollback(st, NULL);
    char *loc = st->location;
    st->ops->close(st);
    free(loc);
}

const char *pm_store_backend(const struct pm_store *st)
{
    return st->ops->name;
}

const char *pm_store_location(const struct pm_store *st)
{
    return st->location;
}

int pm_store_in_transaction(const struct pm_store *st)
{
    return st->in_txn;
}

unsigned long pm_store_fault_at(struct pm_store *st, unsigned long nth)
{
    unsigned long seen = st->mutations;
    st->mutations = 0;
    st->fail_at = nth;
    return seen;
}

unsigned long pm_store_mutation_count(const struct pm_store *st)
{
    return st->mutations;
}

/* Normalized copy of a key path: no empty components, no leading or trailing separators.
 * Forward slashes are not separators (registry key names may contain them). */
static int norm_path(const char *path, char *out, size_t size, struct pm_error *err)
{
    if (!path)
        path = "";
    size_t o = 0;
    for (const char *p = path; *p;) {
        while (*p == '\\')
            p++;
        if (!*p)
            break;
        const char *e = p;
        while (*e && *e != '\\')
            e++;
        size_t n = (size_t)(e - p);
        if (n > 255 * 3)
            return pm_error_set(err, PM_ERR_INVALID, path, 0, "key name too long");
        if (o + n + 2 > size)
            return pm_error_set(err, PM_ERR_LIMIT, path, 0, "key path too long");
        if (o)
            out[o++] = '\\';
        memcpy(out + o, p, n);
        o += n;
        p = e;
    }
    out[o] = 0;
    return 0;
}

static int check_name(const char *name, const char *path, struct pm_error *err)
{
    if (!name)
        return pm_error_set(err, PM_ERR_INVALID, path, 0, "missing value name");
    if (strlen(name) > PM_MAX_NAME_BYTES)
        return pm_error_set(err, PM_ERR_INVALID, path, 0, "value name too long");
    return 0;
}

/* Counts a mutating call and fires the fault hook. */
static int mutation(struct pm_store *st, const char *what, const char *path,
                    struct pm_error *err)
{
    if (st->flags & PM_STORE_READONLY)
        return pm_error_set(err, PM_ERR_INVALID, path, 0, "store opened read-only: cannot %s",
                            what);
    st->mutations++;
    if (st->fail_at && st->mutations == st->fail_at)
        return pm_error_set(err, PM_ERR_FAULT, path, 0, "injected fault at %s #%lu", what,
                            st->mutations);
    return 0;
}

#define NORM(var, path)                                                                            \
    char var[PM_MAX_PATH_BYTES];                                                                   \
    do {                                                                                           \
        int nrc_ = norm_path(path, var, sizeof(var), err);                                        \
        if (nrc_ < 0)                                                                              \
            return nrc_;                                                                           \
    } while (0)

int pm_store_key_exists(struct pm_store *st, const char *path, struct pm_error *err)
{
    struct pm_strlist l = PM_STRLIST_INIT;
    NORM(p, path);
    int rc = st->ops->values(st, p, &l, err);
    pm_strlist_release(&l);
    return rc;
}

int pm_store_subkeys(struct pm_store *st, const char *path, struct pm_strlist *out,
                     struct pm_error *err)
{
    NORM(p, path);
    return st->ops->subkeys(st, p, out, err);
}

int pm_store_values(struct pm_store *st, const char *path, struct pm_strlist *out,
                    struct pm_error *err)
{
    NORM(p, path);
    return st->ops->values(st, p, out, err);
}

int pm_store_get(struct pm_store *st, const char *path, const char *name, struct pm_value *out,
                 struct pm_error *err)
{
    NORM(p, path);
    int rc = check_name(name, p, err);
    if (rc < 0)
        return rc;
    pm_value_release(out);
    return st->ops->get(st, p, name, out, err);
}

/* Runs one write inside the open transaction, or in one of its own. */
typedef int (*write_fn)(struct pm_store *st, const char *path, const void *a, struct pm_error *err);

static int in_txn(struct pm_store *st, const char *what, const char *path, write_fn fn,
                  const void *arg, struct pm_error *err)
{
    int rc = mutation(st, what, path, err);
    if (rc < 0)
        return rc;
    if (st->in_txn)
        return fn(st, path, arg, err);
    if ((rc = st->ops->begin(st, err)) < 0)
        return rc;
    int res = fn(st, path, arg, err);
    if (res < 0) {
        st->ops->rollback(st, NULL);
        return res;
    }
    if ((rc = st->ops->commit(st, err)) < 0) {
        st->ops->rollback(st, NULL);
        return rc;
    }
    return res;
}

struct set_args {
    const char *name;
    uint32_t type;
    const void *data;
    size_t len;
};

static int do_set(struct pm_store *st, const char *path, const void *a, struct pm_error *err)
{
    const struct set_args *s = a;
    return st->ops->set(st, path, s->name, s->type, s->data, s->len, err);
}

static int do_delete_value(struct pm_store *st, const char *path, const void *a,
                           struct pm_error *err)
{
    return st->ops->delete_value(st, path, a, err);
}

static int do_create_key(struct pm_store *st, const char *path, const void *a,
                         struct pm_error *err)
{
    (void)a;
    return st->ops->create_key(st, path, err);
}

static int do_delete_key(struct pm_store *st, const char *path, const void *a,
                         struct pm_error *err)
{
    (void)a;
    return st->ops->delete_key(st, path, err);
}

int pm_store_set(struct pm_store *st, const char *path, const char *name, uint32_t type,
                 const void *data, size_t len, struct pm_error *err)
{
    NORM(p, path);
    int rc = check_name(name, p, err);
    if (rc < 0)
        return rc;
    if (len > PM_MAX_VALUE_BYTES)
        return pm_error_set(err, PM_ERR_LIMIT, p, 0, "value '%s' too large", name);
    if (!*p)
        return pm_error_set(err, PM_ERR_INVALID, p, 0, "cannot set a value on the root key");
    struct set_args a = {name, type, data, len};
    return in_txn(st, "set a value", p, do_set, &a, err);
}

int pm_store_delete_value(struct pm_store *st, const char *path, const char *name,
                          struct pm_error *err)
{
    NORM(p, path);
    int rc = check_name(name, p, err);
    if (rc < 0)
        return rc;
    return in_txn(st, "delete a value", p, do_delete_value, name, err);
}

int pm_store_create_key(struct pm_store *st, const char *path, struct pm_error *err)
{
    NORM(p, path);
    if (!*p)
        return 0;
    return in_txn(st, "create a key", p, do_create_key, NULL, err);
}

int pm_store_delete_key(struct pm_store *st, const char *path, struct pm_error *err)
{
    NORM(p, path);
    if (!*p)
        return pm_error_set(err, PM_ERR_INVALID, p, 0, "cannot delete the root key");
    return in_txn(st, "delete a key", p, do_delete_key, NULL, err);
}

int pm_store_begin(struct pm_store *st, struct pm_error *err)
{
    if (st->in_txn)
        return pm_error_set(err, PM_ERR_INVALID, NULL, 0, "a transaction is already open");
    if (st->flags & PM_STORE_READONLY)
        return pm_error_set(err, PM_ERR_INVALID, NULL, 0, "store opened read-only");
    int rc = st->ops->begin(st, err);
    if (rc == 0)
        st->in_txn = 1;
    return rc;
}

int pm_store_commit(struct pm_store *st, struct pm_error *err)
{
    if (!st->in_txn)
        return pm_error_set(err, PM_ERR_INVALID, NULL, 0, "no transaction is open");
    int rc = mutation(st, "commit", NULL, err);
    if (rc == 0)
        rc = st->ops->commit(st, err);
    if (rc < 0) {
        /* A failed commit leaves the transaction open: the caller decides to roll back. */
        return rc;
    }
    st->in_txn = 0;
    return 0;
}

int pm_store_rollback(struct pm_store *st, struct pm_error *err)
{
    if (!st->in_txn)
        return pm_error_set(err, PM_ERR_INVALID, NULL, 0, "no transaction is open");
    st->in_txn = 0;
    return st->ops->rollback(st, err);
}

static int copy_rec(struct pm_store *dst, struct pm_store *src, const char *path, int depth,
                    struct pm_error *err)
{
    if (depth > 512)
        return pm_error_set(err, PM_ERR_LIMIT, path, 0, "keys nested too deeply");
    struct pm_strlist names = PM_STRLIST_INIT, subs = PM_STRLIST_INIT;
    struct pm_value v = PM_VALUE_INIT;
    int rc = pm_store_values(src, path, &names, err);
    if (rc <= 0)
        goto out;
    if ((rc = pm_store_create_key(dst, path, err)) < 0)
        goto out;
    for (size_t i = 0; i < names.n; i++) {
        rc = pm_store_get(src, path, names.items[i], &v, err);
        if (rc < 0)
            goto out;
        if (rc == 0)
            continue;
        if ((rc = pm_store_set(dst, path, names.items[i], v.type, v.data, v.len, err)) < 0)
            goto out;
    }
    if ((rc = pm_store_subkeys(src, path, &subs, err)) < 0)
        goto out;
    for (size_t i = 0; i < subs.n; i++) {
        struct pm_buf child = PM_BUF_INIT;
        if (pm_buf_printf(&child, "%s%s%s", path, *path ? "\\" : "", subs.items[i]) < 0) {
            pm_buf_release(&child);
            rc = pm_error_set(err, PM_ERR_NOMEM, path, 0, "out of memory");
            goto out;
        }
        rc = copy_rec(dst, src, child.data, depth + 1, err);
        pm_buf_release(&child);
        if (rc < 0)
            goto out;
    }
    rc = 0;
out:
    pm_value_release(&v);
    pm_strlist_release(&names);
    pm_strlist_release(&subs);
    return rc;
}

int pm_store_copy_tree(struct pm_store *dst, struct pm_store *src, const char *path,
                       struct pm_error *err)
{
    NORM(p, path);
    return copy_rec(dst, src, p, 0, err);
}
