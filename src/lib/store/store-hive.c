/* The "hive" backend: an NTUSER.DAT registry hive read and edited through libhivex. The hive's
 * root key is HKEY_CURRENT_USER, so the store path "Software\\Microsoft" is root->Software->
 * Microsoft. hivex keeps the whole hive in memory when opened for writing, so a transaction is
 * simply "edit the in-memory copy": commit writes that copy to a temporary file in the hive's
 * folder, flushes it and renames it over the original (a crash leaves the old or the new file,
 * never a mix; hivex on its own would rewrite the file in place), and rollback throws the copy
 * away by reopening the file from disk. Hives come from users' machines and may be damaged, so
 * every hivex failure becomes a pm_error naming the file and key path, and every count and size
 * read from the file is held to the PM_MAX_* ceilings before it is trusted.
 *
 * Values longer than 16344 bytes are the one thing hivex cannot write right: it puts them in a
 * single cell (and refuses cells near 1 MB), where hives of format 1.4 and later must hold them
 * as "big data" (a db cell listing segments of 16344 bytes), or Windows misreads them. So the
 * store keeps such values aside, gives hivex an empty placeholder under the same name and type,
 * and at commit appends one hive bin with the db cells to the file hivex wrote and points the
 * placeholder's vk cell at them, before the rename. */
#include "compat.h"

#include "store-backend.h"
#include "pm/os.h"

#include <errno.h>
#include <fcntl.h>
#include <hivex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A big value waiting for the commit (see above). */
struct hive_big {
    char *path;
    char *name;
    uint32_t type;
    uint8_t *data;
    size_t len;
};

/* The children of one parent key indexed by folded name (pm_name_hash): hivex finds a child by
 * listing all of them and we compare each name, so n lookups under one parent with n subkeys
 * (reading or writing every sibling) cost n^2 name reads. A parent with HIVE_KIDS_MIN or more
 * subkeys gets this index the first time it is searched, built from that same listing; later
 * lookups read one name (or a few, on a shared hash). Slots are 0 when empty; equal hashes keep
 * the children's order along their probe sequence, so the first of two equal names still wins. */
struct hive_kids {
    hive_node_h parent;
    size_t n, cap; /* cap: a power of two, at most 3/4 full */
    struct hive_kid {
        uint64_t hash;
        hive_node_h node;
    } * slots;
};
#define HIVE_KIDS_MIN 16
#define HIVE_KIDS_CACHED 8 /* parents indexed at once: the store edits a few keys at a time */

struct hive_store {
    struct pm_store base;
    hive_h *h;    /* NULL only after a failed reopen */
    char *file;
    int writable;
    int dirty;    /* the in-memory copy differs from the file */
    int big_data; /* format 1.4 or later: values over HIVE_SEGMENT bytes need db cells */
    struct hive_big *big;
    size_t nbig, capbig;
    struct hive_kids kids[HIVE_KIDS_CACHED]; /* the latest parents indexed, oldest first */
    size_t nkids;
};

/* Forgets every index: after a key is deleted (its nodes may be reused) or the hive reloaded. */
static void kids_clear(struct hive_store *hs)
{
    for (size_t i = 0; i < hs->nkids; i++)
        free(hs->kids[i].slots);
    hs->nkids = 0;
}

static struct hive_kids *kids_find(struct hive_store *hs, hive_node_h parent)
{
    for (size_t i = 0; i < hs->nkids; i++)
        if (hs->kids[i].parent == parent)
            return &hs->kids[i];
    return NULL;
}

static void kids_put(struct hive_kids *k, uint64_t hash, hive_node_h node)
{
    size_t i = (size_t)hash & (k->cap - 1);
    while (k->slots[i].node)
        i = (i + 1) & (k->cap - 1);
    k->slots[i].hash = hash;
    k->slots[i].node = node;
    k->n++;
}

/* Adds a child to an index, growing it. 0 or PM_ERR_NOMEM (the index is then dropped). */
static int kids_add(struct hive_store *hs, struct hive_kids *k, uint64_t hash, hive_node_h node)
{
    if ((k->n + 1) * 4 > k->cap * 3) {
        struct hive_kids g = {k->parent, 0, k->cap * 2, NULL};
        if (!(g.slots = calloc(g.cap, sizeof(*g.slots)))) {
            free(k->slots);
            *k = hs->kids[--hs->nkids];
            return PM_ERR_NOMEM;
        }
        /* in slot order from each chain's start keeps equal hashes in their order */
        size_t start = 0;
        while (start < k->cap && k->slots[start].node)
            start++;
        for (size_t j = 0; j < k->cap; j++) {
            size_t i = (start + j) & (k->cap - 1);
            if (k->slots[i].node)
                kids_put(&g, k->slots[i].hash, k->slots[i].node);
        }
        free(k->slots);
        *k = g;
    }
    kids_put(k, hash, node);
    return 0;
}

/* Data bytes per big-data segment, and so the largest value kept in one cell (format spec). */
#define HIVE_SEGMENT 16344u

static struct hive_store *hive_of(struct pm_store *st)
{
    return (struct hive_store *)st;
}

/* hivex reports failures through errno; some paths return failure with errno left at 0. */
static const char *hive_errstr(int e)
{
    return e ? strerror(e) : "damaged hive";
}

