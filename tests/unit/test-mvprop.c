/* Tests of the multi-valued property codec (include/pm/mvprop.h): both table widths Outlook
 * writes are read from byte-exact vectors built by hand here, come back byte for byte, take
 * entries of new lengths with count, table, offsets and padding recomputed, and every malformed
 * or ambiguous value is refused. Inputs are copied into heap blocks of exactly their size, so
 * ASan sees any read past a value. */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the four above, which it needs */

#include <stdlib.h>
#include <string.h>

#include "pm/mvprop.h"

static uint8_t *exact(const void *data, size_t len)
{
    uint8_t *p = malloc(len ? len : 1);
    assert_non_null(p);
    if (len)
        memcpy(p, data, len);
    return p;
}

/* Parses a copy; returns the result. The list's views point into *copy (caller frees). */
static int parse(enum pm_mv_kind k, const void *v, size_t len, struct pm_mv_list *l,
                 uint8_t **copy)
{
    *copy = exact(v, len);
    return pm_mv_parse(k, *copy, len, l);
}

/* Parse, check the layout, serialise, compare with the input. */
static void round_trip(enum pm_mv_kind k, const void *v, size_t len, enum pm_mv_layout want,
                       size_t n)
{
    struct pm_mv_list l = PM_MV_LIST_INIT;
    struct pm_buf out = PM_BUF_INIT;
    uint8_t *c;
    assert_int_equal(parse(k, v, len, &l, &c), 1);
    assert_int_equal(l.layout, want);
    assert_int_equal(l.n, n);
    assert_int_equal(pm_mv_serialise(&l, &out), 0);
    assert_int_equal(out.len, len);
    assert_memory_equal(out.data, v, len);
    pm_mv_list_release(&l);
    pm_buf_release(&out);
    free(c);
}

/* Two blobs, aa bb cc (3 bytes) and 11 22 33 44 55 (5 bytes), in the 32-bit layout:
 * header 4 + 2*8 = 20 (0x14); blob 0 at 0x14 padded to 0x18; blob 1 at 0x18, padded to 0x20. */
static const uint8_t bin32[] = {
    0x02, 0, 0, 0,                                  /* count 2 */
    0x03, 0, 0, 0, 0x14, 0, 0, 0,                   /* cb 3, offset 20 */
    0x05, 0, 0, 0, 0x18, 0, 0, 0,                   /* cb 5, offset 24 */
    0xaa, 0xbb, 0xcc, 0,                            /* blob 0 + 1 byte padding */
    0x11, 0x22, 0x33, 0x44, 0x55, 0, 0, 0,          /* blob 1 + 3 bytes padding */
};

/* The same list in the 64-bit layout (Outlook 2013, the real profile): header 4 + 2*16 = 36. */
static const uint8_t bin64[] = {
    0x02, 0, 0, 0,                                          /* count 2 */
    0x03, 0, 0, 0, 0, 0, 0, 0, 0x24, 0, 0, 0, 0, 0, 0, 0,   /* cb 3, offset 36 */
    0x05, 0, 0, 0, 0, 0, 0, 0, 0x28, 0, 0, 0, 0, 0, 0, 0,   /* cb 5, offset 40 */
    0xaa, 0xbb, 0xcc, 0,                                    /* blob 0 + padding */
    0x11, 0x22, 0x33, 0x44, 0x55, 0, 0, 0,                  /* blob 1 + padding */
};

/* outlook-profile-format.md §2.3's worked example: 101e6613 with two strings, 32-bit. */
static const uint8_t str32[] = {
    0x02, 0, 0, 0, 0x0c, 0, 0, 0, 0x1d, 0, 0, 0,
    'n', 'c', 'a', 'c', 'n', '_', 'i', 'p', '_', 't', 'c', 'p', ':', 's', 'r', 'v', 0,
    'n', 'c', 'a', 'c', 'n', '_', 'h', 't', 't', 'p', ':', 's', 'r', 'v', 0,
};

