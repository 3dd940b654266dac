/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The VM list's columns: their stable names and lists of them, as action lines and the configuration write them. */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "base/i18n.h"
#include "core/columns.h"

static const char *const names[GOS_COL_N] = {
    "name", "host", "state", "agent", "ping", "users", "os", "version", "login",
};

/* What the list showed before columns could be chosen: the agent cell carries
 * the ping while the ping column is not shown. */
const gos_column_spec gos_columns_default[] = {
    { GOS_COL_NAME, 0 }, { GOS_COL_HOST, 0 }, { GOS_COL_STATE, 0 }, { GOS_COL_AGENT, 0 }, { GOS_COL_USERS, 0 },
};
const size_t gos_columns_default_n = G_N_ELEMENTS(gos_columns_default);

const char *gos_column_name(gos_column col)
{
    return (unsigned)col < GOS_COL_N ? names[col] : names[0];
}

int gos_column_parse(const char *name)
{
    for (int i = 0; i < GOS_COL_N; i++)
        if (name && !g_ascii_strcasecmp(name, names[i]))
            return i;
    return -1;
}

static char *bad_word(const char *word)
{
    /* TRANSLATORS: %s: a word of a column list; keep the column names as they are. */
    return g_strdup_printf(_("'%s' is not a column: use name, host, state, agent, ping, users, os, version or "
                             "login, with :WIDTH (4 to 200) if you like, + to add one and - to take one away."),
                           word);
}

static long index_of(const GArray *a, gos_column col)
{
    for (guint i = 0; i < a->len; i++)
        if (g_array_index(a, gos_column_spec, i).col == col)
            return (long)i;
    return -1;
}

int gos_columns_parse(int argc, char *const *argv, const gos_column_spec *cur, size_t n_cur,
                      gos_column_spec **out, size_t *n_out, char **err)
{
    GArray *a = g_array_new(FALSE, FALSE, sizeof(gos_column_spec));
    g_array_append_vals(a, cur, (guint)n_cur);
    bool fresh = false;   /* a plain word has started the list afresh */
    for (int i = 0; i < argc; i++) {
        const char *w = argv[i];
        char op = *w == '+' || *w == '-' ? *w : 0;
        const char *name = op ? w + 1 : w;
        const char *colon = strchr(name, ':');
        char *key = colon ? g_strndup(name, (gsize)(colon - name)) : g_strdup(name);
        int col = gos_column_parse(key);
        g_free(key);
        long width = 0;
        if (colon) {
            char *end = NULL;
            errno = 0;
            width = strtol(colon + 1, &end, 10);
            if (errno || !end || *end || end == colon + 1 || width < 4 || width > GOS_COLUMN_WIDTH_MAX || op == '-')
                col = -1;
        }
        if (col < 0) {
            if (err)
                *err = bad_word(w);
            g_array_free(a, TRUE);
            return -1;
        }
        long at = index_of(a, (gos_column)col);
        gos_column_spec sp = { (gos_column)col, (int)width };
        if (op == '-') {
            if (at >= 0)
                g_array_remove_index(a, (guint)at);
            continue;
        }
        if (!op && !fresh) {
            g_array_set_size(a, 0);
            fresh = true;
            at = -1;
        }
        if (at >= 0 && !op) {
            if (err)
                /* TRANSLATORS: %s: a column name given twice in one list. */
                *err = g_strdup_printf(_("The column %s is in the list twice."), gos_column_name((gos_column)col));
            g_array_free(a, TRUE);
            return -1;
        }
        if (at >= 0)
            g_array_index(a, gos_column_spec, at).width = sp.width;
        else
            g_array_append_val(a, sp);
    }
    if (a->len == 0) {
        if (err)
            *err = g_strdup(_("The VM list needs at least one column."));
        g_array_free(a, TRUE);
        return -1;
    }
    *n_out = a->len;
    *out = (gos_column_spec *)g_array_free(a, FALSE);
    return 0;
}

char *gos_columns_format(const gos_column_spec *cols, size_t n)
{
    GString *t = g_string_new(NULL);
    for (size_t i = 0; i < n; i++) {
        if (i)
            g_string_append_c(t, ' ');
        g_string_append(t, gos_column_name(cols[i].col));
        if (cols[i].width > 0)
            g_string_append_printf(t, ":%d", cols[i].width);
    }
    return g_string_free(t, FALSE);
}
