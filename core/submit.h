/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tasks the session submits: logoff of the targets or of named VMs, and cancel. */
#ifndef GOS_SUBMIT_H
#define GOS_SUBMIT_H

#include <stdbool.h>

#include "core/actions.h"
#include "core/session.h"
#include "core/task.h"

/* Submits a logoff of VM key (name or UUID) on host (NULL: the host that has
 * it, else the first). NULL with *err when the engine refuses. */
gos_task *gos_session_logoff_vm(gos_session *s, const char *host, const char *key, char **err);

/* Submits a logoff of each VM keys[i] on hosts[i] (hosts NULL: the host that
 * has it), all at once: one commit puts them on record, and they start
 * together. out[i] is the task (a reference for the caller; the session
 * keeps its own) or NULL when refused (*err: why the first was). Returns
 * how many were submitted. */
size_t gos_session_logoff_many(gos_session *s, const char *const *hosts, const char *const *keys, size_t n,
                               gos_task **out, char **err);

/* Submits one logoff task for each VM named in argv, or, with argc 0, for each
 * target (gos_session_targets). Returns how many, or -1 with *err: nothing to
 * act on, or a refusal (the audit store); when some were submitted before the
 * refusal, *err says how many, and they run. */
int gos_submit_logoff(gos_session *s, int argc, char *const *argv, bool use_cursor, char **err);

/* Asks the running tasks of the targets to stop, or every running task when
 * there is no target; in the task list with nothing marked, the task under
 * its cursor. Returns how many were asked. */
int gos_submit_cancel(gos_session *s, bool use_cursor);

/* Asks every task of the session that has not ended to stop; returns how many took it. */
int gos_submit_cancel_all(gos_session *s);

/* Makes cmd, an action on targets that names none, name them (by name, or by
 * UUID where the name is not unique), so that it acts on exactly those and a
 * recording keeps them. Leaves cmd alone when the targets are more than it
 * takes or cannot be named unambiguously. */
void gos_session_name_targets(gos_session *s, gos_cmd *cmd, bool use_cursor);

#endif
