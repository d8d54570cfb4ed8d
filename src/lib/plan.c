/* The plan: a pure function from the profile model, the PUF answers and the config to the edits
 * of an update. It decides per account and per store whether the mailbox is migrated, then runs
 * every value of the mailbox's sections through the rule table (rules.c). Values the table does
 * not know are swept: if they still name the source (its DN, SMTP address, organisation or
 * servers), strings are rewritten to the target when that removes every trace, and anything else
 * is deleted as a cache, so a migrated mailbox keeps no trace of the source organisation. */
#include "compat.h"

#include "proptags.h"

#include "pm/mapi.h"
#include "pm/mvprop.h"
#include "pm/plan.h"
#include "pm/storeeid.h"
#include "rules.h"

#include <stdlib.h>
#include <string.h>

/* Which mailbox a section holds, relative to the identity planned for it. */
enum scope {
    SCOPE_OWN = 0, /* the mailbox itself: account settings, primary or delegate store, transport */
    SCOPE_ARCHIVE, /* the mailbox's online archive: identity values carry a /guid= suffix */
    SCOPE_PUBLIC,  /* public folders reached through the mailbox: no identity of their own */
};

/* What is known about one migrated mailbox while its sections are planned. */
struct ident {
    const struct pm_puf_entry *e;
    const char *old_dn;       /* the mailbox DN, without an archive's /guid= suffix */
    const char *old_smtp;     /* bare address, or NULL */
    char *old_domain;         /* "@"-less domain of old_smtp when the target's differs, else NULL */
    char *own_dn;             /* owned copy behind old_dn when it was cut from a longer DN */
    char *org_marker;         /* "/o=<source org>/" when the target org differs, else NULL;
                                 the slash keeps a longer organisation name from matching */
    struct pm_strlist old_servers;
};

/* A mailbox of the profile known to be migrated, for the sections of no account that point at
 * it: its old DN (mailbox part) and address, and its PUF line. */
struct moved {
    char *old_dn;
    char *old_smtp;
    const struct pm_puf_entry *e;
};

struct ctx {
    const struct pm_model *m;
    const struct pm_config *cfg;
    struct pm_plan *out;
    struct pm_error *err;
    size_t profile;
    struct pm_buf text, text2, enc;
    struct pm_strlist ost_paths; /* OST paths planned so far: no two profiles share one */
    const struct pm_section *section; /* the section being planned */
    struct moved *moved; /* mailboxes of the current profile that were or are being migrated */
    size_t nmoved;
    size_t *seen; /* open-addressing table of edit index + 1, 0 = empty */
    size_t seen_cap;
};

static int oom(struct ctx *c)
{
    return pm_error_set(c->err, PM_ERR_NOMEM, NULL, 0, "out of memory while planning");
}

/* ---- text helpers ---- */

static const char *strip_smtp_prefix(const char *s, size_t *prefix_len)
{
    size_t p = 0;
    if (pm_ascii_ncasecmp(s, "=SMTP:", 6) == 0)
        p = 6;
    else if (pm_ascii_ncasecmp(s, "SMTP:", 5) == 0)
        p = 5;
    if (prefix_len)
        *prefix_len = p;
    return s + p;
}

/* Replaces every case-insensitive occurrence of 'from' in 'in' with 'to'. Returns 1 when
 * something was replaced. */
static int replace_ci(const char *in, const char *from, const char *to, struct pm_buf *out)
{
    pm_buf_reset(out);
    size_t fl = from ? strlen(from) : 0, il = strlen(in);
    int any = 0;
    const char *p = in;
    while (fl && *p) {
        const char *hit = pm_ascii_casestr(p, il - (size_t)(p - in), from, fl);
        if (!hit)
            break;
        if (pm_buf_append(out, p, (size_t)(hit - p)) < 0 || pm_buf_puts(out, to) < 0)
            return PM_ERR_NOMEM;
        p = hit + fl;
        any = 1;
    }
    if (pm_buf_puts(out, p) < 0)
        return PM_ERR_NOMEM;
    return any;
}

/* Case-insensitive search of an ASCII marker in bytes read as 8-bit text or as UTF-16LE. */
static int bytes_have(const uint8_t *d, size_t len, const char *m)
{
    size_t ml = strlen(m);
    if (!ml || ml > len)
        return 0;
    if (pm_ascii_casestr((const char *)d, len, m, ml))
        return 1;
    for (size_t par = 0; par < 2; par++) {
        for (size_t i = par; i + 2 * ml <= len; i += 2) {
            size_t k = 0;
            while (k < ml && d[i + 2 * k + 1] == 0 &&
                   pm_ascii_ncasecmp((const char *)&d[i + 2 * k], m + k, 1) == 0)
                k++;
            if (k == ml)
                return 1;
        }
    }
    return 0;
}

static int has_trace(const struct ident *id, const uint8_t *d, size_t len)
{
    if (id->old_dn && bytes_have(d, len, id->old_dn))
        return 1;
    if (id->old_smtp && bytes_have(d, len, id->old_smtp))
        return 1;
    if (id->org_marker && bytes_have(d, len, id->org_marker))
        return 1;
    for (size_t i = 0; i < id->old_servers.n; i++)
        if (bytes_have(d, len, id->old_servers.items[i]))
            return 1;
    return 0;
}

static int text_has_trace(const struct ident *id, const char *s)
{
    return has_trace(id, (const uint8_t *)s, strlen(s));
}

/* ---- archive DNs and Exchange Online server names ---- */

/* The mailbox part of a DN: an online archive's PR_PROFILE_MAILBOX is "<owner's
 * legacyExchangeDN>/guid=<archive GUID>" (docs/outlook-profile-format.md, corrections); the suffix
 * names the archive, the rest the mailbox it belongs to. */
static size_t dn_mailbox_len(const char *dn)
{
    size_t n = strlen(dn), ml;
    return pm_mapi_dn_split_guid(dn, n, &ml) ? ml : n;
}

static int same_dn_n(const char *a, size_t alen, const char *b)
{
    return b && strlen(b) == alen && pm_ascii_ncasecmp(a, b, alen) == 0;
}

/* "<GUID>@<domain>": the server name Exchange 2013+ and Exchange Online give each mailbox. Returns
 * the length of the GUID part (before '@') when 'name' has that form, else 0. */
static size_t guid_at_len(const char *name)
{
    const char *at = strchr(name, '@');
    if (!at || !at[1] || strchr(at + 1, '@'))
        return 0;
    size_t hex = 0;
    for (const char *p = name; p < at; p++) {
        if (*p == '-')
            continue;
        if (!((*p >= '0' && *p <= '9') || ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'f')))
            return 0;
        hex++;
    }
    return hex == 32 ? (size_t)(at - name) : 0;
}

/* ---- edits ---- */

/* Where an edit goes in the order of writes. A run cut short with no rollback (the process
 * killed while it writes the live registry) must leave a profile the next run finishes. The next
 * run works out the old identity (DN, SMTP address, servers) from the profile itself, so the
 * values it reads it from are written last, after every edit whose result depends on them:
 *   0  everything that depends on the old identity (names, the sweep, the OST path, caches)
 *   1  the Account Manager names (they depend on the old address, and old 2007 profiles read
 *      the address from them)
 *   2  SMTP addresses and servers (fixed target values), sign-in names
 *   3  the SMTP address the account's identity is read from (EMSMDB section, primary store):
 *      an archive keeps the owner's address only where it equals that one
 *   4  mailbox DNs of stores and transports, 5  the account's own DN, last of all: until it is
 *      written the account still matches its PUF line. */
static unsigned edit_rank(const char *rule, const char *name, const struct pm_section *s)
{
    const char *r = rule ? rule : "";
    if (!strcmp(r, "account.name"))
        return 1;
    if (!strcmp(r, "identity.smtp"))
        return s && (s->role == PM_ROLE_EMSMDB ||
                     (s->role == PM_ROLE_STORE && s->kind == PM_STORE_PRIMARY))
                   ? 3
                   : 2;
    if (!strcmp(r, "server.name") || !strcmp(r, "server.dn") || !strcmp(r, "identity.signin"))
        return 2;
    if (strcmp(r, "identity.dn") != 0)
        return 0;
    if (pm_name_casecmp(name, V_PROFILE_USER_A) == 0 || pm_name_casecmp(name, V_PROFILE_USER_W) == 0)
        return 5;
    return 4;
}


static uint64_t fnv_ci(uint64_t h, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        h = (h ^ (c >= 'A' && c <= 'Z' ? c + 32u : c)) * 1099511628211u;
    }
    return h;
}

