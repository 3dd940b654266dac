/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests of the task engine: IVMTask semantics, cancel, WaitForCompletion bounds, the pool bound, audit. */
#include <config.h>

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "core/bus.h"
#include "core/task.h"
#include "tests/testutil.h"

static char *dir;
static gos_audit *audit;
static gos_bus *bus;
static gos_engine *engine;
static gos_operator op;

static void setup_pool(int workers)
{
    dir = tmpdir_new();
    char *path = g_build_filename(dir, "audit.db", NULL);
    char *err = NULL;
    ck_assert_int_eq(gos_audit_open(path, &audit, &err), 0);
    g_free(path);
    bus = gos_bus_new();
    gos_operator_init(&op);
    engine = gos_engine_new(audit, bus, &op, workers, 5000, &err);
    ck_assert_ptr_nonnull(engine);
}

static void setup(void) { setup_pool(2); }

static void teardown(void)
{
    gos_engine_free(engine);
    gos_msg *m;
    while ((m = gos_bus_pop(bus)))
        gos_msg_free(m);
    gos_bus_free(bus);
    gos_audit_free(audit);
    gos_operator_clear(&op);
    tmpdir_free(dir);
}

/* A job that goes through phases until told to stop or done. */
typedef struct {
    gint *running, *peak;
    int phases;
    int sleep_ms;
    GMutex gate;          /* held by the test to keep the task in its first phase */
} job;

static void job_run(gos_task *t, void *data)
{
    job *j = data;
    if (j->running) {
        int now = g_atomic_int_add(j->running, 1) + 1;
        int peak;
        while (now > (peak = g_atomic_int_get(j->peak)) && !g_atomic_int_compare_and_exchange(j->peak, peak, now))
            ;
    }
    bool cancelled = false;
    for (int p = 0; p < j->phases && !cancelled; p++) {
        cancelled = gos_task_cancel_requested(t);
        if (cancelled)
            break;
        gos_task_progress(t, "work", (p + 1) * 100 / (j->phases + 1));
        g_mutex_lock(&j->gate);
        g_mutex_unlock(&j->gate);
        g_usleep((gulong)j->sleep_ms * 1000);
    }
    /* The counters live on the test's stack: done with them before finish
     * lets the test return. */
    if (j->running)
        g_atomic_int_add(j->running, -1);
    if (cancelled)
        gos_task_finish(t, GOS_E_ABORT, GOS_RESULT_CANCELLED, 0, "cancelled");
    else
        gos_task_finish(t, GOS_S_OK, GOS_RESULT_SUCCESS, 0, "done");
}

static void job_free(void *data)
{
    job *j = data;
    g_mutex_clear(&j->gate);
    g_free(j);
}

static gos_task *submit_to(const char *host, int64_t deadline_ms, int phases, int sleep_ms, gint *running,
                           gint *peak)
{
    job *j = g_new0(job, 1);
    g_mutex_init(&j->gate);
    j->phases = phases;
    j->sleep_ms = sleep_ms;
    j->running = running;
    j->peak = peak;
    gos_task_spec spec = { .action = "test", .description = "a test task", .host = host, .vm = "test",
                           .origin = "cli", .deadline_ms = deadline_ms, .run = job_run, .job = j,
                           .job_free = job_free };
    char *err = NULL;
    gos_task *t = gos_engine_submit(engine, &spec, &err);
    ck_assert_msg(t != NULL, "submit: %s", err ? err : "");
    return t;
}

static gos_task *submit(int phases, int sleep_ms, gint *running, gint *peak)
{
    job *j = g_new0(job, 1);
    g_mutex_init(&j->gate);
    j->phases = phases;
    j->sleep_ms = sleep_ms;
    j->running = running;
    j->peak = peak;
    gos_task_spec spec = { .action = "test", .description = "a test task", .host = "test:///default",
                           .vm = "test", .origin = "cli", .run = job_run, .job = j, .job_free = job_free };
    char *err = NULL;
    gos_task *t = gos_engine_submit(engine, &spec, &err);
    ck_assert_msg(t != NULL, "submit: %s", err ? err : "");
    return t;
}

