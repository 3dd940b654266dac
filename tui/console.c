/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The interactive console: the event loop, and keys turned into action lines for the one executor. */
#include <config.h>

#include "tui/console.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "base/count.h"
#include "base/i18n.h"
#include "core/complete.h"
#include "core/history.h"
#include "tui/console_impl.h"
#include "tui/terminal.h"

/* While tasks run, the elapsed times tick at this period; idle, nothing wakes us. */
#define TICK_MS 1000

/* --- what the executor asks of the console ------------------------------------------------ */

static void fe_confirm(void *data, gos_exec *x, const gos_cmd *cmd)
{
    console *c = data;
    gos_confirm_free(c->confirm);
    c->confirm = gos_confirm_new(c->s, cmd, (gos_exec_caps(x) & GOS_FE_CURSOR) != 0);
    c->dirty |= DIRTY_DIALOG | DIRTY_HINTS;
}

static void fe_choose(void *data, gos_exec *x, const char *question, size_t n, const char *const *keys,
                      const char *const *labels, const char *const *lines)
{
    (void)x;
    console *c = data;
    gos_choice_free(c->choice);
    c->choice = gos_choice_new(question, n, keys, labels, lines);
    c->dirty |= DIRTY_DIALOG | DIRTY_HINTS;
}

/* The action a binding's prompt runs as it is typed (its table entry says
 * GOS_ACT_LIVE), or NULL. */
static const gos_action *live_action(const gos_binding *b, prompt_kind kind)
{
    if (!b || (kind != PROMPT_ARG && kind != PROMPT_WORDS))
        return NULL;
    const gos_action *a = gos_action_find(b->line);
    return a && (a->flags & GOS_ACT_LIVE) ? a : NULL;
}

static void open_prompt(console *c, const char *label, prompt_kind kind, const gos_binding *b)
{
    gos_prompt_free(c->prompt);
    g_clear_pointer(&c->prompt_restore, g_free);
    c->prompt_live = live_action(b, kind);
    /* Esc puts back what is in force. A prompt of words (the filter, the
     * columns) starts from them, to be edited; a search starts afresh, as
     * "/" does in less and htop: typing at once looks for what is typed. */
    if (c->prompt_live && c->prompt_live->current)
        c->prompt_restore = c->prompt_live->current(c->s);
    c->prompt = gos_prompt_new(label, kind == PROMPT_WORDS ? c->prompt_restore : NULL);
    c->prompt_previewed = false;
    c->prompt_kind = kind;
    c->prompt_binding = b;
    if (kind == PROMPT_LINE)
        gos_prompt_set_history(c->prompt, c->history);
    curs_set(1);
    c->dirty |= GOS_DIRTY_STATUS | DIRTY_HINTS;
}

/* The line a prompt of kind stands for with text typed. Newly allocated. */
static char *prompt_line(const gos_binding *b, prompt_kind kind, const char *t)
{
    const gos_action *a = b ? gos_action_find(b->line) : NULL;
    if (kind == PROMPT_ARG && a) {
        /* One argument, taken as typed: quoted as a line needs it. */
        char *argv[] = { (char *)t, NULL };
        gos_cmd cmd = { .action = a, .argc = *t || a->min_args > 0 ? 1 : 0, .argv = argv };
        return gos_cmd_format(&cmd);
    }
    if (kind == PROMPT_WORDS && b)
        return *t ? g_strdup_printf("%s %s", b->line, t) : g_strdup(b->line);
    return g_strdup(t);
}

/* What a preview shows on the prompt: how many VMs the list has now. */
static char *match_note(console *c)
{
    gos_view v = gos_session_view(c->s);
    if (v != GOS_VIEW_VMS)
        return NULL;
    char a[32], b[32];
    size_t shown = gos_session_view_count(c->s), total = gos_inventory_count(gos_session_inventory(c->s));
    gos_format_count(shown, a, sizeof a);
    gos_format_count(total, b, sizeof b);
    /* TRANSLATORS: on the search or filter prompt as it is typed: %1$s VMs shown of %2$s. */
    return g_strdup_printf(ngettext("%1$s of %2$s VM", "%1$s of %2$s VMs", total), a, b);
}

