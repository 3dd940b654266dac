/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tasks on screen: the panel of the last tasks under the VM list and the full task list. */
#include <config.h>

#include <glib.h>
#include <string.h>

#include "base/hresult.h"
#include "base/i18n.h"
#include "core/logoff.h"
#include "core/task.h"
#include "tui/keymap.h"
#include "tui/view.h"

/* Every entry of the full list takes this many lines. */
#define LIST_LINES 4
/* ... and of the panel. */
#define PANEL_LINES 2

bool gos_view_tasks_running(gos_session *s)
{
    size_t running = 0;
    gos_session_task_totals(s, &running, NULL, NULL);
    return running > 0;
}

/* The colour of a state, for its word and its bar. */
static gos_role state_role(gos_task_state st)
{
    switch (st) {
    case GOS_TASK_QUEUED: return GOS_ROLE_DIM;
    case GOS_TASK_RUNNING: return GOS_ROLE_RUNNING;
    case GOS_TASK_SUCCEEDED: return GOS_ROLE_OK;
    case GOS_TASK_CANCELLED:
    case GOS_TASK_INTERRUPTED: return GOS_ROLE_WARN;
    default: return GOS_ROLE_ERROR;
    }
}

/* The widest state word in this language, so that none is cut. */
static int state_width(void)
{
    int w = 0;
    for (int st = 0; st < GOS_TASK_N_STATES; st++)
        w = MAX(w, gos_text_width(gos_task_state_label((gos_task_state)st)));
    return MIN(w, 14);
}

/* Time in the queue and time running, each up to now while it lasts. */
static void task_times(const gos_task_info *t, int64_t *queued, int64_t *ran)
{
    int64_t now = gos_now_ms();
    int64_t end = t->complete && t->ended_ms ? t->ended_ms : now;
    if (t->started && t->started_ms) {
        *queued = t->started_ms - t->submitted_ms;
        *ran = end - t->started_ms;
    } else {
        *queued = end - t->submitted_ms;
        *ran = -1;
    }
    if (*queued < 0)
        *queued = 0;
}

/* Line one: VM, action, state, phase, progress bar, percent, and the time of
 * the state it is in (in the queue while queued, else running). */
static void draw_progress_line(WINDOW *w, int y, const gos_task_info *t, bool selected)
{
    int width = getmaxx(w);
    attr_t base = selected ? gos_draw_attr(GOS_ROLE_SELECTED) : A_NORMAL;
    gos_task_state st = gos_task_info_state(t);
    int w_vm = width >= 100 ? 24 : 16, w_action = 7, w_state = state_width(), w_phase = 14, w_pct = 4, w_time = 7;
    int w_bar = width - (w_vm + w_action + w_state + w_phase + w_pct + w_time) - 6 - 1;
    gos_draw_fill(w, y, 0, width, selected ? base : A_NORMAL);

    int x = 0;
    const char *vm = t->vm_name && *t->vm_name ? t->vm_name : t->vm;
    gos_draw_cell(w, y, x, w_vm, base | A_BOLD, vm ? vm : "?");
    x += w_vm + 1;
    gos_draw_cell(w, y, x, w_action, base, t->action ? t->action : "");
    x += w_action + 1;
    gos_draw_cell(w, y, x, w_state, selected ? base : gos_draw_attr(state_role(st)) | A_BOLD,
                  gos_task_state_label(st));
    x += w_state + 1;
    /* Where it is, or where it stopped: a failed task keeps the phase it failed in.
     * Phase keys come from core untranslated; a catalog may carry them. */
    const char *phase = t->cancel_requested && !t->complete ? _("cancelling")
                        : st == GOS_TASK_QUEUED ? ""
                        : t->phase && *t->phase ? gos_phase_label(t->phase) : "";
    gos_draw_cell(w, y, x, w_phase, base, phase);
    x += w_phase + 1;
    if (w_bar >= 5) {
        gos_draw_bar_role(w, y, x, w_bar, t->percent, state_role(st));
        x += w_bar + 1;
    }
    char pct[16];
    g_snprintf(pct, sizeof pct, "%d%%", t->percent < 0 ? 0 : t->percent > 100 ? 100 : t->percent);
    gos_draw_text_right(w, y, x, w_pct, base, pct);
    x += w_pct + 1;

    int64_t queued, ran;
    task_times(t, &queued, &ran);
    char dur[32];
    gos_format_duration(ran >= 0 ? ran : queued, dur, sizeof dur);
    gos_draw_text_right(w, y, x, width - x < w_time ? width - x : w_time,
                        ran >= 0 ? base : gos_draw_attr(GOS_ROLE_DIM), dur);
}

