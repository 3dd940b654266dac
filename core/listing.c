/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The session's hosts: connecting and reconnecting them, listing their VMs, reading agent channels, on lanes of their own. */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <glib.h>

#include "base/i18n.h"
#include "core/session_impl.h"

/*
 * Every host has two lanes (core/lane.h): ctl connects and lists, one job
 * at a time; dom reads agent channels (urgent) and probes agents, a few at
 * once. A host's jobs never wait for another host's threads, so one slow or
 * hung host delays nobody but itself. A listing is one bulk call; what it
 * cannot say (a domain's agent channel, in its XML) is read afterwards on
 * dom, one round trip a domain, several in flight, and shows up as it
 * arrives. A host whose connection was lost is connected again with backoff.
 */

void gos_host_entry_free(gpointer p)
{
    host_entry *h = p;
    /* Queued jobs go; a running one keeps its own references (host, bus)
     * and ends on its own, however long its call takes. */
    gos_lane_free(h->ctl);
    gos_lane_free(h->dom);
    gos_host_free(h->host);
    g_free(h->why);
    g_free(h->activity);
    g_free(h);
}

typedef struct {
    gos_bus *bus;
    gos_host *host;
    bool connect;
} host_job;

static void host_job_free(void *data)
{
    host_job *j = data;
    gos_host_unref(j->host);
    gos_bus_unref(j->bus);
    g_free(j);
}

/* A job dropped before it ran still says so, so that the session's count
 * of jobs under way stays right. */
static void host_job_drop(void *data)
{
    host_job *j = data;
    gos_msg *m = gos_msg_new(j->connect ? GOS_MSG_HOST_STATE : GOS_MSG_HOST_VMS);
    m->host = g_strdup(gos_host_uri(j->host));
    m->text = g_strdup_printf(_("%s was not listed: the work was dropped."), gos_host_uri(j->host));
    gos_bus_post(j->bus, m);
    host_job_free(j);
}

static void host_job_main(void *data)
{
    host_job *j = data;
    char *err = NULL;
    if (j->connect) {
        int code = 0;
        gos_msg *m = gos_msg_new(GOS_MSG_HOST_STATE);
        m->host = g_strdup(gos_host_uri(j->host));
        gint64 t0 = g_get_monotonic_time();
        bool ok = gos_host_connect(j->host, &code, &err) == 0;
        m->ms = (g_get_monotonic_time() - t0) / 1000;
        m->ok = ok;
        m->gen = gos_host_generation(j->host);
        m->text = err;
        err = NULL;
        gos_bus_post(j->bus, m);   /* m belongs to the UI thread from here on */
        if (!ok) {
            host_job_free(j);
            return;
        }
    }
    gos_vm **vms = NULL;
    size_t n = 0;
    gos_msg *m = gos_msg_new(GOS_MSG_HOST_VMS);
    m->host = g_strdup(gos_host_uri(j->host));
    gint64 t0 = g_get_monotonic_time();
    if (gos_host_list(j->host, &vms, &n, &err) == 0) {
        m->vms = vms;
        m->n_vms = n;
        m->ok = 1;
    } else {
        m->text = err;
        m->lost = gos_host_conn_lost(j->host, NULL);
    }
    m->ms = (g_get_monotonic_time() - t0) / 1000;
    gos_bus_post(j->bus, m);
    host_job_free(j);
}

host_entry *gos_session_find_host(gos_session *s, const char *uri)
{
    for (guint i = 0; i < s->hosts->len; i++) {
        host_entry *h = g_ptr_array_index(s->hosts, i);
        if (!strcmp(gos_host_uri(h->host), uri))
            return h;
    }
    return NULL;
}

void gos_session_start_listing(gos_session *s, host_entry *h, bool connect)
{
    if (connect ? h->connecting : h->ctl_jobs > 0) {
        /* A listing under way may have read the domains before what made
         * this one wanted: one more follows it. */
        if (!connect)
            h->again = true;
        return;
    }
    h->ctl_jobs++;
    h->refreshing = true;
    h->again = false;
    h->connecting |= connect;
    h->step_ms = gos_now_ms();
    host_job *j = g_new0(host_job, 1);
    j->bus = gos_bus_ref(s->bus);
    j->host = gos_host_ref(h->host);
    j->connect = connect;
    gos_lane_push(h->ctl, connect, host_job_main, host_job_drop, j);
}

/* The engine holds a host's tasks while its connection is lost. */
static void engine_link(void *data, const char *uri, bool up)
{
    gos_engine_set_host_up(data, uri, up);
}

