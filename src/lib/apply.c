/* Applies a plan: the backup first (every profile the plan touches, as one .reg file written
 * atomically), then every edit inside one store transaction. Before each write the value is
 * read again and compared with what the plan saw, so a profile changed by someone else since it
 * was read (another run, Outlook) fails the update instead of being overwritten; any failure rolls
 * the whole transaction back. File moves (the OST) happen after the commit. */
#include "compat.h"

#include "pm/apply.h"
#include "pm/os.h"
#include "pm/regfile.h"

#include <stdlib.h>
#include <string.h>

/* The backup file; *unwritable set when the export worked and the file could not be written
 * (another folder may do), not when the store could not be read. */
static int write_backup(struct pm_store *st, const struct pm_model *m, const struct pm_plan *plan,
                        const char *path, int *unwritable, struct pm_error *err)
{
    const char **paths = calloc(m->nprofiles ? m->nprofiles : 1, sizeof(*paths));
    if (!paths)
        return pm_error_set(err, PM_ERR_NOMEM, NULL, 0, "out of memory");
    size_t n = 0;
    for (size_t i = 0; i < m->nprofiles; i++)
        if (pm_plan_touches_profile(plan, i))
            paths[n++] = m->profiles[i].path;
    struct pm_buf text = PM_BUF_INIT;
    int rc = pm_regfile_export(st, paths, n, PM_REGFMT_REGEDIT5, &text, err);
    free(paths);
    int exported = rc == 0;
    /* The folder is made only when the write finds it missing: it usually exists, and on a
     * share each check is a round trip. */
    if (rc == 0)
        rc = pm_file_write_atomic(path, text.data, text.len, err);
    struct pm_buf dir = PM_BUF_INIT;
    if (rc == PM_ERR_IO && pm_path_dirname(&dir, path) == 0 && !pm_os_file_exists(dir.data)) {
        if (pm_os_mkdirs(dir.data) < 0)
            rc = pm_error_set(err, PM_ERR_IO, dir.data, 0, "cannot create the backup folder");
        else
            rc = pm_file_write_atomic(path, text.data, text.len, err);
    }
    pm_buf_release(&dir);
    pm_buf_release(&text);
    *unwritable = exported && rc < 0;
    return rc;
}

/* The value must still be what the plan saw. */
static int check_unchanged(struct pm_store *st, const struct pm_edit *e, struct pm_error *err)
{
    struct pm_value now = PM_VALUE_INIT;
    int rc = pm_store_get(st, e->key, e->name, &now, err);
    if (rc < 0)
        return rc;
    int same = e->had_old ? (rc == 1 && now.type == e->old_type && now.len == e->old_len &&
                             (now.len == 0 || memcmp(now.data, e->old_data, now.len) == 0))
                          : rc == 0;
    pm_value_release(&now);
    if (!same)
        return pm_error_set(err, PM_ERR_BUSY, e->key, 0,
                            "value '%s' changed since the profile was read; nothing updated",
                            e->name);
    return 0;
}

int pm_apply(struct pm_store *st, const struct pm_model *m, const struct pm_plan *plan,
             const struct pm_apply_opts *opts, struct pm_apply_result *res, struct pm_error *err)
{
    return pm_apply_gated(st, m, plan, opts, NULL, NULL, res, err);
}

int pm_apply_gated(struct pm_store *st, const struct pm_model *m, const struct pm_plan *plan,
                   const struct pm_apply_opts *opts, pm_apply_gate_fn gate, void *gate_ctx,
                   struct pm_apply_result *res, struct pm_error *err)
{
    memset(res, 0, sizeof(*res));
    if (plan->nedits == 0)
        return 0;
    int rc;
    if (opts && opts->backup_path &&
        (rc = write_backup(st, m, plan, opts->backup_path, &res->backup_failed, err)) < 0)
        return rc;
    /* The last moment before anything is written: the live store writes each edit through at
     * once, so a later look would be too late. */
    if (gate && (rc = gate(gate_ctx, err)) != 0) {
        if (opts && opts->backup_path)
            pm_os_remove_file(opts->backup_path); /* a backup of a run that changed nothing */
        if (rc > 0)
            rc = pm_error_set(err, PM_ERR_BUSY, NULL, 0,
                              "a MAPI client started before the update was written; nothing "
                              "changed");
        return rc;
    }
    if ((rc = pm_store_begin(st, err)) < 0)
        return rc;
    for (size_t i = 0; i < plan->nedits; i++) {
        const struct pm_edit *e = &plan->edits[i];
        rc = check_unchanged(st, e, err);
        if (rc == 0 && e->op == PM_EDIT_SET)
            rc = pm_store_set(st, e->key, e->name, e->type, e->data, e->len, err);
        else if (rc == 0)
            rc = pm_store_delete_value(st, e->key, e->name, err);
        if (rc < 0)
            break;
    }
    if (rc >= 0)
        rc = pm_store_commit(st, err);
    if (rc < 0) {
        struct pm_error rb_err;
        pm_error_clear(&rb_err);
        res->rolled_back = 1;
        if (pm_store_in_transaction(st) && pm_store_rollback(st, &rb_err) < 0)
            res->rollback_failed = 1;
        return rc;
    }
    res->edits_done = plan->nedits;
    res->profiles_changed = pm_plan_profiles_touched(plan, m->nprofiles);
    if (opts && opts->rename_files) {
        for (size_t i = 0; i < plan->nmoves; i++) {
            const struct pm_file_move *mv = &plan->moves[i];
            if (pm_os_file_exists(mv->from) && pm_os_rename_file(mv->from, mv->to) == 0)
                res->files_moved++;
        }
    }
    return 0;
}
