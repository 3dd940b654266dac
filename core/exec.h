/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The one executor: every action line, from a key, the prompt, a binding, a macro or a batch file, runs here. */
#ifndef GOS_EXEC_H
#define GOS_EXEC_H

#include <stdbool.h>
#include <stddef.h>

#include "core/actions.h"
#include "core/session.h"

/*
 * The model is tmux's command queue. Lines wait in one queue and run one at
 * a time; a line whose action waits (`wait`, `connect`), asks (a destructive
 * action where a person can be asked, `record` without a name) or needs the
 * inventory settled holds the queue until that is over. `macro NAME` and a
 * batch file put their lines in front of the queue, innermost first. What an
 * action needs is in its table entry (core/actions.h), never in a front end:
 * the console, macros and batch all run lines through here, so the same line
 * means the same thing everywhere.
 *
 * The front end says what it is (caps) and answers what the executor asks of
 * it through the callbacks below; none of them may run a line themselves.
 */
typedef struct gos_exec gos_exec;

/* What a front end offers. */
enum {
    GOS_FE_TERMINAL = 1u << 0,   /* a person at a terminal: questions, prompts, recording */
    GOS_FE_CURSOR   = 1u << 1,   /* the VM list's cursor is on screen: the VM under it is a target */
};

/* What the executor is doing, as gos_exec_step reports it. */
typedef enum {
    GOS_EXEC_IDLE = 0,   /* nothing to run */
    GOS_EXEC_WAITING,    /* a line waits (tasks, a host, the inventory): call again within *wait_ms */
    GOS_EXEC_ASKING,     /* the front end was asked something: nothing runs until it answers */
} gos_exec_state;

/* Kinds of failure, for exit statuses. */
typedef enum {
    GOS_FAIL_ACTION = 1, /* the line did not do what it says (exit status 1) */
    GOS_FAIL_SETUP,      /* a connection, configuration or audit-store failure (exit status 2) */
} gos_fail_kind;

/* One line the executor ran, as its front end hears of it. */
typedef struct gos_line_info {
    const gos_cmd *cmd;
    const char *origin;    /* the origin its tasks carry */
    const char *where;     /* "FILE:LINE" for a line of a file, "" for one typed or bound */
    const char *macro;     /* the outermost macro it belongs to, or NULL */
    bool live;             /* a preview run as the operator types (gos_exec_push_live) */
} gos_line_info;

/* What an action's output is for, when it has one (gos_exec_emit). */
typedef enum {
    GOS_EMIT_VMS = 0,      /* `list`: the VM view as it stands */
} gos_emit;

typedef struct gos_frontend {
    unsigned caps;         /* GOS_FE_* */
    void *data;
    /* A destructive line waits for gos_exec_answer(); NULL: run without asking. */
    void (*confirm)(void *data, gos_exec *x, const gos_cmd *cmd);
    /* A line waits for gos_exec_answer_text() (label translated). */
    void (*ask)(void *data, gos_exec *x, const char *label);
    /* After each line: rc >= 0 done (the session's status says what it did),
     * or -1 with why and kind. */
    void (*done)(void *data, const gos_line_info *line, int rc, const char *why, gos_fail_kind kind);
    /* An action has output (`list`). */
    void (*emit)(void *data, gos_emit what);
    /* Called about every 250 ms while gos_exec_run blocks, and whenever updates arrived. */
    void (*idle)(void *data);
    /* A question with a few answers, each an action line: the front end pushes
     * the line of the answer chosen (gos_exec_push_line), or none; nothing waits. */
    void (*choose)(void *data, gos_exec *x, const char *question, size_t n, const char *const *keys,
                   const char *const *labels, const char *const *lines);
    /* The name of a key bound to action, for sentences ("press R again"); false: none. */
    bool (*key_for)(void *data, const char *action, char *buf, size_t len);
} gos_frontend;

/* fe is copied. */
gos_exec *gos_exec_new(gos_session *s, const gos_frontend *fe);
void gos_exec_free(gos_exec *x);   /* accepts NULL; what still waits is dropped */

gos_session *gos_exec_session(gos_exec *x);
unsigned gos_exec_caps(gos_exec *x);

/* Queues a line the operator ran (a key, a binding, the prompt), taking cmd
 * over (it is cleared). While a macro plays or a `wait` waits, only actions
 * that cannot change what those act on run (GOS_ACT_PASSIVE and friends): at
 * once; others are refused with a sentence on the status line. Returns 0, or
 * -1 when refused. */
int gos_exec_push(gos_exec *x, gos_cmd *cmd);

/* Parses line (one action line) and pushes it; -1 with *err (a syntax error
 * names the column) when it does not parse. */
