/* hivewrite: writes values into an NTUSER.DAT hive through the hive store, so the independent
 * hive readers (hivexregedit, reglookup) can check what the backend writes. Creates an empty
 * hive first when the file does not exist. Reads lines from stdin, one value each:
 *
 *   KEY<TAB>NAME<TAB>TYPE<TAB>HEX      set a value (TYPE decimal, HEX the raw bytes, "" = empty)
 *   -KEY<TAB>NAME                      delete a value
 *   -KEY                               delete a key
 *
 * Names are UTF-8, KEY is relative to the hive root (HKEY_CURRENT_USER). Everything is one
 * transaction, committed at the end. Exit status 0 or 1. */
#include "compat.h"

#include "pm/store.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int fail(const struct pm_error *err, unsigned line)
{
    char buf[2048];
    fprintf(stderr, "hivewrite: stdin:%u: %s\n", line, pm_error_format(err, buf, sizeof(buf)));
    return 1;
}

/* Splits s at tabs into at most max fields (in place). Returns the count. */
static size_t split_tabs(char *s, char **f, size_t max)
{
    size_t n = 0;
    f[n++] = s;
    for (char *p = s; *p && n < max; p++)
        if (*p == '\t') {
            *p = 0;
            f[n++] = p + 1;
        }
    return n;
}

static int run(struct pm_store *st, char *line, unsigned lineno, struct pm_error *err)
{
    char *f[4];
    size_t n = split_tabs(line, f, 4);
    if (f[0][0] == '-') {
        if (n == 1)
            return pm_store_delete_key(st, f[0] + 1, err) < 0 ? -1 : 0;
        return pm_store_delete_value(st, f[0] + 1, f[1], err) < 0 ? -1 : 0;
    }
    if (n != 4) {
        pm_error_set(err, PM_ERR_PARSE, "stdin", lineno, "expected KEY, NAME, TYPE and HEX");
        return -1;
    }
    size_t hexlen = strlen(f[3]);
    uint8_t *data = malloc(hexlen / 2 + 1);
    if (!data || hexlen % 2 || pm_hex_parse(f[3], hexlen, data, hexlen / 2) < 0) {
        free(data);
        pm_error_set(err, PM_ERR_PARSE, "stdin", lineno, "bad hex bytes");
        return -1;
    }
    int rc = pm_store_set(st, f[0], f[1], (uint32_t)strtoul(f[2], NULL, 10), data, hexlen / 2,
                          err);
    free(data);
    return rc < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: hivewrite HIVE < values\n");
        return 2;
    }
    if (access(argv[1], F_OK) != 0 && pmt_write_empty_hive(argv[1]) < 0) {
        fprintf(stderr, "hivewrite: cannot create '%s'\n", argv[1]);
        return 1;
    }
    struct pm_error err;
    pm_error_clear(&err);
    struct pm_buf spec = PM_BUF_INIT;
    struct pm_store *st = NULL;
    if (pm_buf_printf(&spec, "hive:%s", argv[1]) < 0 || pm_store_open(&st, spec.data, 0, &err) < 0)
        return fail(&err, 0);
    pm_buf_release(&spec);
    int rc = pm_store_begin(st, &err);
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    unsigned lineno = 0;
    while (rc == 0 && (got = getline(&line, &cap, stdin)) >= 0) {
        lineno++;
        while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r'))
            line[--got] = 0;
        if (got == 0 || line[0] == '#')
            continue;
        rc = run(st, line, lineno, &err);
    }
    free(line);
    if (rc == 0)
        rc = pm_store_commit(st, &err);
    pm_store_close(st);
    return rc < 0 ? fail(&err, lineno) : 0;
}
