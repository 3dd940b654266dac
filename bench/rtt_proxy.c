/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A latency-injecting proxy between libvirt clients and a libvirtd socket, counting the RPC calls that pass. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/*
 * Makes a local libvirtd look like one at the end of a real link: every
 * byte waits DELAY ms in each direction (a round trip costs 2 x DELAY),
 * order kept, bandwidth unbounded. It reads libvirt's RPC framing on the
 * way through and counts the calls clients make (every call is one round
 * trip), so a benchmark can say how many a listing costs without trusting
 * the program it measures.
 *
 *   rtt_proxy -l LISTEN.sock -t LIBVIRTD.sock -c CONTROL.sock [-d DELAY_MS]
 *   rtt_proxy -q CONTROL.sock stats|reset|cut|stall|resume
 *
 * The control socket answers one word a connection: "stats" (calls, replies,
 * events, connections, bytes), "reset" (counters to zero), "cut" (closes
 * every proxied connection, as a link that fails would), "stall" (stops
 * forwarding, as a host that hangs: connections stay open and silent) and
 * "resume".
 */

#define MAX_CONNS 1024
#define CHUNK 65536
#define MAX_QUEUED (64u << 20)   /* per direction, before reading stops */

typedef struct chunk {
    struct chunk *next;
    int64_t due_us;
    size_t len, off;
    unsigned char data[];
} chunk;

/* One direction of a connection: bytes read from `from` wait here until due. */
typedef struct {
    chunk *head, *tail;
    size_t queued;
    /* the RPC framing: a 4-byte length, then a 24-byte header */
    unsigned char hdr[28];
    size_t hdr_have;
    uint64_t body_left;
} pipe_dir;

typedef struct {
    int client, server;
    pipe_dir up, down;       /* up: client to server */
    bool used;
    bool eof;                /* a side closed: what it sent is delivered, then the pair closes */
} conn;

static conn conns[MAX_CONNS];
static int64_t delay_us = 10000;
static bool stalled;
static uint64_t n_calls, n_replies, n_events, n_conns, bytes_up, bytes_down;
static uint64_t proc_calls[512];

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void die(const char *what)
{
    fprintf(stderr, "rtt_proxy: %s: %s\n", what, strerror(errno));
    exit(2);
}

static int unix_listen(const char *path)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (fd < 0 || strlen(path) >= sizeof sa.sun_path)
        die(path);
    strcpy(sa.sun_path, path);
    unlink(path);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 256) < 0)
        die(path);
    return fd;
}

static int unix_connect(const char *path, bool nonblock)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (fd < 0 || strlen(path) >= sizeof sa.sun_path)
        return -1;
    strcpy(sa.sun_path, path);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        close(fd);
        return -1;
    }
    if (nonblock)
        fcntl(fd, F_SETFL, O_NONBLOCK);
    return fd;
}

static uint32_t be32(const unsigned char *p) { return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]; }

/* Counts the messages in data, which continues the stream of d. */
static void count(pipe_dir *d, const unsigned char *data, size_t len, bool up)
{
    while (len) {
        if (d->body_left) {
            size_t k = len < d->body_left ? len : (size_t)d->body_left;
            d->body_left -= k;
            data += k;
            len -= k;
            continue;
        }
        size_t k = sizeof d->hdr - d->hdr_have;
        if (k > len)
            k = len;
        memcpy(d->hdr + d->hdr_have, data, k);
        d->hdr_have += k;
        data += k;
        len -= k;
        if (d->hdr_have < sizeof d->hdr)
            continue;
        uint32_t total = be32(d->hdr), prog = be32(d->hdr + 4), proc = be32(d->hdr + 12), type = be32(d->hdr + 16);
        d->hdr_have = 0;
        d->body_left = total > sizeof d->hdr ? total - sizeof d->hdr : 0;
        /* 0 call, 4 call with fds; 1, 5 replies; 2 an event (or a keepalive) */
        if (up && (type == 0 || type == 4)) {
            n_calls++;
            if (prog == 0x20008086 && proc < sizeof proc_calls / sizeof *proc_calls)
                proc_calls[proc]++;
        } else if (!up && (type == 1 || type == 5)) {
            n_replies++;
        } else if (!up && type == 2 && prog != 0xEEF) {
            n_events++;
        }
    }
}

