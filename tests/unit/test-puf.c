/* Tests of mbm.puf reading: the syntax of a line (what is accepted, what is skipped and why),
 * and the answers of a scan (source, already migrated, conflicting lines, missing files), with
 * the file:line warnings an administrator reads. */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka needs the four headers above first. */
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pm/puf.h"
#include "puf-internal.h"
#include "testutil.h"

#define SRC1 "/o=Fabrikam/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=jdoe"
#define DST1                                                                                       \
    "/o=Contoso/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=a1b2-jdoe"
#define SRC2 "/o=Fabrikam/ou=First Administrative Group/cn=Recipients/cn=shared-sales"
#define DST2 "/o=Contoso/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=sales"

/* Collected warnings: "where:line: msg" each. */
struct warnings {
    char text[64][600];
    unsigned n;
};

static void collect(void *ctx, const char *where, unsigned line, const char *msg)
{
    struct warnings *w = ctx;
    if (w->n < 64)
        snprintf(w->text[w->n], sizeof(w->text[0]), "%s:%u: %s", where ? where : "", line, msg);
    w->n++;
}

/* pmt_tempdir's folders are heap memory it never frees: keep them to free at the end. */
static char *dirs[64];
static unsigned ndirs;

static const char *tempdir(const char *tag)
{
    char *d = (char *)pmt_tempdir(tag);
    if (ndirs < 64)
        dirs[ndirs++] = d;
    return d;
}

static int free_dirs(void **state)
{
    (void)state;
    while (ndirs)
        free(dirs[--ndirs]);
    return 0;
}

static const char *write_puf(const char *name, const char *text)
{
    static char path[1024];
    const char *dir = tempdir("puf");
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    assert_int_equal(pmt_write_file(path, text, strlen(text)), 0);
    return path;
}

static int parse(const char *line, struct pm_puf_entry *e, char *why)
{
    return pm_puf_parse_line(line, strlen(line), 7, e, why, 256);
}

static void test_parse_full_line(void **state)
{
    (void)state;
    struct pm_puf_entry e;
    char why[256];
    assert_int_equal(
        parse("  X500:" SRC1 " | " DST1 " |jane.doe@contoso.com| Doe, Jane |"
              "4f2a1c3e-0000-4c3b-9a55-1234567890ab@contoso.com|"
              "/o=Contoso/ou=Exchange Administrative Group/cn=Configuration/cn=Servers/cn=EX01\r",
              &e, why),
        0);
    assert_int_equal(e.line, 7);
    assert_string_equal(e.source_dn, SRC1);
    assert_string_equal(e.target_dn, DST1);
    assert_string_equal(e.target_smtp, "jane.doe@contoso.com");
    assert_string_equal(e.target_display, "Doe, Jane");
    assert_string_equal(e.target_server, "4f2a1c3e-0000-4c3b-9a55-1234567890ab@contoso.com");
    assert_string_equal(
        e.target_server_dn,
        "/o=Contoso/ou=Exchange Administrative Group/cn=Configuration/cn=Servers/cn=EX01");
    struct pm_puf_entry c;
    assert_int_equal(pm_puf_entry_copy(&c, &e), 0);
    assert_string_equal(c.target_display, "Doe, Jane");
    assert_int_equal(c.line, 7);
    pm_puf_entry_release(&e);
    pm_puf_entry_release(&c);
    assert_null(e.source_dn);
}

