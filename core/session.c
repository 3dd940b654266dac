/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The session: its life, the update pump, waiting, and the state every action reads. */
#include <config.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "base/count.h"
#include "base/i18n.h"
#include "core/session_impl.h"

int gos_session_new(const gos_session_opts *o, gos_session **out, char **err)
{
    if (gos_virt_init(err) < 0)
        return -1;
    gos_session *s = g_new0(gos_session, 1);
    gos_operator_init(&s->op);
    s->readonly = o->readonly;
    s->no_probes = o->no_probes;
    s->origin = g_strdup(o->origin ? o->origin : "interactive");
    s->hosts = g_ptr_array_new_with_free_func(gos_host_entry_free);
    s->inv = gos_inventory_new();
    s->sorted = g_ptr_array_new();
    s->rows = g_array_new(FALSE, FALSE, sizeof(sort_row));
    s->view = g_ptr_array_new();
    s->layout_gen = UINT64_MAX;   /* nothing built yet */
    s->marks = gos_ref_set_new();
    s->answered = gos_ref_set_new();
    s->probing = gos_ref_set_new();
    s->probe_again = gos_ref_set_new();
    s->backoff = g_hash_table_new_full(gos_vm_ref_hash, gos_vm_ref_equal, g_free, g_free);
    s->per_host = o->per_host > 0 ? o->per_host : GOS_ENGINE_PER_HOST;
    s->probes_per_host = o->max_probes > 0 ? o->max_probes : GOS_HOST_CLIENT_REQUESTS;
    s->client_requests = o->client_requests > 0 ? o->client_requests : GOS_HOST_CLIENT_REQUESTS;
    s->tasks = g_ptr_array_new_with_free_func((GDestroyNotify)gos_task_unref);
    s->f_state = s->f_agent = s->f_users = -1;
    s->filter_text = g_strdup("");
    s->page_rows = 10;
    s->columns = g_array_new(FALSE, FALSE, sizeof(gos_column_spec));
    s->default_columns = g_array_new(FALSE, FALSE, sizeof(gos_column_spec));
    gos_session_set_default_columns(s, NULL, 0);
    s->task_panel = -1;

    char *path = o->audit_path ? g_strdup(o->audit_path) : gos_audit_default_path();
    int rc = gos_audit_open(path, &s->audit, err);
    g_free(path);
    if (rc < 0) {
        gos_session_free(s);
        return -1;
    }
    gos_audit_set_forward(s->audit, (gos_audit_forward)o->forward);
    s->bus = gos_bus_new();
    s->engine = gos_engine_new(s->audit, s->bus, &s->op, o->max_workers, o->deadline_ms, err);
    if (!s->engine) {
        gos_session_free(s);
        return -1;
    }
    gos_engine_set_per_host(s->engine, s->per_host);

    /* Crashed runs leave tasks that started and never ended: say so. */
    gos_audit_event who = { .op_uid = s->op.uid, .op_user = s->op.user, .op_tty = s->op.tty,
                            .op_ssh = s->op.ssh, .op_pid = s->op.pid, .origin = s->origin };
    int recovered = 0;
    char *rerr = NULL;
    if (gos_audit_recover(s->audit, &who, &recovered, &rerr) == 0 && recovered > 0)
        gos_session_set_status(s, ngettext("%d task of an earlier run was interrupted; the audit log says so.",
                                           "%d tasks of an earlier run were interrupted; the audit log says so.",
                                           recovered), recovered);
    free(rerr);

    for (size_t i = 0; i < o->n_uris; i++)
        gos_session_add_host_entry(s, o->uris[i]);
    *out = s;
    return 0;
}

