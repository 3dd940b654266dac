/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests of the action table and the action-line language of macros and batch files. */
#include <config.h>

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/actions.h"
#include "core/exec.h"
#include "tests/testutil.h"

START_TEST(test_table_sane)
{
    ck_assert_int_gt(gos_action_count(), 15);
    for (size_t i = 0; i < gos_action_count(); i++) {
        const gos_action *a = gos_action_at(i);
        ck_assert_ptr_nonnull(a->fn);
        ck_assert_msg(a->help && strlen(a->help) > 5, "%s has no help", a->name);
        ck_assert_int_le(a->min_args, a->max_args);
        ck_assert_ptr_eq(gos_action_find(a->name), a);
        for (size_t j = i + 1; j < gos_action_count(); j++)
            ck_assert_str_ne(a->name, gos_action_at(j)->name);
    }
    ck_assert(gos_action_find("logoff")->flags & GOS_ACT_DESTRUCTIVE);
    ck_assert_ptr_null(gos_action_find("format-disk"));
}
END_TEST

START_TEST(test_parse_script)
{
    const char *text = "# nightly\n"
                       "connect test:///default\n"
                       "\n"
                       "select web*   # the web tier\n"
                       "filter state=running users=yes\r\n"
                       "search \"my vm \\\"quoted\\\"\"\n"
                       "logoff\n"
                       "wait 120\n";
    gos_script *sc = NULL;
    char *err = NULL;
    ck_assert_msg(gos_script_parse(text, "n.gos", &sc, &err) == 0, "%s", err ? err : "");
    ck_assert_uint_eq(sc->n, 6);
    ck_assert_str_eq(sc->cmds[0].action->name, "connect");
    ck_assert_str_eq(sc->cmds[0].argv[0], "test:///default");
    ck_assert_int_eq(sc->cmds[1].line, 4);
    ck_assert_str_eq(sc->cmds[1].argv[0], "web*");
    ck_assert_int_eq(sc->cmds[2].argc, 2);
    ck_assert_str_eq(sc->cmds[2].argv[1], "users=yes");
    ck_assert_str_eq(sc->cmds[3].argv[0], "my vm \"quoted\"");
    ck_assert_str_eq(sc->cmds[5].argv[0], "120");
    gos_script_free(sc);
}
END_TEST

START_TEST(test_syntax_errors_name_place)
{
    static const struct { const char *text; const char *want; } bad[] = {
        { "select web*\nfrobnicate\n", "b.gos:2:1: unknown action 'frobnicate'" },
        { "refresh\n  connect\n", "b.gos:2:3: connect takes URI" },
        { "search \"open\n", "b.gos:1:8: unterminated quote" },
        { "refresh now\n", "b.gos:1:1: refresh takes no arguments" },
        { "select a\"b\n", "b.gos:1:9: a quote inside a word" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        gos_script *sc = NULL;
        char *err = NULL;
        ck_assert_int_eq(gos_script_parse(bad[i].text, "b.gos", &sc, &err), -1);
        ck_assert_ptr_null(sc);
        ck_assert_msg(!strcmp(err, bad[i].want), "got '%s', want '%s'", err, bad[i].want);
        g_free(err);
    }
    gos_script *sc = NULL;
    char *err = NULL;
    ck_assert_int_eq(gos_script_parse("refresh\n\xff\n", "b.gos", &sc, &err), -1);
    g_free(err);
}
END_TEST

START_TEST(test_format_round_trip)
{
    const char *lines[] = { "select web*", "search \"two words\"", "search \"a\\\"b\"", "filter state=running",
                            "connect test:///default", "search \"\"", "search \"#hash\"" };
    for (size_t i = 0; i < G_N_ELEMENTS(lines); i++) {
        gos_cmd cmd, again;
        char *err = NULL;
        ck_assert_msg(gos_cmd_parse(lines[i], &cmd, &err) == 0, "%s: %s", lines[i], err);
        char *text = gos_cmd_format(&cmd);
        ck_assert_int_eq(gos_cmd_parse(text, &again, &err), 0);
        ck_assert_ptr_eq(cmd.action, again.action);
        ck_assert_int_eq(cmd.argc, again.argc);
        for (int k = 0; k < cmd.argc; k++)
            ck_assert_str_eq(cmd.argv[k], again.argv[k]);
        g_free(text);
        gos_cmd_clear(&cmd);
        gos_cmd_clear(&again);
    }
}
END_TEST

/* Runs one parsed line through the executor, as batch mode does. */
static int run_cmd(gos_session *s, const gos_cmd *cmd, char **err)
{
    gos_frontend fe = { 0 };
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
    ck_assert_int_eq(gos_cmd_parse(line, &cmd, err), 0);
    int rc = run_cmd(s, &cmd, err);
    gos_cmd_clear(&cmd);
    return rc;
}

START_TEST(test_exec_on_fleet)
{
    char *dir = tmpdir_new();
    char *db = g_build_filename(dir, "audit.db", NULL);
    char *uri = fleet_uri();
    const char *uris[] = { uri };
    gos_session_opts o = { .uris = uris, .n_uris = 1, .audit_path = db, .origin = "batch:t" };
    gos_session *s = NULL;
    char *err = NULL;
    ck_assert_int_eq(gos_session_new(&o, &s, &err), 0);
    ck_assert_int_eq(gos_session_connect(s, true, &err), 0);

    ck_assert_int_ge(run(s, "filter state=running", &err), 0);
    ck_assert_uint_eq(gos_session_view_count(s), 2);
    ck_assert_int_eq(run(s, "filter state=sleeping", &err), -1);
    g_free(err);
    err = NULL;
    ck_assert_int_ge(run(s, "filter", &err), 0);
    ck_assert_int_ge(run(s, "select db-*", &err), 0);
    ck_assert_uint_eq(gos_session_marked_count(s), 1);
    ck_assert_int_eq(run(s, "select zzz*", &err), -1);
    ck_assert_ptr_nonnull(strstr(err, "zzz*"));
    g_free(err);
    err = NULL;
    ck_assert_int_ge(run(s, "logoff", &err), 0);
    ck_assert_int_ge(run(s, "wait 30", &err), 0);
    ck_assert_uint_eq(gos_session_task_count(s), 1);
    ck_assert_uint_eq(gos_task_get_error(gos_session_task_at(s, 0)), GOS_VM_E_VM_NOT_RUNNING);
    ck_assert_int_ge(run(s, "unmark-all", &err), 0);
    ck_assert_int_ge(run(s, "cursor-end", &err), 0);
    ck_assert_uint_eq(gos_session_cursor(s), 3);
    ck_assert_int_ge(run(s, "sort state", &err), 0);
    ck_assert_int_eq(run(s, "sort colour", &err), -1);
    g_free(err);
    err = NULL;
    ck_assert_int_ge(run(s, "view audit", &err), 0);
    ck_assert_int_eq(gos_session_view(s), GOS_VIEW_AUDIT);
    ck_assert_int_ge(run(s, "quit", &err), 0);
    ck_assert(gos_session_quit_requested(s));
    gos_session_free(s);
    g_free(uri);
    g_free(db);
    tmpdir_free(dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("actions");
    TCase *tc = tcase_create("language");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_table_sane);
    tcase_add_test(tc, test_parse_script);
    tcase_add_test(tc, test_syntax_errors_name_place);
    tcase_add_test(tc, test_format_round_trip);
    tcase_add_test(tc, test_exec_on_fleet);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
