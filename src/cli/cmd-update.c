/* profilemanager update: the main job. Reads prof.config (beside the executable unless
 * --config), opens the log, takes the per-user lock, reads every profile of the store, looks its
 * mailboxes up in mbm.puf, plans, checks that no MAPI client holds the profile, backs up and
 * applies, writes the status key (live registry), and starts RunAfter whatever happened once the
 * config was read. With --wait-exit (WatchOutlook) a profile held by a MAPI client is not given
 * up on: the run waits for the clients to exit and updates then (cmd-update-watch.c). Exit codes:
 * include/pm/log.h, docs/exit-codes.md. */
#include "cli.h"

#include "pm/logschema.h"
#include "pm/mapi.h"
#include "pm/update.h"

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
    int run_after; /* --run-after: RunAfter after a dry run too */
    int wait_exit; /* --wait-exit[=SECONDS]: -1 not given, else the watch's seconds */
};

struct run {
    struct opts o;
    struct pm_config cfg;
    int have_cfg;
    struct pm_log *log;
    struct pm_update u;
    struct pm_buf exe_dir, home, user, computer, log_dir;
    char run_id[64];
    uint64_t t0;
    void *lock; /* the single-run lock, held until the run has logged its end */
    struct pm_update_opts uo;
    /* watch mode */
    int watch_seconds; /* 0: off */
    struct cli_watch watch;
    struct pm_buf held; /* the clients that held the profile at the last look */
    uint64_t commit_ms; /* when the update was committed (0: not) */
    /* The PUF, opened once for the readable check and the lookups (on a share each open, stat
     * and close is a round trip), and only when the local cache cannot answer; closed while a
     * watch waits, so a PUF replaced meanwhile is the one the next attempt reads. */
    FILE *puf;
    /* What one stat each of the PUF and its index said at the start (again after a watch's
     * wait): run.start's puf_bytes, the identities the local cache must match, whether others
     * can change them. */
    struct pm_update_probe puf_probe, idx_probe;
    struct pm_buf puf_why, idx_why;
    /* Whether others can change prof.config, asked of it as it was read (found: it could be
     * told). */
    struct pm_update_probe cfg_probe;
    struct pm_buf cfg_why;
    struct pm_buf cache_path; /* the local answer cache; empty: none */
    unsigned passes;          /* read_and_plan calls (more than one after a watch's wait) */
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: profilemanager [update] [--config FILE] [--store reg:FILE | hive:FILE | live]\n"
            "                      [--dry-run [--run-after]] [--verbose] [--no-index]\n"
            "                      [--wait-exit[=SECONDS]] [/switch ...]\n\n"
            "  --config FILE   prof.config to use (default: prof.config beside the executable)\n"
            "  --store SPEC    registry to update: a .reg export, an NTUSER.DAT hive, or the live\n"
            "                  registry of the current user (the default on Windows)\n"
            "  --dry-run       print every planned change and write nothing\n"
            "  --verbose       print every decision and change\n"
            "  --no-index      scan mbm.puf even when its index is current, and leave the\n"
            "                  local answer cache aside\n"
            "  --run-after     start RunAfter after a dry run too (a dry run does not)\n"
            "  --wait-exit[=SECONDS]\n"
            "                  when Outlook holds the profile, wait (up to SECONDS, default\n"
            "                  WatchOutlook or 86400) for it to exit and update at once\n"
            "  /switch ...     Outlook's switches (from a rewritten shortcut): this argument\n"
            "                  and every one after it are passed on to RunAfter, after\n"
            "                  RunAfterArgs, exactly as received\n");
}

/* Warnings from the config, profile and PUF readers go to the log and stderr. */
struct diag_ctx {
    struct run *r;
    const char *event;
};

