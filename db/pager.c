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
    gos_pager_worker *worker;   /* started on first need */
};

static int64_t row_key(GArray *rows, guint i)
{
    return g_array_index(rows, gos_audit_task, i).key;
}

/* Starts the worker on first need. False when it cannot. */
static bool worker_start(gos_pager *p)
{
    if (p->worker)
        return true;
    if (!p->async_ok)
        return false;
    p->worker = gos_pager_worker_new(p->path, p->wake, p->wake_data);
    if (!p->worker)
        p->async_ok = false;
    return p->worker != NULL;
}



/* --- the pager ------------------------------------------------------------- */

gos_pager *gos_pager_new(gos_audit *shared, void (*wake)(void *data), void *data)
{
    gos_pager *p = g_new0(gos_pager, 1);
    p->rows = gos_pager_rows_new();
    p->page = 10;
    p->shared = shared;
    p->budget_ms = SYNC_BUDGET_MS;
    p->wake = wake;
    p->wake_data = data;
    p->words = g_new0(char *, 1);
    p->filter_text = g_strdup("");
    return p;
}

void gos_pager_free(gos_pager *p)
{
    if (!p)
        return;
    gos_pager_worker_free(p->worker);
    if (p->ui_owned)
        gos_audit_free(p->ui);
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

static void apply(gos_pager *p, const gos_pager_request *rq, gos_pager_result *res)
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
    if ((rq->kind == GOS_PAGER_LOAD_OLDER || rq->kind == GOS_PAGER_LOAD_NEWER) && res->rows->len == 0) {
        if (rq->kind == GOS_PAGER_LOAD_OLDER)
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
    case GOS_PAGER_CUR_FIRST:
        p->cursor = 0;
        break;
    case GOS_PAGER_CUR_LAST:
        p->cursor = n ? n - 1 : 0;
        break;
    case GOS_PAGER_CUR_KEEP:
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
static void load(gos_pager *p, gos_pager_load kind, gos_pager_cursor_rule cursor)
{
    p->stale = false;
    p->again = false;

    gos_pager_request *rq = g_new0(gos_pager_request, 1);
    rq->gen = ++p->gen;
    rq->words = g_strdupv(p->words);
    rq->kind = kind;
    rq->anchor = p->anchor;
    rq->page = (size_t)p->page;
    rq->cursor = cursor;
    rq->cursor_line = p->cursor;
    const gos_audit_task *cur = gos_pager_current(p);
    rq->cursor_key = cur ? cur->key : 0;
    if (kind == GOS_PAGER_LOAD_OLDER && p->rows->len)
        rq->edge = row_key(p->rows, p->rows->len - 1);
    if (kind == GOS_PAGER_LOAD_NEWER && p->rows->len)
        rq->edge = row_key(p->rows, 0);

    gos_audit *audit = ui_handle(p);
    if (!audit) {
        g_free(p->error);
        p->error = g_strdup(_("No audit store is open."));
        g_array_set_size(p->rows, 0);
        p->newer = p->older = false;
        p->cursor = 0;
        p->loaded = true;
        gos_pager_request_free(rq);
        return;
    }
    /* A filter that was slow once is slow again (every task update reloads
     * the page): the owner's thread does not spend its budget on it each time. */
    if (p->slow && !p->busy && worker_start(p)) {
        p->busy_since = g_get_monotonic_time();
    } else if (!p->busy) {
        gint64 t0 = g_get_monotonic_time();
        gos_pager_result *res = NULL;
        int r = gos_pager_run(audit, rq, p->async_ok ? p->budget_ms : 0, &res);
        if (r != 1) {
            p->query_us = g_get_monotonic_time() - t0;
            apply(p, rq, res);
            gos_pager_result_free(res);
            gos_pager_request_free(rq);
            return;
        }
        gos_pager_result_free(res);
        p->slow = true;
        if (!worker_start(p)) {
            /* No worker: wait for the answer here. */
            gos_pager_run(audit, rq, 0, &res);
            p->query_us = g_get_monotonic_time() - t0;
            apply(p, rq, res);
            gos_pager_result_free(res);
            gos_pager_request_free(rq);
            return;
        }
        p->busy_since = t0;
    }
    /* The worker takes it; a question it is still answering is dropped. */
    gos_pager_worker_ask(p->worker, rq, p->busy);
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
        load(p, GOS_PAGER_LOAD_HOME, GOS_PAGER_CUR_FIRST);
        return true;
    }
    if (!p->stale)
        return false;
    if (p->busy) {
        p->again = true;
        return false;
    }
    load(p, GOS_PAGER_LOAD_RELOAD, GOS_PAGER_CUR_KEEP);
    return true;
}

bool gos_pager_collect(gos_pager *p)
{
    gos_pager_request *rq;
    gos_pager_result *res;

    if (!p->worker || !gos_pager_worker_take(p->worker, &rq, &res))
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
    if (!fresh)
        gos_pager_worker_note_dropped(p->worker);
    gos_pager_result_free(res);
    gos_pager_request_free(rq);
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
            load(p, GOS_PAGER_LOAD_NEWER, GOS_PAGER_CUR_LAST);
        break;
    case GOS_PAGER_DOWN:
        if (p->cursor + 1 < n)
            p->cursor++;
        else if (p->older)
            load(p, GOS_PAGER_LOAD_OLDER, GOS_PAGER_CUR_FIRST);
        break;
    case GOS_PAGER_PAGE_UP:
        if (p->newer)
            load(p, GOS_PAGER_LOAD_NEWER, GOS_PAGER_CUR_KEEP);
        else
            p->cursor = 0;
        break;
    case GOS_PAGER_PAGE_DOWN:
        if (p->older)
            load(p, GOS_PAGER_LOAD_OLDER, GOS_PAGER_CUR_KEEP);
        else
            p->cursor = n ? n - 1 : 0;
        break;
    case GOS_PAGER_HOME:
        load(p, GOS_PAGER_LOAD_HOME, GOS_PAGER_CUR_FIRST);
        break;
    case GOS_PAGER_END:
        load(p, GOS_PAGER_LOAD_END, GOS_PAGER_CUR_LAST);
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
    return p->worker ? gos_pager_worker_dropped(p->worker) : 0;
}
