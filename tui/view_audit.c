/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The audit view: recorded tasks newest first, filtered, read one screen at a time by keyset paging. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib-unix.h>
#include <string.h>
#include <unistd.h>

#include "base/hresult.h"
#include "base/i18n.h"
#include "core/task.h"
#include "db/audit.h"
#include "tui/view.h"

/*
 * Memory and time at a million tasks.
 *
 * Only the page on screen is ever held: at most one screenful of rows, plus
 * the one more that says whether another page follows. Paging is by key in
 * both directions (older: keys below the page's last, newest first; newer:
 * keys above its first, oldest first, turned round), so neither a page
 * number nor a stack of earlier pages grows as the operator scrolls.
 *
 * The view reads through its own read-only connections, so it never holds
 * the lock under which the task engine appends. A page is first tried on
 * the UI thread under a small budget: unfiltered and indexed pages take a
 * few milliseconds. A query that runs past the budget (a text search, a rare
 * match in a long time range) is handed to a worker thread with a second
 * connection; the console goes on drawing and reading keys, the view says
 * "Searching", and the answer arrives through a pipe the console polls. A
 * newer question interrupts the older one.
 */

/* How long a page may take on the UI thread before it goes to the worker. */
#define SYNC_BUDGET_MS 40

/* Lines under the list that summarise the task under the cursor. */
#define PREVIEW_LINES 4

/* Column where values start in the task detail. */
#define VALUE_X 18

typedef struct row {
    int64_t key;
    char *task_id, *host, *vm_name, *vm_uuid, *action, *op_user, *op_tty, *op_ssh, *origin;
    char *phase, *message, *users_before, *users_after;
    int64_t op_uid, submitted_at, ended_at;
    int percent, task_result, virt_code;
    bool has_call_hr, has_task_error;
    uint32_t call_hr, task_error;
} row;

/* What a page load is for. */
typedef enum {
    LOAD_RELOAD = 0,   /* the same page again (new rows, a new filter) */
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
    GArray *rows;          /* row, newest first, at most page */
    bool newer, older;     /* tasks before the first row / after the last exist */
    int64_t anchor;        /* the RELOAD anchor that shows this same page */
    char *error;
} result;

struct gos_audit_pager {
    /* the page on screen */
    GArray *rows;
    bool newer, older;
    int64_t anchor;
    size_t cursor;
    int page;              /* rows per page, from the last draw */
    bool loaded;           /* a page (or an error) has been read */
    bool stale;            /* read the page again before drawing it */
    char *error;           /* why the store could not be read, or NULL */
    bool detail;           /* every field of the task under the cursor, instead of the list */
    int detail_top;
    unsigned filter_gen;   /* the session's filter generation this page was read for */
    char *filter_text;     /* the filter words as one line, for the title */
    gint64 query_us;       /* how long the last page took */

    /* reading */
    gos_audit *ui;         /* read-only handle of the UI thread (or the session's, borrowed) */
    bool ui_owned;
    bool async_ok;         /* a worker can open the file too (not :memory:) */
    char *path;
    unsigned gen;          /* of the newest request */
    bool slow;             /* the filter in force ran past the budget once: straight to the worker */
    bool busy;             /* the worker has the newest request */
    bool again;            /* a reload was asked for while busy */
    gint64 busy_since;

    /* the worker */
    GThread *thread;
    gos_audit *wh;         /* the worker's handle, opened before the thread starts */
    GMutex lock;
    GCond cond;
    request *pending;      /* guarded by lock */
    result *done;          /* guarded by lock, with the request it answers */
    request *done_rq;
    bool quit;
    int pipe[2];
};

/* --- rows ------------------------------------------------------------------ */

static void row_clear(gpointer p)
{
    row *r = p;
    g_free(r->task_id);
    g_free(r->host);
    g_free(r->vm_name);
    g_free(r->vm_uuid);
    g_free(r->action);
    g_free(r->op_user);
    g_free(r->op_tty);
    g_free(r->op_ssh);
    g_free(r->origin);
    g_free(r->phase);
    g_free(r->message);
    g_free(r->users_before);
    g_free(r->users_after);
}

static GArray *rows_new(void)
{
    GArray *rows = g_array_new(FALSE, TRUE, sizeof(row));
    g_array_set_clear_func(rows, row_clear);
    return rows;
}

