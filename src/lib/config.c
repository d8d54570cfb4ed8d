/* prof.config: reads the administrator's INI file into struct pm_config. The text is decoded
 * (UTF-8 with or without BOM, UTF-16LE/BE with BOM) into UTF-8, then read line by line against one
 * table of known keys, so the parser, the defaults and docs/config.md describe the same set. The
 * whole file is small and bounded (PM_CONFIG_MAX_BYTES), so it is read at once. */
#include "compat.h"

#include "pm/config.h"
#include "pm/os.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* A prof.config is a few hundred bytes; a megabyte is a mistake (wrong file), not a config. */
#define PM_CONFIG_MAX_BYTES ((size_t)1 << 20)

#define PM_CONFIG_DEFAULT_PUF "mbm.puf"
#define PM_CONFIG_DEFAULT_MAPI_CLIENTS "OUTLOOK.EXE,UCMAPI.EXE,LYNC.EXE,COMMUNICATOR.EXE"
#define PM_CONFIG_MAX_SECONDS 3600
/* WatchOutlook: a watch may span a working day and the night after it, never longer. */
#define PM_CONFIG_MAX_WATCH_SECONDS 86400
#define PM_CONFIG_MAX_BACKUP_KEEP 1000

enum cfg_kind {
    CFG_PATH,    /* %VAR% expanded, resolved against the config's folder */
    CFG_STRING,  /* %VAR% expanded, kept as written */
    CFG_TEXT,    /* kept as written */
    CFG_SWITCH,  /* keep|enable|disable */
    CFG_BOOL,    /* yes/no/true/false/1/0 into an int */
    CFG_FLAG,    /* the same into an int that starts at -1 (unset) */
    CFG_OST,     /* rename|reset|keep */
    CFG_CLEAN,   /* report|clean into an int 0/1 */
    CFG_REMOVE,  /* report|remove into an int 0/1 */
    CFG_AUTH,    /* basic|ntlm|negotiate */
    CFG_SECONDS, /* 0..PM_CONFIG_MAX_SECONDS */
    CFG_WATCH,   /* 0..PM_CONFIG_MAX_WATCH_SECONDS (WatchOutlook) */
    CFG_COUNT    /* 0..PM_CONFIG_MAX_BACKUP_KEEP (BackupKeep) */
};

struct cfg_key {
    const char *name;
    enum cfg_kind kind;
    size_t offset;
};

#define CFG_FIELD(f) offsetof(struct pm_config, f)

/* Every key prof.config knows; docs/config.md lists the same keys in the same order. */
static const struct cfg_key cfg_keys[] = {
    {"PufFile", CFG_PATH, CFG_FIELD(puf_file)},
    {"LogFolder", CFG_PATH, CFG_FIELD(log_folder)},
    {"BackupFolder", CFG_PATH, CFG_FIELD(backup_folder)},
    {"Backup", CFG_BOOL, CFG_FIELD(backup)},
    {"BackupKeep", CFG_COUNT, CFG_FIELD(backup_keep)},
    {"CachedMode", CFG_SWITCH, CFG_FIELD(cached_mode)},
    {"DownloadSharedFolders", CFG_SWITCH, CFG_FIELD(download_shared)},
    {"DownloadPublicFolderFavorites", CFG_SWITCH, CFG_FIELD(download_pf_fav)},
    {"OutlookAnywhere", CFG_SWITCH, CFG_FIELD(outlook_anywhere)},
    {"ProxyServer", CFG_TEXT, CFG_FIELD(proxy_server)},
    {"ProxyPrincipalName", CFG_TEXT, CFG_FIELD(proxy_principal)},
    {"ProxyAuth", CFG_AUTH, CFG_FIELD(proxy_auth)},
    {"ProxySslOnly", CFG_FLAG, CFG_FIELD(proxy_ssl_only)},
    {"ProxyMutualAuth", CFG_FLAG, CFG_FIELD(proxy_mutual_auth)},
    {"ProxyHttpOnFast", CFG_FLAG, CFG_FIELD(proxy_http_fast)},
    {"ProxyHttpOnSlow", CFG_FLAG, CFG_FIELD(proxy_http_slow)},
    {"OstAction", CFG_OST, CFG_FIELD(ost_action)},
    {"AutodiscoverAction", CFG_CLEAN, CFG_FIELD(autodiscover_clean)},
    {"IdentityAction", CFG_REMOVE, CFG_FIELD(identity_remove)},
    {"RunAfter", CFG_PATH, CFG_FIELD(run_after)},
    {"RunAfterArgs", CFG_STRING, CFG_FIELD(run_after_args)},
    {"WaitForOutlook", CFG_SECONDS, CFG_FIELD(wait_for_outlook)},
    {"MapiClients", CFG_TEXT, CFG_FIELD(mapi_clients)},
    {"RequireReadOnlyConfig", CFG_BOOL, CFG_FIELD(require_readonly_config)},
    {"LockWait", CFG_SECONDS, CFG_FIELD(lock_wait)},
    {"WatchOutlook", CFG_WATCH, CFG_FIELD(watch_outlook)},
    {"WatchRunAfter", CFG_BOOL, CFG_FIELD(watch_run_after)},
    {"PufCache", CFG_BOOL, CFG_FIELD(puf_cache)},
};

