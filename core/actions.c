/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The action table: every operation guestos offers, by a stable name, with what it needs. */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "base/hresult.h"
#include "base/i18n.h"
#include "core/actions.h"
#include "core/actions_impl.h"
#include "core/columns.h"
#include "core/exec.h"
#include "core/macro.h"
#include "core/submit.h"


/* --- what lines need ------------------------------------------------------------- */

static unsigned need_hosts(gos_session *s, int argc, char *const *argv)
{
    (void)s; (void)argc; (void)argv;
    return GOS_NEED_HOSTS;
}

/* Moving in the VM list reads the inventory; elsewhere it does not. */
static unsigned need_scroll(gos_session *s, int argc, char *const *argv)
{
    (void)argc; (void)argv;
    return gos_session_view(s) == GOS_VIEW_VMS ? GOS_NEED_HOSTS : 0;
}

/* A sort by agent data orders by what the agents said: let them answer first. */
static unsigned need_sort(gos_session *s, int argc, char *const *argv)
{
    (void)s;
    int key = argc ? gos_sort_parse(argv[0]) : -1;
    return GOS_NEED_HOSTS | (key >= 0 && gos_sort_uses_agent((gos_sort)key) ? GOS_NEED_AGENT : 0);
}

static unsigned need_filter(gos_session *s, int argc, char *const *argv)
{
    (void)s;
    for (int i = 0; i < argc; i++)
        if (g_str_has_prefix(argv[i], "agent=") || g_str_has_prefix(argv[i], "users="))
            return GOS_NEED_HOSTS | GOS_NEED_AGENT;
    return GOS_NEED_HOSTS;
}

/* Marking what the view shows: the view must show what the agents said when
 * the filter reads agent data. */
static unsigned need_view(gos_session *s, int argc, char *const *argv)
{
    (void)argc; (void)argv;
    return GOS_NEED_HOSTS | (gos_session_filter_uses_agent(s) ? GOS_NEED_AGENT : 0);
}

static unsigned need_list(gos_session *s, int argc, char *const *argv)
{
    (void)s; (void)argc; (void)argv;
    return GOS_NEED_HOSTS | GOS_NEED_AGENT;
}

/* --- the handlers ------------------------------------------------------------------ */

/* `quit` leaves at once when no task is under way. Otherwise the console asks
 * whether to wait for them or to cancel what can stop, and stays up meanwhile
 * (leaving the terminal would hide the tasks while they end); elsewhere no
 * more lines run and the tasks end on their own. `quit wait` and `quit
 * cancel` say it beforehand. */
static int act_quit(gos_act_ctx *c, int argc, char **argv, char **err)
{
    const char *how = argc ? argv[0] : NULL;
    if (how && strcmp(how, "wait") && strcmp(how, "cancel")) {
        if (err)
            *err = g_strdup_printf(_("'%s' is not a way to quit: use wait or cancel."), how);
        return -1;
    }
    size_t running = 0;
    gos_session_task_totals(c->s, &running, NULL, NULL);
    if (running == 0) {
        gos_session_request_quit(c->s);
        return 0;
    }
    if (!how) {
        size_t queued = 0;
        gos_engine_running(gos_session_engine(c->s), &queued);
        /* TRANSLATORS: %1$zu tasks have not ended; %2$zu of them wait in a queue. */
        char *q = g_strdup_printf(ngettext("%1$zu task has not ended yet (%2$zu of them queued).",
                                           "%1$zu tasks have not ended yet (%2$zu of them queued).", running),
                                  running, queued);
        static const char *const keys[] = { "w", "c" };
        /* TRANSLATORS: the answers of the question asked when quitting with tasks under way. */
        const char *labels[] = { _("Wait for them to end, then quit"),
                                 _("Cancel the queued ones and those that can stop, then quit") };
        static const char *const lines[] = { "quit wait", "quit cancel" };
        bool asked = gos_exec_choose(c->x, q, 2, keys, labels, lines);
        g_free(q);
        if (asked)
            return GOS_DIRTY_STATUS;
        gos_session_request_quit(c->s);
        return 0;
    }
    /* What plays or waits stops: this wait is the last thing to do. */
    gos_exec_stop(c->x);
    if (!strcmp(how, "cancel")) {
        gos_engine_close(gos_session_engine(c->s), _("guestos was asked to quit"));
        gos_submit_cancel_all(c->s);
    }
    if (c->caps & GOS_FE_TERMINAL)
        gos_session_set_status(c->s, "%s", _("Quitting once every task has ended; Esc stays."));
    gos_exec_wait_tasks(c->x, -1);
    gos_exec_quit_after(c->x);
    return GOS_ACT_WAIT | GOS_DIRTY_STATUS | GOS_DIRTY_TASKS;
}

