/* profilemanager restore: puts profiles back from a backup .reg an update wrote (in
 * <log folder>/Backups). Checks the file is a profile backup, takes the same per-user lock as
 * update, refuses while a MAPI client holds the live profile, and replaces each backed-up profile
 * with the backup's content in one transaction. With a config (--config, or prof.config beside
 * the executable when there is one) the run is logged beside update's runs. Like update, it
 * leaves its result in the status key (live registry, Action=restore). Exit codes:
 * include/pm/log.h; docs/restore.md. */
#include "cli.h"

#include "pm/logschema.h"

#include "pm/cleanup.h"
#include "pm/restore.h"
#include "pm/status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rs_opts {
    const char *backup;
    const char *config;
    const char *store;
    int dry_run;
    int force; /* --force: overwrite settings set again since an .outside.reg backup */
    int latest; /* --latest: this user's newest backup in the backup folders */
};

static void rs_usage(FILE *out)
{
    fprintf(out,
            "usage: profilemanager restore BACKUP.reg | --latest\n"
            "                      [--store reg:FILE | hive:FILE | live]\n"
            "                      [--dry-run] [--config FILE] [--force]\n\n"
            "  BACKUP.reg      a backup an update wrote (<log folder>\\Backups\\*.reg)\n"
            "  --latest        this user's newest backup in the backup folders\n"
            "  --store SPEC    registry to restore into (the default on Windows: live)\n"
            "  --dry-run       list the profiles that would change and write nothing\n"
            "  --config FILE   prof.config for the log folder and MapiClients (default:\n"
            "                  prof.config beside the executable, when present)\n"
            "  --force         overwrite settings set again since an X.outside.reg backup, and\n"
            "                  cached Autodiscover files written since an X.reg backup\n");
}

static const char *const restore_options[] = {"--store",  "--dry-run", "--config",
                                              "--latest", "--force",   "--help", NULL};

static int rs_parse_args(int argc, char **argv, struct rs_opts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int so;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            rs_usage(stdout);
            return 1;
        } else if ((so = cli_store_option("restore", argc, argv, &i, &o->config, &o->store,
                                          &o->dry_run)) != 0) {
            if (so < 0)
                return -1;
            continue;
        } else if (!strcmp(a, "--force")) {
            o->force = 1;
        } else if (!strcmp(a, "--latest")) {
            o->latest = 1;
        } else if (a[0] != '-' && !o->backup) {
            o->backup = a;
        } else {
            cli_unknown_arg("restore", a, restore_options);
            rs_usage(stderr);
            return -1;
        }
    }
    if (cli_check_store("restore", o->store) < 0)
        return -1;
    if (o->latest && o->backup) {
        cli_error("restore: give a backup file or --latest, not both");
        rs_usage(stderr);
        return -1;
    }
    if (!o->backup && !o->latest) {
        cli_error("restore: no backup file given (or --latest)");
        rs_usage(stderr);
        return -1;
    }
    return 0;
}

struct rs_run {
    struct rs_opts o;
    struct pm_config cfg;
    int have_cfg;
    struct pm_log *log;
    uint64_t t0;
    unsigned long restored, unchanged;
};

static void rs_open_log(struct rs_run *r, const char *computer, const char *user)
{
    char run_id[64];
    cli_run_id(run_id);
    r->log = cli_open_log(r->cfg.log_folder, computer, user, run_id);
}

static void rs_error(struct rs_run *r, const struct pm_error *err)
{
    char buf[2048];
    pm_error_format(err, buf, sizeof(buf));
    pm_log_event(r->log, PM_EV_ERROR, PM_F_MSG, buf, NULL);
    cli_error("%s", buf);
}

static void rs_config_warning(void *ctx, const char *where, unsigned line, const char *msg)
{
    (void)ctx;
    fprintf(stderr, "profilemanager: warning: %s:%u: %s\n", where ? where : "", line, msg);
}

/* A MAPI client of this user (MapiClients) is still running after WaitForOutlook: 1, else 0. */
static int rs_in_use(struct rs_run *r)
{
    struct pm_strlist found = PM_STRLIST_INIT;
    int n = cli_mapi_clients(r->cfg.mapi_clients, r->cfg.wait_for_outlook, r->log, &found);
    struct pm_buf list = PM_BUF_INIT;
    cli_join_names(&list, &found);
    if (n > 0) {
        pm_log_event(r->log, PM_EV_IN_USE, PM_F_PROCESSES, list.data, NULL);
        cli_error("the profile is in use (%s); nothing restored, run again after closing Outlook",
                  list.data ? list.data : "");
    }
    pm_buf_release(&list);
    pm_strlist_release(&found);
    return n > 0;
}

