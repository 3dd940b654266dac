/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Check suite for the audit pager over a real SQLite file: paging both ways, reloads, filters, the worker. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <glib.h>
#include <sqlite3.h>

#include "db/audit.h"
#include "db/audit_priv.h"
#include "db/pager.h"
#include "db/pager_priv.h"
#include "tests/testutil.h"

static char *tmpdir;
static char *dbpath;

static void setup(void)
{
    tmpdir = tmpdir_new();
    dbpath = g_build_filename(tmpdir, "audit.db", NULL);
}

static void teardown(void)
{
    g_free(dbpath);
    tmpdir_free(tmpdir);
}

static gos_audit *open_ok(const char *path)
{
    gos_audit *a = NULL;
    char *err = NULL;

    if (gos_audit_open(path, &a, &err) != 0)
        ck_abort_msg("open %s: %s", path, err);
    return a;
}

/* Tasks t0001.. from `first` to `last` through the real append path, two events each;
 * every third on web1, the others on db1. */
static void fill_range(gos_audit *a, int first, int last)
{
    char *err = NULL;

    ck_assert_int_eq(gos_audit_batch_begin(a, &err), 0);
    for (int i = first; i <= last; i++) {
        char id[16];
        g_snprintf(id, sizeof id, "t%04d", i);
        gos_audit_event e = {
            .kind = GOS_AUDIT_SUBMITTED, .task_id = id, .ts_ms = 1000000 + i * 1000, .op_uid = 1000,
            .op_user = "alice", .origin = "cli", .host = "test:///default",
            .vm_name = i % 3 == 0 ? "web1" : "db1", .action = "logoff", .percent = -1,
            .task_result = GOS_RESULT_NONE,
        };
        ck_assert_int_eq(gos_audit_append(a, &e, NULL, &err), 0);
        e.kind = GOS_AUDIT_COMPLETED;
        e.task_result = 0;
        e.has_task_error = true;
        ck_assert_int_eq(gos_audit_append(a, &e, NULL, &err), 0);
    }
    ck_assert_int_eq(gos_audit_batch_commit(a, &err), 0);
}

/* n tasks straight into the summary (it is an index; the pager reads only it): enough
 * that a text search with no match walks far longer than a millisecond. */
static void fill_summary(gos_audit *a, int n)
{
    char *sql = g_strdup_printf(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)"
        " INSERT INTO tasks(key, task_id, submitted_at, vm_name, message)"
        " SELECT i, 'x' || i, i, 'vm-' || (i %% 1000), 'All users were logged off.' FROM n", n);
    char *err = NULL;

    ck_assert_msg(sqlite3_exec(gos_audit_priv_db(a), sql, NULL, NULL, &err) == SQLITE_OK, "%s", err);
    g_free(sql);
}

/* --- the wake callback, and waiting for the worker ------------------------- */

typedef struct {
    GMutex lock;
    GCond cond;
    int wakes;
    int seen;                    /* wakes already waited for */
} waker;

static void on_wake(void *data)
{
    waker *w = data;

    g_mutex_lock(&w->lock);
    w->wakes++;
    g_cond_signal(&w->cond);
    g_mutex_unlock(&w->lock);
}

static waker *waker_new(void)
{
    waker *w = g_new0(waker, 1);
    g_mutex_init(&w->lock);
    g_cond_init(&w->cond);
    return w;
}

static void waker_free(waker *w)
{
    g_mutex_clear(&w->lock);
    g_cond_clear(&w->cond);
    g_free(w);
}

static int wakes(waker *w)
{
    g_mutex_lock(&w->lock);
    int n = w->wakes;
    g_mutex_unlock(&w->lock);
    return n;
}

/* Waits for a wake not waited for yet (30 s at most). */
static void wait_wake(waker *w)
{
    gint64 end = g_get_monotonic_time() + 30 * G_TIME_SPAN_SECOND;

    g_mutex_lock(&w->lock);
    while (w->wakes <= w->seen)
        if (!g_cond_wait_until(&w->cond, &w->lock, end))
            break;
    ck_assert_msg(w->wakes > w->seen, "the worker never woke its owner");
    w->seen = w->wakes;
    g_mutex_unlock(&w->lock);
}

