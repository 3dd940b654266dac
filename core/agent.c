/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The guest-agent protocol as guestos uses it: ping, info, users, osinfo and guest-exec. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <libvirt/libvirt-qemu.h>
#include <libvirt/virterror.h>

#include "base/text.h"
#include "core/agent.h"
#include "core/host.h"
#include "base/i18n.h"
#include "core/task.h"

/* Guest strings are untrusted: bounded and stripped before they go anywhere. */
#define GUEST_TEXT_MAX 256

json_object *gos_agent_cmd(virDomainPtr dom, const char *cmd, int timeout_s, int *virt_code, char **err)
{
    char *reply = virDomainQemuAgentCommand(dom, cmd, timeout_s, 0);
    if (!reply) {
        char *msg = NULL;
        int code = gos_virt_last_error(&msg);
        if (virt_code)
            *virt_code = code ? code : VIR_ERR_INTERNAL_ERROR;
        if (err)
            *err = msg ? msg : g_strdup(_("The guest agent did not answer."));
        else
            g_free(msg);
        return NULL;
    }
    json_object *root = json_tokener_parse(reply);
    free(reply);
    json_object *ret = NULL;
    if (root && json_object_object_get_ex(root, "return", &ret)) {
        json_object_get(ret);
        json_object_put(root);
        return ret;
    }
    json_object_put(root);
    if (virt_code)
        *virt_code = VIR_ERR_INTERNAL_ERROR;
    if (err)
        *err = g_strdup(_("The guest agent sent a reply that is not valid."));
    return NULL;
}

static json_object *cmd_obj(const char *execute, json_object *args)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "execute", json_object_new_string(execute));
    if (args)
        json_object_object_add(o, "arguments", args);
    return o;
}

static json_object *run_obj(virDomainPtr dom, json_object *cmd, int timeout_s, int *virt_code, char **err)
{
    json_object *r = gos_agent_cmd(dom, json_object_to_json_string_ext(cmd, JSON_C_TO_STRING_PLAIN),
                                   timeout_s, virt_code, err);
    json_object_put(cmd);
    return r;
}

static const char *jstr(json_object *o, const char *key)
{
    json_object *v;
    if (o && json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string))
        return json_object_get_string(v);
    return NULL;
}

void gos_users_free(gos_user *users, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        g_free(users[i].name);
        g_free(users[i].domain);
    }
    g_free(users);
}

/* Users come from guest-get-users through the agent-command API, which takes
 * a response timeout; virDomainGetGuestInfo would use the domain's agent
 * timeout, which the QEMU driver leaves at "block" (and changing it would
 * change it for every other client of the host). */
int gos_agent_users(virDomainPtr dom, gos_user **users_out, size_t *n_out, int *virt_code, char **err)
{
    json_object *r = run_obj(dom, cmd_obj("guest-get-users", NULL), GOS_AGENT_PROBE_TIMEOUT, virt_code, err);
    if (!r)
        return -1;
    if (!json_object_is_type(r, json_type_array)) {
        json_object_put(r);
        if (virt_code)
            *virt_code = VIR_ERR_INTERNAL_ERROR;
        if (err)
            *err = g_strdup(_("The guest agent sent a user list that is not valid."));
        return -1;
    }
    size_t count = MIN(json_object_array_length(r), (size_t)4096);
    gos_user *users = count ? g_new0(gos_user, count) : NULL;
    size_t n = 0;
    for (size_t i = 0; i < count; i++) {
        json_object *u = json_object_array_get_idx(r, i), *lt;
        const char *name = jstr(u, "user");
        if (!name)
            continue;
        const char *domain = jstr(u, "domain");
        users[n].name = gos_text_clean(name, GUEST_TEXT_MAX);
        users[n].domain = domain ? gos_text_clean(domain, GUEST_TEXT_MAX) : NULL;
        if (json_object_object_get_ex(u, "login-time", &lt)) {
            double secs = json_object_get_double(lt);
            users[n].login_ms = secs > 0 && secs < 1e11 ? (int64_t)(secs * 1000.0) : 0;
        }
        n++;
    }
    json_object_put(r);
    *users_out = users;
    *n_out = n;
    return 0;
}

char *gos_agent_os_id(virDomainPtr dom, int *virt_code, char **err)
{
    json_object *r = run_obj(dom, cmd_obj("guest-get-osinfo", NULL), GOS_AGENT_PROBE_TIMEOUT, virt_code, err);
    char *id = jstr(r, "id") ? gos_text_clean(jstr(r, "id"), 64) : NULL;
    json_object_put(r);
    return id;
}

/* Which guest-info commands make up each feature. */
static const struct {
    const char *command;
    unsigned feature;
} feature_cmds[] = {
    { "guest-get-users", GOS_FEAT_USERS },
    { "guest-exec", GOS_FEAT_EXEC },
    { "guest-exec-status", GOS_FEAT_EXEC },
    { "guest-get-osinfo", GOS_FEAT_OSINFO },
    { "guest-shutdown", GOS_FEAT_SHUTDOWN },
    { "guest-set-time", GOS_FEAT_TIMESYNC },
    { "guest-fsfreeze-freeze", GOS_FEAT_FREEZE },
    { "guest-fsfreeze-thaw", GOS_FEAT_FREEZE },
};

