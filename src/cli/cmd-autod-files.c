/* The cached Autodiscover files (pm/autodfiles.h) in the update and restore commands: what an
 * update prints about them, and the part of "restore BACKUP.reg" that puts back the files the
 * update moved beside that backup. The files are the user's PC's: a run on an offline store
 * (reg:, hive:) neither looks at them nor writes them, and says so. */
#include "cli.h"

#include "pm/autodfiles.h"
#include "pm/logschema.h"
#include "pm/os.h"
#include "pm/update.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cli_print_autod_files(const struct pm_update *u)
{
    int dry = (u->o.flags & PM_UPDATE_DRY_RUN) != 0;
    int clean = u->cfg && u->cfg->autodiscover_clean;
    for (size_t i = 0; i < u->autod.n; i++) {
        const struct pm_autod_file *f = &u->autod.files[i];
        if (f->state == PM_AUTOD_FOUND)
            printf("  outside: file '%s' names %s: a cached Autodiscover response (%s)\n", f->path,
                   f->matched,
                   !clean ? "reported"
                   : dry  ? "would be moved into the backup"
                          : "moved into the backup after the update");
        else
            printf("  outside: file '%s' left in place: %s\n", f->path, f->why ? f->why : "");
    }
    if (dry && !u->live && !u->o.files_any_store)
        printf("  outside: cached Autodiscover XML files (%%LOCALAPPDATA%%\\Microsoft\\Outlook) "
               "are not looked at; they exist only on the user's PC, not in this store\n");
}

/* The folder files go back to: the user's own, on a live restore (test builds: any store with
 * PM_TEST_LIVE_FILES set). */
static int files_dir(const char *store_spec, struct pm_buf *dir)
{
    int live = store_spec && (!strcmp(store_spec, "live") || !strncmp(store_spec, "live:", 5));
#ifdef PM_TEST_HOOKS
    if (getenv("PM_TEST_LIVE_FILES") && *getenv("PM_TEST_LIVE_FILES"))
        live = 1;
#endif
    return live ? pm_autod_default_dir(dir) : 1;
}

int cli_autod_restore_check(const char *backup, const char *store_spec, int force,
                            struct pm_autod_restore *r, const char **why)
{
    memset(r, 0, sizeof(*r));
    struct pm_buf manifest = PM_BUF_INIT, dir = PM_BUF_INIT;
    int code = -1;
    if (pm_autod_manifest_path(backup, &manifest) < 0 || !pm_os_file_exists(manifest.data))
        goto out;
    int drc = files_dir(store_spec, &dir);
    if (drc > 0) {
        printf("note: '%s' lists cached Autodiscover files; they go back only with a restore on "
               "the user's PC (the live registry)\n",
               manifest.data);
        goto out;
    }
    struct pm_error err;
    pm_error_clear(&err);
    if (drc < 0) {
        cli_error("LOCALAPPDATA is not set: cannot put back the files listed in '%s'",
                  manifest.data);
        *why = "bad backup";
        code = PM_EXIT_USAGE;
        goto out;
    }
    /* A manifest beside our backup but made by another user (the backup folder lets users
     * create files) would put that user's Autodiscover answers into our Outlook folder. */
    if (pm_os_file_foreign(manifest.data)) {
        cli_error("%s: made by another user, not by this run's user: not trusted; nothing "
                  "restored",
                  manifest.data);
        *why = "bad backup";
        code = PM_EXIT_USAGE;
        goto out;
    }
    int rc = pm_autod_restore_check(manifest.data, dir.data, force, r, &err);
    if (rc < 0) {
        cli_print_error(&err);
        if (rc == PM_ERR_BUSY) {
            cli_error("nothing restored; --force overwrites the files written since the backup");
            *why = "files_newer";
            code = PM_EXIT_ROLLED_BACK;
        } else {
            *why = "bad backup";
            code = PM_EXIT_USAGE;
        }
    }
out:
    pm_buf_release(&manifest);
    pm_buf_release(&dir);
    return code;
}

int cli_autod_restore_apply(struct pm_autod_restore *r, int dry_run, struct pm_log *log,
                            const char **why)
{
    if (!r->dir)
        return PM_EXIT_OK;
    struct pm_buf path = PM_BUF_INIT;
    for (size_t i = 0; i < r->m.n; i++) {
        pm_buf_reset(&path);
        pm_path_join(&path, r->dir, r->m.e[i].name);
        pm_log_event(log, PM_EV_RESTORE, PM_F_FILE, path.data, PM_F_STATE,
                     r->action[i] == PM_AUTOD_SAME ? "unchanged"
                     : dry_run                     ? "would_restore"
                                                   : "restored",
                     NULL);
    }
    pm_buf_release(&path);
    if (dry_run) {
        printf("dry run: %zu of %zu cached Autodiscover file(s) would be put back in '%s'\n",
               r->nwrite, r->m.n, r->dir);
        return PM_EXIT_OK;
    }
    struct pm_error err;
    pm_error_clear(&err);
    if (pm_autod_restore_apply(r, &err) < 0) {
        cli_print_error(&err);
        pm_log_event(log, PM_EV_ERROR, PM_F_MSG, err.msg, NULL);
        *why = "files";
        return PM_EXIT_STORE;
    }
    printf("put back %zu cached Autodiscover file(s) in '%s'; %zu already there\n", r->nwrite,
           r->dir, r->m.n - r->nwrite);
    return PM_EXIT_OK;
}
