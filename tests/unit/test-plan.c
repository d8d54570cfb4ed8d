/* Tests of the plan (outlook-profile-format.md §6.3, docs/rules.md): the plan is a pure function,
 * so each test writes a small profile value by value into a mem store, reads the model, hands
 * the plan PUF answers made by hand (no PUF file) and a config, and asserts the exact edits:
 * identity rewrites keep the encoding variant and the "SMTP:" prefix, server values follow the
 * PUF, caches go, binding links stay, the config switches land on the right bits and values, the
 * sweep removes every other trace of the source and nothing else, each mailbox gets its own
 * decision, nothing outside the matched mailboxes' sections is edited, and a second plan over the
 * applied result is empty. */
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
#include "pm/mapi.h"
#include "pm/mvprop.h"
#include "pm/plan.h"
#include "pm/profile.h"
#include "pm/store.h"
#include "pm/storeeid.h"
#include "pm/update.h"
#include "rules.h"
#include "regput.h"

/* Value writers (tests/common/regput.h) on the fixture's store. */
#define uid(n, out) pmt_uid(n, out)
#define key(profile, n) pmt_uid_key(profile, n)
#define put_bin(f, ...) pmt_put_bin((f)->st, __VA_ARGS__)
#define put_sz(f, ...) pmt_put_sz((f)->st, __VA_ARGS__)
#define put_w(f, ...) pmt_put_w((f)->st, __VA_ARGS__)
#define put_a8(f, ...) pmt_put_a8((f)->st, __VA_ARGS__)
#define put_long(f, ...) pmt_put_long((f)->st, __VA_ARGS__)
#define put_uids(f, ...) pmt_put_uids((f)->st, __VA_ARGS__)
#define put_uid(f, ...) pmt_put_uid((f)->st, __VA_ARGS__)

#define O16 "Software\\Microsoft\\Office\\16.0\\Outlook\\Profiles"
#define P16 O16 "\\Outlook"
#define AM P16 "\\" PM_SECTION_ACCOUNTS

#define ORG_S "/o=Source Org/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)"
#define ORG_T "/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)"
#define DN_A ORG_S "/cn=Recipients/cn=alice"
#define DN_A2 ORG_T "/cn=Recipients/cn=0a0b0c0d0e0f00112233445566778899-alice"
#define DN_B ORG_S "/cn=Recipients/cn=bob"
#define DN_B2 ORG_T "/cn=Recipients/cn=99887766554433221100ffeeddccbbaa-bob"
#define DN_C ORG_S "/cn=Recipients/cn=carol"
#define SMTP_A "alice@source.example"
#define SMTP_A2 "alice@target.example"
#define SRV_A "6c1f3a2e-0000-4000-8000-00000000a11c@source.example"
#define SRV_A2 "0a0b0c0d-0e0f-0011-2233-445566778899@target.example"
#define SRVDN_A2 ORG_T "/cn=Configuration/cn=Servers/cn=" SRV_A2

/* Standard account layout: service 1, EMSMDB 2, primary store 3, transport 4. */
#define SVC 1
#define EMS 2
#define PRI 3
#define XPT 4

