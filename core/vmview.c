/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The VM view: every VM sorted, the part the filter shows, the cursor and the marks, kept so that a key costs what the screen shows. */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "base/i18n.h"
#include "core/session_impl.h"

static int cmp3(int64_t x, int64_t y) { return (x > y) - (x < y); }

/* Names as people order them: by their sort keys (gos_vm_sort_key, made
 * once per listing on the listing's worker), equal keys by the bytes. */
static int key_cmp(const char *xk, const char *x, const char *yk, const char *y)
{
    int c = strcmp(xk ? xk : "", yk ? yk : "");
    return c ? c : g_strcmp0(x, y);
}

void gos_view_rows_clear(GArray *rows)
{
    g_array_set_size(rows, 0);
}

/* The sort key's own comparison, before names break ties. */
static int sort_primary(const gos_session *s, const gos_vm *x, const gos_vm *y)
{
    int c = 0;
    switch (s->sort) {
    case GOS_SORT_HOST: c = strcmp(x->host, y->host); break;
    case GOS_SORT_STATE: c = (int)x->state - (int)y->state; break;
    case GOS_SORT_AGENT: c = (int)x->heartbeat - (int)y->heartbeat; break;
    case GOS_SORT_USERS:
        /* unknown ("-") before none ("0") before some */
        c = cmp3(x->users_known ? (int64_t)x->n_users : -1, y->users_known ? (int64_t)y->n_users : -1);
        break;
    case GOS_SORT_OS:
        /* guests whose OS is known first, grouped by it */
        c = (x->os_name == NULL) - (y->os_name == NULL);
        if (!c && x->os_name)
            c = key_cmp(x->os_key, x->os_name, y->os_key, y->os_name);
        break;
    case GOS_SORT_PING:
        /* fastest agents first, unknown round trips last */
        c = cmp3(x->ping_us < 0 ? INT64_MAX : x->ping_us, y->ping_us < 0 ? INT64_MAX : y->ping_us);
        break;
    case GOS_SORT_VERSION:
        /* known versions first, 8.2.10 after 8.2.9 */
        c = (x->agent_version == NULL) - (y->agent_version == NULL);
        if (!c && x->agent_version)
            c = strverscmp(x->agent_version, y->agent_version);
        break;
    case GOS_SORT_LOGIN:
        /* the longest logged on first, VMs without a known login time last */
        c = cmp3(gos_vm_oldest_login(x) ?: INT64_MAX, gos_vm_oldest_login(y) ?: INT64_MAX);
        break;
    default: break;
    }
    return c;
}

int64_t gos_vm_oldest_login(const gos_vm *vm)
{
    int64_t oldest = 0;
    for (size_t i = 0; i < vm->n_users; i++)
        if (vm->users[i].login_ms > 0 && (!oldest || vm->users[i].login_ms < oldest))
            oldest = vm->users[i].login_ms;
    return oldest;
}

/* A total order (the rank in name order breaks every tie: names, then host
 * and UUID), so that reversing a sorted array is the same as sorting it the
 * other way. */
static int vm_order(const gos_session *s, const gos_vm *x, const gos_vm *y)
{
    int c = sort_primary(s, x, y);
    if (!c)
        c = (x->name_rank > y->name_rank) - (x->name_rank < y->name_rank);
    return s->desc ? -c : c;
}

/* Name order over sort_rows (name key, name, host, UUID): a total order. */
static gint row_name_cmp(gconstpointer a, gconstpointer b)
{
    const sort_row *x = a, *y = b;
    int c = key_cmp(x->key, x->vm->name, y->key, y->vm->name);
    if (!c)
        c = strcmp(x->vm->host, y->vm->host);
    if (!c)
        c = strcmp(x->vm->uuid, y->vm->uuid);
    return c;
}

/* vm_order over sort_rows. Its ties break on the rank in name order, made
 * once per listing (an integer compare instead of the collation keys' strcmp
 * on every comparison). */
