/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The one action vocabulary: keys, help, macros and batch files all name these actions. */
#ifndef GOS_ACTIONS_H
#define GOS_ACTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/session.h"

enum {
    GOS_ACT_TARGETS     = 1u << 0,   /* acts on the marked VMs or the one under the cursor */
    GOS_ACT_DESTRUCTIVE = 1u << 1,   /* changes guests: the console asks first */
    GOS_ACT_NO_RECORD   = 1u << 2,   /* not recorded into macros */
};

/* A handler changes session state and returns GOS_DIRTY_* bits, or -1 with
 * *err set to a translated sentence. It never draws. */
typedef int (*gos_action_fn)(gos_session *s, int argc, char **argv, char **err);

typedef struct gos_action {
    const char *name;        /* stable, never translated */
    gos_action_fn fn;
    unsigned flags;
    int min_args, max_args;
    const char *args;        /* argument synopsis, e.g. "URI", or "" */
    const char *help;        /* N_() text; translate with _() when shown */
} gos_action;

size_t gos_action_count(void);
const gos_action *gos_action_at(size_t i);
const gos_action *gos_action_find(const char *name);

/* One parsed action line. */
typedef struct gos_cmd {
    const gos_action *action;
    int argc;
    char **argv;
    int line, col;
} gos_cmd;

typedef struct gos_script {
    char *file;
    gos_cmd *cmds;
    size_t n;
} gos_script;

/* Parses action lines (`#` comments, blank lines, words separated by blanks,
 * double quotes for words with blanks). Any error ("FILE:LINE:COL: ...")
 * rejects the whole text: nothing runs. */
int gos_script_parse(const char *text, const char *file, gos_script **out, char **err);
void gos_script_free(gos_script *script);

/* Parses one line (a key binding's action text). */
int gos_cmd_parse(const char *line, gos_cmd *out, char **err);
void gos_cmd_clear(gos_cmd *cmd);

/* The line that gos_cmd_parse reads back into the same command. Newly allocated. */
char *gos_cmd_format(const gos_cmd *cmd);

/* Runs one command. Returns GOS_DIRTY_* bits or -1 with *err set. */
int gos_cmd_exec(gos_session *s, const gos_cmd *cmd, char **err);

#endif