static int collect(const gos_audit_task *t, void *opaque)
{
    GArray *rows = opaque;
    row r = {
        .key = t->key,
        .task_id = g_strdup(t->task_id),
        .host = g_strdup(t->host),
        .vm_name = g_strdup(t->vm_name),
        .vm_uuid = g_strdup(t->vm_uuid),
        .action = g_strdup(t->action),
        .op_user = g_strdup(t->op_user),
        .op_tty = g_strdup(t->op_tty),
        .op_ssh = g_strdup(t->op_ssh),
        .origin = g_strdup(t->origin),
        .phase = g_strdup(t->phase),
        .message = g_strdup(t->message),
        .users_before = g_strdup(t->users_before),
        .users_after = g_strdup(t->users_after),
        .op_uid = t->op_uid,
        .submitted_at = t->submitted_at,
        .ended_at = t->ended_at,
        .percent = t->percent,
        .task_result = t->task_result,
        .virt_code = t->virt_code,
        .has_call_hr = t->has_call_hr,
        .has_task_error = t->has_task_error,
        .call_hr = t->call_hr,
        .task_error = t->task_error,
    };
    g_array_append_val(rows, r);
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

/* --- one page: the queries ------------------------------------------------- */

/* Turns the rows of an oldest-first query round, newest first. */
static void reverse_rows(GArray *rows)
{
    for (guint i = 0, j = rows->len ? rows->len - 1 : 0; i < j; i++, j--) {
        row tmp = g_array_index(rows, row, i);
        g_array_index(rows, row, i) = g_array_index(rows, row, j);
        g_array_index(rows, row, j) = tmp;
    }
}

/* Drops the rows past n (they are the "one more" that says a page follows). */
static void keep_rows(GArray *rows, size_t n)
{
    if (rows->len > n)
        g_array_set_size(rows, (guint)n);
}

/* One page query: 0 done, 1 gave up, -1 failed (*err set). */
static int query(gos_audit *audit, const gos_audit_filter *f, int64_t after, bool oldest_first,
                 size_t limit, int budget_ms, GArray *rows, char **err)
{
    bool gave_up = false;
    if (gos_audit_query_page(audit, f, after, oldest_first, limit, budget_ms, collect, rows, &gave_up, err) < 0)
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
        res->anchor = res->newer ? g_array_index(res->rows, row, 0).key + 1 : 0;
    return r;
}

/* --- the worker ------------------------------------------------------------ */

static gpointer worker_main(gpointer data)
{
    gos_audit_pager *p = data;

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
            if (!p->pending && !p->quit)
                p->pending = rq;
            else
                request_free(rq);
            continue;
        }
        result_free(p->done);
        request_free(p->done_rq);
        p->done = res;
        p->done_rq = rq;
        if (write(p->pipe[1], "", 1) < 0 && errno != EAGAIN)
            g_warning("audit view: cannot wake the console: %s", g_strerror(errno));
    }
    g_mutex_unlock(&p->lock);
    return NULL;
}

/* Starts the worker and its connection on first need. False when it cannot. */
static bool worker_start(gos_audit_pager *p)
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
    p->thread = g_thread_try_new("audit-view", worker_main, p, NULL);
    if (!p->thread) {
        gos_audit_free(p->wh);
        p->wh = NULL;
        p->async_ok = false;
        return false;
    }
    return true;
}

/* --- the pager ------------------------------------------------------------- */

gos_audit_pager *gos_audit_pager_new(void)
{
    gos_audit_pager *p = g_new0(gos_audit_pager, 1);
    p->rows = rows_new();
    p->page = 10;
    p->stale = true;
    p->pipe[0] = p->pipe[1] = -1;
    g_mutex_init(&p->lock);
    g_cond_init(&p->cond);
    if (g_unix_open_pipe(p->pipe, FD_CLOEXEC, NULL)) {
        g_unix_set_fd_nonblocking(p->pipe[0], TRUE, NULL);
        g_unix_set_fd_nonblocking(p->pipe[1], TRUE, NULL);
    } else {
        p->pipe[0] = p->pipe[1] = -1;
    }
    return p;
}

