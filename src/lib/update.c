/* The update run as library steps (include/pm/update.h): the store opened once and the live
 * question decided once, the model read, its questions collected and answered, the plan built
 * and logged, the plan applied with its backup, and the status key written at the end. What is
 * printed, the lock, and starting RunAfter stay with the caller. */
#include "compat.h"

#include "proptags.h"

#include "pm/update.h"

#include "pm/logschema.h"
#include "pm/mapi.h"
#include "pm/os.h"
#include "pm/pm.h"
#include "pm/status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A store spec or backend names the running user's own registry. */
static int spec_is_live(const char *spec)
{
    return spec && (!strcmp(spec, "live") || !strncmp(spec, "live:", 5));
}

void pm_update_begin(struct pm_update *u, const struct pm_config *cfg,
                     const struct pm_update_opts *o)
{
    memset(u, 0, sizeof(*u));
    u->cfg = cfg;
    if (o)
        u->o = *o;
    if (!u->o.puf_path && cfg)
        u->o.puf_path = cfg->puf_file;
    u->live =
        u->o.store ? !strcmp(pm_store_backend(u->o.store), "live") : spec_is_live(u->o.store_spec);
    u->st = u->o.store;
}

int pm_update_read(struct pm_update *u, pm_diag_fn warn, void *ctx, struct pm_error *err)
{
    if (!u->st) {
        int rc = pm_store_open(&u->st, u->o.store_spec ? u->o.store_spec : "live",
                               (u->o.flags & PM_UPDATE_DRY_RUN) ? PM_STORE_READONLY : 0, err);
        if (rc < 0) {
            u->st = NULL;
            return rc;
        }
        u->own_store = 1;
    }
    int rc = pm_model_read(u->st, &u->model, warn, ctx, err);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < u->model.nprofiles; i++) {
        const struct pm_profile *p = &u->model.profiles[i];
        char na[24], ns[24];
        snprintf(na, sizeof(na), "%zu", p->naccounts);
        snprintf(ns, sizeof(ns), "%zu", p->nservices);
        pm_log_event(u->o.log, PM_EV_PROFILE, PM_F_ROOT, p->root, PM_F_NAME, p->name, PM_F_DEFAULT,
                     p->is_default ? "1" : "0", PM_F_ACCOUNTS, na, PM_F_SERVICES, ns, NULL);
    }
    return 0;
}

/* ---- the local answer cache (pm/pufcache.h) ---- */

/* A PUF written this recently is not cached: a file written again within the same tick of its
 * clock (or while a copy is still being written) could keep its size and times with other
 * content. Its next run, seconds later, writes the cache. The write time alone: a time set back
 * afterwards (touch, a copy keeping times) changes the status change time, which is part of the
 * identity, and any later write sets the write time anew. */
#define CACHE_SETTLE_NS ((int64_t)5 * 1000000000)

/* The run has a cache to read and write: one configured, the PUF found at the start, the PUF
 * itself to be asked (not --no-index, not an answer function). */
static int cache_configured(const struct pm_update *u)
{
    return u->o.cache_path && u->o.puf_probe && u->o.puf_probe->found && u->o.idx_probe &&
           !(u->o.flags & PM_UPDATE_NO_INDEX) && !u->o.answer;
}

int pm_update_cache_ready(struct pm_update *u)
{
    if (u->cache_read)
        return u->cache_read > 0;
    u->cache_read = -1;
    if (!cache_configured(u))
        return 0;
    const struct pm_update_probe *pp = u->o.puf_probe, *ip = u->o.idx_probe;
    struct pm_buf data = PM_BUF_INIT;
    struct pm_error err;
    pm_error_clear(&err);
    /* Missing (the first run) or unreadable: simply not used, and written anew. */
    if (pm_file_read(u->o.cache_path, PM_PUF_CACHE_MAX + 1, &data, &err) < 0) {
        pm_buf_release(&data);
        return 0;
    }
    int rc =
        pm_puf_cache_parse(&u->cache, data.data ? data.data : "", data.len, u->o.cache_path, &err);
    pm_buf_release(&data);
    if (rc == PM_ERR_UNSUPPORTED) /* another version's: simply written anew */
        return 0;
    if (rc < 0) {
        char msg[600];
        pm_error_format(&err, msg, sizeof(msg));
        pm_log_event(u->o.log, PM_EV_WARNING, PM_F_FILE, u->o.cache_path, PM_F_MSG, msg, PM_F_NOTE,
                     "the PUF is asked instead and the cache written anew", NULL);
        return 0;
    }
    if (!pm_puf_cache_matches(&u->cache, u->o.puf_path, &pp->id, ip->found ? &ip->id : NULL)) {
        pm_puf_cache_release(&u->cache);
        return 0;
    }
    u->cache_read = 1;
    return 1;
}

