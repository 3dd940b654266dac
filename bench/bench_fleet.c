/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Benchmark of the session at fleet scale: connect and list, view rebuilds, cursor, marks, select, totals. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "core/session.h"
#if __has_include("core/session_priv.h")
#include "core/session_priv.h"
#define HAVE_SESSION_PRIV 1   /* absent from builds before the view cache: the bench still runs there */
#endif

/*
 * Runs the core of the console against a test-driver fleet (tests/gen-fleet.sh
 * writes one) without a terminal, and times what the console does on each
 * key: the draw of one screen of rows after a cursor move, view rebuilds on a
 * filter, sort or search change, marks, select and select-all, and the state
 * totals of the top line. Figures are wall-clock times on this machine.
 *
 *   bench_fleet test:///ABS/fleet.xml [ROWS]
 */

static double now_ms(void) { return (double)g_get_monotonic_time() / 1000.0; }

static long peak_rss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* What the VM list's draw asks of the session for one screen. */
static size_t draw_screen(gos_session *s, size_t rows)
{
    size_t n = gos_session_view_count(s), cur = gos_session_cursor(s), marked = 0;
    size_t top = cur >= rows ? cur - rows + 1 : 0;
    for (size_t i = top; i < top + rows && i < n; i++)
        marked += gos_session_is_marked(s, gos_session_view_at(s, i));
    size_t totals[GOS_VM_N_STATES];
    gos_session_state_totals(s, totals);
    return marked + gos_session_marked_count(s) + totals[GOS_VM_RUNNING];
}

static volatile size_t sink;

#define TIME(label, reps, body)                                                                    \
    do {                                                                                           \
        double t0_ = now_ms();                                                                     \
        for (long r_ = 0; r_ < (reps); r_++) {                                                     \
            body;                                                                                  \
        }                                                                                          \
        double dt_ = now_ms() - t0_;                                                               \
        printf("%-34s %10.3f ms  (%ld x, %.1f us each)\n", label, dt_, (long)(reps),               \
               dt_ * 1000.0 / (double)(reps));                                                     \
    } while (0)

static void set_filter(gos_session *s, const char *text)
{
    char **words = g_strsplit(text, " ", -1);
    int n = *text ? (int)g_strv_length(words) : 0;
    char *err = NULL;
    if (gos_session_set_filter(s, n, words, &err) < 0) {
        fprintf(stderr, "bench_fleet: %s\n", err);
        exit(2);
    }
    g_strfreev(words);
}

