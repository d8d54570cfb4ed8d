/* Tests of the hive backend beyond the store contract: the test hive generator's output opens
 * with hivex, values of every type survive a round trip byte for byte (non-ASCII names too),
 * commit replaces the file by rename and never edits it in place, rollback and read-only opens
 * leave the file as it was, and damaged files give errors instead of crashes. */
#include "compat.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "pm/store.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef PM_HAVE_HIVEX
#include <hivex.h>

/* One folder for the whole run (removed at the end), one subfolder per test. */
static char base_dir[512];

static int make_base(void **state)
{
    (void)state;
    const char *tmp = getenv("TMPDIR");
    snprintf(base_dir, sizeof(base_dir), "%s/pmtest-hive-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    return mkdtemp(base_dir) ? 0 : -1;
}

static int remove_base(void **state)
{
    (void)state;
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base_dir);
    return system(cmd) == 0 ? 0 : -1;
}

static char *test_dir(const char *tag)
{
    struct pm_buf b = PM_BUF_INIT;
    assert_int_equal(pm_buf_printf(&b, "%s/%s", base_dir, tag), 0);
    assert_int_equal(mkdir(b.data, 0700), 0);
    return pm_buf_detach(&b, NULL);
}

static char *new_hive(const char *tag)
{
    char *dir = test_dir(tag);
    struct pm_buf b = PM_BUF_INIT;
    assert_int_equal(pm_buf_printf(&b, "%s/NTUSER.DAT", dir), 0);
    assert_int_equal(pmt_write_empty_hive(b.data), 0);
    free(dir);
    return pm_buf_detach(&b, NULL);
}

static struct pm_store *open_hive(const char *file, unsigned flags)
{
    struct pm_buf spec = PM_BUF_INIT;
    assert_int_equal(pm_buf_printf(&spec, "hive:%s", file), 0);
    struct pm_store *st = NULL;
    struct pm_error err;
    pm_error_clear(&err);
    int rc = pm_store_open(&st, spec.data, flags, &err);
    if (rc < 0)
        fail_msg("open %s: %s", file, err.msg);
    pm_buf_release(&spec);
    return st;
}

static ino_t inode_of(const char *file)
{
    struct stat sb;
    assert_int_equal(stat(file, &sb), 0);
    return sb.st_ino;
}

static void assert_file_is(const char *file, const char *data, size_t len)
{
    size_t n = 0;
    char *now = pmt_read_file(file, &n);
    assert_non_null(now);
    assert_int_equal(n, len);
    assert_memory_equal(now, data, len);
    free(now);
}

static void assert_value(struct pm_store *st, const char *path, const char *name, uint32_t type,
                         const void *data, size_t len)
{
    struct pm_value v = PM_VALUE_INIT;
    struct pm_error err;
    int rc = pm_store_get(st, path, name, &v, &err);
    if (rc != 1)
        fail_msg("get %s\\%s: rc %d %s", path, name, rc, rc < 0 ? err.msg : "");
    assert_int_equal(v.type, type);
    assert_int_equal(v.len, len);
    if (len)
        assert_memory_equal(v.data, data, len);
    pm_value_release(&v);
}

static void set_ok(struct pm_store *st, const char *path, const char *name, uint32_t type,
                   const void *data, size_t len)
{
    struct pm_error err;
    int rc = pm_store_set(st, path, name, type, data, len, &err);
    if (rc < 0)
        fail_msg("set %s\\%s: %s", path, name, err.msg);
}

/* The generated hive is one hivex accepts, read-only and for writing, and it is empty. */
static void test_generated_hive_opens_with_hivex(void **state)
{
    (void)state;
    char *file = new_hive("hivegen");
    hive_h *h = hivex_open(file, 0);
    assert_non_null(h);
    hive_node_h root = hivex_root(h);
    assert_true(root != 0);
    assert_int_equal(hivex_node_nr_children(h, root), 0);
    assert_int_equal(hivex_node_nr_values(h, root), 0);
    hivex_close(h);

    h = hivex_open(file, HIVEX_OPEN_WRITE);
    assert_non_null(h);
    assert_true(hivex_node_add_child(h, hivex_root(h), "Software") != 0);
    hivex_close(h);

    struct pm_store *st = open_hive(file, 0);
    struct pm_strlist l = PM_STRLIST_INIT;
    struct pm_error err;
    assert_int_equal(pm_store_subkeys(st, "", &l, &err), 1);
    assert_int_equal(l.n, 0);
    pm_strlist_release(&l);
    pm_store_close(st);
    free(file);
}