void pm_config_defaults(struct pm_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->puf_file = pm_strdup(PM_CONFIG_DEFAULT_PUF);
    cfg->backup = 1;
    cfg->backup_keep = 5;
    cfg->cached_mode = PM_KEEP;
    cfg->download_shared = PM_KEEP;
    cfg->download_pf_fav = PM_KEEP;
    cfg->outlook_anywhere = PM_KEEP;
    cfg->proxy_auth = PM_PROXY_AUTH_UNSET;
    cfg->proxy_ssl_only = -1;
    cfg->proxy_mutual_auth = -1;
    cfg->proxy_http_fast = -1;
    cfg->proxy_http_slow = -1;
    cfg->ost_action = PM_OST_RENAME;
    cfg->wait_for_outlook = 0;
    cfg->mapi_clients = pm_strdup(PM_CONFIG_DEFAULT_MAPI_CLIENTS);
    cfg->require_readonly_config = 0;
    cfg->lock_wait = 30;
    cfg->puf_cache = 1;
}

void pm_config_release(struct pm_config *cfg)
{
    if (!cfg)
        return;
    free(cfg->path);
    free(cfg->dir);
    free(cfg->puf_file);
    free(cfg->log_folder);
    free(cfg->backup_folder);
    free(cfg->proxy_server);
    free(cfg->proxy_principal);
    free(cfg->run_after);
    free(cfg->run_after_args);
    free(cfg->mapi_clients);
    memset(cfg, 0, sizeof(*cfg));
}

const char *pm_switch_name(enum pm_switch s)
{
    switch (s) {
    case PM_KEEP:
        return "keep";
    case PM_ENABLE:
        return "enable";
    case PM_DISABLE:
        return "disable";
    }
    return "?";
}

const char *pm_ost_action_name(enum pm_ost_action a)
{
    switch (a) {
    case PM_OST_RENAME:
        return "rename";
    case PM_OST_RESET:
        return "reset";
    case PM_OST_KEEP:
        return "keep";
    }
    return "?";
}

/* ---- decoding ---- */

/* Turns the file's bytes into UTF-8 text in 'out', by its BOM. Text without a BOM is taken as
 * UTF-8 (Notepad's default since Windows 10 1903). */
static int cfg_decode(const unsigned char *p, size_t len, struct pm_buf *out)
{
    if (len >= 2 && p[0] == 0xFF && p[1] == 0xFE)
        return pm_utf16le_to_utf8(p + 2, len - 2, out);
    if (len >= 2 && p[0] == 0xFE && p[1] == 0xFF) {
        /* Swap to little-endian, then use the one UTF-16 decoder. */
        struct pm_buf le = PM_BUF_INIT;
        int rc = 0;
        for (size_t i = 2; rc == 0 && i + 1 < len; i += 2) {
            char pair[2] = {(char)p[i + 1], (char)p[i]};
            rc = pm_buf_append(&le, pair, 2);
        }
        if (rc == 0)
            rc = pm_utf16le_to_utf8(le.data ? le.data : "", le.len, out);
        pm_buf_release(&le);
        return rc;
    }
    if (len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) {
        p += 3;
        len -= 3;
    }
    return pm_buf_append(out, p, len);
}

