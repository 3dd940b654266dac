/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The names of VMTaskResult values, spelled once for every part of guestos. */
#include <config.h>

#include <glib.h>

#include "base/result.h"

static const char *const result_names[] = {
    "Success", "Cancelled", "UnexpectedError", "OutOfMemoryError", "DiskRelatedError",
    "IncompatibleSavedStateError", "TimeOutError", "IllegalValueError", "ThreadCrashError",
    "ShutdownAbort",
};

const char *gos_result_name(int result)
{
    if (result == GOS_RESULT_INTERRUPTED)
        return "Interrupted";
    if (result >= 0 && result < (int)G_N_ELEMENTS(result_names))
        return result_names[result];
    return NULL;
}

int gos_result_parse(const char *name)
{
    if (!name)
        return GOS_RESULT_NONE;
    if (!g_ascii_strcasecmp(name, "Interrupted"))
        return GOS_RESULT_INTERRUPTED;
    for (int i = 0; i < (int)G_N_ELEMENTS(result_names); i++)
        if (!g_ascii_strcasecmp(name, result_names[i]))
            return i;
    return GOS_RESULT_NONE;
}
