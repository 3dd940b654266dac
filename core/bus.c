/* SPDX-License-Identifier: GPL-2.0-or-later */
/* An async queue plus an eventfd, so that the UI thread can poll() for updates. */
#include <config.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <glib.h>

#include "core/bus.h"
#include "core/task.h"

struct gos_bus {
    gint refs;
    GAsyncQueue *queue;
    int fd;
};

static void msg_destroy(gpointer p) { gos_msg_free(p); }

gos_bus *gos_bus_new(void)
{
    gos_bus *bus = g_new0(gos_bus, 1);
    bus->refs = 1;
    bus->queue = g_async_queue_new_full(msg_destroy);
    bus->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (bus->fd < 0)
        g_error("eventfd: %s", g_strerror(errno));
    return bus;
}

gos_bus *gos_bus_ref(gos_bus *bus)
{
    g_atomic_int_inc(&bus->refs);
    return bus;
}

void gos_bus_free(gos_bus *bus) { gos_bus_unref(bus); }

void gos_bus_unref(gos_bus *bus)
{
    if (!bus || !g_atomic_int_dec_and_test(&bus->refs))
        return;
    g_async_queue_unref(bus->queue);
    close(bus->fd);
    g_free(bus);
}

int gos_bus_fd(gos_bus *bus) { return bus->fd; }

void gos_bus_post(gos_bus *bus, gos_msg *msg)
{
    uint64_t one = 1;
    g_async_queue_push(bus->queue, msg);
    /* A full counter still leaves the fd readable, which is all that matters. */
    if (write(bus->fd, &one, sizeof one) < 0 && errno != EAGAIN)
        g_warning("eventfd write: %s", g_strerror(errno));
}

static void drain_fd(gos_bus *bus)
{
    uint64_t v;
    if (read(bus->fd, &v, sizeof v) < 0 && errno != EAGAIN)
        g_warning("eventfd read: %s", g_strerror(errno));
}

gos_msg *gos_bus_pop(gos_bus *bus)
{
    gos_msg *msg = g_async_queue_try_pop(bus->queue);
    if (msg)
        return msg;
    /* Posters push before they write the fd: after draining it, one more
     * look catches a message that raced with the drain, and any later one
     * makes the fd readable again. */
    drain_fd(bus);
    return g_async_queue_try_pop(bus->queue);
}

gos_msg *gos_bus_wait(gos_bus *bus, long timeout_ms)
{
    gos_msg *msg;
    if (timeout_ms < 0)
        msg = g_async_queue_pop(bus->queue);
    else
        msg = g_async_queue_timeout_pop(bus->queue, (guint64)timeout_ms * 1000);
    return msg;
}

bool gos_bus_wait_ready(gos_bus *bus, long timeout_ms)
{
    if (g_async_queue_length(bus->queue) > 0)
        return true;
    /* The fd may stay readable with nothing queued for one round (a pop
     * drains it only when the queue is empty): callers pump and ask again. */
    struct pollfd p = { .fd = bus->fd, .events = POLLIN };
    int ms = timeout_ms < 0 ? -1 : (int)MIN(timeout_ms, (long)INT_MAX);
    return poll(&p, 1, ms) > 0;
}

gos_msg *gos_msg_new(gos_msg_kind kind)
{
    gos_msg *msg = g_new0(gos_msg, 1);
    msg->kind = kind;
    return msg;
}

void gos_msg_free(gos_msg *msg)
{
    if (!msg)
        return;
    if (msg->task)
        gos_task_unref(msg->task);
    for (size_t i = 0; i < msg->n_vms; i++)
        gos_vm_free(msg->vms[i]);
    g_free(msg->vms);
    g_free(msg->host);
    g_free(msg->text);
    g_free(msg);
}
