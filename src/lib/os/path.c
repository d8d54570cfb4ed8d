/* File paths as the platform spells them: joining, the folder part, absolute or not. Windows
 * takes both separators and drive letters; POSIX only '/'. Plain string work, no I/O. */
#include "compat.h"

#include "pm/os.h"

#include <string.h>

static int is_sep(char c)
{
#if defined(_WIN32)
    return c == '\\' || c == '/';
#else
    return c == '/';
#endif
}

int pm_path_is_absolute(const char *p)
{
    if (!p || !*p)
        return 0;
    /* A backslash root and a drive letter count everywhere: config values written for Windows
     * (UNC paths, C:\...) are never joined onto a POSIX folder. */
    if (p[0] == '/' || p[0] == '\\')
        return 1;
    if (((p[0] >= 'A' && p[0] <= 'Z') || (p[0] >= 'a' && p[0] <= 'z')) && p[1] == ':')
        return 1;
    return 0;
}

int pm_path_join(struct pm_buf *out, const char *a, const char *b)
{
    pm_buf_reset(out);
    if (pm_path_is_absolute(b) || !a || !*a)
        return pm_buf_puts(out, b);
    size_t al = strlen(a);
    int rc = pm_buf_puts(out, a);
    if (rc == 0 && !is_sep(a[al - 1]))
        rc = pm_buf_putc(out, PM_PATH_SEP);
    return rc ? rc : pm_buf_puts(out, b);
}

int pm_path_dirname(struct pm_buf *out, const char *p)
{
    const char *slash = NULL;
    for (const char *q = p; *q; q++)
        if (is_sep(*q))
            slash = q;
    pm_buf_reset(out);
    if (!slash) {
#if defined(_WIN32)
        /* "C:file" lives in "C:" */
        if (p[0] && p[1] == ':')
            return pm_buf_append(out, p, 2);
#endif
        return pm_buf_puts(out, ".");
    }
    /* Keep the separator of a root: "/x" -> "/", "C:\x" -> "C:\". */
    if (slash == p || (slash == p + 2 && p[1] == ':'))
        return pm_buf_append(out, p, (size_t)(slash - p) + 1);
    return pm_buf_append(out, p, (size_t)(slash - p));
}
