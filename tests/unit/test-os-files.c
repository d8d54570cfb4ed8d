/* Tests of how the platform layer opens the files the tool writes and the logs the report reads:
 * what someone else planted in their place (a symbolic link, a FIFO, a second hard link, a file
 * of another user) is refused, never followed, and never blocks; a plain file is written,
 * appended or cut as asked. POSIX only (the Windows side refuses reparse points; see
 * docs/deployment.md). */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the headers it needs */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pm/os.h"
#include "testutil.h"

#ifndef _WIN32
#include <sys/stat.h>
#include <unistd.h>

static char dir[512];

static const char *at(const char *name)
{
    static char p[4][1024];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof(p[k]), "%s/%s", dir, name);
    return p[k];
}

static int setup(void **state)
{
    (void)state;
    char *d = (char *)pmt_tempdir("osfiles");
    snprintf(dir, sizeof(dir), "%s", d);
    free(d);
    return 0;
}

static void test_plain_file_written(void **state)
{
    (void)state;
    FILE *f = pm_os_fopen_write(at("a.txt"), "wb");
    assert_non_null(f);
    fputs("hello world", f);
    assert_int_equal(fclose(f), 0);
    f = pm_os_fopen_write(at("a.txt"), "ab");
    assert_non_null(f);
    fputs("!", f);
    assert_int_equal(fclose(f), 0);
    size_t n;
    char *d = pmt_read_file(at("a.txt"), &n);
    assert_string_equal(d, "hello world!");
    free(d);
    f = pm_os_fopen_write(at("a.txt"), "wb"); /* "w" cuts */
    assert_non_null(f);
    fputs("x", f);
    assert_int_equal(fclose(f), 0);
    d = pmt_read_file(at("a.txt"), &n);
    assert_string_equal(d, "x");
    free(d);
    long long size = 0;
    f = pm_os_fopen_read(at("a.txt"), &size);
    assert_non_null(f);
    assert_int_equal(size, 1);
    fclose(f);
}

static void test_planted_link_refused(void **state)
{
    (void)state;
    assert_int_equal(pmt_write_file(at("victim"), "keep", 4), 0);
    assert_int_equal(symlink(at("victim"), at("link.tmp")), 0);
    assert_null(pm_os_fopen_write(at("link.tmp"), "wb"));
    assert_null(pm_os_fopen_write(at("link.tmp"), "ab"));
    assert_null(pm_os_fopen_read(at("link.tmp"), NULL));
    void *h = NULL;
    assert_int_equal(pm_os_append_open(at("link.tmp"), &h), PM_ERR_IO);
    /* a dangling link is not created through either */
    assert_int_equal(symlink(at("nothing-yet"), at("dangling")), 0);
    assert_null(pm_os_fopen_write(at("dangling"), "wb"));
    assert_int_equal(access(at("nothing-yet"), F_OK), -1);
    /* A file made new ("x", the backup's and every temporary file's open) is made through
     * neither kind of link, nor over a file that exists. */
    assert_null(pm_os_fopen_write(at("link.tmp"), "wbx"));
    assert_null(pm_os_fopen_write(at("dangling"), "wbx"));
    assert_null(pm_os_fopen_write(at("dangling"), "w+bx"));
    assert_int_equal(access(at("nothing-yet"), F_OK), -1);
    assert_null(pm_os_fopen_write(at("victim"), "wbx"));
    FILE *made = pm_os_fopen_write(at("made-new"), "wbx");
    assert_non_null(made);
    assert_int_equal(fputs("new", made) >= 0, 1);
    assert_int_equal(fclose(made), 0);
    size_t n;
    char *d = pmt_read_file(at("victim"), &n);
    assert_string_equal(d, "keep");
    free(d);
}

/* The atomic write's temporary file: made new, never through a link nor over a file, and the
 * replacement leaves the new content whole; a temporary name left by a killed run (here a link
 * to a file of the user's) is removed, never written through. */
