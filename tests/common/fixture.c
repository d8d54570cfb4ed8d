/* Fixture generator: writes Outlook profiles as Outlook itself lays them out in HKCU (section keys
 * named by 32-hex MAPIUIDs, values named type-then-id, PT_STRING8 as REG_SZ, PT_UNICODE and PT_LONG
 * as REG_BINARY, UID lists as concatenated 16-byte UIDs, the Account Manager key with numbered
 * subkeys; see outlook-profile-format.md sections 1-5). Each scenario is deterministic: UIDs and
 * blobs come from a PRNG seeded by the scenario name, drawn in the same order whatever the stage,
 * so a "before" and an "expected" build share every UID. The expected stages write what a correct
 * update leaves (target identity, source caches dropped, prof.config applied) into the sections of
 * the mailboxes migrated at that stage and the same bytes as "before" everywhere else. */
#include "compat.h"

#include "fixture.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FX_SRC_ORG "/o=Source Org/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)"
#define FX_TGT_ORG "/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)"
#define FX_ACCTMGR "9375CFF0413111d3B88A00104B2A6676"
#define FX_MASTER "9207f3e0a3b11019908b08002b2a56c2"
#define FX_EXGLOBAL "13dbb0c8aa05101a9bb000aa002fc45a"
#define FX_OLGLOBAL "0a0d020000000000c000000000000046"
#define FX_INSTANCE "8503020000000000c000000000000046"

/* Well-known byte strings (outlook-profile-format.md 4.3). */
static const uint8_t fx_muid_storewrap[16] = {0x38, 0xa1, 0xbb, 0x10, 0x05, 0xe5, 0x10, 0x1a,
                                              0xa1, 0xbb, 0x08, 0x00, 0x2b, 0x2a, 0x56, 0xc2};
static const uint8_t fx_store_private[16] = {0x1b, 0x55, 0xfa, 0x20, 0xaa, 0x66, 0x11, 0xcd,
                                             0x9b, 0xc8, 0x00, 0xaa, 0x00, 0x2f, 0xc4, 0x5a};
static const uint8_t fx_store_public[16] = {0x1c, 0x83, 0x02, 0x10, 0xaa, 0x66, 0x11, 0xcd,
                                            0x9b, 0xc8, 0x00, 0xaa, 0x00, 0x2f, 0xc4, 0x5a};
static const uint8_t fx_muid_emsab[16] = {0xdc, 0xa7, 0x40, 0xc8, 0xc0, 0x42, 0x10, 0x1a,
                                          0xb4, 0xb9, 0x08, 0x00, 0x2b, 0x2f, 0xe1, 0x82};
static const uint8_t fx_mdb_primary[16] = {0x54, 0x94, 0xa1, 0xc0, 0x29, 0x7f, 0x10, 0x1b,
                                           0xa5, 0x87, 0x08, 0x00, 0x2b, 0x2a, 0x25, 0x17};
static const uint8_t fx_mdb_delegate[16] = {0x9e, 0xb4, 0x77, 0x00, 0x74, 0xe4, 0x11, 0xce,
                                            0x8c, 0x5e, 0x00, 0xaa, 0x00, 0x42, 0x54, 0xe2};
static const uint8_t fx_mdb_public[16] = {0x78, 0xb2, 0xfa, 0x70, 0xaf, 0xf7, 0x11, 0xcd,
                                          0x9b, 0xc8, 0x00, 0xaa, 0x00, 0x2f, 0xc4, 0x5a};
static const uint8_t fx_mdb_pst[16] = {0x4e, 0x49, 0x54, 0x41, 0xf9, 0xbf, 0xb8, 0x01,
                                       0x00, 0xaa, 0x00, 0x37, 0xd9, 0x6e, 0x00, 0x00};

/* ---- manifest ---- */

void pmt_manifest_init(struct pmt_manifest *m)
{
    memset(m, 0, sizeof(*m));
    pm_buf_init(&m->puf_now, 0);
    pm_buf_init(&m->puf_later, 0);
    pm_buf_init(&m->config, 0);
}

static void mb_release(struct pmt_mailbox *b)
{
    free(b->scenario);
    free(b->profile);
    free(b->role);
    free(b->source_dn);
    free(b->old_smtp);
    pm_strlist_release(&b->old_servers);
    free(b->target_dn);
    free(b->target_smtp);
    pm_strlist_release(&b->sections);
    free(b->emsmdb);
    free(b->store);
    free(b->acctmgr);
    free(b->old_upn);
    free(b->target_upn);
    free(b->archive_guid);
    pm_strlist_release(&b->linked);
}

void pmt_manifest_release(struct pmt_manifest *m)
{
    for (size_t i = 0; i < m->n; i++)
        mb_release(&m->mb[i]);
    free(m->mb);
    pm_buf_release(&m->puf_now);
    pm_buf_release(&m->puf_later);
    pm_buf_release(&m->config);
    pm_strlist_release(&m->roots);
    memset(m, 0, sizeof(*m));
}

static struct pmt_mailbox *mb_new(struct pmt_manifest *m)
{
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 8;
        struct pmt_mailbox *p = realloc(m->mb, cap * sizeof(*p));
        if (!p)
            return NULL;
        m->mb = p;
        m->cap = cap;
    }
    struct pmt_mailbox *b = &m->mb[m->n++];
    memset(b, 0, sizeof(*b));
    return b;
}

static const char *stage_name(enum pmt_stage s)
{
    return s == PMT_NOW ? "now" : s == PMT_LATER ? "later" : "never";
}

static int put_list(struct pm_buf *out, const struct pm_strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        if (pm_buf_printf(out, "%s%s", i ? ";" : "", l->items[i]) < 0)
            return PM_ERR_NOMEM;
    return 0;
}

int pmt_manifest_format(const struct pmt_manifest *m, struct pm_buf *out)
{
    for (size_t i = 0; i < m->n; i++) {
        const struct pmt_mailbox *b = &m->mb[i];
        if (pm_buf_printf(out,
                          "mailbox\tscenario=%s\tprofile=%s\trole=%s\tsource_dn=%s\told_smtp=%s"
                          "\told_server=",
                          b->scenario, b->profile, b->role, b->source_dn, b->old_smtp) < 0 ||
            put_list(out, &b->old_servers) < 0 ||
            pm_buf_printf(out,
                          "\tmigrated=%s\ttarget_dn=%s\ttarget_smtp=%s\temsmdb=%s\tstore=%s"
                          "\tacctmgr=%s\tsections=",
                          stage_name(b->migrated), b->target_dn, b->target_smtp, b->emsmdb,
                          b->store, b->acctmgr) < 0 ||
            put_list(out, &b->sections) < 0)
            return PM_ERR_NOMEM;
        /* The optional fields only where they say something, so older manifests read alike. */
        const struct {
            const char *k, *v;
        } opt[] = {{"old_upn", b->old_upn},
                   {"target_upn", b->target_upn},
                   {"archive_guid", b->archive_guid}};
        for (size_t k = 0; k < PM_ARRAY_SIZE(opt); k++)
            if (opt[k].v && *opt[k].v && pm_buf_printf(out, "\t%s=%s", opt[k].k, opt[k].v) < 0)
                return PM_ERR_NOMEM;
        if (b->linked.n && (pm_buf_puts(out, "\tlinked=") < 0 || put_list(out, &b->linked) < 0))
            return PM_ERR_NOMEM;
        if (pm_buf_puts(out, "\n") < 0)
            return PM_ERR_NOMEM;
    }
    return 0;
}

static int split_into(struct pm_strlist *l, const char *s, size_t len)
{
    size_t start = 0;
    for (size_t i = 0; i <= len; i++)
        if (i == len || s[i] == ';') {
            if (i > start && pm_strlist_addn(l, s + start, i - start) < 0)
                return PM_ERR_NOMEM;
            start = i + 1;
        }
    return 0;
}

static int parse_mb_line(struct pmt_mailbox *b, const char *s, size_t len, const char *name,
                         unsigned line, struct pm_error *err)
{
    char **slots[] = {&b->scenario,  &b->profile,     &b->role,        &b->source_dn, &b->old_smtp,
                      &b->target_dn, &b->target_smtp, &b->emsmdb,      &b->store,     &b->acctmgr,
                      &b->old_upn,   &b->target_upn,  &b->archive_guid};
    static const char *const keys[] = {
        "scenario", "profile", "role",    "source_dn", "old_smtp",   "target_dn",   "target_smtp",
        "emsmdb",   "store",   "acctmgr", "old_upn",   "target_upn", "archive_guid"};
    int have_migrated = 0;
    size_t i = 0;
    while (i < len && s[i] != '\t')
        i++;
    while (i < len) {
        size_t f = ++i;
        while (i < len && s[i] != '\t')
            i++;
        const char *eq = memchr(s + f, '=', i - f);
        if (!eq)
            return pm_error_set(err, PM_ERR_PARSE, name, line, "field without '=': '%.*s'",
                                (int)(i - f), s + f);
        size_t klen = (size_t)(eq - (s + f));
        const char *v = eq + 1;
        size_t vlen = (size_t)(s + i - v);
        int known = 0;
        for (size_t k = 0; k < PM_ARRAY_SIZE(keys); k++)
            if (strlen(keys[k]) == klen && memcmp(keys[k], s + f, klen) == 0) {
                free(*slots[k]);
                *slots[k] = pm_strndup(v, vlen);
                if (!*slots[k])
                    return pm_error_set(err, PM_ERR_NOMEM, name, line, "out of memory");
                known = 1;
            }
        if (klen == 10 && memcmp(s + f, "old_server", 10) == 0) {
            known = 1;
            if (split_into(&b->old_servers, v, vlen) < 0)
                return pm_error_set(err, PM_ERR_NOMEM, name, line, "out of memory");
        } else if (klen == 8 && memcmp(s + f, "sections", 8) == 0) {
            known = 1;
            if (split_into(&b->sections, v, vlen) < 0)
                return pm_error_set(err, PM_ERR_NOMEM, name, line, "out of memory");
        } else if (klen == 6 && memcmp(s + f, "linked", 6) == 0) {
            known = 1;
            if (split_into(&b->linked, v, vlen) < 0)
                return pm_error_set(err, PM_ERR_NOMEM, name, line, "out of memory");
        } else if (klen == 8 && memcmp(s + f, "migrated", 8) == 0) {
            known = have_migrated = 1;
            if (vlen == 3 && memcmp(v, "now", 3) == 0)
                b->migrated = PMT_NOW;
            else if (vlen == 5 && memcmp(v, "later", 5) == 0)
                b->migrated = PMT_LATER;
            else if (vlen == 5 && memcmp(v, "never", 5) == 0)
                b->migrated = PMT_NEVER;
            else
                return pm_error_set(err, PM_ERR_PARSE, name, line,
                                    "migrated must be now, later or never, not '%.*s'", (int)vlen,
                                    v);
        }
        if (!known)
            return pm_error_set(err, PM_ERR_PARSE, name, line, "unknown field '%.*s'", (int)klen,
                                s + f);
    }
    for (size_t k = 0; k < PM_ARRAY_SIZE(keys); k++)
        if (!*slots[k] && !(*slots[k] = pm_strdup("")))
            return pm_error_set(err, PM_ERR_NOMEM, name, line, "out of memory");
    if (!have_migrated || !*b->profile || !*b->role || !*b->source_dn || !b->sections.n)
        return pm_error_set(err, PM_ERR_PARSE, name, line,
                            "a mailbox needs profile, role, source_dn, migrated and sections");
    return 0;
}

int pmt_manifest_parse(struct pmt_manifest *m, const char *text, size_t len, const char *name,
                       struct pm_error *err)
{
    unsigned line = 0;
    size_t pos = 0;
    while (pos < len) {
        size_t end = pos;
        while (end < len && text[end] != '\n')
            end++;
        size_t e = end;
        if (e > pos && text[e - 1] == '\r')
            e--;
        line++;
        if (e > pos && text[pos] != '#') {
            if (e - pos < 8 || memcmp(text + pos, "mailbox\t", 8) != 0)
                return pm_error_set(err, PM_ERR_PARSE, name, line,
                                    "a line must start with 'mailbox' and a tab");
            struct pmt_mailbox *b = mb_new(m);
            if (!b)
                return pm_error_set(err, PM_ERR_NOMEM, name, line, "out of memory");
            int rc = parse_mb_line(b, text + pos, e - pos, name, line, err);
            if (rc < 0)
                return rc;
        }
        pos = end + 1;
    }
    return 0;
}

/* ---- the builder ---- */

