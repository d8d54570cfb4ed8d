/* The "hive" backend: an NTUSER.DAT registry hive read and edited through libhivex. The hive's
 * root key is HKEY_CURRENT_USER, so the store path "Software\\Microsoft" is root->Software->
 * Microsoft. hivex keeps the whole hive in memory when opened for writing, so a transaction is
 * simply "edit the in-memory copy": commit writes that copy to a temporary file in the hive's
 * folder, flushes it and renames it over the original (a crash leaves the old or the new file,
 * never a mix; hivex on its own would rewrite the file in place), and rollback throws the copy
 * away by reopening the file from disk. Hives come from users' machines and may be damaged, so
 * every hivex failure becomes a pm_error naming the file and key path, and every count and size
 * read from the file is held to the PM_MAX_* ceilings before it is trusted. */
#include "../compat.h"

#include "../store-backend.h"
#include "pm/os.h"

#include <errno.h>
#include <fcntl.h>
#include <hivex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct hive_store {
    struct pm_store base;
    hive_h *h;    /* NULL only after a failed reopen */
    char *file;
    int writable;
    int dirty;    /* the in-memory copy differs from the file */
};

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
static int hive_load(const char *file, int writable, hive_h **out, struct pm_error *err)
{
    *out = NULL;
    int fd = open(file, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
    if (fd < 0)
        return pm_error_set(err, PM_ERR_IO, file, 0, "cannot open '%s': %s", file,
                            strerror(errno));
    struct stat sb;
    int rc = fstat(fd, &sb);
    int e = errno;
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
    int rc = hive_load(hs->file, hs->writable, &hs->h, err);
    if (rc < 0) {
        free(hs->file);
        free(hs);
        return rc;
    }
    *out = &hs->base;
    return 0;
}

static void hive_close(struct pm_store *st)
{
    struct hive_store *hs = hive_of(st);
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
    hive_node_h *kids;
    int rc = hive_children(hs, node, path, &kids, err);
    if (rc < 0)
        return rc;
    for (size_t i = 0; kids[i]; i++) {
        char *cname;
        if ((rc = hive_node_name(hs, kids[i], path, &cname, err)) < 0)
            break;
        int same = pm_name_ncasecmp(cname, strlen(cname), name, len) == 0;
        free(cname);
        if (same) {
            *out = kids[i];
            rc = 1;
            break;
        }
    }
    free(kids);
    return rc;
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

/* The value named 'name' of node (case-insensitive). 1 found (*out, and *stored = its name as
 * the hive spells it, free()), 0 absent, <0 error. */
static int hive_find_value(struct hive_store *hs, hive_node_h node, const char *path,
                           const char *name, hive_value_h *out, char **stored,
                           struct pm_error *err)
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
            if (stored)
                *stored = vname;
            else
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
    if ((rc = hive_find_value(hs, node, path, name, &val, NULL, err)) <= 0)
        return rc;
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
            if (!child)
                return hive_fail(hs, PM_ERR_IO, path, errno, "cannot create key", err);
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

static int hive_set(struct pm_store *st, const char *path, const char *name, uint32_t type,
                    const void *data, size_t len, struct pm_error *err)
{
    struct hive_store *hs = hive_of(st);
    hive_node_h node;
    int rc = hive_make_key(hs, path, &node, err);
    if (rc < 0)
        return rc;
    /* An existing value keeps the spelling it has, as Windows does; hivex matches names only
     * ASCII-case-insensitively, so hand it the stored spelling. */
    hive_value_h old;
    char *stored = NULL;
    if ((rc = hive_find_value(hs, node, path, name, &old, &stored, err)) < 0)
        return rc;
    /* hivex copies key and value and does not change them; its struct is just not const. */
    hive_set_value v = {
        .key = stored ? stored : (char *)name,
        .t = (hive_type)type,
        .len = len,
        .value = (char *)(len ? data : ""),
    };
    hs->dirty = 1;
    errno = 0;
    rc = hivex_node_set_value(hs->h, node, &v, 0);
    int e = errno;
    free(stored);
    if (rc < 0)
        return pm_error_set(err, e == ENOMEM ? PM_ERR_NOMEM : PM_ERR_IO, hs->file, 0,
                            "cannot set value '%s' of key '%s': %s", name, path,
                            hive_errstr(e));
    return 0;
}

static void free_set_values(hive_set_value *vs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(vs[i].key);
        free(vs[i].value);
    }
    free(vs);
}

/* hivex has no "delete value": rebuild the key's value list without it, the others copied
 * byte for byte and in their order. */
static int hive_delete_value(struct pm_store *st, const char *path, const char *name,
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
    size_t n = 0;
    while (vals[n])
        n++;
    hive_set_value *keep = calloc(n + 1, sizeof(*keep));
    if (!keep) {
        free(vals);
        return pm_error_set(err, PM_ERR_NOMEM, hs->file, 0, "out of memory");
    }
    size_t nkeep = 0;
    int found = 0;
    rc = 0;
    for (size_t i = 0; i < n; i++) {
        char *vname;
        if ((rc = hive_value_name(hs, vals[i], path, &vname, err)) < 0)
            break;
        if (!found && pm_name_casecmp(vname, name) == 0) {
            found = 1;
            free(vname);
            continue;
        }
        hive_set_value *v = &keep[nkeep++];
        v->key = vname;
        hive_type t;
        if ((rc = hive_read_value(hs, vals[i], path, vname, &t, &v->value, &v->len, err)) < 0)
            break;
        v->t = t;
    }
    free(vals);
    if (rc == 0 && found) {
        hs->dirty = 1;
        errno = 0;
        if (hivex_node_set_values(hs->h, node, nkeep, keep, 0) < 0)
            rc = pm_error_set(err, errno == ENOMEM ? PM_ERR_NOMEM : PM_ERR_IO, hs->file, 0,
                              "cannot delete value '%s' of key '%s': %s", name, path,
                              hive_errstr(errno));
        else
            rc = 1;
    }
    free_set_values(keep, nkeep);
    return rc;
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
    hs->dirty = 1;
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
    return hive_load(hs->file, hs->writable, &hs->h, err);
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
