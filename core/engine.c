/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The task engine: the record before the queue, a queue per host, the worker pool, and the deadline of every task. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "base/i18n.h"
#include "core/task_impl.h"

/*
 * A task is on record before it can run: gos_engine_submit commits its
 * "submitted" event, and only then queues it; when the store refuses, the
 * task is refused. Tasks wait in a queue of their host and run at most
 * per_host at a time there (libvirtd serves 20 calls at once by default, 5
 * of each connection: the host opens connections to match), on a pool of
 * max_workers threads for all hosts, since a task spends its life waiting
 * for its guest. A watchdog ends every task at its deadline, counted from
 * its submission, whatever call is in flight; the worker that ran it then
 * finds it ended and stops.
 *
 * A host whose connection is lost is marked down: its queue holds its
 * tasks until it is up again. A task whose calls failed because the
 * connection went, before it changed the guest, asks to resume
 * (gos_task_resume): it goes back to the head of its queue and runs again
 * from the start on the new connection, within the same deadline.
 */

#define DEFAULT_PER_HOST GOS_ENGINE_PER_HOST

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

static host_queue *host_of(gos_engine *e, const char *host)
{
    host_queue *q = g_hash_table_lookup(e->hosts, host ? host : "");
    if (!q) {
        q = g_new0(host_queue, 1);
        g_queue_init(&q->waiting);
        g_hash_table_insert(e->hosts, g_strdup(host ? host : ""), q);
    }
    return q;
}

static void host_queue_free(gpointer p)
{
    host_queue *q = p;
    g_queue_clear_full(&q->waiting, (GDestroyNotify)gos_task_unref);
    g_free(q);
}

/* Starts waiting tasks while there are slots: of their host, and of the
 * pool. Hosts take turns, so that one with a long queue does not hold the
 * pool against the others. Caller holds e->lock. */
static void start_waiting(gos_engine *e)
{
    while (e->running < e->max_tasks) {
        GList *hosts = g_hash_table_get_values(e->hosts);
        guint n = g_list_length(hosts), tried = 0;
        bool started = false;
        for (; tried < n && !started; tried++) {
            host_queue *q = g_list_nth_data(hosts, (e->turn + tried) % n);
            if (q->down || q->running >= e->per_host || g_queue_is_empty(&q->waiting))
                continue;
            gos_task *t = g_queue_pop_head(&q->waiting);
            q->running++;
            e->running++;
            g_thread_pool_push(e->tasks, t, NULL);
            started = true;
        }
        e->turn = n ? (e->turn + tried) % n : 0;
        g_list_free(hosts);
        if (!started)
            break;
    }
}

void gos_engine_task_done(gos_engine *e, gos_task *t)
{
    g_mutex_lock(&e->lock);
    g_ptr_array_remove_fast(e->live, t);   /* drops the engine's reference later */
    g_mutex_unlock(&e->lock);
}

static void task_main(gpointer item, gpointer user)
{
    gos_task *t = item;
    gos_engine *e = t->engine;

    g_mutex_lock(&t->lock);
    bool cancelled = t->info.cancel_requested;
    bool over = t->finished;
    /* A task that resumes after a lost connection started before: its
     * "started" is on record already. */
    bool resumed = t->info.started;
    t->requeued = false;
    if (!over && !resumed) {
        t->info.started = true;
        t->info.started_ms = gos_now_ms();
    }
    g_mutex_unlock(&t->lock);

    /* Ended in its queue (its deadline, a close): nothing more to do. Fail
     * closed otherwise: nothing touches a guest before "started" is committed. */
    bool again = false;
    if (over) {
        /* nothing */
    } else if (cancelled) {
        gos_task_finish(t, GOS_E_ABORT, GOS_RESULT_CANCELLED, 0,
                        resumed ? _("Cancelled by the operator while waiting for the connection.")
                                : _("Cancelled before it started."));
    } else if (!resumed && gos_task_audit(t, GOS_AUDIT_STARTED) < 0) {
        g_mutex_lock(&e->lock);
        char *why = g_strdup(e->audit_problem);
        g_mutex_unlock(&e->lock);
        gos_task_finish(t, GOS_DISP_E_EXCEPTION, GOS_RESULT_DISK, 0, why);
        g_free(why);
    } else {
        t->spec.run(t, t->spec.job);
        g_mutex_lock(&t->lock);
        again = t->resume && !t->finished;
        t->resume = false;
        t->requeued = again;
        g_mutex_unlock(&t->lock);
        if (!again && !gos_task_finished(t))
            gos_task_finish(t, GOS_DISP_E_EXCEPTION, GOS_RESULT_UNEXPECTED, 0,
                            _("The task ended without an outcome."));
    }

    g_mutex_lock(&e->lock);
    host_queue *q = host_of(e, t->spec.host);
    q->running--;
    e->running--;
    if (again) {
        /* First in line when its host is back; the queue takes this reference. */
        g_queue_push_head(&q->waiting, t);
        t = NULL;
    }
    start_waiting(e);
    g_mutex_unlock(&e->lock);
    if (t)
        gos_task_unref(t);
}

