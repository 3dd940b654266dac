/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The audit log's SHA-256 hash chain: the canonical form of an event, and gos_audit_verify. */
#include <config.h>

#include <string.h>

#include "base/i18n.h"
#include "db/audit_priv.h"

/* Hashing order. Changing it (or the encoding below) breaks every existing chain. */
const char *const gos_audit_event_columns[GOS_AUDIT_EVENT_NCOLS] = {
    "id", "kind", "task_id", "ts_ms",
    "op_uid", "op_user", "op_tty", "op_ssh", "op_pid", "op_node", "origin",
    "host", "vm_uuid", "vm_name", "action",
    "phase", "percent",
    "call_hr", "call_hr_hex", "task_result", "task_error", "task_error_hex", "virt_code",
    "message", "users_before", "users_after",
};

/*
 * The canonical form that is hashed:
 *
 *   "guestos-audit-v1" NUL, u64 column count,
 *   'T' u64 length prev_hash,
 *   then per column: 'N'                  NULL
 *                    'I' u64              INTEGER (two's complement)
 *                    'T' u64 length bytes TEXT
 *                    'R' u64              REAL (IEEE bits; never written by guestos)
 *                    'B' u64 length bytes BLOB (idem)
 *
 * with every u64 big-endian. The tag keeps NULL apart from "" and 5 apart
 * from "5"; the length prefix keeps "ab","c" apart from "a","bc".
 *
 * The columns are the 26 above, then users_format when it is not NULL (rows
 * written since schema version 3): 26 or 27, and the count is hashed too, so
 * a row cannot pass for the other kind.
 */
/* The form goes to GChecksum's SHA-256 through a buffer on the stack, in few
 * calls (it was built in a GByteArray by some 60 appends, which took as long
 * as the hashing itself; bench/bench_audit). */
typedef struct {
    GChecksum *sum;
    size_t len;
    uint8_t buf[512];
} form;

static void form_put(form *f, const void *p, size_t len)
{
    if (f->len + len > sizeof f->buf) {
        g_checksum_update(f->sum, f->buf, (gssize)f->len);
        f->len = 0;
        if (len > sizeof f->buf) {
            g_checksum_update(f->sum, p, (gssize)len);
            return;
        }
    }
    memcpy(f->buf + f->len, p, len);
    f->len += len;
}

static void put_u64(form *f, uint64_t v)
{
    uint8_t b[8];

    for (int i = 7; i >= 0; i--) {
        b[i] = (uint8_t)(v & 0xff);
        v >>= 8;
    }
    form_put(f, b, sizeof b);
}

static void put_tag_u64(form *f, char tag, uint64_t v)
{
    form_put(f, &tag, 1);
    put_u64(f, v);
}

static void put_bytes(form *f, char tag, const void *p, size_t len)
{
    put_tag_u64(f, tag, len);
    if (len > 0)
        form_put(f, p, len);
}

void gos_audit_hash_cells(const char *prev_hash, const gos_audit_cell *cells, size_t n,
                          char out[65])
{
    static const char magic[] = "guestos-audit-v1";   /* its NUL is part of the form */
    form f;

    f.sum = g_checksum_new(G_CHECKSUM_SHA256);
    f.len = 0;
    form_put(&f, magic, sizeof magic);
    put_u64(&f, n);
    put_bytes(&f, 'T', prev_hash, strlen(prev_hash));
    for (size_t i = 0; i < n; i++) {
        const gos_audit_cell *c = &cells[i];
        uint64_t bits;

        switch (c->type) {
        case GOS_CELL_NULL:
            form_put(&f, "N", 1);
            break;
        case GOS_CELL_INT:
            put_tag_u64(&f, 'I', (uint64_t)c->i);
            break;
        case GOS_CELL_REAL:
            memcpy(&bits, &c->r, sizeof bits);
            put_tag_u64(&f, 'R', bits);
            break;
        case GOS_CELL_TEXT:
            put_bytes(&f, 'T', c->p, c->len);
            break;
        case GOS_CELL_BLOB:
            put_bytes(&f, 'B', c->p, c->len);
            break;
        }
    }
    g_checksum_update(f.sum, f.buf, (gssize)f.len);
    memcpy(out, g_checksum_get_string(f.sum), 64);
    out[64] = '\0';
    g_checksum_free(f.sum);
}

