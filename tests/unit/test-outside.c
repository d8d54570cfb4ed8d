/* Tests of the settings outside the profile (pm/outside.h), on every file store of the build
 * ("mem:", "reg:", "hive:" where built): the scan finds each planted Autodiscover, MAPI/HTTP and
 * identity entry of a source mailbox and nothing of other organisations or of the policies; the
 * report mode removes nothing; the clean backs up and removes exactly the removable ones; the
 * restore brings them back value for value, refuses to overwrite a value set again without
 * force, and refuses a backup naming any other place; the config keys parse. */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pm/config.h"
#include "pm/os.h"
#include "pm/log.h"
#include "pm/outside.h"
#include "pm/report.h"
#include "pm/store.h"
#include "testutil.h"

#define AD16 "Software\\Microsoft\\Office\\16.0\\Outlook\\AutoDiscover"
#define AD15 "Software\\Microsoft\\Office\\15.0\\Outlook\\AutoDiscover"
#define POLAD16 "Software\\Policies\\Microsoft\\Office\\16.0\\Outlook\\AutoDiscover"
#define EXCH "Software\\Microsoft\\Exchange"
#define IDS "Software\\Microsoft\\Office\\16.0\\Common\\Identity\\Identities"
#define IDP "Software\\Microsoft\\Office\\16.0\\Common\\Identity\\Profiles"

static const char reg_header[] = "\xff\xfeW\0i\0n\0d\0o\0w\0s\0 \0R\0e\0g\0i\0s\0t\0r\0y\0 \0E\0d\0"
                                 "i\0t\0o\0r\0 \0V\0e\0r\0s\0i\0o\0n\0 \0"
                                 "5\0.\0"
                                 "0\0"
                                 "0\0\r\0\n\0";

struct fx {
    const char *backend;
    char file[1200];
    char spec[1300];
    char dir[600];
    struct pm_store *st;
    struct pm_config cfg;
    struct pm_outside_targets t;
    struct pm_outside o;
};

static int setup_backend(void **state, const char *backend)
{
    struct fx *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    f->backend = backend;
    static const char *base; /* one folder for the run (pmt_tempdir keeps it), one per test */
    static unsigned seq;
    if (!base)
        base = pmt_tempdir("outside");
    snprintf(f->dir, sizeof(f->dir), "%s/%u", base, seq++);
    assert_int_equal(pm_os_mkdirs(f->dir), 0);
    if (!strcmp(backend, "mem"))
        snprintf(f->spec, sizeof(f->spec), "mem:");
    else {
        snprintf(f->file, sizeof(f->file), "%s/store.%s", f->dir,
                 !strcmp(backend, "reg") ? "reg" : "dat");
        int rc = !strcmp(backend, "reg")
                     ? pmt_write_file(f->file, reg_header, sizeof(reg_header) - 1)
                     : pmt_write_empty_hive(f->file);
        assert_int_equal(rc, 0);
        snprintf(f->spec, sizeof(f->spec), "%s:%s", backend, f->file);
    }
    assert_int_equal(pm_store_open(&f->st, f->spec, 0, NULL), 0);
    pm_config_defaults(&f->cfg);
    /* The migrated mailbox: old@src.example moved to new@tgt.example. */
    assert_int_equal(pm_strlist_add(&f->t.names, "old@src.example"), 0);
    assert_int_equal(pm_strlist_add(&f->t.domains, "src.example"), 0);
    assert_int_equal(pm_strlist_add(&f->t.keep, "new@tgt.example"), 0);
    f->t.migrated = 1;
    *state = f;
    return 0;
}

static int setup_mem(void **state)
{
    return setup_backend(state, "mem");
}
static int setup_reg(void **state)
{
    return setup_backend(state, "reg");
}
static int setup_hive(void **state)
{
    if (!pm_store_backend_available("hive"))
        return setup_backend(state, "mem");
    return setup_backend(state, "hive");
}

