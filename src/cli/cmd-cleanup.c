/* profilemanager cleanup [--older-than DAYS] [--dry-run] [--config FILE] [--store SPEC]: after
 * the migration, removes the user's old OST files (*.ost.pre-migration in the folders the
 * profiles keep OST files in) and the user's own backups beyond the newest BackupKeep, each
 * removal logged (docs/restore.md, Cleanup). Also cli_backup_dirs, which restore --latest shares.
 * Exit 0; 1 when a file could not be removed; 2 bad usage; 3 a --config that cannot be read; 8 a
 * store that cannot be read. */
#include "cli.h"

#include "pm/cleanup.h"
#include "pm/update.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
    fprintf(out, "usage: profilemanager cleanup [--older-than DAYS] [--dry-run] [--config FILE]\n"
                 "                              [--store SPEC]\n\n"
                 "Removes this user's old OST files (*.ost.pre-migration, beside the OST files of\n"
                 "the user's profiles and in the ForceOSTPath folder) and this user's backups\n"
                 "beyond the newest BackupKeep (prof.config, default 5) in the backup folders.\n"
                 "Every removal is logged.\n\n"
                 "  --older-than DAYS  only files last written at least DAYS days ago (default 0)\n"
                 "  --dry-run          list what would be removed; remove nothing\n"
                 "  --config FILE      prof.config for the log and backup folders and BackupKeep\n"
                 "                     (default: prof.config beside the executable, when present)\n"
                 "  --store SPEC       registry whose profiles name the OST folders: reg:FILE,\n"
                 "                     hive:FILE or live (the default on Windows)\n");
}

int cli_backup_dirs(const struct pm_config *cfg, struct pm_strlist *dirs)
{
    struct pm_buf exe_dir = PM_BUF_INIT, home = PM_BUF_INIT, logs = PM_BUF_INIT, b = PM_BUF_INIT;
    int rc = 0;
    pm_os_home_dir(&home);
    /* Where the log goes decides where the backup goes (pm_update_backup_dir), and a run that
     * could not use the first place used the user's own Profile.Logs. */
    if (cfg->log_folder)
        rc = pm_buf_puts(&logs, cfg->log_folder);
    else if (pm_os_exe_dir(&exe_dir) == 0 && exe_dir.len)
        rc = pm_path_join(&logs, exe_dir.data, "Logs");
    if (rc == 0 && (rc = pm_update_backup_dir(cfg, logs.data, home.data, &b)) == 0 && b.len)
        rc = pm_strlist_add(dirs, b.data);
    pm_buf_reset(&b);
    if (rc == 0 && home.len && (rc = pm_update_backup_dir(NULL, NULL, home.data, &b)) == 0 &&
        pm_strlist_find(dirs, b.data) < 0)
        rc = pm_strlist_add(dirs, b.data);
    pm_buf_release(&exe_dir);
    pm_buf_release(&home);
    pm_buf_release(&logs);
    pm_buf_release(&b);
    return rc;
}

static void print_file(void *ctx, const char *where, unsigned line, const char *msg)
{
    (void)ctx;
    (void)line;
    printf("%s: %s\n", msg, where);
}

static int parse_days(const char *v, unsigned *days)
{
    char *end;
    unsigned long n = strtoul(v, &end, 10);
    if (!*v || *end || v[0] == '-' || v[0] == '+' || n > 36500)
        return -1;
    *days = (unsigned)n;
    return 0;
}

/* The config is optional, as for restore: --config must load; else the one beside the program
 * when present; else the defaults. */
static int load_config(const char *path, struct pm_config *cfg)
{
    struct pm_buf p = PM_BUF_INIT, exe_dir = PM_BUF_INIT;
    struct pm_error err;
    pm_error_clear(&err);
    if (path)
        pm_buf_puts(&p, path);
    else if (pm_os_exe_dir(&exe_dir) == 0)
        pm_path_join(&p, exe_dir.data, "prof.config");
    pm_buf_release(&exe_dir);
    int rc = 0;
    if (path || (p.len && pm_os_file_exists(p.data))) {
        rc = pm_config_load(cfg, p.data, NULL, NULL, &err);
        if (rc < 0)
            cli_print_error(&err);
    } else {
        pm_config_defaults(cfg);
    }
    pm_buf_release(&p);
    return rc;
}