static void test_parse_optional_fields_empty(void **state)
{
    (void)state;
    struct pm_puf_entry e;
    char why[256];
    assert_int_equal(parse(SRC1 "|" DST1 "|j@contoso.com", &e, why), 0);
    assert_null(e.target_display);
    assert_null(e.target_server);
    assert_null(e.target_server_dn);
    pm_puf_entry_release(&e);
    assert_int_equal(parse(SRC1 "|" DST1 "|j@contoso.com|  |\t|", &e, why), 0);
    assert_null(e.target_display);
    assert_null(e.target_server_dn);
    pm_puf_entry_release(&e);
    /* Columns after the ninth (a newer file) are ignored, not an error. */
    assert_int_equal(parse(SRC1 "|" DST1 "|j@contoso.com|J|s@x|/o=C/cn=S|j@fabrikam.com|"
                                "j@corp.contoso.com||extra|more|x|y",
                           &e, why),
                     0);
    assert_string_equal(e.target_server_dn, "/o=C/cn=S");
    assert_string_equal(e.source_smtp, "j@fabrikam.com");
    assert_string_equal(e.target_upn, "j@corp.contoso.com");
    assert_null(e.target_archive_guid);
    pm_puf_entry_release(&e);
    /* A six-field line has no v2 values. */
    assert_int_equal(parse(SRC1 "|" DST1 "|j@contoso.com|J|s@x|/o=C/cn=S", &e, why), 0);
    assert_null(e.source_smtp);
    assert_null(e.target_upn);
    assert_null(e.target_archive_guid);
    pm_puf_entry_release(&e);
}

static void test_parse_comments_and_blank(void **state)
{
    (void)state;
    struct pm_puf_entry e = {0};
    char why[256];
    assert_int_equal(parse("# fields: source|target|smtp", &e, why), 1);
    assert_int_equal(parse("   # indented comment", &e, why), 1);
    assert_int_equal(parse("", &e, why), 1);
    assert_int_equal(parse(" \t \r", &e, why), 1);
    assert_int_equal(parse("\xEF\xBB\xBF# bom then comment", &e, why), 1);
    assert_null(e.source_dn);
}

static void expect_malformed(const char *line, const char *reason)
{
    struct pm_puf_entry e = {0};
    char why[256] = "";
    assert_int_equal(pm_puf_parse_line(line, strlen(line), 3, &e, why, sizeof(why)), PM_ERR_PARSE);
    if (!strstr(why, reason))
        fail_msg("'%s': reason '%s' does not mention '%s'", line, why, reason);
    assert_null(e.source_dn);
}