/* "queued 0:03, ran 0:07": the two times apart, for people. While a task
 * lasts, only what no longer changes: its time running ticks in the time
 * column of line one, and one place a second is what a tick redraws. */
static char *times_text(const gos_task_info *t)
{
    int64_t queued, ran;
    task_times(t, &queued, &ran);
    char q[32], r[32];
    gos_format_duration(queued, q, sizeof q);
    if (!t->complete && ran < 0)
        /* TRANSLATORS: a task that waits in its host's queue (its time waiting ticks beside it). */
        return g_strdup(_("waiting for a slot"));
    if (ran < 0)
        /* TRANSLATORS: %s: how long a task waited, then ended without starting. */
        return g_strdup_printf(_("queued %s, never started"), q);
    if (!t->complete)
        /* TRANSLATORS: %s: how long a running task waited in the queue. */
        return g_strdup_printf(_("queued %s"), q);
    gos_format_duration(ran, r, sizeof r);
    /* TRANSLATORS: %1$s: time in the queue; %2$s: time it ran. */
    return g_strdup_printf(_("queued %1$s, ran %2$s"), q, r);
}

/* Line two: the outcome as "0xA0040505 NAME" and its description, or, while
 * the task lasts, its times and what it is doing. */
static void draw_outcome_line(WINDOW *w, int y, const gos_task_info *t)
{
    int width = getmaxx(w);
    gos_draw_fill(w, y, 0, width, A_NORMAL);
    int x = 2;
    if (!t->complete) {
        char *times = times_text(t);
        char *what = t->cancel_requested
                         ? g_strdup_printf("%s; %s", times, _("cancel requested; the task stops at the next step."))
                         : g_strdup_printf("%s; %s", times, t->description ? t->description : "");
        gos_draw_text_cut(w, y, x, width - x, gos_draw_attr(GOS_ROLE_DIM), what);
        g_free(what);
        g_free(times);
        return;
    }
    char hr[GOS_HR_FORMAT_LEN];
    gos_hr_format(t->error, hr, sizeof hr);
    gos_role role = t->error == GOS_S_OK ? GOS_ROLE_OK : GOS_ROLE_ERROR;
    x += gos_draw_text(w, y, x, width - x, gos_draw_attr(role), hr, false);
    x += gos_draw_text(w, y, x, width - x, A_NORMAL, "  ", false);
    const char *desc = t->error_description && *t->error_description ? t->error_description
                                                                      : gos_hr_describe(t->error);
    gos_draw_text_cut(w, y, x, width - x, A_NORMAL, desc);
}

/* Line three of the full list: the task's own message (libvirt's sentence). */
static void draw_message_line(WINDOW *w, int y, const gos_task_info *t)
{
    int width = getmaxx(w);
    gos_draw_fill(w, y, 0, width, A_NORMAL);
    char *text;
    if (t->message && *t->message)
        text = g_strdup(t->message);
    else if (t->users_before || t->users_after) {
        char *before = gos_audit_users_text((const char *const *)t->users_before);
        char *after = gos_audit_users_text((const char *const *)t->users_after);
        /* TRANSLATORS: logged-on users before and after the task. */
        text = g_strdup_printf(_("Users before: %s; after: %s"), before ? before : "-", after ? after : "-");
        g_free(before);
        g_free(after);
    }
    else
        text = g_strdup(t->description ? t->description : "");
    gos_draw_text(w, y, 2, width - 2, A_NORMAL, text, false);
    g_free(text);
}

