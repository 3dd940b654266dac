/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Drawing primitives of the console: colour roles, width-aware text, progress bar, lines, text pages. */
#ifndef GOS_DRAW_H
#define GOS_DRAW_H

#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <curses.h>
#include <stdbool.h>
#include <stddef.h>

/* What a piece of text means; the scheme table turns it into colours or,
 * on monochrome terminals and under NO_COLOR, into attributes. */
typedef enum {
    GOS_ROLE_NORMAL = 0,
    GOS_ROLE_TITLE,        /* the top line */
    GOS_ROLE_HEADER,       /* column headers, section titles */
    GOS_ROLE_SELECTED,     /* the row under the cursor */
    GOS_ROLE_MARKED,       /* a marked VM */
    GOS_ROLE_RUNNING,      /* VM state running */
    GOS_ROLE_OFF,          /* VM state shut off and other inactive states */
    GOS_ROLE_OK,
    GOS_ROLE_WARN,
    GOS_ROLE_ERROR,
    GOS_ROLE_BAR,          /* the filled part of a progress bar */
    GOS_ROLE_HINT_KEY,     /* a key name in the hint bar */
    GOS_ROLE_DIM,          /* secondary text */
    GOS_ROLE_N
} gos_role;

/* Call once after the screen exists: picks colours (none when NO_COLOR is
 * set to anything non-empty or the terminal has none) and the glyph set
 * (line drawing and block characters only when the locale is UTF-8 and TERM
 * is not vt100-like). */
void gos_draw_init(void);

/* The attributes (colour pair included) that stand for role. */
attr_t gos_draw_attr(gos_role role);
bool gos_draw_has_color(void);
bool gos_draw_unicode(void);

/* Display width of text in the current locale; bytes that do not decode and
 * non-printable characters count as one column (they are drawn as '?'). */
int gos_text_width(const char *text);

/* Writes text at (y, x) in at most width columns with attributes attr, never
 * splitting a multibyte character; when pad, fills the rest of the width with
 * blanks. A character that does not fit is left out whole. Returns the
 * columns written (padding excluded). */
int gos_draw_text(WINDOW *w, int y, int x, int width, attr_t attr, const char *text, bool pad);

/* Like gos_draw_text with pad, but text wider than width ends in an ellipsis
 * ("\u2026", "~" in ASCII), so that a cut text never passes for a whole one.
 * Returns the columns written. */
int gos_draw_text_cut(WINDOW *w, int y, int x, int width, attr_t attr, const char *text);

/* The same without the padding: a cell of a row that is blanked already,
 * whose blanks would only cost bytes in its own colour. */
int gos_draw_cell(WINDOW *w, int y, int x, int width, attr_t attr, const char *text);

/* The same for sentences: a cut falls after the last whole word that fits. */
int gos_draw_text_words(WINDOW *w, int y, int x, int width, attr_t attr, const char *text);

/* The ellipsis of the glyph set in use: "\u2026" or "~". */
const char *gos_draw_ellipsis(void);

/* Like gos_draw_text, but right-aligned in width (text padded on the left). */
void gos_draw_text_right(WINDOW *w, int y, int x, int width, attr_t attr, const char *text);

/* Blanks width columns at (y, x) with attr. */
void gos_draw_fill(WINDOW *w, int y, int x, int width, attr_t attr);

/* A progress bar of width columns for percent (clamped to 0..100): eighth
 * blocks in UTF-8, "[###...]" otherwise. */
void gos_draw_bar(WINDOW *w, int y, int x, int width, int percent);
/* The same with the filled part in role (a failed task's bar is not green). */
void gos_draw_bar_role(WINDOW *w, int y, int x, int width, int percent, gos_role role);

/* Horizontal line of width columns; a box around the whole window. */
void gos_draw_hline(WINDOW *w, int y, int x, int width, attr_t attr);
void gos_draw_box(WINDOW *w, attr_t attr);

/* " | " or " │ ": the separator between fields of the top line. */
const char *gos_draw_separator(void);

/* Byte offset in text after which a line of at most width columns should
 * break: at the last blank that fits, else at the last character that fits.
 * Returns strlen(text) when all of it fits. Never 0 for non-empty text. */
size_t gos_text_wrap_at(const char *text, int width);

/* --- text pages: lines of up to three cells, scrolled as a whole ------- */

typedef struct gos_lines gos_lines;

gos_lines *gos_lines_new(int width);
void gos_lines_free(gos_lines *lines);   /* accepts NULL */
size_t gos_lines_count(const gos_lines *lines);

/* Adds one line: cells at columns x0, x1, x2 (a cell ends where the next
 * begins; -1 leaves a cell out). The last cell present wraps onto as many
 * lines as it needs, at its own column. Texts are copied; NULL is "". */
void gos_lines_add(gos_lines *lines, gos_role role0, int x0, const char *t0,
                   gos_role role1, int x1, const char *t1,
                   gos_role role2, int x2, const char *t2);
/* Shorthands: one cell at x; a label at 2 and a value at x. */
void gos_lines_text(gos_lines *lines, gos_role role, int x, const char *text);
void gos_lines_pair(gos_lines *lines, int x, const char *label, gos_role role, const char *value);
void gos_lines_blank(gos_lines *lines);

/* Draws lines from *top on rows y0..y0+rows-1 of w, after clamping *top so
 * that the page never scrolls past its end. */
void gos_lines_draw(const gos_lines *lines, WINDOW *w, int y0, int rows, int *top);

#endif
