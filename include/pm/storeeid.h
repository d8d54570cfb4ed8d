/* Exchange store EntryIDs wherever a profile keeps them (docs/mv-and-entryids.md,
 * outlook-profile-format.md §5.1, [MS-OXCDATA] 2.2.4.3): reading one strictly, rebuilding it with
 * a new server and mailbox DN (and the names in its V2/V3 tail), finding the ones embedded in a
 * larger binary, and rewriting those inside multi-valued lists with the list framing recomputed.
 *
 * Layout (little-endian): Flags(4)=0, ProviderUID(16)=muidStoreWrap 38a1bb10..., Version(1)=0,
 * Flag(1)=0, DLLFileName(14)="emsmdb.dll" NUL-padded, WrappedFlags(4)=0, WrappedProvider UID(16)
 * (mailbox 1b55fa20..., public folders 1c830210...), WrappedType(4) (0x0C mailbox, 0x06 public),
 * ServerShortname (8-bit, NUL), MailboxDN (8-bit, NUL; absent in some public-folder EntryIDs),
 * then optionally a tail: V2 (magic 0xF32135D8: Size, Version=1, OffsetDN, OffsetFQDN, server DN
 * 8-bit NUL, server FQDN UTF-16LE NUL, 2 reserved bytes) or V3 (magic 0xF43246E9: Size,
 * Version=2, OffsetSmtpAddress, SMTP address UTF-16LE NUL, 2 reserved bytes). Tail offsets count
 * from the tail's magic. */
#ifndef PM_STOREEID_H
#define PM_STOREEID_H

#include <stddef.h>
#include <stdint.h>

#include "pm/mvprop.h"
#include "pm/util.h"

#define PM_STOREEID_HEADER 60 /* bytes before ServerShortname */

enum pm_storeeid_tail {
    PM_STOREEID_TAIL_NONE = 0,
    PM_STOREEID_TAIL_V2 = 2,
    PM_STOREEID_TAIL_V3 = 3,
};

/* A parsed store EntryID: every pointer is into the bytes that were read (valid while they are);
 * strings are not NUL-terminated copies but spans whose terminator follows in the data. */
struct pm_storeeid {
    size_t len;            /* bytes the EntryID spans from its first byte */
    uint32_t wrapped_type; /* WrappedType */
    int is_public;         /* WrappedProvider UID is the public-folder store's */
    const char *server;    /* ServerShortname: "EXCH01", or "<mailbox GUID>@<domain>" (2013+) */
    size_t server_len;
    const char *dn; /* MailboxDN; NULL when the EntryID carries none */
    size_t dn_len;
    enum pm_storeeid_tail tail;
    const char *v2_dn; /* V2 server DN (8-bit); NULL when absent (OffsetDN 0) or no V2 tail */
    size_t v2_dn_len;
    const uint8_t *v2_fqdn; /* V2 server FQDN, UTF-16LE without terminator; NULL when absent */
    size_t v2_fqdn_len;
    const uint8_t *v3_smtp; /* V3 SMTP address, UTF-16LE without terminator; NULL when absent */
    size_t v3_smtp_len;
    /* For the rewrite: where the tail starts, and whether its Size counts the 2 reserved bytes
     * (writers differ in the sources; the rewrite keeps whichever the EntryID used). */
    size_t tail_off;
    int tail_size_has_reserved;
};

/* Flag for pm_storeeid_read: the EntryID may end before 'len' (it is embedded in a larger
 * structure); without it the EntryID must span exactly 'len' bytes. */
#define PM_STOREEID_PREFIX 0x1u

/* Reads a store EntryID at data[0..len). Returns 1 and fills *out when the header is exactly the
 * spec's (Flags 0, muidStoreWrap, Version 0, Flag 0, "emsmdb.dll" in any case, WrappedFlags 0,
 * the mailbox or public-folder store UID), the server and DN are terminated inside, and a tail,
 * when its magic follows, is consistent (version, offsets in sequence, Size matching with or
 * without the reserved bytes). Returns 0 otherwise ("does not parse"; *out unspecified). Never
 * reads outside data[0..len). */
int pm_storeeid_read(const uint8_t *data, size_t len, unsigned flags, struct pm_storeeid *out);

/* What to put into an EntryID; NULL keeps the field. 8-bit fields must be ASCII. A field the
 * EntryID does not carry (no MailboxDN, no tail of that version, a V2 string whose offset is 0) is
 * not added: the rewrite never changes which fields exist. */
