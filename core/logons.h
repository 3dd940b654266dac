/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Who is logged on to a guest: systemd-logind's sessions (read through guest-exec) merged with utmp's users. */
#ifndef GOS_LOGONS_H
#define GOS_LOGONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libvirt/libvirt.h>

#include "core/vm.h"

/* How long reading who is logged on may take in a probe, in ms (the script
 * asks busctl a few questions per session; under TCG that takes seconds). */
#define GOS_LOGONS_PROBE_MS 15000

/* The sessions of a guest that logons-linux.sh lists, at most. */
#define GOS_LOGONS_MAX 4096

/* One logind session. Every string is cleaned guest text. */
typedef struct gos_logon {
    char *id;              /* logind's session id: letters and digits */
    char *user;
    int64_t uid;
    char *klass;           /* "user", "manager", "greeter", "background", ... */
    char *type;            /* "tty", "x11", "wayland", "unspecified", ... */
    char *tty;             /* "tty2", or "" */
    char *remote_host;     /* or "" */
    bool remote;
    char *state;           /* "online", "active", "closing" */
    int64_t since_ms;      /* UTC ms, 0 unknown */
    int64_t leader;        /* pid of the session's leader */
    char *scope;           /* "session-2.scope", or "" */
    int procs;             /* processes left in its scope, -1 unknown */
} gos_logon;

/* The guest script, compiled in from core/logons-linux.sh. */
extern const char gos_logons_script[];

/* A person's session (classes user, user-early, user-incomplete, user-light),
 * as against a user's service manager (class manager: lingering users and
 * every logged-on user's systemd --user), a greeter or a background job. */
bool gos_logon_is_person(const gos_logon *l);

/* Parses the script's output (untrusted: the guest writes it). Returns 0 with
 * *logind (false: the guest runs no systemd-logind, and *n is 0) and the
 * sessions; -1 with *err when the output is not the script's whole output
 * (cut short, wrong types, too many sessions). */
int gos_logons_parse(const char *text, size_t len, bool *logind, gos_logon **out, size_t *n, char **err);

/* Sets *err (when not NULL) to the sentence for a list that cannot be read
 * because of why; returns -1. */
int gos_logons_fail(char **err, const char *why);

gos_logon *gos_logons_dup(const gos_logon *l, size_t n);
void gos_logons_free(gos_logon *l, size_t n);

/* The users logged on, as one list with the source of each: logind's person
 * sessions where logind answered (utmp entries of users without such a
 * session are then stale, and listed in *stale), else utmp's entries. Either
 * source may be absent (NULL). Returns the users (gos_users_free) in *out. */
void gos_logons_users(const gos_logon *l, size_t n, bool logind, const gos_user *utmp, size_t n_utmp,
                      gos_user **out, size_t *n_out, char ***stale);

/* Runs the guest script through guest-exec and parses what it printed.
 * Returns 0 with *logind and the sessions, or -1 with *virt_code and *err
 * (the call failed, or the output is not the script's whole output). */
int gos_logons_read(virDomainPtr dom, int64_t deadline_ms, bool *logind, gos_logon **out, size_t *n, int *virt_code,
                    char **err);

/* Reads who is logged on for the VM list, before deadline_ms: logind's
 * sessions (where the guest is not Windows and its agent allows guest-exec)
 * and guest-get-users, merged. Sets vm's users, users_known, logind, logons,
 * stale_utmp and users_note; vm's features and os_id must be probed first.
 * What could not be read is unknown (users_known false, and users_note says
 * why), never "nobody". */
void gos_logons_probe(virDomainPtr dom, gos_vm *vm, int64_t deadline_ms);

#endif
