/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests of hosts and inventory on libvirt's test driver: bulk listing, channels, events, view. */
#include <config.h>

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/libvirt.h>

#include "base/text.h"
#include "core/bus.h"
#include "core/host.h"
#include "core/lane.h"
#include "core/session.h"
#include "core/vm.h"
#include "tests/testutil.h"

static char *dir;

static gos_session *open_on(const char *uri, bool readonly)
{
    dir = tmpdir_new();
    char *db = g_build_filename(dir, "audit.db", NULL);
    const char *uris[] = { uri };
    gos_session_opts o = { .uris = uris, .n_uris = 1, .readonly = readonly, .audit_path = db, .origin = "cli" };
    gos_session *s = NULL;
    char *err = NULL;
    ck_assert_msg(gos_session_new(&o, &s, &err) == 0, "%s", err ? err : "");
    g_free(db);
    ck_assert_msg(gos_session_connect(s, true, &err) == 0, "%s", err ? err : "");
    return s;
}

static void close_session(gos_session *s)
{
    gos_session_free(s);
    tmpdir_free(dir);
}

static const gos_vm *find(gos_session *s, const char *name)
{
    return gos_inventory_find(gos_session_inventory(s), NULL, name);
}

START_TEST(test_default_driver)
{
    gos_session *s = open_on("test:///default", false);
    ck_assert_uint_eq(gos_inventory_count(gos_session_inventory(s)), 1);
    const gos_vm *vm = find(s, "test");
    ck_assert_ptr_nonnull(vm);
    ck_assert_int_eq(vm->state, GOS_VM_RUNNING);
    ck_assert_str_eq(vm->host, "test:///default");
    ck_assert_int_eq(strlen(vm->uuid), 36);
    /* The listing is bulk calls: the channel, in the domain's XML, is not
     * known yet, and nothing is invented for it meanwhile. */
    ck_assert(!vm->channel_known);
    ck_assert_int_eq(vm->heartbeat, GOS_HB_UNKNOWN);
    ck_assert(gos_session_wait_idle(s, 10000));
    vm = find(s, "test");
    /* the honest truth: no channel, and no invented agent data */
    ck_assert(vm->channel_known);
    ck_assert(!vm->channel);
    ck_assert_int_eq(vm->heartbeat, GOS_HB_NO_CHANNEL);
    ck_assert(!vm->users_known);
    ck_assert_ptr_null(vm->agent_version);
    close_session(s);
}
END_TEST

START_TEST(test_fleet_states_and_channels)
{
    char *uri = fleet_uri();
    gos_session *s = open_on(uri, false);
    ck_assert_uint_eq(gos_inventory_count(gos_session_inventory(s)), 4);
    ck_assert_int_eq(find(s, "web1")->state, GOS_VM_RUNNING);
    ck_assert_int_eq(find(s, "db-off")->state, GOS_VM_SHUTOFF);
    ck_assert_int_eq(find(s, "batch-paused")->state, GOS_VM_PAUSED);
    /* channels follow the listing, read one domain at a time */
    ck_assert(gos_session_wait_idle(s, 10000));
    ck_assert(find(s, "web1")->channel_known && find(s, "web1")->channel);
    ck_assert(find(s, "web2")->channel_known && !find(s, "web2")->channel);
    /* web1 has a channel, but the test driver cannot reach agents: the probe says so */
    ck_assert_int_eq(find(s, "web1")->heartbeat, GOS_HB_UNSUPPORTED);
    ck_assert_ptr_nonnull(find(s, "web1")->agent_note);
    ck_assert_int_eq(find(s, "db-off")->heartbeat, GOS_HB_NO_CHANNEL);
    /* lookup by UUID too */
    ck_assert_ptr_eq(gos_inventory_find(gos_session_inventory(s), uri, "6695eb01-f6a4-8304-79aa-97f2502e1933"),
                     find(s, "db-off"));
    size_t totals[GOS_VM_N_STATES];
    gos_session_state_totals(s, totals);
    ck_assert_uint_eq(totals[GOS_VM_RUNNING], 2);
    ck_assert_uint_eq(totals[GOS_VM_SHUTOFF], 1);
    ck_assert_uint_eq(totals[GOS_VM_PAUSED], 1);
    close_session(s);
    g_free(uri);
}
END_TEST

