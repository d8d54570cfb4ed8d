/* The sidecar index "<puf>.idx": lets a run answer its few questions with a handful of small
 * positioned reads instead of reading a PUF of a million lines from a slow share at every logon.
 *
 * Layout (little-endian):
 *   header   112 bytes: magic "PMPUFIDX", version, the PUF's fingerprint (its size and the
 *            hashes of four 4 KiB blocks: the head, two sampled at a third and two thirds of the
 *            size, the tail), bucket bits, entry count, offsets, line and malformed counts, and
 *            a checksum of the header itself;
 *   buckets  (2^bits + 1) slots of {u64 first entry, u64 checksum of the bucket's entries};
 *   entries  20 bytes each: {u64 key hash, u64 offset | length << 48 | kind << 62, u32 line},
 *            grouped by the top 'bits' bits of the hash; for every well-formed line one entry
 *            for field 1 (kind 0), field 2 (kind 1) and field 3 (kind 3), and one for field 7
 *            (kind 2) when the line has it. Version 1 had only the DN entries (kind in bit 63),
 *            version 2 recorded the PUF's modification time and two hashes: a run treats both
 *            as another format and scans.
 * The builder keeps the directory to at most 2^12 buckets (64 KiB) while buckets stay under
 * IDX_BUCKET_BIG entries, so a run reads the header and the whole directory in its first read
 * and each lookup then costs one read of its bucket (a few KiB at a million lines) instead of two
 * round trips; a directory too large for that first read (an index built by an earlier release,
 * or a PUF of tens of millions of lines) is read two slots at a time as before. An index of up
 * to 64 KiB (a PUF of about 900 lines: a pilot wave) comes whole in that first read and its
 * lookups read nothing more from it. The lookup reads the PUF line each candidate points at and
 * checks it, so a hash collision or a damaged index can never produce a wrong answer: a
 * collision is skipped, anything inconsistent falls back to the scan. The index is used only
 * when the PUF's size and its four block hashes match the header, judged by content so that
 * copying both files (new modification times) keeps the index; appending lines changes the size,
 * so the run scans and says why. What the blocks catch and miss: docs/puf-format.md.
 * Every read is one positioned read (pm_os_pread): on a share each call is a round trip.
 *
 * Building stays within a few MiB whatever the PUF size: one pass writes the entries to a
 * temporary file (its progress: the bytes of the PUF read), and then each pass gathers the
 * buckets that fit in a 2 MiB arena. */
#include "compat.h"

#include "pm/os.h"
#include "puf-internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define IDX_MAGIC "PMPUFIDX"
#define IDX_VERSION 3u
#define IDX_HEADER PUF_IDX_HEADER
#define IDX_SLOT PUF_IDX_SLOT
#define IDX_REC PUF_IDX_REC
#define IDX_MIN_BITS 4u
#define IDX_MAX_BITS 18u /* 2^18 u32 counters = 1 MiB while building */
/* The largest directory a run reads with the header, in its first read: 2^12 + 1 slots, 64 KiB.
 * The builder uses more buckets only when they would otherwise hold more than IDX_BUCKET_BIG
 * entries each on average (80 KiB, a PUF of about five million lines). */
#define IDX_DIR_BITS 12u
#define IDX_BUCKET_BIG 4096u
#define IDX_FIRST_READ (IDX_HEADER + (((size_t)1 << IDX_DIR_BITS) + 1) * IDX_SLOT)
/* A bucket is read in reads of at most this many entries (a multiple of IDX_CHUNK, the unit its
 * checksum is chained by, 320 KiB): one read for any bucket the builder makes. */
#define IDX_READ_ENTRIES (IDX_CHUNK * 64u)
#define IDX_ARENA ((size_t)2 << 20)
#define IDX_MAX_OFFSET (((uint64_t)1 << 48) - 1)
/* A bucket holds about 8 entries; more than this many sharing one hash is not worth indexing. */
#define IDX_MAX_CANDIDATES 64
#define IDX_CHUNK 256 /* entries a bucket's checksum is chained by; the builder's read unit */
/* The scan reports its progress every this many bytes of the PUF: a few updates a second from a
 * share, more from a local disk, which the caller throttles to what it shows. */
#define IDX_PROGRESS_EVERY ((uint64_t)1 << 20)

struct idx_header {
    struct puf_fingerprint fp;
    uint32_t bits;
    uint64_t nentries;
    uint64_t dir_offset;
    uint64_t entries_offset;
    uint64_t lines;
    uint64_t malformed;
    /* Set by the reader: the index's first bytes as read with the header, and the whole
     * directory among them, or NULL when it did not fit (the slots are then read per lookup). */
    const unsigned char *first;
    uint64_t first_len;
    const unsigned char *dir;
};

