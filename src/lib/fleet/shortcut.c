/* Finding, rewriting and restoring the user's Outlook shortcuts (see pm/shortcut.h for the
 * states and why originals are kept beside each shortcut). The file operations that differ by
 * platform go through struct pm_shortcut_ops: the shell's IShellLinkW on Windows
 * (shortcut-win32.c), lnk.c's reader and writer elsewhere (here), so the state machine below is
 * the same everywhere and is tested on every system. */
#include "compat.h"

#include "pm/os.h"
#include "pm/shortcut.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char *pm_shortcut_state_name(enum pm_shortcut_state s)
{
    switch (s) {
    case PM_SHORTCUT_OUTLOOK:
        return "outlook";
    case PM_SHORTCUT_APPLIED:
        return "applied";
    case PM_SHORTCUT_CHANGED:
        return "changed";
    case PM_SHORTCUT_MISSING:
        return "missing";
    case PM_SHORTCUT_NO_BACKUP:
        return "no-backup";
    }
    return "?";
}

void pm_shortcut_list_release(struct pm_shortcut_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i].path);
        free(l->items[i].backup);
        free(l->items[i].target);
    }
    free(l->items);
    l->items = NULL;
    l->n = l->cap = 0;
}

static int ends_with_ci(const char *s, const char *suffix)
{
    size_t ls = strlen(s), lx = strlen(suffix);
    return ls >= lx && pm_ascii_ncasecmp(s + ls - lx, suffix, lx) == 0;
}

static int name_is(const char *path, const char *name)
{
    const char *b = pm_lnk_basename(path);
    return strlen(b) == strlen(name) && pm_ascii_ncasecmp(b, name, strlen(name)) == 0;
}

int pm_shortcut_starts_outlook(const struct pm_lnk *l)
{
    if (l->target && name_is(l->target, "OUTLOOK.EXE"))
        return 1;
    if (l->env_target && name_is(l->env_target, "OUTLOOK.EXE"))
        return 1;
    /* Windows Installer (MSI) Office installs advertised shortcuts: the target is a product
     * descriptor resolved at launch, and the icon is Outlook's own outicon.exe. */
    if (l->darwin_id && l->icon_location &&
        pm_ascii_ncasecmp(pm_lnk_basename(l->icon_location), "outicon", 7) == 0)
        return 1;
    return 0;
}

static int same_path(const char *a, const char *b)
{
    size_t la = strlen(a);
    return la == strlen(b) && pm_ascii_ncasecmp(a, b, la) == 0;
}

static int points_at_tool(const char *target, const char *tool)
{
    if (!target || !tool)
        return 0;
    return same_path(target, tool) || same_path(pm_lnk_basename(target), pm_lnk_basename(tool));
}

static int list_add(struct pm_shortcut_list *l, const char *path, const char *backup,
                    const char *target, enum pm_shortcut_state st)
{
    if (l->n == l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 16;
        struct pm_shortcut *ni = realloc(l->items, ncap * sizeof(*ni));
        if (!ni)
            return PM_ERR_NOMEM;
        l->items = ni;
        l->cap = ncap;
    }
    struct pm_shortcut *e = &l->items[l->n];
    e->path = pm_strdup(path);
    e->backup = backup ? pm_strdup(backup) : NULL;
    e->target = target ? pm_strdup(target) : NULL;
    e->state = st;
    if (!e->path || (backup && !e->backup) || (target && !e->target)) {
        free(e->path);
        free(e->backup);
        free(e->target);
        return PM_ERR_NOMEM;
    }
    l->n++;
    return 0;
}

struct scan {
    const struct pm_shortcut_ops *ops;
    const char *tool;
    struct pm_shortcut_list *out;
    pm_diag_fn warn;
    void *ctx;
    struct pm_error *err;
    size_t seen;
};

static void scan_warn(struct scan *s, const char *where, const struct pm_error *e)
{
    if (s->warn)
        s->warn(s->ctx, where, 0, e->msg);
}

