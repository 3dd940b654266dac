/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The interactive console: the terminal, the event loop, resizing, and keys turned into actions. */
#include <config.h>

#include "tui/console.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <glib.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "core/actions.h"
#include "base/i18n.h"
#include "core/macro.h"
#include "tui/dialog.h"
#include "tui/draw.h"
#include "tui/keymap.h"
#include "tui/view.h"
/* Last: its capability macros (lines, columns, ...) would rewrite the headers above. */
#include <term.h>

/* The layout needs this much; below it the console says so instead. */
#define MIN_COLS 80
#define MIN_ROWS 24
/* While tasks run, the elapsed times tick at this period; idle, nothing wakes us. */
#define TICK_MS 1000
/* Escape must not wait long for the rest of a sequence over SSH. */
#define ESC_DELAY_MS 50
/* Macro lines run in bursts of at most this many between two looks at the keyboard. */
#define PLAY_BURST 64

/* Redraw bits of the console's own, above the session's GOS_DIRTY_* bits. */
enum {
    DIRTY_MAIN   = 1u << 8,    /* a local scroll in the current view */
    DIRTY_HINTS  = 1u << 9,    /* the hint bar (prompt or dialog opened or closed) */
    DIRTY_TICK   = 1u << 10,   /* elapsed times of running tasks */
    DIRTY_DIALOG = 1u << 11,   /* the confirmation */
    DIRTY_EVERY  = 0xffffu,
};

typedef struct console {
    gos_session *s;
    SCREEN *scr;
    WINDOW *input;              /* a 1x1 pad: reading keys from it never refreshes anything */
    WINDOW *title, *main, *panel, *status, *hints, *whole;
    int rows, cols;
    bool small;                 /* below MIN_COLS x MIN_ROWS */
    bool laid_out;
    gos_view layout_view;       /* the view the windows were made for */
    gos_view last_view;         /* to notice view switches */
    unsigned dirty;
    bool resize;
    bool repaint;               /* clear the physical screen first (^L, resize) */

    size_t vm_top;
    gos_list_pos tasks_pos;
    gos_pager *audit;           /* the audit view's page */
    unsigned audit_filter_gen;  /* the session's audit filter the pager has */
    int audit_pipe[2];          /* the pager's worker wakes the loop through this */
    gos_page_pos detail_pos, help_pos;

    gos_prompt *prompt;
    const gos_binding *prompt_binding;
    gos_confirm *confirm;
    char *error_status;         /* the status sentence we set for a failure */

    gos_macro_rec *rec;         /* the macro being recorded, or NULL */
    gos_macro_player *play;     /* the macro (or `wait`) being replayed, or NULL */
    bool play_ready;            /* the replay can go on at once (no wait, no question) */
    bool play_waiting;          /* the replay waits for tasks: its status line is up */
    long play_wait_ms;          /* when to look again while it waits; -1 when a task ends */
    bool confirm_from_play;     /* the open confirmation asks about a replayed line */
    char *exit_note;            /* printed on stderr once the terminal is restored */
    bool audit_problem_shown;   /* the engine's audit problem is on the status line */
    int loop_errno;             /* why the loop failed */
} console;

/* --- signals: a flag and a byte down a pipe, so that any thread may take them */

static volatile sig_atomic_t got_signal;
static volatile sig_atomic_t got_winch;
static int sig_pipe[2] = { -1, -1 };

static void on_signal(int sig)
{
    int saved = errno;
    if (sig == SIGWINCH)
        got_winch = 1;
    else if (!got_signal)
        got_signal = sig;
    if (sig_pipe[1] >= 0) {
        ssize_t r = write(sig_pipe[1], "", 1);
        (void)r;
    }
    errno = saved;
}

static const int handled_signals[] = { SIGTERM, SIGHUP, SIGINT, SIGWINCH };
static struct sigaction saved_actions[G_N_ELEMENTS(handled_signals)];

