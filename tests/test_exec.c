/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests of the one executor: the same action lines from the console, a macro and a batch file do the same. */
#include <config.h>

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>

#include "core/exec.h"
#include "core/macro.h"
#include "core/session.h"
#include "db/audit.h"
#include "tests/testutil.h"

static char *config_home;

/* What a front end heard, line by line. */
typedef struct heard {
    GPtrArray *lines;      /* "OK where action" / "FAIL where action: why" */
    int confirms;
    bool answer;           /* what the confirmation answers */
    gos_exec *x;
} heard;

static void heard_done(void *data, const gos_line_info *l, int rc, const char *why, gos_fail_kind kind)
{
    heard *h = data;
    (void)kind;
    if (rc < 0)
        g_ptr_array_add(h->lines, g_strdup_printf("FAIL %s %s: %s", l->where, l->cmd->action->name, why));
    else
        g_ptr_array_add(h->lines, g_strdup_printf("OK %s %s %s", l->where, l->cmd->action->name, l->origin));
}

static void heard_confirm(void *data, gos_exec *x, const gos_cmd *cmd)
{
    heard *h = data;
    (void)cmd;
    h->confirms++;
    gos_exec_answer(x, h->answer);
}

static void heard_init(heard *h)
{
    memset(h, 0, sizeof *h);
    h->lines = g_ptr_array_new_with_free_func(g_free);
    h->answer = true;
}

static gos_session *fleet_session(const char *db, const char *origin)
{
    char *uri = fleet_uri();
    const char *uris[] = { uri };
    gos_session_opts o = { .uris = uris, .n_uris = 1, .audit_path = db, .origin = origin };
    gos_session *s = NULL;
    char *err = NULL;
    ck_assert_msg(gos_session_new(&o, &s, &err) == 0, "%s", err ? err : "");
    ck_assert_msg(gos_session_connect(s, true, &err) == 0, "%s", err ? err : "");
    g_free(uri);
    return s;
}

/* The front end of the console (a person, a cursor, questions answered yes)
 * and the one of batch (nobody to ask, no cursor). */
static gos_exec *console_exec(gos_session *s, heard *h)
{
    gos_frontend fe = { .caps = GOS_FE_TERMINAL | GOS_FE_CURSOR, .data = h, .done = heard_done,
                        .confirm = heard_confirm };
    return h->x = gos_exec_new(s, &fe);
}

static gos_exec *batch_exec(gos_session *s, heard *h)
{
    gos_frontend fe = { .caps = 0, .data = h, .done = heard_done };
    return h->x = gos_exec_new(s, &fe);
}

static void write_macro(const char *name, const char *text)
{
    char *dir = gos_macro_dir();
    g_mkdir_with_parents(dir, 0700);
    char *file = g_strdup_printf("%s/%s.gos", dir, name);
    ck_assert(g_file_set_contents(file, text, -1, NULL));
    g_free(file);
    g_free(dir);
}

static gint str_cmp(gconstpointer a, gconstpointer b) { return g_strcmp0(*(char *const *)a, *(char *const *)b); }

/* What the audit log says happened, origin aside: one line per task, sorted. */
static int collect(const gos_audit_task *t, void *opaque)
{
    g_ptr_array_add(opaque, g_strdup_printf("%s %s %s 0x%08X", t->vm_name ? t->vm_name : "-", t->action,
                                            gos_result_name(t->task_result), (unsigned)t->task_error));
    return 0;
}

static char *audit_rows(const char *db)
{
    gos_audit *a = NULL;
    char *err = NULL;
    ck_assert_msg(gos_audit_open_readonly(db, &a, &err) == 0, "%s", err ? err : "");
    GPtrArray *rows = g_ptr_array_new_with_free_func(g_free);
    ck_assert_int_eq(gos_audit_query(a, NULL, 0, 0, collect, rows, &err), 0);
    gos_audit_free(a);
    g_ptr_array_sort(rows, str_cmp);
    g_ptr_array_add(rows, NULL);
    char *all = g_strjoinv("\n", (char **)rows->pdata);
    g_ptr_array_free(rows, TRUE);
    return all;
}