static void test_new_file_and_atomic_write(void **state)
{
    (void)state;
    assert_int_equal(pmt_write_file(at("keep2"), "keep", 4), 0);
    assert_int_equal(symlink(at("keep2"), at("link2")), 0);
    assert_int_equal(symlink(at("nothing2"), at("dangling2")), 0);
    errno = 0;
    assert_int_equal(pm_os_write_new_file(at("link2"), "x", 1), -1);
    assert_int_equal(errno, EEXIST);
    assert_int_equal(pm_os_write_new_file(at("dangling2"), "x", 1), -1);
    assert_int_equal(access(at("nothing2"), F_OK), -1);
    assert_int_equal(pm_os_write_new_file(at("keep2"), "x", 1), -1);
    assert_int_equal(pm_os_write_new_file(at("fresh"), "fresh\n", 6), 0);
    size_t n;
    char *d = pmt_read_file(at("fresh"), &n);
    assert_string_equal(d, "fresh\n");
    free(d);

    struct pm_error err;
    char tmpname[1100];
    snprintf(tmpname, sizeof(tmpname), "%s.tmp-%ld-1", at("target"), pm_os_pid());
    assert_int_equal(symlink(at("keep2"), tmpname), 0);
    assert_int_equal(pm_file_write_atomic(at("target"), "new content", 11, &err), 0);
    d = pmt_read_file(at("target"), &n);
    assert_string_equal(d, "new content");
    free(d);
    d = pmt_read_file(at("keep2"), &n);
    assert_string_equal(d, "keep");
    free(d);
    assert_int_equal(access(tmpname, F_OK), -1);
    assert_int_equal(pm_file_write_atomic(at("target"), "", 0, &err), 0);
    struct stat sb;
    assert_int_equal(stat(at("target"), &sb), 0);
    assert_int_equal(sb.st_size, 0);
}

static void test_hard_link_refused(void **state)
{
    (void)state;
    assert_int_equal(pmt_write_file(at("victim2"), "keep", 4), 0);
    assert_int_equal(link(at("victim2"), at("hard.log")), 0);
    assert_null(pm_os_fopen_write(at("hard.log"), "wb"));
    void *h = NULL;
    assert_int_equal(pm_os_append_open(at("hard.log"), &h), PM_ERR_IO);
    size_t n;
    char *d = pmt_read_file(at("victim2"), &n);
    assert_string_equal(d, "keep");
    free(d);
    /* reading a file with two names is fine */
    FILE *f = pm_os_fopen_read(at("hard.log"), NULL);
    assert_non_null(f);
    fclose(f);
}

/* With no writer (or reader) on the other end, a plain open of a FIFO would wait for ever. */
static void test_fifo_refused_without_blocking(void **state)
{
    (void)state;
    assert_int_equal(mkfifo(at("pipe.log"), 0666), 0);
    assert_null(pm_os_fopen_read(at("pipe.log"), NULL));
    assert_null(pm_os_fopen_write(at("pipe.log"), "ab"));
    void *h = NULL;
    assert_int_equal(pm_os_append_open(at("pipe.log"), &h), PM_ERR_IO);
}

/* A log file someone else created in a folder open to all: they could rewrite what we append. */
static void test_log_of_another_user_refused(void **state)
{
    (void)state;
    void *h = NULL;
    assert_int_equal(pm_os_append_open(at("own.log"), &h), 0);
    assert_int_equal(pm_os_append_write(h, "x\n", 2), 0);
    pm_os_append_close(h);
    if (geteuid() != 0) {
        skip(); /* only root can give a file away */
        return;
    }
    assert_int_equal(pmt_write_file(at("theirs.log"), "", 0), 0);
    assert_int_equal(chown(at("theirs.log"), 65534, 65534), 0);
    h = NULL;
    assert_int_equal(pm_os_append_open(at("theirs.log"), &h), PM_ERR_IO);
    assert_null(h);
}
#endif

int main(void)
{
#ifndef _WIN32
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_file_written),
        cmocka_unit_test(test_planted_link_refused),
        cmocka_unit_test(test_new_file_and_atomic_write),
        cmocka_unit_test(test_hard_link_refused),
        cmocka_unit_test(test_fifo_refused_without_blocking),
        cmocka_unit_test(test_log_of_another_user_refused),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
#else
    return 0;
#endif
}
