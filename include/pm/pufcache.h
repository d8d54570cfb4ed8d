/* The local answer cache: what a run learnt from the PUF, kept in the user's own folder on this
 * computer (pm_os_state_dir), so that a later logon whose PUF has not changed asks the share for
 * the PUF's identity alone (one call) instead of its index and lines (about twenty). It is used
 * only when the PUF's path and identity (pm_file_id: size, write and change times, inode) and the
 * index's identity (or its absence) are the ones recorded and it holds the answers to exactly the
 * run's questions, or, when its lookup used the index and warned about no question (the index's
 * count of malformed lines is about none), to all of them among others (the targets an update's
 * lookup asked ahead: pm_puf_resolve_ahead). When such a cache holds some of them, the others are asked of the index without proving the index again
 * (pm_puf_resolve_known: the fingerprint the cache recorded): a partial answer. Anything else is a
 * miss, and the run asks the PUF as before. Both write the cache anew. Answers are kept as the PUF
 * lines they came from, and the warnings the lookup gave are kept and given again, so a run
 * answered from the cache decides and logs what the lookup would have.
 *
 * The file, text, one record a line ('\n'):
 *   profilemanager-puf-cache 2
 *   puf <the PUF's path as the config gives it>
 *   id <size> <write time ns> <change time ns> <inode> <device>
 *   idx <the same of the index> | idx none                (a rebuilt index is a miss too)
 *   lookup <used index 0|1> <index state> <malformed lines> <the lookup's note>
 *   fp <size> <head> <sample> <sample> <tail> | fp none    (the fingerprint the index was proved
 *                                                   to describe; none when no index answered)
 *   q <dn|smtp> <none|source|target|conflict> <line> <conflict line> <normalized key>
 *   e <the answer's entry, as a PUF line>           (right after a q whose answer is not none)
 *   w <line> <warning>                              (what the lookup warned, in order)
 *   end <checksum of every byte before this line, 16 hex digits>
 * docs/puf-format.md says what the identity can miss. */
#ifndef PM_PUFCACHE_H
#define PM_PUFCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "pm/error.h"
#include "pm/os.h"
#include "pm/puf.h"

#define PM_PUF_CACHE_FILE "puf-cache.txt"
#define PM_PUF_CACHE_MAX ((size_t)1 << 20) /* a bigger file is not ours: not read */
#define PM_PUF_CACHE_MAX_RECORDS 4096
#define PM_PUF_CACHE_MAX_WARNINGS 256

struct pm_puf_cache_rec {
    enum pm_puf_by by;
    enum pm_puf_match match;
    char *key;                 /* normalized (pm_puf_dn_key / pm_puf_smtp_key) */
    struct pm_puf_entry entry; /* entry.line set; strings only when match != PM_PUF_NONE */
    unsigned conflict_line;
};

struct pm_puf_cache {
    char *puf_path;
    struct pm_file_id id;
    int idx_found; /* the index existed, with idx_id */
    struct pm_file_id idx_id;
    /* What the lookup said (pm_puf_stats): a run answered from the cache says it again. */
    int used_index;
    int index_state; /* enum pm_puf_index_state */
    uint64_t malformed;
    char *note;
    int have_fp; /* with used_index: the index was proved to describe the PUF of fingerprint fp */
    uint64_t fp[PM_PUF_FP_WORDS];
    struct pm_puf_cache_rec *recs;
    size_t nrecs;
    struct pm_diag_list warnings; /* where NULL; the PUF's line and the message */
};

/* Reads a cache file's text. 0; PM_ERR_UNSUPPORTED when another version wrote it (not an error:
 * it is written anew); PM_ERR_PARSE with err naming 'name' and the line when it is not a whole
 * cache; PM_ERR_NOMEM. */
int pm_puf_cache_parse(struct pm_puf_cache *c, const char *data, size_t len, const char *name,
                       struct pm_error *err);
void pm_puf_cache_release(struct pm_puf_cache *c);

/* 1 when the cache was made for this PUF path with this identity, and with this index (NULL:
 * there was none), else 0. */
int pm_puf_cache_matches(const struct pm_puf_cache *c, const char *puf_path,
                         const struct pm_file_id *id, const struct pm_file_id *idx_id);

/* 1 when the cache may answer any of its questions, alone or among others: its lookup used the
 * index and gave no warning about a question (only the index's count of malformed lines, at line
 * 0, which every lookup through that index gives). Else its warnings belong to exactly its
 * questions. */
int pm_puf_cache_any_questions(const struct pm_puf_cache *c);

/* Answers every query from the cache, as pm_puf_resolve would (match, owned entry strings), and
 * gives its warnings again through 'warn' with 'puf_path'. 1 when all were answered, 0 when one is
 * missing, or when the cache's questions are not exactly these and it may not answer fewer
 * (pm_puf_cache_any_questions); the answers are then reset. PM_ERR_NOMEM. */
int pm_puf_cache_answer(const struct pm_puf_cache *c, struct pm_puf_query *q, size_t nq,
                        const char *puf_path, pm_diag_fn warn, void *ctx);

/* Answers the queries the cache holds, as pm_puf_cache_answer does; the others are left
 * unanswered (PM_PUF_NONE, no entry) with known[i] = 0. Gives no warnings: for a caller that asks
 * the rest of the index, which only a cache with no warnings may be completed by. The number of
 * queries answered, or PM_ERR_NOMEM (the answers then reset). */
int pm_puf_cache_answer_known(const struct pm_puf_cache *c, struct pm_puf_query *q, size_t nq,
                              unsigned char *known);

/* The cache text for these answered queries, what their lookup said ('stats', with the
 * fingerprint its index was proved for) and the warnings it gave; 'idx_id' is the index's identity, NULL when there was none. 0,
 * PM_ERR_INVALID when something cannot be written on one line (a line break in a key or in the
 * path) or a key would not read back (one still starting with "X500:" or "SMTP:" once normalized,
 * e.g. "X500:X500:/o=..." asked): such a run is simply not cached. PM_ERR_LIMIT past the record
 * limits, PM_ERR_NOMEM. */
int pm_puf_cache_encode(struct pm_buf *out, const char *puf_path, const struct pm_file_id *id,
                        const struct pm_file_id *idx_id, const struct pm_puf_stats *stats,
                        const struct pm_puf_query *q, size_t nq,
                        const struct pm_diag_list *warnings);

#endif