static const char script_text[] = "# the same lines, three ways\n"
                                  "select web*\n"
                                  "logoff\n"
                                  "wait 30\n"
                                  "unmark-all\n"
                                  "filter state=paused\n"
                                  "select-all\n"
                                  "logoff\n"
                                  "wait 30\n"
                                  "unmark-all\n"
                                  "filter\n"
                                  "sort name desc\n"
                                  "logoff db-off\n"
                                  "wait 30\n";

/* Item 2 of the executor's design: one action file through the console's
 * executor, a macro replay and batch mode leaves the same audit rows. */
START_TEST(test_same_lines_same_audit)
{
    char *dir = tmpdir_new();
    char *dbs[3];
    for (int way = 0; way < 3; way++) {
        char *name = g_strdup_printf("way%d.db", way);
        dbs[way] = g_build_filename(dir, name, NULL);
        g_free(name);
        gos_session *s = fleet_session(dbs[way], way == 2 ? "batch:same.gos" : "interactive");
        heard h;
        heard_init(&h);
        char *err = NULL;
        if (way == 0) {
            /* Typed one after the other at the console's prompt. */
            gos_exec *x = console_exec(s, &h);
            gos_script *sc = NULL;
            ck_assert_int_eq(gos_script_parse(script_text, "", &sc, &err), 0);
            for (size_t i = 0; i < sc->n; i++) {
                char *line = gos_cmd_format(&sc->cmds[i]);
                ck_assert_msg(gos_exec_line(x, line, &err) == 0, "%s: %s", line, err ? err : "");
                g_free(line);
            }
            gos_script_free(sc);
            ck_assert_int_eq(h.confirms, 3);
            gos_exec_free(x);
        } else if (way == 1) {
            write_macro("same", script_text);
            gos_exec *x = console_exec(s, &h);
            ck_assert_msg(gos_exec_line(x, "macro same", &err) == 0, "%s", err ? err : "");
            ck_assert_int_eq(h.confirms, 3);
            gos_exec_free(x);
        } else {
            gos_exec *x = batch_exec(s, &h);
            gos_script *sc = NULL;
            ck_assert_int_eq(gos_script_parse(script_text, "same.gos", &sc, &err), 0);
            gos_exec_play(x, sc, "batch:same.gos");
            ck_assert_msg(gos_exec_run(x, &err) == 0, "%s", err ? err : "");
            gos_exec_free(x);
        }
        ck_assert_uint_eq(gos_session_task_count(s), 4);
        g_ptr_array_free(h.lines, TRUE);
        gos_session_free(s);
    }
    char *a = audit_rows(dbs[0]), *b = audit_rows(dbs[1]), *c = audit_rows(dbs[2]);
    ck_assert_str_eq(a, b);
    ck_assert_str_eq(a, c);
    ck_assert_msg(strstr(a, "db-off logoff IncompatibleSavedStateError") || strstr(a, "db-off logoff"), "%s", a);
    ck_assert_msg(strstr(a, "web1 logoff") && strstr(a, "web2 logoff") && strstr(a, "batch-paused logoff"), "%s", a);
    g_free(a);
    g_free(b);
    g_free(c);
    for (int way = 0; way < 3; way++)
        g_free(dbs[way]);
    tmpdir_free(dir);
}
END_TEST

/* A bare logoff has a target in the console (the VM under the cursor) and
 * none in batch mode, where nobody sees a cursor: there it fails, naming the
 * line, and nothing runs. */
