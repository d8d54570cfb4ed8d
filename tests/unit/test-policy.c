/* Tests of the Group Policy checks: each policy that contradicts the config or blinds
 * Autodiscover yields exactly one warning naming the key and value; agreeing policies, policies
 * of absent versions and unrelated keys yield none; every Office version present is checked. */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "pm/config.h"
#include "pm/policy.h"
#include "pm/store.h"

#define POL16 "Software\\Policies\\Microsoft\\Office\\16.0\\Outlook"
#define POL15 "Software\\Policies\\Microsoft\\Office\\15.0\\Outlook"

struct fx {
    struct pm_store *st;
    struct pm_config cfg;
    struct pm_policy_report rep;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct pm_error err;
    pm_error_clear(&err);
    assert_non_null(f);
    assert_int_equal(pm_store_open(&f->st, "mem:", 0, &err), 0);
    pm_config_defaults(&f->cfg);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    pm_policy_report_release(&f->rep);
    pm_config_release(&f->cfg);
    pm_store_close(f->st);
    free(f);
    return 0;
}

static void put_dword(struct fx *f, const char *key, const char *name, uint32_t n)
{
    uint8_t b[4] = {(uint8_t)n, (uint8_t)(n >> 8), (uint8_t)(n >> 16), (uint8_t)(n >> 24)};
    assert_int_equal(pm_store_set(f->st, key, name, PM_REG_DWORD, b, 4, NULL), 0);
}

static void put_sz(struct fx *f, const char *key, const char *name, const char *s)
{
    struct pm_buf w = PM_BUF_INIT;
    assert_int_equal(pm_utf8_to_utf16le(s, strlen(s), 1, &w), 0);
    assert_int_equal(pm_store_set(f->st, key, name, PM_REG_SZ, w.data, w.len, NULL), 0);
    pm_buf_release(&w);
}

static size_t check(struct fx *f)
{
    struct pm_error err;
    pm_error_clear(&err);
    pm_policy_report_release(&f->rep);
    assert_int_equal(pm_policy_check(f->st, &f->cfg, &f->rep, &err), 0);
    return f->rep.n;
}

/* Index of the warning about key\value, or -1. */
static long find(const struct fx *f, const char *key, const char *value)
{
    for (size_t i = 0; i < f->rep.n; i++)
        if (strcmp(f->rep.items[i].key, key) == 0 &&
            pm_name_casecmp(f->rep.items[i].value, value) == 0)
            return (long)i;
    return -1;
}

static void test_empty_registry_no_warnings(void **state)
{
    struct fx *f = *state;
    f->cfg.cached_mode = PM_ENABLE;
    f->cfg.outlook_anywhere = PM_ENABLE;
    assert_int_equal(check(f), 0);
}

static void test_cached_mode_contradiction(void **state)
{
    struct fx *f = *state;
    put_dword(f, POL16 "\\Cached Mode", "enable", 0);
    /* keep: the config does not touch cached mode, so the policy contradicts nothing */
    assert_int_equal(check(f), 0);
    f->cfg.cached_mode = PM_ENABLE;
    assert_int_equal(check(f), 1);
    long i = find(f, "HKCU\\" POL16 "\\Cached Mode", "enable");
    assert_true(i >= 0);
    assert_string_equal(f->rep.items[i].data, "0");
    assert_non_null(strstr(f->rep.items[i].msg, "CachedMode=enable"));
    /* agreeing policy: no warning */
    put_dword(f, POL16 "\\Cached Mode", "enable", 1);
    assert_int_equal(check(f), 0);
    f->cfg.cached_mode = PM_DISABLE;
    assert_int_equal(check(f), 1);
}

static void test_shared_folders_and_favorites(void **state)
{
    struct fx *f = *state;
    put_dword(f, POL16 "\\Cached Mode", "downloadsharedfolders", 0);
    put_dword(f, POL16 "\\Cached Mode", "cacheothersmail", 0);
    put_dword(f, POL16 "\\Cached Mode", "syncpffav", 1);
    f->cfg.download_shared = PM_ENABLE;
    f->cfg.download_pf_fav = PM_DISABLE;
    assert_int_equal(check(f), 3);
    assert_true(find(f, "HKCU\\" POL16 "\\Cached Mode", "downloadsharedfolders") >= 0);
    assert_true(find(f, "HKCU\\" POL16 "\\Cached Mode", "cacheothersmail") >= 0);
    assert_true(find(f, "HKCU\\" POL16 "\\Cached Mode", "syncpffav") >= 0);
}

static void test_values_written_as_text(void **state)
{
    struct fx *f = *state;
    /* hand-made .reg files and old templates write numbers as strings */
    put_sz(f, POL16 "\\Cached Mode", "enable", "0");
    f->cfg.cached_mode = PM_ENABLE;
    assert_int_equal(check(f), 1);
    /* a string that is no number is not guessed at */
    put_sz(f, POL16 "\\Cached Mode", "enable", "off");
    assert_int_equal(check(f), 0);
}

static void test_every_version_present(void **state)
{
    struct fx *f = *state;
    f->cfg.cached_mode = PM_ENABLE;
    put_dword(f, POL15 "\\Cached Mode", "enable", 0);
    put_dword(f, POL16 "\\Cached Mode", "enable", 0);
    /* not an Office version: ignored */
    put_dword(f, "Software\\Policies\\Microsoft\\Office\\Common\\Outlook\\Cached Mode", "enable",
              0);
    assert_int_equal(check(f), 2);
    assert_true(find(f, "HKCU\\" POL15 "\\Cached Mode", "enable") >= 0);
    assert_true(find(f, "HKCU\\" POL16 "\\Cached Mode", "enable") >= 0);
}