/* Every question answered from the cache: nothing read; the rest as the lookup said it (a stale
 * index is still said). */
static void cache_hit(struct pm_update *u)
{
    u->cache_state = PM_UPDATE_CACHE_HIT;
    u->stats.index_state = u->cache.index_state;
    u->stats.malformed = u->cache.malformed;
    snprintf(u->stats.index_note, sizeof(u->stats.index_note),
             "answered from the local cache, the puf and its index unchanged since: %s",
             u->cache.note);
}

/* 1 when the cache answered every question, 0 when the PUF must be asked, <0 no memory. */
static int cache_answer(struct pm_update *u, pm_diag_fn warn, void *ctx)
{
    if (!pm_update_cache_ready(u))
        return 0;
    int rc = pm_puf_cache_answer(&u->cache, u->q, u->nq, u->o.puf_path, warn, ctx);
    if (rc == 1)
        cache_hit(u);
    return rc;
}

/* Passes a warning on and keeps it for the cache. */
struct cache_tee {
    pm_diag_fn warn;
    void *ctx;
    struct pm_diag_list *seen;
};

static void cache_tee_warn(void *vctx, const char *where, unsigned line, const char *msg)
{
    struct cache_tee *t = vctx;
    pm_diag_collect(t->seen, where, line, msg);
    if (t->warn)
        t->warn(t->ctx, where, line, msg);
}

/* Asks the PUF about q (its index, or a scan; known_fp as pm_puf_resolve_known) into u->stats.
 * With 'seen', the warnings given are also kept there, and the questions a run asks once the
 * profile was updated are asked ahead into 'ahead' (pm_puf_resolve_ahead), for the cache. */
static int ask_puf(struct pm_update *u, struct pm_puf_query *q, size_t nq, const uint64_t *known_fp,
                   pm_diag_fn warn, void *ctx, struct pm_diag_list *seen,
                   struct pm_puf_ahead *ahead, struct pm_error *err)
{
    struct cache_tee tee = {warn, ctx, seen};
    return pm_puf_resolve_ahead(u->o.puf_path, u->o.puf, q, nq,
                                (u->o.flags & PM_UPDATE_NO_INDEX) ? PM_PUF_NO_INDEX : 0, known_fp,
                                seen ? ahead : NULL, &u->stats, seen ? cache_tee_warn : warn,
                                seen ? (void *)&tee : ctx, err);
}

/* Room to ask ahead about as many names as q asks; ahead->cap is 0 when there is no memory for
 * it (nothing is then asked ahead: only round trips are lost). */
static struct pm_puf_ahead ahead_room(size_t nq)
{
    struct pm_puf_ahead a = {NULL, 0, 0};
    if (nq && (a.q = calloc(nq, sizeof(*a.q))))
        a.cap = nq;
    return a;
}

static void ahead_release(struct pm_puf_ahead *a)
{
    pm_puf_queries_release(a->q, a->n);
    free(a->q);
}

/* Writes what the PUF answered (and what was asked ahead), unless the PUF changed in the last
 * seconds or the cache cannot be written (then the next run asks the PUF again: nothing is lost
 * but round trips). */
static void cache_write(struct pm_update *u, const struct pm_diag_list *seen,
                        const struct pm_puf_ahead *ahead)
{
    int64_t now = (int64_t)pm_os_time_now() * 1000000000;
    const struct pm_file_id *id = &u->o.puf_probe->id;
    const struct pm_update_probe *ip = u->o.idx_probe;
    if (now - id->mtime_ns < CACHE_SETTLE_NS)
        return;
    struct pm_buf text = PM_BUF_INIT;
    struct pm_error err;
    pm_error_clear(&err);
    /* The run's answers, then those asked ahead: a shallow list, owning nothing. (A lookup that
     * warned about a question asked nothing ahead: pm_puf_resolve_ahead.) */
    size_t n = u->nq + ahead->n;
    struct pm_puf_query *all = calloc(n ? n : 1, sizeof(*all));
    int rc = PM_ERR_NOMEM;
    if (all) {
        if (u->nq)
            memcpy(all, u->q, u->nq * sizeof(*all));
        if (ahead->n)
            memcpy(all + u->nq, ahead->q, ahead->n * sizeof(*all));
        rc = pm_puf_cache_encode(&text, u->o.puf_path, id, ip->found ? &ip->id : NULL, &u->stats,
                                 all, n, seen);
        free(all);
    }
    if (rc == 0)
        rc = pm_file_write_atomic(u->o.cache_path, text.data, text.len, &err);
    else
        pm_error_set(&err, rc, u->o.cache_path, 0, "these answers cannot be cached");
    if (rc < 0) {
        char msg[600];
        pm_error_format(&err, msg, sizeof(msg));
        pm_log_event(u->o.log, PM_EV_WARNING, PM_F_FILE, u->o.cache_path, PM_F_MSG, msg, NULL);
    }
    pm_buf_release(&text);
}

