/* A small zip writer for `profilemanager package`: the kit a travelling user gets (the exe, its
 * prof.config and mbm.puf, a read-me) in one file Windows' Explorer opens natively. Entries are
 * deflated with zlib where the build has it (PM_HAVE_ZLIB), stored otherwise, or stored anyway
 * when deflate would not make them smaller. Plain PKZIP 2.0 (no zip64, no encryption): every
 * unzip reads it. The archive is written to "<path>.tmp" and renamed into place by
 * pm_zip_close, so a failed run never leaves a half-written zip under the real name. */
#ifndef PM_ZIP_H
#define PM_ZIP_H

#include <stddef.h>
#include <stdint.h>

#include "pm/error.h"

#define PM_ZIP_MAX_ENTRIES 1000
#define PM_ZIP_MAX_ENTRY ((size_t)1 << 30) /* one entry's size: well under the 4 GiB of zip32 */
#define PM_ZIP_MAX_TOTAL 0xF0000000ull     /* the whole archive, so offsets fit in 32 bits */
#define PM_ZIP_MAX_NAME 1024

struct pm_zip;

/* Starts an archive to be written at 'path'. 0 or <0 (PM_ERR_IO when "<path>.tmp" cannot be
 * created). */
int pm_zip_open(struct pm_zip **out, const char *path, struct pm_error *err);

/* Adds one entry. 'name' is the path inside the archive (UTF-8, '/' separated, no leading '/'
 * or '..' parts: PM_ERR_INVALID); 'mtime' its time (seconds since 1970, UTC). Duplicate names are
 * refused (PM_ERR_INVALID). PM_ERR_LIMIT past a ceiling above. */
int pm_zip_add(struct pm_zip *z, const char *name, const void *data, size_t len, long long mtime,
               struct pm_error *err);
/* Same with a file's content (PM_ERR_IO when it cannot be read). */
int pm_zip_add_file(struct pm_zip *z, const char *name, const char *path, long long mtime,
                    struct pm_error *err);

/* Writes the central directory and renames the archive into place. Always frees 'z'; on error
 * the temporary file is removed and nothing is left under 'path'. */
int pm_zip_close(struct pm_zip *z, struct pm_error *err);
/* Drops an unfinished archive (temporary file removed). NULL is a no-op. */
void pm_zip_abort(struct pm_zip *z);

/* CRC-32 (ISO 3309, as zip uses it) of data, continuing from 'crc' (start with 0). */
uint32_t pm_zip_crc32(uint32_t crc, const void *data, size_t len);

#endif
