/* The "reg" backend: a .reg file held as an in-memory tree (memtree) and written back whole at
 * each commit through a temporary file renamed over the original. Keys of other roots than
 * HKEY_CURRENT_USER are kept aside untouched and written back where they were; the file's
 * spelling (REGEDIT5/4, UTF-16/UTF-8, BOM, line ends), the order of keys and values and the
 * [key] lines the file listed are kept too, so a file regedit or `reg export` wrote comes back
 * byte for byte when nothing changed. */
#include "compat.h"

#include "memtree.h"
#include "pm/os.h"

#include "regfile-text.h"

#include <stdlib.h>
#include <string.h>

/* One root key of the file, in order of first appearance. 'listed' mirrors the keys the file
 * named in a [key] line (each marked with a value named ""), so keys that only exist as parents
 * of others are not written as [key] lines of their own, as regedit does not either. */
struct reg_root {
    char *name;
    struct pm_mtkey *tree; /* NULL for HKEY_CURRENT_USER, whose tree is the store's */
    struct pm_mtkey *listed;
};

struct reg_store {
    struct pm_memstore ms; /* first: the handle is a memstore */
    struct pm_regtext_style style;
    struct reg_root *roots;
    size_t nroots;
};

static const char hkcu[] = "HKEY_CURRENT_USER";

static struct pm_mtkey *root_tree(struct reg_store *rs, struct reg_root *r)
{
    return r->tree ? r->tree : rs->ms.root;
}

static struct reg_root *find_root(struct reg_store *rs, const char *name, int add)
{
    for (size_t i = 0; i < rs->nroots; i++)
        if (strcmp(rs->roots[i].name, name) == 0)
            return &rs->roots[i];
    if (!add)
        return NULL;
    struct reg_root *nr = realloc(rs->roots, (rs->nroots + 1) * sizeof(*nr));
    if (!nr)
        return NULL;
    rs->roots = nr;
    struct reg_root *r = &nr[rs->nroots];
    memset(r, 0, sizeof(*r));
    r->name = pm_strdup(name);
    r->listed = pm_mtkey_new("");
    if (strcmp(name, hkcu) != 0)
        r->tree = pm_mtkey_new("");
    if (!r->name || !r->listed || (strcmp(name, hkcu) != 0 && !r->tree)) {
        free(r->name);
        pm_mtkey_free(r->listed);
        pm_mtkey_free(r->tree);
        return NULL;
    }
    rs->nroots++;
    return r;
}

/* ---- loading ---- */

struct load_ctx {
    struct reg_store *rs;
    const char *file;
    struct pm_error *err;
    struct pm_mtkey *cur;
};

/* Empties a tree in place (a [-ROOT] line). */
static int clear_tree(struct pm_mtkey *k)
{
    while (k->nsubs) {
        pm_mtkey_free(k->subs[k->nsubs - 1]);
        k->nsubs--;
    }
    free(k->index);
    k->index = NULL;
    k->index_cap = 0;
    while (k->nvals)
        pm_mtkey_delete_value(k, k->vals[k->nvals - 1].name);
    return 0;
}

static int load_key(void *vctx, const char *root, const char *path, int del, unsigned line)
{
    struct load_ctx *c = vctx;
    struct reg_root *r = find_root(c->rs, root, 1);
    if (!r)
        return pm_error_set(c->err, PM_ERR_NOMEM, c->file, line, "out of memory");
    struct pm_mtkey *tree = root_tree(c->rs, r);
    c->cur = NULL;
    if (del) {
        if (*path) {
            pm_mtkey_delete(tree, path);
            pm_mtkey_delete(r->listed, path);
        } else {
            clear_tree(tree);
            clear_tree(r->listed);
        }
        return 0;
    }
    int created;
    struct pm_mtkey *k = pm_mtkey_create(tree, path, &created);
    struct pm_mtkey *m = k ? pm_mtkey_create(r->listed, path, &created) : NULL;
    if (!k || !m || pm_mtkey_set_value(m, "", PM_REG_NONE, NULL, 0) < 0)
        return pm_error_set(c->err, PM_ERR_LIMIT, c->file, line,
                            "cannot hold key '%s' (out of memory or too many subkeys)", path);
    c->cur = k;
    return 0;
}

static int load_value(void *vctx, const char *name, uint32_t type, const uint8_t *data,
                      size_t len, int del, unsigned line)
{
    struct load_ctx *c = vctx;
    if (!c->cur)
        return pm_error_set(c->err, PM_ERR_PARSE, c->file, line, "value outside a key");
    if (del) {
        pm_mtkey_delete_value(c->cur, name);
        return 0;
    }
    int rc = pm_mtkey_set_value(c->cur, name, type, data, len);
    if (rc < 0)
        return pm_error_set(c->err, rc, c->file, line, "cannot hold value '%s'", name);
    return 0;
}

/* ---- saving ---- */

