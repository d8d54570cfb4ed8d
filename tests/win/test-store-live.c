/* Tests of what is particular to the live store, run under Wine, checked through the registry
 * API itself rather than through the store: a rolled-back delete brings back a whole subtree
 * with every value byte for byte, a rolled-back write removes exactly the keys it created, and
 * a committed transaction stays. Each test works under its own scratch key of HKCU. */
#include "compat.h"

#include <windows.h>

#include <cmocka.h>

#include "pm/store.h"

#define SCRATCH "Software\\PMLiveTest"

static HKEY open_raw(const wchar_t *path)
{
    HKEY k = NULL;
    if (RegOpenKeyExW(HKEY_CURRENT_USER, path, 0, KEY_READ, &k) != ERROR_SUCCESS)
        return NULL;
    return k;
}

static int raw_exists(const wchar_t *path)
{
    HKEY k = open_raw(path);
    if (k)
        RegCloseKey(k);
    return k != NULL;
}

static void expect_raw(const wchar_t *path, const wchar_t *name, DWORD type, const void *data,
                       DWORD len)
{
    HKEY k = open_raw(path);
    assert_non_null(k);
    BYTE buf[256];
    DWORD t = 0, n = sizeof(buf);
    assert_int_equal(RegQueryValueExW(k, name, NULL, &t, buf, &n), ERROR_SUCCESS);
    RegCloseKey(k);
    assert_int_equal(t, type);
    assert_int_equal(n, len);
    if (len)
        assert_memory_equal(buf, data, len);
}

static void put_raw(const wchar_t *path, const wchar_t *name, DWORD type, const void *data,
                    DWORD len)
{
    HKEY k;
    assert_int_equal(RegCreateKeyExW(HKEY_CURRENT_USER, path, 0, NULL, 0, KEY_ALL_ACCESS, NULL,
                                     &k, NULL),
                     ERROR_SUCCESS);
    assert_int_equal(RegSetValueExW(k, name, 0, type, data, len), ERROR_SUCCESS);
    RegCloseKey(k);
}

static int setup(void **state)
{
    (void)state;
    RegDeleteTreeW(HKEY_CURRENT_USER, L"" SCRATCH);
    RegDeleteKeyW(HKEY_CURRENT_USER, L"" SCRATCH);
    return 0;
}

static int teardown(void **state)
{
    return setup(state);
}

static struct pm_store *open_live(void)
{
    struct pm_store *st = NULL;
    struct pm_error err;
    pm_error_clear(&err);
    if (pm_store_open(&st, "live", 0, &err) < 0)
        fail_msg("open live: %s", err.msg);
    return st;
}

static void test_rollback_restores_deleted_subtree(void **state)
{
    (void)state;
    const wchar_t *p = L"" SCRATCH L"\\Profiles\\Outlook\\9375CFF0413111d3B88A00104B2A6676";
    put_raw(L"" SCRATCH L"\\Profiles\\Outlook", L"", REG_SZ, L"def", 8);
    put_raw(p, L"{ED475418-B0D6-11D2-8C3B-00104B2A6676}", REG_BINARY, "\x01\x00\x00\x00", 4);
    put_raw(p, L"NextAccountID", REG_DWORD, "\x02\x00\x00\x00", 4);
    put_raw(p, L"00000001\\x", REG_SZ, L"", 2); /* a name with a backslash is a plain name */
    put_raw(L"" SCRATCH L"\\Profiles\\Outlook\\13dbb0c8aa05101a9bb000aa002fc45a", L"001e6750",
            REG_MULTI_SZ, L"a\0b\0", 10);
    put_raw(L"" SCRATCH L"\\Profiles\\Outlook\\empty", NULL, REG_NONE, NULL, 0);

    struct pm_store *st = open_live();
    struct pm_error err;
    assert_int_equal(pm_store_begin(st, &err), 0);
    assert_int_equal(pm_store_delete_key(st, SCRATCH "\\Profiles\\Outlook", &err), 1);
    assert_false(raw_exists(L"" SCRATCH L"\\Profiles\\Outlook"));
    assert_int_equal(pm_store_set(st, SCRATCH "\\Profiles\\Outlook\\new", "v", PM_REG_DWORD,
                                  "\7\0\0\0", 4, &err),
                     0);
    assert_int_equal(pm_store_rollback(st, &err), 0);
    pm_store_close(st);

    expect_raw(L"" SCRATCH L"\\Profiles\\Outlook", L"", REG_SZ, L"def", 8);
    expect_raw(p, L"{ED475418-B0D6-11D2-8C3B-00104B2A6676}", REG_BINARY, "\x01\x00\x00\x00", 4);
    expect_raw(p, L"NextAccountID", REG_DWORD, "\x02\x00\x00\x00", 4);
    expect_raw(p, L"00000001\\x", REG_SZ, L"", 2);
    expect_raw(L"" SCRATCH L"\\Profiles\\Outlook\\13dbb0c8aa05101a9bb000aa002fc45a", L"001e6750",
               REG_MULTI_SZ, L"a\0b\0", 10);
    expect_raw(L"" SCRATCH L"\\Profiles\\Outlook\\empty", NULL, REG_NONE, NULL, 0);
    assert_false(raw_exists(L"" SCRATCH L"\\Profiles\\Outlook\\new"));
}

