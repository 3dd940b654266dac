/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libvirt's errors as the contract's HRESULTs: the one mapping of DESIGN.md section 1. */
#include <config.h>

#include <libvirt/virterror.h>

#include "core/virt_hr.h"

/* The mapping of DESIGN.md section 1, as one table. Anything not listed is
 * an unexpected error (DISP_E_EXCEPTION). */
typedef struct {
    int virt;
    gos_hr hr;
} virt_map;

static const virt_map virt_table[] = {
    { VIR_ERR_NO_DOMAIN, GOS_VM_E_VM_UNKNOWN },
    { VIR_ERR_INVALID_DOMAIN, GOS_VM_E_VM_UNKNOWN },
    { VIR_ERR_OPERATION_DENIED, GOS_E_ACCESSDENIED },
    { VIR_ERR_ACCESS_DENIED, GOS_E_ACCESSDENIED },
    { VIR_ERR_AUTH_FAILED, GOS_E_ACCESSDENIED },
    { VIR_ERR_AUTH_CANCELLED, GOS_E_ACCESSDENIED },
    { VIR_ERR_AUTH_UNAVAILABLE, GOS_E_ACCESSDENIED },
    { VIR_ERR_OPERATION_TIMEOUT, GOS_VM_E_TIMED_OUT },
    { VIR_ERR_NO_SUPPORT, GOS_VM_E_ADDITIONS_FEATURE_NOT_AVAIL },
    { VIR_ERR_AGENT_UNSYNCED, GOS_VM_E_ADDITIONS_FEATURE_NOT_AVAIL },
    { VIR_ERR_OPERATION_INVALID, GOS_VM_E_VM_NOT_RUNNING },
};

gos_hr gos_hr_from_virt(int virt_code, gos_agent_link link)
{
    /* It maps failures: one that came without a code is still a failure,
     * never S_OK. */
    if (virt_code == VIR_ERR_OK)
        return GOS_DISP_E_EXCEPTION;
    /* libvirt says "unresponsive" both for an agent that is not there and
     * for one that hangs: only the channel state tells them apart. */
    if (virt_code == VIR_ERR_AGENT_UNRESPONSIVE)
        return link == GOS_AGENT_LINK_CONNECTED ? GOS_VM_E_TIMED_OUT
                                                : GOS_VM_E_ADDITIONS_FEATURE_NOT_AVAIL;
    for (size_t i = 0; i < sizeof virt_table / sizeof virt_table[0]; i++)
        if (virt_table[i].virt == virt_code)
            return virt_table[i].hr;
    return GOS_DISP_E_EXCEPTION;
}
