/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Replies of the guest agent, read as untrusted input: every field type-checked, every size bounded. */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <string.h>

#include <glib.h>
#include <json-c/json.h>

#include "base/i18n.h"
#include "base/text.h"
#include "core/agent_reply.h"

/* The whole reply as JSON, depth-bounded; its "return" member in *ret
 * (borrowed from the root, which the caller puts). */
static json_object *parse_root(const char *reply, size_t len, json_object **ret, char **err)
{
    if (!reply || len == 0 || len > GOS_AGENT_REPLY_MAX || memchr(reply, '\0', len)) {
        if (err)
            *err = g_strdup(len > GOS_AGENT_REPLY_MAX ? _("The guest agent's reply is larger than guestos reads.")
                                                      : _("The guest agent sent an empty reply."));
        return NULL;
    }
    json_tokener *tok = json_tokener_new_ex(GOS_AGENT_REPLY_DEPTH);
    if (!tok) {
        if (err)
            *err = g_strdup(_("The guest agent's reply could not be read."));
        return NULL;
    }
    json_object *root = json_tokener_parse_ex(tok, reply, (int)len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    /* Anything after the value, or a value left open, is not a reply. */
    bool whole = root && jerr == json_tokener_success && (size_t)json_tokener_get_parse_end(tok) == len;
    json_tokener_free(tok);
    if (!whole) {
        json_object_put(root);
        if (err)
            *err = g_strdup(_("The guest agent sent a reply that is not valid JSON."));
        return NULL;
    }
    json_object *r = NULL;
    if (!json_object_is_type(root, json_type_object) || !json_object_object_get_ex(root, "return", &r) || !r) {
        json_object_put(root);
        if (err)
            *err = g_strdup(_("The guest agent's reply has no answer in it (no \"return\" value)."));
        return NULL;
    }
    *ret = r;
    return root;
}

/* "the reply to guest-info is not valid: what" as the one sentence. */
static int bad(char **err, const char *command, const char *what)
{
    if (err)
        /* TRANSLATORS: %1$s: an agent command (guest-info); %2$s: what is wrong with its reply. */
        *err = g_strdup_printf(_("The guest agent's reply to %1$s is not valid: %2$s."), command, what);
    return -1;
}

/* A member of o of type t, or NULL when absent or null. *wrong is set when it
 * is there with another type. */
static json_object *member(json_object *o, const char *key, json_type t, bool *wrong)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(o, key, &v) || !v)
        return NULL;
    if (!json_object_is_type(v, t)) {
        *wrong = true;
        return NULL;
    }
    return v;
}

static char *clean(json_object *s, size_t max)
{
    return s ? gos_text_clean(json_object_get_string(s), max) : NULL;
}

static bool as_int(json_object *v, int64_t lo, int64_t hi, int64_t *out)
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

int gos_agent_parse_ping(const char *reply, size_t len, char **err)
{
    json_object *ret = NULL, *root = parse_root(reply, len, &ret, err);
    if (!root)
        return -1;
    int rc = json_object_is_type(ret, json_type_object) ? 0 : bad(err, "guest-ping", _("not an object"));
    json_object_put(root);
    return rc;
}

/* Which guest-info commands make up each feature. */
static const struct {
    const char *command;
    unsigned feature;
    bool needed;                 /* logoff needs it (or may: guest-get-users) */
} feature_cmds[] = {
    { "guest-get-users", GOS_FEAT_USERS, true },
    { "guest-exec", GOS_FEAT_EXEC, true },
    { "guest-exec-status", GOS_FEAT_EXEC, true },
    { "guest-get-osinfo", GOS_FEAT_OSINFO, false },
    { "guest-shutdown", GOS_FEAT_SHUTDOWN, false },
    { "guest-set-time", GOS_FEAT_TIMESYNC, false },
    { "guest-fsfreeze-freeze", GOS_FEAT_FREEZE, false },
    { "guest-fsfreeze-thaw", GOS_FEAT_FREEZE, false },
};

static void add_word(GString *s, const char *w)
{
    if (s->len)
        g_string_append(s, ", ");
    g_string_append(s, w);
}

