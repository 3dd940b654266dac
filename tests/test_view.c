/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests of the VM view cache: after any mix of sorts, filters, searches, agent updates and listings, it equals a plain rebuild. */
#include <config.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/complete.h"
#include "core/history.h"
#include "core/session.h"
#include "core/session_priv.h"
#include "tests/testutil.h"

#define N_VMS 600
#define HOST_PREFIX "test://"

static char *dir, *uri;

/* Names that make the order interesting: case, leading zeros, digit runs of
 * different lengths, a prefix of another name, and non-ASCII letters. */
static char *vm_name(int i)
{
    switch (i % 10) {
    case 0: return g_strdup_printf("web%d", i);
    case 1: return g_strdup_printf("Web%d", i);
    case 2: return g_strdup_printf("web%04d", i);
    case 3: return g_strdup_printf("db-%d-x%d", i % 13, i);
    case 4: return g_strdup_printf("W\xc3\xab" "b%d", i);       /* Wëb */
    case 5: return g_strdup_printf("app%d.%d", i / 10, i % 10);
    case 6: return g_strdup_printf("cache-%03d", i);
    case 7: return g_strdup_printf("web%d-b", i / 8);
    /* equal as people read them (tie1, TIE001): only the bytes tell them apart */
    case 8: return g_strdup_printf("tie%d", i / 10);
    default: return g_strdup_printf("TIE%03d", i / 10);
    }
}

static void write_fleet(const char *path)
{
    GString *x = g_string_new("<?xml version=\"1.0\"?>\n<node>\n");
    for (int i = 1; i <= N_VMS; i++) {
        char *name = vm_name(i);
        g_string_append_printf(x,
                               "<domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>"
                               "<name>%s</name><uuid>6695eb01-0000-4000-8000-%012d</uuid>"
                               "<memory>65536</memory><os><type>hvm</type></os>%s%s</domain>\n",
                               name, i,
                               i % 3 == 0 ? "<devices><channel type='unix'><target type='virtio' "
                                            "name='org.qemu.guest_agent.0'/></channel></devices>" : "",
                               i % 7 == 4 || i % 7 == 5 ? "<test:runstate>5</test:runstate>"
                               : i % 7 == 6            ? "<test:runstate>3</test:runstate>" : "");
        g_free(name);
    }
    g_string_append(x, "</node>\n");
    ck_assert(g_file_set_contents(path, x->str, (gssize)x->len, NULL));
    g_string_free(x, TRUE);
}

static gos_session *open_fleet(void)
{
    dir = tmpdir_new();
    char *xml = g_build_filename(dir, "fleet.xml", NULL);
    write_fleet(xml);
    uri = g_strconcat(HOST_PREFIX, xml, NULL);
    g_free(xml);
    char *db = g_build_filename(dir, "audit.db", NULL);
    const char *uris[] = { uri };
    gos_session_opts o = { .uris = uris, .n_uris = 1, .audit_path = db, .origin = "cli" };
    gos_session *s = NULL;
    char *err = NULL;
    ck_assert_msg(gos_session_new(&o, &s, &err) == 0, "%s", err ? err : "");
    ck_assert_msg(gos_session_connect(s, true, &err) == 0, "%s", err ? err : "");
    ck_assert(gos_session_wait_idle(s, 30000));
    g_free(db);
    return s;
}

static void close_fleet(gos_session *s)
{
    gos_session_free(s);
    tmpdir_free(dir);
    g_free(uri);
}

/* --- an independent oracle: plain filter, plain comparison ------------------- */

typedef struct {
    int state, agent, users;   /* -1 any */
    char *name_glob;
    char *search;
    gos_sort sort;
    bool desc;
} oracle;

/* People's order of names, computed afresh for every comparison (the
 * session keeps the keys): gos_vm_sort_key, then the bytes. */
static int people_cmp(const char *a, const char *b)
{
    char *ka = gos_vm_sort_key(a), *kb = gos_vm_sort_key(b);
    int c = strcmp(ka, kb);
    g_free(ka);
    g_free(kb);
    return c ? c : strcmp(a, b);
}

