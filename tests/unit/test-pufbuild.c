/* Tests of puf build: proxy splitting, joins (smtp, alias, map), X500 proxies, server names,
 * rows left out and reported by line, --append, and the X500 script's quoting. */
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
#include "pm/pufbuild.h"
#include "testutil.h"

static char dir[512];

static void setup_dir(void)
{
    char *d = (char *)pmt_tempdir("pufbuild");
    snprintf(dir, sizeof(dir), "%s", d);
    free(d);
}

static const char *path(const char *name)
{
    static char p[64][1024]; /* callers keep these: a ring big enough for one test */
    static unsigned k;
    char *s = p[k++ % 64];
    snprintf(s, 1024, "%s/%s", dir, name);
    return s;
}

static void put(const char *name, const char *text)
{
    assert_int_equal(pmt_write_file(path(name), text, strlen(text)), 0);
}

struct reports {
    unsigned n;
    char text[16][512];
};

static void collect(void *ctx, const char *where, unsigned line, const char *msg)
{
    struct reports *r = ctx;
    const char *base = strrchr(where, '/');
    if (r->n < 16)
        snprintf(r->text[r->n], 512, "%s:%u: %s", base ? base + 1 : where, line, msg);
    r->n++;
}

static void test_split_proxies(void **state)
{
    (void)state;
    struct pm_strlist l = PM_STRLIST_INIT;
    assert_int_equal(pm_puf_split_proxies("SMTP:a@b.com X500:/o=A/ou=Exchange Administrative "
                                          "Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=x "
                                          "smtp:c@d.com",
                                          &l),
                     0);
    assert_int_equal(l.n, 3);
    assert_string_equal(l.items[1], "X500:/o=A/ou=Exchange Administrative Group "
                                    "(FYDIBOHF23SPDLT)/cn=Recipients/cn=x");
    assert_string_equal(l.items[2], "smtp:c@d.com");
    pm_strlist_release(&l);
    assert_int_equal(pm_puf_split_proxies("{SMTP:a@b.com; x500:/o=B/cn=y z,sip:q@r}", &l), 0);
    assert_int_equal(l.n, 3);
    assert_string_equal(l.items[0], "SMTP:a@b.com");
    assert_string_equal(l.items[1], "x500:/o=B/cn=y z");
    assert_string_equal(l.items[2], "sip:q@r");
    pm_strlist_release(&l);
    assert_int_equal(pm_puf_split_proxies("  ", &l), 0);
    assert_int_equal(l.n, 0);
}

static void test_join_parse(void **state)
{
    (void)state;
    enum pm_puf_join j;
    const char *map;
    assert_int_equal(pm_puf_join_parse("alias", &j, &map), 0);
    assert_int_equal(j, PM_PUF_JOIN_ALIAS);
    assert_int_equal(pm_puf_join_parse("map:x.csv", &j, &map), 0);
    assert_int_equal(j, PM_PUF_JOIN_MAP);
    assert_string_equal(map, "x.csv");
    assert_int_equal(pm_puf_join_parse("map:", &j, &map), PM_ERR_INVALID);
    assert_int_equal(pm_puf_join_parse("guid", &j, &map), PM_ERR_INVALID);
}

#define SRC_HDR                                                                                    \
    "#TYPE Selected.Microsoft.Exchange.Data.Directory.Management.Mailbox\r\n"                      \
    "\"DisplayName\",\"Alias\",\"PrimarySmtpAddress\",\"LegacyExchangeDN\","                       \
    "\"EmailAddresses\"\r\n"
#define TGT_HDR                                                                                    \
    "\"DisplayName\",\"Alias\",\"PrimarySmtpAddress\",\"LegacyExchangeDN\","                       \
    "\"ExchangeGuid\",\"EmailAddresses\"\r\n"

