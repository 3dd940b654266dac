/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Key bindings: one table per context that binds keys to action lines of the action table. */
#include <config.h>

#include "tui/keymap.h"

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/actions.h"
#include "base/i18n.h"
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
    /* Ranked before History so that the way to start a macro shows at 80 columns. */
    { 'R', GOS_BIND_LINE, "record", N_("Record"), 23, false, NULL },
    /* TRANSLATORS: the prompt for a whole action line ("select web*", "wait 60"). */
    { ':', GOS_BIND_COMMAND, "", NULL, 0, false, N_("Action: ") },
    { '\t', GOS_BIND_LINE, "view next", N_("Views"), 40, false, NULL },
    { 't', GOS_BIND_LINE, "view tasks", NULL, 0, false, NULL },
    { 'a', GOS_BIND_LINE, "view audit", NULL, 0, false, NULL },
    { 'v', GOS_BIND_LINE, "view vms", NULL, 0, false, NULL },
    { FN(KEY_F(5)), GOS_BIND_LINE, "refresh", N_("Refresh"), 50, false, NULL },
    { GOS_KEY_CTRL('l'), GOS_BIND_LINE, "redraw", NULL, 0, false, NULL },
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
    /* less's and vi's, for terminals whose Home, End and page keys do not
     * reach us (a vt100 has none). */
    { 'g', GOS_BIND_LINE, "cursor-home", NULL, 0, false, NULL },
    { 'G', GOS_BIND_LINE, "cursor-end", NULL, 0, false, NULL },
    { GOS_KEY_CTRL('b'), GOS_BIND_LINE, "page-up", NULL, 0, false, NULL },
    { GOS_KEY_CTRL('f'), GOS_BIND_LINE, "page-down", NULL, 0, false, NULL },
};

