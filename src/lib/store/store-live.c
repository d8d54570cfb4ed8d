/* The "live" backend: HKEY_CURRENT_USER of the running user through the Win32 wide registry API.
 * The registry has no transactions a normal user can rely on (KTM registry transactions are
 * deprecated), so this backend keeps an undo journal: before each write it records what the
 * value or key looked like (a whole subtree before a key is deleted), rollback replays the
 * journal backwards, commit forgets it. Names and paths are UTF-8 inside libpm and UTF-16 only
 * in the calls below; value bytes pass through unchanged. */
#include "compat.h"

#include "store-backend.h"

#include <windows.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/* The registry's own limits: 255 characters in a key name, 16383 in a value name. */
#define LIVE_KEY_NAME_MAX 256
#define LIVE_VALUE_NAME_MAX 16384
/* Ceiling on what one transaction may journal (old data of every value it touches). */
#define LIVE_JOURNAL_MAX_BYTES ((size_t)512 << 20)

struct live_val {
    char *name;
    uint32_t type;
    uint8_t *data;
    size_t len;
};

/* One key of a saved subtree, in pre-order, so parents are recreated before children. */
struct live_key {
    char *path;
    struct live_val *vals;
    size_t nvals;
};

enum live_undo_kind {
    LIVE_UNDO_VALUE,   /* put back (or delete) one value */
    LIVE_UNDO_CREATED, /* delete a key tree the transaction created */
    LIVE_UNDO_DELETED, /* recreate a key tree the transaction deleted */
};

struct live_undo {
    enum live_undo_kind kind;
    char *path;
    /* LIVE_UNDO_VALUE */
    int existed;
    struct live_val old;
    /* LIVE_UNDO_DELETED */
    struct live_key *keys;
    size_t nkeys;
};

struct live_store {
    struct pm_store base;
    /* Where the store's root is, relative to HKCU: "" normally; a scratch key when the spec
     * names one ("live:Software\\Scratch"), which keeps tests off the user's real keys. */
    char *root;
    struct live_undo *journal;
    size_t njournal, capjournal;
    size_t journal_bytes;
};

static wchar_t *live_wide(const char *s)
{
    struct pm_buf b = PM_BUF_INIT;
    pm_buf_init(&b, (size_t)PM_MAX_PATH_BYTES * 2 + 2);
    if (pm_utf8_to_utf16le(s, strlen(s), 1, &b) < 0) {
        pm_buf_release(&b);
        return NULL;
    }
    return (wchar_t *)pm_buf_detach(&b, NULL);
}

static char *live_utf8(const wchar_t *w, size_t n)
{
    struct pm_buf b = PM_BUF_INIT;
    if (pm_utf16le_to_utf8(w, n * 2, &b) < 0 || pm_buf_puts(&b, "") < 0) {
        pm_buf_release(&b);
        return NULL;
    }
    return pm_buf_detach(&b, NULL);
}

/* An error naming the key as regedit shows it, with the system's reason. */
static int live_fail(const struct live_store *ls, struct pm_error *err, LONG code,
                     const char *path, const char *what)
{
    char where[PM_MAX_PATH_BYTES + 32];
    const char *root = ls ? ls->root : "";
    snprintf(where, sizeof(where), "HKEY_CURRENT_USER%s%s%s%s", *root ? "\\" : "", root,
             *path ? "\\" : "", path);
    wchar_t msg[256];
    char *m = NULL;
    DWORD n = FormatMessageW(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL,
                             (DWORD)code, 0, msg, PM_ARRAY_SIZE(msg), NULL);
    while (n > 0 && (msg[n - 1] == L'\r' || msg[n - 1] == L'\n' || msg[n - 1] == L'.'))
        n--;
    if (n > 0)
        m = live_utf8(msg, n);
    int rc = pm_error_set(err, PM_ERR_IO, where, 0,
                          "cannot %s: %s (error %ld)", what, m ? m : "system error",
                          (long)code);
    free(m);
    return rc;
}

