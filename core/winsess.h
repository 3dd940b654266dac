/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Windows `query session` output, which the guest writes: the sessions with a user, in any language. */
#ifndef GOS_WINSESS_H
#define GOS_WINSESS_H

#include <stddef.h>

/* The sessions read from one output, at most. */
#define GOS_WIN_SESSIONS_MAX 4096

/* One row of Windows `query session` output that has a user. */
typedef struct gos_win_session {
    char *session;   /* session name, or NULL for a disconnected session */
    char *user;
    long id;
} gos_win_session;

/* Parses `query session` output (any language: columns are found from the
 * header line). Returns the number of sessions with a user, in *out (free
 * with gos_win_sessions_free), or -1 when the text is not such output. */
int gos_win_sessions_parse(const char *text, gos_win_session **out);
void gos_win_sessions_free(gos_win_session *s, size_t n);

#endif
