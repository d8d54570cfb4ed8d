/* Fuzz target for prof.config: any bytes as a config file (UTF-8, UTF-16 by BOM, anything).
 * Parsing either fails with an error record or yields a config whose every setting is one of the
 * documented values; nothing is left to release after a failure. */
#include "compat.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "pm/config.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static void count_warning(void *ctx, const char *where, unsigned line, const char *msg)
{
    (void)where;
    (void)line;
    *(size_t *)ctx += strlen(msg);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    struct pm_config c;
    struct pm_error err;
    size_t warned = 0;
    int rc = pm_config_parse(&c, "fuzz/prof.config", data, size, count_warning, &warned, &err);
    if (rc < 0) {
        if (c.path || c.puf_file || !err.msg[0])
            abort();
        return 0;
    }
    if (!c.puf_file || !c.mapi_clients || c.backup < 0 || c.backup > 1 ||
        (unsigned)c.cached_mode > PM_DISABLE || (unsigned)c.outlook_anywhere > PM_DISABLE ||
        (unsigned)c.ost_action > PM_OST_KEEP || c.wait_for_outlook < 0 ||
        c.wait_for_outlook > 3600 || c.lock_wait < 0 || c.lock_wait > 3600 ||
        c.proxy_ssl_only < -1 || c.proxy_ssl_only > 1 ||
        (c.outlook_anywhere == PM_ENABLE && !c.proxy_server))
        abort();
    pm_config_release(&c);
    return 0;
}
