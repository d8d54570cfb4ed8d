/* Fuzz target for the .reg reader: any bytes go through pm_regfile_parse and an import into a mem
 * store; when the text imports, it is exported again and re-imported, which must succeed (what we
 * write we can read). Never crashes, never leaks, whatever the input. */
#include "compat.h"

#include "pm/regfile.h"
#include "pm/store.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    struct pm_error err;
    enum pm_reg_format fmt;
    pm_regfile_parse(data, size, "fuzz.reg", NULL, &fmt, &err);

    struct pm_store *st;
    if (pm_store_open(&st, "mem:", 0, &err) < 0)
        return 0;
    if (pm_regfile_import(st, data, size, "fuzz.reg", &err) == 0) {
        const char *paths[] = {""};
        for (int f = 4; f <= 5; f++) {
            struct pm_buf out = PM_BUF_INIT;
            struct pm_store *again;
            if (pm_regfile_export(st, paths, 1, (enum pm_reg_format)f, &out, &err) == 0 &&
                pm_store_open(&again, "mem:", 0, &err) == 0) {
                /* Our own text must import; a failure here is a writer/reader mismatch. */
                if (pm_regfile_import(again, out.data, out.len, "again.reg", &err) < 0)
                    abort();
                pm_store_close(again);
            }
            pm_buf_release(&out);
        }
    }
    pm_store_close(st);
    return 0;
}