static void test_parse_malformed(void **state)
{
    (void)state;
    expect_malformed(SRC1 "|" DST1, "expected at least 3 fields");
    expect_malformed(" |" DST1 "|j@c.com", "field 1 is empty (source legacyExchangeDN)");
    expect_malformed("X500:|" DST1 "|j@c.com", "field 1 is empty");
    expect_malformed(SRC1 "|  |j@c.com", "field 2 is empty (target legacyExchangeDN)");
    expect_malformed("cn=jdoe|" DST1 "|j@c.com", "field 1 is not a legacyExchangeDN");
    expect_malformed(SRC1 "|jdoe@contoso.com|j@c.com", "field 2 is not a legacyExchangeDN");
    expect_malformed(SRC1 "|" DST1 "|", "field 3 is empty");
    expect_malformed(SRC1 "|" DST1 "|jdoe", "field 3 is not an SMTP address");
    expect_malformed(SRC1 "|" DST1 "|j@d@c.com", "field 3 is not an SMTP address");
    expect_malformed(SRC1 "|" DST1 "|j doe@c.com", "field 3 is not an SMTP address");
    expect_malformed(SRC1 "|" DST1 "|@c.com", "field 3 is not an SMTP address");
    expect_malformed(SRC1 "|" DST1 "|j@c.com|J|s|EX01", "field 6 is not a DN");
    expect_malformed(SRC1 "|" DST1 "|j@c.com|Ja\x01ne", "control character 0x01");
    expect_malformed(SRC1 "|" DST1 "\x7f|j@c.com", "control character 0x7f");
    expect_malformed(SRC1 "|/o=C/cn=a\tb|j@c.com", "field 2 contains a tab");
    expect_malformed(SRC1 "|" DST1 "|j@c.com|Jos\xE9", "not valid UTF-8");
    /* v2 fields: a value that is there must be well-formed, and the message names the field. */
    expect_malformed(SRC1 "|" DST1 "|j@c.com||||jdoe", "field 7 is not an SMTP address (source "
                                                       "primary SMTP address): 'jdoe'");
    expect_malformed(SRC1 "|" DST1 "|j@c.com||||j@d@c.com", "field 7 is not an SMTP address");
    expect_malformed(SRC1 "|" DST1 "|j@c.com||||j doe@c.com", "field 7 is not an SMTP address");
    expect_malformed(SRC1 "|" DST1 "|j@c.com||||@c.com", "field 7 is not an SMTP address");
    expect_malformed(SRC1 "|" DST1 "|j@c.com||||SMTP:", "field 7 is not an SMTP address");
    expect_malformed(SRC1 "|" DST1 "|j@c.com||||j@\tc.com|", "field 7 contains a tab");
    expect_malformed(SRC1 "|" DST1 "|j@c.com|||||jdoe",
                     "field 8 is not a sign-in name like "
                     "user@domain (target sign-in name): 'jdoe'");
    expect_malformed(SRC1 "|" DST1 "|j@c.com|||||jdoe@", "field 8 is not a sign-in name");
    expect_malformed(SRC1 "|" DST1 "|j@c.com|||||SMTP:j@c.com x", "field 8 is not a sign-in name");
    expect_malformed(SRC1 "|" DST1 "|j@c.com||||||yes",
                     "field 9 is not a GUID like 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0 (target "
                     "archive GUID): 'yes'");
    expect_malformed(SRC1 "|" DST1 "|j@c.com||||||0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f",
                     "field 9 is not a GUID");
    expect_malformed(SRC1 "|" DST1 "|j@c.com||||||0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1fg",
                     "field 9 is not a GUID");
    expect_malformed(SRC1 "|" DST1 "|j@c.com||||||0f1e2d3c4b5a-6978-8796-a5b4c3d2e1f0a",
                     "field 9 is not a GUID");
    expect_malformed(SRC1 "|" DST1 "|j@c.com||||||{0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
                     "field 9 is not a GUID");
    expect_malformed(SRC1 "|" DST1 "|j@c.com||||||(0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0)",
                     "field 9 is not a GUID");
    /* A NUL inside the line is a control character, and the parser honours the length. */
    char nul[] = SRC1 "|" DST1 "|j@c.com|J\0ane";
    char why[256];
    assert_int_equal(pm_puf_parse_line(nul, sizeof(nul) - 1, 1, NULL, why, sizeof(why)),
                     PM_ERR_PARSE);
    assert_non_null(strstr(why, "control character 0x00"));
    /* Too long. */
    size_t n = PM_PUF_MAX_LINE + 10;
    char *big = malloc(n + 1);
    memset(big, 'a', n);
    memcpy(big, SRC1 "|" DST1 "|j@c.com|", strlen(SRC1 "|" DST1 "|j@c.com|"));
    big[n] = 0;
    expect_malformed(big, "longer than 8192 bytes");
    /* A long comment too, wherever the stream's buffer happens to cut it. */
    big[0] = '#';
    expect_malformed(big, "longer than 8192 bytes");
    free(big);
    /* 8192 bytes and a CR are still a line. */
    char *edge = malloc(PM_PUF_MAX_LINE + 2);
    memset(edge, 'a', PM_PUF_MAX_LINE + 1);
    memcpy(edge, SRC1 "|" DST1 "|j@c.com|", strlen(SRC1 "|" DST1 "|j@c.com|"));
    edge[PM_PUF_MAX_LINE] = '\r';
    edge[PM_PUF_MAX_LINE + 1] = 0;
    assert_int_equal(pm_puf_parse_line(edge, PM_PUF_MAX_LINE + 1, 1, NULL, why, sizeof(why)), 0);
    free(edge);
}

