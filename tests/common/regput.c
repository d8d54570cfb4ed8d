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
