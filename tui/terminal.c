/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The terminal the console owns: signals, stderr while the screen is ours, and ncurses' start and end. */
#include <config.h>

#include "tui/terminal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "base/i18n.h"
#include "tui/draw.h"
/* Last: its capability macros (lines, columns, ...) would rewrite the headers above. */
#include <term.h>

/* Escape must not wait long for the rest of a sequence over SSH. */
#define ESC_DELAY_MS 50

/* --- signals ------------------------------------------------------------------------------ */

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

int gos_term_signals_install(void)
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

void gos_term_signals_restore(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(handled_signals); i++)
        sigaction(handled_signals[i], &saved_actions[i], NULL);
    for (int i = 0; i < 2; i++) {
        if (sig_pipe[i] >= 0)
            close(sig_pipe[i]);
        sig_pipe[i] = -1;
    }
}

int gos_term_signal_fd(void) { return sig_pipe[0]; }

void gos_term_drain(void)
{
    char buf[64];
    while (read(sig_pipe[0], buf, sizeof buf) > 0)
        ;
}

int gos_term_signal(void) { return got_signal; }

bool gos_term_take_winch(void)
{
    if (!got_winch)
        return false;
    got_winch = 0;
    return true;
}

/* --- stderr while the screen is ours ----------------------------------------- */

void gos_stderr_hold_start(gos_stderr_hold *h)
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

void gos_stderr_hold_end(gos_stderr_hold *h)
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

/* --- ncurses ----------------------------------------------------------------------------- */

/* What xterm, tmux and most emulators send for Home, End, Insert, Delete and
 * the page keys, whatever TERM says: a vt100 entry has none of them, and the
 * keys would arrive as Esc and letters. Only sequences the terminal's entry
 * leaves unbound are added. */
static void define_missing_keys(void)
{
    static const struct {
        const char *seq;
        int key;
    } keys[] = {
        { "\033[1~", KEY_HOME }, { "\033[7~", KEY_HOME }, { "\033[H", KEY_HOME }, { "\033OH", KEY_HOME },
        { "\033[4~", KEY_END }, { "\033[8~", KEY_END }, { "\033[F", KEY_END }, { "\033OF", KEY_END },
        { "\033[5~", KEY_PPAGE }, { "\033[6~", KEY_NPAGE },
        { "\033[2~", KEY_IC }, { "\033[3~", KEY_DC },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(keys); i++)
        if (key_defined(keys[i].seq) == 0)
            define_key(keys[i].seq, keys[i].key);
}

SCREEN *gos_term_open(char **err)
{
    const char *term = getenv("TERM");
    if (!term || !*term) {
        if (err)
            *err = g_strdup(_("TERM is not set, so the console cannot drive this terminal."));
        return NULL;
    }
    /* Ask terminfo first: a failed newterm() leaks ncurses' screen. */
    int term_err = 0;
    if (setupterm(NULL, STDOUT_FILENO, &term_err) != OK) {
        if (err)
            /* TRANSLATORS: %s: the value of TERM. */
            *err = g_strdup_printf(_("The terminal type '%s' is unknown to ncurses."), term);
        return NULL;
    }
    /* The console draws by moving the cursor: a terminal that cannot (TERM=dumb,
     * an emacs shell buffer) would get a scrolling mess. */
    const char *cup = tigetstr("cup");
    bool addressable = cup && cup != (char *)-1 && *cup;
    del_curterm(cur_term);
    if (!addressable) {
        if (err)
            /* TRANSLATORS: %s: the value of TERM. */
            *err = g_strdup_printf(_("The terminal type '%s' cannot move the cursor, which the console needs; "
                                     "use a command such as 'guestos list' here, or a terminal like xterm."), term);
        return NULL;
    }
    SCREEN *scr = newterm(NULL, stdout, stdin);
    if (!scr) {
        if (err)
            /* TRANSLATORS: %s: the value of TERM. */
            *err = g_strdup_printf(_("The terminal type '%s' is unknown to ncurses."), term);
        return NULL;
    }
    set_term(scr);
    cbreak();
    noecho();
    nonl();
    intrflush(stdscr, FALSE);
    set_escdelay(ESC_DELAY_MS);
    curs_set(0);
    define_missing_keys();
    gos_draw_init();
    return scr;
}

void gos_term_close(SCREEN *scr)
{
    /* Without an alternate screen (vt100 has none) the console would stay
     * behind under the shell prompt: wipe it. */
    const char *rmcup = tigetstr("rmcup");
    if (!rmcup || rmcup == (char *)-1 || !*rmcup) {
        clear();
        refresh();
    }
    curs_set(1);
    endwin();
    delscreen(scr);
}