/* A 101f list, 64-bit: "ab" and "c". Header 4 + 2*8 = 20; "ab\0" is 6 bytes at 20, "c\0" 4 bytes
 * at 26. */
static const uint8_t uni64[] = {
    0x02, 0, 0, 0,
    0x14, 0, 0, 0, 0, 0, 0, 0, /* offset 20 */
    0x1a, 0, 0, 0, 0, 0, 0, 0, /* offset 26 */
    'a', 0, 'b', 0, 0, 0,
    'c', 0, 0, 0,
};

static void test_layouts_round_trip(void **state)
{
    (void)state;
    round_trip(PM_MV_BINARY, bin32, sizeof(bin32), PM_MV_LAYOUT_32, 2);
    round_trip(PM_MV_BINARY, bin64, sizeof(bin64), PM_MV_LAYOUT_64, 2);
    round_trip(PM_MV_STRING8, str32, sizeof(str32), PM_MV_LAYOUT_32, 2);
    round_trip(PM_MV_UNICODE, uni64, sizeof(uni64), PM_MV_LAYOUT_64, 2);
    /* The last blob without its padding (29 bytes) is read, remembered and kept. */
    round_trip(PM_MV_BINARY, bin32, 29, PM_MV_LAYOUT_32, 2);
    round_trip(PM_MV_BINARY, bin64, 45, PM_MV_LAYOUT_64, 2);
    /* An empty list: 4 zero bytes, no width to tell. */
    static const uint8_t empty[4] = {0, 0, 0, 0};
    round_trip(PM_MV_BINARY, empty, 4, PM_MV_LAYOUT_NONE, 0);
    round_trip(PM_MV_UNICODE, empty, 4, PM_MV_LAYOUT_NONE, 0);
}

static void test_entries(void **state)
{
    (void)state;
    struct pm_mv_list l = PM_MV_LIST_INIT;
    uint8_t *c;
    assert_int_equal(parse(PM_MV_BINARY, bin64, sizeof(bin64), &l, &c), 1);
    assert_int_equal(l.items[0].len, 3);
    assert_ptr_equal(l.items[0].data, c + 36);
    assert_int_equal(l.items[1].len, 5);
    assert_memory_equal(l.items[1].data, "\x11\x22\x33\x44\x55", 5);
    assert_int_equal(l.pad_last, 1);
    free(c);
    assert_int_equal(parse(PM_MV_BINARY, bin32, 29, &l, &c), 1);
    assert_int_equal(l.pad_last, 0);
    free(c);

    struct pm_buf t = PM_BUF_INIT;
    assert_int_equal(parse(PM_MV_STRING8, str32, sizeof(str32), &l, &c), 1);
    assert_int_equal(l.items[1].len, 14); /* without the NUL */
    assert_int_equal(pm_mv_text(&l, 0, &t), 0);
    assert_string_equal(t.data, "ncacn_ip_tcp:srv");
    assert_int_equal(pm_mv_text(&l, 2, &t), PM_ERR_INVALID);
    free(c);
    assert_int_equal(parse(PM_MV_UNICODE, uni64, sizeof(uni64), &l, &c), 1);
    assert_int_equal(l.items[0].len, 4);
    assert_int_equal(pm_mv_text(&l, 1, &t), 0);
    assert_string_equal(t.data, "c");
    free(c);
    /* Binary lists have no text. */
    assert_int_equal(parse(PM_MV_BINARY, bin32, sizeof(bin32), &l, &c), 1);
    assert_int_equal(pm_mv_text(&l, 0, &t), PM_ERR_INVALID);
    free(c);
    pm_buf_release(&t);
    pm_mv_list_release(&l);
}

