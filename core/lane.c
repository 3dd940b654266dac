/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Lanes: a queue per host of inventory jobs, run a few at a time on a shared, growing thread pool. */
#include <config.h>

#include <glib.h>

#include "core/lane.h"

/*
 * A lane keeps its jobs in two queues (urgent first) and has at most
 * `limit` workers. A worker is a token in one process-wide GThreadPool: it
 * runs the lane's jobs one after another until the lane is empty, then
 * leaves. So a lane whose jobs hang holds `limit` threads and no more, and
 * every other lane still gets threads of its own: one slow host never waits
 * for another's calls. Tokens hold a reference, so a lane let go of while a
 * job hangs lives on until that job ends.
 */

typedef struct {
    gos_lane_fn run, drop;
    void *data;
} lane_job;

struct gos_lane {
    gint refs;
    GMutex lock;
    GCond idle;              /* running fell to 0 */
    GQueue urgent, normal;   /* lane_job* */
    int limit;
    int workers;             /* tokens in the pool, waiting or working */
    int running;             /* jobs running now */
    bool closed;
};

static GThreadPool *pool;

static void lane_unref(gos_lane *l)
{
    if (!g_atomic_int_dec_and_test(&l->refs))
        return;
    g_mutex_clear(&l->lock);
    g_cond_clear(&l->idle);
    g_free(l);
}

static void worker(gpointer token, gpointer unused)
{
    (void)unused;
    gos_lane *l = token;
    g_mutex_lock(&l->lock);
    for (;;) {
        lane_job *j = l->workers > l->limit ? NULL : g_queue_pop_head(&l->urgent);
        if (!j && l->workers <= l->limit)
            j = g_queue_pop_head(&l->normal);
        if (!j) {
            l->workers--;
            break;
        }
        l->running++;
        g_mutex_unlock(&l->lock);
        j->run(j->data);
        g_free(j);
        g_mutex_lock(&l->lock);
        if (--l->running == 0)
            g_cond_broadcast(&l->idle);
    }
    g_mutex_unlock(&l->lock);
    lane_unref(l);
}

/* Starts workers while jobs wait and the limit allows. Caller holds l->lock. */
static void spawn(gos_lane *l)
{
    guint waiting = l->urgent.length + l->normal.length;
    while (l->workers < l->limit && (guint)(l->workers - l->running) < waiting) {
        l->workers++;
        g_atomic_int_inc(&l->refs);
        g_thread_pool_push(pool, l, NULL);
    }
}

gos_lane *gos_lane_new(int limit)
{
    static gsize once;
    if (g_once_init_enter(&once)) {
        pool = g_thread_pool_new(worker, NULL, GOS_LANE_MAX_THREADS, FALSE, NULL);
        g_once_init_leave(&once, 1);
    }
    gos_lane *l = g_new0(gos_lane, 1);
    l->refs = 1;
    g_mutex_init(&l->lock);
    g_cond_init(&l->idle);
    g_queue_init(&l->urgent);
    g_queue_init(&l->normal);
    l->limit = limit > 0 ? limit : 1;
    return l;
}

void gos_lane_push(gos_lane *l, bool urgent, gos_lane_fn run, gos_lane_fn drop, void *data)
{
    g_mutex_lock(&l->lock);
    if (l->closed) {
        g_mutex_unlock(&l->lock);
        if (drop)
            drop(data);
        return;
    }
    lane_job *j = g_new(lane_job, 1);
    j->run = run;
    j->drop = drop;
    j->data = data;
    g_queue_push_tail(urgent ? &l->urgent : &l->normal, j);
    spawn(l);
    g_mutex_unlock(&l->lock);
}

void gos_lane_set_limit(gos_lane *l, int limit)
{
    g_mutex_lock(&l->lock);
    l->limit = limit > 0 ? limit : 1;
    spawn(l);
    g_mutex_unlock(&l->lock);
}

void gos_lane_clear(gos_lane *l)
{
    g_mutex_lock(&l->lock);
    GQueue u = l->urgent, n = l->normal;
    g_queue_init(&l->urgent);
    g_queue_init(&l->normal);
    g_mutex_unlock(&l->lock);
    GQueue *qs[] = { &u, &n };
    for (size_t i = 0; i < G_N_ELEMENTS(qs); i++) {
        lane_job *j;
        while ((j = g_queue_pop_head(qs[i]))) {
            if (j->drop)
                j->drop(j->data);
            g_free(j);
        }
    }
}

void gos_lane_counts(gos_lane *l, size_t *queued, size_t *running)
{
    g_mutex_lock(&l->lock);
    if (queued)
        *queued = l->urgent.length + l->normal.length;
    if (running)
        *running = (size_t)l->running;
    g_mutex_unlock(&l->lock);
}

bool gos_lane_wait(gos_lane *l, long timeout_ms)
{
    gint64 until = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    g_mutex_lock(&l->lock);
    while (l->running > 0)
        if (!g_cond_wait_until(&l->idle, &l->lock, until))
            break;
    bool idle = l->running == 0;
    g_mutex_unlock(&l->lock);
    return idle;
}

void gos_lane_free(gos_lane *l)
{
    if (!l)
        return;
    g_mutex_lock(&l->lock);
    l->closed = true;
    g_mutex_unlock(&l->lock);
    gos_lane_clear(l);
    lane_unref(l);
}