START_TEST(test_complete_success)
{
    gos_task *t = submit(3, 10, NULL, NULL);
    ck_assert_uint_eq(gos_task_wait(t, GOS_TASK_WAIT_FOREVER), GOS_S_OK);
    ck_assert(gos_task_is_complete(t));
    ck_assert_int_eq(gos_task_get_percent(t), 100);
    ck_assert_int_eq(gos_task_get_result(t), GOS_RESULT_SUCCESS);
    ck_assert_uint_eq(gos_task_get_error(t), GOS_S_OK);
    ck_assert(!gos_task_is_cancelable(t));
    ck_assert_uint_eq(gos_task_cancel(t), GOS_E_FAIL);   /* complete: not cancelable */
    gos_task_info i;
    gos_task_snapshot(t, &i);
    ck_assert_str_eq(i.phase, "done");
    ck_assert_ptr_nonnull(i.error_description);
    ck_assert_int_ge(i.ended_ms, i.started_ms);
    ck_assert_int_ge(i.started_ms, i.submitted_ms);
    gos_task_info_clear(&i);
    gos_task_unref(t);
}
END_TEST

START_TEST(test_wait_bounds)
{
    gos_task *t = submit(3, 100, NULL, NULL);
    ck_assert_uint_eq(gos_task_wait(t, -2), GOS_E_INVALIDARG);
    ck_assert_uint_eq(gos_task_wait(t, 4000001), GOS_E_INVALIDARG);
    ck_assert_uint_eq(gos_task_wait(t, -1000), GOS_E_INVALIDARG);
    ck_assert_uint_eq(gos_task_wait(t, 0), GOS_S_OK);
    ck_assert(!gos_task_is_complete(t));
    ck_assert_uint_eq(gos_task_wait(t, 4000000), GOS_S_OK);
    ck_assert(gos_task_is_complete(t));
    gos_task_unref(t);
}
END_TEST

START_TEST(test_cancel_between_phases)
{
    gos_task *t = submit(50, 20, NULL, NULL);
    g_usleep(50000);
    ck_assert(gos_task_is_cancelable(t));
    ck_assert_uint_eq(gos_task_cancel(t), GOS_S_OK);
    gos_task_wait(t, 10000);
    ck_assert(gos_task_is_complete(t));
    ck_assert_int_eq(gos_task_get_result(t), GOS_RESULT_CANCELLED);
    ck_assert_uint_eq(gos_task_get_error(t), GOS_E_ABORT);
    ck_assert_int_lt(gos_task_get_percent(t), 100 + 1);
    gos_task_unref(t);
}
END_TEST

START_TEST(test_cancel_queued)
{
    /* One worker busy, the second task waits in the queue and is cancelled there. */
    gos_engine_free(engine);
    char *err = NULL;
    engine = gos_engine_new(audit, bus, &op, 1, 5000, &err);
    gos_task *a = submit(5, 50, NULL, NULL);
    gos_task *b = submit(5, 50, NULL, NULL);
    ck_assert_uint_eq(gos_task_cancel(b), GOS_S_OK);
    gos_task_wait(b, 10000);
    ck_assert_int_eq(gos_task_get_result(b), GOS_RESULT_CANCELLED);
    gos_task_wait(a, 10000);
    ck_assert_int_eq(gos_task_get_result(a), GOS_RESULT_SUCCESS);
    gos_task_unref(a);
    gos_task_unref(b);
}
END_TEST

START_TEST(test_pool_bound)
{
    gint running = 0, peak = 0;
    gos_task *t[6];
    for (int i = 0; i < 6; i++)
        t[i] = submit(2, 50, &running, &peak);
    for (int i = 0; i < 6; i++) {
        gos_task_wait(t[i], 10000);
        ck_assert(gos_task_is_complete(t[i]));
        gos_task_unref(t[i]);
    }
    ck_assert_int_le(peak, 2);
    ck_assert_int_ge(peak, 1);
}
END_TEST

