/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Lists of user names as the audit store keeps them: JSON arrays, one name per element. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/i18n.h"
#include "db/audit_priv.h"

/*
 * Why JSON: the names come from guests, and a guest may call a user "a,b".
 * Comma-separated text (schema versions 1 and 2) made that two users in
 * every export. Events written before version 3 keep their text (they are
 * hashed as they are); the fold turns it into an array for the summary.
 */

char *gos_audit_users_json(const char *const *users)
{
    if (!users)
        return NULL;
    json_object *a = json_object_new_array();
    for (size_t i = 0; users[i]; i++)
        json_object_array_add(a, json_object_new_string(users[i]));
    /* Compact, "/" as it is: the fold's conversion of old text writes the same form. */
    char *text = g_strdup(json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(a);
    return text;
}

char *gos_audit_users_joined(const char *const *users)
{
    if (!users)
        return NULL;
    return g_strjoinv(",", (char **)users);
}

int gos_audit_users_plain(const char *json, void (*name)(const char *s, size_t len, void *data), void *data)
{
    const char *p = json + 1;
    int n = 0;

    if (json[0] != '[')
        return -1;
    while (*p != ']') {
        const char *start;

        if (n > 0 && *p++ != ',')
            return -1;
        if (*p++ != '"')
            return -1;
        for (start = p; (unsigned char)*p >= 0x20 && *p != '"' && *p != '\\'; p++)
            ;
        if (*p != '"')
            return -1;
        name(start, (size_t)(p - start), data);
        n++;
        p++;
    }
    return p[1] == '\0' ? n : -1;
}

static void add_name(const char *s, size_t len, void *data)
{
    g_ptr_array_add(data, g_strndup(s, len));
}

/* The JSON value of text, strictly (RFC 8259: no trailing comma, nothing after it); NULL when it is not one. */
static json_object *parse_strict(const char *text)
{
    json_tokener *tok = json_tokener_new();
    size_t len = strlen(text);
    json_object *v;

    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    v = json_tokener_parse_ex(tok, text, (int)len);
    if (v && (json_tokener_get_error(tok) != json_tokener_success || json_tokener_get_parse_end(tok) != len)) {
        json_object_put(v);
        v = NULL;
    }
    json_tokener_free(tok);
    return v;
}

int gos_audit_users_parse(const char *json, char ***users, char **err)
{
    json_object *a;
    char **names;
    size_t n;

    if (!json) {
        *users = NULL;
        return 0;
    }
    /* Nearly every list: no escape, no json-c tokener (which sets up a locale per parse). */
    {
        GPtrArray *plain = g_ptr_array_new_with_free_func(g_free);

        if (gos_audit_users_plain(json, add_name, plain) >= 0) {
            g_ptr_array_set_free_func(plain, NULL);
            g_ptr_array_add(plain, NULL);
            *users = (char **)g_ptr_array_free(plain, FALSE);
            return 0;
        }
        g_ptr_array_unref(plain);
    }
    a = parse_strict(json);
    if (!a || !json_object_is_type(a, json_type_array)) {
        json_object_put(a);
        gos_audit_set_err(err, _("A list of users in the audit log is not a JSON array."));
        return -1;
    }
    n = json_object_array_length(a);
    names = g_new0(char *, n + 1);
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(a, i);
        /* Only strings are written; anything else is shown as its JSON text. */
        names[i] = g_strdup(json_object_is_type(e, json_type_string) ? json_object_get_string(e)
                                                                     : json_object_to_json_string(e));
    }
    json_object_put(a);
    *users = names;
    return 0;
}

/* Whether a name must be quoted to be read back as one name from a list joined with ", ". */
static bool needs_quotes(const char *name)
{
    if (!*name)
        return true;
    for (const char *p = name; *p; p++)
        if (*p == ',' || *p == '"' || *p == '\\' || g_ascii_isspace(*p))
            return true;
    return false;
}

char *gos_audit_users_text(const char *const *users)
{
    if (!users)
        return NULL;
    GString *t = g_string_new(NULL);
    for (size_t i = 0; users[i]; i++) {
        if (i)
            g_string_append(t, ", ");
        if (!needs_quotes(users[i])) {
            g_string_append(t, users[i]);
            continue;
        }
        g_string_append_c(t, '"');
        for (const char *p = users[i]; *p; p++) {
            if (*p == '"' || *p == '\\')
                g_string_append_c(t, '\\');
            g_string_append_c(t, *p);
        }
        g_string_append_c(t, '"');
    }
    return g_string_free(t, FALSE);
}

char *gos_audit_users_json_text(const char *json)
{
    char **names = NULL, *text;

    if (!json)
        return NULL;
    if (gos_audit_users_parse(json, &names, NULL) < 0)
        return g_strdup(json);
    text = gos_audit_users_text((const char *const *)names);
    g_strfreev(names);
    return text;
}
