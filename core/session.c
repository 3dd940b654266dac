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
#include "base/i18n.h"
#include "core/logoff.h"
#include "core/session.h"
#include "core/session_priv.h"

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
    bool no_probes;
    char *origin;
    gos_audit *audit;
    gos_bus *bus;
    gos_engine *engine;
    GThreadPool *probes;
    GPtrArray *hosts;        /* host_entry* */
    gos_inventory *inv;

    /* The view, kept so that a key costs what the screen shows, not what the
     * fleet holds: `sorted` is every VM in view order, rebuilt when a listing
     * replaces VMs or the sort changes; `view` is the part of it that passes
     * filter and search, in the same order, filtered again (not sorted) when
     * they change. Agent updates move single rows (see view_follow_agent). */
    GPtrArray *sorted;       /* const gos_vm*, borrowed from inv */
    GArray *rows;            /* sort_row per VM of the layout: its name's sort key */
    GPtrArray *view;         /* const gos_vm*, a subsequence of sorted */
    uint64_t layout_gen;     /* inventory layout generation of sorted */
    uint64_t view_gen;       /* inventory generation both reflect */
    int sort_todo;           /* SORT_NONE, SORT_REVERSE, SORT_FULL */
    bool view_stale;         /* filter or search changed: filter sorted again */
    bool view_refine;        /* the search grew: filter the view itself */
    size_t cursor;
    const gos_vm *cursor_vm; /* the VM under the cursor, while the layout lasts */
    gos_vm_ref *cursor_ref;  /* ... and across listings */
    int page_rows;
    GHashTable *marks;       /* gos_vm_ref* (owned), a set */
    char *f_name, *f_host, *search;
    GPatternSpec *f_name_pat;
    char *search_fold;       /* the search text casefolded */
    int f_state, f_agent, f_users;
    char *filter_text;
    gos_sort sort;
    bool desc;
    gos_view view_mode, prev_view;
    size_t totals[GOS_VM_N_STATES];
    uint64_t totals_gen;     /* layout generation + 1 the totals are for; 0 none */

    GPtrArray *tasks;        /* gos_task*, references */
    size_t tasks_done;       /* tasks[0, tasks_done) are complete */
    size_t done_ok, done_failed;   /* ... and how they ended */
    GHashTable *answered;    /* gos_vm_ref* of agents that answered in this run */
    GHashTable *probing;     /* gos_vm_ref* with a probe under way */
    int64_t next_probe_ms;
    char *status;
    bool quit;
    char **audit_filter;     /* the audit view's filter words, or NULL */
    unsigned audit_filter_gen;
};

enum { SORT_NONE = 0, SORT_REVERSE, SORT_FULL };

typedef struct {
    const gos_vm *vm;
    char *key;               /* name_key(vm->name) */
} sort_row;

static void rows_clear(GArray *rows);

static gos_vm_ref vm_ref_of(const gos_vm *vm) { return (gos_vm_ref){ vm->host, vm->uuid }; }

static GHashTable *ref_set_new(void) { return g_hash_table_new_full(gos_vm_ref_hash, gos_vm_ref_equal, g_free, NULL); }

/* Adds the identity of vm to set unless it is there; true when it was added. */
static bool ref_set_add(GHashTable *set, const gos_vm *vm)
{
    gos_vm_ref r = vm_ref_of(vm);
    if (g_hash_table_contains(set, &r))
        return false;
    g_hash_table_add(set, gos_vm_ref_new(vm->host, vm->uuid));
    return true;
}

static bool ref_set_has(GHashTable *set, const gos_vm *vm)
{
    gos_vm_ref r = vm_ref_of(vm);
    return g_hash_table_contains(set, &r);
}

static void ref_set_remove(GHashTable *set, const gos_vm *vm)
{
    gos_vm_ref r = vm_ref_of(vm);
    g_hash_table_remove(set, &r);
}

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

void gos_session_post_agent(gos_session *s, gos_vm *probe)
{
    gos_msg *m = gos_msg_new(GOS_MSG_VM_AGENT);
    m->host = g_strdup(probe->host);
    m->vms = g_new0(gos_vm *, 1);
    m->vms[0] = probe;
    m->n_vms = 1;
    gos_bus_post(s->bus, m);
}

