/* Tests of prof.config reading as administrators write it: Notepad's encodings, comments and
 * sections, quoting, every key with its default, %VAR% expansion and path resolution, and the
 * file:line messages for unknown keys, duplicates and bad values. */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka needs the four headers above first. */
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pm/config.h"
#include "pm/util.h"
#include "testutil.h"

struct warnings {
    char text[16][600];
    unsigned n;
};

static void collect(void *ctx, const char *where, unsigned line, const char *msg)
{
    struct warnings *w = ctx;
    if (w->n < 16)
        snprintf(w->text[w->n], sizeof(w->text[0]), "%s:%u: %s", where, line, msg);
    w->n++;
}

static int parse(struct pm_config *c, const char *text, struct warnings *w, struct pm_error *err)
{
    return pm_config_parse(c, "/etc/pm/prof.config", text, strlen(text), collect, w, err);
}

static void expect_error(const char *text, const char *formatted)
{
    struct pm_config c;
    struct warnings w = {0};
    struct pm_error err;
    char msg[2048];
    assert_int_equal(parse(&c, text, &w, &err), PM_ERR_PARSE);
    pm_error_format(&err, msg, sizeof(msg));
    if (strcmp(msg, formatted) != 0)
        fail_msg("got '%s', want '%s'", msg, formatted);
    assert_null(c.path); /* nothing to release */
}

static void test_defaults(void **state)
{
    (void)state;
    struct pm_config c;
    struct warnings w = {0};
    struct pm_error err;
    assert_int_equal(parse(&c, "", &w, &err), 0);
    assert_int_equal(w.n, 0);
    assert_string_equal(c.path, "/etc/pm/prof.config");
    assert_string_equal(c.dir, "/etc/pm");
    assert_string_equal(c.puf_file, "/etc/pm/mbm.puf");
    assert_null(c.log_folder);
    assert_null(c.backup_folder);
    assert_int_equal(c.backup, 1);
    assert_int_equal(c.cached_mode, PM_KEEP);
    assert_int_equal(c.download_shared, PM_KEEP);
    assert_int_equal(c.download_pf_fav, PM_KEEP);
    assert_int_equal(c.outlook_anywhere, PM_KEEP);
    assert_null(c.proxy_server);
    assert_null(c.proxy_principal);
    assert_int_equal(c.proxy_auth, PM_PROXY_AUTH_UNSET);
    assert_int_equal(c.proxy_ssl_only, -1);
    assert_int_equal(c.proxy_mutual_auth, -1);
    assert_int_equal(c.proxy_http_fast, -1);
    assert_int_equal(c.proxy_http_slow, -1);
    assert_int_equal(c.ost_action, PM_OST_RENAME);
    assert_null(c.run_after);
    assert_null(c.run_after_args);
    assert_int_equal(c.wait_for_outlook, 0);
    assert_string_equal(c.mapi_clients, "OUTLOOK.EXE,UCMAPI.EXE,LYNC.EXE,COMMUNICATOR.EXE");
    assert_int_equal(c.require_readonly_config, 0);
    assert_int_equal(c.lock_wait, 30);
    assert_int_equal(c.backup_keep, 5);
    assert_int_equal(c.watch_outlook, 0);
    assert_int_equal(c.watch_run_after, 0);
    pm_config_release(&c);

    pm_config_defaults(&c);
    assert_string_equal(c.puf_file, "mbm.puf");
    assert_int_equal(c.lock_wait, 30);
    assert_string_equal(c.mapi_clients, "OUTLOOK.EXE,UCMAPI.EXE,LYNC.EXE,COMMUNICATOR.EXE");
    pm_config_release(&c);
}

