/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The session's hosts: connecting them and listing their VMs on the worker pool. */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "base/i18n.h"
#include "core/session_impl.h"

void gos_host_entry_free(gpointer p)
{
    host_entry *h = p;
    gos_host_free(h->host);
    g_free(h->why);
    g_free(h);
}


typedef struct {
    gos_bus *bus;
    gos_host *host;
    bool connect;
} host_job;

static void host_job_main(void *data)
{
    host_job *j = data;
    char *err = NULL;
    if (j->connect) {
        int code = 0;
        gos_msg *m = gos_msg_new(GOS_MSG_HOST_STATE);
        m->host = g_strdup(gos_host_uri(j->host));
        bool ok = gos_host_connect(j->host, &code, &err) == 0;
        m->ok = ok;
        m->text = err;
        err = NULL;
        gos_bus_post(j->bus, m);   /* m belongs to the UI thread from here on */
        if (!ok) {
            g_free(j);
            return;
        }
    }
    gos_vm **vms = NULL;
    size_t n = 0;
    gos_msg *m = gos_msg_new(GOS_MSG_HOST_VMS);
    m->host = g_strdup(gos_host_uri(j->host));
    if (gos_host_list(j->host, &vms, &n, &err) == 0) {
        m->vms = vms;
        m->n_vms = n;
        m->ok = 1;
    } else {
        m->text = err;
    }
    gos_bus_post(j->bus, m);
    g_free(j);
}

host_entry *gos_session_find_host(gos_session *s, const char *uri)
{
    for (guint i = 0; i < s->hosts->len; i++) {
        host_entry *h = g_ptr_array_index(s->hosts, i);
        if (!strcmp(gos_host_uri(h->host), uri))
            return h;
    }
    return NULL;
}

void gos_session_start_listing(gos_session *s, host_entry *h, bool connect)
{
    if (h->refreshing) {
        h->again = true;
        return;
    }
    h->refreshing = true;
    h->again = false;
    host_job *j = g_new0(host_job, 1);
    j->bus = s->bus;
    j->host = h->host;
    j->connect = connect;
    gos_engine_run(s->engine, host_job_main, j);
}

void gos_session_add_host_entry(gos_session *s, const char *uri)
{
    if (gos_session_find_host(s, uri))
        return;
    host_entry *h = g_new0(host_entry, 1);
    h->host = gos_host_new(uri, s->readonly, s->bus);
    g_ptr_array_add(s->hosts, h);
}

