/* Tests of the .reg reader and writer: what regedit and Wine write (UTF-16LE with BOM, escapes,
 * wrapped hex of every type), REGEDIT4 and UTF-8 files, broken files reported with their line,
 * the exact layout written back, import into a store as one transaction, and the reg store
 * keeping other roots and the file's spelling. */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>

#include "pm/os.h"
#include "pm/regfile.h"
#include "pm/store.h"
#include "testutil.h"

/* pmt_tempdir's result is heap memory it never frees: keep a copy so LeakSanitizer stays quiet. */
static const char *tempdir(const char *tag)
{
    static char dirs[8][512];
    static unsigned next;
    char *d = (char *)pmt_tempdir(tag);
    char *slot = dirs[next++ % 8];
    snprintf(slot, 512, "%s", d);
    free(d);
    return slot;
}

/* UTF-8 literal -> UTF-16LE bytes with BOM, as `reg export` writes. */
static char *utf16(const char *s, size_t *len)
{
    struct pm_buf b = PM_BUF_INIT;
    assert_int_equal(pm_buf_append(&b, "\xff\xfe", 2), 0);
    assert_int_equal(pm_utf8_to_utf16le(s, strlen(s), 0, &b), 0);
    return pm_buf_detach(&b, len);
}

static struct pm_store *mem_store(void)
{
    struct pm_store *st;
    struct pm_error err;
    assert_int_equal(pm_store_open(&st, "mem:", 0, &err), 0);
    return st;
}

static int import_str(struct pm_store *st, const char *text, struct pm_error *err)
{
    return pm_regfile_import(st, text, strlen(text), "t.reg", err);
}

static void assert_value(struct pm_store *st, const char *path, const char *name, uint32_t type,
                         const void *data, size_t len)
{
    struct pm_value v = PM_VALUE_INIT;
    struct pm_error err;
    assert_int_equal(pm_store_get(st, path, name, &v, &err), 1);
    assert_int_equal(v.type, type);
    assert_int_equal(v.len, len);
    if (len)
        assert_memory_equal(v.data, data, len);
    pm_value_release(&v);
}

/* UTF-16LE bytes of a UTF-8 string with its NUL. */
static size_t w(const char *s, uint8_t *out)
{
    struct pm_buf b = PM_BUF_INIT;
    assert_int_equal(pm_utf8_to_utf16le(s, strlen(s), 1, &b), 0);
    memcpy(out, b.data, b.len);
    size_t n = b.len;
    pm_buf_release(&b);
    return n;
}

static const char wine_text[] =
    "Windows Registry Editor Version 5.00\r\n"
    "\r\n"
    "[HKEY_CURRENT_USER\\Software\\PmTest]\r\n"
    "@=\"default val\"\r\n"
    "\"bin\"=hex:00,01,02,03,04,05,06,07,08,09,0a,0b,0c,0d,0e,0f,10,11,12,13,14,15,16,\\\r\n"
    "  17,18\r\n"
    "\"dw\"=dword:12345678\r\n"
    "\"dwbe\"=hex(5):05,00,00,00\r\n"
    "\"empty\"=\"\"\r\n"
    "\"exp\"=hex(2):25,00,55,00,25,00,00,00\r\n"
    "\"multi\"=hex(7):61,00,00,00,62,00,00,00,00,00\r\n"
    "\"Gr\xc3\xbc\xc3\x9f" "e\"=\"\xe6\x97\xa5\xe6\x9c\xac \xc3\xa9\"\r\n"
    "\"none\"=hex(0):61,00,62,00\r\n"
    "\"qw\"=hex(b):88,77,66,55,44,33,22,11\r\n"
    "\"s1\"=\"a\\\"b\\\\c\"\r\n"
    "\"lines\"=\"one\\r\\ntwo\"\r\n"
    "\"raw sz\"=hex(1):41,00,42\r\n"
    "\"dw short\"=hex(4):01,02\r\n"
    "\r\n"
    "[HKEY_CURRENT_USER\\Software\\PmTest\\Sub]\r\n"
    "\r\n"
    "[HKEY_CURRENT_USER\\Software\\PmTest\\Sub\\Deep]\r\n"
    "\"x\"=\"y\"\r\n"
    "\r\n";

