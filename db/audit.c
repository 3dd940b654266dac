/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The audit store's life cycle: opening the database, appending events, recovering dead tasks. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "base/i18n.h"
#include "db/audit_priv.h"

/* Since GLib 2.46 g_malloc is the system malloc, so strings built with
 * g_strdup_printf may be released with free(), as audit.h promises. */
void gos_audit_set_err(char **err, const char *fmt, ...)
{
    va_list ap;

    if (!err)
        return;
    va_start(ap, fmt);
    *err = g_strdup_vprintf(fmt, ap);
    va_end(ap);
}

char *gos_audit_default_path(void)
{
    const char *state = g_getenv("XDG_STATE_HOME");
    const char *home;

    /* The XDG spec says a relative value is invalid and must be ignored. */
    if (state && g_path_is_absolute(state))
        return g_build_filename(state, "guestos", "audit.db", NULL);
    home = g_getenv("HOME");
    if (!home || !*home)
        home = g_get_home_dir();
    return g_build_filename(home, ".local", "state", "guestos", "audit.db", NULL);
}

const char *gos_audit_kind_name(gos_audit_kind kind)
{
    switch (kind) {
    case GOS_AUDIT_SUBMITTED:   return "submitted";
    case GOS_AUDIT_STARTED:     return "started";
    case GOS_AUDIT_PROGRESS:    return "progress";
    case GOS_AUDIT_COMPLETED:   return "completed";
    case GOS_AUDIT_INTERRUPTED: return "interrupted";
    }
    return NULL;
}

static bool is_memory(const char *path)
{
    return strcmp(path, ":memory:") == 0;
}

static int exec_simple(sqlite3 *db, const char *sql)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

/*
 * Runs sql, retrying while it returns SQLITE_BUSY, for up to the busy
 * timeout. Needed where SQLite answers BUSY without calling the busy handler:
 * two processes opening a fresh file at once both try to switch it to WAL,
 * and the loser is told BUSY at once.
 */
static int exec_retry_busy(sqlite3 *db, const char *sql)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)GOS_AUDIT_BUSY_TIMEOUT_MS * 1000;
    int rc;

    while ((rc = exec_simple(db, sql)) != SQLITE_OK && (rc & 0xff) == SQLITE_BUSY &&
           g_get_monotonic_time() < deadline)
        g_usleep(g_random_int_range(1000, 20000));
    return rc;
}

/*
 * SQLite's own busy timeout sleeps 1, 2, 5, 10, ... and then 100 ms between
 * tries. Between two appends of a busy writer the lock is free only for the
 * few microseconds in which its next worker thread takes it, so a second
 * guestos sleeping 100 ms at a time almost never catches it: it starved for
 * seconds behind another's burst of logoffs and, past the timeout, failed
 * closed. Short, jittered waits give every process a fair chance at each gap.
 */
static int busy_wait(void *opaque, int tries)
{
    gos_audit *a = opaque;
    gint64 now = g_get_monotonic_time();

    if (tries == 0)
        a->busy_since_us = now;
    if (now - a->busy_since_us >= (gint64)a->busy_timeout_ms * 1000)
        return 0;
    g_usleep((gulong)g_random_int_range(50, 400));
    return 1;
}

static void set_busy_timeout(gos_audit *a, int ms)
{
    a->busy_timeout_ms = ms > 0 ? ms : 0;
    sqlite3_busy_handler(a->db, ms > 0 ? busy_wait : NULL, a);
}

static int prepare_statements(gos_audit *a, char **err)
{
    int rc = gos_audit_prepare_append(a, true) == 0 ? SQLITE_OK : SQLITE_ERROR;

    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(a->db, "SELECT end_kind FROM tasks WHERE task_id = ?",
                                -1, &a->st_end_kind, NULL);
    if (rc != SQLITE_OK) {
        gos_audit_set_err(err, _("Cannot open the audit database %s: %s."), a->path,
                          sqlite3_errmsg(a->db));
        return -1;
    }
    return 0;
}

/* gos_owner_gone(op_node, op_pid): 1 when the process that ran a task is gone
 * (recover.c decides), so that a read-only review shows a task that started and
 * never ended as Interrupted before any recovery wrote it down (query.c). */
static void owner_gone_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    gos_audit *a = sqlite3_user_data(ctx);
    const char *node = (const char *)sqlite3_value_text(argv[0]);

    (void)argc;
    sqlite3_result_int(ctx, gos_audit_owner_gone(a, node, sqlite3_value_int64(argv[1])));
}

static int register_functions(gos_audit *a, char **err)
{
    /* DIRECTONLY: not callable from a trigger or a view a forged file may carry. */
    if (sqlite3_create_function(a->db, "gos_owner_gone", 2, SQLITE_UTF8 | SQLITE_DIRECTONLY, a,
                                owner_gone_fn, NULL, NULL) != SQLITE_OK) {
        gos_audit_set_err(err, _("Cannot open the audit database %s: %s."), a->path, sqlite3_errmsg(a->db));
        return -1;
    }
    return 0;
}

