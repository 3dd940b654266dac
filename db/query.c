/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading tasks back from the audit summary: filters, keyset paging, gos_audit_query. */
#include <config.h>

#include <string.h>

#include <json-c/json.h>

#include "base/i18n.h"
#include "db/audit_priv.h"

/* The task's result as people see it: a task that never ended (queued or
 * running) whose process is gone is Interrupted (GOS_RESULT_INTERRUPTED) even
 * before a read-write open's recovery appends the event that says so. The
 * function is called only for open tasks (SQLite stops at the first false term). */
#define RESULT_EXPR \
    "(CASE WHEN tasks.end_kind IS NULL AND gos_owner_gone(tasks.op_node, tasks.op_pid)" \
    " THEN -2 ELSE tasks.task_result END)"
G_STATIC_ASSERT(GOS_RESULT_INTERRUPTED == -2);

/* Column order read by gos_audit_task_from_stmt, after the key. Qualified: the
 * text search joins tasks_text, whose columns have the same names. */
#define TASK_COLUMNS_AFTER_KEY \
    " tasks.task_id, tasks.host, tasks.vm_uuid, tasks.vm_name, tasks.action, tasks.op_user, tasks.op_uid," \
    " tasks.op_tty, tasks.op_ssh, tasks.origin, tasks.submitted_at, tasks.ended_at, tasks.phase, tasks.percent," \
    " tasks.call_hr, " RESULT_EXPR ", tasks.task_error, tasks.virt_code," \
    " tasks.message, tasks.users_before, tasks.users_after"

/* A time range narrower than this many tasks is turned into a range of keys
 * (see time_keys); a wider one is dense enough for the walk to find its rows. */
#define TIME_PROBE_TASKS 20000

typedef struct {
    bool is_text;
    int64_t i;
    char *s;                     /* owned */
} bind_value;

static void bind_value_clear(gpointer p)
{
    g_free(((bind_value *)p)->s);
}

static void add_int(GArray *binds, int64_t v)
{
    bind_value b = { .is_text = false, .i = v };

    g_array_append_val(binds, b);
}

static void add_text(GArray *binds, const char *s)
{
    bind_value b = { .is_text = true, .s = g_strdup(s) };

    g_array_append_val(binds, b);
}

static bool uuid_known(sqlite3 *db, const char *uuid)
{
    sqlite3_stmt *st = NULL;
    bool found = false;

    if (sqlite3_prepare_v2(db, "SELECT 1 FROM tasks WHERE vm_uuid = ? LIMIT 1", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, uuid, -1, SQLITE_STATIC);
        found = sqlite3_step(st) == SQLITE_ROW;
    }
    sqlite3_finalize(st);
    return found;
}

/* "%text%" for LIKE ... ESCAPE '\', with the pattern characters of text escaped. */
static char *like_pattern(const char *text)
{
    GString *p = g_string_new("%");

    for (const char *c = text; *c; c++) {
        if (*c == '%' || *c == '_' || *c == '\\')
            g_string_append_c(p, '\\');
        g_string_append_c(p, *c);
    }
    g_string_append_c(p, '%');
    return g_string_free(p, FALSE);
}

/* text as it stands inside a JSON string of the users arrays (json-c's escapes,
 * which SQLite's json_quote shares), without the quotes around it. */
static char *json_inner(const char *text)
{
    json_object *o = json_object_new_string(text);
    const char *q = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    size_t len = strlen(q);
    char *inner = g_strndup(q + 1, len >= 2 ? len - 2 : 0);

    json_object_put(o);
    return inner;
}

/*
 * The keys of the tasks submitted in [since, until] (0 = open), found through
 * tasks_submitted: *lo and *hi receive the smallest and the largest, and true
 * comes back, when the range holds fewer than TIME_PROBE_TASKS tasks (none:
 * *lo > *hi). Exact, whatever the clocks did: the walk can then stay a rowid
 * range in key order (constant memory, no sort) and read only those keys,
 * where it used to check submitted_at from the newest task down. A reading
 * of at most TIME_PROBE_TASKS index entries, a few milliseconds.
 */