/* Line four: when, from where, which result, which task. */
static void draw_meta_line(WINDOW *w, int y, const gos_task_info *t)
{
    int width = getmaxx(w);
    char when[64];
    gos_format_time(t->submitted_ms, when, sizeof when);
    const char *result = t->complete ? gos_result_name(t->result) : NULL;
    char *host = gos_host_short(t->host);
    char *times = times_text(t);
    char *text = g_strdup_printf("%s  %s  %s  %s  %s  %s", when, times, host, t->origin ? t->origin : "-",
                                 result ? result : gos_task_state_label(gos_task_info_state(t)), t->id);
    g_free(times);
    gos_draw_fill(w, y, 0, width, A_NORMAL);
    gos_draw_text(w, y, 2, width - 2, gos_draw_attr(GOS_ROLE_DIM), text, false);
    g_free(text);
    g_free(host);
}

char *gos_view_tasks_counts(gos_session *s)
{
    size_t c[GOS_TASK_N_STATES];
    gos_session_task_counts(s, c);
    GString *t = g_string_new(NULL);
    /* Running first, always: "0 running" says that nothing runs. */
    static const gos_task_state order[] = { GOS_TASK_RUNNING, GOS_TASK_QUEUED, GOS_TASK_FAILED, GOS_TASK_CANCELLED,
                                            GOS_TASK_INTERRUPTED, GOS_TASK_SUCCEEDED };
    for (size_t i = 0; i < G_N_ELEMENTS(order); i++) {
        size_t n = c[order[i]];
        if (!n && order[i] != GOS_TASK_RUNNING)
            continue;
        char *piece = NULL;
        switch (order[i]) {
        /* TRANSLATORS: parts of "2 running, 195 queued, 1 failed": tasks by state. */
        case GOS_TASK_RUNNING: piece = g_strdup_printf(ngettext("%zu running", "%zu running", n), n); break;
        case GOS_TASK_QUEUED: piece = g_strdup_printf(ngettext("%zu queued", "%zu queued", n), n); break;
        case GOS_TASK_FAILED: piece = g_strdup_printf(ngettext("%zu failed", "%zu failed", n), n); break;
        case GOS_TASK_CANCELLED: piece = g_strdup_printf(ngettext("%zu cancelled", "%zu cancelled", n), n); break;
        case GOS_TASK_INTERRUPTED:
            piece = g_strdup_printf(ngettext("%zu interrupted", "%zu interrupted", n), n);
            break;
        case GOS_TASK_SUCCEEDED: piece = g_strdup_printf(ngettext("%zu succeeded", "%zu succeeded", n), n); break;
        default: piece = g_strdup(""); break;
        }
        if (t->len)
            g_string_append(t, ", ");
        g_string_append(t, piece);
        g_free(piece);
    }
    return g_string_free(t, FALSE);
}

int gos_view_tasks_panel_rows(gos_session *s, int screen_rows)
{
    int entries = gos_session_task_panel(s);
    if (entries < 0) {
        /* As many as the screen spares: three at 24 rows, up to six. */
        entries = CLAMP((screen_rows - 3) / 7, 1, 6);
    }
    /* Never more than the VM list can spare: it keeps five rows. */
    int most = (screen_rows - 3 - 1 - 5 - 1) / PANEL_LINES;
    entries = MIN(entries, MAX(most, 0));
    size_t n = gos_session_task_count(s);
    if ((size_t)entries > n)
        entries = (int)n;
    return 1 + PANEL_LINES * entries;
}

