/* .reg files: the text format regedit and `reg export` write. Read: REGEDIT5 ("Windows Registry
 * Editor Version 5.00", UTF-16LE with BOM, as Windows writes it; UTF-8 also accepted) and REGEDIT4
 * (8-bit/UTF-8). Written: REGEDIT5 in UTF-16LE with BOM and CRLF, as regedit writes it, or REGEDIT4
 * in UTF-8 with CRLF, byte for byte in regedit's layout (hex lines wrapped at 80 columns).
 * Used for the reg store backend, for backups and for restore. */
#ifndef PM_REGFILE_H
#define PM_REGFILE_H

#include <stddef.h>
#include <stdint.h>

#include "pm/error.h"
#include "pm/store.h"
#include "pm/util.h"

enum pm_reg_format {
    PM_REGFMT_REGEDIT5 = 5, /* UTF-16LE, BOM, CRLF */
    PM_REGFMT_REGEDIT4 = 4, /* UTF-8 (ASCII when possible), CRLF */
};

/* Receives what the parser reads, in file order. Return <0 to stop (that code is returned). */
struct pm_regfile_sink {
    void *ctx;
    /* A [key] line. 'root' is the canonical long hive name ("HKEY_CURRENT_USER" for HKCU or
     * HKEY_CURRENT_USER), 'path' the rest ("" for the hive root). 'del' is set for [-key]. */
    int (*key)(void *ctx, const char *root, const char *path, int del, unsigned line);
    /* A value line of the last key. 'name' is "" for @. 'del' is set for "name"=-
     * (type/data then unset). Data is raw registry bytes (REG_SZ as UTF-16LE with NUL). */
    int (*value)(void *ctx, const char *name, uint32_t type, const uint8_t *data, size_t len,
                 int del, unsigned line);
};

/* Parses .reg text. 'name' is used in errors ("file:line: ..."). *fmt receives the header's
 * format. Never reads past len. Returns 0 or <0 (PM_ERR_PARSE with the line). */
int pm_regfile_parse(const void *data, size_t len, const char *name,
                     const struct pm_regfile_sink *sink, enum pm_reg_format *fmt,
                     struct pm_error *err);

/* Applies .reg text to a store: creates keys, sets values, honours [-key] and "v"=-.
 * Only HKEY_CURRENT_USER keys are accepted (others: PM_ERR_PARSE naming the line). Runs in the
 * caller's transaction when one is open, else in one of its own (all or nothing). */
int pm_regfile_import(struct pm_store *st, const void *data, size_t len, const char *name,
                      struct pm_error *err);

/* Appends the .reg text of the subtrees at 'paths' (keys under HKEY_CURRENT_USER; missing
 * keys are skipped) to out, header included. */
int pm_regfile_export(struct pm_store *st, const char *const *paths, size_t npaths,
                      enum pm_reg_format fmt, struct pm_buf *out, struct pm_error *err);

#endif
