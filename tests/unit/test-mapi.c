/* Tests of the MAPI value encodings (outlook-profile-format.md §2.3, §5): every string variant a
 * profile holds is read back as the text Outlook shows and written in the variant that exists,
 * PT_LONG and UID lists decode as MAPI lays them out, the two EntryID shapes give up their DN and
 * server, and truncated or hostile bytes are refused without reading past the length (each
 * hostile input is copied into a heap block of exactly its size, so ASan sees any overread). */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the four above, which it needs */

#include <stdlib.h>
#include <string.h>

#include "pm/mapi.h"
#include "pm/value.h"

static const uint8_t muid_emsab[16] = {0xdc, 0xa7, 0x40, 0xc8, 0xc0, 0x42, 0x10, 0x1a,
                                       0xb4, 0xb9, 0x08, 0x00, 0x2b, 0x2f, 0xe1, 0x82};
static const uint8_t muid_store_wrap[16] = {0x38, 0xa1, 0xbb, 0x10, 0x05, 0xe5, 0x10, 0x1a,
                                            0xa1, 0xbb, 0x08, 0x00, 0x2b, 0x2a, 0x56, 0xc2};
static const uint8_t store_private[16] = {0x1b, 0x55, 0xfa, 0x20, 0xaa, 0x66, 0x11, 0xcd,
                                          0x9b, 0xc8, 0x00, 0xaa, 0x00, 0x2f, 0xc4, 0x5a};
static const uint8_t store_public[16] = {0x1c, 0x83, 0x02, 0x10, 0xaa, 0x66, 0x11, 0xcd,
                                         0x9b, 0xc8, 0x00, 0xaa, 0x00, 0x2f, 0xc4, 0x5a};

#define DN_ALICE                                                                                   \
    "/o=Source Org/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=alice"
#define DN_NEW                                                                                     \
    "/o=ExchangeLabs/ou=Exchange Administrative Group "                                            \
    "(FYDIBOHF23SPDLT)/cn=Recipients/cn=0123456789abcdef0123456789abcdef-alice"

/* A heap copy of exactly len bytes: any read past it is an ASan error. */
static uint8_t *exact(const void *data, size_t len)
{
    uint8_t *p = malloc(len ? len : 1);
    assert_non_null(p);
    if (len)
        memcpy(p, data, len);
    return p;
}

/* The text of a string value as pm_mapi_string_get reads it; returns the function's result. */
static int get_text(const char *name, uint32_t type, const void *data, size_t len,
                    struct pm_buf *out)
{
    uint8_t *d = exact(data, len);
    int rc = pm_mapi_string_get(name, type, d, len, out);
    free(d);
    return rc;
}

static void utf16(const char *s, int nul, struct pm_buf *out)
{
    pm_buf_reset(out);
    assert_int_equal(pm_utf8_to_utf16le(s, strlen(s), nul, out), 0);
}

/* ---- strings ---- */

static void test_string_reg_sz(void **state)
{
    (void)state;
    struct pm_buf w = PM_BUF_INIT, out = PM_BUF_INIT;
    /* PT_STRING8 values are REG_SZ (§2.3); the registry keeps them as UTF-16LE with NUL. */
    utf16("EXCH07", 1, &w);
    assert_int_equal(get_text("001e6602", PM_REG_SZ, w.data, w.len, &out), 1);
    assert_string_equal(out.data, "EXCH07");
    /* REG_EXPAND_SZ reads the same way. */
    utf16("%LOCALAPPDATA%\\x.ost", 1, &w);
    assert_int_equal(get_text("001e6610", PM_REG_EXPAND_SZ, w.data, w.len, &out), 1);
    assert_string_equal(out.data, "%LOCALAPPDATA%\\x.ost");
    /* Non-ASCII round trip (profile and display names). */
    utf16("Zo\xc3\xab \xe2\x80\x93 Priv\xc3\xa9", 1, &w);
    assert_int_equal(get_text("DefaultProfile", PM_REG_SZ, w.data, w.len, &out), 1);
    assert_string_equal(out.data, "Zo\xc3\xab \xe2\x80\x93 Priv\xc3\xa9");

    /* Writing a REG_SZ value keeps REG_SZ's encoding: UTF-16LE with its NUL. */
    assert_int_equal(pm_mapi_string_put("001e6602", PM_REG_SZ, "EXCH10", &out), 0);
    utf16("EXCH10", 1, &w);
    assert_int_equal(out.len, w.len);
    assert_memory_equal(out.data, w.data, w.len);
    pm_buf_release(&w);
    pm_buf_release(&out);
}