static int hive_fail(struct hive_store *hs, enum pm_err code, const char *path, int e,
                     const char *what, struct pm_error *err)
{
    if (e == ENOMEM)
        code = PM_ERR_NOMEM;
    return pm_error_set(err, code, hs->file, 0, "%s '%s': %s", what,
                        path && *path ? path : "(root)", hive_errstr(e));
}

/* Opens the file with hivex, telling a file we cannot read (PM_ERR_IO) from one that is not a
 * hive (PM_ERR_PARSE): hivex's errno alone does not separate the two. */
static int hive_load(const char *file, int writable, hive_h **out, int *big_data,
                     struct pm_error *err)
{
    *out = NULL;
    int fd = open(file, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
    if (fd < 0)
        return pm_error_set(err, PM_ERR_IO, file, 0, "cannot open '%s': %s", file,
                            strerror(errno));
    struct stat sb;
    int rc = fstat(fd, &sb);
    int e = errno;
    unsigned char head[0x20] = {0};
    if (rc == 0 && pread(fd, head, sizeof(head), 0) == (ssize_t)sizeof(head))
        *big_data = head[0x14] == 1 && head[0x18] >= 4; /* version 1.4 or later */
    close(fd);
    if (rc != 0)
        return pm_error_set(err, PM_ERR_IO, file, 0, "cannot open '%s': %s", file, strerror(e));
    if (!S_ISREG(sb.st_mode))
        return pm_error_set(err, PM_ERR_IO, file, 0, "cannot open '%s': not a regular file",
                            file);
    errno = 0;
    hive_h *h = hivex_open(file, writable ? HIVEX_OPEN_WRITE : 0);
    if (!h) {
        e = errno;
        if (e == ENOMEM)
            return pm_error_set(err, PM_ERR_NOMEM, file, 0, "out of memory opening '%s'", file);
        if (e == EACCES || e == EPERM || e == EIO || e == EMFILE || e == ENFILE)
            return pm_error_set(err, PM_ERR_IO, file, 0, "cannot open '%s': %s", file,
                                strerror(e));
        return pm_error_set(err, PM_ERR_PARSE, file, 0, "'%s' is not a valid registry hive: %s",
                            file, hive_errstr(e));
    }
    *out = h;
    return 0;
}

static int hive_open(struct pm_store **out, const char *location, unsigned flags,
                     struct pm_error *err)
{
    if (!location || !*location)
        return pm_error_set(err, PM_ERR_INVALID, NULL, 0, "the hive store needs a file name");
    struct hive_store *hs = calloc(1, sizeof(*hs));
    if (!hs || !(hs->file = pm_strdup(location))) {
        free(hs);
        return pm_error_set(err, PM_ERR_NOMEM, location, 0, "out of memory");
    }
    hs->writable = !(flags & PM_STORE_READONLY);
    int rc = hive_load(hs->file, hs->writable, &hs->h, &hs->big_data, err);
    if (rc < 0) {
        free(hs->file);
        free(hs);
        return rc;
    }
    *out = &hs->base;
    return 0;
}

static void big_free(struct hive_big *b)
{
    free(b->path);
    free(b->name);
    free(b->data);
}

static void big_clear(struct hive_store *hs)
{
    for (size_t i = 0; i < hs->nbig; i++)
        big_free(&hs->big[i]);
    free(hs->big);
    hs->big = NULL;
    hs->nbig = hs->capbig = 0;
}

/* The pending big value at path/name, or NULL. */
static struct hive_big *big_find(struct hive_store *hs, const char *path, const char *name)
{
    for (size_t i = 0; i < hs->nbig; i++)
        if (pm_name_casecmp(hs->big[i].path, path) == 0 &&
            pm_name_casecmp(hs->big[i].name, name) == 0)
            return &hs->big[i];
    return NULL;
}

static void big_drop(struct hive_store *hs, struct hive_big *b)
{
    big_free(b);
    *b = hs->big[--hs->nbig];
}

/* Forgets pending values of the key at path and below (the key is being deleted). */
static void big_drop_tree(struct hive_store *hs, const char *path)
{
    size_t plen = strlen(path);
    for (size_t i = hs->nbig; i-- > 0;) {
        const char *bp = hs->big[i].path;
        size_t blen = strlen(bp);
        if (blen >= plen && pm_name_ncasecmp(bp, plen, path, plen) == 0 &&
            (bp[plen] == 0 || bp[plen] == '\\'))
            big_drop(hs, &hs->big[i]);
    }
}

static int big_put(struct hive_store *hs, const char *path, const char *name, uint32_t type,
                   const void *data, size_t len)
{
    struct hive_big nb = {pm_strdup(path), pm_strdup(name), type, malloc(len), len};
    if (!nb.path || !nb.name || !nb.data) {
        big_free(&nb);
        return PM_ERR_NOMEM;
    }
    memcpy(nb.data, data, len);
    struct hive_big *old = big_find(hs, path, name);
    if (old) {
        big_free(old);
        *old = nb;
        return 0;
    }
    if (hs->nbig == hs->capbig) {
        size_t ncap = hs->capbig ? hs->capbig * 2 : 4;
        struct hive_big *nv = realloc(hs->big, ncap * sizeof(*nv));
        if (!nv) {
            big_free(&nb);
            return PM_ERR_NOMEM;
        }
        hs->big = nv;
        hs->capbig = ncap;
    }
    hs->big[hs->nbig++] = nb;
    return 0;
}

static void hive_close(struct pm_store *st)
{
    struct hive_store *hs = hive_of(st);
    big_clear(hs);
    kids_clear(hs);
    if (hs->h)
        hivex_close(hs->h);
    free(hs->file);
    free(hs);
}

static int hive_ready(struct hive_store *hs, struct pm_error *err)
{
    if (!hs->h)
        return pm_error_set(err, PM_ERR_IO, hs->file, 0,
                            "hive '%s' could not be reopened after a rollback", hs->file);
    return 0;
}

/* The node's children, 0-terminated (free()), held to the ceiling. */
static int hive_children(struct hive_store *hs, hive_node_h node, const char *path,
                         hive_node_h **out, struct pm_error *err)
{
    errno = 0;
    hive_node_h *kids = hivex_node_children(hs->h, node);
    if (!kids)
        return hive_fail(hs, PM_ERR_PARSE, path, errno, "cannot list the subkeys of", err);
    size_t n = 0;
    while (kids[n])
        n++;
    if (n > PM_MAX_SUBKEYS) {
        free(kids);
        return pm_error_set(err, PM_ERR_LIMIT, hs->file, 0,
                            "key '%s' has too many subkeys (%zu)", *path ? path : "(root)", n);
    }
    *out = kids;
    return 0;
}

static int hive_values_of(struct hive_store *hs, hive_node_h node, const char *path,
                          hive_value_h **out, struct pm_error *err)
{
    errno = 0;
    hive_value_h *vals = hivex_node_values(hs->h, node);
    if (!vals)
        return hive_fail(hs, PM_ERR_PARSE, path, errno, "cannot list the values of", err);
    size_t n = 0;
    while (vals[n])
        n++;
    if (n > PM_MAX_VALUES) {
        free(vals);
        return pm_error_set(err, PM_ERR_LIMIT, hs->file, 0, "key '%s' has too many values (%zu)",
                            *path ? path : "(root)", n);
    }
    *out = vals;
    return 0;
}

/* A key's name as UTF-8 (free()). */
static int hive_node_name(struct hive_store *hs, hive_node_h node, const char *path, char **out,
                          struct pm_error *err)
{
    errno = 0;
    *out = hivex_node_name(hs->h, node);
    if (!*out)
        return hive_fail(hs, PM_ERR_PARSE, path, errno, "cannot read a subkey name of", err);
    return 0;
}

static int hive_value_name(struct hive_store *hs, hive_value_h val, const char *path, char **out,
                           struct pm_error *err)
{
    errno = 0;
    *out = hivex_value_key(hs->h, val);
    if (!*out)
        return hive_fail(hs, PM_ERR_PARSE, path, errno, "cannot read a value name of", err);
    return 0;
}

/* Child of 'node' named name[0..len) (registry case folding, which hivex's own lookup does only
 * for ASCII). 1 found, 0 absent, <0 error. 'path' names the parent in messages. */
static int hive_child(struct hive_store *hs, hive_node_h node, const char *name, size_t len,
                      const char *path, hive_node_h *out, struct pm_error *err)
{
    uint64_t hash = pm_name_hash(name, len);
    struct hive_kids *k = kids_find(hs, node);
    int rc;
    if (k) {
        if (k->n > PM_MAX_SUBKEYS)
            return pm_error_set(err, PM_ERR_LIMIT, hs->file, 0,
                                "key '%s' has too many subkeys (%zu)", *path ? path : "(root)",
                                k->n);
        for (size_t i = (size_t)hash & (k->cap - 1); k->slots[i].node; i = (i + 1) & (k->cap - 1)) {
            if (k->slots[i].hash != hash)
                continue;
            char *cname;
            if ((rc = hive_node_name(hs, k->slots[i].node, path, &cname, err)) < 0)
                return rc;
            int same = pm_name_ncasecmp(cname, strlen(cname), name, len) == 0;
            free(cname);
            if (same) {
                *out = k->slots[i].node;
                return 1;
            }
        }
        return 0;
    }
    hive_node_h *kids;
    rc = hive_children(hs, node, path, &kids, err);
    if (rc < 0)
        return rc;
    size_t n = 0;
    while (kids[n])
        n++;
    /* Index the children while they are read for this lookup (the oldest index gives way). */
    struct hive_kids fresh = {node, 0, 64, NULL};
    while (n >= HIVE_KIDS_MIN && fresh.cap * 3 < n * 4)
        fresh.cap *= 2;
    if (n >= HIVE_KIDS_MIN && (fresh.slots = calloc(fresh.cap, sizeof(*fresh.slots)))) {
        if (hs->nkids == HIVE_KIDS_CACHED) {
            free(hs->kids[0].slots);
            memmove(hs->kids, hs->kids + 1, (HIVE_KIDS_CACHED - 1) * sizeof(*hs->kids));
            hs->nkids--;
        }
        hs->kids[hs->nkids++] = fresh;
        k = &hs->kids[hs->nkids - 1];
    }
    int found = 0;
    for (size_t i = 0; kids[i]; i++) {
        char *cname;
        if ((rc = hive_node_name(hs, kids[i], path, &cname, err)) < 0)
            break;
        size_t cl = strlen(cname);
        if (k)
            kids_put(k, pm_name_hash(cname, cl), kids[i]);
        int same = !found && pm_name_ncasecmp(cname, cl, name, len) == 0;
        free(cname);
        if (same) {
            *out = kids[i];
            found = 1;
            if (!k)
                break;
        }
    }
    free(kids);
    if (rc < 0) {
        kids_clear(hs); /* a half-built index must not answer */
        return rc;
    }
    return found;
}

/* Node at a normalized path. 1 found, 0 absent, <0 error. */
static int hive_find(struct hive_store *hs, const char *path, hive_node_h *out,
                     struct pm_error *err)
{
    int rc = hive_ready(hs, err);
    if (rc < 0)
        return rc;
    hive_node_h node = hivex_root(hs->h);
    if (!node)
        return hive_fail(hs, PM_ERR_PARSE, path, errno, "cannot find the root key for", err);
    for (const char *p = path; *p;) {
        const char *e = strchr(p, '\\');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        /* Messages name the parent walked so far. */
        char parent[PM_MAX_PATH_BYTES];
        size_t plen = (size_t)(p - path);
        memcpy(parent, path, plen ? plen - 1 : 0);
        parent[plen ? plen - 1 : 0] = 0;
        hive_node_h child = 0;
        rc = hive_child(hs, node, p, n, parent, &child, err);
        if (rc <= 0)
            return rc;
        node = child;
        p += n;
        if (*p == '\\')
            p++;
    }
    *out = node;
    return 1;
}

static int hive_subkeys(struct pm_store *st, const char *path, struct pm_strlist *out,
                        struct pm_error *err)
{
    struct hive_store *hs = hive_of(st);
    hive_node_h node;
    int rc = hive_find(hs, path, &node, err);
    if (rc <= 0)
        return rc;
    hive_node_h *kids;
    if ((rc = hive_children(hs, node, path, &kids, err)) < 0)
        return rc;
    rc = 1;
    for (size_t i = 0; kids[i] && rc > 0; i++) {
        char *name = NULL;
        if ((rc = hive_node_name(hs, kids[i], path, &name, err)) < 0)
            break;
        rc = 1;
        if (pm_strlist_add(out, name) < 0)
            rc = pm_error_set(err, PM_ERR_NOMEM, hs->file, 0, "out of memory");
        free(name);
    }
    free(kids);
    return rc;
}

static int hive_values(struct pm_store *st, const char *path, struct pm_strlist *out,
                       struct pm_error *err)
{
    struct hive_store *hs = hive_of(st);
    hive_node_h node;
    int rc = hive_find(hs, path, &node, err);
    if (rc <= 0)
        return rc;
    hive_value_h *vals;
    if ((rc = hive_values_of(hs, node, path, &vals, err)) < 0)
        return rc;
    rc = 1;
    for (size_t i = 0; vals[i] && rc > 0; i++) {
        char *name = NULL;
        if ((rc = hive_value_name(hs, vals[i], path, &name, err)) < 0)
            break;
        rc = 1;
        if (pm_strlist_add(out, name) < 0)
            rc = pm_error_set(err, PM_ERR_NOMEM, hs->file, 0, "out of memory");
        free(name);
    }
    free(vals);
    return rc;
}

/* The value named 'name' of node (case-insensitive). 1 found (*out), 0 absent, <0 error. */
static int hive_find_value(struct hive_store *hs, hive_node_h node, const char *path,
                           const char *name, hive_value_h *out, struct pm_error *err)
{
    hive_value_h *vals;
    int rc = hive_values_of(hs, node, path, &vals, err);
    if (rc < 0)
        return rc;
    for (size_t i = 0; vals[i]; i++) {
        char *vname;
        if ((rc = hive_value_name(hs, vals[i], path, &vname, err)) < 0)
            break;
        if (pm_name_casecmp(vname, name) == 0) {
            *out = vals[i];
            free(vname);
            rc = 1;
            break;
        }
        free(vname);
    }
    free(vals);
    return rc;
}

/* Raw bytes and type of a value (data free()), size checked before hivex copies it. */
static int hive_read_value(struct hive_store *hs, hive_value_h val, const char *path,
                           const char *name, hive_type *type, char **data, size_t *len,
                           struct pm_error *err)
{
    size_t declared = 0;
    errno = 0;
    if (hivex_value_type(hs->h, val, type, &declared) < 0)
        return hive_fail(hs, PM_ERR_PARSE, path, errno, "cannot read a value of", err);
    if (declared > PM_MAX_VALUE_BYTES)
        return pm_error_set(err, PM_ERR_LIMIT, hs->file, 0,
                            "value '%s' of key '%s' is too large (%zu bytes)", name, path,
                            declared);
    errno = 0;
    *data = hivex_value_value(hs->h, val, type, len);
    if (!*data)
        return pm_error_set(err, errno == ENOMEM ? PM_ERR_NOMEM : PM_ERR_PARSE, hs->file, 0,
                            "cannot read value '%s' of key '%s': %s", name, path,
                            hive_errstr(errno));
    if (*len > PM_MAX_VALUE_BYTES) {
        free(*data);
        *data = NULL;
        return pm_error_set(err, PM_ERR_LIMIT, hs->file, 0,
                            "value '%s' of key '%s' is too large (%zu bytes)", name, path, *len);
    }
    return 0;
}

static int hive_get(struct pm_store *st, const char *path, const char *name,
                    struct pm_value *out, struct pm_error *err)
{
    struct hive_store *hs = hive_of(st);
    hive_node_h node;
    int rc = hive_find(hs, path, &node, err);
    if (rc <= 0)
        return rc;
    hive_value_h val;
    if ((rc = hive_find_value(hs, node, path, name, &val, err)) <= 0)
        return rc;
    const struct hive_big *b = big_find(hs, path, name);
    if (b) {
        if (pm_value_assign(out, b->type, b->data, b->len) < 0)
            return pm_error_set(err, PM_ERR_NOMEM, hs->file, 0, "out of memory");
        return 1;
    }
    hive_type type;
    char *data = NULL;
    size_t len = 0;
    if ((rc = hive_read_value(hs, val, path, name, &type, &data, &len, err)) < 0)
        return rc;
    rc = pm_value_assign(out, (uint32_t)type, data, len);
    free(data);
    if (rc < 0)
        return pm_error_set(err, PM_ERR_NOMEM, hs->file, 0, "out of memory");
    return 1;
}

/* Creates the key at path and its parents. 1 created, 0 existed, <0 error; *out = the key. */
static int hive_make_key(struct hive_store *hs, const char *path, hive_node_h *out,
                         struct pm_error *err)
{
    int rc = hive_ready(hs, err);
    if (rc < 0)
        return rc;
    hive_node_h node = hivex_root(hs->h);
    if (!node)
        return hive_fail(hs, PM_ERR_PARSE, path, errno, "cannot find the root key for", err);
    int created = 0;
    char name[PM_MAX_PATH_BYTES];
    for (const char *p = path; *p;) {
        const char *e = strchr(p, '\\');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        hive_node_h child = 0;
        rc = hive_child(hs, node, p, n, path, &child, err);
        if (rc < 0)
            return rc;
        if (rc == 0) {
            memcpy(name, p, n);
            name[n] = 0;
            hs->dirty = 1; /* even a failed edit may have touched the copy */
            errno = 0;
            child = hivex_node_add_child(hs->h, node, name);
            if (!child) {
                kids_clear(hs);
                return hive_fail(hs, PM_ERR_IO, path, errno, "cannot create key", err);
            }
            struct hive_kids *k = kids_find(hs, node);
            if (k && kids_add(hs, k, pm_name_hash(name, n), child) < 0)
                return pm_error_set(err, PM_ERR_NOMEM, hs->file, 0, "out of memory");
            created = 1;
        }
        node = child;
        p += n;
        if (*p == '\\')
            p++;
    }
    *out = node;
    return created;
}

static void free_set_values(hive_set_value *vs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(vs[i].key);
        free(vs[i].value);
    }
    free(vs);
}