static gint row_cmp(gconstpointer a, gconstpointer b, gpointer data)
{
    const sort_row *x = a, *y = b;
    return vm_order(data, x->vm, y->vm);
}

static void sorted_from_rows(gos_session *s)
{
    g_ptr_array_set_size(s->sorted, s->rows->len);
    for (guint i = 0; i < s->rows->len; i++)
        s->sorted->pdata[i] = (gpointer)g_array_index(s->rows, sort_row, i).vm;
}

/* Sorts every VM again: the rows (in any order) by row_cmp, into sorted. */
static void sort_all(gos_session *s)
{
    g_array_sort_with_data(s->rows, row_cmp, s);
    sorted_from_rows(s);
}

/* New rows (a listing): their ranks in name order, then the view's order. */
static void rank_and_sort(gos_session *s)
{
    g_array_sort(s->rows, row_name_cmp);
    for (guint i = 0; i < s->rows->len; i++)
        ((gos_vm *)g_array_index(s->rows, sort_row, i).vm)->name_rank = i;
    if (s->sort == GOS_SORT_NAME && !s->desc)
        sorted_from_rows(s);   /* already in that order */
    else
        sort_all(s);
}

static bool sort_uses_agent(const gos_session *s) { return gos_sort_uses_agent(s->sort); }

bool gos_sort_uses_agent(gos_sort key)
{
    return key == GOS_SORT_AGENT || key == GOS_SORT_USERS || key == GOS_SORT_OS || key == GOS_SORT_PING ||
           key == GOS_SORT_VERSION || key == GOS_SORT_LOGIN;
}

bool gos_session_filter_uses_agent(const gos_session *s) { return s->f_agent >= 0 || s->f_users >= 0; }

static void reverse(GPtrArray *a)
{
    for (guint i = 0, j = a->len; i + 1 < j; i++, j--) {
        gpointer t = a->pdata[i];
        a->pdata[i] = a->pdata[j - 1];
        a->pdata[j - 1] = t;
    }
}

/* Index of vm in a by pointer, or -1. */
static long index_of(GPtrArray *a, const gos_vm *vm)
{
    for (guint i = 0; i < a->len; i++)
        if (a->pdata[i] == vm)
            return (long)i;
    return -1;
}

/* Puts the cursor back on its VM after the view changed; when that VM is
 * not shown, the cursor keeps its row (clamped) and finds the VM again
 * once a later view shows it. */
static void cursor_follow(gos_session *s)
{
    long at = -1;
    if (s->cursor_vm) {
        at = index_of(s->view, s->cursor_vm);
    } else if (s->cursor_ref) {
        for (guint i = 0; i < s->view->len && at < 0; i++) {
            const gos_vm *vm = g_ptr_array_index(s->view, i);
            if (!strcmp(vm->uuid, s->cursor_ref->uuid) && !strcmp(vm->host, s->cursor_ref->host)) {
                at = (long)i;
                s->cursor_vm = vm;
            }
        }
    }
    if (at >= 0)
        s->cursor = (size_t)at;
    else
        s->cursor = MIN(s->cursor, s->view->len ? s->view->len - 1 : 0);
}

bool gos_session_view_in_sync(gos_session *s)
{
    return s->layout_gen == gos_inventory_layout_generation(s->inv) &&
           s->view_gen == gos_inventory_generation(s->inv) && s->sort_todo == SORT_NONE && !s->view_stale &&
           !s->view_refine;
}

