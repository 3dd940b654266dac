/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The frame around every view: the top line, the status line and the key-hint bar. */
#include <config.h>

#include <glib.h>
#include <string.h>

#include "base/count.h"
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

/* "test:default refresh 0.02 s", "h1 connecting 1.20 s", "h2 FAILED", or
 * "5 hosts: 4 up, 1 FAILED: h5; 2 busy, slowest refresh 0.40 s".
 * compact: only the hosts that are not up (nothing when all are);
 * without activity: a host's last refresh time is left out (what it is busy
 * with, a lost connection, a failure stay). */
static char *hosts_text(gos_session *s, bool compact, bool activity)
{
    size_t nh = gos_session_host_count(s), up = 0, pending = 0, failed = 0;
    GString *bad = g_string_new(NULL);
    for (size_t i = 0; i < nh; i++) {
        int st = gos_session_host_state(s, i, NULL);
        if (st > 0) {
            up++;
        } else if (st == 0) {
            pending++;
        } else {
            failed++;
            char *name = gos_host_short(gos_session_host_uri(s, i));
            g_string_append_printf(bad, "%s%s", bad->len ? ", " : "", name);
            g_free(name);
        }
    }
    if (nh == 0) {
        g_string_free(bad, TRUE);
        return g_strdup(_("no host"));
    }
    GString *t = g_string_new(NULL);
    if (nh > 2) {
        if (!compact)
            /* TRANSLATORS: host totals in the top line. */
            g_string_append_printf(t, ngettext("%zu host: %zu up", "%zu hosts: %zu up", nh), nh, up);
        if (pending) {
            if (t->len)
                g_string_append(t, ", ");
            /* TRANSLATORS: hosts being connected, in the top line. */
            g_string_append_printf(t, ngettext("%zu connecting", "%zu connecting", pending), pending);
        }
        if (failed) {
            if (t->len)
                g_string_append(t, ", ");
            /* TRANSLATORS: %1$zu hosts failed; %2$s: their short names. */
            g_string_append_printf(t, ngettext("%1$zu FAILED: %2$s", "%1$zu FAILED: %2$s", failed), failed, bad->str);
        }
        /* What they do (e.g. "2 busy, slowest refresh 0.40 s"). */
        const char *act = !compact ? gos_session_hosts_activity(s, activity) : NULL;
        if (act && *act)
            g_string_append_printf(t, "; %s", act);
        g_string_free(bad, TRUE);
        return g_string_free(t, FALSE);
    }
    for (size_t i = 0; i < nh; i++) {
        char *name = gos_host_short(gos_session_host_uri(s, i));
        const char *act = gos_session_host_activity(s, i, activity);
        if (compact && !act) {
            /* Up and idle: the compact line leaves it out. */
            g_free(name);
            continue;
        }
        if (t->len)
            g_string_append(t, ", ");
        if (!act)
            g_string_append(t, name);
        else
            /* TRANSLATORS: a host and what it does: "connecting 1.20 s", "reading 40/1000", "FAILED". */
            g_string_append_printf(t, _("%s %s"), name, act);
        g_free(name);
    }
    g_string_free(bad, TRUE);
    return g_string_free(t, FALSE);
}

/* "5,714 running, 1,428 paused, 2,858 shut off": the VMs per state. */
static char *totals_text(gos_session *s)
{
    size_t totals[GOS_VM_N_STATES];
    gos_session_state_totals(s, totals);
    GString *t = g_string_new(NULL);
    for (int st = 0; st < GOS_VM_N_STATES; st++) {
        if (totals[st] == 0)
            continue;
        char num[32];
        if (t->len)
            g_string_append(t, ", ");
        /* TRANSLATORS: a count of VMs in one state, e.g. "3 running"; %1$s the count, %2$s the state. */
        g_string_append_printf(t, _("%1$s %2$s"), gos_format_count(totals[st], num, sizeof num),
                               gos_vm_state_label(st));
    }
    if (!t->len)
        g_string_append(t, _("no VMs"));
    return g_string_free(t, FALSE);
}

/* Where the operator is: "1,204/10,000, 12 marked" in the VM list, or
 * "12/312 of 10,000" while a filter or a search hides VMs. */
