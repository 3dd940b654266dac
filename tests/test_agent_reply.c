/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests of the guest-agent reply parsers with the replies a hostile or broken guest can send. */
#include <config.h>

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/agent_reply.h"
#include "core/logoff.h"
#include "tests/testutil.h"

#define P(text) (text), strlen(text)

/* Replies that are not answers at all: every parser says so, none succeeds. */
START_TEST(test_not_answers)
{
    static const char *const replies[] = {
        "", "null", "[]", "{}", "{\"return\":null}", "{\"error\":{\"class\":\"GenericError\"}}",
        "{\"return\":{}} trailing", "{\"return\":", "{\"return\":[1,2", "\"return\"", "42",
        "{\"return\":{}}\n{\"return\":{}}",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(replies); i++) {
        const char *r = replies[i];
        size_t len = strlen(r);
        char *err = NULL;
        gos_agent_info info = { 0 };
        gos_agent_osinfo os = { 0 };
        gos_agent_exec_status st = { 0 };
        gos_user *u = NULL;
        size_t n = 0;
        int64_t pid = 0;
        bool is_empty_object = !strcmp(r, "{\"return\":{}}") ;
        (void)is_empty_object;
        ck_assert_msg(gos_agent_parse_info(r, len, &info, &err) == -1 && err, "info accepted %s", r);
        g_clear_pointer(&err, g_free);
        ck_assert_msg(gos_agent_parse_users(r, len, &u, &n, &err) == -1 && err, "users accepted %s", r);
        g_clear_pointer(&err, g_free);
        ck_assert_msg(gos_agent_parse_exec(r, len, &pid, &err) == -1 && err, "exec accepted %s", r);
        g_clear_pointer(&err, g_free);
        ck_assert_msg(gos_agent_parse_exec_status(r, len, &st, &err) == -1 && err, "status accepted %s", r);
        g_clear_pointer(&err, g_free);
        if (strcmp(r, "{}") && strcmp(r, "[]")) {
            ck_assert_msg(gos_agent_parse_osinfo(r, len, &os, &err) == -1 && err, "osinfo accepted %s", r);
            g_clear_pointer(&err, g_free);
            ck_assert_msg(gos_agent_parse_ping(r, len, &err) == -1 && err, "ping accepted %s", r);
            g_clear_pointer(&err, g_free);
        }
    }
}
END_TEST

/* guest-info with fields of the wrong type ends in a sentence, not a crash. */
START_TEST(test_info_types)
{
    static const char *const bad[] = {
        "{\"return\":{\"supported_commands\":[{\"name\":null,\"enabled\":true}]}}",
        "{\"return\":{\"supported_commands\":{\"name\":\"guest-exec\"}}}",
        "{\"return\":{\"supported_commands\":[\"guest-exec\"]}}",
        "{\"return\":{\"supported_commands\":[{\"name\":\"guest-exec\",\"enabled\":\"yes\"}]}}",
        "{\"return\":{\"supported_commands\":[{\"name\":7,\"enabled\":true}]}}",
        "{\"return\":{\"version\":[],\"supported_commands\":[]}}",
        "{\"return\":{\"version\":\"7.2\"}}",
        "{\"return\":[]}",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        gos_agent_info info = { 0 };
        char *err = NULL;
        ck_assert_msg(gos_agent_parse_info(P(bad[i]), &info, &err) == -1, "accepted %s", bad[i]);
        ck_assert_msg(strstr(err, "guest-info"), "%s", err);
        g_free(err);
    }
    const char *good = "{\"return\":{\"version\":\"7.2.\\u001b]52;c;x\\u0007\",\"supported_commands\":["
                       "{\"name\":\"guest-exec\",\"enabled\":true,\"success-response\":true},"
                       "{\"name\":\"guest-exec-status\",\"enabled\":false},"
                       "{\"name\":\"guest-get-osinfo\",\"enabled\":true}]}}";
    gos_agent_info info = { 0 };
    char *err = NULL;
    ck_assert_int_eq(gos_agent_parse_info(P(good), &info, &err), 0);
    /* exec needs both commands; users was not listed at all. */
    ck_assert_uint_eq(info.features, GOS_FEAT_OSINFO);
    ck_assert(info.known & GOS_FEAT_EXEC);
    ck_assert_str_eq(info.disabled, "guest-exec-status");
    ck_assert_str_eq(info.missing, "guest-get-users");
    /* OSC 52 and BEL from the guest never reach anyone as controls. */
    ck_assert_str_eq(info.version, "7.2.?]52;c;x?");
    gos_agent_info_clear(&info);
}
END_TEST

