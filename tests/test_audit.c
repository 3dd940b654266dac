/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Check suite for the SQLite audit store: schema, chain, queries, export, recovery and failures. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <glib.h>
#include <json.h>
#include <sqlite3.h>

#include "base/time.h"
#include "db/audit.h"
#include "db/audit_priv.h"
#include "tests/testutil.h"

#define UUID1 "6f2c1e4a-0b7d-4c55-9a0e-2d3f4b5c6d71"
#define UUID2 "0d9e8f7a-6b5c-4d3e-8f2a-1b0c9d8e7f62"

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

/* --- helpers --- */

static gos_audit_event ev_make(gos_audit_kind kind, const char *task)
{
    gos_audit_event e = {
        .kind = kind, .task_id = task, .op_uid = 1000, .op_user = "alice", .op_tty = "pts/1",
        .op_pid = getpid(), .origin = "interactive", .host = "test:///default",
        .vm_uuid = UUID1, .vm_name = "web1", .action = "logoff", .percent = -1,
        .task_result = GOS_RESULT_NONE,
    };
    return e;
}

static gos_audit *open_ok(const char *path)
{
    gos_audit *a = NULL;
    char *err = NULL;

    if (gos_audit_open(path, &a, &err) != 0)
        ck_abort_msg("open %s: %s", path, err);
    ck_assert_ptr_nonnull(a);
    return a;
}

static int64_t add(gos_audit *a, const gos_audit_event *e)
{
    int64_t id = 0;
    char *err = NULL;

    if (gos_audit_append(a, e, &id, &err) != 0)
        ck_abort_msg("append: %s", err);
    return id;
}

/* A whole task: submitted, started, three progress, completed. */
static void add_task(gos_audit *a, const char *task, const char *vm, const char *uuid,
                     const char *user, int64_t ts, int result, uint32_t error, const char *msg)
{
    static const char *const phases[] = { "resolve", "logoff", "verify" };
    gos_audit_event e = ev_make(GOS_AUDIT_SUBMITTED, task);

    e.vm_name = vm;
    e.vm_uuid = uuid;
    e.op_user = user;
    e.ts_ms = ts;
    e.has_call_hr = true;
    e.call_hr = 0;
    add(a, &e);
    e.has_call_hr = false;
    e.kind = GOS_AUDIT_STARTED;
    e.ts_ms = ts + 1;
    add(a, &e);
    for (int i = 0; i < 3; i++) {
        e.kind = GOS_AUDIT_PROGRESS;
        e.phase = phases[i];
        e.percent = 30 * (i + 1);
        e.ts_ms = ts + 2 + i;
        add(a, &e);
    }
    e.kind = GOS_AUDIT_COMPLETED;
    e.phase = NULL;
    e.percent = 100;
    e.ts_ms = ts + 10;
    e.task_result = result;
    e.has_task_error = true;
    e.task_error = error;
    e.message = msg;
    add(a, &e);
}

static sqlite3 *raw_open(const char *path)
{
    sqlite3 *db = NULL;

    ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    return db;
}

static void raw_exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;

    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        ck_abort_msg("%s: %s", sql, msg);
}

static int64_t raw_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    int64_t v;

    ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static char *raw_text(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    char *v;

    ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    v = g_strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return v;
}

/* The guards and the fold as the store made them, while a test has them
 * dropped to alter events; verify() puts them back for its run, since verify
 * also finds a store without them (a finding of its own, tested apart). */
static GString *dropped_triggers;
static sqlite3 *dropped_db;

static void drop_triggers(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    if (!dropped_triggers)
        dropped_triggers = g_string_new(NULL);
    g_string_truncate(dropped_triggers, 0);
    ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name IN"
                                            " ('events_no_update', 'events_no_delete', 'events_fold')",
                                        -1, &st, NULL), SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW)
        g_string_append_printf(dropped_triggers, "%s;", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    dropped_db = db;
    raw_exec(db, "DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete;"
                 " DROP TRIGGER events_fold;");
}

static gos_audit_verify_report verify(gos_audit *a)
{
    gos_audit_verify_report r;
    char *err = NULL;
    bool put_back = dropped_db && dropped_triggers && dropped_triggers->len;
    if (put_back) {
        /* Still dropped? (a test may have put them back itself) */
        sqlite3_stmt *st = NULL;
        sqlite3_prepare_v2(dropped_db, "SELECT count(*) FROM sqlite_master WHERE name = 'events_no_update'", -1, &st,
                           NULL);
        put_back = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 0;
        sqlite3_finalize(st);
    }
    if (put_back)
        raw_exec(dropped_db, dropped_triggers->str);
    memset(&r, 0x55, sizeof r);
    if (gos_audit_verify(a, &r, &err) != 0)
        ck_abort_msg("verify: %s", err);
    if (put_back)
        raw_exec(dropped_db, "DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete;"
                             " DROP TRIGGER events_fold;");
    return r;
}

/* Collects task ids and keys of a query. */
typedef struct {
    GPtrArray *ids;
    GArray *keys;
    int stop_after;              /* 0 = never */
} collect;

static int collect_cb(const gos_audit_task *t, void *opaque)
{
    collect *c = opaque;

    g_ptr_array_add(c->ids, g_strdup(t->task_id));
    g_array_append_val(c->keys, t->key);
    return c->stop_after && (int)c->ids->len >= c->stop_after;
}

static collect *collect_new(void)
{
    collect *c = g_new0(collect, 1);

    c->ids = g_ptr_array_new_with_free_func(g_free);
    c->keys = g_array_new(FALSE, FALSE, sizeof(int64_t));
    return c;
}

static void collect_free(collect *c)
{
    g_ptr_array_unref(c->ids);
    g_array_unref(c->keys);
    g_free(c);
}

/* Task ids matching filter, newest first, joined with spaces. */
static char *query_ids(gos_audit *a, const gos_audit_filter *f)
{
    collect *c = collect_new();
    char *err = NULL, *s;

    if (gos_audit_query(a, f, 0, 0, collect_cb, c, &err) != 0)
        ck_abort_msg("query: %s", err);
    g_ptr_array_add(c->ids, NULL);
    s = g_strjoinv(" ", (char **)c->ids->pdata);
    collect_free(c);
    return s;
}

/* A deep copy of one task found by id. */
typedef struct {
    const char *want;
    bool found;
    gos_audit_task t;
    GPtrArray *pool;
} find_task;

static const char *keep(GPtrArray *pool, const char *s)
{
    char *d = g_strdup(s);

    if (d)
        g_ptr_array_add(pool, d);
    return d;
}

static int find_cb(const gos_audit_task *t, void *opaque)
{
    find_task *f = opaque;

    if (strcmp(t->task_id, f->want) != 0)
        return 0;
    f->found = true;
    f->t = *t;
    f->t.task_id = keep(f->pool, t->task_id);
    f->t.host = keep(f->pool, t->host);
    f->t.vm_uuid = keep(f->pool, t->vm_uuid);
    f->t.vm_name = keep(f->pool, t->vm_name);
    f->t.action = keep(f->pool, t->action);
    f->t.op_user = keep(f->pool, t->op_user);
    f->t.op_tty = keep(f->pool, t->op_tty);
    f->t.op_ssh = keep(f->pool, t->op_ssh);
    f->t.origin = keep(f->pool, t->origin);
    f->t.phase = keep(f->pool, t->phase);
    f->t.message = keep(f->pool, t->message);
    f->t.users_before_json = keep(f->pool, t->users_before_json);
    f->t.users_after_json = keep(f->pool, t->users_after_json);
    return 1;
}

static gos_audit_task get_task(gos_audit *a, const char *id, GPtrArray *pool)
{
    find_task f = { .want = id, .pool = pool };
    char *err = NULL;

    if (gos_audit_query(a, NULL, 0, 0, find_cb, &f, &err) != 0)
        ck_abort_msg("query: %s", err);
    ck_assert_msg(f.found, "task %s not found", id);
    return f.t;
}

static char *export_str(gos_audit *a, const gos_audit_filter *f, gos_audit_format fmt)
{
    char *buf = NULL, *err = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);

    ck_assert_ptr_nonnull(out);
    if (gos_audit_export(a, f, fmt, out, &err) != 0)
        ck_abort_msg("export: %s", err);
    fclose(out);
    return buf;
}

static char *file_bytes(const char *path, gsize *len)
{
    char *data = NULL;

    ck_assert(g_file_get_contents(path, &data, len, NULL));
    return data;
}

/* --- open, permissions, pragmas --- */

START_TEST(test_default_path)
{
    char *p;

    setenv("XDG_STATE_HOME", "/srv/state", 1);
    p = gos_audit_default_path();
    ck_assert_str_eq(p, "/srv/state/guestos/audit.db");
    free(p);

    setenv("XDG_STATE_HOME", "relative/state", 1);   /* invalid per XDG: ignored */
    setenv("HOME", "/home/op", 1);
    p = gos_audit_default_path();
    ck_assert_str_eq(p, "/home/op/.local/state/guestos/audit.db");
    free(p);

    unsetenv("XDG_STATE_HOME");
    p = gos_audit_default_path();
    ck_assert_str_eq(p, "/home/op/.local/state/guestos/audit.db");
    free(p);
}
END_TEST

START_TEST(test_open_creates_private_file)
{
    char *path = g_build_filename(tmpdir, "a", "b", "audit.db", NULL);
    char *a_dir = g_build_filename(tmpdir, "a", NULL);
    char *b_dir = g_build_filename(tmpdir, "a", "b", NULL);
    char *wal = g_strconcat(path, "-wal", NULL);
    struct stat sb;
    gos_audit *a;
    gos_audit_event e = ev_make(GOS_AUDIT_SUBMITTED, "t1");

    umask(0);                    /* the modes must not depend on the caller's umask */
    a = open_ok(path);
    add(a, &e);
    ck_assert_int_eq(stat(path, &sb), 0);
    ck_assert_uint_eq(sb.st_mode & 07777, 0600);
    ck_assert_int_eq(stat(a_dir, &sb), 0);
    ck_assert_uint_eq(sb.st_mode & 07777, 0700);
    ck_assert_int_eq(stat(b_dir, &sb), 0);
    ck_assert_uint_eq(sb.st_mode & 07777, 0700);
    ck_assert_int_eq(stat(wal, &sb), 0);
    ck_assert_uint_eq(sb.st_mode & 07777, 0600);
    gos_audit_free(a);
    umask(022);
    g_free(path); g_free(a_dir); g_free(b_dir); g_free(wal);
}
END_TEST

START_TEST(test_open_default_path_env)
{
    char *state = g_build_filename(tmpdir, "state", NULL);
    char *expect = g_build_filename(tmpdir, "state", "guestos", "audit.db", NULL);
    gos_audit *a = NULL;
    char *err = NULL;
    struct stat sb;

    setenv("XDG_STATE_HOME", state, 1);
    ck_assert_int_eq(gos_audit_open(NULL, &a, &err), 0);
    ck_assert_int_eq(stat(expect, &sb), 0);
    ck_assert_uint_eq(sb.st_mode & 0777, 0600);
    gos_audit_free(a);
    g_free(state);
    g_free(expect);
}
END_TEST

START_TEST(test_open_pragmas)
{
    gos_audit *a = open_ok(dbpath);
    sqlite3 *db = gos_audit_priv_db(a);
    char *mode = raw_text(db, "PRAGMA journal_mode");

    ck_assert_str_eq(mode, "wal");
    ck_assert_int_eq(raw_int(db, "PRAGMA synchronous"), 2);          /* FULL */
    ck_assert_int_eq(raw_int(db, "PRAGMA foreign_keys"), 1);
    ck_assert_int_eq(raw_int(db, "PRAGMA temp_store"), 2);           /* MEMORY */
    /* Not PRAGMA busy_timeout (0): the store waits with a handler of its own (busy_wait). */
    ck_assert_int_eq(a->busy_timeout_ms, GOS_AUDIT_BUSY_TIMEOUT_MS);
    ck_assert_int_eq(raw_int(db, "PRAGMA user_version"), GOS_AUDIT_SCHEMA_VERSION);
    ck_assert_int_eq(raw_int(db, "PRAGMA application_id"), 0x676f7361);
    ck_assert_int_eq(raw_int(db, "PRAGMA application_id"), GOS_AUDIT_APPLICATION_ID);
    g_free(mode);
    gos_audit_free(a);
}
END_TEST

START_TEST(test_open_memory)
{
    gos_audit *a = open_ok(":memory:");
    gos_audit_event e = ev_make(GOS_AUDIT_SUBMITTED, "mem-1");
    char *ids;

    ck_assert_int_eq(add(a, &e), 1);
    ids = query_ids(a, NULL);
    ck_assert_str_eq(ids, "mem-1");
    ck_assert(verify(a).ok);
    g_free(ids);
    gos_audit_free(a);
}
END_TEST

START_TEST(test_free_null)
{
    gos_audit_free(NULL);
}
END_TEST

START_TEST(test_migrate_from_empty_file)
{
    gos_audit *a;
    int fd = open(dbpath, O_CREAT | O_WRONLY, 0600);

    ck_assert_int_ge(fd, 0);
    close(fd);
    a = open_ok(dbpath);
    ck_assert_int_eq(raw_int(gos_audit_priv_db(a), "PRAGMA user_version"), GOS_AUDIT_SCHEMA_VERSION);
    ck_assert_int_eq(raw_int(gos_audit_priv_db(a),
                             "SELECT count(*) FROM sqlite_master WHERE name IN ('events','tasks')"), 2);
    gos_audit_free(a);
}
END_TEST

/* Fills a store with the same events, whatever its version. */
static void add_mixed(gos_audit *a)
{
    gos_audit_event e;

    add_task(a, "m-1", "web1", UUID1, "alice", 1700000000000, 0, 0, "done");
    add_task(a, "m-2", "db1", UUID2, "bob", 1700000100000, 2, 0xA0040505u, "no agent");
    e = ev_make(GOS_AUDIT_SUBMITTED, "m-3");
    e.ts_ms = 1700000200000;
    add(a, &e);
    e.kind = GOS_AUDIT_STARTED;
    e.op_pid = 4242;
    add(a, &e);
    e.kind = GOS_AUDIT_INTERRUPTED;
    e.op_user = "carol";
    e.task_result = GOS_RESULT_INTERRUPTED;
    e.message = "gone";
    add(a, &e);
}

START_TEST(test_migrate_from_v1)
{
    char *other = g_build_filename(tmpdir, "fresh.db", NULL);
    gos_audit *a = NULL, *b;
    char *err = NULL, *ja, *jb;

    /* A version 1 file with events and no summary yet. */
    ck_assert_int_eq(gos_audit_open_version(dbpath, 1, &a, &err), 0);
    add_mixed(a);
    ck_assert_int_eq(raw_int(gos_audit_priv_db(a), "PRAGMA user_version"), 1);
    ck_assert_int_eq(raw_int(gos_audit_priv_db(a),
                             "SELECT count(*) FROM sqlite_master WHERE name = 'tasks'"), 0);
    gos_audit_free(a);

    /* Opening migrates and folds the old events into the summary... */
    a = open_ok(dbpath);
    ck_assert_int_eq(raw_int(gos_audit_priv_db(a), "PRAGMA user_version"), GOS_AUDIT_SCHEMA_VERSION);
    ck_assert(verify(a).ok);
    ck_assert_int_eq(raw_int(gos_audit_priv_db(a), "SELECT count(*) FROM tasks"), 3);
    ck_assert_int_eq(raw_int(gos_audit_priv_db(a),
                             "SELECT count(*) FROM sqlite_temp_master"), 0);

    /* ... exactly as the live trigger folds them in a version 2 file. */
    b = open_ok(other);
    add_mixed(b);
    ja = export_str(a, NULL, GOS_AUDIT_JSON);
    jb = export_str(b, NULL, GOS_AUDIT_JSON);
    ck_assert_str_eq(ja, jb);
    ck_assert_ptr_nonnull(strstr(ja, "\"task_result\": \"Interrupted\""));

    /* And appends carry on the old chain. */
    add_task(a, "m-4", "web1", UUID1, "alice", 1700000300000, 0, 0, NULL);
    ck_assert(verify(a).ok);
    free(ja);
    free(jb);
    g_free(other);
    gos_audit_free(a);
    gos_audit_free(b);
}
END_TEST

