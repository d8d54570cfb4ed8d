/* The store contract, run unchanged against every backend in the build: "mem:", "reg:" over a
 * file holding only the header, and "hive:" over an empty hive where libhivex is built in.
 * Whatever the domain code relies on is asserted here once: byte-identical values of every type,
 * case-insensitive names, the default value, listing order, recursive deletes, not-found results,
 * transactions that are durable or leave the file untouched, read-only opens, the fault hook. */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pm/store.h"
#include "testutil.h"

/* The backend under test and the current test's store. */
static struct {
    const char *backend; /* "mem", "reg", "hive" */
    char file[600];
    char spec[700];
    struct pm_store *st;
} cur;

static const char reg_header[] = "\xff\xfeW\0i\0n\0d\0o\0w\0s\0 \0R\0e\0g\0i\0s\0t\0r\0y\0 \0E\0d\0"
                                 "i\0t\0o\0r\0 \0V\0e\0r\0s\0i\0o\0n\0 \0" "5\0.\0" "0\0" "0\0\r\0\n\0";

static int is_live(void)
{
    return strcmp(cur.backend, "live") == 0;
}

static int is_file_store(void)
{
    return strcmp(cur.backend, "mem") != 0 && !is_live();
}

#ifdef PM_HAVE_LIVE
#include <windows.h>
/* Windows lists a key's values in the order they were set; Wine keeps them sorted by name, so
 * under Wine the live store is held to the same set of names instead. */
static int values_in_set_order(void)
{
    return !is_live() || !GetProcAddress(GetModuleHandleA("ntdll.dll"), "wine_get_version");
}
#else
static int values_in_set_order(void)
{
    return 1;
}
#endif

/* The live store of the Windows build runs each test under a fresh scratch key of HKCU, which
 * becomes the store's root, so the user's real keys are neither seen nor touched. */
static void live_scratch(char *out, size_t size)
{
    static unsigned n;
    snprintf(out, size, "Software\\PMContract-%u", n++);
}

static void live_drop(const char *key)
{
    struct pm_store *root = NULL;
    if (pm_store_open(&root, "live:", 0, NULL) == 0) {
        pm_store_delete_key(root, key, NULL);
        pm_store_close(root);
    }
}

