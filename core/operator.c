/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Collects the operator identity that every audit event carries. */
#include <config.h>

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "core/operator.h"

void gos_operator_init(gos_operator *op)
{
    memset(op, 0, sizeof *op);
    op->uid = (int64_t)getuid();
    op->pid = (int64_t)getpid();

    struct passwd pw, *res = NULL;
    char buf[4096];
    if (getpwuid_r(getuid(), &pw, buf, sizeof buf, &res) == 0 && res)
        op->user = g_strdup(res->pw_name);
    else
        op->user = g_strdup_printf("%lld", (long long)op->uid);

    for (int fd = 0; fd <= 2 && !op->tty; fd++) {
        const char *t = ttyname(fd);
        if (t)
            op->tty = g_strdup(t);
    }

    /* SSH_CONNECTION is "client_ip client_port server_ip server_port". */
    const char *ssh = getenv("SSH_CONNECTION");
    if (ssh && *ssh) {
        char **parts = g_strsplit(ssh, " ", 3);
        if (parts[0] && *parts[0])
            op->ssh = g_strdup(parts[0]);
        g_strfreev(parts);
    }
}

void gos_operator_clear(gos_operator *op)
{
    if (!op)
        return;
    g_free(op->user);
    g_free(op->tty);
    g_free(op->ssh);
    memset(op, 0, sizeof *op);
}