START_TEST(test_migrate_concurrent_first_open)
{
    pid_t kids[2];
    sqlite3 *db;

    for (int i = 0; i < 2; i++) {
        kids[i] = fork();
        ck_assert_int_ge(kids[i], 0);
        if (kids[i] == 0) {
            gos_audit *a = NULL;
            gos_audit_event e = ev_make(GOS_AUDIT_SUBMITTED, i ? "k1" : "k0");
            int ok = gos_audit_open(dbpath, &a, NULL) == 0 && gos_audit_append(a, &e, NULL, NULL) == 0;

            gos_audit_free(a);
            _exit(ok ? 0 : 1);
        }
    }
    for (int i = 0; i < 2; i++) {
        int status;

        ck_assert_int_eq(waitpid(kids[i], &status, 0), kids[i]);
        ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    db = raw_open(dbpath);
    ck_assert_int_eq(raw_int(db, "PRAGMA user_version"), GOS_AUDIT_SCHEMA_VERSION);
    ck_assert_int_eq(raw_int(db, "SELECT count(*) FROM events"), 2);
    sqlite3_close(db);
}
END_TEST

START_TEST(test_newer_version_refused)
{
    gos_audit *a = open_ok(dbpath), *b = NULL;
    gos_audit_event e = ev_make(GOS_AUDIT_SUBMITTED, "t1");
    sqlite3 *db;
    char *before, *after, *err = NULL;
    gsize n1, n2;

    add(a, &e);
    gos_audit_free(a);
    db = raw_open(dbpath);
    raw_exec(db, "PRAGMA user_version = 99");
    raw_exec(db, "PRAGMA journal_mode = DELETE");   /* everything in the main file */
    sqlite3_close(db);
    before = file_bytes(dbpath, &n1);

    ck_assert_int_eq(gos_audit_open(dbpath, &b, &err), -1);
    ck_assert_ptr_null(b);
    ck_assert_ptr_nonnull(err);
    ck_assert_ptr_nonnull(strstr(err, "newer"));
    ck_assert_ptr_nonnull(strstr(err, "99"));
    free(err);
    err = NULL;
    ck_assert_int_eq(gos_audit_open_readonly(dbpath, &b, &err), -1);
    ck_assert_ptr_nonnull(err);
    free(err);

    after = file_bytes(dbpath, &n2);
    ck_assert_uint_eq(n1, n2);
    ck_assert(memcmp(before, after, n1) == 0);
    g_free(before);
    g_free(after);
}
END_TEST

/* A newer guestos left its last commits in the WAL: refusing the file must
 * not fold them into the database file on the way out (closing the last
 * connection normally checkpoints). */
START_TEST(test_newer_version_wal_untouched)
{
    char *copy = g_build_filename(tmpdir, "newer.db", NULL);
    char *copy_wal = g_strconcat(copy, "-wal", NULL), *src_wal = g_strconcat(dbpath, "-wal", NULL);
    char *before, *after, *wal_before, *wal_after, *data, *err = NULL;
    gos_audit *a = open_ok(dbpath), *b = NULL;
    gos_audit_event e = ev_make(GOS_AUDIT_SUBMITTED, "t1");
    gsize n1, n2, w1, w2, len;
    sqlite3 *db;

    add(a, &e);
    gos_audit_free(a);
    /* Commit into the WAL and keep it there, then copy the files while it is. */
    db = raw_open(dbpath);
    raw_exec(db, "PRAGMA wal_autocheckpoint = 0");
    raw_exec(db, "PRAGMA user_version = 99");
    raw_exec(db, "CREATE TABLE newer_things (x)");
    data = file_bytes(dbpath, &len);
    ck_assert(g_file_set_contents(copy, data, (gssize)len, NULL));
    g_free(data);
    data = file_bytes(src_wal, &len);
    ck_assert_uint_gt(len, 0);
    ck_assert(g_file_set_contents(copy_wal, data, (gssize)len, NULL));
    g_free(data);
    sqlite3_close(db);
    before = file_bytes(copy, &n1);
    wal_before = file_bytes(copy_wal, &w1);

    ck_assert_int_eq(gos_audit_open(copy, &b, &err), -1);
    ck_assert_ptr_nonnull(strstr(err, "newer"));
    free(err);
    err = NULL;
    ck_assert_int_eq(gos_audit_open_readonly(copy, &b, &err), -1);
    ck_assert_ptr_nonnull(strstr(err, "newer"));
    free(err);

    after = file_bytes(copy, &n2);
    ck_assert_uint_eq(n1, n2);
    ck_assert(memcmp(before, after, n1) == 0);
    wal_after = file_bytes(copy_wal, &w2);
    ck_assert_uint_eq(w1, w2);
    ck_assert(memcmp(wal_before, wal_after, w1) == 0);
    g_free(before);
    g_free(after);
    g_free(wal_before);
    g_free(wal_after);
    g_free(copy);
    g_free(copy_wal);
    g_free(src_wal);
}
END_TEST

START_TEST(test_readonly_refusals)
{
    gos_audit *a = NULL;
    char *err = NULL, *v1 = g_build_filename(tmpdir, "v1.db", NULL);
    char *missing = g_build_filename(tmpdir, "nope", "audit.db", NULL);

    /* Missing: refused, and not created. */
    ck_assert_int_eq(gos_audit_open_readonly(missing, &a, &err), -1);
    ck_assert_ptr_nonnull(err);
    free(err);
    err = NULL;
    ck_assert(!g_file_test(missing, G_FILE_TEST_EXISTS));

    /* An older schema: refused, not migrated. */
    ck_assert_int_eq(gos_audit_open_version(v1, 1, &a, &err), 0);
    gos_audit_free(a);
    a = NULL;
    ck_assert_int_eq(gos_audit_open_readonly(v1, &a, &err), -1);
    ck_assert_ptr_nonnull(strstr(err, "older"));
    free(err);
    err = NULL;
    {
        sqlite3 *db = raw_open(v1);

        ck_assert_int_eq(raw_int(db, "PRAGMA user_version"), 1);
        sqlite3_close(db);
    }
    g_free(v1);
    g_free(missing);
}
END_TEST

START_TEST(test_readonly_reads_and_refuses_writes)
{
    gos_audit *a = open_ok(dbpath), *r = NULL;
    gos_audit_event e = ev_make(GOS_AUDIT_SUBMITTED, "t1");
    char *err = NULL, *ids;
    int count = -1;

    add(a, &e);
    ck_assert_int_eq(gos_audit_open_readonly(dbpath, &r, &err), 0);
    ids = query_ids(r, NULL);
    ck_assert_str_eq(ids, "t1");
    ck_assert(verify(r).ok);
    e.task_id = "t2";
    ck_assert_int_eq(gos_audit_append(r, &e, NULL, &err), -1);
    ck_assert_ptr_nonnull(strstr(err, "read-only"));
    free(err);
    err = NULL;
    ck_assert_int_eq(gos_audit_recover(r, NULL, &count, &err), -1);
    ck_assert_int_eq(count, -1);
    free(err);
    ck_assert_int_eq(raw_int(gos_audit_priv_db(a), "SELECT count(*) FROM events"), 1);
    g_free(ids);
    gos_audit_free(r);
    gos_audit_free(a);
}
END_TEST

START_TEST(test_not_sqlite_refused)
{
    char junk[4096], *err = NULL, *after;
    gos_audit *a = NULL;
    gsize n;

    memset(junk, 'x', sizeof junk);
    memcpy(junk, "this is not a database at all", 29);
    ck_assert(g_file_set_contents(dbpath, junk, sizeof junk, NULL));
    ck_assert_int_eq(chmod(dbpath, 0600), 0);        /* private, or its mode alone is refused */
    ck_assert_int_eq(gos_audit_open(dbpath, &a, &err), -1);
    ck_assert_ptr_null(a);
    ck_assert_ptr_nonnull(strstr(err, "not an SQLite database"));
    free(err);
    err = NULL;
    ck_assert_int_eq(gos_audit_open_readonly(dbpath, &a, &err), -1);
    ck_assert_ptr_nonnull(err);
    free(err);
    after = file_bytes(dbpath, &n);
    ck_assert_uint_eq(n, sizeof junk);
    ck_assert(memcmp(after, junk, n) == 0);
    g_free(after);
}
END_TEST

START_TEST(test_foreign_sqlite_refused)
{
    sqlite3 *db = NULL;
    gos_audit *a = NULL;
    char *err = NULL;

    ck_assert_int_eq(sqlite3_open(dbpath, &db), SQLITE_OK);
    raw_exec(db, "CREATE TABLE bookmarks (url TEXT)");
    sqlite3_close(db);
    ck_assert_int_eq(chmod(dbpath, 0600), 0);
    ck_assert_int_eq(gos_audit_open(dbpath, &a, &err), -1);
    ck_assert_ptr_nonnull(strstr(err, "does not belong"));
    free(err);
    db = raw_open(dbpath);
    ck_assert_int_eq(raw_int(db, "PRAGMA user_version"), 0);
    ck_assert_int_eq(raw_int(db, "SELECT count(*) FROM sqlite_master"), 1);
    sqlite3_close(db);
}
END_TEST

/* Runs fn as an unprivileged user when we are root (root ignores file modes). */
static void as_nobody(void (*fn)(void))
{
    pid_t pid;
    int status;

    if (geteuid() != 0) {
        fn();
        return;
    }
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        if (setgid(65534) != 0 || setuid(65534) != 0)
            _exit(3);
        fn();
        _exit(0);
    }
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "unprivileged check failed (%d)", status);
}

/* In the child, failures exit non-zero instead of using Check. */
#define CHILD_CHECK(cond) do { if (!(cond)) { fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #cond); _exit(1); } } while (0)

static void try_unwritable(void)
{
    gos_audit *a = NULL;
    char *err = NULL;

    /* The file exists, 0600, owned by someone else: neither writable nor readable. */
    CHILD_CHECK(gos_audit_open(dbpath, &a, &err) == -1);
    CHILD_CHECK(a == NULL && err && strstr(err, dbpath));
    free(err);
    err = NULL;
    CHILD_CHECK(gos_audit_open_readonly(dbpath, &a, &err) == -1);
    CHILD_CHECK(err != NULL);
    free(err);
}

START_TEST(test_unwritable_path)
{
    gos_audit *a = open_ok(dbpath);
    gos_audit_event e = ev_make(GOS_AUDIT_SUBMITTED, "t1");
    char *blocker = g_build_filename(tmpdir, "plainfile", NULL);
    char *under = g_build_filename(tmpdir, "plainfile", "audit.db", NULL);
    char *err = NULL;
    gos_audit *b = NULL;

    add(a, &e);
    gos_audit_free(a);
    ck_assert_int_eq(chmod(tmpdir, 0755), 0);
    ck_assert_int_eq(chmod(dbpath, 0600), 0);
    if (geteuid() != 0)
        ck_assert_int_eq(chmod(dbpath, 0400), 0);
    as_nobody(try_unwritable);

    /* A folder that cannot be made: a plain file sits in its place. */
    ck_assert(g_file_set_contents(blocker, "x", 1, NULL));
    ck_assert_int_eq(gos_audit_open(under, &b, &err), -1);
    ck_assert_ptr_nonnull(strstr(err, "folder"));
    free(err);
    g_free(blocker);
    g_free(under);
}
END_TEST

/* --- append and the fold --- */

START_TEST(test_append_ids_and_columns)
{
    gos_audit *a = open_ok(dbpath);
    gos_audit_event e = ev_make(GOS_AUDIT_SUBMITTED, "t1");
    sqlite3 *db = gos_audit_priv_db(a);
    char *s;
    int64_t before = g_get_real_time() / 1000;

    e.has_call_hr = true;
    e.call_hr = 0xA0040505u;
    ck_assert_int_eq(add(a, &e), 1);
    e.kind = GOS_AUDIT_COMPLETED;
    e.has_call_hr = false;
    e.has_task_error = true;
    e.task_error = 0x80070520u;
    e.task_result = 2;
    ck_assert_int_eq(add(a, &e), 2);

    ck_assert_int_eq(raw_int(db, "SELECT call_hr FROM events WHERE id = 1"), 2684617989LL);
    s = raw_text(db, "SELECT call_hr_hex FROM events WHERE id = 1");
    ck_assert_str_eq(s, "0xA0040505");
    g_free(s);
    ck_assert_int_eq(raw_int(db, "SELECT call_hr IS NULL AND call_hr_hex IS NULL FROM events WHERE id = 2"), 1);
    ck_assert_int_eq(raw_int(db, "SELECT task_error FROM events WHERE id = 2"), 2147943712LL);
    s = raw_text(db, "SELECT task_error_hex FROM events WHERE id = 2");
    ck_assert_str_eq(s, "0x80070520");
    g_free(s);
    s = raw_text(db, "SELECT kind FROM events WHERE id = 2");
    ck_assert_str_eq(s, "completed");
    g_free(s);
    /* ts_ms 0 means now; percent -1 is stored as NULL. */
    ck_assert_int_ge(raw_int(db, "SELECT ts_ms FROM events WHERE id = 1"), before);
    ck_assert_int_eq(raw_int(db, "SELECT percent IS NULL FROM events WHERE id = 1"), 1);
    ck_assert_int_eq(raw_int(db, "SELECT typeof(op_ssh) = 'null' FROM events WHERE id = 1"), 1);
    s = raw_text(db, "SELECT prev_hash FROM events WHERE id = 1");
    ck_assert_str_eq(s, GOS_AUDIT_GENESIS_HASH);
    g_free(s);
    ck_assert_int_eq(raw_int(db, "SELECT (SELECT prev_hash FROM events WHERE id = 2) ="
                                 " (SELECT hash FROM events WHERE id = 1)"), 1);
    ck_assert_int_eq(raw_int(db, "SELECT length(hash) FROM events WHERE id = 2"), 64);
    gos_audit_free(a);
}
END_TEST

START_TEST(test_append_rejects_bad_events)
{
    gos_audit *a = open_ok(dbpath);
    gos_audit_event e = ev_make(GOS_AUDIT_SUBMITTED, NULL);
    char *err = NULL;
    int64_t id = -7;

    ck_assert_int_eq(gos_audit_append(a, &e, &id, &err), -1);
    ck_assert_ptr_nonnull(strstr(err, "task id"));
    ck_assert_int_eq(id, -7);
    free(err);
    err = NULL;
    e.task_id = "t1";
    e.percent = 101;
    ck_assert_int_eq(gos_audit_append(a, &e, &id, &err), -1);
    ck_assert_ptr_nonnull(err);
    free(err);
    err = NULL;
    e.percent = -1;
    e.kind = (gos_audit_kind)17;
    ck_assert_int_eq(gos_audit_append(a, &e, &id, &err), -1);
    ck_assert_ptr_nonnull(err);
    free(err);
    ck_assert_int_eq(gos_audit_append(a, NULL, &id, NULL), -1);
    ck_assert_int_eq(raw_int(gos_audit_priv_db(a), "SELECT count(*) FROM events"), 0);
    gos_audit_free(a);
}
END_TEST