void gos_audit_cells_from_stmt(sqlite3_stmt *st, int first, gos_audit_cell *cells, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int col = first + (int)i;
        gos_audit_cell *c = &cells[i];

        memset(c, 0, sizeof *c);
        switch (sqlite3_column_type(st, col)) {
        case SQLITE_NULL:
            c->type = GOS_CELL_NULL;
            break;
        case SQLITE_INTEGER:
            c->type = GOS_CELL_INT;
            c->i = sqlite3_column_int64(st, col);
            break;
        case SQLITE_FLOAT:
            c->type = GOS_CELL_REAL;
            c->r = sqlite3_column_double(st, col);
            break;
        case SQLITE_TEXT:
            c->type = GOS_CELL_TEXT;
            c->p = sqlite3_column_text(st, col);
            c->len = (size_t)sqlite3_column_bytes(st, col);
            break;
        default:
            c->type = GOS_CELL_BLOB;
            c->p = sqlite3_column_blob(st, col);
            c->len = (size_t)sqlite3_column_bytes(st, col);
            break;
        }
    }
}

/* Where the statements of select_events_sql have prev_hash, hash and users_format. */
#define COL_PREV GOS_AUDIT_EVENT_NCOLS
#define COL_HASH (GOS_AUDIT_EVENT_NCOLS + 1)
#define COL_FORMAT (GOS_AUDIT_EVENT_NCOLS + 2)

/* "SELECT id, kind, ..., prev_hash, hash, users_format FROM events" + tail; a
 * store below version 3 (built by tests) has no users_format: NULL stands in.
 * Column names are our constants, never values. */
static char *select_events_sql(const char *tail, bool has_format)
{
    GString *sql = g_string_new("SELECT ");

    for (size_t i = 0; i < GOS_AUDIT_EVENT_NCOLS; i++)
        g_string_append_printf(sql, "%s, ", gos_audit_event_columns[i]);
    g_string_append_printf(sql, "prev_hash, hash, %s FROM events ",
                           has_format ? GOS_AUDIT_USERS_FORMAT_COLUMN : "NULL");
    g_string_append(sql, tail);
    return g_string_free(sql, FALSE);
}

/* Reads the hashed cells of a stepped select_events_sql row: the 26 columns, and
 * users_format as a 27th when it is not NULL. Returns how many. */
static size_t row_cells(sqlite3_stmt *st, gos_audit_cell cells[GOS_AUDIT_EVENT_NCOLS + 1])
{
    gos_audit_cells_from_stmt(st, 0, cells, GOS_AUDIT_EVENT_NCOLS);
    if (sqlite3_column_type(st, COL_FORMAT) == SQLITE_NULL)
        return GOS_AUDIT_EVENT_NCOLS;
    gos_audit_cells_from_stmt(st, COL_FORMAT, &cells[GOS_AUDIT_EVENT_NCOLS], 1);
    return GOS_AUDIT_EVENT_NCOLS + 1;
}

int gos_audit_priv_row_hash(sqlite3 *db, int64_t id, char out[65])
{
    gos_audit_cell cells[GOS_AUDIT_EVENT_NCOLS + 1];
    sqlite3_stmt *st = NULL;
    char *sql = select_events_sql("WHERE id = ?", true);
    int ret = -1;

    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        /* A store below version 3. */
        g_free(sql);
        sql = select_events_sql("WHERE id = ?", false);
        if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
            goto cleanup;
    }
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) != SQLITE_ROW || sqlite3_column_type(st, COL_PREV) != SQLITE_TEXT)
        goto cleanup;
    size_t n = row_cells(st, cells);
    gos_audit_hash_cells((const char *)sqlite3_column_text(st, COL_PREV), cells, n, out);
    ret = 0;

cleanup:
    sqlite3_finalize(st);
    g_free(sql);
    return ret;
}

/* The id of the event whose hash is `hash`, or 0. A full scan, run once and
 * only after the chain broke, to say whether a row was inserted or moved. */
static int64_t find_by_hash(sqlite3 *db, const char *hash)
{
    sqlite3_stmt *st = NULL;
    int64_t id = 0;

    if (sqlite3_prepare_v2(db, "SELECT id FROM events WHERE hash = ? ORDER BY id LIMIT 1",
                           -1, &st, NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        id = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return id;
}

static void last_hash(sqlite3 *db, int64_t *seq, char head[65])
{
    sqlite3_stmt *st = NULL;

    head[0] = '\0';
    *seq = 0;
    if (sqlite3_prepare_v2(db, "SELECT id, hash FROM events ORDER BY id DESC LIMIT 1", -1, &st, NULL) != SQLITE_OK)
        return;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 1)) {
        *seq = sqlite3_column_int64(st, 0);
        g_strlcpy(head, (const char *)sqlite3_column_text(st, 1), 65);
    }
    sqlite3_finalize(st);
}

