/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The VM list: one row per VM with its mark, host, state, agent status and logged-on users. */
#include <config.h>

#include <glib.h>
#include <string.h>

#include "base/i18n.h"
#include "tui/view.h"

enum { COL_MARK, COL_NAME, COL_HOST, COL_STATE, COL_AGENT, COL_USERS, N_COLS };

typedef struct cols {
    int x[N_COLS];
    int w[N_COLS];
} cols;

/* Fixed columns for mark, state and agent; name, host and users share the
 * rest (9:6:10), so that 80 columns give name 18, host 12, users 20. */
static void layout(int width, cols *c)
{
    int fixed_mark = 2, fixed_state = 10, fixed_agent = 14, gaps = 4;
    int flex = width - fixed_mark - fixed_state - fixed_agent - gaps;
    if (flex < 15)
        flex = 15;
    c->w[COL_MARK] = fixed_mark;
    c->w[COL_NAME] = flex * 9 / 25;
    c->w[COL_HOST] = flex * 6 / 25;
    c->w[COL_STATE] = fixed_state;
    c->w[COL_AGENT] = fixed_agent;
    c->w[COL_USERS] = flex - c->w[COL_NAME] - c->w[COL_HOST];
    int x = 0;
    for (int i = 0; i < N_COLS; i++) {
        c->x[i] = x;
        x += c->w[i] + (i == COL_MARK ? 0 : 1);
    }
}

static gos_role state_role(gos_vm_state st)
{
    switch (st) {
    case GOS_VM_RUNNING: return GOS_ROLE_RUNNING;
    case GOS_VM_CRASHED: return GOS_ROLE_ERROR;
    case GOS_VM_PAUSED:
    case GOS_VM_BLOCKED:
    case GOS_VM_SHUTDOWN:
    case GOS_VM_PMSUSPENDED: return GOS_ROLE_WARN;
    default: return GOS_ROLE_OFF;
    }
}

static gos_role agent_role(gos_heartbeat hb)
{
    switch (hb) {
    case GOS_HB_OK: return GOS_ROLE_OK;
    case GOS_HB_DEGRADED: return GOS_ROLE_WARN;
    case GOS_HB_NO_CONTACT:
    case GOS_HB_LOST: return GOS_ROLE_ERROR;
    default: return GOS_ROLE_DIM;
    }
}

static void draw_header(WINDOW *w, gos_session *s, const cols *c)
{
    static const char *const titles[N_COLS] = {
        /* TRANSLATORS: column headers of the VM list; the columns are narrow. */
        "", N_("Name"), N_("Host"), N_("State"), N_("Agent"), N_("Users"),
    };
    /* The keys without a column of their own mark the column they belong
     * to: the agent's round trip is in the agent cell, the OS goes with the name. */
    static const int sort_col[GOS_SORT_ALL] = { COL_NAME, COL_HOST, COL_STATE, COL_AGENT, COL_USERS,
                                                COL_NAME, COL_AGENT };
    attr_t a = gos_draw_attr(GOS_ROLE_HEADER);
    bool desc = false;
    gos_sort sort = gos_session_sort(s, &desc);
    int sorted = (unsigned)sort < GOS_SORT_ALL ? sort_col[sort] : -1;

    gos_draw_fill(w, 0, 0, getmaxx(w), a);
    for (int i = 1; i < N_COLS; i++) {
        const char *arrow = gos_draw_unicode() ? (desc ? " \u25bc" : " \u25b2") : (desc ? " v" : " ^");
        const char *title = _(titles[i]);
        if (i == sorted && sort == GOS_SORT_OS)
            /* TRANSLATORS: the name column's header while the list is sorted by guest OS. */
            title = _("Name, by OS");
        else if (i == sorted && sort == GOS_SORT_PING)
            /* TRANSLATORS: the agent column's header while the list is sorted by the agent's round trip. */
            title = _("Agent, by ping");
        char *t = g_strdup_printf("%s%s", title, i == sorted ? arrow : "");
        gos_draw_text(w, 0, c->x[i], c->w[i], a | (i == sorted ? A_BOLD : 0), t, false);
        g_free(t);
    }
}

static char *users_cell(const gos_vm *vm)
{
    if (!vm->users_known)
        return g_strdup("?");
    if (vm->n_users == 0)
        return g_strdup("0");
    char *names = gos_vm_users_joined(vm);
    char *out = g_strdup_printf("%zu: %s", vm->n_users, names);
    g_free(names);
    return out;
}

