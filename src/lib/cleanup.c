/* cleanup: finds the user's old OST files and backups and removes the ones past their use (see
 * include/pm/cleanup.h). Which folders to look in is the caller's (from the profiles and the
 * config); which files in them are this user's is decided here by name alone. */
#include "pm/cleanup.h"
#include "pm/autodfiles.h"

#include "pm/log.h"
#include "pm/logschema.h"
#include "pm/mapi.h"
#include "pm/os.h"
#include "pm/profile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OST_SUFFIX ".ost.pre-migration"
#define OUTSIDE_SUFFIX ".outside.reg"
/* Folders hold a user's OSTs or a share's backups: far fewer files than this. */
#define CLEANUP_MAX_FILES 200000u

static int ends_with_ci(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && pm_ascii_ncasecmp(s + n - k, suffix, k) == 0;
}

static int add_dir_once(struct pm_strlist *dirs, const char *dir)
{
    if (!*dir)
        return 0;
    for (size_t i = 0; i < dirs->n; i++)
        if (pm_name_casecmp(dirs->items[i], dir) == 0)
            return 0;
    return pm_strlist_add(dirs, dir);
}

int pm_cleanup_ost_dirs(const struct pm_model *m, struct pm_strlist *dirs)
{
    struct pm_buf path = PM_BUF_INIT, dir = PM_BUF_INIT;
    int rc = 0;
    for (size_t p = 0; rc == 0 && p < m->nprofiles; p++) {
        const struct pm_profile *pr = &m->profiles[p];
        if (pr->force_ost_path)
            rc = add_dir_once(dirs, pr->force_ost_path);
        for (size_t a = 0; rc == 0 && a < pr->naccounts; a++) {
            const struct pm_account *ac = &pr->accounts[a];
            for (size_t s = 0; rc == 0 && s < ac->nsections; s++) {
                static const char *const names[] = {"001f6610", "001e6610"};
                for (size_t k = 0; rc == 0 && k < 2; k++) {
                    const struct pm_section_value *v = pm_section_get(&ac->sections[s], names[k]);
                    if (!v)
                        continue;
                    int got = pm_mapi_string_get(v->name, v->type, v->data, v->len, &path);
                    if (got < 0)
                        rc = got;
                    else if (got > 0 && path.len && (rc = pm_path_dirname(&dir, path.data)) == 0)
                        rc = add_dir_once(dirs, dir.data);
                }
            }
        }
    }
    pm_buf_release(&path);
    pm_buf_release(&dir);
    return rc < 0 ? PM_ERR_NOMEM : 0;
}

/* "<COMPUTER>_<user>-", with the characters a file name cannot hold replaced as the backup's
 * writer replaces them (pm_update_backup_path). */
static int backup_prefix(const char *computer, const char *user, struct pm_buf *out)
{
    int rc = pm_buf_printf(out, "%s_%s-", computer, user);
    for (size_t i = 0; rc == 0 && i < out->len; i++)
        if (strchr("\\/:*?\"<>|", out->data[i]))
            out->data[i] = '_';
    return rc;
}

/* The run id part of a backup name (after the prefix, before ".reg") starts with the time:
 * "PC_bob-smith-2026...reg" is bob-smith's backup, not bob's. */
static int is_run_id(const char *s, size_t len)
{
    if (len == 0 || s[0] < '0' || s[0] > '9')
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= 'a' && s[i] <= 'z') || s[i] == '-'))
            return 0;
    return 1;
}

static const char *base_name(const char *p)
{
    const char *b = p;
    for (const char *q = p; *q; q++)
        if (*q == '/' || *q == '\\')
            b = q + 1;
    return b;
}

static int newest_first(const void *a, const void *b)
{
    /* The names share the user's prefix but for case: ignoring it orders them by run id. */
    const char *x = base_name(*(char *const *)a), *y = base_name(*(char *const *)b);
    return -pm_name_casecmp(x, y);
}

int pm_cleanup_list_backups(const struct pm_strlist *dirs, const char *computer, const char *user,
                            struct pm_strlist *out)
{
    struct pm_buf prefix = PM_BUF_INIT, path = PM_BUF_INIT;
    size_t first = out->n;
    int rc = backup_prefix(computer, user, &prefix);
    for (size_t d = 0; rc == 0 && d < dirs->n; d++) {
        struct pm_strlist names = PM_STRLIST_INIT;
        if (pm_os_list_dir(dirs->items[d], CLEANUP_MAX_FILES, &names) == 0) {
            for (size_t i = 0; rc == 0 && i < names.n; i++) {
                const char *n = names.items[i];
                size_t len = strlen(n);
                if (len <= prefix.len + 4 || pm_ascii_ncasecmp(n, prefix.data, prefix.len) != 0 ||
                    !ends_with_ci(n, ".reg") || ends_with_ci(n, OUTSIDE_SUFFIX) ||
                    !is_run_id(n + prefix.len, len - prefix.len - 4))
                    continue;
                pm_buf_reset(&path);
                if ((rc = pm_path_join(&path, dirs->items[d], n)) < 0)
                    break;
                /* Users can create files in the shared backup folder: one named after us but
                 * made by someone else is not our backup (restore --latest would put it back). */
                if (!pm_os_file_foreign(path.data))
                    rc = pm_strlist_add(out, path.data);
            }
        }
        pm_strlist_release(&names);
    }
    if (rc == 0 && out->n - first > 1)
        qsort(out->items + first, out->n - first, sizeof(char *), newest_first);
    pm_buf_release(&prefix);
    pm_buf_release(&path);
    return rc < 0 ? PM_ERR_NOMEM : 0;
}

