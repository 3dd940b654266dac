/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libvirt connections and their events, and the connections a host shares among its callers (domain.c: its domains). */
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

/*
 * A host has a main connection (events, listings) and, for URIs served by
 * a daemon, up to max_conns - 1 more that open when every open one has had
 * as many callers as libvirtd serves a client connection at once
 * (max_client_requests, 5 by default; more calls queue inside the daemon)
 * for longer than a connection takes to open: a burst shorter than that is
 * over before the new connection could help, a longer one pays for it.
 * Each connection keeps the domain handles a listing returned, so
 * per-domain work needs no lookup round trip.
 *
 * A connection that closes (the daemon restarted, the link broke, keepalive
 * gave up) is noticed by libvirt's close callback or by a call that failed
 * on it; either way once per generation the host tells its link listener
 * (the engine holds the host's tasks) and posts GOS_MSG_HOST_STATE with
 * lost set (the session reconnects, with backoff). gos_host_connect then
 * replaces every connection: the old ones are closed, and their callbacks
 * deregistered first, so no event is ever delivered twice.
 */

/* --- one host ------------------------------------------------------------- */

static void dom_unref(gpointer p)
{
    virDomainFree(p);
}

GHashTable *gos_host_doms_new(void)
{
    return g_hash_table_new_full(g_str_hash, g_str_equal, g_free, dom_unref);
}

static conn_slot *slot_new(virConnectPtr c, GHashTable *doms)
{
    conn_slot *s = g_new0(conn_slot, 1);
    s->conn = c;
    s->doms = doms ? doms : gos_host_doms_new();
    return s;
}

static void on_close(virConnectPtr conn, int reason, void *opaque);

/* Closes a slot that is no longer in the host's array. */
static void slot_close(conn_slot *s)
{
    if (s->close_cb)
        virConnectUnregisterCloseCallback(s->conn, on_close);
    g_hash_table_destroy(s->doms);
    virResetLastError();
    virConnectClose(s->conn);
    virResetLastError();
    g_free(s);
}

static bool uri_in_process(const char *uri)
{
    /* test:///... runs inside libvirt.so; test+unix:// and every other
     * driver go through a daemon, whose per-connection limits apply. */
    return g_str_has_prefix(uri, "test:");
}

gos_host *gos_host_new(const char *uri, bool readonly, gos_bus *bus)
{
    gos_host *h = g_new0(gos_host, 1);
    h->refs = 1;
    h->uri = g_strdup(uri);
    h->readonly = readonly;
    h->in_process = uri_in_process(uri);
    h->bus = gos_bus_ref(bus);
    h->cb_lifecycle = h->cb_agent = -1;
    h->max_conns = 1;
    h->per_conn = GOS_HOST_CLIENT_REQUESTS;
    g_mutex_init(&h->lock);
    h->slots = g_ptr_array_new();
    h->chans = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    h->names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    return h;
}

gos_host *gos_host_ref(gos_host *h)
{
    g_atomic_int_inc(&h->refs);
    return h;
}

/* Takes every connection and the callbacks' registration out of the host
 * (caller holds h->lock); drop_connections tears them down outside it. */
typedef struct {
    GPtrArray *slots;
    virConnectPtr cb_conn;
    int cb_lifecycle, cb_agent;
} old_conns;

static old_conns take_connections(gos_host *h)
{
    old_conns o = { h->slots, h->cb_conn, h->cb_lifecycle, h->cb_agent };
    h->slots = g_ptr_array_new();
    h->cb_conn = NULL;
    h->cb_lifecycle = h->cb_agent = -1;
    return o;
}

static void drop_connections(old_conns *o)
{
    /* Deregistered before the connection closes: an event already queued
     * for a deregistered callback is not delivered. */
    if (o->cb_conn) {
        if (o->cb_lifecycle >= 0)
            virConnectDomainEventDeregisterAny(o->cb_conn, o->cb_lifecycle);
        if (o->cb_agent >= 0)
            virConnectDomainEventDeregisterAny(o->cb_conn, o->cb_agent);
        virResetLastError();
    }
    for (guint i = 0; i < o->slots->len; i++)
        slot_close(g_ptr_array_index(o->slots, i));
    g_ptr_array_free(o->slots, TRUE);
}

void gos_host_unref(gos_host *h)
{
    if (!h || !g_atomic_int_dec_and_test(&h->refs))
        return;
    g_mutex_lock(&h->lock);
    old_conns o = take_connections(h);
    g_mutex_unlock(&h->lock);
    drop_connections(&o);
    g_ptr_array_free(h->slots, TRUE);
    g_hash_table_destroy(h->chans);
    g_hash_table_destroy(h->names);
    gos_bus_unref(h->bus);
    g_mutex_clear(&h->lock);
    g_free(h->uri);
    g_free(h);
}