/* A partial answer: the cache answers what it holds and the index the rest, trusting the
 * fingerprint the cache recorded, as the PUF and the index kept the identity they had when it
 * was proved. Only from a cache whose lookup used the index and warned about no question
 * (pm_puf_cache_any_questions: such a warning is the whole lookup's, not one question's).
 * 1 answered, 0 not possible (nothing changed), <0 error. */
static int cache_complete(struct pm_update *u, pm_diag_fn warn, void *ctx, struct pm_error *err)
{
    if (!pm_update_cache_ready(u) || !pm_puf_cache_any_questions(&u->cache) ||
        !u->cache.have_fp || !u->nq)
        return 0;
    unsigned char *known = calloc(u->nq, 1);
    if (!known)
        return pm_error_set(err, PM_ERR_NOMEM, NULL, 0, "out of memory");
    int answered = pm_puf_cache_answer_known(&u->cache, u->q, u->nq, known);
    /* None known: a plain miss. All known: pm_puf_cache_answer answered them already (a cache
     * that may be completed may answer any of its questions), so not here. */
    if (answered <= 0 || (size_t)answered == u->nq) {
        free(known);
        if (answered > 0)
            pm_puf_queries_release(u->q, u->nq);
        return answered < 0 ? pm_error_set(err, answered, NULL, 0, "out of memory") : 0;
    }
    size_t nrest = u->nq - (size_t)answered, k = 0;
    struct pm_puf_query *rest = calloc(nrest, sizeof(*rest));
    if (!rest) {
        free(known);
        pm_puf_queries_release(u->q, u->nq);
        return pm_error_set(err, PM_ERR_NOMEM, NULL, 0, "out of memory");
    }
    for (size_t i = 0; i < u->nq; i++)
        if (!known[i]) {
            rest[k].dn = u->q[i].dn;
            rest[k].by = u->q[i].by;
            rest[k++].smtp = u->q[i].smtp;
        }
    /* A dry run reads the cache but writes nothing. */
    int keep = !(u->o.flags & PM_UPDATE_DRY_RUN);
    struct pm_diag_list seen = PM_DIAG_LIST_INIT;
    struct pm_puf_ahead ahead = ahead_room(keep ? nrest : 0);
    int rc = ask_puf(u, rest, nrest, u->cache.fp, warn, ctx, keep ? &seen : NULL, &ahead, err);
    if (rc < 0) { /* the lookup released its own answers */
        free(rest);
        free(known);
        pm_diag_list_release(&seen);
        ahead_release(&ahead);
        pm_puf_queries_release(u->q, u->nq);
        return rc;
    }
    k = 0;
    for (size_t i = 0; i < u->nq; i++)
        if (!known[i]) /* moves the answer and its strings */
            u->q[i] = rest[k++];
    free(rest);
    free(known);
    u->cache_state = PM_UPDATE_CACHE_PARTIAL;
    if (keep)
        cache_write(u, &seen, &ahead);
    pm_diag_list_release(&seen);
    ahead_release(&ahead);
    /* The log's note, after the cache kept the lookup's own (a longer one is cut: it is read by
     * people). */
    char lookup[sizeof(u->stats.index_note)];
    memcpy(lookup, u->stats.index_note, sizeof(lookup));
    if (snprintf(u->stats.index_note, sizeof(u->stats.index_note),
                 "%d of %zu answered from the local cache, the rest: %s", answered, u->nq,
                 lookup) < 0)
        u->stats.index_note[0] = '\0';
    return 1;
}