/* ---- values ---- */

static int cfg_is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\v' || c == '\f';
}

static int cfg_word_is(const char *v, const char *word)
{
    size_t n = strlen(word);
    return strlen(v) == n && pm_ascii_ncasecmp(v, word, n) == 0;
}

/* yes/no in the spellings administrators use; -1 when none of them. */
static int cfg_parse_bool(const char *v)
{
    if (cfg_word_is(v, "yes") || cfg_word_is(v, "true") || cfg_word_is(v, "1") ||
        cfg_word_is(v, "on"))
        return 1;
    if (cfg_word_is(v, "no") || cfg_word_is(v, "false") || cfg_word_is(v, "0") ||
        cfg_word_is(v, "off"))
        return 0;
    return -1;
}

int pm_env_expand(const char *v, struct pm_buf *out,
                  void (*unset)(void *ctx, const char *name, size_t len), void *ctx)
{
    struct pm_buf val = PM_BUF_INIT;
    pm_buf_reset(out);
    int rc = pm_buf_append(out, "", 0);
    while (rc == 0 && *v) {
        const char *pct = strchr(v, '%');
        if (!pct) {
            rc = pm_buf_puts(out, v);
            break;
        }
        rc = pm_buf_append(out, v, (size_t)(pct - v));
        const char *end = rc == 0 ? strchr(pct + 1, '%') : NULL;
        if (rc != 0)
            break;
        if (!end) {
            rc = pm_buf_puts(out, pct);
            break;
        }
        if (end == pct + 1) {
            rc = pm_buf_putc(out, '%');
            v = end + 1;
            continue;
        }
        char name[256];
        size_t nlen = (size_t)(end - pct - 1);
        int found = 0;
        if (nlen < sizeof(name)) {
            memcpy(name, pct + 1, nlen);
            name[nlen] = 0;
            rc = pm_os_getenv(name, &val);
            found = rc == 0;
            if (rc == PM_ERR_NOTFOUND)
                rc = 0;
            if (rc < 0)
                break;
        }
        if (found) {
            rc = pm_buf_append(out, val.data ? val.data : "", val.len);
        } else {
            if (unset)
                unset(ctx, pct + 1, nlen);
            rc = pm_buf_append(out, pct, (size_t)(end - pct + 1));
        }
        v = end + 1;
    }
    pm_buf_release(&val);
    return rc;
}

struct cfg_unset {
    const char *path, *key;
    unsigned line;
    pm_diag_fn warn;
    void *ctx;
};

static void cfg_unset_warn(void *ctx, const char *name, size_t nlen)
{
    const struct cfg_unset *u = ctx;
    if (!u->warn)
        return;
    char msg[400];
    snprintf(msg, sizeof(msg), "%s: environment variable '%.*s' is not set; kept as written",
             u->key, (int)(nlen > 200 ? 200 : nlen), name);
    u->warn(u->ctx, u->path, u->line, msg);
}

/* Expands %NAME% in a config value, reporting names that are not set. */
static int cfg_expand(const char *path, unsigned line, const char *key, const char *v,
                      struct pm_buf *out, pm_diag_fn warn, void *ctx)
{
    struct cfg_unset u = {path, key, line, warn, ctx};
    return pm_env_expand(v, out, cfg_unset_warn, &u);
}

static int cfg_set_string(char **slot, const char *s)
{
    char *copy = pm_strdup(s);
    if (!copy)
        return PM_ERR_NOMEM;
    free(*slot);
    *slot = copy;
    return 0;
}

