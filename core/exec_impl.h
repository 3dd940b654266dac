/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Inside the executor: its queue and state, shared by exec.c (the queue) and exec_calls.c (what handlers ask of it). */
#ifndef GOS_EXEC_IMPL_H
#define GOS_EXEC_IMPL_H

#include <stdbool.h>

#include <glib.h>

#include "core/exec.h"
#include "core/macro.h"

/* How long `connect` waits for its host. */
#define CONNECT_MS 120000

typedef enum {
    ST_READY = 0,            /* about to run */
    ST_WAIT_NEEDS,           /* waits for the inventory it needs */
    ST_WAIT_TASKS,           /* a `wait` */
    ST_WAIT_HOST,            /* a `connect` */
    ST_ASK_CONFIRM,          /* waits for gos_exec_answer */
    ST_ASK_TEXT,             /* waits for gos_exec_answer_text */
} state;

typedef struct item {
    gos_cmd cmd;
    char *origin;            /* what its tasks carry; NULL: the session's */
    char *where;             /* "FILE:LINE", or "" */
    bool from_operator;      /* typed, bound or prompted: recordable */
    bool from_script;        /* a line of a macro or a batch file: its failure stops them */
    bool live;               /* a preview as the operator types (gos_exec_push_live) */
    state st;
    gint64 deadline_us;      /* monotonic: when its wait ends (0: never) */
    unsigned needs;          /* what it waits for in ST_WAIT_NEEDS */
    long wait_secs;          /* the `wait` argument, -1 none */
    char *wait_host;         /* the `connect` URI */
    bool announced;          /* the status line says that it waits for tasks */
    bool quit_after;         /* its wait over, the session quits */
} item;

typedef struct frame {
    gos_script *script;
    size_t next;
    char *macro;             /* NULL for a batch file */
    char *origin;            /* "macro:NAME" or the batch file's */
} frame;

struct gos_exec {
    gos_session *s;
    gos_frontend fe;
    GQueue *queue;           /* item*, the operator's lines */
    GArray *frames;          /* frame, innermost last */
    item *cur;               /* the line that runs or holds the queue */
    item *held;              /* while a passive line runs beside it: the line that holds the queue */
    bool settle_pending;     /* a connect or refresh ran: reading lines wait for their listings */
    gos_macro_rec *rec;
    bool rec_failed;         /* the last gos_exec_finish_recording could not save */
    bool failed;             /* a line failed since gos_exec_run began */
    unsigned line_error_gen; /* the status sentence a failed line set (its generation), 0 none */
    char *first_error;       /* ... and why, with where */
};

/* exec.c, for exec_calls.c */
void gos_exec_item_free(item *it);
void gos_exec_push_frame(gos_exec *x, gos_script *sc, const char *macro, const char *origin);
void gos_exec_end_cur(gos_exec *x);
/* The line that holds the queue. */
item *gos_exec_holder(gos_exec *x);

#endif
