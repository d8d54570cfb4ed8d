/* Writes a folder of run logs as a fleet of desktops leaves them on the Logs share, plus a roster
 * and the totals a correct report must show, for the report's suites and its benchmark.
 * Each user/computer gets 1 to 4 runs on successive days; the latest run decides its state:
 * updated, already current, not migrated yet, deferred (Outlook running), failed (rolled back or
 * bad config), incomplete (killed: no run.end), dry run; some logs carry a corrupt line, some
 * policy warnings; the roster lists 3% more users who never ran.
 * Usage: mklogs OUTDIR COUNT
 * Writes OUTDIR/logs/<COMPUTER>_<user>.log, OUTDIR/roster.csv and OUTDIR/expected.txt
 * ("<name> <count>" lines: statuses, mailbox totals, bad_files, day YYYY-MM-DD). */
#include "compat.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pm/log.h"

static struct pm_buf out;
static char run_id[64];
static long long now;

static void ev(const char *event, ...)
{
    char ts[32];
    pm_log_timestamp(now, ts);
    now += 1;
    pm_buf_puts(&out, ts);
    pm_log_field(&out, "run", run_id);
    pm_log_field(&out, "event", event);
    va_list ap;
    va_start(ap, event);
    const char *k;
    while ((k = va_arg(ap, const char *)) != NULL) {
        const char *v = va_arg(ap, const char *);
        if (v)
            pm_log_field(&out, k, v);
    }
    va_end(ap);
    pm_buf_putc(&out, '\n');
}

enum kind { K_UPDATED, K_CURRENT, K_NOTMIG, K_DEFER, K_ROLLBACK, K_CONFIG, K_INCOMPLETE, K_DRY };

static unsigned long day_updates[400];
static unsigned long st[8], mbx_up, mbx_cur, mbx_not, mbx_fail, mbx_would, mbx_defer, bad_files;
static unsigned long policy;

