/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The non-interactive commands: list, logoff, audit, batch. */
#ifndef GOS_CLI_H
#define GOS_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

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
    int max_tasks;        /* tasks at once over all hosts; 0 = default */
    int per_host;         /* tasks of one host at once; 0 = default */
    int probes;           /* channel reads and agent probes of one host at once; 0 = default */
    int client_requests;  /* what libvirtd serves a connection at once; 0 = default */
    int forward;          /* gos_audit_forward from [audit] forward; auto by default */
    const char *prog;
    bool no_audit;        /* the command records nothing: no audit database is opened or made */
    size_t failed_hosts;  /* hosts that could not be reached, each named on stderr */
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

/* Prints the usage of cmd (NULL: the program's) on out; -1 when there is no such command. */
int gos_cli_usage(const gos_cli *cli, const char *cmd, FILE *out);

/* After getopt returned '?' or ':' (opterr off): one line that names the
 * option and how to see the usage of cmd (NULL: the program). Returns GOS_EXIT_USAGE. */
int gos_cli_bad_option(const gos_cli *cli, const char *cmd, char **argv, int c);

/* Prints one line on stderr ("guestos: message") and returns GOS_EXIT_USAGE. */
/* text as one printable line for stdout or stderr: newlines become spaces,
 * controls (and, outside UTF-8 locales, every non-ASCII byte) '?'. */
char *gos_cli_one_line(const char *text);

/* How many audit events this process could not forward to the system log,
 * after waiting a few seconds for those still queued; *why (one line, g_free
 * it) says why when any. */
uint64_t gos_cli_forward_lost(gos_session *s, char **why);

/* Frees the session at the end of a command that exits with rc; when only
 * calls that a deadline already ended are left, exits with rc at once
 * instead of waiting for them. */
void gos_cli_free_session(gos_session *s, int rc);

int gos_cli_fail(const gos_cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
