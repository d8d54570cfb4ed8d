/* The report as one self-contained HTML page (no scripts, no outside resources): tiles, a bar
 * of the states, the updates per day, problems by reason and the lists, each of the first
 * LIST_MAX rows. Built from the same view as the text report (report.c). */
#include "compat.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"
#include "pm/log.h"
#include "report-internal.h"

/* The widest a character of a value label (class val2, 11px) draws in the fonts the page asks
 * for: digits are 0.556 em in Arial and Segoe UI, so 6.6 px leaves room for a wider fallback. */
#define VAL2_CHAR_W 6.6
#define CHART_DAYS 60 /* bars in the per-day chart: the latest days that have updates */

static void h(struct pm_buf *b, const char *s)
{
    for (s = s ? s : ""; *s; s++) {
        switch (*s) {
        case '<':
            pm_buf_puts(b, "&lt;");
            break;
        case '>':
            pm_buf_puts(b, "&gt;");
            break;
        case '&':
            pm_buf_puts(b, "&amp;");
            break;
        case '"':
            pm_buf_puts(b, "&quot;");
            break;
        case '\'':
            pm_buf_puts(b, "&#39;");
            break;
        default:
            pm_buf_putc(b, *s);
        }
    }
}

static void tile(struct pm_buf *b, const char *label, unsigned n, const char *sub,
                 const char *color)
{
    pm_buf_printf(b,
                  "<div class=tile style=\"border-top:6px solid %s\"><div class=num>%u</div>"
                  "<div class=lab>",
                  color, n);
    h(b, label);
    pm_buf_puts(b, "</div><div class=sub>");
    h(b, sub);
    pm_buf_puts(b, "</div></div>\n");
}

static void chart_states(struct pm_buf *b, const struct pm_report_totals *t)
{
    unsigned max = 1;
    int rows = 0;
    for (int s = 0; s < PM_RS_COUNT; s++) {
        if (s == PM_RS_NEVER_RAN && !t->roster)
            continue;
        rows++;
        if (t->status[s] > max)
            max = t->status[s];
    }
    int rowh = 34, w = 1040, lw = 190, bw = w - lw - 110;
    pm_buf_printf(
        b,
        "<svg class=\"chart\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
        "aria-label=\"State totals\">\n",
        w, rows * rowh + 10, w, rows * rowh + 10);
    int y = 5;
    for (int s = 0; s < PM_RS_COUNT; s++) {
        if (s == PM_RS_NEVER_RAN && !t->roster)
            continue;
        int len = (int)((double)t->status[s] / max * bw);
        if (t->status[s] && len < 2)
            len = 2;
        pm_buf_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" class=\"lbl\">%s</text>",
                      lw - 10, y + 21, report_status_labels[s]);
        pm_buf_printf(b,
                      "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"3\" fill=\"%s\"/>",
                      lw, y + 4, len, rowh - 8, report_status_colors[s]);
        pm_buf_printf(b, "<text x=\"%d\" y=\"%d\" class=\"val\">%u</text>\n", lw + len + 8, y + 21,
                      t->status[s]);
        y += rowh;
    }
    pm_buf_puts(b, "</svg>\n");
}