struct fx {
    struct pm_store *st;
    struct pm_model m;
    struct pm_config cfg;
    struct pm_plan plan;
    struct pm_puf_query q[16];
    size_t nq;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    assert_int_equal(pm_store_open(&f->st, "mem:", 0, NULL), 0);
    pm_config_defaults(&f->cfg);
    f->cfg.ost_action = PM_OST_KEEP; /* tests of other rules see no OST edits */
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

/* ---- hand-made PUF answers (the strings are literals: never released) ---- */

static struct pm_puf_query *answer(struct fx *f, const char *dn, enum pm_puf_match match,
                                   unsigned line)
{
    assert_true(f->nq < PM_ARRAY_SIZE(f->q));
    struct pm_puf_query *q = &f->q[f->nq++];
    pm_plan_query_init(q, dn);
    q->match = match;
    q->entry.line = line;
    return q;
}

static void migrated(struct fx *f, const char *dn, const char *tdn, const char *tsmtp,
                     const char *tdisplay, const char *tserver, const char *tserver_dn,
                     unsigned line)
{
    struct pm_puf_query *q = answer(f, dn, PM_PUF_SOURCE, line);
    q->entry.source_dn = (char *)dn;
    q->entry.target_dn = (char *)tdn;
    q->entry.target_smtp = (char *)tsmtp;
    q->entry.target_display = (char *)tdisplay;
    q->entry.target_server = (char *)tserver;
    q->entry.target_server_dn = (char *)tserver_dn;
}

/* ---- writers ---- */


#define K(n) key(P16, n)








static void abeid(struct pm_buf *b, const char *dn)
{
    static const uint8_t head[28] = {0,    0,    0,    0,    0xdc, 0xa7, 0x40, 0xc8, 0xc0, 0x42,
                                     0x10, 0x1a, 0xb4, 0xb9, 0x08, 0x00, 0x2b, 0x2f, 0xe1, 0x82,
                                     1,    0,    0,    0,    0,    0,    0,    0};
    pm_buf_reset(b);
    assert_int_equal(pm_buf_append(b, head, 28), 0);
    assert_int_equal(pm_buf_append(b, dn, strlen(dn) + 1), 0);
}

/* One Exchange account with UIDs base+SVC.. base+XPT and Account Manager subkey 'acct'; the
 * services list of the profile is written by the caller. Extra stores go in the EMSMDB list. */
static void account(struct fx *f, unsigned base, const char *dn, const char *smtp, int acct,
                    const unsigned *extra_stores)
{
    const char *ks = K(base + SVC), *ke = K(base + EMS), *kp = K(base + PRI), *kx = K(base + XPT);
    put_w(f, ks, "001f3d09", "MSEMS");
    put_uid(f, ks, "01023d15", base + EMS);
    put_uid(f, ks, "01023d00", base + PRI);
    put_uid(f, ks, "01023d02", base + XPT);
    if (dn)
        put_sz(f, ke, "001e6603", dn);
    else
        put_long(f, ke, "00036600", 0x501);
    unsigned list[8] = {base + PRI};
    size_t n = 1;
    for (size_t i = 0; extra_stores && extra_stores[i]; i++)
        list[n++] = extra_stores[i];
    list[n] = 0;
    put_uids(f, ke, "01023d00", list);
    if (smtp)
        put_w(f, ke, "001f6641", smtp);
    put_uid(f, kp, "01023d0c", base + SVC);
    put_uid(f, kp, "01023d15", base + EMS);
    put_long(f, kp, "0003660a", 1);
    if (dn)
        put_sz(f, kp, "001e660b", dn);
    put_uid(f, kx, "01023d0c", base + SVC);
    if (acct) {
        char ka[512];
        snprintf(ka, sizeof(ka), AM "\\%08d", acct);
        put_uid(f, ka, "Service UID", base + SVC);
        put_uid(f, ka, "XP Provider UID", base + XPT);
    }
}

/* A store of another kind in the EMSMDB list of the account at 'base'. */
static void other_store(struct fx *f, unsigned n, unsigned base, uint32_t type, const char *dn,
                        int archive)
{
    const char *k = K(n);
    put_uid(f, k, "01023d0c", base + SVC);
    put_long(f, k, "0003660a", type);
    if (dn)
        put_sz(f, k, "001e660b", dn);
    if (archive)
        put_w(f, k, "001f65d0", "Archive");
}

static void services(struct fx *f, const unsigned *ns)
{
    put_uids(f, P16 "\\" PM_SECTION_MASTER, "01023d0e", ns);
}

/* The usual profile: alice's account alone. */
static void alice(struct fx *f, const unsigned *extra_stores)
{
    const unsigned s[] = {SVC, 0};
    services(f, s);
    account(f, 0, DN_A, "SMTP:" SMTP_A, 1, extra_stores);
}

static void run_plan(struct fx *f)
{
    struct pm_error err;
    pm_error_clear(&err);
    pm_plan_release(&f->plan);
    pm_model_release(&f->m);
    assert_int_equal(pm_model_read(f->st, &f->m, NULL, NULL, &err), 0);
    assert_int_equal(pm_plan_build(&f->m, f->q, f->nq, &f->cfg, &f->plan, &err), 0);
}

static const struct pm_edit *edit(const struct fx *f, const char *k, const char *name)
{
    for (size_t i = 0; i < f->plan.nedits; i++)
        if (pm_name_casecmp(f->plan.edits[i].key, k) == 0 &&
            pm_name_casecmp(f->plan.edits[i].name, name) == 0)
            return &f->plan.edits[i];
    return NULL;
}

static size_t edits_in(const struct fx *f, const char *k)
{
    size_t n = 0;
    for (size_t i = 0; i < f->plan.nedits; i++)
        n += pm_name_casecmp(f->plan.edits[i].key, k) == 0;
    return n;
}

/* Asserts a SET of text with registry type 'type' (decoded as the value's own variant). */
static void want_set_text(const struct fx *f, const char *k, const char *name, uint32_t type,
                          const char *text, const char *rule)
{
    const struct pm_edit *e = edit(f, k, name);
    if (!e)
        fail_msg("no edit of %s\\%s", k, name);
    assert_int_equal(e->op, PM_EDIT_SET);
    assert_int_equal(e->type, type);
    struct pm_buf out = PM_BUF_INIT, enc = PM_BUF_INIT;
    assert_int_equal(pm_mapi_string_get(name, e->type, e->data, e->len, &out), 1);
    assert_string_equal(out.data, text);
    /* Byte for byte the encoding of that variant (UTF-16 with NUL, or 8-bit with NUL). */
    assert_int_equal(pm_mapi_string_put(name, type, text, &enc), 0);
    assert_int_equal(e->len, enc.len);
    assert_memory_equal(e->data, enc.data, enc.len);
    if (rule)
        assert_string_equal(e->rule, rule);
    pm_buf_release(&out);
    pm_buf_release(&enc);
}

static void want_set_long(const struct fx *f, const char *k, const char *name, uint32_t v)
{
    const struct pm_edit *e = edit(f, k, name);
    if (!e)
        fail_msg("no edit of %s\\%s", k, name);
    assert_int_equal(e->op, PM_EDIT_SET);
    assert_int_equal(e->type, PM_REG_BINARY);
    uint32_t got;
    assert_int_equal(pm_mapi_long_get(e->data, e->len, &got), 1);
    assert_int_equal(got, v);
}

static void want_delete(const struct fx *f, const char *k, const char *name, const char *rule)
{
    const struct pm_edit *e = edit(f, k, name);
    if (!e)
        fail_msg("no delete of %s\\%s", k, name);
    assert_int_equal(e->op, PM_EDIT_DELETE);
    assert_int_equal(e->had_old, 1);
    if (rule)
        assert_string_equal(e->rule, rule);
}

static void want_none(const struct fx *f, const char *k, const char *name)
{
    const struct pm_edit *e = edit(f, k, name);
    if (e)
        fail_msg("unexpected %s of %s\\%s (rule %s)", e->op == PM_EDIT_SET ? "set" : "delete", k,
                 name, e->rule);
}

/* ---- identity ---- */

static void test_identity_keeps_variant_and_prefix(void **state)
{
    struct fx *f = *state;
    alice(f, NULL);
    put_sz(f, K(EMS), "001e6641", SMTP_A);         /* 8-bit REG_SZ, bare */
    put_w(f, K(PRI), "001f6641", SMTP_A);          /* UTF-16 binary, bare */
    put_a8(f, K(XPT), "001e660b", DN_A);           /* 8-bit binary */
    put_w(f, K(EMS), "001f6620", SMTP_A);          /* account name shows the address */
    put_w(f, K(EMS), "001f6607", "=SMTP:" SMTP_A); /* Microsoft's sample form */
    migrated(f, DN_A, DN_A2, SMTP_A2, "Alice Example", NULL, NULL, 7);
    run_plan(f);

    want_set_text(f, K(EMS), "001e6603", PM_REG_SZ, DN_A2, "identity.dn");
    want_set_text(f, K(PRI), "001e660b", PM_REG_SZ, DN_A2, "identity.dn");
    want_set_text(f, K(XPT), "001e660b", PM_REG_BINARY, DN_A2, "identity.dn");
    want_set_text(f, K(EMS), "001f6641", PM_REG_BINARY, "SMTP:" SMTP_A2, "identity.smtp");
    want_set_text(f, K(EMS), "001e6641", PM_REG_SZ, SMTP_A2, "identity.smtp");
    want_set_text(f, K(PRI), "001f6641", PM_REG_BINARY, SMTP_A2, "identity.smtp");
    want_set_text(f, K(EMS), "001f6620", PM_REG_BINARY, SMTP_A2, "identity.name");
    want_set_text(f, K(EMS), "001f6607", PM_REG_BINARY, "=SMTP:" SMTP_A2, "identity.name");
    /* The old bytes are kept for the log. */
    const struct pm_edit *e = edit(f, K(EMS), "001e6603");
    assert_int_equal(e->had_old, 1);
    assert_int_equal(e->old_type, PM_REG_SZ);

    assert_int_equal(f->plan.ndecisions, 1);
    const struct pm_decision *d = &f->plan.decisions[0];
    assert_int_equal(d->kind, PM_DEC_UPDATED);
    assert_int_equal(d->section, -1);
    assert_string_equal(d->dn, DN_A);
    assert_string_equal(d->target_dn, DN_A2);
    assert_int_equal(d->puf_line, 7);
    assert_non_null(strstr(d->reason, "7"));
}

static void test_identity_smtp_created_when_missing(void **state)
{
    struct fx *f = *state;
    const unsigned s[] = {SVC, 0};
    services(f, s);
    account(f, 0, DN_A, NULL, 1, NULL); /* no SMTP property anywhere */
    migrated(f, DN_A, DN_A2, "SMTP:" SMTP_A2, NULL, NULL, NULL, 1);
    run_plan(f);
    /* Outlook 2016+ autodiscovers from it: the EMSMDB section gets a bare one. */
    const struct pm_edit *e = edit(f, K(EMS), "001f6641");
    assert_non_null(e);
    assert_int_equal(e->had_old, 0);
    want_set_text(f, K(EMS), "001f6641", PM_REG_BINARY, SMTP_A2, "identity.smtp");
    want_none(f, K(PRI), "001f6641");
}

static void test_identity_eid_rebuilt(void **state)
{
    struct fx *f = *state;
    alice(f, NULL);
    struct pm_buf b = PM_BUF_INIT;
    abeid(&b, DN_A);
    b.data[24] = 6; /* display type: must survive */
    put_bin(f, AM "\\00000001", "Identity Eid", b.data, b.len);
    put_w(f, AM "\\00000001", "Account Name", SMTP_A);
    migrated(f, DN_A, DN_A2, SMTP_A2, NULL, NULL, NULL, 1);
    run_plan(f);
    const struct pm_edit *e = edit(f, AM "\\00000001", "Identity Eid");
    assert_non_null(e);
    assert_int_equal(e->op, PM_EDIT_SET);
    assert_string_equal(e->rule, "account.identity");
    assert_int_equal(e->len, 28 + strlen(DN_A2) + 1);
    assert_memory_equal(e->data, b.data, 28);
    assert_memory_equal(e->data + 28, DN_A2, strlen(DN_A2) + 1);
    want_set_text(f, AM "\\00000001", "Account Name", PM_REG_BINARY, SMTP_A2, "account.name");
    pm_buf_release(&b);
}

/* ---- servers ---- */

static void servers_profile(struct fx *f)
{
    const unsigned extra[] = {5, 6, 0};
    alice(f, extra);
    other_store(f, 5, 0, 2, DN_A, 1); /* online archive */
    other_store(f, 6, 0, 3, NULL, 0); /* public folders */
    put_sz(f, K(EMS), "001e6602", SRV_A);
    put_sz(f, K(EMS), "001e6608", SRV_A);
    put_w(f, K(EMS), "001f662a", SRV_A);
    put_sz(f, K(EMS), "001e6612", ORG_S "/cn=Configuration/cn=Servers/cn=" SRV_A);
    put_sz(f, K(PRI), "001e660c", SRV_A);
    put_sz(f, K(PRI), "001e6614", ORG_S "/cn=Configuration/cn=Servers/cn=" SRV_A);
    put_w(f, K(PRI), "001f662b", SRV_A);
    for (unsigned n = 5; n <= 6; n++) {
        put_sz(f, K(n), "001e660c", "arch01.source.example");
        put_w(f, K(n), "001f662b", "arch01.source.example");
        put_sz(f, K(n), "001e6614", ORG_S "/cn=Configuration/cn=Servers/cn=arch01");
    }
}

static void test_servers_from_puf(void **state)
{
    struct fx *f = *state;
    servers_profile(f);
    migrated(f, DN_A, DN_A2, SMTP_A2, NULL, SRV_A2, SRVDN_A2, 1);
    run_plan(f);
    want_set_text(f, K(EMS), "001e6602", PM_REG_SZ, SRV_A2, "server.name");
    want_set_text(f, K(EMS), "001e6608", PM_REG_SZ, SRV_A2, "server.name");
    want_set_text(f, K(EMS), "001f662a", PM_REG_BINARY, SRV_A2, "server.name");
    want_set_text(f, K(EMS), "001e6612", PM_REG_SZ, SRVDN_A2, "server.dn");
    want_set_text(f, K(PRI), "001e660c", PM_REG_SZ, SRV_A2, "server.name");
    want_set_text(f, K(PRI), "001f662b", PM_REG_BINARY, SRV_A2, "server.name");
    want_set_text(f, K(PRI), "001e6614", PM_REG_SZ, SRVDN_A2, "server.dn");
    /* The archive and public stores live on other servers: the mailbox's server is not
     * theirs, so their values go for Autodiscover to fill. */
    for (unsigned n = 5; n <= 6; n++) {
        want_delete(f, K(n), "001e660c", "server.name");
        want_delete(f, K(n), "001f662b", "server.name");
        want_delete(f, K(n), "001e6614", "server.dn");
    }
    /* The archive store's DN is the owner's: rewritten too. */
    want_set_text(f, K(5), "001e660b", PM_REG_SZ, DN_A2, "identity.dn");
}

static void test_servers_deleted_without_puf_values(void **state)
{
    struct fx *f = *state;
    servers_profile(f);
    migrated(f, DN_A, DN_A2, SMTP_A2, NULL, NULL, NULL, 1); /* a 3-field line */
    run_plan(f);
    const char *ems[] = {"001e6602", "001e6608", "001f662a"};
    for (size_t i = 0; i < 3; i++)
        want_delete(f, K(EMS), ems[i], "server.name");
    want_delete(f, K(EMS), "001e6612", "server.dn");
    want_delete(f, K(PRI), "001e660c", "server.name");
    want_delete(f, K(PRI), "001f662b", "server.name");
    want_delete(f, K(PRI), "001e6614", "server.dn");
    for (unsigned n = 5; n <= 6; n++)
        want_delete(f, K(n), "001e660c", "server.name");
}

static void test_unicode_variants(void **state)
{
    struct fx *f = *state;
    /* Where a profile writes both variants of an ID, both are updated (§2.4), each in its own
     * encoding. */
    alice(f, NULL);
    put_w(f, K(EMS), "001f6603", DN_A);
    put_w(f, K(PRI), "001f660b", DN_A);
    put_w(f, K(EMS), "001f6602", SRV_A);
    put_w(f, K(EMS), "001f6612", ORG_S "/cn=Configuration/cn=Servers/cn=" SRV_A);
    put_w(f, K(PRI), "001f660c", SRV_A);
    put_w(f, K(PRI), "001f6614", ORG_S "/cn=Configuration/cn=Servers/cn=" SRV_A);
    migrated(f, DN_A, DN_A2, SMTP_A2, NULL, SRV_A2, SRVDN_A2, 1);
    run_plan(f);
    want_set_text(f, K(EMS), "001e6603", PM_REG_SZ, DN_A2, "identity.dn");
    want_set_text(f, K(EMS), "001f6603", PM_REG_BINARY, DN_A2, "identity.dn");
    want_set_text(f, K(PRI), "001f660b", PM_REG_BINARY, DN_A2, "identity.dn");
    want_set_text(f, K(EMS), "001f6602", PM_REG_BINARY, SRV_A2, "server.name");
    want_set_text(f, K(EMS), "001f6612", PM_REG_BINARY, SRVDN_A2, "server.dn");
    want_set_text(f, K(PRI), "001f660c", PM_REG_BINARY, SRV_A2, "server.name");
    want_set_text(f, K(PRI), "001f6614", PM_REG_BINARY, SRVDN_A2, "server.dn");
}

static void test_unicode_server_known_to_the_sweep(void **state)
{
    struct fx *f = *state;
    /* The only value naming the old server is the Unicode PR_PROFILE_SERVER; another value
     * quoting that server is a trace of the source all the same. */
    alice(f, NULL);
    put_w(f, K(PRI), "001f660c", "exch09.source.example");
    put_w(f, K(PRI), "001f6758", "https://exch09.source.example/rpc");
    migrated(f, DN_A, DN_A2, SMTP_A2, NULL, NULL, NULL, 1);
    run_plan(f);
    want_delete(f, K(PRI), "001f660c", "server.name");
    want_delete(f, K(PRI), "001f6758", "sweep.delete");
}

static void test_2007_and_residue(void **state)
{
    struct fx *f = *state;
    /* An Outlook 2007 profile: the account settings live in 13dbb0c8. */
    const char *p07 = "Software\\Microsoft\\Windows NT\\CurrentVersion\\Windows Messaging "
                      "Subsystem\\Profiles\\MS Exchange Settings";
    char g07[512], master[512];
    snprintf(g07, sizeof(g07), "%s\\" PM_SECTION_GLOBAL2007, p07);
    snprintf(master, sizeof(master), "%s\\" PM_SECTION_MASTER, p07);
    put_uid(f, master, "01023d0e", SVC);
    put_w(f, key(p07, SVC), "001f3d09", "MSEMS");
    put_uid(f, key(p07, SVC), "01023d00", PRI);
    put_uid(f, key(p07, PRI), "01023d0c", SVC);
    put_long(f, key(p07, PRI), "0003660a", 1);
    put_sz(f, key(p07, PRI), "001e660b", DN_A);
    put_sz(f, g07, "001e6603", DN_A);
    put_sz(f, g07, "001e6602", "EXCH07");
    put_bin(f, g07, "01020ff8", "\x01\x02", 2);
    /* A 2016 profile whose 13dbb0c8 residue names alice's account. */
    alice(f, NULL);
    put_sz(f, P16 "\\" PM_SECTION_GLOBAL2007, "001e6603", DN_A);
    put_w(f, P16 "\\" PM_SECTION_GLOBAL2007, "001f664a", "https://autodiscover.source.example");
    migrated(f, DN_A, DN_A2, SMTP_A2, NULL, "x@target.example", NULL, 1);
    run_plan(f);
    assert_int_equal(f->plan.ndecisions, 2);
    want_set_text(f, g07, "001e6603", PM_REG_SZ, DN_A2, "identity.dn");
    want_set_text(f, g07, "001e6602", PM_REG_SZ, "x@target.example", "server.name");
    want_delete(f, g07, "01020ff8", "cache.mapping");
    want_set_text(f, g07, "001f6641", PM_REG_BINARY, SMTP_A2, "identity.smtp");
    want_set_text(f, key(p07, PRI), "001e660b", PM_REG_SZ, DN_A2, "identity.dn");
    want_set_text(f, P16 "\\" PM_SECTION_GLOBAL2007, "001e6603", PM_REG_SZ, DN_A2, "identity.dn");
    want_delete(f, P16 "\\" PM_SECTION_GLOBAL2007, "001f664a", "cache.autodiscover");
}

/* ---- caches and links, table-driven from pm_rules ---- */

/* The section a rule row is tried in: the EMSMDB section, the primary store or the account. */
static const char *section_for(unsigned roles)
{
    if (roles & PM_RM_EMSMDB)
        return K(EMS);
    if (roles & PM_RM_PRIMARY)
        return K(PRI);
    if (roles & PM_RM_ACCOUNT)
        return AM "\\00000001";
    return NULL;
}

static void test_caches_deleted(void **state)
{
    struct fx *f = *state;
    alice(f, NULL);
    size_t n = 0;
    for (size_t i = 0; i < pm_nrules; i++) {
        const struct pm_rule *r = &pm_rules[i];
        if (r->action != PM_RA_DELETE)
            continue;
        const char *k = section_for(r->roles);
        assert_non_null(k);
        uint8_t junk[8] = {1, 2, 3, 4, 5, 6, 7, 8}; /* no trace of the source needed */
        put_bin(f, k, r->value, junk, sizeof(junk));
        if ((r->roles & PM_RM_PRIMARY) && (r->roles & PM_RM_EMSMDB))
            put_bin(f, K(PRI), r->value, junk, sizeof(junk));
        n++;
    }
    assert_true(n >= 20);
    migrated(f, DN_A, DN_A2, SMTP_A2, NULL, NULL, NULL, 1);
    run_plan(f);
    for (size_t i = 0; i < pm_nrules; i++) {
        const struct pm_rule *r = &pm_rules[i];
        if (r->action != PM_RA_DELETE)
            continue;
        want_delete(f, section_for(r->roles), r->value, r->id);
        if (r->roles & PM_RM_PRIMARY)
            want_delete(f, K(PRI), r->value, r->id);
    }
}

static void test_links_never_edited(void **state)
{
    struct fx *f = *state;
    alice(f, NULL);
    /* Every link value the walk does not itself need, holding the source DN and address so the
     * sweep would take it if the table let it: none may be edited. */
    static const char *const walked[] = {"01023d0e", "01023d00",    "01023d01", "01023d02",
                                         "01023d15", "01023d0c",    "0003660a", "001f3d09",
                                         "001e3d09", "Service UID", "01023414", "001f65d0"};
    size_t n = 0;
    for (size_t i = 0; i < pm_nrules; i++) {
        const struct pm_rule *r = &pm_rules[i];
        int skip = 0;
        for (size_t k = 0; k < PM_ARRAY_SIZE(walked); k++)
            skip |= pm_name_casecmp(walked[k], r->value) == 0;
        if (r->action != PM_RA_KEEP || skip)
            continue;
        if (r->roles & PM_RM_EMSMDB)
            put_a8(f, K(EMS), r->value, DN_A " " SMTP_A);
        if (r->roles & PM_RM_ACCOUNT)
            put_a8(f, AM "\\00000001", r->value, DN_A " " SMTP_A);
        n++;
    }
    assert_true(n >= 15);
    migrated(f, DN_A, DN_A2, SMTP_A2, NULL, NULL, NULL, 1);
    run_plan(f);
    assert_true(f->plan.nedits > 0);
    for (size_t i = 0; i < f->plan.nedits; i++) {
        const struct pm_rule *r = NULL;
        for (size_t k = 0; k < pm_nrules && !r; k++)
            if (pm_name_casecmp(pm_rules[k].value, f->plan.edits[i].name) == 0 &&
                pm_rules[k].action == PM_RA_KEEP)
                r = &pm_rules[k];
        if (r)
            fail_msg("link %s\\%s edited", f->plan.edits[i].key, f->plan.edits[i].name);
    }
}

/* ---- config switches ---- */

static void cached_case(uint32_t before, enum pm_switch cached, enum pm_switch pf,
                        enum pm_switch shared, long after)
{
    struct fx *f;
    setup((void **)&f);
    alice(f, NULL);
    put_long(f, K(EMS), "00036601", before);
    f->cfg.cached_mode = cached;
    f->cfg.download_pf_fav = pf;
    f->cfg.download_shared = shared;
    migrated(f, DN_A, DN_A2, SMTP_A2, NULL, NULL, NULL, 1);
    run_plan(f);
    if (after < 0) {
        want_none(f, K(EMS), "00036601");
    } else {
        want_set_long(f, K(EMS), "00036601", (uint32_t)after);
        assert_string_equal(edit(f, K(EMS), "00036601")->rule, "config.cached");
    }
    teardown((void **)&f);
}

static void test_cached_mode(void **state)
{
    (void)state;
    /* Enable sets both cached-mode bits (0x80|0x100) and keeps the others. */
    cached_case(0x00000004, PM_ENABLE, PM_ENABLE, PM_ENABLE, 0x00000d84);
    cached_case(0x00000084, PM_ENABLE, PM_KEEP, PM_KEEP, 0x00000184);
    /* Disable clears both, and only those. */
    cached_case(0x00000d84, PM_DISABLE, PM_DISABLE, PM_DISABLE, 0x00000004);
    cached_case(0x00000d84, PM_DISABLE, PM_KEEP, PM_KEEP, 0x00000c04);
    /* Mixed: each switch on its own bits. */
    cached_case(0x00000c04, PM_ENABLE, PM_DISABLE, PM_KEEP, 0x00000984);
    cached_case(0x00000004, PM_KEEP, PM_KEEP, PM_ENABLE, 0x00000804);
    /* Keep everywhere, or already so: no edit. */
    cached_case(0x00000d84, PM_KEEP, PM_KEEP, PM_KEEP, -1);
    cached_case(0x00000d84, PM_ENABLE, PM_ENABLE, PM_ENABLE, -1);
}

static void roh_values(struct fx *f, const char *k)
{
    put_long(f, k, "00036623", 0x23);
    put_w(f, k, "001f6622", "mail.source.example");
    put_long(f, k, "00036627", 1);
    put_w(f, k, "001f6625", "msstd:mail.source.example");
}

static void test_outlook_anywhere_enable(void **state)
{
    struct fx *f = *state;
    alice(f, NULL); /* the EMSMDB section has none of the four */
    roh_values(f, K(PRI));
    f->cfg.outlook_anywhere = PM_ENABLE;
    f->cfg.proxy_server = pm_strdup("mail.target.example");
    f->cfg.proxy_principal = pm_strdup("msstd:mail.target.example");
    f->cfg.proxy_auth = PM_PROXY_AUTH_NEGOTIATE;
    f->cfg.proxy_ssl_only = 1;
    f->cfg.proxy_mutual_auth = 0;
    f->cfg.proxy_http_fast = 1;
    f->cfg.proxy_http_slow = 1;
    migrated(f, DN_A, DN_A2, SMTP_A2, NULL, NULL, NULL, 1);
    run_plan(f);
    /* USE_ROH 0x01 | SSL_ONLY 0x02 | FAST 0x08 | SLOW 0x20, no MUTUAL_AUTH. */
    for (int i = 0; i < 2; i++) {
        const char *k = i ? K(PRI) : K(EMS);
        want_set_long(f, k, "00036623", 0x2b);
        want_set_text(f, k, "001f6622", PM_REG_BINARY, "mail.target.example", "config.proxy");
        want_set_text(f, k, "001f6625", PM_REG_BINARY, "msstd:mail.target.example", "config.proxy");
        want_set_long(f, k, "00036627", 16);
    }
    /* Created where missing. */
    assert_int_equal(edit(f, K(EMS), "00036623")->had_old, 0);
    assert_int_equal(edit(f, K(PRI), "00036623")->had_old, 1);
}

static void test_outlook_anywhere_disable_and_keep(void **state)
{
    struct fx *f = *state;
    alice(f, NULL);
    roh_values(f, K(EMS));
    f->cfg.outlook_anywhere = PM_DISABLE;
    migrated(f, DN_A, DN_A2, SMTP_A2, NULL, NULL, NULL, 1);
    run_plan(f);
    want_set_long(f, K(EMS), "00036623", 0);
    want_delete(f, K(EMS), "001f6622", "config.proxy");
    want_delete(f, K(EMS), "00036627", "config.proxy");
    want_delete(f, K(EMS), "001f6625", "config.proxy");

    /* Keep: the flags and the authentication scheme stay as they are; the proxy and principal
     * that name the source mail domain are the source's and go. */
    f->cfg.outlook_anywhere = PM_KEEP;
    run_plan(f);
    want_none(f, K(EMS), "00036623");
    want_none(f, K(EMS), "00036627");
    want_delete(f, K(EMS), "001f6622", "config.proxy");
    want_delete(f, K(EMS), "001f6625", "config.proxy");
}

static void test_outlook_anywhere_keep_leaves_other_proxies(void **state)
{
    struct fx *f = *state;
    alice(f, NULL);
    put_long(f, K(EMS), "00036623", 0x2f);
    put_w(f, K(EMS), "001f6622", "proxy.shared-hosting.example");
    put_w(f, K(EMS), "001f6625", "msstd:proxy.shared-hosting.example");
    f->cfg.outlook_anywhere = PM_KEEP;
    migrated(f, DN_A, DN_A2, SMTP_A2, NULL, NULL, NULL, 1);
    run_plan(f);
    want_none(f, K(EMS), "00036623");
    want_none(f, K(EMS), "001f6622");
    want_none(f, K(EMS), "001f6625");
}

static void test_outlook_anywhere_flags_not_in_config_keep_their_bits(void **state)
{
    struct fx *f = *state;
    alice(f, NULL);
    /* USE_ROH | SSL_ONLY | MUTUAL_AUTH | FAST | SLOW, as an admin set it up. */
    put_long(f, K(EMS), "00036623", 0x2f);
    f->cfg.outlook_anywhere = PM_ENABLE;
    f->cfg.proxy_server = pm_strdup("mail.target.example");
    migrated(f, DN_A, DN_A2, SMTP_A2, NULL, NULL, NULL, 1);
    run_plan(f);
    /* Only ProxyServer is set: every bit stays. */
    want_none(f, K(EMS), "00036623");
    /* ProxyMutualAuth=no clears its bit alone. */
    f->cfg.proxy_mutual_auth = 0;
    run_plan(f);
    want_set_long(f, K(EMS), "00036623", 0x2b);
}

/* ---- OST ---- */

#define OST_DIR "C:\\Users\\alice\\AppData\\Local\\Microsoft\\Outlook\\"

static void test_ost_actions(void **state)
{
    struct fx *f = *state;
    alice(f, NULL);
    put_w(f, K(EMS), "001f6610", OST_DIR SMTP_A ".ost");
    put_sz(f, K(EMS), "001e6610", OST_DIR SMTP_A ".ost");
    migrated(f, DN_A, DN_A2, SMTP_A2, NULL, NULL, NULL, 1);

    f->cfg.ost_action = PM_OST_RENAME;
    run_plan(f);
    want_set_text(f, K(EMS), "001f6610", PM_REG_BINARY, OST_DIR SMTP_A2 ".ost", "config.ost");
    want_set_text(f, K(EMS), "001e6610", PM_REG_SZ, OST_DIR SMTP_A2 ".ost", "config.ost");
    assert_int_equal(f->plan.nmoves, 1); /* both variants name one file */
    assert_string_equal(f->plan.moves[0].from, OST_DIR SMTP_A ".ost");
    assert_string_equal(f->plan.moves[0].to, OST_DIR SMTP_A ".ost.pre-migration");

    f->cfg.ost_action = PM_OST_RESET;
    run_plan(f);
    want_delete(f, K(EMS), "001f6610", "config.ost");
    want_delete(f, K(EMS), "001e6610", "config.ost");
    assert_int_equal(f->plan.nmoves, 0);

    /* Keep: the path names the old address, but the file is kept: the OST values stay (the
     * sweep does not take them either). */
    f->cfg.ost_action = PM_OST_KEEP;
    run_plan(f);
    want_none(f, K(EMS), "001f6610");
    want_none(f, K(EMS), "001e6610");
    assert_int_equal(f->plan.nmoves, 0);
}

static void test_ost_rename_name_taken(void **state)
{
    struct fx *f = *state;
    alice(f, NULL);
    /* The OST already carries the target's name (the address did not change in the move): the
     * path stays, and the old file is still renamed aside so Outlook starts a new one there. */
    put_w(f, K(EMS), "001f6610", OST_DIR SMTP_A2 ".ost");
    migrated(f, DN_A, DN_A2, SMTP_A2, NULL, NULL, NULL, 1);
    f->cfg.ost_action = PM_OST_RENAME;
    run_plan(f);
    for (size_t i = 0; i < f->plan.nedits; i++)
        assert_false(f->plan.edits[i].name && strcmp(f->plan.edits[i].name, "001f6610") == 0);
    assert_int_equal(f->plan.nmoves, 1);
    assert_string_equal(f->plan.moves[0].from, OST_DIR SMTP_A2 ".ost");
    assert_string_equal(f->plan.moves[0].to, OST_DIR SMTP_A2 ".ost.pre-migration");
}

/* ---- the sweep ---- */

static void sweep_values(struct fx *f, const char *k)
{
    put_w(f, k, "001f6700", "Mailbox - " SMTP_A); /* string naming the address */
    put_sz(f, k, "001e6751", "owner " DN_A);      /* string naming the DN */
    put_bin(f, k, "01026799", "\x01\x02" DN_A "\0", sizeof(DN_A) + 2); /* bytes with the DN */
    struct pm_buf w = PM_BUF_INIT;
    assert_int_equal(pm_utf8_to_utf16le("x:" SMTP_A, strlen("x:" SMTP_A), 1, &w), 0);
    put_bin(f, k, "01026801", w.data, w.len);  /* bytes with the address in UTF-16 */
    put_bin(f, k, "S01026800", w.data, w.len); /* secure (DPAPI) value: opaque */
    put_w(f, k, "001f6752", "nothing to see");
    put_w(f, k, "001f6753", ORG_S "/cn=Configuration/cn=Servers/cn=exch01");
    put_w(f, k, "001f6754", "/o=Source Organisation/cn=x"); /* a longer org name */
    put_w(f, k, "001f6755", "https://" SRV_A "/mapi");      /* a server of the source */
    pm_buf_release(&w);
}

static void test_sweep(void **state)
{
    struct fx *f = *state;
    alice(f, NULL);
    put_sz(f, K(EMS), "001e6602", SRV_A);
    sweep_values(f, K(EMS));
    sweep_values(f, K(PRI));
    migrated(f, DN_A, DN_A2, SMTP_A2, NULL, SRV_A2, NULL, 1);
    run_plan(f);
    for (int i = 0; i < 2; i++) {
        const char *k = i ? K(PRI) : K(EMS);
        want_set_text(f, k, "001f6700", PM_REG_BINARY, "Mailbox - " SMTP_A2, "sweep.rewrite");
        want_set_text(f, k, "001e6751", PM_REG_SZ, "owner " DN_A2, "sweep.rewrite");
        want_delete(f, k, "01026799", "sweep.delete");
        want_delete(f, k, "01026801", "sweep.delete");
        want_none(f, k, "S01026800");
        want_none(f, k, "001f6752");
        /* The organisation is left in the text after a rewrite: deleted instead. */
        want_delete(f, k, "001f6753", "sweep.delete");
        want_none(f, k, "001f6754");
        want_delete(f, k, "001f6755", "sweep.delete");
    }
}

static void test_sweep_same_org(void **state)
{
    struct fx *f = *state;
    /* Tenant to tenant: both DNs under /o=ExchangeLabs. The organisation is no trace. */
    const char *src = ORG_T "/cn=Recipients/cn=alice-old";
    const unsigned s[] = {SVC, 0};
    services(f, s);
    account(f, 0, src, SMTP_A, 1, NULL);
    put_w(f, K(EMS), "001f6753", ORG_T "/cn=Configuration/cn=Servers/cn=exch01");
    put_w(f, K(EMS), "001f6756", "owner " ORG_T "/cn=Recipients/cn=alice-old");
    migrated(f, src, DN_A2, SMTP_A2, NULL, NULL, NULL, 1);
    run_plan(f);
    want_none(f, K(EMS), "001f6753");
    want_set_text(f, K(EMS), "001f6756", PM_REG_BINARY, "owner " DN_A2, "sweep.rewrite");
    want_set_text(f, K(EMS), "001e6603", PM_REG_SZ, DN_A2, "identity.dn");
}

/* ---- decisions ---- */

static void test_decisions(void **state)
{
    struct fx *f = *state;
    /* Five accounts: updated, current, not in the PUF, conflicting lines, no DN. */
    const unsigned s[] = {10 + SVC, 20 + SVC, 30 + SVC, 40 + SVC, 50 + SVC, 0};
    services(f, s);
    account(f, 10, DN_A, SMTP_A, 1, NULL);
    account(f, 20, DN_B2, NULL, 2, NULL);
    account(f, 30, DN_C, NULL, 3, NULL);
    account(f, 40, DN_B, NULL, 4, NULL);
    account(f, 50, NULL, NULL, 5, NULL);
    for (unsigned b = 10; b <= 50; b += 10) /* a cache each: edited only when updated */
        put_bin(f, K(b + EMS), "01020ff8", "\x01\x02\x03\x04", 4);
    migrated(f, DN_A, DN_A2, SMTP_A2, NULL, NULL, NULL, 3);
    answer(f, DN_B2, PM_PUF_TARGET, 9);
    answer(f, DN_C, PM_PUF_NONE, 0);
    struct pm_puf_query *c = answer(f, DN_B, PM_PUF_CONFLICT, 4);
    c->entry.target_dn = (char *)DN_B2;
    c->conflict_line = 11;
    run_plan(f);
    assert_int_equal(f->plan.ndecisions, 5);
    const enum pm_decision_kind want[] = {PM_DEC_UPDATED, PM_DEC_CURRENT, PM_DEC_NOT_IN_PUF,
                                          PM_DEC_SKIPPED, PM_DEC_SKIPPED};
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(f->plan.decisions[i].account, i);
        assert_int_equal(f->plan.decisions[i].kind, want[i]);
        assert_non_null(f->plan.decisions[i].reason);
    }
    assert_int_equal(f->plan.decisions[1].puf_line, 9);
    assert_non_null(strstr(f->plan.decisions[3].reason, "4"));
    assert_non_null(strstr(f->plan.decisions[3].reason, "11"));
    assert_null(f->plan.decisions[3].target_dn);
    assert_null(f->plan.decisions[4].dn);
    assert_string_equal(pm_decision_name(PM_DEC_CURRENT), "current");
    assert_string_equal(pm_decision_name(PM_DEC_SKIPPED), "skipped");
    want_delete(f, K(10 + EMS), "01020ff8", "cache.mapping");
    for (unsigned b = 20; b <= 50; b += 10)
        for (unsigned n = b + SVC; n <= b + XPT; n++)
            assert_int_equal(edits_in(f, K(n)), 0);
}


