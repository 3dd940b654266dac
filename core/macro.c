/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Macros: action-line files under $XDG_CONFIG_HOME/guestos/macros, recorded, stored and replayed step by step. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "base/i18n.h"
#include "core/macro.h"
#include "core/task.h"

/* A macro file larger than this is not a macro someone wrote or recorded. */
#define MACRO_FILE_MAX (1024 * 1024)

/* --- names and files ---------------------------------------------------------- */

bool gos_macro_name_valid(const char *name)
{
    if (!name || !*name || *name == '.' || strlen(name) > GOS_MACRO_NAME_MAX)
        return false;
    for (const char *p = name; *p; p++)
        if (!g_ascii_isalnum(*p) && *p != '_' && *p != '.' && *p != '-')
            return false;
    return true;
}

char *gos_macro_dir(void)
{
    return g_build_filename(g_get_user_config_dir(), "guestos", "macros", NULL);
}

static char *invalid_name(const char *name)
{
    /* TRANSLATORS: %s: what the operator typed as a macro name. */
    return g_strdup_printf(_("'%s' is not a macro name: use up to 64 letters, digits, '_', '.' and '-', "
                             "not starting with '.'."), name ? name : "");
}

char *gos_macro_path(const char *name, char **err)
{
    if (!gos_macro_name_valid(name)) {
        if (err)
            *err = invalid_name(name);
        return NULL;
    }
    char *dir = gos_macro_dir();
    char *file = g_strconcat(name, ".gos", NULL);
    char *path = g_build_filename(dir, file, NULL);
    g_free(file);
    g_free(dir);
    return path;
}

/* The path for messages: under the home folder as ~/..., which keeps
 * "FILE:LINE:COL: why" within a status line. */
static char *display_path(const char *path)
{
    const char *home = g_get_home_dir();
    size_t n = home ? strlen(home) : 0;
    if (n > 1 && !strncmp(path, home, n) && path[n] == '/')
        return g_strconcat("~", path + n, NULL);
    return g_strdup(path);
}

int gos_macro_load(const char *name, gos_script **out, char **err)
{
    char *path = gos_macro_path(name, err);
    if (!path)
        return -1;
    int rc = -1;
    char *text = NULL;
    gsize len = 0;
    GError *gerr = NULL;
    GStatBuf st;
    if (g_stat(path, &st) == 0 && st.st_size > MACRO_FILE_MAX) {
        if (err)
            *err = g_strdup_printf(_("The macro file %s is larger than 1 MiB."), path);
        goto cleanup;
    }
    if (!g_file_get_contents(path, &text, &len, &gerr)) {
        if (err) {
            if (g_error_matches(gerr, G_FILE_ERROR, G_FILE_ERROR_NOENT))
                /* TRANSLATORS: %s: a macro name; %s: the file it would be in. */
                *err = g_strdup_printf(_("There is no macro '%s': %s does not exist."), name, path);
            else
                *err = g_strdup_printf(_("Cannot read the macro file %s: %s"), path, gerr->message);
        }
        g_error_free(gerr);
        goto cleanup;
    }
    if (strlen(text) != len) {
        if (err)
            *err = g_strdup_printf(_("%s: the file is not valid UTF-8 text"), path);
        goto cleanup;
    }
    char *shown = display_path(path);
    rc = gos_script_parse(text, shown, out, err);
    g_free(shown);
cleanup:
    g_free(text);
    g_free(path);
    return rc;
}

/* --- recording ------------------------------------------------------------------ */

struct gos_macro_rec {
    char *name;
    GPtrArray *lines;   /* char* */
    int64_t started;    /* UTC seconds */
};

gos_macro_rec *gos_macro_rec_new(const char *name, char **err)
{
    if (!gos_macro_name_valid(name)) {
        if (err)
            *err = invalid_name(name);
        return NULL;
    }
    gos_macro_rec *rec = g_new0(gos_macro_rec, 1);
    rec->name = g_strdup(name);
    rec->lines = g_ptr_array_new_with_free_func(g_free);
    rec->started = (int64_t)time(NULL);
    return rec;
}

