/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What every command shares: the one-line failure, opening a session, printing VMs and JSON lines. */
#include <config.h>

#include <errno.h>
#include <signal.h>
#include <unistd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "base/i18n.h"
#include "base/text.h"
#include "core/report.h"
#include "core/session.h"
#include "db/audit.h"
#include "tui/cli.h"

char *gos_cli_one_line(const char *text)
{
    char *flat = g_strdup(text ? text : "");
    /* Guest or libvirt text may carry newlines: one line, then neutralized
     * for the terminal's locale (a C1 byte is a control in Latin-1). */
    for (char *p = flat; *p; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' ';
    char *out = gos_text_for_locale(g_strchomp(flat), 4096);
    g_free(flat);
    return out;
}

int gos_cli_fail(const gos_cli *cli, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    char *line = gos_cli_one_line(msg);
    fprintf(stderr, "%s: %s\n", cli->prog, line);
    g_free(line);
    g_free(msg);
    return GOS_EXIT_USAGE;
}

uint64_t gos_cli_forward_lost(gos_session *s, char **why)
{
    gos_audit *a = gos_session_audit(s);
    /* The system log is written by a thread of its own: the count is final
     * once what this command appended has been sent or given up on. */
    size_t unsent = gos_audit_forward_flush(a, 5000);
    uint64_t lost = gos_audit_forward_failures(a) + unsent;
    *why = NULL;
    if (lost) {
        char *problem = gos_audit_forward_problem(a);
        *why = gos_cli_one_line(problem ? problem : _("the system log did not take them in time"));
        g_free(problem);
    }
    return lost;
}

void gos_cli_free_session(gos_session *s, int rc)
{
    size_t stuck = gos_engine_stuck(gos_session_engine(s));
    if (stuck) {
        /* Every task has ended and is recorded; what is left is a call its
         * deadline ended, into a guest or host that does not answer. */
        fprintf(stderr,
                ngettext("guestos: %zu call into a guest or host that its task's deadline ended still hangs; leaving "
                         "without waiting for it (every outcome is recorded).\n",
                         "guestos: %zu calls into guests or hosts that their tasks' deadlines ended still hang; "
                         "leaving without waiting for them (every outcome is recorded).\n",
                         stuck),
                stuck);
        fflush(stdout);
        fflush(stderr);
        _exit(rc);
    }
    gos_session_free(s);
}

gos_session *gos_cli_open_session_opts(gos_cli *cli, const char *origin, bool connect, bool probes, int *rc)
{
    /* A command that records nothing makes no database and no folder: where
     * there is none, an in-memory store takes its place. One that exists is
     * opened as ever (its version is checked, what crashed runs left is
     * recovered). */
    char *path = cli->audit_db ? g_strdup(cli->audit_db) : gos_audit_default_path();
    bool none = cli->no_audit && !g_file_test(path, G_FILE_TEST_EXISTS);
    gos_session_opts so = { .uris = (const char *const *)cli->uris, .n_uris = cli->n_uris,
                            .readonly = cli->readonly, .audit_path = none ? ":memory:" : path,
                            .origin = origin, .deadline_ms = cli->deadline_s * 1000, .no_probes = !probes,
                            .max_workers = cli->max_tasks, .per_host = cli->per_host, .max_probes = cli->probes,
                            .client_requests = cli->client_requests, .forward = cli->forward };
    gos_session *s = NULL;
    char *err = NULL;
    int made = gos_session_new(&so, &s, &err);
    g_free(path);
    if (made < 0) {
        *rc = gos_cli_fail(cli, "%s", err);
        free(err);
        return NULL;
    }
    if (connect && gos_session_connect(s, true, &err) < 0) {
        *rc = gos_cli_fail(cli, "%s", err);
        free(err);
        gos_session_free(s);
        return NULL;
    }
    /* The hosts that failed while others answered: each named, on a line of its own. */
    cli->failed_hosts = 0;
    for (size_t i = 0; connect && i < gos_session_host_count(s); i++) {
        const char *why = NULL;
        if (gos_session_host_state(s, i, &why) < 0) {
            gos_cli_fail(cli, "%s", why ? why : gos_session_host_uri(s, i));
            cli->failed_hosts++;
        }
    }
    return s;
}

gos_session *gos_cli_open_session(gos_cli *cli, const char *origin, bool connect, int *rc)
{
    return gos_cli_open_session_opts(cli, origin, connect, true, rc);
}


void gos_cli_print_vms(gos_session *s)
{
    size_t n = gos_session_view_count(s);
    /* TRANSLATORS: column headings of `guestos list`. */
    printf("%-24s %-10s %-18s %-6s %s\n", _("NAME"), _("STATE"), _("AGENT"), _("USERS"), _("HOST"));
    for (size_t i = 0; i < n; i++) {
        const gos_vm *vm = gos_session_view_at(s, i);
        /* Users: "?" not known, "0" known to be none, else the names. */
        char *users = !vm->users_known ? g_strdup("?") : vm->n_users ? gos_vm_users_joined(vm) : g_strdup("0");
        /* Names come from the host's configuration and users from the guest:
         * nothing reaches the terminal unneutralized. */
        char *name = gos_text_for_locale(vm->name ? vm->name : vm->uuid, 1024);
        char *who = gos_text_for_locale(users, 4096);
        char *host = gos_text_for_locale(vm->host, 1024);
        printf("%-24s %-10s %-18s %-6s %s\n", name, gos_vm_state_key(vm->state), gos_heartbeat_key(vm->heartbeat),
               who, host);
        g_free(name);
        g_free(who);
        g_free(host);
        g_free(users);
    }
}


void gos_cli_print_json(json_object *o)
{
    puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
}

/* One JSON object for a task that ended; the names are those of `guestos
 * audit --format json`, so that one parser reads both. */

/* --- signals of the commands ------------------------------------------------------- */

static volatile sig_atomic_t cli_signal;

static void on_cli_signal(int sig)
{
    if (cli_signal) {
        /* The second time: leave now, as the default would. */
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    cli_signal = sig;
}

void gos_cli_signals_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_cli_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    /* A reader that went away is seen as EPIPE, in time to record the end. */
    signal(SIGPIPE, SIG_IGN);
}

int gos_cli_signal(void) { return cli_signal; }

bool gos_cli_interrupted(gos_cli *cli, gos_session *s)
{
    static bool done;
    if (done)
        return true;
    bool pipe_gone = ferror(stdout) && errno == EPIPE;
    if (!cli_signal && !pipe_gone)
        return false;
    if (!cli_signal)
        cli_signal = SIGPIPE;
    done = true;
    /* TRANSLATORS: %s: the signal's name (Terminated, Broken pipe). */
    char *why = g_strdup_printf(_("guestos got %s"), strsignal(cli_signal));
    gos_engine_close(gos_session_engine(s), why);
    gos_session_request_quit(s);
    size_t running = 0;
    gos_session_task_totals(s, &running, NULL, NULL);
    fprintf(stderr, ngettext("%s: %s: no new task starts; %zu task runs to its end (send the signal again to leave "
                             "at once).\n",
                             "%s: %s: no new task starts; %zu tasks run to their end (send the signal again to leave "
                             "at once).\n", running),
            cli->prog, strsignal(cli_signal), running);
    g_free(why);
    return true;
}
