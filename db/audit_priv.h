/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Internals shared by the audit store's files, plus hooks only tests and the benchmark use. */
#ifndef GOS_AUDIT_PRIV_H
#define GOS_AUDIT_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <glib.h>
#include <sqlite3.h>

#include "db/audit.h"

/* The newest schema this build knows (PRAGMA user_version). */
#define GOS_AUDIT_SCHEMA_VERSION 5
/* The oldest schema a read-only review reads as it is: version 5 changed
 * only the triggers that write, so its tables are those of version 4. */
#define GOS_AUDIT_READ_VERSION 4

/* PRAGMA application_id of a guestos audit database: "gosa". */
#define GOS_AUDIT_APPLICATION_ID 0x676f7361

/* prev_hash of the first event. */
#define GOS_AUDIT_GENESIS_HASH \
    "0000000000000000000000000000000000000000000000000000000000000000"

/* Default wait for another process's write lock, in milliseconds. */
#define GOS_AUDIT_BUSY_TIMEOUT_MS 5000

struct gos_audit {
    GMutex lock;                 /* serialises every use of db and the statements */
    sqlite3 *db;
    bool readonly;
    bool legacy_users;           /* a store below version 3 (tests only): users as comma text */
    int version;                 /* its schema version (below the newest only in tests) */
    int ended_since_flush;       /* tasks this handle ended since the text queue was last indexed */
    bool in_batch;               /* between gos_audit_batch_begin and _commit */
    char *path;
    char *node;                  /* this machine's host name, stamped on each event */
#define GOS_AUDIT_TXN_STATEMENTS 2
    sqlite3_stmt *st_txn[GOS_AUDIT_TXN_STATEMENTS];   /* BEGIN IMMEDIATE, COMMIT */
    sqlite3_stmt *st_last;       /* id and hash of the newest event */
    sqlite3_stmt *st_insert;     /* one event with its hash */
    sqlite3_stmt *st_end_kind;   /* whether a task has ended, for recovery's re-check */
    gint interrupt;              /* set by gos_audit_interrupt (any thread), read atomically */
    gint64 deadline_us;          /* monotonic time a gos_audit_query_page gives up; 0 = none */
    int busy_timeout_ms;         /* how long a lock held by another process is waited for */
    gint64 busy_since_us;        /* when the current wait began (see busy_wait in audit.c) */
    /* forwarding to the system log (forward.c) */
    gint fwd_mode;               /* gos_audit_forward, AUTO resolved; read atomically */
    struct gos_forwarder *fwd;   /* its queue and thread; NULL when off */
    GPtrArray *fwd_pending;      /* events of the batch under way, sent once it commits (with lock) */
};

/* One stored value of an event, as the hash chain sees it. */
typedef enum {
    GOS_CELL_NULL = 0,
    GOS_CELL_INT,
    GOS_CELL_TEXT,
    GOS_CELL_REAL,               /* never written by guestos; seen only in a tampered row */
    GOS_CELL_BLOB,               /* idem */
} gos_audit_cell_type;

typedef struct gos_audit_cell {
    gos_audit_cell_type type;
    int64_t i;
    double r;
    const void *p;               /* TEXT or BLOB bytes, not NUL-terminated */
    size_t len;
} gos_audit_cell;

/* The stored columns of events in hashing (and INSERT/SELECT) order; prev_hash and hash follow. */
#define GOS_AUDIT_EVENT_NCOLS 26
extern const char *const gos_audit_event_columns[GOS_AUDIT_EVENT_NCOLS];

/*
 * Version 3's column, after hash: how users_before and users_after are written.
 * NULL: comma-separated text (events from versions 1 and 2); 1: JSON arrays. A
 * row's hash covers the 26 columns above, and users_format as a 27th cell when
 * it is not NULL, so an old row and a new one both verify and flipping the
 * format of either breaks its hash.
 */
#define GOS_AUDIT_USERS_FORMAT_COLUMN "users_format"
#define GOS_AUDIT_USERS_JSON 1