static bool time_keys(gos_audit *audit, int64_t since, int64_t until, int64_t *lo, int64_t *hi)
{
    sqlite3_stmt *st = NULL;
    bool narrow = false;

    if (audit->version < 4)
        return false;
    if (sqlite3_prepare_v2(audit->db,
                           "SELECT min(key), max(key), count(*) FROM (SELECT key FROM tasks INDEXED BY tasks_submitted"
                           " WHERE submitted_at BETWEEN ? AND ? LIMIT ?)", -1, &st, NULL) != SQLITE_OK)
        return false;
    sqlite3_bind_int64(st, 1, since ? since : G_MININT64);
    sqlite3_bind_int64(st, 2, until ? until : G_MAXINT64);
    sqlite3_bind_int(st, 3, TIME_PROBE_TASKS);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 2) < TIME_PROBE_TASKS) {
        narrow = true;
        if (sqlite3_column_int64(st, 2) == 0) {
            *lo = 1;
            *hi = 0;
        } else {
            *lo = sqlite3_column_int64(st, 0);
            *hi = sqlite3_column_int64(st, 1);
        }
    }
    sqlite3_finalize(st);
    return narrow;
}

/* The most trigrams a search asks the index for: they only propose candidates
 * (LIKE decides), so a few spread over a long text narrow it as well as all. */
#define FTS_MAX_TERMS 12

/*
 * text as an FTS5 query for tasks_text, which keeps no positions (detail=none:
 * a third of the cost of each task's indexing): every trigram of text must be
 * in the task ("abc" AND "bcd" ...), which every task that holds text has, and
 * a few that do not. NULL when the index cannot help: a trigram needs three
 * characters.
 */
static char *fts_terms(const char *text)
{
    GString *q;
    glong n;

    if (!text || !g_utf8_validate(text, -1, NULL) || (n = g_utf8_strlen(text, -1)) < 3)
        return NULL;
    q = g_string_new("(");
    glong terms = MIN(n - 2, FTS_MAX_TERMS);
    for (glong t = 0; t < terms; t++) {
        /* Spread over the text, first and last included. */
        glong at = terms > 1 ? t * (n - 3) / (terms - 1) : 0;
        const char *p = g_utf8_offset_to_pointer(text, at), *end = g_utf8_offset_to_pointer(p, 3);

        g_string_append(q, t ? " AND \"" : "\"");
        for (; p < end; p++) {
            if (*p == '"')
                g_string_append_c(q, '"');
            g_string_append_c(q, *p);
        }
        g_string_append_c(q, '"');
    }
    g_string_append_c(q, ')');
    return g_string_free(q, FALSE);
}

/* The SQL of one arm: conditions on tasks, with KEY standing for the column that
 * holds the task's key in that arm (tasks.key, or tasks_text.rowid, so that the
 * text index itself skips what the key range excludes). */
static void append_conditions(GString *sql, const char *cond, const char *key)
{
    GString *c = g_string_new(cond);

    g_string_replace(c, "KEY", key, 0);
    g_string_append(sql, c->str);
    g_string_free(c, TRUE);
}

/*
 * The SQL is put together from fixed fragments; every value is a bound
 * parameter. Each fragment is chosen so that the plan stays an ordered walk
 * (rowid, or an index on one column, which ends in the rowid) with no sort:
 * rows stream in key order and a page stops after `limit` matches.
 *
 * vm: a name or a UUID, resolved the way virsh resolves a domain: when the
 * text parses as a UUID that the log holds, the UUID; otherwise a name.
 * "vm_name = ? OR vm_uuid = ?" would make SQLite merge two indexes and then
 * sort the union, in memory proportional to the matches.
 *
 * since_ms/until_ms are both inclusive. A narrow range becomes a range of keys
 * (time_keys); a wide one walks keys from the newest and checks submitted_at;
 * with vm or operator, that index is walked instead.
 *
 * text is a case-insensitive (ASCII) substring of the VM name, message or a
 * user's name. From schema version 4 the trigram index proposes candidates and
 * LIKE decides. The index holds the tasks that have ended and were indexed
 * (schema.c says why), so the search is three arms merged in key order, each
 * ordered by itself: the index's candidates, in its rowid order, the tasks not
 * ended yet, through tasks_unended, and the ended ones still queued for the
 * index (text_pending). SQLite merges ordered arms of a UNION ALL without a sort.
 */