static void diag(void *ctx, const char *where, unsigned line, const char *msg)
{
    struct diag_ctx *d = ctx;
    char ln[16];
    snprintf(ln, sizeof(ln), "%u", line);
    pm_log_event(d->r->log, d->event, PM_F_WHERE, where, PM_F_LINE, line ? ln : NULL, PM_F_MSG, msg,
                 NULL);
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

static const char *const update_options[] = {"--config",    "--store",    "--dry-run",
                                             "--verbose",   "--no-index", "--run-after",
                                             "--wait-exit", "--help",     NULL};

/* --wait-exit or --wait-exit=SECONDS (0..86400, as WatchOutlook): 1 when it was, 0 when 'a' is
 * another word, -1 (message printed) on a bad number. */
static int wait_exit_option(const char *a, struct opts *o)
{
    static const char name[] = "--wait-exit";
    if (strncmp(a, name, sizeof(name) - 1) != 0)
        return 0;
    const char *v = a + sizeof(name) - 1;
    if (*v == 0) {
        o->wait_exit = -2; /* the config's WatchOutlook, else the ceiling */
        return 1;
    }
    if (*v != '=')
        return 0;
    long n = 0;
    const char *p = ++v;
    while (*p >= '0' && *p <= '9' && n <= 86400)
        n = n * 10 + (*p++ - '0');
    if (!*v || *p || n > 86400) {
        cli_error("update: --wait-exit: '%s' is not a number of seconds from 0 to 86400", v);
        return -1;
    }
    o->wait_exit = (int)n;
    return 1;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int so;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 1;
        } else if ((so = cli_store_option("update", argc, argv, &i, &o->config, &o->store,
                                          &o->dry_run)) != 0) {
            if (so < 0)
                return -1;
            continue;
        } else if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) {
            o->verbose = 1;
        } else if (!strcmp(a, "--no-index")) {
            o->no_index = 1;
        } else if (!strcmp(a, "--run-after")) {
            o->run_after = 1;
        } else if ((so = wait_exit_option(a, o)) != 0) {
            if (so < 0)
                return -1;
        } else if (a[0] == '/') {
            /* Outlook's switches from a rewritten shortcut ("/select outlook:Inbox", "/profile
             * Work"): from the first one on, every argument is RunAfter's, passed on exactly as
             * received, so a switch's value is never mistaken for an option of ours. */
            for (; i < argc; i++)
                if (pm_cmdline_append(&o->pass_on, argv[i]) < 0) {
                    cli_error("update: out of memory");
                    return -1;
                }
            break;
        } else {
            cli_unknown_arg("update", a, update_options);
            usage(stderr);
            return -1;
        }
    }
    return cli_check_store("update", o->store) < 0 ? -1 : 0;
}

/* Prints the decisions (verbose or dry run); the library logged and counted them. */
static void print_decisions(const struct run *r, const struct pm_update *u)
{
    if (!r->o.verbose && !r->o.dry_run)
        return;
    for (size_t i = 0; i < u->plan.ndecisions; i++) {
        const struct pm_decision *d = &u->plan.decisions[i];
        const struct pm_profile *pr = &u->model.profiles[d->profile];
        const struct pm_account *a = &pr->accounts[d->account];
        const char *role = "account";
        if (d->section >= 0)
            role = pm_store_kind_name(a->sections[d->section].kind);
        printf("%-12s %-8s %s  %s  (%s)\n", pm_decision_name(d->kind), role, pr->name,
               d->dn ? d->dn : "-", d->reason);
    }
}

static void print_changes(const struct pm_update *u)
{
    struct pm_buf oldv = PM_BUF_INIT, newv = PM_BUF_INIT;
    for (size_t i = 0; i < u->plan.nedits; i++) {
        const struct pm_edit *e = &u->plan.edits[i];
        if (e->had_old)
            pm_mapi_format(e->name, e->old_type, e->old_data, e->old_len, &oldv);
        else {
            pm_buf_reset(&oldv);
            pm_buf_puts(&oldv, "(none)");
        }
        if (e->op == PM_EDIT_SET)
            pm_mapi_format(e->name, e->type, e->data, e->len, &newv);
        else {
            pm_buf_reset(&newv);
            pm_buf_puts(&newv, "(deleted)");
        }
        printf("  %s [%s] %s: %s -> %s\n", e->key, e->rule, e->name, oldv.data, newv.data);
    }
    pm_buf_release(&oldv);
    pm_buf_release(&newv);
}

static void report_in_use(struct run *r, const char *procs, const char *files)
{
    pm_log_event(r->log, PM_EV_IN_USE, PM_F_PROCESSES, procs && *procs ? procs : NULL, PM_F_FILES,
                 files && *files ? files : NULL, NULL);
    cli_error("the profile is in use (%s%s%s); nothing changed, run again after closing Outlook",
              procs ? procs : "", procs && *procs && files && *files ? "; " : "",
              files ? files : "");
}

/* Outlook or another MAPI client of this user, or an OST of an updated account held open by
 * any process: 1 in use, 0 free. WaitForOutlook gives the clients time to exit first; a watch
 * does not poll: it keeps the clients found in r->held and reports nothing yet. */
