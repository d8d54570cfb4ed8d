/* UTF-8 paths for the C runtime's file functions on Windows (see compat.h): each converts the
 * path to UTF-16 and calls the wide function. */
#include "compat.h"

#include <stdlib.h>
#include <wchar.h>
#include <windows.h>

#undef fopen
#undef remove
#undef stat

static wchar_t *widen(const char *s)
{
    int n = MultiByteToWideChar(CP_UTF8, 0, s, -1, NULL, 0);
    if (n <= 0)
        return NULL;
    wchar_t *w = malloc((size_t)n * sizeof(*w));
    if (w && MultiByteToWideChar(CP_UTF8, 0, s, -1, w, n) <= 0) {
        free(w);
        w = NULL;
    }
    return w;
}

FILE *pm_win_fopen(const char *path, const char *mode)
{
    wchar_t *wp = widen(path), *wm = widen(mode);
    FILE *f = (wp && wm) ? _wfopen(wp, wm) : NULL;
    free(wp);
    free(wm);
    return f;
}

int pm_win_remove(const char *path)
{
    wchar_t *wp = widen(path);
    int rc = wp ? _wremove(wp) : -1;
    free(wp);
    return rc;
}

int pm_win_stat(const char *path, struct stat *sb)
{
    wchar_t *wp = widen(path);
    struct _stat64 ws;
    int rc = wp ? _wstat64(wp, &ws) : -1;
    free(wp);
    if (rc != 0)
        return rc;
    memset(sb, 0, sizeof(*sb));
    sb->st_mode = ws.st_mode;
    sb->st_size = (_off_t)ws.st_size;
    sb->st_mtime = (time_t)ws.st_mtime;
    sb->st_ctime = (time_t)ws.st_ctime;
    sb->st_atime = (time_t)ws.st_atime;
    sb->st_nlink = ws.st_nlink;
    return 0;
}
