/* pmcheck: the test oracle of an update. It compares a registry store before and after an update,
 * given the fixture manifest (which keys belong to which Exchange mailbox and which mailboxes are
 * migrated when), and reports every violation of what an update promises. It reads the stores
 * through the store API only and knows nothing of how the engine models profiles or plans edits,
 * so a bug in the engine cannot hide by being shared with its checker.
 *
 *   pmcheck BEFORE_SPEC AFTER_SPEC MANIFEST [--puf-stage now|later] [--config prof.config]
 *
 * Checks (each failure is printed as "FAIL [x] where: what"):
 *   a  outside the sections of mailboxes migrated at this stage, every key and value is
 *      byte-identical (type and bytes), and nothing was added or removed;
 *   b  the binding links (service/provider UID lists and back pointers, Account Manager UIDs,
 *      clsid, Mini UID, NextAccountID, account order values) are byte-identical everywhere;
 *   c  the sections of migrated mailboxes hold no trace of the source (source DN, "/o=Source Org",
 *      old SMTP, old server names), searched case-insensitively as 8-bit and UTF-16LE text;
 *   d  the sections still exist and the target identity is set (DN, SMTP with the same "SMTP:"
 *      convention, Account Name);
 *   e  prof.config landed on migrated accounts (cached-mode and Outlook Anywhere values);
 *   f  no store EntryID anywhere in the profile (any value of any key, alone, inside a
 *      multi-valued list of either table width or inside a larger structure) names a migrated
 *      mailbox's source DN or one of its old server names; read by a small reader of its own;
 *   g  a delegate or shared store never holds the identity (DN, SMTP address) of an account of
 *      its profile;
 *   h  an archive whose DN had a "/guid=" suffix keeps it (the manifest's GUID, or the one it
 *      had) and its server names keep that GUID;
 *   i  the profile's name (001e6750, 001f6750) is unchanged wherever it is.
 * Values outside a mailbox's sections that the manifest lists as linked to it (store EntryID
 * lists and the names beside them) count as its sections for a and c.
 * Exit status: 0 when nothing failed, 1 when something did, 2 on a usage or setup error. */
#include "compat.h"

#include "fixture.h"
#include "pm/os.h"
#include "pm/regfile.h"
#include "pm/store.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { CK_A, CK_B, CK_C, CK_D, CK_E, CK_F, CK_G, CK_H, CK_I, CK_N };
static const char ck_letter[CK_N] = {'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'};
static const char *const ck_title[CK_N] = {"outside migrated sections unchanged",
                                           "binding links intact",
                                           "no trace of the source",
                                           "target identity set",
                                           "config applied to migrated accounts",
                                           "no store EntryID names a migrated source",
                                           "shared stores keep their own identity",
                                           "archives keep their /guid= suffix",
                                           "profile name unchanged"};

/* The settings of prof.config this checker knows, read by its own small parser. */
struct ck_config {
    int loaded;
    char cached[256], shared[256], pffav[256], oa[256], auth[256];
    char proxy[256], principal[256];
    int ssl, mutual, fast, slow; /* -1 unset, 0 no, 1 yes */
};

struct ck {
    struct pm_store *before, *after;
    struct pmt_manifest m;
    enum pmt_stage stage;
    struct ck_config cfg;
    struct pm_strlist migsec;  /* sections of mailboxes migrated at this stage */
    struct pm_strlist migvals; /* "key\value" linked to mailboxes migrated at this stage */
    struct pm_strlist needles; /* traces of the source */
    struct pm_strlist old_dns; /* source DNs of the mailboxes migrated at this stage */
    struct pm_strlist old_srv; /* their old server names */
    unsigned long pass[CK_N], fail[CK_N];
    int setup_error;
};

