/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libvirt connections: opening and reopening, events, keepalive, domain handles, and the bulk domain listing. */
#ifndef GOS_HOST_H
#define GOS_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libvirt/libvirt.h>

#include "core/bus.h"
#include "core/virt_hr.h"
#include "core/vm.h"

typedef struct gos_host gos_host;

/* What libvirtd serves of one client connection at once by default
 * (max_client_requests in libvirtd.conf, virtqemud.conf). */
#define GOS_HOST_CLIENT_REQUESTS 5

/* Once per process, before any connection: silences libvirt's stderr error
 * printer, ignores SIGPIPE (a daemon that goes away must not end the
 * program) and starts the event-loop thread. Returns 0 or -1 with *err set. */
int gos_virt_init(char **err);

/* The last libvirt error of this thread: code (0 none) and a copy of its
 * message (NULL none); resets it. */
int gos_virt_last_error(char **message);

/* A host of uri; holds a reference to bus. Connects nothing yet. */
gos_host *gos_host_new(const char *uri, bool readonly, gos_bus *bus);
/* References: jobs that may outlive their session hold one. */
gos_host *gos_host_ref(gos_host *host);
void gos_host_unref(gos_host *host);
/* Closes the connections, drops the callbacks and the link listener, and
 * lets go of the caller's reference; accepts NULL. A call in flight keeps
 * what it uses until it returns. */
void gos_host_free(gos_host *host);

const char *gos_host_uri(const gos_host *host);
bool gos_host_readonly(const gos_host *host);
/* True for URIs that libvirt serves inside this process (test:///...):
 * there, more connections never pay. */
bool gos_host_in_process(const gos_host *host);

/* How many connections the host may get (at least 1; in-process URIs keep
 * 1), and how many calls one of them serves at once (libvirtd's
 * max_client_requests): another connection opens when every open one has
 * that many calls in flight. */
void gos_host_set_connections(gos_host *host, int max_connections, int calls_per_connection);

/* Told when the main connection comes up (up) or is lost (!up): from a
 * worker or the event-loop thread, under the host's lock (so it must not
 * call back into the host). NULL stops it. */
typedef void (*gos_host_link_fn)(void *data, const char *uri, bool up);
void gos_host_set_link_listener(gos_host *host, gos_host_link_fn fn, void *data);

/* Opens the connection (blocking; call from a worker), replacing and
 * closing any earlier one and its callbacks, and registers the domain and
 * agent lifecycle events (GOS_MSG_DOMAIN_EVENT) and the close callback
 * (GOS_MSG_HOST_STATE with lost set). Returns 0, or -1 with *virt_code
 * and *err set. */
int gos_host_connect(gos_host *host, int *virt_code, char **err);

/* Bumped by every gos_host_connect that succeeds (0: never connected). */
uint64_t gos_host_generation(gos_host *host);

/* A connection for one piece of per-domain work: a new reference, NULL when
 * not connected. Picks the least busy one; when all have had
 * calls_per_connection callers for longer than a connect takes (a second
 * at least) and the limit allows, another opens in the background for the
 * callers after. Give it back with gos_host_conn_release (virConnectClose
 * also works, but then it counts as busy). */
virConnectPtr gos_host_conn(gos_host *host);
void gos_host_conn_release(gos_host *host, virConnectPtr conn);

/* True when conn (from gos_host_conn; NULL: the host's own) is gone: closed
 * under a call (the daemon restarted, the link broke) or replaced by a
 * reconnect. A loss seen here counts as one the close callback told. A
 * failed call on a connection that is not lost is the call's own failure. */
bool gos_host_conn_lost(gos_host *host, virConnectPtr conn);

/* The domain key (UUID text or name) on conn, from the handles the last
 * listing kept (no round trip), else looked up (and kept). NULL with
 * *virt_code (VIR_ERR_NO_DOMAIN when there is none) and *err set: a lost
 * connection says so, never that the VM is unknown. */
virDomainPtr gos_host_domain(gos_host *host, virConnectPtr conn, const char *key, int *virt_code, char **err);

/* Lists every domain with its state in one bulk call on the main
 * connection, and its agent channel where an earlier read or an agent event
 * told it (channel_known; the others need gos_host_read_channel). Returns 0
 * and a newly allocated array of VMs, or -1 with *err set. */
int gos_host_list(gos_host *host, gos_vm ***vms, size_t *n, char **err);

/* Reads one domain's agent channel from its XML (one round trip) and keeps
 * it. Returns 0 with *configured and *state, 1 when the domain is gone, -1
 * when the call failed (lost: the connection went). */
int gos_host_read_channel(gos_host *host, const char *uuid, bool *configured, gos_chan_state *state, bool *lost);

/* Agent channel state as the last XML read or agent event told it. */
gos_agent_link gos_host_agent_link(gos_host *host, const char *uuid);

/* Whether the driver was found to have no guest-agent support (every call
 * answers VIR_ERR_NO_SUPPORT): then no VM of the host is probed until it is
 * connected again. */
bool gos_host_no_agent(gos_host *host);
void gos_host_set_no_agent(gos_host *host);

/* Reads a domain's agent channel from its XML: configured, and its state. */
void gos_domain_channel(virDomainPtr dom, bool *configured, gos_chan_state *state);

/* Looks a domain up by UUID text or by name. NULL with *virt_code set; a
 * lost connection gives its own error and sentence, not VIR_ERR_NO_DOMAIN. */
virDomainPtr gos_domain_lookup(virConnectPtr conn, const char *key, int *virt_code, char **err);

#endif
