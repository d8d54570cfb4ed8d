/* profilemanager shortcut apply | restore | list: points the user's Outlook shortcuts at
 * ProfileManager.exe (which then starts Outlook through RunAfter=), puts the originals back, or
 * shows where each stands. The logic is libpm's (pm/shortcut.h); this file parses arguments and
 * prints. */
#include "cli.h"
#include "pm/shortcut.h"

#include <stdio.h>
#include <string.h>

/* Offline (no shell) the tool's own path means nothing on the PCs the shortcuts belong to; this
 * is the file name apply/list recognise as "already pointing at the tool" there. */
#define SHORTCUT_TOOL_NAME "ProfileManager.exe"

static void shortcut_usage(FILE *out)
{
    fprintf(out,
            "usage: profilemanager shortcut apply | restore | list [--dir DIR]... "
            "[--target PATH]\n\n"
            "  apply    point every Outlook shortcut at PATH (default: this program), keeping\n"
            "           the original beside it as <name>.lnk" PM_SHORTCUT_BACKUP_SUFFIX "\n"
            "  restore  put the originals back, byte for byte\n"
            "  list     show each shortcut found and its state\n\n"
            "  --dir DIR      also search DIR (and its subfolders); may be repeated\n"
            "  --target PATH  the program the shortcuts should start\n\n"
            "On Windows the user's Desktop, Start Menu and taskbar/Start pins are searched;\n"
            "elsewhere only the --dir folders, and apply needs --target.\n");
}

static void shortcut_warn(void *ctx, const char *where, unsigned line, const char *msg)
{
    (void)ctx;
    (void)line;
    fprintf(stderr, "profilemanager: warning: %s%s%s\n", where ? where : "", where ? ": " : "",
            msg);
}

/* The action (apply, restore or list), --target and every --dir. 1 when --help was printed,
 * -1 (message printed) on a usage error, else 0. */
static int shortcut_parse_args(int argc, char **argv, const char **action, const char **target,
                               struct pm_strlist *dirs)
{
    static const char *const options[] = {"--dir", "--target", "--help", NULL};
    static const char *const actions[] = {"apply", "restore", "list", NULL};
    for (int i = 1; i < argc; i++) {
        const char *dir = NULL;
        int vr;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            shortcut_usage(stdout);
            return 1;
        } else if ((vr = cli_opt_value("shortcut", argc, argv, &i, "--dir", &dir)) != 0) {
            if (vr < 0)
                return -1;
            if (pm_strlist_add(dirs, dir) < 0) {
                cli_error("out of memory");
                return -1;
            }
        } else if ((vr = cli_opt_value("shortcut", argc, argv, &i, "--target", target)) != 0) {
            if (vr < 0)
                return -1;
        } else if (!*action && argv[i][0] != '-' &&
                   (!strcmp(argv[i], "apply") || !strcmp(argv[i], "restore") ||
                    !strcmp(argv[i], "list"))) {
            *action = argv[i];
        } else if (!*action && argv[i][0] != '-') {
            cli_unknown_subcommand("shortcut", argv[i], actions);
            shortcut_usage(stderr);
            return -1;
        } else {
            cli_unknown_arg("shortcut", argv[i], options);
            shortcut_usage(stderr);
            return -1;
        }
    }
    if (!*action) {
        cli_unknown_subcommand("shortcut", NULL, actions);
        shortcut_usage(stderr);
        return -1;
    }
    return 0;
}

/* The program the shortcuts should start: --target, else this program where the system can
 * say where it is. Elsewhere only list and restore can do without it, matching by name. */
static int shortcut_tool(const struct pm_shortcut_ops *ops, const char *action, const char *target,
                         struct pm_buf *exe, const char **tool)
{
    *tool = target;
    if (*tool)
        return PM_EXIT_OK;
    if (ops->default_dirs) {
        if (pm_os_exe_path(exe) < 0) {
            cli_error("cannot find this program's own path: give --target");
            return PM_EXIT_USAGE;
        }
        *tool = exe->data;
    } else if (!strcmp(action, "apply")) {
        cli_error("shortcut apply: give --target (the Windows path of %s) on this system",
                  SHORTCUT_TOOL_NAME);
        return PM_EXIT_USAGE;
    } else {
        *tool = SHORTCUT_TOOL_NAME;
    }
    return PM_EXIT_OK;
}

/* The folders to search: the system's own (Start menu, desktop, taskbar) where it has them,
 * then every --dir. */
