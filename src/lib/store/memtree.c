/* In-memory registry tree and the read/write half of the mem and reg backends. Lookups are
 * linear: profile keys hold tens of subkeys, and insertion order must be kept so that a .reg
 * file written back lists its keys and values where they were. */
#include "compat.h"

#include "memtree.h"

#include <stdlib.h>
#include <string.h>

struct pm_mtkey *pm_mtkey_new(const char *name)
{
    struct pm_mtkey *k = calloc(1, sizeof(*k));
    if (!k)
        return NULL;
    k->name = pm_strdup(name ? name : "");
    if (!k->name) {
        free(k);
        return NULL;
    }
    return k;
}

void pm_mtkey_free(struct pm_mtkey *k)
{
    if (!k)
        return;
    for (size_t i = 0; i < k->nsubs; i++)
        pm_mtkey_free(k->subs[i]);
    for (size_t i = 0; i < k->nvals; i++) {
        free(k->vals[i].name);
        free(k->vals[i].data);
    }
    free(k->subs);
    free(k->index);
    free(k->vals);
    free(k->name);
    free(k);
}

static uint8_t *copy_data(const void *data, size_t len)
{
    uint8_t *p = malloc(len + 2);
    if (!p)
        return NULL;
    if (len)
        memcpy(p, data, len);
    p[len] = 0;
    p[len + 1] = 0;
    return p;
}

struct pm_mtkey *pm_mtkey_clone(const struct pm_mtkey *k)
{
    struct pm_mtkey *c = pm_mtkey_new(k->name);
    if (!c)
        return NULL;
    if (k->nsubs) {
        c->subs = calloc(k->nsubs, sizeof(*c->subs));
        if (!c->subs)
            goto fail;
        c->capsubs = k->nsubs;
        for (size_t i = 0; i < k->nsubs; i++) {
            c->subs[i] = pm_mtkey_clone(k->subs[i]);
            if (!c->subs[i])
                goto fail;
            c->nsubs++;
        }
    }
    if (k->nvals) {
        c->vals = calloc(k->nvals, sizeof(*c->vals));
        if (!c->vals)
            goto fail;
        c->capvals = k->nvals;
        for (size_t i = 0; i < k->nvals; i++) {
            struct pm_mtvalue *v = &c->vals[i];
            v->name = pm_strdup(k->vals[i].name);
            v->data = copy_data(k->vals[i].data, k->vals[i].len);
            v->type = k->vals[i].type;
            v->len = k->vals[i].len;
            c->nvals++;
            if (!v->name || !v->data)
                goto fail;
        }
    }
    return c;
fail:
    pm_mtkey_free(c);
    return NULL;
}

#define MT_INDEX_MIN 16 /* below this many children a scan is as fast */

static void index_put(size_t *index, size_t cap, const char *name, size_t sub)
{
    size_t i = (size_t)pm_name_hash(name, strlen(name)) & (cap - 1);
    while (index[i])
        i = (i + 1) & (cap - 1);
    index[i] = sub + 1;
}

/* (Re)builds k's index for at least 'need' children (load factor at most 1/2). Returns 0, or
 * <0 when memory is short (lookups then scan). */
static int index_build(struct pm_mtkey *k, size_t need)
{
    size_t cap = 64;
    while (cap < 2 * need)
        cap *= 2;
    size_t *index = calloc(cap, sizeof(*index));
    if (!index)
        return PM_ERR_NOMEM;
    for (size_t i = 0; i < k->nsubs; i++)
        index_put(index, cap, k->subs[i]->name, i);
    free(k->index);
    k->index = index;
    k->index_cap = cap;
    return 0;
}

/* Records child number 'sub' just appended. */
static void index_add(struct pm_mtkey *k, size_t sub)
{
    if (k->nsubs < MT_INDEX_MIN)
        return;
    if (!k->index || 2 * k->nsubs > k->index_cap) {
        index_build(k, k->nsubs); /* includes 'sub'; on failure lookups scan */
        return;
    }
    index_put(k->index, k->index_cap, k->subs[sub]->name, sub);
}

struct pm_mtkey *pm_mtkey_child(const struct pm_mtkey *k, const char *name, size_t len)
{
    if (k->nsubs >= MT_INDEX_MIN) {
        /* The index is a cache of the children: building it changes nothing a caller sees. */
        struct pm_mtkey *mk = (struct pm_mtkey *)k;
        if (k->index || index_build(mk, k->nsubs) == 0) {
            size_t cap = k->index_cap;
            for (size_t i = (size_t)pm_name_hash(name, len) & (cap - 1); k->index[i];
                 i = (i + 1) & (cap - 1)) {
                const char *n = k->subs[k->index[i] - 1]->name;
                if (pm_name_ncasecmp(n, strlen(n), name, len) == 0)
                    return k->subs[k->index[i] - 1];
            }
            return NULL;
        }
    }
    for (size_t i = 0; i < k->nsubs; i++) {
        const char *n = k->subs[i]->name;
        if (pm_name_ncasecmp(n, strlen(n), name, len) == 0)
            return k->subs[i];
    }
    return NULL;
}

