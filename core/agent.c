/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The guest-agent protocol as guestos uses it: ping, info, users, osinfo and guest-exec. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <libvirt/libvirt-qemu.h>
#include <libvirt/virterror.h>

#include "base/i18n.h"
#include "base/text.h"
#include "base/time.h"
#include "core/agent.h"
#include "core/host.h"

int gos_agent_timeout(int64_t deadline_ms, int cap_s)
{
    int64_t left = deadline_ms - gos_now_ms();
    /* Rounded up, so that a call never gets less than the time left. */
    int64_t secs = left <= 0 ? 1 : (left + 999) / 1000;
    return (int)CLAMP(secs, 1, cap_s > 0 ? cap_s : 1);
}

int gos_agent_call(virDomainPtr dom, const char *execute, json_object *args, int timeout_s, char **reply_out,
                   size_t *len_out, int *virt_code, char **err)
{
    json_object *cmd = json_object_new_object();
    json_object_object_add(cmd, "execute", json_object_new_string(execute));
    if (args)
        json_object_object_add(cmd, "arguments", args);
    char *reply = virDomainQemuAgentCommand(dom, json_object_to_json_string_ext(cmd, JSON_C_TO_STRING_PLAIN),
                                            timeout_s, 0);
    json_object_put(cmd);
    if (!reply) {
        char *msg = NULL;
        int code = gos_virt_last_error(&msg);
        if (virt_code)
            *virt_code = code ? code : VIR_ERR_INTERNAL_ERROR;
        if (err) {
            /* libvirt's message may quote the guest: cleaned like any guest text. */
            char *clean = msg ? gos_text_clean(msg, 1024) : NULL;
            *err = clean ? clean : g_strdup(_("The guest agent did not answer."));
        }
        g_free(msg);
        return -1;
    }
    *reply_out = reply;
    *len_out = strlen(reply);
    return 0;
}

/* Calls execute and hands the reply to parse; a reply of the wrong shape is
 * an internal error with the parser's sentence. */
#define TYPED_CALL(execute, args, timeout, virt_code, err, parse_expr)                  \
    do {                                                                                \
        char *reply_ = NULL;                                                            \
        size_t len_ = 0;                                                                \
        if (gos_agent_call(dom, (execute), (args), (timeout), &reply_, &len_, (virt_code), (err)) < 0) \
            return -1;                                                                  \
        const char *reply = reply_;                                                     \
        size_t len = len_;                                                              \
        int rc_ = (parse_expr);                                                         \
        free(reply_);                                                                   \
        if (rc_ < 0 && (virt_code))                                                     \
            *(virt_code) = VIR_ERR_INTERNAL_ERROR;                                      \
        return rc_;                                                                     \
    } while (0)

static int agent_ping(virDomainPtr dom, int timeout_s, int *virt_code, char **err)
{
    TYPED_CALL("guest-ping", NULL, timeout_s, virt_code, err, gos_agent_parse_ping(reply, len, err));
}

int gos_agent_get_info(virDomainPtr dom, int timeout_s, gos_agent_info *out, int *virt_code, char **err)
{
    TYPED_CALL("guest-info", NULL, timeout_s, virt_code, err, gos_agent_parse_info(reply, len, out, err));
}

int gos_agent_get_osinfo(virDomainPtr dom, int timeout_s, gos_agent_osinfo *out, int *virt_code, char **err)
{
    TYPED_CALL("guest-get-osinfo", NULL, timeout_s, virt_code, err, gos_agent_parse_osinfo(reply, len, out, err));
}

/* Users come from guest-get-users through the agent-command API, which takes
 * a response timeout; virDomainGetGuestInfo would use the domain's agent
 * timeout, which the QEMU driver leaves at "block" (and changing it would
 * change it for every other client of the host). */
int gos_agent_get_users(virDomainPtr dom, int timeout_s, gos_user **users, size_t *n, int *virt_code, char **err)
{
    TYPED_CALL("guest-get-users", NULL, timeout_s, virt_code, err, gos_agent_parse_users(reply, len, users, n, err));
}

static int exec_start(virDomainPtr dom, json_object *args, int timeout_s, int64_t *pid, int *virt_code, char **err)
{
    TYPED_CALL("guest-exec", args, timeout_s, virt_code, err, gos_agent_parse_exec(reply, len, pid, err));
}

static int exec_status(virDomainPtr dom, int64_t pid, int timeout_s, gos_agent_exec_status *st, int *virt_code,
                       char **err)
{
    json_object *a = json_object_new_object();
    json_object_object_add(a, "pid", json_object_new_int64(pid));
    TYPED_CALL("guest-exec-status", a, timeout_s, virt_code, err, gos_agent_parse_exec_status(reply, len, st, err));
}

/* guest-exec-status polls: quick at first, then every 250 ms. */
static void poll_sleep(int round) { g_usleep(round < 5 ? 50000 : 250000); }

