/* CSV reader for Exchange PowerShell exports (see pm/csv.h). The file is decoded to UTF-8 once,
 * a chunk at a time, into memory (only the decoded text is held: exports of 10^5 mailboxes are
 * tens of megabytes), then records are cut out one at a time into a reused buffer, so a caller
 * holds one record at a time. */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pm/csv.h"
#include "pm/os.h"
#include "pm/progress.h"

struct pm_csv {
    char *name;
    char *text; /* decoded UTF-8, NUL-terminated */
    size_t len;
    size_t pos;
    unsigned line; /* line of text[pos] */
    struct pm_buf fieldbuf;
    size_t *offs;
    char **fields;
    size_t nfields;
    char **header; /* owned copies */
    size_t ncols;
};

/* Windows-1252 0x80..0x9f; the rest of the upper half is Latin-1. Undefined slots map to U+FFFD. */
static const unsigned short cp1252_high[32] = {
    0x20ac, 0xfffd, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160,
    0x2039, 0x0152, 0xfffd, 0x017d, 0xfffd, 0xfffd, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022,
    0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0xfffd, 0x017e, 0x0178,
};

static int put_utf8(struct pm_buf *b, unsigned cp)
{
    char u[3];
    if (cp < 0x80)
        return pm_buf_putc(b, (char)cp);
    if (cp < 0x800) {
        u[0] = (char)(0xc0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3f));
        return pm_buf_append(b, u, 2);
    }
    u[0] = (char)(0xe0 | (cp >> 12));
    u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
    u[2] = (char)(0x80 | (cp & 0x3f));
    return pm_buf_append(b, u, 3);
}

static int decode(const unsigned char *d, size_t len, struct pm_buf *out)
{
    if (len >= 3 && d[0] == 0xef && d[1] == 0xbb && d[2] == 0xbf)
        return pm_buf_append(out, d + 3, len - 3);
    if (len >= 2 && d[0] == 0xff && d[1] == 0xfe)
        return pm_utf16le_to_utf8(d + 2, len - 2, out);
    if (len >= 2 && d[0] == 0xfe && d[1] == 0xff) {
        unsigned char *sw = malloc(len);
        if (!sw)
            return PM_ERR_NOMEM;
        size_t n = (len - 2) & ~(size_t)1;
        for (size_t i = 0; i < n; i += 2) {
            sw[i] = d[2 + i + 1];
            sw[i + 1] = d[2 + i];
        }
        int rc = pm_utf16le_to_utf8(sw, n, out);
        free(sw);
        return rc;
    }
    if (pm_utf8_valid((const char *)d, len))
        return pm_buf_append(out, d, len);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < len; i++) {
        unsigned c = d[i];
        rc = put_utf8(out, c >= 0x80 && c < 0xa0 ? cp1252_high[c - 0x80] : c);
    }
    return rc;
}

void pm_csv_close(struct pm_csv *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->ncols; i++)
        free(c->header[i]);
    free(c->header);
    free(c->name);
    free(c->text);
    free(c->offs);
    free(c->fields);
    pm_buf_release(&c->fieldbuf);
    free(c);
}