static char *position_text(gos_session *s)
{
    GString *t = g_string_new(NULL);
    gos_view v = gos_session_view(s);
    if (v == GOS_VIEW_VMS || v == GOS_VIEW_DETAIL) {
        size_t shown = gos_session_view_count(s), total = gos_inventory_count(gos_session_inventory(s));
        char a[32], b[32], c[32];
        gos_format_count(shown ? gos_session_cursor(s) + 1 : 0, a, sizeof a);
        gos_format_count(shown, b, sizeof b);
        gos_format_count(total, c, sizeof c);
        if (shown == total)
            /* TRANSLATORS: the cursor's row and the VMs in the list, e.g. "1,204/10,000". */
            g_string_append_printf(t, _("%1$s/%2$s"), a, b);
        else
            /* TRANSLATORS: the cursor's row, the VMs shown and all the VMs, e.g. "12/312 of 10,000". */
            g_string_append_printf(t, _("%1$s/%2$s of %3$s"), a, b, c);
        g_string_append(t, ", ");
    }
    size_t marked = gos_session_marked_count(s);
    char m[32];
    gos_format_count(marked, m, sizeof m);
    g_string_append_printf(t, ngettext("%s marked", "%s marked", marked), m);
    return g_string_free(t, FALSE);
}

/* What hides VMs: "search: web | filter: state=running", "" when nothing does. */
static char *hiding_text(gos_session *s, const char *sep)
{
    GString *t = g_string_new(NULL);
    const char *search = gos_session_search_text(s), *filter = gos_session_filter_text(s);
    if (search && *search)
        /* TRANSLATORS: %s: the search text in force. */
        g_string_append_printf(t, _("search: %s"), search);
    if (filter && *filter) {
        if (t->len)
            g_string_append(t, sep);
        /* TRANSLATORS: %s: the filter in force, e.g. "state=running name=web*". */
        g_string_append_printf(t, _("filter: %s"), filter);
    }
    return g_string_free(t, FALSE);
}

typedef struct title {
    char *left, *hiding, *where, *view;
    int rows;
} title;

/* What follows the program's name and the badge: the hosts and the VMs per state. */
static char *left_text(gos_session *s, bool compact_hosts, bool activity, const char *sep)
{
    GString *t = g_string_new(NULL);
    char *hosts = hosts_text(s, compact_hosts, activity), *totals = totals_text(s);
    if (*hosts)
        g_string_append_printf(t, "%s%s", sep, hosts);
    g_string_append_printf(t, "%s%s", sep, totals);
    g_free(hosts);
    g_free(totals);
    return g_string_free(t, FALSE);
}

/* " guestos" and the badge. */
static int program_width(const char *badge)
{
    return gos_text_width(" guestos") + (badge ? gos_text_width(badge) + 3 : 0);
}

static int right_width(const title *t, const char *sep, bool view)
{
    int w = gos_text_width(t->where) + 1;
    if (*t->hiding)
        w += gos_text_width(t->hiding) + gos_text_width(sep);
    if (view)
        w += gos_text_width(t->view) + gos_text_width(sep);
    return w;
}

/* What the top line says and on how many rows: everything on one when it
 * fits (the view's name and the hosts that are up go first), else two, so
 * that the counts per state are never cut. */
static void title_build(title *t, gos_session *s, const char *badge, int width)
{
    const char *sep = gos_draw_separator();
    memset(t, 0, sizeof *t);
    t->hiding = hiding_text(s, sep);
    t->where = position_text(s);
    t->view = g_strdup(view_label(gos_session_view(s)));
    t->left = left_text(s, false, true, sep);
    t->rows = 1;
    int lw = program_width(badge) + gos_text_width(t->left);
    if (lw + 2 + right_width(t, sep, true) <= width)
        return;
    /* The hosts' last refresh times give way first. */
    g_free(t->left);
    t->left = left_text(s, false, false, sep);
    lw = program_width(badge) + gos_text_width(t->left);
    if (lw + 2 + right_width(t, sep, true) <= width)
        return;
    g_clear_pointer(&t->view, g_free);
    if (lw + 2 + right_width(t, sep, false) <= width)
        return;
    char *compact = left_text(s, true, false, sep);
    if (program_width(badge) + gos_text_width(compact) + 2 + right_width(t, sep, false) <= width) {
        g_free(t->left);
        t->left = compact;
        return;
    }
    g_free(compact);
    t->view = g_strdup(view_label(gos_session_view(s)));
    t->rows = 2;
}

