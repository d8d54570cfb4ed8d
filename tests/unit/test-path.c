/* Tests of the path helpers in src/lib/os/path.c (include/pm/os.h): joining a folder and a name
 * with the platform's separator, an absolute second part winning, the folder part of a path, and
 * which paths count as absolute (Windows forms count everywhere, so a config written for Windows
 * is never joined onto a POSIX folder). */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the four above, which it needs */

#include <string.h>

#include "pm/os.h"

static void join_is(const char *a, const char *b, const char *want)
{
    struct pm_buf out = PM_BUF_INIT;
    assert_int_equal(pm_buf_puts(&out, "stale"), 0);
    assert_int_equal(pm_path_join(&out, a, b), 0);
    assert_string_equal(out.data, want);
    pm_buf_release(&out);
}

static void dirname_is(const char *p, const char *want)
{
    struct pm_buf out = PM_BUF_INIT;
    assert_int_equal(pm_buf_puts(&out, "stale"), 0);
    assert_int_equal(pm_path_dirname(&out, p), 0);
    assert_string_equal(out.data, want);
    pm_buf_release(&out);
}

static void test_is_absolute(void **state)
{
    (void)state;
    assert_int_equal(pm_path_is_absolute("/var/log"), 1);
    assert_int_equal(pm_path_is_absolute("\\\\server\\share\\mbm.puf"), 1);
    assert_int_equal(pm_path_is_absolute("\\x"), 1);
    assert_int_equal(pm_path_is_absolute("C:\\ProgramData\\pm"), 1);
    assert_int_equal(pm_path_is_absolute("d:/x"), 1);
    assert_int_equal(pm_path_is_absolute("mbm.puf"), 0);
    assert_int_equal(pm_path_is_absolute("./mbm.puf"), 0);
    assert_int_equal(pm_path_is_absolute("1:x"), 0);
    assert_int_equal(pm_path_is_absolute(""), 0);
    assert_int_equal(pm_path_is_absolute(NULL), 0);
}

static void test_join(void **state)
{
    (void)state;
    join_is("logs", "run.log", "logs" PM_PATH_SEP_STR "run.log");
    /* A folder that already ends in a separator gets no second one. */
    join_is("/var/log/", "run.log", "/var/log/run.log");
    /* An absolute second part wins; an empty or missing first part gives the second. */
    join_is("/var/log", "/tmp/x.log", "/tmp/x.log");
    join_is("/var/log", "C:\\x.log", "C:\\x.log");
    join_is("", "run.log", "run.log");
    join_is(NULL, "run.log", "run.log");
#if defined(_WIN32)
    join_is("C:\\pm\\", "run.log", "C:\\pm\\run.log");
    join_is("C:/pm/", "run.log", "C:/pm/run.log");
#else
    /* On POSIX a backslash is an ordinary character of a name. */
    join_is("dir\\", "run.log", "dir\\/run.log");
#endif
}

static void test_dirname(void **state)
{
    (void)state;
    dirname_is("/var/log/run.log", "/var/log");
    dirname_is("logs/run.log", "logs");
    dirname_is("run.log", ".");
    dirname_is("", ".");
    /* The root keeps its separator. */
    dirname_is("/run.log", "/");
#if defined(_WIN32)
    dirname_is("C:\\pm\\run.log", "C:\\pm");
    dirname_is("C:\\run.log", "C:\\");
    dirname_is("C:run.log", "C:");
    dirname_is("\\\\server\\share\\mbm.puf", "\\\\server\\share");
    dirname_is("C:/pm/run.log", "C:/pm");
#else
    dirname_is("C:\\pm\\run.log", ".");
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_is_absolute),
        cmocka_unit_test(test_join),
        cmocka_unit_test(test_dirname),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