static int signals_install(void)
{
    if (pipe(sig_pipe) < 0)
        return -1;
    for (int i = 0; i < 2; i++) {
        fcntl(sig_pipe[i], F_SETFL, fcntl(sig_pipe[i], F_GETFL) | O_NONBLOCK);
        fcntl(sig_pipe[i], F_SETFD, FD_CLOEXEC);
    }
    got_signal = 0;
    got_winch = 0;
    /* Installed before the screen exists, so that ncurses keeps its hands
     * off them: we leave through the loop and restore the terminal there. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < G_N_ELEMENTS(handled_signals); i++)
        sigaction(handled_signals[i], &sa, &saved_actions[i]);
    return 0;
}

static void signals_restore(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(handled_signals); i++)
        sigaction(handled_signals[i], &saved_actions[i], NULL);
    for (int i = 0; i < 2; i++) {
        if (sig_pipe[i] >= 0)
            close(sig_pipe[i]);
        sig_pipe[i] = -1;
    }
}

static void drain_pipe(void)
{
    char buf[64];
    while (read(sig_pipe[0], buf, sizeof buf) > 0)
        ;
}

/* --- the audit view's pager --------------------------------------------------- */

/* Called on the pager's worker thread: the loop polls the other end. */
static void audit_wake(void *data)
{
    console *c = data;
    ssize_t r = write(c->audit_pipe[1], "", 1);
    (void)r;   /* full (EAGAIN): a wakeup is pending already */
}

/* A pager from the session's newest task, with the session's audit filter. */
static gos_pager *audit_new(console *c)
{
    gos_pager *p = gos_pager_new(gos_session_audit(c->s), c->audit_pipe[1] >= 0 ? audit_wake : NULL, c);
    const char *const *words = gos_session_audit_filter(c->s, &c->audit_filter_gen);
    gos_pager_set_filter(p, (int)g_strv_length((char **)words), (char *const *)words, NULL);
    return p;
}

/* Has the pager read what is stale (a new filter, new tasks, another page size)
 * before the audit view is drawn: the drawing itself never reads. */
static void audit_sync(console *c)
{
    if (gos_session_view(c->s) != GOS_VIEW_AUDIT || c->small || !c->main)
        return;
    unsigned gen = 0;
    const char *const *words = gos_session_audit_filter(c->s, &gen);
    if (gen != c->audit_filter_gen) {
        gos_pager_set_filter(c->audit, (int)g_strv_length((char **)words), (char *const *)words, NULL);
        c->audit_filter_gen = gen;
    }
    if (c->dirty & (GOS_DIRTY_AUDIT | GOS_DIRTY_TASKS))
        gos_pager_reload(c->audit);
    gos_pager_set_page_rows(c->audit, gos_view_audit_page_rows(c->main));
    if (gos_pager_sync(c->audit))
        c->dirty |= DIRTY_MAIN;
}

/* Actions the audit view takes itself: audit-detail opens or closes every field of
 * the task under the cursor, back closes it, and there the page keys scroll it. */
static bool audit_action(console *c, const char *action)
{
    bool detail = gos_pager_detail(c->audit);
    if (!strcmp(action, "audit-detail")) {
        gos_pager_set_detail(c->audit, !detail);
        return true;
    }
    if (!strcmp(action, "back") && detail) {
        gos_pager_set_detail(c->audit, false);
        return true;
    }
    if (detail && (!strcmp(action, "page-up") || !strcmp(action, "page-down"))) {
        gos_pager_detail_scroll(c->audit, !strcmp(action, "page-up") ? -10 : 10);
        return true;
    }
    return false;
}

/* The console's scroll steps are the pager's moves. */
G_STATIC_ASSERT((int)GOS_SCROLL_UP == (int)GOS_PAGER_UP && (int)GOS_SCROLL_DOWN == (int)GOS_PAGER_DOWN &&
                (int)GOS_SCROLL_PAGE_UP == (int)GOS_PAGER_PAGE_UP &&
                (int)GOS_SCROLL_PAGE_DOWN == (int)GOS_PAGER_PAGE_DOWN &&
                (int)GOS_SCROLL_HOME == (int)GOS_PAGER_HOME && (int)GOS_SCROLL_END == (int)GOS_PAGER_END);

/* --- stderr while the screen is ours ----------------------------------------- */

/* Anything written to a stderr that is the terminal (a g_warning, a libvirt
 * VIR_WARN, which goes to stderr by default) would scribble over the screen.
 * While the console runs, fd 2 goes to an anonymous file; once the terminal
 * is restored, what came is copied to the real stderr. */
typedef struct stderr_hold {
    int saved;       /* the real stderr, or -1 when not held */
    FILE *held;
} stderr_hold;

static void stderr_hold_start(stderr_hold *h)
{
    h->saved = -1;
    h->held = NULL;
    if (!isatty(STDERR_FILENO))
        return;
    fflush(stderr);
    h->held = tmpfile();
    if (!h->held)
        return;
    h->saved = dup(STDERR_FILENO);
    if (h->saved < 0 || dup2(fileno(h->held), STDERR_FILENO) < 0) {
        if (h->saved >= 0)
            close(h->saved);
        h->saved = -1;
        fclose(h->held);
        h->held = NULL;
    }
}

static void stderr_hold_end(stderr_hold *h)
{
    if (h->saved < 0)
        return;
    fflush(stderr);
    dup2(h->saved, STDERR_FILENO);
    close(h->saved);
    h->saved = -1;
    /* The last 64 KiB at most: the beginning of a flood says no more than its end. */
    long size = (fseek(h->held, 0, SEEK_END) == 0) ? ftell(h->held) : 0;
    if (size > 0) {
        long from = size > 65536 ? size - 65536 : 0;
        char buf[4096];
        size_t n;
        fseek(h->held, from, SEEK_SET);
        while ((n = fread(buf, 1, sizeof buf, h->held)) > 0)
            fwrite(buf, 1, n, stderr);
        fflush(stderr);
    }
    fclose(h->held);
    h->held = NULL;
}

/* --- layout ------------------------------------------------------------------ */

static void drop_windows(console *c)
{
    WINDOW **all[] = { &c->title, &c->main, &c->panel, &c->status, &c->hints, &c->whole };
    for (size_t i = 0; i < G_N_ELEMENTS(all); i++) {
        if (*all[i])
            delwin(*all[i]);
        *all[i] = NULL;
    }
    c->laid_out = false;
}

/* Tasks in the panel under the VM list: three at 24 rows, up to six. */
static int panel_height(int rows)
{
    int tasks = (rows - 3) / 7;
    if (tasks < 1)
        tasks = 1;
    if (tasks > 6)
        tasks = 6;
    return 1 + 2 * tasks;
}

static void layout(console *c)
{
    drop_windows(c);
    c->small = c->cols < MIN_COLS || c->rows < MIN_ROWS;
    if (c->small) {
        c->whole = newwin(c->rows, c->cols, 0, 0);
    } else {
        gos_view v = gos_session_view(c->s);
        int body = c->rows - 3;
        int panel = v == GOS_VIEW_VMS ? panel_height(c->rows) : 0;
        c->title = newwin(1, c->cols, 0, 0);
        c->main = newwin(body - panel, c->cols, 1, 0);
        if (panel)
            c->panel = newwin(panel, c->cols, 1 + body - panel, 0);
        c->status = newwin(1, c->cols, c->rows - 2, 0);
        c->hints = newwin(1, c->cols, c->rows - 1, 0);
        c->layout_view = v;
        if (!c->title || !c->main || (panel && !c->panel) || !c->status || !c->hints) {
            /* Out of memory for windows: say so in the small-screen way. */
            drop_windows(c);
            c->small = true;
            c->whole = newwin(c->rows, c->cols, 0, 0);
        }
    }
    c->laid_out = true;
    c->dirty = DIRTY_EVERY;
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

static void handle_resize(console *c)
{
    c->resize = false;
    read_size(c);
    c->repaint = true;
    layout(c);
}

/* --- status ------------------------------------------------------------------- */

static void set_error(console *c, const char *msg)
{
    gos_session_set_status(c->s, "%s", msg);
    g_free(c->error_status);
    c->error_status = g_strdup(msg);
    c->dirty |= GOS_DIRTY_STATUS;
}

static bool status_is_error(console *c)
{
    const char *now = gos_session_status(c->s);
    return c->error_status && now && strcmp(now, c->error_status) == 0;
}

/* --- running actions ---------------------------------------------------------- */

/* Runs cmd in the session; a replayed line runs under the macro's origin,
 * one the operator ran goes into the recording. Returns 0 or -1 (the status
 * line says why). Clears cmd. */
static int exec_cmd(console *c, gos_cmd *cmd, bool from_play)
{
    char *err = NULL;
    const char *origin = from_play && c->play ? gos_macro_player_origin(c->play) : NULL;
    char *saved = origin ? g_strdup(gos_session_origin(c->s)) : NULL;
    if (origin)
        gos_session_set_origin(c->s, origin);
    int r = gos_cmd_exec(c->s, cmd, &err);
    if (saved)
        gos_session_set_origin(c->s, saved);
    g_free(saved);
    if (r < 0) {
        const char *why = err && *err ? err : _("The action failed.");
        const char *name = from_play && c->play ? gos_macro_player_name(c->play) : NULL;
        if (name) {
            /* TRANSLATORS: %1$s: a macro name; %2$s: FILE:LINE of the line that failed; %3$s: why. */
            char *msg = g_strdup_printf(_("Macro %1$s stopped: %2$s: %3$s"), name,
                                        gos_macro_player_where(c->play), why);
            set_error(c, msg);
            g_free(msg);
        } else {
            set_error(c, why);
        }
    } else {
        c->dirty |= (unsigned)r;
        if (c->rec && !from_play)
            gos_macro_rec_add(c->rec, cmd);
    }
    g_free(err);
    gos_cmd_clear(cmd);
    return r < 0 ? -1 : 0;
}

/* --- macros: recording and replay ------------------------------------------------ */

/* The prompt that `record` without a name opens. */
static const gos_binding record_prompt = {
    /* TRANSLATORS: the prompt for the name of a macro to record. */
    0, GOS_BIND_PROMPT, "record", NULL, 0, false, N_("Record a macro named: "),
};

/* The first key bound to `record` in the view, for "press R again". */
static bool record_key(console *c, char *buf, size_t len)
{
    gos_key_context ctx = gos_keymap_context(gos_session_view(c->s));
    gos_key_context order[2] = { ctx, GOS_CTX_GLOBAL };
    for (int t = 0; t < 2; t++) {
        size_t n;
        const gos_binding *b = gos_keymap_table(order[t], &n);
        for (size_t i = 0; i < n; i++) {
            if (b[i].kind == GOS_BIND_LINE && !strcmp(b[i].line, "record") &&
                gos_keymap_lookup(ctx, b[i].key) == &b[i]) {
                gos_key_name(b[i].key, buf, len);
                return true;
            }
        }
    }
    return false;
}

/* Saves the recording; returns the sentence that says what happened (g_free). */
static char *stop_recording(console *c, bool *failed)
{
    gos_macro_rec *rec = c->rec;
    c->rec = NULL;
    c->dirty |= GOS_DIRTY_STATUS | DIRTY_HINTS;
    *failed = false;
    char *msg;
    size_t n = gos_macro_rec_count(rec);
    if (n == 0) {
        msg = g_strdup_printf(_("Nothing was recorded, so macro %s was not saved."), gos_macro_rec_name(rec));
    } else {
        char *path = NULL, *err = NULL;
        if (gos_macro_rec_save(rec, &path, &err) == 0)
            /* TRANSLATORS: %1$s: a macro name; %2$s: its file; %3$zu: how many action lines it has. */
            msg = g_strdup_printf(ngettext("Macro %1$s saved to %2$s (%3$zu action).",
                                           "Macro %1$s saved to %2$s (%3$zu actions).", n),
                                  gos_macro_rec_name(rec), path, n);
        else {
            msg = err;
            err = NULL;
            *failed = true;
        }
        g_free(path);
        g_free(err);
    }
    gos_macro_rec_free(rec);
    return msg;
}

/* `record [NAME]`: starts a recording (asking for a name when none is given)
 * or, while one runs, stops and saves it. Returns 0, 1 (asking), or -1. */
static int do_record(console *c, gos_cmd *cmd)
{
    int rc = 0;
    if (c->rec) {
        bool failed;
        char *msg = stop_recording(c, &failed);
        if (failed)
            set_error(c, msg);
        else
            gos_session_set_status(c->s, "%s", msg);
        g_free(msg);
    } else if (cmd->argc == 0) {
        c->prompt = gos_prompt_new(_(record_prompt.text), NULL);
        c->prompt_binding = &record_prompt;
        curs_set(1);
        c->dirty |= GOS_DIRTY_STATUS | DIRTY_HINTS;
        rc = 1;
    } else {
        char *err = NULL;
        c->rec = gos_macro_rec_new(cmd->argv[0], &err);
        if (!c->rec) {
            set_error(c, err);
            g_free(err);
            rc = -1;
        } else {
            char key[32];
            if (record_key(c, key, sizeof key))
                /* TRANSLATORS: %1$s: a macro name; %2$s: the key that stops recording. */
                gos_session_set_status(c->s, _("Recording macro %1$s; press %2$s again to stop and save it."),
                                       cmd->argv[0], key);
            else
                gos_session_set_status(c->s, _("Recording macro %s; run record again to stop and save it."),
                                       cmd->argv[0]);
            c->dirty |= GOS_DIRTY_STATUS | DIRTY_HINTS;
        }
    }
    gos_cmd_clear(cmd);
    return rc;
}

static void stop_play(console *c)
{
    gos_macro_player_free(c->play);
    c->play = NULL;
    c->play_ready = c->play_waiting = false;
    c->confirm_from_play = false;
    c->dirty |= GOS_DIRTY_STATUS | DIRTY_HINTS;
}

/* `macro NAME` and `wait` run by the operator: replayed step by step from
 * the loop, so that the screen lives on while they wait. */
static int start_play(console *c, gos_cmd *cmd)
{
    int rc = -1;
    char *err = NULL;
    gos_macro_player *p = NULL;
    bool macro = !strcmp(cmd->action->name, "macro");
    if (c->play) {
        set_error(c, _("A macro is running already; press Esc to stop it first."));
        goto cleanup;
    }
    if (macro && c->rec && !strcmp(cmd->argv[0], gos_macro_rec_name(c->rec))) {
        /* TRANSLATORS: %s: a macro name. */
        err = g_strdup_printf(_("Macro %s cannot run while it is being recorded."), cmd->argv[0]);
        set_error(c, err);
        goto cleanup;
    }
    if (macro) {
        if (gos_macro_player_new(cmd->argv[0], &p, &err) < 0) {
            set_error(c, err);
            goto cleanup;
        }
        /* TRANSLATORS: %s: a macro name. */
        gos_session_set_status(c->s, _("Running macro %s; Esc stops it."), cmd->argv[0]);
    } else {
        gos_script *sc = NULL;
        char *line = gos_cmd_format(cmd);
        int pr = gos_script_parse(line, "", &sc, &err);
        g_free(line);
        if (pr < 0) {
            set_error(c, err);
            goto cleanup;
        }
        p = gos_macro_player_new_script(sc);
    }
    if (c->rec)
        gos_macro_rec_add(c->rec, cmd);
    c->play = p;
    c->play_ready = true;
    c->play_waiting = false;
    c->dirty |= GOS_DIRTY_STATUS | DIRTY_HINTS;
    rc = 1;
cleanup:
    g_free(err);
    gos_cmd_clear(cmd);
    return rc;
}

static int run_cmd(console *c, gos_cmd *cmd, bool from_play);

/* Runs replayed lines until the replay waits, asks, ends, or has run a burst. */
static void play_step(console *c)
{
    c->play_ready = false;
    for (int i = 0; i < PLAY_BURST; i++) {
        if (!c->play || c->confirm || c->prompt || gos_session_quit_requested(c->s))
            return;
        gos_cmd cmd = { 0 };
        long wait_ms = -1;
        unsigned dirty = 0;
        char *err = NULL;
        gos_play_state st = gos_macro_player_next(c->play, c->s, &cmd, &wait_ms, &dirty, &err);
        c->dirty |= dirty;
        const char *name = gos_macro_player_name(c->play);
        switch (st) {
        case GOS_PLAY_CMD:
            c->play_waiting = false;
            if (run_cmd(c, &cmd, true) < 0)
                stop_play(c);
            break;
        case GOS_PLAY_WAIT_TASKS:
        case GOS_PLAY_WAIT_IDLE:
            if (st == GOS_PLAY_WAIT_TASKS && !c->play_waiting) {
                c->play_waiting = true;
                if (name)
                    /* TRANSLATORS: %s: a macro name. */
                    gos_session_set_status(c->s, _("Macro %s waits until every task has ended; Esc stops it."), name);
                else
                    gos_session_set_status(c->s, "%s", _("Waiting until every task has ended; Esc stops waiting."));
                c->dirty |= GOS_DIRTY_STATUS;
            }
            c->play_wait_ms = wait_ms;
            return;
        case GOS_PLAY_DONE:
            /* A failing line ends in GOS_PLAY_ERROR, so this is news either way. */
            if (name)
                /* TRANSLATORS: %s: a macro name. */
                gos_session_set_status(c->s, _("Macro %s has run to its end."), name);
            else
                gos_session_set_status(c->s, "%s", _("Every task has ended."));
            stop_play(c);
            return;
        case GOS_PLAY_ERROR: {
            /* TRANSLATORS: %1$s: a macro name; %2$s: "FILE:LINE: why". */
            char *msg = name ? g_strdup_printf(_("Macro %1$s stopped: %2$s"), name, err)
                             : g_strdup(err ? err : "");
            set_error(c, msg);
            g_free(msg);
            g_free(err);
            stop_play(c);
            return;
        }
        }
    }
    c->play_ready = c->play != NULL;
}

/* While a replay runs, keys that would change what it acts on wait: views,
 * help, scrolling outside the VM list, repaint and quit are still answered. */
static bool play_allows(console *c, const gos_binding *b)
{
    if (b->kind == GOS_BIND_REDRAW || b->kind == GOS_BIND_NEXT_VIEW)
        return true;
    if (b->kind != GOS_BIND_LINE)
        return false;
    gos_cmd cmd;
    if (gos_cmd_parse(b->line, &cmd, NULL) < 0)
        return false;
    const char *name = cmd.action->name;
    bool ok = ((cmd.action->flags & GOS_ACT_NO_RECORD) && strcmp(name, "record") != 0) ||
              (gos_scroll_parse(name) >= 0 && gos_session_view(c->s) != GOS_VIEW_VMS);
    gos_cmd_clear(&cmd);
    return ok;
}

/* Runs a parsed command (cleared): scroll actions stay in views that scroll
 * on their own, recording, macros and `wait` belong to the console,
 * destructive ones ask first, everything else goes to the session. A
 * replayed line (from_play) always goes to the session: a macro's cursor-down
 * moves the VM cursor whatever view is showing. Returns 0 done, 1 pending (a
 * question, a replay), -1 failed. */
static int run_cmd(console *c, gos_cmd *cmd, bool from_play)
{
    gos_view v = gos_session_view(c->s);
    int scroll = from_play ? -1 : gos_scroll_parse(cmd->action->name);
    if (!strcmp(cmd->action->name, "record"))
        return do_record(c, cmd);
    if (!from_play && (!strcmp(cmd->action->name, "macro") || !strcmp(cmd->action->name, "wait")))
        return start_play(c, cmd);
    if (!from_play && v == GOS_VIEW_AUDIT && audit_action(c, cmd->action->name)) {
        gos_cmd_clear(cmd);
        c->dirty |= DIRTY_MAIN;
        return 0;
    }
    if (scroll >= 0 && v != GOS_VIEW_VMS) {
        switch (v) {
        case GOS_VIEW_TASKS: gos_view_tasks_scroll(c->s, &c->tasks_pos, (gos_scroll)scroll); break;
        case GOS_VIEW_AUDIT: gos_pager_move(c->audit, (gos_pager_move_kind)scroll); break;
        case GOS_VIEW_DETAIL: gos_page_scroll(&c->detail_pos, (gos_scroll)scroll); break;
        case GOS_VIEW_HELP: gos_page_scroll(&c->help_pos, (gos_scroll)scroll); break;
        default: break;
        }
        gos_cmd_clear(cmd);
        c->dirty |= DIRTY_MAIN;
        return 0;
    }
    if ((cmd->action->flags & GOS_ACT_DESTRUCTIVE) && !c->confirm) {
        /* Bound by default, by the configuration, or replayed: always asked. */
        size_t n = (size_t)cmd->argc;
        if (n == 0)
            g_free(gos_session_targets(c->s, &n));
        if (n > 0) {
            c->confirm = gos_confirm_new(c->s, cmd);
            c->confirm_from_play = from_play;
            c->dirty |= DIRTY_DIALOG | DIRTY_HINTS;
            return 1;
        }
        /* Nothing to confirm: the action itself says why it cannot run. */
    }
    return exec_cmd(c, cmd, from_play);
}

static void run_line(console *c, const char *line)
{
    gos_cmd cmd;
    char *err = NULL;
    if (gos_cmd_parse(line, &cmd, &err) < 0) {
        /* TRANSLATORS: %s: an action line; %s: why it does not parse. */
        char *msg = g_strdup_printf(_("Cannot run \"%s\": %s"), line, err ? err : "");
        set_error(c, msg);
        g_free(msg);
        g_free(err);
        return;
    }
    run_cmd(c, &cmd, false);
}

static void finish_prompt(console *c, bool run)
{
    const gos_binding *b = c->prompt_binding;
    char *text = gos_prompt_text(c->prompt);
    gos_prompt_free(c->prompt);
    c->prompt = NULL;
    c->prompt_binding = NULL;
    curs_set(0);
    c->dirty |= GOS_DIRTY_STATUS | DIRTY_HINTS;
    if (run && b == &record_prompt && g_strstrip(text)[0] == '\0') {
        gos_session_set_status(c->s, "%s", _("Nothing was recorded."));
    } else if (run && b && b->kind == GOS_BIND_COMMAND) {
        if (g_strstrip(text)[0])
            run_line(c, text);
    } else if (run && b) {
        if (b->kind == GOS_BIND_PROMPT) {
            /* One argument, taken as typed: no quoting to get wrong. */
            const gos_action *a = gos_action_find(b->line);
            if (a) {
                gos_cmd cmd = { .action = a };
                bool empty = g_strstrip(text)[0] == '\0';
                cmd.argc = empty && a->min_args == 0 ? 0 : 1;
                cmd.argv = g_new0(char *, 2);
                if (cmd.argc)
                    cmd.argv[0] = g_strdup(text);
                run_cmd(c, &cmd, false);
            }
        } else {
            char *line = g_strdup_printf("%s %s", b->line, text);
            run_line(c, line);
            g_free(line);
        }
    }
    g_free(text);
}

static void on_binding(console *c, const gos_binding *b)
{
    char *line;
    switch (b->kind) {
    case GOS_BIND_LINE:
        run_line(c, b->line);
        break;
    case GOS_BIND_PROMPT:
    case GOS_BIND_PROMPT_WORDS:
    case GOS_BIND_COMMAND: {
        /* Empty, not the filter in force: Enter on an empty line clears it, and
         * gos_session_filter_text() is for people, not for parsing back. */
        c->prompt = gos_prompt_new(b->text ? _(b->text) : "> ", NULL);
        c->prompt_binding = b;
        curs_set(1);
        c->dirty |= GOS_DIRTY_STATUS | DIRTY_HINTS;
        break;
    }
    case GOS_BIND_NEXT_VIEW:
    case GOS_BIND_NEXT_SORT:
        line = gos_binding_next_line(b, c->s);
        run_line(c, line);
        g_free(line);
        break;
    case GOS_BIND_REDRAW:
        c->repaint = true;
        c->dirty = DIRTY_EVERY;
        break;
    }
}

static void on_key(console *c, int key)
{
    if (key == GOS_KEY_FN(KEY_RESIZE)) {
        c->resize = true;
        return;
    }
    if (c->small) {
        /* Nothing else shows: no key may act unseen (a question answered
         * blind). The small screen offers q; ^L repaints. */
        const gos_binding *b = gos_keymap_lookup(gos_keymap_context(gos_session_view(c->s)), key);
        if (b && (b->kind == GOS_BIND_REDRAW || (b->kind == GOS_BIND_LINE && !strcmp(b->line, "quit"))))
            on_binding(c, b);
        return;
    }
    if (c->confirm) {
        gos_dialog_state st = gos_confirm_key(c->confirm, key);
        if (st == GOS_DIALOG_OPEN)
            return;
        if (st == GOS_DIALOG_YES && gos_confirm_recheck(c->confirm, c->s)) {
            c->dirty |= DIRTY_DIALOG;   /* show the new targets; ask again */
            return;
        }
        gos_confirm *done = c->confirm;
        bool from_play = c->confirm_from_play;
        c->confirm = NULL;
        c->confirm_from_play = false;
        if (st == GOS_DIALOG_YES) {
            /* Exactly the VMs shown, named, so that a recording keeps them. */
            gos_confirm_name_targets(done, c->s);
            if (exec_cmd(c, gos_confirm_cmd(done), from_play) < 0 && from_play)
                stop_play(c);
        } else if (from_play && c->play) {
            const char *name = gos_macro_player_name(c->play);
            if (name)
                /* TRANSLATORS: %s: a macro name; the operator said no to one of its lines. */
                gos_session_set_status(c->s, _("Nothing was done; macro %s stopped."), name);
            else
                gos_session_set_status(c->s, "%s", _("Nothing was done."));
            stop_play(c);
        } else {
            gos_session_set_status(c->s, "%s", _("Nothing was done."));
        }
        gos_confirm_free(done);
        c->play_ready = c->play != NULL;
        c->dirty |= DIRTY_EVERY;   /* uncover what the dialog hid */
        return;
    }
    if (c->prompt) {
        gos_dialog_state st = gos_prompt_key(c->prompt, key);
        if (st == GOS_DIALOG_OPEN)
            c->dirty |= GOS_DIRTY_STATUS;
        else
            finish_prompt(c, st == GOS_DIALOG_YES);
        c->play_ready = c->play != NULL && !c->prompt;
        return;
    }
    const gos_binding *b = gos_keymap_lookup(gos_keymap_context(gos_session_view(c->s)), key);
    if (c->play) {
        if (key == GOS_KEY_ESC || key == GOS_KEY_CTRL('g')) {
            const char *name = gos_macro_player_name(c->play);
            if (name)
                /* TRANSLATORS: %s: a macro name; tasks it submitted go on. */
                gos_session_set_status(c->s, _("Macro %s stopped; the tasks it started go on."), name);
            else
                gos_session_set_status(c->s, "%s", _("Stopped waiting; the tasks go on."));
            stop_play(c);
        } else if (b && play_allows(c, b)) {
            on_binding(c, b);
        } else if (b) {
            set_error(c, gos_macro_player_name(c->play)
                             ? _("A macro is running: press Esc to stop it first.")
                             : _("Waiting until every task has ended: press Esc to stop waiting first."));
        }
        return;
    }
    if (b)
        on_binding(c, b);
}

/* Reads every key that is waiting. */
static void drain_keys(console *c)
{
    for (int i = 0; i < 4096; i++) {
        wint_t wch;
        int rc = wget_wch(c->input, &wch);
        if (rc == ERR)
            break;
        on_key(c, rc == KEY_CODE_YES ? GOS_KEY_FN((int)wch) : (int)wch);
        if (gos_session_quit_requested(c->s) || got_signal)
            break;
    }
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
                                MIN_COLS, MIN_ROWS);
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
        const char *keys[] = { "y", "n" };
        /* TRANSLATORS: hint-bar labels while the confirmation is open. */
        const char *labels[] = { _("Yes"), _("No") };
        gos_frame_hints_pairs(c->hints, keys, labels, 2);
    } else if (c->prompt) {
        char enter[32], esc[32];
        const char *keys[] = { gos_key_name('\r', enter, sizeof enter), gos_key_name(GOS_KEY_ESC, esc, sizeof esc) };
        /* TRANSLATORS: hint-bar labels while a prompt is open. */
        const char *labels[] = { _("Run"), _("Cancel") };
        gos_frame_hints_pairs(c->hints, keys, labels, 2);
    } else if (c->play) {
        char esc[32];
        const char *keys[] = { gos_key_name(GOS_KEY_ESC, esc, sizeof esc) };
        /* TRANSLATORS: hint-bar label while a macro runs (or a `wait`). */
        const char *labels[] = { gos_macro_player_name(c->play) ? _("Stop macro") : _("Stop waiting") };
        gos_frame_hints_pairs(c->hints, keys, labels, 1);
    } else {
        gos_frame_hints(c->hints, gos_keymap_context(gos_session_view(c->s)), c->rec != NULL);
    }
}