static void title_clear(title *t)
{
    g_free(t->left);
    g_free(t->hiding);
    g_free(t->where);
    g_free(t->view);
}

int gos_frame_title_rows(gos_session *s, const char *badge, int width)
{
    title t;
    title_build(&t, s, badge, width);
    int rows = t.rows;
    title_clear(&t);
    return rows;
}

/* Draws the right part (what hides VMs, where the operator is, the view) on row y, ending at the edge. */
static void draw_right(WINDOW *w, int y, const title *t, int width, int from, attr_t a)
{
    const char *sep = gos_draw_separator();
    GString *r = g_string_new(NULL);
    if (*t->hiding)
        g_string_append_printf(r, "%s%s", t->hiding, sep);
    g_string_append(r, t->where);
    if (t->view)
        g_string_append_printf(r, "%s%s", sep, t->view);
    g_string_append_c(r, ' ');
    int rw = MIN(gos_text_width(r->str), width - from);
    bool hides = *t->hiding != '\0';
    if (rw > 0) {
        if (gos_text_width(r->str) <= rw)
            gos_draw_text_right(w, y, width - rw, rw, hides ? a | A_BOLD : a, r->str);
        else
            gos_draw_text_cut(w, y, width - rw, rw, hides ? a | A_BOLD : a, r->str);
    }
    g_string_free(r, TRUE);
}

int gos_frame_title(WINDOW *w, gos_session *s, const char *badge, gos_role badge_role)
{
    int width = getmaxx(w), rows = getmaxy(w);
    attr_t a = gos_draw_attr(GOS_ROLE_TITLE);
    title t;
    title_build(&t, s, badge, width);
    for (int y = 0; y < rows; y++)
        gos_draw_fill(w, y, 0, width, a);

    /* Left: the program, its hosts, and the VMs per state. The badge is
     * reversed out of the title bar, so that it shows without colour too. */
    int x = 0;
    put(w, &x, width, a | A_BOLD, " guestos");
    if (badge) {
        put(w, &x, width, a, " ");
        char *b = g_strdup_printf(" %s ", badge);
        put(w, &x, width, (gos_draw_attr(badge_role) | A_BOLD | A_REVERSE) & ~A_DIM, b);
        g_free(b);
    }
    const char *rest = t.left;
    int limit = width;
    if (rows < 2 || t.rows < 2) {
        /* One row: the right part first, so that the left gives way around it. */
        title one = t;
        draw_right(w, 0, &one, width, 0, a);
        const char *sep = gos_draw_separator();
        limit = width - right_width(&t, sep, t.view != NULL) - 1;
    }
    if (gos_text_width(rest) <= limit - x)
        put(w, &x, limit, a, rest);
    else if (limit - x > 0)
        gos_draw_text_cut(w, 0, x, limit - x, a, rest);
    if (rows >= 2 && t.rows >= 2)
        draw_right(w, 1, &t, width, 0, a);
    int need = t.rows;
    title_clear(&t);
    return need;
}

bool gos_frame_status_is_long(gos_session *s, int width)
{
    const char *text = gos_session_status(s);
    /* An error, or a sentence that says what the operator asked for (a VM's
     * whole name and UUID): worth the hint bar's row rather than an ellipsis. */
    return text && gos_session_status_is_wide(s) && gos_text_width(text) > width;
}

void gos_frame_status(WINDOW *w, WINDOW *more, gos_session *s)
{
    const char *text = gos_session_status(s);
    bool error = gos_session_status_is_error(s);
    attr_t a = gos_draw_attr(error ? GOS_ROLE_ERROR : GOS_ROLE_NORMAL);
    int width = getmaxx(w);
    if (!text)
        text = "";
    if (more && gos_frame_status_is_long(s, width)) {
        /* A sentence too long for its row goes on in the hint bar's, broken
         * between words, until the next sentence. */
        size_t cut = gos_text_wrap_at(text, width);
        char *first = g_strndup(text, cut);
        const char *rest = text + cut;
        while (*rest == ' ')
            rest++;
        gos_draw_text(w, 0, 0, width, a, first, true);
        gos_draw_text_words(more, 0, 0, getmaxx(more), a, rest);
        g_free(first);
        return;
    }
    /* Cut after a whole word, with an ellipsis. */
    gos_draw_text_words(w, 0, 0, width, a, text);
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
