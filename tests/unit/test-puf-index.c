/* Tests of the mbm.puf sidecar index: it gives the same answers as the scan while reading only a
 * few bytes of the PUF, it is refused (with the reason) when the PUF changed after indexing, and
 * no damage to it or hash collision can change an answer. */
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
#include <sys/stat.h>
#include <utime.h>

#include "pm/puf.h"
#include "puf-internal.h"
#include "testutil.h"

static char *dirs[64];
static unsigned ndirs;

static int free_dirs(void **state)
{
    (void)state;
    while (ndirs)
        free(dirs[--ndirs]);
    return 0;
}

struct files {
    char puf[1024];
    char idx[1100];
};

static void make_files(struct files *f, const char *text)
{
    char *d = (char *)pmt_tempdir("pufidx");
    if (ndirs < 64)
        dirs[ndirs++] = d;
    snprintf(f->puf, sizeof(f->puf), "%s/mbm.puf", d);
    snprintf(f->idx, sizeof(f->idx), "%s.idx", f->puf);
    assert_int_equal(pmt_write_file(f->puf, text, strlen(text)), 0);
}

static unsigned char *read_idx(const struct files *f, size_t *len);

/* A PUF of n generated lines, with a conflict, a duplicate and a malformed line mixed in. */
static char *gen_puf(unsigned n)
{
    struct pm_buf b = PM_BUF_INIT;
    pm_buf_init(&b, 64u << 20);
    pm_buf_puts(&b, "# fields: source|target|smtp|display|server|serverdn\r\n");
    for (unsigned i = 0; i < n; i++)
        pm_buf_printf(
            &b,
            "/o=Fabrikam/ou=Exchange Administrative Group "
            "(FYDIBOHF23SPDLT)/cn=Recipients/cn=user%u|"
            "/o=Contoso/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=u%u|"
            "user%u@contoso.com|User %u||\r\n",
            i, i, i, i);
    pm_buf_puts(
        &b,
        "/o=Fabrikam/cn=Recipients/cn=conflict|/o=Contoso/cn=Recipients/cn=c1|c1@contoso.com\r\n");
    pm_buf_puts(&b, "not a line\r\n");
    pm_buf_puts(
        &b,
        "/o=Fabrikam/cn=Recipients/cn=conflict|/o=Contoso/cn=Recipients/cn=c2|c2@contoso.com\r\n");
    pm_buf_puts(&b,
                "/o=Fabrikam/cn=Recipients/cn=dup|/o=Contoso/cn=Recipients/cn=d|d@contoso.com\r\n");
    pm_buf_puts(&b,
                "/o=Fabrikam/cn=Recipients/cn=dup|/o=Contoso/cn=Recipients/cn=d|d@contoso.com\r\n");
    pm_buf_puts(
        &b, "/o=Fabrikam/cn=Recipients/cn=self|/o=Fabrikam/cn=Recipients/cn=self|s@contoso.com");
    return pm_buf_detach(&b, NULL);
}

/* Files holding a PUF of n generated lines (gen_puf) and its index. */
static void make_indexed(struct files *f, unsigned n)
{
    char *text = gen_puf(n);
    make_files(f, text);
    free(text);
    struct pm_error err;
    assert_int_equal(pm_puf_index_build(f->puf, NULL, &err), 0);
}

#define NQ 9
static void fill_queries(struct pm_puf_query *q, unsigned n)
{
    static char dn[4][200];
    snprintf(
        dn[0], sizeof(dn[0]),
        "/O=FABRIKAM/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=USER%u",
        n / 2);
    snprintf(dn[1], sizeof(dn[1]),
             "/o=Contoso/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=u%u",
             n - 1);
    snprintf(dn[2], sizeof(dn[2]),
             "X500:/o=Fabrikam/ou=Exchange Administrative Group "
             "(FYDIBOHF23SPDLT)/cn=Recipients/cn=user0");
    snprintf(
        dn[3], sizeof(dn[3]),
        "/o=Fabrikam/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=user%u",
        n);
    const char *dns[NQ] = {dn[0],
                           dn[1],
                           dn[2],
                           dn[3],
                           "/o=Fabrikam/cn=Recipients/cn=conflict",
                           "/o=Fabrikam/cn=Recipients/cn=dup",
                           "/o=Fabrikam/cn=Recipients/cn=self",
                           "",
                           "/o=Fabrikam/cn=Recipients/cn=nobody"};
    memset(q, 0, sizeof(*q) * NQ);
    for (unsigned i = 0; i < NQ; i++)
        q[i].dn = dns[i];
}

static void assert_same_answers(const struct pm_puf_query *a, const struct pm_puf_query *b,
                                size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (a[i].match != b[i].match)
            fail_msg("query %zu '%s': %d vs %d", i, a[i].dn, a[i].match, b[i].match);
        assert_int_equal(a[i].entry.line, b[i].entry.line);
        assert_int_equal(a[i].conflict_line, b[i].conflict_line);
        if (a[i].match != PM_PUF_NONE) {
            assert_string_equal(a[i].entry.source_dn, b[i].entry.source_dn);
            assert_string_equal(a[i].entry.target_dn, b[i].entry.target_dn);
            assert_string_equal(a[i].entry.target_smtp, b[i].entry.target_smtp);
        }
    }
}

