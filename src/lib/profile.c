/* Reads the profile model: every root, every profile, every Exchange account and the sections
 * that belong to it, following outlook-profile-format.md §3.4 (services from the master
 * section, the account's EMSMDB section through PR_EMSMDB_SECTION_UID, stores from both
 * PR_STORE_PROVIDERS lists, providers checked against their PR_SERVICE_UID back-pointer, and the
 * Account Manager subkey whose "Service UID" names the service). Read-only. */
#include "compat.h"

#include "proptags.h"

#include "pm/config.h"
#include "pm/mapi.h"
#include "pm/profile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const pm_profile_roots[] = {
    "Software\\Microsoft\\Windows NT\\CurrentVersion\\Windows Messaging Subsystem\\Profiles",
    "Software\\Microsoft\\Office\\15.0\\Outlook\\Profiles",
    "Software\\Microsoft\\Office\\16.0\\Outlook\\Profiles",
};
const size_t pm_profile_nroots = PM_ARRAY_SIZE(pm_profile_roots);

/* Where each root keeps DefaultProfile (outlook-profile-format.md §1.2). */
static const char *const default_profile_keys[] = {
    "Software\\Microsoft\\Windows NT\\CurrentVersion\\Windows Messaging Subsystem\\Profiles",
    "Software\\Microsoft\\Office\\15.0\\Outlook",
    "Software\\Microsoft\\Office\\16.0\\Outlook",
};

/* Where Group Policy moves new OST files for each root's Outlook version (ForceOSTPath, outlk16.admx
 * and its predecessors; outlook-profile-format.md §6.4). The WMS root is Outlook 2010's here. */
static const char *const ost_policy_keys[] = {
    "Software\\Policies\\Microsoft\\Office\\14.0\\Outlook",
    "Software\\Policies\\Microsoft\\Office\\15.0\\Outlook",
    "Software\\Policies\\Microsoft\\Office\\16.0\\Outlook",
};

static void count_unset(void *ctx, const char *name, size_t len)
{
    (void)name;
    (void)len;
    (*(size_t *)ctx)++;
}

struct walk;
struct pm_section;
static int dn_damaged(struct walk *w, const struct pm_section *s, const char *const *names);

struct walk {
    struct pm_store *st;
    pm_diag_fn warn;
    void *ctx;
    struct pm_error *err;
    struct pm_buf tmp;
};

static void warnf(struct walk *w, const char *where, const char *fmt, ...) PM_PRINTF(3, 4);

#include <stdarg.h>
static void warnf(struct walk *w, const char *where, const char *fmt, ...)
{
    if (!w->warn)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    w->warn(w->ctx, where, 0, msg);
}

const struct pm_section_value *pm_section_get(const struct pm_section *s, const char *name)
{
    for (size_t i = 0; i < s->nvalues; i++)
        if (pm_name_casecmp(s->values[i].name, name) == 0)
            return &s->values[i];
    return NULL;
}

static void section_release(struct pm_section *s)
{
    for (size_t i = 0; i < s->nvalues; i++) {
        free(s->values[i].name);
        free(s->values[i].data);
    }
    free(s->values);
    free(s->path);
    free(s->uid);
    free(s->mailbox_dn);
}

static void account_release(struct pm_account *a)
{
    for (size_t i = 0; i < a->nsections; i++)
        section_release(&a->sections[i]);
    free(a->sections);
    free(a->service_uid);
    free(a->dn);
    free(a->smtp);
    free(a->display);
}

void pm_model_release(struct pm_model *m)
{
    for (size_t p = 0; p < m->nprofiles; p++) {
        struct pm_profile *pr = &m->profiles[p];
        for (size_t a = 0; a < pr->naccounts; a++)
            account_release(&pr->accounts[a]);
        free(pr->accounts);
        free(pr->root);
        free(pr->name);
        free(pr->path);
        free(pr->force_ost_path);
        for (size_t i = 0; i < pr->nlinked; i++)
            section_release(&pr->linked[i]);
        free(pr->linked);
    }
    free(m->profiles);
    m->profiles = NULL;
    m->nprofiles = 0;
}

static char *join2(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *s = malloc(la + lb + 2);
    if (!s)
        return NULL;
    memcpy(s, a, la);
    s[la] = '\\';
    memcpy(s + la + 1, b, lb + 1);
    return s;
}

