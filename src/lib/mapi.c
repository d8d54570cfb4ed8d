/* MAPI property encodings in profile registry values (outlook-profile-format.md §2.3, §5).
 * Small and bounded: every reader takes the value's length and checks it before use. */
#include "compat.h"

#include "pm/mapi.h"

#include <stdio.h>
#include <string.h>

static const uint8_t muid_emsab[16] = {0xdc, 0xa7, 0x40, 0xc8, 0xc0, 0x42, 0x10, 0x1a,
                                       0xb4, 0xb9, 0x08, 0x00, 0x2b, 0x2f, 0xe1, 0x82};
static const uint8_t muid_store_wrap[16] = {0x38, 0xa1, 0xbb, 0x10, 0x05, 0xe5, 0x10, 0x1a,
                                            0xa1, 0xbb, 0x08, 0x00, 0x2b, 0x2a, 0x56, 0xc2};

/* 1 when the name is an 8-hex MAPI tag whose type half is 'type' ("001f", "001e"). */
static int tag_type_is(const char *name, const char *type)
{
    return strlen(name) == 8 && pm_ascii_ncasecmp(name, type, 4) == 0;
}

int pm_mapi_string_get(const char *name, uint32_t type, const uint8_t *data, size_t len,
                       struct pm_buf *out)
{
    pm_buf_reset(out);
    if (type == PM_REG_SZ || type == PM_REG_EXPAND_SZ)
        return pm_utf16le_to_utf8(data, len, out) < 0 ? PM_ERR_NOMEM : 1;
    if (type != PM_REG_BINARY)
        return 0;
    if (tag_type_is(name, "001e")) {
        size_t n = 0;
        while (n < len && data[n])
            n++;
        /* 8-bit strings are ANSI; keep ASCII, map the rest through Latin-1. */
        for (size_t i = 0; i < n; i++) {
            uint8_t c = data[i];
            int rc;
            if (c < 0x80) {
                rc = pm_buf_putc(out, (char)c);
            } else {
                char u[2] = {(char)(0xC0 | (c >> 6)), (char)(0x80 | (c & 0x3F))};
                rc = pm_buf_append(out, u, 2);
            }
            if (rc < 0)
                return PM_ERR_NOMEM;
        }
        return 1;
    }
    if (tag_type_is(name, "001f") || strlen(name) != 8)
        return pm_utf16le_to_utf8(data, len, out) < 0 ? PM_ERR_NOMEM : 1;
    return 0;
}

int pm_mapi_string_put(const char *name, uint32_t type, const char *text, struct pm_buf *out)
{
    pm_buf_reset(out);
    if (type == PM_REG_BINARY && tag_type_is(name, "001e")) {
        int rc = pm_buf_append(out, text, strlen(text));
        return rc < 0 ? rc : pm_buf_append(out, "", 1);
    }
    return pm_utf8_to_utf16le(text, strlen(text), 1, out);
}

