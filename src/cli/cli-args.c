/* The usage errors every command shares, worded once: a missing value, an unknown option or
 * argument (with the closest valid one suggested), an unknown subcommand (with the valid ones
 * listed), and a --store spec refused before a command does anything else. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

/* Levenshtein distance, stopping early: only "2 or less" matters. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return 99;
    size_t prev[65], cur[65];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, (lb + 1) * sizeof(size_t));
    }
    return prev[lb];
}

const char *cli_suggest(const char *word, const char *const *valid)
{
    char w[65];
    size_t n = strcspn(word, "="); /* "--stor=reg:x" is compared as "--stor" */
    if (n >= sizeof(w))
        return NULL;
    memcpy(w, word, n);
    w[n] = '\0';
    const char *best = NULL;
    size_t best_d = 3;
    for (size_t i = 0; valid && valid[i]; i++) {
        size_t d = edit_distance(w, valid[i]);
        if (d < best_d && d > 0) {
            best = valid[i];
            best_d = d;
        }
    }
    return best;
}

int cli_opt_value(const char *cmd, int argc, char **argv, int *i, const char *name,
                  const char **value)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0 || (a[n] && a[n] != '='))
        return 0;
    if (a[n] == '=') {
        if (!a[n + 1]) {
            cli_error("%s: option '%s' needs a value", cmd, name);
            return -1;
        }
        *value = a + n + 1;
        return 1;
    }
    /* "--out --append": the next word is another option, not the value. */
    if (*i + 1 >= argc || (argv[*i + 1][0] == '-' && argv[*i + 1][1] == '-' && argv[*i + 1][2])) {
        cli_error("%s: option '%s' needs a value", cmd, name);
        return -1;
    }
    *value = argv[++*i];
    return 1;
}

void cli_unknown_arg(const char *cmd, const char *arg, const char *const *valid)
{
    const char *s = cli_suggest(arg, valid);
    const char *what = arg[0] == '-' ? "unknown option" : "unexpected argument";
    if (s)
        cli_error("%s: %s '%s' (did you mean %s?)", cmd, what, arg, s);
    else
        cli_error("%s: %s '%s'", cmd, what, arg);
}

void cli_unknown_subcommand(const char *cmd, const char *word, const char *const *valid)
{
    char list[256] = "";
    size_t len = 0;
    for (size_t i = 0; valid[i] && len < sizeof(list); i++)
        len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s", i ? ", " : "", valid[i]);
    const char *s = word ? cli_suggest(word, valid) : NULL;
    if (!word)
        cli_error("%s: no subcommand given (one of: %s)", cmd, list);
    else if (s)
        cli_error("%s: unknown subcommand '%s' (did you mean %s?); one of: %s", cmd, word, s, list);
    else
        cli_error("%s: unknown subcommand '%s'; one of: %s", cmd, word, list);
}

int cli_check_store(const char *cmd, const char *spec)
{
    struct pm_error err;
    pm_error_clear(&err);
    if (!spec || pm_store_spec_check(spec, &err) == 0)
        return 0;
    cli_error("%s: --store '%s': %s", cmd, spec, err.msg);
    return -1;
}