static const char *full_config = "; profilemanager settings\r\n"
                                 "# written by the migration team\r\n"
                                 "[Files]\r\n"
                                 "  pufFILE = \"lists/mbm.puf\"  \r\n"
                                 "LogFolder=\\\\fs01\\logs$\\outlook\r\n"
                                 "BackupFolder = /var/backups/pm\r\n"
                                 "Backup = No\r\n"
                                 "\r\n"
                                 "[Outlook]\r\n"
                                 "CachedMode=enable\r\n"
                                 "DownloadSharedFolders = DISABLE\r\n"
                                 "DownloadPublicFolderFavorites=keep\r\n"
                                 "OutlookAnywhere=enable\r\n"
                                 "ProxyServer=mail.contoso.com\r\n"
                                 "ProxyPrincipalName='msstd:mail.contoso.com'\r\n"
                                 "ProxyAuth=Negotiate\r\n"
                                 "ProxySslOnly=yes\r\n"
                                 "ProxyMutualAuth=false\r\n"
                                 "ProxyHttpOnFast=1\r\n"
                                 "ProxyHttpOnSlow=0\r\n"
                                 "OstAction=reset\r\n"
                                 "[Run]\r\n"
                                 "RunAfter=C:\\Program Files\\Outlook\\OUTLOOK.EXE\r\n"
                                 "RunAfterArgs=/recycle\r\n"
                                 "WaitForOutlook=120\r\n"
                                 "MapiClients=OUTLOOK.EXE,LYNC.EXE\r\n"
                                 "RequireReadOnlyConfig=true\r\n"
                                 "LockWait=5\r\n"
                                 "BackupKeep=12\r\n"
                                 "WatchOutlook=86400\r\n"
                                 "WatchRunAfter=yes\r\n";

static void check_full(const struct pm_config *c)
{
    assert_string_equal(c->puf_file, "/etc/pm/lists/mbm.puf");
    assert_string_equal(c->log_folder, "\\\\fs01\\logs$\\outlook"); /* UNC stays as written */
    assert_string_equal(c->backup_folder, "/var/backups/pm");
    assert_int_equal(c->backup, 0);
    assert_int_equal(c->cached_mode, PM_ENABLE);
    assert_int_equal(c->download_shared, PM_DISABLE);
    assert_int_equal(c->download_pf_fav, PM_KEEP);
    assert_int_equal(c->outlook_anywhere, PM_ENABLE);
    assert_string_equal(c->proxy_server, "mail.contoso.com");
    assert_string_equal(c->proxy_principal, "msstd:mail.contoso.com");
    assert_int_equal(c->proxy_auth, PM_PROXY_AUTH_NEGOTIATE);
    assert_int_equal(c->proxy_ssl_only, 1);
    assert_int_equal(c->proxy_mutual_auth, 0);
    assert_int_equal(c->proxy_http_fast, 1);
    assert_int_equal(c->proxy_http_slow, 0);
    assert_int_equal(c->ost_action, PM_OST_RESET);
    assert_string_equal(c->run_after, "C:\\Program Files\\Outlook\\OUTLOOK.EXE");
    assert_string_equal(c->run_after_args, "/recycle");
    assert_int_equal(c->wait_for_outlook, 120);
    assert_string_equal(c->mapi_clients, "OUTLOOK.EXE,LYNC.EXE");
    assert_int_equal(c->require_readonly_config, 1);
    assert_int_equal(c->lock_wait, 5);
    assert_int_equal(c->backup_keep, 12);
    assert_int_equal(c->watch_outlook, 86400);
    assert_int_equal(c->watch_run_after, 1);
}

static void test_every_key(void **state)
{
    (void)state;
    struct pm_config c;
    struct warnings w = {0};
    struct pm_error err;
    assert_int_equal(parse(&c, full_config, &w, &err), 0);
    assert_int_equal(w.n, 0);
    check_full(&c);
    pm_config_release(&c);
}

