/* Where an update's backup goes: straight to its folder (made when missing), and to the fallback
 * only when that write fails, with no probe file first (each probe is three round trips on a
 * share). The real engine on the office16 fixture in a mem store: the backup folder blocked by a
 * plain file sends the backup to the fallback and the update goes ahead; both blocked change
 * nothing and report the first folder; a working folder leaves the fallback untouched. */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the four above, which it needs */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "pm/config.h"
#include "pm/os.h"
#include "pm/store.h"
#include "pm/update.h"
#include "testutil.h"

struct ub_case {
    char dir[600];
    char puf[700];
    struct pm_config cfg;
    struct pmt_manifest man;
    struct pm_store *st;
};

static void ub_check(int rc, const struct pm_error *err)
{
    if (rc < 0) {
        char buf[1700];
        fail_msg("%s", pm_error_format(err, buf, sizeof(buf)));
    }
}

static void ub_setup(struct ub_case *c, const char *tag)
{
    memset(c, 0, sizeof(*c));
    char *dir = (char *)pmt_tempdir(tag);
    snprintf(c->dir, sizeof(c->dir), "%s", dir);
    free(dir);
    snprintf(c->puf, sizeof(c->puf), "%s/mbm.puf", c->dir);
    struct pm_error err;
    pm_error_clear(&err);
    pmt_manifest_init(&c->man);
    ub_check(pm_store_open(&c->st, "mem:", 0, &err), &err);
    ub_check(pmt_fixture_build(c->st, "office16", PMT_BEFORE, &c->man, &err), &err);
    assert_int_equal(pmt_write_file(c->puf, c->man.puf_now.data, c->man.puf_now.len), 0);
    char cfgpath[700];
    snprintf(cfgpath, sizeof(cfgpath), "%s/prof.config", c->dir);
    ub_check(
        pm_config_parse(&c->cfg, cfgpath, c->man.config.data, c->man.config.len, NULL, NULL, &err),
        &err);
}

static void ub_teardown(struct ub_case *c)
{
    pm_store_close(c->st);
    pm_config_release(&c->cfg);
    pmt_manifest_release(&c->man);
}

/* One update run with the backup at 'first' and the fallback 'fallback'; returns its code. */
static int ub_run(struct ub_case *c, const char *first, const char *fallback, struct pm_update *u,
                  struct pm_error *err)
{
    struct pm_update_opts o = {0};
    o.store = c->st;
    o.puf_path = c->puf;
    o.flags = PM_UPDATE_NO_INDEX;
    pm_update_begin(u, &c->cfg, &o);
    ub_check(pm_update_read(u, NULL, NULL, err), err);
    ub_check(pm_update_resolve(u, NULL, NULL, err), err);
    ub_check(pm_update_plan(u, err), err);
    assert_true(u->plan.nedits > 0);
    return pm_update_apply_fallback(u, first, fallback, err);
}

static void test_blocked_folder_goes_to_fallback(void **state)
{
    (void)state;
    struct ub_case c;
    ub_setup(&c, "update-backup-fb");
    char blocker[700], first[800], fallback[800];
    snprintf(blocker, sizeof(blocker), "%s/Logs", c.dir);
    assert_int_equal(pmt_write_file(blocker, "not a folder\n", 13), 0);
    snprintf(first, sizeof(first), "%s/Logs/Backups/b.reg", c.dir);
    snprintf(fallback, sizeof(fallback), "%s/home/Profile.Logs/Backups/b.reg", c.dir);
    struct pm_update u;
    struct pm_error err;
    pm_error_clear(&err);
    int rc = ub_run(&c, first, fallback, &u, &err);
    ub_check(rc, &err);
    assert_int_equal(u.backup_fallback, 1);
    assert_true(u.res.edits_done > 0);
    assert_true(pm_os_file_exists(fallback)); /* its folder made on the way */
    size_t len = 0;
    char *text = pmt_read_file(fallback, &len);
    assert_non_null(text);
    assert_true(len > 0);
    free(text);
    pm_update_end(&u, 0, NULL);
    ub_teardown(&c);
}

static void test_both_blocked_change_nothing(void **state)
{
    (void)state;
    struct ub_case c;
    ub_setup(&c, "update-backup-none");
    char blocker[700], first[800], fallback[800];
    snprintf(blocker, sizeof(blocker), "%s/blocker", c.dir);
    assert_int_equal(pmt_write_file(blocker, "not a folder\n", 13), 0);
    snprintf(first, sizeof(first), "%s/blocker/Backups/b.reg", c.dir);
    snprintf(fallback, sizeof(fallback), "%s/blocker/Profile.Logs/Backups/b.reg", c.dir);
    struct pm_update u;
    struct pm_error err;
    pm_error_clear(&err);
    assert_true(ub_run(&c, first, fallback, &u, &err) < 0);
    assert_int_equal(u.res.backup_failed, 1);
    assert_int_equal(u.backup_fallback, 0);
    assert_int_equal(u.res.edits_done, 0);
    /* The error names the first folder's backup, the one the configuration asked for. */
    assert_non_null(strstr(err.where, "blocker/Backups"));
    pm_update_end(&u, 0, NULL);
    ub_teardown(&c);
}

static void test_working_folder_leaves_fallback_alone(void **state)
{
    (void)state;
    struct ub_case c;
    ub_setup(&c, "update-backup-ok");
    char first[800], fallback[800];
    snprintf(first, sizeof(first), "%s/Logs/Backups/b.reg", c.dir);
    snprintf(fallback, sizeof(fallback), "%s/home/Profile.Logs/Backups/b.reg", c.dir);
    struct pm_update u;
    struct pm_error err;
    pm_error_clear(&err);
    ub_check(ub_run(&c, first, fallback, &u, &err), &err);
    assert_int_equal(u.backup_fallback, 0);
    assert_true(pm_os_file_exists(first)); /* Logs/Backups made by the write */
    assert_false(pm_os_file_exists(fallback));
    pm_update_end(&u, 0, NULL);
    ub_teardown(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blocked_folder_goes_to_fallback),
        cmocka_unit_test(test_both_blocked_change_nothing),
        cmocka_unit_test(test_working_folder_leaves_fallback_alone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