/* Stores one value. Empty string values mean "back to the default". */
/* A path, a string or a text value; an empty one restores the default. */
static int cfg_apply_text(struct pm_config *cfg, const struct cfg_key *k, const char *v,
                          unsigned line, pm_diag_fn warn, void *ctx, struct pm_error *err)
{
    char **slot = (char **)(void *)((char *)cfg + k->offset);
    const char *path = cfg->path;
    if (!*v) {
        free(*slot);
        *slot = NULL;
        if (k->offset == CFG_FIELD(puf_file))
            v = PM_CONFIG_DEFAULT_PUF;
        else if (k->offset == CFG_FIELD(mapi_clients))
            v = PM_CONFIG_DEFAULT_MAPI_CLIENTS;
        else
            return 0;
    }
    if (k->kind == CFG_TEXT)
        return cfg_set_string(slot, v)
                   ? pm_error_set(err, PM_ERR_NOMEM, path, line, "out of memory")
                   : 0;
    struct pm_buf exp = PM_BUF_INIT, joined = PM_BUF_INIT;
    int rc = cfg_expand(path, line, k->name, v, &exp, warn, ctx);
    if (rc == 0 && k->kind == CFG_PATH)
        rc = pm_path_join(&joined, cfg->dir, exp.data);
    if (rc == 0)
        rc = cfg_set_string(slot, k->kind == CFG_PATH ? joined.data : exp.data);
    pm_buf_release(&exp);
    pm_buf_release(&joined);
    return rc ? pm_error_set(err, PM_ERR_NOMEM, path, line, "out of memory") : 0;
}

/* The words a key of each enumerated kind takes, and the value each stands for. */
struct cfg_word {
    int kind;
    const char *word;
    int value;
};

static const struct cfg_word cfg_words[] = {
    {CFG_SWITCH, "keep", PM_KEEP},
    {CFG_SWITCH, "enable", PM_ENABLE},
    {CFG_SWITCH, "disable", PM_DISABLE},
    {CFG_OST, "rename", PM_OST_RENAME},
    {CFG_OST, "reset", PM_OST_RESET},
    {CFG_OST, "keep", PM_OST_KEEP},
    {CFG_AUTH, "basic", PM_PROXY_AUTH_BASIC},
    {CFG_AUTH, "ntlm", PM_PROXY_AUTH_NTLM},
    {CFG_AUTH, "negotiate", PM_PROXY_AUTH_NEGOTIATE},
    {CFG_CLEAN, "report", 0},
    {CFG_CLEAN, "clean", 1},
    {CFG_REMOVE, "report", 0},
    {CFG_REMOVE, "remove", 1},
};

_Static_assert(sizeof(enum pm_switch) == sizeof(int) && sizeof(enum pm_ost_action) == sizeof(int) &&
                   sizeof(enum pm_proxy_auth) == sizeof(int),
               "enumerated config fields are stored through an int");

/* One of the words of the key's kind, stored as its enum value; else an error listing them. */
static int cfg_apply_word(struct pm_config *cfg, const struct cfg_key *k, const char *v,
                          unsigned line, struct pm_error *err)
{
    struct pm_buf words = PM_BUF_INIT;
    for (size_t i = 0; i < PM_ARRAY_SIZE(cfg_words); i++) {
        if (cfg_words[i].kind != (int)k->kind)
            continue;
        if (cfg_word_is(v, cfg_words[i].word)) {
            /* Every enumerated field is an enum, stored as an int. */
            *(int *)(void *)((char *)cfg + k->offset) = cfg_words[i].value;
            pm_buf_release(&words);
            return 0;
        }
        pm_buf_printf(&words, "%s%s", words.len ? ", " : "", cfg_words[i].word);
    }
    int rc = pm_error_set(err, PM_ERR_PARSE, cfg->path, line, "%s: '%s' is not one of %s", k->name,
                          v, words.data ? words.data : "");
    pm_buf_release(&words);
    return rc;
}