START_TEST(test_query_fold)
{
    gos_audit *a = open_ok(dbpath);
    GPtrArray *pool = g_ptr_array_new_with_free_func(g_free);
    gos_audit_event e = ev_make(GOS_AUDIT_SUBMITTED, "fold-1");
    gos_audit_task t;

    e.ts_ms = 1700000000000;
    e.op_ssh = "10.0.0.5 51000 10.0.0.1 22";
    e.has_call_hr = true;
    e.call_hr = 0;
    e.users_before = NULL;
    add(a, &e);

    t = get_task(a, "fold-1", pool);
    ck_assert_int_eq(t.key, 1);
    ck_assert_int_eq(t.submitted_at, 1700000000000);
    ck_assert_int_eq(t.ended_at, 0);
    ck_assert_int_eq(t.task_result, GOS_RESULT_NONE);
    ck_assert_int_eq(t.percent, -1);
    ck_assert_ptr_null(t.phase);

    e = ev_make(GOS_AUDIT_STARTED, "fold-1");
    e.ts_ms = 1700000000100;
    e.op_user = "daemon";        /* not the submitter: must not replace alice */
    e.op_pid = 999999;
    e.users_before = (const char *const[]){ "alice", "bob", NULL };
    add(a, &e);
    e = ev_make(GOS_AUDIT_PROGRESS, "fold-1");
    e.ts_ms = 1700000000200;
    e.phase = "logoff";
    e.percent = 60;
    add(a, &e);
    e.phase = "verify";
    e.percent = 90;
    add(a, &e);
    e = ev_make(GOS_AUDIT_COMPLETED, "fold-1");
    e.ts_ms = 1700000000900;
    e.percent = 100;
    e.task_result = 6;
    e.has_task_error = true;
    e.task_error = 0xA0040202u;
    e.virt_code = 86;
    e.message = "The guest agent did not answer in time.";
    e.users_after = (const char *const[]){ "bob", NULL };
    add(a, &e);

    t = get_task(a, "fold-1", pool);
    ck_assert_int_eq(t.key, 1);
    ck_assert_str_eq(t.task_id, "fold-1");
    ck_assert_str_eq(t.host, "test:///default");
    ck_assert_str_eq(t.vm_uuid, UUID1);
    ck_assert_str_eq(t.vm_name, "web1");
    ck_assert_str_eq(t.action, "logoff");
    ck_assert_str_eq(t.op_user, "alice");
    ck_assert_int_eq(t.op_uid, 1000);
    ck_assert_str_eq(t.op_tty, "pts/1");
    ck_assert_str_eq(t.op_ssh, "10.0.0.5 51000 10.0.0.1 22");
    ck_assert_str_eq(t.origin, "interactive");
    ck_assert_int_eq(t.submitted_at, 1700000000000);
    ck_assert_int_eq(t.ended_at, 1700000000900);
    ck_assert_str_eq(t.phase, "verify");
    ck_assert_int_eq(t.percent, 100);
    ck_assert(t.has_call_hr);
    ck_assert_uint_eq(t.call_hr, 0);
    ck_assert_int_eq(t.task_result, 6);
    ck_assert(t.has_task_error);
    ck_assert_uint_eq(t.task_error, 0xA0040202u);
    ck_assert_int_eq(t.virt_code, 86);
    ck_assert_str_eq(t.message, "The guest agent did not answer in time.");
    ck_assert_str_eq(t.users_before_json, "[\"alice\",\"bob\"]");
    ck_assert_str_eq(t.users_after_json, "[\"bob\"]");
    ck_assert_int_eq(raw_int(gos_audit_priv_db(a), "SELECT op_pid FROM tasks"), 999999);
    g_ptr_array_unref(pool);
    gos_audit_free(a);
}
END_TEST

START_TEST(test_fold_completed_beats_interrupted)
{
    gos_audit *a = open_ok(dbpath);
    GPtrArray *pool = g_ptr_array_new_with_free_func(g_free);
    gos_audit_event e;
    gos_audit_task t;

    /* completed, then a late interrupted: still completed. */
    e = ev_make(GOS_AUDIT_SUBMITTED, "c-then-i");
    e.ts_ms = 1000;
    add(a, &e);
    e.kind = GOS_AUDIT_COMPLETED;
    e.ts_ms = 2000;
    e.task_result = 0;
    e.message = "ok";
    add(a, &e);
    e.kind = GOS_AUDIT_INTERRUPTED;
    e.ts_ms = 3000;
    e.task_result = GOS_RESULT_INTERRUPTED;
    e.message = "interrupted";
    add(a, &e);
    t = get_task(a, "c-then-i", pool);
    ck_assert_int_eq(t.task_result, 0);
    ck_assert_int_eq(t.ended_at, 2000);
    ck_assert_str_eq(t.message, "ok");

    /* interrupted, then the real completion: completed. */
    e = ev_make(GOS_AUDIT_SUBMITTED, "i-then-c");
    e.ts_ms = 1000;
    add(a, &e);
    e.kind = GOS_AUDIT_INTERRUPTED;
    e.ts_ms = 2000;
    e.task_result = 3;           /* whatever the caller says, the fold says interrupted */
    add(a, &e);
    t = get_task(a, "i-then-c", pool);
    ck_assert_int_eq(t.task_result, GOS_RESULT_INTERRUPTED);
    e.kind = GOS_AUDIT_COMPLETED;
    e.ts_ms = 3000;
    e.task_result = 0;
    add(a, &e);
    t = get_task(a, "i-then-c", pool);
    ck_assert_int_eq(t.task_result, 0);
    ck_assert_int_eq(t.ended_at, 3000);

    /* A task first heard of by its started event: submitted_at from the first event
     * until the submitted event arrives, then from it. */
    e = ev_make(GOS_AUDIT_STARTED, "late-submit");
    e.ts_ms = 5000;
    e.vm_name = NULL;
    add(a, &e);
    t = get_task(a, "late-submit", pool);
    ck_assert_int_eq(t.submitted_at, 5000);
    ck_assert_ptr_null(t.vm_name);
    e.kind = GOS_AUDIT_SUBMITTED;
    e.ts_ms = 4990;
    e.vm_name = "web9";
    add(a, &e);
    t = get_task(a, "late-submit", pool);
    ck_assert_int_eq(t.submitted_at, 4990);
    ck_assert_str_eq(t.vm_name, "web9");
    g_ptr_array_unref(pool);
    gos_audit_free(a);
}
END_TEST

/* The summary's rows in key order, every column as an SQL literal. */
static sqlite3_stmt *summary_rows(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;

    ck_assert_int_eq(sqlite3_prepare_v2(db,
        "SELECT"
        " quote(key) || '|' || quote(task_id) || '|' || quote(submitted_at) || '|' || quote(ended_at)"
        " || '|' || quote(end_kind) || '|' || quote(started) || '|' || quote(host) || '|' || quote(vm_uuid)"
        " || '|' || quote(vm_name) || '|' || quote(action) || '|' || quote(op_uid) || '|' || quote(op_user)"
        " || '|' || quote(op_tty) || '|' || quote(op_ssh) || '|' || quote(origin) || '|' || quote(op_pid)"
        " || '|' || quote(op_node) || '|' || quote(phase) || '|' || quote(percent) || '|' || quote(call_hr)"
        " || '|' || quote(task_result) || '|' || quote(task_error) || '|' || quote(virt_code)"
        " || '|' || quote(message) || '|' || quote(users_before) || '|' || quote(users_after)"
        " FROM tasks ORDER BY key", -1, &st, NULL), SQLITE_OK);
    return st;
}

/* Both summaries hold the same rows; returns how many. */
static int summaries_equal(sqlite3 *want_db, sqlite3 *got_db)
{
    sqlite3_stmt *want = summary_rows(want_db), *got = summary_rows(got_db);
    int n = 0, rw, rg;

    while ((rw = sqlite3_step(want)) == SQLITE_ROW) {
        rg = sqlite3_step(got);
        ck_assert_int_eq(rg, SQLITE_ROW);
        ck_assert_str_eq((const char *)sqlite3_column_text(got, 0), (const char *)sqlite3_column_text(want, 0));
        n++;
    }
    ck_assert_int_eq(rw, SQLITE_DONE);
    ck_assert_int_eq(sqlite3_step(got), SQLITE_DONE);
    sqlite3_finalize(want);
    sqlite3_finalize(got);
    return n;
}

/* Version 5 folds in several statements that each write only what an event
 * changes; it must give every column the value version 3's one UPDATE gives.
 * The same random stream (every kind in any order, any field missing or not,
 * late submissions, interruptions before and after completion, VMs named
 * only by later events) goes into a store of each version. */
#define N_TASKS 500
START_TEST(test_fold_v5_same_as_v3)
{
    static const gos_audit_kind kinds[] = { GOS_AUDIT_SUBMITTED, GOS_AUDIT_STARTED, GOS_AUDIT_PROGRESS,
                                            GOS_AUDIT_COMPLETED, GOS_AUDIT_INTERRUPTED };
    static const char *const texts[] = { "web1", "web2", "db1", "x" };
    static const char *const u1[] = { "alice", NULL }, *const u2[] = { "bob", "a,b", NULL };
    static const char *const u0[] = { NULL };
    static const char *const *const users[] = { u0, u1, u2 };
    char *v3path = g_build_filename(tmpdir, "v3.db", NULL), *err = NULL;
    gos_audit *a3 = NULL, *a5 = open_ok(dbpath);
    GRand *r = g_rand_new_with_seed(20261201);
    char ids[N_TASKS][8];

    ck_assert_int_eq(gos_audit_open_version(v3path, 3, &a3, &err), 0);
    for (int i = 0; i < N_TASKS; i++)
        g_snprintf(ids[i], sizeof ids[i], "t%03d", i);
    /* About six events a task: a few tasks long, most short, as gaps then matter.
     * In batches of 500 (one fsync each), as the engine's group commits do. */
    for (int n = 0; n < 6 * N_TASKS; n++) {
        if (n % 500 == 0) {
            if (n > 0) {
                ck_assert_int_eq(gos_audit_batch_commit(a3, &err), 0);
                ck_assert_int_eq(gos_audit_batch_commit(a5, &err), 0);
            }
            ck_assert_int_eq(gos_audit_batch_begin(a3, &err), 0);
            ck_assert_int_eq(gos_audit_batch_begin(a5, &err), 0);
        }
        int task = g_rand_int_range(r, 0, N_TASKS);
        gos_audit_event e = ev_make(kinds[g_rand_int_range(r, 0, 5)], ids[task]);
#define MAYBE(field, value) ((field) = g_rand_boolean(r) ? (value) : NULL)
        MAYBE(e.host, texts[g_rand_int_range(r, 0, 4)]);
        MAYBE(e.vm_uuid, g_rand_boolean(r) ? UUID1 : UUID2);
        MAYBE(e.vm_name, texts[g_rand_int_range(r, 0, 4)]);
        MAYBE(e.action, "logoff");
        MAYBE(e.op_user, texts[g_rand_int_range(r, 0, 4)]);
        MAYBE(e.op_tty, "pts/2");
        MAYBE(e.op_ssh, "192.0.2.1 1 192.0.2.2 22");
        MAYBE(e.origin, g_rand_boolean(r) ? "batch" : "interactive");
        MAYBE(e.phase, texts[g_rand_int_range(r, 0, 4)]);
        MAYBE(e.message, texts[g_rand_int_range(r, 0, 4)]);
        MAYBE(e.users_before, users[g_rand_int_range(r, 0, 3)]);
        MAYBE(e.users_after, users[g_rand_int_range(r, 0, 3)]);
#undef MAYBE
        e.op_uid = g_rand_int_range(r, 0, 3);
        e.op_pid = g_rand_int_range(r, 1, 4);
        e.ts_ms = 1000 + g_rand_int_range(r, 0, 100000);
        e.percent = g_rand_boolean(r) ? -1 : g_rand_int_range(r, 0, 101);
        e.has_call_hr = g_rand_boolean(r);
        e.call_hr = g_rand_boolean(r) ? 0 : 0xA0040206u;
        e.has_task_error = g_rand_boolean(r);
        e.task_error = 0xA0040202u;
        e.virt_code = g_rand_boolean(r) ? 0 : g_rand_int_range(r, 1, 90);
        e.task_result = g_rand_int_range(r, -1, 7);
        add(a3, &e);
        add(a5, &e);
    }
    ck_assert_int_eq(gos_audit_batch_commit(a3, &err), 0);
    ck_assert_int_eq(gos_audit_batch_commit(a5, &err), 0);
    ck_assert_int_ge(summaries_equal(gos_audit_priv_db(a3), gos_audit_priv_db(a5)), N_TASKS * 9 / 10);
    ck_assert(verify(a5).ok);
    g_rand_free(r);
    gos_audit_free(a3);
    gos_audit_free(a5);
    g_free(v3path);
}
END_TEST
#undef N_TASKS

/* An event that fails inside a batch leaves nothing of itself (its row, its
 * fold) and the batch goes on: what the engine's group commits rely on. */
START_TEST(test_batch_event_fails_alone)
{
    gos_audit *a = open_ok(dbpath);
    sqlite3 *db = gos_audit_priv_db(a);
    gos_audit_event e = ev_make(GOS_AUDIT_SUBMITTED, "ok1");
    char *err = NULL;

    /* A failure in the middle of the fold: after the event's row and the task's. */
    raw_exec(db, "CREATE TRIGGER test_fail AFTER INSERT ON tasks WHEN new.task_id = 'bad'"
                 " BEGIN SELECT RAISE(ABORT, 'refused for the test'); END;");
    ck_assert_int_eq(gos_audit_batch_begin(a, &err), 0);
    add(a, &e);
    e.task_id = "bad";
    ck_assert_int_eq(gos_audit_append(a, &e, NULL, &err), -1);
    ck_assert_ptr_nonnull(strstr(err, "refused for the test"));
    free(err);
    err = NULL;
    e.task_id = "ok2";
    add(a, &e);
    ck_assert_int_eq(gos_audit_batch_commit(a, &err), 0);
    ck_assert_int_eq(raw_int(db, "SELECT count(*) FROM events"), 2);
    ck_assert_int_eq(raw_int(db, "SELECT count(*) FROM tasks WHERE task_id = 'bad'"), 0);
    ck_assert_int_eq(raw_int(db, "SELECT count(*) FROM tasks"), 2);
    raw_exec(db, "DROP TRIGGER test_fail");
    ck_assert(verify(a).ok);
    gos_audit_free(a);
}
END_TEST

/* SQL function for the test below: interrupts the statement that calls it. */
static void interrupt_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    (void)argv;
    sqlite3_interrupt(sqlite3_context_db_handle(ctx));
    sqlite3_result_null(ctx);
}

/* An interrupt (like an I/O error) in a write makes SQLite roll back the whole
 * batch. Its later events are refused, not committed one by one, and the
 * commit fails: the engine reports the group lost, and none of it is there. */
START_TEST(test_batch_rolled_back_whole)
{
    gos_audit *a = open_ok(dbpath);
    sqlite3 *db = gos_audit_priv_db(a);
    gos_audit_event e = ev_make(GOS_AUDIT_SUBMITTED, "ok1");
    char *err = NULL;

    ck_assert_int_eq(sqlite3_create_function(db, "test_interrupt", 0, SQLITE_UTF8, NULL, interrupt_fn,
                                             NULL, NULL), SQLITE_OK);
    raw_exec(db, "CREATE TRIGGER test_stop AFTER INSERT ON tasks WHEN new.task_id = 'bad'"
                 " BEGIN SELECT test_interrupt(); END;");
    ck_assert_int_eq(gos_audit_batch_begin(a, &err), 0);
    add(a, &e);
    e.task_id = "bad";
    ck_assert_int_eq(gos_audit_append(a, &e, NULL, &err), -1);
    free(err);
    err = NULL;
    ck_assert_int_eq(sqlite3_get_autocommit(db), 1);        /* SQLite undid the batch */
    e.task_id = "ok2";
    ck_assert_int_eq(gos_audit_append(a, &e, NULL, &err), -1);
    ck_assert_ptr_nonnull(strstr(err, "not recorded"));
    free(err);
    err = NULL;
    ck_assert_int_eq(gos_audit_batch_commit(a, &err), -1);
    ck_assert_ptr_nonnull(strstr(err, "not recorded"));
    free(err);
    err = NULL;
    ck_assert_int_eq(raw_int(db, "SELECT count(*) FROM events"), 0);
    ck_assert_int_eq(raw_int(db, "SELECT count(*) FROM tasks"), 0);
    raw_exec(db, "DROP TRIGGER test_stop");

    /* The store goes on: the next batch and a lone event are recorded. */
    ck_assert_int_eq(gos_audit_batch_begin(a, &err), 0);
    e.task_id = "ok3";
    add(a, &e);
    ck_assert_int_eq(gos_audit_batch_commit(a, &err), 0);
    e.task_id = "ok4";
    add(a, &e);
    ck_assert_int_eq(raw_int(db, "SELECT count(*) FROM events"), 2);
    ck_assert(verify(a).ok);
    gos_audit_free(a);
}
END_TEST

/* Version 5 changed no table: a reviewer without write access reads a version 4
 * file as it is; the first writer upgrades it, and its summary keeps folding. */