/* The login of the user logged on longest; no known login sorts last. */
static int64_t oldest_login(const gos_vm *vm)
{
    int64_t oldest = INT64_MAX;
    for (size_t i = 0; i < vm->n_users; i++)
        if (vm->users[i].login_ms > 0 && vm->users[i].login_ms < oldest)
            oldest = vm->users[i].login_ms;
    return oldest;
}

static int oracle_cmp(const oracle *o, const gos_vm *x, const gos_vm *y)
{
    int64_t kx = 0, ky = 0;
    int c = 0;
    switch (o->sort) {
    case GOS_SORT_HOST: c = strcmp(x->host, y->host); break;
    case GOS_SORT_STATE: kx = x->state; ky = y->state; break;
    case GOS_SORT_AGENT: kx = x->heartbeat; ky = y->heartbeat; break;
    case GOS_SORT_USERS:
        kx = x->users_known ? (int64_t)x->n_users : -1;
        ky = y->users_known ? (int64_t)y->n_users : -1;
        break;
    case GOS_SORT_OS:
        if (!x->os_name != !y->os_name)
            c = x->os_name ? -1 : 1;
        else if (x->os_name)
            c = people_cmp(x->os_name, y->os_name);
        break;
    case GOS_SORT_PING:
        kx = x->ping_us < 0 ? INT64_MAX : x->ping_us;
        ky = y->ping_us < 0 ? INT64_MAX : y->ping_us;
        break;
    case GOS_SORT_VERSION:
        if (!x->agent_version != !y->agent_version)
            c = x->agent_version ? -1 : 1;
        else if (x->agent_version)
            c = strverscmp(x->agent_version, y->agent_version);
        break;
    case GOS_SORT_LOGIN:
        kx = oldest_login(x);
        ky = oldest_login(y);
        break;
    default: break;
    }
    if (!c && kx != ky)
        c = kx < ky ? -1 : 1;
    if (!c)
        c = people_cmp(x->name, y->name);
    if (!c)
        c = strcmp(x->host, y->host);
    if (!c)
        c = strcmp(x->uuid, y->uuid);
    return o->desc ? -c : c;
}

static bool oracle_match(const oracle *o, const gos_vm *vm)
{
    if (o->state >= 0 && (int)vm->state != o->state)
        return false;
    if (o->agent >= 0 && (int)vm->heartbeat != o->agent)
        return false;
    if (o->users >= 0 && (!vm->users_known || (vm->n_users > 0) != (o->users == 1)))
        return false;
    if (o->name_glob && !g_pattern_match_simple(o->name_glob, vm->name))
        return false;
    if (o->search) {
        char *hay = g_utf8_casefold(vm->name, -1), *needle = g_utf8_casefold(o->search, -1);
        bool hit = strstr(hay, needle) || strstr(vm->uuid, o->search);
        g_free(hay);
        g_free(needle);
        if (!hit)
            return false;
    }
    return true;
}

static void check_view(gos_session *s, const oracle *o, const char *what)
{
    gos_inventory *inv = gos_session_inventory(s);
    size_t want = 0, n = gos_inventory_count(inv);
    size_t totals[GOS_VM_N_STATES] = { 0 }, got_totals[GOS_VM_N_STATES];
    for (size_t i = 0; i < n; i++) {
        const gos_vm *vm = gos_inventory_at(inv, i);
        want += oracle_match(o, vm);
        totals[vm->state]++;
    }
    size_t have = gos_session_view_count(s);
    ck_assert_msg(have == want, "%s: the view shows %zu VMs, a rebuild %zu", what, have, want);
    for (size_t i = 0; i < have; i++) {
        const gos_vm *vm = gos_session_view_at(s, i);
        ck_assert_msg(oracle_match(o, vm), "%s: row %zu (%s) does not match", what, i, vm->name);
        if (i)
            ck_assert_msg(oracle_cmp(o, gos_session_view_at(s, i - 1), vm) < 0, "%s: rows %zu (%s) and %zu (%s) out of order",
                          what, i - 1, gos_session_view_at(s, i - 1)->name, i, vm->name);
    }
    gos_session_state_totals(s, got_totals);
    ck_assert_msg(memcmp(totals, got_totals, sizeof totals) == 0, "%s: state totals differ", what);
    bool desc = false;
    ck_assert_int_eq(gos_session_sort(s, &desc), o->sort);
    ck_assert_int_eq(desc, o->desc);
}

