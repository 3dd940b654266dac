/* SPDX-License-Identifier: GPL-2.0-or-later */
/* VMTaskResult, the outcome of an IVMTask, and the two states the audit log adds to it. */
#ifndef GOS_BASE_RESULT_H
#define GOS_BASE_RESULT_H

/* VMTaskResult. */
typedef enum {
    GOS_RESULT_SUCCESS = 0,
    GOS_RESULT_CANCELLED = 1,
    GOS_RESULT_UNEXPECTED = 2,
    GOS_RESULT_OUT_OF_MEMORY = 3,
    GOS_RESULT_DISK = 4,
    GOS_RESULT_INCOMPATIBLE_STATE = 5,
    GOS_RESULT_TIMEOUT = 6,
    GOS_RESULT_ILLEGAL_VALUE = 7,
    GOS_RESULT_THREAD_CRASH = 8,
    GOS_RESULT_SHUTDOWN_ABORT = 9,
} gos_task_result;

/* Not VMTaskResults: a task the log has not seen end yet, and one that
 * started and never ended (its process went away). */
#define GOS_RESULT_NONE        (-1)
#define GOS_RESULT_INTERRUPTED (-2)

/* The stable English name ("Success", "TimeOutError", "Interrupted"); NULL
 * for GOS_RESULT_NONE and values outside the enumeration. Scripts read these. */
const char *gos_result_name(int result);

/* The result a name stands for (any case), or GOS_RESULT_NONE when none does. */
int gos_result_parse(const char *name);

#endif
