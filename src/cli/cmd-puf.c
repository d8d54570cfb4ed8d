/* profilemanager puf: build mbm.puf from Exchange exports, check one, and write its sidecar index.
 *   puf build --source SRC.csv --target TGT.csv [--join smtp|alias|upn|map:FILE] --out mbm.puf
 *             [--append] [--x500-script FILE] [--allow-empty] [--left-out FILE]
 *   puf check FILE [--progress|--no-progress]
 *   puf index FILE [--progress|--no-progress]
 * Problems are printed "FILE:LINE: message" on stderr, the summary on stdout; progress (when
 * stderr is a terminal, or asked for) on stderr too. */
#include "cli.h"

#include "pm/puf.h"
#include "pm/pufbuild.h"
#include "pm/pufcheck.h"

#include <stdio.h>
#include <string.h>

static void usage(FILE *out)
{
    fprintf(out,
            "usage: profilemanager puf build --source SRC.csv --target TGT.csv --out mbm.puf\n"
            "                                [--join smtp|alias|upn|map:FILE] [--append]\n"
            "                                [--x500-script FILE] [--allow-empty]\n"
            "                                [--left-out FILE] [--progress | --no-progress]\n"
            "       profilemanager puf check FILE [--progress | --no-progress]\n"
            "       profilemanager puf index FILE [--progress | --no-progress]\n\n"
            "build   join Get-Mailbox/Get-Recipient exports (Export-Csv) of the source and the\n"
            "        target organisation into mbm.puf; rows that join to no target or to several\n"
            "        are listed, not guessed. --append adds only mailboxes not in the PUF yet.\n"
            "        --x500-script writes a PowerShell script adding each source DN as an X500\n"
            "        proxy address of its target mailbox, for review. A build that joins\n"
            "        nothing, or where every mailbox maps to itself, writes nothing and exits 1\n"
            "        unless --allow-empty is given. An overwritten PUF is kept as FILE.bak.\n"
            "        --left-out writes the rows left out to FILE (one a line, with why)\n"
            "        instead of standard error.\n"
            "check   validate a PUF; exit 0 only when it is clean (1 = problems found)\n"
            "index   write the sidecar index FILE.idx that speeds up lookups at logon\n\n"
            "--progress     show progress on stderr (percent of bytes read, rate, time left);\n"
            "               the default when stderr is a terminal. --no-progress: never\n");
}

/* Where problems go: standard error, or for puf build --left-out a file of its own. */
struct diag_out {
    unsigned count;
    FILE *f; /* NULL: stderr */
    int failed;
};

static void print_diag(void *ctx, const char *where, unsigned line, const char *msg)
{
    struct diag_out *d = ctx;
    FILE *f = d->f ? d->f : stderr;
    d->count++;
    if (!d->f)
        cli_progress_interrupt();
    int n;
    if (where && line)
        n = fprintf(f, "%s:%u: %s\n", where, line, msg);
    else if (where)
        n = fprintf(f, "%s: %s\n", where, msg);
    else
        n = fprintf(f, "%s\n", msg);
    if (n < 0)
        d->failed = 1;
}

/* 'progress' as cli_progress_start takes it: the bytes of the PUF scanned, 100% once the index
 * is in place. */
static int write_index(const char *puf, int progress)
{
    struct pm_buf idx = PM_BUF_INIT;
    struct pm_error err;
    pm_error_clear(&err);
    if (pm_puf_index_path(puf, &idx) < 0) {
        cli_error("out of memory");
        return PM_EXIT_PUF;
    }
    struct cli_progress cp;
    const struct pm_progress *p = cli_progress_start(&cp, "puf index", "bytes", progress);
    int rc = pm_puf_index_build_progress(puf, idx.data, p, &err);
    cli_progress_end(&cp);
    if (rc < 0)
        cli_print_error(&err);
    else
        printf("index: %s\n", idx.data);
    pm_buf_release(&idx);
    return rc < 0 ? PM_EXIT_PUF : PM_EXIT_OK;
}