static void dir_clear(pipe_dir *d)
{
    while (d->head) {
        chunk *c = d->head;
        d->head = c->next;
        free(c);
    }
    memset(d, 0, sizeof *d);
}

static void conn_close(conn *c)
{
    close(c->client);
    close(c->server);
    dir_clear(&c->up);
    dir_clear(&c->down);
    c->used = false;
}

/* Reads what fd has into d; false when the peer closed or failed. */
static bool pull(int fd, pipe_dir *d, bool up)
{
    for (;;) {
        chunk *c = malloc(sizeof *c + CHUNK);
        if (!c)
            die("malloc");
        ssize_t n = read(fd, c->data, CHUNK);
        if (n <= 0) {
            free(c);
            return n < 0 && (errno == EAGAIN || errno == EINTR);
        }
        count(d, c->data, (size_t)n, up);
        if (up)
            bytes_up += (uint64_t)n;
        else
            bytes_down += (uint64_t)n;
        c->next = NULL;
        c->len = (size_t)n;
        c->off = 0;
        c->due_us = now_us() + delay_us;
        if (d->tail)
            d->tail->next = c;
        else
            d->head = c;
        d->tail = c;
        d->queued += (size_t)n;
        if (n < CHUNK || d->queued > MAX_QUEUED)
            return true;
    }
}

/* Writes what is due of d to fd; false when the peer failed. */
static bool push(int fd, pipe_dir *d, int64_t now)
{
    while (d->head && d->head->due_us <= now) {
        chunk *c = d->head;
        ssize_t n = write(fd, c->data + c->off, c->len - c->off);
        if (n < 0)
            return errno == EAGAIN || errno == EINTR;
        c->off += (size_t)n;
        d->queued -= (size_t)n;
        if (c->off < c->len)
            return true;
        d->head = c->next;
        if (!d->head)
            d->tail = NULL;
        free(c);
    }
    return true;
}

static void control(int fd)
{
    char buf[64] = { 0 };
    ssize_t n = read(fd, buf, sizeof buf - 1);
    if (n < 0)
        n = 0;
    buf[n] = 0;
    buf[strcspn(buf, "\r\n ")] = 0;
    char out[16384];
    int len = 0;
    if (!strcmp(buf, "stats")) {
        len = snprintf(out, sizeof out, "calls=%llu replies=%llu events=%llu conns=%llu up_bytes=%llu down_bytes=%llu\n",
                       (unsigned long long)n_calls, (unsigned long long)n_replies, (unsigned long long)n_events,
                       (unsigned long long)n_conns, (unsigned long long)bytes_up, (unsigned long long)bytes_down);
    } else if (!strcmp(buf, "procs")) {
        /* remote_protocol.x procedure numbers and how often each was called */
        for (size_t i = 0; i < sizeof proc_calls / sizeof *proc_calls && len < (int)sizeof out - 64; i++)
            if (proc_calls[i])
                len += snprintf(out + len, sizeof out - (size_t)len, "%zu=%llu ", i, (unsigned long long)proc_calls[i]);
        len += snprintf(out + len, sizeof out - (size_t)len, "\n");
    } else if (!strcmp(buf, "reset")) {
        n_calls = n_replies = n_events = n_conns = bytes_up = bytes_down = 0;
        memset(proc_calls, 0, sizeof proc_calls);
        len = snprintf(out, sizeof out, "ok\n");
    } else if (!strcmp(buf, "cut")) {
        int k = 0;
        for (int i = 0; i < MAX_CONNS; i++)
            if (conns[i].used) {
                conn_close(&conns[i]);
                k++;
            }
        len = snprintf(out, sizeof out, "cut %d\n", k);
    } else if (!strcmp(buf, "stall") || !strcmp(buf, "resume")) {
        stalled = buf[0] == 's';
        len = snprintf(out, sizeof out, "ok\n");
    } else {
        len = snprintf(out, sizeof out, "unknown command\n");
    }
    if (write(fd, out, (size_t)len) < 0)
        perror("rtt_proxy: control");
    close(fd);
}

static int query(const char *path, const char *word)
{
    int fd = unix_connect(path, false);
    if (fd < 0)
        die(path);
    if (write(fd, word, strlen(word)) < 0)
        die("write");
    shutdown(fd, SHUT_WR);
    char buf[16384];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        fwrite(buf, 1, (size_t)n, stdout);
    close(fd);
    return 0;
}

