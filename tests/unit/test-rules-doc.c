/* Keeps docs/rules.md and the rule table (pm_rules in src/lib/rules.c) from drifting apart: the
 * document's table, between its rule-table markers, must hold one line per row of pm_rules in the
 * same order, with the same id, value name, sections and action; a line for a value/action pair
 * the table does not have fails too. The parser is also shown to reject a document with a row
 * missing, a row added and an action changed, so the check cannot pass vacuously. */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the four above, which it needs */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"
#include "testutil.h"

#define BEGIN "<!-- rule-table:begin -->"
#define END "<!-- rule-table:end -->"

/* The document's word for each action (docs/rules.md "Reading the table"). */
static const char *action_word(enum pm_rule_action a)
{
    switch (a) {
    case PM_RA_DN:
        return "dn";
    case PM_RA_SMTP:
        return "smtp";
    case PM_RA_NAME:
        return "name";
    case PM_RA_DISPLAY:
        return "display";
    case PM_RA_SERVER:
        return "server";
    case PM_RA_SERVER_DN:
        return "server_dn";
    case PM_RA_SIGNIN:
        return "signin";
    case PM_RA_CRED_DOMAIN:
        return "cred_domain";
    case PM_RA_STORE_EID:
        return "store_eid";
    case PM_RA_STORE_LIST:
        return "store_list";
    case PM_RA_STORE_NAMES:
        return "store_names";
    case PM_RA_STORE_EMBED:
        return "store_embed";
    case PM_RA_DELETE:
        return "delete";
    case PM_RA_ROH_SERVER:
        return "roh_server";
    case PM_RA_ROH_FLAGS:
        return "roh_flags";
    case PM_RA_ROH_AUTH:
        return "roh_auth";
    case PM_RA_ROH_PRINCIPAL:
        return "roh_principal";
    case PM_RA_CACHE_FLAGS:
        return "cache_flags";
    case PM_RA_OST:
        return "ost";
    case PM_RA_ABEID:
        return "abeid";
    case PM_RA_KEEP:
        return "keep";
    }
    return NULL;
}

static const char *const section_words[] = {"emsmdb",   "primary", "store",  "transport",
                                            "service",  "addrbook", "account", "contab",
                                            "global"};
#define ALL_ROLES ((1u << 7) - 1) /* "all": the account's sections */
#define KNOWN_ROLES ((1u << 9) - 1)

/* The sections cell: "all", or words separated by commas. Returns the mask, or ~0u when a word
 * is unknown. */
static unsigned parse_sections(const char *s)
{
    if (!strcmp(s, "all"))
        return ALL_ROLES;
    unsigned mask = 0;
    while (*s) {
        while (*s == ' ' || *s == ',')
            s++;
        size_t n = strcspn(s, ", ");
        if (!n)
            break;
        unsigned bit = 0;
        for (size_t i = 0; i < PM_ARRAY_SIZE(section_words); i++)
            if (strlen(section_words[i]) == n && !strncmp(s, section_words[i], n))
                bit = 1u << i;
        if (!bit)
            return ~0u;
        mask |= bit;
        s += n;
    }
    return mask;
}

struct doc_row {
    unsigned line;
    char id[64], value[128], sections[160], action[32];
};

/* Trims blanks around a cell in place. */
static char *trim(char *s)
{
    while (*s == ' ')
        s++;
    size_t n = strlen(s);
    while (n && s[n - 1] == ' ')
        s[--n] = 0;
    return s;
}