static int rs_finish(struct rs_run *r, int code, const char *why)
{
    char dur[24], ex[8], restored[24], unchanged[24];
    snprintf(dur, sizeof(dur), "%" PM_PRIu64, PM_U64(pm_os_monotonic_ms() - r->t0));
    snprintf(ex, sizeof(ex), "%d", code);
    snprintf(restored, sizeof(restored), "%lu", r->restored);
    snprintf(unchanged, sizeof(unchanged), "%lu", r->unchanged);
    pm_log_event(r->log, PM_EV_RUN_END, PM_F_RESULT, pm_exit_name(code), PM_F_EXIT, ex,
                 PM_F_RESTORED, restored, PM_F_UNCHANGED, unchanged, PM_F_REASON, why,
                 PM_F_DURATION_MS, dur, NULL);
    return code;
}

/* The config is optional: it says where the log goes and which programs hold a profile. Given
 * with --config it must load; else prof.config next to the program is used when it exists, and
 * the defaults when not. Negative (message printed) when a config cannot be loaded. */
static int rs_load_config(struct rs_run *r, struct pm_error *err)
{
    struct pm_buf cfgpath = PM_BUF_INIT, exe_dir = PM_BUF_INIT;
    if (r->o.config)
        pm_buf_puts(&cfgpath, r->o.config);
    else if (pm_os_exe_dir(&exe_dir) == 0)
        pm_path_join(&cfgpath, exe_dir.data, "prof.config");
    pm_buf_release(&exe_dir);
    if (r->o.config || (cfgpath.len && pm_os_file_exists(cfgpath.data))) {
        if (pm_config_load(&r->cfg, cfgpath.data, rs_config_warning, NULL, err) < 0) {
            pm_buf_release(&cfgpath);
            char buf[2048];
            cli_error("%s", pm_error_format(err, buf, sizeof(buf)));
            return -1;
        }
        r->have_cfg = 1;
    } else {
        pm_config_defaults(&r->cfg);
    }
    pm_buf_release(&cfgpath);
    return 0;
}

/* Opens the log when a config says where it goes, and records who restores what from which
 * backup, so a restore is as traceable as the update it undoes. */
static void rs_log_start(struct rs_run *r, const char *store_spec)
{
    struct pm_buf user = PM_BUF_INIT, computer = PM_BUF_INIT;
    pm_os_user_name(&user);
    pm_os_computer_name(&computer);
    if (r->have_cfg)
        rs_open_log(r, computer.data, user.data);
    pm_log_event(r->log, PM_EV_RUN_START, PM_F_VERSION, PM_VERSION, PM_F_USER, user.data,
                 PM_F_COMPUTER, computer.data, PM_F_CONFIG, r->have_cfg ? r->cfg.path : NULL,
                 PM_F_STORE, store_spec, PM_F_MODE,
                 r->o.dry_run ? PM_MODE_RESTORE_DRY_RUN : PM_MODE_RESTORE, PM_F_BACKUP, r->o.backup,
                 NULL);
    pm_log_flush(r->log); /* the run is on record before it changes anything */
    pm_buf_release(&user);
    pm_buf_release(&computer);
}

/* One line per profile that differs from the backup (every profile in a dry run), before
 * anything is written. Returns how many differ. */
static size_t rs_show(const struct rs_run *r, const struct pm_restore *rest)
{
    size_t ndiff = 0;
    for (size_t i = 0; i < rest->nprofiles; i++) {
        const struct pm_restore_profile *p = &rest->profiles[i];
        int differs = pm_restore_profile_differs(p);
        ndiff += differs != 0;
        if (r->o.dry_run || differs)
            printf("%-12s %s  (%s%zu value(s) to put back, %zu to remove, %zu key(s) to put "
                   "back, %zu to remove)\n",
                   differs ? (r->o.dry_run ? "would-restore" : "restore") : "unchanged", p->path,
                   p->present ? "" : "missing now; ", p->values_changed, p->values_extra,
                   p->keys_missing, p->keys_extra);
    }
    return ndiff;
}

/* The outcome of each profile in the log, with the counts restored, for the report. */
static void rs_log_restored(struct rs_run *r, const struct pm_restore *rest)
{
    for (size_t i = 0; i < rest->nprofiles; i++) {
        const struct pm_restore_profile *p = &rest->profiles[i];
        char k[24], v[24];
        snprintf(k, sizeof(k), "%zu", p->keys);
        snprintf(v, sizeof(v), "%zu", p->values);
        pm_log_event(r->log, PM_EV_RESTORE, PM_F_PROFILE, p->path, PM_F_STATE,
                     pm_restore_profile_differs(p) ? "restored" : "unchanged", PM_F_KEYS, k,
                     PM_F_VALUES, v, NULL);
    }
}