START_TEST(test_users)
{
    gos_user *u = NULL;
    size_t n = 0;
    char *err = NULL;
    static const char *const bad[] = {
        "{\"return\":{}}",
        "{\"return\":[{\"user\":5}]}",
        "{\"return\":[{\"user\":null}]}",
        "{\"return\":[{\"domain\":\"x\"}]}",
        "{\"return\":[{\"user\":\"a\",\"login-time\":\"yesterday\"}]}",
        "{\"return\":[{\"user\":\"a\",\"domain\":[]}]}",
        "{\"return\":[7]}",
        "{\"return\":[{\"user\":\"\"}]}",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        ck_assert_msg(gos_agent_parse_users(P(bad[i]), &u, &n, &err) == -1, "accepted %s", bad[i]);
        g_clear_pointer(&err, g_free);
    }
    ck_assert_int_eq(gos_agent_parse_users(P("{\"return\":[]}"), &u, &n, &err), 0);
    ck_assert_uint_eq(n, 0);
    const char *two = "{\"return\":[{\"user\":\"alice\",\"login-time\":1764583200.25},"
                      "{\"user\":\"a,b\\u009b2J\",\"domain\":\"CORP\",\"login-time\":-5}]}";
    ck_assert_int_eq(gos_agent_parse_users(P(two), &u, &n, &err), 0);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(u[0].name, "alice");
    ck_assert_int_eq(u[0].login_ms, 1764583200250);
    ck_assert_str_eq(u[1].name, "a,b?2J");   /* a C1 CSI made harmless */
    ck_assert_str_eq(u[1].domain, "CORP");
    ck_assert_int_eq(u[1].login_ms, 0);
    gos_users_free(u, n);
}
END_TEST

START_TEST(test_exec)
{
    int64_t pid = 0;
    char *err = NULL;
    static const char *const bad[] = {
        "{\"return\":{}}", "{\"return\":{\"pid\":-1}}", "{\"return\":{\"pid\":1.5}}",
        "{\"return\":{\"pid\":\"12\"}}", "{\"return\":{\"pid\":99999999999999}}", "{\"return\":[12]}",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        ck_assert_msg(gos_agent_parse_exec(P(bad[i]), &pid, &err) == -1, "accepted %s", bad[i]);
        g_clear_pointer(&err, g_free);
    }
    ck_assert_int_eq(gos_agent_parse_exec(P("{\"return\":{\"pid\":4242}}"), &pid, &err), 0);
    ck_assert_int_eq(pid, 4242);

    gos_agent_exec_status st = { 0 };
    static const char *const bad_status[] = {
        "{\"return\":{}}",
        "{\"return\":{\"exited\":\"yes\"}}",
        "{\"return\":{\"exited\":true}}",
        "{\"return\":{\"exited\":true,\"exitcode\":\"0\"}}",
        "{\"return\":{\"exited\":true,\"exitcode\":0,\"out-data\":5}}",
        "{\"return\":{\"exited\":true,\"exitcode\":0,\"out-truncated\":\"no\"}}",
        "{\"return\":{\"exited\":true,\"signal\":9999}}",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad_status); i++) {
        ck_assert_msg(gos_agent_parse_exec_status(P(bad_status[i]), &st, &err) == -1, "accepted %s", bad_status[i]);
        g_clear_pointer(&err, g_free);
    }
    ck_assert_int_eq(gos_agent_parse_exec_status(P("{\"return\":{\"exited\":false}}"), &st, &err), 0);
    ck_assert(!st.exited);
    gos_agent_exec_status_clear(&st);
    /* "aGk=" is "hi", "IQ==" is "!": stdout and stderr apart (stderr is never
     * read as output); both truncation flags count. */
    const char *done = "{\"return\":{\"exited\":true,\"exitcode\":3,\"out-data\":\"aGk=\",\"err-data\":\"IQ==\","
                       "\"err-truncated\":true}}";
    ck_assert_int_eq(gos_agent_parse_exec_status(P(done), &st, &err), 0);
    ck_assert(st.exited && st.has_exitcode && st.exitcode == 3);
    ck_assert_str_eq(st.out, "hi");
    ck_assert_uint_eq(st.out_len, 2);
    ck_assert_str_eq(st.err, "!");
    ck_assert(st.truncated);
    gos_agent_exec_status_clear(&st);
    /* Data that is not base64 is refused, not decoded as far as it goes. */
    const char *junk[] = { "{\"return\":{\"exited\":true,\"exitcode\":0,\"out-data\":\"bG9naW5kCmVuZAo=!!!*\"}}",
                           "{\"return\":{\"exited\":true,\"exitcode\":0,\"out-data\":\"aGk\"}}",
                           "{\"return\":{\"exited\":true,\"exitcode\":0,\"err-data\":\"a=Gk\"}}" };
    for (size_t i = 0; i < G_N_ELEMENTS(junk); i++) {
        ck_assert_msg(gos_agent_parse_exec_status(P(junk[i]), &st, &err) == -1, "accepted %s", junk[i]);
        g_clear_pointer(&err, g_free);
    }
}
END_TEST

/* Nesting past the bound is refused before it costs anything. */
START_TEST(test_bounds)
{
    GString *deep = g_string_new("{\"return\":");
    for (int i = 0; i < 200; i++)
        g_string_append_c(deep, '[');
    for (int i = 0; i < 200; i++)
        g_string_append_c(deep, ']');
    g_string_append_c(deep, '}');
    gos_user *u = NULL;
    size_t n = 0;
    char *err = NULL;
    ck_assert_int_eq(gos_agent_parse_users(deep->str, deep->len, &u, &n, &err), -1);
    g_free(err);
    g_string_free(deep, TRUE);
    /* A NUL inside the reply is not JSON. */
    const char nul[] = "{\"return\":[]}\0{}";
    ck_assert_int_eq(gos_agent_parse_users(nul, sizeof nul - 1, &u, &n, &err), -1);
    g_free(err);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("agent_reply");
    TCase *tc = tcase_create("parsers");
    tcase_add_test(tc, test_not_answers);
    tcase_add_test(tc, test_info_types);
    tcase_add_test(tc, test_users);
    tcase_add_test(tc, test_exec);
    tcase_add_test(tc, test_bounds);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