/* Case-insensitive (ASCII) FNV-1a of "key\name", for the set of values already edited. Names
 * that differ only in non-ASCII case hash apart and are then compared in full: harmless. */
static uint64_t edit_hash(const char *key, const char *name)
{
    uint64_t h = fnv_ci(1469598103934665603u, key);
    h = (h ^ '\\') * 1099511628211u;
    return fnv_ci(h, name);
}

/* A section can be listed by two accounts of a damaged profile; the first decision stands.
 * Looked up in an open-addressing table of edit indexes, so planning stays linear. */
static int edit_exists(struct ctx *c, const char *key, const char *name, int *oom_out)
{
    const struct pm_plan *p = c->out;
    uint64_t h = edit_hash(key, name);
    if (c->seen_cap) {
        for (size_t i = h & (c->seen_cap - 1);; i = (i + 1) & (c->seen_cap - 1)) {
            size_t e = c->seen[i];
            if (!e)
                break;
            const struct pm_edit *ed = &p->edits[e - 1];
            if (pm_name_casecmp(ed->name, name) == 0 && pm_name_casecmp(ed->key, key) == 0)
                return 1;
        }
    }
    /* Not there: make room for the edit about to be added (load factor <= 1/2). */
    if ((p->nedits + 1) * 2 > c->seen_cap) {
        size_t ncap = c->seen_cap ? c->seen_cap * 2 : 256;
        size_t *ns = calloc(ncap, sizeof(*ns));
        if (!ns) {
            *oom_out = 1;
            return 0;
        }
        for (size_t e = 0; e < p->nedits; e++) {
            uint64_t eh = edit_hash(p->edits[e].key, p->edits[e].name);
            size_t i = eh & (ncap - 1);
            while (ns[i])
                i = (i + 1) & (ncap - 1);
            ns[i] = e + 1;
        }
        free(c->seen);
        c->seen = ns;
        c->seen_cap = ncap;
    }
    size_t i = h & (c->seen_cap - 1);
    while (c->seen[i])
        i = (i + 1) & (c->seen_cap - 1);
    c->seen[i] = p->nedits + 1; /* the index the caller's edit will get */
    return 0;
}

static int add_edit(struct ctx *c, enum pm_edit_op op, const char *key, const char *name,
                    uint32_t type, const void *data, size_t len,
                    const struct pm_section_value *old, const char *rule)
{
    if (op == PM_EDIT_SET && old && old->type == type && old->len == len &&
        (len == 0 || memcmp(old->data, data, len) == 0))
        return 0; /* already so */
    if (op == PM_EDIT_DELETE && !old)
        return 0;
    int no_memory = 0;
    if (edit_exists(c, key, name, &no_memory))
        return 0; /* a section listed twice: the first decision stands */
    if (no_memory)
        return oom(c);
    struct pm_edit *ne = realloc(c->out->edits, (c->out->nedits + 1) * sizeof(*ne));
    if (!ne)
        return oom(c);
    c->out->edits = ne;
    struct pm_edit *e = &ne[c->out->nedits];
    memset(e, 0, sizeof(*e));
    e->op = op;
    e->profile = c->profile;
    e->key = pm_strdup(key);
    e->name = pm_strdup(name);
    e->rule = rule;
    e->rank = edit_rank(rule, name, c->section);
    if (!e->key || !e->name)
        goto fail;
    if (op == PM_EDIT_SET) {
        e->type = type;
        e->len = len;
        e->data = malloc(len ? len : 1);
        if (!e->data)
            goto fail;
        if (len)
            memcpy(e->data, data, len);
    }
    if (old) {
        e->had_old = 1;
        e->old_type = old->type;
        e->old_len = old->len;
        e->old_data = malloc(old->len ? old->len : 1);
        if (!e->old_data)
            goto fail;
        if (old->len)
            memcpy(e->old_data, old->data, old->len);
    }
    c->out->nedits++;
    return 0;
fail:
    free(e->key);
    free(e->name);
    free(e->data);
    free(e->old_data);
    return oom(c);
}

static int set_text(struct ctx *c, const struct pm_section *s, const struct pm_section_value *v,
                    const char *name, uint32_t type, const char *text, const char *rule)
{
    if (pm_mapi_string_put(name, type, text, &c->enc) < 0)
        return oom(c);
    return add_edit(c, PM_EDIT_SET, s->path, name, type, c->enc.data, c->enc.len, v, rule);
}

static int set_long(struct ctx *c, const struct pm_section *s, const struct pm_section_value *v,
                    const char *name, uint32_t val, const char *rule)
{
    uint8_t b[4];
    pm_mapi_long_put(val, b);
    return add_edit(c, PM_EDIT_SET, s->path, name, v ? v->type : PM_REG_BINARY, b, 4, v, rule);
}

static int del(struct ctx *c, const struct pm_section *s, const struct pm_section_value *v,
               const char *rule)
{
    return add_edit(c, PM_EDIT_DELETE, s->path, v->name, 0, NULL, 0, v, rule);
}

/* ---- one value through its rule: one function per rule action ---- */

/* ROHFLAGS_* bits (MAPIAux.h) that a prof.config key sets; a key absent from the config (-1)
 * keeps the bit the profile has. */
static uint32_t roh_flags(const struct pm_config *cfg, uint32_t old)
{
    const struct {
        int sw;
        uint32_t bit;
    } map[] = {{cfg->proxy_ssl_only, 0x02},
               {cfg->proxy_mutual_auth, 0x04},
               {cfg->proxy_http_fast, 0x08},
               {cfg->proxy_http_slow, 0x20}};
    uint32_t f = old | 0x01; /* ROHFLAGS_USE_ROH */
    for (size_t i = 0; i < PM_ARRAY_SIZE(map); i++) {
        if (map[i].sw == 1)
            f |= map[i].bit;
        else if (map[i].sw == 0)
            f &= ~map[i].bit;
    }
    return f;
}

/* An Outlook Anywhere value kept by OutlookAnywhere=keep unless it names the source: its
 * mailbox, servers, organisation, or the source mail domain (mail.<domain> proxies). */
static int names_source(const struct ident *id, const struct pm_section_value *v)
{
    return has_trace(id, v->data, v->len) ||
           (id->old_domain && bytes_have(v->data, v->len, id->old_domain));
}

/* OST paths planned so far are kept as "<profile index>|<path>". */
static int ost_taken(struct ctx *c, const char *path)
{
    for (size_t i = 0; i < c->ost_paths.n; i++) {
        char *bar = strchr(c->ost_paths.items[i], '|');
        if (strtoul(c->ost_paths.items[i], NULL, 10) != c->profile &&
            pm_name_casecmp(bar + 1, path) == 0)
            return 1;
    }
    return 0;
}

static int ost_claim(struct ctx *c, const char *path)
{
    struct pm_buf b = PM_BUF_INIT;
    int rc = pm_buf_printf(&b, "%zu|%s", c->profile, path);
    if (rc == 0)
        rc = pm_strlist_add(&c->ost_paths, b.data);
    pm_buf_release(&b);
    return rc;
}

/* The file name Outlook gives a new OST: "<smtp>.ost", or "<smtp> - <profile>.ost" when another
 * profile of the mailbox already has the first (docs/outlook-profile-format.md, corrections).
 * The old name's pattern is kept; ForceOSTPath moves the folder. Two profiles never get one
 * file: a name already planned for another profile takes the profile suffix. The result depends
 * on the target alone, so a run cut short and run again plans the same path. */
static int new_ost_path(struct ctx *c, const char *old, const struct ident *id, struct pm_buf *out)
{
    const struct pm_profile *pr = &c->m->profiles[c->profile];
    const char *slash = strrchr(old, '\\');
    const char *fs = strrchr(old, '/');
    if (fs && (!slash || fs > slash))
        slash = fs;
    const char *base = slash ? slash + 1 : old;
    size_t dirlen = slash ? (size_t)(slash - old) + 1 : 0;
    const char *smtp = strip_smtp_prefix(id->e->target_smtp, NULL);

    struct pm_buf tail = PM_BUF_INIT;
    int suffixed = 0;
    if (pm_buf_printf(&tail, " - %s.ost", pr->name) < 0)
        return oom(c);
    size_t bl = strlen(base);
    if (bl > tail.len && pm_name_casecmp(base + bl - tail.len, tail.data) == 0)
        suffixed = 1;
    int rc = 0;
    for (int pass = 0; pass < 2 && rc == 0; pass++) {
        pm_buf_reset(out);
        if (pr->force_ost_path && *pr->force_ost_path) {
            size_t fl = strlen(pr->force_ost_path);
            rc = pm_buf_puts(out, pr->force_ost_path);
            if (rc == 0 && pr->force_ost_path[fl - 1] != '\\')
                rc = pm_buf_puts(out, "\\");
        } else {
            rc = pm_buf_append(out, old, dirlen);
        }
        if (rc == 0)
            rc = pm_buf_printf(out, "%s%s", smtp, suffixed ? tail.data : ".ost");
        if (rc < 0)
            break;
        if (!ost_taken(c, out->data) || suffixed)
            break;
        suffixed = 1; /* another profile has this name: ours takes the profile suffix */
    }
    pm_buf_release(&tail);
    if (rc < 0 || ost_claim(c, out->data) < 0)
        return oom(c);
    return 0;
}

