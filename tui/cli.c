/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The non-interactive commands: list, logoff, audit and batch, with DESIGN.md's exit statuses. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <json-c/json.h>

#include "base/text.h"
#include "core/actions.h"
#include "base/i18n.h"
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

static gos_session *open_session_opts(gos_cli *cli, const char *origin, bool connect, bool probes, int *rc)
{
    gos_session_opts so = { .uris = (const char *const *)cli->uris, .n_uris = cli->n_uris,
                            .readonly = cli->readonly, .audit_path = cli->audit_db, .origin = origin,
                            .deadline_ms = cli->deadline_s * 1000, .no_probes = !probes };
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

static gos_session *open_session(gos_cli *cli, const char *origin, bool connect, int *rc)
{
    return open_session_opts(cli, origin, connect, true, rc);
}

/* --- list ---------------------------------------------------------------- */

/* type: NULL for `list --json`, "vm" for the JSON lines of batch. */
static json_object *vm_json(const gos_vm *vm, const char *type)
{
    json_object *o = json_object_new_object();
    if (type)
        json_object_object_add(o, "type", json_object_new_string(type));
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
            char *t = gos_time_iso(vm->users[i].login_ms, false);
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

/* The session's view as `guestos list` prints it: one VM a line. */
static void print_view_table(gos_session *s)
{
    size_t n = gos_session_view_count(s);
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
    if (json) {
        size_t n = gos_session_view_count(s);
        json_object *arr = json_object_new_array();
        for (size_t i = 0; i < n; i++)
            json_object_array_add(arr, vm_json(gos_session_view_at(s, i), NULL));
        puts(json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(arr);
    } else {
        print_view_table(s);
    }
    gos_session_free(s);
    return rc;
}

/* --- task outcomes ------------------------------------------------------- */

/* Prints the outcome of each task once, as it ends, and counts how they ended. */
typedef struct reporter {
    gos_session *s;
    bool json;
    GByteArray *printed;     /* one byte per task index: 1 once printed */
    size_t scan_from;        /* every task before this one is printed */
    GArray *lines;           /* int per task index: the script line that submitted it (batch) */
    GHashTable *errors;      /* task Error -> how many (GUINT_TO_POINTER both) */
    size_t ok, failed;
} reporter;

static void reporter_init(reporter *r, gos_session *s, bool json)
{
    memset(r, 0, sizeof *r);
    r->s = s;
    r->json = json;
    r->printed = g_byte_array_new();
    r->lines = g_array_new(FALSE, TRUE, sizeof(int));
    r->errors = g_hash_table_new(NULL, NULL);
}

static void reporter_clear(reporter *r)
{
    g_byte_array_free(r->printed, TRUE);
    g_array_free(r->lines, TRUE);
    g_hash_table_destroy(r->errors);
}

/* Notes that the tasks submitted since the last call came from script line. */
static void reporter_note_line(reporter *r, int line)
{
    size_t n = gos_session_task_count(r->s);
    while (r->lines->len < n)
        g_array_append_val(r->lines, line);
}

static json_object *json_str_or_null(const char *text)
{
    if (!text)
        return NULL;
    /* Guest and libvirt text may hold anything; the line must stay valid JSON. */
    char *clean = gos_text_clean(text, 4096);
    json_object *o = json_object_new_string(clean);
    g_free(clean);
    return o;
}

static json_object *json_hr(gos_hr hr)
{
    char hex[16];
    g_snprintf(hex, sizeof hex, "0x%08X", (unsigned)hr);
    return json_object_new_string(hex);
}

/* "alice,bob" -> ["alice", "bob"], as the audit export writes them. */
static json_object *json_users(const char *users)
{
    if (!users)
        return NULL;
    json_object *a = json_object_new_array();
    char **names = *users ? g_strsplit(users, ",", -1) : g_new0(char *, 1);
    for (char **n = names; *n; n++)
        json_object_array_add(a, json_str_or_null(*n));
    g_strfreev(names);
    return a;
}

static void print_json_line(json_object *o)
{
    puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
}

/* One JSON object for a task that ended; the names are those of `guestos
 * audit --format json`, so that one parser reads both. */
static json_object *outcome_json(const gos_task_info *i, int line)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "type", json_object_new_string("task"));
    json_object_object_add(o, "task_id", json_object_new_string(i->id));
    json_object_object_add(o, "host", json_str_or_null(i->host));
    json_object_object_add(o, "vm_uuid", json_str_or_null(i->vm_uuid));
    json_object_object_add(o, "vm_name", json_str_or_null(i->vm_name));
    json_object_object_add(o, "vm", json_str_or_null(i->vm));
    json_object_object_add(o, "action", json_str_or_null(i->action));
    json_object_object_add(o, "origin", json_str_or_null(i->origin));
    if (line > 0)
        json_object_object_add(o, "line", json_object_new_int(line));
    char *sub = gos_time_iso(i->submitted_ms, true), *end = gos_time_iso(i->ended_ms, true);
    json_object_object_add(o, "submitted_at", json_str_or_null(sub));
    json_object_object_add(o, "ended_at", json_str_or_null(end));
    g_free(sub);
    g_free(end);
    json_object_object_add(o, "call_hresult", i->has_call_hr ? json_hr(i->call_hr) : NULL);
    json_object_object_add(o, "call_hresult_name", i->has_call_hr ? json_str_or_null(gos_hr_name(i->call_hr)) : NULL);
    json_object_object_add(o, "task_result", json_str_or_null(gos_result_name(i->result)));
    json_object_object_add(o, "task_result_code", json_object_new_int((int)i->result));
    json_object_object_add(o, "task_error", json_hr(i->error));
    json_object_object_add(o, "task_error_name", json_str_or_null(gos_hr_name(i->error)));
    json_object_object_add(o, "task_error_description", json_str_or_null(i->error_description));
    json_object_object_add(o, "virt_code", i->virt_code ? json_object_new_int(i->virt_code) : NULL);
    json_object_object_add(o, "message", json_str_or_null(i->message));
    json_object_object_add(o, "users_before", json_users(i->users_before));
    json_object_object_add(o, "users_after", json_users(i->users_after));
    return o;
}

static void print_outcome(reporter *r, gos_task *t, size_t index)
{
    gos_task_info i;
    gos_task_snapshot(t, &i);
    if (r->json) {
        int line = index < r->lines->len ? g_array_index(r->lines, int, index) : 0;
        print_json_line(outcome_json(&i, line));
    } else {
        char hr[GOS_HR_FORMAT_LEN];
        gos_hr_format(i.error, hr, sizeof hr);
        char *msg = gos_text_clean(i.message ? i.message : "", 1024);
        printf("%s %s: %s %s %s%s%s\n", i.vm_name ? i.vm_name : i.vm, i.action, hr,
               gos_result_name(i.result), i.error_description, *msg ? " " : "", msg);
        g_free(msg);
    }
    gpointer key = GUINT_TO_POINTER(i.error);
    g_hash_table_insert(r->errors, key, GUINT_TO_POINTER(GPOINTER_TO_UINT(g_hash_table_lookup(r->errors, key)) + 1));
    if (i.error == GOS_S_OK)
        r->ok++;
    else
        r->failed++;
    gos_task_info_clear(&i);
    fflush(stdout);
}

/* Prints every task that has ended and was not printed yet. Returns true
 * when every task of the session has ended (and so been printed). */
static bool reporter_scan(reporter *r)
{
    size_t n = gos_session_task_count(r->s), had = r->printed->len;
    if (had < n) {
        g_byte_array_set_size(r->printed, (guint)n);
        memset(r->printed->data + had, 0, n - had);
    }
    bool all = true;
    for (size_t i = r->scan_from; i < n; i++) {
        if (r->printed->data[i])
            continue;
        gos_task *t = gos_session_task_at(r->s, i);
        if (!gos_task_is_complete(t)) {
            all = false;
            continue;
        }
        r->printed->data[i] = 1;
        print_outcome(r, t, i);
    }
    while (r->scan_from < n && r->printed->data[r->scan_from])
        r->scan_from++;
    return all;
}

/* Pumps and prints outcomes as tasks end, until all have ended (true) or
 * timeout_ms passes (false; -1 waits as long as it takes, 0 only looks). */
static bool reporter_wait(reporter *r, long timeout_ms)
{
    gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    for (;;) {
        gos_session_pump(r->s);
        if (reporter_scan(r))
            return true;
        gint64 now = g_get_monotonic_time();
        if (timeout_ms >= 0 && now >= end)
            return false;
        int wait = 250;
        if (timeout_ms >= 0 && (end - now) / 1000 + 1 < wait)
            wait = (int)((end - now) / 1000 + 1);
        struct pollfd pfd = { .fd = gos_session_fd(r->s), .events = POLLIN };
        if (poll(&pfd, 1, wait) > 0)
            g_usleep(10000);   /* let a burst of updates gather: one scan for many tasks */
    }
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

    /* No agent probes: each task asks its own agent, and probes would only
     * queue in front of it (libvirt runs one agent command a domain at a time). */
    gos_session *s = open_session_opts(cli, "cli", true, false, &rc);
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
    reporter rep;
    reporter_init(&rep, s, false);
    reporter_wait(&rep, -1);
    /* Fail closed, and say why: an outcome the audit log could not record is a
     * database error (unless the refusal was printed above already). */
    const char *audit = gos_engine_audit_problem(gos_session_engine(s));
    if (audit && rc != GOS_EXIT_USAGE)
        rc = gos_cli_fail(cli, "%s", audit);
    if (rc == GOS_EXIT_OK && rep.failed)
        rc = GOS_EXIT_FAILED;
    reporter_clear(&rep);
    gos_session_free(s);
    if (ctl)
        _exit(rc);
    return rc;
}

/* --- audit --------------------------------------------------------------- */

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
    /* getopt finds the words; db/filter.c reads them, as the audit view does. */
    GPtrArray *words = g_ptr_array_new_with_free_func(g_free);
    int c;
    while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        if (c == O_FORMAT) {
            if (!strcmp(optarg, "table"))
                fmt = GOS_AUDIT_TABLE;
            else if (!strcmp(optarg, "csv"))
                fmt = GOS_AUDIT_CSV;
            else if (!strcmp(optarg, "json"))
                fmt = GOS_AUDIT_JSON;
            else {
                g_ptr_array_free(words, TRUE);
                return gos_cli_fail(cli, _("'%s' is not a format: use table, csv or json."), optarg);
            }
        } else if (c > 0 && c <= O_SEARCH) {
            for (const struct option *o = opts; o->name; o++)
                if (o->val == c)
                    g_ptr_array_add(words, g_strconcat("--", o->name, NULL));
            g_ptr_array_add(words, g_strdup(optarg));
        } else {
            g_ptr_array_free(words, TRUE);
            return gos_cli_fail(cli, _("Try '%s --help' for the audit filters."), cli->prog);
        }
    }
    char *ferr = NULL;
    if (gos_audit_filter_parse((int)words->len, (char *const *)words->pdata, &f, &ferr) < 0) {
        int frc = gos_cli_fail(cli, "%s", ferr);
        free(ferr);
        g_ptr_array_free(words, TRUE);
        return frc;
    }
    bool verify = optind < argc && !strcmp(argv[optind], "verify");
    if (optind + (verify ? 1 : 0) != argc) {
        g_ptr_array_free(words, TRUE);
        return gos_cli_fail(cli, _("Usage: %s audit [FILTERS] [--format table|csv|json] | audit verify"), cli->prog);
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
        if (gos_audit_export(a, &f, fmt, stdout, &err) < 0) {
            rc = gos_cli_fail(cli, "%s", err);
            free(err);
        }
        if (fflush(stdout) != 0 && rc == GOS_EXIT_OK)
            rc = gos_cli_fail(cli, _("Cannot write the export: %s"), g_strerror(errno));
    }
    gos_audit_free(a);
    g_ptr_array_free(words, TRUE);
    return rc;
}

