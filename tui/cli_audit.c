/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `guestos audit`: review, export and verify the audit log. */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "base/i18n.h"
#include "db/audit.h"
#include "tui/cli.h"

int gos_cli_audit(gos_cli *cli, int argc, char **argv)
{
    enum { O_VM = 1, O_OPERATOR, O_ACTION, O_RESULT, O_HRESULT, O_SINCE, O_UNTIL, O_HOST, O_ORIGIN, O_SEARCH,
           O_FORMAT, O_HELP, O_ANCHOR };
    static const struct option opts[] = {
        { "vm", required_argument, NULL, O_VM },
        { "operator", required_argument, NULL, O_OPERATOR },
        { "action", required_argument, NULL, O_ACTION },
        { "result", required_argument, NULL, O_RESULT },
        { "hresult", required_argument, NULL, O_HRESULT },
        { "since", required_argument, NULL, O_SINCE },
        { "until", required_argument, NULL, O_UNTIL },
        { "host", required_argument, NULL, O_HOST },
        { "origin", required_argument, NULL, O_ORIGIN },
        { "search", required_argument, NULL, O_SEARCH },
        { "format", required_argument, NULL, O_FORMAT },
        { "help", no_argument, NULL, O_HELP },
        { "anchor", required_argument, NULL, O_ANCHOR },
        { NULL, 0, NULL, 0 },
    };
    GArray *anchors = g_array_new(FALSE, FALSE, sizeof(gos_audit_anchor));
    gos_audit_filter f = { 0 };
    gos_audit_format fmt = GOS_AUDIT_TABLE;
    /* getopt finds the words; db/filter.c reads them, as the audit view does. */
    GPtrArray *words = g_ptr_array_new_with_free_func(g_free);
    int c;
    bool verify = false;
    /* Options stand before or after the word verify (audit verify --anchor SEQ:HASH). */
    for (;;) {
        c = getopt_long(argc, argv, "+:", opts, NULL);
        if (c == -1) {
            if (verify || optind >= argc || strcmp(argv[optind], "verify") != 0)
                break;
            verify = true;
            optind++;
            continue;
        }
        if (c == O_HELP) {
            g_ptr_array_free(words, TRUE);
            g_array_free(anchors, TRUE);
            return gos_cli_usage(cli, "audit", stdout);
        }
        if (c == O_ANCHOR) {
            gos_audit_anchor an;
            char *aerr = NULL;
            if (gos_audit_anchor_parse(optarg, &an, &aerr) < 0) {
                int arc = gos_cli_fail(cli, "%s", aerr);
                free(aerr);
                g_ptr_array_free(words, TRUE);
                g_array_free(anchors, TRUE);
                return arc;
            }
            g_array_append_val(anchors, an);
        } else if (c == O_FORMAT) {
            if (!strcmp(optarg, "table"))
                fmt = GOS_AUDIT_TABLE;
            else if (!strcmp(optarg, "csv"))
                fmt = GOS_AUDIT_CSV;
            else if (!strcmp(optarg, "json"))
                fmt = GOS_AUDIT_JSON;
            else {
                g_ptr_array_free(words, TRUE);
                g_array_free(anchors, TRUE);
                return gos_cli_fail(cli, _("'%s' is not a format: use table, csv or json."), optarg);
            }
        } else if (c > 0 && c <= O_SEARCH) {
            for (const struct option *o = opts; o->name; o++)
                if (o->val == c)
                    g_ptr_array_add(words, g_strconcat("--", o->name, NULL));
            g_ptr_array_add(words, g_strdup(optarg));
        } else {
            g_ptr_array_free(words, TRUE);
            g_array_free(anchors, TRUE);
            return gos_cli_bad_option(cli, "audit", argv, c);
        }
    }
    char *ferr = NULL;
    if (gos_audit_filter_parse((int)words->len, (char *const *)words->pdata, &f, &ferr) < 0) {
        int frc = gos_cli_fail(cli, "%s", ferr);
        free(ferr);
        g_ptr_array_free(words, TRUE);
        g_array_free(anchors, TRUE);
        return frc;
    }
    if (optind != argc || (anchors->len > 0 && !verify)) {
        g_ptr_array_free(words, TRUE);
        g_array_free(anchors, TRUE);
        return gos_cli_fail(cli, _("Usage: %s audit [FILTERS] [--format table|csv|json] | audit verify [--anchor SEQ:HASH]"),
                            cli->prog);
    }

    char *path = cli->audit_db ? g_strdup(cli->audit_db) : gos_audit_default_path();
    gos_audit *a = NULL;
    char *err = NULL;
    int rc = GOS_EXIT_OK;
    if (gos_audit_open_readonly(path, &a, &err) < 0) {
        rc = gos_cli_fail(cli, "%s", err);
        free(err);
        g_free(path);
        g_ptr_array_free(words, TRUE);
        g_array_free(anchors, TRUE);
        return rc;
    }
    g_free(path);
    if (verify) {
        gos_audit_verify_report rep = { 0 };
        /* The head as SEQ:HASH, the form --anchor takes and every forwarded event carries. */
        char *head = NULL;
        if (gos_audit_verify_anchored(a, (const gos_audit_anchor *)anchors->data, anchors->len, &rep, &err) < 0) {
            rc = gos_cli_fail(cli, "%s", err);
            free(err);
        } else {
            head = rep.head[0] ? g_strdup_printf("%lld:%s", (long long)rep.head_seq, rep.head) : g_strdup("-");
            if (rep.ok) {
                printf(_("ok: %lld events, chain head %s\n"), (long long)rep.rows, head);
            } else {
                if (rep.first_bad_id > 0)
                    printf(_("FAILED at event %lld: %s\n"), (long long)rep.first_bad_id, rep.reason ? rep.reason : "");
                else
                    printf(_("FAILED: %s\n"), rep.reason ? rep.reason : "");
                printf(_("chain head %s\n"), head);
                rc = GOS_EXIT_FAILED;
            }
        }
        g_free(head);
        free(rep.reason);
    } else {
        if (gos_audit_export(a, &f, fmt, stdout, &err) < 0) {
            rc = gos_cli_fail(cli, "%s", err);
            free(err);
        }
        if (fflush(stdout) != 0 && rc == GOS_EXIT_OK)
            rc = gos_cli_fail(cli, _("Cannot write the export: %s"), g_strerror(errno));
    }
    gos_audit_free(a);
    g_ptr_array_free(words, TRUE);
    g_array_free(anchors, TRUE);
    return rc;
}
