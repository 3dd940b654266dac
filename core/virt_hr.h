/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libvirt's errors as the contract's HRESULTs. */
#ifndef GOS_VIRT_HR_H
#define GOS_VIRT_HR_H

#include "base/hresult.h"

/* What guestos knows of the guest agent when a libvirt call fails; it tells
 * a missing agent from a hung one (both come back as VIR_ERR_AGENT_UNRESPONSIVE). */
typedef enum {
    GOS_AGENT_LINK_UNKNOWN = 0,
    GOS_AGENT_LINK_DISCONNECTED,  /* never connected, or disconnected */
    GOS_AGENT_LINK_CONNECTED,     /* the channel is up: silence is a hang */
} gos_agent_link;

/* Maps the libvirt error code (virErrorNumber) of a failed call to the
 * contract's HRESULT; a failure without a code (VIR_ERR_OK) is DISP_E_EXCEPTION. */
gos_hr gos_hr_from_virt(int virt_code, gos_agent_link link);

#endif
