/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The VM list's columns: their stable names, the sort key each goes with, and lists of them ("name:30 host state"). */
#ifndef GOS_COLUMNS_H
#define GOS_COLUMNS_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    GOS_COL_NAME = 0,
    GOS_COL_HOST,
    GOS_COL_STATE,
    GOS_COL_AGENT,
    GOS_COL_PING,              /* the agent's last round trip */
    GOS_COL_USERS,
    GOS_COL_OS,                /* guest OS pretty name */
    GOS_COL_VERSION,           /* agent version */
    GOS_COL_LOGIN,             /* login time of the user logged on longest */
    GOS_COL_N
} gos_column;

/* The widest a column may be made, in screen columns. */
#define GOS_COLUMN_WIDTH_MAX 200

/* One column of the list and its width: 0 shares the room the columns of a
 * fixed width leave. */
typedef struct gos_column_spec {
    gos_column col;
    int width;
} gos_column_spec;

/* The columns shown when nothing else was chosen. */
extern const gos_column_spec gos_columns_default[];
extern const size_t gos_columns_default_n;

/* Stable name ("name", "ping"): configuration, action lines, saved state. */
const char *gos_column_name(gos_column col);
/* The column of a name (any case), or -1. */
int gos_column_parse(const char *name);

/*
 * Reads a list of column words into *out (n_out set; g_free it):
 *   COLUMN[:WIDTH]   the list starts afresh from the first such word;
 *   +COLUMN[:WIDTH]  adds the column at the end (or sets its width);
 *   -COLUMN          takes it away;
 * applied in order to cur (n_cur). No column twice; at least one is left.
 * Returns 0, or -1 with *err (a translated sentence, g_free) naming the word.
 */
int gos_columns_parse(int argc, char *const *argv, const gos_column_spec *cur, size_t n_cur,
                      gos_column_spec **out, size_t *n_out, char **err);

/* The words gos_columns_parse reads back into the same list ("name:30 host"). Newly allocated. */
char *gos_columns_format(const gos_column_spec *cols, size_t n);

#endif
