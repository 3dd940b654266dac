/* SPDX-License-Identifier: GPL-2.0-or-later */
/* IVMGuestOS::Logoff on libvirt: resolve, check, read users, plan by guest OS, run, verify. */
#ifndef GOS_LOGOFF_H
#define GOS_LOGOFF_H

#include <stddef.h>

#include "core/host.h"
#include "core/task.h"
#include "core/winsess.h"

/* The phases, in order, with the percentage each starts at. */
#define GOS_PHASE_RESOLVE "resolve"
#define GOS_PHASE_STATE   "check-state"
#define GOS_PHASE_AGENT   "check-agent"
#define GOS_PHASE_USERS   "read-users"
#define GOS_PHASE_PLAN    "plan"
#define GOS_PHASE_EXEC    "log-off"
#define GOS_PHASE_VERIFY  "verify"

/* Translated label of a phase key (also "queued" and "done"). */
const char *gos_phase_label(const char *phase);

/* The job of one logoff task: the host it runs against (borrowed; it must
 * outlive the task). */
void *gos_logoff_job_new(gos_host *host);
void gos_logoff_job_free(void *job);
/* gos_task_fn for logoff. */
void gos_logoff_run(gos_task *task, void *job);

/* The argv-safe shell script that logs users off a Linux guest without
 * systemd: user names arrive as positional parameters, never in the script. */
extern const char gos_linux_logoff_script[];

#endif
