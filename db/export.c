/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gos_audit_export: the audit log's tasks as an aligned table, RFC 4180 CSV or a JSON array. */
#include <config.h>

#include <errno.h>
#include <string.h>

#include "base/hresult.h"
#include "base/i18n.h"
#include "base/text.h"
#include "base/time.h"
#include "db/audit_priv.h"

/* "2024-05-01T12:00:00.123Z" (with_ms) or "2024-05-01T12:00:00Z"; "-" when not known. */
static void format_time(int64_t ms, bool with_ms, char buf[40])
{
    char *iso = gos_time_iso(ms, with_ms);

    g_strlcpy(buf, iso ? iso : "-", 40);
    g_free(iso);
}

static void format_hr(uint32_t hr, char buf[11])
{
    g_snprintf(buf, 11, "0x%08X", (unsigned int)hr);
}

/* The result's stable name (scripts read it); the number for a code without one. */
static const char *result_name(int result, char buf[16])
{
    const char *name = gos_result_name(result);

    if (name || result == GOS_RESULT_NONE)
        return name;
    g_snprintf(buf, 16, "%d", result);
    return buf;
}

/* --- table --- */

/* Column widths of the table, in terminal cells. The message runs to the end of the line. */
enum { W_TASK = 8, W_TIME = 20, W_HOST = 22, W_VM = 18, W_ACTION = 8, W_USER = 10,
       W_ORIGIN = 12, W_HR = 43, W_RESULT = 15 };

/* The next character of s for a terminal: its length in bytes, its width in
 * cells, or -1 when it must be shown as '?' (base/text.h decides which). */
static int next_cell_char(const char *p, int *len)
{
    gunichar c;

    *len = (int)gos_text_next(p, -1, &c);
    if (c == (gunichar)-1)
        return -1;
    return g_unichar_iszerowidth(c) ? 0 : g_unichar_iswide(c) ? 2 : 1;
}

/*
 * Writes s padded or cut to width cells (width 0: all of it, no padding).
 * Names and messages come from guests and libvirt: control and format
 * characters (which could move the cursor or reverse the text on a
 * terminal) become '?', and so do bytes that are not UTF-8. A cut value
 * ends in a mark.
 */
static void put_cell(FILE *out, const char *s, int width, bool utf8)
{
    int used = 0, total = 0, len, w, room;

    if (!s || !*s)
        s = "-";
    for (const char *p = s; *p; p += len) {
        w = next_cell_char(p, &len);
        total += w < 0 ? 1 : w;
    }
    room = width > 0 && total > width ? width - 1 : G_MAXINT;
    for (const char *p = s; *p; p += len) {
        w = next_cell_char(p, &len);
        if (used + (w < 0 ? 1 : w) > room)
            break;
        if (w < 0)
            fputc('?', out);
        else
            fwrite(p, 1, (size_t)len, out);
        used += w < 0 ? 1 : w;
    }
    if (room != G_MAXINT) {
        fputs(utf8 ? "\xE2\x80\xA6" : "~", out);
        used++;
    }
    for (; used < width; used++)
        fputc(' ', out);
}

static void put_hr_cell(FILE *out, bool has, uint32_t hr,
                        int width, bool utf8)
{
    char hex[11], *text;
    const char *name;

    if (!has) {
        put_cell(out, NULL, width, utf8);
        return;
    }
    format_hr(hr, hex);
    name = gos_hr_name(hr);
    text = name ? g_strconcat(hex, " ", name, NULL) : g_strdup(hex);
    put_cell(out, text, width, utf8);
    g_free(text);
}

