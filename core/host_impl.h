/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What host.c (connections, events) and domain.c (domains, the listing) share of a host. */
#ifndef GOS_HOST_IMPL_H
#define GOS_HOST_IMPL_H

#include <glib.h>
#include <libvirt/libvirt.h>

#include "core/host.h"

typedef struct {
    bool configured;
    bool known;              /* configured and state come from an XML read or an agent event */
    gos_chan_state state;
    bool stale;              /* re-read the XML */
    bool agent_event;        /* the agent connected or left since the last listing */
} chan_info;

typedef struct {
    virConnectPtr conn;
    GHashTable *doms;        /* uuid -> virDomainPtr (a reference each) */
    int inflight;            /* callers holding it (gos_host_conn) */
    bool dead;               /* closed under us: dropped at the next chance */
    bool close_cb;
} conn_slot;

struct gos_host {
    gint refs;
    char *uri;
    bool readonly;
    bool in_process;
    gos_bus *bus;
    GMutex lock;             /* guards what follows */
    GPtrArray *slots;        /* conn_slot*; [0] the main connection, while there is one */
    int max_conns, per_conn;
    bool opening;            /* a thread opens another connection */
    int64_t open_failed_ms;  /* when opening another one last failed */
    int64_t open_ms;         /* how long the last connect took */
    int64_t busy_since_ms;   /* since when every connection has per_conn callers, 0 not */
    uint64_t gen;            /* bumped by every gos_host_connect that succeeds */
    bool up;                 /* the main connection is open */
    bool told_lost;          /* the loss of this generation was told */
    int cb_lifecycle, cb_agent;
    virConnectPtr cb_conn;   /* where they are registered (slot 0's connection) */
    struct host_link *link;  /* what libvirt's callbacks hold instead of the host */
    GHashTable *chans;       /* uuid -> chan_info */
    GHashTable *names;       /* name -> uuid, from the last listing */
    bool no_agent;
    gos_host_link_fn on_link;
    void *on_link_data;
};

/* libvirt may be about to call a callback when it is deregistered, so the
 * callbacks' opaque is not the host but a link that outlives it: the host
 * sets link->h to NULL under link->lock before it goes. Links are freed at
 * exit, once the event thread has stopped. */
typedef struct host_link {
    GMutex lock;
    gos_host *h;
} host_link;

/* A new link to h, freed at exit (virt.c). */
host_link *gos_host_link_new(gos_host *h);

/* A map uuid -> virDomainPtr that owns a reference of each. */
GHashTable *gos_host_doms_new(void);

/* The slot of connection c (and its index), NULL when it is not one of h's. Caller holds h->lock. */
conn_slot *gos_host_slot_of_locked(gos_host *h, virConnectPtr c, guint *index);

#endif
