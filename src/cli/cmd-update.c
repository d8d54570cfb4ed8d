/* profilemanager update: the main job. Reads prof.config (beside the executable unless
 * --config), opens the log, takes the per-user lock, reads every profile of the store, looks its
 * mailboxes up in mbm.puf, plans, checks that no MAPI client holds the profile, backs up and
 * applies, writes the status key (live registry), and starts RunAfter whatever happened once the
 * config was read. Exit codes: include/pm/log.h, docs/exit-codes.md. */
#include "cli.h"

#include "pm/mapi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct opts {
    struct pm_buf pass_on; /* Outlook switches ("/recycle") handed on to RunAfter */
    const char *config;
    const char *store;
    int dry_run;
    int verbose;
    int no_index;
};

struct run {
    struct opts o;
    struct pm_config cfg;
    int have_cfg;
    struct pm_log *log;
    struct pm_buf exe_dir, home, user, computer, log_dir;
    char run_id[64];
    uint64_t t0;
    unsigned long updated, current, not_migrated, skipped, failed, policy_warnings;
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: profilemanager [update] [--config FILE] [--store reg:FILE | hive:FILE | live]\n"
            "                      [--dry-run] [--verbose] [--no-index]\n\n"
            "  --config FILE   prof.config to use (default: prof.config beside the executable)\n"
            "  --store SPEC    registry to update: a .reg export, an NTUSER.DAT hive, or the live\n"
            "                  registry of the current user (the default on Windows)\n"
            "  --dry-run       print every planned change and write nothing\n"
            "  --verbose       print every decision and change\n"
            "  --no-index      scan mbm.puf even when its index is current\n"
            "  /switch         an Outlook switch (from a rewritten shortcut): passed on to\n"
            "                  RunAfter after RunAfterArgs\n");
}

/* Warnings from the config and PUF readers go to the log and stderr. */
struct diag_ctx {
    struct run *r;
    const char *event;
    struct pm_strlist *pending; /* when set, warnings wait here for the log */
};

static void diag(void *ctx, const char *where, unsigned line, const char *msg)
{
    struct diag_ctx *d = ctx;
    char ln[16];
    if (d->pending) {
        /* The log is not open yet: keep the warning for it. */
        struct pm_buf b = PM_BUF_INIT;
        if (pm_buf_printf(&b, "%s\t%u\t%s", where ? where : "", line, msg) == 0)
            pm_strlist_add(d->pending, b.data);
        pm_buf_release(&b);
        return;
    }
    snprintf(ln, sizeof(ln), "%u", line);
    pm_log_event(d->r->log, d->event, "where", where, "line", line ? ln : NULL, "msg", msg, NULL);
    if (line)
        fprintf(stderr, "profilemanager: warning: %s:%u: %s\n", where ? where : "", line, msg);
    else
        fprintf(stderr, "profilemanager: warning: %s%s%s\n", where ? where : "",
                where && *where ? ": " : "", msg);
}

static void open_log(struct run *r, const char *configured)
{
    r->log = cli_open_log(configured, r->computer.data, r->user.data, r->run_id);
    if (r->log && pm_log_path(r->log))
        pm_path_dirname(&r->log_dir, pm_log_path(r->log));
}

static int parse_args(int argc, char **argv, struct opts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 1;
        } else if (cli_store_option(argc, argv, &i, &o->config, &o->store, &o->dry_run)) {
            continue;
        } else if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) {
            o->verbose = 1;
        } else if (!strcmp(a, "--no-index")) {
            o->no_index = 1;
        } else if (a[0] == '/') {
            /* A switch for Outlook from a rewritten shortcut: passed on to RunAfter. */
            int quote = strchr(a, ' ') != NULL;
            pm_buf_printf(&o->pass_on, "%s%s%s%s", o->pass_on.len ? " " : "", quote ? "\"" : "",
                          a, quote ? "\"" : "");
        } else {
            cli_error("update: unknown or incomplete option '%s'", a);
            usage(stderr);
            return -1;
        }
    }
    return 0;
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

