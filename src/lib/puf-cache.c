/* The local answer cache's file (pm/pufcache.h): reading it back strictly, answering from it,
 * and writing it. No I/O here; update.c decides when it is used and where it lives. The file is
 * the user's own, but it is read like any input: every line is checked and anything unexpected
 * is a parse error naming the line, after which the run asks the PUF and writes the file anew. */
#include "compat.h"

#include "pm/pufcache.h"
#include "puf-internal.h"

#include <stdlib.h>
#include <string.h>

#define CACHE_MAGIC "profilemanager-puf-cache 2"
#define CACHE_MAGIC_ANY "profilemanager-puf-cache "
#define CACHE_SEED 0xcac4eu

static const char *const match_names[] = {"none", "source", "target", "conflict"};

static int cache_err(struct pm_error *err, const char *name, unsigned line, const char *why)
{
    return pm_error_set(err, PM_ERR_PARSE, name, line, "%s", why);
}

void pm_puf_cache_release(struct pm_puf_cache *c)
{
    if (!c)
        return;
    free(c->puf_path);
    free(c->note);
    for (size_t i = 0; i < c->nrecs; i++) {
        free(c->recs[i].key);
        pm_puf_entry_release(&c->recs[i].entry);
    }
    free(c->recs);
    pm_diag_list_release(&c->warnings);
    memset(c, 0, sizeof(*c));
}