static void test_string_001f_binary(void **state)
{
    (void)state;
    struct pm_buf w = PM_BUF_INIT, out = PM_BUF_INIT;
    /* With the 2-byte terminator MAPI writes... */
    static const uint8_t ab_nul[] = {'a', 0, 'b', 0, 0, 0};
    assert_int_equal(get_text("001f6641", PM_REG_BINARY, ab_nul, sizeof(ab_nul), &out), 1);
    assert_string_equal(out.data, "ab");
    /* ...and without it (§2.4: do not assume a terminator). */
    static const uint8_t ab[] = {'a', 0, 'b', 0};
    assert_int_equal(get_text("001f6641", PM_REG_BINARY, ab, sizeof(ab), &out), 1);
    assert_string_equal(out.data, "ab");
    /* An odd trailing byte is ignored, not read as half a character past the end. */
    static const uint8_t odd[] = {'a', 0, 'b', 0, 'c'};
    assert_int_equal(get_text("001f6641", PM_REG_BINARY, odd, sizeof(odd), &out), 1);
    assert_string_equal(out.data, "ab");
    /* Uppercase type half: value names compare case-insensitively. */
    assert_int_equal(get_text("001F3001", PM_REG_BINARY, ab_nul, sizeof(ab_nul), &out), 1);
    assert_string_equal(out.data, "ab");
    /* Empty value: a string, empty. */
    assert_int_equal(get_text("001f6641", PM_REG_BINARY, "", 0, &out), 1);
    assert_int_equal(out.len, 0);

    /* Writing: UTF-16LE plus the terminator, byte for byte what MAPI writes. */
    assert_int_equal(pm_mapi_string_put("001f6641", PM_REG_BINARY, "ab", &out), 0);
    assert_int_equal(out.len, sizeof(ab_nul));
    assert_memory_equal(out.data, ab_nul, sizeof(ab_nul));
    /* Non-ASCII goes through UTF-16 unchanged. */
    assert_int_equal(pm_mapi_string_put("001f3001", PM_REG_BINARY, "Mailbox - Zo\xc3\xab", &out),
                     0);
    utf16("Mailbox - Zo\xc3\xab", 1, &w);
    assert_int_equal(out.len, w.len);
    assert_memory_equal(out.data, w.data, w.len);
    assert_int_equal(get_text("001f3001", PM_REG_BINARY, out.data, out.len, &w), 1);
    assert_string_equal(w.data, "Mailbox - Zo\xc3\xab");
    pm_buf_release(&w);
    pm_buf_release(&out);
}

static void test_string_001e_binary(void **state)
{
    (void)state;
    struct pm_buf out = PM_BUF_INIT;
    /* 8-bit binary strings, NUL-terminated or not. */
    assert_int_equal(get_text("001e660b", PM_REG_BINARY, "/o=A/cn=x\0", 10, &out), 1);
    assert_string_equal(out.data, "/o=A/cn=x");
    assert_int_equal(get_text("001e660b", PM_REG_BINARY, "/o=A/cn=x", 9, &out), 1);
    assert_string_equal(out.data, "/o=A/cn=x");
    /* Text after the NUL is not part of the string. */
    assert_int_equal(get_text("001e660b", PM_REG_BINARY, "ab\0cd", 5, &out), 1);
    assert_string_equal(out.data, "ab");
    /* High bytes are ANSI: Latin-1 to UTF-8, never raw invalid UTF-8. */
    assert_int_equal(get_text("001e3001", PM_REG_BINARY, "Zo\xeb", 3, &out), 1);
    assert_string_equal(out.data, "Zo\xc3\xab");

    /* Writing an 8-bit binary value keeps it 8-bit with its NUL, not UTF-16. */
    assert_int_equal(pm_mapi_string_put("001e660b", PM_REG_BINARY, "/o=B/cn=y", &out), 0);
    assert_int_equal(out.len, 10);
    assert_memory_equal(out.data, "/o=B/cn=y\0", 10);
    pm_buf_release(&out);
}