/* --- random changes -------------------------------------------------------------- */

static void random_filter(gos_session *s, oracle *o, GRand *r)
{
    static const char *const globs[] = { "web*", "*1*", "W?b*", "db-*", "*-b", "app1*.?" };
    static const char *const states[] = { "running", "shut-off", "paused" };
    static const char *const agents[] = { "ok", "lost", "no-contact", "unknown", "no-channel", "unsupported" };
    char *words[4];
    int n = 0;
    o->state = o->agent = o->users = -1;
    g_clear_pointer(&o->name_glob, g_free);
    if (g_rand_boolean(r)) {
        const char *st = states[g_rand_int_range(r, 0, 3)];
        words[n++] = g_strdup_printf("state=%s", st);
        o->state = gos_vm_state_parse(st);
    }
    if (g_rand_int_range(r, 0, 3) == 0) {
        const char *g = globs[g_rand_int_range(r, 0, G_N_ELEMENTS(globs))];
        words[n++] = g_strdup_printf("name=%s", g);
        o->name_glob = g_strdup(g);
    }
    if (g_rand_int_range(r, 0, 3) == 0) {
        const char *a = agents[g_rand_int_range(r, 0, G_N_ELEMENTS(agents))];
        words[n++] = g_strdup_printf("agent=%s", a);
        o->agent = gos_heartbeat_parse(a);
    }
    if (g_rand_int_range(r, 0, 4) == 0) {
        bool yes = g_rand_boolean(r);
        words[n++] = g_strdup(yes ? "users=yes" : "users=no");
        o->users = yes;
    }
    char *err = NULL;
    ck_assert_msg(gos_session_set_filter(s, n, words, &err) == 0, "%s", err ? err : "");
    for (int i = 0; i < n; i++)
        g_free(words[i]);
}

static void random_search(gos_session *s, oracle *o, GRand *r)
{
    static const char *const starts[] = { "w", "W", "\xc3\xab", "db", "1", "-b", "6695eb01-0000-4000-8000-0000000001" };
    static const char more[] = "eb0123-";
    char *next;
    int how = g_rand_int_range(r, 0, 5);
    if (how == 0 || !o->search) {
        next = g_strdup(starts[g_rand_int_range(r, 0, G_N_ELEMENTS(starts))]);
    } else if (how <= 2) {
        next = g_strdup_printf("%s%c", o->search, more[g_rand_int_range(r, 0, (gint32)strlen(more))]);
    } else if (how == 3) {
        /* backspace: drop the last character */
        const char *end = o->search + strlen(o->search);
        const char *prev = g_utf8_find_prev_char(o->search, end);
        next = prev && prev > o->search ? g_strndup(o->search, (gsize)(prev - o->search)) : NULL;
    } else {
        next = NULL;
    }
    gos_session_set_search(s, next);
    g_free(o->search);
    o->search = next && *next ? next : NULL;
    if (!o->search)
        g_free(next);
}

