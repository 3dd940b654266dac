/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The actions of the audit view and of macros (the table is in actions.c). */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "base/hresult.h"
#include "base/i18n.h"
#include "core/actions.h"
#include "core/actions_impl.h"
#include "core/exec.h"
#include "core/macro.h"

/* --- the audit view ------------------------------------------------------------ */

/* The words are checked here, so that a bad one fails its line (a batch file
 * stops there, the console says why) and the view only ever sees good ones. */
int gos_act_audit_filter(gos_act_ctx *c, int argc, char **argv, char **err)
{
    gos_audit_filter f;
    if (gos_audit_filter_parse(argc, argv, &f, err) < 0)
        return -1;
    gos_session_set_audit_filter(c->s, argc, argv);
    gos_session_set_view(c->s, GOS_VIEW_AUDIT);
    return GOS_DIRTY_ALL;
}

/* True when word (up to '=') names --search: the whole name or a prefix only it has. */
static bool is_search_word(const char *word)
{
    size_t len = strcspn(word, "=");
    return len > 4 && len <= strlen("--search") && !strncmp(word, "--search", len);
}

/* Sets or clears --search and keeps the other words of the filter in force. */
int gos_act_audit_search(gos_act_ctx *c, int argc, char **argv, char **err)
{
    const char *const *cur = gos_session_audit_filter(c->s, NULL);
    GPtrArray *words = g_ptr_array_new();
    /* The words in force were checked: options, each with its value after '=' or next. */
    for (size_t i = 0; cur[i]; i++) {
        bool joined = strchr(cur[i], '=') != NULL;
        bool keep = !is_search_word(cur[i]);
        if (keep)
            g_ptr_array_add(words, (char *)cur[i]);
        if (!joined && cur[i + 1]) {
            i++;
            if (keep)
                g_ptr_array_add(words, (char *)cur[i]);
        }
    }
    if (argc && *argv[0]) {
        g_ptr_array_add(words, (char *)"--search");
        g_ptr_array_add(words, argv[0]);
    }
    int r = gos_act_audit_filter(c, (int)words->len, (char **)words->pdata, err);
    g_ptr_array_free(words, TRUE);
    return r;
}

/* The audit history of one VM: the one under the cursor (by host and UUID,
 * which the log keeps even when the VM is renamed), or the one named. */
int gos_act_history(gos_act_ctx *c, int argc, char **argv, char **err)
{
    if (argc) {
        char *words[] = { (char *)"--vm", argv[0] };
        return gos_act_audit_filter(c, 2, words, err);
    }
    if (!(c->caps & GOS_FE_CURSOR) || gos_session_view_count(c->s) == 0) {
        /* caps has no cursor outside the views that show it. */
        if (err)
            *err = g_strdup(c->caps & GOS_FE_CURSOR ? _("There is no VM under the cursor.")
                                                    : _("history needs a VM here: name it (history VM)."));
        return -1;
    }
    const gos_vm *vm = gos_session_view_at(c->s, gos_session_cursor(c->s));
    char *words[] = { (char *)"--vm", (char *)vm->uuid, (char *)"--host", vm->host };
    int r = gos_act_audit_filter(c, 4, words, err);
    if (r >= 0)
        /* TRANSLATORS: %s is a VM name. */
        gos_session_set_status(c->s, _("The audit history of %s."), vm->name ? vm->name : vm->uuid);
    return r;
}

int gos_act_audit_detail(gos_act_ctx *c, int argc, char **argv, char **err)
{
    ARG_UNUSED;
    if (gos_session_view(c->s) != GOS_VIEW_AUDIT) {
        if (err)
            *err = g_strdup(_("The task detail belongs to the audit view: open it first."));
        return -1;
    }
    gos_session_audit_detail(c->s, GOS_DETAIL_TOGGLE);
    return GOS_DIRTY_AUDIT | GOS_DIRTY_MAIN;
}

/* --- macros ------------------------------------------------------------------------------ */

int gos_act_macro(gos_act_ctx *c, int argc, char **argv, char **err)
{
    if (gos_exec_call_macro(c->x, argv[0], err) < 0)
        return -1;
    return GOS_DIRTY_ALL;
}

/* `record NAME` starts recording what the operator runs; `record` again stops
 * and saves. Without a name it asks for one. */
int gos_act_record(gos_act_ctx *c, int argc, char **argv, char **err)
{
    char *said = NULL;
    if (!gos_exec_recording(c->x) && argc == 0) {
        /* TRANSLATORS: the prompt for the name of a macro to record. */
        gos_exec_ask(c->x, _("Record a macro named: "));
        return GOS_ACT_ASK;
    }
    if (!gos_exec_recording(c->x) && !*argv[0]) {
        gos_session_set_status(c->s, "%s", _("Nothing was recorded."));
        return GOS_DIRTY_STATUS;
    }
    if (argc > 1 && strcmp(argv[1], "replace")) {
        if (err)
            *err = g_strdup_printf(_("'%s' is not a way to record: use replace, to write over a macro."), argv[1]);
        return -1;
    }
    /* A macro of that name is not written over unless that is said. */
    char *path = !gos_exec_recording(c->x) && argc < 2 ? gos_macro_path(argv[0], NULL) : NULL;
    if (path && g_file_test(path, G_FILE_TEST_EXISTS)) {
        /* TRANSLATORS: %1$s: a macro name; %2$s: its file. */
        char *q = g_strdup_printf(_("Macro %1$s exists (%2$s)."), argv[0], path);
        char *again = g_strdup_printf("record %s replace", argv[0]);
        static const char *const keys[] = { "r", "o" };
        /* TRANSLATORS: the answers when a macro to record exists already. */
        const char *labels[] = { _("Replace it with what is recorded now"), _("Record under another name") };
        const char *lines[] = { again, "record" };
        bool asked = gos_exec_choose(c->x, q, 2, keys, labels, lines);
        if (!asked && err)
            /* TRANSLATORS: %1$s: a macro name; %2$s: its file. */
            *err = g_strdup_printf(_("Macro %1$s exists (%2$s): record under another name, or run record %1$s "
                                     "replace to write over it."), argv[0], path);
        g_free(again);
        g_free(q);
        g_free(path);
        return asked ? GOS_DIRTY_STATUS : -1;
    }
    g_free(path);
    if (gos_exec_record(c->x, argc ? argv[0] : NULL, &said, err) < 0)
        return -1;
    if (said)
        gos_session_set_status(c->s, "%s", said);
    g_free(said);
    return GOS_DIRTY_STATUS | GOS_DIRTY_ALL;
}

/* The one table. Names are stable: key bindings, macros and batch files use them. */
