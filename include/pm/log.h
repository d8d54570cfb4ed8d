/* The run log: one file per user and computer ("<COMPUTER>_<user>.log"), appended to by every run,
 * one event per line:
 *
 *   2026-11-25T21:03:04Z run=20261125T210304Z-1234 event=mailbox profile=Outlook state=updated ...
 *
 * Fields are key=value; a value with anything but [A-Za-z0-9._:/@+,=()-] is written in double
 * quotes with \" \\ \n \r \t and \xHH escapes, so no value can break or forge a line.
 * docs/log-format.md lists every event and field. Exit codes live here too: they are what the
 * log's run.end line records and what the report groups by. */
#ifndef PM_LOG_H
#define PM_LOG_H

#include <stddef.h>

#include "pm/error.h"
#include "pm/util.h"

enum pm_exit {
    PM_EXIT_OK = 0,          /* updated, nothing to do, or dry run */
    PM_EXIT_PROBLEMS = 1,    /* a check command found problems */
    PM_EXIT_USAGE = 2,       /* bad command line */
    PM_EXIT_CONFIG = 3,      /* prof.config missing, unreadable or invalid */
    PM_EXIT_PUF = 4,         /* mbm.puf missing or unreadable */
    PM_EXIT_IN_USE = 5,      /* Outlook or another MAPI client holds the profile: retry later */
    PM_EXIT_ROLLED_BACK = 6, /* the update failed and was rolled back: nothing changed */
    PM_EXIT_LOCKED = 7,      /* another run of this user is in progress */
    PM_EXIT_STORE = 8,       /* the registry store could not be opened or read */
    PM_EXIT_DAMAGED = 9,     /* the update failed and the rollback failed too: restore the backup */
};
/* "ok", "problems", "usage", "config_error", "puf_error", "in_use", "rolled_back", "locked",
 * "store_error", "rollback_failed". */
const char *pm_exit_name(int code);

struct pm_log;

/* Opens (appends to) "<folder>/<COMPUTER>_<user>.log" in the first folder of 'folders' that
 * exists or can be created and is writable. Returns 0 and *out, or PM_ERR_IO when none is
 * (then *out is NULL and events are dropped). 'run_id' tags every line. */
int pm_log_open(struct pm_log **out, const char *const *folders, size_t nfolders,
                const char *computer, const char *user, const char *run_id, struct pm_error *err);
/* Flushes the pending lines and closes. */
void pm_log_close(struct pm_log *log);
/* The log's file name for a computer and user, "<COMPUTER>_<user>.log", with what a file system
 * would refuse replaced (docs/log-format.md). The report checks each log's claimed identity with
 * it. */
#define PM_LOG_FILE_NAME_MAX 512
void pm_log_file_name(const char *computer, const char *user, char out[PM_LOG_FILE_NAME_MAX]);
/* The file in use, or NULL. */
const char *pm_log_path(const struct pm_log *log);
/* Why the log is not in the first place it could have been (that place's file was refused:
 * unwritable, a link, a file of another user, not a plain file), or NULL. The same text is
 * written as a "warning" event after the run's first line. */
const char *pm_log_note(const struct pm_log *log);
/* Adds one event: 'event' then key/value string pairs, NULL-terminated. A NULL value writes
 * nothing for that key. The line is kept in memory until pm_log_flush or pm_log_close (or until
 * 256 KiB are pending): on a file share each write is a round trip. A NULL log is a no-op. */
void pm_log_event(struct pm_log *log, const char *event, ...);
/* Writes the pending lines: whole lines only, at most 60 KiB per append write, so concurrent
 * runs never mix inside a line and each write stays one SMB request. A run calls it at its
 * defined points (docs/log-format.md: after its start, before it changes the store, at its end
 * through pm_log_close); what a run killed in between logged since the last point is lost.
 * A NULL log is a no-op. */
void pm_log_flush(struct pm_log *log);
/* Appends " key=value" (escaped as above) to b. */
int pm_log_field(struct pm_buf *b, const char *key, const char *value);
/* Formats a timestamp "YYYY-MM-DDTHH:MM:SSZ" for 'now' (seconds since 1970). */
void pm_log_timestamp(long long now, char out[32]);

/* One parsed log line, for report. Strings point into 'storage'. */
struct pm_log_line {
    char *timestamp;
    char *run;
    char *event;
    size_t nfields;
    char *keys[64];
    char *vals[64];
    char *storage;
};
/* Parses one line (without its line break). Returns 0, or PM_ERR_PARSE when the line is not a
 * well-formed event line (truncated, corrupt). */
int pm_log_parse_line(const char *line, size_t len, struct pm_log_line *out);
void pm_log_line_release(struct pm_log_line *l);
const char *pm_log_line_get(const struct pm_log_line *l, const char *key);

#endif
