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
#include "base/text.h"
#include "db/audit.h"
#include "core/actions.h"
#include "core/exec.h"
#include "core/report.h"
#include "core/session.h"
#include "tui/cli.h"
#include "tui/outcome.h"

typedef struct batch {
    gos_cli *cli;
    gos_session *s;
    gos_script *sc;          /* until the executor takes it */
    char *file;              /* the file's name as messages give it */
    gos_reporter rep;
    bool json;
    int line;                /* the line of the file whose tasks are being submitted */
    unsigned status_gen;     /* of the status sentence printed last */
    int failed_line;         /* the line that failed, 0 when none */
    char *failed_why;
    int status;              /* exit status the failed line asks for */
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

/* --- what the executor tells batch mode ----------------------------------------------- */

static void fe_done(void *data, const gos_line_info *line, int rc, const char *why, gos_fail_kind kind)
{
    batch *b = data;
    /* Tasks count for the line of the file that started them (a `macro` line
     * for its macro's lines). */
    if (!line->macro)
        b->line = line->cmd->line;
    gos_reporter_note_line(&b->rep, b->line);
    if (rc < 0) {
        char *one = gos_cli_one_line(why);
        fprintf(stderr, "%s: %s: %s\n", b->cli->prog, line->where, one);
        if (!b->failed_line) {
            b->failed_line = line->cmd->line;
            b->failed_why = one;
            /* The audit store refusing new tasks is a database error, not the line's. */
            b->status = kind == GOS_FAIL_SETUP || gos_engine_audit_problem(gos_session_engine(b->s))
                            ? GOS_EXIT_USAGE : GOS_EXIT_FAILED;
        } else {
            g_free(one);
        }
        return;
    }
    /* What the line says on the console's status line, it says on stderr. */
    unsigned gen = gos_session_status_generation(b->s);
    const char *said = gos_session_status(b->s);
    if (gen != b->status_gen && said && *said) {
        char *one = gos_cli_one_line(said);
        fprintf(stderr, "%s: %s\n", line->where, one);
        g_free(one);
    }
    b->status_gen = gen;
}

static void fe_emit(void *data, gos_emit what)
{
    batch *b = data;
    if (what != GOS_EMIT_VMS)
        return;
    if (!b->json) {
        gos_cli_print_vms(b->s);
    } else {
        size_t n = gos_session_view_count(b->s);
        for (size_t i = 0; i < n; i++)
            gos_cli_print_json(gos_report_vm(gos_session_view_at(b->s, i), "vm"));
    }
    fflush(stdout);
}

/* Outcomes are printed as tasks end, whatever line waits. */
static void fe_idle(void *data)
{
    batch *b = data;
    gos_cli_interrupted(b->cli, b->s);
    gos_reporter_scan(&b->rep);
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
    char *fwd_why = NULL;
    uint64_t fwd_lost = gos_cli_forward_lost(b->s, &fwd_why);
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
        json_object_object_add(o, "file", gos_json_text(b->file));
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
        json_object_object_add(o, "forward_failures",
                               json_object_new_int64((int64_t)fwd_lost));
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
        if (fwd_lost)
            printf(ngettext("%llu audit event was not forwarded to the system log: %s\n",
                            "%llu audit events were not forwarded to the system log: %s\n", (unsigned long)fwd_lost),
                   (unsigned long long)fwd_lost, fwd_why);
    }
    g_free(fwd_why);
    g_ptr_array_free(codes, TRUE);
    fflush(stdout);
}

int gos_cli_batch(gos_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = { { "json", no_argument, NULL, 'j' }, { "help", no_argument, NULL, 'h' },
                                          { NULL, 0, NULL, 0 } };
    bool json = false;
    int c;
    while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
        if (c == 'h')
            return gos_cli_usage(cli, "batch", stdout);
        if (c != 'j')
            return gos_cli_bad_option(cli, "batch", argv, c);
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
    /* The audit names the file as an auditor can find it again: the file that
     * was read, by its absolute name without symbolic links, as the operator's
     * working folder is not on record (errors keep the name typed). */
    char *where = strcmp(file, "-") ? realpath(file, NULL) : NULL;
    char *origin = where ? g_strconcat("batch:", where, NULL) : g_strconcat("batch:", sc->file, NULL);
    free(where);
    /* Hosts from -c or the configuration connect first; a script that names
     * its own hosts needs no default one. */
    gos_session *s = gos_cli_open_session(cli, origin, cli->n_uris > 0 || !has_connect, &rc);
    if (!s) {
        g_free(origin);
        gos_script_free(sc);
        return rc;
    }

    batch b = { .cli = cli, .s = s, .sc = sc, .file = g_strdup(sc->file), .json = json };
    gos_reporter_init(&b.rep, s, json);
    b.rep.cli = cli;
    const char *said = gos_session_status(s);   /* tasks an earlier run left unfinished */
    if (said && *said)
        gos_cli_fail(cli, "%s", said);
    b.status_gen = gos_session_status_generation(s);
    gos_frontend fe = { .caps = 0, .data = &b, .done = fe_done, .emit = fe_emit, .idle = fe_idle };
    gos_exec *x = gos_exec_new(s, &fe);
    /* The executor plays the file and frees it. */
    gos_exec_play(x, sc, origin);
    g_free(origin);
    b.sc = NULL;
    gos_exec_run(x, NULL);
    gos_exec_free(x);
    /* A wait that ran out left its tasks running: their outcomes follow. */
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
    if (gos_cli_signal())
        rc = 128 + gos_cli_signal();
    batch_summary(&b, rc);
    gos_reporter_clear(&b.rep);
    g_free(b.failed_why);
    g_free(b.file);
    gos_cli_free_session(s, rc);
    return rc;
}
