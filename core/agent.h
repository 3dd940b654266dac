/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Speaking to the QEMU guest agent: probes, users, guest-exec. Always with a response timeout. */
#ifndef GOS_AGENT_H
#define GOS_AGENT_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>
#include <libvirt/libvirt.h>

#include "core/agent_reply.h"
#include "core/vm.h"

/* Agent response timeout for probes, in seconds. */
#define GOS_AGENT_PROBE_TIMEOUT 3

/* The response timeout for one call made before deadline_ms (UTC ms): the
 * seconds left, at least 1, at most cap_s. */
int gos_agent_timeout(int64_t deadline_ms, int cap_s);

/* Runs agent command execute with args (taken over; NULL for none) and a
 * response timeout in seconds. Returns 0 with *reply (the reply text, newly
 * allocated) and *len, or -1 with *virt_code (libvirt's error code, or
 * VIR_ERR_INTERNAL_ERROR) and *err (a sentence) set. */
int gos_agent_call(virDomainPtr dom, const char *execute, json_object *args, int timeout_s, char **reply,
                   size_t *len, int *virt_code, char **err);

/* The typed calls. Each returns 0 with the answer, or -1 with *virt_code and
 * *err: a failed call, or a reply of the wrong shape (VIR_ERR_INTERNAL_ERROR
 * and a sentence that says what was wrong with it). */
int gos_agent_get_info(virDomainPtr dom, int timeout_s, gos_agent_info *out, int *virt_code, char **err);
int gos_agent_get_osinfo(virDomainPtr dom, int timeout_s, gos_agent_osinfo *out, int *virt_code, char **err);
int gos_agent_get_users(virDomainPtr dom, int timeout_s, gos_user **users, size_t *n, int *virt_code, char **err);

/* Runs path with args (argv[0] is not passed: the agent supplies it) through
 * guest-exec, and polls guest-exec-status until it reports the exit (which
 * it does once: the pid is never asked about again) or deadline_ms (UTC ms)
 * passes. Every call gets the time left as its timeout. Returns 0 with *st
 * (exited, its status, the output as raw untrusted bytes, whether the agent
 * cut it), or -1 with *virt_code and *err; a deadline that passes first is
 * VIR_ERR_OPERATION_TIMEOUT. */
int gos_agent_exec(virDomainPtr dom, const char *path, const char *const *args, int64_t deadline_ms,
                   gos_agent_exec_status *st, int *virt_code, char **err);

/* Probes the agent of a running VM and fills vm's agent fields (heartbeat,
 * note, ping, version, features, OS; users are gos_logons_probe's). answered_before says whether the
 * agent answered earlier in this run (Lost Communication vs No Contact). */
void gos_agent_probe(virDomainPtr dom, gos_vm *vm, bool answered_before);

#endif
