/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Appending events: one row, its hash chained to the last, in a transaction of its own or a batch's. */
#include <config.h>

#include <string.h>
#include <unistd.h>

#include "base/i18n.h"
#include "db/audit_priv.h"

/* The transaction statements, prepared once: sqlite3_exec would parse them
 * again for every event. */
enum { TXN_BEGIN = 0, TXN_COMMIT };
static const char *const txn_sql[GOS_AUDIT_TXN_STATEMENTS] = { "BEGIN IMMEDIATE", "COMMIT" };

static int exec_simple(sqlite3 *db, const char *sql)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

/* Steps a prepared transaction statement; SQLite's code, SQLITE_OK when done. */
static int run_txn(gos_audit *a, int which)
{
    sqlite3_stmt *st = a->st_txn[which];
    int rc;

    if (!st)
        return exec_simple(a->db, txn_sql[which]);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* The INSERT of one event: its 26 columns, users_format (not in a store below
 * version 3), prev_hash and hash, in that order of parameters. */
static char *insert_sql(bool with_format)
{
    GString *sql = g_string_new("INSERT INTO events (");
    size_t n = GOS_AUDIT_EVENT_NCOLS + (with_format ? 1 : 0);

    for (size_t i = 0; i < GOS_AUDIT_EVENT_NCOLS; i++)
        g_string_append_printf(sql, "%s, ", gos_audit_event_columns[i]);
    if (with_format)
        g_string_append(sql, GOS_AUDIT_USERS_FORMAT_COLUMN ", ");
    g_string_append(sql, "prev_hash, hash) VALUES (");
    for (size_t i = 0; i < n + 2; i++)
        g_string_append(sql, i ? ", ?" : "?");
    g_string_append(sql, ")");
    return g_string_free(sql, FALSE);
}

int gos_audit_prepare_append(gos_audit *a, bool with_format)
{
    char *insert = insert_sql(with_format);
    int rc = sqlite3_prepare_v2(a->db, "SELECT id, hash FROM events ORDER BY id DESC LIMIT 1",
                                -1, &a->st_last, NULL);

    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(a->db, insert, -1, &a->st_insert, NULL);
    for (int i = 0; rc == SQLITE_OK && i < GOS_AUDIT_TXN_STATEMENTS; i++)
        rc = sqlite3_prepare_v2(a->db, txn_sql[i], -1, &a->st_txn[i], NULL);
    g_free(insert);
    return rc == SQLITE_OK ? 0 : -1;
}

/* One whole sentence for a failed append; the event is never half-written.
 * Short, with the cause first: the console shows it on one status line. */
static void append_error(char **err, int rc, const char *msg)
{
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        gos_audit_set_err(err, _("Another process kept the audit database locked."));
        break;
    case SQLITE_FULL:
        gos_audit_set_err(err, _("The audit database or its disk is full."));
        break;
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_CANTOPEN:
        gos_audit_set_err(err, _("The audit database cannot be written."));
        break;
    default:
        /* TRANSLATORS: %s is SQLite's own description of the failure. */
        gos_audit_set_err(err, _("Cannot record the audit event: %s."), msg);
        break;
    }
}

/*
 * Whether the batch under way was undone by SQLite itself: an I/O error, an
 * interrupt or a full disk in one of its statements rolls back the whole
 * transaction, and the connection is back in autocommit. The batch's later
 * events must then not be committed one by one (they would be on record while
 * the batch reports all of them lost), nor its commit succeed; err says so.
 */
static bool batch_lost(const gos_audit *a, char **err)
{
    if (!a->in_batch || sqlite3_get_autocommit(a->db) == 0)
        return false;
    gos_audit_set_err(err, _("The audit events were not recorded: SQLite undid their transaction after an error."));
    return true;
}

int gos_audit_batch_begin(gos_audit *audit, char **err)
{
    int rc;

    g_mutex_lock(&audit->lock);
    rc = run_txn(audit, TXN_BEGIN);
    if (rc != SQLITE_OK)
        append_error(err, rc, sqlite3_errmsg(audit->db));
    audit->in_batch = rc == SQLITE_OK;
    g_mutex_unlock(&audit->lock);
    return rc == SQLITE_OK ? 0 : -1;
}

