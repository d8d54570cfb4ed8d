/* Tests of applying a plan: the backup .reg is written before any edit and gives the touched
 * profiles back when imported into an empty store; all edits are one transaction, so a failure
 * at any write leaves the store exactly as it was; a value someone changed between plan and apply
 * fails the whole update (PM_ERR_BUSY) with nothing changed; a backup that cannot be written
 * changes nothing; an empty plan writes nothing, not even a backup. */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the four above, which it needs */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pm/apply.h"
#include "pm/config.h"
#include "pm/mapi.h"
#include "pm/os.h"
#include "pm/plan.h"
#include "pm/profile.h"
#include "pm/regfile.h"
#include "pm/store.h"
#include "testutil.h"
#include "regput.h"

#define put_bin pmt_put_bin
#define put_sz pmt_put_sz
#define put_w pmt_put_w

#define O16 "Software\\Microsoft\\Office\\16.0\\Outlook\\Profiles"
#define P16 O16 "\\Outlook"
#define P2 O16 "\\Other"
#define DN_A "/o=Source Org/ou=AG/cn=Recipients/cn=alice"
#define DN_A2 "/o=ExchangeLabs/ou=AG/cn=Recipients/cn=0a0b0c0d-alice"
#define DN_X "/o=Source Org/ou=AG/cn=Recipients/cn=xavier"
#define SVC "01111111111111111111111111111111"
#define EMS "02222222222222222222222222222222"
#define PRI "03333333333333333333333333333333"

struct fx {
    struct pm_store *st;
    struct pm_model m;
    struct pm_config cfg;
    struct pm_plan plan;
    struct pm_puf_query q[2];
};




static void put_hexuid(struct pm_store *st, const char *k, const char *name, const char *hex)
{
    uint8_t u[16];
    assert_int_equal(pm_hex_parse(hex, 32, u, 16), 0);
    put_bin(st, k, name, u, 16);
}

/* One Exchange account in profile 'p' with a handful of values the plan rewrites or deletes. */
static void profile(struct pm_store *st, const char *p, const char *dn)
{
    char k[512];
    snprintf(k, sizeof(k), "%s\\" PM_SECTION_MASTER, p);
    put_hexuid(st, k, "01023d0e", SVC);
    snprintf(k, sizeof(k), "%s\\" SVC, p);
    put_w(st, k, "001f3d09", "MSEMS");
    put_hexuid(st, k, "01023d15", EMS);
    put_hexuid(st, k, "01023d00", PRI);
    snprintf(k, sizeof(k), "%s\\" EMS, p);
    put_sz(st, k, "001e6603", dn);
    put_w(st, k, "001f6641", "SMTP:alice@source.example");
    put_sz(st, k, "001e6602", "exch01.source.example");
    put_w(st, k, "001f664a", "https://autodiscover.source.example/x.xml");
    put_bin(st, k, "01020ff8", "\x01\x02\x03\x04", 4);
    snprintf(k, sizeof(k), "%s\\" PRI, p);
    put_hexuid(st, k, "01023d0c", SVC);
    uint8_t one[4] = {1, 0, 0, 0};
    put_bin(st, k, "0003660a", one, 4);
    put_sz(st, k, "001e660b", dn);
    put_bin(st, k, "01020fff", "\x00\x00\x00\x00\x38\xa1", 6);
}

static void build(struct fx *f)
{
    profile(f->st, P16, DN_A);
    profile(f->st, P2, DN_X); /* not in the PUF: never touched, never backed up */
    put_w(f->st, "Software\\Contoso\\App", "LastUser", "alice@source.example");
}

