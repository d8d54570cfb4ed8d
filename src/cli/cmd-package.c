/* profilemanager package: the zip for travelling and remote users who never log on to the
 * domain network (docs/deployment.md, "the zip for remote users"): ProfileManager.exe, its
 * prof.config and mbm.puf side by side, so a double-click on the unpacked exe does the same run a
 * logon script would, plus a read-me telling the user exactly that. */
#include "cli.h"
#include "pm/zip.h"

#include <stdio.h>
#include <string.h>

static const char package_readme[] =
    "ProfileManager - Outlook profile update after the mailbox migration\r\n"
    "\r\n"
    "1. Close Outlook.\r\n"
    "2. Unpack this whole zip into one folder (for example your Desktop): keep\r\n"
    "   ProfileManager.exe, prof.config and mbm.puf together.\r\n"
    "3. Double-click ProfileManager.exe. It updates your Outlook profile and, when\r\n"
    "   your IT department set it up so, starts Outlook again.\r\n"
    "4. A log is written to the Logs folder beside it (or to Profile.Logs in your\r\n"
    "   user folder): send it to your IT department if Outlook does not connect.\r\n"
    "\r\n"
    "Running it again is harmless: a profile that is already up to date is left as\r\n"
    "it is. If it says Outlook is still running, close Outlook and run it again.\r\n";

static void package_usage(FILE *out)
{
    fprintf(out, "usage: profilemanager package --out FILE.zip [--config F] [--puf F] [--exe F]\n\n"
                 "Builds the zip for remote users: the exe, prof.config, mbm.puf, a read-me and\n"
                 "the deployment scripts (scripts/: logon, Intune, SCCM).\n"
                 "Defaults: this program, and prof.config and mbm.puf beside it.\n");
}

static void package_warn(void *ctx, const char *where, unsigned line, const char *msg)
{
    (void)ctx;
    if (line)
        fprintf(stderr, "profilemanager: warning: %s:%u: %s\n", where, line, msg);
    else
        fprintf(stderr, "profilemanager: warning: %s: %s\n", where, msg);
}

/* The deployment scripts (logon, Intune, SCCM: docs/deployment.md) under scripts/, so whoever
 * unpacks the zip has them beside the exe. */
static int add_scripts(struct pm_zip *z, long long now, struct pm_error *err)
{
    for (const struct cli_packaged_file *f = cli_packaged_scripts; f->name; f++) {
        char name[128];
        snprintf(name, sizeof(name), "scripts/%s", f->name);
        if (pm_zip_add(z, name, f->data, f->len, now, err) < 0)
            return -1;
    }
    return 0;
}

/* The config travels next to the PUF in the zip, so it must find it there: warn when PufFile
 * names another place (an absolute path, another name) the remote user will not have. */
static void check_config(const char *config)
{
    struct pm_config cfg;
    struct pm_error err;
    pm_error_clear(&err);
    if (pm_config_load(&cfg, config, package_warn, NULL, &err) < 0) {
        char buf[2048];
        cli_error("warning: %s", pm_error_format(&err, buf, sizeof(buf)));
        return;
    }
    struct pm_buf want = PM_BUF_INIT;
    if (cfg.puf_file && pm_path_join(&want, cfg.dir, "mbm.puf") == 0) {
        size_t n = strlen(want.data);
        if (strlen(cfg.puf_file) != n || pm_ascii_ncasecmp(cfg.puf_file, want.data, n))
            cli_error("warning: %s: PufFile points at '%s'; in the zip the PUF is mbm.puf "
                      "beside prof.config",
                      config, cfg.puf_file);
    }
    pm_buf_release(&want);
    pm_config_release(&cfg);
}

int cmd_package(int argc, char **argv)
{
    const char *out = NULL, *config = NULL, *puf = NULL, *exe = NULL;
    for (int i = 1; i < argc; i++) {
        const char **slot = !strcmp(argv[i], "--out")      ? &out
                            : !strcmp(argv[i], "--config") ? &config
                            : !strcmp(argv[i], "--puf")    ? &puf
                            : !strcmp(argv[i], "--exe")    ? &exe
                                                           : NULL;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            package_usage(stdout);
            return PM_EXIT_OK;
        }
        if (!slot || i + 1 >= argc) {
            cli_error("package: unexpected argument '%s'", argv[i]);
            package_usage(stderr);
            return PM_EXIT_USAGE;
        }
        *slot = argv[++i];
    }
    if (!out) {
        cli_error("package: --out FILE.zip is required");
        package_usage(stderr);
        return PM_EXIT_USAGE;
    }

    struct pm_buf exe_path = PM_BUF_INIT, dir = PM_BUF_INIT, cfg_path = PM_BUF_INIT,
                  puf_path = PM_BUF_INIT;
    int rc = PM_EXIT_OK;
    if (!exe) {
        if (pm_os_exe_path(&exe_path) < 0) {
            cli_error("package: cannot find this program's own path: give --exe");
            rc = PM_EXIT_USAGE;
            goto done;
        }
        exe = exe_path.data;
    }
    if ((!config || !puf) && pm_os_exe_dir(&dir) < 0) {
        cli_error("package: cannot find this program's folder: give --config and --puf");
        rc = PM_EXIT_USAGE;
        goto done;
    }
    if (!config) {
        if (pm_path_join(&cfg_path, dir.data, "prof.config") < 0) {
            rc = PM_EXIT_USAGE;
            goto done;
        }
        config = cfg_path.data;
    }
    if (!puf) {
        if (pm_path_join(&puf_path, dir.data, "mbm.puf") < 0) {
            rc = PM_EXIT_USAGE;
            goto done;
        }
        puf = puf_path.data;
    }
    const char *inputs[3] = {exe, config, puf};
    const char *what[3] = {"program", "config", "PUF"};
    for (int i = 0; i < 3; i++)
        if (!pm_os_file_exists(inputs[i])) {
            cli_error("package: %s '%s' not found", what[i], inputs[i]);
            rc = i == 1 ? PM_EXIT_CONFIG : i == 2 ? PM_EXIT_PUF : PM_EXIT_USAGE;
            goto done;
        }
    check_config(config);

    struct pm_zip *z;
    struct pm_error err;
    pm_error_clear(&err);
    long long now = pm_os_time_now();
    if (pm_zip_open(&z, out, &err) < 0) {
        cli_print_error(&err);
        rc = PM_EXIT_PROBLEMS;
        goto done;
    }
    if (pm_zip_add_file(z, "ProfileManager.exe", exe, now, &err) < 0 ||
        pm_zip_add_file(z, "prof.config", config, now, &err) < 0 ||
        pm_zip_add_file(z, "mbm.puf", puf, now, &err) < 0 ||
        pm_zip_add(z, "README.txt", package_readme, sizeof(package_readme) - 1, now, &err) < 0 ||
        add_scripts(z, now, &err) < 0) {
        pm_zip_abort(z);
        cli_print_error(&err);
        rc = PM_EXIT_PROBLEMS;
        goto done;
    }
    if (pm_zip_close(z, &err) < 0) {
        cli_print_error(&err);
        rc = PM_EXIT_PROBLEMS;
        goto done;
    }
    printf("package: wrote %s (%" PM_PRId64 " bytes)\n", out, PM_I64(pm_os_file_size(out)));
done:
    pm_buf_release(&exe_path);
    pm_buf_release(&dir);
    pm_buf_release(&cfg_path);
    pm_buf_release(&puf_path);
    return rc;
}