/* Reads every value of the key into list (name, type and bytes), leaving out the first value
 * named 'name' when 'remove' is set. *found is that value's index, or -1 when the key has none.
 * What was read is in list[0..*nlist) also on error, for the caller to free. */
static int hive_read_list(struct hive_store *hs, hive_value_h *vals, const char *path,
                          const char *name, int remove, hive_set_value *list, size_t *nlist,
                          long *found, struct pm_error *err)
{
    int rc = 0;
    for (size_t i = 0; vals[i]; i++) {
        hive_set_value *v = &list[*nlist];
        if ((rc = hive_value_name(hs, vals[i], path, &v->key, err)) < 0)
            break;
        (*nlist)++;
        if (*found < 0 && pm_name_casecmp(v->key, name) == 0) {
            *found = (long)i;
            if (remove) {
                free(v->key);
                (*nlist)--;
                continue;
            }
        }
        hive_type t;
        if ((rc = hive_read_value(hs, vals[i], path, v->key, &t, &v->value, &v->len, err)) < 0)
            break;
        v->t = t;
    }
    return rc;
}

/* Sets 'name' in list to type/data/len: in place when the key has it (keeping the spelling of
 * its name, as Windows does), else appended (list has room for one more). A big value pending
 * under that name is dropped: the new data replaces it. */
