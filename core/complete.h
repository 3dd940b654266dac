/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Completion of action lines: action names, then what an action's arguments can be (VM names, filter words, ...). */
#ifndef GOS_COMPLETE_H
#define GOS_COMPLETE_H

#include <stddef.h>

#include <glib.h>

#include "core/session.h"

/* Candidates shown at most; the common part is worked out over all of them. */
#define GOS_COMPLETE_MAX 200

/* The words that may stand at the end of before (an action line up to the
 * insertion point): action names for the first word; after it, what the
 * action's synopsis allows there (its literal words, VM names for VM and
 * PATTERN, hosts for URI, macro names for NAME, column names for COLUMN,
 * state and agent words after state= and agent=, the values of the audit
 * filters after --vm, --host, --result, --origin). Sorted, without
 * repeats, at most GOS_COMPLETE_MAX (char*, owned); *start receives the byte
 * offset where the word being completed begins, and *more how many more
 * there were. Never NULL. */
GPtrArray *gos_complete(gos_session *s, const char *before, size_t *start, size_t *more);

/* The longest start that every candidate shares (whole characters). Newly allocated. */
char *gos_complete_common(const GPtrArray *cands);

#endif
