/* Applying a plan: back up every profile the plan touches (one .reg file), then make all edits
 * in one store transaction. On any failure the transaction is rolled back, so the store holds
 * either the state before or the full update, never a part. */
#ifndef PM_APPLY_H
#define PM_APPLY_H

#include "pm/plan.h"
#include "pm/store.h"

struct pm_apply_opts {
    const char *backup_path; /* .reg file to write before any edit; NULL = no backup */
    int rename_files;        /* perform the plan's file moves (live runs); else only report */
};

struct pm_apply_result {
    size_t edits_done;       /* edits made (0 after a rollback) */
    size_t profiles_changed;
    size_t files_moved;
    int rolled_back;         /* 1 when a failure was rolled back */
    int rollback_failed;     /* 1 when even the rollback failed: restore from the backup */
    int backup_failed;       /* 1 when the backup file could not be written (nothing changed) */
};

/* Returns 0 when every edit is committed (or the plan is empty). Errors: the backup could not
 * be written (nothing changed), an edit or the commit failed (rolled back; result says so). */
int pm_apply(struct pm_store *st, const struct pm_model *m, const struct pm_plan *plan,
             const struct pm_apply_opts *opts, struct pm_apply_result *res,
             struct pm_error *err);

/* Asked after the backup is written and before the first edit: 0 lets the edits go ahead; 1
 * stops the run with nothing written (the watch mode's last look for a MAPI client that started
 * since the plan); <0 is an error. */
typedef int (*pm_apply_gate_fn)(void *ctx, struct pm_error *err);

/* pm_apply with a gate (may be NULL): when the gate says 1, the backup just written is removed,
 * nothing is changed and PM_ERR_BUSY is returned with err set. */
int pm_apply_gated(struct pm_store *st, const struct pm_model *m, const struct pm_plan *plan,
                   const struct pm_apply_opts *opts, pm_apply_gate_fn gate, void *gate_ctx,
                   struct pm_apply_result *res, struct pm_error *err);

#endif
