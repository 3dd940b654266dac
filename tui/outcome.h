/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Task outcomes printed once each as tasks end, and counted: for `logoff` and `batch`. */
#ifndef GOS_OUTCOME_H
#define GOS_OUTCOME_H

#include <stdbool.h>
#include <stddef.h>

#include <glib.h>

#include "core/session.h"

/* Prints the outcome of each task once, as it ends, and counts how they ended. */
typedef struct gos_cli gos_cli;

typedef struct gos_reporter {
    gos_session *s;
    gos_cli *cli;            /* when set, a signal or a gone reader stops new work (gos_cli_interrupted) */
    bool json;
    GByteArray *printed;     /* one byte per task index: 1 once printed */
    size_t scan_from;        /* every task before this one is printed */
    GArray *lines;           /* int per task index: the script line that submitted it (batch) */
    GHashTable *errors;      /* task Error -> how many (GUINT_TO_POINTER both) */
    size_t ok, failed;
} gos_reporter;

void gos_reporter_init(gos_reporter *r, gos_session *s, bool json);
void gos_reporter_clear(gos_reporter *r);
/* Notes that the tasks submitted since the last call came from script line. */
void gos_reporter_note_line(gos_reporter *r, int line);
/* Prints every task that has ended and was not printed yet. True when every
 * task of the session has ended (and so been printed). */
bool gos_reporter_scan(gos_reporter *r);
/* Pumps and prints outcomes as tasks end, until all have ended (true) or
 * timeout_ms passes (false; -1 waits as long as it takes, 0 only looks). */
bool gos_reporter_wait(gos_reporter *r, long timeout_ms);

#endif
