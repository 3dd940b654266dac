/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The JSON export's objects, one per task, built and written with json-c. */
#include <config.h>

#include <string.h>

#include <json-c/json.h>

#include "base/hresult.h"
#include "base/text.h"
#include "db/audit_priv.h"

/*
 * One object per task, built with json-c and written as soon as it is
 * complete, so memory stays the same however many tasks there are; the
 * array's brackets and commas are gos_audit_export's.
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

    gos_audit_export_hr(hr, hex);
    set_text(e, has ? hex : NULL);
    set_text(e, has ? gos_hr_name(hr) : NULL);
}

/* gos_audit_users_plain's callback: the next name into the array, its string
 * objects reused from the last task. */
typedef struct {
    json_object *a;
    size_t n;
} plain_fill;

static void fill_name(const char *s, size_t len, void *data)
{
    plain_fill *f = data;
    json_object *old = f->n < json_object_array_length(f->a) ? json_object_array_get_idx(f->a, f->n) : NULL;
    json_object *v = string_in(old, s, len);

    if (v != old)
        json_object_array_put_idx(f->a, f->n, v);
    f->n++;
}

/* Fills array a with the names of json when it has the plain form; false when not
 * (a may have been changed). json-c's tokener, which sets up a C locale for every
 * parse, takes the rest. */
static bool fill_plain_users(json_object *a, const char *json)
{
    plain_fill f = { .a = a };

    if (gos_audit_users_plain(json, fill_name, &f) < 0)
        return false;
    if (json_object_array_length(a) > f.n)
        json_object_array_del_idx(a, f.n, json_object_array_length(a) - f.n);
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

    gos_audit_export_time(t->submitted_at, true, when);
    gos_audit_export_time(t->ended_at, true, ended);
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
    set_text(&e, gos_audit_export_result(t->task_result, num));             /* task_result */
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
 * readers of it do not: every character that base/text.c keeps from a
 * terminal (DEL, C1 controls, bidirectional overrides and other format
 * characters, U+2028 and U+2029, which JavaScript source does not allow raw).
 * They can only stand inside strings, where the escape means the same
 * character: the value stays what it was. Bytes that are not UTF-8 cannot be
 * told in JSON at all; they become U+FFFD.
 */
static void write_js_safe(FILE *out, const char *s, size_t len)
{
    const char *p = s, *end = s + len, *run = s;
    size_t n;
    gunichar c;

    /* Printable ASCII, nearly all of the log, goes out as it is, and so do the
     * newlines of json-c's indentation (inside strings it escapes them). */
    while (p < end && (((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f) || *p == '\n'))
        p++;
    if (p == end) {
        fwrite(s, 1, len, out);
        return;
    }
    for (p = s; p < end && (n = gos_text_next(p, end - p, &c)) > 0; p += n) {
        gunichar u;

        if (c != (gunichar)-1 || (unsigned char)*p < 0x20)   /* json-c escaped C0 already */
            continue;
        fwrite(run, 1, (size_t)(p - run), out);
        u = g_utf8_get_char_validated(p, end - p);
        if (u == (gunichar)-1 || u == (gunichar)-2)
            fputs("\\ufffd", out);
        else if (u > 0xffff)
            fprintf(out, "\\u%04x\\u%04x", 0xd800 + ((u - 0x10000) >> 10), 0xdc00 + ((u - 0x10000) & 0x3ff));
        else
            fprintf(out, "\\u%04x", u);
        run = p + n;
    }
    fwrite(run, 1, (size_t)(end - run), out);
}

struct gos_audit_json {
    json_object *task;           /* one task's object, its values set again for each */
    json_tokener *tok;           /* reads the users arrays json-c's way */
};

gos_audit_json *gos_audit_json_new(void)
{
    gos_audit_json *j = g_new0(gos_audit_json, 1);

    j->task = json_task_new();
    j->tok = json_tokener_new();
    /* RFC 8259 only: json-c would take a trailing comma, for one. */
    json_tokener_set_flags(j->tok, JSON_TOKENER_STRICT);
    return j;
}

void gos_audit_json_free(gos_audit_json *j)
{
    if (!j)
        return;
    json_object_put(j->task);
    json_tokener_free(j->tok);
    g_free(j);
}

void gos_audit_json_row(gos_audit_json *j, FILE *out, const gos_audit_task *t)
{
    size_t len = 0;
    const char *text;

    json_task_set(j->task, j->tok, t);
    text = json_object_to_json_string_length(j->task, JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    fputs("  ", out);
    write_js_safe(out, text, len);
}
