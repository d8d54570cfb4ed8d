/* Error records: where, line and a message, for the caller to print. */
#include "compat.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pm_error_clear(struct pm_error *err)
{
    if (err)
        memset(err, 0, sizeof(*err));
}

int pm_error_set(struct pm_error *err, enum pm_err code, const char *where, unsigned line,
                 const char *fmt, ...)
{
    if (!err)
        return code;
    err->code = code;
    err->line = line;
    snprintf(err->where, sizeof(err->where), "%s", where ? where : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    return code;
}

const char *pm_error_format(const struct pm_error *err, char *buf, size_t size)
{
    if (!err || !size)
        return buf;
    if (err->where[0] && err->line)
        snprintf(buf, size, "%s:%u: %s", err->where, err->line, err->msg);
    else if (err->where[0])
        snprintf(buf, size, "%s: %s", err->where, err->msg);
    else
        snprintf(buf, size, "%s", err->msg[0] ? err->msg : pm_err_name(err->code));
    return buf;
}

const char *pm_err_name(int code)
{
    switch (code) {
    case PM_OK: return "success";
    case PM_ERR_NOMEM: return "out of memory";
    case PM_ERR_IO: return "i/o error";
    case PM_ERR_PARSE: return "malformed input";
    case PM_ERR_INVALID: return "invalid argument";
    case PM_ERR_NOTFOUND: return "not found";
    case PM_ERR_UNSUPPORTED: return "not supported";
    case PM_ERR_LIMIT: return "limit exceeded";
    case PM_ERR_FAULT: return "injected fault";
    case PM_ERR_BUSY: return "in use";
    default: return "unknown error";
    }
}

void pm_diag_collect(void *list, const char *where, unsigned line, const char *msg)
{
    struct pm_diag_list *l = list;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        struct pm_diag *items = realloc(l->items, cap * sizeof(*items));
        if (!items)
            return;
        l->items = items;
        l->cap = cap;
    }
    struct pm_diag *d = &l->items[l->n];
    d->where = where ? pm_strdup(where) : NULL;
    d->line = line;
    d->msg = pm_strdup(msg ? msg : "");
    if ((where && !d->where) || !d->msg) {
        free(d->where);
        free(d->msg);
        return;
    }
    l->n++;
}

void pm_diag_list_release(struct pm_diag_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i].where);
        free(l->items[i].msg);
    }
    free(l->items);
    l->items = NULL;
    l->n = l->cap = 0;
}