/* What an owner does until the pager rests: sync, and while the worker has the
 * page, wait for its wake, collect and sync again. Pages here are small and
 * indexed, so they usually come at once; on a loaded machine one may not. */
static void settle(gos_pager *p, waker *w)
{
    gos_pager_sync(p);
    while (gos_pager_busy(p)) {
        wait_wake(w);
        gos_pager_collect(p);
        gos_pager_sync(p);
    }
}

static void move(gos_pager *p, waker *w, gos_pager_move_kind how)
{
    ck_assert(gos_pager_move(p, how));
    settle(p, w);
}

/* The ids on the page, newest first, joined with spaces. */
static char *page_ids(gos_pager *p)
{
    GString *s = g_string_new(NULL);

    for (size_t i = 0; i < gos_pager_count(p); i++)
        g_string_append_printf(s, i ? " %s" : "%s", gos_pager_row(p, i)->task_id);
    return g_string_free(s, FALSE);
}

static const char *current_id(gos_pager *p)
{
    const gos_audit_task *t = gos_pager_current(p);

    ck_assert_ptr_nonnull(t);
    return t->task_id;
}

#define CHECK_IDS(p, expect) do { \
        char *got_ = page_ids(p); \
        ck_assert_msg(strcmp(got_, (expect)) == 0, "page: got \"%s\", want \"%s\"", got_, (expect)); \
        g_free(got_); \
    } while (0)

static int filter(gos_pager *p, const char *line, char **err)
{
    char **words = g_strsplit(line, " ", -1);
    int r = gos_pager_set_filter(p, *line ? (int)g_strv_length(words) : 0, words, err);

    g_strfreev(words);
    return r;
}

/* The number in "t0042". */
static int task_number(const gos_audit_task *t)
{
    return atoi(t->task_id + 1);
}

/* --- paging --------------------------------------------------------------- */

/* Walks every page down and back up, checking that each task comes once, in order. */
static void walk(gos_pager *p, waker *w, int expect_tasks, int step)
{
    GPtrArray *pages = g_ptr_array_new_with_free_func(g_free);
    int seen = 0, want = -1;

    move(p, w, GOS_PAGER_HOME);
    ck_assert(!gos_pager_newer(p));
    for (;;) {
        ck_assert_uint_gt(gos_pager_count(p), 0);
        for (size_t i = 0; i < gos_pager_count(p); i++) {
            int n = task_number(gos_pager_row(p, i));
            if (want < 0)
                want = n;
            ck_assert_int_eq(n, want);
            want -= step;
            seen++;
        }
        g_ptr_array_add(pages, page_ids(p));
        if (!gos_pager_older(p))
            break;
        move(p, w, GOS_PAGER_PAGE_DOWN);
        ck_assert(gos_pager_newer(p));
    }
    ck_assert_int_eq(seen, expect_tasks);
    /* Page down on the last page: the cursor to its last task. */
    move(p, w, GOS_PAGER_PAGE_DOWN);
    ck_assert_uint_eq(gos_pager_cursor(p), gos_pager_count(p) - 1);
    /* And back up, page by page: the same pages. Above a short last page there may be
     * fewer than a page: then the newest page comes at once. */
    for (int i = (int)pages->len - 2; i >= 0; i--) {
        move(p, w, GOS_PAGER_PAGE_UP);
        CHECK_IDS(p, (char *)g_ptr_array_index(pages, gos_pager_newer(p) ? (guint)i : 0));
        if (!gos_pager_newer(p))
            break;
    }
    ck_assert(!gos_pager_newer(p));
    g_ptr_array_unref(pages);
}

