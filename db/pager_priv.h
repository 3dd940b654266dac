/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Hooks into the audit pager that only its tests use. */
#ifndef GOS_PAGER_PRIV_H
#define GOS_PAGER_PRIV_H

#include "db/pager.h"

/* The budget of a page on the owner's thread, in ms (40 unless set; 0: no limit). */
void gos_pager_priv_set_budget(gos_pager *p, int ms);

/* How many questions were dropped for newer ones: interrupted, replaced before
 * they ran, or answered too late to be applied. */
unsigned gos_pager_priv_dropped(gos_pager *p);

#endif