static void test_rollback_removes_only_created_keys(void **state)
{
    (void)state;
    put_raw(L"" SCRATCH L"\\Kept", L"old", REG_DWORD, "\1\0\0\0", 4);
    struct pm_store *st = open_live();
    struct pm_error err;
    assert_int_equal(pm_store_begin(st, &err), 0);
    assert_int_equal(pm_store_set(st, SCRATCH "\\Kept\\A\\B\\C", "v", PM_REG_SZ, "x\0\0\0", 4,
                                  &err),
                     0);
    assert_int_equal(pm_store_set(st, SCRATCH "\\Kept", "old", PM_REG_DWORD, "\2\0\0\0", 4, &err),
                     0);
    assert_int_equal(pm_store_set(st, SCRATCH "\\Kept", "new", PM_REG_DWORD, "\3\0\0\0", 4, &err),
                     0);
    assert_int_equal(pm_store_create_key(st, SCRATCH "\\Other\\Deep", &err), 1);
    assert_true(raw_exists(L"" SCRATCH L"\\Kept\\A\\B\\C"));
    assert_int_equal(pm_store_rollback(st, &err), 0);
    assert_false(raw_exists(L"" SCRATCH L"\\Kept\\A"));
    assert_false(raw_exists(L"" SCRATCH L"\\Other"));
    expect_raw(L"" SCRATCH L"\\Kept", L"old", REG_DWORD, "\1\0\0\0", 4);
    HKEY k = open_raw(L"" SCRATCH L"\\Kept");
    assert_non_null(k);
    assert_int_equal(RegQueryValueExW(k, L"new", NULL, NULL, NULL, NULL), ERROR_FILE_NOT_FOUND);
    RegCloseKey(k);

    /* the same writes committed stay, seen by another handle */
    assert_int_equal(pm_store_begin(st, &err), 0);
    assert_int_equal(pm_store_set(st, SCRATCH "\\Kept\\A", "v", PM_REG_SZ, "y\0\0\0", 4, &err),
                     0);
    assert_int_equal(pm_store_delete_value(st, SCRATCH "\\Kept", "old", &err), 1);
    assert_int_equal(pm_store_commit(st, &err), 0);
    pm_store_close(st);
    expect_raw(L"" SCRATCH L"\\Kept\\A", L"v", REG_SZ, "y\0\0\0", 4);
    k = open_raw(L"" SCRATCH L"\\Kept");
    assert_int_equal(RegQueryValueExW(k, L"old", NULL, NULL, NULL, NULL), ERROR_FILE_NOT_FOUND);
    RegCloseKey(k);
}

static void test_scratch_root_location(void **state)
{
    (void)state;
    struct pm_store *st = NULL;
    struct pm_error err;
    assert_int_equal(pm_store_open(&st, "live:HKCU\\" SCRATCH "\\Root", 0, &err), 0);
    assert_int_equal(pm_store_set(st, "Software\\X", "v", PM_REG_DWORD, "\5\0\0\0", 4, &err), 0);
    pm_store_close(st);
    expect_raw(L"" SCRATCH L"\\Root\\Software\\X", L"v", REG_DWORD, "\5\0\0\0", 4);
    /* read-only open of a missing root fails instead of creating it */
    assert_true(pm_store_open(&st, "live:" SCRATCH "\\Missing", PM_STORE_READONLY, &err) < 0);
    assert_false(raw_exists(L"" SCRATCH L"\\Missing"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rollback_restores_deleted_subtree, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rollback_removes_only_created_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scratch_root_location, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
