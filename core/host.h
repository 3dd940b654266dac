/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libvirt connections: opening, events, keepalive, and the bulk domain listing. */
#ifndef GOS_HOST_H
#define GOS_HOST_H

#include <stdbool.h>
#include <stddef.h>

#include <libvirt/libvirt.h>

#include "core/bus.h"
#include "core/virt_hr.h"
#include "core/vm.h"

typedef struct gos_host gos_host;

/* Once per process, before any connection: silences libvirt's stderr error
 * printer and starts the event-loop thread. Returns 0 or -1 with *err set. */
int gos_virt_init(char **err);

/* The last libvirt error of this thread: code (0 none) and a copy of its
 * message (NULL none); resets it. */
int gos_virt_last_error(char **message);

gos_host *gos_host_new(const char *uri, bool readonly, gos_bus *bus);
void gos_host_free(gos_host *host);

const char *gos_host_uri(const gos_host *host);
bool gos_host_readonly(const gos_host *host);

/* Opens the connection (blocking; call from a worker) and registers the
 * domain and agent lifecycle events, which post GOS_MSG_DOMAIN_EVENT. Returns
 * 0, or an HRESULT-mapped failure with *err set. */
int gos_host_connect(gos_host *host, int *virt_code, char **err);

/* A new reference to the connection (virConnectClose it), NULL when not connected. */
virConnectPtr gos_host_conn(gos_host *host);

/* Lists every domain with its state and agent channel in a fixed number of
 * round trips plus one XML read per domain not seen before or changed since.
 * Returns 0 and a newly allocated array of VMs, or -1 with *err set. */
int gos_host_list(gos_host *host, gos_vm ***vms, size_t *n, char **err);

/* Agent channel state as the last XML read or agent event told it. */
gos_agent_link gos_host_agent_link(gos_host *host, const char *uuid);

/* Reads a domain's agent channel from its XML: configured, and its state. */
void gos_domain_channel(virDomainPtr dom, bool *configured, gos_chan_state *state);

/* Looks a domain up by UUID text or by name. NULL with *virt_code set. */
virDomainPtr gos_domain_lookup(virConnectPtr conn, const char *key, int *virt_code, char **err);

#endif