int gos_audit_anchor_parse(const char *text, gos_audit_anchor *out, char **err)
{
    const char *colon = text ? strchr(text, ':') : NULL;
    gos_audit_anchor a = { 0 };
    guint64 seq = 0;
    char *num;
    bool num_ok;

    if (!colon || colon == text || strlen(colon + 1) != 64)
        goto bad;
    num = g_strndup(text, (gsize)(colon - text));
    num_ok = g_ascii_string_to_unsigned(num, 10, 1, G_MAXINT64, &seq, NULL);
    g_free(num);
    if (!num_ok)
        goto bad;
    for (int i = 0; i < 64; i++) {
        char c = colon[1 + i];

        if (!g_ascii_isxdigit(c))
            goto bad;
        a.hash[i] = g_ascii_tolower(c);
    }
    a.hash[64] = '\0';
    a.seq = (int64_t)seq;
    *out = a;
    return 0;

bad:
    /* TRANSLATORS: keep SEQ:HASH as it is; %s is what was given. */
    gos_audit_set_err(err, _("'%s' is not an anchor: use SEQ:HASH, an event's position in the chain and its 64-digit hash, as audit verify prints them."),
                      text ? text : "");
    return -1;
}

/* The anchors' verdict, after a walk that found the chain intact up to rows
 * events: the first anchor that does not hold sets r->ok, r->reason. */
static void check_anchors(sqlite3 *db, const gos_audit_anchor *anchors, size_t n,
                          gos_audit_verify_report *r)
{
    sqlite3_stmt *st = NULL;

    if (n == 0)
        return;
    if (sqlite3_prepare_v2(db, "SELECT hash FROM events WHERE id = ?", -1, &st, NULL) != SQLITE_OK) {
        /* An anchor that could not be checked does not hold. */
        r->ok = false;
        r->reason = g_strdup_printf(_("Cannot read the audit log to verify it: %s."), sqlite3_errmsg(db));
        return;
    }
    for (size_t i = 0; i < n && r->ok; i++) {
        const gos_audit_anchor *an = &anchors[i];
        const char *h;

        if (an->seq > r->rows) {
            r->ok = false;
            r->reason = g_strdup_printf(
                /* TRANSLATORS: counts of events; the anchor is SEQ:HASH. */
                _("The log holds %lld events, but the anchor %lld:%s proves that event %lld existed: events were cut off its end."),
                (long long)r->rows, (long long)an->seq, an->hash, (long long)an->seq);
            break;
        }
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, an->seq);
        h = sqlite3_step(st) == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
        if (!h || strcmp(h, an->hash) != 0) {
            r->ok = false;
            r->first_bad_id = an->seq;
            r->reason = g_strdup_printf(
                _("Event %lld no longer has the anchored hash %s: the log up to it was rewritten and its chain computed anew."),
                (long long)an->seq, an->hash);
        }
    }
    sqlite3_finalize(st);
}

/*
 * Says what is wrong with row `id`, the first that fails, given the id and
 * hash of the last good row before it. Sets rep->first_bad_id and rep->reason.
 *
 * Every row's id is inside its hash, so moving or renumbering a row breaks
 * its own hash as well; the link (prev_hash) tells which kind of damage it is.
 */
static void classify(sqlite3 *db, gos_audit_verify_report *rep, int64_t id, const char *prev,
                     bool content_ok, bool link_ok, int64_t good_id)
{
    int64_t q;

    if (!link_ok && prev) {
        q = find_by_hash(db, prev);
        if (q > 0 && q < good_id) {
            /* The row links past the one(s) before it: those were put in. */
            rep->first_bad_id = q + 1;
            rep->reason = g_strdup_printf(
                /* TRANSLATORS: event ids; the chain skips over the event(s) after the second. */
                _("Event %lld was inserted into the log: event %lld links to event %lld before it."),
                (long long)(q + 1), (long long)id, (long long)q);
            return;
        }
        if (q > id) {
            rep->first_bad_id = id;
            rep->reason = g_strdup_printf(
                _("The events are out of order at event %lld: it links to event %lld, which comes after it."),
                (long long)id, (long long)q);
            return;
        }
        if (q == 0 && id > good_id + 1) {
            rep->first_bad_id = good_id + 1;
            if (id == good_id + 2)
                rep->reason = g_strdup_printf(
                    _("Event %lld is missing from the log: the chain breaks before event %lld."),
                    (long long)(good_id + 1), (long long)id);
            else
                rep->reason = g_strdup_printf(
                    _("Events %lld to %lld are missing from the log: the chain breaks before event %lld."),
                    (long long)(good_id + 1), (long long)(id - 1), (long long)id);
            return;
        }
        if (q == 0 && content_ok) {
            rep->first_bad_id = id;
            rep->reason = g_strdup_printf(
                _("An event is missing from the log before event %lld: it links to an event that is not there."),
                (long long)id);
            return;
        }
    }
    if (content_ok && link_ok && id > good_id + 1) {
        rep->first_bad_id = good_id + 1;
        rep->reason = g_strdup_printf(
            _("Events %lld to %lld are missing from the log: the chain breaks before event %lld."),
            (long long)(good_id + 1), (long long)(id - 1), (long long)id);
        return;
    }
    rep->first_bad_id = id;
    rep->reason = g_strdup_printf(
        _("Event %lld was altered or forged: its contents no longer match its hash."), (long long)id);
}

