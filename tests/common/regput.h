/* Writing profile values value by value in tests: hand-made profiles show exactly what a test
 * depends on. Each writer aborts the test program (with a message) when the store refuses. */
#ifndef PMT_REGPUT_H
#define PMT_REGPUT_H

#include <stddef.h>
#include <stdint.h>

#include "pm/store.h"

/* A 16-byte UID made from a small number (byte i = 0x10 * i + n), and "profile\<its hex>"
 * (a static buffer from a ring of 16). */
void pmt_uid(unsigned n, uint8_t out[16]);
const char *pmt_uid_key(const char *profile, unsigned n);

void pmt_put_bin(struct pm_store *st, const char *k, const char *name, const void *d, size_t n);
/* REG_SZ (UTF-16LE with NUL). */
void pmt_put_sz(struct pm_store *st, const char *k, const char *name, const char *s);
/* A PT_UNICODE property: REG_BINARY UTF-16LE with NUL. */
void pmt_put_w(struct pm_store *st, const char *k, const char *name, const char *s);
/* A PT_STRING8 property stored as 8-bit binary with NUL. */
void pmt_put_a8(struct pm_store *st, const char *k, const char *name, const char *s);
/* A PT_LONG property: 4 bytes little-endian. */
void pmt_put_long(struct pm_store *st, const char *k, const char *name, uint32_t v);
/* A UID list of the UIDs of the given small numbers (0-terminated), and a single UID. */
void pmt_put_uids(struct pm_store *st, const char *k, const char *name, const unsigned *ns);
void pmt_put_uid(struct pm_store *st, const char *k, const char *name, unsigned n);

#endif
