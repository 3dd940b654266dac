/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Times as guestos stores and prints them: UTC milliseconds, ISO 8601 text. */
#ifndef GOS_BASE_TIME_H
#define GOS_BASE_TIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Now, in UTC milliseconds since the epoch. */
int64_t gos_now_ms(void);

/* "2026-11-30T10:00:00.123Z" (with_ms) or "2026-11-30T10:00:00Z" (UTC), newly
 * allocated; NULL for ms <= 0 (not known). */
char *gos_time_iso(int64_t ms, bool with_ms);
/* The same into b, NUL-terminated; returns its length, 0 (b empty) when
 * ms <= 0 or past 9999-12-31. */
#define GOS_TIME_ISO_MAX sizeof "2026-11-30T10:00:00.123Z"
size_t gos_time_iso_buf(int64_t ms, bool with_ms, char b[GOS_TIME_ISO_MAX]);

/* The local time for people, "2026-11-30 11:00:00", into buf; "-" for ms <= 0. */
const char *gos_time_local(int64_t ms, char *buf, size_t len);
/* The same in UTC, as the audit log's filters and exports read and write times. */
const char *gos_time_utc(int64_t ms, char *buf, size_t len);

/* Parses ISO 8601 (2026-11-30T10:00:00Z, with an offset, or without a zone
 * as UTC) or a date (2026-11-30, midnight UTC) into UTC ms. Returns 0 or -1. */
int gos_time_parse(const char *text, int64_t *ms);

#endif