static void chart_days(struct pm_buf *b, const struct view *v)
{
    if (!v->ndays) {
        pm_buf_puts(b, "<p class=\"muted\">No mailbox was updated in the logs read.</p>\n");
        return;
    }
    /* The last CHART_DAYS days that have updates, oldest first. */
    size_t first = v->ndays > CHART_DAYS ? v->ndays - CHART_DAYS : 0, n = v->ndays - first;
    unsigned long max = 1;
    for (size_t i = first; i < v->ndays; i++)
        if (v->days[i].n > max)
            max = v->days[i].n;
    int w = 1040, hgt = 300, left = 70, bottom = 60, top = 20;
    int pw = w - left - 20, ph = hgt - bottom - top;
    double slot = (double)pw / (double)n;
    double barw = slot * 0.75 > 40 ? 40 : slot * 0.75;
    pm_buf_printf(
        b,
        "<svg class=\"chart\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
        "aria-label=\"Mailboxes updated per day\">\n",
        w, hgt, w, hgt);
    /* Round ticks (0, 2,500, 5,000, ...): the axis ends at the first tick at or above the peak. */
    unsigned long step = pm_chart_step(max, 5);
    unsigned long ticks = max / step + (max % step != 0);
    max = ticks * step;
    char num[32];
    for (unsigned long g = 0; g <= ticks; g++) {
        int gy = top + ph - (int)((double)ph * (double)g / (double)ticks + 0.5);
        pm_chart_number(num, sizeof(num), g * step);
        pm_buf_printf(b, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" class=\"grid\"/>", left,
                      left + pw, gy, gy);
        pm_buf_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" class=\"axis\">%s</text>\n",
                      left - 6, gy + 4, num);
    }
    /* Value labels only where they fit beside the ones already placed, peaks first, so many
     * days never print numbers over each other (a bar's exact count is in its tooltip). */
    double lx[CHART_DAYS], lw[CHART_DAYS];
    unsigned long lv[CHART_DAYS];
    unsigned char show[CHART_DAYS];
    for (size_t i = 0; i < n; i++) {
        lv[i] = v->days[first + i].n;
        pm_chart_number(num, sizeof(num), lv[i]);
        lx[i] = left + slot * (double)i + slot / 2;
        lw[i] = VAL2_CHAR_W * (double)strlen(num);
    }
    pm_chart_pick_labels(lx, lw, lv, n, 3.0, show);
    size_t every = n > 15 ? (n + 14) / 15 : 1;
    for (size_t i = 0; i < n; i++) {
        const struct dayc *d = &v->days[first + i];
        int bh = (int)((double)d->n / (double)max * ph);
        double x = left + slot * (double)i + (slot - barw) / 2;
        pm_buf_printf(
            b,
            "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"><title>%.10s: %lu"
            "</title></rect>",
            x, top + ph - bh, barw, bh, report_status_colors[PM_RS_UPDATED], d->day, d->n);
        if (show[i]) {
            pm_chart_number(num, sizeof(num), d->n);
            pm_buf_printf(
                b, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" class=\"val2\">%s</text>",
                x + barw / 2, top + ph - bh - 4, num);
        }
        if (i % every == 0)
            pm_buf_printf(b,
                          "<text transform=\"translate(%.1f %d) rotate(-40)\" "
                          "text-anchor=\"end\" class=\"axis\">%.10s</text>",
                          x + barw / 2, top + ph + 14, d->day);
        pm_buf_putc(b, '\n');
    }
    pm_buf_puts(b, "</svg>\n");
}

static void machine_table(struct out *o, const struct view *v, enum pm_report_status s,
                          const char *title)
{
    struct pm_buf *b = &o->b;
    unsigned total = v->t.status[s];
    if (!total)
        return;
    pm_buf_printf(b,
                  "<h2>%s <span class=count>%u</span></h2>\n<table><tr><th>User</th>"
                  "<th>Computer</th><th>Last run</th><th>Why</th></tr>\n",
                  title, total);
    unsigned shown = 0;
    for (size_t i = 0; i < v->n && shown < LIST_MAX; i++) {
        const struct machine *m = v->m[i];
        if (m->status != s)
            continue;
        shown++;
        pm_buf_puts(b, "<tr><td>");
        h(b, m->user);
        pm_buf_puts(b, "</td><td>");
        h(b, m->computer);
        pm_buf_puts(b, "</td><td>");
        h(b, m->end);
        pm_buf_puts(b, "</td><td>");
        h(b, m->reason);
        pm_buf_puts(b, "</td></tr>\n");
        report_drain(o, 0);
    }
    pm_buf_puts(b, "</table>\n");
    if (shown < total)
        pm_buf_printf(b, "<p class=muted>%u more in the CSV report.</p>\n", total - shown);
}

int pm_report_html(const struct pm_report *r, long long now, struct pm_buf *out)
{
    struct pm_report_sink sink = {report_buf_write, out};
    return pm_report_html_to(r, now, &sink);
}

/* The page head: the style sheet is inline so the report is one file that can be mailed or
 * opened from a share with no network. */