static void read_features(json_object *info, unsigned *enabled, unsigned *known)
{
    unsigned disabled = 0;
    *enabled = *known = 0;
    json_object *cmds;
    if (!json_object_object_get_ex(info, "supported_commands", &cmds) || !json_object_is_type(cmds, json_type_array))
        return;
    size_t n = json_object_array_length(cmds);
    for (size_t i = 0; i < n; i++) {
        json_object *c = json_object_array_get_idx(cmds, i), *en;
        const char *name = jstr(c, "name");
        if (!name)
            continue;
        bool on = json_object_object_get_ex(c, "enabled", &en) && json_object_get_boolean(en);
        for (size_t k = 0; k < G_N_ELEMENTS(feature_cmds); k++) {
            if (strcmp(name, feature_cmds[k].command))
                continue;
            *known |= feature_cmds[k].feature;
            if (on)
                *enabled |= feature_cmds[k].feature;
            else
                disabled |= feature_cmds[k].feature;
        }
    }
    /* A feature made of several commands needs all of them. */
    *enabled &= ~disabled;
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
    json_object *r = run_obj(dom, cmd_obj("guest-ping", NULL), GOS_AGENT_PROBE_TIMEOUT, &code, &msg);
    if (!r) {
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
    json_object_put(r);
    vm->ping_us = g_get_monotonic_time() - t0;

    r = run_obj(dom, cmd_obj("guest-info", NULL), GOS_AGENT_PROBE_TIMEOUT, &code, &msg);
    if (r) {
        g_free(vm->agent_version);
        vm->agent_version = jstr(r, "version") ? gos_text_clean(jstr(r, "version"), 64) : NULL;
        read_features(r, &vm->features, &vm->features_known);
        json_object_put(r);
    } else {
        g_free(msg);
        msg = NULL;
    }
    vm->heartbeat = (vm->features & GOS_FEAT_LOGOFF) == GOS_FEAT_LOGOFF ? GOS_HB_OK : GOS_HB_DEGRADED;
    if (vm->heartbeat == GOS_HB_DEGRADED)
        vm->agent_note = g_strdup(_("Commands that logoff needs are disabled in the guest agent."));

    if (vm->features & GOS_FEAT_OSINFO) {
        r = run_obj(dom, cmd_obj("guest-get-osinfo", NULL), GOS_AGENT_PROBE_TIMEOUT, &code, &msg);
        if (r) {
            const char *pretty = jstr(r, "pretty-name") ? jstr(r, "pretty-name") : jstr(r, "name");
            g_free(vm->os_name);
            g_free(vm->os_id);
            vm->os_name = pretty ? gos_text_clean(pretty, GUEST_TEXT_MAX) : NULL;
            g_clear_pointer(&vm->os_key, g_free);
            gos_vm_set_keys(vm);
            vm->os_id = jstr(r, "id") ? gos_text_clean(jstr(r, "id"), 64) : NULL;
            json_object_put(r);
        }
        g_free(msg);
        msg = NULL;
    }

    gos_user *users = NULL;
    size_t n = 0;
    gos_users_free(vm->users, vm->n_users);
    vm->users = NULL;
    vm->n_users = 0;
    vm->users_known = false;
    if (gos_agent_users(dom, &users, &n, &code, &msg) == 0) {
        vm->users = users;
        vm->n_users = n;
        vm->users_known = true;
    }
    g_free(msg);
}

/* guest-exec-status polls: quick at first, then every 250 ms. */
static void poll_sleep(int round) { g_usleep(round < 5 ? 50000 : 250000); }

int gos_agent_exec(virDomainPtr dom, const char *path, const char *const *args, int64_t deadline_ms,
                   int *exitcode, char **out, int *virt_code, char **err)
{
    json_object *a = json_object_new_object();
    json_object *argv = json_object_new_array();
    json_object_object_add(a, "path", json_object_new_string(path));
    /* Each argument is its own JSON string: no shell ever sees them joined. */
    for (size_t i = 0; args && args[i]; i++)
        json_object_array_add(argv, json_object_new_string(args[i]));
    json_object_object_add(a, "arg", argv);
    json_object_object_add(a, "capture-output", json_object_new_boolean(1));

    int64_t left = deadline_ms - gos_now_ms();
    int timeout_s = (int)CLAMP(left / 1000, 1, 30);
    json_object *r = run_obj(dom, cmd_obj("guest-exec", a), timeout_s, virt_code, err);
    if (!r)
        return -1;
    json_object *pidv;
    if (!json_object_object_get_ex(r, "pid", &pidv)) {
        json_object_put(r);
        if (virt_code)
            *virt_code = VIR_ERR_INTERNAL_ERROR;
        if (err)
            *err = g_strdup(_("guest-exec returned no process id."));
        return -1;
    }
    int64_t pid = json_object_get_int64(pidv);
    json_object_put(r);

    for (int round = 0;; round++) {
        if (gos_now_ms() >= deadline_ms)
            return 1;
        json_object *sa = json_object_new_object();
        json_object_object_add(sa, "pid", json_object_new_int64(pid));
        r = run_obj(dom, cmd_obj("guest-exec-status", sa), timeout_s, virt_code, err);
        if (!r)
            return -1;
        json_object *ex, *code;
        bool exited = json_object_object_get_ex(r, "exited", &ex) && json_object_get_boolean(ex);
        if (exited) {
            *exitcode = json_object_object_get_ex(r, "exitcode", &code) ? json_object_get_int(code) : -1;
            if (out) {
                GString *s = g_string_new(NULL);
                const char *fields[] = { "out-data", "err-data" };
                for (size_t k = 0; k < 2; k++) {
                    const char *b64 = jstr(r, fields[k]);
                    if (!b64)
                        continue;
                    gsize len = 0;
                    guchar *raw = g_base64_decode(b64, &len);
                    g_string_append_len(s, (const char *)raw, (gssize)MIN(len, 65536));
                    g_free(raw);
                }
                /* Raw text for parsing (query session); callers sanitise before showing it. */
                *out = g_string_free(s, FALSE);
            }
            json_object_put(r);
            return 0;
        }
        json_object_put(r);
        poll_sleep(round);
    }
}