/* Snapshot of every value of a key into a section (path and uid owned by the caller). */
static int read_section(struct walk *w, struct pm_section *s)
{
    struct pm_strlist names = PM_STRLIST_INIT;
    int rc = pm_store_values(w->st, s->path, &names, w->err);
    if (rc <= 0) {
        pm_strlist_release(&names);
        return rc;
    }
    s->values = calloc(names.n ? names.n : 1, sizeof(*s->values));
    if (!s->values) {
        pm_strlist_release(&names);
        return pm_error_set(w->err, PM_ERR_NOMEM, s->path, 0, "out of memory");
    }
    for (size_t i = 0; i < names.n; i++) {
        struct pm_value v = PM_VALUE_INIT;
        rc = pm_store_get(w->st, s->path, names.items[i], &v, w->err);
        if (rc < 0) {
            pm_strlist_release(&names);
            return rc;
        }
        if (rc == 0)
            continue;
        struct pm_section_value *sv = &s->values[s->nvalues++];
        sv->name = names.items[i];
        names.items[i] = NULL;
        sv->type = v.type;
        sv->data = v.data;
        sv->len = v.len;
    }
    pm_strlist_release(&names);
    return 1;
}

static int string_of(struct walk *w, const struct pm_section_value *v, char **out)
{
    *out = NULL;
    if (!v)
        return 0;
    int rc = pm_mapi_string_get(v->name, v->type, v->data, v->len, &w->tmp);
    if (rc < 0)
        return pm_error_set(w->err, PM_ERR_NOMEM, NULL, 0, "out of memory");
    if (rc == 0 || w->tmp.len == 0)
        return 0;
    *out = pm_strdup(w->tmp.data);
    return *out ? 1 : pm_error_set(w->err, PM_ERR_NOMEM, NULL, 0, "out of memory");
}

/* First string found among value names (NULL-terminated list). */
static int string_any(struct walk *w, const struct pm_section *s, const char *const *names,
                      char **out)
{
    *out = NULL;
    for (size_t i = 0; names[i]; i++) {
        const struct pm_section_value *v = pm_section_get(s, names[i]);
        int rc = string_of(w, v, out);
        if (rc != 0)
            return rc;
        if (v && (v->type != PM_REG_SZ && v->type != PM_REG_EXPAND_SZ &&
                  v->type != PM_REG_BINARY))
            warnf(w, s->path, "value '%s' is %s, not text; ignored", v->name,
                  pm_regtype_name(v->type));
    }
    return 0;
}

static int add_section(struct walk *w, struct pm_account *a, const char *profile_path,
                       const char *uid, enum pm_section_role role, struct pm_section **added)
{
    char *path = join2(profile_path, uid);
    if (!path)
        return pm_error_set(w->err, PM_ERR_NOMEM, profile_path, 0, "out of memory");
    if (added)
        *added = NULL;
    for (size_t i = 0; i < a->nsections; i++)
        if (pm_name_casecmp(a->sections[i].path, path) == 0) {
            free(path);
            return 0; /* listed twice (e.g. in both store lists): keep the first role */
        }
    struct pm_section s = {0};
    s.role = role;
    s.path = path;
    s.uid = pm_strdup(uid);
    if (!s.uid) {
        int rc = pm_error_set(w->err, PM_ERR_NOMEM, path, 0, "out of memory");
        section_release(&s);
        return rc;
    }
    int rc = read_section(w, &s);
    if (rc <= 0) {
        if (rc == 0)
            warnf(w, path, "section listed by the profile is missing; skipped");
        section_release(&s);
        return rc;
    }
    struct pm_section *ns = realloc(a->sections, (a->nsections + 1) * sizeof(*ns));
    if (!ns) {
        section_release(&s);
        return pm_error_set(w->err, PM_ERR_NOMEM, path, 0, "out of memory");
    }
    a->sections = ns;
    a->sections[a->nsections] = s;
    if (added)
        *added = &a->sections[a->nsections];
    a->nsections++;
    return 1;
}

/* A provider section must point back at its service; one that does not belongs to another
 * account and is left alone. */
static int owned_by(const struct pm_section *s, const uint8_t *svc)
{
    const struct pm_section_value *b = pm_section_get(s, V_SERVICE_UID);
    if (!b)
        return 1; /* no back-pointer written: trust the list */
    return b->len == 16 && memcmp(b->data, svc, 16) == 0;
}

