/* Tests of the run log: file naming, escaping that cannot be broken or forged, appending from two
 * writers, the parser's handling of truncated and corrupt lines, and exit code names. */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the headers it needs */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pm/log.h"
#include "testutil.h"

/* pmt_tempdir hands out heap memory it never frees; keep a copy so LeakSanitizer stays quiet. */
static const char *tempdir(const char *tag)
{
    static char dirs[8][512];
    static unsigned next;
    char *d = (char *)pmt_tempdir(tag);
    char *slot = dirs[next++ % 8];
    snprintf(slot, 512, "%s", d);
    free(d);
    return slot;
}

static void test_exit_names(void **state)
{
    (void)state;
    assert_string_equal(pm_exit_name(PM_EXIT_OK), "ok");
    assert_string_equal(pm_exit_name(PM_EXIT_IN_USE), "in_use");
    assert_string_equal(pm_exit_name(PM_EXIT_ROLLED_BACK), "rolled_back");
    assert_string_equal(pm_exit_name(PM_EXIT_DAMAGED), "rollback_failed");
    assert_string_equal(pm_exit_name(42), "unknown");
    assert_string_equal(pm_exit_name(-1), "unknown");
}

static void test_timestamp(void **state)
{
    (void)state;
    char ts[32];
    pm_log_timestamp(0, ts);
    assert_string_equal(ts, "1970-01-01T00:00:00Z");
    pm_log_timestamp(1795640584LL, ts); /* 2026-11-25T21:03:04Z */
    assert_string_equal(ts, "2026-11-25T21:03:04Z");
    pm_log_timestamp(951782400LL, ts); /* leap day 2000 */
    assert_string_equal(ts, "2000-02-29T00:00:00Z");
}

static void test_field_escaping(void **state)
{
    (void)state;
    struct pm_buf b = PM_BUF_INIT;
    assert_int_equal(pm_log_field(&b, "a", "plain-value_1.2:3/x@y+z,w=(v)"), 0);
    assert_string_equal(b.data, " a=plain-value_1.2:3/x@y+z,w=(v)");
    pm_buf_reset(&b);
    assert_int_equal(pm_log_field(&b, "msg", "two words \"q\" back\\slash\nnew\r\t\x01"), 0);
    assert_string_equal(b.data, " msg=\"two words \\\"q\\\" back\\\\slash\\nnew\\r\\t\\x01\"");
    pm_buf_reset(&b);
    assert_int_equal(pm_log_field(&b, "e", ""), 0);
    assert_string_equal(b.data, " e=\"\"");
    pm_buf_reset(&b);
    /* valid UTF-8 stays readable; invalid bytes are hex-escaped */
    assert_int_equal(pm_log_field(&b, "u", "J\xc3\xbcrgen"), 0);
    assert_string_equal(b.data, " u=\"J\xc3\xbcrgen\"");
    pm_buf_reset(&b);
    assert_int_equal(pm_log_field(&b, "u", "a\xff"), 0);
    assert_string_equal(b.data, " u=\"a\\xff\"");
    pm_buf_release(&b);
}

static void test_roundtrip_and_forgery(void **state)
{
    (void)state;
    const char *evil = "x\" event=run.end result=ok\n2026-01-01T00:00:00Z run=1 event=forged";
    struct pm_buf b = PM_BUF_INIT;
    pm_buf_puts(&b, "2026-11-25T21:03:04Z");
    pm_log_field(&b, "run", "R1");
    pm_log_field(&b, "event", "mailbox");
    pm_log_field(&b, "dn", evil);
    pm_log_field(&b, "state", "updated");
    assert_null(strchr(b.data, '\n'));
    struct pm_log_line l;
    assert_int_equal(pm_log_parse_line(b.data, b.len, &l), 0);
    assert_string_equal(l.timestamp, "2026-11-25T21:03:04Z");
    assert_string_equal(l.run, "R1");
    assert_string_equal(l.event, "mailbox");
    assert_int_equal(l.nfields, 4);
    assert_string_equal(pm_log_line_get(&l, "dn"), evil);
    assert_string_equal(pm_log_line_get(&l, "state"), "updated");
    assert_null(pm_log_line_get(&l, "result"));
    pm_log_line_release(&l);
    pm_buf_release(&b);
}

