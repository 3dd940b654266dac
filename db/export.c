/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gos_audit_export: the audit log's tasks as an aligned table, RFC 4180 CSV or a JSON array (export_json.c). */
#include <config.h>

#include <errno.h>
#include <string.h>

#include "base/hresult.h"
#include "base/i18n.h"
#include "base/text.h"
#include "base/time.h"
#include "db/audit_priv.h"

void gos_audit_export_time(int64_t ms, bool with_ms, char buf[40])
{
    if (!gos_time_iso_buf(ms, with_ms, buf))
        g_strlcpy(buf, "-", 40);
}

void gos_audit_export_hr(uint32_t hr, char buf[11])
{
    static const char hex[] = "0123456789ABCDEF";

    buf[0] = '0';
    buf[1] = 'x';
    for (int i = 0; i < 8; i++)
        buf[2 + i] = hex[(hr >> (28 - 4 * i)) & 0xf];
    buf[10] = '\0';
}

/* The result's stable name (scripts read it); the number for a code without one. */
const char *gos_audit_export_result(int result, char buf[16])
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
    if (s[n] && !utf8) {
        /* A terminal whose charset is not UTF-8 takes every byte above 0x7f
         * for a character of its own (0x80-0x9f are C1 controls in Latin-1):
         * only printable ASCII goes out as it is. */
        char *ascii = gos_text_clean_ascii(s, G_MAXSIZE);

        put_cell(out, ascii, width, false);   /* all printable ASCII now: the fast path */
        g_free(ascii);
        return;
    }
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
    gos_audit_export_hr(hr, hex);
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
    gos_audit_export_time(t->submitted_at, false, when);
    put_cell(out, shortid, W_TASK, utf8);                        fputs("  ", out);
    put_cell(out, when, W_TIME, utf8);                           fputs("  ", out);
    put_cell(out, t->host, W_HOST, utf8);                        fputs("  ", out);
    put_cell(out, t->vm_name ? t->vm_name : t->vm_uuid, W_VM, utf8); fputs("  ", out);
    put_cell(out, t->action, W_ACTION, utf8);                    fputs("  ", out);
    put_cell(out, t->op_user, W_USER, utf8);                     fputs("  ", out);
    put_cell(out, t->origin, W_ORIGIN, utf8);                    fputs("  ", out);
    put_hr_cell(out, t->has_call_hr, t->call_hr, W_HR, utf8); fputs("  ", out);
    put_cell(out, gos_audit_export_result(t->task_result, num), W_RESULT, utf8); fputs("  ", out);
    put_hr_cell(out, t->has_task_error, t->task_error, W_HR, utf8); fputs("  ", out);
    put_users_cell(out, t->users_before_json, utf8);            fputs("  ", out);
    put_users_cell(out, t->users_after_json, utf8);             fputs("  ", out);
    put_cell(out, t->message, 0, utf8);
    fputc('\n', out);
}

/* --- CSV --- */

/*
 * RFC 4180: CRLF after every record, a field is quoted when it holds a
 * comma or a quote, and quotes inside are doubled. NULL and "" both come out
 * as an empty field (CSV has no null).
 *
 * Auditors open the export in spreadsheets, and the cells hold what guests
 * and libvirt said. So, as OWASP's CSV-injection guidance has it, a cell that
 * begins with = + - @ tab or CR is prefixed with a single quote, which a
 * spreadsheet shows as text and never runs; so is one whose first such
 * character follows spaces (ASCII, no-break, ideographic), which spreadsheets
 * may trim, or is the fullwidth form that some of them take for the ASCII
 * one (＝ ＋ － ＠). Control characters (ESC, BEL, C1, line breaks,
 * bidirectional overrides) become '?' (base/text.c), so that a terminal or
 * viewer showing the file is not steered either. The JSON export keeps every
 * value as it was, escaped, for whoever needs the bytes.
 */
static bool csv_formula(const char *s)
{
    static const char *const spaces[] = { " ", "\xc2\xa0", "\xe3\x80\x80" };
    static const char *const wide[] = { "\xef\xbc\x9d", "\xef\xbc\x8b", "\xef\xbc\x8d", "\xef\xbc\xa0" };

    /* Any number of spaces, in any order. */
    for (bool more = true; more;) {
        more = false;
        for (size_t i = 0; i < G_N_ELEMENTS(spaces); i++)
            if (g_str_has_prefix(s, spaces[i])) {
                s += strlen(spaces[i]);
                more = true;
            }
    }
    if (*s && strchr("=+-@\t\r", *s))
        return true;
    for (size_t i = 0; i < G_N_ELEMENTS(wide); i++)
        if (g_str_has_prefix(s, wide[i]))
            return true;
    return false;
}

/* Each CSV row is built in one buffer and written with one fwrite: the
 * thirty-odd stdio calls of a row, each taking the stream's lock, cost more
 * than everything else the export does with the row. */
