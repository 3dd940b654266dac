/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The VM list: one row per VM with its mark and the columns the session chose, sized to the screen. */
#include <config.h>

#include <glib.h>
#include <string.h>

#include "base/i18n.h"
#include "base/time.h"
#include "tui/view.h"

/* The widest a fixed column grows for its words (a German state, say). */
#define WORD_COLUMN_MAX 14
/* The narrowest a shared column is made before columns at the end give way. */
#define SHARED_MIN 4

static const char *const titles[GOS_COL_N] = {
    /* TRANSLATORS: column headers of the VM list; the columns are narrow. */
    N_("Name"), N_("Host"), N_("State"), N_("Agent"), N_("Ping"), N_("Users"), N_("OS"), N_("Version"), N_("Login"),
};

/* How the room left is shared among the columns without a fixed width: 80
 * columns give name 18, host 12, users 20, as they always did. */
static const int weights[GOS_COL_N] = {
    [GOS_COL_NAME] = 9, [GOS_COL_HOST] = 6, [GOS_COL_USERS] = 10, [GOS_COL_OS] = 8,
};

static bool shows_ping_in_agent(gos_session *s) { return !gos_session_has_column(s, GOS_COL_PING); }

static int max_label(const char *(*label)(int), int n)
{
    int w = 0;
    for (int i = 0; i < n; i++)
        w = MAX(w, gos_text_width(label(i)));
    return w;
}

static const char *state_label_i(int i) { return gos_vm_state_label((gos_vm_state)i); }
static const char *hb_label_i(int i) { return gos_heartbeat_label((gos_heartbeat)i); }

/* The width a column takes of itself, 0 for those that share the rest.
 * The words do not change while the program runs: measured once. */
static int natural_width(gos_session *s, gos_column col)
{
    static int title_w[GOS_COL_N], states_w, agents_w, ok_w;
    if (!states_w) {
        for (int i = 0; i < GOS_COL_N; i++)
            title_w[i] = gos_text_width(_(titles[i])) + 2;   /* room for the sort arrow */
        states_w = MIN(max_label(state_label_i, GOS_VM_N_STATES), WORD_COLUMN_MAX);
        agents_w = MIN(MAX(max_label(hb_label_i, GOS_HB_N), gos_text_width(_("no exec"))), WORD_COLUMN_MAX);
        ok_w = gos_text_width(gos_heartbeat_label(GOS_HB_OK)) + 7;   /* "OK 999ms" */
    }
    int title = title_w[col];
    switch (col) {
    case GOS_COL_STATE:
        return MAX(title, states_w);
    case GOS_COL_AGENT:
        return MAX(title, shows_ping_in_agent(s) ? MAX(agents_w, ok_w) : agents_w);
    case GOS_COL_PING: return MAX(title, 7);        /* "9999 ms" */
    case GOS_COL_LOGIN: return MAX(title, 16);      /* "2026-11-30 11:00" */
    case GOS_COL_VERSION: return MAX(title, 10);
    default: return 0;
    }
}

void gos_view_vms_layout(gos_session *s, int width, gos_vms_layout *lay)
{
    size_t n = 0;
    const gos_column_spec *cols = gos_session_columns(s, &n);
    memset(lay, 0, sizeof *lay);
    lay->mark_w = 2;
    /* Columns at the end give way when even the narrowest shares do not fit. */
    for (size_t want = MIN(n, (size_t)GOS_COL_N); want > 0; want--) {
        int fixed = lay->mark_w, weight = 0, shared = 0;
        for (size_t i = 0; i < want; i++) {
            int w = cols[i].width > 0 ? cols[i].width : natural_width(s, cols[i].col);
            lay->w[i] = w;
            fixed += w + (i + 1 < want ? 1 : 0);
            if (w == 0) {
                int wt = weights[cols[i].col] ? weights[cols[i].col] : 5;
                weight += wt;
                shared++;
            }
        }
        int room = width - fixed;
        if (want > 1 && room < shared * SHARED_MIN)
            continue;
        if (want == 1 && lay->w[0] == 0)
            lay->w[0] = MAX(room, 1);
        /* The shares, the last one taking what rounding leaves. */
        int left = room, last = -1;
        for (size_t i = 0; i < want && shared; i++) {
            if (lay->w[i] != 0 || cols[i].width > 0)
                continue;
            int wt = weights[cols[i].col] ? weights[cols[i].col] : 5;
            lay->w[i] = MAX(room * wt / weight, SHARED_MIN);
            left -= lay->w[i];
            last = (int)i;
        }
        if (last >= 0)
            lay->w[last] += left;
        lay->n = want;
        break;
    }
    int x = lay->mark_w;
    for (size_t i = 0; i < lay->n; i++) {
        lay->col[i] = cols[i].col;
        lay->x[i] = x;
        /* The last column reaches the edge: nothing is left blank at the right. */
        if (i + 1 == lay->n && x + lay->w[i] < width)
            lay->w[i] = width - x;
        if (x + lay->w[i] > width)
            lay->w[i] = MAX(width - x, 0);
        x += lay->w[i] + 1;
    }
    lay->hidden = n - lay->n;
}