static enum pm_store_kind store_kind(struct walk *w, const struct pm_section *s)
{
    static const uint8_t primary[16] = {0x54, 0x94, 0xa1, 0xc0, 0x29, 0x7f, 0x10, 0x1b,
                                        0xa5, 0x87, 0x08, 0x00, 0x2b, 0x2a, 0x25, 0x17};
    static const uint8_t delegate[16] = {0x9e, 0xb4, 0x77, 0x00, 0x74, 0xe4, 0x11, 0xce,
                                         0x8c, 0x5e, 0x00, 0xaa, 0x00, 0x42, 0x54, 0xe2};
    static const uint8_t pub[16] = {0x78, 0xb2, 0xfa, 0x70, 0xaf, 0xf7, 0x11, 0xcd,
                                    0x9b, 0xc8, 0x00, 0xaa, 0x00, 0x2f, 0xc4, 0x5a};
    char *alt = NULL;
    if (string_of(w, pm_section_get(s, V_ALT_STORE_TYPE), &alt) > 0) {
        int archive = pm_name_casecmp(alt, "Archive") == 0;
        free(alt);
        if (archive)
            return PM_STORE_ARCHIVE;
    }
    const struct pm_section_value *t = pm_section_get(s, V_PROFILE_TYPE);
    uint32_t type;
    if (t && pm_mapi_long_get(t->data, t->len, &type) && type >= 1 && type <= 3)
        return (enum pm_store_kind)type;
    if (t)
        warnf(w, s->path,
              "value '%s' (PR_PROFILE_TYPE) is %zu bytes, not a PT_LONG of 1 to 3; the store "
              "type is taken from PR_MDB_PROVIDER",
              V_PROFILE_TYPE, t->len);
    const struct pm_section_value *m = pm_section_get(s, V_MDB_PROVIDER);
    if (m && m->len == 16) {
        if (!memcmp(m->data, primary, 16))
            return PM_STORE_PRIMARY;
        if (!memcmp(m->data, delegate, 16))
            return PM_STORE_DELEGATE;
        if (!memcmp(m->data, pub, 16))
            return PM_STORE_PUBLIC;
    }
    return PM_STORE_UNKNOWN;
}

static int add_uid_list(struct walk *w, struct pm_account *a, const char *ppath,
                        const struct pm_section_value *list, const uint8_t *svc,
                        enum pm_section_role role)
{
    if (!list)
        return 0;
    size_t n = pm_mapi_uid_count(list->len);
    for (size_t i = 0; i < n; i++) {
        char hex[33];
        pm_mapi_uid_hex(list->data, i, hex);
        struct pm_section *s;
        int rc = add_section(w, a, ppath, hex, role, &s);
        if (rc < 0)
            return rc;
        if (!s)
            continue;
        if (!owned_by(s, svc)) {
            warnf(w, s->path, "provider belongs to another service; left alone");
            section_release(s);
            a->nsections--;
            continue;
        }
        if (role == PM_ROLE_STORE) {
            s->kind = store_kind(w, s);
            const char *const mbx[] = {V_PROFILE_MAILBOX_A, V_PROFILE_MAILBOX_W, NULL};
            if ((rc = string_any(w, s, mbx, &s->mailbox_dn)) < 0)
                return rc;
            if (s->mailbox_dn && dn_damaged(w, s, mbx)) {
                warnf(w, s->path, "PR_PROFILE_MAILBOX is not a legacyExchangeDN (control "
                                  "characters, embedded NUL, or too long); the store is left "
                                  "alone");
                s->damaged = 1;
            }
        }
    }
    return 0;
}

/* A DN property that cannot be trusted: text after an embedded NUL, control or non-ASCII
 * characters, or longer than any legacyExchangeDN. Matching a truncated or garbled DN would
 * update the account's stores apart from the account itself. */
static int dn_damaged(struct walk *w, const struct pm_section *s, const char *const *names)
{
    for (size_t n = 0; names[n]; n++) {
        const struct pm_section_value *v = pm_section_get(s, names[n]);
        if (!v)
            continue;
        int wide = v->type == PM_REG_SZ || v->type == PM_REG_EXPAND_SZ ||
                   pm_ascii_ncasecmp(v->name, "001f", 4) == 0;
        size_t unit = wide ? 2 : 1, units = v->len / unit, first_nul = units;
        for (size_t i = 0; i < units; i++) {
            int zero = wide ? (v->data[2 * i] == 0 && v->data[2 * i + 1] == 0) : v->data[i] == 0;
            if (zero) {
                first_nul = i;
                break;
            }
        }
        for (size_t i = first_nul; i < units; i++) {
            int zero = wide ? (v->data[2 * i] == 0 && v->data[2 * i + 1] == 0) : v->data[i] == 0;
            if (!zero)
                return 1; /* text after the terminator */
        }
        if (pm_mapi_string_get(v->name, v->type, v->data, v->len, &w->tmp) <= 0)
            return 1; /* a DN property that is not text at all */
        if (w->tmp.len > 2048)
            return 1;
        for (size_t i = 0; i < w->tmp.len; i++) {
            unsigned char c = (unsigned char)w->tmp.data[i];
            if (c < 0x20 || c >= 0x7f)
                return 1;
        }
        return 0;
    }
    return 0;
}

/* One '@' with text on both sides and no blanks: an address, not a display name. */
static int looks_like_smtp(const char *s)
{
    const char *at = strchr(s, '@');
    return at && at != s && at[1] && !strchr(at + 1, '@') && !strpbrk(s, " \t<>\"");
}

/* 1 when the profile has the fixed Exchange global section 13dbb0c8..., 0 when not, <0. */
static int global2007_exists(struct walk *w, const struct pm_profile *pr)
{
    char *path = join2(pr->path, PM_SECTION_GLOBAL2007);
    if (!path)
        return pm_error_set(w->err, PM_ERR_NOMEM, NULL, 0, "out of memory");
    int rc = pm_store_key_exists(w->st, path, w->err);
    free(path);
    return rc;
}