static void draw(console *c)
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
    gos_view v = gos_session_view(c->s);
    unsigned d = c->dirty;
    bool all = (d & (GOS_DIRTY_VIEW | DIRTY_DIALOG)) != 0;

    if (all || (d & (GOS_DIRTY_VMS | GOS_DIRTY_STATUS | GOS_DIRTY_TASKS))) {
        char *badge = NULL;
        if (c->rec)
            /* TRANSLATORS: title-line badge while macro %s is being recorded; keep it short. */
            badge = g_strdup_printf(_("REC %s"), gos_macro_rec_name(c->rec));
        else if (c->play && gos_macro_player_name(c->play))
            /* TRANSLATORS: title-line badge while macro %s is being replayed; keep it short. */
            badge = g_strdup_printf(_("PLAY %s"), gos_macro_player_name(c->play));
        gos_frame_title(c->title, c->s, badge, c->rec ? GOS_ROLE_ERROR : GOS_ROLE_WARN);
        g_free(badge);
        wnoutrefresh(c->title);
    }

    bool main_dirty = all || (d & DIRTY_MAIN);
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
        case GOS_VIEW_VMS: gos_view_vms_draw(c->main, c->s, &c->vm_top); break;
        case GOS_VIEW_TASKS: gos_view_tasks_draw(c->main, c->s, &c->tasks_pos); break;
        case GOS_VIEW_AUDIT: gos_view_audit_draw(c->main, c->audit); break;
        case GOS_VIEW_DETAIL: gos_view_detail_draw(c->main, c->s, &c->detail_pos); break;
        case GOS_VIEW_HELP: gos_view_help_draw(c->main, c->s, &c->help_pos); break;
        }
        wnoutrefresh(c->main);
    }
    if (c->panel && (all || (d & (GOS_DIRTY_TASKS | DIRTY_TICK)))) {
        gos_view_tasks_panel_draw(c->panel, c->s);
        wnoutrefresh(c->panel);
    }
    if (all || (d & DIRTY_HINTS)) {
        draw_hints(c);
        wnoutrefresh(c->hints);
    }
    if (c->confirm) {
        /* Over everything else, whatever was redrawn beneath it. */
        gos_confirm_draw(c->confirm, c->rows, c->cols);
    }
    /* The status line goes last: with a prompt open, its cursor is the one shown. */
    if (all || (d & GOS_DIRTY_STATUS) || c->prompt) {
        if (c->prompt)
            gos_prompt_draw(c->prompt, c->status);
        else
            gos_frame_status(c->status, c->s, status_is_error(c));
        wnoutrefresh(c->status);
    }
    doupdate();
    c->dirty = 0;
}