/* The same text as Notepad saves it: UTF-8 with BOM, UTF-16LE ("Unicode") and UTF-16BE. */
static void test_encodings(void **state)
{
    (void)state;
    struct pm_buf u16 = PM_BUF_INIT, be = PM_BUF_INIT, u8 = PM_BUF_INIT;
    assert_int_equal(pm_buf_append(&u16, "\xFF\xFE", 2), 0);
    assert_int_equal(pm_utf8_to_utf16le(full_config, strlen(full_config), 0, &u16), 0);
    pm_buf_append(&be, "\xFE\xFF", 2);
    for (size_t i = 2; i + 1 < u16.len; i += 2) {
        char pair[2] = {u16.data[i + 1], u16.data[i]};
        pm_buf_append(&be, pair, 2);
    }
    pm_buf_append(&u8, "\xEF\xBB\xBF", 3);
    pm_buf_puts(&u8, full_config);
    const struct pm_buf *all[] = {&u16, &be, &u8};
    for (size_t i = 0; i < 3; i++) {
        struct pm_config c;
        struct warnings w = {0};
        struct pm_error err;
        assert_int_equal(pm_config_parse(&c, "/etc/pm/prof.config", all[i]->data, all[i]->len,
                                         collect, &w, &err),
                         0);
        assert_int_equal(w.n, 0);
        check_full(&c);
        pm_config_release(&c);
    }
    /* Non-ASCII paths survive UTF-16. */
    pm_buf_reset(&u16);
    pm_buf_append(&u16, "\xFF\xFE", 2);
    const char *t = "LogFolder=D:\\Journaux\\M\xC3\xBCller \xE6\x97\xA5\xE5\xBF\x97\r\n";
    pm_utf8_to_utf16le(t, strlen(t), 0, &u16);
    struct pm_config c;
    struct pm_error err;
    assert_int_equal(pm_config_parse(&c, "prof.config", u16.data, u16.len, NULL, NULL, &err), 0);
    assert_string_equal(c.log_folder, "D:\\Journaux\\M\xC3\xBCller \xE6\x97\xA5\xE5\xBF\x97");
    pm_config_release(&c);
    pm_buf_release(&u16);
    pm_buf_release(&be);
    pm_buf_release(&u8);
}

static void test_unknown_and_duplicate_keys_warn(void **state)
{
    (void)state;
    struct pm_config c;
    struct warnings w = {0};
    struct pm_error err;
    assert_int_equal(parse(&c, "OstAction=keep\nColour=blue\n\nostaction=reset\n", &w, &err), 0);
    assert_int_equal(w.n, 2);
    assert_string_equal(w.text[0], "/etc/pm/prof.config:2: unknown key 'Colour' ignored");
    assert_string_equal(w.text[1], "/etc/pm/prof.config:4: duplicate key 'OstAction' (first set "
                                   "on line 1); the last value is used");
    assert_int_equal(c.ost_action, PM_OST_RESET);
    pm_config_release(&c);
}

