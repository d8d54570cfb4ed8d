/* Reader for the CSV files Exchange PowerShell writes (Export-Csv), RFC 4180 style: an optional
 * "#TYPE ..." first line (Windows PowerShell 5), a header row naming the columns, then one record
 * per row. Fields may be quoted, with "" for a quote and commas and line breaks inside. The file
 * may be UTF-8 (with or without BOM), UTF-16LE or UTF-16BE with BOM; without a BOM, bytes that are
 * not valid UTF-8 are read as Windows-1252. Everything handed out is UTF-8. Sizes are bounded:
 * the file by PM_CSV_MAX_BYTES, a field by PM_CSV_MAX_FIELD, a record by PM_CSV_MAX_FIELDS. */
#ifndef PM_CSV_H
#define PM_CSV_H

#include <stddef.h>

#include "pm/error.h"

#define PM_CSV_MAX_BYTES ((size_t)1 << 30)
#define PM_CSV_MAX_FIELD ((size_t)1 << 20)
#define PM_CSV_MAX_FIELDS 4096

struct pm_csv;

/* Reads the file (see above) and its header row. Errors: PM_ERR_IO (cannot read), PM_ERR_LIMIT
 * (too large), PM_ERR_PARSE (no header row; message names file and line). *out is NULL on
 * error. */
int pm_csv_open(struct pm_csv **out, const char *path, struct pm_error *err);
/* The same, telling 'progress' (may be NULL) how many bytes of the file are read. */
struct pm_progress;
int pm_csv_open_progress(struct pm_csv **out, const char *path, const struct pm_progress *progress,
                         struct pm_error *err);
/* Same over bytes in memory ('name' is used in messages); the bytes are copied. */
int pm_csv_open_mem(struct pm_csv **out, const void *data, size_t len, const char *name,
                    struct pm_error *err);
void pm_csv_close(struct pm_csv *c);

/* Header: number of columns and their names. */
size_t pm_csv_columns(const struct pm_csv *c);
const char *pm_csv_column_name(const struct pm_csv *c, size_t i);
/* Index of the column named 'name' (ASCII case-insensitive), or -1. */
long pm_csv_column(const struct pm_csv *c, const char *name);

/* Reads the next record. Returns 1 and sets *fields (n strings, valid until the next call or
 * close) and *line (1-based line of the file where the record starts); 0 at the end; a negative
 * error (PM_ERR_PARSE for an unterminated quote, PM_ERR_LIMIT) with file:line in err. Blank lines
 * are skipped. A record may have fewer or more fields than the header; pm_csv_field() hides
 * that. */
int pm_csv_next(struct pm_csv *c, char ***fields, size_t *n, unsigned *line, struct pm_error *err);
/* Field 'col' of the current record, or "" when col is -1 or beyond the record. */
const char *pm_csv_field(const struct pm_csv *c, long col);

#endif