/* Resolves with the index and with the scan; checks they agree; returns the indexed stats. */
static struct pm_puf_stats resolve_both(const struct files *f, unsigned n)
{
    struct pm_puf_query qi[NQ], qs[NQ];
    struct pm_puf_stats si, ss;
    struct pm_error err;
    fill_queries(qi, n);
    fill_queries(qs, n);
    assert_int_equal(pm_puf_resolve(f->puf, qi, NQ, 0, &si, NULL, NULL, &err), 0);
    assert_int_equal(pm_puf_resolve(f->puf, qs, NQ, PM_PUF_NO_INDEX, &ss, NULL, NULL, &err), 0);
    assert_int_equal(ss.used_index, 0);
    assert_same_answers(qi, qs, NQ);
    /* And the answers are the right ones, not merely equal. */
    assert_int_equal(qs[0].match, PM_PUF_SOURCE);
    assert_int_equal(qs[0].entry.line, n / 2 + 2);
    assert_int_equal(qs[1].match, PM_PUF_TARGET);
    assert_int_equal(qs[2].match, PM_PUF_SOURCE);
    assert_int_equal(qs[3].match, PM_PUF_NONE);
    assert_int_equal(qs[4].match, PM_PUF_CONFLICT);
    assert_int_equal(qs[4].conflict_line, n + 4);
    assert_int_equal(qs[5].match, PM_PUF_SOURCE);
    assert_int_equal(qs[5].entry.line, n + 5);
    assert_int_equal(qs[6].match, PM_PUF_SOURCE);
    assert_int_equal(qs[7].match, PM_PUF_NONE);
    assert_int_equal(qs[8].match, PM_PUF_NONE);
    pm_puf_queries_release(qi, NQ);
    pm_puf_queries_release(qs, NQ);
    return si;
}

static void test_index_answers_like_scan(void **state)
{
    (void)state;
    struct files f;
    char *text = gen_puf(500);
    make_files(&f, text);
    struct pm_error err;
    struct pm_puf_stats st = resolve_both(&f, 500);
    assert_int_equal(st.used_index, 0);
    assert_non_null(strstr(st.index_note, "no index"));

    assert_int_equal(pm_puf_index_build(f.puf, NULL, &err), 0);
    st = resolve_both(&f, 500);
    assert_int_equal(st.used_index, 1);
    assert_non_null(strstr(st.index_note, "used index"));
    assert_int_equal(st.malformed, 1); /* counted when the index was built */
    /* Head and tail fingerprint (8 KiB) plus a few lines, out of ~100 KiB. */
    assert_true(st.bytes_read <= PUF_FP_BLOCKS * PUF_FP_SAMPLE + 4096);
    assert_true(strlen(text) > 50000);
    /* Only the index and the PUF are left in the folder: no temporary files. */
    char tmp[1200];
    snprintf(tmp, sizeof(tmp), "%s.tmp", f.idx);
    struct stat sb;
    assert_int_equal(stat(f.idx, &sb), 0);
    free(text);
}

static void test_index_many_partitions(void **state)
{
    (void)state;
    /* 70,000 lines = 140,000 entries: more than one 2 MiB build pass. */
    struct files f;
    make_indexed(&f, 70000);
    struct pm_error err;
    struct pm_puf_stats st = resolve_both(&f, 70000);
    assert_int_equal(st.used_index, 1);
    assert_true(st.bytes_read <= PUF_FP_BLOCKS * PUF_FP_SAMPLE + 4096);
    /* On a share each read is a round trip: the header comes with the whole directory (2^12
     * buckets at most at this size), so each of the 8 lookups (the ninth query is empty) is one
     * read of its bucket. */
    size_t len;
    unsigned char *idx = read_idx(&f, &len);
    assert_true(idx[48] <= 12);
    free(idx);
    assert_int_equal(st.index_reads, 1 + 8);
    assert_non_null(strstr(st.index_note, "in 9 reads)"));
    /* Four buckets of about 52,000 entries each: a bucket larger than one read is read in parts
     * (16,384 entries each) and its checksum chained across them, as the builder summed it. */
    assert_int_equal(puf_index_build_bits(f.puf, f.idx, 2, &err), 0);
    st = resolve_both(&f, 70000);
    assert_int_equal(st.used_index, 1);
    assert_int_equal(st.index_reads, 1 + 8 * 4);
    /* Every 997th mailbox, asked for by index, is found on its line. */
    for (unsigned i = 0; i < 70000; i += 997) {
        char dn[200];
        snprintf(dn, sizeof(dn),
                 "/o=Fabrikam/ou=Exchange Administrative Group "
                 "(FYDIBOHF23SPDLT)/cn=Recipients/cn=user%u",
                 i);
        struct pm_puf_query q = {.dn = dn};
        assert_int_equal(pm_puf_resolve(f.puf, &q, 1, 0, &st, NULL, NULL, &err), 0);
        assert_int_equal(st.used_index, 1);
        assert_int_equal(q.match, PM_PUF_SOURCE);
        assert_int_equal(q.entry.line, i + 2);
        pm_puf_queries_release(&q, 1);
    }
}

/* An index whose directory does not come with the header (laid out with 2^16 buckets, as an
 * earlier release did for a large PUF) still answers like the scan, reading two slots and then
 * the bucket for each lookup. */
static void test_index_large_directory(void **state)
{
    (void)state;
    struct files f;
    char *text = gen_puf(3000);
    make_files(&f, text);
    free(text);
    struct pm_error err;
    assert_int_equal(puf_index_build_bits(f.puf, NULL, 16, &err), 0);
    size_t len;
    unsigned char *idx = read_idx(&f, &len);
    assert_int_equal(idx[48], 16);
    free(idx);
    struct pm_puf_stats st = resolve_both(&f, 3000);
    assert_int_equal(st.used_index, 1);
    /* The header, the slots of each of the 8 lookups, and the buckets that hold entries. */
    assert_true(st.index_reads > 1 + 8 && st.index_reads <= 1 + 2 * 8);
    /* Built again with the builder's own choice: one read a lookup. */
    assert_int_equal(pm_puf_index_build(f.puf, NULL, &err), 0);
    st = resolve_both(&f, 3000);
    assert_int_equal(st.used_index, 1);
    assert_true(st.index_reads <= 1 + 8);
}

/* The index of a pilot wave's PUF (a hundred lines) fits in the first read: the lookups read
 * the PUF's lines and nothing more of the index. */
static void test_index_small_read_once(void **state)
{
    (void)state;
    struct files f;
    make_indexed(&f, 100);
    struct pm_puf_stats st = resolve_both(&f, 100);
    assert_int_equal(st.used_index, 1);
    assert_int_equal(st.index_reads, 1);
}

