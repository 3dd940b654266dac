/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the console showed last, kept in the state folder and shown again on the next start. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "base/i18n.h"
#include "core/columns.h"
#include "core/history.h"

#define GROUP "console"

static const char *const view_keys[] = { "vms", "tasks", "audit" };

int gos_state_save(gos_session *s, const char *path, char **err)
{
    GKeyFile *kf = g_key_file_new();
    gos_view v = gos_session_view(s);
    /* The detail and the help are looked at, not worked in: the list comes back. */
    g_key_file_set_string(kf, GROUP, "view", v < G_N_ELEMENTS(view_keys) ? view_keys[v] : view_keys[0]);
    bool desc = false;
    gos_sort sort = gos_session_sort(s, &desc);
    g_key_file_set_string(kf, GROUP, "sort", gos_sort_name(sort));
    g_key_file_set_boolean(kf, GROUP, "descending", desc);
    size_t n = 0;
    const gos_column_spec *cols = gos_session_columns(s, &n);
    char *words = gos_columns_format(cols, n);
    g_key_file_set_string(kf, GROUP, "columns", words);
    g_free(words);
    /* ... and the default they were chosen against: a default changed in
     * guestos.conf since then wins over the columns of the last run. */
    cols = gos_session_default_columns(s, &n);
    words = gos_columns_format(cols, n);
    g_key_file_set_string(kf, GROUP, "default-columns", words);
    g_free(words);
    char **filter = gos_session_filter_words(s);
    g_key_file_set_string_list(kf, GROUP, "filter", (const char *const *)filter, g_strv_length(filter));
    g_strfreev(filter);
    int panel = gos_session_task_panel(s);
    if (panel < 0)
        g_key_file_set_string(kf, GROUP, "task-panel", "auto");
    else
        g_key_file_set_integer(kf, GROUP, "task-panel", panel);
    gsize len = 0;
    char *text = g_key_file_to_data(kf, &len, NULL);
    char *body = g_strconcat("# ", _("What the guestos console showed when it was left; guestos --no-restore ignores it."),
                             "\n", text, NULL);
    int rc = gos_state_write(path, body, err);
    g_free(body);
    g_free(text);
    g_key_file_free(kf);
    return rc;
}

/* Adds a sentence to *why. */
static void note(GString *why, const char *sentence)
{
    g_string_append_printf(why, "%s%s", why->len ? " " : "", sentence);
}

int gos_state_load(gos_session *s, const char *path, char **err)
{
    GKeyFile *kf = g_key_file_new();
    GError *gerr = NULL;
    if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &gerr)) {
        bool missing = g_error_matches(gerr, G_FILE_ERROR, G_FILE_ERROR_NOENT);
        if (!missing && err)
            /* TRANSLATORS: %s: the state file; %s: why it cannot be read. */
            *err = g_strdup_printf(_("The saved view in %s was not restored: %s."), path, gerr->message);
        g_error_free(gerr);
        g_key_file_free(kf);
        return missing ? 0 : -1;
    }
    GString *why = g_string_new(NULL);

    char *sort = g_key_file_get_string(kf, GROUP, "sort", NULL);
    if (sort) {
        int key = gos_sort_parse(sort);
        if (key >= 0)
            gos_session_set_sort(s, (gos_sort)key, g_key_file_get_boolean(kf, GROUP, "descending", NULL));
        else
            note(why, _("The sort was not restored."));
        g_free(sort);
    }
    char *cols = g_key_file_get_string(kf, GROUP, "columns", NULL);
    char *was = g_key_file_get_string(kf, GROUP, "default-columns", NULL);
    size_t nd = 0;
    const gos_column_spec *defaults = gos_session_default_columns(s, &nd);
    char *now = gos_columns_format(defaults, nd);
    if (was && strcmp(g_strstrip(was), now))
        g_clear_pointer(&cols, g_free);
    g_free(was);
    g_free(now);
    if (cols) {
        char **words = g_strsplit_set(g_strstrip(cols), " \t", -1);
        GPtrArray *w = g_ptr_array_new();
        for (char **p = words; *p; p++)
            if (**p)
                g_ptr_array_add(w, *p);
        gos_column_spec *parsed = NULL;
        size_t n = 0;
        if (w->len && gos_columns_parse((int)w->len, (char *const *)w->pdata, NULL, 0, &parsed, &n, NULL) == 0)
            gos_session_set_columns(s, parsed, n);
        else if (w->len)
            note(why, _("The columns were not restored."));
        g_free(parsed);
        g_ptr_array_free(w, TRUE);
        g_strfreev(words);
        g_free(cols);
    }
    gsize nf = 0;
    char **filter = g_key_file_get_string_list(kf, GROUP, "filter", &nf, NULL);
    if (filter && nf) {
        if (gos_session_set_filter(s, (int)nf, filter, NULL) < 0)
            note(why, _("The filter was not restored."));
    }
    g_strfreev(filter);
    char *panel = g_key_file_get_string(kf, GROUP, "task-panel", NULL);
    if (panel) {
        char *end = NULL;
        long v = strtol(panel, &end, 10);
        if (!strcmp(panel, "auto"))
            gos_session_set_task_panel(s, -1);
        else if (*panel && end && !*end && v >= 0 && v <= 99)
            gos_session_set_task_panel(s, (int)v);
        g_free(panel);
    }
    char *view = g_key_file_get_string(kf, GROUP, "view", NULL);
    for (size_t i = 0; view && i < G_N_ELEMENTS(view_keys); i++)
        if (!strcmp(view, view_keys[i]))
            gos_session_set_view(s, (gos_view)i);
    g_free(view);
    g_key_file_free(kf);

    int rc = 0;
    if (why->len) {
        if (err)
            /* TRANSLATORS: %1$s: the state file; %2$s: sentences on what was not restored. */
            *err = g_strdup_printf(_("%1$s: %2$s"), path, why->str);
        rc = -1;
    }
    g_string_free(why, TRUE);
    return rc;
}
