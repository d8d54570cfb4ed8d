/* All or nothing, proved by fault injection: the real engine (pm_model_read, pm_puf_resolve on a
 * PUF file written from the fixture's text, pm_plan_build, pm_apply with a backup) updates a
 * realistic multi-profile fixture in a mem, reg and hive store while the store's fault hook fails
 * the Nth mutating call, for EVERY N from the first write to one past the commit. After each
 * failure the store (reopened from its file for reg and hive) must be byte for byte the state
 * before, the result must say rolled back (not damaged), and a rerun without the fault must give
 * byte for byte the full update a faultless run gives. The same is proved for restore. */
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
#include "pm/apply.h"
#include "pm/config.h"
#include "pm/plan.h"
#include "pm/profile.h"
#include "pm/puf.h"
#include "pm/regfile.h"
#include "pm/restore.h"
#include "pm/store.h"
#include "pm/update.h"
#include "testutil.h"

/* One backend and scenario under test: where its files are and the bytes to compare with. */
struct af_case {
    const char *backend; /* "mem", "reg", "hive" */
    const char *scenario;
    char dir[600];
    char before[700]; /* the store file before the update (reg/hive) */
    char work[700];   /* the store file a run works on */
    char puf[700];
    char backup[700];
    struct pm_config cfg;
    struct pmt_manifest man;
    char *before_bytes, *full_bytes; /* the store as before / after a faultless update */
    size_t before_len, full_len;
    struct pm_store *mem; /* the mem backend's store (it has no file to reopen) */
};

static const char af_reg_header[] =
    "\xff\xfeW\0i\0n\0d\0o\0w\0s\0 \0R\0e\0g\0i\0s\0t\0r\0y\0 \0E\0d\0i\0t\0o\0r\0 \0"
    "V\0e\0r\0s\0i\0o\0n\0 \0"
    "5\0.\0"
    "0\0"
    "0\0\r\0\n\0";

static void af_check(int rc, const struct pm_error *err)
{
    if (rc < 0) {
        char buf[1700];
        fail_msg("%s", pm_error_format(err, buf, sizeof(buf)));
    }
}

/* The store's content as bytes: the file for reg and hive, a REGEDIT5 export of everything for
 * mem (whose tree is the reg backend's tree, so the export is as exact as the file). */
static char *af_snapshot(struct af_case *c, size_t *len)
{
    if (strcmp(c->backend, "mem") != 0) {
        char *data = pmt_read_file(c->work, len);
        assert_non_null(data);
        return data;
    }
    struct pm_error err;
    pm_error_clear(&err);
    struct pm_buf out = PM_BUF_INIT;
    const char *root[] = {""};
    af_check(pm_regfile_export(c->mem, root, 1, PM_REGFMT_REGEDIT5, &out, &err), &err);
    char *data = malloc(out.len + 1);
    assert_non_null(data);
    memcpy(data, out.data, out.len);
    *len = out.len;
    pm_buf_release(&out);
    return data;
}

/* Puts the work store back to 'bytes' (the state a run starts from). */
static void af_reset(struct af_case *c, const char *bytes, size_t len)
{
    if (strcmp(c->backend, "mem") != 0) {
        assert_int_equal(pmt_write_file(c->work, bytes, len), 0);
        return;
    }
    struct pm_error err;
    pm_error_clear(&err);
    pm_store_close(c->mem);
    af_check(pm_store_open(&c->mem, "mem:", 0, &err), &err);
    af_check(pm_regfile_import(c->mem, bytes, len, "snapshot.reg", &err), &err);
}

static struct pm_store *af_open(struct af_case *c)
{
    if (strcmp(c->backend, "mem") == 0)
        return c->mem;
    char spec[800];
    snprintf(spec, sizeof(spec), "%s:%s", c->backend, c->work);
    struct pm_store *st = NULL;
    struct pm_error err;
    pm_error_clear(&err);
    af_check(pm_store_open(&st, spec, 0, &err), &err);
    return st;
}

static void af_close(struct af_case *c, struct pm_store *st)
{
    if (st != c->mem)
        pm_store_close(st);
}

/* One update run of the real engine with the fault hook at 'nth' (0 = none). Returns pm_apply's
 * result code; *mutations receives the number of mutating calls the run made. */
