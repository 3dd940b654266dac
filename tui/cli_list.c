/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `guestos list`: the inventory as a table or a JSON array. */
#include <config.h>

#include <getopt.h>
#include <stdio.h>

#include <glib.h>

#include "base/i18n.h"
#include "core/report.h"
#include "core/session.h"
#include "tui/cli.h"

int gos_cli_list(gos_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = { { "json", no_argument, NULL, 'j' }, { "wait", no_argument, NULL, 'w' },
                                          { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
    bool json = false, wait = false;
    int c, rc = GOS_EXIT_OK;
    while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
        if (c == 'h')
            return gos_cli_usage(cli, "list", stdout);
        if (c == 'j')
            json = true;
        else if (c == 'w')
            wait = true;
        else
            return gos_cli_bad_option(cli, "list", argv, c);
    }
    if (optind < argc)
        return gos_cli_fail(cli, _("Usage: %s list [--json] [--wait]"), cli->prog);

    /* Names, UUIDs and states come from bulk calls, a few round trips a
     * host; what needs a call per domain (the agent channel in its XML, the
     * agent itself) is printed as not known yet ("unknown", null), unless
     * --wait waits for it: agent calls are bounded by their own timeouts,
     * and this caps the total. */
    cli->no_audit = true;
    gos_session *s = gos_cli_open_session_opts(cli, "cli", true, wait, &rc);
    if (!s)
        return rc;
    if (wait)
        gos_session_wait_idle(s, 60000);
    /* Hosts that failed were named when the session opened; one that was
     * lost or never answered meanwhile is not in the list either: say so. */
    for (size_t i = 0; i < gos_session_host_count(s); i++) {
        const char *why = NULL;
        int st = gos_session_host_state(s, i, &why);
        if (st != 1 && st >= 0) {
            gos_cli_fail(cli, "%s", why ? why : gos_session_host_uri(s, i));
            cli->failed_hosts++;
        }
    }
    if (json) {
        size_t n = gos_session_view_count(s);
        json_object *arr = json_object_new_array();
        for (size_t i = 0; i < n; i++)
            json_object_array_add(arr, gos_report_vm(gos_session_view_at(s, i), NULL));
        puts(json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(arr);
    } else {
        gos_cli_print_vms(s);
    }
    /* The VMs of the hosts that answered are listed; the others were named on stderr. */
    if (cli->failed_hosts)
        rc = GOS_EXIT_USAGE;
    gos_session_free(s);
    return rc;
}
