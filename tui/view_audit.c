/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The audit view: recorded tasks newest first, read one screen at a time by keyset paging. */
#include <config.h>

#include <glib.h>
#include <string.h>

#include "core/hresult.h"
#include "core/i18n.h"
#include "core/task.h"
#include "db/audit.h"
#include "tui/view.h"

/* Lines under the list that describe the task under the cursor. */
#define DETAIL_LINES 8

typedef struct row {
    int64_t key;
    char *task_id, *host, *vm_name, *vm_uuid, *action, *op_user, *op_tty, *op_ssh, *origin;
    char *phase, *message, *users_before, *users_after;
    int64_t op_uid, submitted_at, ended_at;
    int percent, task_result, virt_code;
    bool has_call_hr, has_task_error;
    uint32_t call_hr, task_error;
} row;

struct gos_audit_pager {
    GArray *rows;        /* row: the page on screen, at most page + 1 while loading */
    GArray *earlier;     /* int64_t: the after-keys of the pages before this one */
    int64_t after;       /* this page starts after this key; 0 = the newest */
    bool more;           /* a page follows this one */
    bool stale;          /* read the page again before drawing it */
    size_t cursor;
    int page;            /* rows per page, from the last draw */
    char *error;         /* why the store could not be read, or NULL */
};

static void row_clear(gpointer p)
{
    row *r = p;
    g_free(r->task_id);
    g_free(r->host);
    g_free(r->vm_name);
    g_free(r->vm_uuid);
    g_free(r->action);
    g_free(r->op_user);
    g_free(r->op_tty);
    g_free(r->op_ssh);
    g_free(r->origin);
    g_free(r->phase);
    g_free(r->message);
    g_free(r->users_before);
    g_free(r->users_after);
}

gos_audit_pager *gos_audit_pager_new(void)
{
    gos_audit_pager *p = g_new0(gos_audit_pager, 1);
    p->rows = g_array_new(FALSE, TRUE, sizeof(row));
    g_array_set_clear_func(p->rows, row_clear);
    p->earlier = g_array_new(FALSE, FALSE, sizeof(int64_t));
    p->page = 10;
    p->stale = true;
    return p;
}

void gos_audit_pager_free(gos_audit_pager *p)
{
    if (!p)
        return;
    g_array_free(p->rows, TRUE);
    g_array_free(p->earlier, TRUE);
    g_free(p->error);
    g_free(p);
}

void gos_audit_pager_reload(gos_audit_pager *p)
{
    p->stale = true;
}

static int collect(const gos_audit_task *t, void *opaque)
{
    GArray *rows = opaque;
    row r = {
        .key = t->key,
        .task_id = g_strdup(t->task_id),
        .host = g_strdup(t->host),
        .vm_name = g_strdup(t->vm_name),
        .vm_uuid = g_strdup(t->vm_uuid),
        .action = g_strdup(t->action),
        .op_user = g_strdup(t->op_user),
        .op_tty = g_strdup(t->op_tty),
        .op_ssh = g_strdup(t->op_ssh),
        .origin = g_strdup(t->origin),
        .phase = g_strdup(t->phase),
        .message = g_strdup(t->message),
        .users_before = g_strdup(t->users_before),
        .users_after = g_strdup(t->users_after),
        .op_uid = t->op_uid,
        .submitted_at = t->submitted_at,
        .ended_at = t->ended_at,
        .percent = t->percent,
        .task_result = t->task_result,
        .virt_code = t->virt_code,
        .has_call_hr = t->has_call_hr,
        .has_task_error = t->has_task_error,
        .call_hr = t->call_hr,
        .task_error = t->task_error,
    };
    g_array_append_val(rows, r);
    return 0;
}

/* Reads the page that starts after p->after: one row more than fits tells
 * whether another page follows. Only this page is ever in memory. */
static void load(gos_session *s, gos_audit_pager *p)
{
    p->stale = false;
    g_array_set_size(p->rows, 0);
    g_clear_pointer(&p->error, g_free);
    gos_audit *audit = gos_session_audit(s);
    if (!audit) {
        p->error = g_strdup(_("No audit store is open."));
        p->more = false;
        return;
    }
    char *err = NULL;
    size_t page = p->page > 0 ? (size_t)p->page : 1;
    if (gos_audit_query(audit, NULL, p->after, page + 1, collect, p->rows, &err) < 0) {
        p->error = err ? err : g_strdup(_("The audit store could not be read."));
        p->more = false;
        return;
    }
    p->more = p->rows->len > page;
    if (p->more)
        g_array_set_size(p->rows, (guint)page);
    if (p->rows->len == 0 && p->earlier->len > 0) {
        /* The page emptied under us (cannot happen append-only, but stay sane). */
        p->after = g_array_index(p->earlier, int64_t, p->earlier->len - 1);
        g_array_set_size(p->earlier, p->earlier->len - 1);
        load(s, p);
        return;
    }
    if (p->cursor >= p->rows->len)
        p->cursor = p->rows->len ? p->rows->len - 1 : 0;
}

