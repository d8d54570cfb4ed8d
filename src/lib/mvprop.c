/* The multi-valued property codec (include/pm/mvprop.h, docs/mv-and-entryids.md): reads a
 * PT_MV_BINARY / PT_MV_STRING8 / PT_MV_UNICODE registry value in either table width and writes a
 * list back in the width it came in. The reader is deliberately as strict as the writer: a value
 * is accepted only when re-serialising it gives the same bytes, because Outlook fails to start on
 * a list whose count, table and offsets disagree, and a value we do not understand is better left
 * untouched than "repaired". */
#include "compat.h"

#include "pm/mvprop.h"

#include "pm/mapi.h"

#include <stdlib.h>
#include <string.h>

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
    return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static int kind_known(enum pm_mv_kind k)
{
    return k == PM_MV_BINARY || k == PM_MV_STRING8 || k == PM_MV_UNICODE;
}

/* Bytes per descriptor for a kind and width. */
static size_t desc_size(enum pm_mv_kind kind, enum pm_mv_layout w)
{
    size_t word = w == PM_MV_LAYOUT_64 ? 8 : 4;
    return kind == PM_MV_BINARY ? 2 * word : word;
}

static size_t align4(size_t v)
{
    return (v + 3) & ~(size_t)3;
}

/* One field of the table as an offset or size bounded by len; UINT64 values that do not fit are
 * turned into len + 1, which every caller rejects. */
static size_t field(const uint8_t *p, enum pm_mv_layout w, size_t len)
{
    uint64_t v = w == PM_MV_LAYOUT_64 ? rd64(p) : rd32(p);
    return v > (uint64_t)len ? len + 1 : (size_t)v;
}

/* Reads the list in width w into items (count slots). 1 when the bytes are exactly what the
 * writer makes in that width, else 0. */
static int mv_try(enum pm_mv_kind kind, enum pm_mv_layout w, const uint8_t *data, size_t len,
                  size_t count, struct pm_mv_entry *items, int *pad_last)
{
    size_t d = desc_size(kind, w);
    if (count > (len - 4) / d)
        return 0;
    size_t pos = 4 + count * d; /* where the next entry must start */
    const uint8_t *desc = data + 4;
    *pad_last = 1;
    for (size_t i = 0; i < count; i++, desc += d) {
        if (kind == PM_MV_BINARY) {
            size_t cb = field(desc, w, len);
            size_t off = field(desc + d / 2, w, len);
            if (off != pos || cb > len - off)
                return 0;
            items[i].data = data + off;
            items[i].len = cb;
            pos = off + cb;
            size_t end = align4(pos);
            if (i + 1 == count && pos == len) {
                *pad_last = pos == end;
                break;
            }
            if (end > len)
                return 0;
            for (; pos < end; pos++)
                if (data[pos])
                    return 0;
        } else {
            size_t off = field(desc, w, len);
            if (off != pos)
                return 0;
            size_t unit = kind == PM_MV_UNICODE ? 2 : 1, n = 0;
            for (;; n += unit) {
                if (len - off < n + unit)
                    return 0; /* no terminator before the end */
                if (data[off + n] == 0 && (unit == 1 || data[off + n + 1] == 0))
                    break;
            }
            items[i].data = data + off;
            items[i].len = n;
            pos = off + n + unit;
        }
    }
    return pos == len;
}

int pm_mv_kind_of(const char *name, enum pm_mv_kind *kind)
{
    if (!name || strlen(name) != 8)
        return 0;
    for (size_t i = 4; i < 8; i++)
        if (pm_hex_digit((unsigned char)name[i]) < 0)
            return 0;
    if (pm_ascii_ncasecmp(name, "1102", 4) == 0)
        *kind = PM_MV_BINARY;
    else if (pm_ascii_ncasecmp(name, "101e", 4) == 0)
        *kind = PM_MV_STRING8;
    else if (pm_ascii_ncasecmp(name, "101f", 4) == 0)
        *kind = PM_MV_UNICODE;
    else
        return 0;
    return 1;
}

void pm_mv_list_release(struct pm_mv_list *l)
{
    free(l->items);
    l->items = NULL;
    l->n = 0;
    l->layout = PM_MV_LAYOUT_NONE;
    l->pad_last = 1;
}

int pm_mv_parse(enum pm_mv_kind kind, const uint8_t *data, size_t len, struct pm_mv_list *out)
{
    pm_mv_list_release(out);
    out->kind = kind;
    if (!kind_known(kind) || len < 4)
        return 0;
    size_t count = rd32(data);
    if (count == 0)
        return len == 4;
    /* The smallest table (4 bytes an entry) must fit before anything is allocated. */
    if (count > PM_MV_MAX_COUNT || count > (len - 4) / 4)
        return 0;
    struct pm_mv_entry *a = calloc(count, sizeof(*a));
    struct pm_mv_entry *b = calloc(count, sizeof(*b));
    if (!a || !b) {
        free(a);
        free(b);
        return PM_ERR_NOMEM;
    }
    int pad32 = 1, pad64 = 1;
    int ok32 = mv_try(kind, PM_MV_LAYOUT_32, data, len, count, a, &pad32);
    int ok64 = mv_try(kind, PM_MV_LAYOUT_64, data, len, count, b, &pad64);
    if (ok32 == ok64) {
        /* Neither width fits, or (never seen, but not excluded by arithmetic for every kind)
         * both do: either way the width would be a guess. */
        free(a);
        free(b);
        return 0;
    }
    out->layout = ok32 ? PM_MV_LAYOUT_32 : PM_MV_LAYOUT_64;
    out->pad_last = ok32 ? pad32 : pad64;
    out->items = ok32 ? a : b;
    free(ok32 ? b : a);
    out->n = count;
    return 1;
}