static void ck_fail(struct ck *ck, int c, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void ck_fail(struct ck *ck, int c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("FAIL [%c] ", ck_letter[c]);
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    ck->fail[c]++;
}

static void ck_result(struct ck *ck, int c, int ok, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void ck_result(struct ck *ck, int c, int ok, const char *fmt, ...)
{
    if (ok) {
        ck->pass[c]++;
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    printf("FAIL [%c] ", ck_letter[c]);
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    ck->fail[c]++;
}

static void setup_fail(struct ck *ck, const char *what, const struct pm_error *err)
{
    char buf[1700];
    fprintf(stderr, "pmcheck: %s: %s\n", what, err ? pm_error_format(err, buf, sizeof(buf)) : "");
    ck->setup_error = 1;
}

/* ---- small helpers ---- */

static void join(char *out, size_t size, const char *parent, const char *name)
{
    if (*parent)
        snprintf(out, size, "%s\\%s", parent, name);
    else
        snprintf(out, size, "%s", name);
}

/* Every key path of a store, parents before children. */
static int walk(struct ck *ck, struct pm_store *st, const char *path, struct pm_strlist *out,
                int depth)
{
    struct pm_error err;
    pm_error_clear(&err);
    if (depth > 64) {
        setup_fail(ck, "key tree deeper than 64 levels", NULL);
        return -1;
    }
    struct pm_strlist sub = PM_STRLIST_INIT;
    if (pm_store_subkeys(st, path, &sub, &err) < 0) {
        setup_fail(ck, path, &err);
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sub.n; i++) {
        char child[PM_MAX_PATH_BYTES];
        join(child, sizeof(child), path, sub.items[i]);
        if (pm_strlist_add(out, child) < 0)
            rc = -1;
        else
            rc = walk(ck, st, child, out, depth + 1);
    }
    pm_strlist_release(&sub);
    return rc;
}

static int get(struct ck *ck, struct pm_store *st, const char *key, const char *name,
               struct pm_value *v)
{
    struct pm_error err;
    pm_error_clear(&err);
    int rc = pm_store_get(st, key, name, v, &err);
    if (rc < 0)
        setup_fail(ck, key, &err);
    return rc;
}

static int same_value(const struct pm_value *a, const struct pm_value *b)
{
    return a->type == b->type && a->len == b->len &&
           (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

/* A short printable rendering of a value for messages. */
static const char *show(const struct pm_value *v, char *out, size_t size)
{
    size_t o = 0;
    o += (size_t)snprintf(out, size, "%s[%zu]:", pm_regtype_name(v->type), v->len);
    for (size_t i = 0; i < v->len && i < 48 && o + 4 < size; i++)
        o += (size_t)snprintf(out + o, size - o, "%02x", v->data[i]);
    if (v->len > 48 && o + 4 < size)
        snprintf(out + o, size - o, "...");
    return out;
}

/* A string value as UTF-8: PT_STRING8 values are REG_SZ and PT_UNICODE values are UTF-16LE
 * binary, so both read as UTF-16LE; a REG_BINARY 001e value (not what Outlook writes) as 8-bit. */
static void as_text(const char *name, const struct pm_value *v, struct pm_buf *out)
{
    pm_buf_reset(out);
    if (v->type == PM_REG_BINARY && strncmp(name, "001e", 4) == 0) {
        size_t n = strnlen((const char *)v->data, v->len);
        pm_buf_append(out, v->data, n);
    } else {
        pm_utf16le_to_utf8(v->data, v->len, out);
    }
}

static int text_equal(const char *a, const char *b)
{
    return strlen(a) == strlen(b) && pm_ascii_ncasecmp(a, b, strlen(a)) == 0;
}

static uint32_t le32(const struct pm_value *v)
{
    return (uint32_t)v->data[0] | (uint32_t)v->data[1] << 8 | (uint32_t)v->data[2] << 16 |
           (uint32_t)v->data[3] << 24;
}

static int is_migrated_section(const struct ck *ck, const char *key)
{
    return pm_strlist_find(&ck->migsec, key) >= 0;
}

/* A value outside the sections that the manifest links to a migrated mailbox. */
static int is_migrated_value(const struct ck *ck, const char *key, const char *name)
{
    char kv[PM_MAX_PATH_BYTES + 300];
    snprintf(kv, sizeof(kv), "%s\\%s", key, name);
    return pm_strlist_find(&ck->migvals, kv) >= 0;
}

/* The profile's own name: the one value of a migrated section that must not change. */
static int is_profile_name(const char *name)
{
    return pm_name_casecmp(name, "001e6750") == 0 || pm_name_casecmp(name, "001f6750") == 0;
}

static int mailbox_migrated(const struct ck *ck, const struct pmt_mailbox *b)
{
    return b->migrated != PMT_NEVER && b->migrated <= ck->stage;
}

/* ---- a: nothing outside migrated sections changed ---- */

static void check_outside(struct ck *ck, const struct pm_strlist *kb, const struct pm_strlist *ka)
{
    struct pm_error err;
    for (size_t i = 0; i < kb->n; i++) {
        const char *key = kb->items[i];
        if (is_migrated_section(ck, key))
            continue;
        pm_error_clear(&err);
        int ex = pm_store_key_exists(ck->after, key, &err);
        if (ex < 0) {
            setup_fail(ck, key, &err);
            return;
        }
        ck_result(ck, CK_A, ex == 1, "%s: key removed", key);
        if (ex != 1)
            continue;
        struct pm_strlist vb = PM_STRLIST_INIT, va = PM_STRLIST_INIT;
        pm_store_values(ck->before, key, &vb, &err);
        pm_store_values(ck->after, key, &va, &err);
        for (size_t j = 0; j < vb.n; j++) {
            struct pm_value b = PM_VALUE_INIT, a = PM_VALUE_INIT;
            char sb[200], sa[200];
            if (is_migrated_value(ck, key, vb.items[j]))
                continue;
            if (get(ck, ck->before, key, vb.items[j], &b) == 1) {
                int found = get(ck, ck->after, key, vb.items[j], &a);
                if (found != 1)
                    ck_fail(ck, CK_A, "%s\\%s: value removed (was %s)", key, vb.items[j],
                            show(&b, sb, sizeof(sb)));
                else
                    ck_result(ck, CK_A, same_value(&a, &b), "%s\\%s: value changed: %s -> %s", key,
                              vb.items[j], show(&b, sb, sizeof(sb)), show(&a, sa, sizeof(sa)));
            }
            pm_value_release(&b);
            pm_value_release(&a);
        }
        for (size_t j = 0; j < va.n; j++)
            ck_result(ck, CK_A,
                      pm_strlist_find(&vb, va.items[j]) >= 0 ||
                          is_migrated_value(ck, key, va.items[j]),
                      "%s\\%s: value added", key, va.items[j]);
        pm_strlist_release(&vb);
        pm_strlist_release(&va);
    }
    for (size_t i = 0; i < ka->n; i++) {
        const char *key = ka->items[i];
        if (is_migrated_section(ck, key) || pm_strlist_find(kb, key) >= 0)
            continue;
        ck_fail(ck, CK_A, "%s: key added", key);
    }
}

/* ---- b: binding links byte-identical everywhere ---- */

static int is_binding(const char *name)
{
    static const char *const names[] = {
        "01023d0e",        "01023d00", "01023d01", "01023d02",     "01023d15",
        "01023d0c",        "0102300c", "01023d1a", "Service UID",  "XP Provider UID",
        "Preferences UID", "clsid",    "Mini UID", "NextAccountID"};
    for (size_t i = 0; i < PM_ARRAY_SIZE(names); i++)
        if (pm_name_casecmp(name, names[i]) == 0)
            return 1;
    /* The Account Manager order values {ED475418-...}, {ED475419-...}, {ED475420-...}. */
    return strlen(name) == 38 && pm_ascii_ncasecmp(name, "{ED4754", 7) == 0;
}

static void check_binding(struct ck *ck, const struct pm_strlist *kb, const struct pm_strlist *ka)
{
    struct pm_error err;
    pm_error_clear(&err);
    for (size_t i = 0; i < kb->n; i++) {
        struct pm_strlist vb = PM_STRLIST_INIT;
        pm_store_values(ck->before, kb->items[i], &vb, &err);
        for (size_t j = 0; j < vb.n; j++) {
            if (!is_binding(vb.items[j]))
                continue;
            struct pm_value b = PM_VALUE_INIT, a = PM_VALUE_INIT;
            char sb[200], sa[200];
            get(ck, ck->before, kb->items[i], vb.items[j], &b);
            if (get(ck, ck->after, kb->items[i], vb.items[j], &a) != 1)
                ck_fail(ck, CK_B, "%s\\%s: binding value removed (was %s)", kb->items[i],
                        vb.items[j], show(&b, sb, sizeof(sb)));
            else
                ck_result(ck, CK_B, same_value(&a, &b), "%s\\%s: binding value changed: %s -> %s",
                          kb->items[i], vb.items[j], show(&b, sb, sizeof(sb)),
                          show(&a, sa, sizeof(sa)));
            pm_value_release(&b);
            pm_value_release(&a);
        }
        pm_strlist_release(&vb);
    }
    for (size_t i = 0; i < ka->n; i++) {
        struct pm_strlist va = PM_STRLIST_INIT;
        pm_store_values(ck->after, ka->items[i], &va, &err);
        for (size_t j = 0; j < va.n; j++) {
            if (!is_binding(va.items[j]))
                continue;
            struct pm_value b = PM_VALUE_INIT;
            int rc = pm_store_get(ck->before, ka->items[i], va.items[j], &b, &err);
            ck_result(ck, CK_B, rc == 1, "%s\\%s: binding value added", ka->items[i], va.items[j]);
            pm_value_release(&b);
        }
        pm_strlist_release(&va);
    }
}

/* ---- c: no trace of the source in migrated sections ---- */

static int fold(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

/* Case-insensitive search of an ASCII needle in bytes, as 8-bit text (step 1) or as UTF-16LE
 * text (every needle char followed by a zero byte), at any offset. */
static int contains(const uint8_t *hay, size_t hlen, const char *needle, int utf16)
{
    size_t n = strlen(needle), step = utf16 ? 2 : 1;
    if (n == 0 || hlen < n * step)
        return 0;
    for (size_t i = 0; i + n * step <= hlen; i++) {
        size_t k = 0;
        while (k < n && fold(hay[i + k * step]) == fold((unsigned char)needle[k]) &&
               (!utf16 || hay[i + k * step + 1] == 0))
            k++;
        if (k == n)
            return 1;
    }
    return 0;
}

static void trace_value(struct ck *ck, const char *key, const char *name)
{
    struct pm_value v = PM_VALUE_INIT;
    if (!is_profile_name(name) && get(ck, ck->after, key, name, &v) == 1)
        for (size_t k = 0; k < ck->needles.n; k++)
            for (int u = 0; u < 2; u++)
                ck_result(ck, CK_C, !contains(v.data, v.len, ck->needles.items[k], u),
                          "%s\\%s: still holds '%s' (%s)", key, name, ck->needles.items[k],
                          u ? "UTF-16LE" : "8-bit");
    pm_value_release(&v);
}

static void check_traces(struct ck *ck)
{
    struct pm_error err;
    pm_error_clear(&err);
    for (size_t i = 0; i < ck->migsec.n; i++) {
        const char *key = ck->migsec.items[i];
        struct pm_strlist va = PM_STRLIST_INIT;
        if (pm_store_values(ck->after, key, &va, &err) != 1) {
            pm_strlist_release(&va);
            continue; /* a missing section is reported by d */
        }
        for (size_t j = 0; j < va.n; j++)
            trace_value(ck, key, va.items[j]);
        pm_strlist_release(&va);
    }
    /* Linked values: "key\\name", split at the last backslash. */
    for (size_t i = 0; i < ck->migvals.n; i++) {
        char key[PM_MAX_PATH_BYTES + 300];
        snprintf(key, sizeof(key), "%s", ck->migvals.items[i]);
        char *bs = strrchr(key, '\\');
        if (!bs)
            continue;
        *bs = 0;
        trace_value(ck, key, bs + 1);
    }
}

/* ---- d: target identity ---- */

/* Checks that value 'name' of 'key' reads as 'want' after the update. */
static void expect_text(struct ck *ck, int c, const char *key, const char *name, const char *want)
{
    struct pm_value v = PM_VALUE_INIT;
    struct pm_buf t = PM_BUF_INIT;
    int rc = get(ck, ck->after, key, name, &v);
    if (rc != 1)
        ck_fail(ck, c, "%s\\%s: missing, expected '%s'", key, name, want);
    else {
        as_text(name, &v, &t);
        ck_result(ck, c, text_equal(t.data ? t.data : "", want), "%s\\%s: is '%s', expected '%s'",
                  key, name, t.data ? t.data : "", want);
    }
    pm_buf_release(&t);
    pm_value_release(&v);
}

/* An SMTP value that existed before must hold the target address, keeping an "SMTP:" prefix. */
static void expect_smtp(struct ck *ck, const char *key, const char *name, const char *target)
{
    struct pm_value v = PM_VALUE_INIT;
    struct pm_buf t = PM_BUF_INIT;
    if (get(ck, ck->before, key, name, &v) == 1) {
        as_text(name, &v, &t);
        int prefixed = t.len >= 5 && pm_ascii_ncasecmp(t.data, "SMTP:", 5) == 0;
        char want[512];
        snprintf(want, sizeof(want), "%s%.5s%s", "", prefixed ? t.data : "", target);
        expect_text(ck, CK_D, key, name, want);
    }
    pm_buf_release(&t);
    pm_value_release(&v);
}

/* Where a "/guid=" suffix starts in a DN (case-insensitive), or its length when it has none. */
static size_t guid_suffix_at(const char *dn, size_t len)
{
    for (size_t i = len; i-- > 0;)
        if (dn[i] == '/' && len - i >= 6 && pm_ascii_ncasecmp(dn + i, "/guid=", 6) == 0)
            return i;
    return len;
}

/* The value as text (UTF-8) in 'out'; 1 when it exists. */
static int text_of(struct ck *ck, struct pm_store *st, const char *key, const char *name,
                   struct pm_buf *out)
{
    struct pm_value v = PM_VALUE_INIT;
    int rc = get(ck, st, key, name, &v);
    if (rc == 1)
        as_text(name, &v, out);
    pm_value_release(&v);
    return rc == 1 && out->data;
}

/* The DN a store's 001e660b must hold: the target, with an archive's suffix (the manifest's
 * GUID when it names one). */
static void want_dn(struct ck *ck, const struct pmt_mailbox *b, char *out, size_t size)
{
    struct pm_buf t = PM_BUF_INIT;
    snprintf(out, size, "%s", b->target_dn);
    if (text_of(ck, ck->before, b->store, "001e660b", &t)) {
        size_t at = guid_suffix_at(t.data, t.len);
        if (at < t.len) {
            if (*b->archive_guid)
                snprintf(out, size, "%s/guid=%s", b->target_dn, b->archive_guid);
            else
                snprintf(out, size, "%s%s", b->target_dn, t.data + at);
        }
    }
    pm_buf_release(&t);
}

static void check_identity(struct ck *ck, const struct pmt_mailbox *b)
{
    struct pm_error err;
    pm_error_clear(&err);
    for (size_t i = 0; i < b->sections.n; i++)
        ck_result(ck, CK_D, pm_store_key_exists(ck->after, b->sections.items[i], &err) == 1,
                  "%s: section of %s (%s) is gone", b->sections.items[i], b->old_smtp, b->role);
    if (strcmp(b->role, "public") == 0)
        return;
    if (*b->store) {
        struct pm_value v = PM_VALUE_INIT;
        /* A shared mailbox Outlook knows only by address has no DN to rewrite. */
        if (get(ck, ck->before, b->store, "001e660b", &v) == 1) {
            char want[1200];
            want_dn(ck, b, want, sizeof(want));
            expect_text(ck, CK_D, b->store, "001e660b", want);
        }
        pm_value_release(&v);
        expect_smtp(ck, b->store, "001f6641", b->target_smtp);
        expect_smtp(ck, b->store, "001e6641", b->target_smtp);
    }
    if (strcmp(b->role, "account") != 0)
        return;
    if (*b->emsmdb) {
        expect_text(ck, CK_D, b->emsmdb, "001e6603", b->target_dn);
        expect_smtp(ck, b->emsmdb, "001f6641", b->target_smtp);
        expect_smtp(ck, b->emsmdb, "001e6641", b->target_smtp);
        /* The sign-in name: the target's, or gone when the PUF gives none. */
        static const char *const signin[] = {"001f3d16", "001e3d16"};
        for (size_t i = 0; i < PM_ARRAY_SIZE(signin); i++) {
            struct pm_value v = PM_VALUE_INIT;
            if (get(ck, ck->before, b->emsmdb, signin[i], &v) == 1) {
                if (*b->target_upn) {
                    expect_text(ck, CK_D, b->emsmdb, signin[i], b->target_upn);
                } else {
                    struct pm_value a = PM_VALUE_INIT;
                    ck_result(ck, CK_D, get(ck, ck->after, b->emsmdb, signin[i], &a) == 0,
                              "%s\\%s: still there, but the PUF gives no sign-in name", b->emsmdb,
                              signin[i]);
                    pm_value_release(&a);
                }
            }
            pm_value_release(&v);
        }
    }
    if (*b->acctmgr)
        expect_text(ck, CK_D, b->acctmgr, "Account Name", b->target_smtp);
}

/* ---- f: store EntryIDs anywhere ---- */

/* muidStoreWrap, the ProviderUID of every wrapped store EntryID (MS-OXCDATA 2.2.4.3). */
static const uint8_t ck_storewrap[16] = {0x38, 0xa1, 0xbb, 0x10, 0x05, 0xe5, 0x10, 0x1a,
                                         0xa1, 0xbb, 0x08, 0x00, 0x2b, 0x2a, 0x56, 0xc2};

/* A NUL-terminated 8-bit string at d[*p]: its length, *p moved past the NUL; -1 when none. */
static long cstr(const uint8_t *d, size_t len, size_t *p)
{
    for (size_t i = *p; i < len; i++)
        if (d[i] == 0) {
            long n = (long)(i - *p);
            *p = i + 1;
            return n;
        }
    return -1;
}

/* Reads a wrapped EMSMDB store EntryID that starts at d[at] (four zero flag bytes, then
 * muidStoreWrap): version and flag bytes, the DLL name, padding to 4 bytes from the EntryID's
 * start, wrapped flags, wrapped provider UID and type, then ServerShortname and, when a '/'
 * follows, the MailboxDN. 1 with server/DN set (DN may be empty), 0 when it does not read. */
static int read_eid(const uint8_t *d, size_t len, size_t at, const char **srv, size_t *sl,
                    const char **dn, size_t *dl)
{
    if (len - at < 60 || memcmp(d + at, "\0\0\0\0", 4) != 0 || memcmp(d + at + 4, ck_storewrap, 16))
        return 0;
    size_t p = at + 22;
    long n = cstr(d, len, &p);
    if (n <= 0 || n > 32)
        return 0;
    while ((p - at) % 4)
        p++;
    p += 4 + 16 + 4;
    if (p >= len)
        return 0;
    *srv = (const char *)d + p;
    n = cstr(d, len, &p);
    if (n < 0)
        return 0;
    *sl = (size_t)n;
    *dn = "";
    *dl = 0;
    if (p < len && d[p] == '/') {
        *dn = (const char *)d + p;
        n = cstr(d, len, &p);
        if (n < 0)
            return 0;
        *dl = (size_t)n;
    }
    return 1;
}

static int in_list_n(const struct pm_strlist *l, const char *s, size_t n)
{
    for (size_t i = 0; i < l->n; i++)
        if (strlen(l->items[i]) == n && pm_ascii_ncasecmp(l->items[i], s, n) == 0)
            return 1;
    return 0;
}

static void check_eids(struct ck *ck, const struct pm_strlist *ka)
{
    struct pm_error err;
    pm_error_clear(&err);
    for (size_t i = 0; i < ka->n; i++) {
        struct pm_strlist va = PM_STRLIST_INIT;
        pm_store_values(ck->after, ka->items[i], &va, &err);
        for (size_t j = 0; j < va.n; j++) {
            struct pm_value v = PM_VALUE_INIT;
            if (get(ck, ck->after, ka->items[i], va.items[j], &v) == 1)
                for (size_t at = 0; at + 60 <= v.len; at++) {
                    const char *srv, *dn;
                    size_t sl, dl;
                    if (!read_eid(v.data, v.len, at, &srv, &sl, &dn, &dl))
                        continue;
                    size_t ml = guid_suffix_at(dn, dl);
                    ck_result(ck, CK_F, !in_list_n(&ck->old_dns, dn, ml),
                              "%s\\%s: store EntryID at offset %zu names the source mailbox "
                              "'%.*s'",
                              ka->items[i], va.items[j], at, (int)dl, dn);
                    ck_result(ck, CK_F, !in_list_n(&ck->old_srv, srv, sl),
                              "%s\\%s: store EntryID at offset %zu names the old server '%.*s'",
                              ka->items[i], va.items[j], at, (int)sl, srv);
                }
            pm_value_release(&v);
        }
        pm_strlist_release(&va);
    }
}

/* ---- g: a shared store is never its account's mailbox ---- */

static int same_text(const char *a, size_t alen, const char *b)
{
    return *b && strlen(b) == alen && pm_ascii_ncasecmp(a, b, alen) == 0;
}

static void check_not_owner(struct ck *ck, const struct pmt_mailbox *b)
{
    if ((strcmp(b->role, "delegate") && strcmp(b->role, "shared")) || !*b->store)
        return;
    struct pm_buf t = PM_BUF_INIT;
    for (size_t i = 0; i < ck->m.n; i++) {
        const struct pmt_mailbox *o = &ck->m.mb[i];
        if (strcmp(o->role, "account") || strcmp(o->profile, b->profile) ||
            pm_ascii_ncasecmp(o->source_dn, b->source_dn, strlen(b->source_dn) + 1) == 0)
            continue;
        static const char *const dns[] = {"001e660b", "001f660b"};
        for (size_t k = 0; k < PM_ARRAY_SIZE(dns); k++)
            if (text_of(ck, ck->after, b->store, dns[k], &t)) {
                size_t ml = guid_suffix_at(t.data, t.len);
                ck_result(ck, CK_G,
                          !same_text(t.data, ml, o->source_dn) &&
                              !same_text(t.data, ml, o->target_dn),
                          "%s\\%s: the %s store of %s holds its account's DN '%s'", b->store,
                          dns[k], b->role, b->old_smtp, t.data);
            }
        static const char *const smtps[] = {"001f6641", "001e6641"};
        for (size_t k = 0; k < PM_ARRAY_SIZE(smtps); k++)
            if (text_of(ck, ck->after, b->store, smtps[k], &t)) {
                const char *bare = t.data;
                if (t.len >= 5 && pm_ascii_ncasecmp(bare, "SMTP:", 5) == 0)
                    bare += 5;
                ck_result(ck, CK_G,
                          !same_text(bare, strlen(bare), o->old_smtp) &&
                              !same_text(bare, strlen(bare), o->target_smtp),
                          "%s\\%s: the %s store of %s holds its account's address '%s'", b->store,
                          smtps[k], b->role, b->old_smtp, t.data);
            }
    }
    pm_buf_release(&t);
}

/* ---- h: archives keep their suffix ---- */

static void check_archive(struct ck *ck, const struct pmt_mailbox *b)
{
    if (strcmp(b->role, "archive") || !*b->store)
        return;
    struct pm_buf t = PM_BUF_INIT;
    if (text_of(ck, ck->before, b->store, "001e660b", &t)) {
        size_t at = guid_suffix_at(t.data, t.len);
        if (at < t.len) {
            char guid[64];
            snprintf(guid, sizeof(guid), "%s",
                     *b->archive_guid ? b->archive_guid : t.data + at + 6);
            if (!text_of(ck, ck->after, b->store, "001e660b", &t)) {
                ck_fail(ck, CK_H, "%s\\001e660b: the archive's DN is gone", b->store);
            } else {
                at = guid_suffix_at(t.data, t.len);
                ck_result(ck, CK_H, at < t.len && same_text(t.data + at + 6, t.len - at - 6, guid),
                          "%s\\001e660b: '%s' lost the archive's suffix '/guid=%s'", b->store,
                          t.data, guid);
            }
            /* Its server names are the archive's own, "<archive GUID>@<domain>", or gone:
             * never the primary mailbox's. */
            static const char *const srv[] = {"001e660c", "001f662b", "001f660c"};
            for (size_t i = 0; i < PM_ARRAY_SIZE(srv); i++)
                if (text_of(ck, ck->after, b->store, srv[i], &t))
                    ck_result(ck, CK_H,
                              t.len > strlen(guid) && t.data[strlen(guid)] == '@' &&
                                  pm_ascii_ncasecmp(t.data, guid, strlen(guid)) == 0,
                              "%s\\%s: '%s' is not the archive's server '%s@...'", b->store, srv[i],
                              t.data, guid);
        }
    }
    pm_buf_release(&t);
}

/* ---- i: the profile's name ---- */

static void check_profile_names(struct ck *ck, const struct pm_strlist *kb)
{
    struct pm_error err;
    pm_error_clear(&err);
    for (size_t i = 0; i < kb->n; i++) {
        struct pm_strlist vb = PM_STRLIST_INIT;
        pm_store_values(ck->before, kb->items[i], &vb, &err);
        for (size_t j = 0; j < vb.n; j++) {
            if (!is_profile_name(vb.items[j]))
                continue;
            struct pm_value b = PM_VALUE_INIT, a = PM_VALUE_INIT;
            char sb[200], sa[200];
            get(ck, ck->before, kb->items[i], vb.items[j], &b);
            if (get(ck, ck->after, kb->items[i], vb.items[j], &a) != 1)
                ck_fail(ck, CK_I, "%s\\%s: the profile's name is gone (was %s)", kb->items[i],
                        vb.items[j], show(&b, sb, sizeof(sb)));
            else
                ck_result(ck, CK_I, same_value(&a, &b),
                          "%s\\%s: the profile's name changed: %s -> %s", kb->items[i], vb.items[j],
                          show(&b, sb, sizeof(sb)), show(&a, sa, sizeof(sa)));
            pm_value_release(&b);
            pm_value_release(&a);
        }
        pm_strlist_release(&vb);
    }
}

/* ---- e: config on migrated accounts ---- */

static void expect_bits(struct ck *ck, const char *key, const char *name, uint32_t bits,
                        int want_set, const char *why)
{
    struct pm_value v = PM_VALUE_INIT;
    int rc = get(ck, ck->after, key, name, &v);
    if (rc != 1 || v.len != 4) {
        /* An absent flags value has every bit clear. */
        ck_result(ck, CK_E, !want_set, "%s\\%s: missing, expected bits 0x%x set (%s)", key, name,
                  bits, why);
    } else {
        uint32_t x = le32(&v);
        ck_result(ck, CK_E, want_set ? (x & bits) == bits : (x & bits) == 0,
                  "%s\\%s: 0x%08x, expected bits 0x%x %s (%s)", key, name, x, bits,
                  want_set ? "set" : "clear", why);
    }
    pm_value_release(&v);
}

static void expect_long(struct ck *ck, const char *key, const char *name, uint32_t want,
                        const char *why)
{
    struct pm_value v = PM_VALUE_INIT;
    int rc = get(ck, ck->after, key, name, &v);
    if (rc != 1 || v.len != 4)
        ck_fail(ck, CK_E, "%s\\%s: missing or not 4 bytes, expected 0x%x (%s)", key, name, want,
                why);
    else
        ck_result(ck, CK_E, le32(&v) == want, "%s\\%s: 0x%x, expected 0x%x (%s)", key, name,
                  le32(&v), want, why);
    pm_value_release(&v);
}

static void check_switch(struct ck *ck, const char *key, const char *sw, uint32_t bits,
                         const char *why)
{
    if (strcmp(sw, "enable") == 0)
        expect_bits(ck, key, "00036601", bits, 1, why);
    else if (strcmp(sw, "disable") == 0)
        expect_bits(ck, key, "00036601", bits, 0, why);
}

static void check_config(struct ck *ck, const struct pmt_mailbox *b)
{
    const struct ck_config *c = &ck->cfg;
    const char *k = b->emsmdb;
    if (!c->loaded || strcmp(b->role, "account") != 0 || !*k)
        return;
    check_switch(ck, k, c->cached, 0x180, "CachedMode");
    check_switch(ck, k, c->shared, 0x800, "DownloadSharedFolders");
    check_switch(ck, k, c->pffav, 0x400, "DownloadPublicFolderFavorites");
    if (strcmp(c->oa, "enable") == 0) {
        expect_bits(ck, k, "00036623", 0x01, 1, "OutlookAnywhere");
        const struct {
            int v;
            uint32_t bit;
            const char *why;
        } flags[] = {{c->ssl, 0x02, "ProxySslOnly"},
                     {c->mutual, 0x04, "ProxyMutualAuth"},
                     {c->fast, 0x08, "ProxyHttpOnFast"},
                     {c->slow, 0x20, "ProxyHttpOnSlow"}};
        for (size_t i = 0; i < PM_ARRAY_SIZE(flags); i++)
            if (flags[i].v >= 0)
                expect_bits(ck, k, "00036623", flags[i].bit, flags[i].v, flags[i].why);
        if (*c->proxy)
            expect_text(ck, CK_E, k, "001f6622", c->proxy);
        if (*c->principal)
            expect_text(ck, CK_E, k, "001f6625", c->principal);
        if (strcmp(c->auth, "basic") == 0)
            expect_long(ck, k, "00036627", 0x1, "ProxyAuth");
        else if (strcmp(c->auth, "ntlm") == 0)
            expect_long(ck, k, "00036627", 0x2, "ProxyAuth");
        else if (strcmp(c->auth, "negotiate") == 0)
            expect_long(ck, k, "00036627", 0x10, "ProxyAuth");
    } else if (strcmp(c->oa, "disable") == 0) {
        expect_bits(ck, k, "00036623", 0x01, 0, "OutlookAnywhere");
    }
}

/* ---- prof.config, read independently ---- */

static void lower_copy(char *out, size_t size, const char *s, size_t n)
{
    size_t i = 0;
    for (; i < n && i + 1 < size; i++)
        out[i] = (char)tolower((unsigned char)s[i]);
    out[i] = 0;
}

static int yesno(const char *v)
{
    if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "on"))
        return 1;
    if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0") || !strcmp(v, "off"))
        return 0;
    return -1;
}

static int load_config(struct ck *ck, const char *path)
{
    struct pm_buf text = PM_BUF_INIT;
    struct pm_error err;
    pm_error_clear(&err);
    if (pm_file_read(path, 1 << 20, &text, &err) < 0) {
        setup_fail(ck, path, &err);
        return -1;
    }
    struct ck_config *c = &ck->cfg;
    memset(c, 0, sizeof(*c));
    c->ssl = c->mutual = c->fast = c->slow = -1;
    c->loaded = 1;
    const char *p = text.data, *end = text.data + text.len;
    if (text.len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
        p += 3;
    while (p < end) {
        const char *e = memchr(p, '\n', (size_t)(end - p));
        if (!e)
            e = end;
        const char *s = p, *t = e;
        p = e + 1;
        while (s < t && isspace((unsigned char)*s))
            s++;
        while (t > s && isspace((unsigned char)t[-1]))
            t--;
        if (s == t || *s == ';' || *s == '#' || *s == '[')
            continue;
        const char *eq = memchr(s, '=', (size_t)(t - s));
        if (!eq)
            continue;
        const char *ke = eq, *v = eq + 1;
        while (ke > s && isspace((unsigned char)ke[-1]))
            ke--;
        while (v < t && isspace((unsigned char)*v))
            v++;
        if (t - v >= 2 && *v == '"' && t[-1] == '"') {
            v++;
            t--;
        }
        char key[64], low[256], raw[256];
        lower_copy(key, sizeof(key), s, (size_t)(ke - s));
        lower_copy(low, sizeof(low), v, (size_t)(t - v));
        snprintf(raw, sizeof(raw), "%.*s", (int)(t - v), v);
        if (!strcmp(key, "cachedmode"))
            snprintf(c->cached, sizeof(c->cached), "%s", low);
        else if (!strcmp(key, "downloadsharedfolders"))
            snprintf(c->shared, sizeof(c->shared), "%s", low);
        else if (!strcmp(key, "downloadpublicfolderfavorites"))
            snprintf(c->pffav, sizeof(c->pffav), "%s", low);
        else if (!strcmp(key, "outlookanywhere"))
            snprintf(c->oa, sizeof(c->oa), "%s", low);
        else if (!strcmp(key, "proxyauth"))
            snprintf(c->auth, sizeof(c->auth), "%s", low);
        else if (!strcmp(key, "proxyserver"))
            snprintf(c->proxy, sizeof(c->proxy), "%s", raw);
        else if (!strcmp(key, "proxyprincipalname"))
            snprintf(c->principal, sizeof(c->principal), "%s", raw);
        else if (!strcmp(key, "proxysslonly"))
            c->ssl = yesno(low);
        else if (!strcmp(key, "proxymutualauth"))
            c->mutual = yesno(low);
        else if (!strcmp(key, "proxyhttponfast"))
            c->fast = yesno(low);
        else if (!strcmp(key, "proxyhttponslow"))
            c->slow = yesno(low);
    }
    pm_buf_release(&text);
    return 0;
}

/* ---- main ---- */

static int add_needle(struct ck *ck, const char *s)
{
    if (!*s || pm_strlist_find(&ck->needles, s) >= 0)
        return 0;
    return pm_strlist_add(&ck->needles, s);
}

static int prepare(struct ck *ck, const struct pm_strlist *kb)
{
    if (add_needle(ck, "/o=Source Org") < 0)
        return -1;
    size_t migrated = 0;
    for (size_t i = 0; i < ck->m.n; i++) {
        const struct pmt_mailbox *b = &ck->m.mb[i];
        for (size_t j = 0; j < b->sections.n; j++)
            if (pm_strlist_find(kb, b->sections.items[j]) < 0) {
                fprintf(stderr, "pmcheck: manifest section '%s' is not in the before store\n",
                        b->sections.items[j]);
                ck->setup_error = 1;
            }
        if (!mailbox_migrated(ck, b))
            continue;
        migrated++;
        for (size_t j = 0; j < b->sections.n; j++)
            if (pm_strlist_find(&ck->migsec, b->sections.items[j]) < 0 &&
                pm_strlist_add(&ck->migsec, b->sections.items[j]) < 0)
                return -1;
        for (size_t j = 0; j < b->linked.n; j++)
            if (pm_strlist_find(&ck->migvals, b->linked.items[j]) < 0 &&
                pm_strlist_add(&ck->migvals, b->linked.items[j]) < 0)
                return -1;
        if (add_needle(ck, b->source_dn) < 0 || add_needle(ck, b->old_smtp) < 0 ||
            add_needle(ck, b->old_upn) < 0)
            return -1;
        if (pm_strlist_find(&ck->old_dns, b->source_dn) < 0 &&
            pm_strlist_add(&ck->old_dns, b->source_dn) < 0)
            return -1;
        for (size_t j = 0; j < b->old_servers.n; j++)
            if (add_needle(ck, b->old_servers.items[j]) < 0 ||
                (pm_strlist_find(&ck->old_srv, b->old_servers.items[j]) < 0 &&
                 pm_strlist_add(&ck->old_srv, b->old_servers.items[j]) < 0))
                return -1;
    }
    printf("pmcheck: %zu mailboxes in the manifest, %zu migrated at stage %s, %zu sections "
           "checked as migrated, %zu keys before\n",
           ck->m.n, migrated, ck->stage == PMT_LATER ? "later" : "now", ck->migsec.n, kb->n);
    return ck->setup_error ? -1 : 0;
}

static int usage(void)
{
    fprintf(stderr, "usage: pmcheck BEFORE_SPEC AFTER_SPEC MANIFEST [--puf-stage now|later] "
                    "[--config prof.config]\n");
    return 2;
}

int main(int argc, char **argv)
{
    struct ck ck;
    memset(&ck, 0, sizeof(ck));
    ck.stage = PMT_NOW;
    const char *pos[3];
    size_t npos = 0;
    const char *config = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--puf-stage") == 0 && i + 1 < argc) {
            const char *s = argv[++i];
            if (strcmp(s, "now") == 0)
                ck.stage = PMT_NOW;
            else if (strcmp(s, "later") == 0)
                ck.stage = PMT_LATER;
            else
                return usage();
        } else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
            config = argv[++i];
        } else if (argv[i][0] == '-' && argv[i][1] == '-') {
            return usage();
        } else if (npos < 3) {
            pos[npos++] = argv[i];
        } else {
            return usage();
        }
    }
    if (npos != 3)
        return usage();

    struct pm_error err;
    pm_error_clear(&err);
    pmt_manifest_init(&ck.m);
    struct pm_buf man = PM_BUF_INIT;
    struct pm_strlist kb = PM_STRLIST_INIT, ka = PM_STRLIST_INIT;
    int rc = 2;
    if (pm_store_open(&ck.before, pos[0], PM_STORE_READONLY, &err) < 0) {
        setup_fail(&ck, pos[0], &err);
        goto out;
    }
    if (pm_store_open(&ck.after, pos[1], PM_STORE_READONLY, &err) < 0) {
        setup_fail(&ck, pos[1], &err);
        goto out;
    }
    if (pm_file_read(pos[2], 64 << 20, &man, &err) < 0 ||
        pmt_manifest_parse(&ck.m, man.data, man.len, pos[2], &err) < 0) {
        setup_fail(&ck, "manifest", &err);
        goto out;
    }
    if (ck.m.n == 0) {
        fprintf(stderr, "pmcheck: the manifest lists no mailbox\n");
        goto out;
    }
    if (config && load_config(&ck, config) < 0)
        goto out;
    if (walk(&ck, ck.before, "", &kb, 0) < 0 || walk(&ck, ck.after, "", &ka, 0) < 0)
        goto out;
    if (prepare(&ck, &kb) < 0)
        goto out;

    check_outside(&ck, &kb, &ka);
    check_binding(&ck, &kb, &ka);
    check_traces(&ck);
    for (size_t i = 0; i < ck.m.n; i++) {
        if (mailbox_migrated(&ck, &ck.m.mb[i])) {
            check_identity(&ck, &ck.m.mb[i]);
            check_config(&ck, &ck.m.mb[i]);
            check_archive(&ck, &ck.m.mb[i]);
        }
        check_not_owner(&ck, &ck.m.mb[i]);
    }
    check_eids(&ck, &ka);
    check_profile_names(&ck, &kb);
    if (ck.setup_error)
        goto out;

    unsigned long tp = 0, tf = 0;
    for (int c = 0; c < CK_N; c++) {
        printf("check %c (%s): %lu passed, %lu failed\n", ck_letter[c], ck_title[c], ck.pass[c],
               ck.fail[c]);
        tp += ck.pass[c];
        tf += ck.fail[c];
    }
    printf("pmcheck: %lu passed, %lu failed\n", tp, tf);
    rc = tf ? 1 : 0;
out:
    pm_strlist_release(&kb);
    pm_strlist_release(&ka);
    pm_buf_release(&man);
    pmt_manifest_release(&ck.m);
    pm_strlist_release(&ck.migsec);
    pm_strlist_release(&ck.migvals);
    pm_strlist_release(&ck.needles);
    pm_strlist_release(&ck.old_dns);
    pm_strlist_release(&ck.old_srv);
    pm_store_close(ck.before);
    pm_store_close(ck.after);
    return rc;
}
