/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The console's views and the frame around them: what each draws and how each scrolls. */
#ifndef GOS_VIEW_H
#define GOS_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/session.h"
#include "db/pager.h"
#include "tui/draw.h"
#include "tui/keymap.h"

/* --- the frame (frame.c) --------------------------------------------------- */

/* The top line: hosts and their state, VMs per state, marked count, filter,
 * view; badge ("REC nightly"), when not NULL, right after the program's name
 * in the role badge_role. Returns the rows its words need (1 or 2): when
 * that is not the window's height, lay out again and draw it anew. */
int gos_frame_title(WINDOW *w, gos_session *s, const char *badge, gos_role badge_role);
/* The rows the top line needs in width: 1, or 2 when its words do not fit on one. */
int gos_frame_title_rows(gos_session *s, const char *badge, int width);
/* The status line: the session's last sentence, in the error role when it says what failed. */
void gos_frame_status(WINDOW *w, WINDOW *more, gos_session *s);
/* True when the status is a failure too long for width: it goes on in the
 * window `more` of gos_frame_status (the hint bar's row). */
bool gos_frame_status_is_long(gos_session *s, int width);
/* The hint bar generated from the keymap of ctx and the global keymap. While
 * recording, the keys of `record` say "Stop" and are never dropped. */
void gos_frame_hints(WINDOW *w, gos_key_context ctx, bool recording);
/* A hint bar of n fixed pairs (dialogs and prompts). */
void gos_frame_hints_pairs(WINDOW *w, const char *const *keys, const char *const *labels, size_t n);

/* "test:default" for test:///default, "h1" for qemu+ssh://root@h1.example/system. */
char *gos_host_short(const char *uri);
/* Local time "2024-05-01 13:02:03" of UTC ms into buf; "-" for 0. */
const char *gos_format_time(int64_t ms, char *buf, size_t len);
/* "0:07", "12:03", "1:02:03". */
const char *gos_format_duration(int64_t ms, char *buf, size_t len);

/* --- the views --------------------------------------------------------------- */

/* view_vms.c: the VM table. Where its columns stand on the screen: the mark,
 * then the session's columns that fit (hidden: those that do not). */
typedef struct gos_vms_layout {
    int mark_w;
    size_t n, hidden;
    gos_column col[GOS_COL_N];
    int x[GOS_COL_N], w[GOS_COL_N];
} gos_vms_layout;
/* The columns of the session laid out in width. */
void gos_view_vms_layout(gos_session *s, int width, gos_vms_layout *lay);
/* The column at screen column x, or -1 (the mark, or none). */
int gos_view_vms_column_at(const gos_vms_layout *lay, int x);
/* Draws the table; *top is the first row shown, kept around the cursor; *lay
 * receives the layout drawn (for the mouse). */
void gos_view_vms_draw(WINDOW *w, gos_session *s, size_t *top, gos_vms_layout *lay);

/* view_tasks.c: the last tasks under the VM table, and the full task list. */
void gos_view_tasks_panel_draw(WINDOW *w, gos_session *s);
/* The rows the panel needs on a screen of screen_rows: its title line, and two
 * for each task it shows (as many as there are, up to the session's size). */
int gos_view_tasks_panel_rows(gos_session *s, int screen_rows);
/* "2 running, 195 queued, 1 failed": the session's tasks by state. Newly allocated. */
char *gos_view_tasks_counts(gos_session *s);
void gos_view_tasks_draw(WINDOW *w, gos_session *s);
/* True while a task of the session has not completed. */
bool gos_view_tasks_running(gos_session *s);

/* view_audit.c: the page of recorded tasks that an audit pager (db/pager.h) holds,
 * newest first, or every field of the task under its cursor. Drawing reads only
 * what the pager holds; whoever owns the pager syncs it before drawing. */
/* How many tasks fit on a page of w: give it to gos_pager_set_page_rows. */
int gos_view_audit_page_rows(WINDOW *w);
void gos_view_audit_draw(WINDOW *w, gos_pager *p);

/* view_detail.c: every field of the VM under the cursor. */
void gos_view_detail_draw(WINDOW *w, gos_session *s);

/* view_help.c: keys and actions, generated from the keymaps and the action table. */
void gos_view_help_draw(WINDOW *w, gos_session *s);

#endif