/* Every registry type, the default value, an empty value, a value larger than one hive cell
 * and names outside ASCII come back with the same type and bytes after closing the file. */
static void test_round_trip_every_type(void **state)
{
    (void)state;
    char *file = new_hive("roundtrip");
    static const uint8_t sz[] = {'O', 0, 'u', 0, 't', 0, 0, 0};
    static const uint8_t multi[] = {'a', 0, 0, 0, 'b', 0, 0, 0, 0, 0};
    static const uint8_t dword[] = {0x78, 0x56, 0x34, 0x12};
    static const uint8_t qword[] = {1, 2, 3, 4, 5, 6, 7, 8};
    static const uint8_t odd[] = {0xde, 0xad, 0xbe};
    uint8_t *big = malloc(40000);
    assert_non_null(big);
    for (size_t i = 0; i < 40000; i++)
        big[i] = (uint8_t)(i * 7 + 3);
    const char *key = "Software\\Microsoft\\Office\\16.0\\Outlook\\Profiles\\Prüfung €";

    struct pm_store *st = open_hive(file, 0);
    struct pm_error err;
    assert_int_equal(pm_store_begin(st, &err), 0);
    set_ok(st, key, "", PM_REG_SZ, sz, sizeof(sz));
    set_ok(st, key, "None", PM_REG_NONE, "", 0);
    set_ok(st, key, "Expand", PM_REG_EXPAND_SZ, sz, sizeof(sz));
    set_ok(st, key, "Binär", PM_REG_BINARY, odd, sizeof(odd));
    set_ok(st, key, "Dword", PM_REG_DWORD, dword, sizeof(dword));
    set_ok(st, key, "BE", PM_REG_DWORD_BE, dword, sizeof(dword));
    set_ok(st, key, "Multi", PM_REG_MULTI_SZ, multi, sizeof(multi));
    set_ok(st, key, "Qword", PM_REG_QWORD, qword, sizeof(qword));
    set_ok(st, key, "Ключ €", 0x12345678u, odd, 2);
    set_ok(st, key, "Big", PM_REG_BINARY, big, 40000);
    assert_int_equal(pm_store_commit(st, &err), 0);
    pm_store_close(st);

    st = open_hive(file, PM_STORE_READONLY);
    assert_value(st, key, "", PM_REG_SZ, sz, sizeof(sz));
    assert_value(st, key, "None", PM_REG_NONE, "", 0);
    assert_value(st, key, "Expand", PM_REG_EXPAND_SZ, sz, sizeof(sz));
    assert_value(st, key, "Binär", PM_REG_BINARY, odd, sizeof(odd));
    assert_value(st, key, "Dword", PM_REG_DWORD, dword, sizeof(dword));
    assert_value(st, key, "BE", PM_REG_DWORD_BE, dword, sizeof(dword));
    assert_value(st, key, "Multi", PM_REG_MULTI_SZ, multi, sizeof(multi));
    assert_value(st, key, "Qword", PM_REG_QWORD, qword, sizeof(qword));
    assert_value(st, key, "Ключ €", 0x12345678u, odd, 2);
    assert_value(st, key, "Big", PM_REG_BINARY, big, 40000);

    /* Names listed as written, values in the order they were set. */
    struct pm_strlist l = PM_STRLIST_INIT;
    assert_int_equal(pm_store_values(st, key, &l, &err), 1);
    assert_int_equal(l.n, 10);
    assert_string_equal(l.items[0], "");
    assert_string_equal(l.items[3], "Binär");
    assert_string_equal(l.items[8], "Ключ €");
    pm_strlist_release(&l);
    assert_int_equal(pm_store_subkeys(st, "Software\\Microsoft\\Office\\16.0\\Outlook\\Profiles",
                                      &l, &err),
                     1);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.items[0], "Prüfung €");
    pm_strlist_release(&l);
    pm_store_close(st);

    /* hivex itself, without our lookup, finds the same bytes under the same names. */
    hive_h *h = hivex_open(file, 0);
    assert_non_null(h);
    hive_node_h n = hivex_root(h);
    const char *parts[] = {"Software", "Microsoft", "Office", "16.0", "Outlook", "Profiles",
                           "Prüfung €"};
    for (size_t i = 0; i < PM_ARRAY_SIZE(parts); i++) {
        n = hivex_node_get_child(h, n, parts[i]);
        assert_true(n != 0);
    }
    hive_value_h v = hivex_node_get_value(h, n, "Dword");
    assert_true(v != 0);
    assert_int_equal(hivex_value_dword(h, v), 0x12345678);
    hivex_close(h);
    free(big);
    free(file);
}