void gos_view_tasks_panel_draw(WINDOW *w, gos_session *s)
{
    int width = getmaxx(w), height = getmaxy(w);
    size_t n = gos_session_task_count(s);

    gos_draw_hline(w, 0, 0, width, gos_draw_attr(GOS_ROLE_DIM));
    char *title;
    if (n == 0) {
        /* The keys as bound now: a configuration may have moved them. */
        gos_key_context ctx = gos_keymap_context(GOS_VIEW_VMS);
        char mark[32], logoff[32];
        char *line;
        if (gos_keymap_key_for(ctx, "mark", mark, sizeof mark) && gos_keymap_key_for(ctx, "logoff", logoff, sizeof logoff))
            /* TRANSLATORS: the task panel's one line while there are no tasks; the keys that mark and log off. */
            line = g_strdup_printf(_("Tasks: none yet. Mark VMs with %1$s and press %2$s to log off their users."),
                                   mark, logoff);
        else
            /* TRANSLATORS: the same when no key marks or logs off (the configuration unbound them). */
            line = g_strdup(_("Tasks: none yet. Mark VMs and run logoff to log off their users."));
        title = g_strdup_printf(" %s ", line);
        g_free(line);
    } else {
        char *counts = gos_view_tasks_counts(s);
        /* TRANSLATORS: the title of the task panel; %s: counts by state ("2 running, 1 failed"). */
        title = g_strdup_printf(_(" Tasks: %s "), counts);
        g_free(counts);
    }
    gos_draw_text_cut(w, 0, 2, width - 4, gos_draw_attr(n ? GOS_ROLE_HEADER : GOS_ROLE_DIM), title);
    g_free(title);

    int slots = (height - 1) / PANEL_LINES;
    int y = 1;
    /* Newest first. */
    for (int k = 0; k < slots && (size_t)k < n; k++) {
        gos_task_info info;
        gos_task_snapshot(gos_session_task_at(s, n - 1 - (size_t)k), &info);
        draw_progress_line(w, y, &info, false);
        draw_outcome_line(w, y + 1, &info);
        gos_task_info_clear(&info);
        y += PANEL_LINES;
    }
    for (; y < height; y++)
        gos_draw_fill(w, y, 0, width, A_NORMAL);
}

static void clamp(gos_list_pos *pos, size_t n)
{
    if (n == 0) {
        pos->cursor = pos->top = 0;
        return;
    }
    if (pos->cursor >= n)
        pos->cursor = n - 1;
    size_t rows = pos->rows > 0 ? (size_t)pos->rows : 1;
    if (pos->cursor < pos->top)
        pos->top = pos->cursor;
    if (pos->cursor >= pos->top + rows)
        pos->top = pos->cursor - rows + 1;
}

void gos_view_tasks_draw(WINDOW *w, gos_session *s)
{
    gos_list_pos *pos = gos_session_task_pos(s);
    int width = getmaxx(w), height = getmaxy(w);
    size_t n = gos_session_task_count(s);
    attr_t h = gos_draw_attr(GOS_ROLE_HEADER);
    char *counts = gos_view_tasks_counts(s);
    /* TRANSLATORS: the heading of the task list: %zu tasks in all; %s: counts by state. */
    char *title = n ? g_strdup_printf(ngettext("%zu task: %s", "%zu tasks: %s", n), n, counts)
                    /* TRANSLATORS: the heading of the task list while it is empty. */
                    : g_strdup(_("Tasks: none in this session"));
    gos_draw_text(w, 0, 0, width, h, title, true);
    g_free(title);
    g_free(counts);

    pos->rows = (height - 1) / LIST_LINES;
    if (pos->rows < 1)
        pos->rows = 1;
    clamp(pos, n);

    int y = 1;
    if (n == 0) {
        for (int r = 1; r < height; r++)
            gos_draw_fill(w, r, 0, width, A_NORMAL);
        gos_draw_text(w, 2, 2, width - 4, gos_draw_attr(GOS_ROLE_DIM),
                      _("No tasks in this session. The audit log (a) lists earlier ones."), false);
        return;
    }
    /* Entry i of the list is task n-1-i: newest first. */
    for (size_t i = pos->top; i < n && y + LIST_LINES <= height; i++) {
        gos_task_info info;
        gos_task_snapshot(gos_session_task_at(s, n - 1 - i), &info);
        draw_progress_line(w, y, &info, i == pos->cursor);
        draw_outcome_line(w, y + 1, &info);
        draw_message_line(w, y + 2, &info);
        draw_meta_line(w, y + 3, &info);
        gos_task_info_clear(&info);
        y += LIST_LINES;
    }
    for (; y < height; y++)
        gos_draw_fill(w, y, 0, width, A_NORMAL);
}
