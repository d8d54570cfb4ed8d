/* Fuzz target for the MAPI value decoders a profile walk feeds with registry bytes: the Exchange
 * address-book and store EntryID parsers, the string property decoder and the log/dry-run
 * formatter. The first byte picks a value name and registry type (so the 001e/001f/PT_LONG and
 * Account Manager branches are all reached), the rest is the value's bytes. Checks what the
 * engine relies on: parsed pointers lie inside the input, a rewritten address-book EntryID reads
 * back with the DN that was put in, and formatting never fails on valid memory. */
#include "compat.h"

#include "pm/mapi.h"
#include "pm/value.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static const char *const fz_names[] = {
    "001e3001", "001f3001", "001e660b", "001f660b", "01023d0e", "01026600", "00036601",
    "00033d00", "Account Name", "Display Name", "Email", "Service Name", "DefaultProfile",
    "",         "001E6614", "0003",     "001f",     "x",
};
static const uint32_t fz_types[] = {PM_REG_NONE,   PM_REG_SZ,        PM_REG_EXPAND_SZ,
                                    PM_REG_BINARY, PM_REG_DWORD,     PM_REG_MULTI_SZ,
                                    PM_REG_QWORD,  0xffff0003u,      7u,
                                    11u,           0x80000000u,      PM_REG_BINARY};

static int fz_inside(const unsigned char *data, size_t size, const char *p, size_t n)
{
    const unsigned char *u = (const unsigned char *)p;
    return u >= data && n <= size && (size_t)(u - data) <= size - n;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned sel = data[0];
    const char *name = fz_names[sel % PM_ARRAY_SIZE(fz_names)];
    uint32_t type = fz_types[(sel / PM_ARRAY_SIZE(fz_names)) % PM_ARRAY_SIZE(fz_types)];
    const unsigned char *v = data + 1;
    size_t len = size - 1;

    struct pm_buf out = PM_BUF_INIT;
    int rc = pm_mapi_string_get(name, type, v, len, &out);
    if (rc == 0 && out.len != 0)
        abort(); /* "not a string" must leave nothing behind */
    if (rc == 1 && out.data && strlen(out.data) != out.len)
        abort(); /* decoded text is a C string with no NUL inside */
    if (pm_mapi_format(name, type, v, len, &out) < 0 && out.len > 4096)
        abort();
    pm_buf_release(&out);

    uint32_t lv;
    if (pm_mapi_long_get(v, len, &lv) != (len == 4))
        abort();
    size_t nuid = pm_mapi_uid_count(len);
    for (size_t i = 0; i < nuid && i < 8; i++) {
        char hex[33];
        pm_mapi_uid_hex(v, i, hex);
    }

    const char *dn = NULL;
    size_t dnlen = 0;
    if (pm_mapi_abeid_dn(v, len, &dn, &dnlen) == 1) {
        if (!dn || dnlen == 0 || !fz_inside(v, len, dn, dnlen + 1) || dn[dnlen] != 0)
            abort();
        /* Re-point the EntryID at a DN taken from its own tail: the header stays, the DN reads
         * back exactly. */
        char *newdn = malloc(dnlen + 2);
        if (newdn) {
            memcpy(newdn, dn, dnlen);
            newdn[dnlen] = 'X';
            newdn[dnlen + 1] = 0;
            struct pm_buf eid = PM_BUF_INIT;
            if (pm_mapi_abeid_with_dn(v, len, newdn, &eid) == 0) {
                const char *back = NULL;
                size_t backlen = 0;
                if (pm_mapi_abeid_dn((const uint8_t *)eid.data, eid.len, &back, &backlen) != 1 ||
                    backlen != dnlen + 1 || memcmp(back, newdn, backlen) != 0 ||
                    memcmp(eid.data, v, 28) != 0)
                    abort();
            }
            pm_buf_release(&eid);
            free(newdn);
        }
    }
    /* A header of any length with any DN text. */
    {
        struct pm_buf eid = PM_BUF_INIT;
        char tail[64];
        size_t t = len < sizeof(tail) - 1 ? len : sizeof(tail) - 1;
        memcpy(tail, v, t);
        tail[t] = 0;
        rc = pm_mapi_abeid_with_dn(v, len, tail, &eid);
        if ((len < 28) != (rc != 0))
            abort();
        pm_buf_release(&eid);
    }

    const char *server = NULL, *sdn = NULL;
    size_t slen = 0, sdnlen = 0;
    if (pm_mapi_storeeid_parse(v, len, &server, &slen, &sdn, &sdnlen) == 1) {
        if (!fz_inside(v, len, server, slen + 1) || server[slen] != 0)
            abort();
        if (sdn && (!fz_inside(v, len, sdn, sdnlen + 1) || sdn[sdnlen] != 0 || sdnlen == 0))
            abort();
        if (!sdn && sdnlen != 0)
            abort();
    }
    return 0;
}