/* ---- what a real Outlook writes (docs/outlook-profile-format.md, corrections) ---- */

#define ARCH_GUID "490c6357-7637-4191-9a67-5201a6d3e8c3"
#define ARCH_GUID2 "7d0e3b4a-1111-4222-8333-944455556666"
#define SRV_ARCH ARCH_GUID "@source.example"

static const struct pm_decision *decision_for(const struct fx *f, long section)
{
    for (size_t i = 0; i < f->plan.ndecisions; i++)
        if (f->plan.decisions[i].section == section)
            return &f->plan.decisions[i];
    return NULL;
}

/* The account's store list puts the primary first: the extra stores are sections 1.. of the
 * model's account in list order after the service and EMSMDB sections. */
static long store_index(const struct fx *f, unsigned n)
{
    const struct pm_account *a = &f->m.profiles[0].accounts[0];
    for (size_t i = 0; i < a->nsections; i++)
        if (pm_name_casecmp(a->sections[i].path, K(n)) == 0)
            return (long)i;
    fail_msg("no section %u", n);
    return -1;
}

static void test_archive_keeps_its_guid_suffix(void **state)
{
    struct fx *f = *state;
    const unsigned extra[] = {10, 0};
    alice(f, extra);
    other_store(f, 10, 0, 2, DN_A "/guid=" ARCH_GUID, 1);
    put_sz(f, K(10), "001e660c", ARCH_GUID "@source");   /* cut after the first label, as seen */
    put_w(f, K(10), "001f662b", SRV_ARCH);
    put_w(f, K(10), "001f3001", "Online Archive - " SMTP_A);
    migrated(f, DN_A, DN_A2, SMTP_A2, NULL, SRV_A2, SRVDN_A2, 1);
    run_plan(f);
    /* The mailbox part is the target's, the archive's GUID stays (a move keeps ArchiveGuid). */
    want_set_text(f, K(10), "001e660b", PM_REG_SZ, DN_A2 "/guid=" ARCH_GUID, "identity.dn");
    /* Its server takes the target's domain and keeps its GUID; never the primary's server. */
    want_set_text(f, K(10), "001f662b", PM_REG_BINARY, ARCH_GUID "@target.example", "server.name");
    want_set_text(f, K(10), "001e660c", PM_REG_SZ, ARCH_GUID "@target.example", "server.name");
    want_set_text(f, K(10), "001f3001", PM_REG_BINARY, "Online Archive - " SMTP_A2,
                  "identity.display");
    /* Named after the address, as Exchange Online names it: the target's address, even when
     * the PUF gives a display name. */
    f->q[0].entry.target_display = (char *)"Alice Example";
    run_plan(f);
    want_set_text(f, K(10), "001f3001", PM_REG_BINARY, "Online Archive - " SMTP_A2,
                  "identity.display");
    f->q[0].entry.target_display = NULL;

    /* The PUF's target archive GUID (field 9) replaces the suffix and the server's GUID. */
    f->q[0].entry.target_archive_guid = (char *)ARCH_GUID2;
    run_plan(f);
    want_set_text(f, K(10), "001e660b", PM_REG_SZ, DN_A2 "/guid=" ARCH_GUID2, "identity.dn");
    want_set_text(f, K(10), "001f662b", PM_REG_BINARY, ARCH_GUID2 "@target.example",
                  "server.name");

    /* Without a target server there is no target domain: the archive's server goes. */
    f->q[0].entry.target_server = NULL;
    run_plan(f);
    want_delete(f, K(10), "001f662b", "server.name");
}

