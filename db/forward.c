/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Every committed audit event, forwarded to the system log: the journal's native protocol, or syslog(3). */
#include <config.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-journal.h>
#endif

#include "base/hresult.h"
#include "base/i18n.h"
#include "base/result.h"
#include "base/text.h"
#include "base/time.h"
#include "db/audit_priv.h"

/*
 * A security team collects logs centrally, and that is where the chain head
 * must live: each event goes to the system log with its sequence number and
 * chain hash (GUESTOS_SEQ, GUESTOS_HASH, and both as GUESTOS_ANCHOR, the
 * SEQ:HASH that `audit verify --anchor` takes), so that a truncated or
 * rewritten file is caught against what the journal kept.
 *
 * The SQLite store stays the record of truth and fails closed; forwarding
 * happens after the commit, never holds the store's lock while it waits, and
 * its failures are counted (gos_audit_forward_failures), never an error of the
 * task: a stopped journald must not stop a logoff.
 *
 * So events are handed to a thread of their own, in chain order, through a
 * bounded queue: a burst (400 VMs logged off at once make 2,000 events in a
 * second) waits there for a journal that reads slower than guestos writes,
 * instead of being lost to a full socket buffer, and a journal that does not
 * read at all costs the tasks nothing. An event waits at most
 * FWD_SEND_WAIT_MS for room in the socket (the socket is connected, so the
 * wait sleeps until the journal reads), and the queue holds at most
 * FWD_QUEUE_MAX events and FWD_QUEUE_BYTES bytes; beyond either, the event
 * is counted as not forwarded.
 * The forwarder outlives the store when its thread is stuck in a send
 * (libsystemd's socket blocks), so that a store can always close.
 *
 * The journal: through libsystemd (sd_journal_sendv) where it was built in;
 * through our own writer of the journal's native protocol (the same
 * datagrams) without it, and always to the socket GUESTOS_JOURNAL_SOCKET
 * names, which is how the tests receive what guestos sends without a running
 * journald. syslog(3) cannot tell whether a line arrived, so it never counts
 * a failure.
 *
 * What guests and libvirt said is cleaned as the exports clean it (base/text.c:
 * control characters become '?'); the file keeps the raw values.
 */

/* The journal's MESSAGE_ID of every guestos audit event (doc/guestos.1). Never change it. */
#define GOS_AUDIT_MESSAGE_ID "c009861ad9b24d8fbfec69ef3aa1b4bc"

#define JOURNAL_SOCKET "/run/systemd/journal/socket"

#define FWD_QUEUE_MAX 65536
#define FWD_QUEUE_BYTES (64 << 20)
#define FWD_SEND_WAIT_MS 5000
/* What a field of the journal carries at most (the file keeps the whole value). */
#define FWD_FIELD_MAX (64 * 1024)
/* How long closing the store waits for the queue to drain. */
#define FWD_CLOSE_WAIT_MS 3000

typedef struct prepared {
    GPtrArray *fields;
    int priority;
    size_t bytes;
} prepared;

struct gos_forwarder {
    gint refs;                   /* the store's and the thread's */
    GMutex lock;
    GCond cond;                  /* the queue changed, or an event was dealt with */
    GQueue queue;                /* prepared events, oldest first */
    guint in_flight;             /* queued or being sent */
    bool stopping;               /* the store is closing: send what is queued, then end */
    size_t queued_bytes;         /* what the queued events hold */
    GThread *thread;             /* started with the first event */
    int mode;                    /* GOS_AUDIT_FORWARD_JOURNAL or _SYSLOG */
    char *socket;                /* where our writer sends; NULL: libsystemd's journal */
    int fd;                      /* our datagram socket, -1 until the first send */
    gint failures;               /* read atomically */
    char *problem;               /* why the last one failed, under lock */
};

static void fwd_unref(struct gos_forwarder *f)
{
    if (!f || !g_atomic_int_dec_and_test(&f->refs))
        return;
    g_queue_clear_full(&f->queue, gos_audit_forward_drop);
    if (f->fd >= 0)
        close(f->fd);
    g_mutex_clear(&f->lock);
    g_cond_clear(&f->cond);
    g_free(f->socket);
    g_free(f->problem);
    g_free(f);
}

/* Counts one event not forwarded, and why; takes why. With f->lock held. */
static void fwd_failed_locked(struct gos_forwarder *f, char *why)
{
    g_atomic_int_inc(&f->failures);
    g_free(f->problem);
    f->problem = why;
}

