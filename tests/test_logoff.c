/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests of the logoff procedure on libvirt's test driver, the audit it leaves, and the Windows plan parser. */
#include <config.h>

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "core/bus.h"
#include "core/logoff.h"
#include "core/submit.h"
#include "core/session.h"
#include "tests/testutil.h"

static char *dir;
static char *db;

static gos_session *open_on(const char *uri, bool readonly)
{
    dir = tmpdir_new();
    db = g_build_filename(dir, "audit.db", NULL);
    const char *uris[] = { uri };
    gos_session_opts o = { .uris = uris, .n_uris = 1, .readonly = readonly, .audit_path = db, .origin = "cli" };
    gos_session *s = NULL;
    char *err = NULL;
    ck_assert_msg(gos_session_new(&o, &s, &err) == 0, "%s", err ? err : "");
    ck_assert_msg(gos_session_connect(s, true, &err) == 0, "%s", err ? err : "");
    return s;
}

static void close_session(gos_session *s)
{
    gos_session_free(s);
    g_free(db);
    tmpdir_free(dir);
}

/* Runs one logoff to the end and returns its snapshot. */
static void logoff(gos_session *s, const char *vm, gos_task_info *info)
{
    char *err = NULL;
    gos_task *t = gos_session_logoff_vm(s, NULL, vm, &err);
    ck_assert_msg(t != NULL, "%s", err ? err : "");
    ck_assert_uint_eq(gos_task_wait(t, 30000), GOS_S_OK);
    ck_assert(gos_task_is_complete(t));
    gos_task_snapshot(t, info);
}

typedef struct {
    int n;
    gos_audit_task last;
    char *vm_name, *message, *op_user;
} audit_seen;

static int audit_cb(const gos_audit_task *t, void *opaque)
{
    audit_seen *a = opaque;
    if (a->n++ == 0) {
        a->last = *t;
        a->vm_name = g_strdup(t->vm_name);
        a->message = g_strdup(t->message);
        a->op_user = g_strdup(t->op_user);
    }
    return 0;
}

/* The newest audited task, with its call HRESULT and task Error. */
static void newest_audit(gos_session *s, audit_seen *a)
{
    memset(a, 0, sizeof *a);
    char *err = NULL;
    ck_assert_int_eq(gos_audit_query(gos_session_audit(s), NULL, 0, 1, audit_cb, a, &err), 0);
    ck_assert_int_eq(a->n, 1);
}

static void audit_seen_clear(audit_seen *a)
{
    g_free(a->vm_name);
    g_free(a->message);
    g_free(a->op_user);
}

START_TEST(test_running_without_agent)
{
    gos_session *s = open_on("test:///default", false);
    gos_task_info i;
    logoff(s, "test", &i);
    ck_assert_uint_eq(i.error, GOS_VM_E_ADDITIONS_FEATURE_NOT_AVAIL);
    ck_assert(i.has_call_hr);
    ck_assert_uint_eq(i.call_hr, GOS_VM_E_ADDITIONS_FEATURE_NOT_AVAIL);
    ck_assert_int_eq(i.result, GOS_RESULT_UNEXPECTED);
    ck_assert_ptr_nonnull(strstr(i.message, "channel"));
    ck_assert_str_eq(i.vm_name, "test");
    gos_task_info_clear(&i);

    audit_seen a;
    newest_audit(s, &a);
    ck_assert_str_eq(a.vm_name, "test");
    ck_assert(a.last.has_call_hr);
    ck_assert_uint_eq(a.last.call_hr, GOS_VM_E_ADDITIONS_FEATURE_NOT_AVAIL);
    ck_assert_uint_eq(a.last.task_error, GOS_VM_E_ADDITIONS_FEATURE_NOT_AVAIL);
    ck_assert_int_gt(a.last.ended_at, 0);
    ck_assert_ptr_nonnull(a.op_user);
    audit_seen_clear(&a);
    close_session(s);
}
END_TEST

