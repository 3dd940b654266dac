/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Check suite for the task engine against an audit store that stops taking writes in the middle of a run. */
#include <config.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>
#include <glib.h>
#include <sqlite3.h>

#include "core/bus.h"
#include "base/hresult.h"
#include "core/task.h"
#include "db/audit.h"
#include "db/audit_priv.h"
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

/* A task that reports a phase, then waits for the test before it does its
 * "agent work" (sets a flag) and ends S_OK. */
typedef struct {
    GMutex lock;
    GCond cond;
    bool in_phase;    /* the progress event was appended */
    bool go;          /* the test lets it carry on */
    bool worked;      /* it did what it came for */
    bool ran;         /* its function ran at all */
} job;

static void job_run(gos_task *task, void *data)
{
    job *j = data;
    g_mutex_lock(&j->lock);
    j->ran = true;
    g_mutex_unlock(&j->lock);
    if (gos_task_progress(task, "exec", 50) < 0) {
        gos_task_finish(task, GOS_DISP_E_EXCEPTION, GOS_RESULT_UNEXPECTED, 0, "stopped before the work");
        return;
    }
    g_mutex_lock(&j->lock);
    j->in_phase = true;
    g_cond_broadcast(&j->cond);
    while (!j->go)
        g_cond_wait(&j->cond, &j->lock);
    j->worked = true;
    g_mutex_unlock(&j->lock);
    gos_task_finish(task, GOS_S_OK, GOS_RESULT_SUCCESS, 0, "All users were logged off.");
}

static job *job_new(void)
{
    job *j = g_new0(job, 1);
    g_mutex_init(&j->lock);
    g_cond_init(&j->cond);
    return j;
}

static void job_free(job *j)
{
    g_mutex_clear(&j->lock);
    g_cond_clear(&j->cond);
    g_free(j);
}

static gos_task *submit(gos_engine *e, job *j, const char *vm, char **err)
{
    gos_task_spec spec = { .action = "logoff", .description = "Log off", .host = "test:///default",
                           .vm = vm, .origin = "cli", .run = job_run, .job = j };
    return gos_engine_submit(e, &spec, err);
}

