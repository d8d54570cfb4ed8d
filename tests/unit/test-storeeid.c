/* Tests of store EntryIDs (include/pm/storeeid.h): the V1, V2 and V3 forms built byte by byte
 * from [MS-OXCDATA] 2.2.4.3 and MFCMAPI's MDB_STORE_EID_V2/V3 are read field by field, rebuilt
 * with a new server and DN (tail Size and offsets recomputed, everything else kept), found inside
 * larger binaries, and rewritten inside multi-valued lists with the list framing recomputed.
 * Hostile bytes are refused without reading past the length (heap copies of exact size). */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the four above, which it needs */

#include <stdlib.h>
#include <string.h>

#include "pm/mvprop.h"
#include "pm/storeeid.h"

#define DN_ALICE "/o=Src/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=alice"
#define DN_BOB "/o=Src/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=bob"
#define DN_NEW                                                                                     \
    "/o=ExchangeLabs/ou=Exchange Administrative Group "                                            \
    "(FYDIBOHF23SPDLT)/cn=Recipients/cn=0123456789abcdef0123456789abcdef-alice"
#define SRV_OLD "0a1b2c3d-0000-1111-2222-333344445555@source.example"
#define SRV_NEW "0a1b2c3d-0000-1111-2222-333344445555@target.example"

static uint8_t *exact(const void *data, size_t len)
{
    uint8_t *p = malloc(len ? len : 1);
    assert_non_null(p);
    if (len)
        memcpy(p, data, len);
    return p;
}

static void add(struct pm_buf *b, const void *d, size_t n)
{
    assert_int_equal(pm_buf_append(b, d, n), 0);
}

static void add32(struct pm_buf *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    add(b, x, 4);
}

static void add16(struct pm_buf *b, const char *ascii)
{
    for (; *ascii; ascii++)
        add(b, (const uint8_t[]){(uint8_t)*ascii, 0}, 2);
    add(b, "\0", 2);
}

/* The 60 bytes before ServerShortname, as MS-OXCDATA 2.2.4.3 gives them. */
static void header(struct pm_buf *b, int pub)
{
    static const uint8_t provider[16] = {0x38, 0xa1, 0xbb, 0x10, 0x05, 0xe5, 0x10, 0x1a,
                                         0xa1, 0xbb, 0x08, 0x00, 0x2b, 0x2a, 0x56, 0xc2};
    static const uint8_t mailbox[16] = {0x1b, 0x55, 0xfa, 0x20, 0xaa, 0x66, 0x11, 0xcd,
                                        0x9b, 0xc8, 0x00, 0xaa, 0x00, 0x2f, 0xc4, 0x5a};
    static const uint8_t public[16] = {0x1c, 0x83, 0x02, 0x10, 0xaa, 0x66, 0x11, 0xcd,
                                       0x9b, 0xc8, 0x00, 0xaa, 0x00, 0x2f, 0xc4, 0x5a};
    pm_buf_reset(b);
    add32(b, 0);                                      /* 0: Flags */
    add(b, provider, 16);                             /* 4: ProviderUID (muidStoreWrap) */
    add(b, "\0\0", 2);                                /* 20: Version, Flag */
    add(b, "EMSMDB.DLL\0\0\0\0", 14);                 /* 22: DLLFileName, 14 bytes */
    add32(b, 0);                                      /* 36: WrappedFlags */
    add(b, pub ? public : mailbox, 16);               /* 40: WrappedProvider UID */
    add32(b, pub ? 0x06 : 0x0c);                      /* 56: WrappedType */
    assert_int_equal(b->len, 60);
}

/* V1: header, ServerShortname\0, MailboxDN\0 (dn NULL: none). */
static void eid_v1(struct pm_buf *b, int pub, const char *server, const char *dn)
{
    header(b, pub);
    add(b, server, strlen(server) + 1);
    if (dn)
        add(b, dn, strlen(dn) + 1);
}

