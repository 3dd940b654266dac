/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The queue that carries updates from worker and event threads to the UI thread, with a wakeup fd. */
#ifndef GOS_BUS_H
#define GOS_BUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/vm.h"

typedef struct gos_bus gos_bus;
typedef struct gos_task gos_task;

typedef enum {
    GOS_MSG_TASK = 0,      /* task changed: task (a reference) */
    GOS_MSG_HOST_VMS,      /* full domain list of host: vms[0..n_vms) (owned), ms it took */
    GOS_MSG_VM_AGENT,      /* agent probe result: vms[0] (owned); lost: the connection went meanwhile */
    GOS_MSG_HOST_STATE,    /* host connected / failed / lost: host, text, lost, gen */
    GOS_MSG_DOMAIN_EVENT,  /* a domain event arrived for host: refresh it */
    GOS_MSG_AUDIT,         /* the audit pager's worker has an answer */
    GOS_MSG_VM_CHANNEL,    /* agent channels read from XML: vms[0..n_vms) (owned; channel fields) */
} gos_msg_kind;

typedef struct gos_msg {
    gos_msg_kind kind;
    gos_task *task;
    char *host;
    char *text;            /* translated sentence, or NULL */
    int ok;                /* GOS_MSG_HOST_STATE: 1 connected, 0 failed/lost */
    bool lost;             /* a connection that was up went (HOST_STATE), or went under the job */
    uint64_t gen;          /* HOST_STATE: the connection generation it is about */
    int64_t ms;            /* HOST_STATE, HOST_VMS: how long the step took */
    gos_vm **vms;
    size_t n_vms;
} gos_msg;

gos_bus *gos_bus_new(void);
/* References: a job that may outlive the session (a call stuck in a hung
 * host) holds one, so that it can still post. */
gos_bus *gos_bus_ref(gos_bus *bus);
void gos_bus_unref(gos_bus *bus);           /* the last one drops undelivered messages; accepts NULL */
void gos_bus_free(gos_bus *bus);            /* gos_bus_unref */

/* A descriptor that becomes readable when messages wait; gos_bus_pop drains it. */
int gos_bus_fd(gos_bus *bus);

/* Takes ownership of msg. Thread-safe. */
void gos_bus_post(gos_bus *bus, gos_msg *msg);

/* Next message or NULL; never blocks. The caller frees it with gos_msg_free. */
gos_msg *gos_bus_pop(gos_bus *bus);

/* Blocks up to timeout_ms (-1 forever) for a message; NULL on timeout. */
gos_msg *gos_bus_wait(gos_bus *bus, long timeout_ms);

/* Blocks up to timeout_ms (-1 forever) until a message may be waiting,
 * without taking it: the caller then pumps. True when one may be. */
bool gos_bus_wait_ready(gos_bus *bus, long timeout_ms);

gos_msg *gos_msg_new(gos_msg_kind kind);
void gos_msg_free(gos_msg *msg);

#endif
