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
    static const struct option opts[] = { { "json", no_argument, NULL, 'j' }, { "help", no_argument, NULL, 'h' },
                                          { NULL, 0, NULL, 0 } };
    bool json = false;
    int c, rc = GOS_EXIT_OK;
    while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
        if (c == 'h')
            return gos_cli_usage(cli, "list", stdout);
        if (c != 'j')
            return gos_cli_bad_option(cli, "list", argv, c);
        json = true;
    }
    if (optind < argc)
        return gos_cli_fail(cli, _("Usage: %s list [--json]"), cli->prog);

    cli->no_audit = true;
    gos_session *s = gos_cli_open_session(cli, "cli", true, &rc);
    if (!s)
        return rc;
    /* Agent probes are bounded by their own timeouts; this only caps the total. */
    gos_session_wait_idle(s, 60000);
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
