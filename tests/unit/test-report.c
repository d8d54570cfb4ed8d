/* Tests of the report's reading of logs: the latest run decides, states are derived from results
 * as documented, two files of one user and computer keep the later run, corrupt and truncated
 * logs are counted and listed, roster matching, and outputs that cannot be subverted by what a
 * log contains (CSV formulas, HTML markup). */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the headers it needs */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifndef _WIN32
#include <sys/stat.h>
#include <unistd.h>
#endif

#include "pm/log.h"
#include "pm/report.h"
#include "testutil.h"

/* Builds log text: each call adds one event line; fields as key, value pairs. */
static void line(struct pm_buf *b, const char *ts, const char *run, const char *event, ...)
{
    pm_buf_puts(b, ts);
    pm_log_field(b, "run", run);
    pm_log_field(b, "event", event);
    va_list ap;
    va_start(ap, event);
    const char *k;
    while ((k = va_arg(ap, const char *)) != NULL)
        pm_log_field(b, k, va_arg(ap, const char *));
    va_end(ap);
    pm_buf_putc(b, '\n');
}

static void add(struct pm_report *r, const char *name, const struct pm_buf *b)
{
    assert_int_equal(pm_report_add_log(r, name, b->data ? b->data : "", b->len), 0);
}

static void one_run(struct pm_buf *b, const char *day, const char *run, const char *user,
                    const char *pc, const char *state, const char *result, const char *mode)
{
    char t1[32], t2[32], t3[32];
    snprintf(t1, sizeof(t1), "%sT08:00:00Z", day);
    snprintf(t2, sizeof(t2), "%sT08:00:01Z", day);
    snprintf(t3, sizeof(t3), "%sT08:00:02Z", day);
    line(b, t1, run, "run.start", "user", user, "computer", pc, "mode", mode, NULL);
    if (state)
        line(b, t2, run, "mailbox", "profile", "Outlook", "dn", "/o=A/cn=Recipients/cn=x", "state",
             state, NULL);
    if (result)
        line(b, t3, run, "run.end", "result", result, "updated",
             state && !strcmp(state, "updated") ? "1" : "0", NULL);
}

