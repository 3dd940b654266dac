/* SPDX-License-Identifier: GPL-2.0-or-later */
/* guestos.conf: every group and key checked with its line, then read with GKeyFile; [keys] goes to the keymap. */
#include <config.h>

#include <string.h>

#include <glib.h>

#include "base/i18n.h"
#include "db/audit.h"
#include "tui/config.h"
#include "tui/keymap.h"

/* The groups and their keys; [keys] takes any key name (tui/keyconf.c checks them). */
static const struct {
    const char *group;
    const char *keys[4];
} known[] = {
    { "hosts", { "uris", NULL } },
    { "audit", { "path", "forward", NULL } },
    { "console", { "mouse", "columns", NULL } },
    { "keys", { NULL } },
};

static int group_index(const char *name)
{
    for (size_t i = 0; i < G_N_ELEMENTS(known); i++)
        if (!strcmp(name, known[i].group))
            return (int)i;
    return -1;
}

static bool key_known(int g, const char *key)
{
    for (size_t k = 0; known[g].keys[k]; k++)
        if (!strcmp(key, known[g].keys[k]))
            return true;
    return false;
}

/* The line of key in group, for messages about its value; 0 when not found. */
static int line_of(char **lines, const char *group, const char *key)
{
    const char *cur = NULL;
    char *gl = g_strdup_printf("[%s]", group);
    int found = 0;
    for (int i = 0; lines[i]; i++) {
        char *l = g_strstrip(g_strdup(lines[i]));
        if (*l == '[')
            cur = !strcmp(l, gl) ? group : NULL;
        else if (cur && *l && *l != '#') {
            char *eq = strchr(l, '=');
            if (eq) {
                *eq = '\0';
                if (!strcmp(g_strstrip(l), key))
                    found = i + 1;
            }
        }
        g_free(l);
    }
    g_free(gl);
    return found;
}

/* Every group and every key is one guestos reads: a sentence naming FILE:LINE, or NULL. */
static char *check_names(char **lines, const char *file)
{
    int g = -1;
    for (int i = 0; lines[i]; i++) {
        char *l = g_strstrip(g_strdup(lines[i]));
        char *msg = NULL;
        size_t len = strlen(l);
        if (!*l || *l == '#') {
            /* blank or comment */
        } else if (*l == '[') {
            char *name = len > 2 && l[len - 1] == ']' ? g_strndup(l + 1, len - 2) : NULL;
            g = name ? group_index(name) : -1;
            if (g < 0)
                /* TRANSLATORS: %1$s:%2$d: file and line; %3$s: the group as written; keep the group names. */
                msg = g_strdup_printf(_("%1$s:%2$d: %3$s is not a group of guestos.conf: use [hosts], [audit], "
                                        "[console] or [keys]."), file, i + 1, l);
            g_free(name);
        } else if (g < 0) {
            /* TRANSLATORS: %1$s:%2$d: file and line. */
            msg = g_strdup_printf(_("%1$s:%2$d: this line is in no group: put it under [hosts], [audit], [console] or "
                                    "[keys]."), file, i + 1);
        } else if (strcmp(known[g].group, "keys")) {
            char *eq = strchr(l, '=');
            char *key = eq ? g_strstrip(g_strndup(l, (gsize)(eq - l))) : NULL;
            if (!key) {
                msg = g_strdup_printf(_("%1$s:%2$d: a line of [%3$s] reads KEY = VALUE."), file, i + 1,
                                      known[g].group);
            } else if (!key_known(g, key)) {
                GString *keys = g_string_new(NULL);
                for (size_t k = 0; known[g].keys[k]; k++)
                    g_string_append_printf(keys, "%s%s", k ? ", " : "", known[g].keys[k]);
                /* TRANSLATORS: %1$s:%2$d: file and line; %3$s a group; %4$s what was written; %5$s the keys it has. */
                msg = g_strdup_printf(_("%1$s:%2$d: [%3$s] has no key '%4$s': it has %5$s."), file, i + 1,
                                      known[g].group, key, keys->str);
                g_string_free(keys, TRUE);
            }
            g_free(key);
        }
        g_free(l);
        if (msg)
            return msg;
    }
    return NULL;
}

