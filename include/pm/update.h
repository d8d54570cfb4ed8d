/* The update run as library steps: begin (what store, which config, live or offline: decided
 * here once), read (open the store, read the profile model), resolve (collect the model's
 * questions and answer them from the PUF), plan, apply (backup, one transaction, file moves) and
 * end (the status key on the user's own registry, release). The update command, the tests and the
 * fuzzers run the same steps; the command adds option parsing, the lock, printing and RunAfter.
 * Each step writes its events to the run log when one is given (pm/logschema.h names them). */
#ifndef PM_UPDATE_H
#define PM_UPDATE_H

#include <stddef.h>

#include "pm/apply.h"
#include "pm/autodfiles.h"
#include "pm/config.h"
#include "pm/error.h"
#include "pm/log.h"
#include "pm/outside.h"
#include "pm/plan.h"
#include "pm/policy.h"
#include "pm/profile.h"
#include "pm/puf.h"
#include "pm/pufcache.h"
#include "pm/store.h"
#include "pm/util.h"

#define PM_UPDATE_DRY_RUN 0x1u  /* read-only store; apply only logs what it would change */
#define PM_UPDATE_NO_INDEX 0x2u /* scan the PUF even when its index is current */
/* The status key goes into an offline store too (test builds check its values in a .reg file;
 * the tool writes it only to the user's own registry). */
#define PM_UPDATE_STATUS_ANY_STORE 0x4u
#define PM_UPDATE_NO_STATUS 0x8u /* pm_update_end writes no status key (a run that gave way) */

/* What one call on the share said of a file at the start of a run (pm_os_file_id). */
struct pm_update_probe {
    int found; /* the file exists and 'id' is its identity */
    struct pm_file_id id;
    int others;      /* someone other than the administrators and its owner can change it */
    const char *why; /* who, when 'others' */
};

/* Where a run's answers came from, as puf.lookup's "cache" field says it. */
enum pm_update_cache {
    PM_UPDATE_CACHE_OFF = 0, /* no cache (none configured, an answer function, a dry run's miss) */
    PM_UPDATE_CACHE_HIT,     /* every answer from the cache: the PUF was not opened */
    PM_UPDATE_CACHE_MISS,    /* asked the PUF; the cache was written anew when it could be */
    PM_UPDATE_CACHE_PARTIAL, /* some answers from the cache, the rest from the index without
                                proving it again; the cache written anew when it could be */
};

/* Answers the queries in place as pm_puf_resolve does (match, owned entry strings), for runs
 * without a PUF file (tests, fuzzers). 0 or <0 with err set. */
typedef int (*pm_update_answer_fn)(void *ctx, struct pm_puf_query *q, size_t nq,
                                   struct pm_error *err);

struct pm_update_opts {
    const char *store_spec; /* "live", "reg:FILE", "hive:FILE", "mem:"; unused when 'store' set */
    struct pm_store *store; /* an open store to run on (the caller closes it), or NULL */
    const char *puf_path;   /* NULL: the config's PufFile */
    FILE *puf; /* that PUF already open (the caller's to close; pm_puf_resolve_open), or NULL */
    unsigned flags;             /* PM_UPDATE_* */
    struct pm_log *log;         /* events go here; NULL: none */
    pm_update_answer_fn answer; /* NULL: the PUF file answers */
    void *answer_ctx;
    /* Handle the cached Autodiscover files of %LOCALAPPDATA% as a live run does, on any store
     * (tests: an offline store stands for the user's registry). */
    int files_any_store;
    pm_apply_gate_fn gate; /* asked right before the first write (pm/apply.h); NULL: none */
    void *gate_ctx;
    /* The local answer cache (pm/pufcache.h): the file, or NULL for none (PufCache=no,
     * --no-index). Used only with both probes. */
    const char *cache_path;
    /* The PUF and its index as the run found them at its start, one call on the share each: the
     * identities the cache must match, and pm_update_check_trust's answers about them (it asks
     * nothing more). NULL: not looked at. */
    const struct pm_update_probe *puf_probe, *idx_probe;
    /* The same answer about prof.config, asked of it as it was read (pm_config_load_trust).
     * NULL: pm_update_check_trust asks by its path. */
    const struct pm_update_probe *cfg_probe;
};

