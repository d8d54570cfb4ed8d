/* Fuzz target for the .lnk reader: any bytes as a shortcut. What parses is written back with
 * the writer and must parse again to the same target and strings, so reader and writer agree. */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "pm/lnk.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static int same(const char *a, const char *b)
{
    return (!a || !*a) ? (!b || !*b) : (b && !strcmp(a, b));
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    struct pm_lnk l, back;
    struct pm_error err;
    if (pm_lnk_parse(&l, data, size, "fuzz.lnk", &err) < 0)
        return 0;
    (void)pm_lnk_basename(l.target ? l.target : "");
    /* The writer takes what the reader produced: any UTF-8, possibly with U+FFFD. A target with
     * an embedded NUL cannot occur (strings are C strings). */
    if (l.target && *l.target && l.target[0] != '\\') {
        struct pm_buf out = PM_BUF_INIT;
        if (pm_lnk_write(&l, &out, &err) == 0) {
            if (pm_lnk_parse(&back, out.data, out.len, "rewritten.lnk", &err) < 0)
                abort();
            if (!same(l.target, back.target) || !same(l.name, back.name) ||
                !same(l.arguments, back.arguments) || !same(l.working_dir, back.working_dir) ||
                !same(l.icon_location, back.icon_location) || l.icon_index != back.icon_index)
                abort();
            pm_lnk_release(&back);
        }
        pm_buf_release(&out);
    }
    pm_lnk_release(&l);
    return 0;
}
