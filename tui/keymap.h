/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Key bindings: one table per context that binds keys to action lines of the action table. */
#ifndef GOS_KEYMAP_H
#define GOS_KEYMAP_H

#include <glib.h>
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
    GOS_CTX_PLAY,         /* while a macro plays or a `wait` waits: looked up first */
    GOS_CTX_N
} gos_key_context;

typedef enum {
    GOS_BIND_LINE = 0,     /* runs `line` */
    GOS_BIND_PROMPT,       /* asks for a text, runs `line TEXT` (one argument) */
    GOS_BIND_PROMPT_WORDS, /* asks for words, runs `line WORD...` (empty: `line`) */
    GOS_BIND_COMMAND,      /* asks for a whole action line and runs it */
} gos_bind_kind;

typedef struct gos_binding {
    int key;
    gos_bind_kind kind;
    const char *line;      /* action line (the action's name for PROMPT and NEXT kinds) */
    const char *hint;      /* N_() label for the hint bar, or NULL */
    int hint_rank;         /* order in the hint bar; the bar drops the highest ranks first */
    bool hint_keep;        /* never dropped from the hint bar */
    const char *text;      /* N_(): the prompt for PROMPT and COMMAND kinds */
} gos_binding;

/* The live table of a context (the defaults with the configuration's
 * bindings applied), and how many entries it has. Borrowed: valid until the
 * next gos_keymap_configure or gos_keymap_reset. */
const gos_binding *gos_keymap_table(gos_key_context ctx, size_t *n);

/* The binding of key in ctx, else in the global table, else NULL; while
 * playing, in the PLAY table first. Keys that
 * terminals send in several ways (Enter as CR, LF or KEY_ENTER; Backspace as
 * DEL or KEY_BACKSPACE) are looked up as one. */
const gos_binding *gos_keymap_lookup(gos_key_context ctx, int key);
const gos_binding *gos_keymap_lookup_playing(gos_key_context ctx, int key, bool playing);

/* The name of the first key that runs line in ctx (or globally, when ctx
 * leaves it so), as people read it ("Space"); false when no key does. */
bool gos_keymap_key_for(gos_key_context ctx, const char *line, char *buf, size_t len);

/* The one form of a key that gos_keymap_lookup uses. */
int gos_key_canon(int key);

/* A key from its configuration name: F1..F24, a single character (case
 * matters: R is not r), C-x or ^X for a control key, or one of Space, Enter,
 * Tab, Esc, Up, Down, Left, Right, PgUp, PgDn, Home, End, Backspace, Del, Ins
 * (case does not matter for these; PageUp, PageDown, Return, Escape, BSpace
 * and Delete are accepted too). Returns the key (canonical), or -1. */
int gos_key_parse(const char *name);

/* The configuration name of a key, untranslated, which gos_key_parse reads
 * back into the same key ("F5", "C-l", "PgUp", "R"). */
const char *gos_key_format(int key, char *buf, size_t len);

/* One binding of the configuration: key runs line; an empty line unbinds key. */
typedef struct gos_key_binding {
    int key;               /* canonical */
    char *line;
    int lineno;            /* in the configuration file */
} gos_key_binding;

/* Parses the [keys] group of a configuration file's text: lines
 * "KEY = ACTION LINE" (see gos_key_parse for KEY; ACTION LINE as in a macro
 * file; nothing after '=' unbinds the key), '#' comments and blank lines.
 * Checks every key name, every action line, macro names, and that no key is
 * bound twice. Returns 0 with *out (free with gos_key_bindings_free; may be
 * empty), or -1 with *err naming FILE:LINE (a translated sentence, g_free). */
int gos_keyconf_parse(const char *text, const char *file, GArray **out, char **err);
void gos_key_bindings_free(GArray *bindings);   /* accepts NULL */

/* Makes the live tables the defaults with bindings applied: a configured key
 * replaces that key's default in every context and is looked up first
 * everywhere. Copies what it keeps. */
void gos_keymap_apply(const gos_key_binding *bindings, size_t n);

/* Reads the [keys] group of the configuration file's text and applies it.
 * Returns 0, or -1 with *err (see gos_keyconf_parse); nothing is applied then. */
int gos_keymap_configure(const char *text, const char *file, char **err);

/* Back to the default tables. */
void gos_keymap_reset(void);

/* The context for a view. */
gos_key_context gos_keymap_context(gos_view view);

/* Translated heading for a context ("Keys in the VM list"). */
const char *gos_keymap_context_label(gos_key_context ctx);

/* Writes a short key name for people ("Down", "PgUp", "F1", "^L", "k";
 * translated) into buf. */
const char *gos_key_name(int key, char *buf, size_t len);

/* The hint-bar label of a binding: its translated hint, or the name a
 * configured binding shows (a macro's name), or NULL when it has none. */
const char *gos_binding_hint(const gos_binding *b);

/* The action line a binding stands for, as the help screen shows it
 * ("logoff", "search TEXT", "sort name|host|..."). Newly allocated. */
char *gos_binding_describe(const gos_binding *b);

/* The translated help of what a binding does: the action's own help text
 * (from the action table). */
const char *gos_binding_help(const gos_binding *b);

/* Checks that every binding names an existing action and that every LINE
 * binding parses. Returns 0, or -1 with *err set to a translated sentence
 * naming the first bad binding (free with g_free). */
int gos_keymap_check(char **err);

#endif
