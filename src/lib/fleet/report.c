/* The migration report (see pm/report.h). Each log is read once, front to back, into a reused
 * buffer; every line is parsed (so corrupt lines are counted exactly), the lines of the latest
 * run are folded into one record per user and computer, and run.end lines of every run feed the
 * updates-per-day series. Only those records are kept, so memory grows with the number of
 * users, not with the size of the logs. Outputs are built from the records at the end. */
#include "compat.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pm/csv.h"
#include "pm/log.h"
#include "pm/logschema.h"
#include "pm/os.h"
#include "pm/report.h"
#include "strmap.h"

#include "report-internal.h"

/* The working record of the run being read: every line of the run is folded into it, and once
 * the log is read it is packed into a struct machine (machine_pack) and freed. */
struct rmbx {
    char *profile, *account, *role, *dn, *state, *reason, *target;
};

struct run {
    char *user, *computer, *file;
    char *start, *end; /* timestamps of run.start and of the last line of the run */
    char *run_id, *version, *mode, *result, *error, *warning, *in_use, *end_reason;
    int has_end, dry;
    int puf_index; /* the run read the whole PUF: 0 no, else a puf_index_reasons entry */
    enum pm_report_status status;
    char *reason;
    struct rmbx *mbx;
    size_t nmbx, capmbx;
    struct pm_strlist policy;
    struct pm_strlist outside;  /* names of settings outside the profile still in place */
    struct pm_strlist security; /* files others can change that decide the run (security) */
};

static const char *const status_names[PM_RS_COUNT] = {
    "updated", "current",    "not_migrated", "deferred",
    "failed",  "incomplete", "dry_run",      "never_ran",
};
const char *const report_status_labels[PM_RS_COUNT] = {
    "Updated", "Already current", "Not migrated yet", "In use - deferred",
    "Failed",  "Incomplete run",  "Dry run only",     "Never ran",
};
const char *const report_status_colors[PM_RS_COUNT] = {
    "#2e7d32", "#1565c0", "#8d8d8d", "#ef8f00", "#c62828", "#6a1b9a", "#4fc3f7", "#424242",
};

const char *pm_report_status_name(enum pm_report_status s)
{
    return (unsigned)s < PM_RS_COUNT ? status_names[s] : "unknown";
}

static void mbx_release(struct rmbx *m)
{
    free(m->profile), free(m->account), free(m->role), free(m->dn), free(m->state);
    free(m->reason), free(m->target);
}

static void run_free(struct run *m)
{
    if (!m)
        return;
    free(m->user), free(m->computer), free(m->file), free(m->start), free(m->end);
    free(m->run_id), free(m->version), free(m->mode), free(m->result), free(m->error);
    free(m->warning), free(m->in_use), free(m->reason), free(m->end_reason);
    for (size_t i = 0; i < m->nmbx; i++)
        mbx_release(&m->mbx[i]);
    free(m->mbx);
    pm_strlist_release(&m->policy);
    pm_strlist_release(&m->outside);
    pm_strlist_release(&m->security);
    free(m);
}

int pm_report_new(struct pm_report **out)
{
    *out = calloc(1, sizeof(**out));
    return *out ? 0 : PM_ERR_NOMEM;
}

void pm_report_free(struct pm_report *r)
{
    if (!r)
        return;
    strmap_release(&r->machines, free);
    strmap_release(&r->users, NULL);
    strmap_release(&r->computers, NULL);
    strmap_release(&r->days, NULL);
    for (size_t i = 0; i < r->nbad; i++)
        free(r->bad[i].file);
    free(r->bad);
    for (size_t i = 0; i < r->nclaims; i++) {
        free(r->claims[i].file), free(r->claims[i].user), free(r->claims[i].computer);
        free(r->claims[i].owner);
    }
    free(r->claims);
    for (size_t i = 0; i < r->nroster; i++)
        free(r->roster[i].user), free(r->roster[i].computer);
    free(r->roster);
    free(r->buf);
    free(r);
}

/* Replaces *dst by a copy of s (NULL stays NULL). Returns 0 or PM_ERR_NOMEM. */
static int set_str(char **dst, const char *s)
{
    char *c = NULL;
    if (s && !(c = pm_strdup(s)))
        return PM_ERR_NOMEM;
    free(*dst);
    *dst = c;
    return 0;
}

/* Like set_str for a value read from a log: at most PM_REPORT_MAX_FIELD bytes (cut on a UTF-8
 * boundary and marked "..."), so one log cannot fill the outputs or the memory. */
static int set_val(char **dst, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n <= PM_REPORT_MAX_FIELD)
        return set_str(dst, s);
    n = PM_REPORT_MAX_FIELD;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    char *c = malloc(n + 4);
    if (!c)
        return PM_ERR_NOMEM;
    memcpy(c, s, n);
    memcpy(c + n, "...", 4);
    free(*dst);
    *dst = c;
    return 0;
}

static int add_bad(struct pm_report *r, const char *file, unsigned bad, unsigned first,
                   const char *why)
{
    if (r->nbad == r->capbad) {
        size_t nc = r->capbad ? r->capbad * 2 : 64;
        struct badfile *nb = realloc(r->bad, nc * sizeof(*nb));
        if (!nb)
            return PM_ERR_NOMEM;
        r->bad = nb;
        r->capbad = nc;
    }
    char *f = pm_strdup(file);
    if (!f)
        return PM_ERR_NOMEM;
    r->bad[r->nbad++] = (struct badfile){f, bad, first, why};
    return 0;
}

/* A latest run that read the whole PUF because its index was missing or unusable (puf.index):
 * at every logon of every desktop that is the whole file from the share, so it is a problem of
 * its own, counted and grouped by a fixed reason per state. */
static const char *const puf_index_reasons[] = {
    NULL,
    "missing: every run reads the whole PUF (run `profilemanager puf index`)",
    "stale: the PUF changed after it was indexed, every run reads it whole (run `profilemanager "
    "puf index`)",
    "older format: every run reads the whole PUF (run `profilemanager puf index` again)",
    "damaged or not usable: every run reads the whole PUF (run `profilemanager puf index`)",
};

static void puf_index_seen(struct run *m, const char *state)
{
    static const char *const states[] = {NULL, "missing", "stale", "old_format"};
    m->puf_index = (int)PM_ARRAY_SIZE(puf_index_reasons) - 1;
    for (size_t i = 1; state && i < PM_ARRAY_SIZE(states); i++)
        if (!strcmp(state, states[i]))
            m->puf_index = (int)i;
}