static int act_refresh(gos_act_ctx *c, int argc, char **argv, char **err)
{
    ARG_UNUSED;
    gos_session_refresh(c->s);
    gos_session_set_status(c->s, "%s", _("Refreshing the inventory."));
    /* Said while it lasts: the session says when the listings are in. */
    gos_session_status_until_listed(c->s);
    return GOS_DIRTY_STATUS;
}

static int act_connect(gos_act_ctx *c, int argc, char **argv, char **err)
{
    gos_session_add_host(c->s, argv[0]);
    gos_session_set_status(c->s, _("Connecting to %s."), argv[0]);
    gos_session_status_until_listed(c->s);
    gos_exec_wait_host(c->x, argv[0]);
    return GOS_ACT_WAIT | GOS_DIRTY_STATUS | GOS_DIRTY_VMS;
}

static int scroll(gos_act_ctx *c, gos_scroll how)
{
    gos_session_scroll(c->s, how);
    return GOS_DIRTY_VMS | GOS_DIRTY_MAIN;
}

static int act_cursor_up(gos_act_ctx *c, int argc, char **argv, char **err) { ARG_UNUSED; return scroll(c, GOS_SCROLL_UP); }
static int act_cursor_down(gos_act_ctx *c, int argc, char **argv, char **err) { ARG_UNUSED; return scroll(c, GOS_SCROLL_DOWN); }
static int act_page_up(gos_act_ctx *c, int argc, char **argv, char **err) { ARG_UNUSED; return scroll(c, GOS_SCROLL_PAGE_UP); }
static int act_page_down(gos_act_ctx *c, int argc, char **argv, char **err) { ARG_UNUSED; return scroll(c, GOS_SCROLL_PAGE_DOWN); }
static int act_home(gos_act_ctx *c, int argc, char **argv, char **err) { ARG_UNUSED; return scroll(c, GOS_SCROLL_HOME); }
static int act_end(gos_act_ctx *c, int argc, char **argv, char **err) { ARG_UNUSED; return scroll(c, GOS_SCROLL_END); }

/* A position in the list as people count it: 1 is the first row. */
static int parse_position(const char *text, size_t *index, char **err)
{
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || !end || *end || end == text || *text == '-' || v < 1 || v > (unsigned long long)SIZE_MAX) {
        if (err)
            /* TRANSLATORS: %s: what was given as a row of the list. */
            *err = g_strdup_printf(_("'%s' is not a row of the list: count from 1."), text);
        return -1;
    }
    *index = (size_t)(v - 1);
    return 0;
}

/* `mark` toggles the VM under the cursor and moves on; `mark N` toggles the
 * one at row N and puts the cursor there (a click). */
static int act_mark(gos_act_ctx *c, int argc, char **argv, char **err)
{
    if (argc) {
        size_t at;
        if (parse_position(argv[0], &at, err) < 0)
            return -1;
        gos_session_cursor_to(c->s, at);
        gos_session_toggle_mark(c->s);
        return GOS_DIRTY_VMS | GOS_DIRTY_STATUS;
    }
    gos_session_toggle_mark(c->s);
    gos_session_move_cursor(c->s, 1);
    return GOS_DIRTY_VMS | GOS_DIRTY_STATUS;
}

