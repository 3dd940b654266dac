/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libvirt connections and their events, and the inventory listing in bulk calls. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <libvirt/virterror.h>

#include "base/text.h"
#include "core/host.h"
#include "base/i18n.h"

typedef struct {
    bool configured;
    gos_chan_state state;
    bool stale;              /* re-read the XML at the next listing */
    bool agent_event;        /* the agent connected or left since the last listing */
} chan_info;

struct gos_host {
    char *uri;
    bool readonly;
    gos_bus *bus;
    GMutex lock;
    virConnectPtr conn;
    int cb_lifecycle, cb_agent;
    bool close_cb;           /* a close callback is registered */
    struct host_link *link;  /* what libvirt's callbacks hold instead of the host */
    GHashTable *chans;       /* uuid -> chan_info */
};

/* --- process-wide --------------------------------------------------------- */

static void silent_error(void *opaque, virErrorPtr err) { (void)opaque; (void)err; }

static gint events_quit;
static GThread *events_thread;

static gpointer event_loop(gpointer data)
{
    while (!g_atomic_int_get(&events_quit))
        if (virEventRunDefaultImpl() < 0)
            g_usleep(100000);
    return NULL;
}

/* libvirt may be about to call a callback when it is deregistered, so the
 * callbacks' opaque is not the host but a link that outlives it: the host
 * sets link->h to NULL under link->lock before it goes. Links are freed at
 * exit, once the event thread has stopped. */
typedef struct host_link {
    GMutex lock;
    gos_host *h;
} host_link;

static GMutex links_lock;
static GPtrArray *links;

static host_link *link_new(gos_host *h)
{
    host_link *l = g_new0(host_link, 1);
    g_mutex_init(&l->lock);
    l->h = h;
    g_mutex_lock(&links_lock);
    if (!links)
        links = g_ptr_array_new();
    g_ptr_array_add(links, l);
    g_mutex_unlock(&links_lock);
    return l;
}

static void links_free(void)
{
    g_mutex_lock(&links_lock);
    for (guint i = 0; links && i < links->len; i++) {
        host_link *l = g_ptr_array_index(links, i);
        g_mutex_clear(&l->lock);
        g_free(l);
    }
    if (links)
        g_ptr_array_free(links, TRUE);
    links = NULL;
    g_mutex_unlock(&links_lock);
}

static void wake_loop(int timer, void *opaque) { virEventRemoveTimeout(timer); }

/* At exit, the event thread stops and is joined before libraries tear
 * themselves down, so it never runs on freed memory. */
static void events_stop(void)
{
    g_atomic_int_set(&events_quit, 1);
    if (virEventAddTimeout(0, wake_loop, NULL, NULL) >= 0) {
        g_thread_join(events_thread);
        links_free();
    }
}

int gos_virt_init(char **err)
{
    static gsize done;
    static int rc;
    if (g_once_init_enter(&done)) {
        virSetErrorFunc(NULL, silent_error);
        if (virInitialize() < 0 || virEventRegisterDefaultImpl() < 0) {
            rc = -1;
        } else {
            events_thread = g_thread_new("gos-virt-events", event_loop, NULL);
            atexit(events_stop);
        }
        g_once_init_leave(&done, 1);
    }
    if (rc < 0 && err)
        *err = g_strdup(_("The libvirt library could not be initialised."));
    return rc;
}

int gos_virt_last_error(char **message)
{
    virErrorPtr e = virGetLastError();
    int code = e ? e->code : 0;
    if (message)
        *message = e && e->message ? g_strdup(e->message) : NULL;
    virResetLastError();
    return code;
}

/* --- one host ------------------------------------------------------------- */

gos_host *gos_host_new(const char *uri, bool readonly, gos_bus *bus)
{
    gos_host *h = g_new0(gos_host, 1);
    h->uri = g_strdup(uri);
    h->readonly = readonly;
    h->bus = bus;
    h->cb_lifecycle = h->cb_agent = -1;
    g_mutex_init(&h->lock);
    h->chans = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    return h;
}