static const char *account_label(const struct pm_account *a)
{
    if (a->smtp)
        return a->smtp;
    if (a->display)
        return a->display;
    return a->service_uid;
}

static void log_decisions(struct run *r, const struct pm_model *m, const struct pm_plan *plan)
{
    for (size_t i = 0; i < plan->ndecisions; i++) {
        const struct pm_decision *d = &plan->decisions[i];
        const struct pm_profile *pr = &m->profiles[d->profile];
        const struct pm_account *a = &pr->accounts[d->account];
        const char *role = "account";
        if (d->section >= 0)
            role = pm_store_kind_name(a->sections[d->section].kind);
        char line[16] = "";
        if (d->puf_line)
            snprintf(line, sizeof(line), "%u", d->puf_line);
        pm_log_event(r->log, "mailbox", "profile", pr->name, "root", pr->root, "account",
                     account_label(a), "role", role, "dn", d->dn, "state",
                     pm_decision_name(d->kind), "reason", d->reason, "puf_line",
                     d->puf_line ? line : NULL, "target", d->target_dn, NULL);
        switch (d->kind) {
        case PM_DEC_UPDATED: r->updated++; break;
        case PM_DEC_CURRENT: r->current++; break;
        case PM_DEC_NOT_IN_PUF: r->not_migrated++; break;
        case PM_DEC_SKIPPED: r->skipped++; break;
        }
        if (r->o.verbose || r->o.dry_run)
            printf("%-12s %-8s %s  %s  (%s)\n", pm_decision_name(d->kind), role, pr->name,
                   d->dn ? d->dn : "-", d->reason);
    }
}

static void log_changes(struct run *r, const struct pm_model *m, const struct pm_plan *plan,
                        int print)
{
    struct pm_buf oldv = PM_BUF_INIT, newv = PM_BUF_INIT;
    for (size_t i = 0; i < plan->nedits; i++) {
        const struct pm_edit *e = &plan->edits[i];
        fmt_value(e->name, e->old_type, e->old_data, e->old_len, e->had_old, &oldv);
        if (e->op == PM_EDIT_SET)
            fmt_value(e->name, e->type, e->data, e->len, 1, &newv);
        else {
            pm_buf_reset(&newv);
            pm_buf_puts(&newv, "(deleted)");
        }
        pm_log_event(r->log, "change", "profile", m->profiles[e->profile].name, "key", e->key,
                     "value", e->name, "op", e->op == PM_EDIT_SET ? "set" : "delete", "rule",
                     e->rule, "old", oldv.data, "new", newv.data, NULL);
        if (print)
            printf("  %s [%s] %s: %s -> %s\n", e->key, e->rule, e->name, oldv.data, newv.data);
    }
    pm_buf_release(&oldv);
    pm_buf_release(&newv);
}

/* The OST files of the accounts the plan updates (PR_PROFILE_OFFLINE_STORE_PATH). */
static void updated_osts(const struct pm_model *m, const struct pm_plan *plan,
                         struct pm_strlist *out)
{
    struct pm_buf path = PM_BUF_INIT;
    for (size_t i = 0; i < plan->ndecisions; i++) {
        const struct pm_decision *d = &plan->decisions[i];
        if (d->kind != PM_DEC_UPDATED || d->section >= 0)
            continue;
        const struct pm_account *a = &m->profiles[d->profile].accounts[d->account];
        for (size_t k = 0; k < a->nsections; k++) {
            if (a->sections[k].role != PM_ROLE_EMSMDB)
                continue;
            const struct pm_section_value *v = pm_section_get(&a->sections[k], "001f6610");
            if (!v)
                v = pm_section_get(&a->sections[k], "001e6610");
            if (v && pm_mapi_string_get(v->name, v->type, v->data, v->len, &path) > 0 &&
                path.len && pm_strlist_find(out, path.data) < 0)
                pm_strlist_add(out, path.data);
        }
    }
    pm_buf_release(&path);
}

/* Outlook or another MAPI client of this user, or an OST of an updated account held open by
 * any process: 1 in use, 0 free. WaitForOutlook gives the clients time to exit first. */
