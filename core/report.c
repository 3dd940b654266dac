/* SPDX-License-Identifier: GPL-2.0-or-later */
/* VMs and task outcomes as JSON objects: the names `list --json`, batch --json and the audit export share. */
#include <config.h>

#include <string.h>

#include <glib.h>

#include "base/text.h"
#include "base/time.h"
#include "core/logoff.h"
#include "core/report.h"

json_object *gos_json_text(const char *text)
{
    if (!text)
        return NULL;
    /* Guest and libvirt text may hold anything; the line must stay valid JSON. */
    char *clean = gos_text_clean(text, 4096);
    json_object *o = json_object_new_string(clean);
    g_free(clean);
    return o;
}

json_object *gos_json_hr(gos_hr hr)
{
    char hex[16];
    g_snprintf(hex, sizeof hex, "0x%08X", (unsigned)hr);
    return json_object_new_string(hex);
}

/* The names as an array, as the audit export writes them. */
json_object *gos_json_users(const char *const *users)
{
    if (!users)
        return NULL;
    json_object *a = json_object_new_array();
    for (size_t i = 0; users[i]; i++)
        json_object_array_add(a, gos_json_text(users[i]));
    return a;
}


/* type: NULL for `list --json`, "vm" for the JSON lines of batch. */
json_object *gos_report_vm(const gos_vm *vm, const char *type)
{
    json_object *o = json_object_new_object();
    if (type)
        json_object_object_add(o, "type", json_object_new_string(type));
    json_object_object_add(o, "host", json_object_new_string(vm->host));
    json_object_object_add(o, "uuid", json_object_new_string(vm->uuid));
    json_object_object_add(o, "name", json_object_new_string(vm->name ? vm->name : ""));
    json_object_object_add(o, "state", json_object_new_string(gos_vm_state_key(vm->state)));

    json_object *a = json_object_new_object();
    /* null until the XML was read (list without --wait does not wait for it) */
    json_object_object_add(a, "channel", vm->channel_known ? json_object_new_boolean(vm->channel) : NULL);
    json_object_object_add(a, "channel_state",
                           vm->channel_state == GOS_CHAN_CONNECTED      ? json_object_new_string("connected")
                           : vm->channel_state == GOS_CHAN_DISCONNECTED ? json_object_new_string("disconnected")
                                                                        : NULL);
    json_object_object_add(a, "heartbeat", json_object_new_string(gos_heartbeat_key(vm->heartbeat)));
    json_object_object_add(a, "note", vm->agent_note ? json_object_new_string(vm->agent_note) : NULL);
    json_object_object_add(a, "version", vm->agent_version ? json_object_new_string(vm->agent_version) : NULL);
    json_object_object_add(a, "ping_us", vm->ping_us >= 0 ? json_object_new_int64(vm->ping_us) : NULL);
    json_object *f = json_object_new_object();
    static const struct { const char *name; unsigned bit; } feats[] = {
        { "users", GOS_FEAT_USERS }, { "exec", GOS_FEAT_EXEC }, { "osinfo", GOS_FEAT_OSINFO },
        { "shutdown", GOS_FEAT_SHUTDOWN }, { "timesync", GOS_FEAT_TIMESYNC }, { "freeze", GOS_FEAT_FREEZE },
    };
    bool probed = vm->features_known != 0;
    for (size_t i = 0; i < G_N_ELEMENTS(feats); i++)
        json_object_object_add(f, feats[i].name, probed ? json_object_new_boolean((vm->features & feats[i].bit) != 0) : NULL);
    json_object_object_add(f, "logoff", probed ? json_object_new_boolean((vm->features & GOS_FEAT_LOGOFF) == GOS_FEAT_LOGOFF) : NULL);
    json_object_object_add(a, "features", f);
    json_object_object_add(o, "agent", a);

    if (vm->users_known) {
        json_object *us = json_object_new_array();
        for (size_t i = 0; i < vm->n_users; i++) {
            json_object *u = json_object_new_object();
            char *t = gos_time_iso(vm->users[i].login_ms, false);
            json_object_object_add(u, "name", json_object_new_string(vm->users[i].name));
            json_object_object_add(u, "domain", vm->users[i].domain ? json_object_new_string(vm->users[i].domain) : NULL);
            json_object_object_add(u, "login_time", t ? json_object_new_string(t) : NULL);
            g_free(t);
            /* Where each fact came from: logind's sessions, utmp, or both. */
            json_object *src = json_object_new_array();
            if (vm->users[i].sources & GOS_USER_LOGIND)
                json_object_array_add(src, json_object_new_string("logind"));
            if (vm->users[i].sources & GOS_USER_UTMP)
                json_object_array_add(src, json_object_new_string("utmp"));
            json_object_object_add(u, "sources", src);
            json_object_object_add(u, "sessions", (vm->users[i].sources & GOS_USER_LOGIND)
                                                      ? json_object_new_int64((int64_t)vm->users[i].sessions)
                                                      : NULL);
            json_object_object_add(u, "where", gos_json_text(vm->users[i].where));
            json_object_array_add(us, u);
        }
        json_object_object_add(o, "users", us);
    } else {
        json_object_object_add(o, "users", NULL);
    }
    json_object_object_add(o, "users_note", gos_json_text(vm->users_note));
    json_object_object_add(o, "logind", vm->users_known ? json_object_new_boolean(vm->logind) : NULL);
    json_object *stale = NULL;
    if (vm->stale_utmp) {
        stale = json_object_new_array();
        for (char **p = vm->stale_utmp; *p; p++)
            json_object_array_add(stale, json_object_new_string(*p));
    }
    json_object_object_add(o, "stale_utmp", stale);
    json_object *os = NULL;
    if (vm->os_name || vm->os_id) {
        os = json_object_new_object();
        json_object_object_add(os, "name", vm->os_name ? json_object_new_string(vm->os_name) : NULL);
        json_object_object_add(os, "id", vm->os_id ? json_object_new_string(vm->os_id) : NULL);
    }
    json_object_object_add(o, "os", os);
    return o;
}

