/* Windows command lines: one string the started program splits back into arguments with
 * CommandLineToArgvW (or its C runtime). Building one so that every argument comes back exactly
 * as given, quotes and backslashes included, is what lets the update hand Outlook's switches on
 * to RunAfter unchanged; the splitter is the other half, used by the POSIX start of a program and
 * by the tests that prove the round trip. Portable: no system calls. */
#include "compat.h"

#include "pm/os.h"

#include <string.h>

/* Does the argument need quotes to survive the split? */
static int needs_quotes(const char *s)
{
    return !*s || strpbrk(s, " \t\n\v\"") != NULL;
}

int pm_cmdline_append(struct pm_buf *out, const char *arg)
{
    int rc = out->len ? pm_buf_putc(out, ' ') : 0;
    if (rc < 0)
        return rc;
    if (!needs_quotes(arg))
        return pm_buf_puts(out, arg);
    rc = pm_buf_putc(out, '"');
    for (const char *p = arg; rc == 0; p++) {
        size_t slashes = 0;
        while (p[slashes] == '\\')
            slashes++;
        p += slashes;
        if (!*p) {
            /* Before the closing quote every backslash is doubled. */
            for (size_t i = 0; i < slashes * 2 && rc == 0; i++)
                rc = pm_buf_putc(out, '\\');
            break;
        }
        if (*p == '"') {
            /* 2n+1 backslashes then the quote: n backslashes and a literal quote. */
            for (size_t i = 0; i < slashes * 2 + 1 && rc == 0; i++)
                rc = pm_buf_putc(out, '\\');
        } else {
            for (size_t i = 0; i < slashes && rc == 0; i++)
                rc = pm_buf_putc(out, '\\');
        }
        if (rc == 0)
            rc = pm_buf_putc(out, *p);
    }
    return rc ? rc : pm_buf_putc(out, '"');
}

int pm_cmdline_split(const char *s, struct pm_strlist *out)
{
    struct pm_buf arg = PM_BUF_INIT;
    int rc = 0;
    while (rc == 0) {
        while (*s == ' ' || *s == '\t')
            s++;
        if (!*s)
            break;
        int quoted = 0;
        pm_buf_reset(&arg);
        rc = pm_buf_puts(&arg, ""); /* an empty argument ("") is still an argument */
        while (rc == 0 && *s && (quoted || (*s != ' ' && *s != '\t'))) {
            size_t slashes = 0;
            while (s[slashes] == '\\')
                slashes++;
            if (s[slashes] == '"') {
                for (size_t i = 0; i < slashes / 2 && rc == 0; i++)
                    rc = pm_buf_putc(&arg, '\\');
                s += slashes;
                if (slashes % 2) {
                    rc = rc ? rc : pm_buf_putc(&arg, '"');
                    s++;
                } else if (quoted && s[1] == '"') {
                    /* "" inside quotes: a literal quote (the C runtime since 2008). */
                    rc = rc ? rc : pm_buf_putc(&arg, '"');
                    s += 2;
                } else {
                    quoted = !quoted;
                    s++;
                }
            } else if (slashes) {
                for (size_t i = 0; i < slashes && rc == 0; i++)
                    rc = pm_buf_putc(&arg, '\\');
                s += slashes;
            } else {
                rc = pm_buf_putc(&arg, *s++);
            }
        }
        if (rc == 0)
            rc = pm_strlist_addn(out, arg.data, arg.len);
    }
    pm_buf_release(&arg);
    return rc < 0 ? rc : 0;
}
