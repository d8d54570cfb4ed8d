/* The zip writer behind `profilemanager package` (format: PKWARE APPNOTE.TXT, sections 4.3 and
 * 4.4): local header + data for each entry as it is added, then the central directory and its
 * end record. Each entry is compressed in memory (the kit's files are a few MB), which lets the
 * local header carry the final sizes and CRC, so no data descriptors are needed. */
#include "compat.h"

#include "pm/os.h"
#include "pm/regfile.h"
#include "pm/zip.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(PM_HAVE_ZLIB)
#include <zlib.h>
#endif

#define ZIP_SIG_LOCAL 0x04034b50u
#define ZIP_SIG_CENTRAL 0x02014b50u
#define ZIP_SIG_END 0x06054b50u
#define ZIP_VERSION 20       /* 2.0: deflate */
#define ZIP_FLAG_UTF8 0x0800 /* bit 11: names are UTF-8 */

struct zip_entry {
    char *name;
    uint32_t crc, csize, usize, offset;
    uint16_t method, flags, dos_time, dos_date;
};

struct pm_zip {
    FILE *f;
    char *path, *tmp;
    uint64_t pos;
    struct zip_entry *e;
    size_t n, cap;
};

uint32_t pm_zip_crc32(uint32_t crc, const void *data, size_t len)
{
    static uint32_t table[256];
    static int ready;
    if (!ready) {
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int k = 0; k < 8; k++)
                c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
        ready = 1;
    }
    const uint8_t *p = data;
    crc = ~crc;
    while (len--)
        crc = table[(crc ^ *p++) & 0xFF] ^ (crc >> 8);
    return ~crc;
}

/* MS-DOS date and time of a UTC time, computed without the C library's time zone machinery
 * (days-from-civil in reverse). Zip's range starts in 1980; earlier times clamp to it. */
static void dos_datetime(long long t, uint16_t *dtime, uint16_t *ddate)
{
    if (t < 315532800LL)
        t = 315532800LL;
    long long days = t / 86400, secs = t % 86400;
    long long z = days + 719468, era = z / 146097;
    long long doe = z - era * 146097;
    long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long long y = yoe + era * 400, doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long long mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1;
    long long m = mp < 10 ? mp + 3 : mp - 9;
    if (m <= 2)
        y++;
    if (y > 2107)
        y = 2107;
    *ddate = (uint16_t)(((y - 1980) << 9) | (m << 5) | d);
    *dtime = (uint16_t)(((secs / 3600) << 11) | (((secs / 60) % 60) << 5) | ((secs % 60) / 2));
}

static void le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void le32(uint8_t *p, uint32_t v)
{
    le16(p, (uint16_t)v);
    le16(p + 2, (uint16_t)(v >> 16));
}

static int zip_write(struct pm_zip *z, const void *data, size_t len, struct pm_error *err)
{
    if (z->pos + len > PM_ZIP_MAX_TOTAL)
        return pm_error_set(err, PM_ERR_LIMIT, z->path, 0, "archive larger than 3.7 GiB");
    if (len && fwrite(data, 1, len, z->f) != len)
        return pm_error_set(err, PM_ERR_IO, z->tmp, 0, "cannot write archive");
    z->pos += len;
    return 0;
}

int pm_zip_open(struct pm_zip **out, const char *path, struct pm_error *err)
{
    *out = NULL;
    struct pm_zip *z = calloc(1, sizeof(*z));
    struct pm_buf tmp = PM_BUF_INIT;
    if (!z || pm_buf_printf(&tmp, "%s.tmp", path) < 0 || !(z->path = pm_strdup(path))) {
        pm_buf_release(&tmp);
        if (z)
            free(z->path);
        free(z);
        return pm_error_set(err, PM_ERR_NOMEM, path, 0, "out of memory");
    }
    z->tmp = pm_buf_detach(&tmp, NULL);
    z->f = z->tmp ? pm_os_fopen_write(z->tmp, "wb") : NULL;
    if (!z->f) {
        int rc = pm_error_set(err, z->tmp ? PM_ERR_IO : PM_ERR_NOMEM, z->tmp ? z->tmp : path, 0,
                              "cannot create archive");
        free(z->tmp);
        free(z->path);
        free(z);
        return rc;
    }
    *out = z;
    return 0;
}

