/* Settings outside the profile that still send Outlook to the source (pm/outside.h): the scan
 * reads the user's Autodiscover switches, per-domain local XML entries and RedirectServers of
 * every Office version, MapiHttpDisabled, and the Office identity cache; the clean backs up the
 * removable ones into their own .reg beside the profile backup before deleting anything; the
 * restore writes them back, refusing a file that names any other place. The evidence for each
 * value is in docs/rules.md ("Outside the profile"). */
#include "compat.h"

#include "pm/mapi.h"
#include "pm/os.h"
#include "pm/outside.h"
#include "pm/regfile.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define OFFICE_ROOT "Software\\Microsoft\\Office"
#define EXCHANGE_KEY "Software\\Microsoft\\Exchange"
#define IDENTITY_KEY OFFICE_ROOT "\\16.0\\Common\\Identity"
#define OUTSIDE_MIN_MAJOR 12
#define OUTSIDE_MAX_ITEMS 4096

/* ---- targets ---- */

static int add_lower(struct pm_strlist *l, const char *s)
{
    if (!s || !*s)
        return 0;
    size_t n;
    const char *k = pm_puf_smtp_key(s, strlen(s), &n);
    if (n == 0)
        return 0;
    char *low = pm_strndup(k, n);
    if (!low)
        return PM_ERR_NOMEM;
    for (char *p = low; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    int rc = pm_strlist_find(l, low) < 0 ? pm_strlist_add(l, low) : 0;
    free(low);
    return rc;
}

static const char *domain_of(const char *addr)
{
    const char *at = addr ? strrchr(addr, '@') : NULL;
    return at && at[1] ? at + 1 : NULL;
}

static int add_entry(struct pm_outside_targets *t, const struct pm_puf_entry *e)
{
    int rc = add_lower(&t->names, e->source_smtp);
    if (rc == 0)
        rc = add_lower(&t->keep, e->target_smtp);
    if (rc == 0)
        rc = add_lower(&t->keep, e->target_upn);
    return rc;
}

int pm_outside_targets_collect(const struct pm_model *m, const struct pm_plan *plan,
                               const struct pm_puf_query *q, size_t nq,
                               struct pm_outside_targets *t)
{
    memset(t, 0, sizeof(*t));
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < nq; i++)
        if (q[i].match == PM_PUF_SOURCE || q[i].match == PM_PUF_TARGET) {
            t->migrated = 1;
            rc = add_entry(t, &q[i].entry);
        }
    /* The model is read before the update: the sign-in name and address it holds for an
     * updated account are the source ones. */
    struct pm_buf s = PM_BUF_INIT;
    for (size_t i = 0; rc == 0 && plan && i < plan->ndecisions; i++) {
        const struct pm_decision *d = &plan->decisions[i];
        if (d->kind != PM_DEC_UPDATED || d->profile >= m->nprofiles ||
            d->account >= m->profiles[d->profile].naccounts)
            continue;
        const struct pm_account *a = &m->profiles[d->profile].accounts[d->account];
        rc = add_lower(&t->names, a->smtp);
        for (size_t k = 0; rc == 0 && k < a->nsections; k++) {
            if (a->sections[k].role != PM_ROLE_EMSMDB)
                continue;
            static const char *const signin[] = {"001f3d16", "001e3d16"};
            for (size_t j = 0; rc == 0 && j < PM_ARRAY_SIZE(signin); j++) {
                const struct pm_section_value *v = pm_section_get(&a->sections[k], signin[j]);
                if (v && pm_mapi_string_get(v->name, v->type, v->data, v->len, &s) > 0 && s.len)
                    rc = add_lower(&t->names, s.data);
            }
        }
    }
    pm_buf_release(&s);
    /* A name the target uses too is never a source name; a domain a target uses is not a
     * source domain (a move that keeps the domain). */
    for (size_t i = 0; rc == 0 && i < t->names.n; i++) {
        const char *d = domain_of(t->names.items[i]);
        int shared = 0;
        for (size_t k = 0; d && k < t->keep.n; k++) {
            const char *kd = domain_of(t->keep.items[k]);
            if (kd && !strcmp(kd, d))
                shared = 1;
        }
        if (d && !shared)
            rc = add_lower(&t->domains, d);
    }
    return rc < 0 ? PM_ERR_NOMEM : 0;
}

