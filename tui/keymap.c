/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Key bindings: one table per context that binds keys to action lines of the action table. */
#include <config.h>

#include "tui/keymap.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "core/actions.h"
#include "core/i18n.h"
#include "tui/draw.h"

#define FN GOS_KEY_FN

/* Like htop and nano: arrows and j/k, PgUp/PgDn, Home/End, F1 help, F10 quit.
 * Destructive actions sit on shifted letters and the console asks before
 * running them (GOS_ACT_DESTRUCTIVE). The help screen lists bindings in
 * table order: the ones people look up first come first. */
static const gos_binding global_keys[] = {
    /* TRANSLATORS: hint-bar labels are one short word each. */
    { FN(KEY_F(1)), GOS_BIND_LINE, "help", N_("Help"), 1, true, NULL },
    { '?', GOS_BIND_LINE, "help", NULL, 0, false, NULL },
    { 'L', GOS_BIND_LINE, "logoff", N_("Logoff"), 10, false, NULL },
    { 'C', GOS_BIND_LINE, "cancel", N_("Cancel"), 60, false, NULL },
    { '\t', GOS_BIND_NEXT_VIEW, "view", N_("Views"), 40, false, NULL },
    { 't', GOS_BIND_LINE, "view tasks", NULL, 0, false, NULL },
    { 'a', GOS_BIND_LINE, "view audit", NULL, 0, false, NULL },
    { 'v', GOS_BIND_LINE, "view vms", NULL, 0, false, NULL },
    { FN(KEY_F(5)), GOS_BIND_LINE, "refresh", N_("Refresh"), 50, false, NULL },
    { GOS_KEY_CTRL('l'), GOS_BIND_REDRAW, "", NULL, 0, false, N_("Repaint the whole screen") },
    { FN(KEY_F(10)), GOS_BIND_LINE, "quit", N_("Quit"), 99, true, NULL },
    { 'q', GOS_BIND_LINE, "quit", NULL, 0, false, NULL },
    { FN(KEY_UP), GOS_BIND_LINE, "cursor-up", NULL, 0, false, NULL },
    { 'k', GOS_BIND_LINE, "cursor-up", NULL, 0, false, NULL },
    { FN(KEY_DOWN), GOS_BIND_LINE, "cursor-down", NULL, 0, false, NULL },
    { 'j', GOS_BIND_LINE, "cursor-down", NULL, 0, false, NULL },
    { FN(KEY_PPAGE), GOS_BIND_LINE, "page-up", NULL, 0, false, NULL },
    { FN(KEY_NPAGE), GOS_BIND_LINE, "page-down", NULL, 0, false, NULL },
    { FN(KEY_HOME), GOS_BIND_LINE, "cursor-home", NULL, 0, false, NULL },
    { FN(KEY_END), GOS_BIND_LINE, "cursor-end", NULL, 0, false, NULL },
};

static const gos_binding vms_keys[] = {
    { ' ', GOS_BIND_LINE, "mark", N_("Mark"), 5, false, NULL },
    { '+', GOS_BIND_LINE, "mark-all", NULL, 0, false, NULL },
    { '-', GOS_BIND_LINE, "unmark-all", NULL, 0, false, NULL },
    { '\r', GOS_BIND_LINE, "view detail", N_("Detail"), 30, false, NULL },
    { '\n', GOS_BIND_LINE, "view detail", NULL, 0, false, NULL },
    { FN(KEY_ENTER), GOS_BIND_LINE, "view detail", NULL, 0, false, NULL },
    /* TRANSLATORS: the prompt for a search text at the bottom of the screen. */
    { '/', GOS_BIND_PROMPT, "search", N_("Search"), 20, false, N_("Search: ") },
    /* TRANSLATORS: the prompt for filter expressions; keep the keys (state=, name=, ...) untranslated. */
    { 'f', GOS_BIND_PROMPT_WORDS, "filter", N_("Filter"), 21, false,
      N_("Filter (state=running name=GLOB agent=ok users=yes): ") },
    { 's', GOS_BIND_NEXT_SORT, "sort", N_("Sort"), 22, false, NULL },
    { 'h', GOS_BIND_LINE, "history", N_("History"), 25, false, NULL },
};

static const gos_binding tasks_keys[] = {
    { GOS_KEY_ESC, GOS_BIND_LINE, "back", N_("Back"), 35, false, NULL },
};

