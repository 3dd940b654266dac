/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The audit view: draws the page of recorded tasks that the audit pager (db/pager.h) holds. */
#include <config.h>

#include <glib.h>
#include <string.h>

#include "base/hresult.h"
#include "base/i18n.h"
#include "base/time.h"
#include "core/logoff.h"
#include "db/pager.h"
#include "tui/view.h"

/*
 * Drawing reads only what the pager holds: no query runs here. The console
 * tells the pager how many rows fit (gos_view_audit_page_rows) and has it
 * read what is stale before it draws.
 */

/* Lines under the list that summarise the task under the cursor. */
#define PREVIEW_LINES 4

/* Column where values start in the task detail. */
#define VALUE_X 18

int gos_view_audit_page_rows(WINDOW *w)
{
    int page = w ? getmaxy(w) - 2 - PREVIEW_LINES : 1;
    return page < 1 ? 1 : page;
}

/* --- drawing --------------------------------------------------------------- */

static const char *result_text(const gos_audit_task *r)
{
    /* A task not ended yet: still queued (its last phase is the queue's), or running. */
    if (r->task_result == GOS_RESULT_NONE && !r->ended_at)
        return r->phase && !strcmp(r->phase, "queued") ? C_("task", "queued") : C_("task", "running");
    if (r->task_result == GOS_RESULT_NONE)
        return "-";
    const char *name = gos_result_name(r->task_result);
    return name ? name : "?";
}

static gos_role result_role(const gos_audit_task *r)
{
    if (r->task_result == GOS_RESULT_SUCCESS)
        return GOS_ROLE_OK;
    if (r->task_result == GOS_RESULT_NONE)
        return r->ended_at ? GOS_ROLE_NORMAL : GOS_ROLE_RUNNING;
    if (r->task_result == GOS_RESULT_INTERRUPTED)
        return GOS_ROLE_WARN;
    return GOS_ROLE_ERROR;
}

/* "0xA0040505 VM_E_ADDITIONS_FEATURE_NOT_AVAIL", newly allocated; "-" when absent. */
static char *hr_text(bool has, uint32_t hr)
{
    char buf[GOS_HR_FORMAT_LEN];
    return g_strdup(has ? gos_hr_format(hr, buf, sizeof buf) : "-");
}

static const char *or_dash(const char *s)
{
    return s && *s ? s : "-";
}

/* Line 0: what is shown (the filter in force), and how the reading goes. */
static void draw_title(WINDOW *w, const gos_pager *p, int width)
{
    attr_t h = gos_draw_attr(GOS_ROLE_HEADER) | A_BOLD;
    gos_draw_fill(w, 0, 0, width, h);
    /* The top line of the frame says "Audit log" already: all the room is the filter's. */
    const char *filter = gos_pager_filter_text(p);
    char *left = *filter
                     /* TRANSLATORS: the audit view's title with the filter words in force. */
                     ? g_strdup_printf(_("Filter: %s"), filter)
                     /* TRANSLATORS: the audit view's title without a filter. */
                     : g_strdup(_("All tasks, newest first"));
    char *right = gos_pager_busy(p)
                      /* TRANSLATORS: the audit view while a slow query runs on its worker. */
                      ? g_strconcat(_("Searching"), gos_draw_unicode() ? "\u2026" : "...", NULL)
                      : g_strdup("");
    int rw = gos_text_width(right) + 1;
    if (rw > width / 2)
        rw = width / 2;
    gos_draw_text(w, 0, 1, width - rw - 2, h, left, false);
    gos_draw_text_right(w, 0, width - rw, rw - 1, h, right);
    g_free(left);
    g_free(right);
}

/* Where the page stands, at the right of the column headers. */
static void draw_position(WINDOW *w, const gos_pager *p, int x, int width, attr_t h)
{
    bool newer = gos_pager_newer(p), older = gos_pager_older(p);
    /* TRANSLATORS: the audit view: more tasks are above (newer) or below (older) the page. */
    const char *where = newer && older ? _("more above and below")
                        : newer ? _("more above")
                        : older ? _("more below") : "";
    int ww = gos_text_width(where);
    if (*where && ww + 1 < width - x)
        gos_draw_text_right(w, 1, width - ww - 1, ww, h, where);
}