static void put_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void put_u64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get_u32(const unsigned char *p)
{
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static uint64_t get_u64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static void idx_header_encode(const struct idx_header *h, unsigned char *b)
{
    memset(b, 0, IDX_HEADER);
    memcpy(b, IDX_MAGIC, 8);
    put_u32(b + 8, IDX_VERSION);
    put_u32(b + 12, IDX_HEADER);
    put_u64(b + 16, h->fp.size);
    put_u64(b + 24, h->fp.hash[0]);
    put_u64(b + 32, h->fp.hash[1]);
    put_u64(b + 40, h->fp.hash[2]);
    put_u64(b + 96, h->fp.hash[3]);
    put_u32(b + 48, h->bits);
    put_u32(b + 52, IDX_REC);
    put_u64(b + 56, h->nentries);
    put_u64(b + 64, h->dir_offset);
    put_u64(b + 72, h->entries_offset);
    put_u64(b + 80, h->lines);
    put_u64(b + 88, h->malformed);
    put_u64(b + 104, puf_bytes_hash(0x1dc, b, 104));
}

/* Returns NULL when the header is sound, else why not (for index_note). */
static const char *idx_header_decode(const unsigned char *b, size_t n, struct idx_header *h)
{
    if (n < IDX_HEADER || memcmp(b, IDX_MAGIC, 8) != 0)
        return "is not an index file";
    if (get_u32(b + 8) < IDX_VERSION)
        return "has another format version; scanning (an older format: run `profilemanager "
               "puf index` again)";
    if (get_u32(b + 8) != IDX_VERSION || get_u32(b + 12) != IDX_HEADER ||
        get_u32(b + 52) != IDX_REC)
        return "has another format version; scanning";
    if (get_u64(b + 104) != puf_bytes_hash(0x1dc, b, 104))
        return "is damaged (header checksum)";
    h->fp.size = get_u64(b + 16);
    h->fp.mtime = 0;
    h->fp.hash[0] = get_u64(b + 24);
    h->fp.hash[1] = get_u64(b + 32);
    h->fp.hash[2] = get_u64(b + 40);
    h->fp.hash[3] = get_u64(b + 96);
    h->bits = get_u32(b + 48);
    h->nentries = get_u64(b + 56);
    h->dir_offset = get_u64(b + 64);
    h->entries_offset = get_u64(b + 72);
    h->lines = get_u64(b + 80);
    h->malformed = get_u64(b + 88);
    if (h->bits > IDX_MAX_BITS || h->dir_offset != IDX_HEADER ||
        h->entries_offset != IDX_HEADER + ((((uint64_t)1 << h->bits) + 1) * IDX_SLOT) ||
        h->nentries > (((uint64_t)1 << 40)))
        return "is damaged (layout)";
    return NULL;
}

static uint32_t idx_bucket(uint64_t hash, uint32_t bits)
{
    return bits ? (uint32_t)(hash >> (64 - bits)) : 0;
}

/* The checksum of one bucket: its number, its range and its entries' bytes, so a slot pointing
 * at the wrong range is caught as surely as a changed entry. Computed incrementally. */
static uint64_t idx_bucket_seed(uint32_t b, uint64_t start, uint64_t end)
{
    unsigned char s[20];
    put_u32(s, b);
    put_u64(s + 4, start);
    put_u64(s + 12, end);
    return puf_bytes_hash(0xb0c, s, sizeof(s));
}

/* The whole checksum of a bucket held in memory, chained per IDX_CHUNK entries exactly as a
 * lookup reads them. */
static uint64_t idx_bucket_sum(uint32_t b, uint64_t start, const unsigned char *rec, size_t n)
{
    uint64_t acc = idx_bucket_seed(b, start, start + n);
    for (size_t done = 0; done < n; done += IDX_CHUNK) {
        size_t m = n - done < IDX_CHUNK ? n - done : IDX_CHUNK;
        acc = puf_bytes_hash(acc, rec + done * IDX_REC, m * IDX_REC);
    }
    return acc;
}

uint64_t puf_index_bucket_sum(uint32_t b, uint64_t start, const unsigned char *rec, size_t n)
{
    return idx_bucket_sum(b, start, rec, n);
}

/* ---- shared with puf.c ---- */

long puf_pread(FILE *f, void *buf, size_t len, uint64_t off)
{
    return pm_os_pread(f, buf, len, off);
}

int puf_stat(const char *path, struct puf_fingerprint *fp)
{
    struct stat sb;
    memset(fp, 0, sizeof(*fp));
    if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
        return -1;
    fp->size = (uint64_t)sb.st_size;
    fp->mtime = (int64_t)sb.st_mtime;
    return 0;
}

/* The head and the tail catch what most edits do (a new export rewrites the first lines, lines
 * appended or removed change the size and the tail); the two blocks at a third and two thirds
 * catch a part of the edits in place that keep the size. Fixed fractions, not random ones: the
 * builder and every run must pick the same blocks without storing them. */
uint64_t puf_fp_block_offset(uint64_t size, int i, size_t *len)
{
    uint64_t n = size < PUF_FP_SAMPLE ? size : PUF_FP_SAMPLE, off;
    if (i == 0)
        off = 0;
    else if (i == PUF_FP_BLOCKS - 1)
        off = size - n;
    else {
        /* size / 3 * i, rounded down to a block boundary, without overflowing 64 bits */
        off = (size / (PUF_FP_BLOCKS - 1)) * (uint64_t)i;
        off -= off % PUF_FP_SAMPLE;
        if (off > size - n)
            off = size - n;
    }
    *len = (size_t)n;
    return off;
}

int puf_fingerprint_hashes(FILE *f, struct puf_fingerprint *fp, uint64_t *bytes)
{
    unsigned char buf[PUF_FP_SAMPLE + 1];
    /* The tail first, one byte longer than the block: a file of another size reads short or
     * long, which answers "same size?" without a stat. */
    for (int k = 0; k < PUF_FP_BLOCKS; k++) {
        int i = (k + PUF_FP_BLOCKS - 1) % PUF_FP_BLOCKS;
        size_t n;
        uint64_t off = puf_fp_block_offset(fp->size, i, &n);
        size_t want = i == PUF_FP_BLOCKS - 1 ? n + 1 : n;
        long r = puf_pread(f, buf, want, off);
        if (r < 0)
            return -1;
        *bytes += (uint64_t)r;
        if ((size_t)r != n)
            return 1;
        fp->hash[i] = puf_bytes_hash(0x5a0 + (uint64_t)i, buf, n);
    }
    return 0;
}

int pm_puf_index_path(const char *puf_path, struct pm_buf *out)
{
    return pm_buf_puts(out, puf_path) < 0 || pm_buf_puts(out, ".idx") < 0 ? PM_ERR_NOMEM : 0;
}

/* ---- lookup ---- */

struct idx_cand {
    uint64_t off;
    uint32_t len;
    uint32_t line;
    int kind;
};

static int idx_cand_cmp(const void *a, const void *b)
{
    const struct idx_cand *x = a, *y = b;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    return x->kind - y->kind;
}

/* The lines a session has read and proved whole, so a line that answers two questions (a
 * mailbox's source and, asked ahead, its target) is read from the share once. */
#define IDX_MEMO_LINES 32
struct idx_memo {
    struct {
        uint64_t off;
        uint32_t len;
        size_t at; /* in text */
    } line[IDX_MEMO_LINES];
    size_t n;
    struct pm_buf text;
};

/* One lookup session: the two files, the header proved for the PUF, the work buffers and what
 * was read. */
struct idx_session {
    FILE *fi, *fp;
    const char *path, *idxname;
    struct idx_header h;
    struct pm_puf_stats *st;
    uint64_t idx_bytes;
    unsigned char *first;  /* IDX_FIRST_READ: the header, the directory, a small index whole */
    unsigned char *bucket; /* IDX_READ_ENTRIES entries */
    char *line;            /* PM_PUF_MAX_LINE + 8 */
    struct idx_memo memo;
};

/* Why the index was not used, in stats->index_note; returns 0 (= scan instead). */
static int idx_note(struct pm_puf_stats *st, int state, const char *fmt, ...) PM_PRINTF(3, 4);

static int idx_note(struct pm_puf_stats *st, int state, const char *fmt, ...)
{
    st->index_state = state;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->index_note, sizeof(st->index_note), fmt, ap);
    va_end(ap);
    return 0;
}

