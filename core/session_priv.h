/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Session internals exported only for the Check suites and the benchmarks. */
#ifndef GOS_SESSION_PRIV_H
#define GOS_SESSION_PRIV_H

#include "core/session.h"

/* Posts probe as if an agent probe had just answered (takes ownership): the
 * next gos_session_pump applies it the way it applies a real one. Lets tests
 * and benchmarks change agent data on a driver that has no agent. */
void gos_session_post_agent(gos_session *s, gos_vm *probe);

#endif
