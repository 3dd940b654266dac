/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Inside the console: its state, shared by console.c (the loop and keys) and screen.c (layout and drawing). */
#ifndef GOS_CONSOLE_IMPL_H
#define GOS_CONSOLE_IMPL_H

#include <stdbool.h>
#include <stddef.h>

#include "core/exec.h"
#include "core/session.h"
#include "tui/dialog.h"
#include "tui/draw.h"
#include "tui/keymap.h"
#include "tui/view.h"

/* The layout needs this much; below it the console says so instead. */
#define GOS_CONSOLE_MIN_COLS 80
#define GOS_CONSOLE_MIN_ROWS 24

/* Redraw bits of the console's own, above the session's GOS_DIRTY_* bits. */
enum {
    DIRTY_HINTS  = 1u << 9,    /* the hint bar (prompt or dialog opened or closed) */
    DIRTY_TICK   = 1u << 10,   /* elapsed times of running tasks */
    DIRTY_DIALOG = 1u << 11,   /* the confirmation */
    DIRTY_EVERY  = 0xffffu,
};

/* What an open prompt is for. */
typedef enum {
    PROMPT_ARG = 0,            /* a binding's one argument, as typed */
    PROMPT_WORDS,              /* a binding's words */
    PROMPT_LINE,               /* a whole action line (:) */
    PROMPT_ANSWER,             /* the executor asked for a text */
} prompt_kind;

typedef struct console {
    gos_session *s;
    gos_exec *x;
    SCREEN *scr;
    WINDOW *input;              /* a 1x1 pad: reading keys from it never refreshes anything */
    WINDOW *title, *main, *panel, *status, *hints, *whole;
    int rows, cols;
    bool small;                 /* below the minimum size */
    bool laid_out;
    gos_view layout_view;       /* the view the windows were made for */
    gos_view last_view;         /* to notice view switches */
    unsigned dirty;
    bool resize;
    bool repaint;               /* clear the physical screen first */

    int title_rows, panel_rows;  /* as laid out */
    bool hints_taken;           /* a long failure goes on in the hint bar's row */

    size_t vm_top;
    gos_vms_layout vms_layout;  /* the VM list's columns as last drawn (for the mouse) */

    gos_prompt *prompt;
    prompt_kind prompt_kind;
    const gos_binding *prompt_binding;
    const gos_action *prompt_live;  /* the action the prompt runs as it is typed, or NULL */
    char *prompt_restore;       /* ... and its arguments when the prompt opened (Esc puts them back) */
    bool prompt_previewed;      /* ... once it ran what was typed */
    GPtrArray *history;         /* lines run from the action prompt, oldest first */
    char *history_path;

    bool mouse;                 /* clicks and the wheel are read */
    int64_t click_ms;           /* the last click in the VM list, for a double click */
    size_t click_row;
    gos_confirm *confirm;
    gos_choice *choice;
    bool audit_problem_shown;   /* the engine's audit problem is on the status line */
    int loop_errno;             /* why the loop failed */
} console;

/* screen.c */
void gos_console_layout(console *c);
void gos_console_handle_resize(console *c);
void gos_console_draw(console *c);
/* Notices a view switch made by an action: fresh layout, pages from the top. */
void gos_console_follow_view(console *c);
void gos_console_drop_windows(console *c);

#endif