START_TEST(test_v4_read_then_upgraded)
{
    GPtrArray *pool = g_ptr_array_new_with_free_func(g_free);
    gos_audit *a = NULL;
    char *err = NULL;
    gos_audit_task t;

    ck_assert_int_eq(gos_audit_open_version(dbpath, 4, &a, &err), 0);
    add_task(a, "before", "web1", UUID1, "alice", 1000, 0, 0, "done");
    gos_audit_free(a);
    a = NULL;
    ck_assert_int_eq(gos_audit_open_readonly(dbpath, &a, &err), 0);
    t = get_task(a, "before", pool);
    ck_assert_str_eq(t.message, "done");
    ck_assert(verify(a).ok);
    gos_audit_free(a);
    a = open_ok(dbpath);
    ck_assert_int_eq(raw_int(gos_audit_priv_db(a), "PRAGMA user_version"), GOS_AUDIT_SCHEMA_VERSION);
    add_task(a, "after", "web2", UUID2, "bob", 2000, 4, 0xA0040202u, "late");
    t = get_task(a, "after", pool);
    ck_assert_str_eq(t.vm_name, "web2");
    ck_assert_int_eq(t.task_result, 4);
    ck_assert_int_eq(t.ended_at, 2010);
    ck_assert(verify(a).ok);
    g_ptr_array_unref(pool);
    gos_audit_free(a);
}
END_TEST

/* Six tasks with distinct traits, for the filters. */
static void add_filter_fixture(gos_audit *a)
{
    gos_audit_event e;

    add_task(a, "f1", "web1", UUID1, "alice", 1000000, 0, 0, "all users logged off");
    add_task(a, "f2", "db1", UUID2, "bob", 2000000, 2, 0xA0040505u, "no agent (50% sure)");
    add_task(a, "f3", "web1", UUID1, "bob", 3000000, 6, 0xA0040202u, "agent timed out");
    e = ev_make(GOS_AUDIT_SUBMITTED, "f4");
    e.ts_ms = 4000000;
    e.host = "qemu+ssh://h2/system";
    e.vm_name = "mail_1";
    e.vm_uuid = NULL;
    e.action = "refresh";
    e.has_call_hr = true;
    e.call_hr = 0xA0040207u;
    add(a, &e);
    e.kind = GOS_AUDIT_COMPLETED;
    e.task_result = 2;
    e.users_before = (const char *const[]){ "Zed", "Xavier", NULL };
    add(a, &e);
    e = ev_make(GOS_AUDIT_SUBMITTED, "f5");
    e.ts_ms = 5000000;
    e.vm_name = "mailx1";
    add(a, &e);
    e.kind = GOS_AUDIT_INTERRUPTED;
    e.task_result = GOS_RESULT_INTERRUPTED;
    add(a, &e);
    /* A VM whose name looks like another VM's UUID. */
    e = ev_make(GOS_AUDIT_SUBMITTED, "f6");
    e.ts_ms = 6000000;
    e.vm_name = "11111111-2222-3333-4444-555555555555";
    e.vm_uuid = UUID2;
    add(a, &e);
}

#define CHECK_FILTER(a, f, expect) do { \
        char *got_ = query_ids((a), (f)); \
        ck_assert_msg(strcmp(got_, (expect)) == 0, "filter: got \"%s\", want \"%s\"", got_, (expect)); \
        g_free(got_); \
    } while (0)

START_TEST(test_filters)
{
    gos_audit *a = open_ok(dbpath);
    gos_audit_filter f;

    add_filter_fixture(a);
    memset(&f, 0, sizeof f);
    CHECK_FILTER(a, &f, "f6 f5 f4 f3 f2 f1");
    CHECK_FILTER(a, NULL, "f6 f5 f4 f3 f2 f1");

    f.vm = "web1";
    CHECK_FILTER(a, &f, "f3 f1");
    memset(&f, 0, sizeof f);
    f.vm = UUID2;
    CHECK_FILTER(a, &f, "f6 f2");
    f.vm = "0D9E8F7A-6B5C-4D3E-8F2A-1B0C9D8E7F62";  /* a UUID in capitals */
    CHECK_FILTER(a, &f, "f6 f2");
    f.vm = "11111111-2222-3333-4444-555555555555";  /* UUID-shaped name, unknown as UUID */
    CHECK_FILTER(a, &f, "f6");
    f.vm = "mail";                                  /* exact, not a prefix */
    CHECK_FILTER(a, &f, "");

    memset(&f, 0, sizeof f);
    f.op_user = "bob";
    CHECK_FILTER(a, &f, "f3 f2");
    memset(&f, 0, sizeof f);
    f.action = "refresh";
    CHECK_FILTER(a, &f, "f4");
    memset(&f, 0, sizeof f);
    f.host = "qemu+ssh://h2/system";
    CHECK_FILTER(a, &f, "f4");

    memset(&f, 0, sizeof f);
    f.has_result = true;
    f.result = 2;
    CHECK_FILTER(a, &f, "f4 f2");
    f.result = 0;
    CHECK_FILTER(a, &f, "f1");
    f.result = GOS_RESULT_INTERRUPTED;
    CHECK_FILTER(a, &f, "f5");

    memset(&f, 0, sizeof f);
    f.has_hresult = true;
    f.hresult = 0xA0040505u;                        /* a task error */
    CHECK_FILTER(a, &f, "f2");
    f.hresult = 0xA0040207u;                        /* a call HRESULT */
    CHECK_FILTER(a, &f, "f4");
    f.hresult = 0;                                  /* S_OK is a value, not "no filter" */
    CHECK_FILTER(a, &f, "f3 f2 f1");

    memset(&f, 0, sizeof f);
    f.since_ms = 2000000;
    f.until_ms = 4000000;                           /* both inclusive */
    CHECK_FILTER(a, &f, "f4 f3 f2");
    f.until_ms = 0;
    CHECK_FILTER(a, &f, "f6 f5 f4 f3 f2");
    f.since_ms = 0;
    f.until_ms = 1999999;
    CHECK_FILTER(a, &f, "f1");

    memset(&f, 0, sizeof f);
    f.text = "timed";                               /* in a message */
    CHECK_FILTER(a, &f, "f3");
    f.text = "xavier";                              /* in users, case-insensitive */
    CHECK_FILTER(a, &f, "f4");
    f.text = "mail_";                               /* _ is literal, not a wildcard */
    CHECK_FILTER(a, &f, "f4");
    f.text = "50%";                                 /* % is literal */
    CHECK_FILTER(a, &f, "f2");
    f.text = "WEB";                                 /* in the VM name */
    CHECK_FILTER(a, &f, "f3 f1");

    /* Combined. */
    memset(&f, 0, sizeof f);
    f.vm = "web1";
    f.op_user = "bob";
    f.since_ms = 2500000;
    CHECK_FILTER(a, &f, "f3");
    gos_audit_free(a);
}
END_TEST

START_TEST(test_keyset_paging)
{
    gos_audit *a = open_ok(dbpath);
    collect *all = collect_new();
    gos_audit_filter f = { .vm = "web1" };
    int64_t after = 0;
    char *err = NULL;

    for (int i = 0; i < 57; i++) {
        char id[16];

        g_snprintf(id, sizeof id, "p%02d", i);
        gos_audit_event e = ev_make(GOS_AUDIT_SUBMITTED, id);
        e.ts_ms = 1000 + i;
        e.vm_name = i % 3 == 0 ? "web1" : "db1";
        add(a, &e);
    }
    /* Pages of 10 over all tasks: 57 distinct, newest first. */
    for (int page = 0;; page++) {
        collect *c = collect_new();

        ck_assert_int_eq(gos_audit_query(a, NULL, after, 10, collect_cb, c, &err), 0);
        ck_assert_int_le(c->ids->len, 10);
        for (guint i = 0; i < c->ids->len; i++) {
            g_ptr_array_add(all->ids, g_strdup(g_ptr_array_index(c->ids, i)));
            g_array_append_val(all->keys, g_array_index(c->keys, int64_t, i));
        }
        if (c->ids->len == 0) {
            collect_free(c);
            ck_assert_int_eq(page, 6);
            break;
        }
        after = g_array_index(c->keys, int64_t, c->ids->len - 1);
        collect_free(c);
    }
    ck_assert_uint_eq(all->ids->len, 57);
    for (guint i = 0; i < all->ids->len; i++) {
        char want[16];

        g_snprintf(want, sizeof want, "p%02d", 56 - (int)i);
        ck_assert_str_eq(g_ptr_array_index(all->ids, i), want);
        if (i > 0)
            ck_assert_int_lt(g_array_index(all->keys, int64_t, i), g_array_index(all->keys, int64_t, i - 1));
    }
    collect_free(all);

    /* With a filter: 19 web1 tasks in pages of 5. */
    after = 0;
    for (int total = 0, pages = 0;; pages++) {
        collect *c = collect_new();

        ck_assert_int_eq(gos_audit_query(a, &f, after, 5, collect_cb, c, &err), 0);
        if (c->ids->len == 0) {
            ck_assert_int_eq(total, 19);
            ck_assert_int_eq(pages, 4);
            collect_free(c);
            break;
        }
        for (guint i = 0; i < c->ids->len; i++) {
            int n = atoi((char *)g_ptr_array_index(c->ids, i) + 1);

            ck_assert_int_eq(n % 3, 0);
        }
        total += (int)c->ids->len;
        after = g_array_index(c->keys, int64_t, c->ids->len - 1);
        collect_free(c);
    }

    /* The callback stops the walk. */
    {
        collect *c = collect_new();

        c->stop_after = 3;
        ck_assert_int_eq(gos_audit_query(a, NULL, 0, 0, collect_cb, c, &err), 0);
        ck_assert_uint_eq(c->ids->len, 3);
        collect_free(c);
    }
    gos_audit_free(a);
}
END_TEST

/* Every filter shape plans as an ordered walk: no sort, so constant memory. */
START_TEST(test_query_plans_stream)
{
    gos_audit *a = open_ok(dbpath);
    gos_audit_filter fs[12];
    int nf = 0;

    add_filter_fixture(a);
    memset(fs, 0, sizeof fs);
    nf++;                                            /* no filter */
    fs[nf++].vm = "web1";
    fs[nf].vm = UUID1; fs[nf].since_ms = 1; fs[nf++].until_ms = 5;
    fs[nf].op_user = "bob"; fs[nf++].text = "x";
    fs[nf].has_hresult = true; fs[nf++].hresult = 5;
    fs[nf].has_result = true; fs[nf].result = 2; fs[nf++].host = "h";
    fs[nf].vm = "web1"; fs[nf].op_user = "bob"; fs[nf++].action = "logoff";
    fs[nf++].since_ms = 5;
    fs[nf].since_ms = 1; fs[nf++].until_ms = 5;       /* a narrow range: keys */
    fs[nf++].text = "web";                            /* the text index */
    fs[nf].text = "bob"; fs[nf].since_ms = 1; fs[nf++].vm = "web1";
    for (int i = 0; i < nf; i++) {
        for (int dir = 0; dir < 2; dir++) {
            sqlite3_stmt *st = NULL, *plan = NULL;
            char *sql, *err = NULL;

            ck_assert_int_eq(gos_audit_task_stmt(a, &fs[i], dir ? 0 : 77, dir ? 0 : 50, dir, &st, &err), 0);
            sql = g_strconcat("EXPLAIN QUERY PLAN ", sqlite3_sql(st), NULL);
            ck_assert_int_eq(sqlite3_prepare_v2(gos_audit_priv_db(a), sql, -1, &plan, NULL), SQLITE_OK);
            while (sqlite3_step(plan) == SQLITE_ROW) {
                const char *detail = (const char *)sqlite3_column_text(plan, 3);

                ck_assert_msg(!strstr(detail, "TEMP B-TREE"), "filter %d sorts: %s", i, detail);
            }
            if (i == 1)
                ck_assert_ptr_nonnull(strstr(sqlite3_sql(st), "vm_name = ?"));
            sqlite3_finalize(plan);
            sqlite3_finalize(st);
            g_free(sql);
        }
    }
    /* The text queue's flush reads the queue and looks each task up: it
     * never walks the summary (which it did at every flush, a million rows). */
    {
        const char *flush = gos_audit_text_flush_sql;
        const char *end = strchr(flush, ';');
        char *sql = g_strdup_printf("EXPLAIN QUERY PLAN %.*s", (int)(end - flush), flush);
        sqlite3_stmt *plan = NULL;
        bool queue_outer = false;

        ck_assert_int_eq(sqlite3_prepare_v2(gos_audit_priv_db(a), sql, -1, &plan, NULL), SQLITE_OK);
        while (sqlite3_step(plan) == SQLITE_ROW) {
            const char *detail = (const char *)sqlite3_column_text(plan, 3);

            ck_assert_msg(!g_str_has_prefix(detail, "SCAN t"), "the flush walks the summary: %s", detail);
            queue_outer |= g_str_has_prefix(detail, "SCAN p");
        }
        ck_assert(queue_outer);
        sqlite3_finalize(plan);
        g_free(sql);
    }
    gos_audit_free(a);
}
END_TEST

/* --- the chain --- */

START_TEST(test_canonical_form_unambiguous)
{
    gos_audit_cell x[2] = { { .type = GOS_CELL_TEXT, .p = "ab", .len = 2 },
                            { .type = GOS_CELL_TEXT, .p = "c", .len = 1 } };
    gos_audit_cell y[2] = { { .type = GOS_CELL_TEXT, .p = "a", .len = 1 },
                            { .type = GOS_CELL_TEXT, .p = "bc", .len = 2 } };
    gos_audit_cell n[1] = { { .type = GOS_CELL_NULL } };
    gos_audit_cell e[1] = { { .type = GOS_CELL_TEXT, .p = "", .len = 0 } };
    gos_audit_cell i5[1] = { { .type = GOS_CELL_INT, .i = 5 } };
    gos_audit_cell t5[1] = { { .type = GOS_CELL_TEXT, .p = "5", .len = 1 } };
    char hx[65], hy[65], hn[65], he[65], hi[65], ht[65], hx2[65], hp[65];

    gos_audit_hash_cells(GOS_AUDIT_GENESIS_HASH, x, 2, hx);
    gos_audit_hash_cells(GOS_AUDIT_GENESIS_HASH, y, 2, hy);
    gos_audit_hash_cells(GOS_AUDIT_GENESIS_HASH, n, 1, hn);
    gos_audit_hash_cells(GOS_AUDIT_GENESIS_HASH, e, 1, he);
    gos_audit_hash_cells(GOS_AUDIT_GENESIS_HASH, i5, 1, hi);
    gos_audit_hash_cells(GOS_AUDIT_GENESIS_HASH, t5, 1, ht);
    gos_audit_hash_cells(GOS_AUDIT_GENESIS_HASH, x, 2, hx2);
    gos_audit_hash_cells("1111", x, 2, hp);
    ck_assert_str_ne(hx, hy);
    ck_assert_str_ne(hn, he);
    ck_assert_str_ne(hi, ht);
    ck_assert_str_ne(hx, hp);
    ck_assert_str_eq(hx, hx2);
    ck_assert_uint_eq(strlen(hx), 64);
    ck_assert_uint_eq(strspn(hx, "0123456789abcdef"), 64);
}
END_TEST

/* The form's hashes, computed apart from guestos (Python's hashlib over the
 * form db/chain.c describes): every store written by an older guestos must
 * keep verifying, whatever computes SHA-256 or buffers the form. */
START_TEST(test_canonical_form_known_hashes)
{
    char *long_text = g_strnfill(1000, 'x'), h[65];
    gos_audit_cell x[2] = { { .type = GOS_CELL_TEXT, .p = "ab", .len = 2 },
                            { .type = GOS_CELL_TEXT, .p = "c", .len = 1 } };
    gos_audit_cell mixed[3] = { { .type = GOS_CELL_NULL }, { .type = GOS_CELL_INT, .i = -5 },
                                { .type = GOS_CELL_TEXT, .p = "", .len = 0 } };
    gos_audit_cell big[3] = { { .type = GOS_CELL_TEXT, .p = long_text, .len = 1000 },
                              { .type = GOS_CELL_INT, .i = INT64_C(1) << 40 },
                              { .type = GOS_CELL_TEXT, .p = "\xc3\xa9", .len = 2 } };

    gos_audit_hash_cells(GOS_AUDIT_GENESIS_HASH, x, 2, h);
    ck_assert_str_eq(h, "0993a041755982c00b6d764db1659eb613f0121c505d549b7421082ba694e930");
    gos_audit_hash_cells(GOS_AUDIT_GENESIS_HASH, mixed, 3, h);
    ck_assert_str_eq(h, "4a2006363db8299df3ec7717aa132c8dc8b6ff4446560fef1822952593582ab5");
    gos_audit_hash_cells("1111", big, 3, h);
    ck_assert_str_eq(h, "6188173eae2f4971ffe2077cb102e963df39b1c7db9829a31500a59e236f7b89");
    g_free(long_text);
}
END_TEST

