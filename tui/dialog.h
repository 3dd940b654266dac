/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The console's two modal widgets: the one-line prompt and the confirmation of destructive actions. */
#ifndef GOS_DIALOG_H
#define GOS_DIALOG_H

#include <stdbool.h>

#include <glib.h>

#include "core/actions.h"
#include "core/session.h"
#include "tui/draw.h"

typedef enum {
    GOS_DIALOG_OPEN = 0,   /* still asking */
    GOS_DIALOG_YES,        /* Enter in a prompt, y/Enter in a confirmation */
    GOS_DIALOG_NO,         /* Esc; n in a confirmation */
} gos_dialog_state;

/* --- the prompt: edits one line of text at the bottom of the screen ------ */

typedef struct gos_prompt gos_prompt;

/* label: translated text before the input ("Search: "); initial: UTF-8 or NULL. */
gos_prompt *gos_prompt_new(const char *label, const char *initial);
void gos_prompt_free(gos_prompt *p);   /* accepts NULL */

/* Applies one key (see keymap.h for how keys are encoded). Control
 * characters are never inserted. */
gos_dialog_state gos_prompt_key(gos_prompt *p, int key);

/* The text typed so far, as newly allocated UTF-8. */
char *gos_prompt_text(const gos_prompt *p);

/* Draws label and text on row 0 of w, scrolled so that the insertion point
 * shows, with the note at the right, and leaves w's cursor there. */
void gos_prompt_draw(const gos_prompt *p, WINDOW *w);

/* A few words at the right of the prompt ("312 of 10,000 VMs match"), in the
 * error role when error; NULL clears it. Copied. */
void gos_prompt_set_note(gos_prompt *p, const char *note, bool error);

/* Lines typed before, oldest first (borrowed; must outlive the prompt): Up
 * and Down walk them, and the text being typed comes back after the newest. */
void gos_prompt_set_history(gos_prompt *p, GPtrArray *lines);

/* True when the last key changed the text. */
bool gos_prompt_changed(const gos_prompt *p);

/* The text before the insertion point, as newly allocated UTF-8 (for completion). */
char *gos_prompt_text_before(const gos_prompt *p);

/* Replaces the last `drop` characters before the insertion point with text. */
void gos_prompt_replace_before(gos_prompt *p, size_t drop, const char *text);

/* --- the confirmation: names the VMs a destructive action will change ---- */

typedef struct gos_confirm gos_confirm;

/* Copies cmd and remembers its targets: the VMs it names (`logoff web1
 * web2`), else the session's targets at this moment (with the VM under the
 * cursor when use_cursor). */
gos_confirm *gos_confirm_new(gos_session *s, const gos_cmd *cmd, bool use_cursor);
void gos_confirm_free(gos_confirm *c);   /* accepts NULL */

gos_dialog_state gos_confirm_key(gos_confirm *c, int key);

/* True when the session's targets are no longer the ones shown (the
 * inventory changed under the dialog); the dialog then shows the new ones
 * and must be confirmed again. */
bool gos_confirm_recheck(gos_confirm *c, gos_session *s);

/* Draws the dialog centred on a screen of rows x cols into its own window
 * and queues it with wnoutrefresh. */
void gos_confirm_draw(gos_confirm *c, int rows, int cols);

/* --- a question with a few answers, one key each ------------------------- */

typedef struct gos_choice gos_choice;

/* Copies everything. keys are single characters ("w"). */
gos_choice *gos_choice_new(const char *question, size_t n, const char *const *keys, const char *const *labels,
                           const char *const *lines);
void gos_choice_free(gos_choice *c);   /* accepts NULL */

/* The index of the answer a key chose, -1 for Esc (none), -2 while still open. */
int gos_choice_key(gos_choice *c, int key);

/* The action line of answer i (borrowed). */
const char *gos_choice_line(gos_choice *c, int i);

void gos_choice_draw(gos_choice *c, int rows, int cols);

#endif
