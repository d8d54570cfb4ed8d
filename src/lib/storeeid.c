/* Store EntryIDs (include/pm/storeeid.h, docs/mv-and-entryids.md): a strict reader, a rebuild
 * that changes only the names asked for and keeps every other byte, a scan for EntryIDs embedded
 * in larger binaries, and the rewrite of whole values (unknown structures in place only,
 * multi-valued lists with their framing recomputed). Strict because a rebuilt EntryID is written
 * back into a profile Outlook has to open: one we cannot read field by field is left alone. */
#include "compat.h"

#include "pm/storeeid.h"

#include "pm/mapi.h"

#include <stdlib.h>
#include <string.h>

#define V2_MAGIC 0xF32135D8u
#define V3_MAGIC 0xF43246E9u
#define OPENSTORE_PUBLIC 0x2u

static const uint8_t muid_store_wrap[16] = {0x38, 0xa1, 0xbb, 0x10, 0x05, 0xe5, 0x10, 0x1a,
                                            0xa1, 0xbb, 0x08, 0x00, 0x2b, 0x2a, 0x56, 0xc2};
static const uint8_t uid_private[16] = {0x1b, 0x55, 0xfa, 0x20, 0xaa, 0x66, 0x11, 0xcd,
                                        0x9b, 0xc8, 0x00, 0xaa, 0x00, 0x2f, 0xc4, 0x5a};
static const uint8_t uid_public[16] = {0x1c, 0x83, 0x02, 0x10, 0xaa, 0x66, 0x11, 0xcd,
                                       0x9b, 0xc8, 0x00, 0xaa, 0x00, 0x2f, 0xc4, 0x5a};

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Length of the 8-bit string at data[off..len) before its NUL, or -1 when unterminated. */
static long str8_len(const uint8_t *data, size_t len, size_t off)
{
    const uint8_t *z = off < len ? memchr(data + off, 0, len - off) : NULL;
    return z ? (long)(z - (data + off)) : -1;
}

/* Byte length of the UTF-16LE string at data[off..len) before its NUL unit, or -1. */
static long str16_len(const uint8_t *data, size_t len, size_t off)
{
    for (size_t n = 0; off <= len && len - off >= n + 2; n += 2)
        if (data[off + n] == 0 && data[off + n + 1] == 0)
            return (long)n;
    return -1;
}

/* Reads the V2/V3 tail at data[t..len). Returns the tail's length, or 0 when it is not one. */
static size_t read_tail(const uint8_t *data, size_t len, size_t t, struct pm_storeeid *e)
{
    size_t r = len - t;
    const uint8_t *p = data + t;
    if (r < 16)
        return 0;
    uint32_t magic = rd32(p), size = rd32(p + 4), version = rd32(p + 8);
    size_t at;
    if (magic == V2_MAGIC) {
        if (version != 1 || r < 20)
            return 0;
        uint32_t odn = rd32(p + 12), ofqdn = rd32(p + 16);
        at = 20;
        if (odn) {
            long n = str8_len(p, r, at);
            if (odn != at || n < 0)
                return 0;
            e->v2_dn = (const char *)p + at;
            e->v2_dn_len = (size_t)n;
            at += (size_t)n + 1;
        }
        if (ofqdn) {
            long n = str16_len(p, r, at);
            if (ofqdn != at || n < 0)
                return 0;
            e->v2_fqdn = p + at;
            e->v2_fqdn_len = (size_t)n;
            at += (size_t)n + 2;
        }
        e->tail = PM_STOREEID_TAIL_V2;
    } else if (magic == V3_MAGIC) {
        if (version != 2)
            return 0;
        uint32_t osmtp = rd32(p + 12);
        at = 16;
        if (osmtp) {
            long n = str16_len(p, r, at);
            if (osmtp != at || n < 0)
                return 0;
            e->v3_smtp = p + at;
            e->v3_smtp_len = (size_t)n;
            at += (size_t)n + 2;
        }
        e->tail = PM_STOREEID_TAIL_V3;
    } else {
        return 0;
    }
    if (r - at < 2)
        return 0; /* the reserved bytes */
    at += 2;
    /* MFCMAPI's header says Size counts the struct and its strings, a second reader counts the
     * reserved bytes too: accept either, remember which, never anything else. */
    if (size == at)
        e->tail_size_has_reserved = 1;
    else if (size == at - 2)
        e->tail_size_has_reserved = 0;
    else
        return 0;
    e->tail_off = t;
    return at;
}

