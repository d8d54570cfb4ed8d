/* mbm.puf: the list of migrated mailboxes. One mailbox per line, fields split by '|':
 *
 *   1 source legacyExchangeDN (X500; a leading "X500:" is accepted)   required
 *   2 target legacyExchangeDN                                         required
 *   3 target primary SMTP address                                     required
 *   4 target display name                                             may be empty
 *   5 target server (Exchange 2013+: <mailbox GUID>@<domain>)         may be empty
 *   6 target server DN                                                may be empty
 *   7 source primary SMTP address (a leading "SMTP:" is accepted)     may be empty (v2)
 *   8 target sign-in name (UPN)                                       may be empty (v2)
 *   9 target archive GUID (8-4-4-4-12 hex, braces accepted)           may be empty (v2)
 *
 * Lines starting with '#' are comments ("#fields:" may name the columns). CRLF or LF. UTF-8 with or
 * without BOM. Lines of 3 to 9 fields are valid; fields after the ninth are ignored. Matching is
 * ASCII case-insensitive on the whole DN (or address). The file is never loaded whole: a lookup
 * streams through it once (or uses the sidecar index, see puf-index). */
#ifndef PM_PUF_H
#define PM_PUF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pm/error.h"
#include "pm/progress.h"

#define PM_PUF_MAX_LINE 8192 /* longer lines are malformed */

struct pm_puf_entry {
    unsigned line; /* 1-based line in the PUF */
    char *source_dn;
    char *target_dn;
    char *target_smtp;
    char *target_display;   /* NULL when empty */
    char *target_server;    /* NULL when empty */
    char *target_server_dn; /* NULL when empty */
    char *source_smtp;      /* field 7 without "SMTP:"; NULL when empty */
    char *target_upn;       /* field 8; NULL when empty */
    /* field 9 in lowercase without braces; NULL when empty or all zeros (no archive) */
    char *target_archive_guid;
};

enum pm_puf_match {
    PM_PUF_NONE = 0,    /* not in the PUF: not migrated (yet) */
    PM_PUF_SOURCE = 1,  /* field 1 (by SMTP: field 7) of a line: migrate to 'entry' */
    PM_PUF_TARGET = 2,  /* field 2 (by SMTP: field 3) of a line: already points at the target */
    PM_PUF_CONFLICT = 3 /* field 1 (field 7) of several lines with different targets: never
                           guessed */
};

/* What a query is asked by. */
enum pm_puf_by {
    PM_PUF_BY_DN = 0,  /* 'dn': field 1 gives SOURCE, field 2 TARGET */
    PM_PUF_BY_SMTP = 1 /* 'smtp': field 7 gives SOURCE, field 3 TARGET (a store known only by
                          its SMTP address, e.g. an Outlook 2016+ shared mailbox) */
};

/* One DN (or SMTP address) asked about, and the answer. A zeroed query with 'dn' set asks by DN,
 * as before v2. */
struct pm_puf_query {
    const char *dn;            /* in, PM_PUF_BY_DN */
    enum pm_puf_match match;   /* out */
    struct pm_puf_entry entry; /* out: SOURCE, first line of a CONFLICT, TARGET (its line) */
    unsigned conflict_line;    /* out, for CONFLICT: the second line */
    enum pm_puf_by by;         /* in: PM_PUF_BY_DN (0) or PM_PUF_BY_SMTP */
    const char *smtp; /* in, PM_PUF_BY_SMTP: an address; blanks and "SMTP:" (any case) dropped,
                         compared ASCII case-insensitively */
};

/* What became of the sidecar index in one lookup. Every state from MISSING on means the PUF was
 * read whole, which the run logs as a puf.index warning (docs/log-format.md). */
enum pm_puf_index_state {
    PM_PUF_INDEX_OFF = 0,    /* not tried (--no-index) */
    PM_PUF_INDEX_USED,       /* it answered */
    PM_PUF_INDEX_MISSING,    /* no index file */
    PM_PUF_INDEX_STALE,      /* built from another PUF: size or sampled content differ */
    PM_PUF_INDEX_OLD_FORMAT, /* written by an older version: rebuild it */
    PM_PUF_INDEX_DAMAGED,    /* inconsistent in itself or with the PUF */
    PM_PUF_INDEX_NOT_USED,   /* fine, but not usable for this lookup (PUF unreadable, a key on
                                more lines than the index answers for) */
};
/* "off", "used", "missing", "stale", "old_format", "damaged", "not_used". */
const char *pm_puf_index_state_name(int state);

/* A PUF's content fingerprint as its index records it: the size, then the hashes of the head, two
 * sampled blocks and the tail (docs/puf-format.md). */
#define PM_PUF_FP_WORDS 5

struct pm_puf_stats {
    uint64_t bytes_read;  /* bytes of PUF data read */
    uint64_t index_reads; /* positioned reads of the index (each a round trip on a share) */
    uint64_t lines;       /* lines seen (scan) */
    uint64_t malformed;   /* malformed lines skipped */
    int used_index;       /* 1 when the sidecar index answered */
    int index_state;      /* enum pm_puf_index_state */
    char index_note[256]; /* why the index was or was not used */
    /* With used_index: the PUF's size and block hashes that the index was found to describe. */
    uint64_t index_fp[PM_PUF_FP_WORDS];
};