static int add_move(struct ctx *c, const char *from)
{
    for (size_t i = 0; i < c->out->nmoves; i++)
        if (pm_name_casecmp(c->out->moves[i].from, from) == 0)
            return 0;
    struct pm_file_move *nm = realloc(c->out->moves, (c->out->nmoves + 1) * sizeof(*nm));
    if (!nm)
        return oom(c);
    c->out->moves = nm;
    struct pm_file_move *mv = &nm[c->out->nmoves];
    struct pm_buf to = PM_BUF_INIT;
    mv->profile = c->profile;
    mv->from = pm_strdup(from);
    if (pm_buf_printf(&to, "%s.pre-migration", from) < 0 || !mv->from) {
        free(mv->from);
        pm_buf_release(&to);
        return oom(c);
    }
    mv->to = pm_buf_detach(&to, NULL);
    c->out->nmoves++;
    return 0;
}

/* What one value of a migrated mailbox's section needs, given its rule (or none). */
struct value_job {
    const struct pm_section *s;
    const struct pm_section_value *v;
    const struct pm_rule *r;
    const struct ident *id;
    enum scope scope;
    int is_text; /* 1: c->text holds the value as UTF-8 */
};

/* The old DN and SMTP address replaced in c->text, into c->text2. Returns 1 when something was
 * replaced, 0 when not, <0. */
static int replace_identity(struct ctx *c, const struct ident *id)
{
    int r1 = replace_ci(c->text.data, id->old_dn, id->e->target_dn, &c->text2);
    if (r1 < 0 || !id->old_smtp)
        return r1;
    char *tmp = pm_strdup(c->text2.data);
    if (!tmp)
        return PM_ERR_NOMEM;
    int r2 = replace_ci(tmp, id->old_smtp, strip_smtp_prefix(id->e->target_smtp, NULL), &c->text2);
    free(tmp);
    return r2 < 0 ? r2 : (r1 || r2);
}

/* Values no row knows: rewritten when that removes every trace of the source, else deleted.
 * Secure (DPAPI) values are opaque and never touched. */
static int plan_sweep(struct ctx *c, const struct value_job *j)
{
    const struct pm_section_value *v = j->v;
    if (v->name[0] == 'S' && strlen(v->name) == 9)
        return 0;
    if (!has_trace(j->id, v->data, v->len))
        return 0;
    if (j->is_text > 0) {
        if (replace_identity(c, j->id) < 0)
            return oom(c);
        if (!text_has_trace(j->id, c->text2.data))
            return set_text(c, j->s, v, v->name, v->type, c->text2.data, "sweep.rewrite");
    }
    return del(c, j->s, v, "sweep.delete");
}

/* A mailbox DN. Archive and public-folder stores hold the owner's DN (the archive with its
 * /guid= suffix, kept, or replaced by the target archive GUID from the PUF); there it is
 * rewritten only where it is the owner's old DN. */
static int plan_dn(struct ctx *c, const struct value_job *j)
{
    if (j->is_text <= 0)
        return 0;
    const struct pm_puf_entry *e = j->id->e;
    size_t ml = dn_mailbox_len(c->text.data);
    if (j->scope != SCOPE_OWN && !same_dn_n(c->text.data, ml, j->id->old_dn))
        return 0;
    struct pm_buf nv = PM_BUF_INIT;
    int rc = pm_buf_puts(&nv, e->target_dn);
    if (rc == 0 && c->text.data[ml])
        rc = e->target_archive_guid ? pm_buf_printf(&nv, "/guid=%s", e->target_archive_guid)
                                    : pm_buf_puts(&nv, c->text.data + ml);
    rc = rc < 0 ? oom(c) : set_text(c, j->s, j->v, j->v->name, j->v->type, nv.data, j->r->id);
    pm_buf_release(&nv);
    return rc;
}

/* An SMTP address, keeping an "SMTP:" style prefix. Outside the mailbox itself only the owner's
 * old address is replaced. */
static int plan_smtp(struct ctx *c, const struct value_job *j)
{
    if (j->is_text <= 0)
        return 0;
    size_t pl;
    const char *bare = strip_smtp_prefix(c->text.data, &pl);
    if (j->scope != SCOPE_OWN &&
        (!j->id->old_smtp || strlen(bare) != strlen(j->id->old_smtp) ||
         pm_ascii_ncasecmp(bare, j->id->old_smtp, strlen(bare)) != 0))
        return 0;
    struct pm_buf nv = PM_BUF_INIT;
    int rc = pm_buf_append(&nv, c->text.data, pl);
    if (rc == 0)
        rc = pm_buf_puts(&nv, strip_smtp_prefix(j->id->e->target_smtp, NULL));
    rc = rc < 0 ? oom(c) : set_text(c, j->s, j->v, j->v->name, j->v->type, nv.data, j->r->id);
    pm_buf_release(&nv);
    return rc;
}

/* Names that show the old DN or address: those parts replaced. A display name "Mailbox - X" or
 * "Online Archive - X" takes the target display name when the PUF gives one, unless X is the old
 * address, which becomes the target's. */
static int plan_name(struct ctx *c, const struct value_job *j)
{
    if (j->is_text <= 0)
        return 0;
    const char *disp = j->id->e->target_display;
    if (j->r->action == PM_RA_DISPLAY && disp) {
        static const char *const prefixes[] = {"Mailbox - ", "Online Archive - "};
        for (size_t i = 0; i < PM_ARRAY_SIZE(prefixes); i++) {
            size_t pl = strlen(prefixes[i]);
            /* Exchange Online names a store "<prefix><SMTP address>": that keeps showing the
             * address, which the replacement below takes to the target's (and a run cut short
             * after writing it leaves it so). */
            const char *rest = c->text.data + pl;
            int by_address =
                (j->id->old_smtp && pm_name_casecmp(rest, j->id->old_smtp) == 0) ||
                pm_name_casecmp(rest, strip_smtp_prefix(j->id->e->target_smtp, NULL)) == 0;
            if (strncmp(c->text.data, prefixes[i], pl) == 0 && !by_address) {
                struct pm_buf nv = PM_BUF_INIT;
                int rc = pm_buf_printf(&nv, "%s%s", prefixes[i], disp);
                rc = rc < 0 ? oom(c)
                            : set_text(c, j->s, j->v, j->v->name, j->v->type, nv.data, j->r->id);
                pm_buf_release(&nv);
                return rc;
            }
        }
    }
    int any = replace_identity(c, j->id);
    if (any < 0)
        return oom(c);
    if (!any)
        return 0;
    return set_text(c, j->s, j->v, j->v->name, j->v->type, c->text2.data, j->r->id);
}

/* Server names. The mailbox's own take the PUF's target server; an archive's "<archive
 * GUID>@<domain>" keeps its GUID (a cross-tenant move keeps ArchiveGuid) or takes the PUF's
 * target archive GUID, and takes the domain of the target server. Anything else is deleted for
 * Autodiscover to fill in. */
static int plan_server(struct ctx *c, const struct value_job *j)
{
    const struct pm_puf_entry *e = j->id->e;
    if (j->is_text > 0 && j->scope == SCOPE_OWN && e->target_server)
        return set_text(c, j->s, j->v, j->v->name, j->v->type, e->target_server, j->r->id);
    const char *tdom = e->target_server ? strchr(e->target_server, '@') : NULL;
    size_t gl = j->is_text > 0 ? guid_at_len(c->text.data) : 0;
    if (j->scope == SCOPE_ARCHIVE && gl && tdom) {
        struct pm_buf nv = PM_BUF_INIT;
        int rc = e->target_archive_guid ? pm_buf_puts(&nv, e->target_archive_guid)
                                        : pm_buf_append(&nv, c->text.data, gl);
        if (rc == 0)
            rc = pm_buf_puts(&nv, tdom);
        rc = rc < 0 ? oom(c) : set_text(c, j->s, j->v, j->v->name, j->v->type, nv.data, j->r->id);
        pm_buf_release(&nv);
        return rc;
    }
    return del(c, j->s, j->v, j->r->id);
}

