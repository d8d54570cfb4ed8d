/* Buffers with a ceiling, string lists, UTF-8/UTF-16 conversion and registry name comparison. */
#include "compat.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pm_buf_init(struct pm_buf *b, size_t max)
{
    b->data = NULL;
    b->len = b->cap = 0;
    b->max = max ? max : PM_BUF_DEFAULT_MAX;
}

void pm_buf_release(struct pm_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void pm_buf_reset(struct pm_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = 0;
}

static int buf_grow(struct pm_buf *b, size_t extra)
{
    size_t max = b->max ? b->max : PM_BUF_DEFAULT_MAX;
    if (extra > max || b->len > max - extra)
        return PM_ERR_LIMIT;
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return 0;
    size_t ncap = b->cap ? b->cap : 64;
    while (ncap < need)
        ncap *= 2;
    char *nd = realloc(b->data, ncap);
    if (!nd)
        return PM_ERR_NOMEM;
    b->data = nd;
    b->cap = ncap;
    return 0;
}

int pm_buf_append(struct pm_buf *b, const void *data, size_t len)
{
    int rc = buf_grow(b, len);
    if (rc < 0)
        return rc;
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = 0;
    return 0;
}

int pm_buf_puts(struct pm_buf *b, const char *s)
{
    return pm_buf_append(b, s, strlen(s));
}

int pm_buf_putc(struct pm_buf *b, char c)
{
    return pm_buf_append(b, &c, 1);
}

int pm_buf_printf(struct pm_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return PM_ERR_INVALID;
    int rc = buf_grow(b, (size_t)n);
    if (rc < 0)
        return rc;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

char *pm_buf_detach(struct pm_buf *b, size_t *len)
{
    if (!b->data) {
        /* Never allocated: the caller still gets the empty C string the header promises. */
        if (buf_grow(b, 0) < 0)
            return NULL;
        b->data[0] = 0;
    }
    char *d = b->data;
    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return d;
}

char *pm_strdup(const char *s)
{
    return s ? pm_strndup(s, strlen(s)) : NULL;
}

char *pm_strndup(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (!d)
        return NULL;
    memcpy(d, s, n);
    d[n] = 0;
    return d;
}

int pm_strlist_addn(struct pm_strlist *l, const char *s, size_t len)
{
    if (l->n == l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 8;
        char **ni = realloc(l->items, ncap * sizeof(*ni));
        if (!ni)
            return PM_ERR_NOMEM;
        l->items = ni;
        l->cap = ncap;
    }
    char *d = pm_strndup(s, len);
    if (!d)
        return PM_ERR_NOMEM;
    l->items[l->n++] = d;
    return 0;
}

int pm_strlist_add(struct pm_strlist *l, const char *s)
{
    return pm_strlist_addn(l, s, strlen(s));
}

void pm_strlist_release(struct pm_strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->n = l->cap = 0;
}

long pm_strlist_find(const struct pm_strlist *l, const char *s)
{
    for (size_t i = 0; i < l->n; i++)
        if (pm_name_casecmp(l->items[i], s) == 0)
            return (long)i;
    return -1;
}

size_t pm_utf8_decode(const void *data, size_t len, uint32_t *cp)
{
    const unsigned char *s = data;
    if (!len)
        return 0;
    unsigned char c = s[0];
    size_t n;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if ((c & 0xE0) == 0xC0) {
        n = 2; v = c & 0x1F; min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        n = 3; v = c & 0x0F; min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        n = 4; v = c & 0x07; min = 0x10000;
    } else {
        return 0;
    }
    if (n > len)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return n;
}

/* One code point, taking a bad byte as U+FFFD so decoding always moves on. */
static size_t utf8_next(const unsigned char *s, size_t len, uint32_t *cp)
{
    size_t n = pm_utf8_decode(s, len, cp);
    if (n)
        return n;
    *cp = 0xFFFD;
    return 1;
}

int pm_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        size_t n = pm_utf8_decode(p + i, len - i, &cp);
        if (!n)
            return 0;
        i += n;
    }
    return 1;
}

int pm_utf8_to_utf16le(const char *s, size_t len, int nul, struct pm_buf *out)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        i += utf8_next(p + i, len - i, &cp);
        unsigned char u[4];
        size_t un;
        if (cp >= 0x10000) {
            uint32_t v = cp - 0x10000;
            uint16_t hi = (uint16_t)(0xD800 + (v >> 10)), lo = (uint16_t)(0xDC00 + (v & 0x3FF));
            u[0] = hi & 0xFF; u[1] = hi >> 8; u[2] = lo & 0xFF; u[3] = lo >> 8;
            un = 4;
        } else {
            u[0] = cp & 0xFF; u[1] = (cp >> 8) & 0xFF;
            un = 2;
        }
        int rc = pm_buf_append(out, u, un);
        if (rc < 0)
            return rc;
    }
    if (nul)
        return pm_buf_append(out, "\0\0", 2);
    return 0;
}

static int put_utf8(struct pm_buf *out, uint32_t cp)
{
    char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (char)cp; n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6)); u[1] = (char)(0x80 | (cp & 0x3F)); n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12)); u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F)); n = 3;
    } else {
        u[0] = (char)(0xF0 | (cp >> 18)); u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); u[3] = (char)(0x80 | (cp & 0x3F)); n = 4;
    }
    return pm_buf_append(out, u, n);
}