/* The session's view as `guestos list` prints it: one VM a line. */

json_object *gos_report_task(const gos_task_info *i, int line)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "type", json_object_new_string("task"));
    json_object_object_add(o, "task_id", json_object_new_string(i->id));
    json_object_object_add(o, "host", gos_json_text(i->host));
    json_object_object_add(o, "vm_uuid", gos_json_text(i->vm_uuid));
    json_object_object_add(o, "vm_name", gos_json_text(i->vm_name));
    json_object_object_add(o, "vm", gos_json_text(i->vm));
    json_object_object_add(o, "action", gos_json_text(i->action));
    json_object_object_add(o, "origin", gos_json_text(i->origin));
    if (line > 0)
        json_object_object_add(o, "line", json_object_new_int(line));
    char *sub = gos_time_iso(i->submitted_ms, true), *end = gos_time_iso(i->ended_ms, true);
    json_object_object_add(o, "submitted_at", gos_json_text(sub));
    json_object_object_add(o, "ended_at", gos_json_text(end));
    g_free(sub);
    g_free(end);
    json_object_object_add(o, "call_hresult", i->has_call_hr ? gos_json_hr(i->call_hr) : NULL);
    json_object_object_add(o, "call_hresult_name", i->has_call_hr ? gos_json_text(gos_hr_name(i->call_hr)) : NULL);
    json_object_object_add(o, "task_result", gos_json_text(gos_result_name(i->result)));
    json_object_object_add(o, "task_result_code", json_object_new_int((int)i->result));
    json_object_object_add(o, "task_error", gos_json_hr(i->error));
    json_object_object_add(o, "task_error_name", gos_json_text(gos_hr_name(i->error)));
    json_object_object_add(o, "task_error_description", gos_json_text(i->error_description));
    json_object_object_add(o, "virt_code", i->virt_code ? json_object_new_int(i->virt_code) : NULL);
    json_object_object_add(o, "message", gos_json_text(i->message));
    json_object_object_add(o, "users_before", gos_json_users((const char *const *)i->users_before));
    json_object_object_add(o, "users_after", gos_json_users((const char *const *)i->users_after));
    return o;
}

