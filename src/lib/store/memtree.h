/* An in-memory registry tree, kept in insertion order. It is the whole of the "mem" backend and
 * the working copy of the "reg" backend, which shares the handle type and the read/write
 * functions below and adds only loading and saving. */
#ifndef PM_MEMTREE_H
#define PM_MEMTREE_H

#include "store-backend.h"

struct pm_mtvalue {
    char *name;
    uint32_t type;
    uint8_t *data; /* followed by 2 NUL bytes not counted in len */
    size_t len;
};

struct pm_mtkey {
    char *name;
    struct pm_mtkey **subs;
    size_t nsubs, capsubs;
    /* Children by name hash (open addressing of subs index + 1), kept from MT_INDEX_MIN
     * children on, so a key with 10^5 subkeys is filled and searched in linear time. Dropped
     * when a child is deleted (indexes shift) and rebuilt at the next lookup. */
    size_t *index;
    size_t index_cap;
    struct pm_mtvalue *vals;
    size_t nvals, capvals;
};

struct pm_mtkey *pm_mtkey_new(const char *name);
void pm_mtkey_free(struct pm_mtkey *k);
struct pm_mtkey *pm_mtkey_clone(const struct pm_mtkey *k); /* NULL on OOM */
/* Child by name (case-insensitive), or NULL. */
struct pm_mtkey *pm_mtkey_child(const struct pm_mtkey *k, const char *name, size_t len);
/* Key at a normalized path ("" = k itself), or NULL. */
struct pm_mtkey *pm_mtkey_find(struct pm_mtkey *root, const char *path);
/* Creates the key at path and its parents. *created tells whether anything was added. */
struct pm_mtkey *pm_mtkey_create(struct pm_mtkey *root, const char *path, int *created);
/* 1 deleted, 0 absent. The root itself cannot be deleted (PM_ERR_INVALID). */
int pm_mtkey_delete(struct pm_mtkey *root, const char *path);
struct pm_mtvalue *pm_mtkey_value(const struct pm_mtkey *k, const char *name);
int pm_mtkey_set_value(struct pm_mtkey *k, const char *name, uint32_t type, const void *data,
                       size_t len);
int pm_mtkey_delete_value(struct pm_mtkey *k, const char *name);

/* The handle shared by the mem and reg backends. */
struct pm_memstore {
    struct pm_store base;
    struct pm_mtkey *root;
    struct pm_mtkey *snapshot; /* copy taken at begin, restored by rollback */
    /* The key found last and its path: reading a profile asks for the values of one key many
     * times in a row. Cleared whenever a key may go away (delete, rollback). */
    char *last_path;
    struct pm_mtkey *last_key;
};

int pm_memstore_init(struct pm_memstore *ms, const struct pm_store_ops *ops);
void pm_memstore_release(struct pm_memstore *ms);
int pm_memstore_subkeys(struct pm_store *st, const char *path, struct pm_strlist *out,
                        struct pm_error *err);
int pm_memstore_values(struct pm_store *st, const char *path, struct pm_strlist *out,
                       struct pm_error *err);
int pm_memstore_get(struct pm_store *st, const char *path, const char *name,
                    struct pm_value *out, struct pm_error *err);
int pm_memstore_set(struct pm_store *st, const char *path, const char *name, uint32_t type,
                    const void *data, size_t len, struct pm_error *err);
int pm_memstore_delete_value(struct pm_store *st, const char *path, const char *name,
                             struct pm_error *err);
int pm_memstore_create_key(struct pm_store *st, const char *path, struct pm_error *err);
int pm_memstore_delete_key(struct pm_store *st, const char *path, struct pm_error *err);
/* Transactions on the tree alone: begin snapshots, rollback restores, commit drops the copy. */
int pm_memstore_begin(struct pm_store *st, struct pm_error *err);
int pm_memstore_commit(struct pm_store *st, struct pm_error *err);
int pm_memstore_rollback(struct pm_store *st, struct pm_error *err);

#endif
