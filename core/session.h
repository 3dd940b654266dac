/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The state every action works on: hosts, inventory, view, selection, tasks, audit. */
#ifndef GOS_SESSION_H
#define GOS_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/columns.h"
#include "core/inventory.h"
#include "core/task.h"
#include "core/vm.h"
#include "db/audit.h"
#include "db/pager.h"

typedef struct gos_session gos_session;

typedef struct gos_session_opts {
    const char *const *uris;   /* hosts to connect; NULL/0 = config, env, libvirt default */
    size_t n_uris;
    bool readonly;             /* open every connection read-only */
    const char *audit_path;    /* NULL = gos_audit_default_path() */
    const char *origin;        /* "interactive", "cli", "batch:FILE" */
    int max_workers;           /* tasks at once over all hosts; 0 = default (GOS_ENGINE_MAX_TASKS, 100) */
    int per_host;              /* tasks of one host at once; 0 = default (GOS_ENGINE_PER_HOST, 20) */
    int max_probes;            /* channel reads and agent probes of one host at once; 0 = default (5) */
    int client_requests;       /* calls libvirtd serves one connection at once (its max_client_requests);
                                  0 = default (5): hosts open connections to keep per_host calls going */
    bool no_probes;            /* never read channels nor probe agents (`logoff` reads what it needs itself) */
    int64_t deadline_ms;       /* per-task deadline; 0 = default (120 s) */
    int forward;               /* gos_audit_forward of the audit store; 0 = off */
} gos_session_opts;

/* Bits that say what changed and must be redrawn. */
enum {
    GOS_DIRTY_VMS    = 1u << 0,
    GOS_DIRTY_TASKS  = 1u << 1,
    GOS_DIRTY_STATUS = 1u << 2,
    GOS_DIRTY_VIEW   = 1u << 3,   /* the current view changed (switch, help, resize) */
    GOS_DIRTY_AUDIT  = 1u << 4,
    GOS_DIRTY_MAIN   = 1u << 5,   /* the main area of the current view (a scroll) */
    GOS_DIRTY_ALL    = 0xffu,
};

/* The screens the console shows. Kept here so that actions can switch them. */
typedef enum {
    GOS_VIEW_VMS = 0,
    GOS_VIEW_TASKS,
    GOS_VIEW_AUDIT,
    GOS_VIEW_DETAIL,           /* the VM under the cursor */
    GOS_VIEW_HELP,
} gos_view;

typedef enum {
    GOS_SORT_NAME = 0, GOS_SORT_HOST, GOS_SORT_STATE, GOS_SORT_AGENT, GOS_SORT_USERS,
    GOS_SORT_N,                 /* the default columns' keys */
    GOS_SORT_OS = GOS_SORT_N,   /* guest OS name, from the agent: `sort os` */
    GOS_SORT_PING,              /* the agent's last round trip: `sort ping` */
    GOS_SORT_VERSION,           /* the agent's version: `sort version` */
    GOS_SORT_LOGIN,             /* when the user logged on longest came: `sort login` */
    GOS_SORT_ALL
} gos_sort;

/* The cursor and page moves, as every view applies them to itself. */
typedef enum {
    GOS_SCROLL_UP = 0,
    GOS_SCROLL_DOWN,
    GOS_SCROLL_PAGE_UP,
    GOS_SCROLL_PAGE_DOWN,
    GOS_SCROLL_HOME,
    GOS_SCROLL_END,
} gos_scroll;

/* Where a text page (the VM detail, the help) stands: core keeps top, the
 * drawing fills in rows (that fit) and lines (that there are). */
typedef struct gos_page_pos {
    int top;
    int rows;
    int lines;
} gos_page_pos;

/* Where a list with a cursor stands (the task list): the drawing fills in
 * rows (entries that fit) and keeps top around the cursor. */
typedef struct gos_list_pos {
    size_t cursor;
    size_t top;
    int rows;
} gos_list_pos;