int main(int argc, char **argv)
{
    if (argc < 2 || strncmp(argv[1], "test://", 7)) {
        fprintf(stderr, "usage: bench_fleet test:///ABS/fleet.xml [ROWS]\n"
                        "       (tests/gen-fleet.sh 10000 > fleet.xml writes a fleet)\n");
        return 2;
    }
    size_t rows = argc > 2 ? (size_t)atoi(argv[2]) : 17;
    char *dir = g_dir_make_tmp("bench-fleet-XXXXXX", NULL);
    char *db = g_build_filename(dir, "audit.db", NULL);
    const char *uris[] = { argv[1] };
    gos_session_opts o = { .uris = uris, .n_uris = 1, .audit_path = db, .origin = "bench" };
    gos_session *s = NULL;
    char *err = NULL;
    if (gos_session_new(&o, &s, &err) < 0) {
        fprintf(stderr, "bench_fleet: %s\n", err);
        return 2;
    }

    double t0 = now_ms();
    if (gos_session_connect(s, true, &err) < 0) {
        fprintf(stderr, "bench_fleet: %s\n", err);
        return 2;
    }
    double t1 = now_ms();
    size_t total = gos_inventory_count(gos_session_inventory(s));
    printf("fleet: %zu VMs, screen of %zu rows\n", total, rows);
    printf("%-34s %10.3f ms\n", "connect + first listing", t1 - t0);
    /* The probes post one update each; the view follows every one. */
    size_t draws = 0;
    double tp = now_ms();
    while (!gos_session_wait_idle(s, 0)) {
        gos_session_wait_idle(s, 5);
        sink += draw_screen(s, rows);
        draws++;
    }
    printf("%-34s %10.3f ms  (%zu draws in between)\n", "agent probes until idle", now_ms() - tp, draws);

    TIME("first view", 1, sink += gos_session_view_count(s));
    TIME("draw, view unchanged", 1000, sink += draw_screen(s, rows));
    TIME("cursor-down + draw", 2000, { gos_session_move_cursor(s, 1); sink += draw_screen(s, rows); });
    TIME("page-down + draw", 200, { gos_session_page(s, 1); sink += draw_screen(s, rows); });
    TIME("cursor-home + draw", 100, { gos_session_cursor_to(s, 0); sink += draw_screen(s, rows); });
    TIME("state totals", 1000, {
        size_t t[GOS_VM_N_STATES];
        gos_session_state_totals(s, t);
        sink += t[1];
    });
    TIME("is_marked, whole view", 10, {
        size_t n = gos_session_view_count(s);
        for (size_t i = 0; i < n; i++)
            sink += gos_session_is_marked(s, gos_session_view_at(s, i));
    });

    static const char *const sorts[] = { "host", "state", "agent", "users", "name" };
    for (size_t k = 0; k < G_N_ELEMENTS(sorts); k++) {
        char label[64];
        g_snprintf(label, sizeof label, "sort %s + draw", sorts[k]);
        TIME(label, 1, { gos_session_set_sort(s, gos_sort_parse(sorts[k]), false); sink += draw_screen(s, rows); });
        g_snprintf(label, sizeof label, "sort %s again (reverse) + draw", sorts[k]);
        TIME(label, 2, {
            bool desc = false;
            gos_sort key = gos_session_sort(s, &desc);
            gos_session_set_sort(s, key, !desc);
            sink += draw_screen(s, rows);
        });
    }
    TIME("filter state=running + draw", 5, { set_filter(s, "state=running"); sink += draw_screen(s, rows); });
    printf("  (%zu VMs shown)\n", gos_session_view_count(s));
    TIME("filter name=web* + draw", 5, { set_filter(s, "name=web*"); sink += draw_screen(s, rows); });
    TIME("filter cleared + draw", 5, { set_filter(s, ""); sink += draw_screen(s, rows); });

    static const char *const typed[] = { "w", "we", "web", "web-", "web-0", "web-00", "web-001" };
    double ts = now_ms();
    for (size_t k = 0; k < G_N_ELEMENTS(typed); k++) {
        double a = now_ms();
        gos_session_set_search(s, typed[k]);
        gos_session_cursor_to(s, 0);
        sink += draw_screen(s, rows);
        printf("  search \"%s\"%*s %8.3f ms  (%zu shown)\n", typed[k], (int)(10 - strlen(typed[k])), "",
               now_ms() - a, gos_session_view_count(s));
    }
    printf("%-34s %10.3f ms  (%zu keys)\n", "incremental search, typed", now_ms() - ts, G_N_ELEMENTS(typed));
    ts = now_ms();
    for (size_t k = G_N_ELEMENTS(typed) - 1; k-- > 0;) {
        gos_session_set_search(s, typed[k]);
        gos_session_cursor_to(s, 0);
        sink += draw_screen(s, rows);
    }
    gos_session_set_search(s, NULL);
    sink += draw_screen(s, rows);
    printf("%-34s %10.3f ms  (%zu keys)\n", "search, backspaced to empty", now_ms() - ts, G_N_ELEMENTS(typed));

    size_t hits = 0;
    TIME("select web*", 1, hits = gos_session_select(s, "web*"));
    printf("  (%zu marked)\n", hits);
    TIME("draw with marks", 1000, sink += draw_screen(s, rows));
    TIME("unmark-all", 1, gos_session_mark_all(s, false));
    TIME("select-all (mark-all)", 1, gos_session_mark_all(s, true));
    printf("  (%zu marked)\n", gos_session_marked_count(s));
    size_t nt = 0;
    TIME("targets of logoff", 1, g_free(gos_session_targets(s, true, &nt)));
    printf("  (%zu targets)\n", nt);
    TIME("select-all again (already marked)", 1, gos_session_mark_all(s, true));
    TIME("unmark-all", 1, gos_session_mark_all(s, false));

    /* A probe result changes one VM's agent fields: the console redraws. */
    gos_inventory *inv = gos_session_inventory(s);
    size_t merges = 0;
    double tm = now_ms();
    for (size_t i = 0; i < total && merges < 2000; i++) {
        const gos_vm *vm = gos_inventory_at(inv, i);
        if (vm->state != GOS_VM_RUNNING)
            continue;
        gos_vm *p = gos_vm_dup(vm);
        p->heartbeat = GOS_HB_LOST;
        p->probed_ms = 1;
        gos_inventory_merge_agent(inv, p);
        gos_vm_free(p);
        sink += draw_screen(s, rows);
        merges++;
    }
    double dm = now_ms() - tm;
    printf("%-34s %10.3f ms  (%zu x, %.1f us each)\n", "agent update + draw (sort name)", dm, merges,
           dm * 1000.0 / (double)merges);
    gos_session_set_sort(s, GOS_SORT_AGENT, false);
    merges = 0;
    tm = now_ms();
    for (size_t i = 0; i < total && merges < 500; i++) {
        const gos_vm *vm = gos_inventory_at(inv, i);
        if (vm->state != GOS_VM_RUNNING)
            continue;
        gos_vm *p = gos_vm_dup(vm);
        p->heartbeat = GOS_HB_NO_CONTACT;
        gos_inventory_merge_agent(inv, p);
        gos_vm_free(p);
        sink += draw_screen(s, rows);
        merges++;
    }
    dm = now_ms() - tm;
    printf("%-34s %10.3f ms  (%zu x, %.1f us each)\n", "agent update + draw (sort agent)", dm, merges,
           dm * 1000.0 / (double)merges);
#ifdef HAVE_SESSION_PRIV
    /* The same answers as the console gets them: through the bus and the
     * pump, which moves the one row instead of sorting again. */
    merges = 0;
    tm = now_ms();
    for (size_t i = 0; i < total && merges < 2000; i++) {
        const gos_vm *vm = gos_inventory_at(inv, i);
        if (vm->state != GOS_VM_RUNNING)
            continue;
        gos_vm *p = gos_vm_dup(vm);
        p->heartbeat = merges % 2 ? GOS_HB_OK : GOS_HB_DEGRADED;
        gos_session_post_agent(s, p);
        gos_session_pump(s);
        sink += draw_screen(s, rows);
        merges++;
    }
    dm = now_ms() - tm;
    printf("%-34s %10.3f ms  (%zu x, %.1f us each)\n", "agent answer via pump + draw (agent)", dm, merges,
           dm * 1000.0 / (double)merges);
#endif
    gos_session_set_sort(s, GOS_SORT_NAME, false);

    /* The same through the session, as the console sees it: a refresh probes
     * every agent again, and each result arrives as one update; the screen
     * is drawn after every pump, sorted by agent (the costly case). */
    gos_session_set_sort(s, GOS_SORT_AGENT, false);
    sink += draw_screen(s, rows);
    double tr = now_ms();
    gos_session_refresh(s);
    size_t pumps = 0;
    uint64_t seen = gos_inventory_generation(inv);
    for (;;) {
        bool idle = gos_session_wait_idle(s, 0);   /* pumps */
        if (gos_inventory_generation(inv) != seen) {
            seen = gos_inventory_generation(inv);
            sink += draw_screen(s, rows);
            pumps++;
        }
        if (idle)
            break;
        g_usleep(200);
    }
    sink += draw_screen(s, rows);
    printf("%-34s %10.3f ms  (%zu pumps drawn)\n", "refresh + probe results, sort agent", now_ms() - tr, pumps);
    gos_session_set_sort(s, GOS_SORT_NAME, false);
    sink += draw_screen(s, rows);
    printf("%-34s %10ld KiB\n", "peak RSS", peak_rss_kb());

    gos_session_free(s);
    g_unlink(db);
    char *wal = g_strconcat(db, "-wal", NULL), *shm = g_strconcat(db, "-shm", NULL);
    g_unlink(wal);
    g_unlink(shm);
    g_free(wal);
    g_free(shm);
    g_rmdir(dir);
    g_free(db);
    g_free(dir);
    return 0;
}
