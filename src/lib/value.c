/* Registry value records and type names. */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

void pm_value_release(struct pm_value *v)
{
    if (!v)
        return;
    free(v->data);
    v->data = NULL;
    v->len = 0;
    v->type = 0;
}

int pm_value_assign(struct pm_value *v, uint32_t type, const void *data, size_t len)
{
    uint8_t *p = malloc(len + 2);
    if (!p)
        return PM_ERR_NOMEM;
    if (len)
        memcpy(p, data, len);
    p[len] = p[len + 1] = 0;
    free(v->data);
    v->data = p;
    v->len = len;
    v->type = type;
    return 0;
}

const char *pm_regtype_name(uint32_t type)
{
    switch (type) {
    case PM_REG_NONE: return "REG_NONE";
    case PM_REG_SZ: return "REG_SZ";
    case PM_REG_EXPAND_SZ: return "REG_EXPAND_SZ";
    case PM_REG_BINARY: return "REG_BINARY";
    case PM_REG_DWORD: return "REG_DWORD";
    case PM_REG_DWORD_BE: return "REG_DWORD_BIG_ENDIAN";
    case PM_REG_LINK: return "REG_LINK";
    case PM_REG_MULTI_SZ: return "REG_MULTI_SZ";
    case PM_REG_QWORD: return "REG_QWORD";
    default: return "REG_UNKNOWN";
    }
}
