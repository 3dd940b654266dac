/* SPDX-License-Identifier: GPL-2.0-or-later */
/* guestos: option parsing, configuration, and the choice between console and commands. */
#include <config.h>

#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "core/actions.h"
#include "db/audit.h"
#include "base/i18n.h"
#include "core/session.h"
#include "core/history.h"
#include "tui/cli.h"
#include "tui/config.h"
#include "tui/console.h"

static void list_actions(void)
{
    for (size_t i = 0; i < gos_action_count(); i++) {
        const gos_action *a = gos_action_at(i);
        char *head = g_strdup_printf("%s%s%s", a->name, a->args[0] ? " " : "", a->args);
        printf("%-28s %s\n", head, _(a->help));
        g_free(head);
    }
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    /* GUESTOS_LOCALEDIR lets tests use the catalogs of an uninstalled build. */
    const char *localedir = getenv("GUESTOS_LOCALEDIR");
    bindtextdomain(PACKAGE, localedir && *localedir ? localedir : LOCALEDIR);
    bind_textdomain_codeset(PACKAGE, "UTF-8");
    textdomain(PACKAGE);

    enum { OPT_AUDIT_DB = 256, OPT_READONLY, OPT_CONFIG, OPT_LIST_ACTIONS, OPT_HELP, OPT_VERSION, OPT_DEADLINE,
           OPT_MAX_TASKS, OPT_PER_HOST, OPT_PROBES, OPT_CLIENT_REQUESTS, OPT_NO_RESTORE, OPT_NO_MOUSE };
    static const struct option opts[] = {
        { "connect", required_argument, NULL, 'c' },
        { "audit-db", required_argument, NULL, OPT_AUDIT_DB },
        { "readonly", no_argument, NULL, OPT_READONLY },
        { "config", required_argument, NULL, OPT_CONFIG },
        { "deadline", required_argument, NULL, OPT_DEADLINE },
        { "max-tasks", required_argument, NULL, OPT_MAX_TASKS },
        { "per-host", required_argument, NULL, OPT_PER_HOST },
        { "probes", required_argument, NULL, OPT_PROBES },
        { "client-requests", required_argument, NULL, OPT_CLIENT_REQUESTS },
        { "no-restore", no_argument, NULL, OPT_NO_RESTORE },
        { "no-mouse", no_argument, NULL, OPT_NO_MOUSE },
        { "list-actions", no_argument, NULL, OPT_LIST_ACTIONS },
        { "help", no_argument, NULL, OPT_HELP },
        { "version", no_argument, NULL, OPT_VERSION },
        { NULL, 0, NULL, 0 },
    };
    gos_cli cli = { .prog = "guestos", .forward = GOS_AUDIT_FORWARD_AUTO };
    GPtrArray *uris = g_ptr_array_new_with_free_func(g_free);
    const char *config = NULL;
    gos_config conf = { .mouse = true };
    bool no_restore = false, no_mouse = false;
    int c, rc = GOS_EXIT_OK;

    /* Usage errors are one line of ours: getopt's would name the binary by
     * its full path, and take two. */
    opterr = 0;
    /* '+': global options stop at the command word; ':': a missing value is told apart. */
    while ((c = getopt_long(argc, argv, "+:c:", opts, NULL)) != -1) {
        switch (c) {
        case 'c': g_ptr_array_add(uris, g_strdup(optarg)); break;
        case OPT_AUDIT_DB: g_free(cli.audit_db); cli.audit_db = g_strdup(optarg); break;
        case OPT_READONLY: cli.readonly = true; break;
        case OPT_CONFIG: config = optarg; break;
        case OPT_DEADLINE: {
            char *end = NULL;
            cli.deadline_s = strtol(optarg, &end, 10);
            if (!*optarg || *end || cli.deadline_s < 1 || cli.deadline_s > 4000) {
                rc = gos_cli_fail(&cli, _("--deadline takes a number of seconds from 1 to 4000, not '%s'."), optarg);
                goto out;
            }
            break;
        }
        case OPT_MAX_TASKS:
        case OPT_PER_HOST:
        case OPT_PROBES:
        case OPT_CLIENT_REQUESTS: {
            static const struct { int opt; const char *name; int max; } lim[] = {
                { OPT_MAX_TASKS, "--max-tasks", 1000 }, { OPT_PER_HOST, "--per-host", 1000 },
                { OPT_PROBES, "--probes", 100 }, { OPT_CLIENT_REQUESTS, "--client-requests", 1000 },
            };
            size_t k = 0;
            while (lim[k].opt != c)
                k++;
            char *end = NULL;
            long v = strtol(optarg, &end, 10);
            if (!*optarg || *end || v < 1 || v > lim[k].max) {
                /* TRANSLATORS: %1$s: an option (--per-host); %2$d its largest value; %3$s what was given. */
                rc = gos_cli_fail(&cli, _("%1$s takes a number from 1 to %2$d, not '%3$s'."), lim[k].name,
                                  lim[k].max, optarg);
                goto out;
            }
            int *field = c == OPT_MAX_TASKS ? &cli.max_tasks : c == OPT_PER_HOST ? &cli.per_host
                       : c == OPT_PROBES    ? &cli.probes    : &cli.client_requests;
            *field = (int)v;
            break;
        }
        case OPT_NO_RESTORE: no_restore = true; break;
        case OPT_NO_MOUSE: no_mouse = true; break;
        case OPT_LIST_ACTIONS: list_actions(); goto out;
        case OPT_HELP: gos_cli_usage(&cli, NULL, stdout); goto out;
        case OPT_VERSION: printf("guestos %s\n", PACKAGE_VERSION); goto out;
        default:
            rc = gos_cli_bad_option(&cli, NULL, argv, c);
            goto out;
        }
    }
    /* `guestos help [COMMAND]` is --help, or the command's own. */
    if (optind < argc && !strcmp(argv[optind], "help")) {
        const char *what = optind + 1 < argc ? argv[optind + 1] : NULL;
        if (gos_cli_usage(&cli, what, stdout) < 0)
            rc = gos_cli_fail(&cli, _("There is no command '%s': use list, logoff, audit or batch."), what);
        goto out;
    }
    if ((rc = gos_config_load(&cli, config, uris, &conf)) != 0)
        goto out;
    /* The console takes its own signals; the commands end what they started. */
    if (optind < argc)
        gos_cli_signals_install();
    g_ptr_array_add(uris, NULL);
    cli.n_uris = uris->len - 1;
    cli.uris = (char **)uris->pdata;

    argc -= optind;
    argv += optind;
    optind = 0;   /* commands parse their own options (0 also resets getopt's state) */
    if (argc == 0) {
        gos_session_opts so = { .uris = (const char *const *)cli.uris, .n_uris = cli.n_uris,
                                .readonly = cli.readonly, .audit_path = cli.audit_db,
                                .origin = "interactive", .deadline_ms = cli.deadline_s * 1000,
                                .max_workers = cli.max_tasks, .per_host = cli.per_host, .max_probes = cli.probes,
                                .client_requests = cli.client_requests, .forward = cli.forward };
        gos_session *s = NULL;
        char *err = NULL;
        if (gos_session_new(&so, &s, &err) < 0) {
            rc = gos_cli_fail(&cli, "%s", err);
            free(err);
            goto out;
        }
        if (conf.columns)
            gos_session_set_default_columns(s, conf.columns, conf.n_columns);
        /* The view the console was left in comes back, unless told not to. */
        char *state = gos_state_path("console.state");
        if (!no_restore && gos_state_load(s, state, &err) < 0) {
            gos_session_set_error(s, "%s", err);
            g_free(err);
            err = NULL;
        }
        gos_session_connect(s, false, NULL);
        char *history = gos_state_path("history");
        gos_console_opts co = { .mouse = conf.mouse && !no_mouse, .history = history };
        rc = gos_console_run(s, &co, &err);
        g_free(history);
        if (rc >= 0) {
            char *serr = NULL;
            if (gos_state_save(s, state, &serr) < 0) {
                gos_cli_fail(&cli, "%s", serr);
                g_free(serr);
            }
        }
        g_free(state);
        if (rc < 0) {
            rc = gos_cli_fail(&cli, "%s", err);
            free(err);
        }
        /* Left by a signal or a lost terminal with tasks under way: none
         * starts any more, and the running ones end (their deadline bounds
         * them) with the terminal already given back and a line that says so. */
        size_t running = 0;
        gos_session_task_totals(s, &running, NULL, NULL);
        if (running) {
            gos_engine_close(gos_session_engine(s), _("the console was closed"));
            gos_session_task_totals(s, &running, NULL, NULL);
            if (running)
                fprintf(stderr, ngettext("guestos: %zu task is still running; it ends within its deadline. Send the "
                                         "signal again to leave at once: it will show as interrupted.\n",
                                         "guestos: %zu tasks are still running; they end within their deadline. Send "
                                         "the signal again to leave at once: they will show as interrupted.\n",
                                         running),
                        running);
        }
        gos_cli_free_session(s, rc);
    } else if (!strcmp(argv[0], "list")) {
        rc = gos_cli_list(&cli, argc, argv);
    } else if (!strcmp(argv[0], "logoff")) {
        rc = gos_cli_logoff(&cli, argc, argv);
    } else if (!strcmp(argv[0], "audit")) {
        rc = gos_cli_audit(&cli, argc, argv);
    } else if (!strcmp(argv[0], "batch")) {
        rc = gos_cli_batch(&cli, argc, argv);
    } else {
        rc = gos_cli_fail(&cli, _("Unknown command '%s'. Try '%s --help'."), argv[0], cli.prog);
    }
out:
    gos_config_clear(&conf);
    g_ptr_array_free(uris, TRUE);
    g_free(cli.audit_db);
    return rc;
}