START_TEST(test_batch_has_no_cursor)
{
    char *dir = tmpdir_new();
    char *db = g_build_filename(dir, "audit.db", NULL);
    gos_session *s = fleet_session(db, "batch:t.gos");
    heard h;
    heard_init(&h);
    gos_exec *x = batch_exec(s, &h);
    gos_script *sc = NULL;
    char *err = NULL;
    ck_assert_int_eq(gos_script_parse("cursor-end\nlogoff\nselect web1\n", "t.gos", &sc, &err), 0);
    gos_exec_play(x, sc, "batch:t.gos");
    ck_assert_int_eq(gos_exec_run(x, &err), -1);
    ck_assert_msg(g_str_has_prefix(err, "t.gos:2: ") && strstr(err, "logoff"), "%s", err);
    g_free(err);
    ck_assert_uint_eq(gos_session_task_count(s), 0);
    ck_assert_uint_eq(gos_session_marked_count(s), 0);   /* the line after it never ran */
    ck_assert_uint_eq(h.lines->len, 2);
    gos_exec_free(x);

    /* The same line at the console acts on the VM under the cursor. */
    heard hc;
    heard_init(&hc);
    x = console_exec(s, &hc);
    ck_assert_int_eq(gos_exec_line(x, "logoff", &err), 0);
    ck_assert_int_eq(hc.confirms, 1);
    ck_assert_uint_eq(gos_session_task_count(s), 1);
    /* ... and, refused at the question, does nothing. */
    hc.answer = false;
    ck_assert_int_eq(gos_exec_line(x, "logoff web1", &err), 0);
    ck_assert_uint_eq(gos_session_task_count(s), 1);
    gos_exec_free(x);
    g_ptr_array_free(h.lines, TRUE);
    g_ptr_array_free(hc.lines, TRUE);
    gos_session_free(s);
    g_free(db);
    tmpdir_free(dir);
}
END_TEST

/* A recorded `sort host` means "by host", not "the other way when it is by
 * host already"; `sort next` and `sort reverse` are kept as what they did. */
START_TEST(test_sort_is_idempotent)
{
    char *dir = tmpdir_new();
    char *db = g_build_filename(dir, "audit.db", NULL);
    gos_session *s = fleet_session(db, "interactive");
    heard h;
    heard_init(&h);
    gos_exec *x = console_exec(s, &h);
    char *err = NULL;
    bool desc = true;
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(gos_exec_line(x, "sort host", &err), 0);
        ck_assert_int_eq(gos_session_sort(s, &desc), GOS_SORT_HOST);
        ck_assert(!desc);
    }
    ck_assert_int_eq(gos_exec_line(x, "sort reverse", &err), 0);
    ck_assert_int_eq(gos_session_sort(s, &desc), GOS_SORT_HOST);
    ck_assert(desc);
    ck_assert_int_eq(gos_exec_line(x, "sort next", &err), 0);
    ck_assert_int_eq(gos_session_sort(s, &desc), GOS_SORT_STATE);
    ck_assert_int_eq(gos_exec_line(x, "sort state sideways", &err), -1);
    g_free(err);
    err = NULL;

    /* What a recording keeps. */
    ck_assert_int_eq(gos_exec_line(x, "record sorts", &err), 0);
    ck_assert_str_eq(gos_exec_recording(x), "sorts");
    ck_assert_int_eq(gos_exec_line(x, "sort next", &err), 0);
    ck_assert_int_eq(gos_exec_line(x, "sort reverse", &err), 0);
    ck_assert_int_eq(gos_exec_line(x, "view tasks", &err), 0);   /* not recorded */
    ck_assert_int_eq(gos_exec_line(x, "record", &err), 0);
    ck_assert_ptr_null(gos_exec_recording(x));
    gos_script *sc = NULL;
    ck_assert_int_eq(gos_macro_load("sorts", &sc, &err), 0);
    ck_assert_uint_eq(sc->n, 2);
    char *l0 = gos_cmd_format(&sc->cmds[0]), *l1 = gos_cmd_format(&sc->cmds[1]);
    ck_assert_str_eq(l0, "sort agent");
    ck_assert_str_eq(l1, "sort agent desc");
    g_free(l0);
    g_free(l1);
    gos_script_free(sc);
    gos_exec_free(x);

    /* record needs a person at a terminal. */
    heard hb;
    heard_init(&hb);
    x = batch_exec(s, &hb);
    ck_assert_int_eq(gos_exec_line(x, "record x", &err), -1);
    ck_assert_msg(strstr(err, "interactive console"), "%s", err);
    g_free(err);
    gos_exec_free(x);
    g_ptr_array_free(h.lines, TRUE);
    g_ptr_array_free(hb.lines, TRUE);
    gos_session_free(s);
    g_free(db);
    tmpdir_free(dir);
}
END_TEST