static void test_parse_v2_fields(void **state)
{
    (void)state;
    struct pm_puf_entry e, c;
    char why[256];
    /* Field 7 loses its "SMTP:" (as proxyAddresses spell the primary address), field 9 its
     * braces and its case; blanks around every field go. */
    assert_int_equal(parse(SRC1 "|" DST1 "|jane@contoso.com|Jane|||  SMTP:Jane.Doe@Fabrikam.com |"
                                " jane@corp.contoso.com |{0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0}\r",
                           &e, why),
                     0);
    assert_string_equal(e.source_smtp, "Jane.Doe@Fabrikam.com");
    assert_string_equal(e.target_upn, "jane@corp.contoso.com");
    assert_string_equal(e.target_archive_guid, "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");
    assert_int_equal(pm_puf_entry_copy(&c, &e), 0);
    assert_string_equal(c.source_smtp, "Jane.Doe@Fabrikam.com");
    assert_string_equal(c.target_upn, "jane@corp.contoso.com");
    assert_string_equal(c.target_archive_guid, "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");
    pm_puf_entry_release(&c);
    pm_puf_entry_release(&e);
    assert_null(e.target_upn);
    /* Seven and eight fields are lines too; smtp: in any case. */
    assert_int_equal(parse(SRC1 "|" DST1 "|jane@contoso.com||||smtp:j@f.com", &e, why), 0);
    assert_string_equal(e.source_smtp, "j@f.com");
    assert_null(e.target_upn);
    pm_puf_entry_release(&e);
    assert_int_equal(parse(SRC1 "|" DST1 "|jane@contoso.com||||j@f.com|u@c.com", &e, why), 0);
    assert_string_equal(e.target_upn, "u@c.com");
    assert_null(e.target_archive_guid);
    pm_puf_entry_release(&e);
    /* The all-zero GUID is Exchange's "no archive": it reads as empty. */
    assert_int_equal(
        parse(SRC1 "|" DST1 "|jane@contoso.com||||||00000000-0000-0000-0000-000000000000", &e, why),
        0);
    assert_null(e.source_smtp);
    assert_null(e.target_archive_guid);
    pm_puf_entry_release(&e);
}

static void test_smtp_key(void **state)
{
    (void)state;
    size_t n;
    const char *s = " SMTP: a@b.com \t";
    const char *k = pm_puf_smtp_key(s, strlen(s), &n);
    assert_int_equal(n, strlen("a@b.com"));
    assert_memory_equal(k, "a@b.com", n);
    k = pm_puf_smtp_key("smtp:x@y", 8, &n);
    assert_int_equal(n, 3);
    k = pm_puf_smtp_key("x@y", 3, &n);
    assert_int_equal(n, 3);
    assert_memory_equal(k, "x@y", 3);
}

static void test_parse_utf8_names_accepted(void **state)
{
    (void)state;
    struct pm_puf_entry e;
    char why[256];
    assert_int_equal(
        parse(SRC1 "|" DST1 "|zoe@contoso.com|Zo\xC3\xAB M\xC3\xBCller \xE5\xBC\xA0", &e, why), 0);
    assert_string_equal(e.target_display, "Zo\xC3\xAB M\xC3\xBCller \xE5\xBC\xA0");
    pm_puf_entry_release(&e);
}

static void test_dn_key(void **state)
{
    (void)state;
    size_t n;
    const char *s = "  x500:  /o=A/cn=B \t";
    const char *k = pm_puf_dn_key(s, strlen(s), &n);
    assert_int_equal(n, strlen("/o=A/cn=B"));
    assert_memory_equal(k, "/o=A/cn=B", n);
    k = pm_puf_dn_key("X500:", 5, &n);
    assert_int_equal(n, 0);
    assert_true(puf_key_equal("/O=a/CN=b", 9, "/o=A/cn=B", 9));
    assert_false(puf_key_equal("/o=a/cn=b", 9, "/o=a/cn=c", 9));
    assert_int_equal(puf_key_hash("/O=A/CN=B", 9), puf_key_hash("/o=a/cn=b", 9));
    assert_true(puf_key_hash("/o=a/cn=b", 9) != puf_key_hash("/o=a/cn=c", 9));
}

