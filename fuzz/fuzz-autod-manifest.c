/* Fuzz target for the manifest of cached Autodiscover files (pm/autodfiles.h), a file a
 * restore reads from the backup folder: parsed against a Windows and a POSIX folder; whatever
 * parses must name only files of that folder, and must survive a round trip through the
 * formatter unchanged. */
#include "compat.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "pm/autodfiles.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static void one(const char *text, size_t size, const char *dir)
{
    struct pm_autod_manifest m;
    struct pm_error err;
    pm_error_clear(&err);
    if (pm_autod_manifest_parse(text, size, "fuzz", dir, &m, &err) != 0)
        return;
    size_t dl = strlen(dir);
    for (size_t i = 0; i < m.n; i++) {
        const struct pm_autod_entry *e = &m.e[i];
        /* In the folder, by a plain name: nothing a restore writes can land elsewhere. */
        if (strlen(e->path) <= dl || strchr(e->name, '/') || strchr(e->name, '\\') ||
            strchr(e->name, ':') || strstr(e->path, "..") || !pm_autod_is_name(e->name) ||
            strchr(e->copy, '/') || strchr(e->copy, '\\') || e->size < 0 ||
            e->size > (long long)PM_AUTOD_MAX_BYTES)
            abort();
    }
    struct pm_buf out = PM_BUF_INIT;
    if (pm_autod_manifest_format(m.e, m.n, &out) == 0) {
        struct pm_autod_manifest again;
        if (pm_autod_manifest_parse(out.data, out.len, "again", dir, &again, &err) != 0 ||
            again.n != m.n)
            abort();
        for (size_t i = 0; i < m.n; i++)
            if (strcmp(again.e[i].path, m.e[i].path) || strcmp(again.e[i].copy, m.e[i].copy) ||
                strcmp(again.e[i].sha256, m.e[i].sha256) || again.e[i].size != m.e[i].size)
                abort();
        pm_autod_manifest_release(&again);
    }
    pm_buf_release(&out);
    pm_autod_manifest_release(&m);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    char *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    if (size)
        memcpy(copy, data, size);
    one(copy, size, "C:\\Users\\u\\AppData\\Local\\Microsoft\\Outlook");
    one(copy, size, "/home/u/.local/Microsoft/Outlook");
    free(copy);
    return 0;
}
