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
 * in the role badge_role. */
void gos_frame_title(WINDOW *w, gos_session *s, const char *badge, gos_role badge_role);
/* The status line: the session's last sentence, in the error role when it says what failed. */
void gos_frame_status(WINDOW *w, gos_session *s);
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

/* view_vms.c: the VM table; *top is the first row shown, kept around the cursor. */
void gos_view_vms_draw(WINDOW *w, gos_session *s, size_t *top);

/* view_tasks.c: the last tasks under the VM table, and the full task list. */
void gos_view_tasks_panel_draw(WINDOW *w, gos_session *s);
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
