/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Who runs guestos, from where: the identity every audit event carries. */
#ifndef GOS_OPERATOR_H
#define GOS_OPERATOR_H

#include <stdint.h>

typedef struct gos_operator {
    int64_t uid;
    char *user;      /* login name, or the uid in decimal */
    char *tty;       /* ttyname(0), or NULL */
    char *ssh;       /* client address from SSH_CONNECTION, or NULL */
    int64_t pid;
} gos_operator;

/* Fills op from the process's credentials and environment. */
void gos_operator_init(gos_operator *op);
void gos_operator_clear(gos_operator *op);

#endif
