/* prof.config: the administrator's settings, an INI file of key=value lines.
 * ';' and '#' start comment lines; [section] lines are allowed and ignored; keys are
 * case-insensitive; values may be quoted; %VAR% is expanded from the environment in path values.
 * UTF-8 (with or without BOM) or UTF-16LE/BE with BOM. Every key, its values and its default are
 * documented in docs/config.md. */
#ifndef PM_CONFIG_H
#define PM_CONFIG_H

#include "pm/error.h"
#include "pm/util.h"

enum pm_switch { PM_KEEP = 0, PM_ENABLE = 1, PM_DISABLE = 2 };
enum pm_ost_action { PM_OST_RENAME = 0, PM_OST_RESET = 1, PM_OST_KEEP = 2 };
enum pm_proxy_auth { PM_PROXY_AUTH_UNSET = 0, PM_PROXY_AUTH_BASIC = 1, PM_PROXY_AUTH_NTLM = 2,
                     PM_PROXY_AUTH_NEGOTIATE = 16 };

struct pm_config {
    char *path;          /* the file read */
    char *dir;           /* its folder */
    char *puf_file;      /* PufFile, resolved against dir */
    char *log_folder;    /* LogFolder resolved, or NULL (= "Logs" beside the executable) */
    char *backup_folder; /* BackupFolder resolved, or NULL (= "Backups" inside the log folder) */
    int backup;          /* Backup: 1 (default) or 0 */
    int backup_keep;     /* BackupKeep: the user's newest backups cleanup keeps (5; 0-1000) */
    enum pm_switch cached_mode;      /* CachedMode */
    enum pm_switch download_shared;  /* DownloadSharedFolders */
    enum pm_switch download_pf_fav;  /* DownloadPublicFolderFavorites */
    enum pm_switch outlook_anywhere; /* OutlookAnywhere */
    char *proxy_server;              /* ProxyServer (host, no scheme) or NULL */
    char *proxy_principal;           /* ProxyPrincipalName (e.g. msstd:mail.contoso.com) or NULL */
    enum pm_proxy_auth proxy_auth;   /* ProxyAuth */
    /* The four Outlook Anywhere connection flags: -1 unset, 0 off, 1 on. */
    int proxy_ssl_only;     /* ProxySslOnly      ROHFLAGS_SSL_ONLY 0x02 */
    int proxy_mutual_auth;  /* ProxyMutualAuth   ROHFLAGS_MUTUAL_AUTH 0x04 */
    int proxy_http_fast;    /* ProxyHttpOnFast   ROHFLAGS_HTTP_FIRST_ON_FAST 0x08 */
    int proxy_http_slow;    /* ProxyHttpOnSlow   ROHFLAGS_HTTP_FIRST_ON_SLOW 0x20 */
    enum pm_ost_action ost_action; /* OstAction */
    int autodiscover_clean; /* AutodiscoverAction: 0 report (default), 1 clean */
    int identity_remove;    /* IdentityAction: 0 report (default), 1 remove */
    /* Windows run-time settings. */
    char *run_after;       /* RunAfter: program started after the run, or NULL */
    char *run_after_args;  /* RunAfterArgs */
    int wait_for_outlook;  /* WaitForOutlook: seconds to wait for MAPI clients to exit (0) */
    char *mapi_clients;    /* MapiClients: comma-separated image names */
    int require_readonly_config; /* RequireReadOnlyConfig */
    int lock_wait;         /* LockWait: seconds a second run waits for the first (30) */
    int watch_outlook;     /* WatchOutlook: seconds update watches for the clients to exit (0: off) */
    int watch_run_after;   /* WatchRunAfter: RunAfter also starts after a watch (no) */
    int puf_cache;         /* PufCache: keep the PUF's answers on this computer (yes) */
};

/* Fills cfg with defaults (no file read). */
void pm_config_defaults(struct pm_config *cfg);
/* Reads and validates a config file. Unknown keys and duplicate keys are reported through
 * 'warn' (file and line) and otherwise ignored. Errors: PM_ERR_IO (missing or unreadable: the
 * message says which), PM_ERR_PARSE (bad line or value, file:line). On error cfg holds
 * nothing to release. */
int pm_config_load(struct pm_config *cfg, const char *path, pm_diag_fn warn, void *ctx,
                   struct pm_error *err);
/* pm_config_load that also asks, of the file as it is open, whether anyone but the
 * administrators and its owner can change it (pm_os_fwritable_by_others): *others is 1 (who in
 * 'why'), 0, or -1 when it could not be told. Asked of the open file, the answer is about the
 * content read, and a share sees no second open. */
int pm_config_load_trust(struct pm_config *cfg, const char *path, int *others, struct pm_buf *why,
                         pm_diag_fn warn, void *ctx, struct pm_error *err);
/* Parses config text already in memory ('path' names it and anchors relative paths). */
int pm_config_parse(struct pm_config *cfg, const char *path, const void *data, size_t len,
                    pm_diag_fn warn, void *ctx, struct pm_error *err);
void pm_config_release(struct pm_config *cfg);

/* Names for logs. */
/* Expands %NAME% from the environment into out, as Windows does for REG_EXPAND_SZ and batch
 * files: "%%" is a literal '%', a name that is not set (reported through 'unset' when given) or
 * an unterminated one stays as written. Returns 0 or PM_ERR_NOMEM. */
int pm_env_expand(const char *v, struct pm_buf *out,
                  void (*unset)(void *ctx, const char *name, size_t len), void *ctx);
const char *pm_switch_name(enum pm_switch s);
const char *pm_ost_action_name(enum pm_ost_action a);

#endif