static int feed(struct run *m, const struct pm_log_line *l)
{
    const char *ev = l->event;
    int rc = set_val(&m->end, l->timestamp);
    if (rc < 0)
        return rc;
#define GET(k) pm_log_line_get(l, k)
    if (!strcmp(ev, PM_EV_RUN_START)) {
        m->dry = GET(PM_F_MODE) && !strcmp(GET(PM_F_MODE), PM_MODE_DRY_RUN);
        if ((rc = set_val(&m->start, l->timestamp)) < 0 ||
            (rc = set_val(&m->user, GET(PM_F_USER))) < 0 ||
            (rc = set_val(&m->computer, GET(PM_F_COMPUTER))) < 0 ||
            (rc = set_val(&m->version, GET(PM_F_VERSION))) < 0 ||
            (rc = set_val(&m->mode, GET(PM_F_MODE))) < 0)
            return rc;
    } else if (!strcmp(ev, PM_EV_MAILBOX)) {
        if (m->nmbx == m->capmbx) {
            size_t nc = m->capmbx ? m->capmbx * 2 : 4;
            if (nc > 4096)
                return 0; /* a profile with more mailboxes than that is not a person's */
            struct rmbx *nm = realloc(m->mbx, nc * sizeof(*nm));
            if (!nm)
                return PM_ERR_NOMEM;
            m->mbx = nm;
            m->capmbx = nc;
        }
        struct rmbx *b = &m->mbx[m->nmbx];
        memset(b, 0, sizeof(*b));
        m->nmbx++;
        if ((rc = set_val(&b->profile, GET(PM_F_PROFILE))) < 0 ||
            (rc = set_val(&b->account, GET(PM_F_ACCOUNT))) < 0 ||
            (rc = set_val(&b->role, GET(PM_F_ROLE))) < 0 ||
            (rc = set_val(&b->dn, GET(PM_F_DN))) < 0 ||
            (rc = set_val(&b->state, GET(PM_F_STATE) ? GET(PM_F_STATE) : "unknown")) < 0 ||
            (rc = set_val(&b->reason, GET(PM_F_REASON))) < 0 ||
            (rc = set_val(&b->target, GET(PM_F_TARGET))) < 0)
            return rc;
    } else if (!strcmp(ev, PM_EV_POLICY_WARNING)) {
        struct pm_buf b = PM_BUF_INIT;
        pm_buf_printf(&b, "%s%s%s: %s", GET(PM_F_KEY) ? GET(PM_F_KEY) : "",
                      GET(PM_F_VALUE) ? "\\" : "", GET(PM_F_VALUE) ? GET(PM_F_VALUE) : "",
                      GET(PM_F_MSG) ? GET(PM_F_MSG) : "");
        char *cut = NULL;
        rc = b.data && m->policy.n < 64 ? set_val(&cut, b.data) : 0;
        if (rc == 0 && cut)
            rc = pm_strlist_add(&m->policy, cut);
        free(cut);
        pm_buf_release(&b);
        return rc;
    } else if (!strcmp(ev, PM_EV_SECURITY)) {
        char *cut = NULL;
        rc = GET(PM_F_MSG) && m->security.n < 64 ? set_val(&cut, GET(PM_F_MSG)) : 0;
        if (rc == 0 && cut)
            rc = pm_strlist_add(&m->security, cut);
        free(cut);
        return rc;
    } else if (!strcmp(ev, PM_EV_OUTSIDE)) {
        /* What is still in place sends Outlook to the source; a removed one no longer does. */
        const char *what = GET(PM_F_SETTING), *act = GET(PM_F_ACTION);
        if (what && !(act && !strcmp(act, "removed")) && m->outside.n < 64 &&
            pm_strlist_find(&m->outside, what) < 0)
            return pm_strlist_add(&m->outside, what);
        return 0;
    } else if (!strcmp(ev, PM_EV_PUF_INDEX)) {
        puf_index_seen(m, GET(PM_F_STATE));
    } else if (!strcmp(ev, PM_EV_IN_USE)) {
        return set_val(&m->in_use, GET(PM_F_PROCESSES) ? GET(PM_F_PROCESSES) : GET(PM_F_FILES));
    } else if (!strcmp(ev, PM_EV_ERROR)) {
        if (!m->error)
            return set_val(&m->error, GET(PM_F_MSG));
    } else if (!strcmp(ev, PM_EV_WARNING)) {
        if (!m->warning)
            return set_val(&m->warning, GET(PM_F_MSG));
    } else if (!strcmp(ev, PM_EV_RUN_END)) {
        m->has_end = 1;
        if ((rc = set_val(&m->end_reason, GET(PM_F_REASON))) < 0)
            return rc;
        return set_val(&m->result, GET(PM_F_RESULT) ? GET(PM_F_RESULT) : "unknown");
    }
#undef GET
    return 0;
}

/* The class of a run that ended ok. Done (updated or already current) means what the status
 * key's detection rule means, ResultCode=0 and Pending=0 (docs/deployment.md): a mailbox still
 * waiting for migration (state=not_migrated, which the run counts as Pending) keeps the user
 * "not migrated yet" even when the same run updated others. */
static enum pm_report_status ok_status(const struct run *m, struct pm_buf *why)
{
    unsigned long updated = 0, pending = 0;
    for (size_t i = 0; i < m->nmbx; i++) {
        updated += !strcmp(m->mbx[i].state, "updated");
        pending += !strcmp(m->mbx[i].state, "not_migrated");
    }
    if (m->dry)
        return PM_RS_DRY_RUN;
    if (pending) {
        pm_buf_printf(why, "%lu mailbox(es) not in the PUF yet", pending);
        if (updated)
            pm_buf_printf(why, "; %lu updated by this run", updated);
        return PM_RS_NOT_MIGRATED;
    }
    return updated ? PM_RS_UPDATED : PM_RS_CURRENT;
}

static int finish(struct run *m)
{
    struct pm_buf b = PM_BUF_INIT;
    if (!m->has_end) {
        m->status = PM_RS_INCOMPLETE;
        pm_buf_puts(&b, "the run has no end (killed, log cut, or still running)");
    } else if (!strcmp(m->result, "in_use") || !strcmp(m->result, "locked")) {
        m->status = PM_RS_DEFERRED;
        if (!strcmp(m->result, "locked"))
            pm_buf_puts(&b, "another run was in progress");
        else
            pm_buf_printf(&b, "in use by %s",
                          m->in_use && *m->in_use ? m->in_use : "a MAPI client");
    } else if (!strcmp(m->result, "ok")) {
        m->status = ok_status(m, &b);
    } else {
        m->status = PM_RS_FAILED;
        const char *why = m->error ? m->error : m->end_reason ? m->end_reason : m->warning;
        pm_buf_printf(&b, "%s%s%s", m->result, why ? ": " : "", why ? why : "");
    }
    int rc = 0;
    if (b.len)
        rc = set_str(&m->reason, b.data);
    pm_buf_release(&b);
    return rc;
}

