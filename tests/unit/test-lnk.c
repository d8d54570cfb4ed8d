/* Tests of the .lnk reader and writer: shortcuts written by Wine's shell (fuzz/corpus/lnk/wine-*),
 * what the writer makes and reads back, the ID-list and %VAR% fallbacks, and hostile input
 * (every truncation of a real shortcut, offsets pointing outside their structure). */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka.h needs the four headers above first. */
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pm/lnk.h"
#include "testutil.h"

#define OUTLOOK "C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE"
#define OFFICE "C:\\Program Files\\Microsoft Office\\root\\Office16"

static char *corpus(const char *name, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/fuzz/corpus/lnk/%s", PM_SOURCE_DIR, name);
    char *data = pmt_read_file(path, len);
    assert_non_null(data);
    return data;
}

static void test_reads_shell_made_outlook_shortcut(void **state)
{
    (void)state;
    size_t len;
    char *data = corpus("wine-outlook.lnk", &len);
    struct pm_lnk l;
    struct pm_error err;
    assert_int_equal(pm_lnk_parse(&l, data, len, "wine-outlook.lnk", &err), 0);
    assert_string_equal(l.target, OUTLOOK);
    assert_string_equal(l.arguments, "/recycle");
    assert_string_equal(l.working_dir, OFFICE);
    assert_string_equal(l.name, "Read mail");
    assert_null(l.icon_location);
    assert_true(l.flags & PM_LNK_HAS_IDLIST);
    assert_string_equal(pm_lnk_basename(l.target), "OUTLOOK.EXE");
    pm_lnk_release(&l);
    free(data);
}

static void test_reads_unicode_strings(void **state)
{
    (void)state;
    size_t len;
    char *data = corpus("wine-unicode.lnk", &len);
    struct pm_lnk l;
    struct pm_error err;
    assert_int_equal(pm_lnk_parse(&l, data, len, "wine-unicode.lnk", &err), 0);
    assert_string_equal(l.name, "Größe ✓");
    assert_string_equal(l.arguments, "/select \"outlook:Posteingang – Büro\"");
    assert_string_equal(l.icon_location, OUTLOOK);
    assert_int_equal(l.icon_index, 2);
    pm_lnk_release(&l);
    free(data);
}

static void test_write_then_read_keeps_every_field(void **state)
{
    (void)state;
    struct pm_lnk in, out;
    pm_lnk_init(&in);
    in.target = "C:\\Programme\\Übung\\ProfileManager.exe";
    in.name = "Outlook – Büro";
    in.working_dir = OFFICE;
    in.arguments = "/profile \"Zürich\" /recycle";
    in.icon_location = "%ProgramFiles%\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE";
    in.icon_index = -3;
    in.show_command = PM_LNK_SHOW_MAXIMIZED;
    in.hotkey = 0x064F;
    struct pm_buf b = PM_BUF_INIT;
    struct pm_error err;
    assert_int_equal(pm_lnk_write(&in, &b, &err), 0);
    assert_int_equal(pm_lnk_parse(&out, b.data, b.len, "w.lnk", &err), 0);
    assert_string_equal(out.target, in.target);
    assert_string_equal(out.name, in.name);
    assert_string_equal(out.working_dir, in.working_dir);
    assert_string_equal(out.arguments, in.arguments);
    assert_string_equal(out.icon_location, in.icon_location);
    assert_int_equal(out.icon_index, -3);
    assert_int_equal(out.show_command, PM_LNK_SHOW_MAXIMIZED);
    assert_int_equal(out.hotkey, 0x064F);
    assert_true(out.flags & PM_LNK_IS_UNICODE);
    assert_false(out.flags & PM_LNK_HAS_IDLIST);
    pm_lnk_release(&out);
    pm_buf_release(&b);
}

static void test_write_unc_target(void **state)
{
    (void)state;
    struct pm_lnk in, out;
    pm_lnk_init(&in);
    in.target = "\\\\fs01\\netlogon$\\tools\\ProfileManager.exe";
    struct pm_buf b = PM_BUF_INIT;
    struct pm_error err;
    assert_int_equal(pm_lnk_write(&in, &b, &err), 0);
    assert_int_equal(pm_lnk_parse(&out, b.data, b.len, "unc.lnk", &err), 0);
    assert_string_equal(out.target, in.target);
    assert_null(out.arguments);
    assert_int_equal(out.show_command, PM_LNK_SHOW_NORMAL);
    pm_lnk_release(&out);
    pm_buf_release(&b);
}