/* Reads 'len' bytes of the index at 'off', counting the read and its bytes. */
static long idx_pread(FILE *fi, void *buf, size_t len, uint64_t off, struct pm_puf_stats *st,
                      uint64_t *idx_bytes)
{
    long n = puf_pread(fi, buf, len, off);
    st->index_reads++;
    if (n > 0)
        *idx_bytes += (uint64_t)n;
    return n;
}

/* The entries of the key's bucket whose hash is the key's and whose kind answers the query
 * (base and base + 1), into cand. The bucket's two slots come from the directory read with the
 * header when it fit there, else from one read; the bucket itself is one read of up to
 * IDX_READ_ENTRIES entries into 'buf'. Every entry must belong to the bucket and the bucket must
 * match its checksum: a damaged index is noted and not used, never trusted. 1 when read, 0 when
 * the index is unusable (note set). */
static int idx_candidates(struct idx_session *se, uint64_t hash, int base, struct idx_cand *cand,
                          size_t *ncand)
{
    FILE *fi = se->fi;
    const struct idx_header *h = &se->h;
    const char *idxname = se->idxname;
    struct pm_puf_stats *st = se->st;
    uint64_t *idx_bytes = &se->idx_bytes;
    unsigned char *buf = se->bucket;
    uint32_t b = idx_bucket(hash, h->bits);
    unsigned char read_slots[2 * IDX_SLOT];
    const unsigned char *slots = h->dir ? h->dir + (size_t)b * IDX_SLOT : read_slots;
    if (!h->dir && idx_pread(fi, read_slots, sizeof(read_slots),
                             h->dir_offset + (uint64_t)b * IDX_SLOT, st,
                             idx_bytes) != (long)sizeof(read_slots))
        return idx_note(st, PM_PUF_INDEX_DAMAGED, "index '%s' is damaged (short read)", idxname);
    uint64_t start = get_u64(slots), sum = get_u64(slots + 8), end = get_u64(slots + IDX_SLOT);
    if (start > end || end > h->nentries)
        return idx_note(st, PM_PUF_INDEX_DAMAGED, "index '%s' is damaged (bucket %u)", idxname, b);

    /* Incremental form of puf_bytes_hash over the bucket's bytes, per IDX_CHUNK entries. */
    uint64_t acc = idx_bucket_seed(b, start, end);
    for (uint64_t at = start; at < end;) {
        size_t n = (size_t)((end - at) < IDX_READ_ENTRIES ? (end - at) : IDX_READ_ENTRIES);
        uint64_t from = h->entries_offset + at * IDX_REC;
        const unsigned char *recs = buf;
        if (from + n * IDX_REC <= h->first_len)
            recs = h->first + from; /* a small index came whole with the header */
        else if (idx_pread(fi, buf, n * IDX_REC, from, st, idx_bytes) != (long)(n * IDX_REC))
            return idx_note(st, PM_PUF_INDEX_DAMAGED, "index '%s' is damaged (short read)",
                            idxname);
        for (size_t done = 0; done < n; done += IDX_CHUNK)
            acc = puf_bytes_hash(acc, recs + done * IDX_REC,
                                 (n - done < IDX_CHUNK ? n - done : IDX_CHUNK) * IDX_REC);
        for (size_t i = 0; i < n; i++) {
            const unsigned char *r = recs + i * IDX_REC;
            uint64_t rh = get_u64(r);
            if (idx_bucket(rh, h->bits) != b)
                return idx_note(st, PM_PUF_INDEX_DAMAGED,
                                "index '%s' is damaged (entry out of its bucket)", idxname);
            uint64_t packed = get_u64(r + 8);
            int kind = (int)(packed >> 62);
            if (rh != hash || kind < base || kind > base + 1)
                continue;
            if (*ncand == IDX_MAX_CANDIDATES)
                return idx_note(st, PM_PUF_INDEX_NOT_USED,
                                "index not used: more than %d lines share one key",
                                IDX_MAX_CANDIDATES);
            cand[*ncand].off = packed & IDX_MAX_OFFSET;
            cand[*ncand].len = (uint32_t)((packed >> 48) & 0x3FFF);
            cand[*ncand].kind = kind;
            cand[*ncand].line = get_u32(r + 16);
            (*ncand)++;
        }
        at += n;
    }
    if (acc != sum)
        return idx_note(st, PM_PUF_INDEX_DAMAGED, "index '%s' is damaged (bucket %u checksum)",
                        idxname, b);
    return 1;
}

/* The proved line at c's place, when the session has read it before: copied to se->line. */
static const char *idx_memo_find(struct idx_session *se, const struct idx_cand *c)
{
    for (size_t i = 0; i < se->memo.n; i++)
        if (se->memo.line[i].off == c->off && se->memo.line[i].len == c->len) {
            memcpy(se->line, se->memo.text.data + se->memo.line[i].at, c->len);
            return se->line;
        }
    return NULL;
}

/* Keeps a proved line for the session (the first IDX_MEMO_LINES; later ones are read again). */
static int idx_memo_keep(struct idx_session *se, const struct idx_cand *c, const char *line)
{
    struct idx_memo *m = &se->memo;
    if (m->n == IDX_MEMO_LINES)
        return 0;
    size_t at = m->text.len;
    if (pm_buf_append(&m->text, line, c->len) < 0)
        return PM_ERR_NOMEM;
    m->line[m->n].off = c->off;
    m->line[m->n].len = c->len;
    m->line[m->n++].at = at;
    return 0;
}

/* Candidate c's line, split into f. It is read with the byte before and after it, to prove it is
 * a whole line of the PUF as it is now: an index that points elsewhere is noted and not used.
 * A line the session proved before is not read again. 1 when read, 0 when the index is unusable
 * (note set), <0 no memory. */
