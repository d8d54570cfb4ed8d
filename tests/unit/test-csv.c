/* Tests of the CSV reader on what Export-Csv really writes: the #TYPE line, BOMs and UTF-16,
 * quoted fields with commas, quotes and line breaks, and broken files. */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the headers it needs */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pm/csv.h"
#include "testutil.h"

static struct pm_csv *open_str(const char *s, size_t len)
{
    struct pm_csv *c;
    struct pm_error err;
    assert_int_equal(pm_csv_open_mem(&c, s, len, "t.csv", &err), 0);
    return c;
}

static void test_powershell5_export(void **state)
{
    (void)state;
    const char *s = "#TYPE Selected.Microsoft.Exchange.Data.Directory.Management.Mailbox\r\n"
                    "\"DisplayName\",\"Alias\",\"EmailAddresses\"\r\n"
                    "\"Doe, Jane\",\"jdoe\",\"SMTP:jane@a.com X500:/o=A/cn=x\"\r\n"
                    "\"Say \"\"Hi\"\"\",\"\",\"multi\r\nline\"\r\n";
    struct pm_csv *c = open_str(s, strlen(s));
    assert_int_equal(pm_csv_columns(c), 3);
    assert_string_equal(pm_csv_column_name(c, 0), "DisplayName");
    assert_int_equal(pm_csv_column(c, "alias"), 1);
    assert_int_equal(pm_csv_column(c, "emailaddresses"), 2);
    assert_int_equal(pm_csv_column(c, "Missing"), -1);
    char **f;
    size_t n;
    unsigned line;
    assert_int_equal(pm_csv_next(c, &f, &n, &line, NULL), 1);
    assert_int_equal(n, 3);
    assert_int_equal(line, 3);
    assert_string_equal(f[0], "Doe, Jane");
    assert_string_equal(pm_csv_field(c, 2), "SMTP:jane@a.com X500:/o=A/cn=x");
    assert_int_equal(pm_csv_next(c, &f, &n, &line, NULL), 1);
    assert_int_equal(line, 4);
    assert_string_equal(f[0], "Say \"Hi\"");
    assert_string_equal(f[1], "");
    assert_string_equal(f[2], "multi\r\nline");
    assert_string_equal(pm_csv_field(c, 7), "");
    assert_string_equal(pm_csv_field(c, -1), "");
    assert_int_equal(pm_csv_next(c, &f, &n, &line, NULL), 0);
    pm_csv_close(c);
}

static void test_line_numbers_and_blank_lines(void **state)
{
    (void)state;
    const char *s = "a,b\n\n1,\"x\ny\"\n\n\n2,z";
    struct pm_csv *c = open_str(s, strlen(s));
    char **f;
    size_t n;
    unsigned line;
    assert_int_equal(pm_csv_next(c, &f, &n, &line, NULL), 1);
    assert_int_equal(line, 3);
    assert_int_equal(pm_csv_next(c, &f, &n, &line, NULL), 1);
    assert_int_equal(line, 7);
    assert_string_equal(f[0], "2");
    assert_string_equal(f[1], "z");
    assert_int_equal(pm_csv_next(c, &f, &n, &line, NULL), 0);
    pm_csv_close(c);
}

