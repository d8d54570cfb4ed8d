/* What update and restore share about a run on a user's PC: the run id that tags its log lines,
 * where its log goes (LogFolder, else Logs beside the executable, else Profile.Logs in the user's
 * home), and waiting for the MAPI clients that hold the profile. */
#include "cli.h"

#include "pm/logschema.h"

#include <stdio.h>
#include <string.h>

void cli_run_id(char out[64])
{
    char ts[32];
    pm_log_timestamp(pm_os_time_now(), ts);
    size_t o = 0;
    for (const char *p = ts; *p && o < 20; p++)
        if (*p != '-' && *p != ':')
            out[o++] = *p;
    snprintf(out + o, 64 - o, "-%ld", pm_os_pid());
}

struct pm_log *cli_open_log(const char *configured, const char *computer, const char *user,
                            const char *run_id)
{
    struct pm_buf exe_dir = PM_BUF_INIT, home = PM_BUF_INIT, beside = PM_BUF_INIT,
                  fallback = PM_BUF_INIT;
    const char *folders[2];
    size_t n = 0;
    if (configured)
        folders[n++] = configured;
    else if (pm_os_exe_dir(&exe_dir) == 0 && exe_dir.len &&
             pm_path_join(&beside, exe_dir.data, "Logs") == 0)
        folders[n++] = beside.data;
    if (pm_os_home_dir(&home) == 0 && home.len &&
        pm_path_join(&fallback, home.data, "Profile.Logs") == 0)
        folders[n++] = fallback.data;
    struct pm_log *log = NULL;
    struct pm_error err;
    pm_error_clear(&err);
    if (pm_log_open(&log, folders, n, computer, user, run_id, &err) < 0) {
        char buf[1200];
        fprintf(stderr, "profilemanager: warning: no log written: %s\n",
                pm_error_format(&err, buf, sizeof(buf)));
        log = NULL;
    } else if (pm_log_note(log)) {
        fprintf(stderr, "profilemanager: warning: %s\n", pm_log_note(log));
    }
    pm_buf_release(&exe_dir);
    pm_buf_release(&home);
    pm_buf_release(&beside);
    pm_buf_release(&fallback);
    return log;
}

int cli_mapi_names(const char *mapi_clients, struct pm_strlist *names)
{
    for (const char *s = mapi_clients; s && *s;) {
        while (*s == ' ' || *s == ',')
            s++;
        const char *e = s;
        while (*e && *e != ',')
            e++;
        const char *t = e;
        while (t > s && t[-1] == ' ')
            t--;
        if (t > s && pm_strlist_addn(names, s, (size_t)(t - s)) < 0)
            return PM_ERR_NOMEM;
        s = e;
    }
    return 0;
}

void cli_join_names(struct pm_buf *out, const struct pm_strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        pm_buf_printf(out, "%s%s", i ? "," : "", l->items[i]);
}

int cli_mapi_clients(const char *mapi_clients, int wait_seconds, struct pm_log *log,
                     struct pm_strlist *found)
{
    struct pm_strlist names = PM_STRLIST_INIT;
    cli_mapi_names(mapi_clients, &names);
    int n;
    for (int waited = 0;; waited++) {
        pm_strlist_release(found);
        n = pm_os_find_processes((const char *const *)names.items, names.n, found);
        if (n <= 0 || waited >= wait_seconds)
            break;
        if (waited == 0) {
            char secs[16];
            snprintf(secs, sizeof(secs), "%d", wait_seconds);
            pm_log_event(log, PM_EV_WAIT, PM_F_PROCESSES, found->items[0], PM_F_SECONDS, secs,
                         NULL);
        }
        pm_os_sleep_ms(1000);
    }
    pm_strlist_release(&names);
    if (n <= 0)
        pm_strlist_release(found);
    return n > 0 ? n : 0;
}

int cli_store_option(const char *cmd, int argc, char **argv, int *i, const char **config,
                     const char **store, int *dry_run)
{
    int rc = cli_opt_value(cmd, argc, argv, i, "--config", config);
    if (rc == 0)
        rc = cli_opt_value(cmd, argc, argv, i, "--store", store);
    if (rc == 0 && (!strcmp(argv[*i], "--dry-run") || !strcmp(argv[*i], "-n"))) {
        *dry_run = 1;
        rc = 1;
    }
    return rc;
}

void cli_lock_refused(struct pm_log *log, int rc, const char *done)
{
    /* Both exit 7 (docs/deployment.md): the second is not another run, and must not say so. */
    if (rc < 0) {
        /* POSIX: no folder of the user's own for the lock file; Windows: the mutex cannot be
         * made (its name held by another user who denies access, in both namespaces). */
        cli_error("the single-run lock cannot be taken (where it lives: docs/deployment.md); "
                  "nothing %s",
                  done);
        pm_log_event(log, PM_EV_ERROR, PM_F_MSG, "the single-run lock cannot be taken", NULL);
    } else {
        cli_error("another profilemanager run of this user is in progress; nothing %s", done);
        pm_log_event(log, PM_EV_ERROR, PM_F_MSG, "another run holds the lock", NULL);
    }
}
