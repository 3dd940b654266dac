/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The one executor: a queue of action lines that runs each as its action's table entry says. */
#include <config.h>

#include <string.h>

#include <glib.h>

#include "base/i18n.h"
#include "core/exec_impl.h"
#include "core/submit.h"

/* How long a line waits for hosts being connected or listed, and for the
 * first answers of the agents, before it runs on what there is. */
#define SETTLE_HOSTS_MS 120000
#define SETTLE_AGENT_MS 60000
/* Lines run in bursts of at most this many per gos_exec_step, so that a long
 * macro never keeps the console from its keys. */
#define STEP_BURST 64


/* --- items and frames ------------------------------------------------------------ */

static item *item_new(const gos_cmd *cmd, bool take)
{
    item *it = g_new0(item, 1);
    it->cmd = *cmd;
    if (!take)
        it->cmd.argv = g_strdupv(cmd->argv);
    it->wait_secs = -1;
    return it;
}

void gos_exec_item_free(item *it)
{
    if (!it)
        return;
    gos_cmd_clear(&it->cmd);
    g_free(it->origin);
    g_free(it->where);
    g_free(it->wait_host);
    g_free(it);
}

static void frame_clear(gpointer data)
{
    frame *f = data;
    gos_script_free(f->script);
    g_free(f->macro);
    g_free(f->origin);
}

void gos_exec_push_frame(gos_exec *x, gos_script *sc, const char *macro, const char *origin)
{
    frame f = { .script = sc, .macro = g_strdup(macro), .origin = g_strdup(origin) };
    g_array_append_val(x->frames, f);
}

const char *gos_exec_macro(gos_exec *x)
{
    for (guint i = 0; i < x->frames->len; i++) {
        const char *m = g_array_index(x->frames, frame, i).macro;
        if (m)
            return m;
    }
    return NULL;
}

/* --- life ----------------------------------------------------------------------------- */

gos_exec *gos_exec_new(gos_session *s, const gos_frontend *fe)
{
    gos_exec *x = g_new0(gos_exec, 1);
    x->s = s;
    if (fe)
        x->fe = *fe;
    x->queue = g_queue_new();
    x->frames = g_array_new(FALSE, TRUE, sizeof(frame));
    g_array_set_clear_func(x->frames, frame_clear);
    /* The first listings are under way when a front end starts. */
    x->settle_pending = true;
    return x;
}

void gos_exec_free(gos_exec *x)
{
    if (!x)
        return;
    g_queue_free_full(x->queue, (GDestroyNotify)gos_exec_item_free);
    g_array_free(x->frames, TRUE);
    gos_exec_item_free(x->cur);
    gos_exec_item_free(x->held);
    gos_macro_rec_free(x->rec);
    g_free(x->first_error);
    g_free(x);
}

gos_session *gos_exec_session(gos_exec *x) { return x->s; }
/* The VM under the cursor is a target only while the cursor shows: from the
 * audit log or the task list, a logoff acts on marked or named VMs only. */
static unsigned caps_now(gos_exec *x)
{
    unsigned caps = x->fe.caps;
    if ((caps & GOS_FE_CURSOR) && !gos_session_cursor_visible(x->s))
        caps &= ~(unsigned)GOS_FE_CURSOR;
    return caps;
}

unsigned gos_exec_caps(gos_exec *x) { return caps_now(x); }

item *gos_exec_holder(gos_exec *x) { return x->held ? x->held : x->cur; }

bool gos_exec_busy(gos_exec *x)
{
    item *h = gos_exec_holder(x);
    return x->frames->len > 0 || (h && (h->st == ST_WAIT_TASKS || h->st == ST_WAIT_HOST));
}

const char *gos_exec_recording(gos_exec *x) { return x->rec ? gos_macro_rec_name(x->rec) : NULL; }

static bool terminal(gos_exec *x) { return (x->fe.caps & GOS_FE_TERMINAL) != 0; }

/* --- ending a line --------------------------------------------------------------------- */

static void report(gos_exec *x, const item *it, int rc, const char *why, gos_fail_kind kind)
{
    if (!x->fe.done)
        return;
    gos_line_info l = { .cmd = &it->cmd, .origin = it->origin ? it->origin : gos_session_origin(x->s),
                        .where = it->where, .macro = gos_exec_macro(x), .live = it->live };
    x->fe.done(x->fe.data, &l, rc, why, kind);
}

void gos_exec_end_cur(gos_exec *x)
{
    gos_exec_item_free(x->cur);
    x->cur = NULL;
}

