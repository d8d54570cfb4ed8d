/* Errors of libpm: every function returns 0 (or a documented positive result) on success and a
 * negative enum pm_err on failure, and fills a caller-owned struct pm_error with the place
 * (file and line, or key path) and a message in git's style. The library never prints or exits. */
#ifndef PM_ERROR_H
#define PM_ERROR_H

#include <stddef.h>

#include "pm/attr.h"

enum pm_err {
    PM_OK = 0,
    PM_ERR_NOMEM = -1,       /* allocation failed */
    PM_ERR_IO = -2,          /* a file or the registry could not be read or written */
    PM_ERR_PARSE = -3,       /* input is malformed (file:line in the error) */
    PM_ERR_INVALID = -4,     /* bad argument or value */
    PM_ERR_NOTFOUND = -5,    /* a required thing is missing (optional things return 0, not this) */
    PM_ERR_UNSUPPORTED = -6, /* not built into this binary or not possible on this platform */
    PM_ERR_LIMIT = -7,       /* a size or count ceiling was hit */
    PM_ERR_FAULT = -8,       /* injected by the test fault hook */
    PM_ERR_BUSY = -9,        /* in use by another process */
};

struct pm_error {
    enum pm_err code;
    char where[512]; /* file name, or registry key path; "" when not applicable */
    unsigned line;   /* 1-based line in 'where', 0 when not applicable */
    char msg[1024];
};

/* Clears an error record. */
void pm_error_clear(struct pm_error *err);

/* Records an error and returns 'code', so callers can write: return pm_error_set(...).
 * 'err' may be NULL. 'where' may be NULL. */
int pm_error_set(struct pm_error *err, enum pm_err code, const char *where, unsigned line,
                 const char *fmt, ...) PM_PRINTF(5, 6);

/* Formats "where:line: msg" (or the parts that are set) into buf. Returns buf. */
const char *pm_error_format(const struct pm_error *err, char *buf, size_t size);

/* A short English name of an error code ("out of memory", "i/o error", ...). */
const char *pm_err_name(int code);

/* Receiver of non-fatal diagnostics (warnings that name a file and line). */
typedef void (*pm_diag_fn)(void *ctx, const char *where, unsigned line, const char *msg);

/* Diagnostics kept for later (raised before the run log is open): a pm_diag_fn whose ctx is a
 * struct pm_diag_list appends to it; an allocation failure drops the diagnostic. */
struct pm_diag {
    char *where; /* NULL when none */
    unsigned line;
    char *msg;
};
struct pm_diag_list {
    struct pm_diag *items;
    size_t n, cap;
};
#define PM_DIAG_LIST_INIT                                                                          \
    {                                                                                              \
        0, 0, 0                                                                                    \
    }
void pm_diag_collect(void *list, const char *where, unsigned line, const char *msg);
void pm_diag_list_release(struct pm_diag_list *l);

#endif