static int live_nomem(struct pm_error *err, const char *path)
{
    return pm_error_set(err, PM_ERR_NOMEM, path, 0, "out of memory");
}

/* The UTF-16 path below HKCU of a store path (the root prefixed), or NULL. */
static wchar_t *live_wpath(const struct live_store *ls, const char *path)
{
    if (!*ls->root)
        return live_wide(path);
    struct pm_buf b = PM_BUF_INIT;
    wchar_t *w = NULL;
    if (pm_buf_printf(&b, "%s%s%s", ls->root, *path ? "\\" : "", path) == 0)
        w = live_wide(b.data);
    pm_buf_release(&b);
    return w;
}

/* Opens HKCU\path. ERROR_FILE_NOT_FOUND when the key is absent. */
static LONG live_open_key(const struct live_store *ls, const char *path, REGSAM sam, HKEY *out)
{
    wchar_t *w = live_wpath(ls, path);
    if (!w)
        return ERROR_NOT_ENOUGH_MEMORY;
    LONG r = RegOpenKeyExW(HKEY_CURRENT_USER, w, 0, sam, out);
    free(w);
    return r;
}

static LONG live_create(const struct live_store *ls, const char *path, HKEY *out);

static int live_open(struct pm_store **out, const char *location, unsigned flags,
                     struct pm_error *err)
{
    struct live_store *ls = calloc(1, sizeof(*ls));
    if (!ls)
        return pm_error_set(err, PM_ERR_NOMEM, NULL, 0, "out of memory");
    /* "HKCU\\x" and "HKEY_CURRENT_USER\\x" name the same root as "x". */
    const char *root = location ? location : "";
    if (pm_ascii_ncasecmp(root, "HKEY_CURRENT_USER", 17) == 0 && (!root[17] || root[17] == '\\'))
        root += 17;
    else if (pm_ascii_ncasecmp(root, "HKCU", 4) == 0 && (!root[4] || root[4] == '\\'))
        root += 4;
    while (*root == '\\')
        root++;
    size_t n = strlen(root);
    while (n && root[n - 1] == '\\')
        n--;
    if (!(ls->root = pm_strndup(root, n))) {
        free(ls);
        return pm_error_set(err, PM_ERR_NOMEM, NULL, 0, "out of memory");
    }
    HKEY k;
    LONG r = (flags & PM_STORE_READONLY) ? live_open_key(ls, "", KEY_READ, &k)
                                         : live_create(ls, "", &k);
    if (r != ERROR_SUCCESS) {
        int rc = live_fail(ls, err, r, "", "open the user's registry");
        free(ls->root);
        free(ls);
        return rc;
    }
    RegCloseKey(k);
    *out = &ls->base;
    return 0;
}

static void live_val_release(struct live_val *v)
{
    free(v->name);
    free(v->data);
    memset(v, 0, sizeof(*v));
}

static void live_keys_free(struct live_key *keys, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < keys[i].nvals; j++)
            live_val_release(&keys[i].vals[j]);
        free(keys[i].vals);
        free(keys[i].path);
    }
    free(keys);
}

static void live_journal_clear(struct live_store *ls)
{
    for (size_t i = 0; i < ls->njournal; i++) {
        struct live_undo *u = &ls->journal[i];
        free(u->path);
        live_val_release(&u->old);
        live_keys_free(u->keys, u->nkeys);
    }
    free(ls->journal);
    ls->journal = NULL;
    ls->njournal = ls->capjournal = 0;
    ls->journal_bytes = 0;
}

static void live_close(struct pm_store *st)
{
    struct live_store *ls = (struct live_store *)st;
    live_journal_clear(ls);
    free(ls->root);
    free(ls);
}

