/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Where each view stands, and the cursor and page moves every view applies to itself. */
#include <config.h>

#include "core/session_impl.h"

static void page_scroll(gos_page_pos *pos, gos_scroll how)
{
    int page = pos->rows > 1 ? pos->rows - 1 : 1;
    int max_top = pos->lines > pos->rows ? pos->lines - pos->rows : 0;
    switch (how) {
    case GOS_SCROLL_UP: pos->top--; break;
    case GOS_SCROLL_DOWN: pos->top++; break;
    case GOS_SCROLL_PAGE_UP: pos->top -= page; break;
    case GOS_SCROLL_PAGE_DOWN: pos->top += page; break;
    case GOS_SCROLL_HOME: pos->top = 0; break;
    case GOS_SCROLL_END: pos->top = max_top; break;
    }
    if (pos->top > max_top)
        pos->top = max_top;
    if (pos->top < 0)
        pos->top = 0;
}

static void list_scroll(gos_list_pos *pos, size_t n, gos_scroll how)
{
    size_t page = pos->rows > 1 ? (size_t)pos->rows - 1 : 1;
    switch (how) {
    case GOS_SCROLL_UP: if (pos->cursor > 0) pos->cursor--; break;
    case GOS_SCROLL_DOWN: pos->cursor++; break;
    case GOS_SCROLL_PAGE_UP: pos->cursor = pos->cursor > page ? pos->cursor - page : 0; break;
    case GOS_SCROLL_PAGE_DOWN: pos->cursor += page; break;
    case GOS_SCROLL_HOME: pos->cursor = 0; break;
    case GOS_SCROLL_END: pos->cursor = n ? n - 1 : 0; break;
    }
    if (pos->cursor >= n)
        pos->cursor = n ? n - 1 : 0;
}

void gos_session_scroll(gos_session *s, gos_scroll how)
{
    switch (s->view_mode) {
    case GOS_VIEW_VMS:
        switch (how) {
        case GOS_SCROLL_UP: gos_session_move_cursor(s, -1); break;
        case GOS_SCROLL_DOWN: gos_session_move_cursor(s, 1); break;
        case GOS_SCROLL_PAGE_UP: gos_session_page(s, -1); break;
        case GOS_SCROLL_PAGE_DOWN: gos_session_page(s, 1); break;
        case GOS_SCROLL_HOME: gos_session_cursor_to(s, 0); break;
        case GOS_SCROLL_END: gos_session_cursor_to(s, SIZE_MAX); break;
        }
        break;
    case GOS_VIEW_TASKS:
        list_scroll(&s->task_pos, s->tasks->len, how);
        break;
    case GOS_VIEW_AUDIT:
        gos_session_audit_scroll(s, how);
        break;
    case GOS_VIEW_DETAIL:
    case GOS_VIEW_HELP:
        page_scroll(&s->page_pos[s->view_mode], how);
        break;
    }
}

void gos_session_scroll_to(gos_session *s, size_t index)
{
    switch (s->view_mode) {
    case GOS_VIEW_VMS:
        gos_session_cursor_to(s, index);
        break;
    case GOS_VIEW_TASKS:
        s->task_pos.cursor = s->tasks->len ? MIN(index, (size_t)s->tasks->len - 1) : 0;
        break;
    default:
        break;
    }
}

gos_list_pos *gos_session_task_pos(gos_session *s) { return &s->task_pos; }

gos_page_pos *gos_session_page_pos(gos_session *s, gos_view view)
{
    return &s->page_pos[(unsigned)view <= GOS_VIEW_HELP ? view : GOS_VIEW_HELP];
}