void gos_audit_pager_free(gos_audit_pager *p)
{
    if (!p)
        return;
    if (p->thread) {
        g_mutex_lock(&p->lock);
        p->quit = true;
        g_cond_signal(&p->cond);
        g_mutex_unlock(&p->lock);
        gos_audit_interrupt(p->wh);
        g_thread_join(p->thread);
    }
    request_free(p->pending);
    request_free(p->done_rq);
    result_free(p->done);
    gos_audit_free(p->wh);
    if (p->ui_owned)
        gos_audit_free(p->ui);
    for (int i = 0; i < 2; i++)
        if (p->pipe[i] >= 0)
            close(p->pipe[i]);
    g_mutex_clear(&p->lock);
    g_cond_clear(&p->cond);
    g_array_free(p->rows, TRUE);
    g_free(p->error);
    g_free(p->filter_text);
    g_free(p->path);
    g_free(p);
}

void gos_audit_pager_reload(gos_audit_pager *p)
{
    p->stale = true;
}

int gos_audit_pager_fd(gos_audit_pager *p)
{
    return p ? p->pipe[0] : -1;
}

/* The UI thread's connection: a read-only one of its own, so that reading
 * never waits for (or holds up) the task engine's appends. A store in memory
 * has no file to open twice; the view then reads through the session's. */
static gos_audit *ui_handle(gos_session *s, gos_audit_pager *p)
{
    if (p->ui)
        return p->ui;
    gos_audit *shared = gos_session_audit(s);
    if (!shared)
        return NULL;
    const char *path = gos_audit_get_path(shared);
    char *err = NULL;
    if (path && strcmp(path, ":memory:") != 0 && gos_audit_open_readonly(path, &p->ui, &err) == 0) {
        p->ui_owned = true;
        p->async_ok = true;
        p->path = g_strdup(path);
        return p->ui;
    }
    free(err);
    p->ui = shared;
    return p->ui;
}

static char *words_text(const char *const *words)
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

static void apply(gos_audit_pager *p, const request *rq, result *res)
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
    p->rows = res->rows;
    res->rows = NULL;
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
            if (g_array_index(p->rows, row, i).key == rq->cursor_key) {
                p->cursor = i;
                break;
            }
        }
        if (p->cursor >= n)
            p->cursor = n ? n - 1 : 0;
        break;
    }
}

static const row *current(gos_audit_pager *p)
{
    return p->cursor < p->rows->len ? &g_array_index(p->rows, row, p->cursor) : NULL;
}

/* Reads a page: here under the budget, else on the worker. */
static void load(gos_session *s, gos_audit_pager *p, load_kind kind, cursor_rule cursor)
{
    unsigned gen = 0;
    const char *const *words = gos_session_audit_filter(s, &gen);
    if (gen != p->filter_gen || !p->filter_text) {
        g_free(p->filter_text);
        p->filter_text = words_text(words);
        p->filter_gen = gen;
        p->slow = false;
    }
    p->stale = false;
    p->again = false;

    request *rq = g_new0(request, 1);
    rq->gen = ++p->gen;
    rq->words = g_strdupv((char **)words);
    rq->kind = kind;
    rq->anchor = p->anchor;
    rq->page = p->page > 0 ? (size_t)p->page : 1;
    rq->cursor = cursor;
    rq->cursor_line = p->cursor;
    const row *cur = current(p);
    rq->cursor_key = cur ? cur->key : 0;
    if (kind == LOAD_OLDER && p->rows->len)
        rq->edge = g_array_index(p->rows, row, p->rows->len - 1).key;
    if (kind == LOAD_NEWER && p->rows->len)
        rq->edge = g_array_index(p->rows, row, 0).key;

    gos_audit *audit = ui_handle(s, p);
    if (!audit) {
        g_free(p->error);
        p->error = g_strdup(_("No audit store is open."));
        g_array_set_size(p->rows, 0);
        p->loaded = true;
        request_free(rq);
        return;
    }
    /* A filter that was slow once is slow again (every task update reloads
     * the page): the UI thread does not spend its budget on it each time. */
    if (p->slow && !p->busy && worker_start(p)) {
        p->busy_since = g_get_monotonic_time();
    } else if (!p->busy) {
        gint64 t0 = g_get_monotonic_time();
        result *res = NULL;
        int r = run_request(audit, rq, p->async_ok ? SYNC_BUDGET_MS : 0, &res);
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
            r = run_request(audit, rq, 0, &res);
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
    request_free(p->pending);
    p->pending = rq;
    g_cond_signal(&p->cond);
    g_mutex_unlock(&p->lock);
    if (was_busy)
        gos_audit_interrupt(p->wh);
    p->busy = true;
}

bool gos_audit_pager_collect(gos_session *s, gos_audit_pager *p)
{
    char buf[64];
    while (p->pipe[0] >= 0 && read(p->pipe[0], buf, sizeof buf) > 0)
        ;
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
        unsigned gen = 0;
        gos_session_audit_filter(s, &gen);
        if (p->again || gen != p->filter_gen)
            p->stale = true;
    }
    result_free(res);
    request_free(rq);
    return fresh;
}

