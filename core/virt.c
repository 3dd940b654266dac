/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libvirt in the process: its initialisation, the event loop's thread, and the links its callbacks hold. */
#include <config.h>

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <libvirt/virterror.h>

#include "base/i18n.h"
#include "core/host.h"
#include "core/host_impl.h"

static void silent_error(void *opaque, virErrorPtr err) { (void)opaque; (void)err; }

static gint events_quit;
static GThread *events_thread;

static gpointer event_loop(gpointer data)
{
    while (!g_atomic_int_get(&events_quit))
        if (virEventRunDefaultImpl() < 0)
            g_usleep(100000);
    return NULL;
}

static GMutex links_lock;
static GPtrArray *links;

host_link *gos_host_link_new(gos_host *h)
{
    host_link *l = g_new0(host_link, 1);
    g_mutex_init(&l->lock);
    l->h = h;
    g_mutex_lock(&links_lock);
    if (!links)
        links = g_ptr_array_new();
    g_ptr_array_add(links, l);
    g_mutex_unlock(&links_lock);
    return l;
}

static void links_free(void)
{
    g_mutex_lock(&links_lock);
    for (guint i = 0; links && i < links->len; i++) {
        host_link *l = g_ptr_array_index(links, i);
        g_mutex_clear(&l->lock);
        g_free(l);
    }
    if (links)
        g_ptr_array_free(links, TRUE);
    links = NULL;
    g_mutex_unlock(&links_lock);
}

static void wake_loop(int timer, void *opaque) { virEventRemoveTimeout(timer); }

/* At exit, the event thread stops and is joined before libraries tear
 * themselves down, so it never runs on freed memory. */
static void events_stop(void)
{
    g_atomic_int_set(&events_quit, 1);
    if (virEventAddTimeout(0, wake_loop, NULL, NULL) >= 0) {
        g_thread_join(events_thread);
        links_free();
    }
}

int gos_virt_init(char **err)
{
    static gsize done;
    static int rc;
    if (g_once_init_enter(&done)) {
        virSetErrorFunc(NULL, silent_error);
        /* libvirt writes to its sockets with write(): a daemon that went away
         * would end the program with SIGPIPE instead of failing the call. */
        struct sigaction old;
        if (sigaction(SIGPIPE, NULL, &old) == 0 && old.sa_handler == SIG_DFL)
            signal(SIGPIPE, SIG_IGN);
        if (virInitialize() < 0 || virEventRegisterDefaultImpl() < 0) {
            rc = -1;
        } else {
            events_thread = g_thread_new("gos-virt-events", event_loop, NULL);
            atexit(events_stop);
        }
        g_once_init_leave(&done, 1);
    }
    if (rc < 0 && err)
        *err = g_strdup(_("The libvirt library could not be initialised."));
    return rc;
}

int gos_virt_last_error(char **message)
{
    virErrorPtr e = virGetLastError();
    int code = e ? e->code : 0;
    if (message)
        *message = e && e->message ? g_strdup(e->message) : NULL;
    virResetLastError();
    return code;
}