/* Mailboxes by decision, as run.end records them. */
struct pm_update_counts {
    unsigned long updated, current, not_migrated, skipped, failed, policy_warnings;
    unsigned long outside; /* settings outside the profile found (pm/outside.h) */
};

struct pm_update {
    /* begin */
    const struct pm_config *cfg;
    struct pm_update_opts o;
    int live; /* the store is the running user's own registry (backend "live") */
    struct pm_store *st;
    int own_store;
    /* read */
    struct pm_model model;
    /* resolve */
    struct pm_strlist dns;  /* the questions, in the order they were collected */
    struct pm_puf_query *q; /* q[i].dn points into dns */
    size_t nq;
    struct pm_puf_stats stats;
    struct pm_puf_cache cache; /* the cache file as read (pm_update_cache_ready) */
    int cache_read;            /* 0 not read yet, 1 read and for this PUF, -1 not usable */
    int cache_state;           /* enum pm_update_cache */
    /* plan */
    struct pm_plan plan;
    struct pm_policy_report policy;
    struct pm_outside outside; /* settings outside the profile (pm/outside.h) */
    struct pm_autod autod;     /* cached Autodiscover files (pm/autodfiles.h) */
    char *autod_dir;           /* the folder they were looked for in; NULL: not looked at */
    /* apply */
    struct pm_apply_result res;
    int backup_fallback; /* the backup went to the fallback path (pm_update_apply_fallback) */
    int applied;         /* the plan was committed (not a dry run, not empty) */
    struct pm_update_counts n;
};

/* Records the run's settings and decides whether it runs on the live registry. No I/O. 'cfg'
 * and the strings in 'o' must outlive the run. */
void pm_update_begin(struct pm_update *u, const struct pm_config *cfg,
                     const struct pm_update_opts *o);
/* Opens the store (unless one was given; read-only for a dry run) and reads the model; logs
 * one "profile" event per profile. Oddities go to 'warn'. <0 when the store cannot be opened
 * (then u->st is NULL) or read. */
int pm_update_read(struct pm_update *u, pm_diag_fn warn, void *ctx, struct pm_error *err);
/* Collects every question the model asks (pm_plan_queries) and answers it: from the answer
 * function when one was given, else in one pass over the PUF (or its index). Logs "puf.lookup".
 * Malformed PUF lines go to 'warn'. <0 when the PUF cannot be read. */
int pm_update_resolve(struct pm_update *u, pm_diag_fn warn, void *ctx, struct pm_error *err);
/* Reads the local answer cache once (a damaged one is a "warning" event naming its line, and is
 * written anew by the lookup) and says whether it was made for the PUF as it is now: 1 when it
 * may answer (a question it lacks still sends the run to the PUF), else 0. No call on the share:
 * the caller opens the PUF at once, as the readable check, only when this is 0. */
int pm_update_cache_ready(struct pm_update *u);
/* Builds the plan; logs one "mailbox" event per decision and counts them in u->n; checks the
 * Group Policy settings (u->policy, "policy.warning" events) and logs the X500 hint after a
 * move. <0 on allocation failure. */
int pm_update_plan(struct pm_update *u, struct pm_error *err);
/* The OST files (PR_PROFILE_OFFLINE_STORE_PATH, Unicode or ANSI) of the accounts the plan
 * updates, each once: what must not be held open by another process before applying. */
int pm_update_osts(const struct pm_update *u, struct pm_strlist *out);
/* Dry run: logs every planned "change" and writes nothing. Otherwise, when the plan has edits:
 * writes the backup to 'backup_path' (NULL: none), applies the plan in one transaction, renames
 * the files on a live run, and logs "backup", "change" and "ost". On failure (err set) the
 * counts move from updated to failed and u->res says whether the rollback held. When the gate
 * (opts.gate) stops the run before the first write: PM_ERR_BUSY, nothing changed. */