static void random_agent(gos_session *s, GRand *r, bool through_session)
{
    static const char *const oses[] = { "Debian GNU/Linux 12", "Windows Server 2022", "Alpine Linux v3.19",
                                        "Windows 11 Pro" };
    gos_inventory *inv = gos_session_inventory(s);
    const gos_vm *vm = gos_inventory_at(inv, (size_t)g_rand_int_range(r, 0, (gint32)gos_inventory_count(inv)));
    /* the probe's answer: agent fields on a blank VM, merged into a copy */
    gos_vm *ans = gos_vm_new();
    ans->heartbeat = (gos_heartbeat)g_rand_int_range(r, 0, GOS_HB_N);
    ans->ping_us = g_rand_int_range(r, -1, 5000);
    ans->os_name = g_rand_boolean(r) ? g_strdup(oses[g_rand_int_range(r, 0, G_N_ELEMENTS(oses))]) : NULL;
    ans->users_known = g_rand_int_range(r, 0, 4) != 0;
    ans->n_users = ans->users_known ? (size_t)g_rand_int_range(r, 0, 3) : 0;
    ans->users = ans->n_users ? g_new0(gos_user, ans->n_users) : NULL;
    for (size_t i = 0; i < ans->n_users; i++) {
        ans->users[i].name = g_strdup_printf("user%zu", i);
        /* some logins known, some not, some at the same time */
        ans->users[i].login_ms = g_rand_int_range(r, 0, 3) ? 1700000000000 + g_rand_int_range(r, 0, 5) * 60000 : 0;
    }
    static const char *const versions[] = { "8.2.1", "8.2.10", "8.2.9", "9.0.0", "7.2" };
    ans->agent_version = g_rand_boolean(r) ? g_strdup(versions[g_rand_int_range(r, 0, G_N_ELEMENTS(versions))]) : NULL;
    gos_vm *p = gos_vm_dup(vm);
    gos_vm_merge_agent(p, ans);
    gos_vm_free(ans);
    if (through_session) {
        gos_session_post_agent(s, p);
        gos_session_pump(s);
    } else {
        gos_inventory_merge_agent(inv, p);
        gos_vm_free(p);
    }
}

START_TEST(test_view_equals_rebuild)
{
    gos_session *s = open_fleet();
    oracle o = { .state = -1, .agent = -1, .users = -1, .sort = GOS_SORT_NAME };
    check_view(s, &o, "start");
    GRand *r = g_rand_new_with_seed(20261130);
    char *remembered = NULL;   /* UUID of the VM last put under the cursor */
    for (int step = 0; step < 1500; step++) {
        int op = g_rand_int_range(r, 0, 100);
        const char *what;
        if (op < 12) {
            gos_sort key = (gos_sort)g_rand_int_range(r, 0, GOS_SORT_ALL);
            o.desc = key == o.sort ? !o.desc : false;
            o.sort = key;
            gos_session_set_sort(s, key, o.desc);
            what = "sort";
        } else if (op < 24) {
            random_filter(s, &o, r);
            what = "filter";
        } else if (op < 44) {
            random_search(s, &o, r);
            what = "search";
        } else if (op < 80) {
            /* a burst of agent updates, applied as the console applies them */
            for (int k = g_rand_int_range(r, 1, 6); k > 0; k--)
                random_agent(s, r, true);
            what = "agent update";
        } else if (op < 88) {
            random_agent(s, r, false);
            what = "agent data changed behind the view";
        } else if (op < 97) {
            gos_session_move_cursor(s, g_rand_int_range(r, -40, 40));
            const gos_vm *vm = gos_session_view_at(s, gos_session_cursor(s));
            g_free(remembered);
            remembered = vm ? g_strdup(vm->uuid) : NULL;
            what = "cursor";
        } else {
            gos_session_refresh(s);
            ck_assert(gos_session_wait_idle(s, 30000));
            what = "refresh";
        }
        char label[64];
        g_snprintf(label, sizeof label, "step %d (%s)", step, what);
        check_view(s, &o, label);
        /* The cursor stays on its VM whenever that VM is shown. */
        if (remembered) {
            size_t n = gos_session_view_count(s), at = SIZE_MAX;
            for (size_t i = 0; i < n && at == SIZE_MAX; i++)
                if (!strcmp(gos_session_view_at(s, i)->uuid, remembered))
                    at = i;
            if (at != SIZE_MAX)
                ck_assert_msg(gos_session_cursor(s) == at, "%s: the cursor left its VM (row %zu, cursor %zu)", label,
                              at, gos_session_cursor(s));
        }
        ck_assert(gos_session_cursor(s) < MAX(gos_session_view_count(s), 1));
    }
    g_free(remembered);
    g_rand_free(r);
    g_free(o.name_glob);
    g_free(o.search);
    close_fleet(s);
}
END_TEST

