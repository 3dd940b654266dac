/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The non-interactive commands: list, logoff, audit, batch. */
#ifndef GOS_CLI_H
#define GOS_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "core/session.h"

/* Exit statuses of DESIGN.md section 6. */
#define GOS_EXIT_OK      0
#define GOS_EXIT_FAILED  1
#define GOS_EXIT_USAGE   2

typedef struct gos_session gos_session;

/* Options shared by every command. */
typedef struct gos_cli {
    char **uris;          /* NULL-terminated */
    size_t n_uris;
    char *audit_db;
    bool readonly;
    long deadline_s;      /* 0 = default */
    int forward;          /* gos_audit_forward from [audit] forward; auto by default */
    const char *prog;
} gos_cli;

int gos_cli_list(gos_cli *cli, int argc, char **argv);
int gos_cli_logoff(gos_cli *cli, int argc, char **argv);
int gos_cli_audit(gos_cli *cli, int argc, char **argv);
int gos_cli_batch(gos_cli *cli, int argc, char **argv);

/* Opens a session for a command (origin "cli", "batch:FILE"), connecting
 * every host and waiting for them when connect; probes: ask the agents.
 * NULL with *rc set (the message printed) on failure. */
gos_session *gos_cli_open_session_opts(gos_cli *cli, const char *origin, bool connect, bool probes, int *rc);
gos_session *gos_cli_open_session(gos_cli *cli, const char *origin, bool connect, int *rc);

/* The session's view as `guestos list` prints it: one VM a line. */
void gos_cli_print_vms(gos_session *s);

/* Prints o as one JSON line and releases it. */
void gos_cli_print_json(json_object *o);

/* Signals of the commands: SIGTERM, SIGHUP and SIGINT once stop new lines and
 * tasks (the queued ones end as cancelled, the running ones end), twice leave
 * at once (what runs then shows as interrupted); SIGPIPE is the reader gone. */
void gos_cli_signals_install(void);
/* The signal that came (first), 0 none. */
int gos_cli_signal(void);
/* Stops starting anything when a signal came or stdout's reader is gone:
 * closes the engine, asks the session to quit. Returns true when it did. */
bool gos_cli_interrupted(gos_cli *cli, gos_session *s);

/* Prints one line on stderr ("guestos: message") and returns GOS_EXIT_USAGE. */
int gos_cli_fail(const gos_cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