static int af_update(struct af_case *c, unsigned long nth, struct pm_apply_result *res,
                     unsigned long *mutations, size_t *nedits)
{
    struct pm_error err;
    pm_error_clear(&err);
    struct pm_store *st = af_open(c);
    pm_store_fault_at(st, nth);
    struct pm_update u;
    struct pm_update_opts o = {0};
    o.store = st;
    o.puf_path = c->puf;
    o.flags = PM_UPDATE_NO_INDEX;
    pm_update_begin(&u, &c->cfg, &o);
    af_check(pm_update_read(&u, NULL, NULL, &err), &err);
    af_check(pm_update_resolve(&u, NULL, NULL, &err), &err);
    af_check(pm_update_plan(&u, &err), &err);
    if (nedits)
        *nedits = u.plan.nedits;
    /* The backup (for the restore half) is written by faultless runs; faulted runs skip it to
     * keep the loop quick, since a failed backup write changes nothing either way. */
    int rc = pm_update_apply(&u, nth == 0 ? c->backup : NULL, &err);
    *res = u.res;
    if (rc < 0)
        assert_int_equal(rc, PM_ERR_FAULT); /* only the injected fault may stop it */
    if (mutations)
        *mutations = pm_store_mutation_count(st);
    pm_update_end(&u, 0, NULL);
    af_close(c, st);
    return rc;
}

/* The store's keys and values in a form that does not depend on how the file lays them out:
 * a REGEDIT5 export of everything, read through the store. */
static char *af_canon_bytes(struct af_case *c, const char *bytes, size_t blen, size_t *len)
{
    if (strcmp(c->backend, "hive") != 0) {
        char *copy = malloc(blen + 1);
        assert_non_null(copy);
        memcpy(copy, bytes, blen);
        *len = blen;
        return copy;
    }
    char path[800], spec[900];
    snprintf(path, sizeof(path), "%s/canon.hive", c->dir);
    assert_int_equal(pmt_write_file(path, bytes, blen), 0);
    snprintf(spec, sizeof(spec), "hive:%s", path);
    struct pm_error err;
    pm_error_clear(&err);
    struct pm_store *st = NULL;
    af_check(pm_store_open(&st, spec, PM_STORE_READONLY, &err), &err);
    struct pm_buf out = PM_BUF_INIT;
    const char *root[] = {""};
    af_check(pm_regfile_export(st, root, 1, PM_REGFMT_REGEDIT5, &out, &err), &err);
    pm_store_close(st);
    char *data = malloc(out.len + 1);
    assert_non_null(data);
    memcpy(data, out.data, out.len);
    *len = out.len;
    pm_buf_release(&out);
    return data;
}

static void af_expect_same_values(struct af_case *c, const char *want, size_t want_len,
                                  const char *what, unsigned long n)
{
    size_t len = 0, wlen = 0, clen = 0;
    char *now = af_snapshot(c, &len);
    char *w = af_canon_bytes(c, want, want_len, &wlen);
    char *cn = af_canon_bytes(c, now, len, &clen);
    if (clen != wlen || memcmp(cn, w, clen) != 0)
        fail_msg("%s %s, fault at %lu: the store is not %s", c->backend, c->scenario, n, what);
    free(now);
    free(w);
    free(cn);
}

static void af_expect(struct af_case *c, const char *want, size_t want_len, const char *what,
                      unsigned long n)
{
    size_t len = 0;
    char *now = af_snapshot(c, &len);
    if (len != want_len || memcmp(now, want, len) != 0)
        fail_msg("%s %s, fault at %lu: the store is not %s", c->backend, c->scenario, n, what);
    free(now);
}

