/* The in-memory registry tree behind the mem and reg stores: children are found by name, in the
 * registry's case folding, whether a key has a few children (scanned) or many (found through the
 * hash index), and the index follows deletions and a cleared tree. */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the four above, which it needs */

#include <stdio.h>
#include <string.h>

#include "memtree.h"

static void test_many_children_found_case_insensitively(void **state)
{
    (void)state;
    struct pm_mtkey *root = pm_mtkey_new("");
    assert_non_null(root);
    char path[64];
    int created;
    for (int i = 0; i < 5000; i++) {
        snprintf(path, sizeof(path), "Software\\Key%05d", i);
        assert_non_null(pm_mtkey_create(root, path, &created));
        assert_int_equal(created, 1);
    }
    /* Non-ASCII names fold as the registry folds them. */
    assert_non_null(pm_mtkey_create(root, "Software\\Zo\xc3\xab \xe2\x80\x93 Priv\xc3\xa9", &created));
    assert_int_equal(created, 1);
    for (int i = 0; i < 5000; i += 7) {
        snprintf(path, sizeof(path), "SOFTWARE\\kEY%05d", i);
        struct pm_mtkey *k = pm_mtkey_find(root, path);
        assert_non_null(k);
        snprintf(path, sizeof(path), "Key%05d", i);
        assert_string_equal(k->name, path);
    }
    assert_non_null(pm_mtkey_find(root, "software\\ZO\xc3\x8b \xe2\x80\x93 PRIV\xc3\x89"));
    assert_null(pm_mtkey_find(root, "Software\\Key05000"));
    /* Creating an existing name again finds it, in any case. */
    assert_non_null(pm_mtkey_create(root, "software\\KEY00042", &created));
    assert_int_equal(created, 0);
    pm_mtkey_free(root);
}

static void test_index_follows_deletions(void **state)
{
    (void)state;
    struct pm_mtkey *root = pm_mtkey_new("");
    char path[32];
    int created;
    for (int i = 0; i < 100; i++) {
        snprintf(path, sizeof(path), "K%03d", i);
        assert_non_null(pm_mtkey_create(root, path, &created));
    }
    assert_non_null(pm_mtkey_find(root, "k050"));
    /* Every other child deleted: the rest are still found at their new places. */
    for (int i = 0; i < 100; i += 2) {
        snprintf(path, sizeof(path), "k%03d", i);
        assert_int_equal(pm_mtkey_delete(root, path), 1);
    }
    for (int i = 0; i < 100; i++) {
        snprintf(path, sizeof(path), "K%03d", i);
        struct pm_mtkey *k = pm_mtkey_find(root, path);
        if (i % 2)
            assert_non_null(k);
        else
            assert_null(k);
    }
    /* Added again after the deletions: one key, not two. */
    assert_non_null(pm_mtkey_create(root, "K010", &created));
    assert_int_equal(created, 1);
    assert_non_null(pm_mtkey_create(root, "k010", &created));
    assert_int_equal(created, 0);
    assert_int_equal(root->nsubs, 51);
    pm_mtkey_free(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_many_children_found_case_insensitively),
        cmocka_unit_test(test_index_follows_deletions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
