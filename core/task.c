/* SPDX-License-Identifier: GPL-2.0-or-later */
/* IVMTask objects: their state, cancel and wait, and the audit trail of every step. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "core/bus.h"
#include "base/i18n.h"
#include "core/task.h"
#include "core/task_impl.h"

/* --- audit ---------------------------------------------------------------- */

/*
 * Every event is durable before gos_task_audit returns, as before; but a
 * commit (an fsync with synchronous=FULL) costs about a millisecond, and a
 * fan-out of a hundred logoffs has a thousand events to record within the
 * second that the guests take. So events are committed in groups: the
 * first caller to find no commit under way writes everything queued at
 * that moment in one transaction, while the others wait for the commit
 * that holds their event. One event alone is one append, as it always was.
 */
typedef struct {
    const gos_audit_event *ev;
    int rc;
    char *err;
    bool done;
} audit_item;

static void commit_group(gos_audit *audit, GPtrArray *group)
{
    if (group->len == 1) {
        audit_item *it = g_ptr_array_index(group, 0);
        it->rc = gos_audit_append(audit, it->ev, NULL, &it->err);
        return;
    }
    char *err = NULL;
    bool batch = gos_audit_batch_begin(audit, &err) == 0;
    free(err);
    err = NULL;
    for (guint i = 0; i < group->len; i++) {
        audit_item *it = g_ptr_array_index(group, i);
        it->rc = gos_audit_append(audit, it->ev, NULL, &it->err);
    }
    if (batch && gos_audit_batch_commit(audit, &err) < 0) {
        /* Nothing of the group is on record. */
        for (guint i = 0; i < group->len; i++) {
            audit_item *it = g_ptr_array_index(group, i);
            if (it->rc == 0) {
                it->rc = -1;
                it->err = strdup(err ? err : "?");
            }
        }
    }
    free(err);
}

/* Appends evs[0..n) (in that order in the chain), each committed before
 * this returns: rcs[i] 0 or -1 with errs[i] set. */
static void audit_append(gos_engine *e, const gos_audit_event *evs, size_t n, int *rcs, char **errs)
{
    audit_item *items = g_new0(audit_item, n);
    g_mutex_lock(&e->audit_lock);
    for (size_t i = 0; i < n; i++) {
        items[i].ev = &evs[i];
        items[i].rc = -1;
        g_ptr_array_add(e->audit_queue, &items[i]);
    }
    /* The last of ours is done when all of ours are: groups keep the queue's order. */
    while (!items[n - 1].done) {
        if (e->audit_writing) {
            g_cond_wait(&e->audit_done, &e->audit_lock);
            continue;
        }
        e->audit_writing = true;
        GPtrArray *group = e->audit_queue;
        e->audit_queue = g_ptr_array_new();
        g_mutex_unlock(&e->audit_lock);
        commit_group(e->audit, group);
        g_mutex_lock(&e->audit_lock);
        for (guint i = 0; i < group->len; i++)
            ((audit_item *)g_ptr_array_index(group, i))->done = true;
        g_ptr_array_free(group, TRUE);
        e->audit_writing = false;
        g_cond_broadcast(&e->audit_done);
    }
    g_mutex_unlock(&e->audit_lock);
    for (size_t i = 0; i < n; i++) {
        rcs[i] = items[i].rc;
        errs[i] = items[i].err;
    }
    g_free(items);
}

/* The event of kind for a task, borrowing from its snapshot i. */
static void event_of(gos_engine *e, const gos_task_info *i, gos_audit_kind kind, gos_audit_event *ev)
{
    memset(ev, 0, sizeof *ev);
    ev->kind = kind;
    ev->task_id = i->id;
    ev->ts_ms = kind == GOS_AUDIT_SUBMITTED ? i->submitted_ms : 0;
    ev->op_uid = e->op.uid;
    ev->op_user = e->op.user;
    ev->op_tty = e->op.tty;
    ev->op_ssh = e->op.ssh;
    ev->op_pid = e->op.pid;
    ev->origin = i->origin;
    ev->host = i->host;
    ev->vm_uuid = i->vm_uuid;
    ev->vm_name = i->vm_name ? i->vm_name : i->vm;
    ev->action = i->action;
    ev->phase = i->phase;
    ev->percent = i->percent;
    ev->has_call_hr = i->has_call_hr;
    ev->call_hr = i->call_hr;
    ev->task_result = kind == GOS_AUDIT_COMPLETED ? (int)i->result : GOS_RESULT_NONE;
    ev->has_task_error = kind == GOS_AUDIT_COMPLETED;
    ev->task_error = i->error;
    ev->virt_code = i->virt_code;
    ev->message = kind == GOS_AUDIT_COMPLETED ? i->message : kind == GOS_AUDIT_SUBMITTED ? i->description : NULL;
    ev->users_before = (const char *const *)i->users_before;
    ev->users_after = (const char *const *)i->users_after;
}

