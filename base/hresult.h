/* SPDX-License-Identifier: GPL-2.0-or-later */
/* HRESULT codes of the IVMGuestOS::Logoff contract: the base layer that core/ and db/ share. */
#ifndef GOS_BASE_HRESULT_H
#define GOS_BASE_HRESULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint32_t gos_hr;

#define GOS_S_OK                             0x00000000u
#define GOS_E_FAIL                           0x80004005u
#define GOS_E_ABORT                          0x80004004u
#define GOS_E_POINTER                        0x80004003u
#define GOS_E_INVALIDARG                     0x80070057u
#define GOS_DISP_E_EXCEPTION                 0x80020009u
#define GOS_E_ACCESSDENIED                   0x80070005u
#define GOS_E_NO_SUCH_LOGON_SESSION          0x80070520u
#define GOS_VM_E_TIMED_OUT                   0xA0040202u
#define GOS_VM_E_VM_NOT_RUNNING              0xA0040206u
#define GOS_VM_E_VM_UNKNOWN                  0xA0040207u
#define GOS_VM_E_ADDITIONS_FEATURE_NOT_AVAIL 0xA0040505u

/* Longest text gos_hr_format() writes, NUL included. */
#define GOS_HR_FORMAT_LEN 64

/* The stable symbolic name ("VM_E_TIMED_OUT"), or NULL for a code not in the table. */
const char *gos_hr_name(gos_hr hr);

/* The localized one-sentence description; a generic sentence for unknown codes. */
const char *gos_hr_describe(gos_hr hr);

/* Writes "0xA0040505 VM_E_ADDITIONS_FEATURE_NOT_AVAIL" (or only the hex form for
 * a code without a name) into buf of at least GOS_HR_FORMAT_LEN bytes; returns buf. */
char *gos_hr_format(gos_hr hr, char *buf, size_t len);

/* Parses "0xA0040505", "2684617989" or a symbolic name. Returns 0 on success. */
int gos_hr_parse(const char *text, gos_hr *out);

/* True for failure codes (severity bit set). */
static inline bool gos_hr_failed(gos_hr hr) { return (hr & 0x80000000u) != 0; }

/* Number of entries in the code table, and the code at index i (for tests, help). */
size_t gos_hr_count(void);
gos_hr gos_hr_at(size_t i);

#endif
