/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The logoff procedure of one VM: resolve, check state and agent, then the plan of its OS; failures as the contract's HRESULTs. */
#include <config.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <libvirt/virterror.h>

#include "base/i18n.h"
#include "base/text.h"
#include "core/logoff_impl.h"
#include "core/virt_hr.h"

typedef struct {
    gos_host *host;
} logoff_job;

void *gos_logoff_job_new(gos_host *host)
{
    logoff_job *j = g_new0(logoff_job, 1);
    j->host = host;
    return j;
}

void gos_logoff_job_free(void *job) { g_free(job); }

static const struct {
    const char *key;
    const char *label;
} phase_labels[] = {
    /* TRANSLATORS: task phases, shown next to progress bars. */
    { "queued", N_("queued") },
    { GOS_PHASE_RESOLVE, N_("resolving VM") },
    { GOS_PHASE_STATE, N_("checking state") },
    { GOS_PHASE_AGENT, N_("checking agent") },
    { GOS_PHASE_USERS, N_("reading users") },
    { GOS_PHASE_PLAN, N_("planning") },
    { GOS_PHASE_EXEC, N_("logging off") },
    { GOS_PHASE_VERIFY, N_("verifying") },
    { GOS_TASK_PHASE_RECONNECT, N_("waiting for the connection") },
    { "done", N_("done") },
};

const char *gos_phase_label(const char *phase)
{
    for (size_t i = 0; phase && i < G_N_ELEMENTS(phase_labels); i++)
        if (!strcmp(phase, phase_labels[i].key))
            return _(phase_labels[i].label);
    return phase ? phase : "";
}

/* --- the procedure ---------------------------------------------------------- */

gos_task_result gos_logoff_result_for(gos_hr hr)
{
    if (hr == GOS_S_OK)
        return GOS_RESULT_SUCCESS;
    if (hr == GOS_VM_E_TIMED_OUT)
        return GOS_RESULT_TIMEOUT;
    if (hr == GOS_E_ABORT)
        return GOS_RESULT_CANCELLED;
    return GOS_RESULT_UNEXPECTED;
}

/* A call failed because the connection went (the daemon restarted, the
 * link broke), not because of the VM: before the guest was changed the task
 * runs again on the next connection (true: nothing to finish); else *hr and
 * *msg (in *owned) say that the connection was lost, never that the VM is
 * unknown. */
static bool connection_lost(run_ctx *c, gos_hr *hr, const char **msg, char **owned)
{
    if (*hr == GOS_S_OK || *hr == GOS_E_ABORT || !c->conn || !gos_host_conn_lost(c->host, c->conn))
        return false;
    bool changed = c->phase && (!strcmp(c->phase, GOS_PHASE_EXEC) || !strcmp(c->phase, GOS_PHASE_VERIFY));
    if (!changed && gos_task_resume(c->task))
        return true;
    *hr = gos_now_ms() >= gos_task_deadline(c->task) ? GOS_VM_E_TIMED_OUT : GOS_DISP_E_EXCEPTION;
    /* TRANSLATORS: %1$s: a libvirt URI; %2$s: libvirt's message. */
    *owned = changed ? g_strdup_printf(_("The connection to %1$s was lost while the guest was being changed (it may "
                                         "have logged the users off): %2$s"), gos_host_uri(c->host), *msg ? *msg : "")
                     : g_strdup_printf(_("The connection to %1$s was lost: %2$s"), gos_host_uri(c->host),
                                       *msg ? *msg : "");
    *msg = *owned;
    return false;
}

/* The synchronous part failed: the call HRESULT is also the task's Error. */
static void fail_call(run_ctx *c, gos_hr hr, int virt_code, const char *msg)
{
    char *lost = NULL;
    if (connection_lost(c, &hr, &msg, &lost))
        return;
    gos_task_set_call(c->task, hr, NULL, NULL);
    gos_task_finish(c->task, hr, gos_logoff_result_for(hr), virt_code, msg);
    g_free(lost);
}

void gos_logoff_finish(run_ctx *c, gos_hr hr, int virt_code, const char *msg)
{
    char *lost = NULL;
    if (connection_lost(c, &hr, &msg, &lost))
        return;
    gos_task_finish(c->task, hr, gos_logoff_result_for(hr), virt_code, msg);
    g_free(lost);
}