static int profile_in_use(struct run *r, const struct pm_model *m, const struct pm_plan *plan)
{
    struct pm_strlist found = PM_STRLIST_INIT;
    int in_use = cli_mapi_clients(r->cfg.mapi_clients, r->cfg.wait_for_outlook, r->log,
                                  &found) > 0;
    struct pm_buf procs = PM_BUF_INIT, files = PM_BUF_INIT;
    for (size_t i = 0; i < found.n; i++)
        pm_buf_printf(&procs, "%s%s", i ? "," : "", found.items[i]);
    struct pm_strlist osts = PM_STRLIST_INIT;
    updated_osts(m, plan, &osts);
    for (size_t i = 0; i < osts.n; i++)
        if (pm_os_file_in_use(osts.items[i]) > 0) {
            pm_buf_printf(&files, "%s%s", files.len ? "," : "", osts.items[i]);
            in_use = 1;
        }
    pm_strlist_release(&osts);
    if (in_use) {
        pm_log_event(r->log, "in_use", "processes", procs.len ? procs.data : NULL, "files",
                     files.len ? files.data : NULL, NULL);
        cli_error("the profile is in use (%s%s%s); nothing changed, run again after closing "
                  "Outlook",
                  procs.len ? procs.data : "", procs.len && files.len ? "; " : "",
                  files.len ? files.data : "");
    }
    pm_buf_release(&procs);
    pm_buf_release(&files);
    pm_strlist_release(&found);
    return in_use;
}

static int backup_path(struct run *r, struct pm_buf *out)
{
    struct pm_buf dir = PM_BUF_INIT, name = PM_BUF_INIT;
    int rc;
    if (r->cfg.backup_folder)
        rc = pm_buf_puts(&dir, r->cfg.backup_folder);
    else if (r->log_dir.len)
        rc = pm_path_join(&dir, r->log_dir.data, "Backups");
    else {
        struct pm_buf pl = PM_BUF_INIT;
        rc = pm_path_join(&pl, r->home.data, "Profile.Logs");
        if (rc == 0)
            rc = pm_path_join(&dir, pl.data, "Backups");
        pm_buf_release(&pl);
    }
    if (rc == 0)
        rc = pm_buf_printf(&name, "%s_%s-%s.reg", r->computer.data, r->user.data, r->run_id);
    for (size_t i = 0; rc == 0 && i < name.len; i++)
        if (strchr("\\/:*?\"<>|", name.data[i]))
            name.data[i] = '_';
    if (rc == 0)
        rc = pm_path_join(out, dir.data, name.data);
    pm_buf_release(&dir);
    pm_buf_release(&name);
    return rc;
}

static void policy_warnings(struct run *r, struct pm_store *st)
{
    struct pm_policy_report rep = {0};
    struct pm_error err;
    pm_error_clear(&err);
    if (pm_policy_check(st, &r->cfg, &rep, &err) < 0) {
        char buf[1200];
        pm_log_event(r->log, "warning", "msg", pm_error_format(&err, buf, sizeof(buf)), NULL);
        return;
    }
    for (size_t i = 0; i < rep.n; i++) {
        pm_log_event(r->log, "policy.warning", "key", rep.items[i].key, "value",
                     rep.items[i].value, "data", rep.items[i].data, "msg", rep.items[i].msg, NULL);
        fprintf(stderr, "profilemanager: warning: policy %s\\%s: %s\n", rep.items[i].key,
                rep.items[i].value, rep.items[i].msg);
    }
    r->policy_warnings = rep.n;
    pm_policy_report_release(&rep);
}

/* After a move, cached recipients and replies to old mail still carry the source DNs. */
static void x500_hint(struct run *r)
{
    if (r->updated)
        pm_log_event(r->log, "hint", "msg",
                     "cached recipients and replies to old mail carry the source DNs: keep each "
                     "source legacyExchangeDN as an X500 proxy address of its target mailbox "
                     "(profilemanager puf build --x500-script)",
                     NULL);
}