static int plan_server_dn(struct ctx *c, const struct value_job *j)
{
    const struct pm_puf_entry *e = j->id->e;
    if (j->scope == SCOPE_OWN && e->target_server_dn && j->is_text > 0)
        return set_text(c, j->s, j->v, j->v->name, j->v->type, e->target_server_dn, j->r->id);
    return del(c, j->s, j->v, j->r->id);
}

/* The sign-in name (the modern-auth home-realm hint): the PUF's target UPN, else deleted so
 * Outlook asks for it from the target. */
static int plan_signin(struct ctx *c, const struct value_job *j)
{
    const char *upn = j->id->e->target_upn;
    if (j->is_text > 0 && upn)
        return set_text(c, j->s, j->v, j->v->name, j->v->type, upn, j->r->id);
    return del(c, j->s, j->v, j->r->id);
}

/* Outlook Anywhere values from prof.config. keep leaves every value except those naming the
 * source; disable clears the flags and drops the proxy; enable writes the config's values, with
 * flag keys the config does not set keeping their bits. */
static int plan_roh(struct ctx *c, const struct value_job *j)
{
    const struct pm_config *cfg = c->cfg;
    const struct pm_section_value *v = j->v;
    const char *rid = j->r->id;
    if (cfg->outlook_anywhere == PM_KEEP)
        return j->r->action != PM_RA_ROH_FLAGS && j->r->action != PM_RA_ROH_AUTH &&
                       names_source(j->id, v)
                   ? del(c, j->s, v, rid)
                   : 0;
    int on = cfg->outlook_anywhere == PM_ENABLE;
    switch (j->r->action) {
    case PM_RA_ROH_SERVER:
        if (on && cfg->proxy_server)
            return set_text(c, j->s, v, v->name, v->type, cfg->proxy_server, rid);
        return del(c, j->s, v, rid);
    case PM_RA_ROH_PRINCIPAL:
        if (on && cfg->proxy_principal)
            return set_text(c, j->s, v, v->name, v->type, cfg->proxy_principal, rid);
        return del(c, j->s, v, rid);
    case PM_RA_ROH_AUTH:
        if (on && cfg->proxy_auth != PM_PROXY_AUTH_UNSET)
            return set_long(c, j->s, v, v->name, (uint32_t)cfg->proxy_auth, rid);
        return del(c, j->s, v, rid);
    default: {
        uint32_t old = 0;
        if (!pm_mapi_long_get(v->data, v->len, &old))
            old = 0;
        return set_long(c, j->s, v, v->name, on ? roh_flags(cfg, old) : 0, rid);
    }
    }
}

static int plan_cache_flags(struct ctx *c, const struct value_job *j)
{
    const struct pm_config *cfg = c->cfg;
    uint32_t f;
    if (!pm_mapi_long_get(j->v->data, j->v->len, &f))
        return 0;
    uint32_t n = f;
    const struct {
        enum pm_switch sw;
        uint32_t bits;
    } map[] = {{cfg->cached_mode, 0x180},
               {cfg->download_pf_fav, 0x400},
               {cfg->download_shared, 0x800}};
    for (size_t i = 0; i < PM_ARRAY_SIZE(map); i++) {
        if (map[i].sw == PM_ENABLE)
            n |= map[i].bits;
        else if (map[i].sw == PM_DISABLE)
            n &= ~map[i].bits;
    }
    return set_long(c, j->s, j->v, j->v->name, n, j->r->id);
}

static int plan_ost(struct ctx *c, const struct value_job *j)
{
    const struct pm_config *cfg = c->cfg;
    if (cfg->ost_action == PM_OST_KEEP || j->is_text <= 0 || !c->text.len)
        return 0;
    if (cfg->ost_action == PM_OST_RESET)
        return del(c, j->s, j->v, j->r->id);
    char *old = pm_strdup(c->text.data);
    struct pm_buf np = PM_BUF_INIT;
    int rc = old ? new_ost_path(c, old, j->id, &np) : oom(c);
    if (rc == 0)
        rc = set_text(c, j->s, j->v, j->v->name, j->v->type, np.data, j->r->id);
    if (rc == 0)
        rc = add_move(c, old);
    free(old);
    pm_buf_release(&np);
    return rc;
}

static int plan_abeid(struct ctx *c, const struct value_job *j)
{
    const char *dn, *target = j->id->e->target_dn;
    size_t dnlen;
    if (pm_mapi_abeid_dn(j->v->data, j->v->len, &dn, &dnlen)) {
        if (dnlen == strlen(target) && pm_ascii_ncasecmp(dn, target, dnlen) == 0)
            return 0;
        if (pm_mapi_abeid_with_dn(j->v->data, j->v->len, target, &c->enc) < 0)
            return oom(c);
        return add_edit(c, PM_EDIT_SET, j->s->path, j->v->name, j->v->type, c->enc.data,
                        c->enc.len, j->v, j->r->id);
    }
    return has_trace(j->id, j->v->data, j->v->len) ? del(c, j->s, j->v, j->r->id) : 0;
}

static int plan_store_eid(struct ctx *c, const struct value_job *j);

static int plan_value(struct ctx *c, const struct pm_section *s, unsigned role,
                      const struct pm_section_value *v, const struct ident *id, enum scope scope)
{
    struct value_job j = {s, v, pm_rule_find(v->name, role), id, scope, 0};
    j.is_text = pm_mapi_string_get(v->name, v->type, v->data, v->len, &c->text);
    if (j.is_text < 0)
        return oom(c);
    if (!j.r)
        return plan_sweep(c, &j);
    switch (j.r->action) {
    case PM_RA_KEEP: return 0;
    case PM_RA_DN: return plan_dn(c, &j);
    case PM_RA_SMTP: return plan_smtp(c, &j);
    case PM_RA_DISPLAY:
    case PM_RA_NAME: return plan_name(c, &j);
    case PM_RA_SERVER: return plan_server(c, &j);
    case PM_RA_SERVER_DN: return plan_server_dn(c, &j);
    case PM_RA_SIGNIN: return plan_signin(c, &j);
    case PM_RA_CRED_DOMAIN:
        return j.is_text > 0 && !c->text.len ? 0 : del(c, s, v, j.r->id);
    case PM_RA_STORE_EID: return plan_store_eid(c, &j);
    case PM_RA_DELETE: return del(c, s, v, j.r->id);
    case PM_RA_ROH_SERVER:
    case PM_RA_ROH_FLAGS:
    case PM_RA_ROH_AUTH:
    case PM_RA_ROH_PRINCIPAL: return plan_roh(c, &j);
    case PM_RA_CACHE_FLAGS: return plan_cache_flags(c, &j);
    case PM_RA_OST: return plan_ost(c, &j);
    case PM_RA_ABEID: return plan_abeid(c, &j);
    case PM_RA_STORE_LIST:
    case PM_RA_STORE_NAMES:
    case PM_RA_STORE_EMBED: return 0; /* sections of no account: plan_linked */
    }
    return 0;
}

static unsigned role_mask(const struct pm_section *s)
{
    switch (s->role) {
    case PM_ROLE_EMSMDB:
    case PM_ROLE_RESIDUE:
        return PM_RM_EMSMDB;
    case PM_ROLE_STORE:
        return s->kind == PM_STORE_PRIMARY ? PM_RM_PRIMARY : PM_RM_STORE;
    case PM_ROLE_TRANSPORT:
        return PM_RM_TRANSPORT;
    case PM_ROLE_SERVICE:
        return PM_RM_SERVICE;
    case PM_ROLE_ADDRBOOK:
        return PM_RM_ADDRBOOK;
    case PM_ROLE_ACCOUNT:
        return PM_RM_ACCOUNT;
    case PM_ROLE_CONTAB:
        return PM_RM_CONTAB;
    case PM_ROLE_OUTLOOK_GLOBAL:
        return PM_RM_GLOBAL;
    }
    return 0;
}