static void test_latest_run_decides(void **state)
{
    (void)state;
    struct pm_report *r;
    assert_int_equal(pm_report_new(&r), 0);
    struct pm_buf b = PM_BUF_INIT;
    /* updated on day 1, current on day 2: current, and one update counted on day 1 */
    one_run(&b, "2026-11-01", "r1", "anna", "PC1", "updated", "ok", "update");
    one_run(&b, "2026-11-02", "r2", "anna", "PC1", "current", "ok", "update");
    add(r, "PC1_anna.log", &b);
    pm_buf_reset(&b);
    /* in use after an earlier not_migrated run: deferred, the planned update is not counted */
    one_run(&b, "2026-11-01", "r1", "bert", "PC2", "not_migrated", "ok", "update");
    line(&b, "2026-11-02T08:00:00Z", "r2", "run.start", "user", "bert", "computer", "PC2", NULL);
    line(&b, "2026-11-02T08:00:01Z", "r2", "mailbox", "state", "updated", NULL);
    line(&b, "2026-11-02T08:00:02Z", "r2", "in_use", "processes", "OUTLOOK.EXE", NULL);
    line(&b, "2026-11-02T08:00:03Z", "r2", "run.end", "result", "in_use", "updated", "0", NULL);
    add(r, "PC2_bert.log", &b);
    pm_buf_reset(&b);
    /* rolled back: failed, with the error as the reason */
    one_run(&b, "2026-11-03", "r1", "carl", "PC3", "updated", NULL, "update");
    line(&b, "2026-11-03T08:00:05Z", "r1", "error", "msg", "cannot write 'HKCU\\x': denied", NULL);
    line(&b, "2026-11-03T08:00:06Z", "r1", "run.end", "result", "rolled_back", "updated", "1",
         NULL);
    add(r, "PC3_carl.log", &b);
    pm_buf_reset(&b);
    /* dry run and a killed run */
    one_run(&b, "2026-11-03", "r1", "dora", "PC4", "updated", "ok", "dry-run");
    add(r, "PC4_dora.log", &b);
    pm_buf_reset(&b);
    one_run(&b, "2026-11-03", "r1", "emil", "PC5", "not_migrated", NULL, "update");
    add(r, "PC5_emil.log", &b);
    pm_buf_reset(&b);

    struct pm_report_totals t;
    pm_report_get_totals(r, &t);
    assert_int_equal(t.files, 5);
    assert_int_equal(t.machines, 5);
    assert_int_equal(t.status[PM_RS_CURRENT], 1);
    assert_int_equal(t.status[PM_RS_DEFERRED], 1);
    assert_int_equal(t.status[PM_RS_FAILED], 1);
    assert_int_equal(t.status[PM_RS_DRY_RUN], 1);
    assert_int_equal(t.status[PM_RS_INCOMPLETE], 1);
    assert_int_equal(t.status[PM_RS_UPDATED], 0);
    assert_int_equal(t.mbx_current, 1);
    assert_int_equal(t.mbx_deferred, 1);
    assert_int_equal(t.mbx_failed, 1);
    assert_int_equal(t.mbx_would_update, 1);
    assert_int_equal(t.mbx_not_migrated, 1);
    assert_int_equal(t.mbx_updated, 0);
    assert_int_equal(t.bad_files, 0);

    struct pm_buf out = PM_BUF_INIT;
    assert_int_equal(pm_report_text(r, &out), 0);
    assert_non_null(strstr(out.data, "rolled_back: cannot write 'HKCU\\x': denied"));
    assert_non_null(strstr(out.data, "in use by OUTLOOK.EXE"));
    pm_buf_reset(&out);
    assert_int_equal(pm_report_html(r, 0, &out), 0);
    /* one update on 2026-11-01 (the dry run and the rolled-back run do not count) */
    assert_non_null(strstr(out.data, "<title>2026-11-01: 1</title>"));
    assert_null(strstr(out.data, "<title>2026-11-03"));
    pm_buf_release(&out);
    pm_buf_release(&b);
    pm_report_free(r);
}

/* Done means what the status key's detection rule means (ResultCode=0 and Pending=0): a
 * mailbox still not in the PUF keeps the user "not migrated yet" even when the same ok run
 * updated another, and once nothing is pending the user is done. */