/* Asks the PUF (its index, or a scan) and, with a cache configured, keeps the answers. */
static int resolve_and_cache(struct pm_update *u, pm_diag_fn warn, void *ctx, struct pm_error *err)
{
    /* A dry run reads the cache but writes nothing. */
    int keep = cache_configured(u) && !(u->o.flags & PM_UPDATE_DRY_RUN);
    struct pm_diag_list seen = PM_DIAG_LIST_INIT;
    struct pm_puf_ahead ahead = ahead_room(keep ? u->nq : 0);
    int rc = ask_puf(u, u->q, u->nq, NULL, warn, ctx, keep ? &seen : NULL, &ahead, err);
    if (keep && rc == 0) {
        u->cache_state = PM_UPDATE_CACHE_MISS;
        cache_write(u, &seen, &ahead);
    }
    pm_diag_list_release(&seen);
    ahead_release(&ahead);
    return rc;
}

/* The one place questions are collected and answered: a new kind of question is added to
 * pm_plan_queries and the resolvers, not to every caller. */
int pm_update_resolve(struct pm_update *u, pm_diag_fn warn, void *ctx, struct pm_error *err)
{
    if (pm_plan_queries(&u->model, &u->dns) < 0)
        return pm_error_set(err, PM_ERR_NOMEM, NULL, 0, "out of memory");
    u->q = calloc(u->dns.n ? u->dns.n : 1, sizeof(*u->q));
    if (!u->q)
        return pm_error_set(err, PM_ERR_NOMEM, NULL, 0, "out of memory");
    u->nq = u->dns.n;
    for (size_t i = 0; i < u->nq; i++)
        pm_plan_query_init(&u->q[i], u->dns.items[i]);
    memset(&u->stats, 0, sizeof(u->stats));
    int rc;
    u->cache_state = PM_UPDATE_CACHE_OFF;
    if (u->o.answer)
        rc = u->o.answer(u->o.answer_ctx, u->q, u->nq, err);
    else if ((rc = cache_answer(u, warn, ctx)) < 0)
        rc = pm_error_set(err, rc, NULL, 0, "out of memory");
    else if (rc == 1 || (rc = cache_complete(u, warn, ctx, err)) == 1)
        rc = 0;
    else if (rc == 0)
        rc = resolve_and_cache(u, warn, ctx, err);
    if (rc < 0)
        return rc;
    static const char *const cache_names[] = {"off", "hit", "miss", "partial"};
    char nq[24], br[24], mal[24];
    snprintf(nq, sizeof(nq), "%zu", u->nq);
    snprintf(br, sizeof(br), "%" PM_PRIu64, PM_U64(u->stats.bytes_read));
    snprintf(mal, sizeof(mal), "%" PM_PRIu64, PM_U64(u->stats.malformed));
    pm_log_event(u->o.log, PM_EV_PUF_LOOKUP, PM_F_QUERIES, nq, PM_F_USED_INDEX,
                 u->stats.used_index ? "1" : "0", PM_F_BYTES_READ, br, PM_F_MALFORMED, mal,
                 PM_F_CACHE, cache_names[u->cache_state], PM_F_NOTE,
                 u->stats.index_note[0] ? u->stats.index_note : NULL, NULL);
    /* Without its index every logon reads the whole PUF from the share: a warning the report
     * counts, not only a note. --no-index asked for it; a lookup answered elsewhere has none. */
    if (!u->o.answer && u->stats.index_state >= PM_PUF_INDEX_MISSING)
        pm_log_event(u->o.log, PM_EV_PUF_INDEX, PM_F_STATE,
                     pm_puf_index_state_name(u->stats.index_state), PM_F_MSG, u->stats.index_note,
                     NULL);
    return 0;
}

static const char *account_label(const struct pm_account *a)
{
    if (a->smtp)
        return a->smtp;
    if (a->display)
        return a->display;
    return a->service_uid;
}

static void log_decisions(struct pm_update *u)
{
    const struct pm_plan *plan = &u->plan;
    for (size_t i = 0; i < plan->ndecisions; i++) {
        const struct pm_decision *d = &plan->decisions[i];
        const struct pm_profile *pr = &u->model.profiles[d->profile];
        const struct pm_account *a = &pr->accounts[d->account];
        const char *role = "account";
        if (d->section >= 0)
            role = pm_store_kind_name(a->sections[d->section].kind);
        char line[16] = "";
        if (d->puf_line)
            snprintf(line, sizeof(line), "%u", d->puf_line);
        pm_log_event(u->o.log, PM_EV_MAILBOX, PM_F_PROFILE, pr->name, PM_F_ROOT, pr->root,
                     PM_F_ACCOUNT, account_label(a), PM_F_ROLE, role, PM_F_DN, d->dn, PM_F_STATE,
                     pm_decision_name(d->kind), PM_F_REASON, d->reason, PM_F_PUF_LINE,
                     d->puf_line ? line : NULL, PM_F_TARGET, d->target_dn, NULL);
        switch (d->kind) {
        case PM_DEC_UPDATED:
            u->n.updated++;
            break;
        case PM_DEC_CURRENT:
            u->n.current++;
            break;
        case PM_DEC_NOT_IN_PUF:
            u->n.not_migrated++;
            break;
        case PM_DEC_SKIPPED:
            u->n.skipped++;
            break;
        }
    }
}