static int name_ok(const char *name)
{
    size_t len = strlen(name);
    if (!len || len > PM_ZIP_MAX_NAME || name[0] == '/' || strchr(name, '\\') ||
        !pm_utf8_valid(name, len))
        return 0;
    for (const char *p = name; *p;) {
        const char *slash = strchr(p, '/');
        size_t part = slash ? (size_t)(slash - p) : strlen(p);
        if (part == 0 || (part == 2 && p[0] == '.' && p[1] == '.'))
            return 0;
        p += part + (slash ? 1 : 0);
    }
    return 1;
}

/* Deflates data into *out (raw deflate, as zip wants it). Returns its length, or 0 when the
 * build has no zlib or deflate would not save space (the entry is then stored). */
static size_t deflate_entry(const void *data, size_t len, uint8_t **out)
{
    *out = NULL;
#if defined(PM_HAVE_ZLIB)
    if (len == 0)
        return 0;
    z_stream s;
    memset(&s, 0, sizeof(s));
    if (deflateInit2(&s, 9, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return 0;
    uLong bound = deflateBound(&s, (uLong)len);
    uint8_t *buf = malloc(bound);
    size_t got = 0;
    if (buf) {
        s.next_in = (Bytef *)(uintptr_t)data;
        s.avail_in = (uInt)len;
        s.next_out = buf;
        s.avail_out = (uInt)bound;
        if (deflate(&s, Z_FINISH) == Z_STREAM_END && s.total_out < len)
            got = s.total_out;
    }
    deflateEnd(&s);
    if (!got) {
        free(buf);
        return 0;
    }
    *out = buf;
    return got;
#else
    (void)data;
    (void)len;
    return 0;
#endif
}

int pm_zip_add(struct pm_zip *z, const char *name, const void *data, size_t len, long long mtime,
               struct pm_error *err)
{
    if (!name_ok(name))
        return pm_error_set(err, PM_ERR_INVALID, z->path, 0, "bad entry name '%s'", name);
    for (size_t i = 0; i < z->n; i++)
        if (!strcmp(z->e[i].name, name))
            return pm_error_set(err, PM_ERR_INVALID, z->path, 0, "entry '%s' added twice", name);
    if (z->n >= PM_ZIP_MAX_ENTRIES)
        return pm_error_set(err, PM_ERR_LIMIT, z->path, 0, "more than %d entries",
                            PM_ZIP_MAX_ENTRIES);
    if (len > PM_ZIP_MAX_ENTRY)
        return pm_error_set(err, PM_ERR_LIMIT, z->path, 0, "entry '%s' larger than %zu bytes", name,
                            PM_ZIP_MAX_ENTRY);
    if (z->n == z->cap) {
        size_t ncap = z->cap ? z->cap * 2 : 8;
        struct zip_entry *ne = realloc(z->e, ncap * sizeof(*ne));
        if (!ne)
            return pm_error_set(err, PM_ERR_NOMEM, z->path, 0, "out of memory");
        z->e = ne;
        z->cap = ncap;
    }
    struct zip_entry *e = &z->e[z->n];
    memset(e, 0, sizeof(*e));
    e->name = pm_strdup(name);
    if (!e->name)
        return pm_error_set(err, PM_ERR_NOMEM, z->path, 0, "out of memory");
    uint8_t *packed;
    size_t plen = deflate_entry(data, len, &packed);
    e->method = plen ? 8 : 0;
    e->csize = (uint32_t)(plen ? plen : len);
    e->usize = (uint32_t)len;
    e->crc = pm_zip_crc32(0, data, len);
    e->offset = (uint32_t)z->pos;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        if (*p >= 0x80)
            e->flags = ZIP_FLAG_UTF8;
    dos_datetime(mtime, &e->dos_time, &e->dos_date);

    uint8_t h[30];
    size_t nlen = strlen(name);
    le32(h, ZIP_SIG_LOCAL);
    le16(h + 4, ZIP_VERSION);
    le16(h + 6, e->flags);
    le16(h + 8, e->method);
    le16(h + 10, e->dos_time);
    le16(h + 12, e->dos_date);
    le32(h + 14, e->crc);
    le32(h + 18, e->csize);
    le32(h + 22, e->usize);
    le16(h + 26, (uint16_t)nlen);
    le16(h + 28, 0);
    int rc = zip_write(z, h, sizeof(h), err);
    if (rc == 0)
        rc = zip_write(z, name, nlen, err);
    if (rc == 0)
        rc = zip_write(z, plen ? (const void *)packed : data, e->csize, err);
    free(packed);
    if (rc < 0) {
        free(e->name);
        return rc;
    }
    z->n++;
    return 0;
}

int pm_zip_add_file(struct pm_zip *z, const char *name, const char *path, long long mtime,
                    struct pm_error *err)
{
    struct pm_buf b = PM_BUF_INIT;
    int rc = pm_file_read(path, PM_ZIP_MAX_ENTRY, &b, err);
    if (rc == 0)
        rc = pm_zip_add(z, name, b.data ? b.data : "", b.len, mtime, err);
    pm_buf_release(&b);
    return rc;
}

static void zip_free(struct pm_zip *z)
{
    for (size_t i = 0; i < z->n; i++)
        free(z->e[i].name);
    free(z->e);
    free(z->path);
    free(z->tmp);
    free(z);
}

void pm_zip_abort(struct pm_zip *z)
{
    if (!z)
        return;
    if (z->f)
        fclose(z->f);
    remove(z->tmp);
    zip_free(z);
}

int pm_zip_close(struct pm_zip *z, struct pm_error *err)
{
    uint64_t cd_start = z->pos;
    int rc = 0;
    for (size_t i = 0; i < z->n && rc == 0; i++) {
        const struct zip_entry *e = &z->e[i];
        uint8_t h[46];
        size_t nlen = strlen(e->name);
        le32(h, ZIP_SIG_CENTRAL);
        le16(h + 4, ZIP_VERSION); /* made by: MS-DOS/FAT attributes, spec 2.0 */
        le16(h + 6, ZIP_VERSION);
        le16(h + 8, e->flags);
        le16(h + 10, e->method);
        le16(h + 12, e->dos_time);
        le16(h + 14, e->dos_date);
        le32(h + 16, e->crc);
        le32(h + 20, e->csize);
        le32(h + 24, e->usize);
        le16(h + 28, (uint16_t)nlen);
        le16(h + 30, 0); /* extra */
        le16(h + 32, 0); /* comment */
        le16(h + 34, 0); /* disk */
        le16(h + 36, 0); /* internal attributes */
        le32(h + 38, 0); /* external attributes */
        le32(h + 42, e->offset);
        rc = zip_write(z, h, sizeof(h), err);
        if (rc == 0)
            rc = zip_write(z, e->name, nlen, err);
    }
    if (rc == 0) {
        uint8_t h[22];
        le32(h, ZIP_SIG_END);
        le16(h + 4, 0);
        le16(h + 6, 0);
        le16(h + 8, (uint16_t)z->n);
        le16(h + 10, (uint16_t)z->n);
        le32(h + 12, (uint32_t)(z->pos - cd_start));
        le32(h + 16, (uint32_t)cd_start);
        le16(h + 20, 0);
        rc = zip_write(z, h, sizeof(h), err);
    }
    int cerr = fclose(z->f);
    z->f = NULL;
    if (rc == 0 && cerr != 0)
        rc = pm_error_set(err, PM_ERR_IO, z->tmp, 0, "cannot write archive");
    if (rc == 0 && pm_os_replace_file(z->tmp, z->path) < 0)
        rc = pm_error_set(err, PM_ERR_IO, z->path, 0, "cannot move '%s' into place", z->tmp);
    if (rc < 0)
        remove(z->tmp);
    zip_free(z);
    return rc;
}
