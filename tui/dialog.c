/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The console's two modal widgets: the one-line prompt and the confirmation of destructive actions. */
#include <config.h>

#include "tui/dialog.h"

#include <glib.h>
#include <string.h>

#include "base/i18n.h"
#include "tui/keymap.h"
#include "tui/view.h"

/* Names a confirmation lists before it says "and N more". */
#define CONFIRM_NAMES 6

/* --- the prompt ------------------------------------------------------------ */

struct gos_prompt {
    char *label;
    GArray *text;     /* gunichar */
    guint cursor;     /* insertion point, in characters */
    char *note;
    bool note_error;
    bool changed;     /* the last key changed the text */
    GPtrArray *history;   /* borrowed: char*, oldest first */
    guint hist_at;    /* the entry shown; history->len: the text being typed */
    char *typed;      /* that text, kept while an older line is shown */
};

static void set_text(gos_prompt *p, const char *text)
{
    g_array_set_size(p->text, 0);
    if (text && g_utf8_validate(text, -1, NULL)) {
        for (const char *q = text; *q; q = g_utf8_next_char(q)) {
            gunichar c = g_utf8_get_char(q);
            if (g_unichar_isprint(c))
                g_array_append_val(p->text, c);
        }
    }
    p->cursor = p->text->len;
}

gos_prompt *gos_prompt_new(const char *label, const char *initial)
{
    gos_prompt *p = g_new0(gos_prompt, 1);
    p->label = g_strdup(label);
    p->text = g_array_new(FALSE, FALSE, sizeof(gunichar));
    set_text(p, initial);
    return p;
}

void gos_prompt_free(gos_prompt *p)
{
    if (!p)
        return;
    g_free(p->label);
    g_free(p->note);
    g_free(p->typed);
    g_array_free(p->text, TRUE);
    g_free(p);
}

void gos_prompt_set_note(gos_prompt *p, const char *note, bool error)
{
    g_free(p->note);
    p->note = g_strdup(note);
    p->note_error = error;
}

void gos_prompt_set_history(gos_prompt *p, GPtrArray *lines)
{
    p->history = lines;
    p->hist_at = lines ? lines->len : 0;
}

bool gos_prompt_changed(const gos_prompt *p) { return p->changed; }

/* Up (-1) or Down (+1) through the history. */
static void walk_history(gos_prompt *p, int dir)
{
    if (!p->history || !p->history->len)
        return;
    guint len = p->history->len;
    if (dir < 0 && p->hist_at == 0)
        return;
    if (dir > 0 && p->hist_at >= len)
        return;
    if (p->hist_at == len) {
        g_free(p->typed);
        p->typed = gos_prompt_text(p);
    }
    p->hist_at = dir < 0 ? p->hist_at - 1 : p->hist_at + 1;
    set_text(p, p->hist_at < len ? g_ptr_array_index(p->history, p->hist_at) : p->typed);
}

static gos_dialog_state prompt_key(gos_prompt *p, int key);

gos_dialog_state gos_prompt_key(gos_prompt *p, int key)
{
    GArray *before = g_array_copy(p->text);
    gos_dialog_state st = prompt_key(p, key);
    p->changed = before->len != p->text->len ||
                 (before->len && memcmp(before->data, p->text->data, (size_t)before->len * sizeof(gunichar)) != 0);
    g_array_free(before, TRUE);
    return st;
}