static void test_archive_dn_matches_its_mailbox_line(void **state)
{
    struct fx *f = *state;
    /* A shared mailbox's archive in alice's profile: looked up by the shared mailbox's DN. */
    const unsigned extra[] = {10, 0};
    alice(f, extra);
    other_store(f, 10, 0, 2, DN_B "/guid=" ARCH_GUID, 1);
    migrated(f, DN_B, DN_B2, "bob@target.example", NULL, NULL, NULL, 2);
    struct pm_strlist keys = PM_STRLIST_INIT;
    run_plan(f);
    assert_int_equal(pm_plan_queries(&f->m, &keys), 0);
    assert_true(pm_strlist_find(&keys, DN_B) >= 0);
    pm_strlist_release(&keys);
    want_set_text(f, K(10), "001e660b", PM_REG_SZ, DN_B2 "/guid=" ARCH_GUID, "identity.dn");
    const struct pm_decision *d = decision_for(f, store_index(f, 10));
    assert_non_null(d);
    assert_int_equal(d->kind, PM_DEC_UPDATED);
}

static void test_delegate_without_dn_is_not_the_owner(void **state)
{
    struct fx *f = *state;
    /* Outlook 2016+ adds a shared mailbox by address and name alone until it first connects. */
    const unsigned extra[] = {10, 11, 0};
    alice(f, extra);
    other_store(f, 10, 0, 2, NULL, 0);
    put_w(f, K(10), "001f6641", "SMTP:helpdesk@source.example");
    put_w(f, K(10), "001f3001", "Mailbox - Helpdesk");
    other_store(f, 11, 0, 2, NULL, 0); /* neither DN nor address */
    migrated(f, DN_A, DN_A2, SMTP_A2, "Alice Example", NULL, NULL, 1);
    run_plan(f);
    /* Alice's update never reaches the shared stores. */
    assert_int_equal(edits_in(f, K(10)), 0);
    assert_int_equal(edits_in(f, K(11)), 0);
    const struct pm_decision *d = decision_for(f, store_index(f, 10));
    assert_non_null(d);
    assert_int_equal(d->kind, PM_DEC_NOT_IN_PUF);
    assert_string_equal(d->dn, "helpdesk@source.example");
    d = decision_for(f, store_index(f, 11));
    assert_non_null(d);
    assert_int_equal(d->kind, PM_DEC_SKIPPED);
    assert_non_null(strstr(d->reason, K(11)));
    assert_int_equal(f->plan.warnings.n, 1);
    assert_non_null(strstr(f->plan.warnings.items[0], K(11)));

    /* The address is looked up (PUF field 7); when it is there the store is updated alone. */
    struct pm_strlist keys = PM_STRLIST_INIT;
    assert_int_equal(pm_plan_queries(&f->m, &keys), 0);
    long at = pm_strlist_find(&keys, "helpdesk@source.example");
    assert_true(at >= 0);
    assert_true(pm_plan_query_is_smtp(keys.items[at]));
    assert_false(pm_plan_query_is_smtp(DN_A));
    pm_strlist_release(&keys);
    struct pm_puf_query *q = answer(f, "helpdesk@source.example", PM_PUF_SOURCE, 7);
    q->entry.source_dn = (char *)ORG_S "/cn=Recipients/cn=helpdesk";
    q->entry.target_dn = (char *)ORG_T "/cn=Recipients/cn=1234-helpdesk";
    q->entry.target_smtp = (char *)"helpdesk@target.example";
    q->entry.target_display = (char *)"Helpdesk (new)";
    run_plan(f);
    want_set_text(f, K(10), "001f6641", PM_REG_BINARY, "SMTP:helpdesk@target.example",
                  "identity.smtp");
    want_set_text(f, K(10), "001f3001", PM_REG_BINARY, "Mailbox - Helpdesk (new)",
                  "identity.display");
    want_none(f, K(10), "001e660b");
    d = decision_for(f, store_index(f, 10));
    assert_int_equal(d->kind, PM_DEC_UPDATED);
    assert_int_equal(d->puf_line, 7);
}