/* Notices a view switch made by an action: fresh layout, pages from the top. */
static void follow_view(console *c)
{
    gos_view v = gos_session_view(c->s);
    if (v == c->last_view)
        return;
    if (v == GOS_VIEW_DETAIL)
        c->detail_pos.top = 0;
    if (v == GOS_VIEW_HELP)
        c->help_pos.top = 0;
    if (v == GOS_VIEW_AUDIT) {
        /* Enter the audit log at its newest page. */
        gos_pager_free(c->audit);
        c->audit = audit_new(c);
    }
    c->last_view = v;
    c->dirty = DIRTY_EVERY;
    if (!c->small && v != c->layout_view && (v == GOS_VIEW_VMS || c->layout_view == GOS_VIEW_VMS))
        layout(c);
}

/* --- the loop ----------------------------------------------------------------------- */

static int loop(console *c)
{
    struct pollfd fds[4];
    int64_t next_tick = 0;

    while (!gos_session_quit_requested(c->s) && !got_signal) {
        if (got_winch) {
            got_winch = 0;
            c->resize = true;
        }
        if (c->resize)
            handle_resize(c);
        follow_view(c);
        if (c->confirm && (c->dirty & GOS_DIRTY_VMS) && gos_confirm_recheck(c->confirm, c->s))
            c->dirty |= DIRTY_DIALOG;
        if (c->dirty) {
            audit_sync(c);
            draw(c);
        }

        /* Only running tasks need a clock, and core only while some agent
         * is due for a probe: idle, the loop sleeps until a key, an update
         * from core, or a signal. */
        long core_timeout = gos_session_timeout_ms(c->s);
        int timeout = core_timeout < 0 ? -1 : core_timeout > INT_MAX ? INT_MAX : (int)core_timeout;
        bool running = gos_view_tasks_running(c->s);
        if (running) {
            int64_t now = gos_now_ms();
            if (next_tick <= now)
                next_tick = now + TICK_MS;
            int tick = (int)(next_tick - now);
            if (timeout < 0 || tick < timeout)
                timeout = tick;
        }
        /* A replay with lines ready goes on at once; one that waits looks
         * again at its deadline, or when an update (a task ending) arrives. */
        if (c->play && !c->confirm && !c->prompt) {
            long pw = c->play_ready ? 0 : c->play_wait_ms;
            if (pw >= 0 && (timeout < 0 || pw < timeout))
                timeout = pw > INT_MAX ? INT_MAX : (int)pw;
        }

        fds[0] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
        fds[1] = (struct pollfd){ .fd = gos_session_fd(c->s), .events = POLLIN };
        fds[2] = (struct pollfd){ .fd = sig_pipe[0], .events = POLLIN };
        /* The audit view's worker answers a slow query through this one. */
        fds[3] = (struct pollfd){ .fd = c->audit_pipe[0], .events = POLLIN };
        int n = poll(fds, 4, timeout);
        if (n < 0 && errno != EINTR) {
            c->loop_errno = errno;
            return -1;
        }
        if (n > 0 && (fds[2].revents & POLLIN))
            drain_pipe();
        if (n > 0 && (fds[0].revents & (POLLHUP | POLLERR | POLLNVAL)) && !(fds[0].revents & POLLIN)) {
            /* The terminal went away (SSH dropped): nobody is left to see the screen. */
            return 128 + SIGHUP;
        }
        if (n > 0 && (fds[0].revents & POLLIN))
            drain_keys(c);

        if (n > 0 && (fds[3].revents & POLLIN)) {
            char buf[64];
            while (read(c->audit_pipe[0], buf, sizeof buf) > 0)
                ;
            if (gos_pager_collect(c->audit))
                c->dirty |= DIRTY_MAIN;
        }
        c->dirty |= gos_session_pump(c->s);
        /* Fail closed, and say why: once the audit log cannot be written no
         * task starts, and the status line tells the operator so. */
        const char *problem = gos_engine_audit_problem(gos_session_engine(c->s));
        if (problem && !c->audit_problem_shown) {
            c->audit_problem_shown = true;
            set_error(c, problem);
        }
        if (running && gos_now_ms() >= next_tick) {
            c->dirty |= DIRTY_TICK;
            next_tick = 0;
        }
        if (c->play && !c->confirm && !c->prompt)
            play_step(c);
    }
    return got_signal ? 128 + got_signal : 0;
}

