/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Inside the logoff procedure: the state of one run, shared by logoff.c (the phases), logoff_linux.c and logoff_windows.c (the plans). */
#ifndef GOS_LOGOFF_IMPL_H
#define GOS_LOGOFF_IMPL_H

#include <stdbool.h>
#include <stddef.h>

#include <libvirt/libvirt.h>

#include "core/agent.h"
#include "core/logoff.h"
#include "core/logons.h"

typedef struct run_ctx {
    gos_task *task;
    gos_host *host;
    virConnectPtr conn;
    virDomainPtr dom;
    const char *phase;       /* the phase it is in (gos_logoff_phase) */
    char uuid[VIR_UUID_STRING_BUFLEN];
    bool windows;
    /* who is logged on, as read before the logoff */
    bool logind;             /* the guest's logind answered */
    gos_logon *logons;       /* its sessions, every class */
    size_t n_logons;
    gos_user *users;         /* users logged on: logind's where it answered, else utmp's */
    size_t n_users;
    char **stale;            /* utmp records without a logind session */
    char *why_unknown;       /* why a source could not be read (when logind did not answer) */
} run_ctx;

/* logoff.c, for the plans */
gos_task_result gos_logoff_result_for(gos_hr hr);
void gos_logoff_finish(run_ctx *c, gos_hr hr, int virt_code, const char *msg);
/* Moves to the next phase; false when the task must stop (cancelled, ended, the log refused). */
bool gos_logoff_phase(run_ctx *c, const char *phase, int percent);
/* The contract's code for a failed agent call (a missing agent and a hung one look alike). */
gos_hr gos_logoff_agent_failure(run_ctx *c, int virt_code);
/* Runs a guest command; true when it exited 0 with all of its output, as text
 * (stdout in *out, stderr in *errout, each when not NULL; they are also given
 * for a non-zero exit, never for a signal, a cut or a NUL byte); else *hr and
 * *why say why. */
bool gos_logoff_exec(run_ctx *c, const char *path, const char *const *args, char **out, char **errout, gos_hr *hr,
                     char **why);
/* Reads who is logged on into c (logind's sessions and utmp's users).
 * False with *hr and *why when no source could be read: not known is not "none". */
bool gos_logoff_read_users(run_ctx *c, gos_hr *hr, char **why);

/* logoff_linux.c: ends the sessions read (logind) or the users' processes
 * (without systemd), then verifies with the same sources until the deadline.
 * Finishes the task. */
void gos_logoff_linux(run_ctx *c);

/* logoff_windows.c: query session, logoff each, verify. Finishes the task. */
void gos_logoff_windows(run_ctx *c);

#endif
