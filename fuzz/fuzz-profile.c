/* Fuzz target for the whole engine on hostile registry content: any bytes as .reg text are
 * imported into a mem store; when they import, the profile walk reads the model, the plan asks
 * its PUF questions and gets synthetic answers (chosen from a hash of each DN: not migrated,
 * migrated to a derived target with or without optional fields, already current, or conflicting),
 * the plan is built under two configs and applied to the store, and the result is walked again.
 * Damaged profiles (dangling UIDs, values of the wrong type or size, loops, odd DNs) must give
 * warnings and skipped mailboxes, never a crash, a leak or an edit outside a profile root. */
#include "compat.h"

#include "pm/apply.h"
#include "pm/config.h"
#include "pm/plan.h"
#include "pm/profile.h"
#include "pm/puf.h"
#include "pm/regfile.h"
#include "pm/store.h"
#include "pm/update.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static void fz_quiet(void *ctx, const char *where, unsigned line, const char *msg)
{
    (void)where;
    (void)line;
    (void)msg;
    (*(unsigned long *)ctx)++;
}

static uint32_t fz_hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

static char *fz_dup(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *s = malloc(la + lb + 1);
    if (s) {
        memcpy(s, a, la);
        memcpy(s + la, b, lb + 1);
    }
    return s;
}

/* A PUF answer for q->dn (or q->smtp, a store known only by address), as pm_puf_resolve would
 * give one. */
static void fz_answer(struct pm_puf_query *q, unsigned line)
{
    const char *key = q->by == PM_PUF_BY_SMTP ? q->smtp : q->dn;
    uint32_t h = fz_hash(key ? key : "");
    memset(&q->entry, 0, sizeof(q->entry));
    q->conflict_line = 0;
    switch (h % 5) {
    case 0:
        q->match = PM_PUF_NONE;
        return;
    case 1:
        q->match = PM_PUF_TARGET;
        return;
    case 2:
        q->match = PM_PUF_CONFLICT;
        q->conflict_line = line + 1;
        break;
    default:
        q->match = PM_PUF_SOURCE;
        break;
    }
    q->entry.line = line;
    if (q->by == PM_PUF_BY_SMTP) {
        /* Field 7 found it: the line's field 1 is the mailbox's DN. */
        q->entry.source_dn = fz_dup("/o=Source/ou=Exchange Administrative Group "
                                    "(FYDIBOHF23SPDLT)/cn=Recipients/cn=shared",
                                    "");
        q->entry.source_smtp = fz_dup(key ? key : "", "");
    } else {
        q->entry.source_dn = fz_dup(q->dn, "");
    }
    if (h & 128)
        q->entry.target_upn = fz_dup("upn", "@target.example");
    if (h & 256)
        q->entry.target_archive_guid = fz_dup("7d0e3b4a-1111-4222-8333-944455556666", "");
    q->entry.target_dn = fz_dup("/o=Target/ou=Exchange Administrative Group "
                                "(FYDIBOHF23SPDLT)/cn=Recipients/cn=",
                                (h & 8) ? "new\"\n odd" : "user");
    q->entry.target_smtp = fz_dup((h & 16) ? "" : "user", "@target.example");
    if (h & 32)
        q->entry.target_display = fz_dup("Target \\ User", "");
    if (h & 64)
        q->entry.target_server = fz_dup("0a1b2c3d-0000-4000-8000-00000000abcd@target.example", "");
    if (h & 128)
        q->entry.target_server_dn = fz_dup("/o=Target/ou=Exchange/cn=Configuration/cn=Servers/"
                                           "cn=",
                                           "EX01");
}

/* Every edit the plan makes lies inside a profile the model read. */
static void fz_check_plan(const struct pm_model *m, const struct pm_plan *p)
{
    for (size_t i = 0; i < p->nedits; i++) {
        const struct pm_edit *e = &p->edits[i];
        if (e->profile >= m->nprofiles || !e->key || !e->name)
            abort();
        const char *pp = m->profiles[e->profile].path;
        size_t n = strlen(pp);
        if (pm_ascii_ncasecmp(e->key, pp, n) != 0 || (e->key[n] != 0 && e->key[n] != '\\'))
            abort();
        if (e->op == PM_EDIT_SET && e->len && !e->data)
            abort();
    }
    for (size_t i = 0; i < p->ndecisions; i++) {
        const struct pm_decision *d = &p->decisions[i];
        if (d->profile >= m->nprofiles || d->account >= m->profiles[d->profile].naccounts)
            abort();
        if (d->section >= 0 &&
            (size_t)d->section >= m->profiles[d->profile].accounts[d->account].nsections)
            abort();
    }
}

static int fz_answers(void *ctx, struct pm_puf_query *q, size_t nq, struct pm_error *err)
{
    (void)ctx;
    (void)err;
    for (size_t i = 0; i < nq; i++)
        fz_answer(&q[i], (unsigned)i + 1);
    return 0;
}

/* The library's update steps, with synthetic PUF answers. */
static void fz_engine(struct pm_store *st, int variant)
{
    struct pm_error err;
    unsigned long warnings = 0;
    struct pm_config cfg;
    pm_config_defaults(&cfg);
    if (variant) {
        cfg.cached_mode = PM_DISABLE;
        cfg.download_shared = PM_ENABLE;
        cfg.outlook_anywhere = PM_ENABLE;
        cfg.ost_action = PM_OST_RESET;
    }
    struct pm_update u;
    struct pm_update_opts o;
    memset(&o, 0, sizeof(o));
    o.store = st;
    o.answer = fz_answers;
    pm_update_begin(&u, &cfg, &o);
    if (pm_update_read(&u, fz_quiet, &warnings, &err) == 0 &&
        pm_update_resolve(&u, NULL, NULL, &err) == 0 && pm_update_plan(&u, &err) == 0) {
        fz_check_plan(&u.model, &u.plan);
        if (!variant && pm_update_apply(&u, NULL, &err) == 0) {
            /* What we wrote must read back as a model again. */
            struct pm_model again;
            memset(&again, 0, sizeof(again));
            if (pm_model_read(st, &again, fz_quiet, &warnings, &err) < 0)
                abort();
            pm_model_release(&again);
        }
    }
    pm_update_end(&u, 0, NULL);
    pm_config_release(&cfg);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    struct pm_error err;
    struct pm_store *st;
    if (pm_store_open(&st, "mem:", 0, &err) < 0)
        return 0;
    if (pm_regfile_import(st, data, size, "fuzz.reg", &err) == 0) {
        fz_engine(st, 1);
        fz_engine(st, 0);
    }
    pm_store_close(st);
    return 0;
}
