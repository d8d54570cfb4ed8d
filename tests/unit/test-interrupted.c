/* A run cut short with no rollback: the process killed while it writes the live registry, after
 * K of its writes (the live store's undo journal dies with it). For every K, on every fixture
 * scenario, the next run must finish the job: the store ends exactly as after an uninterrupted
 * update, and a third run has nothing to do. This holds because the plan writes the DNs that
 * make a mailbox match its PUF line last (plan.c, edit_rank) and every other edit is idempotent. */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fixture.h"
#include "pm/pm.h"
#include "pm/update.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct world {
    const char *puf;
    struct pm_config cfg;
};

static char *dump(struct pm_store *st)
{
    struct pm_buf out = PM_BUF_INIT;
    const char *root = "Software";
    assert_int_equal(pm_regfile_export(st, &root, 1, PM_REGFMT_REGEDIT4, &out, NULL), 0);
    return pm_buf_detach(&out, NULL);
}

/* The engine as the update command runs it: the library's update steps. */
static void plan_for(struct pm_store *st, const struct world *w, struct pm_update *u)
{
    struct pm_error err;
    pm_error_clear(&err);
    struct pm_update_opts o = {0};
    o.store = st;
    o.puf_path = w->puf;
    o.flags = PM_UPDATE_NO_INDEX;
    pm_update_begin(u, &w->cfg, &o);
    assert_int_equal(pm_update_read(u, NULL, NULL, &err), 0);
    assert_int_equal(pm_update_resolve(u, NULL, NULL, &err), 0);
    assert_int_equal(pm_update_plan(u, &err), 0);
}

static void run_update(struct pm_store *st, const struct world *w)
{
    struct pm_update u;
    plan_for(st, w, &u);
    struct pm_error err;
    pm_error_clear(&err);
    assert_int_equal(pm_update_apply(&u, NULL, &err), 0);
    pm_update_end(&u, 0, NULL);
}

/* Makes the first k writes of the plan one by one, each durable at once, and stops. */
static void crash_after(struct pm_store *st, const struct pm_plan *plan, size_t k)
{
    for (size_t i = 0; i < k && i < plan->nedits; i++) {
        const struct pm_edit *e = &plan->edits[i];
        if (e->op == PM_EDIT_SET)
            assert_int_equal(pm_store_set(st, e->key, e->name, e->type, e->data, e->len, NULL), 0);
        else
            assert_true(pm_store_delete_value(st, e->key, e->name, NULL) >= 0);
    }
}

static void scenario(const char *name)
{
    struct pm_error err;
    pm_error_clear(&err);
    struct pm_store *orig;
    struct pmt_manifest man;
    pmt_manifest_init(&man);
    assert_int_equal(pm_store_open(&orig, "mem:", 0, &err), 0);
    assert_int_equal(pmt_fixture_build(orig, name, PMT_BEFORE, &man, &err), 0);

    struct world w;
    const char *dir = pmt_tempdir("interrupted");
    char puf[1024], cfgpath[1024];
    snprintf(puf, sizeof(puf), "%s/mbm.puf", dir);
    snprintf(cfgpath, sizeof(cfgpath), "%s/prof.config", dir);
    assert_int_equal(pmt_write_file(puf, man.puf_now.data, man.puf_now.len), 0);
    assert_int_equal(pm_config_parse(&w.cfg, cfgpath, man.config.data, man.config.len, NULL, NULL,
                                     &err),
                     0);
    w.puf = puf;

    /* The uninterrupted result. */
    struct pm_store *ref;
    assert_int_equal(pm_store_open(&ref, "mem:", 0, &err), 0);
    assert_int_equal(pm_store_copy_tree(ref, orig, "Software", &err), 0);
    run_update(ref, &w);
    char *want = dump(ref);

    struct pm_update u;
    plan_for(orig, &w, &u);
    const struct pm_plan *plan = &u.plan;
    assert_true(plan->nedits > 10);
    for (size_t k = 1; k < plan->nedits; k++) {
        struct pm_store *st;
        assert_int_equal(pm_store_open(&st, "mem:", 0, &err), 0);
        assert_int_equal(pm_store_copy_tree(st, orig, "Software", &err), 0);
        crash_after(st, plan, k);
        run_update(st, &w); /* the next logon */
        char *got = dump(st);
        if (strcmp(got, want) != 0)
            fail_msg("%s: interrupted after %zu of %zu writes, the next run did not finish the "
                     "update",
                     name, k, plan->nedits);
        free(got);
        struct pm_update u2;
        plan_for(st, &w, &u2);
        assert_int_equal(u2.plan.nedits, 0);
        pm_update_end(&u2, 0, NULL);
        pm_store_close(st);
    }
    pm_update_end(&u, 0, NULL);
    free(want);
    pm_store_close(ref);
    pm_store_close(orig);
    pm_config_release(&w.cfg);
    pmt_manifest_release(&man);
    free((char *)dir);
}

static void test_office16(void **state)
{
    (void)state;
    scenario("office16");
}

static void test_outlook2007(void **state)
{
    (void)state;
    scenario("outlook2007");
}

static void test_office15(void **state)
{
    (void)state;
    scenario("office15");
}

static void test_side_by_side(void **state)
{
    (void)state;
    scenario("side-by-side");
}

static void test_exo2013(void **state)
{
    (void)state;
    scenario("exo2013");
}

static void test_office16_exo(void **state)
{
    (void)state;
    scenario("office16-exo");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_office16),
        cmocka_unit_test(test_outlook2007),
        cmocka_unit_test(test_office15),
        cmocka_unit_test(test_side_by_side),
        cmocka_unit_test(test_exo2013),
        cmocka_unit_test(test_office16_exo),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