static void check_policy(struct pm_update *u)
{
    struct pm_error err;
    pm_error_clear(&err);
    if (pm_policy_check(u->st, u->cfg, &u->policy, &err) < 0) {
        char buf[1200];
        pm_log_event(u->o.log, PM_EV_WARNING, PM_F_MSG, pm_error_format(&err, buf, sizeof(buf)),
                     NULL);
        pm_policy_report_release(&u->policy);
        return;
    }
    for (size_t i = 0; i < u->policy.n; i++) {
        const struct pm_policy_warning *w = &u->policy.items[i];
        pm_log_event(u->o.log, PM_EV_POLICY_WARNING, PM_F_KEY, w->key, PM_F_VALUE, w->value,
                     PM_F_DATA, w->data, PM_F_MSG, w->msg, NULL);
    }
    u->n.policy_warnings = u->policy.n;
}

int pm_update_plan(struct pm_update *u, struct pm_error *err)
{
    int rc = pm_plan_build(&u->model, u->q, u->nq, u->cfg, &u->plan, err);
    if (rc < 0)
        return rc;
    log_decisions(u);
    for (size_t i = 0; i < u->plan.warnings.n; i++)
        pm_log_event(u->o.log, PM_EV_WARNING, PM_F_MSG, u->plan.warnings.items[i], NULL);
    check_policy(u);
    pm_update_outside_scan(u);
    /* After a move, cached recipients and replies to old mail still carry the source DNs. */
    if (u->n.updated)
        pm_log_event(u->o.log, PM_EV_HINT, PM_F_MSG,
                     "cached recipients and replies to old mail carry the source DNs: keep each "
                     "source legacyExchangeDN as an X500 proxy address of its target mailbox "
                     "(profilemanager puf build --x500-script)",
                     NULL);
    return 0;
}

int pm_update_osts(const struct pm_update *u, struct pm_strlist *out)
{
    struct pm_buf path = PM_BUF_INIT;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < u->plan.ndecisions; i++) {
        const struct pm_decision *d = &u->plan.decisions[i];
        if (d->kind != PM_DEC_UPDATED || d->section >= 0)
            continue;
        const struct pm_account *a = &u->model.profiles[d->profile].accounts[d->account];
        for (size_t k = 0; rc == 0 && k < a->nsections; k++) {
            if (a->sections[k].role != PM_ROLE_EMSMDB)
                continue;
            const struct pm_section_value *v = pm_section_get(&a->sections[k], V_OST_PATH_W);
            if (!v)
                v = pm_section_get(&a->sections[k], V_OST_PATH_A);
            if (v && pm_mapi_string_get(v->name, v->type, v->data, v->len, &path) > 0 && path.len &&
                pm_strlist_find(out, path.data) < 0)
                rc = pm_strlist_add(out, path.data);
        }
    }
    pm_buf_release(&path);
    return rc < 0 ? rc : 0;
}

static void fmt_value(const char *name, uint32_t type, const uint8_t *data, size_t len, int present,
                      struct pm_buf *out)
{
    if (!present) {
        pm_buf_reset(out);
        pm_buf_puts(out, "(none)");
        return;
    }
    pm_mapi_format(name, type, data, len, out);
}

static void log_changes(struct pm_update *u)
{
    struct pm_buf oldv = PM_BUF_INIT, newv = PM_BUF_INIT;
    for (size_t i = 0; i < u->plan.nedits; i++) {
        const struct pm_edit *e = &u->plan.edits[i];
        fmt_value(e->name, e->old_type, e->old_data, e->old_len, e->had_old, &oldv);
        if (e->op == PM_EDIT_SET)
            fmt_value(e->name, e->type, e->data, e->len, 1, &newv);
        else {
            pm_buf_reset(&newv);
            pm_buf_puts(&newv, "(deleted)");
        }
        pm_log_event(u->o.log, PM_EV_CHANGE, PM_F_PROFILE, u->model.profiles[e->profile].name,
                     PM_F_KEY, e->key, PM_F_VALUE, e->name, PM_F_OP,
                     e->op == PM_EDIT_SET ? "set" : "delete", PM_F_RULE, e->rule, PM_F_OLD,
                     oldv.data, PM_F_NEW, newv.data, NULL);
    }
    pm_buf_release(&oldv);
    pm_buf_release(&newv);
}