int gos_audit_task_stmt(gos_audit *audit, const gos_audit_filter *f, int64_t after_key,
                        size_t limit, bool oldest_first, sqlite3_stmt **out, char **err)
{
    GString *sql = g_string_new(NULL), *cond = g_string_new(NULL);
    GArray *binds = g_array_new(FALSE, TRUE, sizeof(bind_value));
    GArray *all = g_array_new(FALSE, TRUE, sizeof(bind_value));
    sqlite3_stmt *st = NULL;
    char *match = NULL;
    int64_t lo = 0, hi = 0;
    int ret = -1;

    g_array_set_clear_func(binds, bind_value_clear);
    g_array_set_clear_func(all, bind_value_clear);
    if (after_key > 0) {
        g_string_append(cond, oldest_first ? " AND KEY > ?" : " AND KEY < ?");
        add_int(binds, after_key);
    }
    if (f && f->vm && *f->vm) {
        char *lower = g_uuid_string_is_valid(f->vm) ? g_ascii_strdown(f->vm, -1) : NULL;

        if (lower && uuid_known(audit->db, lower)) {
            g_string_append(cond, " AND tasks.vm_uuid = ?");
            add_text(binds, lower);
        } else {
            g_string_append(cond, " AND tasks.vm_name = ?");
            add_text(binds, f->vm);
        }
        g_free(lower);
    }
    if (f && f->op_user && *f->op_user) {
        g_string_append(cond, " AND tasks.op_user = ?");
        add_text(binds, f->op_user);
    }
    if (f && f->action && *f->action) {
        g_string_append(cond, " AND tasks.action = ?");
        add_text(binds, f->action);
    }
    if (f && f->host && *f->host) {
        g_string_append(cond, " AND tasks.host = ?");
        add_text(binds, f->host);
    }
    if (f && f->origin && *f->origin) {
        /* "macro:" or "batch:" alone: every macro or batch file, as a range of
         * the text (case matters, as in the exact match). */
        if (!strcmp(f->origin, "macro:") || !strcmp(f->origin, "batch:")) {
            char *upper = g_strndup(f->origin, strlen(f->origin) - 1);
            g_string_append(cond, " AND tasks.origin >= ? AND tasks.origin < ?");
            add_text(binds, f->origin);
            char *end = g_strconcat(upper, ";", NULL);   /* ';' follows ':' */
            add_text(binds, end);
            g_free(end);
            g_free(upper);
        } else {
            g_string_append(cond, " AND tasks.origin = ?");
            add_text(binds, f->origin);
        }
    }
    if (f && f->has_result) {
        g_string_append(cond, " AND " RESULT_EXPR " = ?");
        add_int(binds, f->result);
    }
    if (f && f->has_hresult) {
        g_string_append(cond, " AND (tasks.call_hr = ? OR tasks.task_error = ?)");
        add_int(binds, f->hresult);
        add_int(binds, f->hresult);
    }
    /* With a VM or an operator, their index is walked and is selective already. */
    if (f && (f->since_ms || f->until_ms) && !(f->vm && *f->vm) && !(f->op_user && *f->op_user) &&
        time_keys(audit, f->since_ms, f->until_ms, &lo, &hi)) {
        g_string_append(cond, " AND KEY BETWEEN ? AND ?");
        add_int(binds, lo);
        add_int(binds, hi);
    }
    if (f && f->since_ms) {
        g_string_append(cond, " AND tasks.submitted_at >= ?");
        add_int(binds, f->since_ms);
    }
    if (f && f->until_ms) {
        g_string_append(cond, " AND tasks.submitted_at <= ?");
        add_int(binds, f->until_ms);
    }
    if (f && f->text && *f->text) {
        /* The users are JSON arrays: a name with a quote or a backslash stands
         * there escaped, so it is looked for escaped. */
        char *pat = like_pattern(f->text), *quoted = json_inner(f->text), *upat = like_pattern(quoted);

        if (audit->version >= 4 && (match = fts_terms(f->text))) {
            char *qterms = fts_terms(quoted);

            if (qterms && strcmp(qterms, match) != 0) {
                char *both = g_strconcat(match, " OR ", qterms, NULL);

                g_free(match);
                match = both;
            }
            g_free(qterms);
        }
        g_string_append(cond, " AND (tasks.vm_name LIKE ? ESCAPE '\\' OR tasks.message LIKE ? ESCAPE '\\'"
                              " OR tasks.users_before LIKE ? ESCAPE '\\' OR tasks.users_after LIKE ? ESCAPE '\\')");
        for (int i = 0; i < 4; i++)
            add_text(binds, i < 2 ? pat : upat);
        g_free(pat);
        g_free(quoted);
        g_free(upat);
    }

    if (match) {
        g_string_append(sql, "SELECT tasks_text.rowid," TASK_COLUMNS_AFTER_KEY
                             " FROM tasks_text JOIN tasks ON tasks.key = tasks_text.rowid"
                             " WHERE tasks_text MATCH ? AND tasks.end_kind IS NOT NULL");
        add_text(all, match);
        append_conditions(sql, cond->str, "tasks_text.rowid");
        g_array_append_vals(all, binds->data, binds->len);
        g_string_append(sql, " UNION ALL SELECT tasks.key," TASK_COLUMNS_AFTER_KEY
                             " FROM tasks INDEXED BY tasks_unended WHERE tasks.end_kind IS NULL");
        append_conditions(sql, cond->str, "tasks.key");
        g_string_append(sql, " UNION ALL SELECT text_pending.key," TASK_COLUMNS_AFTER_KEY
                             /* CROSS JOIN: the queue outside, in its key order. */
                             " FROM text_pending CROSS JOIN tasks ON tasks.key = text_pending.key"
                             " WHERE tasks.end_kind IS NOT NULL");
        append_conditions(sql, cond->str, "text_pending.key");
        /* The values again, twice, copied: the array owns its strings once. */
        for (int arm = 0; arm < 2; arm++)
            for (guint i = 0; i < binds->len; i++) {
                bind_value *b = &g_array_index(binds, bind_value, i);

                if (b->is_text)
                    add_text(all, b->s);
                else
                    add_int(all, b->i);
            }
        g_string_append(sql, oldest_first ? " ORDER BY 1 ASC" : " ORDER BY 1 DESC");
        /* The first copies now belong to all. */
        g_array_set_clear_func(binds, NULL);
    } else {
        g_string_append(sql, "SELECT tasks.key," TASK_COLUMNS_AFTER_KEY " FROM tasks WHERE 1");
        append_conditions(sql, cond->str, "tasks.key");
        g_array_append_vals(all, binds->data, binds->len);
        g_array_set_clear_func(binds, NULL);
        g_string_append(sql, oldest_first ? " ORDER BY tasks.key ASC" : " ORDER BY tasks.key DESC");
    }
    if (limit > 0) {
        g_string_append(sql, " LIMIT ?");
        add_int(all, limit > (size_t)G_MAXINT64 ? G_MAXINT64 : (int64_t)limit);
    }

    if (sqlite3_prepare_v2(audit->db, sql->str, -1, &st, NULL) != SQLITE_OK) {
        /* TRANSLATORS: %s is SQLite's own description of the failure. */
        gos_audit_set_err(err, _("Cannot read the audit log: %s."), sqlite3_errmsg(audit->db));
        goto cleanup;
    }
    for (guint i = 0; i < all->len; i++) {
        bind_value *b = &g_array_index(all, bind_value, i);

        if (b->is_text)
            sqlite3_bind_text(st, (int)i + 1, b->s, -1, SQLITE_TRANSIENT);
        else
            sqlite3_bind_int64(st, (int)i + 1, b->i);
    }
    *out = st;
    st = NULL;
    ret = 0;

cleanup:
    sqlite3_finalize(st);
    g_array_unref(binds);
    g_array_unref(all);
    g_string_free(cond, TRUE);
    g_string_free(sql, TRUE);
    g_free(match);
    return ret;
}

