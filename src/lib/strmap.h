/* Internal: a hash map from strings to pointers, ASCII case-insensitive (DNs, SMTP addresses,
 * aliases, user and computer names are all compared that way). Used by the PUF builder and
 * checker and by the report, which each need to look up tens of thousands of names. */
#ifndef PM_STRMAP_H
#define PM_STRMAP_H

#include <stddef.h>
#include <stdint.h>

struct strmap_slot {
    char *key; /* owned, NUL-terminated, as first inserted */
    size_t klen;
    uint64_t hash;
    void *val;
};

struct strmap {
    struct strmap_slot *slots;
    size_t cap; /* power of two, or 0 */
    size_t n;
};
#define STRMAP_INIT                                                                                \
    {                                                                                              \
        0, 0, 0                                                                                    \
    }

/* Frees the keys (and each value with free_val when not NULL). */
void strmap_release(struct strmap *m, void (*free_val)(void *));
/* The value slot for key, or NULL when absent. */
void **strmap_get(const struct strmap *m, const char *key, size_t klen);
/* Finds or adds key; *val is its value slot (NULL for a new key). Returns 1 when added, 0 when
 * it was there, PM_ERR_NOMEM or PM_ERR_LIMIT (more than 2^28 keys). */
int strmap_put(struct strmap *m, const char *key, size_t klen, void ***val);
/* Visits every entry in no particular order; stops early when fn returns non-zero. */
void strmap_each(const struct strmap *m, int (*fn)(void *ctx, const char *key, void *val),
                 void *ctx);

#endif
