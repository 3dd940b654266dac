/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading one page of the audit pager: its queries, on the owner's thread or on the pager's worker. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "base/i18n.h"
#include "db/pager_priv.h"

/* The strings of a gos_audit_task, which a page row owns. */
#define TASK_STRINGS(X) \
    X(task_id) X(host) X(vm_uuid) X(vm_name) X(action) X(op_user) X(op_tty) X(op_ssh) \
    X(origin) X(phase) X(message) X(users_before_json) X(users_after_json)

struct gos_pager_worker {
    GThread *thread;
    gos_audit *wh;               /* the worker's handle, opened before the thread starts */
    void (*wake)(void *data);
    void *wake_data;
    GMutex lock;
    GCond cond;
    gos_pager_request *pending;  /* guarded by lock */
    gos_pager_result *done;      /* guarded by lock, with the request it answers */
    gos_pager_request *done_rq;
    bool quit;                   /* guarded by lock */
    unsigned dropped;            /* guarded by lock: questions dropped for newer ones */
    gint exited;                 /* set atomically as the thread returns */
};

/* --- rows ------------------------------------------------------------------ */

static void task_clear(gpointer data)
{
    gos_audit_task *t = data;
#define FREE_STRING(f) g_free((char *)t->f);
    TASK_STRINGS(FREE_STRING)
#undef FREE_STRING
}

GArray *gos_pager_rows_new(void)
{
    GArray *rows = g_array_new(FALSE, TRUE, sizeof(gos_audit_task));
    g_array_set_clear_func(rows, task_clear);
    return rows;
}

/* gos_audit_query_page's callback: a copy of each task, which outlives the statement. */
static int collect_row(const gos_audit_task *t, void *opaque)
{
    GArray *rows = opaque;
    gos_audit_task copy = *t;
#define DUP_STRING(f) copy.f = g_strdup(t->f);
    TASK_STRINGS(DUP_STRING)
#undef DUP_STRING
    g_array_append_val(rows, copy);
    return 0;
}

void gos_pager_request_free(gos_pager_request *rq)
{
    if (!rq)
        return;
    g_strfreev(rq->words);
    g_free(rq);
}

void gos_pager_result_free(gos_pager_result *res)
{
    if (!res)
        return;
    if (res->rows)
        g_array_free(res->rows, TRUE);
    g_free(res->error);
    g_free(res);
}

/* --- one page: the queries ------------------------------------------------- */

/* Turns the rows of an oldest-first query round, newest first. */
static void reverse_rows(GArray *rows)
{
    for (guint i = 0, j = rows->len ? rows->len - 1 : 0; i < j; i++, j--) {
        gos_audit_task tmp = g_array_index(rows, gos_audit_task, i);
        g_array_index(rows, gos_audit_task, i) = g_array_index(rows, gos_audit_task, j);
        g_array_index(rows, gos_audit_task, j) = tmp;
    }
}

/* Drops the rows past n (they are the "one more" that says a page follows). */
static void keep_rows(GArray *rows, size_t n)
{
    if (rows->len > n)
        g_array_set_size(rows, (guint)n);
}

/* One page query into rows: 0 done, 1 gave up, -1 failed (*err set). */
static int query(gos_audit *audit, const gos_audit_filter *f, int64_t after, bool oldest_first,
                 size_t limit, int budget_ms, GArray *rows, char **err)
{
    bool gave_up = false;
    if (gos_audit_query_page(audit, f, after, oldest_first, limit, budget_ms, collect_row, rows,
                             &gave_up, err) < 0)
        return -1;
    return gave_up ? 1 : 0;
}

int gos_pager_run(gos_audit *audit, const gos_pager_request *rq, int budget_ms, gos_pager_result **out)
{
    gos_pager_result *res = g_new0(gos_pager_result, 1);
    gos_audit_filter f;
    char *err = NULL;
    size_t page = rq->page > 0 ? rq->page : 1;
    int r;

    *out = res;
    res->rows = gos_pager_rows_new();
    if (gos_audit_filter_parse((int)g_strv_length(rq->words), rq->words, &f, &err) < 0) {
        res->error = err;
        return -1;
    }
    switch (rq->kind) {
    case GOS_PAGER_LOAD_NEWER:
        /* The page before: keys above the first, oldest first, turned round. */
        r = query(audit, &f, rq->edge, true, page + 1, budget_ms, res->rows, &err);
        if (r != 0)
            break;
        if (res->rows->len >= page) {
            res->newer = res->rows->len > page;
            keep_rows(res->rows, page);
            reverse_rows(res->rows);
            res->older = true;
            break;
        }
        /* Fewer than a page above: the newest page is the one to show. */
        g_array_set_size(res->rows, 0);
        r = query(audit, &f, 0, false, page + 1, budget_ms, res->rows, &err);
        if (r == 0) {
            res->older = res->rows->len > page;
            keep_rows(res->rows, page);
        }
        break;
    case GOS_PAGER_LOAD_END:
        r = query(audit, &f, 0, true, page + 1, budget_ms, res->rows, &err);
        if (r == 0) {
            res->newer = res->rows->len > page;
            keep_rows(res->rows, page);
            reverse_rows(res->rows);
        }
        break;
    case GOS_PAGER_LOAD_OLDER:
        r = query(audit, &f, rq->edge, false, page + 1, budget_ms, res->rows, &err);
        if (r == 0) {
            res->newer = true;
            res->older = res->rows->len > page;
            keep_rows(res->rows, page);
        }
        break;
    case GOS_PAGER_LOAD_HOME:
    case GOS_PAGER_LOAD_RELOAD:
    default: {
        int64_t anchor = rq->kind == GOS_PAGER_LOAD_HOME ? 0 : rq->anchor;
        r = query(audit, &f, anchor, false, page + 1, budget_ms, res->rows, &err);
        if (r == 0) {
            res->newer = anchor != 0;
            res->older = res->rows->len > page;
            keep_rows(res->rows, page);
        }
        break;
    }
    }
    if (r < 0) {
        res->error = err ? err : g_strdup(_("The audit store could not be read."));
        return -1;
    }
    if (r == 0 && res->rows->len > 0)
        res->anchor = res->newer ? g_array_index(res->rows, gos_audit_task, 0).key + 1 : 0;
    return r;
}