static const char *sample_puf =
    "\xEF\xBB\xBF# fields: source|target|smtp|display|server|serverdn\r\n" SRC1 "|" DST1
    "|jane.doe@contoso.com|Doe, Jane\r\n"
    "\r\n"
    "this line is broken\r\n"
    "X500:" SRC2 "|" DST2 "|sales@contoso.com||abc@contoso.com|\r\n"
    "/o=Fabrikam/cn=Recipients/cn=twice|/o=Contoso/cn=Recipients/cn=t1|t1@contoso.com\n"
    "/o=Fabrikam/cn=Recipients/cn=twice|/o=Contoso/cn=Recipients/cn=t2|t2@contoso.com\n"
    "/o=Fabrikam/cn=Recipients/cn=dup|/o=Contoso/cn=Recipients/cn=d|d@contoso.com\n"
    "/O=FABRIKAM/cn=Recipients/CN=DUP|/o=contoso/cn=recipients/cn=D|D@Contoso.com\n"
    "/o=Fabrikam/cn=Recipients/cn=last|/o=Contoso/cn=Recipients/cn=last|last@contoso.com";

static void test_resolve_answers(void **state)
{
    (void)state;
    const char *path = write_puf("mbm.puf", sample_puf);
    struct pm_puf_query q[] = {
        {.dn = "/O=FABRIKAM/ou=Exchange Administrative Group "
               "(FYDIBOHF23SPDLT)/cn=Recipients/CN=JDOE"},
        {.dn = DST2},
        {.dn = "/o=Fabrikam/cn=Recipients/cn=twice"},
        {.dn = "  X500:/o=Fabrikam/cn=Recipients/cn=dup "},
        {.dn = "/o=Fabrikam/cn=Recipients/cn=nobody"},
        {.dn = "/o=Fabrikam/cn=Recipients/cn=last"},
        {.dn = SRC2},
    };
    struct pm_puf_stats st;
    struct warnings w = {0};
    struct pm_error err;
    assert_int_equal(pm_puf_resolve(path, q, 7, PM_PUF_NO_INDEX, &st, collect, &w, &err), 0);
    assert_int_equal(q[0].match, PM_PUF_SOURCE);
    assert_int_equal(q[0].entry.line, 2);
    assert_string_equal(q[0].entry.target_dn, DST1);
    assert_string_equal(q[0].entry.target_smtp, "jane.doe@contoso.com");
    assert_int_equal(q[1].match, PM_PUF_TARGET);
    assert_int_equal(q[1].entry.line, 5);
    assert_int_equal(q[2].match, PM_PUF_CONFLICT);
    assert_int_equal(q[2].entry.line, 6);
    assert_int_equal(q[2].conflict_line, 7);
    assert_int_equal(q[3].match, PM_PUF_SOURCE);
    assert_int_equal(q[3].entry.line, 8);
    assert_int_equal(q[4].match, PM_PUF_NONE);
    assert_int_equal(q[5].match, PM_PUF_SOURCE); /* last line without a line break */
    assert_int_equal(q[5].entry.line, 10);
    assert_int_equal(q[6].match, PM_PUF_SOURCE);
    assert_string_equal(q[6].entry.target_server, "abc@contoso.com");
    assert_null(q[6].entry.target_display);
    assert_int_equal(st.lines, 10);
    assert_int_equal(st.malformed, 1);
    assert_int_equal(st.used_index, 0);
    assert_int_equal(st.bytes_read, strlen(sample_puf));
    /* Warnings name the file and line: the broken line, the conflict and the duplicate. */
    char want[1200];
    snprintf(want, sizeof(want), "%s:4: malformed line skipped: expected at least 3 fields", path);
    int found_malformed = 0, found_conflict = 0, found_dup = 0;
    for (unsigned i = 0; i < w.n; i++) {
        found_malformed |= strncmp(w.text[i], want, strlen(want)) == 0;
        found_conflict |= strstr(w.text[i], ":7: '/o=Fabrikam/cn=Recipients/cn=twice' is also "
                                            "field 1 of line 6 with another target") != NULL;
        found_dup |= strstr(w.text[i], ":9: duplicate of line 8") != NULL;
    }
    assert_true(found_malformed);
    assert_true(found_conflict);
    assert_true(found_dup);
    pm_puf_queries_release(q, 7);
    assert_null(q[0].entry.target_dn);
}

