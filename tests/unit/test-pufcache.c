/* Tests of the local answer cache's file (pm/pufcache.h): answers resolved from a real PUF, written
 * to the cache and read back, are the lookup's answers field for field, with its warnings given
 * again in order; so are an identity with extreme values and an address with a doubled "SMTP:",
 * and a question whose key would not read back is not written; keys match as the PUF matches
 * them (case, prefixes) but only for the same kind of question; a question the cache lacks
 * answers nothing; the PUF's path and every part of its identity decide whether the cache is for
 * it; encode refuses what cannot be written on one line and writes a repeated question once; and
 * the reader refuses, with the file name and the line, anything it did not write whole: other
 * versions, missing lines, bad numbers and records, keys not in their normalized form, a changed
 * byte, a cut file, text after the end, and a file past the size limit. */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka needs the four headers above first. */
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pm/puf.h"
#include "pm/pufcache.h"
#include "puf-internal.h"
#include "testutil.h"

/* The checksum seed of the 'end' record (puf-cache.c); test_seal checks it against encode. */
#define CACHE_SEED 0xcac4eu
#define NAME "puf-cache.txt"

/* A lookup that said nothing special: no index state, no note. */
static const struct pm_puf_stats no_stats;

/* ---- a small PUF and the questions a run asks it ---- */

static const char puf_text[] =
    "# fields: source|target|smtp|display|server|serverdn|sourcesmtp|upn|archive\n"
    /* 2: every field, with prefixes and a braced uppercase archive GUID */
    "X500:/o=Fabrikam/ou=First/cn=Recipients/cn=alice|/o=Contoso/ou=Exchange/cn=Recipients/"
    "cn=alice|alice@contoso.com|Alice Adams|0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0@contoso.com|"
    "/o=Contoso/ou=Exchange/cn=Configuration/cn=Servers|SMTP:alice@fabrikam.com|"
    "alice@contoso.com|{0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F1}\n"
    /* 3: three fields */
    "/o=Fabrikam/cn=Recipients/cn=bob|/o=Contoso/cn=Recipients/cn=bob|bob@contoso.com\n"
    /* 4: empty optional fields between filled ones */
    "/o=Fabrikam/cn=Recipients/cn=carol|/o=Contoso/cn=Recipients/cn=carol|carol@contoso.com|||||"
    "carol@contoso.com|\n"
    /* 5: malformed */
    "not a line\n"
    /* 6, 7: one source DN and one source address with two targets */
    "/o=Fabrikam/cn=Recipients/cn=dave|/o=Contoso/cn=Recipients/cn=dave1|dave1@contoso.com||||"
    " dave@fabrikam.com \n"
    "/o=Fabrikam/cn=Recipients/cn=dave|/o=Contoso/cn=Recipients/cn=dave2|dave2@contoso.com||||"
    "smtp:dave@fabrikam.com\n"
    /* 8: bob again, the same target */
    "/o=Fabrikam/cn=Recipients/cn=bob|/o=Contoso/cn=Recipients/cn=bob|bob@contoso.com\n"
    /* 9: an all-zero archive GUID (no archive) */
    "/o=Fabrikam/cn=Recipients/cn=erin|/o=Contoso/cn=Recipients/cn=erin|erin@contoso.com|Erin|||"
    "erin@fabrikam.com||00000000-0000-0000-0000-000000000000\n"
    /* 10: malformed */
    "/o=Fabrikam/cn=Recipients/cn=frank|not a dn|frank@contoso.com\n";

#define NQ 14
static const struct {
    enum pm_puf_by by;
    const char *key;
    enum pm_puf_match want;
    unsigned line, conflict;
} asked[NQ] = {
    {PM_PUF_BY_DN, "X500:/O=FABRIKAM/ou=First/cn=Recipients/cn=ALICE", PM_PUF_SOURCE, 2, 0},
    {PM_PUF_BY_DN, "/o=Contoso/cn=Recipients/cn=bob", PM_PUF_TARGET, 3, 0},
    {PM_PUF_BY_DN, "/o=Fabrikam/cn=Recipients/cn=bob", PM_PUF_SOURCE, 3, 0},
    {PM_PUF_BY_DN, "/o=Fabrikam/cn=Recipients/cn=carol", PM_PUF_SOURCE, 4, 0},
    {PM_PUF_BY_DN, "/o=Fabrikam/cn=Recipients/cn=dave", PM_PUF_CONFLICT, 6, 7},
    {PM_PUF_BY_DN, "/o=Fabrikam/cn=Recipients/cn=nobody", PM_PUF_NONE, 0, 0},
    {PM_PUF_BY_DN, "/o=Fabrikam/cn=Recipients/cn=erin", PM_PUF_SOURCE, 9, 0},
    {PM_PUF_BY_DN, "", PM_PUF_NONE, 0, 0},
    {PM_PUF_BY_SMTP, "SMTP:Alice@Fabrikam.com", PM_PUF_SOURCE, 2, 0},
    {PM_PUF_BY_SMTP, "carol@contoso.com", PM_PUF_TARGET, 4, 0},
    {PM_PUF_BY_SMTP, "dave@fabrikam.com", PM_PUF_CONFLICT, 6, 7},
    {PM_PUF_BY_SMTP, "nobody@fabrikam.com", PM_PUF_NONE, 0, 0},
    {PM_PUF_BY_SMTP, "erin@fabrikam.com", PM_PUF_SOURCE, 9, 0},
    {PM_PUF_BY_DN, "/o=Contoso/ou=Exchange/cn=Recipients/cn=alice", PM_PUF_TARGET, 2, 0},
};

static void set_query(struct pm_puf_query *q, enum pm_puf_by by, const char *key)
{
    memset(q, 0, sizeof(*q));
    q->by = by;
    if (by == PM_PUF_BY_SMTP)
        q->smtp = key;
    else
        q->dn = key;
}

static void fill_queries(struct pm_puf_query *q)
{
    for (size_t i = 0; i < NQ; i++)
        set_query(&q[i], asked[i].by, asked[i].key);
}

/* The same questions spelled otherwise: case changed, prefixes and blanks added or dropped. */
static char spelled[NQ][200];
static void fill_respelled(struct pm_puf_query *q)
{
    for (size_t i = 0; i < NQ; i++) {
        const char *k = asked[i].key;
        size_t n = 0;
        if (*k) {
            if (!pm_ascii_ncasecmp(k, "x500:", 5) || !pm_ascii_ncasecmp(k, "smtp:", 5))
                k += 5;
            if (i % 2 == 0)
                n += (size_t)snprintf(spelled[i], sizeof(spelled[i]), " %s",
                                      asked[i].by == PM_PUF_BY_SMTP ? "smtp: " : "x500:");
        }
        for (; *k && n + 2 < sizeof(spelled[i]); k++) {
            char c = *k;
            if (c >= 'a' && c <= 'z')
                c = (char)(c - 32);
            else if (c >= 'A' && c <= 'Z')
                c = (char)(c + 32);
            spelled[i][n++] = c;
        }
        if (*asked[i].key)
            spelled[i][n++] = '\t';
        spelled[i][n] = 0;
        set_query(&q[i], asked[i].by, spelled[i]);
    }
}