/* Values the account's EMSMDB section must carry after an update even when it had none. */
static int plan_missing(struct ctx *c, const struct pm_section *s, const struct ident *id)
{
    const struct pm_config *cfg = c->cfg;
    int rc = 0;
    if (!pm_section_get(s, V_SMTP_W) && !pm_section_get(s, V_SMTP_A))
        rc = set_text(c, s, NULL, V_SMTP_W, PM_REG_BINARY,
                      strip_smtp_prefix(id->e->target_smtp, NULL), "identity.smtp");
    if (rc == 0 && cfg->outlook_anywhere == PM_ENABLE) {
        if (!pm_section_get(s, V_ROH_FLAGS))
            rc = set_long(c, s, NULL, V_ROH_FLAGS, roh_flags(cfg, 0), "config.proxy");
        if (rc == 0 && cfg->proxy_server && !pm_section_get(s, V_ROH_PROXY_SERVER))
            rc = set_text(c, s, NULL, V_ROH_PROXY_SERVER, PM_REG_BINARY, cfg->proxy_server, "config.proxy");
        if (rc == 0 && cfg->proxy_principal && !pm_section_get(s, V_ROH_PROXY_PRINCIPAL))
            rc = set_text(c, s, NULL, V_ROH_PROXY_PRINCIPAL, PM_REG_BINARY, cfg->proxy_principal,
                          "config.proxy");
        if (rc == 0 && cfg->proxy_auth != PM_PROXY_AUTH_UNSET && !pm_section_get(s, V_ROH_PROXY_AUTH))
            rc = set_long(c, s, NULL, V_ROH_PROXY_AUTH, (uint32_t)cfg->proxy_auth, "config.proxy");
    }
    return rc;
}

static int plan_section(struct ctx *c, const struct pm_section *s, const struct ident *id,
                        enum scope scope)
{
    unsigned role = role_mask(s);
    c->section = s;
    for (size_t i = 0; i < s->nvalues; i++) {
        int rc = plan_value(c, s, role, &s->values[i], id, scope);
        if (rc < 0)
            return rc;
    }
    if (s->role == PM_ROLE_EMSMDB)
        return plan_missing(c, s, id);
    return 0;
}

/* ---- identities and decisions ---- */

static int ident_init(struct ctx *c, struct ident *id, const struct pm_puf_entry *e,
                      const char *old_dn, const char *old_smtp)
{
    memset(id, 0, sizeof(*id));
    id->e = e;
    id->old_dn = old_dn;
    if (old_dn && old_dn[dn_mailbox_len(old_dn)]) {
        /* An archive's DN: the identity is the mailbox it belongs to. */
        if (!(id->own_dn = pm_strndup(old_dn, dn_mailbox_len(old_dn))))
            return oom(c);
        id->old_dn = id->own_dn;
    }
    old_dn = id->old_dn;
    id->old_smtp = old_smtp ? strip_smtp_prefix(old_smtp, NULL) : NULL;
    if (id->old_smtp && !*id->old_smtp)
        id->old_smtp = NULL;
    /* The source mail domain, which Outlook Anywhere proxies are named after, unless the move
     * kept it. */
    const char *od = id->old_smtp ? strchr(id->old_smtp, '@') : NULL;
    const char *td = strchr(strip_smtp_prefix(e->target_smtp, NULL), '@');
    if (od && od[1] && (!td || pm_name_casecmp(od, td) != 0) && !(id->old_domain = pm_strdup(od + 1)))
        return oom(c);
    /* "/o=Org" of the source, unless the target lives in the same organisation (tenant to
     * tenant moves keep /o=ExchangeLabs). */
    if (old_dn && pm_ascii_ncasecmp(old_dn, "/o=", 3) == 0) {
        const char *end = strchr(old_dn + 3, '/');
        size_t n = end ? (size_t)(end - old_dn) : strlen(old_dn);
        int same = strlen(e->target_dn) >= n && pm_ascii_ncasecmp(e->target_dn, old_dn, n) == 0 &&
                   (e->target_dn[n] == '/' || e->target_dn[n] == 0);
        if (!same && n > 3) {
            id->org_marker = malloc(n + 2);
            if (!id->org_marker)
                return oom(c);
            memcpy(id->org_marker, old_dn, n);
            id->org_marker[n] = '/';
            id->org_marker[n + 1] = 0;
        }
    }
    return 0;
}

static void ident_release(struct ident *id)
{
    free(id->org_marker);
    free(id->old_domain);
    free(id->own_dn);
    pm_strlist_release(&id->old_servers);
}

/* Old server names shown in these sections, so the sweep recognizes them. */
static int ident_add_servers(struct ctx *c, struct ident *id, const struct pm_section *s)
{
    static const char *const names[] = {V_HOME_SERVER_A, V_HOME_SERVER_W, V_UNRESOLVED_SERVER_A, V_UNRESOLVED_SERVER_W,
                                        V_HOME_SERVER_FQDN, V_SERVER_A, V_SERVER_W, V_SERVER_FQDN};
    for (size_t i = 0; i < PM_ARRAY_SIZE(names); i++) {
        const struct pm_section_value *v = pm_section_get(s, names[i]);
        if (!v || pm_mapi_string_get(v->name, v->type, v->data, v->len, &c->text) <= 0)
            continue;
        if (c->text.len < 6 || pm_strlist_find(&id->old_servers, c->text.data) >= 0)
            continue;
        if (id->e->target_server && pm_name_casecmp(c->text.data, id->e->target_server) == 0)
            continue;
        if (pm_strlist_add(&id->old_servers, c->text.data) < 0)
            return oom(c);
    }
    return 0;
}

void pm_plan_query_init(struct pm_puf_query *q, const char *key)
{
    memset(q, 0, sizeof(*q));
    if (pm_plan_query_is_smtp(key)) {
        q->by = PM_PUF_BY_SMTP;
        q->smtp = key;
    } else {
        q->dn = key;
    }
}

static const struct pm_puf_query *answer(const struct pm_puf_query *q, size_t nq, const char *key)
{
    for (size_t i = 0; i < nq; i++) {
        const char *k = q[i].by == PM_PUF_BY_SMTP ? q[i].smtp : q[i].dn;
        if (k && strlen(k) == strlen(key) && pm_ascii_ncasecmp(k, key, strlen(key)) == 0)
            return &q[i];
    }
    return NULL;
}

static int decide(struct ctx *c, size_t account, long section, const char *dn,
                  const struct pm_puf_query *a, enum pm_decision_kind *kind)
{
    struct pm_decision *nd = realloc(c->out->decisions, (c->out->ndecisions + 1) * sizeof(*nd));
    if (!nd)
        return oom(c);
    c->out->decisions = nd;
    struct pm_decision *d = &nd[c->out->ndecisions];
    memset(d, 0, sizeof(*d));
    d->profile = c->profile;
    d->account = account;
    d->section = section;
    struct pm_buf why = PM_BUF_INIT;
    int rc = 0;
    if (!dn) {
        d->kind = PM_DEC_SKIPPED;
        rc = pm_buf_puts(&why, "the profile names no mailbox DN");
    } else if (!a || a->match == PM_PUF_NONE) {
        d->kind = PM_DEC_NOT_IN_PUF;
        rc = pm_buf_puts(&why, "not in the PUF: not migrated yet");
    } else if (a->match == PM_PUF_TARGET) {
        d->kind = PM_DEC_CURRENT;
        rc = pm_buf_printf(&why, "already points at the target (PUF line %u)", a->entry.line);
        d->puf_line = a->entry.line;
    } else if (a->match == PM_PUF_CONFLICT) {
        d->kind = PM_DEC_SKIPPED;
        rc = pm_buf_printf(&why, "PUF lines %u and %u give different targets; not guessed",
                           a->entry.line, a->conflict_line);
        d->puf_line = a->entry.line;
    } else {
        d->kind = PM_DEC_UPDATED;
        rc = pm_buf_printf(&why, "migrated (PUF line %u)", a->entry.line);
        d->puf_line = a->entry.line;
        d->target_dn = pm_strdup(a->entry.target_dn);
        if (!d->target_dn)
            rc = PM_ERR_NOMEM;
    }
    d->dn = dn ? pm_strdup(dn) : NULL;
    d->reason = rc == 0 ? pm_buf_detach(&why, NULL) : NULL;
    pm_buf_release(&why);
    if (rc < 0 || !d->reason || (dn && !d->dn)) {
        free(d->dn);
        free(d->reason);
        free(d->target_dn);
        return oom(c);
    }
    c->out->ndecisions++;
    *kind = d->kind;
    return 0;
}