static int is_magic_at(const uint8_t *data, size_t len, size_t off)
{
    if (off > len || len - off < 4)
        return 0;
    uint32_t m = rd32(data + off);
    return m == V2_MAGIC || m == V3_MAGIC;
}

int pm_storeeid_read(const uint8_t *data, size_t len, unsigned flags, struct pm_storeeid *out)
{
    memset(out, 0, sizeof(*out));
    if (len < PM_STOREEID_HEADER + 1 || rd32(data) != 0 ||
        memcmp(data + 4, muid_store_wrap, 16) != 0 || data[20] != 0 || data[21] != 0)
        return 0;
    /* DLLFileName: 14 bytes, "emsmdb.dll" then NULs (MS-OXCDATA gives it upper case; MFCMAPI
     * compares without case). */
    if (pm_ascii_ncasecmp((const char *)data + 22, "emsmdb.dll", 10) != 0)
        return 0;
    for (size_t i = 32; i < 36; i++)
        if (data[i])
            return 0;
    if (rd32(data + 36) != 0)
        return 0;
    if (memcmp(data + 40, uid_private, 16) == 0)
        out->is_public = 0;
    else if (memcmp(data + 40, uid_public, 16) == 0)
        out->is_public = 1;
    else
        return 0;
    out->wrapped_type = rd32(data + 56);

    long s = str8_len(data, len, PM_STOREEID_HEADER);
    if (s < 0)
        return 0;
    out->server = (const char *)data + PM_STOREEID_HEADER;
    out->server_len = (size_t)s;
    size_t at = PM_STOREEID_HEADER + (size_t)s + 1;
    int prefix = (flags & PM_STOREEID_PREFIX) != 0;

    /* Public-folder EntryIDs may go straight from the server to a tail (MFCMAPI). */
    int dn_follows =
        at < len && !((out->wrapped_type & OPENSTORE_PUBLIC) && is_magic_at(data, len, at));
    if (dn_follows) {
        long d = str8_len(data, len, at);
        if (d < 0) {
            if (!prefix)
                return 0;
            /* Embedded and nothing terminated after the server: the EntryID ends there. */
            out->len = at;
            return 1;
        }
        out->dn = (const char *)data + at;
        out->dn_len = (size_t)d;
        at += (size_t)d + 1;
    }
    if (is_magic_at(data, len, at)) {
        size_t t = read_tail(data, len, at, out);
        if (!t)
            return 0;
        at += t;
    }
    if (!prefix && at != len)
        return 0;
    out->len = at;
    return 1;
}

static int ascii_ok(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return 0;
    return 1;
}

static int put32(struct pm_buf *out, uint32_t v)
{
    uint8_t b[4];
    pm_mapi_long_put(v, b);
    return pm_buf_append(out, b, 4);
}

static void set32(struct pm_buf *out, size_t at, uint32_t v)
{
    pm_mapi_long_put(v, (uint8_t *)out->data + at);
}

/* Appends a UTF-16LE string with its NUL unit: 'utf8' when given, else the old bytes. */
static int put16(struct pm_buf *out, const char *utf8, const uint8_t *old, size_t oldlen)
{
    int rc;
    if (utf8) {
        struct pm_buf w = PM_BUF_INIT;
        rc = pm_utf8_to_utf16le(utf8, strlen(utf8), 1, &w);
        if (rc == 0)
            rc = pm_buf_append(out, w.data, w.len);
        pm_buf_release(&w);
        return rc;
    }
    rc = pm_buf_append(out, old, oldlen);
    return rc < 0 ? rc : pm_buf_append(out, "\0", 2);
}

static int put8(struct pm_buf *out, const char *s, const char *old, size_t oldlen)
{
    return s ? pm_buf_append(out, s, strlen(s) + 1) : pm_buf_append(out, old, oldlen + 1);
}

