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
#include "tui/cli.h"

int gos_cli_fail(const gos_cli *cli, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    /* One line: guest or libvirt text may carry newlines. */
    for (char *p = msg; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    fprintf(stderr, "%s: %s\n", cli->prog, msg);
    g_free(msg);
    return GOS_EXIT_USAGE;
}

gos_session *gos_cli_open_session_opts(gos_cli *cli, const char *origin, bool connect, bool probes, int *rc)
{
    gos_session_opts so = { .uris = (const char *const *)cli->uris, .n_uris = cli->n_uris,
                            .readonly = cli->readonly, .audit_path = cli->audit_db, .origin = origin,
                            .deadline_ms = cli->deadline_s * 1000, .no_probes = !probes,
                            .forward = cli->forward };
    gos_session *s = NULL;
    char *err = NULL;
    if (gos_session_new(&so, &s, &err) < 0) {
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