START_TEST(test_natural_name_order)
{
    gos_session *s = open_fleet();
    char *w[] = { "name=web*" };
    ck_assert_int_eq(gos_session_set_filter(s, 1, w, NULL), 0);
    /* by value, not by bytes: web20 before web100 */
    size_t n = gos_session_view_count(s);
    ck_assert_uint_gt(n, 10);
    const gos_vm *a = gos_inventory_find(gos_session_inventory(s), NULL, "web20");
    const gos_vm *b = gos_inventory_find(gos_session_inventory(s), NULL, "web100");
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    size_t ia = 0, ib = 0;
    for (size_t i = 0; i < n; i++) {
        if (gos_session_view_at(s, i) == a)
            ia = i;
        if (gos_session_view_at(s, i) == b)
            ib = i;
    }
    ck_assert_msg(ia < ib, "web20 must come before web100 (rows %zu, %zu)", ia, ib);
    close_fleet(s);
}
END_TEST

START_TEST(test_marks_at_scale)
{
    gos_session *s = open_fleet();
    gos_inventory *inv = gos_session_inventory(s);
    size_t web = 0;
    for (size_t i = 0; i < gos_inventory_count(inv); i++)
        web += g_pattern_match_simple("web*", gos_inventory_at(inv, i)->name);
    ck_assert_uint_eq(gos_session_select(s, "web*"), web);
    ck_assert_uint_eq(gos_session_marked_count(s), web);
    /* marking twice counts once; marks survive a listing (new VM objects) */
    ck_assert_uint_eq(gos_session_select(s, "web*"), web);
    ck_assert_uint_eq(gos_session_marked_count(s), web);
    gos_session_refresh(s);
    ck_assert(gos_session_wait_idle(s, 30000));
    size_t shown = 0;
    for (size_t i = 0; i < gos_session_view_count(s); i++)
        shown += gos_session_is_marked(s, gos_session_view_at(s, i));
    ck_assert_uint_eq(shown, web);
    size_t n = 0;
    g_free(gos_session_targets(s, true, &n));
    ck_assert_uint_eq(n, web);
    /* by UUID, any case */
    gos_session_mark_all(s, false);
    ck_assert_uint_eq(gos_session_select(s, "6695EB01-0000-4000-8000-000000000007"), 1);
    /* select-all marks what the view shows, on top of what is marked */
    char *f[] = { "state=paused" };
    ck_assert_int_eq(gos_session_set_filter(s, 1, f, NULL), 0);
    size_t paused = gos_session_view_count(s);
    gos_session_mark_all(s, true);
    /* VM 7 runs (7 mod 7 == 0), so it is not among the paused ones */
    ck_assert_uint_eq(gos_session_marked_count(s), paused + 1);
    close_fleet(s);
}
END_TEST

/* Column words as the action, the configuration and the saved view give them. */
START_TEST(test_columns_words)
{
    gos_column_spec *c = NULL;
    size_t n = 0;
    char *err = NULL;
    char *w1[] = { "name:30", "state", "Ping", "os" };
    ck_assert_int_eq(gos_columns_parse(4, w1, NULL, 0, &c, &n, &err), 0);
    ck_assert_uint_eq(n, 4);
    ck_assert_int_eq(c[0].col, GOS_COL_NAME);
    ck_assert_int_eq(c[0].width, 30);
    ck_assert_int_eq(c[2].col, GOS_COL_PING);
    char *text = gos_columns_format(c, n);
    ck_assert_str_eq(text, "name:30 state ping os");
    g_free(text);
    /* + and - work on what is there; a plain word starts afresh */
    gos_column_spec *d = NULL;
    size_t nd = 0;
    char *w2[] = { "-state", "+login", "+name:12" };
    ck_assert_int_eq(gos_columns_parse(3, w2, c, n, &d, &nd, &err), 0);
    text = gos_columns_format(d, nd);
    ck_assert_str_eq(text, "name:12 ping os login");
    g_free(text);
    g_free(d);
    static const char *const bad[] = { "hostname", "name:2", "name:999", "-name:10", "name:x", "" };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        char *w[] = { (char *)bad[i] };
        ck_assert_msg(gos_columns_parse(1, w, c, n, &d, &nd, &err) == -1, "'%s' was taken", bad[i]);
        ck_assert_ptr_nonnull(err);
        g_clear_pointer(&err, g_free);
    }
    char *twice[] = { "name", "host", "name" };
    ck_assert_int_eq(gos_columns_parse(3, twice, c, n, &d, &nd, &err), -1);
    ck_assert_msg(strstr(err, "twice"), "%s", err);
    g_clear_pointer(&err, g_free);
    char *none[] = { "-name", "-state", "-ping", "-os" };
    ck_assert_int_eq(gos_columns_parse(4, none, c, n, &d, &nd, &err), -1);
    g_clear_pointer(&err, g_free);
    g_free(c);
    for (int col = 0; col < GOS_COL_N; col++) {
        ck_assert_int_eq(gos_column_parse(gos_column_name((gos_column)col)), col);
        ck_assert_int_ge(gos_column_sort((gos_column)col), 0);
    }
}
END_TEST

