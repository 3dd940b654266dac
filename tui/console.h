/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The interactive console: owns the terminal and runs the event loop over a connected session. */
#ifndef GOS_CONSOLE_H
#define GOS_CONSOLE_H

#include <stdbool.h>

#include "core/session.h"

/* Runs the console on the controlling terminal (stdin and stdout) until the
 * `quit` action, SIGTERM, SIGHUP or SIGINT, or until the terminal goes away.
 * Call after setlocale(), gos_session_new() and gos_session_connect(s, false).
 * Keys run action lines through gos_cmd_exec(); the session's view, cursor,
 * marks and status change as the actions say. The terminal is restored on
 * every way out; what was written to stderr meanwhile is printed after.
 *
 * Returns the process exit status: 0 after `quit`, 128 + the signal number
 * after a signal or a hang-up; or -1 with *err set to a translated sentence
 * (free with free()) when the console cannot run (not a terminal, TERM unset
 * or unknown). */
typedef struct gos_console_opts {
    bool mouse;                /* read clicks and the wheel (htop's default; --no-mouse) */
    const char *history;       /* the action prompt's history file, NULL: none kept */
} gos_console_opts;

int gos_console_run(gos_session *s, const gos_console_opts *opts, char **err);

#endif
