/* The profilemanager tool: one file per command, all on the public libpm API. */
#ifndef PM_CLI_H
#define PM_CLI_H

#include "pm/pm.h"
#include "pm/progress.h"

/* Each command gets argv with argv[0] = the command name and returns an exit code (pm_exit). */
int cmd_update(int argc, char **argv);
int cmd_restore(int argc, char **argv);
/* cmd-restore-outside.c: a backup of settings outside the profile ("*.outside.reg"). */
int cli_is_outside_backup(const char *path);
int cmd_restore_outside(const char *backup, const char *store_spec, int dry_run, int force);
/* cmd-autod-files.c: the cached Autodiscover files in update and restore. Print: the update's
 * findings. Restore check: when a manifest lies beside 'backup' and the store is live, checks it
 * and the copies (nothing written); -1 to go on, or the exit code (*why set). Apply: writes
 * them (a dry run lists them), logs a "restore" event per file; the exit code. */
struct pm_update;
struct pm_autod_restore;
struct pm_log;
void cli_print_autod_files(const struct pm_update *u);
int cli_autod_restore_check(const char *backup, const char *store_spec, int force,
                            struct pm_autod_restore *r, const char **why);
int cli_autod_restore_apply(struct pm_autod_restore *r, int dry_run, struct pm_log *log,
                            const char **why);
int cmd_report(int argc, char **argv);
int cmd_puf(int argc, char **argv);
int cmd_shortcut(int argc, char **argv);
int cmd_package(int argc, char **argv);
int cmd_cleanup(int argc, char **argv);

/* Runs the tool on UTF-8 arguments (main() on POSIX, wmain() on Windows call it). */
int pm_cli_main(int argc, char **argv);
/* 1 when the arguments only ask for help or the version (nothing runs, nothing is written). */
int pm_cli_is_info(int argc, char **argv);

/* A run's id for its log lines: "<UTC time>-<pid>". */
void cli_run_id(char out[64]);
/* Opens the run log in LogFolder ('configured', may be NULL: then Logs beside the executable),
 * else in Profile.Logs in the user's home. NULL (with a warning on stderr) when neither works. */
struct pm_log *cli_open_log(const char *configured, const char *computer, const char *user,
                            const char *run_id);
/* The MapiClients (comma-separated image names) running for this user, after waiting up to
 * wait_seconds for them to exit: their number, names in 'found'; 0 when none. */
int cli_mapi_clients(const char *mapi_clients, int wait_seconds, struct pm_log *log,
                     struct pm_strlist *found);
/* MapiClients split into image names (blanks around each trimmed, empty ones dropped). */
int cli_mapi_names(const char *mapi_clients, struct pm_strlist *names);
/* Appends the names in 'l' to 'out', comma-separated (as the log's processes field has them). */
void cli_join_names(struct pm_buf *out, const struct pm_strlist *l);

/* The watch mode of update (cmd-update-watch.c): one watcher per user, waiting on the MAPI
 * clients' processes and saying so in the log and the status key. */
struct cli_watch {
    struct pm_strlist names; /* MapiClients */
    struct pm_log *log;
    int seconds;             /* how long the whole watch may last */
    uint64_t start_ms;       /* pm_os_monotonic_ms when it began */
    uint64_t exit_ms;        /* when the last client was seen gone; 0 before any wait */
    unsigned waits;          /* waits done (0: the watch never had to wait) */
    unsigned restarts;       /* clients that started again before the commit */
    struct pm_buf started;   /* the clients the gate last found running, comma-separated */
    void *lock;              /* the per-user "watch" lock */
};
/* Takes the per-user watch lock without waiting (1), or another watch holds it (0), <0 error. */
int cli_watch_begin(struct cli_watch *w, const char *mapi_clients, int seconds,
                    struct pm_log *log);
/* Waits for the clients named in 'held' (the ones running now) to exit, having logged a "wait"
 * event and, when 'status_store' is given, written the status key "Waiting"; at low priority
 * during the wait only (pm_os_background), so the update after it runs at full speed. 0 when they all
 * exited (w->exit_ms set), 1 when the watch's time is up, <0 when they cannot be waited for. */
int cli_watch_wait(struct cli_watch *w, const char *held, const char *status_store,
                   unsigned long pending, const char *log_path);