static int live_subkeys(struct pm_store *st, const char *path, struct pm_strlist *out,
                        struct pm_error *err)
{
    const struct live_store *ls = (const struct live_store *)st;
    HKEY k;
    LONG r = live_open_key(ls, path, KEY_ENUMERATE_SUB_KEYS | KEY_QUERY_VALUE, &k);
    if (r == ERROR_FILE_NOT_FOUND)
        return 0;
    if (r != ERROR_SUCCESS)
        return live_fail(ls, err, r, path, "open key");
    int rc = 1;
    wchar_t name[LIVE_KEY_NAME_MAX];
    for (DWORD i = 0;; i++) {
        if (i >= PM_MAX_SUBKEYS) {
            rc = pm_error_set(err, PM_ERR_LIMIT, path, 0, "more than %d subkeys",
                              (int)PM_MAX_SUBKEYS);
            break;
        }
        DWORD n = PM_ARRAY_SIZE(name);
        r = RegEnumKeyExW(k, i, name, &n, NULL, NULL, NULL, NULL);
        if (r == ERROR_NO_MORE_ITEMS)
            break;
        if (r != ERROR_SUCCESS) {
            rc = live_fail(ls, err, r, path, "list subkeys");
            break;
        }
        char *u = live_utf8(name, n);
        if (!u || pm_strlist_add(out, u) < 0) {
            free(u);
            rc = live_nomem(err, path);
            break;
        }
        free(u);
    }
    RegCloseKey(k);
    return rc;
}

static int live_values(struct pm_store *st, const char *path, struct pm_strlist *out,
                       struct pm_error *err)
{
    const struct live_store *ls = (const struct live_store *)st;
    HKEY k;
    LONG r = live_open_key(ls, path, KEY_QUERY_VALUE, &k);
    if (r == ERROR_FILE_NOT_FOUND)
        return 0;
    if (r != ERROR_SUCCESS)
        return live_fail(ls, err, r, path, "open key");
    wchar_t *name = malloc(LIVE_VALUE_NAME_MAX * sizeof(wchar_t));
    if (!name) {
        RegCloseKey(k);
        return live_nomem(err, path);
    }
    int rc = 1;
    for (DWORD i = 0;; i++) {
        if (i >= PM_MAX_VALUES) {
            rc = pm_error_set(err, PM_ERR_LIMIT, path, 0, "more than %d values",
                              (int)PM_MAX_VALUES);
            break;
        }
        DWORD n = LIVE_VALUE_NAME_MAX;
        r = RegEnumValueW(k, i, name, &n, NULL, NULL, NULL, NULL);
        if (r == ERROR_NO_MORE_ITEMS)
            break;
        if (r != ERROR_SUCCESS) {
            rc = live_fail(ls, err, r, path, "list values");
            break;
        }
        char *u = live_utf8(name, n);
        if (!u || pm_strlist_add(out, u) < 0) {
            free(u);
            rc = live_nomem(err, path);
            break;
        }
        free(u);
    }
    free(name);
    RegCloseKey(k);
    return rc;
}

/* Reads one value of an open key into v (name not set). 1 found, 0 absent, <0 error. */
static int live_read(const struct live_store *ls, HKEY k, const wchar_t *wname, const char *path, struct live_val *v,
                     struct pm_error *err)
{
    DWORD type = 0, size = 0;
    LONG r = RegQueryValueExW(k, wname, NULL, &type, NULL, &size);
    if (r == ERROR_FILE_NOT_FOUND)
        return 0;
    /* The value may grow between the two calls (another writer): retry a few times. */
    for (int tries = 0; tries < 8; tries++) {
        if (r != ERROR_SUCCESS && r != ERROR_MORE_DATA)
            return live_fail(ls, err, r, path, "read value");
        if (size > PM_MAX_VALUE_BYTES)
            return pm_error_set(err, PM_ERR_LIMIT, path, 0, "value larger than %zu bytes",
                                PM_MAX_VALUE_BYTES);
        uint8_t *data = malloc((size_t)size + 2);
        if (!data)
            return live_nomem(err, path);
        DWORD got = size;
        r = RegQueryValueExW(k, wname, NULL, &type, data, &got);
        if (r == ERROR_SUCCESS) {
            data[got] = data[got + 1] = 0;
            free(v->data);
            v->data = data;
            v->len = got;
            v->type = type;
            return 1;
        }
        free(data);
        if (r == ERROR_FILE_NOT_FOUND)
            return 0;
        size = got;
    }
    return pm_error_set(err, PM_ERR_IO, path, 0, "value keeps changing while being read");
}

