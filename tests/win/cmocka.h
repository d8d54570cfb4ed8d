/* A small stand-in for cmocka, for the test programs that run under Wine: Debian ships no
 * mingw build of cmocka, and these tests (the store contract over "live", the Windows platform
 * layer) only need the assertion macros and the group runner. Same names and output shape as
 * cmocka so one test source builds against either; header-only, one test program per file.
 * A failed assertion jumps back to the runner, which runs the teardown and the next test. */
#ifndef PM_WIN_CMOCKA_SHIM_H
#define PM_WIN_CMOCKA_SHIM_H

#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void (*CMUnitTestFunction)(void **state);
typedef int (*CMFixtureFunction)(void **state);

struct CMUnitTest {
    const char *name;
    CMUnitTestFunction test_func;
    CMFixtureFunction setup_func;
    CMFixtureFunction teardown_func;
    void *initial_state;
};

typedef uintmax_t LargestIntegralType;

#define cmocka_unit_test(f) {#f, f, NULL, NULL, NULL}
#define cmocka_unit_test_setup(f, s) {#f, f, s, NULL, NULL}
#define cmocka_unit_test_teardown(f, t) {#f, f, NULL, t, NULL}
#define cmocka_unit_test_setup_teardown(f, s, t) {#f, f, s, t, NULL}
#define cmocka_unit_test_prestate(f, p) {#f, f, NULL, NULL, p}
#define cmocka_unit_test_prestate_setup_teardown(f, s, t, p) {#f, f, s, t, p}

/* Runner state: where a failing assertion jumps to, and whether the test was skipped. */
static jmp_buf pmshim_jmp;
static int pmshim_skipped;

#if defined(__MINGW32__)
__attribute__((format(gnu_printf, 3, 4), noreturn, unused))
#elif defined(__GNUC__)
__attribute__((format(printf, 3, 4), noreturn, unused))
#endif
static void pmshim_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    printf("[  ERROR   ] --- ");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n[   LINE   ] --- %s:%d: error: Failure!\n", file, line);
    fflush(stdout);
    longjmp(pmshim_jmp, 1);
}

#define PMSHIM_FAIL(...) pmshim_fail(__FILE__, __LINE__, __VA_ARGS__)