static void write_exports(void)
{
    put("src.csv", SRC_HDR
        "\"Doe, Jane\",\"jdoe\",\"jane@contoso.com\",\"/o=Contoso/ou=Site/cn=Recipients/cn=jdoe\","
        "\"SMTP:jane@contoso.com X500:/o=Old Org/ou=First Group/cn=Recipients/cn=jdoe\"\r\n"
        "\"Tim O'Brien\",\"tim\",\"tim@contoso.com\",\"/o=Contoso/ou=Site/cn=Recipients/cn=tim'o\","
        "\"SMTP:tim@contoso.com\"\r\n"
        "\"Nobody\",\"nob\",\"nob@contoso.com\",\"/o=Contoso/ou=Site/cn=Recipients/"
        "cn=nob\",\"\"\r\n"
        "\"Twice\",\"two\",\"two@contoso.com\",\"/o=Contoso/ou=Site/cn=Recipients/cn=two\",\"\"\r\n"
        "\"No DN\",\"nodn\",\"nodn@contoso.com\",\"\",\"\"\r\n");
    put("tgt.csv", TGT_HDR
        "\"Doe | Jane\",\"jdoe\",\"jane@fabrikam.com\","
        "\"/o=ExchangeLabs/ou=Exchange Administrative Group "
        "(FYDIBOHF23SPDLT)/cn=Recipients/cn=abc-jdoe\","
        "\"0f5fa282-5978-43cd-8fa8-e07bc3bb5591\",\"SMTP:jane@fabrikam.com "
        "smtp:jane@contoso.com\"\r\n"
        "\"Tim\",\"tim\",\"tim@fabrikam.com\",\"/o=ExchangeLabs/ou=X/cn=Recipients/cn=tim\","
        "\"00000000-0000-0000-0000-000000000000\",\"smtp:tim@contoso.com\"\r\n"
        "\"Two "
        "A\",\"two\",\"two.a@fabrikam.com\",\"/o=ExchangeLabs/ou=X/cn=Recipients/cn=twoa\",\"\","
        "\"smtp:two@contoso.com\"\r\n"
        "\"Two "
        "B\",\"two2\",\"two.b@fabrikam.com\",\"/o=ExchangeLabs/ou=X/cn=Recipients/cn=twob\",\"\","
        "\"smtp:TWO@contoso.com\"\r\n"
        "\"No "
        "DN\",\"nodn\",\"nodn@fabrikam.com\",\"/o=ExchangeLabs/ou=X/cn=Recipients/cn=nodn\",\"\","
        "\"smtp:nodn@contoso.com\"\r\n");
}

static char *body(const char *name)
{
    size_t len;
    char *s = pmt_read_file(path(name), &len);
    assert_non_null(s);
    return s;
}

