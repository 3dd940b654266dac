/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Who is logged on, asked of the guest: the logind script through guest-exec, and guest-get-users. */
#include <config.h>

#include <string.h>

#include <glib.h>
#include <libvirt/virterror.h>

#include "base/i18n.h"
#include "base/text.h"
#include "core/agent.h"
#include "core/logons.h"

int gos_logons_read(virDomainPtr dom, int64_t deadline_ms, bool *logind, gos_logon **out, size_t *n, int *virt_code,
                    char **err)
{
    const char *args[] = { "-c", gos_logons_script, "guestos-logons", NULL };
    gos_agent_exec_status st = { 0 };
    if (gos_agent_exec(dom, "/bin/sh", args, deadline_ms, &st, virt_code, err) < 0)
        return -1;
    int rc = -1;
    if (st.truncated)
        rc = gos_logons_fail(err, _("the guest agent cut it short"));
    else if (!st.has_exitcode || st.exitcode != 0 || st.has_signal) {
        /* What it said is on stderr ("logind does not answer"). */
        const char *text = st.err && *st.err ? st.err : st.out ? st.out : "";
        char *said = gos_text_clean(text, 256);
        /* TRANSLATORS: %1$d: the script's exit status; %2$s: what it printed. */
        char *why = g_strdup_printf(_("the script exited with status %1$d (%2$s)"), st.has_exitcode ? st.exitcode : -1,
                                    said);
        rc = gos_logons_fail(err, why);
        g_free(why);
        g_free(said);
    } else {
        rc = gos_logons_parse(st.out ? st.out : "", st.out ? st.out_len : 0, logind, out, n, err);
    }
    if (rc < 0 && virt_code)
        *virt_code = VIR_ERR_INTERNAL_ERROR;
    gos_agent_exec_status_clear(&st);
    return rc;
}

void gos_logons_probe(virDomainPtr dom, gos_vm *vm, int64_t deadline_ms)
{
    gos_vm_clear_users(vm, NULL);

    bool windows = vm->os_id && !g_ascii_strcasecmp(vm->os_id, "mswindows");
    bool exec = (vm->features & GOS_FEAT_EXEC) != 0;
    char *why_logind = NULL, *why_utmp = NULL;
    bool logind_read = false, logind = false;
    int code = 0;
    if (!windows && exec)
        logind_read = gos_logons_read(dom, deadline_ms, &logind, &vm->logons, &vm->n_logons, &code, &why_logind) == 0;
    gos_user *utmp = NULL;
    size_t n_utmp = 0;
    bool utmp_read = gos_agent_get_users(dom, gos_agent_timeout(deadline_ms, GOS_AGENT_PROBE_TIMEOUT), &utmp, &n_utmp,
                                         &code, &why_utmp) == 0;
    vm->logind = logind_read && logind;
    if (vm->logind || (logind_read && utmp_read) || (windows && utmp_read)) {
        /* logind answered; or the guest runs none and utmp is all there is;
         * or Windows, whose agent reads its sessions itself. */
        vm->users_known = true;
    } else if (utmp_read && n_utmp > 0) {
        /* utmp lists someone: they are on, but others may be too. */
        vm->users_known = true;
        vm->users_note = exec ? g_strdup_printf(_("From utmp alone: logind's sessions could not be read (%s)."),
                                                why_logind ? why_logind : "")
                              : g_strdup(_("From utmp alone: the guest agent does not allow guest-exec, so "
                                           "logind's sessions were not read."));
    } else {
        /* Nothing read, or utmp empty where logind could not be asked: an
         * empty utmp says nothing on guests that keep none (Debian 13). */
        vm->users_note = !utmp_read
                             /* TRANSLATORS: %s: why guest-get-users failed. */
                             ? g_strdup_printf(_("Not known: the guest agent's user list could not be read (%s)."),
                                               why_utmp ? why_utmp : "")
                         : exec ? g_strdup_printf(_("Not known: utmp lists nobody, and logind's sessions could not "
                                                    "be read (%s)."),
                                                  why_logind ? why_logind : "")
                                : g_strdup(_("Not known: utmp lists nobody, which says nothing on guests that keep "
                                             "no utmp (Debian 13 and later), and the guest agent does not allow "
                                             "guest-exec to read logind's sessions."));
    }
    if (vm->users_known)
        gos_logons_users(vm->logons, vm->n_logons, vm->logind, utmp, n_utmp, &vm->users, &vm->n_users,
                         &vm->stale_utmp);
    gos_users_free(utmp, n_utmp);
    g_free(why_logind);
    g_free(why_utmp);
}
