/* Fuzz target for the CSV reader: any bytes as an export, read to the end, from memory and from
 * a file; the file is decoded a chunk at a time, and must give exactly the records the whole
 * decoding gives. */
#include "compat.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pm/csv.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

/* Every record of b equals a's (the file's), field by field and line by line. */
static void same_records(struct pm_csv *a, struct pm_csv *b)
{
    char **fa, **fb;
    size_t na, nb;
    unsigned la, lb;
    struct pm_error err;
    for (;;) {
        int ra = pm_csv_next(a, &fa, &na, &la, &err), rb = pm_csv_next(b, &fb, &nb, &lb, &err);
        if (ra != rb)
            abort();
        if (ra <= 0)
            return;
        if (na != nb || la != lb)
            abort();
        for (size_t i = 0; i < na; i++)
            if (strcmp(fa[i], fb[i]) != 0)
                abort();
    }
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    struct pm_csv *c;
    struct pm_error err;
    static char path[600];
    if (!path[0]) {
        char dir[512];
        const char *tmp = getenv("TMPDIR");
        snprintf(dir, sizeof(dir), "%s/pm-fuzz-csv-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(dir))
            abort();
        snprintf(path, sizeof(path), "%s/x.csv", dir);
    }
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
        abort();
    struct pm_csv *fc = NULL;
    int frc = pm_csv_open(&fc, path, &err);
    int mrc = pm_csv_open_mem(&c, data, size, "fuzz.csv", &err);
    if ((frc < 0) != (mrc < 0))
        abort();
    if (mrc < 0)
        return 0;
    struct pm_csv *again;
    if (pm_csv_open_mem(&again, data, size, "fuzz.csv", &err) < 0)
        abort();
    same_records(fc, again);
    pm_csv_close(fc);
    pm_csv_close(again);
    long col = pm_csv_column(c, "LegacyExchangeDN");
    char **fl;
    size_t n;
    unsigned line;
    size_t total = 0;
    while (pm_csv_next(c, &fl, &n, &line, &err) > 0) {
        for (size_t i = 0; i < n; i++)
            total += strlen(fl[i]);
        total += strlen(pm_csv_field(c, col));
    }
    pm_csv_close(c);
    return total == (size_t)-1;
}