static void test_wine_utf16_values(void **state)
{
    (void)state;
    size_t len;
    char *text = utf16(wine_text, &len);
    struct pm_store *st = mem_store();
    struct pm_error err;
    enum pm_reg_format fmt = 0;
    assert_int_equal(pm_regfile_parse(text, len, "w.reg", NULL, &fmt, &err), 0);
    assert_int_equal(fmt, PM_REGFMT_REGEDIT5);
    assert_int_equal(pm_regfile_import(st, text, len, "w.reg", &err), 0);
    const char *k = "Software\\PmTest";
    uint8_t buf[256];
    assert_value(st, k, "", PM_REG_SZ, buf, w("default val", buf));
    uint8_t bin[25];
    for (int i = 0; i < 25; i++)
        bin[i] = (uint8_t)i;
    assert_value(st, k, "bin", PM_REG_BINARY, bin, 25);
    assert_value(st, k, "dw", PM_REG_DWORD, "\x78\x56\x34\x12", 4);
    assert_value(st, k, "dwbe", PM_REG_DWORD_BE, "\x05\0\0\0", 4);
    assert_value(st, k, "empty", PM_REG_SZ, "\0\0", 2);
    assert_value(st, k, "exp", PM_REG_EXPAND_SZ, "%\0U\0%\0\0\0", 8);
    assert_value(st, k, "multi", PM_REG_MULTI_SZ, "a\0\0\0b\0\0\0\0\0", 10);
    assert_value(st, k, "gr\xc3\xbc\xc3\x9f" "e", PM_REG_SZ, buf,
                 w("\xe6\x97\xa5\xe6\x9c\xac \xc3\xa9", buf));
    assert_value(st, k, "none", PM_REG_NONE, "a\0b\0", 4);
    assert_value(st, k, "qw", PM_REG_QWORD, "\x88\x77\x66\x55\x44\x33\x22\x11", 8);
    assert_value(st, k, "s1", PM_REG_SZ, buf, w("a\"b\\c", buf));
    assert_value(st, k, "lines", PM_REG_SZ, buf, w("one\r\ntwo", buf));
    assert_value(st, k, "raw sz", PM_REG_SZ, "A\0B", 3);
    assert_value(st, k, "dw short", PM_REG_DWORD, "\x01\x02", 2);
    assert_int_equal(pm_store_key_exists(st, "Software\\PmTest\\Sub", &err), 1);
    assert_value(st, "Software\\PmTest\\Sub\\Deep", "x", PM_REG_SZ, "y\0\0\0", 4);
    /* Values keep the file's order. */
    struct pm_strlist names = PM_STRLIST_INIT;
    assert_int_equal(pm_store_values(st, k, &names, &err), 1);
    assert_int_equal(names.n, 14);
    assert_string_equal(names.items[0], "");
    assert_string_equal(names.items[1], "bin");
    assert_string_equal(names.items[13], "dw short");
    pm_strlist_release(&names);
    pm_store_close(st);
    free(text);
}

/* The writer reproduces the layout byte for byte: wrap column, indent, blank lines, escapes. */
static void test_export_layout_is_wines(void **state)
{
    (void)state;
    size_t len;
    char *text = utf16(wine_text, &len);
    struct pm_store *st = mem_store();
    struct pm_error err;
    assert_int_equal(pm_regfile_import(st, text, len, "w.reg", &err), 0);
    struct pm_buf out = PM_BUF_INIT;
    const char *paths[] = {"Software\\PmTest"};
    assert_int_equal(pm_regfile_export(st, paths, 1, PM_REGFMT_REGEDIT5, &out, &err), 0);
    assert_int_equal(out.len, len);
    assert_memory_equal(out.data, text, len);
    /* REGEDIT4: same lines in UTF-8, no BOM. */
    pm_buf_reset(&out);
    assert_int_equal(pm_regfile_export(st, paths, 1, PM_REGFMT_REGEDIT4, &out, &err), 0);
    const char *expect4 = "REGEDIT4\r\n\r\n[HKEY_CURRENT_USER\\Software\\PmTest]\r\n@=\"default val\"\r\n";
    assert_memory_equal(out.data, expect4, strlen(expect4));
    assert_non_null(strstr(out.data, "\"exp\"=hex(2):25,55,25,00\r\n"));
    assert_non_null(strstr(out.data, "\"multi\"=hex(7):61,00,62,00,00\r\n"));
    assert_non_null(strstr(out.data, "\"lines\"=\"one\\r\\ntwo\"\r\n"));
    pm_buf_release(&out);
    pm_store_close(st);
    free(text);
}

