/* Group Policy checks. A policy value under HKCU\Software\Policies overrides the profile, and
 * Group Policy re-applies it at every refresh, so an update that contradicts one is undone
 * behind our back; the Autodiscover switches decide whether Outlook can find the new
 * organization at all. This module reads them (outlook-profile-format.md §7, from the Office
 * ADMX outlk16.admx) for every Office version present and reports what contradicts the config
 * or will undo the update. It changes nothing: policies belong to the domain administrators. */
#include "compat.h"

#include "pm/policy.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define POLICY_ROOT "Software\\Policies\\Microsoft\\Office"
/* Outlook 2007 (12.0) and later keep their settings under "<major>.0". */
#define POLICY_MIN_MAJOR 12

/* ROHFLAGS bits of PR_ROH_FLAGS, which the RPC policy's proxyserverflags mirrors (§4.7, §7.2). */
#define ROH_USE 0x01u
#define ROH_SSL_ONLY 0x02u
#define ROH_MUTUAL_AUTH 0x04u
#define ROH_HTTP_FAST 0x08u
#define ROH_HTTP_SLOW 0x20u

struct policy_ctx {
    struct pm_store *st;
    const struct pm_config *cfg;
    struct pm_policy_report *out;
    struct pm_error *err;
};

/* A value read for checking: its text for the log, and a number when it is one. */
struct policy_val {
    int found;
    int numeric;
    unsigned long long num;
    char text[512];
};

static int policy_add(struct policy_ctx *c, const char *key, const char *name,
                      const struct policy_val *v, const char *fmt, ...) PM_PRINTF(5, 6);

static int policy_add(struct policy_ctx *c, const char *key, const char *name,
                      const struct policy_val *v, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    struct pm_policy_report *r = c->out;
    struct pm_policy_warning *items = realloc(r->items, (r->n + 1) * sizeof(*items));
    if (!items)
        return pm_error_set(c->err, PM_ERR_NOMEM, key, 0, "out of memory");
    r->items = items;
    struct pm_policy_warning *w = &items[r->n];
    struct pm_buf full = PM_BUF_INIT;
    w->key = pm_buf_printf(&full, "HKCU\\%s", key) == 0 ? pm_buf_detach(&full, NULL) : NULL;
    pm_buf_release(&full);
    w->value = pm_strdup(name);
    w->data = pm_strdup(v->text);
    w->msg = pm_strdup(msg);
    if (!w->key || !w->value || !w->data || !w->msg) {
        free(w->key);
        free(w->value);
        free(w->data);
        free(w->msg);
        return pm_error_set(c->err, PM_ERR_NOMEM, key, 0, "out of memory");
    }
    r->n++;
    return 0;
}

/* Reads a value as policy templates write it: REG_DWORD mostly, REG_SZ for names and, from some
 * older templates and hand-made .reg files, for numbers too. 0 or <0. */
static int policy_read(struct policy_ctx *c, const char *key, const char *name,
                       struct policy_val *v)
{
    struct pm_value raw = PM_VALUE_INIT;
    memset(v, 0, sizeof(*v));
    int rc = pm_store_get(c->st, key, name, &raw, c->err);
    if (rc <= 0)
        return rc;
    v->found = 1;
    switch (raw.type) {
    case PM_REG_DWORD:
        if (raw.len >= 4) {
            v->numeric = 1;
            v->num = (uint32_t)raw.data[0] | (uint32_t)raw.data[1] << 8 |
                     (uint32_t)raw.data[2] << 16 | (uint32_t)raw.data[3] << 24;
        }
        break;
    case PM_REG_QWORD:
        if (raw.len >= 8) {
            v->numeric = 1;
            for (int i = 7; i >= 0; i--)
                v->num = v->num << 8 | raw.data[i];
        }
        break;
    case PM_REG_SZ:
    case PM_REG_EXPAND_SZ: {
        struct pm_buf b = PM_BUF_INIT;
        pm_buf_init(&b, sizeof(v->text) * 4);
        if (pm_utf16le_to_utf8(raw.data, raw.len, &b) == 0 && b.data) {
            snprintf(v->text, sizeof(v->text), "%s", b.data);
            char *end = NULL;
            unsigned long long n = strtoull(b.data, &end, 0);
            if (b.len > 0 && end && *end == 0 && b.data[0] >= '0' && b.data[0] <= '9') {
                v->numeric = 1;
                v->num = n;
            }
        }
        pm_buf_release(&b);
        break;
    }
    default:
        snprintf(v->text, sizeof(v->text), "(%s, %zu bytes)", pm_regtype_name(raw.type),
                 raw.len);
        break;
    }
    if (v->numeric && raw.type != PM_REG_SZ && raw.type != PM_REG_EXPAND_SZ)
        snprintf(v->text, sizeof(v->text), "%" PM_PRIu64, v->num);
    pm_value_release(&raw);
    return 0;
}