/* Values over 16344 bytes are stored as Windows stores them in format 1.4+ hives: a db cell
 * listing segments. Sizes around the threshold, a 1 MiB value (beyond what hivex allocates in
 * one cell), replacing, deleting and rolling back such values all behave like small ones. */
static void test_big_values(void **state)
{
    (void)state;
    char *file = new_hive("bigdata");
    size_t sizes[] = {16344, 16345, 16344 * 3, 1 << 20};
    uint8_t *big = malloc((1 << 20) + 16);
    assert_non_null(big);
    for (size_t i = 0; i < (1u << 20) + 16; i++)
        big[i] = (uint8_t)(i * 131 + (i >> 9));
    struct pm_store *st = open_hive(file, 0);
    struct pm_error err;
    assert_int_equal(pm_store_begin(st, &err), 0);
    for (size_t i = 0; i < PM_ARRAY_SIZE(sizes); i++) {
        char name[32];
        snprintf(name, sizeof(name), "v%zu", sizes[i]);
        set_ok(st, "Software\\Big", name, PM_REG_BINARY, big + i, sizes[i]);
        assert_value(st, "Software\\Big", name, PM_REG_BINARY, big + i, sizes[i]);
    }
    set_ok(st, "Software\\Big", "small", PM_REG_DWORD, "\1\0\0\0", 4);
    set_ok(st, "Software\\Big", "shrinks", PM_REG_BINARY, big, 50000);
    set_ok(st, "Software\\Big", "SHRINKS", PM_REG_BINARY, "ab", 2);
    set_ok(st, "Software\\Big", "deleted", PM_REG_BINARY, big, 40000);
    assert_int_equal(pm_store_delete_value(st, "Software\\Big", "Deleted", &err), 1);
    set_ok(st, "Software\\Gone\\Sub", "x", PM_REG_BINARY, big, 40000);
    assert_int_equal(pm_store_delete_key(st, "software\\gone", &err), 1);
    assert_int_equal(pm_store_commit(st, &err), 0);

    /* A rolled-back big value leaves no trace. */
    assert_int_equal(pm_store_begin(st, &err), 0);
    set_ok(st, "Software\\Big", "v16345", PM_REG_BINARY, big + 9, 30000);
    assert_int_equal(pm_store_rollback(st, &err), 0);
    assert_value(st, "Software\\Big", "v16345", PM_REG_BINARY, big + 1, 16345);
    /* A later commit that rewrites the key's value list keeps the big values big. */
    set_ok(st, "Software\\Big", "later", PM_REG_DWORD, "\2\0\0\0", 4);
    pm_store_close(st);

    st = open_hive(file, PM_STORE_READONLY);
    for (size_t i = 0; i < PM_ARRAY_SIZE(sizes); i++) {
        char name[32];
        snprintf(name, sizeof(name), "v%zu", sizes[i]);
        assert_value(st, "Software\\Big", name, PM_REG_BINARY, big + i, sizes[i]);
    }
    assert_value(st, "Software\\Big", "small", PM_REG_DWORD, "\1\0\0\0", 4);
    assert_value(st, "Software\\Big", "shrinks", PM_REG_BINARY, "ab", 2);
    struct pm_strlist l = PM_STRLIST_INIT;
    assert_int_equal(pm_store_values(st, "Software\\Big", &l, &err), 1);
    assert_int_equal(l.n, 7);
    pm_strlist_release(&l);
    assert_int_equal(pm_store_key_exists(st, "Software\\Gone", &err), 0);
    pm_store_close(st);

    /* In the file: one cell up to 16344 bytes, a db cell above. */
    size_t flen = 0;
    uint8_t *raw = (uint8_t *)pmt_read_file(file, &flen);
    assert_non_null(raw);
    hive_h *h = hivex_open(file, 0);
    assert_non_null(h);
    hive_node_h n = hivex_node_get_child(h, hivex_root(h), "Software");
    n = hivex_node_get_child(h, n, "Big");
    assert_true(n != 0);
    for (size_t i = 0; i < PM_ARRAY_SIZE(sizes); i++) {
        char name[32];
        snprintf(name, sizeof(name), "v%zu", sizes[i]);
        hive_value_h v = hivex_node_get_value(h, n, name);
        assert_true(v != 0);
        size_t dlen = 0;
        hive_value_h cell = hivex_value_data_cell_offset(h, v, &dlen);
        assert_true(cell != 0 && cell + 6 < flen);
        int is_db = memcmp(raw + cell + 4, "db", 2) == 0;
        assert_int_equal(is_db, sizes[i] > 16344);
    }
    hivex_close(h);
    free(raw);
    free(big);
    free(file);
}