/* "<COMPUTER>_<user>.log" when the run.start line is missing (a log whose head was cut). */
static int names_from_file(struct run *m, const char *file)
{
    const char *us = strchr(file, '_');
    const char *dot = strrchr(file, '.');
    if (!dot || dot < file)
        dot = file + strlen(file);
    int rc = 0;
    if (!m->computer)
        rc = set_str(&m->computer, "");
    if (rc == 0 && !m->computer[0]) {
        char *c = pm_strndup(file, us ? (size_t)(us - file) : (size_t)(dot - file));
        if (!c)
            return PM_ERR_NOMEM;
        free(m->computer);
        m->computer = c;
    }
    if (rc == 0 && (!m->user || !m->user[0])) {
        const char *u = us && us < dot ? us + 1 : dot;
        char *c = pm_strndup(u, (size_t)(dot - u));
        if (!c)
            return PM_ERR_NOMEM;
        free(m->user);
        m->user = c;
    }
    return rc;
}

static int mark_seen(struct strmap *map, const char *name)
{
    void **v;
    int rc = strmap_put(map, name, strlen(name), &v);
    return rc < 0 ? rc : 0;
}

/* Length of s packed (its bytes and NUL; NULL packs as ""). */
static size_t packed_len(const char *s)
{
    return (s ? strlen(s) : 0) + 1;
}

static const char *pack_str(char **p, const char *s)
{
    const char *at = *p;
    size_t n = packed_len(s);
    if (n > 1)
        memcpy(*p, s, n);
    else
        **p = 0;
    *p += n;
    return at;
}

/* The summary of a finished run in one allocation: what the outputs print and count, no more. */
static struct machine *machine_pack(const struct run *w)
{
    const char *const head[] = {w->user,   w->computer, w->file,  w->end,
                                w->result, w->version,  w->reason};
    const struct pm_strlist *lists[MLIST_COUNT] = {&w->policy, &w->outside, &w->security};
    size_t size = sizeof(struct machine);
    for (size_t i = 0; i < PM_ARRAY_SIZE(head); i++)
        size += packed_len(head[i]);
    for (size_t i = 0; i < w->nmbx; i++) {
        const struct rmbx *b = &w->mbx[i];
        size += packed_len(b->profile) + packed_len(b->account) + packed_len(b->role) +
                packed_len(b->dn) + packed_len(b->state) + packed_len(b->reason) +
                packed_len(b->target);
    }
    for (size_t l = 0; l < MLIST_COUNT; l++)
        for (size_t i = 0; i < lists[l]->n; i++)
            size += packed_len(lists[l]->items[i]);
    struct machine *m = malloc(size);
    if (!m)
        return NULL;
    char *p = m->data;
    m->user = pack_str(&p, w->user);
    m->computer = pack_str(&p, w->computer);
    m->file = pack_str(&p, w->file);
    m->end = pack_str(&p, w->end);
    m->result = pack_str(&p, w->result);
    m->version = pack_str(&p, w->version);
    m->reason = pack_str(&p, w->reason);
    m->status = w->status;
    m->puf_index = w->puf_index;
    m->nmbx = (unsigned)w->nmbx;
    m->mbx = p;
    for (size_t i = 0; i < w->nmbx; i++) {
        const struct rmbx *b = &w->mbx[i];
        pack_str(&p, b->profile), pack_str(&p, b->account), pack_str(&p, b->role);
        pack_str(&p, b->dn), pack_str(&p, b->state), pack_str(&p, b->reason);
        pack_str(&p, b->target);
    }
    for (size_t l = 0; l < MLIST_COUNT; l++) {
        m->nlist[l] = (unsigned)lists[l]->n;
        m->list[l] = p;
        for (size_t i = 0; i < lists[l]->n; i++)
            pack_str(&p, lists[l]->items[i]);
    }
    return m;
}

/* Packs the finished run 'w' (freed here) as the record of its user and computer. */
static int keep(struct pm_report *r, struct run *w)
{
    struct machine *m = machine_pack(w);
    run_free(w);
    if (!m)
        return PM_ERR_NOMEM;
    struct pm_buf key = PM_BUF_INIT;
    int rc = pm_buf_printf(&key, "%s\x01%s", m->user, m->computer);
    void **v;
    if (rc == 0)
        rc = strmap_put(&r->machines, key.data, key.len, &v);
    pm_buf_release(&key);
    if (rc < 0) {
        free(m);
        return rc;
    }
    struct machine *old = *v;
    /* Two files for one user and computer (copied shares): the later run wins. */
    if (old && strcmp(old->end, m->end) > 0) {
        free(m);
        return 0;
    }
    free(old);
    *v = m;
    rc = mark_seen(&r->users, m->user);
    if (rc == 0)
        rc = mark_seen(&r->computers, m->computer);
    return rc;
}

static int count_day(struct pm_report *r, const char *ts, unsigned long n)
{
    void **v;
    int rc = strmap_put(&r->days, ts, 10, &v);
    if (rc < 0)
        return rc;
    *v = (void *)((uintptr_t)*v + n);
    return 0;
}

/* Whether a run.start naming 'user' on 'computer' belongs in the file 'name': the name
 * pm_log_open gives that user's log, compared case-insensitively as Windows names files. A field
 * the line leaves out is not checked (a NULL user or computer). */
static int claim_fits(const char *name, const char *user, const char *computer)
{
    char f[PM_LOG_FILE_NAME_MAX];
    size_t nl = strlen(name);
    if (user && computer) {
        pm_log_file_name(computer, user, f);
        return strlen(f) == nl && pm_ascii_ncasecmp(f, name, nl) == 0;
    }
    if (computer) { /* "<COMPUTER>_" must start the name */
        pm_log_file_name(computer, "x", f);
        size_t pl = strlen(f) - strlen("x.log");
        return nl > pl && pm_ascii_ncasecmp(f, name, pl) == 0;
    }
    if (user) { /* "_<user>.log" must end it */
        pm_log_file_name("x", user, f);
        size_t sl = strlen(f) - 1;
        return nl > sl && pm_ascii_ncasecmp(f + 1, name + nl - sl, sl) == 0;
    }
    return 1;
}

static int has_run_start(const char *p, size_t n)
{
    static const char pat[] = "event=run.start";
    const size_t pl = sizeof(pat) - 1;
    for (const char *end = p + n, *q = p; (size_t)(end - q) >= pl;) {
        q = memchr(q, 'e', (size_t)(end - q) - pl + 1);
        if (!q)
            return 0;
        if (!memcmp(q, pat, pl))
            return 1;
        q++;
    }
    return 0;
}

static int add_claim(struct pm_report *r, const char *file, const char *user, const char *computer,
                     const char *owner)
{
    if (r->nclaims == r->capclaims) {
        size_t nc = r->capclaims ? r->capclaims * 2 : 16;
        struct claim *nb = realloc(r->claims, nc * sizeof(*nb));
        if (!nb)
            return PM_ERR_NOMEM;
        r->claims = nb;
        r->capclaims = nc;
    }
    struct claim *c = &r->claims[r->nclaims];
    memset(c, 0, sizeof(*c));
    r->nclaims++;
    if (set_val(&c->file, file) < 0 || set_val(&c->user, user) < 0 ||
        set_val(&c->computer, computer) < 0 || set_val(&c->owner, owner) < 0)
        return PM_ERR_NOMEM;
    return 0;
}