static int setup(void **state)
{
    (void)state;
    struct pm_error err;
    cur.st = NULL;
    cur.file[0] = 0;
    if (is_file_store()) {
        char *d = (char *)pmt_tempdir(cur.backend);
        snprintf(cur.file, sizeof(cur.file), "%s/store.%s", d, cur.backend);
        free(d);
        int rc = strcmp(cur.backend, "reg") == 0
                     ? pmt_write_file(cur.file, reg_header, sizeof(reg_header) - 1)
                     : pmt_write_empty_hive(cur.file);
        if (rc < 0)
            return -1;
    }
    if (is_live()) {
        live_scratch(cur.file, sizeof(cur.file));
        live_drop(cur.file);
    }
    snprintf(cur.spec, sizeof(cur.spec), "%s:%s", cur.backend, cur.file);
    if (pm_store_open(&cur.st, cur.spec, 0, &err) < 0) {
        char buf[2048];
        fprintf(stderr, "cannot open %s: %s\n", cur.spec, pm_error_format(&err, buf, sizeof(buf)));
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    pm_store_close(cur.st);
    cur.st = NULL;
    if (is_live()) {
        live_drop(cur.file);
    } else if (cur.file[0]) {
        remove(cur.file);
        char *slash = strrchr(cur.file, '/');
        if (slash) {
            *slash = 0;
            remove(cur.file);
        }
    }
    return 0;
}

/* Closes and reopens file stores from their file, so what is asserted next is what was
 * written; the mem store has no file and is kept. */
static void reopen(unsigned flags)
{
    if (!is_file_store() && !is_live())
        return;
    struct pm_error err;
    pm_store_close(cur.st);
    cur.st = NULL;
    int rc = pm_store_open(&cur.st, cur.spec, flags, &err);
    if (rc < 0)
        fail_msg("reopen %s: %s", cur.spec, err.msg);
}

static char *file_bytes(size_t *len)
{
    *len = 0;
    return is_file_store() ? pmt_read_file(cur.file, len) : NULL;
}

/* A text image of a subtree in store order: what "unchanged" is compared with. */
static void dump_rec(const char *path, struct pm_buf *out)
{
    struct pm_error err;
    struct pm_strlist names = PM_STRLIST_INIT, subs = PM_STRLIST_INIT;
    struct pm_value v = PM_VALUE_INIT;
    if (pm_store_values(cur.st, path, &names, &err) <= 0)
        return;
    pm_buf_printf(out, "[%s]\n", path);
    for (size_t i = 0; i < names.n; i++) {
        assert_int_equal(pm_store_get(cur.st, path, names.items[i], &v, &err), 1);
        pm_buf_printf(out, "%s=%u:", names.items[i], (unsigned)v.type);
        for (size_t k = 0; k < v.len; k++)
            pm_buf_printf(out, "%02x", v.data[k]);
        pm_buf_putc(out, '\n');
    }
    assert_true(pm_store_subkeys(cur.st, path, &subs, &err) >= 0);
    for (size_t i = 0; i < subs.n; i++) {
        struct pm_buf child = PM_BUF_INIT;
        pm_buf_printf(&child, "%s%s%s", path, *path ? "\\" : "", subs.items[i]);
        dump_rec(child.data, out);
        pm_buf_release(&child);
    }
    pm_value_release(&v);
    pm_strlist_release(&names);
    pm_strlist_release(&subs);
}

static char *dump(const char *path)
{
    struct pm_buf out = PM_BUF_INIT;
    pm_buf_puts(&out, "");
    dump_rec(path, &out);
    return pm_buf_detach(&out, NULL);
}

static void set_ok(const char *path, const char *name, uint32_t type, const void *data, size_t len)
{
    struct pm_error err;
    int rc = pm_store_set(cur.st, path, name, type, data, len, &err);
    if (rc != 0)
        fail_msg("set %s\\%s: %d %s", path, name, rc, err.msg);
}

static void expect_stored(const char *path, const char *name, uint32_t type, const void *data,
                         size_t len)
{
    struct pm_value v = PM_VALUE_INIT;
    struct pm_error err;
    int rc = pm_store_get(cur.st, path, name, &v, &err);
    if (rc != 1)
        fail_msg("get %s\\%s: %d %s", path, name, rc, rc < 0 ? err.msg : "missing");
    assert_int_equal(v.type, type);
    assert_int_equal(v.len, len);
    if (len)
        assert_memory_equal(v.data, data, len);
    pm_value_release(&v);
}

static const struct {
    const char *name;
    uint32_t type;
    const char *data;
    size_t len;
} typed[] = {
    {"none", PM_REG_NONE, "\x01\x02", 2},
    {"sz", PM_REG_SZ, "O\0u\0t\0l\0o\0o\0k\0\0\0", 16},
    {"sz empty", PM_REG_SZ, "\0\0", 2},
    {"sz no nul", PM_REG_SZ, "a\0b\0", 4},
    {"sz odd", PM_REG_SZ, "a\0b", 3},
    {"expand", PM_REG_EXPAND_SZ, "%\0T\0%\0\0\0", 8},
    {"binary", PM_REG_BINARY, "\x00\xff\x80\x7f", 4},
    {"binary empty", PM_REG_BINARY, "", 0},
    {"dword", PM_REG_DWORD, "\x0d\xf0\xad\x0b", 4},
    {"dword be", PM_REG_DWORD_BE, "\x0b\xad\xf0\x0d", 4},
    {"link", PM_REG_LINK, "\\\0R\0", 4},
    {"multi", PM_REG_MULTI_SZ, "a\0\0\0b\0c\0\0\0\0\0", 12},
    {"qword", PM_REG_QWORD, "\x88\x77\x66\x55\x44\x33\x22\x11", 8},
};

static void test_every_type_byte_identical(void **state)
{
    (void)state;
    const char *k = "Software\\Contract\\Types";
    for (size_t i = 0; i < PM_ARRAY_SIZE(typed); i++)
        set_ok(k, typed[i].name, typed[i].type, typed[i].data, typed[i].len);
    for (int round = 0; round < 2; round++) {
        for (size_t i = 0; i < PM_ARRAY_SIZE(typed); i++)
            expect_stored(k, typed[i].name, typed[i].type, typed[i].data, typed[i].len);
        reopen(0);
    }
}

static void test_names_case_insensitive_and_default(void **state)
{
    (void)state;
    struct pm_error err;
    set_ok("Software\\CaseKey", "MixedName", PM_REG_DWORD, "\1\0\0\0", 4);
    set_ok("SOFTWARE\\casekey", "mixedNAME", PM_REG_DWORD, "\2\0\0\0", 4);
    set_ok("Software\\CaseKey", "", PM_REG_SZ, "d\0\0\0", 4);
    reopen(0);
    expect_stored("software\\CASEKEY", "MIXEDNAME", PM_REG_DWORD, "\2\0\0\0", 4);
    expect_stored("Software\\CaseKey", "", PM_REG_SZ, "d\0\0\0", 4);
    struct pm_strlist names = PM_STRLIST_INIT;
    assert_int_equal(pm_store_values(cur.st, "Software\\CaseKey", &names, &err), 1);
    assert_int_equal(names.n, 2);
    size_t first = values_in_set_order() ? 0 : (names.items[0][0] == 0);
    assert_int_equal(pm_name_casecmp(names.items[first], "mixedname"), 0);
    assert_string_equal(names.items[1 - first], "");
    pm_strlist_release(&names);
    struct pm_strlist subs = PM_STRLIST_INIT;
    assert_int_equal(pm_store_subkeys(cur.st, "Software", &subs, &err), 1);
    assert_int_equal(subs.n, 1);
    pm_strlist_release(&subs);
}

/* Values list in the order they were set; subkeys are created here in the sorted order a hive
 * keeps them in, and must list in that order everywhere. */
static void test_listing_order(void **state)
{
    (void)state;
    struct pm_error err;
    const char *vals[] = {"zeta", "alpha", "Mid", ""};
    for (size_t i = 0; i < PM_ARRAY_SIZE(vals); i++)
        set_ok("Software\\Order", vals[i], PM_REG_DWORD, "\0\0\0\0", 4);
    const char *subs[] = {"Alpha", "beta", "Gamma"};
    for (size_t i = 0; i < PM_ARRAY_SIZE(subs); i++) {
        char p[64];
        snprintf(p, sizeof(p), "Software\\Order\\%s", subs[i]);
        assert_int_equal(pm_store_create_key(cur.st, p, &err), 1);
    }
    reopen(0);
    struct pm_strlist l = PM_STRLIST_INIT;
    assert_int_equal(pm_store_values(cur.st, "Software\\Order", &l, &err), 1);
    assert_int_equal(l.n, PM_ARRAY_SIZE(vals));
    static const char *const sorted[] = {"", "alpha", "Mid", "zeta"};
    for (size_t i = 0; i < l.n; i++)
        assert_string_equal(l.items[i], values_in_set_order() ? vals[i] : sorted[i]);
    pm_strlist_release(&l);
    assert_int_equal(pm_store_subkeys(cur.st, "Software\\Order", &l, &err), 1);
    assert_int_equal(l.n, PM_ARRAY_SIZE(subs));
    for (size_t i = 0; i < l.n; i++)
        assert_string_equal(l.items[i], subs[i]);
    pm_strlist_release(&l);
}

static void test_create_and_delete(void **state)
{
    (void)state;
    struct pm_error err;
    assert_int_equal(pm_store_create_key(cur.st, "Software\\P\\Q\\R", &err), 1);
    assert_int_equal(pm_store_create_key(cur.st, "Software\\P\\Q\\R", &err), 0);
    assert_int_equal(pm_store_create_key(cur.st, "software\\p", &err), 0);
    assert_int_equal(pm_store_key_exists(cur.st, "Software\\P\\Q", &err), 1);
    set_ok("Software\\P\\Q\\R", "v", PM_REG_SZ, "x\0\0\0", 4);
    set_ok("Software\\P\\Q", "w", PM_REG_SZ, "y\0\0\0", 4);
    set_ok("Software\\P", "keep", PM_REG_SZ, "k\0\0\0", 4);
    assert_int_equal(pm_store_delete_value(cur.st, "Software\\P\\Q\\R", "V", &err), 1);
    assert_int_equal(pm_store_delete_value(cur.st, "Software\\P\\Q\\R", "v", &err), 0);
    assert_int_equal(pm_store_delete_value(cur.st, "Software\\Nope", "v", &err), 0);
    assert_int_equal(pm_store_delete_key(cur.st, "SOFTWARE\\P\\Q", &err), 1);
    assert_int_equal(pm_store_delete_key(cur.st, "Software\\P\\Q", &err), 0);
    reopen(0);
    assert_int_equal(pm_store_key_exists(cur.st, "Software\\P\\Q", &err), 0);
    assert_int_equal(pm_store_key_exists(cur.st, "Software\\P\\Q\\R", &err), 0);
    expect_stored("Software\\P", "keep", PM_REG_SZ, "k\0\0\0", 4);
}

static void test_not_found_is_a_result(void **state)
{
    (void)state;
    struct pm_error err;
    struct pm_value v = PM_VALUE_INIT;
    struct pm_strlist l = PM_STRLIST_INIT;
    set_ok("Software\\Here", "v", PM_REG_SZ, "x\0\0\0", 4);
    assert_int_equal(pm_store_get(cur.st, "Software\\Here", "missing", &v, &err), 0);
    assert_int_equal(pm_store_get(cur.st, "Software\\Gone", "v", &v, &err), 0);
    assert_int_equal(pm_store_subkeys(cur.st, "Software\\Gone", &l, &err), 0);
    assert_int_equal(pm_store_values(cur.st, "Software\\Gone\\Deeper", &l, &err), 0);
    assert_int_equal(l.n, 0);
    assert_int_equal(pm_store_key_exists(cur.st, "Software\\Gone", &err), 0);
    assert_int_equal(pm_store_key_exists(cur.st, "Software\\Here", &err), 1);
    pm_value_release(&v);
}

static void test_commit_is_durable(void **state)
{
    (void)state;
    struct pm_error err;
    assert_int_equal(pm_store_begin(cur.st, &err), 0);
    set_ok("Software\\Txn\\A", "one", PM_REG_DWORD, "\1\0\0\0", 4);
    set_ok("Software\\Txn\\B", "two", PM_REG_SZ, "2\0\0\0", 4);
    assert_int_equal(pm_store_delete_value(cur.st, "Software\\Txn\\A", "one", &err), 1);
    set_ok("Software\\Txn\\A", "three", PM_REG_BINARY, "\3", 1);
    assert_int_equal(pm_store_commit(cur.st, &err), 0);
    assert_int_equal(pm_store_in_transaction(cur.st), 0);
    char *before = dump("Software");
    reopen(0);
    char *after = dump("Software");
    assert_string_equal(before, after);
    assert_non_null(strstr(after, "three=3:03"));
    assert_null(strstr(after, "one="));
    free(before);
    free(after);
}

static void test_rollback_leaves_original(void **state)
{
    (void)state;
    struct pm_error err;
    set_ok("Software\\Orig", "v", PM_REG_SZ, "o\0\0\0", 4);
    assert_int_equal(pm_store_create_key(cur.st, "Software\\Orig\\Sub", &err), 1);
    size_t len0, len1;
    char *bytes0 = file_bytes(&len0);
    char *before = dump("Software");
    assert_int_equal(pm_store_begin(cur.st, &err), 0);
    set_ok("Software\\Orig", "v", PM_REG_SZ, "n\0\0\0", 4);
    set_ok("Software\\New", "x", PM_REG_DWORD, "\0\0\0\0", 4);
    assert_int_equal(pm_store_delete_key(cur.st, "Software\\Orig\\Sub", &err), 1);
    assert_int_equal(pm_store_rollback(cur.st, &err), 0);
    char *mid = dump("Software");
    assert_string_equal(before, mid);
    char *bytes1 = file_bytes(&len1);
    assert_int_equal(len0, len1);
    if (len0)
        assert_memory_equal(bytes0, bytes1, len0);
    reopen(0);
    char *after = dump("Software");
    assert_string_equal(before, after);
    free(bytes0);
    free(bytes1);
    free(before);
    free(mid);
    free(after);
}

static void test_lone_write_is_durable(void **state)
{
    (void)state;
    set_ok("Software\\Lone", "v", PM_REG_QWORD, "\1\2\3\4\5\6\7\x08", 8);
    reopen(0);
    expect_stored("Software\\Lone", "v", PM_REG_QWORD, "\1\2\3\4\5\6\7\x08", 8);
}

static void test_read_only_refuses_writes(void **state)
{
    (void)state;
    struct pm_error err;
    set_ok("Software\\RO", "v", PM_REG_SZ, "r\0\0\0", 4);
    if (is_file_store() || is_live()) {
        reopen(PM_STORE_READONLY);
    } else {
        /* A mem store reopened is empty: check a fresh read-only one refuses as well. */
        struct pm_store *ro;
        assert_int_equal(pm_store_open(&ro, "mem:", PM_STORE_READONLY, &err), 0);
        assert_true(pm_store_set(ro, "Software\\RO", "v", PM_REG_SZ, "w\0\0\0", 4, &err) < 0);
        assert_true(pm_store_begin(ro, &err) < 0);
        pm_store_close(ro);
        return;
    }
    size_t len0, len1;
    char *bytes0 = file_bytes(&len0);
    assert_true(pm_store_set(cur.st, "Software\\RO", "v", PM_REG_SZ, "w\0\0\0", 4, &err) < 0);
    assert_true(pm_store_delete_key(cur.st, "Software\\RO", &err) < 0);
    assert_true(pm_store_create_key(cur.st, "Software\\RO2", &err) < 0);
    assert_true(pm_store_begin(cur.st, &err) < 0);
    expect_stored("Software\\RO", "v", PM_REG_SZ, "r\0\0\0", 4);
    char *bytes1 = file_bytes(&len1);
    assert_int_equal(len0, len1);
    if (len0)
        assert_memory_equal(bytes0, bytes1, len0);
    free(bytes0);
    free(bytes1);
}

static void test_fault_hook(void **state)
{
    (void)state;
    struct pm_error err;
    set_ok("Software\\Fault", "v", PM_REG_SZ, "0\0\0\0", 4);
    char *before = dump("Software");
    /* The 2nd mutation inside a transaction fails; rollback leaves everything as it was. */
    assert_int_equal(pm_store_begin(cur.st, &err), 0);
    pm_store_fault_at(cur.st, 2);
    set_ok("Software\\Fault", "v", PM_REG_SZ, "1\0\0\0", 4);
    assert_int_equal(pm_store_set(cur.st, "Software\\Fault", "w", PM_REG_SZ, "2\0\0\0", 4, &err),
                     PM_ERR_FAULT);
    assert_int_equal(pm_store_rollback(cur.st, &err), 0);
    /* A failing commit (the 2nd mutation again) also leaves the store and file unchanged. */
    assert_int_equal(pm_store_begin(cur.st, &err), 0);
    pm_store_fault_at(cur.st, 2);
    set_ok("Software\\Fault", "v", PM_REG_SZ, "3\0\0\0", 4);
    assert_int_equal(pm_store_commit(cur.st, &err), PM_ERR_FAULT);
    assert_int_equal(pm_store_in_transaction(cur.st), 1);
    assert_int_equal(pm_store_rollback(cur.st, &err), 0);
    /* A lone write that faults changes nothing. */
    pm_store_fault_at(cur.st, 1);
    assert_int_equal(pm_store_delete_key(cur.st, "Software\\Fault", &err), PM_ERR_FAULT);
    assert_int_equal(pm_store_fault_at(cur.st, 0), 1);
    reopen(0);
    char *after = dump("Software");
    assert_string_equal(before, after);
    free(before);
    free(after);
}

static void test_non_ascii_names(void **state)
{
    (void)state;
    struct pm_error err;
    const char *key = "Software\\\xc3\x9cnic\xc3\xb6" "de\\\xe6\x97\xa5\xe6\x9c\xac\\\xce\xa9";
    const char *name = "Gr\xc3\xbc\xc3\x9f" "e \xd0\x96";
    set_ok(key, name, PM_REG_SZ, "\xe5\x65\0\0", 4);
    reopen(0);
    expect_stored(key, name, PM_REG_SZ, "\xe5\x65\0\0", 4);
    /* Latin-1 and Cyrillic letters compare without case. */
    expect_stored("software\\\xc3\xbcNIC\xc3\x96" "DE\\\xe6\x97\xa5\xe6\x9c\xac\\\xcf\x89",
                 "GR\xc3\x9c\xc3\x9f" "E \xd0\xb6", PM_REG_SZ, "\xe5\x65\0\0", 4);
    struct pm_strlist l = PM_STRLIST_INIT;
    assert_int_equal(pm_store_subkeys(cur.st, "Software", &l, &err), 1);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.items[0], "\xc3\x9cnic\xc3\xb6" "de");
    pm_strlist_release(&l);
}

