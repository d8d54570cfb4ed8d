/* Fuzz target for the MAPI value decoders a profile walk feeds with registry bytes: the Exchange
 * address-book and store EntryID parsers, the string property decoder and the log/dry-run
 * formatter. The first byte picks a value name and registry type (so the 001e/001f/PT_LONG and
 * Account Manager branches are all reached), the rest is the value's bytes. Checks what the
 * engine relies on: parsed pointers lie inside the input, a rewritten address-book EntryID reads
 * back with the DN that was put in, and formatting never fails on valid memory. For the strict
 * store EntryID reader and its rewrite (pm/storeeid.h): a rewrite with nothing asked, or with the
 * values already there, is the identity; a rewrite to a new server and DN reads back with
 * exactly those and the same tail; scan hits lie inside the input, in order, and read as
 * EntryIDs; an in-place rewrite of embedded EntryIDs never changes the length. The archive DN
 * split never points outside the DN. */
#include "compat.h"

#include "pm/mapi.h"
#include "pm/storeeid.h"
#include "pm/value.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static const char *const fz_names[] = {
    "001e3001",       "001f3001", "001e660b",     "001f660b",     "01023d0e", "01026600",
    "00036601",       "00033d00", "Account Name", "Display Name", "Email",    "Service Name",
    "DefaultProfile", "",         "001E6614",     "0003",         "001f",     "x",
};
static const uint32_t fz_types[] = {PM_REG_NONE,   PM_REG_SZ,    PM_REG_EXPAND_SZ,
                                    PM_REG_BINARY, PM_REG_DWORD, PM_REG_MULTI_SZ,
                                    PM_REG_QWORD,  0xffff0003u,  7u,
                                    11u,           0x80000000u,  PM_REG_BINARY};

static int fz_inside(const unsigned char *data, size_t size, const char *p, size_t n)
{
    const unsigned char *u = (const unsigned char *)p;
    return u >= data && n <= size && (size_t)(u - data) <= size - n;
}

/* The same-length edit for embedded EntryIDs: the server with its case flipped. */
static char fz_server[512];

static int fz_flip_server(const struct pm_storeeid *eid, struct pm_storeeid_edit *e, void *ctx)
{
    (void)ctx;
    if (eid->server_len >= sizeof(fz_server))
        return 0;
    for (size_t i = 0; i < eid->server_len; i++) {
        char c = eid->server[i];
        fz_server[i] = (char)(c >= 'a' && c <= 'z' ? c - 32 : c >= 'A' && c <= 'Z' ? c + 32 : c);
        if ((unsigned char)c >= 0x80)
            fz_server[i] = 'x'; /* the rewrite takes ASCII only */
    }
    fz_server[eid->server_len] = 0;
    e->server = fz_server;
    return 1;
}

static char *fz_dup(const char *p, size_t n)
{
    char *s = malloc(n + 1);
    if (s) {
        memcpy(s, p, n);
        s[n] = 0;
    }
    return s;
}