static gos_dialog_state prompt_key(gos_prompt *p, int key)
{
    switch (key) {
    case GOS_KEY_FN(KEY_UP):
    case GOS_KEY_CTRL('p'):
        walk_history(p, -1);
        break;
    case GOS_KEY_FN(KEY_DOWN):
    case GOS_KEY_CTRL('n'):
        walk_history(p, +1);
        break;
    case '\r':
    case '\n':
    case GOS_KEY_FN(KEY_ENTER):
        return GOS_DIALOG_YES;
    case GOS_KEY_ESC:
    case GOS_KEY_CTRL('g'):
        return GOS_DIALOG_NO;
    case GOS_KEY_FN(KEY_BACKSPACE):
    case 127:
    case GOS_KEY_CTRL('h'):
        if (p->cursor > 0)
            g_array_remove_index(p->text, --p->cursor);
        break;
    case GOS_KEY_FN(KEY_DC):
    case GOS_KEY_CTRL('d'):
        if (p->cursor < p->text->len)
            g_array_remove_index(p->text, p->cursor);
        break;
    case GOS_KEY_FN(KEY_LEFT):
    case GOS_KEY_CTRL('b'):
        if (p->cursor > 0)
            p->cursor--;
        break;
    case GOS_KEY_FN(KEY_RIGHT):
    case GOS_KEY_CTRL('f'):
        if (p->cursor < p->text->len)
            p->cursor++;
        break;
    case GOS_KEY_FN(KEY_HOME):
    case GOS_KEY_CTRL('a'):
        p->cursor = 0;
        break;
    case GOS_KEY_FN(KEY_END):
    case GOS_KEY_CTRL('e'):
        p->cursor = p->text->len;
        break;
    case GOS_KEY_CTRL('u'):
        g_array_set_size(p->text, 0);
        p->cursor = 0;
        break;
    default:
        if (!GOS_KEY_IS_FN(key) && key > 0 && g_unichar_isprint((gunichar)key) && p->text->len < 1024) {
            gunichar c = (gunichar)key;
            g_array_insert_val(p->text, p->cursor, c);
            p->cursor++;
        }
        break;
    }
    return GOS_DIALOG_OPEN;
}

static char *ucs4_range(const GArray *text, guint from, guint to)
{
    char *s = g_ucs4_to_utf8(&g_array_index(text, gunichar, 0) + from, (glong)(to - from), NULL, NULL, NULL);
    return s ? s : g_strdup("");
}

char *gos_prompt_text(const gos_prompt *p)
{
    return p->text->len ? ucs4_range(p->text, 0, p->text->len) : g_strdup("");
}

char *gos_prompt_text_before(const gos_prompt *p)
{
    return p->cursor ? ucs4_range(p->text, 0, p->cursor) : g_strdup("");
}

void gos_prompt_replace_before(gos_prompt *p, size_t drop, const char *text)
{
    if (drop > p->cursor)
        drop = p->cursor;
    g_array_remove_range(p->text, p->cursor - (guint)drop, (guint)drop);
    p->cursor -= (guint)drop;
    for (const char *q = text; q && *q && p->text->len < 1024; q = g_utf8_next_char(q)) {
        gunichar c = g_utf8_get_char(q);
        if (!g_unichar_isprint(c))
            continue;
        g_array_insert_val(p->text, p->cursor, c);
        p->cursor++;
    }
}

void gos_prompt_draw(const gos_prompt *p, WINDOW *w)
{
    int width = getmaxx(w);
    gos_draw_fill(w, 0, 0, width, A_NORMAL);
    /* The note takes the right end while it leaves the text half the line. */
    if (p->note && *p->note) {
        int nw = MIN(gos_text_width(p->note) + 2, width / 2);
        gos_draw_text_cut(w, 0, width - nw + 1, nw - 1, gos_draw_attr(p->note_error ? GOS_ROLE_WARN : GOS_ROLE_DIM),
                          p->note);
        width -= nw;
    }
    int x = gos_draw_text(w, 0, 0, width - 1, A_BOLD, p->label, false);
    int avail = width - x - 1;
    if (avail < 1) {
        wmove(w, 0, width - 1);
        return;
    }
    /* Start far enough right that the insertion point fits. */
    guint start = 0;
    if (p->text->len) {
        char *before = ucs4_range(p->text, 0, p->cursor);
        while (gos_text_width(before) >= avail && start < p->cursor) {
            g_free(before);
            before = ucs4_range(p->text, ++start, p->cursor);
        }
        int cx = x + gos_text_width(before);
        g_free(before);
        char *shown = ucs4_range(p->text, start, p->text->len);
        gos_draw_text(w, 0, x, avail, A_NORMAL, shown, false);
        g_free(shown);
        wmove(w, 0, cx);
        return;
    }
    wmove(w, 0, x);
}

