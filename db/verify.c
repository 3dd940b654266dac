/* SPDX-License-Identifier: GPL-2.0-or-later */
/* verify's second half: the tasks summary, which every view and export reads, against the events. */
#include <config.h>

#include <string.h>

#include "base/i18n.h"
#include "db/audit_priv.h"

/*
 * The summary (tasks) is what people read: `guestos audit`, the exports and
 * the console's audit view show its rows, never the events. The chain covers
 * only the events, so an UPDATE of a summary row ("task_result = 0, message =
 * 'All fine'"), a forged row or a deleted one would pass a check of the chain
 * alone. verify therefore folds the chained events again, with the very fold
 * the trigger runs (schema.c), into a temporary table, and compares the two
 * tables row by row and column by column. Every column is compared, not only
 * those shown today: a column a later view shows is then covered already.
 *
 * The re-fold is written to a temporary file (temp_store = FILE, set by the
 * caller before its transaction), so that a million tasks cost disk, not a
 * million rows of memory.
 */
static const char *const summary_columns[] = {
    "key", "submitted_at", "ended_at", "end_kind", "started",
    "host", "vm_uuid", "vm_name", "action",
    "op_uid", "op_user", "op_tty", "op_ssh", "origin", "op_pid", "op_node",
    "phase", "percent", "call_hr", "task_result", "task_error", "virt_code",
    "message", "users_before", "users_after",
};

static int exec_simple(sqlite3 *db, const char *sql)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

/* SELECT t.task_id, f.task_id IS NULL, t.c1 IS NOT f.c1, ... FROM tasks t LEFT JOIN gos_fold f
 * WHERE (any differs), first by key. Column names are our constants, never values. */
static char *altered_sql(void)
{
    GString *sql = g_string_new("SELECT t.task_id, f.task_id IS NULL");

    for (size_t i = 0; i < G_N_ELEMENTS(summary_columns); i++)
        g_string_append_printf(sql, ", t.%s IS NOT f.%s", summary_columns[i], summary_columns[i]);
    g_string_append(sql, " FROM main.tasks t LEFT JOIN temp.gos_fold f ON f.task_id = t.task_id"
                         " WHERE f.task_id IS NULL");
    for (size_t i = 0; i < G_N_ELEMENTS(summary_columns); i++)
        g_string_append_printf(sql, " OR t.%s IS NOT f.%s", summary_columns[i], summary_columns[i]);
    g_string_append(sql, " ORDER BY t.key LIMIT 1");
    return g_string_free(sql, FALSE);
}

static const char missing_sql[] =
    "SELECT f.task_id FROM temp.gos_fold f"
    " WHERE NOT EXISTS (SELECT 1 FROM main.tasks t WHERE t.task_id = f.task_id)"
    " ORDER BY f.key LIMIT 1";

/* A damaged page is a finding, not an error: the file holds something other than what was written. */
static bool is_damage(int rc)
{
    return (rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB;
}

static void damaged(gos_audit_verify_report *r, sqlite3 *db)
{
    r->ok = false;
    r->reason = g_strdup_printf(
        /* TRANSLATORS: %s is SQLite's own description of the damage. */
        _("The tasks summary that the review and the exports read is damaged: %s."), sqlite3_errmsg(db));
}

/* Compares; sets r on the first difference. Returns 0, or -1 with *err set. */
static int compare(gos_audit *a, gos_audit_verify_report *r, char **err)
{
    sqlite3_stmt *st = NULL;
    char *sql = altered_sql();
    int rc, ret = -1;

    if (sqlite3_prepare_v2(a->db, sql, -1, &st, NULL) != SQLITE_OK)
        goto sql_error;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(st, 0);

        r->ok = false;
        if (sqlite3_column_int(st, 1)) {
            r->reason = g_strdup_printf(
                /* TRANSLATORS: %s is a task id. */
                _("The tasks summary holds task %s, which no event records: the row was forged."), id ? id : "?");
        } else {
            const char *col = "?";

            for (size_t i = 0; i < G_N_ELEMENTS(summary_columns); i++)
                if (sqlite3_column_int(st, 2 + (int)i)) {
                    col = summary_columns[i];
                    break;
                }
            r->reason = g_strdup_printf(
                /* TRANSLATORS: a task id, then a column of the summary (task_result, message, ...). */
                _("The tasks summary was altered: the %2$s of task %1$s differs from what its events say."),
                id ? id : "?", col);
        }
        ret = 0;
        goto cleanup;
    }
    if (is_damage(rc)) {
        damaged(r, a->db);
        ret = 0;
        goto cleanup;
    }
    if (rc != SQLITE_DONE)
        goto sql_error;
    sqlite3_finalize(st);
    st = NULL;

    if (sqlite3_prepare_v2(a->db, missing_sql, -1, &st, NULL) != SQLITE_OK)
        goto sql_error;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(st, 0);

        r->ok = false;
        r->reason = g_strdup_printf(
            /* TRANSLATORS: %s is a task id. */
            _("The tasks summary lacks task %s, which the events record: the row was deleted."), id ? id : "?");
    } else if (is_damage(rc)) {
        damaged(r, a->db);
    } else if (rc != SQLITE_DONE) {
        goto sql_error;
    }
    ret = 0;
    goto cleanup;

