/* What puf.c (line syntax, the streaming scan, answers) and puf-index.c (the sidecar index) share
 * inside libpm, and what the tests and fuzz targets use to look under the hood: field splitting
 * without allocation, the key hash, and the one function that turns matching lines into answers,
 * so the scan and the index can never disagree on what a set of lines means. */
#ifndef PM_PUF_INTERNAL_H
#define PM_PUF_INTERNAL_H

#include <stdint.h>
#include <stdio.h>

#include "pm/puf.h"

#define PUF_FIELDS 9

/* The trimmed fields of a well-formed line, pointing into the caller's bytes. f[0] and f[1] are
 * match keys (blanks and "X500:" removed), f[6] too ("SMTP:" removed); f[8] is the GUID without
 * braces (its case as written); empty optional fields have len 0. */
struct puf_span {
    const char *p;
    size_t len;
};
struct puf_fields {
    struct puf_span f[PUF_FIELDS];
};

/* Checks one line (without its '\n'; a trailing '\r' is ignored) and splits it. Allocates
 * nothing. Returns 0 when well-formed, 1 for a comment or blank line, PM_ERR_PARSE with a reason
 * in 'why' otherwise. */
int puf_split(const char *line, size_t len, struct puf_fields *out, char *why, size_t whysize);

/* 1 when a and b are the same DN (ASCII case-insensitive). Compares from the end, where DNs of
 * one organisation differ. */
int puf_key_equal(const char *a, size_t alen, const char *b, size_t blen);

/* 64-bit hash of a normalized (ASCII case-folded) key, and of raw bytes with a seed. */
uint64_t puf_key_hash(const char *key, size_t len);
uint64_t puf_bytes_hash(uint64_t seed, const void *data, size_t len);

/* The four keys of a line, as the index numbers them: field 1 and field 2 (for queries by DN),
 * field 7 and field 3 (for queries by SMTP). Odd kinds are the target side. */
enum puf_key_kind {
    PUF_K_SOURCE_DN = 0,
    PUF_K_TARGET_DN = 1,
    PUF_K_SOURCE_SMTP = 2,
    PUF_K_TARGET_SMTP = 3
};
/* The key of that kind in a well-formed line (len 0 when the field is empty). */
struct puf_span puf_fields_key(const struct puf_fields *f, int kind);

/* The normalized key a query asks for (by DN or by SMTP); "" with *len 0 when it has none. */
const char *puf_query_key(const struct pm_puf_query *q, size_t *len);

/* Feeds one matching line into a query's answer. 'kind' is 0 when the source key matched (field
 * 1, or field 7 for a query by SMTP), 1 when the target key did (field 2, or field 3). Lines must
 * come in file order. Returns 0 or PM_ERR_NOMEM. */
int puf_consider(struct pm_puf_query *q, int kind, const struct puf_fields *f, unsigned lineno,
                 const char *path, pm_diag_fn warn, void *ctx);

/* Resets answers to PM_PUF_NONE (used when the index path gives up half way). */
void puf_queries_reset(struct pm_puf_query *q, size_t nq);

/* The index read path (puf-index.c). 'given' is the PUF already open (read with positioned
 * reads, left open), or NULL to open 'path'; 'known_fp' and 'ahead' (may be NULL) as
 * pm_puf_resolve_ahead. Returns 1 when the index answered every query, 0 when it cannot be used
 * (the reason is in stats->index_note; answers are reset, none asked ahead), <0 on allocation
 * failure. */
int puf_index_resolve(const char *path, FILE *given, const uint64_t *known_fp,
                      struct pm_puf_query *q, size_t nq, struct pm_puf_ahead *ahead,
                      struct pm_puf_stats *stats, pm_diag_fn warn, void *ctx);

/* Streams every line of an open PUF through fn with one fixed buffer (no per-line allocation).
 * 'off' is the file offset of the line's first byte. A line longer than the buffer allows is
 * passed once as line == NULL, len == 0 and then skipped. Stops when fn returns nonzero and
 * returns that; PM_ERR_IO on a read error. Adds the bytes read to *bytes_read. */
typedef int (*puf_line_fn)(void *ctx, const char *line, size_t len, uint64_t off, unsigned lineno);
int puf_stream(FILE *f, puf_line_fn fn, void *ctx, uint64_t *bytes_read);
/* Opens the PUF for reading; NULL with PM_ERR_IO in err ("missing" or "unreadable"). */
FILE *puf_open(const char *path, struct pm_error *err);

/* Reads 'len' bytes at 'off' in one positioned read (pm_os_pread); returns the count read (short
 * at end of file), or -1. */
long puf_pread(FILE *f, void *buf, size_t len, uint64_t off);

/* What the index records of the PUF it was built from, and what a run compares, by content: the
 * size and the hashes of PUF_FP_BLOCKS blocks of PUF_FP_SAMPLE bytes, the head, the tail and
 * PUF_FP_BLOCKS - 2 blocks sampled at fixed fractions of the size (puf_fp_block_offset). The
 * modification time is not part of it: a copy to the share changes it and nothing else. 'mtime'
 * is only used while building, to see the PUF change under the builder. */
#define PUF_FP_SAMPLE 4096
#define PUF_FP_BLOCKS 4
struct puf_fingerprint {
    uint64_t size;
    int64_t mtime;
    uint64_t hash[PUF_FP_BLOCKS]; /* head, sampled ..., tail */
};
/* Where block i of a PUF of 'size' bytes starts, and how long it is. */
uint64_t puf_fp_block_offset(uint64_t size, int i, size_t *len);
/* Size and mtime from stat (no read). 0 or -1. */
int puf_stat(const char *path, struct puf_fingerprint *fp);
/* Hashes the blocks of the open PUF whose size is fp->size, one positioned read each; adds the
 * bytes read to *bytes. 0, 1 when the file is not fp->size bytes long (found while reading the
 * tail, which is read one byte longer), or -1 on a read error. */
int puf_fingerprint_hashes(FILE *f, struct puf_fingerprint *fp, uint64_t *bytes);

/* The index layout (puf-index.c has the full description): a header, (2^bits + 1) bucket slots
 * {u64 first entry, u64 checksum}, then the entries {u64 hash, u64 offset|len<<48|kind<<62,
 * u32 line}. Header fields used by tests: u32 bits at 48, u64 entry count at 56, u64 slot offset
 * at 64, u64 entry offset at 72. */
#define PUF_IDX_HEADER 112u
#define PUF_IDX_SLOT 16u
#define PUF_IDX_REC 20u
/* The checksum stored in bucket b's slot, over its n entries starting at entry 'start'. */
uint64_t puf_index_bucket_sum(uint32_t b, uint64_t start, const unsigned char *rec, size_t n);

/* For tests: pm_puf_index_build with 2^bits buckets instead of the builder's own choice (1..18),
 * to lay an index out as an earlier release did (a directory too large to come with the header)
 * or with buckets larger than one read. */
int puf_index_build_bits(const char *puf_path, const char *idx_path, unsigned bits,
                         struct pm_error *err);

/* For tests and fuzzing: rewrites the fingerprint of the PUF into an existing index file's
 * header (and its header checksum), so a patched index is taken as current. 0 or <0. */
int puf_index_refresh_header(const char *puf_path, const char *idx_path);

#endif