static void on_close(virConnectPtr conn, int reason, void *opaque);

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
    virConnectPtr c = h->conn;
    h->conn = NULL;
    g_mutex_unlock(&h->lock);
    if (c) {
        if (h->cb_lifecycle >= 0)
            virConnectDomainEventDeregisterAny(c, h->cb_lifecycle);
        if (h->cb_agent >= 0)
            virConnectDomainEventDeregisterAny(c, h->cb_agent);
        if (h->close_cb)
            virConnectUnregisterCloseCallback(c, on_close);
        virResetLastError();
        virConnectClose(c);
    }
    g_hash_table_destroy(h->chans);
    g_mutex_clear(&h->lock);
    g_free(h->uri);
    g_free(h);
}

const char *gos_host_uri(const gos_host *h) { return h->uri; }
bool gos_host_readonly(const gos_host *h) { return h->readonly; }

virConnectPtr gos_host_conn(gos_host *h)
{
    g_mutex_lock(&h->lock);
    virConnectPtr c = h->conn;
    if (c)
        virConnectRef(c);
    g_mutex_unlock(&h->lock);
    return c;
}

static void post_domain_event(gos_host *h)
{
    gos_msg *m = gos_msg_new(GOS_MSG_DOMAIN_EVENT);
    m->host = g_strdup(h->uri);
    gos_bus_post(h->bus, m);
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
            ci->configured = true;
            ci->stale = true;
            g_hash_table_insert(h->chans, g_strdup(uuid), ci);
        }
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

static void on_close(virConnectPtr conn, int reason, void *opaque)
{
    host_link *l = opaque;
    g_mutex_lock(&l->lock);
    gos_host *h = l->h;
    if (!h) {
        g_mutex_unlock(&l->lock);
        return;
    }
    gos_msg *m = gos_msg_new(GOS_MSG_HOST_STATE);
    m->host = g_strdup(h->uri);
    m->ok = 0;
    m->text = g_strdup_printf(_("The connection to %s was lost."), h->uri);
    gos_bus_post(h->bus, m);
    g_mutex_unlock(&l->lock);
}

int gos_host_connect(gos_host *h, int *virt_code, char **err)
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
        return -1;
    }
    /* Keepalive notices a dead remote host; local drivers answer -1 or 1. */
    virConnectSetKeepAlive(c, 5, 3);
    virResetLastError();
    if (!h->link)
        h->link = link_new(h);
    h->close_cb = virConnectRegisterCloseCallback(c, on_close, h->link, NULL) == 0;
    virResetLastError();

    g_mutex_lock(&h->lock);
    h->conn = c;
    g_mutex_unlock(&h->lock);

    h->cb_lifecycle = virConnectDomainEventRegisterAny(c, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                                       VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle), h->link, NULL);
    virResetLastError();
    /* The test driver has no agent events; that is not an error. */
    h->cb_agent = virConnectDomainEventRegisterAny(c, NULL, VIR_DOMAIN_EVENT_ID_AGENT_LIFECYCLE,
                                                   VIR_DOMAIN_EVENT_CALLBACK(on_agent), h->link, NULL);
    virResetLastError();
    return 0;
}

/* --- domains -------------------------------------------------------------- */

void gos_domain_channel(virDomainPtr dom, bool *configured, gos_chan_state *state)
{
    *configured = false;
    *state = GOS_CHAN_UNKNOWN;
    char *xml = virDomainGetXMLDesc(dom, 0);
    if (!xml) {
        virResetLastError();
        return;
    }
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
    free(xml);
}

static gos_vm_state map_state(int s)
{
    return s >= 0 && s < GOS_VM_N_STATES ? (gos_vm_state)s : GOS_VM_NOSTATE;
}

