/* mkprofiles: writes one fixture scenario (tests/common/fixture.c) as the files an end-to-end test
 * starts from: before.reg (REGEDIT5, as regedit exports), before.hive (an NTUSER.DAT-style hive,
 * where the hive backend is built), mbm.puf, mbm-later.puf, prof.config and manifest.txt, plus
 * expected-now.reg and expected-later.reg, what a correct update leaves, so the checker (pmcheck)
 * can be tried on a right answer as well as a wrong one.
 *
 *   mkprofiles --scenario NAME OUTDIR
 *   mkprofiles --list */
#include "compat.h"

#include "fixture.h"
#include "pm/os.h"
#include "pm/regfile.h"
#include "testutil.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static int fail(const struct pm_error *err, const char *what)
{
    char buf[1700];
    fprintf(stderr, "mkprofiles: %s: %s\n", what, pm_error_format(err, buf, sizeof(buf)));
    return 1;
}

static int write_out(const char *dir, const char *name, const void *data, size_t len)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    struct pm_error err;
    pm_error_clear(&err);
    if (pm_file_write_atomic(path, data, len, &err) < 0)
        return fail(&err, path);
    return 0;
}

/* Builds the scenario at 'stage' in a mem store and returns it (and the manifest). */
static int build(const char *scenario, enum pmt_stage stage, struct pm_store **st,
                 struct pmt_manifest *m)
{
    struct pm_error err;
    pm_error_clear(&err);
    if (pm_store_open(st, "mem:", 0, &err) < 0)
        return fail(&err, "mem store");
    if (pmt_fixture_build(*st, scenario, stage, m, &err) < 0)
        return fail(&err, scenario);
    return 0;
}

static int export_reg(struct pm_store *st, const struct pmt_manifest *m, const char *dir,
                      const char *name)
{
    struct pm_error err;
    pm_error_clear(&err);
    struct pm_buf out = PM_BUF_INIT;
    int rc = pm_regfile_export(st, (const char *const *)m->roots.items, m->roots.n,
                               PM_REGFMT_REGEDIT5, &out, &err);
    if (rc < 0) {
        pm_buf_release(&out);
        return fail(&err, name);
    }
    rc = write_out(dir, name, out.data, out.len);
    pm_buf_release(&out);
    return rc;
}

static int write_hive(struct pm_store *src, const struct pmt_manifest *m, const char *dir)
{
    if (!pm_store_backend_available("hive"))
        return 0;
    char path[4096], spec[4200];
    snprintf(path, sizeof(path), "%s/before.hive", dir);
    if (pmt_write_empty_hive(path) < 0) {
        fprintf(stderr, "mkprofiles: cannot write an empty hive to '%s'\n", path);
        return 1;
    }
    snprintf(spec, sizeof(spec), "hive:%s", path);
    struct pm_error err;
    pm_error_clear(&err);
    struct pm_store *h = NULL;
    if (pm_store_open(&h, spec, 0, &err) < 0)
        return fail(&err, path);
    int rc = pm_store_begin(h, &err);
    for (size_t i = 0; rc == 0 && i < m->roots.n; i++)
        rc = pm_store_copy_tree(h, src, m->roots.items[i], &err);
    if (rc == 0)
        rc = pm_store_commit(h, &err);
    if (rc < 0) {
        pm_store_close(h);
        return fail(&err, path);
    }
    pm_store_close(h);
    return 0;
}

static int usage(void)
{
    fprintf(stderr, "usage: mkprofiles --scenario NAME OUTDIR\n       mkprofiles --list\n");
    return 2;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
        for (const char *const *n = pmt_fixture_scenarios(); *n; n++)
            printf("%s\n", *n);
        return 0;
    }
    if (argc != 4 || strcmp(argv[1], "--scenario") != 0)
        return usage();
    const char *scenario = argv[2], *dir = argv[3];
    if (mkdir(dir, 0777) < 0 && errno != EEXIST) {
        fprintf(stderr, "mkprofiles: cannot create '%s': %s\n", dir, strerror(errno));
        return 1;
    }

    struct pm_store *st = NULL;
    struct pmt_manifest m;
    pmt_manifest_init(&m);
    int rc = build(scenario, PMT_BEFORE, &st, &m);
    if (rc == 0)
        rc = export_reg(st, &m, dir, "before.reg");
    if (rc == 0)
        rc = write_hive(st, &m, dir);
    pm_store_close(st);
    st = NULL;

    struct pm_buf man = PM_BUF_INIT;
    if (rc == 0) {
        pm_buf_printf(&man,
                      "# manifest of scenario %s: one line per Exchange mailbox, see "
                      "tests/fixtures/README.md\n",
                      scenario);
        rc = pmt_manifest_format(&m, &man) < 0;
    }
    if (rc == 0)
        rc = write_out(dir, "manifest.txt", man.data, man.len);
    pm_buf_release(&man);
    if (rc == 0)
        rc = write_out(dir, "mbm.puf", m.puf_now.data, m.puf_now.len);
    if (rc == 0)
        rc = write_out(dir, "mbm-later.puf", m.puf_later.data, m.puf_later.len);
    if (rc == 0)
        rc = write_out(dir, "prof.config", m.config.data, m.config.len);

    static const struct {
        enum pmt_stage stage;
        const char *file;
    } expected[] = {{PMT_NOW, "expected-now.reg"}, {PMT_LATER, "expected-later.reg"}};
    for (size_t i = 0; rc == 0 && i < PM_ARRAY_SIZE(expected); i++) {
        struct pmt_manifest m2;
        pmt_manifest_init(&m2);
        rc = build(scenario, expected[i].stage, &st, &m2);
        if (rc == 0)
            rc = export_reg(st, &m2, dir, expected[i].file);
        pm_store_close(st);
        st = NULL;
        pmt_manifest_release(&m2);
    }
    pmt_manifest_release(&m);
    return rc ? 1 : 0;
}
