/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The tamper-evident SQLite audit store: append-only task events under a SHA-256 hash chain. */
#ifndef GOS_AUDIT_H
#define GOS_AUDIT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "base/result.h"

typedef struct gos_audit gos_audit;

/* What happened to a task. Stored as text ("submitted", ...). */
typedef enum {
    GOS_AUDIT_SUBMITTED = 0,
    GOS_AUDIT_STARTED,
    GOS_AUDIT_PROGRESS,
    GOS_AUDIT_COMPLETED,
    GOS_AUDIT_INTERRUPTED,   /* appended on recovery for a task that started and never ended */
} gos_audit_kind;

/* One event. Strings are borrowed; NULL means "not known" and is stored as NULL. */
typedef struct gos_audit_event {
    gos_audit_kind kind;
    const char *task_id;          /* required */
    int64_t ts_ms;                /* UTC ms; 0 = now */
    /* who, from where, how */
    int64_t op_uid;
    const char *op_user;
    const char *op_tty;
    const char *op_ssh;           /* SSH_CONNECTION client address, or NULL */
    int64_t op_pid;               /* pid of the guestos process that owns the task */
    const char *origin;           /* "interactive", "cli", "macro:NAME", "batch:FILE" */
    /* on what */
    const char *host;             /* libvirt URI */
    const char *vm_uuid;
    const char *vm_name;
    const char *action;           /* action name, e.g. "logoff" */
    /* progress */
    const char *phase;            /* phase name, or NULL */
    int percent;                  /* 0..100, or -1 */
    /* outcome */
    bool has_call_hr;
    uint32_t call_hr;
    int task_result;              /* VMTaskResult 0..9, or GOS_AUDIT_RESULT_* */
    bool has_task_error;
    uint32_t task_error;
    int virt_code;                /* libvirt virErrorNumber, 0 = none */
    const char *message;          /* one sentence: what happened, libvirt's message */
    /* Users logged on before and after: NULL-terminated names, one per user (any
     * text, commas included); NULL when not known, an empty list when known none. */
    const char *const *users_before;
    const char *const *users_after;
} gos_audit_event;

/* One task as the review and export see it: the fold of its events. Owned by
 * the store during a callback; copy what must outlive it. */
typedef struct gos_audit_task {
    int64_t key;                  /* keyset paging key (newest first: pass the last key back) */
    const char *task_id;
    const char *host, *vm_uuid, *vm_name, *action;
    const char *op_user;
    int64_t op_uid;
    const char *op_tty, *op_ssh;
    const char *origin;
    int64_t submitted_at;         /* UTC ms */
    int64_t ended_at;             /* UTC ms, 0 while not ended */
    const char *phase;            /* last phase seen */
    int percent;
    bool has_call_hr;
    uint32_t call_hr;
    int task_result;              /* VMTaskResult or GOS_AUDIT_RESULT_* */
    bool has_task_error;
    uint32_t task_error;
    int virt_code;
    const char *message;
    /* The users as the summary holds them: a JSON array of names ("[\"alice\",\"a,b\"]"),
     * "[]" for known none, NULL when not known. Read them with gos_audit_users_parse
     * (one name per user) or show them with gos_audit_users_json_text. */
    const char *users_before_json, *users_after_json;
} gos_audit_task;

/* Filters shared by the TUI review and `guestos audit`. Zero/NULL fields match all. */
typedef struct gos_audit_filter {
    const char *vm;               /* name or UUID, exact */
    const char *op_user;
    const char *action;
    const char *host;
    bool has_result;
    int result;                   /* VMTaskResult or GOS_RESULT_INTERRUPTED */
    bool has_hresult;
    uint32_t hresult;             /* matches call_hr or task_error */
    int64_t since_ms, until_ms;   /* submitted_at range; 0 = open */
    const char *text;             /* substring of vm name, message, users */
    const char *origin;           /* exact, or every macro or batch file for "macro:" or "batch:" */
} gos_audit_filter;

typedef enum { GOS_AUDIT_TABLE = 0, GOS_AUDIT_CSV, GOS_AUDIT_JSON } gos_audit_format;