/* Looks at one .lnk (and its kept original, if any) and records it when it is ours to handle. */
static int scan_one(struct scan *s, const char *path, int has_backup, int has_link)
{
    /* A folder given twice, or inside another one given (a --dir that is also a default), must
     * not list a shortcut twice: the second apply would find its original already taken. */
    for (size_t i = 0; i < s->out->n; i++)
        if (same_path(s->out->items[i].path, path))
            return 0;
    struct pm_buf backup = PM_BUF_INIT;
    int rc = pm_buf_puts(&backup, path);
    if (rc == 0)
        rc = pm_buf_puts(&backup, PM_SHORTCUT_BACKUP_SUFFIX);
    if (rc < 0) {
        pm_buf_release(&backup);
        return pm_error_set(s->err, PM_ERR_NOMEM, path, 0, "out of memory");
    }
    const char *bk = has_backup ? backup.data : NULL;
    if (!has_link) {
        rc = list_add(s->out, path, bk, NULL, PM_SHORTCUT_MISSING);
    } else {
        struct pm_lnk l;
        struct pm_error e;
        pm_error_clear(&e);
        if (s->ops->read(path, &l, &e) < 0) {
            scan_warn(s, path, &e);
            /* An unreadable shortcut with a kept original can still be restored. */
            rc = has_backup ? list_add(s->out, path, bk, NULL, PM_SHORTCUT_CHANGED) : 0;
        } else {
            enum pm_shortcut_state st;
            int keep = 1;
            if (points_at_tool(l.target, s->tool))
                st = has_backup ? PM_SHORTCUT_APPLIED : PM_SHORTCUT_NO_BACKUP;
            else if (pm_shortcut_starts_outlook(&l))
                st = PM_SHORTCUT_OUTLOOK;
            else if (has_backup)
                st = PM_SHORTCUT_CHANGED;
            else
                keep = 0;
            rc = keep ? list_add(s->out, path, bk, l.target, st) : 0;
            pm_lnk_release(&l);
        }
    }
    pm_buf_release(&backup);
    if (rc < 0)
        return pm_error_set(s->err, PM_ERR_NOMEM, path, 0, "out of memory");
    return 0;
}

static int scan_dir(struct scan *s, const char *dir, int depth)
{
    struct pm_strlist files = PM_STRLIST_INIT, subdirs = PM_STRLIST_INIT;
    struct pm_error e;
    pm_error_clear(&e);
    if (s->ops->list_dir(dir, &files, &subdirs, &e) < 0) {
        if (e.code == PM_ERR_NOMEM)
            return pm_error_set(s->err, PM_ERR_NOMEM, dir, 0, "out of memory");
        scan_warn(s, dir, &e);
        return 0;
    }
    struct pm_buf path = PM_BUF_INIT;
    int rc = 0;
    size_t sfx = strlen(PM_SHORTCUT_BACKUP_SUFFIX);
    for (size_t i = 0; i < files.n && rc == 0; i++) {
        if (++s->seen > PM_SHORTCUT_MAX_FILES)
            break;
        const char *name = files.items[i];
        int is_link = ends_with_ci(name, ".lnk");
        int is_backup = ends_with_ci(name, ".lnk" PM_SHORTCUT_BACKUP_SUFFIX);
        if (!is_link && !is_backup)
            continue;
        /* Each pair is handled once: from the .lnk, or from a backup whose .lnk is gone. */
        struct pm_buf other = PM_BUF_INIT;
        if (is_link)
            rc = pm_buf_printf(&other, "%s%s", name, PM_SHORTCUT_BACKUP_SUFFIX);
        else
            rc = pm_buf_append(&other, name, strlen(name) - sfx);
        int has_other = rc == 0 && pm_strlist_find(&files, other.data) >= 0;
        if (rc == 0 && (is_link || !has_other)) {
            rc = pm_path_join(&path, dir, is_link ? name : other.data);
            if (rc == 0)
                rc = scan_one(s, path.data, is_link ? has_other : 1, is_link);
            else
                rc = pm_error_set(s->err, PM_ERR_NOMEM, dir, 0, "out of memory");
        } else if (rc < 0) {
            rc = pm_error_set(s->err, PM_ERR_NOMEM, dir, 0, "out of memory");
        }
        pm_buf_release(&other);
    }
    if (depth < PM_SHORTCUT_MAX_DEPTH) {
        for (size_t i = 0; i < subdirs.n && rc == 0; i++) {
            if (++s->seen > PM_SHORTCUT_MAX_FILES)
                break;
            rc = pm_path_join(&path, dir, subdirs.items[i]);
            if (rc < 0) {
                rc = pm_error_set(s->err, PM_ERR_NOMEM, dir, 0, "out of memory");
                break;
            }
            char *sub = pm_strdup(path.data);
            if (!sub) {
                rc = pm_error_set(s->err, PM_ERR_NOMEM, dir, 0, "out of memory");
                break;
            }
            rc = scan_dir(s, sub, depth + 1);
            free(sub);
        }
    }
    pm_buf_release(&path);
    pm_strlist_release(&files);
    pm_strlist_release(&subdirs);
    return rc;
}

