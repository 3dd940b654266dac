/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Translation macros shared by every part of guestos. */
#ifndef GOS_I18N_H
#define GOS_I18N_H

#include <libintl.h>

#define _(s) gettext(s)
#define N_(s) (s)

#endif
