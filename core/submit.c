/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tasks the session submits and follows: logoff of the targets or of named VMs, cancel, refresh. */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "base/i18n.h"
#include "base/text.h"
#include "core/logoff.h"
#include "core/session_impl.h"
#include "core/submit.h"

void gos_session_tasks_advance(gos_session *s)
{
    while (s->tasks_done < s->tasks->len) {
        gos_task *t = g_ptr_array_index(s->tasks, s->tasks_done);
        gos_task_state st = gos_task_get_state(t);
        if (st == GOS_TASK_QUEUED || st == GOS_TASK_RUNNING)
            break;
        s->done_states[st]++;
        s->tasks_done++;
    }
}


/* --- tasks and the rest ---------------------------------------------------- */

size_t gos_session_task_count(gos_session *s) { return s->tasks->len; }

gos_task *gos_session_task_at(gos_session *s, size_t i)
{
    return i < s->tasks->len ? g_ptr_array_index(s->tasks, i) : NULL;
}

void gos_session_task_counts(gos_session *s, size_t counts[GOS_TASK_N_STATES])
{
    gos_session_tasks_advance(s);
    memcpy(counts, s->done_states, sizeof s->done_states);
    /* Only the tasks past the first that has not ended are looked at again. */
    for (guint i = (guint)s->tasks_done; i < s->tasks->len; i++)
        counts[gos_task_get_state(g_ptr_array_index(s->tasks, i))]++;
}

void gos_session_task_totals(gos_session *s, size_t *running, size_t *failed, size_t *ok)
{
    size_t c[GOS_TASK_N_STATES];
    gos_session_task_counts(s, c);
    if (running)
        *running = c[GOS_TASK_QUEUED] + c[GOS_TASK_RUNNING];
    if (failed)
        *failed = c[GOS_TASK_FAILED] + c[GOS_TASK_CANCELLED] + c[GOS_TASK_INTERRUPTED];
    if (ok)
        *ok = c[GOS_TASK_SUCCEEDED];
}


static size_t matches(gos_inventory *inv, const char *key);

/* The hosts of the VMs that answer to key, "a, b"; g_free it. */
static char *hosts_of(gos_inventory *inv, const char *key)
{
    GString *g = g_string_new(NULL);
    for (size_t i = 0; i < gos_inventory_count(inv); i++) {
        const gos_vm *vm = gos_inventory_at(inv, i);
        if ((vm->name && !strcmp(vm->name, key)) || !strcmp(vm->uuid, key))
            g_string_append_printf(g, "%s%s", g->len ? ", " : "", vm->host);
    }
    return g_string_free(g, FALSE);
}

size_t gos_session_logoff_many(gos_session *s, const char *const *hosts, const char *const *keys, size_t n,
                               gos_task **out, char **err)
{
    for (size_t i = 0; i < n; i++)
        out[i] = NULL;
    if (s->hosts->len == 0) {
        if (err)
            *err = g_strdup(_("No host is configured."));
        return 0;
    }
    /* A name that two hosts use names no VM: guessing one would log off the
     * users of a VM the operator did not mean. Nothing is submitted. */
    for (size_t i = 0; hosts == NULL && i < n; i++) {
        if (matches(s->inv, keys[i]) > 1) {
            if (err) {
                char *where = hosts_of(s->inv, keys[i]);
                char *clean = gos_text_clean(keys[i], 256);
                /* TRANSLATORS: a VM name, then the hosts that have a VM of that name. */
                *err = g_strdup_printf(_("'%1$s' names VMs on more than one host (%2$s): name it by its UUID."),
                                       clean, where);
                g_free(clean);
                g_free(where);
            }
            return 0;
        }
    }
    gos_task_spec *specs = g_new0(gos_task_spec, n);
    char **descs = g_new0(char *, n);
    for (size_t i = 0; i < n; i++) {
        const char *host = hosts ? hosts[i] : NULL, *key = keys[i];
        const gos_vm *vm = gos_inventory_find(s->inv, host, key);
        host_entry *h = vm ? gos_session_find_host(s, vm->host) : host ? gos_session_find_host(s, host) : NULL;
        if (!h)
            h = g_ptr_array_index(s->hosts, 0);
        const char *name = vm && vm->name ? vm->name : key;
        descs[i] = g_strdup_printf(_("Log off all users of %s"), name);
        specs[i] = (gos_task_spec){
            .action = "logoff",
            .description = descs[i],
            .host = gos_host_uri(h->host),
            .vm = vm ? vm->uuid : key,
            .vm_uuid = vm ? vm->uuid : NULL,
            .vm_name = vm ? vm->name : NULL,
            .origin = s->origin,
            .run = gos_logoff_run,
            .job = gos_logoff_job_new(h->host),
            .job_free = gos_logoff_job_free,
        };
    }
    /* One commit for all of them: a fan-out starts at once. */
    size_t submitted = gos_engine_submit_many(s->engine, specs, n, out, err);
    for (size_t i = 0; i < n; i++) {
        if (out[i])
            g_ptr_array_add(s->tasks, gos_task_ref(out[i]));
        else
            gos_logoff_job_free(specs[i].job);
        g_free(descs[i]);
    }
    g_free(descs);
    g_free(specs);
    return submitted;
}