void pm_outside_targets_release(struct pm_outside_targets *t)
{
    pm_strlist_release(&t->names);
    pm_strlist_release(&t->domains);
    pm_strlist_release(&t->keep);
}

/* ---- scan ---- */

struct scan {
    struct pm_store *st;
    const struct pm_config *cfg;
    const struct pm_outside_targets *t;
    struct pm_outside *out;
    struct pm_error *err;
};

static int item_add(struct scan *s, enum pm_outside_kind kind, const char *key, const char *value,
                    const char *data, const char *what, const char *msg, int removable)
{
    struct pm_outside *o = s->out;
    if (o->n >= OUTSIDE_MAX_ITEMS)
        return pm_error_set(s->err, PM_ERR_LIMIT, key, 0,
                            "more than %d settings outside the "
                            "profile",
                            OUTSIDE_MAX_ITEMS);
    struct pm_outside_item *items = realloc(o->items, (o->n + 1) * sizeof(*items));
    if (!items)
        return pm_error_set(s->err, PM_ERR_NOMEM, key, 0, "out of memory");
    o->items = items;
    struct pm_outside_item *it = &items[o->n];
    memset(it, 0, sizeof(*it));
    it->kind = kind;
    it->key = pm_strdup(key);
    it->value = value ? pm_strdup(value) : NULL;
    it->data = pm_strdup(data ? data : "");
    it->what = what;
    it->msg = msg;
    it->removable = removable && s->t->migrated;
    if (!it->key || !it->data || (value && !it->value)) {
        free(it->key);
        free(it->value);
        free(it->data);
        return pm_error_set(s->err, PM_ERR_NOMEM, key, 0, "out of memory");
    }
    o->n++;
    return 0;
}

/* A value as text (REG_SZ) or number (REG_DWORD, or digits in a REG_SZ). 1 found, 0 not, <0. */
static int read_val(struct scan *s, const char *key, const char *name, struct pm_buf *text,
                    int *numeric, unsigned long *num)
{
    struct pm_value v = PM_VALUE_INIT;
    *numeric = 0;
    *num = 0;
    pm_buf_reset(text);
    int rc = pm_store_get(s->st, key, name, &v, s->err);
    if (rc <= 0)
        return rc;
    if (v.type == PM_REG_DWORD && v.len >= 4) {
        *numeric = 1;
        *num = (unsigned long)v.data[0] | (unsigned long)v.data[1] << 8 |
               (unsigned long)v.data[2] << 16 | (unsigned long)v.data[3] << 24;
        rc = pm_buf_printf(text, "%lu", *num);
    } else if (v.type == PM_REG_SZ || v.type == PM_REG_EXPAND_SZ) {
        rc = pm_utf16le_to_utf8(v.data, v.len, text);
        if (rc == 0 && text->data && text->len && isdigit((unsigned char)text->data[0])) {
            char *end = NULL;
            unsigned long n = strtoul(text->data, &end, 0);
            if (end && *end == 0) {
                *numeric = 1;
                *num = n;
            }
        }
    } else
        rc = pm_buf_printf(text, "(%s, %zu bytes)", pm_regtype_name(v.type), v.len);
    pm_value_release(&v);
    if (rc == 0 && !text->data)
        rc = pm_buf_puts(text, "");
    return rc < 0 ? pm_error_set(s->err, PM_ERR_NOMEM, key, 0, "out of memory") : 1;
}

/* The Autodiscover switches of the user's own key (KB 2212902). 'bad' is the value that sends
 * Outlook to the source or keeps it from the target; 'clean' says whether deleting it (back to
 * the default) helps: a 0 that equals the default is reported only. */