static void test_replace_recomputes_framing(void **state)
{
    (void)state;
    struct pm_mv_list l = PM_MV_LIST_INIT;
    struct pm_buf out = PM_BUF_INIT;
    uint8_t *c;
    /* 64-bit: blob 0 grows from 3 to 9 bytes. Blob 0 at 36 ends at 45, padded to 48; blob 1
     * moves to 48 (0x30), ends at 53, padded to 56. */
    static const uint8_t nine[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    static const uint8_t want64[] = {
        0x02, 0, 0, 0,
        0x09, 0, 0, 0, 0, 0, 0, 0, 0x24, 0, 0, 0, 0, 0, 0, 0,
        0x05, 0, 0, 0, 0, 0, 0, 0, 0x30, 0, 0, 0, 0, 0, 0, 0,
        1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 0, 0,
        0x11, 0x22, 0x33, 0x44, 0x55, 0, 0, 0,
    };
    assert_int_equal(parse(PM_MV_BINARY, bin64, sizeof(bin64), &l, &c), 1);
    l.items[0].data = nine;
    l.items[0].len = sizeof(nine);
    assert_int_equal(pm_mv_serialise(&l, &out), 0);
    assert_int_equal(out.len, sizeof(want64));
    assert_memory_equal(out.data, want64, sizeof(want64));
    free(c);
    /* ... and what was written reads back in the same layout. */
    round_trip(PM_MV_BINARY, out.data, out.len, PM_MV_LAYOUT_64, 2);

    /* 32-bit: blob 1 shrinks to 0 bytes (offset stays where it would start, no padding). */
    static const uint8_t want32[] = {
        0x02, 0, 0, 0,
        0x03, 0, 0, 0, 0x14, 0, 0, 0,
        0x00, 0, 0, 0, 0x18, 0, 0, 0,
        0xaa, 0xbb, 0xcc, 0,
    };
    assert_int_equal(parse(PM_MV_BINARY, bin32, sizeof(bin32), &l, &c), 1);
    l.items[1].len = 0;
    assert_int_equal(pm_mv_serialise(&l, &out), 0);
    assert_int_equal(out.len, sizeof(want32));
    assert_memory_equal(out.data, want32, sizeof(want32));
    free(c);

    /* Strings, 32-bit: the first string replaced by a longer one moves the second. */
    struct pm_buf s = PM_BUF_INIT;
    assert_int_equal(parse(PM_MV_STRING8, str32, sizeof(str32), &l, &c), 1);
    assert_int_equal(pm_mv_text_put(PM_MV_STRING8, "ncacn_ip_tcp:server2", &s), 0);
    l.items[0].data = (const uint8_t *)s.data;
    l.items[0].len = s.len;
    assert_int_equal(pm_mv_serialise(&l, &out), 0);
    /* Header 12; "ncacn_ip_tcp:server2\0" is 21 bytes, so the second string starts at 33. */
    assert_int_equal(out.len, 12 + 21 + 15);
    assert_memory_equal(out.data + 4, "\x0c\0\0\0\x21\0\0\0", 8);
    assert_memory_equal(out.data + 33, "ncacn_http:srv", 15);
    free(c);

    /* UTF-16, 64-bit: "ab" becomes "xyz". */
    assert_int_equal(parse(PM_MV_UNICODE, uni64, sizeof(uni64), &l, &c), 1);
    assert_int_equal(pm_mv_text_put(PM_MV_UNICODE, "xyz", &s), 0);
    assert_int_equal(s.len, 6);
    l.items[0].data = (const uint8_t *)s.data;
    l.items[0].len = s.len;
    assert_int_equal(pm_mv_serialise(&l, &out), 0);
    static const uint8_t wantu[] = {
        0x02, 0, 0, 0, 0x14, 0, 0, 0, 0, 0, 0, 0, 0x1c, 0, 0, 0, 0, 0, 0, 0,
        'x', 0, 'y', 0, 'z', 0, 0, 0, 'c', 0, 0, 0,
    };
    assert_int_equal(out.len, sizeof(wantu));
    assert_memory_equal(out.data, wantu, sizeof(wantu));
    free(c);

    pm_buf_release(&s);
    pm_buf_release(&out);
    pm_mv_list_release(&l);
}

static void test_serialise_refuses(void **state)
{
    (void)state;
    struct pm_buf out = PM_BUF_INIT;
    struct pm_mv_entry e[1] = {{(const uint8_t *)"a\0b", 3}};
    struct pm_mv_list l = {PM_MV_STRING8, PM_MV_LAYOUT_32, 1, 1, e};
    /* A NUL inside a string would end it early: the table would lie. */
    assert_int_equal(pm_mv_serialise(&l, &out), PM_ERR_INVALID);
    l.kind = PM_MV_UNICODE;
    e[0].data = (const uint8_t *)"a\0\0\0";
    e[0].len = 4;
    assert_int_equal(pm_mv_serialise(&l, &out), PM_ERR_INVALID);
    e[0].len = 3; /* odd UTF-16 */
    assert_int_equal(pm_mv_serialise(&l, &out), PM_ERR_INVALID);
    /* Entries need a width. */
    l.kind = PM_MV_BINARY;
    l.layout = PM_MV_LAYOUT_NONE;
    assert_int_equal(pm_mv_serialise(&l, &out), PM_ERR_INVALID);
    l.layout = (enum pm_mv_layout)16;
    assert_int_equal(pm_mv_serialise(&l, &out), PM_ERR_INVALID);
    /* 8-bit strings are ASCII: anything else is refused, not guessed into a code page. */
    assert_int_equal(pm_mv_text_put(PM_MV_STRING8, "Zo\xc3\xab", &out), PM_ERR_INVALID);
    assert_int_equal(pm_mv_text_put(PM_MV_BINARY, "x", &out), PM_ERR_INVALID);
    pm_buf_release(&out);
}

static int parses(enum pm_mv_kind k, const void *v, size_t len)
{
    struct pm_mv_list l = PM_MV_LIST_INIT;
    uint8_t *c;
    int rc = parse(k, v, len, &l, &c);
    if (rc != 1)
        assert_null(l.items);
    pm_mv_list_release(&l);
    free(c);
    return rc;
}

static void test_malformed(void **state)
{
    (void)state;
    uint8_t v[64];

    /* Shorter than a count. */
    assert_int_equal(parses(PM_MV_BINARY, bin32, 3), 0);
    /* Bytes after an empty list. */
    assert_int_equal(parses(PM_MV_BINARY, "\0\0\0\0\0", 5), 0);
    /* First offset neither header size (24 instead of 20). */
    memcpy(v, bin32, sizeof(bin32));
    v[8] = 0x18;
    assert_int_equal(parses(PM_MV_BINARY, v, sizeof(bin32)), 0);
    /* Overlap: entry 1 starts where entry 0 does. */
    memcpy(v, bin32, sizeof(bin32));
    v[16] = 0x14;
    assert_int_equal(parses(PM_MV_BINARY, v, sizeof(bin32)), 0);
    /* Out of order: entry 1 placed after the end. */
    memcpy(v, bin32, sizeof(bin32));
    v[16] = 0x40;
    assert_int_equal(parses(PM_MV_BINARY, v, sizeof(bin32)), 0);
    /* Out of bounds: entry 1 claims 100 bytes. */
    memcpy(v, bin32, sizeof(bin32));
    v[12] = 100;
    assert_int_equal(parses(PM_MV_BINARY, v, sizeof(bin32)), 0);
    /* 64-bit: an offset with high bits set. */
    memcpy(v, bin64, sizeof(bin64));
    v[31] = 0x01;
    assert_int_equal(parses(PM_MV_BINARY, v, sizeof(bin64)), 0);
    /* Non-zero padding. */
    memcpy(v, bin32, sizeof(bin32));
    v[23] = 0xff;
    assert_int_equal(parses(PM_MV_BINARY, v, sizeof(bin32)), 0);
    /* Count larger than the table the bytes hold, or than the cap. */
    memcpy(v, bin32, sizeof(bin32));
    v[0] = 3;
    assert_int_equal(parses(PM_MV_BINARY, v, sizeof(bin32)), 0);
    memcpy(v, bin32, sizeof(bin32));
    v[0] = v[1] = v[2] = v[3] = 0xff;
    assert_int_equal(parses(PM_MV_BINARY, v, sizeof(bin32)), 0);
    size_t big = 4 + (size_t)(PM_MV_MAX_COUNT + 1) * 4;
    uint8_t *b = calloc(1, big);
    assert_non_null(b);
    b[0] = 0x01;
    b[2] = 0x01; /* 65537 */
    assert_int_equal(parses(PM_MV_STRING8, b, big), 0);
    free(b);
    /* Trailing bytes after the last padded blob. */
    memcpy(v, bin32, sizeof(bin32));
    v[sizeof(bin32)] = 0;
    assert_int_equal(parses(PM_MV_BINARY, v, sizeof(bin32) + 1), 0);
    /* Strings: a gap between two strings, a missing terminator, bytes after the last. */
    memcpy(v, str32, sizeof(str32));
    v[8] = 0x1e;
    assert_int_equal(parses(PM_MV_STRING8, v, sizeof(str32)), 0);
    assert_int_equal(parses(PM_MV_STRING8, str32, sizeof(str32) - 1), 0);
    memcpy(v, str32, sizeof(str32));
    v[sizeof(str32)] = 'x';
    assert_int_equal(parses(PM_MV_STRING8, v, sizeof(str32) + 1), 0);
    /* A 101f string whose NUL unit is cut in half. */
    assert_int_equal(parses(PM_MV_UNICODE, uni64, sizeof(uni64) - 1), 0);
    /* The kinds are not interchangeable: a binary list is no string list. */
    assert_int_equal(parses(PM_MV_STRING8, bin32, sizeof(bin32)), 0);
    assert_int_equal(parses((enum pm_mv_kind)0x0102, bin32, sizeof(bin32)), 0);

    /* Every truncation of every vector: refused, or (the last blob's padding cut) read and
     * written back exactly as it was. */
    const struct {
        enum pm_mv_kind k;
        const uint8_t *v;
        size_t len;
    } all[] = {{PM_MV_BINARY, bin32, sizeof(bin32)},
               {PM_MV_BINARY, bin64, sizeof(bin64)},
               {PM_MV_STRING8, str32, sizeof(str32)},
               {PM_MV_UNICODE, uni64, sizeof(uni64)}};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        for (size_t len = 0; len < all[i].len; len++) {
            int rc = parses(all[i].k, all[i].v, len);
            if (rc == 1) {
                assert_int_equal(all[i].k, PM_MV_BINARY);
                assert_true(len > all[i].len - 4);
                round_trip(all[i].k, all[i].v, len,
                           all[i].v == bin32 ? PM_MV_LAYOUT_32 : PM_MV_LAYOUT_64, 2);
            } else {
                assert_int_equal(rc, 0);
            }
        }
}

static void test_kind_of(void **state)
{
    (void)state;
    enum pm_mv_kind k = PM_MV_STRING8;
    assert_int_equal(pm_mv_kind_of("11026626", &k), 1);
    assert_int_equal(k, PM_MV_BINARY);
    assert_int_equal(pm_mv_kind_of("101E6622", &k), 1);
    assert_int_equal(k, PM_MV_STRING8);
    assert_int_equal(pm_mv_kind_of("101f6627", &k), 1);
    assert_int_equal(k, PM_MV_UNICODE);
    assert_int_equal(pm_mv_kind_of("01026626", &k), 0);
    assert_int_equal(pm_mv_kind_of("10036626", &k), 0); /* PT_MV_LONG: no table to parse */
    assert_int_equal(pm_mv_kind_of("1102662", &k), 0);
    assert_int_equal(pm_mv_kind_of("1102xyzw", &k), 0);
    assert_int_equal(pm_mv_kind_of(NULL, &k), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layouts_round_trip), cmocka_unit_test(test_entries),
        cmocka_unit_test(test_replace_recomputes_framing), cmocka_unit_test(test_serialise_refuses),
        cmocka_unit_test(test_malformed), cmocka_unit_test(test_kind_of),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