static int act_cursor_to(gos_act_ctx *c, int argc, char **argv, char **err)
{
    size_t at;
    if (parse_position(argv[0], &at, err) < 0)
        return -1;
    gos_session_scroll_to(c->s, at);
    return GOS_DIRTY_VMS | GOS_DIRTY_MAIN;
}

/* The name a narrow column cuts, whole, with where the VM is. */
static int act_show_name(gos_act_ctx *c, int argc, char **argv, char **err)
{
    ARG_UNUSED;
    const gos_vm *vm = gos_session_cursor_visible(c->s) ? gos_session_view_at(c->s, gos_session_cursor(c->s)) : NULL;
    if (!vm) {
        if (err)
            *err = g_strdup(_("There is no VM under the cursor."));
        return -1;
    }
    /* TRANSLATORS: %1$s: a VM's full name; %2$s: its host's URI; %3$s: its UUID. */
    gos_session_set_status_wide(c->s, _("%1$s on %2$s, UUID %3$s"), vm->name ? vm->name : vm->uuid, vm->host,
                                vm->uuid);
    return GOS_DIRTY_STATUS;
}

static int act_mark_all(gos_act_ctx *c, int argc, char **argv, char **err)
{
    ARG_UNUSED;
    gos_session_mark_all(c->s, true);
    return GOS_DIRTY_VMS | GOS_DIRTY_STATUS;
}

static int act_unmark_all(gos_act_ctx *c, int argc, char **argv, char **err)
{
    ARG_UNUSED;
    gos_session_mark_all(c->s, false);
    return GOS_DIRTY_VMS | GOS_DIRTY_STATUS;
}

static int act_select(gos_act_ctx *c, int argc, char **argv, char **err)
{
    size_t n = gos_session_select(c->s, argv[0]);
    if (n == 0) {
        if (err)
            *err = g_strdup_printf(_("No virtual machine matches '%s'."), argv[0]);
        return -1;
    }
    gos_session_set_status(c->s, ngettext("%zu virtual machine marked.", "%zu virtual machines marked.", n), n);
    return GOS_DIRTY_VMS | GOS_DIRTY_STATUS;
}

static int act_filter(gos_act_ctx *c, int argc, char **argv, char **err)
{
    if (gos_session_set_filter(c->s, argc, argv, err) < 0)
        return -1;
    return GOS_DIRTY_VMS | GOS_DIRTY_STATUS;
}

static int act_search(gos_act_ctx *c, int argc, char **argv, char **err)
{
    gos_session_set_search(c->s, argc ? argv[0] : NULL);
    gos_session_cursor_to(c->s, 0);
    return GOS_DIRTY_VMS | GOS_DIRTY_STATUS;
}

static char *current_search(gos_session *s) { return g_strdup(gos_session_search_text(s)); }
/* The words of a line (quoted where they need it), without the action's name. */
static char *words_line(const char *action, int argc, char **argv)
{
    gos_cmd cmd = { .action = gos_action_find(action), .argc = argc, .argv = argv };
    char *line = gos_cmd_format(&cmd);
    char *words = g_strdup(line + strlen(action) + (argc ? 1 : 0));
    g_free(line);
    return words;
}

static char *current_filter(gos_session *s)
{
    char **w = gos_session_filter_words(s);
    char *text = words_line("filter", (int)g_strv_length(w), w);
    g_strfreev(w);
    return text;
}

static char *current_columns(gos_session *s)
{
    size_t n = 0;
    const gos_column_spec *cols = gos_session_columns(s, &n);
    return gos_columns_format(cols, n);
}

/* --search's value among the audit view's words, or "". */
static char *current_audit_search(gos_session *s)
{
    const char *const *w = gos_session_audit_filter(s, NULL);
    for (size_t i = 0; w[i]; i++) {
        const char *eq = strchr(w[i], '=');
        size_t len = eq ? (size_t)(eq - w[i]) : strlen(w[i]);
        bool search = len > 4 && len <= strlen("--search") && !strncmp(w[i], "--search", len);
        if (search)
            return g_strdup(eq ? eq + 1 : w[i + 1] ? w[i + 1] : "");
        if (!eq && w[i + 1])
            i++;
    }
    return g_strdup("");
}

