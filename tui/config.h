/* SPDX-License-Identifier: GPL-2.0-or-later */
/* guestos.conf: hosts, audit database, console settings and key bindings, checked line by line. */
#ifndef GOS_CONFIG_H
#define GOS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include <glib.h>

#include "core/columns.h"
#include "tui/cli.h"

/* What the configuration says beside hosts and the audit path. */
typedef struct gos_config {
    bool mouse;                   /* [console] mouse, true unless said otherwise */
    gos_column_spec *columns;     /* [console] columns, NULL when not given */
    size_t n_columns;
} gos_config;

/*
 * Reads the configuration file (path, or $XDG_CONFIG_HOME/guestos/guestos.conf
 * when NULL; a path given must exist, the default may not): the hosts into
 * uris unless it has some already, the audit path into cli unless set, the
 * console's settings into *conf, and the [keys] bindings into the keymap.
 * Every group and key must be one guestos knows: a typo ([key], uri =) is an
 * error that names FILE:LINE, as a bad value is. Returns 0, or the exit
 * status of a configuration error (the one-line message printed).
 */
int gos_config_load(gos_cli *cli, const char *path, GPtrArray *uris, gos_config *conf);
void gos_config_clear(gos_config *conf);

#endif
