/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Macros: action-line files under $XDG_CONFIG_HOME/guestos/macros, recorded, stored and replayed step by step. */
#ifndef GOS_MACRO_H
#define GOS_MACRO_H

#include <stdbool.h>
#include <stddef.h>

#include "core/actions.h"

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

/* The same, keeping line instead of cmd's own when line is not NULL (what
 * the command resolved to: `sort next` is kept as `sort state`). */
bool gos_macro_rec_add_line(gos_macro_rec *rec, const char *line, const gos_cmd *cmd);

/* The file's text: a comment header, then one action line per command.
 * Newly allocated. */
char *gos_macro_rec_text(const gos_macro_rec *rec);

/* Writes the macro file: the folder is made 0700, the file 0600, atomically
 * and durably (g_file_set_contents_full), so that a reader sees the old file
 * or the new one, never half of one. Returns 0 with *path (may be
 * NULL) set to the file written, or -1 with *err. */
int gos_macro_rec_save(const gos_macro_rec *rec, char **path, char **err);

#endif