static const struct switch_rule {
    const char *name;
    int bad_nonzero; /* 1: non-zero is bad; 0: zero is bad */
    int clean;
    const char *msg;
} switches[] = {
    {"PreferLocalXML", 1, 1,
     "a local Autodiscover XML file wins over the server: if it describes the source, Outlook "
     "goes back there"},
    {"ExcludeExplicitO365Endpoint", 1, 1,
     "Outlook does not ask the Microsoft 365 endpoint, so it may not find a mailbox moved to "
     "Exchange Online"},
    {"ExcludeHttpsRootDomain", 1, 1,
     "Outlook skips https://<domain>/autodiscover, which may be how the target is found"},
    {"ExcludeHttpsAutoDiscoverDomain", 1, 1,
     "Outlook skips https://autodiscover.<domain>, which may be how the target is found"},
    {"ExcludeHttpRedirect", 1, 1, "Outlook skips the HTTP redirect method"},
    {"ExcludeSrvRecord", 1, 1,
     "Outlook skips the SRV record, which may be how the target is found"},
    {"ExcludeScpLookup", 0, 0,
     "the Active Directory (SCP) lookup stays first: a domain-joined PC may be sent to the "
     "source Exchange (0 is the default: reported, not removed)"},
    {"ExcludeLastKnownGoodUrl", 0, 0,
     "Outlook tries the last known good (source) Autodiscover URL first (0 is the default: "
     "reported, not removed)"},
    {"ZeroConfigExchange", 1, 0,
     "Outlook configures the profile from Active Directory at start (reported, not removed)"},
};

/* 1 when 'name' (a value name or host, any case) is a source address or domain, or a host in a
 * source domain. */
static int names_source(const struct pm_outside_targets *t, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < t->names.n; i++)
        if (strlen(t->names.items[i]) == n && !pm_ascii_ncasecmp(t->names.items[i], name, n))
            return 1;
    for (size_t i = 0; i < t->domains.n; i++) {
        const char *d = t->domains.items[i];
        size_t dl = strlen(d);
        if (n == dl && !pm_ascii_ncasecmp(name, d, n))
            return 1;
        if (n > dl && name[n - dl - 1] == '.' && !pm_ascii_ncasecmp(name + n - dl, d, dl))
            return 1;
    }
    return 0;
}

static int scan_autodiscover(struct scan *s, const char *key)
{
    int clean = s->cfg->autodiscover_clean;
    struct pm_buf text = PM_BUF_INIT, sub = PM_BUF_INIT;
    struct pm_strlist names = PM_STRLIST_INIT;
    int numeric;
    unsigned long num;
    int rc = 0;
    for (size_t i = 0; rc >= 0 && i < PM_ARRAY_SIZE(switches); i++) {
        const struct switch_rule *r = &switches[i];
        rc = read_val(s, key, r->name, &text, &numeric, &num);
        if (rc == 1 && numeric && (r->bad_nonzero ? num != 0 : num == 0))
            rc = item_add(s, PM_OUTSIDE_SETTING, key, r->name, text.data, r->name, r->msg,
                          clean && r->clean);
    }
    /* Per-domain (or per-address) values name a local XML file Outlook reads for that domain. */
    if (rc >= 0)
        rc = pm_store_values(s->st, key, &names, s->err);
    for (size_t i = 0; rc >= 0 && i < names.n; i++) {
        const char *n = names.items[i];
        if (!strchr(n, '.') || !names_source(s->t, n))
            continue;
        rc = read_val(s, key, n, &text, &numeric, &num);
        if (rc == 1)
            rc = item_add(s, PM_OUTSIDE_SETTING, key, n, text.data, "LocalXmlPath",
                          "a local Autodiscover XML file for a source domain or address", clean);
    }
    pm_strlist_release(&names);
    /* Servers Outlook follows a redirect to without asking. */
    if (rc >= 0)
        rc = pm_buf_printf(&sub, "%s\\RedirectServers", key);
    if (rc >= 0)
        rc = pm_store_values(s->st, sub.data, &names, s->err);
    for (size_t i = 0; rc >= 0 && i < names.n; i++)
        if (names_source(s->t, names.items[i]))
            rc = item_add(s, PM_OUTSIDE_SETTING, sub.data, names.items[i], names.items[i],
                          "RedirectServers",
                          "Outlook follows Autodiscover redirects to this source server without "
                          "asking",
                          clean);
    pm_strlist_release(&names);
    pm_buf_release(&text);
    pm_buf_release(&sub);
    return rc < 0 ? rc : 0;
}