/* What the console is left in comes back: view, sort, columns, filter, panel. */
START_TEST(test_state_round_trip)
{
    gos_session *s = open_fleet();
    char *path = g_build_filename(dir, "state", "guestos", "console.state", NULL);
    gos_column_spec cols[] = { { GOS_COL_STATE, 0 }, { GOS_COL_NAME, 25 }, { GOS_COL_OS, 0 } };
    gos_session_set_columns(s, cols, 3);
    gos_session_set_sort(s, GOS_SORT_LOGIN, true);
    char *f[] = { "state=running", "name=my vm*" };
    ck_assert_int_eq(gos_session_set_filter(s, 2, f, NULL), 0);
    gos_session_set_task_panel(s, 4);
    gos_session_set_view(s, GOS_VIEW_TASKS);
    char *err = NULL;
    ck_assert_msg(gos_state_save(s, path, &err) == 0, "%s", err ? err : "");
    /* back to the start, then restored */
    gos_session_set_columns(s, NULL, 0);
    gos_session_set_sort(s, GOS_SORT_NAME, false);
    ck_assert_int_eq(gos_session_set_filter(s, 0, NULL, NULL), 0);
    gos_session_set_task_panel(s, -1);
    gos_session_set_view(s, GOS_VIEW_VMS);
    ck_assert_msg(gos_state_load(s, path, &err) == 0, "%s", err ? err : "");
    size_t n = 0;
    const gos_column_spec *got = gos_session_columns(s, &n);
    ck_assert_uint_eq(n, 3);
    ck_assert_int_eq(got[1].col, GOS_COL_NAME);
    ck_assert_int_eq(got[1].width, 25);
    bool desc = false;
    ck_assert_int_eq(gos_session_sort(s, &desc), GOS_SORT_LOGIN);
    ck_assert(desc);
    ck_assert_str_eq(gos_session_filter_text(s), "state=running name=my vm*");
    ck_assert_int_eq(gos_session_task_panel(s), 4);
    ck_assert_int_eq(gos_session_view(s), GOS_VIEW_TASKS);
    /* a default changed since (guestos.conf) wins over the saved columns */
    gos_column_spec def[] = { { GOS_COL_HOST, 0 }, { GOS_COL_NAME, 0 } };
    gos_session_set_default_columns(s, def, 2);
    ck_assert_int_eq(gos_state_load(s, path, &err), 0);
    got = gos_session_columns(s, &n);
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(got[0].col, GOS_COL_HOST);
    /* no file: nothing restored, no error */
    char *missing = g_build_filename(dir, "nothing-here", NULL);
    ck_assert_int_eq(gos_state_load(s, missing, &err), 0);
    g_free(missing);
    g_free(path);
    close_fleet(s);
}
END_TEST