static void plan(struct fx *f)
{
    struct pm_error err;
    pm_error_clear(&err);
    pm_plan_release(&f->plan);
    pm_model_release(&f->m);
    memset(f->q, 0, sizeof(f->q));
    f->q[0].dn = DN_A;
    f->q[0].match = PM_PUF_SOURCE;
    f->q[0].entry.line = 1;
    f->q[0].entry.source_dn = (char *)DN_A;
    f->q[0].entry.target_dn = (char *)DN_A2;
    f->q[0].entry.target_smtp = (char *)"alice@target.example";
    f->q[1].dn = DN_A2;
    f->q[1].match = PM_PUF_TARGET;
    f->q[1].entry.line = 1;
    assert_int_equal(pm_model_read(f->st, &f->m, NULL, NULL, &err), 0);
    assert_int_equal(pm_plan_build(&f->m, f->q, 2, &f->cfg, &f->plan, &err), 0);
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    assert_int_equal(pm_store_open(&f->st, "mem:", 0, NULL), 0);
    pm_config_defaults(&f->cfg);
    build(f);
    plan(f);
    assert_true(f->plan.nedits >= 6);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    pm_plan_release(&f->plan);
    pm_model_release(&f->m);
    pm_config_release(&f->cfg);
    pm_store_close(f->st);
    free(f);
    return 0;
}

/* The whole HKCU tree as .reg text: two stores are equal when these are. */
static char *dump_at(struct pm_store *st, const char *path)
{
    struct pm_buf out = PM_BUF_INIT;
    assert_int_equal(pm_regfile_export(st, &path, 1, PM_REGFMT_REGEDIT4, &out, NULL), 0);
    return pm_buf_detach(&out, NULL);
}

static char *dump(struct pm_store *st)
{
    return dump_at(st, "Software");
}

static char *text_of(struct pm_store *st, const char *k, const char *name)
{
    struct pm_value v = PM_VALUE_INIT;
    struct pm_buf out = PM_BUF_INIT;
    if (pm_store_get(st, k, name, &v, NULL) != 1)
        return NULL;
    assert_int_equal(pm_mapi_string_get(name, v.type, v.data, v.len, &out), 1);
    pm_value_release(&v);
    return pm_buf_detach(&out, NULL);
}

static void assert_value_text(struct pm_store *st, const char *k, const char *name,
                              const char *want)
{
    char *t = text_of(st, k, name);
    if (!t)
        fail_msg("%s\\%s missing", k, name);
    assert_string_equal(t, want);
    free(t);
}

/* pmt_tempdir's string is the caller's to free; a copy keeps LeakSanitizer quiet. */
static const char *tempdir(void)
{
    static char dirs[8][512];
    static unsigned next;
    char *d = (char *)pmt_tempdir("apply");
    char *slot = dirs[next++ % 8];
    snprintf(slot, 512, "%s", d);
    free(d);
    return slot;
}

static void test_backup_then_edits(void **state)
{
    struct fx *f = *state;
    const char *dir = tempdir();
    char path[1024];
    snprintf(path, sizeof(path), "%s/Backups/sub/profiles.reg", dir); /* folders are created */
    char *before = dump_at(f->st, P16);
    struct pm_apply_opts opts = {path, 0};
    struct pm_apply_result res;
    struct pm_error err;
    pm_error_clear(&err);
    assert_int_equal(pm_apply(f->st, &f->m, &f->plan, &opts, &res, &err), 0);
    assert_int_equal(res.edits_done, f->plan.nedits);
    assert_int_equal(res.profiles_changed, 1);
    assert_int_equal(res.rolled_back, 0);
    assert_value_text(f->st, P16 "\\" EMS, "001e6603", DN_A2);

    /* The backup holds the profile as it was: imported into an empty store, it gives back the
     * touched profile's keys byte for byte, and nothing else. */
    size_t len = 0;
    char *text = pmt_read_file(path, &len);
    assert_non_null(text);
    struct pm_store *back;
    assert_int_equal(pm_store_open(&back, "mem:", 0, NULL), 0);
    assert_int_equal(pm_regfile_import(back, text, len, path, &err), 0);
    assert_value_text(back, P16 "\\" EMS, "001e6603", DN_A);
    assert_value_text(back, P16 "\\" PRI, "001e660b", DN_A);
    assert_int_equal(pm_store_key_exists(back, P2, NULL), 0);
    assert_int_equal(pm_store_key_exists(back, "Software\\Contoso", NULL), 0);
    /* Restoring it over the updated store gives the profile before the update. */
    assert_int_equal(pm_store_delete_key(f->st, P16, NULL), 1);
    assert_int_equal(pm_regfile_import(f->st, text, len, path, &err), 0);
    char *after = dump_at(f->st, P16);
    assert_string_equal(after, before);
    free(after);
    free(before);
    free(text);
    pm_store_close(back);
}