/* The prompt's text as its action's line, run at once (not recorded). */
static void preview(console *c)
{
    char *text = gos_prompt_text(c->prompt);
    char *line = prompt_line(c->prompt_binding, c->prompt_kind, g_strstrip(text));
    char *err = NULL;
    if (gos_exec_push_live(c->x, line, &err) < 0) {
        gos_prompt_set_note(c->prompt, err, true);
        g_free(err);
    }
    c->prompt_previewed = true;
    g_free(line);
    g_free(text);
    c->dirty |= GOS_DIRTY_STATUS;
}

/* Tab: the word before the insertion point, completed as far as it goes. */
static void complete(console *c)
{
    const gos_binding *b = c->prompt_binding;
    char *before = gos_prompt_text_before(c->prompt);
    char *lead = c->prompt_kind == PROMPT_LINE || !b ? g_strdup("") : g_strdup_printf("%s ", b->line);
    char *line = g_strconcat(lead, before, NULL);
    size_t start = 0, more = 0;
    GPtrArray *cands = gos_complete(c->s, line, &start, &more);
    const char *word = line + MAX(start, strlen(lead));
    if (cands->len == 0) {
        gos_prompt_set_note(c->prompt, _("Nothing to complete here."), false);
    } else {
        char *common = gos_complete_common(cands);
        bool one = cands->len == 1 && !more;
        size_t drop = (size_t)g_utf8_strlen(word, -1);
        if (one) {
            size_t cl = strlen(common);
            bool open_end = cl && (common[cl - 1] == '=' || common[cl - 1] == ':');
            /* A one-argument prompt takes the text as it is: no blank after. */
            char *with = g_strconcat(common, open_end || c->prompt_kind == PROMPT_ARG ? "" : " ", NULL);
            gos_prompt_replace_before(c->prompt, drop, with);
            g_free(with);
            gos_prompt_set_note(c->prompt, NULL, false);
        } else {
            if (strlen(common) > strlen(word))
                gos_prompt_replace_before(c->prompt, drop, common);
            GString *n = g_string_new(NULL);
            for (guint i = 0; i < cands->len && i < 12; i++)
                g_string_append_printf(n, "%s%s", i ? " " : "", (char *)g_ptr_array_index(cands, i));
            size_t rest = cands->len + more - MIN(cands->len, 12u);
            if (rest)
                /* TRANSLATORS: after the first candidates of a completion. */
                g_string_append_printf(n, ngettext(" and %zu more", " and %zu more", rest), rest);
            gos_prompt_set_note(c->prompt, n->str, false);
            g_string_free(n, TRUE);
        }
        g_free(common);
        if (c->prompt_live && gos_prompt_changed(c->prompt))
            preview(c);
    }
    g_ptr_array_free(cands, TRUE);
    g_free(line);
    g_free(lead);
    g_free(before);
    c->dirty |= GOS_DIRTY_STATUS;
}

static void fe_ask(void *data, gos_exec *x, const char *label)
{
    (void)x;
    open_prompt(data, label, PROMPT_ANSWER, NULL);
}

static void fe_done(void *data, const gos_line_info *line, int rc, const char *why, gos_fail_kind kind)
{
    (void)kind;
    console *c = data;
    if (line->live) {
        /* A preview: the prompt says how it went; the status line is left alone. */
        c->dirty |= (rc > 0 ? (unsigned)rc : 0u) | GOS_DIRTY_STATUS | GOS_DIRTY_VMS;
        if (c->prompt && rc < 0) {
            gos_prompt_set_note(c->prompt, why, true);
        } else if (c->prompt) {
            char *n = match_note(c);
            gos_prompt_set_note(c->prompt, n, false);
            g_free(n);
        }
        return;
    }
    /* What changed is in the bits; the executor wrote the status line. */
    c->dirty |= rc > 0 ? (unsigned)rc : 0u;
    c->dirty |= GOS_DIRTY_STATUS | DIRTY_HINTS | GOS_DIRTY_VMS;
}

