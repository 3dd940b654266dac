/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The VM detail: every field guestos knows of the VM under the cursor. */
#include <config.h>

#include <glib.h>
#include <string.h>

#include "base/i18n.h"
#include "tui/view.h"

/* Column where values start. */
#define VALUE_X 22

static const char *chan_state_label(gos_chan_state st)
{
    switch (st) {
    /* TRANSLATORS: the state of the guest agent's channel. */
    case GOS_CHAN_CONNECTED: return _("connected");
    case GOS_CHAN_DISCONNECTED: return _("disconnected");
    default: return _("unknown");
    }
}

static void add_features(gos_lines *l, const gos_vm *vm)
{
    if (vm->features_known == 0) {
        /* Nothing listed: the agent never answered guest-info, which says
         * nothing about what it would offer. */
        gos_lines_add(l, GOS_ROLE_DIM, 4, _("All"), GOS_ROLE_DIM, VALUE_X,
                      _("unknown: the agent has not listed its commands"), GOS_ROLE_NORMAL, -1, NULL);
        return;
    }
    static const struct {
        unsigned bit;
        const char *name;     /* the agent commands, never translated */
        const char *label;
    } feats[] = {
        /* TRANSLATORS: agent features in the VM detail. */
        { GOS_FEAT_USERS, "guest-get-users", N_("Users") },
        { GOS_FEAT_EXEC, "guest-exec", N_("Exec (logoff)") },
        { GOS_FEAT_OSINFO, "guest-get-osinfo", N_("OS info") },
        { GOS_FEAT_SHUTDOWN, "guest-shutdown", N_("Shutdown") },
        { GOS_FEAT_TIMESYNC, "guest-set-time", N_("Time sync") },
        { GOS_FEAT_FREEZE, "guest-fsfreeze-*", N_("Backup freeze") },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(feats); i++) {
        const char *state;
        gos_role role;
        if (!(vm->features_known & feats[i].bit)) {
            /* TRANSLATORS: the agent did not list this command at all. */
            state = _("not offered");
            role = GOS_ROLE_DIM;
        } else if (vm->features & feats[i].bit) {
            state = _("enabled");
            role = GOS_ROLE_OK;
        } else {
            state = _("disabled");
            role = GOS_ROLE_WARN;
        }
        gos_lines_add(l, GOS_ROLE_DIM, 4, _(feats[i].label), role, VALUE_X, state,
                      GOS_ROLE_DIM, VALUE_X + 14, feats[i].name);
    }
}