static gos_audit *chain_of(int n)
{
    gos_audit *a = open_ok(dbpath);

    for (int i = 1; i <= n; i++) {
        char id[16];
        gos_audit_event e;

        g_snprintf(id, sizeof id, "c%d", (i + 1) / 2);
        e = ev_make(i % 2 ? GOS_AUDIT_SUBMITTED : GOS_AUDIT_COMPLETED, id);
        e.ts_ms = 1000 * i;
        e.message = i % 2 ? NULL : "done";
        e.task_result = i % 2 ? GOS_RESULT_NONE : 0;
        ck_assert_int_eq(add(a, &e), i);
    }
    return a;
}

START_TEST(test_verify_ok)
{
    gos_audit *a = open_ok(dbpath);
    gos_audit_verify_report r = verify(a);
    char *last;

    ck_assert(r.ok);
    ck_assert_int_eq(r.rows, 0);
    ck_assert_int_eq(r.first_bad_id, 0);
    ck_assert_ptr_null(r.reason);
    ck_assert_str_eq(r.head, "");
    gos_audit_free(a);
    a = chain_of(10);
    r = verify(a);
    ck_assert(r.ok);
    ck_assert_int_eq(r.rows, 10);
    ck_assert_ptr_null(r.reason);
    last = raw_text(gos_audit_priv_db(a), "SELECT hash FROM events WHERE id = 10");
    ck_assert_str_eq(r.head, last);
    g_free(last);
    gos_audit_free(a);
}
END_TEST

START_TEST(test_triggers_refuse_update_delete)
{
    gos_audit *a = chain_of(4);
    sqlite3 *db = raw_open(dbpath);
    char *msg = NULL;

    ck_assert_int_eq(sqlite3_exec(db, "UPDATE events SET message = 'x' WHERE id = 2", NULL, NULL, &msg),
                     SQLITE_CONSTRAINT);
    ck_assert_ptr_nonnull(strstr(msg, "append-only"));
    sqlite3_free(msg);
    msg = NULL;
    ck_assert_int_eq(sqlite3_exec(db, "DELETE FROM events WHERE id = 2", NULL, NULL, &msg),
                     SQLITE_CONSTRAINT);
    sqlite3_free(msg);
    ck_assert_int_eq(sqlite3_exec(db, "DELETE FROM events", NULL, NULL, NULL), SQLITE_CONSTRAINT);
    ck_assert_int_eq(raw_int(db, "SELECT count(*) FROM events"), 4);
    ck_assert_int_eq(raw_int(db, "SELECT message = 'done' FROM events WHERE id = 2"), 1);
    sqlite3_close(db);
    ck_assert(verify(a).ok);
    gos_audit_free(a);
}
END_TEST

START_TEST(test_verify_detects_altered_field)
{
    gos_audit *a = chain_of(10);
    sqlite3 *db = raw_open(dbpath);
    gos_audit_verify_report r;

    drop_triggers(db);
    raw_exec(db, "UPDATE events SET message = 'all fine' WHERE id = 6");
    r = verify(a);
    ck_assert(!r.ok);
    ck_assert_int_eq(r.first_bad_id, 6);
    ck_assert_ptr_nonnull(strstr(r.reason, "altered"));
    ck_assert_int_eq(r.rows, 6);
    ck_assert_uint_eq(strlen(r.head), 64);
    free(r.reason);

    /* NULL and "" are different values. */
    raw_exec(db, "UPDATE events SET message = 'done' WHERE id = 6");
    ck_assert(verify(a).ok);
    raw_exec(db, "UPDATE events SET op_ssh = '' WHERE id = 3");
    r = verify(a);
    ck_assert(!r.ok);
    ck_assert_int_eq(r.first_bad_id, 3);
    free(r.reason);
    raw_exec(db, "UPDATE events SET op_ssh = NULL WHERE id = 3");
    ck_assert(verify(a).ok);

    /* A changed HRESULT, and a hash replaced by one for the new content only. */
    raw_exec(db, "UPDATE events SET task_result = 2 WHERE id = 8");
    r = verify(a);
    ck_assert_int_eq(r.first_bad_id, 8);
    free(r.reason);
    {
        char h[65], *sql;

        ck_assert_int_eq(gos_audit_priv_row_hash(db, 8, h), 0);
        sql = sqlite3_mprintf("UPDATE events SET hash = %Q WHERE id = 8", h);
        raw_exec(db, sql);
        sqlite3_free(sql);
    }
    r = verify(a);
    ck_assert(!r.ok);
    ck_assert_int_eq(r.first_bad_id, 9);        /* the next row no longer links */
    free(r.reason);
    sqlite3_close(db);
    gos_audit_free(a);
}
END_TEST

START_TEST(test_verify_detects_deleted_rows)
{
    gos_audit *a = chain_of(10);
    sqlite3 *db = raw_open(dbpath);
    gos_audit_verify_report r;

    drop_triggers(db);
    raw_exec(db, "DELETE FROM events WHERE id = 5");
    r = verify(a);
    ck_assert(!r.ok);
    ck_assert_int_eq(r.first_bad_id, 5);
    ck_assert_ptr_nonnull(strstr(r.reason, "missing"));
    free(r.reason);
    raw_exec(db, "DELETE FROM events WHERE id IN (6, 7)");
    r = verify(a);
    ck_assert_int_eq(r.first_bad_id, 5);
    ck_assert_ptr_nonnull(strstr(r.reason, "5 to 7"));
    free(r.reason);
    /* The first row. */
    raw_exec(db, "DELETE FROM events WHERE id = 1");
    r = verify(a);
    ck_assert_int_eq(r.first_bad_id, 1);
    ck_assert_ptr_nonnull(strstr(r.reason, "missing"));
    free(r.reason);
    sqlite3_close(db);
    gos_audit_free(a);
}
END_TEST

/* Moves rows >= from up by one id, leaving a hole at `from`. */
static void open_hole(sqlite3 *db, int from)
{
    char *sql = sqlite3_mprintf("UPDATE events SET id = -id WHERE id >= %d;"
                                "UPDATE events SET id = -id + 1 WHERE id < 0;", from);

    raw_exec(db, sql);
    sqlite3_free(sql);
}

START_TEST(test_verify_detects_inserted_row)
{
    gos_audit *a = chain_of(10);
    sqlite3 *db = raw_open(dbpath);
    gos_audit_verify_report r;
    char h[65], *sql;

    drop_triggers(db);
    open_hole(db, 6);
    /* A forged event 6 that links to 5 and carries a correct hash of its own:
     * an attacker who knows the algorithm. */
    raw_exec(db, "INSERT INTO events SELECT 6, kind, task_id, ts_ms, op_uid, 'mallory', op_tty, op_ssh,"
                 " op_pid, op_node, origin, host, vm_uuid, vm_name, action, phase, percent, call_hr,"
                 " call_hr_hex, task_result, task_error, task_error_hex, virt_code, 'forged', users_before,"
                 " users_after, hash, 'x', users_format FROM events WHERE id = 5");
    ck_assert_int_eq(gos_audit_priv_row_hash(db, 6, h), 0);
    sql = sqlite3_mprintf("UPDATE events SET hash = %Q WHERE id = 6", h);
    raw_exec(db, sql);
    sqlite3_free(sql);

    r = verify(a);
    ck_assert(!r.ok);
    ck_assert_int_eq(r.first_bad_id, 6);
    ck_assert_ptr_nonnull(strstr(r.reason, "inserted"));
    ck_assert_int_eq(r.rows, 7);
    free(r.reason);

    /* A clumsy forgery (wrong hash) is caught at the row itself. */
    raw_exec(db, "UPDATE events SET hash = 'abc' WHERE id = 6");
    r = verify(a);
    ck_assert(!r.ok);
    ck_assert_int_eq(r.first_bad_id, 6);
    free(r.reason);
    sqlite3_close(db);
    gos_audit_free(a);
}
END_TEST

START_TEST(test_verify_detects_reordered_rows)
{
    gos_audit *a = chain_of(10);
    sqlite3 *db = raw_open(dbpath);
    gos_audit_verify_report r;

    drop_triggers(db);
    raw_exec(db, "UPDATE events SET id = -1 WHERE id = 4;"
                 "UPDATE events SET id = 4 WHERE id = 5;"
                 "UPDATE events SET id = 5 WHERE id = -1;");
    r = verify(a);
    ck_assert(!r.ok);
    ck_assert_int_eq(r.first_bad_id, 4);
    ck_assert_ptr_nonnull(strstr(r.reason, "out of order"));
    free(r.reason);
    /* Swap back: the chain is whole again. */
    raw_exec(db, "UPDATE events SET id = -1 WHERE id = 4;"
                 "UPDATE events SET id = 4 WHERE id = 5;"
                 "UPDATE events SET id = 5 WHERE id = -1;");
    ck_assert(verify(a).ok);
    /* Far apart. */
    raw_exec(db, "UPDATE events SET id = -1 WHERE id = 2;"
                 "UPDATE events SET id = 2 WHERE id = 9;"
                 "UPDATE events SET id = 9 WHERE id = -1;");
    r = verify(a);
    ck_assert_int_eq(r.first_bad_id, 2);
    ck_assert_ptr_nonnull(strstr(r.reason, "out of order"));
    free(r.reason);
    sqlite3_close(db);
    gos_audit_free(a);
}
END_TEST

/* --- concurrency and crashes --- */

static void append_many(const char *path, const char *prefix, int n)
{
    gos_audit *a = NULL;
    char *err = NULL;

    if (gos_audit_open(path, &a, &err) != 0) {
        fprintf(stderr, "child open: %s\n", err);
        _exit(2);
    }
    for (int i = 0; i < n; i++) {
        char id[32];
        gos_audit_event e;

        g_snprintf(id, sizeof id, "%s-%d", prefix, i / 4);
        e = ev_make(i % 4 == 0 ? GOS_AUDIT_SUBMITTED : i % 4 == 3 ? GOS_AUDIT_COMPLETED
                                                                   : GOS_AUDIT_PROGRESS, id);
        e.op_pid = getpid();
        e.percent = (i % 4) * 30;
        if (gos_audit_append(a, &e, NULL, &err) != 0) {
            fprintf(stderr, "child append: %s\n", err);
            _exit(3);
        }
    }
    gos_audit_free(a);
}

START_TEST(test_concurrent_writers)
{
    const char *prefixes[2] = { "A", "B" };
    pid_t kids[2];
    gos_audit *a;
    gos_audit_verify_report r;
    sqlite3 *db;

    gos_audit_free(open_ok(dbpath));       /* migrate once so the race is on appends */
    for (int i = 0; i < 2; i++) {
        kids[i] = fork();
        ck_assert_int_ge(kids[i], 0);
        if (kids[i] == 0) {
            append_many(dbpath, prefixes[i], 200);
            _exit(0);
        }
    }
    for (int i = 0; i < 2; i++) {
        int status;

        ck_assert_int_eq(waitpid(kids[i], &status, 0), kids[i]);
        ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child %d: %d", i, status);
    }
    a = open_ok(dbpath);
    r = verify(a);
    ck_assert_msg(r.ok, "%s", r.reason);
    ck_assert_int_eq(r.rows, 400);
    db = gos_audit_priv_db(a);
    ck_assert_int_eq(raw_int(db, "SELECT count(*) FROM events"), 400);
    ck_assert_int_eq(raw_int(db, "SELECT max(id) - min(id) + 1 FROM events"), 400);
    ck_assert_int_eq(raw_int(db, "SELECT count(*) FROM tasks"), 100);
    ck_assert_int_eq(raw_int(db, "SELECT count(*) FROM tasks WHERE end_kind = 'completed'"), 100);
    /* The two really did interleave. */
    ck_assert_int_gt(raw_int(db, "SELECT count(*) FROM events e JOIN events f ON f.id = e.id + 1"
                                 " WHERE substr(e.task_id, 1, 1) <> substr(f.task_id, 1, 1)"), 0);
    gos_audit_free(a);
}
END_TEST

typedef struct {
    gos_audit *a;
    int n;
    char prefix[8];
} thread_arg;

/* A busy guestos: four worker threads appending on one handle until stop_at. */
typedef struct {
    gos_audit *a;
    gint64 stop_at;
    int n;
} burst;

static gpointer burst_thread(gpointer p)
{
    burst *b = p;
    char *err = NULL;

    while (g_get_monotonic_time() < b->stop_at) {
        gos_audit_event e = ev_make(GOS_AUDIT_PROGRESS, "busy");

        e.op_pid = getpid();
        if (gos_audit_append(b->a, &e, NULL, &err) != 0) {
            fprintf(stderr, "busy append: %s\n", err);
            _exit(3);
        }
        g_atomic_int_inc(&b->n);
    }
    return NULL;
}

/*
 * A second guestos gets its turn while another runs a burst: with SQLite's
 * own busy timeout (which sleeps up to 100 ms between tries) it hardly ever
 * caught the lock between the busy one's appends and failed after the
 * timeout. Here the quiet one must get all its events in with a timeout of
 * one second while the busy one appends for three.
 */
START_TEST(test_fair_writers)
{
    pid_t busy, quiet;
    int status;

    gos_audit_free(open_ok(dbpath));
    busy = fork();
    ck_assert_int_ge(busy, 0);
    if (busy == 0) {
        burst b = { .stop_at = g_get_monotonic_time() + 3000000 };
        GThread *t[4];
        char *err = NULL;

        if (gos_audit_open(dbpath, &b.a, &err) != 0)
            _exit(2);
        for (int i = 0; i < 4; i++)
            t[i] = g_thread_new("burst", burst_thread, &b);
        for (int i = 0; i < 4; i++)
            g_thread_join(t[i]);
        gos_audit_free(b.a);
        _exit(b.n > 0 ? 0 : 4);
    }
    g_usleep(500000);   /* the burst is under way */
    quiet = fork();
    ck_assert_int_ge(quiet, 0);
    if (quiet == 0) {
        gos_audit *a = NULL;
        char *err = NULL;

        if (gos_audit_open(dbpath, &a, &err) != 0)
            _exit(2);
        gos_audit_set_busy_timeout(a, 1000);
        for (int i = 0; i < 40; i++) {
            gos_audit_event e = ev_make(GOS_AUDIT_PROGRESS, "quiet");

            e.op_pid = getpid();
            if (gos_audit_append(a, &e, NULL, &err) != 0) {
                fprintf(stderr, "quiet append %d: %s\n", i, err);
                _exit(3);
            }
        }
        gos_audit_free(a);
        _exit(0);
    }
    ck_assert_int_eq(waitpid(quiet, &status, 0), quiet);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the quiet writer: %d", status);
    ck_assert_int_eq(waitpid(busy, &status, 0), busy);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the busy writer: %d", status);
    {
        gos_audit *a = open_ok(dbpath);
        sqlite3 *db = gos_audit_priv_db(a);

        ck_assert_int_eq(raw_int(db, "SELECT count(*) FROM events WHERE task_id = 'quiet'"), 40);
        /* It got them in during the burst, not after it. */
        ck_assert_int_lt(raw_int(db, "SELECT max(id) FROM events WHERE task_id = 'quiet'"),
                         raw_int(db, "SELECT max(id) FROM events WHERE task_id = 'busy'"));
        ck_assert(verify(a).ok);
        gos_audit_free(a);
    }
}
END_TEST

static gpointer thread_append(gpointer p)
{
    thread_arg *t = p;

    for (int i = 0; i < t->n; i++) {
        char id[32];
        gos_audit_event e;

        g_snprintf(id, sizeof id, "%s-%d", t->prefix, i);
        e = ev_make(GOS_AUDIT_SUBMITTED, id);
        if (gos_audit_append(t->a, &e, NULL, NULL) != 0)
            return GINT_TO_POINTER(1);
    }
    return NULL;
}