static const gos_binding audit_keys[] = {
    { GOS_KEY_ESC, GOS_BIND_LINE, "back", N_("Back"), 35, false, NULL },
    { '\r', GOS_BIND_LINE, "audit-detail", N_("Detail"), 30, false, NULL },
    { '\n', GOS_BIND_LINE, "audit-detail", NULL, 0, false, NULL },
    { FN(KEY_ENTER), GOS_BIND_LINE, "audit-detail", NULL, 0, false, NULL },
    /* TRANSLATORS: the prompt for the audit filter; keep the option names and values untranslated. */
    { 'f', GOS_BIND_PROMPT_WORDS, "audit-filter", N_("Filter"), 21, false,
      N_("Audit filter, e.g. --vm web1 --result TimeOutError: ") },
    { '/', GOS_BIND_PROMPT, "audit-search", N_("Search"), 20, false, N_("Search: ") },
};

static const gos_binding detail_keys[] = {
    { GOS_KEY_ESC, GOS_BIND_LINE, "back", N_("Back"), 35, false, NULL },
    { '\r', GOS_BIND_LINE, "back", NULL, 0, false, NULL },
    { ' ', GOS_BIND_LINE, "mark", N_("Mark"), 5, false, NULL },
};

static const gos_binding help_keys[] = {
    { GOS_KEY_ESC, GOS_BIND_LINE, "back", N_("Back"), 35, false, NULL },
    { '\r', GOS_BIND_LINE, "back", NULL, 0, false, NULL },
};

static const struct {
    const gos_binding *keys;
    size_t n;
    const char *label;
} tables[GOS_CTX_N] = {
    [GOS_CTX_GLOBAL] = { global_keys, G_N_ELEMENTS(global_keys), N_("Keys in every view") },
    [GOS_CTX_VMS] = { vms_keys, G_N_ELEMENTS(vms_keys), N_("Keys in the VM list") },
    [GOS_CTX_TASKS] = { tasks_keys, G_N_ELEMENTS(tasks_keys), N_("Keys in the task list") },
    [GOS_CTX_AUDIT] = { audit_keys, G_N_ELEMENTS(audit_keys), N_("Keys in the audit log") },
    [GOS_CTX_DETAIL] = { detail_keys, G_N_ELEMENTS(detail_keys), N_("Keys in the VM detail") },
    [GOS_CTX_HELP] = { help_keys, G_N_ELEMENTS(help_keys), N_("Keys in this help") },
};

const gos_binding *gos_keymap_table(gos_key_context ctx, size_t *n)
{
    if ((unsigned)ctx >= GOS_CTX_N) {
        *n = 0;
        return NULL;
    }
    *n = tables[ctx].n;
    return tables[ctx].keys;
}

const gos_binding *gos_keymap_lookup(gos_key_context ctx, int key)
{
    gos_key_context order[2] = { ctx, GOS_CTX_GLOBAL };
    for (int t = 0; t < 2; t++) {
        if ((unsigned)order[t] >= GOS_CTX_N)
            continue;
        for (size_t i = 0; i < tables[order[t]].n; i++)
            if (tables[order[t]].keys[i].key == key)
                return &tables[order[t]].keys[i];
    }
    return NULL;
}

gos_key_context gos_keymap_context(gos_view view)
{
    switch (view) {
    case GOS_VIEW_VMS: return GOS_CTX_VMS;
    case GOS_VIEW_TASKS: return GOS_CTX_TASKS;
    case GOS_VIEW_AUDIT: return GOS_CTX_AUDIT;
    case GOS_VIEW_DETAIL: return GOS_CTX_DETAIL;
    case GOS_VIEW_HELP: return GOS_CTX_HELP;
    }
    return GOS_CTX_VMS;
}

const char *gos_keymap_context_label(gos_key_context ctx)
{
    return (unsigned)ctx < GOS_CTX_N ? _(tables[ctx].label) : "";
}