sql_error:
    if (is_damage(sqlite3_extended_errcode(a->db))) {
        damaged(r, a->db);
        ret = 0;
    } else {
        /* TRANSLATORS: %s is SQLite's own description of the failure. */
        gos_audit_set_err(err, _("Cannot read the audit log to verify it: %s."), sqlite3_errmsg(a->db));
    }
cleanup:
    sqlite3_finalize(st);
    g_free(sql);
    return ret;
}

/* The summary's own pages and indexes (tasks_vm_name, ...: a filtered view walks
 * those), as SQLite checks them. Sets r when damaged. Returns 0 or -1 with *err set. */
static int check_pages(gos_audit *a, gos_audit_verify_report *r, char **err)
{
    sqlite3_stmt *st = NULL;
    int rc;

    if (sqlite3_prepare_v2(a->db, "PRAGMA main.integrity_check(tasks)", -1, &st, NULL) != SQLITE_OK) {
        gos_audit_set_err(err, _("Cannot read the audit log to verify it: %s."), sqlite3_errmsg(a->db));
        return -1;
    }
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *said = (const char *)sqlite3_column_text(st, 0);

        if (said && strcmp(said, "ok") != 0) {
            r->ok = false;
            r->reason = g_strdup_printf(
                _("The tasks summary that the review and the exports read is damaged: %s."), said);
        }
    } else if (is_damage(rc)) {
        damaged(r, a->db);
    } else if (rc != SQLITE_DONE) {
        gos_audit_set_err(err, _("Cannot read the audit log to verify it: %s."), sqlite3_errmsg(a->db));
        sqlite3_finalize(st);
        return -1;
    }
    sqlite3_finalize(st);
    return 0;
}

/* The text index (schema version 4), which search reads: every task that has
 * ended and is not queued for the index must be in it, or a search would hide
 * it. (An entry too many cannot fake a match: LIKE decides every candidate.)
 * FTS5 keeps one docsize row per indexed task; deleting a task's entries
 * (the index's 'delete' command) takes its row too. Sets r when a task is
 * missing. Returns 0 or -1 with *err set. */
static int check_text_index(gos_audit *a, gos_audit_verify_report *r, char **err)
{
    static const char sql[] =
        "SELECT t.task_id FROM tasks t WHERE t.end_kind IS NOT NULL"
        " AND NOT EXISTS (SELECT 1 FROM text_pending p WHERE p.key = t.key)"
        " AND NOT EXISTS (SELECT 1 FROM tasks_text_docsize d WHERE d.id = t.key) LIMIT 1";
    sqlite3_stmt *st = NULL;
    int rc;

    if (a->version < 4)
        return 0;
    if (sqlite3_prepare_v2(a->db, sql, -1, &st, NULL) != SQLITE_OK) {
        /* The index's tables are gone: that is what was done to the file. */
        r->ok = false;
        r->reason = g_strdup_printf(_("The text index that search reads is damaged: %s."), sqlite3_errmsg(a->db));
        return 0;
    }
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(st, 0);
        r->ok = false;
        r->reason = g_strdup_printf(
            _("The text index that search reads lacks task %s: a search would not find it (its entries were removed)."),
            id ? id : "?");
    } else if (is_damage(rc)) {
        r->ok = false;
        r->reason = g_strdup_printf(_("The text index that search reads is damaged: %s."), sqlite3_errmsg(a->db));
    } else if (rc != SQLITE_DONE) {
        gos_audit_set_err(err, _("Cannot read the audit log to verify it: %s."), sqlite3_errmsg(a->db));
        sqlite3_finalize(st);
        return -1;
    }
    sqlite3_finalize(st);
    return 0;
}