static void trust_warnings(struct run *r, int *refuse_run_after)
{
    const char *files[] = {r->cfg.path, r->cfg.puf_file};
    for (size_t i = 0; i < 2; i++) {
        if (files[i] && pm_os_file_exists(files[i]) && pm_os_user_can_write(files[i]) > 0) {
            pm_log_event(r->log, "warning", "file", files[i], "msg",
                         "writable by the running user: whoever can change it can run programs "
                         "through RunAfter",
                         NULL);
            fprintf(stderr, "profilemanager: warning: '%s' is writable by the running user\n",
                    files[i]);
            if (r->cfg.require_readonly_config)
                *refuse_run_after = 1;
        }
    }
}

static int finish(struct run *r, int code, const char *why, int refuse_run_after)
{
    char counts[6][24], dur[24], ex[8];
    unsigned long v[6] = {r->updated, r->current, r->not_migrated, r->skipped, r->failed,
                          r->policy_warnings};
    for (int i = 0; i < 6; i++)
        snprintf(counts[i], sizeof(counts[i]), "%lu", v[i]);
    snprintf(dur, sizeof(dur), "%llu", (unsigned long long)(pm_os_monotonic_ms() - r->t0));
    snprintf(ex, sizeof(ex), "%d", code);
    pm_log_event(r->log, "run.end", "result", pm_exit_name(code), "exit", ex, "updated",
                 counts[0], "current", counts[1], "not_migrated", counts[2], "skipped", counts[3],
                 "failed", counts[4], "policy_warnings", counts[5], "reason", why, "duration_ms",
                 dur, NULL);
    if (r->have_cfg && r->cfg.run_after && *r->cfg.run_after) {
        if (refuse_run_after) {
            pm_log_event(r->log, "warning", "msg",
                         "RunAfter not started: RequireReadOnlyConfig=yes and a file is writable",
                         NULL);
            cli_error("RunAfter not started: prof.config or the PUF is writable by this user");
        } else {
            struct pm_buf args = PM_BUF_INIT;
            const char *base = r->cfg.run_after_args ? r->cfg.run_after_args : "";
            pm_buf_printf(&args, "%s%s%s", base, *base && r->o.pass_on.len ? " " : "",
                          r->o.pass_on.len ? r->o.pass_on.data : "");
            int rc = pm_os_start_program(r->cfg.run_after, args.len ? args.data : NULL);
            pm_log_event(r->log, "run_after", "program", r->cfg.run_after, "args",
                         args.len ? args.data : NULL, "started", rc == 0 ? "1" : "0", NULL);
            pm_buf_release(&args);
            if (rc < 0)
                cli_error("cannot start RunAfter program '%s'", r->cfg.run_after);
        }
    }
    return code;
}

static void print_error_logged(struct run *r, const struct pm_error *err)
{
    char buf[2048];
    pm_error_format(err, buf, sizeof(buf));
    pm_log_event(r->log, "error", "msg", buf, NULL);
    cli_error("%s", buf);
}

static void run_release(struct run *r)
{
    pm_log_close(r->log);
    pm_buf_release(&r->exe_dir);
    pm_buf_release(&r->home);
    pm_buf_release(&r->user);
    pm_buf_release(&r->computer);
    pm_buf_release(&r->log_dir);
    pm_buf_release(&r->o.pass_on);
}