static void test_bad_values_name_file_and_line(void **state)
{
    (void)state;
    expect_error("; x\n\n[a]\nBackup=yes\nOstAction = move\n",
                 "/etc/pm/prof.config:5: OstAction: 'move' is not one of rename, reset, keep");
    expect_error("CachedMode=on\n",
                 "/etc/pm/prof.config:1: CachedMode: 'on' is not one of keep, enable, disable");
    expect_error("Backup=maybe\n", "/etc/pm/prof.config:1: Backup: 'maybe' is not one of yes, no");
    expect_error(
        "ProxyAuth=kerberos\n",
        "/etc/pm/prof.config:1: ProxyAuth: 'kerberos' is not one of basic, ntlm, negotiate");
    expect_error(
        "\nWaitForOutlook=3601\n",
        "/etc/pm/prof.config:2: WaitForOutlook: '3601' is not a number of seconds from 0 to 3600");
    expect_error("LockWait=-1\n",
                 "/etc/pm/prof.config:1: LockWait: '-1' is not a number of seconds from 0 to 3600");
    expect_error("WatchOutlook=86401\n", "/etc/pm/prof.config:1: WatchOutlook: '86401' is not a "
                                          "number of seconds from 0 to 86400");
    /* The watch's ceiling is its own: LockWait keeps its hour. */
    expect_error("LockWait=86400\n",
                 "/etc/pm/prof.config:1: LockWait: '86400' is not a number of seconds from 0 to 3600");
    expect_error("BackupKeep=1001\n",
                 "/etc/pm/prof.config:1: BackupKeep: '1001' is not a number from 0 to 1000");
    expect_error("BackupKeep=five\n",
                 "/etc/pm/prof.config:1: BackupKeep: 'five' is not a number from 0 to 1000");
    expect_error("LockWait=\n",
                 "/etc/pm/prof.config:1: LockWait: '' is not a number of seconds from 0 to 3600");
    expect_error("Backup yes\n", "/etc/pm/prof.config:1: expected key=value, found 'Backup yes'");
    expect_error("=yes\n", "/etc/pm/prof.config:1: expected key=value, the key is empty");
    expect_error("[Outlook\n",
                 "/etc/pm/prof.config:1: section line '[Outlook' does not end with ']'");
    expect_error(
        "[a]\nOutlookAnywhere=enable\n",
        "/etc/pm/prof.config:2: OutlookAnywhere: 'enable' needs ProxyServer (the proxy host name)");
    expect_error("ProxyServer=https://mail.contoso.com/rpc\n",
                 "/etc/pm/prof.config:1: ProxyServer: 'https://mail.contoso.com/rpc' is not a host "
                 "name (write the host alone, without https:// or a path)");
    expect_error("ProxyServer=mail.contoso.com\"><x\n",
                 "/etc/pm/prof.config:1: ProxyServer: 'mail.contoso.com\"><x' is not a host "
                 "name (write the host alone, without https:// or a path)");
    expect_error(
        "LogFolder=C:\\Logs\\\xE9t\xE9\n",
        "/etc/pm/prof.config:1: line is not valid UTF-8 (save the file as UTF-8 or Unicode)");
}

static void test_values_and_paths(void **state)
{
    (void)state;
    struct pm_config c;
    struct warnings w = {0};
    struct pm_error err;
    setenv("PM_TEST_SHARE", "/srv/share", 1);
    unsetenv("PM_TEST_UNSET");
    assert_int_equal(parse(&c,
                           "PufFile=%PM_TEST_SHARE%/mbm.puf\n"
                           "LogFolder=logs/%PM_TEST_UNSET%\n"
                           "RunAfterArgs=\"  100%% done  \"\n"
                           "ProxyPrincipalName=%PM_TEST_SHARE%\n"
                           "BackupFolder=C:\\Backups\n"
                           "MapiClients=\n",
                           &w, &err),
                     0);
    assert_string_equal(c.puf_file, "/srv/share/mbm.puf");
    assert_string_equal(c.log_folder, "/etc/pm/logs/%PM_TEST_UNSET%");
    assert_string_equal(c.run_after_args, "  100% done  ");
    assert_string_equal(c.proxy_principal, "%PM_TEST_SHARE%"); /* not a path: as written */
    assert_string_equal(c.backup_folder, "C:\\Backups");       /* absolute */
    assert_string_equal(c.mapi_clients, "OUTLOOK.EXE,UCMAPI.EXE,LYNC.EXE,COMMUNICATOR.EXE");
    assert_int_equal(w.n, 1);
    assert_string_equal(w.text[0], "/etc/pm/prof.config:2: LogFolder: environment variable "
                                   "'PM_TEST_UNSET' is not set; kept as written");
    pm_config_release(&c);
    /* A config without a folder anchors relative paths at the current folder. */
    assert_int_equal(pm_config_parse(&c, "prof.config", "", 0, NULL, NULL, &err), 0);
    assert_string_equal(c.puf_file, "./mbm.puf");
    pm_config_release(&c);
}