/* The first key bound to action in the view or globally, for "press R again". */
static bool fe_key_for(void *data, const char *action, char *buf, size_t len)
{
    console *c = data;
    return gos_keymap_key_for(gos_keymap_context(gos_session_view(c->s)), action, buf, len);
}

/* --- keys ---------------------------------------------------------------------------------- */

static void push_line(console *c, const char *line)
{
    gos_exec_push_line(c->x, line, NULL);
    c->dirty |= GOS_DIRTY_STATUS;
}

static void finish_prompt(console *c, bool run)
{
    const gos_binding *b = c->prompt_binding;
    prompt_kind kind = c->prompt_kind;
    const gos_action *live = c->prompt_live;
    char *restore = g_steal_pointer(&c->prompt_restore);
    char *text = gos_prompt_text(c->prompt);
    gos_prompt_free(c->prompt);
    c->prompt = NULL;
    c->prompt_binding = NULL;
    c->prompt_live = NULL;
    curs_set(0);
    c->dirty |= GOS_DIRTY_STATUS | DIRTY_HINTS;
    const char *t = g_strstrip(text);
    if (live && !run && c->prompt_previewed) {
        /* Esc: what was in force when the prompt opened comes back. */
        char *line = prompt_line(b, kind, restore ? restore : "");
        gos_exec_push_live(c->x, line, NULL);
        g_free(line);
        c->dirty |= GOS_DIRTY_VMS | GOS_DIRTY_MAIN;
    }
    g_free(restore);
    switch (kind) {
    case PROMPT_ANSWER:
        gos_exec_answer_text(c->x, run ? t : NULL);
        break;
    case PROMPT_LINE:
        if (run && *t) {
            if (c->history) {
                gos_history_add(c->history, t);
                if (c->history_path)
                    gos_history_save(c->history, c->history_path, NULL);
            }
            push_line(c, t);
        }
        break;
    case PROMPT_ARG: {
        /* One argument, taken as typed: no quoting to get wrong. */
        const gos_action *a = run && b ? gos_action_find(b->line) : NULL;
        if (a) {
            gos_cmd cmd = { .action = a };
            cmd.argc = !*t && a->min_args == 0 ? 0 : 1;
            cmd.argv = g_new0(char *, 2);
            if (cmd.argc)
                cmd.argv[0] = g_strdup(t);
            gos_exec_push(c->x, &cmd);
        }
        break;
    }
    case PROMPT_WORDS:
        if (run && b) {
            /* Empty: the action without words (Enter on an empty filter clears it). */
            char *line = *t ? g_strdup_printf("%s %s", b->line, t) : g_strdup(b->line);
            push_line(c, line);
            g_free(line);
        }
        break;
    }
    g_free(text);
}

static void on_binding(console *c, const gos_binding *b)
{
    switch (b->kind) {
    case GOS_BIND_LINE:
        push_line(c, b->line);
        break;
    case GOS_BIND_PROMPT:
        open_prompt(c, b->text ? _(b->text) : "> ", PROMPT_ARG, b);
        break;
    case GOS_BIND_PROMPT_WORDS:
        open_prompt(c, b->text ? _(b->text) : "> ", PROMPT_WORDS, b);
        break;
    case GOS_BIND_COMMAND:
        open_prompt(c, b->text ? _(b->text) : "> ", PROMPT_LINE, b);
        break;
    }
}

/* May the binding run while the screen shows nothing (too small)? */
static bool unseen_ok(const gos_binding *b)
{
    if (b->kind != GOS_BIND_LINE)
        return false;
    gos_cmd cmd;
    if (gos_cmd_parse(b->line, &cmd, NULL) < 0)
        return false;
    bool ok = (cmd.action->flags & GOS_ACT_UNSEEN) != 0;
    gos_cmd_clear(&cmd);
    return ok;
}

