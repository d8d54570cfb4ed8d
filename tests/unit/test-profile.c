/* Tests of the profile model (outlook-profile-format.md §1-§4): small profiles written value by
 * value into a mem store, so each test shows exactly what it depends on, and the realistic
 * fixture scenarios checked against their manifests. The model must find every root and
 * profile, the default profile, the Exchange accounts and only those, each account's EMSMDB
 * section (or the 2007 global section), its stores in order with their kinds, its Account
 * Manager subkey and any 13dbb0c8 residue, and the owner's DN and SMTP address; oddities are
 * warnings, never errors. */
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
#include "pm/mapi.h"
#include "pm/profile.h"
#include "pm/store.h"
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

#define WMS "Software\\Microsoft\\Windows NT\\CurrentVersion\\Windows Messaging Subsystem\\Profiles"
#define O15 "Software\\Microsoft\\Office\\15.0\\Outlook\\Profiles"
#define O16 "Software\\Microsoft\\Office\\16.0\\Outlook\\Profiles"
#define P16 O16 "\\Outlook"

#define DN_A "/o=Source Org/ou=AG/cn=Recipients/cn=alice"
#define DN_B "/o=Source Org/ou=AG/cn=Recipients/cn=bob"

static const uint8_t mdb_primary[16] = {0x54, 0x94, 0xa1, 0xc0, 0x29, 0x7f, 0x10, 0x1b,
                                        0xa5, 0x87, 0x08, 0x00, 0x2b, 0x2a, 0x25, 0x17};
static const uint8_t mdb_delegate[16] = {0x9e, 0xb4, 0x77, 0x00, 0x74, 0xe4, 0x11, 0xce,
                                         0x8c, 0x5e, 0x00, 0xaa, 0x00, 0x42, 0x54, 0xe2};
static const uint8_t mdb_public[16] = {0x78, 0xb2, 0xfa, 0x70, 0xaf, 0xf7, 0x11, 0xcd,
                                       0x9b, 0xc8, 0x00, 0xaa, 0x00, 0x2f, 0xc4, 0x5a};

