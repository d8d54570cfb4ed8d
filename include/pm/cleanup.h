/* Lifecycle housekeeping after a migration: the user's old OST files (renamed
 * "<file>.ost.pre-migration" by OstAction=rename) in the folders the user's profiles keep OST
 * files in, and the user's own backups ("<COMPUTER>_<user>-<run id>.reg", with the
 * "<COMPUTER>_<user>-<run id>.outside.reg" beside one when present) in the backup folders, of which
 * the newest BackupKeep stay. Every removal (or, in a dry run, every one that would be made) is
 * logged as a "cleanup" event and reported to the caller. Nothing else is touched: files of other
 * users, other names, and folders are never removed. */
#ifndef PM_CLEANUP_H
#define PM_CLEANUP_H

#include "pm/error.h"
#include "pm/util.h"

struct pm_model;
struct pm_log;

struct pm_cleanup_opts {
    const char *computer, *user; /* whose backups (as in their file names) */
    long long now;               /* seconds since 1970 */
    unsigned older_than_days;    /* only files last written at least this long ago; 0: all */
    unsigned backup_keep;        /* the newest this many backups always stay */
    int dry_run;                 /* report and log what would go; remove nothing */
    struct pm_log *log;          /* NULL: no log */
};

struct pm_cleanup_stats {
    unsigned osts;            /* .ost.pre-migration files removed (or that would be) */
    unsigned backups;         /* backups removed (or that would be), .outside.reg not counted */
    unsigned kept;            /* backups kept: the newest backup_keep, or too recent */
    unsigned failed;          /* removals that failed */
    unsigned long long bytes; /* bytes freed (or that would be) */
};

/* The folders that hold the user's OST files: the folder of every OST path (001f6610, 001e6610)
 * in any section of the model's accounts, and each profile's ForceOSTPath folder. Appended to
 * 'dirs' once each (compared ignoring case). 0 or PM_ERR_NOMEM. */
int pm_cleanup_ost_dirs(const struct pm_model *m, struct pm_strlist *dirs);

/* The user's backups in 'dirs' (full paths), newest first (by the run id in the name, which
 * starts with the UTC time). ".outside.reg" companions are not listed. 0 or PM_ERR_NOMEM; a
 * folder that cannot be listed has none. */
int pm_cleanup_list_backups(const struct pm_strlist *dirs, const char *computer, const char *user,
                            struct pm_strlist *out);

/* Removes (or with dry_run only reports) the old OST files in ost_dirs and the user's backups in
 * backup_dirs beyond the newest backup_keep. Each file is reported through 'report' (where = the
 * path; msg = "removed", "would remove", or why it could not be removed) and logged. Returns 0,
 * or PM_ERR_NOMEM; failed removals are counted in st->failed, not returned. */
int pm_cleanup_run(const struct pm_cleanup_opts *o, const struct pm_strlist *ost_dirs,
                   const struct pm_strlist *backup_dirs, struct pm_cleanup_stats *st,
                   pm_diag_fn report, void *ctx);

#endif