static void test_pending_is_not_done(void **state)
{
    (void)state;
    struct pm_report *r;
    assert_int_equal(pm_report_new(&r), 0);
    struct pm_buf b = PM_BUF_INIT;
    line(&b, "2026-11-01T08:00:00Z", "r1", "run.start", "user", "anna", "computer", "PC1", "mode",
         "update", NULL);
    line(&b, "2026-11-01T08:00:01Z", "r1", "mailbox", "dn", "/o=A/cn=x", "state", "updated", NULL);
    line(&b, "2026-11-01T08:00:01Z", "r1", "mailbox", "dn", "/o=A/cn=y", "state", "not_migrated",
         NULL);
    line(&b, "2026-11-01T08:00:02Z", "r1", "run.end", "result", "ok", "exit", "0", "updated", "1",
         "not_migrated", "1", NULL);
    add(r, "PC1_anna.log", &b);
    pm_buf_reset(&b);
    /* the next day: the second mailbox migrated, the first already current */
    line(&b, "2026-11-01T08:00:00Z", "r1", "run.start", "user", "bert", "computer", "PC2", "mode",
         "update", NULL);
    line(&b, "2026-11-01T08:00:01Z", "r1", "mailbox", "dn", "/o=A/cn=x", "state", "updated", NULL);
    line(&b, "2026-11-01T08:00:01Z", "r1", "mailbox", "dn", "/o=A/cn=y", "state", "not_migrated",
         NULL);
    line(&b, "2026-11-01T08:00:02Z", "r1", "run.end", "result", "ok", "updated", "1", NULL);
    line(&b, "2026-11-02T08:00:00Z", "r2", "run.start", "user", "bert", "computer", "PC2", "mode",
         "update", NULL);
    line(&b, "2026-11-02T08:00:01Z", "r2", "mailbox", "dn", "/o=A/cn=x", "state", "current", NULL);
    line(&b, "2026-11-02T08:00:01Z", "r2", "mailbox", "dn", "/o=A/cn=y", "state", "updated", NULL);
    line(&b, "2026-11-02T08:00:02Z", "r2", "run.end", "result", "ok", "updated", "1", NULL);
    add(r, "PC2_bert.log", &b);

    struct pm_report_totals t;
    pm_report_get_totals(r, &t);
    assert_int_equal(t.status[PM_RS_NOT_MIGRATED], 1);
    assert_int_equal(t.status[PM_RS_UPDATED], 1);
    assert_int_equal(t.mbx_updated, 2);
    assert_int_equal(t.mbx_not_migrated, 1);
    struct pm_buf out = PM_BUF_INIT;
    assert_int_equal(pm_report_text(r, &out), 0);
    assert_non_null(strstr(out.data, "Done                        1 of 2 (50.0%)"));
    pm_buf_reset(&out);
    assert_int_equal(pm_report_csv(r, &out), 0);
    assert_non_null(strstr(out.data, "anna,PC1,not_migrated,1 mailbox(es) not in the PUF yet; 1 "
                                     "updated by this run,"));
    pm_buf_release(&out);
    pm_buf_release(&b);
    pm_report_free(r);
}

/* A dry run writes no status key, so it does not hide the real run before it: a user whose
 * real run was done stays done, one whose real run left a mailbox waiting stays not migrated
 * yet; only a user with nothing but dry runs is "dry run only". */
static void test_dry_run_after_real_run(void **state)
{
    (void)state;
    struct pm_report *r;
    assert_int_equal(pm_report_new(&r), 0);
    struct pm_buf b = PM_BUF_INIT;
    one_run(&b, "2026-11-01", "r1", "anna", "PC1", "current", "ok", "update");
    one_run(&b, "2026-11-02", "r2", "anna", "PC1", "updated", "ok", "dry-run");
    add(r, "PC1_anna.log", &b);
    pm_buf_reset(&b);
    one_run(&b, "2026-11-01", "r1", "bert", "PC2", "not_migrated", "ok", "update");
    one_run(&b, "2026-11-02", "r2", "bert", "PC2", "updated", "ok", "dry-run");
    one_run(&b, "2026-11-03", "r3", "bert", "PC2", "updated", "ok", "dry-run");
    add(r, "PC2_bert.log", &b);
    pm_buf_reset(&b);
    one_run(&b, "2026-11-01", "r1", "carl", "PC3", "updated", "ok", "dry-run");
    one_run(&b, "2026-11-02", "r2", "carl", "PC3", "updated", "ok", "dry-run");
    add(r, "PC3_carl.log", &b);

    struct pm_report_totals t;
    pm_report_get_totals(r, &t);
    assert_int_equal(t.machines, 3);
    assert_int_equal(t.status[PM_RS_CURRENT], 1);
    assert_int_equal(t.status[PM_RS_NOT_MIGRATED], 1);
    assert_int_equal(t.status[PM_RS_DRY_RUN], 1);
    assert_int_equal(t.mbx_would_update, 1);
    pm_buf_release(&b);
    pm_report_free(r);
}