static void table_header(FILE *out, bool utf8)
{
    /* TRANSLATORS: column headings of `guestos audit`; keep each within its width. */
    put_cell(out, _("TASK"), W_TASK, utf8);        fputs("  ", out);
    put_cell(out, _("SUBMITTED"), W_TIME, utf8);   fputs("  ", out);
    put_cell(out, _("HOST"), W_HOST, utf8);        fputs("  ", out);
    put_cell(out, _("VM"), W_VM, utf8);            fputs("  ", out);
    put_cell(out, _("ACTION"), W_ACTION, utf8);    fputs("  ", out);
    put_cell(out, _("OPERATOR"), W_USER, utf8);    fputs("  ", out);
    put_cell(out, _("ORIGIN"), W_ORIGIN, utf8);    fputs("  ", out);
    put_cell(out, _("CALL"), W_HR, utf8);          fputs("  ", out);
    put_cell(out, _("RESULT"), W_RESULT, utf8);    fputs("  ", out);
    put_cell(out, _("ERROR"), W_HR, utf8);         fputs("  ", out);
    put_cell(out, _("MESSAGE"), 0, utf8);
    fputc('\n', out);
}

static void table_row(FILE *out, const gos_audit_task *t, bool utf8)
{
    char when[40], num[16], shortid[W_TASK + 1];

    g_strlcpy(shortid, t->task_id ? t->task_id : "", sizeof shortid);
    format_time(t->submitted_at, false, when);
    put_cell(out, shortid, W_TASK, utf8);                        fputs("  ", out);
    put_cell(out, when, W_TIME, utf8);                           fputs("  ", out);
    put_cell(out, t->host, W_HOST, utf8);                        fputs("  ", out);
    put_cell(out, t->vm_name ? t->vm_name : t->vm_uuid, W_VM, utf8); fputs("  ", out);
    put_cell(out, t->action, W_ACTION, utf8);                    fputs("  ", out);
    put_cell(out, t->op_user, W_USER, utf8);                     fputs("  ", out);
    put_cell(out, t->origin, W_ORIGIN, utf8);                    fputs("  ", out);
    put_hr_cell(out, t->has_call_hr, t->call_hr, W_HR, utf8); fputs("  ", out);
    put_cell(out, result_name(t->task_result, num), W_RESULT, utf8); fputs("  ", out);
    put_hr_cell(out, t->has_task_error, t->task_error, W_HR, utf8); fputs("  ", out);
    put_cell(out, t->message, 0, utf8);
    fputc('\n', out);
}

/* --- CSV --- */

/*
 * RFC 4180: CRLF after every record, a field is quoted when it holds a
 * comma, a quote, CR or LF, and quotes inside are doubled. NULL and "" both
 * come out as an empty field (CSV has no null).
 *
 * Spreadsheet formulas are NOT neutralised: a field that starts with = + - @
 * is written as it is. The export is evidence; prefixing a quote or a space
 * would make it differ from the log (and "-5" or "+49 ..." are honest data).
 * Whoever opens it in a spreadsheet must import the columns as text.
 */
static void csv_field(FILE *out, const char *s, bool first)
{
    if (!first)
        fputc(',', out);
    if (!s)
        return;
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            fputc('"', out);
        fputc(*p, out);
    }
    fputc('"', out);
}

static void csv_int(FILE *out, bool has, int64_t v)
{
    fputc(',', out);
    if (has)
        fprintf(out, "%lld", (long long)v);
}

static void csv_hr(FILE *out, bool has, uint32_t hr)
{
    char hex[11];

    format_hr(hr, hex);
    csv_field(out, has ? hex : NULL, false);
    csv_field(out, has ? gos_hr_name(hr) : NULL, false);
}

static void csv_header(FILE *out)
{
    fputs("task_id,submitted_at,ended_at,host,vm_uuid,vm_name,action,operator,operator_uid,"
          "tty,ssh,origin,phase,percent,call_hresult,call_hresult_name,task_result,"
          "task_error,task_error_name,virt_code,message,users_before,users_after\r\n", out);
}