bool gos_task_resume(gos_task *t)
{
    gos_engine *e = t->engine;
    g_mutex_lock(&e->lock);
    bool closed = e->closed != NULL || e->audit_problem != NULL;
    g_mutex_unlock(&e->lock);
    g_mutex_lock(&t->lock);
    int percent = t->info.percent;
    bool ok = !closed && !t->finished && !t->info.cancel_requested && gos_now_ms() < t->info.deadline_at_ms;
    if (ok) {
        t->resume = true;
        t->info.cancelable = true;
    }
    g_mutex_unlock(&t->lock);
    /* On record: the task waits, and why; the run that follows records its phases again. */
    if (ok && gos_task_progress(t, GOS_TASK_PHASE_RECONNECT, percent) < 0) {
        g_mutex_lock(&t->lock);
        ok = t->resume = false;
        g_mutex_unlock(&t->lock);
    }
    return ok;
}

void gos_engine_set_host_up(gos_engine *e, const char *host, bool up)
{
    g_mutex_lock(&e->lock);
    host_queue *q = host_of(e, host);
    q->down = !up;
    if (up)
        start_waiting(e);
    g_mutex_unlock(&e->lock);
}

/* --- deadlines ------------------------------------------------------------- */

/* The sentence of a task that its deadline ended in phase; host_down: its
 * host's connection is lost. */
static char *deadline_sentence(const gos_task_info *i, int64_t secs, bool host_down)
{
    if (host_down)
        return g_strdup_printf(ngettext("The deadline of %lld second passed while the connection to %s was lost.",
                                        "The deadline of %lld seconds passed while the connection to %s was lost.",
                                        (unsigned long)secs), (long long)secs, i->host ? i->host : "?");
    if (!i->started)
        return g_strdup_printf(ngettext("The deadline of %lld second passed before the task could start.",
                                        "The deadline of %lld seconds passed before the task could start.",
                                        (unsigned long)secs), (long long)secs);
    if (!i->cancelable)
        return g_strdup_printf(ngettext("The deadline of %lld second passed while the guest was being changed "
                                        "(%s); the guest may still finish it.",
                                        "The deadline of %lld seconds passed while the guest was being changed "
                                        "(%s); the guest may still finish it.",
                                        (unsigned long)secs), (long long)secs, i->phase ? i->phase : "?");
    return g_strdup_printf(ngettext("The deadline of %lld second passed while the task was at %s.",
                                    "The deadline of %lld seconds passed while the task was at %s.",
                                    (unsigned long)secs), (long long)secs, i->phase ? i->phase : "?");
}

static gpointer watchdog_main(gpointer data)
{
    gos_engine *e = data;
    g_mutex_lock(&e->lock);
    while (!e->quit) {
        int64_t now = gos_now_ms(), next = 0;
        GPtrArray *due = g_ptr_array_new_with_free_func((GDestroyNotify)gos_task_unref);
        GArray *down = g_array_new(FALSE, FALSE, sizeof(gboolean));
        for (guint i = 0; i < e->live->len; i++) {
            gos_task *t = g_ptr_array_index(e->live, i);
            int64_t at = t->info.deadline_at_ms;   /* set once, before the task is live */
            if (at <= now) {
                g_ptr_array_add(due, gos_task_ref(t));
                gboolean d = host_of(e, t->spec.host)->down;
                g_array_append_val(down, d);
            } else if (!next || at < next) {
                next = at;
            }
        }
        if (due->len) {
            /* Finishing appends to the audit log: never under the engine's lock. */
            g_mutex_unlock(&e->lock);
            for (guint i = 0; i < due->len; i++) {
                gos_task *t = g_ptr_array_index(due, i);
                gos_task_info info;
                gos_task_snapshot(t, &info);
                char *why = deadline_sentence(&info, (info.deadline_at_ms - info.submitted_ms) / 1000,
                                              g_array_index(down, gboolean, i));
                gos_task_finish(t, GOS_VM_E_TIMED_OUT, GOS_RESULT_TIMEOUT, 0, why);
                g_free(why);
                gos_task_info_clear(&info);
            }
            g_ptr_array_free(due, TRUE);
            g_array_free(down, TRUE);
            g_mutex_lock(&e->lock);
            continue;
        }
        g_ptr_array_free(due, TRUE);
        g_array_free(down, TRUE);
        gint64 until = next ? g_get_monotonic_time() + (next - now) * 1000 : g_get_monotonic_time() + G_USEC_PER_SEC * 60;
        g_cond_wait_until(&e->wake, &e->lock, until);
    }
    g_mutex_unlock(&e->lock);
    return NULL;
}

