/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What --help prints: the program's summary, and each command's own usage (guestos audit --help, guestos help list). */
#include <config.h>

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "base/i18n.h"
#include "tui/cli.h"

static void usage_main(FILE *out, const char *prog)
{
    fprintf(out, _("Usage: %s [OPTIONS]                          the interactive console\n"
                   "       %s [OPTIONS] list [--json] [--wait]   the inventory\n"
                   "       %s [OPTIONS] logoff [--no-wait] VM... log off all users of each VM\n"
                   "       %s [OPTIONS] audit [FILTERS] [--format table|csv|json]\n"
                   "       %s [OPTIONS] audit verify [--anchor SEQ:HASH] check the log\n"
                   "       %s [OPTIONS] batch [--json] FILE|-    run action lines, no terminal\n"
                   "       %s help [COMMAND]                     this help, or a command's own\n"),
            prog, prog, prog, prog, prog, prog, prog);
    fprintf(out, _("\nOptions:\n"
            "  -c, --connect URI     libvirt host to use (repeatable)\n"
            "      --audit-db PATH   audit database (default ~/.local/state/guestos/audit.db)\n"
            "      --readonly        open connections read-only\n"
            "      --deadline SECS   deadline of each task (default 120)\n"
            "      --max-tasks N     tasks at once over all hosts (default 100)\n"
            "      --per-host N      tasks of one host at once (default 20)\n"
            "      --probes N        agent probes and definition reads of one host at once\n"
            "                        (default 5)\n"
            "      --client-requests N  calls libvirtd serves one connection at once, its\n"
            "                        max_client_requests (default 5): guestos opens enough\n"
            "                        connections to a host for --per-host calls\n"
            "      --config FILE     configuration file\n"
            "      --no-restore      start the console afresh, not with the view it was left in\n"
            "      --no-mouse        leave the mouse to the terminal (no clicks in the console)\n"
            "      --list-actions    print the action table and exit\n"
            "      --help            print this help and exit\n"
            "      --version         print the version and exit\n"
            "\nAudit filters: --vm NAME|UUID --operator USER --action NAME --host URI\n"
            "               --origin ORIGIN --result NAME --hresult CODE --since TIME\n"
            "               --until TIME --search TEXT (see '%s audit --help')\n"
            "\nExit status: 0 every task ended S_OK, 1 a task or the audit check failed,\n"
            "2 usage, configuration, connection or database error.\n"),
            prog);
}

static void usage_list(FILE *out, const char *prog)
{
    fprintf(out, _("Usage: %s [OPTIONS] list [--json] [--wait]\n"
                   "\n"
                   "The VMs of every host, one a line (name, state, agent, users, host), or with\n"
                   "--json a JSON array of objects (host, uuid, name, state, agent, users, os).\n"
                   "The words for states and agents are those filters take (the console shows\n"
                   "them with a blank for a hyphen: no-channel is \"no channel\" there).\n"
                   "What needs a call per VM (the agent channel, the agent, its users) is\n"
                   "'unknown' (null) until known.\n"
                   "\n"
                   "  --json   print a JSON array\n"
                   "  --wait   wait for what needs a call per VM (at most 60 s)\n"
                   "\n"
                   "Needs no audit database. Exit status: 0, or 2 when a host could not be\n"
                   "reached (the VMs of the others are listed, and stderr names it).\n"),
            prog);
}

static void usage_logoff(FILE *out, const char *prog)
{
    fprintf(out, _("Usage: %s [OPTIONS] logoff [--no-wait] VM...\n"
                   "\n"
                   "Logs off all users of each VM (a name or a UUID), one task each, and prints\n"
                   "each result as its HRESULT, name, task result and description.\n"
                   "\n"
                   "  --no-wait   print the task ids and leave; the tasks end in the background\n"
                   "              and their outcomes are in the audit log\n"
                   "\n"
                   "Exit status: 0 every task ended S_OK, 1 one did not, 2 usage, connection or\n"
                   "database error.\n"),
            prog);
}