/* A log counts only for the user and computer its file name gives (anyone who can write to the
 * share can write any text): the first run.start that names someone else, or an owner (Windows)
 * who is not the file's user, puts the whole file on the list of logs that claim another user.
 * Returns 1 when it did, 0 when the file is the named user's, or PM_ERR_NOMEM. */
static int foreign_log(struct pm_report *r, const char *name, const char *data, size_t len,
                       const char *owner)
{
    if (owner && !claim_fits(name, owner, NULL)) {
        int rc = add_claim(r, name, NULL, NULL, owner);
        return rc < 0 ? rc : 1;
    }
    for (size_t pos = 0; pos < len;) {
        const char *p = data + pos;
        const char *nl = memchr(p, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - p) : len - pos;
        pos += n + (nl != NULL);
        if (!has_run_start(p, n))
            continue;
        struct pm_log_line l;
        int prc = pm_log_parse_line(p, n, &l);
        if (prc == PM_ERR_NOMEM)
            return prc;
        if (prc < 0)
            continue;
        int rc = 0;
        const char *u = pm_log_line_get(&l, PM_F_USER), *c = pm_log_line_get(&l, PM_F_COMPUTER);
        if (!strcmp(l.event, PM_EV_RUN_START) && !claim_fits(name, u, c))
            rc = add_claim(r, name, u, c, NULL) < 0 ? PM_ERR_NOMEM : 1;
        pm_log_line_release(&l);
        if (rc)
            return rc;
    }
    return 0;
}

/* A new run starts in the file: the run read so far is kept aside when it was a real one (no
 * dry run), dropped otherwise. A dry run writes no status key, so it must not hide the real run
 * whose result the key still holds: the report and the detection rule agree on "done". */
static void set_aside_run(struct run **real, struct run *cur)
{
    if (cur && !cur->dry) {
        run_free(*real);
        *real = cur;
    } else {
        run_free(cur);
    }
}

/* The run that stands for the file: the latest one, unless that is a dry run after a real one
 * ("dry run only" is for users with nothing else). */
static struct run *standing_run(struct run *cur, struct run **real)
{
    if (cur && cur->dry && *real) {
        run_free(cur);
        cur = *real;
        *real = NULL;
    }
    return cur;
}

static int add_log(struct pm_report *r, const char *name, const char *data, size_t len,
                   const char *owner)
{
    r->files++;
    int frc = foreign_log(r, name, data, len, owner);
    if (frc)
        return frc < 0 ? frc : 0;
    struct run *cur = NULL, *real = NULL;
    unsigned bad = 0, first_bad = 0, good = 0, lineno = 0;
    int rc = 0;
    size_t pos = 0;
    while (rc == 0 && pos < len) {
        const char *p = data + pos;
        const char *nl = memchr(p, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - p) : len - pos;
        pos += n + (nl != NULL);
        lineno++;
        if (n == 0 || (n == 1 && p[0] == '\r'))
            continue;
        struct pm_log_line l;
        int prc = pm_log_parse_line(p, n, &l);
        if (prc == PM_ERR_NOMEM) {
            rc = prc;
            break;
        }
        if (prc < 0) {
            if (!bad++)
                first_bad = lineno;
            continue;
        }
        good++;
        int is_start = !strcmp(l.event, PM_EV_RUN_START);
        if (is_start || !cur) {
            set_aside_run(&real, cur);
            cur = calloc(1, sizeof(*cur));
            if (!cur || set_str(&cur->run_id, l.run) < 0 || set_str(&cur->file, name) < 0)
                rc = PM_ERR_NOMEM;
        }
        /* Lines of another run (two runs appending at once) do not change the latest run. */
        if (rc == 0 && !strcmp(cur->run_id, l.run))
            rc = feed(cur, &l);
        if (rc == 0 && !strcmp(l.event, PM_EV_RUN_END)) {
            const char *up = pm_log_line_get(&l, PM_F_UPDATED);
            const char *res = pm_log_line_get(&l, PM_F_RESULT);
            int dry = !strcmp(cur->run_id, l.run) && cur->dry;
            unsigned long nup = up ? strtoul(up, NULL, 10) : 0;
            if (nup && !dry && res && !strcmp(res, "ok") && nup < 100000)
                rc = count_day(r, l.timestamp, nup);
        }
        pm_log_line_release(&l);
    }
    cur = standing_run(cur, &real);
    if (rc == 0 && cur) {
        rc = names_from_file(cur, name);
        if (rc == 0)
            rc = finish(cur);
        if (rc == 0) {
            rc = keep(r, cur);
            cur = NULL;
        }
    }
    run_free(cur);
    run_free(real);
    if (rc == 0 && (bad || !good)) {
        r->bad_lines += bad;
        rc =
            add_bad(r, name, bad, first_bad, good ? "corrupt or truncated lines" : "no event line");
    }
    return rc;
}

int pm_report_add_log(struct pm_report *r, const char *name, const char *data, size_t len)
{
    return add_log(r, name, data, len, NULL);
}

static int ends_with_log(const char *n)
{
    size_t l = strlen(n);
    return l > 4 && pm_ascii_ncasecmp(n + l - 4, ".log", 4) == 0;
}

static int read_log(struct pm_report *r, const char *path, size_t *len)
{
    /* Only a regular file, opened without blocking: a name swapped for a FIFO (or a link) after
     * the listing would otherwise hold the report for ever or read another file. */
    long long size = 0;
    FILE *f = pm_os_fopen_read(path, &size);
    if (!f)
        return PM_ERR_IO;
    long long skip = 0;
    if (size > (long long)PM_REPORT_MAX_LOG_BYTES) { /* keep the tail: the latest run is there */
        skip = size - (long long)PM_REPORT_MAX_LOG_BYTES;
        if (pm_os_seek(f, skip) != 0) { /* 64-bit: Windows' long is 32 bits */
            fclose(f);
            return PM_ERR_IO;
        }
    }
    size_t want = size > 0 ? (size_t)(size - skip) : 4096;
    *len = 0;
    for (;;) {
        if (*len + want + 1 > r->bufcap) {
            size_t nc = *len + want + 1;
            if (nc > PM_REPORT_MAX_LOG_BYTES + 1)
                nc = PM_REPORT_MAX_LOG_BYTES + 1;
            if (nc <= *len) /* grew while we read: keep what fits */
                break;
            char *nb = realloc(r->buf, nc);
            if (!nb) {
                fclose(f);
                return PM_ERR_NOMEM;
            }
            r->buf = nb;
            r->bufcap = nc;
        }
        size_t got = fread(r->buf + *len, 1, r->bufcap - 1 - *len, f);
        *len += got;
        if (got == 0 || *len >= PM_REPORT_MAX_LOG_BYTES)
            break;
        want = 65536;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad)
        return PM_ERR_IO;
    if (skip) { /* drop the partial first line */
        char *nl = memchr(r->buf, '\n', *len);
        size_t cut = nl ? (size_t)(nl - r->buf) + 1 : *len;
        memmove(r->buf, r->buf + cut, *len - cut);
        *len -= cut;
    }
    return 0;
}

