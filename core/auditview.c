/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The audit view's page, kept by the session: read in the pump and the actions, never while drawing. */
#include <config.h>

#include <glib.h>

#include "core/session_impl.h"

/* On the pager's worker thread: the bus carries the wakeup to the UI thread. */
static void pager_wake(void *data)
{
    gos_session *s = data;
    gos_bus_post(s->bus, gos_msg_new(GOS_MSG_AUDIT));
}

static void give_filter(gos_session *s)
{
    const char *const *words = gos_session_audit_filter(s, NULL);
    /* The words were checked by the action that set them; a refusal shows on the page. */
    gos_pager_set_filter(s->pager, (int)g_strv_length((char **)words), (char *const *)words, NULL);
}

/* Entering the audit view starts from its newest page, with the filter in force. */
void gos_session_audit_enter(gos_session *s)
{
    gos_pager_free(s->pager);
    s->pager = gos_pager_new(s->audit, pager_wake, s);
    if (s->audit_rows > 0)
        gos_pager_set_page_rows(s->pager, s->audit_rows);
    give_filter(s);
    s->pager_stale = false;
}

gos_pager *gos_session_audit_pager(gos_session *s) { return s->pager; }

void gos_session_set_audit_rows(gos_session *s, int rows)
{
    s->audit_rows = rows;
    if (s->pager && rows > 0)
        gos_pager_set_page_rows(s->pager, rows);
}

void gos_session_audit_filter_changed(gos_session *s)
{
    if (s->pager)
        give_filter(s);
}

void gos_session_audit_stale(gos_session *s)
{
    if (s->pager && s->view_mode == GOS_VIEW_AUDIT)
        s->pager_stale = true;
}

unsigned gos_session_audit_collect(gos_session *s)
{
    return s->pager && gos_pager_collect(s->pager) ? GOS_DIRTY_AUDIT | GOS_DIRTY_MAIN : 0;
}

unsigned gos_session_audit_sync(gos_session *s)
{
    if (!s->pager || s->view_mode != GOS_VIEW_AUDIT)
        return 0;
    if (s->pager_stale) {
        gos_pager_reload(s->pager);
        s->pager_stale = false;
    }
    return gos_pager_sync(s->pager) ? GOS_DIRTY_AUDIT | GOS_DIRTY_MAIN : 0;
}

unsigned gos_session_sync(gos_session *s) { return gos_session_audit_sync(s); }

void gos_session_audit_scroll(gos_session *s, gos_scroll how)
{
    if (!s->pager)
        return;
    if (gos_pager_detail(s->pager) && (how == GOS_SCROLL_PAGE_UP || how == GOS_SCROLL_PAGE_DOWN)) {
        /* In the detail, the page keys scroll its text. */
        gos_pager_detail_scroll(s->pager, how == GOS_SCROLL_PAGE_UP ? -10 : 10);
        return;
    }
    G_STATIC_ASSERT((int)GOS_SCROLL_UP == (int)GOS_PAGER_UP && (int)GOS_SCROLL_DOWN == (int)GOS_PAGER_DOWN &&
                    (int)GOS_SCROLL_PAGE_UP == (int)GOS_PAGER_PAGE_UP &&
                    (int)GOS_SCROLL_PAGE_DOWN == (int)GOS_PAGER_PAGE_DOWN &&
                    (int)GOS_SCROLL_HOME == (int)GOS_PAGER_HOME && (int)GOS_SCROLL_END == (int)GOS_PAGER_END);
    gos_pager_move(s->pager, (gos_pager_move_kind)how);
}

bool gos_session_audit_detail(gos_session *s, gos_detail_op op)
{
    if (!s->pager)
        return false;
    bool open = gos_pager_detail(s->pager);
    bool want = op == GOS_DETAIL_TOGGLE ? !open : false;
    gos_pager_set_detail(s->pager, want);
    return want != open;
}