/* Key and value names match case-insensitively, Latin letters beyond ASCII included; setting a
 * value under another spelling replaces it and keeps the first spelling. */
static void test_names_case_insensitive(void **state)
{
    (void)state;
    char *file = new_hive("case");
    struct pm_store *st = open_hive(file, 0);
    struct pm_error err;
    set_ok(st, "Software\\Äpfel", "Größe", PM_REG_DWORD, "\1\0\0\0", 4);
    assert_value(st, "SOFTWARE\\äPFEL", "GRÖßE", PM_REG_DWORD, "\1\0\0\0", 4);
    assert_int_equal(pm_store_key_exists(st, "software\\APFEL", &err), 0);
    pm_store_close(st);
    free(file);
}

static void test_set_existing_keeps_spelling(void **state)
{
    (void)state;
    char *file = new_hive("spelling");
    struct pm_store *st = open_hive(file, 0);
    struct pm_error err;
    set_ok(st, "Software\\Äpfel", "Größe", PM_REG_DWORD, "\1\0\0\0", 4);
    set_ok(st, "software\\äpfel", "GRöße", PM_REG_SZ, "x\0\0\0", 4);
    struct pm_strlist l = PM_STRLIST_INIT;
    assert_int_equal(pm_store_values(st, "Software\\Äpfel", &l, &err), 1);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.items[0], "Größe");
    pm_strlist_release(&l);
    assert_int_equal(pm_store_subkeys(st, "Software", &l, &err), 1);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.items[0], "Äpfel");
    pm_strlist_release(&l);
    assert_value(st, "Software\\Äpfel", "größe", PM_REG_SZ, "x\0\0\0", 4);
    pm_store_close(st);
    free(file);
}

/* Deleting one value rebuilds the list: the others keep their bytes and order. */
static void test_delete_value_keeps_others(void **state)
{
    (void)state;
    char *file = new_hive("delval");
    struct pm_store *st = open_hive(file, 0);
    struct pm_error err;
    const char *k = "Software\\K";
    assert_int_equal(pm_store_begin(st, &err), 0);
    set_ok(st, k, "a", PM_REG_BINARY, "\1\2\3\4\5", 5);
    set_ok(st, k, "b", PM_REG_DWORD, "\7\0\0\0", 4);
    set_ok(st, k, "c", 99, "zz", 2);
    set_ok(st, k, "d", PM_REG_SZ, "d\0\0\0", 4);
    assert_int_equal(pm_store_commit(st, &err), 0);
    assert_int_equal(pm_store_delete_value(st, k, "B", &err), 1);
    assert_int_equal(pm_store_delete_value(st, k, "b", &err), 0);
    assert_int_equal(pm_store_delete_value(st, "Software\\Missing", "a", &err), 0);
    pm_store_close(st);

    st = open_hive(file, PM_STORE_READONLY);
    struct pm_strlist l = PM_STRLIST_INIT;
    assert_int_equal(pm_store_values(st, k, &l, &err), 1);
    assert_int_equal(l.n, 3);
    assert_string_equal(l.items[0], "a");
    assert_string_equal(l.items[1], "c");
    assert_string_equal(l.items[2], "d");
    pm_strlist_release(&l);
    assert_value(st, k, "a", PM_REG_BINARY, "\1\2\3\4\5", 5);
    assert_value(st, k, "c", 99, "zz", 2);
    assert_value(st, k, "d", PM_REG_SZ, "d\0\0\0", 4);
    pm_store_close(st);
    free(file);
}