void gos_session_free(gos_session *s)
{
    if (!s)
        return;
    /* The pager's worker wakes through the bus, and reads the store. */
    gos_pager_free(s->pager);
    s->pager = NULL;
    /* Channel reads and probes still queued are dropped, not run: at 10,000
     * VMs that is seconds nobody waits for. Running ones get a moment to
     * end; one stuck in a hung host keeps its own references and is left. */
    gint64 until = g_get_monotonic_time() + 2 * G_USEC_PER_SEC;
    for (guint i = 0; s->hosts && i < s->hosts->len; i++) {
        host_entry *h = g_ptr_array_index(s->hosts, i);
        gos_host_set_link_listener(h->host, NULL, NULL);
        gos_lane_clear(h->dom);
    }
    for (guint i = 0; s->hosts && i < s->hosts->len; i++) {
        host_entry *h = g_ptr_array_index(s->hosts, i);
        gos_lane_wait(h->dom, MAX(0, (long)((until - g_get_monotonic_time()) / 1000)));
    }
    /* Running tasks finish (and are audited) before anything goes away. */
    gos_engine_free(s->engine);
    if (s->bus) {
        gos_msg *m;
        while ((m = gos_bus_pop(s->bus)))
            gos_msg_free(m);
    }
    g_ptr_array_free(s->tasks, TRUE);
    g_ptr_array_free(s->hosts, TRUE);
    gos_bus_free(s->bus);
    gos_audit_free(s->audit);
    g_ptr_array_free(s->view, TRUE);
    g_ptr_array_free(s->sorted, TRUE);
    gos_view_rows_clear(s->rows);
    g_array_free(s->rows, TRUE);
    gos_inventory_free(s->inv);
    g_hash_table_destroy(s->marks);
    g_hash_table_destroy(s->answered);
    g_hash_table_destroy(s->probing);
    g_hash_table_destroy(s->probe_again);
    g_hash_table_destroy(s->backoff);
    g_free(s->hosts_activity);
    g_free(s->cursor_ref);
    if (s->f_name_pat)
        g_pattern_spec_free(s->f_name_pat);
    g_free(s->search_fold);
    g_free(s->f_name);
    g_free(s->f_host);
    g_free(s->search);
    g_strfreev(s->audit_filter);
    g_free(s->filter_text);
    if (s->columns)
        g_array_free(s->columns, TRUE);
    if (s->default_columns)
        g_array_free(s->default_columns, TRUE);
    g_free(s->status);
    g_free(s->origin);
    gos_operator_clear(&s->op);
    g_free(s);
}

static bool wait_quiet(gos_session *s, long timeout_ms, bool probes);

/* Forwarding to the system log never stops a task, but it must not fail
 * unseen: the status line says so when the count grows. */
static void note_forward_failures(gos_session *s)
{
    uint64_t n = gos_audit_forward_failures(s->audit);

    if (n == s->forward_failures)
        return;
    s->forward_failures = n;
    char *why = gos_audit_forward_problem(s->audit);
    gos_session_set_status(s, ngettext("%llu audit event was not forwarded to the system log: %s",
                                       "%llu audit events were not forwarded to the system log: %s",
                                       (unsigned long)n),
                           (unsigned long long)n, why ? why : "?");
    g_free(why);
}

int gos_session_connect(gos_session *s, bool wait, char **err)
{
    if (s->hosts->len == 0) {
        const char *env = getenv("LIBVIRT_DEFAULT_URI");
        gos_session_add_host_entry(s, env && *env ? env : "qemu:///system");
    }
    for (guint i = 0; i < s->hosts->len; i++) {
        host_entry *h = g_ptr_array_index(s->hosts, i);
        if (h->state == HOST_UP || h->state == HOST_RECONNECTING)
            continue;
        h->state = HOST_CONNECTING;
        gos_session_start_listing(s, h, true);
    }
    if (!wait)
        return 0;
    /* Wait until every host connected and listed, or failed; a host that
     * hangs holds only itself, and is given up on after a while. */
    if (!wait_quiet(s, SESSION_CONNECT_MS, false)) {
        for (guint i = 0; i < s->hosts->len; i++) {
            host_entry *h = g_ptr_array_index(s->hosts, i);
            if (h->state != HOST_CONNECTING)
                continue;
            g_free(h->why);
            h->why = g_strdup_printf(ngettext("%s did not answer within %d second.",
                                              "%s did not answer within %d seconds.", SESSION_CONNECT_MS / 1000),
                                     gos_host_uri(h->host), SESSION_CONNECT_MS / 1000);
        }
    }
    guint ok = 0;
    GString *why = g_string_new(NULL);
    for (guint i = 0; i < s->hosts->len; i++) {
        host_entry *h = g_ptr_array_index(s->hosts, i);
        if (h->state == 1)
            ok++;
        else if (h->why)
            g_string_append_printf(why, "%s%s", why->len ? " " : "", h->why);
    }
    if (ok == 0) {
        if (err)
            *err = g_strdup_printf(_("No libvirt host answered (%s). Try -c test:///default for the built-in test driver."),
                                   why->str);
        g_string_free(why, TRUE);
        return -1;
    }
    g_string_free(why, TRUE);
    return 0;
}

