/* UTF-8 paths for the C runtime's file functions on Windows (see compat.h): each converts the
 * path to UTF-16 and calls the wide function. */
#include "compat.h"

#include <errno.h>
#include <fcntl.h>
#include <io.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
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

/* A file opened only to be read shares read, write and delete, as a POSIX open does: the C
 * runtime shares no delete, so an administrator renaming a new PUF (or index) over the one a
 * desktop is reading at that moment would be refused. The reader keeps the old content. */
static FILE *open_shared_read(const wchar_t *wp)
{
    HANDLE h = CreateFileW(wp, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                           NULL, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
    if (h == INVALID_HANDLE_VALUE) {
        DWORD e = GetLastError();
        errno = e == ERROR_FILE_NOT_FOUND || e == ERROR_PATH_NOT_FOUND ? ENOENT
                : e == ERROR_ACCESS_DENIED || e == ERROR_SHARING_VIOLATION ? EACCES
                                                                             : EIO;
        return NULL;
    }
    int fd = _open_osfhandle((intptr_t)h, _O_RDONLY | _O_BINARY);
    if (fd < 0) {
        CloseHandle(h);
        return NULL;
    }
    FILE *f = _fdopen(fd, "rb");
    if (!f)
        _close(fd);
    return f;
}

FILE *pm_win_fopen(const char *path, const char *mode)
{
    if (!strcmp(mode, "rb")) {
        wchar_t *wp = widen(path);
        FILE *f = wp ? open_shared_read(wp) : NULL;
        free(wp);
        return f;
    }
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
