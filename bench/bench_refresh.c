/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Benchmark of what a refresh costs: libvirt round trips (counted by bench/rtt_proxy) and time, per host listed. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "core/session.h"

/*
 * Opens a session on the URIs (reached through bench/rtt_proxy), waits
 * until their listings, channel reads and agent probes are done, then
 * refreshes N times, each time until idle again, and prints the calls the
 * proxy counted and the time for the first listing and for each refresh.
 * On an unchanged host a refresh is its bulk listing: the same few calls
 * whatever the number of VMs.
 *
 *   bench_refresh CONTROL.sock N URI...
 */

static double now_ms(void) { return (double)g_get_monotonic_time() / 1000.0; }

/* The proxy's count of calls so far ("calls=N ..." on its control socket). */
static long proxy_calls(const char *ctl)
{
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    g_strlcpy(sa.sun_path, ctl, sizeof sa.sun_path);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        perror(ctl);
        exit(2);
    }
    if (write(fd, "stats\n", 6) != 6)
        exit(2);
    shutdown(fd, SHUT_WR);
    char buf[512] = { 0 };
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    const char *p = n > 0 ? strstr(buf, "calls=") : NULL;
    return p ? strtol(p + 6, NULL, 10) : -1;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: bench_refresh CONTROL.sock REFRESHES URI...\n");
        return 2;
    }
    const char *ctl = argv[1];
    int refreshes = atoi(argv[2]);
    char *dir = g_dir_make_tmp("bench-refresh-XXXXXX", NULL);
    char *db = g_build_filename(dir, "audit.db", NULL);
    gos_session_opts o = { .uris = (const char *const *)argv + 3, .n_uris = (size_t)(argc - 3), .audit_path = db,
                           .origin = "bench" };
    gos_session *s = NULL;
    char *err = NULL;
    if (gos_session_new(&o, &s, &err) < 0) {
        fprintf(stderr, "bench_refresh: %s\n", err);
        return 2;
    }
    long c0 = proxy_calls(ctl);
    double t0 = now_ms();
    if (gos_session_connect(s, true, &err) < 0) {
        fprintf(stderr, "bench_refresh: %s\n", err);
        return 2;
    }
    double t1 = now_ms();
    long c1 = proxy_calls(ctl);
    if (!gos_session_wait_idle(s, 600000)) {
        fprintf(stderr, "bench_refresh: the session did not settle\n");
        return 2;
    }
    double t2 = now_ms();
    long c2 = proxy_calls(ctl);
    size_t vms = gos_inventory_count(gos_session_inventory(s));

    double tr = now_ms();
    for (int i = 0; i < refreshes; i++) {
        gos_session_refresh(s);
        gos_session_wait_idle(s, 600000);
    }
    double dt = now_ms() - tr;
    long c3 = proxy_calls(ctl);
    printf("vms=%zu connect_list_calls=%ld connect_list_ms=%.0f per_domain_calls=%ld per_domain_ms=%.0f "
           "refresh_calls=%.1f refresh_ms=%.1f\n",
           vms, c1 - c0, t1 - t0, c2 - c1, t2 - t1, refreshes ? (double)(c3 - c2) / refreshes : 0.0,
           refreshes ? dt / refreshes : 0.0);
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
