/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The audit database's schema and its migrations, driven by PRAGMA user_version. */
#include <config.h>

#include <string.h>

#include "base/i18n.h"
#include "db/audit_priv.h"

/*
 * Version 1: the record of truth. One append-only table of events; every
 * field of gos_audit_event, the HRESULTs as unsigned 32-bit INTEGERs with
 * their hex text beside them, and the SHA-256 chain (prev_hash, hash).
 * Triggers refuse UPDATE and DELETE, so only a writer who drops them on
 * purpose can change history, and gos_audit_verify then notices.
 *
 * op_node is not in gos_audit_event: the store stamps the host name of the
 * appending machine, so recovery can tell a process of this machine (whose
 * pid it can probe) from one of another machine (which it must leave alone).
 *
 * No index on events beyond the primary key: every query reads the tasks
 * summary, and verify walks the rowid order; each extra index would cost
 * every append a B-tree write and about 70 bytes a row.
 */
static const char schema_v1[] =
    "CREATE TABLE events ("
    " id INTEGER PRIMARY KEY,"
    " kind TEXT NOT NULL CHECK (kind IN ('submitted','started','progress','completed','interrupted')),"
    " task_id TEXT NOT NULL CHECK (length(task_id) > 0),"
    " ts_ms INTEGER NOT NULL,"
    " op_uid INTEGER NOT NULL,"
    " op_user TEXT,"
    " op_tty TEXT,"
    " op_ssh TEXT,"
    " op_pid INTEGER NOT NULL,"
    " op_node TEXT,"
    " origin TEXT,"
    " host TEXT,"
    " vm_uuid TEXT,"
    " vm_name TEXT,"
    " action TEXT,"
    " phase TEXT,"
    " percent INTEGER CHECK (percent BETWEEN 0 AND 100),"
    " call_hr INTEGER CHECK (call_hr BETWEEN 0 AND 4294967295),"
    " call_hr_hex TEXT,"
    " task_result INTEGER NOT NULL,"
    " task_error INTEGER CHECK (task_error BETWEEN 0 AND 4294967295),"
    " task_error_hex TEXT,"
    " virt_code INTEGER NOT NULL,"
    " message TEXT,"
    " users_before TEXT,"
    " users_after TEXT,"
    " prev_hash TEXT NOT NULL,"
    " hash TEXT NOT NULL"
    ");"
    "CREATE TRIGGER events_no_update BEFORE UPDATE ON events"
    " BEGIN SELECT RAISE(ABORT, 'audit events are append-only: UPDATE refused'); END;"
    "CREATE TRIGGER events_no_delete BEFORE DELETE ON events"
    " BEGIN SELECT RAISE(ABORT, 'audit events are append-only: DELETE refused'); END;"
    /* 0x676f7361, GOS_AUDIT_APPLICATION_ID: PRAGMA takes no bound parameters. */
    "PRAGMA application_id = 1735357281;";

/*
 * Version 2: the tasks summary, one row per task_id, the fold of its events.
 * It is an index, not the record of truth: it can be rebuilt from the events
 * at any time (this migration does exactly that for a version 1 file), and
 * verify folds them again to compare it with what they say (verify.c).
 *
 * Why a table kept by a trigger rather than a GROUP BY view: the review
 * pages newest first through up to millions of tasks, and a view would fold
 * every task's events on every page. Here a page is a range scan.
 *
 * Why key INTEGER PRIMARY KEY = the id of the task's first event: keyset
 * paging ("key < ?" ORDER BY key DESC) is then a rowid range scan, and every
 * index on one column (vm_name, vm_uuid, op_user) ends in the rowid, so an
 * equality filter plus ORDER BY key walks that index in order, stops after
 * `limit` rows and never sorts: constant memory. The key orders tasks by
 * when the log first heard of them, which is their submission order and,
 * unlike submitted_at, cannot be disturbed by a caller's clock.
 *
 * The fold (one trigger, below): submitted_at from the submitted event (the
 * first event's time until one arrives); who asked (op_*, origin) from the
 * submitted event, else the first; what on (host, vm, action) from the
 * submitted event where it says, gaps filled by later events; op_pid and
 * op_node from the started event (the process that runs the task); the last
 * phase, percent, HRESULTs, message and users that any event set; ended_at,
 * end_kind and task_result from completed or interrupted. A completed event
 * always wins over an interrupted one, in either order.
 */