/* Every field of a task, one per line; long values wrap at their column. */
static void build_detail(gos_lines *l, const gos_audit_task *r)
{
    char buf[64], num[32];

    /* Fields that belong together share a line, so that a whole task fits
     * on 80x24; the page keys scroll what does not. */
    /* TRANSLATORS: the task id and its key in the audit log (the id of its first event). */
    char *task = g_strdup_printf(_("%s (audit key %lld)"), or_dash(r->task_id), (long long)r->key);
    /* TRANSLATORS: labels of the audit task detail; the values start at column 18. */
    gos_lines_pair(l, VALUE_X, _("Task"), GOS_ROLE_NORMAL, task);
    g_free(task);
    gos_lines_pair(l, VALUE_X, _("Host"), GOS_ROLE_NORMAL, or_dash(r->host));
    /* TRANSLATORS: a VM's name and its UUID. */
    char *vm = g_strdup_printf(_("%s (UUID %s)"), or_dash(r->vm_name), or_dash(r->vm_uuid));
    gos_lines_pair(l, VALUE_X, _("VM"), GOS_ROLE_NORMAL, vm);
    g_free(vm);
    gos_lines_pair(l, VALUE_X, _("Action"), GOS_ROLE_NORMAL, or_dash(r->action));
    /* TRANSLATORS: the operator's user name and numeric uid. */
    char *op = g_strdup_printf(_("%s (uid %lld)"), or_dash(r->op_user), (long long)r->op_uid);
    gos_lines_pair(l, VALUE_X, _("Operator"), GOS_ROLE_NORMAL, op);
    g_free(op);
    gos_lines_pair(l, VALUE_X, _("Terminal"), GOS_ROLE_NORMAL, or_dash(r->op_tty));
    gos_lines_pair(l, VALUE_X, _("SSH client"), GOS_ROLE_NORMAL, r->op_ssh ? r->op_ssh : _("none (local)"));
    gos_lines_pair(l, VALUE_X, _("Origin"), GOS_ROLE_NORMAL, or_dash(r->origin));
    /* UTC, as the filters read times and the exports write them. */
    char *at = g_strconcat(gos_time_utc(r->submitted_at, buf, sizeof buf), " UTC", NULL);
    gos_lines_pair(l, VALUE_X, _("Submitted"), GOS_ROLE_NORMAL, at);
    g_free(at);
    at = r->ended_at ? g_strconcat(gos_time_utc(r->ended_at, buf, sizeof buf), " UTC", NULL) : g_strdup(_("not ended"));
    gos_lines_pair(l, VALUE_X, _("Ended"), GOS_ROLE_NORMAL, at);
    g_free(at);
    /* The phase in the reader's words, and as stored (the exports' word) when they differ. */
    const char *stored = or_dash(r->phase);
    const char *label = r->phase && *r->phase ? gos_phase_label(r->phase) : stored;
    char *named = strcmp(label, stored) ? g_strdup_printf("%s (%s)", label, stored) : g_strdup(label);
    char *phase = r->percent >= 0 ? g_strdup_printf("%s, %d%%", named, r->percent) : g_strdup(named);
    g_free(named);
    gos_lines_pair(l, VALUE_X, _("Phase"), GOS_ROLE_NORMAL, phase);
    g_free(phase);
    gos_lines_pair(l, VALUE_X, _("Result"), result_role(r), result_text(r));
    /* The description once when the call and the task say the same. */
    bool same = r->has_call_hr && r->has_task_error && r->call_hr == r->task_error;
    char *call = hr_text(r->has_call_hr, r->call_hr);
    gos_lines_pair(l, VALUE_X, _("Call HRESULT"), GOS_ROLE_NORMAL, call);
    g_free(call);
    if (r->has_call_hr && !same)
        gos_lines_add(l, GOS_ROLE_NORMAL, -1, NULL, GOS_ROLE_DIM, VALUE_X, gos_hr_describe(r->call_hr),
                      GOS_ROLE_NORMAL, -1, NULL);
    char *error = hr_text(r->has_task_error, r->task_error);
    gos_lines_pair(l, VALUE_X, _("Task Error"), r->has_task_error && gos_hr_failed(r->task_error)
                   ? GOS_ROLE_ERROR : GOS_ROLE_NORMAL, error);
    g_free(error);
    if (r->has_task_error)
        gos_lines_add(l, GOS_ROLE_NORMAL, -1, NULL, GOS_ROLE_DIM, VALUE_X, gos_hr_describe(r->task_error),
                      GOS_ROLE_NORMAL, -1, NULL);
    if (r->virt_code)
        g_snprintf(num, sizeof num, "%d", r->virt_code);
    gos_lines_pair(l, VALUE_X, _("libvirt error"), GOS_ROLE_NORMAL, r->virt_code ? num : _("none"));
    gos_lines_pair(l, VALUE_X, _("Message"), GOS_ROLE_NORMAL, or_dash(r->message));
    /* One name per user, a name with a comma in quotes: "alice, \"a,b\"". */
    char *ub = gos_audit_users_json_text(r->users_before_json), *ua = gos_audit_users_json_text(r->users_after_json);
    const char *before = ub ? (*ub ? ub : _("none")) : _("unknown");
    const char *after = ua ? (*ua ? ua : _("none")) : _("unknown");
    /* TRANSLATORS: the users logged on before and after the task. */
    char *users = g_strdup_printf(_("before: %s; after: %s"), before, after);
    gos_lines_pair(l, VALUE_X, _("Users"), GOS_ROLE_NORMAL, users);
    g_free(users);
    g_free(ub);
    g_free(ua);
}

