/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Check suite for what the audit view reads with: the filter words and the paged query in both directions. */
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

#include "core/actions.h"
#include "base/hresult.h"
#include "core/session.h"
#include "core/task.h"
#include "db/audit.h"
#include "db/audit_priv.h"
#include "core/exec.h"
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

/* --- the filter words ------------------------------------------------------ */

/* Parses a line of words split at blanks. Returns 0 or -1; *err as the parser left it. */
static int parse(const char *line, gos_audit_filter *f, char ***words_out, char **err)
{
    char **words = g_strsplit(line, " ", -1);
    int argc = *line ? (int)g_strv_length(words) : 0;
    int r = gos_audit_filter_parse(argc, words, f, err);
    *words_out = words;
    return r;
}

START_TEST(test_parse_every_word)
{
    gos_audit_filter f;
    char **w = NULL, *err = NULL;

    ck_assert_int_eq(parse("--vm web1 --operator alice --action logoff --host test:///default "
                           "--search needle --result TimeOutError --hresult VM_E_TIMED_OUT "
                           "--since 2026-11-30 --until 2026-11-30T10:00:00Z", &f, &w, &err), 0);
    ck_assert_str_eq(f.vm, "web1");
    ck_assert_str_eq(f.op_user, "alice");
    ck_assert_str_eq(f.action, "logoff");
    ck_assert_str_eq(f.host, "test:///default");
    ck_assert_str_eq(f.text, "needle");
    ck_assert(f.has_result);
    ck_assert_int_eq(f.result, GOS_RESULT_TIMEOUT);
    ck_assert(f.has_hresult);
    ck_assert_uint_eq(f.hresult, GOS_VM_E_TIMED_OUT);
    ck_assert_int_eq(f.since_ms, 1795996800000LL);          /* 2026-11-30T00:00:00Z */
    ck_assert_int_eq(f.until_ms, 1795996800000LL + 36000000LL);
    g_strfreev(w);
}
END_TEST

START_TEST(test_parse_forms)
{
    gos_audit_filter f;
    char **w = NULL, *err = NULL;

    /* --name=value, getopt's unique prefixes, names in any case, hex and decimal codes. */
    ck_assert_int_eq(parse("--vm=web1 --op bob --res interrupted --hresult=0xa0040505", &f, &w, &err), 0);
    ck_assert_str_eq(f.vm, "web1");
    ck_assert_str_eq(f.op_user, "bob");
    ck_assert_int_eq(f.result, GOS_RESULT_INTERRUPTED);
    ck_assert_uint_eq(f.hresult, 0xA0040505u);
    g_strfreev(w);
    ck_assert_int_eq(parse("--hresult 2147943712 --result success --since 2026-11-30T10:00:00+01:00", &f, &w, &err), 0);
    ck_assert_uint_eq(f.hresult, 0x80070520u);
    ck_assert_int_eq(f.result, GOS_RESULT_SUCCESS);
    ck_assert_int_eq(f.since_ms, 1795996800000LL + 9 * 3600000LL);
    g_strfreev(w);

    /* The last of a repeated word wins, as on the command line; none is all. */
    ck_assert_int_eq(parse("--vm a --vm b", &f, &w, &err), 0);
    ck_assert_str_eq(f.vm, "b");
    g_strfreev(w);
    ck_assert_int_eq(parse("", &f, &w, &err), 0);
    ck_assert_ptr_null(f.vm);
    ck_assert(!f.has_result && !f.has_hresult && !f.since_ms && !f.until_ms && !f.text);
    g_strfreev(w);
}
END_TEST

static void expect_error(const char *line, const char *fragment)
{
    gos_audit_filter f;
    char **w = NULL, *err = NULL;

    memset(&f, 0, sizeof f);
    f.vm = "untouched";
    ck_assert_msg(parse(line, &f, &w, &err) == -1, "\"%s\" parsed", line);
    ck_assert_ptr_nonnull(err);
    ck_assert_msg(strstr(err, fragment), "\"%s\": %s", line, err);
    ck_assert_str_eq(f.vm, "untouched");   /* written only on success */
    free(err);
    g_strfreev(w);
}