static void csv_field(GString *row, const char *s, bool first)
{
    char *clean = NULL;
    const char *p = s;

    if (!first)
        g_string_append_c(row, ',');
    if (!s)
        return;
    bool plain = true;

    /* Printable ASCII without a comma or a quote, nearly every cell, goes out
     * as it is unless it starts like a formula: one scan, one copy. */
    for (; (unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f; p++)
        if (*p == ',' || *p == '"')
            plain = false;
    if (!*p && plain && *s && *s != '=' && *s != '+' && *s != '-' && *s != '@' && *s != ' ') {
        g_string_append_len(row, s, p - s);
        return;
    }
    /* What is not printable ASCII is base/text.c's to judge. */
    if (*p && gos_text_unsafe(p))
        s = clean = gos_text_clean(s, G_MAXSIZE);
    bool formula = csv_formula(s);
    if (!strpbrk(s, ",\"")) {
        if (formula)
            g_string_append_c(row, '\'');
        g_string_append(row, s);
        g_free(clean);
        return;
    }
    g_string_append_c(row, '"');
    if (formula)
        g_string_append_c(row, '\'');
    /* Up to each quote, the quote doubled. */
    for (p = s; *p;) {
        const char *q = strchr(p, '"');
        size_t n = q ? (size_t)(q - p) + 1 : strlen(p);

        g_string_append_len(row, p, (gssize)n);
        if (q)
            g_string_append_c(row, '"');
        p += n;
    }
    g_string_append_c(row, '"');
    g_free(clean);
}

static void csv_int(GString *row, bool has, int64_t v)
{
    char digits[24];
    size_t n = sizeof digits;
    uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;

    g_string_append_c(row, ',');
    if (!has)
        return;
    do {
        digits[--n] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        digits[--n] = '-';
    g_string_append_len(row, digits + n, (gssize)(sizeof digits - n));
}

static void csv_hr(GString *row, bool has, uint32_t hr)
{
    char hex[11];

    gos_audit_export_hr(hr, hex);
    csv_field(row, has ? hex : NULL, false);
    csv_field(row, has ? gos_hr_name(hr) : NULL, false);
}

static void csv_header(FILE *out)
{
    fputs("task_id,submitted_at,ended_at,host,vm_uuid,vm_name,action,operator,operator_uid,"
          "tty,ssh,origin,phase,percent,call_hresult,call_hresult_name,task_result,"
          "task_error,task_error_name,virt_code,message,users_before,users_after\r\n", out);
}

static void csv_row(FILE *out, GString *row, const gos_audit_task *t)
{
    char when[GOS_TIME_ISO_MAX], ended[GOS_TIME_ISO_MAX], num[16];

    g_string_truncate(row, 0);
    csv_field(row, t->task_id, true);
    csv_field(row, gos_time_iso_buf(t->submitted_at, true, when) ? when : "-", false);
    csv_field(row, !t->ended_at ? NULL : gos_time_iso_buf(t->ended_at, true, ended) ? ended : "-", false);
    csv_field(row, t->host, false);
    csv_field(row, t->vm_uuid, false);
    csv_field(row, t->vm_name, false);
    csv_field(row, t->action, false);
    csv_field(row, t->op_user, false);
    csv_int(row, true, t->op_uid);
    csv_field(row, t->op_tty, false);
    csv_field(row, t->op_ssh, false);
    csv_field(row, t->origin, false);
    csv_field(row, t->phase, false);
    csv_int(row, t->percent >= 0, t->percent);
    csv_hr(row, t->has_call_hr, t->call_hr);
    csv_field(row, gos_audit_export_result(t->task_result, num), false);
    csv_hr(row, t->has_task_error, t->task_error);
    csv_int(row, t->virt_code != 0, t->virt_code);
    csv_field(row, t->message, false);
    /* The JSON array, as the summary holds it: one field, whatever the names hold. */
    csv_field(row, t->users_before_json, false);
    csv_field(row, t->users_after_json, false);
    g_string_append_len(row, "\r\n", 2);
    fwrite(row->str, 1, row->len, out);
}

int gos_audit_export(gos_audit *audit, const gos_audit_filter *filter, gos_audit_format fmt, FILE *out, char **err)
{
    sqlite3_stmt *st = NULL;
    gos_audit_json *json = NULL;
    GString *row = NULL;
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
    if (fmt == GOS_AUDIT_JSON)
        json = gos_audit_json_new();
    if (fmt == GOS_AUDIT_CSV)
        row = g_string_sized_new(512);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        gos_audit_task_from_stmt(st, &t);
        if (fmt == GOS_AUDIT_TABLE) {
            table_row(out, &t, utf8);
        } else if (fmt == GOS_AUDIT_CSV) {
            csv_row(out, row, &t);
        } else {
            fputs(rows ? ",\n" : "\n", out);
            gos_audit_json_row(json, out, &t);
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
    if (row)
        g_string_free(row, TRUE);
    gos_audit_json_free(json);
    sqlite3_finalize(st);
    sqlite3_exec(audit->db, "COMMIT", NULL, NULL, NULL);
unlock:
    g_mutex_unlock(&audit->lock);
    return ret;
}
