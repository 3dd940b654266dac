/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What stays from one run of the console to the next: the view (state.c) and the lines typed at the prompt (history.c). */
#ifndef GOS_HISTORY_H
#define GOS_HISTORY_H

#include <glib.h>

#include "core/session.h"

/* Lines of the action prompt kept, the newest. */
#define GOS_HISTORY_MAX 500

/* $XDG_STATE_HOME/guestos/NAME (~/.local/state/guestos/NAME), newly allocated:
 * the folder the audit database lives in, beside the state of the console. */
char *gos_state_path(const char *name);

/* The lines of the history file at path, oldest first (char*, owned by the
 * array); an empty array when there is no file or it cannot be read. */
GPtrArray *gos_history_load(const char *path);
/* Appends line, dropping an equal older one and the oldest past GOS_HISTORY_MAX. */
void gos_history_add(GPtrArray *lines, const char *line);
/* Writes the lines: folder 0700, file 0600, whole or not at all. Returns 0,
 * or -1 with *err (a translated sentence, g_free). */
int gos_history_save(const GPtrArray *lines, const char *path, char **err);

/* Writes text to path, making its folder (0700); the file is 0600 and is
 * replaced whole. Returns 0, or -1 with *err. */
int gos_state_write(const char *path, const char *text, char **err);

/* Writes what the console shows, to be shown again on the next start: the
 * view, the sort, the columns, the filter, the task panel's size (a key file,
 * written whole or not at all). Returns 0, or -1 with *err. */
int gos_state_save(gos_session *s, const char *path, char **err);

/* Restores what gos_state_save wrote. A missing file restores nothing and is
 * no error; a value that no longer reads (a column renamed) is skipped, and
 * *err says which (the rest is restored). Returns 0, or -1 with *err. */
int gos_state_load(gos_session *s, const char *path, char **err);

#endif
