/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Who is logged on to a guest: logind's sessions, read from the guest script's output, merged with utmp. */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <json-c/json.h>

#include "base/i18n.h"
#include "base/text.h"
#include "core/logons.h"

/* The guest script, core/logons-linux.sh, as a string. */
const char gos_logons_script[] =
#include "core/logons_linux_script.h"
    ;

/* Properties the script asks busctl for, in its order, with their D-Bus type. */
enum { P_NAME, P_USER, P_CLASS, P_TYPE, P_TTY, P_REMOTE_HOST, P_REMOTE, P_STATE, P_TIMESTAMP, P_LEADER, P_SCOPE,
       P_N };
static const char *const prop_sig[P_N] = { "s", "(uo)", "s", "s", "s", "s", "b", "s", "t", "u", "s" };

bool gos_logon_is_person(const gos_logon *l)
{
    static const char *const person[] = { "user", "user-early", "user-incomplete", "user-light" };
    for (size_t i = 0; l->klass && i < G_N_ELEMENTS(person); i++)
        if (!strcmp(l->klass, person[i]))
            return true;
    return false;
}

static void logon_clear(gos_logon *l)
{
    g_free(l->id);
    g_free(l->user);
    g_free(l->klass);
    g_free(l->type);
    g_free(l->tty);
    g_free(l->remote_host);
    g_free(l->state);
    g_free(l->scope);
    memset(l, 0, sizeof *l);
}

void gos_logons_free(gos_logon *l, size_t n)
{
    for (size_t i = 0; l && i < n; i++)
        logon_clear(&l[i]);
    g_free(l);
}

gos_logon *gos_logons_dup(const gos_logon *l, size_t n)
{
    if (!l || !n)
        return NULL;
    gos_logon *c = g_new0(gos_logon, n);
    for (size_t i = 0; i < n; i++) {
        c[i] = l[i];
        c[i].id = g_strdup(l[i].id);
        c[i].user = g_strdup(l[i].user);
        c[i].klass = g_strdup(l[i].klass);
        c[i].type = g_strdup(l[i].type);
        c[i].tty = g_strdup(l[i].tty);
        c[i].remote_host = g_strdup(l[i].remote_host);
        c[i].state = g_strdup(l[i].state);
        c[i].scope = g_strdup(l[i].scope);
    }
    return c;
}

static bool valid_id(const char *id)
{
    if (!*id || strlen(id) > 64)
        return false;
    for (const char *p = id; *p; p++)
        if (!g_ascii_isalnum(*p))
            return false;
    return true;
}

/* One line of busctl --json=short: {"type": sig, "data": value}. The value
 * (a reference, put it) when the line is of the signature expected. */
static json_object *prop_value(const char *line, const char *sig)
{
    json_tokener *tok = json_tokener_new_ex(4);
    json_object *o = json_tokener_parse_ex(tok, line, (int)strlen(line));
    bool whole = o && json_tokener_get_error(tok) == json_tokener_success &&
                 (size_t)json_tokener_get_parse_end(tok) == strlen(line);
    json_tokener_free(tok);
    json_object *type = NULL, *data = NULL;
    if (!whole || !json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, "type", &type) ||
        !json_object_is_type(type, json_type_string) || strcmp(json_object_get_string(type), sig) ||
        !json_object_object_get_ex(o, "data", &data) || !data) {
        json_object_put(o);
        return NULL;
    }
    json_object_get(data);
    json_object_put(o);
    return data;
}

static char *str_of(json_object *v, size_t max)
{
    return json_object_is_type(v, json_type_string) ? gos_text_clean(json_object_get_string(v), max) : NULL;
}

static bool int_of(json_object *v, int64_t lo, int64_t hi, int64_t *out)
{
    if (!json_object_is_type(v, json_type_int))
        return false;
    errno = 0;
    int64_t x = json_object_get_int64(v);
    if (errno || x < lo || x > hi)
        return false;
    *out = x;
    return true;
}

