/* Fuzz target for puf check: any bytes as an mbm.puf, checked whole. The checker keeps only
 * fingerprints of the names it has seen and reads earlier lines back from the file to compare
 * them, so a hostile file exercises its read-back and second pass; besides not crashing, the
 * counts must add up: one report per problem, as many lines as the file has, no more entries
 * than lines, and checking the same file twice gives the same result. */
#include "compat.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pm/pufcheck.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static void count(void *ctx, const char *where, unsigned line, const char *msg)
{
    (void)where, (void)line, (void)msg;
    ++*(unsigned *)ctx;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    static char dir[512];
    if (!dir[0]) {
        const char *tmp = getenv("TMPDIR");
        snprintf(dir, sizeof(dir), "%s/pm-fuzz-pufcheck-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(dir))
            abort();
    }
    char puf[600];
    snprintf(puf, sizeof(puf), "%s/mbm.puf", dir);
    FILE *f = fopen(puf, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
        abort();
    unsigned lines = 0;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    if (size && data[size - 1] != '\n')
        lines++;
    struct pm_pufcheck_stats a, b;
    struct pm_error err;
    unsigned na = 0, nb = 0;
    if (pm_puf_check(puf, &a, count, &na, &err) != 0)
        abort(); /* a file that can be read is checked, whatever it holds */
    if (pm_puf_check(puf, &b, count, &nb, &err) != 0)
        abort();
    if (a.problems != na || a.lines != lines || a.entries > a.lines ||
        a.malformed + a.entries > a.lines || a.duplicates + a.conflicts + a.loops > a.problems ||
        memcmp(&a, &b, sizeof(a)) != 0 || na != nb)
        abort();
    return 0;
}