static int teardown(void **state)
{
    struct fx *f = *state;
    pm_outside_release(&f->o);
    pm_outside_targets_release(&f->t);
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

static int has(struct fx *f, const char *key, const char *name)
{
    struct pm_value v = PM_VALUE_INIT;
    int rc = pm_store_get(f->st, key, name, &v, NULL);
    pm_value_release(&v);
    return rc;
}

/* Every value of point 2 and an identity of the source and of the target. */
static void plant(struct fx *f)
{
    assert_int_equal(pm_store_begin(f->st, NULL), 0);
    put_dword(f, AD16, "PreferLocalXML", 1);
    put_dword(f, AD16, "ExcludeExplicitO365Endpoint", 1);
    put_dword(f, AD16, "ExcludeHttpsRootDomain", 1);
    put_dword(f, AD16, "ExcludeScpLookup", 0);
    put_dword(f, AD16, "ExcludeSrvRecord", 1);
    put_dword(f, AD16, "ExcludeLastKnownGoodUrl", 0);
    put_dword(f, AD16, "ExcludeHttpRedirect", 0); /* the default: nothing to say */
    put_sz(f, AD16, "src.example", "C:\\ad\\src.xml");
    put_sz(f, AD16, "other.example", "C:\\ad\\other.xml");
    put_sz(f, AD16 "\\RedirectServers", "mail.src.example", "");
    put_sz(f, AD16 "\\RedirectServers", "mail.other.example", "");
    put_dword(f, AD15, "ExcludeSrvRecord", 1);
    put_dword(f, POLAD16, "PreferLocalXML", 1);
    put_dword(f, EXCH, "MapiHttpDisabled", 1);
    put_sz(f, EXCH, "Unrelated", "x");
    put_sz(f, IDS "\\1111_ADAL", "SignInName", "Old@Src.Example");
    put_sz(f, IDS "\\1111_ADAL", "ProviderId", "ADAL");
    put_sz(f, IDP "\\1111_ADAL", "Data", "x");
    put_sz(f, IDS "\\2222_ADAL", "SignInName", "new@tgt.example");
    put_sz(f, IDS "\\3333_ADAL", "EmailAddress", "someone@elsewhere.example");
    assert_int_equal(pm_store_commit(f->st, NULL), 0);
}

static long find(const struct pm_outside *o, const char *key, const char *value)
{
    for (size_t i = 0; i < o->n; i++)
        if (!strcmp(o->items[i].key, key) &&
            (value ? o->items[i].value && !strcmp(o->items[i].value, value) : !o->items[i].value))
            return (long)i;
    return -1;
}

static void test_report_finds_each_and_removes_nothing(void **state)
{
    struct fx *f = *state;
    plant(f);
    assert_int_equal(pm_outside_scan(f->st, &f->cfg, &f->t, &f->o, NULL), 0);
    static const char *const ad[] = {"PreferLocalXML",
                                     "ExcludeExplicitO365Endpoint",
                                     "ExcludeHttpsRootDomain",
                                     "ExcludeScpLookup",
                                     "ExcludeSrvRecord",
                                     "ExcludeLastKnownGoodUrl",
                                     "src.example"};
    for (size_t i = 0; i < sizeof(ad) / sizeof(ad[0]); i++)
        assert_true(find(&f->o, AD16, ad[i]) >= 0);
    assert_true(find(&f->o, AD16 "\\RedirectServers", "mail.src.example") >= 0);
    assert_true(find(&f->o, AD15, "ExcludeSrvRecord") >= 0);
    assert_true(find(&f->o, EXCH, "MapiHttpDisabled") >= 0);
    long id = find(&f->o, IDS "\\1111_ADAL", NULL);
    assert_true(id >= 0);
    assert_string_equal(f->o.items[id].data, "Old@Src.Example");
    assert_true(find(&f->o, IDP "\\1111_ADAL", NULL) >= 0);
    /* Not the other organisation, not the target's identity, not the policy, not defaults. */
    assert_int_equal(find(&f->o, AD16, "other.example"), -1);
    assert_int_equal(find(&f->o, AD16, "ExcludeHttpRedirect"), -1);
    assert_int_equal(find(&f->o, AD16 "\\RedirectServers", "mail.other.example"), -1);
    assert_int_equal(find(&f->o, IDS "\\2222_ADAL", NULL), -1);
    assert_int_equal(find(&f->o, IDS "\\3333_ADAL", NULL), -1);
    assert_int_equal(find(&f->o, POLAD16, "PreferLocalXML"), -1);
    assert_int_equal(f->o.n, 12);
    /* report (the default) removes nothing, even with a backup path */
    assert_int_equal(pm_outside_removable(&f->o), 0);
    char bk[1000];
    snprintf(bk, sizeof(bk), "%s/b.outside.reg", f->dir);
    assert_int_equal(pm_outside_clean(f->st, &f->o, bk, NULL), 0);
    assert_int_equal(has(f, AD16, "PreferLocalXML"), 1);
    assert_int_equal(pm_store_key_exists(f->st, IDS "\\1111_ADAL", NULL), 1);
}

/* The values a clean removes, and those it must leave. */
static const struct {
    const char *key, *value;
} removed[] =
    {
        {AD16, "PreferLocalXML"},
        {AD16, "ExcludeExplicitO365Endpoint"},
        {AD16, "ExcludeHttpsRootDomain"},
        {AD16, "ExcludeSrvRecord"},
        {AD16, "src.example"},
        {AD16 "\\RedirectServers", "mail.src.example"},
        {AD15, "ExcludeSrvRecord"},
        {EXCH, "MapiHttpDisabled"},
        {IDS "\\1111_ADAL", "SignInName"},
        {IDS "\\1111_ADAL", "ProviderId"},
        {IDP "\\1111_ADAL", "Data"},
},
  kept[] = {
      {AD16, "ExcludeScpLookup"},
      {AD16, "ExcludeLastKnownGoodUrl"},
      {AD16, "ExcludeHttpRedirect"},
      {AD16, "other.example"},
      {AD16 "\\RedirectServers", "mail.other.example"},
      {POLAD16, "PreferLocalXML"},
      {EXCH, "Unrelated"},
      {IDS "\\2222_ADAL", "SignInName"},
      {IDS "\\3333_ADAL", "EmailAddress"},
};

static void reopen(struct fx *f)
{
    pm_store_close(f->st);
    assert_int_equal(pm_store_open(&f->st, f->spec, 0, NULL), 0);
}

static void test_clean_backs_up_removes_and_restores(void **state)
{
    struct fx *f = *state;
    if (!strcmp(f->backend, "mem"))
        f->spec[0] = 0; /* a mem store cannot be reopened: check in place */
    plant(f);
    f->cfg.autodiscover_clean = 1;
    f->cfg.identity_remove = 1;
    assert_int_equal(pm_outside_scan(f->st, &f->cfg, &f->t, &f->o, NULL), 0);
    assert_int_equal(pm_outside_removable(&f->o), 10);
    char bk[1000];
    snprintf(bk, sizeof(bk), "%s/sub/b.outside.reg", f->dir);
    struct pm_error err;
    pm_error_clear(&err);
    int crc = pm_outside_clean(f->st, &f->o, bk, &err);
    if (crc)
        fprintf(stderr, "%s: %s\n", err.where, err.msg);
    assert_int_equal(crc, 0);
    if (f->spec[0])
        reopen(f);
    for (size_t i = 0; i < sizeof(removed) / sizeof(removed[0]); i++)
        assert_int_equal(has(f, removed[i].key, removed[i].value), 0);
    for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
        assert_int_equal(has(f, kept[i].key, kept[i].value), 1);
    assert_int_equal(pm_store_key_exists(f->st, IDS "\\1111_ADAL", NULL), 0);

    /* A second scan finds only what is reported. */
    pm_outside_release(&f->o);
    assert_int_equal(pm_outside_scan(f->st, &f->cfg, &f->t, &f->o, NULL), 0);
    assert_int_equal(f->o.n, 2);
    assert_int_equal(pm_outside_removable(&f->o), 0);

    size_t len = 0, n = 0;
    char *text = pmt_read_file(bk, &len);
    assert_non_null(text);
    assert_int_equal(pm_outside_restore(f->st, text, len, bk, 0, &n, &err), 0);
    assert_int_equal(n, sizeof(removed) / sizeof(removed[0]));
    if (f->spec[0])
        reopen(f);
    for (size_t i = 0; i < sizeof(removed) / sizeof(removed[0]); i++)
        assert_int_equal(has(f, removed[i].key, removed[i].value), 1);
    struct pm_value v = PM_VALUE_INIT;
    assert_int_equal(pm_store_get(f->st, AD16, "src.example", &v, NULL), 1);
    assert_int_equal(v.type, PM_REG_SZ);
    pm_value_release(&v);
    /* Restoring again changes nothing. */
    assert_int_equal(pm_outside_restore(f->st, text, len, bk, 0, &n, &err), 0);
    assert_int_equal(n, 0);
    /* A value set again since the backup is not overwritten without force. */
    put_dword(f, AD16, "PreferLocalXML", 0);
    assert_int_equal(has(f, EXCH, "MapiHttpDisabled"), 1);
    assert_int_equal(pm_store_delete_value(f->st, EXCH, "MapiHttpDisabled", NULL), 1);
    assert_int_equal(pm_outside_restore(f->st, text, len, bk, 0, &n, &err), PM_ERR_BUSY);
    assert_non_null(strstr(err.msg, "PreferLocalXML"));
    assert_int_equal(has(f, EXCH, "MapiHttpDisabled"), 0); /* all or nothing */
    assert_int_equal(pm_outside_restore(f->st, text, len, bk, 1, &n, &err), 0);
    assert_int_equal(n, 2);
    assert_int_equal(has(f, EXCH, "MapiHttpDisabled"), 1);
    free(text);
}

static void test_nothing_removed_without_migration_or_backup(void **state)
{
    struct fx *f = *state;
    plant(f);
    f->cfg.autodiscover_clean = 1;
    f->cfg.identity_remove = 1;
    f->t.migrated = 0;
    assert_int_equal(pm_outside_scan(f->st, &f->cfg, &f->t, &f->o, NULL), 0);
    assert_int_equal(pm_outside_removable(&f->o), 0);
    pm_outside_release(&f->o);
    f->t.migrated = 1;
    assert_int_equal(pm_outside_scan(f->st, &f->cfg, &f->t, &f->o, NULL), 0);
    assert_int_equal(pm_outside_clean(f->st, &f->o, NULL, NULL), 0); /* no backup: no removal */
    assert_int_equal(has(f, AD16, "PreferLocalXML"), 1);
    /* A backup that cannot be written removes nothing. */
    char bk[1000];
    snprintf(bk, sizeof(bk), "%s/file/b.outside.reg", f->dir);
    char blocker[1000];
    snprintf(blocker, sizeof(blocker), "%s/file", f->dir);
    assert_int_equal(pmt_write_file(blocker, "x", 1), 0);
    assert_true(pm_outside_clean(f->st, &f->o, bk, NULL) < 0);
    assert_int_equal(has(f, AD16, "PreferLocalXML"), 1);
    assert_int_equal(pm_store_key_exists(f->st, IDS "\\1111_ADAL", NULL), 1);
}

static void test_restore_refuses_other_places(void **state)
{
    struct fx *f = *state;
    static const char *const bad[] = {
        "Windows Registry Editor Version 5.00\r\n\r\n"
        "[HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Run]\r\n"
        "\"x\"=\"evil.exe\"\r\n",
        "Windows Registry Editor Version 5.00\r\n\r\n"
        "[HKEY_CURRENT_USER\\Software\\Microsoft\\Exchange\\Exchange Provider]\r\n"
        "\"DS Server\"=\"gc\"\r\n",
        "Windows Registry Editor Version 5.00\r\n\r\n"
        "[HKEY_LOCAL_MACHINE\\" AD16 "]\r\n\"PreferLocalXML\"=dword:00000001\r\n",
        "Windows Registry Editor Version 5.00\r\n\r\n"
        "[-HKEY_CURRENT_USER\\" AD16 "]\r\n",
        "Windows Registry Editor Version 5.00\r\n\r\n"
        "[HKEY_CURRENT_USER\\" AD16 "]\r\n\"PreferLocalXML\"=-\r\n",
        "Windows Registry Editor Version 5.00\r\n\r\n"
        "[HKEY_CURRENT_USER\\Software\\Microsoft\\Office\\16.0\\Outlook\\Profiles\\P]\r\n"
        "\"x\"=\"y\"\r\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        size_t n = 99;
        struct pm_error err;
        pm_error_clear(&err);
        assert_true(pm_outside_restore(f->st, bad[i], strlen(bad[i]), "b.reg", 1, &n, &err) < 0);
        assert_int_equal(n, 0);
    }
    assert_int_equal(has(f, "Software\\Microsoft\\Windows\\CurrentVersion\\Run", "x"), 0);
    const char *ok = "Windows Registry Editor Version 5.00\r\n\r\n"
                     "[HKEY_CURRENT_USER\\" AD16 "]\r\n\"PreferLocalXML\"=dword:00000001\r\n";
    size_t n = 0;
    assert_int_equal(pm_outside_restore(f->st, ok, strlen(ok), "b.reg", 0, &n, NULL), 0);
    assert_int_equal(n, 1);
}

static void test_backup_path_and_config_keys(void **state)
{
    (void)state;
    struct pm_buf b = PM_BUF_INIT;
    assert_int_equal(pm_outside_backup_path("C:\\B\\PC_u-20260101.reg", &b), 0);
    assert_string_equal(b.data, "C:\\B\\PC_u-20260101.outside.reg");
    pm_buf_release(&b);

    struct pm_config c;
    pm_config_defaults(&c);
    assert_int_equal(c.autodiscover_clean, 0);
    assert_int_equal(c.identity_remove, 0);
    pm_config_release(&c);
    const char *t = "AutodiscoverAction=clean\nIdentityAction=remove\n";
    assert_int_equal(pm_config_parse(&c, "/etc/pm/prof.config", t, strlen(t), NULL, NULL, NULL), 0);
    assert_int_equal(c.autodiscover_clean, 1);
    assert_int_equal(c.identity_remove, 1);
    pm_config_release(&c);
    struct pm_error err;
    pm_error_clear(&err);
    t = "IdentityAction=clean\n";
    assert_int_equal(pm_config_parse(&c, "/etc/pm/prof.config", t, strlen(t), NULL, NULL, &err),
                     PM_ERR_PARSE);
    assert_string_equal(err.msg, "IdentityAction: 'clean' is not one of report, remove");
    t = "AutodiscoverAction=remove\n";
    assert_int_equal(pm_config_parse(&c, "/etc/pm/prof.config", t, strlen(t), NULL, NULL, &err),
                     PM_ERR_PARSE);
    pm_config_release(&c);
}

/* One run's log with its outside events (action given per setting name, NULL ends). */
static void run_log(struct pm_buf *b, const char *run, const char *user, const char *pc, ...)
{
    static const char *const ts = "2026-11-02T08:00:0";
    char t[32];
    int k = 0;
    snprintf(t, sizeof(t), "%s%dZ", ts, k++);
    pm_buf_puts(b, t);
    pm_log_field(b, "run", run);
    pm_log_field(b, "event", "run.start");
    pm_log_field(b, "user", user);
    pm_log_field(b, "computer", pc);
    pm_log_field(b, "mode", "update");
    pm_buf_putc(b, '\n');
    va_list ap;
    va_start(ap, pc);
    const char *what;
    while ((what = va_arg(ap, const char *)) != NULL) {
        snprintf(t, sizeof(t), "%s%dZ", ts, k++);
        pm_buf_puts(b, t);
        pm_log_field(b, "run", run);
        pm_log_field(b, "event", "outside");
        pm_log_field(b, "setting", what);
        pm_log_field(b, "action", va_arg(ap, const char *));
        pm_buf_putc(b, '\n');
    }
    va_end(ap);
    snprintf(t, sizeof(t), "%s%dZ", ts, k);
    pm_buf_puts(b, t);
    pm_log_field(b, "run", run);
    pm_log_field(b, "event", "run.end");
    pm_log_field(b, "result", "ok");
    pm_buf_putc(b, '\n');
}

/* The fleet view counts computers with a setting left in place, and names the settings. */
static void test_report_counts_settings_left(void **state)
{
    (void)state;
    struct pm_report *r;
    assert_int_equal(pm_report_new(&r), 0);
    struct pm_buf b = PM_BUF_INIT, out = PM_BUF_INIT;
    run_log(&b, "r1", "anna", "PC1", "PreferLocalXML", "report", "identity", "report",
            "PreferLocalXML", "report", NULL);
    assert_int_equal(pm_report_add_log(r, "PC1_anna.log", b.data, b.len), 0);
    pm_buf_reset(&b);
    run_log(&b, "r2", "bert", "PC2", "MapiHttpDisabled", "removed", NULL); /* cleaned */
    assert_int_equal(pm_report_add_log(r, "PC2_bert.log", b.data, b.len), 0);
    pm_buf_reset(&b);
    run_log(&b, "r3", "carl", "PC3", NULL);
    assert_int_equal(pm_report_add_log(r, "PC3_carl.log", b.data, b.len), 0);
    struct pm_report_totals t;
    pm_report_get_totals(r, &t);
    assert_int_equal(t.outside_machines, 1);
    assert_int_equal(pm_report_text(r, &out), 0);
    assert_non_null(strstr(out.data, "Settings that send Outlook to the source: 1 computers"));
    pm_buf_reset(&out);
    assert_int_equal(pm_report_csv(r, &out), 0);
    assert_non_null(strstr(out.data, ",log_file,outside_settings\r\n"));
    assert_non_null(strstr(out.data, ",PreferLocalXML identity\r\n"));
    assert_null(strstr(out.data, "MapiHttpDisabled"));
    pm_buf_reset(&out);
    assert_int_equal(pm_report_html(r, 0, &out), 0);
    assert_non_null(strstr(out.data, "Settings that send Outlook to the source: 1 computers"));
    assert_non_null(strstr(out.data, "PreferLocalXML, identity"));
    pm_buf_release(&out);
    pm_buf_release(&b);
    pm_report_free(r);
}

#define ON_ALL(fn)                                                                                 \
    cmocka_unit_test_setup_teardown(fn, setup_mem, teardown),                                      \
        cmocka_unit_test_setup_teardown(fn, setup_reg, teardown),                                  \
        cmocka_unit_test_setup_teardown(fn, setup_hive, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        ON_ALL(test_report_finds_each_and_removes_nothing),
        ON_ALL(test_clean_backs_up_removes_and_restores),
        ON_ALL(test_nothing_removed_without_migration_or_backup),
        cmocka_unit_test_setup_teardown(test_restore_refuses_other_places, setup_mem, teardown),
        cmocka_unit_test(test_backup_path_and_config_keys),
        cmocka_unit_test(test_report_counts_settings_left),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
