/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `guestos batch`: action lines from a file or stdin, with outcomes as tasks end and a summary. */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "base/i18n.h"
#include "core/actions.h"
#include "core/report.h"
#include "core/session.h"
#include "tui/cli.h"
#include "tui/outcome.h"

/* How long a batch step waits for hosts to connect or be listed. */
#define BATCH_SETTLE_MS 120000

typedef struct batch {
    gos_cli *cli;
    gos_session *s;
    gos_script *sc;
    gos_reporter rep;
    bool json;
    bool wait_timed_out;     /* a `wait` passed its deadline: cancel what still runs */
    int failed_line;         /* the step that failed, 0 when none */
    char *failed_why;
    int status;              /* exit status the failed step asks for */
} batch;

static char *read_script(gos_cli *cli, const char *file, int *rc)
{
    if (!strcmp(file, "-")) {
        /* stdin is the script: never a terminal that batch would need */
        GString *buf = g_string_new(NULL);
        char chunk[4096];
        size_t n;
        while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0)
            g_string_append_len(buf, chunk, (gssize)n);
        if (ferror(stdin)) {
            *rc = gos_cli_fail(cli, _("Cannot read %s: %s"), "<stdin>", g_strerror(errno));
            g_string_free(buf, TRUE);
            return NULL;
        }
        return g_string_free(buf, FALSE);
    }
    char *text = NULL;
    GError *gerr = NULL;
    if (!g_file_get_contents(file, &text, NULL, &gerr)) {
        *rc = gos_cli_fail(cli, _("Cannot read %s: %s"), file, gerr->message);
        g_error_free(gerr);
        return NULL;
    }
    return text;
}

