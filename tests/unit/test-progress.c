/* Tests of the progress line every long command shows: the percent is rounded down so 100% means
 * done, the rate and the time left appear once they mean something, bytes are shown in MB, and
 * updates past the total are capped. */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the headers it needs */

#include <string.h>

#include "pm/progress.h"

static void test_format_bytes(void **state)
{
    (void)state;
    char b[256];
    pm_progress_format(b, sizeof(b), "puf check", "bytes", 123400000, 293000000, 1000);
    assert_string_equal(b, "puf check: 42% (123.4 of 293.0 MB), 123.4 MB/s, 2 s left");
    pm_progress_format(b, sizeof(b), "puf check", "bytes", 293000000, 293000000, 2000);
    assert_string_equal(b, "puf check: 100% (293.0 of 293.0 MB), 146.5 MB/s");
    /* at the start: no rate, no time left */
    pm_progress_format(b, sizeof(b), "puf check", "bytes", 0, 293000000, 0);
    assert_string_equal(b, "puf check: 0% (0.0 of 293.0 MB)");
}

static void test_format_files(void **state)
{
    (void)state;
    char b[256];
    /* 999 of 1000 is not 100% */
    pm_progress_format(b, sizeof(b), "report", "files", 999, 1000, 999);
    assert_string_equal(b, "report: 99% (999 of 1000 files), 1000 files/s, 1 s left");
    pm_progress_format(b, sizeof(b), "report", "files", 100, 100000, 1000);
    assert_string_equal(b, "report: 0% (100 of 100000 files), 100 files/s, 16 min 39 s left");
    pm_progress_format(b, sizeof(b), "report", "files", 1, 100000, 1000);
    assert_string_equal(b, "report: 0% (1 of 100000 files), 1 files/s, 27 h 46 min left");
    /* an empty folder or file is done at once */
    pm_progress_format(b, sizeof(b), "report", "files", 0, 0, 5);
    assert_string_equal(b, "report: 100% (0 of 0 files)");
    /* a short buffer is cut, not overrun */
    char s[8];
    pm_progress_format(s, sizeof(s), "report", "files", 1, 2, 3);
    assert_int_equal(strlen(s), 7);
}

struct seen {
    unsigned n;
    unsigned long long done, total;
};

static void record(void *ctx, unsigned long long done, unsigned long long total)
{
    struct seen *s = ctx;
    s->n++;
    s->done = done;
    s->total = total;
}

static void test_update(void **state)
{
    (void)state;
    struct seen s = {0, 0, 0};
    struct pm_progress p = {record, &s};
    pm_progress_update(&p, 5, 10);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.done, 5);
    pm_progress_update(&p, 12, 10); /* past the end (a file that grew) */
    assert_int_equal(s.done, 10);
    assert_int_equal(s.total, 10);
    pm_progress_update(NULL, 1, 2); /* no progress wanted */
    struct pm_progress none = {NULL, NULL};
    pm_progress_update(&none, 1, 2);
    assert_int_equal(s.n, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_bytes),
        cmocka_unit_test(test_format_files),
        cmocka_unit_test(test_update),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
