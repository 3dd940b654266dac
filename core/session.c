/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The session: hosts, inventory, the filtered and sorted view, marks, tasks, and the update pump. */
#include <config.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <libvirt/virterror.h>

#include "core/agent.h"
#include "core/bus.h"
#include "core/host.h"
#include "core/i18n.h"
#include "core/logoff.h"
#include "core/session.h"

/* How often running VMs with an agent channel are probed again. */
#define PROBE_INTERVAL_MS 30000

typedef struct {
    gos_host *host;
    int state;               /* 1 connected, 0 connecting, -1 failed */
    char *why;
    bool refreshing, again;  /* a listing is under way; another was asked for meanwhile */
} host_entry;

struct gos_session {
    gos_operator op;
    bool readonly;
    char *origin;
    gos_audit *audit;
    gos_bus *bus;
    gos_engine *engine;
    GThreadPool *probes;
    GPtrArray *hosts;        /* host_entry* */
    gos_inventory *inv;

    /* the view */
    GPtrArray *view;         /* const gos_vm*, borrowed from inv */
    uint64_t view_gen;
    bool view_stale;
    size_t cursor;
    char *cursor_key;        /* keeps the cursor on its VM across rebuilds */
    int page_rows;
    GHashTable *marks;       /* "host\nuuid" */
    char *f_name, *f_host, *search;
    int f_state, f_agent, f_users;
    char *filter_text;
    gos_sort sort;
    bool desc;
    gos_view view_mode, prev_view;

    GPtrArray *tasks;        /* gos_task*, references */
    GHashTable *answered;    /* "host\nuuid" of agents that answered in this run */
    GHashTable *probing;     /* keys with a probe under way */
    int64_t next_probe_ms;
    char *status;
    bool quit;
};

static char *key_of(const gos_vm *vm) { return g_strconcat(vm->host, "\n", vm->uuid, NULL); }

static void host_entry_free(gpointer p)
{
    host_entry *h = p;
    gos_host_free(h->host);
    g_free(h->why);
    g_free(h);
}

/* --- worker jobs ------------------------------------------------------------ */

typedef struct {
    gos_bus *bus;
    gos_host *host;
    bool connect;
} host_job;

static void host_job_main(void *data)
{
    host_job *j = data;
    char *err = NULL;
    if (j->connect) {
        int code = 0;
        gos_msg *m = gos_msg_new(GOS_MSG_HOST_STATE);
        m->host = g_strdup(gos_host_uri(j->host));
        bool ok = gos_host_connect(j->host, &code, &err) == 0;
        m->ok = ok;
        m->text = err;
        err = NULL;
        gos_bus_post(j->bus, m);   /* m belongs to the UI thread from here on */
        if (!ok) {
            g_free(j);
            return;
        }
    }
    gos_vm **vms = NULL;
    size_t n = 0;
    gos_msg *m = gos_msg_new(GOS_MSG_HOST_VMS);
    m->host = g_strdup(gos_host_uri(j->host));
    if (gos_host_list(j->host, &vms, &n, &err) == 0) {
        m->vms = vms;
        m->n_vms = n;
        m->ok = 1;
    } else {
        m->text = err;
    }
    gos_bus_post(j->bus, m);
    g_free(j);
}

typedef struct {
    gos_bus *bus;
    gos_host *host;
    gos_vm *vm;
    bool answered;
} probe_job;

static void probe_main(gpointer item, gpointer user)
{
    probe_job *j = item;
    virConnectPtr c = gos_host_conn(j->host);
    if (c) {
        virDomainPtr dom = virDomainLookupByUUIDString(c, j->vm->uuid);
        if (dom) {
            gos_agent_probe(dom, j->vm, j->answered);
            virDomainFree(dom);
        }
        virResetLastError();
        virConnectClose(c);
    }
    gos_msg *m = gos_msg_new(GOS_MSG_VM_AGENT);
    m->host = g_strdup(j->vm->host);
    m->vms = g_new0(gos_vm *, 1);
    m->vms[0] = j->vm;
    m->n_vms = 1;
    gos_bus_post(j->bus, m);
    g_free(j);
}