static void test_string_account_manager(void **state)
{
    (void)state;
    struct pm_buf w = PM_BUF_INIT, out = PM_BUF_INIT;
    /* Account Manager names are plain words holding UTF-16LE binary (§3.6). */
    utf16("alice@source.example", 1, &w);
    assert_int_equal(get_text("Account Name", PM_REG_BINARY, w.data, w.len, &out), 1);
    assert_string_equal(out.data, "alice@source.example");
    utf16("MSEMS", 1, &w);
    assert_int_equal(get_text("Service Name", PM_REG_BINARY, w.data, w.len, &out), 1);
    assert_string_equal(out.data, "MSEMS");
    /* S13 writes Account Name as REG_SZ; Outlook accepts it, so do we. */
    utf16("bob@source.example", 1, &w);
    assert_int_equal(get_text("Account Name", PM_REG_SZ, w.data, w.len, &out), 1);
    assert_string_equal(out.data, "bob@source.example");
    /* Writing an Account Name keeps UTF-16LE with NUL. */
    assert_int_equal(pm_mapi_string_put("Account Name", PM_REG_BINARY, "a@t.example", &out), 0);
    utf16("a@t.example", 1, &w);
    assert_int_equal(out.len, w.len);
    assert_memory_equal(out.data, w.data, w.len);
    pm_buf_release(&w);
    pm_buf_release(&out);
}

static void test_string_not_strings(void **state)
{
    (void)state;
    struct pm_buf out = PM_BUF_INIT;
    static const uint8_t four[] = {0x80, 0x01, 0, 0};
    /* MAPI tags of non-string types are not strings, whatever their bytes. */
    assert_int_equal(get_text("00036601", PM_REG_BINARY, four, 4, &out), 0);
    assert_int_equal(out.len, 0);
    assert_int_equal(get_text("01023d00", PM_REG_BINARY, four, 4, &out), 0);
    assert_int_equal(get_text("101e6613", PM_REG_BINARY, four, 4, &out), 0);
    /* Nor are DWORDs. */
    assert_int_equal(get_text("Mini UID", PM_REG_DWORD, four, 4, &out), 0);
    assert_int_equal(out.len, 0);
    pm_buf_release(&out);
}

/* ---- PT_LONG and UID lists ---- */

static void test_long(void **state)
{
    (void)state;
    uint32_t v = 0xdeadbeef;
    static const uint8_t ver[] = {0x01, 0x05, 0x00, 0x00}; /* PROFILE_VERSION 0x501 (§2.3) */
    uint8_t *d = exact(ver, 4);
    assert_int_equal(pm_mapi_long_get(d, 4, &v), 1);
    assert_int_equal(v, 0x501);
    free(d);
    static const uint8_t big[] = {0x78, 0x56, 0x34, 0x12};
    assert_int_equal(pm_mapi_long_get(big, 4, &v), 1);
    assert_int_equal(v, 0x12345678);
    /* Any other size is not a PT_LONG: v untouched. */
    v = 7;
    static const uint8_t two[] = {1, 0};
    d = exact(two, 2);
    assert_int_equal(pm_mapi_long_get(d, 2, &v), 0);
    free(d);
    assert_int_equal(pm_mapi_long_get(big, 3, &v), 0);
    assert_int_equal(pm_mapi_long_get(big, 0, &v), 0);
    static const uint8_t eight[8] = {1};
    assert_int_equal(pm_mapi_long_get(eight, 8, &v), 0);
    assert_int_equal(v, 7);

    uint8_t out[4];
    pm_mapi_long_put(0x00000d80, out);
    static const uint8_t want[] = {0x80, 0x0d, 0x00, 0x00};
    assert_memory_equal(out, want, 4);
    pm_mapi_long_put(0xffffffffu, out);
    assert_int_equal(pm_mapi_long_get(out, 4, &v), 1);
    assert_int_equal(v, 0xffffffffu);
}