static int idx_read_line(struct idx_session *se, const struct idx_cand *c, struct puf_fields *f)
{
    const struct idx_header *h = &se->h;
    struct pm_puf_stats *st = se->st;
    if (c->len > PM_PUF_MAX_LINE + 1 || c->off + c->len > h->fp.size || c->line == 0)
        return idx_note(st, PM_PUF_INDEX_STALE, "index '%s' does not match the puf (line %u)",
                        se->idxname, c->line);
    const char *line = idx_memo_find(se, c);
    if (!line) {
        uint64_t from = c->off ? c->off - 1 : 0;
        size_t want = (size_t)(c->off - from) + c->len + 1;
        long got = puf_pread(se->fp, se->line, want, from);
        if (got < 0)
            return idx_note(st, PM_PUF_INDEX_NOT_USED, "puf read failed at offset %" PM_PRIu64,
                            PM_U64(from));
        st->bytes_read += (uint64_t)got;
        line = se->line + (c->off - from);
        int whole =
            (size_t)got >= want - 1 && (c->off == 0 || se->line[0] == '\n') &&
            ((size_t)got == want - 1 ? c->off + c->len == h->fp.size : line[c->len] == '\n') &&
            !memchr(line, '\n', c->len);
        if (!whole)
            return idx_note(st, PM_PUF_INDEX_STALE, "index '%s' does not match the puf (line %u)",
                            se->idxname, c->line);
        if (idx_memo_keep(se, c, line) < 0)
            return PM_ERR_NOMEM;
    }
    if (puf_split(line, c->len, f, NULL, 0) != 0)
        return idx_note(st, PM_PUF_INDEX_STALE, "index '%s' does not match the puf (line %u)",
                        se->idxname, c->line);
    return 1;
}

/* Answers one query from the index. 1 answered, 0 index unusable (note set), <0 no memory. */
static int idx_lookup(struct idx_session *se, struct pm_puf_query *q, pm_diag_fn warn, void *ctx)
{
    size_t klen;
    const char *key = puf_query_key(q, &klen);
    if (!klen)
        return 1;
    /* The entry kinds that answer this query: 0 and 1 by DN, 2 and 3 by SMTP. */
    int base = q->by == PM_PUF_BY_SMTP ? PUF_K_SOURCE_SMTP : PUF_K_SOURCE_DN;
    struct idx_cand cand[IDX_MAX_CANDIDATES];
    size_t ncand = 0;
    int rc = idx_candidates(se, puf_key_hash(key, klen), base, cand, &ncand);
    if (rc != 1)
        return rc;
    qsort(cand, ncand, sizeof(cand[0]), idx_cand_cmp);
    for (size_t i = 0; i < ncand; i++) {
        struct puf_fields f;
        if ((rc = idx_read_line(se, &cand[i], &f)) != 1)
            return rc;
        struct puf_span k = puf_fields_key(&f, cand[i].kind);
        if (!puf_key_equal(key, klen, k.p, k.len))
            continue; /* a hash collision: another key */
        rc = puf_consider(q, cand[i].kind - base, &f, cand[i].line, se->path, warn, ctx);
        if (rc < 0)
            return rc;
    }
    return 1;
}

/* Passes warnings on (when there is somewhere to pass them) and counts them. */
struct idx_warned {
    pm_diag_fn warn;
    void *ctx;
    size_t n;
};

static void idx_count_warning(void *vctx, const char *where, unsigned line, const char *msg)
{
    struct idx_warned *w = vctx;
    w->n++;
    if (w->warn)
        w->warn(w->ctx, where, line, msg);
}

/* 1 when 'key' (normalized) is the DN a query of q[0..n) asks about. */
static int idx_asked(const struct pm_puf_query *q, size_t n, const char *key, size_t klen)
{
    for (size_t i = 0; i < n; i++) {
        size_t l;
        const char *k = puf_query_key(&q[i], &l);
        if (q[i].by == PM_PUF_BY_DN && puf_key_equal(k, l, key, klen))
            return 1;
    }
    return 0;
}

/* The questions asked ahead (pm_puf_resolve_ahead): each source matched in q asked again by its
 * target DN, unless asked already. Any warning from them drops them all. 1, 0 (index unusable,
 * note set), <0 no memory. */
static int idx_ask_ahead(struct idx_session *se, const struct pm_puf_query *q, size_t nq,
                         struct pm_puf_ahead *ahead)
{
    struct idx_warned warned = {NULL, NULL, 0};
    ahead->n = 0;
    for (size_t i = 0; i < nq && ahead->n < ahead->cap; i++) {
        const char *t = q[i].entry.target_dn;
        if (q[i].match != PM_PUF_SOURCE || !t)
            continue;
        size_t klen;
        const char *key = pm_puf_dn_key(t, strlen(t), &klen);
        if (!klen || idx_asked(q, nq, key, klen) || idx_asked(ahead->q, ahead->n, key, klen))
            continue;
        struct pm_puf_query *a = &ahead->q[ahead->n++];
        memset(a, 0, sizeof(*a));
        a->dn = t;
        int rc = idx_lookup(se, a, idx_count_warning, &warned);
        if (rc != 1) {
            pm_puf_queries_release(ahead->q, ahead->n);
            ahead->n = 0;
            return rc;
        }
    }
    if (warned.n) {
        pm_puf_queries_release(ahead->q, ahead->n);
        ahead->n = 0;
    }
    return 1;
}

_Static_assert(PM_PUF_FP_WORDS == 1 + PUF_FP_BLOCKS, "the public fingerprint is size and blocks");

/* 1 when fp is the fingerprint 'words' (size, then the block hashes). */
static int idx_fp_is(const struct puf_fingerprint *fp, const uint64_t *words)
{
    if (fp->size != words[0])
        return 0;
    for (int i = 0; i < PUF_FP_BLOCKS; i++)
        if (fp->hash[i] != words[1 + i])
            return 0;
    return 1;
}

