/* profilemanager report LOGDIR [--csv FILE] [--html FILE] [--roster FILE]: reads every run log
 * in the folder (the Logs share) and prints where the migration stands; --csv writes one row per
 * mailbox (and per user who never ran), --html one self-contained page with charts for the
 * helpdesk. Corrupt logs are listed, not fatal. Exit 0; 2 for bad usage or a folder or roster
 * that cannot be read, or a folder with no run log in it (a wrong path must not read as "0
 * users"); 1 when an output cannot be written whole. */
#include "cli.h"

#include "pm/report.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *out)
{
    fprintf(out, "usage: profilemanager report LOGDIR [--csv FILE] [--html FILE] [--roster FILE]\n"
                 "                             [--progress | --no-progress]\n"
                 "\n"
                 "  LOGDIR         folder of run logs (<COMPUTER>_<user>.log)\n"
                 "  --csv FILE     one row per mailbox of each user's latest run\n"
                 "  --html FILE    one self-contained page with charts\n"
                 "  --roster FILE  CSV of expected users and computers (columns user, computer):\n"
                 "                 lists who has never run\n"
                 "  --progress     show progress on stderr (files read, rate, time left); the\n"
                 "                 default when stderr is a terminal. --no-progress: never\n");
}

static int file_write(void *ctx, const void *data, size_t len)
{
    return fwrite(data, 1, len, ctx) == len ? 0 : PM_ERR_IO;
}

/* Streams one output into 'path' (stdout when NULL) as it is built: no size limit, and any
 * failure is an error and exit 1, never a shorter file. */
static int write_out(const char *path, const struct pm_report *r, int kind)
{
    FILE *f = path ? pm_os_fopen_write(path, "wb") : stdout;
    if (!f) {
        cli_error("cannot write '%s': %s", path, strerror(errno));
        return -1;
    }
    struct pm_report_sink sink = {file_write, f};
    int rc = kind == 0   ? pm_report_text_to(r, &sink)
             : kind == 1 ? pm_report_csv_to(r, &sink)
                         : pm_report_html_to(r, pm_os_time_now(), &sink);
    if (path ? fclose(f) != 0 : fflush(f) != 0)
        rc = rc < 0 ? rc : PM_ERR_IO;
    if (rc < 0)
        cli_error("cannot write '%s': %s", path ? path : "standard output",
                  rc == PM_ERR_IO ? "write failed" : pm_err_name(rc));
    return rc < 0 ? -1 : 0;
}

int cmd_report(int argc, char **argv)
{
    const char *dir = NULL, *csv = NULL, *html = NULL, *roster = NULL;
    int progress = -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return PM_EXIT_OK;
        }
        if (cli_progress_option(a, &progress))
            continue;
        static const char *const options[] = {"--csv",         "--html", "--roster", "--progress",
                                              "--no-progress", "--help", NULL};
        int vr = 0;
        for (int k = 0; k < 3 && vr == 0; k++)
            vr = cli_opt_value("report", argc, argv, &i, options[k],
                               k == 0   ? &csv
                               : k == 1 ? &html
                                        : &roster);
        if (vr < 0)
            return PM_EXIT_USAGE;
        if (vr > 0)
            continue;
        if (a[0] == '-' || dir) {
            cli_unknown_arg("report", a, options);
            usage(stderr);
            return PM_EXIT_USAGE;
        } else {
            dir = a;
        }
    }
    if (!dir) {
        usage(stderr);
        return PM_EXIT_USAGE;
    }
    struct pm_report *r;
    struct pm_error err;
    pm_error_clear(&err);
    if (pm_report_new(&r) < 0) {
        cli_error("out of memory");
        return PM_EXIT_PROBLEMS;
    }
    struct cli_progress cp;
    pm_report_set_progress(r, cli_progress_start(&cp, "report", "files", progress));
    int rc = pm_report_scan_dir(r, dir, &err);
    cli_progress_end(&cp);
    if (rc == 0 && roster)
        rc = pm_report_roster(r, roster, &err);
    if (rc < 0) {
        cli_print_error(&err);
        pm_report_free(r);
        return PM_EXIT_USAGE;
    }
    struct pm_report_totals t;
    pm_report_get_totals(r, &t);
    if (t.files == 0) {
        cli_error("%s: no run logs (*.log) in the folder", dir);
        pm_report_free(r);
        return PM_EXIT_USAGE;
    }
    int exit_code = PM_EXIT_OK;
    if (write_out(NULL, r, 0) < 0)
        exit_code = PM_EXIT_PROBLEMS;
    if (csv && write_out(csv, r, 1) < 0)
        exit_code = PM_EXIT_PROBLEMS;
    if (html && write_out(html, r, 2) < 0)
        exit_code = PM_EXIT_PROBLEMS;
    pm_report_free(r);
    return exit_code;
}