int gos_audit_text_flush_locked(gos_audit *a)
{
    bool own_txn = sqlite3_get_autocommit(a->db) != 0;
    int rc;

    a->ended_since_flush = 0;
    if (a->version < 4 || a->readonly)
        return 0;
    rc = exec_simple(a->db, own_txn ? "BEGIN IMMEDIATE" : "SAVEPOINT gos_text");
    if (rc == SQLITE_OK)
        rc = exec_simple(a->db, gos_audit_text_flush_sql);
    if (rc == SQLITE_OK)
        rc = exec_simple(a->db, own_txn ? "COMMIT" : "RELEASE gos_text");
    if (rc != SQLITE_OK) {
        exec_simple(a->db, own_txn ? "ROLLBACK" : "ROLLBACK TO gos_text; RELEASE gos_text");
        return -1;
    }
    return 0;
}

int gos_audit_priv_text_flush(gos_audit *audit)
{
    int rc;

    g_mutex_lock(&audit->lock);
    rc = gos_audit_text_flush_locked(audit);
    g_mutex_unlock(&audit->lock);
    return rc;
}

int gos_audit_batch_commit(gos_audit *audit, char **err)
{
    int rc;

    g_mutex_lock(&audit->lock);
    if (batch_lost(audit, err)) {
        /* SQLite rolled the batch back already: none of it is on record. */
        rc = SQLITE_ABORT;
    } else {
        /* The batch's ended tasks go into the text index with it, one segment. */
        gos_audit_text_flush_locked(audit);
        rc = run_txn(audit, TXN_COMMIT);
        if (rc != SQLITE_OK) {
            append_error(err, rc, sqlite3_errmsg(audit->db));
            exec_simple(audit->db, "ROLLBACK");
        }
    }
    audit->in_batch = false;
    GPtrArray *fwd = audit->fwd_pending;
    audit->fwd_pending = NULL;
    g_mutex_unlock(&audit->lock);
    /* Committed: the batch's events to the system log, in chain order, without
     * the store's lock; rolled back: none of them happened. */
    for (guint i = 0; fwd && i < fwd->len; i++) {
        if (rc == SQLITE_OK)
            gos_audit_forward_send(audit, g_ptr_array_index(fwd, i));
        else
            gos_audit_forward_drop(g_ptr_array_index(fwd, i));
    }
    if (fwd)
        g_ptr_array_free(fwd, TRUE);
    return rc == SQLITE_OK ? 0 : -1;
}

static void cell_text(gos_audit_cell *c, const char *s)
{
    if (s) {
        c->type = GOS_CELL_TEXT;
        c->p = s;
        c->len = strlen(s);
    } else {
        c->type = GOS_CELL_NULL;
    }
}

static void cell_int(gos_audit_cell *c, int64_t v)
{
    c->type = GOS_CELL_INT;
    c->i = v;
}

static void bind_cell(sqlite3_stmt *st, int idx, const gos_audit_cell *c)
{
    switch (c->type) {
    case GOS_CELL_INT:
        sqlite3_bind_int64(st, idx, c->i);
        break;
    case GOS_CELL_TEXT:
        sqlite3_bind_text(st, idx, c->p, (int)c->len, SQLITE_STATIC);
        break;
    default:
        sqlite3_bind_null(st, idx);
        break;
    }
}

/*
 * Appends with the lock held (declared in audit_priv.h). In its own IMMEDIATE transaction, or as
 * one statement inside a batch. The id and prev_hash are read under the write
 * lock, so appenders in any number of processes extend one chain.
 * only_if_open: append nothing (and set *skipped) when the task has ended
 * by the time the lock is held; recovery uses it so that two operators
 * recovering at once write one INTERRUPTED event, not two.
 */
