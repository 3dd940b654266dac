/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A libFuzzer target: the parser of the logind script's output, which the guest writes, and the merge with utmp. */
#include <config.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/logons.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gos_logon *l = NULL;
    size_t n = 0;
    bool logind = false;
    char *err = NULL;
    if (gos_logons_parse((const char *)data, size, &logind, &l, &n, &err) == 0) {
        /* What was read goes on to the merge, as in a probe. */
        gos_user utmp[] = { { .name = (char *)"alice" }, { .name = (char *)"root" } };
        gos_user *u = NULL;
        size_t nu = 0;
        char **stale = NULL;
        gos_logons_users(l, n, logind, utmp, 2, &u, &nu, &stale);
        gos_users_free(u, nu);
        for (char **p = stale; p && *p; p++)
            free(*p);
        free(stale);
        gos_logons_free(l, n);
    }
    free(err);
    return 0;
}
