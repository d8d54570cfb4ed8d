/* Whole files, on top of the platform pair: reading one with a ceiling, and replacing one
 * atomically (a temporary file beside it, written, flushed to the disk, renamed over it), so a
 * crash leaves the old file or the new one. Portable: what differs between systems (opening
 * without following links, fsync or _commit, the rename that replaces) is behind pm_os_*. */
#include "compat.h"

#include "pm/os.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

FILE *pm_os_fopen_rb(const char *path)
{
    return fopen(path, "rb"); /* compat.h's on Windows */
}

int pm_file_read(const char *path, size_t max, struct pm_buf *out, struct pm_error *err)
{
    if (!max)
        max = PM_FILE_MAX;
    FILE *f = fopen(path, "rb");
    if (!f)
        return pm_error_set(err, PM_ERR_IO, path, 0, "cannot open '%s': %s", path, strerror(errno));
    char chunk[65536];
    size_t n, total = 0;
    int rc = 0;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        total += n;
        if (total > max) {
            rc = pm_error_set(err, PM_ERR_LIMIT, path, 0, "'%s' is larger than %zu bytes", path,
                              max);
            break;
        }
        if (pm_buf_append(out, chunk, n) < 0) {
            rc = pm_error_set(err, PM_ERR_NOMEM, path, 0, "out of memory reading '%s'", path);
            break;
        }
    }
    if (rc == 0 && ferror(f))
        rc = pm_error_set(err, PM_ERR_IO, path, 0, "cannot read '%s': %s", path, strerror(errno));
    fclose(f);
    return rc;
}

int pm_file_write_atomic(const char *path, const void *data, size_t len, struct pm_error *err)
{
    static unsigned long counter;
    struct pm_buf tmp = PM_BUF_INIT;
    if (pm_buf_printf(&tmp, "%s.tmp-%ld-%lu", path, pm_os_pid(), ++counter) < 0)
        return pm_error_set(err, PM_ERR_NOMEM, path, 0, "out of memory");
    /* The temporary name is this process's own: made new and written to the disk before the
     * rename, so a crash leaves the old file or the new one, in as few calls as the system
     * allows, since on a share every call is a round trip. A name left by a killed run whose
     * process id was the same is removed first (never written through: it may be anything). */
    int ok = pm_os_write_new_file(tmp.data, data, len) == 0;
    if (!ok && errno == EEXIST && remove(tmp.data) == 0)
        ok = pm_os_write_new_file(tmp.data, data, len) == 0;
    if (!ok || pm_os_replace_file(tmp.data, path) < 0) {
        int saved = errno;
        if (saved != EEXIST) /* this run's own file, part written or not renamed */
            remove(tmp.data);
        int rc = pm_error_set(err, PM_ERR_IO, path, 0, "cannot write '%s' (through '%s'): %s",
                              path, tmp.data, strerror(saved));
        pm_buf_release(&tmp);
        return rc;
    }
    pm_buf_release(&tmp);
    return 0;
}