static char *agent_cell(const gos_vm *vm)
{
    if (vm->heartbeat == GOS_HB_OK && vm->ping_us >= 0) {
        /* TRANSLATORS: heartbeat label and the last ping in milliseconds, e.g. "OK 3ms". */
        return g_strdup_printf(_("%s %lldms"), gos_heartbeat_label(vm->heartbeat),
                               (long long)((vm->ping_us + 999) / 1000));
    }
    if (vm->heartbeat == GOS_HB_DEGRADED && (vm->features_known & GOS_FEAT_EXEC) && !(vm->features & GOS_FEAT_EXEC))
        /* TRANSLATORS: the agent column when the guest's agent policy forbids
         * guest-exec, which logoff needs (the detail view says how to allow it). */
        return g_strdup(_("exec blocked"));
    return g_strdup(gos_heartbeat_label(vm->heartbeat));
}

static void draw_row(WINDOW *w, int y, gos_session *s, const gos_vm *vm, bool selected, const cols *c)
{
    bool marked = gos_session_is_marked(s, vm);
    attr_t sel = gos_draw_attr(GOS_ROLE_SELECTED);
#define ROLE(r) (selected ? sel : gos_draw_attr(r))
    gos_draw_fill(w, y, 0, getmaxx(w), selected ? sel : A_NORMAL);

    gos_draw_text(w, y, c->x[COL_MARK], c->w[COL_MARK], ROLE(GOS_ROLE_MARKED), marked ? "*" : " ", false);
    gos_draw_text(w, y, c->x[COL_NAME], c->w[COL_NAME],
                  ROLE(marked ? GOS_ROLE_MARKED : GOS_ROLE_NORMAL), vm->name ? vm->name : vm->uuid, false);
    char *host = gos_host_short(vm->host);
    gos_draw_text(w, y, c->x[COL_HOST], c->w[COL_HOST], ROLE(GOS_ROLE_NORMAL), host, false);
    g_free(host);
    gos_draw_text(w, y, c->x[COL_STATE], c->w[COL_STATE], ROLE(state_role(vm->state)),
                  gos_vm_state_label(vm->state), false);
    char *agent = agent_cell(vm);
    gos_draw_text(w, y, c->x[COL_AGENT], c->w[COL_AGENT], ROLE(agent_role(vm->heartbeat)), agent, false);
    g_free(agent);
    char *users = users_cell(vm);
    gos_draw_text(w, y, c->x[COL_USERS], c->w[COL_USERS],
                  ROLE(vm->users_known ? GOS_ROLE_NORMAL : GOS_ROLE_DIM), users, false);
    g_free(users);
#undef ROLE
}

/* Why the list is empty, in one sentence. */
static const char *empty_reason(gos_session *s)
{
    const char *filter = gos_session_filter_text(s);
    if (filter && *filter)
        return _("No VM matches the filter; press f and Enter on an empty line to clear it.");
    size_t nh = gos_session_host_count(s);
    for (size_t i = 0; i < nh; i++)
        if (gos_session_host_state(s, i, NULL) == 0)
            return _("Connecting...");
    return _("No virtual machines.");
}

void gos_view_vms_draw(WINDOW *w, gos_session *s, size_t *top)
{
    int width = getmaxx(w), height = getmaxy(w);
    cols c;
    layout(width, &c);
    draw_header(w, s, &c);

    int rows = height - 1;
    if (rows < 1)
        return;
    gos_session_set_page_rows(s, rows);

    size_t n = gos_session_view_count(s);
    size_t cursor = gos_session_cursor(s);
    if (cursor < *top)
        *top = cursor;
    if (cursor >= *top + (size_t)rows)
        *top = cursor - (size_t)rows + 1;
    if (n <= (size_t)rows)
        *top = 0;
    else if (*top > n - (size_t)rows)
        *top = n - (size_t)rows;

    for (int r = 0; r < rows; r++) {
        size_t i = *top + (size_t)r;
        const gos_vm *vm = i < n ? gos_session_view_at(s, i) : NULL;
        if (vm)
            draw_row(w, 1 + r, s, vm, i == cursor, &c);
        else
            gos_draw_fill(w, 1 + r, 0, width, A_NORMAL);
    }
    if (n == 0)
        gos_draw_text(w, 1 + rows / 2, 2, width - 4, gos_draw_attr(GOS_ROLE_DIM), empty_reason(s), false);
}
