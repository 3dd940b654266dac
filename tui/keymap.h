/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Key bindings: one table per context that binds keys to action lines of the action table. */
#ifndef GOS_KEYMAP_H
#define GOS_KEYMAP_H

#include <stdbool.h>
#include <stddef.h>

#include "core/session.h"

/* Keys are characters (wchar_t values) or curses KEY_* codes marked with
 * GOS_KEY_FN, which keeps the two apart (KEY_* values are valid characters). */
#define GOS_KEY_FN(k) (0x40000000 | (k))
#define GOS_KEY_IS_FN(k) (((k) & 0x40000000) != 0)
#define GOS_KEY_ESC 27
#define GOS_KEY_CTRL(c) ((c) & 0x1f)

typedef enum {
    GOS_CTX_GLOBAL = 0,   /* every view; looked up after the view's own table */
    GOS_CTX_VMS,
    GOS_CTX_TASKS,
    GOS_CTX_AUDIT,
    GOS_CTX_DETAIL,
    GOS_CTX_HELP,
    GOS_CTX_N
} gos_key_context;

typedef enum {
    GOS_BIND_LINE = 0,     /* runs `line` */
    GOS_BIND_PROMPT,       /* asks for a text, runs `line TEXT` (one argument) */
    GOS_BIND_PROMPT_WORDS, /* asks for words, runs `line WORD...` (empty: `line`) */
    GOS_BIND_NEXT_VIEW,    /* runs `view NAME` for the view after the current one */
    GOS_BIND_NEXT_SORT,    /* runs `sort KEY` for the sort key after the current one */
    GOS_BIND_REDRAW,       /* repaints the terminal; no action runs */
} gos_bind_kind;

typedef struct gos_binding {
    int key;
    gos_bind_kind kind;
    const char *line;      /* action line (the action's name for PROMPT and NEXT kinds) */
    const char *hint;      /* N_() label for the hint bar, or NULL */
    int hint_rank;         /* order in the hint bar; the bar drops the highest ranks first */
    bool hint_keep;        /* never dropped from the hint bar */
    const char *text;      /* N_(): the prompt for PROMPT kinds; help for REDRAW */
} gos_binding;

/* The table of a context, and how many entries it has. */
const gos_binding *gos_keymap_table(gos_key_context ctx, size_t *n);

/* The binding of key in ctx, else in the global table, else NULL. */
const gos_binding *gos_keymap_lookup(gos_key_context ctx, int key);

/* The context for a view. */
gos_key_context gos_keymap_context(gos_view view);

/* Translated heading for a context ("Keys in the VM list"). */
const char *gos_keymap_context_label(gos_key_context ctx);

/* Writes a short key name ("Down", "PgUp", "F1", "^L", "k") into buf. */
const char *gos_key_name(int key, char *buf, size_t len);

/* The action line a binding stands for, as the help screen shows it
 * ("logoff", "search TEXT", "sort name|host|..."). Newly allocated. */
char *gos_binding_describe(const gos_binding *b);

/* The translated help of what a binding does: the action's own help text
 * (from the action table) or, for REDRAW, the binding's text. */
const char *gos_binding_help(const gos_binding *b);

/* For NEXT_VIEW and NEXT_SORT: the line to run now, given the session's
 * current view or sort. Newly allocated. */
char *gos_binding_next_line(const gos_binding *b, gos_session *s);

/* Checks that every binding names an existing action and that every LINE
 * binding parses. Returns 0, or -1 with *err set to a translated sentence
 * naming the first bad binding (free with g_free). */
int gos_keymap_check(char **err);

#endif
