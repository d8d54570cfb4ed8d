/* Tests of cleanup: the OST folders found in a profile model (Unicode and 8-bit OST paths,
 * ForceOSTPath), which backups are the user's and in what order, and what a run removes, keeps
 * and reports (BackupKeep, --older-than, dry run, the .outside.reg beside a backup). */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the headers it needs */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utime.h>

#include "pm/cleanup.h"
#include "pm/os.h"
#include "pm/profile.h"
#include "pm/value.h"
#include "testutil.h"

static char dir[512];

static const char *path(const char *name)
{
    static char p[32][1024];
    static unsigned k;
    char *s = p[k++ % 32];
    snprintf(s, 1024, "%s/%s", dir, name);
    return s;
}

static void put(const char *name, long long age_days)
{
    const char *p = path(name);
    assert_int_equal(pmt_write_file(p, "data", 4), 0);
    struct utimbuf t;
    t.actime = t.modtime = (time_t)(pm_os_time_now() - age_days * 86400 - 60);
    assert_int_equal(utime(p, &t), 0);
}

static int exists(const char *name)
{
    return pm_os_file_exists(path(name));
}

static void setup_dir(const char *tag)
{
    char *d = (char *)pmt_tempdir(tag);
    snprintf(dir, sizeof(dir), "%s", d);
    free(d);
}

static void test_ost_dirs(void **state)
{
    (void)state;
    /* "/a/b/x.ost" as UTF-16LE (001f6610) and "/c/y.ost" as 8-bit (001e6610) */
    uint8_t w[64] = {0};
    const char *wp = "/a/b/x.ost";
    for (size_t i = 0; wp[i]; i++)
        w[2 * i] = (uint8_t)wp[i];
    char a[] = "/c/y.ost";
    struct pm_section_value v1[] = {{"001f6610", PM_REG_BINARY, w, 2 * strlen(wp) + 2}};
    struct pm_section_value v2[] = {{"001e6610", PM_REG_BINARY, (uint8_t *)a, sizeof(a)},
                                    {"001f6610", PM_REG_BINARY, w, 2 * strlen(wp) + 2}};
    struct pm_section s[2];
    memset(s, 0, sizeof(s));
    s[0].role = PM_ROLE_EMSMDB;
    s[0].values = v1;
    s[0].nvalues = 1;
    s[1].role = PM_ROLE_STORE;
    s[1].values = v2;
    s[1].nvalues = 2;
    struct pm_account acc;
    memset(&acc, 0, sizeof(acc));
    acc.sections = s;
    acc.nsections = 2;
    struct pm_profile pr[2];
    memset(pr, 0, sizeof(pr));
    pr[0].accounts = &acc;
    pr[0].naccounts = 1;
    pr[1].force_ost_path = "/forced";
    struct pm_model m = {pr, 2};
    struct pm_strlist dirs = PM_STRLIST_INIT;
    assert_int_equal(pm_cleanup_ost_dirs(&m, &dirs), 0);
    /* each folder once, whichever value named it */
    assert_int_equal(dirs.n, 3);
    assert_string_equal(dirs.items[0], "/a/b");
    assert_string_equal(dirs.items[1], "/c");
    assert_string_equal(dirs.items[2], "/forced");
    pm_strlist_release(&dirs);
}