/*
 * The text index's entries against the text they stand for. An entry can be
 * deleted and a forged one put under the same rowid (or two tasks' entries
 * swapped): the docsize row is there again, and a search for the task's text
 * would not propose it. So the index that search reads is rebuilt from the
 * summary's text, with the same tokenizer, into a temporary contentless
 * table, and the two are compared entry by entry (fts5vocab's instance
 * tables: each (trigram, task) pair once, in the same order, as detail=none
 * keeps them): constant memory, one pass over each. The summary's text was
 * itself compared with the events already (compare()).
 */
static const char text_expect_setup[] =
    "CREATE VIRTUAL TABLE temp.gos_text_expect USING fts5(vm_name, message, users_before, users_after,"
    " content='', tokenize='trigram', detail='none');"
    "INSERT INTO temp.gos_text_expect(rowid, vm_name, message, users_before, users_after)"
    " SELECT key, vm_name, message, users_before, users_after FROM main.tasks t"
    " WHERE t.end_kind IS NOT NULL AND NOT EXISTS (SELECT 1 FROM main.text_pending p WHERE p.key = t.key);"
    "CREATE VIRTUAL TABLE temp.gos_text_have USING fts5vocab(main, tasks_text, instance);"
    "CREATE VIRTUAL TABLE temp.gos_text_want USING fts5vocab(temp, gos_text_expect, instance);";
static const char text_expect_teardown[] =
    "DROP TABLE IF EXISTS temp.gos_text_have; DROP TABLE IF EXISTS temp.gos_text_want;"
    " DROP TABLE IF EXISTS temp.gos_text_expect;";

/* FTS5's order of entries: term bytes (a shorter prefix first), then the task's key. */
static int entry_cmp(sqlite3_stmt *x, sqlite3_stmt *y)
{
    int nx = sqlite3_column_bytes(x, 0), ny = sqlite3_column_bytes(y, 0);
    const void *tx = sqlite3_column_blob(x, 0), *ty = sqlite3_column_blob(y, 0);
    int c = memcmp(tx ? tx : "", ty ? ty : "", (size_t)MIN(nx, ny));
    int64_t kx = sqlite3_column_int64(x, 1), ky = sqlite3_column_int64(y, 1);

    if (c == 0)
        c = nx < ny ? -1 : nx > ny;
    if (c == 0)
        c = kx < ky ? -1 : kx > ky;
    return c;
}