static void test_corrupt_and_duplicates(void **state)
{
    (void)state;
    struct pm_report *r;
    assert_int_equal(pm_report_new(&r), 0);
    struct pm_buf b = PM_BUF_INIT;
    one_run(&b, "2026-11-01", "r1", "anna", "PC1", "not_migrated", "ok", "update");
    pm_buf_append(&b, "\0\0garbage\n", 10);
    one_run(&b, "2026-11-02", "r2", "anna", "PC1", "updated", "ok", "update");
    pm_buf_puts(&b, "2026-11-02T09:00:00Z run=r3 event=run.start user=\"ann"); /* cut */
    add(r, "PC1_anna.log", &b);
    pm_buf_reset(&b);
    /* an older log of the same user under the name in another case (a case-sensitive share):
     * the later run wins */
    one_run(&b, "2026-10-01", "r0", "ANNA", "pc1", "not_migrated", "ok", "update");
    add(r, "pc1_ANNA.log", &b);
    pm_buf_reset(&b);
    add(r, "empty.log", &b);
    /* no run.start: names come from the file name */
    line(&b, "2026-11-05T08:00:00Z", "x", "run.end", "result", "ok", NULL);
    add(r, "PC9_zed.log", &b);
    pm_buf_release(&b);

    struct pm_report_totals t;
    pm_report_get_totals(r, &t);
    assert_int_equal(t.files, 4);
    assert_int_equal(t.machines, 2);
    assert_int_equal(t.status[PM_RS_UPDATED], 1);
    assert_int_equal(t.status[PM_RS_CURRENT], 1);
    assert_int_equal(t.bad_files, 2);
    assert_int_equal(t.bad_lines, 2);
    struct pm_buf out = PM_BUF_INIT;
    assert_int_equal(pm_report_text(r, &out), 0);
    assert_non_null(strstr(out.data, "PC1_anna.log: corrupt or truncated lines (2 bad lines, "
                                     "first at line 4)"));
    assert_non_null(strstr(out.data, "empty.log: no event line"));
    pm_buf_reset(&out);
    assert_int_equal(pm_report_csv(r, &out), 0);
    assert_non_null(strstr(out.data, "\r\nzed,PC9,current,"));
    pm_buf_release(&out);
    pm_report_free(r);
}

static void test_roster(void **state)
{
    (void)state;
    char *d = (char *)pmt_tempdir("report");
    char roster[1024];
    snprintf(roster, sizeof(roster), "%s/roster.csv", d);
    free(d);
    const char *csv = "\xef\xbb\xbf\"UserName\",\"ComputerName\"\r\n"
                      "anna,PC1\r\nanna,PC7\r\nbert,\r\n,PC1\r\ncarl,PC3\r\n"
                      "CORP\\anna,pc1.corp.contoso.com\r\nanna@corp.contoso.com,PC1\r\n";
    assert_int_equal(pmt_write_file(roster, csv, strlen(csv)), 0);
    struct pm_report *r;
    assert_int_equal(pm_report_new(&r), 0);
    struct pm_buf b = PM_BUF_INIT;
    one_run(&b, "2026-11-01", "r1", "Anna", "pc1", "current", "ok", "update");
    add(r, "PC1_anna.log", &b);
    pm_buf_release(&b);
    struct pm_error err;
    assert_int_equal(pm_report_roster(r, roster, &err), 0);
    struct pm_report_totals t;
    pm_report_get_totals(r, &t);
    assert_int_equal(t.roster, 7);
    /* anna/PC7, bert (any computer) and carl/PC3 never ran; ",PC1" matches anna's computer, and
     * the domain forms of anna and PC1 match too */
    assert_int_equal(t.status[PM_RS_NEVER_RAN], 3);
    struct pm_buf out = PM_BUF_INIT;
    assert_int_equal(pm_report_csv(r, &out), 0);
    assert_non_null(strstr(out.data, "\r\nanna,PC7,never_ran,"));
    assert_non_null(strstr(out.data, "\r\ncarl,PC3,never_ran,"));
    pm_buf_release(&out);
    assert_int_equal(pm_report_roster(r, "/nonexistent/roster.csv", &err), PM_ERR_IO);
    pm_report_free(r);
}