static host_entry *find_host(gos_session *s, const char *uri)
{
    for (guint i = 0; i < s->hosts->len; i++) {
        host_entry *h = g_ptr_array_index(s->hosts, i);
        if (!strcmp(gos_host_uri(h->host), uri))
            return h;
    }
    return NULL;
}

static void start_listing(gos_session *s, host_entry *h, bool connect)
{
    if (h->refreshing) {
        h->again = true;
        return;
    }
    h->refreshing = true;
    h->again = false;
    host_job *j = g_new0(host_job, 1);
    j->bus = s->bus;
    j->host = h->host;
    j->connect = connect;
    gos_engine_run(s->engine, host_job_main, j);
}

/* Probes the agents of running VMs with a channel whose data is older than
 * the interval, at most max_probes at once (the pool bounds it). */
static void schedule_probes(gos_session *s, bool force)
{
    int64_t now = gos_now_ms();
    size_t n = gos_inventory_count(s->inv), probeable = 0;
    for (size_t i = 0; i < n; i++) {
        const gos_vm *vm = gos_inventory_at(s->inv, i);
        if (!vm->channel || vm->state != GOS_VM_RUNNING)
            continue;
        probeable++;
        if (!force && !vm->agent_event && vm->probed_ms && now - vm->probed_ms < PROBE_INTERVAL_MS)
            continue;
        char *k = key_of(vm);
        if (g_hash_table_contains(s->probing, k)) {
            g_free(k);
            continue;
        }
        host_entry *h = find_host(s, vm->host);
        if (!h) {
            g_free(k);
            continue;
        }
        probe_job *j = g_new0(probe_job, 1);
        j->bus = s->bus;
        j->host = h->host;
        j->vm = gos_vm_dup(vm);
        j->answered = g_hash_table_contains(s->answered, k);
        g_hash_table_add(s->probing, k);
        g_thread_pool_push(s->probes, j, NULL);
    }
    /* No timer at all while nothing has an agent to ask: no idle wakeups. */
    s->next_probe_ms = probeable ? now + PROBE_INTERVAL_MS : 0;
}

long gos_session_timeout_ms(gos_session *s)
{
    if (!s->next_probe_ms)
        return -1;
    int64_t left = s->next_probe_ms - gos_now_ms();
    return left < 0 ? 0 : (long)MIN(left, (int64_t)G_MAXINT);
}

/* --- life ------------------------------------------------------------------- */

static void add_host(gos_session *s, const char *uri)
{
    if (find_host(s, uri))
        return;
    host_entry *h = g_new0(host_entry, 1);
    h->host = gos_host_new(uri, s->readonly, s->bus);
    g_ptr_array_add(s->hosts, h);
}

int gos_session_new(const gos_session_opts *o, gos_session **out, char **err)
{
    if (gos_virt_init(err) < 0)
        return -1;
    gos_session *s = g_new0(gos_session, 1);
    gos_operator_init(&s->op);
    s->readonly = o->readonly;
    s->origin = g_strdup(o->origin ? o->origin : "interactive");
    s->hosts = g_ptr_array_new_with_free_func(host_entry_free);
    s->inv = gos_inventory_new();
    s->view = g_ptr_array_new();
    s->view_stale = true;
    s->marks = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    s->answered = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    s->probing = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    s->tasks = g_ptr_array_new_with_free_func((GDestroyNotify)gos_task_unref);
    s->f_state = s->f_agent = s->f_users = -1;
    s->filter_text = g_strdup("");
    s->page_rows = 10;

    char *path = o->audit_path ? g_strdup(o->audit_path) : gos_audit_default_path();
    int rc = gos_audit_open(path, &s->audit, err);
    g_free(path);
    if (rc < 0) {
        gos_session_free(s);
        return -1;
    }
    s->bus = gos_bus_new();
    s->engine = gos_engine_new(s->audit, s->bus, &s->op, o->max_workers, o->deadline_ms, err);
    if (!s->engine) {
        gos_session_free(s);
        return -1;
    }
    s->probes = g_thread_pool_new(probe_main, NULL, o->max_probes > 0 ? o->max_probes : 2, FALSE, NULL);

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
        add_host(s, o->uris[i]);
    *out = s;
    return 0;
}