void pm_report_set_progress(struct pm_report *r, const struct pm_progress *p)
{
    r->progress = p;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int pm_report_scan_dir(struct pm_report *r, const char *dir, struct pm_error *err)
{
    struct pm_strlist names = PM_STRLIST_INIT;
    int rc = pm_os_list_dir(dir, PM_REPORT_MAX_FILES, &names);
    if (rc < 0) {
        pm_strlist_release(&names);
        if (rc == PM_ERR_LIMIT)
            return pm_error_set(err, rc, dir, 0, "more than %u files in the folder",
                                PM_REPORT_MAX_FILES);
        return pm_error_set(err, rc, dir, 0, "cannot list the folder (missing, not a folder, "
                                             "or not readable)");
    }
    /* File order decides nothing, but sorted input makes listings stable. */
    if (names.n)
        qsort(names.items, names.n, sizeof(char *), cmp_names);
    unsigned long long nlogs = 0, done = 0;
    for (size_t i = 0; i < names.n; i++)
        nlogs += ends_with_log(names.items[i]);
    struct pm_buf path = PM_BUF_INIT;
    for (size_t i = 0; rc == 0 && i < names.n; i++) {
        if (!ends_with_log(names.items[i]))
            continue;
        pm_progress_update(r->progress, done++, nlogs);
        pm_buf_reset(&path);
        if ((rc = pm_path_join(&path, dir, names.items[i])) < 0)
            break;
        size_t len = 0;
        int frc = read_log(r, path.data, &len);
        if (frc == PM_ERR_NOMEM) {
            rc = frc;
        } else if (frc < 0) {
            r->files++;
            rc = add_bad(r, names.items[i], 0, 0, "cannot read the file, or not a regular file");
        } else {
            /* Windows: the account that created the file, when it is a user's (not a group's,
             * such as Administrators for a copy made by an administrator). */
            struct pm_buf owner = PM_BUF_INIT;
            int orc = pm_os_file_owner(path.data, &owner);
            if (orc == PM_ERR_NOMEM)
                rc = orc;
            else
                rc = add_log(r, names.items[i], r->buf ? r->buf : "", len,
                             orc == 0 ? owner.data : NULL);
            pm_buf_release(&owner);
        }
    }
    pm_buf_release(&path);
    pm_strlist_release(&names);
    if (rc == 0)
        pm_progress_update(r->progress, nlogs, nlogs);
    if (rc < 0)
        return pm_error_set(err, rc, dir, 0, "cannot build the report (%s)", pm_err_name(rc));
    return 0;
}

int pm_report_roster(struct pm_report *r, const char *path, struct pm_error *err)
{
    struct pm_csv *c;
    int rc = pm_csv_open(&c, path, err);
    if (rc < 0)
        return rc;
    static const char *const ucols[] = {"user", "UserName", "SamAccountName"};
    static const char *const ccols[] = {"computer", "ComputerName", "Name"};
    long cu = -1, cc = -1;
    for (size_t i = 0; i < 3 && cu < 0; i++)
        cu = pm_csv_column(c, ucols[i]);
    for (size_t i = 0; i < 3 && cc < 0; i++)
        cc = pm_csv_column(c, ccols[i]);
    if (cu < 0 && cc < 0) {
        pm_csv_close(c);
        return pm_error_set(err, PM_ERR_PARSE, path, 1, "no 'user' or 'computer' column");
    }
    unsigned line;
    while ((rc = pm_csv_next(c, NULL, NULL, &line, err)) > 0) {
        const char *u = pm_csv_field(c, cu), *k = pm_csv_field(c, cc);
        if (!*u && !*k)
            continue;
        if (r->nroster >= PM_REPORT_MAX_ROSTER) {
            rc = pm_error_set(err, PM_ERR_LIMIT, path, line, "more than %u roster rows",
                              PM_REPORT_MAX_ROSTER);
            break;
        }
        if (r->nroster == r->caproster) {
            size_t nc = r->caproster ? r->caproster * 2 : 256;
            struct roster_entry *ne = realloc(r->roster, nc * sizeof(*ne));
            if (!ne) {
                rc = PM_ERR_NOMEM;
                break;
            }
            r->roster = ne;
            r->caproster = nc;
        }
        struct roster_entry *e = &r->roster[r->nroster];
        /* Logs carry the logon name and the NetBIOS computer name; rosters exported from AD
         * often have "DOMAIN\\user", "user@domain" or a DNS host name. */
        const char *bs = strrchr(u, '\\'), *at = strchr(u, '@'), *dot = strchr(k, '.');
        if (bs)
            u = bs + 1;
        e->user = at && at > u ? pm_strndup(u, (size_t)(at - u)) : pm_strdup(u);
        e->computer = dot && dot > k ? pm_strndup(k, (size_t)(dot - k)) : pm_strdup(k);
        r->nroster++;
        if (!e->user || !e->computer) {
            rc = PM_ERR_NOMEM;
            break;
        }
    }
    pm_csv_close(c);
    if (rc == PM_ERR_NOMEM)
        return pm_error_set(err, rc, path, 0, "out of memory");
    return rc < 0 ? rc : 0;
}

static int roster_ran(const struct pm_report *r, const struct roster_entry *e)
{
    if (!*e->computer)
        return strmap_get(&r->users, e->user, strlen(e->user)) != NULL;
    if (!*e->user)
        return strmap_get(&r->computers, e->computer, strlen(e->computer)) != NULL;
    struct pm_buf key = PM_BUF_INIT;
    if (pm_buf_printf(&key, "%s\x01%s", e->user, e->computer) < 0)
        return 1;
    int ran = strmap_get(&r->machines, key.data, key.len) != NULL;
    pm_buf_release(&key);
    return ran;
}

/* ---- collecting and ordering for output ---- */


static int collect(void *ctx, const char *key, void *val)
{
    (void)key;
    struct view *v = ctx;
    v->m[v->n++] = val;
    return 0;
}

static int cmp_machine(const void *a, const void *b)
{
    const struct machine *x = *(struct machine *const *)a, *y = *(struct machine *const *)b;
    int c = pm_ascii_ncasecmp(x->user, y->user, strlen(x->user) + 1);
    return c ? c : pm_ascii_ncasecmp(x->computer, y->computer, strlen(x->computer) + 1);
}

static int cmp_group(const void *a, const void *b)
{
    const struct group *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return strcmp(x->key, y->key);
}

static int cmp_day(const void *a, const void *b)
{
    return strcmp(((const struct dayc *)a)->day, ((const struct dayc *)b)->day);
}

/* Groups reasons that differ only in their quoted subjects ('C:\Users\x\...'). */
static char *group_key(const char *kind, const char *reason)
{
    struct pm_buf b = PM_BUF_INIT;
    pm_buf_printf(&b, "%s\x01", kind);
    int inq = 0;
    for (const char *p = reason ? reason : ""; *p; p++) {
        if (*p == '\'') {
            if (!inq)
                pm_buf_puts(&b, "'...'");
            inq = !inq;
        } else if (!inq) {
            pm_buf_putc(&b, *p);
        }
    }
    return pm_buf_detach(&b, NULL);
}

static int add_group(struct view *v, struct strmap *idx, const char *kind, const char *reason)
{
    char *key = group_key(kind, reason);
    if (!key)
        return PM_ERR_NOMEM;
    void **slot;
    int rc = strmap_put(idx, key, strlen(key), &slot);
    if (rc < 0) {
        free(key);
        return rc;
    }
    if (rc == 1) {
        struct group *ng = realloc(v->groups, (v->ngroups + 1) * sizeof(*ng));
        if (!ng) {
            free(key);
            return PM_ERR_NOMEM;
        }
        v->groups = ng;
        v->groups[v->ngroups] = (struct group){kind, key, reason ? reason : "", 0};
        *slot = (void *)(uintptr_t)(v->ngroups + 1);
        v->ngroups++;
    } else {
        free(key);
    }
    v->groups[(uintptr_t)*slot - 1].count++;
    return 0;
}

static int day_collect(void *ctx, const char *key, void *val)
{
    struct view *v = ctx;
    v->days[v->ndays++] = (struct dayc){key, (unsigned long)(uintptr_t)val};
    return 0;
}

void report_view_release(struct view *v)
{
    free(v->m);
    free(v->never);
    for (size_t i = 0; i < v->ngroups; i++)
        free(v->groups[i].key);
    free(v->groups);
    free(v->days);
}

static int puf_index_count(struct view *v, struct strmap *gidx, const struct machine *m)
{
    if (!m->puf_index)
        return 0;
    v->t.puf_index_machines++;
    return add_group(v, gidx, "puf index", puf_index_reasons[m->puf_index]);
}

int report_view_build(const struct pm_report *r, struct view *v)
{
    memset(v, 0, sizeof(*v));
    v->m = malloc((r->machines.n + 1) * sizeof(*v->m));
    v->never = malloc((r->nroster + 1) * sizeof(*v->never));
    v->days = malloc((r->days.n + 1) * sizeof(*v->days));
    if (!v->m || !v->never || !v->days)
        return PM_ERR_NOMEM;
    strmap_each(&r->machines, collect, v);
    if (v->n)
        qsort(v->m, v->n, sizeof(*v->m), cmp_machine);
    strmap_each(&r->days, day_collect, v);
    if (v->ndays)
        qsort(v->days, v->ndays, sizeof(*v->days), cmp_day);
    struct pm_report_totals *t = &v->t;
    t->files = r->files;
    t->bad_files = (unsigned)r->nbad;
    t->bad_lines = r->bad_lines;
    t->claim_files = (unsigned)r->nclaims;
    t->machines = (unsigned)v->n;
    t->roster = (unsigned)r->nroster;
    struct strmap gidx = STRMAP_INIT;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < v->n; i++) {
        const struct machine *m = v->m[i];
        t->status[m->status]++;
        if (m->nlist[MLIST_POLICY])
            t->policy_machines++;
        if (m->nlist[MLIST_OUTSIDE])
            t->outside_machines++;
        if (m->nlist[MLIST_SECURITY])
            t->security_machines++;
        if (m->status == PM_RS_FAILED)
            rc = add_group(v, &gidx, "failed", m->reason);
        else if (m->status == PM_RS_INCOMPLETE)
            rc = add_group(v, &gidx, "incomplete", m->reason);
        if (rc == 0)
            rc = puf_index_count(v, &gidx, m);
        const char *f = m->mbx;
        for (size_t k = 0; rc == 0 && k < m->nmbx; k++) {
            const char *fields[MBX_FIELDS];
            for (size_t j = 0; j < MBX_FIELDS; j++, f = report_next(f))
                fields[j] = f;
            const char *s = fields[MBX_STATE];
            if (!strcmp(s, "updated")) {
                if (m->status == PM_RS_FAILED || m->status == PM_RS_INCOMPLETE)
                    t->mbx_failed++;
                else if (m->status == PM_RS_DEFERRED)
                    t->mbx_deferred++;
                else if (m->status == PM_RS_DRY_RUN)
                    t->mbx_would_update++;
                else
                    t->mbx_updated++;
            } else if (!strcmp(s, "current")) {
                t->mbx_current++;
            } else if (!strcmp(s, "not_migrated")) {
                t->mbx_not_migrated++;
            } else {
                t->mbx_skipped++;
                rc = add_group(v, &gidx, "mailbox skipped", fields[MBX_REASON]);
            }
        }
    }
    strmap_release(&gidx, NULL);
    if (rc < 0)
        return rc;
    if (v->ngroups)
        qsort(v->groups, v->ngroups, sizeof(*v->groups), cmp_group);
    for (size_t i = 0; i < r->nroster; i++)
        if (!roster_ran(r, &r->roster[i]))
            v->never[v->nnever++] = &r->roster[i];
    t->status[PM_RS_NEVER_RAN] = (unsigned)v->nnever;
    return 0;
}