static void test_delegate_with_owner_dn_gets_its_own_line(void **state)
{
    struct fx *f = *state;
    /* A delegate store is never the account's own mailbox, even with a DN equal to the owner's:
     * it is decided on its own line, so it can never take another mailbox's identity. */
    const unsigned extra[] = {10, 0};
    alice(f, extra);
    other_store(f, 10, 0, 2, DN_A, 0);
    migrated(f, DN_A, DN_A2, SMTP_A2, NULL, NULL, NULL, 1);
    run_plan(f);
    const struct pm_decision *d = decision_for(f, store_index(f, 10));
    assert_non_null(d);
    assert_int_equal(d->kind, PM_DEC_UPDATED);
    assert_int_equal(d->puf_line, 1);
}

static void test_signin_name(void **state)
{
    struct fx *f = *state;
    alice(f, NULL);
    put_w(f, K(EMS), "001f3d16", "alice.upn@source.example");
    put_w(f, K(EMS), "001f3d17", "");
    migrated(f, DN_A, DN_A2, SMTP_A2, NULL, NULL, NULL, 1);
    run_plan(f);
    /* No sign-in name in the PUF: Outlook asks the user for the target one. */
    want_delete(f, K(EMS), "001f3d16", "identity.signin");
    f->q[0].entry.target_upn = (char *)"alice.upn@target.example";
    run_plan(f);
    want_set_text(f, K(EMS), "001f3d16", PM_REG_BINARY, "alice.upn@target.example",
                  "identity.signin");
    /* The empty credential domain names nothing and stays. */
    want_none(f, K(EMS), "001f3d17");
}