/* One run; 'state' is what every mailbox of the run says. */
static void run(const char *user, const char *pc, unsigned nmbx, const char *state,
                const char *result, int exitc, int dry, int policy_warn, int end, unsigned day)
{
    snprintf(run_id, sizeof(run_id), "2026%04uT0800-%u", day, (unsigned)(now % 100000));
    char ex[8];
    snprintf(ex, sizeof(ex), "%d", exitc);
    ev("run.start", "version", "0.1.0", "user", user, "computer", pc, "exe",
       "\\\\fs01\\netlogon\\ProfileManager\\ProfileManager.exe", "config",
       "\\\\fs01\\netlogon\\ProfileManager\\prof.config", "puf",
       "\\\\fs01\\netlogon\\ProfileManager\\mbm.puf", "puf_bytes", "1843200", "store", "live",
       "mode", dry ? "dry-run" : "update", NULL);
    if (!strcmp(result, "config_error")) {
        ev("error", "msg",
           "prof.config:12: unknown value 'maybe' for 'BackupDir' (expected a folder)", NULL);
    } else {
        ev("puf.lookup", "queries", "2", "used_index", "1", "bytes_read", "8192", "note",
           "index current", NULL);
        ev("profile", "root", "Office 16.0", "name", "Outlook", "default", "1", "accounts", "1",
           "services", "3", NULL);
        for (unsigned m = 0; m < nmbx; m++) {
            char dn[256], tgt[256];
            snprintf(dn, sizeof(dn),
                     "/o=Contoso/ou=Exchange Administrative Group "
                     "(FYDIBOHF23SPDLT)/cn=Recipients/cn=%s%s",
                     user, m ? "-shared" : "");
            snprintf(tgt, sizeof(tgt),
                     "/o=ExchangeLabs/ou=Exchange Administrative Group "
                     "(FYDIBOHF23SPDLT)/cn=Recipients/cn=%s%s",
                     user, m ? "-shared" : "");
            int up = !strcmp(state, "updated"), cur = !strcmp(state, "current");
            ev("mailbox", "profile", "Outlook", "account", "Exchange", "role",
               m ? "delegate" : "primary", "dn", dn, "state", state, "reason",
               !strcmp(state, "not_migrated") ? "not in the PUF" : NULL, "puf_line",
               up || cur ? "1207" : NULL, "target", up || cur ? tgt : NULL, NULL);
            if (up)
                ev("change", "profile", "Outlook", "key",
                   "Software\\Microsoft\\Office\\16."
                   "0\\Outlook\\Profiles\\Outlook\\13dbb0c8aa05101a9bb000aa002fc45a",
                   "value", "001f6612", "op", "set", "old", "EXCH01", "new", "guid@fabrikam.com",
                   "rule", "home-server", NULL);
        }
        if (policy_warn)
            ev("policy.warning", "key",
               "HKCU\\Software\\Policies\\Microsoft\\Office\\16.0\\Outlook\\AutoDiscover", "value",
               "ExcludeExplicitO365Endpoint", "data", "1", "msg",
               "AutoDiscover is told to skip Office 365", NULL);
        if (!strcmp(result, "in_use"))
            ev("in_use", "processes", "OUTLOOK.EXE", "files", NULL, NULL);
        if (!strcmp(result, "rolled_back"))
            ev("error", "msg",
               "cannot write "
               "'HKCU\\Software\\Microsoft\\Office\\16.0\\Outlook\\Profiles\\Outlook': access "
               "denied",
               NULL);
    }
    if (!end)
        return;
    unsigned nup = !strcmp(state, "updated") && !strcmp(result, "ok") ? nmbx : 0;
    char n[16], nc[16], nn[16];
    snprintf(n, sizeof(n), "%u", nup);
    snprintf(nc, sizeof(nc), "%u", !strcmp(state, "current") ? nmbx : 0);
    snprintf(nn, sizeof(nn), "%u", !strcmp(state, "not_migrated") ? nmbx : 0);
    ev("run.end", "result", result, "exit", ex, "updated", n, "current", nc, "not_migrated", nn,
       "skipped", "0", "failed", !strcmp(result, "rolled_back") ? "1" : "0", "policy_warnings",
       policy_warn ? "1" : "0", "duration_ms", "412", NULL);
    if (nup && !dry)
        day_updates[day] += nup;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: mklogs OUTDIR COUNT\n");
        return 2;
    }
    const char *dir = argv[1];
    unsigned count = (unsigned)atol(argv[2]);
    char path[4096];
    snprintf(path, sizeof(path), "%s/logs", dir);
    mkdir(dir, 0777);
    mkdir(path, 0777);
    snprintf(path, sizeof(path), "%s/roster.csv", dir);
    FILE *roster = fopen(path, "wb");
    if (!roster)
        return 1;
    fputs("user,computer\r\n", roster);
    pm_buf_init(&out, 0);
    for (unsigned i = 0; i < count; i++) {
        char user[64], pc[64];
        if (i % 97 == 5)
            snprintf(user, sizeof(user), "j\xc3\xbcrgen.m%u", i); /* non-ASCII user */
        else
            snprintf(user, sizeof(user), "user%05u", i);
        snprintf(pc, sizeof(pc), "PC-%05u", i);
        fprintf(roster, "%s,%s\r\n", user, pc);
        pm_buf_reset(&out);
        unsigned base = 300 + i % 20; /* day numbers; 300 = 2026-10-28 (1793145600) */
        unsigned nruns = 1 + i % 4, k = i % 100, nmbx = 1 + (i % 3 == 0);
        int pw = k >= 90;
        now = 1793145600LL + (long long)(base - 300) * 86400 + (i % 3600);
        enum kind kind;
        if (k < 50)
            kind = nruns == 1 ? K_UPDATED : K_CURRENT;
        else if (k < 60)
            kind = K_NOTMIG;
        else if (k < 70)
            kind = K_DEFER;
        else if (k < 75)
            kind = K_ROLLBACK;
        else if (k < 77)
            kind = K_CONFIG;
        else if (k == 77)
            kind = K_INCOMPLETE;
        else if (k == 78)
            kind = K_DRY;
        else if (k < 90)
            kind = K_UPDATED, nruns = 1;
        else
            kind = K_CURRENT, nruns = nruns < 2 ? 2 : nruns;
        for (unsigned rnum = 0; rnum < nruns; rnum++) {
            unsigned day = base + rnum;
            now = 1793145600LL + (long long)(day - 300) * 86400 + 8 * 3600 + (i % 3600);
            int last = rnum + 1 == nruns;
            if (k == 79 && rnum == 0) /* a crash left binary junk in the log */
                pm_buf_append(&out, "\0\0\0\0garbage from a crash\n", 25);
            switch (kind) {
            case K_UPDATED:
                run(user, pc, nmbx, last ? "updated" : "not_migrated", "ok", 0, 0, pw, 1, day);
                break;
            case K_CURRENT:
                run(user, pc, nmbx, rnum == 0 ? "updated" : "current", "ok", 0, 0, pw, 1, day);
                break;
            case K_NOTMIG:
                run(user, pc, nmbx, "not_migrated", "ok", 0, 0, pw, 1, day);
                break;
            case K_DEFER:
                run(user, pc, nmbx, last ? "updated" : "not_migrated", last ? "in_use" : "ok",
                    last ? 5 : 0, 0, pw, 1, day);
                break;
            case K_ROLLBACK:
                run(user, pc, nmbx, "updated", last ? "rolled_back" : "ok", last ? 6 : 0, 0, pw, 1,
                    day);
                break;
            case K_CONFIG:
                run(user, pc, 0, "none", "config_error", 3, 0, 0, 1, day);
                break;
            case K_INCOMPLETE:
                run(user, pc, nmbx, "not_migrated", "ok", 0, 0, pw, !last, day);
                break;
            case K_DRY:
                run(user, pc, nmbx, "updated", "ok", 0, 1, pw, 1, day);
                break;
            }
        }
        /* expected totals from the last run */
        static const int status_of[] = {0, 1, 2, 3, 4, 4, 5, 6};
        st[status_of[kind]]++;
        if (kind == K_UPDATED)
            mbx_up += nmbx;
        else if (kind == K_CURRENT)
            mbx_cur += nmbx;
        else if (kind == K_NOTMIG || kind == K_INCOMPLETE)
            mbx_not += nmbx;
        else if (kind == K_DEFER)
            mbx_defer += nmbx; /* planned, not done: Outlook was running */
        else if (kind == K_ROLLBACK)
            mbx_fail += nmbx;
        else if (kind == K_DRY)
            mbx_would += nmbx;
        if (pw && kind != K_CONFIG)
            policy++;
        if (k == 79)
            bad_files++;
        snprintf(path, sizeof(path), "%s/logs/%s_%s.log", dir, pc, user);
        FILE *f = fopen(path, "wb");
        if (!f || fwrite(out.data, 1, out.len, f) != out.len || fclose(f) != 0)
            return 1;
    }
    unsigned never = count * 3 / 100;
    for (unsigned i = 0; i < never; i++)
        fprintf(roster, "newuser%05u,PC-N%05u\r\n", i, i);
    fclose(roster);
    snprintf(path, sizeof(path), "%s/expected.txt", dir);
    FILE *e = fopen(path, "wb");
    if (!e)
        return 1;
    static const char *names[] = {"updated", "current",    "not_migrated", "deferred",
                                  "failed",  "incomplete", "dry_run"};
    for (int s = 0; s < 7; s++)
        fprintf(e, "%s %lu\n", names[s], st[s]);
    fprintf(e,
            "never_ran %u\nmbx_updated %lu\nmbx_current %lu\nmbx_not_migrated %lu\n"
            "mbx_failed %lu\nmbx_would_update %lu\nmbx_deferred %lu\nbad_files %lu\npolicy %lu\n",
            never, mbx_up, mbx_cur, mbx_not, mbx_fail, mbx_would, mbx_defer, bad_files, policy);
    for (unsigned d = 0; d < 400; d++) {
        if (!day_updates[d])
            continue;
        char ts[32];
        pm_log_timestamp(1793145600LL + (long long)(d - 300) * 86400, ts);
        fprintf(e, "day %.10s %lu\n", ts, day_updates[d]);
    }
    fclose(e);
    pm_buf_release(&out);
    return 0;
}