/* `columns WORD...`: the VM list's columns, in order, with widths. */
static int act_columns(gos_act_ctx *c, int argc, char **argv, char **err)
{
    size_t n = 0, nn = 0;
    const gos_column_spec *cur = gos_session_columns(c->s, &n);
    gos_column_spec *cols = NULL;
    if (argc == 0) {
        gos_session_set_columns(c->s, NULL, 0);
    } else {
        if (gos_columns_parse(argc, argv, cur, n, &cols, &nn, err) < 0)
            return -1;
        gos_session_set_columns(c->s, cols, nn);
        g_free(cols);
    }
    cur = gos_session_columns(c->s, &n);
    char *words = gos_columns_format(cur, n);
    /* A recording keeps the list it came to, whatever +/- made it. */
    c->record_as = g_strdup_printf("columns %s", words);
    /* TRANSLATORS: %s: the VM list's columns, as the columns action takes them. */
    gos_session_set_status(c->s, _("Columns: %s."), words);
    g_free(words);
    return GOS_DIRTY_VMS | GOS_DIRTY_MAIN | GOS_DIRTY_STATUS;
}

/* `task-panel grow|shrink|auto|N`: how many tasks the panel shows at most. */
static int act_task_panel(gos_act_ctx *c, int argc, char **argv, char **err)
{
    int now = gos_session_task_panel(c->s), shown = gos_session_task_panel_shown(c->s);
    int base = now < 0 ? shown : now;
    const char *how = argv[0];
    char *end = NULL;
    long v = strtol(how, &end, 10);
    if (!strcmp(how, "grow"))
        gos_session_set_task_panel(c->s, base + 1);
    else if (!strcmp(how, "shrink"))
        gos_session_set_task_panel(c->s, base > 0 ? base - 1 : 0);
    else if (!strcmp(how, "auto"))
        gos_session_set_task_panel(c->s, -1);
    else if (*how && end && !*end && v >= 0 && v <= 99)
        gos_session_set_task_panel(c->s, (int)v);
    else {
        if (err)
            *err = g_strdup_printf(_("'%s' is not a size of the task panel: use grow, shrink, auto or 0 to 99."), how);
        return -1;
    }
    int set = gos_session_task_panel(c->s);
    c->record_as = set < 0 ? g_strdup("task-panel auto") : g_strdup_printf("task-panel %d", set);
    return GOS_DIRTY_VIEW;
}

/* `sort KEY [asc|desc]` sets the order, whatever it was (a recorded line means
 * the same on replay); `sort next` takes the next column, `sort reverse`
 * turns the order round. A recording keeps what they resolved to. */
static int act_sort(gos_act_ctx *c, int argc, char **argv, char **err)
{
    bool desc = false;
    gos_sort cur = gos_session_sort(c->s, &desc);
    int key;
    if (!strcmp(argv[0], "next")) {
        /* The next column shown, from the left, after the one sorted by. */
        size_t n = 0, at = 0;
        const gos_column_spec *cols = gos_session_columns(c->s, &n);
        for (size_t i = 0; i < n; i++)
            if (gos_column_sort(cols[i].col) == cur)
                at = i + 1;
        key = n ? (int)gos_column_sort(cols[at % n].col) : GOS_SORT_NAME;
        desc = false;
    } else if (!strcmp(argv[0], "reverse")) {
        key = (int)cur;
        desc = !desc;
    } else {
        key = gos_sort_parse(argv[0]);
        desc = argc > 1 && !strcmp(argv[1], "desc");
        if (key >= 0 && argc > 1 && strcmp(argv[1], "desc") && strcmp(argv[1], "asc"))
            key = -2;
    }
    if (key < 0 || (argc > 1 && (!strcmp(argv[0], "next") || !strcmp(argv[0], "reverse")))) {
        if (err)
            *err = key == -2 ? g_strdup_printf(_("'%s' is not an order: use asc or desc."), argv[1])
                             : g_strdup_printf(_("Cannot sort by '%s': use name, host, state, agent, users, os, "
                                                 "ping, version or login, or next or reverse."), argv[0]);
        return -1;
    }
    gos_session_set_sort(c->s, (gos_sort)key, desc);
    c->record_as = g_strdup_printf("sort %s%s", gos_sort_name((gos_sort)key), desc ? " desc" : "");
    return GOS_DIRTY_VMS;
}