gos_task *gos_session_logoff_vm(gos_session *s, const char *host, const char *key, char **err)
{
    gos_task *t = NULL;
    gos_session_logoff_many(s, host ? &host : NULL, &key, 1, &t, err);
    if (t)
        gos_task_unref(t);   /* the session's reference stays */
    return t;
}

int gos_submit_logoff(gos_session *s, int argc, char *const *argv, bool use_cursor, char **err)
{
    size_t n = 0;
    const gos_vm **targets = argc ? NULL : gos_session_targets(s, use_cursor, &n);
    size_t total = argc ? (size_t)argc : n;
    if (total == 0) {
        g_free(targets);
        if (err)
            *err = g_strdup(_("No virtual machine is selected."));
        return -1;
    }
    const char **hosts = argc ? NULL : g_new0(const char *, total);
    const char **keys = g_new0(const char *, total);
    for (size_t i = 0; i < total; i++) {
        keys[i] = argc ? argv[i] : targets[i]->uuid;
        if (hosts)
            hosts[i] = targets[i]->host;
    }
    gos_task **tasks = g_new0(gos_task *, total);
    char *why = NULL;
    size_t submitted = gos_session_logoff_many(s, hosts, keys, total, tasks, &why);
    for (size_t i = 0; i < total; i++)
        gos_task_unref(tasks[i]);
    g_free(tasks);
    g_free(keys);
    g_free(hosts);
    g_free(targets);
    if (submitted < total) {
        if (err && submitted)
            /* TRANSLATORS: %1$d of %2$zu tasks went to the queue before %3$s (why the rest did not). */
            *err = g_strdup_printf(ngettext("%1$d of %2$zu logoff task was submitted (it runs); the rest were "
                                            "refused: %3$s",
                                            "%1$d of %2$zu logoff tasks were submitted (they run); the rest were "
                                            "refused: %3$s", submitted),
                                   (int)submitted, total, why ? why : "");
        else if (err)
            *err = g_steal_pointer(&why);
        g_free(why);
        return -1;
    }
    g_free(why);
    return (int)submitted;
}