static void test_build_smtp(void **state)
{
    (void)state;
    setup_dir();
    write_exports();
    struct pm_pufbuild_opts o = {path("src.csv"),
                                 path("tgt.csv"),
                                 PM_PUF_JOIN_SMTP,
                                 NULL,
                                 path("mbm.puf"),
                                 0,
                                 path("x500.ps1"),
                                 0,
                                 0};
    struct pm_pufbuild_stats st;
    struct reports rep = {0};
    struct pm_error err;
    assert_int_equal(pm_puf_build(&o, &st, collect, &rep, &err), 0);
    assert_int_equal(st.source_rows, 5);
    assert_int_equal(st.target_rows, 5);
    assert_int_equal(st.mailboxes, 2);
    assert_int_equal(st.lines, 3); /* jdoe + its X500 proxy, tim */
    assert_int_equal(st.unjoined, 1);
    assert_int_equal(st.ambiguous, 1);
    assert_int_equal(st.invalid, 1);
    assert_int_equal(rep.n, 3);
    assert_string_equal(rep.text[0],
                        "src.csv:5: no target mailbox with smtp 'nob@contoso.com': left out");
    assert_string_equal(
        rep.text[1], "src.csv:6: several target mailboxes have smtp 'two@contoso.com': left out");
    assert_string_equal(rep.text[2], "src.csv:7: no LegacyExchangeDN in the row: left out");

    char *puf = body("mbm.puf");
    const char *jdoe =
        "/o=Contoso/ou=Site/cn=Recipients/cn=jdoe|/o=ExchangeLabs/ou=Exchange Administrative Group "
        "(FYDIBOHF23SPDLT)/cn=Recipients/cn=abc-jdoe|jane@fabrikam.com|Doe   Jane|"
        "0f5fa282-5978-43cd-8fa8-e07bc3bb5591@fabrikam.com|/o=ExchangeLabs/ou=Exchange "
        "Administrative Group (FYDIBOHF23SPDLT)/cn=Configuration/cn=Servers/"
        "cn=0f5fa282-5978-43cd-8fa8-e07bc3bb5591@fabrikam.com|jane@contoso.com||\n";
    assert_non_null(strstr(puf, jdoe));
    assert_non_null(strstr(puf, "\n/o=Old Org/ou=First Group/cn=Recipients/cn=jdoe|/o=ExchangeLabs/"
                                "ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/"
                                "cn=abc-jdoe|jane@fabrikam.com|"));
    /* a zero GUID gives no server: empty fields, not a guess */
    assert_non_null(strstr(puf, "/cn=tim'o|/o=ExchangeLabs/ou=X/cn=Recipients/cn=tim|"
                                "tim@fabrikam.com|Tim|||tim@contoso.com||\n"));
    assert_null(strstr(puf, "cn=nob"));
    assert_null(strstr(puf, "cn=two"));
    /* every line parses with the run's parser */
    unsigned n = 0;
    for (char *p = puf, *nl; (nl = strchr(p, '\n')); p = nl + 1) {
        struct pm_puf_entry e;
        char why[256];
        int rc = pm_puf_parse_line(p, (size_t)(nl - p), 1, &e, why, sizeof(why));
        assert_true(rc == 0 || rc == 1);
        if (rc == 0) {
            n++;
            pm_puf_entry_release(&e);
        }
    }
    assert_int_equal(n, 3);
    free(puf);

    char *ps = body("x500.ps1");
    assert_memory_equal(ps, "\xef\xbb\xbf", 3);
    assert_non_null(strstr(ps, "Set-Mailbox -Identity 'jane@fabrikam.com' -EmailAddresses "
                               "@{add='X500:/o=Contoso/ou=Site/cn=Recipients/cn=jdoe',"
                               "'X500:/o=Old Org/ou=First Group/cn=Recipients/cn=jdoe'}\n"));
    assert_non_null(strstr(ps, "@{add='X500:/o=Contoso/ou=Site/cn=Recipients/cn=tim''o'}\n"));
    free(ps);

    /* --append: nothing new, then a new source row is added alone */
    o.append = 1;
    o.x500_script_path = NULL;
    rep.n = 0;
    assert_int_equal(pm_puf_build(&o, &st, collect, &rep, &err), 0);
    assert_int_equal(st.mailboxes, 0);
    assert_int_equal(st.already_present, 2);
    size_t before_len;
    char *before = pmt_read_file(path("mbm.puf"), &before_len);
    put("src2.csv", SRC_HDR "\"Doe, Jane\",\"jdoe\",\"jane@contoso.com\","
                            "\"/o=Contoso/ou=Site/cn=Recipients/cn=jdoe\",\"\"\r\n"
                            "\"Nobody\",\"nob\",\"nob@contoso.com\","
                            "\"/o=Contoso/ou=Site/cn=Recipients/cn=nob\",\"\"\r\n");
    put("tgt2.csv", TGT_HDR "\"N\",\"nob\",\"nob@fabrikam.com\",\"/o=F/cn=Recipients/cn=nob\","
                            "\"\",\"smtp:nob@contoso.com\"\r\n"
                            "\"J\",\"jdoe\",\"jane@fabrikam.com\",\"/o=F/cn=Recipients/cn=j\","
                            "\"\",\"smtp:jane@contoso.com\"\r\n");
    o.source_path = path("src2.csv");
    o.target_path = path("tgt2.csv");
    assert_int_equal(pm_puf_build(&o, &st, collect, &rep, &err), 0);
    assert_int_equal(st.mailboxes, 1);
    assert_int_equal(st.already_present, 1);
    size_t after_len;
    char *after = pmt_read_file(path("mbm.puf"), &after_len);
    assert_memory_equal(after, before, before_len); /* appended, nothing rewritten */
    assert_string_equal(after + before_len, "/o=Contoso/ou=Site/cn=Recipients/cn=nob|"
                                            "/o=F/cn=Recipients/cn=nob|nob@fabrikam.com|N|||"
                                            "nob@contoso.com||\n");
    free(before);
    free(after);
}

