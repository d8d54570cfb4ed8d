/* The watch mode of update (`--wait-exit`, WatchOutlook): the answer to a user who locked the PC
 * with Outlook open. Instead of exiting "in use", the run stays, one per user (its own "watch"
 * lock, so a logon-script run is never held up by it), at low priority, and sleeps on the MAPI
 * clients' process handles: no polling, so it wakes the moment the last client exits and the
 * update runs at once, before the user can reopen Outlook and before Autodiscover half-rewrites
 * the profile. The gate asks again right before the first write; a client that started in
 * between sends the watch back to sleep with nothing written. cmd-update.c drives the steps. */
#include "cli.h"

#include "pm/logschema.h"
#include "pm/status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef PM_TEST_HOOKS
/* Test builds only: PM_TEST_WATCH_GATE=DIR holds the gate open. At its Nth call it creates
 * DIR/gateN and waits (30 s at most) for DIR/goN, so a test can start a client exactly between
 * the exit and the commit. */
static void test_gate_pause(void)
{
    static unsigned calls;
    const char *dir = getenv("PM_TEST_WATCH_GATE");
    if (!dir || !*dir)
        return;
    char at[1024], go[1024];
    calls++;
    snprintf(at, sizeof(at), "%s/gate%u", dir, calls);
    snprintf(go, sizeof(go), "%s/go%u", dir, calls);
    FILE *f = fopen(at, "w");
    if (f)
        fclose(f);
    for (int i = 0; i < 3000 && !pm_os_file_exists(go); i++)
        pm_os_sleep_ms(10);
}
#endif

int cli_watch_begin(struct cli_watch *w, const char *mapi_clients, int seconds, struct pm_log *log)
{
    memset(w, 0, sizeof(*w));
    w->log = log;
    w->seconds = seconds;
    w->start_ms = pm_os_monotonic_ms();
    if (cli_mapi_names(mapi_clients, &w->names) < 0)
        return PM_ERR_NOMEM;
    /* Never waits: the scheduled task fires at every logon and unlock, and one watcher is
     * enough. The update lock is taken apart, only around reading and writing. */
    int rc = pm_os_lock_acquire("watch", 0, &w->lock);
    if (rc <= 0) {
        w->lock = NULL;
        return rc;
    }
    return 1;
}

/* Writes the status key "Waiting" on the user's registry (live runs). */
static void watch_status(struct cli_watch *w, const char *store_spec, const char *held,
                         unsigned long pending, const char *log_path)
{
    struct pm_store *st = NULL;
    struct pm_error err;
    pm_error_clear(&err);
    struct pm_status s = {.time = pm_os_time_now(),
                         .exit_code = PM_EXIT_IN_USE,
                         .pending = pending,
                         .version = PM_VERSION,
                         .log_path = log_path,
                         .action = "update"};
    if (pm_store_open(&st, store_spec, 0, &err) < 0 ||
        pm_status_write_waiting(st, &s, held, &err) < 0)
        pm_log_event(w->log, PM_EV_WARNING, PM_F_MSG, "cannot write the status key", NULL);
    pm_store_close(st);
}

int cli_watch_wait(struct cli_watch *w, const char *held, const char *status_store,
                   unsigned long pending, const char *log_path)
{
    uint64_t now = pm_os_monotonic_ms();
    uint64_t end = w->start_ms + (uint64_t)w->seconds * 1000u;
    if (now >= end)
        return 1;
    char secs[24];
    snprintf(secs, sizeof(secs), "%" PM_PRIu64, PM_U64((end - now + 999) / 1000));
    pm_log_event(w->log, PM_EV_WAIT, PM_F_PROCESSES, held, PM_F_SECONDS, secs, PM_F_MODE, "watch",
                 NULL);
    if (status_store)
        watch_status(w, status_store, held, pending, log_path);
    /* The run so far and the wait are on the share before a wait that may last hours (log lines
     * are otherwise held until the run's next write point). */
    pm_log_flush(w->log);
    w->waits++;
    pm_os_background(1);
    int rc = pm_os_wait_processes((const char *const *)w->names.items, w->names.n,
                                  (unsigned long)(end - now));
    if (rc == 0)
        w->exit_ms = pm_os_monotonic_ms();
    pm_os_background(0);
    return rc;
}

int cli_watch_gate(void *ctx, struct pm_error *err)
{
    struct cli_watch *w = ctx;
    (void)err;
#ifdef PM_TEST_HOOKS
    test_gate_pause();
#endif
    struct pm_strlist found = PM_STRLIST_INIT;
    int n = pm_os_find_processes((const char *const *)w->names.items, w->names.n, &found);
    if (n > 0) {
        w->restarts++;
        pm_buf_reset(&w->started);
        cli_join_names(&w->started, &found);
    }
    pm_strlist_release(&found);
    /* A list that cannot be taken is no reason to stop: the check before the plan had one. */
    return n > 0 ? 1 : 0;
}

void cli_watch_end(struct cli_watch *w, const char *result, uint64_t commit_ms)
{
    if (w->waits) {
        char lat[24] = "", waited[24], waits[16], restarts[16];
        if (commit_ms && w->exit_ms && commit_ms >= w->exit_ms)
            snprintf(lat, sizeof(lat), "%" PM_PRIu64, PM_U64(commit_ms - w->exit_ms));
        snprintf(waited, sizeof(waited), "%" PM_PRIu64,
                 PM_U64((w->exit_ms ? w->exit_ms : pm_os_monotonic_ms()) - w->start_ms));
        snprintf(waits, sizeof(waits), "%u", w->waits);
        snprintf(restarts, sizeof(restarts), "%u", w->restarts);
        pm_log_event(w->log, PM_EV_WATCH_END, PM_F_RESULT, result, PM_F_LATENCY_MS,
                     *lat ? lat : NULL, PM_F_WAITED_MS, waited, PM_F_WAITS, waits, PM_F_RESTARTS,
                     restarts, NULL);
    }
    pm_strlist_release(&w->names);
    pm_buf_release(&w->started);
    if (w->lock)
        pm_os_lock_release(w->lock);
    w->lock = NULL;
}