static void csv_row(FILE *out, const gos_audit_task *t)
{
    char when[40], ended[40], num[16];

    format_time(t->submitted_at, true, when);
    format_time(t->ended_at, true, ended);
    csv_field(out, t->task_id, true);
    csv_field(out, when, false);
    csv_field(out, t->ended_at ? ended : NULL, false);
    csv_field(out, t->host, false);
    csv_field(out, t->vm_uuid, false);
    csv_field(out, t->vm_name, false);
    csv_field(out, t->action, false);
    csv_field(out, t->op_user, false);
    csv_int(out, true, t->op_uid);
    csv_field(out, t->op_tty, false);
    csv_field(out, t->op_ssh, false);
    csv_field(out, t->origin, false);
    csv_field(out, t->phase, false);
    csv_int(out, t->percent >= 0, t->percent);
    csv_hr(out, t->has_call_hr, t->call_hr);
    csv_field(out, result_name(t->task_result, num), false);
    csv_hr(out, t->has_task_error, t->task_error);
    csv_int(out, t->virt_code != 0, t->virt_code);
    csv_field(out, t->message, false);
    csv_field(out, t->users_before, false);
    csv_field(out, t->users_after, false);
    fputs("\r\n", out);
}

/* --- JSON --- */

/*
 * A JSON string of s (len bytes). UTF-8 passes through; bytes that are not
 * UTF-8 become U+FFFD, so the output is always valid JSON. Control characters
 * and DEL are \u00XX (or \n, \t, ...); U+2028 and U+2029 are escaped too,
 * because JavaScript source does not allow them raw.
 */
static void json_string_len(FILE *out, const char *s, size_t len)
{
    const char *p = s, *end = s + len;

    fputc('"', out);
    while (p < end) {
        unsigned char c = (unsigned char)*p;
        gunichar u;
        const char *next;

        if (c < 0x80) {
            switch (c) {
            case '"':  fputs("\\\"", out); break;
            case '\\': fputs("\\\\", out); break;
            case '\b': fputs("\\b", out); break;
            case '\f': fputs("\\f", out); break;
            case '\n': fputs("\\n", out); break;
            case '\r': fputs("\\r", out); break;
            case '\t': fputs("\\t", out); break;
            default:
                if (c < 0x20 || c == 0x7f)
                    fprintf(out, "\\u%04x", c);
                else
                    fputc(c, out);
            }
            p++;
            continue;
        }
        u = g_utf8_get_char_validated(p, end - p);
        if (u == (gunichar)-1 || u == (gunichar)-2) {
            fputs("\\ufffd", out);
            p++;
            continue;
        }
        next = g_utf8_next_char(p);
        if (u == 0x2028 || u == 0x2029)
            fprintf(out, "\\u%04x", (unsigned int)u);
        else
            fwrite(p, 1, (size_t)(next - p), out);
        p = next;
    }
    fputc('"', out);
}

static void json_string(FILE *out, const char *s)
{
    if (s)
        json_string_len(out, s, strlen(s));
    else
        fputs("null", out);
}

static void json_key(FILE *out, const char *key, bool first)
{
    fputs(first ? "  {\"" : ", \"", out);
    fputs(key, out);
    fputs("\": ", out);
}

static void json_int(FILE *out, const char *key, bool has, int64_t v)
{
    json_key(out, key, false);
    if (has)
        fprintf(out, "%lld", (long long)v);
    else
        fputs("null", out);
}

static void json_hr(FILE *out, const char *key, const char *name_key, bool has, uint32_t hr)
{
    char hex[11];

    format_hr(hr, hex);
    json_key(out, key, false);
    json_string(out, has ? hex : NULL);
    json_key(out, name_key, false);
    json_string(out, has ? gos_hr_name(hr) : NULL);
}

/* "alice,bob" -> ["alice", "bob"]; "" -> []; NULL -> null. */
static void json_users(FILE *out, const char *key, const char *users)
{
    json_key(out, key, false);
    if (!users) {
        fputs("null", out);
        return;
    }
    fputc('[', out);
    for (const char *p = users; *users;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);

        if (p != users)
            fputs(", ", out);
        json_string_len(out, p, len);
        if (!comma)
            break;
        p = comma + 1;
    }
    fputc(']', out);
}