static int live_get(struct pm_store *st, const char *path, const char *name,
                    struct pm_value *out, struct pm_error *err)
{
    const struct live_store *ls = (const struct live_store *)st;
    HKEY k;
    LONG r = live_open_key(ls, path, KEY_QUERY_VALUE, &k);
    if (r == ERROR_FILE_NOT_FOUND)
        return 0;
    if (r != ERROR_SUCCESS)
        return live_fail(ls, err, r, path, "open key");
    wchar_t *wname = live_wide(name);
    struct live_val v = {0};
    int rc = wname ? live_read(ls, k, wname, path, &v, err) : live_nomem(err, path);
    free(wname);
    RegCloseKey(k);
    if (rc == 1 && pm_value_assign(out, v.type, v.data, v.len) < 0)
        rc = live_nomem(err, path);
    live_val_release(&v);
    return rc;
}

/* ---- the undo journal ---- */

static struct live_undo *live_journal_add(struct live_store *ls, enum live_undo_kind kind,
                                          const char *path, struct pm_error *err)
{
    if (ls->njournal == ls->capjournal) {
        size_t cap = ls->capjournal ? ls->capjournal * 2 : 16;
        struct live_undo *j = realloc(ls->journal, cap * sizeof(*j));
        if (!j) {
            live_nomem(err, path);
            return NULL;
        }
        ls->journal = j;
        ls->capjournal = cap;
    }
    struct live_undo *u = &ls->journal[ls->njournal];
    memset(u, 0, sizeof(*u));
    u->kind = kind;
    if (!(u->path = pm_strdup(path))) {
        live_nomem(err, path);
        return NULL;
    }
    ls->njournal++;
    return u;
}

static int live_journal_account(struct live_store *ls, size_t bytes, const char *path,
                                struct pm_error *err)
{
    if (bytes > LIVE_JOURNAL_MAX_BYTES - ls->journal_bytes)
        return pm_error_set(err, PM_ERR_LIMIT, path, 0,
                            "transaction too large to undo (more than %zu bytes)",
                            LIVE_JOURNAL_MAX_BYTES);
    ls->journal_bytes += bytes;
    return 0;
}

/* Records the current state of path\name before it is written. */
static int live_journal_value(struct live_store *ls, const char *path, const char *name,
                              struct pm_error *err)
{
    struct live_val old = {0};
    int found = 0;
    HKEY k;
    LONG r = live_open_key(ls, path, KEY_QUERY_VALUE, &k);
    if (r == ERROR_SUCCESS) {
        wchar_t *wname = live_wide(name);
        found = wname ? live_read(ls, k, wname, path, &old, err) : live_nomem(err, path);
        free(wname);
        RegCloseKey(k);
        if (found < 0)
            return found;
    } else if (r != ERROR_FILE_NOT_FOUND) {
        return live_fail(ls, err, r, path, "open key");
    }
    int rc = live_journal_account(ls, old.len + strlen(path) + strlen(name), path, err);
    struct live_undo *u = rc < 0 ? NULL : live_journal_add(ls, LIVE_UNDO_VALUE, path, err);
    if (!u) {
        live_val_release(&old);
        return rc < 0 ? rc : PM_ERR_NOMEM;
    }
    u->existed = found;
    u->old = old;
    if (!(u->old.name = pm_strdup(name))) {
        ls->njournal--;
        free(u->path);
        live_val_release(&u->old);
        return live_nomem(err, path);
    }
    return 0;
}

/* Before a key is created (by create_key or a set): records the topmost missing ancestor, whose
 * tree rollback deletes. Nothing is recorded when the key exists. */
