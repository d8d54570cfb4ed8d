/* Settings outside the profile that still send Outlook to the source organisation after a
 * correct profile update (docs/rules.md, "Outside the profile"): the user's own Autodiscover
 * switches and per-domain entries, RedirectServers entries, MapiHttpDisabled, and the Office
 * identity cache holding a source sign-in name. A scan finds them in any store (live, reg:,
 * hive:); a clean moves the removable ones into a backup .reg beside the profile backup first and
 * then deletes them in one transaction; a restore puts them back. Everything under
 * Software\Policies is left to pm/policy.h, which reports it and never changes it. */
#ifndef PM_OUTSIDE_H
#define PM_OUTSIDE_H

#include <stddef.h>

#include "pm/config.h"
#include "pm/error.h"
#include "pm/plan.h"
#include "pm/profile.h"
#include "pm/puf.h"
#include "pm/store.h"
#include "pm/util.h"

/* What the run knows of the migrated mailboxes, all in lowercase. */
struct pm_outside_targets {
    struct pm_strlist names;   /* source SMTP addresses and sign-in names (3d16, PUF field 7) */
    struct pm_strlist domains; /* their domains, minus any domain a target also uses */
    struct pm_strlist keep;    /* target addresses and UPNs (PUF fields 3 and 8): never removed */
    int migrated;              /* at least one mailbox of the model is in the PUF */
};

enum pm_outside_kind {
    PM_OUTSIDE_SETTING = 1,  /* a value (AutodiscoverAction) */
    PM_OUTSIDE_IDENTITY = 2, /* an identity cache key (IdentityAction) */
};

struct pm_outside_item {
    enum pm_outside_kind kind;
    char *key;        /* store path, without HKCU */
    char *value;      /* value name; NULL for a whole key */
    char *data;       /* the value (or the identity's sign-in name) as text, for the log */
    const char *what; /* the setting's name for the fleet view ("PreferLocalXML", "identity") */
    const char *msg;  /* what it does */
    int removable;    /* the configured action removes it */
    int removed;      /* removed by pm_outside_clean */
};

struct pm_outside {
    struct pm_outside_item *items;
    size_t n;
};

/* Collects the migrated mailboxes' source names from the model (before the update: the old
 * 3d16 and SMTP address of every account the plan updates) and from the PUF answers (fields 7,
 * 3, 8). 0 or PM_ERR_NOMEM. */
int pm_outside_targets_collect(const struct pm_model *m, const struct pm_plan *plan,
                               const struct pm_puf_query *q, size_t nq,
                               struct pm_outside_targets *t);
void pm_outside_targets_release(struct pm_outside_targets *t);

/* Finds every setting and identity entry (pm/outside.h, top) in st. An item is 'removable' when
 * the config asks for it (AutodiscoverAction=clean, IdentityAction=remove), it is a user
 * preference whose removal helps, and t->migrated. Reads only. 0 or <0. */
int pm_outside_scan(struct pm_store *st, const struct pm_config *cfg,
                    const struct pm_outside_targets *t, struct pm_outside *out,
                    struct pm_error *err);
void pm_outside_release(struct pm_outside *o);
/* Number of removable items. */
size_t pm_outside_removable(const struct pm_outside *o);

/* The backup of what a clean removes, beside the profile backup: "X.reg" -> "X.outside.reg". */
int pm_outside_backup_path(const char *profile_backup, struct pm_buf *out);

/* Writes every removable item to 'backup_path' (REGEDIT5, written atomically) and only then
 * deletes them from st in one transaction (none open), marking each 'removed'. An item changed
 * since the scan fails the clean, rolled back. Nothing is removed without a backup: a NULL
 * 'backup_path' removes nothing. 0 or <0. */
int pm_outside_clean(struct pm_store *st, struct pm_outside *o, const char *backup_path,
                     struct pm_error *err);

/* Restores a backup pm_outside_clean wrote ('name' for errors). Every key must lie in one of the
 * places a clean removes from; anything else refuses the whole file. A value that exists in st
 * with other data is not overwritten unless 'force' (then PM_ERR_BUSY naming it). One
 * transaction. *restored receives the number of values written. 0 or <0. */
int pm_outside_restore(struct pm_store *st, const void *data, size_t len, const char *name,
                       int force, size_t *restored, struct pm_error *err);

#endif