/* Reads the page again when the filter changed (from its newest task), when
 * it was never read, or when new rows may have come (the same page). */
static void reread(gos_session *s, gos_audit_pager *p)
{
    unsigned gen = 0;
    gos_session_audit_filter(s, &gen);
    if (gen != p->filter_gen || (!p->loaded && !p->busy)) {
        p->anchor = 0;
        p->cursor = 0;
        p->detail = false;
        load(s, p, LOAD_HOME, CUR_FIRST);
    } else if (p->stale) {
        if (p->busy)
            p->again = true;
        else
            load(s, p, LOAD_RELOAD, CUR_KEEP);
    }
}

/* --- keys ------------------------------------------------------------------ */

void gos_view_audit_scroll(gos_session *s, gos_audit_pager *p, gos_scroll how)
{
    /* Keys that move through pages wait for the page being read. */
    if (p->busy)
        return;
    reread(s, p);
    if (p->busy)
        return;
    size_t n = p->rows->len;
    p->detail_top = 0;
    switch (how) {
    case GOS_SCROLL_UP:
        if (p->cursor > 0)
            p->cursor--;
        else if (p->newer)
            load(s, p, LOAD_NEWER, CUR_LAST);
        break;
    case GOS_SCROLL_DOWN:
        if (p->cursor + 1 < n)
            p->cursor++;
        else if (p->older)
            load(s, p, LOAD_OLDER, CUR_FIRST);
        break;
    case GOS_SCROLL_PAGE_UP:
        if (p->newer)
            load(s, p, LOAD_NEWER, CUR_KEEP);
        else
            p->cursor = 0;
        break;
    case GOS_SCROLL_PAGE_DOWN:
        if (p->older)
            load(s, p, LOAD_OLDER, CUR_KEEP);
        else
            p->cursor = n ? n - 1 : 0;
        break;
    case GOS_SCROLL_HOME:
        load(s, p, LOAD_HOME, CUR_FIRST);
        break;
    case GOS_SCROLL_END:
        load(s, p, LOAD_END, CUR_LAST);
        break;
    }
}

bool gos_view_audit_action(gos_session *s, gos_audit_pager *p, const char *action)
{
    (void)s;
    if (!strcmp(action, "audit-detail")) {
        p->detail = !p->detail;
        p->detail_top = 0;
        return true;
    }
    if (!strcmp(action, "back") && p->detail) {
        p->detail = false;
        return true;
    }
    if (p->detail && (!strcmp(action, "page-up") || !strcmp(action, "page-down"))) {
        /* In the detail, the page keys scroll its text. */
        p->detail_top += !strcmp(action, "page-up") ? -10 : 10;
        if (p->detail_top < 0)
            p->detail_top = 0;
        return true;
    }
    return false;
}

/* --- drawing --------------------------------------------------------------- */

static const char *result_text(const row *r)
{
    if (r->task_result == GOS_RESULT_NONE)
        return r->ended_at ? "-" : _("running");
    const char *name = gos_result_name(r->task_result);
    return name ? name : "?";
}

static gos_role result_role(const row *r)
{
    if (r->task_result == GOS_RESULT_SUCCESS)
        return GOS_ROLE_OK;
    if (r->task_result == GOS_RESULT_NONE)
        return r->ended_at ? GOS_ROLE_NORMAL : GOS_ROLE_RUNNING;
    if (r->task_result == GOS_RESULT_INTERRUPTED)
        return GOS_ROLE_WARN;
    return GOS_ROLE_ERROR;
}