static const char schema_v2[] =
    "CREATE TABLE tasks ("
    " key INTEGER PRIMARY KEY,"
    " task_id TEXT NOT NULL UNIQUE,"
    " submitted_at INTEGER NOT NULL,"
    " ended_at INTEGER,"
    " end_kind TEXT,"
    " started INTEGER NOT NULL DEFAULT 0,"
    " host TEXT, vm_uuid TEXT, vm_name TEXT, action TEXT,"
    " op_uid INTEGER, op_user TEXT, op_tty TEXT, op_ssh TEXT, origin TEXT,"
    " op_pid INTEGER, op_node TEXT,"
    " phase TEXT, percent INTEGER,"
    " call_hr INTEGER,"
    " task_result INTEGER NOT NULL DEFAULT -1,"
    " task_error INTEGER,"
    " virt_code INTEGER NOT NULL DEFAULT 0,"
    " message TEXT, users_before TEXT, users_after TEXT"
    ");"
    "CREATE INDEX tasks_vm_name ON tasks(vm_name);"
    "CREATE INDEX tasks_vm_uuid ON tasks(vm_uuid);"
    "CREATE INDEX tasks_op_user ON tasks(op_user);"
    /* Recovery reads only tasks that started and have not ended: few rows. */
    "CREATE INDEX tasks_open ON tasks(op_node, op_pid) WHERE started AND end_kind IS NULL;";

/* The parts of the fold that versions 3 and 5 share, word for word: the task's
 * row from its first event; who asked, on what, and the process that runs it;
 * where the task is; what it said. */
#define FOLD_ROW(TABLE) \
    "INSERT INTO " TABLE "(key, task_id, submitted_at) VALUES (new.id, new.task_id, new.ts_ms)" \
    " ON CONFLICT(task_id) DO NOTHING;"
#define FOLD_WHO \
    " submitted_at = CASE WHEN new.kind = 'submitted' THEN new.ts_ms ELSE submitted_at END," \
    " op_uid  = CASE WHEN new.kind = 'submitted' OR key = new.id THEN new.op_uid  ELSE op_uid END," \
    " op_user = CASE WHEN new.kind = 'submitted' OR key = new.id THEN new.op_user ELSE op_user END," \
    " op_tty  = CASE WHEN new.kind = 'submitted' OR key = new.id THEN new.op_tty  ELSE op_tty END," \
    " op_ssh  = CASE WHEN new.kind = 'submitted' OR key = new.id THEN new.op_ssh  ELSE op_ssh END," \
    " origin  = CASE WHEN new.kind = 'submitted' OR key = new.id THEN new.origin  ELSE origin END," \
    " host    = CASE WHEN new.kind = 'submitted' THEN coalesce(new.host, host) ELSE coalesce(host, new.host) END," \
    " vm_uuid = CASE WHEN new.kind = 'submitted' THEN coalesce(new.vm_uuid, vm_uuid) ELSE coalesce(vm_uuid, new.vm_uuid) END," \
    " vm_name = CASE WHEN new.kind = 'submitted' THEN coalesce(new.vm_name, vm_name) ELSE coalesce(vm_name, new.vm_name) END," \
    " action  = CASE WHEN new.kind = 'submitted' THEN coalesce(new.action, action) ELSE coalesce(action, new.action) END," \
    " op_pid  = CASE WHEN new.kind = 'started' OR key = new.id THEN new.op_pid  ELSE op_pid END," \
    " op_node = CASE WHEN new.kind = 'started' OR key = new.id THEN new.op_node ELSE op_node END," \
    " started = started OR new.kind = 'started'"
#define FOLD_STATUS \
    " phase = coalesce(new.phase, phase)," \
    " percent = coalesce(new.percent, percent)," \
    " call_hr = coalesce(new.call_hr, call_hr)," \
    " task_error = coalesce(new.task_error, task_error)," \
    " virt_code = CASE WHEN new.virt_code <> 0 THEN new.virt_code ELSE virt_code END"
#define FOLD_SAID(USERS_BEFORE, USERS_AFTER) \
    " message = coalesce(new.message, message)," \
    " users_before = coalesce(" USERS_BEFORE ", users_before)," \
    " users_after = coalesce(" USERS_AFTER ", users_after)"

