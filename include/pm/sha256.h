/* SHA-256 (FIPS 180-4), for checking that a file copied into a backup is the file that was
 * read, and that a copy put back from a backup is the one the backup recorded. */
#ifndef PM_SHA256_H
#define PM_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct pm_sha256 {
    uint32_t h[8];
    uint64_t total;
    unsigned char block[64];
    size_t used;
};

void pm_sha256_init(struct pm_sha256 *s);
void pm_sha256_update(struct pm_sha256 *s, const void *data, size_t len);
/* The digest as 64 lowercase hex digits and a NUL. */
void pm_sha256_hex(struct pm_sha256 *s, char out[65]);
/* One call: the digest of data[0..len) in hex. */
void pm_sha256_of(const void *data, size_t len, char out[65]);

#endif