START_TEST(test_paging_both_ways)
{
    gos_audit *a = open_ok(dbpath);
    waker *w = waker_new();
    gos_pager *p = gos_pager_new(a, on_wake, w);

    fill_range(a, 1, 3000);
    ck_assert(!gos_pager_loaded(p));
    gos_pager_set_page_rows(p, 50);
    settle(p, w);
    ck_assert(gos_pager_loaded(p));
    ck_assert_ptr_null(gos_pager_error(p));
    ck_assert_str_eq(gos_pager_filter_text(p), "");
    ck_assert_uint_eq(gos_pager_count(p), 50);
    ck_assert_str_eq(current_id(p), "t3000");
    ck_assert(!gos_pager_newer(p) && gos_pager_older(p));

    walk(p, w, 3000, 1);

    /* Row by row across a page's edge: down at the bottom is the older page's top. */
    move(p, w, GOS_PAGER_HOME);
    for (int i = 0; i < 49; i++)
        move(p, w, GOS_PAGER_DOWN);
    ck_assert_str_eq(current_id(p), "t2951");
    move(p, w, GOS_PAGER_DOWN);
    ck_assert_str_eq(current_id(p), "t2950");
    ck_assert_uint_eq(gos_pager_cursor(p), 0);
    ck_assert_str_eq(gos_pager_row(p, 49)->task_id, "t2901");
    /* Up at the top is the newer page's bottom. */
    move(p, w, GOS_PAGER_UP);
    ck_assert_str_eq(current_id(p), "t2951");
    ck_assert_uint_eq(gos_pager_cursor(p), 49);

    /* The oldest page, the cursor on the oldest task. */
    move(p, w, GOS_PAGER_END);
    ck_assert_str_eq(current_id(p), "t0001");
    ck_assert_str_eq(gos_pager_row(p, 0)->task_id, "t0050");
    ck_assert(gos_pager_newer(p) && !gos_pager_older(p));
    move(p, w, GOS_PAGER_DOWN);                          /* nothing older: stays */
    ck_assert_str_eq(current_id(p), "t0001");

    /* A filter walks its index both ways: 1000 tasks on web1. */
    ck_assert_int_eq(filter(p, "--vm web1", NULL), 0);
    settle(p, w);
    ck_assert_str_eq(gos_pager_filter_text(p), "--vm web1");
    ck_assert_str_eq(current_id(p), "t3000");
    walk(p, w, 1000, 3);
    ck_assert_int_eq(filter(p, "--vm web1 --until 1970-01-01T00:20:00Z", NULL), 0);   /* up to t0200 */
    settle(p, w);
    walk(p, w, 66, 3);

    gos_pager_free(p);
    waker_free(w);
    gos_audit_free(a);
}
END_TEST

START_TEST(test_cursor_kept_on_reload)
{
    gos_audit *a = open_ok(dbpath);
    waker *w = waker_new();
    gos_pager *p = gos_pager_new(a, on_wake, w);

    fill_range(a, 1, 100);
    gos_pager_set_page_rows(p, 10);
    settle(p, w);
    for (int i = 0; i < 3; i++)
        move(p, w, GOS_PAGER_DOWN);
    ck_assert_str_eq(current_id(p), "t0097");

    /* At the newest page, new tasks come in on top: the cursor stays on its task. */
    fill_range(a, 101, 105);
    settle(p, w);                                        /* nothing stale: nothing read */
    CHECK_IDS(p, "t0100 t0099 t0098 t0097 t0096 t0095 t0094 t0093 t0092 t0091");
    gos_pager_reload(p);
    settle(p, w);
    CHECK_IDS(p, "t0105 t0104 t0103 t0102 t0101 t0100 t0099 t0098 t0097 t0096");
    ck_assert_str_eq(current_id(p), "t0097");
    ck_assert_uint_eq(gos_pager_cursor(p), 8);
    /* Pushed off the page, it stays on the same line. */
    fill_range(a, 106, 110);
    gos_pager_reload(p);
    settle(p, w);
    ck_assert_str_eq(gos_pager_row(p, 0)->task_id, "t0110");
    ck_assert_uint_eq(gos_pager_cursor(p), 8);
    ck_assert_str_eq(current_id(p), "t0102");

    /* Further down, a reload shows the same page; the new tasks wait above it. */
    move(p, w, GOS_PAGER_PAGE_DOWN);
    CHECK_IDS(p, "t0100 t0099 t0098 t0097 t0096 t0095 t0094 t0093 t0092 t0091");
    ck_assert_str_eq(current_id(p), "t0092");
    fill_range(a, 111, 130);
    gos_pager_reload(p);
    settle(p, w);
    CHECK_IDS(p, "t0100 t0099 t0098 t0097 t0096 t0095 t0094 t0093 t0092 t0091");
    ck_assert_str_eq(current_id(p), "t0092");
    ck_assert(gos_pager_newer(p));
    move(p, w, GOS_PAGER_HOME);
    ck_assert_str_eq(current_id(p), "t0130");

    /* A bigger page is read again at the same place. */
    move(p, w, GOS_PAGER_PAGE_DOWN);
    move(p, w, GOS_PAGER_DOWN);
    ck_assert_str_eq(current_id(p), "t0119");
    gos_pager_set_page_rows(p, 15);
    settle(p, w);
    ck_assert_uint_eq(gos_pager_count(p), 15);
    ck_assert_str_eq(gos_pager_row(p, 0)->task_id, "t0120");
    ck_assert_str_eq(current_id(p), "t0119");

    gos_pager_free(p);
    waker_free(w);
    gos_audit_free(a);
}
END_TEST

