/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The terminal the console owns: signals, stderr while the screen is ours, and ncurses' start and end. */
#ifndef GOS_TERMINAL_H
#define GOS_TERMINAL_H

#include <stdbool.h>
#include <stdio.h>

#include <curses.h>

/* SIGTERM, SIGHUP, SIGINT and SIGWINCH become flags and a byte down a pipe,
 * so that the loop notices them in poll(). Returns 0 or -1 (errno set). */
int gos_term_signals_install(void);
void gos_term_signals_restore(void);
/* Readable after a signal; gos_term_drain empties it. */
int gos_term_signal_fd(void);
void gos_term_drain(void);
/* The first of SIGTERM, SIGHUP, SIGINT that came, or 0. */
int gos_term_signal(void);
/* True once after each SIGWINCH. */
bool gos_term_take_winch(void);

/* While the console runs, fd 2 goes to an anonymous file when it is the
 * terminal (libvirt's and GLib's warnings would scribble over the screen);
 * once the terminal is restored, what came is copied to the real stderr. */
typedef struct gos_stderr_hold {
    int saved;       /* the real stderr, or -1 when not held */
    FILE *held;
} gos_stderr_hold;
void gos_stderr_hold_start(gos_stderr_hold *h);
void gos_stderr_hold_end(gos_stderr_hold *h);

/* Checks TERM, takes the terminal (newterm on stdin and stdout) and sets the
 * modes the console wants. NULL with *err (translated) when it cannot. */
SCREEN *gos_term_open(char **err);
/* Leaves the terminal as it was found; wipes the screen where no alternate
 * screen hides it. */
void gos_term_close(SCREEN *scr);

#endif
