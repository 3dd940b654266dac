/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The console's screen: windows laid out for the view and the size, and the redraw of what changed. */
#include <config.h>

#include <sys/ioctl.h>
#include <unistd.h>

#include <glib.h>

#include "base/i18n.h"
#include "tui/console_impl.h"

/* --- layout ------------------------------------------------------------------ */

void gos_console_drop_windows(console *c)
{
    WINDOW **all[] = { &c->title, &c->main, &c->panel, &c->status, &c->hints, &c->whole };
    for (size_t i = 0; i < G_N_ELEMENTS(all); i++) {
        if (*all[i])
            delwin(*all[i]);
        *all[i] = NULL;
    }
    c->laid_out = false;
}

/* The badge of the top line while a macro is recorded or replayed, or NULL. */
static char *badge_text(console *c, gos_role *role)
{
    const char *rec = gos_exec_recording(c->x), *play = gos_exec_macro(c->x);
    *role = rec ? GOS_ROLE_ERROR : GOS_ROLE_WARN;
    if (rec)
        /* TRANSLATORS: title-line badge while macro %s is being recorded; keep it short. */
        return g_strdup_printf(_("REC %s"), rec);
    if (play)
        /* TRANSLATORS: title-line badge while macro %s is being replayed; keep it short. */
        return g_strdup_printf(_("PLAY %s"), play);
    return NULL;
}

/* The rows the top line and the task panel need now. */
static void wanted_rows(console *c, int *title, int *panel)
{
    gos_role role;
    char *badge = badge_text(c, &role);
    *title = gos_frame_title_rows(c->s, badge, c->cols);
    g_free(badge);
    *panel = gos_session_view(c->s) == GOS_VIEW_VMS ? gos_view_tasks_panel_rows(c->s, c->rows) : 0;
}

void gos_console_layout(console *c)
{
    gos_console_drop_windows(c);
    c->small = c->cols < GOS_CONSOLE_MIN_COLS || c->rows < GOS_CONSOLE_MIN_ROWS;
    if (c->small) {
        c->whole = newwin(c->rows, c->cols, 0, 0);
    } else {
        gos_view v = gos_session_view(c->s);
        int title = 1, panel = 0;
        wanted_rows(c, &title, &panel);
        int body = c->rows - 2 - title;
        c->title = newwin(title, c->cols, 0, 0);
        c->main = newwin(body - panel, c->cols, title, 0);
        if (panel)
            c->panel = newwin(panel, c->cols, title + body - panel, 0);
        c->status = newwin(1, c->cols, c->rows - 2, 0);
        c->hints = newwin(1, c->cols, c->rows - 1, 0);
        c->layout_view = v;
        c->title_rows = title;
        c->panel_rows = panel;
        gos_session_set_task_panel_shown(c->s, panel > 0 ? (panel - 1) / 2 : 0);
        if (!c->title || !c->main || (panel && !c->panel) || !c->status || !c->hints) {
            /* Out of memory for windows: say so in the small-screen way. */
            gos_console_drop_windows(c);
            c->small = true;
            c->whole = newwin(c->rows, c->cols, 0, 0);
        }
    }
    /* The cursor is hidden except in the status line's prompt: the other
     * windows leave it where it is, so that an update of the task panel alone
     * does not move it across the screen (bytes on every agent answer). */
    WINDOW *still[] = { c->whole, c->title, c->main, c->panel, c->hints };
    for (size_t i = 0; i < sizeof still / sizeof still[0]; i++)
        if (still[i])
            leaveok(still[i], TRUE);
    c->laid_out = true;
    c->dirty = DIRTY_EVERY;
    /* The audit view's page holds as many tasks as its window shows. */
    if (c->main && gos_session_view(c->s) == GOS_VIEW_AUDIT)
        gos_session_set_audit_rows(c->s, gos_view_audit_page_rows(c->main));
}

/* The task panel takes the rows its tasks need: lay out again when they
 * change. (The top line says itself when it needs another row.) */
