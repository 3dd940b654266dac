/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The audit pager: recorded tasks newest first, filtered, read one page at a time by keyset paging. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "base/i18n.h"
#include "db/pager.h"
#include "db/pager_priv.h"

/*
 * Memory and time at a million tasks.
 *
 * Only the page on screen is ever held: at most one page of rows, plus the
 * one more that says whether another page follows. Paging is by key in both
 * directions (older: keys below the page's last, newest first; newer: keys
 * above its first, oldest first, turned round), so neither a page number nor
 * a stack of earlier pages grows as the operator scrolls.
 *
 * The pager reads through its own read-only connections, so it never holds
 * the lock under which the task engine appends. A page is first tried on the
 * owner's thread under a small budget: unfiltered and indexed pages take a
 * few milliseconds. A query that runs past the budget (a text search, a rare
 * match in a long time range) is handed to a worker thread with a second
 * connection; the owner goes on drawing and reading keys, and the answer
 * arrives through the wake callback. A newer question interrupts the older.
 */

/* How long a page may take on the owner's thread before it goes to the worker. */
#define SYNC_BUDGET_MS 40

/* The strings of a gos_audit_task, which a page row owns. */
#define TASK_STRINGS(X) \
    X(task_id) X(host) X(vm_uuid) X(vm_name) X(action) X(op_user) X(op_tty) X(op_ssh) \
    X(origin) X(phase) X(message) X(users_before_json) X(users_after_json)

/* What a page load is for. */
typedef enum {
    LOAD_RELOAD = 0,   /* the same page again (new rows, a new page size) */
    LOAD_HOME,         /* the newest page */
    LOAD_OLDER,        /* the page after the last row */
    LOAD_NEWER,        /* the page before the first row */
    LOAD_END,          /* the oldest page */
} load_kind;

/* Where the cursor goes once the page is there. */
typedef enum {
    CUR_KEEP = 0,      /* on the same task when it is on the page, else the same line */
    CUR_FIRST,
    CUR_LAST,
} cursor_rule;

typedef struct request {
    unsigned gen;
    char **words;          /* the filter words (owned) */
    load_kind kind;
    int64_t anchor;        /* LOAD_RELOAD: keys below it; 0 = from the newest */
    int64_t edge;          /* LOAD_OLDER: the last key; LOAD_NEWER: the first key */
    size_t page;
    cursor_rule cursor;
    size_t cursor_line;
    int64_t cursor_key;
} request;

typedef struct result {
    GArray *rows;          /* gos_audit_task with owned strings, newest first, at most page */
    bool newer, older;     /* tasks before the first row / after the last exist */
    int64_t anchor;        /* the RELOAD anchor that shows this same page */
    char *error;
} result;

struct gos_pager {
    /* the page */
    GArray *rows;
    bool newer, older;
    int64_t anchor;
    size_t cursor;
    int page;              /* rows per page */
    bool loaded;           /* a page (or an error) has been read */
    bool stale;            /* read the same page again at the next sync */
    bool refilter;         /* read from the newest task at the next sync */
    char *error;           /* why the store could not be read, or NULL */
    bool detail;           /* every field of the task under the cursor, instead of the list */
    int detail_top;
    char **words;          /* the filter words */
    char *filter_text;     /* the same as one line, for a title */
    gint64 query_us;       /* how long the last page took */

    /* reading */
    gos_audit *shared;     /* borrowed */
    gos_audit *ui;         /* read-only handle of the owner's thread (or shared) */
    bool ui_owned;
    bool async_ok;         /* a worker can open the file too (not :memory:) */
    char *path;
    int budget_ms;
    unsigned gen;          /* of the newest request */
    bool slow;             /* the filter in force ran past the budget once: straight to the worker */
    bool busy;             /* the worker has the newest request */
    bool again;            /* a reload was asked for while busy */
    gint64 busy_since;
    void (*wake)(void *data);
    void *wake_data;

    /* the worker */
    GThread *thread;
    gos_audit *wh;         /* the worker's handle, opened before the thread starts */
    GMutex lock;
    GCond cond;
    request *pending;      /* guarded by lock */
    result *done;          /* guarded by lock, with the request it answers */
    request *done_rq;
    bool quit;             /* guarded by lock */
    unsigned dropped;      /* guarded by lock: questions dropped for newer ones */
    gint exited;           /* set atomically as the worker returns */
};