int gos_agent_parse_info(const char *reply, size_t len, gos_agent_info *out, char **err)
{
    json_object *ret = NULL, *root = parse_root(reply, len, &ret, err);
    if (!root)
        return -1;
    int rc = -1;
    bool wrong = false;
    if (!json_object_is_type(ret, json_type_object)) {
        bad(err, "guest-info", _("not an object"));
        goto out;
    }
    json_object *version = member(ret, "version", json_type_string, &wrong);
    json_object *cmds = member(ret, "supported_commands", json_type_array, &wrong);
    if (wrong || !cmds) {
        bad(err, "guest-info", _("supported_commands is missing or not a list"));
        goto out;
    }
    unsigned enabled = 0, disabled = 0, known = 0;
    bool listed[G_N_ELEMENTS(feature_cmds)] = { false }, on[G_N_ELEMENTS(feature_cmds)] = { false };
    size_t n = MIN(json_object_array_length(cmds), (size_t)GOS_AGENT_LIST_MAX);
    for (size_t i = 0; i < n; i++) {
        json_object *c = json_object_array_get_idx(cmds, i);
        bool w = false;
        if (!c || !json_object_is_type(c, json_type_object)) {
            bad(err, "guest-info", _("a supported command is not an object"));
            goto out;
        }
        json_object *name = member(c, "name", json_type_string, &w);
        json_object *en = member(c, "enabled", json_type_boolean, &w);
        if (w || !name || !en) {
            bad(err, "guest-info", _("a supported command has no name or no enabled flag"));
            goto out;
        }
        const char *nm = json_object_get_string(name);
        for (size_t k = 0; k < G_N_ELEMENTS(feature_cmds); k++) {
            if (strcmp(nm, feature_cmds[k].command))
                continue;
            listed[k] = true;
            on[k] = json_object_get_boolean(en);
            known |= feature_cmds[k].feature;
            if (on[k])
                enabled |= feature_cmds[k].feature;
            else
                disabled |= feature_cmds[k].feature;
        }
    }
    GString *dis = g_string_new(NULL), *mis = g_string_new(NULL);
    for (size_t k = 0; k < G_N_ELEMENTS(feature_cmds); k++) {
        if (!feature_cmds[k].needed)
            continue;
        if (!listed[k])
            add_word(mis, feature_cmds[k].command);
        else if (!on[k])
            add_word(dis, feature_cmds[k].command);
    }
    gos_agent_info info = {
        .version = clean(version, 64),
        /* A feature made of several commands needs all of them, each listed. */
        .features = enabled & ~disabled,
        .known = known,
        .disabled = dis->len ? g_string_free(dis, FALSE) : (g_string_free(dis, TRUE), NULL),
        .missing = mis->len ? g_string_free(mis, FALSE) : (g_string_free(mis, TRUE), NULL),
    };
    for (size_t k = 0; k < G_N_ELEMENTS(feature_cmds); k++)
        if (!listed[k])
            info.features &= ~feature_cmds[k].feature;
    *out = info;
    rc = 0;
out:
    json_object_put(root);
    return rc;
}

int gos_agent_parse_osinfo(const char *reply, size_t len, gos_agent_osinfo *out, char **err)
{
    json_object *ret = NULL, *root = parse_root(reply, len, &ret, err);
    if (!root)
        return -1;
    int rc = -1;
    bool wrong = false;
    if (!json_object_is_type(ret, json_type_object)) {
        bad(err, "guest-get-osinfo", _("not an object"));
        goto out;
    }
    json_object *id = member(ret, "id", json_type_string, &wrong);
    json_object *pretty = member(ret, "pretty-name", json_type_string, &wrong);
    json_object *name = member(ret, "name", json_type_string, &wrong);
    if (wrong) {
        bad(err, "guest-get-osinfo", _("a name is not a string"));
        goto out;
    }
    out->id = clean(id, 64);
    out->pretty_name = clean(pretty ? pretty : name, GOS_AGENT_TEXT_MAX);
    rc = 0;
out:
    json_object_put(root);
    return rc;
}

int gos_agent_parse_users(const char *reply, size_t len, gos_user **out, size_t *n_out, char **err)
{
    json_object *ret = NULL, *root = parse_root(reply, len, &ret, err);
    if (!root)
        return -1;
    if (!json_object_is_type(ret, json_type_array)) {
        json_object_put(root);
        return bad(err, "guest-get-users", _("not a list"));
    }
    size_t count = MIN(json_object_array_length(ret), (size_t)GOS_AGENT_LIST_MAX);
    gos_user *users = count ? g_new0(gos_user, count) : NULL;
    size_t n = 0;
    for (size_t i = 0; i < count; i++) {
        json_object *u = json_object_array_get_idx(ret, i);
        bool wrong = false;
        json_object *name = u && json_object_is_type(u, json_type_object) ? member(u, "user", json_type_string, &wrong) : NULL;
        json_object *domain = name ? member(u, "domain", json_type_string, &wrong) : NULL;
        json_object *lt = NULL;
        if (name && json_object_object_get_ex(u, "login-time", &lt) && lt &&
            !json_object_is_type(lt, json_type_double) && !json_object_is_type(lt, json_type_int))
            wrong = true;
        if (!name || wrong || !*json_object_get_string(name)) {
            gos_users_free(users, n);
            json_object_put(root);
            return bad(err, "guest-get-users", _("an entry has no user name, or a field of the wrong type"));
        }
        users[n].name = clean(name, GOS_AGENT_TEXT_MAX);
        users[n].domain = clean(domain, GOS_AGENT_TEXT_MAX);
        if (lt) {
            double secs = json_object_get_double(lt);
            users[n].login_ms = isfinite(secs) && secs > 0 && secs < 1e11 ? (int64_t)(secs * 1000.0) : 0;
        }
        n++;
    }
    json_object_put(root);
    *out = users;
    *n_out = n;
    return 0;
}