static void test_uid_list(void **state)
{
    (void)state;
    uint8_t list[48];
    for (size_t i = 0; i < sizeof(list); i++)
        list[i] = (uint8_t)(0xa0 + i);
    assert_int_equal(pm_mapi_uid_count(0), 0);
    assert_int_equal(pm_mapi_uid_count(16), 1);
    assert_int_equal(pm_mapi_uid_count(48), 3);
    /* A list of the wrong size keeps only its whole UIDs (15 bytes: none, 33: two). */
    assert_int_equal(pm_mapi_uid_count(15), 0);
    assert_int_equal(pm_mapi_uid_count(33), 2);
    char hex[33];
    pm_mapi_uid_hex(list, 0, hex);
    assert_string_equal(hex, "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf");
    pm_mapi_uid_hex(list, 2, hex);
    assert_string_equal(hex, "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf");
    /* Key names are lowercase, memory order (§2.1): pbGlobalProfileSectionGuid. */
    static const uint8_t global[16] = {0x13, 0xDB, 0xB0, 0xC8, 0xAA, 0x05, 0x10, 0x1A,
                                       0x9B, 0xB0, 0x00, 0xAA, 0x00, 0x2F, 0xC4, 0x5A};
    pm_mapi_uid_hex(global, 0, hex);
    assert_string_equal(hex, "13dbb0c8aa05101a9bb000aa002fc45a");
}

/* ---- address-book EntryID (§5.3) ---- */

static void abeid(struct pm_buf *b, uint32_t type, const char *dn)
{
    static const uint8_t flags[4] = {0, 0, 0, 0};
    const uint8_t ver[4] = {1, 0, 0, 0};
    const uint8_t t[4] = {(uint8_t)type, 0, 0, 0};
    pm_buf_reset(b);
    assert_int_equal(pm_buf_append(b, flags, 4), 0);
    assert_int_equal(pm_buf_append(b, muid_emsab, 16), 0);
    assert_int_equal(pm_buf_append(b, ver, 4), 0);
    assert_int_equal(pm_buf_append(b, t, 4), 0);
    assert_int_equal(pm_buf_append(b, dn, strlen(dn) + 1), 0);
}

static void test_abeid_dn(void **state)
{
    (void)state;
    struct pm_buf b = PM_BUF_INIT, out = PM_BUF_INIT;
    abeid(&b, 0, DN_ALICE);
    uint8_t *d = exact(b.data, b.len);
    const char *dn = NULL;
    size_t dnlen = 0;
    assert_int_equal(pm_mapi_abeid_dn(d, b.len, &dn, &dnlen), 1);
    assert_int_equal(dnlen, strlen(DN_ALICE));
    assert_memory_equal(dn, DN_ALICE, dnlen);
    assert_ptr_equal(dn, (const char *)d + 28);

    /* Rebuilt with a new DN: the 28-byte header (flags, provider, version, display type) is
     * kept byte for byte, the DN replaced and NUL-terminated. */
    abeid(&b, 6, DN_ALICE); /* remote mail user: the type must survive */
    free(d);
    d = exact(b.data, b.len);
    assert_int_equal(pm_mapi_abeid_with_dn(d, b.len, DN_NEW, &out), 0);
    assert_int_equal(out.len, 28 + strlen(DN_NEW) + 1);
    assert_memory_equal(out.data, d, 28);
    assert_memory_equal(out.data + 28, DN_NEW, strlen(DN_NEW) + 1);
    assert_int_equal(pm_mapi_abeid_dn((const uint8_t *)out.data, out.len, &dn, &dnlen), 1);
    assert_int_equal(dnlen, strlen(DN_NEW));
    assert_memory_equal(dn, DN_NEW, dnlen);
    /* Bytes after the DN's NUL are dropped by the rebuild. */
    assert_int_equal(pm_buf_append(&b, "junk", 4), 0);
    free(d);
    d = exact(b.data, b.len);
    assert_int_equal(pm_mapi_abeid_with_dn(d, b.len, DN_NEW, &out), 0);
    assert_int_equal(out.len, 28 + strlen(DN_NEW) + 1);
    free(d);
    pm_buf_release(&b);
    pm_buf_release(&out);
}