static void html_head(struct pm_buf *out)
{
    pm_buf_puts(out, "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>\n"
                     "<meta name=viewport content=\"width=device-width, initial-scale=1\">\n"
                     "<title>Outlook profile migration report</title>\n<style>\n"
                     "body{font-family:'Segoe UI',Arial,Helvetica,sans-serif;margin:24px 40px;"
                     "color:#222;background:#fafafa}\n"
                     "h1{font-size:28px;margin:0 0 4px}h2{font-size:20px;margin:28px 0 8px}\n"
                     ".muted{color:#666}.count{color:#666;font-weight:normal}\n"
                     ".tiles{display:flex;flex-wrap:wrap;gap:14px;margin:18px 0;max-width:1040px}\n"
                     ".tile{background:#fff;box-shadow:0 1px 3px #0002;padding:12px 18px;"
                     "flex:1 1 150px;border-radius:4px}\n"
                     ".num{font-size:34px;font-weight:600}.lab{font-size:15px}"
                     ".sub{font-size:13px;color:#666}\n"
                     ".chart{background:#fff;box-shadow:0 1px 3px #0002;border-radius:4px;"
                     "max-width:100%;height:auto}\n"
                     ".lbl{font-size:15px;fill:#222}.val{font-size:15px;font-weight:600;fill:#222}"
                     ".val2{font-size:11px;fill:#333}.axis{font-size:12px;fill:#555}"
                     ".grid{stroke:#e3e3e3}\n"
                     "table{border-collapse:collapse;background:#fff;box-shadow:0 1px 3px #0002;"
                     "font-size:14px}\n"
                     "th,td{text-align:left;padding:5px 12px;border-bottom:1px solid #eee;"
                     "vertical-align:top}\nth{background:#f0f0f0}td.n{text-align:right}\n"
                     "</style></head><body>\n<h1>Outlook profile migration</h1>\n<p class=muted>");
}

/* The summary: tiles, the state chart, the mailbox counts and the per-day chart, what a manager
 * reads before scrolling to the lists. */
static void html_summary(struct pm_buf *out, const struct view *v, long long now)
{
    const struct pm_report_totals *t = &v->t;
    char ts[32];
    pm_log_timestamp(now, ts);
    unsigned all = t->machines + t->status[PM_RS_NEVER_RAN];
    unsigned done = t->status[PM_RS_UPDATED] + t->status[PM_RS_CURRENT];
    pm_buf_printf(out,
                  "Report of %s &middot; %u log files &middot; latest run of each user "
                  "on each computer</p>\n<div class=tiles>\n",
                  ts, t->files);
    char sub[128];
    snprintf(sub, sizeof(sub), "%.1f%% of %u (updated or already current)",
             all ? 100.0 * done / all : 0.0, all);
    tile(out, "Done", done, sub, report_status_colors[PM_RS_UPDATED]);
    tile(out, "Not migrated yet", t->status[PM_RS_NOT_MIGRATED], "mailbox not in the PUF yet",
         report_status_colors[PM_RS_NOT_MIGRATED]);
    tile(out, "Deferred", t->status[PM_RS_DEFERRED], "Outlook was running: retried at next logon",
         report_status_colors[PM_RS_DEFERRED]);
    tile(out, "Failed", t->status[PM_RS_FAILED], "see the reasons below",
         report_status_colors[PM_RS_FAILED]);
    if (t->roster)
        tile(out, "Never ran", t->status[PM_RS_NEVER_RAN], "in the roster, no log",
             report_status_colors[PM_RS_NEVER_RAN]);
    pm_buf_puts(out, "</div>\n<h2>Users and computers by state</h2>\n");
    chart_states(out, t);
    pm_buf_printf(out,
                  "<p>Mailboxes in the latest runs: <b>%u</b> updated, <b>%u</b> already "
                  "current, <b>%u</b> not migrated yet, <b>%u</b> deferred, <b>%u</b> skipped, "
                  "<b>%u</b> failed",
                  t->mbx_updated, t->mbx_current, t->mbx_not_migrated, t->mbx_deferred,
                  t->mbx_skipped, t->mbx_failed);
    if (t->mbx_would_update)
        pm_buf_printf(out, ", <b>%u</b> would be updated (dry runs)", t->mbx_would_update);
    pm_buf_printf(out, ". Policy warnings on <b>%u</b> users/computers.</p>\n", t->policy_machines);
    pm_buf_puts(out, "<h2>Mailboxes updated per day</h2>\n");
    chart_days(out, v);
}

