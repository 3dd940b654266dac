/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What action handlers ask of the executor: waits, questions, macros, recording, stop. */
#include <config.h>

#include <string.h>

#include <glib.h>

#include "base/i18n.h"
#include "core/exec_impl.h"

static bool terminal(gos_exec *x) { return (x->fe.caps & GOS_FE_TERMINAL) != 0; }

/* --- for handlers ----------------------------------------------------------------------------- */

void gos_exec_wait_tasks(gos_exec *x, long secs)
{
    item *it = x->cur;
    it->st = ST_WAIT_TASKS;
    it->wait_secs = secs;
    it->deadline_us = secs < 0 ? 0 : g_get_monotonic_time() + (gint64)secs * G_USEC_PER_SEC;
}

void gos_exec_wait_host(gos_exec *x, const char *uri)
{
    item *it = x->cur;
    it->st = ST_WAIT_HOST;
    g_free(it->wait_host);
    it->wait_host = g_strdup(uri);
    it->deadline_us = g_get_monotonic_time() + (gint64)CONNECT_MS * 1000;
}

void gos_exec_ask(gos_exec *x, const char *label)
{
    if (x->fe.ask)
        x->fe.ask(x->fe.data, x, label);
}

int gos_exec_call_macro(gos_exec *x, const char *name, char **err)
{
    for (guint i = 0; i < x->frames->len; i++) {
        const char *outer = g_array_index(x->frames, frame, i).macro;
        if (!outer || strcmp(outer, name))
            continue;
        if (!err)
            return -1;
        if (i + 1 == x->frames->len) {
            /* TRANSLATORS: %s: a macro name. */
            *err = g_strdup_printf(_("macro %s calls itself."), name);
            return -1;
        }
        /* The loop as it ran: a > b > a. */
        GString *loop = g_string_new(NULL);
        for (guint j = i; j < x->frames->len; j++)
            g_string_append_printf(loop, "%s > ", g_array_index(x->frames, frame, j).macro);
        g_string_append(loop, name);
        /* TRANSLATORS: %s: macro names in the order they called each other, "a > b > a". */
        *err = g_strdup_printf(_("macros call each other in a loop: %s."), loop->str);
        g_string_free(loop, TRUE);
        return -1;
    }
    if (x->frames->len >= GOS_MACRO_DEPTH_MAX) {
        if (err)
            *err = g_strdup_printf(_("macros call macros more than %d deep."), GOS_MACRO_DEPTH_MAX);
        return -1;
    }
    if (x->rec && !strcmp(name, gos_macro_rec_name(x->rec))) {
        if (err)
            /* TRANSLATORS: %s: a macro name. */
            *err = g_strdup_printf(_("Macro %s cannot run while it is being recorded."), name);
        return -1;
    }
    gos_script *sc = NULL;
    if (gos_macro_load(name, &sc, err) < 0)
        return -1;
    bool outermost = gos_exec_macro(x) == NULL;
    char *origin = g_strconcat("macro:", name, NULL);
    gos_exec_push_frame(x, sc, name, origin);
    g_free(origin);
    if (outermost && terminal(x))
        /* TRANSLATORS: %s: a macro name. */
        gos_session_set_status(x->s, _("Running macro %s; Esc stops it."), name);
    return 0;
}

int gos_exec_record(gos_exec *x, const char *name, char **said, char **err)
{
    if (x->rec) {
        char *msg = gos_exec_finish_recording(x);
        if (!msg)
            return 0;
        if (x->rec_failed) {
            x->rec_failed = false;
            if (err)
                *err = msg;
            else
                g_free(msg);
            return -1;
        }
        if (said)
            *said = msg;
        else
            g_free(msg);
        return 0;
    }
    gos_macro_rec *rec = gos_macro_rec_new(name, err);
    if (!rec)
        return -1;
    x->rec = rec;
    if (said) {
        char key[32] = "";
        if (x->fe.key_for && x->fe.key_for(x->fe.data, "record", key, sizeof key))
            /* TRANSLATORS: %1$s: a macro name; %2$s: the key that stops recording. */
            *said = g_strdup_printf(_("Recording macro %1$s; press %2$s again to stop and save it."), name, key);
        else
            *said = g_strdup_printf(_("Recording macro %s; run record again to stop and save it."), name);
    }
    return 0;
}

char *gos_exec_finish_recording(gos_exec *x)
{
    gos_macro_rec *rec = x->rec;
    if (!rec)
        return NULL;
    x->rec = NULL;
    char *msg;
    size_t n = gos_macro_rec_count(rec);
    if (n == 0) {
        msg = g_strdup_printf(_("Nothing was recorded, so macro %s was not saved."), gos_macro_rec_name(rec));
    } else {
        char *path = NULL, *err = NULL;
        if (gos_macro_rec_save(rec, &path, &err) == 0) {
            /* TRANSLATORS: %1$s: a macro name; %2$s: its file; %3$zu: how many action lines it has. */
            msg = g_strdup_printf(ngettext("Macro %1$s saved to %2$s (%3$zu action).",
                                           "Macro %1$s saved to %2$s (%3$zu actions).", n),
                                  gos_macro_rec_name(rec), path, n);
        } else {
            msg = err;
            err = NULL;
            x->rec_failed = true;
        }
        g_free(path);
        g_free(err);
    }
    gos_macro_rec_free(rec);
    return msg;
}

bool gos_exec_stop(gos_exec *x)
{
    const char *m = gos_exec_macro(x);
    char *name = g_strdup(m);
    bool any = x->frames->len > 0;
    g_array_set_size(x->frames, 0);
    item *h = gos_exec_holder(x);
    if (h && (h->st == ST_WAIT_TASKS || h->st == ST_WAIT_HOST || h->st == ST_WAIT_NEEDS)) {
        if (h == x->held) {
            gos_exec_item_free(x->held);
            x->held = NULL;
        } else {
            gos_exec_end_cur(x);
        }
        any = true;
    }
    if (any && terminal(x)) {
        if (name)
            /* TRANSLATORS: %s: a macro name; tasks it submitted go on. */
            gos_session_set_status(x->s, _("Macro %s stopped; the tasks it started go on."), name);
        else
            gos_session_set_status(x->s, "%s", _("Stopped waiting; the tasks go on."));
    }
    g_free(name);
    return any;
}

bool gos_exec_choose(gos_exec *x, const char *question, size_t n, const char *const *keys,
                     const char *const *labels, const char *const *lines)
{
    if (!x->fe.choose || !terminal(x))
        return false;
    x->fe.choose(x->fe.data, x, question, n, keys, labels, lines);
    return true;
}

void gos_exec_quit_after(gos_exec *x)
{
    if (x->cur)
        x->cur->quit_after = true;
}

void gos_exec_emit(gos_exec *x, gos_emit what)
{
    if (x->fe.emit)
        x->fe.emit(x->fe.data, what);
}