static int scan_identity(struct scan *s)
{
    struct pm_strlist ids = PM_STRLIST_INIT;
    struct pm_buf key = PM_BUF_INIT, text = PM_BUF_INIT, prof = PM_BUF_INIT;
    static const char *const fields[] = {"SignInName", "EmailAddress"};
    int rc = pm_store_subkeys(s->st, IDENTITY_KEY "\\Identities", &ids, s->err);
    for (size_t i = 0; rc >= 0 && i < ids.n; i++) {
        pm_buf_reset(&key);
        if ((rc = pm_buf_printf(&key, IDENTITY_KEY "\\Identities\\%s", ids.items[i])) < 0)
            break;
        int hit = 0, keep = 0, numeric;
        unsigned long num;
        char found[512] = "";
        for (size_t f = 0; rc >= 0 && f < PM_ARRAY_SIZE(fields); f++) {
            rc = read_val(s, key.data, fields[f], &text, &numeric, &num);
            if (rc != 1 || !text.len)
                continue;
            if (pm_strlist_find(&s->t->keep, text.data) >= 0)
                keep = 1;
            else if (pm_strlist_find(&s->t->names, text.data) >= 0) {
                hit = 1;
                snprintf(found, sizeof(found), "%s", text.data);
            }
        }
        if (rc < 0 || !hit || keep)
            continue;
        rc = item_add(s, PM_OUTSIDE_IDENTITY, key.data, NULL, found, "identity",
                      "Office is signed in with the source account: Office apps and Outlook "
                      "may keep using or asking for it",
                      s->cfg->identity_remove);
        /* The identity's profile data lives under Profiles with the same name. */
        pm_buf_reset(&prof);
        if (rc >= 0 &&
            (rc = pm_buf_printf(&prof, IDENTITY_KEY "\\Profiles\\%s", ids.items[i])) >= 0 &&
            (rc = pm_store_key_exists(s->st, prof.data, s->err)) == 1)
            rc = item_add(s, PM_OUTSIDE_IDENTITY, prof.data, NULL, found, "identity.profile",
                          "the profile data of that identity", s->cfg->identity_remove);
    }
    pm_strlist_release(&ids);
    pm_buf_release(&key);
    pm_buf_release(&text);
    pm_buf_release(&prof);
    return rc < 0 ? rc : 0;
}

int pm_outside_scan(struct pm_store *st, const struct pm_config *cfg,
                    const struct pm_outside_targets *t, struct pm_outside *out,
                    struct pm_error *err)
{
    memset(out, 0, sizeof(*out));
    struct scan s = {st, cfg, t, out, err};
    struct pm_strlist vers = PM_STRLIST_INIT;
    struct pm_buf key = PM_BUF_INIT, text = PM_BUF_INIT;
    int rc = pm_store_subkeys(st, OFFICE_ROOT, &vers, err);
    for (size_t i = 0; rc >= 0 && i < vers.n; i++) {
        const char *v = vers.items[i];
        char *end = NULL;
        long major = strtol(v, &end, 10);
        if (!isdigit((unsigned char)v[0]) || !end || strcmp(end, ".0") != 0 ||
            major < OUTSIDE_MIN_MAJOR || major >= 100)
            continue;
        pm_buf_reset(&key);
        if ((rc = pm_buf_printf(&key, OFFICE_ROOT "\\%s\\Outlook\\AutoDiscover", v)) < 0)
            break;
        rc = scan_autodiscover(&s, key.data);
    }
    int numeric;
    unsigned long num;
    /* KB 2937684: MapiHttpDisabled=1 keeps Outlook on RPC, which Exchange Online refuses. */
    if (rc >= 0 &&
        (rc = read_val(&s, EXCHANGE_KEY, "MapiHttpDisabled", &text, &numeric, &num)) == 1 &&
        numeric && num != 0)
        rc = item_add(&s, PM_OUTSIDE_SETTING, EXCHANGE_KEY, "MapiHttpDisabled", text.data,
                      "MapiHttpDisabled",
                      "Outlook does not use MAPI over HTTP: Exchange Online and Exchange 2016+ "
                      "need it (KB 2937684: for testing only)",
                      cfg->autodiscover_clean);
    if (rc >= 0)
        rc = scan_identity(&s);
    pm_strlist_release(&vers);
    pm_buf_release(&key);
    pm_buf_release(&text);
    if (rc < 0) {
        if (err && err->code == PM_OK)
            pm_error_set(err, rc, NULL, 0, "%s", pm_err_name(rc));
        pm_outside_release(out);
        return rc;
    }
    return 0;
}