static void usage_audit(FILE *out, const char *prog)
{
    fprintf(out, _("Usage: %s [OPTIONS] audit [FILTERS] [--format table|csv|json]\n"
                   "       %s [OPTIONS] audit verify [--anchor SEQ:HASH]...\n"
                   "\n"
                   "Prints the audit log, one task a row, oldest first. verify checks the hash\n"
                   "chain and that the task summary (what the table, the exports and the console\n"
                   "show) matches the chained events, and prints the head it verified as SEQ:HASH;\n"
                   "each --anchor SEQ:HASH (from the system log, or an earlier verify) must still\n"
                   "be in the chain with that hash, which catches a truncated or rewritten file.\n"
                   "\n"
                   "Filters (all must match; a value follows as the next word or after '='):\n"
                   "  --vm NAME|UUID      the VM, by name or UUID\n"
                   "  --operator USER     who submitted the task\n"
                   "  --action NAME       the action, e.g. logoff\n"
                   "  --host URI          the libvirt host\n"
                   "  --origin ORIGIN     where it came from: interactive, cli, macro:NAME,\n"
                   "                      batch:FILE, or macro: or batch: for any macro or batch file\n"
                   "  --result NAME       Success, Cancelled, UnexpectedError, TimeOutError,\n"
                   "                      Interrupted, ...\n"
                   "  --hresult CODE      0xA0040505, or a name such as VM_E_TIMED_OUT\n"
                   "  --since TIME        submitted at or after TIME (2026-11-30 or\n"
                   "                      2026-11-30T10:00:00Z)\n"
                   "  --until TIME        submitted at or before TIME (a date alone: to its end)\n"
                   "  --search TEXT       the VM name, the message or a user's name holds TEXT\n"
                   "  --format FORMAT     table (the default), csv or json\n"
                   "\n"
                   "Exit status: 0, 1 when verify finds the log altered or an anchor missing,\n"
                   "2 usage or database error.\n"),
            prog, prog);
}

static void usage_batch(FILE *out, const char *prog)
{
    fprintf(out, _("Usage: %s [OPTIONS] batch [--json] FILE|-\n"
                   "\n"
                   "Runs the action lines of FILE (or of stdin for -) without a terminal, one at a\n"
                   "time, as the console would: '%s --list-actions' lists them. The whole file is\n"
                   "parsed first; a syntax error names FILE:LINE:COLUMN and runs nothing.\n"
                   "\n"
                   "  --json   print the results and the summary as JSON lines\n"
                   "\n"
                   "Exit status: 0 every task ended S_OK, 1 a task or a line failed, 2 usage,\n"
                   "configuration, connection or database error.\n"),
            prog, prog);
}

static const struct {
    const char *name;
    void (*print)(FILE *out, const char *prog);
} commands[] = {
    { "list", usage_list }, { "logoff", usage_logoff }, { "audit", usage_audit }, { "batch", usage_batch },
};

int gos_cli_usage(const gos_cli *cli, const char *cmd, FILE *out)
{
    if (!cmd) {
        usage_main(out, cli->prog);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (!strcmp(cmd, commands[i].name)) {
            commands[i].print(out, cli->prog);
            return 0;
        }
    }
    return -1;
}

int gos_cli_bad_option(const gos_cli *cli, const char *cmd, char **argv, int c)
{
    /* getopt's own messages are off (opterr = 0): they name the binary by its
     * path and take two lines. */
    const char *last = optind > 0 ? argv[optind - 1] : "";
    char shortopt[3] = { '-', (char)optopt, 0 };
    const char *opt = !g_str_has_prefix(last, "--") && optopt > ' ' && optopt < 127 ? shortopt : last;
    char *help = cmd ? g_strdup_printf("%s %s --help", cli->prog, cmd) : g_strdup_printf("%s --help", cli->prog);
    int rc;
    if (c == ':')
        /* TRANSLATORS: %1$s: an option; %2$s: the command that prints the usage. */
        rc = gos_cli_fail(cli, _("The option %1$s needs a value; see '%2$s'."), opt, help);
    else
        /* TRANSLATORS: %1$s: what was given as an option; %2$s: the command that prints the usage. */
        rc = gos_cli_fail(cli, _("'%1$s' is not an option here; see '%2$s'."), opt, help);
    g_free(help);
    return rc;
}