/* Macros: origins, nesting, recursion, syntax errors and failing lines. */
START_TEST(test_macro_replay)
{
    char *dir = tmpdir_new();
    char *db = g_build_filename(dir, "audit.db", NULL);
    gos_session *s = fleet_session(db, "batch:t");
    heard h;
    heard_init(&h);
    gos_exec *x = batch_exec(s, &h);
    char *err = NULL;

    write_macro("inner", "logoff web2\n");
    write_macro("outer", "# calls inner\nselect db-*\nlogoff\nwait 30\nmacro inner\nwait 30\nunmark-all\n");
    ck_assert_msg(gos_exec_line(x, "macro outer", &err) == 0, "%s", err ? err : "");
    ck_assert_uint_eq(gos_session_task_count(s), 2);
    gos_task_info info;
    gos_task_snapshot(gos_session_task_at(s, 0), &info);
    ck_assert_str_eq(info.origin, "macro:outer");
    ck_assert(info.complete);
    gos_task_info_clear(&info);
    gos_task_snapshot(gos_session_task_at(s, 1), &info);
    ck_assert_str_eq(info.origin, "macro:inner");
    gos_task_info_clear(&info);
    /* The caller's origin is back, and the macro ran to its last line. */
    ck_assert_str_eq(gos_session_origin(s), "batch:t");
    ck_assert_uint_eq(gos_session_marked_count(s), 0);

    /* Recursion, direct or not, stops before anything runs again. */
    write_macro("loop-a", "macro loop-b\n");
    write_macro("loop-b", "select web1\nmacro loop-a\n");
    ck_assert_int_eq(gos_exec_line(x, "macro loop-a", &err), -1);
    ck_assert_msg(strstr(err, "loop-b.gos:2: ") && strstr(err, "loop: loop-a > loop-b > loop-a."), "%s", err);
    g_free(err);
    err = NULL;
    ck_assert_str_eq(gos_session_origin(s), "batch:t");

    /* A syntax error anywhere in the file runs nothing of it. */
    write_macro("half", "logoff web1\nlogof web2\n");
    ck_assert_int_eq(gos_exec_line(x, "macro half", &err), -1);
    ck_assert_msg(strstr(err, "half.gos:2:1:"), "%s", err);
    g_free(err);
    err = NULL;
    ck_assert_uint_eq(gos_session_task_count(s), 2);

    /* A failing line stops the macro and names its file and line. */
    write_macro("nomatch", "select zzz*\nlogoff web1\n");
    ck_assert_int_eq(gos_exec_line(x, "macro nomatch", &err), -1);
    ck_assert_msg(strstr(err, "nomatch.gos:1: ") && strstr(err, "zzz*"), "%s", err);
    g_free(err);
    err = NULL;
    ck_assert_uint_eq(gos_session_task_count(s), 2);
    ck_assert_str_eq(gos_session_origin(s), "batch:t");

    gos_exec_free(x);
    g_ptr_array_free(h.lines, TRUE);
    gos_session_free(s);
    g_free(db);
    tmpdir_free(dir);
}
END_TEST

/* The executor never blocks: a line that waits is a state the console polls,
 * and what every line did reaches the front end with where it came from. */
