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
    bool down;               /* the host's connection is lost: nothing of it starts */
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
    /* Group commit of audit events (gos_task_audit): one thread writes at a
     * time, everything queued meanwhile in one transaction. */
    GMutex audit_lock;
    GCond audit_done;
    GPtrArray *audit_queue;  /* audit_item* waiting for the next commit */
    bool audit_writing;
};

struct gos_task {
    gint refs;
    GMutex lock;
    GCond cond;
    gos_engine *engine;
    gos_task_spec spec;      /* strings owned */
    gos_task_info info;      /* the live state, guarded by lock */
    bool finished;           /* gos_task_finish was called */
    bool resume;             /* run it again once its host is back (gos_task_resume) */
    bool requeued;           /* back in its host's queue, waiting for that */
};

/* task.c, for engine.c */
int gos_task_audit(gos_task *t, gos_audit_kind kind);
/* The same for n tasks at once, in one commit where it can: rcs[i] says
 * whether tasks[i]'s event is on record. Returns 0, or -1 when one failed. */
int gos_task_audit_many(gos_task *const *tasks, size_t n, gos_audit_kind kind, int *rcs);
void gos_task_post(gos_task *t);
bool gos_task_finished(gos_task *t);

/* engine.c, for task.c: a task ended (the watchdog forgets it). */
void gos_engine_task_done(gos_engine *e, gos_task *t);
/* A task cancelled while it waits for a slot: out of its queue, ended on the service pool. */
void gos_engine_cancel_queued(gos_engine *e, gos_task *t);

#endif