static void follow_rows(console *c)
{
    if (c->small || !c->laid_out)
        return;
    int panel = gos_session_view(c->s) == GOS_VIEW_VMS ? gos_view_tasks_panel_rows(c->s, c->rows) : 0;
    if (panel != c->panel_rows)
        gos_console_layout(c);
}

static void read_size(console *c)
{
    struct winsize ws;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0) {
        if (ws.ws_row != LINES || ws.ws_col != COLS)
            resize_term(ws.ws_row, ws.ws_col);
    }
    c->rows = LINES;
    c->cols = COLS;
}

void gos_console_handle_resize(console *c)
{
    c->resize = false;
    read_size(c);
    c->repaint = true;
    gos_console_layout(c);
}

void gos_console_follow_view(console *c)
{
    gos_view v = gos_session_view(c->s);
    if (v == c->last_view)
        return;
    if (v == GOS_VIEW_DETAIL || v == GOS_VIEW_HELP)
        gos_session_page_pos(c->s, v)->top = 0;
    c->last_view = v;
    c->dirty = DIRTY_EVERY;
    if (!c->small && v != c->layout_view && (v == GOS_VIEW_VMS || c->layout_view == GOS_VIEW_VMS))
        gos_console_layout(c);
}

/* --- drawing --------------------------------------------------------------------- */

static void draw_small(console *c)
{
    WINDOW *w = c->whole;
    if (!w)
        return;
    werase(w);
    /* TRANSLATORS: shown instead of the console when the terminal is smaller than 80x24. */
    char *msg = g_strdup_printf(_("Terminal too small: %dx%d, guestos needs %dx%d."), c->cols, c->rows,
                                GOS_CONSOLE_MIN_COLS, GOS_CONSOLE_MIN_ROWS);
    const char *hint = _("Enlarge the window, or press q to quit.");
    int y = c->rows / 2 - 1;
    int mw = gos_text_width(msg), hw = gos_text_width(hint);
    gos_draw_text(w, y < 0 ? 0 : y, mw < c->cols ? (c->cols - mw) / 2 : 0, c->cols,
                  gos_draw_attr(GOS_ROLE_WARN) | A_BOLD, msg, false);
    if (y + 1 < c->rows)
        gos_draw_text(w, y + 1, hw < c->cols ? (c->cols - hw) / 2 : 0, c->cols, A_NORMAL, hint, false);
    g_free(msg);
    wnoutrefresh(w);
}

static void draw_hints(console *c)
{
    if (c->confirm) {
        char enter[32], esc[32];
        const char *keys[] = { gos_key_name('\r', enter, sizeof enter), gos_key_name(GOS_KEY_ESC, esc, sizeof esc) };
        /* TRANSLATORS: hint-bar labels while the confirmation is open (Enter after the typed word). */
        const char *labels[] = { _("Confirm"), _("Cancel") };
        gos_frame_hints_pairs(c->hints, keys, labels, 2);
    } else if (c->prompt) {
        char enter[32], esc[32];
        const char *keys[] = { gos_key_name('\r', enter, sizeof enter), gos_key_name(GOS_KEY_ESC, esc, sizeof esc) };
        /* TRANSLATORS: hint-bar labels while a prompt is open. */
        const char *labels[] = { _("Run"), _("Cancel") };
        gos_frame_hints_pairs(c->hints, keys, labels, 2);
    } else if (gos_exec_busy(c->x)) {
        char esc[32];
        const char *keys[] = { gos_key_name(GOS_KEY_ESC, esc, sizeof esc) };
        /* TRANSLATORS: hint-bar label while a macro runs (or a `wait`). */
        const char *labels[] = { gos_exec_macro(c->x) ? _("Stop macro") : _("Stop waiting") };
        gos_frame_hints_pairs(c->hints, keys, labels, 1);
    } else {
        gos_frame_hints(c->hints, gos_keymap_context(gos_session_view(c->s)), gos_exec_recording(c->x) != NULL);
    }
}