static void test_parse_rejects_corrupt(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "2026-11-25T21:03:04Z",
        "2026-11-25 21:03:04 run=1 event=x",
        "2026-11-25T21:03:04Z event=x run=1",
        "2026-11-25T21:03:04Z run=1 event=x msg=\"truncat",
        "2026-11-25T21:03:04Z run=1 event=x msg=\"bad \\q escape\"",
        "2026-11-25T21:03:04Z run=1 event=x msg=\"nul \\x00\"",
        "2026-11-25T21:03:04Z run=1 event=x k=v\"x",
        "2026-11-25T21:03:04Z run=1 event=x k=",
        "2026-11-25T21:03:04Z run=1 event=x  k=v",
        "2026-11-25T21:03:04Z run=1 event=x =v",
        "2026-11-25T21:03:04Z run=1 event=\"\"",
        "\x00\x01garbage",
    };
    for (size_t i = 0; i < PM_ARRAY_SIZE(bad); i++) {
        struct pm_log_line l;
        assert_int_equal(pm_log_parse_line(bad[i], strlen(bad[i]), &l), PM_ERR_PARSE);
        assert_null(l.storage);
    }
    /* a CR left by a Windows editor is tolerated */
    const char *crlf = "2026-11-25T21:03:04Z run=1 event=x k=v\r";
    struct pm_log_line l;
    assert_int_equal(pm_log_parse_line(crlf, strlen(crlf), &l), 0);
    assert_string_equal(pm_log_line_get(&l, "k"), "v");
    pm_log_line_release(&l);
    /* the parser never reads past len: a line cut in the middle of a quoted value */
    const char *full = "2026-11-25T21:03:04Z run=1 event=x msg=\"hello world\"";
    for (size_t n = 0; n < strlen(full); n++) {
        char *copy = malloc(n ? n : 1);
        memcpy(copy, full, n);
        int rc = pm_log_parse_line(copy, n, &l);
        if (rc == 0)
            pm_log_line_release(&l);
        free(copy);
    }
}

static char *read_all(const char *path)
{
    size_t len;
    char *s = pmt_read_file(path, &len);
    assert_non_null(s);
    return s;
}

static void test_open_and_write(void **state)
{
    (void)state;
    const char *dir = tempdir("log");
    char missing[1024], sub[1024];
    snprintf(missing, sizeof(missing), "/proc/nonexistent-%ld/logs", (long)getpid());
    snprintf(sub, sizeof(sub), "%s/Logs", dir);
    const char *folders[] = {missing, sub};
    struct pm_log *log;
    struct pm_error err;
    assert_int_equal(pm_log_open(&log, folders, 2, "PC/01:x", "..j doe.", "R1", &err), 0);
    char expect[1200];
    snprintf(expect, sizeof(expect), "%s/PC_01_x___j doe.log", sub);
    assert_string_equal(pm_log_path(log), expect);
    pm_log_event(log, "run.start", "version", "0.1.0", "user", "j doe", "skipped", NULL, "x", "1",
                 NULL);
    pm_log_event(log, "warning", "msg", "line one\nline two", NULL);
    pm_log_close(log);
    pm_log_event(NULL, "ignored", NULL); /* no-op */

    char *text = read_all(expect);
    char *nl = strchr(text, '\n');
    assert_non_null(nl);
    struct pm_log_line l;
    assert_int_equal(pm_log_parse_line(text, (size_t)(nl - text), &l), 0);
    assert_string_equal(l.event, "run.start");
    assert_string_equal(pm_log_line_get(&l, "user"), "j doe");
    assert_null(pm_log_line_get(&l, "skipped"));
    assert_string_equal(pm_log_line_get(&l, "x"), "1");
    pm_log_line_release(&l);
    char *nl2 = strchr(nl + 1, '\n');
    assert_non_null(nl2);
    assert_int_equal(nl2[1], 0);
    assert_int_equal(pm_log_parse_line(nl + 1, (size_t)(nl2 - nl - 1), &l), 0);
    assert_string_equal(pm_log_line_get(&l, "msg"), "line one\nline two");
    pm_log_line_release(&l);
    free(text);

    /* reopening appends */
    assert_int_equal(pm_log_open(&log, folders + 1, 1, "PC/01:x", "..j doe.", "R2", &err), 0);
    pm_log_event(log, "run.end", "result", "ok", NULL);
    pm_log_close(log);
    text = read_all(expect);
    assert_non_null(strstr(text, "run=R1 event=run.start"));
    assert_non_null(strstr(text, "run=R2 event=run.end result=ok\n"));
    free(text);

    /* no usable folder */
    assert_int_equal(pm_log_open(&log, folders, 1, "PC", "u", "R", &err), PM_ERR_IO);
    assert_null(log);
}