void gos_host_free(gos_host *h)
{
    if (!h)
        return;
    /* Cut the link first: a callback running now finishes before this
     * returns, and one that starts later finds no host. */
    if (h->link) {
        g_mutex_lock(&h->link->lock);
        h->link->h = NULL;
        g_mutex_unlock(&h->link->lock);
    }
    g_mutex_lock(&h->lock);
    h->on_link = NULL;
    h->on_link_data = NULL;
    h->up = false;
    old_conns o = take_connections(h);
    g_mutex_unlock(&h->lock);
    drop_connections(&o);
    gos_host_unref(h);
}

const char *gos_host_uri(const gos_host *h) { return h->uri; }
bool gos_host_readonly(const gos_host *h) { return h->readonly; }
bool gos_host_in_process(const gos_host *h) { return h->in_process; }

void gos_host_set_connections(gos_host *h, int max_connections, int calls_per_connection)
{
    g_mutex_lock(&h->lock);
    h->max_conns = h->in_process ? 1 : MAX(max_connections, 1);
    h->per_conn = MAX(calls_per_connection, 1);
    g_mutex_unlock(&h->lock);
}

void gos_host_set_link_listener(gos_host *h, gos_host_link_fn fn, void *data)
{
    g_mutex_lock(&h->lock);
    h->on_link = fn;
    h->on_link_data = data;
    g_mutex_unlock(&h->lock);
}

static void post_domain_event(gos_host *h)
{
    gos_msg *m = gos_msg_new(GOS_MSG_DOMAIN_EVENT);
    m->host = g_strdup(h->uri);
    gos_bus_post(h->bus, m);
}

/* The main connection of this generation went: tell it once. Caller holds h->lock. */
static void note_lost_locked(gos_host *h)
{
    if (!h->up || h->told_lost)
        return;
    h->up = false;
    h->told_lost = true;
    if (h->on_link)
        h->on_link(h->on_link_data, h->uri, false);
    gos_msg *m = gos_msg_new(GOS_MSG_HOST_STATE);
    m->host = g_strdup(h->uri);
    m->ok = 0;
    m->lost = true;
    m->gen = h->gen;
    m->text = g_strdup_printf(_("The connection to %s was lost."), h->uri);
    gos_bus_post(h->bus, m);
}

conn_slot *gos_host_slot_of_locked(gos_host *h, virConnectPtr c, guint *index)
{
    for (guint i = 0; c && i < h->slots->len; i++) {
        conn_slot *s = g_ptr_array_index(h->slots, i);
        if (s->conn == c) {
            if (index)
                *index = i;
            return s;
        }
    }
    return NULL;
}

static void mark_stale(gos_host *h, virDomainPtr dom)
{
    char uuid[VIR_UUID_STRING_BUFLEN];
    if (virDomainGetUUIDString(dom, uuid) < 0)
        return;
    g_mutex_lock(&h->lock);
    chan_info *ci = g_hash_table_lookup(h->chans, uuid);
    if (ci)
        ci->stale = true;
    g_mutex_unlock(&h->lock);
}

/* Runs on the event-loop thread: note what changed and wake the UI; the
 * listing itself runs on a worker. */
static int on_lifecycle(virConnectPtr conn, virDomainPtr dom, int event, int detail, void *opaque)
{
    host_link *l = opaque;
    g_mutex_lock(&l->lock);
    if (l->h) {
        mark_stale(l->h, dom);
        post_domain_event(l->h);
    }
    g_mutex_unlock(&l->lock);
    return 0;
}

static void on_agent_locked(gos_host *h, virDomainPtr dom, int state)
{
    char uuid[VIR_UUID_STRING_BUFLEN];
    if (virDomainGetUUIDString(dom, uuid) == 0) {
        g_mutex_lock(&h->lock);
        chan_info *ci = g_hash_table_lookup(h->chans, uuid);
        if (!ci) {
            ci = g_new0(chan_info, 1);
            g_hash_table_insert(h->chans, g_strdup(uuid), ci);
        }
        /* Only a configured channel has agent events: that much is known. */
        ci->configured = true;
        ci->known = true;
        ci->state = state == VIR_CONNECT_DOMAIN_EVENT_AGENT_LIFECYCLE_STATE_CONNECTED
                        ? GOS_CHAN_CONNECTED : GOS_CHAN_DISCONNECTED;
        ci->agent_event = true;
        g_mutex_unlock(&h->lock);
    }
    post_domain_event(h);
}

static void on_agent(virConnectPtr conn, virDomainPtr dom, int state, int reason, void *opaque)
{
    host_link *l = opaque;
    g_mutex_lock(&l->lock);
    if (l->h)
        on_agent_locked(l->h, dom, state);
    g_mutex_unlock(&l->lock);
}