static int live_journal_create(struct live_store *ls, const char *path, struct pm_error *err)
{
    char buf[PM_MAX_PATH_BYTES];
    size_t n = strlen(path);
    if (n >= sizeof(buf))
        return pm_error_set(err, PM_ERR_LIMIT, path, 0, "key path too long");
    memcpy(buf, path, n + 1);
    HKEY k;
    LONG r = live_open_key(ls, buf, KEY_QUERY_VALUE, &k);
    if (r == ERROR_SUCCESS) {
        RegCloseKey(k);
        return 0;
    }
    if (r != ERROR_FILE_NOT_FOUND)
        return live_fail(ls, err, r, path, "open key");
    /* Walk up while the parent is missing too. */
    for (;;) {
        char *bs = strrchr(buf, '\\');
        if (!bs)
            break;
        *bs = 0;
        r = live_open_key(ls, buf, KEY_QUERY_VALUE, &k);
        if (r == ERROR_SUCCESS) {
            RegCloseKey(k);
            *bs = '\\';
            break;
        }
        if (r != ERROR_FILE_NOT_FOUND)
            return live_fail(ls, err, r, buf, "open key");
        /* the parent is missing too: it becomes the candidate */
    }
    return live_journal_add(ls, LIVE_UNDO_CREATED, buf, err) ? 0 : PM_ERR_NOMEM;
}

/* Saves the subtree at path (pre-order) into *keys. */
static int live_snapshot(struct live_store *ls, const char *path, struct live_key **keys,
                         size_t *nkeys, size_t *cap, int depth, struct pm_error *err)
{
    if (depth > 512)
        return pm_error_set(err, PM_ERR_LIMIT, path, 0, "keys nested too deeply");
    if (*nkeys >= PM_MAX_SUBKEYS)
        return pm_error_set(err, PM_ERR_LIMIT, path, 0, "subtree too large to undo");
    if (*nkeys == *cap) {
        size_t c = *cap ? *cap * 2 : 16;
        struct live_key *k2 = realloc(*keys, c * sizeof(*k2));
        if (!k2)
            return live_nomem(err, path);
        *keys = k2;
        *cap = c;
    }
    struct live_key *key = &(*keys)[(*nkeys)++];
    memset(key, 0, sizeof(*key));
    if (!(key->path = pm_strdup(path)))
        return live_nomem(err, path);

    struct pm_strlist names = PM_STRLIST_INIT, subs = PM_STRLIST_INIT;
    int rc = live_values(&ls->base, path, &names, err);
    if (rc < 0)
        goto out;
    if (names.n && !(key->vals = calloc(names.n, sizeof(*key->vals)))) {
        rc = live_nomem(err, path);
        goto out;
    }
    HKEY k;
    LONG r = live_open_key(ls, path, KEY_QUERY_VALUE, &k);
    if (r != ERROR_SUCCESS) {
        rc = live_fail(ls, err, r, path, "open key");
        goto out;
    }
    for (size_t i = 0; i < names.n && rc >= 0; i++) {
        wchar_t *wname = live_wide(names.items[i]);
        struct live_val *v = &key->vals[key->nvals];
        rc = wname ? live_read(ls, k, wname, path, v, err) : live_nomem(err, path);
        free(wname);
        if (rc == 1) {
            key->nvals++;
            if (!(v->name = pm_strdup(names.items[i])))
                rc = live_nomem(err, path);
            else
                rc = live_journal_account(ls, v->len + strlen(v->name), path, err);
        }
    }
    RegCloseKey(k);
    if (rc < 0)
        goto out;
    if ((rc = live_subkeys(&ls->base, path, &subs, err)) < 0)
        goto out;
    for (size_t i = 0; i < subs.n; i++) {
        struct pm_buf child = PM_BUF_INIT;
        if (pm_buf_printf(&child, "%s\\%s", path, subs.items[i]) < 0) {
            pm_buf_release(&child);
            rc = live_nomem(err, path);
            goto out;
        }
        rc = live_snapshot(ls, child.data, keys, nkeys, cap, depth + 1, err);
        pm_buf_release(&child);
        if (rc < 0)
            goto out;
    }
    rc = 0;
out:
    pm_strlist_release(&names);
    pm_strlist_release(&subs);
    return rc;
}