/* cur failed: the script it belongs to stops, and the front end hears why. */
static void fail_cur(gos_exec *x, const char *why, gos_fail_kind kind)
{
    item *it = x->cur;
    const char *macro = it->from_script ? gos_exec_macro(x) : NULL;
    if (!why || !*why)
        why = _("The action failed.");
    if (it->live) {
        /* Words still being typed: the prompt says why, nothing else changes. */
        report(x, it, -1, why, kind);
        gos_exec_end_cur(x);
        return;
    }
    if (terminal(x)) {
        char *msg = macro && *it->where
                        /* TRANSLATORS: %1$s: a macro name; %2$s: FILE:LINE of the line that failed; %3$s: why. */
                        ? g_strdup_printf(_("Macro %1$s stopped: %2$s: %3$s"), macro, it->where, why)
                        : g_strdup(why);
        gos_session_set_error(x->s, "%s", msg);
        x->line_error_gen = gos_session_status_generation(x->s);
        g_free(msg);
    }
    if (!x->failed) {
        x->failed = true;
        x->first_error = *it->where ? g_strdup_printf("%s: %s", it->where, why) : g_strdup(why);
    }
    report(x, it, -1, why, kind);
    if (it->from_script)
        g_array_set_size(x->frames, 0);
    gos_exec_end_cur(x);
}

static void succeed_cur(gos_exec *x, int rc, const char *record_as)
{
    item *it = x->cur;
    if (x->rec && it->from_operator && !(it->cmd.action->flags & GOS_ACT_NO_RECORD))
        gos_macro_rec_add_line(x->rec, record_as, &it->cmd);
    if (it->cmd.action->flags & GOS_ACT_SETTLES)
        x->settle_pending = true;
    report(x, it, rc & ~(GOS_ACT_WAIT | GOS_ACT_ASK), NULL, 0);
    gos_exec_end_cur(x);
}

/* --- running one line -------------------------------------------------------------------- */

/* Runs cur's handler under cur's origin. */
static void execute(gos_exec *x)
{
    item *it = x->cur;
    gos_act_ctx ctx = { .s = x->s, .x = x, .caps = caps_now(x), .fail = GOS_FAIL_ACTION };
    char *err = NULL;
    char *saved = it->origin ? g_strdup(gos_session_origin(x->s)) : NULL;
    if (it->origin)
        gos_session_set_origin(x->s, it->origin);
    it->st = ST_READY;
    int rc = it->cmd.action->fn(&ctx, it->cmd.argc, it->cmd.argv, &err);
    if (saved)
        gos_session_set_origin(x->s, saved);
    g_free(saved);
    if (x->cur != it) {
        /* The handler ended the line itself (stop). */
    } else if (rc < 0) {
        fail_cur(x, err, ctx.fail);
    } else if (rc & GOS_ACT_ASK) {
        it->st = ST_ASK_TEXT;
    } else if (rc & GOS_ACT_WAIT) {
        /* gos_exec_wait_* set the state. */
    } else {
        /* Why the operator's last line failed is over once the next one worked
         * (other sentences, a host lost, an audit log that fails, stay). */
        if (it->from_operator && !it->live && !(it->cmd.action->flags & (GOS_ACT_SCROLL | GOS_ACT_PASSIVE)) &&
            x->line_error_gen &&
            gos_session_status_generation(x->s) == x->line_error_gen)
            gos_session_clear_error(x->s);
        succeed_cur(x, rc, ctx.record_as);
    }
    g_free(ctx.record_as);
    g_free(err);
}

static bool needs_met(gos_exec *x, unsigned needs)
{
    if ((needs & GOS_NEED_HOSTS) && x->settle_pending && !gos_session_hosts_settled(x->s))
        return false;
    if ((needs & GOS_NEED_AGENT) && !gos_session_agents_known(x->s))
        return false;
    return true;
}