/* The decimal digits [p, end), the whole token, without a leading zero, at most 'max': 0 or -1. */
static int cache_digits(const char *p, const char *end, uint64_t max, uint64_t *out)
{
    if (p == end || end - p > 20 || (*p == '0' && end - p > 1))
        return -1;
    uint64_t v = 0;
    for (; p < end; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        unsigned d = (unsigned)(*p - '0');
        if (d > max || v > (max - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

/* A decimal number taking the whole token [p, end): 0 or -1. 'neg' allows a leading '-'. */
static int cache_number(const char *p, const char *end, int neg, uint64_t max, int64_t *out)
{
    int minus = 0;
    uint64_t v;
    if (neg && p < end && *p == '-') {
        minus = 1;
        p++;
    }
    if (cache_digits(p, end, max, &v) < 0)
        return -1;
    *out = minus ? -(int64_t)v : (int64_t)v;
    return 0;
}

/* Splits the next space-separated token off [*p, end); 0 or -1 when there is none. */
static int cache_token(const char **p, const char *end, const char **tok, const char **tokend)
{
    const char *s = *p;
    if (s >= end || *s == ' ')
        return -1;
    const char *e = memchr(s, ' ', (size_t)(end - s));
    if (!e)
        e = end;
    *tok = s;
    *tokend = e;
    *p = e < end ? e + 1 : end;
    return 0;
}

static int cache_unsigned(const char **p, const char *end, uint64_t max, uint64_t *out)
{
    const char *t, *te;
    return cache_token(p, end, &t, &te) < 0 ? -1 : cache_digits(t, te, max, out);
}

static int cache_word(const char **p, const char *end, const char *const *names, size_t n)
{
    const char *t, *te;
    if (cache_token(p, end, &t, &te) < 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if ((size_t)(te - t) == strlen(names[i]) && !memcmp(t, names[i], (size_t)(te - t)))
            return (int)i;
    return -1;
}

static int cache_id(const char *p, const char *end, struct pm_file_id *id)
{
    const char *t, *te;
    int64_t m, c;
    uint64_t size, ino, dev;
    /* Size, inode and device take every value a file system may give (an inode may have its top
     * bit set); the times every value encode writes but INT64_MIN, which no file has. */
    if (cache_unsigned(&p, end, UINT64_MAX, &size) < 0 || cache_token(&p, end, &t, &te) < 0 ||
        cache_number(t, te, 1, INT64_MAX, &m) < 0 || cache_token(&p, end, &t, &te) < 0 ||
        cache_number(t, te, 1, INT64_MAX, &c) < 0 ||
        cache_unsigned(&p, end, UINT64_MAX, &ino) < 0 ||
        cache_unsigned(&p, end, UINT64_MAX, &dev) < 0 || p != end)
        return -1;
    id->size = size;
    id->mtime_ns = m;
    id->ctime_ns = c;
    id->ino = ino;
    id->dev = dev;
    return 0;
}

/* A "q" record: "<by> <match> <line> <conflict line> <key>". NULL, or why not. */
static const char *cache_query(struct pm_puf_cache *c, const char *p, const char *end)
{
    static const char *const by_names[] = {"dn", "smtp"};
    int by = cache_word(&p, end, by_names, 2);
    int match = cache_word(&p, end, match_names, 4);
    uint64_t line, conflict;
    if (by < 0 || match < 0 || cache_unsigned(&p, end, UINT32_MAX, &line) < 0 ||
        cache_unsigned(&p, end, UINT32_MAX, &conflict) < 0 || p >= end)
        return "a question record must be 'q <dn|smtp> <none|source|target|conflict> <line> "
               "<conflict line> <key>'";
    if ((match == PM_PUF_NONE) != (line == 0) || (match == PM_PUF_CONFLICT) != (conflict != 0))
        return "the line numbers do not fit the answer";
    size_t klen;
    const char *key = by ? pm_puf_smtp_key(p, (size_t)(end - p), &klen)
                         : pm_puf_dn_key(p, (size_t)(end - p), &klen);
    if (key != p || klen != (size_t)(end - p))
        return "the key is not in its normalized form";
    for (size_t i = 0; i < c->nrecs; i++)
        if (c->recs[i].by == (enum pm_puf_by)by &&
            puf_key_equal(c->recs[i].key, strlen(c->recs[i].key), key, klen))
            return "the same question twice";
    if (c->nrecs == PM_PUF_CACHE_MAX_RECORDS)
        return "too many questions";
    struct pm_puf_cache_rec *r = realloc(c->recs, (c->nrecs + 1) * sizeof(*r));
    if (!r)
        return "out of memory";
    c->recs = r;
    r = &c->recs[c->nrecs];
    memset(r, 0, sizeof(*r));
    if (!(r->key = pm_strndup(key, klen)))
        return "out of memory";
    r->by = (enum pm_puf_by)by;
    r->match = (enum pm_puf_match)match;
    r->entry.line = (unsigned)line;
    r->conflict_line = (unsigned)conflict;
    c->nrecs++;
    return NULL;
}

int pm_puf_cache_parse(struct pm_puf_cache *c, const char *data, size_t len, const char *name,
                       struct pm_error *err)
{
    memset(c, 0, sizeof(*c));
    if (len > PM_PUF_CACHE_MAX)
        return cache_err(err, name, 0, "the cache file is too big to be one");
    const char *p = data, *stop = data + len;
    unsigned lineno = 0;
    int need_entry = 0, ended = 0, have_header = 0;
    const char *why = NULL;
    while (!why && p < stop) {
        const char *nl = memchr(p, '\n', (size_t)(stop - p));
        if (!nl) {
            why = "the last line has no line break: the file is cut";
            lineno++;
            break;
        }
        const char *s = p, *e = nl;
        size_t before = (size_t)(s - data);
        p = nl + 1;
        lineno++;
        if (ended) {
            why = "text after the end record";
            break;
        }
        if (memchr(s, '\r', (size_t)(e - s)) || memchr(s, '\0', (size_t)(e - s))) {
            why = "a carriage return or a NUL byte in a line";
            break;
        }
        if (lineno == 1) {
            if ((size_t)(e - s) == strlen(CACHE_MAGIC) && !memcmp(s, CACHE_MAGIC, (size_t)(e - s)))
                continue;
            if ((size_t)(e - s) > strlen(CACHE_MAGIC_ANY) &&
                !memcmp(s, CACHE_MAGIC_ANY, strlen(CACHE_MAGIC_ANY)))
                return pm_error_set(err, PM_ERR_UNSUPPORTED, name, 1,
                                    "a cache file of another version");
            why = "not a cache file";
            continue;
        }
        if (lineno == 2) {
            if (e - s < 5 || memcmp(s, "puf ", 4))
                why = "line 2 must name the PUF ('puf <path>')";
            else if (!(c->puf_path = pm_strndup(s + 4, (size_t)(e - s - 4))))
                why = "out of memory";
            continue;
        }
        if (lineno == 3) {
            if (e - s < 3 || memcmp(s, "id ", 3) || cache_id(s + 3, e, &c->id) < 0)
                why = "line 3 must be 'id <size> <write time> <change time> <inode> <device>'";
            continue;
        }
        if (lineno == 4) {
            if ((size_t)(e - s) == 8 && !memcmp(s, "idx none", 8))
                c->idx_found = 0;
            else if (e - s >= 4 && !memcmp(s, "idx ", 4) && cache_id(s + 4, e, &c->idx_id) == 0)
                c->idx_found = 1;
            else
                why = "line 4 must be 'idx none' or 'idx <size> <write time> <change time> "
                      "<inode> <device>'";
            continue;
        }
        if (lineno == 5) {
            const char *q = s + 7;
            uint64_t used, state, mal;
            if (e - s < 7 || memcmp(s, "lookup ", 7) || cache_unsigned(&q, e, 1, &used) < 0 ||
                cache_unsigned(&q, e, PM_PUF_INDEX_NOT_USED, &state) < 0 ||
                cache_unsigned(&q, e, UINT64_MAX >> 1, &mal) < 0 || q > e) {
                why = "line 5 must be 'lookup <used index> <index state> <malformed> <note>'";
                continue;
            }
            c->used_index = (int)used;
            c->index_state = (int)state;
            c->malformed = mal;
            if (!(c->note = pm_strndup(q, (size_t)(e - q))))
                why = "out of memory";
            continue;
        }
        if (lineno == 6) {
            /* A fingerprint exactly when an index answered: the one a partial answer trusts. */
            const char *q = s + 3;
            if ((size_t)(e - s) == 7 && !memcmp(s, "fp none", 7) && !c->used_index) {
                have_header = 1;
                continue;
            }
            int ok = e - s >= 3 && !memcmp(s, "fp ", 3) && c->used_index;
            for (int i = 0; ok && i < PM_PUF_FP_WORDS; i++)
                ok = cache_unsigned(&q, e, UINT64_MAX, &c->fp[i]) == 0;
            if (!ok || q != e)
                why = "line 6 must be 'fp <size> <4 block hashes>' when the index answered, "
                      "else 'fp none'";
            else
                have_header = c->have_fp = 1;
            continue;
        }
        if (e - s >= 4 && !memcmp(s, "end ", 4)) {
            char want[17];
            snprintf(want, sizeof(want), "%016llx",
                     (unsigned long long)puf_bytes_hash(CACHE_SEED, data, before));
            if (need_entry)
                why = "an answer's entry ('e') must follow its question";
            else if (e - s != 4 + 16 || memcmp(s + 4, want, 16) != 0)
                why = "the checksum does not match: the file was changed or cut";
            ended = 1;
            continue;
        }
        if (e - s < 2 || s[1] != ' ' || !strchr("qew", *s)) {
            why = "unknown record";
            break;
        }
        if (need_entry != (*s == 'e')) {
            why = need_entry ? "an answer's entry ('e') must follow its question"
                             : "an entry ('e') without a question that needs one";
            break;
        }
        if (*s == 'q') {
            why = cache_query(c, s + 2, e);
            need_entry = !why && c->recs[c->nrecs - 1].match != PM_PUF_NONE;
        } else if (*s == 'e') {
            struct pm_puf_cache_rec *r = &c->recs[c->nrecs - 1];
            char pwhy[256];
            int rc = pm_puf_parse_line(s + 2, (size_t)(e - s - 2), r->entry.line, &r->entry, pwhy,
                                       sizeof(pwhy));
            if (rc == PM_ERR_NOMEM)
                why = "out of memory";
            else if (rc != 0)
                why = "the entry is not a well-formed PUF line";
            need_entry = 0;
        } else {
            const char *q = s + 2;
            uint64_t wl;
            if (cache_unsigned(&q, e, UINT32_MAX, &wl) < 0 || q >= e) {
                why = "a warning record must be 'w <line> <message>'";
                break;
            }
            if (c->warnings.n == PM_PUF_CACHE_MAX_WARNINGS) {
                why = "too many warnings";
                break;
            }
            char *msg = pm_strndup(q, (size_t)(e - q));
            size_t had = c->warnings.n;
            if (msg)
                pm_diag_collect(&c->warnings, NULL, (unsigned)wl, msg);
            free(msg);
            if (c->warnings.n == had)
                why = "out of memory";
        }
    }
    if (!why && (!have_header || need_entry || !ended)) {
        why = "the file ends before its end record: it is cut";
        lineno++;
    }
    if (why) {
        int oom = !strcmp(why, "out of memory");
        pm_puf_cache_release(c);
        return oom ? pm_error_set(err, PM_ERR_NOMEM, name, lineno, "out of memory")
                   : cache_err(err, name, lineno, why);
    }
    return 0;
}

static int cache_same_id(const struct pm_file_id *a, const struct pm_file_id *b)
{
    return a->size == b->size && a->mtime_ns == b->mtime_ns && a->ctime_ns == b->ctime_ns &&
           a->ino == b->ino && a->dev == b->dev;
}

int pm_puf_cache_matches(const struct pm_puf_cache *c, const char *puf_path,
                         const struct pm_file_id *id, const struct pm_file_id *idx_id)
{
    return c->puf_path && puf_path && !strcmp(c->puf_path, puf_path) && cache_same_id(&c->id, id) &&
           c->idx_found == (idx_id != NULL) && (!idx_id || cache_same_id(&c->idx_id, idx_id));
}

static const struct pm_puf_cache_rec *cache_find(const struct pm_puf_cache *c,
                                                 const struct pm_puf_query *q)
{
    size_t klen;
    const char *key = puf_query_key(q, &klen);
    for (size_t i = 0; i < c->nrecs; i++)
        if (c->recs[i].by == q->by &&
            puf_key_equal(c->recs[i].key, strlen(c->recs[i].key), key, klen))
            return &c->recs[i];
    return NULL;
}

/* Answers each query the cache holds (with 'known', known[i] = 1; a query without a key is known
 * too: NONE, as the lookup answers it) and leaves the others unanswered; with 'asked', marks the
 * records that answered. The number answered, or PM_ERR_NOMEM (the answers then released). */
static int cache_fill(const struct pm_puf_cache *c, struct pm_puf_query *q, size_t nq,
                      unsigned char *known, unsigned char *asked)
{
    int answered = 0;
    for (size_t i = 0; i < nq; i++) {
        memset(&q[i].entry, 0, sizeof(q[i].entry));
        q[i].match = PM_PUF_NONE;
        q[i].conflict_line = 0;
        if (known)
            known[i] = 0;
    }
    for (size_t i = 0; i < nq; i++) {
        size_t klen;
        puf_query_key(&q[i], &klen);
        const struct pm_puf_cache_rec *r = klen ? cache_find(c, &q[i]) : NULL;
        if (klen && !r)
            continue;
        if (known)
            known[i] = 1;
        answered++;
        if (!r)
            continue;
        if (asked)
            asked[r - c->recs] = 1;
        q[i].match = r->match;
        q[i].conflict_line = r->conflict_line;
        if (r->match != PM_PUF_NONE && pm_puf_entry_copy(&q[i].entry, &r->entry) < 0) {
            pm_puf_queries_release(q, nq);
            return PM_ERR_NOMEM;
        }
    }
    return answered;
}

int pm_puf_cache_any_questions(const struct pm_puf_cache *c)
{
    if (!c->used_index)
        return 0;
    /* Through the index a warning at line 0 is its count of malformed lines, which every lookup
     * through it gives; any other names the line of a question's answer. */
    for (size_t i = 0; i < c->warnings.n; i++)
        if (c->warnings.items[i].line != 0)
            return 0;
    return 1;
}

int pm_puf_cache_answer(const struct pm_puf_cache *c, struct pm_puf_query *q, size_t nq,
                        const char *puf_path, pm_diag_fn warn, void *ctx)
{
    unsigned char *asked = calloc(c->nrecs ? c->nrecs : 1, 1);
    int rc = asked ? cache_fill(c, q, nq, NULL, asked) : PM_ERR_NOMEM;
    /* The very questions the cache was made for: its warnings are those of their lookup, which
     * a run asking fewer questions would not all have been given. Or any of them, when no
     * warning was about a question (pm_puf_cache_any_questions). */
    size_t distinct = 0;
    for (size_t i = 0; rc >= 0 && i < c->nrecs; i++)
        distinct += asked[i];
    free(asked);
    if (rc < 0)
        return rc;
    if ((size_t)rc != nq || (distinct != c->nrecs && !pm_puf_cache_any_questions(c))) {
        pm_puf_queries_release(q, nq);
        return 0;
    }
    for (size_t i = 0; warn && i < c->warnings.n; i++)
        warn(ctx, puf_path, c->warnings.items[i].line, c->warnings.items[i].msg);
    return 1;
}

int pm_puf_cache_answer_known(const struct pm_puf_cache *c, struct pm_puf_query *q, size_t nq,
                              unsigned char *known)
{
    return cache_fill(c, q, nq, known, NULL);
}

static int cache_one_line(const char *s)
{
    return s && !strpbrk(s, "\r\n");
}

/* The entry as the PUF line it came from, normalized: the nine fields, empty where absent. */
static int cache_put_entry(struct pm_buf *out, const struct pm_puf_entry *e)
{
    const char *f[9] = {e->source_dn,      e->target_dn,     e->target_smtp,
                        e->target_display, e->target_server, e->target_server_dn,
                        e->source_smtp,    e->target_upn,    e->target_archive_guid};
    int rc = pm_buf_puts(out, "e ");
    for (int i = 0; rc == 0 && i < 9; i++) {
        if (f[i] && (strchr(f[i], '|') || !cache_one_line(f[i])))
            return PM_ERR_INVALID;
        if (i)
            rc = pm_buf_putc(out, '|');
        /* Field 7 loses one "SMTP:" when read: an address that still starts with one (the PUF
         * said "SMTP:SMTP:...") is written with one more, so it reads back as it was. */
        if (rc == 0 && i == 6 && f[i] && !pm_ascii_ncasecmp(f[i], "smtp:", 5))
            rc = pm_buf_puts(out, "SMTP:");
        if (rc == 0 && f[i])
            rc = pm_buf_puts(out, f[i]);
    }
    return rc == 0 ? pm_buf_putc(out, '\n') : rc;
}

/* " <size> <write> <change> <inode> <device>" */
static int cache_put_id(struct pm_buf *out, const struct pm_file_id *id)
{
    return pm_buf_printf(out,
                         " %" PM_PRIu64 " %" PM_PRId64 " %" PM_PRId64 " %" PM_PRIu64 " %" PM_PRIu64,
                         PM_U64(id->size), PM_I64(id->mtime_ns), PM_I64(id->ctime_ns),
                         PM_U64(id->ino), PM_U64(id->dev));
}

int pm_puf_cache_encode(struct pm_buf *out, const char *puf_path, const struct pm_file_id *id,
                        const struct pm_file_id *idx_id, const struct pm_puf_stats *stats,
                        const struct pm_puf_query *q, size_t nq,
                        const struct pm_diag_list *warnings)
{
    pm_buf_reset(out);
    if (!cache_one_line(puf_path) || !*puf_path || !cache_one_line(stats->index_note) ||
        stats->index_state < 0 || stats->index_state > PM_PUF_INDEX_NOT_USED)
        return PM_ERR_INVALID;
    if (nq > PM_PUF_CACHE_MAX_RECORDS || (warnings && warnings->n > PM_PUF_CACHE_MAX_WARNINGS))
        return PM_ERR_LIMIT;
    int rc = pm_buf_printf(out, "%s\npuf %s\nid", CACHE_MAGIC, puf_path);
    if (rc == 0)
        rc = cache_put_id(out, id);
    if (rc == 0)
        rc = pm_buf_puts(out, idx_id ? "\nidx" : "\nidx none");
    if (rc == 0 && idx_id)
        rc = cache_put_id(out, idx_id);
    if (rc == 0)
        rc = pm_buf_printf(out, "\nlookup %d %d %" PM_PRIu64 " %s\nfp", stats->used_index ? 1 : 0,
                           stats->index_state, PM_U64(stats->malformed), stats->index_note);
    for (int i = 0; rc == 0 && stats->used_index && i < PM_PUF_FP_WORDS; i++)
        rc = pm_buf_printf(out, " %" PM_PRIu64, PM_U64(stats->index_fp[i]));
    if (rc == 0)
        rc = pm_buf_puts(out, stats->used_index ? "\n" : " none\n");
    for (size_t i = 0; rc == 0 && i < nq; i++) {
        size_t klen;
        const char *key = puf_query_key(&q[i], &klen);
        if (!klen)
            continue;
        if (memchr(key, '\n', klen) || memchr(key, '\r', klen) || memchr(key, '\0', klen))
            return PM_ERR_INVALID;
        /* A key that still starts with its prefix ("X500:X500:..." asked) is not in the form
         * the reader takes: such a run is not cached rather than cached unreadably. */
        size_t rlen;
        const char *again = q[i].by == PM_PUF_BY_SMTP ? pm_puf_smtp_key(key, klen, &rlen)
                                                      : pm_puf_dn_key(key, klen, &rlen);
        if (again != key || rlen != klen)
            return PM_ERR_INVALID;
        /* The same question twice (a DN asked by two profiles) is written once. */
        int seen = 0;
        for (size_t j = 0; j < i && !seen; j++) {
            size_t jlen;
            const char *jkey = puf_query_key(&q[j], &jlen);
            seen = q[j].by == q[i].by && jlen && puf_key_equal(jkey, jlen, key, klen);
        }
        if (seen)
            continue;
        unsigned m = (unsigned)q[i].match;
        if (m > PM_PUF_CONFLICT || (m != PM_PUF_NONE && !q[i].entry.line))
            return PM_ERR_INVALID;
        rc = pm_buf_printf(out, "q %s %s %u %u ", q[i].by == PM_PUF_BY_SMTP ? "smtp" : "dn",
                           match_names[m], m == PM_PUF_NONE ? 0u : q[i].entry.line,
                           m == PM_PUF_CONFLICT ? q[i].conflict_line : 0u);
        if (rc == 0)
            rc = pm_buf_append(out, key, klen);
        if (rc == 0)
            rc = pm_buf_putc(out, '\n');
        if (rc == 0 && m != PM_PUF_NONE)
            rc = cache_put_entry(out, &q[i].entry);
    }
    for (size_t i = 0; rc == 0 && warnings && i < warnings->n; i++) {
        const char *msg = warnings->items[i].msg;
        rc = pm_buf_printf(out, "w %u ", warnings->items[i].line);
        /* A warning is one log line already; a stray break is written as a space. */
        for (const char *m = *msg ? msg : "-"; rc == 0 && *m; m++)
            rc = pm_buf_putc(out, (*m == '\n' || *m == '\r') ? ' ' : *m);
        if (rc == 0)
            rc = pm_buf_putc(out, '\n');
    }
    if (rc == 0)
        rc = pm_buf_printf(out, "end %016llx\n",
                           (unsigned long long)puf_bytes_hash(CACHE_SEED, out->data, out->len));
    return rc < 0 ? rc : 0;
}