void gos_session_free(gos_session *s)
{
    if (!s)
        return;
    /* Running tasks finish (and are audited) before anything goes away. */
    if (s->probes)
        g_thread_pool_free(s->probes, FALSE, TRUE);
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
    gos_inventory_free(s->inv);
    g_hash_table_destroy(s->marks);
    g_hash_table_destroy(s->answered);
    g_hash_table_destroy(s->probing);
    g_free(s->cursor_key);
    g_free(s->f_name);
    g_free(s->f_host);
    g_free(s->search);
    g_free(s->filter_text);
    g_free(s->status);
    g_free(s->origin);
    gos_operator_clear(&s->op);
    g_free(s);
}

int gos_session_connect(gos_session *s, bool wait, char **err)
{
    if (s->hosts->len == 0) {
        const char *env = getenv("LIBVIRT_DEFAULT_URI");
        add_host(s, env && *env ? env : "qemu:///system");
    }
    for (guint i = 0; i < s->hosts->len; i++) {
        host_entry *h = g_ptr_array_index(s->hosts, i);
        h->state = 0;
        start_listing(s, h, true);
    }
    if (!wait)
        return 0;
    /* Wait until every host connected and listed, or failed. */
    for (;;) {
        bool busy = false;
        for (guint i = 0; i < s->hosts->len; i++) {
            host_entry *h = g_ptr_array_index(s->hosts, i);
            busy |= h->state == 0 || (h->state == 1 && h->refreshing);
        }
        if (!busy)
            break;
        gos_msg *m = gos_bus_wait(s->bus, 1000);
        if (m) {
            gos_bus_post(s->bus, m);   /* back in the queue for the pump */
            gos_session_pump(s);
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
    add_host(s, uri);
    host_entry *h = find_host(s, uri);
    if (h->state != 1) {
        h->state = 0;
        start_listing(s, h, true);
    }
}

int gos_session_fd(gos_session *s) { return gos_bus_fd(s->bus); }

/* --- the pump ---------------------------------------------------------------- */

static unsigned apply(gos_session *s, gos_msg *m)
{
    host_entry *h = m->host ? find_host(s, m->host) : NULL;
    switch (m->kind) {
    case GOS_MSG_TASK:
        return GOS_DIRTY_TASKS;
    case GOS_MSG_HOST_STATE:
        if (!h)
            return 0;
        h->state = m->ok ? 1 : -1;
        g_free(h->why);
        h->why = g_strdup(m->text);
        if (!m->ok) {
            h->refreshing = false;
            if (m->text)
                gos_session_set_status(s, "%s", m->text);
        }
        return GOS_DIRTY_STATUS | GOS_DIRTY_VMS;
    case GOS_MSG_HOST_VMS:
        if (!h)
            return 0;
        h->refreshing = false;
        if (m->ok) {
            gos_inventory_replace_host(s->inv, m->host, m->vms, m->n_vms);
            g_free(m->vms);
            m->vms = NULL;
            m->n_vms = 0;
            s->view_stale = true;
            schedule_probes(s, false);
        } else if (m->text) {
            gos_session_set_status(s, "%s", m->text);
        }
        if (h->again)
            start_listing(s, h, false);
        return GOS_DIRTY_VMS | GOS_DIRTY_STATUS;
    case GOS_MSG_VM_AGENT: {
        const gos_vm *p = m->vms[0];
        char *k = key_of(p);
        g_hash_table_remove(s->probing, k);
        if (p->heartbeat == GOS_HB_OK || p->heartbeat == GOS_HB_DEGRADED)
            g_hash_table_add(s->answered, g_strdup(k));
        g_free(k);
        if (gos_inventory_merge_agent(s->inv, p) == 0)
            s->view_stale = true;
        return GOS_DIRTY_VMS;
    }
    case GOS_MSG_DOMAIN_EVENT:
        if (h)
            start_listing(s, h, false);
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
        schedule_probes(s, false);
    return dirty;
}

bool gos_session_wait_tasks(gos_session *s, long timeout_ms)
{
    gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    for (;;) {
        bool all = true;
        for (guint i = 0; i < s->tasks->len && all; i++)
            all = gos_task_is_complete(g_ptr_array_index(s->tasks, i));
        if (all)
            return true;
        long left = 200;
        if (timeout_ms >= 0) {
            gint64 now = g_get_monotonic_time();
            if (now >= end)
                return false;
            left = MIN(left, (long)((end - now) / 1000) + 1);
        }
        gos_msg *m = gos_bus_wait(s->bus, left);
        if (m) {
            gos_bus_post(s->bus, m);
            gos_session_pump(s);
        }
    }
}

bool gos_session_wait_idle(gos_session *s, long timeout_ms)
{
    gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    for (;;) {
        gos_session_pump(s);
        bool busy = g_hash_table_size(s->probing) > 0;
        for (guint i = 0; i < s->hosts->len && !busy; i++) {
            host_entry *h = g_ptr_array_index(s->hosts, i);
            busy = h->state == 0 || h->refreshing;
        }
        if (!busy)
            return true;
        gint64 now = g_get_monotonic_time();
        if (timeout_ms >= 0 && now >= end)
            return false;
        gos_msg *m = gos_bus_wait(s->bus, 200);
        if (m)
            gos_bus_post(s->bus, m);
    }
}

/* --- the view ---------------------------------------------------------------- */

static bool vm_matches(gos_session *s, const gos_vm *vm)
{
    if (s->f_state >= 0 && (int)vm->state != s->f_state)
        return false;
    if (s->f_agent >= 0 && (int)vm->heartbeat != s->f_agent)
        return false;
    if (s->f_users >= 0 && (vm->n_users > 0) != (s->f_users == 1))
        return false;
    if (s->f_host && strcmp(vm->host, s->f_host))
        return false;
    if (s->f_name && !g_pattern_match_simple(s->f_name, vm->name ? vm->name : ""))
        return false;
    if (s->search && *s->search) {
        char *hay = g_utf8_casefold(vm->name ? vm->name : "", -1);
        char *needle = g_utf8_casefold(s->search, -1);
        bool hit = strstr(hay, needle) || strstr(vm->uuid, s->search);
        g_free(hay);
        g_free(needle);
        if (!hit)
            return false;
    }
    return true;
}


static gint view_cmp(gconstpointer a, gconstpointer b, gpointer data)
{
    gos_session *s = data;
    const gos_vm *x = *(const gos_vm *const *)a, *y = *(const gos_vm *const *)b;
    int c = 0;
    switch (s->sort) {
    case GOS_SORT_HOST: c = strcmp(x->host, y->host); break;
    case GOS_SORT_STATE: c = (int)x->state - (int)y->state; break;
    case GOS_SORT_AGENT: c = (int)x->heartbeat - (int)y->heartbeat; break;
    case GOS_SORT_USERS: c = (x->n_users > y->n_users) - (x->n_users < y->n_users); break;
    default: break;
    }
    if (!c)
        c = g_strcmp0(x->name, y->name);
    if (!c)
        c = strcmp(x->host, y->host);
    return s->desc ? -c : c;
}

static void view_update(gos_session *s)
{
    if (!s->view_stale && s->view_gen == gos_inventory_generation(s->inv))
        return;
    g_ptr_array_set_size(s->view, 0);
    size_t n = gos_inventory_count(s->inv);
    for (size_t i = 0; i < n; i++) {
        const gos_vm *vm = gos_inventory_at(s->inv, i);
        if (vm_matches(s, vm))
            g_ptr_array_add(s->view, (gpointer)vm);
    }
    g_ptr_array_sort_with_data(s->view, view_cmp, s);
    s->view_gen = gos_inventory_generation(s->inv);
    s->view_stale = false;
    /* keep the cursor on the same VM */
    s->cursor = MIN(s->cursor, s->view->len ? s->view->len - 1 : 0);
    if (s->cursor_key) {
        for (guint i = 0; i < s->view->len; i++) {
            char *k = key_of(g_ptr_array_index(s->view, i));
            bool same = !strcmp(k, s->cursor_key);
            g_free(k);
            if (same) {
                s->cursor = i;
                break;
            }
        }
    }
}

static void remember_cursor(gos_session *s)
{
    g_free(s->cursor_key);
    s->cursor_key = s->cursor < s->view->len ? key_of(g_ptr_array_index(s->view, s->cursor)) : NULL;
}

size_t gos_session_view_count(gos_session *s)
{
    view_update(s);
    return s->view->len;
}

const gos_vm *gos_session_view_at(gos_session *s, size_t i)
{
    view_update(s);
    return i < s->view->len ? g_ptr_array_index(s->view, i) : NULL;
}

size_t gos_session_cursor(gos_session *s)
{
    view_update(s);
    return s->cursor;
}

void gos_session_set_page_rows(gos_session *s, int rows) { s->page_rows = MAX(rows, 1); }

bool gos_session_is_marked(gos_session *s, const gos_vm *vm)
{
    char *k = key_of(vm);
    bool on = g_hash_table_contains(s->marks, k);
    g_free(k);
    return on;
}

size_t gos_session_marked_count(gos_session *s) { return g_hash_table_size(s->marks); }

const gos_vm **gos_session_targets(gos_session *s, size_t *n)
{
    view_update(s);
    GPtrArray *out = g_ptr_array_new();
    if (g_hash_table_size(s->marks)) {
        size_t total = gos_inventory_count(s->inv);
        for (size_t i = 0; i < total; i++) {
            const gos_vm *vm = gos_inventory_at(s->inv, i);
            if (gos_session_is_marked(s, vm))
                g_ptr_array_add(out, (gpointer)vm);
        }
    } else if (s->cursor < s->view->len) {
        g_ptr_array_add(out, g_ptr_array_index(s->view, s->cursor));
    }
    *n = out->len;
    return (const gos_vm **)g_ptr_array_free(out, FALSE);
}

const char *gos_session_filter_text(gos_session *s) { return s->filter_text; }
const char *gos_session_search_text(gos_session *s) { return s->search ? s->search : ""; }

gos_sort gos_session_sort(gos_session *s, bool *descending)
{
    if (descending)
        *descending = s->desc;
    return s->sort;
}

void gos_session_state_totals(gos_session *s, size_t totals[GOS_VM_N_STATES])
{
    memset(totals, 0, sizeof(size_t) * GOS_VM_N_STATES);
    size_t n = gos_inventory_count(s->inv);
    for (size_t i = 0; i < n; i++) {
        const gos_vm *vm = gos_inventory_at(s->inv, i);
        if ((unsigned)vm->state < GOS_VM_N_STATES)
            totals[vm->state]++;
    }
}

/* --- tasks and the rest ---------------------------------------------------- */

size_t gos_session_task_count(gos_session *s) { return s->tasks->len; }

gos_task *gos_session_task_at(gos_session *s, size_t i)
{
    return i < s->tasks->len ? g_ptr_array_index(s->tasks, i) : NULL;
}

void gos_session_task_totals(gos_session *s, size_t *running, size_t *failed, size_t *ok)
{
    size_t r = 0, f = 0, o = 0;
    for (guint i = 0; i < s->tasks->len; i++) {
        gos_task *t = g_ptr_array_index(s->tasks, i);
        if (!gos_task_is_complete(t))
            r++;
        else if (gos_task_get_error(t) == GOS_S_OK)
            o++;
        else
            f++;
    }
    if (running)
        *running = r;
    if (failed)
        *failed = f;
    if (ok)
        *ok = o;
}

gos_inventory *gos_session_inventory(gos_session *s) { return s->inv; }
gos_audit *gos_session_audit(gos_session *s) { return s->audit; }
gos_engine *gos_session_engine(gos_session *s) { return s->engine; }
gos_view gos_session_view(gos_session *s) { return s->view_mode; }
void gos_session_set_view(gos_session *s, gos_view v)
{
    if (v != s->view_mode)
        s->prev_view = s->view_mode;
    s->view_mode = v;
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
    return h ? h->state : -1;
}

const char *gos_session_origin(gos_session *s) { return s->origin; }

void gos_session_set_origin(gos_session *s, const char *origin)
{
    g_free(s->origin);
    s->origin = g_strdup(origin);
}

const char *gos_session_status(gos_session *s) { return s->status; }

void gos_session_set_status(gos_session *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_free(s->status);
    s->status = g_strdup_vprintf(fmt, ap);
    va_end(ap);
}

bool gos_session_quit_requested(gos_session *s) { return s->quit; }
void gos_session_request_quit(gos_session *s) { s->quit = true; }

/* --- mutators ------------------------------------------------------------------ */

void gos_session_cursor_to(gos_session *s, size_t index)
{
    view_update(s);
    size_t n = s->view->len;
    s->cursor = n == 0 ? 0 : MIN(index, n - 1);
    remember_cursor(s);
}

void gos_session_move_cursor(gos_session *s, long delta)
{
    view_update(s);
    long c = (long)s->cursor + delta;
    gos_session_cursor_to(s, c < 0 ? 0 : (size_t)c);
}

void gos_session_page(gos_session *s, int pages) { gos_session_move_cursor(s, (long)pages * s->page_rows); }

void gos_session_toggle_mark(gos_session *s)
{
    view_update(s);
    if (s->cursor >= s->view->len)
        return;
    char *k = key_of(g_ptr_array_index(s->view, s->cursor));
    if (!g_hash_table_remove(s->marks, k))
        g_hash_table_add(s->marks, k);
    else
        g_free(k);
}

void gos_session_mark_all(gos_session *s, bool on)
{
    view_update(s);
    if (!on) {
        g_hash_table_remove_all(s->marks);
        return;
    }
    for (guint i = 0; i < s->view->len; i++)
        g_hash_table_add(s->marks, key_of(g_ptr_array_index(s->view, i)));
}

size_t gos_session_select(gos_session *s, const char *glob)
{
    size_t hits = 0, n = gos_inventory_count(s->inv);
    GPatternSpec *pat = g_pattern_spec_new(glob);
    for (size_t i = 0; i < n; i++) {
        const gos_vm *vm = gos_inventory_at(s->inv, i);
        if (g_pattern_spec_match_string(pat, vm->name ? vm->name : "") || !g_ascii_strcasecmp(glob, vm->uuid)) {
            g_hash_table_add(s->marks, key_of(vm));
            hits++;
        }
    }
    g_pattern_spec_free(pat);
    return hits;
}

static void rebuild_filter_text(gos_session *s)
{
    GString *t = g_string_new(NULL);
    if (s->f_state >= 0)
        g_string_append_printf(t, " state=%s", gos_vm_state_word(s->f_state));
    if (s->f_agent >= 0)
        g_string_append_printf(t, " agent=%s", gos_heartbeat_key(s->f_agent));
    if (s->f_users >= 0)
        g_string_append_printf(t, " users=%s", s->f_users ? "yes" : "no");
    if (s->f_name)
        g_string_append_printf(t, " name=%s", s->f_name);
    if (s->f_host)
        g_string_append_printf(t, " host=%s", s->f_host);
    g_free(s->filter_text);
    s->filter_text = g_strdup(t->len ? t->str + 1 : "");
    g_string_free(t, TRUE);
    s->view_stale = true;
}

int gos_session_set_filter(gos_session *s, int n, char **exprs, char **err)
{
    int st = -1, ag = -1, us = -1;
    char *name = NULL, *host = NULL;
    for (int i = 0; i < n; i++) {
        const char *eq = strchr(exprs[i], '=');
        const char *v = eq ? eq + 1 : NULL;
        size_t kl = eq ? (size_t)(eq - exprs[i]) : 0;
        bool bad = !eq || !*v;
        if (!bad && kl == 5 && !strncmp(exprs[i], "state", 5))
            bad = (st = gos_vm_state_parse(v)) < 0;
        else if (!bad && kl == 5 && !strncmp(exprs[i], "agent", 5))
            bad = (ag = gos_heartbeat_parse(v)) < 0;
        else if (!bad && kl == 5 && !strncmp(exprs[i], "users", 5)) {
            us = !strcmp(v, "yes") || !strcmp(v, "1") ? 1 : !strcmp(v, "no") || !strcmp(v, "0") ? 0 : -2;
            bad = us == -2;
        } else if (!bad && kl == 4 && !strncmp(exprs[i], "name", 4)) {
            g_free(name);
            name = g_strdup(v);
        } else if (!bad && kl == 4 && !strncmp(exprs[i], "host", 4)) {
            g_free(host);
            host = g_strdup(v);
        } else
            bad = true;
        if (bad) {
            if (err)
                *err = g_strdup_printf(_("'%s' is not a filter: use state=, agent=, users=yes|no, name= or host=."),
                                       exprs[i]);
            g_free(name);
            g_free(host);
            return -1;
        }
    }
    s->f_state = st;
    s->f_agent = ag;
    s->f_users = us;
    g_free(s->f_name);
    s->f_name = name;
    g_free(s->f_host);
    s->f_host = host;
    rebuild_filter_text(s);
    return 0;
}

void gos_session_set_search(gos_session *s, const char *text)
{
    g_free(s->search);
    s->search = text && *text ? g_strdup(text) : NULL;
    rebuild_filter_text(s);
}

static const char *const sort_names[GOS_SORT_N] = { "name", "host", "state", "agent", "users" };

int gos_sort_parse(const char *name)
{
    for (int i = 0; i < GOS_SORT_N; i++)
        if (!g_ascii_strcasecmp(name, sort_names[i]))
            return i;
    return -1;
}

const char *gos_sort_name(gos_sort key) { return (unsigned)key < GOS_SORT_N ? sort_names[key] : sort_names[0]; }

void gos_session_set_sort(gos_session *s, gos_sort key)
{
    if (s->sort == key)
        s->desc = !s->desc;
    else {
        s->sort = key;
        s->desc = false;
    }
    s->view_stale = true;
}

gos_task *gos_session_logoff_vm(gos_session *s, const char *host, const char *key, char **err)
{
    const gos_vm *vm = gos_inventory_find(s->inv, host, key);
    host_entry *h = vm ? find_host(s, vm->host) : host ? find_host(s, host) : NULL;
    if (!h && s->hosts->len)
        h = g_ptr_array_index(s->hosts, 0);
    if (!h) {
        if (err)
            *err = g_strdup(_("No host is configured."));
        return NULL;
    }
    const char *name = vm && vm->name ? vm->name : key;
    char *desc = g_strdup_printf(_("Log off all users of %s"), name);
    gos_task_spec spec = {
        .action = "logoff",
        .description = desc,
        .host = gos_host_uri(h->host),
        .vm = vm ? vm->uuid : key,
        .vm_uuid = vm ? vm->uuid : NULL,
        .vm_name = vm ? vm->name : NULL,
        .origin = s->origin,
        .run = gos_logoff_run,
        .job = gos_logoff_job_new(h->host),
        .job_free = gos_logoff_job_free,
    };
    gos_task *t = gos_engine_submit(s->engine, &spec, err);
    g_free(desc);
    if (!t) {
        gos_logoff_job_free(spec.job);
        return NULL;
    }
    g_ptr_array_add(s->tasks, t);
    return t;
}

int gos_session_logoff(gos_session *s, char **err)
{
    size_t n = 0;
    const gos_vm **targets = gos_session_targets(s, &n);
    if (n == 0) {
        g_free(targets);
        if (err)
            *err = g_strdup(_("No virtual machine is selected."));
        return -1;
    }
    int submitted = 0;
    for (size_t i = 0; i < n; i++) {
        if (!gos_session_logoff_vm(s, targets[i]->host, targets[i]->uuid, err)) {
            g_free(targets);
            return submitted ? submitted : -1;
        }
        submitted++;
    }
    g_free(targets);
    return submitted;
}

int gos_session_cancel(gos_session *s)
{
    size_t n = 0;
    const gos_vm **targets = gos_session_targets(s, &n);
    int cancelled = 0;
    for (guint i = 0; i < s->tasks->len; i++) {
        gos_task *t = g_ptr_array_index(s->tasks, i);
        gos_task_info info;
        gos_task_snapshot(t, &info);
        bool hit = g_hash_table_size(s->marks) == 0 && n == 0;
        for (size_t k = 0; k < n && !hit; k++)
            hit = !strcmp(info.host, targets[k]->host) &&
                  (!g_strcmp0(info.vm, targets[k]->uuid) || !g_strcmp0(info.vm_uuid, targets[k]->uuid));
        if (hit && !info.complete && gos_task_cancel(t) == GOS_S_OK)
            cancelled++;
        gos_task_info_clear(&info);
    }
    g_free(targets);
    return cancelled;
}

void gos_session_refresh(gos_session *s)
{
    for (guint i = 0; i < s->hosts->len; i++) {
        host_entry *h = g_ptr_array_index(s->hosts, i);
        if (h->state == 1)
            start_listing(s, h, false);
        else if (h->state == -1) {
            h->state = 0;
            start_listing(s, h, true);
        }
    }
    schedule_probes(s, true);
}