static void test_backup_written_before_first_edit(void **state)
{
    struct fx *f = *state;
    const char *dir = tempdir();
    char path[1024];
    snprintf(path, sizeof(path), "%s/b.reg", dir);
    char *before = dump(f->st);
    /* The very first write fails: the backup must already be on disk. */
    pm_store_fault_at(f->st, 1);
    struct pm_apply_opts opts = {path, 0};
    struct pm_apply_result res;
    struct pm_error err;
    pm_error_clear(&err);
    assert_int_equal(pm_apply(f->st, &f->m, &f->plan, &opts, &res, &err), PM_ERR_FAULT);
    pm_store_fault_at(f->st, 0);
    assert_int_equal(res.rolled_back, 1);
    assert_int_equal(res.edits_done, 0);
    assert_int_equal(pm_os_file_exists(path), 1);
    char *after = dump(f->st);
    assert_string_equal(after, before);
    free(after);
    free(before);
}

static void test_one_transaction(void **state)
{
    struct fx *f = *state;
    /* Count the writes of a successful apply on a twin store. */
    struct fx twin = {0};
    assert_int_equal(pm_store_open(&twin.st, "mem:", 0, NULL), 0);
    pm_config_defaults(&twin.cfg);
    build(&twin);
    plan(&twin);
    pm_store_fault_at(twin.st, 0);
    struct pm_apply_result res;
    struct pm_error err;
    pm_error_clear(&err);
    assert_int_equal(pm_apply(twin.st, &twin.m, &twin.plan, NULL, &res, &err), 0);
    unsigned long writes = pm_store_mutation_count(twin.st);
    assert_true(writes >= f->plan.nedits); /* every edit, and the commit */
    pm_plan_release(&twin.plan);
    pm_model_release(&twin.m);
    pm_config_release(&twin.cfg);
    pm_store_close(twin.st);

    /* A failure at each of them leaves the store exactly as it was. */
    char *before = dump(f->st);
    for (unsigned long n = 1; n <= writes; n++) {
        pm_store_fault_at(f->st, n);
        int rc = pm_apply(f->st, &f->m, &f->plan, NULL, &res, &err);
        pm_store_fault_at(f->st, 0);
        if (rc != PM_ERR_FAULT)
            fail_msg("fault at write %lu: apply returned %d", n, rc);
        assert_int_equal(res.rolled_back, 1);
        assert_int_equal(res.rollback_failed, 0);
        assert_int_equal(res.edits_done, 0);
        assert_int_equal(pm_store_in_transaction(f->st), 0);
        char *after = dump(f->st);
        if (strcmp(after, before) != 0)
            fail_msg("fault at write %lu of %lu left a partial update", n, writes);
        free(after);
    }
    /* And then the same plan applies in full. */
    assert_int_equal(pm_apply(f->st, &f->m, &f->plan, NULL, &res, &err), 0);
    assert_value_text(f->st, P16 "\\" PRI, "001e660b", DN_A2);
    free(before);
}

