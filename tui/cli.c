/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The non-interactive commands: list, logoff, audit and batch, with DESIGN.md's exit statuses. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <json-c/json.h>

#include "core/actions.h"
#include "core/i18n.h"
#include "core/logoff.h"
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

static gos_session *open_session(gos_cli *cli, const char *origin, bool connect, int *rc)
{
    gos_session_opts so = { .uris = (const char *const *)cli->uris, .n_uris = cli->n_uris,
                            .readonly = cli->readonly, .audit_path = cli->audit_db, .origin = origin,
                            .deadline_ms = cli->deadline_s * 1000 };
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

static char *iso_time(int64_t ms)
{
    if (ms <= 0)
        return NULL;
    GDateTime *dt = g_date_time_new_from_unix_utc(ms / 1000);
    char *s = dt ? g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ") : NULL;
    if (dt)
        g_date_time_unref(dt);
    return s;
}

/* --- list ---------------------------------------------------------------- */

static json_object *vm_json(const gos_vm *vm)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "host", json_object_new_string(vm->host));
    json_object_object_add(o, "uuid", json_object_new_string(vm->uuid));
    json_object_object_add(o, "name", json_object_new_string(vm->name ? vm->name : ""));
    json_object_object_add(o, "state", json_object_new_string(gos_vm_state_key(vm->state)));

    json_object *a = json_object_new_object();
    json_object_object_add(a, "channel", json_object_new_boolean(vm->channel));
    json_object_object_add(a, "channel_state",
                           vm->channel_state == GOS_CHAN_CONNECTED      ? json_object_new_string("connected")
                           : vm->channel_state == GOS_CHAN_DISCONNECTED ? json_object_new_string("disconnected")
                                                                        : NULL);
    json_object_object_add(a, "heartbeat", json_object_new_string(gos_heartbeat_key(vm->heartbeat)));
    json_object_object_add(a, "note", vm->agent_note ? json_object_new_string(vm->agent_note) : NULL);
    json_object_object_add(a, "version", vm->agent_version ? json_object_new_string(vm->agent_version) : NULL);
    json_object_object_add(a, "ping_us", vm->ping_us >= 0 ? json_object_new_int64(vm->ping_us) : NULL);
    json_object *f = json_object_new_object();
    static const struct { const char *name; unsigned bit; } feats[] = {
        { "users", GOS_FEAT_USERS }, { "exec", GOS_FEAT_EXEC }, { "osinfo", GOS_FEAT_OSINFO },
        { "shutdown", GOS_FEAT_SHUTDOWN }, { "timesync", GOS_FEAT_TIMESYNC }, { "freeze", GOS_FEAT_FREEZE },
    };
    bool probed = vm->features_known != 0;
    for (size_t i = 0; i < G_N_ELEMENTS(feats); i++)
        json_object_object_add(f, feats[i].name, probed ? json_object_new_boolean((vm->features & feats[i].bit) != 0) : NULL);
    json_object_object_add(f, "logoff", probed ? json_object_new_boolean((vm->features & GOS_FEAT_LOGOFF) == GOS_FEAT_LOGOFF) : NULL);
    json_object_object_add(a, "features", f);
    json_object_object_add(o, "agent", a);

    if (vm->users_known) {
        json_object *us = json_object_new_array();
        for (size_t i = 0; i < vm->n_users; i++) {
            json_object *u = json_object_new_object();
            char *t = iso_time(vm->users[i].login_ms);
            json_object_object_add(u, "name", json_object_new_string(vm->users[i].name));
            json_object_object_add(u, "domain", vm->users[i].domain ? json_object_new_string(vm->users[i].domain) : NULL);
            json_object_object_add(u, "login_time", t ? json_object_new_string(t) : NULL);
            g_free(t);
            json_object_array_add(us, u);
        }
        json_object_object_add(o, "users", us);
    } else {
        json_object_object_add(o, "users", NULL);
    }
    json_object *os = NULL;
    if (vm->os_name || vm->os_id) {
        os = json_object_new_object();
        json_object_object_add(os, "name", vm->os_name ? json_object_new_string(vm->os_name) : NULL);
        json_object_object_add(os, "id", vm->os_id ? json_object_new_string(vm->os_id) : NULL);
    }
    json_object_object_add(o, "os", os);
    return o;
}

