/* ASCII case-insensitive string hash map (see strmap.h): open addressing with linear probing,
 * FNV-1a over the folded bytes, grown at 75% load. */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "strmap.h"

#define STRMAP_MAX_KEYS ((size_t)1 << 28)

static unsigned char fold(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

static uint64_t strmap_hash(const char *k, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= fold((unsigned char)k[i]);
        h *= 1099511628211ULL;
    }
    return h;
}

static int same(const struct strmap_slot *s, uint64_t h, const char *k, size_t n)
{
    return s->hash == h && s->klen == n && (n == 0 || pm_ascii_ncasecmp(s->key, k, n) == 0);
}

void strmap_release(struct strmap *m, void (*free_val)(void *))
{
    for (size_t i = 0; i < m->cap; i++) {
        if (m->slots[i].key) {
            free(m->slots[i].key);
            if (free_val)
                free_val(m->slots[i].val);
        }
    }
    free(m->slots);
    m->slots = NULL;
    m->cap = m->n = 0;
}

void **strmap_get(const struct strmap *m, const char *key, size_t klen)
{
    if (!m->cap)
        return NULL;
    uint64_t h = strmap_hash(key, klen);
    for (size_t i = (size_t)h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        struct strmap_slot *s = &m->slots[i];
        if (!s->key)
            return NULL;
        if (same(s, h, key, klen))
            return &s->val;
    }
}

static int grow(struct strmap *m)
{
    size_t ncap = m->cap ? m->cap * 2 : 64;
    struct strmap_slot *ns = calloc(ncap, sizeof(*ns));
    if (!ns)
        return PM_ERR_NOMEM;
    for (size_t i = 0; i < m->cap; i++) {
        struct strmap_slot *s = &m->slots[i];
        if (!s->key)
            continue;
        size_t j = (size_t)s->hash & (ncap - 1);
        while (ns[j].key)
            j = (j + 1) & (ncap - 1);
        ns[j] = *s;
    }
    free(m->slots);
    m->slots = ns;
    m->cap = ncap;
    return 0;
}

int strmap_put(struct strmap *m, const char *key, size_t klen, void ***val)
{
    if ((m->n + 1) * 4 > m->cap * 3) { /* at most 3/4 full: linear probes stay short */
        if (m->n >= STRMAP_MAX_KEYS)
            return PM_ERR_LIMIT;
        int rc = grow(m);
        if (rc < 0)
            return rc;
    }
    uint64_t h = strmap_hash(key, klen);
    size_t i = (size_t)h & (m->cap - 1);
    for (;; i = (i + 1) & (m->cap - 1)) {
        struct strmap_slot *s = &m->slots[i];
        if (!s->key)
            break;
        if (same(s, h, key, klen)) {
            *val = &s->val;
            return 0;
        }
    }
    char *k = pm_strndup(key, klen);
    if (!k)
        return PM_ERR_NOMEM;
    m->slots[i].key = k;
    m->slots[i].klen = klen;
    m->slots[i].hash = h;
    m->slots[i].val = NULL;
    m->n++;
    *val = &m->slots[i].val;
    return 1;
}

void strmap_each(const struct strmap *m, int (*fn)(void *ctx, const char *key, void *val),
                 void *ctx)
{
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i].key && fn(ctx, m->slots[i].key, m->slots[i].val))
            return;
}
