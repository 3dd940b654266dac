/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The action table: every operation guestos offers, by a stable name. */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "core/actions.h"
#include "base/i18n.h"
#include "core/macro.h"

#define ARG_UNUSED (void)argc; (void)argv; (void)err

static int act_quit(gos_session *s, int argc, char **argv, char **err)
{
    ARG_UNUSED;
    gos_session_request_quit(s);
    return 0;
}

static int act_refresh(gos_session *s, int argc, char **argv, char **err)
{
    ARG_UNUSED;
    gos_session_refresh(s);
    gos_session_set_status(s, "%s", _("Refreshing the inventory."));
    return GOS_DIRTY_STATUS;
}

static int act_connect(gos_session *s, int argc, char **argv, char **err)
{
    gos_session_add_host(s, argv[0]);
    gos_session_set_status(s, _("Connecting to %s."), argv[0]);
    return GOS_DIRTY_STATUS | GOS_DIRTY_VMS;
}

static int act_cursor_up(gos_session *s, int argc, char **argv, char **err)
{
    ARG_UNUSED;
    gos_session_move_cursor(s, -1);
    return GOS_DIRTY_VMS;
}

static int act_cursor_down(gos_session *s, int argc, char **argv, char **err)
{
    ARG_UNUSED;
    gos_session_move_cursor(s, 1);
    return GOS_DIRTY_VMS;
}

static int act_page_up(gos_session *s, int argc, char **argv, char **err)
{
    ARG_UNUSED;
    gos_session_page(s, -1);
    return GOS_DIRTY_VMS;
}

static int act_page_down(gos_session *s, int argc, char **argv, char **err)
{
    ARG_UNUSED;
    gos_session_page(s, 1);
    return GOS_DIRTY_VMS;
}

static int act_home(gos_session *s, int argc, char **argv, char **err)
{
    ARG_UNUSED;
    gos_session_cursor_to(s, 0);
    return GOS_DIRTY_VMS;
}

static int act_end(gos_session *s, int argc, char **argv, char **err)
{
    ARG_UNUSED;
    gos_session_cursor_to(s, SIZE_MAX);
    return GOS_DIRTY_VMS;
}

static int act_mark(gos_session *s, int argc, char **argv, char **err)
{
    ARG_UNUSED;
    gos_session_toggle_mark(s);
    gos_session_move_cursor(s, 1);
    return GOS_DIRTY_VMS | GOS_DIRTY_STATUS;
}

static int act_mark_all(gos_session *s, int argc, char **argv, char **err)
{
    ARG_UNUSED;
    gos_session_mark_all(s, true);
    return GOS_DIRTY_VMS | GOS_DIRTY_STATUS;
}

static int act_unmark_all(gos_session *s, int argc, char **argv, char **err)
{
    ARG_UNUSED;
    gos_session_mark_all(s, false);
    return GOS_DIRTY_VMS | GOS_DIRTY_STATUS;
}

static int act_select(gos_session *s, int argc, char **argv, char **err)
{
    size_t n = gos_session_select(s, argv[0]);
    if (n == 0) {
        if (err)
            *err = g_strdup_printf(_("No virtual machine matches '%s'."), argv[0]);
        return -1;
    }
    gos_session_set_status(s, ngettext("%zu virtual machine marked.", "%zu virtual machines marked.", n), n);
    return GOS_DIRTY_VMS | GOS_DIRTY_STATUS;
}

static int act_filter(gos_session *s, int argc, char **argv, char **err)
{
    if (gos_session_set_filter(s, argc, argv, err) < 0)
        return -1;
    return GOS_DIRTY_VMS | GOS_DIRTY_STATUS;
}

static int act_search(gos_session *s, int argc, char **argv, char **err)
{
    gos_session_set_search(s, argc ? argv[0] : NULL);
    gos_session_cursor_to(s, 0);
    return GOS_DIRTY_VMS | GOS_DIRTY_STATUS;
}

static int act_sort(gos_session *s, int argc, char **argv, char **err)
{
    int key = gos_sort_parse(argv[0]);
    if (key < 0) {
        if (err)
            *err = g_strdup_printf(_("Cannot sort by '%s': use name, host, state, agent, users, os or ping."), argv[0]);
        return -1;
    }
    gos_session_set_sort(s, key);
    return GOS_DIRTY_VMS;
}

static int act_logoff(gos_session *s, int argc, char **argv, char **err)
{
    int n = 0;
    if (argc == 0) {
        n = gos_session_logoff(s, err);
        if (n < 0)
            return -1;
    }
    /* Named targets: the console passes the VMs it showed in its question,
     * and recorded macros keep them. */
    for (int i = 0; i < argc; i++) {
        if (!gos_session_logoff_vm(s, NULL, argv[i], err))
            return n ? (int)(GOS_DIRTY_TASKS | GOS_DIRTY_STATUS) : -1;
        n++;
    }
    gos_session_set_status(s, ngettext("%d logoff task submitted.", "%d logoff tasks submitted.", n), n);
    return GOS_DIRTY_TASKS | GOS_DIRTY_STATUS;
}