static void test_profile_name_is_not_swept(void **state)
{
    struct fx *f = *state;
    /* A profile named after the old address: its name value must keep naming the profile's key,
     * which an update never renames. */
    alice(f, NULL);
    put_sz(f, K(EMS), "001e6750", SMTP_A);
    put_w(f, K(EMS), "001f6750", SMTP_A);
    migrated(f, DN_A, DN_A2, SMTP_A2, NULL, NULL, NULL, 1);
    run_plan(f);
    want_none(f, K(EMS), "001e6750");
    want_none(f, K(EMS), "001f6750");
}

static void test_ost_keeps_profile_suffix_and_force_path(void **state)
{
    struct fx *f = *state;
    alice(f, NULL);
    put_w(f, K(EMS), "001f6610", OST_DIR SMTP_A " - Outlook.ost");
    migrated(f, DN_A, DN_A2, SMTP_A2, NULL, NULL, NULL, 1);
    f->cfg.ost_action = PM_OST_RENAME;
    run_plan(f);
    want_set_text(f, K(EMS), "001f6610", PM_REG_BINARY, OST_DIR SMTP_A2 " - Outlook.ost",
                  "config.ost");
    /* The ForceOSTPath policy of the profile's Outlook version moves the new file. */
    pmt_put_sz(f->st, "Software\\Policies\\Microsoft\\Office\\16.0\\Outlook", "ForceOSTPath",
               "D:\\OST");
    run_plan(f);
    want_set_text(f, K(EMS), "001f6610", PM_REG_BINARY, "D:\\OST\\" SMTP_A2 " - Outlook.ost",
                  "config.ost");
}

static void test_two_profiles_never_share_an_ost(void **state)
{
    struct fx *f = *state;
    alice(f, NULL);
    put_w(f, K(EMS), "001f6610", OST_DIR SMTP_A ".ost");
    /* A second profile of the same mailbox whose OST was named without the suffix too. */
#define P16B O16 "\\Second"
    const unsigned s[] = {SVC, 0};
    put_uids(f, P16B "\\" PM_SECTION_MASTER, "01023d0e", s);
    put_w(f, key(P16B, SVC), "001f3d09", "MSEMS");
    put_uid(f, key(P16B, SVC), "01023d15", EMS);
    put_uid(f, key(P16B, SVC), "01023d00", PRI);
    put_sz(f, key(P16B, EMS), "001e6603", DN_A);
    put_w(f, key(P16B, EMS), "001f6610", "D:\\Other\\" SMTP_A ".ost");
    put_w(f, key(P16B, EMS), "001f6641", SMTP_A);
    migrated(f, DN_A, DN_A2, SMTP_A2, NULL, NULL, NULL, 1);
    f->cfg.ost_action = PM_OST_RENAME;
    pmt_put_sz(f->st, "Software\\Policies\\Microsoft\\Office\\16.0\\Outlook", "ForceOSTPath",
               "E:\\OST\\");
    run_plan(f);
    const struct pm_edit *a = edit(f, K(EMS), "001f6610"), *b = edit(f, key(P16B, EMS), "001f6610");
    assert_non_null(a);
    assert_non_null(b);
    struct pm_buf ta = PM_BUF_INIT, tb = PM_BUF_INIT;
    assert_int_equal(pm_mapi_string_get(a->name, a->type, a->data, a->len, &ta), 1);
    assert_int_equal(pm_mapi_string_get(b->name, b->type, b->data, b->len, &tb), 1);
    assert_string_not_equal(ta.data, tb.data);
    /* The first profile walked keeps the plain name, the other takes its profile suffix. */
    assert_true(strstr(ta.data, " - ") || strstr(tb.data, " - Second.ost"));
    pm_buf_release(&ta);
    pm_buf_release(&tb);
}

static void test_home_server_fqdn_in_the_service_section(void **state)
{
    struct fx *f = *state;
    alice(f, NULL);
    /* A real Exchange Online profile also writes 001f662a in the MSEMS service section. */
    put_w(f, K(SVC), "001f662a", SRV_A);
    put_w(f, K(EMS), "001f662a", SRV_A);
    migrated(f, DN_A, DN_A2, SMTP_A2, NULL, SRV_A2, SRVDN_A2, 1);
    run_plan(f);
    want_set_text(f, K(SVC), "001f662a", PM_REG_BINARY, SRV_A2, "server.name");
    want_set_text(f, K(EMS), "001f662a", PM_REG_BINARY, SRV_A2, "server.name");
}

static void test_roh_enable_warns_on_mapi_http_profiles(void **state)
{
    struct fx *f = *state;
    alice(f, NULL);
    put_w(f, K(EMS), "001f6652", "https://exch01.source.example/mapi/emsmdb/?MailboxId=" SRV_A);
    f->cfg.outlook_anywhere = PM_ENABLE;
    f->cfg.proxy_server = pm_strdup("mail.target.example");
    migrated(f, DN_A, DN_A2, SMTP_A2, NULL, NULL, NULL, 1);
    run_plan(f);
    assert_int_equal(f->plan.warnings.n, 1);
    assert_non_null(strstr(f->plan.warnings.items[0], "MAPI/HTTP"));
    f->cfg.outlook_anywhere = PM_KEEP;
    run_plan(f);
    assert_int_equal(f->plan.warnings.n, 0);
}


/* ---- store EntryIDs outside the accounts (CONTAB, the Outlook global section) ---- */

#define CONTAB_SVC 20
#define CONTAB_PROV 21
#define GLOBAL_KEY P16 "\\" PM_SECTION_OUTLOOK_GLOBAL

/* Alice's account beside an Outlook Address Book whose contact folders are in alice's and
 * carol's (unmigrated) mailboxes, and a global section pointing at alice's mailbox: the shapes
 * of a real Outlook 2013 profile (64-bit lists, v1 store EntryIDs). */
