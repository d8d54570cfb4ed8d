/* Tests of puf check: a clean PUF passes; every kind of planted problem is reported on its line
 * (field count, DN and SMTP shape, identical and conflicting duplicates, loops, overlong lines,
 * NUL bytes, invalid UTF-8); an unreadable file is an error, not a clean result. */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the headers it needs */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pm/puf.h"
#include "pm/pufcheck.h"
#include "testutil.h"

struct reports {
    unsigned n;
    unsigned line[32];
    char msg[32][512];
};

static void collect(void *ctx, const char *where, unsigned line, const char *msg)
{
    (void)where;
    struct reports *r = ctx;
    if (r->n < 32) {
        r->line[r->n] = line;
        snprintf(r->msg[r->n], 512, "%s", msg);
    }
    r->n++;
}

static const char *write_puf(const char *text, size_t len)
{
    static char p[1024];
    char *d = (char *)pmt_tempdir("pufcheck");
    snprintf(p, sizeof(p), "%s/mbm.puf", d);
    free(d);
    assert_int_equal(pmt_write_file(p, text, len), 0);
    return p;
}

/* The report on 'line' whose message contains 'needle'. */
static void expect(const struct reports *r, unsigned line, const char *needle)
{
    for (unsigned i = 0; i < r->n && i < 32; i++)
        if (r->line[i] == line && strstr(r->msg[i], needle))
            return;
    for (unsigned i = 0; i < r->n && i < 32; i++)
        fprintf(stderr, "  %u: %s\n", r->line[i], r->msg[i]);
    fail_msg("no report '%s' on line %u", needle, line);
}

#define A "/o=Contoso/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn="
#define B "/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn="

static void test_clean(void **state)
{
    (void)state;
    const char *t = "\xef\xbb\xbf# comment\r\n#fields: source_dn|target_dn|target_smtp\r\n" A "a|" B
                    "a|a@fabrikam.com|A|g@fabrikam.com|/o=ExchangeLabs/cn=Configuration/cn=Servers/"
                    "cn=g@fabrikam.com\r\n"
                    "X500:" A "b|" B "b|b@fabrikam.com||\r\n"
                    "\r\n";
    struct pm_pufcheck_stats st;
    struct reports r = {0};
    assert_int_equal(pm_puf_check(write_puf(t, strlen(t)), &st, collect, &r, NULL), 0);
    assert_int_equal(st.problems, 0);
    assert_int_equal(r.n, 0);
    assert_int_equal(st.entries, 2);
    assert_int_equal(st.lines, 5);
}

/* puf check says whether runs would use the file's index, judged as a run judges it: none, then
 * current once built, stale after an edit; never a problem of the PUF itself. */
static void test_index_state(void **state)
{
    (void)state;
    const char *t = A "a|" B "a|a@fabrikam.com\r\n" A "b|" B "b|b@fabrikam.com\r\n";
    char path[1024];
    snprintf(path, sizeof(path), "%s", write_puf(t, strlen(t)));
    struct pm_pufcheck_stats st;
    struct reports r = {0};
    struct pm_error err;
    assert_int_equal(pm_puf_check(path, &st, collect, &r, NULL), 0);
    assert_int_equal(st.index_state, PM_PUF_INDEX_MISSING);
    assert_non_null(strstr(st.index_note, "no index"));
    assert_int_equal(st.problems, 0);
    assert_int_equal(pm_puf_index_build(path, NULL, &err), 0);
    assert_int_equal(pm_puf_check(path, &st, collect, &r, NULL), 0);
    assert_int_equal(st.index_state, PM_PUF_INDEX_USED);
    char *edited = strdup(t);
    edited[strlen(A)] = 'z'; /* cn=a -> cn=z: same size, inside the head block */
    assert_int_equal(pmt_write_file(path, edited, strlen(edited)), 0);
    free(edited);
    assert_int_equal(pm_puf_check(path, &st, collect, &r, NULL), 0);
    assert_int_equal(st.index_state, PM_PUF_INDEX_STALE);
    assert_non_null(strstr(st.index_note, "stale"));
    assert_int_equal(st.problems, 0);
    assert_int_equal(r.n, 0);
}