/* Everything before deciding: the backup read and parsed, the run lock taken, the store opened
 * (read-only for a dry run) and compared with the backup. PM_EXIT_OK when ready, else the exit
 * code with *why set for the log; what was opened is the caller's to release. */
static int rs_open(struct rs_run *r, const char *store_spec, struct pm_buf *text,
                   struct pm_restore *rest, void **lock, struct pm_store **st, struct pm_error *err,
                   const char **why)
{
    if (pm_file_read(r->o.backup, 0, text, err) < 0 ||
        pm_restore_load(rest, text->data, text->len, r->o.backup, err) < 0) {
        rs_error(r, err);
        *why = "bad backup";
        return PM_EXIT_USAGE;
    }
    int lrc = pm_os_lock_acquire("update", r->cfg.lock_wait, lock);
    if (lrc <= 0) {
        *lock = NULL;
        cli_lock_refused(r->log, lrc, "restored");
        *why = "locked";
        return PM_EXIT_LOCKED;
    }
    if (pm_store_open(st, store_spec, r->o.dry_run ? PM_STORE_READONLY : 0, err) < 0) {
        rs_error(r, err);
        *why = "store";
        return err->code == PM_ERR_INVALID ? PM_EXIT_USAGE : PM_EXIT_STORE;
    }
#ifdef PM_TEST_HOOKS
    /* Test builds only: fail the Nth store mutation, to prove all-or-nothing from outside. */
    if (getenv("PM_FAULT_AT"))
        pm_store_fault_at(*st, strtoul(getenv("PM_FAULT_AT"), NULL, 10));
#endif
    if (pm_restore_compare(rest, *st, err) < 0) {
        rs_error(r, err);
        *why = "store";
        return PM_EXIT_STORE;
    }
    return PM_EXIT_OK;
}

/* Shows what differs, then puts it back, unless this is a dry run, nothing differs or a program
 * holds the live profile. Returns the exit code, with *why set for the log. */
static int rs_restore(struct rs_run *r, struct pm_restore *rest, struct pm_store *st,
                      struct pm_error *err, const char **why)
{
    size_t ndiff = rs_show(r, rest);
    r->unchanged = (unsigned long)(rest->nprofiles - ndiff);
    if (r->o.dry_run) {
        for (size_t i = 0; i < rest->nprofiles; i++)
            pm_log_event(r->log, PM_EV_RESTORE, PM_F_PROFILE, rest->profiles[i].path, PM_F_STATE,
                         pm_restore_profile_differs(&rest->profiles[i]) ? "would_restore"
                                                                        : "unchanged",
                         NULL);
        printf("dry run: %zu of %zu profile(s) would be restored; nothing written\n", ndiff,
               rest->nprofiles);
        *why = "dry_run";
        return PM_EXIT_OK;
    }
    if (ndiff == 0) {
        printf("nothing to do: every profile in the backup matches the store\n");
        *why = "nothing_to_do";
        return PM_EXIT_OK;
    }
    if (!strcmp(pm_store_backend(st), "live") && rs_in_use(r)) {
        *why = "in_use";
        return PM_EXIT_IN_USE;
    }
    int rollback_failed = 0;
    if (pm_restore_apply(rest, st, &rollback_failed, err) < 0) {
        rs_error(r, err);
        *why = rollback_failed ? "rollback failed" : "rolled back";
        return rollback_failed ? PM_EXIT_DAMAGED : PM_EXIT_ROLLED_BACK;
    }
    rs_log_restored(r, rest);
    r->restored = (unsigned long)ndiff;
    printf("restored %zu profile(s) from '%s'; %lu already matched\n", ndiff, r->o.backup,
           r->unchanged);
    *why = "restored";
    return PM_EXIT_OK;
}

/* The status key after a restore that read its backup (a dry run writes nothing), in the
 * registry restored into: Action=restore, and as Pending the profiles that now hold the backup's
 * content, so a detection rule ("ResultCode=0 and Pending=0") does not count a user whose
 * profiles point at the source again as done. Written only to the live registry, except in test
 * builds asked to (PM_TEST_STATUS_ANY_STORE). */
