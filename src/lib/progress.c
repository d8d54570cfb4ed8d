/* Progress reports (see pm/progress.h): the one call the library makes, and the wording of a
 * progress line, shared by every command that shows one. */
#include "compat.h"

#include <stdio.h>
#include <string.h>

#include "pm/progress.h"

void pm_progress_update(const struct pm_progress *p, unsigned long long done,
                        unsigned long long total)
{
    if (p && p->fn)
        p->fn(p->ctx, done < total ? done : total, total);
}

/* "1 s", "59 s", "2 min 5 s", "1 h 3 min". */
static void put_duration(char *buf, size_t size, unsigned long long s)
{
    if (s < 60)
        snprintf(buf, size, "%llu s", s);
    else if (s < 3600)
        snprintf(buf, size, "%llu min %llu s", s / 60, s % 60);
    else
        snprintf(buf, size, "%llu h %llu min", s / 3600, s % 3600 / 60);
}

void pm_progress_format(char *buf, size_t size, const char *what, const char *unit,
                        unsigned long long done, unsigned long long total,
                        unsigned long long elapsed_ms)
{
    int bytes = unit && !strcmp(unit, "bytes");
    if (done > total)
        done = total;
    /* floor, so 100% is shown only when everything is done */
    unsigned pct = total ? (unsigned)(done * 100.0 / (double)total) : 100;
    if (pct == 100 && done < total)
        pct = 99;
    char amount[64], rate[48] = "", left[48] = "";
    if (bytes)
        snprintf(amount, sizeof(amount), "%.1f of %.1f MB", done / 1e6, total / 1e6);
    else
        snprintf(amount, sizeof(amount), "%llu of %llu %s", done, total, unit ? unit : "");
    if (elapsed_ms && done) {
        double per_s = done * 1000.0 / (double)elapsed_ms;
        if (bytes)
            snprintf(rate, sizeof(rate), ", %.1f MB/s", per_s / 1e6);
        else
            snprintf(rate, sizeof(rate), ", %.0f %s/s", per_s, unit ? unit : "");
        if (done < total) {
            char d[32];
            put_duration(d, sizeof(d),
                         (unsigned long long)((double)(total - done) / per_s + 0.999));
            snprintf(left, sizeof(left), ", %s left", d);
        }
    }
    snprintf(buf, size, "%s: %u%% (%s)%s%s", what, pct, amount, rate, left);
}