/* Opens the index (and the PUF, unless 'given' is the PUF already open) and proves the index
 * describes the PUF as it is now, by content: the same size and block hashes. 1 when it does; 0
 * with a note when not, and the caller scans the PUF instead. The first read takes 'cap' bytes
 * into 'first' (IDX_FIRST_READ for a run: the header and a directory of up to 2^IDX_DIR_BITS
 * buckets; IDX_HEADER for a check); h->dir points into it when the whole directory came with it.
 * The files opened are the caller's to close (*fp == given is not). With 'check_size' the index
 * file must also be the size its header gives (puf check); a run does not ask: its every read of
 * the index is checked for length, so a cut index shows as a short read where a lookup reaches
 * the cut, and bytes past the end are never read. On a share a run's check is six calls: the
 * index's open and first read, the PUF's open and four blocks (the tail read also proves the
 * size). */
static int idx_open_fresh(const char *path, const char *idxname, FILE *given, int check_size,
                          const uint64_t *known_fp, unsigned char *first, size_t cap, FILE **fi,
                          FILE **fp, struct idx_header *h, struct pm_puf_stats *st,
                          uint64_t *idx_bytes)
{
    if (!(*fi = fopen(idxname, "rb")))
        return idx_note(st, PM_PUF_INDEX_MISSING, "no index '%s'", idxname);
    long n = idx_pread(*fi, first, cap, 0, st, idx_bytes);
    if (n < 0)
        return idx_note(st, PM_PUF_INDEX_MISSING, "index '%s' cannot be read", idxname);
    const char *bad = idx_header_decode(first, (size_t)n, h);
    if (bad)
        return idx_note(
            st, strstr(bad, "older format") ? PM_PUF_INDEX_OLD_FORMAT : PM_PUF_INDEX_DAMAGED,
            "index '%s' %s", idxname, bad);
    h->first = first;
    h->first_len = (uint64_t)n;
    h->dir = h->entries_offset <= (uint64_t)n ? first + h->dir_offset : NULL;
    if (check_size) {
        long long isize = pm_os_fsize(*fi);
        if (isize < 0 || (uint64_t)isize != h->entries_offset + h->nentries * IDX_REC)
            return idx_note(st, PM_PUF_INDEX_DAMAGED, "index '%s' is damaged (size)", idxname);
    }
    if (!(*fp = given ? given : fopen(path, "rb")))
        return idx_note(st, PM_PUF_INDEX_NOT_USED, "index not used: the puf cannot be read");
    if (known_fp && idx_fp_is(&h->fp, known_fp))
        return 1; /* proved before for this very PUF, unchanged since (the caller knows) */
    struct puf_fingerprint now = {0};
    now.size = h->fp.size;
    int rc = puf_fingerprint_hashes(*fp, &now, &st->bytes_read);
    if (rc < 0)
        return idx_note(st, PM_PUF_INDEX_NOT_USED, "index not used: the puf cannot be read");
    if (rc == 1) {
        long long psize = pm_os_fsize(*fp);
        if (psize < 0)
            return idx_note(st, PM_PUF_INDEX_NOT_USED, "index not used: the puf cannot be read");
        return idx_note(st, PM_PUF_INDEX_STALE,
                        "index is stale: puf %s from %" PM_PRIu64 " to %" PM_PRIu64 " bytes",
                        (uint64_t)psize > h->fp.size ? "grew" : "shrank", PM_U64(h->fp.size),
                        PM_U64((uint64_t)psize));
    }
    for (int i = 0; i < PUF_FP_BLOCKS; i++)
        if (now.hash[i] != h->fp.hash[i]) {
            size_t blen;
            uint64_t boff = puf_fp_block_offset(now.size, i, &blen);
            return idx_note(st, PM_PUF_INDEX_STALE,
                            "index is stale: puf content changed since it was indexed (bytes "
                            "%" PM_PRIu64 "-%" PM_PRIu64 ")",
                            PM_U64(boff), PM_U64(boff + blen));
        }
    return 1;
}

int puf_index_resolve(const char *path, FILE *given, const uint64_t *known_fp,
                      struct pm_puf_query *q, size_t nq, struct pm_puf_ahead *ahead,
                      struct pm_puf_stats *st, pm_diag_fn warn, void *ctx)
{
    struct pm_buf name = PM_BUF_INIT;
    if (pm_puf_index_path(path, &name) < 0) {
        pm_buf_release(&name);
        return PM_ERR_NOMEM;
    }
    struct idx_session se = {.path = path, .idxname = name.data, .st = st};
    se.line = malloc(PM_PUF_MAX_LINE + 8);
    se.first = malloc(IDX_FIRST_READ);
    se.bucket = malloc(IDX_READ_ENTRIES * IDX_REC);
    int rc = 0;

    if (!se.line || !se.first || !se.bucket) {
        rc = PM_ERR_NOMEM;
        goto out;
    }
    if ((rc = idx_open_fresh(path, se.idxname, given, 0, known_fp, se.first, IDX_FIRST_READ,
                             &se.fi, &se.fp, &se.h, st, &se.idx_bytes)) != 1)
        goto out;
    struct idx_warned warned = {warn, ctx, 0};
    for (size_t i = 0; i < nq; i++)
        if ((rc = idx_lookup(&se, &q[i], idx_count_warning, &warned)) != 1)
            goto out;
    /* A lookup that warns about a question is kept for its exact questions only: asking ahead
     * would cost round trips for nothing. (The count of malformed lines below is about none.) */
    if (ahead && !warned.n && (rc = idx_ask_ahead(&se, q, nq, ahead)) != 1)
        goto out;
    st->used_index = 1;
    st->malformed = se.h.malformed;
    st->index_fp[0] = se.h.fp.size;
    for (int i = 0; i < PUF_FP_BLOCKS; i++)
        st->index_fp[1 + i] = se.h.fp.hash[i];
    idx_note(st, PM_PUF_INDEX_USED,
             "used index '%s' (%" PM_PRIu64 " bytes of index read in %" PM_PRIu64 " reads)",
             se.idxname, PM_U64(se.idx_bytes), PM_U64(st->index_reads));
    if (se.h.malformed && warn) {
        char msg[200];
        snprintf(msg, sizeof(msg),
                 "%" PM_PRIu64
                 " malformed lines were skipped when the index was built (run puf check)",
                 PM_U64(se.h.malformed));
        warn(ctx, path, 0, msg);
    }
    rc = 1;
out:
    if (rc != 1)
        puf_queries_reset(q, nq);
    if (se.fi)
        fclose(se.fi);
    if (se.fp && se.fp != given)
        fclose(se.fp);
    free(se.line);
    free(se.first);
    free(se.bucket);
    pm_buf_release(&se.memo.text);
    pm_buf_release(&name);
    return rc;
}

