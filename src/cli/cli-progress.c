/* Progress on stderr for the long commands (puf check|index|build, report): shown when stderr is
 * a terminal or --progress is given, never with --no-progress, and otherwise not at all, so a
 * script's stderr holds only what went wrong. On a terminal one line is redrawn in place (a
 * carriage return); elsewhere each update is a line of its own. At most four updates a second,
 * and always the last one (100%). The wording is libpm's (pm_progress_format). */
#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L /* fileno, isatty */
#endif
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#include <io.h>
#define cli_isatty(f) _isatty(_fileno(f))
#else
#include <unistd.h>
#define cli_isatty(f) isatty(fileno(f))
#endif

#define CLI_PROGRESS_EVERY_MS 250

/* CLI_PROGRESS_EVERY_MS, except in test builds, where PM_TEST_PROGRESS_EVERY_MS=0 shows every
 * update the library makes: a test sees the updates in between however fast the machine is. */
static uint64_t every_ms(void)
{
#ifdef PM_TEST_HOOKS
    const char *v = getenv("PM_TEST_PROGRESS_EVERY_MS");
    if (v && *v)
        return strtoull(v, NULL, 10);
#endif
    return CLI_PROGRESS_EVERY_MS;
}

/* The progress line being drawn on a terminal, for cli_progress_interrupt. */
static struct cli_progress *active;

int cli_progress_option(const char *arg, int *mode)
{
    if (!strcmp(arg, "--progress"))
        *mode = 1;
    else if (!strcmp(arg, "--no-progress"))
        *mode = 0;
    else
        return 0;
    return 1;
}

static void show(void *ctx, unsigned long long done, unsigned long long total)
{
    struct cli_progress *cp = ctx;
    uint64_t now = pm_os_monotonic_ms();
    int last = done >= total;
    if (cp->finished || (!last && cp->shown && now - cp->last_ms < cp->every_ms))
        return;
    cp->shown = 1;
    cp->last_ms = now;
    char line[256];
    pm_progress_format(line, sizeof(line), cp->what, cp->unit, done, total, now - cp->start_ms);
    if (cp->tty) {
        size_t n = strlen(line);
        /* blanks over what a longer previous line left */
        fprintf(stderr, "\r%s%*s", line, cp->width > n ? (int)(cp->width - n) : 0, "");
        cp->width = n;
        active = cp;
        if (last) {
            fputc('\n', stderr);
            active = NULL;
        }
    } else {
        fprintf(stderr, "%s\n", line);
    }
    fflush(stderr);
    cp->finished = last;
}

const struct pm_progress *cli_progress_start(struct cli_progress *cp, const char *what,
                                             const char *unit, int mode)
{
    memset(cp, 0, sizeof(*cp));
    cp->tty = cli_isatty(stderr);
    if (mode == 0 || (mode < 0 && !cp->tty))
        return NULL;
    cp->what = what;
    cp->unit = unit;
    cp->start_ms = pm_os_monotonic_ms();
    cp->every_ms = every_ms();
    cp->p.fn = show;
    cp->p.ctx = cp;
    return &cp->p;
}

void cli_progress_end(struct cli_progress *cp)
{
    /* a terminal line left open by an operation that stopped early */
    if (cp->p.fn && cp->tty && cp->shown && !cp->finished)
        fputc('\n', stderr);
    cp->finished = 1;
    if (active == cp)
        active = NULL;
}

void cli_progress_interrupt(void)
{
    if (!active || active->finished || !active->width)
        return;
    fprintf(stderr, "\r%*s\r", (int)active->width, "");
    active->width = 0;
    active->shown = 0; /* drawn again at the next update */
}
