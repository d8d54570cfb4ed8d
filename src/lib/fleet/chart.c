/* The report page's chart arithmetic (chart.h): round ticks, grouped digits, and a choice of
 * value labels that never overlap, however many days the chart has. */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>

#include "chart.h"

unsigned long pm_chart_step(unsigned long max, unsigned max_intervals)
{
    static const unsigned mant[] = {10, 20, 25, 50}; /* tenths: 1, 2, 2.5, 5 */
    if (max == 0)
        max = 1;
    if (max_intervals == 0)
        max_intervals = 1;
    for (unsigned long pow10 = 1;; pow10 *= 10) {
        for (size_t i = 0; i < sizeof(mant) / sizeof(mant[0]); i++) {
            /* 2.5 x 1 is not a whole number: a count axis never steps by halves. */
            if (mant[i] % 10 && pow10 == 1)
                continue;
            unsigned long step = mant[i] * pow10 / 10;
            if (max / step + (max % step != 0) <= max_intervals)
                return step;
        }
        if (pow10 > (unsigned long)-1 / 100)
            return max; /* beyond any count a log holds: one interval */
    }
}

void pm_chart_number(char *buf, size_t size, unsigned long n)
{
    char digits[32];
    int len = snprintf(digits, sizeof(digits), "%lu", n);
    size_t o = 0;
    for (int i = 0; i < len && o + 1 < size; i++) {
        if (i && (len - i) % 3 == 0 && o + 2 < size)
            buf[o++] = ',';
        buf[o++] = digits[i];
    }
    if (size)
        buf[o < size ? o : size - 1] = '\0';
}

size_t pm_chart_pick_labels(const double *x, const double *w, const unsigned long *val, size_t n,
                            double gap, unsigned char *show)
{
    size_t shown = 0;
    for (size_t i = 0; i < n; i++)
        show[i] = 0;
    /* Repeatedly the largest value not yet judged (a selection, n is small). */
    unsigned char *done = calloc(n ? n : 1, 1);
    if (!done)
        return 0; /* no labels is a valid chart */
    for (size_t round = 0; round < n; round++) {
        size_t best = n;
        for (size_t i = 0; i < n; i++)
            if (!done[i] && (best == n || val[i] > val[best]))
                best = i;
        done[best] = 1;
        int fits = 1;
        for (size_t j = 0; j < n && fits; j++) {
            if (!show[j])
                continue;
            double dist = x[best] > x[j] ? x[best] - x[j] : x[j] - x[best];
            if (dist < (w[best] + w[j]) / 2 + gap)
                fits = 0;
        }
        if (fits) {
            show[best] = 1;
            shown++;
        }
    }
    free(done);
    return shown;
}