static void rs_status(struct rs_run *r, struct pm_store *st, const char *store_spec, int code,
                      size_t nprofiles)
{
    int any = 0;
#ifdef PM_TEST_HOOKS
    any = getenv("PM_TEST_STATUS_ANY_STORE") != NULL;
#endif
    int live = !strncmp(store_spec, "live", 4) && (store_spec[4] == '\0' || store_spec[4] == ':');
    if (r->o.dry_run || !(live || any))
        return;
    struct pm_error se;
    pm_error_clear(&se);
    struct pm_store *sst = st;
    if (!sst && pm_store_open(&sst, store_spec, 0, &se) < 0)
        sst = NULL;
    struct pm_status s = {.time = pm_os_time_now(),
                          .exit_code = code,
                          .pending = code == PM_EXIT_OK ? nprofiles : 0,
                          .version = PM_VERSION,
                          .log_path = r->log ? pm_log_path(r->log) : NULL,
                          .action = "restore"};
    if (!sst || pm_status_write(sst, &s, &se) < 0)
        pm_log_event(r->log, PM_EV_WARNING, PM_F_MSG, "cannot write the status key", NULL);
    if (sst != st)
        pm_store_close(sst);
}

int cmd_restore(int argc, char **argv)
{
    struct rs_run r;
    memset(&r, 0, sizeof(r));
    int prc = rs_parse_args(argc, argv, &r.o);
    if (prc != 0)
        return prc > 0 ? PM_EXIT_OK : PM_EXIT_USAGE;
    if (!r.o.store && !pm_store_backend_available("live")) {
        cli_error("restore: no --store given, and the live registry exists only on Windows; use "
                  "--store reg:FILE or --store hive:FILE");
        return PM_EXIT_USAGE;
    }
    const char *store_spec = r.o.store ? r.o.store : "live";
    /* --latest picks a profile backup below; a named .outside.reg goes its own way. */
    if (r.o.backup && cli_is_outside_backup(r.o.backup))
        return cmd_restore_outside(r.o.backup, store_spec, r.o.dry_run, r.o.force);
    r.t0 = pm_os_monotonic_ms();

    struct pm_error err;
    pm_error_clear(&err);
    if (rs_load_config(&r, &err) < 0)
        return PM_EXIT_CONFIG;
    struct pm_strlist latest = PM_STRLIST_INIT;
    if (r.o.latest) {
        struct pm_strlist dirs = PM_STRLIST_INIT;
        struct pm_buf user = PM_BUF_INIT, computer = PM_BUF_INIT;
        pm_os_user_name(&user);
        pm_os_computer_name(&computer);
        int lrc = cli_backup_dirs(&r.cfg, &dirs);
        if (lrc == 0)
            lrc = pm_cleanup_list_backups(&dirs, computer.data ? computer.data : "",
                                          user.data ? user.data : "", &latest);
        if (lrc == 0 && latest.n == 0) {
            cli_error("restore: no backup of %s on %s in %s%s%s", user.data ? user.data : "",
                      computer.data ? computer.data : "", dirs.n ? dirs.items[0] : "",
                      dirs.n > 1 ? " or " : "", dirs.n > 1 ? dirs.items[1] : "");
            lrc = -1;
        }
        pm_strlist_release(&dirs);
        pm_buf_release(&user);
        pm_buf_release(&computer);
        if (lrc < 0) {
            /* As for a backup file that cannot be opened. */
            pm_config_release(&r.cfg);
            return PM_EXIT_USAGE;
        }
        r.o.backup = latest.items[0];
        printf("latest backup: %s\n", r.o.backup);
    }

    rs_log_start(&r, store_spec);

    const char *why = NULL;
    void *lock = NULL;
    struct pm_store *st = NULL;
    struct pm_restore rest;
    memset(&rest, 0, sizeof(rest));
    struct pm_buf text = PM_BUF_INIT;

    struct pm_autod_restore files;
    memset(&files, 0, sizeof(files));
    int code = rs_open(&r, store_spec, &text, &rest, &lock, &st, &err, &why);
    /* The cached Autodiscover files are checked first: a bad manifest or a newer file stops
     * the restore before anything is written. */
    if (code == PM_EXIT_OK) {
        int fc = cli_autod_restore_check(r.o.backup, store_spec, r.o.force, &files, &why);
        if (fc >= 0)
            code = fc;
    }
    if (code == PM_EXIT_OK)
        code = rs_restore(&r, &rest, st, &err, &why);
    if (code == PM_EXIT_OK)
        code = cli_autod_restore_apply(&files, r.o.dry_run, r.log, &why);
    pm_autod_restore_release(&files);
    if (!why || strcmp(why, "bad backup") != 0)
        rs_status(&r, st, store_spec, code, rest.nprofiles);
    fflush(stdout);
    pm_store_close(st);
    pm_restore_release(&rest);
    pm_buf_release(&text);
    code = rs_finish(&r, code, why);
    if (lock)
        pm_os_lock_release(lock);
    if (r.log && pm_log_path(r.log) && !r.o.dry_run)
        fprintf(stderr, "log: %s\n", pm_log_path(r.log));
    pm_log_close(r.log);
    pm_config_release(&r.cfg);
    pm_strlist_release(&latest);
    return code;
}