void gos_console_draw(console *c)
{
    if (c->repaint) {
        clearok(curscr, TRUE);
        c->repaint = false;
    }
    if (c->small) {
        draw_small(c);
        doupdate();
        c->dirty = 0;
        return;
    }
    if (c->dirty & (GOS_DIRTY_TASKS | GOS_DIRTY_VIEW))
        follow_rows(c);
    gos_view v = gos_session_view(c->s);
    unsigned d = c->dirty;
    bool all = (d & (GOS_DIRTY_VIEW | DIRTY_DIALOG)) != 0;

    if (all || (d & (GOS_DIRTY_VMS | GOS_DIRTY_STATUS | GOS_DIRTY_TASKS))) {
        gos_role role;
        char *badge = badge_text(c, &role);
        int need = gos_frame_title(c->title, c->s, badge, role);
        g_free(badge);
        if (need != c->title_rows) {
            /* Its words take another row now, or one less: everything moves. */
            gos_console_layout(c);
            gos_console_draw(c);
            return;
        }
        wnoutrefresh(c->title);
    }

    bool main_dirty = all || (d & GOS_DIRTY_MAIN);
    switch (v) {
    case GOS_VIEW_VMS:
    case GOS_VIEW_DETAIL:
        main_dirty |= (d & GOS_DIRTY_VMS) != 0;
        break;
    case GOS_VIEW_TASKS:
        main_dirty |= (d & (GOS_DIRTY_TASKS | DIRTY_TICK)) != 0;
        break;
    case GOS_VIEW_AUDIT:
        main_dirty |= (d & (GOS_DIRTY_AUDIT | GOS_DIRTY_TASKS)) != 0;
        break;
    case GOS_VIEW_HELP:
        break;
    }
    if (main_dirty) {
        switch (v) {
        case GOS_VIEW_VMS: gos_view_vms_draw(c->main, c->s, &c->vm_top, &c->vms_layout); break;
        case GOS_VIEW_TASKS: gos_view_tasks_draw(c->main, c->s); break;
        case GOS_VIEW_AUDIT: gos_view_audit_draw(c->main, gos_session_audit_pager(c->s)); break;
        case GOS_VIEW_DETAIL: gos_view_detail_draw(c->main, c->s); break;
        case GOS_VIEW_HELP: gos_view_help_draw(c->main, c->s); break;
        }
        wnoutrefresh(c->main);
    }
    if (c->panel && (all || (d & (GOS_DIRTY_TASKS | DIRTY_TICK)))) {
        gos_view_tasks_panel_draw(c->panel, c->s);
        wnoutrefresh(c->panel);
    }
    /* A long failure takes the hint bar's row until the status changes. */
    bool long_status = !c->prompt && !c->confirm && !c->choice && gos_frame_status_is_long(c->s, c->cols);
    if (long_status != c->hints_taken)
        d |= DIRTY_HINTS | GOS_DIRTY_STATUS;
    c->hints_taken = long_status;
    if (!long_status && (all || (d & DIRTY_HINTS))) {
        draw_hints(c);
        wnoutrefresh(c->hints);
    }
    if (c->confirm) {
        /* Over everything else, whatever was redrawn beneath it. */
        gos_confirm_draw(c->confirm, c->rows, c->cols);
    }
    if (c->choice)
        gos_choice_draw(c->choice, c->rows, c->cols);
    /* The status line goes last: with a prompt open, its cursor is the one shown. */
    if (all || (d & GOS_DIRTY_STATUS) || c->prompt) {
        if (c->prompt) {
            gos_prompt_draw(c->prompt, c->status);
        } else {
            gos_frame_status(c->status, long_status ? c->hints : NULL, c->s);
            if (long_status)
                wnoutrefresh(c->hints);
        }
        wnoutrefresh(c->status);
    }
    doupdate();
    c->dirty = 0;
}