int gos_config_load(gos_cli *cli, const char *path, GPtrArray *uris, gos_config *conf)
{
    memset(conf, 0, sizeof *conf);
    conf->mouse = true;
    bool explicit_path = path != NULL;
    char *def = NULL;
    if (!path) {
        def = g_build_filename(g_get_user_config_dir(), "guestos", "guestos.conf", NULL);
        path = def;
    }
    int rc = 0;
    char *text = NULL, *msg = NULL;
    char **lines = NULL;
    GKeyFile *kf = g_key_file_new();
    GError *gerr = NULL;
    if (!g_file_get_contents(path, &text, NULL, &gerr)) {
        if (explicit_path || !g_error_matches(gerr, G_FILE_ERROR, G_FILE_ERROR_NOENT))
            rc = gos_cli_fail(cli, _("Cannot read the configuration file %s: %s"), path, gerr->message);
        g_error_free(gerr);
        goto out;
    }
    lines = g_strsplit(text, "\n", -1);
    if ((msg = check_names(lines, path)) != NULL) {
        rc = gos_cli_fail(cli, "%s", msg);
        goto out;
    }
    if (!g_key_file_load_from_data(kf, text, (gsize)-1, G_KEY_FILE_NONE, &gerr)) {
        rc = gos_cli_fail(cli, _("Cannot read the configuration file %s: %s"), path, gerr->message);
        g_error_free(gerr);
        goto out;
    }
    if (uris->len == 0) {
        gsize n = 0;
        char **list = g_key_file_get_string_list(kf, "hosts", "uris", &n, NULL);
        for (gsize i = 0; list && i < n; i++)
            if (*g_strstrip(list[i]))
                g_ptr_array_add(uris, g_strdup(list[i]));
        g_strfreev(list);
    }
    if (!cli->audit_db)
        cli->audit_db = g_key_file_get_string(kf, "audit", "path", NULL);
    char *forward = g_key_file_get_string(kf, "audit", "forward", NULL);
    if (forward) {
        gos_audit_forward mode;
        char *ferr = NULL;
        int bad = gos_audit_forward_parse(g_strstrip(forward), &mode, &ferr);
        g_free(forward);
        if (bad < 0) {
            /* TRANSLATORS: %1$s:%2$d: file and line, then why the value is wrong. */
            rc = gos_cli_fail(cli, _("%1$s:%2$d: [audit] forward: %3$s"), path, line_of(lines, "audit", "forward"),
                              ferr);
            free(ferr);
            goto out;
        }
        cli->forward = (int)mode;
    }
    if (g_key_file_has_key(kf, "console", "mouse", NULL)) {
        conf->mouse = g_key_file_get_boolean(kf, "console", "mouse", &gerr);
        if (gerr) {
            g_error_free(gerr);
            gerr = NULL;
            /* TRANSLATORS: %1$s:%2$d: file and line; keep true and false as they are. */
            rc = gos_cli_fail(cli, _("%1$s:%2$d: mouse is true or false."), path, line_of(lines, "console", "mouse"));
            goto out;
        }
    }
    char *cols = g_key_file_get_string(kf, "console", "columns", NULL);
    if (cols) {
        char **words = g_strsplit_set(g_strstrip(cols), " \t,", -1);
        GPtrArray *w = g_ptr_array_new();
        for (char **p = words; *p; p++)
            if (**p)
                g_ptr_array_add(w, *p);
        char *why = NULL;
        if (gos_columns_parse((int)w->len, (char *const *)w->pdata, NULL, 0, &conf->columns, &conf->n_columns,
                              &why) < 0)
            rc = gos_cli_fail(cli, "%s:%d: %s", path, line_of(lines, "console", "columns"), why);
        g_free(why);
        g_ptr_array_free(w, TRUE);
        g_strfreev(words);
        g_free(cols);
        if (rc)
            goto out;
    }
    /* [keys] is read again by the keymap, which names the line of a mistake;
     * a bad binding stops every command, before any terminal is taken over. */
    char *kerr = NULL;
    if (gos_keymap_configure(text, path, &kerr) < 0) {
        rc = gos_cli_fail(cli, "%s", kerr);
        g_free(kerr);
    }
out:
    g_free(msg);
    g_strfreev(lines);
    g_free(text);
    g_key_file_free(kf);
    g_free(def);
    return rc;
}

void gos_config_clear(gos_config *conf)
{
    g_free(conf->columns);
    conf->columns = NULL;
    conf->n_columns = 0;
}