/* 1 when the value is there and a number (the only form the checks below act on). */
static int policy_num(struct policy_ctx *c, const char *key, const char *name,
                      struct policy_val *v, int *rc)
{
    *rc = policy_read(c, key, name, v);
    return *rc == 0 && v->found && v->numeric;
}

/* A policy on/off switch against a config switch (CachedMode=enable|disable|keep). */
static int check_switch(struct policy_ctx *c, const char *key, const char *name,
                        enum pm_switch want, const char *cfg_key, const char *what)
{
    struct policy_val v;
    int rc = 0;
    if (want == PM_KEEP || !policy_num(c, key, name, &v, &rc))
        return rc;
    if (want == PM_ENABLE && v.num == 0)
        return policy_add(c, key, name, &v,
                          "policy turns off %s, so %s=enable is undone at the next policy refresh",
                          what, cfg_key);
    if (want == PM_DISABLE && v.num != 0)
        return policy_add(c, key, name, &v,
                          "policy turns on %s, so %s=disable is undone at the next policy refresh",
                          what, cfg_key);
    return 0;
}

static int check_cached_mode(struct policy_ctx *c, const char *outlook)
{
    struct pm_buf key = PM_BUF_INIT;
    int rc = pm_buf_printf(&key, "%s\\Cached Mode", outlook);
    if (rc == 0)
        rc = check_switch(c, key.data, "enable", c->cfg->cached_mode, "CachedMode",
                          "Cached Exchange Mode");
    if (rc == 0)
        rc = check_switch(c, key.data, "downloadsharedfolders", c->cfg->download_shared,
                          "DownloadSharedFolders", "downloading shared folders");
    if (rc == 0)
        rc = check_switch(c, key.data, "syncpffav", c->cfg->download_pf_fav,
                          "DownloadPublicFolderFavorites", "downloading Public Folder Favorites");
    /* "Disable shared mail folder caching": enabled writes 0 (§7.1), the inverse sense. */
    struct policy_val v;
    if (rc == 0 && c->cfg->download_shared == PM_ENABLE &&
        policy_num(c, key.data, "cacheothersmail", &v, &rc) && v.num == 0)
        rc = policy_add(c, key.data, "cacheothersmail", &v,
                        "policy disables caching of shared mail folders, which "
                        "DownloadSharedFolders=enable asks for");
    pm_buf_release(&key);
    return rc;
}

static int check_ost(struct policy_ctx *c, const char *outlook)
{
    struct pm_buf key = PM_BUF_INIT;
    int rc = pm_buf_printf(&key, "%s\\OST", outlook);
    struct policy_val v;
    /* "Do not allow an OST file to be created" writes 2 when enabled (§7.3). */
    if (rc == 0 && c->cfg->cached_mode == PM_ENABLE &&
        policy_num(c, key.data, "noost", &v, &rc) && v.num == 2)
        rc = policy_add(c, key.data, "noost", &v,
                        "policy forbids OST files, so CachedMode=enable cannot take effect");
    pm_buf_release(&key);
    return rc;
}