static void json_row(FILE *out, const gos_audit_task *t)
{
    char when[40], ended[40], num[16];

    format_time(t->submitted_at, true, when);
    format_time(t->ended_at, true, ended);
    json_key(out, "task_id", true);        json_string(out, t->task_id);
    json_key(out, "host", false);          json_string(out, t->host);
    json_key(out, "vm_uuid", false);       json_string(out, t->vm_uuid);
    json_key(out, "vm_name", false);       json_string(out, t->vm_name);
    json_key(out, "action", false);        json_string(out, t->action);
    json_key(out, "operator", false);      json_string(out, t->op_user);
    json_int(out, "operator_uid", true, t->op_uid);
    json_key(out, "tty", false);           json_string(out, t->op_tty);
    json_key(out, "ssh", false);           json_string(out, t->op_ssh);
    json_key(out, "origin", false);        json_string(out, t->origin);
    json_key(out, "submitted_at", false);  json_string(out, when);
    json_key(out, "ended_at", false);      json_string(out, t->ended_at ? ended : NULL);
    json_key(out, "phase", false);         json_string(out, t->phase);
    json_int(out, "percent", t->percent >= 0, t->percent);
    json_hr(out, "call_hresult", "call_hresult_name", t->has_call_hr, t->call_hr);
    json_key(out, "task_result", false);
    json_string(out, result_name(t->task_result, num));
    json_int(out, "task_result_code", t->task_result != GOS_RESULT_NONE, t->task_result);
    json_hr(out, "task_error", "task_error_name", t->has_task_error, t->task_error);
    json_int(out, "virt_code", t->virt_code != 0, t->virt_code);
    json_key(out, "message", false);       json_string(out, t->message);
    json_users(out, "users_before", t->users_before);
    json_users(out, "users_after", t->users_after);
    fputc('}', out);
}

int gos_audit_export(gos_audit *audit, const gos_audit_filter *filter, gos_audit_format fmt, FILE *out, char **err)
{
    sqlite3_stmt *st = NULL;
    gos_audit_task t;
    int64_t rows = 0;
    bool utf8 = g_get_charset(NULL);
    int rc, ret = -1;

    if (!audit || !out) {
        gos_audit_set_err(err, _("The audit log cannot be read because an argument is missing."));
        return -1;
    }
    if (fmt != GOS_AUDIT_TABLE && fmt != GOS_AUDIT_CSV && fmt != GOS_AUDIT_JSON) {
        gos_audit_set_err(err, _("The audit export format is unknown."));
        return -1;
    }
    /* One read transaction for a consistent export while others append. The
     * lock is held throughout, so this store's other users wait for it. */
    g_mutex_lock(&audit->lock);
    if (sqlite3_exec(audit->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
        gos_audit_set_err(err, _("Cannot read the audit log: %s."), sqlite3_errmsg(audit->db));
        goto unlock;
    }
    if (gos_audit_task_stmt(audit, filter, 0, 0, true, &st, err) < 0)
        goto cleanup;

    if (fmt == GOS_AUDIT_TABLE)
        table_header(out, utf8);
    else if (fmt == GOS_AUDIT_CSV)
        csv_header(out);
    else
        fputc('[', out);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        gos_audit_task_from_stmt(st, &t);
        if (fmt == GOS_AUDIT_TABLE) {
            table_row(out, &t, utf8);
        } else if (fmt == GOS_AUDIT_CSV) {
            csv_row(out, &t);
        } else {
            fputs(rows ? ",\n" : "\n", out);
            json_row(out, &t);
        }
        rows++;
        if (ferror(out))
            break;
    }
    if (!ferror(out) && rc != SQLITE_ROW && rc != SQLITE_DONE) {
        gos_audit_set_err(err, _("Cannot read the audit log: %s."), sqlite3_errmsg(audit->db));
        goto cleanup;
    }
    if (fmt == GOS_AUDIT_JSON)
        fputs(rows ? "\n]\n" : "]\n", out);
    if (fflush(out) != 0 || ferror(out)) {
        int saved = errno;

        /* TRANSLATORS: %s is the system's reason. */
        gos_audit_set_err(err, _("Cannot write the audit export: %s."), g_strerror(saved));
        goto cleanup;
    }
    ret = 0;

cleanup:
    sqlite3_finalize(st);
    sqlite3_exec(audit->db, "COMMIT", NULL, NULL, NULL);
unlock:
    g_mutex_unlock(&audit->lock);
    return ret;
}