/* --- the confirmation ----------------------------------------------------- */

struct gos_confirm {
    gos_cmd cmd;
    GPtrArray *keys;     /* "host\nuuid" of the targets shown */
    GPtrArray *names;    /* "name (host)" of the targets shown */
    bool changed;        /* the targets changed since the dialog opened */
    bool named;          /* the command names its VMs: they cannot change */
    bool use_cursor;     /* the VM under the cursor is a target */
    size_t running;      /* targets that are running: the action runs on them */
    size_t refused[GOS_VM_N_STATES + 1];  /* ... the others by state; [GOS_VM_N_STATES]: not in the inventory */
    GString *answer;     /* what has been typed */
    bool wrong;          /* Enter came with something else than the word */
    WINDOW *win;
};

/* Counts what the targets will do: run, or be refused and why. */
static void count_states(gos_confirm *c, gos_session *s)
{
    gos_inventory *inv = gos_session_inventory(s);
    c->running = 0;
    memset(c->refused, 0, sizeof c->refused);
    for (guint i = 0; i < c->keys->len; i++) {
        const char *key = g_ptr_array_index(c->keys, i);
        const char *nl = strchr(key, '\n');
        char *host = nl ? g_strndup(key, (gsize)(nl - key)) : NULL;
        const gos_vm *vm = nl ? gos_inventory_find(inv, host, nl + 1) : gos_inventory_find(inv, NULL, key);
        g_free(host);
        if (!vm)
            c->refused[GOS_VM_N_STATES]++;
        else if (vm->state == GOS_VM_RUNNING)
            c->running++;
        else if ((unsigned)vm->state < GOS_VM_N_STATES)
            c->refused[vm->state]++;
    }
}

static void read_targets(gos_session *s, bool use_cursor, GPtrArray **keys, GPtrArray **names)
{
    size_t n = 0;
    const gos_vm **t = gos_session_targets(s, use_cursor, &n);
    *keys = g_ptr_array_new_with_free_func(g_free);
    *names = g_ptr_array_new_with_free_func(g_free);
    for (size_t i = 0; i < n; i++) {
        g_ptr_array_add(*keys, g_strconcat(t[i]->host, "\n", t[i]->uuid, NULL));
        char *host = gos_host_short(t[i]->host);
        g_ptr_array_add(*names, g_strdup_printf("%s (%s)", t[i]->name ? t[i]->name : t[i]->uuid, host));
        g_free(host);
    }
    g_free(t);
}

/* The VMs a command names, as the action will resolve them. */
static void read_named(gos_session *s, const gos_cmd *cmd, GPtrArray **keys, GPtrArray **names)
{
    gos_inventory *inv = gos_session_inventory(s);
    *keys = g_ptr_array_new_with_free_func(g_free);
    *names = g_ptr_array_new_with_free_func(g_free);
    for (int i = 0; i < cmd->argc; i++) {
        const gos_vm *vm = gos_inventory_find(inv, NULL, cmd->argv[i]);
        if (vm) {
            g_ptr_array_add(*keys, g_strconcat(vm->host, "\n", vm->uuid, NULL));
            char *host = gos_host_short(vm->host);
            g_ptr_array_add(*names, g_strdup_printf("%s (%s)", vm->name ? vm->name : vm->uuid, host));
            g_free(host);
        } else {
            g_ptr_array_add(*keys, g_strdup(cmd->argv[i]));
            /* TRANSLATORS: a VM named in a confirmed command that the inventory does not know. */
            g_ptr_array_add(*names, g_strdup_printf(_("%s (not in the inventory)"), cmd->argv[i]));
        }
    }
}

gos_confirm *gos_confirm_new(gos_session *s, const gos_cmd *cmd, bool use_cursor)
{
    gos_confirm *c = g_new0(gos_confirm, 1);
    c->cmd = *cmd;
    c->cmd.argv = g_strdupv(cmd->argv);
    c->use_cursor = use_cursor;
    c->named = c->cmd.argc > 0 && (c->cmd.action->flags & GOS_ACT_TARGETS);
    if (c->named)
        read_named(s, &c->cmd, &c->keys, &c->names);
    else
        read_targets(s, c->use_cursor, &c->keys, &c->names);
    c->answer = g_string_new(NULL);
    count_states(c, s);
    return c;
}