static int count_cb(const gos_audit_task *task, void *opaque)
{
    int *n = opaque;
    (*n)++;
    ck_assert_str_eq(task->action, "test");
    ck_assert_int_eq(task->task_result, GOS_RESULT_SUCCESS);
    ck_assert(task->has_task_error);
    ck_assert_uint_eq(task->task_error, GOS_S_OK);
    ck_assert_int_gt(task->ended_at, 0);
    ck_assert_str_eq(task->origin, "cli");
    return 0;
}

START_TEST(test_audited_and_posted)
{
    gos_task *t = submit(2, 1, NULL, NULL);
    gos_task_wait(t, 10000);
    int n = 0;
    char *err = NULL;
    ck_assert_int_eq(gos_audit_query(audit, NULL, 0, 0, count_cb, &n, &err), 0);
    ck_assert_int_eq(n, 1);
    /* updates reached the bus and woke its fd (the last one is posted just
     * after completion is signalled, hence the wait) */
    int msgs = 0;
    gos_msg *m;
    while ((m = gos_bus_wait(bus, msgs < 3 ? 5000 : 0))) {
        ck_assert_int_eq(m->kind, GOS_MSG_TASK);
        ck_assert_ptr_eq(m->task, t);
        msgs++;
        gos_msg_free(m);
    }
    ck_assert_int_ge(msgs, 3);
    gos_task_unref(t);
}
END_TEST

/* Events of task id, by kind, in order: "submitted started progress ... completed". */
static int kinds_cb(const gos_audit_task *task, void *opaque)
{
    (void)task;
    (void)opaque;
    return 0;
}

