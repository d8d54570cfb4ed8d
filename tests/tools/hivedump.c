/* hivedump: prints every value of a hive as read through the hive store, one line each, in the
 * format hivewrite reads (KEY<TAB>NAME<TAB>TYPE<TAB>HEX), keys with no values as a line of
 * their own (KEY). A suite compares this with what other tools wrote or read. Opens read-only.
 * Exit status 0, or 1 with the store's error on stderr. */
#include "compat.h"

#include "pm/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int dump(struct pm_store *st, const char *path, int depth, struct pm_error *err)
{
    if (depth > 512)
        return pm_error_set(err, PM_ERR_LIMIT, path, 0, "keys nested too deeply");
    struct pm_strlist vals = PM_STRLIST_INIT, subs = PM_STRLIST_INIT;
    struct pm_value v = PM_VALUE_INIT;
    int rc = pm_store_values(st, path, &vals, err);
    if (rc >= 0 && vals.n == 0 && *path)
        printf("%s\n", path);
    for (size_t i = 0; rc >= 0 && i < vals.n; i++) {
        if ((rc = pm_store_get(st, path, vals.items[i], &v, err)) < 0)
            break;
        char *hex = malloc(2 * v.len + 1);
        if (!hex) {
            rc = pm_error_set(err, PM_ERR_NOMEM, path, 0, "out of memory");
            break;
        }
        pm_hex_lower(v.data, v.len, hex);
        printf("%s\t%s\t%u\t%s\n", path, vals.items[i], (unsigned)v.type, hex);
        free(hex);
    }
    if (rc >= 0)
        rc = pm_store_subkeys(st, path, &subs, err);
    for (size_t i = 0; rc >= 0 && i < subs.n; i++) {
        struct pm_buf child = PM_BUF_INIT;
        if (pm_buf_printf(&child, "%s%s%s", path, *path ? "\\" : "", subs.items[i]) < 0)
            rc = pm_error_set(err, PM_ERR_NOMEM, path, 0, "out of memory");
        else
            rc = dump(st, child.data, depth + 1, err);
        pm_buf_release(&child);
    }
    pm_value_release(&v);
    pm_strlist_release(&vals);
    pm_strlist_release(&subs);
    return rc < 0 ? rc : 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: hivedump HIVE\n");
        return 2;
    }
    struct pm_error err;
    pm_error_clear(&err);
    struct pm_buf spec = PM_BUF_INIT;
    struct pm_store *st = NULL;
    int rc = pm_buf_printf(&spec, "hive:%s", argv[1]);
    if (rc == 0)
        rc = pm_store_open(&st, spec.data, PM_STORE_READONLY, &err);
    pm_buf_release(&spec);
    if (rc == 0) {
        rc = dump(st, "", 0, &err);
        pm_store_close(st);
    }
    if (rc < 0) {
        char buf[2048];
        fprintf(stderr, "hivedump: %s\n", pm_error_format(&err, buf, sizeof(buf)));
        return 1;
    }
    return 0;
}