static void test_abeid_hostile(void **state)
{
    (void)state;
    struct pm_buf b = PM_BUF_INIT, out = PM_BUF_INIT;
    const char *dn = NULL;
    size_t dnlen = 0;
    abeid(&b, 0, DN_ALICE);
    /* Every truncation: the DN's NUL is gone, so it is not an EntryID we can read. */
    for (size_t len = 0; len < b.len; len++) {
        uint8_t *d = exact(b.data, len);
        assert_int_equal(pm_mapi_abeid_dn(d, len, &dn, &dnlen), 0);
        free(d);
    }
    /* A rebuild of something shorter than the header is refused. */
    uint8_t *d = exact(b.data, 27);
    assert_int_equal(pm_mapi_abeid_with_dn(d, 27, DN_NEW, &out), PM_ERR_INVALID);
    free(d);
    /* Another provider's EntryID (a store EID) is not an address-book EntryID. */
    pm_buf_reset(&b);
    uint8_t other[64] = {0};
    memcpy(other + 4, muid_store_wrap, 16);
    memcpy(other + 28, "/o=x", 4);
    assert_int_equal(pm_mapi_abeid_dn(other, sizeof(other), &dn, &dnlen), 0);
    /* An empty DN is no DN. */
    abeid(&b, 0, "");
    d = exact(b.data, b.len);
    assert_int_equal(pm_mapi_abeid_dn(d, b.len, &dn, &dnlen), 0);
    free(d);
    pm_buf_release(&b);
    pm_buf_release(&out);
}

/* ---- store EntryID (§5.1) ---- */

static void storeeid(struct pm_buf *b, int pub, const char *server, const char *dn)
{
    uint8_t head[60] = {0};
    memcpy(head + 4, muid_store_wrap, 16);
    memcpy(head + 22, "EMSMDB.DLL", 10);
    memcpy(head + 40, pub ? store_public : store_private, 16);
    head[56] = pub ? 0x06 : 0x0c;
    pm_buf_reset(b);
    assert_int_equal(pm_buf_append(b, head, 60), 0);
    assert_int_equal(pm_buf_append(b, server, strlen(server) + 1), 0);
    if (dn)
        assert_int_equal(pm_buf_append(b, dn, strlen(dn) + 1), 0);
}

static void test_storeeid(void **state)
{
    (void)state;
    struct pm_buf b = PM_BUF_INIT;
    const char *server = NULL, *dn = NULL;
    size_t slen = 0, dlen = 0;
    const char *srv = "0a1b2c3d-0000-1111-2222-333344445555@source.example";
    storeeid(&b, 0, srv, DN_ALICE);
    /* A V3 tail (magic, then UTF-16 SMTP) after the DN must not disturb the fields. */
    static const uint8_t v3[] = {0xe9, 0x46, 0x32, 0xf4, 0x1a, 0,   0, 0,   2, 0, 0, 0, 0x10,
                                 0,    0,    0,    'a',  0,    '@', 0, 'b', 0, 0, 0, 0, 0};
    assert_int_equal(pm_buf_append(&b, v3, sizeof(v3)), 0);
    uint8_t *d = exact(b.data, b.len);
    assert_int_equal(pm_mapi_storeeid_parse(d, b.len, &server, &slen, &dn, &dlen), 1);
    assert_int_equal(slen, strlen(srv));
    assert_memory_equal(server, srv, slen);
    assert_non_null(dn);
    assert_int_equal(dlen, strlen(DN_ALICE));
    assert_memory_equal(dn, DN_ALICE, dlen);
    free(d);

    /* A public-folder store EntryID without a MailboxDN: server only, dn NULL. */
    storeeid(&b, 1, "EXCH07", NULL);
    d = exact(b.data, b.len);
    dn = "x";
    dlen = 9;
    assert_int_equal(pm_mapi_storeeid_parse(d, b.len, &server, &slen, &dn, &dlen), 1);
    assert_int_equal(slen, 6);
    assert_memory_equal(server, "EXCH07", 6);
    assert_null(dn);
    assert_int_equal(dlen, 0);
    free(d);
    pm_buf_release(&b);
}