static char *event_kinds(const char *task_id)
{
    sqlite3 *db = NULL;
    ck_assert_int_eq(sqlite3_open_v2(gos_audit_get_path(audit), &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *st = NULL;
    ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT kind FROM events WHERE task_id = ? ORDER BY id", -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(st, 1, task_id, -1, SQLITE_STATIC);
    GString *out = g_string_new(NULL);
    while (sqlite3_step(st) == SQLITE_ROW)
        g_string_append_printf(out, "%s%s", out->len ? " " : "", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return g_string_free(out, FALSE);
}

/* A confirmed request is on record before it can run: its submitted event is
 * committed when gos_engine_submit returns, queued behind a busy worker. */
START_TEST(test_recorded_before_queued)
{
    gos_engine_free(engine);
    char *err = NULL;
    engine = gos_engine_new(audit, bus, &op, 1, 5000, &err);
    gos_task *a = submit(3, 100, NULL, NULL);
    gos_task *b = submit(1, 1, NULL, NULL);
    char *k = event_kinds(gos_task_get_id(b));
    ck_assert_str_eq(k, "submitted");
    g_free(k);
    gos_task_wait(b, 10000);
    k = event_kinds(gos_task_get_id(b));
    ck_assert_msg(g_str_has_prefix(k, "submitted started") && g_str_has_suffix(k, "completed"), "%s", k);
    g_free(k);
    (void)kinds_cb;
    gos_task_wait(a, 10000);
    gos_task_unref(a);
    gos_task_unref(b);
}
END_TEST

/* The deadline ends a task at its time, even while its worker is stuck in a
 * call, and counts from submission: a task whose deadline passes while it
 * waits for a slot never starts. */
START_TEST(test_deadline_enforced)
{
    gos_engine_free(engine);
    char *err = NULL;
    engine = gos_engine_new(audit, bus, &op, 1, 5000, &err);
    /* One phase of 3 s: a call that does not come back in time. */
    gos_task *a = submit_to("test:///default", 1000, 1, 3000, NULL, NULL);
    gos_task *b = submit_to("test:///default", 1000, 1, 1, NULL, NULL);
    gint64 t0 = g_get_monotonic_time();
    ck_assert_uint_eq(gos_task_wait(a, 10000), GOS_S_OK);
    gint64 took_ms = (g_get_monotonic_time() - t0) / 1000;
    ck_assert_msg(took_ms < 2500, "the deadline of 1 s ended the task after %lld ms", (long long)took_ms);
    ck_assert_uint_eq(gos_task_get_error(a), GOS_VM_E_TIMED_OUT);
    ck_assert_int_eq(gos_task_get_result(a), GOS_RESULT_TIMEOUT);
    gos_task_wait(b, 10000);
    ck_assert_uint_eq(gos_task_get_error(b), GOS_VM_E_TIMED_OUT);
    gos_task_info i;
    gos_task_snapshot(b, &i);
    ck_assert(!i.started);
    ck_assert_msg(strstr(i.message, "before the task could start"), "%s", i.message);
    gos_task_info_clear(&i);
    /* The stuck worker's own finish changes nothing: one end in the log. */
    g_usleep(3000 * 1000);
    char *k = event_kinds(gos_task_get_id(a));
    ck_assert_msg(g_str_has_suffix(k, "completed") && !strstr(k, "completed completed"), "%s", k);
    ck_assert_int_eq(gos_task_get_result(a), GOS_RESULT_TIMEOUT);
    g_free(k);
    gos_task_unref(a);
    gos_task_unref(b);
}
END_TEST

/* Tasks of one host run at most per_host at once; another host's do not wait for them. */
START_TEST(test_per_host_limit)
{
    gos_engine_free(engine);
    char *err = NULL;
    engine = gos_engine_new(audit, bus, &op, 16, 10000, &err);
    gos_engine_set_per_host(engine, 2);
    gint running = 0, peak = 0, running2 = 0, peak2 = 0;
    gos_task *t[6], *u;
    for (int i = 0; i < 6; i++)
        t[i] = submit_to("test:///a", 0, 2, 50, &running, &peak);
    u = submit_to("test:///b", 0, 1, 1, &running2, &peak2);
    /* The other host's task ends while the first host's queue is still long. */
    gos_task_wait(u, 10000);
    size_t queued = 0;
    gos_engine_running(engine, &queued);
    ck_assert_uint_ge(queued, 1);
    for (int i = 0; i < 6; i++) {
        gos_task_wait(t[i], 10000);
        gos_task_unref(t[i]);
    }
    gos_task_unref(u);
    ck_assert_int_eq(peak, 2);
}
END_TEST

/* Closing ends the queued tasks as cancelled, each with its event, and refuses new ones. */
START_TEST(test_close_cancels_queued)
{
    gos_engine_free(engine);
    char *err = NULL;
    engine = gos_engine_new(audit, bus, &op, 1, 10000, &err);
    gos_task *a = submit(2, 200, NULL, NULL);
    gos_task *b = submit(1, 1, NULL, NULL);
    gos_engine_close(engine, "the test says so");
    gos_task_wait(b, 10000);
    ck_assert_int_eq(gos_task_get_result(b), GOS_RESULT_CANCELLED);
    char *k = event_kinds(gos_task_get_id(b));
    ck_assert_str_eq(k, "submitted completed");
    g_free(k);
    job *j = g_new0(job, 1);
    g_mutex_init(&j->gate);
    gos_task_spec spec = { .action = "test", .description = "late", .host = "test:///default", .vm = "test",
                           .origin = "cli", .run = job_run, .job = j, .job_free = job_free };
    ck_assert_ptr_null(gos_engine_submit(engine, &spec, &err));
    ck_assert_msg(strstr(err, "the test says so"), "%s", err);
    g_free(err);
    job_free(j);
    gos_task_wait(a, 10000);
    ck_assert_int_eq(gos_task_get_result(a), GOS_RESULT_SUCCESS);
    gos_task_unref(a);
    gos_task_unref(b);
}
END_TEST

static void job_fail(gos_task *t, void *data)
{
    (void)data;
    gos_task_progress(t, "work", 40);
    gos_task_finish(t, GOS_DISP_E_EXCEPTION, GOS_RESULT_UNEXPECTED, 0, "broken");
}

/* The words the console shows: queued apart from running, and how each ended. */
START_TEST(test_task_states)
{
    gos_engine_free(engine);
    char *err = NULL;
    engine = gos_engine_new(audit, bus, &op, 1, 10000, &err);
    gos_task *a = submit(2, 10, NULL, NULL);
    /* a takes the one worker; b waits in the queue */
    gos_task *b = submit(1, 1, NULL, NULL);
    for (int i = 0; i < 200 && gos_task_get_state(a) == GOS_TASK_QUEUED; i++)
        g_usleep(5000);
    gos_task_state sa = gos_task_get_state(a);
    ck_assert_msg(sa == GOS_TASK_RUNNING || sa == GOS_TASK_SUCCEEDED, "a is %s", gos_task_state_key(sa));
    if (sa == GOS_TASK_RUNNING)
        ck_assert_int_eq(gos_task_get_state(b), GOS_TASK_QUEUED);
    gos_task_wait(a, 10000);
    gos_task_wait(b, 10000);
    ck_assert_int_eq(gos_task_get_state(a), GOS_TASK_SUCCEEDED);
    ck_assert_int_eq(gos_task_get_state(b), GOS_TASK_SUCCEEDED);

    /* cancelled in the queue */
    gos_task *c = submit(5, 50, NULL, NULL);
    gos_task *d = submit(5, 50, NULL, NULL);
    ck_assert_int_eq(gos_task_get_state(d), GOS_TASK_QUEUED);
    ck_assert_uint_eq(gos_task_cancel(d), GOS_S_OK);
    gos_task_wait(d, 10000);
    ck_assert_int_eq(gos_task_get_state(d), GOS_TASK_CANCELLED);

    /* failed: where it stopped stays, and it is no success */
    gos_task_spec spec = { .action = "test", .description = "fails", .host = "test:///default", .vm = "test",
                           .origin = "cli", .run = job_fail, .job = NULL, .job_free = NULL };
    gos_task *f = gos_engine_submit(engine, &spec, &err);
    ck_assert_ptr_nonnull(f);
    gos_task_wait(f, 10000);
    ck_assert_int_eq(gos_task_get_state(f), GOS_TASK_FAILED);
    gos_task_info i;
    gos_task_snapshot(f, &i);
    ck_assert_int_eq(gos_task_info_state(&i), GOS_TASK_FAILED);
    ck_assert_str_eq(i.phase, "work");
    ck_assert_int_eq(i.percent, 40);
    gos_task_info_clear(&i);
    gos_task_wait(c, 10000);

    ck_assert_str_eq(gos_task_state_key(GOS_TASK_QUEUED), "queued");
    ck_assert_str_eq(gos_task_state_key(GOS_TASK_INTERRUPTED), "interrupted");
    gos_task_info shut = { .complete = true, .started = true, .result = GOS_RESULT_SHUTDOWN_ABORT,
                           .error = GOS_E_ABORT };
    ck_assert_int_eq(gos_task_info_state(&shut), GOS_TASK_INTERRUPTED);
    gos_task_unref(a);
    gos_task_unref(b);
    gos_task_unref(c);
    gos_task_unref(d);
    gos_task_unref(f);
}
END_TEST

START_TEST(test_result_names)
{
    ck_assert_str_eq(gos_result_name(GOS_RESULT_SUCCESS), "Success");
    ck_assert_str_eq(gos_result_name(GOS_RESULT_TIMEOUT), "TimeOutError");
    ck_assert_str_eq(gos_result_name(GOS_RESULT_INTERRUPTED), "Interrupted");
    ck_assert_ptr_null(gos_result_name(42));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("task");
    TCase *tc = tcase_create("engine");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_complete_success);
    tcase_add_test(tc, test_wait_bounds);
    tcase_add_test(tc, test_cancel_between_phases);
    tcase_add_test(tc, test_cancel_queued);
    tcase_add_test(tc, test_pool_bound);
    tcase_add_test(tc, test_audited_and_posted);
    tcase_add_test(tc, test_result_names);
    tcase_add_test(tc, test_recorded_before_queued);
    tcase_add_test(tc, test_deadline_enforced);
    tcase_add_test(tc, test_per_host_limit);
    tcase_add_test(tc, test_close_cancels_queued);
    tcase_add_test(tc, test_task_states);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