static void on_key(console *c, int key)
{
    if (key == GOS_KEY_FN(KEY_RESIZE)) {
        c->resize = true;
        return;
    }
    const gos_binding *b = gos_keymap_lookup_playing(gos_keymap_context(gos_session_view(c->s)), key,
                                                     gos_exec_busy(c->x));
    if (c->small) {
        /* Nothing else shows: no key may act unseen (a question answered
         * blind). The small screen offers q; ^L repaints. */
        if (b && unseen_ok(b))
            on_binding(c, b);
        return;
    }
    if (c->choice) {
        int i = gos_choice_key(c->choice, key);
        if (i == -2)
            return;
        char *line = g_strdup(gos_choice_line(c->choice, i));
        gos_choice_free(c->choice);
        c->choice = NULL;
        c->dirty |= DIRTY_EVERY;
        if (line)
            push_line(c, line);
        g_free(line);
        return;
    }
    if (c->confirm) {
        gos_dialog_state st = gos_confirm_key(c->confirm, key);
        if (st == GOS_DIALOG_OPEN) {
            c->dirty |= DIRTY_DIALOG;   /* the word as typed so far */
            return;
        }
        if (st == GOS_DIALOG_YES && gos_confirm_recheck(c->confirm, c->s)) {
            c->dirty |= DIRTY_DIALOG;   /* show the new targets; ask again */
            return;
        }
        gos_confirm_free(c->confirm);
        c->confirm = NULL;
        gos_exec_answer(c->x, st == GOS_DIALOG_YES);
        c->dirty |= DIRTY_EVERY;   /* uncover what the dialog hid */
        return;
    }
    if (c->prompt) {
        if (key == '\t' && c->prompt_kind != PROMPT_ANSWER) {
            complete(c);
            return;
        }
        gos_dialog_state st = gos_prompt_key(c->prompt, key);
        if (st == GOS_DIALOG_OPEN) {
            c->dirty |= GOS_DIRTY_STATUS;
            if (c->prompt_live && gos_prompt_changed(c->prompt))
                preview(c);
        } else {
            finish_prompt(c, st == GOS_DIALOG_YES);
        }
        return;
    }
    if (b)
        on_binding(c, b);
}

/* --- the mouse: clicks and the wheel turned into action lines --------------------------- */

/* A click within this long on the same row is a double click. */
#define DOUBLE_CLICK_MS 400

static void push_fmt(console *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void push_fmt(console *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *line = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    push_line(c, line);
    g_free(line);
}

static void on_mouse(console *c)
{
    MEVENT ev;
    if (getmouse(&ev) != OK || c->small || c->prompt || c->confirm || c->choice)
        return;
    if (ev.bstate & (BUTTON4_PRESSED | BUTTON5_PRESSED)) {
        /* The wheel moves three rows, as in most terminals' scrollback. */
        for (int i = 0; i < 3; i++)
            push_line(c, ev.bstate & BUTTON4_PRESSED ? "cursor-up" : "cursor-down");
        return;
    }
    if (!(ev.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED)) || !c->main)
        return;
    int y = ev.y, x = ev.x;
    if (!wmouse_trafo(c->main, &y, &x, FALSE))
        return;
    gos_view v = gos_session_view(c->s);
    if (v == GOS_VIEW_VMS && y == 0) {
        /* The header: sort by the column, or the other way round when it is the one. */
        int col = gos_view_vms_column_at(&c->vms_layout, x);
        if (col < 0)
            return;
        gos_sort key = gos_column_sort((gos_column)col);
        if (gos_session_sort(c->s, NULL) == key)
            push_line(c, "sort reverse");
        else
            push_fmt(c, "sort %s", gos_sort_name(key));
        return;
    }
    if (v == GOS_VIEW_VMS) {
        size_t row = c->vm_top + (size_t)(y - 1);
        if (row >= gos_session_view_count(c->s))
            return;
        int64_t now = gos_now_ms();
        bool twice = row == c->click_row && now - c->click_ms <= DOUBLE_CLICK_MS;
        c->click_ms = twice ? 0 : now;
        c->click_row = row;
        if (x < c->vms_layout.mark_w)
            push_fmt(c, "mark %zu", row + 1);
        else
            push_fmt(c, "cursor-to %zu", row + 1);
        if (twice)
            push_line(c, "view detail");
        return;
    }
    if (v == GOS_VIEW_TASKS && y >= 1) {
        gos_list_pos *pos = gos_session_task_pos(c->s);
        push_fmt(c, "cursor-to %zu", pos->top + (size_t)(y - 1) / 4 + 1);
    }
}