bool gos_logoff_phase(run_ctx *c, const char *phase, int percent)
{
    if (gos_task_cancel_requested(c->task)) {
        gos_logoff_finish(c, GOS_E_ABORT, 0, _("Cancelled by the operator."));
        return false;
    }
    c->phase = phase;
    if (gos_task_progress(c->task, phase, percent) < 0) {
        /* Ended meanwhile (its deadline), or the log refused the step. */
        gos_logoff_finish(c, GOS_DISP_E_EXCEPTION, 0,
                          _("The audit log cannot be written; the task stopped before changing the guest."));
        return false;
    }
    return true;
}

gos_hr gos_logoff_agent_failure(run_ctx *c, int virt_code)
{
    if (virt_code == VIR_ERR_INTERNAL_ERROR)
        /* libvirt says so for a reply of the wrong shape, and for a command
         * the agent refused: neither is a success. */
        return GOS_DISP_E_EXCEPTION;
    gos_agent_link link = gos_host_agent_link(c->host, c->uuid);
    if (link == GOS_AGENT_LINK_UNKNOWN) {
        bool configured;
        gos_chan_state st;
        gos_domain_channel(c->dom, &configured, &st);
        link = st == GOS_CHAN_CONNECTED ? GOS_AGENT_LINK_CONNECTED : GOS_AGENT_LINK_DISCONNECTED;
    }
    return gos_hr_from_virt(virt_code, link);
}

/* A failed call's words when the connection itself went away: the VM and its
 * agent may be fine, the host did not answer. */
static char *lost_sentence(run_ctx *c, const char *msg)
{
    if (c->conn && !gos_host_conn_lost(c->host, c->conn))
        return NULL;
    /* TRANSLATORS: %1$s: a libvirt URI; %2$s: libvirt's message. */
    return g_strdup_printf(_("The connection to %1$s was lost: %2$s"), gos_host_uri(c->host), msg ? msg : "");
}

bool gos_logoff_exec(run_ctx *c, const char *path, const char *const *args, char **out, char **errout, gos_hr *hr,
                     char **why)
{
    int code = 0;
    char *msg = NULL;
    gos_agent_exec_status st = { 0 };
    int rc = gos_agent_exec(c->dom, path, args, gos_task_deadline(c->task), &st, &code, &msg);
    bool ok = false;
    char *lost = rc < 0 ? lost_sentence(c, msg) : NULL;
    if (lost) {
        *hr = GOS_DISP_E_EXCEPTION;
        *why = lost;
    } else if (rc < 0 && code == VIR_ERR_OPERATION_TIMEOUT) {
        *hr = GOS_VM_E_TIMED_OUT;
        *why = g_strdup_printf(_("%s did not finish before the deadline."), path);
    } else if (rc < 0) {
        *hr = msg && strstr(msg, "has been disabled") ? GOS_VM_E_ADDITIONS_FEATURE_NOT_AVAIL
                                                      : gos_logoff_agent_failure(c, code);
        *why = g_strdup_printf(_("Running %s in the guest failed: %s"), path, msg ? msg : "");
    } else if (st.truncated) {
        *hr = GOS_DISP_E_EXCEPTION;
        *why = g_strdup_printf(_("The guest agent cut the output of %s short; it is not read as complete."), path);
    } else if (!st.has_exitcode || st.exitcode != 0 || st.has_signal) {
        /* A process ends by exit or by signal: a reply with both is no clean exit. */
        *hr = GOS_DISP_E_EXCEPTION;
        *why = st.has_signal ? g_strdup_printf(_("%s was ended by signal %d in the guest."), path, st.signal)
                             : g_strdup_printf(_("%s exited with status %d in the guest."), path, st.exitcode);
    } else {
        ok = true;
    }
    /* Output is handed on only when it is whole, text, and from a process that
     * exited (a caller may read the output of a non-zero exit). */
    bool text = !st.out || !memchr(st.out, '\0', st.out_len);
    if (ok && !text) {
        ok = false;
        *hr = GOS_DISP_E_EXCEPTION;
        *why = g_strdup_printf(_("The output of %s in the guest is not text."), path);
    }
    bool hand = rc == 0 && !st.truncated && text && st.has_exitcode && !st.has_signal;
    if (out && hand)
        *out = g_steal_pointer(&st.out);
    if (errout && hand)
        *errout = g_steal_pointer(&st.err);
    gos_agent_exec_status_clear(&st);
    g_free(msg);
    return ok;
}