static int update_apply(struct pm_update *u, const char *backup_path, const char *fallback_path,
                        int say_folders, struct pm_error *err);

int pm_update_apply(struct pm_update *u, const char *backup_path, struct pm_error *err)
{
    return update_apply(u, backup_path, NULL, 0, err);
}

int pm_update_apply_fallback(struct pm_update *u, const char *backup_path,
                             const char *fallback_path, struct pm_error *err)
{
    return update_apply(u, backup_path, fallback_path, 1, err);
}

/* The backup folders' warning: which folder failed and where the backup went (NULL: nowhere). */
static void log_backup_fallback(struct pm_update *u, const char *first, const char *used)
{
    struct pm_buf d1 = PM_BUF_INIT, d2 = PM_BUF_INIT;
    pm_path_dirname(&d1, first);
    if (used) {
        pm_path_dirname(&d2, used);
        pm_log_event(u->o.log, PM_EV_WARNING, PM_F_MSG,
                     "cannot create or write the backup folder: backups go to the fallback",
                     PM_F_FILE, d1.data, PM_F_FALLBACK, d2.data, NULL);
    } else {
        pm_log_event(u->o.log, PM_EV_WARNING, PM_F_MSG,
                     "no backup folder can be created or written (nor the fallback)", PM_F_FILE,
                     d1.data, NULL);
    }
    pm_buf_release(&d1);
    pm_buf_release(&d2);
}

static int update_apply(struct pm_update *u, const char *backup_path, const char *fallback_path,
                        int say_folders, struct pm_error *err)
{
    memset(&u->res, 0, sizeof(u->res));
    u->backup_fallback = 0;
    if (u->o.flags & PM_UPDATE_DRY_RUN) {
        log_changes(u);
        pm_update_outside_act(u, NULL);
        return 0;
    }
    if (u->plan.nedits == 0) {
        pm_update_outside_act(u, backup_path);
        return 0;
    }
    struct pm_apply_opts aopts = {backup_path, u->live};
    /* The log's second write point: what was looked up and decided is on the share before the
     * store changes, so a run killed during the commit still shows what it was about to do. */
    pm_log_flush(u->o.log);
    int rc =
        pm_apply_gated(u->st, &u->model, &u->plan, &aopts, u->o.gate, u->o.gate_ctx, &u->res, err);
    if (rc < 0 && u->res.backup_failed && backup_path && fallback_path) {
        /* Nothing was changed: the same again with the backup in the fallback folder. The first
         * folder's error is the one reported when the fallback fails too. */
        struct pm_error first = *err;
        aopts.backup_path = fallback_path;
        rc = pm_apply_gated(u->st, &u->model, &u->plan, &aopts, u->o.gate, u->o.gate_ctx, &u->res,
                            err);
        if (rc < 0 && u->res.backup_failed) {
            *err = first;
            log_backup_fallback(u, backup_path, NULL);
        } else {
            u->backup_fallback = 1;
            log_backup_fallback(u, backup_path, fallback_path);
            backup_path = fallback_path;
        }
    } else if (rc < 0 && u->res.backup_failed && backup_path && say_folders) {
        log_backup_fallback(u, backup_path, NULL);
    }
    if (rc < 0) {
        u->n.failed = u->n.updated;
        u->n.updated = 0;
        return rc;
    }
    u->applied = 1;
    if (backup_path)
        pm_log_event(u->o.log, PM_EV_BACKUP, PM_F_FILE, backup_path, NULL);
    log_changes(u);
    for (size_t i = 0; i < u->plan.nmoves; i++) {
        const struct pm_file_move *mv = &u->plan.moves[i];
        int done = u->live && !pm_os_file_exists(mv->from) && pm_os_file_exists(mv->to);
        pm_log_event(u->o.log, PM_EV_OST, PM_F_PROFILE, u->model.profiles[mv->profile].name,
                     PM_F_FROM, mv->from, PM_F_TO, mv->to, PM_F_ACTION,
                     pm_ost_action_name(u->cfg->ost_action), PM_F_DONE, done ? "1" : "0", NULL);
    }
    pm_update_outside_act(u, backup_path);
    return 0;
}

