/* profilemanager update: placeholder until the engine lands. */
#include "cli.h"

int cmd_update(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return PM_EXIT_USAGE;
}
