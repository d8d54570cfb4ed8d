/* Registry values as libpm holds them: the Windows type code and the raw bytes exactly as the
 * registry stores them (REG_SZ is UTF-16LE with its NUL, REG_DWORD 4 bytes little-endian).
 * Every backend stores and returns these bytes unchanged, so a value read from one store and
 * written to another is byte-identical. */
#ifndef PM_VALUE_H
#define PM_VALUE_H

#include <stddef.h>
#include <stdint.h>

enum pm_regtype {
    PM_REG_NONE = 0,
    PM_REG_SZ = 1,
    PM_REG_EXPAND_SZ = 2,
    PM_REG_BINARY = 3,
    PM_REG_DWORD = 4,
    PM_REG_DWORD_BE = 5,
    PM_REG_LINK = 6,
    PM_REG_MULTI_SZ = 7,
    PM_REG_QWORD = 11,
};

/* Ceilings for hostile stores. */
#define PM_MAX_VALUE_BYTES ((size_t)16 << 20)
#define PM_MAX_NAME_BYTES 1024
#define PM_MAX_PATH_BYTES 4096
#define PM_MAX_SUBKEYS 100000
#define PM_MAX_VALUES 100000

/* A value read from a store. 'data' is owned (free with pm_value_release) and always followed by
 * two extra NUL bytes not counted in 'len', so text can be read safely. */
struct pm_value {
    uint32_t type;
    uint8_t *data;
    size_t len;
};
#define PM_VALUE_INIT {0, 0, 0}
void pm_value_release(struct pm_value *v);
/* Copies bytes into v (replacing what it held). 0 or PM_ERR_NOMEM. */
int pm_value_assign(struct pm_value *v, uint32_t type, const void *data, size_t len);

/* A registry type name as regedit spells it in hex(N) form and for logs: "REG_SZ", ... */
const char *pm_regtype_name(uint32_t type);

#endif