static int act_cancel(gos_session *s, int argc, char **argv, char **err)
{
    ARG_UNUSED;
    int n = gos_session_cancel(s);
    gos_session_set_status(s, ngettext("%d task asked to cancel.", "%d tasks asked to cancel.", n), n);
    return GOS_DIRTY_TASKS | GOS_DIRTY_STATUS;
}

static const char *const view_names[] = { "vms", "tasks", "audit", "detail", "help" };

static int act_view(gos_session *s, int argc, char **argv, char **err)
{
    for (size_t i = 0; i < G_N_ELEMENTS(view_names); i++) {
        if (!strcmp(argv[0], view_names[i])) {
            gos_session_set_view(s, (gos_view)i);
            return GOS_DIRTY_ALL;
        }
    }
    if (err)
        *err = g_strdup_printf(_("There is no view '%s': use vms, tasks, audit, detail or help."), argv[0]);
    return -1;
}

static int act_help(gos_session *s, int argc, char **argv, char **err)
{
    ARG_UNUSED;
    if (gos_session_view(s) == GOS_VIEW_HELP)
        gos_session_set_view(s, gos_session_previous_view(s));
    else
        gos_session_set_view(s, GOS_VIEW_HELP);
    return GOS_DIRTY_ALL;
}

static int act_back(gos_session *s, int argc, char **argv, char **err)
{
    ARG_UNUSED;
    gos_view prev = gos_session_previous_view(s);
    gos_view cur = gos_session_view(s);
    gos_session_set_view(s, prev != cur && prev != GOS_VIEW_HELP ? prev : GOS_VIEW_VMS);
    return GOS_DIRTY_ALL;
}

static int act_wait(gos_session *s, int argc, char **argv, char **err)
{
    char *end = NULL;
    errno = 0;
    long secs = argc ? strtol(argv[0], &end, 10) : -1;
    if (argc && (errno || !end || *end || secs < 0 || secs > GOS_TASK_WAIT_MAX_MS / 1000)) {
        if (err)
            *err = g_strdup_printf(_("'%s' is not a number of seconds from 0 to 4000."), argv[0]);
        return -1;
    }
    if (!gos_session_wait_tasks(s, secs < 0 ? -1 : secs * 1000)) {
        if (err)
            *err = g_strdup_printf(ngettext("Tasks were still running after %ld second.",
                                            "Tasks were still running after %ld seconds.", secs), secs);
        return -1;
    }
    return GOS_DIRTY_TASKS;
}

static int act_list(gos_session *s, int argc, char **argv, char **err)
{
    ARG_UNUSED;
    gos_session_set_view(s, GOS_VIEW_VMS);
    return GOS_DIRTY_ALL;
}

/* --- the audit view ------------------------------------------------------------ */

/* The words are checked here, so that a bad one fails its line (a batch file
 * stops there, the console says why) and the view only ever sees good ones. */
static int act_audit_filter(gos_session *s, int argc, char **argv, char **err)
{
    gos_audit_filter f;
    if (gos_audit_filter_parse(argc, argv, &f, err) < 0)
        return -1;
    gos_session_set_audit_filter(s, argc, argv);
    gos_session_set_view(s, GOS_VIEW_AUDIT);
    return GOS_DIRTY_ALL;
}

/* True when word (up to '=') names --search: the whole name or a prefix only it has. */
static bool is_search_word(const char *word)
{
    size_t len = strcspn(word, "=");
    return len > 4 && len <= strlen("--search") && !strncmp(word, "--search", len);
}

/* Sets or clears --search and keeps the other words of the filter in force. */
static int act_audit_search(gos_session *s, int argc, char **argv, char **err)
{
    const char *const *cur = gos_session_audit_filter(s, NULL);
    GPtrArray *words = g_ptr_array_new();
    /* The words in force were checked: options, each with its value after '=' or next. */
    for (size_t i = 0; cur[i]; i++) {
        bool joined = strchr(cur[i], '=') != NULL;
        bool keep = !is_search_word(cur[i]);
        if (keep)
            g_ptr_array_add(words, (char *)cur[i]);
        if (!joined && cur[i + 1]) {
            i++;
            if (keep)
                g_ptr_array_add(words, (char *)cur[i]);
        }
    }
    if (argc && *argv[0]) {
        g_ptr_array_add(words, (char *)"--search");
        g_ptr_array_add(words, argv[0]);
    }
    int r = act_audit_filter(s, (int)words->len, (char **)words->pdata, err);
    g_ptr_array_free(words, TRUE);
    return r;
}

/* The audit history of one VM: the one under the cursor (by host and UUID,
 * which the log keeps even when the VM is renamed), or the one named. */
static int act_history(gos_session *s, int argc, char **argv, char **err)
{
    if (argc) {
        char *words[] = { (char *)"--vm", argv[0] };
        return act_audit_filter(s, 2, words, err);
    }
    if (gos_session_view_count(s) == 0) {
        if (err)
            *err = g_strdup(_("There is no VM under the cursor."));
        return -1;
    }
    const gos_vm *vm = gos_session_view_at(s, gos_session_cursor(s));
    char *words[] = { (char *)"--vm", (char *)vm->uuid, (char *)"--host", vm->host };
    int r = act_audit_filter(s, 4, words, err);
    if (r >= 0)
        /* TRANSLATORS: %s is a VM name. */
        gos_session_set_status(s, _("The audit history of %s."), vm->name ? vm->name : vm->uuid);
    return r;
}

