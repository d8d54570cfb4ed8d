/* An account whose identity or settings section cannot be trusted is left alone as a whole: a
 * warning names the key, the decision says skipped, and not one value of any of its sections is
 * edited (updating its stores apart from the account would leave it half migrated). Stores of
 * other mailboxes in the same profile are still decided on their own. */
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

static unsigned warnings;
static char last_warning[1024];

static void on_warn(void *ctx, const char *where, unsigned line, const char *msg)
{
    (void)ctx;
    (void)line;
    warnings++;
    snprintf(last_warning, sizeof(last_warning), "%s: %s", where ? where : "", msg);
}

/* Builds office16, lets 'damage' spoil alice's account, plans with the scenario's PUF, and
 * checks that nothing of alice's account is edited while bob's delegate store still is. */
static void check_left_alone(void (*damage)(struct pm_store *, const struct pmt_mailbox *),
                             const char *warning_part)
{
    struct pm_error err;
    pm_error_clear(&err);
    struct pm_store *st;
    struct pmt_manifest man;
    pmt_manifest_init(&man);
    assert_int_equal(pm_store_open(&st, "mem:", 0, &err), 0);
    assert_int_equal(pmt_fixture_build(st, "office16", PMT_BEFORE, &man, &err), 0);
    const struct pmt_mailbox *alice = NULL, *bob = NULL;
    for (size_t i = 0; i < man.n; i++) {
        if (!strcmp(man.mb[i].role, "account") && strstr(man.mb[i].source_dn, "cn=alice"))
            alice = &man.mb[i];
        if (!strcmp(man.mb[i].role, "delegate") && strstr(man.mb[i].source_dn, "cn=bob") &&
            strstr(man.mb[i].profile, "\\Outlook"))
            bob = &man.mb[i];
    }
    assert_non_null(alice);
    assert_non_null(bob);
    damage(st, alice);

    const char *dir = pmt_tempdir("damaged");
    char puf[1024];
    snprintf(puf, sizeof(puf), "%s/mbm.puf", dir);
    assert_int_equal(pmt_write_file(puf, man.puf_now.data, man.puf_now.len), 0);
    struct pm_config cfg;
    assert_int_equal(pm_config_parse(&cfg, puf, man.config.data, man.config.len, NULL, NULL, &err),
                     0);

    warnings = 0;
    last_warning[0] = 0;
    struct pm_update u;
    struct pm_update_opts o = {0};
    o.store = st;
    o.puf_path = puf;
    pm_update_begin(&u, &cfg, &o);
    assert_int_equal(pm_update_read(&u, on_warn, NULL, &err), 0);
    assert_true(warnings >= 1);
    assert_non_null(strstr(last_warning, warning_part));
    assert_int_equal(pm_update_resolve(&u, NULL, NULL, &err), 0);
    assert_int_equal(pm_update_plan(&u, &err), 0);
    const struct pm_plan *pl = &u.plan;

    int bob_edited = 0;
    for (size_t e = 0; e < pl->nedits; e++) {
        for (size_t k = 0; k < alice->sections.n; k++)
            if (!pm_name_casecmp(pl->edits[e].key, alice->sections.items[k]))
                fail_msg("alice's section %s edited (%s)", pl->edits[e].key, pl->edits[e].name);
        if (!pm_name_casecmp(pl->edits[e].key, bob->store))
            bob_edited = 1;
    }
    assert_true(bob_edited);
    int skipped = 0;
    for (size_t i = 0; i < pl->ndecisions; i++)
        if (pl->decisions[i].kind == PM_DEC_SKIPPED && pl->decisions[i].section < 0 &&
            strstr(pl->decisions[i].reason, "damaged"))
            skipped++;
    assert_int_equal(skipped, 1);

    pm_update_end(&u, 0, NULL);
    pm_config_release(&cfg);
    pm_store_close(st);
    pmt_manifest_release(&man);
    free((char *)dir);
}

static void nul_inside_dn(struct pm_store *st, const struct pmt_mailbox *a)
{
    /* PR_PROFILE_USER as 8-bit text with a NUL after 20 characters: read naively it is a
     * different, shorter DN. */
    size_t n = strlen(a->source_dn);
    char *v = malloc(n + 2);
    assert_non_null(v);
    memcpy(v, a->source_dn, n + 1);
    v[20] = 0;
    v[n + 1] = 0;
    assert_int_equal(pm_store_set(st, a->emsmdb, "001e6603", PM_REG_BINARY, v, n + 2, NULL), 0);
    free(v);
}

static void control_char_dn(struct pm_store *st, const struct pmt_mailbox *a)
{
    struct pm_buf b = PM_BUF_INIT;
    assert_int_equal(pm_buf_printf(&b, "%s\x01", a->source_dn), 0);
    struct pm_buf w = PM_BUF_INIT;
    assert_int_equal(pm_utf8_to_utf16le(b.data, b.len, 1, &w), 0);
    assert_int_equal(pm_store_set(st, a->emsmdb, "001e6603", PM_REG_SZ, w.data, w.len, NULL), 0);
    pm_buf_release(&b);
    pm_buf_release(&w);
}

static void short_emsmdb_uid(struct pm_store *st, const struct pmt_mailbox *a)
{
    /* The service section is the account's section whose 01023d15 names the EMSMDB key. */
    const char *key = strrchr(a->emsmdb, '\\') + 1;
    for (size_t i = 0; i < a->sections.n; i++) {
        struct pm_value v = PM_VALUE_INIT;
        if (pm_store_get(st, a->sections.items[i], "01023d15", &v, NULL) == 1 && v.len == 16) {
            char hex[33];
            pm_hex_lower(v.data, 16, hex);
            if (!strcmp(hex, key) && !strstr(a->sections.items[i], key))
                assert_int_equal(
                    pm_store_set(st, a->sections.items[i], "01023d15", PM_REG_BINARY, "\1\2", 2,
                                 NULL),
                    0);
        }
        pm_value_release(&v);
    }
}

static void test_nul_inside_dn(void **state)
{
    (void)state;
    check_left_alone(nul_inside_dn, "PR_PROFILE_USER is not a legacyExchangeDN");
}

static void test_control_char_dn(void **state)
{
    (void)state;
    check_left_alone(control_char_dn, "PR_PROFILE_USER is not a legacyExchangeDN");
}

static void test_short_emsmdb_uid(void **state)
{
    (void)state;
    check_left_alone(short_emsmdb_uid, "PR_EMSMDB_SECTION_UID");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nul_inside_dn),
        cmocka_unit_test(test_control_char_dn),
        cmocka_unit_test(test_short_emsmdb_uid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
