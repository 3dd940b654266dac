/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Internals the audit pager's two files share (pager.c: the page; pager_read.c: reading it), and test hooks. */
#ifndef GOS_PAGER_PRIV_H
#define GOS_PAGER_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "db/pager.h"

/* What a page load is for. */
typedef enum {
    GOS_PAGER_LOAD_RELOAD = 0,   /* the same page again (new rows, a new page size) */
    GOS_PAGER_LOAD_HOME,         /* the newest page */
    GOS_PAGER_LOAD_OLDER,        /* the page after the last row */
    GOS_PAGER_LOAD_NEWER,        /* the page before the first row */
    GOS_PAGER_LOAD_END,          /* the oldest page */
} gos_pager_load;

/* Where the cursor goes once the page is there. */
typedef enum {
    GOS_PAGER_CUR_KEEP = 0,      /* on the same task when it is on the page, else the same line */
    GOS_PAGER_CUR_FIRST,
    GOS_PAGER_CUR_LAST,
} gos_pager_cursor_rule;

/* One question: which page, with which filter. */
typedef struct gos_pager_request {
    unsigned gen;                /* the pager's count of questions: the newest is the one to answer */
    char **words;                /* the filter words (owned) */
    gos_pager_load kind;
    int64_t anchor;              /* RELOAD: keys below it; 0 = from the newest */
    int64_t edge;                /* OLDER: the last key; NEWER: the first key */
    size_t page;
    gos_pager_cursor_rule cursor;
    size_t cursor_line;
    int64_t cursor_key;
} gos_pager_request;

/* Its answer. */
typedef struct gos_pager_result {
    GArray *rows;                /* gos_audit_task with owned strings, newest first, at most page */
    bool newer, older;           /* tasks before the first row / after the last exist */
    int64_t anchor;              /* the RELOAD anchor that shows this same page */
    char *error;                 /* why it could not be read, or NULL */
} gos_pager_result;

/* An array of gos_audit_task that owns their strings. */
GArray *gos_pager_rows_new(void);
void gos_pager_request_free(gos_pager_request *rq);   /* accepts NULL */
void gos_pager_result_free(gos_pager_result *res);    /* accepts NULL */

/* Reads rq's page from audit, giving up after budget_ms (0: no limit). Returns 0 with
 * *out filled, 1 when it gave up (budget or interrupt), -1 with (*out)->error set;
 * *out is always set (free it). */
int gos_pager_run(gos_audit *audit, const gos_pager_request *rq, int budget_ms, gos_pager_result **out);

/* The worker: a thread with a read-only handle of its own that answers one question
 * at a time and calls wake(data) when an answer waits. */
typedef struct gos_pager_worker gos_pager_worker;

/* Opens the handle on path and starts the thread; NULL when either cannot be had. */
gos_pager_worker *gos_pager_worker_new(const char *path, void (*wake)(void *data), void *data);
/* Stops the thread (interrupting its query) and frees. Accepts NULL. */
void gos_pager_worker_free(gos_pager_worker *w);
/* Hands rq (owned) over, replacing a question not begun yet; interrupt: the one being
 * answered is dropped too. */
void gos_pager_worker_ask(gos_pager_worker *w, gos_pager_request *rq, bool interrupt);
/* Takes the newest answer with its question; false when none waits. */
bool gos_pager_worker_take(gos_pager_worker *w, gos_pager_request **rq, gos_pager_result **res);
/* Counts an answer the pager did not apply (a newer question came), and tells how
 * many questions were dropped in all (see gos_pager_priv_dropped). */
void gos_pager_worker_note_dropped(gos_pager_worker *w);
unsigned gos_pager_worker_dropped(gos_pager_worker *w);

/* --- hooks for tests --- */

/* The budget of a page on the owner's thread, in ms (40 unless set; 0: no limit). */
void gos_pager_priv_set_budget(gos_pager *p, int ms);

/* How many questions were dropped for newer ones: interrupted, replaced before
 * they ran, or answered too late to be applied. */
unsigned gos_pager_priv_dropped(gos_pager *p);

#endif