void pm_outside_release(struct pm_outside *o)
{
    for (size_t i = 0; i < o->n; i++) {
        free(o->items[i].key);
        free(o->items[i].value);
        free(o->items[i].data);
    }
    free(o->items);
    o->items = NULL;
    o->n = 0;
}

size_t pm_outside_removable(const struct pm_outside *o)
{
    size_t n = 0;
    for (size_t i = 0; i < o->n; i++)
        n += o->items[i].removable != 0;
    return n;
}

int pm_outside_backup_path(const char *profile_backup, struct pm_buf *out)
{
    size_t n = strlen(profile_backup);
    if (n >= 4 && !pm_ascii_ncasecmp(profile_backup + n - 4, ".reg", 4))
        n -= 4;
    pm_buf_reset(out);
    return pm_buf_printf(out, "%.*s.outside.reg", (int)n, profile_backup);
}

/* ---- clean ---- */

/* 1 when 'anc' is a proper ancestor key of 'path'. */
static int is_ancestor(const char *anc, const char *path)
{
    size_t n = strlen(anc);
    return strlen(path) > n && path[n] == '\\' && !pm_name_ncasecmp(anc, n, path, n);
}

static int copy_out(struct pm_store *st, struct pm_store *mem, const struct pm_outside_item *it,
                    struct pm_error *err)
{
    if (!it->value)
        return pm_store_copy_tree(mem, st, it->key, err);
    struct pm_value v = PM_VALUE_INIT;
    int rc = pm_store_get(st, it->key, it->value, &v, err);
    if (rc == 0)
        rc = pm_error_set(err, PM_ERR_BUSY, it->key, 0,
                          "value '%s' changed since it was read; nothing removed", it->value);
    if (rc > 0)
        rc = pm_store_set(mem, it->key, it->value, v.type, v.data, v.len, err);
    pm_value_release(&v);
    return rc;
}

/* The item is still what the backup holds. */
static int still_same(struct pm_store *st, struct pm_store *mem, const struct pm_outside_item *it,
                      struct pm_error *err)
{
    if (!it->value) {
        int rc = pm_store_key_exists(st, it->key, err);
        return rc == 0  ? pm_error_set(err, PM_ERR_BUSY, it->key, 0,
                                       "key removed since it was read; nothing removed")
               : rc < 0 ? rc
                        : 0;
    }
    struct pm_value a = PM_VALUE_INIT, b = PM_VALUE_INIT;
    int rc = pm_store_get(st, it->key, it->value, &a, err);
    int rb = rc >= 0 ? pm_store_get(mem, it->key, it->value, &b, err) : rc;
    int same = rc == 1 && rb == 1 && a.type == b.type && a.len == b.len &&
               (a.len == 0 || !memcmp(a.data, b.data, a.len));
    pm_value_release(&a);
    pm_value_release(&b);
    if (rc < 0 || rb < 0)
        return rc < 0 ? rc : rb;
    return same ? 0
                : pm_error_set(err, PM_ERR_BUSY, it->key, 0,
                               "value '%s' changed since it was read; nothing removed", it->value);
}