static void test_create_and_delete_keys(void **state)
{
    (void)state;
    char *file = new_hive("keys");
    struct pm_store *st = open_hive(file, 0);
    struct pm_error err;
    assert_int_equal(pm_store_create_key(st, "A\\B\\C", &err), 1);
    assert_int_equal(pm_store_create_key(st, "a\\b", &err), 0);
    set_ok(st, "A\\B\\C\\D", "v", PM_REG_DWORD, "\1\0\0\0", 4);
    assert_int_equal(pm_store_delete_key(st, "a\\B", &err), 1);
    assert_int_equal(pm_store_delete_key(st, "A\\B", &err), 0);
    assert_int_equal(pm_store_key_exists(st, "A", &err), 1);
    assert_int_equal(pm_store_key_exists(st, "A\\B\\C", &err), 0);
    pm_store_close(st);
    st = open_hive(file, PM_STORE_READONLY);
    assert_int_equal(pm_store_key_exists(st, "A", &err), 1);
    assert_int_equal(pm_store_key_exists(st, "A\\B", &err), 0);
    pm_store_close(st);
    free(file);
}

/* Many siblings under one key (the store indexes the children of such a key by name): every
 * one is found under any case, found again after siblings are added, deleted and rolled back,
 * and the file read afresh has them all. */
static void test_many_siblings(void **state)
{
    (void)state;
    char *file = new_hive("siblings");
    struct pm_store *st = open_hive(file, 0);
    struct pm_error err;
    char key[64];
    assert_int_equal(pm_store_begin(st, &err), 0);
    for (unsigned i = 0; i < 300; i++) {
        snprintf(key, sizeof(key), "Software\\Many\\K%03u\xc3\xa9", i); /* "K000é" */
        set_ok(st, key, "v", PM_REG_DWORD, &i, 4);
    }
    assert_int_equal(pm_store_commit(st, &err), 0);
    for (unsigned i = 0; i < 300; i++) {
        snprintf(key, sizeof(key), "software\\MANY\\k%03u\xc3\x89", i); /* "k000É" */
        assert_value(st, key, "v", PM_REG_DWORD, &i, 4);
    }
    /* added after the parent was indexed, then deleted: found, then gone */
    assert_int_equal(pm_store_begin(st, &err), 0);
    set_ok(st, "Software\\Many\\Late", "v", PM_REG_DWORD, "\7\0\0\0", 4);
    assert_value(st, "Software\\Many\\LATE", "v", PM_REG_DWORD, "\7\0\0\0", 4);
    assert_int_equal(pm_store_delete_key(st, "Software\\Many\\K007\xc3\xa9", &err), 1);
    assert_int_equal(pm_store_key_exists(st, "Software\\Many\\k007\xc3\xa9", &err), 0);
    assert_int_equal(pm_store_key_exists(st, "Software\\Many\\K008\xc3\xa9", &err), 1);
    set_ok(st, "Software\\Many\\K007\xc3\xa9", "w", PM_REG_DWORD, "\1\0\0\0", 4);
    assert_value(st, "Software\\Many\\K007\xc3\xa9", "w", PM_REG_DWORD, "\1\0\0\0", 4);
    /* a rollback reloads the hive: the index of the old copy must not answer */
    assert_int_equal(pm_store_rollback(st, &err), 0);
    assert_int_equal(pm_store_key_exists(st, "Software\\Many\\Late", &err), 0);
    unsigned seven = 7;
    assert_value(st, "Software\\Many\\K007\xc3\xa9", "v", PM_REG_DWORD, &seven, 4);
    pm_store_close(st);
    st = open_hive(file, PM_STORE_READONLY);
    struct pm_strlist kids = PM_STRLIST_INIT;
    assert_int_equal(pm_store_subkeys(st, "Software\\Many", &kids, &err), 1);
    assert_int_equal(kids.n, 300);
    pm_strlist_release(&kids);
    pm_store_close(st);
    free(file);
}

/* Edits stay in memory until commit; commit puts a new file in place by rename (new inode) and
 * the old file is untouched before that. */