/* Problems grouped by reason, so one broken rule is one row and not a thousand machines. */
static void html_groups(struct out *o, const struct view *v)
{
    struct pm_buf *out = &o->b;
    if (!v->ngroups)
        return;
    pm_buf_puts(out, "<h2>Problems by reason</h2>\n<table><tr><th>Count</th><th>Kind</th>"
                     "<th>Reason (example)</th></tr>\n");
    for (size_t i = 0; i < v->ngroups && i < LIST_MAX; i++) {
        pm_buf_printf(out, "<tr><td class=n>%u</td><td>", v->groups[i].count);
        h(out, v->groups[i].kind);
        pm_buf_puts(out, "</td><td>");
        h(out, v->groups[i].example[0] ? v->groups[i].example : "(no reason logged)");
        pm_buf_puts(out, "</td></tr>\n");
        report_drain(o, 0);
    }
    pm_buf_puts(out, "</table>\n");
}

/* Roster entries with no log at all: the tool never ran there. */
static void html_never(struct out *o, const struct view *v)
{
    struct pm_buf *out = &o->b;
    if (!v->nnever)
        return;
    pm_buf_printf(out,
                  "<h2>Never ran <span class=count>%zu</span></h2>\n<table><tr>"
                  "<th>User</th><th>Computer</th></tr>\n",
                  v->nnever);
    for (size_t i = 0; i < v->nnever && i < LIST_MAX; i++) {
        pm_buf_puts(out, "<tr><td>");
        h(out, v->never[i]->user);
        pm_buf_puts(out, "</td><td>");
        h(out, v->never[i]->computer);
        pm_buf_puts(out, "</td></tr>\n");
        report_drain(o, 0);
    }
    pm_buf_puts(out, "</table>\n");
    if (v->nnever > LIST_MAX)
        pm_buf_printf(out, "<p class=muted>%zu more in the CSV report.</p>\n",
                      v->nnever - LIST_MAX);
}

/* Machines whose latest run raised a policy warning, with the first warning as the example. */
/* One row per user and computer whose latest run left items of list 'which': its first item,
 * or all of them. The heading (one %u) gives the count. */
static void html_machine_list(struct out *o, const struct view *v, const char *heading,
                              unsigned count, const char *column, enum mlist which, int all)
{
    struct pm_buf *out = &o->b;
    if (!count)
        return;
    pm_buf_puts(out, "<h2>");
    pm_buf_printf(out, heading, count);
    pm_buf_puts(out, "</h2>\n");
    pm_buf_printf(out, "<table><tr><th>User</th><th>Computer</th><th>%s</th></tr>\n", column);
    unsigned shown = 0;
    for (size_t i = 0; i < v->n && shown < LIST_MAX; i++) {
        const struct machine *m = v->m[i];
        unsigned n = m->nlist[which];
        if (!n)
            continue;
        shown++;
        pm_buf_puts(out, "<tr><td>");
        h(out, m->user);
        pm_buf_puts(out, "</td><td>");
        h(out, m->computer);
        pm_buf_puts(out, "</td><td>");
        const char *item = m->list[which];
        for (unsigned j = 0; j < (all ? n : 1); j++, item = report_next(item)) {
            pm_buf_puts(out, j ? ", " : "");
            h(out, item);
        }
        if (!all && n > 1)
            pm_buf_printf(out, " (+%u more)", n - 1);
        pm_buf_puts(out, "</td></tr>\n");
        report_drain(o, 0);
    }
    pm_buf_puts(out, "</table>\n");
}

static void html_policy(struct out *o, const struct view *v)
{
    html_machine_list(o, v, "Policy warnings <span class=count>%u</span>", v->t.policy_machines,
                      "Warning", MLIST_POLICY, 0);
}

