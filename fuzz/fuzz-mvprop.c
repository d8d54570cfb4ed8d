/* Fuzz target for the multi-valued property codec and the rewrite of store EntryIDs inside
 * PT_MV_BINARY lists. The first byte picks the list kind, the rest is the registry value. Checks
 * what the profile rewrite relies on: a list that parses re-serialises to the same bytes; its
 * views lie inside the value; a list whose entries are replaced by others of new lengths
 * serialises to a value that parses back in the same layout with exactly those entries; and a
 * list of EntryIDs rewritten to new names is still a list of the same layout and count. */
#include "compat.h"

#include "pm/mvprop.h"
#include "pm/storeeid.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static const enum pm_mv_kind fz_kinds[] = {PM_MV_BINARY, PM_MV_STRING8, PM_MV_UNICODE};

static int fz_rewrite_all(const struct pm_storeeid *eid, struct pm_storeeid_edit *e, void *ctx)
{
    (void)ctx;
    e->server = eid->server_len % 2 ? "b1c2d3e4-0000-1111-2222-333344445555@target.example" : "S";
    e->dn = "/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=x";
    e->v2_fqdn = "mbx.target.example";
    e->v3_smtp = "x@target.example";
    return 1;
}

/* A replacement for entry i that is valid for the kind and of a different length. */
static void fz_replacement(enum pm_mv_kind k, size_t i, const struct pm_mv_entry *old, uint8_t *buf,
                           size_t *len)
{
    size_t n = (old->len + i) % 13 + (i % 2);
    if (k == PM_MV_UNICODE)
        n *= 2;
    for (size_t j = 0; j < n; j++)
        buf[j] = k == PM_MV_UNICODE && j % 2 ? 0 : (uint8_t)('a' + (j + i) % 26);
    *len = n;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    if (size < 1)
        return 0;
    enum pm_mv_kind k = fz_kinds[data[0] % PM_ARRAY_SIZE(fz_kinds)];
    const uint8_t *v = data + 1;
    size_t len = size - 1;

    struct pm_mv_list l = PM_MV_LIST_INIT;
    struct pm_buf out = PM_BUF_INIT;
    int rc = pm_mv_parse(k, v, len, &l);
    if (rc == 1) {
        for (size_t i = 0; i < l.n; i++)
            if (l.items[i].len && (l.items[i].data < v || l.items[i].len > len ||
                                   (size_t)(l.items[i].data - v) > len - l.items[i].len))
                abort();
        if (pm_mv_serialise(&l, &out) != 0 || out.len != len || memcmp(out.data, v, len) != 0)
            abort(); /* what parses comes back byte for byte */
        if ((l.n == 0) != (l.layout == PM_MV_LAYOUT_NONE))
            abort();

        /* Every entry replaced by one of another length: framing recomputed consistently. */
        if (l.n && l.n <= 256) {
            uint8_t *bufs = malloc(l.n * 32);
            struct pm_mv_entry *want = malloc(l.n * sizeof(*want));
            if (bufs && want) {
                for (size_t i = 0; i < l.n; i++) {
                    fz_replacement(k, i, &l.items[i], bufs + 32 * i, &want[i].len);
                    want[i].data = bufs + 32 * i;
                    l.items[i] = want[i];
                }
                struct pm_mv_list back = PM_MV_LIST_INIT;
                if (pm_mv_serialise(&l, &out) != 0 ||
                    pm_mv_parse(k, (const uint8_t *)out.data, out.len, &back) != 1 ||
                    back.layout != l.layout || back.n != l.n)
                    abort();
                for (size_t i = 0; i < l.n; i++)
                    if (back.items[i].len != want[i].len ||
                        (want[i].len && memcmp(back.items[i].data, want[i].data, want[i].len)))
                        abort();
                pm_mv_list_release(&back);
            }
            free(bufs);
            free(want);
        }
    } else if (rc != 0 || l.n != 0 || l.items) {
        abort(); /* "does not parse" leaves nothing behind */
    }

    if (k == PM_MV_BINARY) {
        struct pm_storeeid_stats st = {0, 0, 0};
        rc = pm_storeeid_rewrite_mv(v, len, fz_rewrite_all, NULL, &out, &st);
        if (rc == 1) {
            struct pm_mv_list back = PM_MV_LIST_INIT;
            if (pm_mv_parse(PM_MV_BINARY, (const uint8_t *)out.data, out.len, &back) != 1)
                abort();
            struct pm_mv_list orig = PM_MV_LIST_INIT;
            if (pm_mv_parse(PM_MV_BINARY, v, len, &orig) != 1 || back.n != orig.n ||
                (orig.n && back.layout != orig.layout) || st.rewritten > st.found)
                abort();
            pm_mv_list_release(&orig);
            pm_mv_list_release(&back);
        } else if (rc != 0 && rc != PM_ERR_NOMEM && rc != PM_ERR_LIMIT) {
            abort();
        }
    }
    pm_mv_list_release(&l);
    pm_buf_release(&out);
    return 0;
}