static int decide_damaged(struct ctx *c, size_t account, long section, const char *dn,
                          const char *why, enum pm_decision_kind *kind)
{
    int rc = decide(c, account, section, NULL, NULL, kind);
    if (rc < 0)
        return rc;
    struct pm_decision *d = &c->out->decisions[c->out->ndecisions - 1];
    char *reason = pm_strdup(why), *copy = dn ? pm_strdup(dn) : NULL;
    if (!reason || (dn && !copy)) {
        free(reason);
        free(copy);
        return oom(c);
    }
    free(d->reason);
    d->reason = reason;
    d->dn = copy;
    return 0;
}

/* ---- sections of no account that point at migrated mailboxes ---- */

static int moved_add(struct ctx *c, const char *dn, const char *smtp, const struct pm_puf_entry *e)
{
    struct moved *nm = realloc(c->moved, (c->nmoved + 1) * sizeof(*nm));
    if (!nm)
        return oom(c);
    c->moved = nm;
    struct moved *m = &nm[c->nmoved];
    m->old_dn = dn ? pm_strndup(dn, dn_mailbox_len(dn)) : NULL;
    m->old_smtp = smtp ? pm_strdup(strip_smtp_prefix(smtp, NULL)) : NULL;
    m->e = e;
    if ((dn && !m->old_dn) || (smtp && !m->old_smtp)) {
        free(m->old_dn);
        free(m->old_smtp);
        return oom(c);
    }
    c->nmoved++;
    return 0;
}

static void moved_clear(struct ctx *c)
{
    for (size_t i = 0; i < c->nmoved; i++) {
        free(c->moved[i].old_dn);
        free(c->moved[i].old_smtp);
    }
    c->nmoved = 0;
}

/* What the store EntryID callbacks need: the plan, the text they build, and whether an EntryID
 * of a migrated mailbox could not be rebuilt (no target server in the PUF). */
struct eid_job {
    struct ctx *c;
    struct pm_buf dn, server;
    int unbuildable;
};

static const struct moved *moved_by_dn(const struct ctx *c, const char *dn, size_t len)
{
    size_t ml;
    if (pm_mapi_dn_split_guid(dn, len, &ml))
        len = ml;
    for (size_t i = 0; i < c->nmoved; i++)
        if (c->moved[i].old_dn && same_dn_n(dn, len, c->moved[i].old_dn))
            return &c->moved[i];
    return NULL;
}

/* A store EntryID of a migrated mailbox is rebuilt with the target server and DN; an archive's
 * keeps its /guid= suffix (or takes PUF field 9) and its server becomes "<archive GUID>@<target
 * domain>", as in the store's own section. */
static int eid_decide(const struct pm_storeeid *eid, struct pm_storeeid_edit *ed, void *ctx)
{
    struct eid_job *j = ctx;
    if (!eid->dn)
        return 0;
    const struct moved *m = moved_by_dn(j->c, eid->dn, eid->dn_len);
    if (!m)
        return 0;
    const struct pm_puf_entry *e = m->e;
    size_t ml = eid->dn_len;
    int archive = pm_mapi_dn_split_guid(eid->dn, eid->dn_len, &ml);
    const char *tdom = e->target_server ? strchr(e->target_server, '@') : NULL;
    pm_buf_reset(&j->dn);
    pm_buf_reset(&j->server);
    int rc = pm_buf_puts(&j->dn, e->target_dn);
    if (rc == 0 && archive)
        rc = e->target_archive_guid
                 ? pm_buf_printf(&j->dn, "/guid=%s", e->target_archive_guid)
                 : pm_buf_append(&j->dn, eid->dn + ml, eid->dn_len - ml);
    if (rc < 0)
        return PM_ERR_NOMEM;
    if (!archive && e->target_server) {
        rc = pm_buf_puts(&j->server, e->target_server);
    } else if (archive && tdom) {
        size_t gl = 0;
        while (gl < eid->server_len && eid->server[gl] != '@')
            gl++;
        rc = e->target_archive_guid ? pm_buf_puts(&j->server, e->target_archive_guid)
                                    : pm_buf_append(&j->server, eid->server, gl);
        if (rc == 0)
            rc = pm_buf_puts(&j->server, tdom);
    } else {
        j->unbuildable = 1; /* no server to point it at: the value goes */
        return 0;
    }
    if (rc < 0)
        return PM_ERR_NOMEM;
    memset(ed, 0, sizeof(*ed));
    ed->server = j->server.data;
    ed->dn = j->dn.data;
    if (eid->v3_smtp)
        ed->v3_smtp = strip_smtp_prefix(e->target_smtp, NULL);
    return 1;
}

/* The value names a migrated mailbox (its DN) in bytes, 8-bit or UTF-16. */
static int names_moved(const struct ctx *c, const struct pm_section_value *v)
{
    for (size_t i = 0; i < c->nmoved; i++)
        if (c->moved[i].old_dn && bytes_have(v->data, v->len, c->moved[i].old_dn))
            return 1;
    return 0;
}

static int warn_value(struct ctx *c, const struct pm_section *s, const struct pm_section_value *v,
                      const char *why)
{
    struct pm_buf w = PM_BUF_INIT;
    int rc = pm_buf_printf(&w, "%s: value '%s' %s; left alone", s->path, v->name, why);
    if (rc == 0)
        rc = pm_strlist_add(&c->out->warnings, w.data);
    pm_buf_release(&w);
    return rc < 0 ? oom(c) : 0;
}

/* A value that is one store EntryID (the account's delivery store): rebuilt for the target, or
 * deleted when it names a migrated mailbox and cannot be rebuilt. */
static int plan_store_eid(struct ctx *c, const struct value_job *vj)
{
    struct eid_job j = {c, PM_BUF_INIT, PM_BUF_INIT, 0};
    struct pm_storeeid eid;
    struct pm_storeeid_edit ed;
    int rc = 0;
    if (!pm_storeeid_read(vj->v->data, vj->v->len, 0, &eid))
        rc = names_moved(c, vj->v) ? warn_value(c, vj->s, vj->v, "is not a store EntryID") : 0;
    else if ((rc = eid_decide(&eid, &ed, &j)) > 0)
        rc = pm_storeeid_rewrite(vj->v->data, vj->v->len, &ed, &c->enc) < 0
                 ? oom(c)
                 : add_edit(c, PM_EDIT_SET, vj->s->path, vj->v->name, vj->v->type, c->enc.data,
                            c->enc.len, vj->v, vj->r->id);
    else if (rc == 0 && j.unbuildable)
        rc = del(c, vj->s, vj->v, vj->r->id);
    else if (rc < 0)
        rc = oom(c);
    pm_buf_release(&j.dn);
    pm_buf_release(&j.server);
    return rc;
}

static int plan_store_list(struct ctx *c, const struct pm_section *s,
                           const struct pm_section_value *v, const struct pm_rule *r)
{
    struct eid_job j = {c, PM_BUF_INIT, PM_BUF_INIT, 0};
    struct pm_storeeid_stats st = {0};
    int rc = r->action == PM_RA_STORE_LIST
                 ? pm_storeeid_rewrite_mv(v->data, v->len, eid_decide, &j, &c->enc, &st)
                 : pm_storeeid_rewrite_embedded(v->data, v->len, eid_decide, &j, &c->enc, &st);
    pm_buf_release(&j.dn);
    pm_buf_release(&j.server);
    if (rc < 0)
        return rc == PM_ERR_NOMEM ? oom(c) : rc;
    if (r->action == PM_RA_STORE_LIST && rc == 0)
        return names_moved(c, v) ? warn_value(c, s, v, "is not a list of store EntryIDs") : 0;
    /* A structure whose inner lengths would change, or an EntryID with no target server to
     * point at: the value goes, as in a profile Outlook has not yet filled in. */
    if (j.unbuildable || st.refused)
        return del(c, s, v, r->id);
    if (st.rewritten)
        return add_edit(c, PM_EDIT_SET, s->path, v->name, v->type, c->enc.data, c->enc.len, v,
                        r->id);
    return 0;
}