int pm_shortcut_scan(const struct pm_shortcut_ops *ops, const char *const *dirs, size_t ndirs,
                     const char *tool, struct pm_shortcut_list *out, pm_diag_fn warn, void *ctx,
                     struct pm_error *err)
{
    struct scan s = {ops, tool, out, warn, ctx, err, 0};
    size_t before = out->n;
    for (size_t i = 0; i < ndirs; i++) {
        s.seen = 0;
        int rc = scan_dir(&s, dirs[i], 0);
        if (rc < 0)
            return rc;
    }
    return (int)(out->n - before);
}

static void report(pm_diag_fn warn, void *ctx, const char *path, const struct pm_error *e)
{
    if (warn)
        warn(ctx, path, 0, e->msg);
}

int pm_shortcut_apply(const struct pm_shortcut_ops *ops, struct pm_shortcut_list *l,
                      const char *tool, struct pm_shortcut_counts *counts, pm_diag_fn warn,
                      void *ctx, struct pm_error *err)
{
    struct pm_shortcut_counts c = {0, 0, 0};
    struct pm_buf bk = PM_BUF_INIT;
    if (!tool || !*tool)
        return pm_error_set(err, PM_ERR_INVALID, NULL, 0, "no target program for the shortcuts");
    for (size_t i = 0; i < l->n; i++) {
        struct pm_shortcut *sc = &l->items[i];
        struct pm_error e;
        pm_error_clear(&e);
        if (sc->state == PM_SHORTCUT_APPLIED) {
            if (sc->target && same_path(sc->target, tool)) {
                c.unchanged++;
                continue;
            }
            /* The tool moved: point the shortcut at its new place, from the kept original. */
            if (ops->rewrite(sc->backup, sc->path, tool, &e) < 0) {
                report(warn, ctx, sc->path, &e);
                c.failed++;
                continue;
            }
        } else if (sc->state == PM_SHORTCUT_OUTLOOK) {
            pm_buf_reset(&bk);
            if (pm_buf_printf(&bk, "%s%s", sc->path, PM_SHORTCUT_BACKUP_SUFFIX) < 0) {
                pm_buf_release(&bk);
                return pm_error_set(err, PM_ERR_NOMEM, sc->path, 0, "out of memory");
            }
            /* Moving (not copying) the original keeps it byte for byte. A kept original that
             * is already there belongs to an older shortcut Office has since re-created: the new
             * one is the truth now. */
            int rc = sc->backup ? pm_os_replace_file(sc->path, bk.data)
                                : pm_os_rename_file(sc->path, bk.data);
            if (rc < 0) {
                pm_error_set(&e, PM_ERR_IO, sc->path, 0, "cannot move to '%s'", bk.data);
                report(warn, ctx, sc->path, &e);
                c.failed++;
                continue;
            }
            if (ops->rewrite(bk.data, sc->path, tool, &e) < 0) {
                report(warn, ctx, sc->path, &e);
                if (pm_os_replace_file(bk.data, sc->path) < 0) {
                    pm_error_set(&e, PM_ERR_IO, sc->path, 0,
                                 "cannot put the original back from '%s'", bk.data);
                    report(warn, ctx, sc->path, &e);
                }
                c.failed++;
                continue;
            }
            if (ops->set_hidden)
                ops->set_hidden(bk.data, 1);
            free(sc->backup);
            sc->backup = pm_strdup(bk.data);
            if (!sc->backup) {
                pm_buf_release(&bk);
                return pm_error_set(err, PM_ERR_NOMEM, sc->path, 0, "out of memory");
            }
        } else {
            continue;
        }
        char *nt = pm_strdup(tool);
        if (!nt) {
            pm_buf_release(&bk);
            return pm_error_set(err, PM_ERR_NOMEM, sc->path, 0, "out of memory");
        }
        free(sc->target);
        sc->target = nt;
        sc->state = PM_SHORTCUT_APPLIED;
        c.changed++;
    }
    pm_buf_release(&bk);
    if (counts)
        *counts = c;
    return 0;
}

int pm_shortcut_restore(const struct pm_shortcut_ops *ops, struct pm_shortcut_list *l,
                        struct pm_shortcut_counts *counts, pm_diag_fn warn, void *ctx,
                        struct pm_error *err)
{
    (void)err;
    struct pm_shortcut_counts c = {0, 0, 0};
    for (size_t i = 0; i < l->n; i++) {
        struct pm_shortcut *sc = &l->items[i];
        if (!sc->backup) {
            c.unchanged++;
            continue;
        }
        if (ops->set_hidden)
            ops->set_hidden(sc->backup, 0);
        if (pm_os_replace_file(sc->backup, sc->path) < 0) {
            struct pm_error e;
            pm_error_set(&e, PM_ERR_IO, sc->path, 0, "cannot put back '%s'", sc->backup);
            report(warn, ctx, sc->path, &e);
            if (ops->set_hidden)
                ops->set_hidden(sc->backup, 1);
            c.failed++;
            continue;
        }
        free(sc->backup);
        sc->backup = NULL;
        sc->state = PM_SHORTCUT_OUTLOOK;
        c.changed++;
    }
    if (counts)
        *counts = c;
    return 0;
}

