/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The domains of a host: handles kept per connection, the agent channel from the XML, and the inventory listing in bulk calls. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <libvirt/virterror.h>

#include "base/i18n.h"
#include "base/text.h"
#include "base/time.h"
#include "core/host.h"
#include "core/host_impl.h"

/* --- domains -------------------------------------------------------------- */

static void parse_channel(const char *xml, bool *configured, gos_chan_state *state)
{
    *configured = false;
    *state = GOS_CHAN_UNKNOWN;
    /* The agent channel is a <channel> whose <target> is named
     * org.qemu.guest_agent.0; its state attribute is live. */
    const char *p = xml;
    while ((p = strstr(p, "<channel"))) {
        const char *end = strstr(p, "</channel>");
        if (!end)
            break;
        char *chan = g_strndup(p, end - p);
        if (strstr(chan, "name='org.qemu.guest_agent.0'") || strstr(chan, "name=\"org.qemu.guest_agent.0\"")) {
            *configured = true;
            if (strstr(chan, "state='connected'") || strstr(chan, "state=\"connected\""))
                *state = GOS_CHAN_CONNECTED;
            else if (strstr(chan, "state='disconnected'") || strstr(chan, "state=\"disconnected\""))
                *state = GOS_CHAN_DISCONNECTED;
        }
        g_free(chan);
        if (*configured)
            break;
        p = end;
    }
}

void gos_domain_channel(virDomainPtr dom, bool *configured, gos_chan_state *state)
{
    *configured = false;
    *state = GOS_CHAN_UNKNOWN;
    char *xml = virDomainGetXMLDesc(dom, 0);
    if (!xml) {
        virResetLastError();
        return;
    }
    parse_channel(xml, configured, state);
    free(xml);
}

virDomainPtr gos_domain_lookup(virConnectPtr conn, const char *key, int *virt_code, char **err)
{
    virDomainPtr dom = NULL;
    if (g_uuid_string_is_valid(key))
        dom = virDomainLookupByUUIDString(conn, key);
    if (!dom && virConnectIsAlive(conn) != 0) {
        virResetLastError();
        dom = virDomainLookupByName(conn, key);
    }
    if (!dom) {
        char *msg = NULL;
        int code = gos_virt_last_error(&msg);
        bool gone = virConnectIsAlive(conn) == 0;
        virResetLastError();
        if (gone) {
            /* The VM may well be there: the connection is not. */
            if (virt_code)
                *virt_code = code ? code : VIR_ERR_NO_CONNECT;
            if (err)
                *err = g_strdup_printf(_("The connection to the host was lost while looking up '%s': %s"), key,
                                       msg ? msg : _("unknown error"));
        } else if (!code || code == VIR_ERR_NO_DOMAIN) {
            if (virt_code)
                *virt_code = VIR_ERR_NO_DOMAIN;
            if (err)
                *err = g_strdup_printf(_("No virtual machine named or with UUID '%s' on this host."), key);
        } else {
            if (virt_code)
                *virt_code = code;
            if (err)
                *err = g_strdup_printf(_("Cannot look up '%s': %s"), key, msg);
        }
        g_free(msg);
    }
    return dom;
}

virDomainPtr gos_host_domain(gos_host *h, virConnectPtr c, const char *key, int *virt_code, char **err)
{
    g_mutex_lock(&h->lock);
    conn_slot *s = gos_host_slot_of_locked(h, c, NULL);
    const char *uuid = g_uuid_string_is_valid(key) ? key : g_hash_table_lookup(h->names, key);
    virDomainPtr dom = s && uuid ? g_hash_table_lookup(s->doms, uuid) : NULL;
    if (dom)
        virDomainRef(dom);
    g_mutex_unlock(&h->lock);
    if (dom)
        return dom;
    dom = gos_domain_lookup(c, key, virt_code, err);
    if (!dom)
        return NULL;
    char u[VIR_UUID_STRING_BUFLEN];
    if (virDomainGetUUIDString(dom, u) == 0) {
        g_mutex_lock(&h->lock);
        s = gos_host_slot_of_locked(h, c, NULL);
        if (s) {
            virDomainRef(dom);
            g_hash_table_replace(s->doms, g_strdup(u), dom);
        }
        g_mutex_unlock(&h->lock);
    }
    return dom;
}