static void test_planted(void **state)
{
    (void)state;
    struct pm_buf b = PM_BUF_INIT;
    pm_buf_puts(&b, A "a|" B "a|a@fabrikam.com\n");             /* 1 */
    pm_buf_puts(&b, A "b|" B "b|b@fabrikam.com\n");             /* 2 */
    pm_buf_puts(&b, A "A|" B "A|A@FABRIKAM.com\n");             /* 3 identical (case) */
    pm_buf_puts(&b, A "b|" B "other|o@fabrikam.com\n");         /* 4 conflict */
    pm_buf_puts(&b, A "c|" B "c\n");                            /* 5 field count */
    pm_buf_puts(&b, A "d|" B "d|not an address\n");             /* 6 smtp */
    pm_buf_puts(&b, "cn=e|" B "e|e@fabrikam.com\n");            /* 7 dn shape */
    pm_buf_puts(&b, B "a|" B "z|z@fabrikam.com\n");             /* 8 source = target of 1 */
    pm_buf_puts(&b, A "f|" A "f|f@fabrikam.com\n");             /* 9 same */
    pm_buf_puts(&b, A "g|" B "g|g@fabrikam.com|G|srv name|\n"); /* 10 server */
    pm_buf_puts(&b, A "h|" B "h|h@fabrikam.com|H||/x=y\n");     /* 11 server DN */
    pm_buf_puts(&b, A "i\xff|" B "i|i@fabrikam.com\n");         /* 12 UTF-8 */
    pm_buf_append(&b, A "j|" B "j\0|j@fabrikam.com\n",
                  sizeof(A "j|" B "j\0|j@fabrikam.com\n") - 1); /* 13 */
    for (int i = 0; i < 9000; i++)                              /* 14 overlong */
        pm_buf_putc(&b, 'x');
    pm_buf_puts(&b, "\n");
    pm_buf_puts(&b, A "k/ou|" B "k|k@fabrikam.com\n"); /* 15 empty part */
    pm_buf_puts(&b, A "l|" B "l|l@fabrikam.com");      /* 16 no final newline */
    struct pm_pufcheck_stats st;
    struct reports r = {0};
    assert_int_equal(pm_puf_check(write_puf(b.data, b.len), &st, collect, &r, NULL), 0);
    pm_buf_release(&b);
    assert_int_equal(st.lines, 16);
    expect(&r, 3, "repeats line 1 (same target)");
    expect(&r, 4, "repeats line 2 with a different target");
    expect(&r, 5, "field");
    expect(&r, 6, "field 3");
    expect(&r, 7, "field 1");
    expect(&r, 1, "target DN is the source DN of line 8");
    expect(&r, 9, "source and target DN are the same");
    expect(&r, 10, "field 5");
    expect(&r, 12, "UTF-8");
    expect(&r, 13, "NUL");
    expect(&r, 14, "longer than");
    for (unsigned i = 0; i < r.n && i < 32; i++) {
        assert_true(r.line[i] != 2 && r.line[i] != 16); /* clean lines stay quiet */
    }
    assert_int_equal(st.duplicates, 1);
    assert_int_equal(st.conflicts, 1);
    assert_int_equal(st.loops, 1);
    assert_true(st.problems >= 11);
    assert_int_equal(st.problems, r.n);
}

static void test_v2_fields(void **state)
{
    (void)state;
    struct pm_buf b = PM_BUF_INIT;
    /* 1-2: a mailbox and its old X500 name, both with its address: not a problem. */
    pm_buf_puts(&b, A "a|" B "a|a@fabrikam.com||||SMTP:a@contoso.com|a@corp.fabrikam.com|"
                      "{0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0}\n");
    pm_buf_puts(&b, "/o=Old/cn=a|" B "a|a@fabrikam.com||||a@contoso.com|a@corp.fabrikam.com|"
                    "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0\n");
    pm_buf_puts(&b, A "b|" B "b|b@fabrikam.com||||A@Contoso.com\n");        /* 3 field 7 conflict */
    pm_buf_puts(&b, A "c|" B "c|c@fabrikam.com||||c.contoso.com\n");        /* 4 field 7 syntax */
    pm_buf_puts(&b, A "d|" B "d|d@fabrikam.com|||||d\n");                   /* 5 field 8 syntax */
    pm_buf_puts(&b, A "e|" B "e|e@fabrikam.com||||||0f1e2d3c\n");           /* 6 field 9 syntax */
    pm_buf_puts(&b, A "f|" B "f|f@fabrikam.com||||f@contoso|f@fabrikam\n"); /* 7 shapes */
    pm_buf_puts(&b, A "g|" B "g|g@fabrikam.com\n");                         /* 8 v1: clean */
    /* 9: the same source DN as line 1 with another target, same address: reported once, by
     * DN. */
    pm_buf_puts(&b, A "a|" B "a2|a2@fabrikam.com||||a@contoso.com\n");
    struct pm_pufcheck_stats st;
    struct reports r = {0};
    assert_int_equal(pm_puf_check(write_puf(b.data, b.len), &st, collect, &r, NULL), 0);
    pm_buf_release(&b);
    expect(&r, 3, "source SMTP (field 7) 'A@Contoso.com' repeats line 1 with a different target");
    expect(&r, 4, "field 7 is not an SMTP address (source primary SMTP address): 'c.contoso.com'");
    expect(&r, 5, "field 8 is not a sign-in name");
    expect(&r, 6, "field 9 is not a GUID");
    expect(&r, 7, "field 7 (source SMTP) 'f@contoso' has no valid domain");
    expect(&r, 7, "field 8 (target sign-in name) 'f@fabrikam' has no valid domain");
    expect(&r, 9, "source DN repeats line 1 with a different target");
    for (unsigned i = 0; i < r.n && i < 32; i++)
        if (r.line[i] == 1 || r.line[i] == 2 || r.line[i] == 8 ||
            (r.line[i] == 9 && strstr(r.msg[i], "field 7")))
            fail_msg("unexpected report on line %u: %s", r.line[i], r.msg[i]);
    assert_int_equal(st.malformed, 3);
    assert_int_equal(st.conflicts, 2);
    assert_int_equal(st.duplicates, 0);
    assert_int_equal(st.problems, 7);
}

static void test_unreadable(void **state)
{
    (void)state;
    struct pm_pufcheck_stats st;
    struct pm_error err;
    assert_int_equal(pm_puf_check("/nonexistent/mbm.puf", &st, NULL, NULL, &err), PM_ERR_IO);
    assert_string_equal(err.where, "/nonexistent/mbm.puf");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean),      cmocka_unit_test(test_index_state),
        cmocka_unit_test(test_planted),    cmocka_unit_test(test_v2_fields),
        cmocka_unit_test(test_unreadable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