/* The few lines under the list: who, and what came of it. */
static void draw_preview(WINDOW *w, int y, int width, const gos_audit_task *r)
{
    gos_draw_hline(w, y, 0, width, gos_draw_attr(GOS_ROLE_DIM));
    for (int i = 1; i < PREVIEW_LINES; i++)
        gos_draw_fill(w, y + i, 0, width, A_NORMAL);
    if (!r)
        return;
    /* TRANSLATORS: audit preview: operator, uid, terminal, SSH client (or "local"), origin. */
    char *l1 = g_strdup_printf(_("By %s (uid %lld) on %s from %s, %s"), or_dash(r->op_user),
                               (long long)r->op_uid, or_dash(r->op_tty), r->op_ssh ? r->op_ssh : _("local"),
                               or_dash(r->origin));
    bool has = r->has_task_error || (r->has_call_hr && gos_hr_failed(r->call_hr));
    uint32_t hr = r->has_task_error ? r->task_error : r->call_hr;
    char hrbuf[GOS_HR_FORMAT_LEN];
    char *l2 = has ? g_strdup_printf("%s: %s", gos_hr_format(hr, hrbuf, sizeof hrbuf), gos_hr_describe(hr))
                   : g_strdup(result_text(r));
    gos_draw_text(w, y + 1, 1, width - 1, A_NORMAL, l1, false);
    gos_draw_text(w, y + 2, 1, width - 1, has && gos_hr_failed(hr) ? gos_draw_attr(GOS_ROLE_ERROR) : A_NORMAL,
                  l2, false);
    gos_draw_text(w, y + 3, 1, width - 1, gos_draw_attr(GOS_ROLE_DIM), or_dash(r->message), false);
    g_free(l1);
    g_free(l2);
}