START_TEST(test_concurrent_threads)
{
    gos_audit *a = open_ok(dbpath);
    thread_arg args[4];
    GThread *th[4];
    gos_audit_verify_report r;

    for (int i = 0; i < 4; i++) {
        args[i].a = a;
        args[i].n = 50;
        g_snprintf(args[i].prefix, sizeof args[i].prefix, "T%d", i);
        th[i] = g_thread_new("append", thread_append, &args[i]);
    }
    for (int i = 0; i < 4; i++)
        ck_assert_ptr_null(g_thread_join(th[i]));
    r = verify(a);
    ck_assert(r.ok);
    ck_assert_int_eq(r.rows, 200);
    gos_audit_free(a);
}
END_TEST

START_TEST(test_two_handles_one_chain)
{
    char *other = g_build_filename(tmpdir, "other.db", NULL);
    gos_audit *a = open_ok(dbpath), *b = open_ok(dbpath);

    for (int i = 0; i < 20; i++) {
        gos_audit_event e = ev_make(GOS_AUDIT_SUBMITTED, i % 2 ? "x" : "y");

        ck_assert_int_eq(add(i % 2 ? a : b, &e), i + 1);
    }
    ck_assert(verify(a).ok);
    ck_assert(verify(b).ok);
    ck_assert_int_eq(verify(a).rows, 20);
    gos_audit_free(a);
    gos_audit_free(b);
    g_free(other);
}
END_TEST

START_TEST(test_sigkill_mid_append)
{
    int64_t last = 0;

    gos_audit_free(open_ok(dbpath));
    for (int round = 0; round < 4; round++) {
        pid_t pid = fork();
        sqlite3 *db;
        char *check;
        gos_audit *a;
        gos_audit_verify_report r;
        int status;

        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
            append_many(dbpath, round % 2 ? "K" : "L", 1000000);
            _exit(0);
        }
        /* Wait until it is busy appending, then kill it at an arbitrary moment. */
        db = raw_open(dbpath);
        for (int spin = 0; spin < 2000 && raw_int(db, "SELECT count(*) FROM events") < last + 20; spin++)
            g_usleep(5000);
        sqlite3_close(db);
        g_usleep(g_random_int_range(0, 20000));
        ck_assert_int_eq(kill(pid, SIGKILL), 0);
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

        db = raw_open(dbpath);
        check = raw_text(db, "PRAGMA integrity_check");
        ck_assert_str_eq(check, "ok");
        g_free(check);
        sqlite3_close(db);
        a = open_ok(dbpath);
        r = verify(a);
        ck_assert_msg(r.ok, "round %d: %s", round, r.reason);
        ck_assert_int_ge(r.rows, last + 20);
        last = r.rows;
        gos_audit_free(a);
    }
}
END_TEST

/* --- recovery --- */

static pid_t dead_pid(void)
{
    pid_t pid = fork();
    int status;

    ck_assert_int_ge(pid, 0);
    if (pid == 0)
        _exit(0);
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    return pid;
}

START_TEST(test_recover)
{
    gos_audit *a = open_ok(dbpath);
    GPtrArray *pool = g_ptr_array_new_with_free_func(g_free);
    pid_t dead = dead_pid(), live = fork();
    gos_audit_event e, who = { .op_uid = 2000, .op_user = "bob", .origin = "cli", .op_tty = "pts/9" };
    gos_audit_task t;
    char *err = NULL, *json, *s;
    int count = -1, status;

    ck_assert_int_ge(live, 0);
    if (live == 0) {
        pause();
        _exit(0);
    }
    /* r-dead: started by a process that is gone. */
    e = ev_make(GOS_AUDIT_SUBMITTED, "r-dead");
    e.ts_ms = 1000;
    e.op_pid = dead;
    add(a, &e);
    e.kind = GOS_AUDIT_STARTED;
    e.phase = "logoff";
    e.percent = 40;
    add(a, &e);
    /* r-live: started by a process that still runs (another operator). */
    e = ev_make(GOS_AUDIT_STARTED, "r-live");
    e.ts_ms = 2000;
    e.op_pid = live;
    add(a, &e);
    /* r-queued: submitted by the dead process, never started: it never will, and
     * nothing was done in the guest. */
    e = ev_make(GOS_AUDIT_SUBMITTED, "r-queued");
    e.op_pid = dead;
    add(a, &e);
    /* r-done: started and completed by the dead process. */
    e = ev_make(GOS_AUDIT_STARTED, "r-done");
    e.op_pid = dead;
    add(a, &e);
    e.kind = GOS_AUDIT_COMPLETED;
    e.task_result = 0;
    add(a, &e);
    /* r-self: started by this very process. */
    e = ev_make(GOS_AUDIT_STARTED, "r-self");
    add(a, &e);

    ck_assert_int_eq(gos_audit_recover(a, &who, &count, &err), 0);
    ck_assert_int_eq(count, 2);
    t = get_task(a, "r-dead", pool);
    ck_assert_int_eq(t.task_result, GOS_RESULT_INTERRUPTED);
    ck_assert_int_gt(t.ended_at, 0);
    ck_assert_ptr_nonnull(strstr(t.message, "interrupted"));
    ck_assert_str_eq(t.op_user, "alice");      /* the task is still alice's */
    ck_assert_str_eq(t.phase, "logoff");
    ck_assert_int_eq(raw_int(gos_audit_priv_db(a),
                             "SELECT count(*) FROM events WHERE kind = 'interrupted' AND task_id = 'r-dead'"
                             " AND op_user = 'bob' AND origin = 'cli' AND task_result = -2 AND vm_name = 'web1'"),
                     1);
    t = get_task(a, "r-live", pool);
    ck_assert_int_eq(t.task_result, GOS_RESULT_NONE);
    ck_assert_int_eq(t.ended_at, 0);
    t = get_task(a, "r-queued", pool);
    ck_assert_int_eq(t.task_result, GOS_RESULT_INTERRUPTED);
    ck_assert_int_gt(t.ended_at, 0);
    ck_assert_ptr_nonnull(strstr(t.message, "before it started"));
    ck_assert_int_eq(get_task(a, "r-done", pool).task_result, 0);
    ck_assert_int_eq(get_task(a, "r-self", pool).ended_at, 0);

    /* Nothing more to do the second time. */
    ck_assert_int_eq(gos_audit_recover(a, NULL, &count, &err), 0);
    ck_assert_int_eq(count, 0);

    /* The live owner dies: now it is recovered. */
    kill(live, SIGKILL);
    ck_assert_int_eq(waitpid(live, &status, 0), live);
    ck_assert_int_eq(gos_audit_recover(a, NULL, &count, &err), 0);
    ck_assert_int_eq(count, 1);
    ck_assert_int_eq(get_task(a, "r-live", pool).task_result, GOS_RESULT_INTERRUPTED);

    json = export_str(a, NULL, GOS_AUDIT_JSON);
    s = strstr(json, "\"task_id\": \"r-dead\"");
    ck_assert_ptr_nonnull(s);
    ck_assert_ptr_nonnull(strstr(s, "\"task_result\": \"Interrupted\""));
    ck_assert(verify(a).ok);
    free(json);
    g_ptr_array_unref(pool);
    gos_audit_free(a);
}
END_TEST

/* --- failure modes --- */

START_TEST(test_disk_full)
{
    gos_audit *a = chain_of(10);
    sqlite3 *db = gos_audit_priv_db(a);
    char big[4000], *err = NULL, *pragma;
    int64_t pages = raw_int(db, "PRAGMA page_count"), id = -5;
    int i, failed = 0, ok = 0;
    gos_audit_verify_report r;

    memset(big, 'm', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    pragma = g_strdup_printf("PRAGMA max_page_count = %lld", (long long)pages + 4);
    raw_exec(db, pragma);
    g_free(pragma);
    for (i = 0; i < 200 && !failed; i++) {
        gos_audit_event e = ev_make(GOS_AUDIT_PROGRESS, "c1");

        e.message = big;
        if (gos_audit_append(a, &e, &id, &err) == 0)
            ok++;
        else
            failed = 1;
    }
    ck_assert_msg(failed, "the store never filled up");
    ck_assert_ptr_nonnull(strstr(err, "full"));
    free(err);
    ck_assert_int_eq(id, 10 + ok);             /* not written on failure */
    r = verify(a);
    ck_assert(r.ok);
    ck_assert_int_eq(r.rows, 10 + ok);
    gos_audit_free(a);

    /* Room again: appends carry on the same chain. */
    a = open_ok(dbpath);
    {
        gos_audit_event e = ev_make(GOS_AUDIT_COMPLETED, "c1");

        ck_assert_int_eq(add(a, &e), 11 + ok);
    }
    ck_assert(verify(a).ok);
    gos_audit_free(a);
}
END_TEST

START_TEST(test_locked_past_timeout)
{
    gos_audit *a = chain_of(3);
    sqlite3 *db = raw_open(dbpath);
    gos_audit_event e = ev_make(GOS_AUDIT_SUBMITTED, "late");
    char *err = NULL;
    int64_t t0;

    gos_audit_set_busy_timeout(a, 200);
    raw_exec(db, "BEGIN IMMEDIATE");
    t0 = g_get_monotonic_time();
    ck_assert_int_eq(gos_audit_append(a, &e, NULL, &err), -1);
    ck_assert_int_ge(g_get_monotonic_time() - t0, 150000);
    ck_assert_ptr_nonnull(strstr(err, "locked"));
    free(err);
    raw_exec(db, "ROLLBACK");
    sqlite3_close(db);
    ck_assert_int_eq(add(a, &e), 4);
    ck_assert(verify(a).ok);
    gos_audit_free(a);
}
END_TEST

/* --- export --- */

static void add_hostile(gos_audit *a)
{
    gos_audit_event e = ev_make(GOS_AUDIT_SUBMITTED, "t1");

    e.ts_ms = 1700000000123;
    e.host = "h,1";
    e.vm_uuid = NULL;
    e.vm_name = "=HYPERLINK(\"http://x\")";
    e.op_user = "a\"b";
    e.op_uid = 7;
    e.op_tty = NULL;
    e.origin = "+cli";
    e.phase = "-x";
    e.percent = 5;
    e.has_call_hr = true;
    e.call_hr = 0xA0040505u;
    e.message = "line1\r\nline2";
    e.users_before = (const char *const[]){ "@SUM(1)", "x", NULL };
    add(a, &e);
}

START_TEST(test_export_csv_hostile)
{
    gos_audit *a = open_ok(dbpath);
    char *csv;
    const char *expect =
        "task_id,submitted_at,ended_at,host,vm_uuid,vm_name,action,operator,operator_uid,"
        "tty,ssh,origin,phase,percent,call_hresult,call_hresult_name,task_result,"
        "task_error,task_error_name,virt_code,message,users_before,users_after\r\n"
        "t1,2023-11-14T22:13:20.123Z,,\"h,1\",,\"'=HYPERLINK(\"\"http://x\"\")\",logoff,\"a\"\"b\",7,"
        ",,'+cli,'-x,5,0xA0040505,VM_E_ADDITIONS_FEATURE_NOT_AVAIL,,"
        ",,,line1??line2,\"[\"\"@SUM(1)\"\",\"\"x\"\"]\",\r\n";

    add_hostile(a);
    csv = export_str(a, NULL, GOS_AUDIT_CSV);
    ck_assert_str_eq(csv, expect);
    free(csv);

    /* Formulas behind spaces a spreadsheet may trim, and fullwidth signs, are
     * neutralized too; a sign inside a cell, or a dash after a word, is data. */
    {
        static const struct { const char *vm, *cell; } cases[] = {
            { " =1+1", "' =1+1" },
            { "\xc2\xa0 +1", "'\xc2\xa0 +1" },
            { "\xe3\x80\x80@x", "'\xe3\x80\x80@x" },
            { "\xef\xbc\x9dSUM(1)", "'\xef\xbc\x9dSUM(1)" },
            { "\xef\xbc\x8d" "1", "'\xef\xbc\x8d" "1" },
            { " web 1", " web 1" },
            { "web-1", "web-1" },
            { "a=b", "a=b" },
            { "\xc3\xa9t\xc3\xa9", "\xc3\xa9t\xc3\xa9" },
        };
        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
            gos_audit_event e = ev_make(GOS_AUDIT_SUBMITTED, "w");
            char task[16], *want;
            gos_audit_filter f = { 0 };

            g_snprintf(task, sizeof task, "w%zu", i);
            e.task_id = task;
            e.vm_name = cases[i].vm;
            add(a, &e);
            f.vm = cases[i].vm;
            csv = export_str(a, &f, GOS_AUDIT_CSV);
            want = g_strdup_printf(",%s,logoff,", cases[i].cell);
            ck_assert_msg(strstr(csv, want), "case %zu: %s", i, csv);
            g_free(want);
            free(csv);
        }
    }

    /* No tasks: the header alone. */
    {
        gos_audit_filter f = { .vm = "none" };

        csv = export_str(a, &f, GOS_AUDIT_CSV);
        ck_assert_ptr_nonnull(strstr(csv, "users_after\r\n"));
        ck_assert_uint_eq(strlen(strstr(csv, "users_after\r\n")), strlen("users_after\r\n"));
        free(csv);
    }
    gos_audit_free(a);
}
END_TEST

static const char *json_str(json_object *o, const char *key)
{
    json_object *v = NULL;

    ck_assert_msg(json_object_object_get_ex(o, key, &v), "no key %s", key);
    return v ? json_object_get_string(v) : NULL;
}

static bool json_is_null(json_object *o, const char *key)
{
    json_object *v = (json_object *)1;

    ck_assert_msg(json_object_object_get_ex(o, key, &v), "no key %s", key);
    return v == NULL;
}

START_TEST(test_export_json_escaping)
{
    gos_audit *a = open_ok(dbpath);
    gos_audit_event e = ev_make(GOS_AUDIT_SUBMITTED, "j1");
    const char *nasty = "a\x01" "b\x1f\x7f\t\n\"\\ \xC3\xBC\xE2\x82\xAC\xF0\x9F\x98\x80 \xE2\x80\xA8 \xFF end";
    const char *decoded = "a\x01" "b\x1f\x7f\t\n\"\\ \xC3\xBC\xE2\x82\xAC\xF0\x9F\x98\x80 \xE2\x80\xA8 \xEF\xBF\xBD end";
    char *json;
    json_object *root, *o, *users;

    e.ts_ms = 1700000000123;
    e.message = nasty;
    e.users_before = (const char *const[]){ "alice", "b\"ob", NULL };
    e.users_after = (const char *const[]){ NULL };
    e.has_call_hr = true;
    e.call_hr = 0xA0040505u;
    add(a, &e);
    e.kind = GOS_AUDIT_COMPLETED;
    e.ts_ms = 1700000001000;
    e.task_result = 0;
    e.has_task_error = true;
    e.task_error = 0x80070520u;
    add(a, &e);
    e = ev_make(GOS_AUDIT_SUBMITTED, "j2");
    e.ts_ms = 1700000002000;
    add(a, &e);

    json = export_str(a, NULL, GOS_AUDIT_JSON);
    ck_assert_ptr_nonnull(strstr(json, "a\\u0001b\\u001f\\u007f\\t\\n\\\"\\\\ "));
    ck_assert_ptr_nonnull(strstr(json, "\xC3\xBC\xE2\x82\xAC\xF0\x9F\x98\x80"));   /* raw UTF-8 */
    ck_assert_ptr_nonnull(strstr(json, "\\u2028"));
    ck_assert_ptr_nonnull(strstr(json, "\xEF\xBF\xBD end"));             /* not UTF-8: U+FFFD */
    ck_assert_ptr_null(strchr(json, '\x01'));

    root = json_tokener_parse(json);
    ck_assert_msg(root != NULL, "invalid JSON: %s", json);
    ck_assert(json_object_is_type(root, json_type_array));
    ck_assert_uint_eq(json_object_array_length(root), 2);
    o = json_object_array_get_idx(root, 0);                /* oldest first */
    ck_assert_str_eq(json_str(o, "task_id"), "j1");
    ck_assert_str_eq(json_str(o, "message"), decoded);
    ck_assert_str_eq(json_str(o, "host"), "test:///default");
    ck_assert_str_eq(json_str(o, "vm_uuid"), UUID1);
    ck_assert_str_eq(json_str(o, "vm_name"), "web1");
    ck_assert_str_eq(json_str(o, "action"), "logoff");
    ck_assert_str_eq(json_str(o, "operator"), "alice");
    ck_assert_str_eq(json_str(o, "origin"), "interactive");
    ck_assert_str_eq(json_str(o, "submitted_at"), "2023-11-14T22:13:20.123Z");
    ck_assert_str_eq(json_str(o, "ended_at"), "2023-11-14T22:13:21.000Z");
    ck_assert_str_eq(json_str(o, "call_hresult"), "0xA0040505");
    ck_assert_str_eq(json_str(o, "call_hresult_name"), "VM_E_ADDITIONS_FEATURE_NOT_AVAIL");
    ck_assert_str_eq(json_str(o, "task_result"), "Success");
    ck_assert_str_eq(json_str(o, "task_error"), "0x80070520");
    ck_assert_str_eq(json_str(o, "task_error_name"), "HRESULT_FROM_WIN32(ERROR_NO_SUCH_LOGON_SESSION)");
    ck_assert(json_object_object_get_ex(o, "users_before", &users));
    ck_assert_uint_eq(json_object_array_length(users), 2);
    ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(users, 1)), "b\"ob");
    ck_assert(json_object_object_get_ex(o, "users_after", &users));
    ck_assert(json_object_is_type(users, json_type_array));
    ck_assert_uint_eq(json_object_array_length(users), 0);

    o = json_object_array_get_idx(root, 1);
    ck_assert_str_eq(json_str(o, "task_id"), "j2");
    ck_assert(json_is_null(o, "ended_at"));
    ck_assert(json_is_null(o, "task_result"));
    ck_assert(json_is_null(o, "call_hresult"));
    ck_assert(json_is_null(o, "task_error"));
    ck_assert(json_is_null(o, "users_before"));
    ck_assert(json_is_null(o, "message"));
    json_object_put(root);
    free(json);

    /* Empty: still an array. */
    {
        gos_audit_filter f = { .vm = "none" };

        json = export_str(a, &f, GOS_AUDIT_JSON);
        ck_assert_str_eq(json, "[]\n");
        free(json);
    }
    gos_audit_free(a);
}
END_TEST

