/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Agent probes: who is due, on the host's own lane with its kept domain handle, and a backoff for agents that failed. */
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

/*
 * A probe runs on its host's dom lane (a few at once per host, beside the
 * channel reads, which go first), on the domain handle the listing kept,
 * and every agent call in it has a response timeout (gos_agent_probe). An
 * agent that did not answer is left alone for PROBE_BACKOFF_MS, doubling
 * with each failure in a row, refresh or not; an agent lifecycle event
 * (it connected) ends the wait. A driver that has no agent support at all
 * says so once for the whole host.
 */

typedef struct {
    gos_bus *bus;
    gos_host *host;
    gos_vm *vm;
    bool answered;
} probe_job;

static void probe_post(probe_job *j, bool lost)
{
    gos_msg *m = gos_msg_new(GOS_MSG_VM_AGENT);
    m->host = g_strdup(j->vm->host);
    m->lost = lost;
    m->vms = g_new0(gos_vm *, 1);
    m->vms[0] = j->vm;
    m->n_vms = 1;
    j->vm = NULL;
    gos_bus_post(j->bus, m);
}

static void probe_job_free(probe_job *j)
{
    gos_vm_free(j->vm);
    gos_host_unref(j->host);
    gos_bus_unref(j->bus);
    g_free(j);
}

static void probe_job_main(void *data)
{
    probe_job *j = data;
    bool lost = true;
    virConnectPtr c = gos_host_conn(j->host);
    if (c) {
        virDomainPtr dom = gos_host_domain(j->host, c, j->vm->uuid, NULL, NULL);
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
        /* A probe that failed because the connection went says nothing of
         * the agent: it is not counted against it. */
        lost = j->vm->heartbeat != GOS_HB_OK && j->vm->heartbeat != GOS_HB_DEGRADED &&
               gos_host_conn_lost(j->host, c);
        if (!lost && !dom)
            lost = true;   /* the domain went: the next listing says so */
        if (j->vm->heartbeat == GOS_HB_UNSUPPORTED)
            gos_host_set_no_agent(j->host);
        gos_host_conn_release(j->host, c);
    }
    probe_post(j, lost);
    probe_job_free(j);
}