int gos_audit_append_locked(gos_audit *a, const gos_audit_event *ev, bool only_if_open,
                         int64_t *id_out, bool *skipped, char hash_out[65], char **err)
{
    gos_audit_cell cells[GOS_AUDIT_EVENT_NCOLS + 1] = { 0 };
    char call_hex[11], error_hex[11], hash[65], prev[65];
    const char *kind = gos_audit_kind_name(ev->kind);
    char *(*users_text)(const char *const *) = a->legacy_users ? gos_audit_users_joined : gos_audit_users_json;
    char *before = NULL, *after = NULL;
    bool own_txn;
    int64_t id = 1;
    int rc, n = 0, ret = -1;
    char *msg = NULL;

    if (a->readonly) {
        gos_audit_set_err(err, _("The audit database was opened read-only, so the event was not recorded."));
        return -1;
    }
    if (!ev->task_id || !*ev->task_id) {
        gos_audit_set_err(err, _("The audit event has no task id, so it was not recorded."));
        return -1;
    }
    if (!kind) {
        gos_audit_set_err(err, _("The audit event has an unknown kind, so it was not recorded."));
        return -1;
    }
    if (ev->percent < -1 || ev->percent > 100) {
        gos_audit_set_err(err, _("The audit event's percentage is not between 0 and 100, so it was not recorded."));
        return -1;
    }

    /* Inside a batch no savepoint: the event is one INSERT, which SQLite undoes
     * whole (its triggers' writes too) when it fails, and the batch goes on. */
    if (batch_lost(a, err))
        return -1;
    own_txn = sqlite3_get_autocommit(a->db) != 0;
    rc = own_txn ? run_txn(a, TXN_BEGIN) : SQLITE_OK;
    if (rc != SQLITE_OK) {
        append_error(err, sqlite3_extended_errcode(a->db), sqlite3_errmsg(a->db));
        return -1;
    }
    before = users_text(ev->users_before);
    after = users_text(ev->users_after);

    if (only_if_open) {
        sqlite3_bind_text(a->st_end_kind, 1, ev->task_id, -1, SQLITE_STATIC);
        rc = sqlite3_step(a->st_end_kind);
        if (rc == SQLITE_ROW && sqlite3_column_type(a->st_end_kind, 0) != SQLITE_NULL) {
            sqlite3_reset(a->st_end_kind);
            *skipped = true;
            if (own_txn)
                exec_simple(a->db, "ROLLBACK");
            ret = 0;
            goto cleanup;
        }
        sqlite3_reset(a->st_end_kind);
        sqlite3_clear_bindings(a->st_end_kind);
    }

    g_strlcpy(prev, GOS_AUDIT_GENESIS_HASH, sizeof prev);
    rc = sqlite3_step(a->st_last);
    if (rc == SQLITE_ROW) {
        id = sqlite3_column_int64(a->st_last, 0) + 1;
        if (sqlite3_column_text(a->st_last, 1))
            g_strlcpy(prev, (const char *)sqlite3_column_text(a->st_last, 1), sizeof prev);
        rc = SQLITE_DONE;
    }
    sqlite3_reset(a->st_last);
    if (rc != SQLITE_DONE)
        goto sql_fail;

    /* Same order as gos_audit_event_columns. */
    cell_int(&cells[n++], id);
    cell_text(&cells[n++], kind);
    cell_text(&cells[n++], ev->task_id);
    cell_int(&cells[n++], ev->ts_ms ? ev->ts_ms : g_get_real_time() / 1000);
    cell_int(&cells[n++], ev->op_uid);
    cell_text(&cells[n++], ev->op_user);
    cell_text(&cells[n++], ev->op_tty);
    cell_text(&cells[n++], ev->op_ssh);
    cell_int(&cells[n++], ev->op_pid ? ev->op_pid : (int64_t)getpid());
    cell_text(&cells[n++], a->node);
    cell_text(&cells[n++], ev->origin);
    cell_text(&cells[n++], ev->host);
    cell_text(&cells[n++], ev->vm_uuid);
    cell_text(&cells[n++], ev->vm_name);
    cell_text(&cells[n++], ev->action);
    cell_text(&cells[n++], ev->phase);
    if (ev->percent >= 0)
        cell_int(&cells[n++], ev->percent);
    else
        cells[n++].type = GOS_CELL_NULL;
    if (ev->has_call_hr) {
        g_snprintf(call_hex, sizeof call_hex, "0x%08" G_GINT32_MODIFIER "X", ev->call_hr);
        cell_int(&cells[n++], ev->call_hr);
        cell_text(&cells[n++], call_hex);
    } else {
        cells[n++].type = GOS_CELL_NULL;
        cells[n++].type = GOS_CELL_NULL;
    }
    cell_int(&cells[n++], ev->task_result);
    if (ev->has_task_error) {
        g_snprintf(error_hex, sizeof error_hex, "0x%08" G_GINT32_MODIFIER "X", ev->task_error);
        cell_int(&cells[n++], ev->task_error);
        cell_text(&cells[n++], error_hex);
    } else {
        cells[n++].type = GOS_CELL_NULL;
        cells[n++].type = GOS_CELL_NULL;
    }
    cell_int(&cells[n++], ev->virt_code);
    cell_text(&cells[n++], ev->message);
    cell_text(&cells[n++], before);
    cell_text(&cells[n++], after);
    g_assert(n == GOS_AUDIT_EVENT_NCOLS);
    if (!a->legacy_users)
        cell_int(&cells[n++], GOS_AUDIT_USERS_JSON);

    gos_audit_hash_cells(prev, cells, (size_t)n, hash);
    for (int i = 0; i < n; i++)
        bind_cell(a->st_insert, i + 1, &cells[i]);
    sqlite3_bind_text(a->st_insert, n + 1, prev, -1, SQLITE_STATIC);
    sqlite3_bind_text(a->st_insert, n + 2, hash, -1, SQLITE_STATIC);
    rc = sqlite3_step(a->st_insert);
    sqlite3_reset(a->st_insert);
    /* No pointer into this call's buffers stays bound after it. */
    sqlite3_clear_bindings(a->st_insert);
    if (rc != SQLITE_DONE)
        goto sql_fail;

    rc = own_txn ? run_txn(a, TXN_COMMIT) : SQLITE_OK;
    if (rc != SQLITE_OK)
        goto sql_fail;
    if (id_out)
        *id_out = id;
    if (hash_out)
        g_strlcpy(hash_out, own_txn ? hash : "", 65);
    /* A savepoint of a batch reaches the system log when the batch commits. */
    if (!own_txn) {
        void *fwd = gos_audit_forward_prepare(a, ev, id, hash);
        if (fwd) {
            if (!a->fwd_pending)
                a->fwd_pending = g_ptr_array_new();
            g_ptr_array_add(a->fwd_pending, fwd);
        }
    }
    ret = 0;
    goto cleanup;

sql_fail:
    /* Keep SQLite's code and words before the rollback overwrites them. */
    rc = sqlite3_extended_errcode(a->db);
    msg = g_strdup(sqlite3_errmsg(a->db));
    if (own_txn)
        exec_simple(a->db, "ROLLBACK");
    append_error(err, rc, msg);
    g_free(msg);
cleanup:
    g_free(before);
    g_free(after);
    return ret;
}