static void test_resolve_chain_prefers_source(void **state)
{
    (void)state;
    /* B was a target once and later moved on: as field 1 it is a source, whatever the order. */
    const char *path =
        write_puf("chain.puf", "/o=A/cn=x|/o=B/cn=x|x@b.com\n/o=B/cn=x|/o=C/cn=x|x@c.com\n");
    struct pm_puf_query q[] = {{.dn = "/o=B/cn=x"}, {.dn = "/o=C/cn=x"}};
    struct pm_error err;
    assert_int_equal(pm_puf_resolve(path, q, 2, PM_PUF_NO_INDEX, NULL, NULL, NULL, &err), 0);
    assert_int_equal(q[0].match, PM_PUF_SOURCE);
    assert_string_equal(q[0].entry.target_dn, "/o=C/cn=x");
    assert_int_equal(q[1].match, PM_PUF_TARGET);
    pm_puf_queries_release(q, 2);
}

static void test_resolve_warning_limit(void **state)
{
    (void)state;
    struct pm_buf b = PM_BUF_INIT;
    for (int i = 0; i < 50; i++)
        pm_buf_printf(&b, "broken %d\n", i);
    pm_buf_printf(&b, "/o=A/cn=x|/o=B/cn=x|x@b.com\n");
    const char *path = write_puf("many.puf", b.data);
    pm_buf_release(&b);
    struct pm_puf_query q = {.dn = "/o=a/cn=X"};
    struct pm_puf_stats st;
    struct warnings w = {0};
    struct pm_error err;
    assert_int_equal(pm_puf_resolve(path, &q, 1, PM_PUF_NO_INDEX, &st, collect, &w, &err), 0);
    assert_int_equal(q.match, PM_PUF_SOURCE);
    assert_int_equal(q.entry.line, 51);
    assert_int_equal(st.malformed, 50);
    assert_int_equal(w.n, 21);
    assert_non_null(strstr(w.text[19], ":20: malformed line skipped"));
    assert_non_null(strstr(w.text[20], "30 more malformed lines skipped"));
    pm_puf_queries_release(&q, 1);
}

static void test_resolve_long_line_across_buffers(void **state)
{
    (void)state;
    /* A 1 MiB line (no '\n' for a long time) is one malformed line; the next line still counts
     * and keeps its number. */
    struct pm_buf b = PM_BUF_INIT;
    pm_buf_init(&b, 4u << 20);
    pm_buf_puts(&b, "/o=A/cn=first|/o=B/cn=first|f@b.com\n");
    for (int i = 0; i < (1 << 20); i++)
        pm_buf_putc(&b, 'x');
    pm_buf_puts(&b, "\n/o=A/cn=after|/o=B/cn=after|a@b.com\n");
    const char *path = write_puf("long.puf", b.data);
    pm_buf_release(&b);
    struct pm_puf_query q[] = {{.dn = "/o=A/cn=first"}, {.dn = "/o=A/cn=after"}};
    struct pm_puf_stats st;
    struct warnings w = {0};
    struct pm_error err;
    assert_int_equal(pm_puf_resolve(path, q, 2, PM_PUF_NO_INDEX, &st, collect, &w, &err), 0);
    assert_int_equal(q[0].match, PM_PUF_SOURCE);
    assert_int_equal(q[1].match, PM_PUF_SOURCE);
    assert_int_equal(q[1].entry.line, 3);
    assert_int_equal(st.malformed, 1);
    assert_int_equal(w.n, 1);
    assert_non_null(strstr(w.text[0], ":2: malformed line skipped: line is longer than 8192"));
    pm_puf_queries_release(q, 2);
}

/* A v2 PUF: shared mailboxes known by address (field 7), a mailbox whose address stays the same
 * (source and target SMTP equal), X500 lines repeating field 7, and a conflict on field 7. */