int gos_console_run(gos_session *s, char **err)
{
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        if (err)
            *err = g_strdup(_("The console needs a terminal; without one, use a command such as "
                              "'guestos list' or 'guestos batch FILE'."));
        return -1;
    }
    const char *term = getenv("TERM");
    if (!term || !*term) {
        if (err)
            *err = g_strdup(_("TERM is not set, so the console cannot drive this terminal."));
        return -1;
    }
    if (signals_install() < 0) {
        if (err)
            *err = g_strdup_printf(_("Cannot set up signal handling: %s."), g_strerror(errno));
        return -1;
    }

    /* Ask terminfo first: a failed newterm() leaks ncurses' screen. */
    int term_err = 0;
    if (setupterm(NULL, STDOUT_FILENO, &term_err) != OK) {
        signals_restore();
        if (err)
            /* TRANSLATORS: %s: the value of TERM. */
            *err = g_strdup_printf(_("The terminal type '%s' is unknown to ncurses."), term);
        return -1;
    }
    del_curterm(cur_term);

    console c;
    memset(&c, 0, sizeof c);
    c.s = s;
    c.scr = newterm(NULL, stdout, stdin);
    if (!c.scr) {
        signals_restore();
        if (err)
            /* TRANSLATORS: %s: the value of TERM. */
            *err = g_strdup_printf(_("The terminal type '%s' is unknown to ncurses."), term);
        return -1;
    }
    set_term(c.scr);

    stderr_hold hold;
    stderr_hold_start(&hold);

    cbreak();
    noecho();
    nonl();
    intrflush(stdscr, FALSE);
    set_escdelay(ESC_DELAY_MS);
    curs_set(0);
    gos_draw_init();
    c.input = newpad(1, 1);
    if (c.input) {
        keypad(c.input, TRUE);
        nodelay(c.input, TRUE);
    }
    c.audit_pipe[0] = c.audit_pipe[1] = -1;
    if (pipe(c.audit_pipe) == 0) {
        for (int i = 0; i < 2; i++) {
            fcntl(c.audit_pipe[i], F_SETFL, fcntl(c.audit_pipe[i], F_GETFL) | O_NONBLOCK);
            fcntl(c.audit_pipe[i], F_SETFD, FD_CLOEXEC);
        }
    } else {
        c.audit_pipe[0] = c.audit_pipe[1] = -1;
    }
    c.audit = audit_new(&c);
    c.last_view = gos_session_view(s);
    read_size(&c);
    layout(&c);

    char *bad = NULL;
    if (gos_keymap_check(&bad) < 0) {
        set_error(&c, bad);
        g_free(bad);
    }

    int rc = c.input ? loop(&c) : -1;

    /* Every way out passes here: the terminal is left as it was found. */
    if (c.rec) {
        /* Leaving while recording keeps what was recorded; stderr says where. */
        bool failed;
        c.exit_note = stop_recording(&c, &failed);
    }
    gos_macro_player_free(c.play);
    gos_confirm_free(c.confirm);
    gos_prompt_free(c.prompt);
    gos_pager_free(c.audit);
    for (int i = 0; i < 2; i++)
        if (c.audit_pipe[i] >= 0)
            close(c.audit_pipe[i]);
    g_free(c.error_status);
    drop_windows(&c);
    if (c.input)
        delwin(c.input);
    /* Without an alternate screen (vt100 has none) the console would stay
     * behind under the shell prompt: wipe it. */
    const char *rmcup = tigetstr("rmcup");
    if (!rmcup || rmcup == (char *)-1 || !*rmcup) {
        clear();
        refresh();
    }
    curs_set(1);
    endwin();
    delscreen(c.scr);
    signals_restore();

    stderr_hold_end(&hold);
    if (c.exit_note) {
        fprintf(stderr, "guestos: %s\n", c.exit_note);
        g_free(c.exit_note);
    }

    if (rc < 0) {
        if (err)
            *err = g_strdup_printf(_("The console stopped: %s."), g_strerror(c.loop_errno ? c.loop_errno : ENOMEM));
        return -1;
    }
    return rc;
}