static void step_fail(batch *b, const gos_cmd *cmd, int status, const char *why)
{
    char *one = g_strdup(why ? why : "");
    for (char *p = one; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    fprintf(stderr, "%s: %s:%d: %s\n", b->cli->prog, b->sc->file, cmd->line, one);
    b->failed_line = cmd->line;
    b->failed_why = one;
    b->status = status;
}

/* Does the step read agent data, so that the probes under way should answer first? */
static bool needs_agent_data(const gos_cmd *cmd)
{
    const char *name = cmd->action->name;
    if (!strcmp(name, "list"))
        return true;
    if (!strcmp(name, "sort") && cmd->argc == 1) {
        int key = gos_sort_parse(cmd->argv[0]);
        return key == GOS_SORT_AGENT || key == GOS_SORT_USERS || key == GOS_SORT_OS || key == GOS_SORT_PING;
    }
    if (!strcmp(name, "filter"))
        for (int i = 0; i < cmd->argc; i++)
            if (g_str_has_prefix(cmd->argv[i], "agent=") || g_str_has_prefix(cmd->argv[i], "users="))
                return true;
    return false;
}

/* `wait [SECONDS]`: the action's own wait, but printing outcomes as tasks end. */
static void batch_wait(batch *b, const gos_cmd *cmd)
{
    long secs = -1;
    if (cmd->argc) {
        char *end = NULL;
        errno = 0;
        secs = strtol(cmd->argv[0], &end, 10);
        if (errno || !end || *end || end == cmd->argv[0] || secs < 0 || secs > GOS_TASK_WAIT_MAX_MS / 1000) {
            char *why = g_strdup_printf(_("'%s' is not a number of seconds from 0 to 4000."), cmd->argv[0]);
            step_fail(b, cmd, GOS_EXIT_FAILED, why);
            g_free(why);
            return;
        }
    }
    if (!gos_reporter_wait(&b->rep, secs < 0 ? -1 : secs * 1000)) {
        char *why = g_strdup_printf(ngettext("Tasks were still running after %ld second.",
                                             "Tasks were still running after %ld seconds.", secs), secs);
        step_fail(b, cmd, GOS_EXIT_FAILED, why);
        g_free(why);
        b->wait_timed_out = true;
    }
}

/* After `connect URI`: the step fails with the connection's own sentence. */
static void batch_check_host(batch *b, const gos_cmd *cmd)
{
    bool settled = gos_session_wait_hosts(b->s, BATCH_SETTLE_MS);
    for (size_t i = 0; i < gos_session_host_count(b->s); i++) {
        if (strcmp(gos_session_host_uri(b->s, i), cmd->argv[0]))
            continue;
        const char *why = NULL;
        int st = gos_session_host_state(b->s, i, &why);
        if (st < 0) {
            step_fail(b, cmd, GOS_EXIT_USAGE, why ? why : _("The connection failed."));
        } else if (st == 0 || !settled) {
            char *msg = g_strdup_printf(ngettext("%s did not answer within %d second.",
                                                 "%s did not answer within %d seconds.", BATCH_SETTLE_MS / 1000),
                                        cmd->argv[0], BATCH_SETTLE_MS / 1000);
            step_fail(b, cmd, GOS_EXIT_USAGE, msg);
            g_free(msg);
        }
        return;
    }
}

static void batch_list(batch *b)
{
    gos_session_wait_idle(b->s, 60000);
    if (!b->json) {
        gos_cli_print_vms(b->s);
    } else {
        size_t n = gos_session_view_count(b->s);
        for (size_t i = 0; i < n; i++) {
            gos_cli_print_json(gos_report_vm(gos_session_view_at(b->s, i), "vm"));
        }
    }
    fflush(stdout);
}

static void batch_step(batch *b, const gos_cmd *cmd)
{
    const char *name = cmd->action->name;
    /* Domain events start listings at any time: act on a settled inventory. */
    gos_session_wait_hosts(b->s, BATCH_SETTLE_MS);
    if (needs_agent_data(cmd))
        gos_session_wait_idle(b->s, 60000);
    if (!strcmp(name, "wait")) {
        batch_wait(b, cmd);
        return;
    }
    /* What the step says on the console's status line, it says on stderr. */
    gos_session_set_status(b->s, "%s", "");
    char *err = NULL;
    if (gos_cmd_exec(b->s, cmd, &err) < 0) {
        /* The audit store refusing new tasks is a database error, not a step's. */
        const char *audit = gos_engine_audit_problem(gos_session_engine(b->s));
        step_fail(b, cmd, audit ? GOS_EXIT_USAGE : GOS_EXIT_FAILED, err && *err ? err : _("The action failed."));
        g_free(err);
        gos_reporter_note_line(&b->rep, cmd->line);
        return;
    }
    gos_reporter_note_line(&b->rep, cmd->line);
    const char *said = gos_session_status(b->s);
    if (said && *said)
        fprintf(stderr, "%s:%d: %s\n", b->sc->file, cmd->line, said);
    if (!strcmp(name, "connect"))
        batch_check_host(b, cmd);
    else if (!strcmp(name, "refresh"))
        gos_session_wait_hosts(b->s, BATCH_SETTLE_MS);
    else if (!strcmp(name, "list"))
        batch_list(b);
}

static gint count_desc(gconstpointer a, gconstpointer b, gpointer counts)
{
    guint ca = GPOINTER_TO_UINT(g_hash_table_lookup(counts, *(gpointer const *)a));
    guint cb = GPOINTER_TO_UINT(g_hash_table_lookup(counts, *(gpointer const *)b));
    if (ca != cb)
        return ca > cb ? -1 : 1;
    guint ha = GPOINTER_TO_UINT(*(gpointer const *)a), hb = GPOINTER_TO_UINT(*(gpointer const *)b);
    return (ha > hb) - (ha < hb);
}

static void batch_summary(batch *b, int status)
{
    size_t total = gos_session_task_count(b->s);
    GPtrArray *codes = g_ptr_array_new();
    GHashTableIter it;
    gpointer code;
    g_hash_table_iter_init(&it, b->rep.errors);
    while (g_hash_table_iter_next(&it, &code, NULL))
        g_ptr_array_add(codes, code);
    g_ptr_array_sort_with_data(codes, count_desc, b->rep.errors);
    if (b->json) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "type", json_object_new_string("summary"));
        json_object_object_add(o, "file", gos_json_text(b->sc->file));
        json_object_object_add(o, "tasks", json_object_new_int64((int64_t)total));
        json_object_object_add(o, "ok", json_object_new_int64((int64_t)b->rep.ok));
        json_object_object_add(o, "failed", json_object_new_int64((int64_t)(total - b->rep.ok)));
        json_object *errs = json_object_new_array();
        for (guint i = 0; i < codes->len; i++) {
            gos_hr hr = GPOINTER_TO_UINT(g_ptr_array_index(codes, i));
            json_object *e = json_object_new_object();
            json_object_object_add(e, "task_error", gos_json_hr(hr));
            json_object_object_add(e, "task_error_name", gos_json_text(gos_hr_name(hr)));
            json_object_object_add(e, "count",
                                   json_object_new_int64(GPOINTER_TO_UINT(g_hash_table_lookup(b->rep.errors, GUINT_TO_POINTER(hr)))));
            json_object_array_add(errs, e);
        }
        json_object_object_add(o, "task_errors", errs);
        json_object *fs = NULL;
        if (b->failed_line) {
            fs = json_object_new_object();
            json_object_object_add(fs, "line", json_object_new_int(b->failed_line));
            json_object_object_add(fs, "message", gos_json_text(b->failed_why));
        }
        json_object_object_add(o, "failed_step", fs);
        json_object_object_add(o, "exit_status", json_object_new_int(status));
        gos_cli_print_json(o);
    } else {
        printf(ngettext("Summary: %zu task, %zu ended S_OK, %zu did not.\n",
                        "Summary: %zu tasks, %zu ended S_OK, %zu did not.\n", total),
               total, b->rep.ok, total - b->rep.ok);
        for (guint i = 0; i < codes->len; i++) {
            gos_hr hr = GPOINTER_TO_UINT(g_ptr_array_index(codes, i));
            if (hr == GOS_S_OK)
                continue;
            char text[GOS_HR_FORMAT_LEN];
            gos_hr_format(hr, text, sizeof text);
            printf("  %6u %s\n", GPOINTER_TO_UINT(g_hash_table_lookup(b->rep.errors, GUINT_TO_POINTER(hr))), text);
        }
    }
    g_ptr_array_free(codes, TRUE);
    fflush(stdout);
}