void gos_audit_free(gos_audit *audit)
{
    if (!audit)
        return;
    /* What this handle queued for the text index goes in before it closes. */
    if (audit->ended_since_flush > 0 && audit->db)
        gos_audit_text_flush_locked(audit);
    for (size_t i = 0; i < G_N_ELEMENTS(audit->st_txn); i++)
        sqlite3_finalize(audit->st_txn[i]);
    sqlite3_finalize(audit->st_last);
    sqlite3_finalize(audit->st_insert);
    sqlite3_finalize(audit->st_end_kind);
    sqlite3_close_v2(audit->db);
    g_mutex_clear(&audit->lock);
    /* A batch never committed: its events never happened. */
    for (guint i = 0; audit->fwd_pending && i < audit->fwd_pending->len; i++)
        gos_audit_forward_drop(g_ptr_array_index(audit->fwd_pending, i));
    if (audit->fwd_pending)
        g_ptr_array_free(audit->fwd_pending, TRUE);
    gos_audit_forward_close(audit);
    g_free(audit->path);
    g_free(audit->node);
    g_free(audit);
}

/* Whether a read-only open of path can make no -shm file beside it (the folder is
 * not the reviewer's to write) and has no -wal file to read: then it must be immutable. */
static bool review_without_shm(const char *path)
{
    char *dir = g_path_get_dirname(path);
    char *wal = g_strconcat(path, "-wal", NULL);
    char *shm = g_strconcat(path, "-shm", NULL);
    bool yes = access(dir, W_OK) < 0 && access(wal, F_OK) < 0 && access(shm, W_OK) < 0;

    g_free(dir);
    g_free(wal);
    g_free(shm);
    return yes;
}

/*
 * SQLite's process-wide settings, made once before its first use. Its memory
 * statistics are off: they take a global mutex and update counters on every
 * allocation, an append allocates many times (its triggers' frames, cursors,
 * records), and guestos reads none of them (no sqlite3_status, no heap
 * limits); bench/bench_audit's batched appends gain 6 to 13%. SQLite refuses
 * the setting once it is initialised (another library or a test used it
 * first); that costs speed only, so the refusal is not an error.
 */
