/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Completion of action lines from the action table's synopses and the session's inventory. */
#include <config.h>

#include <string.h>

#include <glib.h>

#include "base/result.h"
#include "core/actions.h"
#include "core/columns.h"
#include "core/complete.h"
#include "core/macro.h"

typedef struct {
    GHashTable *seen;
    GPtrArray *out;
    const char *prefix;      /* what the word being completed starts with */
    size_t plen;
    size_t more;
    const char *lead;        /* put before each candidate ("state=", "+") */
} sink;

static void offer(sink *k, const char *word)
{
    if (!word || strncmp(word, k->prefix, k->plen) != 0)
        return;
    char *full = g_strconcat(k->lead ? k->lead : "", word, NULL);
    if (g_hash_table_contains(k->seen, full)) {
        g_free(full);
        return;
    }
    g_hash_table_add(k->seen, full);
    if (k->out->len >= GOS_COMPLETE_MAX) {
        k->more++;
        return;
    }
    g_ptr_array_add(k->out, g_strdup(full));
}

static void offer_vms(sink *k, gos_session *s)
{
    gos_inventory *inv = gos_session_inventory(s);
    size_t n = gos_inventory_count(inv);
    for (size_t i = 0; i < n; i++)
        offer(k, gos_inventory_at(inv, i)->name);
}

static void offer_hosts(sink *k, gos_session *s)
{
    for (size_t i = 0; i < gos_session_host_count(s); i++)
        offer(k, gos_session_host_uri(s, i));
}

static void offer_macros(sink *k)
{
    char *dir = gos_macro_dir();
    GDir *d = g_dir_open(dir, 0, NULL);
    const char *f;
    while (d && (f = g_dir_read_name(d))) {
        if (!g_str_has_suffix(f, ".gos"))
            continue;
        char *name = g_strndup(f, strlen(f) - 4);
        if (gos_macro_name_valid(name))
            offer(k, name);
        g_free(name);
    }
    if (d)
        g_dir_close(d);
    g_free(dir);
}

static void offer_states(sink *k)
{
    for (int i = 0; i < GOS_VM_N_STATES; i++)
        offer(k, gos_vm_state_word((gos_vm_state)i));
}

static void offer_agents(sink *k)
{
    for (int i = 0; i < GOS_HB_N; i++)
        offer(k, gos_heartbeat_key((gos_heartbeat)i));
}

static void offer_columns(sink *k)
{
    for (int i = 0; i < GOS_COL_N; i++)
        offer(k, gos_column_name((gos_column)i));
}

/* The value of an audit filter option (the word after --vm, say). */
static bool offer_audit_value(sink *k, gos_session *s, const char *option)
{
    if (!strcmp(option, "--vm"))
        offer_vms(k, s);
    else if (!strcmp(option, "--host"))
        offer_hosts(k, s);
    else if (!strcmp(option, "--result")) {
        for (int r = 0; r <= GOS_RESULT_SHUTDOWN_ABORT; r++)
            offer(k, gos_result_name(r));
        offer(k, gos_result_name(GOS_RESULT_INTERRUPTED));
    } else if (!strcmp(option, "--origin")) {
        static const char *const origins[] = { "interactive", "cli", "macro:", "batch:" };
        for (size_t i = 0; i < G_N_ELEMENTS(origins); i++)
            offer(k, origins[i]);
    } else if (!strcmp(option, "--operator")) {
        offer(k, g_get_user_name());
    } else {
        return false;
    }
    return true;
}

/* Everything an action's synopsis allows for an argument: its literal words
 * ("next", "asc", "state=", "--vm") and what its placeholders stand for. */
