/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The help screen, generated from the keymaps and the action table so that it cannot drift from them. */
#include <config.h>

#include <glib.h>
#include <string.h>

#include "core/actions.h"
#include "base/i18n.h"
#include "tui/view.h"

/* Columns: keys, action line, help text. */
#define KEYS_X 2
#define LINE_X 16
#define HELP_X 36

/* One row per distinct action line of a table, with all its keys. */
static void add_table(gos_lines *l, gos_key_context ctx)
{
    size_t n;
    const gos_binding *b = gos_keymap_table(ctx, &n);
    if (n == 0)
        return;
    gos_lines_text(l, GOS_ROLE_HEADER, 0, gos_keymap_context_label(ctx));
    bool *done = g_new0(bool, n);
    for (size_t i = 0; i < n; i++) {
        if (done[i])
            continue;
        char *line = gos_binding_describe(&b[i]);
        GString *keys = g_string_new(NULL);
        for (size_t j = i; j < n; j++) {
            if (done[j])
                continue;
            char *other = gos_binding_describe(&b[j]);
            bool same = b[j].kind == b[i].kind && strcmp(other, line) == 0;
            g_free(other);
            if (!same)
                continue;
            done[j] = true;
            char buf[32];
            const char *name = gos_key_name(b[j].key, buf, sizeof buf);
            /* Enter arrives as CR, LF or KEY_ENTER: name it once. */
            bool dup = false;
            gchar **parts = g_strsplit(keys->str, ", ", -1);
            for (gchar **p = parts; *p && !dup; p++)
                dup = strcmp(*p, name) == 0;
            g_strfreev(parts);
            if (!dup)
                g_string_append_printf(keys, "%s%s", keys->len ? ", " : "", name);
        }
        const char *help = gos_binding_help(&b[i]);
        if (gos_text_width(line) >= HELP_X - LINE_X) {
            gos_lines_add(l, GOS_ROLE_HINT_KEY, KEYS_X, keys->str, GOS_ROLE_NORMAL, LINE_X, line,
                          GOS_ROLE_NORMAL, -1, NULL);
            gos_lines_text(l, GOS_ROLE_NORMAL, HELP_X, help);
        } else {
            gos_lines_add(l, GOS_ROLE_HINT_KEY, KEYS_X, keys->str, GOS_ROLE_NORMAL, LINE_X, line,
                          GOS_ROLE_NORMAL, HELP_X, help);
        }
        g_string_free(keys, TRUE);
        g_free(line);
    }
    g_free(done);
    gos_lines_blank(l);
}

static void add_actions(gos_lines *l)
{
    gos_lines_text(l, GOS_ROLE_HEADER, 0, _("Actions (for key bindings, macros and batch files)"));
    size_t n = gos_action_count();
    for (size_t i = 0; i < n; i++) {
        const gos_action *a = gos_action_at(i);
        char *synopsis = a->args && *a->args ? g_strdup_printf("%s %s", a->name, a->args) : g_strdup(a->name);
        const char *help = a->help ? _(a->help) : "";
        gos_role role = a->flags & GOS_ACT_DESTRUCTIVE ? GOS_ROLE_WARN : GOS_ROLE_NORMAL;
        if (gos_text_width(synopsis) >= HELP_X - KEYS_X) {
            gos_lines_text(l, role, KEYS_X, synopsis);
            gos_lines_text(l, GOS_ROLE_NORMAL, HELP_X, help);
        } else {
            gos_lines_add(l, role, KEYS_X, synopsis, GOS_ROLE_NORMAL, HELP_X, help, GOS_ROLE_NORMAL, -1, NULL);
        }
        g_free(synopsis);
    }
}

void gos_view_help_draw(WINDOW *w, gos_session *s)
{
    gos_page_pos *pos = gos_session_page_pos(s, GOS_VIEW_HELP);
    int width = getmaxx(w), height = getmaxy(w);
    gos_lines *l = gos_lines_new(width);

    gos_lines_text(l, GOS_ROLE_DIM, 0,
                   _("Every key runs an action line; macros and batch files (guestos batch FILE) "
                     "use the same lines. Highlighted actions change guests and ask first."));
    gos_lines_blank(l);

    static const gos_key_context order[] = {
        GOS_CTX_VMS, GOS_CTX_GLOBAL, GOS_CTX_DETAIL, GOS_CTX_TASKS, GOS_CTX_AUDIT, GOS_CTX_HELP, GOS_CTX_PLAY,
    };
    for (size_t i = 0; i < G_N_ELEMENTS(order); i++)
        add_table(l, order[i]);
    add_actions(l);

    /* Row 0 stays: the title, and where the page stands in the text. */
    int rows = height - 1;
    pos->rows = rows;
    pos->lines = (int)gos_lines_count(l);
    gos_lines_draw(l, w, 1, rows, &pos->top);
    attr_t h = gos_draw_attr(GOS_ROLE_HEADER);
    gos_draw_fill(w, 0, 0, width, h);
    /* TRANSLATORS: %s: the version number. */
    char *title = g_strdup_printf(_("guestos %s: keys and actions"), PACKAGE_VERSION);
    int last = MIN(pos->top + rows, pos->lines);
    char *where = pos->lines > rows
                      /* TRANSLATORS: the help's position: first and last line shown, all lines, percent. */
                      ? g_strdup_printf(_("lines %1$d-%2$d of %3$d (%4$d%%)"), pos->top + 1, last, pos->lines,
                                        pos->lines ? last * 100 / pos->lines : 100)
                      /* TRANSLATORS: the help when all of it fits. */
                      : g_strdup_printf(ngettext("all %d line", "all %d lines", pos->lines), pos->lines);
    int ww = gos_text_width(where) + 1;
    gos_draw_text_cut(w, 0, 0, width - ww - 1, h | A_BOLD, title);
    gos_draw_text_right(w, 0, width - ww, ww - 1, h, where);
    g_free(where);
    g_free(title);
    gos_lines_free(l);
}