static void contab_profile(struct fx *f)
{
    const unsigned s[] = {SVC, CONTAB_SVC, 0};
    services(f, s);
    account(f, 0, DN_A, "SMTP:" SMTP_A, 1, NULL);
    put_w(f, K(CONTAB_SVC), "001f3d09", "CONTAB");
    put_uid(f, K(CONTAB_SVC), "01023d01", CONTAB_PROV);
    put_w(f, K(CONTAB_PROV), "001f3d09", "CONTAB");
    struct pm_buf eids[2] = {PM_BUF_INIT, PM_BUF_INIT}, list = PM_BUF_INIT;
    pmt_store_eid(&eids[0], SRV_A, DN_A);
    pmt_store_eid(&eids[1], "c0c0c0c0-0000-4000-8000-00000000c0c0@source.example", DN_C);
    pmt_mv_bin64(&list, eids, 2);
    put_bin(f, K(CONTAB_PROV), "11026626", list.data, list.len);
    const char *names[] = {SMTP_A, "carol@source.example"};
    pmt_mv_str64(&list, names, 2, 0);
    put_bin(f, K(CONTAB_PROV), "101e6622", list.data, list.len);
    pmt_mv_str64(&list, names, 2, 1);
    put_bin(f, K(CONTAB_PROV), "101f6627", list.data, list.len);
    /* A value no row names that mentions alice: outside the accounts it is not swept. */
    put_w(f, K(CONTAB_PROV), "001f6700", "notes about " DN_A);
    pmt_mv_bin64(&list, eids, 1);
    put_bin(f, GLOBAL_KEY, "1102039b", list.data, list.len);
    /* Version 3 of 11020434: u32 3, u32 2, u32 0, then u32 cb + blob twice (a folder EntryID,
     * the store EntryID): its inner lengths are not rewritten, so it goes. */
    struct pm_buf inner = PM_BUF_INIT;
    static const uint8_t head[12] = {3, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0};
    uint8_t folder[46] = {0}, cb[4];
    pm_buf_append(&inner, head, 12);
    pm_mapi_long_put(46, cb);
    pm_buf_append(&inner, cb, 4);
    pm_buf_append(&inner, folder, 46);
    pm_mapi_long_put((uint32_t)eids[0].len, cb);
    pm_buf_append(&inner, cb, 4);
    pm_buf_append(&inner, eids[0].data, eids[0].len);
    pmt_mv_bin64(&list, &inner, 1);
    put_bin(f, GLOBAL_KEY, "11020434", list.data, list.len);
    pm_buf_release(&inner);
    pm_buf_release(&eids[0]);
    pm_buf_release(&eids[1]);
    pm_buf_release(&list);
}

/* Entry i of an edited list value, read back as a store EntryID. */
static void want_eid_entry(const struct pm_edit *e, size_t i, const char *server, const char *dn,
                           enum pm_mv_layout layout)
{
    struct pm_mv_list l = PM_MV_LIST_INIT;
    assert_non_null(e);
    assert_int_equal(e->op, PM_EDIT_SET);
    assert_int_equal(pm_mv_parse(PM_MV_BINARY, e->data, e->len, &l), 1);
    assert_int_equal(l.layout, layout);
    assert_true(i < l.n);
    struct pm_storeeid eid;
    assert_int_equal(pm_storeeid_read(l.items[i].data, l.items[i].len, 0, &eid), 1);
    assert_int_equal(eid.server_len, strlen(server));
    assert_memory_equal(eid.server, server, eid.server_len);
    assert_int_equal(eid.dn_len, strlen(dn));
    assert_memory_equal(eid.dn, dn, eid.dn_len);
    pm_mv_list_release(&l);
}

static void test_store_entryids_outside_the_account(void **state)
{
    struct fx *f = *state;
    contab_profile(f);
    migrated(f, DN_A, DN_A2, SMTP_A2, NULL, SRV_A2, SRVDN_A2, 1);
    run_plan(f);
    /* The address book's list: alice's EntryID rebuilt, carol's untouched, framing consistent
     * in the 64-bit layout it had. */
    want_eid_entry(edit(f, K(CONTAB_PROV), "11026626"), 0, SRV_A2, DN_A2, PM_MV_LAYOUT_64);
    want_eid_entry(edit(f, K(CONTAB_PROV), "11026626"), 1,
                   "c0c0c0c0-0000-4000-8000-00000000c0c0@source.example", DN_C, PM_MV_LAYOUT_64);
    want_eid_entry(edit(f, GLOBAL_KEY, "1102039b"), 0, SRV_A2, DN_A2, PM_MV_LAYOUT_64);
    /* The names beside it follow, in both encodings. */
    const char *now[] = {SMTP_A2, "carol@source.example"};
    struct pm_buf want = PM_BUF_INIT;
    const struct pm_edit *e = edit(f, K(CONTAB_PROV), "101e6622");
    assert_non_null(e);
    pmt_mv_str64(&want, now, 2, 0);
    assert_int_equal(e->len, want.len);
    assert_memory_equal(e->data, want.data, want.len);
    e = edit(f, K(CONTAB_PROV), "101f6627");
    assert_non_null(e);
    pmt_mv_str64(&want, now, 2, 1);
    assert_int_equal(e->len, want.len);
    assert_memory_equal(e->data, want.data, want.len);
    pm_buf_release(&want);
    want_delete(f, GLOBAL_KEY, "11020434", "linked.embedded");
    want_none(f, K(CONTAB_PROV), "001f6700");

    /* No target server in the PUF: an EntryID cannot be rebuilt, and the lists go. */
    f->q[0].entry.target_server = NULL;
    run_plan(f);
    want_delete(f, K(CONTAB_PROV), "11026626", "linked.storelist");
    want_delete(f, GLOBAL_KEY, "1102039b", "linked.storelist");

    /* Nothing migrated: nothing outside the accounts is touched. */
    f->nq = 0;
    run_plan(f);
    assert_int_equal(edits_in(f, K(CONTAB_PROV)), 0);
    assert_int_equal(edits_in(f, GLOBAL_KEY), 0);
}

static void test_store_list_that_does_not_parse_is_left_with_a_warning(void **state)
{
    struct fx *f = *state;
    contab_profile(f);
    /* Cut one byte off the list: the count and table no longer agree with the data. */
    struct pm_value v = PM_VALUE_INIT;
    struct pm_error err;
    assert_int_equal(pm_store_get(f->st, K(CONTAB_PROV), "11026626", &v, &err), 1);
    put_bin(f, K(CONTAB_PROV), "11026626", v.data, v.len - 1);
    pm_value_release(&v);
    migrated(f, DN_A, DN_A2, SMTP_A2, NULL, SRV_A2, SRVDN_A2, 1);
    run_plan(f);
    want_none(f, K(CONTAB_PROV), "11026626");
    int warned = 0;
    for (size_t i = 0; i < f->plan.warnings.n; i++)
        warned |= strstr(f->plan.warnings.items[i], "11026626") != NULL &&
                  strstr(f->plan.warnings.items[i], K(CONTAB_PROV)) != NULL;
    assert_true(warned);
}

static void test_delegates_on_their_own_line(void **state)
{
    struct fx *f = *state;
    /* Carol's account (not migrated) holds bob's mailbox (migrated) as a delegate store. */
    const unsigned s[] = {SVC, 0}, extra[] = {5, 0};
    services(f, s);
    account(f, 0, DN_C, NULL, 1, extra);
    other_store(f, 5, 0, 2, DN_B, 0);
    put_w(f, K(5), "001f6641", "SMTP:bob@source.example");
    put_w(f, K(5), "001f3001", "Mailbox - Bob Example");
    put_bin(f, K(5), "01020fff", "\x00\x01", 2);
    put_w(f, K(5), "001f6757", "bob@source.example");   /* swept with bob's identity */
    put_w(f, K(PRI), "001f6757", "bob@source.example"); /* carol's: not bob's section */
    answer(f, DN_C, PM_PUF_NONE, 0);
    migrated(f, DN_B, DN_B2, "bob@target.example", "Bob Example (new)", "x@target.example", NULL,
             5);
    run_plan(f);
    assert_int_equal(f->plan.ndecisions, 2);
    assert_int_equal(f->plan.decisions[0].kind, PM_DEC_NOT_IN_PUF);
    assert_int_equal(f->plan.decisions[0].section, -1);
    assert_int_equal(f->plan.decisions[1].kind, PM_DEC_UPDATED);
    assert_true(f->plan.decisions[1].section >= 0);
    assert_string_equal(f->m.profiles[0].accounts[0].sections[f->plan.decisions[1].section].path,
                        K(5));
    want_set_text(f, K(5), "001e660b", PM_REG_SZ, DN_B2, "identity.dn");
    want_set_text(f, K(5), "001f6641", PM_REG_BINARY, "SMTP:bob@target.example", "identity.smtp");
    want_set_text(f, K(5), "001f3001", PM_REG_BINARY, "Mailbox - Bob Example (new)",
                  "identity.display");
    want_delete(f, K(5), "01020fff", "cache.entryid");
    want_set_text(f, K(5), "001f6757", PM_REG_BINARY, "bob@target.example", "sweep.rewrite");
    /* Only bob's store section is edited. */
    for (size_t i = 0; i < f->plan.nedits; i++)
        assert_string_equal(f->plan.edits[i].key, K(5));

    /* The other way round: the account migrated, the delegate not: the delegate stays. */
    f->nq = 0;
    migrated(f, DN_C, DN_A2, SMTP_A2, NULL, NULL, NULL, 2);
    answer(f, DN_B, PM_PUF_NONE, 0);
    run_plan(f);
    assert_int_equal(f->plan.decisions[0].kind, PM_DEC_UPDATED);
    assert_int_equal(f->plan.decisions[1].kind, PM_DEC_NOT_IN_PUF);
    assert_int_equal(edits_in(f, K(5)), 0);
    want_set_text(f, K(PRI), "001e660b", PM_REG_SZ, DN_A2, "identity.dn");
}