/* --- batch --------------------------------------------------------------- */

/* How long a batch step waits for hosts to connect or be listed. */
#define BATCH_SETTLE_MS 120000

typedef struct batch {
    gos_cli *cli;
    gos_session *s;
    gos_script *sc;
    reporter rep;
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
    if (!reporter_wait(&b->rep, secs < 0 ? -1 : secs * 1000)) {
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
        print_view_table(b->s);
    } else {
        size_t n = gos_session_view_count(b->s);
        for (size_t i = 0; i < n; i++) {
            print_json_line(vm_json(gos_session_view_at(b->s, i), "vm"));
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
        reporter_note_line(&b->rep, cmd->line);
        return;
    }
    reporter_note_line(&b->rep, cmd->line);
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
        json_object_object_add(o, "file", json_str_or_null(b->sc->file));
        json_object_object_add(o, "tasks", json_object_new_int64((int64_t)total));
        json_object_object_add(o, "ok", json_object_new_int64((int64_t)b->rep.ok));
        json_object_object_add(o, "failed", json_object_new_int64((int64_t)(total - b->rep.ok)));
        json_object *errs = json_object_new_array();
        for (guint i = 0; i < codes->len; i++) {
            gos_hr hr = GPOINTER_TO_UINT(g_ptr_array_index(codes, i));
            json_object *e = json_object_new_object();
            json_object_object_add(e, "task_error", json_hr(hr));
            json_object_object_add(e, "task_error_name", json_str_or_null(gos_hr_name(hr)));
            json_object_object_add(e, "count",
                                   json_object_new_int64(GPOINTER_TO_UINT(g_hash_table_lookup(b->rep.errors, GUINT_TO_POINTER(hr)))));
            json_object_array_add(errs, e);
        }
        json_object_object_add(o, "task_errors", errs);
        json_object *fs = NULL;
        if (b->failed_line) {
            fs = json_object_new_object();
            json_object_object_add(fs, "line", json_object_new_int(b->failed_line));
            json_object_object_add(fs, "message", json_str_or_null(b->failed_why));
        }
        json_object_object_add(o, "failed_step", fs);
        json_object_object_add(o, "exit_status", json_object_new_int(status));
        print_json_line(o);
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
    gos_session *s = open_session(cli, origin, cli->n_uris > 0 || !has_connect, &rc);
    g_free(origin);
    if (!s) {
        gos_script_free(sc);
        return rc;
    }

    batch b = { .cli = cli, .s = s, .sc = sc, .json = json };
    reporter_init(&b.rep, s, json);
    const char *said = gos_session_status(s);   /* tasks an earlier run left unfinished */
    if (said && *said)
        fprintf(stderr, "%s: %s\n", cli->prog, said);
    for (size_t i = 0; i < sc->n && !b.failed_line && !gos_session_quit_requested(s); i++) {
        batch_step(&b, &sc->cmds[i]);
        reporter_wait(&b.rep, 0);
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
    reporter_wait(&b.rep, -1);

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
    reporter_clear(&b.rep);
    g_free(b.failed_why);
    gos_session_free(s);
    gos_script_free(sc);
    return rc;
}
