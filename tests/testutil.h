/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small helpers shared by the Check suites: temporary folders and fleet paths. */
#ifndef GOS_TESTUTIL_H
#define GOS_TESTUTIL_H

#include <glib.h>
#include <glib/gstdio.h>
#include <stdlib.h>

/* A fresh folder under $TMPDIR; removed with its files by tmpdir_free. */
static inline char *tmpdir_new(void)
{
    char *d = g_dir_make_tmp("guestos-test-XXXXXX", NULL);
    g_assert(d);
    return d;
}

static inline void tmpdir_free(char *dir)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    const char *name;
    while (d && (name = g_dir_read_name(d))) {
        char *p = g_build_filename(dir, name, NULL);
        g_unlink(p);
        g_free(p);
    }
    if (d)
        g_dir_close(d);
    g_rmdir(dir);
    g_free(dir);
}

/* test:///ABS/tests/fleet.xml */
static inline char *fleet_uri(void) { return g_strdup("test://" SRCDIR "/tests/fleet.xml"); }

#endif