static void test_commit_replaces_by_rename(void **state)
{
    (void)state;
    char *file = new_hive("commit");
    size_t before_len = 0;
    char *before = pmt_read_file(file, &before_len);
    assert_non_null(before);
    ino_t ino = inode_of(file);

    struct pm_store *st = open_hive(file, 0);
    struct pm_error err;
    assert_int_equal(pm_store_begin(st, &err), 0);
    set_ok(st, "Software\\Microsoft", "x", PM_REG_DWORD, "\2\0\0\0", 4);
    assert_file_is(file, before, before_len);
    assert_true(inode_of(file) == ino);
    assert_int_equal(pm_store_commit(st, &err), 0);
    assert_true(inode_of(file) != ino);
    /* The handle is still usable after the commit, and no temporary file is left behind. */
    assert_value(st, "Software\\Microsoft", "x", PM_REG_DWORD, "\2\0\0\0", 4);
    pm_store_close(st);

    hive_h *h = hivex_open(file, 0);
    assert_non_null(h);
    hive_node_h n = hivex_node_get_child(h, hivex_root(h), "Software");
    assert_true(n != 0);
    hivex_close(h);

    struct pm_buf dir = PM_BUF_INIT;
    assert_int_equal(pm_buf_printf(&dir, "%.*s", (int)(strrchr(file, '/') - file), file), 0);
    struct pm_buf cmd = PM_BUF_INIT;
    assert_int_equal(pm_buf_printf(&cmd, "test $(ls -A '%s' | wc -l) -eq 1", dir.data), 0);
    assert_int_equal(system(cmd.data), 0);
    pm_buf_release(&cmd);
    pm_buf_release(&dir);
    free(before);
    free(file);
}

/* Rollback forgets every edit of the transaction; the store then works as before. */
static void test_rollback_restores(void **state)
{
    (void)state;
    char *file = new_hive("rollback");
    struct pm_store *st = open_hive(file, 0);
    struct pm_error err;
    set_ok(st, "Software\\Keep", "v", PM_REG_DWORD, "\1\0\0\0", 4);
    size_t len = 0;
    char *committed = pmt_read_file(file, &len);
    assert_non_null(committed);

    assert_int_equal(pm_store_begin(st, &err), 0);
    set_ok(st, "Software\\Keep", "v", PM_REG_DWORD, "\2\0\0\0", 4);
    set_ok(st, "Software\\New", "w", PM_REG_SZ, "", 0);
    assert_int_equal(pm_store_delete_key(st, "Software\\Keep", &err), 1);
    assert_int_equal(pm_store_rollback(st, &err), 0);

    assert_file_is(file, committed, len);
    assert_value(st, "Software\\Keep", "v", PM_REG_DWORD, "\1\0\0\0", 4);
    assert_int_equal(pm_store_key_exists(st, "Software\\New", &err), 0);
    set_ok(st, "Software\\After", "z", PM_REG_DWORD, "\3\0\0\0", 4);
    pm_store_close(st);

    /* Closing with an open transaction is a rollback too. */
    st = open_hive(file, 0);
    assert_int_equal(pm_store_begin(st, &err), 0);
    set_ok(st, "Software\\Lost", "z", PM_REG_DWORD, "\3\0\0\0", 4);
    pm_store_close(st);
    st = open_hive(file, PM_STORE_READONLY);
    assert_int_equal(pm_store_key_exists(st, "Software\\Lost", &err), 0);
    assert_value(st, "Software\\After", "z", PM_REG_DWORD, "\3\0\0\0", 4);
    pm_store_close(st);
    free(committed);
    free(file);
}

/* A read-only store reads, refuses writes, and leaves the file byte-identical. */
static void test_readonly_leaves_file_alone(void **state)
{
    (void)state;
    char *file = new_hive("readonly");
    struct pm_store *st = open_hive(file, 0);
    set_ok(st, "Software\\X", "v", PM_REG_SZ, "a\0\0\0", 4);
    pm_store_close(st);
    size_t len = 0;
    char *before = pmt_read_file(file, &len);
    assert_non_null(before);
    ino_t ino = inode_of(file);
    assert_int_equal(chmod(file, 0444), 0);

    st = open_hive(file, PM_STORE_READONLY);
    struct pm_error err;
    assert_value(st, "software\\x", "V", PM_REG_SZ, "a\0\0\0", 4);
    assert_true(pm_store_set(st, "Software\\X", "v", PM_REG_SZ, "b\0\0\0", 4, &err) < 0);
    assert_true(pm_store_begin(st, &err) < 0);
    assert_true(pm_store_delete_key(st, "Software\\X", &err) < 0);
    pm_store_close(st);
    assert_file_is(file, before, len);
    assert_true(inode_of(file) == ino);
    free(before);
    free(file);
}

