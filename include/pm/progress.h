/* Progress of the long fleet operations (puf check, puf build, report over a Logs share): the
 * library calls back with how far it got, the caller decides whether and how to show it. The
 * library never prints; it calls as often as it likes (every buffer read, every file), so the
 * callback throttles. pm_progress_format words one line the same way for every command. */
#ifndef PM_PROGRESS_H
#define PM_PROGRESS_H

#include <stddef.h>

struct pm_progress {
    /* 'done' of 'total' units (bytes, or files) so far; done == total once, at the end. */
    void (*fn)(void *ctx, unsigned long long done, unsigned long long total);
    void *ctx;
};

/* Calls p (when not NULL and set) with done capped at total. */
void pm_progress_update(const struct pm_progress *p, unsigned long long done,
                        unsigned long long total);

/* One progress line into buf (always NUL-terminated): "<what>: 42% (123.4 of 293.0 MB),
 * 150.2 MB/s, 1 s left" for unit "bytes", "<what>: 42% (1234 of 2938 files), 812 files/s,
 * 2 s left" otherwise. 'elapsed_ms' since the start; the rate and time left are left out until
 * they mean something (no time elapsed, nothing done). */
void pm_progress_format(char *buf, size_t size, const char *what, const char *unit,
                        unsigned long long done, unsigned long long total,
                        unsigned long long elapsed_ms);

#endif
