/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Inside the session: its state, shared by the files that make it (session.c, listing.c, probe.c, vmview.c, vmfilter.c, submit.c). */
#ifndef GOS_SESSION_IMPL_H
#define GOS_SESSION_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

#include "core/bus.h"
#include "core/host.h"
#include "core/lane.h"
#include "core/session.h"
#include "db/pager.h"

/* How often running VMs with an agent channel are probed again. */
#define PROBE_INTERVAL_MS 30000
/* After an agent failed to answer, it is not asked again for this long
 * (doubling with each failure in a row, up to PROBE_BACKOFF_MAX_MS), as
 * oVirt's vdsm waits 60 s: a hung agent costs its timeouts once a minute,
 * not on every refresh. */
#define PROBE_BACKOFF_MS 60000
#define PROBE_BACKOFF_MAX_MS 600000
/* Reconnecting after a lost connection: the first try after this long,
 * doubling up to RECONNECT_MAX_MS. */
#define RECONNECT_FIRST_MS 500
#define RECONNECT_MAX_MS 30000
/* How long gos_session_connect waits for hosts, as the connect action does. */
#define SESSION_CONNECT_MS 120000
/* A listing slower than this is logged (pvestatd logs its status updates past 5 s). */
#define SLOW_REFRESH_MS 5000

typedef enum {
    HOST_DOWN = -1,          /* the connection failed */
    HOST_CONNECTING = 0,
    HOST_UP = 1,
    HOST_RECONNECTING = 2,   /* it was up and was lost; tried again with backoff */
} host_state;

typedef struct {
    gos_host *host;
    int state;               /* host_state */
    char *why;
    int ctl_jobs;            /* connects and listings queued or running on ctl */
    bool connecting;         /* one of them connects */
    bool again;              /* a listing was asked for while one was under way */
    bool refreshing;         /* ctl_jobs > 0 */
    gos_lane *ctl;           /* connect and list: one at a time */
    gos_lane *dom;           /* channel reads and agent probes: a few at once */
    uint64_t gen;            /* connection generation last seen up */
    int64_t step_ms;         /* when the connect or listing under way began */
    size_t chan_todo, chan_done;   /* channel reads of this round */
    size_t probes_out;       /* agent probes queued or running */
    int64_t connect_ms;      /* how long the last connect took, -1 none */
    int64_t refresh_ms;      /* how long the last listing took, -1 none */
    size_t n_vms;            /* VMs of the last listing */
    int attempts;            /* reconnects tried since the loss */
    int64_t retry_at_ms;     /* the next reconnect, 0 none planned */
    char *activity;          /* gos_session_host_activity's phrase */
} host_entry;

/* An agent that did not answer: when it may be asked again. */
typedef struct {
    int failures;
    int64_t until_ms;
} probe_backoff;

struct gos_session {
    gos_operator op;
    bool readonly;
    bool no_probes;
    char *origin;
    gos_audit *audit;
    uint64_t forward_failures;   /* forwarding failures the status line has said */
    gos_bus *bus;
    gos_engine *engine;
    int per_host;            /* tasks of one host at once */
    int probes_per_host;     /* channel reads and agent probes of one host at once */
    int client_requests;     /* calls libvirtd serves a connection at once */
    GPtrArray *hosts;        /* host_entry* */
    gos_inventory *inv;

    /* The view, kept so that a key costs what the screen shows, not what the
     * fleet holds: `sorted` is every VM in view order, rebuilt when a listing
     * replaces VMs or the sort changes; `view` is the part of it that passes
     * filter and search, in the same order, filtered again (not sorted) when
     * they change. Agent updates move single rows (see view_follow_agent). */
    GPtrArray *sorted;       /* const gos_vm*, borrowed from inv */
    GArray *rows;            /* sort_row per VM of the layout: its name's sort key */
    GPtrArray *view;         /* const gos_vm*, a subsequence of sorted */
    uint64_t layout_gen;     /* inventory layout generation of sorted */
    uint64_t view_gen;       /* inventory generation both reflect */
    int sort_todo;           /* SORT_NONE, SORT_REVERSE, SORT_FULL */
    bool view_stale;         /* filter or search changed: filter sorted again */
    bool view_refine;        /* the search grew: filter the view itself */
    size_t cursor;
    const gos_vm *cursor_vm; /* the VM under the cursor, while the layout lasts */
    gos_vm_ref *cursor_ref;  /* ... and across listings */
    int page_rows;
    GHashTable *marks;       /* gos_vm_ref* (owned), a set */
    char *f_name, *f_host, *search;
    GPatternSpec *f_name_pat;
    char *search_fold;       /* the search text casefolded */
    int f_state, f_agent, f_users;
    char *filter_text;
    gos_sort sort;
    bool desc;
    GArray *columns;         /* gos_column_spec, the VM list's columns in order */
    GArray *default_columns; /* ... and those `columns` without words comes back to */
    int task_panel;          /* tasks the panel shows at most, -1 as many as fit */
    int task_panel_shown;    /* ... and shows now */
    gos_view view_mode, prev_view;
    size_t totals[GOS_VM_N_STATES];
    uint64_t totals_gen;     /* layout generation + 1 the totals are for; 0 none */