struct pm_mtkey *pm_mtkey_find(struct pm_mtkey *root, const char *path)
{
    struct pm_mtkey *k = root;
    const char *p = path;
    while (k && *p) {
        const char *sep = strchr(p, '\\');
        size_t len = sep ? (size_t)(sep - p) : strlen(p);
        k = pm_mtkey_child(k, p, len);
        p += len;
        if (*p == '\\')
            p++;
    }
    return k;
}

struct pm_mtkey *pm_mtkey_create(struct pm_mtkey *root, const char *path, int *created)
{
    struct pm_mtkey *k = root;
    const char *p = path;
    *created = 0;
    while (*p) {
        const char *sep = strchr(p, '\\');
        size_t len = sep ? (size_t)(sep - p) : strlen(p);
        struct pm_mtkey *c = pm_mtkey_child(k, p, len);
        if (!c) {
            if (k->nsubs >= PM_MAX_SUBKEYS)
                return NULL;
            if (k->nsubs == k->capsubs) {
                size_t ncap = k->capsubs ? k->capsubs * 2 : 8;
                struct pm_mtkey **ns = realloc(k->subs, ncap * sizeof(*ns));
                if (!ns)
                    return NULL;
                k->subs = ns;
                k->capsubs = ncap;
            }
            char *name = pm_strndup(p, len);
            if (!name)
                return NULL;
            c = pm_mtkey_new(name);
            free(name);
            if (!c)
                return NULL;
            k->subs[k->nsubs++] = c;
            index_add(k, k->nsubs - 1);
            *created = 1;
        }
        k = c;
        p += len;
        if (*p == '\\')
            p++;
    }
    return k;
}

int pm_mtkey_delete(struct pm_mtkey *root, const char *path)
{
    if (!*path)
        return PM_ERR_INVALID;
    const char *last = strrchr(path, '\\');
    struct pm_mtkey *parent = root;
    const char *leaf = path;
    if (last) {
        char *ppath = pm_strndup(path, (size_t)(last - path));
        if (!ppath)
            return PM_ERR_NOMEM;
        parent = pm_mtkey_find(root, ppath);
        free(ppath);
        leaf = last + 1;
    }
    if (!parent)
        return 0;
    for (size_t i = 0; i < parent->nsubs; i++) {
        if (pm_name_casecmp(parent->subs[i]->name, leaf) == 0) {
            pm_mtkey_free(parent->subs[i]);
            memmove(&parent->subs[i], &parent->subs[i + 1],
                    (parent->nsubs - i - 1) * sizeof(*parent->subs));
            parent->nsubs--;
            free(parent->index); /* positions moved: rebuilt at the next lookup */
            parent->index = NULL;
            parent->index_cap = 0;
            return 1;
        }
    }
    return 0;
}

struct pm_mtvalue *pm_mtkey_value(const struct pm_mtkey *k, const char *name)
{
    for (size_t i = 0; i < k->nvals; i++)
        if (pm_name_casecmp(k->vals[i].name, name) == 0)
            return &k->vals[i];
    return NULL;
}

int pm_mtkey_set_value(struct pm_mtkey *k, const char *name, uint32_t type, const void *data,
                       size_t len)
{
    uint8_t *copy = copy_data(data, len);
    if (!copy)
        return PM_ERR_NOMEM;
    struct pm_mtvalue *v = pm_mtkey_value(k, name);
    if (v) {
        free(v->data);
        v->data = copy;
        v->len = len;
        v->type = type;
        return 0;
    }
    if (k->nvals >= PM_MAX_VALUES) {
        free(copy);
        return PM_ERR_LIMIT;
    }
    if (k->nvals == k->capvals) {
        size_t ncap = k->capvals ? k->capvals * 2 : 8;
        struct pm_mtvalue *nv = realloc(k->vals, ncap * sizeof(*nv));
        if (!nv) {
            free(copy);
            return PM_ERR_NOMEM;
        }
        k->vals = nv;
        k->capvals = ncap;
    }
    v = &k->vals[k->nvals];
    v->name = pm_strdup(name);
    if (!v->name) {
        free(copy);
        return PM_ERR_NOMEM;
    }
    v->type = type;
    v->data = copy;
    v->len = len;
    k->nvals++;
    return 0;
}

int pm_mtkey_delete_value(struct pm_mtkey *k, const char *name)
{
    struct pm_mtvalue *v = pm_mtkey_value(k, name);
    if (!v)
        return 0;
    size_t i = (size_t)(v - k->vals);
    free(v->name);
    free(v->data);
    memmove(&k->vals[i], &k->vals[i + 1], (k->nvals - i - 1) * sizeof(*k->vals));
    k->nvals--;
    return 1;
}

/* ---- the shared handle ---- */

int pm_memstore_init(struct pm_memstore *ms, const struct pm_store_ops *ops)
{
    memset(ms, 0, sizeof(*ms));
    ms->base.ops = ops;
    ms->root = pm_mtkey_new("");
    return ms->root ? 0 : PM_ERR_NOMEM;
}