/* --- the engine -------------------------------------------------------------- */

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
    e->per_host = DEFAULT_PER_HOST;
    g_mutex_init(&e->lock);
    g_cond_init(&e->wake);
    g_mutex_init(&e->audit_lock);
    g_cond_init(&e->audit_done);
    e->audit_queue = g_ptr_array_new();
    e->hosts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, host_queue_free);
    e->live = g_ptr_array_new_with_free_func((GDestroyNotify)gos_task_unref);
    e->max_tasks = max_workers > 0 ? max_workers : GOS_ENGINE_MAX_TASKS;
    e->tasks = g_thread_pool_new(task_main, e, e->max_tasks, FALSE, &gerr);
    if (e->tasks)
        e->service = g_thread_pool_new(service_main, e, 2, FALSE, &gerr);
    if (e->service)
        e->watchdog = g_thread_try_new("gos-deadlines", watchdog_main, e, &gerr);
    if (!e->tasks || !e->service || !e->watchdog) {
        if (err)
            *err = g_strdup_printf(_("Cannot start worker threads: %s"), gerr->message);
        g_error_free(gerr);
        gos_engine_free(e);
        return NULL;
    }
    return e;
}

void gos_engine_set_per_host(gos_engine *e, int per_host)
{
    g_mutex_lock(&e->lock);
    e->per_host = per_host > 0 ? per_host : DEFAULT_PER_HOST;
    start_waiting(e);
    g_mutex_unlock(&e->lock);
}

