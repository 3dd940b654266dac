/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Benchmark of the real console in a pseudo-terminal: key-to-screen time, bytes per update, idle bytes, RSS. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

/*
 * Starts the real guestos in a pseudo-terminal it owns (xterm-256color,
 * 80x24 unless --size), on a test-driver fleet of --vms VMs (10,000; written
 * by tests/gen-fleet.sh) and reads everything it writes to the terminal:
 *
 *  (b) key to screen: for each key, the time from write() to the pty until
 *      its output has settled (no byte for QUIET_MS; the time is to the last
 *      byte), over cursor-down/up, page-down/up and searches; median and p95;
 *      and the same cursor keys while agent answers stream in (F5 probes
 *      every agent again; bench/slow_agent.so makes each answer take
 *      --agent-ms, as real agents do), with the CPU the console's thread spent;
 *  (a) bytes per update while logoff tasks run: tasks are made slow with
 *      tests/slow_libvirt.so (virDomainGetState sleeps), and the output is cut
 *      into updates at gaps of GAP_MS; then the bytes of an idle minute, and
 *      how often the console's thread woke meanwhile;
 *  the RSS of guestos after start and at the end.
 *
 *   bench_tty [--guestos PATH] [--vms N] [--size COLSxROWS] [--keys N] [--idle SECONDS]
 *             [--slow-ms MS] [--agent-ms MS]
 */

#define QUIET_MS 40
#define GAP_MS 150

static int master = -1;
static pid_t child = -1;
static GByteArray *seen;          /* everything read so far, for waiting on text */

static double now_ms(void) { return (double)g_get_monotonic_time() / 1000.0; }

/* Reads what is there within timeout_ms; returns bytes read, -1 at EOF. */
static long pump(int timeout_ms, double *last_byte)
{
    struct pollfd p = { .fd = master, .events = POLLIN };
    int r = poll(&p, 1, timeout_ms);
    if (r <= 0)
        return 0;
    char buf[65536];
    ssize_t n = read(master, buf, sizeof buf);
    if (n <= 0)
        return -1;
    if (last_byte)
        *last_byte = now_ms();
    g_byte_array_append(seen, (guint8 *)buf, (guint)n);
    return n;
}

/* Reads until nothing came for quiet_ms (or max_ms passed). Returns the
 * bytes read; *last_byte the time of the last one (unchanged when none). */
static long settle(int quiet_ms, int max_ms, double *last_byte)
{
    double end = now_ms() + max_ms;
    long total = 0;
    for (;;) {
        long n = pump(quiet_ms, last_byte);
        if (n < 0)
            return total ? total : -1;
        if (n == 0 || now_ms() > end)
            return total;
        total += n;
    }
}

static bool seen_text(const char *text, size_t from)
{
    if (seen->len <= from)
        return false;
    return g_strstr_len((const char *)seen->data + from, (gssize)(seen->len - from), text) != NULL;
}

static void send_keys(const char *keys)
{
    size_t len = strlen(keys);
    while (len) {
        ssize_t n = write(master, keys, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            perror("bench_tty: write to the pty");
            exit(1);
        }
        keys += n;
        len -= (size_t)n;
    }
}

static long rss_kb(const char *field)
{
    char *path = g_strdup_printf("/proc/%d/status", (int)child), *text = NULL;
    long kb = -1;
    if (g_file_get_contents(path, &text, NULL, NULL)) {
        const char *p = strstr(text, field);
        if (p)
            kb = strtol(p + strlen(field) + 1, NULL, 10);
    }
    g_free(text);
    g_free(path);
    return kb;
}

/* CPU time (user + system) of the console's own thread, the main one, in ms. */
static double ui_cpu_ms(void)
{
    char *path = g_strdup_printf("/proc/%d/task/%d/stat", (int)child, (int)child), *text = NULL;
    double ms = -1;
    if (g_file_get_contents(path, &text, NULL, NULL)) {
        const char *p = strrchr(text, ')');   /* the command name may hold blanks */
        unsigned long long ut = 0, st = 0;
        if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) == 2)
            ms = (double)(ut + st) * 1000.0 / (double)sysconf(_SC_CLK_TCK);
    }
    g_free(text);
    g_free(path);
    return ms;
}