/* V2 tail (MFCMAPI MDB_STORE_EID_V2): magic, Size, Version 1, OffsetDN, OffsetFQDN (from the
 * magic), server DN 8-bit\0, server FQDN UTF-16LE\0, 2 reserved bytes. with_reserved: whether
 * Size counts the reserved bytes. */
static void tail_v2(struct pm_buf *b, const char *sdn, const char *fqdn, int with_reserved)
{
    size_t odn = sdn ? 20 : 0;
    size_t ofq = fqdn ? 20 + (sdn ? strlen(sdn) + 1 : 0) : 0;
    size_t total = 20 + (sdn ? strlen(sdn) + 1 : 0) + (fqdn ? 2 * strlen(fqdn) + 2 : 0) + 2;
    add32(b, 0xF32135D8u);
    add32(b, (uint32_t)(with_reserved ? total : total - 2));
    add32(b, 1);
    add32(b, (uint32_t)odn);
    add32(b, (uint32_t)ofq);
    if (sdn)
        add(b, sdn, strlen(sdn) + 1);
    if (fqdn)
        add16(b, fqdn);
    add(b, "\0", 2);
}

/* V3 tail: magic, Size, Version 2, OffsetSmtpAddress (16), SMTP UTF-16LE\0, 2 reserved bytes. */
static void tail_v3(struct pm_buf *b, const char *smtp)
{
    add32(b, 0xF43246E9u);
    add32(b, (uint32_t)(16 + (smtp ? 2 * strlen(smtp) + 2 : 0) + 2));
    add32(b, 2);
    add32(b, smtp ? 16 : 0);
    if (smtp)
        add16(b, smtp);
    add(b, "\0", 2);
}

static int rd(const struct pm_buf *b, unsigned flags, struct pm_storeeid *e, uint8_t **copy)
{
    *copy = exact(b->data, b->len);
    return pm_storeeid_read(*copy, b->len, flags, e);
}

static void test_read_v1_v2_v3(void **state)
{
    (void)state;
    struct pm_buf b = PM_BUF_INIT;
    struct pm_storeeid e;
    uint8_t *c;

    eid_v1(&b, 0, SRV_OLD, DN_ALICE);
    assert_int_equal(rd(&b, 0, &e, &c), 1);
    assert_int_equal(e.len, b.len);
    assert_int_equal(e.is_public, 0);
    assert_int_equal(e.wrapped_type, 0x0c);
    assert_int_equal(e.server_len, strlen(SRV_OLD));
    assert_memory_equal(e.server, SRV_OLD, e.server_len);
    assert_ptr_equal(e.server, (const char *)c + 60);
    assert_int_equal(e.dn_len, strlen(DN_ALICE));
    assert_memory_equal(e.dn, DN_ALICE, e.dn_len);
    assert_int_equal(e.tail, PM_STOREEID_TAIL_NONE);
    free(c);

    eid_v1(&b, 0, "EXCH01", DN_ALICE);
    tail_v2(&b, "/o=Src/cn=Servers/cn=EXCH01", "exch01.src.example", 1);
    assert_int_equal(rd(&b, 0, &e, &c), 1);
    assert_int_equal(e.tail, PM_STOREEID_TAIL_V2);
    assert_int_equal(e.v2_dn_len, strlen("/o=Src/cn=Servers/cn=EXCH01"));
    assert_memory_equal(e.v2_dn, "/o=Src/cn=Servers/cn=EXCH01", e.v2_dn_len);
    assert_int_equal(e.v2_fqdn_len, 2 * strlen("exch01.src.example"));
    assert_memory_equal(e.v2_fqdn, "e\0x\0c\0h\0", 8);
    assert_int_equal(e.tail_size_has_reserved, 1);
    assert_null(e.v3_smtp);
    free(c);
    /* The other Size convention (without the reserved bytes) reads too. */
    eid_v1(&b, 0, "EXCH01", DN_ALICE);
    tail_v2(&b, "/o=Src/cn=Servers/cn=EXCH01", "exch01.src.example", 0);
    assert_int_equal(rd(&b, 0, &e, &c), 1);
    assert_int_equal(e.tail_size_has_reserved, 0);
    free(c);

    eid_v1(&b, 0, SRV_OLD, DN_ALICE);
    tail_v3(&b, "alice@source.example");
    assert_int_equal(rd(&b, 0, &e, &c), 1);
    assert_int_equal(e.tail, PM_STOREEID_TAIL_V3);
    assert_int_equal(e.v3_smtp_len, 2 * strlen("alice@source.example"));
    assert_memory_equal(e.dn, DN_ALICE, e.dn_len);
    free(c);

    /* A public-folder EntryID: no DN, the tail straight after the server (MFCMAPI's case). */
    eid_v1(&b, 1, "PFSRV", NULL);
    tail_v3(&b, "pf@source.example");
    assert_int_equal(rd(&b, 0, &e, &c), 1);
    assert_int_equal(e.is_public, 1);
    assert_null(e.dn);
    assert_int_equal(e.tail, PM_STOREEID_TAIL_V3);
    free(c);
    /* ... or just the server. */
    eid_v1(&b, 1, "PFSRV", NULL);
    assert_int_equal(rd(&b, 0, &e, &c), 1);
    assert_null(e.dn);
    free(c);
    /* DLLFileName in lower case, as some writers put it. */
    eid_v1(&b, 0, "EXCH01", DN_ALICE);
    memcpy(b.data + 22, "emsmdb.dll", 10);
    assert_int_equal(rd(&b, 0, &e, &c), 1);
    free(c);
    pm_buf_release(&b);
}