static void test_hex_wrap_depends_on_name_length(void **state)
{
    (void)state;
    struct pm_store *st = mem_store();
    struct pm_error err;
    uint8_t data[60];
    memset(data, 0xab, sizeof(data));
    assert_int_equal(pm_store_set(st, "K", "a-name-of-twenty-chars", PM_REG_BINARY, data, 60, &err), 0);
    struct pm_buf out = PM_BUF_INIT;
    const char *paths[] = {"K"};
    assert_int_equal(pm_regfile_export(st, paths, 1, PM_REGFMT_REGEDIT4, &out, &err), 0);
    /* "name"= is 25 columns, hex: 4 more: 16 bytes reach column 77 on the first line. */
    const char *expect =
        "REGEDIT4\r\n\r\n[HKEY_CURRENT_USER\\K]\r\n"
        "\"a-name-of-twenty-chars\"=hex:ab,ab,ab,ab,ab,ab,ab,ab,ab,ab,ab,ab,ab,ab,ab,ab,\\\r\n"
        "  ab,ab,ab,ab,ab,ab,ab,ab,ab,ab,ab,ab,ab,ab,ab,ab,ab,ab,ab,ab,ab,ab,ab,ab,ab,\\\r\n"
        "  ab,ab,ab,ab,ab,ab,ab,ab,ab,ab,ab,ab,ab,ab,ab,ab,ab,ab,ab\r\n\r\n";
    assert_string_equal(out.data, expect);
    pm_buf_release(&out);
    pm_store_close(st);
}

/* Every type and odd data survive export and import unchanged, in both formats. */
static void test_roundtrip_every_type(void **state)
{
    (void)state;
    struct {
        const char *name;
        uint32_t type;
        const char *data;
        size_t len;
    } vals[] = {
        {"", PM_REG_SZ, "d\0\0\0", 4},
        {"sz", PM_REG_SZ, "a\0\"\0\\\0\n\0\0\0", 10},
        {"sz no nul", PM_REG_SZ, "a\0b\0", 4},
        {"sz odd", PM_REG_SZ, "a\0b", 3},
        {"sz inner nul", PM_REG_SZ, "a\0\0\0b\0\0\0", 8},
        {"sz empty", PM_REG_SZ, "", 0},
        {"sz surrogate", PM_REG_SZ, "\x00\xd8x\0\0\0", 6},
        {"sz pair", PM_REG_SZ, "\x3d\xd8\x00\xde\0\0", 6},
        {"exp", PM_REG_EXPAND_SZ, "%\0x\0%\0\0\0", 8},
        {"bin", PM_REG_BINARY, "\x00\xff\x10", 3},
        {"bin empty", PM_REG_BINARY, "", 0},
        {"dw", PM_REG_DWORD, "\xff\xfe\xfd\xfc", 4},
        {"dw long", PM_REG_DWORD, "\x01\x02\x03\x04\x05", 5},
        {"dwbe", PM_REG_DWORD_BE, "\0\0\0\1", 4},
        {"link", PM_REG_LINK, "\\\0R\0", 4},
        {"multi", PM_REG_MULTI_SZ, "a\0\0\0\0\0", 6},
        {"qw", PM_REG_QWORD, "\1\2\3\4\5\6\7\x08", 8},
        {"none", PM_REG_NONE, "\x01", 1},
        {"odd type", 0x12345, "zz", 2},
        {"name \"quoted\" \\ =", PM_REG_SZ, "\0\0", 2},
        {"line\nbreak", PM_REG_BINARY, "\x01", 1},
    };
    for (int fmt = 4; fmt <= 5; fmt++) {
        struct pm_store *a = mem_store(), *b = mem_store();
        struct pm_error err;
        for (size_t i = 0; i < PM_ARRAY_SIZE(vals); i++)
            assert_int_equal(pm_store_set(a, "Software\\\xc3\x9c" "ber\\x", vals[i].name, vals[i].type,
                                          vals[i].data, vals[i].len, &err),
                             0);
        assert_int_equal(pm_store_create_key(a, "Software\\empty", &err), 1);
        struct pm_buf out = PM_BUF_INIT;
        const char *paths[] = {"Software", "Missing\\Key"};
        assert_int_equal(pm_regfile_export(a, paths, 2, fmt, &out, &err), 0);
        assert_int_equal(pm_regfile_import(b, out.data, out.len, "rt.reg", &err), 0);
        for (size_t i = 0; i < PM_ARRAY_SIZE(vals); i++)
            assert_value(b, "software\\\xc3\xbc" "ber\\X", vals[i].name, vals[i].type, vals[i].data,
                         vals[i].len);
        assert_int_equal(pm_store_key_exists(b, "Software\\empty", &err), 1);
        assert_int_equal(pm_store_key_exists(b, "Missing", &err), 0);
        pm_buf_release(&out);
        pm_store_close(a);
        pm_store_close(b);
    }
}

