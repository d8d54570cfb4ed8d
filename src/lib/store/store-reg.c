/* The "reg" backend: placeholder until the .reg reader and writer land. */
#include "../compat.h"

#include "memtree.h"

static int reg_open(struct pm_store **out, const char *location, unsigned flags,
                    struct pm_error *err)
{
    (void)out;
    (void)flags;
    return pm_error_set(err, PM_ERR_UNSUPPORTED, location, 0, "not built yet");
}

const struct pm_store_ops pm_store_reg_ops = {
    .name = "reg",
    .open = reg_open,
};