int gos_cli_list(gos_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = { { "json", no_argument, NULL, 'j' }, { NULL, 0, NULL, 0 } };
    bool json = false;
    int c, rc = GOS_EXIT_OK;
    while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        if (c != 'j')
            return gos_cli_fail(cli, _("Usage: %s list [--json]"), cli->prog);
        json = true;
    }
    if (optind < argc)
        return gos_cli_fail(cli, _("Usage: %s list [--json]"), cli->prog);

    gos_session *s = open_session(cli, "cli", true, &rc);
    if (!s)
        return rc;
    /* Agent probes are bounded by their own timeouts; this only caps the total. */
    gos_session_wait_idle(s, 60000);
    size_t n = gos_session_view_count(s);
    if (json) {
        json_object *arr = json_object_new_array();
        for (size_t i = 0; i < n; i++)
            json_object_array_add(arr, vm_json(gos_session_view_at(s, i)));
        puts(json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(arr);
    } else {
        /* TRANSLATORS: column headings of `guestos list`. */
        printf("%-24s %-10s %-18s %-6s %s\n", _("NAME"), _("STATE"), _("AGENT"), _("USERS"), _("HOST"));
        for (size_t i = 0; i < n; i++) {
            const gos_vm *vm = gos_session_view_at(s, i);
            char *users = vm->users_known ? gos_vm_users_joined(vm) : g_strdup("-");
            printf("%-24s %-10s %-18s %-6s %s\n", vm->name, gos_vm_state_key(vm->state),
                   gos_heartbeat_key(vm->heartbeat), *users ? users : "-", vm->host);
            g_free(users);
        }
    }
    gos_session_free(s);
    return rc;
}

/* --- task outcomes ------------------------------------------------------- */

static void print_outcome(gos_task *t, FILE *out)
{
    gos_task_info i;
    gos_task_snapshot(t, &i);
    char hr[GOS_HR_FORMAT_LEN];
    gos_hr_format(i.error, hr, sizeof hr);
    char *msg = gos_sanitize(i.message ? i.message : "", 1024);
    fprintf(out, "%s %s: %s %s %s%s%s\n", i.vm_name ? i.vm_name : i.vm, i.action, hr,
            gos_task_result_name(i.result), i.error_description, *msg ? " " : "", msg);
    g_free(msg);
    gos_task_info_clear(&i);
    fflush(out);
}

/* Pumps until every task is complete, printing each outcome once. Returns
 * how many ended with an Error other than S_OK. */
static size_t report_tasks(gos_session *s, GHashTable *printed, long timeout_ms, bool *timed_out)
{
    gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    for (;;) {
        gos_session_pump(s);
        bool all = true;
        for (size_t i = 0; i < gos_session_task_count(s); i++) {
            gos_task *t = gos_session_task_at(s, i);
            if (!gos_task_is_complete(t)) {
                all = false;
            } else if (!g_hash_table_contains(printed, t)) {
                g_hash_table_add(printed, t);
                print_outcome(t, stdout);
            }
        }
        if (all)
            break;
        if (timeout_ms >= 0 && g_get_monotonic_time() >= end) {
            if (timed_out)
                *timed_out = true;
            break;
        }
        gos_session_wait_tasks(s, 200);
    }
    size_t failed = 0;
    for (size_t i = 0; i < gos_session_task_count(s); i++) {
        gos_task *t = gos_session_task_at(s, i);
        if (!gos_task_is_complete(t) || gos_task_get_error(t) != GOS_S_OK)
            failed++;
    }
    return failed;
}

/* --- logoff -------------------------------------------------------------- */

int gos_cli_logoff(gos_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = { { "no-wait", no_argument, NULL, 'n' }, { NULL, 0, NULL, 0 } };
    bool no_wait = false;
    int c, rc = GOS_EXIT_OK;
    while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        if (c != 'n')
            return gos_cli_fail(cli, _("Usage: %s logoff [--no-wait] VM..."), cli->prog);
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

    gos_session *s = open_session(cli, "cli", true, &rc);
    if (!s) {
        if (ctl) {
            fprintf(ctl, "E %s\n", _("The tasks were not started; see the message above."));
            fclose(ctl);
            _exit(rc);
        }
        return rc;
    }
    for (int i = optind; i < argc; i++) {
        char *err = NULL;
        gos_task *t = gos_session_logoff_vm(s, NULL, argv[i], &err);
        if (!t) {
            if (ctl)
                fprintf(ctl, "E %s\n", err);
            else
                gos_cli_fail(cli, "%s", err);
            free(err);
            rc = GOS_EXIT_USAGE;
            break;
        }
        if (ctl)
            fprintf(ctl, "T %s %s\n", gos_task_get_id(t), argv[i]);
    }
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
    GHashTable *printed = g_hash_table_new(NULL, NULL);
    size_t failed = report_tasks(s, printed, -1, NULL);
    g_hash_table_destroy(printed);
    if (rc == GOS_EXIT_OK && failed)
        rc = GOS_EXIT_FAILED;
    gos_session_free(s);
    if (ctl)
        _exit(rc);
    return rc;
}