/* Large binary values. A hive written through libhivex cannot hold a cell over 1,000,000 bytes
 * (hivex-internal.h HIVEX_MAX_ALLOCATION), so there a 1 MiB value must be refused cleanly with
 * PM_ERR_LIMIT, changing nothing; every other store keeps it. 900 KiB fits everywhere. */
static void test_one_mib_binary(void **state)
{
    (void)state;
    struct pm_error err;
    size_t n = 1 << 20, small = 900 << 10;
    uint8_t *big = malloc(n);
    for (size_t i = 0; i < n; i++)
        big[i] = (uint8_t)(i * 131 + (i >> 9));
    set_ok("Software\\Big", "blob900k", PM_REG_BINARY, big, small);
    int rc = pm_store_set(cur.st, "Software\\Big", "blob", PM_REG_BINARY, big, n, &err);
    if (rc != 0 && !(rc == PM_ERR_LIMIT && strcmp(cur.backend, "hive") == 0))
        fail_msg("set of a 1 MiB value: %d %s", rc, err.msg);
    reopen(0);
    expect_stored("Software\\Big", "blob900k", PM_REG_BINARY, big, small);
    if (rc == 0) {
        expect_stored("Software\\Big", "blob", PM_REG_BINARY, big, n);
    } else {
        struct pm_value v = PM_VALUE_INIT;
        assert_int_equal(pm_store_get(cur.st, "Software\\Big", "blob", &v, &err), 0);
    }
    free(big);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

static int run_for(const char *backend)
{
    const struct CMUnitTest tests[] = {
        T(test_every_type_byte_identical),
        T(test_names_case_insensitive_and_default),
        T(test_listing_order),
        T(test_create_and_delete),
        T(test_not_found_is_a_result),
        T(test_commit_is_durable),
        T(test_rollback_leaves_original),
        T(test_lone_write_is_durable),
        T(test_read_only_refuses_writes),
        T(test_fault_hook),
        T(test_non_ascii_names),
        T(test_one_mib_binary),
    };
    char group[64];
    snprintf(group, sizeof(group), "store contract: %s", backend);
    cur.backend = backend;
    printf("== %s\n", group);
    fflush(stdout);
    return _cmocka_run_group_tests(group, tests, PM_ARRAY_SIZE(tests), NULL, NULL);
}

int main(void)
{
    int failed = run_for("mem");
    failed += run_for("reg");
#ifdef PM_HAVE_HIVEX
    char *d = (char *)pmt_tempdir("hiveprobe");
    char probe[600];
    snprintf(probe, sizeof(probe), "%s/probe.dat", d);
    int can = pmt_write_empty_hive(probe) == 0;
    remove(probe);
    remove(d);
    free(d);
    if (can)
        failed += run_for("hive");
    else
        printf("note: pmt_write_empty_hive() is not available yet: hive contract skipped\n");
#else
    printf("note: built without libhivex: hive contract not run\n");
#endif
#ifdef PM_HAVE_LIVE
    failed += run_for("live");
#endif
    return failed;
}
