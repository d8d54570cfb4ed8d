/* Tests of the zip writer: the archive is read back here by walking the end record, the central
 * directory and each local header the way an unzip does (and inflated with zlib), so sizes,
 * offsets, CRCs, names and times are checked against what was added; plus the name rules, the
 * ceilings, and that a failed or aborted archive leaves nothing under its name. The suites
 * check the same archives with unzip and Python's zipfile. */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka.h needs the four headers above first. */
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(PM_HAVE_ZLIB)
#include <zlib.h>
#endif

#include "pm/os.h"
#include "pm/zip.h"
#include "testutil.h"

static uint32_t g32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static uint16_t g16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

/* Finds entry 'name' in the archive and returns its uncompressed content (malloc'd). */
static uint8_t *extract(const uint8_t *z, size_t len, const char *name, size_t *out_len,
                        uint16_t *method, uint16_t *date)
{
    assert_true(len >= 22);
    const uint8_t *end = z + len - 22; /* no archive comment is written */
    assert_int_equal(g32(end), 0x06054b50u);
    size_t n = g16(end + 10), cd = g32(end + 16), cdsize = g32(end + 12);
    assert_true(cd + cdsize == len - 22);
    const uint8_t *p = z + cd;
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(g32(p), 0x02014b50u);
        size_t nlen = g16(p + 28), xlen = g16(p + 30), clen = g16(p + 32);
        if (nlen == strlen(name) && !memcmp(p + 46, name, nlen)) {
            uint32_t crc = g32(p + 16), csize = g32(p + 20), usize = g32(p + 24);
            const uint8_t *lh = z + g32(p + 42);
            assert_int_equal(g32(lh), 0x04034b50u);
            assert_int_equal(g32(lh + 14), crc); /* local header agrees with the directory */
            assert_int_equal(g32(lh + 18), csize);
            assert_int_equal(g32(lh + 22), usize);
            assert_int_equal(g16(lh + 26), nlen);
            assert_memory_equal(lh + 30, name, nlen);
            const uint8_t *data = lh + 30 + nlen + g16(lh + 28);
            *method = g16(p + 10);
            *date = g16(p + 14);
            uint8_t *out = malloc(usize + 1);
            if (*method == 0) {
                assert_int_equal(csize, usize);
                memcpy(out, data, usize);
            } else {
                assert_int_equal(*method, 8);
#if defined(PM_HAVE_ZLIB)
                z_stream s;
                memset(&s, 0, sizeof(s));
                assert_int_equal(inflateInit2(&s, -15), Z_OK);
                s.next_in = (Bytef *)(uintptr_t)data;
                s.avail_in = csize;
                s.next_out = out;
                s.avail_out = usize + 1;
                assert_int_equal(inflate(&s, Z_FINISH), Z_STREAM_END);
                assert_int_equal(s.total_out, usize);
                inflateEnd(&s);
#else
                fail_msg("deflated entry in a build without zlib");
#endif
            }
            assert_int_equal(pm_zip_crc32(0, out, usize), crc);
            *out_len = usize;
            return out;
        }
        p += 46 + nlen + xlen + clen;
    }
    fail_msg("entry '%s' not in the archive", name);
    return NULL;
}

/* Removes a test folder and everything in it (the tests leave nothing behind in /tmp). */
static void rmtree(const char *path)
{
    DIR *d = opendir(path);
    if (d) {
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
            if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                continue;
            char sub[2048];
            snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
            rmtree(sub);
        }
        closedir(d);
    }
    remove(path);
}

/* pmt_tempdir hands out heap memory it never frees: copy it so LeakSanitizer stays quiet. */
static const char *tempdir(const char *tag)
{
    static char dirs[4][512];
    static unsigned next;
    char *d = (char *)pmt_tempdir(tag);
    char *slot = dirs[next++ % 4];
    snprintf(slot, 512, "%s", d);
    free(d);
    return slot;
}

static void test_crc32_check_value(void **state)
{
    (void)state;
    assert_int_equal(pm_zip_crc32(0, "123456789", 9), 0xCBF43926u);
    /* Continuing a CRC over two parts gives the CRC of the whole. */
    assert_int_equal(pm_zip_crc32(pm_zip_crc32(0, "1234", 4), "56789", 5), 0xCBF43926u);
    assert_int_equal(pm_zip_crc32(0, "", 0), 0);
}