/* Page up with fewer than a page above: the newest page, not a short one. */
START_TEST(test_newer_falls_back_to_newest)
{
    gos_audit *a = open_ok(dbpath);
    waker *w = waker_new();
    gos_pager *p = gos_pager_new(a, on_wake, w);

    fill_range(a, 1, 25);
    gos_pager_set_page_rows(p, 10);
    settle(p, w);
    move(p, w, GOS_PAGER_PAGE_DOWN);
    CHECK_IDS(p, "t0015 t0014 t0013 t0012 t0011 t0010 t0009 t0008 t0007 t0006");
    gos_pager_set_page_rows(p, 12);
    settle(p, w);
    ck_assert_str_eq(gos_pager_row(p, 0)->task_id, "t0015");
    ck_assert_uint_eq(gos_pager_count(p), 12);
    move(p, w, GOS_PAGER_PAGE_UP);                       /* 10 above, the page holds 12 */
    ck_assert_uint_eq(gos_pager_count(p), 12);
    ck_assert_str_eq(gos_pager_row(p, 0)->task_id, "t0025");
    ck_assert_str_eq(gos_pager_row(p, 11)->task_id, "t0014");
    ck_assert(!gos_pager_newer(p) && gos_pager_older(p));
    /* On the newest page, page up goes to its top. */
    move(p, w, GOS_PAGER_DOWN);
    move(p, w, GOS_PAGER_PAGE_UP);
    ck_assert_uint_eq(gos_pager_cursor(p), 0);

    gos_pager_free(p);
    waker_free(w);
    gos_audit_free(a);
}
END_TEST

START_TEST(test_filter_change)
{
    gos_audit *a = open_ok(dbpath);
    waker *w = waker_new();
    gos_pager *p = gos_pager_new(a, on_wake, w);

    fill_range(a, 1, 60);
    gos_pager_set_page_rows(p, 10);
    settle(p, w);
    move(p, w, GOS_PAGER_PAGE_DOWN);
    move(p, w, GOS_PAGER_DOWN);
    gos_pager_set_detail(p, true);
    gos_pager_detail_scroll(p, 10);
    ck_assert_int_eq(gos_pager_detail_top(p), 10);

    /* A new filter reads from its newest task, the detail closed. */
    ck_assert_int_eq(filter(p, "--vm web1", NULL), 0);
    ck_assert_str_eq(gos_pager_filter_text(p), "--vm web1");
    settle(p, w);
    ck_assert(!gos_pager_detail(p));
    ck_assert_uint_eq(gos_pager_cursor(p), 0);
    CHECK_IDS(p, "t0060 t0057 t0054 t0051 t0048 t0045 t0042 t0039 t0036 t0033");
    ck_assert(!gos_pager_newer(p) && gos_pager_older(p));

    /* The same words again (a VM's history asked twice) start again from the top too. */
    move(p, w, GOS_PAGER_PAGE_DOWN);
    ck_assert_int_eq(filter(p, "--vm web1", NULL), 0);
    settle(p, w);
    ck_assert_str_eq(current_id(p), "t0060");

    /* Words with blanks are quoted in the text; none matches: an empty page, no error. */
    ck_assert_int_eq(gos_pager_set_filter(p, 2, (char *[]){ "--search", "two words", NULL }, NULL), 0);
    ck_assert_str_eq(gos_pager_filter_text(p), "--search \"two words\"");
    settle(p, w);
    ck_assert_uint_eq(gos_pager_count(p), 0);
    ck_assert_ptr_null(gos_pager_current(p));
    ck_assert_ptr_null(gos_pager_error(p));
    ck_assert(!gos_pager_newer(p) && !gos_pager_older(p));
    move(p, w, GOS_PAGER_DOWN);                          /* harmless on an empty page */

    /* No words: every task. */
    ck_assert_int_eq(gos_pager_set_filter(p, 0, NULL, NULL), 0);
    settle(p, w);
    ck_assert_str_eq(gos_pager_filter_text(p), "");
    ck_assert_str_eq(current_id(p), "t0060");

    gos_pager_free(p);
    waker_free(w);
    gos_audit_free(a);
}
END_TEST

