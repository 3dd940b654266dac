/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The logoff procedure of one VM, phase by phase, mapped onto the contract's HRESULTs. */
#include <config.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <libvirt/virterror.h>

#include "base/text.h"
#include "core/agent.h"
#include "base/i18n.h"
#include "core/logoff.h"

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

/* The Linux plan, core/logoff-linux.sh, as a string: systemd's loginctl where
 * systemd runs, else SIGKILL to each user's processes (busybox has no pkill).
 * The names arrive as "$@", so no guest-supplied text is ever parsed as code. */
const char gos_linux_logoff_script[] =
#include "core/logoff_linux_script.h"
    ;

/* --- the procedure ---------------------------------------------------------- */

typedef struct {
    gos_task *task;
    gos_host *host;
    virConnectPtr conn;
    virDomainPtr dom;
    const char *phase;       /* the phase it is in (next_phase) */
    char uuid[VIR_UUID_STRING_BUFLEN];
    gos_user *users;
    size_t n_users;
} run_ctx;

static gos_task_result result_for(gos_hr hr)
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
    if (*hr == GOS_S_OK || *hr == GOS_E_ABORT || !gos_host_conn_lost(c->host, c->conn))
        return false;
    bool changed = c->phase && (!strcmp(c->phase, GOS_PHASE_EXEC) || !strcmp(c->phase, GOS_PHASE_VERIFY));
    if (!changed && gos_task_resume(c->task))
        return true;
    *hr = gos_now_ms() >= gos_task_deadline(c->task) ? GOS_VM_E_TIMED_OUT : GOS_DISP_E_EXCEPTION;
    *owned = changed ? g_strdup_printf(_("The connection to %s was lost while the guest was being changed (it may "
                                         "have logged the users off): %s"), gos_host_uri(c->host), *msg ? *msg : "")
                     : g_strdup_printf(_("The connection to %s was lost: %s"), gos_host_uri(c->host), *msg ? *msg : "");
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
    gos_task_finish(c->task, hr, result_for(hr), virt_code, msg);
    g_free(lost);
}

static void finish(run_ctx *c, gos_hr hr, int virt_code, const char *msg)
{
    char *lost = NULL;
    if (connection_lost(c, &hr, &msg, &lost))
        return;
    gos_task_finish(c->task, hr, result_for(hr), virt_code, msg);
    g_free(lost);
}

/* Moves to the next phase; false when the task must stop (cancel or audit). */
static bool next_phase(run_ctx *c, const char *phase, int percent)
{
    if (gos_task_cancel_requested(c->task)) {
        finish(c, GOS_E_ABORT, 0, _("Cancelled by the operator."));
        return false;
    }
    c->phase = phase;
    if (gos_task_progress(c->task, phase, percent) < 0) {
        finish(c, GOS_DISP_E_EXCEPTION, 0, _("The audit log cannot be written; the task stopped before changing the guest."));
        return false;
    }
    return true;
}

/* The users' names, one per user (a name may hold a comma); g_strfreev. */
static char **users_names(const gos_user *u, size_t n)
{
    char **names = g_new0(char *, n + 1);
    for (size_t i = 0; i < n; i++)
        names[i] = g_strdup(u[i].name);
    return names;
}

static const char *const no_users[] = { NULL };

/* An agent call failed: which contract code that is depends on whether the
 * agent is connected (hung) or not (missing). */
static gos_hr agent_failure(run_ctx *c, int virt_code)
{
    gos_agent_link link = gos_host_agent_link(c->host, c->uuid);
    if (link == GOS_AGENT_LINK_UNKNOWN) {
        bool configured;
        gos_chan_state st;
        gos_domain_channel(c->dom, &configured, &st);
        link = st == GOS_CHAN_CONNECTED ? GOS_AGENT_LINK_CONNECTED : GOS_AGENT_LINK_DISCONNECTED;
    }
    return gos_hr_from_virt(virt_code, link);
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
    if (!next_phase(c, GOS_PHASE_RESOLVE, 5))
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
        gos_hr hr = code == VIR_ERR_NO_DOMAIN ? GOS_VM_E_VM_UNKNOWN : gos_hr_from_virt(code, GOS_AGENT_LINK_UNKNOWN);
        fail_call(c, hr, code, msg);
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
    if (!next_phase(c, GOS_PHASE_STATE, 10))
        return false;
    int state = 0, reason = 0;
    if (virDomainGetState(c->dom, &state, &reason, 0) < 0) {
        char *msg = NULL;
        int code = gos_virt_last_error(&msg);
        fail_call(c, gos_hr_from_virt(code, GOS_AGENT_LINK_UNKNOWN), code, msg);
        g_free(msg);
        return false;
    }
    if (state != VIR_DOMAIN_RUNNING) {
        fail_call(c, GOS_VM_E_VM_NOT_RUNNING, 0, state_sentence(state));
        return false;
    }
    return true;
}

