/* Multi-valued MAPI properties as profiles store them in REG_BINARY values
 * (docs/mv-and-entryids.md, outlook-profile-format.md §2.3 and "Corrections from real profiles"):
 * a u32 count, a descriptor table, then the data. Two table widths occur in real profiles and a
 * value is re-written in the width it was read in:
 *
 *   PT_MV_BINARY  (1102xxxx)  32-bit: count × (u32 cb, u32 offset)   64-bit: count × (u64 cb, u64
 * offset) PT_MV_STRING8 (101exxxx)  32-bit: count × u32 offset             64-bit: count × u64
 * offset PT_MV_UNICODE (101fxxxx)  as PT_MV_STRING8, strings UTF-16LE
 *
 * Offsets are absolute from the start of the value. Blobs follow the table in entry order, each
 * starting on a 4-byte boundary (zero padding between them); strings follow packed tight, each
 * NUL-terminated (one byte for 101e, two for 101f). PT_MV_LONG (1003xxxx) has no count and no
 * table: it is a raw array of u32 and needs no codec.
 *
 * The reader accepts exactly what the writer produces (plus an unpadded last blob, which it
 * remembers), so a list that parses re-serialises byte for byte, and every list the writer makes
 * has a count, a table and offsets that agree. Anything else "does not parse": the caller leaves
 * the value alone. */
#ifndef PM_MVPROP_H
#define PM_MVPROP_H

#include <stddef.h>
#include <stdint.h>

#include "pm/util.h"

/* More entries than this and a list does not parse (profiles hold a handful). */
#define PM_MV_MAX_COUNT 65536u

/* The MAPI property type of the list (the type half of the value name). */
enum pm_mv_kind {
    PM_MV_BINARY = 0x1102,
    PM_MV_STRING8 = 0x101e,
    PM_MV_UNICODE = 0x101f,
};

/* Width of the descriptor table. NONE only for an empty list (count 0), whose 4 bytes say nothing
 * about the width. */
enum pm_mv_layout {
    PM_MV_LAYOUT_NONE = 0,
    PM_MV_LAYOUT_32 = 32,
    PM_MV_LAYOUT_64 = 64,
};

/* One entry: a view of bytes, never owned by the list. Binary: the blob. Strings: the characters
 * WITHOUT the terminator (8-bit bytes, or UTF-16LE code units: len is even); the writer adds it. */
struct pm_mv_entry {
    const uint8_t *data;
    size_t len;
};

struct pm_mv_list {
    enum pm_mv_kind kind;
    enum pm_mv_layout layout;
    int pad_last; /* binary: 1 when the last blob is followed by its padding (the writer's form) */
    size_t n;
    struct pm_mv_entry *items; /* owned array of n views (pm_mv_list_release frees it) */
};
#define PM_MV_LIST_INIT                                                                            \
    {                                                                                              \
        PM_MV_BINARY, PM_MV_LAYOUT_NONE, 1, 0, NULL                                                \
    }

/* The list kind named by a value name "1102xxxx" / "101exxxx" / "101fxxxx" (any case): 1 and
 * *kind, or 0 for any other name. */
int pm_mv_kind_of(const char *name, enum pm_mv_kind *kind);

/* Reads a list value of the given kind. Returns 1 when it parses: 'out' (released first) holds
 * the layout found and n views pointing into 'data' (valid while data is). Returns 0 when it does
 * not parse: shorter than 4 bytes; count above PM_MV_MAX_COUNT; a table that does not fit; the
 * first offset equal to neither header size (4 + count*8 or 4 + count*16 for binary, 4 + count*4
 * or 4 + count*8 for strings); both widths fitting; an entry outside the value, overlapping
 * another or out of order; non-zero padding; a string without its terminator or followed by
 * anything but the next string; bytes after the last entry. 'out' is then empty. Returns
 * PM_ERR_NOMEM on allocation failure. */
int pm_mv_parse(enum pm_mv_kind kind, const uint8_t *data, size_t len, struct pm_mv_list *out);

/* Writes l->items in l->layout into 'out' (reset first): count, table, then the entries in order,
 * blobs zero-padded to 4 bytes (the last one too when l->pad_last), strings with their
 * terminator. An unchanged parsed list comes back byte for byte. Returns 0, or PM_ERR_INVALID
 * when the list cannot be written consistently (layout NONE with entries, an unknown layout or
 * kind, a string entry holding a terminator, a UTF-16 entry of odd length, more than
 * PM_MV_MAX_COUNT entries, an offset or length beyond 32 bits in the 32-bit layout),
 * PM_ERR_NOMEM / PM_ERR_LIMIT from the buffer. */
int pm_mv_serialise(const struct pm_mv_list *l, struct pm_buf *out);

/* Entry i of a string list as UTF-8 in 'out' (reset first): 101f decoded from UTF-16LE, 101e
 * mapped from Latin-1 as pm_mapi_string_get does. Returns 0, PM_ERR_INVALID (not a string list,
 * i out of range) or PM_ERR_NOMEM. */
int pm_mv_text(const struct pm_mv_list *l, size_t i, struct pm_buf *out);
/* UTF-8 text as a string entry of 'kind' in 'out' (reset first), without terminator, ready to be
 * pointed at by an entry: UTF-16LE for 101f; for 101e the text must be ASCII (profiles keep 8-bit
 * strings ASCII; anything else is refused rather than guessed into a code page). Returns 0,
 * PM_ERR_INVALID (not a string kind, non-ASCII for 101e, a NUL inside) or PM_ERR_NOMEM. */
int pm_mv_text_put(enum pm_mv_kind kind, const char *text, struct pm_buf *out);

void pm_mv_list_release(struct pm_mv_list *l);

#endif