static void test_hostile_values(void **state)
{
    (void)state;
    struct pm_report *r;
    assert_int_equal(pm_report_new(&r), 0);
    struct pm_buf b = PM_BUF_INIT;
    line(&b, "2026-11-01T08:00:00Z", "r1", "run.start", "user", "<script>alert(1)</script>",
         "computer", "=HYPERLINK(\"http://x\")", NULL);
    line(&b, "2026-11-01T08:00:01Z", "r1", "error", "msg", "a,b \"c\"\nd", NULL);
    line(&b, "2026-11-01T08:00:02Z", "r1", "run.end", "result", "store_error", NULL);
    char name[PM_LOG_FILE_NAME_MAX];
    pm_log_file_name("=HYPERLINK(\"http://x\")", "<script>alert(1)</script>", name);
    add(r, name, &b);
    pm_buf_release(&b);
    struct pm_buf out = PM_BUF_INIT;
    assert_int_equal(pm_report_html(r, 0, &out), 0);
    assert_null(strstr(out.data, "<script>"));
    assert_non_null(strstr(out.data, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    pm_buf_reset(&out);
    assert_int_equal(pm_report_csv(r, &out), 0);
    /* a formula is defused, quotes doubled, the line break stays inside quotes */
    assert_non_null(strstr(out.data, ",\"'=HYPERLINK(\"\"http://x\"\")\",failed,"
                                     "\"store_error: a,b \"\"c\"\"\nd\","));
    pm_buf_release(&out);
    pm_report_free(r);
}

/* A log counts only for the user and computer of its own file name: forged logs claiming the
 * victim (dated 2099, "updated") under an unrelated name and under the victim's name pattern with
 * another computer do not hide the victim's failure, and are listed. */
static void test_forged_logs(void **state)
{
    (void)state;
    struct pm_report *r;
    assert_int_equal(pm_report_new(&r), 0);
    struct pm_buf b = PM_BUF_INIT;
    one_run(&b, "2026-11-01", "r1", "anna", "PC1", "updated", "rolled_back", "update");
    add(r, "PC1_anna.log", &b);
    pm_buf_reset(&b);
    one_run(&b, "2099-01-01", "f1", "anna", "PC1", "updated", "ok", "update");
    add(r, "EVIL_mallory.log", &b);
    add(r, "PC2_anna.log", &b);
    /* a file of mallory's own that ends in a run claiming anna */
    pm_buf_reset(&b);
    one_run(&b, "2026-11-02", "m1", "mallory", "EVIL2", "current", "ok", "update");
    one_run(&b, "2099-01-02", "m2", "anna", "PC1", "updated", "ok", "update");
    add(r, "EVIL2_mallory.log", &b);
    /* a genuine log of anna on PC2 still counts for anna on PC2 */
    pm_buf_reset(&b);
    one_run(&b, "2026-11-03", "g1", "Anna", "pc2", "current", "ok", "update");
    add(r, "PC2_anna_x.log", &b); /* not hers: user "anna_x" */
    add(r, "PC2_Anna.log", &b);
    pm_buf_release(&b);

    struct pm_report_totals t;
    pm_report_get_totals(r, &t);
    assert_int_equal(t.files, 6);
    assert_int_equal(t.claim_files, 4);
    assert_int_equal(t.machines, 2);
    assert_int_equal(t.status[PM_RS_FAILED], 1);
    assert_int_equal(t.status[PM_RS_CURRENT], 1);
    assert_int_equal(t.status[PM_RS_UPDATED], 0);
    struct pm_buf out = PM_BUF_INIT;
    assert_int_equal(pm_report_text(r, &out), 0);
    assert_non_null(strstr(out.data, "Logs that claim another user: 4"));
    assert_non_null(strstr(out.data, "  EVIL_mallory.log: a run names user anna on computer PC1"));
    assert_non_null(strstr(out.data, "  PC2_anna.log: a run names user anna on computer PC1"));
    assert_non_null(strstr(out.data, "  PC2_anna_x.log: a run names user Anna on computer pc2"));
    assert_non_null(strstr(out.data, "  anna                 PC1              2026-11-01"));
    pm_buf_reset(&out);
    assert_int_equal(pm_report_html(r, 0, &out), 0);
    assert_non_null(strstr(out.data, "Logs that claim another user <span class=count>4</span>"));
    assert_null(strstr(out.data, "2099"));
    pm_buf_reset(&out);
    assert_int_equal(pm_report_csv(r, &out), 0);
    assert_null(strstr(out.data, "2099"));
    assert_null(strstr(out.data, "EVIL"));
    pm_buf_release(&out);
    pm_report_free(r);
}

/* Values decoded from \xHH escapes in a log reach the text report escaped: no ESC sequence,
 * line break, DEL or C1 control (raw byte or UTF-8) reaches the terminal. */
static void test_text_control_chars(void **state)
{
    (void)state;
    struct pm_report *r;
    assert_int_equal(pm_report_new(&r), 0);
    struct pm_buf b = PM_BUF_INIT;
    const char *user = "ann\x1b[2J\x1b]0;x\x07"
                       "a";
    line(&b, "2026-11-01T08:00:00Z", "r1", "run.start", "user", user, "computer", "PC1", NULL);
    line(&b, "2026-11-01T08:00:01Z", "r1", "error", "msg",
         "bad\n  FAKE                 PC9 ok\r\x7f\xc2\x9b"
         "31m\x9b"
         "1m caf\xc3\xa9",
         NULL);
    line(&b, "2026-11-01T08:00:02Z", "r1", "run.end", "result", "store_error", NULL);
    char name[PM_LOG_FILE_NAME_MAX];
    pm_log_file_name("PC1", user, name);
    add(r, name, &b);
    pm_buf_release(&b);
    struct pm_buf out = PM_BUF_INIT;
    assert_int_equal(pm_report_text(r, &out), 0);
    for (size_t i = 0; i < out.len; i++) {
        unsigned char c = (unsigned char)out.data[i];
        assert_true(c == '\n' || (c >= 0x20 && c != 0x7f));
        assert_false(c == 0xc2 && i + 1 < out.len && (unsigned char)out.data[i + 1] < 0xa0);
        assert_false(c == 0x9b && i > 0 && (unsigned char)out.data[i - 1] != 0xc2);
    }
    assert_non_null(strstr(out.data, "ann\\x1b[2J\\x1b]0;x\\x07a"));
    assert_non_null(strstr(out.data, "bad\\x0a  FAKE"));
    assert_non_null(strstr(out.data, "\\x0d\\x7f\\xc2\\x9b31m"));
    assert_non_null(strstr(out.data, "caf\xc3\xa9")); /* text stays readable */
    assert_null(strstr(out.data, "\n  FAKE"));
    pm_buf_release(&out);
    pm_report_free(r);
}

static int failing_write(void *ctx, const void *data, size_t len)
{
    (void)data;
    size_t *budget = ctx;
    if (len > *budget)
        return PM_ERR_IO;
    *budget -= len;
    return 0;
}

/* One oversized log cannot dominate: its values are cut at PM_REPORT_MAX_FIELD bytes with a
 * marker; an output that does not fit where it goes is an error, never a shorter output. */
static void test_oversized_log(void **state)
{
    (void)state;
    struct pm_report *r;
    assert_int_equal(pm_report_new(&r), 0);
    size_t big = (size_t)1 << 20;
    char *huge = malloc(big + 1);
    assert_non_null(huge);
    memset(huge, 'q', big);
    huge[big] = 0;
    struct pm_buf b = PM_BUF_INIT;
    line(&b, "2026-11-01T08:00:00Z", "r1", "run.start", "user", "anna", "computer", "PC1", NULL);
    for (int i = 0; i < 50; i++)
        line(&b, "2026-11-01T08:00:01Z", "r1", "mailbox", "dn", huge, "state", "skipped", "reason",
             huge, NULL);
    line(&b, "2026-11-01T08:00:02Z", "r1", "error", "msg", huge, NULL);
    line(&b, "2026-11-01T08:00:03Z", "r1", "run.end", "result", "store_error", NULL);
    add(r, "PC1_anna.log", &b);
    pm_buf_release(&b);
    free(huge);

    struct pm_buf out = PM_BUF_INIT;
    assert_int_equal(pm_report_csv(r, &out), 0);
    /* 50 rows of three capped values, not 150 MiB */
    assert_true(out.len < 50 * 4 * (PM_REPORT_MAX_FIELD + 100) + 4096);
    char cut[PM_REPORT_MAX_FIELD + 8];
    memset(cut, 'q', PM_REPORT_MAX_FIELD);
    memcpy(cut + PM_REPORT_MAX_FIELD, "...,", 5);
    assert_non_null(strstr(out.data, cut));
    size_t full = out.len;
    pm_buf_release(&out);

    /* a buffer with a ceiling below the output: an error, not a cut CSV */
    pm_buf_init(&out, full / 2);
    assert_int_equal(pm_report_csv(r, &out), PM_ERR_LIMIT);
    pm_buf_release(&out);
    pm_buf_init(&out, 4096);
    assert_int_equal(pm_report_html(r, 0, &out), PM_ERR_LIMIT);
    pm_buf_release(&out);
    /* a sink that fails part way: the error comes back */
    size_t budget = full / 2;
    struct pm_report_sink sink = {failing_write, &budget};
    assert_int_equal(pm_report_csv_to(r, &sink), PM_ERR_IO);
    budget = (size_t)-1;
    assert_int_equal(pm_report_csv_to(r, &sink), 0);
    assert_int_equal((size_t)-1 - budget, full);
    pm_report_free(r);
}

static void test_security_warnings_counted(void **state)
{
    (void)state;
    struct pm_report *r;
    assert_int_equal(pm_report_new(&r), 0);
    struct pm_buf b = PM_BUF_INIT, out = PM_BUF_INIT;
    /* Anna's run used a config others can change; Ben's did not. */
    line(&b, "2026-11-01T08:00:00Z", "r1", "run.start", "user", "anna", "computer", "PC1", "mode",
         "update", NULL);
    line(&b, "2026-11-01T08:00:01Z", "r1", "security", "file", "S:\\prof.config", "msg",
         "file 'S:\\prof.config' is writable by Everyone", NULL);
    line(&b, "2026-11-01T08:00:02Z", "r1", "run.end", "result", "ok", NULL);
    add(r, "PC1_anna.log", &b);
    pm_buf_reset(&b);
    one_run(&b, "2026-11-01", "r2", "ben", "PC2", "updated", "ok", "update");
    add(r, "PC2_ben.log", &b);
    struct pm_report_totals t;
    pm_report_get_totals(r, &t);
    assert_int_equal(t.security_machines, 1);
    assert_int_equal(pm_report_text(r, &out), 0);
    assert_non_null(strstr(out.data, "Files others can change (security warnings): 1 users/computers"));
    pm_buf_reset(&out);
    assert_int_equal(pm_report_html(r, 0, &out), 0);
    assert_non_null(strstr(out.data, "Files others can change (security warnings)"));
    assert_non_null(strstr(out.data, "is writable by Everyone"));
    pm_buf_release(&b);
    pm_buf_release(&out);
    pm_report_free(r);
}

/* A latest run that read the whole PUF (puf.index: no usable index) is a problem the report
 * counts and lists by state; a run before it that had one, or a later run without one, is not. */
static void test_puf_index_problems(void **state)
{
    (void)state;
    struct pm_report *r;
    assert_int_equal(pm_report_new(&r), 0);
    struct pm_buf b = PM_BUF_INIT, out = PM_BUF_INIT;
    const char *who[3][2] = {{"anna", "PC1"}, {"ben", "PC2"}, {"cleo", "PC3"}};
    const char *states[3] = {"stale", "stale", "missing"};
    for (int i = 0; i < 3; i++) {
        pm_buf_reset(&b);
        line(&b, "2026-11-01T08:00:00Z", "r1", "run.start", "user", who[i][0], "computer",
             who[i][1], "mode", "update", NULL);
        line(&b, "2026-11-01T08:00:01Z", "r1", "puf.index", "state", states[i], "msg",
             "index is stale: puf content changed since it was indexed", NULL);
        line(&b, "2026-11-01T08:00:02Z", "r1", "run.end", "result", "ok", NULL);
        if (i == 2) /* cleo's index was rebuilt since: her latest run had it */
            one_run(&b, "2026-11-02", "r2", "cleo", "PC3", "current", "ok", "update");
        char name[64];
        snprintf(name, sizeof(name), "%s_%s.log", who[i][1], who[i][0]);
        add(r, name, &b);
    }
    struct pm_report_totals t;
    pm_report_get_totals(r, &t);
    assert_int_equal(t.puf_index_machines, 2);
    assert_int_equal(pm_report_text(r, &out), 0);
    assert_non_null(strstr(out.data, "Problems by reason:"));
    assert_non_null(strstr(out.data, "     2  puf index: stale: the PUF changed"));
    assert_null(strstr(out.data, "puf index: missing"));
    pm_buf_release(&b);
    pm_buf_release(&out);
    pm_report_free(r);
}

static void test_scan_dir(void **state)
{
    (void)state;
    char *d = (char *)pmt_tempdir("reportdir");
    char p[1024];
    struct pm_buf b = PM_BUF_INIT;
    one_run(&b, "2026-11-01", "r1", "anna", "PC1", "updated", "ok", "update");
    snprintf(p, sizeof(p), "%s/PC1_anna.log", d);
    assert_int_equal(pmt_write_file(p, b.data, b.len), 0);
    snprintf(p, sizeof(p), "%s/notes.txt", d);
    assert_int_equal(pmt_write_file(p, "x", 1), 0);
    pm_buf_release(&b);
#ifndef _WIN32
    /* A .log that is a FIFO (swapped in after the listing, or there from the start) must not
     * hold the report: it is skipped and listed; so is a link. */
    snprintf(p, sizeof(p), "%s/PC2_bert.log", d);
    assert_int_equal(mkfifo(p, 0666), 0);
    snprintf(p, sizeof(p), "%s/PC3_carl.log", d);
    char target[1024];
    snprintf(target, sizeof(target), "%s/PC1_anna.log", d);
    assert_int_equal(symlink(target, p), 0);
#endif
    struct pm_report *r;
    assert_int_equal(pm_report_new(&r), 0);
    struct pm_error err;
    assert_int_equal(pm_report_scan_dir(r, d, &err), 0);
    struct pm_report_totals t;
    pm_report_get_totals(r, &t);
#ifndef _WIN32
    assert_int_equal(t.files, 3);
    assert_int_equal(t.bad_files, 2);
    struct pm_buf out = PM_BUF_INIT;
    assert_int_equal(pm_report_text(r, &out), 0);
    assert_non_null(strstr(out.data, "PC2_bert.log: cannot read the file, or not a regular file"));
    assert_non_null(strstr(out.data, "PC3_carl.log: cannot read the file, or not a regular file"));
    pm_buf_release(&out);
#else
    assert_int_equal(t.files, 1);
#endif
    assert_int_equal(t.status[PM_RS_UPDATED], 1);
    assert_int_equal(pm_report_scan_dir(r, "/nonexistent-dir", &err), PM_ERR_IO);
    pm_report_free(r);
    free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_latest_run_decides),
        cmocka_unit_test(test_pending_is_not_done),
        cmocka_unit_test(test_dry_run_after_real_run),
        cmocka_unit_test(test_corrupt_and_duplicates),
        cmocka_unit_test(test_roster),
        cmocka_unit_test(test_hostile_values),
        cmocka_unit_test(test_scan_dir),
        cmocka_unit_test(test_security_warnings_counted),
        cmocka_unit_test(test_puf_index_problems),
        cmocka_unit_test(test_forged_logs),
        cmocka_unit_test(test_text_control_chars),
        cmocka_unit_test(test_oversized_log),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