/* Store names beside a store list: an entry that is a migrated mailbox's old address or DN. */
static int plan_store_names(struct ctx *c, const struct pm_section *s,
                            const struct pm_section_value *v, const struct pm_rule *r)
{
    enum pm_mv_kind kind;
    struct pm_mv_list l = PM_MV_LIST_INIT;
    if (!pm_mv_kind_of(v->name, &kind))
        return 0;
    int rc = pm_mv_parse(kind, v->data, v->len, &l);
    if (rc < 0)
        return oom(c);
    if (rc == 0)
        return names_moved(c, v) ? warn_value(c, s, v, "is not a list of strings") : 0;
    struct pm_buf *nb = calloc(l.n ? l.n : 1, sizeof(*nb));
    int changed = 0;
    rc = nb ? 0 : PM_ERR_NOMEM;
    for (size_t i = 0; rc == 0 && i < l.n; i++) {
        if ((rc = pm_mv_text(&l, i, &c->text)) < 0)
            break;
        const char *bare = strip_smtp_prefix(c->text.data, NULL);
        for (size_t k = 0; k < c->nmoved; k++) {
            const struct moved *m = &c->moved[k];
            const char *to = NULL;
            if (m->old_smtp && pm_name_casecmp(bare, m->old_smtp) == 0)
                to = strip_smtp_prefix(m->e->target_smtp, NULL);
            else if (m->old_dn && pm_name_casecmp(c->text.data, m->old_dn) == 0)
                to = m->e->target_dn;
            if (!to)
                continue;
            if ((rc = pm_mv_text_put(kind, to, &nb[i])) == 0) {
                l.items[i].data = (const uint8_t *)nb[i].data;
                l.items[i].len = nb[i].len;
                changed = 1;
            }
            break;
        }
    }
    if (rc == 0 && changed)
        rc = pm_mv_serialise(&l, &c->enc);
    if (rc == 0 && changed)
        rc = add_edit(c, PM_EDIT_SET, s->path, v->name, v->type, c->enc.data, c->enc.len, v,
                      r->id);
    else if (rc == PM_ERR_INVALID)
        rc = warn_value(c, s, v, "cannot take the target's name in its encoding");
    else if (rc < 0)
        rc = oom(c);
    for (size_t i = 0; nb && i < l.n; i++)
        pm_buf_release(&nb[i]);
    free(nb);
    pm_mv_list_release(&l);
    return rc;
}

/* The profile's sections of no account, for the mailboxes this plan found migrated. Only the
 * values the rule table names are read: nothing else outside the accounts is edited. */
static int plan_linked(struct ctx *c)
{
    const struct pm_profile *pr = &c->m->profiles[c->profile];
    int rc = 0;
    for (size_t i = 0; rc == 0 && c->nmoved && i < pr->nlinked; i++) {
        const struct pm_section *s = &pr->linked[i];
        c->section = s;
        for (size_t k = 0; rc == 0 && k < s->nvalues; k++) {
            const struct pm_section_value *v = &s->values[k];
            const struct pm_rule *r = pm_rule_find(v->name, role_mask(s));
            if (!r)
                continue;
            if (r->action == PM_RA_STORE_LIST || r->action == PM_RA_STORE_EMBED)
                rc = plan_store_list(c, s, v, r);
            else if (r->action == PM_RA_STORE_NAMES)
                rc = plan_store_names(c, s, v, r);
        }
    }
    return rc;
}

/* Which mailbox a section holds. The account's own sections, its primary store, its public
 * folders and its own archive (no DN, or the owner's DN with a /guid= suffix) belong to the
 * account; a delegate or shared store never does, whatever DN it holds or lacks, nor an archive
 * of another mailbox. 'target_dn' is the account's target when it is being updated: a run cut
 * short may have rewritten the archive's DN already. Returns the scope, or -1 for a store of
 * another mailbox. */
static int section_scope(const struct pm_account *a, const struct pm_section *s,
                         const char *target_dn)
{
    if (s->role != PM_ROLE_STORE || s->kind == PM_STORE_PRIMARY)
        return SCOPE_OWN;
    if (s->kind == PM_STORE_PUBLIC)
        return SCOPE_PUBLIC;
    if (s->kind != PM_STORE_ARCHIVE)
        return -1;
    size_t ml = s->mailbox_dn ? dn_mailbox_len(s->mailbox_dn) : 0;
    if (!s->mailbox_dn || !s->mailbox_dn[ml] || same_dn_n(s->mailbox_dn, ml, a->dn) ||
        same_dn_n(s->mailbox_dn, ml, target_dn))
        return SCOPE_ARCHIVE;
    return -1;
}

/* A store's SMTP address (PR_PROFILE_USER_SMTP_EMAIL_ADDRESS, "SMTP:" dropped) into c->text2;
 * 1 when it has one, 0 when not. */
static int store_smtp(struct ctx *c, const struct pm_section *s)
{
    static const char *const names[] = {V_SMTP_W, V_SMTP_A};
    for (size_t i = 0; i < PM_ARRAY_SIZE(names); i++) {
        const struct pm_section_value *v = pm_section_get(s, names[i]);
        if (!v || pm_mapi_string_get(v->name, v->type, v->data, v->len, &c->text) <= 0)
            continue;
        const char *bare = strip_smtp_prefix(c->text.data, NULL);
        pm_buf_reset(&c->text2);
        if (*bare && strchr(bare, '@'))
            return pm_buf_puts(&c->text2, bare) < 0 ? PM_ERR_NOMEM : 1;
    }
    return 0;
}

/* The PUF key a store of another mailbox is looked up by: its mailbox DN (an archive's without
 * the suffix), else its SMTP address (Outlook 2016+ adds shared mailboxes by address alone until
 * they first connect). Owned string in *key, NULL when the store names neither. */
static int store_key(struct ctx *c, const struct pm_section *s, char **key)
{
    *key = NULL;
    if (s->mailbox_dn) {
        *key = pm_strndup(s->mailbox_dn, dn_mailbox_len(s->mailbox_dn));
        return *key ? 0 : oom(c);
    }
    int rc = store_smtp(c, s);
    if (rc < 0)
        return oom(c);
    if (rc > 0 && !(*key = pm_strdup(c->text2.data)))
        return oom(c);
    return 0;
}

/* The account's own stores once it moves: its identity (DN, SMTP address, servers) gathered
 * from every section it owns, then each section in scope re-pointed with it. */
static int plan_own_sections(struct ctx *c, const struct pm_account *a,
                             const struct pm_puf_query *ans)
{
    struct ident id;
    int rc;
    if ((rc = ident_init(c, &id, &ans->entry, a->dn, a->smtp)) < 0)
        return rc;
    for (size_t i = 0; rc == 0 && i < a->nsections; i++)
        if (section_scope(a, &a->sections[i], NULL) == SCOPE_OWN)
            rc = ident_add_servers(c, &id, &a->sections[i]);
    for (size_t i = 0; rc == 0 && i < a->nsections; i++) {
        int scope = section_scope(a, &a->sections[i], ans->entry.target_dn);
        if (scope >= 0)
            rc = plan_section(c, &a->sections[i], &id, (enum scope)scope);
    }
    ident_release(&id);
    return rc;
}

/* Store i of the account when it is another mailbox's (delegate, shared, their archives): it is
 * decided on its own PUF line, found by the mailbox it names, and re-pointed with that mailbox's
 * identity. A store that names no mailbox is left alone with a warning. <0 on error. */
static int plan_other_store(struct ctx *c, size_t ai, size_t i, const struct pm_puf_query *q,
                            size_t nq)
{
    const struct pm_account *a = &c->m->profiles[c->profile].accounts[ai];
    const struct pm_section *s = &a->sections[i];
    enum pm_decision_kind kind;
    int rc;
    if (s->damaged)
        return decide_damaged(c, ai, (long)i, s->mailbox_dn,
                              "the store's mailbox DN is damaged (see the warning); left alone",
                              &kind);
    char *key = NULL;
    if ((rc = store_key(c, s, &key)) < 0)
        return rc;
    if (!key) {
        struct pm_buf why = PM_BUF_INIT;
        rc = pm_buf_printf(&why, "'%s' names no mailbox (no PR_PROFILE_MAILBOX, no SMTP "
                                 "address); left alone",
                           s->path) < 0
                 ? oom(c)
                 : decide_damaged(c, ai, (long)i, NULL, why.data, &kind);
        if (rc == 0 && pm_strlist_add(&c->out->warnings, why.data) < 0)
            rc = oom(c);
        pm_buf_release(&why);
        return rc;
    }
    const struct pm_puf_query *sa = answer(q, nq, key);
    rc = decide(c, ai, (long)i, key, sa, &kind);
    free(key);
    if (rc == 0 && kind == PM_DEC_CURRENT)
        rc = moved_add(c, sa->entry.source_dn, sa->entry.source_smtp, &sa->entry);
    if (rc < 0)
        return rc;
    if (kind != PM_DEC_UPDATED)
        return 0;
    char *smtp = NULL;
    if ((rc = store_smtp(c, s)) < 0 || (rc > 0 && !(smtp = pm_strdup(c->text2.data))))
        return oom(c);
    if ((rc = moved_add(c, s->mailbox_dn, smtp, &sa->entry)) < 0) {
        free(smtp);
        return rc;
    }
    struct ident id;
    rc = ident_init(c, &id, &sa->entry, s->mailbox_dn, smtp);
    if (rc == 0)
        rc = ident_add_servers(c, &id, s);
    if (rc == 0)
        rc = plan_section(c, s, &id, s->kind == PM_STORE_ARCHIVE ? SCOPE_ARCHIVE : SCOPE_OWN);
    ident_release(&id);
    free(smtp);
    return rc;
}