START_TEST(test_bad_filter)
{
    gos_audit *a = open_ok(dbpath);
    waker *w = waker_new();
    gos_pager *p = gos_pager_new(a, on_wake, w);
    char *err = NULL;

    fill_range(a, 1, 5);
    settle(p, w);
    ck_assert_uint_eq(gos_pager_count(p), 5);
    ck_assert_int_eq(filter(p, "--result Fine", &err), -1);
    ck_assert_ptr_nonnull(err);
    ck_assert_ptr_nonnull(strstr(err, "'Fine' is not a task result"));
    ck_assert_str_eq(gos_pager_filter_text(p), "--result Fine");
    /* The page says so, with the same sentence, and shows nothing. */
    settle(p, w);
    ck_assert_str_eq(gos_pager_error(p), err);
    ck_assert_uint_eq(gos_pager_count(p), 0);
    ck_assert(gos_pager_loaded(p));
    free(err);
    err = NULL;
    ck_assert_int_eq(filter(p, "--vm", &err), -1);
    ck_assert_ptr_nonnull(strstr(err, "needs a value"));
    free(err);
    err = NULL;
    /* A good filter clears it. */
    ck_assert_int_eq(filter(p, "--result Success", &err), 0);
    ck_assert_ptr_null(err);
    settle(p, w);
    ck_assert_ptr_null(gos_pager_error(p));
    ck_assert_uint_eq(gos_pager_count(p), 5);

    gos_pager_free(p);
    waker_free(w);
    gos_audit_free(a);
}
END_TEST

/* --- the worker ------------------------------------------------------------ */

/* The slow filter of these tests is a two-character search: too short for the
 * trigram index, it walks every row (a longer one is answered by the index). */