/* Fills l from the 11 property lines; false when one is not what it should be. */
static bool read_props(gos_logon *l, char **lines)
{
    json_object *v[P_N] = { NULL };
    bool ok = true;
    for (int p = 0; p < P_N && ok; p++)
        ok = (v[p] = prop_value(lines[p], prop_sig[p])) != NULL;
    if (ok) {
        int64_t uid = 0;
        json_object *u0 = json_object_is_type(v[P_USER], json_type_array) && json_object_array_length(v[P_USER]) == 2
                              ? json_object_array_get_idx(v[P_USER], 0) : NULL;
        l->user = str_of(v[P_NAME], 256);
        l->klass = str_of(v[P_CLASS], 32);
        l->type = str_of(v[P_TYPE], 32);
        l->tty = str_of(v[P_TTY], 64);
        l->remote_host = str_of(v[P_REMOTE_HOST], 256);
        l->state = str_of(v[P_STATE], 32);
        l->scope = str_of(v[P_SCOPE], 256);
        ok = u0 && int_of(u0, 0, UINT32_MAX, &uid) && l->user && *l->user && l->klass && l->type && l->tty &&
             l->remote_host && l->state && l->scope && json_object_is_type(v[P_REMOTE], json_type_boolean);
        l->uid = uid;
        l->remote = ok && json_object_get_boolean(v[P_REMOTE]);
        int64_t us = 0, leader = 0;
        ok = ok && int_of(v[P_TIMESTAMP], 0, INT64_MAX, &us) && int_of(v[P_LEADER], 0, UINT32_MAX, &leader);
        /* A realtime stamp in microseconds; 0 when logind has none. */
        l->since_ms = us / 1000;
        l->leader = leader;
    }
    for (int p = 0; p < P_N; p++)
        json_object_put(v[p]);
    return ok;
}

int gos_logons_fail(char **err, const char *why)
{
    if (err)
        /* TRANSLATORS: %s: what is wrong with what the guest printed. */
        *err = g_strdup_printf(_("The guest's list of logind sessions could not be read: %s."), why);
    return -1;
}

int gos_logons_parse(const char *text, size_t len, bool *logind_out, gos_logon **out, size_t *n_out, char **err)
{
    if (!text || memchr(text, '\0', len))
        return gos_logons_fail(err, _("it is empty or not text"));
    char *copy = g_strndup(text, len);
    char **lines = g_strsplit(copy, "\n", -1);
    g_free(copy);
    size_t nl = g_strv_length(lines), i = 0;
    int rc = -1;
    GArray *arr = g_array_new(FALSE, TRUE, sizeof(gos_logon));
    while (i < nl && !*lines[i])
        i++;
    if (i < nl && !strcmp(lines[i], "nologind")) {
        *logind_out = false;
        *out = NULL;
        *n_out = 0;
        rc = 0;
        goto out;
    }
    if (i >= nl || strcmp(lines[i], "logind")) {
        gos_logons_fail(err, _("it does not start as expected"));
        goto out;
    }
    for (i++; i < nl; ) {
        const char *l = lines[i];
        if (!strcmp(l, "end")) {
            *logind_out = true;
            *n_out = arr->len;
            *out = arr->len ? (gos_logon *)g_array_free(arr, FALSE) : (g_array_free(arr, TRUE), NULL);
            arr = NULL;
            rc = 0;
            goto out;
        }
        if (!g_str_has_prefix(l, "session ") || !valid_id(l + 8) || arr->len >= GOS_LOGONS_MAX) {
            gos_logons_fail(err, arr->len >= GOS_LOGONS_MAX ? _("too many sessions") : _("a line is not what the script prints"));
            goto out;
        }
        gos_logon s = { .id = g_strdup(l + 8), .procs = -1 };
        i++;
        /* The session may have ended between the listing and the question:
         * busctl then says "error"; it is left out when its scope holds no
         * process. */
        bool gone = i < nl && !strcmp(lines[i], "error");
        if (gone) {
            i++;
        } else if (i + P_N > nl || !read_props(&s, lines + i)) {
            logon_clear(&s);
            gos_logons_fail(err, _("a session's properties are missing or of the wrong type"));
            goto out;
        } else {
            i += P_N;
        }
        if (i >= nl || !g_str_has_prefix(lines[i], "procs ")) {
            logon_clear(&s);
            gos_logons_fail(err, _("a session's process count is missing"));
            goto out;
        }
        const char *p = g_strstrip(lines[i] + 6);
        char *end = NULL;
        long procs = strtol(p, &end, 10);
        s.procs = *p && end && !*end && procs >= 0 && procs < 1000000 ? (int)procs : -1;
        i++;
        if (gone && s.procs != 0) {
            /* Listed, unreadable, and not shown to be empty: it is not gone.
             * It stays, as no person's session (its class is unknown), so that
             * a logoff's verification never counts it as ended. */
            s.user = g_strdup("?");
            s.state = g_strdup(_("unreadable"));
            s.type = g_strdup("");
            s.tty = g_strdup("");
            s.remote_host = g_strdup("");
            s.scope = g_strdup("");
            gone = false;
        }
        if (gone)
            logon_clear(&s);
        else
            g_array_append_val(arr, s);
    }
    gos_logons_fail(err, _("it was cut short"));
out:
    if (arr) {
        for (guint k = 0; k < arr->len; k++)
            logon_clear(&g_array_index(arr, gos_logon, k));
        g_array_free(arr, TRUE);
    }
    g_strfreev(lines);
    return rc;
}