static void put32(uint8_t *p, uint32_t v)
{
    pm_mapi_long_put(v, p);
}

static int put_field(struct pm_buf *out, enum pm_mv_layout w, size_t v)
{
    uint8_t b[8] = {0};
    if (w == PM_MV_LAYOUT_32) {
        if ((uint64_t)v > UINT32_MAX)
            return PM_ERR_INVALID;
        put32(b, (uint32_t)v);
        return pm_buf_append(out, b, 4);
    }
    put32(b, (uint32_t)((uint64_t)v & 0xffffffffu));
    put32(b + 4, (uint32_t)((uint64_t)v >> 32));
    return pm_buf_append(out, b, 8);
}

/* 0 when entry e can be written as a string of 'kind' without breaking the framing. */
static int string_ok(enum pm_mv_kind kind, const struct pm_mv_entry *e)
{
    if (e->len && !e->data)
        return PM_ERR_INVALID;
    if (kind == PM_MV_STRING8)
        return e->len && memchr(e->data, 0, e->len) ? PM_ERR_INVALID : 0;
    if (e->len % 2)
        return PM_ERR_INVALID;
    for (size_t i = 0; i < e->len; i += 2)
        if (e->data[i] == 0 && e->data[i + 1] == 0)
            return PM_ERR_INVALID;
    return 0;
}

int pm_mv_serialise(const struct pm_mv_list *l, struct pm_buf *out)
{
    pm_buf_reset(out);
    if (!kind_known(l->kind) || l->n > PM_MV_MAX_COUNT)
        return PM_ERR_INVALID;
    if (l->layout != PM_MV_LAYOUT_32 && l->layout != PM_MV_LAYOUT_64 &&
        !(l->layout == PM_MV_LAYOUT_NONE && l->n == 0))
        return PM_ERR_INVALID;
    uint8_t cnt[4];
    put32(cnt, (uint32_t)l->n);
    int rc = pm_buf_append(out, cnt, 4);
    if (rc < 0 || l->n == 0)
        return rc;
    int bin = l->kind == PM_MV_BINARY;
    size_t term = l->kind == PM_MV_UNICODE ? 2 : l->kind == PM_MV_STRING8 ? 1 : 0;
    size_t pos = 4 + l->n * desc_size(l->kind, l->layout);
    /* The table: offsets follow from the lengths alone, so it is written before the data. */
    for (size_t i = 0; i < l->n; i++) {
        const struct pm_mv_entry *e = &l->items[i];
        if (bin ? e->len && !e->data : string_ok(l->kind, e) < 0)
            return PM_ERR_INVALID;
        if (bin && (rc = put_field(out, l->layout, e->len)) < 0)
            return rc;
        if ((rc = put_field(out, l->layout, pos)) < 0)
            return rc;
        if (e->len > SIZE_MAX / 2 - pos)
            return PM_ERR_LIMIT;
        pos += e->len + term;
        if (bin && (i + 1 < l->n || l->pad_last))
            pos = align4(pos);
    }
    static const uint8_t zero[4] = {0, 0, 0, 0};
    for (size_t i = 0; i < l->n; i++) {
        const struct pm_mv_entry *e = &l->items[i];
        if (e->len && (rc = pm_buf_append(out, e->data, e->len)) < 0)
            return rc;
        if (term)
            rc = pm_buf_append(out, zero, term);
        else if (i + 1 < l->n || l->pad_last)
            rc = pm_buf_append(out, zero, align4(out->len) - out->len);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int pm_mv_text(const struct pm_mv_list *l, size_t i, struct pm_buf *out)
{
    pm_buf_reset(out);
    if (l->kind == PM_MV_BINARY || !kind_known(l->kind) || i >= l->n)
        return PM_ERR_INVALID;
    const char *name = l->kind == PM_MV_UNICODE ? "001f0000" : "001e0000";
    int rc = pm_mapi_string_get(name, PM_REG_BINARY, l->items[i].data, l->items[i].len, out);
    return rc < 0 ? rc : 0;
}

int pm_mv_text_put(enum pm_mv_kind kind, const char *text, struct pm_buf *out)
{
    pm_buf_reset(out);
    size_t n = strlen(text);
    if (kind == PM_MV_UNICODE)
        return pm_utf8_to_utf16le(text, n, 0, out);
    if (kind != PM_MV_STRING8)
        return PM_ERR_INVALID;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)text[i] >= 0x80)
            return PM_ERR_INVALID;
    return pm_buf_append(out, text, n);
}
