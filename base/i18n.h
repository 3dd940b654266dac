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

/* The same for static tables (xgettext --keyword=NC_:1c,2): NC_ keeps the
 * context with the message, CX_ translates such an entry at run time. */
#define NC_(ctx, s) (ctx "\004" s)

static inline const char *CX_(const char *ctx_id)
{
    const char *t = gettext(ctx_id);
    if (t != ctx_id)
        return t;
    while (*ctx_id && *ctx_id != '\004')
        ctx_id++;
    return *ctx_id ? ctx_id + 1 : ctx_id;
}

#endif