static const char *col_text(sqlite3_stmt *st, int col)
{
    return (const char *)sqlite3_column_text(st, col);
}

void gos_audit_task_from_stmt(sqlite3_stmt *st, gos_audit_task *t)
{
    memset(t, 0, sizeof *t);
    t->key = sqlite3_column_int64(st, 0);
    t->task_id = col_text(st, 1);
    t->host = col_text(st, 2);
    t->vm_uuid = col_text(st, 3);
    t->vm_name = col_text(st, 4);
    t->action = col_text(st, 5);
    t->op_user = col_text(st, 6);
    t->op_uid = sqlite3_column_int64(st, 7);
    t->op_tty = col_text(st, 8);
    t->op_ssh = col_text(st, 9);
    t->origin = col_text(st, 10);
    t->submitted_at = sqlite3_column_int64(st, 11);
    t->ended_at = sqlite3_column_int64(st, 12);          /* NULL reads as 0 */
    t->phase = col_text(st, 13);
    t->percent = sqlite3_column_type(st, 14) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 14);
    t->has_call_hr = sqlite3_column_type(st, 15) != SQLITE_NULL;
    t->call_hr = (uint32_t)sqlite3_column_int64(st, 15);
    t->task_result = sqlite3_column_int(st, 16);
    t->has_task_error = sqlite3_column_type(st, 17) != SQLITE_NULL;
    t->task_error = (uint32_t)sqlite3_column_int64(st, 17);
    t->virt_code = sqlite3_column_int(st, 18);
    t->message = col_text(st, 19);
    t->users_before_json = col_text(st, 20);
    t->users_after_json = col_text(st, 21);
}