#define assert_true(c)                                                                             \
    do {                                                                                           \
        if (!(c))                                                                                  \
            PMSHIM_FAIL("%s", #c);                                                                 \
    } while (0)
#define assert_false(c)                                                                            \
    do {                                                                                           \
        if ((c))                                                                                   \
            PMSHIM_FAIL("%s", #c);                                                                 \
    } while (0)
#define assert_int_equal(a, b)                                                                     \
    do {                                                                                           \
        intmax_t pmshim_a = (intmax_t)(a), pmshim_b = (intmax_t)(b);                               \
        if (pmshim_a != pmshim_b)                                                                  \
            PMSHIM_FAIL("%" PRIdMAX " (%#" PRIxMAX ") != %" PRIdMAX " (%#" PRIxMAX ")", pmshim_a,  \
                        (uintmax_t)pmshim_a, pmshim_b, (uintmax_t)pmshim_b);                       \
    } while (0)
#define assert_int_not_equal(a, b)                                                                 \
    do {                                                                                           \
        intmax_t pmshim_a = (intmax_t)(a), pmshim_b = (intmax_t)(b);                               \
        if (pmshim_a == pmshim_b)                                                                  \
            PMSHIM_FAIL("%" PRIdMAX " == %" PRIdMAX, pmshim_a, pmshim_b);                         \
    } while (0)
#define assert_uint_equal(a, b) assert_int_equal(a, b)
#define assert_in_range(v, lo, hi)                                                                 \
    do {                                                                                           \
        intmax_t pmshim_v = (intmax_t)(v);                                                         \
        if (pmshim_v < (intmax_t)(lo) || pmshim_v > (intmax_t)(hi))                                \
            PMSHIM_FAIL("%" PRIdMAX " is not within the range [%" PRIdMAX ", %" PRIdMAX "]",      \
                        pmshim_v, (intmax_t)(lo), (intmax_t)(hi));                                 \
    } while (0)
#define assert_return_code(rc, error)                                                              \
    do {                                                                                           \
        intmax_t pmshim_rc = (intmax_t)(rc);                                                       \
        if (pmshim_rc < 0)                                                                         \
            PMSHIM_FAIL("%s < 0 (%" PRIdMAX ", %d)", #rc, pmshim_rc, (int)(error));                \
    } while (0)
#define assert_null(p)                                                                             \
    do {                                                                                           \
        if ((p) != NULL)                                                                           \
            PMSHIM_FAIL("%s is not NULL", #p);                                                     \
    } while (0)
#define assert_non_null(p)                                                                         \
    do {                                                                                           \
        if ((p) == NULL)                                                                           \
            PMSHIM_FAIL("%s is NULL", #p);                                                         \
    } while (0)
#define assert_ptr_equal(a, b)                                                                     \
    do {                                                                                           \
        if ((const void *)(a) != (const void *)(b))                                                \
            PMSHIM_FAIL("%p != %p", (const void *)(a), (const void *)(b));                         \
    } while (0)
#define assert_ptr_not_equal(a, b)                                                                 \
    do {                                                                                           \
        if ((const void *)(a) == (const void *)(b))                                               \
            PMSHIM_FAIL("%p == %p", (const void *)(a), (const void *)(b));                         \
    } while (0)
#define assert_string_equal(a, b)                                                                  \
    do {                                                                                           \
        const char *pmshim_a = (a), *pmshim_b = (b);                                               \
        if (!pmshim_a || !pmshim_b || strcmp(pmshim_a, pmshim_b) != 0)                             \
            PMSHIM_FAIL("\"%s\" != \"%s\"", pmshim_a ? pmshim_a : "(null)",                        \
                        pmshim_b ? pmshim_b : "(null)");                                           \
    } while (0)
#define assert_string_not_equal(a, b)                                                              \
    do {                                                                                           \
        const char *pmshim_a = (a), *pmshim_b = (b);                                               \
        if (pmshim_a && pmshim_b && strcmp(pmshim_a, pmshim_b) == 0)                               \
            PMSHIM_FAIL("\"%s\" == \"%s\"", pmshim_a, pmshim_b);                                   \
    } while (0)
#define assert_memory_equal(a, b, n)                                                               \
    do {                                                                                           \
        if (memcmp((a), (b), (n)) != 0)                                                            \
            PMSHIM_FAIL("%zu bytes of %s and %s differ", (size_t)(n), #a, #b);                     \
    } while (0)
#define assert_memory_not_equal(a, b, n)                                                           \
    do {                                                                                           \
        if (memcmp((a), (b), (n)) == 0)                                                            \
            PMSHIM_FAIL("%zu bytes of %s and %s are equal", (size_t)(n), #a, #b);                  \
    } while (0)
#define fail() PMSHIM_FAIL("%s", "fail()")
#define fail_msg(...) PMSHIM_FAIL(__VA_ARGS__)
#define skip()                                                                                     \
    do {                                                                                           \
        pmshim_skipped = 1;                                                                        \
        longjmp(pmshim_jmp, 2);                                                                    \
    } while (0)
#define print_message(...) printf(__VA_ARGS__)
#define print_error(...) fprintf(stderr, __VA_ARGS__)

/* Runs each test between its setup and teardown; a failed setup fails the test without
 * running it. Returns the number of failed tests, like cmocka. */
static int pmshim_run(const char *group, const struct CMUnitTest *tests, size_t n,
                      CMFixtureFunction group_setup, CMFixtureFunction group_teardown)
{
    void *group_state = NULL;
    volatile size_t failed = 0, skipped = 0;
    const char **names = calloc(n ? n : 1, sizeof(*names));
    printf("[==========] %s: Running %zu test(s).\n", group, n);
    if (group_setup && group_setup(&group_state) != 0) {
        printf("[  ERROR   ] %s: group setup failed\n", group);
        free(names);
        return (int)(n ? n : 1);
    }
    for (size_t i = 0; i < n; i++) {
        /* volatile: read again after longjmp */
        volatile int ok = 1;
        void *state = tests[i].initial_state ? tests[i].initial_state : group_state;
        pmshim_skipped = 0;
        printf("[ RUN      ] %s\n", tests[i].name);
        fflush(stdout);
        if (tests[i].setup_func && tests[i].setup_func(&state) != 0) {
            printf("[  ERROR   ] setup failed\n");
            ok = 0;
        } else {
            if (setjmp(pmshim_jmp) == 0)
                tests[i].test_func(&state);
            else if (!pmshim_skipped)
                ok = 0;
            if (tests[i].teardown_func && tests[i].teardown_func(&state) != 0) {
                printf("[  ERROR   ] teardown failed\n");
                ok = 0;
            }
        }
        if (pmshim_skipped && ok) {
            printf("[  SKIPPED ] %s\n", tests[i].name);
            skipped++;
        } else if (ok) {
            printf("[       OK ] %s\n", tests[i].name);
        } else {
            printf("[  FAILED  ] %s\n", tests[i].name);
            if (names)
                names[failed] = tests[i].name;
            failed++;
        }
        fflush(stdout);
    }
    if (group_teardown)
        group_teardown(&group_state);
    printf("[==========] %s: %zu test(s) run.\n", group, n);
    printf("[  PASSED  ] %zu test(s).\n", n - failed - skipped);
    if (skipped)
        printf("[  SKIPPED ] %zu test(s).\n", skipped);
    if (failed) {
        printf("[  FAILED  ] %zu test(s), listed below:\n", failed);
        for (size_t i = 0; names && i < failed; i++)
            printf("[  FAILED  ] %s\n", names[i]);
    }
    fflush(stdout);
    free(names);
    return (int)failed;
}

#define cmocka_run_group_tests(t, s, td)                                                           \
    pmshim_run(#t, (t), sizeof(t) / sizeof((t)[0]), (s), (td))
/* cmocka's own entry behind the macros, which some tests call with a computed count. */
#define _cmocka_run_group_tests(name, t, n, s, td) pmshim_run((name), (t), (n), (s), (td))
#define cmocka_run_group_tests_name(name, t, s, td)                                                \
    pmshim_run((name), (t), sizeof(t) / sizeof((t)[0]), (s), (td))

#endif
