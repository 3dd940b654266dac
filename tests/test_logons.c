/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests of who is logged on: the logind script's output as Debian 12 and 13 print it, as a hostile guest
 * could, merged with utmp; and Windows `query session` output in English and German. */
#include <config.h>

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "core/logons.h"
#include "core/winsess.h"
#include "tests/testutil.h"

static char *fixture(const char *name, size_t *len)
{
    char *path = g_build_filename(SRCDIR, "tests", "data", name, NULL);
    char *text = NULL;
    gsize n = 0;
    GError *e = NULL;
    if (!g_file_get_contents(path, &text, &n, &e))
        ck_abort_msg("%s: %s", path, e->message);
    g_free(path);
    if (len)
        *len = n;
    return text;
}

static const gos_logon *by_id(const gos_logon *l, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(l[i].id, id))
            return &l[i];
    return NULL;
}

/* Debian 13: no utmp at all; each user's service manager holds a session
 * of class "manager", carol (lingering) has only that one. */
START_TEST(test_trixie)
{
    size_t len;
    char *text = fixture("logons/trixie.out", &len);
    gos_logon *l = NULL;
    size_t n = 0;
    bool logind = false;
    char *err = NULL;
    ck_assert_int_eq(gos_logons_parse(text, len, &logind, &l, &n, &err), 0);
    ck_assert(logind);
    ck_assert_uint_eq(n, 5);
    const gos_logon *a = by_id(l, n, "2");
    ck_assert_str_eq(a->user, "alice");
    ck_assert_int_eq(a->uid, 1001);
    ck_assert_str_eq(a->klass, "user");
    ck_assert_str_eq(a->tty, "tty2");
    ck_assert_str_eq(a->scope, "session-2.scope");
    ck_assert_str_eq(a->state, "online");
    ck_assert_int_eq(a->procs, 3);
    ck_assert_int_eq(a->since_ms, 1796125433990);
    ck_assert(gos_logon_is_person(a));
    ck_assert(!gos_logon_is_person(by_id(l, n, "1")));   /* carol's manager */

    /* No utmp (guest-get-users says []): the users are logind's person sessions. */
    gos_user *u = NULL;
    size_t nu = 0;
    char **stale = NULL;
    gos_logons_users(l, n, true, NULL, 0, &u, &nu, &stale);
    ck_assert_uint_eq(nu, 2);
    ck_assert_str_eq(u[0].name, "alice");
    ck_assert_str_eq(u[1].name, "bob");
    ck_assert_uint_eq(u[1].sessions, 1);
    ck_assert_str_eq(u[1].where, "tty3");
    ck_assert_uint_eq(u[0].sources, GOS_USER_LOGIND);
    ck_assert_ptr_null(stale);
    gos_users_free(u, nu);
    gos_logons_free(l, n);
    g_free(text);
}
END_TEST

/* One user's places, each once, compared whole: tty1 is not there because
 * tty10 is, nor 10.0.0.1 because 10.0.0.11 is; and thousands of sessions
 * fold in one pass. */
START_TEST(test_users_places)
{
    enum { N = 20000 };
    gos_logon *l = g_new0(gos_logon, N);
    static const char *const places[] = { "tty10", "tty1", "10.0.0.11", "10.0.0.1", "tty10" };

    for (size_t i = 0; i < N; i++) {
        bool remote = i < G_N_ELEMENTS(places) ? places[i][0] == '1' : true;
        char *place = i < G_N_ELEMENTS(places) ? g_strdup(places[i]) : g_strdup_printf("10.1.%zu.%zu", i / 256 % 256, i % 256);
        l[i].klass = (char *)"user";
        l[i].user = i < G_N_ELEMENTS(places) ? g_strdup("alice") : g_strdup_printf("u%zu", i % 1000);
        l[i].tty = remote ? g_strdup("") : place;
        l[i].remote_host = remote ? place : g_strdup("");
    }
    gos_user *u = NULL;
    size_t nu = 0;
    char **stale = NULL;
    gos_logons_users(l, N, true, NULL, 0, &u, &nu, &stale);
    ck_assert_uint_eq(nu, 1 + 1000);
    ck_assert_str_eq(u[0].name, "alice");
    ck_assert_uint_eq(u[0].sessions, 5);
    ck_assert_str_eq(u[0].where, "tty10, tty1, 10.0.0.11, 10.0.0.1");
    ck_assert_uint_eq(u[1].sessions, 20);                  /* u5: sessions 5, 1005, ... */
    gos_users_free(u, nu);
    for (size_t i = 0; i < N; i++) {
        g_free(l[i].user);
        g_free(l[i].tty);
        g_free(l[i].remote_host);
    }
    g_free(l);
}
END_TEST

/* Debian 12: utmp too, with a stale record (a login whose getty did not come
 * back): it neither adds a user nor hides one. */
