/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The non-interactive commands: list, logoff, audit, batch. */
#ifndef GOS_CLI_H
#define GOS_CLI_H

#include <stdbool.h>
#include <stddef.h>

/* Exit statuses of DESIGN.md section 6. */
#define GOS_EXIT_OK      0
#define GOS_EXIT_FAILED  1
#define GOS_EXIT_USAGE   2

/* Options shared by every command. */
typedef struct gos_cli {
    char **uris;          /* NULL-terminated */
    size_t n_uris;
    char *audit_db;
    bool readonly;
    long deadline_s;      /* 0 = default */
    const char *prog;
} gos_cli;

int gos_cli_list(gos_cli *cli, int argc, char **argv);
int gos_cli_logoff(gos_cli *cli, int argc, char **argv);
int gos_cli_audit(gos_cli *cli, int argc, char **argv);
int gos_cli_batch(gos_cli *cli, int argc, char **argv);

/* Prints one line on stderr ("guestos: message") and returns GOS_EXIT_USAGE. */
int gos_cli_fail(const gos_cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