int gos_audit_forward_parse(const char *word, gos_audit_forward *out, char **err)
{
    static const struct { const char *name; gos_audit_forward mode; } modes[] = {
        { "auto", GOS_AUDIT_FORWARD_AUTO }, { "journal", GOS_AUDIT_FORWARD_JOURNAL },
        { "syslog", GOS_AUDIT_FORWARD_SYSLOG }, { "off", GOS_AUDIT_FORWARD_OFF },
    };

    for (size_t i = 0; word && i < G_N_ELEMENTS(modes); i++)
        if (g_ascii_strcasecmp(word, modes[i].name) == 0) {
            *out = modes[i].mode;
            return 0;
        }
    /* TRANSLATORS: keep the four words as they are. */
    gos_audit_set_err(err, _("'%s' is not a way to forward the audit log: use auto, journal, syslog or off."),
                      word ? word : "");
    return -1;
}

void gos_audit_set_forward(gos_audit *a, gos_audit_forward mode)
{
    const char *sock = g_getenv("GUESTOS_JOURNAL_SOCKET");
    struct gos_forwarder *f;

    if (!a)
        return;
    gos_audit_forward_close(a);
    if (sock && !*sock)
        sock = NULL;
    if (mode == GOS_AUDIT_FORWARD_AUTO)
        mode = sock || access(JOURNAL_SOCKET, F_OK) == 0 ? GOS_AUDIT_FORWARD_JOURNAL : GOS_AUDIT_FORWARD_SYSLOG;
    if (mode == GOS_AUDIT_FORWARD_OFF)
        return;
    f = g_new0(struct gos_forwarder, 1);
    f->refs = 1;
    f->fd = -1;
    f->mode = mode;
    g_mutex_init(&f->lock);
    g_cond_init(&f->cond);
    g_queue_init(&f->queue);
    if (mode == GOS_AUDIT_FORWARD_JOURNAL) {
#ifdef HAVE_LIBSYSTEMD
        f->socket = sock ? g_strdup(sock) : NULL;      /* NULL: libsystemd's own */
#else
        f->socket = g_strdup(sock ? sock : JOURNAL_SOCKET);
#endif
    }
    if (mode == GOS_AUDIT_FORWARD_SYSLOG)
        openlog("guestos", LOG_PID | LOG_NDELAY, LOG_AUTHPRIV);
    a->fwd = f;
    g_atomic_int_set(&a->fwd_mode, mode);
}

uint64_t gos_audit_forward_failures(gos_audit *a)
{
    return a && a->fwd ? (uint64_t)g_atomic_int_get(&a->fwd->failures) : 0;
}

char *gos_audit_forward_problem(gos_audit *a)
{
    char *s = NULL;

    if (!a || !a->fwd)
        return NULL;
    g_mutex_lock(&a->fwd->lock);
    s = g_strdup(a->fwd->problem);
    g_mutex_unlock(&a->fwd->lock);
    return s;
}

/* --- the fields ------------------------------------------------------------ */

/* "KEY=value", the value cleaned; nothing for NULL. A value longer than
 * FWD_FIELD_MAX is cut, and KEY_BYTES says how long it is in the file, so
 * that a cut value is never taken for the whole one. */
static void field(GPtrArray *f, const char *key, const char *value)
{
    char *clean;
    size_t len;

    if (!value)
        return;
    len = strlen(value);
    clean = gos_text_clean(value, FWD_FIELD_MAX);
    g_ptr_array_add(f, g_strconcat(key, "=", clean, NULL));
    if (len > FWD_FIELD_MAX)
        g_ptr_array_add(f, g_strdup_printf("%s_BYTES=%zu", key, len));
    g_free(clean);
}

static void field_int(GPtrArray *f, const char *key, int64_t v)
{
    g_ptr_array_add(f, g_strdup_printf("%s=%lld", key, (long long)v));
}

static void field_hr(GPtrArray *f, const char *key, const char *name_key, uint32_t hr)
{
    g_ptr_array_add(f, g_strdup_printf("%s=0x%08X", key, (unsigned)hr));
    if (gos_hr_name(hr))
        field(f, name_key, gos_hr_name(hr));
}

static size_t count_users(const char *const *users)
{
    size_t n = 0;

    while (users && users[n])
        n++;
    return n;
}