void gos_session_view_update(gos_session *s)
{
    if (gos_session_view_in_sync(s))
        return;
    uint64_t gen = gos_inventory_generation(s->inv), layout = gos_inventory_layout_generation(s->inv);
    bool agent_changed = gen != s->view_gen;
    if (layout != s->layout_gen) {
        /* A listing replaced VMs: the old pointers are gone. */
        size_t n = gos_inventory_count(s->inv);
        gos_view_rows_clear(s->rows);
        for (size_t i = 0; i < n; i++) {
            const gos_vm *vm = gos_inventory_at(s->inv, i);
            sort_row r = { vm, vm->name_key };
            g_array_append_val(s->rows, r);
        }
        rank_and_sort(s);
        s->layout_gen = layout;
        s->cursor_vm = NULL;
        s->view_stale = true;
    } else if (s->sort_todo == SORT_FULL || (agent_changed && sort_uses_agent(s))) {
        sort_all(s);
        s->view_stale = true;
    } else if (s->sort_todo == SORT_REVERSE) {
        /* The view is a subsequence of sorted: it turns round with it. */
        reverse(s->sorted);
        reverse(s->view);
    }
    s->sort_todo = SORT_NONE;
    if (agent_changed && gos_session_filter_uses_agent(s))
        s->view_stale = true;

    if (s->view_stale) {
        g_ptr_array_set_size(s->view, 0);
        for (guint i = 0; i < s->sorted->len; i++) {
            const gos_vm *vm = g_ptr_array_index(s->sorted, i);
            if (gos_session_vm_matches(s, vm))
                g_ptr_array_add(s->view, (gpointer)vm);
        }
    } else if (s->view_refine) {
        /* The search grew: what matches now is a part of what matched. */
        guint keep = 0;
        for (guint i = 0; i < s->view->len; i++)
            if (gos_session_vm_matches(s, g_ptr_array_index(s->view, i)))
                s->view->pdata[keep++] = s->view->pdata[i];
        g_ptr_array_set_size(s->view, keep);
    }
    s->view_stale = s->view_refine = false;
    s->view_gen = gen;
    cursor_follow(s);
}

/* Moves vm within a (sorted by vm_order) to where it belongs now, or takes it
 * out when !keep: a binary search and one memmove instead of a sort. */
