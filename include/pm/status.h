/* The status key for desktop automation: HKCU\Software\ProfileManager, written after each live
 * run so SCCM/Intune detection rules can read the last result (documented in docs/windows.md). */
#ifndef PM_STATUS_H
#define PM_STATUS_H

#include "pm/store.h"

#define PM_STATUS_KEY "Software\\ProfileManager"

struct pm_status {
    long long time;          /* seconds since 1970, UTC */
    int exit_code;           /* enum pm_exit */
    unsigned long updated;   /* mailboxes updated by this run */
    unsigned long pending;   /* mailboxes not migrated yet (not in the PUF) */
    const char *version;
    const char *log_path;    /* may be NULL */
    const char *action;      /* what ran: "update" or "restore"; NULL is "update" */
};

/* Writes the status values (its own transaction). 0 or <0. 'pending' is what a detection rule
 * reads as "not done yet" (docs/deployment.md): for an update, the mailbox entries not in the PUF
 * (event=mailbox state=not_migrated); for a restore, the profiles the backup put back, which point
 * at the source again until the next update. */
int pm_status_write(struct pm_store *st, const struct pm_status *s, struct pm_error *err);

/* While the watch mode waits for MAPI clients to exit: the same values, with ResultCode 5,
 * Result "Waiting", Updated 0, and WaitingFor naming the clients ("OUTLOOK.EXE"); the run's end
 * (pm_status_write) removes WaitingFor. s->exit_code and s->updated are not used. 0 or <0. */
#define PM_STATUS_WAITING "Waiting"
int pm_status_write_waiting(struct pm_store *st, const struct pm_status *s, const char *clients,
                            struct pm_error *err);

#endif