/* Voluntary context switches of the console's main thread: each is a sleep it woke from. */
static long ui_wakeups(void)
{
    char *path = g_strdup_printf("/proc/%d/task/%d/status", (int)child, (int)child), *text = NULL;
    long n = -1;
    if (g_file_get_contents(path, &text, NULL, NULL)) {
        const char *p = strstr(text, "\nvoluntary_ctxt_switches:");
        if (p)
            n = strtol(p + strlen("\nvoluntary_ctxt_switches:"), NULL, 10);
    }
    g_free(text);
    g_free(path);
    return n;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct {
    const char *name;
    GArray *ms;       /* double */
    GArray *bytes;    /* long */
} series;

static void series_init(series *s, const char *name)
{
    s->name = name;
    s->ms = g_array_new(FALSE, FALSE, sizeof(double));
    s->bytes = g_array_new(FALSE, FALSE, sizeof(long));
}

/* One key: output settled before, write, time to the last byte of the answer. */
static void measure_key(series *s, const char *key)
{
    settle(QUIET_MS, 2000, NULL);
    double t0 = now_ms(), last = t0;
    send_keys(key);
    long n = settle(QUIET_MS, 10000, &last);
    double dt = n > 0 ? last - t0 : 0;
    g_array_append_val(s->ms, dt);
    g_array_append_val(s->bytes, n);
}

static void series_print(series *s)
{
    guint n = s->ms->len;
    if (!n)
        return;
    double *v = g_new(double, n);
    memcpy(v, s->ms->data, n * sizeof(double));
    qsort(v, n, sizeof *v, cmp_double);
    long bytes = 0;
    for (guint i = 0; i < n; i++)
        bytes += g_array_index(s->bytes, long, i);
    printf("  %-28s n=%-4u median %7.2f ms   p95 %7.2f ms   max %7.2f ms   %6.0f bytes/key\n", s->name, n,
           v[n / 2], v[(size_t)(n * 0.95) < n ? (size_t)(n * 0.95) : n - 1], v[n - 1], (double)bytes / n);
    g_free(v);
}

/* Cuts the output of a period into updates separated by GAP_MS of silence;
 * sizes and starts (ms after the period began) in step. */
static void measure_updates(double seconds, GArray *sizes, GArray *starts, long *total)
{
    double t0 = now_ms(), end = t0 + seconds * 1000.0, last = 0;
    long cur = 0;
    *total = 0;
    while (now_ms() < end) {
        double before = last;
        long n = pump(50, &last);
        if (n < 0)
            break;
        if (n == 0)
            continue;
        if (cur && before && last - before > GAP_MS) {
            g_array_append_val(sizes, cur);
            cur = 0;
        }
        if (!cur) {
            double at = last - t0;
            g_array_append_val(starts, at);
        }
        cur += n;
        *total += n;
    }
    if (cur)
        g_array_append_val(sizes, cur);
}

static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

static void usage(void)
{
    fprintf(stderr, "usage: bench_tty [--guestos PATH] [--vms N] [--size COLSxROWS] [--keys N] [--idle SECONDS]\n"
                    "                 [--slow-ms MS] [--agent-ms MS]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *guestos = BUILDDIR "/guestos", *preload = BUILDDIR "/tests/slow_libvirt.so";
    const char *agent_preload = BUILDDIR "/bench/slow_agent.so";
    int vms = 10000, cols = 80, rows = 24, keys = 200, idle_s = 60, slow_ms = 3000, agent_ms = 10;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--guestos") && i + 1 < argc)
            guestos = argv[++i];
        else if (!strcmp(argv[i], "--vms") && i + 1 < argc)
            vms = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--size") && i + 1 < argc && sscanf(argv[i + 1], "%dx%d", &cols, &rows) == 2)
            i++;
        else if (!strcmp(argv[i], "--keys") && i + 1 < argc)
            keys = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--idle") && i + 1 < argc)
            idle_s = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--slow-ms") && i + 1 < argc)
            slow_ms = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--agent-ms") && i + 1 < argc)
            agent_ms = atoi(argv[++i]);
        else
            usage();
    }
    if (access(guestos, X_OK) != 0) {
        fprintf(stderr, "bench_tty: %s is not an executable guestos (--guestos PATH)\n", guestos);
        return 2;
    }
    bool slow = access(preload, R_OK) == 0, slow_agent = agent_ms > 0 && access(agent_preload, R_OK) == 0;
    seen = g_byte_array_new();

    /* The fleet, from the generator the tests use. */
    char *dir = g_dir_make_tmp("bench-tty-XXXXXX", NULL);
    char *fleet = g_build_filename(dir, "fleet.xml", NULL), *db = g_build_filename(dir, "audit.db", NULL);
    char *cmd = g_strdup_printf("sh '%s/tests/gen-fleet.sh' %d > '%s'", SRCDIR, vms, fleet);
    if (system(cmd) != 0) {
        fprintf(stderr, "bench_tty: %s failed\n", cmd);
        return 2;
    }
    g_free(cmd);
    char *uri = g_strconcat("test://", fleet, NULL);

    struct winsize ws = { .ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols };
    double t_start = now_ms();
    child = forkpty(&master, NULL, NULL, &ws);
    if (child < 0) {
        perror("bench_tty: forkpty");
        return 2;
    }
    if (child == 0) {
        setenv("TERM", "xterm-256color", 1);
        setenv("LC_ALL", "C.UTF-8", 1);
        setenv("LANGUAGE", "C", 1);
        unsetenv("NO_COLOR");
        /* Only workers call libvirt: tasks and agent answers last, the console does not wait. */
        char *pre = g_strjoin(" ", slow ? preload : "", slow_agent ? agent_preload : "", NULL);
        setenv("LD_PRELOAD", g_strstrip(pre), 1);
        char ms[16];
        g_snprintf(ms, sizeof ms, "%d", slow_ms);
        setenv("GOS_TEST_SLOW_MS", ms, 1);
        g_snprintf(ms, sizeof ms, "%d", agent_ms);
        setenv("GOS_BENCH_AGENT_MS", ms, 1);
        setenv("ASAN_OPTIONS", "verify_asan_link_order=0", 1);
        /* Its own state folder: no view of an earlier run is restored, none is left behind. */
        setenv("XDG_STATE_HOME", dir, 1);
        execl(guestos, guestos, "-c", uri, "--audit-db", db, (char *)NULL);
        _exit(127);
    }

    /* Ready: the VMs are listed ("shut off" appears only in rows and totals)
     * and the probes of the agents have finished redrawing. */
    double ready_at = 0;
    while (!seen_text("shut off", 0) && now_ms() - t_start < 300000)
        if (pump(1000, NULL) < 0)
            break;
    ready_at = now_ms();
    settle(2000, 120000, NULL);
    double settled_at = now_ms() - 2000;
    size_t first_paint = seen->len;
    printf("guestos %s, %d VMs, %dx%d, TERM=xterm-256color\n", guestos, vms, cols, rows);
    printf("start to VM list            %8.0f ms   (settled after %.0f ms; %zu bytes written so far)\n",
           ready_at - t_start, settled_at - t_start, first_paint);
    printf("RSS after start             %8ld KiB  (peak %ld KiB)\n", rss_kb("VmRSS:"), rss_kb("VmHWM:"));

    /* (b) key to screen */
    printf("key to screen (write to last byte, settled = no byte for %d ms):\n", QUIET_MS);
    series down, up, pgdn, pgup, search, typed;
    series_init(&down, "cursor-down");
    series_init(&up, "cursor-up");
    series_init(&pgdn, "page-down");
    series_init(&pgup, "page-up");
    series_init(&typed, "search prompt, a key typed");
    series_init(&search, "search, Enter (web-0 ... )");
    for (int i = 0; i < keys / 2; i++)
        measure_key(&down, "\033OB");
    for (int i = 0; i < keys / 2; i++)
        measure_key(&up, "\033OA");
    for (int i = 0; i < keys / 4; i++)
        measure_key(&pgdn, "\033[6~");
    for (int i = 0; i < keys / 4; i++)
        measure_key(&pgup, "\033[5~");
    /* Searches that narrow and widen the view: "/" TEXT Enter, timed at Enter. */
    static const char *const texts[] = { "w", "we", "web", "web-", "web-0", "web-00", "web-001", "1", "" };
    for (int round = 0; round < keys / 40 + 1; round++) {
        for (size_t k = 0; k < G_N_ELEMENTS(texts); k++) {
            settle(QUIET_MS, 2000, NULL);
            send_keys("/");
            settle(QUIET_MS, 2000, NULL);
            for (const char *c = texts[k]; *c; c++) {
                char one[2] = { *c, 0 };
                measure_key(&typed, one);
            }
            measure_key(&search, "\r");
        }
    }
    series_print(&down);
    series_print(&up);
    series_print(&pgdn);
    series_print(&pgup);
    series_print(&typed);
    series_print(&search);

    /* Agent answers streaming in: F5 lists again and probes every agent,
     * each answer taking agent_ms on one of two probe threads. */
    int agents = 0;
    for (int i = 1; i <= vms; i++)
        agents += i % 3 == 0 && i % 7 <= 3;   /* running with a channel: tests/gen-fleet.sh's rules */
    if (slow_agent) {
        double storm_ms = agents * (double)agent_ms / 2.0 + 500.0;
        series sd;
        series_init(&sd, "cursor-down/up in the storm");
        settle(QUIET_MS, 2000, NULL);
        double cpu0 = ui_cpu_ms(), t0 = now_ms();
        send_keys("\033[15~");   /* F5 */
        for (int i = 0; now_ms() - t0 < storm_ms; i++)
            measure_key(&sd, i % 2 ? "\033OA" : "\033OB");
        double cpu = ui_cpu_ms() - cpu0, wall = now_ms() - t0;
        printf("agent answers streaming in (F5: %d agents probed again, %d ms each, 2 at a time):\n", agents,
               agent_ms);
        series_print(&sd);
        printf("  console thread CPU %.0f ms in %.0f ms (%.0f%% of a core)\n", cpu, wall, 100.0 * cpu / wall);
        settle(1000, (int)storm_ms + 30000, NULL);
    }

    /* (a) bytes per update while tasks run: mark 8 VMs, L, yes */
    settle(QUIET_MS, 2000, NULL);
    send_keys("\033OH");   /* Home */
    for (int i = 0; i < 8; i++) {
        send_keys(" ");
        settle(QUIET_MS, 2000, NULL);
    }
    send_keys("L");
    settle(200, 3000, NULL);
    /* The confirmation wants the word typed, then Enter. */
    send_keys("yes\r");
    double run_s = slow ? 2.0 * slow_ms / 1000.0 + 6.0 : 6.0;
    GArray *sizes = g_array_new(FALSE, FALSE, sizeof(long)), *starts = g_array_new(FALSE, FALSE, sizeof(double));
    long total = 0;
    measure_updates(run_s, sizes, starts, &total);
    printf("logoff of 8 VMs%s, %.0f s watched: %u updates, %ld bytes (%.0f bytes/s)\n",
           slow ? "" : " (no slow preload: tasks end at once)", run_s, sizes->len, total, total / run_s);
    printf("  each (ms after yes: bytes):");
    for (guint i = 0; i < sizes->len; i++)
        printf("%s %.0f: %ld", i ? "," : "", g_array_index(starts, double, i), g_array_index(sizes, long, i));
    printf("\n");
    if (sizes->len > 1) {
        /* the first update closes the dialog and repaints what it hid */
        long *rest = (long *)sizes->data + 1;
        guint nr = sizes->len - 1;
        qsort(rest, nr, sizeof(long), cmp_long);
        printf("  after the first: median %ld, min %ld, max %ld bytes per update\n", rest[nr / 2], rest[0], rest[nr - 1]);
    }

    /* idle: nothing runs, nothing is typed */
    settle(1000, 30000, NULL);
    long idle = 0, wake0 = ui_wakeups();
    double idle_end = now_ms() + idle_s * 1000.0;
    while (now_ms() < idle_end) {
        long n = pump(500, NULL);
        if (n < 0)
            break;
        idle += n;
    }
    printf("idle %d s                    %8ld bytes, %ld wakeups of the console thread\n", idle_s, idle,
           ui_wakeups() - wake0);
    printf("RSS at the end              %8ld KiB  (peak %ld KiB)\n", rss_kb("VmRSS:"), rss_kb("VmHWM:"));

    /* F10 quits; then the child is ours to reap. */
    send_keys("\033[21~");
    settle(200, 5000, NULL);
    int status = 0;
    for (int i = 0; i < 50 && waitpid(child, &status, WNOHANG) == 0; i++)
        g_usleep(100000);
    if (waitpid(child, &status, WNOHANG) == 0) {
        kill(child, SIGTERM);
        waitpid(child, &status, 0);
    }
    close(master);
    char *files[] = { db, NULL, NULL, fleet };
    files[1] = g_strconcat(db, "-wal", NULL);
    files[2] = g_strconcat(db, "-shm", NULL);
    for (int i = 0; i < 4; i++)
        g_unlink(files[i]);
    g_free(files[1]);
    g_free(files[2]);
    g_rmdir(dir);
    g_free(dir);
    g_free(db);
    g_free(fleet);
    g_free(uri);
    return 0;
}