static int same_opt(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

static void assert_same_entry(const struct pm_puf_entry *a, const struct pm_puf_entry *b, size_t i)
{
    const char *fa[9] = {a->source_dn,      a->target_dn,     a->target_smtp,
                         a->target_display, a->target_server, a->target_server_dn,
                         a->source_smtp,    a->target_upn,    a->target_archive_guid};
    const char *fb[9] = {b->source_dn,      b->target_dn,     b->target_smtp,
                         b->target_display, b->target_server, b->target_server_dn,
                         b->source_smtp,    b->target_upn,    b->target_archive_guid};
    if (a->line != b->line)
        fail_msg("query %zu: entry line %u vs %u", i, a->line, b->line);
    for (int f = 0; f < 9; f++)
        if (!same_opt(fa[f], fb[f]))
            fail_msg("query %zu field %d: '%s' vs '%s'", i, f + 1, fa[f] ? fa[f] : "(null)",
                     fb[f] ? fb[f] : "(null)");
}

static void assert_same_answers(const struct pm_puf_query *a, const struct pm_puf_query *b,
                                size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (a[i].match != b[i].match)
            fail_msg("query %zu: match %d vs %d", i, a[i].match, b[i].match);
        assert_int_equal(a[i].conflict_line, b[i].conflict_line);
        assert_same_entry(&a[i].entry, &b[i].entry, i);
    }
}

static void assert_holds_nothing(const struct pm_puf_query *q, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(q[i].match, PM_PUF_NONE);
        assert_int_equal(q[i].conflict_line, 0);
        const struct pm_puf_entry *e = &q[i].entry;
        assert_null(e->source_dn);
        assert_null(e->target_dn);
        assert_null(e->target_smtp);
        assert_null(e->target_display);
        assert_null(e->target_server);
        assert_null(e->target_server_dn);
        assert_null(e->source_smtp);
        assert_null(e->target_upn);
        assert_null(e->target_archive_guid);
    }
}

static const struct pm_file_id some_id = {4096, 1700000000123456789, -1700000000987654321, 1234567,
                                          2049};

/* Writes the PUF, resolves every question, and encodes the answers with the lookup's warnings. */
struct world {
    char *dir;
    char puf[1024];
    struct pm_puf_query q[NQ];
    struct pm_diag_list warned;
    struct pm_buf text;
};

static void world_make(struct world *w)
{
    memset(w, 0, sizeof(*w));
    w->dir = (char *)pmt_tempdir("pufcache");
    snprintf(w->puf, sizeof(w->puf), "%s/mbm.puf", w->dir);
    assert_int_equal(pmt_write_file(w->puf, puf_text, strlen(puf_text)), 0);
    fill_queries(w->q);
    struct pm_puf_stats st;
    struct pm_error err;
    pm_error_clear(&err);
    assert_int_equal(pm_puf_resolve(w->puf, w->q, NQ, 0, &st, pm_diag_collect, &w->warned, &err),
                     0);
    assert_int_equal(
        pm_puf_cache_encode(&w->text, w->puf, &some_id, NULL, &no_stats, w->q, NQ, &w->warned), 0);
}

static void world_release(struct world *w)
{
    pm_puf_queries_release(w->q, NQ);
    pm_diag_list_release(&w->warned);
    pm_buf_release(&w->text);
    remove(w->puf);
    remove(w->dir);
    free(w->dir);
}

/* ---- round trip ---- */

static void test_round_trip(void **state)
{
    (void)state;
    struct world w;
    world_make(&w);

    /* The lookup gave the answers this test is about (else the comparison below proves little). */
    for (size_t i = 0; i < NQ; i++) {
        if (w.q[i].match != asked[i].want)
            fail_msg("query %zu '%s': lookup answered %d", i, asked[i].key, w.q[i].match);
        assert_int_equal(w.q[i].entry.line, asked[i].line);
        assert_int_equal(w.q[i].conflict_line, asked[i].conflict);
    }
    assert_string_equal(w.q[0].entry.target_archive_guid, "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f1");
    assert_string_equal(w.q[0].entry.source_smtp, "alice@fabrikam.com");
    assert_null(w.q[6].entry.target_archive_guid);
    assert_null(w.q[3].entry.target_display);
    assert_true(w.warned.n >= 4);

    struct pm_puf_cache c;
    struct pm_error err;
    pm_error_clear(&err);
    assert_int_equal(pm_puf_cache_parse(&c, w.text.data, w.text.len, NAME, &err), 0);
    assert_string_equal(c.puf_path, w.puf);
    assert_memory_equal(&c.id, &some_id, sizeof(some_id));
    assert_true(pm_puf_cache_matches(&c, w.puf, &some_id, NULL));

    struct pm_puf_query fresh[NQ];
    fill_queries(fresh);
    struct pm_diag_list again = PM_DIAG_LIST_INIT;
    assert_int_equal(pm_puf_cache_answer(&c, fresh, NQ, w.puf, pm_diag_collect, &again), 1);
    assert_same_answers(fresh, w.q, NQ);

    /* The warnings again, in order, with the PUF's lines and path. */
    assert_int_equal(again.n, w.warned.n);
    for (size_t i = 0; i < again.n; i++) {
        assert_non_null(again.items[i].where);
        assert_string_equal(again.items[i].where, w.puf);
        assert_int_equal(again.items[i].line, w.warned.items[i].line);
        assert_string_equal(again.items[i].msg, w.warned.items[i].msg);
    }
    assert_int_equal(again.items[0].line, 5);
    assert_int_equal(again.items[again.n - 1].line, 10);
    pm_diag_list_release(&again);
    pm_puf_queries_release(fresh, NQ);

    /* Written again from the cache's own answers, the text is the same. */
    fill_queries(fresh);
    assert_int_equal(pm_puf_cache_answer(&c, fresh, NQ, w.puf, NULL, NULL), 1);
    struct pm_buf text2 = PM_BUF_INIT;
    assert_int_equal(
        pm_puf_cache_encode(&text2, w.puf, &some_id, NULL, &no_stats, fresh, NQ, &c.warnings), 0);
    assert_int_equal(text2.len, w.text.len);
    assert_memory_equal(text2.data, w.text.data, w.text.len);
    pm_buf_release(&text2);
    pm_puf_queries_release(fresh, NQ);

    pm_puf_cache_release(&c);
    world_release(&w);
}

static int parse_text(struct pm_puf_cache *c, const struct pm_buf *text)
{
    struct pm_error err;
    pm_error_clear(&err);
    int rc = pm_puf_cache_parse(c, text->data, text->len, NAME, &err);
    if (rc != 0)
        fail_msg("%s:%u: %s", err.where, err.line, err.msg);
    return rc;
}

/* A run asking questions the cache partly holds: those it holds are answered as the lookup
 * answered them, the others are left unanswered and flagged; a question without a key counts as
 * answered (NONE). And the fingerprint an index was proved for reads back as written. */