void gos_confirm_free(gos_confirm *c)
{
    if (!c)
        return;
    gos_cmd_clear(&c->cmd);
    g_ptr_array_free(c->keys, TRUE);
    g_ptr_array_free(c->names, TRUE);
    if (c->answer)
        g_string_free(c->answer, TRUE);
    if (c->win)
        delwin(c->win);
    g_free(c);
}

/* The word that says yes: typed, then Enter. One key would be too easy to
 * hit by mistake (German habit would make it j, which moves the cursor), so
 * no single key confirms. English "yes" is taken in every language. */
static bool says(const char *typed, const char *word)
{
    char *a = g_utf8_casefold(typed, -1), *b = g_utf8_casefold(word, -1);
    bool same = !strcmp(g_strstrip(a), b);
    g_free(a);
    g_free(b);
    return same;
}

gos_dialog_state gos_confirm_key(gos_confirm *c, int key)
{
    switch (key) {
    case GOS_KEY_ESC:
    case GOS_KEY_CTRL('g'):
        return GOS_DIALOG_NO;
    case '\r':
    case '\n':
    case GOS_KEY_FN(KEY_ENTER):
        /* TRANSLATORS: the word the operator types to confirm a destructive action;
         * lower case, without a key of its own ("yes" is always taken as well). */
        if (says(c->answer->str, C_("confirm", "yes")) || says(c->answer->str, "yes"))
            return GOS_DIALOG_YES;
        /* TRANSLATORS: the word that says no in the confirmation ("n" and "no" are always taken). */
        if (says(c->answer->str, C_("confirm", "no")) || says(c->answer->str, "no") || says(c->answer->str, "n"))
            return GOS_DIALOG_NO;
        c->wrong = true;
        g_string_truncate(c->answer, 0);
        return GOS_DIALOG_OPEN;
    case 127:
    case GOS_KEY_CTRL('h'):
    case GOS_KEY_FN(KEY_BACKSPACE):
        if (c->answer->len) {
            const char *end = c->answer->str + c->answer->len;
            const char *prev = g_utf8_find_prev_char(c->answer->str, end);
            g_string_truncate(c->answer, prev ? (gsize)(prev - c->answer->str) : 0);
        }
        return GOS_DIALOG_OPEN;
    case 'n':
    case 'N':
        /* No at once: answering no cannot hurt. */
        if (c->answer->len == 0)
            return GOS_DIALOG_NO;
        /* fall through */
    default:
        if (!GOS_KEY_IS_FN(key) && key > 0x20 && g_unichar_isprint((gunichar)key) && c->answer->len < 32)
            g_string_append_unichar(c->answer, (gunichar)key);
        return GOS_DIALOG_OPEN;
    }
}

bool gos_confirm_recheck(gos_confirm *c, gos_session *s)
{
    if (c->named)
        return false;
    GPtrArray *keys, *names;
    read_targets(s, c->use_cursor, &keys, &names);
    bool same = keys->len == c->keys->len;
    for (guint i = 0; same && i < keys->len; i++)
        same = strcmp(g_ptr_array_index(keys, i), g_ptr_array_index(c->keys, i)) == 0;
    if (same) {
        g_ptr_array_free(keys, TRUE);
        g_ptr_array_free(names, TRUE);
        return false;
    }
    g_ptr_array_free(c->keys, TRUE);
    g_ptr_array_free(c->names, TRUE);
    c->keys = keys;
    c->names = names;
    c->changed = true;
    g_string_truncate(c->answer, 0);
    count_states(c, s);
    return true;
}