struct pm_storeeid_edit {
    const char *server;  /* ServerShortname */
    const char *dn;      /* MailboxDN */
    const char *v2_dn;   /* V2 server DN (8-bit) */
    const char *v2_fqdn; /* V2 server FQDN (UTF-8 in, written UTF-16LE) */
    const char *v3_smtp; /* V3 SMTP address (UTF-8 in, written UTF-16LE) */
};

/* The EntryID data[0..len) (which must read exactly, flags 0) rebuilt into 'out' (reset first):
 * the 60-byte header kept byte for byte (flags, UIDs, WrappedType), server and DN replaced where
 * asked, the tail re-laid with its version and reserved bytes kept and its Size and offsets
 * recomputed. With every field NULL (or equal to what is there) the output equals the input.
 * Returns 0, PM_ERR_INVALID (data is not a store EntryID that reads exactly; a non-ASCII 8-bit
 * field), PM_ERR_NOMEM/PM_ERR_LIMIT. */
int pm_storeeid_rewrite(const uint8_t *data, size_t len, const struct pm_storeeid_edit *e,
                        struct pm_buf *out);

/* One store EntryID found inside a larger binary. */
struct pm_storeeid_hit {
    size_t off;       /* first byte (the Flags) */
    size_t len;       /* bytes it spans */
    int len_prefixed; /* the 4 bytes before it are a u32 equal to len (a cb field, likely) */
};
struct pm_storeeid_hits {
    struct pm_storeeid_hit *items; /* owned */
    size_t n;
};
#define PM_STOREEID_HITS_INIT                                                                      \
    {                                                                                              \
        NULL, 0                                                                                    \
    }

/* Finds every store EntryID embedded in data[0..len): each place where muidStoreWrap follows 4
 * zero bytes and pm_storeeid_read(PM_STOREEID_PREFIX) accepts what starts there; scanning resumes
 * after each hit (hits never overlap, in order). 'out' is released first. Returns the number of
 * hits (0 when none) or PM_ERR_NOMEM. */
int pm_storeeid_scan(const uint8_t *data, size_t len, struct pm_storeeid_hits *out);
void pm_storeeid_hits_release(struct pm_storeeid_hits *h);

/* 1 when a rewritten EntryID of 'newlen' bytes can replace 'hit' in place: the same length. Inside
 * a structure we do not know, any length change would leave the structure's own length and
 * offset fields wrong, so a caller never changes lengths there: it leaves the value (or deletes
 * it, by its own rule) instead. */
int pm_storeeid_fits(const struct pm_storeeid_hit *hit, size_t newlen);

/* Decides the edit for one EntryID met in a value: fill *e and return 1 to rewrite it, 0 to leave
 * it, <0 to stop with that error. 'eid' points into the value being read. */
typedef int (*pm_storeeid_decide_fn)(const struct pm_storeeid *eid, struct pm_storeeid_edit *e,
                                     void *ctx);

/* Counts from the rewrites below. */
struct pm_storeeid_stats {
    size_t found;     /* store EntryIDs met */
    size_t rewritten; /* of which rewritten (bytes changed) */
    size_t refused;   /* the callback asked for a rewrite that would change an embedded length */
};

/* A binary value of unknown structure with every embedded store EntryID the callback chose
 * rewritten in place; an EntryID whose new length differs is left as it is and counted in
 * 'refused'. 'out' (reset first) holds the whole value. Returns 0 or <0 (callback error,
 * PM_ERR_NOMEM, PM_ERR_LIMIT). */
int pm_storeeid_rewrite_embedded(const uint8_t *data, size_t len, pm_storeeid_decide_fn decide,
                                 void *ctx, struct pm_buf *out, struct pm_storeeid_stats *st);

/* A PT_MV_BINARY list value with its store EntryIDs rewritten: an entry that is exactly one store
 * EntryID is rebuilt at whatever length it takes (the list's count, table, offsets and padding are
 * recomputed in the layout found); EntryIDs embedded inside a larger entry are rewritten only in
 * place (same length), as in pm_storeeid_rewrite_embedded. Returns 1 with the new value in 'out'
 * (equal to the input when nothing changed), 0 when the list does not parse (out empty, nothing
 * to write: leave the value and warn), <0 on error. */
int pm_storeeid_rewrite_mv(const uint8_t *data, size_t len, pm_storeeid_decide_fn decide, void *ctx,
                           struct pm_buf *out, struct pm_storeeid_stats *st);

#endif