int gos_host_list(gos_host *h, gos_vm ***out, size_t *n_out, char **err)
{
    virConnectPtr c = gos_host_conn(h);
    if (!c) {
        if (err)
            *err = g_strdup_printf(_("%s is not connected."), h->uri);
        return -1;
    }
    virDomainStatsRecordPtr *recs = NULL;
    int n = virConnectGetAllDomainStats(c, VIR_DOMAIN_STATS_STATE, &recs, 0);
    if (n < 0) {
        char *msg = NULL;
        gos_virt_last_error(&msg);
        if (err)
            *err = g_strdup_printf(_("Cannot list the domains of %s: %s"), h->uri, msg ? msg : "?");
        g_free(msg);
        virConnectClose(c);
        return -1;
    }

    gos_vm **vms = g_new0(gos_vm *, n + 1);
    GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
    for (int i = 0; i < n; i++) {
        virDomainPtr dom = recs[i]->dom;
        gos_vm *vm = gos_vm_new();
        vm->host = g_strdup(h->uri);
        virDomainGetUUIDString(dom, vm->uuid);
        vm->name = gos_text_clean(virDomainGetName(dom), 256);
        /* The sort key here, on the worker: the UI thread only compares. */
        vm->name_key = gos_vm_sort_key(vm->name);
        for (int j = 0; j < recs[i]->nparams; j++) {
            virTypedParameterPtr p = &recs[i]->params[j];
            if (!strcmp(p->field, "state.state"))
                vm->state = map_state(p->value.i);
            else if (!strcmp(p->field, "state.reason"))
                vm->reason = p->value.i;
        }

        g_mutex_lock(&h->lock);
        chan_info *ci = g_hash_table_lookup(h->chans, vm->uuid);
        bool need_xml = !ci || ci->stale;
        g_mutex_unlock(&h->lock);
        if (need_xml) {
            chan_info fresh = { 0 };
            gos_domain_channel(dom, &fresh.configured, &fresh.state);
            g_mutex_lock(&h->lock);
            ci = g_hash_table_lookup(h->chans, vm->uuid);
            if (!ci) {
                ci = g_new0(chan_info, 1);
                g_hash_table_insert(h->chans, g_strdup(vm->uuid), ci);
            }
            fresh.agent_event = ci->agent_event;
            *ci = fresh;
            g_mutex_unlock(&h->lock);
        }
        g_mutex_lock(&h->lock);
        vm->channel = ci->configured;
        vm->channel_state = ci->state;
        vm->agent_event = ci->agent_event;
        ci->agent_event = false;
        g_mutex_unlock(&h->lock);
        g_hash_table_add(seen, vm->uuid);

        if (!vm->channel)
            vm->heartbeat = GOS_HB_NO_CHANNEL;
        else if (vm->state != GOS_VM_RUNNING)
            vm->heartbeat = GOS_HB_VM_DOWN;
        vms[i] = vm;
    }

    /* Forget channels of domains that are gone. */
    g_mutex_lock(&h->lock);
    GHashTableIter it;
    gpointer key;
    g_hash_table_iter_init(&it, h->chans);
    while (g_hash_table_iter_next(&it, &key, NULL))
        if (!g_hash_table_contains(seen, key))
            g_hash_table_iter_remove(&it);
    g_mutex_unlock(&h->lock);
    g_hash_table_destroy(seen);

    virDomainStatsRecordListFree(recs);
    virConnectClose(c);
    *out = vms;
    *n_out = (size_t)n;
    return 0;
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

virDomainPtr gos_domain_lookup(virConnectPtr conn, const char *key, int *virt_code, char **err)
{
    virDomainPtr dom = NULL;
    if (g_uuid_string_is_valid(key))
        dom = virDomainLookupByUUIDString(conn, key);
    if (!dom) {
        virResetLastError();
        dom = virDomainLookupByName(conn, key);
    }
    if (!dom) {
        char *msg = NULL;
        int code = gos_virt_last_error(&msg);
        if (virt_code)
            *virt_code = code ? code : VIR_ERR_NO_DOMAIN;
        if (err)
            *err = g_strdup_printf(_("No virtual machine named or with UUID '%s' on this host."), key);
        g_free(msg);
    }
    return dom;
}