/* A person with a source mailbox and, when migrated, a target one. */
struct fx_person {
    const char *alias;
    const char *display; /* UTF-8, may be non-ASCII */
    enum pmt_stage stage;
    int puf_fields; /* 6, or 3: target display/server/server DN left empty */
    int x500;       /* the PUF line carries an "X500:" prefix */
    char src_dn[256], src_smtp[128], src_srv[96], src_fqdn[96], src_srv_dn[256];
    char tgt_dn[256], tgt_smtp[128], tgt_srv[96], tgt_srv_dn[256];
    int moved; /* written with its target identity at the stage being built */
    /* Exchange Online (fx_person_exo): */
    int exo;    /* DNs under /o=ExchangeLabs, servers "<ExchangeGuid>@<SMTP domain>" */
    int puf_v2; /* the PUF line carries fields 7-9 */
    char src_upn[128], tgt_upn[128]; /* sign-in names; tgt_upn "" = not in the PUF */
    char arch_guid[40];              /* the Online Archive's mailbox GUID */
    char tgt_arch_guid[40];          /* PUF field 9, "" = not given (the GUID is kept) */
    char src_dom[64], tgt_dom[64];
};

struct fx {
    struct pm_store *st;
    struct pm_error *err;
    int rc;
    uint64_t rng;
    enum pmt_stage stage;
    const char *scenario;
    struct pmt_manifest *m;
    char prof[512];
    const char *prof_name;                     /* the last component of prof */
    struct pm_buf services, stores, abps, xps; /* profile-wide lists for the master section */
    struct pm_buf order_mail, order_ab, order_store;
    uint32_t next_acct;
    uint8_t first_emsmdb[16]; /* the legacy account's, copied to the Outlook global section */
    int have_first;
};