/* Checks what cur's action needs; runs it, or leaves it waiting or asking. */
static void prepare(gos_exec *x, bool needs_checked)
{
    item *it = x->cur;
    const gos_action *a = it->cmd.action;
    if ((a->flags & GOS_ACT_TERMINAL) && !terminal(x)) {
        char *why = g_strdup_printf(_("%s needs the interactive console."), a->name);
        fail_cur(x, why, GOS_FAIL_ACTION);
        g_free(why);
        return;
    }
    if (!needs_checked) {
        unsigned needs = a->needs ? a->needs(x->s, it->cmd.argc, it->cmd.argv) : 0;
        if (!needs_met(x, needs)) {
            it->st = ST_WAIT_NEEDS;
            it->needs = needs;
            long ms = (needs & GOS_NEED_HOSTS) && x->settle_pending ? SETTLE_HOSTS_MS : SETTLE_AGENT_MS;
            it->deadline_us = g_get_monotonic_time() + (gint64)ms * 1000;
            return;
        }
    }
    if (gos_session_hosts_settled(x->s))
        x->settle_pending = false;
    it->st = ST_READY;
    if ((a->flags & GOS_ACT_TARGETS) && it->cmd.argc == 0) {
        size_t n = 0;
        unsigned caps = caps_now(x);
        g_free(gos_session_targets(x->s, (caps & GOS_FE_CURSOR) != 0, &n));
        if (n == 0) {
            char *why = (caps & GOS_FE_CURSOR)
                            ? g_strdup(_("No virtual machine is selected."))
                        : (x->fe.caps & GOS_FE_CURSOR)
                            /* TRANSLATORS: %1$s: an action name such as logoff; the console shows a view
                             * without the VM list's cursor (the audit log, the tasks). */
                            ? g_strdup_printf(_("No VM is marked, and this view has no VM cursor: mark VMs in the VM "
                                                "list, or name them (%1$s VM)."), a->name)
                            /* TRANSLATORS: %s: an action name such as logoff. */
                            : g_strdup_printf(_("%s has no target: mark VMs first (select PATTERN) or name them."),
                                              a->name);
            fail_cur(x, why, GOS_FAIL_ACTION);
            g_free(why);
            return;
        }
    }
    if ((a->flags & GOS_ACT_DESTRUCTIVE) && x->fe.confirm) {
        it->st = ST_ASK_CONFIRM;
        x->fe.confirm(x->fe.data, x, &it->cmd);
        return;
    }
    execute(x);
}

/* Takes the next line into cur: the innermost script's next one, else the
 * operator's. False when there is none. */
static bool take_next(gos_exec *x)
{
    while (x->frames->len) {
        frame *f = &g_array_index(x->frames, frame, x->frames->len - 1);
        if (f->next >= f->script->n) {
            char *name = x->frames->len == 1 ? g_strdup(f->macro) : NULL;
            g_array_set_size(x->frames, x->frames->len - 1);
            if (name && terminal(x))
                /* TRANSLATORS: %s: a macro name. */
                gos_session_set_status(x->s, _("Macro %s has run to its end."), name);
            g_free(name);
            continue;
        }
        const gos_cmd *c = &f->script->cmds[f->next++];
        item *it = item_new(c, false);
        it->origin = g_strdup(f->origin);
        it->where = f->script->file && *f->script->file ? g_strdup_printf("%s:%d", f->script->file, c->line)
                                                        : g_strdup("");
        it->from_script = true;
        x->cur = it;
        return true;
    }
    x->cur = g_queue_pop_head(x->queue);
    return x->cur != NULL;
}

static long ms_until(gint64 deadline_us)
{
    gint64 left = deadline_us - g_get_monotonic_time();
    return left <= 0 ? 0 : (long)((left + 999) / 1000);
}