void gos_confirm_draw(gos_confirm *c, int rows, int cols)
{
    int width = cols - 4 < 72 ? cols - 4 : 72;
    if (width < 20 || rows < 8)
        return;
    gos_lines *l = gos_lines_new(width - 2);
    const char *help = c->cmd.action && c->cmd.action->help ? _(c->cmd.action->help) : "";
    gos_lines_text(l, GOS_ROLE_HEADER, 2, help);
    gos_lines_blank(l);
    size_t n = c->names->len;
    for (size_t i = 0; i < n && i < CONFIRM_NAMES; i++)
        gos_lines_text(l, GOS_ROLE_MARKED, 4, g_ptr_array_index(c->names, i));
    if (n > CONFIRM_NAMES) {
        size_t more = n - CONFIRM_NAMES;
        /* TRANSLATORS: after the first few VM names in the confirmation. */
        char *m = g_strdup_printf(ngettext("and %zu more VM", "and %zu more VMs", more), more);
        gos_lines_text(l, GOS_ROLE_NORMAL, 4, m);
        g_free(m);
    }
    if (n == 0)
        gos_lines_text(l, GOS_ROLE_WARN, 4, _("No VM is selected."));
    gos_lines_blank(l);
    if (c->changed) {
        gos_lines_text(l, GOS_ROLE_WARN, 2, _("The VMs changed while this question was open: check them again."));
        gos_lines_blank(l);
    }
    if (n > 1 || c->running != n) {
        /* TRANSLATORS: how many of the VMs in the confirmation run, so that the action can act on them. */
        char *r = g_strdup_printf(ngettext("%zu of them is running.", "%zu of them are running.", c->running),
                                  c->running);
        gos_lines_text(l, c->running ? GOS_ROLE_NORMAL : GOS_ROLE_WARN, 2, r);
        g_free(r);
        GString *why = g_string_new(NULL);
        for (int st = 0; st <= GOS_VM_N_STATES; st++) {
            if (!c->refused[st])
                continue;
            if (why->len)
                g_string_append(why, ", ");
            if (st == GOS_VM_N_STATES)
                /* TRANSLATORS: part of "... will fail: 2 shut off, 1 not in the inventory". */
                g_string_append_printf(why, _("%zu not in the inventory"), c->refused[st]);
            else
                g_string_append_printf(why, "%zu %s", c->refused[st], gos_vm_state_label((gos_vm_state)st));
        }
        if (why->len) {
            /* TRANSLATORS: %s: counts by state ("2 shut off, 1 paused"); their tasks run and fail at once. */
            char *m = g_strdup_printf(_("Not running, so their tasks will fail at once: %s."), why->str);
            gos_lines_text(l, GOS_ROLE_WARN, 2, m);
            g_free(m);
        }
        g_string_free(why, TRUE);
    }
    const char *name = c->cmd.action ? c->cmd.action->name : "?";
    /* TRANSLATORS: %1$s: an action name (e.g. logoff); %2$zu: the number of VMs. */
    char *q = g_strdup_printf(ngettext("Run %1$s on this VM?", "Run %1$s on these %2$zu VMs?", n), name, n);
    gos_lines_text(l, GOS_ROLE_NORMAL, 2, q);
    g_free(q);
    /* TRANSLATORS: %1$s: the confirmation word (yes); what to type. */
    char *how = g_strdup_printf(_("Type %1$s and press Enter to run it; Esc or n cancels."), C_("confirm", "yes"));
    gos_lines_text(l, c->wrong ? GOS_ROLE_WARN : GOS_ROLE_DIM, 2, how);
    g_free(how);
    char *typed = g_strdup_printf("> %s%s", c->answer->str, gos_draw_unicode() ? "\u2581" : "_");
    gos_lines_text(l, GOS_ROLE_NORMAL, 2, typed);
    g_free(typed);

    int height = (int)gos_lines_count(l) + 2;
    if (height > rows - 2)
        height = rows - 2;
    int y = (rows - height) / 2, x = (cols - width) / 2;
    if (c->win)
        delwin(c->win);
    c->win = newwin(height, width, y, x);
    if (!c->win) {
        gos_lines_free(l);
        return;
    }
    int top = 0;
    gos_lines_draw(l, c->win, 1, height - 2, &top);
    gos_draw_box(c->win, gos_draw_attr(GOS_ROLE_WARN));
    /* TRANSLATORS: the title of the confirmation dialog. */
    char *title = g_strdup_printf(" %s ", _("Confirm"));
    gos_draw_text(c->win, 0, 2, width - 4, gos_draw_attr(GOS_ROLE_WARN) | A_BOLD, title, false);
    g_free(title);
    wnoutrefresh(c->win);
    gos_lines_free(l);
}