struct fx {
    struct pm_store *st;
    struct pm_model m;
    struct pm_strlist warnings; /* "where: message" */
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    assert_int_equal(pm_store_open(&f->st, "mem:", 0, NULL), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    pm_model_release(&f->m);
    pm_strlist_release(&f->warnings);
    pm_store_close(f->st);
    free(f);
    return 0;
}

static void on_warn(void *ctx, const char *where, unsigned line, const char *msg)
{
    (void)line;
    struct fx *f = ctx;
    char buf[2048];
    snprintf(buf, sizeof(buf), "%s: %s", where ? where : "", msg);
    assert_int_equal(pm_strlist_add(&f->warnings, buf), 0);
}

static void read_model(struct fx *f)
{
    struct pm_error err;
    pm_error_clear(&err);
    pm_model_release(&f->m);
    assert_int_equal(pm_model_read(f->st, &f->m, on_warn, f, &err), 0);
}

/* Number of warnings that mention both strings. */
static size_t warned(const struct fx *f, const char *a, const char *b)
{
    size_t n = 0;
    for (size_t i = 0; i < f->warnings.n; i++)
        if (strstr(f->warnings.items[i], a) && (!b || strstr(f->warnings.items[i], b)))
            n++;
    return n;
}

/* ---- writers: one registry value each, the way Outlook writes it (§2.3) ---- */









/* The master section's services list. */
static void services(struct fx *f, const char *profile, const unsigned *ns)
{
    char k[512];
    snprintf(k, sizeof(k), "%s\\" PM_SECTION_MASTER, profile);
    put_uids(f, k, "01023d0e", ns);
}

/* A store provider section owned by service svc. */
static void store(struct fx *f, const char *profile, unsigned n, unsigned svc, uint32_t type,
                  const char *dn)
{
    const char *k = key(profile, n);
    put_uid(f, k, "01023d0c", svc);
    if (type)
        put_long(f, k, "0003660a", type);
    if (dn)
        put_sz(f, k, "001e660b", dn);
}

/* An MSEMS service svc with EMSMDB section ems (0: none), stores listed by the service and by
 * the EMSMDB section. */
static void exchange(struct fx *f, const char *profile, unsigned svc, unsigned ems,
                     const unsigned *svc_stores, const unsigned *ems_stores, const char *dn)
{
    const char *ks = key(profile, svc);
    put_w(f, ks, "001f3d09", "MSEMS");
    if (ems)
        put_uid(f, ks, "01023d15", ems);
    if (svc_stores)
        put_uids(f, ks, "01023d00", svc_stores);
    if (ems) {
        const char *ke = key(profile, ems);
        if (dn)
            put_sz(f, ke, "001e6603", dn);
        if (ems_stores)
            put_uids(f, ke, "01023d00", ems_stores);
    }
}

static const struct pm_profile *profile_named(const struct fx *f, const char *root,
                                              const char *name)
{
    for (size_t i = 0; i < f->m.nprofiles; i++)
        if (!strcmp(f->m.profiles[i].root, root) && !strcmp(f->m.profiles[i].name, name))
            return &f->m.profiles[i];
    return NULL;
}

static const struct pm_section *section_at(const struct pm_account *a, const char *path)
{
    for (size_t i = 0; i < a->nsections; i++)
        if (pm_name_casecmp(a->sections[i].path, path) == 0)
            return &a->sections[i];
    return NULL;
}

static size_t count_role(const struct pm_account *a, enum pm_section_role r)
{
    size_t n = 0;
    for (size_t i = 0; i < a->nsections; i++)
        n += a->sections[i].role == r;
    return n;
}

/* ---- tests on hand-made profiles ---- */

static void test_every_root_walked(void **state)
{
    struct fx *f = *state;
    const unsigned s1[] = {1, 0}, st[] = {3, 0};
    const char *roots[] = {WMS "\\P1", O15 "\\P2", O16 "\\P3"};
    for (int i = 0; i < 3; i++) {
        services(f, roots[i], s1);
        exchange(f, roots[i], 1, 2, st, NULL, DN_A);
        store(f, roots[i], 3, 1, 1, DN_A);
    }
    read_model(f);
    assert_int_equal(f->m.nprofiles, 3);
    /* Roots in the documented order. */
    assert_string_equal(f->m.profiles[0].root, pm_profile_roots[0]);
    assert_string_equal(f->m.profiles[1].root, pm_profile_roots[1]);
    assert_string_equal(f->m.profiles[0].path, roots[0]);
    assert_string_equal(f->m.profiles[1].path, roots[1]);
    for (int i = 0; i < 3; i++) {
        const struct pm_profile *p = &f->m.profiles[i];
        assert_int_equal(p->naccounts, 1);
        assert_string_equal(p->accounts[0].dn, DN_A);
    }
    assert_int_equal(f->warnings.n, 0);
}

static void test_profile_without_services(void **state)
{
    struct fx *f = *state;
    /* A profile created but never set up: no services, no 13dbb0c8. It is a profile with no
     * account, and nothing in it is "listed but missing", so there is nothing to warn about. */
    put_sz(f, O16 "\\Empty\\" PM_SECTION_MASTER, "001f3001", "x");
    read_model(f);
    assert_int_equal(f->m.nprofiles, 1);
    assert_int_equal(f->m.profiles[0].naccounts, 0);
    assert_int_equal(f->m.profiles[0].nservices, 0);
    assert_int_equal(f->warnings.n, 0);
}

static void test_default_profile(void **state)
{
    struct fx *f = *state;
    put_sz(f, O16 "\\Alpha\\" PM_SECTION_MASTER, "x", "x");
    put_sz(f, O16 "\\Beta\\" PM_SECTION_MASTER, "x", "x");
    put_sz(f, WMS "\\Old\\" PM_SECTION_MASTER, "x", "x");
    put_sz(f, WMS "\\Other\\" PM_SECTION_MASTER, "x", "x");
    /* 16.0 keeps DefaultProfile on ...\Outlook; WMS on the Profiles key itself (§1.2).
     * Names compare case-insensitively, as the registry does. */
    put_sz(f, "Software\\Microsoft\\Office\\16.0\\Outlook", "DefaultProfile", "beta");
    put_sz(f, WMS, "DefaultProfile", "Old");
    read_model(f);
    assert_int_equal(f->m.nprofiles, 4);
    assert_int_equal(profile_named(f, pm_profile_roots[2], "Alpha")->is_default, 0);
    assert_int_equal(profile_named(f, pm_profile_roots[2], "Beta")->is_default, 1);
    assert_int_equal(profile_named(f, pm_profile_roots[0], "Old")->is_default, 1);
    assert_int_equal(profile_named(f, pm_profile_roots[0], "Other")->is_default, 0);
}

static void test_only_msems_accounts(void **state)
{
    struct fx *f = *state;
    const unsigned svcs[] = {1, 5, 6, 7, 8, 0}, st[] = {3, 0};
    services(f, P16, svcs);
    exchange(f, P16, 1, 2, st, NULL, DN_A);
    store(f, P16, 3, 1, 1, DN_A);
    put_w(f, key(P16, 5), "001f3d09", "MSUPST MS"); /* PST */
    put_w(f, key(P16, 6), "001f3d09", "INTERSTOR"); /* POP/IMAP store */
    put_w(f, key(P16, 7), "001f3d09", "MSEMSX");    /* not MSEMS, only close */
    /* Outlook 2007 writes the service name 8-bit as REG_SZ (001e3d09): still Exchange. */
    const unsigned st2[] = {10, 0};
    put_sz(f, key(P16, 8), "001e3d09", "MSEMS");
    put_uid(f, key(P16, 8), "01023d15", 9);
    put_uids(f, key(P16, 8), "01023d00", st2);
    put_sz(f, key(P16, 9), "001e6603", DN_B);
    store(f, P16, 10, 8, 1, DN_B);
    read_model(f);
    assert_int_equal(f->m.nprofiles, 1);
    const struct pm_profile *p = &f->m.profiles[0];
    assert_int_equal(p->nservices, 5);
    assert_int_equal(p->naccounts, 2);
    assert_string_equal(p->accounts[0].service_uid, strrchr(key(P16, 1), '\\') + 1);
    assert_string_equal(p->accounts[0].dn, DN_A);
    assert_string_equal(p->accounts[1].dn, DN_B);
    assert_int_equal(p->accounts[1].outlook2007, 0);
}

static void test_emsmdb_and_2007_fallback(void **state)
{
    struct fx *f = *state;
    const unsigned svcs[] = {1, 0}, st[] = {3, 0};
    /* 2010+: through 01023d15. A 13dbb0c8 key naming nobody stays out. */
    services(f, P16, svcs);
    exchange(f, P16, 1, 2, st, NULL, DN_A);
    store(f, P16, 3, 1, 1, DN_A);
    put_sz(f, P16 "\\" PM_SECTION_GLOBAL2007, "001e6603", "/o=Elsewhere/cn=nobody");
    /* 2007: the service has no 01023d15; the settings are in 13dbb0c8. */
    const char *p07 = WMS "\\MS Exchange Settings";
    services(f, p07, svcs);
    exchange(f, p07, 1, 0, st, NULL, NULL);
    store(f, p07, 3, 1, 1, DN_B);
    put_sz(f, WMS "\\MS Exchange Settings\\" PM_SECTION_GLOBAL2007, "001e6603", DN_B);
    read_model(f);
    assert_int_equal(f->m.nprofiles, 2);

    const struct pm_account *a = &profile_named(f, pm_profile_roots[2], "Outlook")->accounts[0];
    assert_int_equal(a->outlook2007, 0);
    assert_int_equal(a->sections[0].role, PM_ROLE_EMSMDB);
    assert_string_equal(a->sections[0].path, key(P16, 2));
    assert_int_equal(count_role(a, PM_ROLE_EMSMDB), 1);
    assert_int_equal(count_role(a, PM_ROLE_RESIDUE), 0);
    assert_null(section_at(a, P16 "\\" PM_SECTION_GLOBAL2007));

    const struct pm_account *b =
        &profile_named(f, pm_profile_roots[0], "MS Exchange Settings")->accounts[0];
    assert_int_equal(b->outlook2007, 1);
    assert_int_equal(b->sections[0].role, PM_ROLE_EMSMDB);
    assert_string_equal(b->sections[0].path, WMS "\\MS Exchange Settings\\" PM_SECTION_GLOBAL2007);
    assert_string_equal(b->dn, DN_B);
}

static void test_bare_2007_profile(void **state)
{
    struct fx *f = *state;
    /* No services list at all, only the global section: one Exchange account. */
    const char *k = WMS "\\Bare\\" PM_SECTION_GLOBAL2007;
    put_sz(f, k, "001e6603", DN_A);
    put_sz(f, k, "001e6641", "alice@source.example");
    read_model(f);
    assert_int_equal(f->m.nprofiles, 1);
    assert_int_equal(f->m.profiles[0].naccounts, 1);
    const struct pm_account *a = &f->m.profiles[0].accounts[0];
    assert_int_equal(a->outlook2007, 1);
    assert_string_equal(a->dn, DN_A);
    assert_string_equal(a->smtp, "alice@source.example");
    assert_string_equal(a->sections[0].path, k);
}

static void test_stores_kinds_and_order(void **state)
{
    struct fx *f = *state;
    const unsigned svcs[] = {1, 0};
    /* The service lists the primary; the EMSMDB section lists every mailbox, primary again
     * last: the primary must still come first, once. */
    const unsigned svc_st[] = {3, 0}, ems_st[] = {4, 5, 6, 7, 3, 0};
    services(f, P16, svcs);
    exchange(f, P16, 1, 2, svc_st, ems_st, DN_A);
    store(f, P16, 3, 1, 1, DN_A);
    store(f, P16, 4, 1, 2, DN_B);                 /* delegate */
    store(f, P16, 5, 1, 2, DN_A);                 /* archive: */
    put_w(f, key(P16, 5), "001f65d0", "Archive"); /*   delegate marked Archive */
    store(f, P16, 6, 1, 3, NULL);                 /* public folders */
    store(f, P16, 7, 1, 0, NULL);                 /* no type: by PR_MDB_PROVIDER */
    put_bin(f, key(P16, 7), "01023414", mdb_public, 16);
    read_model(f);
    const struct pm_account *a = &f->m.profiles[0].accounts[0];
    assert_int_equal(count_role(a, PM_ROLE_STORE), 5);
    const struct pm_section *st[5];
    size_t n = 0;
    for (size_t i = 0; i < a->nsections; i++)
        if (a->sections[i].role == PM_ROLE_STORE)
            st[n++] = &a->sections[i];
    assert_string_equal(st[0]->path, key(P16, 3));
    assert_int_equal(st[0]->kind, PM_STORE_PRIMARY);
    assert_string_equal(st[0]->mailbox_dn, DN_A);
    assert_string_equal(st[1]->path, key(P16, 4));
    assert_int_equal(st[1]->kind, PM_STORE_DELEGATE);
    assert_string_equal(st[1]->mailbox_dn, DN_B);
    assert_string_equal(st[2]->path, key(P16, 5));
    assert_int_equal(st[2]->kind, PM_STORE_ARCHIVE);
    assert_int_equal(st[3]->kind, PM_STORE_PUBLIC);
    assert_null(st[3]->mailbox_dn);
    assert_string_equal(st[4]->path, key(P16, 7));
    assert_int_equal(st[4]->kind, PM_STORE_PUBLIC);
    assert_string_equal(pm_store_kind_name(st[2]->kind), "archive");
    assert_int_equal(f->warnings.n, 0);
}

static void test_store_kind_from_mdb_provider(void **state)
{
    struct fx *f = *state;
    const unsigned svcs[] = {1, 0}, svc_st[] = {3, 4, 0};
    services(f, P16, svcs);
    exchange(f, P16, 1, 2, svc_st, NULL, DN_A);
    store(f, P16, 3, 1, 0, DN_A);
    put_bin(f, key(P16, 3), "01023414", mdb_primary, 16);
    store(f, P16, 4, 1, 0, DN_B);
    put_bin(f, key(P16, 4), "01023414", mdb_delegate, 16);
    read_model(f);
    const struct pm_account *a = &f->m.profiles[0].accounts[0];
    assert_int_equal(section_at(a, key(P16, 3))->kind, PM_STORE_PRIMARY);
    assert_int_equal(section_at(a, key(P16, 4))->kind, PM_STORE_DELEGATE);
}

static void test_provider_of_another_service(void **state)
{
    struct fx *f = *state;
    const unsigned svcs[] = {1, 0}, svc_st[] = {3, 0}, ems_st[] = {3, 4, 0};
    services(f, P16, svcs);
    exchange(f, P16, 1, 2, svc_st, ems_st, DN_A);
    store(f, P16, 3, 1, 1, DN_A);
    store(f, P16, 4, 9, 2, DN_B); /* back-pointer names service 9 */
    read_model(f);
    const struct pm_account *a = &f->m.profiles[0].accounts[0];
    assert_null(section_at(a, key(P16, 4)));
    assert_non_null(section_at(a, key(P16, 3)));
    assert_int_equal(warned(f, key(P16, 4), "another service"), 1);
}

static void test_dangling_uids_warn(void **state)
{
    struct fx *f = *state;
    /* Service 7 is listed but has no key; store 5 is listed but has no key. */
    const unsigned svcs[] = {7, 1, 0}, svc_st[] = {3, 5, 0};
    services(f, P16, svcs);
    exchange(f, P16, 1, 2, svc_st, NULL, DN_A);
    store(f, P16, 3, 1, 1, DN_A);
    read_model(f); /* asserts rc 0: a warning, not an error */
    assert_int_equal(f->m.profiles[0].naccounts, 1);
    assert_int_equal(f->m.profiles[0].nservices, 2);
    const struct pm_account *a = &f->m.profiles[0].accounts[0];
    assert_int_equal(count_role(a, PM_ROLE_STORE), 1);
    assert_int_equal(warned(f, key(P16, 7), "missing"), 1);
    assert_int_equal(warned(f, key(P16, 5), "missing"), 1);
}

static void test_account_manager_subkey(void **state)
{
    struct fx *f = *state;
    const unsigned svcs[] = {1, 11, 0}, st1[] = {3, 0}, st2[] = {13, 0};
    services(f, P16, svcs);
    exchange(f, P16, 1, 2, st1, NULL, DN_A);
    store(f, P16, 3, 1, 1, DN_A);
    exchange(f, P16, 11, 12, st2, NULL, DN_B);
    store(f, P16, 13, 11, 1, DN_B);
    const char *am = P16 "\\" PM_SECTION_ACCOUNTS;
    /* 00000001: a POP account (no Service UID); 00000002: bob's; 00000003: alice's. */
    put_w(f, am, "x", "x");
    put_w(f, P16 "\\" PM_SECTION_ACCOUNTS "\\00000001", "Account Name", "pop@example.org");
    put_uid(f, P16 "\\" PM_SECTION_ACCOUNTS "\\00000002", "Service UID", 11);
    put_w(f, P16 "\\" PM_SECTION_ACCOUNTS "\\00000002", "Account Name", "bob@source.example");
    put_uid(f, P16 "\\" PM_SECTION_ACCOUNTS "\\00000003", "Service UID", 1);
    put_w(f, P16 "\\" PM_SECTION_ACCOUNTS "\\00000003", "Account Name", "alice@source.example");
    read_model(f);
    const struct pm_profile *p = &f->m.profiles[0];
    assert_int_equal(p->naccounts, 2);
    const struct pm_account *a = &p->accounts[0], *b = &p->accounts[1];
    assert_int_equal(count_role(a, PM_ROLE_ACCOUNT), 1);
    assert_int_equal(count_role(b, PM_ROLE_ACCOUNT), 1);
    assert_non_null(section_at(a, P16 "\\" PM_SECTION_ACCOUNTS "\\00000003"));
    assert_non_null(section_at(b, P16 "\\" PM_SECTION_ACCOUNTS "\\00000002"));
    assert_int_equal(section_at(a, P16 "\\" PM_SECTION_ACCOUNTS "\\00000003")->role,
                     PM_ROLE_ACCOUNT);
    /* With no SMTP property, the account name that is an address gives the SMTP. */
    assert_string_equal(a->smtp, "alice@source.example");
    assert_string_equal(b->smtp, "bob@source.example");
}

static void test_residue_attached_to_named_account(void **state)
{
    struct fx *f = *state;
    const unsigned svcs[] = {1, 11, 0}, st1[] = {3, 0}, st2[] = {13, 0};
    services(f, P16, svcs);
    exchange(f, P16, 1, 2, st1, NULL, DN_A);
    store(f, P16, 3, 1, 1, DN_A);
    exchange(f, P16, 11, 12, st2, NULL, DN_B);
    store(f, P16, 13, 11, 1, DN_B);
    /* A 13dbb0c8 key left from bob's account (DN case differs: DNs match case-insensitively). */
    put_sz(f, P16 "\\" PM_SECTION_GLOBAL2007, "001e6603",
           "/O=SOURCE ORG/ou=AG/cn=Recipients/cn=BOB");
    read_model(f);
    const struct pm_profile *p = &f->m.profiles[0];
    assert_int_equal(count_role(&p->accounts[0], PM_ROLE_RESIDUE), 0);
    assert_int_equal(count_role(&p->accounts[1], PM_ROLE_RESIDUE), 1);
    const struct pm_section *r = section_at(&p->accounts[1], P16 "\\" PM_SECTION_GLOBAL2007);
    assert_non_null(r);
    assert_int_equal(r->role, PM_ROLE_RESIDUE);
    assert_int_equal(p->accounts[1].outlook2007, 0);
}

static void test_identity_fallbacks(void **state)
{
    struct fx *f = *state;
    const unsigned svcs[] = {1, 11, 21, 31, 0};
    const unsigned st1[] = {3, 0}, st2[] = {13, 0}, st3[] = {23, 0}, xp3[] = {24, 0};
    services(f, P16, svcs);
    /* 1: PR_PROFILE_USER wins over the store's DN; SMTP from 001f6641 kept as stored. */
    exchange(f, P16, 1, 2, st1, NULL, DN_A);
    store(f, P16, 3, 1, 1, "/o=Other/cn=store-dn");
    put_w(f, key(P16, 2), "001f6641", "SMTP:alice@source.example");
    put_sz(f, key(P16, 2), "001e6641", "wrong@source.example");
    /* 2: no PR_PROFILE_USER: the primary store's DN; SMTP from 001e6641 of the primary store. */
    exchange(f, P16, 11, 12, st2, NULL, NULL);
    put_sz(f, key(P16, 12), "001f3001", "x");
    store(f, P16, 13, 11, 1, DN_B);
    put_sz(f, key(P16, 13), "001e6641", "bob@source.example");
    /* 3: neither: the transport's PR_PROFILE_MAILBOX; account name not an address: no SMTP. */
    exchange(f, P16, 21, 22, st3, NULL, NULL);
    put_sz(f, key(P16, 22), "001f3001", "x");
    put_uids(f, key(P16, 21), "01023d02", xp3);
    store(f, P16, 23, 21, 1, NULL);
    put_uid(f, key(P16, 24), "01023d0c", 21);
    put_sz(f, key(P16, 24), "001e660b", "/o=Source Org/cn=carol");
    put_uid(f, P16 "\\" PM_SECTION_ACCOUNTS "\\00000001", "Service UID", 21);
    put_w(f, P16 "\\" PM_SECTION_ACCOUNTS "\\00000001", "Account Name", "Carol Example");
    /* 4: nothing names the mailbox: no DN. */
    const unsigned st4[] = {33, 0};
    exchange(f, P16, 31, 32, st4, NULL, NULL);
    put_sz(f, key(P16, 32), "001f3001", "x");
    store(f, P16, 33, 31, 1, NULL);
    read_model(f);
    const struct pm_profile *p = &f->m.profiles[0];
    assert_int_equal(p->naccounts, 4);
    assert_string_equal(p->accounts[0].dn, DN_A);
    assert_string_equal(p->accounts[0].smtp, "SMTP:alice@source.example");
    assert_string_equal(p->accounts[1].dn, DN_B);
    assert_string_equal(p->accounts[1].smtp, "bob@source.example");
    assert_string_equal(p->accounts[2].dn, "/o=Source Org/cn=carol");
    assert_null(p->accounts[2].smtp);
    assert_int_equal(count_role(&p->accounts[2], PM_ROLE_TRANSPORT), 1);
    assert_null(p->accounts[3].dn);
    assert_null(p->accounts[3].smtp);
}

static void test_unicode_dn_variants(void **state)
{
    struct fx *f = *state;
    /* Profiles that write only the Unicode variants of PR_PROFILE_USER and PR_PROFILE_MAILBOX. */
    const unsigned svcs[] = {1, 0}, st[] = {3, 0}, ems_st[] = {3, 4, 0};
    services(f, P16, svcs);
    exchange(f, P16, 1, 2, st, ems_st, NULL);
    put_w(f, key(P16, 2), "001f6603", DN_A);
    store(f, P16, 3, 1, 1, NULL);
    put_w(f, key(P16, 3), "001f660b", DN_A);
    store(f, P16, 4, 1, 2, NULL);
    put_w(f, key(P16, 4), "001f660b", DN_B);
    read_model(f);
    const struct pm_account *a = &f->m.profiles[0].accounts[0];
    assert_string_equal(a->dn, DN_A);
    assert_string_equal(section_at(a, key(P16, 3))->mailbox_dn, DN_A);
    assert_string_equal(section_at(a, key(P16, 4))->mailbox_dn, DN_B);
}

static void test_unicode_residue(void **state)
{
    struct fx *f = *state;
    /* A residue 13dbb0c8 that names the account in the Unicode variant only. */
    const unsigned svcs[] = {1, 0}, st[] = {3, 0};
    services(f, P16, svcs);
    exchange(f, P16, 1, 2, st, NULL, DN_A);
    store(f, P16, 3, 1, 1, DN_A);
    put_w(f, P16 "\\" PM_SECTION_GLOBAL2007, "001f6603", DN_A);
    read_model(f);
    assert_int_equal(count_role(&f->m.profiles[0].accounts[0], PM_ROLE_RESIDUE), 1);
}

static void test_wrong_sizes_tolerated(void **state)
{
    struct fx *f = *state;
    /* A 15-byte services list holds no whole UID: no account, no error. */
    uint8_t u[16];
    uid(1, u);
    put_bin(f, O16 "\\Short\\" PM_SECTION_MASTER, "01023d0e", u, 15);
    put_w(f, key(O16 "\\Short", 1), "001f3d09", "MSEMS");
    /* A 2-byte PR_PROFILE_TYPE: the kind comes from PR_MDB_PROVIDER instead; a 17-byte
     * 01023d15 is not a UID: the 2007 global section is tried instead (absent here). */
    const unsigned svcs[] = {1, 0}, st[] = {3, 0};
    services(f, P16, svcs);
    exchange(f, P16, 1, 2, st, NULL, DN_A);
    uint8_t two[2] = {1, 0};
    store(f, P16, 3, 1, 0, DN_A);
    put_bin(f, key(P16, 3), "0003660a", two, 2);
    put_bin(f, key(P16, 3), "01023414", mdb_primary, 16);
    const unsigned svcs2[] = {5, 0}, st2[] = {6, 0};
    services(f, O16 "\\Odd", svcs2);
    exchange(f, O16 "\\Odd", 5, 0, st2, NULL, NULL);
    uint8_t u17[17] = {0};
    put_bin(f, key(O16 "\\Odd", 5), "01023d15", u17, 17);
    store(f, O16 "\\Odd", 6, 5, 1, DN_B);
    read_model(f);
    assert_int_equal(f->m.nprofiles, 3);
    const struct pm_profile *s = profile_named(f, pm_profile_roots[2], "Short");
    assert_int_equal(s->naccounts, 0);
    const struct pm_account *a = &profile_named(f, pm_profile_roots[2], "Outlook")->accounts[0];
    assert_int_equal(section_at(a, key(P16, 3))->kind, PM_STORE_PRIMARY);
    const struct pm_account *o = &profile_named(f, pm_profile_roots[2], "Odd")->accounts[0];
    assert_int_equal(count_role(o, PM_ROLE_EMSMDB), 0);
    assert_string_equal(o->dn, DN_B); /* from the primary store */
}

/* ---- the fixture scenarios, against their manifests ---- */

static const struct pm_section *find_in_profile(const struct pm_profile *p, const char *path,
                                                const struct pm_account **owner)
{
    for (size_t a = 0; a < p->naccounts; a++) {
        const struct pm_section *s = section_at(&p->accounts[a], path);
        if (s) {
            *owner = &p->accounts[a];
            return s;
        }
    }
    return NULL;
}

static void test_fixture_scenarios(void **state)
{
    (void)state;
    const char *const *names = pmt_fixture_scenarios();
    size_t nscen = 0;
    for (; names[nscen]; nscen++) {
        struct fx f = {0};
        struct pmt_manifest man;
        struct pm_error err;
        pm_error_clear(&err);
        pmt_manifest_init(&man);
        assert_int_equal(pm_store_open(&f.st, "mem:", 0, NULL), 0);
        assert_int_equal(pmt_fixture_build(f.st, names[nscen], PMT_BEFORE, &man, &err), 0);
        read_model(&f);
        assert_true(man.n > 0);
        for (size_t i = 0; i < man.n; i++) {
            const struct pmt_mailbox *mb = &man.mb[i];
            const struct pm_profile *p = NULL;
            for (size_t k = 0; k < f.m.nprofiles; k++)
                if (!strcmp(f.m.profiles[k].path, mb->profile))
                    p = &f.m.profiles[k];
            assert_non_null(p);
            const struct pm_account *owner = NULL;
            const struct pm_section *st = find_in_profile(p, mb->store, &owner);
            if (!st)
                fail_msg("%s: store %s of %s not in the model", names[nscen], mb->store, mb->role);
            assert_int_equal(st->role, PM_ROLE_STORE);
            if (!strcmp(mb->role, "account")) {
                assert_int_equal(st->kind, PM_STORE_PRIMARY);
                assert_string_equal(owner->dn, mb->source_dn);
                /* The settings section is the account's EMSMDB section, listed first. */
                assert_int_equal(owner->sections[0].role, PM_ROLE_EMSMDB);
                assert_string_equal(owner->sections[0].path, mb->emsmdb);
                const struct pm_section *am = section_at(owner, mb->acctmgr);
                assert_non_null(am);
                assert_int_equal(am->role, PM_ROLE_ACCOUNT);
                assert_non_null(owner->smtp);
                assert_non_null(strstr(owner->smtp, mb->old_smtp));
                /* Every section the manifest gives this mailbox is in the model. */
                for (size_t k = 0; k < mb->sections.n; k++)
                    if (!section_at(owner, mb->sections.items[k]))
                        fail_msg("%s: %s not in account %s", names[nscen], mb->sections.items[k],
                                 owner->dn);
                assert_int_equal(owner->outlook2007, !strcmp(names[nscen], "outlook2007"));
            } else if (!strcmp(mb->role, "public")) {
                assert_int_equal(st->kind, PM_STORE_PUBLIC);
            } else if (!strcmp(mb->role, "archive")) {
                assert_int_equal(st->kind, PM_STORE_ARCHIVE);
                /* The owner's DN, in Exchange Online with the archive's "/guid=" suffix. */
                size_t n = strlen(mb->source_dn);
                assert_non_null(st->mailbox_dn);
                assert_memory_equal(st->mailbox_dn, mb->source_dn, n);
                assert_true(!st->mailbox_dn[n] || !strncmp(st->mailbox_dn + n, "/guid=", 6));
            } else {
                assert_int_equal(st->kind, PM_STORE_DELEGATE);
                /* Outlook 2016 writes a shared mailbox with its address and no DN. */
                if (st->mailbox_dn)
                    assert_string_equal(st->mailbox_dn, mb->source_dn);
            }
        }
        /* DefaultProfile: every scenario names "Outlook" or "MS Exchange Settings". */
        size_t ndef = 0;
        for (size_t k = 0; k < f.m.nprofiles; k++)
            ndef += (size_t)f.m.profiles[k].is_default;
        assert_true(ndef >= 1);
        if (!strcmp(names[nscen], "office16")) {
            /* Exchange accounts only: the PST and the POP/IMAP accounts are not accounts. */
            const struct pm_profile *p = profile_named(&f, pm_profile_roots[2], "Outlook");
            assert_non_null(p);
            assert_int_equal(p->is_default, 1);
            assert_int_equal(p->naccounts, 2);
            assert_true(p->nservices > 2);
            assert_int_equal(
                profile_named(&f, pm_profile_roots[2], "Zo\xc3\xab \xe2\x80\x93 Priv\xc3\xa9")
                    ->is_default,
                0);
        }
        if (!strcmp(names[nscen], "side-by-side"))
            assert_int_equal(f.m.nprofiles, 3);
        if (f.warnings.n)
            fail_msg("%s: unexpected warning: %s", names[nscen], f.warnings.items[0]);
        pm_model_release(&f.m);
        pm_strlist_release(&f.warnings);
        pm_store_close(f.st);
        pmt_manifest_release(&man);
    }
    assert_true(nscen >= 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_every_root_walked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_profile_without_services, setup, teardown),
        cmocka_unit_test_setup_teardown(test_default_profile, setup, teardown),
        cmocka_unit_test_setup_teardown(test_only_msems_accounts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_emsmdb_and_2007_fallback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bare_2007_profile, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stores_kinds_and_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_kind_from_mdb_provider, setup, teardown),
        cmocka_unit_test_setup_teardown(test_provider_of_another_service, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dangling_uids_warn, setup, teardown),
        cmocka_unit_test_setup_teardown(test_account_manager_subkey, setup, teardown),
        cmocka_unit_test_setup_teardown(test_residue_attached_to_named_account, setup, teardown),
        cmocka_unit_test_setup_teardown(test_identity_fallbacks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unicode_dn_variants, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unicode_residue, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_sizes_tolerated, setup, teardown),
        cmocka_unit_test(test_fixture_scenarios),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