static int af_setup(void **state, const char *backend, const char *scenario)
{
    if (!pm_store_backend_available(backend))
        return -1;
    struct af_case *c = calloc(1, sizeof(*c));
    assert_non_null(c);
    c->backend = backend;
    c->scenario = scenario;
    char *dir = (char *)pmt_tempdir("apply-faults");
    snprintf(c->dir, sizeof(c->dir), "%s", dir);
    free(dir);
    snprintf(c->before, sizeof(c->before), "%s/before.%s", c->dir, backend);
    snprintf(c->work, sizeof(c->work), "%s/work.%s", c->dir, backend);
    snprintf(c->puf, sizeof(c->puf), "%s/mbm.puf", c->dir);
    snprintf(c->backup, sizeof(c->backup), "%s/Backups/backup.reg", c->dir);

    struct pm_error err;
    pm_error_clear(&err);
    pmt_manifest_init(&c->man);
    struct pm_store *src = NULL;
    af_check(pm_store_open(&src, "mem:", 0, &err), &err);
    af_check(pmt_fixture_build(src, scenario, PMT_BEFORE, &c->man, &err), &err);
    assert_int_equal(pmt_write_file(c->puf, c->man.puf_now.data, c->man.puf_now.len), 0);
    char cfgpath[700];
    snprintf(cfgpath, sizeof(cfgpath), "%s/prof.config", c->dir);
    af_check(
        pm_config_parse(&c->cfg, cfgpath, c->man.config.data, c->man.config.len, NULL, NULL, &err),
        &err);
    assert_string_equal(c->cfg.puf_file, c->puf);

    if (strcmp(backend, "mem") == 0) {
        c->mem = src;
        c->before_bytes = af_snapshot(c, &c->before_len);
    } else {
        if (strcmp(backend, "hive") == 0)
            assert_int_equal(pmt_write_empty_hive(c->work), 0);
        else
            assert_int_equal(pmt_write_file(c->work, af_reg_header, sizeof(af_reg_header) - 1), 0);
        struct pm_store *dst = af_open(c);
        af_check(pm_store_begin(dst, &err), &err);
        for (size_t i = 0; i < c->man.roots.n; i++)
            af_check(pm_store_copy_tree(dst, src, c->man.roots.items[i], &err), &err);
        af_check(pm_store_commit(dst, &err), &err);
        pm_store_close(dst);
        pm_store_close(src);
        c->before_bytes = af_snapshot(c, &c->before_len);
        assert_int_equal(pmt_write_file(c->before, c->before_bytes, c->before_len), 0);
    }

    /* The full update, from a faultless run. */
    struct pm_apply_result res;
    assert_int_equal(af_update(c, 0, &res, NULL, NULL), 0);
    c->full_bytes = af_snapshot(c, &c->full_len);
    if (c->full_len == c->before_len && memcmp(c->full_bytes, c->before_bytes, c->full_len) == 0)
        fail_msg("the faultless update of %s changed nothing", scenario);
    *state = c;
    return 0;
}

static int af_teardown(void **state)
{
    struct af_case *c = *state;
    if (!c)
        return 0;
    pm_config_release(&c->cfg);
    pmt_manifest_release(&c->man);
    pm_store_close(c->mem);
    const char *files[] = {c->before, c->work, c->puf, c->backup};
    for (size_t i = 0; i < PM_ARRAY_SIZE(files); i++)
        remove(files[i]);
    char more[800];
    snprintf(more, sizeof(more), "%s/canon.hive", c->dir);
    remove(more);
    snprintf(more, sizeof(more), "%s/Backups", c->dir);
    remove(more);
    remove(c->dir);
    free(c->before_bytes);
    free(c->full_bytes);
    free(c);
    return 0;
}

static void af_every_fault(struct af_case *c)
{
    /* How many mutating calls a whole update makes. */
    af_reset(c, c->before_bytes, c->before_len);
    struct pm_apply_result res;
    unsigned long total = 0;
    size_t nedits = 0;
    assert_int_equal(af_update(c, 0, &res, &total, &nedits), 0);
    assert_true(nedits >= 20); /* a realistic update, not a token one */
    assert_int_equal(total, nedits + 1); /* every edit and the commit */
    for (unsigned long n = 1; n <= total + 1; n++) {
        af_reset(c, c->before_bytes, c->before_len);
        int rc = af_update(c, n, &res, NULL, NULL);
        if (n <= total) {
            if (rc != PM_ERR_FAULT || !res.rolled_back || res.rollback_failed ||
                res.edits_done != 0)
                fail_msg("%s %s, fault at %lu of %lu: rc %d rolled_back %d rollback_failed %d",
                         c->backend, c->scenario, n, total, rc, res.rolled_back,
                         res.rollback_failed);
            af_expect(c, c->before_bytes, c->before_len, "as before", n);
            /* A rerun completes the job. */
            assert_int_equal(af_update(c, 0, &res, NULL, NULL), 0);
        } else {
            assert_int_equal(rc, 0);
        }
        af_expect(c, c->full_bytes, c->full_len, "the full update", n);
    }
    /* And a run on the updated store has nothing left to do. */
    size_t again = 1;
    assert_int_equal(af_update(c, 0, &res, NULL, &again), 0);
    assert_int_equal(again, 0);
    af_expect(c, c->full_bytes, c->full_len, "unchanged by a rerun", total + 2);
}

