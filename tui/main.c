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
#include "base/i18n.h"
#include "db/audit.h"
#include "core/session.h"
#include "tui/cli.h"
#include "tui/console.h"
#include "tui/keymap.h"

static void usage(FILE *out, const char *prog)
{
    fprintf(out, _("Usage: %s [OPTIONS]                          the interactive console\n"
                   "       %s [OPTIONS] list [--json]            the inventory\n"
                   "       %s [OPTIONS] logoff [--no-wait] VM... log off all users of each VM\n"
                   "       %s [OPTIONS] audit [FILTERS] [--format table|csv|json]\n"
                   "       %s [OPTIONS] audit verify [--anchor SEQ:HASH] check the log\n"
                   "       %s [OPTIONS] batch [--json] FILE|-    run action lines, no terminal\n"),
            prog, prog, prog, prog, prog, prog);
    fputs(_("\nOptions:\n"
            "  -c, --connect URI     libvirt host to use (repeatable)\n"
            "      --audit-db PATH   audit database (default ~/.local/state/guestos/audit.db)\n"
            "      --readonly        open connections read-only\n"
            "      --deadline SECS   deadline of each task (default 120)\n"
            "      --config FILE     configuration file\n"
            "      --list-actions    print the action table and exit\n"
            "      --help            print this help and exit\n"
            "      --version         print the version and exit\n"
            "\nAudit filters: --vm NAME|UUID --operator USER --action NAME --result NAME\n"
            "               --hresult CODE --since TIME --until TIME --host URI\n"
            "\nExit status: 0 every task ended S_OK, 1 a task or the audit check failed,\n"
            "2 usage, configuration, connection or database error.\n"),
          out);
}

static void list_actions(void)
{
    for (size_t i = 0; i < gos_action_count(); i++) {
        const gos_action *a = gos_action_at(i);
        char *head = g_strdup_printf("%s%s%s", a->name, a->args[0] ? " " : "", a->args);
        printf("%-28s %s\n", head, _(a->help));
        g_free(head);
    }
}

/* Reads hosts and the audit path from the key file, unless the command line
 * gave them. A file named with --config must exist; the default may not. */
static int load_config(gos_cli *cli, const char *path, bool explicit_path, GPtrArray *uris)
{
    char *def = NULL;
    if (!path) {
        def = g_build_filename(g_get_user_config_dir(), "guestos", "guestos.conf", NULL);
        path = def;
    }
    GKeyFile *kf = g_key_file_new();
    GError *gerr = NULL;
    int rc = 0;
    if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &gerr)) {
        if (explicit_path || !g_error_matches(gerr, G_FILE_ERROR, G_FILE_ERROR_NOENT))
            rc = gos_cli_fail(cli, _("Cannot read the configuration file %s: %s"), path, gerr->message);
        g_error_free(gerr);
        goto out;
    }
    if (uris->len == 0) {
        gsize n = 0;
        char **list = g_key_file_get_string_list(kf, "hosts", "uris", &n, NULL);
        for (gsize i = 0; list && i < n; i++)
            if (*g_strstrip(list[i]))
                g_ptr_array_add(uris, g_strdup(list[i]));
        g_strfreev(list);
    }
    if (!cli->audit_db)
        cli->audit_db = g_key_file_get_string(kf, "audit", "path", NULL);
    char *forward = g_key_file_get_string(kf, "audit", "forward", NULL);
    if (forward) {
        gos_audit_forward mode;
        char *ferr = NULL;
        if (gos_audit_forward_parse(g_strstrip(forward), &mode, &ferr) < 0) {
            /* TRANSLATORS: the configuration file, then why its value is wrong. */
            rc = gos_cli_fail(cli, _("%s: [audit] forward: %s"), path, ferr);
            free(ferr);
            g_free(forward);
            goto out;
        }
        cli->forward = (int)mode;
        g_free(forward);
    }
    /* [keys] is read again by the keymap, which names the line of a mistake;
     * a bad binding stops every command, before any terminal is taken over. */
    char *text = NULL, *kerr = NULL;
    if (g_file_get_contents(path, &text, NULL, NULL) && gos_keymap_configure(text, path, &kerr) < 0) {
        rc = gos_cli_fail(cli, "%s", kerr);
        g_free(kerr);
    }
    g_free(text);
out:
    g_key_file_free(kf);
    g_free(def);
    return rc;
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    /* GUESTOS_LOCALEDIR lets tests use the catalogs of an uninstalled build. */
    const char *localedir = getenv("GUESTOS_LOCALEDIR");
    bindtextdomain(PACKAGE, localedir && *localedir ? localedir : LOCALEDIR);
    bind_textdomain_codeset(PACKAGE, "UTF-8");
    textdomain(PACKAGE);

    enum { OPT_AUDIT_DB = 256, OPT_READONLY, OPT_CONFIG, OPT_LIST_ACTIONS, OPT_HELP, OPT_VERSION, OPT_DEADLINE };
    static const struct option opts[] = {
        { "connect", required_argument, NULL, 'c' },
        { "audit-db", required_argument, NULL, OPT_AUDIT_DB },
        { "readonly", no_argument, NULL, OPT_READONLY },
        { "config", required_argument, NULL, OPT_CONFIG },
        { "deadline", required_argument, NULL, OPT_DEADLINE },
        { "list-actions", no_argument, NULL, OPT_LIST_ACTIONS },
        { "help", no_argument, NULL, OPT_HELP },
        { "version", no_argument, NULL, OPT_VERSION },
        { NULL, 0, NULL, 0 },
    };
    gos_cli cli = { .prog = "guestos", .forward = GOS_AUDIT_FORWARD_AUTO };
    GPtrArray *uris = g_ptr_array_new_with_free_func(g_free);
    const char *config = NULL;
    int c, rc = GOS_EXIT_OK;

    /* '+': global options stop at the command word. */
    while ((c = getopt_long(argc, argv, "+c:", opts, NULL)) != -1) {
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
        case OPT_LIST_ACTIONS: list_actions(); goto out;
        case OPT_HELP: usage(stdout, cli.prog); goto out;
        case OPT_VERSION: printf("guestos %s\n", PACKAGE_VERSION); goto out;
        default:
            fprintf(stderr, _("Try '%s --help' for more information.\n"), cli.prog);
            rc = GOS_EXIT_USAGE;
            goto out;
        }
    }
    if ((rc = load_config(&cli, config, config != NULL, uris)) != 0)
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
                                .forward = cli.forward };
        gos_session *s = NULL;
        char *err = NULL;
        if (gos_session_new(&so, &s, &err) < 0) {
            rc = gos_cli_fail(&cli, "%s", err);
            free(err);
            goto out;
        }
        gos_session_connect(s, false, NULL);
        rc = gos_console_run(s, &err);
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
        gos_session_free(s);
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
    g_ptr_array_free(uris, TRUE);
    g_free(cli.audit_db);
    return rc;
}