/* What the audit view does with its task detail. */
typedef enum { GOS_DETAIL_TOGGLE = 0, GOS_DETAIL_CLOSE } gos_detail_op;

/* Opens the audit store (failure ends the program: *err says why), starts
 * the worker pool and the libvirt event thread. Connects nothing yet. */
int gos_session_new(const gos_session_opts *opts, gos_session **out, char **err);
void gos_session_free(gos_session *s);

/* Connects every configured host and loads its inventory: names, UUIDs and
 * states in bulk calls; agent channels and agent data follow, per domain.
 * With wait, blocks until each host listed or failed and returns -1 with
 * *err set when none did (the message suggests -c test:///default).
 * Without wait, returns at once; results arrive through gos_session_pump. */
int gos_session_connect(gos_session *s, bool wait, char **err);

/* Connects one more URI (the `connect` action). */
void gos_session_add_host(gos_session *s, const char *uri);

/* The descriptor that becomes readable when updates wait. */
int gos_session_fd(gos_session *s);

/* Milliseconds until the session has timed work to do (the next agent
 * probe round), -1 when none: use it as the poll() timeout, then pump. */
long gos_session_timeout_ms(gos_session *s);

/* Applies waiting updates. Returns GOS_DIRTY_* bits. Never blocks. */
unsigned gos_session_pump(gos_session *s);

/* Blocks up to timeout_ms until an update may be waiting (then pump). */
bool gos_session_wait_ready(gos_session *s, long timeout_ms);

/* True when no host is being connected or listed. */
bool gos_session_hosts_settled(gos_session *s);

/* True when no agent probe is under way for a running VM whose agent has not
 * answered yet in this run: what the agents can say has been said once. */
bool gos_session_agents_known(gos_session *s);

/* The host of uri: 1 connected and listed, 0 still under way, -1 failed
 * (*why: the session's sentence, borrowed) or not a host of the session. */
int gos_session_host_settled(gos_session *s, const char *uri, const char **why);

/* Pumps until every task this session submitted is complete or timeout_ms
 * passes (-1 forever). Returns true when all are complete. For batch and CLI. */
bool gos_session_wait_tasks(gos_session *s, long timeout_ms);

/* Pumps until no host listing, channel read or agent probe is under way, or
 * timeout_ms passes. Returns true when idle. For `list --wait`. */
bool gos_session_wait_idle(gos_session *s, long timeout_ms);

/* Pumps until no host is connecting or being listed (agent probes may go on),
 * or timeout_ms passes. Returns true when settled. For batch steps. */
bool gos_session_wait_hosts(gos_session *s, long timeout_ms);

/* --- the VM view: filtered, sorted, with cursor and marks --------------- */
size_t gos_session_view_count(gos_session *s);
const gos_vm *gos_session_view_at(gos_session *s, size_t i);
size_t gos_session_cursor(gos_session *s);
void gos_session_set_page_rows(gos_session *s, int rows);   /* for page-up/down */
bool gos_session_is_marked(gos_session *s, const gos_vm *vm);
size_t gos_session_marked_count(gos_session *s);
/* The VMs an action like logoff acts on: the marked ones, else (use_cursor)
 * the one under the cursor. Returns a newly allocated array of borrowed VMs; *n set. */
const gos_vm **gos_session_targets(gos_session *s, bool use_cursor, size_t *n);
/* The filter in force as `filter` arguments ("state=running name=web*"), ""
 * when none: a filter line built from it reads back the same. */
const char *gos_session_filter_text(gos_session *s);
/* The same as words, one expression each (NULL-terminated, g_strfreev). */
char **gos_session_filter_words(gos_session *s);
/* The search text in force, "" when none. */
const char *gos_session_search_text(gos_session *s);
gos_sort gos_session_sort(gos_session *s, bool *descending);
/* Counts of VMs per state over the whole inventory (array of GOS_VM_N_STATES). */
void gos_session_state_totals(gos_session *s, size_t totals[GOS_VM_N_STATES]);