int gos_exec_push_line(gos_exec *x, const char *line, char **err);

/* Runs line at once as a preview of what the operator is typing (a search as
 * it grows): only actions marked GOS_ACT_LIVE, never while a macro plays or a
 * line waits for tasks. It is not recorded, and a failure (words not yet
 * complete) only reaches fe->done, with live set: the status line keeps what
 * it said. The line typed to the end is pushed as usual. Returns 0, or -1
 * with *err (the line does not parse, is not live, or cannot run now). */
int gos_exec_push_live(gos_exec *x, const char *line, char **err);

/* Plays a parsed script (taken over) before anything queued: a batch file.
 * Its lines run under origin; a line that fails stops it. */
void gos_exec_play(gos_exec *x, gos_script *script, const char *origin);

/* Runs what can run now, never blocking. Returns the state; *wait_ms (when
 * not NULL) is how soon to call again while waiting (-1: when an update
 * arrives). Call it after every key and every pump. */
gos_exec_state gos_exec_step(gos_exec *x, long *wait_ms);

/* Runs until nothing is left, blocking in waits (pumping the session and
 * calling fe->idle). Returns 0, or -1 when a line failed (fe->done heard why;
 * *err, when not NULL, gets "FILE:LINE: why" or "why"). For batch and tests. */
int gos_exec_run(gos_exec *x, char **err);

/* Pushes one line and runs until idle: gos_exec_run's result. For tests. */
int gos_exec_line(gos_exec *x, const char *line, char **err);

/* The answer to fe->confirm: yes runs the line on exactly the VMs that were
 * shown (named, so that a recording keeps them); no drops it (and stops the
 * macro it came from). */
void gos_exec_answer(gos_exec *x, bool yes);

/* The answer to fe->ask: the line runs again with text as its argument; NULL
 * (the question was dismissed) drops it. */
void gos_exec_answer_text(gos_exec *x, const char *text);

/* True while a script plays or a line waits for tasks or a host. */
bool gos_exec_busy(gos_exec *x);

/* The outermost macro playing, or NULL (none, or only a batch file or a wait). */
const char *gos_exec_macro(gos_exec *x);

/* The macro being recorded, or NULL. */
const char *gos_exec_recording(gos_exec *x);

/* Saves a recording in progress (leaving the console); returns the sentence
 * that says what happened (g_free), NULL when nothing was being recorded. */
char *gos_exec_finish_recording(gos_exec *x);

/* --- for action handlers (core/actions.c, core/macro.c) ------------------------ */

/* The handler's context: what it runs in and what it may leave behind. */
struct gos_act_ctx {
    gos_session *s;
    gos_exec *x;
    unsigned caps;           /* the front end's GOS_FE_* */
    char *record_as;         /* the line a recording keeps instead of the one run (owned), or NULL */
    gos_fail_kind fail;      /* set with -1 when the failure is not the line's own */
};

/* `wait [SECONDS]`: the line holds the queue until every task of the session
 * has ended (secs < 0: however long it takes). Past the deadline the line
 * fails, saying so; the tasks go on. The handler returns GOS_ACT_WAIT. */
void gos_exec_wait_tasks(gos_exec *x, long secs);

/* `connect URI`: the line holds the queue until that host has answered or
 * failed (its failure is the line's). The handler returns GOS_ACT_WAIT. */
void gos_exec_wait_host(gos_exec *x, const char *uri);

/* The line needs a text from the person at the terminal (label translated):
 * the handler returns GOS_ACT_ASK, and the line runs again with the answer. */
void gos_exec_ask(gos_exec *x, const char *label);

/* `macro NAME`: its lines run next, under the origin macro:NAME. Fails (with
 * *err) for a bad name, a missing file, a syntax error anywhere in it (nothing
 * of it runs), a macro that would call itself, or one nested too deep. */
int gos_exec_call_macro(gos_exec *x, const char *name, char **err);

/* `record [NAME]`: starts recording the lines the operator runs, or stops and
 * saves (*said: the sentence for the status line). */
int gos_exec_record(gos_exec *x, const char *name, char **said, char **err);

/* Asks the person at the terminal to choose (see gos_frontend.choose); false
 * when the front end cannot ask. */
bool gos_exec_choose(gos_exec *x, const char *question, size_t n, const char *const *keys,
                     const char *const *labels, const char *const *lines);

/* The waiting line, once its wait is over, asks the session to quit. */
void gos_exec_quit_after(gos_exec *x);

/* Stops the macro playing and any wait; the tasks go on. False when there was nothing to stop. */
bool gos_exec_stop(gos_exec *x);

/* The action's output goes to the front end. */
void gos_exec_emit(gos_exec *x, gos_emit what);

#endif