static void reposition(gos_session *s, GPtrArray *a, const gos_vm *vm, bool keep)
{
    long at = index_of(a, vm);
    if (at >= 0)
        g_ptr_array_remove_index(a, (guint)at);
    if (!keep)
        return;
    guint lo = 0, hi = a->len;
    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;
        if (vm_order(s, g_ptr_array_index(a, mid), vm) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    g_ptr_array_insert(a, (gint)lo, (gpointer)vm);
}

/* One VM's agent fields changed, and the view was current before: only the
 * sort and the filters that read agent fields can move it. */
void gos_session_view_follow_agent(gos_session *s, const gos_vm *vm)
{
    if (vm && (sort_uses_agent(s) || gos_session_filter_uses_agent(s))) {
        if (sort_uses_agent(s))
            reposition(s, s->sorted, vm, true);
        reposition(s, s->view, vm, gos_session_vm_matches(s, vm));
        cursor_follow(s);
    }
    s->view_gen = gos_inventory_generation(s->inv);
}

static void remember_cursor(gos_session *s)
{
    const gos_vm *vm = s->cursor < s->view->len ? g_ptr_array_index(s->view, s->cursor) : NULL;
    if (vm == s->cursor_vm && (vm || !s->cursor_ref))
        return;
    s->cursor_vm = vm;
    g_free(s->cursor_ref);
    s->cursor_ref = vm ? gos_vm_ref_new(vm->host, vm->uuid) : NULL;
}

size_t gos_session_view_count(gos_session *s)
{
    gos_session_view_update(s);
    return s->view->len;
}

const gos_vm *gos_session_view_at(gos_session *s, size_t i)
{
    gos_session_view_update(s);
    return i < s->view->len ? g_ptr_array_index(s->view, i) : NULL;
}

size_t gos_session_cursor(gos_session *s)
{
    gos_session_view_update(s);
    return s->cursor;
}

void gos_session_set_page_rows(gos_session *s, int rows) { s->page_rows = MAX(rows, 1); }

bool gos_session_is_marked(gos_session *s, const gos_vm *vm) { return gos_ref_set_has(s->marks, vm); }

size_t gos_session_marked_count(gos_session *s) { return g_hash_table_size(s->marks); }

const gos_vm **gos_session_targets(gos_session *s, bool use_cursor, size_t *n)
{
    gos_session_view_update(s);
    GPtrArray *out = g_ptr_array_new();
    if (g_hash_table_size(s->marks)) {
        size_t total = gos_inventory_count(s->inv);
        for (size_t i = 0; i < total; i++) {
            const gos_vm *vm = gos_inventory_at(s->inv, i);
            if (gos_ref_set_has(s->marks, vm))
                g_ptr_array_add(out, (gpointer)vm);
        }
    } else if (use_cursor && s->cursor < s->view->len) {
        g_ptr_array_add(out, g_ptr_array_index(s->view, s->cursor));
    }
    *n = out->len;
    return (const gos_vm **)g_ptr_array_free(out, FALSE);
}

const char *gos_session_filter_text(gos_session *s) { return s->filter_text; }
const char *gos_session_search_text(gos_session *s) { return s->search ? s->search : ""; }

gos_sort gos_session_sort(gos_session *s, bool *descending)
{
    if (descending)
        *descending = s->desc;
    return s->sort;
}

void gos_session_state_totals(gos_session *s, size_t totals[GOS_VM_N_STATES])
{
    /* States change only with a listing: count once per layout, not per draw. */
    uint64_t layout = gos_inventory_layout_generation(s->inv);
    if (s->totals_gen != layout + 1) {
        memset(s->totals, 0, sizeof s->totals);
        size_t n = gos_inventory_count(s->inv);
        for (size_t i = 0; i < n; i++) {
            const gos_vm *vm = gos_inventory_at(s->inv, i);
            if ((unsigned)vm->state < GOS_VM_N_STATES)
                s->totals[vm->state]++;
        }
        s->totals_gen = layout + 1;
    }
    memcpy(totals, s->totals, sizeof s->totals);
}


/* --- mutators ------------------------------------------------------------------ */

void gos_session_cursor_to(gos_session *s, size_t index)
{
    gos_session_view_update(s);
    size_t n = s->view->len;
    s->cursor = n == 0 ? 0 : MIN(index, n - 1);
    remember_cursor(s);
}

void gos_session_move_cursor(gos_session *s, long delta)
{
    gos_session_view_update(s);
    long c = (long)s->cursor + delta;
    gos_session_cursor_to(s, c < 0 ? 0 : (size_t)c);
}

void gos_session_page(gos_session *s, int pages) { gos_session_move_cursor(s, (long)pages * s->page_rows); }

void gos_session_toggle_mark(gos_session *s)
{
    gos_session_view_update(s);
    if (s->cursor >= s->view->len)
        return;
    const gos_vm *vm = g_ptr_array_index(s->view, s->cursor);
    if (!gos_ref_set_add(s->marks, vm))
        gos_ref_set_remove(s->marks, vm);
}

void gos_session_mark_all(gos_session *s, bool on)
{
    gos_session_view_update(s);
    if (!on) {
        g_hash_table_remove_all(s->marks);
        return;
    }
    for (guint i = 0; i < s->view->len; i++)
        gos_ref_set_add(s->marks, g_ptr_array_index(s->view, i));
}

size_t gos_session_select(gos_session *s, const char *glob)
{
    size_t hits = 0, n = gos_inventory_count(s->inv);
    GPatternSpec *pat = g_pattern_spec_new(glob);
    for (size_t i = 0; i < n; i++) {
        const gos_vm *vm = gos_inventory_at(s->inv, i);
        if (g_pattern_spec_match_string(pat, vm->name ? vm->name : "") || !g_ascii_strcasecmp(glob, vm->uuid)) {
            gos_ref_set_add(s->marks, vm);
            hits++;
        }
    }
    g_pattern_spec_free(pat);
    return hits;
}

static const char *const sort_names[GOS_SORT_ALL] = { "name", "host", "state", "agent", "users", "os", "ping",
                                                      "version", "login" };

int gos_sort_parse(const char *name)
{
    for (int i = 0; i < GOS_SORT_ALL; i++)
        if (!g_ascii_strcasecmp(name, sort_names[i]))
            return i;
    return -1;
}

const char *gos_sort_name(gos_sort key) { return (unsigned)key < GOS_SORT_ALL ? sort_names[key] : sort_names[0]; }

void gos_session_set_sort(gos_session *s, gos_sort key, bool descending)
{
    if ((unsigned)key >= GOS_SORT_ALL)
        return;
    if (s->sort == key) {
        /* The order is total: the other direction is the same array reversed. */
        if (s->desc != descending && s->sort_todo != SORT_FULL)
            s->sort_todo = s->sort_todo == SORT_REVERSE ? SORT_NONE : SORT_REVERSE;
    } else {
        s->sort = key;
        s->sort_todo = SORT_FULL;
    }
    s->desc = descending;
}


gos_sort gos_column_sort(gos_column col)
{
    static const gos_sort of[GOS_COL_N] = {
        [GOS_COL_NAME] = GOS_SORT_NAME, [GOS_COL_HOST] = GOS_SORT_HOST, [GOS_COL_STATE] = GOS_SORT_STATE,
        [GOS_COL_AGENT] = GOS_SORT_AGENT, [GOS_COL_PING] = GOS_SORT_PING, [GOS_COL_USERS] = GOS_SORT_USERS,
        [GOS_COL_OS] = GOS_SORT_OS, [GOS_COL_VERSION] = GOS_SORT_VERSION, [GOS_COL_LOGIN] = GOS_SORT_LOGIN,
    };
    return (unsigned)col < GOS_COL_N ? of[col] : GOS_SORT_NAME;
}

/* --- the columns ---------------------------------------------------------------- */

const gos_column_spec *gos_session_columns(gos_session *s, size_t *n)
{
    *n = s->columns->len;
    return (const gos_column_spec *)(void *)s->columns->data;
}

void gos_session_set_columns(gos_session *s, const gos_column_spec *cols, size_t n)
{
    g_array_set_size(s->columns, 0);
    if (n)
        g_array_append_vals(s->columns, cols, (guint)n);
    else
        g_array_append_vals(s->columns, s->default_columns->data, s->default_columns->len);
}

void gos_session_set_default_columns(gos_session *s, const gos_column_spec *cols, size_t n)
{
    g_array_set_size(s->default_columns, 0);
    if (n)
        g_array_append_vals(s->default_columns, cols, (guint)n);
    else
        g_array_append_vals(s->default_columns, gos_columns_default, (guint)gos_columns_default_n);
    gos_session_set_columns(s, NULL, 0);
}

const gos_column_spec *gos_session_default_columns(gos_session *s, size_t *n)
{
    *n = s->default_columns->len;
    return (const gos_column_spec *)(void *)s->default_columns->data;
}

bool gos_session_has_column(gos_session *s, gos_column col)
{
    for (guint i = 0; i < s->columns->len; i++)
        if (g_array_index(s->columns, gos_column_spec, i).col == col)
            return true;
    return false;
}

bool gos_session_cursor_visible(gos_session *s)
{
    return s->view_mode == GOS_VIEW_VMS || s->view_mode == GOS_VIEW_DETAIL;
}

int gos_session_task_panel(gos_session *s) { return s->task_panel; }
void gos_session_set_task_panel(gos_session *s, int entries) { s->task_panel = entries < 0 ? -1 : MIN(entries, 99); }
void gos_session_set_task_panel_shown(gos_session *s, int entries) { s->task_panel_shown = MAX(entries, 0); }
int gos_session_task_panel_shown(gos_session *s) { return s->task_panel_shown; }