void pm_report_get_totals(const struct pm_report *r, struct pm_report_totals *t)
{
    struct view v;
    memset(t, 0, sizeof(*t));
    if (report_view_build(r, &v) == 0)
        *t = v.t;
    report_view_release(&v);
}

/* ---- output ---- */

int report_out_begin(struct out *o, const struct pm_report_sink *sink)
{
    static const char zeros[64 << 10];
    memset(o, 0, sizeof(*o));
    o->sink = sink;
    /* grow once to the reserve, then start empty */
    while (o->rc == 0 && o->b.len < OUT_RESERVE)
        o->rc = pm_buf_append(&o->b, zeros, sizeof(zeros));
    pm_buf_reset(&o->b);
    return o->rc;
}

void report_drain(struct out *o, int all)
{
    if (o->rc == 0 && o->b.len && (all || o->b.len >= OUT_DRAIN))
        o->rc = o->sink->write(o->sink->ctx, o->b.data, o->b.len);
    if (all || o->b.len >= OUT_DRAIN)
        pm_buf_reset(&o->b);
}

int report_out_end(struct out *o)
{
    report_drain(o, 1);
    pm_buf_release(&o->b);
    return o->rc;
}

int report_buf_write(void *ctx, const void *data, size_t len)
{
    return pm_buf_append(ctx, data, len);
}