START_TEST(test_steps_never_block)
{
    char *dir = tmpdir_new();
    char *db = g_build_filename(dir, "audit.db", NULL);
    gos_session *s = fleet_session(db, "interactive");
    heard h;
    heard_init(&h);
    gos_exec *x = console_exec(s, &h);
    write_macro("steps", "select web*\nwait 0\nwait nonsense\nunmark-all\n");
    char *err = NULL;
    ck_assert_int_eq(gos_exec_push_line(x, "macro steps", &err), 0);
    long wait_ms = 0;
    for (int i = 0; i < 10 && gos_exec_step(x, &wait_ms) != GOS_EXEC_IDLE; i++)
        ;
    ck_assert_int_eq(gos_exec_step(x, &wait_ms), GOS_EXEC_IDLE);
    ck_assert_uint_eq(h.lines->len, 4);
    ck_assert_str_eq(g_ptr_array_index(h.lines, 0), "OK  macro interactive");
    ck_assert_msg(g_str_has_prefix(g_ptr_array_index(h.lines, 1), "OK ") &&
                  strstr(g_ptr_array_index(h.lines, 1), "steps.gos:1 select macro:steps"),
                  "%s", (char *)g_ptr_array_index(h.lines, 1));
    const char *bad = g_ptr_array_index(h.lines, 3);
    ck_assert_msg(g_str_has_prefix(bad, "FAIL ") && strstr(bad, "steps.gos:3 wait") && strstr(bad, "nonsense"),
                  "%s", bad);
    /* The failing line stopped the macro: its marks stay, and the status line says where. */
    ck_assert_uint_eq(gos_session_marked_count(s), 2);
    ck_assert(gos_session_status_is_error(s));
    ck_assert_msg(strstr(gos_session_status(s), "Macro steps stopped") && strstr(gos_session_status(s), "steps.gos:3"),
                  "%s", gos_session_status(s));
    ck_assert(!gos_exec_busy(x));
    gos_exec_free(x);
    g_ptr_array_free(h.lines, TRUE);
    gos_session_free(s);
    g_free(db);
    tmpdir_free(dir);
}
END_TEST

/* L where the screen shows no VM cursor (the audit log, the tasks): the
 * marked VMs or none, never the one the list's cursor happens to be on. */
START_TEST(test_no_cursor_outside_the_list)
{
    char *dir = tmpdir_new();
    char *db = g_build_filename(dir, "audit.db", NULL);
    gos_session *s = fleet_session(db, "interactive");
    heard h;
    heard_init(&h);
    gos_exec *x = console_exec(s, &h);
    char *err = NULL;
    ck_assert_int_eq(gos_exec_line(x, "view audit", &err), 0);
    ck_assert_int_eq(gos_exec_line(x, "logoff", &err), -1);
    ck_assert_msg(strstr(err, "no VM cursor"), "%s", err);
    g_clear_pointer(&err, g_free);
    ck_assert_int_eq(h.confirms, 0);
    ck_assert_uint_eq(gos_session_task_count(s), 0);
    /* history and cancel do not reach for it either */
    ck_assert_int_eq(gos_exec_line(x, "history", &err), -1);
    g_clear_pointer(&err, g_free);
    /* marked VMs are targets anywhere: the confirmation names them */
    ck_assert_int_eq(gos_exec_line(x, "select web1", &err), 0);
    ck_assert_int_eq(gos_exec_line(x, "logoff", &err), 0);
    ck_assert_int_eq(h.confirms, 1);
    ck_assert_uint_eq(gos_session_task_count(s), 1);
    /* back in the list, the cursor's VM is one again */
    ck_assert_int_eq(gos_exec_line(x, "unmark-all", &err), 0);
    ck_assert_int_eq(gos_exec_line(x, "view vms", &err), 0);
    ck_assert_int_eq(gos_exec_line(x, "logoff", &err), 0);
    ck_assert_int_eq(h.confirms, 2);
    ck_assert(gos_session_wait_tasks(s, 30000));
    gos_exec_free(x);
    g_ptr_array_free(h.lines, TRUE);
    gos_session_free(s);
    g_free(db);
    tmpdir_free(dir);
}
END_TEST

static char *read_macro(const char *name)
{
    char *path = gos_macro_path(name, NULL), *text = NULL;
    g_file_get_contents(path, &text, NULL, NULL);
    g_free(path);
    return text;
}

/* What a prompt runs as it is typed changes the view, is never recorded,
 * and a failure of words not yet whole leaves the status line alone. */
