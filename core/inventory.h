/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The VM table of all hosts, kept on the UI thread and fed by bus messages. */
#ifndef GOS_INVENTORY_H
#define GOS_INVENTORY_H

#include <stddef.h>
#include <stdint.h>

#include "core/vm.h"

typedef struct gos_inventory gos_inventory;

/* A VM's identity, (host URI, UUID), as a hash-table key that needs no
 * allocation to look up: point it at a VM's own strings on the stack. */
typedef struct gos_vm_ref {
    const char *host;
    const char *uuid;
} gos_vm_ref;

/* GHashFunc and GEqualFunc over gos_vm_ref*. */
unsigned gos_vm_ref_hash(const void *ref);
int gos_vm_ref_equal(const void *a, const void *b);
/* An owned copy of (host, uuid) in one block: free it with g_free. */
gos_vm_ref *gos_vm_ref_new(const char *host, const char *uuid);

gos_inventory *gos_inventory_new(void);
void gos_inventory_free(gos_inventory *inv);

/* Replaces every VM of host by vms[0..n) (takes ownership of the VMs, not
 * of the array), keeping agent data of VMs that are still there. */
void gos_inventory_replace_host(gos_inventory *inv, const char *host, gos_vm **vms, size_t n);
/* Drops every VM of host. */
void gos_inventory_drop_host(gos_inventory *inv, const char *host);
/* Sets the agent channel of the matching VM from read (channel,
 * channel_state), as gos_vm_set_channel; returns 0, -1 if gone. */
int gos_inventory_set_channel(gos_inventory *inv, const gos_vm *read);
/* Merges agent fields of probe into the matching VM; returns 0, -1 if gone. */
int gos_inventory_merge_agent(gos_inventory *inv, const gos_vm *probe);

/* VMs in a stable order (host, then name). Borrowed. */
size_t gos_inventory_count(const gos_inventory *inv);
const gos_vm *gos_inventory_at(const gos_inventory *inv, size_t i);
/* By host + (name or UUID); host NULL searches every host. Borrowed or NULL. */
const gos_vm *gos_inventory_find(const gos_inventory *inv, const char *host, const char *key);

/* Bumped by every change. */
uint64_t gos_inventory_generation(const gos_inventory *inv);
/* Bumped only when VMs come or go or are replaced (a listing): while it stays
 * the same, the VM pointers stay valid and only agent fields change. */
uint64_t gos_inventory_layout_generation(const gos_inventory *inv);

#endif