static int hive_list_set(struct hive_store *hs, hive_set_value *list, size_t *nlist,
                         const char *path, const char *name, uint32_t type, const void *data,
                         size_t len, struct pm_error *err)
{
    hive_set_value *v = NULL;
    for (size_t i = 0; i < *nlist && !v; i++)
        if (pm_name_casecmp(list[i].key, name) == 0)
            v = &list[i];
    if (!v) {
        v = &list[(*nlist)++];
        if (!(v->key = pm_strdup(name)))
            return pm_error_set(err, PM_ERR_NOMEM, hs->file, 0, "out of memory");
    }
    free(v->value);
    v->t = (hive_type)type;
    v->len = len;
    v->value = malloc(len ? len : 1);
    if (!v->value)
        return pm_error_set(err, PM_ERR_NOMEM, hs->file, 0, "out of memory");
    if (len)
        memcpy(v->value, data, len);
    struct hive_big *b = big_find(hs, path, name);
    if (b)
        big_drop(hs, b); /* the new data replaces what was pending */
    return 0;
}

/* Big values: keep aside, hand hivex an empty placeholder. Values already pending read back
 * from hivex as their placeholder and stay as they are. */
static int hive_set_aside_big(struct hive_store *hs, hive_set_value *list, size_t nlist,
                              const char *path, struct pm_error *err)
{
    for (size_t i = 0; hs->big_data && i < nlist; i++) {
        hive_set_value *v = &list[i];
        if (v->len <= HIVE_SEGMENT)
            continue;
        if (big_put(hs, path, v->key, (uint32_t)v->t, v->value, v->len) < 0)
            return pm_error_set(err, PM_ERR_NOMEM, hs->file, 0, "out of memory");
        v->len = 0;
    }
    return 0;
}

