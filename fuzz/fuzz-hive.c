/* Fuzz target for the hive store: any bytes as an NTUSER.DAT, opened read-only and walked from
 * the root through every key and value, as a run over a user's damaged or hostile hive would.
 * hivex needs a file, so the input is written to a temporary one first. Errors are expected;
 * crashes, hangs and sanitizer reports are not. */
#include "compat.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pm/store.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

/* The walk is bounded in depth and in keys visited, since a hostile hive can make its key
 * lists point back at an ancestor. */
static void walk(struct pm_store *st, const char *path, int depth, unsigned long *budget)
{
    if (depth > 64 || *budget == 0)
        return;
    (*budget)--;
    struct pm_error err;
    struct pm_strlist subs = PM_STRLIST_INIT, vals = PM_STRLIST_INIT;
    struct pm_value v = PM_VALUE_INIT;
    (void)pm_store_values(st, path, &vals, &err);
    for (size_t i = 0; i < vals.n; i++)
        if (pm_store_get(st, path, vals.items[i], &v, &err) == 1 && v.len)
            (void)(v.data[v.len] | v.data[v.len + 1]); /* the promised NUL tail exists */
    (void)pm_store_subkeys(st, path, &subs, &err);
    for (size_t i = 0; i < subs.n; i++) {
        struct pm_buf child = PM_BUF_INIT;
        if (pm_buf_printf(&child, "%s%s%s", path, *path ? "\\" : "", subs.items[i]) == 0)
            walk(st, child.data, depth + 1, budget);
        pm_buf_release(&child);
    }
    pm_value_release(&v);
    pm_strlist_release(&vals);
    pm_strlist_release(&subs);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    const char *tmp = getenv("TMPDIR");
    char path[512];
    snprintf(path, sizeof(path), "%s/pm-fuzz-hive-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0)
        return 0;
    size_t off = 0;
    while (off < size) {
        ssize_t w = write(fd, data + off, size - off);
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    close(fd);
    char spec[600];
    snprintf(spec, sizeof(spec), "hive:%s", path);
    struct pm_store *st = NULL;
    struct pm_error err;
    if (off == size && pm_store_open(&st, spec, PM_STORE_READONLY, &err) == 0) {
        unsigned long budget = 20000;
        walk(st, "", 0, &budget);
        pm_store_close(st);
    }
    unlink(path);
    return 0;
}