/* Restore from the update's backup, with a fault at every N: updated state or the original. */
static void af_restore_every_fault(struct af_case *c)
{
    struct pm_error err;
    pm_error_clear(&err);
    size_t blen = 0;
    char *backup = pmt_read_file(c->backup, &blen);
    assert_non_null(backup);
    struct pm_restore r;
    af_check(pm_restore_load(&r, backup, blen, c->backup, &err), &err);
    unsigned long total = 0;
    for (unsigned long n = 0;; n++) {
        af_reset(c, c->full_bytes, c->full_len);
        struct pm_store *st = af_open(c);
        pm_store_fault_at(st, n);
        int failed = 0;
        int rc = pm_restore_apply(&r, st, &failed, &err);
        if (n == 0)
            total = pm_store_mutation_count(st);
        af_close(c, st);
        if (n == 0 || n > total) {
            af_check(rc, &err);
            /* reg and mem: the original bytes; hive: the original keys and values (hivex lays
             * cells out anew, so the file bytes may differ). */
            af_expect_same_values(c, c->before_bytes, c->before_len, "the original after a restore",
                                  n);
            if (n > total)
                break;
            continue;
        }
        assert_int_equal(rc, PM_ERR_FAULT);
        assert_int_equal(failed, 0);
        af_expect(c, c->full_bytes, c->full_len, "the updated state after a failed restore", n);
    }
    assert_true(total > 40);
    pm_restore_release(&r);
    free(backup);
}

#define AF_CASE(backend, scenario, fn)                                                             \
    static int setup_##fn(void **state)                                                            \
    {                                                                                              \
        *state = NULL;                                                                             \
        af_setup(state, backend, scenario);                                                        \
        return 0;                                                                                  \
    }                                                                                              \
    static void fn(void **state)                                                                   \
    {                                                                                              \
        if (!*state)                                                                               \
            skip();                                                                                \
        af_every_fault(*state);                                                                    \
        af_restore_every_fault(*state);                                                            \
    }

AF_CASE("mem", "office16", mem_office16_every_fault)
AF_CASE("reg", "office16", reg_office16_every_fault)
AF_CASE("reg", "side-by-side", reg_side_by_side_every_fault)
AF_CASE("reg", "outlook2007", reg_outlook2007_every_fault)
AF_CASE("hive", "office16", hive_office16_every_fault)
AF_CASE("hive", "office15", hive_office15_every_fault)
AF_CASE("reg", "exo2013", reg_exo2013_every_fault)
AF_CASE("hive", "exo2013", hive_exo2013_every_fault)
AF_CASE("reg", "office16-exo", reg_office16_exo_every_fault)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(mem_office16_every_fault, setup_mem_office16_every_fault,
                                        af_teardown),
        cmocka_unit_test_setup_teardown(reg_office16_every_fault, setup_reg_office16_every_fault,
                                        af_teardown),
        cmocka_unit_test_setup_teardown(reg_side_by_side_every_fault,
                                        setup_reg_side_by_side_every_fault, af_teardown),
        cmocka_unit_test_setup_teardown(reg_outlook2007_every_fault,
                                        setup_reg_outlook2007_every_fault, af_teardown),
        cmocka_unit_test_setup_teardown(hive_office16_every_fault, setup_hive_office16_every_fault,
                                        af_teardown),
        cmocka_unit_test_setup_teardown(hive_office15_every_fault, setup_hive_office15_every_fault,
                                        af_teardown),
        cmocka_unit_test_setup_teardown(reg_exo2013_every_fault, setup_reg_exo2013_every_fault,
                                        af_teardown),
        cmocka_unit_test_setup_teardown(hive_exo2013_every_fault, setup_hive_exo2013_every_fault,
                                        af_teardown),
        cmocka_unit_test_setup_teardown(reg_office16_exo_every_fault,
                                        setup_reg_office16_exo_every_fault, af_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