static void test_write_needs_target(void **state)
{
    (void)state;
    struct pm_lnk in;
    pm_lnk_init(&in);
    struct pm_buf b = PM_BUF_INIT;
    struct pm_error err;
    assert_int_equal(pm_lnk_write(&in, &b, &err), PM_ERR_INVALID);
    assert_int_equal(b.len, 0);
}

/* Header + ID list only: root (My Computer), volume "C:\", folder and file entries with ANSI
 * names, as old shells write them. */
static size_t idlist_link(uint8_t *buf, uint32_t extra_flags)
{
    memset(buf, 0, 0x4C);
    buf[0] = 0x4C;
    static const uint8_t clsid[16] = {0x01, 0x14, 0x02, 0, 0, 0, 0, 0,
                                      0xC0, 0,    0,    0, 0, 0, 0, 0x46};
    memcpy(buf + 4, clsid, 16);
    uint32_t flags = PM_LNK_HAS_IDLIST | extra_flags;
    memcpy(buf + 20, &flags, 4); /* little-endian host assumed by the test */
    size_t off = 0x4C + 2;
    /* root item: size 20, type 0x1F, sort, CLSID */
    uint8_t root[20] = {20, 0, 0x1F, 0x50};
    memcpy(buf + off, root, 20);
    off += 20;
    uint8_t vol[25] = {25, 0, 0x2F, 'C', ':', '\\'};
    memcpy(buf + off, vol, 25);
    off += 25;
    const char *names[2] = {"PROGRA~1", "OUTLOOK.EXE"};
    for (int i = 0; i < 2; i++) {
        size_t n = strlen(names[i]) + 1, isz = 14 + n + (n & 1);
        memset(buf + off, 0, isz);
        buf[off] = (uint8_t)isz;
        buf[off + 2] = i ? 0x32 : 0x31;
        memcpy(buf + off + 14, names[i], n);
        off += isz;
    }
    buf[off] = buf[off + 1] = 0; /* TerminalID */
    off += 2;
    size_t idsize = off - 0x4C - 2;
    buf[0x4C] = (uint8_t)idsize;
    buf[0x4D] = (uint8_t)(idsize >> 8);
    return off;
}

static void test_target_from_idlist(void **state)
{
    (void)state;
    uint8_t buf[512];
    size_t len = idlist_link(buf, 0);
    memset(buf + len, 0, 4); /* TerminalBlock */
    len += 4;
    struct pm_lnk l;
    struct pm_error err;
    assert_int_equal(pm_lnk_parse(&l, buf, len, "idl.lnk", &err), 0);
    assert_string_equal(l.target, "C:\\PROGRA~1\\OUTLOOK.EXE");
    pm_lnk_release(&l);
}

static void test_target_from_environment_block(void **state)
{
    (void)state;
    uint8_t buf[2048];
    size_t len = idlist_link(buf, PM_LNK_HAS_EXPSTRING);
    /* EnvironmentVariableDataBlock: size 0x314, signature, 260 ANSI bytes, 520 Unicode bytes */
    memset(buf + len, 0, 0x314 + 4);
    buf[len] = 0x14;
    buf[len + 1] = 0x03;
    buf[len + 4] = 0x01;
    buf[len + 7] = 0xA0;
    const char *t = "%ProgramFiles%\\Microsoft Office\\OUTLOOK.EXE";
    memcpy(buf + len + 8, t, strlen(t));
    for (size_t i = 0; t[i]; i++)
        buf[len + 8 + 260 + 2 * i] = (uint8_t)t[i];
    len += 0x314 + 4;
    struct pm_lnk l;
    struct pm_error err;
    assert_int_equal(pm_lnk_parse(&l, buf, len, "env.lnk", &err), 0);
    assert_string_equal(l.env_target, t);
    assert_string_equal(l.target, t); /* preferred over the 8.3 ID list */
    pm_lnk_release(&l);
}