static void test_load_missing_and_unreadable(void **state)
{
    (void)state;
    char *dir = (char *)pmt_tempdir("config");
    char path[1024];
    struct pm_config c;
    struct pm_error err;
    char msg[2048];
    snprintf(path, sizeof(path), "%s/prof.config", dir);
    assert_int_equal(pm_config_load(&c, path, NULL, NULL, &err), PM_ERR_IO);
    pm_error_format(&err, msg, sizeof(msg));
    assert_non_null(strstr(msg, "prof.config: config file is missing"));
    assert_int_equal(mkdir(path, 0700), 0);
    assert_int_equal(pm_config_load(&c, path, NULL, NULL, &err), PM_ERR_IO);
    assert_non_null(strstr(err.msg, "unreadable"));
    rmdir(path);
    assert_int_equal(pmt_write_file(path, full_config, strlen(full_config)), 0);
    assert_int_equal(pm_config_load(&c, path, NULL, NULL, &err), 0);
    char want[1200];
    snprintf(want, sizeof(want), "%s/lists/mbm.puf", dir);
    assert_string_equal(c.puf_file, want);
    assert_string_equal(c.dir, dir);
    pm_config_release(&c);
    /* Errors from a loaded file carry its path and line. */
    assert_int_equal(pmt_write_file(path, "Backup=yes\nOstAction=move\n", 26), 0);
    assert_int_equal(pm_config_load(&c, path, NULL, NULL, &err), PM_ERR_PARSE);
    assert_string_equal(err.where, path);
    assert_int_equal(err.line, 2);
    /* A file far larger than any config is refused, not read whole. */
    size_t big = (1u << 20) + 10;
    char *junk = calloc(1, big);
    memset(junk, ';', big);
    assert_int_equal(pmt_write_file(path, junk, big), 0);
    assert_int_equal(pm_config_load(&c, path, NULL, NULL, &err), PM_ERR_LIMIT);
    free(junk);
    free(dir);
}

/* The trust question asked of prof.config as it is read: the run's check of who else can change
 * it needs no second open on the share. */
static void test_load_trust(void **state)
{
    (void)state;
    char *dir = (char *)pmt_tempdir("config-trust");
    char path[1024];
    struct pm_config c;
    struct pm_error err;
    struct pm_buf why = PM_BUF_INIT;
    int others = 5;
    snprintf(path, sizeof(path), "%s/prof.config", dir);
    /* Missing: the load fails and nothing could be told. */
    assert_int_equal(pm_config_load_trust(&c, path, &others, &why, NULL, NULL, &err), PM_ERR_IO);
    assert_int_equal(others, -1);
    assert_int_equal(pmt_write_file(path, full_config, strlen(full_config)), 0);
    assert_int_equal(chmod(path, 0644), 0);
    assert_int_equal(pm_config_load_trust(&c, path, &others, &why, NULL, NULL, &err), 0);
    assert_int_equal(others, 0);
    pm_config_release(&c);
    /* Group write: the answer names the file and who. */
    assert_int_equal(chmod(path, 0664), 0);
    pm_buf_reset(&why);
    assert_int_equal(pm_config_load_trust(&c, path, &others, &why, NULL, NULL, &err), 0);
    assert_int_equal(others, 1);
    assert_non_null(why.data);
    assert_non_null(strstr(why.data, path));
    assert_non_null(strstr(why.data, "writable by its group"));
    assert_string_equal(c.path, path);
    pm_config_release(&c);
    /* A config that does not parse still fails as pm_config_load does. */
    assert_int_equal(pmt_write_file(path, "Backup=maybe\n", 13), 0);
    assert_int_equal(pm_config_load_trust(&c, path, &others, &why, NULL, NULL, &err), PM_ERR_PARSE);
    unlink(path);
    pm_buf_release(&why);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_every_key),
        cmocka_unit_test(test_encodings),
        cmocka_unit_test(test_unknown_and_duplicate_keys_warn),
        cmocka_unit_test(test_bad_values_name_file_and_line),
        cmocka_unit_test(test_values_and_paths),
        cmocka_unit_test(test_load_missing_and_unreadable),
        cmocka_unit_test(test_load_trust),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