static void test_build_alias_and_map(void **state)
{
    (void)state;
    setup_dir();
    write_exports();
    struct pm_pufbuild_opts o = {
        path("src.csv"), path("tgt.csv"), PM_PUF_JOIN_ALIAS, NULL, path("a.puf"), 0, NULL, 0, 0};
    struct pm_pufbuild_stats st;
    struct reports rep = {0};
    assert_int_equal(pm_puf_build(&o, &st, collect, &rep, NULL), 0);
    /* by alias "two" is unique and "nob" has no target */
    assert_int_equal(st.mailboxes, 3);
    assert_int_equal(st.unjoined, 1);
    char *puf = body("a.puf");
    assert_non_null(strstr(puf, "/cn=two|/o=ExchangeLabs/ou=X/cn=Recipients/cn=twoa|"));
    free(puf);

    put("map.csv", "Source,Target\r\nnob@contoso.com,two.b@fabrikam.com\r\n"
                   "missing@contoso.com,jane@fabrikam.com\r\n");
    o.join = PM_PUF_JOIN_MAP;
    o.map_path = path("map.csv");
    o.out_path = path("m.puf");
    rep.n = 0;
    assert_int_equal(pm_puf_build(&o, &st, collect, &rep, NULL), 0);
    assert_int_equal(st.mailboxes, 1);
    assert_int_equal(rep.n, 1);
    assert_string_equal(rep.text[0], "map.csv:3: source mailbox 'missing@contoso.com' is not "
                                     "in the export: left out");
    puf = body("m.puf");
    assert_non_null(strstr(puf, "/cn=nob|/o=ExchangeLabs/ou=X/cn=Recipients/cn=twob|two.b@"));
    free(puf);
}

