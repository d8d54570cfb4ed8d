/* What the report's writers share (report.c collects the logs and writes text and CSV;
 * report-html.c writes the HTML page): the per-user records, the view of them an output is built
 * from, and the buffered output that hands the text to a sink as it grows. Internal to libpm. */
#ifndef PM_REPORT_INTERNAL_H
#define PM_REPORT_INTERNAL_H

#include <stddef.h>

#include "pm/report.h"
#include "pm/util.h"
#include "strmap.h"

#define LIST_MAX 200 /* rows per list in the text and HTML; the CSV has everything */

/* The lists a run leaves per user: policy warnings (first 64), names of settings outside the
 * profile still in place (first 64), security warnings (first 64). */
enum mlist { MLIST_POLICY, MLIST_OUTSIDE, MLIST_SECURITY, MLIST_COUNT };

/* Per mailbox, in this order: profile, account, role, dn, state, reason, target. */
enum { MBX_PROFILE, MBX_ACCOUNT, MBX_ROLE, MBX_DN, MBX_STATE, MBX_REASON, MBX_TARGET, MBX_FIELDS };

/* The latest run of one user on one computer, as the outputs need it: one allocation holding
 * the record and its strings, made once the run's log has been read (report.c folds the lines
 * of a run into a larger working record first and packs it here), so a report over 10^5 users
 * holds 10^5 small blocks and nothing else per user. The string pointers point into 'data' and
 * are never NULL (a value the log did not give is ""). */
struct machine {
    const char *user, *computer, *file;
    const char *end; /* timestamp of the last line of the run */
    const char *result, *version, *reason;
    enum pm_report_status status;
    int puf_index; /* the run read the whole PUF: 0 no, else an entry of report.c's reasons */
    unsigned nmbx;               /* mailboxes: MBX_FIELDS strings each, from 'mbx' on */
    unsigned nlist[MLIST_COUNT]; /* items of each list, consecutive strings from list[] on */
    const char *mbx, *list[MLIST_COUNT];
    char data[];
};

/* The string after s in a machine's packed strings (the next mailbox field or list item). */
static inline const char *report_next(const char *s)
{
    while (*s)
        s++;
    return s + 1;
}

struct badfile {
    char *file;
    unsigned bad_lines, first_bad;
    const char *why;
};

/* A log left out because what it says does not fit its file name or owner. */
struct claim {
    char *file, *user, *computer, *owner;
};

struct roster_entry {
    char *user, *computer;
};

struct pm_report {
    struct strmap machines;         /* "user\x01computer" -> struct machine */
    struct strmap users, computers; /* seen, for roster entries with one column */
    struct strmap days;             /* "YYYY-MM-DD" -> count (as pointer-sized integer) */
    struct badfile *bad;
    size_t nbad, capbad;
    struct claim *claims;
    size_t nclaims, capclaims;
    struct roster_entry *roster;
    size_t nroster, caproster;
    unsigned files, bad_lines;
    char *buf; /* reused file buffer */
    size_t bufcap;
    const struct pm_progress *progress; /* of pm_report_scan_dir, in files */
};

struct view {
    struct machine **m;
    size_t n;
    struct pm_report_totals t;
    struct roster_entry **never;
    size_t nnever;
    struct group {
        const char *kind;
        char *key;
        const char *example;
        unsigned count;
    } * groups;
    size_t ngroups;
    struct dayc {
        const char *day;
        unsigned long n;
    } * days;
    size_t ndays;
};

extern const char *const report_status_labels[PM_RS_COUNT];
extern const char *const report_status_colors[PM_RS_COUNT];

/* The records of 'r' sorted and counted for output; release with report_view_release. */
int report_view_build(const struct pm_report *r, struct view *v);
void report_view_release(struct view *v);

/* Outputs are built in a small buffer that is handed to the sink every OUT_DRAIN bytes, so a
 * report of any size is written whole (no ceiling of its own) and a sink that fails is an error,
 * not a shorter file. Between two drains the text is bounded (one row of capped fields, or one
 * fixed part of the page), far below OUT_RESERVE, which is reserved up front: appends to the
 * buffer then never need memory and cannot fail unnoticed. */
#define OUT_DRAIN ((size_t)64 << 10)
#define OUT_RESERVE ((size_t)4 << 20)

struct out {
    struct pm_buf b;
    const struct pm_report_sink *sink;
    int rc;
};

int report_out_begin(struct out *o, const struct pm_report_sink *sink);
/* Hands the buffer to the sink once it holds OUT_DRAIN bytes, or now when 'all'. */
void report_drain(struct out *o, int all);
int report_out_end(struct out *o);
/* The view of 'r' and an output to 'sink', as every writer starts; on error both are released. */
int report_open(const struct pm_report *r, const struct pm_report_sink *sink, struct view *v,
                struct out *o);
/* A sink that appends to a struct pm_buf. */
int report_buf_write(void *ctx, const void *data, size_t len);

#endif