/* Cuts the next record into c->fields. 1, 0 at end, or <0. */
static int read_record(struct pm_csv *c, unsigned *line, struct pm_error *err)
{
    const char *t = c->text;
    for (;;) {
        /* blank lines between records are not records */
        while (c->pos < c->len && (t[c->pos] == '\n' || t[c->pos] == '\r')) {
            if (t[c->pos] == '\n')
                c->line++;
            c->pos++;
        }
        if (c->pos >= c->len)
            return 0;
        *line = c->line;
        pm_buf_reset(&c->fieldbuf);
        c->nfields = 0;
        size_t start = 0;
        int rc = 0;
        for (;;) {
            if (c->nfields >= PM_CSV_MAX_FIELDS)
                return pm_error_set(err, PM_ERR_LIMIT, c->name, *line,
                                    "record has more than %d fields", PM_CSV_MAX_FIELDS);
            start = c->fieldbuf.len;
            if (c->pos < c->len && t[c->pos] == '"') {
                c->pos++;
                for (;;) {
                    if (c->pos >= c->len)
                        return pm_error_set(err, PM_ERR_PARSE, c->name, *line,
                                            "quoted field is not closed");
                    char ch = t[c->pos++];
                    if (ch == '"') {
                        if (c->pos < c->len && t[c->pos] == '"') {
                            c->pos++;
                        } else {
                            break;
                        }
                    } else if (ch == '\n') {
                        c->line++;
                    }
                    if ((rc = pm_buf_putc(&c->fieldbuf, ch)) < 0)
                        break;
                }
            }
            /* unquoted part (or stray text after a closing quote: kept, not guessed away) */
            while (rc == 0 && c->pos < c->len && t[c->pos] != ',' && t[c->pos] != '\n' &&
                   t[c->pos] != '\r')
                rc = pm_buf_putc(&c->fieldbuf, t[c->pos++]);
            if (rc == 0 && c->fieldbuf.len - start > PM_CSV_MAX_FIELD)
                rc = PM_ERR_LIMIT;
            if (rc == 0)
                rc = pm_buf_putc(&c->fieldbuf, 0);
            if (rc < 0)
                return pm_error_set(err, rc, c->name, *line, "field %zu is too large",
                                    c->nfields + 1);
            c->offs[c->nfields++] = start;
            if (c->pos < c->len && t[c->pos] == ',') {
                c->pos++;
                continue;
            }
            break;
        }
        if (c->pos < c->len && t[c->pos] == '\r')
            c->pos++;
        if (c->pos < c->len && t[c->pos] == '\n') {
            c->pos++;
            c->line++;
        }
        for (size_t i = 0; i < c->nfields; i++)
            c->fields[i] = c->fieldbuf.data + c->offs[i];
        return 1;
    }
}

/* The reader over 'text' (decoded, taken over: freed with the reader, or here on error). */
static int csv_setup(struct pm_csv **out, struct pm_buf *text, const char *name,
                     struct pm_error *err)
{
    struct pm_csv *c = calloc(1, sizeof(*c));
    if (!c) {
        pm_buf_release(text);
        return pm_error_set(err, PM_ERR_NOMEM, name, 0, "out of memory");
    }
    pm_buf_init(&c->fieldbuf, PM_CSV_MAX_BYTES + 16);
    c->name = pm_strdup(name);
    c->offs = malloc(PM_CSV_MAX_FIELDS * sizeof(*c->offs));
    c->fields = malloc(PM_CSV_MAX_FIELDS * sizeof(*c->fields));
    int rc = c->name && c->offs && c->fields ? 0 : PM_ERR_NOMEM;
    if (rc == 0 && !text->data)
        rc = pm_buf_puts(text, "");
    if (rc < 0) {
        pm_buf_release(text);
        pm_csv_close(c);
        return pm_error_set(err, rc, name, 0, "cannot decode the file (%s)", pm_err_name(rc));
    }
    c->text = pm_buf_detach(text, &c->len);
    c->line = 1;
    /* Windows PowerShell 5 writes "#TYPE Selected.Microsoft.Exchange..." before the header. */
    if (c->len >= 5 && !memcmp(c->text, "#TYPE", 5)) {
        while (c->pos < c->len && c->text[c->pos] != '\n')
            c->pos++;
    }
    unsigned line;
    rc = read_record(c, &line, err);
    if (rc <= 0) {
        pm_csv_close(c);
        return rc < 0 ? rc : pm_error_set(err, PM_ERR_PARSE, name, 0, "no header row");
    }
    c->header = calloc(c->nfields, sizeof(*c->header));
    if (!c->header) {
        pm_csv_close(c);
        return pm_error_set(err, PM_ERR_NOMEM, name, 0, "out of memory");
    }
    for (size_t i = 0; i < c->nfields; i++) {
        c->header[i] = pm_strdup(c->fields[i]);
        if (!c->header[i]) {
            c->ncols = i;
            pm_csv_close(c);
            return pm_error_set(err, PM_ERR_NOMEM, name, 0, "out of memory");
        }
    }
    c->ncols = c->nfields;
    c->nfields = 0;
    *out = c;
    return 0;
}

