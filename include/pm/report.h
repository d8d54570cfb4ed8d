/* The migration report over a folder of run logs (docs/log-format.md): for every user and
 * computer the latest run, its mailboxes and their states, totals, problems grouped by reason,
 * updates per day, and, with a roster of expected users and computers, who never ran. Logs that
 * are truncated or corrupt are counted and listed, never fatal. The library builds the text, CSV
 * and HTML into buffers; the caller writes them. docs/report.md describes the output. */
#ifndef PM_REPORT_H
#define PM_REPORT_H

#include <stddef.h>

#include "pm/error.h"
#include "pm/progress.h"
#include "pm/util.h"

/* Ceilings: log files read from a folder, bytes read from one log (the tail is kept: the latest
 * run is at the end), roster rows. */
#define PM_REPORT_MAX_FILES 2000000u
#define PM_REPORT_MAX_LOG_BYTES ((size_t)64 << 20)
#define PM_REPORT_MAX_ROSTER 2000000u
/* A value read from a log (a user, a reason, a DN, ...) longer than this is cut and ends in
 * "...": no single log can dominate the outputs. */
#define PM_REPORT_MAX_FIELD ((size_t)1024)

/* State of one user on one computer, from the latest run (the latest real run when a dry run
 * followed it: a dry run changes no status key). */
enum pm_report_status {
    PM_RS_UPDATED = 0,  /* the latest run re-pointed a mailbox, and none is left waiting */
    PM_RS_CURRENT,      /* everything already points at the target (or nothing to do) */
    PM_RS_NOT_MIGRATED, /* some mailbox is not in the PUF yet (Pending>0): in progress, even
                         * when the same run updated others */
    PM_RS_DEFERRED,     /* a MAPI client held the profile (or another run did): retried later */
    PM_RS_FAILED,       /* the run failed (config, PUF, store, rolled back, ...) */
    PM_RS_INCOMPLETE,   /* the latest run has no end: killed, or still running */
    PM_RS_DRY_RUN,      /* the latest run was a dry run, and no real run came before it */
    PM_RS_NEVER_RAN,    /* in the roster, no log */
    PM_RS_COUNT
};
/* "updated", "current", "not_migrated", "deferred", "failed", "incomplete", "dry_run",
 * "never_ran". */
const char *pm_report_status_name(enum pm_report_status s);

struct pm_report_totals {
    unsigned files;     /* log files read */
    unsigned bad_files; /* files with corrupt or truncated lines, or unreadable */
    unsigned bad_lines; /* lines that did not parse */
    unsigned claim_files; /* logs left out: they claim a user or computer their name does not */
    unsigned machines;  /* distinct user+computer pairs with a run */
    unsigned status[PM_RS_COUNT];
    /* mailboxes of the latest runs, by state. An update only counts as updated when its run
     * ended "ok": in a run that failed or never ended it counts as failed, in a deferred run
     * (Outlook running) as deferred. */
    unsigned mbx_updated, mbx_current, mbx_not_migrated, mbx_skipped, mbx_failed;
    unsigned mbx_deferred;
    unsigned mbx_would_update; /* in dry runs */
    unsigned policy_machines;  /* latest runs with at least one policy warning */
    unsigned outside_machines; /* latest runs with a setting outside the profile left in place */
    unsigned security_machines; /* latest runs that logged a security warning */
    unsigned puf_index_machines; /* latest runs that read the whole PUF (puf.index: no index) */
    unsigned roster;           /* roster entries */
};

struct pm_report;

int pm_report_new(struct pm_report **out);
void pm_report_free(struct pm_report *r);

/* pm_report_scan_dir then tells 'p' (kept, not copied; NULL for none) how many of the folder's
 * log files it has read. */
void pm_report_set_progress(struct pm_report *r, const struct pm_progress *p);
/* Reads every "*.log" file in 'dir'. Unreadable or corrupt files are counted and listed, not
 * errors. Returns 0, or PM_ERR_IO when the folder cannot be listed, PM_ERR_NOMEM, PM_ERR_LIMIT. */
int pm_report_scan_dir(struct pm_report *r, const char *dir, struct pm_error *err);
/* Adds one log from memory ('name' is its file name). A log counts only for the user and
 * computer of its file name (pm_log_file_name): one whose run.start names anyone else is left out
 * and listed as a log that claims another user. 0 or PM_ERR_NOMEM. */
int pm_report_add_log(struct pm_report *r, const char *name, const char *data, size_t len);
/* Reads a roster CSV (columns "user" and/or "computer"; "UserName", "SamAccountName",
 * "ComputerName" and "Name" are accepted too). An entry with no log becomes never_ran; an entry
 * with only a user (or only a computer) matches any log of that user (computer). */
int pm_report_roster(struct pm_report *r, const char *path, struct pm_error *err);

void pm_report_get_totals(const struct pm_report *r, struct pm_report_totals *t);

/* The outputs, appended to 'out'. 'now' (seconds since 1970) is printed as the report time.
 * 0, PM_ERR_NOMEM, or PM_ERR_LIMIT when 'out' reaches its ceiling (nothing is cut silently). */
int pm_report_text(const struct pm_report *r, struct pm_buf *out);
int pm_report_csv(const struct pm_report *r, struct pm_buf *out);
int pm_report_html(const struct pm_report *r, long long now, struct pm_buf *out);

/* The same outputs handed to 'write' piece by piece as they are built, so an output of any size
 * is written without being held in memory. A write that returns <0 stops the output and that
 * value is returned. */
struct pm_report_sink {
    int (*write)(void *ctx, const void *data, size_t len);
    void *ctx;
};
int pm_report_text_to(const struct pm_report *r, const struct pm_report_sink *sink);
int pm_report_csv_to(const struct pm_report *r, const struct pm_report_sink *sink);
int pm_report_html_to(const struct pm_report *r, long long now, const struct pm_report_sink *sink);

#endif