static void test_answer_known(void **state)
{
    (void)state;
    struct world w;
    world_make(&w);
    struct pm_puf_cache c;
    assert_int_equal(parse_text(&c, &w.text), 0);
    assert_int_equal(c.have_fp, 0);

    struct pm_puf_query q[NQ + 2];
    fill_queries(q);
    set_query(&q[NQ], PM_PUF_BY_DN, "/o=Fabrikam/cn=Recipients/cn=newcomer");
    set_query(&q[NQ + 1], PM_PUF_BY_SMTP, "newcomer@fabrikam.com");
    unsigned char known[NQ + 2];
    assert_int_equal(pm_puf_cache_answer_known(&c, q, NQ + 2, known), NQ);
    for (size_t i = 0; i < NQ; i++)
        assert_int_equal(known[i], 1);
    assert_int_equal(known[NQ], 0);
    assert_int_equal(known[NQ + 1], 0);
    assert_same_answers(q, w.q, NQ);
    assert_holds_nothing(q + NQ, 2);
    pm_puf_queries_release(q, NQ + 2);

    /* None held: nothing answered. */
    set_query(&q[0], PM_PUF_BY_SMTP, "newcomer@fabrikam.com");
    assert_int_equal(pm_puf_cache_answer_known(&c, q, 1, known), 0);
    assert_int_equal(known[0], 0);
    pm_puf_cache_release(&c);

    /* The fingerprint, with every bit of a word kept. */
    struct pm_puf_stats used = {.used_index = 1, .index_state = PM_PUF_INDEX_USED,
                                .index_fp = {7177168, 1, UINT64_MAX, 0, 0x8000000000000000u}};
    struct pm_buf text = PM_BUF_INIT;
    assert_int_equal(
        pm_puf_cache_encode(&text, w.puf, &some_id, &some_id, &used, w.q, NQ, NULL), 0);
    assert_int_equal(parse_text(&c, &text), 0);
    assert_int_equal(c.have_fp, 1);
    assert_memory_equal(c.fp, used.index_fp, sizeof(c.fp));
    pm_puf_cache_release(&c);
    pm_buf_release(&text);
    world_release(&w);
}

/* A PUF line may hold a doubled prefix in field 7, which the PUF reads as an address starting
 * with "SMTP:": the cache gives that same address back, and a question that only such a spelling
 * answers is not written in a form the reader refuses. */
static void test_doubled_prefixes(void **state)
{
    (void)state;
    static const char text[] = "/o=Fabrikam/cn=Recipients/cn=gina|/o=Contoso/cn=Recipients/cn=gina|"
                               "gina@contoso.com||||SMTP:SMTP:gina@fabrikam.com\n";
    char *dir = (char *)pmt_tempdir("pufcache");
    char puf[1024];
    snprintf(puf, sizeof(puf), "%s/mbm.puf", dir);
    assert_int_equal(pmt_write_file(puf, text, strlen(text)), 0);
    struct pm_puf_query q[3], fresh[1];
    set_query(&q[0], PM_PUF_BY_DN, "/o=Fabrikam/cn=Recipients/cn=gina");
    set_query(&q[1], PM_PUF_BY_SMTP, "SMTP:SMTP:gina@fabrikam.com");
    set_query(&q[2], PM_PUF_BY_DN, "X500:X500:/o=Fabrikam/cn=Recipients/cn=gina");
    struct pm_puf_stats st;
    struct pm_error err;
    assert_int_equal(pm_puf_resolve(puf, q, 3, 0, &st, NULL, NULL, &err), 0);
    assert_int_equal(q[0].match, PM_PUF_SOURCE);
    assert_string_equal(q[0].entry.source_smtp, "SMTP:gina@fabrikam.com");
    assert_int_equal(q[1].match, PM_PUF_SOURCE);
    assert_int_equal(q[2].match, PM_PUF_NONE);

    struct pm_buf out = PM_BUF_INIT;
    struct pm_puf_cache c;
    assert_int_equal(pm_puf_cache_encode(&out, puf, &some_id, NULL, &no_stats, q, 1, NULL), 0);
    parse_text(&c, &out);
    set_query(&fresh[0], PM_PUF_BY_DN, "/o=Fabrikam/cn=Recipients/cn=gina");
    assert_int_equal(pm_puf_cache_answer(&c, fresh, 1, puf, NULL, NULL), 1);
    assert_same_answers(fresh, q, 1);
    pm_puf_queries_release(fresh, 1);
    pm_puf_cache_release(&c);

    /* Each of the other two questions: written so that it reads back, or not written at all. */
    for (size_t i = 1; i < 3; i++) {
        int rc = pm_puf_cache_encode(&out, puf, &some_id, NULL, &no_stats, q, i + 1, NULL);
        if (rc == PM_ERR_INVALID)
            continue;
        assert_int_equal(rc, 0);
        pm_error_clear(&err);
        if (pm_puf_cache_parse(&c, out.data, out.len, NAME, &err) != 0)
            fail_msg("question %zu written, then refused: %s:%u: %s", i, err.where, err.line,
                     err.msg);
        fresh[0] = q[i];
        memset(&fresh[0].entry, 0, sizeof(fresh[0].entry));
        assert_int_equal(pm_puf_cache_answer(&c, fresh, 1, puf, NULL, NULL), 1);
        assert_same_answers(fresh, &q[i], 1);
        pm_puf_queries_release(fresh, 1);
        pm_puf_cache_release(&c);
    }
    pm_buf_release(&out);
    pm_puf_queries_release(q, 3);
    remove(puf);
    remove(dir);
    free(dir);
}

/* Every part of the identity is kept exactly, whatever its value: a file system may give an inode
 * with the top bit set, and the times may be before 1970. */
static void test_identity_extremes(void **state)
{
    (void)state;
    const struct pm_file_id ids[] = {
        {0, 0, 0, 0, 0},
        {UINT64_MAX, INT64_MAX, INT64_MIN + 1, UINT64_MAX, UINT64_MAX},
        {(uint64_t)1 << 63, -1, 1, 0x8000000000000001u, (uint64_t)1 << 63},
    };
    struct pm_puf_query q;
    set_query(&q, PM_PUF_BY_DN, "/o=x/cn=a");
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
        struct pm_buf text = PM_BUF_INIT;
        assert_int_equal(
            pm_puf_cache_encode(&text, "/p/mbm.puf", &ids[i], NULL, &no_stats, &q, 1, NULL), 0);
        struct pm_puf_cache c;
        struct pm_error err;
        pm_error_clear(&err);
        if (pm_puf_cache_parse(&c, text.data, text.len, NAME, &err) != 0)
            fail_msg("id %zu: %s (line %u) in\n%s", i, err.msg, err.line, text.data);
        assert_true(pm_puf_cache_matches(&c, "/p/mbm.puf", &ids[i], NULL));
        pm_puf_cache_release(&c);
        pm_buf_release(&text);
    }
}

/* ---- matching keys ---- */

static void test_keys_as_the_puf_matches_them(void **state)
{
    (void)state;
    struct world w;
    world_make(&w);
    struct pm_puf_cache c;
    struct pm_error err;
    assert_int_equal(pm_puf_cache_parse(&c, w.text.data, w.text.len, NAME, &err), 0);

    struct pm_puf_query other[NQ];
    fill_respelled(other);
    assert_int_equal(pm_puf_cache_answer(&c, other, NQ, w.puf, NULL, NULL), 1);
    assert_same_answers(other, w.q, NQ);
    pm_puf_queries_release(other, NQ);
    pm_puf_cache_release(&c);
    world_release(&w);
}

