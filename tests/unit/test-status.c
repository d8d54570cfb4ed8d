/* Tests of the status key that desktop-management detection rules read: every value with the
 * type a rule expects, the time in both forms, counts clamped rather than wrapped, a stale log
 * path removed, and all-or-nothing when a write fails. */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pm/log.h"
#include "pm/status.h"
#include "pm/store.h"

static struct pm_store *open_mem(void)
{
    struct pm_store *st = NULL;
    assert_int_equal(pm_store_open(&st, "mem:", 0, NULL), 0);
    return st;
}

static uint64_t get_num(struct pm_store *st, const char *name, uint32_t type)
{
    struct pm_value v = PM_VALUE_INIT;
    assert_int_equal(pm_store_get(st, PM_STATUS_KEY, name, &v, NULL), 1);
    assert_int_equal(v.type, type);
    assert_int_equal(v.len, type == PM_REG_QWORD ? 8 : 4);
    uint64_t n = 0;
    for (size_t i = v.len; i-- > 0;)
        n = n << 8 | v.data[i];
    pm_value_release(&v);
    return n;
}

/* The REG_SZ value as UTF-8 (static buffer), NULL when absent. */
static const char *get_sz(struct pm_store *st, const char *name)
{
    static char out[1024];
    struct pm_value v = PM_VALUE_INIT;
    int rc = pm_store_get(st, PM_STATUS_KEY, name, &v, NULL);
    assert_true(rc >= 0);
    if (rc == 0)
        return NULL;
    assert_int_equal(v.type, PM_REG_SZ);
    /* REG_SZ carries its terminating NUL, as regedit and reg.exe write it */
    assert_true(v.len >= 2 && v.len % 2 == 0);
    assert_int_equal(v.data[v.len - 1], 0);
    assert_int_equal(v.data[v.len - 2], 0);
    struct pm_buf b = PM_BUF_INIT;
    assert_int_equal(pm_utf16le_to_utf8(v.data, v.len, &b), 0);
    snprintf(out, sizeof(out), "%s", b.data ? b.data : "");
    pm_buf_release(&b);
    pm_value_release(&v);
    return out;
}

static void test_writes_every_value(void **state)
{
    (void)state;
    struct pm_store *st = open_mem();
    struct pm_status s = {
        1764104584LL, PM_EXIT_IN_USE, 3, 7, "1.2.3", "\\\\srv\\logs\\PC1_j\xc3\xbcrgen.log", NULL};
    assert_int_equal(pm_status_write(st, &s, NULL), 0);
    assert_string_equal(get_sz(st, "LastRun"), "2025-11-25T21:03:04Z");
    assert_int_equal(get_num(st, "LastRunTime", PM_REG_QWORD), 1764104584ULL);
    assert_int_equal(get_num(st, "ResultCode", PM_REG_DWORD), 5);
    assert_string_equal(get_sz(st, "Result"), "in_use");
    assert_int_equal(get_num(st, "Updated", PM_REG_DWORD), 3);
    assert_int_equal(get_num(st, "Pending", PM_REG_DWORD), 7);
    assert_string_equal(get_sz(st, "Version"), "1.2.3");
    assert_string_equal(get_sz(st, "LogFile"), "\\\\srv\\logs\\PC1_j\xc3\xbcrgen.log");
    /* No action named: an update wrote it. */
    assert_string_equal(get_sz(st, "Action"), "update");
    pm_store_close(st);
}

static void test_rewrite_replaces_and_drops_stale_log(void **state)
{
    (void)state;
    struct pm_store *st = open_mem();
    struct pm_status s = {1000, PM_EXIT_OK, 2, 0, "1.0", "C:\\Logs\\a.log", NULL};
    assert_int_equal(pm_status_write(st, &s, NULL), 0);
    struct pm_status t = {2000, PM_EXIT_ROLLED_BACK, 0, 1, "1.1", NULL, "restore"};
    assert_int_equal(pm_status_write(st, &t, NULL), 0);
    assert_int_equal(get_num(st, "LastRunTime", PM_REG_QWORD), 2000);
    assert_int_equal(get_num(st, "ResultCode", PM_REG_DWORD), 6);
    assert_string_equal(get_sz(st, "Result"), "rolled_back");
    assert_int_equal(get_num(st, "Updated", PM_REG_DWORD), 0);
    assert_string_equal(get_sz(st, "Version"), "1.1");
    assert_null(get_sz(st, "LogFile"));
    /* A restore says so: its ResultCode=0 is "put back", not "done". */
    assert_string_equal(get_sz(st, "Action"), "restore");
    pm_store_close(st);
}

