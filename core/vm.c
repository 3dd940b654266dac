/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The VM record: copying, freeing, state and heartbeat names, sanitising guest text. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "base/i18n.h"
#include "core/logons.h"
#include "core/vm.h"

gos_vm *gos_vm_new(void)
{
    gos_vm *vm = g_new0(gos_vm, 1);
    vm->ping_us = -1;
    return vm;
}

char *gos_vm_sort_key(const char *text)
{
    if (!text)
        return g_strdup("");
    char *valid = g_utf8_make_valid(text, -1);
    char *fold = g_utf8_casefold(valid, -1);
    char *key = g_utf8_collate_key_for_filename(fold, -1);
    g_free(fold);
    g_free(valid);
    return key;
}

void gos_vm_set_keys(gos_vm *vm)
{
    if (!vm->name_key)
        vm->name_key = gos_vm_sort_key(vm->name);
    if (vm->os_name && !vm->os_key)
        vm->os_key = gos_vm_sort_key(vm->os_name);
}

void gos_vm_clear_users(gos_vm *vm, const char *note)
{
    gos_users_free(vm->users, vm->n_users);
    gos_logons_free(vm->logons, vm->n_logons);
    g_strfreev(vm->stale_utmp);
    g_free(vm->users_note);
    vm->users_note = g_strdup(note);
    vm->users = NULL;
    vm->n_users = 0;
    vm->logons = NULL;
    vm->n_logons = 0;
    vm->stale_utmp = NULL;
    vm->logind = false;
    vm->users_known = false;
}

static void agent_clear(gos_vm *vm)
{
    g_free(vm->agent_note);
    g_clear_pointer(&vm->os_key, g_free);
    g_free(vm->agent_version);
    g_free(vm->os_name);
    g_free(vm->os_id);
    vm->agent_note = vm->agent_version = vm->os_name = vm->os_id = NULL;
    gos_vm_clear_users(vm, NULL);
}

void gos_vm_merge_agent(gos_vm *dst, const gos_vm *src)
{
    if (dst == src)
        return;
    agent_clear(dst);
    dst->heartbeat = src->heartbeat;
    dst->agent_note = g_strdup(src->agent_note);
    dst->ping_us = src->ping_us;
    dst->agent_version = g_strdup(src->agent_version);
    dst->features = src->features;
    dst->features_known = src->features_known;
    dst->os_name = g_strdup(src->os_name);
    dst->os_key = g_strdup(src->os_key);
    dst->os_id = g_strdup(src->os_id);
    dst->users_known = src->users_known;
    dst->logind = src->logind;
    dst->logons = gos_logons_dup(src->logons, src->n_logons);
    dst->n_logons = src->n_logons;
    dst->stale_utmp = g_strdupv(src->stale_utmp);
    dst->users_note = g_strdup(src->users_note);
    dst->users = gos_users_dup(src->users, src->n_users);
    dst->n_users = src->n_users;
    dst->probed_ms = src->probed_ms;
}

void gos_vm_set_channel(gos_vm *vm, bool configured, gos_chan_state state)
{
    vm->channel_known = true;
    vm->channel = configured;
    vm->channel_state = state;
    if (!configured)
        vm->heartbeat = GOS_HB_NO_CHANNEL;
    else if (vm->state != GOS_VM_RUNNING)
        vm->heartbeat = GOS_HB_VM_DOWN;
    else if (vm->heartbeat == GOS_HB_NO_CHANNEL || vm->heartbeat == GOS_HB_VM_DOWN)
        vm->heartbeat = GOS_HB_UNKNOWN;
}

gos_vm *gos_vm_dup(const gos_vm *vm)
{
    gos_vm *copy = gos_vm_new();
    copy->host = g_strdup(vm->host);
    memcpy(copy->uuid, vm->uuid, sizeof copy->uuid);
    copy->name = g_strdup(vm->name);
    copy->name_key = g_strdup(vm->name_key);
    copy->state = vm->state;
    copy->reason = vm->reason;
    copy->channel_known = vm->channel_known;
    copy->channel = vm->channel;
    copy->channel_state = vm->channel_state;
    copy->agent_event = vm->agent_event;
    gos_vm_merge_agent(copy, vm);
    return copy;
}