/* Rewrites the key's value list with the value 'name' set to type/data/len, or removed when
 * 'remove' is set; the other values keep their bytes and order, and an existing value keeps the
 * spelling of its name, as Windows does. hivex's own single-value setter is not used: it matches
 * names in ASCII only and rewrites every big value of the key as one cell. Here each value over
 * HIVE_SEGMENT bytes (in a hive that needs db cells) gets an empty placeholder and waits in the
 * pending list for the commit. 1 when the value was there, 0 when not, <0 on error. */
static int hive_rewrite_values(struct hive_store *hs, hive_node_h node, const char *path,
                               const char *name, int remove, uint32_t type, const void *data,
                               size_t len, struct pm_error *err)
{
    hive_value_h *vals;
    int rc = hive_values_of(hs, node, path, &vals, err);
    if (rc < 0)
        return rc;
    size_t n = 0;
    while (vals[n])
        n++;
    hive_set_value *list = calloc(n + 1, sizeof(*list));
    if (!list) {
        free(vals);
        return pm_error_set(err, PM_ERR_NOMEM, hs->file, 0, "out of memory");
    }
    size_t nlist = 0;
    long found = -1;
    rc = hive_read_list(hs, vals, path, name, remove, list, &nlist, &found, err);
    free(vals);
    if (rc < 0)
        goto out;
    if (remove) {
        struct hive_big *b = big_find(hs, path, name);
        if (b)
            big_drop(hs, b);
        if (found < 0)
            goto out; /* nothing to rewrite */
    } else if ((rc = hive_list_set(hs, list, &nlist, path, name, type, data, len, err)) < 0) {
        goto out;
    }
    if ((rc = hive_set_aside_big(hs, list, nlist, path, err)) < 0)
        goto out;
    hs->dirty = 1; /* even a failed rewrite may have touched the copy */
    errno = 0;
    if (hivex_node_set_values(hs->h, node, nlist, list, 0) < 0) {
        int e = errno;
        rc = pm_error_set(err, e == ENOMEM ? PM_ERR_NOMEM : PM_ERR_IO, hs->file, 0,
                          "cannot %s value '%s' of key '%s': %s", remove ? "delete" : "set",
                          name, path, hive_errstr(e));
        goto out;
    }
    rc = found >= 0;
out:
    free_set_values(list, nlist);
    return rc;
}