/* Reads the table rows between the markers. Returns the number of rows, or -1 with 'why' set. */
static long parse_doc(const char *text, struct doc_row *rows, size_t max, char *why, size_t wsz)
{
    const char *b = strstr(text, BEGIN), *e = b ? strstr(b, END) : NULL;
    if (!b || !e) {
        snprintf(why, wsz, "markers %s ... %s not found", BEGIN, END);
        return -1;
    }
    unsigned lineno = 1;
    for (const char *p = text; p < b; p++)
        lineno += *p == '\n';
    size_t n = 0;
    for (const char *p = b; p < e;) {
        const char *nl = memchr(p, '\n', (size_t)(e - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(e - p);
        char line[2048];
        if (len >= sizeof(line)) {
            snprintf(why, wsz, "rules.md:%u: line too long", lineno);
            return -1;
        }
        memcpy(line, p, len);
        line[len] = 0;
        if (len && line[len - 1] == '\r')
            line[--len] = 0;
        p = nl ? nl + 1 : e;
        lineno++;
        if (line[0] != '|')
            continue;
        /* Split on '|' not escaped as "\|". */
        char *cells[16];
        size_t nc = 0;
        char *start = line + 1;
        for (char *q = line + 1; *q && nc < PM_ARRAY_SIZE(cells); q++) {
            if (*q == '|' && q[-1] != '\\') {
                *q = 0;
                cells[nc++] = trim(start);
                start = q + 1;
            }
        }
        if (nc < 2 || cells[1][0] != '`')
            continue; /* the header and separator rows */
        if (nc != 6) {
            snprintf(why, wsz, "rules.md:%u: %zu cells, want 6", lineno - 1, nc);
            return -1;
        }
        size_t vl = strlen(cells[1]);
        if (vl < 3 || cells[1][vl - 1] != '`') {
            snprintf(why, wsz, "rules.md:%u: value not in backquotes", lineno - 1);
            return -1;
        }
        if (n == max) {
            snprintf(why, wsz, "rules.md: more than %zu rows", max);
            return -1;
        }
        struct doc_row *r = &rows[n++];
        r->line = lineno - 1;
        snprintf(r->id, sizeof(r->id), "%s", cells[0]);
        snprintf(r->value, sizeof(r->value), "%.*s", (int)(vl - 2), cells[1] + 1);
        snprintf(r->sections, sizeof(r->sections), "%s", cells[2]);
        snprintf(r->action, sizeof(r->action), "%s", cells[3]);
    }
    return (long)n;
}

/* Compares the rows with pm_rules. 0 when they agree, else -1 with the first difference. */
static int compare(const struct doc_row *rows, size_t n, char *why, size_t wsz)
{
    /* Every row of the document must be a value/action pair of the table. */
    for (size_t i = 0; i < n; i++) {
        int found = 0;
        for (size_t k = 0; k < pm_nrules && !found; k++)
            found = !strcmp(pm_rules[k].value, rows[i].value) &&
                    !strcmp(action_word(pm_rules[k].action), rows[i].action);
        if (!found) {
            snprintf(why, wsz, "rules.md:%u: `%s` %s is not in pm_rules", rows[i].line,
                     rows[i].value, rows[i].action);
            return -1;
        }
    }
    /* Every row of the table, in order, with the same cells. */
    for (size_t k = 0; k < pm_nrules; k++) {
        const struct pm_rule *r = &pm_rules[k];
        if (k >= n) {
            snprintf(why, wsz, "pm_rules row %zu (%s `%s` %s) is missing from rules.md", k + 1,
                     r->id, r->value, action_word(r->action));
            return -1;
        }
        const struct doc_row *d = &rows[k];
        if (strcmp(d->value, r->value) || strcmp(d->id, r->id) ||
            strcmp(d->action, action_word(r->action)) || parse_sections(d->sections) != r->roles) {
            snprintf(why, wsz,
                     "rules.md:%u: row %zu is %s `%s` [%s] %s; pm_rules has %s `%s` [0x%02x] %s",
                     d->line, k + 1, d->id, d->value, d->sections, d->action, r->id, r->value,
                     r->roles, action_word(r->action));
            return -1;
        }
    }
    if (n != pm_nrules) {
        snprintf(why, wsz, "rules.md has %zu rows, pm_rules %zu", n, pm_nrules);
        return -1;
    }
    return 0;
}

static char *read_doc(size_t *len)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/docs/rules.md", PM_SOURCE_DIR);
    char *text = pmt_read_file(path, len);
    if (!text)
        fail_msg("cannot read %s", path);
    return text;
}

static void test_every_action_has_a_word(void **state)
{
    (void)state;
    for (size_t k = 0; k < pm_nrules; k++) {
        if (!action_word(pm_rules[k].action))
            fail_msg("pm_rules row %zu: action %d has no word in docs/rules.md", k + 1,
                     (int)pm_rules[k].action);
        if (pm_rules[k].roles & ~KNOWN_ROLES)
            fail_msg("pm_rules row %zu: section bits 0x%x unknown to this test", k + 1,
                     pm_rules[k].roles);
    }
}

static void test_doc_matches_table(void **state)
{
    (void)state;
    size_t len;
    char *text = read_doc(&len);
    struct doc_row *rows = calloc(pm_nrules + 64, sizeof(*rows));
    assert_non_null(rows);
    char why[1024] = "";
    long n = parse_doc(text, rows, pm_nrules + 64, why, sizeof(why));
    if (n < 0)
        fail_msg("%s", why);
    if (compare(rows, (size_t)n, why, sizeof(why)) < 0)
        fail_msg("docs/rules.md and pm_rules differ: %s", why);
    free(rows);
    free(text);
}

/* Rewrites the document's table and expects the comparison to fail. */
static void expect_mismatch(const char *text, const char *from, const char *to)
{
    const char *b = strstr(text, BEGIN);
    assert_non_null(b);
    const char *hit = strstr(b, from);
    assert_non_null(hit);
    size_t len = strlen(text), fl = strlen(from), tl = strlen(to);
    char *t = malloc(len - fl + tl + 1);
    assert_non_null(t);
    memcpy(t, text, (size_t)(hit - text));
    memcpy(t + (hit - text), to, tl);
    memcpy(t + (hit - text) + tl, hit + fl, len - (size_t)(hit - text) - fl + 1);
    struct doc_row *rows = calloc(pm_nrules + 64, sizeof(*rows));
    assert_non_null(rows);
    char why[1024];
    long n = parse_doc(t, rows, pm_nrules + 64, why, sizeof(why));
    assert_true(n < 0 || compare(rows, (size_t)n, why, sizeof(why)) < 0);
    free(rows);
    free(t);
}

/* The document's line for pm_rules row k (with its newline), copied into out. */
static void doc_line(const char *text, size_t k, char *out, size_t size)
{
    char cell[256];
    snprintf(cell, sizeof(cell), "| %s | `%s` |", pm_rules[k].id, pm_rules[k].value);
    const char *at = strstr(strstr(text, BEGIN), cell);
    if (!at)
        fail_msg("no line for row %zu in docs/rules.md", k + 1);
    size_t ll = strcspn(at, "\n");
    assert_true(ll + 2 < size);
    memcpy(out, at, ll + 1);
    out[ll + 1] = 0;
}

static void test_check_catches_drift(void **state)
{
    (void)state;
    size_t len;
    char *text = read_doc(&len);
    char l0[1024], l1[1024], last[1024], buf[2100];
    doc_line(text, 0, l0, sizeof(l0));
    doc_line(text, 1, l1, sizeof(l1));
    doc_line(text, pm_nrules - 1, last, sizeof(last));
    /* A row missing. */
    expect_mismatch(text, last, "");
    /* A row the table does not have. */
    snprintf(buf, sizeof(buf), "%s| cache.extra | `0102ffff` | emsmdb | delete | x | y |\n", last);
    expect_mismatch(text, last, buf);
    /* The same value with another action. */
    const struct pm_rule *r = &pm_rules[pm_nrules - 1];
    snprintf(buf, sizeof(buf), "| %s | `%s` | emsmdb | %s | x | y |\n", r->id, r->value,
             r->action == PM_RA_KEEP ? "delete" : "keep");
    expect_mismatch(text, last, buf);
    /* Other sections. */
    snprintf(buf, sizeof(buf), "| %s | `%s` | %s | %s | x | y |\n", r->id, r->value,
             r->roles == PM_RM_SERVICE ? "account" : "service", action_word(r->action));
    expect_mismatch(text, last, buf);
    /* Two rows swapped: the order is part of the contract. */
    char pair[2100], swapped[2100];
    snprintf(pair, sizeof(pair), "%s%s", l0, l1);
    snprintf(swapped, sizeof(swapped), "%s%s", l1, l0);
    expect_mismatch(text, pair, swapped);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_action_has_a_word),
        cmocka_unit_test(test_doc_matches_table),
        cmocka_unit_test(test_check_catches_drift),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