void pm_update_end(struct pm_update *u, int exit_code, const char *log_path)
{
    /* The status key for desktop automation, after every run on the user's own registry. */
    if ((u->live || (u->o.flags & PM_UPDATE_STATUS_ANY_STORE)) &&
        !(u->o.flags & (PM_UPDATE_DRY_RUN | PM_UPDATE_NO_STATUS))) {
        struct pm_store *sst = u->st;
        struct pm_error se;
        pm_error_clear(&se);
        if (!sst && pm_store_open(&sst, u->o.store_spec ? u->o.store_spec : "live", 0, &se) < 0)
            sst = NULL;
        struct pm_status s = {.time = pm_os_time_now(),
                              .exit_code = exit_code,
                              .updated = u->n.updated,
                              .pending = u->n.not_migrated,
                              .version = PM_VERSION,
                              .log_path = log_path,
                              .action = "update"};
        if (!sst || pm_status_write(sst, &s, &se) < 0)
            pm_log_event(u->o.log, PM_EV_WARNING, PM_F_MSG, "cannot write the status key", NULL);
        if (sst != u->st)
            pm_store_close(sst);
    }
    pm_update_release(u);
}

void pm_update_release(struct pm_update *u)
{
    pm_plan_release(&u->plan);
    pm_policy_report_release(&u->policy);
    pm_outside_release(&u->outside);
    pm_autod_release(&u->autod);
    free(u->autod_dir);
    u->autod_dir = NULL;
    if (u->q)
        pm_puf_queries_release(u->q, u->nq);
    free(u->q);
    u->q = NULL;
    u->nq = 0;
    pm_strlist_release(&u->dns);
    pm_puf_cache_release(&u->cache);
    u->cache_read = 0;
    pm_model_release(&u->model);
    if (u->own_store)
        pm_store_close(u->st);
    u->st = NULL;
    u->own_store = 0;
}

int pm_update_backup_dir(const struct pm_config *cfg, const char *log_dir, const char *home,
                         struct pm_buf *out)
{
    if (cfg && cfg->backup_folder)
        return pm_buf_puts(out, cfg->backup_folder);
    if (log_dir && *log_dir)
        return pm_path_join(out, log_dir, "Backups");
    struct pm_buf pl = PM_BUF_INIT;
    int rc = pm_path_join(&pl, home ? home : "", "Profile.Logs");
    if (rc == 0)
        rc = pm_path_join(out, pl.data, "Backups");
    pm_buf_release(&pl);
    return rc;
}

/* The probe file first: where the folder exists (every run after the first) that is all it
 * costs on a share; the folder is made only when the probe fails. */
static int usable_dir(const char *dir)
{
    if (pm_os_dir_writable(dir) == 1)
        return 1;
    return pm_os_mkdirs(dir) == 0 && pm_os_dir_writable(dir) == 1;
}

int pm_update_backup_place(const struct pm_config *cfg, const char *log_dir, const char *home,
                           struct pm_buf *out, int *fallback)
{
    *fallback = 0;
    pm_buf_reset(out);
    int rc = pm_update_backup_dir(cfg, log_dir, home, out);
    if (rc < 0)
        return rc;
    if (usable_dir(out->data))
        return 0;
    struct pm_buf fb = PM_BUF_INIT;
    rc = pm_update_backup_dir(NULL, NULL, home, &fb);
    if (rc == 0 && home && *home && pm_name_casecmp(fb.data, out->data) != 0 &&
        usable_dir(fb.data)) {
        pm_buf_reset(out);
        rc = pm_buf_puts(out, fb.data);
        *fallback = rc == 0;
    } else if (rc == 0) {
        rc = PM_ERR_IO;
    }
    pm_buf_release(&fb);
    return rc;
}

int pm_update_backup_path(const char *dir, const char *computer, const char *user,
                          const char *run_id, struct pm_buf *out)
{
    struct pm_buf name = PM_BUF_INIT;
    int rc = pm_buf_printf(&name, "%s_%s-%s.reg", computer, user, run_id);
    for (size_t i = 0; rc == 0 && i < name.len; i++)
        if (strchr("\\/:*?\"<>|", name.data[i]))
            name.data[i] = '_';
    if (rc == 0)
        rc = pm_path_join(out, dir, name.data);
    pm_buf_release(&name);
    return rc;
}

/* The files that decide what a run starts: prof.config (RunAfter itself), the PUF and its index
 * (what is written), and the RunAfter program when it is named by its path. */
static void trust_files(const struct pm_config *cfg, struct pm_strlist *out)
{
    if (cfg->path)
        pm_strlist_add(out, cfg->path);
    if (cfg->puf_file) {
        struct pm_buf idx = PM_BUF_INIT;
        pm_strlist_add(out, cfg->puf_file);
        if (pm_puf_index_path(cfg->puf_file, &idx) == 0)
            pm_strlist_add(out, idx.data);
        pm_buf_release(&idx);
    }
    /* A bare name ("outlook.exe") is found through the search path: not checked. */
    if (cfg->run_after && pm_path_is_absolute(cfg->run_after))
        pm_strlist_add(out, cfg->run_after);
}