static uint64_t fx_next(struct fx *fx)
{
    /* splitmix64: tiny, good enough, identical on every platform. */
    uint64_t z = (fx->rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void fx_bytes(struct fx *fx, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (uint8_t)(fx_next(fx) >> 24);
}

static void fx_guidtext(struct fx *fx, char *out, size_t size)
{
    uint8_t g[16];
    fx_bytes(fx, g, 16);
    snprintf(out, size, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8], g[9], g[10], g[11], g[12], g[13],
             g[14], g[15]);
}

static int fx_fail(struct fx *fx, int rc)
{
    if (fx->rc == 0)
        fx->rc = rc;
    return rc;
}

static void fx_key_of(struct fx *fx, const uint8_t uid[16], char *out, size_t size)
{
    char hex[33];
    pm_hex_lower(uid, 16, hex);
    snprintf(out, size, "%s\\%s", fx->prof, hex);
}

/* Raw setter; every other writer goes through it. A failed write sticks in fx->rc. */
static void put(struct fx *fx, const char *key, const char *name, uint32_t type, const void *data,
                size_t len)
{
    if (fx->rc < 0)
        return;
    int rc = pm_store_set(fx->st, key, name, type, data, len, fx->err);
    if (rc < 0)
        fx_fail(fx, rc);
}

static void put_utf16(struct fx *fx, const char *key, const char *name, uint32_t type,
                      const char *s)
{
    struct pm_buf b = PM_BUF_INIT;
    if (pm_utf8_to_utf16le(s, strlen(s), 1, &b) < 0)
        fx_fail(fx, PM_ERR_NOMEM);
    else
        put(fx, key, name, type, b.data, b.len);
    pm_buf_release(&b);
}

/* PT_STRING8 is REG_SZ; PT_UNICODE is REG_BINARY UTF-16LE with its NUL (format 2.3). */
static void put_a(struct fx *fx, const char *key, const char *name, const char *s)
{
    if (s)
        put_utf16(fx, key, name, PM_REG_SZ, s);
}
static void put_w(struct fx *fx, const char *key, const char *name, const char *s)
{
    if (s)
        put_utf16(fx, key, name, PM_REG_BINARY, s);
}
static void put_long(struct fx *fx, const char *key, const char *name, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    put(fx, key, name, PM_REG_BINARY, b, 4);
}
static void put_dword(struct fx *fx, const char *key, const char *name, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    put(fx, key, name, PM_REG_DWORD, b, 4);
}
static void put_bool(struct fx *fx, const char *key, const char *name, int v)
{
    uint8_t b[2] = {(uint8_t)(v != 0), 0};
    put(fx, key, name, PM_REG_BINARY, b, 2);
}
static void put_bin(struct fx *fx, const char *key, const char *name, const void *d, size_t n)
{
    put(fx, key, name, PM_REG_BINARY, d, n);
}
static void put_buf(struct fx *fx, const char *key, const char *name, const struct pm_buf *b)
{
    put(fx, key, name, PM_REG_BINARY, b->data, b->len);
}

/* PT_MV_STRING8: count, count offsets, then NUL-terminated strings packed tight (format 2.3). */
static void put_mv8(struct fx *fx, const char *key, const char *name, const char *const *s,
                    size_t n)
{
    struct pm_buf b = PM_BUF_INIT;
    uint32_t off = (uint32_t)(4 + 4 * n);
    uint8_t w[4] = {(uint8_t)n, (uint8_t)(n >> 8), 0, 0};
    int rc = pm_buf_append(&b, w, 4);
    for (size_t i = 0; i < n && rc == 0; i++) {
        uint8_t o[4] = {(uint8_t)off, (uint8_t)(off >> 8), (uint8_t)(off >> 16), 0};
        rc = pm_buf_append(&b, o, 4);
        off += (uint32_t)strlen(s[i]) + 1;
    }
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = pm_buf_append(&b, s[i], strlen(s[i]) + 1);
    if (rc < 0)
        fx_fail(fx, rc);
    else
        put_buf(fx, key, name, &b);
    pm_buf_release(&b);
}

static void put_le32(struct pm_buf *b, uint32_t v)
{
    uint8_t w[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    pm_buf_append(b, w, 4);
}

/* Exchange store EntryID (format 5.1): the MS-OXCDATA header, ServerShortname, MailboxDN, and for
 * 2013+ mailboxes the V3 tail holding the SMTP address in UTF-16LE. */
static void store_eid(struct pm_buf *b, const char *server, const char *dn, const char *smtp,
                      int public_store)
{
    static const uint8_t dll[14] = {'E', 'M', 'S', 'M', 'D', 'B', '.', 'D', 'L', 'L', 0, 0, 0, 0};
    put_le32(b, 0);
    pm_buf_append(b, fx_muid_storewrap, 16);
    pm_buf_append(b, "\0\0", 2);
    pm_buf_append(b, dll, 14);
    put_le32(b, 0);
    pm_buf_append(b, public_store ? fx_store_public : fx_store_private, 16);
    put_le32(b, public_store ? 0x06 : 0x0c);
    pm_buf_append(b, server, strlen(server) + 1);
    if (dn)
        pm_buf_append(b, dn, strlen(dn) + 1);
    if (smtp) {
        struct pm_buf w = PM_BUF_INIT;
        pm_utf8_to_utf16le(smtp, strlen(smtp), 1, &w);
        put_le32(b, 0xf43246e9u);
        put_le32(b, (uint32_t)(16 + w.len + 2));
        put_le32(b, 2);
        put_le32(b, 16);
        pm_buf_append(b, w.data, w.len);
        pm_buf_append(b, "\0\0", 2);
        pm_buf_release(&w);
    }
}

/* Exchange address-book EntryID (format 5.3): what "Identity Eid" holds. */
static void ab_eid(struct pm_buf *b, const char *dn)
{
    put_le32(b, 0);
    pm_buf_append(b, fx_muid_emsab, 16);
    put_le32(b, 1);
    put_le32(b, 0);
    pm_buf_append(b, dn, strlen(dn) + 1);
}

/* ---- people ---- */

static void person_init(struct fx *fx, struct fx_person *p, const char *alias, const char *display,
                        enum pmt_stage stage, int puf_fields, int x500)
{
    memset(p, 0, sizeof(*p));
    p->alias = alias;
    p->display = display;
    p->stage = stage;
    p->puf_fields = puf_fields;
    p->x500 = x500;
    char g[40];
    snprintf(p->src_dn, sizeof(p->src_dn), "%s/cn=Recipients/cn=%s", FX_SRC_ORG, alias);
    snprintf(p->src_smtp, sizeof(p->src_smtp), "%s@source.example", alias);
    fx_guidtext(fx, g, sizeof(g));
    snprintf(p->src_srv, sizeof(p->src_srv), "%s@source.example", g);
    snprintf(p->src_fqdn, sizeof(p->src_fqdn), "exch%02u.source.example",
             (unsigned)(fx_next(fx) % 12) + 1);
    snprintf(p->src_srv_dn, sizeof(p->src_srv_dn), "%s/cn=Configuration/cn=Servers/cn=%s",
             FX_SRC_ORG, p->src_srv);
    uint8_t id[16];
    char hex[33];
    fx_bytes(fx, id, 16);
    pm_hex_lower(id, 16, hex);
    snprintf(p->tgt_dn, sizeof(p->tgt_dn), "%s/cn=Recipients/cn=%s-%s", FX_TGT_ORG, hex, alias);
    snprintf(p->tgt_smtp, sizeof(p->tgt_smtp), "%s@target.example", alias);
    fx_guidtext(fx, g, sizeof(g));
    snprintf(p->tgt_srv, sizeof(p->tgt_srv), "%s@target.example", g);
    snprintf(p->tgt_srv_dn, sizeof(p->tgt_srv_dn), "%s/cn=Configuration/cn=Servers/cn=%s",
             FX_TGT_ORG, p->tgt_srv);
    p->moved = stage != PMT_NEVER && stage <= fx->stage;
}

static const char *p_dn(const struct fx_person *p)
{
    return p->moved ? p->tgt_dn : p->src_dn;
}
static const char *p_smtp(const struct fx_person *p)
{
    return p->moved ? p->tgt_smtp : p->src_smtp;
}
/* Server values: a correct update writes the PUF's target server, or deletes the value when the
 * PUF line leaves it empty (NULL = not written). */
static const char *p_srv(const struct fx_person *p)
{
    return !p->moved ? p->src_srv : p->puf_fields >= 6 ? p->tgt_srv : NULL;
}
static const char *p_srv_dn(const struct fx_person *p)
{
    return !p->moved ? p->src_srv_dn : p->puf_fields >= 6 ? p->tgt_srv_dn : NULL;
}

static void puf_line(struct pm_buf *b, const struct fx_person *p)
{
    pm_buf_printf(b, "%s%s|%s|%s", p->x500 ? "X500:" : "", p->src_dn, p->tgt_dn, p->tgt_smtp);
    if (p->puf_fields >= 6)
        pm_buf_printf(b, "|%s|%s|%s", p->display, p->tgt_srv, p->tgt_srv_dn);
    if (p->puf_v2)
        pm_buf_printf(b, "|%s|%s|%s", p->src_smtp, p->tgt_upn, p->tgt_arch_guid);
    pm_buf_puts(b, "\r\n");
}

static void fx_puf(struct fx *fx, struct fx_person *const *people, size_t n)
{
    struct pmt_manifest *m = fx->m;
    int v2 = 0;
    for (size_t i = 0; i < n; i++)
        v2 |= people[i]->puf_v2;
    const char *head = v2 ? "# mbm.puf v2: source legacyExchangeDN|target legacyExchangeDN|target "
                            "SMTP|display name|server|server DN|source SMTP|target sign-in "
                            "name|target archive GUID\r\n"
                          : "# mbm.puf: source legacyExchangeDN|target legacyExchangeDN|target "
                            "SMTP|display name|server|server DN\r\n";
    pm_buf_puts(&m->puf_now, head);
    pm_buf_puts(&m->puf_later, head);
    /* A mailbox of someone with no profile on this machine, as a real PUF lists everyone. */
    pm_buf_printf(&m->puf_now,
                  "%s/cn=Recipients/cn=zed|%s/cn=Recipients/cn=5f0e-zed|"
                  "zed@target.example|Zed Other||\r\n",
                  FX_SRC_ORG, FX_TGT_ORG);
    pm_buf_printf(&m->puf_later,
                  "%s/cn=Recipients/cn=zed|%s/cn=Recipients/cn=5f0e-zed|"
                  "zed@target.example|Zed Other||\r\n",
                  FX_SRC_ORG, FX_TGT_ORG);
    for (size_t i = 0; i < n; i++) {
        if (people[i]->stage == PMT_NOW)
            puf_line(&m->puf_now, people[i]);
        if (people[i]->stage == PMT_NOW || people[i]->stage == PMT_LATER)
            puf_line(&m->puf_later, people[i]);
    }
}

static void fx_config(struct fx *fx)
{
    pm_buf_puts(&fx->m->config, "; prof.config for the fixture scenario\r\n"
                                "[General]\r\n"
                                "PufFile=mbm.puf\r\n"
                                "CachedMode=enable\r\n"
                                "OutlookAnywhere=enable\r\n"
                                "ProxyServer=mail.target.example\r\n"
                                "ProxyAuth=negotiate\r\n"
                                "ProxySslOnly=yes\r\n"
                                "ProxyHttpOnFast=yes\r\n"
                                "ProxyHttpOnSlow=yes\r\n"
                                "OstAction=rename\r\n");
}

/* The config above as a correct update applies it to a migrated account. */
#define FX_CFG_CACHED 0x180u
#define FX_CFG_ROH_FLAGS (0x01u | 0x02u | 0x08u | 0x20u)
#define FX_CFG_ROH_AUTH 0x10u
#define FX_CFG_PROXY "mail.target.example"

/* ---- manifest entries ---- */

static struct pmt_mailbox *fx_mailbox(struct fx *fx, const struct fx_person *p, const char *role,
                                      const struct fx_person *owner)
{
    struct pmt_mailbox *b = mb_new(fx->m);
    if (!b) {
        fx_fail(fx, PM_ERR_NOMEM);
        return NULL;
    }
    const struct fx_person *who = owner ? owner : p;
    b->scenario = pm_strdup(fx->scenario);
    b->profile = pm_strdup(fx->prof);
    b->role = pm_strdup(role);
    b->source_dn = pm_strdup(who->src_dn);
    b->old_smtp = pm_strdup(who->src_smtp);
    b->migrated = who->stage;
    b->target_dn = pm_strdup(who->stage == PMT_NEVER ? "" : who->tgt_dn);
    b->target_smtp = pm_strdup(who->stage == PMT_NEVER ? "" : who->tgt_smtp);
    b->emsmdb = pm_strdup("");
    b->store = pm_strdup("");
    b->acctmgr = pm_strdup("");
    int acct = strcmp(role, "account") == 0;
    b->old_upn = pm_strdup(acct ? who->src_upn : "");
    b->target_upn = pm_strdup(acct && who->stage != PMT_NEVER ? who->tgt_upn : "");
    b->archive_guid = pm_strdup("");
    if (!b->old_upn || !b->target_upn || !b->archive_guid || !b->scenario || !b->profile ||
        !b->role || !b->source_dn || !b->old_smtp || !b->target_dn || !b->target_smtp ||
        !b->emsmdb || !b->store || !b->acctmgr || pm_strlist_add(&b->old_servers, p->src_srv) < 0 ||
        pm_strlist_add(&b->old_servers, p->src_fqdn) < 0)
        fx_fail(fx, PM_ERR_NOMEM);
    return b;
}

static void set_str(struct fx *fx, char **slot, const char *s)
{
    free(*slot);
    *slot = pm_strdup(s);
    if (!*slot)
        fx_fail(fx, PM_ERR_NOMEM);
}

static void add_sec(struct fx *fx, struct pmt_mailbox *b, const char *key)
{
    if (b && pm_strlist_add(&b->sections, key) < 0)
        fx_fail(fx, PM_ERR_NOMEM);
}

/* ---- one Exchange account ---- */

struct fx_extra {
    struct fx_person *p; /* the other mailbox (delegate/shared), or the owner (archive) */
    const char *role;    /* delegate | shared | archive */
};

struct fx_acct {
    struct fx_person *p;
    int legacy2007;  /* account settings in 13dbb0c8..., no 01023d15 anywhere */
    int smtp_prefix; /* 001f6641 written as "SMTP:addr" */
    uint32_t config_flags;
    int roh;                 /* has Outlook Anywhere values before the update */
    const char *mailbox_fmt; /* "Mailbox - %s" */
    struct fx_extra extra[4];
    size_t nextra;
    int public_store;
    int exo;              /* Exchange Online shapes (fx_ems_exo, fx_store_exo) */
    int o16;              /* exo: as Outlook 2016 writes it (001f6750, 001f6641 in the store) */
    int mv32;             /* exo: the EMSMDB lists in the 32-bit table layout */
    int archive_of_owner; /* exo: one of the extra stores is the owner's archive */
};

static void smtp_value(char *out, size_t size, int prefix, const char *smtp)
{
    snprintf(out, size, "%s%s", prefix ? "SMTP:" : "", smtp);
}

/* One store provider section. 'p' is the mailbox; 'owner' its account's person. */
static void fx_store(struct fx *fx, const char *key, const uint8_t svc[16],
                     const uint8_t emsmdb[16], const uint8_t uid[16], const struct fx_acct *a,
                     const struct fx_person *p, const char *role, char own_srv[96])
{
    int legacy = a->legacy2007;
    int is_public = strcmp(role, "public") == 0;
    int is_archive = strcmp(role, "archive") == 0;
    int is_primary = strcmp(role, "account") == 0;
    int moved = p->moved;
    /* An archive and the public folders live on servers of their own: drawn here, always, so
     * every stage draws the same numbers. */
    char g[40], own_srv_dn[256];
    fx_guidtext(fx, g, sizeof(g));
    snprintf(own_srv, 96, "%s@source.example", g);
    snprintf(own_srv_dn, sizeof(own_srv_dn), "%s/cn=Configuration/cn=Servers/cn=%s", FX_SRC_ORG,
             own_srv);
    const char *srv = (is_public || is_archive) ? (moved ? NULL : own_srv) : p_srv(p);
    const char *srv_dn = (is_public || is_archive) ? (moved ? NULL : own_srv_dn) : p_srv_dn(p);

    put_bin(fx, key, "01023d0c", svc, 16);
    put_bin(fx, key, "0102300c", uid, 16);
    if (!legacy)
        put_bin(fx, key, "01023d15", emsmdb, 16);
    put_w(fx, key, "001f3006", "Microsoft Exchange Message Store");
    put_a(fx, key, "001e300a", "EMSMDB.DLL");
    put_long(fx, key, "00033009", 0x00000002);
    put_long(fx, key, "0003660a", is_primary ? 1 : is_public ? 3 : 2);
    put_long(fx, key, "00036609", is_public ? 0x06 : 0x0c);
    put_bin(fx, key, "01023414",
            is_primary  ? fx_mdb_primary
            : is_public ? fx_mdb_public
                        : fx_mdb_delegate,
            16);
    char name[256];
    if (is_public)
        snprintf(name, sizeof(name), "Public Folders - %s", p_smtp(p));
    else if (is_archive)
        snprintf(name, sizeof(name), "Online Archive - %s", p_smtp(p));
    else
        snprintf(name, sizeof(name), a->mailbox_fmt, p->display);
    put_w(fx, key, "001f3001", name);
    if (is_archive)
        put_w(fx, key, "001f65d0", "Archive");
    if (!is_public)
        put_a(fx, key, "001e660b", p_dn(p));
    put_a(fx, key, "001e660c", srv);
    put_a(fx, key, "001e6614", srv_dn);
    if (!legacy) {
        put_w(fx, key, "001f662b", srv);
        if (!is_public) {
            char smtp[160];
            smtp_value(smtp, sizeof(smtp), a->smtp_prefix, p_smtp(p));
            put_w(fx, key, "001f6641", smtp);
            put_long(fx, key, "00036688", 1);
        }
    }
    /* Caches of the source mailbox that Outlook rebuilds: absent after a correct update. */
    if (!moved) {
        struct pm_buf eid = PM_BUF_INIT;
        store_eid(&eid, srv, is_public ? NULL : p->src_dn,
                  (legacy || is_public) ? NULL : p->src_smtp, is_public);
        put_buf(fx, key, "01020fff", &eid);
        pm_buf_release(&eid);
        if (!legacy) {
            char url[300];
            snprintf(url, sizeof(url), "https://%s/mapi/emsmdb/?MailboxId=%s", p->src_fqdn, srv);
            put_w(fx, key, "001f6652", url);
            snprintf(url, sizeof(url), "https://mail.source.example/mapi/emsmdb/?MailboxId=%s",
                     srv);
            put_w(fx, key, "001f6653", url);
        }
    }
}

/* ---- Exchange Online (real-profile shapes, docs/outlook-profile-format.md corrections) ---- */

#define FX_EXO_ORG "/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)"

/* A mailbox in Exchange Online moved to another tenant: DNs "/o=ExchangeLabs/.../cn=<32
 * hex>-<alias>" on both sides, servers "<ExchangeGuid>@<SMTP domain>" (a cross-tenant move keeps
 * ExchangeGuid and ArchiveGuid, so only the domain changes), a sign-in name that is not the SMTP
 * address, and a v2 PUF line (fields 7-9). 'upn' is the local part of the sign-in name (NULL:
 * none); 'give_upn' puts the target one in PUF field 8; 'new_archive' puts a new archive GUID in
 * field 9. Every number is drawn whatever the arguments, so the stages agree. */
static void fx_person_exo(struct fx *fx, struct fx_person *p, const char *alias, const char *local,
                          const char *display, enum pmt_stage stage, const char *src_dom,
                          const char *tgt_dom, const char *upn, int give_upn, int new_archive)
{
    memset(p, 0, sizeof(*p));
    p->alias = alias;
    p->display = display;
    p->stage = stage;
    p->puf_fields = 6;
    p->exo = p->puf_v2 = 1;
    snprintf(p->src_dom, sizeof(p->src_dom), "%s", src_dom);
    snprintf(p->tgt_dom, sizeof(p->tgt_dom), "%s", tgt_dom);
    uint8_t id[16];
    char hex[33], g[40], ag2[40];
    fx_bytes(fx, id, 16);
    pm_hex_lower(id, 16, hex);
    snprintf(p->src_dn, sizeof(p->src_dn), "%s/cn=Recipients/cn=%s-%s", FX_EXO_ORG, hex, alias);
    fx_bytes(fx, id, 16);
    pm_hex_lower(id, 16, hex);
    snprintf(p->tgt_dn, sizeof(p->tgt_dn), "%s/cn=Recipients/cn=%s-%s", FX_EXO_ORG, hex, alias);
    snprintf(p->src_smtp, sizeof(p->src_smtp), "%s@%s", local, src_dom);
    snprintf(p->tgt_smtp, sizeof(p->tgt_smtp), "%s@%s", local, tgt_dom);
    fx_guidtext(fx, g, sizeof(g));
    snprintf(p->src_srv, sizeof(p->src_srv), "%s@%s", g, src_dom);
    snprintf(p->tgt_srv, sizeof(p->tgt_srv), "%s@%s", g, tgt_dom);
    /* Exchange Online has no per-mailbox host name: the personalized server is all there is. */
    snprintf(p->src_fqdn, sizeof(p->src_fqdn), "%s", p->src_srv);
    snprintf(p->src_srv_dn, sizeof(p->src_srv_dn), "%s/cn=Configuration/cn=Servers/cn=%s",
             FX_EXO_ORG, p->src_srv);
    snprintf(p->tgt_srv_dn, sizeof(p->tgt_srv_dn), "%s/cn=Configuration/cn=Servers/cn=%s",
             FX_EXO_ORG, p->tgt_srv);
    fx_guidtext(fx, p->arch_guid, sizeof(p->arch_guid));
    fx_guidtext(fx, ag2, sizeof(ag2));
    if (new_archive)
        snprintf(p->tgt_arch_guid, sizeof(p->tgt_arch_guid), "%s", ag2);
    if (upn) {
        snprintf(p->src_upn, sizeof(p->src_upn), "%s@%s", upn, src_dom);
        if (give_upn)
            snprintf(p->tgt_upn, sizeof(p->tgt_upn), "%s@%s", upn, tgt_dom);
    }
    p->moved = stage != PMT_NEVER && stage <= fx->stage;
}

/* The archive's GUID after the update: PUF field 9 when given, else the one it had. */
static const char *p_arch_guid(const struct fx_person *p)
{
    return p->moved && *p->tgt_arch_guid ? p->tgt_arch_guid : p->arch_guid;
}

static void put_le64(struct pm_buf *b, uint64_t v)
{
    put_le32(b, (uint32_t)v);
    put_le32(b, (uint32_t)(v >> 32));
}

/* PT_MV_BINARY in either table width: u32 count, per entry (cb, offset) as u32 or u64, blobs
 * 4-byte aligned with zero padding (the last one padded too); an empty entry's offset is where
 * the next blob would go, as Outlook writes it. Written by hand here, not with the library. */
static void mv_bin(struct pm_buf *b, const struct pm_buf *blobs, size_t n, int w64)
{
    pm_buf_reset(b);
    put_le32(b, (uint32_t)n);
    size_t off = 4 + n * (w64 ? 16 : 8);
    for (size_t i = 0; i < n; i++) {
        if (w64) {
            put_le64(b, blobs[i].len);
            put_le64(b, off);
        } else {
            put_le32(b, (uint32_t)blobs[i].len);
            put_le32(b, (uint32_t)off);
        }
        off += (blobs[i].len + 3) & ~(size_t)3;
    }
    for (size_t i = 0; i < n; i++) {
        pm_buf_append(b, blobs[i].data, blobs[i].len);
        while (b->len % 4)
            pm_buf_append(b, "", 1);
    }
}

/* PT_MV_STRING8 (wide 0) or PT_MV_UNICODE (wide 1) in either table width: u32 count, u32 or u64
 * offsets, NUL-terminated strings packed tight, no padding. */
static void mv_str(struct pm_buf *b, const char *const *s, size_t n, int wide, int w64)
{
    struct pm_buf data = PM_BUF_INIT;
    size_t *offs = calloc(n ? n : 1, sizeof(*offs));
    size_t head = 4 + n * (w64 ? 8 : 4);
    for (size_t i = 0; offs && i < n; i++) {
        offs[i] = head + data.len;
        if (wide)
            pm_utf8_to_utf16le(s[i], strlen(s[i]), 1, &data);
        else
            pm_buf_append(&data, s[i], strlen(s[i]) + 1);
    }
    pm_buf_reset(b);
    put_le32(b, (uint32_t)n);
    for (size_t i = 0; offs && i < n; i++) {
        if (w64)
            put_le64(b, offs[i]);
        else
            put_le32(b, (uint32_t)offs[i]);
    }
    pm_buf_append(b, data.data, data.len);
    free(offs);
    pm_buf_release(&data);
}

static void put_mv_str(struct fx *fx, const char *key, const char *name, const char *const *s,
                       size_t n, int w64)
{
    struct pm_buf b = PM_BUF_INIT;
    mv_str(&b, s, n, strncmp(name, "101f", 4) == 0, w64);
    put_buf(fx, key, name, &b);
    pm_buf_release(&b);
}

/* A mailbox's store EntryID as Exchange Online writes it: v1, no tail (format 5.1). */
static void exo_eid(struct pm_buf *b, const char *server, const char *dn)
{
    pm_buf_reset(b);
    store_eid(b, server, dn, NULL, 0);
}

/* A 46-byte folder EntryID: flags, the store's record key, folder type 1, database GUID and a
 * global counter (format 5.4); nothing of the mailbox's DN or server. */
static void folder_eid(struct pm_buf *b, const uint8_t reckey[16], const uint8_t dbguid[16],
                       uint8_t gc)
{
    static const uint8_t tail[8] = {0, 0, 0, 0, 0, 1, 0, 0};
    put_le32(b, 0);
    pm_buf_append(b, reckey, 16);
    pm_buf_append(b, "\x01\x00", 2);
    pm_buf_append(b, dbguid, 16);
    pm_buf_append(b, tail, 6);
    pm_buf_append(b, &gc, 1);
    pm_buf_append(b, "\0\0\0", 3);
}

/* The "1102022a-style" pair: u32 0x01010180, u32 0, two (u64 cb, u64 stale pointer), the folder
 * EntryID and the store EntryID (real profile 3.3). */
static void eid_pair(struct pm_buf *b, const struct pm_buf *folder, const struct pm_buf *store,
                     uint64_t ptr)
{
    put_le32(b, 0x01010180u);
    put_le32(b, 0);
    put_le64(b, folder->len);
    put_le64(b, ptr);
    put_le64(b, store->len);
    put_le64(b, ptr + folder->len);
    pm_buf_append(b, folder->data, folder->len);
    pm_buf_append(b, store->data, store->len);
}

/* The Outlook global section's 11020434 entry: version 3 (Outlook 2013: folder EntryID, store
 * EntryID) or 4 (Outlook 2016: a pair as above, then the store EntryID again), each with a u32
 * length before it, then 44 bytes of view state and 5 zero bytes (real profile 3.3, 3.4). */
static void entry_0434(struct pm_buf *b, int version, const struct pm_buf *folder,
                       const struct pm_buf *store, uint64_t ptr)
{
    static const uint8_t view[44] = {
        0,    0,    0,    0,    1,    0,    0,    0,    0,    0x83, 0xff, 0xff, 0, 0x83, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x20, 1,    0,    0, 0x96, 0,
        0,    0,    0xc0, 6,    0,    0,    0xe8, 3,    0,    0,    0,    0,    0, 0};
    pm_buf_reset(b);
    put_le32(b, (uint32_t)version);
    put_le32(b, 2);
    put_le32(b, 0);
    if (version == 3) {
        put_le32(b, (uint32_t)folder->len);
        pm_buf_append(b, folder->data, folder->len);
    } else {
        struct pm_buf pair = PM_BUF_INIT;
        eid_pair(&pair, folder, store, ptr);
        put_le32(b, (uint32_t)pair.len);
        pm_buf_append(b, pair.data, pair.len);
        pm_buf_release(&pair);
    }
    put_le32(b, (uint32_t)store->len);
    pm_buf_append(b, store->data, store->len);
    put_le32(b, sizeof(view));
    pm_buf_append(b, view, sizeof(view));
    pm_buf_append(b, "\0\0\0\0\0", 5);
}

/* The EMSMDB section of an Exchange Online account as Outlook 2013/2016 writes it (real profile
 * 2.3): sign-in name 001f3d16 beside an empty 001f3d17, the profile name in 001e6750 (15.0) or
 * 001f6750 (16.0), servers "<guid>@domain", 64-bit (or 32-bit) lists, the source tenant's
 * address lists and proxy addresses, and one subkey per server name. */
static void fx_ems_exo(struct fx *fx, const struct fx_acct *a, const char *k_ems,
                       const uint8_t ids[5][16], const struct pm_buf *stores, const char *oabguid)
{
    const struct fx_person *p = a->p;
    const uint8_t *svc = ids[0], *emsmdb = ids[1], *abp = ids[2], *xp = ids[3], *rnd = ids[4];
    const int moved = p->moved, w64 = !a->mv32;
    const char *srv = p_srv(p);
    char smtp[160], ost[300], buf[300];
    smtp_value(smtp, sizeof(smtp), 1, p_smtp(p));
    put_long(fx, k_ems, "000365eb", 0x01db30fc);
    put_long(fx, k_ems, "00036600", 0x501);
    put_long(fx, k_ems, "00036601", moved ? a->config_flags | FX_CFG_CACHED : a->config_flags);
    put_long(fx, k_ems, "00036604", 0);
    put_long(fx, k_ems, "00036605", 3);
    put_long(fx, k_ems, "00036606", 0);
    put_long(fx, k_ems, "00036619", 0x8000f001u);
    put_long(fx, k_ems, "0003661c", 0x22);
    put_long(fx, k_ems, "00036624", 0x80000281u);
    put_long(fx, k_ems, "00036635", 0);
    put_long(fx, k_ems, "00036646", 4);
    put_long(fx, k_ems, "00036649", 12);
    put_long(fx, k_ems, "000367e1", 0x0f);
    put_bool(fx, k_ems, "000b65ea", 1);
    /* Outlook Anywhere to Exchange Online; a flag the config leaves unset (mutual auth) keeps
     * its bit. */
    if (moved) {
        put_w(fx, k_ems, "001f6622", FX_CFG_PROXY);
        put_long(fx, k_ems, "00036623", FX_CFG_ROH_FLAGS | (0x2fu & 0x04u));
        put_long(fx, k_ems, "00036627", FX_CFG_ROH_AUTH);
    } else {
        put_w(fx, k_ems, "001f6622", "outlook.office365.com");
        put_long(fx, k_ems, "00036623", 0x2f);
        put_long(fx, k_ems, "00036627", 1);
        put_w(fx, k_ems, "001f6625", "msstd:outlook.com");
    }
    put_a(fx, k_ems, "001e6602", srv);
    put_a(fx, k_ems, "001e6603", p_dn(p));
    put_a(fx, k_ems, "001e6608", srv);
    put_a(fx, k_ems, "001e6612", p_srv_dn(p));
    /* The profile's own name: never an identity value, whatever it spells. */
    if (a->o16)
        put_w(fx, k_ems, "001f6750", fx->prof_name);
    else
        put_a(fx, k_ems, "001e6750", fx->prof_name);
    put_w(fx, k_ems, "001f3001", p_smtp(p));
    if (*p->src_upn && (!moved || *p->tgt_upn))
        put_w(fx, k_ems, "001f3d16", moved ? p->tgt_upn : p->src_upn);
    put_w(fx, k_ems, "001f3d17", "");
    put_w(fx, k_ems, "001f6607", p_smtp(p));
    snprintf(ost, sizeof(ost), "C:\\Users\\%s\\AppData\\Local\\Microsoft\\Outlook\\%s.ost",
             p->alias, p_smtp(p));
    put_w(fx, k_ems, "001f6610", ost);
    put_w(fx, k_ems, "001f6620", p_smtp(p));
    put_w(fx, k_ems, "001f662a", srv);
    put_w(fx, k_ems, "001f663c", p->display);
    put_w(fx, k_ems, "001f663d", p_smtp(p));
    put_w(fx, k_ems, "001f6641", smtp);
    static const uint8_t ft[8] = {0x00, 0x5c, 0x4e, 0x8b, 0x6c, 0x64, 0xd0, 0x01};
    put_bin(fx, k_ems, "004065ed", ft, 8);
    put_bin(fx, k_ems, "00406628", ft, 8);
    put_bin(fx, k_ems, "01023d00", stores->data, stores->len);
    put_bin(fx, k_ems, "01023d01", abp, 16);
    put_bin(fx, k_ems, "01023d02", xp, 16);
    put_bin(fx, k_ems, "01023d0c", svc, 16);
    put_bin(fx, k_ems, "01023d15", emsmdb, 16);
    put_bin(fx, k_ems, "01023d1a", abp, 16);
    put_bin(fx, k_ems, "010265ec", rnd, 16);
    /* The source tenant's address lists: Exchange address-book container EntryIDs
     * "/guid=<objectGUID>" and their names. Tenant-bound, not mailbox-bound. */
    {
        struct pm_buf c[2] = {PM_BUF_INIT, PM_BUF_INIT}, l = PM_BUF_INIT;
        for (int i = 0; i < 2; i++) {
            put_le32(&c[i], 0);
            pm_buf_append(&c[i], abp, 16);
            put_le32(&c[i], 1);
            put_le32(&c[i], 0x100);
            if (i == 0)
                pm_buf_append(&c[i], "/", 2);
            else {
                char hex[33];
                pm_hex_lower(rnd, 16, hex);
                for (char *h = hex; *h; h++)
                    *h = (char)(*h >= 'a' ? *h - 32 : *h);
                snprintf(buf, sizeof(buf), "/guid=%s", hex);
                pm_buf_append(&c[i], buf, strlen(buf) + 1);
            }
        }
        mv_bin(&l, c, 2, w64);
        put_buf(fx, k_ems, "110265e0", &l);
        static const char *const lists[] = {"", "All Address Lists"};
        put_mv_str(fx, k_ems, "101f65e4", lists, 2, w64);
        const char *oab[] = {oabguid};
        put_mv_str(fx, k_ems, "101e65e9", oab, 1, w64);
        uint8_t longs[8] = {1, 0, 0, 0, 2, 0, 0, 0};
        put_bin(fx, k_ems, "100365e1", longs, sizeof(longs));
        pm_buf_release(&c[0]);
        pm_buf_release(&c[1]);
        pm_buf_release(&l);
    }
    /* Caches of the source mailbox that a correct update drops. */
    if (!moved) {
        uint8_t ver[8] = {0x0f, 0, 0x01, 0, 0x6a, 0, 0xa0, 0x0f};
        static const char addrinfo[] = "\x05\x00\x17\x00"
                                       "EHF\0EX\0EXO15\0SMTP\0X400";
        put_bin(fx, k_ems, "0102663b", ver, sizeof(ver));
        put_bin(fx, k_ems, "01026687", addrinfo, sizeof(addrinfo));
        put_bin(fx, k_ems, "00146686", rnd + 8, 8);
        put_bin(fx, k_ems, "01020ff8", rnd, 16);
        uint8_t off[48] = {8};
        memcpy(off + 8, rnd, 16);
        put_bin(fx, k_ems, "01026611", off, sizeof(off));
        put_a(fx, k_ems, "001e667c", oabguid);
        put_w(fx, k_ems, "001f667b", "\\Offline Global Address List");
        put_w(fx, k_ems, "001f664a",
              "https://autodiscover-s.outlook.com/autodiscover/autodiscover.xml");
        char b1[160], b2[160];
        snprintf(b1, sizeof(b1), "ncacn_http:%s", srv);
        snprintf(b2, sizeof(b2), "ncacn_ip_tcp:%s", srv);
        const char *binds[] = {b1, b2};
        put_mv_str(fx, k_ems, "101e6613", binds, 2, w64);
        /* PR_IDENTITY_ENTRYID and the proxy addresses name the source mailbox. */
        struct pm_buf eid = PM_BUF_INIT;
        ab_eid(&eid, p->src_dn);
        put_buf(fx, k_ems, "01023e01", &eid);
        pm_buf_release(&eid);
        char sip[160], prim[160], sec[160], ms[160];
        snprintf(sip, sizeof(sip), "SIP:%s", p->src_upn);
        snprintf(prim, sizeof(prim), "SMTP:%s", p->src_smtp);
        snprintf(sec, sizeof(sec), "smtp:%s", p->src_upn);
        snprintf(ms, sizeof(ms), "smtp:%s@sourcetenant.onmicrosoft.example", p->alias);
        const char *proxies[] = {p->src_dn, sip, prim, sec, ms};
        put_mv_str(fx, k_ems, "101f6637", proxies, 5, w64);
    }
    /* Per-server state keys named after the source's server names (kept as they are). */
    char k_sub[700];
    snprintf(k_sub, sizeof(k_sub), "%s\\%s", k_ems, p->src_srv);
    put_long(fx, k_sub, "00036648", 1);
    if (a->archive_of_owner) {
        snprintf(k_sub, sizeof(k_sub), "%s\\%s@%s", k_ems, p->arch_guid, p->src_dom);
        put_long(fx, k_sub, "00036648", 1);
    }
}

/* A store section of an Exchange Online account: the primary (real profile 2.5), the Online
 * Archive (4: delegate type, "Archive", owner's DN with "/guid=<archive GUID>", server
 * "<archive GUID>@<first label of the domain>" in 001e660c and the full domain in 001f662b), an
 * Outlook 2016 shared mailbox known only by its address and name ("shared-smtp"), or one that
 * names no mailbox at all ("noname"). 'p' is the mailbox, or the owner for the archive. */
static void fx_store_exo(struct fx *fx, const char *key, const uint8_t ids[5][16],
                         const uint8_t uid[16], const struct fx_acct *a, const struct fx_person *p,
                         const char *role)
{
    const uint8_t *svc = ids[0], *emsmdb = ids[1];
    const int moved = p->moved;
    int primary = !strcmp(role, "account"), archive = !strcmp(role, "archive");
    uint8_t reckey[16];
    fx_bytes(fx, reckey, 16);
    put_bin(fx, key, "01023d0c", svc, 16);
    put_bin(fx, key, "0102300c", uid, 16);
    put_bin(fx, key, "01023d15", emsmdb, 16);
    put_w(fx, key, "001f3006", "Microsoft Exchange Message Store");
    put_w(fx, key, "001f300a", "EMSMDB.DLL");
    put_w(fx, key, "001f3d09", "MSEMS");
    put_w(fx, key, "001f3d13", "{6485D26A-C2AC-11D1-AD3E-10A0C911C9C0}");
    put_long(fx, key, "00033e03", 0x21);
    put_long(fx, key, "00036609", 0x0c);
    put_long(fx, key, "0003660a", primary ? 1 : 2);
    put_bin(fx, key, "01023414", primary ? fx_mdb_primary : fx_mdb_delegate, 16);
    char smtp[160], name[300], dn[400], srv[160];
    if (!strcmp(role, "noname")) {
        put_long(fx, key, "00033009", 0);
        put_w(fx, key, "001f3001", "Team Calendar");
        return;
    }
    if (!strcmp(role, "shared-smtp")) {
        /* What Outlook 2016+ writes for an additional mailbox before it first connects. */
        put_long(fx, key, "00033009", 0);
        smtp_value(smtp, sizeof(smtp), 1, p_smtp(p));
        put_w(fx, key, "001f6641", smtp);
        put_w(fx, key, "001f3001", p->display);
        return;
    }
    put_bin(fx, key, "01020ff9", reckey, 16);
    if (primary) {
        put_long(fx, key, "00033009", 0x1006);
        put_long(fx, key, "00036650", 0);
        put_long(fx, key, "00036688", 1);
        put_a(fx, key, "001e660b", p_dn(p));
        put_a(fx, key, "001e660c", p_srv(p));
        put_a(fx, key, "001e6614", p_srv_dn(p));
        put_w(fx, key, "001f3001", p_smtp(p));
        put_w(fx, key, "001f662b", p_srv(p));
        if (a->o16) {
            smtp_value(smtp, sizeof(smtp), 1, p_smtp(p));
            put_w(fx, key, "001f6641", smtp);
        }
        if (!moved) {
            struct pm_buf eid = PM_BUF_INIT;
            exo_eid(&eid, p->src_srv, p->src_dn);
            put_buf(fx, key, "01020fff", &eid);
            pm_buf_release(&eid);
        }
        return;
    }
    /* The Online Archive. */
    const char *guid = p_arch_guid(p);
    put_long(fx, key, "00033009", 0x40);
    snprintf(dn, sizeof(dn), "%s/guid=%s", p_dn(p), guid);
    put_a(fx, key, "001e660b", dn);
    if (moved) {
        snprintf(srv, sizeof(srv), "%s@%s", guid, p->tgt_dom);
        put_a(fx, key, "001e660c", srv);
    } else {
        /* Outlook 2013 cut this copy after the domain's first label. */
        snprintf(srv, sizeof(srv), "%s@%.*s", guid, (int)strcspn(p->src_dom, "."), p->src_dom);
        put_a(fx, key, "001e660c", srv);
        snprintf(srv, sizeof(srv), "%s@%s", guid, p->src_dom);
    }
    put_w(fx, key, "001f662b", srv);
    /* A correct update names the archive after the PUF's display name. */
    snprintf(name, sizeof(name), "Online Archive - %s", moved ? p->display : p->src_smtp);
    put_w(fx, key, "001f3001", name);
    put_w(fx, key, "001f65d0", "Archive");
    if (!moved) {
        struct pm_buf eid = PM_BUF_INIT;
        exo_eid(&eid, srv, dn);
        put_buf(fx, key, "01020fff", &eid);
        pm_buf_release(&eid);
    }
    (void)archive;
}

/* The Outlook Address Book (CONTAB service and provider, real profile 2.8): the contact folders
 * of the mailboxes in 'who', with their store EntryIDs (11026626), store names (101e6622 and its
 * Unicode twin 101f6627, the store's display name: the address in Exchange Online) and folder
 * EntryIDs, in the given table width. The values that change with a migrated mailbox go to
 * 'linked'. */
static void fx_contab(struct fx *fx, struct fx_person *const *who, size_t n, int w64,
                      struct pm_strlist *linked)
{
    uint8_t svc[16], prov[16], cuid[16], db[16];
    fx_bytes(fx, svc, 16);
    fx_bytes(fx, prov, 16);
    fx_bytes(fx, cuid, 16);
    fx_bytes(fx, db, 16);
    pm_buf_append(&fx->services, svc, 16);
    pm_buf_append(&fx->abps, prov, 16);
    char k_svc[600], k_prov[600];
    fx_key_of(fx, svc, k_svc, sizeof(k_svc));
    fx_key_of(fx, prov, k_prov, sizeof(k_prov));
    const char *dll[] = {"contab.dll"};
    put_long(fx, k_svc, "00033009", 0x22);
    put_w(fx, k_svc, "001f3001", "Outlook Address Book");
    put_w(fx, k_svc, "001f3d09", "CONTAB");
    put_w(fx, k_svc, "001f3d0a", "contab.dll");
    put_w(fx, k_svc, "001f3d0b", "ServiceEntry");
    put_w(fx, k_svc, "001f3d13", "{6485D266-C2AC-11D1-AD3E-10A0C911C9C0}");
    put_bin(fx, k_svc, "01023d01", prov, 16);
    put_mv_str(fx, k_svc, "101e3d0f", dll, 1, w64);

    put_long(fx, k_prov, "00033009", 0);
    put_long(fx, k_prov, "00033e03", 0x23);
    put_w(fx, k_prov, "001f3001", "Outlook Address Book");
    put_w(fx, k_prov, "001f3006", "Outlook Address Book");
    put_w(fx, k_prov, "001f300a", "contab.dll");
    put_w(fx, k_prov, "001f3d09", "CONTAB");
    put_w(fx, k_prov, "001f3d13", "{6485D266-C2AC-11D1-AD3E-10A0C911C9C0}");
    put_bin(fx, k_prov, "01023d0c", svc, 16);
    put_bin(fx, k_prov, "0102300c", prov, 16);
    put_bin(fx, k_prov, "01026601", cuid, 16);
    struct pm_buf eids[4], folders[4], l = PM_BUF_INIT, masks = PM_BUF_INIT, flags = PM_BUF_INIT;
    const char *names[4], *contacts[4];
    for (size_t i = 0; i < n && i < 4; i++) {
        uint8_t reckey[16];
        fx_bytes(fx, reckey, 16);
        pm_buf_init(&eids[i], 0);
        pm_buf_init(&folders[i], 0);
        exo_eid(&eids[i], p_srv(who[i]), p_dn(who[i]));
        folder_eid(&folders[i], reckey, db, (uint8_t)(0x0e + i));
        names[i] = p_smtp(who[i]);
        contacts[i] = "Contacts";
        put_le32(&masks, 0x0480010f);
        put_le32(&flags, 1);
    }
    put_buf(fx, k_prov, "10036621", &masks);
    put_buf(fx, k_prov, "10036625", &flags);
    put_mv_str(fx, k_prov, "101e6622", names, n, w64);
    put_mv_str(fx, k_prov, "101e6623", contacts, n, w64);
    put_mv_str(fx, k_prov, "101e6624", contacts, n, w64);
    put_mv_str(fx, k_prov, "101f6627", names, n, w64);
    put_mv_str(fx, k_prov, "101f6628", contacts, n, w64);
    put_mv_str(fx, k_prov, "101f6629", contacts, n, w64);
    mv_bin(&l, folders, n, w64);
    put_buf(fx, k_prov, "11026620", &l);
    mv_bin(&l, eids, n, w64);
    put_buf(fx, k_prov, "11026626", &l);
    static const char *const vals[] = {"11026626", "101e6622", "101f6627"};
    for (size_t i = 0; i < PM_ARRAY_SIZE(vals); i++) {
        char kv[700];
        snprintf(kv, sizeof(kv), "%s\\%s", k_prov, vals[i]);
        if (pm_strlist_add(linked, kv) < 0)
            fx_fail(fx, PM_ERR_NOMEM);
    }
    for (size_t i = 0; i < n && i < 4; i++) {
        pm_buf_release(&eids[i]);
        pm_buf_release(&folders[i]);
    }
    pm_buf_release(&l);
    pm_buf_release(&masks);
    pm_buf_release(&flags);
}

/* The Outlook global section's store EntryID values (real profile 2.9, 3.3, 3.4): 1102039b (a
 * list of the default store's EntryID, in the given width), 1102022a (ten entries, the first a
 * folder/store EntryID pair with stale pointers, beside 101f031e = "Sent Items"), and 11020434
 * in 'version' 3 (Outlook 2013) or 4 (Outlook 2016). A correct update rebuilds 1102039b with
 * the target; the two structures are rewritten in place when the target's EntryID has the same
 * length and deleted otherwise (their inner lengths are not rewritten). */
static void fx_global_exo(struct fx *fx, const struct fx_person *p, int version, int w64,
                          uint64_t ptr, struct pm_strlist *linked)
{
    uint8_t reckey[16], db[16];
    fx_bytes(fx, reckey, 16);
    fx_bytes(fx, db, 16);
    char k[600];
    snprintf(k, sizeof(k), "%s\\%s", fx->prof, FX_OLGLOBAL);
    struct pm_buf eid = PM_BUF_INIT, src = PM_BUF_INIT, folder = PM_BUF_INIT, l = PM_BUF_INIT;
    struct pm_buf ent[10];
    exo_eid(&eid, p_srv(p), p_dn(p));
    exo_eid(&src, p->src_srv, p->src_dn);
    int kept = !p->moved || eid.len == src.len;
    mv_bin(&l, &eid, 1, w64);
    put_buf(fx, k, "1102039b", &l);
    static const char *const sent[10] = {"Sent Items", "", "", "", "", "", "", "", "", ""};
    put_mv_str(fx, k, "101f031e", sent, 10, 1);
    for (int i = 0; i < 10; i++)
        pm_buf_init(&ent[i], 0);
    folder_eid(&folder, reckey, db, 0x09);
    eid_pair(&ent[0], &folder, &eid, ptr);
    mv_bin(&l, ent, 10, 1);
    if (kept)
        put_buf(fx, k, "1102022a", &l);
    pm_buf_reset(&folder);
    folder_eid(&folder, reckey, db, 0x0a);
    entry_0434(&ent[1], version, &folder, &eid, ptr);
    mv_bin(&l, &ent[1], 1, 1);
    if (kept)
        put_buf(fx, k, "11020434", &l);
    static const char *const vals[] = {"1102039b", "1102022a", "11020434"};
    for (size_t i = 0; i < PM_ARRAY_SIZE(vals); i++) {
        char kv[700];
        snprintf(kv, sizeof(kv), "%s\\%s", k, vals[i]);
        if (pm_strlist_add(linked, kv) < 0)
            fx_fail(fx, PM_ERR_NOMEM);
    }
    for (int i = 0; i < 10; i++)
        pm_buf_release(&ent[i]);
    pm_buf_release(&eid);
    pm_buf_release(&src);
    pm_buf_release(&folder);
    pm_buf_release(&l);
}

/* Writes one Exchange account with its sections, Account Manager subkey and manifest entries. */
static long fx_account(struct fx *fx, const struct fx_acct *a)
{
    const struct fx_person *p = a->p;
    uint8_t svc[16], emsmdb[16], primary[16], abp[16], xp[16], prefs[16];
    uint8_t extra[4][16], pf[16];
    fx_bytes(fx, svc, 16);
    fx_bytes(fx, emsmdb, 16);
    fx_bytes(fx, primary, 16);
    fx_bytes(fx, abp, 16);
    fx_bytes(fx, xp, 16);
    fx_bytes(fx, prefs, 16);
    for (size_t i = 0; i < a->nextra; i++)
        fx_bytes(fx, extra[i], 16);
    fx_bytes(fx, pf, 16);
    uint8_t offline[48], mapsig[16], addrinfo[64], fullver[16], ts[8];
    fx_bytes(fx, offline, sizeof(offline));
    fx_bytes(fx, mapsig, sizeof(mapsig));
    fx_bytes(fx, addrinfo, sizeof(addrinfo));
    fx_bytes(fx, fullver, sizeof(fullver));
    fx_bytes(fx, ts, sizeof(ts));
    uint32_t mini = (uint32_t)fx_next(fx);
    char oabguid[40];
    fx_guidtext(fx, oabguid, sizeof(oabguid));

    struct pm_buf stores = PM_BUF_INIT;
    pm_buf_append(&stores, primary, 16);
    for (size_t i = 0; i < a->nextra; i++)
        pm_buf_append(&stores, extra[i], 16);
    if (a->public_store)
        pm_buf_append(&stores, pf, 16);
    pm_buf_append(&fx->services, svc, 16);
    pm_buf_append(&fx->stores, stores.data, stores.len);
    if (!fx->have_first && !a->legacy2007) {
        memcpy(fx->first_emsmdb, emsmdb, 16);
        fx->have_first = 1;
    }
    pm_buf_append(&fx->abps, abp, 16);
    pm_buf_append(&fx->xps, xp, 16);

    char k_svc[600], k_ems[600], k_st[600], k_abp[600], k_xp[600], k_prefs[600], k_am[600];
    fx_key_of(fx, svc, k_svc, sizeof(k_svc));
    if (a->legacy2007)
        snprintf(k_ems, sizeof(k_ems), "%s\\%s", fx->prof, FX_EXGLOBAL);
    else
        fx_key_of(fx, emsmdb, k_ems, sizeof(k_ems));
    fx_key_of(fx, primary, k_st, sizeof(k_st));
    fx_key_of(fx, abp, k_abp, sizeof(k_abp));
    fx_key_of(fx, xp, k_xp, sizeof(k_xp));
    fx_key_of(fx, prefs, k_prefs, sizeof(k_prefs));
    uint32_t acct_id = fx->next_acct++;
    snprintf(k_am, sizeof(k_am), "%s\\%s\\%08x", fx->prof, FX_ACCTMGR, acct_id);

    /* Service section. */
    put_w(fx, k_svc, "001f3d09", "MSEMS");
    put_w(fx, k_svc, "001f3001", "Microsoft Exchange");
    put_w(fx, k_svc, "001f3d0a", "emsui.dll");
    put_w(fx, k_svc, "001f3d0b", "EMSCfg");
    put_w(fx, k_svc, "001f3d13", "{6485D26A-C2AC-11D1-AD3E-10A0C911C9C0}");
    put_long(fx, k_svc, "00033009", 0x00000080);
    put_buf(fx, k_svc, "01023d00", &stores);
    put_bin(fx, k_svc, "01023d01", abp, 16);
    put_bin(fx, k_svc, "01023d02", xp, 16);
    if (!a->legacy2007)
        put_bin(fx, k_svc, "01023d15", emsmdb, 16);

    /* EMSMDB (account settings) section, format 4.1. */
    const int moved = p->moved;
    const char *srv = p_srv(p);
    char smtp[160], ost[300];
    smtp_value(smtp, sizeof(smtp), a->smtp_prefix, p_smtp(p));
    uint8_t ids[5][16];
    memcpy(ids[0], svc, 16);
    memcpy(ids[1], emsmdb, 16);
    memcpy(ids[2], abp, 16);
    memcpy(ids[3], xp, 16);
    memcpy(ids[4], mapsig, 16);
    if (a->exo) {
        fx_ems_exo(fx, a, k_ems, ids, &stores, oabguid);
        /* The server name also sits in the service and directory sections; a correct update
         * may drop those copies (Autodiscover writes them again). */
        if (!moved) {
            put_w(fx, k_svc, "001f662a", srv);
            put_w(fx, k_abp, "001f662a", srv);
        }
        put_w(fx, k_xp, "001f662b", srv);
    } else {
        if (!a->legacy2007) {
            put_bin(fx, k_ems, "01023d0c", svc, 16);
            put_buf(fx, k_ems, "01023d00", &stores);
            put_bin(fx, k_ems, "01023d1a", abp, 16);
        }
        put_long(fx, k_ems, "00036600", 0x501);
        put_long(fx, k_ems, "00036601", moved ? a->config_flags | FX_CFG_CACHED : a->config_flags);
        put_long(fx, k_ems, "00036604", 0x2);
        put_long(fx, k_ems, "00036605", 0x3);
        put_long(fx, k_ems, "00036619", a->legacy2007 ? 0x0a : 0x09);
        put_a(fx, k_ems, "001e6603", p_dn(p));
        put_a(fx, k_ems, "001e6602", a->legacy2007 && !moved ? "EXCH07" : srv);
        put_a(fx, k_ems, "001e6608", a->legacy2007 && !moved ? p->src_fqdn : srv);
        put_a(fx, k_ems, "001e6612", p_srv_dn(p));
        if (!moved) {
            char b1[160], b2[160];
            snprintf(b1, sizeof(b1), "ncacn_ip_tcp:%s", p->src_fqdn);
            snprintf(b2, sizeof(b2), "ncacn_http:%s",
                     a->legacy2007 ? p->src_fqdn : "mail.source.example");
            const char *binds[] = {b1, b2};
            put_mv8(fx, k_ems, "101e6613", binds, 2);
            put_bin(fx, k_ems, "01020ff8", mapsig, 16);
            put_bin(fx, k_ems, "01026611", offline, sizeof(offline));
            put_long(fx, k_ems, "0003661b", a->legacy2007 ? 0x1d6b0806 : 0x3bf20f01);
            put_a(fx, k_ems, "001e667b", "\\Default Offline Address Book");
            put_a(fx, k_ems, "001e667c", oabguid);
            put_long(fx, k_ems, "0003667d", 0x15);
        }
        if (a->legacy2007) {
            snprintf(ost, sizeof(ost),
                     "C:\\Documents and Settings\\%s\\Local Settings\\Application Data\\Microsoft"
                     "\\Outlook\\%s.ost",
                     p->alias, moved ? p->tgt_smtp : "outlook");
            put_a(fx, k_ems, "001e6610", ost);
        } else {
            snprintf(ost, sizeof(ost), "C:\\Users\\%s\\AppData\\Local\\Microsoft\\Outlook\\%s.ost",
                     p->alias, p_smtp(p));
            put_w(fx, k_ems, "001f6610", ost);
            put_w(fx, k_ems, "001f6608", srv);
            put_w(fx, k_ems, "001f662a", srv);
            put_w(fx, k_ems, "001f6620", p_smtp(p));
            put_w(fx, k_ems, "001f663d", p_smtp(p));
            put_w(fx, k_ems, "001f6607", p_smtp(p));
            put_w(fx, k_ems, "001f6641", smtp);
            put_w(fx, k_ems, "001f3001", "Microsoft Exchange");
            put_long(fx, k_ems, "00036649", 12);
            if (!moved) {
                char url[300];
                put_w(fx, k_ems, "001f664a",
                      "https://autodiscover.source.example/autodiscover/autodiscover.xml");
                snprintf(url, sizeof(url), "https://%s/mapi/emsmdb/?MailboxId=%s", p->src_fqdn,
                         srv);
                put_w(fx, k_ems, "001f6652", url);
                snprintf(url, sizeof(url), "https://mail.source.example/mapi/emsmdb/?MailboxId=%s",
                         srv);
                put_w(fx, k_ems, "001f6653", url);
                snprintf(url, sizeof(url), "https://%s/mapi/nspi/?MailboxId=%s", p->src_fqdn, srv);
                put_w(fx, k_ems, "001f6654", url);
                snprintf(url, sizeof(url), "https://mail.source.example/mapi/nspi/?MailboxId=%s",
                         srv);
                put_w(fx, k_ems, "001f6655", url);
                put_bin(fx, k_ems, "0102663b", fullver, sizeof(fullver));
                put_bin(fx, k_ems, "01026687", addrinfo, sizeof(addrinfo));
                put_bin(fx, k_ems, "00146686", ts, sizeof(ts));
            }
        }
        /* Outlook Anywhere (format 4.7): the config sets it on migrated accounts. */
        if (moved) {
            put_w(fx, k_ems, "001f6622", FX_CFG_PROXY);
            put_long(fx, k_ems, "00036623", FX_CFG_ROH_FLAGS);
            put_long(fx, k_ems, "00036627", FX_CFG_ROH_AUTH);
        } else if (a->roh) {
            put_w(fx, k_ems, "001f6622", "mail.source.example");
            put_long(fx, k_ems, "00036623", 0x23);
            put_long(fx, k_ems, "00036627", 0x2);
            put_w(fx, k_ems, "001f6625", "msstd:mail.source.example");
        }
    }

    /* Store sections. */
    struct pmt_mailbox *mb = fx_mailbox(fx, p, "account", NULL);
    long mbi = mb ? (long)fx->m->n - 1 : -1;
    if (mb) {
        if (pm_strlist_add(&mb->old_servers, "mail.source.example") < 0 ||
            pm_strlist_add(&mb->old_servers, "autodiscover.source.example") < 0)
            fx_fail(fx, PM_ERR_NOMEM);
        if (a->legacy2007 && pm_strlist_add(&mb->old_servers, "EXCH07") < 0)
            fx_fail(fx, PM_ERR_NOMEM);
        set_str(fx, &mb->emsmdb, k_ems);
        set_str(fx, &mb->store, k_st);
        set_str(fx, &mb->acctmgr, k_am);
        add_sec(fx, mb, k_svc);
        add_sec(fx, mb, k_ems);
        add_sec(fx, mb, k_st);
        add_sec(fx, mb, k_xp);
        add_sec(fx, mb, k_abp);
        add_sec(fx, mb, k_am);
    }
    char own[96];
    if (a->exo)
        fx_store_exo(fx, k_st, ids, primary, a, p, "account");
    else
        fx_store(fx, k_st, svc, emsmdb, primary, a, p, "account", own);
    for (size_t i = 0; i < a->nextra; i++) {
        char k[600];
        fx_key_of(fx, extra[i], k, sizeof(k));
        const char *role = a->extra[i].role;
        int archive = strcmp(role, "archive") == 0;
        if (a->exo)
            fx_store_exo(fx, k, ids, extra[i], a, a->extra[i].p, role);
        else
            fx_store(fx, k, svc, emsmdb, extra[i], a, a->extra[i].p, role, own);
        /* A store that names no mailbox is no mailbox of the manifest: it must come through
         * untouched, like everything outside the migrated sections. */
        if (!strcmp(role, "noname"))
            continue;
        if (!strcmp(role, "shared-smtp"))
            role = "shared";
        const struct fx_person *xp_ = a->extra[i].p;
        struct pmt_mailbox *xb = fx_mailbox(fx, xp_, role, archive ? xp_ : NULL);
        if (xb && archive && a->exo) {
            /* Its servers: "<archive GUID>@<domain>" and the cut "<archive GUID>@<label>". */
            char asrv[160], cut[160];
            snprintf(asrv, sizeof(asrv), "%s@%s", xp_->arch_guid, xp_->src_dom);
            snprintf(cut, sizeof(cut), "%s@%.*s", xp_->arch_guid, (int)strcspn(xp_->src_dom, "."),
                     xp_->src_dom);
            if (pm_strlist_add(&xb->old_servers, asrv) < 0 ||
                pm_strlist_add(&xb->old_servers, cut) < 0)
                fx_fail(fx, PM_ERR_NOMEM);
            set_str(fx, &xb->archive_guid, xp_->tgt_arch_guid);
        } else if (xb && archive && pm_strlist_add(&xb->old_servers, own) < 0) {
            fx_fail(fx, PM_ERR_NOMEM);
        }
        if (xb) {
            set_str(fx, &xb->store, k);
            add_sec(fx, xb, k);
        }
    }
    if (a->public_store) {
        char k[600];
        fx_key_of(fx, pf, k, sizeof(k));
        fx_store(fx, k, svc, emsmdb, pf, a, p, "public", own);
        struct pmt_mailbox *pb = fx_mailbox(fx, p, "public", p);
        if (pb && pm_strlist_add(&pb->old_servers, own) < 0)
            fx_fail(fx, PM_ERR_NOMEM);
        if (pb) {
            set_str(fx, &pb->store, k);
            add_sec(fx, pb, k);
        }
    }

    /* Transport and address-book provider sections. */
    put_bin(fx, k_xp, "01023d0c", svc, 16);
    put_bin(fx, k_xp, "0102300c", xp, 16);
    if (!a->legacy2007)
        put_bin(fx, k_xp, "01023d15", emsmdb, 16);
    put_w(fx, k_xp, "001f3001", "Microsoft Exchange Transport");
    put_w(fx, k_xp, "001f3006", "Microsoft Exchange Transport");
    put_a(fx, k_xp, "001e300a", "EMSMDB.DLL");
    put_long(fx, k_xp, "00033009", 0x00000002);
    put_a(fx, k_xp, "001e660b", p_dn(p));
    put_a(fx, k_xp, "001e660c", a->legacy2007 && !moved ? "EXCH07" : srv);
    put_a(fx, k_xp, "001e6614", p_srv_dn(p));

    put_bin(fx, k_abp, "01023d0c", svc, 16);
    put_bin(fx, k_abp, "0102300c", abp, 16);
    if (!a->legacy2007)
        put_bin(fx, k_abp, "01023d15", emsmdb, 16);
    put_w(fx, k_abp, "001f3001", "Microsoft Exchange Directory Service");
    put_w(fx, k_abp, "001f3006", "Microsoft Exchange Directory Service");
    put_a(fx, k_abp, "001e300a", "EMSABP.DLL");
    put_long(fx, k_abp, "00033009", 0x00000002);
    put_long(fx, k_abp, "00036639", 1);

    /* Preferences section: account preferences, nothing of the mailbox's identity. */
    put_long(fx, k_prefs, "00033fde", 65001);
    put_bool(fx, k_prefs, "000b0360", 1);

    /* Account Manager subkey (format 3.6). */
    put_w(fx, k_am, "Account Name", p_smtp(p));
    put_a(fx, k_am, "clsid", "{ED475414-B0D6-11D2-8C3B-00104B2A6676}");
    put_dword(fx, k_am, "Mini UID", mini);
    put_w(fx, k_am, "Service Name", "MSEMS");
    put_bin(fx, k_am, "Service UID", svc, 16);
    put_bin(fx, k_am, "XP Provider UID", xp, 16);
    put_bin(fx, k_am, "Preferences UID", prefs, 16);
    put_dword(fx, k_am, "MAPI provider", 5);
    put_dword(fx, k_am, "XP Status", 0);
    struct pm_buf eid = PM_BUF_INIT;
    ab_eid(&eid, p_dn(p));
    put_buf(fx, k_am, "Identity Eid", &eid);
    pm_buf_reset(&eid);
    if (!moved) {
        store_eid(&eid, srv, p->src_dn, a->legacy2007 || a->exo ? NULL : p->src_smtp, 0);
        put_buf(fx, k_am, "Delivery Store EntryID", &eid);
    }
    pm_buf_release(&eid);
    put_le32(&fx->order_mail, acct_id);
    put_le32(&fx->order_ab, acct_id);
    put_le32(&fx->order_store, acct_id);
    pm_buf_release(&stores);
    return mbi;
}

/* A PST data file service (MSUPST MS) with its store. */
static void fx_pst(struct fx *fx, const char *path, const char *display, uint8_t store_out[16])
{
    uint8_t svc[16], st[16];
    fx_bytes(fx, svc, 16);
    fx_bytes(fx, st, 16);
    memcpy(store_out, st, 16);
    pm_buf_append(&fx->services, svc, 16);
    pm_buf_append(&fx->stores, st, 16);
    char k_svc[600], k_st[600];
    fx_key_of(fx, svc, k_svc, sizeof(k_svc));
    fx_key_of(fx, st, k_st, sizeof(k_st));
    put_w(fx, k_svc, "001f3d09", "MSUPST MS");
    put_w(fx, k_svc, "001f3001", "Outlook Data File");
    put_w(fx, k_svc, "001f3d0a", "mspst.dll");
    put_w(fx, k_svc, "001f3d0b", "NSTServiceEntry");
    put_long(fx, k_svc, "00033009", 0);
    put_bin(fx, k_svc, "01023d00", st, 16);
    put_bin(fx, k_st, "01023d0c", svc, 16);
    put_bin(fx, k_st, "0102300c", st, 16);
    put_w(fx, k_st, "001f3001", display);
    put_w(fx, k_st, "001f3006", "Outlook Data File");
    put_a(fx, k_st, "001e300a", "mspst.dll");
    put_w(fx, k_st, "001f6700", path);
    put_bin(fx, k_st, "01023414", fx_mdb_pst, 16);
    put_long(fx, k_st, "00033009", 0);
    struct pm_buf eid = PM_BUF_INIT;
    put_le32(&eid, 0);
    pm_buf_append(&eid, fx_muid_storewrap, 16);
    pm_buf_append(&eid, "\0\0mspst.dll\0\0\0\0\0", 16);
    pm_buf_append(&eid, fx_mdb_pst, 16);
    pm_utf8_to_utf16le(path, strlen(path), 1, &eid);
    put_buf(fx, k_st, "01020fff", &eid);
    pm_buf_release(&eid);
}

/* POP3 and IMAP accounts: Account Manager subkeys only, delivering into a PST. */
static void fx_internet_account(struct fx *fx, int imap, const uint8_t pst_store[16])
{
    uint32_t id = fx->next_acct++;
    char k[600];
    snprintf(k, sizeof(k), "%s\\%s\\%08x", fx->prof, FX_ACCTMGR, id);
    uint32_t mini = (uint32_t)fx_next(fx);
    uint8_t folder[46];
    fx_bytes(fx, folder, sizeof(folder));
    put_w(fx, k, "Account Name", imap ? "Work IMAP" : "Personal (POP)");
    put_a(fx, k, "clsid",
          imap ? "{ED475412-B0D6-11D2-8C3B-00104B2A6676}"
               : "{ED475411-B0D6-11D2-8C3B-00104B2A6676}");
    put_dword(fx, k, "Mini UID", mini);
    put_w(fx, k, "Display Name", "Alice Example");
    put_w(fx, k, "Email", imap ? "alice@imap.example" : "alice.example@isp.example");
    put_w(fx, k, imap ? "IMAP Server" : "POP3 Server",
          imap ? "imap.imap.example" : "pop.isp.example");
    put_w(fx, k, imap ? "IMAP User" : "POP3 User", imap ? "alice@imap.example" : "alice.example");
    put_w(fx, k, "SMTP Server", imap ? "smtp.imap.example" : "smtp.isp.example");
    put_dword(fx, k, imap ? "IMAP Port" : "POP3 Port", imap ? 993 : 995);
    put_dword(fx, k, imap ? "IMAP Use SSL" : "POP3 Use SSL", 1);
    if (!imap) {
        put_dword(fx, k, "Leave on Server", 0x00000001);
        put_bin(fx, k, "Delivery Store EntryID", pst_store, 16);
        put_bin(fx, k, "Delivery Folder EntryID", folder, sizeof(folder));
    }
    put_le32(&fx->order_mail, id);
}

/* Starts a profile at 'root\\name'. */
static void fx_profile_begin(struct fx *fx, const char *root, const char *name)
{
    snprintf(fx->prof, sizeof(fx->prof), "%s\\%s", root, name);
    fx->prof_name = name;
    pm_buf_reset(&fx->services);
    pm_buf_reset(&fx->stores);
    pm_buf_reset(&fx->abps);
    pm_buf_reset(&fx->xps);
    pm_buf_reset(&fx->order_mail);
    pm_buf_reset(&fx->order_ab);
    pm_buf_reset(&fx->order_store);
    fx->next_acct = 1;
    fx->have_first = 0;
}

/* Writes the profile-wide sections once every service is in: master, Outlook global, profile
 * instance and the Account Manager order values. */
static void fx_profile_end(struct fx *fx)
{
    char k[600];
    snprintf(k, sizeof(k), "%s\\%s", fx->prof, FX_MASTER);
    put_buf(fx, k, "01023d0e", &fx->services);
    put_buf(fx, k, "01023d00", &fx->stores);
    put_buf(fx, k, "01023d01", &fx->abps);
    put_buf(fx, k, "01023d02", &fx->xps);
    put_long(fx, k, "00036600", 0x501);
    snprintf(k, sizeof(k), "%s\\%s", fx->prof, FX_OLGLOBAL);
    if (fx->have_first)
        put_bin(fx, k, "01023d15", fx->first_emsmdb, 16);
    put_bool(fx, k, "000b3d1c", 1);
    put_long(fx, k, "0003041f", 2);
    put_bool(fx, k, "000b0420", 1);
    uint8_t inst[16];
    fx_bytes(fx, inst, 16);
    snprintf(k, sizeof(k), "%s\\%s", fx->prof, FX_INSTANCE);
    put_bin(fx, k, "0102300b", inst, 16);
    snprintf(k, sizeof(k), "%s\\%s", fx->prof, FX_ACCTMGR);
    put_dword(fx, k, "NextAccountID", fx->next_acct);
    put_buf(fx, k, "{ED475418-B0D6-11D2-8C3B-00104B2A6676}", &fx->order_mail);
    put_buf(fx, k, "{ED475419-B0D6-11D2-8C3B-00104B2A6676}", &fx->order_ab);
    put_buf(fx, k, "{ED475420-B0D6-11D2-8C3B-00104B2A6676}", &fx->order_store);
    uint8_t ver[8];
    fx_bytes(fx, ver, sizeof(ver));
    put_bin(fx, k, "LastChangeVer", ver, sizeof(ver));
}

/* Keys that belong to no profile and must come through an update byte for byte. */
static void fx_unrelated(struct fx *fx, const char *office)
{
    const char *k = "Software\\Contoso\\App";
    put_a(fx, k, "Theme", "Dark");
    put_a(fx, k, "LastUser", "alice@source.example");
    put_dword(fx, k, "WindowWidth", 1280);
    uint8_t blob[12] = {0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3, 0x2f, 0x6f, 0x3d, 0x53};
    put_bin(fx, k, "State", blob, sizeof(blob));
    put_utf16(fx, k, "InstallDir", PM_REG_EXPAND_SZ, "%ProgramFiles%\\Contoso");
    struct pm_buf ms = PM_BUF_INIT;
    pm_utf8_to_utf16le("one", 3, 1, &ms);
    pm_utf8_to_utf16le("two", 3, 1, &ms);
    pm_buf_append(&ms, "\0", 2);
    put(fx, k, "Recent", PM_REG_MULTI_SZ, ms.data, ms.len);
    pm_buf_release(&ms);
    uint8_t q[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    put(fx, k, "Stamp", PM_REG_QWORD, q, 8);
    put(fx, "Software\\Contoso\\App\\Empty", "", PM_REG_NONE, "", 0);
    if (office) {
        char p[300];
        snprintf(p, sizeof(p), "Software\\Microsoft\\Office\\%s\\Outlook\\Setup", office);
        put_dword(fx, p, "First-Run", 1);
        put_a(fx, p, "ImportPRF", "");
    }
    put_dword(fx, "Software\\Microsoft\\Exchange", "MapiHttpDisabled", 0);
}

#define WMS_ROOT                                                                                   \
    "Software\\Microsoft\\Windows NT\\CurrentVersion\\Windows Messaging Subsystem\\Profiles"
#define O15_ROOT "Software\\Microsoft\\Office\\15.0\\Outlook\\Profiles"
#define O16_ROOT "Software\\Microsoft\\Office\\16.0\\Outlook\\Profiles"

static void build_office16(struct fx *fx)
{
    struct fx_person alice, bob, helpdesk, carol, dave;
    person_init(fx, &alice, "alice", "Alice Example", PMT_NOW, 6, 0);
    person_init(fx, &bob, "bob", "Bob Example", PMT_NOW, 6, 1);
    person_init(fx, &helpdesk, "helpdesk", "Helpdesk", PMT_LATER, 6, 0);
    person_init(fx, &carol, "carol", "Carol Example", PMT_NOW, 6, 0);
    person_init(fx, &dave, "dave", "Dave Müller", PMT_NEVER, 6, 0);
    struct fx_person *all[] = {&alice, &bob, &helpdesk, &carol, &dave};
    fx_puf(fx, all, PM_ARRAY_SIZE(all));

    put_a(fx, "Software\\Microsoft\\Office\\16.0\\Outlook", "DefaultProfile", "Outlook");
    fx_profile_begin(fx, O16_ROOT, "Outlook");
    struct fx_acct a1 = {.p = &alice,
                         .smtp_prefix = 1,
                         .config_flags = 0x00000d84,
                         .roh = 1,
                         .mailbox_fmt = "Mailbox - %s",
                         .public_store = 1,
                         .nextra = 3};
    a1.extra[0] = (struct fx_extra){&bob, "delegate"};
    a1.extra[1] = (struct fx_extra){&helpdesk, "shared"};
    a1.extra[2] = (struct fx_extra){&alice, "archive"};
    fx_account(fx, &a1);
    struct fx_acct a2 = {
        .p = &carol, .smtp_prefix = 0, .config_flags = 0x00000004, .mailbox_fmt = "Mailbox - %s"};
    fx_account(fx, &a2);
    uint8_t pst[16];
    fx_pst(fx, "C:\\Users\\alice\\Documents\\Outlook Files\\Archive 2019.pst", "Archive 2019", pst);
    fx_internet_account(fx, 0, pst);
    fx_internet_account(fx, 1, pst);
    fx_profile_end(fx);

    fx_profile_begin(fx, O16_ROOT, "Zoë – Privé");
    struct fx_acct a3 = {.p = &dave,
                         .smtp_prefix = 1,
                         .config_flags = 0x00000004,
                         .roh = 1,
                         .mailbox_fmt = "Boîte aux lettres - %s",
                         .nextra = 1};
    a3.extra[0] = (struct fx_extra){&bob, "delegate"};
    fx_account(fx, &a3);
    fx_profile_end(fx);
    fx_unrelated(fx, "16.0");
}

static void build_outlook2007(struct fx *fx)
{
    struct fx_person erin;
    person_init(fx, &erin, "erin", "Erin Example", PMT_NOW, 6, 1);
    struct fx_person *all[] = {&erin};
    fx_puf(fx, all, 1);
    put_a(fx, WMS_ROOT, "DefaultProfile", "MS Exchange Settings");
    fx_profile_begin(fx, WMS_ROOT, "MS Exchange Settings");
    struct fx_acct a = {.p = &erin,
                        .legacy2007 = 1,
                        .config_flags = 0x00000184,
                        .roh = 1,
                        .mailbox_fmt = "Mailbox - %s"};
    fx_account(fx, &a);
    uint8_t pst[16];
    fx_pst(fx,
           "C:\\Documents and Settings\\erin\\Local Settings\\Application Data\\Microsoft"
           "\\Outlook\\archive.pst",
           "Archive Folders", pst);
    fx_profile_end(fx);
    fx_unrelated(fx, NULL);
}

static void build_office15(struct fx *fx)
{
    struct fx_person grace;
    person_init(fx, &grace, "grace", "Grace Example", PMT_NOW, 3, 0);
    struct fx_person *all[] = {&grace};
    fx_puf(fx, all, 1);
    put_a(fx, "Software\\Microsoft\\Office\\15.0\\Outlook", "DefaultProfile", "Outlook");
    fx_profile_begin(fx, O15_ROOT, "Outlook");
    struct fx_acct a = {.p = &grace,
                        .smtp_prefix = 1,
                        .config_flags = 0x00000004,
                        .roh = 1,
                        .mailbox_fmt = "Mailbox - %s"};
    fx_account(fx, &a);
    fx_profile_end(fx);
    fx_unrelated(fx, "15.0");
}

static void build_side_by_side(struct fx *fx)
{
    struct fx_person alice;
    person_init(fx, &alice, "alice", "Alice Example", PMT_NOW, 6, 0);
    struct fx_person *all[] = {&alice};
    fx_puf(fx, all, 1);
    static const char *const roots[] = {WMS_ROOT, O15_ROOT, O16_ROOT};
    put_a(fx, WMS_ROOT, "DefaultProfile", "Outlook");
    put_a(fx, "Software\\Microsoft\\Office\\15.0\\Outlook", "DefaultProfile", "Outlook");
    put_a(fx, "Software\\Microsoft\\Office\\16.0\\Outlook", "DefaultProfile", "Outlook");
    for (size_t i = 0; i < PM_ARRAY_SIZE(roots); i++) {
        fx_profile_begin(fx, roots[i], "Outlook");
        struct fx_acct a = {.p = &alice,
                            .smtp_prefix = i != 1,
                            .config_flags = 0x00000184,
                            .roh = 1,
                            .mailbox_fmt = "Mailbox - %s"};
        fx_account(fx, &a);
        fx_profile_end(fx);
    }
    fx_unrelated(fx, "16.0");
}

/* Outlook 2013 with an Exchange Online mailbox and its Online Archive, moved to another tenant:
 * the shapes of the real profile (docs/outlook-profile-format.md, corrections), with names of
 * our own. The target domain is longer than the source's, so the store EntryID grows and the
 * global section's structures that embed it are deleted. */
static void build_exo2013(struct fx *fx)
{
    struct fx_person kim;
    fx_person_exo(fx, &kim, "kim", "kim.lindqvist", "Kim Lindqvist", PMT_NOW, "source.example",
                  "contoso.example", "kim", 1, 0);
    struct fx_person *all[] = {&kim};
    fx_puf(fx, all, PM_ARRAY_SIZE(all));
    put_a(fx, "Software\\Microsoft\\Office\\15.0\\Outlook", "DefaultProfile", "Outlook");
    fx_profile_begin(fx, O15_ROOT, "Outlook");
    struct fx_acct a = {.p = &kim,
                        .exo = 1,
                        .smtp_prefix = 1,
                        .config_flags = 0x00000984,
                        .roh = 1,
                        .mailbox_fmt = "%s",
                        .archive_of_owner = 1,
                        .nextra = 1};
    a.extra[0] = (struct fx_extra){&kim, "archive"};
    long mi = fx_account(fx, &a);
    struct pm_strlist linked = PM_STRLIST_INIT;
    struct fx_person *book[] = {&kim};
    fx_contab(fx, book, 1, 1, &linked);
    fx_global_exo(fx, &kim, 3, 1, 0x093aff18u, &linked);
    if (mi >= 0) {
        pm_strlist_release(&fx->m->mb[mi].linked);
        fx->m->mb[mi].linked = linked;
    } else {
        pm_strlist_release(&linked);
    }
    fx_profile_end(fx);
    fx_unrelated(fx, "15.0");
}

/* Outlook 2016 with an Exchange Online mailbox (profile named after its address), an archive
 * whose target GUID the PUF gives (field 9), no target sign-in name in the PUF, two shared
 * mailboxes known only by address (one migrated, found by PUF field 7; one not migrated), a
 * store that names no mailbox, an address book that also holds an unmigrated mailbox's
 * contacts in the 32-bit layout, and the version-4 global structures. Source and target domains
 * have the same length, so the embedded EntryIDs are rewritten in place. */
static void build_office16_exo(struct fx *fx)
{
    struct fx_person lena, sales, support, omar;
    fx_person_exo(fx, &lena, "lena", "lena.berg", "Lena Berg", PMT_NOW, "source.example",
                  "target.example", "lberg", 0, 1);
    fx_person_exo(fx, &sales, "sales", "sales", "Sales Team", PMT_NOW, "source.example",
                  "target.example", NULL, 0, 0);
    fx_person_exo(fx, &support, "support", "support", "Support Desk", PMT_NEVER, "source.example",
                  "target.example", NULL, 0, 0);
    fx_person_exo(fx, &omar, "omar", "omar.haddad", "Omar Haddad", PMT_NEVER, "source.example",
                  "target.example", NULL, 0, 0);
    struct fx_person *all[] = {&lena, &sales, &support, &omar};
    fx_puf(fx, all, PM_ARRAY_SIZE(all));
    put_a(fx, "Software\\Microsoft\\Office\\16.0\\Outlook", "DefaultProfile",
          "lena.berg@source.example");
    fx_profile_begin(fx, O16_ROOT, "lena.berg@source.example");
    struct fx_acct a = {.p = &lena,
                        .exo = 1,
                        .o16 = 1,
                        .mv32 = 1,
                        .smtp_prefix = 1,
                        .config_flags = 0x00001984,
                        .roh = 1,
                        .mailbox_fmt = "%s",
                        .archive_of_owner = 1,
                        .nextra = 4};
    a.extra[0] = (struct fx_extra){&lena, "archive"};
    a.extra[1] = (struct fx_extra){&sales, "shared-smtp"};
    a.extra[2] = (struct fx_extra){&support, "shared-smtp"};
    a.extra[3] = (struct fx_extra){&support, "noname"};
    long mi = fx_account(fx, &a);
    struct pm_strlist linked = PM_STRLIST_INIT;
    struct fx_person *book[] = {&lena, &omar};
    fx_contab(fx, book, 2, 0, &linked);
    fx_global_exo(fx, &lena, 4, 1, 0x0000019fba58f248ull, &linked);
    if (mi >= 0) {
        pm_strlist_release(&fx->m->mb[mi].linked);
        fx->m->mb[mi].linked = linked;
    } else {
        pm_strlist_release(&linked);
    }
    fx_profile_end(fx);
    fx_unrelated(fx, "16.0");
}

struct fx_scenario {
    const char *name;
    void (*build)(struct fx *fx);
};

static const struct fx_scenario fx_scenarios[] = {
    {"office16", build_office16}, {"outlook2007", build_outlook2007},
    {"office15", build_office15}, {"side-by-side", build_side_by_side},
    {"exo2013", build_exo2013},   {"office16-exo", build_office16_exo},
};

const char *const *pmt_fixture_scenarios(void)
{
    static const char *names[PM_ARRAY_SIZE(fx_scenarios) + 1];
    for (size_t i = 0; i < PM_ARRAY_SIZE(fx_scenarios); i++)
        names[i] = fx_scenarios[i].name;
    return names;
}

int pmt_fixture_build(struct pm_store *st, const char *name, enum pmt_stage stage,
                      struct pmt_manifest *out, struct pm_error *err)
{
    const struct fx_scenario *sc = NULL;
    for (size_t i = 0; i < PM_ARRAY_SIZE(fx_scenarios); i++)
        if (strcmp(fx_scenarios[i].name, name) == 0)
            sc = &fx_scenarios[i];
    if (!sc)
        return pm_error_set(err, PM_ERR_INVALID, NULL, 0, "unknown scenario '%s'", name);
    struct fx fx;
    memset(&fx, 0, sizeof(fx));
    fx.st = st;
    fx.err = err;
    fx.stage = stage;
    fx.scenario = name;
    fx.m = out;
    /* Seed from the name (FNV-1a) so each scenario has UIDs of its own. */
    uint64_t h = 0xcbf29ce484222325ull;
    for (const char *p = name; *p; p++)
        h = (h ^ (uint8_t)*p) * 0x100000001b3ull;
    fx.rng = h;
    if (pm_strlist_add(&out->roots, "Software") < 0)
        return pm_error_set(err, PM_ERR_NOMEM, NULL, 0, "out of memory");
    fx_config(&fx);
    int rc = pm_store_begin(st, err);
    if (rc < 0)
        return rc;
    sc->build(&fx);
    if (fx.rc == 0 && (fx.services.len > PM_BUF_DEFAULT_MAX))
        fx_fail(&fx, PM_ERR_LIMIT);
    pm_buf_release(&fx.services);
    pm_buf_release(&fx.stores);
    pm_buf_release(&fx.abps);
    pm_buf_release(&fx.xps);
    pm_buf_release(&fx.order_mail);
    pm_buf_release(&fx.order_ab);
    pm_buf_release(&fx.order_store);
    if (fx.rc < 0) {
        struct pm_error ignored;
        pm_store_rollback(st, &ignored);
        if (err && err->code == PM_OK)
            pm_error_set(err, fx.rc, NULL, 0, "building scenario '%s' failed", name);
        return fx.rc;
    }
    return pm_store_commit(st, err);
}