/* The prompt's history: newest last, no repeats, bounded, kept in a file. */
START_TEST(test_history)
{
    char *d = tmpdir_new();
    char *path = g_build_filename(d, "sub", "history", NULL);
    GPtrArray *h = gos_history_load(path);
    ck_assert_uint_eq(h->len, 0);
    gos_history_add(h, "select web*");
    gos_history_add(h, "logoff");
    gos_history_add(h, "select web*");
    gos_history_add(h, "bad\x01line");
    ck_assert_uint_eq(h->len, 2);
    ck_assert_str_eq(g_ptr_array_index(h, 1), "select web*");
    for (int i = 0; i < GOS_HISTORY_MAX + 10; i++) {
        char *l = g_strdup_printf("search %d", i);
        gos_history_add(h, l);
        g_free(l);
    }
    ck_assert_uint_eq(h->len, GOS_HISTORY_MAX);
    char *err = NULL;
    ck_assert_msg(gos_history_save(h, path, &err) == 0, "%s", err ? err : "");
    GPtrArray *back = gos_history_load(path);
    ck_assert_uint_eq(back->len, GOS_HISTORY_MAX);
    ck_assert_str_eq(g_ptr_array_index(back, back->len - 1), g_ptr_array_index(h, h->len - 1));
    g_ptr_array_free(back, TRUE);
    g_ptr_array_free(h, TRUE);
    g_free(path);
    tmpdir_free(d);
}
END_TEST

static bool has(GPtrArray *c, const char *word)
{
    for (guint i = 0; i < c->len; i++)
        if (!strcmp(g_ptr_array_index(c, i), word))
            return true;
    return false;
}

/* Completion from the action table's synopses and the inventory. */
START_TEST(test_completion)
{
    gos_session *s = open_fleet();
    static const struct {
        const char *before, *want;
        size_t start;
    } cases[] = {
        { "sel", "select-all", 0 },
        { "filter st", "state=", 7 },
        { "filter state=ru", "state=running", 7 },
        { "filter agent=no-c", "agent=no-contact", 7 },
        { "filter users=", "users=yes", 7 },
        { "logoff web10", "web100", 7 },
        { "sort ve", "version", 5 },
        { "sort name d", "desc", 10 },
        { "view au", "audit", 5 },
        { "columns +pi", "+ping", 8 },
        { "columns lo", "login", 8 },
        { "audit-filter --or", "--origin", 13 },
        { "audit-filter --origin ma", "macro:", 22 },
        { "audit-filter --result Time", "TimeOutError", 22 },
        { "task-panel gr", "grow", 11 },
        { "quit ca", "cancel", 5 },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        size_t start = 99, more = 0;
        GPtrArray *c = gos_complete(s, cases[i].before, &start, &more);
        ck_assert_msg(has(c, cases[i].want), "'%s' does not offer %s", cases[i].before, cases[i].want);
        ck_assert_msg(start == cases[i].start, "'%s': the word starts at %zu, not %zu", cases[i].before, start,
                      cases[i].start);
        g_ptr_array_free(c, TRUE);
    }
    /* nothing after a word that is no action; the common start of several */
    size_t start = 0, more = 0;
    GPtrArray *c = gos_complete(s, "frobnicate x", &start, &more);
    ck_assert_uint_eq(c->len, 0);
    g_ptr_array_free(c, TRUE);
    c = gos_complete(s, "select W", &start, &more);
    ck_assert_uint_gt(c->len, 1);
    char *common = gos_complete_common(c);
    ck_assert_str_eq(common, "W");
    g_free(common);
    g_ptr_array_free(c, TRUE);
    /* 600 VMs: at most GOS_COMPLETE_MAX offered, the rest counted */
    c = gos_complete(s, "logoff ", &start, &more);
    ck_assert_uint_eq(c->len, GOS_COMPLETE_MAX);
    ck_assert_uint_gt(more, 0);
    g_ptr_array_free(c, TRUE);
    close_fleet(s);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("view");
    TCase *tc = tcase_create("fleet");
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, test_view_equals_rebuild);
    tcase_add_test(tc, test_natural_name_order);
    tcase_add_test(tc, test_marks_at_scale);
    tcase_add_test(tc, test_columns_words);
    tcase_add_test(tc, test_state_round_trip);
    tcase_add_test(tc, test_history);
    tcase_add_test(tc, test_completion);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