static void test_changed_since_plan(void **state)
{
    struct fx *f = *state;
    /* Someone else changes a value the plan edits last, after the plan was made. */
    const struct pm_edit *last = &f->plan.edits[f->plan.nedits - 1];
    put_w(f->st, last->key, last->name, "changed by Outlook");
    char *before = dump(f->st);
    struct pm_apply_result res;
    struct pm_error err;
    pm_error_clear(&err);
    assert_int_equal(pm_apply(f->st, &f->m, &f->plan, NULL, &res, &err), PM_ERR_BUSY);
    assert_int_equal(res.rolled_back, 1);
    assert_int_equal(res.edits_done, 0);
    assert_non_null(strstr(err.msg, last->name));
    char *after = dump(f->st);
    assert_string_equal(after, before);
    free(after);
    free(before);
    /* The first edit, made before the conflict was found, was undone too. */
    const struct pm_edit *first = &f->plan.edits[0];
    struct pm_value v = PM_VALUE_INIT;
    assert_int_equal(pm_store_get(f->st, first->key, first->name, &v, NULL), first->had_old);
    if (first->had_old) {
        assert_int_equal(v.len, first->old_len);
        assert_memory_equal(v.data, first->old_data, v.len);
    }
    pm_value_release(&v);
}

static void test_created_since_plan(void **state)
{
    struct fx *f = *state;
    /* A value the plan deletes was removed by someone else since the plan was made. */
    assert_int_equal(pm_store_delete_value(f->st, P16 "\\" EMS, "01020ff8", NULL), 1);
    char *before = dump(f->st);
    struct pm_apply_result res;
    struct pm_error err;
    pm_error_clear(&err);
    assert_int_equal(pm_apply(f->st, &f->m, &f->plan, NULL, &res, &err), PM_ERR_BUSY);
    assert_int_equal(res.rolled_back, 1);
    char *after = dump(f->st);
    assert_string_equal(after, before);
    free(after);
    free(before);
}

static void test_backup_failure_changes_nothing(void **state)
{
    struct fx *f = *state;
    const char *dir = tempdir();
    char file[1024], path[1200];
    /* The backup folder would have to be made inside a regular file. */
    snprintf(file, sizeof(file), "%s/not-a-folder", dir);
    assert_int_equal(pmt_write_file(file, "x", 1), 0);
    snprintf(path, sizeof(path), "%s/Backups/b.reg", file);
    char *before = dump(f->st);
    pm_store_fault_at(f->st, 0);
    struct pm_apply_opts opts = {path, 0};
    struct pm_apply_result res;
    struct pm_error err;
    pm_error_clear(&err);
    int rc = pm_apply(f->st, &f->m, &f->plan, &opts, &res, &err);
    assert_true(rc < 0);
    assert_int_equal(pm_store_mutation_count(f->st), 0);
    assert_int_equal(res.edits_done, 0);
    assert_int_equal(pm_store_in_transaction(f->st), 0);
    char *after = dump(f->st);
    assert_string_equal(after, before);
    free(after);
    free(before);
    assert_int_equal(pm_os_file_exists(path), 0);
}

static void test_empty_plan_writes_nothing(void **state)
{
    struct fx *f = *state;
    /* Apply, then plan again: the account is current, the plan empty. */
    struct pm_apply_result res;
    struct pm_error err;
    pm_error_clear(&err);
    assert_int_equal(pm_apply(f->st, &f->m, &f->plan, NULL, &res, &err), 0);
    plan(f);
    assert_int_equal(f->plan.nedits, 0);
    const char *dir = tempdir();
    char path[1024];
    snprintf(path, sizeof(path), "%s/b.reg", dir);
    pm_store_fault_at(f->st, 0);
    struct pm_apply_opts opts = {path, 1};
    assert_int_equal(pm_apply(f->st, &f->m, &f->plan, &opts, &res, &err), 0);
    assert_int_equal(res.edits_done, 0);
    assert_int_equal(res.profiles_changed, 0);
    assert_int_equal(pm_store_mutation_count(f->st), 0);
    assert_int_equal(pm_os_file_exists(path), 0);
}