static void test_no_ost_policy(void **state)
{
    struct fx *f = *state;
    put_dword(f, POL16 "\\OST", "noost", 2);
    assert_int_equal(check(f), 0);
    f->cfg.cached_mode = PM_ENABLE;
    assert_int_equal(check(f), 1);
    assert_true(find(f, "HKCU\\" POL16 "\\OST", "noost") >= 0);
}

static void test_rpc_policies(void **state)
{
    struct fx *f = *state;
    put_sz(f, POL16 "\\RPC", "proxyservername", "OLD.example.com");
    put_sz(f, POL16 "\\RPC", "proxyserverprincipalname", "msstd:old.example.com");
    put_dword(f, POL16 "\\RPC", "proxyauthenticationservice", 1);
    /* USE_ROH | SSL_ONLY | HTTP_FIRST_ON_SLOW */
    put_dword(f, POL16 "\\RPC", "proxyserverflags", 0x23);
    /* nothing in the config about Outlook Anywhere: nothing to contradict */
    assert_int_equal(check(f), 0);

    f->cfg.outlook_anywhere = PM_ENABLE;
    f->cfg.proxy_server = strdup("old.example.com"); /* same host, other case: agrees */
    f->cfg.proxy_principal = strdup("msstd:new.example.com");
    f->cfg.proxy_auth = PM_PROXY_AUTH_NTLM;
    f->cfg.proxy_ssl_only = 1;  /* agrees */
    f->cfg.proxy_http_fast = 1; /* policy has it off */
    f->cfg.proxy_http_slow = 0; /* policy has it on */
    assert_int_equal(check(f), 4);
    assert_int_equal(find(f, "HKCU\\" POL16 "\\RPC", "proxyservername"), -1);
    assert_true(find(f, "HKCU\\" POL16 "\\RPC", "proxyserverprincipalname") >= 0);
    assert_true(find(f, "HKCU\\" POL16 "\\RPC", "proxyauthenticationservice") >= 0);
    assert_true(find(f, "HKCU\\" POL16 "\\RPC", "proxyserverflags") >= 0);

    /* turning Outlook Anywhere off while the policy configures it */
    pm_config_release(&f->cfg);
    pm_config_defaults(&f->cfg);
    f->cfg.outlook_anywhere = PM_DISABLE;
    assert_int_equal(check(f), 2); /* the proxy name, and the USE_ROH flag */
}

static void test_autodiscover_switches(void **state)
{
    struct fx *f = *state;
    const char *pol = POL16 "\\AutoDiscover";
    const char *own = "Software\\Microsoft\\Office\\16.0\\Outlook\\AutoDiscover";
    /* harmless values */
    put_dword(f, pol, "ExcludeHttpsRootDomain", 0);
    put_dword(f, pol, "ExcludeLastKnownGoodUrl", 1);
    put_dword(f, own, "PreferLocalXML", 0);
    assert_int_equal(check(f), 0);

    put_dword(f, pol, "ExcludeHttpsRootDomain", 1);
    put_dword(f, pol, "ExcludeSrvRecord", 1);
    put_dword(f, pol, "ExcludeScpLookup", 0);
    put_dword(f, pol, "ZeroConfigExchange", 1);
    put_dword(f, own, "PreferLocalXML", 1);
    put_dword(f, own, "ExcludeLastKnownGoodUrl", 0);
    /* The user's own key is the outside-the-profile scan's (test-outside.c): policies only. */
    assert_int_equal(check(f), 4);
    assert_true(find(f, "HKCU\\" POL16 "\\AutoDiscover", "ExcludeHttpsRootDomain") >= 0);
    assert_true(find(f, "HKCU\\" POL16 "\\AutoDiscover", "ExcludeSrvRecord") >= 0);
    assert_true(find(f, "HKCU\\" POL16 "\\AutoDiscover", "ExcludeScpLookup") >= 0);
    assert_true(find(f, "HKCU\\" POL16 "\\AutoDiscover", "ZeroConfigExchange") >= 0);
    assert_true(find(f, "HKCU\\Software\\Microsoft\\Office\\16.0\\Outlook\\AutoDiscover",
                     "PreferLocalXML") < 0);
}

static void test_pinned_global_catalog(void **state)
{
    struct fx *f = *state;
    put_sz(f, "Software\\Microsoft\\Exchange\\Exchange Provider", "DS Server",
           "gc01.old.example.com");
    assert_int_equal(check(f), 1);
    assert_string_equal(f->rep.items[0].data, "gc01.old.example.com");
    put_sz(f, "Software\\Microsoft\\Exchange\\Exchange Provider", "DS Server", "");
    assert_int_equal(check(f), 0);
}

static void test_read_only(void **state)
{
    struct fx *f = *state;
    f->cfg.cached_mode = PM_ENABLE;
    put_dword(f, POL16 "\\Cached Mode", "enable", 0);
    pm_store_fault_at(f->st, 1); /* any write from here on would fail */
    assert_int_equal(check(f), 1);
    assert_int_equal(pm_store_mutation_count(f->st), 0);
    pm_store_fault_at(f->st, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_empty_registry_no_warnings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cached_mode_contradiction, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shared_folders_and_favorites, setup, teardown),
        cmocka_unit_test_setup_teardown(test_values_written_as_text, setup, teardown),
        cmocka_unit_test_setup_teardown(test_every_version_present, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_ost_policy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rpc_policies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_autodiscover_switches, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pinned_global_catalog, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_only, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
