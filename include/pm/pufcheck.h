/* puf check: validates an mbm.puf before it is published to the desktops. Reports, by line:
 * lines the update run would skip (field count, empty required fields, malformed v2 fields 7-9,
 * overlong lines, invalid UTF-8), DNs that are not X500 DNs ("/o=.../cn=..."), SMTP addresses and
 * sign-in names (fields 3, 7, 8) that are not addresses, the same source DN on several lines
 * (identical, or with conflicting targets, which a run refuses to guess between), the same source
 * SMTP address (field 7) on lines with different targets, and a target DN that is also a source
 * DN somewhere (after the update the profile would match again: a loop). */
#ifndef PM_PUFCHECK_H
#define PM_PUFCHECK_H

#include "pm/error.h"
#include "pm/progress.h"

/* Source DNs tracked for duplicate detection; a larger PUF fails with PM_ERR_LIMIT. */
#define PM_PUFCHECK_MAX_ENTRIES 20000000u

struct pm_pufcheck_stats {
    unsigned lines;      /* lines in the file */
    unsigned entries;    /* well-formed mailbox lines */
    unsigned problems;   /* problems reported */
    unsigned malformed;  /* lines a run would skip */
    unsigned duplicates; /* source DNs repeated with identical targets */
    unsigned conflicts;  /* source DNs or source SMTP addresses repeated with different targets */
    unsigned loops;      /* target DNs that are also source DNs */
    /* The sidecar index "<path>.idx" for the file as it is (enum pm_puf_index_state): anything
     * but PM_PUF_INDEX_USED means runs read the whole PUF. Not counted in 'problems' (a PUF is
     * checked before it is indexed); index_note says why. */
    int index_state;
    char index_note[256];
};

/* Checks the file; every problem goes to 'report' (where = path, line = its line) as it is found,
 * loops at the end. Returns 0 (look at stats->problems), or PM_ERR_IO when the file cannot be
 * read, PM_ERR_NOMEM/PM_ERR_LIMIT. */
int pm_puf_check(const char *path, struct pm_pufcheck_stats *st, pm_diag_fn report, void *ctx,
                 struct pm_error *err);
/* The same, telling 'progress' (may be NULL) how many bytes of the two passes over the file
 * (twice its size in all) are done. */
int pm_puf_check_progress(const char *path, struct pm_pufcheck_stats *st, pm_diag_fn report,
                          void *ctx, const struct pm_progress *progress, struct pm_error *err);

#endif
