/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Sets of VMs by (host, UUID), the identity that survives a listing. */
#include <config.h>

#include "core/inventory.h"
#include "core/session_impl.h"

static gos_vm_ref vm_ref_of(const gos_vm *vm) { return (gos_vm_ref){ vm->host, vm->uuid }; }

GHashTable *gos_ref_set_new(void) { return g_hash_table_new_full(gos_vm_ref_hash, gos_vm_ref_equal, g_free, NULL); }

/* Adds the identity of vm to set unless it is there; true when it was added. */
bool gos_ref_set_add(GHashTable *set, const gos_vm *vm)
{
    gos_vm_ref r = vm_ref_of(vm);
    if (g_hash_table_contains(set, &r))
        return false;
    g_hash_table_add(set, gos_vm_ref_new(vm->host, vm->uuid));
    return true;
}

bool gos_ref_set_has(GHashTable *set, const gos_vm *vm)
{
    gos_vm_ref r = vm_ref_of(vm);
    return g_hash_table_contains(set, &r);
}

void gos_ref_set_remove(GHashTable *set, const gos_vm *vm)
{
    gos_vm_ref r = vm_ref_of(vm);
    g_hash_table_remove(set, &r);
}
