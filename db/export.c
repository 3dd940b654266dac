/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gos_audit_export: the audit log's tasks as an aligned table, RFC 4180 CSV or a JSON array (json-c). */
#include <config.h>

#include <errno.h>
#include <string.h>

#include <json-c/json.h>

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
       W_ORIGIN = 12, W_HR = 43, W_RESULT = 15, W_USERS = 20 };

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
    static const char blanks[] = "                                            ";
    int used = 0, total = 0, len, w, room;
    size_t n = 0;

    if (!s || !*s)
        s = "-";
    /* Printable ASCII, most of what the log holds, is one cell a byte. */
    while ((unsigned char)s[n] >= 0x20 && (unsigned char)s[n] < 0x7f)
        n++;
    if (!s[n]) {
        bool cut = width > 0 && n > (size_t)width;

        fwrite(s, 1, cut ? (size_t)width - 1 : n, out);
        if (cut)
            fputs(utf8 ? "\xE2\x80\xA6" : "~", out);
        for (used = cut ? width : (int)n; used < width; used += w) {
            w = MIN(width - used, (int)sizeof blanks - 1);
            fwrite(blanks, 1, (size_t)w, out);
        }
        return;
    }
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
    put_cell(out, _("USERS BEFORE"), W_USERS, utf8); fputs("  ", out);
    put_cell(out, _("USERS AFTER"), W_USERS, utf8); fputs("  ", out);
    put_cell(out, _("MESSAGE"), 0, utf8);
    fputc('\n', out);
}

/* The names joined for people ("alice, \"a,b\""); "none" for none, "-" not known. */
static void put_users_cell(FILE *out, const char *json, bool utf8)
{
    char *text = gos_audit_users_json_text(json);

    /* TRANSLATORS: `guestos audit`: the guest was known to have no user logged on. */
    put_cell(out, text && !*text ? _("none") : text, W_USERS, utf8);
    g_free(text);
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
    put_users_cell(out, t->users_before_json, utf8);            fputs("  ", out);
    put_users_cell(out, t->users_after_json, utf8);             fputs("  ", out);
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
    /* The JSON array, as the summary holds it: one field, whatever the names hold. */
    csv_field(out, t->users_before_json, false);
    csv_field(out, t->users_after_json, false);
    fputs("\r\n", out);
}

/* --- JSON --- */

/*
 * One object per task, built with json-c and written as soon as it is
 * complete, so memory stays the same however many tasks there are; the
 * array's brackets and commas are written around them here.
 *
 * The object is made once per export with every key, and each task sets its
 * values again, in place where the value keeps its type: a fresh object per
 * task cost two rehashes of its table and two dozen allocations, and made
 * the export a third slower than the hand-written JSON it replaced.
 * Serialising through json-c still costs more per task than writing to the
 * FILE directly did; base/time.c's faster ISO times more than make up for it.
 */

/* The keys of a task's object, in output order: DESIGN.md section 6's and a few more. */
static const char *const json_keys[] = {
    "task_id", "host", "vm_uuid", "vm_name", "action", "operator", "operator_uid", "tty", "ssh",
    "origin", "submitted_at", "ended_at", "phase", "percent", "call_hresult", "call_hresult_name",
    "task_result", "task_result_code", "task_error", "task_error_name", "virt_code", "message",
    "users_before", "users_after",
};

/* The object with every key, each null. */
static json_object *json_task_new(void)
{
    json_object *o = json_object_new_object();

    for (size_t i = 0; i < G_N_ELEMENTS(json_keys); i++)
        json_object_object_add_ex(o, json_keys[i], NULL,
                                  JSON_C_OBJECT_ADD_KEY_IS_NEW | JSON_C_OBJECT_ADD_CONSTANT_KEY);
    return o;
}

/* Walks the object's entries in order (json-c keeps insertion order), so that
 * setting a value needs no lookup by key: json_task_set sets them in json_keys order. */
typedef struct lh_entry *json_slot;

static json_object *slot_value(json_slot e)
{
    return (json_object *)lh_entry_v(e);
}

/* Puts value in the slot (replacing what it held) and moves to the next. */
static void slot_set(json_slot *e, json_object *value)
{
    json_object_put(slot_value(*e));
    lh_entry_set_val(*e, value);
    *e = lh_entry_next(*e);
}

/* Whether the len bytes at s are all ASCII, eight at a time: most of what the log
 * holds is, and then it needs no UTF-8 check. */
