/* The Outlook shortcut rewrite (the "locked PC" answer of docs/deployment.md): find the user's
 * .lnk files that start OUTLOOK.EXE and point them at ProfileManager.exe, which updates the
 * profile and then starts Outlook through RunAfter=, so the user's usual click runs the update
 * first. The original of each rewritten shortcut is kept beside it as "<name>.lnk.pm-orig"
 * (hidden on Windows), byte for byte: restore renames it back over the shortcut, so the result is
 * the very file Windows or Office wrote. Keeping it beside the shortcut (not in a central folder)
 * means the pair travels together with roaming profiles and folder redirection, and restore needs
 * no index that could go stale. On Windows shortcuts are read and written through the shell's
 * IShellLinkW (shortcut-win32.c); elsewhere through lnk.c. */
#ifndef PM_SHORTCUT_H
#define PM_SHORTCUT_H

#include <stddef.h>

#include "pm/error.h"
#include "pm/lnk.h"
#include "pm/util.h"

#define PM_SHORTCUT_BACKUP_SUFFIX ".pm-orig"
/* Folder levels searched below each root, and entries looked at per root, so a huge or looping
 * tree cannot stall a logon. */
#define PM_SHORTCUT_MAX_DEPTH 8
#define PM_SHORTCUT_MAX_FILES 20000

enum pm_shortcut_state {
    PM_SHORTCUT_OUTLOOK,   /* starts OUTLOOK.EXE: apply rewrites it */
    PM_SHORTCUT_APPLIED,   /* starts the tool, original kept: restore puts it back */
    PM_SHORTCUT_CHANGED,   /* original kept, but the shortcut now starts something else */
    PM_SHORTCUT_MISSING,   /* original kept, shortcut deleted: restore recreates it */
    PM_SHORTCUT_NO_BACKUP, /* starts the tool but no original is kept: left alone */
};
/* "outlook", "applied", "changed", "missing", "no-backup". */
const char *pm_shortcut_state_name(enum pm_shortcut_state s);

struct pm_shortcut {
    char *path;   /* the .lnk */
    char *backup; /* path + PM_SHORTCUT_BACKUP_SUFFIX when that file exists, else NULL */
    char *target; /* what the shortcut starts now, NULL when unknown or missing */
    enum pm_shortcut_state state;
};

struct pm_shortcut_list {
    struct pm_shortcut *items;
    size_t n, cap;
};
#define PM_SHORTCUT_LIST_INIT {0, 0, 0}
void pm_shortcut_list_release(struct pm_shortcut_list *l);

/* How shortcuts are found, read and written: the shell on Windows, lnk.c elsewhere; tests may
 * supply their own. Every function returns 0 or <0 with err set. */
struct pm_shortcut_ops {
    const char *name;
    /* Appends the names (not paths) of the folder's files and subfolders. */
    int (*list_dir)(const char *dir, struct pm_strlist *files, struct pm_strlist *subdirs,
                    struct pm_error *err);
    /* Reads a shortcut: target, env_target, darwin_id, arguments, working_dir, icon_location,
     * icon_index, show_command, name. */
    int (*read)(const char *path, struct pm_lnk *out, struct pm_error *err);
    /* Writes 'to' as a copy of the shortcut 'from' that starts 'target': same description,
     * arguments, working folder, window state and hotkey; icon kept, or from's old target with
     * index 0 when it had none (so the user keeps seeing Outlook's icon). */
    int (*rewrite)(const char *from, const char *to, const char *target, struct pm_error *err);
    /* Hides a kept original, or shows it again before it is put back (best effort; may be
     * NULL where files have no hidden attribute). */
    void (*set_hidden)(const char *path, int hidden);
    /* The user's default folders: Desktop, Start Menu, taskbar/Start pins (may be NULL). */
    int (*default_dirs)(struct pm_strlist *out, struct pm_error *err);
};
/* The shell's ops on Windows builds, lnk.c's elsewhere. */
const struct pm_shortcut_ops *pm_shortcut_ops_default(void);
/* The lnk.c ops (any platform; default_dirs is NULL). */
const struct pm_shortcut_ops *pm_shortcut_ops_lnk(void);
#if defined(PM_HAVE_LIVE)
const struct pm_shortcut_ops *pm_shortcut_ops_shell(void);
#endif

/* 1 when a shortcut starts Outlook: its target's (or %VAR% target's) file name is OUTLOOK.EXE,
 * or it is an advertised Office shortcut whose icon is Outlook's (outicon.exe). */
int pm_shortcut_starts_outlook(const struct pm_lnk *l);

/* Finds, under each folder (recursively up to PM_SHORTCUT_MAX_DEPTH), the shortcuts that start
 * Outlook or that a previous apply left (see the states). 'tool' is the tool's path: a shortcut
 * whose target has the same file name counts as pointing at the tool. Folders that do not exist
 * are skipped; unreadable shortcuts and folders are reported through 'warn' and skipped.
 * Returns the number found or <0. */
int pm_shortcut_scan(const struct pm_shortcut_ops *ops, const char *const *dirs, size_t ndirs,
                     const char *tool, struct pm_shortcut_list *out, pm_diag_fn warn, void *ctx,
                     struct pm_error *err);

struct pm_shortcut_counts {
    unsigned changed;   /* shortcuts rewritten or restored */
    unsigned unchanged; /* already in the wanted state */
    unsigned failed;    /* reported through warn, left as they were */
};

/* Rewrites every OUTLOOK shortcut of the list to start 'tool' (keeping the original), and
 * re-points APPLIED ones whose target is not exactly 'tool' (from the kept original). Applying
 * twice changes nothing. A failure on one shortcut is reported through 'warn', leaves that
 * shortcut as it was and the others are still done. Returns 0, or <0 only on a fatal error. */
int pm_shortcut_apply(const struct pm_shortcut_ops *ops, struct pm_shortcut_list *l,
                      const char *tool, struct pm_shortcut_counts *counts, pm_diag_fn warn,
                      void *ctx, struct pm_error *err);

/* Puts every kept original back (APPLIED, CHANGED, MISSING): renames it over the shortcut. */
int pm_shortcut_restore(const struct pm_shortcut_ops *ops, struct pm_shortcut_list *l,
                        struct pm_shortcut_counts *counts, pm_diag_fn warn, void *ctx,
                        struct pm_error *err);

#endif