static int cfg_apply_seconds(struct pm_config *cfg, const struct cfg_key *k, const char *v,
                             unsigned line, struct pm_error *err)
{
    long n = 0;
    const char *p = v;
    int count = k->kind == CFG_COUNT;
    long max = count                    ? PM_CONFIG_MAX_BACKUP_KEEP
               : k->kind == CFG_WATCH ? PM_CONFIG_MAX_WATCH_SECONDS
                                      : PM_CONFIG_MAX_SECONDS;
    for (; *p; p++) {
        if (*p < '0' || *p > '9')
            break;
        n = n * 10 + (*p - '0');
        if (n > max)
            break;
    }
    if (!*v || *p)
        return pm_error_set(err, PM_ERR_PARSE, cfg->path, line,
                            "%s: '%s' is not a number %sfrom 0 to %ld", k->name, v,
                            count ? "" : "of seconds ", max);
    *(int *)(void *)((char *)cfg + k->offset) = (int)n;
    return 0;
}

static int cfg_apply(struct pm_config *cfg, const struct cfg_key *k, const char *v, unsigned line,
                     pm_diag_fn warn, void *ctx, struct pm_error *err)
{
    switch (k->kind) {
    case CFG_PATH:
    case CFG_STRING:
    case CFG_TEXT:
        return cfg_apply_text(cfg, k, v, line, warn, ctx, err);
    case CFG_BOOL:
    case CFG_FLAG: {
        int b = cfg_parse_bool(v);
        if (b < 0)
            return pm_error_set(err, PM_ERR_PARSE, cfg->path, line,
                                "%s: '%s' is not one of yes, no", k->name, v);
        *(int *)(void *)((char *)cfg + k->offset) = b;
        return 0;
    }
    case CFG_SWITCH:
    case CFG_OST:
    case CFG_AUTH:
    case CFG_CLEAN:
    case CFG_REMOVE:
        return cfg_apply_word(cfg, k, v, line, err);
    case CFG_SECONDS:
    case CFG_WATCH:
    case CFG_COUNT:
        return cfg_apply_seconds(cfg, k, v, line, err);
    }
    return pm_error_set(err, PM_ERR_INVALID, cfg->path, line, "%s: unknown key kind", k->name);
}

/* ---- lines ---- */

static const struct cfg_key *cfg_find_key(const char *name, size_t len)
{
    for (size_t i = 0; i < PM_ARRAY_SIZE(cfg_keys); i++)
        if (strlen(cfg_keys[i].name) == len && pm_ascii_ncasecmp(cfg_keys[i].name, name, len) == 0)
            return &cfg_keys[i];
    return NULL;
}

static void cfg_warnf(pm_diag_fn warn, void *ctx, const char *path, unsigned line, const char *fmt,
                      ...) PM_PRINTF(5, 6);

static void cfg_warnf(pm_diag_fn warn, void *ctx, const char *path, unsigned line, const char *fmt,
                      ...)
{
    if (!warn)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    warn(ctx, path, line, msg);
}

