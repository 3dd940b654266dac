/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The action-line language of macros and batch files: parsing and formatting. */
#include <config.h>

#include <string.h>

#include <glib.h>

#include "core/actions.h"
#include "base/i18n.h"

/* Splits one line into words. Double quotes group, backslash escapes " and \
 * inside them, # outside quotes starts a comment. Returns 0, or -1 with *col
 * at the offending column (1-based) and *why set. */
static int split_words(const char *line, GPtrArray *words, int *col, const char **why)
{
    const char *p = line;
    while (*p) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p || *p == '#')
            break;
        GString *w = g_string_new(NULL);
        if (*p == '"') {
            const char *start = p++;
            while (*p && *p != '"') {
                if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
                    p++;
                g_string_append_c(w, *p++);
            }
            if (*p != '"') {
                *col = (int)(start - line) + 1;
                *why = _("unterminated quote");
                g_string_free(w, TRUE);
                return -1;
            }
            p++;
            if (*p && *p != ' ' && *p != '\t' && *p != '#') {
                *col = (int)(p - line) + 1;
                *why = _("a blank must follow a closing quote");
                g_string_free(w, TRUE);
                return -1;
            }
        } else {
            while (*p && *p != ' ' && *p != '\t') {
                if (*p == '"') {
                    *col = (int)(p - line) + 1;
                    *why = _("a quote inside a word");
                    g_string_free(w, TRUE);
                    return -1;
                }
                g_string_append_c(w, *p++);
            }
        }
        if ((unsigned char)w->str[0] < 0x20 && w->len) {
            *col = (int)(p - line);
            *why = _("a control character");
            g_string_free(w, TRUE);
            return -1;
        }
        g_ptr_array_add(words, g_string_free(w, FALSE));
    }
    return 0;
}

static int parse_line(const char *line, gos_cmd *out, int *col, char **why_out)
{
    GPtrArray *words = g_ptr_array_new_with_free_func(g_free);
    const char *why = NULL;
    *col = 1;
    if (split_words(line, words, col, &why) < 0) {
        *why_out = g_strdup(why);
        g_ptr_array_free(words, TRUE);
        return -1;
    }
    if (words->len == 0) {
        g_ptr_array_free(words, TRUE);
        return 1;   /* blank or comment */
    }
    const char *name = g_ptr_array_index(words, 0);
    const gos_action *a = gos_action_find(name);
    while (*line == ' ' || *line == '\t') {
        line++;
        (*col)++;
    }
    if (!a) {
        *why_out = g_strdup_printf(_("unknown action '%s'"), name);
        g_ptr_array_free(words, TRUE);
        return -1;
    }
    int argc = (int)words->len - 1;
    if (argc < a->min_args || argc > a->max_args) {
        *why_out = a->args[0] ? g_strdup_printf(_("%s takes %s"), a->name, a->args)
                              : g_strdup_printf(_("%s takes no arguments"), a->name);
        g_ptr_array_free(words, TRUE);
        return -1;
    }
    out->action = a;
    out->argc = argc;
    out->argv = g_new0(char *, argc + 1);
    for (int i = 0; i < argc; i++)
        out->argv[i] = g_strdup(g_ptr_array_index(words, i + 1));
    g_ptr_array_free(words, TRUE);
    return 0;
}

int gos_cmd_parse(const char *line, gos_cmd *out, char **err)
{
    gos_cmd cmd = { 0 };
    int col = 1;
    char *why = NULL;
    int rc = parse_line(line, &cmd, &col, &why);
    if (rc != 0) {
        if (err)
            *err = rc < 0 ? g_strdup_printf(_("column %d: %s"), col, why) : g_strdup(_("empty action line"));
        g_free(why);
        return -1;
    }
    cmd.line = 1;
    cmd.col = col;
    *out = cmd;
    return 0;
}

void gos_cmd_clear(gos_cmd *cmd)
{
    if (!cmd)
        return;
    g_strfreev(cmd->argv);
    memset(cmd, 0, sizeof *cmd);
}

int gos_script_parse(const char *text, const char *file, gos_script **out, char **err)
{
    if (!g_utf8_validate(text, -1, NULL)) {
        if (err)
            *err = g_strdup_printf(_("%s: the file is not valid UTF-8 text"), file);
        return -1;
    }
    gos_script *sc = g_new0(gos_script, 1);
    sc->file = g_strdup(file);
    GArray *cmds = g_array_new(FALSE, TRUE, sizeof(gos_cmd));
    char **lines = g_strsplit(text, "\n", -1);
    int rc = 0;
    for (int i = 0; lines[i]; i++) {
        char *l = lines[i];
        size_t len = strlen(l);
        if (len && l[len - 1] == '\r')
            l[len - 1] = '\0';
        gos_cmd cmd = { 0 };
        int col = 1;
        char *why = NULL;
        int r = parse_line(l, &cmd, &col, &why);
        if (r < 0) {
            if (err)
                *err = g_strdup_printf("%s:%d:%d: %s", file, i + 1, col, why);
            g_free(why);
            rc = -1;
            break;
        }
        if (r == 0) {
            cmd.line = i + 1;
            cmd.col = col;
            g_array_append_val(cmds, cmd);
        }
    }
    g_strfreev(lines);
    sc->n = cmds->len;
    sc->cmds = (gos_cmd *)g_array_free(cmds, FALSE);
    if (rc < 0) {
        gos_script_free(sc);
        return -1;
    }
    *out = sc;
    return 0;
}

void gos_script_free(gos_script *sc)
{
    if (!sc)
        return;
    for (size_t i = 0; i < sc->n; i++)
        gos_cmd_clear(&sc->cmds[i]);
    g_free(sc->cmds);
    g_free(sc->file);
    g_free(sc);
}

static bool needs_quotes(const char *w)
{
    if (!*w)
        return true;
    for (const char *p = w; *p; p++)
        if (*p == ' ' || *p == '\t' || *p == '"' || *p == '#' || *p == '\\')
            return true;
    return false;
}

char *gos_cmd_format(const gos_cmd *cmd)
{
    GString *s = g_string_new(cmd->action->name);
    for (int i = 0; i < cmd->argc; i++) {
        g_string_append_c(s, ' ');
        const char *w = cmd->argv[i];
        if (!needs_quotes(w)) {
            g_string_append(s, w);
            continue;
        }
        g_string_append_c(s, '"');
        for (const char *p = w; *p; p++) {
            if (*p == '"' || *p == '\\')
                g_string_append_c(s, '\\');
            g_string_append_c(s, *p);
        }
        g_string_append_c(s, '"');
    }
    return g_string_free(s, FALSE);
}