static void fz_storeeid(const unsigned char *v, size_t len)
{
    struct pm_storeeid e;
    struct pm_buf out = PM_BUF_INIT;
    if (pm_storeeid_read(v, len, PM_STOREEID_PREFIX, &e) == 1 &&
        (e.len > len || e.len < PM_STOREEID_HEADER + 1))
        abort();
    if (pm_storeeid_read(v, len, 0, &e) == 1) {
        if (e.len != len)
            abort();
        struct pm_storeeid_edit none = {0};
        if (pm_storeeid_rewrite(v, len, &none, &out) != 0 || out.len != len ||
            memcmp(out.data, v, len) != 0)
            abort(); /* nothing asked: identity */
        char *srv = fz_dup(e.server, e.server_len);
        char *dn = e.dn ? fz_dup(e.dn, e.dn_len) : NULL;
        int ascii = 1;
        for (size_t i = 0; i < e.server_len; i++)
            ascii &= (unsigned char)e.server[i] < 0x80;
        for (size_t i = 0; e.dn && i < e.dn_len; i++)
            ascii &= (unsigned char)e.dn[i] < 0x80;
        if (srv && (!e.dn || dn) && ascii) {
            struct pm_storeeid_edit same = {srv, dn, NULL, NULL, NULL};
            if (pm_storeeid_rewrite(v, len, &same, &out) != 0 || out.len != len ||
                memcmp(out.data, v, len) != 0)
                abort(); /* the values already there: identity */
        }
        free(srv);
        free(dn);
        static const char s_new[] = "0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9@target.example";
        static const char d_new[] = "/o=ExchangeLabs/ou=Exchange Administrative Group "
                                    "(FYDIBOHF23SPDLT)/cn=Recipients/cn=abc-new";
        struct pm_storeeid_edit ed = {s_new, d_new, "/o=T/cn=Servers/cn=M", "m.target.example",
                                      "new@target.example"};
        struct pm_storeeid back;
        if (pm_storeeid_rewrite(v, len, &ed, &out) != 0 ||
            pm_storeeid_read((const uint8_t *)out.data, out.len, 0, &back) != 1 ||
            back.server_len != strlen(s_new) || memcmp(back.server, s_new, back.server_len) ||
            (e.dn != NULL) != (back.dn != NULL) ||
            (back.dn && (back.dn_len != strlen(d_new) || memcmp(back.dn, d_new, back.dn_len))) ||
            back.tail != e.tail || memcmp(out.data, v, PM_STOREEID_HEADER) != 0 ||
            (e.v3_smtp != NULL) != (back.v3_smtp != NULL) ||
            (e.v2_dn != NULL) != (back.v2_dn != NULL) ||
            (e.v2_fqdn != NULL) != (back.v2_fqdn != NULL) ||
            back.tail_size_has_reserved != e.tail_size_has_reserved)
            abort(); /* parse(rewrite(x, s, d)) gives s, d; nothing else changes shape */
    }

    struct pm_storeeid_hits h = PM_STOREEID_HITS_INIT;
    int n = pm_storeeid_scan(v, len, &h);
    if (n < 0 || (size_t)n != h.n)
        abort();
    size_t end = 0;
    for (size_t i = 0; i < h.n; i++) {
        if (h.items[i].off < end || h.items[i].len > len || h.items[i].off > len - h.items[i].len)
            abort();
        if (pm_storeeid_read(v + h.items[i].off, h.items[i].len, 0, &e) != 1)
            abort(); /* a hit is exactly one EntryID */
        end = h.items[i].off + h.items[i].len;
    }
    pm_storeeid_hits_release(&h);
    struct pm_storeeid_stats st = {0, 0, 0};
    if (pm_storeeid_rewrite_embedded(v, len, fz_flip_server, NULL, &out, &st) == 0 &&
        (out.len != len || st.refused != 0 || st.found != (size_t)n))
        abort(); /* same-length edits always fit */
    pm_buf_release(&out);

    size_t mbx = 0;
    if (pm_mapi_dn_split_guid((const char *)v, len, &mbx) == 1 && (mbx == 0 || mbx + 38 > len))
        abort();
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned sel = data[0];
    const char *name = fz_names[sel % PM_ARRAY_SIZE(fz_names)];
    uint32_t type = fz_types[(sel / PM_ARRAY_SIZE(fz_names)) % PM_ARRAY_SIZE(fz_types)];
    const unsigned char *v = data + 1;
    size_t len = size - 1;

    struct pm_buf out = PM_BUF_INIT;
    int rc = pm_mapi_string_get(name, type, v, len, &out);
    if (rc == 0 && out.len != 0)
        abort(); /* "not a string" must leave nothing behind */
    if (rc == 1 && out.data && strlen(out.data) != out.len)
        abort(); /* decoded text is a C string with no NUL inside */
    if (pm_mapi_format(name, type, v, len, &out) < 0 && out.len > 4096)
        abort();
    pm_buf_release(&out);

    uint32_t lv;
    if (pm_mapi_long_get(v, len, &lv) != (len == 4))
        abort();
    size_t nuid = pm_mapi_uid_count(len);
    for (size_t i = 0; i < nuid && i < 8; i++) {
        char hex[33];
        pm_mapi_uid_hex(v, i, hex);
    }

    const char *dn = NULL;
    size_t dnlen = 0;
    if (pm_mapi_abeid_dn(v, len, &dn, &dnlen) == 1) {
        if (!dn || dnlen == 0 || !fz_inside(v, len, dn, dnlen + 1) || dn[dnlen] != 0)
            abort();
        /* Re-point the EntryID at a DN taken from its own tail: the header stays, the DN reads
         * back exactly. */
        char *newdn = malloc(dnlen + 2);
        if (newdn) {
            memcpy(newdn, dn, dnlen);
            newdn[dnlen] = 'X';
            newdn[dnlen + 1] = 0;
            struct pm_buf eid = PM_BUF_INIT;
            if (pm_mapi_abeid_with_dn(v, len, newdn, &eid) == 0) {
                const char *back = NULL;
                size_t backlen = 0;
                if (pm_mapi_abeid_dn((const uint8_t *)eid.data, eid.len, &back, &backlen) != 1 ||
                    backlen != dnlen + 1 || memcmp(back, newdn, backlen) != 0 ||
                    memcmp(eid.data, v, 28) != 0)
                    abort();
            }
            pm_buf_release(&eid);
            free(newdn);
        }
    }
    /* A header of any length with any DN text. */
    {
        struct pm_buf eid = PM_BUF_INIT;
        char tail[64];
        size_t t = len < sizeof(tail) - 1 ? len : sizeof(tail) - 1;
        memcpy(tail, v, t);
        tail[t] = 0;
        rc = pm_mapi_abeid_with_dn(v, len, tail, &eid);
        if ((len < 28) != (rc != 0))
            abort();
        pm_buf_release(&eid);
    }

    const char *server = NULL, *sdn = NULL;
    size_t slen = 0, sdnlen = 0;
    if (pm_mapi_storeeid_parse(v, len, &server, &slen, &sdn, &sdnlen) == 1) {
        if (!fz_inside(v, len, server, slen + 1) || server[slen] != 0)
            abort();
        if (sdn && (!fz_inside(v, len, sdn, sdnlen + 1) || sdn[sdnlen] != 0 || sdnlen == 0))
            abort();
        if (!sdn && sdnlen != 0)
            abort();
    }
    fz_storeeid(v, len);
    return 0;
}
