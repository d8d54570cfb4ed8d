/* Fuzz target for the local answer cache (pm/pufcache.h), a file read back at every logon: any
 * bytes are parsed as they are and, since a changed byte only meets the checksum otherwise, once
 * more with the checksum of the last 'end' record set right. Whatever parses must answer the
 * questions it holds as it recorded them (in any case and with prefixes), answer fewer of them only
 * when no warning it holds is about a question, answer nothing when one question is missing, and
 * be written again by encode into a text that parses, answers the same,
 * gives the same warnings, and is written again byte for byte. */
#include "compat.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "pm/pufcache.h"
#include "puf-internal.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

/* The checksum seed of the 'end' record (puf-cache.c); tests/unit/test-pufcache.c checks it. */
#define CACHE_SEED 0xcac4eu
#define NQ 12

static int same_opt(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

static int same_entry(const struct pm_puf_entry *a, const struct pm_puf_entry *b)
{
    return a->line == b->line && same_opt(a->source_dn, b->source_dn) &&
           same_opt(a->target_dn, b->target_dn) && same_opt(a->target_smtp, b->target_smtp) &&
           same_opt(a->target_display, b->target_display) &&
           same_opt(a->target_server, b->target_server) &&
           same_opt(a->target_server_dn, b->target_server_dn) &&
           same_opt(a->source_smtp, b->source_smtp) && same_opt(a->target_upn, b->target_upn) &&
           same_opt(a->target_archive_guid, b->target_archive_guid);
}

static int holds_nothing(const struct pm_puf_query *q, size_t n)
{
    static const struct pm_puf_entry none;
    for (size_t i = 0; i < n; i++)
        if (q[i].match != PM_PUF_NONE || q[i].conflict_line || !same_entry(&q[i].entry, &none))
            return 0;
    return 1;
}

/* Questions for the first records: the key as recorded, and every other one respelled (other
 * case, a prefix and blanks), as a profile may hold it. */
static size_t ask(const struct pm_puf_cache *c, struct pm_puf_query *q, char (*spelled)[512])
{
    size_t n = 0;
    for (size_t i = 0; i < c->nrecs && n < NQ - 1; i++, n++) {
        const struct pm_puf_cache_rec *r = &c->recs[i];
        const char *key = r->key;
        if (i % 2 && strlen(r->key) < 480) {
            int k = snprintf(spelled[n], 512, " %s", r->by == PM_PUF_BY_SMTP ? "sMtP:" : "X500: ");
            for (const char *s = r->key; *s; s++)
                spelled[n][k++] = (*s >= 'a' && *s <= 'z') ? (char)(*s - 32) : *s;
            spelled[n][k++] = '\t';
            spelled[n][k] = 0;
            key = spelled[n];
        }
        memset(&q[n], 0, sizeof(q[n]));
        q[n].by = r->by;
        if (r->by == PM_PUF_BY_SMTP)
            q[n].smtp = key;
        else
            q[n].dn = key;
    }
    return n;
}

static int same_warnings(const struct pm_diag_list *a, const struct pm_diag_list *b)
{
    if (a->n != b->n)
        return 0;
    for (size_t i = 0; i < a->n; i++)
        if (a->items[i].line != b->items[i].line || strcmp(a->items[i].msg, b->items[i].msg))
            return 0;
    return 1;
}

static void one(const char *text, size_t size)
{
    struct pm_puf_cache c;
    struct pm_error err;
    pm_error_clear(&err);
    int rc = pm_puf_cache_parse(&c, text, size, "fuzz", &err);
    if (rc != 0) {
        if (rc != PM_ERR_PARSE && rc != PM_ERR_NOMEM && rc != PM_ERR_UNSUPPORTED)
            abort();
        if (c.puf_path || c.recs || c.nrecs || c.warnings.n)
            abort();
        return;
    }
    const struct pm_file_id *idx = c.idx_found ? &c.idx_id : NULL;
    if (!c.puf_path || !c.note || !pm_puf_cache_matches(&c, c.puf_path, &c.id, idx))
        abort();
    /* What the lookup said, as encode takes it. */
    struct pm_puf_stats st;
    memset(&st, 0, sizeof(st));
    st.used_index = c.used_index;
    st.index_state = c.index_state;
    st.malformed = c.malformed;
    snprintf(st.index_note, sizeof(st.index_note), "%s", c.note);
    /* A fingerprint exactly when an index answered. */
    if (c.have_fp != c.used_index)
        abort();
    memcpy(st.index_fp, c.fp, sizeof(st.index_fp));

    static char spelled[NQ][512];
    struct pm_puf_query q[NQ];
    size_t nq = ask(&c, q, spelled);
    struct pm_diag_list warned = PM_DIAG_LIST_INIT;
    rc = pm_puf_cache_answer(&c, q, nq, c.puf_path, pm_diag_collect, &warned);
    if (rc == PM_ERR_NOMEM)
        goto out;
    /* Fewer questions than the cache holds: answered only by a cache that may answer any of its
     * questions (made through the index, no warning about a question), its warnings given again;
     * else not at all (its warnings are those of all its questions). */
    if (nq < c.nrecs && !pm_puf_cache_any_questions(&c)) {
        if (rc != 0 || warned.n || !holds_nothing(q, nq))
            abort();
        goto out;
    }
    if (rc != 1 || !same_warnings(&warned, &c.warnings))
        abort();
    for (size_t i = 0; i < nq; i++) {
        const struct pm_puf_cache_rec *r = &c.recs[i];
        if (q[i].match != r->match || q[i].conflict_line != r->conflict_line ||
            (r->match != PM_PUF_NONE && !same_entry(&q[i].entry, &r->entry)))
            abort();
    }

    /* Written again: readable, the same answers and warnings, and a fixed point. */
    struct pm_buf out = PM_BUF_INIT, out2 = PM_BUF_INIT;
    rc = pm_puf_cache_encode(&out, c.puf_path, &c.id, idx, &st, q, nq, &c.warnings);
    if (rc == PM_ERR_NOMEM)
        goto out_buf;
    if (rc != 0)
        abort();
    struct pm_puf_cache again;
    if (pm_puf_cache_parse(&again, out.data, out.len, "again", &err) != 0)
        abort();
    if (strcmp(again.puf_path, c.puf_path) ||
        !pm_puf_cache_matches(&again, c.puf_path, &c.id, idx) || again.nrecs != nq ||
        !same_warnings(&again.warnings, &c.warnings) || again.index_state != c.index_state ||
        again.malformed != c.malformed || again.used_index != c.used_index ||
        again.have_fp != c.have_fp || memcmp(again.fp, c.fp, sizeof(c.fp)))
        abort();
    /* Asked the same questions in part: every one held is answered as in full. */
    {
        struct pm_puf_query q3[NQ];
        static char spelled3[NQ][512];
        unsigned char known[NQ];
        size_t nq3 = ask(&c, q3, spelled3);
        int got = pm_puf_cache_answer_known(&again, q3, nq3, known);
        if (got >= 0) {
            if ((size_t)got != nq3)
                abort();
            for (size_t i = 0; i < nq3; i++)
                if (!known[i] || q3[i].match != q[i].match ||
                    q3[i].conflict_line != q[i].conflict_line ||
                    (q[i].match != PM_PUF_NONE && !same_entry(&q3[i].entry, &q[i].entry)))
                    abort();
            pm_puf_queries_release(q3, nq3);
        }
    }
    struct pm_puf_query q2[NQ];
    static char spelled2[NQ][512];
    size_t nq2 = ask(&c, q2, spelled2);
    rc = pm_puf_cache_answer(&again, q2, nq2, c.puf_path, NULL, NULL);
    if (rc == 1) {
        for (size_t i = 0; i < nq; i++)
            if (q2[i].match != q[i].match || q2[i].conflict_line != q[i].conflict_line ||
                !same_entry(&q2[i].entry, &q[i].entry))
                abort();
        if (pm_puf_cache_encode(&out2, c.puf_path, &c.id, idx, &st, q2, nq2, &again.warnings) ==
                0 &&
            (out2.len != out.len || memcmp(out2.data, out.data, out.len)))
            abort();
        pm_puf_queries_release(q2, nq2);
    } else if (rc != PM_ERR_NOMEM) {
        abort();
    }

    /* One question more that the cache lacks: no answers at all. */
    if (nq < NQ) {
        pm_puf_queries_release(q, nq);
        memset(&q[nq], 0, sizeof(q[nq]));
        q[nq].by = PM_PUF_BY_DN;
        q[nq].dn = "/o=Fuzz/ou=Not In The Cache/cn=Recipients/cn=missing-question";
        size_t i;
        for (i = 0; i < c.nrecs; i++)
            if (c.recs[i].by == PM_PUF_BY_DN &&
                puf_key_equal(c.recs[i].key, strlen(c.recs[i].key), q[nq].dn, strlen(q[nq].dn)))
                break;
        if (i == c.nrecs) {
            rc = pm_puf_cache_answer(&c, q, nq + 1, c.puf_path, NULL, NULL);
            if ((rc != 0 && rc != PM_ERR_NOMEM) || !holds_nothing(q, nq + 1))
                abort();
        }
    }
    pm_puf_cache_release(&again);
out_buf:
    pm_buf_release(&out);
    pm_buf_release(&out2);
out:
    pm_puf_queries_release(q, nq);
    pm_diag_list_release(&warned);
    pm_puf_cache_release(&c);
}

/* The input with its last 'end' record's checksum set right; 0 when it has none. */
static int resealed(char *text, size_t size)
{
    size_t at = size;
    for (size_t i = size; i-- > 0;)
        if ((i == 0 || text[i - 1] == '\n') && size - i >= 4 + 16 && !memcmp(text + i, "end ", 4)) {
            at = i;
            break;
        }
    if (at == size)
        return 0;
    char hex[17];
    snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)puf_bytes_hash(CACHE_SEED, text, at));
    memcpy(text + at + 4, hex, 16);
    return 1;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    /* An exact copy: a read past the end is caught (zeroed: the empty input's byte is defined). */
    char *copy = calloc(size ? size : 1, 1);
    if (!copy)
        return 0;
    if (size)
        memcpy(copy, data, size);
    one(copy, size);
    if (resealed(copy, size))
        one(copy, size);
    free(copy);
    return 0;
}