/* The sentence a person reads in journalctl. Names come cleaned from the caller. */
static char *message(const gos_audit_event *ev, const char *op, const char *vm, const char *host,
                     int64_t seq)
{
    char hr[GOS_HR_FORMAT_LEN];
    bool logoff = ev->action && strcmp(ev->action, "logoff") == 0;

    switch (ev->kind) {
    case GOS_AUDIT_SUBMITTED:
        if (logoff)
            /* TRANSLATORS: the journal's line for a submitted task: operator, VM, host URI, event number. */
            return g_strdup_printf(_("operator %s asked to log off all users of %s on %s (audit event %lld)"),
                                   op, vm, host, (long long)seq);
        /* TRANSLATORS: operator, action name, VM, host URI, event number. */
        return g_strdup_printf(_("operator %s asked for %s on %s on %s (audit event %lld)"),
                               op, ev->action ? ev->action : "?", vm, host, (long long)seq);
    case GOS_AUDIT_STARTED:
        /* TRANSLATORS: the journal's line for a task that started: VM, host URI, event number. */
        return g_strdup_printf(_("task on %s on %s started (audit event %lld)"), vm, host, (long long)seq);
    case GOS_AUDIT_PROGRESS:
        /* TRANSLATORS: the journal's line for a task's phase: VM, host URI, phase name, event number. */
        return g_strdup_printf(_("task on %s on %s is in phase %s (audit event %lld)"), vm, host,
                               ev->phase ? ev->phase : "?", (long long)seq);
    case GOS_AUDIT_INTERRUPTED:
        /* TRANSLATORS: the journal's line for an interrupted task: VM, host URI, event number. */
        return g_strdup_printf(_("task on %s on %s was interrupted (audit event %lld)"), vm, host, (long long)seq);
    case GOS_AUDIT_COMPLETED:
        break;
    }
    if (ev->has_task_error)
        gos_hr_format(ev->task_error, hr, sizeof hr);
    else if (ev->has_call_hr)
        gos_hr_format(ev->call_hr, hr, sizeof hr);
    else
        g_strlcpy(hr, "-", sizeof hr);
    if (logoff && ev->has_task_error && ev->task_error == GOS_S_OK) {
        size_t n = count_users(ev->users_before);

        /* TRANSLATORS: the journal's line for a successful logoff: operator, user count, VM,
         * host URI, the HRESULT (0x00000000 S_OK). */
        return g_strdup_printf(ngettext("operator %s logged off %zu user of %s on %s: %s",
                                        "operator %s logged off %zu users of %s on %s: %s", n),
                               op, n, vm, host, strchr(hr, ' ') ? strchr(hr, ' ') + 1 : hr);
    }
    if (logoff)
        /* TRANSLATORS: the journal's line for a logoff that failed: operator, VM, host URI, the HRESULT. */
        return g_strdup_printf(_("operator %s did not log off the users of %s on %s: %s"), op, vm, host, hr);
    /* TRANSLATORS: operator, action name, VM, host URI, the HRESULT. */
    return g_strdup_printf(_("operator %s ran %s on %s on %s: %s"), op, ev->action ? ev->action : "?", vm, host, hr);
}

