/* The arithmetic of the report page's charts, kept apart from the HTML so it can be tested as
 * pure functions: round axis ticks, numbers with thousands separators, and which value labels fit
 * without overlapping. Internal to libpm (report-html.c). */
#ifndef PM_CHART_H
#define PM_CHART_H

#include <stddef.h>

/* The step of a value axis from 0 to at least 'max' in at most 'max_intervals' intervals (at
 * least 1): the smallest of 1, 2, 2.5 and 5 times a power of ten that needs no more intervals,
 * and a whole number (counts have no halves). The axis then ends at the first multiple of the
 * step at or above 'max'. max 0 is taken as 1. */
unsigned long pm_chart_step(unsigned long max, unsigned max_intervals);

/* 'n' with a comma every three digits ("12,500") into buf (at least 32 bytes). */
void pm_chart_number(char *buf, size_t size, unsigned long n);

/* Which of 'n' labels to draw so that no two overlap: label i is centred at x[i], w[i] wide,
 * and two drawn labels keep 'gap' between them. Larger values are placed first (a peak keeps its
 * label), ties from the left. Sets show[i] to 1 or 0; returns how many are shown. Labels are
 * judged on x alone, so any vertical placement keeps them apart. n up to a few hundred. */
size_t pm_chart_pick_labels(const double *x, const double *w, const unsigned long *val, size_t n,
                            double gap, unsigned char *show);

#endif
