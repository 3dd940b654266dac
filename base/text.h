/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Untrusted text (from guests, libvirt, files) made safe to show: the one sanitizer of guestos. */
#ifndef GOS_BASE_TEXT_H
#define GOS_BASE_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include <glib.h>

/* What takes the place of a character that must not reach a terminal, a log
 * line or a spreadsheet cell. */
#define GOS_TEXT_REPLACEMENT '?'

/*
 * Reads the next character of text (at most len bytes; len < 0: up to the
 * NUL). Returns the bytes it takes (at least 1), 0 at the end. *c receives the
 * character, or (gunichar)-1 when it must not be shown as it is: bytes that
 * are not UTF-8, C0 and C1 controls, DEL, line and paragraph separators, the
 * bidirectional overrides and isolates (which reorder what follows), and the
 * other invisible format characters. Every output path decides with this.
 */
size_t gos_text_next(const char *text, gssize len, gunichar *c);

/* True when gos_text_next would turn some character of text into the
 * replacement (text NULL: false). */
bool gos_text_unsafe(const char *text);

/* A copy of text with every character that gos_text_next refuses replaced
 * by '?', at most max_bytes long (cut at a character boundary); NULL for NULL. */
char *gos_text_clean(const char *text, size_t max_bytes);

/* The same for an ASCII-only destination (a terminal whose locale is not
 * UTF-8): everything outside printable ASCII becomes '?'. */
char *gos_text_clean_ascii(const char *text, size_t max_bytes);

/* gos_text_clean, or gos_text_clean_ascii when the locale's charset is not
 * UTF-8: for text printed on stdout or stderr, where a C1 byte in a Latin-1
 * terminal is a control. */
char *gos_text_for_locale(const char *text, size_t max_bytes);

#endif