/* Removes one file (or in a dry run does not), then reports and logs the outcome. */
static void remove_one(const struct pm_cleanup_opts *o, const char *kind, const char *path,
                       long long age_days, struct pm_cleanup_stats *st, pm_diag_fn report,
                       void *ctx)
{
    long long size = pm_os_file_size(path);
    int ok = o->dry_run || pm_os_remove_file(path) == 0;
    const char *action = !ok ? "failed" : o->dry_run ? "would_remove" : "removed";
    char age[24], bytes[24];
    snprintf(age, sizeof(age), "%lld", age_days);
    snprintf(bytes, sizeof(bytes), "%lld", size < 0 ? 0 : size);
    pm_log_event(o->log, PM_EV_CLEANUP, PM_F_KIND, kind, PM_F_FILE, path, PM_F_ACTION, action,
                 PM_F_AGE_DAYS, age, PM_F_BYTES, bytes, NULL);
    if (report)
        report(ctx, path, 0,
               !ok          ? "cannot remove the file"
               : o->dry_run ? "would remove"
                            : "removed");
    if (!ok) {
        st->failed++;
        return;
    }
    if (size > 0)
        st->bytes += (unsigned long long)size;
}

/* Days since the file was last written; -1 when it cannot be read. */
static long long age_days(const struct pm_cleanup_opts *o, const char *path)
{
    long long t = pm_os_file_mtime(path);
    if (t < 0)
        return -1;
    return t >= o->now ? 0 : (o->now - t) / 86400;
}

static int old_enough(const struct pm_cleanup_opts *o, long long age)
{
    return age >= 0 && age >= (long long)o->older_than_days;
}

int pm_cleanup_run(const struct pm_cleanup_opts *o, const struct pm_strlist *ost_dirs,
                   const struct pm_strlist *backup_dirs, struct pm_cleanup_stats *st,
                   pm_diag_fn report, void *ctx)
{
    memset(st, 0, sizeof(*st));
    struct pm_buf path = PM_BUF_INIT;
    int rc = 0;
    for (size_t d = 0; rc == 0 && d < ost_dirs->n; d++) {
        struct pm_strlist names = PM_STRLIST_INIT;
        if (pm_os_list_dir(ost_dirs->items[d], CLEANUP_MAX_FILES, &names) == 0) {
            for (size_t i = 0; rc == 0 && i < names.n; i++) {
                if (!ends_with_ci(names.items[i], OST_SUFFIX))
                    continue;
                pm_buf_reset(&path);
                if ((rc = pm_path_join(&path, ost_dirs->items[d], names.items[i])) < 0)
                    break;
                long long age = age_days(o, path.data);
                if (!old_enough(o, age))
                    continue;
                remove_one(o, "ost", path.data, age, st, report, ctx);
                st->osts++;
            }
        }
        pm_strlist_release(&names);
    }

    struct pm_strlist backups = PM_STRLIST_INIT;
    if (rc == 0)
        rc = pm_cleanup_list_backups(backup_dirs, o->computer, o->user, &backups);
    for (size_t i = 0; rc == 0 && i < backups.n; i++) {
        const char *b = backups.items[i];
        long long age = age_days(o, b);
        if (i < o->backup_keep || !old_enough(o, age)) {
            st->kept++;
            continue;
        }
        remove_one(o, "backup", b, age, st, report, ctx);
        st->backups++;
        /* The settings outside the profile that run saved go with its backup. */
        pm_buf_reset(&path);
        if ((rc = pm_buf_append(&path, b, strlen(b) - 4)) == 0 &&
            (rc = pm_buf_puts(&path, OUTSIDE_SUFFIX)) == 0 && pm_os_file_exists(path.data))
            remove_one(o, "backup", path.data, age, st, report, ctx);
        /* So do the cached Autodiscover files it moved: the manifest, then its copies, numbered
         * from 1 (pm/autodfiles.h). */
        pm_buf_reset(&path);
        if (rc == 0 && (rc = pm_autod_manifest_path(b, &path)) == 0 && pm_os_file_exists(path.data))
            remove_one(o, "backup", path.data, age, st, report, ctx);
        for (size_t n = 1; rc == 0; n++) {
            pm_buf_reset(&path);
            if ((rc = pm_buf_append(&path, b, strlen(b) - 4)) < 0 ||
                (rc = pm_buf_printf(&path, ".autodiscover-%zu.xml", n)) < 0 ||
                !pm_os_file_exists(path.data))
                break;
            remove_one(o, "backup", path.data, age, st, report, ctx);
        }
    }
    pm_strlist_release(&backups);
    pm_buf_release(&path);
    return rc < 0 ? PM_ERR_NOMEM : 0;
}