/* A question is answered only by a record of its own kind: an address is not a DN. */
static void test_by_matters(void **state)
{
    (void)state;
    static const char same[] = "/o=Fabrikam/cn=Recipients/cn=bob";
    struct pm_puf_query q;
    struct pm_puf_cache c;
    struct pm_buf text = PM_BUF_INIT;

    set_query(&q, PM_PUF_BY_SMTP, same);
    assert_int_equal(
        pm_puf_cache_encode(&text, "/p/mbm.puf", &some_id, NULL, &no_stats, &q, 1, NULL), 0);
    parse_text(&c, &text);
    set_query(&q, PM_PUF_BY_SMTP, same);
    assert_int_equal(pm_puf_cache_answer(&c, &q, 1, "/p/mbm.puf", NULL, NULL), 1);
    set_query(&q, PM_PUF_BY_DN, same);
    assert_int_equal(pm_puf_cache_answer(&c, &q, 1, "/p/mbm.puf", NULL, NULL), 0);
    pm_puf_cache_release(&c);

    /* And the other way round, with an answer that holds an entry (carol by DN, asked[3]). */
    struct world w;
    world_make(&w);
    assert_int_equal(pm_puf_cache_encode(&text, w.puf, &some_id, NULL, &no_stats, &w.q[3], 1, NULL),
                     0);
    parse_text(&c, &text);
    set_query(&q, PM_PUF_BY_DN, "/o=Fabrikam/cn=Recipients/cn=carol");
    assert_int_equal(pm_puf_cache_answer(&c, &q, 1, w.puf, NULL, NULL), 1);
    assert_int_equal(q.match, PM_PUF_SOURCE);
    pm_puf_queries_release(&q, 1);
    set_query(&q, PM_PUF_BY_SMTP, "/o=Fabrikam/cn=Recipients/cn=carol");
    assert_int_equal(pm_puf_cache_answer(&c, &q, 1, w.puf, NULL, NULL), 0);
    assert_holds_nothing(&q, 1);
    set_query(&q, PM_PUF_BY_DN, "carol@contoso.com");
    assert_int_equal(pm_puf_cache_answer(&c, &q, 1, w.puf, NULL, NULL), 0);
    assert_holds_nothing(&q, 1);
    pm_puf_cache_release(&c);
    world_release(&w);
    pm_buf_release(&text);
}

/* One question the cache lacks: no answer at all, and nothing held (nor leaked) by the others. */
static void test_missing_question(void **state)
{
    (void)state;
    struct world w;
    world_make(&w);
    struct pm_puf_cache c;
    parse_text(&c, &w.text);
    struct pm_puf_query q[NQ + 1];
    fill_queries(q);
    set_query(&q[NQ], PM_PUF_BY_DN, "/o=Fabrikam/cn=Recipients/cn=newcomer");
    /* The missing one last, once all the others were answered (and their entries copied). */
    struct pm_diag_list warned = PM_DIAG_LIST_INIT;
    assert_int_equal(pm_puf_cache_answer(&c, q, NQ + 1, w.puf, pm_diag_collect, &warned), 0);
    assert_holds_nothing(q, NQ + 1);
    assert_int_equal(warned.n, 0);
    /* And first. */
    fill_queries(q + 1);
    set_query(&q[0], PM_PUF_BY_SMTP, "newcomer@fabrikam.com");
    assert_int_equal(pm_puf_cache_answer(&c, q, NQ + 1, w.puf, pm_diag_collect, &warned), 0);
    assert_holds_nothing(q, NQ + 1);
    /* A question without a key needs no record: the lookup answers it NONE too. */
    fill_queries(q);
    set_query(&q[NQ], PM_PUF_BY_SMTP, " SMTP: ");
    assert_int_equal(pm_puf_cache_answer(&c, q, NQ + 1, w.puf, NULL, NULL), 1);
    assert_holds_nothing(&q[NQ], 1);
    pm_puf_queries_release(q, NQ + 1);
    /* Fewer questions than the cache holds: not answered, since its warnings are those of all
     * of them (a run asking fewer would not have been given them all). */
    fill_queries(q);
    assert_int_equal(pm_puf_cache_answer(&c, q, NQ - 1, w.puf, pm_diag_collect, &warned), 0);
    assert_holds_nothing(q, NQ - 1);
    assert_int_equal(warned.n, 0);
    pm_puf_cache_release(&c);
    world_release(&w);
}

/* A cache made through the index whose only warning is the index's count of malformed lines
 * (line 0: every lookup through that index gives it) answers any of its questions, and gives that
 * warning again; a warning about a question's line, or a lookup that scanned the PUF, keeps it to
 * exactly its questions. */
static void test_answers_fewer_when_no_question_warned(void **state)
{
    (void)state;
    static const char *const dns[3] = {"/o=Fabrikam/cn=Recipients/cn=a",
                                       "/o=Fabrikam/cn=Recipients/cn=b",
                                       "/o=Contoso/cn=Recipients/cn=a-target"};
    struct pm_puf_query q[3];
    for (int i = 0; i < 3; i++)
        set_query(&q[i], PM_PUF_BY_DN, dns[i]);
    struct pm_puf_stats st = no_stats;
    st.used_index = 1;
    static const char puf[] = "/srv/pm/mbm.puf";
    for (int k = 0; k < 3; k++) {
        /* k 0: only the count at line 0; 1: also a warning at line 12; 2: a scan, no warning. */
        struct pm_diag_list w = PM_DIAG_LIST_INIT;
        if (k < 2)
            pm_diag_collect(&w, puf, 0,
                            "2 malformed lines were skipped when the index was built (run puf "
                            "check)");
        if (k == 1)
            pm_diag_collect(&w, puf, 12, "duplicate of line 11 for 'x'; line 11 is used");
        st.used_index = k != 2;
        struct pm_buf text = PM_BUF_INIT;
        assert_int_equal(pm_puf_cache_encode(&text, puf, &some_id, NULL, &st, q, 3, &w), 0);
        struct pm_puf_cache c;
        parse_text(&c, &text);
        assert_int_equal(pm_puf_cache_any_questions(&c), k == 0);
        struct pm_puf_query fewer[2];
        set_query(&fewer[0], PM_PUF_BY_DN, dns[2]);
        set_query(&fewer[1], PM_PUF_BY_DN, dns[1]);
        struct pm_diag_list again = PM_DIAG_LIST_INIT;
        assert_int_equal(pm_puf_cache_answer(&c, fewer, 2, puf, pm_diag_collect, &again), k == 0);
        if (k == 0) {
            assert_int_equal(again.n, 1);
            assert_int_equal(again.items[0].line, 0);
            assert_non_null(strstr(again.items[0].msg, "malformed lines"));
        } else {
            assert_int_equal(again.n, 0);
        }
        assert_holds_nothing(fewer, 2);
        /* All of them: answered whatever the warnings, each given again. */
        struct pm_puf_query all[3];
        for (int i = 0; i < 3; i++)
            set_query(&all[i], PM_PUF_BY_DN, dns[i]);
        pm_diag_list_release(&again);
        assert_int_equal(pm_puf_cache_answer(&c, all, 3, puf, pm_diag_collect, &again), 1);
        assert_int_equal(again.n, w.n);
        pm_puf_queries_release(all, 3);
        pm_puf_queries_release(fewer, 2);
        pm_diag_list_release(&again);
        pm_diag_list_release(&w);
        pm_puf_cache_release(&c);
        pm_buf_release(&text);
    }
}