int pm_puf_index_status(const char *path, struct pm_puf_stats *st)
{
    memset(st, 0, sizeof(*st));
    struct pm_buf name = PM_BUF_INIT;
    if (!path || pm_puf_index_path(path, &name) < 0) {
        pm_buf_release(&name);
        return PM_ERR_NOMEM;
    }
    struct idx_header h = {0};
    FILE *fi = NULL, *fp = NULL;
    uint64_t idx_bytes = 0;
    unsigned char hb[IDX_HEADER];
    if (idx_open_fresh(path, name.data, NULL, 1, NULL, hb, sizeof(hb), &fi, &fp, &h, st,
                       &idx_bytes) == 1)
        idx_note(st, PM_PUF_INDEX_USED, "index '%s' is current (%" PM_PRIu64 " lines)", name.data,
                 PM_U64(h.lines));
    if (fi)
        fclose(fi);
    if (fp)
        fclose(fp);
    pm_buf_release(&name);
    return st->index_state;
}

/* ---- building ---- */

struct idx_build {
    FILE *rec; /* the temporary entry file */
    uint64_t nentries;
    uint64_t lines;
    uint64_t malformed;
    int failed; /* PM_ERR_LIMIT / PM_ERR_IO from the callback */
    const struct pm_progress *progress;
    uint64_t size;  /* of the PUF when the build started: the progress total */
    uint64_t shown; /* bytes last reported */
};

/* The bytes scanned so far, every IDX_PROGRESS_EVERY. Never the whole size: 100% is reported
 * once the index is in place, not when the scan ends with the index still to be written. */
static void idx_progress(struct idx_build *b, uint64_t scanned)
{
    if (!b->progress || !b->size || scanned < b->shown + IDX_PROGRESS_EVERY)
        return;
    b->shown = scanned;
    pm_progress_update(b->progress, scanned < b->size ? scanned : b->size - 1, b->size);
}

static int idx_put_entry(struct idx_build *b, const struct puf_span *key, int kind, uint64_t off,
                         size_t len, unsigned lineno)
{
    unsigned char r[IDX_REC];
    put_u64(r, puf_key_hash(key->p, key->len));
    put_u64(r + 8, off | ((uint64_t)len << 48) | ((uint64_t)kind << 62));
    put_u32(r + 16, lineno);
    if (fwrite(r, 1, IDX_REC, b->rec) != IDX_REC)
        return PM_ERR_IO;
    b->nentries++;
    return 0;
}

static int idx_build_line(void *vctx, const char *line, size_t len, uint64_t off, unsigned lineno)
{
    struct idx_build *b = vctx;
    struct puf_fields f;
    b->lines = lineno;
    idx_progress(b, off + len + 1);
    if (!line) {
        b->malformed++;
        return 0;
    }
    int rc = puf_split(line, len, &f, NULL, 0);
    if (rc == 1)
        return 0;
    if (rc < 0) {
        b->malformed++;
        return 0;
    }
    if (off > IDX_MAX_OFFSET || lineno == 0xFFFFFFFFu)
        return PM_ERR_LIMIT;
    for (int kind = PUF_K_SOURCE_DN; kind <= PUF_K_TARGET_SMTP; kind++) {
        struct puf_span k = puf_fields_key(&f, kind);
        if (k.len && (rc = idx_put_entry(b, &k, kind, off, len, lineno)) < 0)
            return rc;
    }
    return 0;
}

/* Reads the whole temporary entry file: counts the entries of each bucket in [b0, b1), or
 * (with 'cursor') copies them into the arena at their bucket's cursor. */
static int idx_gather(FILE *rec, uint32_t bits, uint32_t b0, uint32_t b1, uint32_t *counts,
                      uint32_t *cursor, unsigned char *arena, unsigned char *chunk)
{
    if (pm_os_fseek64(rec, 0) != 0)
        return PM_ERR_IO;
    size_t n;
    while ((n = fread(chunk, IDX_REC, IDX_CHUNK * 16, rec)) > 0) {
        for (size_t i = 0; i < n; i++) {
            const unsigned char *r = chunk + i * IDX_REC;
            uint32_t b = idx_bucket(get_u64(r), bits);
            if (b < b0 || b >= b1)
                continue;
            if (cursor)
                memcpy(arena + (size_t)cursor[b]++ * IDX_REC, r, IDX_REC);
            else
                counts[b]++;
        }
    }
    return ferror(rec) ? PM_ERR_IO : 0;
}

/* The index file's three names: the index itself (the PUF's name plus ".idx" unless given), and
 * the temporary index and entry files, which carry the process id so two builds of the same index
 * never write into each other's files. Nonzero when out of memory. */
static int idx_names(const char *puf_path, const char *idx_path, struct pm_buf *idxname,
                     struct pm_buf *tmpname, struct pm_buf *recname)
{
    return (idx_path ? pm_buf_puts(idxname, idx_path) : pm_puf_index_path(puf_path, idxname)) ||
           pm_buf_printf(tmpname, "%s.tmp%ld", idxname->data, pm_os_pid()) ||
           pm_buf_printf(recname, "%s.entries%ld", idxname->data, pm_os_pid());
}

/* The PUF, its size and time before the read (checked again at the end), and the temporary
 * entry file. Whatever was opened is the caller's to close, also on error. */
static int idx_open(const char *puf_path, const char *recname, FILE **fp,
                    struct puf_fingerprint *before, FILE **rec, struct pm_error *err)
{
    if (!(*fp = puf_open(puf_path, err)))
        return PM_ERR_IO;
    if (puf_stat(puf_path, before) != 0)
        return pm_error_set(err, PM_ERR_IO, puf_path, 0, "puf file is unreadable");
    if (!(*rec = pm_os_fopen_write(recname, "w+b")))
        return pm_error_set(err, PM_ERR_IO, recname, 0, "cannot create a temporary file: %s",
                            strerror(errno));
    return 0;
}