static int check_rpc(struct policy_ctx *c, const char *outlook)
{
    const struct pm_config *cfg = c->cfg;
    struct pm_buf key = PM_BUF_INIT;
    int rc = pm_buf_printf(&key, "%s\\RPC", outlook);
    struct policy_val v;
    if (rc < 0)
        goto out;

    if ((rc = policy_read(c, key.data, "proxyservername", &v)) < 0)
        goto out;
    if (v.found && cfg->outlook_anywhere == PM_DISABLE)
        rc = policy_add(c, key.data, "proxyservername", &v,
                        "policy sets an Outlook Anywhere proxy, which OutlookAnywhere=disable "
                        "turns off");
    else if (v.found && cfg->proxy_server && pm_name_casecmp(v.text, cfg->proxy_server) != 0)
        rc = policy_add(c, key.data, "proxyservername", &v,
                        "policy sets the Outlook Anywhere proxy, replacing ProxyServer=%s",
                        cfg->proxy_server);
    if (rc < 0)
        goto out;

    if ((rc = policy_read(c, key.data, "proxyserverprincipalname", &v)) < 0)
        goto out;
    if (v.found && cfg->proxy_principal && pm_name_casecmp(v.text, cfg->proxy_principal) != 0 &&
        (rc = policy_add(c, key.data, "proxyserverprincipalname", &v,
                         "policy sets the proxy principal name, replacing ProxyPrincipalName=%s",
                         cfg->proxy_principal)) < 0)
        goto out;

    if (cfg->proxy_auth != PM_PROXY_AUTH_UNSET &&
        policy_num(c, key.data, "proxyauthenticationservice", &v, &rc) &&
        v.num != PM_U64(cfg->proxy_auth) &&
        (rc = policy_add(c, key.data, "proxyauthenticationservice", &v,
                         "policy sets the proxy authentication to %" PM_PRIu64
                         ", replacing ProxyAuth "
                         "(%d)",
                         v.num, (int)cfg->proxy_auth)) < 0)
        goto out;
    if (rc < 0)
        goto out;

    if (policy_num(c, key.data, "proxyserverflags", &v, &rc)) {
        static const struct {
            unsigned bit;
            size_t off;
            const char *name;
        } flags[] = {
            {ROH_SSL_ONLY, offsetof(struct pm_config, proxy_ssl_only), "ProxySslOnly"},
            {ROH_MUTUAL_AUTH, offsetof(struct pm_config, proxy_mutual_auth), "ProxyMutualAuth"},
            {ROH_HTTP_FAST, offsetof(struct pm_config, proxy_http_fast), "ProxyHttpOnFast"},
            {ROH_HTTP_SLOW, offsetof(struct pm_config, proxy_http_slow), "ProxyHttpOnSlow"},
        };
        if (cfg->outlook_anywhere == PM_ENABLE && !(v.num & ROH_USE))
            rc = policy_add(c, key.data, "proxyserverflags", &v,
                            "policy connection flags leave Outlook Anywhere off, which "
                            "OutlookAnywhere=enable turns on");
        else if (cfg->outlook_anywhere == PM_DISABLE && (v.num & ROH_USE))
            rc = policy_add(c, key.data, "proxyserverflags", &v,
                            "policy connection flags turn Outlook Anywhere on, which "
                            "OutlookAnywhere=disable turns off");
        for (size_t i = 0; i < PM_ARRAY_SIZE(flags) && rc == 0; i++) {
            int want = *(const int *)((const char *)cfg + flags[i].off);
            int have = (v.num & flags[i].bit) != 0;
            if (want >= 0 && want != have)
                rc = policy_add(c, key.data, "proxyserverflags", &v,
                                "policy connection flags set %s to %s, the config says %s",
                                flags[i].name, have ? "yes" : "no", want ? "yes" : "no");
        }
    }
out:
    pm_buf_release(&key);
    return rc;
}

/* The Autodiscover switches: the same names work in the policy key and in the user's own
 * ...\Outlook\AutoDiscover key (§7.3). The update deletes cached server values for Autodiscover
 * to refill, so anything that blinds or misdirects Autodiscover matters. */
static int check_autodiscover(struct policy_ctx *c, const char *key, int is_policy)
{
    static const struct {
        const char *name;
        const char *method;
    } excludes[] = {
        {"ExcludeHttpsRootDomain", "https://<domain>/autodiscover"},
        {"ExcludeHttpsAutoDiscoverDomain", "https://autodiscover.<domain>"},
        {"ExcludeHttpRedirect", "the HTTP redirect"},
        {"ExcludeSrvRecord", "the SRV record"},
        {"ExcludeExplicitO365Endpoint", "the Office 365 endpoint"},
    };
    struct policy_val v;
    int rc = 0;
    const char *who = is_policy ? "policy" : "this setting";
    for (size_t i = 0; i < PM_ARRAY_SIZE(excludes) && rc == 0; i++)
        if (policy_num(c, key, excludes[i].name, &v, &rc) && v.num != 0)
            rc = policy_add(c, key, excludes[i].name, &v,
                            "%s stops Autodiscover from trying %s; the values the update "
                            "removes are refilled by Autodiscover, which may not find the new "
                            "organization",
                            who, excludes[i].method);
    if (rc == 0 && policy_num(c, key, "ExcludeScpLookup", &v, &rc) && v.num == 0)
        rc = policy_add(c, key, "ExcludeScpLookup", &v,
                        "%s keeps the Active Directory (SCP) lookup first: a domain-joined PC "
                        "may be sent back to the old organization's Exchange",
                        who);
    if (rc == 0 && policy_num(c, key, "ExcludeLastKnownGoodUrl", &v, &rc) && v.num == 0)
        rc = policy_add(c, key, "ExcludeLastKnownGoodUrl", &v,
                        "%s makes Outlook try the last known good (old) Autodiscover URL first",
                        who);
    if (rc == 0 && policy_num(c, key, "PreferLocalXML", &v, &rc) && v.num != 0)
        rc = policy_add(c, key, "PreferLocalXML", &v,
                        "%s makes a local Autodiscover XML file win over the server: if it "
                        "describes the old organization, Outlook goes back there",
                        who);
    if (rc == 0 && policy_num(c, key, "ZeroConfigExchange", &v, &rc) && v.num != 0)
        rc = policy_add(c, key, "ZeroConfigExchange", &v,
                        "%s makes Outlook configure the profile from Active Directory at start, "
                        "which may point it back at the old mailbox",
                        who);
    return rc;
}

