/* The contract between store.c (dispatch) and each backend. A backend exports one
 * `const struct pm_store_ops pm_store_<name>_ops`; its handle begins with struct pm_store.
 * store.c has already normalized paths (no leading/trailing/double backslashes; "" is the root)
 * and checked arguments and transaction state before any call here. */
#ifndef PM_STORE_BACKEND_H
#define PM_STORE_BACKEND_H

#include "pm/store.h"

struct pm_store_ops {
    const char *name;
    /* 'location' is the part of the spec after "name:" ("" for none). */
    int (*open)(struct pm_store **out, const char *location, unsigned flags, struct pm_error *err);
    void (*close)(struct pm_store *st);
    int (*subkeys)(struct pm_store *st, const char *path, struct pm_strlist *out,
                   struct pm_error *err);
    int (*values)(struct pm_store *st, const char *path, struct pm_strlist *out,
                  struct pm_error *err);
    int (*get)(struct pm_store *st, const char *path, const char *name, struct pm_value *out,
               struct pm_error *err);
    int (*set)(struct pm_store *st, const char *path, const char *name, uint32_t type,
               const void *data, size_t len, struct pm_error *err);
    int (*delete_value)(struct pm_store *st, const char *path, const char *name,
                        struct pm_error *err);
    int (*create_key)(struct pm_store *st, const char *path, struct pm_error *err);
    int (*delete_key)(struct pm_store *st, const char *path, struct pm_error *err);
    int (*begin)(struct pm_store *st, struct pm_error *err);
    int (*commit)(struct pm_store *st, struct pm_error *err);
    int (*rollback)(struct pm_store *st, struct pm_error *err);
};

/* Common head of every backend handle. Backends set ops; store.c owns the rest. */
struct pm_store {
    const struct pm_store_ops *ops;
    unsigned flags;
    char *location;
    int in_txn;
    unsigned long mutations; /* mutating calls since the fault hook was last set */
    unsigned long fail_at;   /* 0 = off */
};

extern const struct pm_store_ops pm_store_mem_ops;
extern const struct pm_store_ops pm_store_reg_ops;
#ifdef PM_HAVE_HIVEX
extern const struct pm_store_ops pm_store_hive_ops;
#endif
#ifdef PM_HAVE_LIVE
extern const struct pm_store_ops pm_store_live_ops;
#endif

#endif