int pm_update_check_trust(const struct pm_update *u, struct pm_strlist *untrusted)
{
    const struct pm_config *cfg = u->cfg;
    size_t found = 0;
    struct pm_buf msg = PM_BUF_INIT;
    /* Writable by the running user: only where it matters, a run that starts a program or one
     * on a user's own registry. */
    const char *mine[] = {cfg->path, cfg->puf_file};
    /* Both are known to exist without asking the share again: the run has read prof.config, and
     * the PUF was looked at at the start (a probe, when the caller took one). */
    const struct pm_update_probe *pp = u->o.puf_probe;
    int exists[] = {1, pp ? pp->found : cfg->puf_file && pm_os_file_exists(cfg->puf_file)};
    for (size_t i = 0; ((cfg->run_after && *cfg->run_after) || u->live) && i < 2; i++) {
        if (mine[i] && exists[i] && pm_os_user_can_write(mine[i]) > 0) {
            pm_log_event(u->o.log, PM_EV_WARNING, PM_F_FILE, mine[i], PM_F_MSG,
                         "writable by the running user: whoever can change it can run programs "
                         "through RunAfter",
                         NULL);
            pm_buf_reset(&msg);
            if (untrusted &&
                pm_buf_printf(&msg, "'%s' is writable by the running user", mine[i]) == 0)
                pm_strlist_add(untrusted, msg.data);
            found++;
        }
    }
    /* Writable by someone other than the administrators or the owner: every run. */
    struct pm_strlist files = PM_STRLIST_INIT;
    trust_files(cfg, &files);
    struct pm_buf idxname = PM_BUF_INIT;
    if (cfg->puf_file && pm_puf_index_path(cfg->puf_file, &idxname) < 0)
        pm_buf_release(&idxname);
    /* prof.config, the PUF and its index usually share a folder: it is asked about once (each
     * question is a round trip on a share), and its answer given for every file in it. */
    struct pm_buf dir = PM_BUF_INIT, lastdir = PM_BUF_INIT, dirmsg = PM_BUF_INIT;
    int dirrc = 0;
    for (size_t i = 0; i < files.n; i++) {
        pm_buf_reset(&msg);
        int rc;
        /* prof.config was asked about as it was read, the PUF and its index were looked at
         * once at the start. */
        const struct pm_update_probe *probe = NULL;
        if (cfg->path && !strcmp(files.items[i], cfg->path))
            probe = u->o.cfg_probe;
        else if (cfg->puf_file && !strcmp(files.items[i], cfg->puf_file))
            probe = u->o.puf_probe;
        else if (idxname.data && !strcmp(files.items[i], idxname.data))
            probe = u->o.idx_probe;
        if (probe) {
            rc = probe->found ? probe->others : PM_ERR_NOTFOUND;
            if (rc == 1 && pm_buf_puts(&msg, probe->why ? probe->why : "") < 0)
                rc = PM_ERR_NOMEM;
        } else {
            rc = pm_os_file_writable_by_others(files.items[i], &msg);
        }
        pm_buf_reset(&dir);
        if (rc == 0 && pm_path_dirname(&dir, files.items[i]) == 0) {
            if (!lastdir.len || strcmp(dir.data, lastdir.data) != 0) {
                pm_buf_reset(&lastdir);
                pm_buf_reset(&dirmsg);
                dirrc = pm_buf_puts(&lastdir, dir.data) < 0
                            ? PM_ERR_NOMEM
                            : pm_os_folder_writable_by_others(dir.data, &dirmsg);
            }
            rc = dirrc;
            if (rc == 1 && pm_buf_puts(&msg, dirmsg.data ? dirmsg.data : "") < 0)
                rc = PM_ERR_NOMEM;
        }
        if (rc != 1)
            continue;
        pm_log_event(u->o.log, PM_EV_SECURITY, PM_F_FILE, files.items[i], PM_F_MSG, msg.data, NULL);
        if (untrusted)
            pm_strlist_add(untrusted, msg.data);
        found++;
    }
    pm_strlist_release(&files);
    pm_buf_release(&idxname);
    pm_buf_release(&dir);
    pm_buf_release(&lastdir);
    pm_buf_release(&dirmsg);
    pm_buf_release(&msg);
    return found && cfg->require_readonly_config;
}