/* Cross-key rules, checked once every line is read. */
static int cfg_validate(const struct pm_config *cfg, const unsigned *seen_line,
                        struct pm_error *err)
{
    size_t oa = 0;
    for (size_t i = 0; i < PM_ARRAY_SIZE(cfg_keys); i++)
        if (cfg_keys[i].offset == CFG_FIELD(outlook_anywhere))
            oa = i;
    if (cfg->outlook_anywhere == PM_ENABLE && !cfg->proxy_server)
        return pm_error_set(err, PM_ERR_PARSE, cfg->path, seen_line[oa],
                            "OutlookAnywhere: 'enable' needs ProxyServer (the proxy host name)");
    if (cfg->proxy_server) {
        /* A DNS host name (and an optional :port): it is written into every updated profile. */
        const char *s = cfg->proxy_server;
        int bad = strlen(s) > 253;
        for (const char *p = s; *p && !bad; p++)
            bad = !((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                    (*p >= '0' && *p <= '9') || *p == '.' || *p == '-' || *p == ':' || *p == '_');
        if (bad) {
            size_t ps = 0;
            for (size_t i = 0; i < PM_ARRAY_SIZE(cfg_keys); i++)
                if (cfg_keys[i].offset == CFG_FIELD(proxy_server))
                    ps = i;
            return pm_error_set(err, PM_ERR_PARSE, cfg->path, seen_line[ps],
                                "ProxyServer: '%.80s%s' is not a host name (write the host alone, "
                                "without https:// or a path)",
                                s, strlen(s) > 80 ? "..." : "");
        }
    }
    return 0;
}

static int cfg_parse_text(struct pm_config *cfg, const char *text, size_t len, pm_diag_fn warn,
                          void *ctx, struct pm_error *err)
{
    unsigned seen_line[PM_ARRAY_SIZE(cfg_keys)] = {0};
    unsigned lineno = 0;
    size_t pos = 0;
    while (pos < len) {
        const char *line = text + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t llen = nl ? (size_t)(nl - line) : len - pos;
        pos += llen + (nl ? 1 : 0);
        lineno++;
        if (llen && line[llen - 1] == '\r')
            llen--;
        if (!pm_utf8_valid(line, llen))
            return pm_error_set(err, PM_ERR_PARSE, cfg->path, lineno,
                                "line is not valid UTF-8 (save the file as UTF-8 or Unicode)");
        if (memchr(line, 0, llen))
            return pm_error_set(err, PM_ERR_PARSE, cfg->path, lineno, "line contains a NUL byte");
        while (llen && cfg_is_blank(*line)) {
            line++;
            llen--;
        }
        while (llen && cfg_is_blank(line[llen - 1]))
            llen--;
        if (!llen || line[0] == ';' || line[0] == '#')
            continue;
        if (line[0] == '[') {
            if (line[llen - 1] != ']')
                return pm_error_set(err, PM_ERR_PARSE, cfg->path, lineno,
                                    "section line '%.*s' does not end with ']'",
                                    (int)(llen > 200 ? 200 : llen), line);
            continue;
        }
        const char *eq = memchr(line, '=', llen);
        if (!eq)
            return pm_error_set(err, PM_ERR_PARSE, cfg->path, lineno,
                                "expected key=value, found '%.*s'", (int)(llen > 200 ? 200 : llen),
                                line);
        size_t klen = (size_t)(eq - line);
        while (klen && cfg_is_blank(line[klen - 1]))
            klen--;
        if (!klen)
            return pm_error_set(err, PM_ERR_PARSE, cfg->path, lineno,
                                "expected key=value, the key is empty");
        const char *v = eq + 1;
        size_t vlen = llen - (size_t)(v - line);
        while (vlen && cfg_is_blank(*v)) {
            v++;
            vlen--;
        }
        /* Quotes protect leading or trailing blanks and mark an explicit empty value. */
        if (vlen >= 2 && (v[0] == '"' || v[0] == '\'') && v[vlen - 1] == v[0]) {
            v++;
            vlen -= 2;
        }
        const struct cfg_key *k = cfg_find_key(line, klen);
        if (!k) {
            cfg_warnf(warn, ctx, cfg->path, lineno, "unknown key '%.*s' ignored",
                      (int)(klen > 200 ? 200 : klen), line);
            continue;
        }
        size_t ki = (size_t)(k - cfg_keys);
        if (seen_line[ki])
            cfg_warnf(warn, ctx, cfg->path, lineno,
                      "duplicate key '%s' (first set on line %u); the last value is used", k->name,
                      seen_line[ki]);
        seen_line[ki] = lineno;
        char *value = pm_strndup(v, vlen);
        if (!value)
            return pm_error_set(err, PM_ERR_NOMEM, cfg->path, lineno, "out of memory");
        int rc = cfg_apply(cfg, k, value, lineno, warn, ctx, err);
        free(value);
        if (rc < 0)
            return rc;
    }
    return cfg_validate(cfg, seen_line, err);
}

int pm_config_parse(struct pm_config *cfg, const char *path, const void *data, size_t len,
                    pm_diag_fn warn, void *ctx, struct pm_error *err)
{
    struct pm_config c;
    struct pm_buf dir = PM_BUF_INIT, text = PM_BUF_INIT;
    pm_config_defaults(&c);
    if (!path)
        path = "prof.config";
    if (!data) {
        data = "";
        len = 0;
    }
    int rc = 0;
    if (!c.puf_file || !c.mapi_clients || !(c.path = pm_strdup(path)) ||
        pm_path_dirname(&dir, path) < 0 || !(c.dir = pm_buf_detach(&dir, NULL)))
        rc = pm_error_set(err, PM_ERR_NOMEM, path, 0, "out of memory");
    /* The default PufFile is relative to the config's folder, like a written one. */
    if (rc == 0) {
        struct pm_buf joined = PM_BUF_INIT;
        if (pm_path_join(&joined, c.dir, PM_CONFIG_DEFAULT_PUF) < 0 ||
            cfg_set_string(&c.puf_file, joined.data) < 0)
            rc = pm_error_set(err, PM_ERR_NOMEM, path, 0, "out of memory");
        pm_buf_release(&joined);
    }
    if (rc == 0 && len > PM_CONFIG_MAX_BYTES)
        rc = pm_error_set(err, PM_ERR_LIMIT, path, 0, "config file is larger than %zu bytes",
                          PM_CONFIG_MAX_BYTES);
    if (rc == 0) {
        pm_buf_init(&text, PM_CONFIG_MAX_BYTES * 2 + 16);
        if (cfg_decode(data, len, &text) < 0 || pm_buf_append(&text, "", 0) < 0)
            rc = pm_error_set(err, PM_ERR_NOMEM, path, 0, "out of memory");
    }
    if (rc == 0)
        rc = cfg_parse_text(&c, text.data, text.len, warn, ctx, err);
    pm_buf_release(&text);
    pm_buf_release(&dir);
    if (rc < 0) {
        pm_config_release(&c);
        memset(cfg, 0, sizeof(*cfg));
        return rc;
    }
    *cfg = c;
    return 0;
}

int pm_config_load(struct pm_config *cfg, const char *path, pm_diag_fn warn, void *ctx,
                   struct pm_error *err)
{
    return pm_config_load_trust(cfg, path, NULL, NULL, warn, ctx, err);
}

int pm_config_load_trust(struct pm_config *cfg, const char *path, int *others, struct pm_buf *why,
                         pm_diag_fn warn, void *ctx, struct pm_error *err)
{
    memset(cfg, 0, sizeof(*cfg));
    if (others)
        *others = -1;
    /* prof.config sits on the share, where each call is a round trip: open, one read of up to
     * the limit and a byte more, close. No stat first: the open and the read say what is wrong. */
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT || errno == ENOTDIR)
            return pm_error_set(err, PM_ERR_IO, path, 0, "config file is missing");
        return pm_error_set(err, PM_ERR_IO, path, 0, "config file is unreadable: %s",
                            strerror(errno));
    }
    char *data = malloc(PM_CONFIG_MAX_BYTES + 2);
    long n = data ? pm_os_pread(f, data, PM_CONFIG_MAX_BYTES + 1, 0) : 0;
    int rerr = n < 0 ? errno : 0;
    if (others && n >= 0) {
        int o = pm_os_fwritable_by_others(f, path, why);
        *others = o < 0 ? -1 : o;
    }
    fclose(f);
    int rc = 0;
    if (!data)
        rc = pm_error_set(err, PM_ERR_NOMEM, path, 0, "out of memory");
    else if (n < 0)
        rc = pm_error_set(err, PM_ERR_IO, path, 0, "config file is unreadable: %s",
                          rerr == EISDIR ? "it is a folder" : "read failed");
    else if ((size_t)n > PM_CONFIG_MAX_BYTES)
        rc = pm_error_set(err, PM_ERR_LIMIT, path, 0, "config file is larger than %zu bytes",
                          PM_CONFIG_MAX_BYTES);
    if (rc == 0) {
        data[n] = 0;
        rc = pm_config_parse(cfg, path, data, (size_t)n, warn, ctx, err);
    }
    free(data);
    return rc;
}