static void test_encodings(void **state)
{
    (void)state;
    /* UTF-8 with BOM */
    const char *u8 = "\xef\xbb\xbfName\nJ\xc3\xbcrgen\n";
    struct pm_csv *c = open_str(u8, strlen(u8));
    assert_string_equal(pm_csv_column_name(c, 0), "Name");
    char **f;
    size_t n;
    assert_int_equal(pm_csv_next(c, &f, &n, NULL, NULL), 1);
    assert_string_equal(f[0], "J\xc3\xbcrgen");
    pm_csv_close(c);

    /* UTF-16LE and BE with BOM (Export-Csv -Encoding Unicode / BigEndianUnicode) */
    const char *ascii = "\"N\",\"M\"\r\n\"J\xfcrgen, X\",\"2\"\r\n";
    size_t al = strlen(ascii);
    unsigned char le[128], be[128];
    le[0] = 0xff, le[1] = 0xfe, be[0] = 0xfe, be[1] = 0xff;
    for (size_t i = 0; i < al; i++) {
        le[2 + 2 * i] = (unsigned char)ascii[i], le[3 + 2 * i] = 0;
        be[2 + 2 * i] = 0, be[3 + 2 * i] = (unsigned char)ascii[i];
    }
    for (int k = 0; k < 2; k++) {
        c = open_str((const char *)(k ? be : le), 2 + 2 * al);
        assert_int_equal(pm_csv_column(c, "M"), 1);
        assert_int_equal(pm_csv_next(c, &f, &n, NULL, NULL), 1);
        assert_string_equal(f[0], "J\xc3\xbcrgen, X");
        assert_string_equal(f[1], "2");
        pm_csv_close(c);
    }

    /* no BOM and not UTF-8: Windows-1252 */
    const char *ansi = "N\n\x80 M\xfcller\n";
    c = open_str(ansi, strlen(ansi));
    assert_int_equal(pm_csv_next(c, &f, &n, NULL, NULL), 1);
    assert_string_equal(f[0], "\xe2\x82\xac M\xc3\xbcller");
    pm_csv_close(c);
}

/* Every record of the file read with pm_csv_open equals the same bytes read with
 * pm_csv_open_mem: the file is decoded a chunk at a time, and code units, surrogate pairs and
 * multi-byte sequences cut by a chunk end must come out as if decoded whole. */
static void same_as_mem(const unsigned char *data, size_t len)
{
    char *dir = (char *)pmt_tempdir("csv-chunks");
    char path[1024];
    snprintf(path, sizeof(path), "%s/x.csv", dir);
    free(dir);
    assert_int_equal(pmt_write_file(path, data, len), 0);
    struct pm_csv *a, *b;
    struct pm_error err;
    assert_int_equal(pm_csv_open(&a, path, &err), 0);
    assert_int_equal(pm_csv_open_mem(&b, data, len, path, &err), 0);
    char **fa, **fb;
    size_t na, nb;
    unsigned la, lb;
    int ra, rb, records = 0;
    do {
        ra = pm_csv_next(a, &fa, &na, &la, NULL);
        rb = pm_csv_next(b, &fb, &nb, &lb, NULL);
        assert_int_equal(ra, rb);
        if (ra > 0) {
            records++;
            assert_int_equal(na, nb);
            assert_int_equal(la, lb);
            for (size_t i = 0; i < na; i++)
                assert_string_equal(fa[i], fb[i]);
        }
    } while (ra > 0);
    assert_true(records > 1000);
    pm_csv_close(a);
    pm_csv_close(b);
}