int gos_audit_append(gos_audit *audit, const gos_audit_event *ev, int64_t *id_out, char **err)
{
    bool skipped = false;
    int ret;

    if (!audit || !ev) {
        gos_audit_set_err(err, _("The audit event was not recorded because an argument is missing."));
        return -1;
    }
    char hash[65] = "";
    int64_t id = 0;

    g_mutex_lock(&audit->lock);
    ret = gos_audit_append_locked(audit, ev, false, &id, &skipped, hash, err);
    /* Every GOS_AUDIT_TEXT_FLUSH ended tasks, their text into the index (schema.c
     * says why not one by one). A failure leaves them queued: searches read the
     * queue, and the next flush takes them. */
    if (ret == 0 && hash[0] && (ev->kind == GOS_AUDIT_COMPLETED || ev->kind == GOS_AUDIT_INTERRUPTED) &&
        ++audit->ended_since_flush >= GOS_AUDIT_TEXT_FLUSH)
        gos_audit_text_flush_locked(audit);
    g_mutex_unlock(&audit->lock);
    /* Committed: now, and without the store's lock, to the system log. */
    if (ret == 0 && hash[0])
        gos_audit_forward_event(audit, ev, id, hash);
    if (ret == 0 && id_out)
        *id_out = id;
    return ret;
}