static int ost_dirs_of(const char *spec, struct pm_strlist *dirs)
{
    struct pm_store *st = NULL;
    struct pm_model m;
    memset(&m, 0, sizeof(m));
    struct pm_error err;
    pm_error_clear(&err);
    int rc = pm_store_open(&st, spec, PM_STORE_READONLY, &err);
    if (rc == 0)
        rc = pm_model_read(st, &m, NULL, NULL, &err);
    if (rc == 0)
        rc = pm_cleanup_ost_dirs(&m, dirs);
    if (rc < 0)
        cli_print_error(&err);
    pm_model_release(&m);
    pm_store_close(st);
    return rc;
}

int cmd_cleanup(int argc, char **argv)
{
    static const char *const options[] = {"--older-than", "--dry-run", "--config",
                                          "--store",      "--help",    NULL};
    const char *config = NULL, *store = NULL, *days_arg = NULL;
    int dry_run = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int vr;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return PM_EXIT_OK;
        }
        if ((vr = cli_store_option("cleanup", argc, argv, &i, &config, &store, &dry_run)) == 0)
            vr = cli_opt_value("cleanup", argc, argv, &i, "--older-than", &days_arg);
        if (vr < 0)
            return PM_EXIT_USAGE;
        if (vr == 0) {
            cli_unknown_arg("cleanup", a, options);
            usage(stderr);
            return PM_EXIT_USAGE;
        }
    }
    if (cli_check_store("cleanup", store) < 0)
        return PM_EXIT_USAGE;
    struct pm_cleanup_opts o;
    memset(&o, 0, sizeof(o));
    if (days_arg && parse_days(days_arg, &o.older_than_days) < 0) {
        cli_error("cleanup: --older-than '%s' is not a number of days from 0 to 36500", days_arg);
        return PM_EXIT_USAGE;
    }
    if (!store && !pm_store_backend_available("live")) {
        cli_error("cleanup: no --store given, and the live registry exists only on Windows; use "
                  "--store reg:FILE or --store hive:FILE");
        return PM_EXIT_USAGE;
    }
    struct pm_config cfg;
    if (load_config(config, &cfg) < 0)
        return PM_EXIT_CONFIG;

    struct pm_buf user = PM_BUF_INIT, computer = PM_BUF_INIT;
    struct pm_strlist ost_dirs = PM_STRLIST_INIT, backup_dirs = PM_STRLIST_INIT;
    pm_os_user_name(&user);
    pm_os_computer_name(&computer);
    char run_id[64];
    cli_run_id(run_id);
    int code = PM_EXIT_OK;
    if (ost_dirs_of(store ? store : "live", &ost_dirs) < 0)
        code = PM_EXIT_STORE;
    else if (cli_backup_dirs(&cfg, &backup_dirs) < 0)
        code = PM_EXIT_PROBLEMS;
    if (code == PM_EXIT_OK) {
        o.computer = computer.data ? computer.data : "";
        o.user = user.data ? user.data : "";
        o.now = pm_os_time_now();
        o.backup_keep = (unsigned)cfg.backup_keep;
        o.dry_run = dry_run;
        o.log = cli_open_log(cfg.log_folder, o.computer, o.user, run_id);
        struct pm_cleanup_stats st;
        if (pm_cleanup_run(&o, &ost_dirs, &backup_dirs, &st, print_file, NULL) < 0) {
            cli_error("out of memory");
            code = PM_EXIT_PROBLEMS;
        } else {
            printf("%s %u old OST file(s) and %u backup(s), %llu bytes; %u backup(s) kept\n",
                   dry_run ? "would remove" : "removed", st.osts, st.backups, st.bytes, st.kept);
            if (st.failed) {
                cli_error("%u file(s) could not be removed", st.failed);
                code = PM_EXIT_PROBLEMS;
            }
        }
        if (o.log && pm_log_path(o.log) && !dry_run)
            fprintf(stderr, "log: %s\n", pm_log_path(o.log));
        pm_log_close(o.log);
    }
    pm_strlist_release(&ost_dirs);
    pm_strlist_release(&backup_dirs);
    pm_buf_release(&user);
    pm_buf_release(&computer);
    pm_config_release(&cfg);
    return code;
}