START_TEST(test_lifecycle_event_updates)
{
    /* A domain defined and started behind guestos's back (test:///default is
     * one shared instance per process) shows up without a manual refresh. */
    gos_session *s = open_on("test:///default", false);
    virConnectPtr c = virConnectOpen("test:///default");
    ck_assert_ptr_nonnull(c);
    virDomainPtr d = virDomainDefineXML(c, "<domain type='test'><name>extra</name><memory>65536</memory>"
                                           "<os><type>hvm</type></os></domain>");
    ck_assert_ptr_nonnull(d);
    ck_assert_int_eq(virDomainCreate(d), 0);
    bool seen = false;
    for (int i = 0; i < 100 && !seen; i++) {
        gos_session_wait_idle(s, 200);
        const gos_vm *vm = find(s, "extra");
        seen = vm && vm->state == GOS_VM_RUNNING;
        if (!seen)
            g_usleep(50000);
    }
    ck_assert_msg(seen, "the lifecycle event did not update the inventory");
    ck_assert_int_eq(virDomainDestroy(d), 0);
    for (int i = 0; i < 100; i++) {
        gos_session_wait_idle(s, 200);
        if (find(s, "extra")->state == GOS_VM_SHUTOFF)
            break;
        g_usleep(50000);
    }
    ck_assert_int_eq(find(s, "extra")->state, GOS_VM_SHUTOFF);
    virDomainUndefine(d);
    virDomainFree(d);
    virConnectClose(c);
    close_session(s);
}
END_TEST

START_TEST(test_view_filter_sort_marks)
{
    char *uri = fleet_uri();
    gos_session *s = open_on(uri, false);
    ck_assert_uint_eq(gos_session_view_count(s), 4);
    char *running[] = { "state=running" };
    char *err = NULL;
    ck_assert_int_eq(gos_session_set_filter(s, 1, running, &err), 0);
    ck_assert_uint_eq(gos_session_view_count(s), 2);
    ck_assert_str_eq(gos_session_filter_text(s), "state=running");
    char *bad[] = { "colour=red" };
    ck_assert_int_eq(gos_session_set_filter(s, 1, bad, &err), -1);
    ck_assert_ptr_nonnull(err);
    g_free(err);
    ck_assert_uint_eq(gos_session_view_count(s), 2);   /* a bad filter changes nothing */
    ck_assert_int_eq(gos_session_set_filter(s, 0, NULL, NULL), 0);
    ck_assert_uint_eq(gos_session_view_count(s), 4);

    gos_session_set_sort(s, GOS_SORT_NAME, true);   /* the same key, the other way: reversed */
    ck_assert_str_eq(gos_session_view_at(s, 0)->name, "web2");
    gos_session_set_sort(s, GOS_SORT_NAME, false);
    ck_assert_str_eq(gos_session_view_at(s, 0)->name, "batch-paused");

    ck_assert_uint_eq(gos_session_select(s, "web*"), 2);
    ck_assert_uint_eq(gos_session_marked_count(s), 2);
    size_t n = 0;
    const gos_vm **t = gos_session_targets(s, true, &n);
    ck_assert_uint_eq(n, 2);
    g_free(t);
    gos_session_mark_all(s, false);
    gos_session_cursor_to(s, 1);
    t = gos_session_targets(s, true, &n);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(t[0]->name, "db-off");
    g_free(t);

    gos_session_set_search(s, "WEB");
    ck_assert_uint_eq(gos_session_view_count(s), 2);
    close_session(s);
    g_free(uri);
}
END_TEST

START_TEST(test_bad_uri)
{
    dir = tmpdir_new();
    char *db = g_build_filename(dir, "audit.db", NULL);
    const char *uris[] = { "nonsense+bogus:///nowhere" };
    gos_session_opts o = { .uris = uris, .n_uris = 1, .audit_path = db, .origin = "cli" };
    gos_session *s = NULL;
    char *err = NULL;
    ck_assert_int_eq(gos_session_new(&o, &s, &err), 0);
    ck_assert_int_eq(gos_session_connect(s, true, &err), -1);
    ck_assert_ptr_nonnull(strstr(err, "test:///default"));
    g_free(err);
    g_free(db);
    close_session(s);
}
END_TEST

/* Domain events that arrive on the bus within ms. */
static int count_events(gos_bus *bus, long ms)
{
    int n = 0;
    gint64 end = g_get_monotonic_time() + ms * 1000;
    for (;;) {
        gint64 left = (end - g_get_monotonic_time()) / 1000;
        if (left <= 0)
            return n;
        gos_msg *m = gos_bus_wait(bus, left);
        if (m && m->kind == GOS_MSG_DOMAIN_EVENT)
            n++;
        gos_msg_free(m);
    }
}