static void sqlite_configure_once(void)
{
    static gsize done = 0;

    if (g_once_init_enter(&done)) {
        (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
        g_once_init_leave(&done, 1);
    }
}

/*
 * The one open path. readonly: SQLITE_OPEN_READONLY, no creation, no
 * migration, and only the current schema is accepted. Otherwise the file
 * and folders are created and the schema migrated up to `version`.
 *
 * Nothing is written before the version check, so a newer or foreign
 * database is left byte for byte as it was.
 */
static int open_store(const char *path, bool readonly, int version, gos_audit **out, char **err)
{
    gos_audit *a = NULL;
    char *def = NULL;
    int flags, rc, have = 0, app_id = 0;
    bool has_objects = false;

    if (!path)
        path = def = gos_audit_default_path();
    if (!*path) {
        gos_audit_set_err(err, _("The audit database path is empty."));
        goto fail;
    }
    /* The file 0600 and its folders 0700 are made before SQLite sees them (it
     * would make the file 0644 and leave the folders to us), and the path is
     * checked as sshd's StrictModes would (path.c). SQLite gives the -wal and
     * -shm files the mode of the database file. */
    if (!is_memory(path)) {
        if (readonly ? gos_audit_path_check(path, true, err) < 0 : gos_audit_path_create(path, err) < 0)
            goto fail;
    }

    sqlite_configure_once();
    a = g_new0(gos_audit, 1);
    g_mutex_init(&a->lock);
    a->fwd_mode = GOS_AUDIT_FORWARD_OFF;
    a->path = g_strdup(path);
    a->readonly = readonly;
    a->node = g_strdup(g_get_host_name());
    /* No mutex of SQLite's own: a->lock serialises every use of the connection
     * already, and SQLite's would be taken again by each column read. */
    flags = SQLITE_OPEN_NOMUTEX |
            (readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    if (readonly && !is_memory(path) && review_without_shm(path)) {
        /* The reviewer can read the file but not make its -shm file: SQLite
         * reads such a WAL database only as immutable. No -wal file means no
         * writer has anything outside the main file. */
        char *esc = g_uri_escape_string(path, "/", FALSE);
        char *uri = g_strconcat("file:", esc, "?immutable=1", NULL);

        rc = sqlite3_open_v2(uri, &a->db, flags | SQLITE_OPEN_URI, NULL);
        g_free(uri);
        g_free(esc);
    } else {
        rc = sqlite3_open_v2(path, &a->db, flags, NULL);
    }
    if (rc != SQLITE_OK) {
        gos_audit_set_err(err, _("Cannot open the audit database %s: %s."), path,
                          a->db ? sqlite3_errmsg(a->db) : sqlite3_errstr(rc));
        goto fail;
    }
    sqlite3_extended_result_codes(a->db, 1);
    set_busy_timeout(a, GOS_AUDIT_BUSY_TIMEOUT_MS);
    /* Statement and savepoint journals in memory: they hold the few pages one
     * append touches, and once SQLite spills one to a temporary file it writes
     * that file about ten times per event. Nothing else here needs temporary
     * storage: no query sorts (tests/test_audit.c checks the plans) and the
     * migration's replay table never holds a row. */
    exec_simple(a->db, "PRAGMA temp_store = MEMORY");

    if (gos_audit_schema_probe(a->db, path, &have, &app_id, &has_objects, err) < 0)
        goto fail;
    if ((have == 0 && has_objects) || (have > 0 && app_id != GOS_AUDIT_APPLICATION_ID)) {
        gos_audit_set_err(err, _("The SQLite database %s does not belong to guestos, so it was left untouched."),
                          path);
        goto fail;
    }
    if (have > GOS_AUDIT_SCHEMA_VERSION) {
        gos_audit_set_err(err,
            /* TRANSLATORS: a file, its schema version, then the newest version this build knows. */
            _("The audit database %s was written by a newer guestos (schema version %d; this one knows up to %d), so it was left untouched."),
            path, have, GOS_AUDIT_SCHEMA_VERSION);
        goto fail;
    }

    if (readonly) {
        if (have == 0) {
            gos_audit_set_err(err, _("The file %s holds no audit log yet."), path);
            goto fail;
        }
        if (have < GOS_AUDIT_READ_VERSION) {
            gos_audit_set_err(err,
                _("The audit database %s has the older schema version %d; open it once for writing to upgrade it before reading it."),
                path, have);
            goto fail;
        }
        exec_simple(a->db, "PRAGMA query_only = ON");
    } else {
        if (sqlite3_db_readonly(a->db, "main") == 1) {
            gos_audit_set_err(err, _("The audit database %s is read-only, so no event could be recorded in it."),
                              path);
            goto fail;
        }
        /* WAL: readers never block the writer; FULL: a commit survives power loss. */
        if (exec_retry_busy(a->db, "PRAGMA journal_mode = WAL") != SQLITE_OK ||
            exec_simple(a->db, "PRAGMA synchronous = FULL") != SQLITE_OK ||
            exec_simple(a->db, "PRAGMA foreign_keys = ON") != SQLITE_OK) {
            gos_audit_set_err(err, _("Cannot open the audit database %s: %s."), path,
                              sqlite3_errmsg(a->db));
            goto fail;
        }
        if (have < version && gos_audit_schema_migrate(a->db, version, err) < 0)
            goto fail;
    }
    a->version = have < version ? version : have;
    /* A store whose guards or fold were dropped is not written to: what it
     * would record could be changed, or would never reach the summary. */
    if (!readonly && !is_memory(path) && version == GOS_AUDIT_SCHEMA_VERSION) {
        char *missing = gos_audit_missing_trigger(a->db, a->version);
        if (missing) {
            /* TRANSLATORS: %1$s: the database; %2$s: a trigger (events_fold, ...). */
            gos_audit_set_err(err, _("The audit database %1$s was altered: its trigger %2$s is missing or changed, so "
                                     "guestos does not record in it (audit verify says more)."), path, missing);
            g_free(missing);
            goto fail;
        }
    }
    if (register_functions(a, err) < 0)
        goto fail;
    if (version == GOS_AUDIT_SCHEMA_VERSION && prepare_statements(a, err) < 0)
        goto fail;

    g_free(def);
    *out = a;
    return 0;

fail:
    /* A refused file stays as it was: closing the last connection would
     * otherwise copy a WAL it found into the database file. */
    if (a && a->db)
        sqlite3_db_config(a->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
    gos_audit_free(a);
    g_free(def);
    return -1;
}

int gos_audit_open(const char *path, gos_audit **out, char **err)
{
    return open_store(path, false, GOS_AUDIT_SCHEMA_VERSION, out, err);
}

int gos_audit_open_readonly(const char *path, gos_audit **out, char **err)
{
    return open_store(path, true, GOS_AUDIT_SCHEMA_VERSION, out, err);
}

int gos_audit_open_version(const char *path, int version, gos_audit **out, char **err)
{
    gos_audit *a = NULL;

    if (open_store(path, false, version, &a, err) < 0)
        return -1;
    if (version < GOS_AUDIT_SCHEMA_VERSION) {
        /* Append works on older versions: it needs only events, and writes
         * users as those versions did (comma text below version 3). */
        a->legacy_users = version < 3;
        gos_audit_prepare_append(a, version >= 3);
    }
    *out = a;
    return 0;
}

const char *gos_audit_get_path(gos_audit *audit)
{
    return audit ? audit->path : NULL;
}

sqlite3 *gos_audit_priv_db(gos_audit *audit)
{
    return audit->db;
}

void gos_audit_set_busy_timeout(gos_audit *audit, int ms)
{
    g_mutex_lock(&audit->lock);
    set_busy_timeout(audit, ms);
    g_mutex_unlock(&audit->lock);
}

