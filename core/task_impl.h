/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Inside tasks and their engine: the state task.c (IVMTask) and engine.c (queues, workers, deadlines) share. */
#ifndef GOS_TASK_IMPL_H
#define GOS_TASK_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

#include "core/bus.h"
#include "core/task.h"

/* The tasks of one host waiting for a slot, and how many of its tasks run. */
typedef struct host_queue {
    GQueue waiting;          /* gos_task* (references), oldest first */
    int running;
} host_queue;

struct gos_engine {
    gos_audit *audit;
    gos_bus *bus;
    gos_operator op;
    int64_t default_deadline_ms;
    int per_host;            /* tasks of one host at once */
    int max_tasks;           /* tasks at once over all hosts */
    int running;             /* tasks on the pool now */
    guint turn;              /* where the next look for a waiting host starts (fairness) */
    GThreadPool *tasks;      /* runs tasks, at most max_workers at once */
    GThreadPool *service;    /* inventory refreshes and other short jobs */
    GMutex lock;             /* guards what follows */
    GCond wake;              /* the watchdog: a deadline moved, or closing */
    char *audit_problem;     /* why new tasks are refused, or NULL */
    char *closed;            /* why new tasks are refused (closing), or NULL */
    uint64_t seq;
    GHashTable *hosts;       /* host URI -> host_queue* */
    GPtrArray *live;         /* gos_task* (references) not finished yet */
    GThread *watchdog;
    bool quit;
};

struct gos_task {
    gint refs;
    GMutex lock;
    GCond cond;
    gos_engine *engine;
    gos_task_spec spec;      /* strings owned */
    gos_task_info info;      /* the live state, guarded by lock */
    bool finished;           /* gos_task_finish was called */
};

/* task.c, for engine.c */
int gos_task_audit(gos_task *t, gos_audit_kind kind);
void gos_task_post(gos_task *t);
bool gos_task_finished(gos_task *t);

/* engine.c, for task.c: a task ended (the watchdog forgets it). */
void gos_engine_task_done(gos_engine *e, gos_task *t);
/* A task cancelled while it waits for a slot: out of its queue, ended on the service pool. */
void gos_engine_cancel_queued(gos_engine *e, gos_task *t);

#endif
