/* Writing profile values value by value in tests: hand-made profiles show exactly what a test
 * depends on. Each writer aborts the test program (with a message) when the store refuses. */
#ifndef PMT_REGPUT_H
#define PMT_REGPUT_H

#include <stddef.h>
#include <stdint.h>

#include "pm/store.h"
#include "pm/util.h"

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

/* The shapes a real Outlook 2013 wrote for an Exchange Online mailbox (docs/outlook-profile-format.md,
 * corrections): a store EntryID v1 (header, "EMSMDB.DLL", private-mailbox UID, WrappedType 0x0C,
 * server, DN; no V2/V3 tail), appended to 'b'. */
void pmt_store_eid(struct pm_buf *b, const char *server, const char *dn);
/* A multi-valued binary list of the 'n' blobs in the 64-bit table layout (u32 count, u64 cb and
 * u64 offset per entry, blobs 4-byte aligned, the last one padded too), written to 'b' (reset). */
void pmt_mv_bin64(struct pm_buf *b, const struct pm_buf *blobs, size_t n);
/* A multi-valued string list in the 64-bit layout (u32 count, u64 offsets, strings packed tight):
 * 8-bit when 'wide' is 0, UTF-16LE when 1. */
void pmt_mv_str64(struct pm_buf *b, const char *const *s, size_t n, int wide);

#endif