static void rewrite_ok(const struct pm_buf *in, const struct pm_storeeid_edit *ed,
                       const struct pm_buf *want)
{
    struct pm_buf out = PM_BUF_INIT;
    uint8_t *c = exact(in->data, in->len);
    assert_int_equal(pm_storeeid_rewrite(c, in->len, ed, &out), 0);
    assert_int_equal(out.len, want->len);
    assert_memory_equal(out.data, want->data, want->len);
    free(c);
    pm_buf_release(&out);
}

static void test_rewrite(void **state)
{
    (void)state;
    struct pm_buf in = PM_BUF_INIT, want = PM_BUF_INIT;
    struct pm_storeeid_edit none = {0};

    /* V1: server and DN replaced, the header kept (here a WrappedType with an extra bit, which
     * must survive). */
    eid_v1(&in, 0, SRV_OLD, DN_ALICE);
    in.data[56] = 0x0d;
    eid_v1(&want, 0, SRV_NEW, DN_NEW);
    want.data[56] = 0x0d;
    struct pm_storeeid_edit ed = {SRV_NEW, DN_NEW, NULL, NULL, NULL};
    rewrite_ok(&in, &ed, &want);
    /* Nothing asked, or the same values: the same bytes. */
    rewrite_ok(&in, &none, &in);
    struct pm_storeeid_edit same = {SRV_OLD, DN_ALICE, "x", "y", "z"};
    rewrite_ok(&in, &same, &in); /* tail fields the EntryID lacks are not added */

    /* V2: the DN gets longer, the FQDN changes; OffsetFQDN and Size follow. Both Size
     * conventions are kept. */
    for (int wr = 0; wr <= 1; wr++) {
        eid_v1(&in, 0, "EXCH01", DN_ALICE);
        tail_v2(&in, "/o=Src/cn=Servers/cn=EXCH01", "exch01.src.example", wr);
        eid_v1(&want, 0, "EXCH01", DN_NEW);
        tail_v2(&want, "/o=Dst/cn=Configuration/cn=Servers/cn=MBX7", "mbx7.dst.example", wr);
        struct pm_storeeid_edit e2 = {NULL, DN_NEW, "/o=Dst/cn=Configuration/cn=Servers/cn=MBX7",
                                      "mbx7.dst.example", NULL};
        rewrite_ok(&in, &e2, &want);
        rewrite_ok(&in, &none, &in);
    }
    /* V2 with only an FQDN (OffsetDN 0): the FQDN stays at 20, no DN appears. */
    eid_v1(&in, 0, "EXCH01", DN_ALICE);
    tail_v2(&in, NULL, "exch01.src.example", 1);
    eid_v1(&want, 0, "EXCH01", DN_ALICE);
    tail_v2(&want, NULL, "m.dst.example", 1);
    struct pm_storeeid_edit e3 = {NULL, NULL, "/o=ignored", "m.dst.example", NULL};
    rewrite_ok(&in, &e3, &want);

    /* V3: server, DN and SMTP address (Exchange Online). */
    eid_v1(&in, 0, SRV_OLD, DN_ALICE);
    tail_v3(&in, "alice@source.example");
    eid_v1(&want, 0, SRV_NEW, DN_NEW);
    tail_v3(&want, "alice.smith@target.example");
    struct pm_storeeid_edit e4 = {SRV_NEW, DN_NEW, NULL, NULL, "alice.smith@target.example"};
    rewrite_ok(&in, &e4, &want);
    rewrite_ok(&in, &none, &in);
    /* ... and what was written reads back with the new values. */
    struct pm_buf out = PM_BUF_INIT;
    struct pm_storeeid e;
    assert_int_equal(pm_storeeid_rewrite((const uint8_t *)in.data, in.len, &e4, &out), 0);
    assert_int_equal(pm_storeeid_read((const uint8_t *)out.data, out.len, 0, &e), 1);
    assert_int_equal(e.server_len, strlen(SRV_NEW));
    assert_memory_equal(e.server, SRV_NEW, e.server_len);
    assert_memory_equal(e.dn, DN_NEW, strlen(DN_NEW));

    /* Public folder without DN: a DN asked for is not added. */
    eid_v1(&in, 1, "PFSRV", NULL);
    tail_v3(&in, "pf@source.example");
    eid_v1(&want, 1, "PF2", NULL);
    tail_v3(&want, "pf@source.example");
    struct pm_storeeid_edit e5 = {"PF2", DN_NEW, NULL, NULL, NULL};
    rewrite_ok(&in, &e5, &want);

    /* Refused: non-ASCII in an 8-bit field; input that is not an exact EntryID. */
    eid_v1(&in, 0, SRV_OLD, DN_ALICE);
    struct pm_storeeid_edit bad = {NULL, "/o=Zo\xc3\xab", NULL, NULL, NULL};
    assert_int_equal(pm_storeeid_rewrite((const uint8_t *)in.data, in.len, &bad, &out),
                     PM_ERR_INVALID);
    add(&in, "x", 1);
    assert_int_equal(pm_storeeid_rewrite((const uint8_t *)in.data, in.len, &none, &out),
                     PM_ERR_INVALID);
    pm_buf_release(&out);
    pm_buf_release(&in);
    pm_buf_release(&want);
}