START_TEST(test_fleet_outcomes)
{
    char *uri = fleet_uri();
    gos_session *s = open_on(uri, false);
    static const struct { const char *vm; gos_hr hr; const char *says; } cases[] = {
        { "db-off", GOS_VM_E_VM_NOT_RUNNING, "shut off" },
        { "batch-paused", GOS_VM_E_VM_NOT_RUNNING, "paused" },
        { "no-such-vm", GOS_VM_E_VM_UNKNOWN, "no-such-vm" },
        { "00000000-0000-0000-0000-000000000000", GOS_VM_E_VM_UNKNOWN, NULL },
        /* a channel is configured, but the driver has no agent support */
        { "web1", GOS_VM_E_ADDITIONS_FEATURE_NOT_AVAIL, "agent support" },
        { "web2", GOS_VM_E_ADDITIONS_FEATURE_NOT_AVAIL, "channel" },
        /* by UUID */
        { "6695eb01-f6a4-8304-79aa-97f2502e1933", GOS_VM_E_VM_NOT_RUNNING, "shut off" },
    };
    for (size_t k = 0; k < G_N_ELEMENTS(cases); k++) {
        gos_task_info i;
        logoff(s, cases[k].vm, &i);
        ck_assert_msg(i.error == cases[k].hr, "%s: got 0x%08X", cases[k].vm, i.error);
        ck_assert_uint_eq(i.call_hr, cases[k].hr);
        if (cases[k].says)
            ck_assert_msg(i.message && strstr(i.message, cases[k].says), "%s: message '%s'", cases[k].vm, i.message);
        gos_task_info_clear(&i);
    }
    /* every task is in the audit log, the chain holds */
    gos_audit_verify_report rep = { 0 };
    char *err = NULL;
    ck_assert_int_eq(gos_audit_verify(gos_session_audit(s), &rep, &err), 0);
    ck_assert(rep.ok);
    ck_assert_int_ge(rep.rows, (int64_t)G_N_ELEMENTS(cases) * 4);
    free(rep.reason);
    close_session(s);
    g_free(uri);
}
END_TEST

START_TEST(test_readonly_denied)
{
    gos_session *s = open_on("test:///default", true);
    gos_task_info i;
    logoff(s, "test", &i);
    ck_assert_uint_eq(i.error, GOS_E_ACCESSDENIED);
    ck_assert_uint_eq(i.call_hr, GOS_E_ACCESSDENIED);
    ck_assert_ptr_nonnull(strstr(i.message, "read-only"));
    gos_task_info_clear(&i);
    close_session(s);
}
END_TEST

START_TEST(test_many_at_once)
{
    char *uri = fleet_uri();
    gos_session *s = open_on(uri, false);
    ck_assert_uint_eq(gos_session_select(s, "*"), 4);
    char *err = NULL;
    ck_assert_int_eq(gos_submit_logoff(s, 0, NULL, true, &err), 4);
    ck_assert(gos_session_wait_tasks(s, 30000));
    size_t running, failed, ok;
    gos_session_task_totals(s, &running, &failed, &ok);
    ck_assert_uint_eq(running, 0);
    ck_assert_uint_eq(failed, 4);
    close_session(s);
    g_free(uri);
}
END_TEST

START_TEST(test_unwritable_audit_starts_nothing)
{
    /* A store that cannot be written: the task ends before its work runs,
     * and the engine refuses new tasks with the reason. */
    char *d = tmpdir_new();
    char *path = g_build_filename(d, "audit.db", NULL);
    gos_audit *rw = NULL, *ro = NULL;
    char *err = NULL;
    ck_assert_int_eq(gos_audit_open(path, &rw, &err), 0);
    gos_audit_free(rw);
    ck_assert_int_eq(gos_audit_open_readonly(path, &ro, &err), 0);
    gos_bus *bus = gos_bus_new();
    gos_operator op;
    gos_operator_init(&op);
    gos_engine *e = gos_engine_new(ro, bus, &op, 1, 5000, &err);
    gos_task_spec spec = { .action = "logoff", .description = "x", .host = "test:///default", .vm = "test",
                           .origin = "cli", .run = gos_logoff_run, .job = NULL };
    /* The request cannot be put on record, so it is refused: it never runs. */
    gos_task *t = gos_engine_submit(e, &spec, &err);
    ck_assert_ptr_null(t);
    ck_assert_ptr_nonnull(err);
    ck_assert_msg(strstr(err, "audit") || strstr(err, "No new task"), "%s", err);
    g_free(err);
    err = NULL;
    ck_assert_ptr_nonnull(gos_engine_audit_problem(e));
    ck_assert_ptr_null(gos_engine_submit(e, &spec, &err));
    ck_assert_ptr_nonnull(err);
    g_free(err);
    gos_engine_free(e);
    gos_msg *m;
    while ((m = gos_bus_pop(bus)))
        gos_msg_free(m);
    gos_bus_free(bus);
    gos_operator_clear(&op);
    gos_audit_free(ro);
    g_free(path);
    tmpdir_free(d);
}
END_TEST

START_TEST(test_unwritable_audit_path)
{
    const char *uris[] = { "test:///default" };
    gos_session_opts o = { .uris = uris, .n_uris = 1, .audit_path = "/proc/guestos/audit.db", .origin = "cli" };
    gos_session *s = NULL;
    char *err = NULL;
    ck_assert_int_eq(gos_session_new(&o, &s, &err), -1);
    ck_assert_ptr_nonnull(err);
    ck_assert_int_gt(strlen(err), 10);
    free(err);
}
END_TEST