/* The sort key of a column (every column has one). */
gos_sort gos_column_sort(gos_column col);

/* The VM list's columns in their order, and their widths (borrowed; *n set). */
const gos_column_spec *gos_session_columns(gos_session *s, size_t *n);
/* Sets them (copied); n 0 sets the default columns. */
void gos_session_set_columns(gos_session *s, const gos_column_spec *cols, size_t n);
/* The default columns (the configuration's), which it also sets; n 0: guestos's own. */
void gos_session_set_default_columns(gos_session *s, const gos_column_spec *cols, size_t n);
const gos_column_spec *gos_session_default_columns(gos_session *s, size_t *n);
/* True when the column is shown. */
bool gos_session_has_column(gos_session *s, gos_column col);

/* True when the current view shows the VM cursor (the VM list, the VM
 * detail): only there is the VM under it a target. */
bool gos_session_cursor_visible(gos_session *s);

/* --- tasks --------------------------------------------------------------- */
size_t gos_session_task_count(gos_session *s);
gos_task *gos_session_task_at(gos_session *s, size_t i);   /* borrowed, oldest first */
/* Task counts: not ended (queued or running), ended without S_OK (failed,
 * cancelled, interrupted), ended S_OK. */
void gos_session_task_totals(gos_session *s, size_t *running, size_t *failed, size_t *ok);
/* The tasks of the session by state (gos_task_state). */
void gos_session_task_counts(gos_session *s, size_t counts[GOS_TASK_N_STATES]);

/* How many tasks the panel under the VM list shows at most; -1 (the default)
 * as many as the screen spares. */
int gos_session_task_panel(gos_session *s);
void gos_session_set_task_panel(gos_session *s, int entries);
/* How many it shows now (the console's layout tells). */
void gos_session_set_task_panel_shown(gos_session *s, int entries);
int gos_session_task_panel_shown(gos_session *s);

/* --- other state ---------------------------------------------------------- */
gos_inventory *gos_session_inventory(gos_session *s);
gos_audit *gos_session_audit(gos_session *s);
gos_engine *gos_session_engine(gos_session *s);
gos_view gos_session_view(gos_session *s);
void gos_session_set_view(gos_session *s, gos_view view);
/* The view shown before the current one (for `back`). */
gos_view gos_session_previous_view(gos_session *s);
size_t gos_session_host_count(gos_session *s);
const char *gos_session_host_uri(gos_session *s, size_t i);
/* 1 connected, 0 connecting (or reconnecting after a loss), -1 failed;
 * *why borrowed sentence or NULL. */
int gos_session_host_state(gos_session *s, size_t i, const char **why);
/* What host i is doing, for the header: "connecting 1.20 s", "listing 0.40 s",
 * "reading 340/1000" (agent channels), "probing 12 agents", "connection lost,
 * reconnecting in 4 s", "FAILED", or "refresh 0.21 s" (how long its last
 * listing took) when idle and idle_too. Translated, borrowed until the next call; NULL
 * when there is nothing to say. */
const char *gos_session_host_activity(gos_session *s, size_t i, bool idle_too);
/* The same over all hosts, for a header with many: "2 reconnecting, 3 busy,
 * slowest refresh 6.20 s"; NULL when nothing. */
