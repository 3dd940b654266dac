/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The HRESULT table of the Logoff contract: names, hex forms, localized descriptions. */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/hresult.h"
#include "base/i18n.h"

typedef struct {
    gos_hr code;
    const char *name;
    const char *desc;
} hr_entry;

/* TRANSLATORS: these describe HRESULT codes; the German catalog follows the
 * wording of the original IVMGuestOS::Logoff documentation. */
static const hr_entry hr_table[] = {
    { GOS_S_OK, "S_OK", N_("The operation was performed.") },
    { GOS_DISP_E_EXCEPTION, "DISP_E_EXCEPTION", N_("An unexpected error has occurred.") },
    { GOS_E_POINTER, "E_POINTER", N_("The parameter is NULL.") },
    { GOS_E_ACCESSDENIED, "HRESULT_FROM_WIN32(ERROR_ACCESS_DENIED)",
      N_("The caller must have permission to access this virtual machine.") },
    { GOS_VM_E_TIMED_OUT, "VM_E_TIMED_OUT", N_("The operation did not finish in time.") },
    { GOS_VM_E_ADDITIONS_FEATURE_NOT_AVAIL, "VM_E_ADDITIONS_FEATURE_NOT_AVAIL",
      N_("The integration components feature is not installed on this virtual machine.") },
    { GOS_VM_E_VM_NOT_RUNNING, "VM_E_VM_NOT_RUNNING",
      N_("The virtual machine must be running for this operation.") },
    { GOS_VM_E_VM_UNKNOWN, "VM_E_VM_UNKNOWN", N_("The configuration is unknown.") },
    { GOS_E_NO_SUCH_LOGON_SESSION, "HRESULT_FROM_WIN32(ERROR_NO_SUCH_LOGON_SESSION)",
      N_("There are no logon sessions in the guest operating system.") },
    { GOS_E_INVALIDARG, "E_INVALIDARG", N_("The parameter is not valid.") },
    { GOS_E_FAIL, "E_FAIL", N_("The task cannot be cancelled.") },
    { GOS_E_ABORT, "E_ABORT", N_("The task was cancelled.") },
};

#define N_HR (sizeof hr_table / sizeof hr_table[0])

static const hr_entry *hr_lookup(gos_hr hr)
{
    for (size_t i = 0; i < N_HR; i++)
        if (hr_table[i].code == hr)
            return &hr_table[i];
    return NULL;
}

size_t gos_hr_count(void) { return N_HR; }

gos_hr gos_hr_at(size_t i) { return i < N_HR ? hr_table[i].code : GOS_S_OK; }

const char *gos_hr_name(gos_hr hr)
{
    const hr_entry *e = hr_lookup(hr);
    return e ? e->name : NULL;
}

const char *gos_hr_describe(gos_hr hr)
{
    const hr_entry *e = hr_lookup(hr);
    return e ? _(e->desc) : _("An error with an unknown code has occurred.");
}

char *gos_hr_format(gos_hr hr, char *buf, size_t len)
{
    const char *name = gos_hr_name(hr);
    if (name)
        snprintf(buf, len, "0x%08X %s", (unsigned)hr, name);
    else
        snprintf(buf, len, "0x%08X", (unsigned)hr);
    return buf;
}

int gos_hr_parse(const char *text, gos_hr *out)
{
    if (!text || !*text)
        return -1;
    for (size_t i = 0; i < N_HR; i++) {
        if (strcasecmp(text, hr_table[i].name) == 0) {
            *out = hr_table[i].code;
            return 0;
        }
    }
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 0);
    if (errno || end == text || *end || v > 0xFFFFFFFFull || text[0] == '-')
        return -1;
    *out = (gos_hr)v;
    return 0;
}