static int write_backup(struct pm_store *mem, const struct pm_outside *o, const char *path,
                        struct pm_error *err)
{
    const char **paths = calloc(o->n ? o->n : 1, sizeof(*paths));
    if (!paths)
        return pm_error_set(err, PM_ERR_NOMEM, NULL, 0, "out of memory");
    size_t np = 0;
    for (size_t i = 0; i < o->n; i++) {
        const struct pm_outside_item *it = &o->items[i];
        int skip = !it->removable;
        for (size_t k = 0; !skip && k < o->n; k++)
            if (o->items[k].removable && (is_ancestor(o->items[k].key, it->key) ||
                                          (k < i && !pm_name_casecmp(o->items[k].key, it->key))))
                skip = 1;
        if (!skip)
            paths[np++] = it->key;
    }
    struct pm_buf text = PM_BUF_INIT, dir = PM_BUF_INIT;
    int rc = pm_regfile_export(mem, paths, np, PM_REGFMT_REGEDIT5, &text, err);
    free(paths);
    if (rc == 0 && pm_path_dirname(&dir, path) == 0 && dir.len && pm_os_mkdirs(dir.data) < 0)
        rc = pm_error_set(err, PM_ERR_IO, dir.data, 0, "cannot create the backup folder");
    if (rc == 0)
        rc = pm_file_write_atomic(path, text.data, text.len, err);
    pm_buf_release(&text);
    pm_buf_release(&dir);
    return rc;
}

int pm_outside_clean(struct pm_store *st, struct pm_outside *o, const char *backup_path,
                     struct pm_error *err)
{
    if (!backup_path || pm_outside_removable(o) == 0)
        return 0;
    struct pm_store *mem = NULL;
    int rc = pm_store_open(&mem, "mem:", 0, err);
    if (rc < 0)
        return rc;
    for (size_t i = 0; rc >= 0 && i < o->n; i++)
        if (o->items[i].removable)
            rc = copy_out(st, mem, &o->items[i], err);
    if (rc >= 0)
        rc = write_backup(mem, o, backup_path, err);
    if (rc >= 0)
        rc = pm_store_begin(st, err);
    if (rc < 0) {
        pm_store_close(mem);
        return rc;
    }
    for (size_t i = 0; rc >= 0 && i < o->n; i++) {
        const struct pm_outside_item *it = &o->items[i];
        if (!it->removable)
            continue;
        rc = still_same(st, mem, it, err);
        if (rc >= 0)
            rc = it->value ? pm_store_delete_value(st, it->key, it->value, err)
                           : pm_store_delete_key(st, it->key, err);
    }
    if (rc >= 0)
        rc = pm_store_commit(st, err);
    if (rc < 0) {
        struct pm_error rb;
        pm_error_clear(&rb);
        if (pm_store_in_transaction(st))
            pm_store_rollback(st, &rb);
    } else
        for (size_t i = 0; i < o->n; i++)
            o->items[i].removed = o->items[i].removable;
    pm_store_close(mem);
    return rc < 0 ? rc : 0;
}

/* ---- restore ---- */

/* 1 when path lies in a place a clean removes from: an Office version's Outlook\AutoDiscover
 * (and below), the Exchange key itself, or an identity (or its profile) of the 16.0 cache. */
static int place_ok(const char *path)
{
    static const char office[] = OFFICE_ROOT "\\";
    if (!pm_name_casecmp(path, EXCHANGE_KEY))
        return 1;
    static const char *const ids[] = {IDENTITY_KEY "\\Identities\\", IDENTITY_KEY "\\Profiles\\"};
    for (size_t i = 0; i < PM_ARRAY_SIZE(ids); i++) {
        size_t n = strlen(ids[i]);
        if (strlen(path) > n && !pm_name_ncasecmp(path, n, ids[i], n))
            return 1;
    }
    size_t n = sizeof(office) - 1;
    if (strlen(path) <= n || pm_name_ncasecmp(path, n, office, n) != 0)
        return 0;
    const char *v = path + n;
    char *end = NULL;
    long major = strtol(v, &end, 10);
    if (!isdigit((unsigned char)v[0]) || major < OUTSIDE_MIN_MAJOR || major >= 100 || !end ||
        strncmp(end, ".0\\", 3) != 0)
        return 0;
    static const char ad[] = "Outlook\\AutoDiscover";
    size_t an = sizeof(ad) - 1;
    const char *rest = end + 3;
    return strlen(rest) >= an && !pm_name_ncasecmp(rest, an, ad, an) &&
           (rest[an] == 0 || rest[an] == '\\');
}

