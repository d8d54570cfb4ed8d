/* Fuzz target for the CSV reader: any bytes as an export, read to the end. */
#include "compat.h"

#include <stddef.h>
#include <string.h>

#include "pm/csv.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    struct pm_csv *c;
    struct pm_error err;
    if (pm_csv_open_mem(&c, data, size, "fuzz.csv", &err) < 0)
        return 0;
    long col = pm_csv_column(c, "LegacyExchangeDN");
    char **f;
    size_t n;
    unsigned line;
    size_t total = 0;
    while (pm_csv_next(c, &f, &n, &line, &err) > 0) {
        for (size_t i = 0; i < n; i++)
            total += strlen(f[i]);
        total += strlen(pm_csv_field(c, col));
    }
    pm_csv_close(c);
    return total == (size_t)-1;
}
