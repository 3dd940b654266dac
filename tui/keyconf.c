/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Key bindings from the [keys] group of guestos.conf, checked line by line so that errors name FILE:LINE. */
#include <config.h>

#include <glib.h>
#include <string.h>

#include "core/actions.h"
#include "base/i18n.h"
#include "core/macro.h"
#include "tui/keymap.h"

/* GKeyFile reads the same file for the other groups, but it keeps no line
 * numbers and silently lets a later line replace an earlier one: the [keys]
 * group is read here, in the same syntax, to say exactly which line is wrong. */

static void bindings_clear(gpointer data)
{
    gos_key_binding *b = data;
    g_free(b->line);
}

void gos_key_bindings_free(GArray *bindings)
{
    if (bindings)
        g_array_free(bindings, TRUE);
}

/* Checks one "KEY = VALUE" line; returns a translated sentence on error. */
static char *check_line(const char *file, int lineno, const char *key_text, const char *value, GArray *binds,
                        int *key_out)
{
    int key = gos_key_parse(key_text);
    if (key < 0)
        /* TRANSLATORS: %s:%d: file and line; %s: what was written as a key name. */
        return g_strdup_printf(_("%s:%d: '%s' is not a key name; use F1 to F12, a letter, C-x, Space, Enter, Tab, "
                                 "Esc, Up, Down, Left, Right, PgUp, PgDn, Home or End."),
                               file, lineno, key_text);
    for (guint i = 0; i < binds->len; i++) {
        const gos_key_binding *b = &g_array_index(binds, gos_key_binding, i);
        if (b->key == key) {
            char name[32];
            /* TRANSLATORS: %s:%d: file and line; %s: a key name; %d: the line where it was bound first. */
            return g_strdup_printf(_("%s:%d: the key %s is bound a second time (first on line %d)."), file, lineno,
                                   gos_key_format(key, name, sizeof name), b->lineno);
        }
    }
    if (*value) {
        gos_cmd cmd;
        char *why = NULL;
        if (gos_cmd_parse(value, &cmd, &why) < 0) {
            /* TRANSLATORS: %s:%d: file and line; %s: the text after '='; %s: why it does not parse. */
            char *msg = g_strdup_printf(_("%s:%d: \"%s\" is not an action line: %s"), file, lineno, value,
                                        why ? why : "");
            g_free(why);
            return msg;
        }
        const char *name = cmd.action->name;
        if ((!strcmp(name, "macro") || !strcmp(name, "record")) && cmd.argc >= 1) {
            char *path = gos_macro_path(cmd.argv[0], &why);
            if (!path) {
                char *msg = g_strdup_printf("%s:%d: %s", file, lineno, why);
                g_free(why);
                gos_cmd_clear(&cmd);
                return msg;
            }
            g_free(path);
        }
        gos_cmd_clear(&cmd);
    }
    *key_out = key;
    return NULL;
}

int gos_keyconf_parse(const char *text, const char *file, GArray **out, char **err)
{
    GArray *binds = g_array_new(FALSE, TRUE, sizeof(gos_key_binding));
    g_array_set_clear_func(binds, bindings_clear);
    char **lines = g_strsplit(text, "\n", -1);
    bool in_keys = false;
    char *msg = NULL;
    for (int i = 0; lines[i] && !msg; i++) {
        char *l = g_strstrip(lines[i]);
        if (!*l || *l == '#')
            continue;
        if (*l == '[') {
            in_keys = strcmp(l, "[keys]") == 0;
            continue;
        }
        if (!in_keys)
            continue;
        char *eq = strchr(l, '=');
        if (!eq) {
            /* TRANSLATORS: %s:%d: file and line; keep [keys] as it is. */
            msg = g_strdup_printf(_("%s:%d: a line of the [keys] group reads KEY = ACTION LINE."), file, i + 1);
            break;
        }
        *eq = '\0';
        char *key_text = g_strstrip(l);
        char *value = g_strstrip(eq + 1);
        int key = -1;
        msg = check_line(file, i + 1, key_text, value, binds, &key);
        if (!msg) {
            gos_key_binding b = { .key = key, .line = g_strdup(value), .lineno = i + 1 };
            g_array_append_val(binds, b);
        }
    }
    g_strfreev(lines);
    if (msg) {
        g_array_free(binds, TRUE);
        if (err)
            *err = msg;
        else
            g_free(msg);
        return -1;
    }
    *out = binds;
    return 0;
}

int gos_keymap_configure(const char *text, const char *file, char **err)
{
    GArray *binds = NULL;
    if (gos_keyconf_parse(text, file, &binds, err) < 0)
        return -1;
    gos_keymap_apply(&g_array_index(binds, gos_key_binding, 0), binds->len);
    gos_key_bindings_free(binds);
    return 0;
}