static int reads(const struct pm_buf *b, size_t len, unsigned flags)
{
    struct pm_storeeid e;
    uint8_t *c = exact(b->data, len);
    int rc = pm_storeeid_read(c, len, flags, &e);
    free(c);
    return rc;
}

static void test_hostile(void **state)
{
    (void)state;
    struct pm_buf b = PM_BUF_INIT;
    /* Header fields that MS-OXCDATA fixes: each one changed is refused. */
    static const size_t fixed[] = {0, 4, 19, 20, 21, 22, 31, 33, 36, 40, 55};
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
        eid_v1(&b, 0, "EXCH01", DN_ALICE);
        b.data[fixed[i]] ^= 0x40;
        assert_int_equal(reads(&b, b.len, 0), 0);
        assert_int_equal(reads(&b, b.len, PM_STOREEID_PREFIX), 0);
    }
    /* Tails: wrong version, offsets out of sequence, Size neither convention, cut short. */
    struct {
        size_t at;
        uint8_t v;
    } breaks[] = {{8, 2}, {12, 21}, {16, 0x40}, {4, 0x33}};
    eid_v1(&b, 0, "EXCH01", DN_ALICE);
    size_t t = b.len;
    tail_v2(&b, "/o=Src/cn=EXCH01", "e.x", 1);
    for (size_t i = 0; i < sizeof(breaks) / sizeof(breaks[0]); i++) {
        struct pm_buf c = PM_BUF_INIT;
        add(&c, b.data, b.len);
        c.data[t + breaks[i].at] = (char)breaks[i].v;
        assert_int_equal(reads(&c, c.len, 0), 0);
        pm_buf_release(&c);
    }
    /* Every truncation is refused or reads as a shorter EntryID that rewrites to itself (the
     * cut at the end of the server, or of the DN, is a smaller valid EntryID). */
    eid_v1(&b, 0, SRV_OLD, DN_ALICE);
    tail_v3(&b, "alice@source.example");
    size_t server_end = 60 + strlen(SRV_OLD) + 1, dn_end = server_end + strlen(DN_ALICE) + 1;
    for (size_t len = 0; len < b.len; len++) {
        int rc = reads(&b, len, 0);
        assert_int_equal(rc, len == server_end || len == dn_end);
        if (rc) {
            struct pm_buf out = PM_BUF_INIT;
            struct pm_storeeid_edit none = {0};
            assert_int_equal(pm_storeeid_rewrite((const uint8_t *)b.data, len, &none, &out), 0);
            assert_int_equal(out.len, len);
            pm_buf_release(&out);
        }
    }
    /* Bytes after an EntryID: refused as a value, accepted as a prefix of a larger structure. */
    eid_v1(&b, 0, "EXCH01", DN_ALICE);
    add(&b, "\x01\x02\x03", 3);
    assert_int_equal(reads(&b, b.len, 0), 0);
    struct pm_storeeid e;
    assert_int_equal(pm_storeeid_read((const uint8_t *)b.data, b.len, PM_STOREEID_PREFIX, &e), 1);
    assert_int_equal(e.len, b.len - 3);
    /* A server without its NUL. */
    header(&b, 0);
    add(&b, "EXCH01", 6);
    assert_int_equal(reads(&b, b.len, 0), 0);
    pm_buf_release(&b);
}