static void offer_synopsis(sink *k, gos_session *s, const gos_action *a)
{
    const char *p = a->args ? a->args : "";
    while (*p) {
        while (*p && !g_ascii_isalnum(*p) && *p != '-')
            p++;
        const char *w = p;
        while (*p && (g_ascii_isalnum(*p) || *p == '-' || *p == '='))
            p++;
        if (p == w)
            continue;
        char *word = g_strndup(w, (gsize)(p - w));
        /* "state=S": offer "state="; the value is completed once it is there. */
        char *eq = strchr(word, '=');
        if (eq)
            eq[1] = '\0';
        bool upper = g_ascii_isupper(word[0]);
        if (!upper && strcmp(word, "-") && strcmp(word, "--"))
            offer(k, word);
        else if (!strcmp(word, "VM") || !strcmp(word, "PATTERN"))
            offer_vms(k, s);
        else if (!strcmp(word, "URI"))
            offer_hosts(k, s);
        else if (!strcmp(word, "NAME"))
            offer_macros(k);
        else if (!strcmp(word, "COLUMN"))
            offer_columns(k);
        g_free(word);
    }
}

static gint by_text(gconstpointer a, gconstpointer b)
{
    return g_strcmp0(*(char *const *)a, *(char *const *)b);
}

GPtrArray *gos_complete(gos_session *s, const char *before, size_t *start, size_t *more)
{
    /* The words so far; the last one (maybe empty) is the one completed. */
    size_t len = strlen(before), ws = len;
    while (ws > 0 && before[ws - 1] != ' ' && before[ws - 1] != '\t')
        ws--;
    char **words = g_strsplit_set(before, " \t", -1);
    GPtrArray *done = g_ptr_array_new();
    for (char **w = words; *w; w++)
        if (**w)
            g_ptr_array_add(done, *w);
    /* the word being completed is not among those done */
    if (ws < len && done->len)
        g_ptr_array_remove_index(done, done->len - 1);
    const char *cur = before + ws;

    sink k = { .seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL),
               .out = g_ptr_array_new_with_free_func(g_free), .prefix = cur, .plen = strlen(cur) };
    if (done->len == 0) {
        for (size_t i = 0; i < gos_action_count(); i++)
            offer(&k, gos_action_at(i)->name);
    } else {
        const gos_action *a = gos_action_find(g_ptr_array_index(done, 0));
        const char *eq = strchr(cur, '=');
        const char *prev = done->len > 1 ? g_ptr_array_index(done, done->len - 1) : "";
        if (!a) {
            /* nothing to offer after a word that is no action */
        } else if (eq) {
            /* key=value: the values of the key */
            char *key = g_strndup(cur, (gsize)(eq - cur + 1));
            k.lead = key;
            k.prefix = eq + 1;
            k.plen = strlen(k.prefix);
            if (!strcmp(key, "state="))
                offer_states(&k);
            else if (!strcmp(key, "agent="))
                offer_agents(&k);
            else if (!strcmp(key, "users=")) {
                offer(&k, "yes");
                offer(&k, "no");
            } else if (!strcmp(key, "name="))
                offer_vms(&k, s);
            else if (!strcmp(key, "host="))
                offer_hosts(&k, s);
            g_free(key);
            k.lead = NULL;
        } else if (g_str_has_prefix(prev, "--") && offer_audit_value(&k, s, prev)) {
            /* the value of an audit filter */
        } else if ((*cur == '+' || *cur == '-') && !strcmp(a->name, "columns")) {
            char lead[2] = { *cur, 0 };
            k.lead = lead;
            k.prefix = cur + 1;
            k.plen = strlen(k.prefix);
            offer_columns(&k);
            k.lead = NULL;
        } else {
            offer_synopsis(&k, s, a);
        }
    }
    g_ptr_array_sort(k.out, by_text);
    g_hash_table_destroy(k.seen);
    g_ptr_array_free(done, TRUE);
    g_strfreev(words);
    *start = ws;
    if (more)
        *more = k.more;
    return k.out;
}

char *gos_complete_common(const GPtrArray *cands)
{
    if (!cands->len)
        return g_strdup("");
    const char *first = g_ptr_array_index(cands, 0);
    size_t n = strlen(first);
    for (guint i = 1; i < cands->len; i++) {
        const char *c = g_ptr_array_index(cands, i);
        size_t j = 0;
        while (j < n && c[j] == first[j])
            j++;
        n = j;
    }
    /* whole characters only */
    while (n > 0 && ((unsigned char)first[n] & 0xc0) == 0x80)
        n--;
    return g_strndup(first, n);
}