/* The ones with a value first, in the order puf_build's slots list them. */
static const char *const build_options[] = {
    "--source", "--target",      "--out",      "--x500-script", "--left-out", "--join",
    "--append", "--allow-empty", "--progress", "--no-progress", "--help",     NULL};

static int puf_build(int argc, char **argv)
{
    struct pm_pufbuild_opts o;
    const char *left_out = NULL, *join = NULL;
    int progress = -1;
    memset(&o, 0, sizeof(o));
    o.join = PM_PUF_JOIN_SMTP;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return PM_EXIT_OK;
        } else if (!strcmp(a, "--append")) {
            o.append = 1;
        } else if (!strcmp(a, "--allow-empty")) {
            o.allow_empty = 1;
        } else if (cli_progress_option(a, &progress)) {
            continue;
        } else {
            const char **slots[] = {&o.source_path,      &o.target_path, &o.out_path,
                                    &o.x500_script_path, &left_out,      &join};
            int vr = 0;
            for (int k = 0; k < 6 && vr == 0; k++)
                vr = cli_opt_value("puf build", argc, argv, &i, build_options[k], slots[k]);
            if (vr < 0)
                return PM_EXIT_USAGE;
            if (vr == 0) {
                cli_unknown_arg("puf build", a, build_options);
                usage(stderr);
                return PM_EXIT_USAGE;
            }
            if (join && pm_puf_join_parse(join, &o.join, &o.map_path) < 0) {
                cli_error("puf build: unknown join '%s' (smtp, alias, upn or map:FILE)", join);
                return PM_EXIT_USAGE;
            }
            join = NULL;
        }
    }
    if (!o.source_path || !o.target_path || !o.out_path) {
        cli_error("puf build needs --source, --target and --out");
        usage(stderr);
        return PM_EXIT_USAGE;
    }
    struct pm_buf idx = PM_BUF_INIT;
    if (pm_puf_index_path(o.out_path, &idx) < 0)
        return PM_EXIT_PUF;
    int had_index = pm_os_file_exists(idx.data);
    pm_buf_release(&idx);
    o.now = pm_os_time_now();
    struct pm_pufbuild_stats st;
    struct pm_error err;
    pm_error_clear(&err);
    struct diag_out d = {0, NULL, 0};
    if (left_out && !(d.f = pm_os_fopen_write(left_out, "wb"))) {
        cli_error("cannot write '%s'", left_out);
        return PM_EXIT_PROBLEMS;
    }
    struct cli_progress cp;
    const struct pm_progress *p = cli_progress_start(&cp, "puf build", "bytes", progress);
    int rc = pm_puf_build_progress(&o, &st, print_diag, &d, p, &err);
    cli_progress_end(&cp);
    if (d.f && fclose(d.f) != 0)
        d.failed = 1;
    if (d.failed) {
        cli_error("cannot write '%s'", left_out);
        rc = rc < 0 ? rc : PM_ERR_IO;
    }
    if (left_out && d.count)
        fprintf(stderr, "%u rows left out: listed in %s\n", d.count, left_out);
    if (rc == PM_ERR_INVALID) {
        /* Refused (nothing joined, or only self-mappings): say why, change nothing. */
        cli_print_error(&err);
        printf("%s: not written (source rows %u, target rows %u; %u without a target, %u "
               "ambiguous, %u invalid, %u mapped to themselves)\n",
               o.out_path, st.source_rows, st.target_rows, st.unjoined, st.ambiguous, st.invalid,
               st.self_mapped);
        return PM_EXIT_PROBLEMS;
    }
    if (rc < 0) {
        if (!d.failed)
            cli_print_error(&err);
        return d.failed ? PM_EXIT_PROBLEMS : PM_EXIT_PUF;
    }
    printf("%s: %u mailboxes, %u lines %s (source rows %u, target rows %u)\n", o.out_path,
           st.mailboxes, st.lines, o.append ? "appended" : "written", st.source_rows,
           st.target_rows);
    if (o.append)
        printf("already in the PUF: %u\n", st.already_present);
    if (st.unjoined || st.ambiguous || st.invalid)
        printf("left out: %u without a target, %u ambiguous, %u invalid (listed %s)\n", st.unjoined,
               st.ambiguous, st.invalid, left_out ? left_out : "above");
    if (o.x500_script_path)
        printf("%s: %u Set-Mailbox commands\n", o.x500_script_path, st.script_lines);
    /* A stale index is never used (runs fall back to scanning), but keep it useful. */
    if (had_index)
        return write_index(o.out_path, 0);
    return PM_EXIT_OK;
}