/* ---- text ---- */

static const char *nz(const char *s)
{
    return s ? s : "";
}

/* Length of the valid UTF-8 sequence at p (at most n bytes), 0 when it is not one. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
    size_t len = p[0] >= 0xF0 ? 4 : p[0] >= 0xE0 ? 3 : 2;
    if (p[0] < 0xC2 || p[0] > 0xF4 || len > n)
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    if ((p[0] == 0xE0 && p[1] < 0xA0) || (p[0] == 0xED && p[1] > 0x9F) ||
        (p[0] == 0xF0 && p[1] < 0x90) || (p[0] == 0xF4 && p[1] > 0x8F))
        return 0;
    return len;
}

/* A log value for a terminal: control characters (C0, DEL, C1 as UTF-8 U+0080..U+009F) and
 * bytes that are not UTF-8 are shown as \xHH, so an escape sequence or a line break decoded from
 * a log cannot move the cursor, recolour the screen or fake a line of the report. Padded with
 * blanks to 'width' bytes. */
static void txt(struct pm_buf *b, const char *s, size_t width)
{
    size_t start = b->len;
    const unsigned char *p = (const unsigned char *)nz(s);
    size_t n = strlen((const char *)p);
    for (size_t i = 0; i < n;) {
        size_t k = p[i] >= 0x80 ? utf8_seq(p + i, n - i) : 1;
        if (p[i] < 0x20 || p[i] == 0x7F || k == 0 || (k == 2 && p[i] == 0xC2 && p[i + 1] < 0xA0)) {
            for (size_t j = 0; j < (k ? k : 1); j++)
                pm_buf_printf(b, "\\x%02x", p[i + j]);
            i += k ? k : 1;
        } else {
            pm_buf_append(b, p + i, k);
            i += k;
        }
    }
    for (size_t w = b->len - start; w < width; w++)
        pm_buf_putc(b, ' ');
}


int pm_report_text(const struct pm_report *r, struct pm_buf *out)
{
    struct pm_report_sink sink = {report_buf_write, out};
    return pm_report_text_to(r, &sink);
}

/* The totals block: the one-line headline, the latest status of every machine and the
 * mailbox counts, which is all a reader needs to know whether the migration is finished. */
static void text_totals(struct pm_buf *out, const struct pm_report *r, const struct view *v)
{
    const struct pm_report_totals *t = &v->t;
    pm_buf_printf(out, "Migration report: %u users/computers from %u log files", t->machines,
                  t->files);
    if (t->bad_files)
        pm_buf_printf(out, " (%u with corrupt or truncated lines)", t->bad_files);
    pm_buf_puts(out, "\n\nLatest run per user and computer:\n");
    for (int s = 0; s < PM_RS_COUNT; s++) {
        if (s == PM_RS_NEVER_RAN && !t->roster)
            continue;
        pm_buf_printf(out, "  %-20s %8u\n", report_status_labels[s], t->status[s]);
    }
    unsigned done = t->status[PM_RS_UPDATED] + t->status[PM_RS_CURRENT];
    unsigned all = t->machines + t->status[PM_RS_NEVER_RAN];
    pm_buf_printf(out, "  %-20s %8u of %u (%.1f%%)\n", "Done", done, all,
                  all ? 100.0 * done / all : 0.0);
    pm_buf_printf(out,
                  "\nMailboxes: %u updated, %u already current, %u not migrated yet, "
                  "%u deferred, %u skipped, %u failed",
                  t->mbx_updated, t->mbx_current, t->mbx_not_migrated, t->mbx_deferred,
                  t->mbx_skipped, t->mbx_failed);
    if (t->mbx_would_update)
        pm_buf_printf(out, ", %u would update (dry run)", t->mbx_would_update);
    pm_buf_printf(out, "\nPolicy warnings: %u users/computers\n", t->policy_machines);
    if (t->outside_machines)
        pm_buf_printf(out, "Settings that send Outlook to the source: %u computers\n",
                      t->outside_machines);
    if (t->security_machines)
        pm_buf_printf(out, "Files others can change (security warnings): %u users/computers\n",
                      t->security_machines);
    if (r->nclaims)
        pm_buf_printf(out, "Logs that claim another user: %zu (left out, listed below)\n",
                      r->nclaims);
}

/* Problems grouped by reason, most frequent first, so one broken rule shows as one line and
 * not as a thousand machines. */
static void text_groups(struct out *o, const struct view *v)
{
    struct pm_buf *out = &o->b;
    if (!v->ngroups)
        return;
    pm_buf_puts(out, "\nProblems by reason:\n");
    for (size_t i = 0; i < v->ngroups && i < LIST_MAX; i++) {
        pm_buf_printf(out, "  %6u  %s: ", v->groups[i].count, v->groups[i].kind);
        txt(out, v->groups[i].example, 0);
        pm_buf_putc(out, '\n');
        report_drain(o, 0);
    }
}

/* The machines whose latest run ended in status s, the ones someone has to go and look at. */
static void text_status_list(struct out *o, const struct view *v, enum pm_report_status s)
{
    struct pm_buf *out = &o->b;
    const struct pm_report_totals *t = &v->t;
    if (!t->status[s])
        return;
    pm_buf_printf(out, "\n%s (%u):\n", report_status_labels[s], t->status[s]);
    unsigned shown = 0;
    for (size_t i = 0; i < v->n && shown < LIST_MAX; i++) {
        const struct machine *m = v->m[i];
        if (m->status != s)
            continue;
        shown++;
        pm_buf_puts(out, "  ");
        txt(out, m->user, 20);
        pm_buf_putc(out, ' ');
        txt(out, m->computer, 16);
        pm_buf_putc(out, ' ');
        txt(out, m->end, 0);
        pm_buf_puts(out, "  ");
        txt(out, m->reason, 0);
        pm_buf_putc(out, '\n');
        report_drain(o, 0);
    }
    if (shown < t->status[s])
        pm_buf_printf(out, "  ... %u more (see --csv)\n", t->status[s] - shown);
}

/* Roster entries with no log at all: the tool never ran there. */
static void text_never(struct out *o, const struct view *v)
{
    struct pm_buf *out = &o->b;
    if (!v->nnever)
        return;
    pm_buf_printf(out, "\nNever ran (%zu of %u in the roster):\n", v->nnever, v->t.roster);
    for (size_t i = 0; i < v->nnever && i < LIST_MAX; i++) {
        pm_buf_puts(out, "  ");
        txt(out, v->never[i]->user, 20);
        pm_buf_putc(out, ' ');
        txt(out, v->never[i]->computer, 0);
        pm_buf_putc(out, '\n');
        report_drain(o, 0);
    }
    if (v->nnever > LIST_MAX)
        pm_buf_printf(out, "  ... %zu more (see --csv)\n", v->nnever - LIST_MAX);
}