/* Runs on the event-loop thread, inside libvirt's close handling: it marks
 * and tells, and leaves closing the connection to a worker (calling back
 * into the connection from here would deadlock). */
static void on_close(virConnectPtr conn, int reason, void *opaque)
{
    host_link *l = opaque;
    g_mutex_lock(&l->lock);
    gos_host *h = l->h;
    if (h) {
        g_mutex_lock(&h->lock);
        guint i = 0;
        conn_slot *s = gos_host_slot_of_locked(h, conn, &i);
        if (s) {
            s->dead = true;
            if (i == 0)
                note_lost_locked(h);
        }
        g_mutex_unlock(&h->lock);
    }
    g_mutex_unlock(&l->lock);
}

static virConnectPtr open_conn(gos_host *h, int *virt_code, char **err)
{
    virConnectPtr c = virConnectOpenAuth(h->uri, NULL, h->readonly ? VIR_CONNECT_RO : 0);
    if (!c) {
        char *msg = NULL;
        int code = gos_virt_last_error(&msg);
        if (virt_code)
            *virt_code = code;
        if (err)
            *err = g_strdup_printf(_("Cannot connect to %s: %s"), h->uri, msg ? msg : _("unknown error"));
        g_free(msg);
        return NULL;
    }
    /* Keepalive notices a dead remote host (a ping every 5 s, gone after 3
     * unanswered); local drivers answer -1 or 1. */
    virConnectSetKeepAlive(c, 5, 3);
    virResetLastError();
    return c;
}

int gos_host_connect(gos_host *h, int *virt_code, char **err)
{
    gint64 t0 = g_get_monotonic_time();
    virConnectPtr c = open_conn(h, virt_code, err);
    if (!c)
        return -1;
    int64_t took = (g_get_monotonic_time() - t0) / 1000;
    if (!h->link)
        h->link = gos_host_link_new(h);
    conn_slot *s = slot_new(c, NULL);
    s->close_cb = virConnectRegisterCloseCallback(c, on_close, h->link, NULL) == 0;
    virResetLastError();

    g_mutex_lock(&h->lock);
    old_conns o = take_connections(h);
    g_ptr_array_add(h->slots, s);
    h->gen++;
    h->up = true;
    h->told_lost = false;
    h->no_agent = false;
    h->open_ms = took;
    h->busy_since_ms = 0;
    /* A daemon that restarted may have seen agents come and go. */
    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init(&it, h->chans);
    while (g_hash_table_iter_next(&it, NULL, &v))
        ((chan_info *)v)->stale = true;
    g_mutex_unlock(&h->lock);
    drop_connections(&o);

    int lc = virConnectDomainEventRegisterAny(c, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                              VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle), h->link, NULL);
    virResetLastError();
    /* The test driver has no agent events; that is not an error. */
    int ag = virConnectDomainEventRegisterAny(c, NULL, VIR_DOMAIN_EVENT_ID_AGENT_LIFECYCLE,
                                              VIR_DOMAIN_EVENT_CALLBACK(on_agent), h->link, NULL);
    virResetLastError();

    g_mutex_lock(&h->lock);
    bool current = h->slots->len && ((conn_slot *)g_ptr_array_index(h->slots, 0))->conn == c;
    if (current) {
        h->cb_conn = c;
        h->cb_lifecycle = lc;
        h->cb_agent = ag;
        if (h->on_link && h->up)
            h->on_link(h->on_link_data, h->uri, true);
    }
    g_mutex_unlock(&h->lock);
    if (!current) {
        /* Replaced or freed meanwhile: these registrations belong to nobody. */
        if (lc >= 0)
            virConnectDomainEventDeregisterAny(c, lc);
        if (ag >= 0)
            virConnectDomainEventDeregisterAny(c, ag);
        virResetLastError();
    }
    return 0;
}

uint64_t gos_host_generation(gos_host *h)
{
    g_mutex_lock(&h->lock);
    uint64_t g = h->gen;
    g_mutex_unlock(&h->lock);
    return g;
}

/* Takes dead connections other than the main one out of the array (caller
 * holds h->lock), for slot_close outside it. */
static GPtrArray *reap_locked(gos_host *h)
{
    GPtrArray *dead = NULL;
    for (guint i = h->slots->len; i-- > 1;) {
        conn_slot *s = g_ptr_array_index(h->slots, i);
        if (!s->dead || s->inflight)
            continue;
        if (!dead)
            dead = g_ptr_array_new();
        g_ptr_array_add(dead, g_ptr_array_steal_index(h->slots, i));
    }
    return dead;
}

static void close_reaped(GPtrArray *dead)
{
    for (guint i = 0; dead && i < dead->len; i++)
        slot_close(g_ptr_array_index(dead, i));
    if (dead)
        g_ptr_array_free(dead, TRUE);
}