static void test_regedit4_and_utf8(void **state)
{
    (void)state;
    struct pm_store *st = mem_store();
    struct pm_error err;
    /* ANSI REGEDIT4 from regedit: hex(2) holds 8-bit text, widened on import; LF line ends,
     * HKCU alias, comments, blanks around '=' and a Latin-1 byte that is not UTF-8. */
    const char *t = "REGEDIT4\n"
                    "; a comment\n"
                    "[HKCU\\Software\\R4]\n"
                    "\"e\" = hex(2):25,41,25,00\n"
                    "\"s\"=\"caf\xe9\"  ; trailing comment\n"
                    "\"raw\"=hex(1):41,00\n"
                    "\"d\"=dword:1\n";
    assert_int_equal(import_str(st, t, &err), 0);
    assert_value(st, "Software\\R4", "e", PM_REG_EXPAND_SZ, "%\0A\0%\0\0\0", 8);
    assert_value(st, "Software\\R4", "s", PM_REG_SZ, "c\0a\0f\0\xe9\0\0\0", 10);
    assert_value(st, "Software\\R4", "raw", PM_REG_SZ, "A\0", 2);
    assert_value(st, "Software\\R4", "d", PM_REG_DWORD, "\1\0\0\0", 4);
    /* REGEDIT5 in UTF-8 with a BOM. */
    const char *t5 = "\xef\xbb\xbfWindows Registry Editor Version 5.00\r\n\r\n"
                     "[HKEY_CURRENT_USER\\Software\\U8]\r\n\"\xc3\xa9\"=\"\xe2\x82\xac\"\r\n";
    assert_int_equal(import_str(st, t5, &err), 0);
    assert_value(st, "Software\\U8", "\xc3\xa9", PM_REG_SZ, "\xac\x20\0\0", 4);
    pm_store_close(st);
}

static void test_deletions(void **state)
{
    (void)state;
    struct pm_store *st = mem_store();
    struct pm_error err;
    const char *t = "Windows Registry Editor Version 5.00\r\n"
                    "[HKEY_CURRENT_USER\\A\\B]\r\n\"v\"=\"1\"\r\n\"w\"=\"2\"\r\n"
                    "[HKEY_CURRENT_USER\\A\\C]\r\n@=\"x\"\r\n"
                    "[HKEY_CURRENT_USER\\A\\B]\r\n\"v\"=-\r\n"
                    "[-HKEY_CURRENT_USER\\A\\C]\r\n";
    assert_int_equal(import_str(st, t, &err), 0);
    struct pm_value v = PM_VALUE_INIT;
    assert_int_equal(pm_store_get(st, "A\\B", "v", &v, &err), 0);
    assert_int_equal(pm_store_get(st, "A\\B", "w", &v, &err), 1);
    assert_int_equal(pm_store_key_exists(st, "A\\C", &err), 0);
    pm_value_release(&v);
    pm_store_close(st);
}