const char *gos_key_name(int key, char *buf, size_t len)
{
    const char *name = NULL;
    if (GOS_KEY_IS_FN(key)) {
        int k = key & ~0x40000000;
        if (k >= KEY_F(1) && k <= KEY_F(24)) {
            snprintf(buf, len, "F%d", k - KEY_F0);
            return buf;
        }
        switch (k) {
        /* TRANSLATORS: names of keys on the help screen and in the hint bar; keep them short. */
        case KEY_UP: name = _("Up"); break;
        case KEY_DOWN: name = _("Down"); break;
        case KEY_LEFT: name = _("Left"); break;
        case KEY_RIGHT: name = _("Right"); break;
        case KEY_PPAGE: name = _("PgUp"); break;
        case KEY_NPAGE: name = _("PgDn"); break;
        case KEY_HOME: name = _("Home"); break;
        case KEY_END: name = _("End"); break;
        case KEY_ENTER: name = _("Enter"); break;
        case KEY_BACKSPACE: name = _("Backspace"); break;
        case KEY_DC: name = _("Del"); break;
        default:
            snprintf(buf, len, "#%d", k);
            return buf;
        }
    } else {
        switch (key) {
        case ' ': name = _("Space"); break;
        case '\t': name = _("Tab"); break;
        case '\r': case '\n': name = _("Enter"); break;
        case GOS_KEY_ESC: name = _("Esc"); break;
        case 127: name = _("Backspace"); break;
        default:
            if (key > 0 && key < 32) {
                snprintf(buf, len, "^%c", key + '@');
                return buf;
            }
            /* A character: its UTF-8 form, like every other text on screen. */
            {
                char mb[8];
                int n = g_unichar_to_utf8((gunichar)key, mb);
                mb[n] = '\0';
                snprintf(buf, len, "%s", mb);
            }
            return buf;
        }
    }
    snprintf(buf, len, "%s", name);
    return buf;
}

/* The first word of an action line: the action's name. */
static char *line_action_name(const char *line)
{
    while (*line == ' ')
        line++;
    size_t n = strcspn(line, " \t");
    return g_strndup(line, n);
}

char *gos_binding_describe(const gos_binding *b)
{
    const gos_action *a;
    switch (b->kind) {
    case GOS_BIND_LINE:
        return g_strdup(b->line);
    case GOS_BIND_PROMPT:
    case GOS_BIND_PROMPT_WORDS:
        a = gos_action_find(b->line);
        return g_strdup_printf("%s %s", b->line, a && a->args ? a->args : "TEXT");
    case GOS_BIND_NEXT_VIEW:
        return g_strdup_printf("%s vms|tasks|audit", b->line);
    case GOS_BIND_NEXT_SORT:
        return g_strdup_printf("%s name|host|state|agent|users", b->line);
    case GOS_BIND_REDRAW:
        return g_strdup("");
    }
    return g_strdup("");
}

const char *gos_binding_help(const gos_binding *b)
{
    if (b->kind == GOS_BIND_REDRAW)
        return b->text ? _(b->text) : "";
    char *name = line_action_name(b->line);
    const gos_action *a = gos_action_find(name);
    g_free(name);
    return a && a->help ? _(a->help) : "";
}

char *gos_binding_next_line(const gos_binding *b, gos_session *s)
{
    if (b->kind == GOS_BIND_NEXT_VIEW) {
        /* Tab walks the three lists; from detail or help it returns to the VMs. */
        const char *next;
        switch (gos_session_view(s)) {
        case GOS_VIEW_VMS: next = "tasks"; break;
        case GOS_VIEW_TASKS: next = "audit"; break;
        default: next = "vms"; break;
        }
        return g_strdup_printf("%s %s", b->line, next);
    }
    if (b->kind == GOS_BIND_NEXT_SORT) {
        static const char *const keys[GOS_SORT_N] = { "name", "host", "state", "agent", "users" };
        bool desc = false;
        gos_sort cur = gos_session_sort(s, &desc);
        unsigned next = ((unsigned)cur + 1) % GOS_SORT_N;
        return g_strdup_printf("%s %s", b->line, keys[next]);
    }
    return g_strdup(b->line);
}

int gos_keymap_check(char **err)
{
    for (int t = 0; t < GOS_CTX_N; t++) {
        for (size_t i = 0; i < tables[t].n; i++) {
            const gos_binding *b = &tables[t].keys[i];
            char keybuf[32];
            if (b->kind == GOS_BIND_REDRAW)
                continue;
            if (b->kind == GOS_BIND_LINE) {
                gos_cmd cmd;
                char *perr = NULL;
                if (gos_cmd_parse(b->line, &cmd, &perr) < 0) {
                    /* TRANSLATORS: %s: a key name; %s: its action line; %s: the parser's sentence. */
                    *err = g_strdup_printf(_("The key %s is bound to \"%s\", which does not parse: %s"),
                                           gos_key_name(b->key, keybuf, sizeof keybuf), b->line,
                                           perr ? perr : "");
                    g_free(perr);
                    return -1;
                }
                gos_cmd_clear(&cmd);
                continue;
            }
            if (!gos_action_find(b->line)) {
                /* TRANSLATORS: %s: a key name; %s: an action name. */
                *err = g_strdup_printf(_("The key %s is bound to the unknown action \"%s\"."),
                                       gos_key_name(b->key, keybuf, sizeof keybuf), b->line);
                return -1;
            }
        }
    }
    return 0;
}