void gos_view_audit_draw(WINDOW *w, gos_pager *p)
{
    int width = getmaxx(w), height = getmaxy(w);
    int page = gos_view_audit_page_rows(w);
    bool busy = gos_pager_busy(p);
    const char *error = gos_pager_error(p);

    draw_title(w, p, width);
    for (int y = 1; y < height; y++)
        gos_draw_fill(w, y, 0, width, A_NORMAL);
    const gos_audit_task *cur = gos_pager_current(p);

    if (busy && !gos_pager_loaded(p)) {
        gos_draw_text(w, 2, 2, width - 4, gos_draw_attr(GOS_ROLE_DIM),
                      _("Reading the audit log; the console goes on meanwhile."), false);
        return;
    }
    if (gos_pager_detail(p) && cur) {
        gos_lines *l = gos_lines_new(width);
        build_detail(l, cur);
        int top = gos_pager_detail_top(p);
        gos_lines_draw(l, w, 1, height - 1, &top);
        gos_pager_detail_clamp(p, top);
        gos_lines_free(l);
        return;
    }

    bool wide = width >= 100;
    int w_time = wide ? 19 : 14, w_vm = wide ? 20 : 14, w_action = 7, w_result = 16;
    int x_vm = w_time + 1, x_action = x_vm + w_vm + 1, x_result = x_action + w_action + 1;
    int x_error = x_result + w_result + 1;

    attr_t h = gos_draw_attr(GOS_ROLE_HEADER);
    gos_draw_fill(w, 1, 0, width, h);
    /* TRANSLATORS: column headers of the audit view; the columns are narrow. */
    /* TRANSLATORS: the audit view's time column, in UTC as its filters; at most 14 columns. */
    gos_draw_text(w, 1, 0, w_time, h, _("Submitted UTC"), false);
    gos_draw_text(w, 1, x_vm, w_vm, h, _("VM"), false);
    gos_draw_text(w, 1, x_action, w_action, h, _("Action"), false);
    gos_draw_text(w, 1, x_result, w_result, h, _("Result"), false);
    gos_draw_text(w, 1, x_error, width - x_error, h, _("Error"), false);
    draw_position(w, p, x_error + gos_text_width(_("Error")) + 1, width, h);

    size_t n = gos_pager_count(p), cursor = gos_pager_cursor(p);
    for (int r = 0; r < page && !busy && (size_t)r < n; r++) {
        int y = 2 + r;
        const gos_audit_task *e = gos_pager_row(p, (size_t)r);
        bool sel = (size_t)r == cursor;
        attr_t base = sel ? gos_draw_attr(GOS_ROLE_SELECTED) : A_NORMAL;
        if (sel)
            gos_draw_fill(w, y, 0, width, base);
        char when[64];
        gos_time_utc(e->submitted_at, when, sizeof when);
        if (!wide && strlen(when) > 5)
            memmove(when, when + 5, strlen(when + 5) + 1);   /* drop the year */
        gos_draw_text(w, y, 0, w_time, base, when, false);
        gos_draw_text(w, y, x_vm, w_vm, base | A_BOLD, or_dash(e->vm_name ? e->vm_name : e->vm_uuid), false);
        gos_draw_text(w, y, x_action, w_action, base, or_dash(e->action), false);
        gos_draw_text(w, y, x_result, w_result, sel ? base : gos_draw_attr(result_role(e)), result_text(e), false);
        char hr[GOS_HR_FORMAT_LEN];
        /* The Error column: the task's error, or the call's HRESULT when the call
         * refused; an accepted call (S_OK) is no error. */
        const char *err = e->has_task_error ? gos_hr_format(e->task_error, hr, sizeof hr)
                          : e->has_call_hr && gos_hr_failed(e->call_hr) ? gos_hr_format(e->call_hr, hr, sizeof hr)
                                                                         : "-";
        gos_draw_text(w, y, x_error, width - x_error, base, err, false);
    }
    if (error)
        gos_draw_text(w, 3, 2, width - 4, gos_draw_attr(GOS_ROLE_ERROR), error, false);
    else if (busy)
        gos_draw_text(w, 3, 2, width - 4, gos_draw_attr(GOS_ROLE_DIM),
                      _("Reading the audit log; the console goes on meanwhile."), false);
    else if (n == 0)
        gos_draw_text(w, 3, 2, width - 4, gos_draw_attr(GOS_ROLE_DIM),
                      *gos_pager_filter_text(p) ? _("No task in the audit log matches the filter.")
                                                : _("The audit log has no tasks yet."), false);
    draw_preview(w, 2 + page, width, busy ? NULL : cur);
}