static char *task_of_key(sqlite3 *db, int64_t key)
{
    sqlite3_stmt *st = NULL;
    char *id = NULL;

    if (sqlite3_prepare_v2(db, "SELECT task_id FROM main.tasks WHERE key = ?", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, key);
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
            id = g_strdup((const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    return id ? id : g_strdup_printf("#%lld", (long long)key);
}

/* The finding for the first entry that differs: the index holds one the text
 * does not give (index_has_more), or lacks one it gives. */
static void entry_differs(gos_audit *a, gos_audit_verify_report *r, bool index_has_more, int64_t key)
{
    char *id = task_of_key(a->db, key);

    r->ok = false;
    r->reason = g_strdup_printf(
        index_has_more
            ? _("The text index that search reads holds words that task %s does not say: its entries were changed, so a search would miss it or find it by text it does not hold.")
            : _("The text index that search reads lacks words of task %s: its entries were changed, so a search for its text would not find it."),
        id);
    g_free(id);
}

/* Sets r when an entry differs. Returns 0, or -1 with *err set. */
static int check_text_entries(gos_audit *a, gos_audit_verify_report *r, char **err)
{
    sqlite3_stmt *have = NULL, *want = NULL;
    int rh = SQLITE_DONE, rw = SQLITE_DONE, ret = -1;

    if (a->version < 4)
        return 0;
    exec_simple(a->db, text_expect_teardown);
    if (exec_simple(a->db, text_expect_setup) != SQLITE_OK ||
        sqlite3_prepare_v2(a->db, "SELECT term, doc FROM temp.gos_text_have", -1, &have, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(a->db, "SELECT term, doc FROM temp.gos_text_want", -1, &want, NULL) != SQLITE_OK) {
        if (is_damage(sqlite3_extended_errcode(a->db)) || sqlite3_errcode(a->db) == SQLITE_ERROR) {
            /* The index's tables are gone or unreadable: that is what was done to the file. */
            r->ok = false;
            r->reason = g_strdup_printf(_("The text index that search reads is damaged: %s."), sqlite3_errmsg(a->db));
            ret = 0;
        } else {
            gos_audit_set_err(err, _("Cannot read the audit log to verify it: %s."), sqlite3_errmsg(a->db));
        }
        goto out;
    }
    for (;;) {
        rh = sqlite3_step(have);
        rw = sqlite3_step(want);
        if (rh != SQLITE_ROW || rw != SQLITE_ROW)
            break;
        int c = entry_cmp(have, want);
        if (c != 0) {
            /* The smaller entry is the one the other side lacks. */
            entry_differs(a, r, c < 0, sqlite3_column_int64(c < 0 ? have : want, 1));
            ret = 0;
            goto out;
        }
    }
    if (rh == SQLITE_ROW || rw == SQLITE_ROW) {
        /* One side ended first: the other's next entry is one too many or one missing. */
        entry_differs(a, r, rh == SQLITE_ROW, sqlite3_column_int64(rh == SQLITE_ROW ? have : want, 1));
        ret = 0;
    } else if (rh != SQLITE_DONE || rw != SQLITE_DONE) {
        if (is_damage(rh) || is_damage(rw) || is_damage(sqlite3_extended_errcode(a->db))) {
            r->ok = false;
            r->reason = g_strdup_printf(_("The text index that search reads is damaged: %s."), sqlite3_errmsg(a->db));
            ret = 0;
        } else {
            gos_audit_set_err(err, _("Cannot read the audit log to verify it: %s."), sqlite3_errmsg(a->db));
        }
    } else {
        ret = 0;
    }
out:
    sqlite3_finalize(have);
    sqlite3_finalize(want);
    exec_simple(a->db, text_expect_teardown);
    return ret;
}

char *gos_audit_missing_trigger(sqlite3 *db, int version)
{
    /* What keeps the log append-only and the summary folded from it. */
    static const char *const v1[] = { "events_no_update", "events_no_delete", "events_fold" };
    static const char *const v4[] = { "tasks_text_insert", "tasks_text_ended", "tasks_text_changed",
                                      "tasks_text_delete" };
    sqlite3_stmt *st = NULL;
    char *missing = NULL;
    if (sqlite3_prepare_v2(db, "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", -1, &st, NULL) !=
        SQLITE_OK)
        return g_strdup("sqlite_master");
    for (size_t i = 0; !missing && i < G_N_ELEMENTS(v1) + (version >= 4 ? G_N_ELEMENTS(v4) : 0); i++) {
        const char *name = i < G_N_ELEMENTS(v1) ? v1[i] : v4[i - G_N_ELEMENTS(v1)];
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        const char *sql = sqlite3_step(st) == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
        /* The guards must still refuse: RAISE(ABORT, ...) in their body. */
        if (!sql || (i < 2 && !strstr(sql, "RAISE(ABORT")))
            missing = g_strdup(name);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return missing;
}

int gos_audit_verify_summary(gos_audit *a, gos_audit_verify_report *r, char **err)
{
    int rc, ret = -1;

    /* A read-only store refuses writes with query_only; the re-fold writes only
     * to the temporary database (the main one is opened read-only anyway). */
    if (a->readonly)
        exec_simple(a->db, "PRAGMA query_only = OFF");
    exec_simple(a->db, gos_audit_refold_teardown);
    /* The temporary database keeps SQLite's default cache (2 MB): at 200,000
     * tasks 16 MB made the re-fold no faster (13.96 s both) and cost 16 MB. */
    rc = exec_simple(a->db, gos_audit_refold_setup);
    if (rc == SQLITE_OK)
        rc = exec_simple(a->db, gos_audit_refold_run);
    if (rc != SQLITE_OK) {
        if (is_damage(sqlite3_extended_errcode(a->db))) {
            damaged(r, a->db);
            ret = 0;
        } else {
            gos_audit_set_err(err, _("Cannot read the audit log to verify it: %s."), sqlite3_errmsg(a->db));
        }
        goto cleanup;
    }
    char *missing = gos_audit_missing_trigger(a->db, a->version);
    if (missing) {
        r->ok = false;
        /* TRANSLATORS: %s: a trigger of the audit database (events_no_update, ...). */
        r->reason = g_strdup_printf(_("The trigger %s that keeps the log append-only and the summary folded from it "
                                      "is missing or altered."), missing);
        g_free(missing);
        ret = 0;
        goto cleanup;
    }
    if (check_pages(a, r, err) < 0)
        goto cleanup;
    ret = r->ok ? compare(a, r, err) : 0;
    if (ret == 0 && r->ok)
        ret = check_text_index(a, r, err);
    if (ret == 0 && r->ok)
        ret = check_text_entries(a, r, err);

cleanup:
    exec_simple(a->db, gos_audit_refold_teardown);
    if (a->readonly)
        exec_simple(a->db, "PRAGMA query_only = ON");
    return ret;
}