static int64_t last_key(gos_audit_pager *p)
{
    return g_array_index(p->rows, row, p->rows->len - 1).key;
}

static bool next_page(gos_session *s, gos_audit_pager *p)
{
    if (!p->more || p->rows->len == 0)
        return false;
    g_array_append_val(p->earlier, p->after);
    p->after = last_key(p);
    load(s, p);
    return true;
}

static bool prev_page(gos_session *s, gos_audit_pager *p)
{
    if (p->earlier->len == 0)
        return false;
    p->after = g_array_index(p->earlier, int64_t, p->earlier->len - 1);
    g_array_set_size(p->earlier, p->earlier->len - 1);
    load(s, p);
    return true;
}

void gos_view_audit_scroll(gos_session *s, gos_audit_pager *p, gos_scroll how)
{
    if (p->stale)
        load(s, p);
    size_t n = p->rows->len;
    switch (how) {
    case GOS_SCROLL_UP:
        if (p->cursor > 0)
            p->cursor--;
        else if (prev_page(s, p))
            p->cursor = p->rows->len ? p->rows->len - 1 : 0;
        break;
    case GOS_SCROLL_DOWN:
        if (p->cursor + 1 < n)
            p->cursor++;
        else if (next_page(s, p))
            p->cursor = 0;
        break;
    case GOS_SCROLL_PAGE_UP:
        if (!prev_page(s, p))
            p->cursor = 0;
        break;
    case GOS_SCROLL_PAGE_DOWN:
        if (!next_page(s, p))
            p->cursor = n ? n - 1 : 0;
        else if (p->cursor >= p->rows->len)
            p->cursor = p->rows->len ? p->rows->len - 1 : 0;
        break;
    case GOS_SCROLL_HOME:
        g_array_set_size(p->earlier, 0);
        p->after = 0;
        p->cursor = 0;
        load(s, p);
        break;
    case GOS_SCROLL_END:
        /* Walks page by page: only the keys of earlier pages are kept. */
        while (next_page(s, p))
            ;
        p->cursor = p->rows->len ? p->rows->len - 1 : 0;
        break;
    }
}

static const char *result_text(const row *r)
{
    if (r->task_result == GOS_AUDIT_RESULT_NONE)
        return r->ended_at ? "-" : _("running");
    const char *name = gos_task_result_name(r->task_result);
    return name ? name : "?";
}

static void draw_detail(WINDOW *w, int y, const row *r)
{
    int width = getmaxx(w);
    attr_t dim = gos_draw_attr(GOS_ROLE_DIM);
    gos_draw_hline(w, y, 0, width, dim);
    for (int i = 1; i < DETAIL_LINES; i++)
        gos_draw_fill(w, y + i, 0, width, A_NORMAL);
    if (!r)
        return;

    char started[64], ended[64], hr[GOS_HR_FORMAT_LEN];
    gos_format_time(r->submitted_at, started, sizeof started);
    gos_format_time(r->ended_at, ended, sizeof ended);
    const char *result = result_text(r);
    /* TRANSLATORS: audit detail: the task id and where it came from ("interactive", "batch:FILE"). */
    char *l1 = g_strdup_printf(_("Task %s, %s"), r->task_id ? r->task_id : "?", r->origin ? r->origin : "-");
    /* TRANSLATORS: audit detail: operator name, uid, terminal, SSH client address (or "local"). */
    char *l2 = g_strdup_printf(_("Operator %s (uid %lld) on %s from %s"), r->op_user ? r->op_user : "?",
                               (long long)r->op_uid, r->op_tty ? r->op_tty : "-",
                               r->op_ssh ? r->op_ssh : _("local"));
    /* TRANSLATORS: audit detail: when the task was submitted and when it ended; the task result. */
    char *l3 = g_strdup_printf(_("Submitted %s, ended %s: %s"), started, ended, result);
    /* TRANSLATORS: audit detail: the HRESULT the call returned. */
    char *l4 = g_strdup_printf(_("Call  %s"), r->has_call_hr ? gos_hr_format(r->call_hr, hr, sizeof hr) : "-");
    /* TRANSLATORS: audit detail: the task's Error and the libvirt error code. */
    char *l5 = g_strdup_printf(_("Error %s (libvirt code %d)"),
                               r->has_task_error ? gos_hr_format(r->task_error, hr, sizeof hr) : "-", r->virt_code);
    /* TRANSLATORS: audit detail: logged-on users before and after the task. */
    char *l7 = g_strdup_printf(_("Users before: %s; after: %s"), r->users_before ? r->users_before : "-",
                               r->users_after ? r->users_after : "-");
    const char *lines[] = { l1, l2, l3, l4, l5, r->message ? r->message : "", l7 };
    for (size_t i = 0; i < G_N_ELEMENTS(lines) && (int)i + 1 < DETAIL_LINES; i++)
        gos_draw_text(w, y + 1 + (int)i, 1, width - 1, A_NORMAL, lines[i], false);
    g_free(l1);
    g_free(l2);
    g_free(l3);
    g_free(l4);
    g_free(l5);
    g_free(l7);
}