static int open_error(const char *file, unsigned flags, struct pm_error *err)
{
    struct pm_buf spec = PM_BUF_INIT;
    assert_int_equal(pm_buf_printf(&spec, "hive:%s", file), 0);
    struct pm_store *st = NULL;
    pm_error_clear(err);
    int rc = pm_store_open(&st, spec.data, flags, err);
    pm_buf_release(&spec);
    if (rc == 0)
        pm_store_close(st);
    return rc;
}

static void test_missing_and_not_a_hive(void **state)
{
    (void)state;
    char *dir = test_dir("bad");
    struct pm_buf f = PM_BUF_INIT;
    struct pm_error err;
    assert_int_equal(pm_buf_printf(&f, "%s/none.dat", dir), 0);
    assert_int_equal(open_error(f.data, PM_STORE_READONLY, &err), PM_ERR_IO);
    assert_non_null(strstr(err.msg, "cannot open '"));
    assert_non_null(strstr(err.msg, f.data));

    pm_buf_reset(&f);
    assert_int_equal(pm_buf_printf(&f, "%s/empty.dat", dir), 0);
    assert_int_equal(pmt_write_file(f.data, "", 0), 0);
    assert_int_equal(open_error(f.data, PM_STORE_READONLY, &err), PM_ERR_PARSE);
    assert_non_null(strstr(err.msg, f.data));

    pm_buf_reset(&f);
    assert_int_equal(pm_buf_printf(&f, "%s/text.reg", dir), 0);
    char text[9000];
    memset(text, 'x', sizeof(text));
    memcpy(text, "REGEDIT4\r\n", 10);
    assert_int_equal(pmt_write_file(f.data, text, sizeof(text)), 0);
    assert_int_equal(open_error(f.data, 0, &err), PM_ERR_PARSE);
    assert_non_null(strstr(err.msg, "not a valid registry hive"));

    /* A hive the user may not write is refused up front when opened for writing. */
    char *ro = new_hive("ro");
    assert_int_equal(chmod(ro, 0444), 0);
    if (geteuid() != 0) {
        assert_int_equal(open_error(ro, 0, &err), PM_ERR_IO);
        assert_non_null(strstr(err.msg, ro));
    }
    assert_int_equal(open_error(ro, PM_STORE_READONLY, &err), 0);
    free(ro);
    free(dir);
    pm_buf_release(&f);
}

/* Reads every key and value; returns the number of errors seen (failures are fine, crashes are
 * not). */
static int walk(struct pm_store *st, const char *path, int depth, unsigned long *budget)
{
    if (depth > 64 || *budget == 0)
        return 0;
    (*budget)--;
    struct pm_error err;
    struct pm_strlist subs = PM_STRLIST_INIT, vals = PM_STRLIST_INIT;
    int errors = 0;
    if (pm_store_values(st, path, &vals, &err) < 0)
        errors++;
    for (size_t i = 0; i < vals.n; i++) {
        struct pm_value v = PM_VALUE_INIT;
        if (pm_store_get(st, path, vals.items[i], &v, &err) < 0)
            errors++;
        pm_value_release(&v);
    }
    if (pm_store_subkeys(st, path, &subs, &err) < 0)
        errors++;
    for (size_t i = 0; i < subs.n; i++) {
        struct pm_buf child = PM_BUF_INIT;
        assert_int_equal(pm_buf_printf(&child, "%s%s%s", path, *path ? "\\" : "", subs.items[i]),
                         0);
        errors += walk(st, child.data, depth + 1, budget);
        pm_buf_release(&child);
    }
    pm_strlist_release(&subs);
    pm_strlist_release(&vals);
    return errors;
}

/* Damaged copies of a populated hive: truncated at many lengths and with bytes flipped all over
 * the hive bins. Each either opens and can be walked, or fails to open with an error that names
 * the file; none may crash (ASan and UBSan builds watch for it). */