/* --- rows ------------------------------------------------------------------ */

static void task_clear(gpointer data)
{
    gos_audit_task *t = data;
#define FREE_STRING(f) g_free((char *)t->f);
    TASK_STRINGS(FREE_STRING)
#undef FREE_STRING
}

static GArray *rows_new(void)
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

static void request_free(request *rq)
{
    if (!rq)
        return;
    g_strfreev(rq->words);
    g_free(rq);
}

static void result_free(result *res)
{
    if (!res)
        return;
    if (res->rows)
        g_array_free(res->rows, TRUE);
    g_free(res->error);
    g_free(res);
}

static int64_t row_key(GArray *rows, guint i)
{
    return g_array_index(rows, gos_audit_task, i).key;
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

/* Runs rq against audit. Returns 0 with *out filled, 1 when the budget ran out
 * or the query was interrupted, -1 with (*out)->error set. */
static int run_request(gos_audit *audit, const request *rq, int budget_ms, result **out)
{
    result *res = g_new0(result, 1);
    gos_audit_filter f;
    char *err = NULL;
    size_t page = rq->page > 0 ? rq->page : 1;
    int r;

    *out = res;
    res->rows = rows_new();
    if (gos_audit_filter_parse((int)g_strv_length(rq->words), rq->words, &f, &err) < 0) {
        res->error = err;
        return -1;
    }
    switch (rq->kind) {
    case LOAD_NEWER:
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
    case LOAD_END:
        r = query(audit, &f, 0, true, page + 1, budget_ms, res->rows, &err);
        if (r == 0) {
            res->newer = res->rows->len > page;
            keep_rows(res->rows, page);
            reverse_rows(res->rows);
        }
        break;
    case LOAD_OLDER:
        r = query(audit, &f, rq->edge, false, page + 1, budget_ms, res->rows, &err);
        if (r == 0) {
            res->newer = true;
            res->older = res->rows->len > page;
            keep_rows(res->rows, page);
        }
        break;
    case LOAD_HOME:
    case LOAD_RELOAD:
    default: {
        int64_t anchor = rq->kind == LOAD_HOME ? 0 : rq->anchor;
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
        res->anchor = res->newer ? row_key(res->rows, 0) + 1 : 0;
    return r;
}

/* --- the worker ------------------------------------------------------------ */

static gpointer worker_main(gpointer data)
{
    gos_pager *p = data;

    g_mutex_lock(&p->lock);
    for (;;) {
        while (!p->pending && !p->quit)
            g_cond_wait(&p->cond, &p->lock);
        if (p->quit)
            break;
        request *rq = p->pending;
        p->pending = NULL;
        g_mutex_unlock(&p->lock);

        result *res = NULL;
        int r = run_request(p->wh, rq, 0, &res);

        g_mutex_lock(&p->lock);
        if (r == 1) {
            /* Interrupted. When no newer question came, the interrupt was
             * meant for the query before this one: ask again. */
            result_free(res);
            if (!p->pending && !p->quit) {
                p->pending = rq;
            } else {
                request_free(rq);
                p->dropped++;
            }
            continue;
        }
        result_free(p->done);
        request_free(p->done_rq);
        p->done = res;
        p->done_rq = rq;
        if (p->wake) {
            /* Not under the lock: the owner may take the answer at once. */
            g_mutex_unlock(&p->lock);
            p->wake(p->wake_data);
            g_mutex_lock(&p->lock);
        }
    }
    g_mutex_unlock(&p->lock);
    g_atomic_int_set(&p->exited, 1);
    return NULL;
}

/* Starts the worker and its connection on first need. False when it cannot. */
static bool worker_start(gos_pager *p)
{
    if (p->thread)
        return true;
    if (!p->async_ok)
        return false;
    char *err = NULL;
    if (gos_audit_open_readonly(p->path, &p->wh, &err) < 0) {
        free(err);
        p->async_ok = false;
        return false;
    }
    p->thread = g_thread_try_new("audit-pager", worker_main, p, NULL);
    if (!p->thread) {
        gos_audit_free(p->wh);
        p->wh = NULL;
        p->async_ok = false;
        return false;
    }
    return true;
}

/* --- the pager ------------------------------------------------------------- */

gos_pager *gos_pager_new(gos_audit *shared, void (*wake)(void *data), void *data)
{
    gos_pager *p = g_new0(gos_pager, 1);
    p->rows = rows_new();
    p->page = 10;
    p->shared = shared;
    p->budget_ms = SYNC_BUDGET_MS;
    p->wake = wake;
    p->wake_data = data;
    p->words = g_new0(char *, 1);
    p->filter_text = g_strdup("");
    g_mutex_init(&p->lock);
    g_cond_init(&p->cond);
    return p;
}

void gos_pager_free(gos_pager *p)
{
    if (!p)
        return;
    if (p->thread) {
        g_mutex_lock(&p->lock);
        p->quit = true;
        g_cond_signal(&p->cond);
        g_mutex_unlock(&p->lock);
        /* Again until it is out: an interrupt that comes just before its query
         * starts is cleared by that query, which would then run to its end. */
        while (!g_atomic_int_get(&p->exited)) {
            gos_audit_interrupt(p->wh);
            g_usleep(1000);
        }
        g_thread_join(p->thread);
    }
    request_free(p->pending);
    request_free(p->done_rq);
    result_free(p->done);
    gos_audit_free(p->wh);
    if (p->ui_owned)
        gos_audit_free(p->ui);
    g_mutex_clear(&p->lock);
    g_cond_clear(&p->cond);
    g_array_free(p->rows, TRUE);
    g_free(p->error);
    g_strfreev(p->words);
    g_free(p->filter_text);
    g_free(p->path);
    g_free(p);
}

/* The words as one line, quoted where a word is empty or holds a blank or a quote. */
static char *words_text(char *const *words)
{
    GString *t = g_string_new(NULL);
    for (size_t i = 0; words[i]; i++) {
        if (i)
            g_string_append_c(t, ' ');
        if (!*words[i] || strpbrk(words[i], " \t\""))
            g_string_append_printf(t, "\"%s\"", words[i]);
        else
            g_string_append(t, words[i]);
    }
    return g_string_free(t, FALSE);
}

int gos_pager_set_filter(gos_pager *p, int argc, char *const *argv, char **err)
{
    gos_audit_filter f;
    int rc = gos_audit_filter_parse(argc, argv, &f, err);

    /* Kept even when refused: the next page read says why, as the view's error. */
    g_strfreev(p->words);
    p->words = g_new0(char *, (size_t)(argc > 0 ? argc : 0) + 1);
    for (int i = 0; i < argc; i++)
        p->words[i] = g_strdup(argv[i]);
    g_free(p->filter_text);
    p->filter_text = words_text(p->words);
    p->slow = false;
    p->refilter = true;
    return rc;
}

void gos_pager_set_page_rows(gos_pager *p, int rows)
{
    if (rows < 1)
        rows = 1;
    if (rows != p->page) {
        p->page = rows;
        p->stale = true;
    }
}

void gos_pager_reload(gos_pager *p)
{
    p->stale = true;
}

/* The owner's connection: a read-only one of its own, so that reading never
 * waits for (or holds up) the task engine's appends. A store in memory has no
 * file to open twice; the pager then reads through the shared one. */
static gos_audit *ui_handle(gos_pager *p)
{
    if (p->ui || !p->shared)
        return p->ui;
    const char *path = gos_audit_get_path(p->shared);
    char *err = NULL;
    if (path && strcmp(path, ":memory:") != 0 && gos_audit_open_readonly(path, &p->ui, &err) == 0) {
        p->ui_owned = true;
        p->async_ok = true;
        p->path = g_strdup(path);
        return p->ui;
    }
    free(err);
    p->ui = p->shared;
    return p->ui;
}

static void apply(gos_pager *p, const request *rq, result *res)
{
    g_clear_pointer(&p->error, g_free);
    p->loaded = true;
    if (res->error) {
        p->error = g_steal_pointer(&res->error);
        g_array_set_size(p->rows, 0);
        p->newer = p->older = false;
        p->cursor = 0;
        return;
    }
    /* Nothing older or newer than the page: stay where we are. */
    if ((rq->kind == LOAD_OLDER || rq->kind == LOAD_NEWER) && res->rows->len == 0) {
        if (rq->kind == LOAD_OLDER)
            p->older = false;
        else
            p->newer = false;
        return;
    }
    g_array_free(p->rows, TRUE);
    p->rows = g_steal_pointer(&res->rows);
    p->newer = res->newer;
    p->older = res->older;
    p->anchor = res->anchor;
    size_t n = p->rows->len;
    switch (rq->cursor) {
    case CUR_FIRST:
        p->cursor = 0;
        break;
    case CUR_LAST:
        p->cursor = n ? n - 1 : 0;
        break;
    case CUR_KEEP:
        p->cursor = rq->cursor_line;
        for (size_t i = 0; i < n && rq->cursor_key; i++) {
            if (row_key(p->rows, (guint)i) == rq->cursor_key) {
                p->cursor = i;
                break;
            }
        }
        if (p->cursor >= n)
            p->cursor = n ? n - 1 : 0;
        break;
    }
}

/* Reads a page: here under the budget, else on the worker. */
static void load(gos_pager *p, load_kind kind, cursor_rule cursor)
{
    p->stale = false;
    p->again = false;

    request *rq = g_new0(request, 1);
    rq->gen = ++p->gen;
    rq->words = g_strdupv(p->words);
    rq->kind = kind;
    rq->anchor = p->anchor;
    rq->page = (size_t)p->page;
    rq->cursor = cursor;
    rq->cursor_line = p->cursor;
    const gos_audit_task *cur = gos_pager_current(p);
    rq->cursor_key = cur ? cur->key : 0;
    if (kind == LOAD_OLDER && p->rows->len)
        rq->edge = row_key(p->rows, p->rows->len - 1);
    if (kind == LOAD_NEWER && p->rows->len)
        rq->edge = row_key(p->rows, 0);

    gos_audit *audit = ui_handle(p);
    if (!audit) {
        g_free(p->error);
        p->error = g_strdup(_("No audit store is open."));
        g_array_set_size(p->rows, 0);
        p->newer = p->older = false;
        p->cursor = 0;
        p->loaded = true;
        request_free(rq);
        return;
    }
    /* A filter that was slow once is slow again (every task update reloads
     * the page): the owner's thread does not spend its budget on it each time. */
    if (p->slow && !p->busy && worker_start(p)) {
        p->busy_since = g_get_monotonic_time();
    } else if (!p->busy) {
        gint64 t0 = g_get_monotonic_time();
        result *res = NULL;
        int r = run_request(audit, rq, p->async_ok ? p->budget_ms : 0, &res);
        if (r != 1) {
            p->query_us = g_get_monotonic_time() - t0;
            apply(p, rq, res);
            result_free(res);
            request_free(rq);
            return;
        }
        result_free(res);
        p->slow = true;
        if (!worker_start(p)) {
            /* No worker: wait for the answer here. */
            run_request(audit, rq, 0, &res);
            p->query_us = g_get_monotonic_time() - t0;
            apply(p, rq, res);
            result_free(res);
            request_free(rq);
            return;
        }
        p->busy_since = t0;
    }
    /* The worker takes it; a question it is still answering is dropped
     * (interrupted once the new one waits, so that it cannot be taken up again). */
    bool was_busy = p->busy;
    g_mutex_lock(&p->lock);
    if (p->pending) {
        request_free(p->pending);
        p->dropped++;
    }
    p->pending = rq;
    g_cond_signal(&p->cond);
    g_mutex_unlock(&p->lock);
    if (was_busy)
        gos_audit_interrupt(p->wh);
    p->busy = true;
}

bool gos_pager_sync(gos_pager *p)
{
    if (p->refilter || (!p->loaded && !p->busy)) {
        /* A new filter (or none read yet): from its newest task. */
        p->refilter = false;
        p->anchor = 0;
        p->cursor = 0;
        p->detail = false;
        load(p, LOAD_HOME, CUR_FIRST);
        return true;
    }
    if (!p->stale)
        return false;
    if (p->busy) {
        p->again = true;
        return false;
    }
    load(p, LOAD_RELOAD, CUR_KEEP);
    return true;
}

bool gos_pager_collect(gos_pager *p)
{
    g_mutex_lock(&p->lock);
    result *res = p->done;
    request *rq = p->done_rq;
    p->done = NULL;
    p->done_rq = NULL;
    g_mutex_unlock(&p->lock);
    if (!res)
        return false;
    bool fresh = p->busy && rq->gen == p->gen;
    if (fresh) {
        /* The answer to the newest question. */
        p->busy = false;
        p->query_us = g_get_monotonic_time() - p->busy_since;
        apply(p, rq, res);
        if (p->again)
            p->stale = true;
    }
    if (!fresh) {
        g_mutex_lock(&p->lock);
        p->dropped++;
        g_mutex_unlock(&p->lock);
    }
    result_free(res);
    request_free(rq);
    return fresh;
}

bool gos_pager_move(gos_pager *p, gos_pager_move_kind how)
{
    /* Moves through pages wait for the page being read. */
    if (p->busy)
        return false;
    gos_pager_sync(p);
    if (p->busy)
        return true;
    size_t n = p->rows->len;
    p->detail_top = 0;
    switch (how) {
    case GOS_PAGER_UP:
        if (p->cursor > 0)
            p->cursor--;
        else if (p->newer)
            load(p, LOAD_NEWER, CUR_LAST);
        break;
    case GOS_PAGER_DOWN:
        if (p->cursor + 1 < n)
            p->cursor++;
        else if (p->older)
            load(p, LOAD_OLDER, CUR_FIRST);
        break;
    case GOS_PAGER_PAGE_UP:
        if (p->newer)
            load(p, LOAD_NEWER, CUR_KEEP);
        else
            p->cursor = 0;
        break;
    case GOS_PAGER_PAGE_DOWN:
        if (p->older)
            load(p, LOAD_OLDER, CUR_KEEP);
        else
            p->cursor = n ? n - 1 : 0;
        break;
    case GOS_PAGER_HOME:
        load(p, LOAD_HOME, CUR_FIRST);
        break;
    case GOS_PAGER_END:
        load(p, LOAD_END, CUR_LAST);
        break;
    }
    return true;
}

/* --- the detail ------------------------------------------------------------ */

void gos_pager_set_detail(gos_pager *p, bool open)
{
    p->detail = open;
    p->detail_top = 0;
}

bool gos_pager_detail(const gos_pager *p) { return p->detail; }
int gos_pager_detail_top(const gos_pager *p) { return p->detail_top; }

void gos_pager_detail_scroll(gos_pager *p, int lines)
{
    p->detail_top += lines;
    if (p->detail_top < 0)
        p->detail_top = 0;
}

void gos_pager_detail_clamp(gos_pager *p, int max_top)
{
    if (p->detail_top > max_top)
        p->detail_top = max_top;
    if (p->detail_top < 0)
        p->detail_top = 0;
}

/* --- accessors ------------------------------------------------------------- */

size_t gos_pager_count(const gos_pager *p) { return p->rows->len; }

const gos_audit_task *gos_pager_row(const gos_pager *p, size_t i)
{
    return i < p->rows->len ? &g_array_index(p->rows, gos_audit_task, i) : NULL;
}

size_t gos_pager_cursor(const gos_pager *p) { return p->cursor; }
const gos_audit_task *gos_pager_current(const gos_pager *p) { return gos_pager_row(p, p->cursor); }
bool gos_pager_newer(const gos_pager *p) { return p->newer; }
bool gos_pager_older(const gos_pager *p) { return p->older; }
bool gos_pager_busy(const gos_pager *p) { return p->busy; }
bool gos_pager_loaded(const gos_pager *p) { return p->loaded; }
const char *gos_pager_error(const gos_pager *p) { return p->error; }
const char *gos_pager_filter_text(const gos_pager *p) { return p->filter_text; }
int64_t gos_pager_query_us(const gos_pager *p) { return p->query_us; }

/* --- hooks for tests ------------------------------------------------------- */

void gos_pager_priv_set_budget(gos_pager *p, int ms)
{
    p->budget_ms = ms;
}

unsigned gos_pager_priv_dropped(gos_pager *p)
{
    g_mutex_lock(&p->lock);
    unsigned n = p->dropped;
    g_mutex_unlock(&p->lock);
    return n;
}