static void html_outside(struct out *o, const struct view *v)
{
    html_machine_list(o, v, "Settings that send Outlook to the source: %u computers",
                      v->t.outside_machines, "Settings", MLIST_OUTSIDE, 1);
}

static void html_security(struct out *o, const struct view *v)
{
    html_machine_list(o, v,
                      "Files others can change (security warnings) <span class=count>%u</span>",
                      v->t.security_machines, "Warning", MLIST_SECURITY, 0);
}

/* Log files that could not be read whole, so the counts above may miss runs. */
static void html_bad_files(struct out *o, const struct pm_report *r)
{
    struct pm_buf *out = &o->b;
    if (!r->nbad)
        return;
    pm_buf_printf(out,
                  "<h2>Corrupt or truncated logs <span class=count>%zu</span></h2>\n"
                  "<table><tr><th>File</th><th>Problem</th><th>Bad lines</th>"
                  "<th>First at line</th></tr>\n",
                  r->nbad);
    for (size_t i = 0; i < r->nbad && i < LIST_MAX; i++) {
        pm_buf_puts(out, "<tr><td>");
        h(out, r->bad[i].file);
        pm_buf_puts(out, "</td><td>");
        h(out, r->bad[i].why);
        pm_buf_printf(out, "</td><td class=n>%u</td><td class=n>%u</td></tr>\n",
                      r->bad[i].bad_lines, r->bad[i].first_bad);
        report_drain(o, 0);
    }
    pm_buf_puts(out, "</table>\n");
}

/* Logs left out because they speak for another user; listed so a forged log is seen, not
 * silently dropped. */
static void html_claims(struct out *o, const struct pm_report *r)
{
    struct pm_buf *out = &o->b;
    if (!r->nclaims)
        return;
    pm_buf_printf(out,
                  "<h2>Logs that claim another user <span class=count>%zu</span></h2>\n"
                  "<p class=muted>Left out of every count: a log counts only for the user "
                  "and computer of its file name.</p>\n"
                  "<table><tr><th>File</th><th>Claims</th></tr>\n",
                  r->nclaims);
    for (size_t i = 0; i < r->nclaims && i < LIST_MAX; i++) {
        const struct claim *c = &r->claims[i];
        pm_buf_puts(out, "<tr><td>");
        h(out, c->file);
        pm_buf_puts(out, "</td><td>");
        if (c->owner) {
            pm_buf_puts(out, "file owned by ");
            h(out, c->owner);
        } else {
            pm_buf_puts(out, "user ");
            h(out, c->user ? c->user : "(none)");
            pm_buf_puts(out, " on computer ");
            h(out, c->computer ? c->computer : "(none)");
        }
        pm_buf_puts(out, "</td></tr>\n");
        report_drain(o, 0);
    }
    pm_buf_puts(out, "</table>\n");
    if (r->nclaims > LIST_MAX)
        pm_buf_printf(out, "<p class=muted>%zu more.</p>\n", r->nclaims - LIST_MAX);
}

int pm_report_html_to(const struct pm_report *r, long long now, const struct pm_report_sink *sink)
{
    struct view v;
    struct out o;
    int rc = report_open(r, sink, &v, &o);
    if (rc < 0)
        return rc;
    html_head(&o.b);
    html_summary(&o.b, &v, now);
    html_groups(&o, &v);
    report_drain(&o, 0);
    machine_table(&o, &v, PM_RS_FAILED, "Failed");
    machine_table(&o, &v, PM_RS_DEFERRED, "Deferred (in use)");
    machine_table(&o, &v, PM_RS_INCOMPLETE, "Incomplete runs");
    machine_table(&o, &v, PM_RS_NOT_MIGRATED, "Not migrated yet");
    machine_table(&o, &v, PM_RS_DRY_RUN, "Dry run only");
    html_never(&o, &v);
    html_policy(&o, &v);
    html_outside(&o, &v);
    html_security(&o, &v);
    html_bad_files(&o, r);
    html_claims(&o, r);
    pm_buf_puts(&o.b, "</body></html>\n");
    report_view_release(&v);
    return report_out_end(&o);
}