/* Looks at what cur waits for: true when it went on or ended. */
static bool wait_over(gos_exec *x, long *wait_ms)
{
    item *it = x->cur;
    gint64 now = g_get_monotonic_time();
    switch (it->st) {
    case ST_WAIT_NEEDS:
        if (needs_met(x, it->needs) || now >= it->deadline_us) {
            prepare(x, true);
            return true;
        }
        *wait_ms = MIN(ms_until(it->deadline_us), 250);
        return false;
    case ST_WAIT_TASKS: {
        size_t running = 0;
        gos_session_task_totals(x->s, &running, NULL, NULL);
        if (running == 0) {
            bool quit = it->quit_after;
            if (terminal(x) && !it->from_script && !quit)
                gos_session_set_status(x->s, "%s", _("Every task has ended."));
            succeed_cur(x, GOS_DIRTY_TASKS, NULL);
            if (quit)
                gos_session_request_quit(x->s);
            return true;
        }
        if (it->deadline_us && now >= it->deadline_us) {
            char *why = g_strdup_printf(ngettext("Tasks were still running after %ld second; they go on.",
                                                 "Tasks were still running after %ld seconds; they go on.",
                                                 it->wait_secs), it->wait_secs);
            fail_cur(x, why, GOS_FAIL_ACTION);
            g_free(why);
            return true;
        }
        if (terminal(x) && !it->announced) {
            const char *m = gos_exec_macro(x);
            if (it->quit_after)
                gos_session_set_status(x->s, "%s", _("Quitting once every task has ended; Esc stays."));
            else if (m)
                /* TRANSLATORS: %s: a macro name. */
                gos_session_set_status(x->s, _("Macro %s waits until every task has ended; Esc stops it."), m);
            else
                gos_session_set_status(x->s, "%s", _("Waiting until every task has ended; Esc stops waiting."));
            it->announced = true;
        }
        *wait_ms = it->deadline_us ? ms_until(it->deadline_us) : -1;
        return false;
    }
    case ST_WAIT_HOST: {
        const char *why = NULL;
        int st = gos_session_host_settled(x->s, it->wait_host, &why);
        if (st > 0) {
            succeed_cur(x, GOS_DIRTY_VMS | GOS_DIRTY_STATUS, NULL);
            return true;
        }
        if (st < 0 || now >= it->deadline_us) {
            char *msg = st < 0 ? g_strdup(why ? why : _("The connection failed."))
                               : g_strdup_printf(ngettext("%s did not answer within %d second.",
                                                          "%s did not answer within %d seconds.", CONNECT_MS / 1000),
                                                 it->wait_host, CONNECT_MS / 1000);
            fail_cur(x, msg, GOS_FAIL_SETUP);
            g_free(msg);
            return true;
        }
        *wait_ms = MIN(ms_until(it->deadline_us), 250);
        return false;
    }
    default:
        return true;
    }
}

static void drop_all(gos_exec *x)
{
    g_array_set_size(x->frames, 0);
    g_queue_free_full(x->queue, (GDestroyNotify)gos_exec_item_free);
    x->queue = g_queue_new();
    gos_exec_end_cur(x);
}

gos_exec_state gos_exec_step(gos_exec *x, long *wait_ms)
{
    long dummy;
    if (!wait_ms)
        wait_ms = &dummy;
    *wait_ms = -1;
    for (int burst = 0; burst < STEP_BURST; burst++) {
        if (gos_session_quit_requested(x->s)) {
            drop_all(x);
            return GOS_EXEC_IDLE;
        }
        if (x->cur) {
            if (x->cur->st == ST_ASK_CONFIRM || x->cur->st == ST_ASK_TEXT)
                return GOS_EXEC_ASKING;
            if (!wait_over(x, wait_ms))
                return GOS_EXEC_WAITING;
            continue;
        }
        if (!take_next(x))
            return GOS_EXEC_IDLE;
        prepare(x, false);
    }
    /* More to run: come back at once. */
    *wait_ms = 0;
    return GOS_EXEC_WAITING;
}

int gos_exec_run(gos_exec *x, char **err)
{
    x->failed = false;
    g_clear_pointer(&x->first_error, g_free);
    for (;;) {
        long wait_ms = -1;
        gos_exec_state st = gos_exec_step(x, &wait_ms);
        if (st == GOS_EXEC_IDLE)
            break;
        if (st == GOS_EXEC_ASKING) {
            /* Nobody answers here: a front end that asks runs its own loop. */
            if (x->cur->st == ST_ASK_CONFIRM)
                gos_exec_answer(x, false);
            else
                gos_exec_answer_text(x, NULL);
            continue;
        }
        long slice = wait_ms < 0 || wait_ms > 250 ? 250 : wait_ms;
        /* The session has timed work too (reconnects, probes): pumped when
         * it is due, not only when a message came. */
        long core = gos_session_timeout_ms(x->s);
        if (core >= 0 && core < slice)
            slice = core;
        if (slice == 0 || gos_session_wait_ready(x->s, slice) || core == slice)
            gos_session_pump(x->s);
        if (x->fe.idle)
            x->fe.idle(x->fe.data);
    }
    bool failed = x->failed;
    if (failed && err)
        *err = g_steal_pointer(&x->first_error);
    g_clear_pointer(&x->first_error, g_free);
    x->failed = false;
    return failed ? -1 : 0;
}

int gos_exec_line(gos_exec *x, const char *line, char **err)
{
    if (gos_exec_push_line(x, line, err) < 0)
        return -1;
    return gos_exec_run(x, err);
}

/* --- what the operator and the front end hand in ------------------------------------------- */