struct rload {
    const char *name;
    struct pm_strlist keys;
    struct pm_error *err;
};

static int rl_key(void *ctx, const char *root, const char *path, int del, unsigned line)
{
    struct rload *l = ctx;
    if (strcmp(root, "HKEY_CURRENT_USER") != 0 || del || !place_ok(path))
        return pm_error_set(l->err, PM_ERR_PARSE, l->name, line,
                            "key '%s\\%s' is not a place a clean removes from; refusing to "
                            "restore the file",
                            root, path);
    if (pm_strlist_find(&l->keys, path) < 0 && pm_strlist_add(&l->keys, path) < 0)
        return pm_error_set(l->err, PM_ERR_NOMEM, l->name, line, "out of memory");
    return 0;
}

static int rl_value(void *ctx, const char *name, uint32_t type, const uint8_t *data, size_t len,
                    int del, unsigned line)
{
    struct rload *l = ctx;
    (void)name, (void)type, (void)data, (void)len;
    if (del)
        return pm_error_set(l->err, PM_ERR_PARSE, l->name, line,
                            "value deletion in a backup; refusing to restore the file");
    return 0;
}

static int restore_key(struct pm_store *st, struct pm_store *mem, const char *key, int force,
                       size_t *restored, struct pm_error *err)
{
    struct pm_strlist names = PM_STRLIST_INIT;
    struct pm_value want = PM_VALUE_INIT, have = PM_VALUE_INIT;
    int rc = pm_store_create_key(st, key, err);
    if (rc >= 0)
        rc = pm_store_values(mem, key, &names, err);
    for (size_t i = 0; rc >= 0 && i < names.n; i++) {
        rc = pm_store_get(mem, key, names.items[i], &want, err);
        int hr = rc >= 0 ? pm_store_get(st, key, names.items[i], &have, err) : rc;
        if (rc < 0 || hr < 0) {
            rc = rc < 0 ? rc : hr;
            break;
        }
        int same = hr == 1 && have.type == want.type && have.len == want.len &&
                   (want.len == 0 || !memcmp(have.data, want.data, want.len));
        if (same)
            continue;
        if (hr == 1 && !force) {
            rc = pm_error_set(err, PM_ERR_BUSY, key, 0,
                              "value '%s' was set again since the backup; not overwritten "
                              "without --force",
                              names.items[i]);
            break;
        }
        rc = pm_store_set(st, key, names.items[i], want.type, want.data, want.len, err);
        if (rc >= 0)
            ++*restored;
    }
    pm_value_release(&want);
    pm_value_release(&have);
    pm_strlist_release(&names);
    return rc < 0 ? rc : 0;
}

int pm_outside_restore(struct pm_store *st, const void *data, size_t len, const char *name,
                       int force, size_t *restored, struct pm_error *err)
{
    *restored = 0;
    struct rload l = {name, PM_STRLIST_INIT, err};
    struct pm_regfile_sink sink = {&l, rl_key, rl_value};
    enum pm_reg_format fmt;
    struct pm_store *mem = NULL;
    int rc = pm_regfile_parse(data, len, name, &sink, &fmt, err);
    if (rc >= 0)
        rc = pm_store_open(&mem, "mem:", 0, err);
    if (rc >= 0)
        rc = pm_regfile_import(mem, data, len, name, err);
    if (rc >= 0)
        rc = pm_store_begin(st, err);
    if (rc >= 0) {
        for (size_t i = 0; rc >= 0 && i < l.keys.n; i++)
            rc = restore_key(st, mem, l.keys.items[i], force, restored, err);
        if (rc >= 0)
            rc = pm_store_commit(st, err);
        if (rc < 0) {
            struct pm_error rb;
            pm_error_clear(&rb);
            if (pm_store_in_transaction(st))
                pm_store_rollback(st, &rb);
            *restored = 0;
        }
    }
    pm_store_close(mem);
    pm_strlist_release(&l.keys);
    return rc < 0 ? rc : 0;
}
