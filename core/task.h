/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tasks with IVMTask semantics, run on a bounded worker pool and audited at every step. */
#ifndef GOS_TASK_H
#define GOS_TASK_H

#include <stdbool.h>
#include <stdint.h>

#include "base/hresult.h"
#include "base/result.h"
#include "base/time.h"
#include "core/operator.h"
#include "db/audit.h"

typedef struct gos_bus gos_bus;
typedef struct gos_engine gos_engine;
typedef struct gos_task gos_task;

/* WaitForCompletion's bounds: -1 waits forever, else 0..4,000,000 ms. */
#define GOS_TASK_WAIT_FOREVER (-1L)
#define GOS_TASK_WAIT_MAX_MS  4000000L

/* The work a task does. Runs on a worker thread; it reports progress with
 * gos_task_progress(), looks at gos_task_cancel_requested() between phases and
 * ends with gos_task_finish(). `job` belongs to the task and is released with
 * job_free when the task is freed. */
typedef void (*gos_task_fn)(gos_task *task, void *job);

typedef struct gos_task_spec {
    const char *action;        /* "logoff" */
    const char *description;   /* translated, shown to people */
    const char *host;          /* libvirt URI */
    const char *vm;            /* name or UUID as the operator gave it */
    const char *vm_uuid;       /* when already known from the inventory, else NULL */
    const char *vm_name;
    const char *origin;        /* "interactive", "cli", "macro:NAME", "batch:FILE" */
    int64_t deadline_ms;       /* relative; 0 = the engine's default */
    gos_task_fn run;
    void *job;
    void (*job_free)(void *job);
} gos_task_spec;

/* A consistent copy of a task's state, for drawing and printing. */
typedef struct gos_task_info {
    char id[37];
    uint64_t seq;              /* submission order within this process */
    char *description, *action, *host, *vm, *vm_uuid, *vm_name, *origin;
    char *phase;               /* untranslated phase key ("queued", "resolve", ...) */
    int percent;
    bool complete;
    bool cancelable;
    bool cancel_requested;
    bool started;
    bool has_call_hr;
    gos_hr call_hr;
    gos_task_result result;
    gos_hr error;
    char *error_description;   /* localized */
    char *message;             /* detail, e.g. libvirt's message; may be NULL */
    int virt_code;
    char **users_before, **users_after;   /* names (GStrv); NULL not known, empty known none */
    int64_t submitted_ms, started_ms, ended_ms, deadline_at_ms;
} gos_task_info;

/* What happened to a task, in the words the console shows: its IVMTask
 * state (complete or not, started or not) and, once complete, its Result. */
typedef enum {
    GOS_TASK_QUEUED = 0,       /* waits for a slot (not started) */
    GOS_TASK_RUNNING,          /* started, not complete */
    GOS_TASK_SUCCEEDED,        /* complete, Error S_OK */
    GOS_TASK_FAILED,           /* complete with any other Error */
    GOS_TASK_CANCELLED,        /* complete, Result Cancelled */
    GOS_TASK_INTERRUPTED,      /* complete, Result ShutdownAbort: stopped by guestos going away */
    GOS_TASK_N_STATES
} gos_task_state;

/* The state of a snapshot, and of a live task (one lock, no copy). */
gos_task_state gos_task_info_state(const gos_task_info *info);
gos_task_state gos_task_get_state(gos_task *task);
/* Stable English word ("queued", "succeeded"), never translated. */
const char *gos_task_state_key(gos_task_state state);
/* The translated word for the screen. */
const char *gos_task_state_label(gos_task_state state);

/* --- the engine ------------------------------------------------------- */

/* Tasks running at once over all hosts when max_workers is 0. */
#define GOS_ENGINE_MAX_TASKS 100
/* Tasks of one host at once by default: what libvirtd serves at once with
 * its default settings (max_workers 20, over max_client_requests 5 a
 * connection: the host opens the connections for it). */
#define GOS_ENGINE_PER_HOST 20
/* The phase of a task that waits for its host's connection to run again. */
#define GOS_TASK_PHASE_RECONNECT "reconnect"

/* Creates the engine: a pool of max_workers threads (0: GOS_ENGINE_MAX_TASKS)
 * that run tasks, at most GOS_ENGINE_PER_HOST of one host at once (gos_engine_set_per_host),
 * post updates to bus and append audit events to audit (borrowed, must
 * outlive the engine). Returns NULL with *err set on failure. */
gos_engine *gos_engine_new(gos_audit *audit, gos_bus *bus, const gos_operator *op,
                           int max_workers, int64_t default_deadline_ms, char **err);

/* How many tasks of one host run at once (the others wait in its queue). */
void gos_engine_set_per_host(gos_engine *engine, int per_host);

/* The host's connection is lost (up false): none of its tasks starts, and
 * its queued ones wait (their deadlines still run) until it is up again. */
void gos_engine_set_host_up(gos_engine *engine, const char *host, bool up);