int cmd_update(int argc, char **argv)
{
    struct run r;
    memset(&r, 0, sizeof(r));
    int prc = parse_args(argc, argv, &r.o);
    if (prc != 0) {
        pm_buf_release(&r.o.pass_on);
        return prc > 0 ? PM_EXIT_OK : PM_EXIT_USAGE;
    }
    if (!r.o.store && !pm_store_backend_available("live")) {
        cli_error("update: no --store given, and the live registry exists only on Windows; use "
                  "--store reg:FILE or --store hive:FILE");
        pm_buf_release(&r.o.pass_on);
        return PM_EXIT_USAGE;
    }
    const char *store_spec = r.o.store ? r.o.store : "live";

    r.t0 = pm_os_monotonic_ms();
    pm_os_exe_dir(&r.exe_dir);
    if (pm_os_home_dir(&r.home) < 0)
        pm_buf_puts(&r.home, "");
    pm_os_user_name(&r.user);
    pm_os_computer_name(&r.computer);
    cli_run_id(r.run_id);

    struct pm_buf cfgpath = PM_BUF_INIT;
    if (r.o.config)
        pm_buf_puts(&cfgpath, r.o.config);
    else
        pm_path_join(&cfgpath, r.exe_dir.data, "prof.config");

    struct pm_error err;
    pm_error_clear(&err);
    struct pm_strlist early = PM_STRLIST_INIT;
    struct diag_ctx cfg_diag = {&r, "config.warning", &early};
    int rc = pm_config_load(&r.cfg, cfgpath.data, diag, &cfg_diag, &err);
    if (rc < 0) {
        /* No config: log where the defaults say, then stop at once. RunAfter is not known. */
        open_log(&r, NULL);
        pm_log_event(r.log, "run.start", "version", PM_VERSION, "user", r.user.data, "computer",
                     r.computer.data, "config", cfgpath.data, NULL);
        print_error_logged(&r, &err);
        int code = finish(&r, PM_EXIT_CONFIG, "config", 0);
        pm_buf_release(&cfgpath);
        pm_strlist_release(&early);
        run_release(&r);
        return code;
    }
    r.have_cfg = 1;
    open_log(&r, r.cfg.log_folder);
    {
        struct pm_buf exe = PM_BUF_INIT;
        char size[32] = "";
        long long sz = pm_os_file_size(r.cfg.puf_file);
        if (sz >= 0)
            snprintf(size, sizeof(size), "%lld", sz);
        pm_os_exe_path(&exe);
        pm_log_event(r.log, "run.start", "version", PM_VERSION, "user", r.user.data, "computer",
                     r.computer.data, "exe", exe.data, "config", r.cfg.path, "puf",
                     r.cfg.puf_file, "puf_bytes", sz >= 0 ? size : NULL, "store", store_spec,
                     "mode", r.o.dry_run ? "dry-run" : "update", NULL);
        pm_buf_release(&exe);
    }
    /* The config's warnings, now that the log is open. */
    cfg_diag.pending = NULL;
    for (size_t i = 0; i < early.n; i++) {
        char *where = early.items[i], *tab1 = strchr(where, '\t');
        char *tab2 = tab1 ? strchr(tab1 + 1, '\t') : NULL;
        if (!tab2)
            continue;
        *tab1 = *tab2 = 0;
        diag(&cfg_diag, where, (unsigned)strtoul(tab1 + 1, NULL, 10), tab2 + 1);
    }
    pm_strlist_release(&early);
    pm_buf_release(&cfgpath);

    int refuse_run_after = 0;
    /* Only where it matters: a run that starts a program, or one on a user's own registry. */
    if ((r.cfg.run_after && *r.cfg.run_after) || !r.o.store || !strcmp(r.o.store, "live"))
        trust_warnings(&r, &refuse_run_after);

    int code = PM_EXIT_OK;
    const char *why = NULL;
    void *lock = NULL;
    struct pm_store *st = NULL;
    struct pm_model model = {0};
    struct pm_plan plan = {0};
    struct pm_strlist dns = PM_STRLIST_INIT;
    struct pm_puf_query *q = NULL;

    rc = pm_os_lock_acquire("update", r.cfg.lock_wait, &lock);
    if (rc <= 0) {
        cli_error("another profilemanager run of this user is in progress; nothing changed");
        pm_log_event(r.log, "error", "msg", "another run holds the lock", NULL);
        code = PM_EXIT_LOCKED;
        why = "locked";
        lock = NULL;
        goto out;
    }

    /* The PUF must be readable before anything else happens. */
    {
        FILE *f = fopen(r.cfg.puf_file, "rb");
        if (!f) {
            pm_error_set(&err, PM_ERR_IO, r.cfg.puf_file, 0,
                         pm_os_file_exists(r.cfg.puf_file) ? "cannot read the PUF"
                                                           : "the PUF does not exist");
            print_error_logged(&r, &err);
            code = PM_EXIT_PUF;
            why = "puf";
            goto out;
        }
        fclose(f);
    }

    rc = pm_store_open(&st, store_spec, r.o.dry_run ? PM_STORE_READONLY : 0, &err);
    if (rc < 0) {
        print_error_logged(&r, &err);
        code = rc == PM_ERR_INVALID ? PM_EXIT_USAGE : PM_EXIT_STORE;
        why = "store";
        goto out;
    }
#ifdef PM_TEST_HOOKS
    /* Test builds only: fail the Nth store mutation, to prove all-or-nothing from outside. */
    if (getenv("PM_FAULT_AT"))
        pm_store_fault_at(st, strtoul(getenv("PM_FAULT_AT"), NULL, 10));
#endif
    struct diag_ctx model_diag = {&r, "warning", NULL};
    rc = pm_model_read(st, &model, diag, &model_diag, &err);
    if (rc < 0) {
        print_error_logged(&r, &err);
        code = PM_EXIT_STORE;
        why = "store";
        goto out;
    }
    for (size_t i = 0; i < model.nprofiles; i++) {
        char na[16], ns[16];
        snprintf(na, sizeof(na), "%zu", model.profiles[i].naccounts);
        snprintf(ns, sizeof(ns), "%zu", model.profiles[i].nservices);
        pm_log_event(r.log, "profile", "root", model.profiles[i].root, "name",
                     model.profiles[i].name, "default", model.profiles[i].is_default ? "1" : "0",
                     "accounts", na, "services", ns, NULL);
    }

    if (pm_plan_queries(&model, &dns) < 0) {
        pm_error_set(&err, PM_ERR_NOMEM, NULL, 0, "out of memory");
        print_error_logged(&r, &err);
        code = PM_EXIT_STORE;
        goto out;
    }
    q = calloc(dns.n ? dns.n : 1, sizeof(*q));
    if (!q) {
        code = PM_EXIT_STORE;
        goto out;
    }
    for (size_t i = 0; i < dns.n; i++)
        pm_plan_query_init(&q[i], dns.items[i]);
    {
        struct pm_puf_stats stats;
        memset(&stats, 0, sizeof(stats));
        struct diag_ctx puf_diag = {&r, "puf.warning", NULL};
        rc = pm_puf_resolve(r.cfg.puf_file, q, dns.n, r.o.no_index ? PM_PUF_NO_INDEX : 0, &stats,
                            diag, &puf_diag, &err);
        if (rc < 0) {
            print_error_logged(&r, &err);
            code = PM_EXIT_PUF;
            why = "puf";
            goto out;
        }
        char nq[16], br[32], mal[32];
        snprintf(nq, sizeof(nq), "%zu", dns.n);
        snprintf(br, sizeof(br), "%llu", (unsigned long long)stats.bytes_read);
        snprintf(mal, sizeof(mal), "%llu", (unsigned long long)stats.malformed);
        pm_log_event(r.log, "puf.lookup", "queries", nq, "used_index",
                     stats.used_index ? "1" : "0", "bytes_read", br, "malformed", mal, "note",
                     stats.index_note[0] ? stats.index_note : NULL, NULL);
    }

    if ((rc = pm_plan_build(&model, q, dns.n, &r.cfg, &plan, &err)) < 0) {
        print_error_logged(&r, &err);
        code = PM_EXIT_STORE;
        goto out;
    }
    log_decisions(&r, &model, &plan);
    for (size_t i = 0; i < plan.warnings.n; i++) {
        pm_log_event(r.log, "warning", "msg", plan.warnings.items[i], NULL);
        fprintf(stderr, "profilemanager: warning: %s\n", plan.warnings.items[i]);
    }
    policy_warnings(&r, st);
    x500_hint(&r);

    if (r.o.dry_run) {
        log_changes(&r, &model, &plan, 1);
        for (size_t i = 0; i < plan.nmoves; i++)
            printf("  file: would rename '%s' to '%s'\n", plan.moves[i].from, plan.moves[i].to);
        printf("dry run: %zu change(s) planned in %zu profile(s); nothing written\n",
               plan.nedits, pm_plan_profiles_touched(&plan, model.nprofiles));
        why = "dry_run";
        goto out;
    }
    if (plan.nedits == 0) {
        printf("nothing to do: %lu mailbox(es) already current, %lu not migrated yet\n",
               r.current, r.not_migrated);
        why = "nothing_to_do";
        goto out;
    }
    int live = !strcmp(pm_store_backend(st), "live");
    if (live && profile_in_use(&r, &model, &plan)) {
        code = PM_EXIT_IN_USE;
        why = "in_use";
        r.updated = 0;
        goto out;
    }

    struct pm_buf bpath = PM_BUF_INIT;
    if (r.cfg.backup && backup_path(&r, &bpath) < 0) {
        pm_error_set(&err, PM_ERR_NOMEM, NULL, 0, "out of memory");
        print_error_logged(&r, &err);
        code = PM_EXIT_ROLLED_BACK;
        goto out;
    }
    struct pm_apply_opts aopts = {r.cfg.backup ? bpath.data : NULL, live};
    struct pm_apply_result res;
    rc = pm_apply(st, &model, &plan, &aopts, &res, &err);
    if (rc < 0) {
        print_error_logged(&r, &err);
        r.failed = r.updated;
        r.updated = 0;
        code = res.rollback_failed ? PM_EXIT_DAMAGED : PM_EXIT_ROLLED_BACK;
        why = res.rolled_back ? "rolled back" : "backup failed, nothing changed";
        pm_buf_release(&bpath);
        goto out;
    }
    if (r.cfg.backup)
        pm_log_event(r.log, "backup", "file", bpath.data, NULL);
    pm_buf_release(&bpath);
    log_changes(&r, &model, &plan, r.o.verbose);
    for (size_t i = 0; i < plan.nmoves; i++) {
        const struct pm_file_move *mv = &plan.moves[i];
        int done = live && !pm_os_file_exists(mv->from) && pm_os_file_exists(mv->to);
        pm_log_event(r.log, "ost", "profile", model.profiles[mv->profile].name, "from", mv->from,
                     "to", mv->to, "action", pm_ost_action_name(r.cfg.ost_action), "done",
                     done ? "1" : "0", NULL);
        if (!live)
            printf("  OST: a run on the user's PC renames '%s' to '%s'\n", mv->from, mv->to);
    }
    printf("updated %lu mailbox(es) in %zu profile(s) (%zu change(s)); %lu already current, %lu "
           "not migrated yet\n",
           r.updated, res.profiles_changed, res.edits_done, r.current, r.not_migrated);
    why = "updated";

out:
    /* The status key for desktop automation, after every run on the user's own registry. */
    if (!strncmp(store_spec, "live", 4) && !r.o.dry_run) {
        struct pm_store *sst = st;
        struct pm_error se;
        pm_error_clear(&se);
        if (!sst && pm_store_open(&sst, store_spec, 0, &se) < 0)
            sst = NULL;
        struct pm_status s = {pm_os_time_now(), code, r.updated, r.not_migrated, PM_VERSION,
                              r.log ? pm_log_path(r.log) : NULL};
        if (!sst || pm_status_write(sst, &s, &se) < 0)
            pm_log_event(r.log, "warning", "msg", "cannot write the status key", NULL);
        if (sst != st)
            pm_store_close(sst);
    }
    fflush(stdout);
    if (r.log && pm_log_path(r.log) && !r.o.dry_run)
        fprintf(stderr, "log: %s\n", pm_log_path(r.log));
    pm_plan_release(&plan);
    if (q)
        pm_puf_queries_release(q, dns.n);
    free(q);
    pm_strlist_release(&dns);
    pm_model_release(&model);
    pm_store_close(st);
    code = finish(&r, code, why, refuse_run_after);
    if (lock)
        pm_os_lock_release(lock);
    pm_config_release(&r.cfg);
    run_release(&r);
    return code;
}