/* A watch says Waiting with the client's name, and the run's end takes the name away again. */
static void test_waiting_then_done(void **state)
{
    (void)state;
    struct pm_store *st = open_mem();
    struct pm_status w = {3000, PM_EXIT_OK, 4, 2, "1.2", "C:\\Logs\\w.log", NULL};
    assert_int_equal(pm_status_write_waiting(st, &w, "OUTLOOK.EXE", NULL), 0);
    assert_string_equal(get_sz(st, "Result"), "Waiting");
    assert_int_equal(get_num(st, "ResultCode", PM_REG_DWORD), 5);
    assert_string_equal(get_sz(st, "WaitingFor"), "OUTLOOK.EXE");
    assert_int_equal(get_num(st, "Updated", PM_REG_DWORD), 0);
    assert_int_equal(get_num(st, "Pending", PM_REG_DWORD), 2);
    assert_int_equal(get_num(st, "LastRunTime", PM_REG_QWORD), 3000);
    struct pm_status d = {3100, PM_EXIT_OK, 1, 0, "1.2", "C:\\Logs\\w.log", NULL};
    assert_int_equal(pm_status_write(st, &d, NULL), 0);
    assert_string_equal(get_sz(st, "Result"), "ok");
    assert_int_equal(get_num(st, "ResultCode", PM_REG_DWORD), 0);
    assert_null(get_sz(st, "WaitingFor"));
    pm_store_close(st);
}

static void test_counts_clamped(void **state)
{
    (void)state;
    if (sizeof(unsigned long) <= 4)
        skip();
    struct pm_store *st = open_mem();
    struct pm_status s = {0, PM_EXIT_OK, (unsigned long)0x100000000ull, 5, "x", NULL, NULL};
    assert_int_equal(pm_status_write(st, &s, NULL), 0);
    assert_int_equal(get_num(st, "Updated", PM_REG_DWORD), 0xFFFFFFFFu);
    pm_store_close(st);
}

static void test_failed_write_changes_nothing(void **state)
{
    (void)state;
    struct pm_store *st = open_mem();
    struct pm_status s = {1000, PM_EXIT_OK, 2, 0, "1.0", "a.log", NULL};
    assert_int_equal(pm_status_write(st, &s, NULL), 0);
    /* learn how many writes a status takes, then fail each one in turn */
    pm_store_fault_at(st, 0);
    struct pm_status t = {2000, PM_EXIT_LOCKED, 9, 9, "2.0", "b.log", NULL};
    assert_int_equal(pm_status_write(st, &t, NULL), 0);
    unsigned long n = pm_store_mutation_count(st);
    assert_true(n >= 9);
    for (unsigned long k = 1; k <= n; k++) {
        assert_int_equal(pm_status_write(st, &s, NULL), 0);
        pm_store_fault_at(st, k);
        struct pm_error err;
        pm_error_clear(&err);
        assert_true(pm_status_write(st, &t, &err) < 0);
        assert_int_equal(err.code, PM_ERR_FAULT);
        pm_store_fault_at(st, 0);
        assert_int_equal(get_num(st, "LastRunTime", PM_REG_QWORD), 1000);
        assert_string_equal(get_sz(st, "Result"), "ok");
        assert_string_equal(get_sz(st, "LogFile"), "a.log");
        assert_false(pm_store_in_transaction(st));
    }
    pm_store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_writes_every_value),
        cmocka_unit_test(test_rewrite_replaces_and_drops_stale_log),
        cmocka_unit_test(test_waiting_then_done),
        cmocka_unit_test(test_counts_clamped),
        cmocka_unit_test(test_failed_write_changes_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