static int shortcut_roots(const struct pm_shortcut_ops *ops, const struct pm_strlist *dirs,
                          struct pm_strlist *roots, struct pm_error *err)
{
    if (ops->default_dirs && ops->default_dirs(roots, err) < 0) {
        cli_print_error(err);
        return PM_EXIT_PROBLEMS;
    }
    for (size_t i = 0; i < dirs->n; i++) {
        /* A mistyped --dir must not read as "0 shortcuts". */
        struct pm_strlist probe = PM_STRLIST_INIT;
        int lrc = pm_os_list_dir(dirs->items[i], 1, &probe);
        pm_strlist_release(&probe);
        if (lrc == PM_ERR_IO) {
            cli_error("shortcut: %s: cannot list the folder (missing, not a folder, or not "
                      "readable)",
                      dirs->items[i]);
            return PM_EXIT_USAGE;
        }
        if (pm_strlist_add(roots, dirs->items[i]) < 0) {
            cli_error("out of memory");
            return PM_EXIT_USAGE;
        }
    }
    if (roots->n == 0) {
        cli_error("shortcut: no folder to search on this system: give --dir");
        return PM_EXIT_USAGE;
    }
    return PM_EXIT_OK;
}

/* apply or restore the shortcuts found, then print the ones changed and the counts. Any
 * shortcut that could not be changed makes the exit code PM_EXIT_PROBLEMS. */
static int shortcut_change(const struct pm_shortcut_ops *ops, const char *action, const char *tool,
                           struct pm_shortcut_list *found, struct pm_error *err)
{
    struct pm_shortcut_counts counts;
    int r = !strcmp(action, "apply")
                ? pm_shortcut_apply(ops, found, tool, &counts, shortcut_warn, NULL, err)
                : pm_shortcut_restore(ops, found, &counts, shortcut_warn, NULL, err);
    if (r < 0) {
        cli_print_error(err);
        return PM_EXIT_PROBLEMS;
    }
    for (size_t i = 0; i < found->n; i++)
        if (!strcmp(action, "apply") ? found->items[i].state == PM_SHORTCUT_APPLIED
                                     : found->items[i].state == PM_SHORTCUT_OUTLOOK)
            printf("%-9s %s\n", pm_shortcut_state_name(found->items[i].state),
                   found->items[i].path);
    printf("%s: %u changed, %u already done, %u failed\n", action, counts.changed, counts.unchanged,
           counts.failed);
    return counts.failed ? PM_EXIT_PROBLEMS : PM_EXIT_OK;
}

int cmd_shortcut(int argc, char **argv)
{
    const char *action = NULL, *target = NULL;
    struct pm_strlist dirs = PM_STRLIST_INIT;
    int prc = shortcut_parse_args(argc, argv, &action, &target, &dirs);
    if (prc != 0) {
        pm_strlist_release(&dirs);
        return prc > 0 ? PM_EXIT_OK : PM_EXIT_USAGE;
    }

    const struct pm_shortcut_ops *ops = pm_shortcut_ops_default();
    struct pm_error err;
    pm_error_clear(&err);
    struct pm_buf exe = PM_BUF_INIT;
    struct pm_strlist roots = PM_STRLIST_INIT;
    struct pm_shortcut_list found = PM_SHORTCUT_LIST_INIT;
    const char *tool;

    int rc = shortcut_tool(ops, action, target, &exe, &tool);
    if (rc == PM_EXIT_OK)
        rc = shortcut_roots(ops, &dirs, &roots, &err);
    if (rc == PM_EXIT_OK && pm_shortcut_scan(ops, (const char *const *)roots.items, roots.n, tool,
                                             &found, shortcut_warn, NULL, &err) < 0) {
        cli_print_error(&err);
        rc = PM_EXIT_PROBLEMS;
    }
    if (rc == PM_EXIT_OK && !strcmp(action, "list")) {
        for (size_t i = 0; i < found.n; i++)
            printf("%-9s %s%s%s\n", pm_shortcut_state_name(found.items[i].state),
                   found.items[i].path, found.items[i].target ? " -> " : "",
                   found.items[i].target ? found.items[i].target : "");
        printf("%zu shortcut%s\n", found.n, found.n == 1 ? "" : "s");
    } else if (rc == PM_EXIT_OK) {
        rc = shortcut_change(ops, action, tool, &found, &err);
    }
    pm_shortcut_list_release(&found);
    pm_strlist_release(&roots);
    pm_strlist_release(&dirs);
    pm_buf_release(&exe);
    return rc;
}
