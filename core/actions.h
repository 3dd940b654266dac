/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The one action vocabulary: keys, help, macros and batch files all name these actions. */
#ifndef GOS_ACTIONS_H
#define GOS_ACTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/session.h"

/* What an action is and needs, for the executor (core/exec.c): no front end
 * looks at an action's name. */
enum {
    GOS_ACT_TARGETS     = 1u << 0,   /* acts on VMs: named, else marked, else the one under a visible cursor */
    GOS_ACT_DESTRUCTIVE = 1u << 1,   /* changes guests: asked first wherever a person can be asked */
    GOS_ACT_NO_RECORD   = 1u << 2,   /* not recorded into macros */
    GOS_ACT_TERMINAL    = 1u << 3,   /* needs a person at a terminal */
    GOS_ACT_PASSIVE     = 1u << 4,   /* changes nothing a playing macro acts on: runs while one plays */
    GOS_ACT_SCROLL      = 1u << 5,   /* moves in the current view: passive outside the VM list */
    GOS_ACT_UNSEEN      = 1u << 6,   /* may run while the screen shows nothing (too small) */
    GOS_ACT_SETTLES     = 1u << 7,   /* lists hosts again: later lines that read the inventory wait for it */
    GOS_ACT_LIVE        = 1u << 8,   /* its prompt runs it as the operator types (a search narrows as it grows) */
};

/* What a line needs before it runs, from its action's `needs`. */
enum {
    GOS_NEED_HOSTS = 1u << 0,        /* the hosts connected or refreshed before it have been listed */
    GOS_NEED_AGENT = 1u << 1,        /* the agents of running VMs have answered once (or failed) */
};

/* Returned by a handler, beside GOS_DIRTY_* bits: the line now waits
 * (gos_exec_wait_*), or asks (gos_exec_ask). */
#define GOS_ACT_WAIT (1 << 28)
#define GOS_ACT_ASK  (1 << 29)

typedef struct gos_act_ctx gos_act_ctx;

/* A handler changes session state and returns GOS_DIRTY_* bits (with
 * GOS_ACT_WAIT or GOS_ACT_ASK when the line goes on later), or -1 with *err
 * set to a translated sentence. It never draws and never prints. */
typedef int (*gos_action_fn)(gos_act_ctx *c, int argc, char **argv, char **err);

typedef struct gos_action {
    const char *name;        /* stable, never translated */
    gos_action_fn fn;
    unsigned flags;          /* GOS_ACT_* */
    int min_args, max_args;
    const char *args;        /* argument synopsis, e.g. "URI", or "" */
    const char *help;        /* N_() text; translate with _() when shown */
    /* GOS_NEED_* of a line with these arguments, in this session; NULL: none. */
    unsigned (*needs)(gos_session *s, int argc, char *const *argv);
    /* The arguments in force, as a line of this action would give them
     * ("state=running name=web*"), for a prompt that edits them; newly
     * allocated. NULL: the action has no such state. */
    char *(*current)(gos_session *s);
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


#endif