int gos_cli_batch(gos_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = { { "json", no_argument, NULL, 'j' }, { NULL, 0, NULL, 0 } };
    bool json = false;
    int c;
    while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        if (c != 'j')
            return gos_cli_fail(cli, _("Usage: %s batch [--json] FILE|-"), cli->prog);
        json = true;
    }
    if (optind != argc - 1)
        return gos_cli_fail(cli, _("Usage: %s batch [--json] FILE|-"), cli->prog);
    const char *file = argv[optind];
    int rc = GOS_EXIT_OK;
    char *text = read_script(cli, file, &rc);
    if (!text)
        return rc;
    /* The whole file parses before anything runs: an error names file, line and column. */
    gos_script *sc = NULL;
    char *err = NULL;
    int parsed = gos_script_parse(text, strcmp(file, "-") ? file : "<stdin>", &sc, &err);
    g_free(text);
    if (parsed < 0) {
        rc = gos_cli_fail(cli, "%s", err);
        g_free(err);
        return rc;
    }

    bool has_connect = false;
    for (size_t i = 0; i < sc->n; i++)
        has_connect |= !strcmp(sc->cmds[i].action->name, "connect");
    char *origin = g_strdup_printf("batch:%s", sc->file);
    /* Hosts from -c or the configuration connect first; a script that names
     * its own hosts needs no default one. */
    gos_session *s = gos_cli_open_session(cli, origin, cli->n_uris > 0 || !has_connect, &rc);
    g_free(origin);
    if (!s) {
        gos_script_free(sc);
        return rc;
    }

    batch b = { .cli = cli, .s = s, .sc = sc, .json = json };
    gos_reporter_init(&b.rep, s, json);
    const char *said = gos_session_status(s);   /* tasks an earlier run left unfinished */
    if (said && *said)
        fprintf(stderr, "%s: %s\n", cli->prog, said);
    for (size_t i = 0; i < sc->n && !b.failed_line && !gos_session_quit_requested(s); i++) {
        batch_step(&b, &sc->cmds[i]);
        gos_reporter_wait(&b.rep, 0);
    }
    if (b.wait_timed_out) {
        /* The script's deadline is the operator's: what still runs is asked to
         * stop (a logoff past its point of no return finishes on its own). */
        int n = 0;
        for (size_t i = 0; i < gos_session_task_count(s); i++) {
            gos_task *t = gos_session_task_at(s, i);
            if (!gos_task_is_complete(t) && gos_task_cancel(t) == GOS_S_OK)
                n++;
        }
        if (n) {
            char *msg = g_strdup_printf(ngettext("%d task asked to cancel.", "%d tasks asked to cancel.", n), n);
            fprintf(stderr, "%s: %s\n", cli->prog, msg);
            g_free(msg);
        }
    }
    gos_reporter_wait(&b.rep, -1);

    const char *audit = gos_engine_audit_problem(gos_session_engine(s));
    if (b.failed_line)
        rc = b.status;
    else if (audit)
        rc = gos_cli_fail(cli, "%s", audit);
    else if (b.rep.failed)
        rc = GOS_EXIT_FAILED;
    if (rc == GOS_EXIT_OK && b.rep.failed)
        rc = GOS_EXIT_FAILED;
    batch_summary(&b, rc);
    gos_reporter_clear(&b.rep);
    g_free(b.failed_why);
    gos_session_free(s);
    gos_script_free(sc);
    return rc;
}
