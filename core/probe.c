/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Agent probes: who is due, bounded by the probe pool; answers arrive on the bus. */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <libvirt/virterror.h>

#include "base/i18n.h"
#include "core/agent.h"
#include "core/logons.h"
#include "core/session_impl.h"
#include "core/session_priv.h"

typedef struct {
    gos_bus *bus;
    gos_host *host;
    gos_vm *vm;
    bool answered;
} probe_job;

void gos_probe_job_run(gpointer item, gpointer user)
{
    probe_job *j = item;
    virConnectPtr c = gos_host_conn(j->host);
    if (c) {
        virDomainPtr dom = virDomainLookupByUUIDString(c, j->vm->uuid);
        if (dom) {
            gos_agent_probe(dom, j->vm, j->answered);
            if (j->vm->heartbeat == GOS_HB_OK || j->vm->heartbeat == GOS_HB_DEGRADED)
                gos_logons_probe(dom, j->vm, gos_now_ms() + GOS_LOGONS_PROBE_MS);
            else
                gos_vm_clear_users(j->vm, j->vm->heartbeat == GOS_HB_LOST || j->vm->heartbeat == GOS_HB_NO_CONTACT
                                              ? _("Not known: the guest agent does not answer.")
                                              : NULL);
            virDomainFree(dom);
        }
        virResetLastError();
        virConnectClose(c);
    }
    gos_msg *m = gos_msg_new(GOS_MSG_VM_AGENT);
    m->host = g_strdup(j->vm->host);
    m->vms = g_new0(gos_vm *, 1);
    m->vms[0] = j->vm;
    m->n_vms = 1;
    gos_bus_post(j->bus, m);
    g_free(j);
}

void gos_session_post_agent(gos_session *s, gos_vm *probe)
{
    gos_msg *m = gos_msg_new(GOS_MSG_VM_AGENT);
    m->host = g_strdup(probe->host);
    m->vms = g_new0(gos_vm *, 1);
    m->vms[0] = probe;
    m->n_vms = 1;
    gos_bus_post(s->bus, m);
}

void gos_probe_job_free(gpointer item)
{
    probe_job *j = item;
    gos_vm_free(j->vm);
    g_free(j);
}

/* Queues a probe of vm's agent (one at a time per VM). */
static void push_probe(gos_session *s, const gos_vm *vm)
{
    host_entry *h = gos_session_find_host(s, vm->host);
    if (!h || gos_ref_set_has(s->probing, vm))
        return;
    probe_job *j = g_new0(probe_job, 1);
    j->bus = s->bus;
    j->host = h->host;
    j->vm = gos_vm_dup(vm);
    j->answered = gos_ref_set_has(s->answered, vm);
    gos_ref_set_add(s->probing, vm);
    g_thread_pool_push(s->probes, j, NULL);
}

void gos_session_probe_now(gos_session *s, const char *host, const char *uuid)
{
    if (s->no_probes || !host || !uuid)
        return;
    const gos_vm *vm = gos_inventory_find(s->inv, host, uuid);
    if (!vm || !vm->channel || vm->state != GOS_VM_RUNNING)
        return;
    if (gos_ref_set_has(s->probing, vm))
        gos_ref_set_add(s->probe_again, vm);   /* it may have read before the change */
    else
        push_probe(s, vm);
}

/* Probes the agents of running VMs with a channel whose data is older than
 * the interval, at most max_probes at once (the pool bounds it). A driver
 * without agent support (the test driver) does not grow one: such VMs are
 * probed again only when forced (refresh) or when an agent event came. */
void gos_session_schedule_probes(gos_session *s, bool force)
{
    if (s->no_probes)
        return;
    int64_t now = gos_now_ms();
    size_t n = gos_inventory_count(s->inv), probeable = 0;
    for (size_t i = 0; i < n; i++) {
        const gos_vm *vm = gos_inventory_at(s->inv, i);
        if (!vm->channel || vm->state != GOS_VM_RUNNING)
            continue;
        if (!force && !vm->agent_event && vm->heartbeat == GOS_HB_UNSUPPORTED)
            continue;
        probeable++;
        if (!force && !vm->agent_event && vm->probed_ms && now - vm->probed_ms < PROBE_INTERVAL_MS)
            continue;
        if (gos_ref_set_has(s->probing, vm))
            continue;
        push_probe(s, vm);
    }
    /* No timer at all while nothing has an agent to ask: no idle wakeups. */
    s->next_probe_ms = probeable ? now + PROBE_INTERVAL_MS : 0;
}

long gos_session_timeout_ms(gos_session *s)
{
    if (!s->next_probe_ms)
        return -1;
    int64_t left = s->next_probe_ms - gos_now_ms();
    return left < 0 ? 0 : (long)MIN(left, (int64_t)G_MAXINT);
}