static int act_logoff(gos_act_ctx *c, int argc, char **argv, char **err)
{
    int n = gos_submit_logoff(c->s, argc, argv, (c->caps & GOS_FE_CURSOR) != 0, err);
    if (n < 0)
        return -1;
    gos_session_set_status(c->s, ngettext("%d logoff task submitted.", "%d logoff tasks submitted.", n), n);
    return GOS_DIRTY_TASKS | GOS_DIRTY_STATUS;
}

static int act_cancel(gos_act_ctx *c, int argc, char **argv, char **err)
{
    ARG_UNUSED;
    int n = gos_submit_cancel(c->s, (c->caps & GOS_FE_CURSOR) != 0);
    gos_session_set_status(c->s, ngettext("%d task asked to cancel.", "%d tasks asked to cancel.", n), n);
    return GOS_DIRTY_TASKS | GOS_DIRTY_STATUS;
}

/* The seconds of `wait`: 0 to 4000 (WaitForCompletion's 4,000,000 ms). */
static int parse_secs(const char *text, long *secs, char **err)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || !end || *end || end == text || v < 0 || v > GOS_TASK_WAIT_MAX_MS / 1000) {
        if (err)
            *err = g_strdup_printf(_("'%s' is not a number of seconds from 0 to 4000."), text);
        return -1;
    }
    *secs = v;
    return 0;
}

static int act_wait(gos_act_ctx *c, int argc, char **argv, char **err)
{
    long secs = -1;
    if (argc && parse_secs(argv[0], &secs, err) < 0)
        return -1;
    gos_exec_wait_tasks(c->x, secs);
    return GOS_ACT_WAIT | GOS_DIRTY_TASKS;
}

static const char *const view_names[] = { "vms", "tasks", "audit", "detail", "help" };

static int act_view(gos_act_ctx *c, int argc, char **argv, char **err)
{
    if (!strcmp(argv[0], "next")) {
        /* Tab walks the three lists; from the detail or the help it goes back to the VMs. */
        gos_view v = gos_session_view(c->s);
        gos_session_set_view(c->s, v == GOS_VIEW_VMS ? GOS_VIEW_TASKS : v == GOS_VIEW_TASKS ? GOS_VIEW_AUDIT
                                                                                              : GOS_VIEW_VMS);
        return GOS_DIRTY_ALL;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(view_names); i++) {
        if (!strcmp(argv[0], view_names[i])) {
            gos_session_set_view(c->s, (gos_view)i);
            return GOS_DIRTY_ALL;
        }
    }
    if (err)
        *err = g_strdup_printf(_("There is no view '%s': use vms, tasks, audit, detail, help or next."), argv[0]);
    return -1;
}

static int act_help(gos_act_ctx *c, int argc, char **argv, char **err)
{
    ARG_UNUSED;
    if (gos_session_view(c->s) == GOS_VIEW_HELP)
        gos_session_set_view(c->s, gos_session_previous_view(c->s));
    else
        gos_session_set_view(c->s, GOS_VIEW_HELP);
    return GOS_DIRTY_ALL;
}

static int act_back(gos_act_ctx *c, int argc, char **argv, char **err)
{
    ARG_UNUSED;
    /* In the audit view, back first closes the task detail. */
    if (gos_session_view(c->s) == GOS_VIEW_AUDIT && gos_session_audit_detail(c->s, GOS_DETAIL_CLOSE))
        return GOS_DIRTY_MAIN;
    gos_view prev = gos_session_previous_view(c->s);
    gos_view cur = gos_session_view(c->s);
    gos_session_set_view(c->s, prev != cur && prev != GOS_VIEW_HELP ? prev : GOS_VIEW_VMS);
    return GOS_DIRTY_ALL;
}