static int profile_in_use(struct run *r, const struct pm_update *u)
{
    struct pm_strlist found = PM_STRLIST_INIT;
    int watching = r->watch_seconds > 0;
    int in_use = cli_mapi_clients(r->cfg.mapi_clients, watching ? 0 : r->cfg.wait_for_outlook,
                                  r->log, &found) > 0;
    struct pm_buf procs = PM_BUF_INIT, files = PM_BUF_INIT;
    cli_join_names(&procs, &found);
    struct pm_strlist osts = PM_STRLIST_INIT;
    pm_update_osts(u, &osts);
    for (size_t i = 0; i < osts.n; i++)
        if (pm_os_file_in_use(osts.items[i]) > 0) {
            pm_buf_printf(&files, "%s%s", files.len ? "," : "", osts.items[i]);
            in_use = 1;
        }
    pm_strlist_release(&osts);
    pm_buf_reset(&r->held);
    /* Only processes can be waited for: an OST held with no client running is reported now. */
    if (in_use && watching && procs.len && !files.len)
        pm_buf_puts(&r->held, procs.data);
    else if (in_use)
        report_in_use(r, procs.data, files.data);
    pm_buf_release(&procs);
    pm_buf_release(&files);
    pm_strlist_release(&found);
    return in_use;
}

static void print_policy_warnings(const struct pm_update *u)
{
    for (size_t i = 0; i < u->plan.warnings.n; i++)
        fprintf(stderr, "profilemanager: warning: %s\n", u->plan.warnings.items[i]);
    for (size_t i = 0; i < u->policy.n; i++)
        fprintf(stderr, "profilemanager: warning: policy %s\\%s: %s\n", u->policy.items[i].key,
                u->policy.items[i].value, u->policy.items[i].msg);
    for (size_t i = 0; i < u->outside.n; i++) {
        const struct pm_outside_item *it = &u->outside.items[i];
        printf("  outside: HKCU\\%s%s%s = %s: %s (%s)\n", it->key, it->value ? "\\" : "",
               it->value ? it->value : "", it->data, it->msg,
               it->removable ? ((u->o.flags & PM_UPDATE_DRY_RUN) ? "would be removed"
                                                                 : "removed after backup")
                             : "reported");
    }
    cli_print_autod_files(u);
}