/* "0xA0040505 VM_E_ADDITIONS_FEATURE_NOT_AVAIL", newly allocated; "-" when absent. */
static char *hr_text(bool has, uint32_t hr)
{
    char buf[GOS_HR_FORMAT_LEN];
    return g_strdup(has ? gos_hr_format(hr, buf, sizeof buf) : "-");
}

static const char *or_dash(const char *s)
{
    return s && *s ? s : "-";
}

/* Line 0: what is shown (the filter in force), and how the reading goes. */
static void draw_title(WINDOW *w, gos_audit_pager *p, int width)
{
    attr_t h = gos_draw_attr(GOS_ROLE_HEADER) | A_BOLD;
    gos_draw_fill(w, 0, 0, width, h);
    /* The top line of the frame says "Audit log" already: all the room is the filter's. */
    char *left = p->filter_text && *p->filter_text
                     /* TRANSLATORS: the audit view's title with the filter words in force. */
                     ? g_strdup_printf(_("Filter: %s"), p->filter_text)
                     /* TRANSLATORS: the audit view's title without a filter. */
                     : g_strdup(_("All tasks, newest first"));
    char *right = p->busy
                      /* TRANSLATORS: the audit view while a slow query runs on its worker. */
                      ? g_strconcat(_("Searching"), gos_draw_unicode() ? "\u2026" : "...", NULL)
                      : g_strdup("");
    int rw = gos_text_width(right) + 1;
    if (rw > width / 2)
        rw = width / 2;
    gos_draw_text(w, 0, 1, width - rw - 2, h, left, false);
    gos_draw_text_right(w, 0, width - rw, rw - 1, h, right);
    g_free(left);
    g_free(right);
}

/* Where the page stands, at the right of the column headers. */
static void draw_position(WINDOW *w, gos_audit_pager *p, int x, int width, attr_t h)
{
    /* TRANSLATORS: the audit view: more tasks are above (newer) or below (older) the page. */
    const char *where = p->newer && p->older ? _("more above and below")
                        : p->newer ? _("more above")
                        : p->older ? _("more below") : "";
    int ww = gos_text_width(where);
    if (*where && ww + 1 < width - x)
        gos_draw_text_right(w, 1, width - ww - 1, ww, h, where);
}