    GPtrArray *tasks;        /* gos_task*, references */
    size_t tasks_done;       /* tasks[0, tasks_done) are complete */
    size_t done_states[GOS_TASK_N_STATES];   /* ... and how they ended */
    GHashTable *answered;    /* gos_vm_ref* of agents that answered in this run */
    GHashTable *probing;     /* gos_vm_ref* with a probe under way */
    GHashTable *probe_again; /* gos_vm_ref* to probe once more when the probe under way answers */
    GHashTable *backoff;     /* gos_vm_ref* (owned) -> probe_backoff* */
    int64_t next_probe_ms;
    int64_t tick_ms;         /* the last progress tick of the header */
    char *hosts_activity;    /* gos_session_hosts_activity's phrase */
    char *status;
    bool status_error;       /* the status says what failed */
    bool status_wide;        /* may take the hint bar's row (gos_session_set_status_wide) */
    unsigned status_gen;
    unsigned status_listed_gen; /* the status that lasts until the hosts are listed, 0 none */
    bool repaint;
    bool quit;
    gos_list_pos task_pos;
    gos_page_pos page_pos[GOS_VIEW_HELP + 1];
    gos_pager *pager;        /* the audit view's page, while the view has been opened */
    bool pager_stale;        /* tasks changed: the page is read again */
    int audit_rows;          /* tasks a page shows, from the console's layout */
    char **audit_filter;     /* the audit view's filter words, or NULL */
    unsigned audit_filter_gen;
};

enum { SORT_NONE = 0, SORT_REVERSE, SORT_FULL };

typedef struct {
    const gos_vm *vm;
    const char *key;         /* vm->name_key, borrowed: one pointer less to follow in the sort */
} sort_row;

/* Sets of VMs by (host, UUID) identity. */
GHashTable *gos_ref_set_new(void);
/* Adds vm unless it is there; true when it was added. */
bool gos_ref_set_add(GHashTable *set, const gos_vm *vm);
bool gos_ref_set_has(GHashTable *set, const gos_vm *vm);
void gos_ref_set_remove(GHashTable *set, const gos_vm *vm);

/* listing.c */
void gos_host_entry_free(gpointer p);
host_entry *gos_session_find_host(gos_session *s, const char *uri);
void gos_session_add_host_entry(gos_session *s, const char *uri);
/* Starts a listing of h (after connecting it when connect); a listing asked
 * for while one runs follows it. */
void gos_session_start_listing(gos_session *s, host_entry *h, bool connect);
/* The listings are in: a status that said they were under way
 * (gos_session_status_until_listed) says how they ended. */
void gos_session_listed(gos_session *s);
/* Applies a host's messages: its state, its listing, a channel read. */
unsigned gos_session_apply_host_state(gos_session *s, host_entry *h, gos_msg *m);
unsigned gos_session_apply_listing(gos_session *s, host_entry *h, gos_msg *m);
unsigned gos_session_apply_channel(gos_session *s, host_entry *h, gos_msg *m);
/* Starts the reconnects that are due (when start); the earliest one still
 * to come (0 none). */
int64_t gos_session_reconnect_due(gos_session *s, bool start);
/* Whether any host connects, lists or reads channels (progress to show). */
bool gos_session_hosts_busy(gos_session *s);
/* Whether channel reads are outstanding on any host. */
bool gos_session_channels_pending(gos_session *s);

/* probe.c */
/* Probes what is due (all probeable VMs when force; an agent that failed
 * waits out its backoff even then). */
void gos_session_schedule_probes(gos_session *s, bool force);
/* Probes vm now if it is probeable and not under way or backed off. */
void gos_session_probe_vm(gos_session *s, const gos_vm *vm, bool force);
/* Probes the agent of one VM now (after a task on it ended: who is logged on
 * changed); a probe under way is followed by another. */
void gos_session_probe_now(gos_session *s, const char *host, const char *uuid);
/* Applies a probe's answer. */
unsigned gos_session_apply_probe(gos_session *s, host_entry *h, gos_msg *m);

/* vmview.c */
void gos_view_rows_clear(GArray *rows);
bool gos_session_view_in_sync(gos_session *s);
void gos_session_view_update(gos_session *s);
/* One VM's agent fields changed while the view was current. */
void gos_session_view_follow_agent(gos_session *s, const gos_vm *vm);

/* vmfilter.c */
bool gos_session_vm_matches(gos_session *s, const gos_vm *vm);
bool gos_session_filter_uses_agent(const gos_session *s);
void gos_session_filter_clear(gos_session *s);

/* auditview.c */
void gos_session_audit_enter(gos_session *s);
void gos_session_audit_filter_changed(gos_session *s);
void gos_session_audit_stale(gos_session *s);
unsigned gos_session_audit_collect(gos_session *s);
unsigned gos_session_audit_sync(gos_session *s);
void gos_session_audit_scroll(gos_session *s, gos_scroll how);

/* submit.c */
/* Moves tasks_done past the tasks that have completed. */
void gos_session_tasks_advance(gos_session *s);

#endif
