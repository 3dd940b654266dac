/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Logoff on a Windows guest: query session, logoff.exe per session, and query session again to verify. */
#include <config.h>

#include <string.h>

#include <glib.h>

#include "base/i18n.h"
#include "base/text.h"
#include "core/logoff_impl.h"
#include "core/winsess.h"

/* Runs TOOL ARGS (a tool of System32) in the guest through cmd.exe: with the
 * console's code page set to UTF-8 first (query session writes the OEM code
 * page, 850 or 437 and many others, otherwise), and from Sysnative where it
 * exists, which is where a 32-bit agent finds the 64-bit tools (System32 is
 * redirected to SysWOW64 for it, and SysWOW64 has no query.exe nor logoff.exe).
 * TOOL and ARGS are ours, never guest text. True when it exited 0; the
 * output, when asked for, is kept whatever the exit status. */
static bool win_tool(run_ctx *c, const char *tool, const char *args, char **out, char **errout, gos_hr *hr,
                     char **why)
{
    char *line = g_strdup_printf("chcp 65001 >nul & if exist %%SystemRoot%%\\Sysnative\\%1$s "
                                 "(%%SystemRoot%%\\Sysnative\\%1$s %2$s) else (%%SystemRoot%%\\System32\\%1$s %2$s)",
                                 tool, args);
    /* /s: cmd takes the quoted line as it is (qemu-ga quotes an argument
     * with spaces); /d: no AutoRun commands of the guest's registry. */
    const char *argv[] = { "/d", "/s", "/c", line, NULL };
    bool ok = gos_logoff_exec(c, "C:\\Windows\\System32\\cmd.exe", argv, out, errout, hr, why);
    g_free(line);
    return ok;
}

/* The sessions with a user: 0 with them, -1 with *hr and *why. */
static int query_sessions(run_ctx *c, gos_win_session **ss, size_t *n, gos_hr *hr, char **why)
{
    char *out = NULL;
    if (!win_tool(c, "query.exe", "session", &out, NULL, hr, why)) {
        /* query session exits 1 on some versions while listing sessions:
         * the output decides, if it is query session's. */
        if (!out || *hr != GOS_DISP_E_EXCEPTION) {
            g_free(out);
            return -1;
        }
        g_clear_pointer(why, g_free);
    }
    int k = gos_win_sessions_parse(out, ss);
    g_free(out);
    if (k < 0) {
        *hr = GOS_DISP_E_EXCEPTION;
        *why = g_strdup(_("The output of query session could not be read."));
        return -1;
    }
    *n = (size_t)k;
    return 0;
}

/* The session of ss that is the same as s (same id, same user), or NULL. */
static const gos_win_session *find(const gos_win_session *ss, size_t n, const gos_win_session *s)
{
    for (size_t i = 0; i < n; i++)
        if (ss[i].id == s->id && !strcmp(ss[i].user, s->user))
            return &ss[i];
    return NULL;
}

static bool is_console(const gos_win_session *s)
{
    return s->session && !g_ascii_strcasecmp(s->session, "console");
}

/* "2 (bob, rdp-tcp#3), 1 (alice, console)". */
static char *describe(const gos_win_session *ss, size_t n)
{
    GString *s = g_string_new(NULL);
    for (size_t i = 0; i < n; i++) {
        if (s->len)
            g_string_append(s, ", ");
        /* TRANSLATORS: a Windows session: %1$ld its id, %2$s its user, %3$s
         * its name ("console", "rdp-tcp#3") or "disconnected". */
        g_string_append_printf(s, _("%1$ld (%2$s, %3$s)"), ss[i].id, ss[i].user,
                               ss[i].session ? ss[i].session : _("disconnected"));
    }
    return g_string_free(s, FALSE);
}

static void set_users(run_ctx *c, const gos_win_session *ss, size_t n, bool before)
{
    GPtrArray *names = g_ptr_array_new();
    for (size_t i = 0; i < n; i++) {
        bool seen = false;
        for (guint k = 0; k < names->len && !seen; k++)
            seen = !strcmp(g_ptr_array_index(names, k), ss[i].user);
        if (!seen)
            g_ptr_array_add(names, ss[i].user);
    }
    g_ptr_array_add(names, NULL);
    const char *const *v = (const char *const *)names->pdata;
    gos_task_set_users(c->task, before ? v : NULL, before ? NULL : v);
    g_ptr_array_free(names, TRUE);
}