const char *gos_session_hosts_activity(gos_session *s, bool idle_too);
const char *gos_session_origin(gos_session *s);
void gos_session_set_origin(gos_session *s, const char *origin);
/* The last status-line sentence (translated), or NULL. */
const char *gos_session_status(gos_session *s);
void gos_session_set_status(gos_session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same for a failure: the status line shows it as one. */
void gos_session_set_error(gos_session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A sentence the operator asked to read whole (a VM's full name and UUID): like
 * an error, it may take the hint bar's row too. */
void gos_session_set_status_wide(gos_session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool gos_session_status_is_wide(gos_session *s);
/* An error sentence goes once the operator's next line worked (and said nothing). */
void gos_session_clear_error(gos_session *s);
bool gos_session_status_is_error(gos_session *s);
/* Bumped by every status sentence set. */
unsigned gos_session_status_generation(gos_session *s);
/* The status sentence in force says what lasts until the hosts are listed
 * ("Refreshing the inventory."): once they are, and nothing else was said
 * meanwhile, the session says how it ended. */
void gos_session_status_until_listed(gos_session *s);
/* `redraw`: the console repaints the whole terminal; taking it clears it. */
void gos_session_request_repaint(gos_session *s);
bool gos_session_take_repaint(gos_session *s);
bool gos_session_quit_requested(gos_session *s);

/* --- mutators used by the action handlers (core/actions.c) ---------------- */
void gos_session_move_cursor(gos_session *s, long delta);   /* clamps */
void gos_session_cursor_to(gos_session *s, size_t index);  /* clamps; SIZE_MAX = last */
void gos_session_page(gos_session *s, int pages);
void gos_session_toggle_mark(gos_session *s);              /* the VM under the cursor */
void gos_session_mark_all(gos_session *s, bool on);        /* every VM in the view */
/* Marks every VM whose name or UUID matches glob; returns how many. */
size_t gos_session_select(gos_session *s, const char *glob);
/* Parses "state=running", "name=GLOB", "agent=ok", "users=yes|no", "host=URI";
 * clears all filters when n == 0. -1 with *err on a bad expression. */
int gos_session_set_filter(gos_session *s, int n, char **exprs, char **err);
void gos_session_set_search(gos_session *s, const char *text);   /* NULL/"" clears */
/* The audit view's filter: the words of `guestos audit` ("--vm", "web1", ...), checked by
 * the caller (gos_audit_filter_parse). argc 0 clears. The generation changes on every set. */
void gos_session_set_audit_filter(gos_session *s, int argc, char *const *argv);
/* NULL-terminated words (borrowed, empty when none); *generation when not NULL. */
const char *const *gos_session_audit_filter(gos_session *s, unsigned *generation);
void gos_session_set_sort(gos_session *s, gos_sort key, bool descending);
/* True when the filter reads agent data (agent=, users=). */
bool gos_session_filter_uses_agent(const gos_session *s);
int gos_sort_parse(const char *name);
/* True when the key orders by what the agents said. */
bool gos_sort_uses_agent(gos_sort key);
/* The login time (UTC ms) of the user logged on longest, 0 when none is known. */
int64_t gos_vm_oldest_login(const gos_vm *vm);
const char *gos_sort_name(gos_sort key);
void gos_session_refresh(gos_session *s);

/* --- positions of the views ---------------------------------------------------- */

/* Moves in the current view: the VM cursor, the task list, the audit log,
 * the text of the detail or the help. */
void gos_session_scroll(gos_session *s, gos_scroll how);
/* Puts the cursor of the current list (VMs, tasks) on entry index (clamped). */
void gos_session_scroll_to(gos_session *s, size_t index);
/* The task list's position and the page of the detail or help view. */
gos_list_pos *gos_session_task_pos(gos_session *s);
gos_page_pos *gos_session_page_pos(gos_session *s, gos_view view);
/* The audit view's page (db/pager.h): the drawing only reads it; the session
 * reads the log for it in gos_session_pump and in the actions. NULL until the
 * audit view is first opened. Borrowed. */
gos_pager *gos_session_audit_pager(gos_session *s);
/* Reads what the views show that is stale (the audit view's page), as the
 * pump does; the console calls it before it draws. Returns GOS_DIRTY_* bits. */
unsigned gos_session_sync(gos_session *s);
/* How many tasks a page of the audit view shows (from the console's layout). */
void gos_session_set_audit_rows(gos_session *s, int rows);
/* Opens, closes or toggles the task detail of the audit view; true when it changed. */
bool gos_session_audit_detail(gos_session *s, gos_detail_op op);
void gos_session_request_quit(gos_session *s);

#endif
