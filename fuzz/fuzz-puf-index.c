/* Fuzz target for the PUF index read path: a hostile or damaged "mbm.puf.idx" must never crash
 * a run or change its answers. A fixed PUF is indexed once; each input then replaces the index:
 *   byte 0 % 4 == 0: the rest is the whole index file;
 *              == 1: the same, with the header re-sealed for the PUF (magic, fingerprint and
 *                    header checksum made right), so the fuzzer reaches the bucket reads;
 *              == 2: the rest is a list of (u16 offset, u8 xor) patches to the valid index;
 *              == 3: the same patches, then the header re-sealed.
 * The PUF has v2 lines (fields 7-9) and the questions are asked by DN and by SMTP address.
 * Whatever the index holds, the answers must be exactly those of the scan. Four questions that
 * warn about nothing are also asked with the targets of their sources asked ahead: whatever was
 * asked ahead must be answered as the scan answers those target DNs. */
#include "compat.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pm/puf.h"
#include "puf-internal.h"
#include "testutil.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

#define NQ 15
#define NQ_DN 8 /* the first NQ_DN ask by DN, the others by SMTP address */
static const char *dns[NQ] = {"/o=Fabrikam/cn=Recipients/cn=user7",
                              "/o=Fabrikam/cn=Recipients/cn=user150",
                              "/o=Contoso/cn=Recipients/cn=u42",
                              "/o=Fabrikam/cn=Recipients/cn=conflict",
                              "/o=Fabrikam/cn=Recipients/cn=dup",
                              "/o=Fabrikam/cn=Recipients/cn=nobody",
                              "/o=FABRIKAM/CN=RECIPIENTS/CN=USER199",
                              "/o=Fabrikam/cn=Recipients/cn=user200",
                              "user7@fabrikam.com",
                              "SMTP:USER150@fabrikam.com",
                              "u42@contoso.com",
                              "shared@fabrikam.com",
                              "same@contoso.com",
                              "nobody@fabrikam.com",
                              "d@contoso.com"};

static void fill(struct pm_puf_query *q)
{
    memset(q, 0, sizeof(*q) * NQ);
    for (int i = 0; i < NQ; i++) {
        if (i < NQ_DN) {
            q[i].dn = dns[i];
        } else {
            q[i].by = PM_PUF_BY_SMTP;
            q[i].smtp = dns[i];
        }
    }
}

static char puf[600], idx[620];
static unsigned char *valid;
static size_t valid_len;
static struct pm_puf_query expect[NQ];

/* Questions that warn nothing (indexes into dns), and the scan's answers about the targets of
 * those that are sources: what asking ahead must give. */
#define NQ_AHEAD 4
static const int ahead_of[NQ_AHEAD] = {0, 1, 6, 2};
static struct pm_puf_query expect_ahead[NQ_AHEAD];
static size_t n_expect_ahead;