void gos_session_add_host_entry(gos_session *s, const char *uri)
{
    if (gos_session_find_host(s, uri))
        return;
    host_entry *h = g_new0(host_entry, 1);
    h->host = gos_host_new(uri, s->readonly, s->bus);
    /* Enough connections for per_host calls at once, at what libvirtd
     * serves one connection at once. */
    int need = MAX(s->per_host, s->probes_per_host);
    gos_host_set_connections(h->host, (need + s->client_requests - 1) / s->client_requests, s->client_requests);
    gos_host_set_link_listener(h->host, engine_link, s->engine);
    h->ctl = gos_lane_new(1);
    h->dom = gos_lane_new(s->probes_per_host);
    h->connect_ms = h->refresh_ms = -1;
    g_ptr_array_add(s->hosts, h);
}

/* --- channel reads ---------------------------------------------------------------- */

typedef struct {
    gos_bus *bus;
    gos_host *host;
    char uuid[VIR_UUID_STRING_BUFLEN];
} chan_job;

static void chan_job_free(chan_job *j)
{
    gos_host_unref(j->host);
    gos_bus_unref(j->bus);
    g_free(j);
}

static void chan_post(chan_job *j, int rc, bool configured, gos_chan_state st, bool lost)
{
    gos_msg *m = gos_msg_new(GOS_MSG_VM_CHANNEL);
    m->host = g_strdup(gos_host_uri(j->host));
    m->ok = rc == 0;
    m->lost = lost;
    gos_vm *vm = gos_vm_new();
    vm->host = g_strdup(m->host);
    memcpy(vm->uuid, j->uuid, sizeof vm->uuid);
    vm->channel_known = rc == 0;
    vm->channel = configured;
    vm->channel_state = st;
    m->vms = g_new0(gos_vm *, 1);
    m->vms[0] = vm;
    m->n_vms = 1;
    gos_bus_post(j->bus, m);
}

static void chan_job_main(void *data)
{
    chan_job *j = data;
    bool configured = false, lost = false;
    gos_chan_state st = GOS_CHAN_UNKNOWN;
    int rc = gos_host_read_channel(j->host, j->uuid, &configured, &st, &lost);
    chan_post(j, rc, configured, st, lost);
    chan_job_free(j);
}

static void chan_job_drop(void *data)
{
    chan_job *j = data;
    chan_post(j, -1, false, GOS_CHAN_UNKNOWN, true);
    chan_job_free(j);
}

/* Reads the channels the listing did not know, urgent on the host's dom
 * lane: they decide what is probed. */
static void read_channels(gos_session *s, host_entry *h, gos_msg *m)
{
    if (s->no_probes)
        return;
    for (size_t i = 0; i < m->n_vms; i++) {
        if (m->vms[i]->channel_known)
            continue;
        chan_job *j = g_new0(chan_job, 1);
        j->bus = gos_bus_ref(s->bus);
        j->host = gos_host_ref(h->host);
        memcpy(j->uuid, m->vms[i]->uuid, sizeof j->uuid);
        h->chan_todo++;
        gos_lane_push(h->dom, true, chan_job_main, chan_job_drop, j);
    }
}

/* --- applying what the jobs say (UI thread) ------------------------------------------ */

static int64_t reconnect_delay(int attempts)
{
    int64_t ms = RECONNECT_FIRST_MS;
    for (int i = 0; i < attempts && ms < RECONNECT_MAX_MS; i++)
        ms *= 2;
    ms = MIN(ms, RECONNECT_MAX_MS);
    /* A tenth of jitter, so that consoles that lost the same daemon do not
     * all knock at once when it is back. */
    return ms + g_random_int_range(0, (gint32)(ms / 10) + 1);
}

static void plan_reconnect(host_entry *h)
{
    h->retry_at_ms = gos_now_ms() + reconnect_delay(h->attempts);
}

