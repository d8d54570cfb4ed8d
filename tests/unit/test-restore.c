/* restore (src/lib/restore.c): what counts as a profile backup, how the store's difference from
 * it is counted, and that applying it makes each backed-up profile exactly the backup's content
 * while every other key of the store stays as it was — on the engine's own backups of the
 * fixture scenarios and on small hand-written ones. */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "pm/profile.h"
#include "pm/regfile.h"
#include "pm/restore.h"
#include "pm/store.h"

#define P16 "HKEY_CURRENT_USER\\Software\\Microsoft\\Office\\16.0\\Outlook\\Profiles"
#define K16 "Software\\Microsoft\\Office\\16.0\\Outlook\\Profiles"
#define HDR "Windows Registry Editor Version 5.00\r\n\r\n"

static struct pm_store *mem_with(const char *text)
{
    struct pm_store *st = NULL;
    struct pm_error err;
    pm_error_clear(&err);
    assert_int_equal(pm_store_open(&st, "mem:", 0, &err), 0);
    if (text)
        assert_int_equal(pm_regfile_import(st, text, strlen(text), "t.reg", &err), 0);
    return st;
}

static char *export_all(struct pm_store *st)
{
    struct pm_buf out = PM_BUF_INIT;
    struct pm_error err;
    pm_error_clear(&err);
    const char *root[] = {""};
    assert_int_equal(pm_regfile_export(st, root, 1, PM_REGFMT_REGEDIT4, &out, &err), 0);
    char *s = pm_strdup(out.data ? out.data : "");
    pm_buf_release(&out);
    return s;
}

static int load(struct pm_restore *r, const char *text, struct pm_error *err)
{
    pm_error_clear(err);
    return pm_restore_load(r, text, strlen(text), "b.reg", err);
}

static void test_refuses_what_is_not_a_profile_backup(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        unsigned line;
        const char *msg;
    } bad[] = {
        {HDR "[HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Run]\r\n", 3,
         "outside the profile roots"},
        {HDR "[" P16 "]\r\n\"DefaultProfile\"=\"x\"\r\n", 3, "outside the profile roots"},
        {HDR "[" P16 "\\A]\r\n\r\n[" P16 "Evil\\A]\r\n", 5, "outside the profile roots"},
        {HDR "[HKEY_LOCAL_MACHINE\\Software\\Microsoft\\Office\\16.0\\Outlook\\Profiles\\A]\r\n", 3,
         "not under HKEY_CURRENT_USER"},
        {HDR "[-" P16 "\\A]\r\n", 3, "key deletion"},
        {HDR "[" P16 "\\A]\r\n\"v\"=-\r\n", 4, "value deletion"},
        {HDR, 0, "no profile key"},
        {"garbage\r\n", 1, "not a .reg file"},
    };
    for (size_t i = 0; i < PM_ARRAY_SIZE(bad); i++) {
        struct pm_restore r;
        struct pm_error err;
        int rc = load(&r, bad[i].text, &err);
        if (rc != PM_ERR_PARSE || err.line != bad[i].line || !strstr(err.msg, bad[i].msg))
            fail_msg("case %zu: rc %d line %u msg '%s'", i, rc, err.line, err.msg);
        assert_null(r.backup);
        assert_int_equal(r.nprofiles, 0);
    }
}

static void test_lists_profiles_of_every_root(void **state)
{
    (void)state;
    const char *text =
        HDR "[" P16 "\\One]\r\n\"a\"=\"1\"\r\n\r\n[" P16 "\\One\\sub]\r\n\"b\"=dword:00000002\r\n\r\n"
            "[HKEY_CURRENT_USER\\Software\\Microsoft\\Windows NT\\CurrentVersion\\Windows Messaging "
            "Subsystem\\Profiles\\Old \"quoted\" – ünï]\r\n\"c\"=hex:01\r\n\r\n[" P16
            "\\one\\other]\r\n";
    struct pm_restore r;
    struct pm_error err;
    assert_int_equal(load(&r, text, &err), 0);
    assert_int_equal(r.nprofiles, 2);
    assert_string_equal(r.profiles[0].path, K16 "\\One");
    assert_string_equal(r.profiles[0].name, "One");
    assert_int_equal(r.profiles[0].line, 3);
    assert_int_equal(r.profiles[0].keys, 3); /* One, One\sub and one\other (same profile) */
    assert_int_equal(r.profiles[0].values, 2);
    assert_string_equal(r.profiles[1].name, "Old \"quoted\" – ünï");
    assert_int_equal(r.profiles[1].values, 1);
    pm_restore_release(&r);
}