/* pm_apply_gate_fn for pm_update_opts.gate: 1 when a client of w (ctx) runs now. */
int cli_watch_gate(void *ctx, struct pm_error *err);
/* Logs "watch.end" (when the watch waited) with the latency from the last client's exit to
 * 'commit_ms' (0: nothing committed), and releases the lock. */
void cli_watch_end(struct cli_watch *w, const char *result, uint64_t commit_ms);

/* The options update, restore and cleanup share: --config FILE, --store SPEC (also with '='),
 * --dry-run. 1 when argv[*i] was one of them (*i then past its value), 0 when not, -1 (message
 * printed) when its value is missing. 'cmd' names the command in messages. */
int cli_store_option(const char *cmd, int argc, char **argv, int *i, const char **config,
                     const char **store, int *dry_run);

/* The folders a run of this user may have written its backup to: pm_update_backup_dir for the
 * configured (or default) log folder, then the user's own Profile.Logs\Backups. Appended to dirs;
 * 0 or <0. cleanup and restore --latest look there. */
int cli_backup_dirs(const struct pm_config *cfg, struct pm_strlist *dirs);

/* Usage errors, worded the same by every command (cli-args.c). */
/* 1 when argv[*i] is option 'name' ("name VALUE" or "name=VALUE"): *value set, *i past it; 0 when
 * it is another word; -1 after printing "CMD: option 'NAME' needs a value" (no value, an empty
 * one, or the next word is a long option). */
int cli_opt_value(const char *cmd, int argc, char **argv, int *i, const char *name,
                  const char **value);
/* The entry of 'valid' (NULL-terminated) within edit distance 2 of 'word' (the part before any
 * '='), the closest first; NULL when none. */
const char *cli_suggest(const char *word, const char *const *valid);
/* "CMD: unknown option 'X' (did you mean --Y?)", or "unexpected argument" for a non-option. */
void cli_unknown_arg(const char *cmd, const char *arg, const char *const *valid);
/* "CMD: unknown subcommand 'X' (did you mean Y?); one of: A, B" ('word' NULL: none given). */
void cli_unknown_subcommand(const char *cmd, const char *word, const char *const *valid);
/* 0 when spec is NULL or a store this binary can open; else -1 after printing why. Commands
 * call it before reading any config, so a bad --store never gets further. */
int cli_check_store(const char *cmd, const char *spec);

/* The deployment scripts of packaging/scripts, built in (generated pm-scripts.c): name, bytes,
 * size; the list ends with a NULL name. `package` puts them in the zip under scripts/. */
struct cli_packaged_file {
    const char *name;
    const unsigned char *data;
    size_t len;
};
extern const struct cli_packaged_file cli_packaged_scripts[];

/* Progress on stderr (cli-progress.c). 'mode': 1 for --progress, 0 for --no-progress, -1 when
 * neither was given (then shown only when stderr is a terminal). */
struct cli_progress {
    struct pm_progress p;
    const char *what, *unit;
    uint64_t start_ms, last_ms, every_ms;
    size_t width;
    int tty, shown, finished;
};
/* 1 when 'arg' is --progress or --no-progress (*mode set), else 0. */
int cli_progress_option(const char *arg, int *mode);
/* The callback to hand to libpm, or NULL when progress is not to be shown. */
const struct pm_progress *cli_progress_start(struct cli_progress *cp, const char *what,
                                             const char *unit, int mode);
/* Ends the progress line, also when the operation stopped before 100%. */
void cli_progress_end(struct cli_progress *cp);
/* Clears a progress line drawn on the terminal, so a message printed to stderr next starts a
 * line of its own; the progress is drawn again at its next update. */
void cli_progress_interrupt(void);

/* Says why the single-run lock was not taken (rc: pm_os_lock_acquire's 0, another run holds it,
 * or <0, it cannot be taken at all), on stderr and in the log, ending "nothing <done>". */
void cli_lock_refused(struct pm_log *log, int rc, const char *done);

/* Prints "profilemanager: <msg>" to stderr. */
void cli_error(const char *fmt, ...) PM_PRINTF(1, 2);
void cli_print_error(const struct pm_error *err);

#endif
