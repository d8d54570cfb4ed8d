/* Tests of the building blocks in util.c (include/pm/util.h) every other module stands on: the
 * growable buffer and its ceiling, the string list, UTF-8 <-> UTF-16LE conversion (profile
 * strings are UTF-16LE in the registry; config and PUF are UTF-8), the registry's case-insensitive
 * name comparison, and hex. */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the four above, which it needs */

#include <stdlib.h>
#include <string.h>

#include "pm/util.h"

static void test_buf(void **state)
{
    (void)state;
    struct pm_buf b = PM_BUF_INIT;
    /* Always NUL-terminated, the NUL not counted. */
    assert_int_equal(pm_buf_puts(&b, "abc"), 0);
    assert_int_equal(pm_buf_putc(&b, 'd'), 0);
    assert_int_equal(pm_buf_append(&b, "e\0f", 3), 0);
    assert_int_equal(b.len, 7);
    assert_memory_equal(b.data, "abcde\0f", 8);
    assert_int_equal(pm_buf_printf(&b, "-%d-%s", 42, "x"), 0);
    assert_int_equal(b.len, 12);
    assert_string_equal(b.data + 7, "-42-x");
    /* Growth past the first allocation keeps the content. */
    for (int i = 0; i < 1000; i++)
        assert_int_equal(pm_buf_putc(&b, (char)('a' + i % 26)), 0);
    assert_int_equal(b.len, 1012);
    assert_int_equal(b.data[1011], 'a' + 999 % 26);
    assert_int_equal(b.data[1012], 0);
    /* Reset keeps the memory, empties the text. */
    char *mem = b.data;
    pm_buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_ptr_equal(b.data, mem);
    assert_string_equal(b.data, "");
    pm_buf_release(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
}

static void test_buf_ceiling(void **state)
{
    (void)state;
    struct pm_buf b;
    pm_buf_init(&b, 8);
    assert_int_equal(pm_buf_puts(&b, "12345678"), 0);
    /* Past the ceiling: refused, and what was there is untouched. */
    assert_int_equal(pm_buf_putc(&b, '9'), PM_ERR_LIMIT);
    assert_int_equal(pm_buf_printf(&b, "%s", "x"), PM_ERR_LIMIT);
    assert_int_equal(b.len, 8);
    assert_string_equal(b.data, "12345678");
    pm_buf_reset(&b);
    assert_int_equal(pm_buf_append(&b, "123456789", 9), PM_ERR_LIMIT);
    assert_int_equal(b.len, 0);
    /* An appended length that would wrap around is refused too. */
    assert_int_equal(pm_buf_append(&b, "", SIZE_MAX), PM_ERR_LIMIT);
    pm_buf_release(&b);
    /* 0 means the default ceiling. */
    pm_buf_init(&b, 0);
    assert_int_equal(b.max, PM_BUF_DEFAULT_MAX);
    pm_buf_release(&b);
}

static void test_buf_detach(void **state)
{
    (void)state;
    struct pm_buf b = PM_BUF_INIT;
    size_t len = 99;
    /* Even an empty buffer hands over a C string. */
    char *s = pm_buf_detach(&b, &len);
    assert_non_null(s);
    assert_string_equal(s, "");
    assert_int_equal(len, 0);
    free(s);
    assert_int_equal(pm_buf_puts(&b, "owned"), 0);
    s = pm_buf_detach(&b, &len);
    assert_string_equal(s, "owned");
    assert_int_equal(len, 5);
    /* The buffer no longer owns it and starts again empty. */
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    free(s);
    s = pm_buf_detach(&b, NULL);
    assert_non_null(s);
    free(s);
}

static void test_strdup_strlist(void **state)
{
    (void)state;
    char *s = pm_strdup("profile");
    assert_string_equal(s, "profile");
    free(s);
    assert_null(pm_strdup(NULL));
    s = pm_strndup("abcdef", 3);
    assert_string_equal(s, "abc");
    free(s);

    struct pm_strlist l = PM_STRLIST_INIT;
    for (int i = 0; i < 20; i++) /* past the first growth */
        assert_int_equal(pm_strlist_add(&l, i % 2 ? "Outlook" : "Zoë"), 0);
    assert_int_equal(pm_strlist_addn(&l, "Archive-x", 7), 0);
    assert_int_equal(l.n, 21);
    assert_string_equal(l.items[20], "Archive");
    /* Found the way the registry compares names: case-insensitive, Latin-1 folded. */
    assert_int_equal(pm_strlist_find(&l, "OUTLOOK"), 1);
    assert_int_equal(pm_strlist_find(&l, "ZOË"), 0);
    assert_int_equal(pm_strlist_find(&l, "archive"), 20);
    assert_int_equal(pm_strlist_find(&l, "Outlook2"), -1);
    pm_strlist_release(&l);
    assert_null(l.items);
    assert_int_equal(l.n, 0);
}

static void test_name_casecmp(void **state)
{
    (void)state;
    assert_int_equal(pm_name_casecmp("001F6641", "001f6641"), 0);
    assert_int_equal(pm_name_casecmp("Outlook", "OUTLOOK"), 0);
    /* Latin-1, Latin Extended-A, Greek and Cyrillic fold like the registry does. */
    assert_int_equal(pm_name_casecmp("Zoë Privé", "ZOË PRIVÉ"), 0);
    assert_int_equal(pm_name_casecmp("Łódź", "ŁÓDŹ"), 0);
    assert_int_equal(pm_name_casecmp("Ωμεγα", "ΩΜΕΓΑ"), 0);
    assert_int_equal(pm_name_casecmp("почта", "ПОЧТА"), 0);
    assert_int_equal(pm_name_casecmp("ÿ", "Ÿ"), 0);
    /* Order and prefixes. */
    assert_true(pm_name_casecmp("a", "B") < 0);
    assert_true(pm_name_casecmp("b", "A") > 0);
    assert_true(pm_name_casecmp("abc", "ab") > 0);
    assert_true(pm_name_casecmp("ab", "ABC") < 0);
    assert_int_equal(pm_name_ncasecmp("abcX", 3, "ABCY", 3), 0);
    /* Anything else is compared exactly: no folding of unrelated letters. */
    assert_true(pm_name_casecmp("a", "á") != 0);

    assert_int_equal(pm_ascii_ncasecmp("/O=Org/CN=x", "/o=org/cn=X", 11), 0);
    assert_true(pm_ascii_ncasecmp("a", "b", 1) < 0);
    assert_int_equal(pm_ascii_ncasecmp("É", "é", 2) != 0, 1); /* ASCII only */
    const char *hay = "SMTP:Alice@Example.COM";
    assert_ptr_equal(pm_ascii_casestr(hay, strlen(hay), "alice@example.com", 17), hay + 5);
    assert_ptr_equal(pm_ascii_casestr(hay, strlen(hay), "", 0), hay);
    assert_null(pm_ascii_casestr(hay, strlen(hay), "bob", 3));
    assert_null(pm_ascii_casestr(hay, 4, "SMTP:", 5)); /* the length bounds the search */
}

static void utf16_is(const char *utf8, const void *want, size_t wantlen, int nul)
{
    struct pm_buf b = PM_BUF_INIT;
    assert_int_equal(pm_utf8_to_utf16le(utf8, strlen(utf8), nul, &b), 0);
    assert_int_equal(b.len, wantlen);
    assert_memory_equal(b.data, want, wantlen);
    pm_buf_release(&b);
}

static void test_utf8_to_utf16(void **state)
{
    (void)state;
    utf16_is("ab", "a\0b\0", 4, 0);
    utf16_is("ab", "a\0b\0\0\0", 6, 1);
    utf16_is("", "\0\0", 2, 1);
    utf16_is("é€", "\xe9\x00\xac\x20", 4, 0);
    /* Outside the BMP: a surrogate pair (U+1F600 = D83D DE00). */
    utf16_is("\xf0\x9f\x98\x80", "\x3d\xd8\x00\xde", 4, 0);
    /* Invalid bytes become U+FFFD, one each, and decoding moves on. */
    utf16_is("a\xff"
             "b",
             "a\0\xfd\xff"
             "b\0",
             6, 0);
    utf16_is("\xc3", "\xfd\xff", 2, 0); /* truncated sequence */
}

static void utf8_is(const void *utf16, size_t len, const char *want)
{
    struct pm_buf b = PM_BUF_INIT;
    assert_int_equal(pm_utf16le_to_utf8(utf16, len, &b), 0);
    assert_non_null(b.data);
    assert_string_equal(b.data, want);
    pm_buf_release(&b);
}

static void test_utf16_to_utf8(void **state)
{
    (void)state;
    utf8_is("a\0b\0", 4, "ab");
    utf8_is("a\0b\0\0\0x\0", 8, "ab"); /* stops at the first NUL unit */
    utf8_is("a\0b", 3, "a");            /* an odd trailing byte is ignored */
    utf8_is("", 0, "");
    utf8_is("\xe9\x00\xac\x20", 4, "é€");
    utf8_is("\x3d\xd8\x00\xde", 4, "\xf0\x9f\x98\x80");
    /* Unpaired surrogates: U+FFFD, never invalid UTF-8. */
    utf8_is("\x3d\xd8", 2, "\xef\xbf\xbd");
    utf8_is("\x3d\xd8x\0", 4, "\xef\xbf\xbdx");
    utf8_is("\x00\xde", 2, "\xef\xbf\xbd");
}

static void test_utf8_decode_valid(void **state)
{
    (void)state;
    uint32_t cp = 0;
    assert_int_equal(pm_utf8_decode("A", 1, &cp), 1);
    assert_int_equal(cp, 'A');
    assert_int_equal(pm_utf8_decode("\xc3\xa9", 2, &cp), 2);
    assert_int_equal(cp, 0xe9);
    assert_int_equal(pm_utf8_decode("\xe2\x82\xac", 3, &cp), 3);
    assert_int_equal(cp, 0x20ac);
    assert_int_equal(pm_utf8_decode("\xf4\x8f\xbf\xbf", 4, &cp), 4);
    assert_int_equal(cp, 0x10ffff);
    /* Refused: nothing, a lone continuation, overlong, surrogate, beyond U+10FFFF, truncated. */
    assert_int_equal(pm_utf8_decode("", 0, &cp), 0);
    assert_int_equal(pm_utf8_decode("\x80", 1, &cp), 0);
    assert_int_equal(pm_utf8_decode("\xc0\x80", 2, &cp), 0);
    assert_int_equal(pm_utf8_decode("\xe0\x80\x80", 3, &cp), 0);
    assert_int_equal(pm_utf8_decode("\xed\xa0\x80", 3, &cp), 0);
    assert_int_equal(pm_utf8_decode("\xf4\x90\x80\x80", 4, &cp), 0);
    assert_int_equal(pm_utf8_decode("\xe2\x82", 2, &cp), 0);
    assert_int_equal(pm_utf8_decode("\xe2\x82\xac", 2, &cp), 0); /* length bounds it */
    assert_int_equal(pm_utf8_decode("\xf8\x88\x80\x80\x80", 5, &cp), 0);

    assert_int_equal(pm_utf8_valid("Zoë – Privé", strlen("Zoë – Privé")), 1);
    assert_int_equal(pm_utf8_valid("", 0), 1);
    assert_int_equal(pm_utf8_valid("ok\xff", 3), 0);
    assert_int_equal(pm_utf8_valid("ok\xff", 2), 1);
}

static void test_hex(void **state)
{
    (void)state;
    static const uint8_t uid[4] = {0x13, 0xdb, 0xb0, 0xc8};
    char out[9];
    pm_hex_lower(uid, 4, out);
    assert_string_equal(out, "13dbb0c8");
    pm_hex_lower(uid, 0, out);
    assert_string_equal(out, "");
    assert_int_equal(pm_hex_digit('0'), 0);
    assert_int_equal(pm_hex_digit('9'), 9);
    assert_int_equal(pm_hex_digit('a'), 10);
    assert_int_equal(pm_hex_digit('F'), 15);
    assert_int_equal(pm_hex_digit('g'), -1);
    assert_int_equal(pm_hex_digit(-1), -1);
    uint8_t back[4] = {0};
    assert_int_equal(pm_hex_parse("13DBb0c8", 8, back, 4), 0);
    assert_memory_equal(back, uid, 4);
    /* Exactly 2*len digits, nothing else. */
    assert_int_equal(pm_hex_parse("13dbb0c", 7, back, 4), PM_ERR_PARSE);
    assert_int_equal(pm_hex_parse("13dbb0c8a0", 10, back, 4), PM_ERR_PARSE);
    assert_int_equal(pm_hex_parse("13dbb0cx", 8, back, 4), PM_ERR_PARSE);
    assert_int_equal(pm_hex_parse("", 0, back, 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buf),           cmocka_unit_test(test_buf_ceiling),
        cmocka_unit_test(test_buf_detach),    cmocka_unit_test(test_strdup_strlist),
        cmocka_unit_test(test_name_casecmp),  cmocka_unit_test(test_utf8_to_utf16),
        cmocka_unit_test(test_utf16_to_utf8), cmocka_unit_test(test_utf8_decode_valid),
        cmocka_unit_test(test_hex),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