static void test_nothing_outside_matched_sections(void **state)
{
    struct fx *f = *state;
    alice(f, NULL);
    /* Source traces outside the account's sections: master, Outlook global, preferences,
     * another profile's keys, an application's key. */
    put_a8(f, P16 "\\" PM_SECTION_MASTER, "001e6760", DN_A);
    put_w(f, P16 "\\" PM_SECTION_OUTLOOK_GLOBAL, "001f6760", SMTP_A);
    put_w(f, K(9), "001f6760", SMTP_A);
    put_w(f, "Software\\Contoso\\App", "LastUser", SMTP_A);
    sweep_values(f, K(EMS));
    migrated(f, DN_A, DN_A2, SMTP_A2, NULL, NULL, NULL, 1);
    run_plan(f);
    assert_true(f->plan.nedits > 5);
    const struct pm_account *a = &f->m.profiles[0].accounts[0];
    for (size_t i = 0; i < f->plan.nedits; i++) {
        int inside = 0;
        for (size_t s = 0; s < a->nsections; s++)
            inside |= pm_name_casecmp(a->sections[s].path, f->plan.edits[i].key) == 0;
        if (!inside)
            fail_msg("edit outside the mailbox: %s\\%s", f->plan.edits[i].key,
                     f->plan.edits[i].name);
        assert_int_equal(f->plan.edits[i].profile, 0);
    }
    assert_int_equal(pm_plan_touches_profile(&f->plan, 0), 1);
    assert_int_equal(pm_plan_profiles_touched(&f->plan, f->m.nprofiles), 1);
}

/* ---- idempotence ---- */

static void apply_plan(struct fx *f)
{
    struct pm_apply_result res;
    struct pm_error err;
    pm_error_clear(&err);
    assert_int_equal(pm_apply(f->st, &f->m, &f->plan, NULL, &res, &err), 0);
    assert_int_equal(res.edits_done, f->plan.nedits);
}

static void test_second_plan_is_empty(void **state)
{
    struct fx *f = *state;
    servers_profile(f);
    sweep_values(f, K(EMS));
    put_long(f, K(EMS), "00036601", 0x4);
    put_w(f, K(EMS), "001f6610", OST_DIR SMTP_A ".ost");
    roh_values(f, K(PRI));
    struct pm_buf b = PM_BUF_INIT;
    abeid(&b, DN_A);
    put_bin(f, AM "\\00000001", "Identity Eid", b.data, b.len);
    pm_buf_release(&b);
    f->cfg.cached_mode = PM_ENABLE;
    f->cfg.outlook_anywhere = PM_ENABLE;
    f->cfg.proxy_server = pm_strdup("mail.target.example");
    f->cfg.proxy_auth = PM_PROXY_AUTH_NTLM;
    f->cfg.ost_action = PM_OST_RENAME;
    migrated(f, DN_A, DN_A2, SMTP_A2, "Alice", SRV_A2, SRVDN_A2, 1);
    answer(f, DN_A2, PM_PUF_TARGET, 1);
    run_plan(f);
    assert_true(f->plan.nedits > 20);
    apply_plan(f);
    run_plan(f);
    assert_int_equal(f->plan.nedits, 0);
    assert_int_equal(f->plan.nmoves, 0);
    assert_int_equal(f->plan.decisions[0].kind, PM_DEC_CURRENT);
}

/* The fixture scenarios with their own mbm.puf and prof.config: plan, apply, plan again. */
static int puf_answers(void *ctx, struct pm_puf_query *q, size_t nq, struct pm_error *err)
{
    (void)err;
    const struct pm_buf *puf = ctx;
    const char *p = puf->data, *end = puf->data + puf->len;
    unsigned line = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        line++;
        if (len && p[len - 1] == '\r')
            len--;
        struct pm_puf_entry e;
        char why[256];
        memset(&e, 0, sizeof(e));
        if (pm_puf_parse_line(p, len, line, &e, why, sizeof(why)) == 0) {
            size_t sl, tl;
            const char *sk = pm_puf_dn_key(e.source_dn, strlen(e.source_dn), &sl);
            const char *tk = pm_puf_dn_key(e.target_dn, strlen(e.target_dn), &tl);
            for (size_t i = 0; i < nq; i++) {
                if (q[i].by == PM_PUF_BY_SMTP) {
                    /* An address: field 7 is the source, field 3 the target. */
                    if (e.source_smtp && pm_name_casecmp(q[i].smtp, e.source_smtp) == 0) {
                        q[i].match = PM_PUF_SOURCE;
                        assert_int_equal(pm_puf_entry_copy(&q[i].entry, &e), 0);
                    } else if (q[i].match == PM_PUF_NONE &&
                               pm_name_casecmp(q[i].smtp, e.target_smtp) == 0) {
                        q[i].match = PM_PUF_TARGET;
                        assert_int_equal(pm_puf_entry_copy(&q[i].entry, &e), 0);
                    }
                    continue;
                }
                size_t n = strlen(q[i].dn);
                if (n == sl && pm_ascii_ncasecmp(q[i].dn, sk, n) == 0) {
                    q[i].match = PM_PUF_SOURCE;
                    assert_int_equal(pm_puf_entry_copy(&q[i].entry, &e), 0);
                } else if (q[i].match == PM_PUF_NONE && n == tl &&
                           pm_ascii_ncasecmp(q[i].dn, tk, n) == 0) {
                    q[i].match = PM_PUF_TARGET;
                    q[i].entry.line = line;
                }
            }
            pm_puf_entry_release(&e);
        }
        p = nl ? nl + 1 : end;
    }
    return 0;
}

static void test_fixture_second_plan_is_empty(void **state)
{
    (void)state;
    const char *const *names = pmt_fixture_scenarios();
    for (size_t s = 0; names[s]; s++) {
        struct pm_store *st;
        struct pmt_manifest man;
        struct pm_error err;
        struct pm_config cfg;
        pm_error_clear(&err);
        pmt_manifest_init(&man);
        assert_int_equal(pm_store_open(&st, "mem:", 0, NULL), 0);
        assert_int_equal(pmt_fixture_build(st, names[s], PMT_BEFORE, &man, &err), 0);
        assert_int_equal(
            pm_config_parse(&cfg, "prof.config", man.config.data, man.config.len, NULL, NULL, &err),
            0);
        for (int round = 0; round < 2; round++) {
            struct pm_update u;
            struct pm_update_opts o = {0};
            o.store = st;
            o.answer = puf_answers;
            o.answer_ctx = &man.puf_now;
            pm_update_begin(&u, &cfg, &o);
            assert_int_equal(pm_update_read(&u, NULL, NULL, &err), 0);
            assert_int_equal(pm_update_resolve(&u, NULL, NULL, &err), 0);
            assert_int_equal(pm_update_plan(&u, &err), 0);
            const struct pm_plan plan = u.plan;
            const struct pm_model m = u.model;
            if (round == 0) {
                if (plan.nedits == 0)
                    fail_msg("%s: first plan is empty", names[s]);
                struct pm_apply_result res;
                assert_int_equal(pm_apply(st, &m, &plan, NULL, &res, &err), 0);
            } else if (plan.nedits) {
                fail_msg("%s: second plan has %zu edits, first %s\\%s (rule %s)", names[s],
                         plan.nedits, plan.edits[0].key, plan.edits[0].name, plan.edits[0].rule);
            }
            pm_update_end(&u, 0, NULL);
        }
        pm_config_release(&cfg);
        pmt_manifest_release(&man);
        pm_store_close(st);
    }
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    /* clang-format off */
    const struct CMUnitTest tests[] = {
        T(test_identity_keeps_variant_and_prefix),
        T(test_identity_smtp_created_when_missing),
        T(test_identity_eid_rebuilt),
        T(test_servers_from_puf),
        T(test_servers_deleted_without_puf_values),
        T(test_unicode_variants),
        T(test_unicode_server_known_to_the_sweep),
        T(test_2007_and_residue),
        T(test_caches_deleted),
        T(test_links_never_edited),
        cmocka_unit_test(test_cached_mode),
        T(test_outlook_anywhere_enable),
        T(test_outlook_anywhere_disable_and_keep),
        T(test_outlook_anywhere_keep_leaves_other_proxies),
        T(test_outlook_anywhere_flags_not_in_config_keep_their_bits),
        T(test_ost_actions),
        T(test_ost_rename_name_taken),
        T(test_sweep),
        T(test_sweep_same_org),
        T(test_decisions),
        T(test_delegates_on_their_own_line),
        T(test_archive_keeps_its_guid_suffix),
        T(test_archive_dn_matches_its_mailbox_line),
        T(test_delegate_without_dn_is_not_the_owner),
        T(test_delegate_with_owner_dn_gets_its_own_line),
        T(test_signin_name),
        T(test_profile_name_is_not_swept),
        T(test_ost_keeps_profile_suffix_and_force_path),
        T(test_two_profiles_never_share_an_ost),
        T(test_roh_enable_warns_on_mapi_http_profiles),
        T(test_home_server_fqdn_in_the_service_section),
        T(test_store_entryids_outside_the_account),
        T(test_store_list_that_does_not_parse_is_left_with_a_warning),
        T(test_nothing_outside_matched_sections),
        T(test_second_plan_is_empty),
        cmocka_unit_test(test_fixture_second_plan_is_empty),
    };
    /* clang-format on */
    return cmocka_run_group_tests(tests, NULL, NULL);
}