/* Every field of a task, one per line; long values wrap at their column. */
static void build_detail(gos_lines *l, const row *r)
{
    char buf[64], num[32];

    /* Fields that belong together share a line, so that a whole task fits
     * on 80x24; the page keys scroll what does not. */
    /* TRANSLATORS: the task id and its key in the audit log (the id of its first event). */
    char *task = g_strdup_printf(_("%s (audit key %lld)"), or_dash(r->task_id), (long long)r->key);
    /* TRANSLATORS: labels of the audit task detail; the values start at column 18. */
    gos_lines_pair(l, VALUE_X, _("Task"), GOS_ROLE_NORMAL, task);
    g_free(task);
    gos_lines_pair(l, VALUE_X, _("Host"), GOS_ROLE_NORMAL, or_dash(r->host));
    /* TRANSLATORS: a VM's name and its UUID. */
    char *vm = g_strdup_printf(_("%s (UUID %s)"), or_dash(r->vm_name), or_dash(r->vm_uuid));
    gos_lines_pair(l, VALUE_X, _("VM"), GOS_ROLE_NORMAL, vm);
    g_free(vm);
    gos_lines_pair(l, VALUE_X, _("Action"), GOS_ROLE_NORMAL, or_dash(r->action));
    /* TRANSLATORS: the operator's user name and numeric uid. */
    char *op = g_strdup_printf(_("%s (uid %lld)"), or_dash(r->op_user), (long long)r->op_uid);
    gos_lines_pair(l, VALUE_X, _("Operator"), GOS_ROLE_NORMAL, op);
    g_free(op);
    gos_lines_pair(l, VALUE_X, _("Terminal"), GOS_ROLE_NORMAL, or_dash(r->op_tty));
    gos_lines_pair(l, VALUE_X, _("SSH client"), GOS_ROLE_NORMAL, r->op_ssh ? r->op_ssh : _("none (local)"));
    gos_lines_pair(l, VALUE_X, _("Origin"), GOS_ROLE_NORMAL, or_dash(r->origin));
    gos_lines_pair(l, VALUE_X, _("Submitted"), GOS_ROLE_NORMAL, gos_format_time(r->submitted_at, buf, sizeof buf));
    gos_lines_pair(l, VALUE_X, _("Ended"), GOS_ROLE_NORMAL,
                   r->ended_at ? gos_format_time(r->ended_at, buf, sizeof buf) : _("not ended"));
    char *phase = r->percent >= 0 ? g_strdup_printf("%s, %d%%", or_dash(r->phase), r->percent)
                                  : g_strdup(or_dash(r->phase));
    gos_lines_pair(l, VALUE_X, _("Phase"), GOS_ROLE_NORMAL, phase);
    g_free(phase);
    gos_lines_pair(l, VALUE_X, _("Result"), result_role(r), result_text(r));
    /* The description once when the call and the task say the same. */
    bool same = r->has_call_hr && r->has_task_error && r->call_hr == r->task_error;
    char *call = hr_text(r->has_call_hr, r->call_hr);
    gos_lines_pair(l, VALUE_X, _("Call HRESULT"), GOS_ROLE_NORMAL, call);
    g_free(call);
    if (r->has_call_hr && !same)
        gos_lines_add(l, GOS_ROLE_NORMAL, -1, NULL, GOS_ROLE_DIM, VALUE_X, gos_hr_describe(r->call_hr),
                      GOS_ROLE_NORMAL, -1, NULL);
    char *error = hr_text(r->has_task_error, r->task_error);
    gos_lines_pair(l, VALUE_X, _("Task Error"), r->has_task_error && gos_hr_failed(r->task_error)
                   ? GOS_ROLE_ERROR : GOS_ROLE_NORMAL, error);
    g_free(error);
    if (r->has_task_error)
        gos_lines_add(l, GOS_ROLE_NORMAL, -1, NULL, GOS_ROLE_DIM, VALUE_X, gos_hr_describe(r->task_error),
                      GOS_ROLE_NORMAL, -1, NULL);
    if (r->virt_code)
        g_snprintf(num, sizeof num, "%d", r->virt_code);
    gos_lines_pair(l, VALUE_X, _("libvirt error"), GOS_ROLE_NORMAL, r->virt_code ? num : _("none"));
    gos_lines_pair(l, VALUE_X, _("Message"), GOS_ROLE_NORMAL, or_dash(r->message));
    const char *before = r->users_before ? (*r->users_before ? r->users_before : _("none")) : _("unknown");
    const char *after = r->users_after ? (*r->users_after ? r->users_after : _("none")) : _("unknown");
    /* TRANSLATORS: the users logged on before and after the task. */
    char *users = g_strdup_printf(_("before: %s; after: %s"), before, after);
    gos_lines_pair(l, VALUE_X, _("Users"), GOS_ROLE_NORMAL, users);
    g_free(users);
}

/* The few lines under the list: who, and what came of it. */
static void draw_preview(WINDOW *w, int y, int width, const row *r)
{
    gos_draw_hline(w, y, 0, width, gos_draw_attr(GOS_ROLE_DIM));
    for (int i = 1; i < PREVIEW_LINES; i++)
        gos_draw_fill(w, y + i, 0, width, A_NORMAL);
    if (!r)
        return;
    /* TRANSLATORS: audit preview: operator, uid, terminal, SSH client (or "local"), origin. */
    char *l1 = g_strdup_printf(_("By %s (uid %lld) on %s from %s, %s"), or_dash(r->op_user),
                               (long long)r->op_uid, or_dash(r->op_tty), r->op_ssh ? r->op_ssh : _("local"),
                               or_dash(r->origin));
    bool has = r->has_task_error || r->has_call_hr;
    uint32_t hr = r->has_task_error ? r->task_error : r->call_hr;
    char hrbuf[GOS_HR_FORMAT_LEN];
    char *l2 = has ? g_strdup_printf("%s: %s", gos_hr_format(hr, hrbuf, sizeof hrbuf), gos_hr_describe(hr))
                   : g_strdup(result_text(r));
    gos_draw_text(w, y + 1, 1, width - 1, A_NORMAL, l1, false);
    gos_draw_text(w, y + 2, 1, width - 1, has && gos_hr_failed(hr) ? gos_draw_attr(GOS_ROLE_ERROR) : A_NORMAL,
                  l2, false);
    gos_draw_text(w, y + 3, 1, width - 1, gos_draw_attr(GOS_ROLE_DIM), or_dash(r->message), false);
    g_free(l1);
    g_free(l2);
}

