/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Benchmark of the audit store: fills it through gos_audit_append, then times review, export and verify. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#include "db/audit.h"
#include "db/audit_priv.h"

/*
 * The workload, modelled on a console driving a fleet:
 *   4 hosts, 2000 VMs, 25 operators; a task submitted every 30 s on average
 *   (1,000,000 tasks span about a year); 8 tasks in flight at once, so their
 *   events interleave in the log as they do in real use.
 *   70% succeed:             submitted, started, 3 progress, completed   (6 events)
 *   20% fail in a phase:     submitted, started, 1 progress, completed
 *                            with a task error (VM_E_TIMED_OUT)         (4 events)
 *   10% are refused at call: submitted, completed with a call HRESULT
 *                            (VM_E_VM_NOT_RUNNING)                      (2 events)
 *   = 5.2 events per task.
 *
 * Every event goes through gos_audit_append (hash chain, trigger, indexes).
 * The bulk fill wraps BATCH events in one outer transaction (each append is
 * a savepoint inside it), because one fsync per event would take hours at
 * this size; the rate of the real path, one IMMEDIATE transaction and one
 * synchronous=FULL commit per event, is measured first on a smaller store.
 */

#define N_HOSTS 4
#define N_VMS 2000
#define N_USERS 25
#define IN_FLIGHT 8
#define BATCH 10000
#define SPACING_MS 30000

static const char *const hosts[N_HOSTS] = {
    "qemu:///system", "qemu+ssh://kvm-a.example/system",
    "qemu+ssh://kvm-b.example/system", "qemu+ssh://kvm-c.example/system",
};

typedef struct {
    int64_t n;                   /* task number */
    int kind;                    /* 0 success, 1 phase failure, 2 refused */
    int step, steps;
    int64_t t0;
    char id[40], vm[16], uuid[40], user[16], bob[8];
    const char *users[4];        /* alice, bobN, svc-backup */
} flight;

static double now_s(void)
{
    return (double)g_get_monotonic_time() / 1e6;
}