static bool is_ascii(const char *s, size_t len)
{
    uint64_t acc = 0, w;
    size_t i = 0;

    for (; i + 8 <= len; i += 8) {
        memcpy(&w, s + i, 8);
        acc |= w;
    }
    for (; i < len; i++)
        acc |= (unsigned char)s[i];
    return (acc & UINT64_C(0x8080808080808080)) == 0;
}

/* Makes o (a JSON string, or NULL) hold the len bytes of s; returns o, or a new
 * string. Bytes that are not UTF-8 become U+FFFD, so the output is always valid JSON. */
static json_object *string_in(json_object *o, const char *s, size_t len)
{
    char *valid = NULL;

    if (!is_ascii(s, len) && !g_utf8_validate_len(s, len, NULL)) {
        s = valid = g_utf8_make_valid(s, (gssize)len);
        len = strlen(s);
    }
    /* Not "" in place: json-c 0.16 then forgets a buffer it allocated for a longer one. */
    if (o && len > 0 && json_object_is_type(o, json_type_string))
        json_object_set_string_len(o, s, (int)len);
    else
        o = json_object_new_string_len(s, (int)len);
    g_free(valid);
    return o;
}

/* Untrusted text as a JSON string, or null for NULL. */
static void set_text(json_slot *e, const char *s)
{
    json_object *cur = slot_value(*e), *v = s ? string_in(cur, s, strlen(s)) : NULL;

    if (v && v == cur)
        *e = lh_entry_next(*e);
    else
        slot_set(e, v);
}

static void set_int(json_slot *e, bool has, int64_t v)
{
    json_object *cur = slot_value(*e);

    if (!has) {
        slot_set(e, NULL);
    } else if (cur && json_object_is_type(cur, json_type_int)) {
        json_object_set_int64(cur, v);
        *e = lh_entry_next(*e);
    } else {
        slot_set(e, json_object_new_int64(v));
    }
}

static void set_hr(json_slot *e, bool has, uint32_t hr)
{
    char hex[11];

    format_hr(hr, hex);
    set_text(e, has ? hex : NULL);
    set_text(e, has ? gos_hr_name(hr) : NULL);
}

/* Fills array a with the names of json when it has the form guestos writes for
 * plain names, ["alice","bob"]: no escape, no control character, nothing between
 * the tokens. json-c's tokener, which sets up a C locale for every parse, takes
 * the rest. False when json has another form (a may have been changed). */
static bool fill_plain_users(json_object *a, const char *json)
{
    const char *p = json + 1;
    size_t n = 0;

    if (json[0] != '[')
        return false;
    while (*p != ']') {
        const char *name;
        json_object *old, *v;

        if (n > 0 && *p++ != ',')
            return false;
        if (*p++ != '"')
            return false;
        for (name = p; (unsigned char)*p >= 0x20 && *p != '"' && *p != '\\'; p++)
            ;
        if (*p != '"')
            return false;
        old = n < json_object_array_length(a) ? json_object_array_get_idx(a, n) : NULL;
        v = string_in(old, name, (size_t)(p - name));
        if (v != old)
            json_object_array_put_idx(a, n, v);
        n++;
        p++;
    }
    if (p[1] != '\0')
        return false;
    if (json_object_array_length(a) > n)
        json_object_array_del_idx(a, n, json_object_array_length(a) - n);
    return true;
}

/* A users array of the summary as a JSON array; null when not known. Names that
 * are not UTF-8 are made so; an element that is not a string (only a forged
 * summary has one) becomes its JSON text, and a value that is not an array, null. */
static void set_users(json_slot *e, json_tokener *tok, const char *json)
{
    json_object *cur = slot_value(*e), *a;
    size_t len;

    if (!json) {
        slot_set(e, NULL);
        return;
    }
    a = cur && json_object_is_type(cur, json_type_array) ? cur : json_object_new_array();
    if (fill_plain_users(a, json)) {
        if (a == cur)
            *e = lh_entry_next(*e);
        else
            slot_set(e, a);
        return;
    }
    if (a != cur)
        json_object_put(a);
    len = strlen(json);
    json_tokener_reset(tok);
    a = json_tokener_parse_ex(tok, json, (int)len);
    if (a && (json_tokener_get_error(tok) != json_tokener_success || json_tokener_get_parse_end(tok) != len ||
              !json_object_is_type(a, json_type_array))) {
        json_object_put(a);
        a = NULL;
    }
    for (size_t i = 0; a && i < json_object_array_length(a); i++) {
        json_object *name = json_object_array_get_idx(a, i);
        const char *text;

        if (json_object_is_type(name, json_type_string)) {
            size_t n = (size_t)json_object_get_string_len(name);

            text = json_object_get_string(name);
            if (is_ascii(text, n) || g_utf8_validate_len(text, n, NULL))
                continue;
            json_object_array_put_idx(a, i, string_in(NULL, text, n));
        } else {
            text = json_object_to_json_string_ext(name, JSON_C_TO_STRING_PLAIN);
            json_object_array_put_idx(a, i, string_in(NULL, text, strlen(text)));
        }
    }
    slot_set(e, a);
}

