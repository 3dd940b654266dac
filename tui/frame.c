/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The frame around every view: the top line, the status line and the key-hint bar. */
#include <config.h>

#include <glib.h>
#include <string.h>

#include "base/i18n.h"
#include "tui/view.h"

/* Writes text at *x in attr within the window's width; advances *x. */
static void put(WINDOW *w, int *x, int limit, attr_t attr, const char *text)
{
    if (*x >= limit)
        return;
    *x += gos_draw_text(w, 0, *x, limit - *x, attr, text, false);
}

static const char *view_label(gos_view v)
{
    switch (v) {
    /* TRANSLATORS: names of the console's views, shown at the right of the top line. */
    case GOS_VIEW_VMS: return _("VM list");
    case GOS_VIEW_TASKS: return _("Tasks");
    case GOS_VIEW_AUDIT: return _("Audit log");
    case GOS_VIEW_DETAIL: return _("VM detail");
    case GOS_VIEW_HELP: return _("Help");
    }
    return "";
}

/* "test:default refresh 0.02 s", "h1 connecting 1.20 s", "h2 FAILED", or "5 hosts: 4 up, 1 failed". */
static char *hosts_text(gos_session *s)
{
    size_t nh = gos_session_host_count(s), up = 0, pending = 0, failed = 0;
    for (size_t i = 0; i < nh; i++) {
        int st = gos_session_host_state(s, i, NULL);
        if (st > 0)
            up++;
        else if (st == 0)
            pending++;
        else
            failed++;
    }
    if (nh == 0)
        return g_strdup(_("no host"));
    const char *act = nh > 2 ? gos_session_hosts_activity(s) : NULL;
    if (nh > 2)
        /* TRANSLATORS: host totals in the top line: all hosts, connected, connecting, failed; then
         * what they do (e.g. "; 2 busy, slowest refresh 0.40 s"). */
        return g_strdup_printf(ngettext("%zu host: %zu up, %zu connecting, %zu failed%s%s",
                                        "%zu hosts: %zu up, %zu connecting, %zu failed%s%s", nh),
                               nh, up, pending, failed, act ? "; " : "", act ? act : "");
    GString *t = g_string_new(NULL);
    for (size_t i = 0; i < nh; i++) {
        char *name = gos_host_short(gos_session_host_uri(s, i));
        if (i)
            g_string_append(t, ", ");
        act = gos_session_host_activity(s, i);
        if (!act)
            g_string_append(t, name);
        else
            /* TRANSLATORS: a host and what it does: "connecting 1.20 s", "reading 40/1000", "FAILED". */
            g_string_append_printf(t, _("%s %s"), name, act);
        g_free(name);
    }
    return g_string_free(t, FALSE);
}

void gos_frame_title(WINDOW *w, gos_session *s, const char *badge, gos_role badge_role)
{
    int width = getmaxx(w);
    attr_t a = gos_draw_attr(GOS_ROLE_TITLE);
    const char *sep = gos_draw_separator();
    gos_draw_fill(w, 0, 0, width, a);

    /* Right: what the operator acts on (marks, filter) and where he is. */
    size_t marked = gos_session_marked_count(s);
    GString *right = g_string_new(NULL);
    const char *filter = gos_session_filter_text(s);
    if (filter && *filter) {
        /* TRANSLATORS: %s: the filter in force, e.g. "state=running name=web*". */
        g_string_append_printf(right, _("filter: %s"), filter);
        g_string_append(right, sep);
    }
    g_string_append_printf(right, ngettext("%zu marked", "%zu marked", marked), marked);
    /* The view's name only when there is room: the title says it anyway. */
    const char *vl = view_label(gos_session_view(s));
    if (gos_text_width(right->str) + gos_text_width(sep) + gos_text_width(vl) + 1 <= width / 2) {
        g_string_append(right, sep);
        g_string_append(right, vl);
    }
    g_string_append_c(right, ' ');
    int rw = gos_text_width(right->str);
    if (rw > width / 2)
        rw = width / 2;
    gos_draw_text_right(w, 0, width - rw, rw, marked || (filter && *filter) ? a | A_BOLD : a, right->str);
    g_string_free(right, TRUE);

    /* Left: the program, its hosts, and the VMs per state. */
    int limit = width - rw - 2;
    int x = 0;
    put(w, &x, limit, a | A_BOLD, " guestos");
    if (badge) {
        /* Reversed out of the title bar, so that it shows without colour too. */
        put(w, &x, limit, a, " ");
        char *b = g_strdup_printf(" %s ", badge);
        put(w, &x, limit, (gos_draw_attr(badge_role) | A_BOLD | A_REVERSE) & ~A_DIM, b);
        g_free(b);
    }
    put(w, &x, limit, a, sep);
    char *hosts = hosts_text(s);
    put(w, &x, limit, a, hosts);
    g_free(hosts);

    size_t totals[GOS_VM_N_STATES];
    gos_session_state_totals(s, totals);
    GString *t = g_string_new(NULL);
    for (int st = 0; st < GOS_VM_N_STATES; st++) {
        if (totals[st] == 0)
            continue;
        if (t->len)
            g_string_append(t, ", ");
        /* TRANSLATORS: a count of VMs in one state, e.g. "3 running". */
        g_string_append_printf(t, _("%zu %s"), totals[st], gos_vm_state_label(st));
    }
    put(w, &x, limit, a, sep);
    put(w, &x, limit, a, t->len ? t->str : _("no VMs"));
    g_string_free(t, TRUE);
}