void gos_engine_free(gos_engine *e)
{
    if (!e)
        return;
    /* Tasks still waiting for a slot are cancelled (and recorded as such);
     * the running ones finish, or their deadline ends them. */
    gos_engine_close(e, _("guestos is ending"));
    if (e->tasks)
        g_thread_pool_free(e->tasks, FALSE, TRUE);
    if (e->watchdog) {
        g_mutex_lock(&e->lock);
        e->quit = true;
        g_cond_signal(&e->wake);
        g_mutex_unlock(&e->lock);
        g_thread_join(e->watchdog);
    }
    if (e->service)
        g_thread_pool_free(e->service, FALSE, TRUE);
    if (e->hosts)
        g_hash_table_destroy(e->hosts);
    if (e->live)
        g_ptr_array_free(e->live, TRUE);
    gos_operator_clear(&e->op);
    g_free(e->audit_problem);
    g_free(e->closed);
    g_cond_clear(&e->wake);
    g_mutex_clear(&e->lock);
    g_ptr_array_free(e->audit_queue, TRUE);
    g_cond_clear(&e->audit_done);
    g_mutex_clear(&e->audit_lock);
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

static gos_task *task_new(gos_engine *e, const gos_task_spec *spec)
{
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
    /* The deadline bounds the task's whole life, its time in the queue included. */
    int64_t deadline = spec->deadline_ms > 0 ? spec->deadline_ms : e->default_deadline_ms;
    i->deadline_at_ms = i->submitted_ms + deadline;
    return t;
}

size_t gos_engine_submit_many(gos_engine *e, const gos_task_spec *specs, size_t n, gos_task **out, char **err)
{
    for (size_t i = 0; i < n; i++)
        out[i] = NULL;
    g_mutex_lock(&e->lock);
    char *refused = e->audit_problem ? g_strdup(e->audit_problem) : e->closed ? g_strdup(e->closed) : NULL;
    g_mutex_unlock(&e->lock);
    if (refused || n == 0) {
        if (err && refused)
            *err = refused;
        else
            g_free(refused);
        return 0;
    }
    gos_task **tasks = g_new0(gos_task *, n);
    int *rcs = g_new0(int, n);
    for (size_t i = 0; i < n; i++)
        tasks[i] = task_new(e, &specs[i]);
    /* On record before they can run, all in one commit: a refusal of the
     * store refuses the task. */
    gos_task_audit_many(tasks, n, GOS_AUDIT_SUBMITTED, rcs);
    size_t submitted = 0;
    g_mutex_lock(&e->lock);
    for (size_t i = 0; i < n; i++) {
        gos_task *t = tasks[i];
        if (rcs[i] < 0) {
            if (err && !*err)
                *err = g_strdup(e->audit_problem);
            /* Its job is the caller's again. */
            t->spec.job = NULL;
            t->spec.job_free = NULL;
            continue;
        }
        t->info.seq = ++e->seq;
        g_ptr_array_add(e->live, gos_task_ref(t));
        host_queue *q = host_of(e, t->spec.host);
        g_queue_push_tail(&q->waiting, gos_task_ref(t));
        out[i] = t;
        tasks[i] = NULL;
        submitted++;
    }
    start_waiting(e);
    g_cond_signal(&e->wake);
    g_mutex_unlock(&e->lock);
    for (size_t i = 0; i < n; i++)
        gos_task_unref(tasks[i]);
    g_free(tasks);
    g_free(rcs);
    return submitted;
}

gos_task *gos_engine_submit(gos_engine *e, const gos_task_spec *spec, char **err)
{
    gos_task *t = NULL;
    gos_engine_submit_many(e, spec, 1, &t, err);
    return t;
}

void gos_engine_close(gos_engine *e, const char *why)
{
    g_mutex_lock(&e->lock);
    if (!e->closed)
        /* TRANSLATORS: %s: why (e.g. "guestos was asked to quit"). */
        e->closed = g_strdup_printf(_("No new task starts: %s."), why);
    GPtrArray *waiting = g_ptr_array_new_with_free_func((GDestroyNotify)gos_task_unref);
    GHashTableIter it;
    gpointer qp;
    g_hash_table_iter_init(&it, e->hosts);
    while (g_hash_table_iter_next(&it, NULL, &qp)) {
        host_queue *q = qp;
        gos_task *t;
        while ((t = g_queue_pop_head(&q->waiting)))
            g_ptr_array_add(waiting, t);
    }
    g_mutex_unlock(&e->lock);
    for (guint i = 0; i < waiting->len; i++) {
        /* TRANSLATORS: %s: why guestos stopped starting tasks. */
        char *msg = g_strdup_printf(_("Cancelled before it started: %s."), why);
        gos_task_finish(g_ptr_array_index(waiting, i), GOS_E_ABORT, GOS_RESULT_CANCELLED, 0, msg);
        g_free(msg);
    }
    g_ptr_array_free(waiting, TRUE);
}

static void finish_cancelled(void *data)
{
    gos_task *t = data;
    gos_task_finish(t, GOS_E_ABORT, GOS_RESULT_CANCELLED, 0, _("Cancelled before it started."));
    gos_task_unref(t);
}

void gos_engine_cancel_queued(gos_engine *e, gos_task *t)
{
    g_mutex_lock(&e->lock);
    host_queue *q = host_of(e, t->spec.host);
    bool was_waiting = g_queue_remove(&q->waiting, t);
    g_mutex_unlock(&e->lock);
    /* The queue's reference goes to the job. */
    if (was_waiting)
        gos_engine_run(e, finish_cancelled, t);
}

size_t gos_engine_running(gos_engine *e, size_t *queued)
{
    size_t running = 0, waiting = 0;
    g_mutex_lock(&e->lock);
    GHashTableIter it;
    gpointer qp;
    g_hash_table_iter_init(&it, e->hosts);
    while (g_hash_table_iter_next(&it, NULL, &qp))
        waiting += ((host_queue *)qp)->waiting.length;
    running = (size_t)e->running;
    g_mutex_unlock(&e->lock);
    if (queued)
        *queued = waiting;
    return running;
}

size_t gos_engine_stuck(gos_engine *e)
{
    /* A worker whose task ended normally leaves its loop at once: a moment
     * (half a second at most) tells those apart from calls that hang. */
    size_t stuck = 0;
    for (int round = 0; round < 100; round++) {
        g_mutex_lock(&e->lock);
        bool unfinished = false;
        for (guint i = 0; i < e->live->len && !unfinished; i++)
            unfinished = !gos_task_finished(g_ptr_array_index(e->live, i));
        stuck = unfinished ? 0 : (size_t)e->running;
        g_mutex_unlock(&e->lock);
        if (!stuck)
            break;
        g_usleep(5000);
    }
    return stuck;
}
