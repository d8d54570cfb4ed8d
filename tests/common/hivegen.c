/* Minimal empty hive writer: placeholder until the generator lands. */
#include "testutil.h"

int pmt_write_empty_hive(const char *path)
{
    (void)path;
    return -1;
}