/* Log files that could not be read whole, so the counts above may miss runs. */
static void text_bad_files(struct out *o, const struct pm_report *r)
{
    struct pm_buf *out = &o->b;
    if (!r->nbad)
        return;
    pm_buf_printf(out, "\nCorrupt or truncated logs (%zu):\n", r->nbad);
    for (size_t i = 0; i < r->nbad && i < LIST_MAX; i++) {
        const struct badfile *b = &r->bad[i];
        pm_buf_puts(out, "  ");
        txt(out, b->file, 0);
        pm_buf_printf(out, ": %s", b->why);
        if (b->bad_lines)
            pm_buf_printf(out, " (%u bad lines, first at line %u)", b->bad_lines, b->first_bad);
        pm_buf_putc(out, '\n');
        report_drain(o, 0);
    }
    if (r->nbad > LIST_MAX)
        pm_buf_printf(out, "  ... %zu more\n", r->nbad - LIST_MAX);
}

/* Logs left out because they speak for another user; listed so a forged log is seen, not
 * silently dropped. */
static void text_claims(struct out *o, const struct pm_report *r)
{
    struct pm_buf *out = &o->b;
    if (!r->nclaims)
        return;
    pm_buf_printf(out, "\nLogs that claim another user (%zu):\n", r->nclaims);
    for (size_t i = 0; i < r->nclaims && i < LIST_MAX; i++) {
        const struct claim *c = &r->claims[i];
        pm_buf_puts(out, "  ");
        txt(out, c->file, 0);
        if (c->owner) {
            pm_buf_puts(out, ": the file is owned by ");
            txt(out, c->owner, 0);
        } else {
            pm_buf_puts(out, ": a run names user ");
            txt(out, c->user ? c->user : "(none)", 0);
            pm_buf_puts(out, " on computer ");
            txt(out, c->computer ? c->computer : "(none)", 0);
        }
        pm_buf_putc(out, '\n');
        report_drain(o, 0);
    }
    if (r->nclaims > LIST_MAX)
        pm_buf_printf(out, "  ... %zu more\n", r->nclaims - LIST_MAX);
}

int report_open(const struct pm_report *r, const struct pm_report_sink *sink, struct view *v,
                struct out *o)
{
    int rc = report_view_build(r, v);
    if (rc == 0)
        rc = report_out_begin(o, sink);
    else
        o->b = (struct pm_buf)PM_BUF_INIT;
    if (rc < 0) {
        report_view_release(v);
        pm_buf_release(&o->b);
    }
    return rc;
}

int pm_report_text_to(const struct pm_report *r, const struct pm_report_sink *sink)
{
    struct view v;
    struct out o;
    int rc = report_open(r, sink, &v, &o);
    if (rc < 0)
        return rc;
    text_totals(&o.b, r, &v);
    text_groups(&o, &v);
    static const enum pm_report_status lists[] = {PM_RS_FAILED, PM_RS_DEFERRED, PM_RS_INCOMPLETE};
    for (size_t li = 0; li < PM_ARRAY_SIZE(lists); li++)
        text_status_list(&o, &v, lists[li]);
    text_never(&o, &v);
    text_bad_files(&o, r);
    text_claims(&o, r);
    report_view_release(&v);
    return report_out_end(&o);
}

/* ---- CSV ---- */

/* RFC 4180 field. A leading = + - @ would make a spreadsheet run the cell as a formula: such
 * values get a leading apostrophe. */
static void csv_field(struct pm_buf *b, const char *s, int last)
{
    s = nz(s);
    int formula = strchr("=+-@\t\r", s[0]) && s[0];
    if (formula || strpbrk(s, ",\"\r\n")) {
        pm_buf_putc(b, '"');
        if (formula)
            pm_buf_putc(b, '\'');
        for (; *s; s++) {
            if (*s == '"')
                pm_buf_putc(b, '"');
            pm_buf_putc(b, *s);
        }
        pm_buf_putc(b, '"');
    } else {
        pm_buf_puts(b, s);
    }
    pm_buf_puts(b, last ? "\r\n" : ",");
}

int pm_report_csv(const struct pm_report *r, struct pm_buf *out)
{
    struct pm_report_sink sink = {report_buf_write, out};
    return pm_report_csv_to(r, &sink);
}

int pm_report_csv_to(const struct pm_report *r, const struct pm_report_sink *sink)
{
    struct view v;
    struct out o;
    int rc = report_open(r, sink, &v, &o);
    if (rc < 0)
        return rc;
    struct pm_buf *out = &o.b;
    pm_buf_puts(out, "user,computer,status,reason,last_run,result,version,profile,account,role,"
                     "mailbox_dn,mailbox_state,mailbox_reason,target_dn,policy_warnings,"
                     "log_file,outside_settings\r\n");
    for (size_t i = 0; i < v.n; i++) {
        const struct machine *m = v.m[i];
        char pw[16];
        snprintf(pw, sizeof(pw), "%u", m->nlist[MLIST_POLICY]);
        size_t rows = m->nmbx ? m->nmbx : 1;
        const char *f = m->mbx;
        for (size_t k = 0; k < rows; k++) {
            const char *b[MBX_FIELDS] = {NULL};
            for (size_t j = 0; m->nmbx && j < MBX_FIELDS; j++, f = report_next(f))
                b[j] = f;
            csv_field(out, m->user, 0);
            csv_field(out, m->computer, 0);
            csv_field(out, status_names[m->status], 0);
            csv_field(out, m->reason, 0);
            csv_field(out, m->end, 0);
            csv_field(out, m->result, 0);
            csv_field(out, m->version, 0);
            for (size_t j = 0; j < MBX_FIELDS; j++)
                csv_field(out, b[j], 0);
            csv_field(out, pw, 0);
            csv_field(out, m->file, 0);
            struct pm_buf names = PM_BUF_INIT;
            const char *item = m->list[MLIST_OUTSIDE];
            for (size_t j = 0; j < m->nlist[MLIST_OUTSIDE]; j++, item = report_next(item))
                pm_buf_printf(&names, "%s%s", j ? " " : "", item);
            csv_field(out, names.data ? names.data : "", 1);
            pm_buf_release(&names);
            report_drain(&o, 0);
        }
    }
    for (size_t i = 0; i < v.nnever; i++) {
        csv_field(out, v.never[i]->user, 0);
        csv_field(out, v.never[i]->computer, 0);
        csv_field(out, "never_ran", 0);
        pm_buf_puts(out, ",,,,,,,,,,,,,");
        csv_field(out, "", 1);
        report_drain(&o, 0);
    }
    report_view_release(&v);
    return report_out_end(&o);
}
