/* The update run's step for settings outside the profile (pm/outside.h): after the plan, the
 * store is scanned for the migrated mailboxes' source names, and on the user's PC the cached
 * Autodiscover files for the mailboxes the plan updates (pm/autodfiles.h); after the profile is
 * applied (or when it needs nothing), the removable items are backed up beside the profile
 * backup and removed, the files moved there. Each item is one "outside" event. Nothing here can
 * fail the profile update: a problem is a warning and the items stay where they are. */
#include "compat.h"

#include "pm/logschema.h"
#include "pm/update.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void warn(struct pm_update *u, const struct pm_error *err)
{
    char buf[1200];
    pm_log_event(u->o.log, PM_EV_WARNING, PM_F_MSG, pm_error_format(err, buf, sizeof(buf)), NULL);
}

/* One "outside" event per item: the reported ones right after the scan (so a run with nothing
 * else to do still logs them), the removable ones when the run acts on them. */
static void log_items(struct pm_update *u, int removable)
{
    const struct pm_outside *o = &u->outside;
    int dry = (u->o.flags & PM_UPDATE_DRY_RUN) != 0;
    struct pm_buf full = PM_BUF_INIT;
    for (size_t i = 0; i < o->n; i++) {
        const struct pm_outside_item *it = &o->items[i];
        if (!it->removable != !removable)
            continue;
        const char *action = it->removed            ? "removed"
                             : dry && it->removable ? "would_remove"
                                                    : "report";
        pm_buf_reset(&full);
        pm_buf_printf(&full, "HKCU\\%s", it->key);
        pm_log_event(u->o.log, PM_EV_OUTSIDE, PM_F_KIND,
                     it->kind == PM_OUTSIDE_IDENTITY ? "identity" : "setting", PM_F_SETTING,
                     it->what, PM_F_KEY, full.data, PM_F_VALUE, it->value, PM_F_DATA, it->data,
                     PM_F_ACTION, action, PM_F_MSG, it->msg, NULL);
    }
    pm_buf_release(&full);
}

static const char FILE_MSG[] = "a cached Autodiscover response naming a migrated mailbox: "
                               "Outlook may use it to reach the source";
static const char LEFT_MSG[] = "a cached Autodiscover response that could not be checked: "
                               "left in place";

/* One "outside" event per cached Autodiscover file: those the run leaves right after the scan,
 * those it moves (or would) when it acts. */
static void log_files(struct pm_update *u, int act)
{
    int dry = (u->o.flags & PM_UPDATE_DRY_RUN) != 0;
    int clean = u->cfg && u->cfg->autodiscover_clean;
    for (size_t i = 0; i < u->autod.n; i++) {
        const struct pm_autod_file *f = &u->autod.files[i];
        int found = f->state == PM_AUTOD_FOUND;
        /* Found files of a clean run are the act's; everything else is logged at the scan. */
        if (!act !=
            !(clean && (found || f->state == PM_AUTOD_MOVED || f->state == PM_AUTOD_FAILED)))
            continue;
        char bytes[24];
        snprintf(bytes, sizeof(bytes), "%lld", f->size);
        /* The settings' words, so that the fleet view counts what is left the same way. */
        const char *action = f->state == PM_AUTOD_MOVED    ? "removed"
                             : f->state == PM_AUTOD_FAILED ? "failed"
                             : !found                      ? "left"
                             : clean && dry                ? "would_remove"
                                                           : "report";
        pm_log_event(u->o.log, PM_EV_OUTSIDE, PM_F_KIND, "file", PM_F_SETTING, "Autodiscover.xml",
                     PM_F_FILE, f->path, PM_F_BYTES, f->size >= 0 ? bytes : NULL, PM_F_SHA256,
                     f->sha256[0] ? f->sha256 : NULL, PM_F_DATA, f->matched, PM_F_ACTION, action,
                     PM_F_TO, f->state == PM_AUTOD_MOVED ? f->copy : NULL, PM_F_WHY, f->why,
                     PM_F_MSG, f->matched ? FILE_MSG : LEFT_MSG, NULL);
    }
}