int gos_view_vms_column_at(const gos_vms_layout *lay, int x)
{
    for (size_t i = 0; i < lay->n; i++)
        if (x >= lay->x[i] && x <= lay->x[i] + lay->w[i])
            return (int)lay->col[i];
    return -1;
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

static void draw_header(WINDOW *w, gos_session *s, const gos_vms_layout *lay)
{
    attr_t a = gos_draw_attr(GOS_ROLE_HEADER);
    bool desc = false;
    gos_sort sort = gos_session_sort(s, &desc);
    bool shown = false;
    for (size_t i = 0; i < lay->n; i++)
        shown |= gos_column_sort(lay->col[i]) == sort;

    gos_draw_fill(w, 0, 0, getmaxx(w), a);
    for (size_t i = 0; i < lay->n; i++) {
        const char *arrow = gos_draw_unicode() ? (desc ? " \u25bc" : " \u25b2") : (desc ? " v" : " ^");
        gos_column col = lay->col[i];
        bool sorted = gos_column_sort(col) == sort;
        const char *title = _(titles[col]);
        /* A key whose column is not shown marks the column it goes with. */
        if (!shown && col == GOS_COL_NAME && sort == GOS_SORT_OS)
            /* TRANSLATORS: the name column's header while the list is sorted by guest OS (not shown). */
            title = _("Name, by OS"), sorted = true;
        else if (!shown && col == GOS_COL_AGENT && sort == GOS_SORT_PING)
            /* TRANSLATORS: the agent column's header while the list is sorted by the agent's round trip. */
            title = _("Agent, by ping"), sorted = true;
        else if (!shown && col == GOS_COL_AGENT && sort == GOS_SORT_VERSION)
            /* TRANSLATORS: the agent column's header while the list is sorted by agent version (not shown). */
            title = _("Agent, by version"), sorted = true;
        else if (!shown && col == GOS_COL_USERS && sort == GOS_SORT_LOGIN)
            /* TRANSLATORS: the users column's header while the list is sorted by login time (not shown). */
            title = _("Users, by login"), sorted = true;
        char *t = g_strdup_printf("%s%s", title, sorted ? arrow : "");
        gos_draw_cell(w, 0, lay->x[i], lay->w[i], a | (sorted ? A_BOLD : 0), t);
        g_free(t);
    }
    if (lay->hidden) {
        /* Columns that do not fit: say so at the right edge. */
        char *more = g_strdup_printf("+%zu", lay->hidden);
        int mw = gos_text_width(more);
        gos_draw_text(w, 0, getmaxx(w) - mw, mw, a | A_BOLD, more, false);
        g_free(more);
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

static char *agent_cell(gos_session *s, const gos_vm *vm)
{
    if (vm->heartbeat == GOS_HB_OK && vm->ping_us >= 0 && shows_ping_in_agent(s)) {
        /* TRANSLATORS: the agent's condition and the last ping in milliseconds, e.g. "OK 3ms". */
        return g_strdup_printf(_("%s %lldms"), gos_heartbeat_label(vm->heartbeat),
                               (long long)((vm->ping_us + 999) / 1000));
    }
    if (vm->heartbeat == GOS_HB_DEGRADED && (vm->features_known & GOS_FEAT_EXEC) && !(vm->features & GOS_FEAT_EXEC))
        /* TRANSLATORS: the agent column when the guest's agent policy forbids
         * guest-exec, which logoff needs (the detail view says how to allow it). */
        return g_strdup(_("no exec"));
    return g_strdup(gos_heartbeat_label(vm->heartbeat));
}

static char *ping_cell(const gos_vm *vm)
{
    if (vm->ping_us < 0)
        return g_strdup("-");
    /* TRANSLATORS: the agent's last round trip in the Ping column, in milliseconds. */
    return g_strdup_printf(_("%lld ms"), (long long)((vm->ping_us + 999) / 1000));
}

static char *login_cell(const gos_vm *vm)
{
    int64_t oldest = gos_vm_oldest_login(vm);
    if (!oldest)
        return g_strdup("-");
    char buf[64];
    gos_time_local(oldest, buf, sizeof buf);
    /* to the minute: "2026-11-30 11:00" */
    if (strlen(buf) > 16)
        buf[16] = '\0';
    return g_strdup(buf);
}

static void draw_cell(WINDOW *w, int y, gos_session *s, const gos_vm *vm, gos_column col, int x, int width,
                      attr_t sel, bool selected, bool marked)
{
#define ROLE(r) (selected ? sel : gos_draw_attr(r))
    char *text = NULL;
    attr_t attr = ROLE(GOS_ROLE_NORMAL);
    bool right = false;
    switch (col) {
    case GOS_COL_NAME:
        text = g_strdup(vm->name ? vm->name : vm->uuid);
        attr = ROLE(marked ? GOS_ROLE_MARKED : GOS_ROLE_NORMAL);
        break;
    case GOS_COL_HOST:
        text = gos_host_short(vm->host);
        break;
    case GOS_COL_STATE:
        text = g_strdup(gos_vm_state_label(vm->state));
        attr = ROLE(state_role(vm->state));
        break;
    case GOS_COL_AGENT:
        text = agent_cell(s, vm);
        attr = ROLE(agent_role(vm->heartbeat));
        break;
    case GOS_COL_PING:
        text = ping_cell(vm);
        attr = ROLE(vm->ping_us >= 0 ? GOS_ROLE_NORMAL : GOS_ROLE_DIM);
        right = true;
        break;
    case GOS_COL_USERS:
        text = users_cell(vm);
        attr = ROLE(vm->users_known ? GOS_ROLE_NORMAL : GOS_ROLE_DIM);
        break;
    case GOS_COL_OS:
        text = g_strdup(vm->os_name ? vm->os_name : "-");
        attr = ROLE(vm->os_name ? GOS_ROLE_NORMAL : GOS_ROLE_DIM);
        break;
    case GOS_COL_VERSION:
        text = g_strdup(vm->agent_version ? vm->agent_version : "-");
        attr = ROLE(vm->agent_version ? GOS_ROLE_NORMAL : GOS_ROLE_DIM);
        break;
    case GOS_COL_LOGIN:
        text = login_cell(vm);
        attr = ROLE(strcmp(text, "-") ? GOS_ROLE_NORMAL : GOS_ROLE_DIM);
        break;
    default:
        text = g_strdup("");
        break;
    }
    int tw = right ? gos_text_width(text) : width;
    if (right && tw < width)
        gos_draw_cell(w, y, x + width - tw, tw, attr, text);
    else
        gos_draw_cell(w, y, x, width, attr, text);
    g_free(text);
#undef ROLE
}

static void draw_row(WINDOW *w, int y, gos_session *s, const gos_vm *vm, bool selected, const gos_vms_layout *lay)
{
    bool marked = gos_session_is_marked(s, vm);
    attr_t sel = gos_draw_attr(GOS_ROLE_SELECTED);
    gos_draw_fill(w, y, 0, getmaxx(w), selected ? sel : A_NORMAL);
    gos_draw_text(w, y, 0, lay->mark_w, selected ? sel : gos_draw_attr(GOS_ROLE_MARKED), marked ? "*" : " ", false);
    for (size_t i = 0; i < lay->n; i++)
        draw_cell(w, y, s, vm, lay->col[i], lay->x[i], lay->w[i], sel, selected, marked);
}

/* Why the list is empty, in one sentence. */
static const char *empty_reason(gos_session *s)
{
    const char *filter = gos_session_filter_text(s), *search = gos_session_search_text(s);
    if (search && *search && filter && *filter)
        return _("No VM matches the search and the filter; / and f with an empty line clear them.");
    if (search && *search)
        return _("No VM matches the search; press / and Enter on an empty line to clear it.");
    if (filter && *filter)
        return _("No VM matches the filter; press f and Enter on an empty line to clear it.");
    size_t nh = gos_session_host_count(s);
    for (size_t i = 0; i < nh; i++)
        if (gos_session_host_state(s, i, NULL) == 0)
            return _("Connecting...");
    return _("No virtual machines.");
}

void gos_view_vms_draw(WINDOW *w, gos_session *s, size_t *top, gos_vms_layout *lay)
{
    int width = getmaxx(w), height = getmaxy(w);
    gos_view_vms_layout(s, width, lay);
    draw_header(w, s, lay);

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
            draw_row(w, 1 + r, s, vm, i == cursor, lay);
        else
            gos_draw_fill(w, 1 + r, 0, width, A_NORMAL);
    }
    if (n == 0)
        gos_draw_text_words(w, 1 + rows / 2, 2, width - 4, gos_draw_attr(GOS_ROLE_DIM), empty_reason(s));
}