static void test_ost_moved_after_commit(void **state)
{
    struct fx *f = *state;
    /* OstAction=rename on a live run: after the commit the old OST is renamed aside. */
    const char *dir = tempdir();
    char ost[1024], moved[1100];
    snprintf(ost, sizeof(ost), "%s/alice@source.example.ost", dir);
    snprintf(moved, sizeof(moved), "%s.pre-migration", ost);
    assert_int_equal(pmt_write_file(ost, "!BDN", 4), 0);
    put_w(f->st, P16 "\\" EMS, "001f6610", ost);
    f->cfg.ost_action = PM_OST_RENAME;
    plan(f);
    assert_int_equal(f->plan.nmoves, 1);
    struct pm_apply_opts opts = {NULL, 1};
    struct pm_apply_result res;
    struct pm_error err;
    pm_error_clear(&err);
    /* A failed apply moves nothing. */
    pm_store_fault_at(f->st, 1);
    assert_int_equal(pm_apply(f->st, &f->m, &f->plan, &opts, &res, &err), PM_ERR_FAULT);
    pm_store_fault_at(f->st, 0);
    assert_int_equal(res.files_moved, 0);
    assert_int_equal(pm_os_file_exists(ost), 1);
    /* A committed one moves the file and points the profile at the new name. */
    assert_int_equal(pm_apply(f->st, &f->m, &f->plan, &opts, &res, &err), 0);
    assert_int_equal(res.files_moved, 1);
    assert_int_equal(pm_os_file_exists(ost), 0);
    assert_int_equal(pm_os_file_exists(moved), 1);
    char want[1100];
    snprintf(want, sizeof(want), "%s/alice@target.example.ost", dir);
    assert_value_text(f->st, P16 "\\" EMS, "001f6610", want);
    remove(moved);
}

/* The watch mode's gate: asked once, after the backup and before any write. Saying 1 leaves the
 * store as it was and no backup behind, with PM_ERR_BUSY; saying 0 lets the update through. */
struct gate_ctx {
    const char *backup;
    int answer, calls, backup_there;
};

static int gate(void *ctx, struct pm_error *err)
{
    struct gate_ctx *g = ctx;
    (void)err;
    g->calls++;
    g->backup_there = pm_os_file_exists(g->backup);
    return g->answer;
}

static void test_gate_refuses_before_any_write(void **state)
{
    struct fx *f = *state;
    char path[1024];
    snprintf(path, sizeof(path), "%s/gated.reg", tempdir());
    char *before = dump(f->st);
    unsigned long writes = pm_store_mutation_count(f->st);
    struct pm_apply_opts opts = {path, 0};
    struct pm_apply_result res;
    struct pm_error err;
    pm_error_clear(&err);
    struct gate_ctx g = {path, 1, 0, 0};
    assert_int_equal(pm_apply_gated(f->st, &f->m, &f->plan, &opts, gate, &g, &res, &err),
                     PM_ERR_BUSY);
    assert_int_equal(g.calls, 1);
    assert_int_equal(g.backup_there, 1); /* asked after the backup... */
    assert_int_equal(pm_os_file_exists(path), 0); /* ...which is gone again */
    assert_int_equal(res.edits_done, 0);
    assert_int_equal(pm_store_mutation_count(f->st), writes);
    char *after = dump(f->st);
    assert_string_equal(after, before);
    free(after);

    g.answer = 0;
    assert_int_equal(pm_apply_gated(f->st, &f->m, &f->plan, &opts, gate, &g, &res, &err), 0);
    assert_int_equal(g.calls, 2);
    assert_int_equal(res.edits_done, f->plan.nedits);
    assert_value_text(f->st, P16 "\\" EMS, "001e6603", DN_A2);
    free(before);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    /* clang-format off */
    const struct CMUnitTest tests[] = {
        T(test_backup_then_edits),
        T(test_backup_written_before_first_edit),
        T(test_one_transaction),
        T(test_changed_since_plan),
        T(test_created_since_plan),
        T(test_backup_failure_changes_nothing),
        T(test_empty_plan_writes_nothing),
        T(test_ost_moved_after_commit),
        T(test_gate_refuses_before_any_write),
    };
    /* clang-format on */
    return cmocka_run_group_tests(tests, NULL, NULL);
}