int pm_storeeid_rewrite(const uint8_t *data, size_t len, const struct pm_storeeid_edit *e,
                        struct pm_buf *out)
{
    pm_buf_reset(out);
    struct pm_storeeid id;
    if (pm_storeeid_read(data, len, 0, &id) != 1)
        return PM_ERR_INVALID;
    if ((e->server && !ascii_ok(e->server)) || (e->dn && !ascii_ok(e->dn)) ||
        (e->v2_dn && !ascii_ok(e->v2_dn)))
        return PM_ERR_INVALID;
    int rc = pm_buf_append(out, data, PM_STOREEID_HEADER);
    if (rc == 0)
        rc = put8(out, e->server, id.server, id.server_len);
    if (rc == 0 && id.dn)
        rc = put8(out, e->dn, id.dn, id.dn_len);
    if (rc < 0 || id.tail == PM_STOREEID_TAIL_NONE)
        return rc;

    /* The tail: magic and version copied, Size and offsets from the new strings, reserved kept. */
    const uint8_t *t = data + id.tail_off;
    size_t start = out->len;
    rc = pm_buf_append(out, t, 12); /* magic, Size (set below), version */
    if (rc == 0 && id.tail == PM_STOREEID_TAIL_V2) {
        rc = put32(out, 0);
        if (rc == 0)
            rc = put32(out, 0);
        if (rc == 0 && id.v2_dn) {
            set32(out, start + 12, (uint32_t)(out->len - start));
            rc = put8(out, e->v2_dn, id.v2_dn, id.v2_dn_len);
        }
        if (rc == 0 && id.v2_fqdn) {
            set32(out, start + 16, (uint32_t)(out->len - start));
            rc = put16(out, e->v2_fqdn, id.v2_fqdn, id.v2_fqdn_len);
        }
    } else if (rc == 0) {
        rc = put32(out, 0);
        if (rc == 0 && id.v3_smtp) {
            set32(out, start + 12, (uint32_t)(out->len - start));
            rc = put16(out, e->v3_smtp, id.v3_smtp, id.v3_smtp_len);
        }
    }
    if (rc == 0)
        rc = pm_buf_append(out, data + len - 2, 2); /* the reserved bytes end the EntryID */
    if (rc < 0)
        return rc;
    size_t tail_len = out->len - start;
    if (tail_len > UINT32_MAX)
        return PM_ERR_LIMIT;
    set32(out, start + 4, (uint32_t)(id.tail_size_has_reserved ? tail_len : tail_len - 2));
    return 0;
}

void pm_storeeid_hits_release(struct pm_storeeid_hits *h)
{
    free(h->items);
    h->items = NULL;
    h->n = 0;
}

int pm_storeeid_scan(const uint8_t *data, size_t len, struct pm_storeeid_hits *out)
{
    pm_storeeid_hits_release(out);
    size_t cap = 0;
    size_t p = 4; /* where muidStoreWrap may start: after the Flags */
    while (len >= PM_STOREEID_HEADER + 1 && p + PM_STOREEID_HEADER - 4 < len) {
        const uint8_t *m = memchr(data + p, 0x38, len - p);
        if (!m)
            break;
        p = (size_t)(m - data);
        struct pm_storeeid id;
        if (len - p < 16 || memcmp(m, muid_store_wrap, 16) != 0 ||
            pm_storeeid_read(data + p - 4, len - (p - 4), PM_STOREEID_PREFIX, &id) != 1) {
            p++;
            continue;
        }
        if (out->n == cap) {
            size_t ncap = cap ? 2 * cap : 4;
            struct pm_storeeid_hit *n = realloc(out->items, ncap * sizeof(*n));
            if (!n) {
                pm_storeeid_hits_release(out);
                return PM_ERR_NOMEM;
            }
            out->items = n;
            cap = ncap;
        }
        struct pm_storeeid_hit *h = &out->items[out->n++];
        h->off = p - 4;
        h->len = id.len;
        h->len_prefixed = h->off >= 4 && rd32(data + h->off - 4) == id.len;
        p = h->off + id.len + 4;
    }
    return (int)(out->n > INT32_MAX ? INT32_MAX : out->n);
}

