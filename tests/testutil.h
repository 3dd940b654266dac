/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small helpers shared by the Check suites: temporary folders and fleet paths. */
#ifndef GOS_TESTUTIL_H
#define GOS_TESTUTIL_H

#include <check.h>
#include <ftw.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>

/* A fresh folder under $TMPDIR; removed with its files by tmpdir_free. */
static inline char *tmpdir_new(void)
{
    char *d = g_dir_make_tmp("guestos-test-XXXXXX", NULL);
    g_assert(d);
    return d;
}

static inline int tmpdir_rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb; (void)flag; (void)ftw;
    return remove(p);
}

/* Removes dir and everything below it. */
static inline void rm_tree(const char *dir) { nftw(dir, tmpdir_rm_entry, 16, FTW_DEPTH | FTW_PHYS); }

static inline void tmpdir_free(char *dir)
{
    rm_tree(dir);
    g_free(dir);
}

/* Runs a suite (CK_VERBOSITY picks the output) and gives main's exit status. */
static inline int run_suite(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* test:///ABS/tests/fleet.xml */
static inline char *fleet_uri(void) { return g_strdup("test://" SRCDIR "/tests/fleet.xml"); }

#endif