/* --- the worker ------------------------------------------------------------ */

static gpointer worker_main(gpointer data)
{
    gos_pager_worker *w = data;

    g_mutex_lock(&w->lock);
    for (;;) {
        while (!w->pending && !w->quit)
            g_cond_wait(&w->cond, &w->lock);
        if (w->quit)
            break;
        gos_pager_request *rq = w->pending;
        w->pending = NULL;
        g_mutex_unlock(&w->lock);

        gos_pager_result *res = NULL;
        int r = gos_pager_run(w->wh, rq, 0, &res);

        g_mutex_lock(&w->lock);
        if (r == 1) {
            /* Interrupted. When no newer question came, the interrupt was
             * meant for the query before this one: ask again. */
            gos_pager_result_free(res);
            if (!w->pending && !w->quit) {
                w->pending = rq;
            } else {
                gos_pager_request_free(rq);
                w->dropped++;
            }
            continue;
        }
        gos_pager_result_free(w->done);
        gos_pager_request_free(w->done_rq);
        w->done = res;
        w->done_rq = rq;
        if (w->wake) {
            /* Not under the lock: the owner may take the answer at once. */
            g_mutex_unlock(&w->lock);
            w->wake(w->wake_data);
            g_mutex_lock(&w->lock);
        }
    }
    g_mutex_unlock(&w->lock);
    g_atomic_int_set(&w->exited, 1);
    return NULL;
}

gos_pager_worker *gos_pager_worker_new(const char *path, void (*wake)(void *data), void *data)
{
    gos_pager_worker *w = g_new0(gos_pager_worker, 1);
    char *err = NULL;

    if (gos_audit_open_readonly(path, &w->wh, &err) < 0) {
        free(err);
        g_free(w);
        return NULL;
    }
    w->wake = wake;
    w->wake_data = data;
    g_mutex_init(&w->lock);
    g_cond_init(&w->cond);
    w->thread = g_thread_try_new("audit-pager", worker_main, w, NULL);
    if (!w->thread) {
        gos_pager_worker_free(w);
        return NULL;
    }
    return w;
}

void gos_pager_worker_free(gos_pager_worker *w)
{
    if (!w)
        return;
    if (w->thread) {
        g_mutex_lock(&w->lock);
        w->quit = true;
        g_cond_signal(&w->cond);
        g_mutex_unlock(&w->lock);
        /* Again until it is out: an interrupt that comes just before its query
         * starts is cleared by that query, which would then run to its end. */
        while (!g_atomic_int_get(&w->exited)) {
            gos_audit_interrupt(w->wh);
            g_usleep(1000);
        }
        g_thread_join(w->thread);
    }
    gos_pager_request_free(w->pending);
    gos_pager_request_free(w->done_rq);
    gos_pager_result_free(w->done);
    gos_audit_free(w->wh);
    g_mutex_clear(&w->lock);
    g_cond_clear(&w->cond);
    g_free(w);
}

void gos_pager_worker_ask(gos_pager_worker *w, gos_pager_request *rq, bool interrupt)
{
    g_mutex_lock(&w->lock);
    if (w->pending) {
        gos_pager_request_free(w->pending);
        w->dropped++;
    }
    w->pending = rq;
    g_cond_signal(&w->cond);
    g_mutex_unlock(&w->lock);
    /* Once the new question waits, so that the old one cannot be taken up again. */
    if (interrupt)
        gos_audit_interrupt(w->wh);
}

bool gos_pager_worker_take(gos_pager_worker *w, gos_pager_request **rq, gos_pager_result **res)
{
    g_mutex_lock(&w->lock);
    *rq = w->done_rq;
    *res = w->done;
    w->done = NULL;
    w->done_rq = NULL;
    g_mutex_unlock(&w->lock);
    return *res != NULL;
}

void gos_pager_worker_note_dropped(gos_pager_worker *w)
{
    g_mutex_lock(&w->lock);
    w->dropped++;
    g_mutex_unlock(&w->lock);
}

unsigned gos_pager_worker_dropped(gos_pager_worker *w)
{
    g_mutex_lock(&w->lock);
    unsigned n = w->dropped;
    g_mutex_unlock(&w->lock);
    return n;
}
