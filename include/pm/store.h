/* Registry stores: the one interface through which libpm reads and writes profiles, whatever
 * holds them. A store is opened from a spec:
 *
 *   "mem:"        an empty in-memory registry (tests, dry runs)
 *   "reg:FILE"    a .reg export (REGEDIT5 UTF-16LE with BOM, or REGEDIT4 / UTF-8)
 *   "hive:FILE"   an NTUSER.DAT hive (through libhivex, where built)
 *   "live"        HKEY_CURRENT_USER through the Win32 registry API (Windows builds)
 *
 * Paths are relative to HKEY_CURRENT_USER and use backslashes: "Software\\Microsoft\\Office".
 * Key and value names compare case-insensitively. The default value of a key is named "".
 * Values are raw registry bytes (see value.h).
 *
 * Writes happen inside a transaction: pm_store_begin, then any number of set/delete calls, then
 * pm_store_commit (all of them become durable at once; file stores are rewritten through a
 * temporary file renamed over the original) or pm_store_rollback (none of them happened). A write
 * outside a transaction is its own transaction. A store opened PM_STORE_READONLY refuses writes. */
#ifndef PM_STORE_H
#define PM_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "pm/error.h"
#include "pm/util.h"
#include "pm/value.h"

struct pm_store;

#define PM_STORE_READONLY 0x1u

/* Opens a store from its spec. On success *out is a new handle (close with pm_store_close).
 * Errors: PM_ERR_INVALID (bad spec), PM_ERR_UNSUPPORTED (backend not built), PM_ERR_IO,
 * PM_ERR_PARSE (file:line in err). */
int pm_store_open(struct pm_store **out, const char *spec, unsigned flags, struct pm_error *err);
/* Checks a spec without opening anything: a backend this binary has, and a file name where the
 * backend needs one (reg:, hive:). 0, or PM_ERR_INVALID / PM_ERR_UNSUPPORTED with the same
 * message pm_store_open would give. */
int pm_store_spec_check(const char *spec, struct pm_error *err);
/* Closes and frees the store, always; an open transaction is rolled back. NULL is a no-op. */
void pm_store_close(struct pm_store *st);

/* The backend name ("mem", "reg", "hive", "live") and the location given at open. */
const char *pm_store_backend(const struct pm_store *st);
const char *pm_store_location(const struct pm_store *st);
/* 1 when the backend was compiled into this binary, else 0. */
int pm_store_backend_available(const char *backend);

/* 1 when the key exists, 0 when not, <0 on error. */
int pm_store_key_exists(struct pm_store *st, const char *path, struct pm_error *err);
/* Fills 'out' (appending) with the names of the key's subkeys, in store order. Returns 1 when the
 * key exists, 0 when it does not (nothing appended), <0 on error. */
int pm_store_subkeys(struct pm_store *st, const char *path, struct pm_strlist *out,
                     struct pm_error *err);
/* Same for the key's value names ("" is the default value). */
int pm_store_values(struct pm_store *st, const char *path, struct pm_strlist *out,
                    struct pm_error *err);
/* Reads a value into *out (released first). 1 when found, 0 when the key or value is missing,
 * <0 on error. */
int pm_store_get(struct pm_store *st, const char *path, const char *name, struct pm_value *out,
                 struct pm_error *err);
/* Sets a value, creating the key (and its parents) when missing. 0 or <0. */
int pm_store_set(struct pm_store *st, const char *path, const char *name, uint32_t type,
                 const void *data, size_t len, struct pm_error *err);
/* Deletes a value. 1 when it was deleted, 0 when it was not there, <0 on error. */
int pm_store_delete_value(struct pm_store *st, const char *path, const char *name,
                          struct pm_error *err);
/* Creates a key and its parents. 1 when created, 0 when it already existed, <0 on error. */
int pm_store_create_key(struct pm_store *st, const char *path, struct pm_error *err);
/* Deletes a key with everything below it. 1 when deleted, 0 when absent, <0 on error. */
int pm_store_delete_key(struct pm_store *st, const char *path, struct pm_error *err);

/* Transactions (see above). Nested begin is PM_ERR_INVALID. */
int pm_store_begin(struct pm_store *st, struct pm_error *err);
int pm_store_commit(struct pm_store *st, struct pm_error *err);
int pm_store_rollback(struct pm_store *st, struct pm_error *err);
int pm_store_in_transaction(const struct pm_store *st);

/* Test hook: make the Nth mutating call from now (1-based; set, delete_value, create_key,
 * delete_key, commit each count one) fail with PM_ERR_FAULT. 0 disables. Returns the number of
 * mutating calls counted since the hook was last set, so a test can learn how many there are. */
unsigned long pm_store_fault_at(struct pm_store *st, unsigned long nth);
unsigned long pm_store_mutation_count(const struct pm_store *st);

/* Copies the subtree at 'path' of 'src' into 'dst' (same path), replacing nothing that is not in
 * the source. Used for backups and tests. */
int pm_store_copy_tree(struct pm_store *dst, struct pm_store *src, const char *path,
                       struct pm_error *err);

#endif