/* Pass 1: every well-formed line's two keys, in file order, into the temporary entry file, so
 * memory stays bounded whatever the size of the PUF. */
static int idx_collect(FILE *fp, struct idx_build *b, const char *puf_path, struct pm_error *err)
{
    uint64_t bytes = 0;
    int rc = puf_stream(fp, idx_build_line, b, &bytes);
    if (rc == 0 && fflush(b->rec) != 0)
        rc = PM_ERR_IO;
    if (rc < 0)
        rc = rc == PM_ERR_LIMIT ? pm_error_set(err, rc, puf_path, (unsigned)b->lines,
                                               "puf file is too large to index")
             : rc == PM_ERR_NOMEM
                 ? pm_error_set(err, rc, puf_path, 0, "out of memory")
                 : pm_error_set(err, PM_ERR_IO, puf_path, 0, "read or temporary write failed");
    return rc;
}

/* The file's shape from the entry count: about 8 entries a bucket up to 2^IDX_DIR_BITS buckets
 * (a directory a run reads with the header), then larger buckets up to IDX_BUCKET_BIG entries
 * (each still one read), then more buckets; the bucket directory (one slot more than buckets,
 * for the end sentinel) after the header, the entries after it. */
static void idx_layout(struct idx_header *h, const struct idx_build *b, unsigned bits)
{
    h->bits = IDX_MIN_BITS;
    while (h->bits < IDX_DIR_BITS && ((uint64_t)1 << h->bits) * 8 < b->nentries)
        h->bits++;
    while (h->bits < IDX_MAX_BITS && ((uint64_t)1 << h->bits) * IDX_BUCKET_BIG < b->nentries)
        h->bits++;
    if (bits)
        h->bits = bits;
    uint32_t nb = (uint32_t)1 << h->bits;
    h->nentries = b->nentries;
    h->lines = b->lines;
    h->malformed = b->malformed;
    h->dir_offset = IDX_HEADER;
    h->entries_offset = IDX_HEADER + ((uint64_t)nb + 1) * IDX_SLOT;
}

/* The work buffers: the bucket counts, the arena a group of buckets is sorted in (no larger than
 * the entries need: a small PUF does not pay for a 2 MiB arena) and the read chunk. Nonzero when
 * out of memory; whatever was allocated is the caller's to free. */
static int idx_alloc(uint64_t nentries, uint32_t nb, size_t *cap, uint32_t **counts,
                     unsigned char **arena, unsigned char **chunk)
{
    *cap = IDX_ARENA / IDX_REC;
    if (nentries < *cap)
        *cap = nentries ? (size_t)nentries : 1;
    *counts = calloc(nb, sizeof(**counts));
    *arena = malloc(*cap * IDX_REC);
    *chunk = malloc(IDX_CHUNK * 16 * IDX_REC);
    return !*counts || !*arena || !*chunk;
}

/* Passes 3..: the buckets that fit in the arena, gathered, summed and written in order, then the
 * sentinel slot. counts holds each bucket's size on entry and is used as the fill cursor. Write
 * failures only set *werr: the caller reports them once, after the last write. */
static int idx_write_buckets(FILE *out, FILE *rec, const struct idx_header *h, uint32_t *counts,
                             size_t cap, unsigned char *arena, unsigned char *chunk,
                             const char *puf_path, const char *recname, struct pm_error *err,
                             int *werr)
{
    uint32_t nb = (uint32_t)1 << h->bits;
    uint64_t gstart = 0;
    for (uint32_t b0 = 0; !*werr && b0 < nb;) {
        uint32_t b1 = b0;
        size_t fill = 0;
        while (b1 < nb && fill + counts[b1] <= cap)
            fill += counts[b1++];
        if (b1 == b0)
            return pm_error_set(err, PM_ERR_LIMIT, puf_path, 0,
                                "too many lines share one key to index");
        size_t local = 0;
        for (uint32_t x = b0; x < b1; x++) {
            size_t c = counts[x];
            counts[x] = (uint32_t)local; /* becomes the fill cursor, then the bucket's end */
            local += c;
        }
        int rc = idx_gather(rec, h->bits, b0, b1, NULL, counts, arena, chunk);
        if (rc < 0)
            return pm_error_set(err, rc, recname, 0, "temporary file read failed");
        *werr |= pm_os_fseek64(out, h->dir_offset + (uint64_t)b0 * IDX_SLOT) != 0;
        uint32_t lstart = 0;
        for (uint32_t x = b0; !*werr && x < b1; x++) {
            uint64_t s = gstart + lstart, e = gstart + counts[x];
            unsigned char slot[IDX_SLOT];
            uint64_t sum = idx_bucket_sum(x, s, arena + (size_t)lstart * IDX_REC, (size_t)(e - s));
            put_u64(slot, s);
            put_u64(slot + 8, sum);
            *werr |= fwrite(slot, 1, IDX_SLOT, out) != IDX_SLOT;
            lstart = counts[x];
        }
        *werr |= pm_os_fseek64(out, h->entries_offset + gstart * IDX_REC) != 0;
        *werr |= fwrite(arena, IDX_REC, fill, out) != fill;
        gstart += fill;
        b0 = b1;
    }
    unsigned char sentinel[IDX_SLOT] = {0};
    put_u64(sentinel, h->nentries);
    *werr |= pm_os_fseek64(out, h->dir_offset + (uint64_t)nb * IDX_SLOT) != 0;
    *werr |= fwrite(sentinel, 1, IDX_SLOT, out) != IDX_SLOT;
    return 0;
}

/* The fingerprint last, and only if the PUF did not change while we read it: an index of a PUF
 * that was being rewritten would point into the wrong lines. Write failures only set *werr. */
static int idx_seal(FILE *fp, FILE *out, struct idx_header *h, const struct puf_fingerprint *before,
                    const char *puf_path, struct pm_error *err, int *werr)
{
    h->fp = *before;
    uint64_t hbytes = 0;
    struct puf_fingerprint after;
    if (puf_fingerprint_hashes(fp, &h->fp, &hbytes) != 0 || puf_stat(puf_path, &after) != 0 ||
        after.size != before->size || after.mtime != before->mtime)
        return pm_error_set(err, PM_ERR_IO, puf_path, 0,
                            "puf file changed while it was being indexed; run again");
    unsigned char hb[IDX_HEADER];
    idx_header_encode(h, hb);
    *werr |= pm_os_fseek64(out, 0) != 0;
    *werr |= fwrite(hb, 1, IDX_HEADER, out) != IDX_HEADER;
    return 0;
}