static void test_restores_exactly_and_touches_nothing_else(void **state)
{
    (void)state;
    const char *backup = HDR "[" P16 "\\A]\r\n\"keep\"=\"1\"\r\n\"gone\"=hex:01,02\r\n\r\n[" P16
                             "\\A\\s1]\r\n\"x\"=dword:00000007\r\n\r\n[" P16 "\\A\\s1\\deep]\r\n\r\n["
                             P16 "\\C]\r\n\"c\"=\"c\"\r\n";
    /* The store now: A changed (a value rewritten, one deleted, one added, a key added, a key
     * removed), B not in the backup, C deleted, and DefaultProfile beside them. */
    struct pm_store *st = mem_with(
        "REGEDIT4\r\n\r\n[" P16 "]\r\n\"DefaultProfile\"=\"A\"\r\n\r\n[" P16 "\\B]\r\n\"b\"=\"b\"\r\n\r\n["
        P16 "\\A]\r\n\"keep\"=\"2\"\r\n\"new\"=\"n\"\r\n\r\n[" P16 "\\A\\s1]\r\n\"x\"=dword:00000007\r\n\r\n["
        P16 "\\A\\added]\r\n\"y\"=\"y\"\r\n");
    struct pm_restore r;
    struct pm_error err;
    assert_int_equal(load(&r, backup, &err), 0);
    assert_int_equal(pm_restore_compare(&r, st, &err), 0);
    assert_int_equal(r.profiles[0].present, 1);
    assert_int_equal(r.profiles[0].values_changed, 2); /* keep differs, gone missing */
    assert_int_equal(r.profiles[0].values_extra, 1);   /* new */
    assert_int_equal(r.profiles[0].keys_missing, 1);   /* s1\deep */
    assert_int_equal(r.profiles[0].keys_extra, 1);     /* added */
    assert_true(pm_restore_profile_differs(&r.profiles[0]));
    assert_int_equal(r.profiles[1].present, 0);
    assert_true(pm_restore_profile_differs(&r.profiles[1]));

    int failed = 1;
    assert_int_equal(pm_restore_apply(&r, st, &failed, &err), 0);
    assert_int_equal(failed, 0);
    char *got = export_all(st);
    /* B and DefaultProfile untouched, A exactly the backup (in the backup's order) and still
     * the second profile, C back at the end. */
    const char *want =
        "REGEDIT4\r\n\r\n[HKEY_CURRENT_USER]\r\n\r\n[HKEY_CURRENT_USER\\Software]\r\n\r\n"
        "[HKEY_CURRENT_USER\\Software\\Microsoft]\r\n\r\n[HKEY_CURRENT_USER\\Software\\Microsoft\\Office]"
        "\r\n\r\n[HKEY_CURRENT_USER\\Software\\Microsoft\\Office\\16.0]\r\n\r\n"
        "[HKEY_CURRENT_USER\\Software\\Microsoft\\Office\\16.0\\Outlook]\r\n\r\n[" P16
        "]\r\n\"DefaultProfile\"=\"A\"\r\n\r\n[" P16 "\\B]\r\n\"b\"=\"b\"\r\n\r\n[" P16
        "\\A]\r\n\"keep\"=\"1\"\r\n\"gone\"=hex:01,02\r\n\r\n[" P16
        "\\A\\s1]\r\n\"x\"=dword:00000007\r\n\r\n[" P16 "\\A\\s1\\deep]\r\n\r\n[" P16
        "\\C]\r\n\"c\"=\"c\"\r\n\r\n";
    assert_string_equal(got, want);
    free(got);
    assert_int_equal(pm_restore_compare(&r, st, &err), 0);
    assert_false(pm_restore_profile_differs(&r.profiles[0]));
    assert_false(pm_restore_profile_differs(&r.profiles[1]));
    pm_restore_release(&r);
    pm_store_close(st);
}

