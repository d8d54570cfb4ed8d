/* profilemanager restore: not built yet. */
#include "cli.h"

int cmd_restore(int argc, char **argv)
{
    (void)argc;
    cli_error("'%s' is not available in this version", argv[0]);
    return PM_EXIT_USAGE;
}