typedef struct gos_audit_verify_report {
    bool ok;
    int64_t rows;                 /* events checked */
    int64_t first_bad_id;         /* the first bad event; 0 when ok, or when what is wrong
                                   * is the tasks summary or an anchor (reason says) */
    char *reason;                 /* translated sentence, NULL when ok */
    int64_t head_seq;             /* the last row's position in the chain (0 when empty) */
    char head[65];                /* hex SHA-256 of the last row ("" when empty) */
} gos_audit_verify_report;

/* A point of the chain kept outside the file: event SEQ (1-based position in
 * the chain) had hash HASH. Every forwarded event carries one; verify prints
 * its head as one. */
typedef struct gos_audit_anchor {
    int64_t seq;
    char hash[65];                /* lower-case hex SHA-256 */
} gos_audit_anchor;

/* Where each committed event is forwarded besides the store ([audit] forward). */
typedef enum {
    GOS_AUDIT_FORWARD_OFF = 0,    /* the default of a store: nothing (tests, the benchmark) */
    GOS_AUDIT_FORWARD_AUTO,       /* the journal where its socket is, else syslog */
    GOS_AUDIT_FORWARD_JOURNAL,
    GOS_AUDIT_FORWARD_SYSLOG,
} gos_audit_forward;

/* The default path: $XDG_STATE_HOME/guestos/audit.db or ~/.local/state/guestos/audit.db.
 * Returns a newly allocated string. */
char *gos_audit_default_path(void);

/* Opens (creating 0600, folders 0700) and migrates the store. ":memory:" works.
 * Refuses a database from a newer schema version. Returns 0 or -1 with *err set
 * to a translated sentence (caller frees with free()). */
int gos_audit_open(const char *path, gos_audit **out, char **err);

/* Opens an existing store for reading only (review, export, verify): never
 * creates or migrates. */
int gos_audit_open_readonly(const char *path, gos_audit **out, char **err);

void gos_audit_free(gos_audit *audit);

/* The path the store was opened with (borrowed), ":memory:" included. */
const char *gos_audit_get_path(gos_audit *audit);

/* Appends one event in its own IMMEDIATE transaction, extending the hash chain,
 * committed (synchronous=FULL) before it returns. Thread-safe; safe across
 * processes sharing the file. Returns 0, or -1 with *err set. */
int gos_audit_append(gos_audit *audit, const gos_audit_event *ev, int64_t *id_out, char **err);

/* An explicit outer transaction around many appends (the engine's group
 * commit, the benchmark's bulk fill). Each append inside it becomes a
 * savepoint; nothing is durable before gos_audit_batch_commit. */
int gos_audit_batch_begin(gos_audit *audit, char **err);
int gos_audit_batch_commit(gos_audit *audit, char **err);

/* Reads "auto", "journal", "syslog" or "off" (any case). Returns 0, or -1 with *err set. */
int gos_audit_forward_parse(const char *word, gos_audit_forward *out, char **err);

/* From now on, every event appended through this store in a transaction of its
 * own is forwarded, once committed, to the system log (db/forward.c): the journal
 * (native protocol; GUESTOS_JOURNAL_SOCKET names another socket, for tests) or
 * syslog(3). Forwarding never fails an append: a failure is counted. Call it
 * before the store is shared with other threads (the session does, as it
 * opens the store): appends and the failure counters read the forwarder
 * without a lock, as gos_audit_free alone takes it down. */
void gos_audit_set_forward(gos_audit *audit, gos_audit_forward mode);

/* How many events could not be forwarded since the store was opened (thread-safe). */
uint64_t gos_audit_forward_failures(gos_audit *audit);

/* Why the last forwarding failed ("Connection refused"), NULL when none did; g_free it. */
char *gos_audit_forward_problem(gos_audit *audit);

/* Events are forwarded by a thread of their own, after their commit: waits up
 * to timeout_ms for every event appended so far to be sent (or counted as a
 * failure), so that the counts above are final. Returns how many are still
 * waiting. */
size_t gos_audit_forward_flush(gos_audit *audit, int timeout_ms);

/* Calls cb for each task matching filter, newest first, starting after key
 * `after_key` (0 = from the newest), at most `limit` tasks (0 = all).
 * cb returns non-zero to stop. Returns 0 or -1 with *err set. */
typedef int (*gos_audit_task_cb)(const gos_audit_task *task, void *opaque);
int gos_audit_query(gos_audit *audit, const gos_audit_filter *filter, int64_t after_key,
                    size_t limit, gos_audit_task_cb cb, void *opaque, char **err);

