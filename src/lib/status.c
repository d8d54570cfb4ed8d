/* The status key: after each live run the tool leaves its result in
 * HKCU\Software\ProfileManager, where a desktop-management detection rule (SCCM/Intune) or a
 * helpdesk can read it without parsing logs. docs/windows.md lists the values. The values are
 * written in one transaction so a reader never sees a new time with an old result. */
#include "compat.h"

#include "pm/log.h"
#include "pm/status.h"

#include <string.h>

static int status_sz(struct pm_store *st, const char *name, const char *text,
                     struct pm_error *err)
{
    struct pm_buf w = PM_BUF_INIT;
    int rc = pm_utf8_to_utf16le(text, strlen(text), 1, &w);
    if (rc < 0) {
        pm_buf_release(&w);
        return pm_error_set(err, rc, PM_STATUS_KEY, 0, "cannot encode value '%s'", name);
    }
    rc = pm_store_set(st, PM_STATUS_KEY, name, PM_REG_SZ, w.data, w.len, err);
    pm_buf_release(&w);
    return rc;
}

static int status_dword(struct pm_store *st, const char *name, uint32_t n, struct pm_error *err)
{
    uint8_t b[4] = {(uint8_t)n, (uint8_t)(n >> 8), (uint8_t)(n >> 16), (uint8_t)(n >> 24)};
    return pm_store_set(st, PM_STATUS_KEY, name, PM_REG_DWORD, b, sizeof(b), err);
}

static int status_qword(struct pm_store *st, const char *name, uint64_t n, struct pm_error *err)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(n >> (8 * i));
    return pm_store_set(st, PM_STATUS_KEY, name, PM_REG_QWORD, b, sizeof(b), err);
}

/* Counts above what a DWORD holds are clamped, not wrapped: a detection rule comparing
 * "Updated > 0" must never see 0 for a run that updated 2^32 mailboxes. */
static uint32_t status_clamp(unsigned long n)
{
    return n > 0xFFFFFFFFul ? 0xFFFFFFFFu : (uint32_t)n;
}

/* Writes every value in one transaction. 'result' is the Result text; 'waiting_for' names the
 * clients a watch waits for, NULL for a finished run (the value is then deleted). */
static int status_put(struct pm_store *st, const struct pm_status *s, const char *result,
                      const char *waiting_for, struct pm_error *err)
{
    char ts[32];
    pm_log_timestamp(s->time, ts);
    int rc = pm_store_begin(st, err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        rc = status_sz(st, "LastRun", ts, err);
    if (rc == 0)
        rc = status_qword(st, "LastRunTime", (uint64_t)(s->time < 0 ? 0 : s->time), err);
    if (rc == 0)
        rc = status_dword(st, "ResultCode", (uint32_t)s->exit_code, err);
    if (rc == 0)
        rc = status_sz(st, "Result", result, err);
    if (rc == 0)
        rc = status_dword(st, "Updated", status_clamp(s->updated), err);
    if (rc == 0)
        rc = status_dword(st, "Pending", status_clamp(s->pending), err);
    if (rc == 0)
        rc = status_sz(st, "Version", s->version ? s->version : "", err);
    /* Which command left the values: a restore's ResultCode=0 means "put back", not "done". */
    if (rc == 0)
        rc = status_sz(st, "Action", s->action ? s->action : "update", err);
    if (rc == 0)
        rc = waiting_for ? status_sz(st, "WaitingFor", waiting_for, err)
                         : pm_store_delete_value(st, PM_STATUS_KEY, "WaitingFor", err);
    /* A run without a log must not leave the previous run's log path behind. */
    if (rc == 0)
        rc = s->log_path ? status_sz(st, "LogFile", s->log_path, err)
                         : pm_store_delete_value(st, PM_STATUS_KEY, "LogFile", err);
    if (rc >= 0)
        rc = pm_store_commit(st, err);
    if (rc < 0) {
        if (pm_store_in_transaction(st))
            pm_store_rollback(st, NULL);
        return rc;
    }
    return 0;
}

int pm_status_write(struct pm_store *st, const struct pm_status *s, struct pm_error *err)
{
    return status_put(st, s, pm_exit_name(s->exit_code), NULL, err);
}

int pm_status_write_waiting(struct pm_store *st, const struct pm_status *s, const char *clients,
                            struct pm_error *err)
{
    /* ResultCode stays a shipped exit code (5, "retry later"); Result tells a watch from a run
     * that gave up, so a detection rule counts the user neither done nor failed. */
    struct pm_status w = *s;
    w.exit_code = PM_EXIT_IN_USE;
    w.updated = 0;
    return status_put(st, &w, PM_STATUS_WAITING, clients ? clients : "", err);
}
