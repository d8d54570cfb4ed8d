/* Entry point: picks the command (update when none is named) and hands over. */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void cli_error(const char *fmt, ...)
{
    va_list ap;
    fputs("profilemanager: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void cli_print_error(const struct pm_error *err)
{
    char buf[2048];
    cli_error("%s", pm_error_format(err, buf, sizeof(buf)));
}

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} commands[] = {
    {"update", cmd_update, "update the user's Outlook profiles (the default command)"},
    {"restore", cmd_restore, "put profiles back from a backup .reg a run wrote"},
    {"report", cmd_report, "migration report over a folder of run logs"},
    {"puf", cmd_puf, "build, check and index mbm.puf files"},
    {"shortcut", cmd_shortcut, "point Outlook shortcuts at profilemanager, or restore them"},
    {"package", cmd_package, "build the zip for travelling users"},
    {"cleanup", cmd_cleanup, "remove old OST files and the user's old backups"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: profilemanager [COMMAND] [OPTIONS]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nWith no command, 'update' runs. 'profilemanager COMMAND --help' for more.\n");
}

/* Windows' own ways of asking for help: "/?", "-?" and "/help" (any case, as cmd.exe's tools
 * take them). They must never reach update, which would take a '/' word for an Outlook switch
 * and run. */
static int is_windows_help(const char *a)
{
    if (!strcmp(a, "/?") || !strcmp(a, "-?"))
        return 1;
    if (a[0] != '/' || strlen(a) != 5)
        return 0;
    for (int i = 1; i < 5; i++)
        if ((a[i] | 0x20) != "/help"[i])
            return 0;
    return 1;
}

static int is_help(const char *a)
{
    return !strcmp(a, "--help") || !strcmp(a, "-h") || !strcmp(a, "help") || is_windows_help(a);
}

int pm_cli_is_info(int argc, char **argv)
{
    if (argc < 2)
        return 0;
    if (is_help(argv[1]) || !strcmp(argv[1], "--version") || !strcmp(argv[1], "-V"))
        return 1;
    return argc > 2 && is_windows_help(argv[2]);
}

int pm_cli_main(int argc, char **argv)
{
    if (argc > 2 && is_windows_help(argv[2])) {
        for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
            if (!strcmp(argv[1], commands[i].name)) {
                char *hargv[] = {argv[1], "--help", NULL};
                return commands[i].run(2, hargv);
            }
    }
    if (argc > 1 && is_help(argv[1])) {
        if (argc > 2) {
            for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
                if (!strcmp(argv[2], commands[i].name)) {
                    char *hargv[] = {argv[2], "--help", NULL};
                    return commands[i].run(2, hargv);
                }
        }
        usage(stdout);
        return PM_EXIT_OK;
    }
    if (argc > 1 && (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V"))) {
        printf("profilemanager %s\n", PM_VERSION);
        return PM_EXIT_OK;
    }
    /* "/recycle" and other Outlook switches come from rewritten Outlook shortcuts: they are
     * update's, to hand on to RunAfter. */
    if (argc > 1 && argv[1][0] != '-' && argv[1][0] != '/') {
        for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
            if (!strcmp(argv[1], commands[i].name))
                return commands[i].run(argc - 1, argv + 1);
        const char *names[sizeof(commands) / sizeof(commands[0]) + 1];
        for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
            names[i] = commands[i].name;
        names[sizeof(commands) / sizeof(commands[0])] = NULL;
        const char *s = cli_suggest(argv[1], names);
        if (s)
            cli_error("unknown command '%s' (did you mean %s?)", argv[1], s);
        else
            cli_error("unknown command '%s'", argv[1]);
        usage(stderr);
        return PM_EXIT_USAGE;
    }
    /* No command: update, with all the arguments. */
    argv[0] = "update";
    return cmd_update(argc, argv);
}

#if !defined(_WIN32)
int main(int argc, char **argv)
{
    return pm_cli_main(argc, argv);
}
#endif