static void test_every_truncation_is_refused_or_parsed(void **state)
{
    (void)state;
    const char *files[] = {"wine-outlook.lnk", "wine-unicode.lnk", "pm-unc.lnk",
                           "wine-rewritten.lnk"};
    for (size_t f = 0; f < PM_ARRAY_SIZE(files); f++) {
        size_t len;
        char *data = corpus(files[f], &len);
        for (size_t cut = 0; cut < len; cut++) {
            /* A copy of exactly 'cut' bytes, so ASan sees any read past it. */
            char *part = malloc(cut ? cut : 1);
            memcpy(part, data, cut);
            struct pm_lnk l;
            struct pm_error err;
            int rc = pm_lnk_parse(&l, part, cut, "cut.lnk", &err);
            if (rc == 0)
                pm_lnk_release(&l);
            else
                assert_int_equal(rc, PM_ERR_PARSE);
            /* Cutting inside the header or the strings can never give a full shortcut. */
            if (cut < 0x4C)
                assert_int_equal(rc, PM_ERR_PARSE);
            free(part);
        }
        free(data);
    }
}

static void test_offsets_outside_linkinfo_are_refused(void **state)
{
    (void)state;
    struct pm_lnk in, out;
    pm_lnk_init(&in);
    in.target = "C:\\x\\ProfileManager.exe";
    struct pm_buf b = PM_BUF_INIT;
    struct pm_error err;
    assert_int_equal(pm_lnk_write(&in, &b, &err), 0);
    /* LinkInfo starts right after the header; its LocalBasePathOffsetUnicode is at +28. */
    uint8_t *li = (uint8_t *)b.data + 0x4C;
    uint32_t size = li[0] | (li[1] << 8);
    li[28] = (uint8_t)(size + 10);
    assert_int_equal(pm_lnk_parse(&out, b.data, b.len, "bad.lnk", &err), PM_ERR_PARSE);
    assert_non_null(strstr(err.msg, "byte"));
    li[28] = (uint8_t)(size - 1); /* inside, but no terminating NUL before the end */
    assert_int_equal(pm_lnk_parse(&out, b.data, b.len, "bad.lnk", &err), PM_ERR_PARSE);
    pm_buf_release(&b);
}

static void test_not_a_shortcut(void **state)
{
    (void)state;
    struct pm_lnk l;
    struct pm_error err;
    char junk[200];
    memset(junk, 'x', sizeof(junk));
    assert_int_equal(pm_lnk_parse(&l, junk, sizeof(junk), "junk.lnk", &err), PM_ERR_PARSE);
    assert_string_equal(err.where, "junk.lnk");
    assert_int_equal(pm_lnk_parse(&l, junk, PM_LNK_MAX_SIZE + 1, "big.lnk", &err), PM_ERR_LIMIT);
    assert_int_equal(pm_lnk_read_file(&l, "/nonexistent/x.lnk", &err), PM_ERR_IO);
}

static void test_basename(void **state)
{
    (void)state;
    assert_string_equal(pm_lnk_basename("C:\\a\\b\\OUTLOOK.EXE"), "OUTLOOK.EXE");
    assert_string_equal(pm_lnk_basename("\\\\srv\\share\\x.exe"), "x.exe");
    assert_string_equal(pm_lnk_basename("C:OUTLOOK.EXE"), "OUTLOOK.EXE");
    assert_string_equal(pm_lnk_basename("/usr/bin/x"), "x");
    assert_string_equal(pm_lnk_basename("plain"), "plain");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reads_shell_made_outlook_shortcut),
        cmocka_unit_test(test_reads_unicode_strings),
        cmocka_unit_test(test_write_then_read_keeps_every_field),
        cmocka_unit_test(test_write_unc_target),
        cmocka_unit_test(test_write_needs_target),
        cmocka_unit_test(test_target_from_idlist),
        cmocka_unit_test(test_target_from_environment_block),
        cmocka_unit_test(test_every_truncation_is_refused_or_parsed),
        cmocka_unit_test(test_offsets_outside_linkinfo_are_refused),
        cmocka_unit_test(test_not_a_shortcut),
        cmocka_unit_test(test_basename),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