/* The account's EMSMDB section (through PR_EMSMDB_SECTION_UID), or the Outlook 2007 global
 * section that holds a one-account profile's settings. A missing or malformed link leaves the
 * account damaged: half an account is never updated. */
static int read_emsmdb(struct walk *w, struct pm_profile *pr, const struct pm_section *service,
                       struct pm_account *a)
{
    const struct pm_section_value *emsmdb = pm_section_get(service, V_EMSMDB_UID);
    struct pm_section *e = NULL;
    int rc;
    if (emsmdb && emsmdb->len != 16) {
        warnf(w, service->path,
              "value '%s' (PR_EMSMDB_SECTION_UID) is %zu bytes, not 16; the account's settings "
              "section is not known, so the account is left alone",
              V_EMSMDB_UID, emsmdb->len);
        a->damaged = 1;
    }
    if (emsmdb && emsmdb->len == 16) {
        char hex[33];
        pm_mapi_uid_hex(emsmdb->data, 0, hex);
        if ((rc = add_section(w, a, pr->path, hex, PM_ROLE_EMSMDB, &e)) < 0)
            return rc;
        if (!e)
            a->damaged = 1; /* add_section warned that it is missing */
    }
    if (!e && (rc = global2007_exists(w, pr)) != 0) {
        /* Outlook 2007 and older keep the one Exchange account in the global section. */
        if (rc < 0 ||
            (rc = add_section(w, a, pr->path, PM_SECTION_GLOBAL2007, PM_ROLE_EMSMDB, &e)) < 0)
            return rc;
        if (e)
            a->outlook2007 = 1;
    }
    return 0;
}

/* The service section itself: the caller read it already, so it is moved in. */
static int move_service_in(struct walk *w, struct pm_section *service, const char *svchex,
                           struct pm_account *a)
{
    struct pm_section *ns = realloc(a->sections, (a->nsections + 1) * sizeof(*ns));
    char *uid = pm_strdup(svchex);
    if (!ns || !uid) {
        free(uid);
        if (ns)
            a->sections = ns;
        return pm_error_set(w->err, PM_ERR_NOMEM, NULL, 0, "out of memory");
    }
    a->sections = ns;
    service->role = PM_ROLE_SERVICE;
    free(service->uid);
    service->uid = uid;
    a->sections[a->nsections++] = *service;
    memset(service, 0, sizeof(*service));
    return 0;
}

/* The providers of the service's and the EMSMDB section's lists: stores (primary first, §3.2;
 * the EMSMDB list adds delegates), the transport and the address book. */
static int read_providers(struct walk *w, struct pm_profile *pr, const uint8_t *svc,
                          struct pm_account *a)
{
    const struct pm_section *svc_sec = NULL, *ems_sec = NULL;
    for (size_t i = 0; i < a->nsections; i++) {
        if (a->sections[i].role == PM_ROLE_SERVICE)
            svc_sec = &a->sections[i];
        if (a->sections[i].role == PM_ROLE_EMSMDB)
            ems_sec = &a->sections[i];
    }
    /* Copied before more sections are added: the array moves. */
    struct pm_section_value lists[4] = {{0}};
    const struct pm_section *from[4] = {svc_sec, ems_sec, svc_sec, svc_sec};
    const char *names[4] = {V_STORE_PROVIDERS, V_STORE_PROVIDERS, V_XP_PROVIDERS, V_AB_PROVIDERS};
    enum pm_section_role roles[4] = {PM_ROLE_STORE, PM_ROLE_STORE, PM_ROLE_TRANSPORT,
                                     PM_ROLE_ADDRBOOK};
    int rc = 0;
    for (int i = 0; rc == 0 && i < 4; i++) {
        const struct pm_section_value *v = from[i] ? pm_section_get(from[i], names[i]) : NULL;
        if (!v)
            continue;
        lists[i].name = (char *)names[i];
        lists[i].len = v->len;
        lists[i].data = malloc(v->len ? v->len : 1);
        if (!lists[i].data)
            rc = pm_error_set(w->err, PM_ERR_NOMEM, NULL, 0, "out of memory");
        else
            memcpy(lists[i].data, v->data, v->len);
    }
    for (int i = 0; rc == 0 && i < 4; i++)
        if (lists[i].data)
            rc = add_uid_list(w, a, pr->path, &lists[i], svc, roles[i]);
    for (int i = 0; i < 4; i++)
        free(lists[i].data);
    return rc < 0 ? rc : 0;
}