void gos_session_add_host(gos_session *s, const char *uri)
{
    gos_session_add_host_entry(s, uri);
    host_entry *h = gos_session_find_host(s, uri);
    if (h->state == HOST_DOWN || (h->state == HOST_CONNECTING && !h->connecting)) {
        h->state = HOST_CONNECTING;
        gos_session_start_listing(s, h, true);
    }
}


int gos_session_fd(gos_session *s) { return gos_bus_fd(s->bus); }


bool gos_session_view_in_sync(gos_session *s);
void gos_session_view_follow_agent(gos_session *s, const gos_vm *vm);


static unsigned apply(gos_session *s, gos_msg *m)
{
    host_entry *h = m->host ? gos_session_find_host(s, m->host) : NULL;
    switch (m->kind) {
    case GOS_MSG_TASK:
        /* New rows may have reached the audit log. */
        gos_session_audit_stale(s);
        note_forward_failures(s);
        if (m->task && gos_task_is_complete(m->task)) {
            /* Who is logged on changed: the Users column follows now, not
             * at the next probe interval. */
            gos_task_info ti = { 0 };
            gos_task_snapshot(m->task, &ti);
            gos_session_probe_now(s, ti.host, ti.vm_uuid);
            gos_task_info_clear(&ti);
        }
        return GOS_DIRTY_TASKS;
    case GOS_MSG_AUDIT:
        return gos_session_audit_collect(s);
    case GOS_MSG_HOST_STATE:
        return h ? gos_session_apply_host_state(s, h, m) : 0;
    case GOS_MSG_HOST_VMS:
        return h ? gos_session_apply_listing(s, h, m) : 0;
    case GOS_MSG_VM_CHANNEL:
        return h ? gos_session_apply_channel(s, h, m) : 0;
    case GOS_MSG_VM_AGENT:
        return gos_session_apply_probe(s, h, m);
    case GOS_MSG_DOMAIN_EVENT:
        if (h && h->state == HOST_UP)
            gos_session_start_listing(s, h, false);
        return 0;
    }
    return 0;
}

unsigned gos_session_pump(gos_session *s)
{
    unsigned dirty = 0;
    gos_msg *m;
    /* Bounded, so that a flood of events cannot starve the keyboard. */
    for (int i = 0; i < 4096 && (m = gos_bus_pop(s->bus)); i++) {
        dirty |= apply(s, m);
        gos_msg_free(m);
    }
    if (s->next_probe_ms && gos_now_ms() >= s->next_probe_ms)
        gos_session_schedule_probes(s, false);
    int64_t retry = gos_session_reconnect_due(s, true);
    /* The header's figures of busy and lost hosts move: redrawn once a second. */
    int64_t now = gos_now_ms();
    if ((retry || gos_session_hosts_busy(s)) && now - s->tick_ms >= 1000) {
        s->tick_ms = now;
        dirty |= GOS_DIRTY_STATUS;
    }
    /* What the audit view shows is read here, never while it is drawn. */
    dirty |= gos_session_audit_sync(s);
    return dirty;
}

/* Moves tasks_done past the tasks that have completed, counting how they
 * ended: a task that completed stays so, and its Error no longer changes, so
 * each is looked at once, not on every draw and every wakeup. */