static gos_vm_state map_state(int s)
{
    return s >= 0 && s < GOS_VM_N_STATES ? (gos_vm_state)s : GOS_VM_NOSTATE;
}

/* The stats records of every domain with its state, in one call. NOWAIT:
 * a domain busy in a long job (a migration, a hung agent) must not hold the
 * listing of all the others. Returns the count or -1. */
static int all_states(virConnectPtr c, virDomainStatsRecordPtr **recs)
{
    int n = virConnectGetAllDomainStats(c, VIR_DOMAIN_STATS_STATE, recs, VIR_CONNECT_GET_ALL_DOMAINS_STATS_NOWAIT);
    if (n < 0 && virGetLastErrorCode() == VIR_ERR_INVALID_ARG) {
        /* a daemon older than the flag (libvirt < 4.5) */
        virResetLastError();
        n = virConnectGetAllDomainStats(c, VIR_DOMAIN_STATS_STATE, recs, 0);
    }
    return n;
}

int gos_host_list(gos_host *h, gos_vm ***out, size_t *n_out, char **err)
{
    g_mutex_lock(&h->lock);
    conn_slot *main_slot = h->up && h->slots->len ? g_ptr_array_index(h->slots, 0) : NULL;
    virConnectPtr c = main_slot && !main_slot->dead ? main_slot->conn : NULL;
    if (c)
        virConnectRef(c);
    g_mutex_unlock(&h->lock);
    if (!c) {
        if (err)
            *err = g_strdup_printf(_("%s is not connected."), h->uri);
        return -1;
    }
    virDomainStatsRecordPtr *recs = NULL;
    int n = all_states(c, &recs);
    if (n < 0) {
        char *msg = NULL;
        gos_virt_last_error(&msg);
        bool lost = gos_host_conn_lost(h, c);
        if (err)
            *err = lost ? g_strdup_printf(_("The connection to %s was lost while listing its domains: %s"), h->uri,
                                          msg ? msg : "?")
                        : g_strdup_printf(_("Cannot list the domains of %s: %s"), h->uri, msg ? msg : "?");
        g_free(msg);
        virConnectClose(c);
        return -1;
    }

    gos_vm **vms = g_new0(gos_vm *, n + 1);
    GHashTable *doms = gos_host_doms_new();
    GHashTable *names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    for (int i = 0; i < n; i++) {
        virDomainPtr dom = recs[i]->dom;
        gos_vm *vm = gos_vm_new();
        vm->host = g_strdup(h->uri);
        virDomainGetUUIDString(dom, vm->uuid);
        const char *raw = virDomainGetName(dom);
        vm->name = gos_text_clean(raw, 256);
        /* The sort key here, on the worker: the UI thread only compares. */
        vm->name_key = gos_vm_sort_key(vm->name);
        for (int j = 0; j < recs[i]->nparams; j++) {
            virTypedParameterPtr p = &recs[i]->params[j];
            if (!strcmp(p->field, "state.state"))
                vm->state = map_state(p->value.i);
            else if (!strcmp(p->field, "state.reason"))
                vm->reason = p->value.i;
        }
        virDomainRef(dom);
        g_hash_table_replace(doms, g_strdup(vm->uuid), dom);
        if (raw)
            g_hash_table_replace(names, g_strdup(raw), g_strdup(vm->uuid));
        vms[i] = vm;
    }
    virDomainStatsRecordListFree(recs);

    g_mutex_lock(&h->lock);
    /* The handles of this listing replace the main connection's, if it is
     * still the main one. */
    if (h->slots->len && ((conn_slot *)g_ptr_array_index(h->slots, 0))->conn == c) {
        conn_slot *s = g_ptr_array_index(h->slots, 0);
        GHashTable *old = s->doms;
        s->doms = doms;
        doms = old;
    }
    GHashTable *old_names = h->names;
    h->names = names;
    GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
    for (int i = 0; i < n; i++) {
        gos_vm *vm = vms[i];
        g_hash_table_add(seen, vm->uuid);
        chan_info *ci = g_hash_table_lookup(h->chans, vm->uuid);
        if (ci && ci->known && !ci->stale)
            gos_vm_set_channel(vm, ci->configured, ci->state);
        if (ci) {
            vm->agent_event = ci->agent_event;
            ci->agent_event = false;
        }
    }
    /* Forget channels of domains that are gone. */
    GHashTableIter it;
    gpointer key;
    g_hash_table_iter_init(&it, h->chans);
    while (g_hash_table_iter_next(&it, &key, NULL))
        if (!g_hash_table_contains(seen, key))
            g_hash_table_iter_remove(&it);
    g_mutex_unlock(&h->lock);
    g_hash_table_destroy(seen);
    g_hash_table_destroy(old_names);
    g_hash_table_destroy(doms);

    virConnectClose(c);
    *out = vms;
    *n_out = (size_t)n;
    return 0;
}