int pm_mapi_long_get(const uint8_t *data, size_t len, uint32_t *v)
{
    if (len != 4)
        return 0;
    *v = (uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16 |
         (uint32_t)data[3] << 24;
    return 1;
}

void pm_mapi_long_put(uint32_t v, uint8_t out[4])
{
    out[0] = v & 0xff;
    out[1] = (v >> 8) & 0xff;
    out[2] = (v >> 16) & 0xff;
    out[3] = (v >> 24) & 0xff;
}

size_t pm_mapi_uid_count(size_t len)
{
    return len / 16;
}

void pm_mapi_uid_hex(const uint8_t *data, size_t i, char out[33])
{
    pm_hex_lower(data + 16 * i, 16, out);
}

/* Length of a NUL-terminated 8-bit string starting at off, or -1 when unterminated. */
static long cstr_len(const uint8_t *data, size_t len, size_t off)
{
    for (size_t i = off; i < len; i++)
        if (!data[i])
            return (long)(i - off);
    return -1;
}

int pm_mapi_abeid_dn(const uint8_t *data, size_t len, const char **dn, size_t *dnlen)
{
    if (len < 29 || memcmp(data + 4, muid_emsab, 16) != 0)
        return 0;
    long n = cstr_len(data, len, 28);
    if (n <= 0)
        return 0;
    *dn = (const char *)data + 28;
    *dnlen = (size_t)n;
    return 1;
}

int pm_mapi_abeid_with_dn(const uint8_t *data, size_t len, const char *dn, struct pm_buf *out)
{
    pm_buf_reset(out);
    if (len < 28)
        return PM_ERR_INVALID;
    int rc = pm_buf_append(out, data, 28);
    if (rc == 0)
        rc = pm_buf_append(out, dn, strlen(dn) + 1);
    return rc;
}

int pm_mapi_storeeid_parse(const uint8_t *data, size_t len, const char **server,
                           size_t *serverlen, const char **dn, size_t *dnlen)
{
    if (len < 61 || memcmp(data + 4, muid_store_wrap, 16) != 0)
        return 0;
    long s = cstr_len(data, len, 60);
    if (s < 0)
        return 0;
    *server = (const char *)data + 60;
    *serverlen = (size_t)s;
    size_t off = 60 + (size_t)s + 1;
    long d = off < len ? cstr_len(data, len, off) : -1;
    *dn = d > 0 ? (const char *)data + off : NULL;
    *dnlen = d > 0 ? (size_t)d : 0;
    return 1;
}

/* 1 when s[0..n) is a GUID as Exchange prints it in a DN: 32 hex digits, or 36 with dashes at
 * 8, 13, 18 and 23. */
static int guid_text(const char *s, size_t n)
{
    if (n != 32 && n != 36)
        return 0;
    for (size_t i = 0; i < n; i++) {
        int dash = n == 36 && (i == 8 || i == 13 || i == 18 || i == 23);
        if (dash ? s[i] != '-' : pm_hex_digit((unsigned char)s[i]) < 0)
            return 0;
    }
    return 1;
}

int pm_mapi_dn_split_guid(const char *dn, size_t len, size_t *mbxlen)
{
    static const char key[] = "/guid=";
    const size_t klen = sizeof(key) - 1;
    for (size_t glen = 32; glen <= 36; glen += 4) {
        if (len < klen + glen + 1)
            continue;
        size_t at = len - glen - klen;
        if (pm_ascii_ncasecmp(dn + at, key, klen) == 0 && guid_text(dn + at + klen, glen)) {
            *mbxlen = at;
            return 1;
        }
    }
    return 0;
}

int pm_mapi_format(const char *name, uint32_t type, const uint8_t *data, size_t len,
                   struct pm_buf *out)
{
    pm_buf_reset(out);
    uint32_t v;
    if (strlen(name) == 8 && pm_ascii_ncasecmp(name, "0003", 4) == 0 &&
        pm_mapi_long_get(data, len, &v))
        return pm_buf_printf(out, "0x%08x", v);
    if (type == PM_REG_DWORD && len == 4 && pm_mapi_long_get(data, len, &v))
        return pm_buf_printf(out, "0x%08x", v);
    static const char *const text_names[] = {"Account Name", "Display Name", "Email",
                                             "Service Name", "DefaultProfile"};
    int text = type == PM_REG_SZ || type == PM_REG_EXPAND_SZ || tag_type_is(name, "001f") ||
               tag_type_is(name, "001e");
    for (size_t i = 0; !text && i < sizeof(text_names) / sizeof(text_names[0]); i++)
        text = pm_name_casecmp(name, text_names[i]) == 0;
    if (text) {
        int rc = pm_mapi_string_get(name, type, data, len, out);
        return rc < 0 ? rc : 0;
    }
    size_t shown = len > 48 ? 48 : len;
    char hex[97];
    pm_hex_lower(data, shown, hex);
    int rc = pm_buf_puts(out, hex);
    if (rc == 0 && shown < len)
        rc = pm_buf_printf(out, "...(%zu bytes)", len);
    return rc;
}