/* Closes, then waits for the running tasks to end (or their deadlines), then
 * frees. Accepts NULL. */
void gos_engine_free(gos_engine *engine);

/* Records the task's "submitted" event, then queues the task. Refuses
 * (returns NULL, *err set; the job stays the caller's) when the audit store
 * cannot record it or refused an event before, or the engine is closed: no
 * task runs that the log has not heard of. The returned reference belongs to
 * the caller (gos_task_unref). */
gos_task *gos_engine_submit(gos_engine *engine, const gos_task_spec *spec, char **err);

/* The same for n tasks at once: their "submitted" events go to the log in
 * one commit (a fan-out of a hundred tasks is one fsync, not a hundred),
 * then every one on record is queued. out[i] is the task (a reference for
 * the caller) or NULL when it was refused (its job is the caller's again,
 * *err says why the first was). Returns how many were submitted. */
size_t gos_engine_submit_many(gos_engine *engine, const gos_task_spec *specs, size_t n, gos_task **out, char **err);

/* Refuses new tasks from now on (why: a translated clause, "guestos was asked
 * to quit"), and ends the queued ones as cancelled, with their events; the
 * running ones go on. */
void gos_engine_close(gos_engine *engine, const char *why);

/* Tasks running now, and (queued) waiting for a slot. */
size_t gos_engine_running(gos_engine *engine, size_t *queued);

/* When every task has ended and is recorded, the workers still inside a
 * call that a deadline ended (a guest agent or a host that hangs): a
 * program may leave without waiting for them. 0 otherwise. */
size_t gos_engine_stuck(gos_engine *engine);

/* NULL while the audit store is writable, else why it is not (borrowed until
 * the next call). */
const char *gos_engine_audit_problem(gos_engine *engine);

/* Runs fn(data) on the worker pool with no task or audit (inventory refreshes,
 * agent probes). */
void gos_engine_run(gos_engine *engine, void (*fn)(void *data), void *data);

/* --- IVMTask ---------------------------------------------------------- */

gos_task *gos_task_ref(gos_task *task);
void gos_task_unref(gos_task *task);

const char *gos_task_get_id(const gos_task *task);
int gos_task_get_percent(gos_task *task);
bool gos_task_is_complete(gos_task *task);
gos_task_result gos_task_get_result(gos_task *task);
gos_hr gos_task_get_error(gos_task *task);
bool gos_task_is_cancelable(gos_task *task);

/* Asks the task to stop at its next phase boundary. GOS_E_FAIL when it is not
 * cancelable (already complete, or past the point of no return). */
gos_hr gos_task_cancel(gos_task *task);

/* Blocks up to timeout_ms (-1 forever, else 0..4,000,000). GOS_E_INVALIDARG
 * for any other value; GOS_S_OK otherwise, whether or not the task completed
 * (ask gos_task_is_complete). */
gos_hr gos_task_wait(gos_task *task, long timeout_ms);

/* Fills info with a copy of the task's state; free with gos_task_info_clear. */
void gos_task_snapshot(gos_task *task, gos_task_info *info);
void gos_task_info_clear(gos_task_info *info);

/* --- for task functions (worker side) --------------------------------- */

/* Moves to phase (an untranslated key) at percent, appends a progress event
 * and posts an update. Returns 0, or -1 when the audit append failed (the
 * task must then stop before doing anything new). */
int gos_task_progress(gos_task *task, const char *phase, int percent);

/* Records what the validating part of the call returned (the call HRESULT)
 * and which VM it resolved to. */
void gos_task_set_call(gos_task *task, gos_hr call_hr, const char *vm_uuid, const char *vm_name);
/* The users logged on before and after (NULL-terminated names, copied; an empty
 * list: known none). NULL leaves that side as it was. */
void gos_task_set_users(gos_task *task, const char *const *before, const char *const *after);

/* For a task whose connection was lost before it changed anything: asks
 * that it run again from its start once its host is connected again (the
 * task function returns without finishing), in phase
 * GOS_TASK_PHASE_RECONNECT meanwhile, within the same deadline. false when
 * it cannot (deadline passed, cancel asked, no new task starts): finish it. */
bool gos_task_resume(gos_task *task);

/* Ends the task: Error, Result, libvirt code, message (may be NULL). Appends
 * the completed event. */
void gos_task_finish(gos_task *task, gos_hr error, gos_task_result result,
                     int virt_code, const char *message);

bool gos_task_cancel_requested(gos_task *task);
/* From here on cancel answers E_FAIL (the guest is being changed). */
void gos_task_set_cancelable(gos_task *task, bool cancelable);
/* Absolute UTC ms at which the task's deadline passes. */
int64_t gos_task_deadline(gos_task *task);
/* Borrowed spec strings, valid for the task's life. */
const char *gos_task_get_host(gos_task *task);
const char *gos_task_get_vm(gos_task *task);


#endif