START_TEST(test_bookworm_stale_utmp)
{
    size_t len;
    char *text = fixture("logons/bookworm.out", &len);
    gos_logon *l = NULL;
    size_t n = 0;
    bool logind = false;
    char *err = NULL;
    ck_assert_int_eq(gos_logons_parse(text, len, &logind, &l, &n, &err), 0);
    ck_assert_uint_eq(n, 3);
    const gos_logon *d = by_id(l, n, "7");
    ck_assert(d->remote);
    ck_assert_str_eq(d->remote_host, "10.0.0.5");
    gos_user utmp[] = { { .name = "bob" }, { .name = "erin" }, { .name = "erin" } };
    gos_user *u = NULL;
    size_t nu = 0;
    char **stale = NULL;
    gos_logons_users(l, n, true, utmp, G_N_ELEMENTS(utmp), &u, &nu, &stale);
    ck_assert_uint_eq(nu, 3);
    ck_assert_str_eq(u[0].name, "bob");
    ck_assert_uint_eq(u[0].sources, GOS_USER_LOGIND | GOS_USER_UTMP);
    ck_assert_uint_eq(u[1].sources, GOS_USER_LOGIND);
    ck_assert_str_eq(u[2].where, "10.0.0.5");
    ck_assert_ptr_nonnull(stale);
    ck_assert_str_eq(stale[0], "erin");
    ck_assert_ptr_null(stale[1]);
    g_strfreev(stale);
    gos_users_free(u, nu);

    /* Without logind, utmp is all there is, and each entry counts. */
    gos_logons_users(NULL, 0, false, utmp, G_N_ELEMENTS(utmp), &u, &nu, &stale);
    ck_assert_uint_eq(nu, 2);
    ck_assert_str_eq(u[1].name, "erin");
    ck_assert_uint_eq(u[1].sources, GOS_USER_UTMP);
    ck_assert_ptr_null(stale);
    gos_users_free(u, nu);
    gos_logons_free(l, n);
    g_free(text);
}
END_TEST

START_TEST(test_nologind)
{
    gos_logon *l = (gos_logon *)1;
    size_t n = 7;
    bool logind = true;
    ck_assert_int_eq(gos_logons_parse("nologind\n", 9, &logind, &l, &n, NULL), 0);
    ck_assert(!logind);
    ck_assert_uint_eq(n, 0);
    ck_assert_ptr_null(l);
}
END_TEST

/* Output cut anywhere is never a shorter list: every proper prefix fails. */
START_TEST(test_prefixes_fail)
{
    size_t len;
    char *text = fixture("logons/trixie.out", &len);
    /* up to "end" without its newline is still whole */
    size_t whole = (size_t)(strstr(text, "\nend") - text) + 4;
    for (size_t k = 0; k < whole; k++) {
        gos_logon *l = NULL;
        size_t n = 0;
        bool logind = false;
        char *err = NULL;
        int rc = gos_logons_parse(text, k, &logind, &l, &n, &err);
        ck_assert_msg(rc == -1 && err, "a prefix of %zu bytes was accepted", k);
        g_free(err);
    }
    g_free(text);
}
END_TEST

/* What a hostile guest can print instead: each is refused, none crashes, and
 * a session id is never anything but letters and digits. */
START_TEST(test_hostile)
{
    static const char *const outputs[] = {
        "", "logind", "logind\n", "logind\nsession 1\n", "logind\nsession ;rm -rf /\nprocs 1\nend\n",
        "logind\nsession $(id)\nerror\nprocs -\nend\n", "logind\nsession 1\nerror\nend\n",
        "logind\nsession 1\n{\"type\":\"s\",\"data\":1}\n", "nologind2\n", "logind\nend\ntrailing\n",
        "logind\nsession 1\nnull\nnull\nnull\nnull\nnull\nnull\nnull\nnull\nnull\nnull\nnull\nprocs 1\nend\n",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(outputs); i++) {
        gos_logon *l = NULL;
        size_t n = 0;
        bool logind = false;
        char *err = NULL;
        int rc = gos_logons_parse(outputs[i], strlen(outputs[i]), &logind, &l, &n, &err);
        if (!strcmp(outputs[i], "logind\nend\ntrailing\n") || !strcmp(outputs[i], "logind\nsession 1\nerror\nend\n")) {
            /* "end" closes the list; a session that ended meanwhile is left out */
            (void)rc;
            gos_logons_free(l, n);
            g_free(err);
            continue;
        }
        ck_assert_msg(rc == -1 && err, "accepted: %s", outputs[i]);
        g_free(err);
    }
    /* A session the guest answered with "error" and an empty scope ended
     * meanwhile: it is left out. */
    gos_logon *l = NULL;
    size_t n = 9;
    bool logind = false;
    const char *gone = "logind\nsession 1\nerror\nprocs 0\nend\n";
    ck_assert_int_eq(gos_logons_parse(gone, strlen(gone), &logind, &l, &n, NULL), 0);
    ck_assert_uint_eq(n, 0);
    /* Unreadable with processes, or with a scope that could not be read: it
     * stays, as no person's session, so that no logoff counts it as ended. */
    const char *left[] = { "logind\nsession 2\nerror\nprocs 2\nend\n", "logind\nsession 2\nerror\nprocs -\nend\n" };
    for (size_t k = 0; k < G_N_ELEMENTS(left); k++) {
        ck_assert_int_eq(gos_logons_parse(left[k], strlen(left[k]), &logind, &l, &n, NULL), 0);
        ck_assert_uint_eq(n, 1);
        ck_assert_str_eq(l[0].id, "2");
        ck_assert(!gos_logon_is_person(&l[0]));
        gos_logons_free(l, n);
    }
}
END_TEST