int pm_csv_open_mem(struct pm_csv **out, const void *data, size_t len, const char *name,
                    struct pm_error *err)
{
    *out = NULL;
    if (!name)
        name = "csv";
    if (len > PM_CSV_MAX_BYTES)
        return pm_error_set(err, PM_ERR_LIMIT, name, 0, "file is larger than %zu bytes",
                            PM_CSV_MAX_BYTES);
    struct pm_buf text;
    pm_buf_init(&text, PM_CSV_MAX_BYTES + 16);
    int rc = decode(data, len, &text);
    if (rc < 0) {
        pm_buf_release(&text);
        return pm_error_set(err, rc, name, 0, "cannot decode the file (%s)", pm_err_name(rc));
    }
    return csv_setup(out, &text, name, err);
}

/* Decodes the file as decode() decodes it whole, but a chunk at a time, so only the decoded
 * text is held (an UTF-16 export of 10^5 mailboxes is 130 MB on disk, half that decoded). A
 * UTF-16 code unit split between chunks, or a high surrogate ending one, waits for the next.
 * Returns 0, PM_ERR_LIMIT with *raw_limit set when the file is larger than PM_CSV_MAX_BYTES,
 * PM_ERR_IO, or the decoding's error. */
#define CSV_CHUNK ((size_t)64 << 10)
enum csv_enc { ENC_SNIFF, ENC_UTF8_BOM, ENC_UTF16LE, ENC_UTF16BE, ENC_PLAIN };

static int read_decoded(FILE *f, struct pm_buf *text, int *raw_limit,
                        const struct pm_progress *progress, unsigned long long size)
{
    unsigned char *raw = malloc(CSV_CHUNK + 8);
    if (!raw)
        return PM_ERR_NOMEM;
    size_t have = 0, total = 0;
    enum csv_enc enc = ENC_SNIFF;
    int rc = 0;
    *raw_limit = 0;
    for (;;) {
        size_t n = fread(raw + have, 1, CSV_CHUNK, f);
        int eof = n == 0;
        if (eof && ferror(f)) {
            rc = PM_ERR_IO;
            break;
        }
        total += n;
        if (n)
            pm_progress_update(progress, total, size);
        if (total > PM_CSV_MAX_BYTES) {
            *raw_limit = 1;
            rc = PM_ERR_LIMIT;
            break;
        }
        have += n;
        if (enc == ENC_SNIFF) {
            if (!eof && have < 3)
                continue;
            size_t skip = 0;
            if (have >= 3 && raw[0] == 0xef && raw[1] == 0xbb && raw[2] == 0xbf)
                enc = ENC_UTF8_BOM, skip = 3;
            else if (have >= 2 && raw[0] == 0xff && raw[1] == 0xfe)
                enc = ENC_UTF16LE, skip = 2;
            else if (have >= 2 && raw[0] == 0xfe && raw[1] == 0xff)
                enc = ENC_UTF16BE, skip = 2;
            else
                enc = ENC_PLAIN;
            memmove(raw, raw + skip, have - skip);
            have -= skip;
        }
        size_t use = have;
        int stop = 0;
        if (enc == ENC_UTF16LE || enc == ENC_UTF16BE) {
            use &= ~(size_t)1; /* an odd last byte is never decoded */
            int be = enc == ENC_UTF16BE;
            if (!eof && use >= 2) {
                unsigned last = be ? (unsigned)raw[use - 2] << 8 | raw[use - 1]
                                   : (unsigned)raw[use - 1] << 8 | raw[use - 2];
                if (last >= 0xD800 && last <= 0xDBFF)
                    use -= 2;
            }
            for (size_t i = 0; be && i < use; i += 2) {
                unsigned char t = raw[i];
                raw[i] = raw[i + 1];
                raw[i + 1] = t;
            }
            /* a NUL code unit ends the text, as in pm_utf16le_to_utf8 */
            for (size_t i = 0; i < use; i += 2)
                if (!raw[i] && !raw[i + 1]) {
                    use = i;
                    stop = 1;
                    break;
                }
            rc = pm_utf16le_to_utf8(raw, use, text);
        } else {
            rc = pm_buf_append(text, raw, use);
        }
        memmove(raw, raw + use, have - use);
        have -= use;
        if (rc < 0 || eof || stop)
            break;
    }
    free(raw);
    /* Not UTF-8 and no BOM: Windows-1252, as decode() reads it. */
    if (rc == 0 && enc == ENC_PLAIN && text->data && !pm_utf8_valid(text->data, text->len)) {
        struct pm_buf conv;
        pm_buf_init(&conv, PM_CSV_MAX_BYTES + 16);
        rc = decode((const unsigned char *)text->data, text->len, &conv);
        pm_buf_release(text);
        *text = conv;
    }
    return rc;
}