static const char *v2_puf =
    "#fields: source_dn|target_dn|target_smtp|target_display|target_server|target_server_dn|"
    "source_smtp|target_upn|target_archive_guid\n"
    "/o=F/cn=Recipients/cn=sales|/o=C/cn=Recipients/cn=sales|sales@contoso.com||||"
    "SMTP:Sales@Fabrikam.com|sales@contoso.com|\n"
    "/o=F/cn=Recipients/cn=jane|/o=C/cn=Recipients/cn=jane|jane@contoso.com||||jane@fabrikam.com|"
    "jane@corp.contoso.com|0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0\n"
    "/o=F/ou=old/cn=jane|/o=C/cn=Recipients/cn=jane|jane@contoso.com||||jane@fabrikam.com|"
    "jane@corp.contoso.com|0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0\n"
    "/o=F/cn=Recipients/cn=same|/o=C/cn=Recipients/cn=same|same@contoso.com||||same@contoso.com\n"
    "/o=F/cn=Recipients/cn=hr1|/o=C/cn=Recipients/cn=hr1|hr1@contoso.com||||hr@fabrikam.com\n"
    "/o=F/cn=Recipients/cn=hr2|/o=C/cn=Recipients/cn=hr2|hr2@contoso.com||||hr@fabrikam.com\n"
    "/o=F/cn=Recipients/cn=bad|/o=C/cn=Recipients/cn=bad|bad@contoso.com||||bad@fabrikam.com||"
    "not-a-guid\n"
    "/o=F/cn=Recipients/cn=v1|/o=C/cn=Recipients/cn=v1|v1@contoso.com|V One\n";

static void test_resolve_by_smtp(void **state)
{
    (void)state;
    const char *path = write_puf("v2.puf", v2_puf);
    struct pm_puf_query q[] = {
        {.by = PM_PUF_BY_SMTP, .smtp = "sales@FABRIKAM.com"},
        {.by = PM_PUF_BY_SMTP, .smtp = " SMTP:jane@fabrikam.com"},
        {.by = PM_PUF_BY_SMTP, .smtp = "hr@fabrikam.com"},
        {.by = PM_PUF_BY_SMTP, .smtp = "sales@contoso.com"},
        {.by = PM_PUF_BY_SMTP, .smtp = "same@contoso.com"},
        {.by = PM_PUF_BY_SMTP, .smtp = "nobody@fabrikam.com"},
        {.by = PM_PUF_BY_SMTP, .smtp = "bad@fabrikam.com"},
        {.by = PM_PUF_BY_SMTP, .smtp = "SMTP:"},
        {.by = PM_PUF_BY_SMTP, .smtp = NULL},
        {.dn = "/o=F/cn=Recipients/cn=jane"},
        {.by = PM_PUF_BY_SMTP, .smtp = "/o=F/cn=Recipients/cn=jane"},
        {.dn = "jane@fabrikam.com"},
        {.dn = "/o=F/cn=Recipients/cn=bad"},
    };
    size_t nq = sizeof(q) / sizeof(q[0]);
    struct pm_puf_stats st;
    struct warnings w = {0};
    struct pm_error err;
    assert_int_equal(pm_puf_resolve(path, q, nq, PM_PUF_NO_INDEX, &st, collect, &w, &err), 0);
    /* Field 7, any case, "SMTP:" on either side. */
    assert_int_equal(q[0].match, PM_PUF_SOURCE);
    assert_int_equal(q[0].entry.line, 2);
    assert_string_equal(q[0].entry.target_dn, "/o=C/cn=Recipients/cn=sales");
    assert_string_equal(q[0].entry.source_smtp, "Sales@Fabrikam.com");
    /* Repeated on an X500 line with the same target: the first line, no conflict. */
    assert_int_equal(q[1].match, PM_PUF_SOURCE);
    assert_int_equal(q[1].entry.line, 3);
    assert_string_equal(q[1].entry.target_upn, "jane@corp.contoso.com");
    assert_string_equal(q[1].entry.target_archive_guid, "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");
    /* Two lines, two targets: never guessed. */
    assert_int_equal(q[2].match, PM_PUF_CONFLICT);
    assert_int_equal(q[2].entry.line, 6);
    assert_int_equal(q[2].conflict_line, 7);
    /* Field 3 of a line: already migrated. */
    assert_int_equal(q[3].match, PM_PUF_TARGET);
    assert_int_equal(q[3].entry.line, 2);
    /* Field 7 and field 3 of one line (the address moved with the mailbox): a source. */
    assert_int_equal(q[4].match, PM_PUF_SOURCE);
    assert_int_equal(q[4].entry.line, 5);
    assert_int_equal(q[5].match, PM_PUF_NONE);
    /* A line with a malformed field 9 is skipped whole: its field 7 is not an answer. */
    assert_int_equal(q[6].match, PM_PUF_NONE);
    assert_int_equal(q[7].match, PM_PUF_NONE);
    assert_int_equal(q[8].match, PM_PUF_NONE);
    /* By DN as before, in the same pass; a DN never matches by address nor the reverse. */
    assert_int_equal(q[9].match, PM_PUF_SOURCE);
    assert_int_equal(q[9].entry.line, 3);
    assert_string_equal(q[9].entry.source_smtp, "jane@fabrikam.com");
    assert_int_equal(q[10].match, PM_PUF_NONE);
    assert_int_equal(q[11].match, PM_PUF_NONE);
    assert_int_equal(q[12].match, PM_PUF_NONE);
    assert_int_equal(st.malformed, 1);
    int found_bad = 0, found_conflict = 0;
    char want[1200];
    snprintf(want, sizeof(want),
             "%s:8: malformed line skipped: field 9 is not a GUID like "
             "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0 (target archive GUID): 'not-a-guid'",
             path);
    for (unsigned i = 0; i < w.n; i++) {
        found_bad |= strcmp(w.text[i], want) == 0;
        found_conflict |=
            strstr(w.text[i], ":7: 'hr@fabrikam.com' is also field 7 of line 6 with another "
                              "target; neither is used") != NULL;
        /* The X500 line repeating jane's field 7 is expected, not worth a warning. */
        if (strstr(w.text[i], "duplicate"))
            fail_msg("unexpected warning: %s", w.text[i]);
    }
    assert_true(found_bad);
    assert_true(found_conflict);
    pm_puf_queries_release(q, nq);
}

