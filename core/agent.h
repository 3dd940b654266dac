/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Speaking to the QEMU guest agent: probes, users, guest-exec. Always with a response timeout. */
#ifndef GOS_AGENT_H
#define GOS_AGENT_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>
#include <libvirt/libvirt.h>

#include "core/vm.h"

/* Agent response timeout for probes, in seconds. */
#define GOS_AGENT_PROBE_TIMEOUT 3

/* Runs one agent command (JSON text) with a timeout in seconds. Returns the
 * parsed "return" member (json_object_put it), or NULL with *virt_code and
 * *err (libvirt's message) set. */
json_object *gos_agent_cmd(virDomainPtr dom, const char *cmd, int timeout_s, int *virt_code, char **err);

/* Probes the agent of a running VM and fills vm's agent fields (heartbeat,
 * note, ping, version, features, OS, users). answered_before says whether the
 * agent answered earlier in this run (Lost Communication vs No Contact). */
void gos_agent_probe(virDomainPtr dom, gos_vm *vm, bool answered_before);

/* The logged-on users, sanitised. Returns 0 or -1 with *virt_code and *err set. */
int gos_agent_users(virDomainPtr dom, gos_user **users, size_t *n, int *virt_code, char **err);
void gos_users_free(gos_user *users, size_t n);

/* Runs path with argv (argv[0] is not passed: the agent supplies it) through
 * guest-exec and polls guest-exec-status until it exits or deadline_ms (UTC
 * ms) passes. Output captured (stdout+stderr, decoded, raw: untrusted) into *out.
 * Returns 0 when it ran to exit (*exitcode set), -1 with *virt_code and *err set,
 * or 1 when the deadline passed first. */
int gos_agent_exec(virDomainPtr dom, const char *path, const char *const *args, int64_t deadline_ms,
                   int *exitcode, char **out, int *virt_code, char **err);

/* guest-get-osinfo's "id" ("debian", "mswindows", ...), or NULL. */
char *gos_agent_os_id(virDomainPtr dom, int *virt_code, char **err);

#endif