unsigned gos_session_apply_host_state(gos_session *s, host_entry *h, gos_msg *m)
{
    if (m->lost) {
        /* The close callback, or a call that failed on a dead connection.
         * One that is about an older connection than the one up now is old news. */
        if (m->gen < h->gen || h->state == HOST_RECONNECTING)
            return 0;
        h->state = HOST_RECONNECTING;
        h->attempts = 0;
        plan_reconnect(h);
        g_free(h->why);
        h->why = g_strdup(m->text);
        /* What was queued for the dead connection would only fail: the
         * drops say so, and the reads start again after the reconnect. */
        gos_lane_clear(h->dom);
        if (m->text)
            gos_session_set_error(s, "%s", m->text);
        return GOS_DIRTY_STATUS | GOS_DIRTY_VMS;
    }
    /* The end of a connect job (a listing follows a good one). */
    h->connecting = false;
    h->connect_ms = m->ms;
    g_free(h->why);
    h->why = g_strdup(m->text);
    if (m->ok) {
        bool was_lost = h->state == HOST_RECONNECTING;
        h->state = HOST_UP;
        h->gen = m->gen;
        h->attempts = 0;
        h->retry_at_ms = 0;
        h->step_ms = gos_now_ms();
        if (was_lost)
            /* TRANSLATORS: %s: a libvirt URI. */
            gos_session_set_status(s, _("Connected to %s again."), gos_host_uri(h->host));
        return GOS_DIRTY_STATUS | GOS_DIRTY_VMS;
    }
    h->ctl_jobs--;
    h->refreshing = h->ctl_jobs > 0;
    if (h->state == HOST_RECONNECTING) {
        /* Still gone: the next try waits longer. */
        h->attempts++;
        plan_reconnect(h);
    } else {
        h->state = HOST_DOWN;
        /* A host that cannot be reached is a failure, said as one (the top
         * line names it too); during a refresh, the refresh's end says it. */
        bool pending = s->status_listed_gen && s->status_listed_gen == s->status_gen;
        if (m->text && !pending)
            gos_session_set_error(s, "%s", m->text);
        gos_session_listed(s);
    }
    return GOS_DIRTY_STATUS | GOS_DIRTY_VMS;
}

unsigned gos_session_apply_listing(gos_session *s, host_entry *h, gos_msg *m)
{
    h->ctl_jobs--;
    h->refreshing = h->ctl_jobs > 0;
    if (m->ok) {
        h->refresh_ms = m->ms;
        h->n_vms = m->n_vms;
        if (m->ms >= SLOW_REFRESH_MS)
            syslog(LOG_NOTICE, "guestos: listing %s took %.1f s (%zu domains)", gos_host_uri(h->host),
                   (double)m->ms / 1000.0, m->n_vms);
        if (h->chan_done >= h->chan_todo)
            h->chan_todo = h->chan_done = 0;
        read_channels(s, h, m);
        gos_inventory_replace_host(s->inv, m->host, m->vms, m->n_vms);
        g_free(m->vms);
        m->vms = NULL;
        m->n_vms = 0;
        gos_session_schedule_probes(s, false);
    } else if (m->text && !m->lost && h->state != HOST_RECONNECTING) {
        gos_session_set_status(s, "%s", m->text);
    }
    if (h->again && h->ctl_jobs == 0 && h->state == HOST_UP)
        gos_session_start_listing(s, h, false);
    gos_session_listed(s);
    return GOS_DIRTY_VMS | GOS_DIRTY_STATUS;
}

unsigned gos_session_apply_channel(gos_session *s, host_entry *h, gos_msg *m)
{
    unsigned dirty = 0;
    if (h->chan_done < h->chan_todo) {
        h->chan_done++;
        dirty |= GOS_DIRTY_STATUS;
    }
    if (h->chan_done >= h->chan_todo)
        h->chan_todo = h->chan_done = 0;
    const gos_vm *r = m->vms[0];
    if (!m->ok)
        return dirty;   /* gone, or the connection went: the next listing reads it */
    bool in_sync = gos_session_view_in_sync(s);
    if (gos_inventory_set_channel(s->inv, r) < 0)
        return dirty;
    const gos_vm *vm = gos_inventory_find(s->inv, r->host, r->uuid);
    if (in_sync)
        gos_session_view_follow_agent(s, vm);
    gos_session_probe_vm(s, vm, false);
    return dirty | GOS_DIRTY_VMS;
}

int64_t gos_session_reconnect_due(gos_session *s, bool start)
{
    int64_t now = gos_now_ms(), next = 0;
    for (guint i = 0; i < s->hosts->len; i++) {
        host_entry *h = g_ptr_array_index(s->hosts, i);
        if (h->state != HOST_RECONNECTING || !h->retry_at_ms || h->connecting)
            continue;
        if (h->retry_at_ms <= now && !start) {
            next = now;
        } else if (h->retry_at_ms <= now) {
            h->retry_at_ms = 0;
            gos_session_start_listing(s, h, true);
        } else if (!next || h->retry_at_ms < next) {
            next = h->retry_at_ms;
        }
    }
    return next;
}

bool gos_session_hosts_busy(gos_session *s)
{
    for (guint i = 0; i < s->hosts->len; i++) {
        host_entry *h = g_ptr_array_index(s->hosts, i);
        if (h->state == HOST_CONNECTING || h->refreshing || h->chan_todo > h->chan_done)
            return true;
    }
    return false;
}