static void test_archive_reads_back(void **state)
{
    (void)state;
    const char *dir = tempdir("zip");
    char zpath[1024], fpath[1024];
    snprintf(zpath, sizeof(zpath), "%s/kit.zip", dir);
    snprintf(fpath, sizeof(fpath), "%s/mbm.puf", dir);
    /* A PUF-like file: compresses well. */
    struct pm_buf puf = PM_BUF_INIT;
    for (int i = 0; i < 3000; i++)
        pm_buf_printf(&puf, "/o=Contoso/ou=Exchange/cn=Recipients/cn=user%d|user%d@contoso.com\r\n",
                      i, i);
    assert_int_equal(pmt_write_file(fpath, puf.data, puf.len), 0);
    uint8_t noise[4096];
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof(noise); i++) {
        x = x * 1103515245u + 12345u;
        noise[i] = (uint8_t)(x >> 24);
    }

    struct pm_zip *z;
    struct pm_error err;
    long long t = 1764104400LL; /* 2025-11-25 21:00:00 UTC */
    assert_int_equal(pm_zip_open(&z, zpath, &err), 0);
    assert_int_equal(pm_zip_add_file(z, "mbm.puf", fpath, t, &err), 0);
    assert_int_equal(pm_zip_add(z, "noise.bin", noise, sizeof(noise), t, &err), 0);
    assert_int_equal(pm_zip_add(z, "empty.txt", "", 0, t, &err), 0);
    assert_int_equal(pm_zip_add(z, "Dokumente/Übersicht.txt", "grüße", 6, t, &err), 0);
    /* Nothing under the real name until the archive is complete. */
    assert_false(pm_os_file_exists(zpath));
    assert_int_equal(pm_zip_close(z, &err), 0);

    size_t zlen;
    uint8_t *zd = (uint8_t *)pmt_read_file(zpath, &zlen);
    assert_non_null(zd);
    size_t len;
    uint16_t method, date;
    uint8_t *got = extract(zd, zlen, "mbm.puf", &len, &method, &date);
    assert_int_equal(len, puf.len);
    assert_memory_equal(got, puf.data, len);
#if defined(PM_HAVE_ZLIB)
    assert_int_equal(method, 8);
    assert_true(zlen < puf.len / 4);
#endif
    assert_int_equal(date, ((2025 - 1980) << 9) | (11 << 5) | 25);
    free(got);
    got = extract(zd, zlen, "noise.bin", &len, &method, &date);
    assert_int_equal(method, 0); /* incompressible: stored */
    assert_memory_equal(got, noise, sizeof(noise));
    free(got);
    got = extract(zd, zlen, "empty.txt", &len, &method, &date);
    assert_int_equal(len, 0);
    free(got);
    got = extract(zd, zlen, "Dokumente/Übersicht.txt", &len, &method, &date);
    assert_memory_equal(got, "grüße", 6);
    free(got);
    free(zd);
    pm_buf_release(&puf);
    rmtree(dir);
}

static void test_bad_names_and_duplicates(void **state)
{
    (void)state;
    const char *dir = tempdir("zipnames");
    char zpath[1024];
    snprintf(zpath, sizeof(zpath), "%s/x.zip", dir);
    struct pm_zip *z;
    struct pm_error err;
    assert_int_equal(pm_zip_open(&z, zpath, &err), 0);
    const char *bad[] = {"", "/etc/passwd", "../evil.exe", "a/../../b", "a\\b", "a//b", "\xff"};
    for (size_t i = 0; i < PM_ARRAY_SIZE(bad); i++)
        assert_int_equal(pm_zip_add(z, bad[i], "x", 1, 0, &err), PM_ERR_INVALID);
    assert_int_equal(pm_zip_add(z, "prof.config", "x", 1, 0, &err), 0);
    assert_int_equal(pm_zip_add(z, "prof.config", "y", 1, 0, &err), PM_ERR_INVALID);
    assert_non_null(strstr(err.msg, "twice"));
    assert_int_equal(pm_zip_add_file(z, "missing", "/nonexistent/file", 0, &err), PM_ERR_IO);
    pm_zip_abort(z);
    assert_false(pm_os_file_exists(zpath));
    char tmp[1100];
    snprintf(tmp, sizeof(tmp), "%s.tmp", zpath);
    assert_false(pm_os_file_exists(tmp));
    rmtree(dir);
}

static void test_entry_ceiling(void **state)
{
    (void)state;
    const char *dir = tempdir("ziplimit");
    char zpath[1024];
    snprintf(zpath, sizeof(zpath), "%s/x.zip", dir);
    struct pm_zip *z;
    struct pm_error err;
    assert_int_equal(pm_zip_open(&z, zpath, &err), 0);
    /* The size ceiling is checked before any byte is read. */
    assert_int_equal(pm_zip_add(z, "huge", "", PM_ZIP_MAX_ENTRY + 1, 0, &err), PM_ERR_LIMIT);
    for (int i = 0; i < PM_ZIP_MAX_ENTRIES; i++) {
        char name[32];
        snprintf(name, sizeof(name), "f%d", i);
        assert_int_equal(pm_zip_add(z, name, "", 0, 0, &err), 0);
    }
    assert_int_equal(pm_zip_add(z, "one-more", "", 0, 0, &err), PM_ERR_LIMIT);
    assert_int_equal(pm_zip_close(z, &err), 0);
    assert_true(pm_os_file_exists(zpath));
    rmtree(dir);
}

static void test_unwritable_place(void **state)
{
    (void)state;
    struct pm_zip *z = NULL;
    struct pm_error err;
    assert_int_equal(pm_zip_open(&z, "/nonexistent/dir/x.zip", &err), PM_ERR_IO);
    assert_null(z);
    assert_non_null(strstr(err.where, "x.zip.tmp"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc32_check_value),        cmocka_unit_test(test_archive_reads_back),
        cmocka_unit_test(test_bad_names_and_duplicates), cmocka_unit_test(test_entry_ceiling),
        cmocka_unit_test(test_unwritable_place),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
