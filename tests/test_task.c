/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests of the task engine: IVMTask semantics, cancel, WaitForCompletion bounds, the pool bound, audit. */
#include <config.h>

#include <check.h>
#include <stdlib.h>
#include <string.h>

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
    suite_add_tcase(s, tc);
    return run_suite(s);
}
