/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The VM table of all hosts: a sorted array plus a (host, UUID) index. */
#include <config.h>

#include <string.h>

#include <glib.h>

#include "core/inventory.h"

struct gos_inventory {
    GPtrArray *vms;          /* gos_vm*, sorted by host then name; owns them (no free_func:
                                they move between arrays while a host is replaced) */
    GHashTable *by_key;      /* gos_vm_ref* pointing at the VM's strings -> gos_vm* (borrowed) */
    uint64_t generation;
    uint64_t layout_generation;
};

/* --- identities ------------------------------------------------------------ */

unsigned gos_vm_ref_hash(const void *p)
{
    /* The UUID alone is as good as unique; the host only breaks ties in equal. */
    const gos_vm_ref *r = p;
    return g_str_hash(r->uuid);
}

int gos_vm_ref_equal(const void *a, const void *b)
{
    const gos_vm_ref *x = a, *y = b;
    return strcmp(x->uuid, y->uuid) == 0 && strcmp(x->host, y->host) == 0;
}

gos_vm_ref *gos_vm_ref_new(const char *host, const char *uuid)
{
    size_t hl = strlen(host) + 1, ul = strlen(uuid) + 1;
    gos_vm_ref *r = g_malloc(sizeof *r + hl + ul);
    char *h = (char *)(r + 1), *u = h + hl;
    memcpy(h, host, hl);
    memcpy(u, uuid, ul);
    r->host = h;
    r->uuid = u;
    return r;
}

/* --- the table ---------------------------------------------------------------- */

gos_inventory *gos_inventory_new(void)
{
    gos_inventory *inv = g_new0(gos_inventory, 1);
    inv->vms = g_ptr_array_new();
    inv->by_key = g_hash_table_new_full(gos_vm_ref_hash, gos_vm_ref_equal, g_free, NULL);
    return inv;
}

void gos_inventory_free(gos_inventory *inv)
{
    if (!inv)
        return;
    g_hash_table_destroy(inv->by_key);
    for (guint i = 0; i < inv->vms->len; i++)
        gos_vm_free(g_ptr_array_index(inv->vms, i));
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

static gos_vm *lookup(const gos_inventory *inv, const char *host, const char *uuid)
{
    gos_vm_ref r = { host, uuid };
    return g_hash_table_lookup(inv->by_key, &r);
}

static void index_add(gos_inventory *inv, gos_vm *vm)
{
    /* The key borrows the VM's strings: one small block, no copies. */
    gos_vm_ref *r = g_new(gos_vm_ref, 1);
    r->host = vm->host;
    r->uuid = vm->uuid;
    g_hash_table_replace(inv->by_key, r, vm);
}

static void index_remove(gos_inventory *inv, const gos_vm *vm)
{
    gos_vm_ref r = { vm->host, vm->uuid };
    g_hash_table_remove(inv->by_key, &r);
}

/* Removes every VM of host from the array and the index (freeing them). */
static void remove_host(gos_inventory *inv, const char *host)
{
    guint keep = 0;
    for (guint i = 0; i < inv->vms->len; i++) {
        gos_vm *vm = g_ptr_array_index(inv->vms, i);
        if (strcmp(vm->host, host)) {
            inv->vms->pdata[keep++] = vm;
        } else {
            index_remove(inv, vm);
            gos_vm_free(vm);
        }
    }
    g_ptr_array_set_size(inv->vms, keep);
}

void gos_inventory_drop_host(gos_inventory *inv, const char *host)
{
    remove_host(inv, host);
    inv->generation++;
    inv->layout_generation++;
}

void gos_inventory_replace_host(gos_inventory *inv, const char *host, gos_vm **vms, size_t n)
{
    /* Agent data comes from slow probes: carry it over while the VM still
     * runs with a channel, so a refresh does not blank the table. */
    for (size_t i = 0; i < n; i++) {
        const gos_vm *old = lookup(inv, host, vms[i]->uuid);
        /* A channel the listing does not know yet (its XML is read again
         * after it) shows as it was, rather than blank, until the read says. */
        if (old && !vms[i]->channel_known && old->channel_known)
            gos_vm_set_channel(vms[i], old->channel, old->channel_state);
        if (old && !vms[i]->agent_event && vms[i]->channel && vms[i]->state == GOS_VM_RUNNING &&
            vms[i]->heartbeat == GOS_HB_UNKNOWN && old->state == GOS_VM_RUNNING)
            gos_vm_merge_agent(vms[i], old);
        /* Listings compute them on their worker; VMs made otherwise get them here. */
        gos_vm_set_keys(vms[i]);
    }
    remove_host(inv, host);

    /* The rest is sorted already: sort the newcomers alone and merge, rather
     * than sorting the whole fleet again on every listing of one host. */
    gos_vm **fresh = g_new(gos_vm *, n + 1);
    if (n)
        memcpy(fresh, vms, n * sizeof *vms);
    if (n > 1)
        qsort(fresh, n, sizeof *fresh, vm_cmp);
    guint old_n = inv->vms->len;
    gos_vm **old = g_new(gos_vm *, old_n + 1);
    if (old_n)
        memcpy(old, inv->vms->pdata, old_n * sizeof *old);
    g_ptr_array_set_size(inv->vms, 0);
    size_t a = 0, b = 0;
    while (a < old_n || b < n) {
        bool take_old = b == n || (a < old_n && vm_cmp(&old[a], &fresh[b]) <= 0);
        g_ptr_array_add(inv->vms, take_old ? old[a++] : fresh[b++]);
    }
    for (size_t i = 0; i < n; i++)
        index_add(inv, fresh[i]);
    g_free(old);
    g_free(fresh);
    inv->generation++;
    inv->layout_generation++;
}

int gos_inventory_set_channel(gos_inventory *inv, const gos_vm *read)
{
    gos_vm *vm = lookup(inv, read->host, read->uuid);
    if (!vm)
        return -1;
    gos_vm_set_channel(vm, read->channel, read->channel_state);
    inv->generation++;
    return 0;
}

int gos_inventory_merge_agent(gos_inventory *inv, const gos_vm *probe)
{
    gos_vm *vm = lookup(inv, probe->host, probe->uuid);
    if (!vm)
        return -1;
    gos_vm_merge_agent(vm, probe);
    gos_vm_set_keys(vm);
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
        const gos_vm *vm = lookup(inv, host, key);
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
uint64_t gos_inventory_layout_generation(const gos_inventory *inv) { return inv->layout_generation; }