bool gos_session_channels_pending(gos_session *s)
{
    for (guint i = 0; i < s->hosts->len; i++) {
        host_entry *h = g_ptr_array_index(s->hosts, i);
        if (h->chan_todo > h->chan_done)
            return true;
    }
    return false;
}

/* --- what the header says of a host ---------------------------------------------------- */

static char *seconds(int64_t ms)
{
    /* TRANSLATORS: a duration in seconds, e.g. "0.21 s", "12 s". */
    return ms < 10000 ? g_strdup_printf(_("%.2f s"), (double)ms / 1000.0)
                      : g_strdup_printf(_("%.0f s"), (double)ms / 1000.0);
}

const char *gos_session_host_activity(gos_session *s, size_t i, bool idle_too)
{
    host_entry *h = i < s->hosts->len ? g_ptr_array_index(s->hosts, i) : NULL;
    if (!h)
        return NULL;
    int64_t now = gos_now_ms();
    char *t = NULL, *d = NULL;
    switch (h->state) {
    case HOST_DOWN:
        t = g_strdup(_("FAILED"));
        break;
    case HOST_RECONNECTING:
        if (h->connecting) {
            /* TRANSLATORS: %d: how many tries so far. */
            t = g_strdup_printf(_("reconnecting (try %d)"), h->attempts + 1);
        } else {
            int64_t left = h->retry_at_ms > now ? (h->retry_at_ms - now + 999) / 1000 : 0;
            /* TRANSLATORS: %lld: seconds until the next try. */
            t = g_strdup_printf(ngettext("connection lost, reconnecting in %lld s",
                                         "connection lost, reconnecting in %lld s", (unsigned long)left),
                                (long long)left);
        }
        break;
    case HOST_CONNECTING:
        d = seconds(now - h->step_ms);
        /* TRANSLATORS: %s: for how long, e.g. "1.20 s". */
        t = g_strdup_printf(_("connecting %s"), d);
        break;
    default:
        if (h->refreshing && h->n_vms == 0 && h->refresh_ms < 0) {
            d = seconds(now - h->step_ms);
            /* TRANSLATORS: %s: for how long, e.g. "1.20 s". */
            t = g_strdup_printf(_("listing %s"), d);
        } else if (h->chan_todo > h->chan_done) {
            /* TRANSLATORS: agent channels read from the domains' XML so far, of how many. */
            t = g_strdup_printf(_("reading %zu/%zu"), h->chan_done, h->chan_todo);
        } else if (h->probes_out) {
            /* TRANSLATORS: agents being asked now (or waiting to be). */
            t = g_strdup_printf(ngettext("probing %zu agent", "probing %zu agents", h->probes_out), h->probes_out);
        } else if (h->refresh_ms >= 0 && idle_too) {
            d = seconds(h->refresh_ms);
            /* TRANSLATORS: how long the last listing of the host took. */
            t = g_strdup_printf(_("refresh %s"), d);
        }
        break;
    }
    g_free(d);
    g_free(h->activity);
    h->activity = t;
    return t;
}

const char *gos_session_hosts_activity(gos_session *s, bool idle_too)
{
    size_t busy = 0, lost = 0;
    int64_t slowest = -1;
    for (guint i = 0; i < s->hosts->len; i++) {
        host_entry *h = g_ptr_array_index(s->hosts, i);
        busy += h->state == HOST_CONNECTING || h->refreshing || h->chan_todo > h->chan_done;
        lost += h->state == HOST_RECONNECTING;
        slowest = MAX(slowest, h->refresh_ms);
    }
    GString *t = g_string_new(NULL);
    if (lost)
        g_string_append_printf(t, ngettext("%zu reconnecting", "%zu reconnecting", lost), lost);
    if (busy) {
        if (t->len)
            g_string_append(t, ", ");
        /* TRANSLATORS: hosts that connect, list or read definitions now. */
        g_string_append_printf(t, ngettext("%zu busy", "%zu busy", busy), busy);
    }
    if (slowest >= 0 && idle_too) {
        char *d = seconds(slowest);
        /* TRANSLATORS: the longest time the last listing of a host took. */
        char *p = g_strdup_printf(_("slowest refresh %s"), d);
        g_string_append_printf(t, "%s%s", t->len ? ", " : "", p);
        g_free(p);
        g_free(d);
    }
    g_free(s->hosts_activity);
    s->hosts_activity = t->len ? g_string_free(t, FALSE) : (g_string_free(t, TRUE), NULL);
    return s->hosts_activity;
}