static int save_rec(struct pm_regtext *w, const char *root, const struct pm_mtkey *k,
                    const struct pm_mtkey *listed, struct pm_buf *path, int depth,
                    struct pm_error *err)
{
    if (depth > PM_REGFILE_MAX_DEPTH)
        return pm_error_set(err, PM_ERR_LIMIT, path->data, 0, "keys nested too deeply");
    const char *p = path->data ? path->data : "";
    int is_listed = listed && pm_mtkey_value(listed, "") != NULL;
    int rc = 0;
    if (is_listed || k->nvals || (k->nsubs == 0 && *p)) {
        if ((rc = pm_regtext_key(w, root, p)) < 0)
            return pm_error_set(err, rc, p, 0, "%s",
                                rc == PM_ERR_UNSUPPORTED
                                    ? "a line break in a key name cannot be written"
                                    : "out of memory");
        for (size_t i = 0; i < k->nvals; i++) {
            const struct pm_mtvalue *v = &k->vals[i];
            if ((rc = pm_regtext_value(w, v->name, v->type, v->data, v->len, err)) < 0)
                return rc;
        }
    }
    size_t keep = path->len;
    for (size_t i = 0; i < k->nsubs; i++) {
        const struct pm_mtkey *s = k->subs[i];
        const struct pm_mtkey *ls = listed ? pm_mtkey_child(listed, s->name, strlen(s->name)) : NULL;
        path->len = keep;
        if (path->data)
            path->data[keep] = 0;
        if (pm_buf_printf(path, "%s%s", keep ? "\\" : "", s->name) < 0)
            return pm_error_set(err, PM_ERR_LIMIT, p, 0, "key path too long");
        if ((rc = save_rec(w, root, s, ls, path, depth + 1, err)) < 0)
            return rc;
    }
    path->len = keep;
    if (path->data)
        path->data[keep] = 0;
    return 0;
}

static int reg_serialize(struct reg_store *rs, struct pm_buf *out, struct pm_error *err)
{
    struct pm_regtext w;
    pm_regtext_init(&w, &rs->style);
    int rc = pm_regtext_header(&w);
    if (rc < 0)
        rc = pm_error_set(err, rc, NULL, 0, "out of memory");
    for (size_t i = 0; rc >= 0 && i < rs->nroots; i++) {
        struct reg_root *r = &rs->roots[i];
        struct pm_buf path;
        pm_buf_init(&path, PM_MAX_PATH_BYTES * 2);
        rc = save_rec(&w, r->name, root_tree(rs, r), r->listed, &path, 0, err);
        pm_buf_release(&path);
    }
    if (rc >= 0)
        rc = pm_regtext_finish(&w, out, err);
    pm_regtext_release(&w);
    return rc;
}

/* ---- the backend ---- */

static void reg_free(struct reg_store *rs)
{
    for (size_t i = 0; i < rs->nroots; i++) {
        free(rs->roots[i].name);
        pm_mtkey_free(rs->roots[i].tree);
        pm_mtkey_free(rs->roots[i].listed);
    }
    free(rs->roots);
    pm_memstore_release(&rs->ms);
    free(rs);
}

static int reg_open(struct pm_store **out, const char *location, unsigned flags,
                    struct pm_error *err)
{
    (void)flags;
    if (!location || !*location)
        return pm_error_set(err, PM_ERR_INVALID, NULL, 0, "the reg store needs a file (reg:FILE)");
    struct reg_store *rs = calloc(1, sizeof(*rs));
    if (!rs || pm_memstore_init(&rs->ms, &pm_store_reg_ops) < 0) {
        if (rs)
            pm_memstore_release(&rs->ms);
        free(rs);
        return pm_error_set(err, PM_ERR_NOMEM, NULL, 0, "out of memory");
    }
    struct pm_buf text = PM_BUF_INIT;
    int rc = pm_file_read(location, 0, &text, err);
    if (rc == 0) {
        struct load_ctx c = {rs, location, err, NULL};
        struct pm_regfile_sink sink = {&c, load_key, load_value};
        rc = pm_regtext_parse(text.data ? text.data : "", text.len, location, &sink, &rs->style,
                              err);
    }
    pm_buf_release(&text);
    if (rc == 0 && !find_root(rs, hkcu, 1))
        rc = pm_error_set(err, PM_ERR_NOMEM, NULL, 0, "out of memory");
    if (rc < 0) {
        reg_free(rs);
        return rc;
    }
    *out = &rs->ms.base;
    return 0;
}

static void reg_close(struct pm_store *st)
{
    reg_free((struct reg_store *)st);
}

static int reg_commit(struct pm_store *st, struct pm_error *err)
{
    struct reg_store *rs = (struct reg_store *)st;
    struct pm_buf text = PM_BUF_INIT;
    int rc = reg_serialize(rs, &text, err);
    if (rc == 0)
        rc = pm_file_write_atomic(st->location, text.data ? text.data : "", text.len, err);
    pm_buf_release(&text);
    if (rc < 0)
        return rc; /* the snapshot stays: the caller rolls back */
    return pm_memstore_commit(st, err);
}

const struct pm_store_ops pm_store_reg_ops = {
    .name = "reg",
    .open = reg_open,
    .close = reg_close,
    .subkeys = pm_memstore_subkeys,
    .values = pm_memstore_values,
    .get = pm_memstore_get,
    .set = pm_memstore_set,
    .delete_value = pm_memstore_delete_value,
    .create_key = pm_memstore_create_key,
    .delete_key = pm_memstore_delete_key,
    .begin = pm_memstore_begin,
    .commit = reg_commit,
    .rollback = pm_memstore_rollback,
};
