/* Cached Autodiscover responses outside the profile (docs/outside.md, "Files"): Outlook keeps
 * the last Autodiscover answer for a mailbox as "<hash> - Autodiscover.xml" in
 * %LOCALAPPDATA%\Microsoft\Outlook. A file that names a mailbox the run updates (its old SMTP
 * address, source DN or source server) can send Outlook back to the source. A scan finds them;
 * a move copies each into the run's backup place, verifies the copy, records it in one manifest
 * beside the profile backup and only then deletes the original; a restore puts them back byte
 * for byte. The folder and the backup are untrusted: files are read with a ceiling, links are
 * never followed, and a manifest may only name files of the folder it is restored into. */
#ifndef PM_AUTODFILES_H
#define PM_AUTODFILES_H

#include <stddef.h>

#include "pm/error.h"
#include "pm/plan.h"
#include "pm/profile.h"
#include "pm/puf.h"
#include "pm/util.h"

/* Largest file read: a real response is a few KiB; anything larger is reported and left. */
#define PM_AUTOD_MAX_BYTES ((size_t)1 << 20)
/* Most names listed in the folder, and most files in one manifest. */
#define PM_AUTOD_MAX_NAMES 20000
#define PM_AUTOD_MAX_ENTRIES 1000
/* First line of a manifest. */
#define PM_AUTOD_MANIFEST_MAGIC "profilemanager autodiscover files 1"

/* Lowercase strings naming the mailboxes the run updates: each updated mailbox's source DN, old
 * SMTP address (the account's, PUF field 7) and home server, minus any server that a mailbox
 * not updated also uses (a file about that mailbox is not the run's). 0 or PM_ERR_NOMEM. */
int pm_autod_needles_collect(const struct pm_model *m, const struct pm_plan *plan,
                             const struct pm_puf_query *q, size_t nq, struct pm_strlist *out);
/* 1 when a file name ends in "Autodiscover.xml" (ASCII case-insensitive). */
int pm_autod_is_name(const char *name);
/* The first needle that data names, compared ASCII case-insensitively and only where it stands
 * alone (no address or host character right before or after it); UTF-16LE text with a byte
 * order mark is compared by its ASCII characters. NULL when none. */
const char *pm_autod_match(const struct pm_strlist *needles, const void *data, size_t len);

/* %LOCALAPPDATA%\Microsoft\Outlook (the platform separator). PM_ERR_NOTFOUND when LOCALAPPDATA
 * is not set, or PM_ERR_NOMEM. */
int pm_autod_default_dir(struct pm_buf *out);

enum pm_autod_state {
    PM_AUTOD_FOUND = 1,  /* names a needle: the run's to move (or report) */
    PM_AUTOD_TOO_LARGE,  /* larger than PM_AUTOD_MAX_BYTES: left, reported */
    PM_AUTOD_UNREADABLE, /* cannot be opened or read (locked, a link, no access): left */
    PM_AUTOD_MOVED,      /* copied, verified, in the manifest, then deleted */
    PM_AUTOD_FAILED,     /* a move was attempted and did not complete: the file is in place */
};

struct pm_autod_file {
    char *path; /* in the folder */
    enum pm_autod_state state;
    long long size;
    char sha256[65]; /* FOUND, MOVED: of the content read */
    char *matched;   /* FOUND, MOVED: the needle it names */
    char *copy;      /* MOVED (and FAILED after the copy): the copy in the backup place */
    char *why;       /* TOO_LARGE, UNREADABLE, FAILED: why it is left */
};

struct pm_autod {
    struct pm_autod_file *files;
    size_t n;
    char *manifest; /* written by pm_autod_move, else NULL */
};

/* Reads every "*Autodiscover.xml" in 'dir' (without following links) and keeps those that name
 * a needle (FOUND) and those that cannot be judged (TOO_LARGE, UNREADABLE). A missing folder or
 * no needles: nothing found. <0 (err set) when the folder cannot be listed or on allocation
 * failure. */
int pm_autod_scan(const char *dir, const struct pm_strlist *needles, struct pm_autod *out,
                  struct pm_error *err);
size_t pm_autod_count(const struct pm_autod *a, enum pm_autod_state state);
void pm_autod_release(struct pm_autod *a);

/* The manifest beside a profile backup: "X.reg" -> "X.autodiscover.txt"; copies are
 * "X.autodiscover-<n>.xml". */
int pm_autod_manifest_path(const char *profile_backup, struct pm_buf *out);

/* Moves every FOUND file: re-reads it (it must be unchanged since the scan), writes the copy
 * beside 'profile_backup', flushes it, reads it back and compares the hash; writes the manifest
 * (atomically) listing every verified copy; only then deletes the originals. A file whose step
 * fails stays in place (FAILED with 'why'). <0 when the manifest cannot be written (then
 * nothing is deleted and the copies are removed). */
int pm_autod_move(struct pm_autod *a, const char *profile_backup, struct pm_error *err);

struct pm_autod_entry {
    unsigned line;
    long long size;
    char sha256[65];
    char *copy; /* a plain file name in the manifest's folder */
    char *path; /* as recorded */
    char *name; /* its file name, what a restore writes in the folder */
};

struct pm_autod_manifest {
    struct pm_autod_entry *e;
    size_t n;
};

/* Parses a manifest ('name' for errors, "name:line: message"). 'dir', when not NULL, is the
 * folder the files go back to: a path in any other folder is refused. Refused as well: a file
 * name with a separator, a drive or stream colon, "..", a control character, one not ending in
 * "Autodiscover.xml"; a copy name that is not a plain "*.xml" name; a size over
 * PM_AUTOD_MAX_BYTES; a hash that is not 64 lowercase hex digits; a name listed twice; more
 * than PM_AUTOD_MAX_ENTRIES lines. 0 or PM_ERR_PARSE / PM_ERR_NOMEM. */
int pm_autod_manifest_parse(const char *data, size_t len, const char *name, const char *dir,
                            struct pm_autod_manifest *m, struct pm_error *err);
/* The manifest text for the given entries (the parse's reverse). */
int pm_autod_manifest_format(const struct pm_autod_entry *e, size_t n, struct pm_buf *out);
void pm_autod_manifest_release(struct pm_autod_manifest *m);

enum pm_autod_restore_action {
    PM_AUTOD_WRITE = 1, /* missing or older: written */
    PM_AUTOD_SAME,      /* the same bytes are there: nothing to do */
    PM_AUTOD_NEWER,     /* a different, newer file is there: written only with force */
};

struct pm_autod_restore {
    struct pm_autod_manifest m;
    char *dir;        /* the folder written to */
    char *backup_dir; /* the manifest's folder, where the copies are */
    int *action;      /* per entry */
    size_t nwrite;    /* entries a restore writes */
};

/* Everything a restore checks before anything is written: the manifest at 'manifest_path' is
 * parsed against 'dir'; every copy exists, has the recorded size and hash; each file's action is
 * decided. A newer file without 'force' is PM_ERR_BUSY naming it. <0 with err set. */
int pm_autod_restore_check(const char *manifest_path, const char *dir, int force,
                           struct pm_autod_restore *r, struct pm_error *err);
/* Writes the files check decided (atomically, each read back and compared). 0 or <0. */
int pm_autod_restore_apply(struct pm_autod_restore *r, struct pm_error *err);
void pm_autod_restore_release(struct pm_autod_restore *r);

#endif