static void test_file_decoded_in_chunks(void **state)
{
    (void)state;
    /* ~200 KB of records whose text shifts by one code unit each row, so every kind of sequence
     * lands on the 64 KiB chunk boundaries somewhere: U+1F600 (a surrogate pair in UTF-16, four
     * bytes in UTF-8), U+00FC, ASCII. */
    const unsigned cps[] = {'"', 'a', 0x1F600, 0xFC, 'b', '"', ',', '"'};
    size_t cap = 600000, n16 = 0;
    unsigned *text = malloc(cap * sizeof(*text));
    const char *head = "Name,Value\r\n";
    for (const char *p = head; *p; p++)
        text[n16++] = (unsigned char)*p;
    for (unsigned row = 0; n16 < 100000; row++) {
        for (unsigned k = 0; k < row % 7; k++)
            text[n16++] = 'x';
        for (size_t k = 0; k < PM_ARRAY_SIZE(cps); k++)
            text[n16++] = cps[k];
        text[n16++] = 'v';
        text[n16++] = '"';
        text[n16++] = '\r';
        text[n16++] = '\n';
    }
    unsigned char *le = malloc(cap * 4 + 8), *be = malloc(cap * 4 + 8), *u8 = malloc(cap * 4 + 8);
    size_t nle = 2, nbe = 2, nu8 = 3;
    le[0] = 0xff, le[1] = 0xfe, be[0] = 0xfe, be[1] = 0xff;
    u8[0] = 0xef, u8[1] = 0xbb, u8[2] = 0xbf;
    for (size_t i = 0; i < n16; i++) {
        unsigned cp = text[i], units[2], nu = 1;
        if (cp >= 0x10000)
            units[0] = 0xD800 + ((cp - 0x10000) >> 10),
            units[1] = 0xDC00 + ((cp - 0x10000) & 0x3ff), nu = 2;
        else
            units[0] = cp;
        for (unsigned k = 0; k < nu; k++) {
            le[nle++] = (unsigned char)(units[k] & 0xff),
            le[nle++] = (unsigned char)(units[k] >> 8);
            be[nbe++] = (unsigned char)(units[k] >> 8),
            be[nbe++] = (unsigned char)(units[k] & 0xff);
        }
        if (cp < 0x80) {
            u8[nu8++] = (unsigned char)cp;
        } else if (cp < 0x800) {
            u8[nu8++] = (unsigned char)(0xc0 | (cp >> 6)),
            u8[nu8++] = (unsigned char)(0x80 | (cp & 0x3f));
        } else {
            u8[nu8++] = (unsigned char)(0xf0 | (cp >> 18));
            u8[nu8++] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
            u8[nu8++] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
            u8[nu8++] = (unsigned char)(0x80 | (cp & 0x3f));
        }
    }
    le[nle] = 'z', be[nbe] = 'z'; /* an odd last byte */
    same_as_mem(le, nle + 1);
    same_as_mem(be, nbe + 1);
    same_as_mem(u8, nu8);
    same_as_mem(u8 + 3, nu8 - 3); /* no BOM, UTF-8 */
    u8[nu8 - 20] = 0x80;          /* no BOM, not UTF-8: Windows-1252 */
    same_as_mem(u8 + 3, nu8 - 3);
    memset(le + 140000, 0, 2); /* a NUL code unit ends the text */
    same_as_mem(le, nle);
    free(text), free(le), free(be), free(u8);
}

static void test_errors(void **state)
{
    (void)state;
    struct pm_csv *c;
    struct pm_error err;
    assert_int_equal(pm_csv_open_mem(&c, "", 0, "e.csv", &err), PM_ERR_PARSE);
    assert_null(c);
    assert_int_equal(pm_csv_open_mem(&c, "#TYPE x\r\n", 9, "e.csv", &err), PM_ERR_PARSE);
    assert_int_equal(pm_csv_open(&c, "/nonexistent/x.csv", &err), PM_ERR_IO);

    const char *s = "a,b\n1,2\n3,\"open\n4,5\n";
    c = open_str(s, strlen(s));
    char **f;
    size_t n;
    unsigned line;
    assert_int_equal(pm_csv_next(c, &f, &n, &line, &err), 1);
    assert_int_equal(pm_csv_next(c, &f, &n, &line, &err), PM_ERR_PARSE);
    assert_int_equal(err.line, 3);
    assert_string_equal(err.where, "t.csv");
    assert_int_equal(pm_csv_next(c, &f, &n, &line, &err), 0);
    pm_csv_close(c);

    /* too many fields in a record */
    size_t big = PM_CSV_MAX_FIELDS + 10;
    char *many = malloc(4 + big + 1);
    memcpy(many, "a\n", 2);
    memset(many + 2, ',', big);
    many[2 + big] = 0;
    c = open_str(many, strlen(many));
    assert_int_equal(pm_csv_next(c, &f, &n, &line, &err), PM_ERR_LIMIT);
    pm_csv_close(c);
    free(many);
}

static void test_stray_quote_kept(void **state)
{
    (void)state;
    const char *s = "a,b,c\nab\"c,\"x\"y,\n";
    struct pm_csv *c = open_str(s, strlen(s));
    char **f;
    size_t n;
    assert_int_equal(pm_csv_next(c, &f, &n, NULL, NULL), 1);
    assert_int_equal(n, 3);
    assert_string_equal(f[0], "ab\"c");
    assert_string_equal(f[1], "xy");
    assert_string_equal(f[2], "");
    pm_csv_close(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_powershell5_export),
        cmocka_unit_test(test_line_numbers_and_blank_lines),
        cmocka_unit_test(test_encodings),
        cmocka_unit_test(test_file_decoded_in_chunks),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_stray_quote_kept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