static int timed_out(const char *path, int *virt_code, char **err)
{
    if (virt_code)
        *virt_code = VIR_ERR_OPERATION_TIMEOUT;
    if (err)
        *err = g_strdup_printf(_("%s did not finish before the deadline."), path);
    return -1;
}

int gos_agent_exec(virDomainPtr dom, const char *path, const char *const *args, int64_t deadline_ms,
                   gos_agent_exec_status *out, int *virt_code, char **err)
{
    if (gos_now_ms() >= deadline_ms)
        return timed_out(path, virt_code, err);
    json_object *a = json_object_new_object();
    json_object *argv = json_object_new_array();
    json_object_object_add(a, "path", json_object_new_string(path));
    /* Each argument is its own JSON string: no shell ever sees them joined. */
    for (size_t i = 0; args && args[i]; i++)
        json_object_array_add(argv, json_object_new_string(args[i]));
    json_object_object_add(a, "arg", argv);
    json_object_object_add(a, "capture-output", json_object_new_boolean(1));
    int64_t pid = 0;
    if (exec_start(dom, a, gos_agent_timeout(deadline_ms, 30), &pid, virt_code, err) < 0)
        return -1;
    for (int round = 0;; round++) {
        if (gos_now_ms() >= deadline_ms)
            return timed_out(path, virt_code, err);
        gos_agent_exec_status st = { 0 };
        if (exec_status(dom, pid, gos_agent_timeout(deadline_ms, 30), &st, virt_code, err) < 0)
            return -1;
        if (st.exited) {
            /* The agent forgets the process once it said so: never ask again. */
            *out = st;
            return 0;
        }
        gos_agent_exec_status_clear(&st);
        poll_sleep(round);
    }
}

void gos_agent_probe(virDomainPtr dom, gos_vm *vm, bool answered_before)
{
    int code = 0;
    char *msg = NULL;
    vm->probed_ms = gos_now_ms();
    g_free(vm->agent_note);
    vm->agent_note = NULL;

    if (!vm->channel) {
        vm->heartbeat = GOS_HB_NO_CHANNEL;
        return;
    }
    if (vm->state != GOS_VM_RUNNING) {
        vm->heartbeat = GOS_HB_VM_DOWN;
        return;
    }

    gint64 t0 = g_get_monotonic_time();
    if (agent_ping(dom, GOS_AGENT_PROBE_TIMEOUT, &code, &msg) < 0) {
        if (code == VIR_ERR_NO_SUPPORT) {
            vm->heartbeat = GOS_HB_UNSUPPORTED;
            vm->agent_note = g_strdup(_("This libvirt driver cannot reach guest agents."));
        } else if (code == VIR_ERR_OPERATION_DENIED || code == VIR_ERR_ACCESS_DENIED) {
            vm->heartbeat = GOS_HB_UNKNOWN;
            vm->agent_note = g_strdup(_("The connection is read-only: the guest agent cannot be asked."));
        } else {
            vm->heartbeat = answered_before ? GOS_HB_LOST : GOS_HB_NO_CONTACT;
            vm->agent_note = g_strdup(msg);
        }
        g_free(msg);
        return;
    }
    vm->ping_us = g_get_monotonic_time() - t0;

    gos_agent_info info = { 0 };
    if (gos_agent_get_info(dom, GOS_AGENT_PROBE_TIMEOUT, &info, &code, &msg) == 0) {
        g_free(vm->agent_version);
        vm->agent_version = g_steal_pointer(&info.version);
        vm->features = info.features;
        vm->features_known = info.known;
    } else {
        /* What the agent offers is not known: nothing counts as enabled. */
        vm->features = vm->features_known = 0;
    }
    bool logoff_ok = (vm->features & GOS_FEAT_LOGOFF) == GOS_FEAT_LOGOFF;
    vm->heartbeat = logoff_ok ? GOS_HB_OK : GOS_HB_DEGRADED;
    if (!logoff_ok)
        vm->agent_note = msg ? g_strdup(msg)
                         : info.disabled || info.missing
                             /* TRANSLATORS: %s: agent commands, e.g. "guest-exec, guest-exec-status". */
                             ? g_strdup_printf(_("The guest agent does not allow %s, which logoff needs."),
                                               info.disabled ? info.disabled : info.missing)
                             : g_strdup(_("Commands that logoff needs are disabled in the guest agent."));
    gos_agent_info_clear(&info);
    g_clear_pointer(&msg, g_free);

    if (vm->features & GOS_FEAT_OSINFO) {
        gos_agent_osinfo os = { 0 };
        if (gos_agent_get_osinfo(dom, GOS_AGENT_PROBE_TIMEOUT, &os, &code, &msg) == 0) {
            g_free(vm->os_name);
            g_free(vm->os_id);
            vm->os_name = g_steal_pointer(&os.pretty_name);
            vm->os_id = g_steal_pointer(&os.id);
            g_clear_pointer(&vm->os_key, g_free);
            gos_vm_set_keys(vm);
        }
        gos_agent_osinfo_clear(&os);
        g_clear_pointer(&msg, g_free);
    }

    g_free(msg);
}