/* One object serves every task of an export: values that change type or length
 * from one task to the next come out as each task has them. */
START_TEST(test_export_json_rows)
{
    gos_audit *a = open_ok(dbpath);
    static const char *const messages[] = { "a rather long message to begin with", "", NULL, "x", "" };
    static const char *const vms[] = { "web1", NULL, "db1", "mail", NULL };
    json_object *root;
    char *json;

    for (int i = 0; i < 5; i++) {
        char id[8];
        gos_audit_event e;

        g_snprintf(id, sizeof id, "r%d", i);
        e = ev_make(GOS_AUDIT_SUBMITTED, id);
        e.ts_ms = 1700000000000 + i;
        e.message = messages[i];
        e.vm_name = vms[i];
        e.percent = i % 2 ? -1 : 10 * i;
        e.has_call_hr = i != 2;
        e.call_hr = i == 3 ? 0xA0040505u : 0;
        add(a, &e);
    }
    json = export_str(a, NULL, GOS_AUDIT_JSON);
    root = json_tokener_parse(json);
    ck_assert_msg(root != NULL, "invalid JSON: %s", json);
    ck_assert_uint_eq(json_object_array_length(root), 5);
    for (int i = 0; i < 5; i++) {
        json_object *o = json_object_array_get_idx(root, i), *v;
        char id[8];

        g_snprintf(id, sizeof id, "r%d", i);
        ck_assert_str_eq(json_str(o, "task_id"), id);
        if (messages[i])
            ck_assert_str_eq(json_str(o, "message"), messages[i]);
        else
            ck_assert(json_is_null(o, "message"));
        if (vms[i])
            ck_assert_str_eq(json_str(o, "vm_name"), vms[i]);
        else
            ck_assert(json_is_null(o, "vm_name"));
        ck_assert(json_object_object_get_ex(o, "percent", &v));
        if (i % 2)
            ck_assert_ptr_null(v);
        else
            ck_assert_int_eq(json_object_get_int(v), 10 * i);
        if (i == 2)
            ck_assert(json_is_null(o, "call_hresult") && json_is_null(o, "call_hresult_name"));
        else
            ck_assert_str_eq(json_str(o, "call_hresult"), i == 3 ? "0xA0040505" : "0x00000000");
        ck_assert_int_eq(json_object_object_length(o), 24);
    }
    /* The keys in the documented order, one object a line, as scripts read them. */
    ck_assert_ptr_nonnull(strstr(json, "[\n  { \"task_id\": \"r0\", \"host\": \"test:///default\", \"vm_uuid\": "));
    ck_assert_ptr_nonnull(strstr(json, " }\n]\n"));
    json_object_put(root);
    free(json);
    gos_audit_free(a);
}
END_TEST

START_TEST(test_export_table)
{
    gos_audit *a = open_ok(dbpath);
    gos_audit_event e = ev_make(GOS_AUDIT_SUBMITTED, "0123456789abcdef");
    char *table, *row, *nl;
    const char *hdr_sub, *row_sub;

    e.ts_ms = 1700000000123;
    e.vm_name = "evil\x1b[31mvm";
    e.message = "bad \xE2\x80\xAE" "txet and\ttab";     /* U+202E reverses text on a terminal */
    e.has_call_hr = true;
    e.call_hr = 0xA0040505u;
    add(a, &e);
    e.kind = GOS_AUDIT_INTERRUPTED;
    e.task_result = GOS_RESULT_INTERRUPTED;
    add(a, &e);

    table = export_str(a, NULL, GOS_AUDIT_TABLE);
    ck_assert_ptr_null(strchr(table, '\x1b'));
    ck_assert_ptr_null(strstr(table, "\xE2\x80\xAE"));
    ck_assert_ptr_null(strchr(table, '\t'));
    nl = strchr(table, '\n');
    ck_assert_ptr_nonnull(nl);
    row = nl + 1;
    ck_assert(g_str_has_prefix(table, "TASK "));
    ck_assert(g_str_has_prefix(row, "01234567  2023-11-14T22:13:20Z  test:///default"));
    /* Columns line up with the header. */
    hdr_sub = strstr(table, "SUBMITTED");
    row_sub = strstr(row, "2023-11-14");
    ck_assert_int_eq(hdr_sub - table, row_sub - row);
    ck_assert_int_eq(strstr(table, "RESULT") - table, strstr(row, "Interrupted") - row);
    ck_assert_ptr_nonnull(strstr(row, "evil?[31mvm"));
    ck_assert_ptr_nonnull(strstr(row, "0xA0040505 VM_E_ADDITIONS_FEATURE_NOT_AVAIL"));
    ck_assert_ptr_nonnull(strstr(row, "bad ?txet and?tab"));
    ck_assert_ptr_nonnull(strchr(row, '\n'));
    ck_assert_str_eq(strchr(row, '\n'), "\n");                /* header and one row */
    free(table);
    gos_audit_free(a);
}
END_TEST

START_TEST(test_export_order_and_filter)
{
    gos_audit *a = open_ok(dbpath);
    gos_audit_filter f = { .op_user = "bob" };
    char *csv, *p2, *p3;

    add_filter_fixture(a);
    csv = export_str(a, &f, GOS_AUDIT_CSV);
    p2 = strstr(csv, "\r\nf2,");
    p3 = strstr(csv, "\r\nf3,");
    ck_assert_ptr_nonnull(p2);
    ck_assert_ptr_nonnull(p3);
    ck_assert(p2 < p3);                                    /* oldest first */
    ck_assert_ptr_null(strstr(csv, "\r\nf1,"));
    free(csv);
    gos_audit_free(a);
}
END_TEST

START_TEST(test_export_write_error)
{
    gos_audit *a = chain_of(4);
    FILE *full = fopen("/dev/full", "w");
    char *err = NULL;

    ck_assert_ptr_nonnull(full);
    ck_assert_int_eq(gos_audit_export(a, NULL, GOS_AUDIT_JSON, full, &err), -1);
    ck_assert_ptr_nonnull(err);
    free(err);
    fclose(full);
    gos_audit_free(a);
}
END_TEST

/* The exports' times: UTC, zero-padded, milliseconds when asked, and back again. */
START_TEST(test_iso_times)
{
    static const struct { int64_t ms; const char *with, *without; } cases[] = {
        { 1, "1970-01-01T00:00:00.001Z", "1970-01-01T00:00:00Z" },
        { 1700000000123, "2023-11-14T22:13:20.123Z", "2023-11-14T22:13:20Z" },
        { 1709251199999, "2024-02-29T23:59:59.999Z", "2024-02-29T23:59:59Z" },
        { 1704067200000, "2024-01-01T00:00:00.000Z", "2024-01-01T00:00:00Z" },
        { 253402300799000, "9999-12-31T23:59:59.000Z", "9999-12-31T23:59:59Z" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        char *w = gos_time_iso(cases[i].ms, true), *wo = gos_time_iso(cases[i].ms, false);
        int64_t back = 0;

        ck_assert_str_eq(w, cases[i].with);
        ck_assert_str_eq(wo, cases[i].without);
        ck_assert_int_eq(gos_time_parse(w, &back), 0);
        ck_assert_int_eq(back, cases[i].ms);
        g_free(w);
        g_free(wo);
    }
    ck_assert_ptr_null(gos_time_iso(0, true));
    ck_assert_ptr_null(gos_time_iso(-5, false));
    ck_assert_ptr_null(gos_time_iso(253402300800000, true));     /* past what GDateTime holds */

    /* The date arithmetic against GDateTime's: the first and last millisecond
     * of every day from 1970 to 2200 (every leap rule), and random times up
     * to 9999. */
    GRand *r = g_rand_new_with_seed(20261201);
    for (int64_t i = 0; i < 84000 + 200000; i++) {
        int64_t ms = i < 84000 ? (i / 2) * 86400000 + (i % 2 ? 86399999 : 0)
                               : (int64_t)(g_rand_double(r) * 253402300799999.0);
        if (ms <= 0)
            ms = 1;
        GDateTime *dt = g_date_time_new_from_unix_utc(ms / 1000);
        char *secs = g_date_time_format(dt, "%Y-%m-%dT%H:%M:%S");
        char *want = g_strdup_printf("%s.%03dZ", secs, (int)(ms % 1000));
        char got[GOS_TIME_ISO_MAX];

        ck_assert_uint_eq(gos_time_iso_buf(ms, true, got), strlen(want));
        ck_assert_msg(!strcmp(got, want), "%lld: %s, not %s", (long long)ms, got, want);
        g_free(want);
        g_free(secs);
        g_date_time_unref(dt);
    }
    g_rand_free(r);
}
END_TEST

/* --- users as JSON arrays (schema version 3) --- */

/* Comma text as versions 1 and 2 stored it, and the array the fold must make of it:
 * the names between the commas, "" when the text is empty (known none). */
static const char *const legacy_users[] = {
    "", "alice", "alice,bob", "a,", ",a", ",", "b\"ob,c\\d", "tab\there,new\nline", "\xC3\xBC,\xE2\x82\xAC",
    "x/y,[z]", "  spaced  ,\x7f",
};

static char *legacy_as_json(const char *text)
{
    char **names = *text ? g_strsplit(text, ",", -1) : g_new0(char *, 1);
    char *json = gos_audit_users_json((const char *const *)names);

    g_strfreev(names);
    return json;
}

/* One task per legacy text, users_before the text and users_after the first of them. */
static void add_legacy_users(gos_audit *a)
{
    for (size_t i = 0; i < G_N_ELEMENTS(legacy_users); i++) {
        char id[16];
        gos_audit_event e;
        const char *const one[] = { legacy_users[i], NULL };

        g_snprintf(id, sizeof id, "u%02zu", i);
        e = ev_make(GOS_AUDIT_SUBMITTED, id);
        e.ts_ms = 1700000000000 + (int64_t)i;
        add(a, &e);
        e.kind = GOS_AUDIT_COMPLETED;
        /* A store below version 3 joins the names with commas: one name is the text. */
        e.users_before = one;
        e.users_after = i % 2 ? (const char *const[]){ NULL } : NULL;
        e.task_result = 0;
        add(a, &e);
    }
}

static void check_legacy_summary(gos_audit *a)
{
    sqlite3 *db = gos_audit_priv_db(a);

    for (size_t i = 0; i < G_N_ELEMENTS(legacy_users); i++) {
        char *sql = g_strdup_printf("SELECT users_before FROM tasks WHERE task_id = 'u%02zu'", i);
        char *got = raw_text(db, sql), *want = legacy_as_json(legacy_users[i]);

        ck_assert_msg(strcmp(got, want) == 0, "\"%s\" became %s, not %s", legacy_users[i], got, want);
        g_free(sql);
        g_free(got);
        g_free(want);
        sql = g_strdup_printf("SELECT coalesce(users_after, 'null') FROM tasks WHERE task_id = 'u%02zu'", i);
        got = raw_text(db, sql);
        ck_assert_str_eq(got, i % 2 ? "[]" : "null");
        g_free(sql);
        g_free(got);
    }
}

static void migrate_users_from(int version)
{
    gos_audit *a = NULL;
    sqlite3 *db;
    char *err = NULL, *text;

    ck_assert_int_eq(gos_audit_open_version(dbpath, version, &a, &err), 0);
    add_legacy_users(a);
    db = gos_audit_priv_db(a);
    ck_assert_int_eq(raw_int(db, "SELECT count(*) FROM events WHERE users_before = 'alice,bob'"), 1);
    if (version == 2)
        ck_assert_int_eq(raw_int(db, "SELECT count(*) FROM tasks WHERE users_before = 'alice,bob'"), 1);
    gos_audit_free(a);

    /* Opening migrates: the old rows keep their text and their hashes, the summary
     * holds arrays, and new rows are written as arrays. */
    a = open_ok(dbpath);
    db = gos_audit_priv_db(a);
    ck_assert_int_eq(raw_int(db, "PRAGMA user_version"), GOS_AUDIT_SCHEMA_VERSION);
    ck_assert(verify(a).ok);
    ck_assert_int_eq(raw_int(db, "SELECT count(*) FROM events WHERE users_before = 'alice,bob'"), 1);
    ck_assert_int_eq(raw_int(db, "SELECT count(*) FROM events WHERE users_format IS NOT NULL"), 0);
    check_legacy_summary(a);
    {
        gos_audit_event e = ev_make(GOS_AUDIT_SUBMITTED, "new");

        e.users_before = (const char *const[]){ "a,b", "c", NULL };
        add(a, &e);
    }
    ck_assert_int_eq(raw_int(db, "SELECT users_format FROM events WHERE task_id = 'new'"), 1);
    text = raw_text(db, "SELECT users_before FROM tasks WHERE task_id = 'new'");
    ck_assert_str_eq(text, "[\"a,b\",\"c\"]");
    g_free(text);
    ck_assert(verify(a).ok);
    gos_audit_free(a);
}

START_TEST(test_migrate_users_from_v1)
{
    migrate_users_from(1);
}
END_TEST

START_TEST(test_migrate_users_from_v2)
{
    migrate_users_from(2);
}
END_TEST

/* Old text folded by the version 3 trigger itself (a row with users_format NULL,
 * as only an old writer makes): the same arrays as the migration makes. */
START_TEST(test_fold_legacy_row)
{
    gos_audit *a = open_ok(dbpath);
    sqlite3 *db = gos_audit_priv_db(a);
    gos_audit_event e = ev_make(GOS_AUDIT_SUBMITTED, "seed");
    char *got;

    add(a, &e);
    for (size_t i = 0; i < G_N_ELEMENTS(legacy_users); i++) {
        sqlite3_stmt *st = NULL;
        char *want = legacy_as_json(legacy_users[i]);

        ck_assert_int_eq(sqlite3_prepare_v2(db,
            "INSERT INTO events (kind, task_id, ts_ms, op_uid, op_pid, task_result, virt_code, users_before,"
            " prev_hash, hash) VALUES ('completed', ?, 1, 0, 1, 0, 0, ?, '', '')", -1, &st, NULL), SQLITE_OK);
        sqlite3_bind_text(st, 1, "legacy", -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, legacy_users[i], -1, SQLITE_STATIC);
        ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
        sqlite3_finalize(st);
        got = raw_text(db, "SELECT users_before FROM tasks WHERE task_id = 'legacy'");
        ck_assert_msg(strcmp(got, want) == 0, "\"%s\" became %s, not %s", legacy_users[i], got, want);
        g_free(got);
        g_free(want);
    }
    /* A value that is not text (a forged row) becomes a name, not a failure. */
    raw_exec(db, "INSERT INTO events (kind, task_id, ts_ms, op_uid, op_pid, task_result, virt_code, users_before,"
                 " prev_hash, hash) VALUES ('completed', 'legacy', 1, 0, 1, 0, 0, x'6869', '', '')");
    got = raw_text(db, "SELECT users_before FROM tasks WHERE task_id = 'legacy'");
    ck_assert_str_eq(got, "[\"hi\"]");
    g_free(got);
    gos_audit_free(a);
}
END_TEST

/* The chain covers users_format: flipping it on an old row or a new one, or
 * changing a new row's users, breaks that row's hash; a new row's users must be
 * JSON arrays. */
START_TEST(test_verify_users_format)
{
    gos_audit *a = NULL;
    gos_audit_verify_report r;
    char *err = NULL;
    sqlite3 *db;

    ck_assert_int_eq(gos_audit_open_version(dbpath, 2, &a, &err), 0);
    add_legacy_users(a);                                  /* events 1 .. 22 */
    gos_audit_free(a);
    a = open_ok(dbpath);
    {
        gos_audit_event e = ev_make(GOS_AUDIT_SUBMITTED, "n1");

        e.users_before = (const char *const[]){ "alice", NULL };
        ck_assert_int_eq(add(a, &e), 23);
        e.kind = GOS_AUDIT_COMPLETED;
        e.users_after = (const char *const[]){ NULL };
        ck_assert_int_eq(add(a, &e), 24);
    }
    ck_assert(verify(a).ok);
    db = raw_open(dbpath);
    drop_triggers(db);

    /* An old row made to look new. */
    raw_exec(db, "UPDATE events SET users_format = 1, users_before = '[\"alice,bob\"]' WHERE id = 6");
    r = verify(a);
    ck_assert(!r.ok);
    ck_assert_int_eq(r.first_bad_id, 6);
    ck_assert_ptr_nonnull(strstr(r.reason, "altered"));
    free(r.reason);
    raw_exec(db, "UPDATE events SET users_format = 1 WHERE id = 3");     /* users NULL: still the flip */
    r = verify(a);
    ck_assert_int_eq(r.first_bad_id, 3);
    free(r.reason);
    raw_exec(db, "UPDATE events SET users_format = NULL, users_before = 'alice,bob' WHERE id = 6");
    raw_exec(db, "UPDATE events SET users_format = NULL WHERE id = 3");
    ck_assert(verify(a).ok);

    /* A new row made to look old. */
    raw_exec(db, "UPDATE events SET users_format = NULL WHERE id = 24");
    r = verify(a);
    ck_assert_int_eq(r.first_bad_id, 24);
    ck_assert_ptr_nonnull(strstr(r.reason, "altered"));
    free(r.reason);
    raw_exec(db, "UPDATE events SET users_format = 1 WHERE id = 24");
    ck_assert(verify(a).ok);

    /* A new row's users changed, still a JSON array. */
    raw_exec(db, "UPDATE events SET users_before = '[\"mallory\"]' WHERE id = 23");
    r = verify(a);
    ck_assert_int_eq(r.first_bad_id, 23);
    free(r.reason);
    raw_exec(db, "UPDATE events SET users_before = '[\"alice\"]' WHERE id = 23");
    ck_assert(verify(a).ok);

    /* A new row's users that are not an array are refused by the schema itself. */
    ck_assert_int_ne(sqlite3_exec(db, "UPDATE events SET users_before = 'alice,bob' WHERE id = 23", NULL, NULL, NULL),
                     SQLITE_OK);
    ck_assert_int_ne(sqlite3_exec(db, "UPDATE events SET users_after = '{}' WHERE id = 24", NULL, NULL, NULL),
                     SQLITE_OK);
    ck_assert_int_ne(sqlite3_exec(db, "UPDATE events SET users_format = 2 WHERE id = 24", NULL, NULL, NULL),
                     SQLITE_OK);
    ck_assert(verify(a).ok);
    sqlite3_close(db);
    gos_audit_free(a);
}
END_TEST

/* A guest's user "a,b" is one user everywhere it is read. */
START_TEST(test_users_with_commas)
{
    gos_audit *a = open_ok(dbpath);
    GPtrArray *pool = g_ptr_array_new_with_free_func(g_free);
    gos_audit_event e = ev_make(GOS_AUDIT_SUBMITTED, "c1");
    gos_audit_filter f = { 0 };
    json_object *root, *users;
    gos_audit_task t;
    char **names = NULL, *text, *err = NULL;

    e.users_before = (const char *const[]){ "a,b", "b\"ob", "back\\slash", "John Smith", "", "plain", NULL };
    e.users_after = (const char *const[]){ "a,b", NULL };
    add(a, &e);

    t = get_task(a, "c1", pool);
    ck_assert_int_eq(gos_audit_users_parse(t.users_before_json, &names, &err), 0);
    ck_assert_uint_eq(g_strv_length(names), 6);
    ck_assert_str_eq(names[0], "a,b");
    ck_assert_str_eq(names[1], "b\"ob");
    ck_assert_str_eq(names[2], "back\\slash");
    ck_assert_str_eq(names[4], "");
    text = gos_audit_users_text((const char *const *)names);
    ck_assert_str_eq(text, "\"a,b\", \"b\\\"ob\", \"back\\\\slash\", \"John Smith\", \"\", plain");
    g_free(text);
    g_strfreev(names);

    /* JSON: arrays of the names. */
    text = export_str(a, NULL, GOS_AUDIT_JSON);
    root = json_tokener_parse(text);
    ck_assert_ptr_nonnull(root);
    ck_assert(json_object_object_get_ex(json_object_array_get_idx(root, 0), "users_before", &users));
    ck_assert_uint_eq(json_object_array_length(users), 6);
    ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(users, 0)), "a,b");
    ck_assert(json_object_object_get_ex(json_object_array_get_idx(root, 0), "users_after", &users));
    ck_assert_uint_eq(json_object_array_length(users), 1);
    json_object_put(root);
    free(text);
    /* CSV: the array text in one field. */
    text = export_str(a, NULL, GOS_AUDIT_CSV);
    ck_assert_ptr_nonnull(strstr(text, ",\"[\"\"a,b\"\",\"\"b\\\"\"ob\"\",\"\"back\\\\slash\"\",\"\"John Smith\"\",\"\"\"\",\"\"plain\"\"]\",\"[\"\"a,b\"\"]\"\r\n"));
    free(text);
    /* The table: joined for people, the ones that need it quoted. */
    text = export_str(a, NULL, GOS_AUDIT_TABLE);
    ck_assert_ptr_nonnull(strstr(text, "USERS BEFORE"));
    ck_assert_ptr_nonnull(strstr(text, "\"a,b\", \"b\\\"ob\", \"ba"));
    free(text);

    /* The search finds a name as it was written, quote and all. */
    f.text = "b\"ob";
    CHECK_FILTER(a, &f, "c1");
    f.text = "k\\sl";
    CHECK_FILTER(a, &f, "c1");
    f.text = "john smith";
    CHECK_FILTER(a, &f, "c1");
    f.text = "a,b";
    CHECK_FILTER(a, &f, "c1");
    f.text = "nobody";
    CHECK_FILTER(a, &f, "");
    g_ptr_array_unref(pool);
    gos_audit_free(a);
}
END_TEST

