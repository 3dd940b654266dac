/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Macros: action-line files under $XDG_CONFIG_HOME/guestos/macros, recorded, stored and replayed step by step. */
#ifndef GOS_MACRO_H
#define GOS_MACRO_H

#include <stdbool.h>
#include <stddef.h>

#include "core/actions.h"
#include "core/session.h"

/* Longest macro name, in bytes. */
#define GOS_MACRO_NAME_MAX 64
/* How deep macros may call macros. */
#define GOS_MACRO_DEPTH_MAX 16

/* True for 1 to GOS_MACRO_NAME_MAX characters of [A-Za-z0-9_.-] that do not
 * start with '.' (no hidden files, no "." or ".."). */
bool gos_macro_name_valid(const char *name);

/* The macros folder, $XDG_CONFIG_HOME/guestos/macros. Newly allocated. */
char *gos_macro_dir(void);

/* The file of macro name (FOLDER/NAME.gos), newly allocated; NULL with *err
 * (a translated sentence, free with g_free) when the name is not valid. */
char *gos_macro_path(const char *name, char **err);

/* Reads and parses macro name. Returns 0 with *out set (free with
 * gos_script_free), or -1 with *err: an invalid name, a missing or
 * unreadable file, or a syntax error as "FILE:LINE:COL: why". */
int gos_macro_load(const char *name, gos_script **out, char **err);

/* --- recording ------------------------------------------------------------ */

typedef struct gos_macro_rec gos_macro_rec;

/* Starts a recording of macro name. Returns NULL with *err when the name is
 * not valid. Nothing is written until gos_macro_rec_save. */
gos_macro_rec *gos_macro_rec_new(const char *name, char **err);
void gos_macro_rec_free(gos_macro_rec *rec);   /* accepts NULL */
const char *gos_macro_rec_name(const gos_macro_rec *rec);
size_t gos_macro_rec_count(const gos_macro_rec *rec);

/* Appends cmd as its action line (gos_cmd_format), unless its action is
 * GOS_ACT_NO_RECORD. Returns true when it was appended. */
bool gos_macro_rec_add(gos_macro_rec *rec, const gos_cmd *cmd);

/* The file's text: a comment header, then one action line per command.
 * Newly allocated. */
char *gos_macro_rec_text(const gos_macro_rec *rec);

/* Writes the macro file: the folder is made 0700, the file 0600, through a
 * temporary file in the same folder and rename(), so that a reader sees the
 * old file or the new one, never half of one. Returns 0 with *path (may be
 * NULL) set to the file written, or -1 with *err. */
int gos_macro_rec_save(const gos_macro_rec *rec, char **path, char **err);

/* --- replay ------------------------------------------------------------------ */

/* A replay runs one command at a time and never blocks: `wait` and the
 * settling after `connect` and `refresh` become wait states that the caller
 * polls, so the console keeps drawing meanwhile. `macro` lines inside a macro
 * open the other file on a stack; a macro that would call itself, directly or
 * not, or nest deeper than GOS_MACRO_DEPTH_MAX, stops the replay. */
typedef struct gos_macro_player gos_macro_player;

typedef enum {
    GOS_PLAY_CMD = 0,    /* *cmd is the next command: run it, then call again */
    GOS_PLAY_WAIT_TASKS, /* `wait`: tasks still run; call again within *wait_ms (-1: when one ends) */
    GOS_PLAY_WAIT_IDLE,  /* a host is still being listed; call again within *wait_ms */
    GOS_PLAY_DONE,
    GOS_PLAY_ERROR,      /* *err says why and where; the replay is over */
} gos_play_state;

/* Loads macro name (see gos_macro_load). */
int gos_macro_player_new(const char *name, gos_macro_player **out, char **err);

/* Replays an already parsed script (taken over) without changing the origin:
 * the console runs a `wait` typed by the operator this way. */
gos_macro_player *gos_macro_player_new_script(gos_script *script);

void gos_macro_player_free(gos_macro_player *p);   /* accepts NULL */

/* The next step. For GOS_PLAY_CMD, *cmd receives a copy (the caller clears
 * it with gos_cmd_clear). *dirty gains the GOS_DIRTY_* bits of updates the
 * player applied while it checked whether hosts are settled. */
gos_play_state gos_macro_player_next(gos_macro_player *p, gos_session *s, gos_cmd *cmd,
                                     long *wait_ms, unsigned *dirty, char **err);

/* The name of the outermost macro, or NULL for a script. */
const char *gos_macro_player_name(const gos_macro_player *p);

/* The origin for tasks the last command submits ("macro:NAME" of the
 * innermost macro), or NULL to keep the session's. */
const char *gos_macro_player_origin(const gos_macro_player *p);

/* "FILE:LINE" of the last command returned, for messages. */
const char *gos_macro_player_where(const gos_macro_player *p);

/* Runs a player to its end, blocking in `wait` (batch mode, other callers of
 * gos_cmd_exec). Each command runs with the player's origin; the session's
 * origin is restored after each. Returns GOS_DIRTY_* bits, or -1 with *err
 * ("FILE:LINE: why"). */
int gos_macro_player_run(gos_macro_player *p, gos_session *s, char **err);

/* --- the actions (rows of the action table) ------------------------------- */

/* `macro NAME`: gos_macro_player_run over macro NAME. */
int gos_act_macro(gos_session *s, int argc, char **argv, char **err);

/* `record [NAME]`: only the console records; elsewhere this says so. */
int gos_act_record(gos_session *s, int argc, char **argv, char **err);

#endif