static int idx_build(const char *puf_path, const char *idx_path,
                     const struct pm_progress *progress, unsigned bits, struct pm_error *err);

int pm_puf_index_build(const char *puf_path, const char *idx_path, struct pm_error *err)
{
    return idx_build(puf_path, idx_path, NULL, 0, err);
}

int pm_puf_index_build_progress(const char *puf_path, const char *idx_path,
                                const struct pm_progress *progress, struct pm_error *err)
{
    return idx_build(puf_path, idx_path, progress, 0, err);
}

int puf_index_build_bits(const char *puf_path, const char *idx_path, unsigned bits,
                         struct pm_error *err)
{
    return idx_build(puf_path, idx_path, NULL, bits, err);
}

/* The build; 'bits' (0: the layout's own choice) as puf_index_build_bits. */
static int idx_build(const char *puf_path, const char *idx_path,
                     const struct pm_progress *progress, unsigned bits, struct pm_error *err)
{
    struct pm_buf idxname = PM_BUF_INIT, tmpname = PM_BUF_INIT, recname = PM_BUF_INIT;
    struct idx_build b = {0};
    struct idx_header h;
    struct puf_fingerprint before;
    FILE *fp = NULL, *out = NULL;
    uint32_t *counts = NULL;
    unsigned char *arena = NULL, *chunk = NULL;
    int rc = 0;
    memset(&h, 0, sizeof(h));

    if (!puf_path)
        return pm_error_set(err, PM_ERR_INVALID, NULL, 0, "no puf file given");
    if (idx_names(puf_path, idx_path, &idxname, &tmpname, &recname)) {
        rc = pm_error_set(err, PM_ERR_NOMEM, puf_path, 0, "out of memory");
        goto out;
    }
    if ((rc = idx_open(puf_path, recname.data, &fp, &before, &b.rec, err)) < 0)
        goto out;
    b.progress = progress;
    b.size = before.size;
    if (before.size) /* an empty PUF: its one update is 100%, at the end */
        pm_progress_update(progress, 0, before.size);
    if ((rc = idx_collect(fp, &b, puf_path, err)) < 0)
        goto out;
    idx_layout(&h, &b, bits);
    uint32_t nb = (uint32_t)1 << h.bits;

    size_t cap;
    if (idx_alloc(b.nentries, nb, &cap, &counts, &arena, &chunk)) {
        rc = pm_error_set(err, PM_ERR_NOMEM, puf_path, 0, "out of memory");
        goto out;
    }
    /* Pass 2: bucket sizes. */
    if ((rc = idx_gather(b.rec, h.bits, 0, nb, counts, NULL, NULL, chunk)) < 0) {
        rc = pm_error_set(err, rc, recname.data, 0, "temporary file read failed");
        goto out;
    }
    if (!(out = pm_os_fopen_write(tmpname.data, "wb"))) {
        rc = pm_error_set(err, PM_ERR_IO, tmpname.data, 0, "cannot write the index: %s",
                          strerror(errno));
        goto out;
    }
    unsigned char hb[IDX_HEADER] = {0};
    int werr = fwrite(hb, 1, IDX_HEADER, out) != IDX_HEADER;
    if ((rc = idx_write_buckets(out, b.rec, &h, counts, cap, arena, chunk, puf_path, recname.data,
                                err, &werr)) < 0)
        goto out;

    if ((rc = idx_seal(fp, out, &h, &before, puf_path, err, &werr)) < 0)
        goto out;
    werr |= fclose(out) != 0;
    out = NULL;
    if (werr) {
        rc = pm_error_set(err, PM_ERR_IO, tmpname.data, 0, "cannot write the index");
        goto out;
    }
    if (pm_os_replace_file(tmpname.data, idxname.data) != 0) {
        rc = pm_error_set(err, PM_ERR_IO, idxname.data, 0, "cannot replace the index");
        goto out;
    }
    pm_progress_update(progress, before.size, before.size);
out:
    if (out)
        fclose(out);
    if (rc < 0 && tmpname.data)
        remove(tmpname.data);
    if (b.rec) {
        fclose(b.rec);
        remove(recname.data);
    }
    if (fp)
        fclose(fp);
    free(counts);
    free(arena);
    free(chunk);
    pm_buf_release(&idxname);
    pm_buf_release(&tmpname);
    pm_buf_release(&recname);
    return rc < 0 ? rc : 0;
}

int puf_index_refresh_header(const char *puf_path, const char *idx_path)
{
    struct puf_fingerprint fp;
    unsigned char hb[IDX_HEADER];
    struct idx_header h;
    uint64_t bytes = 0;
    if (puf_stat(puf_path, &fp) != 0)
        return PM_ERR_IO;
    FILE *p = fopen(puf_path, "rb");
    if (!p)
        return PM_ERR_IO;
    int rc = puf_fingerprint_hashes(p, &fp, &bytes);
    fclose(p);
    FILE *f = fopen(idx_path, "r+b");
    if (rc != 0 || !f) {
        if (f)
            fclose(f);
        return PM_ERR_IO;
    }
    size_t n = fread(hb, 1, sizeof(hb), f);
    if (n != sizeof(hb) || memcmp(hb, IDX_MAGIC, 8) != 0) {
        fclose(f);
        return PM_ERR_PARSE;
    }
    /* Keep whatever the other fields say (they may be hostile); only re-seal. */
    memset(&h, 0, sizeof(h));
    h.fp = fp;
    h.bits = get_u32(hb + 48);
    h.nentries = get_u64(hb + 56);
    h.dir_offset = get_u64(hb + 64);
    h.entries_offset = get_u64(hb + 72);
    h.lines = get_u64(hb + 80);
    h.malformed = get_u64(hb + 88);
    idx_header_encode(&h, hb);
    rc = (pm_os_fseek64(f, 0) == 0 && fwrite(hb, 1, sizeof(hb), f) == sizeof(hb)) ? 0 : PM_ERR_IO;
    return (fclose(f) == 0 && rc == 0) ? 0 : PM_ERR_IO;
}
