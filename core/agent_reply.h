/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Replies of the guest agent, read as untrusted input: every field type-checked, every size bounded. */
#ifndef GOS_AGENT_REPLY_H
#define GOS_AGENT_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/vm.h"

/*
 * The guest writes these bytes (libvirt passes them on as the reply text of
 * virDomainQemuAgentCommand). A reply of the wrong shape is the guest's
 * fault: each parser returns -1 with a translated sentence naming what was
 * wrong, never crashes, never reads past its bounds, and never turns a
 * missing answer into a success. Strings taken from a reply are cleaned
 * (base/text.h) and cut to the sizes below.
 */

/* The longest reply guestos reads: guest-exec-status carries up to 16 MiB
 * of output per stream in base64, about 44 MiB for both. */
#define GOS_AGENT_REPLY_MAX   (48u * 1024 * 1024)
/* How deep a reply's JSON may nest (the deepest real one is 4). */
#define GOS_AGENT_REPLY_DEPTH 16
/* Strings from the guest: names, versions, OS names. */
#define GOS_AGENT_TEXT_MAX    256
/* Users and commands a reply may list before the rest is ignored. */
#define GOS_AGENT_LIST_MAX    4096

/* guest-info. */
typedef struct gos_agent_info {
    char *version;             /* cleaned, or NULL when the agent gave none */
    unsigned features;         /* GOS_FEAT_* whose commands are all listed and enabled */
    unsigned known;            /* GOS_FEAT_* whose commands the agent listed at all */
    char *disabled;            /* the needed commands (exec, users) listed as disabled, comma-separated, or NULL */
    char *missing;             /* the needed commands not listed at all, or NULL */
} gos_agent_info;

/* guest-get-osinfo. */
typedef struct gos_agent_osinfo {
    char *id;                  /* "debian", "mswindows", ..., or NULL */
    char *pretty_name;         /* pretty-name, else name, or NULL */
} gos_agent_osinfo;

/* guest-exec-status. */
typedef struct gos_agent_exec_status {
    bool exited;
    bool has_exitcode;
    int exitcode;
    bool has_signal;
    int signal;
    char *out;                 /* stdout decoded (raw bytes, NUL-terminated), or NULL */
    size_t out_len;
    char *err;                 /* stderr decoded, the same way; never read as output */
    size_t err_len;
    bool truncated;            /* the agent cut stdout or stderr (out-truncated, err-truncated) */
} gos_agent_exec_status;

/* Each takes the whole reply text ({"return": ...}) and its length. */
int gos_agent_parse_ping(const char *reply, size_t len, char **err);
int gos_agent_parse_info(const char *reply, size_t len, gos_agent_info *out, char **err);
int gos_agent_parse_osinfo(const char *reply, size_t len, gos_agent_osinfo *out, char **err);
/* Users as the agent lists them (utmp): *out (gos_users_free), *n. */
int gos_agent_parse_users(const char *reply, size_t len, gos_user **out, size_t *n, char **err);
int gos_agent_parse_exec(const char *reply, size_t len, int64_t *pid, char **err);
int gos_agent_parse_exec_status(const char *reply, size_t len, gos_agent_exec_status *out, char **err);

void gos_agent_info_clear(gos_agent_info *info);
void gos_agent_osinfo_clear(gos_agent_osinfo *os);
void gos_agent_exec_status_clear(gos_agent_exec_status *st);

#endif