static void probe_job_free(gpointer item)
{
    probe_job *j = item;
    gos_vm_free(j->vm);
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
 * the interval, at most max_probes at once (the pool bounds it). A driver
 * without agent support (the test driver) does not grow one: such VMs are
 * probed again only when forced (refresh) or when an agent event came. */
static void schedule_probes(gos_session *s, bool force)
{
    if (s->no_probes)
        return;
    int64_t now = gos_now_ms();
    size_t n = gos_inventory_count(s->inv), probeable = 0;
    for (size_t i = 0; i < n; i++) {
        const gos_vm *vm = gos_inventory_at(s->inv, i);
        if (!vm->channel || vm->state != GOS_VM_RUNNING)
            continue;
        if (!force && !vm->agent_event && vm->heartbeat == GOS_HB_UNSUPPORTED)
            continue;
        probeable++;
        if (!force && !vm->agent_event && vm->probed_ms && now - vm->probed_ms < PROBE_INTERVAL_MS)
            continue;
        if (ref_set_has(s->probing, vm))
            continue;
        host_entry *h = find_host(s, vm->host);
        if (!h)
            continue;
        probe_job *j = g_new0(probe_job, 1);
        j->bus = s->bus;
        j->host = h->host;
        j->vm = gos_vm_dup(vm);
        j->answered = ref_set_has(s->answered, vm);
        ref_set_add(s->probing, vm);
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
    s->no_probes = o->no_probes;
    s->origin = g_strdup(o->origin ? o->origin : "interactive");
    s->hosts = g_ptr_array_new_with_free_func(host_entry_free);
    s->inv = gos_inventory_new();
    s->sorted = g_ptr_array_new();
    s->rows = g_array_new(FALSE, FALSE, sizeof(sort_row));
    s->view = g_ptr_array_new();
    s->layout_gen = UINT64_MAX;   /* nothing built yet */
    s->marks = ref_set_new();
    s->answered = ref_set_new();
    s->probing = ref_set_new();
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
    s->probes = g_thread_pool_new_full(probe_main, NULL, probe_job_free, o->max_probes > 0 ? o->max_probes : 2,
                                       FALSE, NULL);

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
        /* Probes still queued are dropped (probe_job_free), not run: at 10,000
         * VMs with agents that is seconds nobody waits for. Running ones end. */
        g_thread_pool_free(s->probes, TRUE, TRUE);
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
    rows_clear(s->rows);
    g_array_free(s->rows, TRUE);
    gos_inventory_free(s->inv);
    g_hash_table_destroy(s->marks);
    g_hash_table_destroy(s->answered);
    g_hash_table_destroy(s->probing);
    g_free(s->cursor_ref);
    if (s->f_name_pat)
        g_pattern_spec_free(s->f_name_pat);
    g_free(s->search_fold);
    g_free(s->f_name);
    g_free(s->f_host);
    g_free(s->search);
    g_strfreev(s->audit_filter);
    g_free(s->filter_text);
    g_free(s->status);
    g_free(s->origin);
    gos_operator_clear(&s->op);
    g_free(s);
}

static bool wait_quiet(gos_session *s, long timeout_ms, bool probes);

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
    wait_quiet(s, -1, false);
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

static bool view_in_sync(gos_session *s);
static void view_follow_agent(gos_session *s, const gos_vm *vm);

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
            schedule_probes(s, false);
        } else if (m->text) {
            gos_session_set_status(s, "%s", m->text);
        }
        if (h->again)
            start_listing(s, h, false);
        return GOS_DIRTY_VMS | GOS_DIRTY_STATUS;
    case GOS_MSG_VM_AGENT: {
        const gos_vm *p = m->vms[0];
        ref_set_remove(s->probing, p);
        if (p->heartbeat == GOS_HB_OK || p->heartbeat == GOS_HB_DEGRADED)
            ref_set_add(s->answered, p);
        bool in_sync = view_in_sync(s);
        if (gos_inventory_merge_agent(s->inv, p) < 0)
            return 0;   /* the VM went away meanwhile */
        if (in_sync)
            view_follow_agent(s, gos_inventory_find(s->inv, p->host, p->uuid));
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

/* Moves tasks_done past the tasks that have completed, counting how they
 * ended: a task that completed stays so, and its Error no longer changes, so
 * each is looked at once, not on every draw and every wakeup. */
static void tasks_advance(gos_session *s)
{
    while (s->tasks_done < s->tasks->len) {
        gos_task *t = g_ptr_array_index(s->tasks, s->tasks_done);
        if (!gos_task_is_complete(t))
            break;
        if (gos_task_get_error(t) == GOS_S_OK)
            s->done_ok++;
        else
            s->done_failed++;
        s->tasks_done++;
    }
}

bool gos_session_wait_tasks(gos_session *s, long timeout_ms)
{
    gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    for (;;) {
        tasks_advance(s);
        if (s->tasks_done == s->tasks->len)
            return true;
        long left = 200;
        if (timeout_ms >= 0) {
            gint64 now = g_get_monotonic_time();
            if (now >= end)
                return false;
            left = MIN(left, (long)((end - now) / 1000) + 1);
        }
        if (gos_bus_wait_ready(s->bus, left))
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
        bool busy = probes && g_hash_table_size(s->probing) > 0;
        for (guint i = 0; i < s->hosts->len && !busy; i++) {
            host_entry *h = g_ptr_array_index(s->hosts, i);
            busy = h->state == 0 || h->refreshing;
        }
        if (!busy)
            return true;
        if (timeout_ms >= 0 && g_get_monotonic_time() >= end)
            return false;
        gos_bus_wait_ready(s->bus, 200);
    }
}

bool gos_session_wait_hosts(gos_session *s, long timeout_ms) { return wait_quiet(s, timeout_ms, false); }

bool gos_session_wait_idle(gos_session *s, long timeout_ms) { return wait_quiet(s, timeout_ms, true); }

/* --- the view ---------------------------------------------------------------- */

/* Does the ASCII text hay contain needle (lower case) in any case? */
static bool ascii_casestr(const char *hay, const char *needle, size_t nl)
{
    for (; *hay; hay++) {
        size_t i = 0;
        while (i < nl && hay[i] && g_ascii_tolower(hay[i]) == needle[i])
            i++;
        if (i == nl)
            return true;
    }
    return nl == 0;
}

static bool is_ascii(const char *t)
{
    for (; *t; t++)
        if ((unsigned char)*t >= 0x80)
            return false;
    return true;
}

static bool search_hit(gos_session *s, const gos_vm *vm)
{
    const char *name = vm->name ? vm->name : "";
    size_t nl = strlen(s->search_fold);
    bool hit;
    if (is_ascii(name) && is_ascii(s->search_fold)) {
        /* The common case costs no allocation: casefolding ASCII is lowering it. */
        hit = ascii_casestr(name, s->search_fold, nl);
    } else {
        char *hay = g_utf8_casefold(name, -1);
        hit = strstr(hay, s->search_fold) != NULL;
        g_free(hay);
    }
    return hit || strstr(vm->uuid, s->search);
}

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
    if (s->f_name_pat && !g_pattern_spec_match_string(s->f_name_pat, vm->name ? vm->name : ""))
        return false;
    if (s->search && !search_hit(s, vm))
        return false;
    return true;
}

/* Names as people order them: case aside, and digit runs by their value, so
 * that web2 comes before web10. Equal-looking names fall back to strcmp. */
static int name_cmp(const char *a, const char *b)
{
    if (!a || !b)
        return g_strcmp0(a, b);
    const unsigned char *p = (const unsigned char *)a, *q = (const unsigned char *)b;
    while (*p && *q) {
        if (g_ascii_isdigit(*p) && g_ascii_isdigit(*q)) {
            while (*p == '0')
                p++;
            while (*q == '0')
                q++;
            size_t lp = 0, lq = 0;
            while (g_ascii_isdigit(p[lp]))
                lp++;
            while (g_ascii_isdigit(q[lq]))
                lq++;
            if (lp != lq)
                return lp < lq ? -1 : 1;
            int c = memcmp(p, q, lp);
            if (c)
                return c;
            p += lp;
            q += lq;
            continue;
        }
        /* inline, not g_ascii_tolower(): this is the inner loop of every sort */
        int cp = *p >= 'A' && *p <= 'Z' ? *p + 32 : *p, cq = *q >= 'A' && *q <= 'Z' ? *q + 32 : *q;
        if (cp != cq)
            return cp - cq;
        p++;
        q++;
    }
    if (*p || *q)
        return *p ? 1 : -1;
    return strcmp(a, b);
}

static int cmp3(int64_t x, int64_t y) { return (x > y) - (x < y); }

/* The byte string whose strcmp order is name_cmp's: letters lowered, each
 * digit run as '0' (digits sort against other characters as '0' does), a
 * length byte and the digits without leading zeros; then \x01 and the name
 * itself, for names that differ only in case or zeros. Computed once per
 * listing, it makes a full sort of 10,000 VMs a sort of strcmp()s. */
static char *name_key(const char *name)
{
    if (!name)
        return g_strdup("");
    GString *k = g_string_sized_new(strlen(name) * 2 + 2);
    for (const unsigned char *p = (const unsigned char *)name; *p;) {
        if (g_ascii_isdigit(*p)) {
            while (*p == '0')
                p++;
            const unsigned char *d = p;
            while (g_ascii_isdigit(*p))
                p++;
            size_t len = (size_t)(p - d);
            g_string_append_c(k, '0');
            g_string_append_c(k, (char)(0x20 + MIN(len, 0xdf)));
            g_string_append_len(k, (const char *)d, (gssize)len);
        } else {
            g_string_append_c(k, (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p));
            p++;
        }
    }
    g_string_append_c(k, '\x01');
    g_string_append(k, name);
    return g_string_free(k, FALSE);
}

static void rows_clear(GArray *rows)
{
    for (guint i = 0; i < rows->len; i++)
        g_free(g_array_index(rows, sort_row, i).key);
    g_array_set_size(rows, 0);
}

/* The sort key's own comparison, before names break ties. */
static int sort_primary(const gos_session *s, const gos_vm *x, const gos_vm *y)
{
    int c = 0;
    switch (s->sort) {
    case GOS_SORT_HOST: c = strcmp(x->host, y->host); break;
    case GOS_SORT_STATE: c = (int)x->state - (int)y->state; break;
    case GOS_SORT_AGENT: c = (int)x->heartbeat - (int)y->heartbeat; break;
    case GOS_SORT_USERS:
        /* unknown ("-") before none ("0") before some */
        c = cmp3(x->users_known ? (int64_t)x->n_users : -1, y->users_known ? (int64_t)y->n_users : -1);
        break;
    case GOS_SORT_OS:
        /* guests whose OS is known first, grouped by it */
        c = (x->os_name == NULL) - (y->os_name == NULL);
        if (!c && x->os_name)
            c = name_cmp(x->os_name, y->os_name);
        break;
    case GOS_SORT_PING:
        /* fastest agents first, unknown round trips last */
        c = cmp3(x->ping_us < 0 ? INT64_MAX : x->ping_us, y->ping_us < 0 ? INT64_MAX : y->ping_us);
        break;
    default: break;
    }
    return c;
}

/* A total order (host and UUID break every tie), so that reversing a sorted
 * array is the same as sorting it the other way. */
static int vm_order(const gos_session *s, const gos_vm *x, const gos_vm *y)
{
    int c = sort_primary(s, x, y);
    if (!c)
        c = name_cmp(x->name, y->name);
    if (!c)
        c = strcmp(x->host, y->host);
    if (!c)
        c = strcmp(x->uuid, y->uuid);
    return s->desc ? -c : c;
}

/* vm_order over sort_rows, with the precomputed name keys. */
static gint row_cmp(gconstpointer a, gconstpointer b, gpointer data)
{
    const gos_session *s = data;
    const sort_row *x = a, *y = b;
    int c = sort_primary(s, x->vm, y->vm);
    if (!c)
        c = strcmp(x->key, y->key);
    if (!c)
        c = strcmp(x->vm->host, y->vm->host);
    if (!c)
        c = strcmp(x->vm->uuid, y->vm->uuid);
    return s->desc ? -c : c;
}

/* Sorts every VM again: the rows (in any order) by row_cmp, into sorted. */
static void sort_all(gos_session *s)
{
    g_array_sort_with_data(s->rows, row_cmp, s);
    g_ptr_array_set_size(s->sorted, s->rows->len);
    for (guint i = 0; i < s->rows->len; i++)
        s->sorted->pdata[i] = (gpointer)g_array_index(s->rows, sort_row, i).vm;
}

static bool sort_uses_agent(const gos_session *s)
{
    return s->sort == GOS_SORT_AGENT || s->sort == GOS_SORT_USERS || s->sort == GOS_SORT_OS ||
           s->sort == GOS_SORT_PING;
}

static bool filter_uses_agent(const gos_session *s) { return s->f_agent >= 0 || s->f_users >= 0; }

static void reverse(GPtrArray *a)
{
    for (guint i = 0, j = a->len; i + 1 < j; i++, j--) {
        gpointer t = a->pdata[i];
        a->pdata[i] = a->pdata[j - 1];
        a->pdata[j - 1] = t;
    }
}

/* Index of vm in a by pointer, or -1. */
static long index_of(GPtrArray *a, const gos_vm *vm)
{
    for (guint i = 0; i < a->len; i++)
        if (a->pdata[i] == vm)
            return (long)i;
    return -1;
}

/* Puts the cursor back on its VM after the view changed; when that VM is
 * not shown, the cursor keeps its row (clamped) and finds the VM again
 * once a later view shows it. */
static void cursor_follow(gos_session *s)
{
    long at = -1;
    if (s->cursor_vm) {
        at = index_of(s->view, s->cursor_vm);
    } else if (s->cursor_ref) {
        for (guint i = 0; i < s->view->len && at < 0; i++) {
            const gos_vm *vm = g_ptr_array_index(s->view, i);
            if (!strcmp(vm->uuid, s->cursor_ref->uuid) && !strcmp(vm->host, s->cursor_ref->host)) {
                at = (long)i;
                s->cursor_vm = vm;
            }
        }
    }
    if (at >= 0)
        s->cursor = (size_t)at;
    else
        s->cursor = MIN(s->cursor, s->view->len ? s->view->len - 1 : 0);
}

static bool view_in_sync(gos_session *s)
{
    return s->layout_gen == gos_inventory_layout_generation(s->inv) &&
           s->view_gen == gos_inventory_generation(s->inv) && s->sort_todo == SORT_NONE && !s->view_stale &&
           !s->view_refine;
}

static void view_update(gos_session *s)
{
    if (view_in_sync(s))
        return;
    uint64_t gen = gos_inventory_generation(s->inv), layout = gos_inventory_layout_generation(s->inv);
    bool agent_changed = gen != s->view_gen;
    if (layout != s->layout_gen) {
        /* A listing replaced VMs: the old pointers are gone. */
        size_t n = gos_inventory_count(s->inv);
        rows_clear(s->rows);
        for (size_t i = 0; i < n; i++) {
            const gos_vm *vm = gos_inventory_at(s->inv, i);
            sort_row r = { vm, name_key(vm->name) };
            g_array_append_val(s->rows, r);
        }
        sort_all(s);
        s->layout_gen = layout;
        s->cursor_vm = NULL;
        s->view_stale = true;
    } else if (s->sort_todo == SORT_FULL || (agent_changed && sort_uses_agent(s))) {
        sort_all(s);
        s->view_stale = true;
    } else if (s->sort_todo == SORT_REVERSE) {
        /* The view is a subsequence of sorted: it turns round with it. */
        reverse(s->sorted);
        reverse(s->view);
    }
    s->sort_todo = SORT_NONE;
    if (agent_changed && filter_uses_agent(s))
        s->view_stale = true;

    if (s->view_stale) {
        g_ptr_array_set_size(s->view, 0);
        for (guint i = 0; i < s->sorted->len; i++) {
            const gos_vm *vm = g_ptr_array_index(s->sorted, i);
            if (vm_matches(s, vm))
                g_ptr_array_add(s->view, (gpointer)vm);
        }
    } else if (s->view_refine) {
        /* The search grew: what matches now is a part of what matched. */
        guint keep = 0;
        for (guint i = 0; i < s->view->len; i++)
            if (vm_matches(s, g_ptr_array_index(s->view, i)))
                s->view->pdata[keep++] = s->view->pdata[i];
        g_ptr_array_set_size(s->view, keep);
    }
    s->view_stale = s->view_refine = false;
    s->view_gen = gen;
    cursor_follow(s);
}

/* Moves vm within a (sorted by vm_order) to where it belongs now, or takes it
 * out when !keep: a binary search and one memmove instead of a sort. */
static void reposition(gos_session *s, GPtrArray *a, const gos_vm *vm, bool keep)
{
    long at = index_of(a, vm);
    if (at >= 0)
        g_ptr_array_remove_index(a, (guint)at);
    if (!keep)
        return;
    guint lo = 0, hi = a->len;
    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;
        if (vm_order(s, g_ptr_array_index(a, mid), vm) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    g_ptr_array_insert(a, (gint)lo, (gpointer)vm);
}

/* One VM's agent fields changed, and the view was current before: only the
 * sort and the filters that read agent fields can move it. */
static void view_follow_agent(gos_session *s, const gos_vm *vm)
{
    if (vm && (sort_uses_agent(s) || filter_uses_agent(s))) {
        if (sort_uses_agent(s))
            reposition(s, s->sorted, vm, true);
        reposition(s, s->view, vm, vm_matches(s, vm));
        cursor_follow(s);
    }
    s->view_gen = gos_inventory_generation(s->inv);
}

static void remember_cursor(gos_session *s)
{
    const gos_vm *vm = s->cursor < s->view->len ? g_ptr_array_index(s->view, s->cursor) : NULL;
    if (vm == s->cursor_vm && (vm || !s->cursor_ref))
        return;
    s->cursor_vm = vm;
    g_free(s->cursor_ref);
    s->cursor_ref = vm ? gos_vm_ref_new(vm->host, vm->uuid) : NULL;
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

bool gos_session_is_marked(gos_session *s, const gos_vm *vm) { return ref_set_has(s->marks, vm); }

size_t gos_session_marked_count(gos_session *s) { return g_hash_table_size(s->marks); }

const gos_vm **gos_session_targets(gos_session *s, size_t *n)
{
    view_update(s);
    GPtrArray *out = g_ptr_array_new();
    if (g_hash_table_size(s->marks)) {
        size_t total = gos_inventory_count(s->inv);
        for (size_t i = 0; i < total; i++) {
            const gos_vm *vm = gos_inventory_at(s->inv, i);
            if (ref_set_has(s->marks, vm))
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
    /* States change only with a listing: count once per layout, not per draw. */
    uint64_t layout = gos_inventory_layout_generation(s->inv);
    if (s->totals_gen != layout + 1) {
        memset(s->totals, 0, sizeof s->totals);
        size_t n = gos_inventory_count(s->inv);
        for (size_t i = 0; i < n; i++) {
            const gos_vm *vm = gos_inventory_at(s->inv, i);
            if ((unsigned)vm->state < GOS_VM_N_STATES)
                s->totals[vm->state]++;
        }
        s->totals_gen = layout + 1;
    }
    memcpy(totals, s->totals, sizeof s->totals);
}

/* --- tasks and the rest ---------------------------------------------------- */

size_t gos_session_task_count(gos_session *s) { return s->tasks->len; }

gos_task *gos_session_task_at(gos_session *s, size_t i)
{
    return i < s->tasks->len ? g_ptr_array_index(s->tasks, i) : NULL;
}

void gos_session_task_totals(gos_session *s, size_t *running, size_t *failed, size_t *ok)
{
    tasks_advance(s);
    size_t r = 0, f = s->done_failed, o = s->done_ok;
    for (guint i = (guint)s->tasks_done; i < s->tasks->len; i++) {
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
    const gos_vm *vm = g_ptr_array_index(s->view, s->cursor);
    if (!ref_set_add(s->marks, vm))
        ref_set_remove(s->marks, vm);
}

void gos_session_mark_all(gos_session *s, bool on)
{
    view_update(s);
    if (!on) {
        g_hash_table_remove_all(s->marks);
        return;
    }
    for (guint i = 0; i < s->view->len; i++)
        ref_set_add(s->marks, g_ptr_array_index(s->view, i));
}

size_t gos_session_select(gos_session *s, const char *glob)
{
    size_t hits = 0, n = gos_inventory_count(s->inv);
    GPatternSpec *pat = g_pattern_spec_new(glob);
    for (size_t i = 0; i < n; i++) {
        const gos_vm *vm = gos_inventory_at(s->inv, i);
        if (g_pattern_spec_match_string(pat, vm->name ? vm->name : "") || !g_ascii_strcasecmp(glob, vm->uuid)) {
            ref_set_add(s->marks, vm);
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
    /* Compiled once here, not once per VM on every rebuild. */
    if (s->f_name_pat)
        g_pattern_spec_free(s->f_name_pat);
    s->f_name_pat = name ? g_pattern_spec_new(name) : NULL;
    rebuild_filter_text(s);
    s->view_stale = true;
    return 0;
}

void gos_session_set_search(gos_session *s, const char *text)
{
    const char *now = text && *text ? text : NULL;
    /* Typing one more character: every VM that matches now matched before,
     * so the view is narrowed rather than rebuilt. */
    if (now && s->search && g_str_has_prefix(now, s->search))
        s->view_refine = true;
    else if (g_strcmp0(now, s->search) != 0)
        s->view_stale = true;
    g_free(s->search);
    s->search = g_strdup(now);
    g_free(s->search_fold);
    s->search_fold = now ? g_utf8_casefold(now, -1) : NULL;
    rebuild_filter_text(s);
}

void gos_session_set_audit_filter(gos_session *s, int argc, char *const *argv)
{
    /* Copied before the old words go: argv may be made of them. */
    char **words = g_new0(char *, (size_t)(argc > 0 ? argc : 0) + 1);
    for (int i = 0; i < argc; i++)
        words[i] = g_strdup(argv[i]);
    g_strfreev(s->audit_filter);
    s->audit_filter = words;
    s->audit_filter_gen++;
}

const char *const *gos_session_audit_filter(gos_session *s, unsigned *generation)
{
    static const char *const none[] = { NULL };
    if (generation)
        *generation = s->audit_filter_gen;
    return s->audit_filter ? (const char *const *)s->audit_filter : none;
}

static const char *const sort_names[GOS_SORT_ALL] = { "name", "host", "state", "agent", "users", "os", "ping" };

int gos_sort_parse(const char *name)
{
    for (int i = 0; i < GOS_SORT_ALL; i++)
        if (!g_ascii_strcasecmp(name, sort_names[i]))
            return i;
    return -1;
}

const char *gos_sort_name(gos_sort key) { return (unsigned)key < GOS_SORT_ALL ? sort_names[key] : sort_names[0]; }

void gos_session_set_sort(gos_session *s, gos_sort key)
{
    if ((unsigned)key >= GOS_SORT_ALL)
        return;
    if (s->sort == key) {
        /* The order is total: the other direction is the same array reversed. */
        s->desc = !s->desc;
        if (s->sort_todo != SORT_FULL)
            s->sort_todo = s->sort_todo == SORT_REVERSE ? SORT_NONE : SORT_REVERSE;
    } else {
        s->sort = key;
        s->desc = false;
        s->sort_todo = SORT_FULL;
    }
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
    bool all = g_hash_table_size(s->marks) == 0 && n == 0;
    /* A set, so that cancelling 10,000 tasks of 10,000 marked VMs is not a
     * hundred million comparisons. */
    GHashTable *want = ref_set_new();
    for (size_t k = 0; k < n; k++)
        ref_set_add(want, targets[k]);
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
        if (h->state == 1)
            start_listing(s, h, false);
        else if (h->state == -1) {
            h->state = 0;
            start_listing(s, h, true);
        }
    }
    schedule_probes(s, true);
}