/* Sets every value of o for task t, in json_keys order. */
static void json_task_set(json_object *o, json_tokener *tok, const gos_audit_task *t)
{
    json_slot e = lh_table_head(json_object_get_object(o));
    char when[40], ended[40], num[16];

    format_time(t->submitted_at, true, when);
    format_time(t->ended_at, true, ended);
    set_text(&e, t->task_id);
    set_text(&e, t->host);
    set_text(&e, t->vm_uuid);
    set_text(&e, t->vm_name);
    set_text(&e, t->action);
    set_text(&e, t->op_user);                                   /* operator */
    set_int(&e, true, t->op_uid);                               /* operator_uid */
    set_text(&e, t->op_tty);                                    /* tty */
    set_text(&e, t->op_ssh);                                    /* ssh */
    set_text(&e, t->origin);
    set_text(&e, when);                                         /* submitted_at */
    set_text(&e, t->ended_at ? ended : NULL);                   /* ended_at */
    set_text(&e, t->phase);
    set_int(&e, t->percent >= 0, t->percent);
    set_hr(&e, t->has_call_hr, t->call_hr);                     /* call_hresult, call_hresult_name */
    set_text(&e, result_name(t->task_result, num));             /* task_result */
    set_int(&e, t->task_result != GOS_RESULT_NONE, t->task_result);   /* task_result_code */
    set_hr(&e, t->has_task_error, t->task_error);               /* task_error, task_error_name */
    set_int(&e, t->virt_code != 0, t->virt_code);
    set_text(&e, t->message);
    set_users(&e, tok, t->users_before_json);
    set_users(&e, tok, t->users_after_json);
    g_assert(e == NULL);                                        /* every key, none twice */
}

/*
 * Writes json-c's text of one object, escaping what JSON allows raw but other
 * readers of it do not: U+2028 and U+2029 (not allowed raw in JavaScript
 * source) and DEL (a control character on a terminal). They can only stand
 * inside strings, where the escape means the same character.
 */
static void write_js_safe(FILE *out, const char *s, size_t len)
{
    const char *p = s, *end = s + len;

    if (!memchr(s, '\x7f', len) && !memchr(s, '\xE2', len)) {
        fwrite(s, 1, len, out);
        return;
    }
    while (p < end) {
        const char *q = p;

        while (q < end && *q != '\x7f' && *q != '\xE2')
            q++;
        fwrite(p, 1, (size_t)(q - p), out);
        if (q == end)
            break;
        if (*q == '\x7f') {
            fputs("\\u007f", out);
            p = q + 1;
        } else if (end - q >= 3 && q[1] == '\x80' && (q[2] == '\xA8' || q[2] == '\xA9')) {
            fputs(q[2] == '\xA8' ? "\\u2028" : "\\u2029", out);
            p = q + 3;
        } else {
            fputc(*q, out);
            p = q + 1;
        }
    }
}

static void json_row(FILE *out, json_object *o, json_tokener *tok, const gos_audit_task *t)
{
    size_t len = 0;
    const char *text;

    json_task_set(o, tok, t);
    text = json_object_to_json_string_length(o, JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    fputs("  ", out);
    write_js_safe(out, text, len);
}

int gos_audit_export(gos_audit *audit, const gos_audit_filter *filter, gos_audit_format fmt, FILE *out, char **err)
{
    sqlite3_stmt *st = NULL;
    json_object *obj = NULL;
    json_tokener *tok = NULL;
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
    if (fmt == GOS_AUDIT_JSON) {
        obj = json_task_new();
        tok = json_tokener_new();
        /* RFC 8259 only: json-c would take a trailing comma, for one. */
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        gos_audit_task_from_stmt(st, &t);
        if (fmt == GOS_AUDIT_TABLE) {
            table_row(out, &t, utf8);
        } else if (fmt == GOS_AUDIT_CSV) {
            csv_row(out, &t);
        } else {
            fputs(rows ? ",\n" : "\n", out);
            json_row(out, obj, tok, &t);
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
    json_object_put(obj);
    if (tok)
        json_tokener_free(tok);
    sqlite3_finalize(st);
    sqlite3_exec(audit->db, "COMMIT", NULL, NULL, NULL);
unlock:
    g_mutex_unlock(&audit->lock);
    return ret;
}
