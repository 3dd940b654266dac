/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Translation macros shared by every part of guestos. */
#ifndef GOS_I18N_H
#define GOS_I18N_H

#include <libintl.h>

#define _(s) gettext(s)
#define N_(s) (s)

/* A message with a context (xgettext --keyword=C_:1c,2): the same English
 * word can be translated apart from its other uses. */
#define C_(ctx, s) gos_pgettext(ctx "\004" s, s)

static inline const char *gos_pgettext(const char *ctx_id, const char *id)
{
    const char *t = gettext(ctx_id);
    return t == ctx_id ? id : t;
}

#endif
