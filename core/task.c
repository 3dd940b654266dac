/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The task engine: IVMTask objects, the bounded worker pool, and the audit trail of every task. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "core/bus.h"
#include "base/i18n.h"
#include "core/task.h"

struct gos_engine {
    gos_audit *audit;
    gos_bus *bus;
    gos_operator op;
    int64_t default_deadline_ms;
    GThreadPool *tasks;      /* runs tasks, at most max_workers at once */
    GThreadPool *service;    /* inventory refreshes and other short jobs */
    GMutex lock;
    char *audit_problem;     /* why new tasks are refused, or NULL */
    uint64_t seq;
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

/* --- audit ---------------------------------------------------------------- */

/* Appends one event for task. Caller holds no lock. Returns 0 or -1, and on
 * failure marks the engine so that no new task starts. */
static int task_audit(gos_task *t, gos_audit_kind kind)
{
    gos_engine *e = t->engine;
    gos_audit_event ev = { 0 };
    char *err = NULL;

    /* A copy, so that no lock is held while SQLite waits for the disk or for
     * another writer: the console reads this task's state meanwhile. */
    gos_task_info snap;
    gos_task_snapshot(t, &snap);
    const gos_task_info *i = &snap;
    ev.kind = kind;
    ev.task_id = i->id;
    ev.ts_ms = kind == GOS_AUDIT_SUBMITTED ? i->submitted_ms : 0;
    ev.op_uid = e->op.uid;
    ev.op_user = e->op.user;
    ev.op_tty = e->op.tty;
    ev.op_ssh = e->op.ssh;
    ev.op_pid = e->op.pid;
    ev.origin = i->origin;
    ev.host = i->host;
    ev.vm_uuid = i->vm_uuid;
    ev.vm_name = i->vm_name ? i->vm_name : i->vm;
    ev.action = i->action;
    ev.phase = i->phase;
    ev.percent = i->percent;
    ev.has_call_hr = i->has_call_hr;
    ev.call_hr = i->call_hr;
    ev.task_result = kind == GOS_AUDIT_COMPLETED ? (int)i->result : GOS_RESULT_NONE;
    ev.has_task_error = kind == GOS_AUDIT_COMPLETED;
    ev.task_error = i->error;
    ev.virt_code = i->virt_code;
    ev.message = kind == GOS_AUDIT_COMPLETED ? i->message : kind == GOS_AUDIT_SUBMITTED ? i->description : NULL;
    ev.users_before = (const char *const *)i->users_before;
    ev.users_after = (const char *const *)i->users_after;
    int rc = gos_audit_append(e->audit, &ev, NULL, &err);
    gos_task_info_clear(&snap);

    if (rc < 0) {
        g_mutex_lock(&e->lock);
        if (!e->audit_problem)
            /* TRANSLATORS: %s is the audit store's sentence saying why (locked, full,
             * read-only). Short: the console shows it on one status line. */
            e->audit_problem = g_strdup_printf(_("No new task starts: %s"), err ? err : "?");
        g_mutex_unlock(&e->lock);
        free(err);
    }
    return rc;
}

static void task_post(gos_task *t)
{
    gos_msg *m = gos_msg_new(GOS_MSG_TASK);
    m->task = gos_task_ref(t);
    gos_bus_post(t->engine->bus, m);
}

/* --- the pools ------------------------------------------------------------ */

typedef struct {
    void (*fn)(void *data);
    void *data;
} service_job;

static void service_main(gpointer item, gpointer user)
{
    service_job *job = item;
    job->fn(job->data);
    g_free(job);
}

static void task_main(gpointer item, gpointer user)
{
    gos_task *t = item;

    g_mutex_lock(&t->lock);
    bool cancelled = t->info.cancel_requested;
    t->info.started = true;
    t->info.started_ms = gos_now_ms();
    int64_t deadline = t->spec.deadline_ms > 0 ? t->spec.deadline_ms : t->engine->default_deadline_ms;
    t->info.deadline_at_ms = t->info.started_ms + deadline;
    g_mutex_unlock(&t->lock);

    /* Fail closed: nothing touches a guest before "submitted" and "started"
     * are committed. */
    if (task_audit(t, GOS_AUDIT_SUBMITTED) < 0 || task_audit(t, GOS_AUDIT_STARTED) < 0) {
        g_mutex_lock(&t->engine->lock);
        char *why = g_strdup(t->engine->audit_problem);
        g_mutex_unlock(&t->engine->lock);
        gos_task_finish(t, GOS_DISP_E_EXCEPTION, GOS_RESULT_DISK, 0, why);
        g_free(why);
    } else if (cancelled) {
        gos_task_finish(t, GOS_E_ABORT, GOS_RESULT_CANCELLED, 0, _("Cancelled before it started."));
    } else {
        t->spec.run(t, t->spec.job);
        if (!t->finished)
            gos_task_finish(t, GOS_DISP_E_EXCEPTION, GOS_RESULT_UNEXPECTED, 0,
                            _("The task ended without an outcome."));
    }
    gos_task_unref(t);
}

gos_engine *gos_engine_new(gos_audit *audit, gos_bus *bus, const gos_operator *op,
                           int max_workers, int64_t default_deadline_ms, char **err)
{
    GError *gerr = NULL;
    gos_engine *e = g_new0(gos_engine, 1);
    e->audit = audit;
    e->bus = bus;
    e->op.uid = op->uid;
    e->op.pid = op->pid;
    e->op.user = g_strdup(op->user);
    e->op.tty = g_strdup(op->tty);
    e->op.ssh = g_strdup(op->ssh);
    e->default_deadline_ms = default_deadline_ms > 0 ? default_deadline_ms : 120000;
    g_mutex_init(&e->lock);
    e->tasks = g_thread_pool_new(task_main, e, max_workers > 0 ? max_workers : 4, FALSE, &gerr);
    if (e->tasks)
        e->service = g_thread_pool_new(service_main, e, 2, FALSE, &gerr);
    if (!e->tasks || !e->service) {
        if (err)
            *err = g_strdup_printf(_("Cannot start worker threads: %s"), gerr->message);
        g_error_free(gerr);
        gos_engine_free(e);
        return NULL;
    }
    return e;
}

void gos_engine_free(gos_engine *e)
{
    if (!e)
        return;
    if (e->tasks)
        g_thread_pool_free(e->tasks, FALSE, TRUE);
    if (e->service)
        g_thread_pool_free(e->service, FALSE, TRUE);
    gos_operator_clear(&e->op);
    g_free(e->audit_problem);
    g_mutex_clear(&e->lock);
    g_free(e);
}

const char *gos_engine_audit_problem(gos_engine *e)
{
    g_mutex_lock(&e->lock);
    const char *p = e->audit_problem;
    g_mutex_unlock(&e->lock);
    return p;
}

void gos_engine_run(gos_engine *e, void (*fn)(void *data), void *data)
{
    service_job *job = g_new0(service_job, 1);
    job->fn = fn;
    job->data = data;
    g_thread_pool_push(e->service, job, NULL);
}

gos_task *gos_engine_submit(gos_engine *e, const gos_task_spec *spec, char **err)
{
    const char *problem = gos_engine_audit_problem(e);
    if (problem) {
        if (err)
            *err = g_strdup(problem);
        return NULL;
    }

    gos_task *t = g_new0(gos_task, 1);
    t->refs = 1;
    g_mutex_init(&t->lock);
    g_cond_init(&t->cond);
    t->engine = e;
    t->spec = *spec;
    t->spec.action = g_strdup(spec->action);
    t->spec.description = g_strdup(spec->description);
    t->spec.host = g_strdup(spec->host);
    t->spec.vm = g_strdup(spec->vm);
    t->spec.vm_uuid = t->spec.vm_name = NULL;   /* kept in info */
    t->spec.origin = g_strdup(spec->origin);

    gos_task_info *i = &t->info;
    char *uuid = g_uuid_string_random();
    g_strlcpy(i->id, uuid, sizeof i->id);
    g_free(uuid);
    g_mutex_lock(&e->lock);
    i->seq = ++e->seq;
    g_mutex_unlock(&e->lock);
    i->description = g_strdup(spec->description);
    i->action = g_strdup(spec->action);
    i->host = g_strdup(spec->host);
    i->vm = g_strdup(spec->vm);
    i->vm_uuid = g_strdup(spec->vm_uuid);
    i->vm_name = g_strdup(spec->vm_name);
    i->origin = g_strdup(spec->origin);
    i->phase = g_strdup("queued");
    i->cancelable = true;
    i->result = GOS_RESULT_SUCCESS;
    i->error = GOS_S_OK;
    i->submitted_ms = gos_now_ms();

    g_thread_pool_push(e->tasks, gos_task_ref(t), NULL);
    return t;
}

/* --- IVMTask --------------------------------------------------------------- */

gos_task *gos_task_ref(gos_task *t)
{
    g_atomic_int_inc(&t->refs);
    return t;
}

void gos_task_unref(gos_task *t)
{
    if (!t || !g_atomic_int_dec_and_test(&t->refs))
        return;
    if (t->spec.job_free)
        t->spec.job_free(t->spec.job);
    g_free((char *)t->spec.action);
    g_free((char *)t->spec.description);
    g_free((char *)t->spec.host);
    g_free((char *)t->spec.vm);
    g_free((char *)t->spec.origin);
    gos_task_info_clear(&t->info);
    g_mutex_clear(&t->lock);
    g_cond_clear(&t->cond);
    g_free(t);
}

const char *gos_task_get_id(const gos_task *t) { return t->info.id; }
const char *gos_task_get_host(gos_task *t) { return t->spec.host; }
const char *gos_task_get_vm(gos_task *t) { return t->spec.vm; }

#define LOCKED_GET(type, expr)        \
    do {                              \
        g_mutex_lock(&t->lock);       \
        type v_ = (expr);             \
        g_mutex_unlock(&t->lock);     \
        return v_;                    \
    } while (0)

int gos_task_get_percent(gos_task *t) { LOCKED_GET(int, t->info.percent); }
bool gos_task_is_complete(gos_task *t) { LOCKED_GET(bool, t->info.complete); }
gos_task_result gos_task_get_result(gos_task *t) { LOCKED_GET(gos_task_result, t->info.result); }
gos_hr gos_task_get_error(gos_task *t) { LOCKED_GET(gos_hr, t->info.error); }
bool gos_task_is_cancelable(gos_task *t) { LOCKED_GET(bool, t->info.cancelable && !t->info.complete); }
bool gos_task_cancel_requested(gos_task *t) { LOCKED_GET(bool, t->info.cancel_requested); }
int64_t gos_task_deadline(gos_task *t) { LOCKED_GET(int64_t, t->info.deadline_at_ms); }

gos_hr gos_task_cancel(gos_task *t)
{
    gos_hr hr = GOS_S_OK;
    g_mutex_lock(&t->lock);
    if (t->info.complete || !t->info.cancelable)
        hr = GOS_E_FAIL;
    else
        t->info.cancel_requested = true;
    g_mutex_unlock(&t->lock);
    if (hr == GOS_S_OK)
        task_post(t);
    return hr;
}

gos_hr gos_task_wait(gos_task *t, long timeout_ms)
{
    if (timeout_ms != GOS_TASK_WAIT_FOREVER && (timeout_ms < 0 || timeout_ms > GOS_TASK_WAIT_MAX_MS))
        return GOS_E_INVALIDARG;
    gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    g_mutex_lock(&t->lock);
    while (!t->info.complete) {
        if (timeout_ms == GOS_TASK_WAIT_FOREVER)
            g_cond_wait(&t->cond, &t->lock);
        else if (!g_cond_wait_until(&t->cond, &t->lock, end))
            break;
    }
    g_mutex_unlock(&t->lock);
    return GOS_S_OK;
}

void gos_task_snapshot(gos_task *t, gos_task_info *out)
{
    g_mutex_lock(&t->lock);
    const gos_task_info *i = &t->info;
    *out = *i;
    out->description = g_strdup(i->description);
    out->action = g_strdup(i->action);
    out->host = g_strdup(i->host);
    out->vm = g_strdup(i->vm);
    out->vm_uuid = g_strdup(i->vm_uuid);
    out->vm_name = g_strdup(i->vm_name);
    out->origin = g_strdup(i->origin);
    out->phase = g_strdup(i->phase);
    out->error_description = g_strdup(i->error_description);
    out->message = g_strdup(i->message);
    out->users_before = g_strdupv(i->users_before);
    out->users_after = g_strdupv(i->users_after);
    out->cancelable = i->cancelable && !i->complete;
    g_mutex_unlock(&t->lock);
}

void gos_task_info_clear(gos_task_info *i)
{
    if (!i)
        return;
    g_free(i->description);
    g_free(i->action);
    g_free(i->host);
    g_free(i->vm);
    g_free(i->vm_uuid);
    g_free(i->vm_name);
    g_free(i->origin);
    g_free(i->phase);
    g_free(i->error_description);
    g_free(i->message);
    g_strfreev(i->users_before);
    g_strfreev(i->users_after);
    memset(i, 0, sizeof *i);
}

/* --- worker side ---------------------------------------------------------- */

int gos_task_progress(gos_task *t, const char *phase, int percent)
{
    g_mutex_lock(&t->lock);
    g_free(t->info.phase);
    t->info.phase = g_strdup(phase);
    t->info.percent = CLAMP(percent, 0, 100);
    g_mutex_unlock(&t->lock);
    int rc = task_audit(t, GOS_AUDIT_PROGRESS);
    task_post(t);
    return rc;
}

void gos_task_set_call(gos_task *t, gos_hr call_hr, const char *vm_uuid, const char *vm_name)
{
    g_mutex_lock(&t->lock);
    t->info.has_call_hr = true;
    t->info.call_hr = call_hr;
    if (vm_uuid) {
        g_free(t->info.vm_uuid);
        t->info.vm_uuid = g_strdup(vm_uuid);
    }
    if (vm_name) {
        g_free(t->info.vm_name);
        t->info.vm_name = g_strdup(vm_name);
    }
    g_mutex_unlock(&t->lock);
}

void gos_task_set_users(gos_task *t, const char *const *before, const char *const *after)
{
    g_mutex_lock(&t->lock);
    if (before) {
        g_strfreev(t->info.users_before);
        t->info.users_before = g_strdupv((char **)before);
    }
    if (after) {
        g_strfreev(t->info.users_after);
        t->info.users_after = g_strdupv((char **)after);
    }
    g_mutex_unlock(&t->lock);
}

void gos_task_set_cancelable(gos_task *t, bool cancelable)
{
    g_mutex_lock(&t->lock);
    t->info.cancelable = cancelable;
    g_mutex_unlock(&t->lock);
}

void gos_task_finish(gos_task *t, gos_hr error, gos_task_result result, int virt_code, const char *message)
{
    g_mutex_lock(&t->lock);
    if (t->finished) {
        g_mutex_unlock(&t->lock);
        return;
    }
    t->finished = true;
    t->info.error = error;
    t->info.result = result;
    t->info.virt_code = virt_code;
    g_free(t->info.message);
    t->info.message = g_strdup(message);
    g_free(t->info.error_description);
    t->info.error_description = g_strdup(gos_hr_describe(error));
    g_free(t->info.phase);
    t->info.phase = g_strdup("done");
    t->info.percent = 100;
    t->info.ended_ms = gos_now_ms();
    g_mutex_unlock(&t->lock);

    /* The completed row is committed before anyone is told the task ended. */
    task_audit(t, GOS_AUDIT_COMPLETED);

    g_mutex_lock(&t->lock);
    t->info.complete = true;
    g_cond_broadcast(&t->cond);
    g_mutex_unlock(&t->lock);
    task_post(t);
}