/* Reads every key that is waiting; the executor runs what they queued. */
static void drain_keys(console *c)
{
    for (int i = 0; i < 4096; i++) {
        wint_t wch;
        int rc = wget_wch(c->input, &wch);
        if (rc == ERR)
            break;
        if (rc == KEY_CODE_YES && wch == KEY_MOUSE)
            on_mouse(c);
        else
            on_key(c, rc == KEY_CODE_YES ? GOS_KEY_FN((int)wch) : (int)wch);
        if (!c->confirm && !c->prompt)
            gos_exec_step(c->x, NULL);
        if (gos_session_quit_requested(c->s) || gos_term_signal())
            break;
    }
}

/* --- the loop ----------------------------------------------------------------------- */

static int loop(console *c)
{
    struct pollfd fds[3];
    int64_t next_tick = 0;

    while (!gos_session_quit_requested(c->s) && !gos_term_signal()) {
        if (gos_term_take_winch())
            c->resize = true;
        if (c->resize)
            gos_console_handle_resize(c);
        if (gos_session_take_repaint(c->s)) {
            c->repaint = true;
            c->dirty = DIRTY_EVERY;
        }
        gos_console_follow_view(c);
        if (c->confirm && (c->dirty & GOS_DIRTY_VMS) && gos_confirm_recheck(c->confirm, c->s))
            c->dirty |= DIRTY_DIALOG;
        if (c->dirty) {
            /* What the views show is read before, never while, they are drawn. */
            c->dirty |= gos_session_sync(c->s);
            gos_console_draw(c);
        }

        /* Only running tasks need a clock, core only while some agent is due
         * for a probe, and the executor only while a line waits: idle, the
         * loop sleeps until a key, an update from core, or a signal. */
        long core_timeout = gos_session_timeout_ms(c->s);
        int timeout = core_timeout < 0 ? -1 : core_timeout > INT_MAX ? INT_MAX : (int)core_timeout;
        if (gos_view_tasks_running(c->s)) {
            int64_t now = gos_now_ms();
            if (next_tick <= now)
                next_tick = now + TICK_MS;
            int tick = (int)(next_tick - now);
            if (timeout < 0 || tick < timeout)
                timeout = tick;
        }
        long exec_wait = -1;
        if (!c->confirm && !c->prompt)
            gos_exec_step(c->x, &exec_wait);
        if (exec_wait >= 0 && (timeout < 0 || exec_wait < timeout))
            timeout = exec_wait > INT_MAX ? INT_MAX : (int)exec_wait;
        if (c->dirty) {
            /* The executor ran something: show it before sleeping. */
            continue;
        }

        fds[0] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
        fds[1] = (struct pollfd){ .fd = gos_session_fd(c->s), .events = POLLIN };
        fds[2] = (struct pollfd){ .fd = gos_term_signal_fd(), .events = POLLIN };
        int n = poll(fds, 3, timeout);
        if (n < 0 && errno != EINTR) {
            c->loop_errno = errno;
            return -1;
        }
        if (n > 0 && (fds[2].revents & POLLIN))
            gos_term_drain();
        if (n > 0 && (fds[0].revents & (POLLHUP | POLLERR | POLLNVAL))) {
            /* The terminal went away (SSH dropped, with or without a SIGHUP):
             * nobody is left to see the screen, and poll would wake at once
             * for ever. */
            return 128 + SIGHUP;
        }
        if (n > 0 && (fds[0].revents & POLLIN))
            drain_keys(c);

        c->dirty |= gos_session_pump(c->s);
        /* Fail closed, and say why: once the audit log cannot be written no
         * task starts, and the status line tells the operator so. */
        const char *problem = gos_engine_audit_problem(gos_session_engine(c->s));
        if (problem && !c->audit_problem_shown) {
            c->audit_problem_shown = true;
            gos_session_set_error(c->s, "%s", problem);
            c->dirty |= GOS_DIRTY_STATUS;
        }
        if (gos_view_tasks_running(c->s) && gos_now_ms() >= next_tick) {
            c->dirty |= DIRTY_TICK;
            next_tick = 0;
        }
    }
    int sig = gos_term_signal();
    return sig ? 128 + sig : 0;
}

