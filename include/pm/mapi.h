/* MAPI property encodings as profiles store them in the registry (outlook-profile-format.md §2.3):
 * value names "%04x%04x" (type then id), PT_STRING8 as REG_SZ (or 8-bit binary), PT_UNICODE as
 * UTF-16LE binary with NUL, PT_LONG as 4 bytes little-endian, UID lists as concatenated 16-byte
 * MAPIUIDs, and the two EntryID shapes a profile holds (store and address book). */
#ifndef PM_MAPI_H
#define PM_MAPI_H

#include <stddef.h>
#include <stdint.h>

#include "pm/util.h"

/* Decodes a string property (or Account Manager string value) to UTF-8 in 'out' (reset first),
 * choosing the encoding from the registry type and the value name's type half: REG_SZ and
 * REG_EXPAND_SZ are UTF-16LE; REG_BINARY named 001f.... is UTF-16LE, 001e.... is 8-bit; other
 * REG_BINARY (Account Manager "Account Name") is UTF-16LE. Returns 1 when it is a string value,
 * 0 when not (out empty), <0 on allocation failure. */
int pm_mapi_string_get(const char *name, uint32_t type, const uint8_t *data, size_t len,
                       struct pm_buf *out);
/* Encodes 'text' for a value that today has registry type 'type' and the given name, in the same
 * encoding that value uses (so a rewrite keeps the variant that exists). */
int pm_mapi_string_put(const char *name, uint32_t type, const char *text, struct pm_buf *out);

/* PT_LONG: 1 and *v when len == 4, else 0. */
int pm_mapi_long_get(const uint8_t *data, size_t len, uint32_t *v);
void pm_mapi_long_put(uint32_t v, uint8_t out[4]);

/* Number of whole 16-byte UIDs in a UID list (extra bytes are ignored). */
size_t pm_mapi_uid_count(size_t len);
/* Lowercase hex key name of the i-th UID (33 bytes). */
void pm_mapi_uid_hex(const uint8_t *data, size_t i, char out[33]);

/* Exchange address-book EntryID (§5.3): flags(4) muidEMSAB(16) version(4) type(4) X500 DN NUL.
 * Returns 1 and the DN (pointer into data, length) when data is one, else 0. */
int pm_mapi_abeid_dn(const uint8_t *data, size_t len, const char **dn, size_t *dnlen);
/* The same EntryID with its DN replaced (header kept). */
int pm_mapi_abeid_with_dn(const uint8_t *data, size_t len, const char *dn, struct pm_buf *out);

/* Exchange store EntryID (§5.1): returns 1 with server short name and mailbox DN (pointers into
 * data; dn may be NULL/0 for public stores) when data is one, else 0. */
int pm_mapi_storeeid_parse(const uint8_t *data, size_t len, const char **server,
                           size_t *serverlen, const char **dn, size_t *dnlen);

/* Splits a DN that ends in "/guid=<GUID>" (any case; GUID as 32 hex digits or 8-4-4-4-12 with
 * dashes) into the mailbox DN before it and the suffix: "<owner DN>/guid=<archive GUID>" is how an
 * Online Archive (and other alternate mailboxes of a user, e.g. the AlternateMailboxes that
 * Autodiscover returns) is named, and it belongs to the mailbox "<owner DN>". Returns 1 and
 * *mbxlen (the suffix is dn + *mbxlen, through dn + len) when the DN has such a suffix and a
 * non-empty mailbox part, else 0. */
int pm_mapi_dn_split_guid(const char *dn, size_t len, size_t *mbxlen);

/* A value as text for logs and dry runs: strings decoded, PT_LONG as 0x%08x, other bytes as
 * hex (cut after 48 bytes with the total size). */
int pm_mapi_format(const char *name, uint32_t type, const uint8_t *data, size_t len,
                   struct pm_buf *out);

#endif