int gos_agent_parse_exec(const char *reply, size_t len, int64_t *pid, char **err)
{
    json_object *ret = NULL, *root = parse_root(reply, len, &ret, err);
    if (!root)
        return -1;
    bool wrong = false;
    json_object *p = json_object_is_type(ret, json_type_object) ? member(ret, "pid", json_type_int, &wrong) : NULL;
    int64_t v = 0;
    int rc = p && as_int(p, 1, INT32_MAX, &v) ? 0 : bad(err, "guest-exec", _("no process id"));
    json_object_put(root);
    if (rc == 0)
        *pid = v;
    return rc;
}

/* Whether text is base64 as qemu-ga writes it (the standard alphabet, padded). */
static bool is_base64(const char *text)
{
    size_t n = strlen(text), pad = 0;
    if (n % 4)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = text[i];
        if (ch == '=') {
            pad++;
            continue;
        }
        if (pad || !(g_ascii_isalnum(ch) || ch == '+' || ch == '/'))
            return false;
    }
    return pad <= 2;
}

/* The decoded base64 of s, at most max bytes: *data (NUL-terminated), *len.
 * false when it is not base64 or too long. */
static bool decode_data(json_object *s, size_t max, char **data, size_t *len)
{
    const char *text = json_object_get_string(s);
    if (!is_base64(text))
        return false;
    gsize n = 0;
    guchar *raw = g_base64_decode(text, &n);
    if (n > max) {
        g_free(raw);
        return false;
    }
    *data = g_realloc(raw, n + 1);
    (*data)[n] = '\0';
    *len = n;
    return true;
}

int gos_agent_parse_exec_status(const char *reply, size_t len, gos_agent_exec_status *out, char **err)
{
    json_object *ret = NULL, *root = parse_root(reply, len, &ret, err);
    if (!root)
        return -1;
    int rc = -1;
    bool wrong = false;
    gos_agent_exec_status st = { 0 };
    if (!json_object_is_type(ret, json_type_object)) {
        bad(err, "guest-exec-status", _("not an object"));
        goto out;
    }
    json_object *exited = member(ret, "exited", json_type_boolean, &wrong);
    json_object *code = member(ret, "exitcode", json_type_int, &wrong);
    json_object *sig = member(ret, "signal", json_type_int, &wrong);
    json_object *odata = member(ret, "out-data", json_type_string, &wrong);
    json_object *edata = member(ret, "err-data", json_type_string, &wrong);
    json_object *otr = member(ret, "out-truncated", json_type_boolean, &wrong);
    json_object *etr = member(ret, "err-truncated", json_type_boolean, &wrong);
    if (wrong || !exited) {
        bad(err, "guest-exec-status", _("exited is missing, or a field has the wrong type"));
        goto out;
    }
    st.exited = json_object_get_boolean(exited);
    int64_t v;
    if (code) {
        if (!as_int(code, INT32_MIN, INT32_MAX, &v)) {
            bad(err, "guest-exec-status", _("the exit code is out of range"));
            goto out;
        }
        st.has_exitcode = true;
        st.exitcode = (int)v;
    }
    if (sig) {
        if (!as_int(sig, 0, 255, &v)) {
            bad(err, "guest-exec-status", _("the signal is out of range"));
            goto out;
        }
        st.has_signal = true;
        st.signal = (int)v;
    }
    if (st.exited && !st.has_exitcode && !st.has_signal) {
        bad(err, "guest-exec-status", _("the process exited with neither an exit code nor a signal"));
        goto out;
    }
    st.truncated = (otr && json_object_get_boolean(otr)) || (etr && json_object_get_boolean(etr));
    /* Data that is not base64 is the guest's fault: the reply is refused. */
    if ((odata && !decode_data(odata, GOS_AGENT_REPLY_MAX, &st.out, &st.out_len)) ||
        (edata && !decode_data(edata, GOS_AGENT_REPLY_MAX, &st.err, &st.err_len))) {
        gos_agent_exec_status_clear(&st);
        bad(err, "guest-exec-status", _("out-data or err-data is not base64, or too long"));
        goto out;
    }
    *out = st;
    rc = 0;
out:
    json_object_put(root);
    return rc;
}

void gos_agent_info_clear(gos_agent_info *info)
{
    g_free(info->version);
    g_free(info->disabled);
    g_free(info->missing);
    memset(info, 0, sizeof *info);
}

void gos_agent_osinfo_clear(gos_agent_osinfo *os)
{
    g_free(os->id);
    g_free(os->pretty_name);
    memset(os, 0, sizeof *os);
}

void gos_agent_exec_status_clear(gos_agent_exec_status *st)
{
    g_free(st->out);
    g_free(st->err);
    memset(st, 0, sizeof *st);
}