static void test_damaged_hives(void **state)
{
    (void)state;
    char *file = new_hive("damaged");
    struct pm_store *st = open_hive(file, 0);
    assert_int_equal(pm_store_begin(st, NULL), 0);
    for (int i = 0; i < 12; i++) {
        char key[64], name[16];
        snprintf(key, sizeof(key), "Software\\K%d\\Sub ü%d", i % 4, i);
        snprintf(name, sizeof(name), "v%d", i);
        set_ok(st, key, name, (uint32_t)(i % 8), "0123456789abcdefghijklmnopqrstuvwxyz", (size_t)(i * 3));
    }
    assert_int_equal(pm_store_commit(st, NULL), 0);
    pm_store_close(st);
    size_t len = 0;
    char *good = pmt_read_file(file, &len);
    assert_non_null(good);
    char *bad = malloc(len);
    assert_non_null(bad);

    struct pm_buf copy = PM_BUF_INIT;
    assert_int_equal(pm_buf_printf(&copy, "%s.bad", file), 0);
    unsigned long opened = 0, refused = 0;
    struct pm_error err;
    for (size_t cut = 0; cut < len; cut += 509) {
        assert_int_equal(pmt_write_file(copy.data, good, cut), 0);
        int rc = open_error(copy.data, PM_STORE_READONLY, &err);
        assert_true(rc < 0); /* a hive cut short is never taken whole */
        assert_non_null(strstr(err.msg, copy.data));
        refused++;
    }
    for (size_t pos = 0x1000; pos < len; pos += 3) {
        memcpy(bad, good, len);
        bad[pos] ^= (char)(0x5a + pos % 7);
        if (pos + 1 < len)
            bad[pos + 1] = (char)0xff;
        assert_int_equal(pmt_write_file(copy.data, bad, len), 0);
        struct pm_buf spec = PM_BUF_INIT;
        assert_int_equal(pm_buf_printf(&spec, "hive:%s", copy.data), 0);
        int rc = pm_store_open(&st, spec.data, PM_STORE_READONLY, &err);
        pm_buf_release(&spec);
        if (rc < 0) {
            assert_non_null(strstr(err.msg, copy.data));
            refused++;
            continue;
        }
        unsigned long budget = 10000;
        (void)walk(st, "", 0, &budget);
        pm_store_close(st);
        opened++;
    }
    /* A flipped byte in the base block breaks the checksum. */
    memcpy(bad, good, len);
    bad[0x30] ^= 1;
    assert_int_equal(pmt_write_file(copy.data, bad, len), 0);
    assert_int_equal(open_error(copy.data, PM_STORE_READONLY, &err), PM_ERR_PARSE);
    print_message("damaged hives: %lu opened and walked, %lu refused\n", opened, refused);
    assert_true(opened > 0);
    pm_buf_release(&copy);
    free(bad);
    free(good);
    free(file);
}

#else /* !PM_HAVE_HIVEX */

/* Without libhivex the backend is left out, and says so instead of failing oddly. */
static void test_hive_unavailable(void **state)
{
    (void)state;
    struct pm_store *st = NULL;
    struct pm_error err;
    assert_int_equal(pm_store_open(&st, "hive:/nonexistent", 0, &err), PM_ERR_UNSUPPORTED);
    assert_int_equal(pm_store_backend_available("hive"), 0);
}

#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
#ifndef PM_HAVE_HIVEX
        cmocka_unit_test(test_hive_unavailable),
#else
        cmocka_unit_test(test_generated_hive_opens_with_hivex),
        cmocka_unit_test(test_round_trip_every_type),
        cmocka_unit_test(test_big_values),
        cmocka_unit_test(test_names_case_insensitive),
        cmocka_unit_test(test_set_existing_keeps_spelling),
        cmocka_unit_test(test_delete_value_keeps_others),
        cmocka_unit_test(test_create_and_delete_keys),
        cmocka_unit_test(test_many_siblings),
        cmocka_unit_test(test_commit_replaces_by_rename),
        cmocka_unit_test(test_rollback_restores),
        cmocka_unit_test(test_readonly_leaves_file_alone),
        cmocka_unit_test(test_missing_and_not_a_hive),
        cmocka_unit_test(test_damaged_hives),
#endif
    };
#ifdef PM_HAVE_HIVEX
    return cmocka_run_group_tests(tests, make_base, remove_base);
#else
    return cmocka_run_group_tests(tests, NULL, NULL);
#endif
}
