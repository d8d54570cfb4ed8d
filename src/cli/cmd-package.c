/* profilemanager package: not built yet. */
#include "cli.h"

int cmd_package(int argc, char **argv)
{
    (void)argc;
    cli_error("'%s' is not available in this version", argv[0]);
    return PM_EXIT_USAGE;
}