static void scan_files(struct pm_update *u)
{
    struct pm_error err;
    pm_error_clear(&err);
    pm_autod_release(&u->autod);
    free(u->autod_dir);
    u->autod_dir = NULL;
    if (!u->live && !u->o.files_any_store)
        return;
    struct pm_buf dir = PM_BUF_INIT;
    struct pm_strlist needles = PM_STRLIST_INIT;
    if (pm_autod_needles_collect(&u->model, &u->plan, u->q, u->nq, &needles) < 0) {
        pm_error_set(&err, PM_ERR_NOMEM, NULL, 0, "out of memory");
        warn(u, &err);
    } else if (needles.n && pm_autod_default_dir(&dir) < 0) {
        /* Only worth saying when the run updates a mailbox whose files it would look for. */
        pm_log_event(u->o.log, PM_EV_WARNING, PM_F_MSG,
                     "LOCALAPPDATA is not set: cached Autodiscover files not looked at", NULL);
    } else if (needles.n) {
        u->autod_dir = pm_buf_detach(&dir, NULL);
        if (pm_autod_scan(u->autod_dir, &needles, &u->autod, &err) < 0)
            warn(u, &err);
    }
    pm_strlist_release(&needles);
    pm_buf_release(&dir);
    u->n.outside += u->autod.n;
    log_files(u, 0);
}

static void move_files(struct pm_update *u, const char *backup_path)
{
    int dry = (u->o.flags & PM_UPDATE_DRY_RUN) != 0;
    if (!dry && u->cfg && u->cfg->autodiscover_clean && pm_autod_count(&u->autod, PM_AUTOD_FOUND)) {
        struct pm_error err;
        pm_error_clear(&err);
        if (!backup_path)
            pm_log_event(u->o.log, PM_EV_WARNING, PM_F_MSG,
                         "Backup=no: cached Autodiscover files are reported, not moved", NULL);
        else if (pm_autod_move(&u->autod, backup_path, &err) < 0)
            warn(u, &err);
        else if (u->autod.manifest)
            pm_log_event(u->o.log, PM_EV_BACKUP, PM_F_FILE, u->autod.manifest, NULL);
    }
    log_files(u, 1);
}

void pm_update_outside_scan(struct pm_update *u)
{
    struct pm_outside_targets t;
    struct pm_error err;
    pm_error_clear(&err);
    pm_outside_release(&u->outside);
    if (pm_outside_targets_collect(&u->model, &u->plan, u->q, u->nq, &t) < 0) {
        pm_error_set(&err, PM_ERR_NOMEM, NULL, 0, "out of memory");
        warn(u, &err);
    } else if (pm_outside_scan(u->st, u->cfg, &t, &u->outside, &err) < 0)
        warn(u, &err);
    pm_outside_targets_release(&t);
    u->n.outside = u->outside.n;
    log_items(u, 0);
    scan_files(u);
}

void pm_update_outside_act(struct pm_update *u, const char *backup_path)
{
    struct pm_outside *o = &u->outside;
    int dry = (u->o.flags & PM_UPDATE_DRY_RUN) != 0;
    if (!dry && pm_outside_removable(o)) {
        struct pm_error err;
        struct pm_buf path = PM_BUF_INIT;
        pm_error_clear(&err);
        if (!backup_path)
            pm_log_event(u->o.log, PM_EV_WARNING, PM_F_MSG,
                         "Backup=no: settings outside the profile are reported, not removed", NULL);
        else if (pm_outside_backup_path(backup_path, &path) < 0) {
            pm_error_set(&err, PM_ERR_NOMEM, NULL, 0, "out of memory");
            warn(u, &err);
        } else if (pm_outside_clean(u->st, o, path.data, &err) < 0)
            warn(u, &err);
        else
            pm_log_event(u->o.log, PM_EV_BACKUP, PM_F_FILE, path.data, NULL);
        pm_buf_release(&path);
    }
    log_items(u, 1);
    move_files(u, backup_path);
}