int pm_storeeid_fits(const struct pm_storeeid_hit *hit, size_t newlen)
{
    return hit->len == newlen;
}

/* Rewrites one EntryID data[0..len) as the callback decides. Returns 1 with the new bytes in
 * 'nb' when they differ from the old, 0 when it stays, <0 on error. */
static int decide_one(const uint8_t *data, size_t len, pm_storeeid_decide_fn decide, void *ctx,
                      struct pm_buf *nb, struct pm_storeeid_stats *st)
{
    struct pm_storeeid id;
    if (pm_storeeid_read(data, len, 0, &id) != 1)
        return 0;
    st->found++;
    struct pm_storeeid_edit e = {0};
    int rc = decide(&id, &e, ctx);
    if (rc <= 0)
        return rc;
    rc = pm_storeeid_rewrite(data, len, &e, nb);
    if (rc < 0)
        return rc;
    return nb->len != len || memcmp(nb->data, data, len) != 0;
}

int pm_storeeid_rewrite_embedded(const uint8_t *data, size_t len, pm_storeeid_decide_fn decide,
                                 void *ctx, struct pm_buf *out, struct pm_storeeid_stats *st)
{
    pm_buf_reset(out);
    struct pm_storeeid_stats local = {0, 0, 0};
    if (!st)
        st = &local;
    struct pm_storeeid_hits hits = PM_STOREEID_HITS_INIT;
    struct pm_buf nb = PM_BUF_INIT;
    int rc = pm_buf_append(out, data, len);
    if (rc == 0)
        rc = pm_storeeid_scan(data, len, &hits);
    for (size_t i = 0; rc >= 0 && i < hits.n; i++) {
        const struct pm_storeeid_hit *h = &hits.items[i];
        rc = decide_one(data + h->off, h->len, decide, ctx, &nb, st);
        if (rc == 1 && !pm_storeeid_fits(h, nb.len)) {
            st->refused++;
        } else if (rc == 1) {
            memcpy(out->data + h->off, nb.data, nb.len);
            st->rewritten++;
        }
    }
    pm_storeeid_hits_release(&hits);
    pm_buf_release(&nb);
    if (rc < 0)
        pm_buf_reset(out);
    return rc < 0 ? rc : 0;
}

int pm_storeeid_rewrite_mv(const uint8_t *data, size_t len, pm_storeeid_decide_fn decide, void *ctx,
                           struct pm_buf *out, struct pm_storeeid_stats *st)
{
    pm_buf_reset(out);
    struct pm_storeeid_stats local = {0, 0, 0};
    if (!st)
        st = &local;
    struct pm_mv_list l = PM_MV_LIST_INIT;
    int rc = pm_mv_parse(PM_MV_BINARY, data, len, &l);
    if (rc <= 0)
        return rc;
    /* New entry bytes live in one buffer each until the list is written. */
    struct pm_buf *nb = l.n ? calloc(l.n, sizeof(*nb)) : NULL;
    if (l.n && !nb) {
        pm_mv_list_release(&l);
        return PM_ERR_NOMEM;
    }
    for (size_t i = 0; rc >= 0 && i < l.n; i++) {
        struct pm_storeeid id;
        const uint8_t *d = l.items[i].data;
        size_t n = l.items[i].len;
        if (pm_storeeid_read(d, n, 0, &id) == 1) {
            rc = decide_one(d, n, decide, ctx, &nb[i], st);
            if (rc == 1)
                st->rewritten++;
        } else {
            rc = pm_storeeid_rewrite_embedded(d, n, decide, ctx, &nb[i], st);
            if (rc == 0)
                rc = nb[i].len == n && memcmp(nb[i].data, d, n) != 0;
        }
        if (rc == 1) {
            l.items[i].data = (const uint8_t *)nb[i].data;
            l.items[i].len = nb[i].len;
        }
    }
    if (rc >= 0)
        rc = pm_mv_serialise(&l, out);
    for (size_t i = 0; i < l.n; i++)
        pm_buf_release(&nb[i]);
    free(nb);
    pm_mv_list_release(&l);
    if (rc < 0) {
        pm_buf_reset(out);
        return rc;
    }
    return 1;
}