static void count_warning(void *ctx, const char *where, unsigned line, const char *msg)
{
    (void)where;
    (void)line;
    (void)msg;
    ++*(int *)ctx;
}

/* Asked ahead: each source found is asked again by its target DN in the same pass over the index,
 * as a run will ask once the profile names the target; the answer is the line the source's was
 * (read once), and the questions already asked or scanned for are not asked ahead. */
static void test_index_asks_ahead(void **state)
{
    (void)state;
    struct files f;
    /* With a malformed line: the index's count of them is a warning about no question, which
     * keeps nothing from being asked ahead. */
    make_indexed(&f, 3000);
    struct pm_error err;
    const char *fab = "/o=Fabrikam/ou=Exchange Administrative Group "
                      "(FYDIBOHF23SPDLT)/cn=Recipients/cn=";
    const char *con = "/o=Contoso/ou=Exchange Administrative Group "
                      "(FYDIBOHF23SPDLT)/cn=Recipients/cn=";
    char dn[4][200];
    snprintf(dn[0], sizeof(dn[0]), "%suser5", fab);
    snprintf(dn[1], sizeof(dn[1]), "X500:%suser7", fab);
    snprintf(dn[2], sizeof(dn[2]), "%sU7", con); /* user7's target, asked already */
    snprintf(dn[3], sizeof(dn[3]), "%snobody", fab);
    struct pm_puf_query q[4], ahead_q[4];
    memset(q, 0, sizeof(q));
    for (int i = 0; i < 4; i++)
        q[i].dn = dn[i];
    struct pm_puf_ahead ahead = {ahead_q, 4, 99};
    struct pm_puf_stats st, plain;
    assert_int_equal(
        pm_puf_resolve_ahead(f.puf, NULL, q, 4, 0, NULL, &ahead, &st, NULL, NULL, &err), 0);
    assert_int_equal(st.used_index, 1);
    assert_int_equal(q[0].match, PM_PUF_SOURCE);
    assert_int_equal(q[1].match, PM_PUF_SOURCE);
    assert_int_equal(q[2].match, PM_PUF_TARGET);
    assert_int_equal(ahead.n, 1); /* user5's target; user7's was asked */
    assert_ptr_equal(ahead.q[0].dn, q[0].entry.target_dn);
    assert_int_equal(ahead.q[0].match, PM_PUF_TARGET);
    assert_int_equal(ahead.q[0].entry.line, q[0].entry.line);
    assert_string_equal(ahead.q[0].entry.source_dn, q[0].entry.source_dn);
    /* The same lookup without asking ahead reads the same PUF bytes (the line is read once) and
     * one bucket less. */
    struct pm_puf_query q2[4];
    memset(q2, 0, sizeof(q2));
    for (int i = 0; i < 4; i++)
        q2[i].dn = dn[i];
    assert_int_equal(pm_puf_resolve(f.puf, q2, 4, 0, &plain, NULL, NULL, &err), 0);
    assert_true(plain.bytes_read == st.bytes_read);
    assert_int_equal(st.index_reads, plain.index_reads + 1);
    pm_puf_queries_release(ahead.q, ahead.n);
    pm_puf_queries_release(q2, 4);
    pm_puf_queries_release(q, 4);

    /* A scan asks nothing ahead. */
    ahead.n = 99;
    assert_int_equal(pm_puf_resolve_ahead(f.puf, NULL, q, 4, PM_PUF_NO_INDEX, NULL, &ahead, &st,
                                          NULL, NULL, &err),
                     0);
    assert_int_equal(st.used_index, 0);
    assert_int_equal(q[0].match, PM_PUF_SOURCE);
    assert_int_equal(ahead.n, 0);
    pm_puf_queries_release(q, 4);
}

/* Questions asked ahead are for a cache that keeps lookups that warned about no question: a
 * warning from one of them drops them all, and a lookup that warned about a question asks
 * nothing ahead. Neither changes
 * the answers or the warnings of the questions asked. */
static void test_index_ahead_warnings(void **state)
{
    (void)state;
    struct files f;
    make_files(&f, "/o=Fabrikam/cn=Recipients/cn=chain|/o=Contoso/cn=Recipients/cn=chained|"
                   "c@contoso.com\n"
                   "/o=Contoso/cn=Recipients/cn=chained|/o=Other/cn=Recipients/cn=x|x@other.com\n"
                   "/o=Contoso/cn=Recipients/cn=chained|/o=Other/cn=Recipients/cn=x|x@other.com\n"
                   "/o=Fabrikam/cn=Recipients/cn=plain|/o=Contoso/cn=Recipients/cn=plain|"
                   "p@contoso.com\n"
                   "/o=Fabrikam/cn=Recipients/cn=twice|/o=Contoso/cn=Recipients/cn=twice|"
                   "t@contoso.com\n"
                   "/o=Fabrikam/cn=Recipients/cn=twice|/o=Contoso/cn=Recipients/cn=twice|"
                   "t@contoso.com\n");
    struct pm_error err;
    assert_int_equal(pm_puf_index_build(f.puf, NULL, &err), 0);
    struct pm_puf_query q[2], ahead_q[2];
    struct pm_puf_ahead ahead = {ahead_q, 2, 0};
    struct pm_puf_stats st;
    int warnings = 0;
    /* chain's target is itself listed twice (a warning if asked): nothing kept ahead. */
    memset(q, 0, sizeof(q));
    q[0].dn = "/o=Fabrikam/cn=Recipients/cn=chain";
    q[1].dn = "/o=Fabrikam/cn=Recipients/cn=plain";
    assert_int_equal(pm_puf_resolve_ahead(f.puf, NULL, q, 2, 0, NULL, &ahead, &st, count_warning,
                                          &warnings, &err),
                     0);
    assert_int_equal(st.used_index, 1);
    assert_int_equal(warnings, 0);
    assert_int_equal(q[0].match, PM_PUF_SOURCE);
    assert_int_equal(ahead.n, 0);
    pm_puf_queries_release(q, 2);
    /* A question that warns (twice is listed twice): nothing asked ahead, its warning given. */
    memset(q, 0, sizeof(q));
    q[0].dn = "/o=Fabrikam/cn=Recipients/cn=twice";
    q[1].dn = "/o=Fabrikam/cn=Recipients/cn=plain";
    uint64_t reads_asked = 0;
    assert_int_equal(pm_puf_resolve_ahead(f.puf, NULL, q, 2, 0, NULL, &ahead, &st, count_warning,
                                          &warnings, &err),
                     0);
    reads_asked = st.index_reads;
    assert_int_equal(warnings, 1);
    assert_int_equal(q[1].match, PM_PUF_SOURCE);
    assert_int_equal(ahead.n, 0);
    pm_puf_queries_release(q, 2);
    /* Without the warning, plain's target is asked ahead. */
    memset(q, 0, sizeof(q));
    q[0].dn = "/o=Fabrikam/cn=Recipients/cn=plain";
    assert_int_equal(
        pm_puf_resolve_ahead(f.puf, NULL, q, 1, 0, NULL, &ahead, &st, NULL, NULL, &err), 0);
    assert_int_equal(ahead.n, 1);
    assert_int_equal(ahead.q[0].match, PM_PUF_TARGET);
    assert_true(reads_asked >= 1);
    pm_puf_queries_release(ahead.q, ahead.n);
    pm_puf_queries_release(q, 1);
}