/* The fold, shared by the trigger on events, the replay that rebuilds the summary and
 * verify's re-fold (into a table of its own, TABLE). USERS_BEFORE and USERS_AFTER are
 * the SQL that gives an event's users as the summary keeps them (version 2: the event's
 * own text; version 3: a JSON array, see below). */
#define FOLD_INTO(TABLE, USERS_BEFORE, USERS_AFTER) \
    FOLD_ROW(TABLE) \
    "UPDATE " TABLE " SET" \
    FOLD_WHO "," \
    FOLD_STATUS "," \
    FOLD_SAID(USERS_BEFORE, USERS_AFTER) "," \
    " ended_at = CASE WHEN new.kind IN ('completed', 'interrupted') THEN new.ts_ms ELSE ended_at END," \
    " end_kind = CASE WHEN new.kind IN ('completed', 'interrupted') THEN new.kind ELSE end_kind END," \
    " task_result = CASE new.kind WHEN 'completed' THEN new.task_result" \
    "   WHEN 'interrupted' THEN -2 ELSE task_result END" \
    " WHERE task_id = new.task_id" \
    "   AND NOT (new.kind = 'interrupted' AND end_kind IS 'completed');"
#define FOLD_BODY(USERS_BEFORE, USERS_AFTER) FOLD_INTO("tasks", USERS_BEFORE, USERS_AFTER)

/* Version 2's fold: users copied as they are (comma-separated text). */
#define FOLD_V2 FOLD_BODY("new.users_before", "new.users_after")

static const char fold_trigger_v2[] =
    "CREATE TRIGGER events_fold AFTER INSERT ON events BEGIN " FOLD_V2 " END;";

/* The replay: a temporary table whose BEFORE INSERT trigger folds the row and
 * then drops it (RAISE(IGNORE) keeps the fold's changes), so rebuilding the
 * summary from millions of events needs no copy of them. */
static const char replay_setup[] =
    "CREATE TEMP TABLE gos_replay AS SELECT * FROM events WHERE 0;"
    "CREATE TEMP TRIGGER gos_replay_fold BEFORE INSERT ON gos_replay BEGIN "
    FOLD_V2 " SELECT RAISE(IGNORE); END;";
static const char replay_run[] =
    "INSERT INTO gos_replay SELECT * FROM events ORDER BY id;";
static const char replay_teardown[] =
    "DROP TRIGGER temp.gos_replay_fold; DROP TABLE temp.gos_replay;";

