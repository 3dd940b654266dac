/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A libFuzzer target: every parser of guest-agent replies on the same bytes. */
#include <config.h>

#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "core/agent_reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *reply = (const char *)data;
    char *err = NULL;
    gos_agent_info info = { 0 };
    gos_agent_osinfo os = { 0 };
    gos_agent_exec_status st = { 0 };
    gos_user *users = NULL;
    size_t n = 0;
    int64_t pid = 0;

    if (gos_agent_parse_ping(reply, size, &err) < 0)
        g_clear_pointer(&err, g_free);
    if (gos_agent_parse_info(reply, size, &info, &err) == 0)
        gos_agent_info_clear(&info);
    g_clear_pointer(&err, g_free);
    if (gos_agent_parse_osinfo(reply, size, &os, &err) == 0)
        gos_agent_osinfo_clear(&os);
    g_clear_pointer(&err, g_free);
    if (gos_agent_parse_users(reply, size, &users, &n, &err) == 0)
        gos_users_free(users, n);
    g_clear_pointer(&err, g_free);
    if (gos_agent_parse_exec(reply, size, &pid, &err) < 0)
        g_clear_pointer(&err, g_free);
    if (gos_agent_parse_exec_status(reply, size, &st, &err) == 0)
        gos_agent_exec_status_clear(&st);
    g_clear_pointer(&err, g_free);
    return 0;
}