/* May cmd run while a macro plays or a line waits? */
static bool passive(gos_exec *x, const gos_cmd *cmd)
{
    unsigned f = cmd->action->flags;
    return (f & GOS_ACT_PASSIVE) || ((f & GOS_ACT_SCROLL) && gos_session_view(x->s) != GOS_VIEW_VMS);
}

int gos_exec_push(gos_exec *x, gos_cmd *cmd)
{
    item *it = item_new(cmd, true);
    memset(cmd, 0, sizeof *cmd);
    it->where = g_strdup("");
    it->from_operator = true;
    if (!gos_exec_busy(x)) {
        g_queue_push_tail(x->queue, it);
        return 0;
    }
    if (!passive(x, &it->cmd)) {
        gos_session_set_error(x->s, "%s", gos_exec_macro(x)
                                              ? _("A macro is running: press Esc to stop it first.")
                                              : _("Waiting until every task has ended: press Esc to stop waiting first."));
        gos_exec_item_free(it);
        return -1;
    }
    /* It runs now, beside the line that holds the queue, and leaves it alone
     * (unless it is `stop`, which ends it). */
    x->held = x->cur;
    x->cur = it;
    prepare(x, true);
    /* A passive line does not wait beside another; one that stopped what
     * held the queue (quit wait) holds it now. */
    if (x->cur && (x->held || x->frames->len))
        gos_exec_end_cur(x);
    if (x->held)
        x->cur = x->held;
    x->held = NULL;
    return 0;
}

int gos_exec_push_line(gos_exec *x, const char *line, char **err)
{
    gos_cmd cmd;
    char *why = NULL;
    if (gos_cmd_parse(line, &cmd, &why) < 0) {
        /* TRANSLATORS: %s: an action line; %s: why it does not parse. */
        char *msg = g_strdup_printf(_("Cannot run \"%s\": %s"), line, why ? why : "");
        if (terminal(x)) {
            gos_session_set_error(x->s, "%s", msg);
            x->line_error_gen = gos_session_status_generation(x->s);
        }
        if (err)
            *err = msg;
        else
            g_free(msg);
        g_free(why);
        return -1;
    }
    return gos_exec_push(x, &cmd);
}

int gos_exec_push_live(gos_exec *x, const char *line, char **err)
{
    gos_cmd cmd;
    if (gos_cmd_parse(line, &cmd, err) < 0)
        return -1;
    if (!(cmd.action->flags & GOS_ACT_LIVE) || gos_exec_busy(x)) {
        if (err)
            *err = g_strdup(gos_exec_busy(x) ? _("A macro or a wait is running: the list changes when Enter is pressed.")
                                             : _("This action does not run as you type."));
        gos_cmd_clear(&cmd);
        return -1;
    }
    item *it = item_new(&cmd, true);
    it->where = g_strdup("");
    it->live = true;
    /* It runs now, beside a line that waits for the inventory, as a passive one does. */
    x->held = x->cur;
    x->cur = it;
    prepare(x, true);
    if (x->cur == it)
        gos_exec_end_cur(x);
    x->cur = x->held;
    x->held = NULL;
    return 0;
}

void gos_exec_play(gos_exec *x, gos_script *script, const char *origin)
{
    gos_exec_push_frame(x, script, NULL, origin);
}

void gos_exec_answer(gos_exec *x, bool yes)
{
    item *it = x->cur;
    if (!it || it->st != ST_ASK_CONFIRM)
        return;
    if (yes) {
        /* Exactly the VMs shown, named, so that a recording keeps them. */
        gos_session_name_targets(x->s, &it->cmd, (caps_now(x) & GOS_FE_CURSOR) != 0);
        execute(x);
        return;
    }
    const char *m = it->from_script ? gos_exec_macro(x) : NULL;
    if (m)
        /* TRANSLATORS: %s: a macro name; the operator said no to one of its lines. */
        gos_session_set_status(x->s, _("Nothing was done; macro %s stopped."), m);
    else
        gos_session_set_status(x->s, "%s", _("Nothing was done."));
    if (it->from_script)
        g_array_set_size(x->frames, 0);
    report(x, it, 0, NULL, 0);
    gos_exec_end_cur(x);
}

void gos_exec_answer_text(gos_exec *x, const char *text)
{
    item *it = x->cur;
    if (!it || it->st != ST_ASK_TEXT)
        return;
    if (!text) {
        gos_exec_end_cur(x);
        return;
    }
    g_strfreev(it->cmd.argv);
    it->cmd.argc = 1;
    it->cmd.argv = g_new0(char *, 2);
    it->cmd.argv[0] = g_strdup(text);
    execute(x);
}