/* Account ai of the current profile: its own decision (and its own stores when it moves), then
 * each store of another mailbox it holds. */
static int plan_account(struct ctx *c, size_t ai, const struct pm_puf_query *q, size_t nq)
{
    const struct pm_account *a = &c->m->profiles[c->profile].accounts[ai];
    const struct pm_puf_query *ans = a->dn && !a->damaged ? answer(q, nq, a->dn) : NULL;
    enum pm_decision_kind kind;
    int rc = a->damaged ? decide_damaged(c, ai, -1, a->dn, "the account's profile data is "
                                                           "damaged (see the warning); left alone",
                                         &kind)
                        : decide(c, ai, -1, a->dn, ans, &kind);
    if (rc < 0)
        return rc;
    if ((kind == PM_DEC_UPDATED || kind == PM_DEC_CURRENT) &&
        (rc = kind == PM_DEC_UPDATED ? moved_add(c, a->dn, a->smtp, &ans->entry)
                                     : moved_add(c, ans->entry.source_dn,
                                                 ans->entry.source_smtp, &ans->entry)) < 0)
        return rc;
    if (kind == PM_DEC_UPDATED && (rc = plan_own_sections(c, a, ans)) < 0)
        return rc;
    /* Stores of other mailboxes (delegate, shared, their archives): each on its own PUF line. */
    for (size_t i = 0; i < a->nsections; i++) {
        const struct pm_section *s = &a->sections[i];
        if (section_scope(a, s, ans && ans->match == PM_PUF_SOURCE ? ans->entry.target_dn : NULL) >=
            0)
            continue;
        if ((rc = plan_other_store(c, ai, i, q, nq)) < 0)
            return rc;
    }
    return 0;
}

static void order_edits(struct pm_plan *p)
{
    /* A stable partition in place: ranks are few, edits are hundreds. */
    size_t out = 0;
    for (unsigned rank = 0; rank <= 5; rank++) {
        for (size_t i = out; i < p->nedits; i++) {
            if (p->edits[i].rank != rank)
                continue;
            struct pm_edit e = p->edits[i];
            memmove(&p->edits[out + 1], &p->edits[out], (i - out) * sizeof(e));
            p->edits[out++] = e;
        }
    }
}

int pm_plan_queries(const struct pm_model *m, struct pm_strlist *dns)
{
    for (size_t p = 0; p < m->nprofiles; p++) {
        const struct pm_profile *pr = &m->profiles[p];
        for (size_t a = 0; a < pr->naccounts; a++) {
            const struct pm_account *acc = &pr->accounts[a];
            if (acc->dn && pm_strlist_find(dns, acc->dn) < 0 && pm_strlist_add(dns, acc->dn) < 0)
                return PM_ERR_NOMEM;
            for (size_t i = 0; i < acc->nsections; i++) {
                const struct pm_section *s = &acc->sections[i];
                if (s->role != PM_ROLE_STORE || section_scope(acc, s, NULL) >= 0)
                    continue;
                struct ctx c = {0};
                struct pm_error err;
                char *key = NULL;
                c.err = &err;
                int rc = store_key(&c, s, &key);
                pm_buf_release(&c.text);
                pm_buf_release(&c.text2);
                if (rc < 0)
                    return PM_ERR_NOMEM;
                if (key && pm_strlist_find(dns, key) < 0 && pm_strlist_add(dns, key) < 0) {
                    free(key);
                    return PM_ERR_NOMEM;
                }
                free(key);
            }
        }
    }
    return 0;
}

/* Outlook 2016 and later connect to Exchange Online over MAPI/HTTP and ignore the Outlook
 * Anywhere values; OutlookAnywhere=enable then changes nothing that matters, which the run says
 * once rather than leaving the admin to wonder. */
static int warn_roh_ignored(struct ctx *c)
{
    static const char *const mapihttp[] = {V_MAPIHTTP_STORE_INT, V_MAPIHTTP_STORE_EXT, V_MAPIHTTP_AB_INT, V_MAPIHTTP_AB_EXT};
    if (c->cfg->outlook_anywhere != PM_ENABLE)
        return 0;
    for (size_t p = 0; p < c->m->nprofiles; p++) {
        const struct pm_profile *pr = &c->m->profiles[p];
        if (!strstr(pr->root, "\\16.0\\") || !pm_plan_touches_profile(c->out, p))
            continue;
        for (size_t a = 0; a < pr->naccounts; a++)
            for (size_t i = 0; i < pr->accounts[a].nsections; i++)
                for (size_t k = 0; k < PM_ARRAY_SIZE(mapihttp); k++) {
                    if (!pm_section_get(&pr->accounts[a].sections[i], mapihttp[k]))
                        continue;
                    struct pm_buf w = PM_BUF_INIT;
                    int rc = pm_buf_printf(&w, "OutlookAnywhere=enable: profile '%s' connects "
                                               "over MAPI/HTTP, which Outlook 2016 and later "
                                               "prefer; the Outlook Anywhere values written are "
                                               "used only where MAPI/HTTP is turned off",
                                           pr->path);
                    if (rc == 0)
                        rc = pm_strlist_add(&c->out->warnings, w.data);
                    pm_buf_release(&w);
                    return rc < 0 ? oom(c) : 0;
                }
    }
    return 0;
}

int pm_plan_build(const struct pm_model *m, const struct pm_puf_query *q, size_t nq,
                  const struct pm_config *cfg, struct pm_plan *out, struct pm_error *err)
{
    memset(out, 0, sizeof(*out));
    struct ctx c = {0};
    c.m = m;
    c.cfg = cfg;
    c.out = out;
    c.err = err;
    int rc = 0;
    for (size_t p = 0; rc == 0 && p < m->nprofiles; p++) {
        c.profile = p;
        for (size_t a = 0; rc == 0 && a < m->profiles[p].naccounts; a++)
            rc = plan_account(&c, a, q, nq);
        if (rc == 0)
            rc = plan_linked(&c);
        moved_clear(&c);
    }
    if (rc == 0)
        rc = warn_roh_ignored(&c);
    pm_buf_release(&c.text);
    pm_buf_release(&c.text2);
    pm_buf_release(&c.enc);
    pm_strlist_release(&c.ost_paths);
    moved_clear(&c);
    free(c.moved);
    free(c.seen);
    if (rc < 0)
        pm_plan_release(out);
    else
        order_edits(out);
    return rc;
}

void pm_plan_release(struct pm_plan *p)
{
    for (size_t i = 0; i < p->nedits; i++) {
        free(p->edits[i].key);
        free(p->edits[i].name);
        free(p->edits[i].data);
        free(p->edits[i].old_data);
    }
    for (size_t i = 0; i < p->ndecisions; i++) {
        free(p->decisions[i].dn);
        free(p->decisions[i].target_dn);
        free(p->decisions[i].reason);
    }
    for (size_t i = 0; i < p->nmoves; i++) {
        free(p->moves[i].from);
        free(p->moves[i].to);
    }
    free(p->edits);
    free(p->decisions);
    free(p->moves);
    pm_strlist_release(&p->warnings);
    memset(p, 0, sizeof(*p));
}

int pm_plan_touches_profile(const struct pm_plan *p, size_t profile)
{
    for (size_t i = 0; i < p->nedits; i++)
        if (p->edits[i].profile == profile)
            return 1;
    return 0;
}

size_t pm_plan_profiles_touched(const struct pm_plan *p, size_t nprofiles)
{
    size_t n = 0;
    for (size_t i = 0; i < nprofiles; i++)
        n += (size_t)pm_plan_touches_profile(p, i);
    return n;
}

const char *pm_decision_name(enum pm_decision_kind k)
{
    switch (k) {
    case PM_DEC_UPDATED: return "updated";
    case PM_DEC_CURRENT: return "current";
    case PM_DEC_NOT_IN_PUF: return "not_migrated";
    case PM_DEC_SKIPPED: return "skipped";
    }
    return "unknown";
}