/* The console opens and closes the task detail inside the audit view itself
 * (like scrolling); anywhere else there is no task to show. */
static int act_audit_detail(gos_session *s, int argc, char **argv, char **err)
{
    ARG_UNUSED;
    if (gos_session_view(s) != GOS_VIEW_AUDIT) {
        if (err)
            *err = g_strdup(_("The task detail belongs to the audit view: open it first."));
        return -1;
    }
    return GOS_DIRTY_AUDIT;
}

/* The one table. Names are stable: key bindings, macros and batch files use them. */
static const gos_action actions[] = {
    { "quit", act_quit, GOS_ACT_NO_RECORD, 0, 0, "", N_("Leave guestos (running tasks finish first)") },
    { "help", act_help, GOS_ACT_NO_RECORD, 0, 0, "", N_("Show or hide the keys and actions") },
    { "refresh", act_refresh, 0, 0, 0, "", N_("Reload the inventory and probe the guest agents") },
    { "connect", act_connect, 0, 1, 1, "URI", N_("Connect to one more libvirt host") },
    { "cursor-up", act_cursor_up, 0, 0, 0, "", N_("Move to the previous VM") },
    { "cursor-down", act_cursor_down, 0, 0, 0, "", N_("Move to the next VM") },
    { "page-up", act_page_up, 0, 0, 0, "", N_("Move one page up") },
    { "page-down", act_page_down, 0, 0, 0, "", N_("Move one page down") },
    { "cursor-home", act_home, 0, 0, 0, "", N_("Move to the first VM") },
    { "cursor-end", act_end, 0, 0, 0, "", N_("Move to the last VM") },
    { "mark", act_mark, 0, 0, 0, "", N_("Mark or unmark the VM under the cursor") },
    { "mark-all", act_mark_all, 0, 0, 0, "", N_("Mark every VM shown") },
    { "unmark-all", act_unmark_all, 0, 0, 0, "", N_("Clear all marks") },
    { "select", act_select, 0, 1, 1, "PATTERN", N_("Mark the VMs whose name matches a glob, or a UUID") },
    { "select-all", act_mark_all, 0, 0, 0, "", N_("Mark every VM shown") },
    { "filter", act_filter, 0, 0, 8, "[state=S] [agent=A] [users=yes|no] [name=GLOB] [host=URI]",
      N_("Show only matching VMs; no arguments shows all") },
    { "search", act_search, 0, 0, 1, "[TEXT]", N_("Show VMs whose name contains the text") },
    { "sort", act_sort, 0, 1, 1, "name|host|state|agent|users|os|ping", N_("Sort by a column; again reverses") },
    { "logoff", act_logoff, GOS_ACT_TARGETS | GOS_ACT_DESTRUCTIVE, 0, 64, "[VM...]",
      N_("Log off all users of the marked VMs, or the one under the cursor, or the VMs named") },
    { "cancel", act_cancel, GOS_ACT_TARGETS, 0, 0, "", N_("Cancel the running tasks of the marked VMs") },
    { "wait", act_wait, 0, 0, 1, "[SECONDS]", N_("Wait until every task has ended") },
    { "view", act_view, GOS_ACT_NO_RECORD, 1, 1, "vms|tasks|audit|detail|help", N_("Switch to a view") },
    { "back", act_back, GOS_ACT_NO_RECORD, 0, 0, "", N_("Return to the previous view") },
    { "list", act_list, 0, 0, 0, "", N_("Show the VM list") },
    { "audit-filter", act_audit_filter, 0, 0, 32,
      "[--vm VM] [--operator USER] [--action A] [--host URI] [--result R] [--hresult HR] [--since T] [--until T] [--search TEXT]",
      N_("Show the audit log of matching tasks only; no arguments shows all") },
    { "audit-search", act_audit_search, 0, 0, 1, "[TEXT]",
      N_("Show the audit log of tasks whose VM, message or users contain the text") },
    { "history", act_history, 0, 0, 1, "[VM]",
      N_("Show the audit log of the VM under the cursor, or of the VM named") },
    { "audit-detail", act_audit_detail, GOS_ACT_NO_RECORD, 0, 0, "",
      N_("Show or hide every field of the task under the cursor in the audit log") },
    { "macro", gos_act_macro, 0, 1, 1, "NAME", N_("Run the macro NAME, a file of action lines in the macros folder") },
    { "record", gos_act_record, GOS_ACT_NO_RECORD, 0, 1, "[NAME]",
      N_("Record the actions you run as macro NAME (the console asks for it); again stops and saves") },
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

int gos_cmd_exec(gos_session *s, const gos_cmd *cmd, char **err)
{
    return cmd->action->fn(s, cmd->argc, cmd->argv, err);
}
