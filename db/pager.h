/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The audit pager: one screenful of recorded tasks at a time, keyset-paged both ways, slow pages on a worker. */
#ifndef GOS_PAGER_H
#define GOS_PAGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/audit.h"

/*
 * A pager holds the page its owner shows and nothing more: at most
 * page_rows tasks, newest first, filtered by the words of `guestos audit`.
 * It reads through read-only connections of its own (never the lock under
 * which the task engine appends): first on the owner's thread under a small
 * budget, and when a page takes longer than that, on a worker thread of its
 * own, whose answer the owner takes with gos_pager_collect once wake has
 * been called. A newer question interrupts the older one.
 *
 * Every function but wake's caller runs on the owner's thread. Reading
 * happens only in gos_pager_sync and gos_pager_move; the accessors never
 * touch the database, so drawing can call them freely.
 */
typedef struct gos_pager gos_pager;

/* The moves of gos_pager_move, in the order of the console's scroll steps. */
typedef enum {
    GOS_PAGER_UP = 0,           /* the cursor one task up; at the top, the newer page */
    GOS_PAGER_DOWN,             /* one task down; at the bottom, the older page */
    GOS_PAGER_PAGE_UP,          /* the newer page, the cursor on the same line */
    GOS_PAGER_PAGE_DOWN,        /* the older page */
    GOS_PAGER_HOME,             /* the newest page */
    GOS_PAGER_END,              /* the oldest page */
} gos_pager_move_kind;

/* Creates a pager over shared (borrowed; it must outlive the pager; NULL shows an
 * error). When shared is a file, the pager opens read-only handles of its own from
 * gos_audit_get_path(shared) at its first read; a store in memory has no file to
 * open twice, so the pager then reads through shared, always on the owner's thread.
 * wake(data) is called on the worker thread each time an answer waits for
 * gos_pager_collect; it must only signal the owner (a byte down a pipe, a message
 * on a queue), never call into the pager. No read happens before gos_pager_sync. */
gos_pager *gos_pager_new(gos_audit *shared, void (*wake)(void *data), void *data);

/* Stops the worker (interrupting its query) and frees. Accepts NULL. */
void gos_pager_free(gos_pager *p);

/* Sets the filter: the words of `guestos audit` ("--vm", "web1", ...; argc 0: every
 * task), copied. The next sync reads from the newest task, the cursor on it, the
 * detail closed. Returns 0, or -1 with *err set (free with free()) when
 * gos_audit_filter_parse refuses the words: the pager then shows no task and that
 * sentence as its error until the next filter. */
int gos_pager_set_filter(gos_pager *p, int argc, char *const *argv, char **err);

/* Tasks per page (at least 1; 10 until set). A change reads the page again at the next sync. */
void gos_pager_set_page_rows(gos_pager *p, int rows);

/* New tasks may have been recorded: the next sync reads the same page again,
 * the cursor on the same task when it is still there, else on the same line. */
void gos_pager_reload(gos_pager *p);

/* Reads whatever is stale (a new filter, a reload, the page size, or nothing read
 * yet): on the owner's thread when it takes less than the budget (40 ms), else on
 * the worker. A filter that ran past the budget once goes straight to the worker
 * from then on. While the worker has a page, a reload waits for its answer.
 * Returns true when what the accessors give changed (a page, an error, busy). */
bool gos_pager_sync(gos_pager *p);

/* Takes the worker's answer. True when it changed the page; an answer to a question
 * that a newer one replaced is dropped (false). Call gos_pager_sync after it: a
 * reload asked for meanwhile is then read. */
bool gos_pager_collect(gos_pager *p);

/* Moves the cursor, reading the next page when it leaves this one. Ignored while
 * the worker has a page (busy). Returns true when anything changed. */
bool gos_pager_move(gos_pager *p, gos_pager_move_kind how);

/* The detail: every field of the task under the cursor instead of the list.
 * Opening or closing it scrolls it back to its top. */
void gos_pager_set_detail(gos_pager *p, bool open);
bool gos_pager_detail(const gos_pager *p);
/* Scrolls the detail by lines (negative: up), never above its top. */
void gos_pager_detail_scroll(gos_pager *p, int lines);
/* The first line of the detail shown. */
int gos_pager_detail_top(const gos_pager *p);
/* Drawing says how far the detail can scroll: the top is kept within 0..max_top. */
void gos_pager_detail_clamp(gos_pager *p, int max_top);

/* --- the page, for drawing: none of these reads the database --- */

/* Tasks on the page, and one of them (NULL past the end). A task and its strings
 * stay valid until the next gos_pager_sync, gos_pager_collect, gos_pager_move,
 * gos_pager_set_filter or gos_pager_free. */
size_t gos_pager_count(const gos_pager *p);
const gos_audit_task *gos_pager_row(const gos_pager *p, size_t i);
/* The cursor's line, and the task under it (NULL when the page is empty). */
size_t gos_pager_cursor(const gos_pager *p);
const gos_audit_task *gos_pager_current(const gos_pager *p);
/* Whether tasks newer than the first row (above) or older than the last (below) exist. */
bool gos_pager_newer(const gos_pager *p);
bool gos_pager_older(const gos_pager *p);
/* The worker is reading the page: what is on it is about to change. */
bool gos_pager_busy(const gos_pager *p);
/* A page (or an error) has been read since the pager was made. */
bool gos_pager_loaded(const gos_pager *p);
/* Why the last page could not be read (one translated sentence), or NULL. */
const char *gos_pager_error(const gos_pager *p);
/* The filter words as one line ("--vm web1 --search \"two words\""), "" for none. */
const char *gos_pager_filter_text(const gos_pager *p);
/* How long the last page took to read, in microseconds (worker included). */
int64_t gos_pager_query_us(const gos_pager *p);

#endif