static const gos_binding vms_keys[] = {
    { ' ', GOS_BIND_LINE, "mark", N_("Mark"), 5, false, NULL },
    { '+', GOS_BIND_LINE, "mark-all", NULL, 0, false, NULL },
    { '-', GOS_BIND_LINE, "unmark-all", NULL, 0, false, NULL },
    /* Enter also arrives as LF or KEY_ENTER: gos_key_canon makes them CR. */
    { '\r', GOS_BIND_LINE, "view detail", N_("Detail"), 30, false, NULL },
    /* TRANSLATORS: the prompt for a search text at the bottom of the screen. */
    { '/', GOS_BIND_PROMPT, "search", N_("Search"), 20, false, N_("Search: ") },
    /* TRANSLATORS: the prompt for filter expressions; keep the keys (state=, name=, ...) untranslated. */
    { 'f', GOS_BIND_PROMPT_WORDS, "filter", N_("Filter"), 21, false,
      N_("Filter (state=running name=GLOB agent=ok users=yes): ") },
    { 's', GOS_BIND_LINE, "sort next", N_("Sort"), 22, false, NULL },
    /* htop's key for the other order. */
    { 'I', GOS_BIND_LINE, "sort reverse", NULL, 0, false, NULL },
    { 'h', GOS_BIND_LINE, "history", N_("History"), 25, false, NULL },
    { 'n', GOS_BIND_LINE, "show-name", NULL, 0, false, NULL },
    /* TRANSLATORS: the prompt for the VM list's columns; keep the column names and the syntax. */
    { 'c', GOS_BIND_PROMPT_WORDS, "columns", N_("Columns"), 45, false,
      N_("Columns (name:30 host state agent +ping -users): ") },
    { '>', GOS_BIND_LINE, "task-panel grow", NULL, 0, false, NULL },
    { '<', GOS_BIND_LINE, "task-panel shrink", NULL, 0, false, NULL },
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

/* While a macro plays or a `wait` waits. */
static const gos_binding play_keys[] = {
    /* TRANSLATORS: the hint while a macro runs, or a wait waits. */
    { GOS_KEY_ESC, GOS_BIND_LINE, "stop", N_("Stop"), 1, true, NULL },
    { GOS_KEY_CTRL('g'), GOS_BIND_LINE, "stop", NULL, 0, false, NULL },
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
    [GOS_CTX_PLAY] = { play_keys, G_N_ELEMENTS(play_keys), N_("Keys while a macro or a wait runs") },
};

/* --- the live tables: defaults with the configuration applied ------------- */

/* Hint rank of a configured macro key that replaces no hinted default. */
#define USER_MACRO_HINT_RANK 70

static GArray *live[GOS_CTX_N];     /* gos_binding */
static GPtrArray *live_strings;     /* what the configured bindings point into */

static const char *keep_string(char *s)
{
    g_ptr_array_add(live_strings, s);
    return s;
}

static bool bound_in(const gos_key_binding *b, size_t n, int key)
{
    for (size_t i = 0; i < n; i++)
        if (b[i].key == key)
            return true;
    return false;
}

/* The default a configured key replaces, the global one first. */
static const gos_binding *default_of(int key)
{
    static const gos_key_context order[] = { GOS_CTX_GLOBAL, GOS_CTX_VMS, GOS_CTX_TASKS,
                                             GOS_CTX_AUDIT, GOS_CTX_DETAIL, GOS_CTX_HELP, GOS_CTX_PLAY };
    for (size_t t = 0; t < G_N_ELEMENTS(order); t++)
        for (size_t i = 0; i < tables[order[t]].n; i++)
            if (gos_key_canon(tables[order[t]].keys[i].key) == key)
                return &tables[order[t]].keys[i];
    return NULL;
}

/* The first word of an action line: the action's name. */
static char *first_word(const char *line)
{
    while (*line == ' ' || *line == '\t')
        line++;
    return g_strndup(line, strcspn(line, " \t"));
}

/* A configured binding: its hint takes the place of the default it replaces,
 * under the default's label when it runs the same action; a macro key shows
 * the macro's name. */
static gos_binding user_binding(const gos_key_binding *u)
{
    gos_binding nb = { .key = u->key, .kind = GOS_BIND_LINE, .line = keep_string(g_strdup(u->line)) };
    const gos_binding *old = default_of(u->key);
    gos_cmd cmd;
    if (gos_cmd_parse(u->line, &cmd, NULL) < 0)
        return nb;
    char *old_action = old && old->kind == GOS_BIND_LINE ? first_word(old->line) : NULL;
    bool same = old_action && !strcmp(old_action, cmd.action->name);
    g_free(old_action);
    if (same && old->hint) {
        nb.hint = old->hint;
        nb.hint_rank = old->hint_rank;
        nb.hint_keep = old->hint_keep;
    } else if (!strcmp(cmd.action->name, "macro") && cmd.argc == 1) {
        nb.hint = keep_string(g_strdup(cmd.argv[0]));
        nb.hint_rank = old && old->hint ? old->hint_rank : USER_MACRO_HINT_RANK;
        nb.hint_keep = old && old->hint_keep;
    } else if (old && old->hint) {
        nb.hint = keep_string(g_strdup(cmd.action->name));
        nb.hint_rank = old->hint_rank;
        nb.hint_keep = old->hint_keep;
    }
    gos_cmd_clear(&cmd);
    return nb;
}

void gos_keymap_apply(const gos_key_binding *b, size_t n)
{
    if (live_strings)
        g_ptr_array_free(live_strings, TRUE);
    live_strings = g_ptr_array_new_with_free_func(g_free);
    for (int t = 0; t < GOS_CTX_N; t++) {
        if (live[t])
            g_array_set_size(live[t], 0);
        else
            live[t] = g_array_new(FALSE, TRUE, sizeof(gos_binding));
        /* Configured keys first, in the file's order: the help lists them first. */
        if (t == GOS_CTX_GLOBAL) {
            for (size_t i = 0; i < n; i++) {
                if (!b[i].line || !*b[i].line)
                    continue;
                gos_binding nb = user_binding(&b[i]);
                g_array_append_val(live[t], nb);
            }
        }
        for (size_t i = 0; i < tables[t].n; i++) {
            gos_binding d = tables[t].keys[i];
            d.key = gos_key_canon(d.key);
            /* Other spellings of a key already in the table (LF for Enter) are
             * found through gos_key_canon: one entry is enough. */
            bool seen = bound_in(b, n, d.key);
            for (guint j = 0; j < live[t]->len && !seen; j++)
                seen = g_array_index(live[t], gos_binding, j).key == d.key;
            if (!seen)
                g_array_append_val(live[t], d);
        }
    }
}

const char *gos_binding_hint(const gos_binding *b)
{
    if (!b->hint)
        return NULL;
    /* Names from the configuration are kept in live_strings, untranslated. */
    for (guint i = 0; live_strings && i < live_strings->len; i++)
        if (g_ptr_array_index(live_strings, i) == b->hint)
            return b->hint;
    return _(b->hint);
}

void gos_keymap_reset(void)
{
    gos_keymap_apply(NULL, 0);
}

static void ensure_live(void)
{
    if (!live[0])
        gos_keymap_reset();
}

const gos_binding *gos_keymap_table(gos_key_context ctx, size_t *n)
{
    if ((unsigned)ctx >= GOS_CTX_N) {
        *n = 0;
        return NULL;
    }
    ensure_live();
    *n = live[ctx]->len;
    return &g_array_index(live[ctx], gos_binding, 0);
}

int gos_key_canon(int key)
{
    switch (key) {
    case '\n':
    case GOS_KEY_FN(KEY_ENTER):
        return '\r';
    case GOS_KEY_FN(KEY_BACKSPACE):
        return 127;
    default:
        return key;
    }
}

const gos_binding *gos_keymap_lookup(gos_key_context ctx, int key) { return gos_keymap_lookup_playing(ctx, key, false); }

const gos_binding *gos_keymap_lookup_playing(gos_key_context ctx, int key, bool playing)
{
    ensure_live();
    key = gos_key_canon(key);
    gos_key_context order[3] = { playing ? GOS_CTX_PLAY : ctx, playing ? ctx : GOS_CTX_GLOBAL,
                                 playing ? GOS_CTX_GLOBAL : GOS_CTX_N };
    for (int t = 0; t < 3; t++) {
        if ((unsigned)order[t] >= GOS_CTX_N)
            continue;
        for (guint i = 0; i < live[order[t]]->len; i++) {
            const gos_binding *b = &g_array_index(live[order[t]], gos_binding, i);
            if (b->key == key)
                return b;
        }
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
        case KEY_IC: name = _("Ins"); break;
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

/* --- key names in the configuration ------------------------------------------ */

static const struct {
    const char *name;
    int key;
} key_names[] = {
    /* The first name of a key is the one gos_key_format writes. */
    { "Space", ' ' },
    { "Enter", '\r' }, { "Return", '\r' },
    { "Tab", '\t' },
    { "Esc", GOS_KEY_ESC }, { "Escape", GOS_KEY_ESC },
    { "Backspace", 127 }, { "BSpace", 127 },
    { "Up", GOS_KEY_FN(KEY_UP) },
    { "Down", GOS_KEY_FN(KEY_DOWN) },
    { "Left", GOS_KEY_FN(KEY_LEFT) },
    { "Right", GOS_KEY_FN(KEY_RIGHT) },
    { "PgUp", GOS_KEY_FN(KEY_PPAGE) }, { "PageUp", GOS_KEY_FN(KEY_PPAGE) }, { "PPage", GOS_KEY_FN(KEY_PPAGE) },
    { "PgDn", GOS_KEY_FN(KEY_NPAGE) }, { "PageDown", GOS_KEY_FN(KEY_NPAGE) }, { "PgDown", GOS_KEY_FN(KEY_NPAGE) },
    { "NPage", GOS_KEY_FN(KEY_NPAGE) },
    { "Home", GOS_KEY_FN(KEY_HOME) },
    { "End", GOS_KEY_FN(KEY_END) },
    { "Del", GOS_KEY_FN(KEY_DC) }, { "Delete", GOS_KEY_FN(KEY_DC) },
    { "Ins", GOS_KEY_FN(KEY_IC) }, { "Insert", GOS_KEY_FN(KEY_IC) },
};

int gos_key_parse(const char *name)
{
    if (!name || !*name)
        return -1;
    if (g_utf8_validate(name, -1, NULL) && g_utf8_strlen(name, -1) == 1) {
        gunichar c = g_utf8_get_char(name);
        /* A blank is "Space"; control characters have C-x names. */
        if (c == ' ' || !g_unichar_isprint(c))
            return -1;
        return (int)c;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(key_names); i++)
        if (!g_ascii_strcasecmp(name, key_names[i].name))
            return key_names[i].key;
    if ((name[0] == 'F' || name[0] == 'f') && g_ascii_isdigit(name[1])) {
        char *end = NULL;
        long n = strtol(name + 1, &end, 10);
        if (*end || name[1] == '0' || n < 1 || n > 24)
            return -1;
        return GOS_KEY_FN(KEY_F((int)n));
    }
    if (((name[0] == 'C' || name[0] == 'c') && name[1] == '-') || name[0] == '^') {
        const char *x = name[0] == '^' ? name + 1 : name + 2;
        if (g_ascii_isalpha(x[0]) && !x[1])
            return gos_key_canon(GOS_KEY_CTRL(g_ascii_tolower(x[0])));
    }
    return -1;
}

bool gos_keymap_key_for(gos_key_context ctx, const char *line, char *buf, size_t len)
{
    gos_key_context order[2] = { ctx, GOS_CTX_GLOBAL };

    for (int t = 0; t < 2; t++) {
        size_t n;
        const gos_binding *b = gos_keymap_table(order[t], &n);
        for (size_t i = 0; i < n; i++) {
            /* Bound here, and not hidden by another binding of the same key. */
            if (b[i].kind == GOS_BIND_LINE && b[i].line && !strcmp(b[i].line, line) &&
                gos_keymap_lookup(ctx, b[i].key) == &b[i]) {
                gos_key_name(b[i].key, buf, len);
                return true;
            }
        }
    }
    return false;
}

const char *gos_key_format(int key, char *buf, size_t len)
{
    key = gos_key_canon(key);
    for (size_t i = 0; i < G_N_ELEMENTS(key_names); i++) {
        if (key_names[i].key == key) {
            snprintf(buf, len, "%s", key_names[i].name);
            return buf;
        }
    }
    if (GOS_KEY_IS_FN(key)) {
        int k = key & ~0x40000000;
        if (k >= KEY_F(1) && k <= KEY_F(24))
            snprintf(buf, len, "F%d", k - KEY_F0);
        else
            snprintf(buf, len, "#%d", k);
        return buf;
    }
    if (key > 0 && key < 32) {
        snprintf(buf, len, "C-%c", key + 'a' - 1);
        return buf;
    }
    char mb[8];
    int n = g_unichar_to_utf8((gunichar)key, mb);
    mb[n] = '\0';
    snprintf(buf, len, "%s", mb);
    return buf;
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
    case GOS_BIND_COMMAND:
        /* TRANSLATORS: stands for any action line on the help screen. */
        return g_strdup(_("ACTION [ARG...]"));
    }
    return g_strdup("");
}

const char *gos_binding_help(const gos_binding *b)
{
    if (b->kind == GOS_BIND_COMMAND)
        return _("Type an action line and run it, as a macro or batch file would");
    char *name = first_word(b->line);
    const gos_action *a = gos_action_find(name);
    g_free(name);
    return a && a->help ? _(a->help) : "";
}

int gos_keymap_check(char **err)
{
    ensure_live();
    for (int t = 0; t < GOS_CTX_N; t++) {
        for (guint i = 0; i < live[t]->len; i++) {
            const gos_binding *b = &g_array_index(live[t], gos_binding, i);
            char keybuf[32];
            if (b->kind == GOS_BIND_COMMAND)
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