static void test_build_v2_fields(void **state)
{
    (void)state;
    setup_dir();
    /* The source's PrimarySmtpAddress, the target's UPN and ArchiveGuid become fields 7-9, on
     * the lines of old X500 names too; an all-zero ArchiveGuid is no archive. */
    put("s.csv", "\"Alias\",\"PrimarySmtpAddress\",\"LegacyExchangeDN\",\"EmailAddresses\"\r\n"
                 "\"jdoe\",\"jane@contoso.com\",\"/o=Contoso/cn=Recipients/cn=jdoe\","
                 "\"X500:/o=Old/cn=Recipients/cn=jdoe\"\r\n"
                 "\"tim\",\"tim@contoso.com\",\"/o=Contoso/cn=Recipients/cn=tim\",\"\"\r\n"
                 "\"sam\",\"sam@contoso.com\",\"/o=Contoso/cn=Recipients/cn=sam\",\"\"\r\n");
    put("t.csv", "\"Alias\",\"UserPrincipalName\",\"PrimarySmtpAddress\",\"LegacyExchangeDN\","
                 "\"ArchiveGuid\"\r\n"
                 "\"jdoe\",\"jane.doe@corp.fabrikam.com\",\"jane@fabrikam.com\","
                 "\"/o=F/cn=Recipients/cn=jdoe\",\"0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0\"\r\n"
                 "\"tim\",\"tim@corp.fabrikam.com\",\"tim@fabrikam.com\","
                 "\"/o=F/cn=Recipients/cn=tim\",\"00000000-0000-0000-0000-000000000000\"\r\n"
                 "\"sam\",\"sam is not a upn\",\"sam@fabrikam.com\","
                 "\"/o=F/cn=Recipients/cn=sam\",\"\"\r\n");
    struct pm_pufbuild_opts o = {
        path("s.csv"), path("t.csv"), PM_PUF_JOIN_ALIAS, NULL, path("v2.puf"), 0, NULL, 0, 0};
    struct pm_pufbuild_stats st;
    struct reports rep = {0};
    assert_int_equal(pm_puf_build(&o, &st, collect, &rep, NULL), 0);
    char *puf = body("v2.puf");
    assert_non_null(strstr(puf, "\n#fields: source_dn|target_dn|target_smtp|target_display|"
                                "target_server|target_server_dn|source_smtp|target_upn|"
                                "target_archive_guid\n"));
    assert_non_null(strstr(puf, "\n/o=Contoso/cn=Recipients/cn=jdoe|/o=F/cn=Recipients/cn=jdoe|"
                                "jane@fabrikam.com||||jane@contoso.com|jane.doe@corp.fabrikam.com|"
                                "0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0\n"));
    assert_non_null(strstr(puf, "\n/o=Old/cn=Recipients/cn=jdoe|/o=F/cn=Recipients/cn=jdoe|"
                                "jane@fabrikam.com||||jane@contoso.com|jane.doe@corp.fabrikam.com|"
                                "0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0\n"));
    assert_non_null(strstr(puf, "\n/o=Contoso/cn=Recipients/cn=tim|/o=F/cn=Recipients/cn=tim|"
                                "tim@fabrikam.com||||tim@contoso.com|tim@corp.fabrikam.com|\n"));
    /* A value the run's parser would refuse leaves the row out, reported, as for field 3. */
    assert_null(strstr(puf, "cn=sam"));
    assert_int_equal(st.invalid, 1);
    assert_int_equal(rep.n, 1);
    assert_non_null(strstr(rep.text[0], "s.csv:4: cannot write a line for "
                                        "'/o=Contoso/cn=Recipients/cn=sam': field 8 is not a "
                                        "sign-in name"));
    free(puf);

    /* Exports without any of the three columns' values keep six fields and the v1 header. */
    put("s1.csv",
        "\"Alias\",\"LegacyExchangeDN\"\r\n\"tim\",\"/o=Contoso/cn=Recipients/cn=tim\"\r\n");
    o.source_path = path("s1.csv");
    o.out_path = path("v1.puf");
    put("t1.csv", "\"Alias\",\"PrimarySmtpAddress\",\"LegacyExchangeDN\"\r\n"
                  "\"tim\",\"tim@fabrikam.com\",\"/o=F/cn=Recipients/cn=tim\"\r\n");
    o.target_path = path("t1.csv");
    assert_int_equal(pm_puf_build(&o, &st, collect, &rep, NULL), 0);
    puf = body("v1.puf");
    assert_non_null(strstr(puf, "\n#fields: source_dn|target_dn|target_smtp|target_display|"
                                "target_server|target_server_dn\n/o=Contoso/cn=Recipients/cn=tim|"
                                "/o=F/cn=Recipients/cn=tim|tim@fabrikam.com|||\n"));
    free(puf);
}

static void test_build_errors(void **state)
{
    (void)state;
    setup_dir();
    put("bad.csv", "\"Name\",\"Alias\"\r\n\"a\",\"b\"\r\n");
    write_exports();
    struct pm_pufbuild_opts o = {
        path("bad.csv"), path("tgt.csv"), PM_PUF_JOIN_SMTP, NULL, path("x.puf"), 0, NULL, 0, 0};
    struct pm_pufbuild_stats st;
    struct pm_error err;
    assert_int_equal(pm_puf_build(&o, &st, NULL, NULL, &err), PM_ERR_PARSE);
    assert_non_null(strstr(err.msg, "LegacyExchangeDN"));
    o.source_path = path("missing.csv");
    assert_int_equal(pm_puf_build(&o, &st, NULL, NULL, &err), PM_ERR_IO);
    /* the output is not created when the build fails */
    size_t len;
    assert_null(pmt_read_file(path("x.puf"), &len));
}