/* --- a question with a few answers -------------------------------------------------- */

struct gos_choice {
    char *question;
    GPtrArray *keys, *labels, *lines;
    WINDOW *win;
};

gos_choice *gos_choice_new(const char *question, size_t n, const char *const *keys, const char *const *labels,
                           const char *const *lines)
{
    gos_choice *c = g_new0(gos_choice, 1);
    c->question = g_strdup(question);
    c->keys = g_ptr_array_new_with_free_func(g_free);
    c->labels = g_ptr_array_new_with_free_func(g_free);
    c->lines = g_ptr_array_new_with_free_func(g_free);
    for (size_t i = 0; i < n; i++) {
        g_ptr_array_add(c->keys, g_strdup(keys[i]));
        g_ptr_array_add(c->labels, g_strdup(labels[i]));
        g_ptr_array_add(c->lines, g_strdup(lines[i]));
    }
    return c;
}

void gos_choice_free(gos_choice *c)
{
    if (!c)
        return;
    g_free(c->question);
    g_ptr_array_free(c->keys, TRUE);
    g_ptr_array_free(c->labels, TRUE);
    g_ptr_array_free(c->lines, TRUE);
    if (c->win)
        delwin(c->win);
    g_free(c);
}

int gos_choice_key(gos_choice *c, int key)
{
    if (key == GOS_KEY_ESC || key == GOS_KEY_CTRL('g'))
        return -1;
    for (guint i = 0; i < c->keys->len; i++) {
        const char *k = g_ptr_array_index(c->keys, i);
        if (!GOS_KEY_IS_FN(key) && k[0] && !k[1] && g_ascii_tolower(k[0]) == g_ascii_tolower((char)key))
            return (int)i;
    }
    return -2;
}

const char *gos_choice_line(gos_choice *c, int i)
{
    return i >= 0 && (guint)i < c->lines->len ? g_ptr_array_index(c->lines, i) : NULL;
}

void gos_choice_draw(gos_choice *c, int rows, int cols)
{
    int width = cols - 4 < 72 ? cols - 4 : 72;
    if (width < 20 || rows < 8)
        return;
    gos_lines *l = gos_lines_new(width - 2);
    gos_lines_text(l, GOS_ROLE_HEADER, 2, c->question);
    gos_lines_blank(l);
    for (guint i = 0; i < c->keys->len; i++) {
        char *line = g_strdup_printf("%s  %s", (char *)g_ptr_array_index(c->keys, i),
                                     (char *)g_ptr_array_index(c->labels, i));
        gos_lines_text(l, GOS_ROLE_NORMAL, 4, line);
        g_free(line);
    }
    char esc[32];
    /* TRANSLATORS: the answer that closes a question and changes nothing. */
    char *stay = g_strdup_printf("%s  %s", gos_key_name(GOS_KEY_ESC, esc, sizeof esc), _("Stay, and change nothing"));
    gos_lines_text(l, GOS_ROLE_DIM, 4, stay);
    g_free(stay);
    int height = (int)gos_lines_count(l) + 2;
    if (height > rows - 2)
        height = rows - 2;
    if (c->win)
        delwin(c->win);
    c->win = newwin(height, width, (rows - height) / 2, (cols - width) / 2);
    if (!c->win) {
        gos_lines_free(l);
        return;
    }
    int top = 0;
    gos_lines_draw(l, c->win, 1, height - 2, &top);
    gos_draw_box(c->win, gos_draw_attr(GOS_ROLE_WARN));
    /* TRANSLATORS: the title of a question with a few answers. */
    char *title = g_strdup_printf(" %s ", _("Question"));
    gos_draw_text(c->win, 0, 2, width - 4, gos_draw_attr(GOS_ROLE_WARN) | A_BOLD, title, false);
    g_free(title);
    wnoutrefresh(c->win);
    gos_lines_free(l);
}
