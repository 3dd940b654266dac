/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Which VMs the view shows: the filter expressions and the search text. */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "base/i18n.h"
#include "base/text.h"
#include "core/session_impl.h"


/* Does the ASCII text hay contain needle (lower case) in any case? */
static bool ascii_casestr(const char *hay, const char *needle, size_t nl)
{
    for (; *hay; hay++) {
        size_t i = 0;
        while (i < nl && hay[i] && g_ascii_tolower(hay[i]) == needle[i])
            i++;
        if (i == nl)
            return true;
    }
    return nl == 0;
}

static bool is_ascii(const char *t)
{
    for (; *t; t++)
        if ((unsigned char)*t >= 0x80)
            return false;
    return true;
}

static bool search_hit(gos_session *s, const gos_vm *vm)
{
    const char *name = vm->name ? vm->name : "";
    size_t nl = strlen(s->search_fold);
    bool hit;
    if (is_ascii(name) && is_ascii(s->search_fold)) {
        /* The common case costs no allocation: casefolding ASCII is lowering it. */
        hit = ascii_casestr(name, s->search_fold, nl);
    } else {
        char *hay = g_utf8_casefold(name, -1);
        hit = strstr(hay, s->search_fold) != NULL;
        g_free(hay);
    }
    return hit || strstr(vm->uuid, s->search);
}

bool gos_session_vm_matches(gos_session *s, const gos_vm *vm)
{
    if (s->f_state >= 0 && (int)vm->state != s->f_state)
        return false;
    if (s->f_agent >= 0 && (int)vm->heartbeat != s->f_agent)
        return false;
    /* users=no is VMs known to have nobody logged on: unknown is neither. */
    if (s->f_users >= 0 && (!vm->users_known || (vm->n_users > 0) != (s->f_users == 1)))
        return false;
    if (s->f_host && strcmp(vm->host, s->f_host))
        return false;
    if (s->f_name_pat && !g_pattern_spec_match_string(s->f_name_pat, vm->name ? vm->name : ""))
        return false;
    if (s->search && !search_hit(s, vm))
        return false;
    return true;
}

/* Names as people order them: case aside, and digit runs by their value, so
 * that web2 comes before web10. Equal-looking names fall back to strcmp. */

char **gos_session_filter_words(gos_session *s)
{
    GPtrArray *w = g_ptr_array_new();
    if (s->f_state >= 0)
        g_ptr_array_add(w, g_strdup_printf("state=%s", gos_vm_state_word(s->f_state)));
    if (s->f_agent >= 0)
        g_ptr_array_add(w, g_strdup_printf("agent=%s", gos_heartbeat_key(s->f_agent)));
    if (s->f_users >= 0)
        g_ptr_array_add(w, g_strdup_printf("users=%s", s->f_users ? "yes" : "no"));
    if (s->f_name)
        g_ptr_array_add(w, g_strdup_printf("name=%s", s->f_name));
    if (s->f_host)
        g_ptr_array_add(w, g_strdup_printf("host=%s", s->f_host));
    g_ptr_array_add(w, NULL);
    return (char **)g_ptr_array_free(w, FALSE);
}

static void rebuild_filter_text(gos_session *s)
{
    char **w = gos_session_filter_words(s);
    g_free(s->filter_text);
    s->filter_text = g_strjoinv(" ", w);
    g_strfreev(w);
}

int gos_session_set_filter(gos_session *s, int n, char **exprs, char **err)
{
    int st = -1, ag = -1, us = -1;
    char *name = NULL, *host = NULL;
    for (int i = 0; i < n; i++) {
        const char *eq = strchr(exprs[i], '=');
        const char *v = eq ? eq + 1 : NULL;
        size_t kl = eq ? (size_t)(eq - exprs[i]) : 0;
        bool bad = !eq || !*v;
        /* A known key with a value it does not take says which values it takes. */
        const char *values = NULL;
        if (!bad && kl == 5 && !strncmp(exprs[i], "state", 5)) {
            bad = (st = gos_vm_state_parse(v)) < 0;
            values = "running, blocked, paused, shut-off (or off), shutdown, crashed, pmsuspended";
        } else if (!bad && kl == 5 && !strncmp(exprs[i], "agent", 5)) {
            bad = (ag = gos_heartbeat_parse(v)) < 0;
            values = "ok, degraded, lost, no-contact, no-channel, unsupported, vm-down, unknown";
        } else if (!bad && kl == 5 && !strncmp(exprs[i], "users", 5)) {
            us = !strcmp(v, "yes") || !strcmp(v, "1") ? 1 : !strcmp(v, "no") || !strcmp(v, "0") ? 0 : -2;
            bad = us == -2;
            values = "yes, no";
        } else if (!bad && kl == 4 && !strncmp(exprs[i], "name", 4)) {
            g_free(name);
            name = g_strdup(v);
        } else if (!bad && kl == 4 && !strncmp(exprs[i], "host", 4)) {
            g_free(host);
            host = g_strdup(v);
        } else
            bad = true;
        if (bad) {
            char *clean = gos_text_clean(exprs[i], 256);
            if (err && values) {
                char *key = g_strndup(exprs[i], kl);
                char *val = gos_text_clean(v, 256);
                /* TRANSLATORS: %1$s: a value; %2$s: the filter's key (state, agent, users); %3$s: the values it takes. */
                *err = g_strdup_printf(_("'%1$s' is not a value of %2$s=: use %3$s."), val, key, values);
                g_free(key);
                g_free(val);
            } else if (err) {
                *err = g_strdup_printf(_("'%s' is not a filter: use state=, agent=, users=yes|no, name= or host=."),
                                       clean);
            }
            g_free(clean);
            g_free(name);
            g_free(host);
            return -1;
        }
    }
    s->f_state = st;
    s->f_agent = ag;
    s->f_users = us;
    g_free(s->f_name);
    s->f_name = name;
    g_free(s->f_host);
    s->f_host = host;
    /* Compiled once here, not once per VM on every rebuild. */
    if (s->f_name_pat)
        g_pattern_spec_free(s->f_name_pat);
    s->f_name_pat = name ? g_pattern_spec_new(name) : NULL;
    rebuild_filter_text(s);
    s->view_stale = true;
    return 0;
}

void gos_session_set_search(gos_session *s, const char *text)
{
    const char *now = text && *text ? text : NULL;
    /* Typing one more character (anywhere): every VM that matches now matched
     * before, since a name that holds the new text holds the old, so the view
     * is narrowed rather than rebuilt. */
    if (now && s->search && strstr(now, s->search) && !s->view_stale)
        s->view_refine = true;
    else if (g_strcmp0(now, s->search) != 0)
        s->view_stale = true;
    g_free(s->search);
    s->search = g_strdup(now);
    g_free(s->search_fold);
    s->search_fold = now ? g_utf8_casefold(now, -1) : NULL;
    rebuild_filter_text(s);
}