static void expect_parse_error(const char *text, size_t len, int code, unsigned line,
                               const char *needle)
{
    struct pm_error err;
    pm_error_clear(&err);
    int rc = pm_regfile_parse(text, len, "bad.reg", NULL, NULL, &err);
    if (rc != code || err.line != line || !strstr(err.msg, needle))
        fail_msg("expected %d at line %u with '%s', got %d at %s:%u: %s", code, line, needle, rc,
                 err.where, err.line, err.msg);
    assert_string_equal(err.where, "bad.reg");
}

#define H5 "Windows Registry Editor Version 5.00\r\n"

static void test_broken_files_name_their_line(void **state)
{
    (void)state;
    expect_parse_error("", 0, PM_ERR_PARSE, 1, "empty file");
    expect_parse_error("\xff\xfe", 2, PM_ERR_PARSE, 1, "empty file");
    expect_parse_error("hello\r\n", 7, PM_ERR_PARSE, 1, "not a .reg file");
    expect_parse_error("\x7f" "ELF\x02\x01\x01\0\0\0", 10, PM_ERR_PARSE, 1, "not a .reg file");
#define BAD(s, line, needle) expect_parse_error(s, strlen(s), PM_ERR_PARSE, line, needle)
    BAD(H5 "\r\n[HKEY_CURRENT_USER\\A\r\n", 3, "missing ']'");
    BAD(H5 "[HKEY_BOGUS\\A]\r\n", 2, "unknown root key 'HKEY_BOGUS'");
    BAD(H5 "\"v\"=\"x\"\r\n", 2, "before any [key]");
    BAD(H5 "[HKCU\\A]\r\n\"v\"=\"x\r\n", 3, "unterminated string");
    BAD(H5 "[HKCU\\A]\r\n\"v=\"x\"\r\n", 3, "expected '='");
    BAD(H5 "[HKCU\\A]\r\n\"v\"=dword:123456789\r\n", 3, "1 to 8 hex digits");
    BAD(H5 "[HKCU\\A]\r\n\"v\"=dword:\r\n", 3, "1 to 8 hex digits");
    BAD(H5 "[HKCU\\A]\r\n\"v\"=hex(zz):00\r\n", 3, "bad type");
    BAD(H5 "[HKCU\\A]\r\n\"v\"=hex:0g\r\n", 3, "expected ','");
    BAD(H5 "[HKCU\\A]\r\n\"v\"=hex:00,\\\r\n  01,xx\r\n", 4, "bad hex digit");
    BAD(H5 "[HKCU\\A]\r\n\"v\"=hex:00,\\\r\n", 3, "file ends inside hex data");
    BAD(H5 "[HKCU\\A]\r\n\"v\"=str\r\n", 3, "unrecognized value data");
    BAD(H5 "[HKCU\\A]\r\n\"v\"=\"x\" junk\r\n", 3, "unexpected text after the value");
    BAD(H5 "[HKCU\\A]\r\nrandom words\r\n", 3, "unexpected text");
    BAD(H5 "[-HKCU\\A]\r\n\"v\"=\"x\"\r\n", 3, "after a key deletion");
    /* Truncated UTF-16 (odd byte count) and big-endian text. */
    size_t len;
    char *t = utf16(H5 "[HKCU\\A]\r\n", &len);
    expect_parse_error(t, len - 1, PM_ERR_PARSE, 0, "truncated UTF-16");
    free(t);
    expect_parse_error("\xfe\xff\0W", 4, PM_ERR_PARSE, 1, "big-endian");
}