/* ---- which PUF the cache is for ---- */

static void test_matches(void **state)
{
    (void)state;
    struct pm_puf_query q;
    set_query(&q, PM_PUF_BY_DN, "/o=x/cn=a");
    struct pm_buf text = PM_BUF_INIT;
    static const char path[] = "\\\\fs01\\migration$\\mbm.puf";
    assert_int_equal(pm_puf_cache_encode(&text, path, &some_id, NULL, &no_stats, &q, 1, NULL), 0);
    struct pm_puf_cache c;
    parse_text(&c, &text);
    struct pm_file_id id = some_id;
    assert_int_equal(pm_puf_cache_matches(&c, path, &id, NULL), 1);
    assert_int_equal(pm_puf_cache_matches(&c, "\\\\fs01\\migration$\\MBM.puf", &id, NULL), 0);
    assert_int_equal(pm_puf_cache_matches(&c, "\\\\fs02\\migration$\\mbm.puf", &id, NULL), 0);
    assert_int_equal(pm_puf_cache_matches(&c, NULL, &id, NULL), 0);
    id.size++;
    assert_int_equal(pm_puf_cache_matches(&c, path, &id, NULL), 0);
    id = some_id;
    id.mtime_ns++;
    assert_int_equal(pm_puf_cache_matches(&c, path, &id, NULL), 0);
    id = some_id;
    id.ctime_ns--;
    assert_int_equal(pm_puf_cache_matches(&c, path, &id, NULL), 0);
    id = some_id;
    id.ino ^= (uint64_t)1 << 40;
    assert_int_equal(pm_puf_cache_matches(&c, path, &id, NULL), 0);
    id = some_id;
    id.dev = 0;
    assert_int_equal(pm_puf_cache_matches(&c, path, &id, NULL), 0);
    pm_puf_cache_release(&c);
    pm_buf_release(&text);
}

/* ---- encode ---- */

static size_t count_lines_starting(const struct pm_buf *b, const char *prefix)
{
    size_t n = 0, pl = strlen(prefix);
    for (const char *p = b->data; p && p < b->data + b->len;) {
        const char *nl = memchr(p, '\n', (size_t)(b->data + b->len - p));
        if (!nl)
            break;
        if ((size_t)(nl - p) >= pl && !memcmp(p, prefix, pl))
            n++;
        p = nl + 1;
    }
    return n;
}

static void test_encode(void **state)
{
    (void)state;
    struct pm_buf text = PM_BUF_INIT;
    struct pm_puf_query q[4];
    set_query(&q[0], PM_PUF_BY_DN, "/o=x/cn=a\nq dn none 0 0 /o=x/cn=b");
    assert_int_equal(
        pm_puf_cache_encode(&text, "/p/mbm.puf", &some_id, NULL, &no_stats, q, 1, NULL),
        PM_ERR_INVALID);
    set_query(&q[0], PM_PUF_BY_SMTP, "a@b\rc");
    assert_int_equal(
        pm_puf_cache_encode(&text, "/p/mbm.puf", &some_id, NULL, &no_stats, q, 1, NULL),
        PM_ERR_INVALID);
    set_query(&q[0], PM_PUF_BY_DN, "/o=x/cn=a");
    assert_int_equal(pm_puf_cache_encode(&text, "/p/mbm.puf\nid 1 2 3 4 5", &some_id, NULL,
                                         &no_stats, q, 1, NULL),
                     PM_ERR_INVALID);
    assert_int_equal(
        pm_puf_cache_encode(&text, "/p/mbm\r.puf", &some_id, NULL, &no_stats, q, 1, NULL),
        PM_ERR_INVALID);
    assert_int_equal(pm_puf_cache_encode(&text, "", &some_id, NULL, &no_stats, q, 1, NULL),
                     PM_ERR_INVALID);

    /* The same question asked twice (two profiles, other spellings) is one record, and the file
     * reads back (the reader refuses a question twice). */
    set_query(&q[1], PM_PUF_BY_DN, " X500:/O=X/CN=A");
    set_query(&q[2], PM_PUF_BY_SMTP, "/o=x/cn=a"); /* another question: by address */
    set_query(&q[3], PM_PUF_BY_DN, "/o=x/cn=a");
    assert_int_equal(
        pm_puf_cache_encode(&text, "/p/mbm.puf", &some_id, NULL, &no_stats, q, 4, NULL), 0);
    assert_int_equal(count_lines_starting(&text, "q dn "), 1);
    assert_int_equal(count_lines_starting(&text, "q smtp "), 1);
    struct pm_puf_cache c;
    parse_text(&c, &text);
    assert_int_equal(c.nrecs, 2);
    pm_puf_cache_release(&c);

    /* A warning with a line break is still one record, and reads back. */
    struct pm_diag_list warned = PM_DIAG_LIST_INIT;
    pm_diag_collect(&warned, "/p/mbm.puf", 7, "two\nlines\r");
    pm_diag_collect(&warned, "/p/mbm.puf", 0, "3 more malformed lines skipped");
    assert_int_equal(
        pm_puf_cache_encode(&text, "/p/mbm.puf", &some_id, NULL, &no_stats, q, 1, &warned), 0);
    assert_int_equal(count_lines_starting(&text, "w "), 2);
    parse_text(&c, &text);
    assert_int_equal(c.warnings.n, 2);
    assert_int_equal(c.warnings.items[0].line, 7);
    assert_string_equal(c.warnings.items[0].msg, "two lines ");
    assert_int_equal(c.warnings.items[1].line, 0);
    assert_string_equal(c.warnings.items[1].msg, "3 more malformed lines skipped");
    pm_puf_cache_release(&c);
    pm_diag_list_release(&warned);
    pm_buf_release(&text);
}

/* ---- parse refusals ---- */

/* body + its end record, as encode writes it. */
static char *seal_n(const char *body, size_t len, size_t *outlen)
{
    char *s = malloc(len + 32);
    assert_non_null(s);
    memcpy(s, body, len);
    int n = snprintf(s + len, 32, "end %016llx\n",
                     (unsigned long long)puf_bytes_hash(CACHE_SEED, body, len));
    *outlen = len + (size_t)n;
    return s;
}

static void refused_n(const char *data, size_t len, unsigned line, const char *why)
{
    /* An exact copy, so that a read past the end is caught. */
    char *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    memcpy(copy, data, len);
    struct pm_puf_cache c;
    struct pm_error err;
    pm_error_clear(&err);
    int rc = pm_puf_cache_parse(&c, copy, len, NAME, &err);
    if (rc != PM_ERR_PARSE)
        fail_msg("accepted (%d):\n%.*s", rc, (int)len, data);
    assert_string_equal(err.where, NAME);
    if (err.line != line || (why && !strstr(err.msg, why)))
        fail_msg("want line %u '%s', got line %u '%s' for:\n%.*s", line, why ? why : "", err.line,
                 err.msg, (int)len, data);
    assert_null(c.puf_path);
    assert_null(c.recs);
    assert_int_equal(c.nrecs, 0);
    assert_int_equal(c.warnings.n, 0);
    free(copy);
}

