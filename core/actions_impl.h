/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What actions.c (the table) and actions_audit.c (the audit view's and macros' handlers) share. */
#ifndef GOS_ACTIONS_IMPL_H
#define GOS_ACTIONS_IMPL_H

#include "core/actions.h"

#define ARG_UNUSED (void)argc; (void)argv; (void)err

int gos_act_audit_filter(gos_act_ctx *c, int argc, char **argv, char **err);
int gos_act_audit_search(gos_act_ctx *c, int argc, char **argv, char **err);
int gos_act_history(gos_act_ctx *c, int argc, char **argv, char **err);
int gos_act_audit_detail(gos_act_ctx *c, int argc, char **argv, char **err);
int gos_act_macro(gos_act_ctx *c, int argc, char **argv, char **err);
int gos_act_record(gos_act_ctx *c, int argc, char **argv, char **err);

#endif