/* What a forged summary may hold instead of arrays of names: the JSON export
 * stays valid JSON and says no more than is there. */
START_TEST(test_export_odd_users)
{
    static const struct { const char *stored, *want; } cases[] = {
        { "[\"plain\",\"x\"]", "[ \"plain\", \"x\" ]" },
        { "[]", "[ ]" },
        { "[\"\\u00e9t\\u00e9\",\"q\\\"\"]", "[ \"\xC3\xA9t\xC3\xA9\", \"q\\\"\" ]" },   /* escapes */
        { "[ \"spaced\" , \"out\" ]", "[ \"spaced\", \"out\" ]" },
        { "[1,\"x\",null]", "[ \"1\", \"x\", \"null\" ]" },
        { "[\"bad\xFF\"]", "[ \"bad\xEF\xBF\xBD\" ]" },
        { "[\"a\",]", "null" },
        { "{\"a\": 1}", "null" },
        { "[\"a\"]x", "null" },
        { "alice,bob", "null" },
        { "", "null" },
    };
    gos_audit *a = open_ok(dbpath);
    sqlite3 *db = gos_audit_priv_db(a);
    char *json;

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        sqlite3_stmt *st = NULL;

        ck_assert_int_eq(sqlite3_prepare_v2(db, "INSERT INTO tasks(key, task_id, submitted_at, users_before)"
                                                " VALUES (?, ?, 1, ?)", -1, &st, NULL), SQLITE_OK);
        sqlite3_bind_int64(st, 1, (int64_t)i + 1);
        sqlite3_bind_text(st, 2, g_strdup_printf("o%02zu", i), -1, g_free);
        sqlite3_bind_text(st, 3, cases[i].stored, -1, SQLITE_STATIC);
        ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
        sqlite3_finalize(st);
    }
    json = export_str(a, NULL, GOS_AUDIT_JSON);
    {
        json_object *root = json_tokener_parse(json);

        ck_assert_msg(root != NULL, "invalid JSON: %s", json);
        json_object_put(root);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        char *want = g_strdup_printf("\"task_id\": \"o%02zu\", ", i);
        char *line = strstr(json, want), *users, *end;

        ck_assert_ptr_nonnull(line);
        users = strstr(line, "\"users_before\": ");
        ck_assert_ptr_nonnull(users);
        users += strlen("\"users_before\": ");
        end = strstr(users, ", \"users_after\"");
        ck_assert_ptr_nonnull(end);
        ck_assert_msg((size_t)(end - users) == strlen(cases[i].want) && !strncmp(users, cases[i].want, end - users),
                      "%s came out as %.*s", cases[i].stored, (int)(end - users), users);
        g_free(want);
    }
    free(json);
    gos_audit_free(a);
}
END_TEST

START_TEST(test_users_helpers)
{
    char **names = (char **)0x1, *err = NULL, *text;

    ck_assert_int_eq(gos_audit_users_parse(NULL, &names, &err), 0);
    ck_assert_ptr_null(names);
    ck_assert_int_eq(gos_audit_users_parse("[]", &names, &err), 0);
    ck_assert_uint_eq(g_strv_length(names), 0);
    g_strfreev(names);
    ck_assert_int_eq(gos_audit_users_parse("[1, \"x\", null]", &names, &err), 0);
    ck_assert_str_eq(names[0], "1");
    ck_assert_str_eq(names[1], "x");
    ck_assert_str_eq(names[2], "null");
    g_strfreev(names);
    names = (char **)0x1;
    ck_assert_int_eq(gos_audit_users_parse("{\"a\": 1}", &names, &err), -1);
    ck_assert_ptr_nonnull(err);
    ck_assert_ptr_eq(names, (char **)0x1);                /* written only on success */
    free(err);
    err = NULL;
    ck_assert_int_eq(gos_audit_users_parse("alice,bob", &names, &err), -1);
    free(err);

    ck_assert_ptr_null(gos_audit_users_text(NULL));
    text = gos_audit_users_text((const char *const[]){ NULL });
    ck_assert_str_eq(text, "");
    g_free(text);
    text = gos_audit_users_text((const char *const[]){ "alice", "bob", NULL });
    ck_assert_str_eq(text, "alice, bob");
    g_free(text);
    text = gos_audit_users_text((const char *const[]){ "tab\there", NULL });
    ck_assert_str_eq(text, "\"tab\there\"");
    g_free(text);

    ck_assert_ptr_null(gos_audit_users_json_text(NULL));
    text = gos_audit_users_json_text("[\"a,b\",\"c\"]");
    ck_assert_str_eq(text, "\"a,b\", c");
    g_free(text);
    text = gos_audit_users_json_text("not json");               /* as it is */
    ck_assert_str_eq(text, "not json");
    g_free(text);
    text = gos_audit_users_json(NULL);
    ck_assert_ptr_null(text);
    text = gos_audit_users_json((const char *const[]){ "x/y", "\"q\"", NULL });
    ck_assert_str_eq(text, "[\"x/y\",\"\\\"q\\\"\"]");
    g_free(text);
}
END_TEST

static Suite *audit_suite(void)
{
    Suite *s = suite_create("audit");
    TCase *tc;

    tc = tcase_create("open");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_default_path);
    tcase_add_test(tc, test_open_creates_private_file);
    tcase_add_test(tc, test_open_default_path_env);
    tcase_add_test(tc, test_open_pragmas);
    tcase_add_test(tc, test_open_memory);
    tcase_add_test(tc, test_free_null);
    tcase_add_test(tc, test_migrate_from_empty_file);
    tcase_add_test(tc, test_migrate_from_v1);
    tcase_add_test(tc, test_migrate_concurrent_first_open);
    tcase_add_test(tc, test_newer_version_refused);
    tcase_add_test(tc, test_newer_version_wal_untouched);
    tcase_add_test(tc, test_readonly_refusals);
    tcase_add_test(tc, test_readonly_reads_and_refuses_writes);
    tcase_add_test(tc, test_not_sqlite_refused);
    tcase_add_test(tc, test_foreign_sqlite_refused);
    tcase_add_test(tc, test_unwritable_path);
    suite_add_tcase(s, tc);

    tc = tcase_create("append_query");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_append_ids_and_columns);
    tcase_add_test(tc, test_append_rejects_bad_events);
    tcase_add_test(tc, test_query_fold);
    tcase_add_test(tc, test_fold_completed_beats_interrupted);
    tcase_add_test(tc, test_fold_v5_same_as_v3);
    tcase_add_test(tc, test_batch_event_fails_alone);
    tcase_add_test(tc, test_batch_rolled_back_whole);
    tcase_add_test(tc, test_v4_read_then_upgraded);
    tcase_add_test(tc, test_filters);
    tcase_add_test(tc, test_keyset_paging);
    tcase_add_test(tc, test_query_plans_stream);
    suite_add_tcase(s, tc);

    tc = tcase_create("chain");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_canonical_form_unambiguous);
    tcase_add_test(tc, test_canonical_form_known_hashes);
    tcase_add_test(tc, test_verify_ok);
    tcase_add_test(tc, test_triggers_refuse_update_delete);
    tcase_add_test(tc, test_verify_detects_altered_field);
    tcase_add_test(tc, test_verify_detects_deleted_rows);
    tcase_add_test(tc, test_verify_detects_inserted_row);
    tcase_add_test(tc, test_verify_detects_reordered_rows);
    suite_add_tcase(s, tc);

    tc = tcase_create("concurrency");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_concurrent_writers);
    tcase_add_test(tc, test_concurrent_threads);
    tcase_add_test(tc, test_fair_writers);
    tcase_add_test(tc, test_two_handles_one_chain);
    tcase_add_test(tc, test_sigkill_mid_append);
    suite_add_tcase(s, tc);

    tc = tcase_create("recovery_failures");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_recover);
    tcase_add_test(tc, test_disk_full);
    tcase_add_test(tc, test_locked_past_timeout);
    suite_add_tcase(s, tc);

    tc = tcase_create("export");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_export_csv_hostile);
    tcase_add_test(tc, test_export_json_escaping);
    tcase_add_test(tc, test_export_json_rows);
    tcase_add_test(tc, test_export_table);
    tcase_add_test(tc, test_export_order_and_filter);
    tcase_add_test(tc, test_export_write_error);
    tcase_add_test(tc, test_iso_times);
    suite_add_tcase(s, tc);

    tc = tcase_create("users");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_migrate_users_from_v1);
    tcase_add_test(tc, test_migrate_users_from_v2);
    tcase_add_test(tc, test_fold_legacy_row);
    tcase_add_test(tc, test_verify_users_format);
    tcase_add_test(tc, test_users_with_commas);
    tcase_add_test(tc, test_export_odd_users);
    tcase_add_test(tc, test_users_helpers);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    /* Messages in tests are the untranslated English ones. */
    setenv("LANGUAGE", "C", 1);
    return run_suite(audit_suite());
}