START_TEST(test_control_chars)
{
    size_t len;
    char *text = fixture("logons/trixie.out", &len);
    char *evil = g_strdup(text);
    /* alice becomes a name with an escape sequence in it */
    char *p = strstr(evil, "\"alice\"");
    GString *s = g_string_new_len(evil, p - evil);
    g_string_append(s, "\"a\\u001b[2Jlice\"");
    g_string_append(s, p + 7);
    gos_logon *l = NULL;
    size_t n = 0;
    bool logind = false;
    ck_assert_int_eq(gos_logons_parse(s->str, s->len, &logind, &l, &n, NULL), 0);
    const gos_logon *a = by_id(l, n, "2");
    ck_assert_ptr_null(strchr(a->user, '\033'));
    gos_logons_free(l, n);
    g_string_free(s, TRUE);
    g_free(evil);
    g_free(text);
}
END_TEST

/* query session in English, in German (chcp 65001: UTF-8), and in German in
 * the OEM code page (850): the same sessions with users each time; the
 * services session and the listener have none. */
START_TEST(test_query_session)
{
    static const char *const files[] = { "winsess/en.txt", "winsess/de.txt", "winsess/de-cp850.txt" };
    for (size_t f = 0; f < G_N_ELEMENTS(files); f++) {
        char *text = fixture(files[f], NULL);
        gos_win_session *s = NULL;
        int n = gos_win_sessions_parse(text, &s);
        ck_assert_msg(n == 3, "%s: %d sessions", files[f], n);
        ck_assert_int_eq(s[0].id, 1);
        ck_assert_str_eq(s[0].session, "console");
        ck_assert_int_eq(s[1].id, 2);
        ck_assert_str_eq(s[1].user, "bob");
        ck_assert_int_eq(s[2].id, 3);
        ck_assert_ptr_null(s[2].session);   /* disconnected */
        ck_assert_str_eq(s[2].user, "carol");
        if (f == 1)
            ck_assert_str_eq(s[0].user, "jürgen");
        /* In the OEM code page, the name is not UTF-8: kept as one word,
         * its bytes neutralized, never a control character. */
        ck_assert(g_utf8_validate(s[0].user, -1, NULL));
        gos_win_sessions_free(s, (size_t)n);
        g_free(text);
    }
    gos_win_session *s = NULL;
    ck_assert_int_eq(gos_win_sessions_parse("", &s), -1);
    ck_assert_int_eq(gos_win_sessions_parse("No User exists for *\r\n", &s), -1);

    /* A header in Cyrillic takes two bytes a letter: columns are characters. */
    const char *ru = " СЕАНС             ПОЛЬЗОВАТЕЛЬ             ID  СТАТУС  ТИП         УСТР-ВО\r\n"
                     " rdp-tcp#3         bob                       2  Активно\r\n";
    int n = gos_win_sessions_parse(ru, &s);
    ck_assert_int_eq(n, 1);
    ck_assert_str_eq(s[0].user, "bob");
    gos_win_sessions_free(s, (size_t)n);

    /* A session name with terminal controls is kept harmless, as user names are. */
    const char *evil = " SESSIONNAME       USERNAME                 ID  STATE   TYPE        DEVICE\r\n"
                       " co\x1b]52;c;x\x07n     bob                       2  Active\r\n";
    n = gos_win_sessions_parse(evil, &s);
    ck_assert_int_eq(n, 1);
    ck_assert_ptr_null(strpbrk(s[0].session, "\x1b\x07"));
    gos_win_sessions_free(s, (size_t)n);

    /* More rows than any guest has: the table is refused, not read up to a limit
     * (a user listed past it would go unseen). */
    GString *big = g_string_new(" SESSIONNAME       USERNAME                 ID  STATE   TYPE        DEVICE\r\n");
    for (int i = 0; i < GOS_WIN_SESSIONS_MAX + 4; i++)
        g_string_append_printf(big, " rdp-tcp#%-8d  filler%-17d  %d  Active\r\n", i, i, i + 10);
    g_string_append(big, " rdp-tcp#x         bob                       2  Active\r\n");
    ck_assert_int_eq(gos_win_sessions_parse(big->str, &s), -1);
    g_string_free(big, TRUE);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("logons");
    TCase *tc = tcase_create("logons");
    tcase_add_test(tc, test_trixie);
    tcase_add_test(tc, test_users_places);
    tcase_add_test(tc, test_bookworm_stale_utmp);
    tcase_add_test(tc, test_nologind);
    tcase_add_test(tc, test_prefixes_fail);
    tcase_add_test(tc, test_hostile);
    tcase_add_test(tc, test_control_chars);
    tcase_add_test(tc, test_query_session);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