START_TEST(test_slow_filter_goes_to_worker)
{
    gos_audit *a = open_ok(dbpath);
    waker *w = waker_new();
    gos_pager *p = gos_pager_new(a, on_wake, w);

    fill_summary(a, 100000);
    gos_pager_set_page_rows(p, 20);
    settle(p, w);
    ck_assert_str_eq(current_id(p), "x100000");

    /* Past the budget: the worker takes the page, and the old one stays meanwhile. */
    gos_pager_priv_set_budget(p, 1);
    ck_assert_int_eq(filter(p, "--search zq", NULL), 0);
    ck_assert(gos_pager_sync(p));
    ck_assert(gos_pager_busy(p));
    ck_assert_uint_eq(gos_pager_count(p), 20);
    ck_assert(!gos_pager_move(p, GOS_PAGER_DOWN));       /* moves wait for the page */
    ck_assert(!gos_pager_sync(p));                       /* nothing more to ask */
    wait_wake(w);
    ck_assert(gos_pager_collect(p));
    ck_assert(!gos_pager_busy(p));
    ck_assert_uint_eq(gos_pager_count(p), 0);
    ck_assert_ptr_null(gos_pager_error(p));
    ck_assert(!gos_pager_collect(p));                    /* taken once */

    /* Slow once, slow again: a reload goes straight to the worker, without trying
     * here first (with no budget at all, trying would read it to its end here). */
    gos_pager_priv_set_budget(p, 0);
    gos_pager_reload(p);
    ck_assert(gos_pager_sync(p));
    ck_assert(gos_pager_busy(p));
    /* A reload asked for while the worker reads waits for its answer, then is read. */
    gos_pager_reload(p);
    ck_assert(!gos_pager_sync(p));
    wait_wake(w);
    ck_assert(gos_pager_collect(p));
    ck_assert(gos_pager_sync(p));
    ck_assert(gos_pager_busy(p));
    wait_wake(w);
    ck_assert(gos_pager_collect(p));
    ck_assert(!gos_pager_sync(p));

    /* A new filter is tried here first again: an indexed one comes at once. */
    gos_pager_priv_set_budget(p, 0);
    ck_assert_int_eq(filter(p, "--vm vm-7", NULL), 0);
    ck_assert(gos_pager_sync(p));
    ck_assert(!gos_pager_busy(p));
    ck_assert_str_eq(current_id(p), "x99007");
    int before = wakes(w);

    /* A newer question interrupts the older one: only its answer is applied. */
    gos_pager_priv_set_budget(p, 1);
    ck_assert_int_eq(filter(p, "--search zq", NULL), 0);
    ck_assert(gos_pager_sync(p));
    ck_assert(gos_pager_busy(p));
    ck_assert_int_eq(filter(p, "--vm vm-9", NULL), 0);
    ck_assert(gos_pager_sync(p));                        /* busy: straight to the worker */
    ck_assert(gos_pager_busy(p));
    while (!gos_pager_collect(p))
        wait_wake(w);
    ck_assert(!gos_pager_busy(p));
    ck_assert_str_eq(current_id(p), "x99009");
    ck_assert_uint_eq(gos_pager_count(p), 20);
    for (size_t i = 0; i < gos_pager_count(p); i++)
        ck_assert_str_eq(gos_pager_row(p, i)->vm_name, "vm-9");
    ck_assert_uint_ge(gos_pager_priv_dropped(p), 1);
    ck_assert_int_gt(wakes(w), before);
    ck_assert_int_ge(gos_pager_query_us(p), 0);

    gos_pager_free(p);
    waker_free(w);
    gos_audit_free(a);
}
END_TEST

START_TEST(test_free_while_worker_runs)
{
    gos_audit *a = open_ok(dbpath);
    waker *w = waker_new();
    gos_pager *p = gos_pager_new(a, on_wake, w);

    fill_summary(a, 200000);
    gos_pager_priv_set_budget(p, 1);
    ck_assert_int_eq(filter(p, "--search zq", NULL), 0);
    ck_assert(gos_pager_sync(p));
    ck_assert(gos_pager_busy(p));
    /* Freed at once: the worker's query is interrupted, the thread joined. */
    gint64 t0 = g_get_monotonic_time();
    gos_pager_free(p);
    ck_assert_int_lt(g_get_monotonic_time() - t0, 5 * G_TIME_SPAN_SECOND);

    /* With an answer waiting that nobody took. */
    p = gos_pager_new(a, on_wake, w);
    gos_pager_priv_set_budget(p, 1);
    ck_assert_int_eq(filter(p, "--search zq", NULL), 0);
    gos_pager_sync(p);
    wait_wake(w);
    gos_pager_free(p);
    gos_pager_free(NULL);

    waker_free(w);
    gos_audit_free(a);
}
END_TEST

