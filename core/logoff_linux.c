/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Logoff on a Linux guest: end the logind sessions read (or, without systemd, the users' processes) and verify with the same sources. */
#include <config.h>

#include <string.h>

#include <glib.h>
#include <libvirt/virterror.h>

#include "base/i18n.h"
#include "base/text.h"
#include "core/logoff_impl.h"

/* How long terminate-session may take before the sessions' leftovers are
 * killed (a session already "closing", with a detached tmux in it, survives
 * terminate-session and terminate-user alike). */
#define ESCALATE_MS 3000

/* The Linux plan, core/logoff-linux.sh, as a string: systemd's loginctl where
 * systemd runs, else SIGKILL to each user's processes (busybox has no pkill).
 * The names arrive as "$@", so no guest-supplied text is ever parsed as code. */
const char gos_linux_logoff_script[] =
#include "core/logoff_linux_script.h"
    ;

static const char *const no_users[] = { NULL };

/* Reads logind's sessions through guest-exec. 0 with *logind and the
 * sessions, or -1 with *why. */
static int read_logons(run_ctx *c, gos_logon **out, size_t *n, bool *logind, char **why)
{
    int code = 0;
    return gos_logons_read(c->dom, gos_task_deadline(c->task), logind, out, n, &code, why);
}

bool gos_logoff_read_users(run_ctx *c, gos_hr *hr, char **why)
{
    gos_logons_free(c->logons, c->n_logons);
    gos_users_free(c->users, c->n_users);
    g_strfreev(c->stale);
    c->logons = NULL;
    c->users = NULL;
    c->stale = NULL;
    c->n_logons = c->n_users = 0;

    char *why_logind = NULL, *why_utmp = NULL;
    bool logind = false;
    bool logind_ok = read_logons(c, &c->logons, &c->n_logons, &logind, &why_logind) == 0;
    gos_user *utmp = NULL;
    size_t n_utmp = 0;
    int code = 0;
    int timeout = gos_agent_timeout(gos_task_deadline(c->task), GOS_AGENT_PROBE_TIMEOUT);
    bool utmp_ok = gos_agent_get_users(c->dom, timeout, &utmp, &n_utmp, &code, &why_utmp) == 0;
    c->logind = logind_ok && logind;
    bool known = c->logind || (logind_ok && utmp_ok);
    if (known)
        gos_logons_users(c->logons, c->n_logons, c->logind, utmp, n_utmp, &c->users, &c->n_users, &c->stale);
    if (!known) {
        /* Neither source answered: not known, which is never "nobody". */
        *hr = !logind_ok && !utmp_ok && code && code != VIR_ERR_INTERNAL_ERROR ? gos_logoff_agent_failure(c, code)
                                                                               : GOS_DISP_E_EXCEPTION;
        if (*hr == GOS_S_OK)
            *hr = GOS_DISP_E_EXCEPTION;
        /* TRANSLATORS: %1$s: why logind's sessions could not be read; %2$s: why utmp could not. */
        *why = g_strdup_printf(_("Who is logged on could not be read: logind: %1$s; utmp: %2$s"),
                               why_logind ? why_logind : _("not read"),
                               why_utmp ? why_utmp
                                        /* TRANSLATORS: utmp answered, but alone it does not say who is on. */
                                        : _("read, but not enough alone (Debian 13 and later keep no utmp)"));
    }
    g_free(why_logind);
    g_free(why_utmp);
    gos_users_free(utmp, n_utmp);
    return known;
}

/* The names of c's users, for the audit (one per user: a name may hold a comma). */
static char **user_names(const run_ctx *c)
{
    char **names = g_new0(char *, c->n_users + 1);
    for (size_t i = 0; i < c->n_users; i++)
        names[i] = g_strdup(c->users[i].name);
    return names;
}

/* Where a session is: its tty or its remote host. */
static const char *where(const gos_logon *l)
{
    return l->remote_host && *l->remote_host ? l->remote_host : l->tty && *l->tty ? l->tty : "-";
}

/* "2 (bob on tty3), 3 (alice on tty2)". */
static char *describe_sessions(const gos_logon *l, size_t n, const GPtrArray *ids)
{
    GString *s = g_string_new(NULL);
    for (guint k = 0; k < ids->len; k++) {
        for (size_t i = 0; i < n; i++) {
            if (strcmp(l[i].id, g_ptr_array_index(ids, k)))
                continue;
            if (s->len)
                g_string_append(s, ", ");
            /* TRANSLATORS: a logind session: %1$s its id, %2$s its user, %3$s its tty or remote host. */
            g_string_append_printf(s, _("%1$s (%2$s on %3$s)"), l[i].id, l[i].user, where(&l[i]));
        }
    }
    return g_string_free(s, FALSE);
}

/* Which of ids are still there, and why: listed by logind, or processes left
 * in their scope. Returns the sentence (g_free) or NULL when none is. */
static char *what_remains(const gos_logon *now, size_t n, const GPtrArray *ids, GPtrArray *still)
{
    GString *s = g_string_new(NULL);
    g_ptr_array_set_size(still, 0);
    for (guint k = 0; k < ids->len; k++) {
        const char *id = g_ptr_array_index(ids, k);
        for (size_t i = 0; i < n; i++) {
            if (strcmp(now[i].id, id))
                continue;
            g_ptr_array_add(still, (gpointer)id);
            if (s->len)
                g_string_append(s, "; ");
            if (now[i].procs > 0)
                /* TRANSLATORS: a session still there: %1$s its id, %2$s its user, %3$s its state, %4$d processes. */
                g_string_append_printf(s, ngettext("session %1$s of %2$s (%3$s, %4$d process left)",
                                                   "session %1$s of %2$s (%3$s, %4$d processes left)", now[i].procs),
                                       now[i].id, now[i].user, now[i].state, now[i].procs);
            else
                g_string_append_printf(s, _("session %1$s of %2$s (%3$s)"), now[i].id, now[i].user, now[i].state);
        }
    }
    if (!s->len) {
        g_string_free(s, TRUE);
        return NULL;
    }
    return g_string_free(s, FALSE);
}

/* Runs `loginctl VERB ARGS... IDS...` in the guest; session ids come from the
 * guest, so they go as arguments only, after checking they are ids. */
static bool loginctl(run_ctx *c, const char *verb, const char *extra, const GPtrArray *ids, gos_hr *hr, char **why)
{
    GPtrArray *args = g_ptr_array_new();
    g_ptr_array_add(args, (gpointer) "-c");
    g_ptr_array_add(args, (gpointer) "exec loginctl \"$@\"");
    g_ptr_array_add(args, (gpointer) "guestos-logoff");
    g_ptr_array_add(args, (gpointer)verb);
    if (extra)
        g_ptr_array_add(args, (gpointer)extra);
    for (guint i = 0; i < ids->len; i++)
        g_ptr_array_add(args, g_ptr_array_index(ids, i));
    g_ptr_array_add(args, NULL);
    bool ok = gos_logoff_exec(c, "/bin/sh", (const char *const *)args->pdata, NULL, NULL, hr, why);
    g_ptr_array_free(args, TRUE);
    return ok;
}

/* logind answered: end the person sessions it listed, then verify from logind
 * (none of them left) and from processes (their scopes empty). */
static void logoff_logind(run_ctx *c)
{
    GPtrArray *ids = g_ptr_array_new();
    for (size_t i = 0; i < c->n_logons; i++)
        if (gos_logon_is_person(&c->logons[i]))
            g_ptr_array_add(ids, c->logons[i].id);
    char *ended = describe_sessions(c->logons, c->n_logons, ids);
    gos_hr hr = GOS_S_OK;
    char *why = NULL;
    if (!gos_logoff_phase(c, GOS_PHASE_EXEC, 50))
        goto out;
    gos_task_set_cancelable(c->task, false);
    if (!loginctl(c, "terminate-session", NULL, ids, &hr, &why)) {
        /* A session that ended by itself meanwhile makes terminate-session
         * fail for it: verification decides. */
        if (hr != GOS_DISP_E_EXCEPTION) {
            gos_logoff_finish(c, hr, 0, why);
            goto out;
        }
        g_clear_pointer(&why, g_free);
    }
    if (!gos_logoff_phase(c, GOS_PHASE_VERIFY, 80))
        goto out;
    gint64 t0 = g_get_monotonic_time();
    bool escalated = false;
    GPtrArray *still = g_ptr_array_new();
    for (int round = 0;; round++) {
        gos_logon *now = NULL;
        size_t n = 0;
        bool logind = false;
        g_free(why);
        why = NULL;
        if (read_logons(c, &now, &n, &logind, &why) < 0 || !logind) {
            gos_logoff_finish(c, GOS_DISP_E_EXCEPTION, 0,
                              why ? why : _("logind stopped answering while the logoff was verified."));
            g_ptr_array_free(still, TRUE);
            goto out;
        }
        char *left = what_remains(now, n, ids, still);
        /* The users with a person session now: the ones the audit says are still on. */
        gos_user *users = NULL;
        size_t nu = 0;
        gos_logons_users(now, n, true, NULL, 0, &users, &nu, NULL);
        char **after = g_new0(char *, nu + 1);
        for (size_t i = 0; i < nu; i++)
            after[i] = g_strdup(users[i].name);
        gos_task_set_users(c->task, NULL, (const char *const *)after);
        g_strfreev(after);
        gos_users_free(users, nu);
        gos_logons_free(now, n);
        if (!left) {
            guint k = ids->len;
            char *m = g_strdup_printf(escalated
                                          /* TRANSLATORS: %s: the sessions ("2 (bob on tty3), 3 (alice on tty2)"). */
                                          ? ngettext("Ended the session %s with loginctl terminate-session, and "
                                                     "killed what was left in it; logind lists it no more (it drops "
                                                     "a session once its scope is empty).",
                                                     "Ended the sessions %s with loginctl terminate-session, and "
                                                     "killed what was left in them; logind lists none of them (it "
                                                     "drops a session once its scope is empty).", k)
                                          : ngettext("Ended the session %s with loginctl terminate-session; logind "
                                                     "lists it no more (it drops a session once its scope is empty).",
                                                     "Ended the sessions %s with loginctl terminate-session; logind "
                                                     "lists none of them (it drops a session once its scope is "
                                                     "empty).", k),
                                      ended);
            gos_logoff_finish(c, GOS_S_OK, 0, m);
            g_free(m);
            g_free(left);
            break;
        }
        if (gos_now_ms() >= gos_task_deadline(c->task)) {
            /* TRANSLATORS: %s: what is still there ("session 2 of bob (closing, 3 processes left)"). */
            char *m = g_strdup_printf(_("When the deadline passed, logind still had: %s."), left);
            gos_logoff_finish(c, GOS_VM_E_TIMED_OUT, 0, m);
            g_free(m);
            g_free(left);
            break;
        }
        g_free(left);
        if (!escalated && g_get_monotonic_time() - t0 > (gint64)ESCALATE_MS * 1000) {
            /* Sessions that survive terminate-session: everything in them is killed. */
            escalated = true;
            gos_hr khr;
            char *kwhy = NULL;
            if (!loginctl(c, "kill-session", "--signal=SIGKILL", still, &khr, &kwhy))
                g_free(kwhy);
        }
        gos_task_progress(c->task, GOS_PHASE_VERIFY, 80 + MIN(round * 2, 18));
        g_usleep(round < 4 ? 250000 : 500000);
    }
    g_ptr_array_free(still, TRUE);
out:
    gos_task_set_cancelable(c->task, true);
    g_free(ended);
    g_free(why);
    g_ptr_array_free(ids, TRUE);
}

/* No systemd: the users' processes are killed by the plan script, and utmp
 * says whether they are gone. */
static void logoff_kill(run_ctx *c)
{
    gos_hr hr = GOS_S_OK;
    char *why = NULL, *guest_said = NULL, *out = NULL;
    if (!gos_logoff_phase(c, GOS_PHASE_EXEC, 50))
        return;
    gos_task_set_cancelable(c->task, false);
    const char **args = g_new0(const char *, c->n_users + 4);
    args[0] = "-c";
    args[1] = gos_linux_logoff_script;
    args[2] = "guestos-logoff";
    for (size_t i = 0; i < c->n_users; i++)
        args[3 + i] = c->users[i].name;
    if (!gos_logoff_exec(c, "/bin/sh", args, &out, NULL, &hr, &why)) {
        if (hr != GOS_DISP_E_EXCEPTION || !out) {
            gos_logoff_finish(c, hr, 0, why);
            goto out;
        }
        /* It ran but said some user is unknown or survived: verification
         * decides, and the script's words go into the outcome. */
        char *clean = gos_text_clean(out, 512);
        if (*clean)
            guest_said = g_strdup_printf(_("The guest said: %s"), clean);
        g_free(clean);
    }
    if (!gos_logoff_phase(c, GOS_PHASE_VERIFY, 80))
        goto out;
    for (int round = 0;; round++) {
        g_clear_pointer(&why, g_free);
        if (!gos_logoff_read_users(c, &hr, &why)) {
            gos_logoff_finish(c, hr, 0, why);
            goto out;
        }
        char **after = user_names(c);
        gos_task_set_users(c->task, NULL, (const char *const *)after);
        g_strfreev(after);
        if (c->n_users == 0) {
            gos_logoff_finish(c, GOS_S_OK, 0,
                              _("Killed the users' processes; utmp lists none of them now (the guest runs no logind)."));
            goto out;
        }
        if (gos_now_ms() >= gos_task_deadline(c->task)) {
            char *m = g_strdup_printf(_("Users were still logged on when the deadline passed. %s"),
                                      guest_said ? guest_said : "");
            gos_logoff_finish(c, GOS_VM_E_TIMED_OUT, 0, g_strchomp(m));
            g_free(m);
            goto out;
        }
        gos_task_progress(c->task, GOS_PHASE_VERIFY, 80 + MIN(round * 2, 18));
        g_usleep(round < 4 ? 250000 : 1000000);
    }
out:
    gos_task_set_cancelable(c->task, true);
    g_free(args);
    g_free(out);
    g_free(why);
    g_free(guest_said);
}

void gos_logoff_linux(run_ctx *c)
{
    gos_hr hr = GOS_S_OK;
    char *why = NULL;
    if (!gos_logoff_phase(c, GOS_PHASE_USERS, 30))
        return;
    if (!gos_logoff_read_users(c, &hr, &why)) {
        gos_logoff_finish(c, hr, 0, why);
        g_free(why);
        return;
    }
    char **before = user_names(c);
    gos_task_set_users(c->task, (const char *const *)before, NULL);
    g_strfreev(before);
    if (c->n_users == 0) {
        gos_task_set_users(c->task, NULL, no_users);
        char *stale = c->stale ? g_strjoinv(", ", c->stale) : NULL;
        char *m = c->logind && stale
                      /* TRANSLATORS: %s: user names that utmp lists without a logind session. */
                      ? g_strdup_printf(_("No user is logged on to the guest: logind lists no person's session "
                                          "(utmp's records of %s are stale)."), stale)
                  : c->logind ? g_strdup(_("No user is logged on to the guest: logind lists no person's session."))
                              : g_strdup(_("No user is logged on to the guest: utmp lists none (the guest runs no "
                                           "logind)."));
        gos_logoff_finish(c, GOS_E_NO_SUCH_LOGON_SESSION, 0, m);
        g_free(m);
        g_free(stale);
        return;
    }
    if (!gos_logoff_phase(c, GOS_PHASE_PLAN, 40))
        return;
    if (c->logind)
        logoff_logind(c);
    else
        logoff_kill(c);
}