int gos_host_read_channel(gos_host *h, const char *uuid, bool *configured, gos_chan_state *state, bool *lost)
{
    *lost = false;
    virConnectPtr c = gos_host_conn(h);
    if (!c) {
        *lost = true;
        return -1;
    }
    int code = 0, rc = -1;
    virDomainPtr dom = gos_host_domain(h, c, uuid, &code, NULL);
    char *xml = dom ? virDomainGetXMLDesc(dom, 0) : NULL;
    if (!xml) {
        code = dom ? virGetLastErrorCode() : code;
        virResetLastError();
        *lost = gos_host_conn_lost(h, c);
        rc = !*lost && code == VIR_ERR_NO_DOMAIN ? 1 : -1;
    } else {
        parse_channel(xml, configured, state);
        free(xml);
        g_mutex_lock(&h->lock);
        chan_info *ci = g_hash_table_lookup(h->chans, uuid);
        if (!ci) {
            ci = g_new0(chan_info, 1);
            g_hash_table_insert(h->chans, g_strdup(uuid), ci);
        }
        ci->configured = *configured;
        /* An agent event that came while the XML was on its way is newer. */
        if (ci->agent_event)
            *state = ci->state;
        ci->state = *state;
        ci->known = true;
        ci->stale = false;
        g_mutex_unlock(&h->lock);
        rc = 0;
    }
    if (dom)
        virDomainFree(dom);
    gos_host_conn_release(h, c);
    return rc;
}

gos_agent_link gos_host_agent_link(gos_host *h, const char *uuid)
{
    gos_agent_link link = GOS_AGENT_LINK_UNKNOWN;
    g_mutex_lock(&h->lock);
    chan_info *ci = g_hash_table_lookup(h->chans, uuid);
    if (ci && ci->state == GOS_CHAN_CONNECTED)
        link = GOS_AGENT_LINK_CONNECTED;
    else if (ci && ci->state == GOS_CHAN_DISCONNECTED)
        link = GOS_AGENT_LINK_DISCONNECTED;
    g_mutex_unlock(&h->lock);
    return link;
}

bool gos_host_no_agent(gos_host *h)
{
    g_mutex_lock(&h->lock);
    bool r = h->no_agent;
    g_mutex_unlock(&h->lock);
    return r;
}

void gos_host_set_no_agent(gos_host *h)
{
    g_mutex_lock(&h->lock);
    h->no_agent = true;
    g_mutex_unlock(&h->lock);
}