/* ---- writes ---- */

static LONG live_create(const struct live_store *ls, const char *path, HKEY *out)
{
    wchar_t *w = live_wpath(ls, path);
    if (!w)
        return ERROR_NOT_ENOUGH_MEMORY;
    LONG r = RegCreateKeyExW(HKEY_CURRENT_USER, w, 0, NULL, REG_OPTION_NON_VOLATILE,
                             KEY_SET_VALUE | KEY_QUERY_VALUE, NULL, out, NULL);
    free(w);
    return r;
}

static LONG live_write_value(const struct live_store *ls, const char *path, const char *name, uint32_t type,
                             const void *data, size_t len)
{
    HKEY k;
    LONG r = live_create(ls, path, &k);
    if (r != ERROR_SUCCESS)
        return r;
    wchar_t *wname = live_wide(name);
    if (!wname)
        r = ERROR_NOT_ENOUGH_MEMORY;
    else
        r = RegSetValueExW(k, wname, 0, type, len ? data : NULL, (DWORD)len);
    free(wname);
    RegCloseKey(k);
    return r;
}

static LONG live_remove_value(const struct live_store *ls, const char *path, const char *name)
{
    HKEY k;
    LONG r = live_open_key(ls, path, KEY_SET_VALUE, &k);
    if (r != ERROR_SUCCESS)
        return r;
    wchar_t *wname = live_wide(name);
    r = wname ? RegDeleteValueW(k, wname) : ERROR_NOT_ENOUGH_MEMORY;
    free(wname);
    RegCloseKey(k);
    return r;
}

static LONG live_remove_tree(const struct live_store *ls, const char *path)
{
    wchar_t *w = live_wpath(ls, path);
    if (!w)
        return ERROR_NOT_ENOUGH_MEMORY;
    /* With a subkey name RegDeleteTreeW removes the key itself too; RegDeleteKeyW makes sure
     * of it where an implementation only empties it. */
    LONG r = RegDeleteTreeW(HKEY_CURRENT_USER, w);
    if (r == ERROR_SUCCESS) {
        r = RegDeleteKeyW(HKEY_CURRENT_USER, w);
        if (r == ERROR_FILE_NOT_FOUND)
            r = ERROR_SUCCESS;
    }
    free(w);
    return r;
}

static int live_set(struct pm_store *st, const char *path, const char *name, uint32_t type,
                    const void *data, size_t len, struct pm_error *err)
{
    struct live_store *ls = (struct live_store *)st;
    int rc = live_journal_create(ls, path, err);
    if (rc == 0)
        rc = live_journal_value(ls, path, name, err);
    if (rc < 0)
        return rc;
    LONG r = live_write_value(ls, path, name, type, data, len);
    return r == ERROR_SUCCESS ? 0 : live_fail(ls, err, r, path, "write value");
}

static int live_delete_value(struct pm_store *st, const char *path, const char *name,
                             struct pm_error *err)
{
    struct live_store *ls = (struct live_store *)st;
    int rc = live_journal_value(ls, path, name, err);
    if (rc < 0)
        return rc;
    struct live_undo *u = &ls->journal[ls->njournal - 1];
    if (!u->existed) {
        /* Nothing to undo for a value that was not there. */
        free(u->path);
        live_val_release(&u->old);
        ls->njournal--;
        return 0;
    }
    LONG r = live_remove_value(ls, path, name);
    if (r == ERROR_FILE_NOT_FOUND)
        return 0;
    return r == ERROR_SUCCESS ? 1 : live_fail(ls, err, r, path, "delete value");
}

static int live_create_key(struct pm_store *st, const char *path, struct pm_error *err)
{
    struct live_store *ls = (struct live_store *)st;
    size_t before = ls->njournal;
    int rc = live_journal_create(ls, path, err);
    if (rc < 0)
        return rc;
    HKEY k;
    LONG r = live_create(ls, path, &k);
    if (r != ERROR_SUCCESS)
        return live_fail(ls, err, r, path, "create key");
    RegCloseKey(k);
    return ls->njournal > before ? 1 : 0;
}