static void test_ceilings(void **state)
{
    (void)state;
    /* A string of 8 Mi characters plus its NUL is one byte pair past PM_MAX_VALUE_BYTES. */
    size_t n = PM_MAX_VALUE_BYTES / 2;
    struct pm_buf b = PM_BUF_INIT;
    assert_int_equal(pm_buf_puts(&b, H5 "[HKCU\\A]\r\n\"v\"=\""), 0);
    char *chunk = malloc(n);
    memset(chunk, 'x', n);
    assert_int_equal(pm_buf_append(&b, chunk, n), 0);
    assert_int_equal(pm_buf_puts(&b, "\"\r\n"), 0);
    free(chunk);
    expect_parse_error(b.data, b.len, PM_ERR_LIMIT, 3, "too");
    pm_buf_release(&b);
    /* Too deep a key. */
    assert_int_equal(pm_buf_puts(&b, H5 "[HKCU"), 0);
    for (int i = 0; i < 600; i++)
        pm_buf_puts(&b, "\\k");
    pm_buf_puts(&b, "]\r\n");
    expect_parse_error(b.data, b.len, PM_ERR_LIMIT, 2, "nested too deeply");
    pm_buf_release(&b);
    /* pm_file_read honours its ceiling. */
    const char *dir = tempdir("regfile");
    char path[600];
    snprintf(path, sizeof(path), "%s/big", dir);
    assert_int_equal(pmt_write_file(path, "0123456789", 10), 0);
    struct pm_error err;
    assert_int_equal(pm_file_read(path, 9, &b, &err), PM_ERR_LIMIT);
    pm_buf_release(&b);
    assert_int_equal(pm_file_read(path, 10, &b, &err), 0);
    assert_int_equal(b.len, 10);
    pm_buf_release(&b);
    remove(path);
    remove(dir);
}

static void test_import_is_all_or_nothing(void **state)
{
    (void)state;
    struct pm_store *st = mem_store();
    struct pm_error err;
    assert_int_equal(pm_store_set(st, "Keep", "v", PM_REG_SZ, "1\0\0\0", 4, &err), 0);
    const char *t = H5 "[HKEY_CURRENT_USER\\Keep]\r\n\"v\"=\"changed\"\r\n"
                       "[HKEY_LOCAL_MACHINE\\Software]\r\n\"x\"=\"y\"\r\n";
    pm_error_clear(&err);
    assert_int_equal(import_str(st, t, &err), PM_ERR_PARSE);
    assert_int_equal(err.line, 4);
    assert_non_null(strstr(err.msg, "HKEY_LOCAL_MACHINE\\Software"));
    assert_value(st, "Keep", "v", PM_REG_SZ, "1\0\0\0", 4);
    assert_int_equal(pm_store_in_transaction(st), 0);
    /* In the caller's transaction: nothing is committed or rolled back by the import. */
    assert_int_equal(pm_store_begin(st, &err), 0);
    assert_int_equal(import_str(st, H5 "[HKCU\\Keep]\r\n\"v\"=dword:2\r\n", &err), 0);
    assert_int_equal(pm_store_in_transaction(st), 1);
    assert_int_equal(pm_store_rollback(st, &err), 0);
    assert_value(st, "Keep", "v", PM_REG_SZ, "1\0\0\0", 4);
    /* A store refusal is reported with the file and line too. */
    pm_error_clear(&err);
    assert_int_equal(import_str(st, H5 "\r\n[HKEY_CURRENT_USER]\r\n@=\"x\"\r\n", &err),
                     PM_ERR_INVALID);
    assert_string_equal(err.where, "t.reg");
    assert_int_equal(err.line, 4);
    /* A key name with a line break cannot be exported (it would end the [key] line). */
    assert_int_equal(pm_store_set(st, "Bad\nKey", "v", PM_REG_SZ, "1\0\0\0", 4, &err), 0);
    struct pm_buf out = PM_BUF_INIT;
    const char *paths[] = {""};
    assert_int_equal(pm_regfile_export(st, paths, 1, PM_REGFMT_REGEDIT5, &out, &err),
                     PM_ERR_UNSUPPORTED);
    pm_buf_release(&out);
    pm_store_close(st);
}

/* ---- the reg store ---- */

