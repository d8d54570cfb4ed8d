/* Group Policy checks: reads HKCU\Software\Policies\Microsoft\Office\<ver>\Outlook (Cached Mode,
 * RPC, AutoDiscover) for every Office version present (the user's own AutoDiscover key is
 * pm/outside.h's), and reports each setting that contradicts the config or will undo an
 * update. Read-only. */
#ifndef PM_POLICY_H
#define PM_POLICY_H

#include <stddef.h>

#include "pm/config.h"
#include "pm/store.h"

struct pm_policy_warning {
    char *key;   /* full key path */
    char *value; /* value name */
    char *data;  /* the value as text, for the log */
    char *msg;   /* what it does to the update */
};

struct pm_policy_report {
    struct pm_policy_warning *items;
    size_t n;
};

/* Fills 'out' with one warning per contradicting or undoing policy. 0 or <0. */
int pm_policy_check(struct pm_store *st, const struct pm_config *cfg,
                    struct pm_policy_report *out, struct pm_error *err);
void pm_policy_report_release(struct pm_policy_report *r);

#endif
