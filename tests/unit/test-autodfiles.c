/* Tests of the cached Autodiscover files (pm/autodfiles.h): SHA-256 against the FIPS examples;
 * which names are Autodiscover files; the matcher (case, UTF-16, a needle inside a longer name
 * does not match); which strings the plan's updated mailboxes give, without a server shared with
 * a mailbox left alone; the scan of a folder (found, left alone, a link, a file over 1 MiB); the
 * move (copy byte for byte, manifest, original gone; nothing deleted when the backup place
 * cannot be written); the manifest parser's refusals with file:line; and the restore's decisions
 * (missing, same, newer without and with force). */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utime.h>

#include "pm/autodfiles.h"
#include "pm/os.h"
#include "pm/sha256.h"
#include "testutil.h"

static void test_sha256_vectors(void **state)
{
    (void)state;
    char h[65];
    pm_sha256_of("", 0, h);
    assert_string_equal(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    pm_sha256_of("abc", 3, h);
    assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    static const char two[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    pm_sha256_of(two, strlen(two), h);
    assert_string_equal(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    /* Fed in pieces across block boundaries: the same digest. */
    struct pm_sha256 s;
    pm_sha256_init(&s);
    for (size_t i = 0; i < strlen(two); i += 7)
        pm_sha256_update(&s, two + i, strlen(two) - i < 7 ? strlen(two) - i : 7);
    pm_sha256_hex(&s, h);
    assert_string_equal(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_names(void **state)
{
    (void)state;
    assert_int_equal(pm_autod_is_name("0f1e - Autodiscover.xml"), 1);
    assert_int_equal(pm_autod_is_name("X - AUTODISCOVER.XML"), 1);
    assert_int_equal(pm_autod_is_name("autodiscover.xml"), 1);
    assert_int_equal(pm_autod_is_name("Autodiscover.xml.bak"), 0);
    assert_int_equal(pm_autod_is_name("alice.xml"), 0);
}

static void add(struct pm_strlist *l, const char *s)
{
    assert_int_equal(pm_strlist_add(l, s), 0);
}

static void test_match(void **state)
{
    (void)state;
    struct pm_strlist n = PM_STRLIST_INIT;
    add(&n, "alice@source.example");
    add(&n, "/o=org/cn=recipients/cn=bob");
    add(&n, "ex1.source.example");
    const char *x = "<AutoDiscoverSMTPAddress>Alice@Source.Example</AutoDiscoverSMTPAddress>";
    assert_string_equal(pm_autod_match(&n, x, strlen(x)), "alice@source.example");
    x = "<LegacyDN>/O=Org/cn=Recipients/cn=Bob</LegacyDN>";
    assert_string_equal(pm_autod_match(&n, x, strlen(x)), "/o=org/cn=recipients/cn=bob");
    x = "<Url>https://ex1.source.example/EWS/Exchange.asmx</Url>";
    assert_string_equal(pm_autod_match(&n, x, strlen(x)), "ex1.source.example");
    /* Part of a longer name: no match. */
    const char *longer[] = {
        "<A>malice@source.example</A>",         "<A>alice@source.example.org</A>",
        "<L>/o=org/cn=recipients/cn=bobby</L>", "<L>/o=org/cn=recipients/cn=bob smith</L>",
        "<S>ex10.source.example</S>",           "<S>aex1.source.example</S>"};
    for (size_t i = 0; i < sizeof(longer) / sizeof(*longer); i++)
        assert_null(pm_autod_match(&n, longer[i], strlen(longer[i])));
    /* A longer name first, the name alone later: found. */
    x = "<A>malice@source.example</A><B>alice@source.example</B>";
    assert_non_null(pm_autod_match(&n, x, strlen(x)));
    /* UTF-16LE with a byte order mark. */
    const char *a = "<A>alice@SOURCE.example</A>";
    unsigned char w[128];
    size_t wl = 2;
    w[0] = 0xff;
    w[1] = 0xfe;
    for (size_t i = 0; a[i]; i++) {
        w[wl++] = (unsigned char)a[i];
        w[wl++] = 0;
    }
    assert_string_equal(pm_autod_match(&n, w, wl), "alice@source.example");
    assert_null(pm_autod_match(&n, w, 7)); /* cut inside: no match, no overread */
    pm_strlist_release(&n);
}

/* A model of one profile: account 0 migrated (alice, server ex1), account 1 not (dave, also on
 * ex1, and ex2 only his); account 2 migrated (carol on ex3). */
static void set_value(struct pm_section_value *v, const char *name, const char *s)
{
    v->name = strdup(name);
    v->type = 3; /* REG_BINARY: 001e.... is 8-bit */
    v->len = strlen(s);
    v->data = calloc(1, v->len + 2);
    memcpy(v->data, s, v->len);
}

static void test_needles(void **state)
{
    (void)state;
    struct pm_section sec[3];
    struct pm_section_value val[3];
    struct pm_account acc[3];
    memset(sec, 0, sizeof(sec));
    memset(acc, 0, sizeof(acc));
    const char *servers[3] = {"EX1.source.example", "ex1.source.example", "ex3.source.example"};
    const char *smtp[3] = {"SMTP:Alice@source.example", "dave@source.example",
                           "carol@source.example"};
    for (int i = 0; i < 3; i++) {
        set_value(&val[i], "001e6602", servers[i]);
        sec[i].role = PM_ROLE_EMSMDB;
        sec[i].values = &val[i];
        sec[i].nvalues = 1;
        acc[i].sections = &sec[i];
        acc[i].nsections = 1;
        acc[i].smtp = (char *)smtp[i];
    }
    struct pm_profile prof;
    memset(&prof, 0, sizeof(prof));
    prof.accounts = acc;
    prof.naccounts = 3;
    struct pm_model m = {&prof, 1};
    struct pm_decision dec[3];
    memset(dec, 0, sizeof(dec));
    dec[0] = (struct pm_decision){0, 0, -1, PM_DEC_UPDATED, "/o=Src/cn=alice", NULL, NULL, 1};
    dec[1] = (struct pm_decision){0, 1, -1, PM_DEC_NOT_IN_PUF, "/o=Src/cn=dave", NULL, NULL, 0};
    dec[2] = (struct pm_decision){0, 2, -1, PM_DEC_UPDATED, "/o=Src/cn=carol", NULL, NULL, 2};
    struct pm_plan plan;
    memset(&plan, 0, sizeof(plan));
    plan.decisions = dec;
    plan.ndecisions = 3;
    struct pm_puf_query q;
    memset(&q, 0, sizeof(q));
    q.match = PM_PUF_SOURCE;
    q.dn = "/O=SRC/cn=alice"; /* the key asked; the PUF line may write it otherwise */
    q.entry.source_dn = "X500:/o=Src/cn=alice";
    q.entry.source_smtp = "alice.old@source.example";
    struct pm_strlist n = PM_STRLIST_INIT;
    assert_int_equal(pm_autod_needles_collect(&m, &plan, &q, 1, &n), 0);
    const char *want[] = {"/o=src/cn=alice", "alice@source.example", "alice.old@source.example",
                          "/o=src/cn=carol", "carol@source.example", "ex3.source.example"};
    for (size_t i = 0; i < sizeof(want) / sizeof(*want); i++)
        assert_true(pm_strlist_find(&n, want[i]) >= 0);
    /* dave's names, and ex1 that dave shares with alice, are not the run's. */
    assert_int_equal(pm_strlist_find(&n, "ex1.source.example"), -1);
    assert_int_equal(pm_strlist_find(&n, "dave@source.example"), -1);
    assert_int_equal(pm_strlist_find(&n, "/o=src/cn=dave"), -1);
    assert_int_equal(n.n, sizeof(want) / sizeof(*want));
    pm_strlist_release(&n);
    for (int i = 0; i < 3; i++) {
        free(val[i].name);
        free(val[i].data);
    }
}

static char *join(const char *a, const char *b)
{
    struct pm_buf p = PM_BUF_INIT;
    assert_int_equal(pm_path_join(&p, a, b), 0);
    return pm_buf_detach(&p, NULL);
}

static void put(const char *dir, const char *name, const char *text)
{
    char *p = join(dir, name);
    assert_int_equal(pmt_write_file(p, text, strlen(text)), 0);
    free(p);
}

static const char ALICE_XML[] = "<Autodiscover><User><AutoDiscoverSMTPAddress>alice@source.example"
                                "</AutoDiscoverSMTPAddress></User></Autodiscover>\r\n";

struct fx {
    const char *root, *dir, *bdir;
    char *backup;
    struct pm_strlist needles;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    f->root = pmt_tempdir("autod");
    f->dir = join(f->root, "Outlook");
    f->bdir = join(f->root, "Backups");
    assert_int_equal(pm_os_mkdirs(f->dir), 0);
    assert_int_equal(pm_os_mkdirs(f->bdir), 0);
    f->backup = join(f->bdir, "PC_u-20260101T000000Z-1.reg");
    add(&f->needles, "alice@source.example");
    put(f->dir, "a1 - Autodiscover.xml", ALICE_XML);
    put(f->dir, "b2 - Autodiscover.xml", "<A>dave@source.example</A>");
    put(f->dir, "alice.xml", ALICE_XML);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    free((char *)f->dir);
    free((char *)f->bdir);
    free((char *)f->root); /* pmt_tempdir's string is the caller's */
    free(f->backup);
    pm_strlist_release(&f->needles);
    free(f);
    return 0;
}

static void test_scan_and_move(void **state)
{
    struct fx *f = *state;
    /* Over the ceiling, naming alice: left. A link to a file naming alice: left, not followed. */
    char *big = malloc(PM_AUTOD_MAX_BYTES + 10);
    memset(big, ' ', PM_AUTOD_MAX_BYTES + 10);
    memcpy(big, ALICE_XML, strlen(ALICE_XML));
    char *bp = join(f->dir, "c3 - Autodiscover.xml");
    assert_int_equal(pmt_write_file(bp, big, PM_AUTOD_MAX_BYTES + 1), 0);
    free(big);
    put(f->root, "elsewhere.xml", ALICE_XML);
    char *target = join(f->root, "elsewhere.xml"), *link = join(f->dir, "d4 - Autodiscover.xml");
    assert_int_equal(symlink(target, link), 0);

    struct pm_autod a;
    struct pm_error err;
    pm_error_clear(&err);
    assert_int_equal(pm_autod_scan(f->dir, &f->needles, &a, &err), 0);
    assert_int_equal(a.n, 3);
    assert_int_equal(pm_autod_count(&a, PM_AUTOD_FOUND), 1);
    assert_int_equal(pm_autod_count(&a, PM_AUTOD_TOO_LARGE), 1);
    assert_int_equal(pm_autod_count(&a, PM_AUTOD_UNREADABLE), 1);
    assert_non_null(strstr(a.files[0].path, "a1 - Autodiscover.xml"));
    char sha[65];
    pm_sha256_of(ALICE_XML, strlen(ALICE_XML), sha);
    assert_string_equal(a.files[0].sha256, sha);
    assert_string_equal(a.files[0].matched, "alice@source.example");

    assert_int_equal(pm_autod_move(&a, f->backup, &err), 0);
    assert_int_equal(a.files[0].state, PM_AUTOD_MOVED);
    assert_int_equal(pm_os_file_exists(a.files[0].path), 0);
    size_t len = 0;
    char *copy = pmt_read_file(a.files[0].copy, &len);
    assert_non_null(copy);
    assert_int_equal(len, strlen(ALICE_XML));
    assert_memory_equal(copy, ALICE_XML, len);
    free(copy);
    /* Everything else in place, the link's target untouched. */
    assert_int_equal(pm_os_file_exists(bp), 1);
    assert_int_equal(pm_os_file_exists(target), 1);
    char *other = join(f->dir, "b2 - Autodiscover.xml");
    assert_int_equal(pm_os_file_exists(other), 1);
    /* The manifest parses against the folder and lists the one file. */
    char *mtext = pmt_read_file(a.manifest, &len);
    assert_non_null(mtext);
    struct pm_autod_manifest m;
    assert_int_equal(pm_autod_manifest_parse(mtext, len, a.manifest, f->dir, &m, &err), 0);
    assert_int_equal(m.n, 1);
    assert_string_equal(m.e[0].name, "a1 - Autodiscover.xml");
    assert_string_equal(m.e[0].sha256, sha);
    assert_int_equal(m.e[0].size, (long long)strlen(ALICE_XML));
    pm_autod_manifest_release(&m);
    free(mtext);

    /* Restore: missing -> written, byte for byte. */
    struct pm_autod_restore r;
    struct pm_buf mp = PM_BUF_INIT;
    assert_int_equal(pm_autod_manifest_path(f->backup, &mp), 0);
    assert_string_equal(mp.data, a.manifest);
    assert_int_equal(pm_autod_restore_check(mp.data, f->dir, 0, &r, &err), 0);
    assert_int_equal(r.action[0], PM_AUTOD_WRITE);
    assert_int_equal(pm_autod_restore_apply(&r, &err), 0);
    pm_autod_restore_release(&r);
    copy = pmt_read_file(a.files[0].path, &len);
    assert_int_equal(len, strlen(ALICE_XML));
    assert_memory_equal(copy, ALICE_XML, len);
    free(copy);
    /* Same bytes: nothing to write. */
    assert_int_equal(pm_autod_restore_check(mp.data, f->dir, 0, &r, &err), 0);
    assert_int_equal(r.action[0], PM_AUTOD_SAME);
    assert_int_equal(r.nwrite, 0);
    pm_autod_restore_release(&r);
    /* Newer and different: refused, then forced. */
    put(f->dir, "a1 - Autodiscover.xml", "new answer");
    struct utimbuf later = {pm_os_time_now() + 60, pm_os_time_now() + 60};
    assert_int_equal(utime(a.files[0].path, &later), 0);
    assert_int_equal(pm_autod_restore_check(mp.data, f->dir, 0, &r, &err), PM_ERR_BUSY);
    assert_non_null(strstr(err.msg, "was written since the backup"));
    assert_int_equal(pm_autod_restore_check(mp.data, f->dir, 1, &r, &err), 0);
    assert_int_equal(r.action[0], PM_AUTOD_NEWER);
    assert_int_equal(pm_autod_restore_apply(&r, &err), 0);
    pm_autod_restore_release(&r);
    copy = pmt_read_file(a.files[0].path, &len);
    assert_memory_equal(copy, ALICE_XML, len);
    free(copy);
    /* Restored into another folder: the manifest's path is refused. */
    assert_int_equal(pm_autod_restore_check(mp.data, f->root, 0, &r, &err), PM_ERR_PARSE);
    assert_int_equal(err.line, 3);

    pm_buf_release(&mp);
    pm_autod_release(&a);
    free(bp);
    free(target);
    free(link);
    free(other);
}

static void test_move_without_backup_place(void **state)
{
    struct fx *f = *state;
    struct pm_autod a;
    struct pm_error err;
    pm_error_clear(&err);
    assert_int_equal(pm_autod_scan(f->dir, &f->needles, &a, &err), 0);
    assert_int_equal(pm_autod_count(&a, PM_AUTOD_FOUND), 1);
    char *nowhere = join(f->root, "missing/PC_u-1.reg");
    assert_int_equal(pm_autod_move(&a, nowhere, &err), 0);
    assert_int_equal(a.files[0].state, PM_AUTOD_FAILED);
    assert_non_null(a.files[0].why);
    assert_null(a.manifest);
    assert_int_equal(pm_os_file_exists(a.files[0].path), 1);
    pm_autod_release(&a);
    free(nowhere);
}

static void test_scan_missing_folder_or_no_needles(void **state)
{
    struct fx *f = *state;
    struct pm_autod a;
    struct pm_error err;
    struct pm_strlist none = PM_STRLIST_INIT;
    assert_int_equal(pm_autod_scan(f->dir, &none, &a, &err), 0);
    assert_int_equal(a.n, 0);
    char *missing = join(f->root, "nope");
    assert_int_equal(pm_autod_scan(missing, &f->needles, &a, &err), 0);
    assert_int_equal(a.n, 0);
    free(missing);
}

#define HASH "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define DIRW "C:\\Users\\u\\AppData\\Local\\Microsoft\\Outlook"
#define HEAD PM_AUTOD_MANIFEST_MAGIC "\r\n# comment\r\n"

static void refused(const char *text, unsigned line, const char *msg)
{
    struct pm_autod_manifest m;
    struct pm_error err;
    pm_error_clear(&err);
    assert_int_equal(
        pm_autod_manifest_parse(text, strlen(text), "x.autodiscover.txt", DIRW, &m, &err),
        PM_ERR_PARSE);
    assert_string_equal(err.where, "x.autodiscover.txt");
    assert_int_equal(err.line, line);
    if (!strstr(err.msg, msg))
        fail_msg("'%s' lacks '%s'", err.msg, msg);
    assert_int_equal(m.n, 0);
}

static void test_manifest_parse(void **state)
{
    (void)state;
    struct pm_autod_manifest m;
    struct pm_error err;
    const char *ok = HEAD "file\t3\t" HASH "\tb-1.xml\t" DIRW "\\a - Autodiscover.xml\r\n"
                          "file\t3\t" HASH "\tb-2.xml\tc:/users/U/appdata/local/microsoft/outlook/"
                          "b - AUTODISCOVER.XML\n";
    assert_int_equal(pm_autod_manifest_parse(ok, strlen(ok), "x", DIRW, &m, &err), 0);
    assert_int_equal(m.n, 2);
    assert_string_equal(m.e[0].name, "a - Autodiscover.xml");
    assert_string_equal(m.e[1].name, "b - AUTODISCOVER.XML");
    assert_int_equal(m.e[1].line, 4);
    /* Round trip. */
    struct pm_buf out = PM_BUF_INIT;
    assert_int_equal(pm_autod_manifest_format(m.e, m.n, &out), 0);
    struct pm_autod_manifest m2;
    assert_int_equal(pm_autod_manifest_parse(out.data, out.len, "y", DIRW, &m2, &err), 0);
    assert_int_equal(m2.n, 2);
    assert_string_equal(m2.e[1].path, m.e[1].path);
    pm_autod_manifest_release(&m2);
    pm_autod_manifest_release(&m);
    pm_buf_release(&out);

    refused("", 1, "empty");
    refused("profilemanager autodiscover files 2\r\n", 1, "not a manifest");
    refused(HEAD "file\t3\t" HASH "\tb.xml\r\n", 3, "expected 'file");
    refused(HEAD "copy\t3\t" HASH "\tb.xml\t" DIRW "\\a - Autodiscover.xml\r\n", 3, "expected");
    refused(HEAD "file\t-3\t" HASH "\tb.xml\t" DIRW "\\a - Autodiscover.xml\r\n", 3, "size");
    refused(HEAD "file\t9999999\t" HASH "\tb.xml\t" DIRW "\\a - Autodiscover.xml\r\n", 3,
            "ceiling");
    refused(HEAD "file\t3\tABC\tb.xml\t" DIRW "\\a - Autodiscover.xml\r\n", 3, "hash");
    refused(HEAD "file\t3\t" HASH "\t..\\b.xml\t" DIRW "\\a - Autodiscover.xml\r\n", 3, "copy");
    refused(HEAD "file\t3\t" HASH "\tC:b.xml\t" DIRW "\\a - Autodiscover.xml\r\n", 3, "copy");
    refused(HEAD "file\t3\t" HASH "\tb.txt\t" DIRW "\\a - Autodiscover.xml\r\n", 3, "copy");
    refused(HEAD "file\t3\t" HASH "\tb.xml\t" DIRW "\\..\\..\\a - Autodiscover.xml\r\n", 3, "..");
    refused(HEAD "file\t3\t" HASH "\tb.xml\t" DIRW "\\..\r\n", 3, "Autodiscover.xml");
    refused(HEAD "file\t3\t" HASH "\tb.xml\tC:\\Windows\\a - Autodiscover.xml\r\n", 3, "is not in");
    refused(HEAD "file\t3\t" HASH "\tb.xml\t\\\\srv\\share\\a - Autodiscover.xml\r\n", 3,
            "is not in");
    refused(HEAD "file\t3\t" HASH "\tb.xml\t" DIRW "\\a - Autodiscover.xml:ads\r\n", 3,
            "Autodiscover.xml");
    refused(HEAD "file\t3\t" HASH "\tb.xml\t" DIRW "\\evil.dll\r\n", 3, "Autodiscover.xml");
    refused(HEAD "file\t3\t" HASH "\tb.xml\ta - Autodiscover.xml\r\n", 3, "names no folder");
    refused(HEAD "file\t3\t" HASH "\tb.xml\t" DIRW "\\a - Autodiscover.xml\r\n"
                 "file\t3\t" HASH "\tc.xml\t" DIRW "\\A - AUTODISCOVER.XML\r\n",
            4, "listed twice");
    refused(HEAD "file\t3\t" HASH "\tb.xml\t" DIRW "\\a - Autodiscover.xml\r\n"
                 "file\t3\t" HASH "\tb.xml\t" DIRW "\\c - Autodiscover.xml\r\n",
            4, "listed twice");
    refused(HEAD "file\t3\t" HASH "\tb.xml\t" DIRW "\\a\t - Autodiscover.xml\r\n", 3,
            "Autodiscover.xml");
    const char nul[] = PM_AUTOD_MANIFEST_MAGIC "\r\n\0";
    assert_int_equal(pm_autod_manifest_parse(nul, sizeof(nul) - 1, "x", DIRW, &m, &err),
                     PM_ERR_PARSE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_vectors),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_match),
        cmocka_unit_test(test_needles),
        cmocka_unit_test_setup_teardown(test_scan_and_move, setup, teardown),
        cmocka_unit_test_setup_teardown(test_move_without_backup_place, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scan_missing_folder_or_no_needles, setup, teardown),
        cmocka_unit_test(test_manifest_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