static int hive_set(struct pm_store *st, const char *path, const char *name, uint32_t type,
                    const void *data, size_t len, struct pm_error *err)
{
    struct hive_store *hs = hive_of(st);
    hive_node_h node;
    int rc = hive_make_key(hs, path, &node, err);
    if (rc < 0)
        return rc;
    rc = hive_rewrite_values(hs, node, path, name, 0, type, data, len, err);
    return rc < 0 ? rc : 0;
}

static int hive_delete_value(struct pm_store *st, const char *path, const char *name,
                             struct pm_error *err)
{
    struct hive_store *hs = hive_of(st);
    hive_node_h node;
    int rc = hive_find(hs, path, &node, err);
    if (rc <= 0)
        return rc;
    return hive_rewrite_values(hs, node, path, name, 1, 0, NULL, 0, err);
}

static int hive_create_key(struct pm_store *st, const char *path, struct pm_error *err)
{
    hive_node_h node;
    return hive_make_key(hive_of(st), path, &node, err);
}

static int hive_delete_key(struct pm_store *st, const char *path, struct pm_error *err)
{
    struct hive_store *hs = hive_of(st);
    hive_node_h node;
    int rc = hive_find(hs, path, &node, err);
    if (rc <= 0)
        return rc;
    if (node == hivex_root(hs->h))
        return pm_error_set(err, PM_ERR_INVALID, hs->file, 0, "cannot delete the root key");
    big_drop_tree(hs, path);
    hs->dirty = 1;
    kids_clear(hs); /* the subtree's nodes go, and may be reused */
    errno = 0;
    if (hivex_node_delete_child(hs->h, node) < 0)
        return hive_fail(hs, PM_ERR_IO, path, errno, "cannot delete key", err);
    return 1;
}

static int hive_begin(struct pm_store *st, struct pm_error *err)
{
    struct hive_store *hs = hive_of(st);
    if (!hs->writable)
        return pm_error_set(err, PM_ERR_INVALID, hs->file, 0, "hive opened read-only");
    return hive_ready(hs, err);
}