static int act_list(gos_act_ctx *c, int argc, char **argv, char **err)
{
    ARG_UNUSED;
    gos_session_set_view(c->s, GOS_VIEW_VMS);
    gos_exec_emit(c->x, GOS_EMIT_VMS);
    return GOS_DIRTY_ALL;
}

static int act_stop(gos_act_ctx *c, int argc, char **argv, char **err)
{
    ARG_UNUSED;
    gos_exec_stop(c->x);
    return GOS_DIRTY_STATUS;
}

static int act_redraw(gos_act_ctx *c, int argc, char **argv, char **err)
{
    ARG_UNUSED;
    gos_session_request_repaint(c->s);
    return GOS_DIRTY_ALL;
}

static const gos_action actions[] = {
    { "quit", act_quit, GOS_ACT_NO_RECORD | GOS_ACT_PASSIVE | GOS_ACT_UNSEEN, 0, 1, "[wait|cancel]",
      N_("Leave guestos; with tasks under way, wait for them or cancel what can stop first"), NULL, NULL },
    { "help", act_help, GOS_ACT_NO_RECORD | GOS_ACT_PASSIVE, 0, 0, "", N_("Show or hide the keys and actions"), NULL, NULL },
    { "refresh", act_refresh, GOS_ACT_SETTLES, 0, 0, "", N_("Reload the inventory and probe the guest agents"), NULL, NULL },
    { "connect", act_connect, GOS_ACT_SETTLES, 1, 1, "URI", N_("Connect to one more libvirt host"), NULL, NULL },
    { "cursor-up", act_cursor_up, GOS_ACT_SCROLL, 0, 0, "", N_("Move to the previous VM"), need_scroll, NULL },
    { "cursor-down", act_cursor_down, GOS_ACT_SCROLL, 0, 0, "", N_("Move to the next VM"), need_scroll, NULL },
    { "page-up", act_page_up, GOS_ACT_SCROLL, 0, 0, "", N_("Move one page up"), need_scroll, NULL },
    { "page-down", act_page_down, GOS_ACT_SCROLL, 0, 0, "", N_("Move one page down"), need_scroll, NULL },
    { "cursor-home", act_home, GOS_ACT_SCROLL, 0, 0, "", N_("Move to the first VM"), need_scroll, NULL },
    { "cursor-end", act_end, GOS_ACT_SCROLL, 0, 0, "", N_("Move to the last VM"), need_scroll, NULL },
    { "cursor-to", act_cursor_to, GOS_ACT_SCROLL, 1, 1, "ROW",
      N_("Move to row ROW of the current list (1 is the first)"), need_scroll, NULL },
    { "mark", act_mark, 0, 0, 1, "[ROW]",
      N_("Mark or unmark the VM under the cursor and move on, or the VM at row ROW"), need_hosts, NULL },
    { "show-name", act_show_name, GOS_ACT_NO_RECORD | GOS_ACT_PASSIVE, 0, 0, "",
      N_("Show the whole name, host and UUID of the VM under the cursor on the status line"), need_hosts, NULL },
    { "mark-all", act_mark_all, 0, 0, 0, "", N_("Mark every VM shown"), need_view, NULL },
    { "unmark-all", act_unmark_all, 0, 0, 0, "", N_("Clear all marks"), NULL, NULL },
    { "select", act_select, 0, 1, 1, "PATTERN", N_("Mark the VMs whose name matches a glob, or a UUID"), need_hosts, NULL },
    { "select-all", act_mark_all, 0, 0, 0, "", N_("Mark every VM shown"), need_view, NULL },
    { "filter", act_filter, GOS_ACT_LIVE, 0, 8, "[state=S] [agent=A] [users=yes|no] [name=GLOB] [host=URI]",
      N_("Show only matching VMs; no arguments shows all"), need_filter, current_filter },
    { "search", act_search, GOS_ACT_LIVE, 0, 1, "[TEXT]", N_("Show VMs whose name contains the text"), need_hosts,
      current_search },
    { "sort", act_sort, 0, 1, 2, "name|host|state|agent|users|os|ping|version|login [asc|desc] | next | reverse",
      N_("Sort by a column, or by the next one shown, or the other way round"), need_sort, NULL },
    { "columns", act_columns, GOS_ACT_LIVE, 0, 16, "[[+|-]COLUMN[:WIDTH]...]",
      N_("Choose, order and size the VM list's columns (name host state agent ping users os version login); "
         "none: the default"), NULL, current_columns },
    { "task-panel", act_task_panel, 0, 1, 1, "grow|shrink|auto|N",
      N_("Show more or fewer tasks under the VM list, or as many as fit (auto)"), NULL, NULL },
    { "logoff", act_logoff, GOS_ACT_TARGETS | GOS_ACT_DESTRUCTIVE, 0, 64, "[VM...]",
      N_("Log off all users of the marked VMs, or the one under the cursor, or the VMs named"), need_hosts, NULL },
    { "cancel", act_cancel, 0, 0, 0, "",
      N_("Cancel the running tasks of the marked VMs (in the task list: the task under the cursor)"), need_hosts,
      NULL },
    { "wait", act_wait, 0, 0, 1, "[SECONDS]", N_("Wait until every task has ended"), NULL, NULL },
    { "view", act_view, GOS_ACT_NO_RECORD | GOS_ACT_PASSIVE, 1, 1, "vms|tasks|audit|detail|help|next",
      N_("Switch to a view"), NULL, NULL },
    { "back", act_back, GOS_ACT_NO_RECORD | GOS_ACT_PASSIVE, 0, 0, "", N_("Return to the previous view"), NULL, NULL },
    { "list", act_list, 0, 0, 0, "", N_("Show the VM list"), need_list, NULL },
    { "audit-filter", gos_act_audit_filter, 0, 0, 32,
      "[--vm VM] [--operator USER] [--action A] [--host URI] [--origin O] [--result R] [--hresult HR] [--since T] "
      "[--until T] [--search TEXT]",
      N_("Show the audit log of matching tasks only; no arguments shows all"), NULL, NULL },
    { "audit-search", gos_act_audit_search, GOS_ACT_LIVE, 0, 1, "[TEXT]",
      N_("Show the audit log of tasks whose VM, message or users contain the text"), NULL, current_audit_search },
    { "history", gos_act_history, 0, 0, 1, "[VM]",
      N_("Show the audit log of the VM under the cursor, or of the VM named"), need_hosts, NULL },
    { "audit-detail", gos_act_audit_detail, GOS_ACT_NO_RECORD | GOS_ACT_PASSIVE, 0, 0, "",
      N_("Show or hide every field of the task under the cursor in the audit log"), NULL, NULL },
    { "macro", gos_act_macro, 0, 1, 1, "NAME", N_("Run the macro NAME, a file of action lines in the macros folder"), NULL, NULL },
    { "record", gos_act_record, GOS_ACT_NO_RECORD | GOS_ACT_TERMINAL, 0, 2, "[NAME [replace]]",
      N_("Record the actions you run as macro NAME (the console asks for it; an existing one only with replace); "
         "again stops and saves"), NULL, NULL },
    { "stop", act_stop, GOS_ACT_NO_RECORD | GOS_ACT_PASSIVE | GOS_ACT_UNSEEN, 0, 0, "",
      N_("Stop the macro that plays, or the wait; the tasks they started go on"), NULL, NULL },
    { "redraw", act_redraw, GOS_ACT_NO_RECORD | GOS_ACT_PASSIVE | GOS_ACT_UNSEEN | GOS_ACT_TERMINAL, 0, 0, "",
      N_("Repaint the whole screen"), NULL, NULL },
};

size_t gos_action_count(void) { return G_N_ELEMENTS(actions); }

const gos_action *gos_action_at(size_t i) { return i < G_N_ELEMENTS(actions) ? &actions[i] : NULL; }

const gos_action *gos_action_find(const char *name)
{
    for (size_t i = 0; i < G_N_ELEMENTS(actions); i++)
        if (!strcmp(actions[i].name, name))
            return &actions[i];
    return NULL;
}
