/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The users of a guest as one list: freeing and copying it (no libvirt, so that the parsers' fuzzers link it). */
#include <config.h>

#include <glib.h>

#include "core/vm.h"

void gos_users_free(gos_user *users, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        g_free(users[i].name);
        g_free(users[i].domain);
        g_free(users[i].where);
    }
    g_free(users);
}

gos_user *gos_users_dup(const gos_user *users, size_t n)
{
    if (!n)
        return NULL;
    gos_user *copy = g_new0(gos_user, n);
    for (size_t i = 0; i < n; i++) {
        copy[i] = users[i];
        copy[i].name = g_strdup(users[i].name);
        copy[i].domain = g_strdup(users[i].domain);
        copy[i].where = g_strdup(users[i].where);
    }
    return copy;
}