/* The audit pager's query: like gos_audit_query, in either direction (oldest_first:
 * keys above after_key, ascending), and it gives up once budget_ms have passed (0 = no
 * limit) or gos_audit_interrupt is called. Returns 0 when it ran to its end or gave up,
 * with *gave_up saying which (when it gave up, cb may have seen some of the tasks: drop
 * them); gave_up NULL makes giving up a failure. Returns -1 with *err set on error. */
int gos_audit_query_page(gos_audit *audit, const gos_audit_filter *filter, int64_t after_key,
                         bool oldest_first, size_t limit, int budget_ms,
                         gos_audit_task_cb cb, void *opaque, bool *gave_up, char **err);

/* Makes a gos_audit_query_page running on audit in another thread give up soon. Safe
 * from any thread; it affects only the query under way or the next one to start. */
void gos_audit_interrupt(gos_audit *audit);

/*
 * Parses the filter words that `guestos audit` and the audit view share:
 *   --vm NAME|UUID  --operator USER  --action NAME  --host URI  --search TEXT
 *   --origin ORIGIN (interactive, cli, macro:NAME, batch:FILE; macro: or batch: alone: any)
 *   --result NAME (Success, TimeOutError, Interrupted, ...)
 *   --hresult 0xA0040505|NAME|DECIMAL  --since TIME  --until TIME
 * with the value as the next word or after '=' (--vm=web1). TIME is ISO 8601
 * (2026-11-30T10:00:00Z; UTC when no zone is given) or a date (2026-11-30, 00:00 UTC).
 * Fills *f with strings borrowed from argv, so argv must outlive it. Returns 0, or -1 with *err set to one translated
 * sentence (free with free()); *f is written only on success.
 */
int gos_audit_filter_parse(int argc, char *const *argv, gos_audit_filter *f, char **err);

/* A users array of gos_audit_task as names: *users receives a NULL-terminated
 * array (free with g_strfreev), or NULL when json is NULL (not known). Returns 0,
 * or -1 with *err set when json is not a JSON array; *users is written only on success. */
int gos_audit_users_parse(const char *json, char ***users, char **err);

/* Names for people, joined with ", ": a name that holds a comma, a quote, a
 * backslash or a blank, or is empty, stands in double quotes with its quotes and
 * backslashes escaped ("alice, \"a,b\""). "" for an empty list, NULL for NULL;
 * newly allocated (g_free). The names are not sanitised: that is the display's job. */
char *gos_audit_users_text(const char *const *users);

/* gos_audit_users_text of a users array of gos_audit_task; a value that is not
 * an array comes back as it is. NULL for NULL; g_free the result. */
char *gos_audit_users_json_text(const char *json);

/* Streams matching tasks, oldest first, in the format to out, in constant memory.
 * JSON gives users as arrays; CSV puts the JSON array text in its cell (one
 * unambiguous field); the table joins the names as gos_audit_users_text does. */
int gos_audit_export(gos_audit *audit, const gos_audit_filter *filter, gos_audit_format fmt,
                     FILE *out, char **err);

/* Walks the whole chain, then re-folds the events into a summary of its own and
 * compares it, row by row and column by column, with the stored tasks summary
 * (which the review, the exports and the audit view read). Returns 0 when it
 * could check (see rep->ok), -1 on error. Free rep->reason with free(). */
int gos_audit_verify(gos_audit *audit, gos_audit_verify_report *rep, char **err);

/* gos_audit_verify, and each of the n anchors must hold: the log has at least
 * anchor.seq events (else it was truncated) and event anchor.seq has anchor.hash
 * (else it was rewritten and rehashed). */
int gos_audit_verify_anchored(gos_audit *audit, const gos_audit_anchor *anchors, size_t n,
                              gos_audit_verify_report *rep, char **err);

/* Reads "SEQ:HASH" (SEQ a positive decimal, HASH 64 hex digits, any case).
 * Returns 0, or -1 with *err set; *out is written only on success. */
int gos_audit_anchor_parse(const char *text, gos_audit_anchor *out, char **err);

/* Finds tasks that started and never ended whose owning process is gone, and appends
 * an INTERRUPTED event for each, in the name of `who` (operator fields, origin).
 * *count receives how many. Returns 0 or -1 with *err set. */
int gos_audit_recover(gos_audit *audit, const gos_audit_event *who, int *count, char **err);

#endif
