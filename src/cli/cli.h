/* The profilemanager tool: one file per command, all on the public libpm API. */
#ifndef PM_CLI_H
#define PM_CLI_H

#include "pm/pm.h"

/* Each command gets argv with argv[0] = the command name and returns an exit code (pm_exit). */
int cmd_update(int argc, char **argv);
int cmd_restore(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_puf(int argc, char **argv);
int cmd_shortcut(int argc, char **argv);
int cmd_package(int argc, char **argv);

/* Runs the tool on UTF-8 arguments (main() on POSIX, wmain() on Windows call it). */
int pm_cli_main(int argc, char **argv);

/* Prints "profilemanager: <msg>" to stderr. */
void cli_error(const char *fmt, ...)
#if defined(__MINGW32__)
    __attribute__((format(gnu_printf, 1, 2)))
#elif defined(__GNUC__)
    __attribute__((format(PM_PRINTF_ARCHETYPE, 1, 2)))
#endif
    ;
void cli_print_error(const struct pm_error *err);

#endif
