/* The test helpers of tests/common/testutil.h for the Windows test programs (run under Wine):
 * temporary folders under %TEMP%, whole-file reads and writes through the wide API. */
#include "compat.h"

#include <windows.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "testutil.h"

static wchar_t *tu_wide(const char *s)
{
    struct pm_buf b = PM_BUF_INIT;
    if (pm_utf8_to_utf16le(s, strlen(s), 1, &b) < 0) {
        pm_buf_release(&b);
        return NULL;
    }
    return (wchar_t *)pm_buf_detach(&b, NULL);
}

const char *pmt_tempdir(const char *tag)
{
    static unsigned seq;
    wchar_t base[MAX_PATH];
    DWORD n = GetTempPathW(MAX_PATH, base);
    if (n == 0 || n >= MAX_PATH) {
        fprintf(stderr, "pmt_tempdir: no temporary folder\n");
        abort();
    }
    struct pm_buf b8 = PM_BUF_INIT;
    if (pm_utf16le_to_utf8(base, n * 2, &b8) < 0)
        abort();
    for (int tries = 0; tries < 100; tries++) {
        struct pm_buf path = PM_BUF_INIT;
        pm_buf_printf(&path, "%spm-%s-%lu-%u", b8.data, tag, (unsigned long)GetCurrentProcessId(),
                      seq++);
        wchar_t *w = tu_wide(path.data);
        if (w && CreateDirectoryW(w, NULL)) {
            free(w);
            pm_buf_release(&b8);
            return pm_buf_detach(&path, NULL);
        }
        free(w);
        pm_buf_release(&path);
    }
    fprintf(stderr, "pmt_tempdir: cannot create a folder\n");
    abort();
}

char *pmt_read_file(const char *path, size_t *len)
{
    wchar_t *w = tu_wide(path);
    FILE *f = w ? _wfopen(w, L"rb") : NULL;
    free(w);
    if (!f)
        return NULL;
    struct pm_buf b = PM_BUF_INIT;
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        if (pm_buf_append(&b, chunk, n) < 0) {
            fclose(f);
            pm_buf_release(&b);
            return NULL;
        }
    fclose(f);
    pm_buf_puts(&b, "");
    if (len)
        *len = b.len;
    return pm_buf_detach(&b, NULL);
}

int pmt_write_file(const char *path, const void *data, size_t len)
{
    wchar_t *w = tu_wide(path);
    FILE *f = w ? _wfopen(w, L"wb") : NULL;
    free(w);
    if (!f)
        return -1;
    int ok = fwrite(data, 1, len, f) == len;
    return (fclose(f) == 0 && ok) ? 0 : -1;
}

int pmt_write_empty_hive(const char *path)
{
    /* No hive backend in the Windows build. */
    (void)path;
    return -1;
}
