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
                 "the deployment scripts (scripts/: logon, Intune, SCCM, and the watch mode's\n"
                 "scheduled task ProfileManager-watch.xml).\n"
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

/* The deployment scripts (logon, Intune, SCCM, the watch task: docs/deployment.md) under
 * scripts/, so whoever unpacks the zip has them beside the exe. */
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

/* The files going into the package, and the buffers holding the names found by default. */
struct package {
    const char *out, *config, *puf, *exe;
    struct pm_buf exe_path, dir, cfg_path, puf_path;
};

/* The files not given on the command line: this program, and prof.config and mbm.puf beside
 * it. Each must exist; the exit code says which one is missing (config, PUF or usage). */
static int package_inputs(struct package *p)
{
    if (!p->exe) {
        if (pm_os_exe_path(&p->exe_path) < 0) {
            cli_error("package: cannot find this program's own path: give --exe");
            return PM_EXIT_USAGE;
        }
        p->exe = p->exe_path.data;
    }
    if ((!p->config || !p->puf) && pm_os_exe_dir(&p->dir) < 0) {
        cli_error("package: cannot find this program's folder: give --config and --puf");
        return PM_EXIT_USAGE;
    }
    if (!p->config) {
        if (pm_path_join(&p->cfg_path, p->dir.data, "prof.config") < 0)
            return PM_EXIT_USAGE;
        p->config = p->cfg_path.data;
    }
    if (!p->puf) {
        if (pm_path_join(&p->puf_path, p->dir.data, "mbm.puf") < 0)
            return PM_EXIT_USAGE;
        p->puf = p->puf_path.data;
    }
    const char *inputs[3] = {p->exe, p->config, p->puf};
    const char *what[3] = {"program", "config", "PUF"};
    for (int i = 0; i < 3; i++)
        if (!pm_os_file_exists(inputs[i])) {
            cli_error("package: %s '%s' not found", what[i], inputs[i]);
            return i == 1 ? PM_EXIT_CONFIG : i == 2 ? PM_EXIT_PUF : PM_EXIT_USAGE;
        }
    return PM_EXIT_OK;
}

/* The zip: the program, the config and the PUF under their fixed names, and the README. A failed
 * write leaves no half-written package behind (the temporary file is removed). */
static int package_write(const struct package *p)
{
    struct pm_zip *z;
    struct pm_error err;
    pm_error_clear(&err);
    long long now = pm_os_time_now();
    if (pm_zip_open(&z, p->out, &err) < 0) {
        cli_print_error(&err);
        return PM_EXIT_PROBLEMS;
    }
    if (pm_zip_add_file(z, "ProfileManager.exe", p->exe, now, &err) < 0 ||
        pm_zip_add_file(z, "prof.config", p->config, now, &err) < 0 ||
        pm_zip_add_file(z, "mbm.puf", p->puf, now, &err) < 0 ||
        pm_zip_add(z, "README.txt", package_readme, sizeof(package_readme) - 1, now, &err) < 0 ||
        add_scripts(z, now, &err) < 0) {
        pm_zip_abort(z);
        cli_print_error(&err);
        return PM_EXIT_PROBLEMS;
    }
    if (pm_zip_close(z, &err) < 0) {
        cli_print_error(&err);
        return PM_EXIT_PROBLEMS;
    }
    printf("package: wrote %s (%" PM_PRId64 " bytes)\n", p->out, PM_I64(pm_os_file_size(p->out)));
    return PM_EXIT_OK;
}

int cmd_package(int argc, char **argv)
{
    struct package p = {NULL, NULL, NULL, NULL, PM_BUF_INIT, PM_BUF_INIT, PM_BUF_INIT, PM_BUF_INIT};
    static const char *const options[] = {"--out", "--config", "--puf", "--exe", "--help", NULL};
    for (int i = 1; i < argc; i++) {
        const char **slots[] = {&p.out, &p.config, &p.puf, &p.exe};
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            package_usage(stdout);
            return PM_EXIT_OK;
        }
        int vr = 0;
        for (int k = 0; k < 4 && vr == 0; k++)
            vr = cli_opt_value("package", argc, argv, &i, options[k], slots[k]);
        if (vr < 0)
            return PM_EXIT_USAGE;
        if (vr == 0) {
            cli_unknown_arg("package", argv[i], options);
            package_usage(stderr);
            return PM_EXIT_USAGE;
        }
    }
    if (!p.out) {
        cli_error("package: --out FILE.zip is required");
        package_usage(stderr);
        return PM_EXIT_USAGE;
    }
    int rc = package_inputs(&p);
    if (rc == PM_EXIT_OK) {
        check_config(p.config);
        rc = package_write(&p);
    }
    pm_buf_release(&p.exe_path);
    pm_buf_release(&p.dir);
    pm_buf_release(&p.cfg_path);
    pm_buf_release(&p.puf_path);
    return rc;
}