void gos_macro_rec_free(gos_macro_rec *rec)
{
    if (!rec)
        return;
    g_ptr_array_free(rec->lines, TRUE);
    g_free(rec->name);
    g_free(rec);
}

const char *gos_macro_rec_name(const gos_macro_rec *rec) { return rec->name; }

size_t gos_macro_rec_count(const gos_macro_rec *rec) { return rec->lines->len; }

bool gos_macro_rec_add_line(gos_macro_rec *rec, const char *line, const gos_cmd *cmd)
{
    if (!cmd->action || (cmd->action->flags & GOS_ACT_NO_RECORD))
        return false;
    g_ptr_array_add(rec->lines, line ? g_strdup(line) : gos_cmd_format(cmd));
    return true;
}

bool gos_macro_rec_add(gos_macro_rec *rec, const gos_cmd *cmd) { return gos_macro_rec_add_line(rec, NULL, cmd); }

/* The user name for the header, without anything that could end the comment line. */
static char *header_user(void)
{
    char *u = g_strdup(g_get_user_name());
    for (char *p = u; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    return u;
}

char *gos_macro_rec_text(const gos_macro_rec *rec)
{
    GString *t = g_string_new(NULL);
    GDateTime *dt = g_date_time_new_from_unix_utc(rec->started);
    char *when = dt ? g_date_time_format(dt, "%Y-%m-%d %H:%M:%S UTC") : g_strdup("?");
    if (dt)
        g_date_time_unref(dt);
    char *user = header_user();
    /* The header is for people who open the file; the parser skips it. */
    g_string_append_printf(t, "# ");
    /* TRANSLATORS: first comment line of a macro file: %1$s the macro name,
     * %2$s the time (UTC), %3$s the user name. */
    g_string_append_printf(t, _("guestos macro %1$s, recorded %2$s by %3$s."), rec->name, when, user);
    g_string_append(t, "\n# ");
    /* TRANSLATORS: comment lines of a macro file; keep "macro", "batch" and "[keys]" as they are. */
    g_string_append(t, _("One action a line, as in batch files; '#' starts a comment. Edit freely."));
    g_string_append(t, "\n# ");
    g_string_append_printf(t, _("Run it with the action \"macro %s\", a key bound to it in guestos.conf"),
                           rec->name);
    g_string_append(t, "\n# ");
    g_string_append(t, _("([keys] F6 = macro NAME), or \"guestos batch FILE\"."));
    g_string_append_c(t, '\n');
    g_free(user);
    g_free(when);
    for (guint i = 0; i < rec->lines->len; i++) {
        g_string_append(t, g_ptr_array_index(rec->lines, i));
        g_string_append_c(t, '\n');
    }
    return g_string_free(t, FALSE);
}

int gos_macro_rec_save(const gos_macro_rec *rec, char **path_out, char **err)
{
    int rc = -1;
    char *dir = gos_macro_dir();
    char *path = gos_macro_path(rec->name, err);
    char *text = NULL;
    GError *gerr = NULL;
    if (!path)
        goto cleanup;
    /* Macros say which VMs to act on: only their owner reads them. */
    if (g_mkdir_with_parents(dir, 0700) < 0 || g_chmod(dir, 0700) < 0) {
        if (err)
            *err = g_strdup_printf(_("Cannot create the macros folder %s: %s."), dir, g_strerror(errno));
        goto cleanup;
    }
    text = gos_macro_rec_text(rec);
    if (!g_file_set_contents_full(path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                  0600, &gerr)) {
        if (err)
            *err = g_strdup_printf(_("Cannot write the macro file %s: %s."), path, gerr->message);
        g_error_free(gerr);
        goto cleanup;
    }
    if (path_out) {
        *path_out = path;
        path = NULL;
    }
    rc = 0;
cleanup:
    g_free(text);
    g_free(path);
    g_free(dir);
    return rc;
}