static char *write_tmp(const char *dir, const char *name, const void *data, size_t len)
{
    char *path = malloc(strlen(dir) + strlen(name) + 2);
    sprintf(path, "%s/%s", dir, name);
    assert_int_equal(pmt_write_file(path, data, len), 0);
    return path;
}

static struct pm_store *open_reg(const char *path, unsigned flags, struct pm_error *err)
{
    char spec[700];
    snprintf(spec, sizeof(spec), "reg:%s", path);
    struct pm_store *st = NULL;
    int rc = pm_store_open(&st, spec, flags, err);
    return rc < 0 ? NULL : st;
}

static void test_reg_store_keeps_other_roots_and_style(void **state)
{
    (void)state;
    const char *dir = tempdir("regstore");
    /* UTF-8, LF, REGEDIT4, HKLM around the HKCU keys. */
    const char *t = "REGEDIT4\n\n[HKEY_LOCAL_MACHINE\\Software\\Vendor]\n\"a\"=\"1\"\n\n"
                    "[HKEY_CURRENT_USER\\Software\\Mine]\n\"b\"=dword:00000002\n\n";
    char *path = write_tmp(dir, "s.reg", t, strlen(t));
    struct pm_error err;
    struct pm_store *st = open_reg(path, 0, &err);
    assert_non_null(st);
    /* The store sees HKCU only. */
    struct pm_strlist subs = PM_STRLIST_INIT;
    assert_int_equal(pm_store_subkeys(st, "Software", &subs, &err), 1);
    assert_int_equal(subs.n, 1);
    assert_string_equal(subs.items[0], "Mine");
    pm_strlist_release(&subs);
    assert_int_equal(pm_store_set(st, "Software\\Mine", "c", PM_REG_SZ, "z\0\0\0", 4, &err), 0);
    pm_store_close(st);
    size_t len;
    char *got = pmt_read_file(path, &len);
    const char *expect = "REGEDIT4\n\n[HKEY_LOCAL_MACHINE\\Software\\Vendor]\n\"a\"=\"1\"\n\n"
                         "[HKEY_CURRENT_USER\\Software\\Mine]\n\"b\"=dword:00000002\n\"c\"=\"z\"\n\n";
    assert_string_equal(got, expect);
    free(got);
    /* No temporary file is left beside it. */
    DIR *dh = opendir(dir);
    struct dirent *de;
    int files = 0;
    while ((de = readdir(dh)))
        if (de->d_name[0] != '.')
            files++;
    closedir(dh);
    assert_int_equal(files, 1);
    remove(path);
    free(path);
    remove(dir);
}

static void test_reg_store_errors(void **state)
{
    (void)state;
    const char *dir = tempdir("regerr");
    char missing[600];
    snprintf(missing, sizeof(missing), "%s/nope.reg", dir);
    struct pm_error err;
    pm_error_clear(&err);
    assert_null(open_reg(missing, 0, &err));
    assert_int_equal(err.code, PM_ERR_IO);
    char want[700];
    snprintf(want, sizeof(want), "cannot open '%s': ", missing);
    assert_memory_equal(err.msg, want, strlen(want));
    const char *text = H5 "\r\n[HKCU\\A]\r\n\"x\"=?\r\n";
    char *bad = write_tmp(dir, "bad.reg", text, strlen(text));
    pm_error_clear(&err);
    assert_null(open_reg(bad, 0, &err));
    assert_int_equal(err.code, PM_ERR_PARSE);
    assert_string_equal(err.where, bad);
    assert_int_equal(err.line, 4);
    remove(bad);
    free(bad);
    remove(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wine_utf16_values),
        cmocka_unit_test(test_export_layout_is_wines),
        cmocka_unit_test(test_hex_wrap_depends_on_name_length),
        cmocka_unit_test(test_roundtrip_every_type),
        cmocka_unit_test(test_regedit4_and_utf8),
        cmocka_unit_test(test_deletions),
        cmocka_unit_test(test_broken_files_name_their_line),
        cmocka_unit_test(test_ceilings),
        cmocka_unit_test(test_import_is_all_or_nothing),
        cmocka_unit_test(test_reg_store_keeps_other_roots_and_style),
        cmocka_unit_test(test_reg_store_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