/* Recorded `query session` output of Windows Server, English and German. */
static const char query_en[] =
    " SESSIONNAME       USERNAME                 ID  STATE   TYPE        DEVICE\r\n"
    " services                                    0  Disc\r\n"
    ">console           Administrator             1  Active\r\n"
    " rdp-tcp#0         alice                     2  Active  rdpwd\r\n"
    "                   bob                       3  Disc\r\n"
    " rdp-tcp                                 65536  Listen\r\n";

static const char query_de[] =
    " SITZUNGSNAME      BENUTZERNAME             ID  STATUS  TYP         GERÄT\r\n"
    " services                                    0  Getr.\r\n"
    ">console           Administrator             1  Aktiv\r\n"
    " rdp-tcp#1         jürgen                    4  Aktiv   rdpwd\r\n"
    " rdp-tcp                                 65536  Abhören\r\n";

START_TEST(test_windows_sessions)
{
    gos_win_session *ss = NULL;
    int n = gos_win_sessions_parse(query_en, &ss);
    ck_assert_int_eq(n, 3);
    ck_assert_str_eq(ss[0].user, "Administrator");
    ck_assert_int_eq(ss[0].id, 1);
    ck_assert_str_eq(ss[0].session, "console");
    ck_assert_str_eq(ss[1].user, "alice");
    ck_assert_int_eq(ss[1].id, 2);
    ck_assert_str_eq(ss[2].user, "bob");
    ck_assert_int_eq(ss[2].id, 3);
    ck_assert_ptr_null(ss[2].session);
    gos_win_sessions_free(ss, (size_t)n);

    n = gos_win_sessions_parse(query_de, &ss);
    ck_assert_int_eq(n, 2);
    ck_assert_str_eq(ss[1].user, "jürgen");
    ck_assert_int_eq(ss[1].id, 4);
    gos_win_sessions_free(ss, (size_t)n);

    ck_assert_int_eq(gos_win_sessions_parse("", &ss), -1);
    ck_assert_int_eq(gos_win_sessions_parse(NULL, &ss), -1);
}
END_TEST

START_TEST(test_linux_script_is_the_file)
{
    /* the compiled-in plan is core/logoff-linux.sh, byte for byte */
    char *text = NULL;
    ck_assert(g_file_get_contents(SRCDIR "/core/logoff-linux.sh", &text, NULL, NULL));
    ck_assert_str_eq(gos_linux_logoff_script, text);
    g_free(text);
    ck_assert_ptr_null(strstr(gos_linux_logoff_script, "eval "));
    ck_assert_str_eq(gos_phase_label(GOS_PHASE_VERIFY), "verifying");
}
END_TEST

/* Runs the plan on this machine with hostile "user names": they must stay
 * words. None of them exists here, so nothing is killed. */
START_TEST(test_linux_script_argv_safe)
{
    char *tmp = tmpdir_new();
    char *pwn = g_build_filename(tmp, "PWN", NULL);
    char *inject = g_strdup_printf("x;touch %s", pwn);
    char *subst = g_strdup_printf("$(touch %s)", pwn);
    char *back = g_strdup_printf("`touch %s`", pwn);
    const char *argv[] = { "/bin/sh", "-c", gos_linux_logoff_script, "sh", inject, subst, back,
                           "--help", "-KILL", "*", "", NULL };
    char *out = NULL, *errout = NULL;
    int status = -1;
    GError *gerr = NULL;
    ck_assert(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &errout, &status, &gerr));
    ck_assert(WIFEXITED(status));
    ck_assert_int_eq(WEXITSTATUS(status), 2);            /* unknown users */
    ck_assert_ptr_nonnull(strstr(errout, "unknown user: x;touch"));
    ck_assert(!g_file_test(pwn, G_FILE_TEST_EXISTS));
    g_free(out);
    g_free(errout);

    const char *none[] = { "/bin/sh", "-c", gos_linux_logoff_script, "sh", NULL };
    ck_assert(g_spawn_sync(NULL, (char **)none, NULL, G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                           NULL, NULL, NULL, NULL, &status, &gerr));
    ck_assert_int_eq(WEXITSTATUS(status), 4);            /* no user given */
    g_free(inject);
    g_free(subst);
    g_free(back);
    g_free(pwn);
    tmpdir_free(tmp);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("logoff");
    TCase *tc = tcase_create("test-driver");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_running_without_agent);
    tcase_add_test(tc, test_fleet_outcomes);
    tcase_add_test(tc, test_readonly_denied);
    tcase_add_test(tc, test_many_at_once);
    tcase_add_test(tc, test_unwritable_audit_starts_nothing);
    tcase_add_test(tc, test_unwritable_audit_path);
    suite_add_tcase(s, tc);
    TCase *tp = tcase_create("plans");
    tcase_add_test(tp, test_windows_sessions);
    tcase_add_test(tp, test_linux_script_is_the_file);
    tcase_add_test(tp, test_linux_script_argv_safe);
    suite_add_tcase(s, tp);
    return run_suite(s);
}