/* Flushes a file or folder to disk. */
static int hive_fsync_path(const char *path, int flags)
{
    int fd = open(path, flags | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    int e = errno;
    close(fd);
    errno = e;
    return rc;
}

static void hive_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static uint32_t hive_get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static size_t hive_round8(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

/* Cells of one big value: the db cell, its segment list and the segments. */
static size_t big_cells_size(size_t len)
{
    size_t nseg = (len + HIVE_SEGMENT - 1) / HIVE_SEGMENT;
    return 16 + hive_round8(4 + 4 * nseg) + (nseg - 1) * hive_round8(HIVE_SEGMENT + 8) +
           hive_round8(len - (nseg - 1) * HIVE_SEGMENT + 8);
}

/* The size of the bin for all pending big values: its header and their cells, rounded up to
 * whole 4 KiB pages as bins are. -1 when over 1 GiB, far beyond any Outlook profile. */
static int big_bin_size(const struct hive_store *hs, size_t *binsize)
{
    size_t used = 0x20;
    for (size_t i = 0; i < hs->nbig; i++) {
        used += big_cells_size(hs->big[i].len);
        if (used > 0x40000000u)
            return -1;
    }
    *binsize = (used + 0xFFF) & ~(size_t)0xFFF;
    return 0;
}

/* Lays out one big value at *pos in the new bin (a db cell, its segment list, the segments) and
 * points its vk cell in 'tmp' at it. bins is the offset the new bin will have in the hive. */
static int big_write_one(struct hive_store *hs, const struct hive_big *b, int fd, const char *tmp,
                         uint8_t *bin, uint32_t bins, size_t *pos, struct pm_error *err)
{
    hive_node_h node;
    hive_value_h vk;
    int rc;
    if ((rc = hive_find(hs, b->path, &node, err)) == 1)
        rc = hive_find_value(hs, node, b->path, b->name, &vk, err);
    if (rc == 0)
        rc = pm_error_set(err, PM_ERR_IO, hs->file, 0,
                          "value '%s' of key '%s' vanished before the commit", b->name, b->path);
    if (rc < 0)
        return rc;
    uint8_t cell[0x18];
    if (pread(fd, cell, sizeof(cell), (off_t)vk) != (ssize_t)sizeof(cell) ||
        memcmp(cell + 4, "vk", 2) != 0)
        return pm_error_set(err, PM_ERR_IO, hs->file, 0,
                            "cannot find value '%s' of key '%s' in '%s'", b->name, b->path, tmp);
    size_t nseg = (b->len + HIVE_SEGMENT - 1) / HIVE_SEGMENT;
    size_t db = *pos, list = db + 16, seg = list + hive_round8(4 + 4 * nseg);
    hive_put32(bin + db, (uint32_t)-16);
    memcpy(bin + db + 4, "db", 2);
    bin[db + 6] = (uint8_t)nseg;
    bin[db + 7] = (uint8_t)(nseg >> 8);
    hive_put32(bin + db + 8, (uint32_t)(bins + list));
    hive_put32(bin + list, (uint32_t)-(int32_t)hive_round8(4 + 4 * nseg));
    for (size_t k = 0; k < nseg; k++) {
        size_t n = k + 1 < nseg ? HIVE_SEGMENT : b->len - k * HIVE_SEGMENT;
        size_t csize = hive_round8(n + 8); /* readers take cell size - 8 bytes of data */
        hive_put32(bin + list + 4 + 4 * k, (uint32_t)(bins + seg));
        hive_put32(bin + seg, (uint32_t)-(int32_t)csize);
        memcpy(bin + seg + 4, b->data + k * HIVE_SEGMENT, n);
        seg += csize;
    }
    *pos = seg;
    hive_put32(cell + 8, (uint32_t)b->len);
    hive_put32(cell + 12, (uint32_t)(bins + db));
    hive_put32(cell + 16, b->type);
    if (pwrite(fd, cell, sizeof(cell), (off_t)vk) != (ssize_t)sizeof(cell))
        return pm_error_set(err, PM_ERR_IO, hs->file, 0, "cannot write '%s': %s", tmp,
                            strerror(errno));
    return 0;
}

/* The base block's checksum: the XOR of its first 127 dwords, with 0 and 0xFFFFFFFF avoided as
 * Windows does, so Windows loads the hive without calling it damaged. */
static void base_checksum(uint8_t *base)
{
    uint32_t sum = 0;
    for (size_t i = 0; i < 0x1FC; i += 4)
        sum ^= hive_get32(base + i);
    hive_put32(base + 0x1FC, sum == 0xFFFFFFFFu ? 0xFFFFFFFEu : sum == 0 ? 1 : sum);
}

/* Appends one hive bin holding the pending big values to the file hivex just wrote ('tmp'), and
 * points each placeholder's vk cell at its db cell. hivex value handles are file offsets, and
 * hivex writes its in-memory image unchanged, so the handles locate the vk cells in 'tmp'. */
static int hive_append_big(struct hive_store *hs, const char *tmp, struct pm_error *err)
{
    size_t binsize;
    if (big_bin_size(hs, &binsize) < 0)
        return pm_error_set(err, PM_ERR_LIMIT, hs->file, 0, "too much big value data");
    uint8_t *bin = calloc(1, binsize);
    uint8_t base[0x1000];
    int fd = open(tmp, O_RDWR | O_CLOEXEC);
    int rc = 0;
    struct stat sb;
    if (!bin || fd < 0 || fstat(fd, &sb) != 0 ||
        pread(fd, base, sizeof(base), 0) != (ssize_t)sizeof(base)) {
        rc = pm_error_set(err, bin ? PM_ERR_IO : PM_ERR_NOMEM, hs->file, 0,
                          "cannot add big values to '%s': %s", tmp,
                          bin ? strerror(errno) : "out of memory");
        goto out;
    }
    uint32_t bins = hive_get32(base + 0x28);
    if (memcmp(base, "regf", 4) != 0 || (uint64_t)sb.st_size != 0x1000u + (uint64_t)bins ||
        (uint64_t)bins + binsize > 0x7FFFF000u) {
        rc = pm_error_set(err, PM_ERR_IO, hs->file, 0,
                          "cannot add big values to '%s': unexpected file layout", tmp);
        goto out;
    }
    memcpy(bin, "hbin", 4);
    hive_put32(bin + 4, bins);
    hive_put32(bin + 8, (uint32_t)binsize);
    size_t pos = 0x20;
    for (size_t i = 0; i < hs->nbig && rc == 0; i++)
        rc = big_write_one(hs, &hs->big[i], fd, tmp, bin, bins, &pos, err);
    if (rc < 0)
        goto out;
    if (pos < binsize)
        hive_put32(bin + pos, (uint32_t)(binsize - pos)); /* the rest of the bin is free */
    hive_put32(base + 0x28, (uint32_t)(bins + binsize));
    base_checksum(base);
    if (pwrite(fd, bin, binsize, (off_t)(0x1000u + bins)) != (ssize_t)binsize ||
        pwrite(fd, base, sizeof(base), 0) != (ssize_t)sizeof(base))
        rc = pm_error_set(err, PM_ERR_IO, hs->file, 0, "cannot write '%s': %s", tmp,
                          strerror(errno));
out:
    if (fd >= 0)
        close(fd);
    free(bin);
    return rc;
}

static int hive_commit(struct pm_store *st, struct pm_error *err)
{
    struct hive_store *hs = hive_of(st);
    int rc = hive_ready(hs, err);
    if (rc < 0)
        return rc;
    if (!hs->dirty)
        return 0; /* nothing changed: leave the file as it is, byte for byte */

    struct pm_buf tmp = PM_BUF_INIT;
    if (pm_buf_printf(&tmp, "%s.pmtmp-XXXXXX", hs->file) < 0)
        return pm_error_set(err, PM_ERR_NOMEM, hs->file, 0, "out of memory");
    int fd = mkstemp(tmp.data);
    if (fd < 0) {
        rc = pm_error_set(err, PM_ERR_IO, hs->file, 0,
                          "cannot create a temporary file beside '%s': %s", hs->file,
                          strerror(errno));
        pm_buf_release(&tmp);
        return rc;
    }
    /* The new file keeps the old one's permissions (hivex truncates, it does not recreate). */
    struct stat sb;
    if (stat(hs->file, &sb) == 0)
        (void)fchmod(fd, sb.st_mode & 07777);
    close(fd);

    errno = 0;
    if (hivex_commit(hs->h, tmp.data, 0) < 0) {
        rc = pm_error_set(err, PM_ERR_IO, hs->file, 0, "cannot write '%s': %s", tmp.data,
                          hive_errstr(errno));
        goto fail;
    }
    if (hs->nbig && (rc = hive_append_big(hs, tmp.data, err)) < 0)
        goto fail;
    if (hive_fsync_path(tmp.data, O_RDONLY) < 0) {
        rc = pm_error_set(err, PM_ERR_IO, hs->file, 0, "cannot flush '%s': %s", tmp.data,
                          strerror(errno));
        goto fail;
    }
    if (pm_os_replace_file(tmp.data, hs->file) < 0) {
        rc = pm_error_set(err, PM_ERR_IO, hs->file, 0, "cannot replace '%s': %s", hs->file,
                          strerror(errno));
        goto fail;
    }
    /* Make the rename itself durable; a failure here leaves a correct file, so it is ignored. */
    struct pm_buf dir = PM_BUF_INIT;
    if (pm_path_dirname(&dir, hs->file) == 0)
        (void)hive_fsync_path(dir.data, O_RDONLY | O_DIRECTORY);
    pm_buf_release(&dir);
    pm_buf_release(&tmp);
    hs->dirty = 0;
    if (hs->nbig) {
        /* hivex's copy still holds the placeholders: load the file as written. */
        big_clear(hs);
        kids_clear(hs);
        hivex_close(hs->h);
        return hive_load(hs->file, hs->writable, &hs->h, &hs->big_data, err);
    }
    return 0;
fail:
    unlink(tmp.data);
    pm_buf_release(&tmp);
    return rc;
}

static int hive_rollback(struct pm_store *st, struct pm_error *err)
{
    struct hive_store *hs = hive_of(st);
    if (!hs->dirty && hs->h)
        return 0;
    if (hs->h)
        hivex_close(hs->h);
    hs->h = NULL;
    hs->dirty = 0;
    big_clear(hs);
    kids_clear(hs);
    return hive_load(hs->file, hs->writable, &hs->h, &hs->big_data, err);
}

const struct pm_store_ops pm_store_hive_ops = {
    .name = "hive",
    .open = hive_open,
    .close = hive_close,
    .subkeys = hive_subkeys,
    .values = hive_values,
    .get = hive_get,
    .set = hive_set,
    .delete_value = hive_delete_value,
    .create_key = hive_create_key,
    .delete_key = hive_delete_key,
    .begin = hive_begin,
    .commit = hive_commit,
    .rollback = hive_rollback,
};