static const char *state_sentence(int state)
{
    switch (state) {
    case VIR_DOMAIN_PAUSED: return _("The virtual machine is paused.");
    case VIR_DOMAIN_SHUTOFF: return _("The virtual machine is shut off.");
    case VIR_DOMAIN_CRASHED: return _("The virtual machine has crashed.");
    case VIR_DOMAIN_PMSUSPENDED: return _("The virtual machine is suspended.");
    case VIR_DOMAIN_SHUTDOWN: return _("The virtual machine is shutting down.");
    case VIR_DOMAIN_BLOCKED: return _("The virtual machine is blocked.");
    default: return _("The virtual machine is not running.");
    }
}

static bool phase_resolve(run_ctx *c)
{
    if (!gos_logoff_phase(c, GOS_PHASE_RESOLVE, 5))
        return false;
    c->conn = gos_host_conn(c->host);
    if (!c->conn) {
        char *m = g_strdup_printf(_("%s is not connected."), gos_host_uri(c->host));
        fail_call(c, GOS_DISP_E_EXCEPTION, VIR_ERR_NO_CONNECT, m);
        g_free(m);
        return false;
    }
    int code = 0;
    char *msg = NULL;
    c->dom = gos_host_domain(c->host, c->conn, gos_task_get_vm(c->task), &code, &msg);
    if (!c->dom) {
        /* "No such VM" only when the host said so, not when it went away. */
        char *lost = code == VIR_ERR_NO_DOMAIN ? NULL : lost_sentence(c, msg);
        gos_hr hr = lost ? GOS_DISP_E_EXCEPTION
                    : code == VIR_ERR_NO_DOMAIN ? GOS_VM_E_VM_UNKNOWN : gos_hr_from_virt(code, GOS_AGENT_LINK_UNKNOWN);
        fail_call(c, hr, code, lost ? lost : msg);
        g_free(lost);
        g_free(msg);
        return false;
    }
    virDomainGetUUIDString(c->dom, c->uuid);
    char *name = gos_text_clean(virDomainGetName(c->dom), 256);
    gos_task_set_call(c->task, GOS_S_OK, c->uuid, name);
    g_free(name);
    if (gos_host_readonly(c->host)) {
        char *m = g_strdup_printf(_("The connection to %s is read-only; logging off needs a read-write connection."),
                                  gos_host_uri(c->host));
        fail_call(c, GOS_E_ACCESSDENIED, VIR_ERR_OPERATION_DENIED, m);
        g_free(m);
        return false;
    }
    return true;
}

static bool phase_state(run_ctx *c)
{
    if (!gos_logoff_phase(c, GOS_PHASE_STATE, 10))
        return false;
    int state = 0, reason = 0;
    if (virDomainGetState(c->dom, &state, &reason, 0) < 0) {
        char *msg = NULL;
        int code = gos_virt_last_error(&msg);
        char *lost = lost_sentence(c, msg);
        fail_call(c, lost ? GOS_DISP_E_EXCEPTION : gos_hr_from_virt(code, GOS_AGENT_LINK_UNKNOWN), code,
                  lost ? lost : msg);
        g_free(lost);
        g_free(msg);
        return false;
    }
    if (state != VIR_DOMAIN_RUNNING) {
        fail_call(c, GOS_VM_E_VM_NOT_RUNNING, 0, state_sentence(state));
        return false;
    }
    return true;
}

/* Whether cmd is one of the comma-separated commands of list. */
static bool listed(const char *list, const char *cmd)
{
    if (!list)
        return false;
    char **words = g_strsplit(list, ",", -1);
    bool hit = false;
    for (char **w = words; *w && !hit; w++)
        hit = !strcmp(g_strstrip(*w), cmd);
    g_strfreev(words);
    return hit;
}