static void forget_last(struct pm_memstore *ms)
{
    free(ms->last_path);
    ms->last_path = NULL;
    ms->last_key = NULL;
}

void pm_memstore_release(struct pm_memstore *ms)
{
    forget_last(ms);
    pm_mtkey_free(ms->root);
    pm_mtkey_free(ms->snapshot);
    ms->root = ms->snapshot = NULL;
}

static struct pm_memstore *ms_of(struct pm_store *st)
{
    return (struct pm_memstore *)st;
}

/* The key at a normalized path, through the one-entry cache. */
static struct pm_mtkey *ms_find(struct pm_memstore *ms, const char *path)
{
    if (ms->last_path && strcmp(ms->last_path, path) == 0)
        return ms->last_key;
    struct pm_mtkey *k = pm_mtkey_find(ms->root, path);
    if (k) {
        char *copy = pm_strdup(path);
        if (copy) {
            free(ms->last_path);
            ms->last_path = copy;
            ms->last_key = k;
        }
    }
    return k;
}

int pm_memstore_subkeys(struct pm_store *st, const char *path, struct pm_strlist *out,
                        struct pm_error *err)
{
    struct pm_mtkey *k = ms_find(ms_of(st), path);
    if (!k)
        return 0;
    for (size_t i = 0; i < k->nsubs; i++)
        if (pm_strlist_add(out, k->subs[i]->name) < 0)
            return pm_error_set(err, PM_ERR_NOMEM, path, 0, "out of memory");
    return 1;
}

int pm_memstore_values(struct pm_store *st, const char *path, struct pm_strlist *out,
                       struct pm_error *err)
{
    struct pm_mtkey *k = ms_find(ms_of(st), path);
    if (!k)
        return 0;
    for (size_t i = 0; i < k->nvals; i++)
        if (pm_strlist_add(out, k->vals[i].name) < 0)
            return pm_error_set(err, PM_ERR_NOMEM, path, 0, "out of memory");
    return 1;
}

int pm_memstore_get(struct pm_store *st, const char *path, const char *name,
                    struct pm_value *out, struct pm_error *err)
{
    struct pm_mtkey *k = ms_find(ms_of(st), path);
    struct pm_mtvalue *v = k ? pm_mtkey_value(k, name) : NULL;
    if (!v)
        return 0;
    if (pm_value_assign(out, v->type, v->data, v->len) < 0)
        return pm_error_set(err, PM_ERR_NOMEM, path, 0, "out of memory");
    return 1;
}

int pm_memstore_set(struct pm_store *st, const char *path, const char *name, uint32_t type,
                    const void *data, size_t len, struct pm_error *err)
{
    int created;
    struct pm_mtkey *k = pm_mtkey_create(ms_of(st)->root, path, &created);
    if (!k)
        return pm_error_set(err, PM_ERR_NOMEM, path, 0, "cannot create key");
    int rc = pm_mtkey_set_value(k, name, type, data, len);
    if (rc < 0)
        return pm_error_set(err, rc, path, 0, "cannot set value '%s'", name);
    return 0;
}

int pm_memstore_delete_value(struct pm_store *st, const char *path, const char *name,
                             struct pm_error *err)
{
    (void)err;
    struct pm_mtkey *k = ms_find(ms_of(st), path);
    return k ? pm_mtkey_delete_value(k, name) : 0;
}

int pm_memstore_create_key(struct pm_store *st, const char *path, struct pm_error *err)
{
    int created;
    if (!pm_mtkey_create(ms_of(st)->root, path, &created))
        return pm_error_set(err, PM_ERR_NOMEM, path, 0, "cannot create key");
    return created;
}

int pm_memstore_delete_key(struct pm_store *st, const char *path, struct pm_error *err)
{
    forget_last(ms_of(st));
    int rc = pm_mtkey_delete(ms_of(st)->root, path);
    if (rc < 0)
        return pm_error_set(err, rc, path, 0, "cannot delete the root key");
    return rc;
}

int pm_memstore_begin(struct pm_store *st, struct pm_error *err)
{
    struct pm_memstore *ms = ms_of(st);
    pm_mtkey_free(ms->snapshot);
    ms->snapshot = pm_mtkey_clone(ms->root);
    if (!ms->snapshot)
        return pm_error_set(err, PM_ERR_NOMEM, NULL, 0, "out of memory taking a snapshot");
    return 0;
}

int pm_memstore_commit(struct pm_store *st, struct pm_error *err)
{
    (void)err;
    struct pm_memstore *ms = ms_of(st);
    pm_mtkey_free(ms->snapshot);
    ms->snapshot = NULL;
    return 0;
}

int pm_memstore_rollback(struct pm_store *st, struct pm_error *err)
{
    (void)err;
    struct pm_memstore *ms = ms_of(st);
    forget_last(ms);
    if (ms->snapshot) {
        pm_mtkey_free(ms->root);
        ms->root = ms->snapshot;
        ms->snapshot = NULL;
    }
    return 0;
}
