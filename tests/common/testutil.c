/* Temporary folders and whole-file helpers for the tests. */
#include "compat.h"

#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *pmt_tempdir(const char *tag)
{
    const char *base = getenv("TMPDIR");
    char tmpl[512];
    snprintf(tmpl, sizeof(tmpl), "%s/pmtest-%s-XXXXXX", base && *base ? base : "/tmp",
             tag ? tag : "t");
    char *d = mkdtemp(tmpl);
    if (!d) {
        perror("mkdtemp");
        abort();
    }
    char *copy = pm_strdup(d);
    if (!copy)
        abort();
    return copy;
}

char *pmt_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
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
    return pm_buf_detach(&b, len);
}

int pmt_write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t w = fwrite(data, 1, len, f);
    return (fclose(f) == 0 && w == len) ? 0 : -1;
}
