/* Helpers shared by the tests and test tools. */
#ifndef PM_TESTUTIL_H
#define PM_TESTUTIL_H

#include <stddef.h>

/* Writes a minimal valid, empty registry hive (a regf file with one root key) to path, since
 * hivex cannot create a hive from nothing. Returns 0 or -1. */
int pmt_write_empty_hive(const char *path);

/* Makes a fresh temporary folder and returns its path (static storage, one per call, never
 * freed). Aborts the test run on failure. */
const char *pmt_tempdir(const char *tag);

/* Reads a whole file into a malloc'd buffer (NUL-terminated); NULL on failure. */
char *pmt_read_file(const char *path, size_t *len);
/* Writes a file; 0 or -1. */
int pmt_write_file(const char *path, const void *data, size_t len);

#endif