int main(int argc, char **argv)
{
    const char *listen_path = NULL, *target = NULL, *ctl_path = NULL;
    int opt;
    while ((opt = getopt(argc, argv, "l:t:c:d:q:")) != -1) {
        switch (opt) {
        case 'l': listen_path = optarg; break;
        case 't': target = optarg; break;
        case 'c': ctl_path = optarg; break;
        case 'd': delay_us = strtoll(optarg, NULL, 10) * 1000; break;
        case 'q': return optind < argc ? query(optarg, argv[optind]) : 2;
        default: return 2;
        }
    }
    if (!listen_path || !target || !ctl_path) {
        fprintf(stderr, "usage: rtt_proxy -l LISTEN.sock -t LIBVIRTD.sock -c CONTROL.sock [-d DELAY_MS]\n"
                        "       rtt_proxy -q CONTROL.sock stats|procs|reset|cut|stall|resume\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    int lfd = unix_listen(listen_path), cfd = unix_listen(ctl_path);
    static struct pollfd pfd[2 + 2 * MAX_CONNS];
    static int who[2 + 2 * MAX_CONNS];
    for (;;) {
        int64_t now = now_us(), next = -1;
        int n = 0;
        pfd[n++] = (struct pollfd){ .fd = lfd, .events = POLLIN };
        pfd[n++] = (struct pollfd){ .fd = cfd, .events = POLLIN };
        for (int i = 0; i < MAX_CONNS; i++) {
            conn *c = &conns[i];
            if (!c->used)
                continue;
            short ce = 0, se = 0;
            if (!stalled) {
                if (c->up.queued < MAX_QUEUED && !c->eof)
                    ce |= POLLIN;
                if (c->down.queued < MAX_QUEUED && !c->eof)
                    se |= POLLIN;
                if (c->down.head && c->down.head->due_us <= now)
                    ce |= POLLOUT;
                if (c->up.head && c->up.head->due_us <= now)
                    se |= POLLOUT;
                pipe_dir *ds[2] = { &c->up, &c->down };
                for (int k = 0; k < 2; k++)
                    if (ds[k]->head && ds[k]->head->due_us > now && (next < 0 || ds[k]->head->due_us < next))
                        next = ds[k]->head->due_us;
            }
            who[n] = i;
            pfd[n++] = (struct pollfd){ .fd = c->client, .events = ce };
            who[n] = i;
            pfd[n++] = (struct pollfd){ .fd = c->server, .events = se };
        }
        int timeout = next < 0 ? -1 : (int)((next - now + 999) / 1000);
        if (poll(pfd, (nfds_t)n, timeout) < 0 && errno != EINTR)
            die("poll");
        now = now_us();
        if (pfd[0].revents & POLLIN) {
            int fd;
            while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
                int sfd = unix_connect(target, true);
                int slot = -1;
                for (int i = 0; i < MAX_CONNS && slot < 0; i++)
                    if (!conns[i].used)
                        slot = i;
                if (sfd < 0 || slot < 0) {
                    close(fd);
                    if (sfd >= 0)
                        close(sfd);
                    continue;
                }
                conns[slot] = (conn){ .client = fd, .server = sfd, .used = true };
                n_conns++;
            }
        }
        if (pfd[1].revents & POLLIN) {
            int fd = accept4(cfd, NULL, NULL, SOCK_CLOEXEC);
            if (fd >= 0)
                control(fd);
        }
        for (int k = 2; k < n; k += 2) {
            conn *c = &conns[who[k]];
            if (!c->used)
                continue;   /* cut by the control socket meanwhile */
            short cr = pfd[k].revents, sr = pfd[k + 1].revents;
            if (!c->eof && (cr & (POLLIN | POLLHUP | POLLERR)) && !pull(c->client, &c->up, true))
                c->eof = true;
            if (!c->eof && (sr & (POLLIN | POLLHUP | POLLERR)) && !pull(c->server, &c->down, false))
                c->eof = true;
            bool ok = stalled || (push(c->server, &c->up, now) && push(c->client, &c->down, now));
            /* A side that closed: what it said still arrives late, like the close itself. */
            if (!ok || (c->eof && !c->up.head && !c->down.head))
                conn_close(c);
        }
    }
}