static void test_scan(void **state)
{
    (void)state;
    struct pm_buf blob = PM_BUF_INIT, a = PM_BUF_INIT, c = PM_BUF_INIT;
    eid_v1(&a, 0, SRV_OLD, DN_ALICE);
    eid_v1(&c, 0, "EXCH02", DN_BOB);
    tail_v3(&c, "bob@source.example");
    /* junk(7) | cb(4) = len(a) | a | junk with a half muidStoreWrap | c | junk(5) */
    add(&blob, "\x01\x02\x03\x04\x05\x06\x07", 7);
    add32(&blob, (uint32_t)a.len);
    size_t off_a = blob.len;
    add(&blob, a.data, a.len);
    add(&blob, "\0\0\0\0\x38\xa1\xbb\x10\x05\xe5", 10);
    size_t off_c = blob.len;
    add(&blob, c.data, c.len);
    add(&blob, "\x09\x09\x09\x09\x09", 5);

    struct pm_storeeid_hits h = PM_STOREEID_HITS_INIT;
    uint8_t *d = exact(blob.data, blob.len);
    assert_int_equal(pm_storeeid_scan(d, blob.len, &h), 2);
    assert_int_equal(h.n, 2);
    assert_int_equal(h.items[0].off, off_a);
    assert_int_equal(h.items[0].len, a.len);
    assert_int_equal(h.items[0].len_prefixed, 1);
    assert_int_equal(h.items[1].off, off_c);
    assert_int_equal(h.items[1].len, c.len);
    assert_int_equal(h.items[1].len_prefixed, 0);
    assert_int_equal(pm_storeeid_fits(&h.items[0], a.len), 1);
    assert_int_equal(pm_storeeid_fits(&h.items[0], a.len + 1), 0);
    free(d);
    /* Nothing in plain bytes; an EntryID cut by the end of the blob is not reported. */
    d = exact(blob.data, off_a + 40);
    assert_int_equal(pm_storeeid_scan(d, off_a + 40, &h), 0);
    assert_int_equal(h.n, 0);
    free(d);
    pm_storeeid_hits_release(&h);
    pm_buf_release(&blob);
    pm_buf_release(&a);
    pm_buf_release(&c);
}