int pm_update_apply(struct pm_update *u, const char *backup_path, struct pm_error *err);
/* The same, and when the backup cannot be written to 'backup_path' (its folder cannot be made
 * or written), to 'fallback_path' (NULL: none): no probe file first, the write itself is the
 * test (on a share each probe is three round trips). A backup that went to the fallback is
 * logged as a warning naming both folders and sets u->backup_fallback; when neither can be
 * written, a warning says so and nothing changes. */
int pm_update_apply_fallback(struct pm_update *u, const char *backup_path,
                             const char *fallback_path, struct pm_error *err);
/* Settings outside the profile (src/lib/update-outside.c). Scan: fills u->outside after the
 * plan (a failure is logged as a warning) and logs an "outside" event per item only reported;
 * on a live run (or files_any_store) also finds the cached Autodiscover files naming a mailbox
 * the plan updates (u->autod). Act: logs an "outside" event per removable item; unless a dry
 * run, removes the removable ones first backing them up beside 'backup_path' (NULL: nothing
 * removed), and with AutodiscoverAction=clean moves the files there. A failure is a warning: the
 * profile update stands. */
void pm_update_outside_scan(struct pm_update *u);
void pm_update_outside_act(struct pm_update *u, const char *backup_path);
/* Ends the run: after a live run that is no dry run, writes the status key (exit_code, counts,
 * 'log_path'), opening the store for it when the run never got that far; a failure is logged as
 * a warning. Releases everything and closes the store the run opened. Safe after any step, and
 * right after begin with a NULL config (a run whose config could not be read: the status key
 * still records its exit code). */
void pm_update_end(struct pm_update *u, int exit_code, const char *log_path);
/* Releases what the steps built and closes the store the run opened, writing no status (the
 * second half of pm_update_end). The counts stay. pm_update_begin then starts the run afresh
 * (the watch mode, after the clients exit). Safe after any step. */
void pm_update_release(struct pm_update *u);

/* Where the backup goes: BackupFolder when set, else "Backups" in the log's folder 'log_dir'
 * (may be NULL), else <home>/Profile.Logs/Backups. */
int pm_update_backup_dir(const struct pm_config *cfg, const char *log_dir, const char *home,
                         struct pm_buf *out);
/* Chooses a backup folder that works, the way the log chooses its folder: pm_update_backup_dir's
 * answer when it exists or can be created and a file can be created in it, else the fallback
 * <home>/Profile.Logs/Backups (*fallback set to 1). Creates the folder (also for a dry run: the
 * only way to know). 0 with the folder in 'out', or PM_ERR_IO when neither works ('out' then
 * holds the first choice, where a backup attempt will fail). */
int pm_update_backup_place(const struct pm_config *cfg, const char *log_dir, const char *home,
                           struct pm_buf *out, int *fallback);
/* The backup file in 'dir': "<computer>_<user>-<run_id>.reg", characters a Windows file name
 * cannot hold replaced by '_'. */
int pm_update_backup_path(const char *dir, const char *computer, const char *user,
                          const char *run_id, struct pm_buf *out);

/* The RunAfter trust rule. (1) When a run starts a program (RunAfter set) or runs on the live
 * registry: prof.config and the PUF must not be writable by the running user ("warning"
 * events). (2) Every run: prof.config, the PUF, its index and the RunAfter program (when named by
 * a path) must not be changeable by anyone but the administrators and the owner
 * (pm_os_writable_by_others; one "security" event each). A message per finding is appended to
 * 'untrusted' (may be NULL). Returns 1 when RunAfter must not start (RequireReadOnlyConfig=yes
 * and anything was found), else 0. */
int pm_update_check_trust(const struct pm_update *u, struct pm_strlist *untrusted);

#endif
