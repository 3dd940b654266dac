/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The filter words shared by `guestos audit` and the audit view (--vm web1 --result TimeOutError ...). */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "base/hresult.h"
#include "base/i18n.h"
#include "base/time.h"
#include "db/audit_priv.h"

typedef enum { W_VM, W_OPERATOR, W_ACTION, W_HOST, W_SEARCH, W_RESULT, W_HRESULT, W_SINCE, W_UNTIL, W_ORIGIN } word_kind;

static const struct {
    const char *name;
    word_kind kind;
} words[] = {
    { "--vm", W_VM }, { "--operator", W_OPERATOR }, { "--action", W_ACTION }, { "--host", W_HOST },
    { "--search", W_SEARCH }, { "--result", W_RESULT }, { "--hresult", W_HRESULT },
    { "--since", W_SINCE }, { "--until", W_UNTIL }, { "--origin", W_ORIGIN },
};

/* The words are the options of `guestos audit` (tui/cli.c), and its sentences
 * are the same, so that the prompt and the command line answer alike. */
int gos_audit_filter_parse(int argc, char *const *argv, gos_audit_filter *out, char **err)
{
    gos_audit_filter f = { 0 };

    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i], *eq = strchr(arg, '='), *value;
        size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
        int w = -1, prefixes = 0;

        /* Like getopt_long: the whole name, or a prefix that only one name has. */
        for (size_t k = 0; k < G_N_ELEMENTS(words) && len > 2; k++) {
            if (strncmp(words[k].name, arg, len) != 0)
                continue;
            if (strlen(words[k].name) == len) {
                w = (int)k;
                prefixes = 1;
                break;
            }
            w = (int)k;
            prefixes++;
        }
        if (w < 0 || prefixes != 1) {
            gos_audit_set_err(err,
                /* TRANSLATORS: keep the option names (--vm, ...) as they are. */
                _("'%s' is not an audit filter: use --vm, --operator, --action, --host, --origin, --result, --hresult, --since, --until or --search."),
                arg);
            return -1;
        }
        if (eq) {
            value = eq + 1;
        } else if (i + 1 < argc) {
            value = argv[++i];
        } else {
            /* TRANSLATORS: %s is an option name such as --vm. */
            gos_audit_set_err(err, _("The filter %s needs a value."), words[w].name);
            return -1;
        }
        switch (words[w].kind) {
        case W_VM: f.vm = value; break;
        case W_OPERATOR: f.op_user = value; break;
        case W_ACTION: f.action = value; break;
        case W_HOST: f.host = value; break;
        case W_SEARCH: f.text = value; break;
        case W_ORIGIN: f.origin = value; break;
        case W_RESULT:
            if ((f.result = gos_result_parse(value)) == GOS_RESULT_NONE) {
                gos_audit_set_err(err, _("'%s' is not a task result (Success, Cancelled, UnexpectedError, TimeOutError, Interrupted, ...)."),
                                  value);
                return -1;
            }
            f.has_result = true;
            break;
        case W_HRESULT:
            if (gos_hr_parse(value, &f.hresult) != 0) {
                gos_audit_set_err(err, _("'%s' is not an HRESULT (0xA0040505 or a name such as VM_E_TIMED_OUT)."),
                                  value);
                return -1;
            }
            f.has_hresult = true;
            break;
        case W_SINCE:
        case W_UNTIL:
            if (gos_time_parse(value, words[w].kind == W_SINCE ? &f.since_ms : &f.until_ms) < 0) {
                gos_audit_set_err(err, _("'%s' is not a time: use 2026-11-30 or 2026-11-30T10:00:00Z."), value);
                return -1;
            }
            /* --until a bare date takes that whole day in, as a person means it. */
            if (words[w].kind == W_UNTIL && strlen(value) == 10)
                f.until_ms += 24 * 3600 * 1000 - 1;
            break;
        }
    }
    *out = f;
    return 0;
}