/* The kind as stored ("submitted", ...), or NULL when out of range. */
const char *gos_audit_kind_name(gos_audit_kind kind);

/* SHA-256 in hex over prev_hash and the canonical form of cells (see chain.c). */
void gos_audit_hash_cells(const char *prev_hash, const gos_audit_cell *cells, size_t n,
                          char out[65]);

/* Reads n cells from columns first..first+n-1 of a stepped statement. */
void gos_audit_cells_from_stmt(sqlite3_stmt *st, int first, gos_audit_cell *cells, size_t n);

/* Recomputes the hash a stored event should carry, from its stored prev_hash and fields.
 * For tests that play an attacker who knows the algorithm. Returns 0, or -1 when no such row. */
int gos_audit_priv_row_hash(sqlite3 *db, int64_t id, char out[65]);

/* Reads user_version and application_id, and whether the schema holds any object, in
 * one read transaction. Returns 0, or -1 with *err set to a sentence that names path
 * (one of its own when the file is not an SQLite database). */
int gos_audit_schema_probe(sqlite3 *db, const char *path, int *version, int *app_id,
                           bool *has_objects, char **err);

/* How many ended tasks the text queue (text_pending) gathers before the store
 * indexes them, one FTS5 segment for all (schema.c, version 4). */
#define GOS_AUDIT_TEXT_FLUSH 64

/* The statements that move text_pending into tasks_text (schema.c). */
extern const char gos_audit_text_flush_sql[];

/* Indexes the queued text now, in a transaction of its own (or as a savepoint of
 * the batch under way), with the lock held. Returns 0, or -1 when SQLite refused
 * (the queue stays for the next try; searches read it meanwhile). */
int gos_audit_text_flush_locked(gos_audit *audit);

/* The same for tests, taking the lock. */
int gos_audit_priv_text_flush(gos_audit *audit);

/* verify's re-fold of the events into temp.gos_fold (schema.c; run by verify.c). */
extern const char gos_audit_refold_setup[];
extern const char gos_audit_refold_run[];
extern const char gos_audit_refold_teardown[];

/* Inside verify's read transaction, with the lock held: re-folds the events and
 * compares the result with the stored summary. Sets r->ok = false and r->reason
 * when they differ. Returns 0, or -1 with *err set when it could not check. */
int gos_audit_verify_summary(gos_audit *audit, gos_audit_verify_report *r, char **err);

/* Whether the guestos process pid of machine node, which ran a task, is gone (so
 * that the task, started and never ended, was interrupted). Only a process of
 * this machine can be probed; this process is never gone. */
bool gos_audit_owner_gone(const gos_audit *audit, const char *node, int64_t pid);

/* The audit database's path as sshd's StrictModes would have it (path.c): no
 * symbolic link, a regular file; for recording (readonly false) owned by this
 * user, mode 0600, in folders nobody else can write (sticky ones excepted); for
 * review, not writable by others. A missing file passes for recording. Returns
 * 0, or -1 with *err set to one translated sentence. */
int gos_audit_path_check(const char *path, bool readonly, char **err);

/* Checks path for recording, making its folders 0700 and the file 0600 where
 * they are missing, without following a link. Returns 0, or -1 with *err set. */
int gos_audit_path_create(const char *path, char **err);

/* Runs the migration steps from `from` up to `target` in one IMMEDIATE transaction. */
int gos_audit_schema_migrate(sqlite3 *db, int target, char **err);

/* Prepares the SELECT of tasks matching filter (columns in gos_audit_task_from_stmt order),
 * newest first or oldest first, after after_key (0 = from the start), at most limit (0 = all). */
int gos_audit_task_stmt(gos_audit *audit, const gos_audit_filter *filter, int64_t after_key,
                        size_t limit, bool oldest_first, sqlite3_stmt **out, char **err);

/* Fills task with pointers into the current row of a gos_audit_task_stmt statement. */
void gos_audit_task_from_stmt(sqlite3_stmt *st, gos_audit_task *task);