/* The fields of one event, each "KEY=VALUE"; *prio receives its syslog priority. */
static GPtrArray *event_fields(gos_audit *a, const gos_audit_event *ev, int64_t seq, const char *hash, int *prio)
{
    GPtrArray *f = g_ptr_array_new_with_free_func(g_free);
    char *op = gos_text_clean(ev->op_user ? ev->op_user : "?", 256);
    char *vm = gos_text_clean(ev->vm_name ? ev->vm_name : ev->vm_uuid ? ev->vm_uuid : "?", 256);
    char *host = gos_text_clean(ev->host ? ev->host : "?", 1024);
    char *msg = message(ev, op, vm, host, seq), *when, *users;
    char result[16];
    int priority = LOG_NOTICE;

    if (ev->kind == GOS_AUDIT_INTERRUPTED ||
        (ev->kind == GOS_AUDIT_COMPLETED && (!ev->has_task_error || ev->task_error != GOS_S_OK)))
        priority = LOG_WARNING;
    *prio = priority;
    field(f, "MESSAGE", msg);
    field(f, "MESSAGE_ID", GOS_AUDIT_MESSAGE_ID);
    field_int(f, "PRIORITY", priority);
    field(f, "SYSLOG_IDENTIFIER", "guestos");
    field_int(f, "SYSLOG_FACILITY", LOG_AUTHPRIV >> 3);
    field_int(f, "GUESTOS_SEQ", seq);
    field(f, "GUESTOS_HASH", hash);
    g_ptr_array_add(f, g_strdup_printf("GUESTOS_ANCHOR=%lld:%s", (long long)seq, hash));
    field(f, "GUESTOS_AUDIT_DB", a->path);
    field(f, "GUESTOS_EVENT", gos_audit_kind_name(ev->kind));
    field(f, "GUESTOS_TASK_ID", ev->task_id);
    when = gos_time_iso(ev->ts_ms ? ev->ts_ms : g_get_real_time() / 1000, true);
    field(f, "GUESTOS_TIME", when);
    g_free(when);
    field(f, "GUESTOS_HOST", ev->host);
    field(f, "GUESTOS_VM_NAME", ev->vm_name);
    field(f, "GUESTOS_VM_UUID", ev->vm_uuid);
    field(f, "GUESTOS_ACTION", ev->action);
    field(f, "GUESTOS_PHASE", ev->phase);
    if (ev->percent >= 0)
        field_int(f, "GUESTOS_PERCENT", ev->percent);
    if (ev->has_call_hr)
        field_hr(f, "GUESTOS_CALL_HRESULT", "GUESTOS_CALL_HRESULT_NAME", ev->call_hr);
    if (ev->task_result != GOS_RESULT_NONE)
        field(f, "GUESTOS_TASK_RESULT", gos_audit_export_result(ev->task_result, result));
    if (ev->has_task_error)
        field_hr(f, "GUESTOS_TASK_ERROR", "GUESTOS_TASK_ERROR_NAME", ev->task_error);
    if (ev->virt_code)
        field_int(f, "GUESTOS_VIRT_CODE", ev->virt_code);
    field(f, "GUESTOS_DETAIL", ev->message);
    field_int(f, "GUESTOS_OPERATOR_UID", ev->op_uid);
    field(f, "GUESTOS_OPERATOR", ev->op_user);
    field(f, "GUESTOS_OPERATOR_TTY", ev->op_tty);
    field(f, "GUESTOS_SSH_CONNECTION", ev->op_ssh);
    field_int(f, "GUESTOS_OPERATOR_PID", ev->op_pid ? ev->op_pid : (int64_t)getpid());
    field(f, "GUESTOS_ORIGIN", ev->origin);
    /* The users as the file holds them: JSON arrays, one name per user. */
    users = gos_audit_users_json(ev->users_before);
    field(f, "GUESTOS_USERS_BEFORE", users);
    g_free(users);
    users = gos_audit_users_json(ev->users_after);
    field(f, "GUESTOS_USERS_AFTER", users);
    g_free(users);
    g_free(msg);
    g_free(op);
    g_free(vm);
    g_free(host);
    return f;
}

/* --- the transports ------------------------------------------------------ */

/* The journal's native protocol: KEY=VALUE\n, or for a value that holds a
 * newline KEY\n, its length as 64-bit little-endian, the value, \n. */
static GByteArray *native_datagram(GPtrArray *fields)
{
    GByteArray *b = g_byte_array_new();

    for (guint i = 0; i < fields->len; i++) {
        const char *kv = g_ptr_array_index(fields, i), *eq = strchr(kv, '=');
        const char *v = eq + 1;
        size_t vlen = strlen(v);

        if (!memchr(v, '\n', vlen)) {
            g_byte_array_append(b, (const guint8 *)kv, (guint)strlen(kv));
        } else {
            guint8 len[8];
            uint64_t n = vlen;

            g_byte_array_append(b, (const guint8 *)kv, (guint)(eq - kv));
            g_byte_array_append(b, (const guint8 *)"\n", 1);
            for (int k = 0; k < 8; k++, n >>= 8)
                len[k] = (guint8)(n & 0xff);
            g_byte_array_append(b, len, 8);
            g_byte_array_append(b, (const guint8 *)v, (guint)vlen);
        }
        g_byte_array_append(b, (const guint8 *)"\n", 1);
    }
    return b;
}

/* Our socket, connected to the journal's: poll() then says writable only
 * when the journal has room, so a wait sleeps. -1 with errno set. */
static int native_socket(struct gos_forwarder *f)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };

    if (f->fd >= 0)
        return f->fd;
    if (strlen(f->socket) >= sizeof addr.sun_path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(addr.sun_path, f->socket, strlen(f->socket) + 1);
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    /* Room for a large event, as libsystemd asks for (the kernel may give less). */
    int sndbuf = 8 << 20;
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    f->fd = fd;
    return fd;
}