/* Sealed with a right checksum, so the refusal is for what the text says. */
static void refused(const char *body, unsigned line, const char *why)
{
    size_t len;
    char *s = seal_n(body, strlen(body), &len);
    refused_n(s, len, line, why);
    free(s);
}

static void accepted(const char *body)
{
    size_t len;
    char *s = seal_n(body, strlen(body), &len);
    struct pm_puf_cache c;
    struct pm_error err;
    pm_error_clear(&err);
    if (pm_puf_cache_parse(&c, s, len, NAME, &err) != 0)
        fail_msg("refused: %s:%u: %s for:\n%s", err.where, err.line, err.msg, s);
    pm_puf_cache_release(&c);
    free(s);
}

/* Another version's file: not an error, the run writes it anew. */
static void other_version(const char *body)
{
    size_t len;
    char *s = seal_n(body, strlen(body), &len);
    struct pm_puf_cache c;
    struct pm_error err;
    pm_error_clear(&err);
    assert_int_equal(pm_puf_cache_parse(&c, s, len, NAME, &err), PM_ERR_UNSUPPORTED);
    assert_null(c.puf_path);
    free(s);
}

#define MAGIC "profilemanager-puf-cache 2\n"
#define PUF "puf /srv/share/mbm.puf\n"
#define ID "id 100 1700000000000000000 -5 42 7\n"
#define IDXL "idx none\nlookup 0 0 0 \nfp none\n"
#define HEAD MAGIC PUF ID IDXL
#define BOB "/o=Fabrikam/cn=Recipients/cn=bob"
#define ENTRY BOB "|/o=Contoso/cn=Recipients/cn=bob|bob@contoso.com"

/* The checksum seed above is the one encode uses. */
static void test_seal(void **state)
{
    (void)state;
    struct world w;
    world_make(&w);
    const char *end = strstr(w.text.data, "\nend ");
    assert_non_null(end);
    size_t body = (size_t)(end + 1 - w.text.data), len;
    char *s = seal_n(w.text.data, body, &len);
    assert_int_equal(len, w.text.len);
    assert_memory_equal(s, w.text.data, len);
    free(s);
    world_release(&w);
}