/* puf check|index FILE [--progress|--no-progress]: one file and nothing else. 1 when that is
 * what was given (*file and *progress set). */
static int one_file(const char *cmd, int argc, char **argv, const char **file, int *progress)
{
    static const char *const options[] = {"--progress", "--no-progress", "--help", NULL};
    *file = NULL;
    *progress = -1;
    for (int i = 1; i < argc; i++) {
        if (cli_progress_option(argv[i], progress))
            continue;
        if (argv[i][0] == '-' || *file) {
            cli_unknown_arg(cmd, argv[i], options);
            usage(stderr);
            return 0;
        }
        *file = argv[i];
    }
    if (*file)
        return 1;
    cli_error("%s: no file given", cmd);
    usage(stderr);
    return 0;
}

static int puf_check(int argc, char **argv)
{
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        usage(stdout);
        return PM_EXIT_OK;
    }
    const char *file;
    int progress;
    if (!one_file("puf check", argc, argv, &file, &progress))
        return PM_EXIT_USAGE;
    struct pm_pufcheck_stats st;
    struct pm_error err;
    pm_error_clear(&err);
    struct diag_out d = {0, NULL, 0};
    struct cli_progress cp;
    const struct pm_progress *p = cli_progress_start(&cp, "puf check", "bytes", progress);
    int rc = pm_puf_check_progress(file, &st, print_diag, &d, p, &err);
    cli_progress_end(&cp);
    if (rc < 0) {
        cli_print_error(&err);
        return PM_EXIT_PUF;
    }
    printf("%s: %u lines, %u mailbox entries, %u problems", file, st.lines, st.entries,
           st.problems);
    if (st.problems)
        printf(" (%u malformed, %u duplicates, %u conflicts, %u loops)", st.malformed,
               st.duplicates, st.conflicts, st.loops);
    printf("\n");
    /* The index is not the PUF's problem (it is built after the check), but a missing or stale
     * one makes every logon read the whole file: say so. */
    if (st.index_state == PM_PUF_INDEX_USED)
        printf("index: current\n");
    else
        printf("index: %s (%s): runs read the whole PUF until `profilemanager puf index %s` is "
               "run\n",
               pm_puf_index_state_name(st.index_state), st.index_note, argv[1]);
    return st.problems ? PM_EXIT_PROBLEMS : PM_EXIT_OK;
}

int cmd_puf(int argc, char **argv)
{
    if (argc < 2) {
        static const char *const subcommands[] = {"build", "check", "index", NULL};
        cli_unknown_subcommand("puf", NULL, subcommands);
        usage(stderr);
        return PM_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(stdout);
        return PM_EXIT_OK;
    }
    if (!strcmp(argv[1], "build"))
        return puf_build(argc - 1, argv + 1);
    if (!strcmp(argv[1], "check"))
        return puf_check(argc - 1, argv + 1);
    if (!strcmp(argv[1], "index")) {
        if (argc == 3 && (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h"))) {
            usage(stdout);
            return PM_EXIT_OK;
        }
        const char *file;
        int progress;
        if (!one_file("puf index", argc - 1, argv + 1, &file, &progress))
            return PM_EXIT_USAGE;
        return write_index(file, progress);
    }
    static const char *const subcommands[] = {"build", "check", "index", NULL};
    cli_unknown_subcommand("puf", argv[1], subcommands);
    usage(stderr);
    return PM_EXIT_USAGE;
}