static bool phase_agent(run_ctx *c)
{
    if (!next_phase(c, GOS_PHASE_AGENT, 20))
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
    if (gos_agent_get_info(c->dom, gos_agent_timeout(gos_task_deadline(c->task), GOS_AGENT_PROBE_TIMEOUT), &info,
                           &code, &msg) < 0) {
        gos_hr hr = code == VIR_ERR_INTERNAL_ERROR ? GOS_DISP_E_EXCEPTION : agent_failure(c, code);
        char *m;
        if (code == VIR_ERR_NO_SUPPORT)
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
    GString *missing = g_string_new(NULL);
    if (info.disabled)
        g_string_append(missing, info.disabled);
    if (info.missing)
        g_string_append_printf(missing, "%s%s", missing->len ? ", " : "", info.missing);
    gos_agent_info_clear(&info);
    if (missing->len) {
        char *m = g_strdup_printf(_("The guest agent has these commands disabled or missing: %s."), missing->str);
        fail_call(c, GOS_VM_E_ADDITIONS_FEATURE_NOT_AVAIL, 0, m);
        g_free(m);
        g_string_free(missing, TRUE);
        return false;
    }
    g_string_free(missing, TRUE);
    return true;
}

static bool read_users(run_ctx *c, gos_hr *hr, int *code, char **msg)
{
    gos_users_free(c->users, c->n_users);
    c->users = NULL;
    c->n_users = 0;
    if (gos_agent_get_users(c->dom, gos_agent_timeout(gos_task_deadline(c->task), GOS_AGENT_PROBE_TIMEOUT),
                            &c->users, &c->n_users, code, msg) < 0) {
        *hr = *code == VIR_ERR_INTERNAL_ERROR ? GOS_DISP_E_EXCEPTION : agent_failure(c, *code);
        return false;
    }
    return true;
}

/* Runs a guest command and maps its failure; true when it exited 0 with all
 * of its output. */
static bool exec_ok(run_ctx *c, const char *path, const char *const *args, char **out, gos_hr *hr, char **why)
{
    int code = 0;
    char *msg = NULL;
    gos_agent_exec_status st = { 0 };
    int rc = gos_agent_exec(c->dom, path, args, gos_task_deadline(c->task), &st, &code, &msg);
    bool ok = false;
    if (rc < 0 && code == VIR_ERR_OPERATION_TIMEOUT) {
        *hr = GOS_VM_E_TIMED_OUT;
        *why = g_strdup_printf(_("%s did not finish before the deadline."), path);
    } else if (rc < 0) {
        *hr = msg && strstr(msg, "has been disabled") ? GOS_VM_E_ADDITIONS_FEATURE_NOT_AVAIL
              : code == VIR_ERR_INTERNAL_ERROR        ? GOS_DISP_E_EXCEPTION
                                                      : agent_failure(c, code);
        *why = g_strdup_printf(_("Running %s in the guest failed: %s"), path, msg ? msg : "");
    } else if (st.truncated) {
        *hr = GOS_DISP_E_EXCEPTION;
        *why = g_strdup_printf(_("The guest agent cut the output of %s short; it is not read as complete."), path);
    } else if (!st.has_exitcode || st.exitcode != 0) {
        *hr = GOS_DISP_E_EXCEPTION;
        *why = st.has_exitcode ? g_strdup_printf(_("%s exited with status %d in the guest."), path, st.exitcode)
                               : g_strdup_printf(_("%s was ended by signal %d in the guest."), path, st.signal);
        ok = false;
    } else {
        ok = true;
    }
    if (out && rc == 0)
        *out = g_steal_pointer(&st.out);
    gos_agent_exec_status_clear(&st);
    g_free(msg);
    return ok;
}

static const char *const win_query[] = { "session", NULL };

/* Plans and runs the logoff. Returns S_OK or the failure with *why set. */
static gos_hr phase_plan_exec(run_ctx *c, char **why)
{
    gos_hr hr = GOS_S_OK;
    int code = 0;
    char *msg = NULL;
    gos_agent_osinfo os = { 0 };
    if (gos_agent_get_osinfo(c->dom, gos_agent_timeout(gos_task_deadline(c->task), GOS_AGENT_PROBE_TIMEOUT), &os,
                             &code, &msg) < 0)
        g_clear_pointer(&msg, g_free);
    bool windows = os.id && !g_ascii_strcasecmp(os.id, "mswindows");
    gos_agent_osinfo_clear(&os);

    if (windows) {
        char *out = NULL;
        if (!exec_ok(c, "C:\\Windows\\System32\\query.exe", win_query, &out, &hr, why)) {
            /* query session exits 1 when it lists sessions on some versions */
            if (!out || hr != GOS_DISP_E_EXCEPTION) {
                g_free(out);
                return hr;
            }
            g_clear_pointer(why, g_free);
            hr = GOS_S_OK;
        }
        gos_win_session *ss = NULL;
        int n = gos_win_sessions_parse(out, &ss);
        g_free(out);
        if (n < 0) {
            *why = g_strdup(_("The output of query session could not be read."));
            return GOS_DISP_E_EXCEPTION;
        }
        if (!next_phase(c, GOS_PHASE_EXEC, 50)) {
            gos_win_sessions_free(ss, (size_t)n);
            return GOS_E_ABORT;
        }
        gos_task_set_cancelable(c->task, false);
        for (int i = 0; i < n && hr == GOS_S_OK; i++) {
            char id[32];
            g_snprintf(id, sizeof id, "%ld", ss[i].id);
            const char *args[] = { id, NULL };
            exec_ok(c, "C:\\Windows\\System32\\logoff.exe", args, NULL, &hr, why);
        }
        gos_win_sessions_free(ss, (size_t)n);
        gos_task_set_cancelable(c->task, true);
        return hr;
    }

    /* Linux: one guest-exec; the script picks loginctl or kill itself. */
    if (!next_phase(c, GOS_PHASE_EXEC, 50))
        return GOS_E_ABORT;
    gos_task_set_cancelable(c->task, false);
    const char **args = g_new0(const char *, c->n_users + 4);
    args[0] = "-c";
    args[1] = gos_linux_logoff_script;
    args[2] = "guestos-logoff";
    for (size_t i = 0; i < c->n_users; i++)
        args[3 + i] = c->users[i].name;
    char *out = NULL;
    if (!exec_ok(c, "/bin/sh", args, &out, &hr, why) && hr == GOS_DISP_E_EXCEPTION) {
        /* It ran but said some user is unknown or survived: the verify phase
         * decides, and the script's words go into the outcome. */
        hr = GOS_S_OK;
        g_clear_pointer(why, g_free);
        char *clean = gos_text_clean(out ? out : "", 512);
        if (*clean)
            *why = g_strdup_printf(_("The guest said: %s"), clean);
        g_free(clean);
    }
    g_free(out);
    g_free(args);
    gos_task_set_cancelable(c->task, true);
    return hr;
}

void gos_logoff_run(gos_task *task, void *job)
{
    run_ctx c = { .task = task, .host = ((logoff_job *)job)->host };
    gos_hr hr;
    int code = 0;
    char *msg = NULL, *guest_said = NULL;

    if (!phase_resolve(&c) || !phase_state(&c) || !phase_agent(&c))
        goto cleanup;

    if (!next_phase(&c, GOS_PHASE_USERS, 30))
        goto cleanup;
    if (!read_users(&c, &hr, &code, &msg)) {
        finish(&c, hr, code, msg);
        goto cleanup;
    }
    char **before = users_names(c.users, c.n_users);
    gos_task_set_users(task, (const char *const *)before, NULL);
    g_strfreev(before);
    if (c.n_users == 0) {
        gos_task_set_users(task, NULL, no_users);
        finish(&c, GOS_E_NO_SUCH_LOGON_SESSION, 0, _("No user is logged on to the guest."));
        goto cleanup;
    }

    if (!next_phase(&c, GOS_PHASE_PLAN, 40))
        goto cleanup;
    hr = phase_plan_exec(&c, &msg);
    if (hr == GOS_E_ABORT)
        goto cleanup;   /* already finished by next_phase */
    if (hr != GOS_S_OK) {
        finish(&c, hr, code, msg);
        goto cleanup;
    }
    guest_said = msg;   /* what the plan printed when it could not do everything */
    msg = NULL;

    if (!next_phase(&c, GOS_PHASE_VERIFY, 80))
        goto cleanup;
    /* Verify: users gone, or the deadline passes. */
    for (int round = 0;; round++) {
        g_free(msg);
        msg = NULL;
        if (!read_users(&c, &hr, &code, &msg)) {
            finish(&c, hr, code, msg);
            goto cleanup;
        }
        char **after = users_names(c.users, c.n_users);
        gos_task_set_users(task, NULL, (const char *const *)after);
        g_strfreev(after);
        if (c.n_users == 0) {
            finish(&c, GOS_S_OK, 0, _("All users were logged off."));
            goto cleanup;
        }
        if (gos_now_ms() >= gos_task_deadline(task)) {
            char *m = g_strdup_printf(_("Users were still logged on when the deadline passed. %s"),
                                      guest_said ? guest_said : "");
            finish(&c, GOS_VM_E_TIMED_OUT, 0, g_strchomp(m));
            g_free(m);
            goto cleanup;
        }
        if (gos_task_cancel_requested(task)) {
            finish(&c, GOS_E_ABORT, 0, _("Cancelled by the operator while verifying."));
            goto cleanup;
        }
        int pct = 80 + MIN(round * 2, 18);
        gos_task_progress(task, GOS_PHASE_VERIFY, pct);
        g_usleep(round < 4 ? 250000 : 1000000);
    }

cleanup:
    g_free(msg);
    g_free(guest_said);
    gos_users_free(c.users, c.n_users);
    if (c.dom)
        virDomainFree(c.dom);
    if (c.conn)
        gos_host_conn_release(c.host, c.conn);
}