static void setup(void)
{
    const char *tmp = getenv("TMPDIR");
    char dir[512];
    snprintf(dir, sizeof(dir), "%s/pm-fuzz-idx-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir))
        abort();
    snprintf(puf, sizeof(puf), "%s/mbm.puf", dir);
    snprintf(idx, sizeof(idx), "%s.idx", puf);
    struct pm_buf b = PM_BUF_INIT;
    pm_buf_puts(&b, "\xEF\xBB\xBF# test puf\r\n");
    for (int i = 0; i < 200; i++) {
        pm_buf_printf(&b,
                      "/o=Fabrikam/cn=Recipients/cn=user%d|/o=Contoso/cn=Recipients/cn=u%d|"
                      "u%d@contoso.com|User %d",
                      i, i, i, i);
        if (i % 2) /* v2 lines between v1 lines */
            pm_buf_printf(&b, "|||%suser%d@fabrikam.com|u%d@corp.contoso.com|%s",
                          i % 3 ? "" : "SMTP:", i, i,
                          i % 5 ? "" : "{0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0}");
        pm_buf_puts(&b, "\r\n");
    }
    pm_buf_puts(&b, "/o=Fabrikam/cn=Recipients/cn=sh1|/o=Contoso/cn=sh1|sh1@contoso.com||||"
                    "shared@fabrikam.com\n"
                    "/o=Fabrikam/cn=Recipients/cn=sh2|/o=Contoso/cn=sh2|sh2@contoso.com||||"
                    "shared@fabrikam.com\n"
                    "/o=Fabrikam/cn=Recipients/cn=same|/o=Contoso/cn=same|same@contoso.com||||"
                    "same@contoso.com\n");
    pm_buf_puts(&b, "/o=Fabrikam/cn=Recipients/cn=conflict|/o=Contoso/cn=a|a@contoso.com\n"
                    "broken\n"
                    "/o=Fabrikam/cn=Recipients/cn=conflict|/o=Contoso/cn=b|b@contoso.com\n"
                    "/o=Fabrikam/cn=Recipients/cn=dup|/o=Contoso/cn=d|d@contoso.com\n"
                    "/o=Fabrikam/cn=Recipients/cn=dup|/o=Contoso/cn=d|d@contoso.com");
    struct pm_error err;
    if (pmt_write_file(puf, b.data, b.len) != 0 || pm_puf_index_build(puf, NULL, &err) != 0)
        abort();
    pm_buf_release(&b);
    valid = (unsigned char *)pmt_read_file(idx, &valid_len);
    if (!valid || valid_len < PUF_IDX_HEADER)
        abort();
    fill(expect);
    struct pm_puf_stats st;
    if (pm_puf_resolve(puf, expect, NQ, PM_PUF_NO_INDEX, &st, NULL, NULL, &err) != 0)
        abort();
    /* The questions cover every answer, by DN and by address. */
    if (expect[3].match != PM_PUF_CONFLICT || expect[2].match != PM_PUF_TARGET ||
        expect[8].match != PM_PUF_SOURCE || expect[9].match != PM_PUF_NONE ||
        expect[10].match != PM_PUF_TARGET || expect[11].match != PM_PUF_CONFLICT ||
        expect[12].match != PM_PUF_SOURCE || expect[13].match != PM_PUF_NONE)
        abort();
    for (int i = 0; i < NQ_AHEAD; i++)
        if (expect[ahead_of[i]].match == PM_PUF_SOURCE)
            expect_ahead[n_expect_ahead++].dn = expect[ahead_of[i]].entry.target_dn;
    if (n_expect_ahead != 3 || pm_puf_resolve(puf, expect_ahead, n_expect_ahead, PM_PUF_NO_INDEX,
                                              &st, NULL, NULL, &err) != 0)
        abort();
}

/* The four questions with their targets asked ahead: the answers as the scan's, and anything
 * asked ahead answered as the scan answers it. */
static void check_ahead(void)
{
    struct pm_puf_query q[NQ_AHEAD], more[NQ_AHEAD];
    memset(q, 0, sizeof(q));
    for (int i = 0; i < NQ_AHEAD; i++)
        q[i].dn = dns[ahead_of[i]];
    struct pm_puf_ahead ahead = {more, NQ_AHEAD, 0};
    struct pm_puf_stats st;
    struct pm_error err;
    if (pm_puf_resolve_ahead(puf, NULL, q, NQ_AHEAD, 0, NULL, &ahead, &st, NULL, NULL, &err) != 0)
        abort();
    for (int i = 0; i < NQ_AHEAD; i++)
        if (q[i].match != expect[ahead_of[i]].match ||
            q[i].entry.line != expect[ahead_of[i]].entry.line)
            abort();
    if (ahead.n > n_expect_ahead)
        abort();
    for (size_t k = 0; k < ahead.n; k++) {
        size_t j = 0;
        while (j < n_expect_ahead && strcmp(expect_ahead[j].dn, more[k].dn) != 0)
            j++;
        if (j == n_expect_ahead || more[k].match != expect_ahead[j].match ||
            more[k].entry.line != expect_ahead[j].entry.line ||
            more[k].conflict_line != expect_ahead[j].conflict_line) {
            fprintf(stderr, "asked ahead '%s': index gave %d line %u (%s)\n", more[k].dn,
                    more[k].match, more[k].entry.line, st.index_note);
            abort();
        }
    }
    pm_puf_queries_release(more, ahead.n);
    pm_puf_queries_release(q, NQ_AHEAD);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    if (!valid)
        setup();
    if (size < 1)
        return 0;
    int mode = data[0] % 4;
    unsigned char *file;
    size_t len;
    if (mode < 2) {
        len = size - 1;
        file = malloc(len + PUF_IDX_HEADER);
        if (!file)
            return 0;
        memcpy(file, data + 1, len);
        if (mode == 1) {
            if (len < PUF_IDX_HEADER) {
                memset(file + len, 0, PUF_IDX_HEADER - len);
                len = PUF_IDX_HEADER;
            }
            memcpy(file, "PMPUFIDX", 8);
        }
    } else {
        len = valid_len;
        file = malloc(len);
        if (!file)
            return 0;
        memcpy(file, valid, len);
        for (size_t i = 1; i + 3 <= size; i += 3) {
            size_t at = ((size_t)data[i] | ((size_t)data[i + 1] << 8)) % len;
            file[at] ^= data[i + 2];
        }
    }
    if (pmt_write_file(idx, file, len) != 0)
        abort();
    free(file);
    if (mode == 1 || mode == 3)
        (void)puf_index_refresh_header(puf, idx);

    struct pm_puf_query q[NQ];
    fill(q);
    struct pm_puf_stats st;
    struct pm_error err;
    if (pm_puf_resolve(puf, q, NQ, 0, &st, NULL, NULL, &err) != 0)
        abort();
    for (int i = 0; i < NQ; i++) {
        if (q[i].match != expect[i].match || q[i].entry.line != expect[i].entry.line ||
            q[i].conflict_line != expect[i].conflict_line) {
            fprintf(stderr, "query %d '%s': index gave %d line %u, scan %d line %u (%s)\n", i,
                    dns[i], q[i].match, q[i].entry.line, expect[i].match, expect[i].entry.line,
                    st.index_note);
            abort();
        }
        if (q[i].match != PM_PUF_NONE &&
            (strcmp(q[i].entry.target_smtp, expect[i].entry.target_smtp) != 0 ||
             !q[i].entry.source_smtp != !expect[i].entry.source_smtp ||
             !q[i].entry.target_archive_guid != !expect[i].entry.target_archive_guid))
            abort();
    }
    pm_puf_queries_release(q, NQ);
    check_ahead();
    return 0;
}