/* A store in memory has no file for a second handle: every page is read at once. */
START_TEST(test_memory_reads_synchronously)
{
    gos_audit *a = open_ok(":memory:");
    waker *w = waker_new();
    gos_pager *p = gos_pager_new(a, on_wake, w);

    fill_range(a, 1, 30);
    gos_pager_priv_set_budget(p, 1);
    gos_pager_set_page_rows(p, 10);
    ck_assert(gos_pager_sync(p));
    ck_assert(!gos_pager_busy(p));
    ck_assert_str_eq(current_id(p), "t0030");
    ck_assert(gos_pager_move(p, GOS_PAGER_END));
    ck_assert(!gos_pager_busy(p));
    ck_assert_str_eq(current_id(p), "t0001");
    ck_assert_int_eq(filter(p, "--vm web1", NULL), 0);
    ck_assert(gos_pager_sync(p));
    ck_assert(!gos_pager_busy(p));
    ck_assert_uint_eq(gos_pager_count(p), 10);
    ck_assert(!gos_pager_older(p));
    /* New tasks through the same handle. */
    fill_range(a, 31, 31);
    ck_assert_int_eq(filter(p, "", NULL), 0);
    gos_pager_sync(p);
    ck_assert_str_eq(current_id(p), "t0031");
    ck_assert_int_eq(wakes(w), 0);

    gos_pager_free(p);
    waker_free(w);
    gos_audit_free(a);
}
END_TEST

START_TEST(test_no_store)
{
    gos_pager *p = gos_pager_new(NULL, NULL, NULL);

    ck_assert(gos_pager_sync(p));
    ck_assert(gos_pager_loaded(p));
    ck_assert_ptr_nonnull(gos_pager_error(p));
    ck_assert_ptr_nonnull(strstr(gos_pager_error(p), "No audit store"));
    ck_assert_uint_eq(gos_pager_count(p), 0);
    ck_assert(!gos_pager_sync(p));
    gos_pager_free(p);
}
END_TEST

START_TEST(test_detail)
{
    gos_audit *a = open_ok(dbpath);
    gos_pager *p = gos_pager_new(a, NULL, NULL);

    fill_range(a, 1, 3);
    {
        /* The detail shows the users: a page row keeps its own copy of them. */
        gos_audit_event e = { .kind = GOS_AUDIT_COMPLETED, .task_id = "t0003", .percent = -1,
                              .users_before = (const char *const[]){ "a,b", "c", NULL } };
        ck_assert_int_eq(gos_audit_append(a, &e, NULL, NULL), 0);
    }
    gos_pager_sync(p);
    ck_assert_str_eq(gos_pager_current(p)->users_before_json, "[\"a,b\",\"c\"]");
    ck_assert_ptr_null(gos_pager_current(p)->users_after_json);
    ck_assert(!gos_pager_detail(p));
    gos_pager_set_detail(p, true);
    ck_assert(gos_pager_detail(p));
    gos_pager_detail_scroll(p, 10);
    gos_pager_detail_scroll(p, 10);
    ck_assert_int_eq(gos_pager_detail_top(p), 20);
    gos_pager_detail_clamp(p, 7);                        /* the drawing says how far it goes */
    ck_assert_int_eq(gos_pager_detail_top(p), 7);
    gos_pager_detail_scroll(p, -10);
    ck_assert_int_eq(gos_pager_detail_top(p), 0);
    gos_pager_detail_scroll(p, 5);
    /* Moving the cursor shows the next task's detail from its top. */
    ck_assert(gos_pager_move(p, GOS_PAGER_DOWN));
    ck_assert(gos_pager_detail(p));
    ck_assert_int_eq(gos_pager_detail_top(p), 0);
    ck_assert_str_eq(current_id(p), "t0002");
    gos_pager_set_detail(p, false);
    ck_assert(!gos_pager_detail(p));
    gos_pager_free(p);
    gos_audit_free(a);
}
END_TEST

static Suite *pager_suite(void)
{
    Suite *s = suite_create("pager");
    TCase *tc = tcase_create("paging");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_paging_both_ways);
    tcase_add_test(tc, test_cursor_kept_on_reload);
    tcase_add_test(tc, test_newer_falls_back_to_newest);
    tcase_add_test(tc, test_filter_change);
    tcase_add_test(tc, test_bad_filter);
    tcase_add_test(tc, test_detail);
    suite_add_tcase(s, tc);

    tc = tcase_create("worker");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_slow_filter_goes_to_worker);
    tcase_add_test(tc, test_free_while_worker_runs);
    tcase_add_test(tc, test_memory_reads_synchronously);
    tcase_add_test(tc, test_no_store);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    setenv("LANGUAGE", "C", 1);
    setenv("TZ", "UTC", 1);
    return run_suite(pager_suite());
}