int gos_submit_cancel(gos_session *s, bool use_cursor)
{
    /* In the task list, with nothing marked, the task under its own cursor
     * (newest first), not every task: that is the one the operator sees. */
    if (s->view_mode == GOS_VIEW_TASKS && g_hash_table_size(s->marks) == 0) {
        size_t n = s->tasks->len;
        if (n == 0 || s->task_pos.cursor >= n)
            return 0;
        gos_task *t = g_ptr_array_index(s->tasks, n - 1 - s->task_pos.cursor);
        return !gos_task_is_complete(t) && gos_task_cancel(t) == GOS_S_OK ? 1 : 0;
    }
    size_t n = 0;
    const gos_vm **targets = gos_session_targets(s, use_cursor, &n);
    bool all = g_hash_table_size(s->marks) == 0 && n == 0;
    /* A set, so that cancelling 10,000 tasks of 10,000 marked VMs is not a
     * hundred million comparisons. */
    GHashTable *want = gos_ref_set_new();
    for (size_t k = 0; k < n; k++)
        gos_ref_set_add(want, targets[k]);
    g_free(targets);
    int cancelled = 0;
    for (guint i = (guint)s->tasks_done; i < s->tasks->len; i++) {
        gos_task *t = g_ptr_array_index(s->tasks, i);
        if (gos_task_is_complete(t))
            continue;
        gos_task_info info;
        gos_task_snapshot(t, &info);
        gos_vm_ref by_vm = { info.host, info.vm ? info.vm : "" };
        gos_vm_ref by_uuid = { info.host, info.vm_uuid ? info.vm_uuid : "" };
        bool hit = all || g_hash_table_contains(want, &by_vm) || g_hash_table_contains(want, &by_uuid);
        if (hit && !info.complete && gos_task_cancel(t) == GOS_S_OK)
            cancelled++;
        gos_task_info_clear(&info);
    }
    g_hash_table_destroy(want);
    return cancelled;
}


void gos_session_refresh(gos_session *s)
{
    for (guint i = 0; i < s->hosts->len; i++) {
        host_entry *h = g_ptr_array_index(s->hosts, i);
        if (h->state == HOST_UP) {
            gos_session_start_listing(s, h, false);
        } else if (h->state == HOST_DOWN) {
            h->state = HOST_CONNECTING;
            gos_session_start_listing(s, h, true);
        } else if (h->state == HOST_RECONNECTING && h->retry_at_ms) {
            /* Asked for: the next try now, not after its backoff. */
            h->retry_at_ms = gos_now_ms();
        }
    }
    gos_session_schedule_probes(s, true);
}


int gos_submit_cancel_all(gos_session *s)
{
    int n = 0;
    for (guint i = (guint)s->tasks_done; i < s->tasks->len; i++) {
        gos_task *t = g_ptr_array_index(s->tasks, i);
        if (!gos_task_is_complete(t) && gos_task_cancel(t) == GOS_S_OK)
            n++;
    }
    return n;
}

/* How many VMs of the inventory answer to key (a name or a UUID). */
static size_t matches(gos_inventory *inv, const char *key)
{
    size_t n = 0;
    for (size_t i = 0; i < gos_inventory_count(inv); i++) {
        const gos_vm *vm = gos_inventory_at(inv, i);
        n += (vm->name && !strcmp(vm->name, key)) || !strcmp(vm->uuid, key);
    }
    return n;
}

void gos_session_name_targets(gos_session *s, gos_cmd *cmd, bool use_cursor)
{
    const gos_action *a = cmd->action;
    if (!a || !(a->flags & GOS_ACT_TARGETS) || cmd->argc > 0)
        return;
    size_t n = 0;
    const gos_vm **t = gos_session_targets(s, use_cursor, &n);
    if (n == 0 || n > (size_t)a->max_args) {
        g_free(t);
        return;
    }
    GPtrArray *args = g_ptr_array_new_with_free_func(g_free);
    for (size_t i = 0; i < n; i++) {
        const gos_vm *vm = t[i];
        const char *word = vm->name && matches(s->inv, vm->name) == 1 ? vm->name
                         : matches(s->inv, vm->uuid) == 1 ? vm->uuid : NULL;
        if (!word) {
            g_ptr_array_free(args, TRUE);
            g_free(t);
            return;
        }
        g_ptr_array_add(args, g_strdup(word));
    }
    g_free(t);
    g_strfreev(cmd->argv);
    cmd->argc = (int)args->len;
    g_ptr_array_add(args, NULL);
    cmd->argv = (char **)g_ptr_array_free(args, FALSE);
}