/* --- audit --------------------------------------------------------------- */

static int parse_time(const char *text, int64_t *ms)
{
    GTimeZone *utc = g_time_zone_new_utc();
    GDateTime *dt = g_date_time_new_from_iso8601(text, utc);
    if (!dt) {
        int y, m, d;
        char tail;
        if (sscanf(text, "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3)
            dt = g_date_time_new(utc, y, m, d, 0, 0, 0);
    }
    g_time_zone_unref(utc);
    if (!dt)
        return -1;
    *ms = g_date_time_to_unix(dt) * 1000 + g_date_time_get_microsecond(dt) / 1000;
    g_date_time_unref(dt);
    return 0;
}

static int parse_result(const char *text, int *out)
{
    for (int r = GOS_AUDIT_RESULT_INTERRUPTED; r <= GOS_RESULT_SHUTDOWN_ABORT; r++) {
        const char *n = gos_task_result_name(r);
        if (n && !g_ascii_strcasecmp(n, text)) {
            *out = r;
            return 0;
        }
    }
    return -1;
}

static const char *hr_name_cb(uint32_t hr) { return gos_hr_name(hr); }

int gos_cli_audit(gos_cli *cli, int argc, char **argv)
{
    enum { O_VM = 1, O_OPERATOR, O_ACTION, O_RESULT, O_HRESULT, O_SINCE, O_UNTIL, O_HOST, O_FORMAT, O_SEARCH };
    static const struct option opts[] = {
        { "vm", required_argument, NULL, O_VM },
        { "operator", required_argument, NULL, O_OPERATOR },
        { "action", required_argument, NULL, O_ACTION },
        { "result", required_argument, NULL, O_RESULT },
        { "hresult", required_argument, NULL, O_HRESULT },
        { "since", required_argument, NULL, O_SINCE },
        { "until", required_argument, NULL, O_UNTIL },
        { "host", required_argument, NULL, O_HOST },
        { "search", required_argument, NULL, O_SEARCH },
        { "format", required_argument, NULL, O_FORMAT },
        { NULL, 0, NULL, 0 },
    };
    gos_audit_filter f = { 0 };
    gos_audit_format fmt = GOS_AUDIT_TABLE;
    int c;
    while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        switch (c) {
        case O_VM: f.vm = optarg; break;
        case O_OPERATOR: f.op_user = optarg; break;
        case O_ACTION: f.action = optarg; break;
        case O_HOST: f.host = optarg; break;
        case O_SEARCH: f.text = optarg; break;
        case O_RESULT:
            if (parse_result(optarg, &f.result) < 0)
                return gos_cli_fail(cli, _("'%s' is not a task result (Success, Cancelled, UnexpectedError, TimeOutError, Interrupted, ...)."), optarg);
            f.has_result = true;
            break;
        case O_HRESULT:
            if (gos_hr_parse(optarg, &f.hresult) < 0)
                return gos_cli_fail(cli, _("'%s' is not an HRESULT (0xA0040505 or a name such as VM_E_TIMED_OUT)."), optarg);
            f.has_hresult = true;
            break;
        case O_SINCE:
        case O_UNTIL:
            if (parse_time(optarg, c == O_SINCE ? &f.since_ms : &f.until_ms) < 0)
                return gos_cli_fail(cli, _("'%s' is not a time: use 2026-11-30 or 2026-11-30T10:00:00Z."), optarg);
            break;
        case O_FORMAT:
            if (!strcmp(optarg, "table"))
                fmt = GOS_AUDIT_TABLE;
            else if (!strcmp(optarg, "csv"))
                fmt = GOS_AUDIT_CSV;
            else if (!strcmp(optarg, "json"))
                fmt = GOS_AUDIT_JSON;
            else
                return gos_cli_fail(cli, _("'%s' is not a format: use table, csv or json."), optarg);
            break;
        default:
            return gos_cli_fail(cli, _("Try '%s --help' for the audit filters."), cli->prog);
        }
    }
    bool verify = optind < argc && !strcmp(argv[optind], "verify");
    if (optind + (verify ? 1 : 0) != argc)
        return gos_cli_fail(cli, _("Usage: %s audit [FILTERS] [--format table|csv|json] | audit verify"), cli->prog);

    char *path = cli->audit_db ? g_strdup(cli->audit_db) : gos_audit_default_path();
    gos_audit *a = NULL;
    char *err = NULL;
    int rc = GOS_EXIT_OK;
    if (gos_audit_open_readonly(path, &a, &err) < 0) {
        rc = gos_cli_fail(cli, "%s", err);
        free(err);
        g_free(path);
        return rc;
    }
    g_free(path);
    if (verify) {
        gos_audit_verify_report rep = { 0 };
        if (gos_audit_verify(a, &rep, &err) < 0) {
            rc = gos_cli_fail(cli, "%s", err);
            free(err);
        } else if (rep.ok) {
            printf(_("ok: %lld events, chain head %s\n"), (long long)rep.rows, rep.head[0] ? rep.head : "-");
        } else {
            printf(_("FAILED at event %lld: %s\n"), (long long)rep.first_bad_id, rep.reason ? rep.reason : "");
            printf(_("chain head %s\n"), rep.head[0] ? rep.head : "-");
            rc = GOS_EXIT_FAILED;
        }
        free(rep.reason);
    } else {
        gos_audit_names names = { hr_name_cb, gos_task_result_name };
        if (gos_audit_export(a, &f, fmt, &names, stdout, &err) < 0) {
            rc = gos_cli_fail(cli, "%s", err);
            free(err);
        }
        if (fflush(stdout) != 0 && rc == GOS_EXIT_OK)
            rc = gos_cli_fail(cli, _("Cannot write the export: %s"), g_strerror(errno));
    }
    gos_audit_free(a);
    return rc;
}

/* --- batch --------------------------------------------------------------- */

int gos_cli_batch(gos_cli *cli, int argc, char **argv)
{
    if (argc != 2)
        return gos_cli_fail(cli, _("Usage: %s batch FILE|-"), cli->prog);
    const char *file = argv[1];
    char *text = NULL;
    GError *gerr = NULL;
    if (!strcmp(file, "-")) {
        GString *buf = g_string_new(NULL);
        char chunk[4096];
        size_t n;
        while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0)
            g_string_append_len(buf, chunk, (gssize)n);
        text = g_string_free(buf, FALSE);
        file = "<stdin>";
    } else if (!g_file_get_contents(file, &text, NULL, &gerr)) {
        int rc = gos_cli_fail(cli, _("Cannot read %s: %s"), file, gerr->message);
        g_error_free(gerr);
        return rc;
    }
    gos_script *sc = NULL;
    char *err = NULL;
    if (gos_script_parse(text, file, &sc, &err) < 0) {
        g_free(text);
        int rc = gos_cli_fail(cli, "%s", err);
        free(err);
        return rc;
    }
    g_free(text);

    bool has_connect = false;
    for (size_t i = 0; i < sc->n; i++)
        has_connect |= !strcmp(sc->cmds[i].action->name, "connect");
    int rc = GOS_EXIT_OK;
    char *origin = g_strdup_printf("batch:%s", file);
    /* Hosts from -c or the configuration connect first; a script that names
     * its own hosts needs no default one. */
    gos_session *s = open_session(cli, origin, cli->n_uris > 0 || !has_connect, &rc);
    g_free(origin);
    if (!s) {
        gos_script_free(sc);
        return rc;
    }
    GHashTable *printed = g_hash_table_new(NULL, NULL);
    bool step_failed = false;
    for (size_t i = 0; i < sc->n && !gos_session_quit_requested(s); i++) {
        const gos_cmd *cmd = &sc->cmds[i];
        gos_session_wait_idle(s, 60000);
        err = NULL;
        if (gos_cmd_exec(s, cmd, &err) < 0) {
            fprintf(stderr, "%s: %s:%d: %s\n", cli->prog, sc->file, cmd->line, err ? err : "");
            free(err);
            step_failed = true;
            break;
        }
        if (!strcmp(cmd->action->name, "connect"))
            gos_session_wait_idle(s, 60000);
        report_tasks(s, printed, 0, NULL);
    }
    size_t failed = report_tasks(s, printed, -1, NULL);
    size_t total = gos_session_task_count(s);
    printf(_("Summary: %zu tasks, %zu ended S_OK, %zu did not.\n"), total, total - failed, failed);
    g_hash_table_destroy(printed);
    gos_session_free(s);
    gos_script_free(sc);
    if (failed || step_failed)
        rc = GOS_EXIT_FAILED;
    return rc;
}