static void test_resolve_missing_and_unreadable(void **state)
{
    (void)state;
    const char *dir = tempdir("pufmiss");
    char path[1024];
    snprintf(path, sizeof(path), "%s/none.puf", dir);
    struct pm_puf_query q = {.dn = SRC1};
    struct pm_error err;
    char msg[2048];
    assert_int_equal(pm_puf_resolve(path, &q, 1, 0, NULL, NULL, NULL, &err), PM_ERR_IO);
    pm_error_format(&err, msg, sizeof(msg));
    assert_non_null(strstr(msg, "none.puf"));
    assert_non_null(strstr(msg, "missing"));
    assert_int_equal(q.match, PM_PUF_NONE);
    /* A folder in its place cannot be read. */
    assert_int_equal(pm_puf_resolve(dir, &q, 1, 0, NULL, NULL, NULL, &err), PM_ERR_IO);
    pm_error_format(&err, msg, sizeof(msg));
    assert_non_null(strstr(msg, "unreadable"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_full_line),
        cmocka_unit_test(test_parse_optional_fields_empty),
        cmocka_unit_test(test_parse_comments_and_blank),
        cmocka_unit_test(test_parse_malformed),
        cmocka_unit_test(test_parse_v2_fields),
        cmocka_unit_test(test_smtp_key),
        cmocka_unit_test(test_parse_utf8_names_accepted),
        cmocka_unit_test(test_dn_key),
        cmocka_unit_test(test_resolve_answers),
        cmocka_unit_test(test_resolve_chain_prefers_source),
        cmocka_unit_test(test_resolve_warning_limit),
        cmocka_unit_test(test_resolve_long_line_across_buffers),
        cmocka_unit_test(test_resolve_by_smtp),
        cmocka_unit_test(test_resolve_missing_and_unreadable),
    };
    return cmocka_run_group_tests(tests, NULL, free_dirs);
}