void gos_view_audit_draw(WINDOW *w, gos_session *s, gos_audit_pager *p)
{
    int width = getmaxx(w), height = getmaxy(w);
    int page = height - 2 - PREVIEW_LINES;
    if (page < 1)
        page = 1;
    if (page != p->page) {
        p->page = page;
        p->stale = true;
    }
    reread(s, p);

    draw_title(w, p, width);
    for (int y = 1; y < height; y++)
        gos_draw_fill(w, y, 0, width, A_NORMAL);
    const row *cur = current(p);

    if (p->busy && !p->loaded) {
        gos_draw_text(w, 2, 2, width - 4, gos_draw_attr(GOS_ROLE_DIM),
                      _("Reading the audit log; the console goes on meanwhile."), false);
        return;
    }
    if (p->detail && cur) {
        gos_lines *l = gos_lines_new(width);
        build_detail(l, cur);
        gos_lines_draw(l, w, 1, height - 1, &p->detail_top);
        gos_lines_free(l);
        return;
    }

    bool wide = width >= 100;
    int w_time = wide ? 19 : 14, w_vm = wide ? 20 : 14, w_action = 7, w_result = 16;
    int x_vm = w_time + 1, x_action = x_vm + w_vm + 1, x_result = x_action + w_action + 1;
    int x_error = x_result + w_result + 1;

    attr_t h = gos_draw_attr(GOS_ROLE_HEADER);
    gos_draw_fill(w, 1, 0, width, h);
    /* TRANSLATORS: column headers of the audit view; the columns are narrow. */
    gos_draw_text(w, 1, 0, w_time, h, _("Submitted"), false);
    gos_draw_text(w, 1, x_vm, w_vm, h, _("VM"), false);
    gos_draw_text(w, 1, x_action, w_action, h, _("Action"), false);
    gos_draw_text(w, 1, x_result, w_result, h, _("Result"), false);
    gos_draw_text(w, 1, x_error, width - x_error, h, _("Error"), false);
    draw_position(w, p, x_error + gos_text_width(_("Error")) + 1, width, h);

    for (int r = 0; r < page && !p->busy; r++) {
        int y = 2 + r;
        if ((guint)r >= p->rows->len)
            continue;
        const row *e = &g_array_index(p->rows, row, r);
        bool sel = (size_t)r == p->cursor;
        attr_t base = sel ? gos_draw_attr(GOS_ROLE_SELECTED) : A_NORMAL;
        if (sel)
            gos_draw_fill(w, y, 0, width, base);
        char when[64];
        gos_format_time(e->submitted_at, when, sizeof when);
        if (!wide && strlen(when) > 5)
            memmove(when, when + 5, strlen(when + 5) + 1);   /* drop the year */
        gos_draw_text(w, y, 0, w_time, base, when, false);
        gos_draw_text(w, y, x_vm, w_vm, base | A_BOLD, or_dash(e->vm_name ? e->vm_name : e->vm_uuid), false);
        gos_draw_text(w, y, x_action, w_action, base, or_dash(e->action), false);
        gos_draw_text(w, y, x_result, w_result, sel ? base : gos_draw_attr(result_role(e)), result_text(e), false);
        char hr[GOS_HR_FORMAT_LEN];
        const char *err = e->has_task_error ? gos_hr_format(e->task_error, hr, sizeof hr)
                          : e->has_call_hr ? gos_hr_format(e->call_hr, hr, sizeof hr) : "-";
        gos_draw_text(w, y, x_error, width - x_error, base, err, false);
    }
    if (p->error)
        gos_draw_text(w, 3, 2, width - 4, gos_draw_attr(GOS_ROLE_ERROR), p->error, false);
    else if (p->busy)
        gos_draw_text(w, 3, 2, width - 4, gos_draw_attr(GOS_ROLE_DIM),
                      _("Reading the audit log; the console goes on meanwhile."), false);
    else if (p->rows->len == 0)
        gos_draw_text(w, 3, 2, width - 4, gos_draw_attr(GOS_ROLE_DIM),
                      p->filter_text && *p->filter_text ? _("No task in the audit log matches the filter.")
                                                        : _("The audit log has no tasks yet."), false);
    draw_preview(w, 2 + page, width, p->busy ? NULL : cur);
}
