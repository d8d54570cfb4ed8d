/* Value-by-value profile writers for the tests (regput.h). */
#include "compat.h"

#include "regput.h"

#include "pm/mapi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pmt_uid(unsigned n, uint8_t out[16])
{
    for (int i = 0; i < 16; i++)
        out[i] = (uint8_t)(0x10 * i + n);
}

const char *pmt_uid_key(const char *profile, unsigned n)
{
    static char bufs[16][512];
    static int next;
    char *b = bufs[next++ % 16];
    uint8_t u[16];
    char hex[33];
    pmt_uid(n, u);
    pm_hex_lower(u, 16, hex);
    snprintf(b, sizeof(bufs[0]), "%s\\%s", profile, hex);
    return b;
}

void pmt_put_bin(struct pm_store *st, const char *k, const char *name, const void *d, size_t n)
{
    struct pm_error err;
    pm_error_clear(&err);
    if (pm_store_set(st, k, name, PM_REG_BINARY, d, n, &err) != 0) {
        fprintf(stderr, "test setup: cannot set %s\\%s: %s\n", k, name, err.msg);
        abort();
    }
}

static void put_text(struct pm_store *st, const char *k, const char *name, uint32_t type,
                     const char *s)
{
    struct pm_buf w = PM_BUF_INIT;
    struct pm_error err;
    pm_error_clear(&err);
    if (pm_utf8_to_utf16le(s, strlen(s), 1, &w) != 0 ||
        pm_store_set(st, k, name, type, w.data, w.len, &err) != 0) {
        fprintf(stderr, "test setup: cannot set %s\\%s: %s\n", k, name, err.msg);
        abort();
    }
    pm_buf_release(&w);
}

void pmt_put_sz(struct pm_store *st, const char *k, const char *name, const char *s)
{
    put_text(st, k, name, PM_REG_SZ, s);
}

void pmt_put_w(struct pm_store *st, const char *k, const char *name, const char *s)
{
    put_text(st, k, name, PM_REG_BINARY, s);
}

void pmt_put_a8(struct pm_store *st, const char *k, const char *name, const char *s)
{
    pmt_put_bin(st, k, name, s, strlen(s) + 1);
}

void pmt_put_long(struct pm_store *st, const char *k, const char *name, uint32_t v)
{
    uint8_t b[4];
    pm_mapi_long_put(v, b);
    pmt_put_bin(st, k, name, b, 4);
}

void pmt_put_uids(struct pm_store *st, const char *k, const char *name, const unsigned *ns)
{
    uint8_t b[16 * 16];
    size_t n = 0;
    for (; ns[n] && n < 16; n++)
        pmt_uid(ns[n], b + 16 * n);
    pmt_put_bin(st, k, name, b, 16 * n);
}

void pmt_put_uid(struct pm_store *st, const char *k, const char *name, unsigned n)
{
    const unsigned l[] = {n, 0};
    pmt_put_uids(st, k, name, l);
}

static void le(struct pm_buf *b, uint64_t v, size_t n)
{
    uint8_t w[8];
    for (size_t i = 0; i < n; i++)
        w[i] = (uint8_t)(v >> (8 * i));
    pm_buf_append(b, w, n);
}

void pmt_store_eid(struct pm_buf *b, const char *server, const char *dn)
{
    static const uint8_t wrap[16] = {0x38, 0xa1, 0xbb, 0x10, 0x05, 0xe5, 0x10, 0x1a,
                                     0xa1, 0xbb, 0x08, 0x00, 0x2b, 0x2a, 0x56, 0xc2};
    static const uint8_t priv[16] = {0x1b, 0x55, 0xfa, 0x20, 0xaa, 0x66, 0x11, 0xcd,
                                     0x9b, 0xc8, 0x00, 0xaa, 0x00, 0x2f, 0xc4, 0x5a};
    static const uint8_t dll[14] = {'E', 'M', 'S', 'M', 'D', 'B', '.', 'D', 'L', 'L', 0, 0, 0, 0};
    le(b, 0, 4);
    pm_buf_append(b, wrap, 16);
    le(b, 0, 2); /* Version, Flag */
    pm_buf_append(b, dll, 14);
    le(b, 0, 4);
    pm_buf_append(b, priv, 16);
    le(b, 0x0c, 4);
    pm_buf_append(b, server, strlen(server) + 1);
    pm_buf_append(b, dn, strlen(dn) + 1);
}

void pmt_mv_bin64(struct pm_buf *b, const struct pm_buf *blobs, size_t n)
{
    pm_buf_reset(b);
    le(b, n, 4);
    size_t off = 4 + 16 * n;
    for (size_t i = 0; i < n; i++) {
        le(b, blobs[i].len, 8);
        le(b, off, 8);
        off += (blobs[i].len + 3) & ~(size_t)3;
    }
    for (size_t i = 0; i < n; i++) {
        pm_buf_append(b, blobs[i].data, blobs[i].len);
        while (b->len % 4)
            le(b, 0, 1);
    }
}

void pmt_mv_str64(struct pm_buf *b, const char *const *s, size_t n, int wide)
{
    pm_buf_reset(b);
    le(b, n, 4);
    size_t off = 4 + 8 * n;
    for (size_t i = 0; i < n; i++) {
        le(b, off, 8);
        off += (strlen(s[i]) + 1) * (wide ? 2 : 1);
    }
    for (size_t i = 0; i < n; i++)
        for (const char *p = s[i];; p++) {
            le(b, (uint8_t)*p, wide ? 2 : 1); /* ASCII test strings */
            if (!*p)
                break;
        }
}