static int exec_sql(sqlite3 *db, const char *sql, char **err)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);

    if (rc != SQLITE_OK) {
        /* TRANSLATORS: %s is SQLite's own description of the failure. */
        gos_audit_set_err(err, _("Upgrading the audit database failed: %s."),
                          msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

static int step_v1(sqlite3 *db, char **err)
{
    return exec_sql(db, schema_v1, err);
}

static int step_v2(sqlite3 *db, char **err)
{
    int ret = -1;

    if (exec_sql(db, schema_v2, err) < 0 || exec_sql(db, fold_trigger_v2, err) < 0)
        return -1;
    /* A version 1 file already holds events: fold them into the new summary. */
    if (exec_sql(db, replay_setup, err) < 0)
        return -1;
    ret = exec_sql(db, replay_run, err);
    if (exec_sql(db, replay_teardown, ret < 0 ? NULL : err) < 0)
        ret = -1;
    return ret;
}

/*
 * Version 3: users as JSON arrays, so that a guest's user "a,b" stays one user.
 *
 * Events are append-only and hashed, so the old rows keep their comma text; a
 * new column says how each row's users are written (users_format: NULL for
 * comma text, 1 for JSON arrays; see audit_priv.h for how the chain covers
 * it). The summary always holds JSON arrays: the fold turns old text into an
 * array, and this step converts what version 2 folded.
 *
 * Old text to an array in SQL (no WITH clause is allowed in a trigger):
 * json_quote() makes the whole text one JSON string, in which a comma can only
 * stand for itself (no escape contains one), so each comma becomes '","' and
 * the string is the array's elements: 'a,b' -> "a,b" -> ["a","b"]. '' was
 * "known none", [], and CAST keeps a value that is not text (only a forged
 * row has one) from stopping the fold.
 */
#define LEGACY_USERS(X) \
    "CASE WHEN " X " IS NULL THEN NULL WHEN " X " = '' THEN '[]'" \
    " ELSE '[' || replace(json_quote(CAST(" X " AS TEXT)), ',', '\",\"') || ']' END"
#define EVENT_USERS(X) \
    "CASE WHEN new.users_format IS NULL THEN " LEGACY_USERS("new." X) " ELSE new." X " END"
#define FOLD_V3 FOLD_BODY(EVENT_USERS("users_before"), EVENT_USERS("users_after"))

/* A new row's users must be JSON arrays (compact, as guestos writes them). */
#define USERS_ARRAY(X) "(" X " IS NULL OR (json_valid(" X ") AND substr(" X ", 1, 1) = '['))"

static const char schema_v3[] =
    "ALTER TABLE events ADD COLUMN " GOS_AUDIT_USERS_FORMAT_COLUMN " INTEGER CHECK ("
    " users_format IS NULL OR (users_format = 1 AND " USERS_ARRAY("users_before")
    " AND " USERS_ARRAY("users_after") "));"
    "DROP TRIGGER events_fold;"
    "CREATE TRIGGER events_fold AFTER INSERT ON events BEGIN " FOLD_V3 " END;"
    "UPDATE tasks SET users_before = " LEGACY_USERS("users_before") ","
    " users_after = " LEGACY_USERS("users_after")
    " WHERE users_before IS NOT NULL OR users_after IS NOT NULL;";

static int step_v3(sqlite3 *db, char **err)
{
    return exec_sql(db, schema_v3, err);
}

/*
 * Version 4: review at a year's scale (a million tasks).
 *
 * tasks_submitted: a time filter alone used to walk keys from the newest and
 * check submitted_at, which at a million tasks read most of the table for an
 * old day. The index does not serve the walk itself (the order stays key,
 * for constant memory); gos_audit_task_stmt asks it first for the keys that a
 * narrow range holds, and the walk is then a rowid range (see query.c).
 *
 * tasks_text: an FTS5 index over what --search reads (VM name, message, the
 * users arrays), with the trigram tokenizer, which can answer substring
 * queries, so that a search reads the index, not a million rows. Its choices:
 *  - external content (content='tasks'): it stores no copy of the text;
 *  - detail=none: no positions, a third of the work per task; a search asks
 *    for all the trigrams of its text and gets a few tasks too many;
 *  - it is an index, as the summary is: query.c checks every candidate
 *    against the summary's text with LIKE, so a stale or forged entry can hide
 *    a task from a search but never make one match that does not hold the text;
 *  - it holds the tasks that have ended, each indexed once, some time after
 *    it ends. The fold rewrites a task's row for every event, and indexing
 *    each version (a delete of the old one, an insert of the new) cost half
 *    the append rate; and FTS5 writes a segment of its own at every commit
 *    (and savepoint), so even one insert per task cost a quarter. So a task
 *    that ends is queued in text_pending (its key only) by a trigger, and
 *    the store moves the queue into the index, one segment, every
 *    GOS_AUDIT_TEXT_FLUSH ended tasks (append.c).
 * A search reads three arms, merged in key order: the index's candidates,
 * the tasks not ended yet (the partial index tasks_unended: running ones, and
 * those of a process that died until recovery ends them) and the queue, the
 * last two checked with LIKE alone; each task is in exactly one of them.
 * Whatever writes tasks (the fold, a migration, a test that fills the summary
 * directly) keeps that so: an ended row that changes leaves the index and is
 * queued again.
 */
#define TEXT_COLS "vm_name, message, users_before, users_after"
#define TEXT_OLD "'delete', old.key, old.vm_name, old.message, old.users_before, old.users_after"
/* The index's delete of the old row, unless the row was still queued (so not in it). */
#define TEXT_UNINDEX \
    "INSERT INTO tasks_text(tasks_text, rowid, " TEXT_COLS ") SELECT " TEXT_OLD \
    " WHERE NOT EXISTS (SELECT 1 FROM text_pending WHERE key = old.key);" \
    "DELETE FROM text_pending WHERE key = old.key;"
static const char schema_v4[] =
    "CREATE INDEX tasks_submitted ON tasks(submitted_at);"
    "CREATE INDEX tasks_unended ON tasks(key) WHERE end_kind IS NULL;"
    "CREATE VIRTUAL TABLE tasks_text USING fts5(" TEXT_COLS ","
    " content='tasks', content_rowid='key', tokenize='trigram', detail='none');"
    "INSERT INTO tasks_text(rowid, " TEXT_COLS ")"
    " SELECT key, " TEXT_COLS " FROM tasks WHERE end_kind IS NOT NULL;"
    "CREATE TABLE text_pending (key INTEGER PRIMARY KEY);"
    "CREATE TRIGGER tasks_text_insert AFTER INSERT ON tasks WHEN new.end_kind IS NOT NULL BEGIN"
    " INSERT OR IGNORE INTO text_pending(key) VALUES (new.key); END;"
    "CREATE TRIGGER tasks_text_ended AFTER UPDATE ON tasks"
    " WHEN old.end_kind IS NULL AND new.end_kind IS NOT NULL BEGIN"
    " INSERT OR IGNORE INTO text_pending(key) VALUES (new.key); END;"
    "CREATE TRIGGER tasks_text_changed AFTER UPDATE ON tasks"
    " WHEN old.end_kind IS NOT NULL AND (new.end_kind IS NULL OR old.key IS NOT new.key"
    "   OR old.vm_name IS NOT new.vm_name OR old.message IS NOT new.message"
    "   OR old.users_before IS NOT new.users_before OR old.users_after IS NOT new.users_after) BEGIN "
    TEXT_UNINDEX
    " INSERT OR IGNORE INTO text_pending(key) SELECT new.key WHERE new.end_kind IS NOT NULL; END;"
    "CREATE TRIGGER tasks_text_delete AFTER DELETE ON tasks WHEN old.end_kind IS NOT NULL BEGIN "
    TEXT_UNINDEX " END;";

/* Moves the queue into the index (append.c runs it in a transaction). CROSS
 * JOIN keeps the queue outside: without statistics SQLite took the summary
 * for the outer loop and read every task at every flush, which at a million
 * tasks made the index cost 30% of the append rate (tests/test_audit.c
 * test_query_plans_stream checks the plan). */
const char gos_audit_text_flush_sql[] =
    "INSERT INTO tasks_text(rowid, " TEXT_COLS ")"
    " SELECT t.key, t.vm_name, t.message, t.users_before, t.users_after"
    " FROM text_pending p CROSS JOIN tasks t ON t.key = p.key WHERE t.end_kind IS NOT NULL;"
    "DELETE FROM text_pending;";

static int step_v4(sqlite3 *db, char **err)
{
    return exec_sql(db, schema_v4, err);
}

/*
 * Version 5: the same fold, in statements that write only what an event
 * changes. Version 3's one UPDATE names every column, so SQLite rewrote every
 * index of tasks for every event (six of them since version 4: vm_name,
 * vm_uuid, op_user, open, submitted, unended), although a progress event
 * changes only its phase and percent. Each statement below is the part of
 * that UPDATE that gives some columns their value, run only where it can
 * change them: a WHERE term that names only new.* is decided once, before
 * SQLite looks the row up, so a progress event skips three of them and
 * touches no index. Every column gets the value version 3 gives it (the
 * same CASE, where it can differ from the old value); end_kind changes only
 * in the last statement, so each statement reads the guard against an
 * interrupted event after completion (FOLD_KEEP) on the row as it was.
 * The text triggers now fire only for an UPDATE OF what they watch.
 */
#define FOLD_KEEP " WHERE task_id = new.task_id AND NOT (new.kind = 'interrupted' AND end_kind IS 'completed')"
#define FOLD_V5_INTO(TABLE, USERS_BEFORE, USERS_AFTER) \
    /* The task's row, from its first event (an UPSERT: cheaper than WHERE NOT EXISTS). */ \
    FOLD_ROW(TABLE) \
    /* Who asked and on what: the submitted event, the first one, or a gap to fill. */ \
    "UPDATE " TABLE " SET" \
    FOLD_WHO \
    FOLD_KEEP " AND (new.kind = 'submitted' OR key = new.id" \
    "   OR (host IS NULL AND new.host IS NOT NULL) OR (vm_uuid IS NULL AND new.vm_uuid IS NOT NULL)" \
    "   OR (vm_name IS NULL AND new.vm_name IS NOT NULL) OR (action IS NULL AND new.action IS NOT NULL));" \
    /* The process that runs it. */ \
    "UPDATE " TABLE " SET op_pid = new.op_pid, op_node = new.op_node, started = 1" \
    FOLD_KEEP " AND new.kind = 'started';" \
    /* Where it is. */ \
    "UPDATE " TABLE " SET" \
    FOLD_STATUS \
    FOLD_KEEP " AND (new.phase IS NOT NULL OR new.percent IS NOT NULL OR new.call_hr IS NOT NULL" \
    "   OR new.task_error IS NOT NULL OR new.virt_code <> 0);" \
    /* What it said (the users are NULL where the event's are). */ \
    "UPDATE " TABLE " SET" \
    FOLD_SAID(USERS_BEFORE, USERS_AFTER) \
    FOLD_KEEP " AND (new.message IS NOT NULL OR new.users_before IS NOT NULL OR new.users_after IS NOT NULL);" \
    /* How it ended: last, as it changes end_kind. */ \
    "UPDATE " TABLE " SET ended_at = new.ts_ms, end_kind = new.kind," \
    " task_result = CASE new.kind WHEN 'completed' THEN new.task_result ELSE -2 END" \
    FOLD_KEEP " AND new.kind IN ('completed', 'interrupted');"
#define FOLD_V5 FOLD_V5_INTO("tasks", EVENT_USERS("users_before"), EVENT_USERS("users_after"))

#define TEXT_CHANGED_WHEN \
    " WHEN old.end_kind IS NOT NULL AND (new.end_kind IS NULL OR old.key IS NOT new.key" \
    "   OR old.vm_name IS NOT new.vm_name OR old.message IS NOT new.message" \
    "   OR old.users_before IS NOT new.users_before OR old.users_after IS NOT new.users_after) BEGIN " \
    TEXT_UNINDEX \
    " INSERT OR IGNORE INTO text_pending(key) SELECT new.key WHERE new.end_kind IS NOT NULL; END;"
static const char schema_v5[] =
    "DROP TRIGGER events_fold;"
    "CREATE TRIGGER events_fold AFTER INSERT ON events BEGIN " FOLD_V5 " END;"
    "DROP TRIGGER tasks_text_ended;"
    "CREATE TRIGGER tasks_text_ended AFTER UPDATE OF end_kind ON tasks"
    " WHEN old.end_kind IS NULL AND new.end_kind IS NOT NULL BEGIN"
    " INSERT OR IGNORE INTO text_pending(key) VALUES (new.key); END;"
    "DROP TRIGGER tasks_text_changed;"
    "CREATE TRIGGER tasks_text_changed AFTER UPDATE OF key, vm_name, message, users_before, users_after, end_kind"
    " ON tasks" TEXT_CHANGED_WHEN;

static int step_v5(sqlite3 *db, char **err)
{
    return exec_sql(db, schema_v5, err);
}

/*
 * verify's re-fold (verify.c): the same fold as the trigger of version 5, into
 * temp.gos_fold, a table with the columns of tasks, fed by a replay table
 * whose rows are folded and dropped, as in version 2's replay.
 */
/* A trigger's statements take no schema name: in a TEMP trigger, gos_fold is temp's. */
#define FOLD_CHECK FOLD_V5_INTO("gos_fold", EVENT_USERS("users_before"), EVENT_USERS("users_after"))
const char gos_audit_refold_setup[] =
    /* The columns and defaults of version 2's tasks (CREATE TABLE AS would drop the defaults). */
    "CREATE TEMP TABLE gos_fold ("
    " key INTEGER PRIMARY KEY, task_id TEXT NOT NULL UNIQUE, submitted_at INTEGER NOT NULL,"
    " ended_at INTEGER, end_kind TEXT, started INTEGER NOT NULL DEFAULT 0,"
    " host TEXT, vm_uuid TEXT, vm_name TEXT, action TEXT,"
    " op_uid INTEGER, op_user TEXT, op_tty TEXT, op_ssh TEXT, origin TEXT,"
    " op_pid INTEGER, op_node TEXT, phase TEXT, percent INTEGER, call_hr INTEGER,"
    " task_result INTEGER NOT NULL DEFAULT -1, task_error INTEGER,"
    " virt_code INTEGER NOT NULL DEFAULT 0, message TEXT, users_before TEXT, users_after TEXT);"
    "CREATE TEMP TABLE gos_refold AS SELECT * FROM main.events WHERE 0;"
    "CREATE TEMP TRIGGER gos_refold_fold BEFORE INSERT ON gos_refold BEGIN "
    FOLD_CHECK " SELECT RAISE(IGNORE); END;";
const char gos_audit_refold_run[] =
    "INSERT INTO temp.gos_refold SELECT * FROM main.events ORDER BY id;";
const char gos_audit_refold_teardown[] =
    "DROP TRIGGER IF EXISTS temp.gos_refold_fold; DROP TABLE IF EXISTS temp.gos_refold;"
    " DROP TABLE IF EXISTS temp.gos_fold;";

typedef struct {
    int version;                          /* user_version after this step */
    int (*run)(sqlite3 *db, char **err);
} migration;

/* Append new steps; never change a released one. */
static const migration migrations[] = {
    { 1, step_v1 },
    { 2, step_v2 },
    { 3, step_v3 },
    { 4, step_v4 },
    { 5, step_v5 },
};

G_STATIC_ASSERT(G_N_ELEMENTS(migrations) == GOS_AUDIT_SCHEMA_VERSION);

static int pragma_int(sqlite3 *db, const char *sql, int *out)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            *out = sqlite3_column_int(st, 0);
            rc = SQLITE_OK;
        }
    }
    sqlite3_finalize(st);
    return rc;
}