/* A build that would re-point nobody (nothing joined, swapped or identical exports) is refused
 * and leaves an existing PUF as it was; allow_empty writes it; an overwrite keeps a .bak. */
static void test_build_refuses_empty(void **state)
{
    (void)state;
    setup_dir();
    write_exports();
    put("keep.puf",
        "/o=A/cn=x|/o=B/cn=y|y@b.com|Y|s@b.com|/o=B/cn=Configuration/cn=Servers/cn=s\n");
    struct pm_pufbuild_opts o = {
        path("src.csv"), path("tgt.csv"), PM_PUF_JOIN_UPN, NULL, path("keep.puf"), 0, NULL, 0, 0};
    struct pm_pufbuild_stats st;
    struct pm_error err;
    /* no UserPrincipalName in the exports: nothing joins */
    assert_int_equal(pm_puf_build(&o, &st, NULL, NULL, &err), PM_ERR_INVALID);
    assert_non_null(strstr(err.msg, "no source mailbox joined"));
    assert_int_equal(st.mailboxes, 0);
    char *puf = body("keep.puf");
    assert_string_equal(puf, "/o=A/cn=x|/o=B/cn=y|y@b.com|Y|s@b.com|"
                             "/o=B/cn=Configuration/cn=Servers/cn=s\n");
    free(puf);
    size_t len;
    assert_null(pmt_read_file(path("keep.puf.bak"), &len));

    /* the source export given as both sides: every mailbox maps to itself */
    o.join = PM_PUF_JOIN_ALIAS;
    o.target_path = path("src.csv");
    assert_int_equal(pm_puf_build(&o, &st, NULL, NULL, &err), PM_ERR_INVALID);
    assert_non_null(strstr(err.msg, "maps to itself"));
    assert_true(st.mailboxes > 0);
    assert_int_equal(st.self_mapped, st.mailboxes);
    assert_null(pmt_read_file(path("keep.puf.bak"), &len));

    /* allow_empty writes it, and the PUF it replaces is kept as .bak */
    o.allow_empty = 1;
    assert_int_equal(pm_puf_build(&o, &st, NULL, NULL, &err), 0);
    puf = body("keep.puf.bak");
    assert_string_equal(puf, "/o=A/cn=x|/o=B/cn=y|y@b.com|Y|s@b.com|"
                             "/o=B/cn=Configuration/cn=Servers/cn=s\n");
    free(puf);
    puf = body("keep.puf");
    assert_non_null(strstr(puf, "/cn=jdoe|/o=Contoso/ou=Site/cn=Recipients/cn=jdoe|"));
    free(puf);

    /* a real build over it: .bak now holds the previous (self-mapped) PUF */
    o.allow_empty = 0;
    o.target_path = path("tgt.csv");
    assert_int_equal(pm_puf_build(&o, &st, NULL, NULL, &err), 0);
    assert_int_equal(st.self_mapped, 0);
    puf = body("keep.puf.bak");
    assert_non_null(strstr(puf, "/cn=jdoe|/o=Contoso/ou=Site/cn=Recipients/cn=jdoe|"));
    free(puf);

    /* append with nothing new but everything already present is not refused */
    o.append = 1;
    assert_int_equal(pm_puf_build(&o, &st, NULL, NULL, &err), 0);
    assert_int_equal(st.mailboxes, 0);
    assert_true(st.already_present > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split_proxies),       cmocka_unit_test(test_join_parse),
        cmocka_unit_test(test_build_smtp),          cmocka_unit_test(test_build_alias_and_map),
        cmocka_unit_test(test_build_v2_fields),     cmocka_unit_test(test_build_errors),
        cmocka_unit_test(test_build_refuses_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