static void append(const char *path, const char *text)
{
    FILE *fp = fopen(path, "ab");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static void set_mtime(const char *path, time_t t)
{
    struct utimbuf ut = {t, t};
    assert_int_equal(utime(path, &ut), 0);
}

static void test_index_stale_after_append(void **state)
{
    (void)state;
    struct files f;
    char *text = gen_puf(100);
    make_files(&f, text);
    struct pm_error err;
    assert_int_equal(pm_puf_index_build(f.puf, NULL, &err), 0);
    const char *line =
        "\n/o=Fabrikam/cn=Recipients/cn=late|/o=Contoso/cn=Recipients/cn=late|late@contoso.com\n";
    append(f.puf, line);
    struct pm_puf_query q = {.dn = "/o=Fabrikam/cn=Recipients/cn=late"};
    struct pm_puf_stats st;
    assert_int_equal(pm_puf_resolve(f.puf, &q, 1, 0, &st, NULL, NULL, &err), 0);
    assert_int_equal(st.used_index, 0);
    char want[200];
    snprintf(want, sizeof(want), "index is stale: puf grew from %zu to %zu bytes", strlen(text),
             strlen(text) + strlen(line));
    assert_string_equal(st.index_note, want);
    assert_int_equal(q.match, PM_PUF_SOURCE); /* the scan found the new line */
    pm_puf_queries_release(&q, 1);
    /* Rebuilding makes it current again. */
    assert_int_equal(pm_puf_index_build(f.puf, NULL, &err), 0);
    assert_int_equal(pm_puf_resolve(f.puf, &q, 1, 0, &st, NULL, NULL, &err), 0);
    assert_int_equal(st.used_index, 1);
    assert_int_equal(q.match, PM_PUF_SOURCE);
    pm_puf_queries_release(&q, 1);
    /* --no-index scans even then, and says so. */
    assert_int_equal(pm_puf_resolve(f.puf, &q, 1, PM_PUF_NO_INDEX, &st, NULL, NULL, &err), 0);
    assert_int_equal(st.used_index, 0);
    assert_non_null(strstr(st.index_note, "--no-index"));
    assert_int_equal(q.match, PM_PUF_SOURCE);
    pm_puf_queries_release(&q, 1);
    free(text);
}

/* A fingerprint the caller vouches for (the local cache: the PUF and the index kept their
 * identity since it was proved) spares the four block reads; only the very fingerprint the header
 * records is trusted, any other is proved again by reading the blocks. */
static void test_index_known_fingerprint(void **state)
{
    (void)state;
    struct files f;
    char *text = gen_puf(3000);
    size_t size = strlen(text);
    make_files(&f, text);
    struct pm_error err;
    assert_int_equal(pm_puf_index_build(f.puf, NULL, &err), 0);

    /* The fingerprint an index lookup was proved for is given back. */
    struct pm_puf_query q = {.dn = "/o=Fabrikam/cn=Recipients/cn=dup"};
    struct pm_puf_stats proved;
    assert_int_equal(pm_puf_resolve(f.puf, &q, 1, 0, &proved, NULL, NULL, &err), 0);
    pm_puf_queries_release(&q, 1);
    assert_int_equal(proved.used_index, 1);
    assert_int_equal(proved.index_fp[0], size);
    for (int i = 1; i < PM_PUF_FP_WORDS; i++)
        assert_int_not_equal(proved.index_fp[i], 0);

    /* Trusted: the same answer, without the blocks' bytes. */
    struct pm_puf_stats st;
    q = (struct pm_puf_query){.dn = "/o=Fabrikam/cn=Recipients/cn=dup"};
    assert_int_equal(
        pm_puf_resolve_known(f.puf, NULL, &q, 1, 0, proved.index_fp, &st, NULL, NULL, &err), 0);
    assert_int_equal(st.used_index, 1);
    assert_int_equal(q.match, PM_PUF_SOURCE);
    assert_true(st.bytes_read + 4 * 4096 <= proved.bytes_read);
    assert_memory_equal(st.index_fp, proved.index_fp, sizeof(st.index_fp));
    pm_puf_queries_release(&q, 1);

    /* The head's byte changed in place: proved again it is stale; trusted it is not read. */
    char *edited = strdup(text);
    edited[10] ^= 0x20;
    assert_int_equal(pmt_write_file(f.puf, edited, size), 0);
    q = (struct pm_puf_query){.dn = "/o=Fabrikam/cn=Recipients/cn=dup"};
    assert_int_equal(pm_puf_resolve_known(f.puf, NULL, &q, 1, 0, NULL, &st, NULL, NULL, &err), 0);
    assert_int_equal(st.index_state, PM_PUF_INDEX_STALE);
    pm_puf_queries_release(&q, 1);
    q = (struct pm_puf_query){.dn = "/o=Fabrikam/cn=Recipients/cn=dup"};
    assert_int_equal(
        pm_puf_resolve_known(f.puf, NULL, &q, 1, 0, proved.index_fp, &st, NULL, NULL, &err), 0);
    assert_int_equal(st.index_state, PM_PUF_INDEX_USED);
    pm_puf_queries_release(&q, 1);

    /* A fingerprint other than the header's, in any word, is not trusted: the blocks are read. */
    for (int w = 0; w < PM_PUF_FP_WORDS; w++) {
        uint64_t other[PM_PUF_FP_WORDS];
        memcpy(other, proved.index_fp, sizeof(other));
        other[w] ^= 1;
        q = (struct pm_puf_query){.dn = "/o=Fabrikam/cn=Recipients/cn=dup"};
        assert_int_equal(
            pm_puf_resolve_known(f.puf, NULL, &q, 1, 0, other, &st, NULL, NULL, &err), 0);
        if (st.index_state != PM_PUF_INDEX_STALE)
            fail_msg("word %d changed: %s", w, st.index_note);
        pm_puf_queries_release(&q, 1);
    }
    free(edited);
    free(text);
}


/* The index is judged by content: copied with the PUF to another folder with new modification
 * times it is still used; one byte changed inside a sampled block, or another size, makes it
 * stale. An edit outside the sampled blocks that keeps the size is not seen (the documented
 * trade-off), and even then the answers come from the PUF as it is: every line the index points
 * at is read again. */
static void test_index_survives_copy(void **state)
{
    (void)state;
    struct files f, c;
    char *text = gen_puf(3000);
    size_t size = strlen(text);
    make_files(&f, text);
    struct pm_error err;
    assert_int_equal(pm_puf_index_build(f.puf, NULL, &err), 0);
    size_t ilen;
    unsigned char *idx = read_idx(&f, &ilen);
    make_files(&c, text); /* the copy: new files, new times */
    assert_int_equal(pmt_write_file(c.idx, idx, ilen), 0);
    set_mtime(c.puf, 1700000000);
    set_mtime(c.idx, 1600000000);
    struct pm_puf_stats st = resolve_both(&c, 3000);
    assert_int_equal(st.used_index, 1);
    assert_int_equal(st.index_state, PM_PUF_INDEX_USED);

    /* One byte inside each sampled block in turn (same size): stale. */
    for (int b = 0; b < PUF_FP_BLOCKS; b++) {
        size_t blen;
        uint64_t boff = puf_fp_block_offset(size, b, &blen);
        char *edited = strdup(text);
        edited[boff + blen / 2] ^= 0x20;
        assert_int_equal(pmt_write_file(c.puf, edited, size), 0);
        struct pm_puf_query q = {.dn = "/o=Fabrikam/cn=Recipients/cn=self"};
        assert_int_equal(pm_puf_resolve(c.puf, &q, 1, 0, &st, NULL, NULL, &err), 0);
        assert_int_equal(st.used_index, 0);
        assert_int_equal(st.index_state, PM_PUF_INDEX_STALE);
        if (!strstr(st.index_note, "content changed"))
            fail_msg("block %d: %s", b, st.index_note);
        pm_puf_queries_release(&q, 1);
        free(edited);
    }
    /* Another size: stale, and the note says by how much. */
    assert_int_equal(pmt_write_file(c.puf, text, size - 1), 0);
    st = (struct pm_puf_stats){0};
    struct pm_puf_query q = {.dn = "/o=Fabrikam/cn=Recipients/cn=dup"};
    assert_int_equal(pm_puf_resolve(c.puf, &q, 1, 0, &st, NULL, NULL, &err), 0);
    assert_int_equal(st.index_state, PM_PUF_INDEX_STALE);
    assert_non_null(strstr(st.index_note, "shrank"));
    pm_puf_queries_release(&q, 1);

    /* The middle line's target changed in place, outside every sampled block, same size: the
     * index is used, and the answer is the edited line's (the scan agrees). */
    char old[200], now[200];
    snprintf(old, sizeof(old), "Recipients/cn=u%u|", 1500);
    snprintf(now, sizeof(now), "Recipients/cn=x%u|", 1500);
    char *edited = strdup(text);
    char *at = strstr(edited, old);
    assert_non_null(at);
    for (int b = 0; b < PUF_FP_BLOCKS; b++) {
        size_t blen;
        uint64_t boff = puf_fp_block_offset(size, b, &blen);
        assert_true((uint64_t)(at - edited) >= boff + blen ||
                    (uint64_t)(at - edited) + strlen(old) <= boff);
    }
    memcpy(at, now, strlen(now));
    assert_int_equal(pmt_write_file(c.puf, edited, size), 0);
    struct pm_puf_query qi[NQ], qs[NQ];
    struct pm_puf_stats ss;
    fill_queries(qi, 3000);
    fill_queries(qs, 3000);
    assert_int_equal(pm_puf_resolve(c.puf, qi, NQ, 0, &st, NULL, NULL, &err), 0);
    assert_int_equal(pm_puf_resolve(c.puf, qs, NQ, PM_PUF_NO_INDEX, &ss, NULL, NULL, &err), 0);
    assert_int_equal(st.used_index, 1);
    assert_same_answers(qi, qs, NQ);
    assert_non_null(strstr(qi[0].entry.target_dn, "cn=x1500"));
    pm_puf_queries_release(qi, NQ);
    pm_puf_queries_release(qs, NQ);
    free(edited);
    free(idx);
    free(text);
}

static unsigned char *read_idx(const struct files *f, size_t *len)
{
    unsigned char *d = (unsigned char *)pmt_read_file(f->idx, len);
    assert_non_null(d);
    return d;
}

static uint64_t le64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static void put64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void test_index_damage_falls_back(void **state)
{
    (void)state;
    struct files f;
    make_indexed(&f, 300);
    size_t len;
    unsigned char *good = read_idx(&f, &len);
    uint64_t entries = le64(good + 72);
    for (int c = 0; c < 5; c++) {
        unsigned char *bad = malloc(len);
        memcpy(bad, good, len);
        size_t blen = len;
        const char *note = "checksum";
        if (c == 0) {
            bad[0] ^= 0x40;
            note = "is not an index file";
        } else if (c == 1) {
            bad[20] ^= 0x40; /* the recorded PUF size */
            note = "header checksum";
        } else if (c == 2) {
            /* Cut inside the entries: a run does not ask the file's size (a round trip on a
             * share), the lookup's read past the cut comes back short. */
            blen = (size_t)entries + 5;
            note = "damaged (short read)";
        } else if (c == 3) {
            /* Every slot's checksum changed: whichever bucket a query reads is refused. */
            for (size_t i = PUF_IDX_HEADER; i < entries; i += PUF_IDX_SLOT)
                bad[i + 8] ^= 1;
        } else {
            for (size_t i = entries; i < len; i += PUF_IDX_REC)
                bad[i + 17] ^= 1;
        }
        assert_int_equal(pmt_write_file(f.idx, bad, blen), 0);
        struct pm_puf_stats st = resolve_both(&f, 300);
        assert_int_equal(st.used_index, 0);
        if (!strstr(st.index_note, note))
            fail_msg("case %d: note '%s' lacks '%s'", c, st.index_note, note);
        free(bad);
    }
    /* Cut where no query of the run reads: the run's answers are still the scan's (resolve_both
     * compares them), and puf check, which does ask the size, calls the index damaged. */
    assert_int_equal(pmt_write_file(f.idx, good, len - 7), 0);
    struct pm_puf_stats st = resolve_both(&f, 300);
    (void)st;
    struct pm_puf_stats cs;
    assert_int_equal(pm_puf_index_status(f.puf, &cs), PM_PUF_INDEX_DAMAGED);
    assert_non_null(strstr(cs.index_note, "damaged (size)"));
    free(good);
}

/* Finds the bucket of 'hash' and returns the byte offset of its slot. */
static size_t slot_of(const unsigned char *idx, uint64_t hash)
{
    uint32_t bits = (uint32_t)idx[48] | ((uint32_t)idx[49] << 8);
    uint32_t b = bits ? (uint32_t)(hash >> (64 - bits)) : 0;
    return (size_t)le64(idx + 64) + (size_t)b * PUF_IDX_SLOT;
}

static void reseal_bucket(unsigned char *idx, size_t slot)
{
    uint64_t start = le64(idx + slot), end = le64(idx + slot + PUF_IDX_SLOT);
    uint32_t b = (uint32_t)((slot - le64(idx + 64)) / PUF_IDX_SLOT);
    put64(idx + slot + 8, puf_index_bucket_sum(b, start, idx + le64(idx + 72) + start * PUF_IDX_REC,
                                               (size_t)(end - start)));
}

static void test_index_collision_is_verified(void **state)
{
    (void)state;
    struct files f;
    make_indexed(&f, 300);
    struct pm_error err;
    size_t len;
    unsigned char *idx = read_idx(&f, &len);
    /* A DN that is not in the PUF, whose bucket holds entries: make one of them claim its hash,
     * as a real 64-bit collision would, with a correct checksum. */
    char ghost[100];
    size_t slot = 0, at = 0;
    uint64_t h = 0;
    for (unsigned i = 0;; i++) {
        snprintf(ghost, sizeof(ghost), "/o=Fabrikam/cn=Recipients/cn=ghost%u", i);
        h = puf_key_hash(ghost, strlen(ghost));
        slot = slot_of(idx, h);
        if (le64(idx + slot + PUF_IDX_SLOT) > le64(idx + slot))
            break;
    }
    /* Its first entry of a DN (kinds 0 and 1: bits 62-63 clear or 62 only); the bucket also
     * holds the SMTP entries, which a question by DN does not look at. */
    at = (size_t)le64(idx + 72) + (size_t)le64(idx + slot) * PUF_IDX_REC;
    while ((le64(idx + at + 8) >> 63) != 0)
        at += PUF_IDX_REC;
    assert_true(at <
                (size_t)le64(idx + 72) + (size_t)le64(idx + slot + PUF_IDX_SLOT) * PUF_IDX_REC);
    put64(idx + at, h);
    reseal_bucket(idx, slot);
    assert_int_equal(pmt_write_file(f.idx, idx, len), 0);
    struct pm_puf_query q = {.dn = ghost};
    struct pm_puf_stats st;
    assert_int_equal(pm_puf_resolve(f.puf, &q, 1, 0, &st, NULL, NULL, &err), 0);
    assert_int_equal(st.used_index, 1);     /* the index was fine to use ... */
    assert_int_equal(q.match, PM_PUF_NONE); /* ... and the colliding line was not taken */
    assert_true(st.bytes_read >
                PUF_FP_BLOCKS * PUF_FP_SAMPLE); /* because it was read and compared */

    /* An entry pointing into the middle of a line (checksum made right) is caught too. */
    uint64_t packed = le64(idx + at + 8);
    put64(idx + at + 8, packed + 1);
    reseal_bucket(idx, slot);
    assert_int_equal(pmt_write_file(f.idx, idx, len), 0);
    assert_int_equal(pm_puf_resolve(f.puf, &q, 1, 0, &st, NULL, NULL, &err), 0);
    assert_int_equal(st.used_index, 0);
    assert_non_null(strstr(st.index_note, "does not match the puf"));
    assert_int_equal(q.match, PM_PUF_NONE);
    free(idx);
}

/* A v2 PUF of n mailboxes: each with its source address in field 7 (every third spelled
 * "SMTP:..."), every fifth with an old X500 line repeating it, a field-7 conflict, an address
 * that moved with its mailbox (field 7 = field 3), and a six-field line. */
static char *gen_puf_v2(unsigned n)
{
    struct pm_buf b = PM_BUF_INIT;
    pm_buf_init(&b, 1u << 20);
    pm_buf_puts(&b, "#fields: source_dn|target_dn|target_smtp|target_display|target_server|"
                    "target_server_dn|source_smtp|target_upn|target_archive_guid\n");
    for (unsigned i = 0; i < n; i++) {
        const char *tail =
            "/o=Contoso/cn=Recipients/cn=u%u|u%u@contoso.com||||%suser%u@fabrikam.com|"
            "u%u@corp.contoso.com|0f1e2d3c-4b5a-6978-8796-%012x\n";
        pm_buf_printf(&b, "/o=Fabrikam/cn=Recipients/cn=user%u|", i);
        pm_buf_printf(&b, tail, i, i, i % 3 ? "" : "SMTP:", i, i, i);
        if (i % 5 == 0) {
            pm_buf_printf(&b, "/o=Fabrikam/ou=Old/cn=Recipients/cn=user%u|", i);
            pm_buf_printf(&b, tail, i, i, "", i, i, i);
        }
    }
    pm_buf_puts(&b, "/o=Fabrikam/cn=Recipients/cn=hr1|/o=Contoso/cn=hr1|hr1@contoso.com||||"
                    "hr@fabrikam.com\n"
                    "/o=Fabrikam/cn=Recipients/cn=hr2|/o=Contoso/cn=hr2|hr2@contoso.com||||"
                    "hr@fabrikam.com\n"
                    "/o=Fabrikam/cn=Recipients/cn=kept|/o=Contoso/cn=kept|kept@contoso.com||||"
                    "kept@contoso.com\n"
                    "/o=Fabrikam/cn=Recipients/cn=old|/o=Contoso/cn=old|old@contoso.com|Old\n");
    return pm_buf_detach(&b, NULL);
}

#define NQ2 9
static void fill_smtp_queries(struct pm_puf_query *q, unsigned n)
{
    static char a[3][100];
    snprintf(a[0], sizeof(a[0]), "USER%u@fabrikam.com", n / 2);
    snprintf(a[1], sizeof(a[1]), "smtp:user%u@fabrikam.com", n - 5 - (n % 5));
    snprintf(a[2], sizeof(a[2]), "u%u@contoso.com", n / 3);
    const char *addr[NQ2] = {a[0],
                             a[1],
                             a[2],
                             "hr@fabrikam.com",
                             "kept@contoso.com",
                             "old@contoso.com",
                             "nobody@fabrikam.com",
                             "",
                             "/o=Fabrikam/cn=Recipients/cn=user1"};
    memset(q, 0, sizeof(*q) * NQ2);
    for (unsigned i = 0; i < NQ2; i++) {
        q[i].by = PM_PUF_BY_SMTP;
        q[i].smtp = addr[i];
    }
}

static void test_index_by_smtp(void **state)
{
    (void)state;
    const unsigned n = 3000;
    struct files f;
    char *text = gen_puf_v2(n);
    make_files(&f, text);
    free(text);
    struct pm_error err;
    assert_int_equal(pm_puf_index_build(f.puf, NULL, &err), 0);
    struct pm_puf_query qi[NQ2], qs[NQ2];
    struct pm_puf_stats si, ss;
    fill_smtp_queries(qi, n);
    fill_smtp_queries(qs, n);
    assert_int_equal(pm_puf_resolve(f.puf, qi, NQ2, 0, &si, NULL, NULL, &err), 0);
    assert_int_equal(pm_puf_resolve(f.puf, qs, NQ2, PM_PUF_NO_INDEX, &ss, NULL, NULL, &err), 0);
    if (!si.used_index)
        fail_msg("index not used: %s", si.index_note);
    assert_true(si.bytes_read <= PUF_FP_BLOCKS * PUF_FP_SAMPLE + 4096);
    assert_same_answers(qi, qs, NQ2);
    for (unsigned i = 0; i < NQ2; i++)
        if (qs[i].match != PM_PUF_NONE) {
            assert_string_equal(qi[i].entry.target_upn ? qi[i].entry.target_upn : "-",
                                qs[i].entry.target_upn ? qs[i].entry.target_upn : "-");
            assert_int_equal(qi[i].entry.source_smtp == NULL, qs[i].entry.source_smtp == NULL);
        }
    /* The answers themselves. */
    assert_int_equal(qs[0].match, PM_PUF_SOURCE);
    char want[100];
    snprintf(want, sizeof(want), "/o=Contoso/cn=Recipients/cn=u%u", n / 2);
    assert_string_equal(qs[0].entry.target_dn, want);
    assert_int_equal(qs[1].match, PM_PUF_SOURCE); /* the first of its two lines */
    assert_string_equal(qs[1].entry.source_dn + strlen("/o=Fabrikam/"),
                        "cn=Recipients/cn=user2995");
    assert_int_equal(qs[2].match, PM_PUF_TARGET);
    assert_int_equal(qs[3].match, PM_PUF_CONFLICT);
    assert_int_equal(qs[3].conflict_line, qs[3].entry.line + 1);
    assert_int_equal(qs[4].match, PM_PUF_SOURCE);
    assert_int_equal(qs[5].match, PM_PUF_TARGET); /* a six-field line's field 3 */
    assert_int_equal(qs[6].match, PM_PUF_NONE);
    assert_int_equal(qs[7].match, PM_PUF_NONE);
    assert_int_equal(qs[8].match, PM_PUF_NONE); /* a DN asked as an address */
    pm_puf_queries_release(qi, NQ2);
    pm_puf_queries_release(qs, NQ2);
}

static void test_index_old_version_scans(void **state)
{
    (void)state;
    /* An index written before v2 knows no addresses: it must not answer, even when it is
     * otherwise current (sealed for this PUF). */
    struct files f;
    char *text = gen_puf_v2(200);
    make_files(&f, text);
    free(text);
    struct pm_error err;
    assert_int_equal(pm_puf_index_build(f.puf, NULL, &err), 0);
    size_t len;
    unsigned char *idx = read_idx(&f, &len);
    assert_int_equal(idx[8], 3); /* this format's version */
    /* Version 1 (no addresses) and version 2 (judged by modification time): both older, both
     * refused with a note that says to rebuild; the PUF is read whole and answers right. */
    for (unsigned char v = 1; v <= 2; v++) {
        idx[8] = v;
        put64(idx + 104, puf_bytes_hash(0x1dc, idx, 104));
        assert_int_equal(pmt_write_file(f.idx, idx, len), 0);
        struct pm_puf_query q = {.by = PM_PUF_BY_SMTP, .smtp = "user7@fabrikam.com"};
        struct pm_puf_stats st;
        assert_int_equal(pm_puf_resolve(f.puf, &q, 1, 0, &st, NULL, NULL, &err), 0);
        assert_int_equal(st.used_index, 0);
        assert_int_equal(st.index_state, PM_PUF_INDEX_OLD_FORMAT);
        if (!strstr(st.index_note, "has another format version; scanning") ||
            !strstr(st.index_note, "puf index"))
            fail_msg("note: %s", st.index_note);
        assert_int_equal(q.match, PM_PUF_SOURCE);
        assert_int_equal(q.entry.line, 11);
        pm_puf_queries_release(&q, 1);
    }
    free(idx);
}

static void test_index_build_errors(void **state)
{
    (void)state;
    struct files f;
    make_files(&f, "");
    struct pm_error err;
    /* An empty PUF indexes fine and answers NONE. */
    assert_int_equal(pm_puf_index_build(f.puf, NULL, &err), 0);
    struct pm_puf_query q = {.dn = "/o=A/cn=b"};
    struct pm_puf_stats st;
    assert_int_equal(pm_puf_resolve(f.puf, &q, 1, 0, &st, NULL, NULL, &err), 0);
    assert_int_equal(st.used_index, 1);
    assert_int_equal(q.match, PM_PUF_NONE);
    char missing[1200];
    snprintf(missing, sizeof(missing), "%s.nope", f.puf);
    assert_int_equal(pm_puf_index_build(missing, NULL, &err), PM_ERR_IO);
    assert_non_null(strstr(err.msg, "missing"));
    assert_non_null(strstr(err.where, ".nope"));
    /* The index of a missing PUF must not make it look present. */
    assert_int_equal(pm_puf_resolve(missing, &q, 1, 0, &st, NULL, NULL, &err), PM_ERR_IO);
}

struct seen {
    unsigned long long done[64], total[64];
    size_t n;
};

static void record(void *ctx, unsigned long long done, unsigned long long total)
{
    struct seen *s = ctx;
    if (s->n < 64) {
        s->done[s->n] = done;
        s->total[s->n] = total;
    }
    s->n++;
}

/* Building with progress reports the bytes of the PUF scanned out of its size: from 0, rising,
 * about once a MiB, done == total once and last (when the index is in place); the index is the
 * same as without progress, and a build that fails never reports 100%. */
static void test_index_build_progress(void **state)
{
    (void)state;
    struct files f;
    char *text = gen_puf(20000);
    make_files(&f, text);
    unsigned long long size = strlen(text);
    free(text);
    assert_true(size > 4000000);
    struct pm_error err;
    assert_int_equal(pm_puf_index_build(f.puf, NULL, &err), 0);
    size_t plain_len, len;
    char *plain = pmt_read_file(f.idx, &plain_len);
    assert_non_null(plain);

    struct seen s = {0};
    struct pm_progress p = {record, &s};
    assert_int_equal(pm_puf_index_build_progress(f.puf, NULL, &p, &err), 0);
    char *idx = pmt_read_file(f.idx, &len);
    assert_non_null(idx);
    assert_int_equal(len, plain_len);
    assert_memory_equal(idx, plain, len);
    free(idx);
    free(plain);

    assert_true(s.n >= 4 && s.n <= size / (1u << 20) + 2);
    assert_true(s.done[0] == 0);
    for (size_t i = 0; i < s.n; i++) {
        assert_true(s.total[i] == size);
        assert_true((s.done[i] == size) == (i == s.n - 1));
        if (i)
            assert_true(s.done[i] > s.done[i - 1]);
    }

    char missing[1200];
    snprintf(missing, sizeof(missing), "%s.nope", f.puf);
    memset(&s, 0, sizeof(s));
    assert_int_equal(pm_puf_index_build_progress(missing, NULL, &p, &err), PM_ERR_IO);
    for (size_t i = 0; i < s.n; i++)
        assert_true(s.done[i] < s.total[i]);
    /* NULL progress is the plain build. */
    assert_int_equal(pm_puf_index_build_progress(f.puf, NULL, NULL, &err), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_index_answers_like_scan),
        cmocka_unit_test(test_index_many_partitions),
        cmocka_unit_test(test_index_large_directory),
        cmocka_unit_test(test_index_small_read_once),
        cmocka_unit_test(test_index_asks_ahead),
        cmocka_unit_test(test_index_ahead_warnings),
        cmocka_unit_test(test_index_stale_after_append),
        cmocka_unit_test(test_index_survives_copy),
        cmocka_unit_test(test_index_known_fingerprint),
        cmocka_unit_test(test_index_damage_falls_back),
        cmocka_unit_test(test_index_collision_is_verified),
        cmocka_unit_test(test_index_by_smtp),
        cmocka_unit_test(test_index_old_version_scans),
        cmocka_unit_test(test_index_build_errors),
        cmocka_unit_test(test_index_build_progress),
    };
    return cmocka_run_group_tests(tests, NULL, free_dirs);
}
