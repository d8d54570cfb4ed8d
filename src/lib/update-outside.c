/* The update run's step for settings outside the profile (pm/outside.h): after the plan, the
 * store is scanned for the migrated mailboxes' source names; after the profile is applied (or
 * when it needs nothing), the removable items are backed up beside the profile backup and
 * removed. Each item is one "outside" event. Nothing here can fail the profile update: a
 * problem is a warning and the items stay where they are. */
#include "compat.h"

#include "pm/logschema.h"
#include "pm/update.h"

#include <stdio.h>
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
}