/* Office versions present under root ("15.0", "16.0", ...), oldest first as the store lists. */
static int office_versions(struct policy_ctx *c, const char *root, struct pm_strlist *out)
{
    struct pm_strlist subs = PM_STRLIST_INIT;
    int rc = pm_store_subkeys(c->st, root, &subs, c->err);
    for (size_t i = 0; rc >= 0 && i < subs.n; i++) {
        const char *s = subs.items[i];
        char *end = NULL;
        long major = strtol(s, &end, 10);
        if (s[0] >= '0' && s[0] <= '9' && end && strcmp(end, ".0") == 0 &&
            major >= POLICY_MIN_MAJOR && major < 100 && pm_strlist_find(out, s) < 0 &&
            pm_strlist_add(out, s) < 0)
            rc = pm_error_set(c->err, PM_ERR_NOMEM, root, 0, "out of memory");
    }
    pm_strlist_release(&subs);
    return rc < 0 ? rc : 0;
}

int pm_policy_check(struct pm_store *st, const struct pm_config *cfg,
                    struct pm_policy_report *out, struct pm_error *err)
{
    memset(out, 0, sizeof(*out));
    struct policy_ctx c = {st, cfg, out, err};
    struct pm_strlist pol = PM_STRLIST_INIT;
    struct pm_buf key = PM_BUF_INIT;
    int rc = office_versions(&c, POLICY_ROOT, &pol);
    for (size_t i = 0; rc == 0 && i < pol.n; i++) {
        pm_buf_reset(&key);
        if ((rc = pm_buf_printf(&key, POLICY_ROOT "\\%s\\Outlook", pol.items[i])) < 0)
            break;
        rc = check_cached_mode(&c, key.data);
        if (rc == 0)
            rc = check_ost(&c, key.data);
        if (rc == 0)
            rc = check_rpc(&c, key.data);
        if (rc == 0 && (rc = pm_buf_puts(&key, "\\AutoDiscover")) == 0)
            rc = check_autodiscover(&c, key.data, 1);
    }
    /* The user's own AutoDiscover key is read by the outside-the-profile scan (pm/outside.h),
     * which can also clean it; only the policy key is checked here. */
    /* "DS Server" pins the address book to one global catalog (KB 319206); after a move to
     * another forest that GC cannot resolve the new mailbox. */
    struct policy_val v;
    if (rc == 0 &&
        (rc = policy_read(&c, "Software\\Microsoft\\Exchange\\Exchange Provider", "DS Server",
                          &v)) == 0 &&
        v.found && v.text[0])
        rc = policy_add(&c, "Software\\Microsoft\\Exchange\\Exchange Provider", "DS Server", &v,
                        "the address book is pinned to this global catalog, which may belong "
                        "to the old organization");
    /* Buffer helpers return a code without a message: give it one. */
    if (rc < 0 && err && err->code == PM_OK)
        pm_error_set(err, rc, NULL, 0, "%s", pm_err_name(rc));
    pm_buf_release(&key);
    pm_strlist_release(&pol);
    if (rc < 0)
        pm_policy_report_release(out);
    return rc;
}

void pm_policy_report_release(struct pm_policy_report *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->items[i].key);
        free(r->items[i].value);
        free(r->items[i].data);
        free(r->items[i].msg);
    }
    free(r->items);
    r->items = NULL;
    r->n = 0;
}