static void test_storeeid_hostile(void **state)
{
    (void)state;
    struct pm_buf b = PM_BUF_INIT;
    const char *server = NULL, *dn = NULL;
    size_t slen = 0, dlen = 0;
    storeeid(&b, 0, "EXCH01", DN_ALICE);
    /* Every truncation: never a read past the length. Up to the server's NUL it is refused;
     * after it, the server is known and a DN cut before its NUL is not reported. */
    for (size_t len = 0; len < b.len; len++) {
        uint8_t *d = exact(b.data, len);
        int rc = pm_mapi_storeeid_parse(d, len, &server, &slen, &dn, &dlen);
        if (len < 60 + 7) {
            assert_int_equal(rc, 0);
        } else {
            assert_int_equal(rc, 1);
            assert_int_equal(slen, 6);
            assert_null(dn);
        }
        free(d);
    }
    /* An address-book EntryID is not a store EntryID. */
    struct pm_buf a = PM_BUF_INIT;
    abeid(&a, 0, DN_ALICE);
    while (a.len < 80)
        assert_int_equal(pm_buf_putc(&a, 0), 0);
    uint8_t *d = exact(a.data, a.len);
    assert_int_equal(pm_mapi_storeeid_parse(d, a.len, &server, &slen, &dn, &dlen), 0);
    free(d);
    /* No NUL anywhere after the header: refused. */
    pm_buf_reset(&b);
    uint8_t head[200];
    memset(head, 'A', sizeof(head));
    memset(head, 0, 60);
    memcpy(head + 4, muid_store_wrap, 16);
    d = exact(head, sizeof(head));
    assert_int_equal(pm_mapi_storeeid_parse(d, sizeof(head), &server, &slen, &dn, &dlen), 0);
    free(d);
    pm_buf_release(&a);
    pm_buf_release(&b);
}

/* ---- archive DNs: "<mailbox DN>/guid=<GUID>" ---- */

static void split(const char *dn, int want, const char *mbx)
{
    size_t n = 99;
    uint8_t *d = exact(dn, strlen(dn));
    assert_int_equal(pm_mapi_dn_split_guid((const char *)d, strlen(dn), &n), want);
    if (want) {
        assert_int_equal(n, strlen(mbx));
        assert_memory_equal(d, mbx, n);
    }
    free(d);
}

static void test_dn_split_guid(void **state)
{
    (void)state;
    /* The Online Archive of alice (the real Outlook 2013 profile's 001e660b): the owner's DN
     * followed by the archive GUID, 36 characters with dashes... */
    split(DN_ALICE "/guid=0f3c2b1a-9d8e-4c7b-a6f5-e4d3c2b1a098", 1, DN_ALICE);
    /* ... or 32 hex digits, in any case, with the key in any case. */
    split(DN_ALICE "/GUID=0F3C2B1A9D8E4C7BA6F5E4D3C2B1A098", 1, DN_ALICE);
    split(DN_NEW "/Guid=0f3c2b1a9d8e4c7ba6f5e4d3c2b1a098", 1, DN_NEW);
    /* Not an archive DN: no suffix, a GUID of the wrong size or with misplaced dashes, a
     * non-hex digit, something after the GUID, or nothing before "/guid=". */
    split(DN_ALICE, 0, NULL);
    split(DN_ALICE "/guid=0f3c2b1a9d8e4c7ba6f5e4d3c2b1a09", 0, NULL);
    split(DN_ALICE "/guid=0f3c2b1a9d8e4c7ba6f5e4d3c2b1a0988", 0, NULL);
    split(DN_ALICE "/guid=0f3c2b1a9-d8e-4c7b-a6f5-e4d3c2b1a098", 0, NULL);
    split(DN_ALICE "/guid=0f3c2b1a9d8e4c7ba6f5e4d3c2b1a09g", 0, NULL);
    split(DN_ALICE "/guid=0f3c2b1a9d8e4c7ba6f5e4d3c2b1a098/cn=x", 0, NULL);
    split(DN_ALICE "/uid=0f3c2b1a9d8e4c7ba6f5e4d3c2b1a098", 0, NULL);
    split("/guid=0f3c2b1a9d8e4c7ba6f5e4d3c2b1a098", 0, NULL);
    split("", 0, NULL);
    /* A recipient name that merely contains "guid=" is not a suffix. */
    split("/o=Org/ou=x/cn=Recipients/cn=guid=0f3c2b1a9d8e4c7ba6f5e4d3c2b1a098", 0, NULL);
}