void gos_view_audit_draw(WINDOW *w, gos_session *s, gos_audit_pager *p)
{
    int width = getmaxx(w), height = getmaxy(w);
    int page = height - 1 - DETAIL_LINES;
    if (page < 1)
        page = 1;
    if (page != p->page) {
        p->page = page;
        p->stale = true;
    }
    if (p->stale)
        load(s, p);

    bool wide = width >= 100;
    int w_time = wide ? 19 : 14, w_vm = wide ? 20 : 12, w_action = 7, w_result = 15;
    int x_vm = w_time + 1, x_action = x_vm + w_vm + 1, x_result = x_action + w_action + 1;
    int x_error = x_result + w_result + 1;

    attr_t h = gos_draw_attr(GOS_ROLE_HEADER);
    gos_draw_fill(w, 0, 0, width, h);
    /* TRANSLATORS: column headers of the audit view; the columns are narrow. */
    gos_draw_text(w, 0, 0, w_time, h, _("Submitted"), false);
    gos_draw_text(w, 0, x_vm, w_vm, h, _("VM"), false);
    gos_draw_text(w, 0, x_action, w_action, h, _("Action"), false);
    gos_draw_text(w, 0, x_result, w_result, h, _("Result"), false);
    gos_draw_text(w, 0, x_error, width - x_error, h, _("Error"), false);
    if (p->earlier->len > 0 || p->more) {
        /* TRANSLATORS: audit view page number at the right of the header. */
        char *pg = g_strdup_printf(_("page %u%s"), p->earlier->len + 1, p->more ? "+" : "");
        gos_draw_text_right(w, 0, width - 12, 12, h, pg);
        g_free(pg);
    }

    for (int r = 0; r < page; r++) {
        int y = 1 + r;
        gos_draw_fill(w, y, 0, width, A_NORMAL);
        if ((guint)r >= p->rows->len)
            continue;
        const row *e = &g_array_index(p->rows, row, r);
        bool sel = (size_t)r == p->cursor;
        attr_t base = sel ? gos_draw_attr(GOS_ROLE_SELECTED) : A_NORMAL;
        if (sel)
            gos_draw_fill(w, y, 0, width, base);
        char when[64];
        if (wide)
            gos_format_time(e->submitted_at, when, sizeof when);
        else {
            gos_format_time(e->submitted_at, when, sizeof when);
            if (strlen(when) > 5)
                memmove(when, when + 5, strlen(when + 5) + 1);   /* drop the year */
        }
        gos_draw_text(w, y, 0, w_time, base, when, false);
        gos_draw_text(w, y, x_vm, w_vm, base | A_BOLD, e->vm_name ? e->vm_name : e->vm_uuid, false);
        gos_draw_text(w, y, x_action, w_action, base, e->action, false);
        bool failed = e->task_result != GOS_RESULT_SUCCESS && e->task_result != GOS_AUDIT_RESULT_NONE;
        gos_draw_text(w, y, x_result, w_result, sel ? base : gos_draw_attr(failed ? GOS_ROLE_ERROR : GOS_ROLE_OK),
                      result_text(e), false);
        char hr[GOS_HR_FORMAT_LEN];
        const char *err = e->has_task_error ? gos_hr_format(e->task_error, hr, sizeof hr)
                          : e->has_call_hr ? gos_hr_format(e->call_hr, hr, sizeof hr) : "-";
        gos_draw_text(w, y, x_error, width - x_error, base, err, false);
    }
    if (p->error)
        gos_draw_text(w, 2, 2, width - 4, gos_draw_attr(GOS_ROLE_ERROR), p->error, false);
    else if (p->rows->len == 0)
        gos_draw_text(w, 2, 2, width - 4, gos_draw_attr(GOS_ROLE_DIM), _("The audit log has no tasks yet."), false);

    const row *cur = p->cursor < p->rows->len ? &g_array_index(p->rows, row, p->cursor) : NULL;
    draw_detail(w, 1 + page, cur);
}