int gos_console_run(gos_session *s, const gos_console_opts *opts, char **err)
{
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        if (err)
            *err = g_strdup(_("The console needs a terminal; without one, use a command such as "
                              "'guestos list' or 'guestos batch FILE'."));
        return -1;
    }
    if (gos_term_signals_install() < 0) {
        if (err)
            *err = g_strdup_printf(_("Cannot set up signal handling: %s."), g_strerror(errno));
        return -1;
    }
    console c;
    memset(&c, 0, sizeof c);
    c.s = s;
    c.scr = gos_term_open(err);
    if (!c.scr) {
        gos_term_signals_restore();
        return -1;
    }
    gos_stderr_hold hold;
    gos_stderr_hold_start(&hold);

    gos_frontend fe = {
        .caps = GOS_FE_TERMINAL | GOS_FE_CURSOR,
        .data = &c,
        .confirm = fe_confirm,
        .ask = fe_ask,
        .choose = fe_choose,
        .done = fe_done,
        .key_for = fe_key_for,
    };
    c.x = gos_exec_new(s, &fe);
    c.input = newpad(1, 1);
    if (c.input) {
        keypad(c.input, TRUE);
        nodelay(c.input, TRUE);
    }
    c.history_path = opts && opts->history ? g_strdup(opts->history) : NULL;
    c.history = c.history_path ? gos_history_load(c.history_path) : g_ptr_array_new_with_free_func(g_free);
    c.mouse = opts && opts->mouse;
    if (c.mouse) {
        /* Presses at once (no wait to tell a click from a double click), and the wheel. */
        mouseinterval(0);
        mousemask(BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
    }
    c.last_view = gos_session_view(s);
    gos_console_handle_resize(&c);
    c.repaint = false;

    char *bad = NULL;
    if (gos_keymap_check(&bad) < 0) {
        gos_session_set_error(s, "%s", bad);
        g_free(bad);
    }

    int rc = c.input ? loop(&c) : -1;

    /* Every way out passes here: the terminal is left as it was found.
     * Leaving while recording keeps what was recorded; stderr says where. */
    char *exit_note = gos_exec_finish_recording(c.x);
    gos_exec_free(c.x);
    gos_confirm_free(c.confirm);
    gos_choice_free(c.choice);
    gos_prompt_free(c.prompt);
    g_free(c.prompt_restore);
    if (c.mouse)
        mousemask(0, NULL);
    g_ptr_array_free(c.history, TRUE);
    g_free(c.history_path);
    gos_console_drop_windows(&c);
    if (c.input)
        delwin(c.input);
    gos_term_close(c.scr);
    gos_term_signals_restore();

    gos_stderr_hold_end(&hold);
    if (exit_note) {
        fprintf(stderr, "guestos: %s\n", exit_note);
        g_free(exit_note);
    }

    if (rc < 0) {
        if (err)
            *err = g_strdup_printf(_("The console stopped: %s."), g_strerror(c.loop_errno ? c.loop_errno : ENOMEM));
        return -1;
    }
    return rc;
}
