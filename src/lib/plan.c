/* The plan: a pure function from the profile model, the PUF answers and the config to the edits
 * of an update. It decides per account and per store whether the mailbox is migrated, then runs
 * every value of the mailbox's sections through the rule table (rules.c). Values the table does
 * not know are swept: if they still name the source (its DN, SMTP address, organisation or
 * servers), strings are rewritten to the target when that removes every trace, and anything else
 * is deleted as a cache, so a migrated mailbox keeps no trace of the source organisation. */
#include "compat.h"

#include "pm/mapi.h"
#include "pm/plan.h"
#include "rules.h"

#include <stdlib.h>
#include <string.h>

/* What is known about one migrated mailbox while its sections are planned. */
struct ident {
    const struct pm_puf_entry *e;
    const char *old_dn;
    const char *old_smtp;     /* bare address, or NULL */
    char *org_marker;         /* "/o=<source org>/" when the target org differs, else NULL;
                                 the slash keeps a longer organisation name from matching */
    struct pm_strlist old_servers;
};

struct ctx {
    const struct pm_model *m;
    const struct pm_config *cfg;
    struct pm_plan *out;
    struct pm_error *err;
    size_t profile;
    struct pm_buf text, text2, enc;
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
    if (bytes_have(d, len, id->old_dn))
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

/* ---- edits ---- */

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

/* ---- one value through its rule ---- */

static uint32_t roh_flags(const struct pm_config *cfg)
{
    uint32_t f = 0x01; /* ROHFLAGS_USE_ROH */
    if (cfg->proxy_ssl_only == 1)
        f |= 0x02;
    if (cfg->proxy_mutual_auth == 1)
        f |= 0x04;
    if (cfg->proxy_http_fast == 1)
        f |= 0x08;
    if (cfg->proxy_http_slow == 1)
        f |= 0x20;
    return f;
}

/* The fresh OST path for OstAction=rename: "<target SMTP>.ost" in the same folder. When the
 * address did not change in the move that is the old file's own name: the path stays, and the
 * old file is still renamed aside, so Outlook creates a new file there. Either way the result
 * depends on the target alone, so a run cut short and run again plans the same path. */
static int new_ost_path(struct ctx *c, const char *old, const struct ident *id, struct pm_buf *out)
{
    const char *slash = strrchr(old, '\\');
    const char *fs = strrchr(old, '/');
    if (fs && (!slash || fs > slash))
        slash = fs;
    size_t dirlen = slash ? (size_t)(slash - old) + 1 : 0;
    pm_buf_reset(out);
    if (pm_buf_append(out, old, dirlen) < 0 ||
        pm_buf_printf(out, "%s.ost", strip_smtp_prefix(id->e->target_smtp, NULL)) < 0)
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

/* own_server: the PUF's server values are this section's own (not an archive or public store). */
static int plan_value(struct ctx *c, const struct pm_section *s, unsigned role,
                      const struct pm_section_value *v, const struct ident *id, int own_server)
{
    const struct pm_rule *r = pm_rule_find(v->name, role);
    const struct pm_puf_entry *e = id->e;
    const struct pm_config *cfg = c->cfg;
    int is_text = pm_mapi_string_get(v->name, v->type, v->data, v->len, &c->text);
    if (is_text < 0)
        return oom(c);

    if (!r) {
        /* The sweep. Secure (DPAPI) values are opaque and never touched. */
        if (v->name[0] == 'S' && strlen(v->name) == 9)
            return 0;
        if (!has_trace(id, v->data, v->len))
            return 0;
        if (is_text > 0) {
            int r1 = replace_ci(c->text.data, id->old_dn, e->target_dn, &c->text2);
            if (r1 < 0)
                return oom(c);
            if (id->old_smtp) {
                char *tmp = pm_strdup(c->text2.data);
                if (!tmp || replace_ci(tmp, id->old_smtp, strip_smtp_prefix(e->target_smtp, NULL),
                                       &c->text2) < 0) {
                    free(tmp);
                    return oom(c);
                }
                free(tmp);
            }
            if (!text_has_trace(id, c->text2.data))
                return set_text(c, s, v, v->name, v->type, c->text2.data, "sweep.rewrite");
        }
        return del(c, s, v, "sweep.delete");
    }

    switch (r->action) {
    case PM_RA_KEEP:
        return 0;
    case PM_RA_DN:
        if (is_text <= 0)
            return 0;
        return set_text(c, s, v, v->name, v->type, e->target_dn, r->id);
    case PM_RA_SMTP: {
        if (is_text <= 0)
            return 0;
        size_t pl;
        strip_smtp_prefix(c->text.data, &pl);
        struct pm_buf nv = PM_BUF_INIT;
        int rc = pm_buf_append(&nv, c->text.data, pl);
        if (rc == 0)
            rc = pm_buf_puts(&nv, strip_smtp_prefix(e->target_smtp, NULL));
        if (rc == 0)
            rc = set_text(c, s, v, v->name, v->type, nv.data, r->id);
        else
            rc = oom(c);
        pm_buf_release(&nv);
        return rc;
    }
    case PM_RA_DISPLAY:
        if (is_text > 0 && e->target_display) {
            static const char *const prefixes[] = {"Mailbox - ", "Online Archive - "};
            for (size_t i = 0; i < PM_ARRAY_SIZE(prefixes); i++) {
                size_t pl = strlen(prefixes[i]);
                if (strncmp(c->text.data, prefixes[i], pl) == 0) {
                    struct pm_buf nv = PM_BUF_INIT;
                    int rc = pm_buf_printf(&nv, "%s%s", prefixes[i], e->target_display);
                    rc = rc < 0 ? oom(c) : set_text(c, s, v, v->name, v->type, nv.data, r->id);
                    pm_buf_release(&nv);
                    return rc;
                }
            }
        }
        /* fall through: otherwise the address inside is what shows the old identity */
        /* FALLTHROUGH */
    case PM_RA_NAME: {
        if (is_text <= 0)
            return 0;
        int r1 = replace_ci(c->text.data, id->old_dn, e->target_dn, &c->text2);
        if (r1 < 0)
            return oom(c);
        int r2 = 0;
        if (id->old_smtp) {
            char *tmp = pm_strdup(c->text2.data);
            if (!tmp)
                return oom(c);
            r2 = replace_ci(tmp, id->old_smtp, strip_smtp_prefix(e->target_smtp, NULL), &c->text2);
            free(tmp);
            if (r2 < 0)
                return oom(c);
        }
        if (!r1 && !r2)
            return 0;
        return set_text(c, s, v, v->name, v->type, c->text2.data, r->id);
    }
    case PM_RA_SERVER:
        if (own_server && e->target_server && is_text > 0)
            return set_text(c, s, v, v->name, v->type, e->target_server, r->id);
        return del(c, s, v, r->id);
    case PM_RA_SERVER_DN:
        if (own_server && e->target_server_dn && is_text > 0)
            return set_text(c, s, v, v->name, v->type, e->target_server_dn, r->id);
        return del(c, s, v, r->id);
    case PM_RA_DELETE:
        return del(c, s, v, r->id);
    case PM_RA_ROH_SERVER:
        if (cfg->outlook_anywhere == PM_ENABLE && cfg->proxy_server)
            return set_text(c, s, v, v->name, v->type, cfg->proxy_server, r->id);
        return del(c, s, v, r->id);
    case PM_RA_ROH_PRINCIPAL:
        if (cfg->outlook_anywhere == PM_ENABLE && cfg->proxy_principal)
            return set_text(c, s, v, v->name, v->type, cfg->proxy_principal, r->id);
        return del(c, s, v, r->id);
    case PM_RA_ROH_AUTH:
        if (cfg->outlook_anywhere == PM_ENABLE && cfg->proxy_auth != PM_PROXY_AUTH_UNSET)
            return set_long(c, s, v, v->name, (uint32_t)cfg->proxy_auth, r->id);
        return del(c, s, v, r->id);
    case PM_RA_ROH_FLAGS:
        if (cfg->outlook_anywhere == PM_ENABLE)
            return set_long(c, s, v, v->name, roh_flags(cfg), r->id);
        if (cfg->outlook_anywhere == PM_DISABLE)
            return set_long(c, s, v, v->name, 0, r->id);
        return del(c, s, v, r->id);
    case PM_RA_CACHE_FLAGS: {
        uint32_t f;
        if (!pm_mapi_long_get(v->data, v->len, &f))
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
        return set_long(c, s, v, v->name, n, r->id);
    }
    case PM_RA_OST:
        if (cfg->ost_action == PM_OST_KEEP || is_text <= 0 || !c->text.len)
            return 0;
        if (cfg->ost_action == PM_OST_RESET)
            return del(c, s, v, r->id);
        {
            char *old = pm_strdup(c->text.data);
            struct pm_buf np = PM_BUF_INIT;
            int rc = old ? new_ost_path(c, old, id, &np) : oom(c);
            if (rc == 0)
                rc = set_text(c, s, v, v->name, v->type, np.data, r->id);
            if (rc == 0)
                rc = add_move(c, old);
            free(old);
            pm_buf_release(&np);
            return rc;
        }
    case PM_RA_ABEID: {
        const char *dn;
        size_t dnlen;
        if (pm_mapi_abeid_dn(v->data, v->len, &dn, &dnlen)) {
            if (dnlen == strlen(e->target_dn) && pm_ascii_ncasecmp(dn, e->target_dn, dnlen) == 0)
                return 0;
            if (pm_mapi_abeid_with_dn(v->data, v->len, e->target_dn, &c->enc) < 0)
                return oom(c);
            return add_edit(c, PM_EDIT_SET, s->path, v->name, v->type, c->enc.data, c->enc.len, v,
                            r->id);
        }
        return has_trace(id, v->data, v->len) ? del(c, s, v, r->id) : 0;
    }
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
    }
    return 0;
}

/* Values the account's EMSMDB section must carry after an update even when it had none. */
static int plan_missing(struct ctx *c, const struct pm_section *s, const struct ident *id)
{
    const struct pm_config *cfg = c->cfg;
    int rc = 0;
    if (!pm_section_get(s, "001f6641") && !pm_section_get(s, "001e6641"))
        rc = set_text(c, s, NULL, "001f6641", PM_REG_BINARY,
                      strip_smtp_prefix(id->e->target_smtp, NULL), "identity.smtp");
    if (rc == 0 && cfg->outlook_anywhere == PM_ENABLE) {
        if (!pm_section_get(s, "00036623"))
            rc = set_long(c, s, NULL, "00036623", roh_flags(cfg), "config.proxy");
        if (rc == 0 && cfg->proxy_server && !pm_section_get(s, "001f6622"))
            rc = set_text(c, s, NULL, "001f6622", PM_REG_BINARY, cfg->proxy_server, "config.proxy");
        if (rc == 0 && cfg->proxy_principal && !pm_section_get(s, "001f6625"))
            rc = set_text(c, s, NULL, "001f6625", PM_REG_BINARY, cfg->proxy_principal,
                          "config.proxy");
        if (rc == 0 && cfg->proxy_auth != PM_PROXY_AUTH_UNSET && !pm_section_get(s, "00036627"))
            rc = set_long(c, s, NULL, "00036627", (uint32_t)cfg->proxy_auth, "config.proxy");
    }
    return rc;
}

static int plan_section(struct ctx *c, const struct pm_section *s, const struct ident *id,
                        int own_server)
{
    unsigned role = role_mask(s);
    for (size_t i = 0; i < s->nvalues; i++) {
        int rc = plan_value(c, s, role, &s->values[i], id, own_server);
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
    id->old_smtp = old_smtp ? strip_smtp_prefix(old_smtp, NULL) : NULL;
    if (id->old_smtp && !*id->old_smtp)
        id->old_smtp = NULL;
    /* "/o=Org" of the source, unless the target lives in the same organisation (tenant to
     * tenant moves keep /o=ExchangeLabs). */
    if (pm_ascii_ncasecmp(old_dn, "/o=", 3) == 0) {
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
    pm_strlist_release(&id->old_servers);
}

/* Old server names shown in these sections, so the sweep recognizes them. */
static int ident_add_servers(struct ctx *c, struct ident *id, const struct pm_section *s)
{
    static const char *const names[] = {"001e6602", "001f6602", "001e6608", "001f6608",
                                        "001f662a", "001e660c", "001f660c", "001f662b"};
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

static const struct pm_puf_query *answer(const struct pm_puf_query *q, size_t nq, const char *dn)
{
    for (size_t i = 0; i < nq; i++)
        if (q[i].dn && strlen(q[i].dn) == strlen(dn) &&
            pm_ascii_ncasecmp(q[i].dn, dn, strlen(dn)) == 0)
            return &q[i];
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

static int same_dn(const char *a, const char *b)
{
    return a && b && strlen(a) == strlen(b) && pm_ascii_ncasecmp(a, b, strlen(a)) == 0;
}

/* Sections that belong to the account's own mailbox: all but stores of other mailboxes. The
 * primary store, the archive and public folders are the account's whatever DN they hold. */
static int in_account_scope(const struct pm_account *a, const struct pm_section *s)
{
    if (s->role != PM_ROLE_STORE || s->kind == PM_STORE_PRIMARY || s->kind == PM_STORE_ARCHIVE ||
        s->kind == PM_STORE_PUBLIC)
        return 1;
    return !s->mailbox_dn || same_dn(s->mailbox_dn, a->dn);
}

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
    if (kind == PM_DEC_UPDATED) {
        struct ident id;
        if ((rc = ident_init(c, &id, &ans->entry, a->dn, a->smtp)) < 0)
            return rc;
        for (size_t i = 0; rc == 0 && i < a->nsections; i++)
            if (in_account_scope(a, &a->sections[i]))
                rc = ident_add_servers(c, &id, &a->sections[i]);
        for (size_t i = 0; rc == 0 && i < a->nsections; i++) {
            const struct pm_section *s = &a->sections[i];
            if (!in_account_scope(a, s))
                continue;
            int own = !(s->role == PM_ROLE_STORE &&
                        (s->kind == PM_STORE_ARCHIVE || s->kind == PM_STORE_PUBLIC));
            rc = plan_section(c, s, &id, own);
        }
        ident_release(&id);
        if (rc < 0)
            return rc;
    }
    /* Stores of other mailboxes (delegate, shared): each on its own PUF line. */
    for (size_t i = 0; i < a->nsections; i++) {
        const struct pm_section *s = &a->sections[i];
        if (in_account_scope(a, s))
            continue;
        if (s->damaged) {
            if ((rc = decide_damaged(c, ai, (long)i, s->mailbox_dn,
                                     "the store's mailbox DN is damaged (see the warning); left "
                                     "alone",
                                     &kind)) < 0)
                return rc;
            continue;
        }
        const struct pm_puf_query *sa = answer(q, nq, s->mailbox_dn);
        if ((rc = decide(c, ai, (long)i, s->mailbox_dn, sa, &kind)) < 0)
            return rc;
        if (kind != PM_DEC_UPDATED)
            continue;
        char *smtp = NULL;
        const struct pm_section_value *sv = pm_section_get(s, "001f6641");
        if (!sv)
            sv = pm_section_get(s, "001e6641");
        if (sv && pm_mapi_string_get(sv->name, sv->type, sv->data, sv->len, &c->text) > 0 &&
            c->text.len && !(smtp = pm_strdup(c->text.data)))
            return oom(c);
        struct ident id;
        rc = ident_init(c, &id, &sa->entry, s->mailbox_dn, smtp);
        if (rc == 0)
            rc = ident_add_servers(c, &id, s);
        if (rc == 0)
            rc = plan_section(c, s, &id, s->kind != PM_STORE_ARCHIVE && s->kind != PM_STORE_PUBLIC);
        ident_release(&id);
        free(smtp);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* Where an edit goes in the order of writes. A run cut short with no rollback (the process
 * killed while it writes the live registry) must leave a profile the next run finishes. The next
 * run works out the old identity (DN, SMTP address, servers) from the profile itself, so the
 * values it reads it from are written last, after every edit whose result depends on them:
 *   0  everything that depends on the old identity (names, the sweep, the OST path, caches)
 *   1  the Account Manager names (they depend on the old address, and old 2007 profiles read
 *      the address from them)
 *   2  SMTP addresses and servers (fixed target values)
 *   3  mailbox DNs of stores and transports, 4  the account's own DN, last of all: until it is
 *      written the account still matches its PUF line. */
static int edit_rank(const struct pm_edit *e)
{
    const char *r = e->rule ? e->rule : "";
    if (!strcmp(r, "account.name"))
        return 1;
    if (!strcmp(r, "identity.smtp") || !strcmp(r, "server.name") || !strcmp(r, "server.dn"))
        return 2;
    if (strcmp(r, "identity.dn") != 0)
        return 0;
    if (pm_name_casecmp(e->name, "001e6603") == 0 || pm_name_casecmp(e->name, "001f6603") == 0)
        return 4;
    return 3;
}

static void order_edits(struct pm_plan *p)
{
    /* A stable partition in place: ranks are few, edits are hundreds. */
    size_t out = 0;
    for (int rank = 0; rank <= 4; rank++) {
        for (size_t i = out; i < p->nedits; i++) {
            if (edit_rank(&p->edits[i]) != rank)
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
                const char *dn = acc->sections[i].mailbox_dn;
                if (acc->sections[i].role == PM_ROLE_STORE && dn &&
                    pm_strlist_find(dns, dn) < 0 && pm_strlist_add(dns, dn) < 0)
                    return PM_ERR_NOMEM;
            }
        }
    }
    return 0;
}

int pm_plan_build(const struct pm_model *m, const struct pm_puf_query *q, size_t nq,
                  const struct pm_config *cfg, struct pm_plan *out, struct pm_error *err)
{
    memset(out, 0, sizeof(*out));
    struct ctx c = {m, cfg, out, err, 0, PM_BUF_INIT, PM_BUF_INIT, PM_BUF_INIT, NULL, 0};
    int rc = 0;
    for (size_t p = 0; rc == 0 && p < m->nprofiles; p++) {
        c.profile = p;
        for (size_t a = 0; rc == 0 && a < m->profiles[p].naccounts; a++)
            rc = plan_account(&c, a, q, nq);
    }
    pm_buf_release(&c.text);
    pm_buf_release(&c.text2);
    pm_buf_release(&c.enc);
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
