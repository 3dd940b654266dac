/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tasks on screen: the panel of the last tasks under the VM list and the full task list. */
#include <config.h>

#include <glib.h>
#include <string.h>

#include "base/hresult.h"
#include "base/i18n.h"
#include "core/logoff.h"
#include "core/task.h"
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

/* Line one: VM, action, phase, progress bar, percent, elapsed time. */
static void draw_progress_line(WINDOW *w, int y, const gos_task_info *t, bool selected)
{
    int width = getmaxx(w);
    attr_t base = selected ? gos_draw_attr(GOS_ROLE_SELECTED) : A_NORMAL;
    int w_vm = width >= 100 ? 24 : 16, w_action = 8, w_phase = 12, w_pct = 4, w_time = 7;
    int w_bar = width - (w_vm + w_action + w_phase + w_pct + w_time) - 5 - 1;
    gos_draw_fill(w, y, 0, width, A_NORMAL);

    int x = 0;
    const char *vm = t->vm_name && *t->vm_name ? t->vm_name : t->vm;
    gos_draw_text(w, y, x, w_vm, base | A_BOLD, vm ? vm : "?", true);
    x += w_vm + 1;
    gos_draw_text(w, y, x, w_action, base, t->action ? t->action : "", true);
    x += w_action + 1;
    /* Phase keys come from core untranslated; a catalog may carry them. */
    const char *phase = t->cancel_requested && !t->complete ? _("cancelling")
                        : t->phase && *t->phase ? gos_phase_label(t->phase) : "";
    gos_draw_text(w, y, x, w_phase, base, phase, true);
    x += w_phase + 1;
    if (w_bar >= 5) {
        gos_draw_bar(w, y, x, w_bar, t->percent);
        x += w_bar + 1;
    }
    char pct[16];
    g_snprintf(pct, sizeof pct, "%d%%", t->percent < 0 ? 0 : t->percent > 100 ? 100 : t->percent);
    gos_draw_text_right(w, y, x, w_pct, base, pct);
    x += w_pct + 1;

    int64_t from = t->started_ms ? t->started_ms : t->submitted_ms;
    int64_t to = t->complete && t->ended_ms ? t->ended_ms : gos_now_ms();
    char dur[32];
    gos_format_duration(from ? to - from : 0, dur, sizeof dur);
    gos_draw_text_right(w, y, x, width - x < w_time ? width - x : w_time, gos_draw_attr(GOS_ROLE_DIM), dur);
}

/* Line two: the outcome as "0xA0040505 NAME" and its description, or what
 * the running task is doing. */
static void draw_outcome_line(WINDOW *w, int y, const gos_task_info *t)
{
    int width = getmaxx(w);
    gos_draw_fill(w, y, 0, width, A_NORMAL);
    int x = 2;
    if (!t->complete) {
        const char *what = t->cancel_requested ? _("Cancel requested; the task stops at the next step.")
                           : !t->started ? _("Queued.")
                           : t->description ? t->description : "";
        gos_draw_text(w, y, x, width - x, gos_draw_attr(GOS_ROLE_DIM), what, false);
        return;
    }
    char hr[GOS_HR_FORMAT_LEN];
    gos_hr_format(t->error, hr, sizeof hr);
    gos_role role = t->error == GOS_S_OK ? GOS_ROLE_OK : GOS_ROLE_ERROR;
    x += gos_draw_text(w, y, x, width - x, gos_draw_attr(role), hr, false);
    x += gos_draw_text(w, y, x, width - x, A_NORMAL, "  ", false);
    const char *desc = t->error_description && *t->error_description ? t->error_description
                                                                      : gos_hr_describe(t->error);
    gos_draw_text(w, y, x, width - x, A_NORMAL, desc, false);
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
    char *text = g_strdup_printf("%s  %s  %s  %s  %s", when, host, t->origin ? t->origin : "-",
                                 result ? result : _("running"), t->id);
    gos_draw_fill(w, y, 0, width, A_NORMAL);
    gos_draw_text(w, y, 2, width - 2, gos_draw_attr(GOS_ROLE_DIM), text, false);
    g_free(text);
    g_free(host);
}

void gos_view_tasks_panel_draw(WINDOW *w, gos_session *s)
{
    int width = getmaxx(w), height = getmaxy(w);
    size_t running = 0, failed = 0, ok = 0;
    gos_session_task_totals(s, &running, &failed, &ok);
    size_t n = gos_session_task_count(s);

    gos_draw_hline(w, 0, 0, width, gos_draw_attr(GOS_ROLE_DIM));
    /* TRANSLATORS: the title of the task panel: counts of running, failed and succeeded tasks. */
    char *title = g_strdup_printf(_(" Tasks: %zu running, %zu failed, %zu done "), running, failed, ok);
    gos_draw_text(w, 0, 2, width - 4, gos_draw_attr(GOS_ROLE_HEADER), title, false);
    g_free(title);

    int slots = (height - 1) / PANEL_LINES;
    int y = 1;
    if (n == 0) {
        for (int r = 1; r < height; r++)
            gos_draw_fill(w, r, 0, width, A_NORMAL);
        gos_draw_text(w, 1, 2, width - 2, gos_draw_attr(GOS_ROLE_DIM),
                      _("No tasks yet. Mark VMs with Space and press L to log off their users."), false);
        return;
    }
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
    size_t running = 0, failed = 0, ok = 0;
    gos_session_task_totals(s, &running, &failed, &ok);

    attr_t h = gos_draw_attr(GOS_ROLE_HEADER);
    /* TRANSLATORS: the heading of the task list: counts of all, running, failed and succeeded tasks. */
    char *title = g_strdup_printf(ngettext("%zu task: %zu running, %zu failed, %zu done",
                                           "%zu tasks: %zu running, %zu failed, %zu done", n),
                                  n, running, failed, ok);
    gos_draw_text(w, 0, 0, width, h, title, true);
    g_free(title);

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