static int live_delete_key(struct pm_store *st, const char *path, struct pm_error *err)
{
    struct live_store *ls = (struct live_store *)st;
    HKEY k;
    LONG r = live_open_key(ls, path, KEY_QUERY_VALUE, &k);
    if (r == ERROR_FILE_NOT_FOUND)
        return 0;
    if (r != ERROR_SUCCESS)
        return live_fail(ls, err, r, path, "open key");
    RegCloseKey(k);
    struct live_key *keys = NULL;
    size_t nkeys = 0, cap = 0;
    int rc = live_snapshot(ls, path, &keys, &nkeys, &cap, 0, err);
    struct live_undo *u = rc < 0 ? NULL : live_journal_add(ls, LIVE_UNDO_DELETED, path, err);
    if (!u) {
        live_keys_free(keys, nkeys);
        return rc < 0 ? rc : PM_ERR_NOMEM;
    }
    u->keys = keys;
    u->nkeys = nkeys;
    r = live_remove_tree(ls, path);
    if (r != ERROR_SUCCESS)
        return live_fail(ls, err, r, path, "delete key");
    return 1;
}

static int live_begin(struct pm_store *st, struct pm_error *err)
{
    (void)err;
    live_journal_clear((struct live_store *)st);
    return 0;
}

static int live_commit(struct pm_store *st, struct pm_error *err)
{
    (void)err;
    /* Every write is already in the registry; the journal is no longer needed. */
    live_journal_clear((struct live_store *)st);
    return 0;
}

/* Applies one journal entry backwards. */
static LONG live_undo_one(const struct live_store *ls, const struct live_undo *u)
{
    switch (u->kind) {
    case LIVE_UNDO_VALUE:
        if (u->existed)
            return live_write_value(ls, u->path, u->old.name, u->old.type, u->old.data, u->old.len);
        else {
            LONG r = live_remove_value(ls, u->path, u->old.name);
            return r == ERROR_FILE_NOT_FOUND ? ERROR_SUCCESS : r;
        }
    case LIVE_UNDO_CREATED: {
        LONG r = live_remove_tree(ls, u->path);
        return r == ERROR_FILE_NOT_FOUND ? ERROR_SUCCESS : r;
    }
    case LIVE_UNDO_DELETED:
        for (size_t i = 0; i < u->nkeys; i++) {
            HKEY k;
            LONG r = live_create(ls, u->keys[i].path, &k);
            if (r != ERROR_SUCCESS)
                return r;
            RegCloseKey(k);
            for (size_t j = 0; j < u->keys[i].nvals; j++) {
                const struct live_val *v = &u->keys[i].vals[j];
                r = live_write_value(ls, u->keys[i].path, v->name, v->type, v->data, v->len);
                if (r != ERROR_SUCCESS)
                    return r;
            }
        }
        return ERROR_SUCCESS;
    }
    return ERROR_INVALID_PARAMETER;
}

static int live_rollback(struct pm_store *st, struct pm_error *err)
{
    struct live_store *ls = (struct live_store *)st;
    int rc = 0;
    /* Keep going after a failure: every entry put back is one less thing wrong. The first
     * failure is reported. */
    for (size_t i = ls->njournal; i-- > 0;) {
        LONG r = live_undo_one(ls, &ls->journal[i]);
        if (r != ERROR_SUCCESS && rc == 0)
            rc = live_fail(ls, err, r, ls->journal[i].path, "undo a write");
    }
    live_journal_clear(ls);
    return rc;
}

const struct pm_store_ops pm_store_live_ops = {
    .name = "live",
    .open = live_open,
    .close = live_close,
    .subkeys = live_subkeys,
    .values = live_values,
    .get = live_get,
    .set = live_set,
    .delete_value = live_delete_value,
    .create_key = live_create_key,
    .delete_key = live_delete_key,
    .begin = live_begin,
    .commit = live_commit,
    .rollback = live_rollback,
};