/* Checks one PUF line (without its line break). Returns 0 and fills e (owned strings) when
 * well-formed, else PM_ERR_PARSE with a message naming the field. A comment or blank line
 * returns 1 (e untouched). */
int pm_puf_parse_line(const char *line, size_t len, unsigned lineno, struct pm_puf_entry *e,
                      char *why, size_t whysize);
void pm_puf_entry_release(struct pm_puf_entry *e);
int pm_puf_entry_copy(struct pm_puf_entry *dst, const struct pm_puf_entry *src);

/* Normalizes a DN for matching: trims blanks, drops a leading "X500:" (any case). Returns a
 * pointer into s and the length in *len. */
const char *pm_puf_dn_key(const char *s, size_t len, size_t *keylen);
/* Normalizes an SMTP address for matching: trims blanks, drops a leading "SMTP:" (any case).
 * Returns a pointer into s and the length in *len. */
const char *pm_puf_smtp_key(const char *s, size_t len, size_t *keylen);

#define PM_PUF_NO_INDEX 0x1u /* scan even when a current index exists */

/* Answers every query in one pass over the PUF (or through its index). Malformed lines are
 * skipped and reported through 'warn' (at most the first 20, then a count). Errors: PM_ERR_IO
 * when the PUF cannot be opened or read (message says which). The out fields of every query are
 * overwritten (release them with pm_puf_queries_release); on error they hold nothing. */
int pm_puf_resolve(const char *path, struct pm_puf_query *q, size_t nq, unsigned flags,
                   struct pm_puf_stats *stats, pm_diag_fn warn, void *ctx, struct pm_error *err);
/* The same with the PUF already open as f (NULL: opened by path). The index path reads f with
 * positioned reads and leaves it open (the caller's to close): on a share the open that proved
 * the PUF readable serves the lookups too. A scan (no usable index) opens 'path' again. */
int pm_puf_resolve_open(const char *path, FILE *f, struct pm_puf_query *q, size_t nq,
                        unsigned flags, struct pm_puf_stats *stats, pm_diag_fn warn, void *ctx,
                        struct pm_error *err);
/* The same, trusting 'known_fp' (NULL: nothing): when the index's header records that very
 * fingerprint, the PUF's blocks are not read again to prove it (four round trips on a share). For
 * a caller that saw this fingerprint proved for the PUF and knows the PUF unchanged since: the
 * local answer cache, whose PUF and index have kept their identity (pm/pufcache.h). */
int pm_puf_resolve_known(const char *path, FILE *f, struct pm_puf_query *q, size_t nq,
                         unsigned flags, const uint64_t *known_fp, struct pm_puf_stats *stats,
                         pm_diag_fn warn, void *ctx, struct pm_error *err);
/* Room for the questions asked ahead (pm_puf_resolve_ahead). */
struct pm_puf_ahead {
    struct pm_puf_query *q; /* out: up to 'cap' queries, answered as any other */
    size_t cap;
    size_t n; /* out: how many were asked */
};
/* The same as pm_puf_resolve_known, and then, in the same pass over the index (no second open on
 * the share), asks ahead: each query that matched a source line is asked again by that line's
 * target DN, the name a run asks about once the mailbox was re-pointed, unless it was asked
 * already. The answers go to ahead->q; each ahead->q[k].dn points at the entry.target_dn of an
 * answer in q (valid while q's answers are). None are asked (ahead->n = 0) when the PUF is
 * scanned or when the lookup of q warned about a question, and none are kept when one of them
 * would warn: they are for a caller that keeps answers whose lookup warned about no question (the
 * local answer cache, pm/pufcache.h; the index's count of malformed lines is about none). Release them with
 * pm_puf_queries_release(ahead->q, ahead->n). */
int pm_puf_resolve_ahead(const char *path, FILE *f, struct pm_puf_query *q, size_t nq,
                         unsigned flags, const uint64_t *known_fp, struct pm_puf_ahead *ahead,
                         struct pm_puf_stats *stats, pm_diag_fn warn, void *ctx,
                         struct pm_error *err);
void pm_puf_queries_release(struct pm_puf_query *q, size_t nq);

/* The sidecar index's name beside a PUF: "<puf>.idx" (appended to 'out'). 0 or PM_ERR_NOMEM. */
int pm_puf_index_path(const char *puf_path, struct pm_buf *out);

/* The sidecar index "<puf>.idx": lets a run find its few lines with a handful of positioned
 * reads. Written next to the PUF (atomically). A run uses it only when it is provably current for
 * the PUF; otherwise it scans and says why in stats->index_note. */
int pm_puf_index_build(const char *puf_path, const char *idx_path, struct pm_error *err);
/* The same, telling 'progress' (may be NULL) how many bytes of the PUF the scan has read, about
 * every MiB, out of the PUF's size; done == total once, when the index is in place (the passes
 * after the scan read only the index's own entries and are not counted). */
int pm_puf_index_build_progress(const char *puf_path, const char *idx_path,
                                const struct pm_progress *progress, struct pm_error *err);
/* Whether "<puf>.idx" would be used for the PUF as it is now, without asking anything: the same
 * checks a run makes first (header, size, sampled content). Returns the state and sets
 * st->index_state and st->index_note (PM_PUF_INDEX_USED: current), or PM_ERR_NOMEM. */
int pm_puf_index_status(const char *puf_path, struct pm_puf_stats *st);

#endif