bool gos_session_wait_tasks(gos_session *s, long timeout_ms)
{
    gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    for (;;) {
        gos_session_tasks_advance(s);
        if (s->tasks_done == s->tasks->len)
            return true;
        long left = 200;
        if (timeout_ms >= 0) {
            gint64 now = g_get_monotonic_time();
            if (now >= end)
                return false;
            left = MIN(left, (long)((end - now) / 1000) + 1);
        }
        /* Pumped when a message came or the session's timed work (a
         * reconnect, probes) is due: tasks may wait for a reconnect. */
        long core = gos_session_timeout_ms(s);
        if (gos_bus_wait_ready(s->bus, core >= 0 ? MIN(left, core) : left) || core >= 0)
            gos_session_pump(s);
    }
}

/* Pumps until no host is connecting or listing (and, with probes, no agent
 * probe is under way), or timeout_ms passes (-1 forever). */
static bool wait_quiet(gos_session *s, long timeout_ms, bool probes)
{
    gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    for (;;) {
        gos_session_pump(s);
        bool busy = probes && (g_hash_table_size(s->probing) > 0 || gos_session_channels_pending(s));
        for (guint i = 0; i < s->hosts->len && !busy; i++) {
            host_entry *h = g_ptr_array_index(s->hosts, i);
            busy = h->state == HOST_CONNECTING || h->refreshing;
        }
        if (!busy)
            return true;
        if (timeout_ms >= 0 && g_get_monotonic_time() >= end)
            return false;
        gos_bus_wait_ready(s->bus, 200);
    }
}

bool gos_session_wait_hosts(gos_session *s, long timeout_ms) { return wait_quiet(s, timeout_ms, false); }

bool gos_session_wait_ready(gos_session *s, long timeout_ms) { return gos_bus_wait_ready(s->bus, timeout_ms); }

bool gos_session_hosts_settled(gos_session *s)
{
    for (guint i = 0; i < s->hosts->len; i++) {
        host_entry *h = g_ptr_array_index(s->hosts, i);
        if (h->state == HOST_CONNECTING || h->refreshing)
            return false;
    }
    return true;
}

bool gos_session_agents_known(gos_session *s)
{
    if (!gos_session_hosts_settled(s) || gos_session_channels_pending(s))
        return false;
    GHashTableIter it;
    gpointer key;
    g_hash_table_iter_init(&it, s->probing);
    while (g_hash_table_iter_next(&it, &key, NULL)) {
        const gos_vm_ref *r = key;
        const gos_vm *vm = gos_inventory_find(s->inv, r->host, r->uuid);
        if (vm && vm->probed_ms == 0)
            return false;
    }
    return true;
}

int gos_session_host_settled(gos_session *s, const char *uri, const char **why)
{
    host_entry *h = gos_session_find_host(s, uri);
    if (why)
        *why = h ? h->why : NULL;
    if (!h || h->state == HOST_DOWN)
        return -1;
    return h->state == HOST_UP && !h->refreshing ? 1 : 0;
}

bool gos_session_wait_idle(gos_session *s, long timeout_ms) { return wait_quiet(s, timeout_ms, true); }


gos_inventory *gos_session_inventory(gos_session *s) { return s->inv; }
gos_audit *gos_session_audit(gos_session *s) { return s->audit; }
gos_engine *gos_session_engine(gos_session *s) { return s->engine; }
gos_view gos_session_view(gos_session *s) { return s->view_mode; }
void gos_session_set_view(gos_session *s, gos_view v)
{
    if (v != s->view_mode)
        s->prev_view = s->view_mode;
    bool entering_audit = v == GOS_VIEW_AUDIT && s->view_mode != GOS_VIEW_AUDIT;
    s->view_mode = v;
    if (entering_audit)
        gos_session_audit_enter(s);
}

gos_view gos_session_previous_view(gos_session *s) { return s->prev_view; }
size_t gos_session_host_count(gos_session *s) { return s->hosts->len; }

const char *gos_session_host_uri(gos_session *s, size_t i)
{
    return i < s->hosts->len ? gos_host_uri(((host_entry *)g_ptr_array_index(s->hosts, i))->host) : NULL;
}

