/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The VM table of all hosts: a sorted array plus a (host, UUID) index. */
#include <config.h>

#include <string.h>

#include <glib.h>

#include "core/inventory.h"

struct gos_inventory {
    GPtrArray *vms;          /* gos_vm*, sorted by host then name; owns them */
    GHashTable *by_key;      /* "host\nuuid" -> gos_vm* (borrowed) */
    uint64_t generation;
};

static char *vm_key(const char *host, const char *uuid) { return g_strconcat(host, "\n", uuid, NULL); }

gos_inventory *gos_inventory_new(void)
{
    gos_inventory *inv = g_new0(gos_inventory, 1);
    inv->vms = g_ptr_array_new_with_free_func((GDestroyNotify)gos_vm_free);
    inv->by_key = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    return inv;
}

void gos_inventory_free(gos_inventory *inv)
{
    if (!inv)
        return;
    g_hash_table_destroy(inv->by_key);
    g_ptr_array_free(inv->vms, TRUE);
    g_free(inv);
}

static gint vm_cmp(gconstpointer a, gconstpointer b)
{
    const gos_vm *x = *(const gos_vm *const *)a, *y = *(const gos_vm *const *)b;
    int c = strcmp(x->host, y->host);
    if (c)
        return c;
    c = g_strcmp0(x->name, y->name);
    return c ? c : strcmp(x->uuid, y->uuid);
}

void gos_inventory_drop_host(gos_inventory *inv, const char *host)
{
    GPtrArray *keep = g_ptr_array_new_with_free_func((GDestroyNotify)gos_vm_free);
    for (guint i = 0; i < inv->vms->len; i++) {
        gos_vm *vm = g_ptr_array_index(inv->vms, i);
        if (strcmp(vm->host, host)) {
            g_ptr_array_add(keep, vm);
        } else {
            char *k = vm_key(vm->host, vm->uuid);
            g_hash_table_remove(inv->by_key, k);
            g_free(k);
            gos_vm_free(vm);
        }
    }
    g_ptr_array_set_free_func(inv->vms, NULL);
    g_ptr_array_free(inv->vms, TRUE);
    inv->vms = keep;
    inv->generation++;
}

void gos_inventory_replace_host(gos_inventory *inv, const char *host, gos_vm **vms, size_t n)
{
    /* Agent data comes from slow probes: carry it over while the VM still
     * runs with a channel, so a refresh does not blank the table. */
    for (size_t i = 0; i < n; i++) {
        char *k = vm_key(host, vms[i]->uuid);
        const gos_vm *old = g_hash_table_lookup(inv->by_key, k);
        g_free(k);
        if (old && !vms[i]->agent_event && vms[i]->channel && vms[i]->state == GOS_VM_RUNNING &&
            vms[i]->heartbeat == GOS_HB_UNKNOWN && old->state == GOS_VM_RUNNING)
            gos_vm_merge_agent(vms[i], old);
    }
    gos_inventory_drop_host(inv, host);
    for (size_t i = 0; i < n; i++) {
        g_ptr_array_add(inv->vms, vms[i]);
        g_hash_table_insert(inv->by_key, vm_key(vms[i]->host, vms[i]->uuid), vms[i]);
    }
    g_ptr_array_sort(inv->vms, vm_cmp);
    inv->generation++;
}

int gos_inventory_merge_agent(gos_inventory *inv, const gos_vm *probe)
{
    char *k = vm_key(probe->host, probe->uuid);
    gos_vm *vm = g_hash_table_lookup(inv->by_key, k);
    g_free(k);
    if (!vm)
        return -1;
    gos_vm_merge_agent(vm, probe);
    inv->generation++;
    return 0;
}

size_t gos_inventory_count(const gos_inventory *inv) { return inv->vms->len; }

const gos_vm *gos_inventory_at(const gos_inventory *inv, size_t i)
{
    return i < inv->vms->len ? g_ptr_array_index(inv->vms, i) : NULL;
}

const gos_vm *gos_inventory_find(const gos_inventory *inv, const char *host, const char *key)
{
    if (host) {
        char *k = vm_key(host, key);
        const gos_vm *vm = g_hash_table_lookup(inv->by_key, k);
        g_free(k);
        if (vm)
            return vm;
    }
    for (guint i = 0; i < inv->vms->len; i++) {
        const gos_vm *vm = g_ptr_array_index(inv->vms, i);
        if (host && strcmp(vm->host, host))
            continue;
        if (!g_ascii_strcasecmp(vm->uuid, key) || !g_strcmp0(vm->name, key))
            return vm;
    }
    return NULL;
}

uint64_t gos_inventory_generation(const gos_inventory *inv) { return inv->generation; }