/* The users being folded: indexed by name (the position in the array, plus
 * one), each with its places as they grow, so that a guest with thousands of
 * sessions is folded in one pass. */
typedef struct {
    GArray *users;               /* gos_user */
    GHashTable *index;           /* name -> position + 1 */
    GHashTable *places;          /* "LEN:NAMEPLACE" of every place listed */
    GPtrArray *wheres;           /* GString per user: its places so far */
} user_fold;

static gos_user *find_user(user_fold *f, const char *name, guint *at)
{
    *at = GPOINTER_TO_UINT(g_hash_table_lookup(f->index, name));
    return *at ? &g_array_index(f->users, gos_user, --*at) : NULL;
}

static gos_user *add_user(user_fold *f, gos_user nu, guint *at)
{
    g_array_append_val(f->users, nu);
    g_ptr_array_add(f->wheres, g_string_new(NULL));
    g_hash_table_insert(f->index, g_strdup(nu.name), GUINT_TO_POINTER(f->users->len));
    *at = f->users->len - 1;
    return &g_array_index(f->users, gos_user, *at);
}

/* Adds where (a host or a terminal) to user at's list once: whole values are
 * compared, not substrings (10.0.0.1 is not already there because 10.0.0.11 is). */
static void add_where(user_fold *f, guint at, const char *where)
{
    if (!where || !*where)
        return;
    const char *name = g_array_index(f->users, gos_user, at).name;
    if (!g_hash_table_add(f->places, g_strdup_printf("%zu:%s%s", strlen(name), name, where)))
        return;
    GString *w = g_ptr_array_index(f->wheres, at);
    if (w->len)
        g_string_append(w, ", ");
    g_string_append(w, where);
}

void gos_logons_users(const gos_logon *l, size_t n, bool logind, const gos_user *utmp, size_t n_utmp,
                      gos_user **out, size_t *n_out, char ***stale_out)
{
    user_fold f = {
        .users = g_array_new(FALSE, TRUE, sizeof(gos_user)),
        .index = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL),
        .places = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL),
        .wheres = g_ptr_array_new(),
    };
    GPtrArray *stale = g_ptr_array_new_with_free_func(g_free);
    guint at;
    for (size_t i = 0; logind && i < n; i++) {
        if (!gos_logon_is_person(&l[i]))
            continue;
        gos_user *u = find_user(&f, l[i].user, &at);
        if (!u)
            u = add_user(&f, (gos_user){ .name = g_strdup(l[i].user), .sources = GOS_USER_LOGIND }, &at);
        u->sessions++;
        if (l[i].since_ms > 0 && (!u->login_ms || l[i].since_ms < u->login_ms))
            u->login_ms = l[i].since_ms;
        add_where(&f, at, l[i].remote_host && *l[i].remote_host ? l[i].remote_host : l[i].tty);
    }
    for (size_t i = 0; i < n_utmp; i++) {
        gos_user *u = find_user(&f, utmp[i].name, &at);
        if (u) {
            u->sources |= GOS_USER_UTMP;
            if (!u->domain && utmp[i].domain)
                u->domain = g_strdup(utmp[i].domain);
        } else if (logind) {
            /* logind answered and has no session of this user: the record
             * outlived its login (a getty that did not come back). */
            bool seen = false;
            for (guint k = 0; k < stale->len && !seen; k++)
                seen = !strcmp(g_ptr_array_index(stale, k), utmp[i].name);
            if (!seen)
                g_ptr_array_add(stale, g_strdup(utmp[i].name));
        } else {
            add_user(&f, (gos_user){ .name = g_strdup(utmp[i].name), .domain = g_strdup(utmp[i].domain),
                                     .login_ms = utmp[i].login_ms, .sources = GOS_USER_UTMP }, &at);
        }
    }
    for (guint i = 0; i < f.users->len; i++) {
        GString *w = g_ptr_array_index(f.wheres, i);
        g_array_index(f.users, gos_user, i).where = w->len ? g_string_free(w, FALSE) : (g_string_free(w, TRUE), NULL);
    }
    g_ptr_array_free(f.wheres, TRUE);
    g_hash_table_destroy(f.index);
    g_hash_table_destroy(f.places);
    GArray *users = f.users;
    *n_out = users->len;
    *out = users->len ? (gos_user *)g_array_free(users, FALSE) : (g_array_free(users, TRUE), NULL);
    if (stale_out) {
        if (stale->len) {
            g_ptr_array_add(stale, NULL);
            *stale_out = (char **)g_ptr_array_free(stale, FALSE);
        } else {
            g_ptr_array_free(stale, TRUE);
            *stale_out = NULL;
        }
    } else {
        g_ptr_array_free(stale, TRUE);
    }
}