/* ---- the lnk.c ops: any system, files through stdio ---- */

static int lnkops_list_dir(const char *dir, struct pm_strlist *files, struct pm_strlist *subdirs,
                           struct pm_error *err)
{
    DIR *d = opendir(dir);
    if (!d) {
        if (errno == ENOENT)
            return 0; /* no such folder: nothing to search */
        return pm_error_set(err, PM_ERR_IO, dir, 0, "cannot list folder: %s", strerror(errno));
    }
    struct dirent *de;
    struct pm_buf p = PM_BUF_INIT;
    int rc = 0;
    while (rc == 0 && (de = readdir(d)) != NULL) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        struct stat sb;
        if (pm_path_join(&p, dir, de->d_name) < 0) {
            rc = PM_ERR_NOMEM;
            break;
        }
        /* lstat where there are symlinks: a linked folder is not followed, so a loop cannot
         * trap the walk. */
#if defined(S_ISLNK)
        if (lstat(p.data, &sb) != 0)
#else
        if (stat(p.data, &sb) != 0)
#endif
            continue;
        if (S_ISDIR(sb.st_mode))
            rc = pm_strlist_add(subdirs, de->d_name);
        else if (S_ISREG(sb.st_mode))
            rc = pm_strlist_add(files, de->d_name);
    }
    closedir(d);
    pm_buf_release(&p);
    return rc < 0 ? pm_error_set(err, PM_ERR_NOMEM, dir, 0, "out of memory") : 0;
}

static int lnkops_read(const char *path, struct pm_lnk *out, struct pm_error *err)
{
    return pm_lnk_read_file(out, path, err);
}

static int write_file_atomic(const char *path, const void *data, size_t len, struct pm_error *err)
{
    struct pm_buf tmp = PM_BUF_INIT;
    if (pm_buf_printf(&tmp, "%s.pm-tmp", path) < 0)
        return pm_error_set(err, PM_ERR_NOMEM, path, 0, "out of memory");
    FILE *f = pm_os_fopen_write(tmp.data, "wb");
    int rc = 0;
    if (!f) {
        rc = pm_error_set(err, PM_ERR_IO, tmp.data, 0, "cannot create file");
    } else {
        size_t w = fwrite(data, 1, len, f);
        if (fclose(f) != 0 || w != len)
            rc = pm_error_set(err, PM_ERR_IO, tmp.data, 0, "cannot write file");
        else if (pm_os_replace_file(tmp.data, path) < 0)
            rc = pm_error_set(err, PM_ERR_IO, path, 0, "cannot replace file");
        if (rc < 0)
            remove(tmp.data);
    }
    pm_buf_release(&tmp);
    return rc;
}

static int lnkops_rewrite(const char *from, const char *to, const char *target,
                          struct pm_error *err)
{
    struct pm_lnk l;
    int rc = pm_lnk_read_file(&l, from, err);
    if (rc < 0)
        return rc;
    /* The icon stays Outlook's: its own icon, else the program the shortcut started. */
    if (!l.icon_location || !*l.icon_location) {
        const char *old = l.env_target && *l.env_target ? l.env_target : l.target;
        free(l.icon_location);
        l.icon_location = old ? pm_strdup(old) : NULL;
        l.icon_index = 0;
        if (old && !l.icon_location) {
            pm_lnk_release(&l);
            return pm_error_set(err, PM_ERR_NOMEM, from, 0, "out of memory");
        }
    }
    free(l.target);
    l.target = pm_strdup(target);
    struct pm_buf out = PM_BUF_INIT;
    rc = l.target ? pm_lnk_write(&l, &out, err)
                  : pm_error_set(err, PM_ERR_NOMEM, from, 0, "out of memory");
    if (rc == 0)
        rc = write_file_atomic(to, out.data, out.len, err);
    pm_buf_release(&out);
    pm_lnk_release(&l);
    return rc;
}

static const struct pm_shortcut_ops lnk_ops = {
    "lnk", lnkops_list_dir, lnkops_read, lnkops_rewrite, NULL, NULL,
};

const struct pm_shortcut_ops *pm_shortcut_ops_lnk(void)
{
    return &lnk_ops;
}

const struct pm_shortcut_ops *pm_shortcut_ops_default(void)
{
#if defined(PM_HAVE_LIVE)
    return pm_shortcut_ops_shell();
#else
    return &lnk_ops;
#endif
}