/* The Account Manager subkey whose Service UID is this service. */
static int read_account_manager(struct walk *w, struct pm_profile *pr, const uint8_t *svc,
                                struct pm_account *a)
{
    char *acc_root = join2(pr->path, PM_SECTION_ACCOUNTS);
    struct pm_strlist subs = PM_STRLIST_INIT;
    if (!acc_root)
        return pm_error_set(w->err, PM_ERR_NOMEM, NULL, 0, "out of memory");
    int rc = pm_store_subkeys(w->st, acc_root, &subs, w->err);
    for (size_t i = 0; rc >= 0 && i < subs.n; i++) {
        char *p = join2(acc_root, subs.items[i]);
        struct pm_value v = PM_VALUE_INIT;
        if (!p) {
            rc = pm_error_set(w->err, PM_ERR_NOMEM, NULL, 0, "out of memory");
            break;
        }
        rc = pm_store_get(w->st, p, "Service UID", &v, w->err);
        free(p);
        if (rc > 0 && v.len == 16 && memcmp(v.data, svc, 16) == 0) {
            char *rel = join2(PM_SECTION_ACCOUNTS, subs.items[i]);
            if (!rel) {
                rc = PM_ERR_NOMEM;
            } else {
                rc = add_section(w, a, pr->path, rel, PM_ROLE_ACCOUNT, NULL);
                free(rel);
            }
        }
        pm_value_release(&v);
    }
    pm_strlist_release(&subs);
    free(acc_root);
    return rc < 0 ? rc : 0;
}

/* The first value of 'names' found in a section of role 'role' (a store: of kind 'kind', or any
 * kind when 0) into *out, unless *out is set already. */
