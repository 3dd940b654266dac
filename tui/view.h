/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The console's views and the frame around them: what each draws and how each scrolls. */
#ifndef GOS_VIEW_H
#define GOS_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/session.h"
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

/* view_audit.c: tasks from the audit store, newest first, filtered by the
 * session's audit filter, paged by key. The pager reads through read-only
 * connections of its own and hands slow queries to a worker thread. */
typedef struct gos_audit_pager gos_audit_pager;
gos_audit_pager *gos_audit_pager_new(void);
void gos_audit_pager_free(gos_audit_pager *p);   /* accepts NULL; stops the worker */
/* Reads the page again at its next draw (new rows may have arrived). */
void gos_audit_pager_reload(gos_audit_pager *p);
/* Becomes readable when the worker has an answer: poll it with the others. */
int gos_audit_pager_fd(gos_audit_pager *p);
/* Takes the worker's answer. True when the view must be drawn again. */
bool gos_audit_pager_collect(gos_session *s, gos_audit_pager *p);
void gos_view_audit_draw(WINDOW *w, gos_session *s, gos_audit_pager *p);
/* What the session calls to move in the pager and open its detail. */
extern const gos_audit_view_ops gos_audit_pager_ops;
/* Binds the pager to the session (the ops' data). */
void gos_audit_pager_attach(gos_audit_pager *p, gos_session *s);

/* view_detail.c: every field of the VM under the cursor. */
void gos_view_detail_draw(WINDOW *w, gos_session *s);

/* view_help.c: keys and actions, generated from the keymaps and the action table. */
void gos_view_help_draw(WINDOW *w, gos_session *s);

#endif