static int finish(struct run *r, int code, const char *why, int refuse_run_after)
{
    const struct pm_update_counts *n = &r->u.n;
    char counts[6][24], dur[24], ex[8];
    unsigned long v[6] = {n->updated, n->current, n->not_migrated,
                          n->skipped, n->failed,  n->policy_warnings};
    for (int i = 0; i < 6; i++)
        snprintf(counts[i], sizeof(counts[i]), "%lu", v[i]);
    snprintf(dur, sizeof(dur), "%" PM_PRIu64, PM_U64(pm_os_monotonic_ms() - r->t0));
    snprintf(ex, sizeof(ex), "%d", code);
    pm_log_event(r->log, PM_EV_RUN_END, PM_F_RESULT, pm_exit_name(code), PM_F_EXIT, ex,
                 PM_F_UPDATED, counts[0], PM_F_CURRENT, counts[1], PM_F_NOT_MIGRATED, counts[2],
                 PM_F_SKIPPED, counts[3], PM_F_FAILED, counts[4], PM_F_POLICY_WARNINGS, counts[5],
                 PM_F_REASON, why, PM_F_DURATION_MS, dur, NULL);
    if (r->have_cfg && r->cfg.run_after && *r->cfg.run_after) {
        if (r->o.dry_run && !r->o.run_after) {
            /* A dry run checks; it starts nothing unless asked to (--run-after). */
            pm_log_event(r->log, PM_EV_RUN_AFTER, PM_F_PROGRAM, r->cfg.run_after, PM_F_STARTED, "0",
                         PM_F_REASON, "dry_run", NULL);
        } else if (r->watch_seconds && !r->cfg.watch_run_after) {
            /* A watch runs from a task at logon and unlock, or after the user just closed
             * Outlook: starting it then is not ours to do, unless asked (WatchRunAfter). */
            pm_log_event(r->log, PM_EV_RUN_AFTER, PM_F_PROGRAM, r->cfg.run_after, PM_F_STARTED, "0",
                         PM_F_REASON, "watch", NULL);
        } else if (refuse_run_after) {
            pm_log_event(r->log, PM_EV_WARNING, PM_F_MSG,
                         "RunAfter not started: RequireReadOnlyConfig=yes and a file is writable",
                         NULL);
            cli_error("RunAfter not started: RequireReadOnlyConfig=yes and a file that decides "
                      "what runs can be changed by this user or others (see the warnings)");
        } else {
            struct pm_buf args = PM_BUF_INIT;
            const char *base = r->cfg.run_after_args ? r->cfg.run_after_args : "";
            pm_buf_printf(&args, "%s%s%s", base, *base && r->o.pass_on.len ? " " : "",
                          r->o.pass_on.len ? r->o.pass_on.data : "");
            int rc = pm_os_start_program(r->cfg.run_after, args.len ? args.data : NULL);
            pm_log_event(r->log, PM_EV_RUN_AFTER, PM_F_PROGRAM, r->cfg.run_after, PM_F_ARGS,
                         args.len ? args.data : NULL, PM_F_STARTED, rc == 0 ? "1" : "0", NULL);
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
    pm_log_event(r->log, PM_EV_ERROR, PM_F_MSG, buf, NULL);
    cli_error("%s", buf);
}

static void close_puf(struct run *r)
{
    if (r->puf)
        fclose(r->puf);
    r->puf = NULL;
    r->u.o.puf = NULL;
}

static void run_release(struct run *r)
{
    close_puf(r);
    pm_log_close(r->log);
    pm_buf_release(&r->exe_dir);
    pm_buf_release(&r->home);
    pm_buf_release(&r->user);
    pm_buf_release(&r->computer);
    pm_buf_release(&r->log_dir);
    pm_buf_release(&r->o.pass_on);
    pm_buf_release(&r->held);
    pm_buf_release(&r->puf_why);
    pm_buf_release(&r->idx_why);
    pm_buf_release(&r->cfg_why);
    pm_buf_release(&r->cache_path);
}

/* A file's identity and whether others can change it, in one call on the share (POSIX). */
static void probe_file(const char *path, struct pm_update_probe *p, struct pm_buf *why)
{
    pm_buf_reset(why);
    memset(p, 0, sizeof(*p));
    p->found = path && pm_os_file_id(path, &p->id, &p->others, why) == 0;
    p->why = why->data;
}

static void probe_puf(struct run *r)
{
    struct pm_buf idx = PM_BUF_INIT;
    probe_file(r->cfg.puf_file, &r->puf_probe, &r->puf_why);
    if (pm_puf_index_path(r->cfg.puf_file, &idx) == 0)
        probe_file(idx.data, &r->idx_probe, &r->idx_why);
    pm_buf_release(&idx);
}

/* The backup folder this run uses: the configured one (Logs\Backups by default), else the
 * fallback in the user's profile, said in the log and on stderr. 0, or <0 when no folder works
 * ('dir' then holds the first choice). */
static int backup_place(struct run *r, struct pm_buf *dir)
{
    int fallback = 0;
    struct pm_buf first = PM_BUF_INIT;
    const char *log_dir = r->log_dir.len ? r->log_dir.data : NULL;
    pm_update_backup_dir(&r->cfg, log_dir, r->home.data, &first);
    int rc = pm_update_backup_place(&r->cfg, log_dir, r->home.data, dir, &fallback);
    if (rc == 0 && fallback) {
        pm_log_event(r->log, PM_EV_WARNING, PM_F_MSG,
                     "cannot create or write the backup folder: backups go to the fallback",
                     PM_F_FILE, first.data, PM_F_FALLBACK, dir->data, NULL);
        fprintf(stderr,
                "profilemanager: warning: cannot write the backup folder '%s'; backups go to "
                "'%s'\n",
                first.data, dir->data);
    } else if (rc < 0) {
        pm_log_event(r->log, PM_EV_WARNING, PM_F_MSG,
                     "no backup folder can be created or written (nor the fallback)", PM_F_FILE,
                     first.data, NULL);
    }
    pm_buf_release(&first);
    return rc;
}

/* The run's steps (pm/update.h) between the lock and the end; returns the exit code and sets
 * *why to run.end's reason. */
/* The PUF readable, the profiles read, the PUF asked, the plan made and shown. Returns -1 to
 * go on, or the exit code. */
static int read_and_plan(struct run *r, const char **why)
{
    struct pm_update *u = &r->u;
    struct pm_error err;
    pm_error_clear(&err);
    /* After a watch's wait the PUF may have changed: its identity is taken again. */
    if (r->passes++ > 0)
        probe_puf(r);
    /* The PUF must be readable before anything else happens: this open is the check, and the
     * lookups read through it. A run whose local cache was made for the PUF as it is now
     * (same size, times and inode) opens it only if the cache lacks an answer (then
     * pm_update_resolve opens it and a failure stops the run the same way). */
    int cached = pm_update_cache_ready(u);
    if (!r->puf && !cached)
        r->puf = pm_os_fopen_rb(r->cfg.puf_file);
    if (!r->puf && !cached) {
        pm_error_set(&err, PM_ERR_IO, r->cfg.puf_file, 0,
                     pm_os_file_exists(r->cfg.puf_file) ? "cannot read the PUF"
                                                        : "the PUF does not exist");
        print_error_logged(r, &err);
        *why = "puf";
        return PM_EXIT_PUF;
    }
    u->o.puf = r->puf;

    struct diag_ctx model_diag = {r, PM_EV_WARNING};
    int rc = pm_update_read(u, diag, &model_diag, &err);
    if (rc < 0) {
        print_error_logged(r, &err);
        *why = "store";
        return !u->st && rc == PM_ERR_INVALID ? PM_EXIT_USAGE : PM_EXIT_STORE;
    }
#ifdef PM_TEST_HOOKS
    /* Test builds only: fail the Nth store mutation, to prove all-or-nothing from outside. */
    if (getenv("PM_FAULT_AT"))
        pm_store_fault_at(u->st, strtoul(getenv("PM_FAULT_AT"), NULL, 10));
    /* Test builds only: an offline store stands for the user's registry, and the cached
     * Autodiscover files of $LOCALAPPDATA are handled as on the user's PC. */
    if (getenv("PM_TEST_LIVE_FILES") && *getenv("PM_TEST_LIVE_FILES"))
        u->o.files_any_store = 1;
#endif
    struct diag_ctx puf_diag = {r, PM_EV_PUF_WARNING};
    rc = pm_update_resolve(u, diag, &puf_diag, &err);
    /* Asked: the PUF is not held while the profile is written (an administrator replacing it
     * then is not refused on Windows). */
    close_puf(r);
    if (rc < 0) {
        print_error_logged(r, &err);
        if (rc == PM_ERR_NOMEM)
            return PM_EXIT_STORE;
        *why = "puf";
        return PM_EXIT_PUF;
    }
    if (pm_update_plan(u, &err) < 0) {
        print_error_logged(r, &err);
        return PM_EXIT_STORE;
    }
    print_decisions(r, u);
    print_policy_warnings(u);
    return -1;
}

/* A dry run: the plan and where the backup would go, nothing written. */
static int show_dry_run(struct run *r, const char **why)
{
    struct pm_update *u = &r->u;
    struct pm_error err;
    pm_error_clear(&err);
    pm_update_apply(u, NULL, &err);
    if (r->cfg.backup && u->plan.nedits) {
        struct pm_buf bdir = PM_BUF_INIT;
        if (backup_place(r, &bdir) == 0)
            printf("dry run: the backup would be written to '%s'\n", bdir.data);
        else
            printf("dry run: no backup folder is writable ('%s', nor the fallback in the "
                   "user's profile): a real run would fail and change nothing\n",
                   bdir.data);
        pm_buf_release(&bdir);
    }
    print_changes(u);
    for (size_t i = 0; i < u->plan.nmoves; i++)
        printf("  file: would rename '%s' to '%s'\n", u->plan.moves[i].from, u->plan.moves[i].to);
    printf("dry run: %zu change(s) planned in %zu profile(s); nothing written\n", u->plan.nedits,
           pm_plan_profiles_touched(&u->plan, u->model.nprofiles));
    *why = "dry_run";
    return PM_EXIT_OK;
}

/* The backup written and every change made in one transaction, or nothing. */
static int write_update(struct run *r, const char **why)
{
    struct pm_update *u = &r->u;
    struct pm_error err;
    pm_error_clear(&err);
    struct pm_buf bdir = PM_BUF_INIT, bpath = PM_BUF_INIT, fdir = PM_BUF_INIT, fpath = PM_BUF_INIT;
    int brc = 0, direct = u->plan.nedits > 0;
    if (r->cfg.backup && direct) {
        /* The backup is written straight to its folder, made when missing; only when that
         * write fails does it go to the fallback in the user's profile (the library says so in
         * the log). No probe file first: on a share that is three round trips a run. */
        brc = pm_update_backup_dir(&r->cfg, r->log_dir.len ? r->log_dir.data : NULL, r->home.data,
                                   &bdir);
        if (brc == 0 && r->home.len && pm_update_backup_dir(NULL, NULL, r->home.data, &fdir) == 0 &&
            pm_name_casecmp(fdir.data, bdir.data) != 0)
            brc =
                pm_update_backup_path(fdir.data, r->computer.data, r->user.data, r->run_id, &fpath);
    } else if (r->cfg.backup) {
        /* Only settings outside the profile to remove: their backups go beside a path in a
         * folder known to work (no first write here to prove it). No usable folder: the first
         * choice is kept and the backup there fails (nothing changes). */
        backup_place(r, &bdir);
    }
    if (r->cfg.backup && (brc < 0 || pm_update_backup_path(bdir.data, r->computer.data,
                                                           r->user.data, r->run_id, &bpath) < 0)) {
        pm_buf_release(&bdir);
        pm_buf_release(&bpath);
        pm_buf_release(&fdir);
        pm_buf_release(&fpath);
        pm_error_set(&err, PM_ERR_NOMEM, NULL, 0, "out of memory");
        print_error_logged(r, &err);
        return PM_EXIT_ROLLED_BACK;
    }
    int rc = pm_update_apply_fallback(u, r->cfg.backup ? bpath.data : NULL,
                                      fpath.len ? fpath.data : NULL, &err);
    if (u->backup_fallback)
        fprintf(stderr,
                "profilemanager: warning: cannot write the backup folder '%s'; backups go to "
                "'%s'\n",
                bdir.data, fdir.data);
    pm_buf_release(&bdir);
    pm_buf_release(&bpath);
    pm_buf_release(&fdir);
    pm_buf_release(&fpath);
    if (rc == PM_ERR_BUSY && r->watch_seconds) {
        /* The gate saw a client start after the plan: nothing written, the watch goes on,
         * waiting for the clients the gate found (gone again already: the wait returns at once). */
        pm_buf_reset(&r->held);
        pm_buf_puts(&r->held, r->watch.started.data ? r->watch.started.data : "");
        u->n.failed = 0;
        *why = "in_use";
        return PM_EXIT_IN_USE;
    }
    if (rc == 0)
        r->commit_ms = pm_os_monotonic_ms();
    if (rc < 0) {
        print_error_logged(r, &err);
        *why = u->res.rolled_back ? "rolled back" : "backup failed, nothing changed";
        return u->res.rollback_failed ? PM_EXIT_DAMAGED : PM_EXIT_ROLLED_BACK;
    }
    if (r->o.verbose)
        print_changes(u);
    if (!u->live)
        for (size_t i = 0; i < u->plan.nmoves; i++)
            printf("  OST: a run on the user's PC renames '%s' to '%s'\n", u->plan.moves[i].from,
                   u->plan.moves[i].to);
    printf("updated %lu mailbox(es) in %zu profile(s) (%zu change(s)); %lu already current, %lu "
           "not migrated yet\n",
           u->n.updated, u->res.profiles_changed, u->res.edits_done, u->n.current,
           u->n.not_migrated);
    *why = "updated";
    return PM_EXIT_OK;
}

/* MAPI clients hold only the user's own registry. Test builds: PM_TEST_CLIENTS_OFFLINE=1 lets
 * a process named like a client hold an offline store too, so the watch is tested on POSIX. */
static int clients_matter(const struct run *r)
{
#ifdef PM_TEST_HOOKS
    if (getenv("PM_TEST_CLIENTS_OFFLINE"))
        return 1;
#endif
    return r->u.live;
}

static int run_steps(struct run *r, const char **why)
{
    struct pm_update *u = &r->u;
    int code = read_and_plan(r, why);
    if (code >= 0)
        return code;
    if (r->o.dry_run)
        return show_dry_run(r, why);
    if (u->plan.nedits == 0 && !pm_outside_removable(&u->outside)) {
        printf("nothing to do: %lu mailbox(es) already current, %lu not migrated yet\n",
               u->n.current, u->n.not_migrated);
        *why = "nothing_to_do";
        return PM_EXIT_OK;
    }
    if (clients_matter(r) && profile_in_use(r, u)) {
        u->n.updated = 0;
        *why = "in_use";
        return PM_EXIT_IN_USE;
    }
    return write_update(r, why);
}

/* The flags of the run's library steps. */
static unsigned update_flags(const struct run *r)
{
    unsigned f = (r->o.dry_run ? PM_UPDATE_DRY_RUN : 0) | (r->o.no_index ? PM_UPDATE_NO_INDEX : 0);
#ifdef PM_TEST_HOOKS
    /* Test builds only: the status key in a reg: or hive: store too, so its values can be
     * checked without Windows. */
    if (getenv("PM_TEST_STATUS_ANY_STORE"))
        f |= PM_UPDATE_STATUS_ANY_STORE;
#endif
    return f;
}

/* A run that stops because its config cannot be read still names the user: the status key says
 * so (ResultCode=3) in the registry the run would have updated, so a detection rule does not go on
 * reading the last good run's "done". */
static void status_without_config(struct run *r, const char *store_spec, int code)
{
    struct pm_update_opts uo = {0};
    uo.store_spec = store_spec;
    uo.flags = update_flags(r);
    uo.log = r->log;
    pm_update_begin(&r->u, NULL, &uo);
    pm_update_end(&r->u, code, r->log ? pm_log_path(r->log) : NULL);
}

/* prof.config loaded and the log opened where it says, with the run's first line and the
 * config's warnings. Returns -1 to go on, or the exit code of a run that stops here. */
static int load_config(struct run *r, const char *store_spec)
{
    struct pm_buf cfgpath = PM_BUF_INIT;
    if (r->o.config)
        pm_buf_puts(&cfgpath, r->o.config);
    else
        pm_path_join(&cfgpath, r->exe_dir.data, "prof.config");
    struct pm_error err;
    pm_error_clear(&err);
    /* The config's warnings wait for the log, which the config places. */
    struct pm_diag_list early = PM_DIAG_LIST_INIT;
    int others = -1;
    int rc = pm_config_load_trust(&r->cfg, cfgpath.data, &others, &r->cfg_why, pm_diag_collect,
                                  &early, &err);
    r->cfg_probe.found = others >= 0;
    r->cfg_probe.others = others > 0;
    r->cfg_probe.why = r->cfg_why.data;
    if (rc < 0) {
        /* No config: log where the defaults say, then stop at once. RunAfter is not known. */
        open_log(r, NULL);
        pm_log_event(r->log, PM_EV_RUN_START, PM_F_VERSION, PM_VERSION, PM_F_USER, r->user.data,
                     PM_F_COMPUTER, r->computer.data, PM_F_CONFIG, cfgpath.data, NULL);
        print_error_logged(r, &err);
        pm_buf_release(&cfgpath);
        pm_diag_list_release(&early);
        status_without_config(r, store_spec, PM_EXIT_CONFIG);
        return finish(r, PM_EXIT_CONFIG, "config", 0);
    }
    r->have_cfg = 1;
    open_log(r, r->cfg.log_folder);
    struct pm_buf exe = PM_BUF_INIT;
    char size[32] = "";
    /* The size from the one stat that also gives the PUF's identity (for the local cache) and
     * whether others can change it (the trust check); read_and_plan opens it when needed. */
    probe_puf(r);
    long long sz = r->puf_probe.found ? (long long)r->puf_probe.id.size : -1;
    if (sz >= 0)
        snprintf(size, sizeof(size), "%" PM_PRId64, PM_I64(sz));
    pm_os_exe_path(&exe);
    pm_log_event(r->log, PM_EV_RUN_START, PM_F_VERSION, PM_VERSION, PM_F_USER, r->user.data,
                 PM_F_COMPUTER, r->computer.data, PM_F_EXE, exe.data, PM_F_CONFIG, r->cfg.path,
                 PM_F_PUF, r->cfg.puf_file, PM_F_PUF_BYTES, sz >= 0 ? size : NULL, PM_F_STORE,
                 store_spec, PM_F_MODE, r->o.dry_run ? PM_MODE_DRY_RUN : PM_MODE_UPDATE, NULL);
    pm_buf_release(&exe);
    /* The config's warnings, now that the log is open. */
    struct diag_ctx cfg_diag = {r, PM_EV_CONFIG_WARNING};
    for (size_t i = 0; i < early.n; i++)
        diag(&cfg_diag, early.items[i].where, early.items[i].line, early.items[i].msg);
    /* The first of the log's write points (docs/log-format.md): a run that hangs or is killed
     * from here on has at least said that it started. */
    pm_log_flush(r->log);
    pm_diag_list_release(&early);
    pm_buf_release(&cfgpath);
    return -1;
}

/* The run under the user's single-run lock; the exit code. */
static int run_locked(struct run *r, const char **why)
{
    void *lock = NULL;
    if (r->watch_seconds) {
        int wrc = cli_watch_begin(&r->watch, r->cfg.mapi_clients, r->watch_seconds, r->log);
        if (wrc <= 0) {
            cli_watch_end(&r->watch, NULL, 0);
            cli_error("another profilemanager watch of this user is running; nothing changed");
            pm_log_event(r->log, PM_EV_ERROR, PM_F_MSG, "another watch holds the lock", NULL);
            /* The status key is the running watch's ("Waiting"): this run leaves it alone. */
            r->u.o.flags |= PM_UPDATE_NO_STATUS;
            *why = "watching";
            return PM_EXIT_LOCKED;
        }
        r->uo.gate = cli_watch_gate;
        r->uo.gate_ctx = &r->watch;
        r->u.o.gate = cli_watch_gate;
        r->u.o.gate_ctx = &r->watch;
    }
    int rc = pm_os_lock_acquire("update", r->cfg.lock_wait, &lock);
    if (rc <= 0) {
        cli_lock_refused(r->log, rc, "changed");
        *why = "locked";
        return PM_EXIT_LOCKED;
    }
    if (pm_os_lock_is_local(lock))
        pm_log_event(r->log, PM_EV_LOCK, PM_F_SCOPE, "session", PM_F_MSG,
                     "the machine-wide lock (Global\\) was refused: runs in other sessions "
                     "of this user are not excluded",
                     NULL);
    int code = run_steps(r, why);
    while (code == PM_EXIT_IN_USE && r->watch_seconds && r->held.len) {
        /* Nothing stays open while waiting: the store, the model, the update lock (a logon
         * script's run is not held up by the watch). Then the run starts again from the top:
         * the clients may have changed the profile. */
        pm_update_release(&r->u);
        close_puf(r);
        pm_os_lock_release(lock);
        lock = NULL;
        int w = cli_watch_wait(&r->watch, r->held.data, r->u.live ? r->uo.store_spec : NULL,
                               r->u.n.not_migrated, r->log ? pm_log_path(r->log) : NULL);
        struct pm_update_counts seen = r->u.n; /* what the status says if the time runs out */
        pm_update_begin(&r->u, &r->cfg, &r->uo);
        if ((rc = pm_os_lock_acquire("update", r->cfg.lock_wait, &lock)) <= 0) {
            lock = NULL;
            cli_lock_refused(r->log, rc, "changed");
            *why = "locked";
            code = PM_EXIT_LOCKED;
            break;
        }
        if (w != 0) {
            if (w < 0)
                pm_log_event(r->log, PM_EV_WARNING, PM_F_MSG,
                             "the MAPI clients cannot be waited for", NULL);
            report_in_use(r, r->held.data, NULL);
            r->u.n = seen;
            r->u.n.updated = 0;
            *why = "in_use";
            break;
        }
        code = run_steps(r, why);
    }
    if (r->watch_seconds)
        cli_watch_end(&r->watch, pm_exit_name(code), code == PM_EXIT_OK ? r->commit_ms : 0);
    /* Released after the status key and the log's last line are written. */
    r->lock = lock;
    return code;
}

int cmd_update(int argc, char **argv)
{
    struct run r;
    memset(&r, 0, sizeof(r));
    r.o.wait_exit = -1;
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

    int code = load_config(&r, store_spec);
    if (code >= 0) {
        run_release(&r);
        return code;
    }

    struct pm_update_opts *uo = &r.uo;
    uo->store_spec = store_spec;
    uo->flags = update_flags(&r);
    uo->log = r.log;
    uo->puf_probe = &r.puf_probe;
    uo->idx_probe = &r.idx_probe;
    uo->cfg_probe = r.cfg_probe.found ? &r.cfg_probe : NULL;
    /* The local answer cache, unless turned off (PufCache=no) or the PUF is to be read whole. */
    struct pm_buf state = PM_BUF_INIT;
    if (r.cfg.puf_cache && !r.o.no_index && pm_os_state_dir(&state) == 0 &&
        pm_path_join(&r.cache_path, state.data, PM_PUF_CACHE_FILE) == 0)
        uo->cache_path = r.cache_path.data;
    pm_buf_release(&state);
    pm_update_begin(&r.u, &r.cfg, uo);
    /* The watch: --wait-exit wins over WatchOutlook; a dry run writes nothing to wait for. */
    r.watch_seconds = r.o.wait_exit >= 0    ? r.o.wait_exit
                      : r.o.wait_exit == -2 ? (r.cfg.watch_outlook ? r.cfg.watch_outlook : 86400)
                                            : r.cfg.watch_outlook;
    if (r.o.dry_run)
        r.watch_seconds = 0;

    struct pm_strlist untrusted = PM_STRLIST_INIT;
    int refuse_run_after = pm_update_check_trust(&r.u, &untrusted);
    for (size_t i = 0; i < untrusted.n; i++)
        fprintf(stderr, "profilemanager: warning: %s\n", untrusted.items[i]);
    pm_strlist_release(&untrusted);

    const char *why = NULL;
    code = run_locked(&r, &why);

    pm_update_end(&r.u, code, r.log ? pm_log_path(r.log) : NULL);
    fflush(stdout);
    if (r.log && pm_log_path(r.log) && !r.o.dry_run)
        fprintf(stderr, "log: %s\n", pm_log_path(r.log));
    code = finish(&r, code, why, refuse_run_after);
    if (r.lock)
        pm_os_lock_release(r.lock);
    pm_config_release(&r.cfg);
    run_release(&r);
    return code;
}