/* ---- pm_mapi_format ---- */

static void fmt(const char *name, uint32_t type, const void *data, size_t len, const char *want)
{
    struct pm_buf out = PM_BUF_INIT;
    uint8_t *d = exact(data, len);
    assert_int_equal(pm_mapi_format(name, type, d, len, &out), 0);
    assert_string_equal(out.data, want);
    free(d);
    pm_buf_release(&out);
}

static void test_format(void **state)
{
    (void)state;
    struct pm_buf w = PM_BUF_INIT;
    static const uint8_t flags[] = {0x84, 0x01, 0, 0};
    fmt("00036601", PM_REG_BINARY, flags, 4, "0x00000184");
    fmt("NextAccountID", PM_REG_DWORD, flags, 4, "0x00000184");
    /* A PT_LONG of the wrong size is shown as bytes, not guessed. */
    fmt("0003660a", PM_REG_BINARY, flags, 2, "8401");
    utf16("SMTP:alice@source.example", 1, &w);
    fmt("001f6641", PM_REG_BINARY, w.data, w.len, "SMTP:alice@source.example");
    fmt("Account Name", PM_REG_BINARY, w.data, w.len, "SMTP:alice@source.example");
    fmt("001e660b", PM_REG_BINARY, "/o=A\0", 5, "/o=A");
    utf16("EXCH07", 1, &w);
    fmt("001e6602", PM_REG_SZ, w.data, w.len, "EXCH07");
    static const uint8_t uid[] = {0x13, 0xdb, 0xb0, 0xc8};
    fmt("01023d15", PM_REG_BINARY, uid, 4, "13dbb0c8");
    fmt("01023d15", PM_REG_BINARY, "", 0, "");
    /* Long binaries are cut after 48 bytes with the total size. */
    uint8_t big[100];
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (uint8_t)i;
    struct pm_buf want = PM_BUF_INIT;
    for (size_t i = 0; i < 48; i++)
        assert_int_equal(pm_buf_printf(&want, "%02x", (unsigned)i), 0);
    assert_int_equal(pm_buf_puts(&want, "...(100 bytes)"), 0);
    fmt("01020fff", PM_REG_BINARY, big, sizeof(big), want.data);
    /* Exactly 48 bytes: no cut marker. */
    pm_buf_reset(&want);
    for (size_t i = 0; i < 48; i++)
        assert_int_equal(pm_buf_printf(&want, "%02x", (unsigned)i), 0);
    fmt("01020fff", PM_REG_BINARY, big, 48, want.data);
    pm_buf_release(&want);
    pm_buf_release(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_string_reg_sz),      cmocka_unit_test(test_string_001f_binary),
        cmocka_unit_test(test_string_001e_binary), cmocka_unit_test(test_string_account_manager),
        cmocka_unit_test(test_string_not_strings), cmocka_unit_test(test_long),
        cmocka_unit_test(test_uid_list),           cmocka_unit_test(test_abeid_dn),
        cmocka_unit_test(test_abeid_hostile),      cmocka_unit_test(test_storeeid),
        cmocka_unit_test(test_storeeid_hostile),   cmocka_unit_test(test_format),
        cmocka_unit_test(test_dn_split_guid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
