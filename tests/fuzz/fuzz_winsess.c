/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A libFuzzer target: the parser of Windows `query session` output, which the guest writes. */
#include <config.h>

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <glib.h>

#include "core/logoff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The parser reads NUL-terminated text, as gos_agent_exec hands it over. */
    char *text = g_strndup((const char *)data, size);
    gos_win_session *s = NULL;
    int n = gos_win_sessions_parse(text, &s);
    if (n >= 0)
        gos_win_sessions_free(s, (size_t)n);
    g_free(text);
    return 0;
}