void gos_frame_status(WINDOW *w, gos_session *s)
{
    const char *text = gos_session_status(s);
    bool error = gos_session_status_is_error(s);
    gos_draw_text(w, 0, 0, getmaxx(w), gos_draw_attr(error ? GOS_ROLE_ERROR : GOS_ROLE_NORMAL),
                  text ? text : "", true);
}

typedef struct hint {
    const char *key;
    const char *label;
    int rank;
    bool keep;
} hint;

static gint hint_cmp(gconstpointer a, gconstpointer b)
{
    const hint *x = a, *y = b;
    return (x->rank > y->rank) - (x->rank < y->rank);
}

static int hint_width(const hint *h)
{
    return gos_text_width(h->key) + 1 + gos_text_width(h->label);
}

static void draw_hints(WINDOW *w, GArray *hints)
{
    int width = getmaxx(w);
    int total = 0;
    for (guint i = 0; i < hints->len; i++)
        total += hint_width(&g_array_index(hints, hint, i)) + (i ? 2 : 0);
    /* Drop the least important hints until the rest fit. */
    for (guint i = hints->len; i-- > 0 && total > width;) {
        hint *h = &g_array_index(hints, hint, i);
        if (h->keep)
            continue;
        total -= hint_width(h) + 2;
        g_array_remove_index(hints, i);
    }

    gos_draw_fill(w, 0, 0, width, A_NORMAL);
    int x = 0;
    for (guint i = 0; i < hints->len && x < width; i++) {
        const hint *h = &g_array_index(hints, hint, i);
        if (i)
            x += gos_draw_text(w, 0, x, width - x, A_NORMAL, "  ", false);
        x += gos_draw_text(w, 0, x, width - x, gos_draw_attr(GOS_ROLE_HINT_KEY), h->key, false);
        x += gos_draw_text(w, 0, x, width - x, A_NORMAL, " ", false);
        x += gos_draw_text(w, 0, x, width - x, A_NORMAL, h->label, false);
    }
}

void gos_frame_hints(WINDOW *w, gos_key_context ctx, bool recording)
{
    GArray *hints = g_array_new(FALSE, TRUE, sizeof(hint));
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    gos_key_context order[2] = { ctx, GOS_CTX_GLOBAL };
    for (int t = 0; t < 2; t++) {
        if (t == 1 && ctx == GOS_CTX_GLOBAL)
            break;
        size_t n;
        const gos_binding *b = gos_keymap_table(order[t], &n);
        for (size_t i = 0; i < n; i++) {
            /* The record key says what it does now: while recording, it stops. */
            bool record = b[i].kind == GOS_BIND_LINE && !strncmp(b[i].line, "record", 6) &&
                          (b[i].line[6] == '\0' || b[i].line[6] == ' ');
            /* TRANSLATORS: hint-bar label of the record key while a macro is being recorded. */
            const char *label = record && recording ? _("Stop") : gos_binding_hint(&b[i]);
            if (!label)
                continue;
            /* A key of the view's own table shadows the global one. */
            if (t == 1 && gos_keymap_lookup(ctx, b[i].key) != &b[i])
                continue;
            char buf[32];
            char *key = g_strdup(gos_key_name(b[i].key, buf, sizeof buf));
            g_ptr_array_add(names, key);
            hint h = { key, label, record && recording ? 0 : b[i].hint_rank, b[i].hint_keep || (record && recording) };
            g_array_append_val(hints, h);
        }
    }
    g_array_sort(hints, hint_cmp);
    draw_hints(w, hints);
    g_array_free(hints, TRUE);
    g_ptr_array_free(names, TRUE);
}

void gos_frame_hints_pairs(WINDOW *w, const char *const *keys, const char *const *labels, size_t n)
{
    GArray *hints = g_array_new(FALSE, TRUE, sizeof(hint));
    for (size_t i = 0; i < n; i++) {
        hint h = { keys[i], labels[i], (int)i, i == 0 };
        g_array_append_val(hints, h);
    }
    draw_hints(w, hints);
    g_array_free(hints, TRUE);
}
