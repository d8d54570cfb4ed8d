/* Restoring profiles from a backup an update wrote: a REGEDIT5 .reg file holding whole profile
 * keys (pm_regfile_export of every profile the update touched, in <log folder>/Backups). Loading
 * checks that the file is such a backup: HKEY_CURRENT_USER keys only, every key inside one profile
 * (a key below one of pm_profile_roots), no deletion lines. Restoring makes each of those profiles
 * in the store exactly the backup's content, all profiles in one store transaction: all or
 * nothing. Keys of the store outside the backup's profiles are never touched. */
#ifndef PM_RESTORE_H
#define PM_RESTORE_H

#include <stddef.h>

#include "pm/error.h"
#include "pm/store.h"

/* One profile of the backup, and how the store differs from it (after pm_restore_compare). */
struct pm_restore_profile {
    char *path;          /* profile key, "<root>\\<name>", as the backup spells it */
    char *name;          /* the profile name (last component) */
    unsigned line;       /* line of its first key in the backup */
    size_t keys, values; /* keys and values the backup holds for it */
    int present;         /* the profile exists in the store */
    size_t values_changed; /* values of the backup missing from the store or with other bytes */
    size_t values_extra;   /* values in the store the backup does not have */
    size_t keys_missing;   /* keys of the backup missing from the store */
    size_t keys_extra;     /* keys in the store the backup does not have */
};

struct pm_restore {
    struct pm_store *backup; /* the backup's content ("mem:" store) */
    struct pm_restore_profile *profiles;
    size_t nprofiles;
};

/* Parses and checks backup text ('name' for errors: "name:line: ..."). On success r holds the
 * backup's profiles in file order (release with pm_restore_release). Errors: PM_ERR_PARSE (not
 * .reg text; a key outside the profile roots or of another hive; a deletion line; no profile at
 * all), PM_ERR_NOMEM, PM_ERR_LIMIT. On error r holds nothing to release. */
int pm_restore_load(struct pm_restore *r, const void *data, size_t len, const char *name,
                    struct pm_error *err);
void pm_restore_release(struct pm_restore *r);

/* Fills each profile's 'present' and difference counts against st. Reads only. 0 or <0. */
int pm_restore_compare(struct pm_restore *r, struct pm_store *st, struct pm_error *err);
/* 1 when profile i of the store differs from the backup (after pm_restore_compare). */
int pm_restore_profile_differs(const struct pm_restore_profile *p);

/* Makes every backup profile in st exactly the backup's content, in one transaction (st must not
 * have one open). The profile key itself is kept (so its place among its siblings stays) and
 * everything inside it is replaced by the backup's keys and values in the backup's order. Returns
 * 0 when committed; on any failure the transaction is rolled back and the error returned
 * (*rollback_failed set to 1 when even the rollback failed). */
int pm_restore_apply(struct pm_restore *r, struct pm_store *st, int *rollback_failed,
                     struct pm_error *err);

#endif