void gos_logoff_windows(run_ctx *c)
{
    gos_hr hr = GOS_S_OK;
    char *why = NULL, *ended = NULL, *refused = NULL;
    gos_win_session *ss = NULL, *now = NULL;
    size_t n = 0, n_now = 0;
    if (!gos_logoff_phase(c, GOS_PHASE_USERS, 30))
        return;
    if (query_sessions(c, &ss, &n, &hr, &why) < 0) {
        gos_logoff_finish(c, hr, 0, why);
        goto out;
    }
    set_users(c, ss, n, true);
    if (n == 0) {
        set_users(c, NULL, 0, false);
        gos_logoff_finish(c, GOS_E_NO_SUCH_LOGON_SESSION, 0,
                          _("No user is logged on to the guest: query session lists no session with a user."));
        goto out;
    }
    ended = describe(ss, n);
    if (!gos_logoff_phase(c, GOS_PHASE_PLAN, 40) || !gos_logoff_phase(c, GOS_PHASE_EXEC, 50))
        goto out;
    gos_task_set_cancelable(c->task, false);
    GString *failed = g_string_new(NULL);
    for (size_t i = 0; i < n; i++) {
        char id[24];
        g_snprintf(id, sizeof id, "%ld", ss[i].id);
        g_clear_pointer(&why, g_free);
        char *said = NULL, *said_err = NULL;
        if (win_tool(c, "logoff.exe", id, &said, &said_err, &hr, &why)) {
            g_free(said);
            g_free(said_err);
            continue;
        }
        /* logoff.exe says why on stderr, some versions on stdout. */
        if (said_err && *g_strstrip(said_err)) {
            g_free(said);
            said = g_steal_pointer(&said_err);
        }
        g_free(said_err);
        if (hr != GOS_DISP_E_EXCEPTION) {
            /* The agent or the deadline failed, not logoff.exe. */
            gos_logoff_finish(c, hr, 0, why);
            g_string_free(failed, TRUE);
            g_free(said);
            goto out;
        }
        /* logoff.exe refused this one (the console session of a server
         * without a logon, a session of another desktop): verification says
         * what is left, and these words say why. */
        if (failed->len)
            g_string_append(failed, "; ");
        char *text = gos_text_clean(said ? g_strstrip(said) : "", 256);
        /* TRANSLATORS: %1$ld: a session id; %2$s: why logoff.exe failed for it. */
        g_string_append_printf(failed, _("logoff.exe %1$ld: %2$s"), ss[i].id, *text ? text : why);
        g_free(text);
        g_free(said);
    }
    refused = g_string_free(failed, !failed->len);
    if (!gos_logoff_phase(c, GOS_PHASE_VERIFY, 80))
        goto out;
    for (int round = 0;; round++) {
        g_clear_pointer(&why, g_free);
        gos_win_sessions_free(now, n_now);
        now = NULL;
        n_now = 0;
        if (query_sessions(c, &now, &n_now, &hr, &why) < 0) {
            gos_logoff_finish(c, hr, 0, why);
            goto out;
        }
        set_users(c, now, n_now, false);
        GArray *left = g_array_new(FALSE, FALSE, sizeof(gos_win_session));
        bool console_left = false;
        for (size_t i = 0; i < n; i++) {
            const gos_win_session *s = find(now, n_now, &ss[i]);
            if (s) {
                g_array_append_vals(left, s, 1);
                console_left = console_left || is_console(s);
            }
        }
        if (!left->len) {
            g_array_free(left, TRUE);
            /* TRANSLATORS: %s: the sessions ("2 (bob, rdp-tcp#3), 1 (alice, console)"). */
            char *m = g_strdup_printf(_("Logged off the sessions %s with logoff.exe; query session lists none of "
                                        "them now."), ended);
            gos_logoff_finish(c, GOS_S_OK, 0, m);
            g_free(m);
            goto out;
        }
        /* logoff.exe failed for a session that is still there: no waiting
         * changes that. Else wait for the sessions to close, up to the deadline. */
        bool deadline = gos_now_ms() >= gos_task_deadline(c->task);
        if (deadline || (refused && round >= 4)) {
            char *still = describe((const gos_win_session *)left->data, left->len);
            char *m;
            if (console_left)
                /* TRANSLATORS: %1$s: the sessions still there; %2$s: what logoff.exe said, or "". */
                m = g_strdup_printf(_("query session still lists %1$s, the console session among them: logoff.exe "
                                      "did not end it, and guestos does not end a console session any other way. "
                                      "%2$s"),
                                    still, refused ? refused : "");
            else
                m = g_strdup_printf(_("query session still lists %1$s. %2$s"), still, refused ? refused : "");
            gos_logoff_finish(c, deadline ? GOS_VM_E_TIMED_OUT : GOS_DISP_E_EXCEPTION, 0, g_strchomp(m));
            g_free(m);
            g_free(still);
            g_array_free(left, TRUE);
            goto out;
        }
        g_array_free(left, TRUE);
        gos_task_progress(c->task, GOS_PHASE_VERIFY, 80 + MIN(round * 2, 18));
        g_usleep(round < 4 ? 250000 : 1000000);
    }
out:
    gos_task_set_cancelable(c->task, true);
    gos_win_sessions_free(ss, n);
    gos_win_sessions_free(now, n_now);
    g_free(ended);
    g_free(refused);
    g_free(why);
}