static void test_list_backups(void **state)
{
    (void)state;
    setup_dir("cleanup-list");
    put("PC1_bob-20260301T080000Z-7.reg", 0);
    put("PC1_bob-20250101T080000Z-9.reg", 0);
    put("pc1_BOB-20260101T080000Z-3.reg", 0);         /* names compare ignoring case */
    put("PC1_bob-20260301T080000Z-7.outside.reg", 0); /* a companion, not a backup */
    put("PC1_bob-smith-20260101T080000Z-3.reg", 0);   /* another user */
    put("PC2_bob-20260101T080000Z-3.reg", 0);         /* another computer */
    put("PC1_bob-notes.reg", 0);                      /* not a run id */
    put("PC1_bob-20260101T080000Z-3.txt", 0);
    struct pm_strlist dirs = PM_STRLIST_INIT, out = PM_STRLIST_INIT;
    pm_strlist_add(&dirs, dir);
    pm_strlist_add(&dirs, path("missing-folder"));
    assert_int_equal(pm_cleanup_list_backups(&dirs, "PC1", "bob", &out), 0);
    assert_int_equal(out.n, 3);
    assert_string_equal(strrchr(out.items[0], '/') + 1, "PC1_bob-20260301T080000Z-7.reg");
    assert_string_equal(strrchr(out.items[1], '/') + 1, "pc1_BOB-20260101T080000Z-3.reg");
    assert_string_equal(strrchr(out.items[2], '/') + 1, "PC1_bob-20250101T080000Z-9.reg");
    pm_strlist_release(&out);
    /* a user name with characters a file name cannot hold, as the backup writer replaced them */
    put("PC1_dom_eve-20260101T080000Z-1.reg", 0);
    assert_int_equal(pm_cleanup_list_backups(&dirs, "PC1", "dom\\eve", &out), 0);
    assert_int_equal(out.n, 1);
    pm_strlist_release(&out);
    pm_strlist_release(&dirs);
}

/* A backup named after the user but made by another account (users can create files in the
 * shared backup folder) is not the user's: restore --latest would put it back. */
static void test_list_skips_foreign_backups(void **state)
{
    (void)state;
    setup_dir("cleanup-foreign");
    put("PC1_bob-20260101T080000Z-1.reg", 0);
    put("PC1_bob-20991231T235959Z-9.reg", 0); /* planted: "newest" */
#ifndef _WIN32
    if (geteuid() != 0 || chown(path("PC1_bob-20991231T235959Z-9.reg"), 65534, 65534) != 0)
        skip(); /* only root can give a file to another account */
#else
    skip();
#endif
    struct pm_strlist dirs = PM_STRLIST_INIT, out = PM_STRLIST_INIT;
    pm_strlist_add(&dirs, dir);
    assert_int_equal(pm_cleanup_list_backups(&dirs, "PC1", "bob", &out), 0);
    assert_int_equal(out.n, 1);
    assert_string_equal(strrchr(out.items[0], '/') + 1, "PC1_bob-20260101T080000Z-1.reg");
    pm_strlist_release(&out);
    pm_strlist_release(&dirs);
}

struct seen {
    unsigned n;
    char msg[16][64];
};

static void collect(void *ctx, const char *where, unsigned line, const char *msg)
{
    (void)where;
    (void)line;
    struct seen *s = ctx;
    if (s->n < 16)
        snprintf(s->msg[s->n], 64, "%s", msg);
    s->n++;
}