/* Rewrites alice's EntryIDs to the server in ctx (and, for a V3 tail, a new SMTP address). */
struct decide_ctx {
    const char *server;
    const char *dn;
    int calls;
};

static int decide_alice(const struct pm_storeeid *eid, struct pm_storeeid_edit *e, void *vctx)
{
    struct decide_ctx *ctx = vctx;
    ctx->calls++;
    if (!eid->dn || eid->dn_len != strlen(DN_ALICE) || memcmp(eid->dn, DN_ALICE, eid->dn_len))
        return 0;
    e->server = ctx->server;
    e->dn = ctx->dn;
    e->v3_smtp = "alice@target.example";
    return 1;
}

static void test_rewrite_embedded(void **state)
{
    (void)state;
    struct pm_buf blob = PM_BUF_INIT, a = PM_BUF_INIT, b2 = PM_BUF_INIT, out = PM_BUF_INIT;
    eid_v1(&a, 0, SRV_OLD, DN_ALICE);
    eid_v1(&b2, 0, "EXCH02", DN_BOB);
    add(&blob, "HEAD", 4);
    add32(&blob, (uint32_t)a.len);
    size_t off_a = blob.len;
    add(&blob, a.data, a.len);
    add32(&blob, (uint32_t)b2.len);
    add(&blob, b2.data, b2.len);
    add(&blob, "TAIL", 4);

    /* Same length (only the domain of a same-length server changes): rewritten in place. */
    struct decide_ctx ctx = {SRV_NEW, NULL, 0};
    struct pm_storeeid_stats st = {0, 0, 0};
    assert_int_equal(pm_storeeid_rewrite_embedded((const uint8_t *)blob.data, blob.len,
                                                  decide_alice, &ctx, &out, &st),
                     0);
    assert_int_equal(ctx.calls, 2);
    assert_int_equal(st.found, 2);
    assert_int_equal(st.rewritten, 1);
    assert_int_equal(st.refused, 0);
    assert_int_equal(out.len, blob.len);
    assert_memory_equal(out.data + off_a + 60, SRV_NEW, strlen(SRV_NEW));
    assert_memory_equal(out.data, blob.data, off_a + 60);
    size_t after = off_a + 60 + strlen(SRV_NEW);
    assert_memory_equal(out.data + after, blob.data + after, blob.len - after);

    /* A longer DN would shift the structure under its own length fields: left as it is. */
    struct decide_ctx longer = {SRV_NEW, DN_NEW, 0};
    memset(&st, 0, sizeof(st));
    assert_int_equal(pm_storeeid_rewrite_embedded((const uint8_t *)blob.data, blob.len,
                                                  decide_alice, &longer, &out, &st),
                     0);
    assert_int_equal(st.rewritten, 0);
    assert_int_equal(st.refused, 1);
    assert_int_equal(out.len, blob.len);
    assert_memory_equal(out.data, blob.data, blob.len);
    pm_buf_release(&blob);
    pm_buf_release(&a);
    pm_buf_release(&b2);
    pm_buf_release(&out);
}