static void probe_job_drop(void *data)
{
    probe_job *j = data;
    probe_post(j, true);
    probe_job_free(j);
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

static bool backed_off(gos_session *s, const gos_vm *vm, int64_t now)
{
    gos_vm_ref r = { vm->host, vm->uuid };
    probe_backoff *b = g_hash_table_lookup(s->backoff, &r);
    return b && now < b->until_ms;
}

/* Whether vm is probed now; true when a probe went out or was answered
 * for it at once. */
static bool probe_if_due(gos_session *s, host_entry *h, const gos_vm *vm, bool force, int64_t now)
{
    if (gos_ref_set_has(s->probing, vm))
        return false;
    if (!vm->agent_event && backed_off(s, vm, now))
        return false;
    if (gos_host_no_agent(h->host)) {
        /* The driver said so for another VM of the host: no call needed. */
        if (vm->heartbeat == GOS_HB_UNSUPPORTED)
            return false;
        gos_vm *p = gos_vm_dup(vm);
        p->heartbeat = GOS_HB_UNSUPPORTED;
        g_free(p->agent_note);
        p->agent_note = g_strdup(_("This libvirt driver cannot reach guest agents."));
        p->probed_ms = now;
        gos_ref_set_add(s->probing, vm);
        h->probes_out++;
        gos_session_post_agent(s, p);
        return true;
    }
    probe_job *j = g_new0(probe_job, 1);
    j->bus = gos_bus_ref(s->bus);
    j->host = gos_host_ref(h->host);
    j->vm = gos_vm_dup(vm);
    j->answered = gos_ref_set_has(s->answered, vm);
    gos_ref_set_add(s->probing, vm);
    h->probes_out++;
    gos_lane_push(h->dom, false, probe_job_main, probe_job_drop, j);
    (void)force;
    return true;
}

static bool probeable(const gos_vm *vm) { return vm->channel_known && vm->channel && vm->state == GOS_VM_RUNNING; }

void gos_session_probe_vm(gos_session *s, const gos_vm *vm, bool force)
{
    if (s->no_probes || !vm || !probeable(vm))
        return;
    host_entry *h = gos_session_find_host(s, vm->host);
    if (!h || h->state != HOST_UP)
        return;
    int64_t now = gos_now_ms();
    if (!force && !vm->agent_event && vm->probed_ms && now - vm->probed_ms < PROBE_INTERVAL_MS)
        return;
    probe_if_due(s, h, vm, force, now);
    if (!s->next_probe_ms)
        s->next_probe_ms = now + PROBE_INTERVAL_MS;
}

void gos_session_probe_now(gos_session *s, const char *host, const char *uuid)
{
    if (!host || !uuid)
        return;
    const gos_vm *vm = gos_inventory_find(s->inv, host, uuid);
    if (!vm)
        return;
    if (gos_ref_set_has(s->probing, vm))
        gos_ref_set_add(s->probe_again, vm);   /* it may have read before the change */
    else
        gos_session_probe_vm(s, vm, true);
}

/* Probes the agents of running VMs with a channel whose data is older than
 * the interval. A driver without agent support (the test driver) does not
 * grow one: such VMs are probed again only when an agent event came or the
 * host was connected again. */
void gos_session_schedule_probes(gos_session *s, bool force)
{
    if (s->no_probes)
        return;
    int64_t now = gos_now_ms();
    size_t n = gos_inventory_count(s->inv), probeable_n = 0;
    host_entry *h = NULL;
    for (size_t i = 0; i < n; i++) {
        const gos_vm *vm = gos_inventory_at(s->inv, i);
        if (!probeable(vm))
            continue;
        if (!vm->agent_event && vm->heartbeat == GOS_HB_UNSUPPORTED)
            continue;
        probeable_n++;
        if (!force && !vm->agent_event && vm->probed_ms && now - vm->probed_ms < PROBE_INTERVAL_MS)
            continue;
        /* The inventory is sorted by host: one lookup per host, not per VM. */
        if (!h || strcmp(gos_host_uri(h->host), vm->host))
            h = gos_session_find_host(s, vm->host);
        if (!h || h->state != HOST_UP)
            continue;
        probe_if_due(s, h, vm, force, now);
    }
    /* No timer at all while nothing has an agent to ask: no idle wakeups. */
    s->next_probe_ms = probeable_n ? now + PROBE_INTERVAL_MS : 0;
}

unsigned gos_session_apply_probe(gos_session *s, host_entry *h, gos_msg *m)
{
    const gos_vm *p = m->vms[0];
    bool was_probing = gos_ref_set_has(s->probing, p);
    gos_ref_set_remove(s->probing, p);
    if (h && was_probing && h->probes_out)
        h->probes_out--;
    bool again = gos_ref_set_has(s->probe_again, p);
    if (again)
        gos_ref_set_remove(s->probe_again, p);
    if (m->lost)
        return GOS_DIRTY_STATUS;   /* nothing learnt: probed again once the host is back */
    gos_vm_ref r = { p->host, p->uuid };
    if (p->heartbeat == GOS_HB_NO_CONTACT || p->heartbeat == GOS_HB_LOST) {
        probe_backoff *b = g_hash_table_lookup(s->backoff, &r);
        if (!b) {
            b = g_new0(probe_backoff, 1);
            g_hash_table_insert(s->backoff, gos_vm_ref_new(p->host, p->uuid), b);
        }
        int64_t wait = PROBE_BACKOFF_MS;
        for (int i = 0; i < b->failures && wait < PROBE_BACKOFF_MAX_MS; i++)
            wait *= 2;
        b->failures++;
        b->until_ms = gos_now_ms() + MIN(wait, PROBE_BACKOFF_MAX_MS);
    } else {
        g_hash_table_remove(s->backoff, &r);
    }
    if (p->heartbeat == GOS_HB_OK || p->heartbeat == GOS_HB_DEGRADED)
        gos_ref_set_add(s->answered, p);
    bool in_sync = gos_session_view_in_sync(s);
    if (gos_inventory_merge_agent(s->inv, p) < 0)
        return GOS_DIRTY_STATUS;   /* the VM went away meanwhile */
    const gos_vm *vm = gos_inventory_find(s->inv, p->host, p->uuid);
    if (in_sync)
        gos_session_view_follow_agent(s, vm);
    if (again)
        gos_session_probe_vm(s, vm, true);   /* a task on it ended while this probe ran */
    return GOS_DIRTY_VMS | GOS_DIRTY_STATUS;
}

long gos_session_timeout_ms(gos_session *s)
{
    int64_t now = gos_now_ms(), next = s->next_probe_ms;
    int64_t retry = gos_session_reconnect_due(s, false);
    if (retry && (!next || retry < next))
        next = retry;
    /* While a host is busy or reconnecting, the header's figures move: a tick a second. */
    bool moving = gos_session_hosts_busy(s) || retry;
    if (moving && (!next || next > now + 1000))
        next = now + 1000;
    if (!next)
        return -1;
    int64_t left = next - now;
    return left < 0 ? 0 : (long)MIN(left, (int64_t)G_MAXINT);
}