/* Why the last call on db failed, for a person: the system's words when a
 * system call failed ("No space left on device"), else SQLite's. */
static const char *failure_words(sqlite3 *db)
{
    int sys = sqlite3_system_errno(db);

    return sys ? g_strerror(sys) : sqlite3_errmsg(db);
}

int gos_audit_schema_probe(sqlite3 *db, const char *path, int *version, int *app_id,
                           bool *has_objects, char **err)
{
    int rc, n = 0, v = 0, id = 0;

    /* One read transaction: read one by one, another process's migration
     * could commit in between and the file would look half-made (foreign). */
    rc = sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = pragma_int(db, "PRAGMA user_version", &v);
    if (rc == SQLITE_OK)
        rc = pragma_int(db, "PRAGMA application_id", &id);
    if (rc == SQLITE_OK)
        rc = pragma_int(db, "SELECT count(*) FROM sqlite_master", &n);
    /* The words before ending the transaction: a COMMIT after a failed read
     * would put "cannot commit - no transaction is active" in their place
     * (a full tmpfs cannot even map the -shm file, and said only that). */
    if ((rc & 0xff) == SQLITE_NOTADB)
        gos_audit_set_err(err, _("The file %s is not an SQLite database, so it cannot hold the audit log."),
                          path);
    else if (rc != SQLITE_OK)
        gos_audit_set_err(err, _("Cannot open the audit database %s: %s."), path, failure_words(db));
    if (!sqlite3_get_autocommit(db))
        sqlite3_exec(db, rc == SQLITE_OK ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return -1;
    *version = v;
    *app_id = id;
    *has_objects = n > 0;
    return 0;
}

int gos_audit_schema_migrate(sqlite3 *db, int target, char **err)
{
    int version = 0, rc;

    /* IMMEDIATE: two processes opening a fresh file at once must not both migrate. */
    rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        gos_audit_set_err(err, _("Upgrading the audit database failed: %s."), sqlite3_errmsg(db));
        return -1;
    }
    /* Read again under the lock: another process may have migrated meanwhile. */
    rc = pragma_int(db, "PRAGMA user_version", &version);
    if (rc != SQLITE_OK) {
        gos_audit_set_err(err, _("Upgrading the audit database failed: %s."), sqlite3_errmsg(db));
        goto fail;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(migrations); i++) {
        const migration *m = &migrations[i];
        char *sql;

        if (m->version <= version || m->version > target)
            continue;
        if (m->run(db, err) < 0)
            goto fail;
        /* PRAGMA takes no bound parameters; the value is our own constant. */
        sql = g_strdup_printf("PRAGMA user_version = %d", m->version);
        rc = exec_sql(db, sql, err);
        g_free(sql);
        if (rc < 0)
            goto fail;
        version = m->version;
    }
    rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        gos_audit_set_err(err, _("Upgrading the audit database failed: %s."), sqlite3_errmsg(db));
        goto fail;
    }
    return 0;

fail:
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return -1;
}