static void test_parse_refusals(void **state)
{
    (void)state;
    /* What the refusals below change, accepted. */
    accepted(HEAD);
    accepted(HEAD "q dn source 3 0 " BOB "\ne " ENTRY "\nw 8 duplicate\n");
    accepted(HEAD "q dn conflict 3 8 " BOB "\ne " ENTRY "\n");
    accepted(HEAD "q dn none 0 0 /o=A\nq smtp none 0 0 /o=a\n");
    accepted(MAGIC PUF "id 0 0 0 0 0\n" IDXL);
    accepted(MAGIC PUF
             "id 9223372036854775807 -9223372036854775807 9223372036854775807 1 1\n" IDXL);
    accepted(MAGIC PUF
             "id 18446744073709551615 -1 1 18446744073709551615 18446744073709551615\n" IDXL);
    accepted(MAGIC PUF ID "idx 5 6 7 8 9\nlookup 1 1 12 used index\nfp 100 1 2 3 18446744073709551615\n");
    accepted(MAGIC PUF ID "idx none\nlookup 0 6 0 index not used (--no-index)\nfp none\n");
    accepted(MAGIC PUF ID "idx 5 6 7 8 9\nlookup 0 3 12 index is stale: puf grew\nfp none\n");

    /* The header: this version's magic, the PUF, its identity. */
    other_version("profilemanager-puf-cache 1\n" PUF ID);
    other_version("profilemanager-puf-cache 3\n" PUF ID);
    other_version("profilemanager-puf-cache 2 \n" PUF ID);
    refused("profilemanager-puf-cache\n" PUF ID, 1, "not a cache file");
    refused(PUF ID, 1, "not a cache file");
    /* The index's identity (or none) and what the lookup said. */
    refused(MAGIC PUF ID, 4, "line 4 must be 'idx none' or");
    refused(MAGIC PUF ID "lookup 0 0 0 \n", 4, "line 4 must be 'idx none' or");
    refused(MAGIC PUF ID "idx\nlookup 0 0 0 \n", 4, "line 4 must be 'idx none' or");
    refused(MAGIC PUF ID "idx none \nlookup 0 0 0 \n", 4, "line 4 must be 'idx none' or");
    refused(MAGIC PUF ID "idx 1 2 3 4\nlookup 0 0 0 \n", 4, "line 4 must be 'idx none' or");
    refused(MAGIC PUF ID "idx +1 2 3 4 5\nlookup 0 0 0 \n", 4, "line 4 must be 'idx none' or");
    refused(MAGIC PUF ID "idx none\n", 5, "line 5 must be 'lookup");
    refused(MAGIC PUF ID "idx none\nq dn none 0 0 /o=x\n", 5, "line 5 must be 'lookup");
    refused(MAGIC PUF ID "idx none\nlookup 2 0 0 \n", 5, "line 5 must be 'lookup");
    refused(MAGIC PUF ID "idx none\nlookup 0 7 0 \n", 5, "line 5 must be 'lookup");
    refused(MAGIC PUF ID "idx none\nlookup 0 0 -1 \n", 5, "line 5 must be 'lookup");
    refused(MAGIC PUF ID "idx none\nlookup 0 0\n", 5, "line 5 must be 'lookup");
    /* The fingerprint: exactly when the index answered, all five numbers. */
    refused(MAGIC PUF ID "idx none\nlookup 0 0 0 \n", 6, "line 6 must be 'fp");
    refused(MAGIC PUF ID "idx none\nlookup 0 0 0 \nq dn none 0 0 /o=x\n", 6, "line 6 must be 'fp");
    refused(MAGIC PUF ID "idx none\nlookup 0 0 0 \nfp 1 2 3 4 5\n", 6, "line 6 must be 'fp");
    refused(MAGIC PUF ID "idx 5 6 7 8 9\nlookup 1 1 0 used\nfp none\n", 6, "line 6 must be 'fp");
    refused(MAGIC PUF ID "idx 5 6 7 8 9\nlookup 1 1 0 used\nfp 1 2 3 4\n", 6, "line 6 must be 'fp");
    refused(MAGIC PUF ID "idx 5 6 7 8 9\nlookup 1 1 0 used\nfp 1 2 3 4 5 6\n", 6,
            "line 6 must be 'fp");
    refused(MAGIC PUF ID "idx 5 6 7 8 9\nlookup 1 1 0 used\nfp 1 2 3 4 05\n", 6,
            "line 6 must be 'fp");
    refused(MAGIC PUF ID "idx 5 6 7 8 9\nlookup 1 1 0 used\nfp 1 2 3 4 18446744073709551616\n", 6,
            "line 6 must be 'fp");
    refused(MAGIC ID, 2, "line 2 must name the PUF");
    refused(MAGIC "puf \n" ID, 2, "line 2 must name the PUF");
    refused(MAGIC "puf\n" ID, 2, "line 2 must name the PUF");
    refused(MAGIC PUF "q dn none 0 0 /o=x\n", 3, "line 3 must be 'id");
    refused(MAGIC PUF, 3, "line 3 must be 'id");
    refused(MAGIC PUF "id\n", 3, "line 3 must be 'id");

    /* Numbers: no sign where none can be, no leading zero, no overflow, all five, no more. */
    static const char *const bad_ids[] = {
        "id +100 1 2 3 4",
        "id -100 1 2 3 4",
        "id 0100 1 2 3 4",
        "id 100 01 2 3 4",
        "id 100 -01 2 3 4",
        "id 100 1 +2 3 4",
        "id 100 1 2 -3 4",
        "id 100 1 2 3 -4",
        "id 100 1 2 3 04",
        "id 18446744073709551616 1 2 3 4",
        "id 100 9223372036854775808 2 3 4",
        "id 100 1 -9223372036854775809 3 4",
        "id 100 1 2 99999999999999999999 4",
        "id 100 1 2 3 184467440737095516150",
        "id 100 1 2 3",
        "id 100 1 2 3 4 5",
        "id 100  1 2 3 4",
        "id  100 1 2 3 4",
        "id 1e3 1 2 3 4",
        "id 100 1 2 3 0x4",
        "id 100 - 2 3 4",
    };
    for (size_t i = 0; i < sizeof(bad_ids) / sizeof(bad_ids[0]); i++) {
        char body[256];
        snprintf(body, sizeof(body), MAGIC PUF "%s\n", bad_ids[i]);
        refused(body, 3, "line 3 must be 'id");
    }
    refused(HEAD "q dn source 03 0 " BOB "\ne " ENTRY "\n", 7, "a question record must be");
    refused(HEAD "q dn source +3 0 " BOB "\ne " ENTRY "\n", 7, "a question record must be");
    refused(HEAD "q dn source -3 0 " BOB "\ne " ENTRY "\n", 7, "a question record must be");
    refused(HEAD "q dn source 4294967296 0 " BOB "\ne " ENTRY "\n", 7, "a question record must be");
    refused(HEAD "q dn conflict 3 4294967299 " BOB "\ne " ENTRY "\n", 7,
            "a question record must be");
    refused(HEAD "q dn conflict 3 08 " BOB "\ne " ENTRY "\n", 7, "a question record must be");
    refused(HEAD "w 08 duplicate\n", 7, "a warning record must be");
    refused(HEAD "w -8 duplicate\n", 7, "a warning record must be");
    refused(HEAD "w 4294967296 duplicate\n", 7, "a warning record must be");
    refused(HEAD "w 8\n", 7, "a warning record must be");
    refused(HEAD "w 8 \n", 7, "a warning record must be");
    refused(HEAD "w x duplicate\n", 7, "a warning record must be");

    /* Records. */
    refused(HEAD "x 1\n", 7, "unknown record");
    refused(HEAD "q dn none 0 0 /o=x\nQ dn none 0 0 /o=y\n", 8, "unknown record");
    refused(HEAD "\n", 7, "unknown record");
    refused(HEAD "q\n", 7, "unknown record");
    refused(HEAD "qdn none 0 0 /o=x\n", 7, "unknown record");
    refused(HEAD "end\n", 7, "unknown record");
    refused(HEAD "q sip none 0 0 /o=x\n", 7, "a question record must be");
    refused(HEAD "q dn None 0 0 /o=x\n", 7, "a question record must be");
    refused(HEAD "q dn none 0 0\n", 7, "a question record must be");
    refused(HEAD "q dn none 0 0 \n", 7, "a question record must be");
    refused(HEAD "q dn none 0 /o=x\n", 7, "a question record must be");

    /* An entry right after each question that has an answer, and only there. */
    refused(HEAD "q dn source 3 0 " BOB "\nq dn none 0 0 /o=x\n", 8, "must follow its question");
    refused(HEAD "q dn source 3 0 " BOB "\nw 8 duplicate\n", 8, "must follow its question");
    refused(HEAD "q dn target 3 0 " BOB "\n", 8, "must follow its question");
    refused(HEAD "q dn none 0 0 " BOB "\ne " ENTRY "\n", 8, "without a question");
    refused(HEAD "e " ENTRY "\n", 7, "without a question");
    refused(HEAD "q dn source 3 0 " BOB "\ne " ENTRY "\ne " ENTRY "\n", 9, "without a question");

    /* Line numbers that fit the answer: none has none, conflict has a second line. */
    refused(HEAD "q dn none 3 0 " BOB "\n", 7, "the line numbers do not fit the answer");
    refused(HEAD "q dn none 0 8 " BOB "\n", 7, "the line numbers do not fit the answer");
    refused(HEAD "q dn source 0 0 " BOB "\ne " ENTRY "\n", 7, "do not fit the answer");
    refused(HEAD "q dn source 3 8 " BOB "\ne " ENTRY "\n", 7, "do not fit the answer");
    refused(HEAD "q smtp target 3 8 bob@contoso.com\ne " ENTRY "\n", 7, "do not fit the answer");
    refused(HEAD "q dn conflict 3 0 " BOB "\ne " ENTRY "\n", 7, "do not fit the answer");

    /* Keys as the lookup compares them, nothing else. */
    refused(HEAD "q dn none 0 0  /o=x\n", 7, "the key is not in its normalized form");
    refused(HEAD "q dn none 0 0 /o=x \n", 7, "the key is not in its normalized form");
    refused(HEAD "q dn none 0 0 /o=x\t\n", 7, "the key is not in its normalized form");
    refused(HEAD "q dn none 0 0 X500:/o=x\n", 7, "the key is not in its normalized form");
    refused(HEAD "q dn none 0 0 x500:/o=x\n", 7, "the key is not in its normalized form");
    refused(HEAD "q smtp none 0 0 SMTP:a@b\n", 7, "the key is not in its normalized form");
    accepted(HEAD "q smtp none 0 0 X500:/o=x\n"); /* not a prefix of addresses */

    /* The same question twice. */
    refused(HEAD "q dn none 0 0 /o=A\nq dn none 0 0 /o=a\n", 8, "the same question twice");
    refused(HEAD "q smtp none 0 0 a@b\nw 1 x\nq smtp source 3 0 A@B\ne " ENTRY "\n", 9,
            "the same question twice");

    /* The entry: a well-formed PUF line. */
    refused(HEAD "q dn source 3 0 " BOB "\ne not a line\n", 8, "not a well-formed PUF line");
    refused(HEAD "q dn source 3 0 " BOB "\ne " BOB "|/o=Contoso/cn=bob\n", 8,
            "not a well-formed PUF line");
    refused(HEAD "q dn source 3 0 " BOB "\ne " BOB "|/o=Contoso/cn=bob|bob\n", 8,
            "not a well-formed PUF line");
    refused(HEAD "q dn source 3 0 " BOB "\ne \n", 8, "not a well-formed PUF line");
    refused(HEAD "q dn source 3 0 " BOB "\ne # " ENTRY "\n", 8, "not a well-formed PUF line");
    refused(HEAD "q dn source 3 0 " BOB "\ne " ENTRY "||||x\n", 8, "not a well-formed PUF line");

    /* CR and NUL bytes, even with a right checksum. */
    refused(HEAD "q dn none 0 0 /o=x\ry\n", 7, "a carriage return or a NUL byte");
    refused(MAGIC "puf /p\r\n" ID, 2, "a carriage return or a NUL byte");
    refused("profilemanager-puf-cache 2\r\n" PUF ID, 1, "a carriage return or a NUL byte");
    {
        static const char nul[] = HEAD "q dn none 0 0 /o=x\0y\n";
        size_t len;
        char *s = seal_n(nul, sizeof(nul) - 1, &len);
        refused_n(s, len, 7, "a carriage return or a NUL byte");
        free(s);
    }

    /* The end record: its checksum, and nothing after it. */
    refused_n(HEAD "end 0000000000000000\n", strlen(HEAD "end 0000000000000000\n"), 7,
              "the checksum does not match");
    {
        size_t len;
        char *s = seal_n(HEAD, strlen(HEAD), &len);
        s[len - 2] = s[len - 2] == '0' ? '1' : '0';
        refused_n(s, len, 7, "the checksum does not match");
        char *longer = malloc(len + 1);
        memcpy(longer, s, len - 1);
        memcpy(longer + len - 1, "0\n", 2);
        refused_n(longer, len + 1, 7, "the checksum does not match");
        free(longer);
        free(s);
        s = seal_n(HEAD, strlen(HEAD), &len);
        char *after = malloc(len + 16);
        memcpy(after, s, len);
        memcpy(after + len, "w 1 x\n", 6);
        refused_n(after, len + 6, 8, "text after the end record");
        memcpy(after + len, "\n", 1);
        refused_n(after, len + 1, 8, "text after the end record");
        memcpy(after + len, "x", 1);
        refused_n(after, len + 1, 8, NULL);
        free(after);
        free(s);
    }
    refused_n("", 0, 1, "it is cut");
    refused_n(HEAD, strlen(HEAD), 7, "it is cut");
}