static void test_run(void **state)
{
    (void)state;
    setup_dir("cleanup-run");
    put("a.ost.pre-migration", 40);
    put("b.OST.PRE-MIGRATION", 2);
    put("c.ost", 40);
    put("PC1_bob-20260104T080000Z-1.reg", 1);
    put("PC1_bob-20260103T080000Z-1.reg", 40);
    put("PC1_bob-20260102T080000Z-1.reg", 40);
    put("PC1_bob-20260102T080000Z-1.outside.reg", 40);
    put("PC1_bob-20260101T080000Z-1.reg", 3);
    struct pm_strlist dirs = PM_STRLIST_INIT;
    pm_strlist_add(&dirs, dir);
    struct pm_cleanup_opts o = {"PC1", "bob", pm_os_time_now(), 30, 1, 1, NULL};
    struct pm_cleanup_stats st;
    struct seen seen = {0};

    /* dry run: reported, counted, nothing removed */
    assert_int_equal(pm_cleanup_run(&o, &dirs, &dirs, &st, collect, &seen), 0);
    assert_int_equal(st.osts, 1);
    assert_int_equal(st.backups, 2);
    assert_int_equal(st.kept, 2); /* the newest, and the one too recent */
    assert_int_equal(seen.n, 4);  /* and the .outside.reg */
    assert_string_equal(seen.msg[0], "would remove");
    assert_true(exists("a.ost.pre-migration"));
    assert_true(exists("PC1_bob-20260102T080000Z-1.outside.reg"));

    o.dry_run = 0;
    seen.n = 0;
    assert_int_equal(pm_cleanup_run(&o, &dirs, &dirs, &st, collect, &seen), 0);
    assert_int_equal(st.failed, 0);
    assert_int_equal(st.bytes, 16);
    assert_false(exists("a.ost.pre-migration"));
    assert_true(exists("b.OST.PRE-MIGRATION")); /* too recent */
    assert_true(exists("c.ost"));               /* not an old OST */
    assert_true(exists("PC1_bob-20260104T080000Z-1.reg"));
    assert_false(exists("PC1_bob-20260103T080000Z-1.reg"));
    assert_false(exists("PC1_bob-20260102T080000Z-1.reg"));
    assert_false(exists("PC1_bob-20260102T080000Z-1.outside.reg"));
    assert_true(exists("PC1_bob-20260101T080000Z-1.reg"));

    /* --older-than 0 and BackupKeep 0: everything of the user's goes */
    o.older_than_days = 0;
    o.backup_keep = 0;
    assert_int_equal(pm_cleanup_run(&o, &dirs, &dirs, &st, NULL, NULL), 0);
    assert_int_equal(st.osts, 1);
    assert_int_equal(st.backups, 2);
    assert_false(exists("b.OST.PRE-MIGRATION"));
    assert_false(exists("PC1_bob-20260104T080000Z-1.reg"));
    assert_true(exists("c.ost"));
    pm_strlist_release(&dirs);
}

/* The cached Autodiscover files an update moved beside its backup (X.autodiscover.txt and
 * X.autodiscover-N.xml) go with that backup; a kept backup keeps its own. */
static void test_autodiscover_copies_go_with_their_backup(void **state)
{
    (void)state;
    setup_dir("cleanup-autod");
    put("PC1_bob-20260104T080000Z-1.reg", 40);
    put("PC1_bob-20260104T080000Z-1.autodiscover.txt", 40);
    put("PC1_bob-20260104T080000Z-1.autodiscover-1.xml", 40);
    put("PC1_bob-20260101T080000Z-1.reg", 40);
    put("PC1_bob-20260101T080000Z-1.autodiscover.txt", 40);
    put("PC1_bob-20260101T080000Z-1.autodiscover-1.xml", 40);
    put("PC1_bob-20260101T080000Z-1.autodiscover-2.xml", 40);
    struct pm_strlist dirs = PM_STRLIST_INIT;
    pm_strlist_add(&dirs, dir);
    struct pm_cleanup_opts o = {"PC1", "bob", pm_os_time_now(), 0, 1, 0, NULL};
    struct pm_cleanup_stats st;
    assert_int_equal(pm_cleanup_run(&o, &dirs, &dirs, &st, NULL, NULL), 0);
    assert_int_equal(st.backups, 1);
    assert_int_equal(st.failed, 0);
    assert_false(exists("PC1_bob-20260101T080000Z-1.reg"));
    assert_false(exists("PC1_bob-20260101T080000Z-1.autodiscover.txt"));
    assert_false(exists("PC1_bob-20260101T080000Z-1.autodiscover-1.xml"));
    assert_false(exists("PC1_bob-20260101T080000Z-1.autodiscover-2.xml"));
    assert_true(exists("PC1_bob-20260104T080000Z-1.reg"));
    assert_true(exists("PC1_bob-20260104T080000Z-1.autodiscover.txt"));
    assert_true(exists("PC1_bob-20260104T080000Z-1.autodiscover-1.xml"));
    pm_strlist_release(&dirs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ost_dirs),
        cmocka_unit_test(test_list_backups),
        cmocka_unit_test(test_list_skips_foreign_backups),
        cmocka_unit_test(test_run),
        cmocka_unit_test(test_autodiscover_copies_go_with_their_backup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