static void test_huge_value_stays_one_line(void **state)
{
    (void)state;
    const char *dir = tempdir("loghuge");
    struct pm_log *log;
    assert_int_equal(pm_log_open(&log, &dir, 1, "PC", "u", "R", NULL), 0);
    size_t n = 100000;
    char *big = malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        big[i] = (char)(i % 3 ? 'a' : '\n');
    big[n] = 0;
    pm_log_event(log, "warning", "msg", big, "after", "yes", NULL);
    char path[1024];
    snprintf(path, sizeof(path), "%s", pm_log_path(log));
    pm_log_close(log);
    free(big);
    char *text = read_all(path);
    char *nl = strchr(text, '\n');
    assert_non_null(nl);
    assert_int_equal(nl[1], 0);
    struct pm_log_line l;
    assert_int_equal(pm_log_parse_line(text, (size_t)(nl - text), &l), 0);
    assert_true(strlen(pm_log_line_get(&l, "msg")) < 20000);
    pm_log_line_release(&l);
    free(text);
}

/* Events wait in memory until the run's next write point (pm_log_flush, pm_log_close): on a
 * share each write is a round trip. What was flushed is whole lines, in order. */
static void test_events_wait_for_flush(void **state)
{
    (void)state;
    const char *dir = tempdir("logflush");
    struct pm_log *log;
    assert_int_equal(pm_log_open(&log, &dir, 1, "PC", "u", "R", NULL), 0);
    char path[1024];
    snprintf(path, sizeof(path), "%s", pm_log_path(log));
    pm_log_event(log, "run.start", "version", "1", NULL);
    pm_log_event(log, "mailbox", "state", "current", NULL);
    size_t len = 1;
    char *text = pmt_read_file(path, &len);
    assert_non_null(text);
    assert_int_equal(len, 0); /* nothing written yet */
    free(text);
    pm_log_flush(log);
    text = pmt_read_file(path, &len);
    assert_non_null(strstr(text, "event=run.start"));
    assert_non_null(strstr(text, "event=mailbox"));
    assert_null(strstr(text, "event=run.end"));
    size_t flushed = len;
    free(text);
    pm_log_flush(log); /* nothing pending: writes nothing twice */
    pm_log_event(log, "run.end", "exit", "0", NULL);
    text = pmt_read_file(path, &len);
    assert_int_equal(len, flushed);
    free(text);
    pm_log_close(log);
    text = pmt_read_file(path, &len);
    assert_non_null(strstr(text, "event=run.end"));
    assert_null(strstr(strstr(text, "event=run.start") + 1, "event=run.start")); /* once */
    assert_true(strstr(text, "event=run.end") > strstr(text, "event=mailbox"));
    free(text);
}

/* Two processes append 2000 lines each to the same file: every line must come out whole. */
static void test_concurrent_appends(void **state)
{
    (void)state;
    const char *dir = tempdir("logconc");
    char path[1024];
    pid_t kids[2];
    for (int k = 0; k < 2; k++) {
        kids[k] = fork();
        assert_true(kids[k] >= 0);
        if (kids[k] == 0) {
            struct pm_log *log;
            if (pm_log_open(&log, &dir, 1, "PC", "u", k ? "B" : "A", NULL) != 0)
                _exit(1);
            char pad[3000];
            memset(pad, k ? 'b' : 'a', sizeof(pad) - 1);
            pad[sizeof(pad) - 1] = 0;
            for (int i = 0; i < 2000; i++)
                pm_log_event(log, "mailbox", "pad", pad, "state", "updated", NULL);
            pm_log_close(log);
            _exit(0);
        }
    }
    for (int k = 0; k < 2; k++) {
        int st;
        waitpid(kids[k], &st, 0);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    snprintf(path, sizeof(path), "%s/PC_u.log", dir);
    size_t len;
    char *text = pmt_read_file(path, &len);
    assert_non_null(text);
    unsigned good = 0;
    for (char *p = text; p < text + len;) {
        char *nl = memchr(p, '\n', (size_t)(text + len - p));
        assert_non_null(nl);
        struct pm_log_line l;
        assert_int_equal(pm_log_parse_line(p, (size_t)(nl - p), &l), 0);
        assert_string_equal(pm_log_line_get(&l, "state"), "updated");
        pm_log_line_release(&l);
        good++;
        p = nl + 1;
    }
    assert_int_equal(good, 4000);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exit_names),
        cmocka_unit_test(test_timestamp),
        cmocka_unit_test(test_field_escaping),
        cmocka_unit_test(test_roundtrip_and_forgery),
        cmocka_unit_test(test_parse_rejects_corrupt),
        cmocka_unit_test(test_open_and_write),
        cmocka_unit_test(test_huge_value_stays_one_line),
        cmocka_unit_test(test_concurrent_appends),
        cmocka_unit_test(test_events_wait_for_flush),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