/* A valid file with one byte changed anywhere, or cut anywhere, is refused. */
static void test_changed_or_cut(void **state)
{
    (void)state;
    struct world w;
    world_make(&w);
    const char *text = w.text.data;
    size_t len = w.text.len;
    char *copy = malloc(len);
    assert_non_null(copy);
    static const unsigned char flips[] = {0x01, 0x20, 0x80};
    for (size_t i = 0; i < len; i++) {
        for (size_t f = 0; f < sizeof(flips); f++) {
            memcpy(copy, text, len);
            copy[i] = (char)(copy[i] ^ flips[f]);
            struct pm_puf_cache c;
            struct pm_error err;
            pm_error_clear(&err);
            int rc = pm_puf_cache_parse(&c, copy, len, NAME, &err);
            /* The version in the first line changed reads as another version's file. */
            if (rc != PM_ERR_PARSE && !(rc == PM_ERR_UNSUPPORTED && i < strlen(MAGIC)))
                fail_msg("byte %zu ^ 0x%02x: %d", i, flips[f], rc);
            assert_string_equal(err.where, NAME);
        }
    }
    free(copy);
    /* A letter's case in a key: every line still reads, the checksum does not. */
    const char *k = strstr(text, "cn=nobody\n");
    assert_non_null(k);
    char *bumped = malloc(len);
    assert_non_null(bumped);
    memcpy(bumped, text, len);
    size_t at = (size_t)(k - text) + 3;
    assert_true(at < len);
    bumped[at] = 'N';
    unsigned endline = 0;
    for (size_t i = 0; i < len; i++)
        endline += text[i] == '\n';
    refused_n(bumped, len, endline, "the checksum does not match");
    free(bumped);

    for (size_t cut = 0; cut < len; cut++) {
        char *part = malloc(cut ? cut : 1);
        assert_non_null(part);
        memcpy(part, text, cut);
        struct pm_puf_cache c;
        struct pm_error err;
        pm_error_clear(&err);
        int rc = pm_puf_cache_parse(&c, part, cut, NAME, &err);
        if (rc != PM_ERR_PARSE)
            fail_msg("cut at %zu of %zu: %d", cut, len, rc);
        assert_string_equal(err.where, NAME);
        free(part);
    }
    world_release(&w);
}

/* A valid file of exactly PM_PUF_CACHE_MAX bytes reads; one byte more is not read at all. */
static void test_size_limit(void **state)
{
    (void)state;
    struct pm_puf_query q;
    set_query(&q, PM_PUF_BY_DN, "/o=x/cn=a");
    struct pm_diag_list warned = PM_DIAG_LIST_INIT;
    size_t each = PM_PUF_CACHE_MAX / PM_PUF_CACHE_MAX_WARNINGS;
    char *msg = malloc(2 * each + 1);
    assert_non_null(msg);
    memset(msg, 'm', each);
    msg[each - 16] = 0;
    for (unsigned i = 0; i < PM_PUF_CACHE_MAX_WARNINGS - 1; i++)
        pm_diag_collect(&warned, "/p/mbm.puf", 100000 + i, msg);
    struct pm_buf text = PM_BUF_INIT;
    for (size_t want = PM_PUF_CACHE_MAX; want <= PM_PUF_CACHE_MAX + 1; want++) {
        /* The last warning fills the file to 'want' bytes. */
        pm_diag_collect(&warned, "/p/mbm.puf", 100000, "m");
        assert_int_equal(
            pm_puf_cache_encode(&text, "/p/mbm.puf", &some_id, NULL, &no_stats, &q, 1, &warned), 0);
        assert_true(text.len < want);
        size_t last = want - text.len + 1;
        assert_true(last <= 2 * each);
        memset(msg, 'm', last);
        msg[last] = 0;
        warned.n--;
        free(warned.items[warned.n].where);
        free(warned.items[warned.n].msg);
        pm_diag_collect(&warned, "/p/mbm.puf", 100000, msg);
        assert_int_equal(
            pm_puf_cache_encode(&text, "/p/mbm.puf", &some_id, NULL, &no_stats, &q, 1, &warned), 0);
        assert_int_equal(text.len, want);
        struct pm_puf_cache c;
        struct pm_error err;
        pm_error_clear(&err);
        int rc = pm_puf_cache_parse(&c, text.data, text.len, NAME, &err);
        if (want == PM_PUF_CACHE_MAX) {
            assert_int_equal(rc, 0);
            assert_int_equal(c.warnings.n, PM_PUF_CACHE_MAX_WARNINGS);
            pm_puf_cache_release(&c);
        } else {
            assert_int_equal(rc, PM_ERR_PARSE);
            assert_string_equal(err.where, NAME);
            assert_int_equal(err.line, 0);
            assert_non_null(strstr(err.msg, "too big"));
        }
        warned.n--;
        free(warned.items[warned.n].where);
        free(warned.items[warned.n].msg);
    }
    pm_buf_release(&text);
    pm_diag_list_release(&warned);
    free(msg);
}

int main(void)
{
    /* clang-format off */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_answer_known),
        cmocka_unit_test(test_identity_extremes),
        cmocka_unit_test(test_doubled_prefixes),
        cmocka_unit_test(test_keys_as_the_puf_matches_them),
        cmocka_unit_test(test_by_matters),
        cmocka_unit_test(test_missing_question),
        cmocka_unit_test(test_answers_fewer_when_no_question_warned),
        cmocka_unit_test(test_matches),
        cmocka_unit_test(test_encode),
        cmocka_unit_test(test_seal),
        cmocka_unit_test(test_parse_refusals),
        cmocka_unit_test(test_changed_or_cut),
        cmocka_unit_test(test_size_limit),
    };
    /* clang-format on */
    return cmocka_run_group_tests(tests, NULL, NULL);
}
