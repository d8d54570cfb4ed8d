/* Windows command lines (src/lib/os/cmdline.c): the splitter follows the documented
 * CommandLineToArgvW / C runtime rules, and every argument list built with pm_cmdline_append
 * splits back to exactly the same arguments - the property that lets Outlook's switches reach
 * RunAfter unchanged, whatever quotes, spaces, backslashes or non-ASCII text they hold. */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pm/os.h"

static void want_split(const char *cmdline, const char *const *want, size_t n)
{
    struct pm_strlist got = PM_STRLIST_INIT;
    assert_int_equal(pm_cmdline_split(cmdline, &got), 0);
    if (got.n != n)
        fail_msg("'%s': %zu arguments, want %zu", cmdline, got.n, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(got.items[i], want[i]);
    pm_strlist_release(&got);
}

/* The examples of Microsoft's "Parsing C command-line arguments". */
static void test_split_documented_examples(void **state)
{
    (void)state;
    const char *a[] = {"abc", "d", "e"};
    want_split("\"abc\" d e", a, 3);
    const char *b[] = {"a\\\\\\b", "de fg", "h"};
    want_split("a\\\\\\b d\"e f\"g h", b, 3);
    const char *c[] = {"a\\\"b", "c", "d"};
    want_split("a\\\\\\\"b c d", c, 3);
    const char *d[] = {"a\\\\b c", "d", "e"};
    want_split("a\\\\\\\\\"b c\" d e", d, 3);
    const char *e[] = {"a\"b", "c"};
    want_split("\"a\"\"b\" c", e, 2);
    const char *f[] = {""};
    want_split("\"\"", f, 1);
    want_split("   ", NULL, 0);
}

/* Plain switches stay readable: quoted only when they must be. */
static void test_append_quotes_only_when_needed(void **state)
{
    (void)state;
    struct pm_buf b = PM_BUF_INIT;
    assert_int_equal(pm_cmdline_append(&b, "/select"), 0);
    assert_int_equal(pm_cmdline_append(&b, "outlook:Inbox"), 0);
    assert_int_equal(pm_cmdline_append(&b, "C:\\path with space\\"), 0);
    assert_int_equal(pm_cmdline_append(&b, "say \"hi\""), 0);
    assert_string_equal(b.data,
                        "/select outlook:Inbox \"C:\\path with space\\\\\" \"say \\\"hi\\\"\"");
    pm_buf_release(&b);
}

static const char *const tricky[] = {
    "/select",
    "outlook:Inbox",
    "/profile",
    "Work",
    "\"Work\"",
    "/c",
    "ipm.note",
    "/a",
    "C:\\path with space\\f.txt",
    "",
    " ",
    "\t",
    "\\",
    "\\\\",
    "trailing\\",
    "trailing space\\",
    "two\\\\ ",
    "\"",
    "\"\"",
    "a\"b",
    "a\\\"b",
    "a\\\\\"b c",
    "\\\"",
    "quote at end\"",
    "Zoë Ünïcödé – 日本語 😀",
    "\"Zoë\" \\\\server\\share\\",
    "/recycle",
    "x y\tz",
    "-",
    "--config",
};

/* Every single argument, every pair, and the whole list split back unchanged. */
static void roundtrip(const char *const *args, size_t n)
{
    struct pm_buf b = PM_BUF_INIT;
    for (size_t i = 0; i < n; i++)
        assert_int_equal(pm_cmdline_append(&b, args[i]), 0);
    struct pm_strlist got = PM_STRLIST_INIT;
    assert_int_equal(pm_cmdline_split(b.data ? b.data : "", &got), 0);
    if (got.n != n)
        fail_msg("[%s]: %zu arguments back, want %zu", b.data, got.n, n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(got.items[i], args[i]))
            fail_msg("[%s]: argument %zu is [%s], want [%s]", b.data, i, got.items[i], args[i]);
    pm_strlist_release(&got);
    pm_buf_release(&b);
}

static void test_roundtrip(void **state)
{
    (void)state;
    size_t n = PM_ARRAY_SIZE(tricky);
    for (size_t i = 0; i < n; i++) {
        roundtrip(&tricky[i], 1);
        for (size_t j = 0; j < n; j++) {
            const char *pair[2] = {tricky[i], tricky[j]};
            roundtrip(pair, 2);
        }
    }
    roundtrip(tricky, n);
}

/* Random strings over the characters that matter. */
static void test_roundtrip_random(void **state)
{
    (void)state;
    static const char alphabet[] = {'\\', '"', ' ', '\t', 'a', '/', ':', '\xc3', '\xa9'};
    unsigned seed = 12345;
    for (int round = 0; round < 3000; round++) {
        char bufs[4][16];
        const char *args[4];
        size_t n = 1 + round % 4;
        for (size_t k = 0; k < n; k++) {
            seed = seed * 1103515245u + 12345u;
            size_t len = (seed >> 16) % 15;
            for (size_t c = 0; c < len; c++) {
                seed = seed * 1103515245u + 12345u;
                bufs[k][c] = alphabet[(seed >> 16) % sizeof(alphabet)];
            }
            bufs[k][len] = 0;
            args[k] = bufs[k];
        }
        roundtrip(args, n);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split_documented_examples),
        cmocka_unit_test(test_append_quotes_only_when_needed),
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_roundtrip_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
