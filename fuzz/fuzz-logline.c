/* Fuzz target for the log line parser, and a round trip: every field of a parsed line, written
 * back with pm_log_field, must parse again to the same value. */
#include "compat.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "pm/log.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    char *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    if (size)
        memcpy(copy, data, size);
    struct pm_log_line l;
    if (pm_log_parse_line(copy, size, &l) == 0) {
        struct pm_buf b = PM_BUF_INIT;
        pm_buf_puts(&b, l.timestamp);
        for (size_t i = 0; i < l.nfields; i++)
            pm_log_field(&b, l.keys[i], l.vals[i]);
        struct pm_log_line again;
        if (pm_log_parse_line(b.data, b.len, &again) != 0)
            abort();
        if (again.nfields != l.nfields)
            abort();
        for (size_t i = 0; i < l.nfields; i++)
            if (strcmp(again.keys[i], l.keys[i]) || strcmp(again.vals[i], l.vals[i]))
                abort();
        pm_log_line_release(&again);
        pm_buf_release(&b);
        pm_log_line_release(&l);
    }
    free(copy);
    return 0;
}