static void test_rewrite_mv(void **state)
{
    (void)state;
    struct pm_buf a = PM_BUF_INIT, b2 = PM_BUF_INIT, val = PM_BUF_INIT, out = PM_BUF_INIT;
    eid_v1(&a, 0, SRV_OLD, DN_ALICE);
    tail_v3(&a, "alice@source.example");
    eid_v1(&b2, 0, "EXCH02", DN_BOB);
    /* A CONTAB-style 11026626 in the 64-bit layout: alice, bob, and a blob that is no EntryID. */
    struct pm_mv_entry items[3] = {{(const uint8_t *)a.data, a.len},
                                   {(const uint8_t *)b2.data, b2.len},
                                   {(const uint8_t *)"\x01\x02\x03", 3}};
    for (int w = 32; w <= 64; w += 32) {
        struct pm_mv_list l = {PM_MV_BINARY, (enum pm_mv_layout)w, 1, 3, items};
        assert_int_equal(pm_mv_serialise(&l, &val), 0);
        struct decide_ctx ctx = {SRV_NEW, DN_NEW, 0};
        struct pm_storeeid_stats st = {0, 0, 0};
        uint8_t *d = exact(val.data, val.len);
        assert_int_equal(pm_storeeid_rewrite_mv(d, val.len, decide_alice, &ctx, &out, &st), 1);
        free(d);
        assert_int_equal(st.found, 2);
        assert_int_equal(st.rewritten, 1);
        /* The new list reads back in the same layout; alice's entry is longer and carries the
         * new names; the other entries are byte for byte what they were. */
        struct pm_mv_list r = PM_MV_LIST_INIT;
        assert_int_equal(pm_mv_parse(PM_MV_BINARY, (const uint8_t *)out.data, out.len, &r), 1);
        assert_int_equal(r.layout, w);
        assert_int_equal(r.n, 3);
        struct pm_storeeid e;
        assert_int_equal(pm_storeeid_read(r.items[0].data, r.items[0].len, 0, &e), 1);
        assert_memory_equal(e.server, SRV_NEW, strlen(SRV_NEW));
        assert_int_equal(e.dn_len, strlen(DN_NEW));
        assert_memory_equal(e.dn, DN_NEW, e.dn_len);
        assert_int_equal(e.v3_smtp_len, 2 * strlen("alice@target.example"));
        assert_int_equal(r.items[1].len, b2.len);
        assert_memory_equal(r.items[1].data, b2.data, b2.len);
        assert_memory_equal(r.items[2].data, "\x01\x02\x03", 3);
        pm_mv_list_release(&r);

        /* Nothing to rewrite: the output is the input. */
        struct decide_ctx none = {NULL, NULL, 0};
        d = exact(out.data, out.len);
        struct pm_buf again = PM_BUF_INIT;
        assert_int_equal(pm_storeeid_rewrite_mv(d, out.len, decide_alice, &none, &again, NULL), 1);
        assert_int_equal(again.len, out.len);
        assert_memory_equal(again.data, d, out.len);
        free(d);
        pm_buf_release(&again);
    }
    /* A list that does not parse: 0, nothing to write. */
    struct decide_ctx ctx = {SRV_NEW, DN_NEW, 0};
    assert_int_equal(pm_storeeid_rewrite_mv((const uint8_t *)a.data, a.len, decide_alice, &ctx,
                                            &out, NULL),
                     0);
    assert_int_equal(out.len, 0);
    pm_buf_release(&a);
    pm_buf_release(&b2);
    pm_buf_release(&val);
    pm_buf_release(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_v1_v2_v3),    cmocka_unit_test(test_rewrite),
        cmocka_unit_test(test_hostile),          cmocka_unit_test(test_scan),
        cmocka_unit_test(test_rewrite_embedded), cmocka_unit_test(test_rewrite_mv),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
