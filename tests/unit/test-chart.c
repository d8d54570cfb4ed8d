/* Tests of the report page's chart arithmetic (src/lib/fleet/chart.c): axis steps are 1, 2, 2.5
 * or 5 times a power of ten and whole, numbers carry thousands separators, and the value labels
 * chosen never overlap while the peak keeps its label. */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the headers it needs */

#include <stdio.h>
#include <string.h>

#include "chart.h"

static void test_step_round(void **state)
{
    (void)state;
    /* the example: a peak of 11,524 gave ticks 2881, 5762, ... */
    assert_int_equal(pm_chart_step(11524, 5), 2500);
    assert_int_equal(pm_chart_step(10000, 5), 2000);
    assert_int_equal(pm_chart_step(10001, 5), 2500);
    assert_int_equal(pm_chart_step(12501, 5), 5000);
    assert_int_equal(pm_chart_step(1, 5), 1);
    assert_int_equal(pm_chart_step(0, 5), 1);
    assert_int_equal(pm_chart_step(3, 5), 1);
    assert_int_equal(pm_chart_step(7, 5), 2);
    /* 2.5 is no step for counts: 11 needs 5 intervals of 5, not of 2.5 */
    assert_int_equal(pm_chart_step(11, 5), 5);
    assert_int_equal(pm_chart_step(24, 5), 5);
    assert_int_equal(pm_chart_step(26, 5), 10);
    assert_int_equal(pm_chart_step(240, 5), 50);
    assert_int_equal(pm_chart_step(90, 4), 25);
    assert_int_equal(pm_chart_step(100, 1), 100);
    assert_int_equal(pm_chart_step(101, 0), 200);
}

static void test_step_properties(void **state)
{
    (void)state;
    for (unsigned long max = 0; max < 200000; max += max < 1000 ? 1 : 997) {
        unsigned long step = pm_chart_step(max, 5);
        unsigned long m = step;
        while (m % 10 == 0)
            m /= 10;
        assert_true(m == 1 || m == 2 || m == 25 || m == 5);
        unsigned long top = (max ? max : 1);
        unsigned long ticks = top / step + (top % step != 0);
        assert_true(ticks >= 1 && ticks <= 5);
        /* the smallest such step: the next smaller one needs more than 5 intervals */
        assert_true(ticks * step >= top);
    }
    assert_true(pm_chart_step((unsigned long)-1, 5) > 0);
}

static void test_number(void **state)
{
    (void)state;
    char b[32];
    pm_chart_number(b, sizeof(b), 0);
    assert_string_equal(b, "0");
    pm_chart_number(b, sizeof(b), 999);
    assert_string_equal(b, "999");
    pm_chart_number(b, sizeof(b), 2500);
    assert_string_equal(b, "2,500");
    pm_chart_number(b, sizeof(b), 1234567);
    assert_string_equal(b, "1,234,567");
    pm_chart_number(b, 4, 1234567);
    assert_int_equal(strlen(b), 3);
}

/* 60 bars 16 px apart with labels 33 px wide: no two chosen labels overlap, the peak has one,
 * and about every other label is kept. */
static void test_labels_never_overlap(void **state)
{
    (void)state;
    enum { N = 60 };
    double x[N], w[N];
    unsigned long v[N];
    unsigned char show[N];
    for (int i = 0; i < N; i++) {
        x[i] = 70 + 16.0 * i + 8;
        v[i] = 10000 + (unsigned long)((i * 7919) % 2500);
        w[i] = 33;
    }
    v[37] = 20000;
    size_t n = pm_chart_pick_labels(x, w, v, N, 3.0, show);
    assert_true(show[37]);
    size_t count = 0;
    for (int i = 0; i < N; i++) {
        count += show[i];
        for (int j = i + 1; j < N; j++)
            if (show[i] && show[j])
                assert_true(x[j] - x[i] >= (w[i] + w[j]) / 2 + 3.0);
    }
    assert_int_equal(count, n);
    assert_true(n >= 15 && n <= 30);
    /* few wide bars: every label fits */
    assert_int_equal(pm_chart_pick_labels(x, w, v, 1, 3.0, show), 1);
    double xs[3] = {100, 300, 500};
    assert_int_equal(pm_chart_pick_labels(xs, w, v, 3, 3.0, show), 3);
    assert_int_equal(pm_chart_pick_labels(xs, w, v, 0, 3.0, show), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_step_round),
        cmocka_unit_test(test_step_properties),
        cmocka_unit_test(test_number),
        cmocka_unit_test(test_labels_never_overlap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