int pm_csv_open(struct pm_csv **out, const char *path, struct pm_error *err)
{
    return pm_csv_open_progress(out, path, NULL, err);
}

int pm_csv_open_progress(struct pm_csv **out, const char *path, const struct pm_progress *progress,
                         struct pm_error *err)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return pm_error_set(err, PM_ERR_IO, path, 0, "cannot open the file");
    struct pm_buf text;
    pm_buf_init(&text, PM_CSV_MAX_BYTES + 16);
    int raw_limit = 0;
    long long size = progress ? pm_os_file_size(path) : 0;
    int rc = read_decoded(f, &text, &raw_limit, progress, size > 0 ? (unsigned long long)size : 0);
    fclose(f);
    if (rc < 0) {
        pm_buf_release(&text);
        if (raw_limit)
            return pm_error_set(err, rc, path, 0, "file is larger than %zu bytes",
                                PM_CSV_MAX_BYTES);
        if (rc == PM_ERR_IO)
            return pm_error_set(err, rc, path, 0, "cannot read the file");
        return pm_error_set(err, rc, path, 0, "cannot decode the file (%s)", pm_err_name(rc));
    }
    return csv_setup(out, &text, path, err);
}

size_t pm_csv_columns(const struct pm_csv *c)
{
    return c->ncols;
}

const char *pm_csv_column_name(const struct pm_csv *c, size_t i)
{
    return i < c->ncols ? c->header[i] : NULL;
}

long pm_csv_column(const struct pm_csv *c, const char *name)
{
    size_t nl = strlen(name);
    for (size_t i = 0; i < c->ncols; i++) {
        const char *h = c->header[i];
        while (*h == ' ') /* "Name, Alias" hand-written headers */
            h++;
        size_t hl = strlen(h);
        while (hl && h[hl - 1] == ' ')
            hl--;
        if (hl == nl && !pm_ascii_ncasecmp(h, name, nl))
            return (long)i;
    }
    return -1;
}

int pm_csv_next(struct pm_csv *c, char ***fields, size_t *n, unsigned *line, struct pm_error *err)
{
    unsigned l = 0;
    int rc = read_record(c, &l, err);
    if (rc <= 0) {
        c->nfields = 0;
        if (rc < 0)
            c->pos = c->len; /* an unterminated quote swallowed the rest: stop here */
        return rc;
    }
    if (fields)
        *fields = c->fields;
    if (n)
        *n = c->nfields;
    if (line)
        *line = l;
    return 1;
}

const char *pm_csv_field(const struct pm_csv *c, long col)
{
    if (col < 0 || (size_t)col >= c->nfields)
        return "";
    return c->fields[col];
}
