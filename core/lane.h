/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Lanes: one host's queue of inventory work, a few jobs at once, on threads no other host can hold. */
#ifndef GOS_LANE_H
#define GOS_LANE_H

#include <stdbool.h>
#include <stddef.h>

typedef struct gos_lane gos_lane;

typedef void (*gos_lane_fn)(void *data);

/* A lane that runs at most limit jobs at once (at least 1). Each host has
 * its own lanes, so a host whose calls hang holds only its own jobs: the
 * threads come from a process-wide pool that grows with the lanes' limits
 * (up to GOS_LANE_MAX_THREADS over all lanes), not from a few shared ones. */
gos_lane *gos_lane_new(int limit);

/* Queues a job. Urgent jobs run before the others (channel reads before
 * agent probes). run is called on a worker; drop, when not NULL, instead of
 * run for a job that is cleared before it ran. Both own data. */
void gos_lane_push(gos_lane *lane, bool urgent, gos_lane_fn run, gos_lane_fn drop, void *data);

/* Changes how many jobs run at once; running ones go on. */
void gos_lane_set_limit(gos_lane *lane, int limit);

/* Drops every queued job (calling drop); running ones go on. */
void gos_lane_clear(gos_lane *lane);

/* Jobs waiting and running now. */
void gos_lane_counts(gos_lane *lane, size_t *queued, size_t *running);

/* Waits up to timeout_ms for the running jobs to end; true when none runs. */
bool gos_lane_wait(gos_lane *lane, long timeout_ms);

/* Clears the lane and lets go of it: it is freed when its last running job
 * ends, so a job stuck in a call never blocks the caller. Accepts NULL. */
void gos_lane_free(gos_lane *lane);

/* Threads over all lanes at most. */
#define GOS_LANE_MAX_THREADS 512

#endif