/* What to do in the guest when its agent refuses commands logoff needs. */
static char *allow_sentence(const char *commands)
{
    /* TRANSLATORS: %s: agent commands ("guest-exec, guest-exec-status"). The
     * option and file names are the agent's own: keep them. */
    return g_strdup_printf(_("The guest agent does not allow %s. Allow them in the guest's qemu-ga configuration "
                             "(remove them from block-rpcs, or add them to allow-rpcs, in /etc/qemu/qemu-ga.conf or "
                             "on qemu-ga's command line; on RHEL and its rebuilds FILTER_RPC_ARGS in "
                             "/etc/sysconfig/qemu-ga), then restart qemu-guest-agent."), commands);
}

/* The agent and what it allows; and the guest's OS, for the plan. */
static bool phase_agent(run_ctx *c)
{
    if (!gos_logoff_phase(c, GOS_PHASE_AGENT, 20))
        return false;
    bool configured;
    gos_chan_state st;
    gos_domain_channel(c->dom, &configured, &st);
    if (!configured) {
        fail_call(c, GOS_VM_E_ADDITIONS_FEATURE_NOT_AVAIL, 0,
                  _("The virtual machine has no guest agent channel (org.qemu.guest_agent.0)."));
        return false;
    }
    int code = 0;
    char *msg = NULL;
    gos_agent_info info = { 0 };
    int timeout = gos_agent_timeout(gos_task_deadline(c->task), GOS_AGENT_PROBE_TIMEOUT);
    if (gos_agent_get_info(c->dom, timeout, &info, &code, &msg) < 0) {
        char *lost = lost_sentence(c, msg);
        gos_hr hr = lost ? GOS_DISP_E_EXCEPTION : gos_logoff_agent_failure(c, code);
        char *m;
        if (lost)
            m = g_steal_pointer(&lost);
        else if (code == VIR_ERR_NO_SUPPORT)
            m = g_strdup_printf(_("This libvirt driver has no guest agent support: %s"), msg ? msg : "");
        else if (hr == GOS_VM_E_ADDITIONS_FEATURE_NOT_AVAIL)
            m = g_strdup_printf(_("The guest agent is not connected: %s"), msg ? msg : "");
        else
            m = g_strdup(msg);
        fail_call(c, hr, code, m);
        g_free(m);
        g_free(msg);
        return false;
    }
    bool exec = (info.features & GOS_FEAT_EXEC) != 0, osinfo = (info.features & GOS_FEAT_OSINFO) != 0;
    if (!exec) {
        /* Name exactly the commands refused or not offered. */
        GString *cmds = g_string_new(NULL);
        static const char *const needed[] = { "guest-exec", "guest-exec-status" };
        for (size_t k = 0; k < G_N_ELEMENTS(needed); k++)
            if (listed(info.disabled, needed[k]) || listed(info.missing, needed[k]))
                g_string_append_printf(cmds, "%s%s", cmds->len ? ", " : "", needed[k]);
        char *m = allow_sentence(cmds->len ? cmds->str : "guest-exec, guest-exec-status");
        g_string_free(cmds, TRUE);
        gos_agent_info_clear(&info);
        fail_call(c, GOS_VM_E_ADDITIONS_FEATURE_NOT_AVAIL, 0, m);
        g_free(m);
        return false;
    }
    gos_agent_info_clear(&info);
    gos_agent_osinfo os = { 0 };
    if (osinfo && gos_agent_get_osinfo(c->dom, timeout, &os, &code, &msg) < 0)
        g_clear_pointer(&msg, g_free);
    c->windows = os.id && !g_ascii_strcasecmp(os.id, "mswindows");
    gos_agent_osinfo_clear(&os);
    return true;
}

void gos_logoff_run(gos_task *task, void *job)
{
    run_ctx c = { .task = task, .host = ((logoff_job *)job)->host };
    if (phase_resolve(&c) && phase_state(&c) && phase_agent(&c)) {
        if (c.windows)
            gos_logoff_windows(&c);
        else
            gos_logoff_linux(&c);
    }
    gos_logons_free(c.logons, c.n_logons);
    gos_users_free(c.users, c.n_users);
    g_strfreev(c.stale);
    g_free(c.why_unknown);
    if (c.dom)
        virDomainFree(c.dom);
    if (c.conn)
        gos_host_conn_release(c.host, c.conn);
}