void gos_vm_free(gos_vm *vm)
{
    if (!vm)
        return;
    agent_clear(vm);
    g_free(vm->host);
    g_free(vm->name);
    g_free(vm->name_key);
    g_free(vm);
}

static const char *const state_keys[GOS_VM_N_STATES] = {
    "no state", "running", "blocked", "paused", "shutting down", "shut off", "crashed", "suspended",
};

static const char *const state_labels[GOS_VM_N_STATES] = {
    /* TRANSLATORS: VM states, shown in a narrow column: at most 14 columns. */
    N_("no state"), N_("running"), N_("blocked"), N_("paused"), N_("shutting down"),
    N_("shut off"), N_("crashed"), N_("suspended"),
};

/* Filter spellings: the keys with '-' for blanks, so a filter line reads back. */
static const char *const state_words[GOS_VM_N_STATES] = {
    "no-state", "running", "blocked", "paused", "shutting-down", "shut-off", "crashed", "suspended",
};

const char *gos_vm_state_word(gos_vm_state state)
{
    return (unsigned)state < GOS_VM_N_STATES ? state_words[state] : state_words[0];
}

const char *gos_vm_state_key(gos_vm_state state)
{
    return (unsigned)state < GOS_VM_N_STATES ? state_keys[state] : state_keys[0];
}

const char *gos_vm_state_label(gos_vm_state state)
{
    return _((unsigned)state < GOS_VM_N_STATES ? state_labels[state] : state_labels[0]);
}

int gos_vm_state_parse(const char *key)
{
    for (int i = 0; i < GOS_VM_N_STATES; i++)
        if (g_ascii_strcasecmp(key, state_keys[i]) == 0 || g_ascii_strcasecmp(key, state_words[i]) == 0)
            return i;
    /* Spellings without blanks for batch lines: shutoff, shut-off. */
    if (!g_ascii_strcasecmp(key, "shutoff") || !g_ascii_strcasecmp(key, "shut-off") ||
        !g_ascii_strcasecmp(key, "off"))
        return GOS_VM_SHUTOFF;
    if (!g_ascii_strcasecmp(key, "shutdown") || !g_ascii_strcasecmp(key, "shutting-down"))
        return GOS_VM_SHUTDOWN;
    if (!g_ascii_strcasecmp(key, "pmsuspended"))
        return GOS_VM_PMSUSPENDED;
    return -1;
}

static const char *const hb_keys[GOS_HB_N] = {
    "unknown", "no-channel", "unsupported", "vm-down", "ok", "degraded", "no-contact", "lost",
};

/* The same words as the keys, that `list` prints and filters take: the
 * console and the commands name a condition alike. */
static const char *const hb_labels[GOS_HB_N] = {
    /* TRANSLATORS: the guest agent's condition in the VM list's narrow Agent column
     * (the English words are those of `guestos list`); at most 14 columns. */
    NC_("agent", "unknown"), NC_("agent", "no channel"), NC_("agent", "unsupported"), NC_("agent", "VM down"),
    NC_("agent", "OK"), NC_("agent", "degraded"), NC_("agent", "no contact"), NC_("agent", "lost"),
};

const char *gos_heartbeat_key(gos_heartbeat hb)
{
    return (unsigned)hb < GOS_HB_N ? hb_keys[hb] : hb_keys[0];
}

const char *gos_heartbeat_label(gos_heartbeat hb)
{
    return CX_((unsigned)hb < GOS_HB_N ? hb_labels[hb] : hb_labels[0]);
}

int gos_heartbeat_parse(const char *key)
{
    for (int i = 0; i < GOS_HB_N; i++)
        if (g_ascii_strcasecmp(key, hb_keys[i]) == 0)
            return i;
    return -1;
}

char *gos_vm_users_joined(const gos_vm *vm)
{
    GString *s = g_string_new(NULL);
    for (size_t i = 0; i < vm->n_users; i++) {
        if (i)
            g_string_append_c(s, ',');
        g_string_append(s, vm->users[i].name ? vm->users[i].name : "");
    }
    return g_string_free(s, FALSE);
}