/* Sends one datagram, waiting up to wait_ms for room in a socket a busy
 * journald has not emptied yet. The forwarder's thread alone calls it. */
static int send_native(struct gos_forwarder *f, GPtrArray *fields, int wait_ms, char **why)
{
    GByteArray *b = native_datagram(fields);
    gint64 until = g_get_monotonic_time() + (gint64)wait_ms * 1000;
    bool again = true;
    ssize_t n = -1;
    int saved = 0;

    for (;;) {
        int fd = native_socket(f);
        if (fd < 0) {
            saved = errno;
            break;
        }
        n = send(fd, b->data, b->len, MSG_NOSIGNAL | MSG_DONTWAIT);
        saved = errno;
        if (n >= 0)
            break;
        if ((saved == ECONNREFUSED || saved == ENOTCONN || saved == ECONNRESET) && again) {
            /* journald restarted: its socket is a new one. */
            close(f->fd);
            f->fd = -1;
            again = false;
            continue;
        }
        if (saved != EAGAIN && saved != EWOULDBLOCK && saved != EINTR)
            break;
        gint64 left_ms = (until - g_get_monotonic_time()) / 1000;
        if (left_ms <= 0)
            break;
        struct pollfd pfd = { .fd = fd, .events = POLLOUT };
        if (poll(&pfd, 1, (int)MIN(left_ms, 1000)) < 0 && errno != EINTR) {
            saved = errno;
            break;
        }
    }
    g_byte_array_unref(b);
    if (n < 0) {
        *why = g_strdup(g_strerror(saved));
        return -1;
    }
    return 0;
}

#ifdef HAVE_LIBSYSTEMD
static int send_libsystemd(GPtrArray *fields, char **why)
{
    struct iovec *iov;
    int r;

    /* sd_journal_sendv fails silently when there is no journal: it is a
     * failure here, and is counted. */
    if (access(JOURNAL_SOCKET, F_OK) < 0) {
        *why = g_strdup(g_strerror(errno));
        return -1;
    }
    iov = g_new(struct iovec, fields->len);

    for (guint i = 0; i < fields->len; i++) {
        iov[i].iov_base = g_ptr_array_index(fields, i);
        iov[i].iov_len = strlen(g_ptr_array_index(fields, i));
    }
    r = sd_journal_sendv(iov, (int)fields->len);
    g_free(iov);
    if (r < 0) {
        *why = g_strdup(g_strerror(-r));
        return -1;
    }
    return 0;
}
#endif

/* syslog(3): the sentence, then the fields as KEY="value" (quotes and backslashes escaped). */
static void send_syslog(GPtrArray *fields, int priority)
{
    GString *line = g_string_new(NULL);

    for (guint i = 0; i < fields->len; i++) {
        const char *kv = g_ptr_array_index(fields, i), *eq = strchr(kv, '=');

        if (g_str_has_prefix(kv, "MESSAGE=")) {
            g_string_prepend(line, eq + 1);
            continue;
        }
        if (!g_str_has_prefix(kv, "GUESTOS_") && !g_str_has_prefix(kv, "MESSAGE_ID="))
            continue;
        g_string_append_c(line, ' ');
        g_string_append_len(line, kv, eq - kv + 1);
        g_string_append_c(line, '"');
        for (const char *p = eq + 1; *p; p++) {
            if (*p == '"' || *p == '\\')
                g_string_append_c(line, '\\');
            g_string_append_c(line, *p);
        }
        g_string_append_c(line, '"');
    }
    syslog(priority, "%s", line->str);
    g_string_free(line, TRUE);
}

void *gos_audit_forward_prepare(gos_audit *a, const gos_audit_event *ev, int64_t seq, const char *hash)
{
    if (g_atomic_int_get(&a->fwd_mode) == GOS_AUDIT_FORWARD_OFF || !a->fwd)
        return NULL;
    prepared *p = g_new(prepared, 1);
    p->fields = event_fields(a, ev, seq, hash, &p->priority);
    p->bytes = 0;
    for (guint i = 0; i < p->fields->len; i++)
        p->bytes += strlen(g_ptr_array_index(p->fields, i)) + 1;
    return p;
}

void gos_audit_forward_drop(void *prepared_event)
{
    prepared *p = prepared_event;
    if (!p)
        return;
    g_ptr_array_unref(p->fields);
    g_free(p);
}