int gos_audit_verify(gos_audit *audit, gos_audit_verify_report *rep, char **err)
{
    return gos_audit_verify_anchored(audit, NULL, 0, rep, err);
}

int gos_audit_verify_anchored(gos_audit *audit, const gos_audit_anchor *anchors, size_t n_anchors,
                              gos_audit_verify_report *rep, char **err)
{
    gos_audit_cell cells[GOS_AUDIT_EVENT_NCOLS + 1];
    gos_audit_verify_report r = { .ok = true };
    char expect[65] = GOS_AUDIT_GENESIS_HASH;
    char computed[65];
    sqlite3_stmt *st = NULL;
    char *sql = NULL;
    int64_t good_id = 0;
    int rc, ret = -1;
    bool in_txn = false;

    if (!audit || !rep) {
        gos_audit_set_err(err, _("The audit log cannot be verified without a database."));
        return -1;
    }
    g_mutex_lock(&audit->lock);
    /* The summary's re-fold (verify.c) goes to a temporary file, not memory;
     * SQLite takes this setting only outside a transaction. */
    sqlite3_exec(audit->db, "PRAGMA temp_store = FILE", NULL, NULL, NULL);
    /* One read transaction: a consistent snapshot while others keep appending. */
    if (sqlite3_exec(audit->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        goto sql_error;
    in_txn = true;
    sql = select_events_sql("ORDER BY id", !audit->legacy_users);
    if (sqlite3_prepare_v2(audit->db, sql, -1, &st, NULL) != SQLITE_OK)
        goto sql_error;

    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *prev = (const char *)sqlite3_column_text(st, COL_PREV);
        const char *stored = (const char *)sqlite3_column_text(st, COL_HASH);
        int64_t id = sqlite3_column_int64(st, 0);
        bool content_ok, link_ok;

        r.rows++;
        size_t n = row_cells(st, cells);
        if (prev) {
            gos_audit_hash_cells(prev, cells, n, computed);
            content_ok = stored && strcmp(computed, stored) == 0;
        } else {
            content_ok = false;
        }
        link_ok = prev && strcmp(prev, expect) == 0;
        if (content_ok && link_ok && id == good_id + 1) {
            g_strlcpy(expect, stored, sizeof expect);
            good_id = id;
            continue;
        }
        r.ok = false;
        classify(audit->db, &r, id, prev, content_ok, link_ok, good_id);
        break;
    }
    if (r.ok && rc != SQLITE_DONE)
        goto sql_error;
    sqlite3_finalize(st);
    st = NULL;
    if (r.ok) {
        g_strlcpy(r.head, r.rows > 0 ? expect : "", sizeof r.head);
        r.head_seq = good_id;
        check_anchors(audit->db, anchors, n_anchors, &r);
    } else {
        last_hash(audit->db, &r.head_seq, r.head);
    }
    /* The summary is checked only against an intact chain: a broken one is
     * named first, and the fold of broken events proves nothing. */
    if (r.ok && !audit->legacy_users && gos_audit_verify_summary(audit, &r, err) < 0) {
        g_free(r.reason);
        goto cleanup;
    }
    sqlite3_exec(audit->db, "COMMIT", NULL, NULL, NULL);
    in_txn = false;
    *rep = r;
    ret = 0;
    goto cleanup;

sql_error:
    /* TRANSLATORS: %s is SQLite's own description of the failure. */
    gos_audit_set_err(err, _("Cannot read the audit log to verify it: %s."), sqlite3_errmsg(audit->db));
    g_free(r.reason);
cleanup:
    sqlite3_finalize(st);
    if (in_txn)
        sqlite3_exec(audit->db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_exec(audit->db, "PRAGMA temp_store = MEMORY", NULL, NULL, NULL);
    g_mutex_unlock(&audit->lock);
    g_free(sql);
    return ret;
}