START_TEST(test_live_lines)
{
    char *dir = tmpdir_new();
    char *db = g_build_filename(dir, "audit.db", NULL);
    gos_session *s = fleet_session(db, "interactive");
    heard h;
    heard_init(&h);
    gos_exec *x = console_exec(s, &h);
    char *err = NULL;
    ck_assert_int_eq(gos_exec_line(x, "record livetest", &err), 0);
    ck_assert_int_eq(gos_exec_push_live(x, "search w", &err), 0);
    ck_assert_uint_eq(gos_session_view_count(s), 2);
    ck_assert_int_eq(gos_exec_push_live(x, "search web1", &err), 0);
    ck_assert_uint_eq(gos_session_view_count(s), 1);
    gos_session_set_status(s, "%s", "before");
    ck_assert_int_eq(gos_exec_push_live(x, "filter state=ru", &err), 0);
    ck_assert_str_eq(gos_session_status(s), "before");
    ck_assert_msg(strstr(g_ptr_array_index(h.lines, h.lines->len - 1), "FAIL") != NULL, "%s",
                  (char *)g_ptr_array_index(h.lines, h.lines->len - 1));
    /* only what may preview: never a logoff */
    ck_assert_int_eq(gos_exec_push_live(x, "logoff web1", &err), -1);
    g_clear_pointer(&err, g_free);
    ck_assert_int_eq(h.confirms, 0);
    ck_assert_int_eq(gos_exec_line(x, "search web", &err), 0);
    ck_assert_int_eq(gos_exec_line(x, "record", &err), 0);
    char *text = read_macro("livetest");
    ck_assert_ptr_nonnull(text);
    ck_assert_msg(strstr(text, "search web\n") && !strstr(text, "search w\n") && !strstr(text, "web1") &&
                  !strstr(text, "state=ru"), "%s", text);
    g_free(text);
    gos_exec_free(x);
    g_ptr_array_free(h.lines, TRUE);
    gos_session_free(s);
    g_free(db);
    tmpdir_free(dir);
}
END_TEST

/* A macro of that name is not written over unless `replace` says so. */
START_TEST(test_record_keeps_existing)
{
    char *dir = tmpdir_new();
    char *db = g_build_filename(dir, "audit.db", NULL);
    gos_session *s = fleet_session(db, "interactive");
    heard h;
    heard_init(&h);
    gos_exec *x = console_exec(s, &h);
    write_macro("kept", "select web*\n");
    char *err = NULL;
    ck_assert_int_eq(gos_exec_line(x, "record kept", &err), -1);
    ck_assert_msg(strstr(err, "record kept replace"), "%s", err);
    g_clear_pointer(&err, g_free);
    ck_assert_ptr_null(gos_exec_recording(x));
    ck_assert_int_eq(gos_exec_line(x, "record kept replace", &err), 0);
    ck_assert_str_eq(gos_exec_recording(x), "kept");
    ck_assert_int_eq(gos_exec_line(x, "sort state", &err), 0);
    ck_assert_int_eq(gos_exec_line(x, "record", &err), 0);
    char *text = read_macro("kept");
    ck_assert_msg(strstr(text, "sort state") && !strstr(text, "select web*"), "%s", text);
    g_free(text);
    ck_assert_int_eq(gos_exec_line(x, "record kept nonsense", &err), -1);
    g_clear_pointer(&err, g_free);
    gos_exec_free(x);
    g_ptr_array_free(h.lines, TRUE);
    gos_session_free(s);
    g_free(db);
    tmpdir_free(dir);
}
END_TEST

int main(void)
{
    /* Before anything asks GLib for it: the macros folder of this run. */
    config_home = g_dir_make_tmp("guestos-exec-XXXXXX", NULL);
    g_assert(config_home);
    g_setenv("XDG_CONFIG_HOME", config_home, TRUE);

    Suite *s = suite_create("exec");
    TCase *tc = tcase_create("exec");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_same_lines_same_audit);
    tcase_add_test(tc, test_batch_has_no_cursor);
    tcase_add_test(tc, test_sort_is_idempotent);
    tcase_add_test(tc, test_macro_replay);
    tcase_add_test(tc, test_steps_never_block);
    tcase_add_test(tc, test_no_cursor_outside_the_list);
    tcase_add_test(tc, test_live_lines);
    tcase_add_test(tc, test_record_keeps_existing);
    suite_add_tcase(s, tc);
    int rc = run_suite(s);
    rm_tree(config_home);
    g_free(config_home);
    return rc;
}