int gos_task_audit_many(gos_task *const *tasks, size_t n, gos_audit_kind kind, int *rcs)
{
    if (n == 0)
        return 0;
    gos_engine *e = tasks[0]->engine;
    /* Copies, so that no lock is held while SQLite waits for the disk or for
     * another writer: the console reads these tasks' state meanwhile. */
    gos_task_info *snaps = g_new0(gos_task_info, n);
    gos_audit_event *evs = g_new0(gos_audit_event, n);
    char **errs = g_new0(char *, n);
    for (size_t i = 0; i < n; i++) {
        gos_task_snapshot(tasks[i], &snaps[i]);
        event_of(e, &snaps[i], kind, &evs[i]);
    }
    audit_append(e, evs, n, rcs, errs);
    int failed = 0;
    for (size_t i = 0; i < n; i++) {
        if (rcs[i] < 0) {
            failed++;
            g_mutex_lock(&e->lock);
            if (!e->audit_problem)
                /* TRANSLATORS: %s is the audit store's sentence saying why (locked, full,
                 * read-only). Short: the console shows it on one status line. */
                e->audit_problem = g_strdup_printf(_("No new task starts: %s"), errs[i] ? errs[i] : "?");
            g_mutex_unlock(&e->lock);
        }
        free(errs[i]);
        gos_task_info_clear(&snaps[i]);
    }
    g_free(errs);
    g_free(evs);
    g_free(snaps);
    return failed ? -1 : 0;
}

/* Appends one event for task. Caller holds no lock. Returns 0 or -1, and on
 * failure marks the engine so that no new task starts. */
int gos_task_audit(gos_task *t, gos_audit_kind kind)
{
    int rc = -1;
    gos_task_audit_many(&t, 1, kind, &rc);
    return rc;
}

void gos_task_post(gos_task *t)
{
    gos_msg *m = gos_msg_new(GOS_MSG_TASK);
    m->task = gos_task_ref(t);
    gos_bus_post(t->engine->bus, m);
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

static gos_task_state state_of(const gos_task_info *i)
{
    if (!i->complete)
        return i->started ? GOS_TASK_RUNNING : GOS_TASK_QUEUED;
    if (i->error == GOS_S_OK)
        return GOS_TASK_SUCCEEDED;
    if (i->result == GOS_RESULT_CANCELLED)
        return GOS_TASK_CANCELLED;
    if (i->result == GOS_RESULT_SHUTDOWN_ABORT)
        return GOS_TASK_INTERRUPTED;
    return GOS_TASK_FAILED;
}

gos_task_state gos_task_info_state(const gos_task_info *i) { return state_of(i); }
gos_task_state gos_task_get_state(gos_task *t) { LOCKED_GET(gos_task_state, state_of(&t->info)); }

static const char *const state_keys[GOS_TASK_N_STATES] = {
    "queued", "running", "succeeded", "failed", "cancelled", "interrupted",
};

static const char *const state_labels[GOS_TASK_N_STATES] = {
    /* TRANSLATORS: what happened to a task, in a narrow column: at most 14 characters. */
    NC_("task", "queued"), NC_("task", "running"), NC_("task", "succeeded"), NC_("task", "failed"),
    NC_("task", "cancelled"), NC_("task", "interrupted"),
};

const char *gos_task_state_key(gos_task_state st)
{
    return (unsigned)st < GOS_TASK_N_STATES ? state_keys[st] : state_keys[GOS_TASK_FAILED];
}

const char *gos_task_state_label(gos_task_state st)
{
    return CX_((unsigned)st < GOS_TASK_N_STATES ? state_labels[st] : state_labels[GOS_TASK_FAILED]);
}

gos_hr gos_task_cancel(gos_task *t)
{
    gos_hr hr = GOS_S_OK;
    g_mutex_lock(&t->lock);
    if (t->info.complete || t->finished || !t->info.cancelable)
        hr = GOS_E_FAIL;
    else
        t->info.cancel_requested = true;
    bool queued = !t->info.started || t->requeued;
    g_mutex_unlock(&t->lock);
    if (hr == GOS_S_OK) {
        gos_task_post(t);
        /* One that waits for a slot ends now, not when its turn comes. */
        if (queued)
            gos_engine_cancel_queued(t->engine, t);
    }
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

bool gos_task_finished(gos_task *t) { LOCKED_GET(bool, t->finished); }

int gos_task_progress(gos_task *t, const char *phase, int percent)
{
    g_mutex_lock(&t->lock);
    if (t->finished) {
        /* Ended meanwhile (its deadline): the task must stop here. */
        g_mutex_unlock(&t->lock);
        return -1;
    }
    g_free(t->info.phase);
    t->info.phase = g_strdup(phase);
    t->info.percent = CLAMP(percent, 0, 100);
    g_mutex_unlock(&t->lock);
    int rc = gos_task_audit(t, GOS_AUDIT_PROGRESS);
    gos_task_post(t);
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
    /* The phase it ended in stays: a failure is not "done", and only a
     * success completed 100%. */
    if (error == GOS_S_OK) {
        t->info.percent = 100;
        g_free(t->info.phase);
        t->info.phase = g_strdup("done");
    }
    t->info.ended_ms = gos_now_ms();
    g_mutex_unlock(&t->lock);

    /* The completed row is committed before anyone is told the task ended. */
    gos_task_audit(t, GOS_AUDIT_COMPLETED);

    g_mutex_lock(&t->lock);
    t->info.complete = true;
    g_cond_broadcast(&t->cond);
    g_mutex_unlock(&t->lock);
    gos_task_post(t);
    gos_engine_task_done(t->engine, t);
}