static void test_read_only_store_is_left_alone(void **state)
{
    (void)state;
    struct pm_store *st = NULL;
    struct pm_error err;
    pm_error_clear(&err);
    assert_int_equal(pm_store_open(&st, "mem:", PM_STORE_READONLY, &err), 0);
    struct pm_restore r;
    assert_int_equal(load(&r, HDR "[" P16 "\\A]\r\n\"v\"=\"1\"\r\n", &err), 0);
    int failed = 0;
    assert_true(pm_restore_apply(&r, st, &failed, &err) < 0);
    assert_int_equal(failed, 0);
    assert_int_equal(pm_store_key_exists(st, K16 "\\A", &err), 0);
    pm_restore_release(&r);
    pm_store_close(st);
}

/* The engine's own backup of a whole scenario, applied over a store where the profiles were
 * emptied and damaged, gives back the scenario byte for byte. */
static void test_fixture_profiles_come_back(void **state)
{
    (void)state;
    for (const char *const *sc = pmt_fixture_scenarios(); *sc; sc++) {
        struct pm_store *orig = mem_with(NULL);
        struct pm_error err;
        pm_error_clear(&err);
        struct pmt_manifest man;
        pmt_manifest_init(&man);
        assert_int_equal(pmt_fixture_build(orig, *sc, PMT_BEFORE, &man, &err), 0);
        char *want = export_all(orig);
        /* A backup of every profile of every root, as apply writes one. */
        struct pm_strlist paths = PM_STRLIST_INIT;
        for (size_t i = 0; i < pm_profile_nroots; i++) {
            struct pm_strlist names = PM_STRLIST_INIT;
            assert_true(pm_store_subkeys(orig, pm_profile_roots[i], &names, &err) >= 0);
            for (size_t j = 0; j < names.n; j++) {
                struct pm_buf p = PM_BUF_INIT;
                pm_buf_printf(&p, "%s\\%s", pm_profile_roots[i], names.items[j]);
                pm_strlist_add(&paths, p.data);
                pm_buf_release(&p);
            }
            pm_strlist_release(&names);
        }
        assert_true(paths.n > 0);
        struct pm_buf backup = PM_BUF_INIT;
        assert_int_equal(pm_regfile_export(orig, (const char *const *)paths.items, paths.n,
                                           PM_REGFMT_REGEDIT5, &backup, &err),
                         0);
        /* Damage: the first profile emptied, the last deleted, a value planted in each. */
        assert_int_equal(pm_store_delete_key(orig, paths.items[paths.n - 1], &err), 1);
        struct pm_strlist subs = PM_STRLIST_INIT;
        assert_true(pm_store_subkeys(orig, paths.items[0], &subs, &err) >= 0);
        for (size_t j = 0; j < subs.n; j++) {
            struct pm_buf p = PM_BUF_INIT;
            pm_buf_printf(&p, "%s\\%s", paths.items[0], subs.items[j]);
            assert_int_equal(pm_store_delete_key(orig, p.data, &err), 1);
            pm_buf_release(&p);
        }
        pm_strlist_release(&subs);
        assert_int_equal(pm_store_set(orig, paths.items[0], "planted", PM_REG_DWORD, "\1\0\0\0", 4,
                                      &err),
                         0);
        struct pm_restore r;
        assert_int_equal(pm_restore_load(&r, backup.data, backup.len, "backup.reg", &err), 0);
        assert_int_equal(r.nprofiles, paths.n);
        int failed = 0;
        assert_int_equal(pm_restore_apply(&r, orig, &failed, &err), 0);
        char *got = export_all(orig);
        /* The deleted profile was the last child of its root, so it comes back in its place:
         * the whole store is the original, byte for byte. */
        assert_string_equal(got, want);
        assert_int_equal(pm_restore_compare(&r, orig, &err), 0);
        for (size_t i = 0; i < r.nprofiles; i++)
            assert_false(pm_restore_profile_differs(&r.profiles[i]));
        free(got);
        free(want);
        pm_restore_release(&r);
        pm_buf_release(&backup);
        pm_strlist_release(&paths);
        pmt_manifest_release(&man);
        pm_store_close(orig);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refuses_what_is_not_a_profile_backup),
        cmocka_unit_test(test_lists_profiles_of_every_root),
        cmocka_unit_test(test_restores_exactly_and_touches_nothing_else),
        cmocka_unit_test(test_read_only_store_is_left_alone),
        cmocka_unit_test(test_fixture_profiles_come_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