/* Prepares what appending needs (append.c): the newest event's id and hash, the
 * INSERT (with users_format, or as versions 1 and 2 had it), and the transaction
 * statements. Returns 0, or -1 (sqlite3_errmsg says why). */
int gos_audit_prepare_append(gos_audit *a, bool with_format);

/* gos_audit_append with audit->lock held. only_if_open: when the task has ended by
 * the time the write lock is held, append nothing and set *skipped. hash_out (may
 * be NULL) receives the event's hash once it is committed, "" when it is only a
 * savepoint of a batch (not durable yet, so not to be forwarded). */
int gos_audit_append_locked(gos_audit *audit, const gos_audit_event *ev, bool only_if_open,
                            int64_t *id_out, bool *skipped, char hash_out[65], char **err);

/* The first trigger of the store's schema that is gone or no longer refuses
 * (verify.c), NULL when all are there; g_free it. */
char *gos_audit_missing_trigger(sqlite3 *db, int version);

/* Forwards one committed event (forward.c), as gos_audit_set_forward chose. */
void gos_audit_forward_event(gos_audit *audit, const gos_audit_event *ev, int64_t seq, const char *hash);

/* The same in two steps, for an event of a batch: what to send, made while the
 * event is at hand (NULL when forwarding is off), then sent once the batch has
 * committed (gos_audit_forward_send frees it) or dropped when it did not
 * (gos_audit_forward_drop). */
void *gos_audit_forward_prepare(gos_audit *audit, const gos_audit_event *ev, int64_t seq, const char *hash);
void gos_audit_forward_send(gos_audit *audit, void *prepared);
void gos_audit_forward_drop(void *prepared);

/* Stops forwarding when the store closes: what is queued is sent, waiting a
 * few seconds at most for a journal that does not read. */
void gos_audit_forward_close(gos_audit *audit);

/* A users list as version 3 stores it: compact JSON array text ("[\"a\",\"b\"]");
 * NULL for NULL. g_free the result. */
char *gos_audit_users_json(const char *const *users);

/* Reads json when it is an array in the form guestos writes for plain names,
 * ["alice","bob"]: no escape, no control character, nothing between the tokens.
 * Calls name for each (s is not NUL-terminated) and returns how many, or -1 when
 * json has another form (name may have been called already). Any other form is
 * json-c's to read. */
int gos_audit_users_plain(const char *json, void (*name)(const char *s, size_t len, void *data), void *data);

/* The same as versions 1 and 2 stored it, joined with commas (ambiguous: the
 * reason for version 3; only test stores of those versions are written so). */
char *gos_audit_users_joined(const char *const *users);

/* --- shared by the exports (export.c, export_json.c) --- */

/* "2024-05-01T12:00:00.123Z" (with_ms) or "2024-05-01T12:00:00Z"; "-" when not known. */
void gos_audit_export_time(int64_t ms, bool with_ms, char buf[40]);
/* "0xA0040505". */
void gos_audit_export_hr(uint32_t hr, char buf[11]);
/* The result's stable name, or its number when it has none; NULL for GOS_RESULT_NONE. */
const char *gos_audit_export_result(int result, char buf[16]);

/* The JSON export's writer: one object per task, its brackets and commas the caller's. */
typedef struct gos_audit_json gos_audit_json;
gos_audit_json *gos_audit_json_new(void);
void gos_audit_json_free(gos_audit_json *j);   /* accepts NULL */
/* Writes t as one JSON object (indented, no newline). */
void gos_audit_json_row(gos_audit_json *j, FILE *out, const gos_audit_task *t);

/* Sets *err (when err is not NULL) to a newly allocated sentence; frees with free(). */
void gos_audit_set_err(char **err, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* --- hooks for tests and the benchmark --- */

/* Opens read-write but migrates only up to `version` (to build older databases). */
int gos_audit_open_version(const char *path, int version, gos_audit **out, char **err);

/* The connection itself (tests set max_page_count on it). */
sqlite3 *gos_audit_priv_db(gos_audit *audit);

/* How long an append waits for another writer's lock. */
void gos_audit_set_busy_timeout(gos_audit *audit, int ms);


#endif