/* The live connection with the fewest calls in flight. Caller holds h->lock. */
static conn_slot *least_busy_locked(gos_host *h)
{
    conn_slot *best = NULL;
    for (guint i = 0; i < h->slots->len; i++) {
        conn_slot *s = g_ptr_array_index(h->slots, i);
        if (!s->dead && (!best || s->inflight < best->inflight))
            best = s;
    }
    return best;
}

/* Every domain of c, as handles by UUID: one round trip. */
static GHashTable *list_handles(virConnectPtr c)
{
    GHashTable *doms = gos_host_doms_new();
    virDomainPtr *list = NULL;
    int n = virConnectListAllDomains(c, &list, 0);
    for (int i = 0; i < n; i++) {
        char uuid[VIR_UUID_STRING_BUFLEN];
        if (virDomainGetUUIDString(list[i], uuid) == 0)
            g_hash_table_replace(doms, g_strdup(uuid), list[i]);
        else
            virDomainFree(list[i]);
    }
    free(list);
    virResetLastError();
    return doms;
}

typedef struct {
    gos_host *h;
    uint64_t gen;
} opener;

/* Opens one more connection of h, with the handles of its domains (one
 * call), on a thread of its own: meanwhile the callers share the open ones
 * (their calls wait in the daemon's queue), rather than wait for the open. */
static gpointer open_extra(gpointer data)
{
    opener *o = data;
    gos_host *h = o->h;
    virConnectPtr extra = open_conn(h, NULL, NULL);
    conn_slot *s = NULL;
    if (extra) {
        s = slot_new(extra, list_handles(extra));
        if (h->link) {
            s->close_cb = virConnectRegisterCloseCallback(extra, on_close, h->link, NULL) == 0;
            virResetLastError();
        }
    }
    g_mutex_lock(&h->lock);
    h->opening = false;
    if (!extra)
        h->open_failed_ms = gos_now_ms();
    if (s && h->gen == o->gen && h->up) {
        g_ptr_array_add(h->slots, s);
        s = NULL;
    }
    g_mutex_unlock(&h->lock);
    if (s)
        slot_close(s);
    gos_host_unref(h);
    g_free(o);
    return NULL;
}

virConnectPtr gos_host_conn(gos_host *h)
{
    g_mutex_lock(&h->lock);
    GPtrArray *dead = reap_locked(h);
    conn_slot *best = h->up ? least_busy_locked(h) : NULL;
    virConnectPtr c = NULL;
    if (best) {
        int64_t now = gos_now_ms();
        bool full = best->inflight >= h->per_conn;
        if (!full)
            h->busy_since_ms = 0;
        else if (!h->busy_since_ms)
            h->busy_since_ms = now;
        if (full && now - h->busy_since_ms >= MAX(1000, h->open_ms) && (int)h->slots->len < h->max_conns &&
            !h->opening && (!h->open_failed_ms || now - h->open_failed_ms > 30000)) {
            /* Every connection has had as many calls as the daemon serves
             * one at once, for longer than a connect takes: one more pays. */
            opener *o = g_new0(opener, 1);
            o->h = gos_host_ref(h);
            o->gen = h->gen;
            GThread *t = g_thread_try_new("gos-conn-open", open_extra, o, NULL);
            if (t) {
                h->opening = true;
                g_thread_unref(t);
            } else {
                g_atomic_int_dec_and_test(&h->refs);   /* ours is not the last: the caller holds one */
                g_free(o);
            }
        }
        best->inflight++;
        c = best->conn;
        virConnectRef(c);
    }
    g_mutex_unlock(&h->lock);
    close_reaped(dead);
    return c;
}

void gos_host_conn_release(gos_host *h, virConnectPtr c)
{
    if (!c)
        return;
    g_mutex_lock(&h->lock);
    conn_slot *s = gos_host_slot_of_locked(h, c, NULL);
    if (s && s->inflight > 0)
        s->inflight--;
    conn_slot *best = least_busy_locked(h);
    if (!best || best->inflight < h->per_conn)
        h->busy_since_ms = 0;
    g_mutex_unlock(&h->lock);
    virConnectClose(c);
}

bool gos_host_conn_lost(gos_host *h, virConnectPtr c)
{
    g_mutex_lock(&h->lock);
    bool lost;
    if (!c) {
        lost = !h->up && h->gen > 0;
    } else {
        guint i = 0;
        conn_slot *s = gos_host_slot_of_locked(h, c, &i);
        /* Not a connection of the host any more: a reconnect replaced it. */
        lost = !s || s->dead;
        if (!lost && virConnectIsAlive(c) == 0) {
            s->dead = true;
            lost = true;
        }
        if (lost && s && i == 0)
            note_lost_locked(h);
    }
    g_mutex_unlock(&h->lock);
    virResetLastError();
    return lost;
}