int gos_session_host_state(gos_session *s, size_t i, const char **why)
{
    host_entry *h = i < s->hosts->len ? g_ptr_array_index(s->hosts, i) : NULL;
    if (why)
        *why = h ? h->why : NULL;
    if (!h)
        return -1;
    return h->state == HOST_RECONNECTING ? 0 : h->state;
}

const char *gos_session_origin(gos_session *s) { return s->origin; }

void gos_session_set_origin(gos_session *s, const char *origin)
{
    g_free(s->origin);
    s->origin = g_strdup(origin);
}

const char *gos_session_status(gos_session *s) { return s->status; }

static void set_status(gos_session *s, bool error, const char *fmt, va_list ap)
{
    g_free(s->status);
    s->status = g_strdup_vprintf(fmt, ap);
    s->status_error = error;
    s->status_wide = false;
    s->status_gen++;
}

void gos_session_set_status_wide(gos_session *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_status(s, false, fmt, ap);
    va_end(ap);
    s->status_wide = true;
}

bool gos_session_status_is_wide(gos_session *s) { return s->status && (s->status_error || s->status_wide); }

void gos_session_set_status(gos_session *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_status(s, false, fmt, ap);
    va_end(ap);
}

void gos_session_set_error(gos_session *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_status(s, true, fmt, ap);
    va_end(ap);
}

void gos_session_clear_error(gos_session *s)
{
    if (!s->status || !s->status_error)
        return;
    g_clear_pointer(&s->status, g_free);
    s->status_error = false;
    s->status_gen++;
}

void gos_session_status_until_listed(gos_session *s) { s->status_listed_gen = s->status_gen; }

void gos_session_listed(gos_session *s)
{
    if (!s->status_listed_gen || s->status_listed_gen != s->status_gen || !gos_session_hosts_settled(s))
        return;
    s->status_listed_gen = 0;
    size_t failed = 0, n = gos_inventory_count(s->inv);
    const char *why = NULL;
    for (guint i = 0; i < s->hosts->len; i++) {
        host_entry *h = g_ptr_array_index(s->hosts, i);
        if (h->state < 0) {
            failed++;
            if (!why)
                why = h->why;
        }
    }
    char num[32];
    gos_format_count(n, num, sizeof num);
    if (failed)
        /* TRANSLATORS: %1$s: a count of VMs; %2$zu: hosts that could not be reached; %3$s: why the first failed. */
        gos_session_set_error(s, ngettext("The inventory is up to date: %1$s VMs; %2$zu host failed: %3$s",
                                          "The inventory is up to date: %1$s VMs; %2$zu hosts failed, the first: %3$s",
                                          failed), num, failed, why ? why : "?");
    else
        /* TRANSLATORS: %s: a count of VMs, with thousands separators. */
        gos_session_set_status(s, ngettext("The inventory is up to date: %s VM.", "The inventory is up to date: %s VMs.",
                                           n), num);
}

bool gos_session_status_is_error(gos_session *s) { return s->status && s->status_error; }
unsigned gos_session_status_generation(gos_session *s) { return s->status_gen; }
void gos_session_request_repaint(gos_session *s) { s->repaint = true; }

bool gos_session_take_repaint(gos_session *s)
{
    bool r = s->repaint;
    s->repaint = false;
    return r;
}

bool gos_session_quit_requested(gos_session *s) { return s->quit; }
void gos_session_request_quit(gos_session *s) { s->quit = true; }


void gos_session_set_audit_filter(gos_session *s, int argc, char *const *argv)
{
    /* Copied before the old words go: argv may be made of them. */
    char **words = g_new0(char *, (size_t)(argc > 0 ? argc : 0) + 1);
    for (int i = 0; i < argc; i++)
        words[i] = g_strdup(argv[i]);
    g_strfreev(s->audit_filter);
    s->audit_filter = words;
    s->audit_filter_gen++;
    gos_session_audit_filter_changed(s);
}

const char *const *gos_session_audit_filter(gos_session *s, unsigned *generation)
{
    static const char *const none[] = { NULL };
    if (generation)
        *generation = s->audit_filter_gen;
    return s->audit_filter ? (const char *const *)s->audit_filter : none;
}