static int first_string(struct walk *w, const struct pm_account *a, enum pm_section_role role,
                        enum pm_store_kind kind, const char *const *names, char **out)
{
    for (size_t i = 0; i < a->nsections && !*out; i++) {
        const struct pm_section *s = &a->sections[i];
        if (s->role != role || (kind && s->kind != kind))
            continue;
        int rc = string_any(w, s, names, out);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* Who the account is: PR_PROFILE_USER, else the primary store's or the transport's mailbox DN;
 * its SMTP address; its display name. */
static int read_identity(struct walk *w, struct pm_account *a)
{
    const char *const user[] = {V_PROFILE_USER_A, V_PROFILE_USER_W, NULL};
    const char *const mbx[] = {V_PROFILE_MAILBOX_A, V_PROFILE_MAILBOX_W, NULL};
    const char *const smtp[] = {V_SMTP_W, V_SMTP_A, NULL};
    int rc = first_string(w, a, PM_ROLE_EMSMDB, 0, user, &a->dn);
    for (size_t i = 0; rc == 0 && i < a->nsections && !a->dn; i++) {
        const struct pm_section *s = &a->sections[i];
        if (s->role == PM_ROLE_STORE && s->kind == PM_STORE_PRIMARY && s->mailbox_dn &&
            !(a->dn = pm_strdup(s->mailbox_dn)))
            rc = PM_ERR_NOMEM;
    }
    if (rc == 0)
        rc = first_string(w, a, PM_ROLE_TRANSPORT, 0, mbx, &a->dn);
    if (rc == 0)
        rc = first_string(w, a, PM_ROLE_EMSMDB, 0, smtp, &a->smtp);
    if (rc == 0)
        rc = first_string(w, a, PM_ROLE_STORE, PM_STORE_PRIMARY, smtp, &a->smtp);
    for (size_t i = 0; rc == 0 && i < a->nsections && a->dn; i++) {
        const struct pm_section *s = &a->sections[i];
        if (s->role == PM_ROLE_EMSMDB && dn_damaged(w, s, user)) {
            warnf(w, s->path, "PR_PROFILE_USER is not a legacyExchangeDN (control characters, "
                              "embedded NUL, or too long); the account is left alone");
            a->damaged = 1;
        }
    }
    /* Outlook 2007-era profiles may carry no SMTP property; the Account Manager's account name
     * of an Exchange account is its SMTP address (§3.6). */
    for (size_t i = 0; rc == 0 && i < a->nsections && !a->smtp; i++) {
        const struct pm_section *s = &a->sections[i];
        const char *const name[] = {"Account Name", "Email", NULL};
        char *cand = NULL;
        if (s->role != PM_ROLE_ACCOUNT)
            continue;
        if ((rc = string_any(w, s, name, &cand)) < 0)
            break;
        if (cand && looks_like_smtp(cand))
            a->smtp = cand;
        else
            free(cand);
    }
    const char *const acct_name[] = {"Account Name", NULL};
    const char *const disp[] = {V_DISPLAY_NAME_W, V_DISPLAY_NAME_A, NULL};
    for (size_t i = 0; rc >= 0 && i < a->nsections && !a->display; i++) {
        const struct pm_section *s = &a->sections[i];
        if (s->role == PM_ROLE_ACCOUNT)
            rc = string_any(w, s, acct_name, &a->display);
        else if (s->role == PM_ROLE_SERVICE)
            rc = string_any(w, s, disp, &a->display);
    }
    if (rc == PM_ERR_NOMEM)
        return pm_error_set(w->err, PM_ERR_NOMEM, NULL, 0, "out of memory");
    return rc < 0 ? rc : 0;
}

static int read_account(struct walk *w, struct pm_profile *pr, const uint8_t *svc,
                        struct pm_section *service, struct pm_account *a)
{
    char svchex[33];
    pm_hex_lower(svc, 16, svchex);
    a->service_uid = pm_strdup(svchex);
    if (!a->service_uid)
        return pm_error_set(w->err, PM_ERR_NOMEM, NULL, 0, "out of memory");
    int rc = read_emsmdb(w, pr, service, a); /* first: it names the account */
    if (rc == 0)
        rc = move_service_in(w, service, svchex, a);
    if (rc == 0)
        rc = read_providers(w, pr, svc, a);
    if (rc == 0)
        rc = read_account_manager(w, pr, svc, a);
    if (rc == 0)
        rc = read_identity(w, a);
    return rc;
}

/* In a 2010+ profile a physical 13dbb0c8 key may hold residue of the account it was copied
 * from; it belongs to the account whose DN it names. */
static int attach_residue(struct walk *w, struct pm_profile *pr)
{
    int has2007 = 0;
    for (size_t a = 0; a < pr->naccounts; a++)
        has2007 |= pr->accounts[a].outlook2007;
    if (has2007)
        return 0;
    struct pm_section probe = {0};
    probe.path = join2(pr->path, PM_SECTION_GLOBAL2007);
    if (!probe.path)
        return pm_error_set(w->err, PM_ERR_NOMEM, NULL, 0, "out of memory");
    int rc = read_section(w, &probe);
    char *dn = NULL;
    if (rc > 0) {
        const char *const user[] = {V_PROFILE_USER_A, V_PROFILE_USER_W, NULL};
        rc = string_any(w, &probe, user, &dn);
    }
    section_release(&probe);
    if (rc <= 0)
        return rc;
    for (size_t a = 0; a < pr->naccounts; a++) {
        struct pm_account *acc = &pr->accounts[a];
        if (acc->dn && strlen(acc->dn) == strlen(dn) &&
            pm_ascii_ncasecmp(acc->dn, dn, strlen(dn)) == 0) {
            rc = add_section(w, acc, pr->path, PM_SECTION_GLOBAL2007, PM_ROLE_RESIDUE, NULL);
            free(dn);
            return rc < 0 ? rc : 0;
        }
    }
    free(dn);
    return 0;
}

/* 1 when the service section names service 'svc' (PR_SERVICE_NAME), 0 when not, <0. */
static int is_service(struct walk *w, const struct pm_section *s, const char *svc)
{
    char *name = NULL;
    const char *const names[] = {V_SERVICE_NAME_W, V_SERVICE_NAME_A, NULL};
    int rc = string_any(w, s, names, &name);
    if (rc <= 0)
        return rc;
    int yes = pm_name_casecmp(name, svc) == 0;
    free(name);
    return yes;
}

static int is_msems(struct walk *w, const struct pm_section *s)
{
    return is_service(w, s, "MSEMS");
}

/* A section of no account that lists store EntryIDs, added to pr->linked when it exists. */
static int add_linked(struct walk *w, struct pm_profile *pr, const char *uid,
                      enum pm_section_role role)
{
    struct pm_section s = {0};
    s.role = role;
    s.uid = pm_strdup(uid);
    s.path = join2(pr->path, uid);
    if (!s.uid || !s.path) {
        section_release(&s);
        return pm_error_set(w->err, PM_ERR_NOMEM, NULL, 0, "out of memory");
    }
    int rc = read_section(w, &s);
    if (rc <= 0) {
        section_release(&s);
        return rc;
    }
    struct pm_section *nl = realloc(pr->linked, (pr->nlinked + 1) * sizeof(*nl));
    if (!nl) {
        section_release(&s);
        return pm_error_set(w->err, PM_ERR_NOMEM, NULL, 0, "out of memory");
    }
    pr->linked = nl;
    pr->linked[pr->nlinked++] = s;
    return 0;
}

/* The Outlook Address Book's providers: the service's PR_AB_PROVIDERS. */
static int add_contab(struct walk *w, struct pm_profile *pr, const struct pm_section *svc)
{
    const struct pm_section_value *list = pm_section_get(svc, V_AB_PROVIDERS);
    size_t n = list ? pm_mapi_uid_count(list->len) : 0;
    for (size_t i = 0; i < n; i++) {
        char hex[33];
        pm_mapi_uid_hex(list->data, i, hex);
        int rc = add_linked(w, pr, hex, PM_ROLE_CONTAB);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* The profile's services list (PR_SERVICES in its master section), 16-byte UIDs: >0 with the
 * list in *services, 0 when there is none, <0 on error. */
static int read_services_list(struct walk *w, const struct pm_profile *pr,
                              struct pm_value *services)
{
    char *master = join2(pr->path, PM_SECTION_MASTER);
    if (!master)
        return pm_error_set(w->err, PM_ERR_NOMEM, NULL, 0, "out of memory");
    int rc = pm_store_get(w->st, master, V_SERVICES, services, w->err);
    /* A damaged services list must not make a profile vanish from the run without a word. */
    if (rc > 0 && services->len % 16 != 0)
        warnf(w, master, "value '%s' (PR_SERVICES) is %zu bytes, not a list of 16-byte UIDs; %s",
              V_SERVICES, services->len,
              services->len < 16 ? "no service read" : "the trailing bytes are ignored");
    free(master);
    return rc;
}

/* One service of the list, by its UID: an Exchange service becomes an account, a contacts
 * (CONTAB) service is kept for its address book entries, any other is passed over. A service
 * listed but missing from the registry is reported and skipped. <0 on error. */
static int read_service(struct walk *w, struct pm_profile *pr, const uint8_t *svc)
{
    char hex[33];
    pm_hex_lower(svc, 16, hex);
    struct pm_section s = {0};
    s.path = join2(pr->path, hex);
    if (!s.path)
        return pm_error_set(w->err, PM_ERR_NOMEM, NULL, 0, "out of memory");
    int rc = read_section(w, &s);
    int exch = rc > 0 ? is_msems(w, &s) : rc;
    if (rc == 0)
        warnf(w, s.path, "service listed in the profile is missing; skipped");
    if (exch > 0) {
        struct pm_account *na = realloc(pr->accounts, (pr->naccounts + 1) * sizeof(*na));
        if (!na) {
            section_release(&s);
            return pm_error_set(w->err, PM_ERR_NOMEM, NULL, 0, "out of memory");
        }
        pr->accounts = na;
        struct pm_account *a = &pr->accounts[pr->naccounts++];
        memset(a, 0, sizeof(*a));
        rc = read_account(w, pr, svc, &s, a);
    } else if (exch == 0 && (rc = is_service(w, &s, "CONTAB")) > 0) {
        rc = add_contab(w, pr, &s);
    } else {
        rc = exch;
    }
    section_release(&s);
    return rc;
}

/* A bare Outlook 2007-era profile: no services list, one account read from the 13dbb0c8
 * section (its user DN and SMTP address). A section without a DN gives no account. */
static int read_outlook2007(struct walk *w, struct pm_profile *pr)
{
    struct pm_account a = {0};
    struct pm_section *e = NULL;
    int rc = add_section(w, &a, pr->path, PM_SECTION_GLOBAL2007, PM_ROLE_EMSMDB, &e);
    if (rc > 0) {
        const char *const user[] = {V_PROFILE_USER_A, V_PROFILE_USER_W, NULL};
        const char *const smtp[] = {V_SMTP_W, V_SMTP_A, NULL};
        a.outlook2007 = 1;
        if ((rc = string_any(w, e, user, &a.dn)) >= 0)
            rc = string_any(w, e, smtp, &a.smtp);
        if (rc >= 0 && a.dn) {
            pr->accounts = malloc(sizeof(*pr->accounts));
            if (!pr->accounts)
                rc = PM_ERR_NOMEM;
            else {
                pr->accounts[0] = a;
                pr->naccounts = 1;
                return 0;
            }
        }
    }
    account_release(&a);
    return rc < 0 ? rc : 0;
}

/* One profile: the accounts and contacts of its services and the Outlook global section; with
 * no services list, the Outlook 2007-era account; else any 13dbb0c8 residue, given to the account
 * it names. */
static int read_profile(struct walk *w, const char *root, const char *name, int is_default,
                        struct pm_profile *pr)
{
    pr->root = pm_strdup(root);
    pr->name = pm_strdup(name);
    pr->path = join2(root, name);
    pr->is_default = is_default;
    if (!pr->root || !pr->name || !pr->path)
        return pm_error_set(w->err, PM_ERR_NOMEM, NULL, 0, "out of memory");
    struct pm_value services = PM_VALUE_INIT;
    int rc = read_services_list(w, pr, &services);
    if (rc < 0)
        return rc;
    size_t n = rc > 0 ? pm_mapi_uid_count(services.len) : 0;
    pr->nservices = n;
    for (size_t i = 0; i < n; i++)
        if ((rc = read_service(w, pr, services.data + 16 * i)) < 0)
            break;
    pm_value_release(&services);
    if (rc >= 0)
        rc = add_linked(w, pr, PM_SECTION_OUTLOOK_GLOBAL, PM_ROLE_OUTLOOK_GLOBAL);
    if (rc < 0)
        return rc;
    /* No services list but a 13dbb0c8 section: a bare Outlook 2007-era profile. */
    if (n == 0 && (rc = global2007_exists(w, pr)) > 0)
        return read_outlook2007(w, pr);
    if (rc < 0)
        return rc;
    return attach_residue(w, pr);
}

/* The ForceOSTPath policy of root r, expanded; NULL when not set. A value naming an environment
 * variable that is not set here is not used (the OST stays in its folder), with a warning. */
static int ost_policy(struct walk *w, size_t r, char **out)
{
    struct pm_value v = PM_VALUE_INIT;
    *out = NULL;
    int rc = pm_store_get(w->st, ost_policy_keys[r], "ForceOSTPath", &v, w->err);
    if (rc <= 0 || pm_mapi_string_get("ForceOSTPath", v.type, v.data, v.len, &w->tmp) <= 0 ||
        !w->tmp.len) {
        pm_value_release(&v);
        return rc < 0 ? rc : 0;
    }
    pm_value_release(&v);
    char *raw = pm_strdup(w->tmp.data);
    size_t unset = 0;
    if (!raw || pm_env_expand(raw, &w->tmp, count_unset, &unset) < 0) {
        free(raw);
        return pm_error_set(w->err, PM_ERR_NOMEM, NULL, 0, "out of memory");
    }
    if (unset)
        warnf(w, ost_policy_keys[r],
              "ForceOSTPath '%s' names an environment variable that is not set; new OST files "
              "stay in the folder of the old one",
              raw);
    else if (!(*out = pm_strdup(w->tmp.data)))
        rc = pm_error_set(w->err, PM_ERR_NOMEM, NULL, 0, "out of memory");
    free(raw);
    return rc < 0 ? rc : 0;
}

int pm_model_read(struct pm_store *st, struct pm_model *out, pm_diag_fn warn, void *ctx,
                  struct pm_error *err)
{
    memset(out, 0, sizeof(*out));
    struct walk w = {st, warn, ctx, err, PM_BUF_INIT};
    int rc = 0;
    for (size_t r = 0; r < pm_profile_nroots && rc >= 0; r++) {
        struct pm_strlist names = PM_STRLIST_INIT;
        rc = pm_store_subkeys(st, pm_profile_roots[r], &names, err);
        if (rc <= 0) {
            pm_strlist_release(&names);
            continue;
        }
        char *def = NULL;
        struct pm_value dv = PM_VALUE_INIT;
        if (pm_store_get(st, default_profile_keys[r], "DefaultProfile", &dv, err) > 0 &&
            pm_mapi_string_get("DefaultProfile", dv.type, dv.data, dv.len, &w.tmp) > 0)
            def = pm_strdup(w.tmp.data);
        pm_value_release(&dv);
        char *force_ost = NULL;
        if ((rc = ost_policy(&w, r, &force_ost)) < 0) {
            free(def);
            pm_strlist_release(&names);
            break;
        }
        for (size_t i = 0; i < names.n; i++) {
            struct pm_profile *np = realloc(out->profiles, (out->nprofiles + 1) * sizeof(*np));
            if (!np) {
                rc = pm_error_set(err, PM_ERR_NOMEM, NULL, 0, "out of memory");
                break;
            }
            out->profiles = np;
            struct pm_profile *pr = &out->profiles[out->nprofiles++];
            memset(pr, 0, sizeof(*pr));
            int is_def = def && pm_name_casecmp(def, names.items[i]) == 0;
            if (force_ost && !(pr->force_ost_path = pm_strdup(force_ost))) {
                rc = pm_error_set(err, PM_ERR_NOMEM, NULL, 0, "out of memory");
                break;
            }
            if ((rc = read_profile(&w, pm_profile_roots[r], names.items[i], is_def, pr)) < 0)
                break;
        }
        free(force_ost);
        free(def);
        pm_strlist_release(&names);
    }
    pm_buf_release(&w.tmp);
    if (rc < 0) {
        pm_model_release(out);
        return rc;
    }
    return 0;
}

const char *pm_section_role_name(enum pm_section_role r)
{
    switch (r) {
    case PM_ROLE_EMSMDB: return "emsmdb";
    case PM_ROLE_SERVICE: return "service";
    case PM_ROLE_STORE: return "store";
    case PM_ROLE_TRANSPORT: return "transport";
    case PM_ROLE_ADDRBOOK: return "addressbook";
    case PM_ROLE_ACCOUNT: return "account";
    case PM_ROLE_RESIDUE: return "residue";
    case PM_ROLE_CONTAB: return "contab";
    case PM_ROLE_OUTLOOK_GLOBAL: return "outlook_global";
    }
    return "unknown";
}

const char *pm_store_kind_name(enum pm_store_kind k)
{
    switch (k) {
    case PM_STORE_PRIMARY: return "primary";
    case PM_STORE_DELEGATE: return "delegate";
    case PM_STORE_PUBLIC: return "public";
    case PM_STORE_ARCHIVE: return "archive";
    default: return "store";
    }
}