static long peak_rss_kb(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* Resident memory now (peak RSS only ever grows, and the fill sets it). */
static long rss_now_kb(void)
{
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");

    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
            resident = 0;
        fclose(f);
    }
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* Drops the store's files from the page cache, so that the next read comes
 * from the disk: a cold start without root (drop_caches) and without touching
 * anything but these files. */
static void drop_cache(const char *path)
{
    const char *const suffix[] = { "", "-wal", "-shm" };

    for (size_t i = 0; i < G_N_ELEMENTS(suffix); i++) {
        char *p = g_strconcat(path, suffix[i], NULL);
        int fd = open(p, O_RDONLY | O_CLOEXEC);

        if (fd >= 0) {
            fdatasync(fd);
            posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
            close(fd);
        }
        g_free(p);
    }
}

static void die(const char *what, char *err)
{
    fprintf(stderr, "bench_audit: %s: %s\n", what, err ? err : "?");
    exit(2);
}

static void vm_uuid(int vm, char buf[40])
{
    g_snprintf(buf, 40, "%08x-0000-4000-8000-%012x", (unsigned)vm * 2654435761u, (unsigned)vm);
}

static void flight_start(flight *f, int64_t n, int64_t base)
{
    uint32_t h = (uint32_t)(n * 2654435761u);
    int vm = (int)(h % N_VMS);

    f->n = n;
    f->kind = h % 10 < 7 ? 0 : h % 10 < 9 ? 1 : 2;
    f->steps = f->kind == 0 ? 6 : f->kind == 1 ? 4 : 2;
    f->step = 0;
    f->t0 = base + n * SPACING_MS;
    g_snprintf(f->id, sizeof f->id, "%08x-%04x-4%03x-8%03x-%012llx", (unsigned)(n * 7919u),
               (unsigned)(n & 0xffff), (unsigned)(h & 0xfff), (unsigned)((h >> 12) & 0xfff),
               (unsigned long long)n);
    g_snprintf(f->vm, sizeof f->vm, "vm-%04d", vm);
    vm_uuid(vm, f->uuid);
    g_snprintf(f->user, sizeof f->user, "op%02d", (int)((h >> 8) % N_USERS));
    g_snprintf(f->bob, sizeof f->bob, "bob%d", (int)(h % 7));
    f->users[0] = "alice";
    f->users[1] = f->bob;
    f->users[2] = "svc-backup";
    f->users[3] = NULL;
}

/* Appends the flight's next event; returns true when the task has ended. */
static bool flight_step(gos_audit *a, flight *f)
{
    static const char *const phases[] = { "resolve", "logoff", "verify" };
    static const char *const none[] = { NULL }, *const bob2[] = { "bob2", NULL };
    gos_audit_event e = {
        .task_id = f->id, .op_uid = 1000, .op_user = f->user, .op_tty = "pts/3",
        .op_ssh = "192.0.2.10 50122 192.0.2.1 22", .op_pid = 4242, .origin = "interactive",
        .host = hosts[f->n % N_HOSTS], .vm_uuid = f->uuid, .vm_name = f->vm, .action = "logoff",
        .percent = -1, .task_result = GOS_RESULT_NONE,
    };
    char *err = NULL;
    bool last = f->step == f->steps - 1;

    e.ts_ms = f->t0 + f->step * 700;
    if (f->step == 0) {
        e.kind = GOS_AUDIT_SUBMITTED;
        e.has_call_hr = true;
        e.call_hr = f->kind == 2 ? 0xA0040206u : 0;
    } else if (last) {
        e.kind = GOS_AUDIT_COMPLETED;
        e.percent = 100;
        if (f->kind == 0) {
            e.task_result = 0;
            e.users_after = none;
            e.message = "All users were logged off.";
        } else if (f->kind == 1) {
            e.task_result = 6;
            e.has_task_error = true;
            e.task_error = 0xA0040202u;
            e.virt_code = 86;
            e.users_after = bob2;
            e.message = "Guest agent is not responding: QEMU guest agent is not connected";
        } else {
            e.task_result = 2;
            e.message = "The virtual machine is shut off.";
        }
    } else if (f->step == 1) {
        e.kind = GOS_AUDIT_STARTED;
        e.users_before = f->users;
    } else {
        e.kind = GOS_AUDIT_PROGRESS;
        e.phase = phases[f->step - 2];
        e.percent = 25 * (f->step - 1);
    }
    if (gos_audit_append(a, &e, NULL, &err) != 0)
        die("append", err);
    f->step++;
    return last;
}

/* Appends `tasks` tasks (numbered from first) with IN_FLIGHT interleaved;
 * batch > 0 wraps that many events in one outer transaction. Returns events. */
static int64_t fill(gos_audit *a, int64_t first, int64_t tasks, int64_t base, int batch)
{
    flight f[IN_FLIGHT];
    int64_t next = first, end = first + tasks, events = 0;
    int active = 0, in_batch = 0;
    char *err = NULL;

    for (; active < IN_FLIGHT && next < end; active++)
        flight_start(&f[active], next++, base);
    if (batch && gos_audit_batch_begin(a, &err) != 0)
        die("begin", err);
    for (int i = 0; active > 0; i = active ? (i + 1) % active : 0) {
        bool done = flight_step(a, &f[i]);

        events++;
        if (batch && ++in_batch == batch) {
            if (gos_audit_batch_commit(a, &err) != 0 || gos_audit_batch_begin(a, &err) != 0)
                die("commit", err);
            in_batch = 0;
        }
        if (done) {
            if (next < end)
                flight_start(&f[i], next++, base);
            else
                f[i] = f[--active];
        }
    }
    if (batch && gos_audit_batch_commit(a, &err) != 0)
        die("commit", err);
    return events;
}

static int count_cb(const gos_audit_task *t, void *opaque)
{
    (void)t;
    (*(int *)opaque)++;
    return 0;
}

/* Time of one gos_audit_query, in ms; *found receives how many tasks came. */
static double time_query(gos_audit *a, const gos_audit_filter *f, size_t limit, int *found)
{
    double t0 = now_s();
    char *err = NULL;

    *found = 0;
    if (gos_audit_query(a, f, 0, limit, count_cb, found, &err) != 0)
        die("query", err);
    return (now_s() - t0) * 1000;
}

static double median5(gos_audit *a, const gos_audit_filter *f, size_t limit, int *found)
{
    double t[5], tmp;

    for (int i = 0; i < 5; i++)
        t[i] = time_query(a, f, limit, found);
    for (int i = 0; i < 5; i++)
        for (int j = i + 1; j < 5; j++)
            if (t[j] < t[i]) {
                tmp = t[i];
                t[i] = t[j];
                t[j] = tmp;
            }
    return t[2];
}

static void export_to_null(gos_audit *a, gos_audit_format fmt, const char *name, int64_t tasks)
{
    FILE *out = fopen("/dev/null", "w");
    char *err = NULL;
    double t0 = now_s(), dt;

    if (!out)
        die("/dev/null", g_strdup(g_strerror(errno)));
    setvbuf(out, NULL, _IOFBF, 1 << 16);
    if (gos_audit_export(a, NULL, fmt, out, &err) != 0)
        die("export", err);
    fclose(out);
    dt = now_s() - t0;
    printf("export %-5s     %10.0f tasks/s   (%lld tasks in %.2f s; peak RSS %ld KiB)\n", name,
           (double)tasks / dt, (long long)tasks, dt, peak_rss_kb());
}

static void usage(void)
{
    fprintf(stderr, "usage: bench_audit [TASKS] [--real TASKS] [--path FILE] [--keep] [--reuse]\n"
                    "  TASKS        tasks to fill (default 1000000)\n"
                    "  --real N     tasks for the one-commit-per-event rate (default 400)\n"
                    "  --path FILE  database to fill (default: a new temporary folder)\n"
                    "  --keep       leave the database in place\n"
                    "  --reuse      time the review of the database at --path (kept by an\n"
                    "               earlier run of TASKS tasks), without filling it\n");
    exit(2);
}

int main(int argc, char **argv)
{
    int64_t tasks = 1000000, real = 400, events;
    const char *path = NULL;
    char *dir = NULL, *real_path, *err = NULL, *owned = NULL, uuid[40];
    bool keep = false, reuse = false;
    gos_audit *a = NULL;
    gos_audit_verify_report rep;
    gos_audit_filter f;
    struct stat sb;
    double t0, dt;
    int found;
    int64_t base = 1704067200000;   /* 2024-01-01T00:00:00Z */

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--keep") == 0)
            keep = true;
        else if (strcmp(argv[i], "--reuse") == 0)
            reuse = keep = true;
        else if (strcmp(argv[i], "--path") == 0 && i + 1 < argc)
            path = argv[++i];
        else if (strcmp(argv[i], "--real") == 0 && i + 1 < argc)
            real = g_ascii_strtoll(argv[++i], NULL, 10);
        else if (g_ascii_isdigit(argv[i][0]))
            tasks = g_ascii_strtoll(argv[i], NULL, 10);
        else
            usage();
    }
    if (tasks <= 0 || real < 0 || (reuse && !path))
        usage();
    dir = g_dir_make_tmp("gos-bench-XXXXXX", NULL);
    if (!dir)
        die("temporary folder", g_strdup(g_strerror(errno)));
    if (!path)
        path = owned = g_build_filename(dir, "audit.db", NULL);
    real_path = g_build_filename(dir, "real.db", NULL);
    printf("workload: 70%% 6-event, 20%% 4-event, 10%% 2-event tasks (5.2 events/task), "
           "%d in flight, %d VMs, %d hosts\n", IN_FLIGHT, N_VMS, N_HOSTS);

    /* 1. The real path: one IMMEDIATE transaction and one FULL commit per event. */
    if (real > 0 && !reuse) {
        if (gos_audit_open(real_path, &a, &err) != 0)
            die("open", err);
        t0 = now_s();
        events = fill(a, 0, real, base, 0);
        dt = now_s() - t0;
        printf("append, 1 commit/event  %8.0f events/s (%lld events in %.2f s, synchronous=FULL)\n",
               (double)events / dt, (long long)events, dt);
        gos_audit_free(a);
    }

    /* 2. The bulk fill. */
    if (gos_audit_open(path, &a, &err) != 0)
        die("open", err);
    if (!reuse) {
        t0 = now_s();
        events = fill(a, 0, tasks, base, BATCH);
        dt = now_s() - t0;
        printf("append, batched %-6d  %8.0f events/s %8.0f tasks/s (%lld events, %lld tasks in %.1f s)\n",
               BATCH, (double)events / dt, (double)tasks / dt, (long long)events, (long long)tasks, dt);
        printf("                         peak RSS %ld KiB\n", peak_rss_kb());
    } else {
        /* A kept file may be out of the page cache: read it once, so that
         * the warm figures are warm as after a fill. */
        FILE *warm = fopen(path, "rb");
        static char chunk[1 << 20];

        while (warm && fread(chunk, 1, sizeof chunk, warm) == sizeof chunk)
            ;
        if (warm)
            fclose(warm);
        events = tasks * 52 / 10;
    }
    gos_audit_free(a);
    a = NULL;
    if (stat(path, &sb) == 0)
        printf("database size            %.1f MiB (%.0f bytes/event)\n", sb.st_size / 1048576.0,
               (double)sb.st_size / (double)events);

    /* 3. The audit view's open: open the store and fetch the first page. */
    t0 = now_s();
    if (gos_audit_open(path, &a, &err) != 0)
        die("open", err);
    dt = time_query(a, NULL, 50, &found);
    printf("open + first page of 50  %8.2f ms (query alone %.2f ms, %d tasks)\n",
           (now_s() - t0) * 1000, dt, found);

    /* 4. Filtered queries, first page of 50 (the median of 5). */
    long rss_before = rss_now_kb();
    memset(&f, 0, sizeof f);
    f.vm = "vm-0123";
    f.since_ms = base + tasks * SPACING_MS * 3 / 10;
    f.until_ms = base + tasks * SPACING_MS * 7 / 10;
    dt = median5(a, &f, 50, &found);
    printf("query VM + time range    %8.2f ms (%d tasks; middle 40%% of the log)\n", dt, found);
    vm_uuid(123, uuid);
    f.vm = uuid;
    dt = median5(a, &f, 50, &found);
    printf("query UUID + time range  %8.2f ms (%d tasks)\n", dt, found);
    memset(&f, 0, sizeof f);
    f.since_ms = base + tasks * SPACING_MS / 10;
    f.until_ms = base + tasks * SPACING_MS / 10 + 86400000;
    dt = median5(a, &f, 50, &found);
    printf("query one old day        %8.2f ms (%d tasks; time alone: the keys of that day, by tasks_submitted)\n",
           dt, found);
    dt = median5(a, &f, 0, &found);
    printf("query one old day, all   %8.2f ms (%d tasks)\n", dt, found);
    memset(&f, 0, sizeof f);
    f.op_user = "op07";
    f.has_hresult = true;
    f.hresult = 0xA0040202u;
    dt = median5(a, &f, 50, &found);
    printf("query operator + HRESULT %8.2f ms (%d tasks)\n", dt, found);
    memset(&f, 0, sizeof f);
    f.text = "no such text";
    dt = median5(a, &f, 50, &found);
    printf("query text, no match     %8.2f ms (%d tasks; the trigram index)\n", dt, found);
    f.text = "vm-1234";
    dt = median5(a, &f, 50, &found);
    printf("query text, a VM name    %8.2f ms (%d tasks)\n", dt, found);
    f.text = "bob3";
    dt = median5(a, &f, 50, &found);
    printf("query text, a user       %8.2f ms (%d tasks; one task in 7 has the user)\n", dt, found);
    f.text = "not responding";
    dt = median5(a, &f, 50, &found);
    printf("query text, a message    %8.2f ms (%d tasks)\n", dt, found);
    f.text = "vm-0999";
    f.since_ms = base + tasks * SPACING_MS / 10;
    f.until_ms = base + tasks * SPACING_MS / 10 + 86400000;
    dt = median5(a, &f, 50, &found);
    printf("query text + one old day %8.2f ms (%d tasks)\n", dt, found);
    f.text = "zq";
    f.since_ms = f.until_ms = 0;
    dt = time_query(a, &f, 50, &found);
    printf("query text of 2 chars    %8.2f ms (%d tasks; too short for trigrams: a full scan)\n", dt, found);
    printf("RSS after the queries    %ld KiB (before them %ld KiB)\n", rss_now_kb(), rss_before);

    /* 5. Export. */
    export_to_null(a, GOS_AUDIT_CSV, "csv", tasks);
    export_to_null(a, GOS_AUDIT_JSON, "json", tasks);
    export_to_null(a, GOS_AUDIT_TABLE, "table", tasks);

    /* 6. Verify the whole chain. */
    t0 = now_s();
    if (gos_audit_verify(a, &rep, &err) != 0)
        die("verify", err);
    dt = now_s() - t0;
    printf("verify                   %8.0f events/s (%lld events in %.2f s, %s)\n",
           (double)rep.rows / dt, (long long)rep.rows, dt, rep.ok ? "ok" : rep.reason);
    printf("peak RSS                 %ld KiB\n", peak_rss_kb());
    gos_audit_free(a);

    /* 7. Cold: the store's pages dropped from the page cache, a new handle
     * (last, since it leaves the file out of the cache). */
    drop_cache(path);
    t0 = now_s();
    if (gos_audit_open(path, &a, &err) != 0)
        die("open", err);
    memset(&f, 0, sizeof f);
    f.since_ms = base + tasks * SPACING_MS / 5;
    f.until_ms = base + tasks * SPACING_MS / 5 + 86400000;
    dt = time_query(a, &f, 50, &found);
    printf("cold: open + one old day %8.2f ms (query alone %.2f ms, %d tasks)\n", (now_s() - t0) * 1000, dt, found);
    gos_audit_free(a);
    drop_cache(path);
    if (gos_audit_open(path, &a, &err) != 0)
        die("open", err);
    memset(&f, 0, sizeof f);
    f.text = "vm-1717";
    dt = time_query(a, &f, 50, &found);
    printf("cold: text, a VM name    %8.2f ms (%d tasks)\n", dt, found);
    gos_audit_free(a);

    if (!keep) {
        char *wal = g_strconcat(path, "-wal", NULL), *shm = g_strconcat(path, "-shm", NULL);

        unlink(path);
        unlink(wal);
        unlink(shm);
        g_free(wal);
        g_free(shm);
    } else {
        printf("kept %s\n", path);
    }
    unlink(real_path);
    if (!(keep && owned))
        rmdir(dir);
    g_free(real_path);
    g_free(owned);
    g_free(dir);
    free(rep.reason);
    return rep.ok ? 0 : 1;
}