static void build(gos_lines *l, gos_session *s, const gos_vm *vm)
{
    char buf[64];
    gos_lines_text(l, GOS_ROLE_HEADER, 0, vm->name ? vm->name : vm->uuid);
    gos_lines_blank(l);
    gos_lines_pair(l, VALUE_X, _("UUID"), GOS_ROLE_NORMAL, vm->uuid);
    gos_lines_pair(l, VALUE_X, _("Host"), GOS_ROLE_NORMAL, vm->host);
    /* TRANSLATORS: %s: the VM state; %d: libvirt's reason code for it. */
    char *state = g_strdup_printf(_("%s (reason %d)"), gos_vm_state_label(vm->state), vm->reason);
    gos_lines_pair(l, VALUE_X, _("State"), vm->state == GOS_VM_RUNNING ? GOS_ROLE_RUNNING : GOS_ROLE_NORMAL, state);
    g_free(state);
    gos_lines_pair(l, VALUE_X, _("Marked"), GOS_ROLE_NORMAL, gos_session_is_marked(s, vm) ? _("yes") : _("no"));

    gos_lines_blank(l);
    gos_lines_text(l, GOS_ROLE_HEADER, 0, _("Integration components"));
    gos_lines_pair(l, VALUE_X, _("Agent channel"), GOS_ROLE_NORMAL,
                   !vm->channel_known ? _("not read yet") : vm->channel ? _("configured (org.qemu.guest_agent.0)")
                                                                    : _("not configured"));
    gos_lines_pair(l, VALUE_X, _("Channel state"), GOS_ROLE_NORMAL, chan_state_label(vm->channel_state));
    char *hb;
    if (vm->ping_us >= 0)
        /* TRANSLATORS: heartbeat label and the last guest-ping round trip. */
        hb = g_strdup_printf(_("%s (ping %.1f ms)"), gos_heartbeat_label(vm->heartbeat), vm->ping_us / 1000.0);
    else
        hb = g_strdup(gos_heartbeat_label(vm->heartbeat));
    gos_role hb_role = vm->heartbeat == GOS_HB_OK ? GOS_ROLE_OK
                       : vm->heartbeat == GOS_HB_DEGRADED ? GOS_ROLE_WARN
                       : vm->heartbeat == GOS_HB_NO_CONTACT || vm->heartbeat == GOS_HB_LOST ? GOS_ROLE_ERROR
                       : GOS_ROLE_NORMAL;
    gos_lines_pair(l, VALUE_X, _("Heartbeat"), hb_role, hb);
    g_free(hb);
    if (vm->agent_note)
        gos_lines_pair(l, VALUE_X, _("Why"), GOS_ROLE_NORMAL, vm->agent_note);
    gos_lines_pair(l, VALUE_X, _("Agent version"), GOS_ROLE_NORMAL, vm->agent_version ? vm->agent_version : "-");
    gos_lines_pair(l, VALUE_X, _("Last probe"), GOS_ROLE_NORMAL, gos_format_time(vm->probed_ms, buf, sizeof buf));
    gos_lines_text(l, GOS_ROLE_DIM, 2, _("Features"));
    add_features(l, vm);

    gos_lines_blank(l);
    gos_lines_text(l, GOS_ROLE_HEADER, 0, _("Guest"));
    char *os = vm->os_name || vm->os_id
                   ? g_strdup_printf("%s%s%s%s", vm->os_name ? vm->os_name : "", vm->os_id ? " (" : "",
                                     vm->os_id ? vm->os_id : "", vm->os_id ? ")" : "")
                   : g_strdup(_("unknown"));
    gos_lines_pair(l, VALUE_X, _("Operating system"), GOS_ROLE_NORMAL, os);
    g_free(os);

    if (!vm->users_known) {
        gos_lines_pair(l, VALUE_X, _("Users"), GOS_ROLE_DIM, _("unknown"));
        if (vm->users_note)
            gos_lines_pair(l, VALUE_X, _("Why"), GOS_ROLE_NORMAL, vm->users_note);
        return;
    }
    char *count = g_strdup_printf(ngettext("%zu logged on", "%zu logged on", vm->n_users), vm->n_users);
    gos_lines_pair(l, VALUE_X, _("Users"), GOS_ROLE_NORMAL, count);
    g_free(count);
    gos_lines_pair(l, VALUE_X, _("Read from"), GOS_ROLE_NORMAL,
                   vm->logind ? _("logind's sessions, and utmp") : _("utmp (the guest agent's user list)"));
    if (vm->users_note)
        gos_lines_pair(l, VALUE_X, _("Note"), GOS_ROLE_NORMAL, vm->users_note);
    for (size_t i = 0; i < vm->n_users; i++) {
        const gos_user *u = &vm->users[i];
        char *who = u->domain && *u->domain ? g_strdup_printf("%s\\%s", u->domain, u->name ? u->name : "?")
                                            : g_strdup(u->name ? u->name : "?");
        GString *what = g_string_new(NULL);
        if (u->login_ms > 0)
            /* TRANSLATORS: %s: the time a user logged on. */
            g_string_append_printf(what, _("since %s"), gos_format_time(u->login_ms, buf, sizeof buf));
        if (u->where)
            /* TRANSLATORS: %s: ttys and remote hosts ("tty2, 10.0.0.5"). */
            g_string_append_printf(what, "%s%s", what->len ? ", " : "", u->where);
        if (u->sources & GOS_USER_LOGIND) {
            if (what->len)
                g_string_append(what, "; ");
            /* TRANSLATORS: how many logind sessions a user has. */
            g_string_append_printf(what, ngettext("%zu session", "%zu sessions", u->sessions), u->sessions);
        }
        gos_lines_add(l, GOS_ROLE_NORMAL, 4, who, GOS_ROLE_DIM, VALUE_X, what->str, GOS_ROLE_NORMAL, -1, NULL);
        g_string_free(what, TRUE);
        g_free(who);
    }
    if (vm->stale_utmp) {
        char *names = g_strjoinv(", ", vm->stale_utmp);
        /* TRANSLATORS: %s: user names utmp lists although logind has no session of theirs. */
        char *m = g_strdup_printf(_("utmp also lists %s, without a logind session: stale records, not logons."), names);
        gos_lines_pair(l, VALUE_X, _("Stale"), GOS_ROLE_DIM, m);
        g_free(m);
        g_free(names);
    }
}

void gos_view_detail_draw(WINDOW *w, gos_session *s)
{
    gos_page_pos *pos = gos_session_page_pos(s, GOS_VIEW_DETAIL);
    int width = getmaxx(w), height = getmaxy(w);
    size_t n = gos_session_view_count(s);
    const gos_vm *vm = n ? gos_session_view_at(s, gos_session_cursor(s)) : NULL;
    gos_lines *l = gos_lines_new(width);
    if (vm)
        build(l, s, vm);
    else
        gos_lines_text(l, GOS_ROLE_DIM, 2, _("No VM is under the cursor."));
    pos->rows = height;
    pos->lines = (int)gos_lines_count(l);
    gos_lines_draw(l, w, 0, height, &pos->top);
    gos_lines_free(l);
}
