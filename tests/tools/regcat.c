/* regcat: loads a .reg file as a "reg" store and writes it back through the store's commit path
 * (optionally into another file first), so a suite can compare the bytes with the original.
 *
 *   regcat FILE            rewrite FILE in place through begin + commit
 *   regcat FILE OUT        copy FILE to OUT, then rewrite OUT through begin + commit
 *   regcat --export FILE PATH OUT   write the subtree PATH of reg:FILE with pm_regfile_export */
#include "compat.h"

#include "pm/regfile.h"
#include "pm/store.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const struct pm_error *err)
{
    char buf[2048];
    fprintf(stderr, "regcat: %s\n", pm_error_format(err, buf, sizeof(buf)));
    return 1;
}

int main(int argc, char **argv)
{
    struct pm_error err;
    pm_error_clear(&err);
    if (argc == 5 && strcmp(argv[1], "--export") == 0) {
        struct pm_buf spec = PM_BUF_INIT, out = PM_BUF_INIT;
        struct pm_store *st;
        pm_buf_printf(&spec, "reg:%s", argv[2]);
        if (pm_store_open(&st, spec.data, PM_STORE_READONLY, &err) < 0)
            return fail(&err);
        const char *paths[] = {argv[3]};
        int rc = pm_regfile_export(st, paths, 1, PM_REGFMT_REGEDIT5, &out, &err);
        pm_store_close(st);
        if (rc < 0)
            return fail(&err);
        if (pmt_write_file(argv[4], out.data, out.len) < 0) {
            fprintf(stderr, "regcat: cannot write '%s'\n", argv[4]);
            return 1;
        }
        pm_buf_release(&spec);
        pm_buf_release(&out);
        return 0;
    }
    if (argc != 2 && argc != 3) {
        fprintf(stderr, "usage: regcat FILE [OUT] | regcat --export FILE PATH OUT\n");
        return 2;
    }
    const char *target = argv[1];
    if (argc == 3) {
        size_t len;
        char *data = pmt_read_file(argv[1], &len);
        if (!data || pmt_write_file(argv[2], data, len) < 0) {
            fprintf(stderr, "regcat: cannot copy '%s' to '%s'\n", argv[1], argv[2]);
            free(data);
            return 1;
        }
        free(data);
        target = argv[2];
    }
    struct pm_buf spec = PM_BUF_INIT;
    struct pm_store *st;
    pm_buf_printf(&spec, "reg:%s", target);
    int rc = pm_store_open(&st, spec.data, 0, &err);
    pm_buf_release(&spec);
    if (rc < 0)
        return fail(&err);
    if (pm_store_begin(st, &err) < 0 || pm_store_commit(st, &err) < 0) {
        pm_store_close(st);
        return fail(&err);
    }
    pm_store_close(st);
    return 0;
}