START_TEST(test_reconnect_events_once)
{
    /* A connection opened again replaces the old one and its callbacks:
     * each event comes once, not once per connection ever opened. */
    ck_assert_int_eq(gos_virt_init(NULL), 0);
    gos_bus *bus = gos_bus_new();
    gos_host *h = gos_host_new("test:///default", false, bus);
    ck_assert_int_eq(gos_host_connect(h, NULL, NULL), 0);
    ck_assert_int_eq(gos_host_connect(h, NULL, NULL), 0);
    ck_assert_int_eq(gos_host_connect(h, NULL, NULL), 0);
    ck_assert_uint_eq(gos_host_generation(h), 3);
    virConnectPtr own = gos_host_conn(h);
    ck_assert_ptr_nonnull(own);
    ck_assert(!gos_host_conn_lost(h, own));   /* in-process: never lost */
    gos_host_conn_release(h, own);
    virConnectPtr c = virConnectOpen("test:///default");
    ck_assert_ptr_nonnull(c);
    virDomainPtr d = virDomainDefineXML(c, "<domain type='test'><name>once</name><memory>65536</memory>"
                                           "<os><type>hvm</type></os></domain>");
    ck_assert_ptr_nonnull(d);
    ck_assert_int_eq(virDomainUndefine(d), 0);
    /* defined, undefined: two events */
    ck_assert_int_eq(count_events(bus, 1500), 2);
    virDomainFree(d);
    virConnectClose(c);
    gos_host_free(h);
    gos_bus_unref(bus);
}
END_TEST

static void sleep_job(void *data) { g_usleep(GPOINTER_TO_UINT(data) * 1000); }
static void mark_job(void *data) { g_atomic_int_inc((gint *)data); }

START_TEST(test_lanes_independent)
{
    /* A lane whose jobs hang holds its own threads only. */
    gos_lane *slow = gos_lane_new(2), *fast = gos_lane_new(2);
    for (int i = 0; i < 6; i++)
        gos_lane_push(slow, false, sleep_job, NULL, GUINT_TO_POINTER(2000));
    gint done = 0;
    gint64 t0 = g_get_monotonic_time();
    for (int i = 0; i < 20; i++)
        gos_lane_push(fast, i % 2, mark_job, NULL, &done);
    while (g_atomic_int_get(&done) < 20 && g_get_monotonic_time() - t0 < 1500000)
        g_usleep(1000);
    ck_assert_int_eq(g_atomic_int_get(&done), 20);
    size_t queued = 0, running = 0;
    gos_lane_counts(slow, &queued, &running);
    ck_assert_uint_eq(running, 2);   /* its limit, no more */
    ck_assert_uint_eq(queued, 4);
    gos_lane_clear(slow);
    gos_lane_counts(slow, &queued, NULL);
    ck_assert_uint_eq(queued, 0);
    ck_assert(gos_lane_wait(slow, 5000));
    gos_lane_free(slow);
    gos_lane_free(fast);
}
END_TEST

START_TEST(test_sanitize)
{
    char *t = gos_text_clean("ali\x1b[2Jce\tbob\x7f\xc2\x9b" "x\xe2\x80\xaey", 256);
    ck_assert_str_eq(t, "ali?[2Jce?bob??x?y");
    g_free(t);
    t = gos_text_clean("\xff\xfe ok", 256);
    ck_assert_str_eq(t, "?? ok");
    g_free(t);
    t = gos_text_clean("Jürgen", 256);
    ck_assert_str_eq(t, "Jürgen");
    g_free(t);
    t = gos_text_clean("abcdef", 3);
    ck_assert_str_eq(t, "abc");
    g_free(t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("inventory");
    TCase *tc = tcase_create("test-driver");
    tcase_set_timeout(tc, 120);   /* ASan on a loaded two-core machine */
    tcase_add_test(tc, test_default_driver);
    tcase_add_test(tc, test_fleet_states_and_channels);
    tcase_add_test(tc, test_lifecycle_event_updates);
    tcase_add_test(tc, test_view_filter_sort_marks);
    tcase_add_test(tc, test_bad_uri);
    tcase_add_test(tc, test_reconnect_events_once);
    tcase_add_test(tc, test_lanes_independent);
    tcase_add_test(tc, test_sanitize);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
