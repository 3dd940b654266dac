/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The action prompt's history, kept across runs in the state folder. */
#include <config.h>

#include <errno.h>
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "base/i18n.h"
#include "core/history.h"

char *gos_state_path(const char *name)
{
    return g_build_filename(g_get_user_state_dir(), "guestos", name, NULL);
}

/* A line fit to keep: one line of printable text. */
static bool keepable(const char *line)
{
    if (!line || !*line || !g_utf8_validate(line, -1, NULL) || strlen(line) > 4096)
        return false;
    for (const char *p = line; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return false;
    return true;
}

GPtrArray *gos_history_load(const char *path)
{
    GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);
    char *text = NULL;
    if (!g_file_get_contents(path, &text, NULL, NULL))
        return lines;
    char **split = g_strsplit(text, "\n", -1);
    for (char **l = split; *l; l++)
        if (keepable(*l))
            gos_history_add(lines, *l);
    g_strfreev(split);
    g_free(text);
    return lines;
}

void gos_history_add(GPtrArray *lines, const char *line)
{
    if (!keepable(line))
        return;
    for (guint i = 0; i < lines->len; i++) {
        if (!strcmp(g_ptr_array_index(lines, i), line)) {
            g_ptr_array_remove_index(lines, i);
            break;
        }
    }
    g_ptr_array_add(lines, g_strdup(line));
    while (lines->len > GOS_HISTORY_MAX)
        g_ptr_array_remove_index(lines, 0);
}

/* Makes the folder of path (0700) and writes text there atomically, 0600. */
int gos_state_write(const char *path, const char *text, char **err)
{
    char *dir = g_path_get_dirname(path);
    int rc = -1;
    GError *gerr = NULL;
    if (g_mkdir_with_parents(dir, 0700) < 0) {
        if (err)
            /* TRANSLATORS: %s: a folder; %s: why it could not be made. */
            *err = g_strdup_printf(_("Cannot create the folder %s: %s."), dir, g_strerror(errno));
        goto cleanup;
    }
    if (!g_file_set_contents_full(path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &gerr)) {
        if (err)
            *err = g_strdup_printf(_("Cannot write %s: %s."), path, gerr->message);
        g_error_free(gerr);
        goto cleanup;
    }
    rc = 0;
cleanup:
    g_free(dir);
    return rc;
}

int gos_history_save(const GPtrArray *lines, const char *path, char **err)
{
    GString *t = g_string_new(NULL);
    for (guint i = 0; i < lines->len; i++) {
        g_string_append(t, g_ptr_array_index(lines, i));
        g_string_append_c(t, '\n');
    }
    int rc = gos_state_write(path, t->str, err);
    g_string_free(t, TRUE);
    return rc;
}