/* SQLite calls this every few hundred virtual machine steps of a query_page
 * statement: non-zero stops it with SQLITE_INTERRUPT. */
static int page_progress(void *opaque)
{
    gos_audit *audit = opaque;

    if (g_atomic_int_get(&audit->interrupt))
        return 1;
    return audit->deadline_us && g_get_monotonic_time() >= audit->deadline_us;
}

void gos_audit_interrupt(gos_audit *audit)
{
    if (audit)
        g_atomic_int_set(&audit->interrupt, 1);
}

/*
 * The audit pager (db/pager.c) reads one page at a time from its own
 * read-only handle. Most pages come in a few milliseconds at a million
 * tasks; a filter that no index serves (text, or a rare match in a time
 * range) walks many keys. The budget lets the pager try on its owner's
 * thread first and hand the same query to a worker when it is slow, and
 * interrupt lets it drop a query whose answer nobody waits for any more.
 */
int gos_audit_query_page(gos_audit *audit, const gos_audit_filter *filter, int64_t after_key,
                         bool oldest_first, size_t limit, int budget_ms,
                         gos_audit_task_cb cb, void *opaque, bool *gave_up, char **err)
{
    sqlite3_stmt *st = NULL;
    gos_audit_task task;
    int rc, ret = -1;

    if (!audit || !cb) {
        gos_audit_set_err(err, _("The audit log cannot be read because an argument is missing."));
        return -1;
    }
    g_mutex_lock(&audit->lock);
    /* An interrupt meant for an earlier query must not stop this one. */
    g_atomic_int_set(&audit->interrupt, 0);
    audit->deadline_us = budget_ms > 0 ? g_get_monotonic_time() + (gint64)budget_ms * 1000 : 0;
    sqlite3_progress_handler(audit->db, 500, page_progress, audit);
    if (gos_audit_task_stmt(audit, filter, after_key, limit, oldest_first, &st, err) < 0)
        goto cleanup;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        gos_audit_task_from_stmt(st, &task);
        if (cb(&task, opaque) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    if ((rc & 0xff) == SQLITE_INTERRUPT) {
        if (!gave_up) {
            gos_audit_set_err(err, _("Reading the audit log was interrupted."));
            goto cleanup;
        }
        *gave_up = true;
        ret = 0;
        goto cleanup;
    }
    if (rc != SQLITE_DONE) {
        gos_audit_set_err(err, _("Cannot read the audit log: %s."), sqlite3_errmsg(audit->db));
        goto cleanup;
    }
    if (gave_up)
        *gave_up = false;
    ret = 0;

cleanup:
    sqlite3_finalize(st);
    sqlite3_progress_handler(audit->db, 0, NULL, NULL);
    audit->deadline_us = 0;
    g_mutex_unlock(&audit->lock);
    return ret;
}

/* The plain query is a page query, newest first, with no time budget: giving up
 * (only an interrupt can make it) is a failure. */
int gos_audit_query(gos_audit *audit, const gos_audit_filter *filter, int64_t after_key,
                    size_t limit, gos_audit_task_cb cb, void *opaque, char **err)
{
    return gos_audit_query_page(audit, filter, after_key, false, limit, 0, cb, opaque, NULL, err);
}