/* Sends one event as the forwarder's mode says; 0, or -1 with *why set. */
static int deliver(struct gos_forwarder *f, prepared *p, int wait_ms, char **why)
{
    if (f->mode == GOS_AUDIT_FORWARD_SYSLOG) {
        send_syslog(p->fields, p->priority);
        return 0;
    }
#ifdef HAVE_LIBSYSTEMD
    if (!f->socket)
        return send_libsystemd(p->fields, why);
#endif
    return send_native(f, p->fields, wait_ms, why);
}

static gpointer forwarder_thread(gpointer data)
{
    struct gos_forwarder *f = data;

    g_mutex_lock(&f->lock);
    for (;;) {
        while (g_queue_is_empty(&f->queue) && !f->stopping)
            g_cond_wait(&f->cond, &f->lock);
        prepared *p = g_queue_pop_head(&f->queue);
        if (!p)
            break;                       /* stopping, and nothing left */
        /* Closing: what is queued is still tried, but nothing waits. */
        int wait_ms = f->stopping ? 0 : FWD_SEND_WAIT_MS;
        f->queued_bytes -= p->bytes;
        g_mutex_unlock(&f->lock);
        char *why = NULL;
        int rc = deliver(f, p, wait_ms, &why);
        gos_audit_forward_drop(p);
        g_mutex_lock(&f->lock);
        if (rc < 0)
            fwd_failed_locked(f, why);
        else
            g_free(why);
        f->in_flight--;
        g_cond_broadcast(&f->cond);
    }
    g_mutex_unlock(&f->lock);
    fwd_unref(f);
    return NULL;
}

void gos_audit_forward_send(gos_audit *a, void *prepared_event)
{
    struct gos_forwarder *f = a->fwd;

    if (!prepared_event)
        return;
    if (!f) {
        gos_audit_forward_drop(prepared_event);
        return;
    }
    prepared *p = prepared_event;
    g_mutex_lock(&f->lock);
    if (!f->thread && !f->stopping) {
        GError *gerr = NULL;
        g_atomic_int_inc(&f->refs);
        f->thread = g_thread_try_new("gos-forward", forwarder_thread, f, &gerr);
        if (!f->thread) {
            g_atomic_int_dec_and_test(&f->refs);     /* the store still holds one */
            fwd_failed_locked(f, g_strdup(gerr->message));
            g_error_free(gerr);
            g_mutex_unlock(&f->lock);
            gos_audit_forward_drop(p);
            return;
        }
    }
    if (f->in_flight >= FWD_QUEUE_MAX || f->queued_bytes + p->bytes > FWD_QUEUE_BYTES || f->stopping) {
        fwd_failed_locked(f, g_strdup(_("too many events waited for the system log")));
        gos_audit_forward_drop(p);
    } else {
        g_queue_push_tail(&f->queue, p);
        f->in_flight++;
        f->queued_bytes += p->bytes;
        g_cond_broadcast(&f->cond);
    }
    g_mutex_unlock(&f->lock);
}

void gos_audit_forward_event(gos_audit *a, const gos_audit_event *ev, int64_t seq, const char *hash)
{
    gos_audit_forward_send(a, gos_audit_forward_prepare(a, ev, seq, hash));
}

size_t gos_audit_forward_flush(gos_audit *a, int timeout_ms)
{
    struct gos_forwarder *f = a ? a->fwd : NULL;
    size_t left;

    if (!f)
        return 0;
    gint64 until = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    g_mutex_lock(&f->lock);
    while (f->in_flight > 0 && g_cond_wait_until(&f->cond, &f->lock, until))
        ;
    left = f->in_flight;
    g_mutex_unlock(&f->lock);
    return left;
}

void gos_audit_forward_close(gos_audit *a)
{
    struct gos_forwarder *f = a->fwd;

    if (!f)
        return;
    g_atomic_int_set(&a->fwd_mode, GOS_AUDIT_FORWARD_OFF);
    gos_audit_forward_flush(a, FWD_CLOSE_WAIT_MS);
    g_mutex_lock(&f->lock);
    f->stopping = true;
    g_cond_broadcast(&f->cond);
    GThread *t = f->thread;
    f->thread = NULL;
    /* A thread still in a send that does not return keeps the forwarder. */
    bool done = f->in_flight == 0;
    g_mutex_unlock(&f->lock);
    if (t) {
        if (done)
            g_thread_join(t);
        else
            g_thread_unref(t);
    }
    a->fwd = NULL;
    fwd_unref(f);
}