static int64_t count_events(const char *task_id, const char *kind)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int64_t n = -1;
    ck_assert_int_eq(sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT count(*) FROM events WHERE task_id = ? AND kind = ?",
                                        -1, &st, NULL), SQLITE_OK);
    sqlite3_bind_text(st, 1, task_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

/*
 * Mid-run, another process holds the write lock past the busy timeout (the
 * store's answer is the same for a full disk or a file turned read-only: the
 * append fails). The task already running finishes its agent work and ends
 * with the outcome it had; the one queued behind it never runs its function;
 * a new submission is refused with the reason; committed events stay.
 */
START_TEST(test_fail_closed_mid_run)
{
    gos_audit *audit = NULL;
    char *err = NULL;
    ck_assert_int_eq(gos_audit_open(dbpath, &audit, &err), 0);
    gos_audit_set_busy_timeout(audit, 200);
    gos_bus *bus = gos_bus_new();
    gos_operator op;
    gos_operator_init(&op);
    gos_engine *e = gos_engine_new(audit, bus, &op, 1, 60000, &err);
    ck_assert_ptr_nonnull(e);

    job *ja = job_new(), *jq = job_new(), *jn = job_new();
    gos_task *a = submit(e, ja, "web1", &err);
    gos_task *q = submit(e, jq, "web2", &err);    /* one worker: waits behind a */
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(q);
    g_mutex_lock(&ja->lock);
    while (!ja->in_phase)
        g_cond_wait(&ja->cond, &ja->lock);
    g_mutex_unlock(&ja->lock);
    ck_assert_ptr_null(gos_engine_audit_problem(e));

    /* The store stops taking writes. */
    sqlite3 *locker = NULL;
    ck_assert_int_eq(sqlite3_open(dbpath, &locker), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(locker, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);

    g_mutex_lock(&ja->lock);
    ja->go = true;
    g_cond_broadcast(&ja->cond);
    g_mutex_unlock(&ja->lock);
    ck_assert_int_eq(gos_task_wait(a, 10000), GOS_S_OK);
    ck_assert_int_eq(gos_task_wait(q, 10000), GOS_S_OK);

    /* The running task finished its work and kept its outcome. */
    ck_assert(gos_task_is_complete(a));
    ck_assert(ja->worked);
    ck_assert_uint_eq(gos_task_get_error(a), GOS_S_OK);
    /* The queued one never started: its function did not run. */
    ck_assert(gos_task_is_complete(q));
    ck_assert(!jq->ran);
    ck_assert_int_eq(gos_task_get_result(q), GOS_RESULT_DISK);
    gos_task_info qi;
    gos_task_snapshot(q, &qi);
    ck_assert_ptr_nonnull(strstr(qi.message, "locked"));
    gos_task_info_clear(&qi);

    /* The engine says why, and refuses anything new. */
    const char *problem = gos_engine_audit_problem(e);
    ck_assert_ptr_nonnull(problem);
    ck_assert_ptr_nonnull(strstr(problem, "No new task starts"));
    ck_assert_ptr_nonnull(strstr(problem, "locked"));
    ck_assert_ptr_null(submit(e, jn, "web3", &err));
    ck_assert_ptr_nonnull(err);
    ck_assert_str_eq(err, problem);
    g_free(err);
    ck_assert(!jn->ran);

    /* Once the lock goes, what was committed is all there and the chain holds. */
    sqlite3_exec(locker, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(locker);
    ck_assert_int_eq(count_events(gos_task_get_id(a), "started"), 1);
    ck_assert_int_eq(count_events(gos_task_get_id(a), "progress"), 1);
    ck_assert_int_eq(count_events(gos_task_get_id(a), "completed"), 0);
    ck_assert_int_eq(count_events(gos_task_get_id(q), "started"), 0);
    gos_audit_verify_report rep;
    ck_assert_int_eq(gos_audit_verify(audit, &rep, &err), 0);
    ck_assert(rep.ok);

    gos_task_unref(a);
    gos_task_unref(q);
    gos_engine_free(e);
    gos_msg *m;
    while ((m = gos_bus_pop(bus)))
        gos_msg_free(m);
    gos_bus_free(bus);
    gos_operator_clear(&op);
    gos_audit_free(audit);
    job_free(ja);
    job_free(jq);
    job_free(jn);
}
END_TEST

/* The same with a full disk, made with max_page_count on the engine's own
 * connection: the append that needs a new page fails with "full". */
START_TEST(test_fail_closed_disk_full)
{
    gos_audit *audit = NULL;
    char *err = NULL;
    ck_assert_int_eq(gos_audit_open(dbpath, &audit, &err), 0);
    gos_bus *bus = gos_bus_new();
    gos_operator op;
    gos_operator_init(&op);
    gos_engine *e = gos_engine_new(audit, bus, &op, 1, 60000, &err);

    job *ja = job_new(), *jn = job_new();
    gos_task *a = submit(e, ja, "web1", &err);
    g_mutex_lock(&ja->lock);
    while (!ja->in_phase)
        g_cond_wait(&ja->cond, &ja->lock);
    g_mutex_unlock(&ja->lock);

    /* No page more than it has, and no room left on the last ones: fill them
     * through the store until an append fails, as a real disk would. */
    sqlite3 *db = gos_audit_priv_db(audit);
    sqlite3_stmt *st = NULL;
    sqlite3_prepare_v2(db, "PRAGMA page_count", -1, &st, NULL);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    char *pragma = g_strdup_printf("PRAGMA max_page_count = %lld", (long long)sqlite3_column_int64(st, 0));
    sqlite3_finalize(st);
    ck_assert_int_eq(sqlite3_exec(db, pragma, NULL, NULL, NULL), SQLITE_OK);
    g_free(pragma);
    char filler[2000];
    memset(filler, 'f', sizeof filler - 1);
    filler[sizeof filler - 1] = '\0';
    /* Big events first, then ever smaller ones, until not even an event
     * without a message fits: the task's own (larger) event cannot either. */
    for (size_t len = sizeof filler - 1;; len /= 4) {
        filler[len] = '\0';
        for (int i = 0; i < 1000; i++) {
            gos_audit_event ev = { .kind = GOS_AUDIT_PROGRESS, .task_id = "filler", .percent = -1,
                                   .task_result = GOS_RESULT_NONE, .message = len ? filler : NULL };
            free(err);
            err = NULL;
            if (gos_audit_append(audit, &ev, NULL, &err) < 0)
                break;
        }
        if (len == 0)
            break;
    }
    ck_assert_ptr_nonnull(err);
    ck_assert_ptr_nonnull(strstr(err, "full"));
    free(err);
    err = NULL;

    g_mutex_lock(&ja->lock);
    ja->go = true;
    g_cond_broadcast(&ja->cond);
    g_mutex_unlock(&ja->lock);
    gos_task_wait(a, 10000);
    ck_assert(ja->worked);
    ck_assert_uint_eq(gos_task_get_error(a), GOS_S_OK);
    ck_assert_ptr_nonnull(gos_engine_audit_problem(e));
    ck_assert_ptr_nonnull(strstr(gos_engine_audit_problem(e), "full"));
    ck_assert_ptr_null(submit(e, jn, "web3", &err));
    g_free(err);

    gos_task_unref(a);
    gos_engine_free(e);
    gos_msg *m;
    while ((m = gos_bus_pop(bus)))
        gos_msg_free(m);
    gos_bus_free(bus);
    gos_operator_clear(&op);
    gos_audit_free(audit);
    job_free(ja);
    job_free(jn);
}
END_TEST

static Suite *engine_suite(void)
{
    Suite *s = suite_create("audit_engine");
    TCase *tc = tcase_create("fail_closed");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_fail_closed_mid_run);
    tcase_add_test(tc, test_fail_closed_disk_full);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    setenv("LANGUAGE", "C", 1);
    return run_suite(engine_suite());
}
