/* The plan: a pure function of (profile model, PUF answers, config) to the list of registry
 * edits an update makes, with a decision and reason for every mailbox. No I/O, no clock.
 * The rules it follows are one table (rules.c), mirrored in docs/rules.md. */
#ifndef PM_PLAN_H
#define PM_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "pm/config.h"
#include "pm/profile.h"
#include "pm/puf.h"

enum pm_edit_op { PM_EDIT_SET = 1, PM_EDIT_DELETE = 2 };

struct pm_edit {
    enum pm_edit_op op;
    size_t profile;    /* index into the model's profiles */
    char *key;         /* full key path */
    char *name;        /* value name */
    uint32_t type;     /* for SET */
    uint8_t *data;     /* for SET (owned) */
    size_t len;
    int had_old;       /* the value existed before */
    uint32_t old_type;
    uint8_t *old_data; /* owned copy of the old bytes, for logs */
    size_t old_len;
    const char *rule;  /* rule id from the table, e.g. "identity.dn" */
    unsigned rank;     /* place in the order of writes (plan.c, edit_rank) */
};

enum pm_decision_kind {
    PM_DEC_UPDATED = 1, /* matched a PUF line: edits planned */
    PM_DEC_CURRENT,     /* already points at a target in the PUF */
    PM_DEC_NOT_IN_PUF,  /* not migrated (yet) */
    PM_DEC_SKIPPED,     /* not touched, reason says why (conflicting lines, no DN, ...) */
};

struct pm_decision {
    size_t profile, account; /* indexes into the model */
    long section;            /* store section index in the account, or -1 for the account */
    enum pm_decision_kind kind;
    char *dn;                /* the DN looked up */
    char *target_dn;         /* for UPDATED */
    char *reason;            /* human-readable */
    unsigned puf_line;       /* the PUF line that decided it, or 0 */
};

/* A file a live run renames (OstAction=rename); offline runs only log it. */
struct pm_file_move {
    size_t profile;
    char *from;
    char *to;
};

struct pm_plan {
    struct pm_edit *edits;
    size_t nedits;
    struct pm_decision *decisions;
    size_t ndecisions;
    struct pm_file_move *moves;
    size_t nmoves;
    struct pm_strlist warnings; /* things the run should log as warnings (stores left alone,
                                   settings the profile will ignore) */
};

/* Collects every key of the model that needs a PUF answer (owned strings appended to dns):
 * mailbox DNs (an archive's without its /guid= suffix), and the SMTP addresses of shared
 * mailbox stores that name no DN. pm_plan_query_is_smtp tells the two apart. */
int pm_plan_queries(const struct pm_model *m, struct pm_strlist *dns);
/* 1 when a key from pm_plan_queries is an SMTP address (looked up in PUF field 7), 0 for a DN. */
static inline int pm_plan_query_is_smtp(const char *key)
{
    return key && key[0] != '/';
}
/* Sets up query q (zeroed first) to ask for one key from pm_plan_queries. */
void pm_plan_query_init(struct pm_puf_query *q, const char *key);

/* Builds the plan. 'q' holds the PUF answers for the DNs pm_plan_queries listed (any order).
 * Returns 0 or PM_ERR_NOMEM. */
int pm_plan_build(const struct pm_model *m, const struct pm_puf_query *q, size_t nq,
                  const struct pm_config *cfg, struct pm_plan *out, struct pm_error *err);
void pm_plan_release(struct pm_plan *p);

/* Number of profiles with at least one edit, and whether profile i has edits. */
size_t pm_plan_profiles_touched(const struct pm_plan *p, size_t nprofiles);
int pm_plan_touches_profile(const struct pm_plan *p, size_t profile);

const char *pm_decision_name(enum pm_decision_kind k);

#endif
