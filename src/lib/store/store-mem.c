/* The "mem" backend: a registry that lives only in memory. Tests and dry runs use it. */
#include "compat.h"

#include "memtree.h"

#include <stdlib.h>

static int mem_open(struct pm_store **out, const char *location, unsigned flags,
                    struct pm_error *err)
{
    (void)flags;
    if (location && *location)
        return pm_error_set(err, PM_ERR_INVALID, location, 0,
                            "the mem store takes no location");
    struct pm_memstore *ms = malloc(sizeof(*ms));
    if (!ms || pm_memstore_init(ms, &pm_store_mem_ops) < 0) {
        free(ms);
        return pm_error_set(err, PM_ERR_NOMEM, NULL, 0, "out of memory");
    }
    *out = &ms->base;
    return 0;
}

static void mem_close(struct pm_store *st)
{
    pm_memstore_release((struct pm_memstore *)st);
    free(st);
}

const struct pm_store_ops pm_store_mem_ops = {
    .name = "mem",
    .open = mem_open,
    .close = mem_close,
    .subkeys = pm_memstore_subkeys,
    .values = pm_memstore_values,
    .get = pm_memstore_get,
    .set = pm_memstore_set,
    .delete_value = pm_memstore_delete_value,
    .create_key = pm_memstore_create_key,
    .delete_key = pm_memstore_delete_key,
    .begin = pm_memstore_begin,
    .commit = pm_memstore_commit,
    .rollback = pm_memstore_rollback,
};