int pm_utf16le_to_utf8(const void *data, size_t len, struct pm_buf *out)
{
    const unsigned char *p = data;
    size_t units = len / 2;
    int rc = pm_buf_append(out, "", 0);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < units; i++) {
        uint32_t u = (uint32_t)p[2 * i] | ((uint32_t)p[2 * i + 1] << 8);
        if (u == 0)
            break;
        if (u >= 0xD800 && u <= 0xDBFF && i + 1 < units) {
            uint32_t l = (uint32_t)p[2 * i + 2] | ((uint32_t)p[2 * i + 3] << 8);
            if (l >= 0xDC00 && l <= 0xDFFF) {
                u = 0x10000 + ((u - 0xD800) << 10) + (l - 0xDC00);
                i++;
            } else {
                u = 0xFFFD;
            }
        } else if (u >= 0xD800 && u <= 0xDFFF) {
            u = 0xFFFD;
        }
        if ((rc = put_utf8(out, u)) < 0)
            return rc;
    }
    return 0;
}

/* Simple upper-case folding for the scripts profile names use in practice. */
static uint32_t fold(uint32_t c)
{
    if (c >= 'a' && c <= 'z')
        return c - 32;
    if ((c >= 0xE0 && c <= 0xFE && c != 0xF7))
        return c - 32;
    if (c == 0xFF)
        return 0x178;
    if (c >= 0x100 && c <= 0x17F && c != 0x130 && c != 0x131 && c != 0x138 && c != 0x149) {
        int odd_is_lower = !((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E));
        if (odd_is_lower ? (c & 1) : !(c & 1))
            return c - 1;
        return c;
    }
    if (c >= 0x3B1 && c <= 0x3C9 && c != 0x3C2)
        return c - 32;
    if (c >= 0x430 && c <= 0x44F)
        return c - 32;
    if (c >= 0x450 && c <= 0x45F)
        return c - 80;
    return c;
}

int pm_name_ncasecmp(const char *a, size_t alen, const char *b, size_t blen)
{
    const unsigned char *pa = (const unsigned char *)a, *pb = (const unsigned char *)b;
    size_t i = 0, j = 0;
    while (i < alen && j < blen) {
        uint32_t ca, cb;
        /* Registry names are nearly always ASCII: fold those bytes without decoding. */
        if (pa[i] < 0x80 && pb[j] < 0x80) {
            ca = pa[i] >= 'a' && pa[i] <= 'z' ? pa[i] - 32u : pa[i];
            cb = pb[j] >= 'a' && pb[j] <= 'z' ? pb[j] - 32u : pb[j];
            if (ca != cb)
                return ca < cb ? -1 : 1;
            i++;
            j++;
            continue;
        }
        i += utf8_next(pa + i, alen - i, &ca);
        j += utf8_next(pb + j, blen - j, &cb);
        ca = fold(ca);
        cb = fold(cb);
        if (ca != cb)
            return ca < cb ? -1 : 1;
    }
    if (i < alen)
        return 1;
    if (j < blen)
        return -1;
    return 0;
}

uint64_t pm_name_hash(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    uint64_t h = 1469598103934665603u;
    size_t i = 0;
    while (i < len) {
        uint32_t c;
        if (p[i] < 0x80) {
            c = p[i] >= 'a' && p[i] <= 'z' ? p[i] - 32u : p[i];
            i++;
        } else {
            i += utf8_next(p + i, len - i, &c);
            c = fold(c);
        }
        h = (h ^ c) * 1099511628211u;
    }
    return h;
}

int pm_name_casecmp(const char *a, const char *b)
{
    return pm_name_ncasecmp(a, strlen(a), b, strlen(b));
}

static unsigned char ascii_lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

int pm_ascii_ncasecmp(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char ca = ascii_lower((unsigned char)a[i]), cb = ascii_lower((unsigned char)b[i]);
        if (ca != cb)
            return ca < cb ? -1 : 1;
    }
    return 0;
}

const char *pm_ascii_casestr(const char *hay, size_t haylen, const char *needle, size_t nlen)
{
    if (nlen == 0)
        return hay;
    if (nlen > haylen)
        return NULL;
    unsigned char first = ascii_lower((unsigned char)needle[0]);
    for (size_t i = 0; i + nlen <= haylen; i++) {
        if (ascii_lower((unsigned char)hay[i]) == first &&
            pm_ascii_ncasecmp(hay + i, needle, nlen) == 0)
            return hay + i;
    }
    return NULL;
}

void pm_hex_lower(const uint8_t *data, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[data[i] >> 4];
        out[2 * i + 1] = digits[data[i] & 15];
    }
    out[2 * len] = 0;
}

int pm_hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int pm_hex_parse(const char *s, size_t slen, uint8_t *out, size_t len)
{
    if (slen != 2 * len)
        return PM_ERR_PARSE;
    for (size_t i = 0; i < len; i++) {
        int h = pm_hex_digit(s[2 * i]), l = pm_hex_digit(s[2 * i + 1]);
        if (h < 0 || l < 0)
            return PM_ERR_PARSE;
        out[i] = (uint8_t)(h << 4 | l);
    }
    return 0;
}
