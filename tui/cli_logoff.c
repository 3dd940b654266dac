/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `guestos logoff`: log off every user of each VM named, waiting or in the background. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <glib.h>

#include "base/i18n.h"
#include "core/session.h"
#include "core/submit.h"
#include "tui/cli.h"
#include "tui/outcome.h"

int gos_cli_logoff(gos_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = { { "no-wait", no_argument, NULL, 'n' }, { "help", no_argument, NULL, 'h' },
                                          { NULL, 0, NULL, 0 } };
    bool no_wait = false;
    int c, rc = GOS_EXIT_OK;
    while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
        if (c == 'h')
            return gos_cli_usage(cli, "logoff", stdout);
        if (c != 'n')
            return gos_cli_bad_option(cli, "logoff", argv, c);
        no_wait = true;
    }
    if (optind >= argc)
        return gos_cli_fail(cli, _("Usage: %s logoff [--no-wait] VM..."), cli->prog);

    /* --no-wait: the tasks go on in a background process after this one has
     * printed their ids; their outcomes are in the audit log. The fork comes
     * before any thread exists. */
    int pfd[2] = { -1, -1 };
    if (no_wait) {
        if (pipe(pfd) < 0)
            return gos_cli_fail(cli, _("Cannot create a pipe: %s"), g_strerror(errno));
        pid_t pid = fork();
        if (pid < 0)
            return gos_cli_fail(cli, _("Cannot start a background process: %s"), g_strerror(errno));
        if (pid > 0) {
            close(pfd[1]);
            FILE *in = fdopen(pfd[0], "r");
            char line[1024];
            int status = GOS_EXIT_USAGE;
            while (in && fgets(line, sizeof line, in)) {
                if (line[0] == 'T') {
                    fputs(line + 2, stdout);
                    status = GOS_EXIT_OK;
                } else if (line[0] == 'E') {
                    fprintf(stderr, "%s: %s", cli->prog, line + 2);
                    status = GOS_EXIT_USAGE;
                }
            }
            if (in)
                fclose(in);
            return status;
        }
        close(pfd[0]);
        setsid();
    }
    FILE *ctl = no_wait ? fdopen(pfd[1], "w") : NULL;

    /* No agent probes: each task asks its own agent, and probes would only
     * queue in front of it (libvirt runs one agent command a domain at a time). */
    gos_session *s = gos_cli_open_session_opts(cli, "cli", true, false, &rc);
    if (!s) {
        if (ctl) {
            fprintf(ctl, "E %s\n", _("The tasks were not started; see the message above."));
            fclose(ctl);
            _exit(rc);
        }
        return rc;
    }
    /* All at once: one commit puts them on record, and they start together. */
    size_t n = (size_t)(argc - optind);
    gos_task **tasks = g_new0(gos_task *, n);
    char *err = NULL;
    gos_session_logoff_many(s, NULL, (const char *const *)argv + optind, n, tasks, &err);
    for (size_t i = 0; i < n; i++) {
        gos_task *t = tasks[i];
        if (!t) {
            if (ctl) {
                char *one = gos_cli_one_line(err);
                fprintf(ctl, "E %s\n", one);
                g_free(one);
            } else {
                gos_cli_fail(cli, "%s", err);
            }
            rc = GOS_EXIT_USAGE;
            break;
        }
        if (ctl)
            fprintf(ctl, "T %s %s\n", gos_task_get_id(t), argv[optind + (int)i]);
    }
    for (size_t i = 0; i < n; i++)
        gos_task_unref(tasks[i]);
    g_free(tasks);
    free(err);
    if (ctl) {
        fclose(ctl);
        int dn = open("/dev/null", O_RDWR);
        if (dn >= 0) {
            dup2(dn, 0);
            dup2(dn, 1);
            dup2(dn, 2);
            close(dn);
        }
    }
    gos_reporter rep;
    gos_reporter_init(&rep, s, false);
    rep.cli = cli;
    gos_reporter_wait(&rep, -1);
    /* Fail closed, and say why: an outcome the audit log could not record is a
     * database error (unless the refusal was printed above already). */
    const char *audit = gos_engine_audit_problem(gos_session_engine(s));
    if (audit && rc != GOS_EXIT_USAGE)
        rc = gos_cli_fail(cli, "%s", audit);
    if (rc == GOS_EXIT_OK && rep.failed)
        rc = GOS_EXIT_FAILED;
    if (gos_cli_signal())
        rc = 128 + gos_cli_signal();
    /* Each outcome is in the file; say so when the system log missed some. */
    char *fwd_why = NULL;
    uint64_t fwd_lost = gos_cli_forward_lost(s, &fwd_why);
    if (fwd_lost)
        fprintf(stderr,
                ngettext("%s: %llu audit event was not forwarded to the system log: %s\n",
                         "%s: %llu audit events were not forwarded to the system log: %s\n", (unsigned long)fwd_lost),
                cli->prog, (unsigned long long)fwd_lost, fwd_why);
    g_free(fwd_why);
    gos_reporter_clear(&rep);
    gos_cli_free_session(s, rc);
    if (ctl)
        _exit(rc);
    return rc;
}
