/* Fuzz target for mbm.puf: any bytes as a PUF. Every line goes through the line parser; then the
 * file is scanned for a few DNs and SMTP addresses (fixed ones, and fields 1, 2, 3 and 7 of the
 * first lines), the index is built and the same questions are asked through it. The scan's
 * answers must agree with what the line parser says, and the index must give exactly the scan's
 * answers. A file that looks like UTF-16 is refused whole, by the scan and the index build
 * alike. */
#include "compat.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pm/puf.h"
#include "puf-internal.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

#define NQ 12

static int same_opt(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static int same(const struct pm_puf_query *a, const struct pm_puf_query *b)
{
    if (a->match != b->match || a->entry.line != b->entry.line ||
        a->conflict_line != b->conflict_line)
        return 0;
    if (a->match == PM_PUF_NONE)
        return 1;
    return strcmp(a->entry.source_dn, b->entry.source_dn) == 0 &&
           strcmp(a->entry.target_dn, b->entry.target_dn) == 0 &&
           same_opt(a->entry.source_smtp, b->entry.source_smtp) &&
           same_opt(a->entry.target_upn, b->entry.target_upn) &&
           same_opt(a->entry.target_archive_guid, b->entry.target_archive_guid);
}

/* What a parsed archive GUID must look like: 8-4-4-4-12 lowercase hex, not all zeros. */
static void check_guid(const char *g)
{
    if (!g)
        return;
    int nonzero = 0;
    if (strlen(g) != 36)
        abort();
    for (int i = 0; i < 36; i++) {
        char c = g[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-')
                abort();
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            abort();
        } else if (c != '0') {
            nonzero = 1;
        }
    }
    if (!nonzero)
        abort();
}

/* The key in 'have' (already normalized) equals the query's normalized key. */
static void check_key(const char *query, const char *have, int by_smtp)
{
    size_t a;
    const char *ka = by_smtp ? pm_puf_smtp_key(query, strlen(query), &a)
                             : pm_puf_dn_key(query, strlen(query), &a);
    size_t b;
    const char *kb =
        by_smtp ? pm_puf_smtp_key(have, strlen(have), &b) : pm_puf_dn_key(have, strlen(have), &b);
    /* 'have' is the field as parsed; for an address, a second "SMTP:" may remain in it. */
    if (!puf_key_equal(ka, a, kb, b) && !puf_key_equal(ka, a, have, strlen(have)))
        abort();
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    /* Lines one by one, as `puf check` would. */
    char dn[3][PM_PUF_MAX_LINE + 1], addr[3][PM_PUF_MAX_LINE + 1];
    unsigned ndn = 0, naddr = 0;
    size_t pos = 0;
    while (pos < size) {
        const unsigned char *nl = memchr(data + pos, '\n', size - pos);
        size_t len = nl ? (size_t)(nl - (data + pos)) : size - pos;
        struct pm_puf_entry e;
        char why[256];
        int rc = pm_puf_parse_line((const char *)data + pos, len, 1, &e, why, sizeof(why));
        if (rc == 0) {
            /* A parsed DN is already its own match key. */
            size_t kl;
            if (pm_puf_dn_key(e.source_dn, strlen(e.source_dn), &kl) != e.source_dn ||
                kl != strlen(e.source_dn))
                abort();
            if (ndn < 3) {
                snprintf(dn[ndn], sizeof(dn[0]), "%s", ndn % 2 ? e.target_dn : e.source_dn);
                ndn++;
            }
            if (naddr < 3) {
                const char *a = e.source_smtp && naddr % 2 == 0 ? e.source_smtp : e.target_smtp;
                snprintf(addr[naddr], sizeof(addr[0]), "%s", a);
                naddr++;
            }
            check_guid(e.target_archive_guid);
            pm_puf_entry_release(&e);
        } else if (rc != 1 && rc != PM_ERR_PARSE) {
            abort();
        }
        pos += len + 1;
    }

    static char dir[512];
    if (!dir[0]) {
        const char *tmp = getenv("TMPDIR");
        snprintf(dir, sizeof(dir), "%s/pm-fuzz-puf-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(dir))
            abort();
    }
    char puf[600], idx[620];
    snprintf(puf, sizeof(puf), "%s/mbm.puf", dir);
    snprintf(idx, sizeof(idx), "%s/mbm.puf.idx", dir);
    FILE *f = fopen(puf, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
        abort();
    remove(idx);

    struct pm_puf_query qs[NQ], qi[NQ];
    const char *keys[NQ] = {"/o=A/cn=b",
                            "X500:/O=a/CN=B",
                            "",
                            ndn > 0 ? dn[0] : "/o=x",
                            ndn > 1 ? dn[1] : "/o=y",
                            ndn > 2 ? dn[2] : "/o=z",
                            "a@b.com",
                            " SMTP:A@B.COM",
                            "",
                            naddr > 0 ? addr[0] : "x@y",
                            naddr > 1 ? addr[1] : "SMTP:y@z",
                            naddr > 2 ? addr[2] : "/o=A/cn=b"};
    memset(qs, 0, sizeof(qs));
    memset(qi, 0, sizeof(qi));
    for (int i = 0; i < NQ; i++) {
        int by_smtp = i >= 6;
        qs[i].by = qi[i].by = by_smtp ? PM_PUF_BY_SMTP : PM_PUF_BY_DN;
        if (by_smtp)
            qs[i].smtp = qi[i].smtp = keys[i];
        else
            qs[i].dn = qi[i].dn = keys[i];
    }
    struct pm_puf_stats st;
    struct pm_error err;
    int rc = pm_puf_resolve(puf, qs, NQ, PM_PUF_NO_INDEX, &st, NULL, NULL, &err);
    if (rc == PM_ERR_IO && strstr(err.msg, "UTF-16")) {
        /* The documented refusal of a UTF-16 file: no answers, and no index either. */
        for (int i = 0; i < NQ; i++)
            if (qs[i].match != PM_PUF_NONE || qs[i].entry.source_dn)
                abort();
        if (pm_puf_index_build(puf, NULL, &err) != PM_ERR_IO)
            abort();
        return 0;
    }
    if (rc != 0)
        abort();
    if (st.bytes_read != size)
        abort();
    for (int i = 0; i < NQ; i++) {
        int by_smtp = qs[i].by == PM_PUF_BY_SMTP;
        const char *q = by_smtp ? qs[i].smtp : qs[i].dn;
        if (qs[i].match == PM_PUF_SOURCE || qs[i].match == PM_PUF_CONFLICT) {
            const char *have = by_smtp ? qs[i].entry.source_smtp : qs[i].entry.source_dn;
            if (!have)
                abort();
            check_key(q, have, by_smtp);
        } else if (qs[i].match == PM_PUF_TARGET) {
            check_key(q, by_smtp ? qs[i].entry.target_smtp : qs[i].entry.target_dn, by_smtp);
        }
        if (qs[i].match != PM_PUF_NONE)
            check_guid(qs[i].entry.target_archive_guid);
    }
    if (pm_puf_index_build(puf, NULL, &err) == 0) {
        if (pm_puf_resolve(puf, qi, NQ, 0, &st, NULL, NULL, &err) != 0)
            abort();
        if (!st.used_index && !strstr(st.index_note, "share one key"))
            abort();
        for (int i = 0; i < NQ; i++)
            if (!same(&qs[i], &qi[i]))
                abort();
    }
    pm_puf_queries_release(qs, NQ);
    pm_puf_queries_release(qi, NQ);
    return 0;
}
