/* Small building blocks shared by libpm and its tools: a growable byte buffer with a ceiling,
 * a list of strings, UTF-8/UTF-16LE conversion and case-insensitive comparison of registry names. */
#ifndef PM_UTIL_H
#define PM_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "pm/attr.h"

/* Growable buffer. Always NUL-terminated after any append (the NUL is not counted in len).
 * 'max' is a ceiling in bytes (0 = PM_BUF_DEFAULT_MAX); appends past it fail with PM_ERR_LIMIT. */
#define PM_BUF_DEFAULT_MAX ((size_t)256 << 20)
struct pm_buf {
    char *data;
    size_t len;
    size_t cap;
    size_t max;
};
#define PM_BUF_INIT {0, 0, 0, 0}
void pm_buf_init(struct pm_buf *b, size_t max);
void pm_buf_release(struct pm_buf *b);
void pm_buf_reset(struct pm_buf *b); /* len = 0, keeps memory */
int pm_buf_append(struct pm_buf *b, const void *data, size_t len);
int pm_buf_puts(struct pm_buf *b, const char *s);
int pm_buf_putc(struct pm_buf *b, char c);
int pm_buf_printf(struct pm_buf *b, const char *fmt, ...) PM_PRINTF(2, 3);
/* Hands the data over to the caller (free()) and resets the buffer. Never NULL unless OOM. */
char *pm_buf_detach(struct pm_buf *b, size_t *len);

/* A list of owned strings. */
struct pm_strlist {
    char **items;
    size_t n;
    size_t cap;
};
#define PM_STRLIST_INIT {0, 0, 0}
int pm_strlist_add(struct pm_strlist *l, const char *s);
int pm_strlist_addn(struct pm_strlist *l, const char *s, size_t len);
void pm_strlist_release(struct pm_strlist *l);
/* Index of s in l (case-insensitive registry comparison), or -1. */
long pm_strlist_find(const struct pm_strlist *l, const char *s);

/* strdup/strndup that return NULL on allocation failure (and on NULL input for pm_strdup). */
char *pm_strdup(const char *s);
char *pm_strndup(const char *s, size_t n);

/* Case-insensitive comparison as the registry does it for key and value names (ASCII, Latin-1,
 * Latin Extended-A, Greek and Cyrillic folded; anything else compared exactly). */
int pm_name_casecmp(const char *a, const char *b);
int pm_name_ncasecmp(const char *a, size_t alen, const char *b, size_t blen);
/* A hash of a name under the same folding: names pm_name_ncasecmp calls equal hash alike. */
uint64_t pm_name_hash(const char *s, size_t len);
/* ASCII-only case-insensitive comparison of n bytes (for DNs, SMTP addresses). */
int pm_ascii_ncasecmp(const char *a, const char *b, size_t n);
/* Case-insensitive (ASCII) substring search; NULL when absent. */
const char *pm_ascii_casestr(const char *hay, size_t haylen, const char *needle, size_t nlen);

/* UTF-8 -> UTF-16LE bytes. Appends a 2-byte NUL when 'nul' is set. Invalid UTF-8 bytes become
 * U+FFFD. Returns 0 or PM_ERR_NOMEM/PM_ERR_LIMIT. */
int pm_utf8_to_utf16le(const char *s, size_t len, int nul, struct pm_buf *out);
/* UTF-16LE bytes -> UTF-8. Stops at the first NUL code unit if any; an odd trailing byte is
 * ignored; unpaired surrogates become U+FFFD. */
int pm_utf16le_to_utf8(const void *data, size_t len, struct pm_buf *out);
/* Decodes one UTF-8 sequence at data[0..len): its length (1-4) and the code point in *cp, or 0
 * when the bytes there are not valid UTF-8 (bad lead, truncated, overlong, surrogate). */
size_t pm_utf8_decode(const void *data, size_t len, uint32_t *cp);
/* 1 when the bytes are valid UTF-8, else 0. */
int pm_utf8_valid(const char *s, size_t len);

/* Lowercase hex of bytes into out (2*len+1 bytes). */
void pm_hex_lower(const uint8_t *data, size_t len, char *out);
/* Value of one hex digit (either case), or -1. */
int pm_hex_digit(int c);
/* Parses exactly 2*len hex digits into out. Returns 0 or PM_ERR_PARSE. */
int pm_hex_parse(const char *s, size_t slen, uint8_t *out, size_t len);

#endif
