/* Fuzz target for mbm.puf: any bytes as a PUF. Every line goes through the line parser; then the
 * file is scanned for a few DNs (fixed ones and the first field of the first lines), the index is
 * built and the same questions are asked through it. The scan's answers must agree with what the
 * line parser says, and the index must give exactly the scan's answers. A file refused as UTF-16
 * is the only one that may fail to resolve. */
#include "compat.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pm/puf.h"
#include "puf-internal.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

#define NQ 6

static int same(const struct pm_puf_query *a, const struct pm_puf_query *b)
{
    if (a->match != b->match || a->entry.line != b->entry.line ||
        a->conflict_line != b->conflict_line)
        return 0;
    if (a->match == PM_PUF_NONE)
        return 1;
    return strcmp(a->entry.source_dn, b->entry.source_dn) == 0 &&
           strcmp(a->entry.target_dn, b->entry.target_dn) == 0;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    /* Lines one by one, as `puf check` would. */
    char dn[3][PM_PUF_MAX_LINE + 1];
    unsigned ndn = 0;
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
    const char *dns[NQ] = {"/o=A/cn=b",
                           "X500:/O=a/CN=B",
                           "",
                           ndn > 0 ? dn[0] : "/o=x",
                           ndn > 1 ? dn[1] : "/o=y",
                           ndn > 2 ? dn[2] : "/o=z"};
    memset(qs, 0, sizeof(qs));
    memset(qi, 0, sizeof(qi));
    for (int i = 0; i < NQ; i++)
        qs[i].dn = qi[i].dn = dns[i];
    struct pm_puf_stats st;
    struct pm_error err;
    if (pm_puf_resolve(puf, qs, NQ, PM_PUF_NO_INDEX, &st, NULL, NULL, &err) != 0) {
        /* The one refusal of a whole file: text that looks like UTF-16 (a BOM, or ASCII
         * interleaved with zero bytes in the first four bytes). Anything else must be read. */
        if (!strstr(err.msg, "UTF-16"))
            abort();
        pm_puf_queries_release(qs, NQ);
        return 0;
    }
    if (st.bytes_read != size)
        abort();
    for (int i = 0; i < NQ; i++) {
        if (qs[i].match == PM_PUF_SOURCE || qs[i].match == PM_PUF_CONFLICT) {
            size_t a, b;
            const char *ka = pm_puf_dn_key(qs[i].dn, strlen(qs[i].dn), &a);
            const char *kb =
                pm_puf_dn_key(qs[i].entry.source_dn, strlen(qs[i].entry.source_dn), &b);
            if (!puf_key_equal(ka, a, kb, b))
                abort();
        }
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