START_TEST(test_parse_errors)
{
    expect_error("--vm", "needs a value");
    expect_error("web1", "is not an audit filter");
    expect_error("--format json", "is not an audit filter");      /* export's, not a filter */
    expect_error("--s x", "is not an audit filter");              /* --search or --since */
    expect_error("--result Fine", "is not a task result");
    expect_error("--hresult E_NOPE", "is not an HRESULT");
    expect_error("--since yesterday", "is not a time");
    expect_error("--until 2026-13-45", "is not a time");
}
END_TEST

/* --- paging -------------------------------------------------------------- */

static gos_audit *open_ok(const char *path)
{
    gos_audit *a = NULL;
    char *err = NULL;

    if (gos_audit_open(path, &a, &err) != 0)
        ck_abort_msg("open %s: %s", path, err);
    return a;
}

/* n tasks t0001.. through the real append path, two events each; every third on web1. */
static void fill(gos_audit *a, int n)
{
    char *err = NULL;

    ck_assert_int_eq(gos_audit_batch_begin(a, &err), 0);
    for (int i = 1; i <= n; i++) {
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

typedef struct {
    GString *ids;
    int64_t first, last;
    int n;
    gos_audit *interrupt_at_first;   /* interrupts this store from inside the callback */
} page;

static int page_cb(const gos_audit_task *t, void *opaque)
{
    page *p = opaque;
    if (p->n++ == 0) {
        p->first = t->key;
        if (p->interrupt_at_first)
            gos_audit_interrupt(p->interrupt_at_first);
    }
    p->last = t->key;
    g_string_append_printf(p->ids, p->ids->len ? " %s" : "%s", t->task_id);
    return 0;
}

static int get_page(gos_audit *a, const gos_audit_filter *f, int64_t after, bool oldest_first,
                    size_t limit, int budget_ms, page *p)
{
    char *err = NULL;
    g_string_truncate(p->ids, 0);
    p->n = 0;
    p->first = p->last = 0;
    bool gave_up = true;   /* must be written false when the query runs to its end */
    int r = gos_audit_query_page(a, f, after, oldest_first, limit, budget_ms, page_cb, p, &gave_up, &err);
    ck_assert_msg(r == 0, "query_page: %s", err ? err : "?");
    ck_assert_ptr_null(err);
    return gave_up ? 1 : 0;
}

START_TEST(test_page_both_ways)
{
    gos_audit *a = open_ok(dbpath), *ro = NULL;
    page p = { .ids = g_string_new(NULL) };
    gos_audit_filter web = { .vm = "web1" };
    char *err = NULL;

    fill(a, 12);
    ck_assert_int_eq(gos_audit_open_readonly(gos_audit_get_path(a), &ro, &err), 0);
    ck_assert_str_eq(gos_audit_get_path(ro), dbpath);

    /* Newest first from the top, then older from the last key. */
    ck_assert_int_eq(get_page(ro, NULL, 0, false, 5, 0, &p), 0);
    ck_assert_str_eq(p.ids->str, "t0012 t0011 t0010 t0009 t0008");
    ck_assert_int_eq(get_page(ro, NULL, p.last, false, 5, 0, &p), 0);
    ck_assert_str_eq(p.ids->str, "t0007 t0006 t0005 t0004 t0003");
    /* Newer again from the first key, oldest first (the view turns it round). */
    ck_assert_int_eq(get_page(ro, NULL, p.first, true, 5, 0, &p), 0);
    ck_assert_str_eq(p.ids->str, "t0008 t0009 t0010 t0011 t0012");
    /* The oldest page, and a filter walking its index both ways. */
    ck_assert_int_eq(get_page(ro, NULL, 0, true, 3, 0, &p), 0);
    ck_assert_str_eq(p.ids->str, "t0001 t0002 t0003");
    ck_assert_int_eq(get_page(ro, &web, 0, false, 2, 0, &p), 0);
    ck_assert_str_eq(p.ids->str, "t0012 t0009");
    ck_assert_int_eq(get_page(ro, &web, p.last, false, 10, 0, &p), 0);
    ck_assert_str_eq(p.ids->str, "t0006 t0003");
    ck_assert_int_eq(get_page(ro, &web, p.first, true, 10, 0, &p), 0);
    ck_assert_str_eq(p.ids->str, "t0009 t0012");

    /* A reader sees what the writer commits, query by query. */
    {
        gos_audit_event e = { .kind = GOS_AUDIT_SUBMITTED, .task_id = "late", .percent = -1,
                              .task_result = GOS_RESULT_NONE, .vm_name = "web1" };
        ck_assert_int_eq(gos_audit_append(a, &e, NULL, &err), 0);
    }
    ck_assert_int_eq(get_page(ro, &web, 0, false, 1, 0, &p), 0);
    ck_assert_str_eq(p.ids->str, "late");

    gos_audit_free(ro);
    gos_audit_free(a);
    g_string_free(p.ids, TRUE);
}
END_TEST

START_TEST(test_page_interrupt)
{
    gos_audit *a = open_ok(dbpath);
    page p = { .ids = g_string_new(NULL) };

    fill(a, 400);
    /* Interrupted while it walks: it gives up and says so. */
    p.interrupt_at_first = a;
    ck_assert_int_eq(get_page(a, NULL, 0, false, 0, 0, &p), 1);
    ck_assert_int_lt(p.n, 400);
    /* An interrupt meant for an earlier query does not stop the next one. */
    p.interrupt_at_first = NULL;
    gos_audit_interrupt(a);
    ck_assert_int_eq(get_page(a, NULL, 0, false, 0, 0, &p), 0);
    ck_assert_int_eq(p.n, 400);
    /* Without gave_up, giving up is a failure with a sentence. */
    {
        char *err = NULL;
        g_string_truncate(p.ids, 0);
        p.n = 0;
        p.interrupt_at_first = a;
        ck_assert_int_eq(gos_audit_query_page(a, NULL, 0, false, 0, 0, page_cb, &p, NULL, &err), -1);
        ck_assert_ptr_nonnull(err);
        ck_assert_ptr_nonnull(strstr(err, "interrupted"));
        free(err);
        err = NULL;
        p.n = 0;
        ck_assert_int_eq(gos_audit_query(a, NULL, 0, 0, page_cb, &p, &err), -1);
        ck_assert_ptr_nonnull(err);
        free(err);
        p.interrupt_at_first = NULL;
    }
    gos_audit_interrupt(NULL);   /* harmless */
    gos_audit_free(a);
    g_string_free(p.ids, TRUE);
}
END_TEST

/* The budget: the summary table is filled directly (it is an index, and no
 * query here reads events), enough rows that a text search with no match
 * walks far longer than a millisecond. */
START_TEST(test_page_budget)
{
    gos_audit *a = open_ok(dbpath);
    sqlite3 *db = gos_audit_priv_db(a);
    page p = { .ids = g_string_new(NULL) };
    /* Two characters: too short for the trigram index, so the search walks every row. */
    gos_audit_filter none = { .text = "zq" }, web = { .vm = "vm-7" };
    char *err = NULL;

    ck_assert_int_eq(sqlite3_exec(db,
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)"
        " INSERT INTO tasks(key, task_id, submitted_at, vm_name, message, users_before)"
        " SELECT i, 'x' || i, i, 'vm-' || (i % 1000), 'All users were logged off.', '[\"alice\",\"bob\"]' FROM n",
        NULL, NULL, &err), SQLITE_OK);
    int64_t t0 = g_get_monotonic_time();
    ck_assert_int_eq(get_page(a, &none, 0, false, 20, 1, &p), 1);
    ck_assert_int_lt(g_get_monotonic_time() - t0, 500000);   /* gave up early */
    /* An indexed filter finishes within the same budget; no limit finishes anything. */
    ck_assert_int_eq(get_page(a, &web, 0, false, 20, 50, &p), 0);
    ck_assert_int_eq(p.n, 20);
    ck_assert_int_eq(get_page(a, &none, 0, false, 20, 0, &p), 0);
    ck_assert_int_eq(p.n, 0);
    gos_audit_free(a);
    g_string_free(p.ids, TRUE);
}
END_TEST

/* --- the actions: keys, macros and batch lines set the view's filter ------ */

static gos_session *open_session(void)
{
    const char *uris[] = { "test:///default" };
    gos_session_opts o = { .uris = uris, .n_uris = 1, .audit_path = ":memory:", .origin = "cli" };
    gos_session *s = NULL;
    char *err = NULL;
    ck_assert_msg(gos_session_new(&o, &s, &err) == 0, "%s", err ? err : "");
    ck_assert_msg(gos_session_connect(s, true, &err) == 0, "%s", err ? err : "");
    gos_session_wait_idle(s, 10000);
    return s;
}

/* Runs one action line; returns its result, *err as the action left it. */
/* Runs one parsed line through the executor, as the console does (a cursor
 * on screen, nobody asked). */
static int run_cmd(gos_session *s, const gos_cmd *cmd, char **err)
{
    gos_frontend fe = { .caps = GOS_FE_CURSOR };
    gos_exec *x = gos_exec_new(s, &fe);
    char *line = gos_cmd_format(cmd);
    int rc = gos_exec_line(x, line, err);
    g_free(line);
    gos_exec_free(x);
    return rc;
}

static int run(gos_session *s, const char *line, char **err)
{
    gos_cmd cmd;
    ck_assert_msg(gos_cmd_parse(line, &cmd, err) == 0, "%s: %s", line, *err ? *err : "");
    int r = run_cmd(s, &cmd, err);
    gos_cmd_clear(&cmd);
    return r;
}

static char *words(gos_session *s, unsigned *gen)
{
    return g_strjoinv(" ", (char **)gos_session_audit_filter(s, gen));
}

START_TEST(test_actions_set_the_filter)
{
    gos_session *s = open_session();
    char *err = NULL, *w;
    unsigned g0, g1;

    w = words(s, &g0);
    ck_assert_str_eq(w, "");
    g_free(w);
    ck_assert_int_ge(run(s, "audit-filter --vm web1 --result TimeOutError", &err), 0);
    ck_assert_int_eq(gos_session_view(s), GOS_VIEW_AUDIT);
    w = words(s, &g1);
    ck_assert_str_eq(w, "--vm web1 --result TimeOutError");
    ck_assert_uint_ne(g0, g1);
    g_free(w);

    /* A bad word fails the line and leaves the filter as it was. */
    ck_assert_int_eq(run(s, "audit-filter --result Fine", &err), -1);
    ck_assert_ptr_nonnull(strstr(err, "'Fine' is not a task result"));
    g_free(err);
    err = NULL;
    w = words(s, &g0);
    ck_assert_str_eq(w, "--vm web1 --result TimeOutError");
    ck_assert_uint_eq(g0, g1);
    g_free(w);

    /* audit-search sets --search, replaces an earlier one, keeps the rest; no text clears it. */
    ck_assert_int_ge(run(s, "audit-search \"two words\"", &err), 0);
    w = words(s, NULL);
    ck_assert_str_eq(w, "--vm web1 --result TimeOutError --search two words");
    g_free(w);
    ck_assert_int_ge(run(s, "audit-filter --sea=x --vm web2", &err), 0);
    ck_assert_int_ge(run(s, "audit-search y", &err), 0);
    w = words(s, NULL);
    ck_assert_str_eq(w, "--vm web2 --search y");
    g_free(w);
    ck_assert_int_ge(run(s, "audit-search", &err), 0);
    w = words(s, NULL);
    ck_assert_str_eq(w, "--vm web2");
    g_free(w);

    /* history: the VM under the cursor, by UUID and host; or the one named. */
    gos_session_set_view(s, GOS_VIEW_VMS);
    ck_assert_uint_gt(gos_session_view_count(s), 0);
    ck_assert_int_ge(run(s, "history", &err), 0);
    ck_assert_int_eq(gos_session_view(s), GOS_VIEW_AUDIT);
    ck_assert_int_eq(gos_session_previous_view(s), GOS_VIEW_VMS);
    w = words(s, NULL);
    ck_assert_str_eq(w, "--vm 6695eb01-f6a4-8304-79aa-97f2502e193f --host test:///default");
    g_free(w);
    ck_assert_int_ge(run(s, "history web9", &err), 0);
    w = words(s, NULL);
    ck_assert_str_eq(w, "--vm web9");
    g_free(w);
    /* An empty filter shows all. */
    ck_assert_int_ge(run(s, "audit-filter", &err), 0);
    w = words(s, NULL);
    ck_assert_str_eq(w, "");
    g_free(w);
    /* audit-detail belongs to the audit view. */
    gos_session_set_view(s, GOS_VIEW_VMS);
    ck_assert_int_eq(run(s, "audit-detail", &err), -1);
    g_free(err);
    gos_session_free(s);
}
END_TEST

/* --- review at scale: time ranges through tasks_submitted, text through tasks_text --- */

/* Tasks whose submission times are out of key order (clocks of several machines,
 * a clock set back): a narrow range is read as a range of keys, and still every
 * task of it comes, in key order, and no other. */
START_TEST(test_time_range_out_of_order)
{
    static const int64_t when[] = { 5000, 1000, 3000, 2000, 9000, 2500, 4000 };
    gos_audit *a = open_ok(dbpath);
    page p = { .ids = g_string_new(NULL) };
    gos_audit_filter f = { .since_ms = 1500, .until_ms = 3000 };
    sqlite3_stmt *st = NULL;
    char *err = NULL;

    for (size_t i = 0; i < G_N_ELEMENTS(when); i++) {
        char id[8];
        g_snprintf(id, sizeof id, "w%zu", i);
        gos_audit_event e = { .kind = GOS_AUDIT_SUBMITTED, .task_id = id, .ts_ms = when[i], .op_uid = 1,
                              .vm_name = "vm", .percent = -1, .task_result = GOS_RESULT_NONE };
        ck_assert_int_eq(gos_audit_append(a, &e, NULL, &err), 0);
    }
    ck_assert_int_eq(get_page(a, &f, 0, false, 0, 0, &p), 0);
    ck_assert_str_eq(p.ids->str, "w5 w3 w2");
    ck_assert_int_eq(get_page(a, &f, 0, true, 0, 0, &p), 0);
    ck_assert_str_eq(p.ids->str, "w2 w3 w5");
    f.since_ms = 0;
    f.until_ms = 999;                                 /* none */
    ck_assert_int_eq(get_page(a, &f, 0, false, 0, 0, &p), 0);
    ck_assert_str_eq(p.ids->str, "");
    f.since_ms = 8000;                                /* open end */
    f.until_ms = 0;
    ck_assert_int_eq(get_page(a, &f, 0, false, 0, 0, &p), 0);
    ck_assert_str_eq(p.ids->str, "w4");
    /* The narrow range became a range of keys. */
    ck_assert_int_eq(gos_audit_task_stmt(a, &f, 0, 0, false, &st, &err), 0);
    ck_assert_ptr_nonnull(strstr(sqlite3_sql(st), "key BETWEEN"));
    sqlite3_finalize(st);
    gos_audit_free(a);
    g_string_free(p.ids, TRUE);
}
END_TEST

static int64_t raw_count(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    int64_t n = -1;

    ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

/* A range wider than the probe reads is walked as before; both give every task. */
START_TEST(test_time_range_wide_and_narrow)
{
    gos_audit *a = open_ok(dbpath);
    page p = { .ids = g_string_new(NULL) };
    gos_audit_filter wide = { .since_ms = 10, .until_ms = 250000 }, narrow = { .since_ms = 100000, .until_ms = 100990 };
    sqlite3_stmt *st = NULL;
    char *err = NULL;

    /* The summary alone, as the pager tests fill it: submitted_at = 10 * key. */
    ck_assert_int_eq(sqlite3_exec(gos_audit_priv_db(a),
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 30000)"
        " INSERT INTO tasks(key, task_id, submitted_at, vm_name) SELECT i, 'x' || i, 10 * i, 'vm' FROM n",
        NULL, NULL, &err), SQLITE_OK);
    ck_assert_int_eq(get_page(a, &wide, 0, false, 0, 0, &p), 0);
    ck_assert_int_eq(p.n, 25000);
    ck_assert_int_eq(p.first, 25000);
    ck_assert_int_eq(p.last, 1);
    ck_assert_int_eq(get_page(a, &narrow, 0, false, 0, 0, &p), 0);
    ck_assert_int_eq(p.n, 100);
    ck_assert_int_eq(p.first, 10099);
    ck_assert_int_eq(p.last, 10000);
    ck_assert_int_eq(gos_audit_task_stmt(a, &wide, 0, 0, false, &st, &err), 0);
    ck_assert_ptr_null(strstr(sqlite3_sql(st), "key BETWEEN"));
    sqlite3_finalize(st);
    gos_audit_free(a);
    g_string_free(p.ids, TRUE);
}
END_TEST

/* The text index follows the fold: a task's message replaced by a later event is
 * no longer found by its old words, and is by its new ones; users and VM names
 * are found; the index only proposes, so a case it folds that LIKE does not
 * (non-ASCII) is not a match, and a forged index entry matches nothing. */
START_TEST(test_text_index_follows_fold)
{
    gos_audit *a = open_ok(dbpath);
    page p = { .ids = g_string_new(NULL) };
    gos_audit_filter f = { 0 };
    const char *const users[] = { "Zoë", "o'hara", NULL };
    sqlite3 *db;
    char *err = NULL;

    gos_audit_event e = { .kind = GOS_AUDIT_SUBMITTED, .task_id = "t1", .op_uid = 1, .vm_name = "web-alpha",
                          .percent = -1, .task_result = GOS_RESULT_NONE, .message = "Logging off everyone" };
    ck_assert_int_eq(gos_audit_append(a, &e, NULL, &err), 0);
    e.kind = GOS_AUDIT_COMPLETED;
    e.message = "No user was logged on";
    e.users_before = users;
    e.task_result = 0;
    ck_assert_int_eq(gos_audit_append(a, &e, NULL, &err), 0);
    e = (gos_audit_event){ .kind = GOS_AUDIT_SUBMITTED, .task_id = "t2", .op_uid = 1, .vm_name = "db-beta",
                           .percent = -1, .task_result = GOS_RESULT_NONE, .message = "Logging off everyone" };
    ck_assert_int_eq(gos_audit_append(a, &e, NULL, &err), 0);

    f.text = "everyone";
    ck_assert_int_eq(get_page(a, &f, 0, false, 0, 0, &p), 0);
    ck_assert_str_eq(p.ids->str, "t2");                /* t1's message was replaced */
    f.text = "USER WAS";
    ck_assert_int_eq(get_page(a, &f, 0, false, 0, 0, &p), 0);
    ck_assert_str_eq(p.ids->str, "t1");
    f.text = "-alp";
    ck_assert_int_eq(get_page(a, &f, 0, false, 0, 0, &p), 0);
    ck_assert_str_eq(p.ids->str, "t1");
    f.text = "o'hara";
    ck_assert_int_eq(get_page(a, &f, 0, false, 0, 0, &p), 0);
    ck_assert_str_eq(p.ids->str, "t1");
    f.text = "ZOË";                                   /* LIKE folds ASCII only, as before */
    ck_assert_int_eq(get_page(a, &f, 0, false, 0, 0, &p), 0);
    ck_assert_str_eq(p.ids->str, "");
    f.text = "zoë";                                   /* the ASCII letter folds */
    ck_assert_int_eq(get_page(a, &f, 0, false, 0, 0, &p), 0);
    ck_assert_str_eq(p.ids->str, "t1");
    f.text = "a\"b";                                 /* quotes in the FTS5 phrase */
    ck_assert_int_eq(get_page(a, &f, 0, false, 0, 0, &p), 0);
    ck_assert_str_eq(p.ids->str, "");

    /* So far t1 was found in the queue for the index; now through the index. */
    db = gos_audit_priv_db(a);
    ck_assert_int_eq(raw_count(db, "SELECT count(*) FROM text_pending"), 1);
    ck_assert_int_eq(gos_audit_priv_text_flush(a), 0);
    ck_assert_int_eq(raw_count(db, "SELECT count(*) FROM text_pending"), 0);
    ck_assert_int_eq(raw_count(db, "SELECT count(*) FROM tasks_text WHERE tasks_text MATCH '\"alp\"'"), 1);
    f.text = "USER WAS";
    ck_assert_int_eq(get_page(a, &f, 0, false, 0, 0, &p), 0);
    ck_assert_str_eq(p.ids->str, "t1");

    /* t2 has not ended: in neither, and found all the same; once it ends, in
     * the queue, then in the index. */
    f.text = "db-b";
    ck_assert_int_eq(get_page(a, &f, 0, false, 0, 0, &p), 0);
    ck_assert_str_eq(p.ids->str, "t2");
    ck_assert_int_eq(raw_count(db, "SELECT count(*) FROM tasks_text WHERE tasks_text MATCH '\"db-\"'"), 0);
    e.kind = GOS_AUDIT_COMPLETED;
    e.message = "done";
    e.task_result = 0;
    ck_assert_int_eq(gos_audit_append(a, &e, NULL, &err), 0);
    ck_assert_int_eq(raw_count(db, "SELECT count(*) FROM text_pending"), 1);
    ck_assert_int_eq(get_page(a, &f, 0, false, 0, 0, &p), 0);
    ck_assert_str_eq(p.ids->str, "t2");
    ck_assert_int_eq(gos_audit_priv_text_flush(a), 0);
    ck_assert_int_eq(raw_count(db, "SELECT count(*) FROM tasks_text WHERE tasks_text MATCH '\"db-\"'"), 1);
    ck_assert_int_eq(get_page(a, &f, 0, false, 0, 0, &p), 0);
    ck_assert_str_eq(p.ids->str, "t2");
    f.text = "everyone";
    ck_assert_int_eq(get_page(a, &f, 0, false, 0, 0, &p), 0);
    ck_assert_str_eq(p.ids->str, "");

    /* An ended row that changes leaves the index and is queued again. */
    ck_assert_int_eq(sqlite3_exec(db, "UPDATE tasks SET message = 'changed words' WHERE task_id = 't2'",
                                  NULL, NULL, &err), SQLITE_OK);
    ck_assert_int_eq(raw_count(db, "SELECT count(*) FROM text_pending"), 1);
    ck_assert_int_eq(raw_count(db, "SELECT count(*) FROM tasks_text WHERE tasks_text MATCH '\"don\"'"), 0);
    f.text = "changed";
    ck_assert_int_eq(get_page(a, &f, 0, false, 0, 0, &p), 0);
    ck_assert_str_eq(p.ids->str, "t2");
    f.text = "done";
    ck_assert_int_eq(get_page(a, &f, 0, false, 0, 0, &p), 0);
    ck_assert_str_eq(p.ids->str, "");

    /* Every GOS_AUDIT_TEXT_FLUSH ended tasks, the store indexes the queue itself. */
    for (int i = 0; i < GOS_AUDIT_TEXT_FLUSH; i++) {
        char id[16];
        g_snprintf(id, sizeof id, "q%d", i);
        gos_audit_event q = { .kind = GOS_AUDIT_COMPLETED, .task_id = id, .op_uid = 1, .vm_name = "queued-vm",
                              .percent = -1, .task_result = 0, .has_task_error = true };
        ck_assert_int_eq(gos_audit_append(a, &q, NULL, &err), 0);
    }
    ck_assert_int_lt(raw_count(db, "SELECT count(*) FROM text_pending"), GOS_AUDIT_TEXT_FLUSH);
    ck_assert_int_ge(raw_count(db, "SELECT count(*) FROM tasks_text WHERE tasks_text MATCH '\"ued\"'"), 1);
    f.text = "queued-vm";
    ck_assert_int_eq(get_page(a, &f, 0, false, 0, 0, &p), 0);
    ck_assert_int_eq(p.n, GOS_AUDIT_TEXT_FLUSH);

    /* A forged index entry proposes t1 for text it does not hold: LIKE says no. */
    ck_assert_int_eq(sqlite3_exec(db, "INSERT INTO tasks_text(rowid, vm_name) VALUES (1, 'forged words')",
                                  NULL, NULL, &err), SQLITE_OK);
    ck_assert_int_eq(raw_count(db, "SELECT count(*) FROM tasks_text WHERE tasks_text MATCH '\"rge\"'"), 1);
    f.text = "forged";
    ck_assert_int_eq(get_page(a, &f, 0, false, 0, 0, &p), 0);
    ck_assert_str_eq(p.ids->str, "");
    gos_audit_free(a);
    g_string_free(p.ids, TRUE);
}
END_TEST

/* A forwarding failure never stops a task, and the console's status line says
 * so (GUESTOS_JOURNAL_SOCKET names a socket nobody listens on). */
START_TEST(test_forward_failure_on_status)
{
    const char *uris[] = { "test:///default" };
    char *sock = g_build_filename(tmpdir, "nobody-listens", NULL), *err = NULL;
    gos_session_opts o = { .uris = uris, .n_uris = 1, .audit_path = dbpath, .origin = "cli",
                           .forward = GOS_AUDIT_FORWARD_JOURNAL };
    gos_session *s = NULL;

    g_setenv("GUESTOS_JOURNAL_SOCKET", sock, TRUE);
    ck_assert_msg(gos_session_new(&o, &s, &err) == 0, "%s", err ? err : "");
    ck_assert_msg(gos_session_connect(s, true, &err) == 0, "%s", err ? err : "");
    ck_assert_int_eq(run(s, "logoff test", &err), 0);
    g_free(err);
    err = NULL;
    ck_assert(gos_session_wait_tasks(s, 20000));
    /* The forwarder's thread has dealt with every event; the next pump says so. */
    ck_assert_uint_eq(gos_audit_forward_flush(gos_session_audit(s), 10000), 0);
    gos_session_pump(s);
    /* Every event of the task, and nothing else. */
    ck_assert_int_eq(gos_audit_forward_failures(gos_session_audit(s)),
                     raw_count(gos_audit_priv_db(gos_session_audit(s)), "SELECT count(*) FROM events"));
    ck_assert_uint_ge(gos_audit_forward_failures(gos_session_audit(s)), 2);
    ck_assert_msg(strstr(gos_session_status(s), "audit events were not forwarded to the system log: No such file"),
                  "status: %s", gos_session_status(s));
    gos_session_free(s);
    g_unsetenv("GUESTOS_JOURNAL_SOCKET");
    g_free(sock);

    /* The task was recorded all the same. */
    gos_audit *a = open_ok(dbpath);
    page p = { .ids = g_string_new(NULL) };
    gos_audit_filter none = { 0 };
    ck_assert_int_eq(get_page(a, &none, 0, false, 0, 0, &p), 0);
    ck_assert_int_eq(p.n, 1);
    gos_audit_free(a);
    g_string_free(p.ids, TRUE);
}
END_TEST

static Suite *review_suite(void)
{
    Suite *s = suite_create("audit_review");
    TCase *tc = tcase_create("words");
    tcase_add_test(tc, test_parse_every_word);
    tcase_add_test(tc, test_parse_forms);
    tcase_add_test(tc, test_parse_errors);
    suite_add_tcase(s, tc);

    tc = tcase_create("paging");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_page_both_ways);
    tcase_add_test(tc, test_page_interrupt);
    tcase_add_test(tc, test_page_budget);
    tcase_add_test(tc, test_time_range_out_of_order);
    tcase_add_test(tc, test_time_range_wide_and_narrow);
    tcase_add_test(tc, test_text_index_follows_fold);
    suite_add_tcase(s, tc);

    tc = tcase_create("actions");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_actions_set_the_filter);
    tcase_add_test(tc, test_forward_failure_on_status);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    setenv("LANGUAGE", "C", 1);
    setenv("TZ", "UTC", 1);
    return run_suite(review_suite());
}
