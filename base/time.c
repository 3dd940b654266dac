/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The one formatter and parser of times, on GLib's GDateTime. */
#include <config.h>

#include <stdio.h>

#include <glib.h>

#include "base/time.h"

int64_t gos_now_ms(void) { return g_get_real_time() / 1000; }

/* ms as a GDateTime in tz, floored to the second (times before 1970 too). */
static GDateTime *from_ms(int64_t ms, bool local, int *frac)
{
    int64_t secs = ms / 1000, f = ms % 1000;
    if (f < 0) {
        f += 1000;
        secs -= 1;
    }
    *frac = (int)f;
    return local ? g_date_time_new_from_unix_local(secs) : g_date_time_new_from_unix_utc(secs);
}

/* Two decimal digits of v (0..99) at p. */
static void put2(char *p, int v)
{
    p[0] = (char)('0' + v / 10);
    p[1] = (char)('0' + v % 10);
}

/* The digits are put in place rather than printed: the exports write two of
 * these per task, and g_date_time_format plus a printf took four times as long
 * as the rest of a CSV row. */
char *gos_time_iso(int64_t ms, bool with_ms)
{
    if (ms <= 0)
        return NULL;
    int frac, y, mo, d;
    GDateTime *dt = from_ms(ms, false, &frac);
    if (!dt)
        return NULL;
    g_date_time_get_ymd(dt, &y, &mo, &d);
    /* "YYYY-MM-DDTHH:MM:SS.mmmZ"; GDateTime's years end at 9999. */
    char b[sizeof "2026-11-30T10:00:00.123Z"];
    put2(b, y / 100);
    put2(b + 2, y % 100);
    b[4] = '-';
    put2(b + 5, mo);
    b[7] = '-';
    put2(b + 8, d);
    b[10] = 'T';
    put2(b + 11, g_date_time_get_hour(dt));
    b[13] = ':';
    put2(b + 14, g_date_time_get_minute(dt));
    b[16] = ':';
    put2(b + 17, g_date_time_get_second(dt));
    g_date_time_unref(dt);
    size_t n = 19;
    if (with_ms) {
        b[n++] = '.';
        b[n++] = (char)('0' + frac / 100);
        put2(b + n, frac % 100);
        n += 2;
    }
    b[n++] = 'Z';
    return g_strndup(b, n);
}

/* "YYYY-MM-DD HH:MM:SS" of ms, local or UTC, into buf; "-" for none. */
static const char *format_seconds(int64_t ms, bool local, char *buf, size_t len)
{
    if (ms <= 0) {
        g_strlcpy(buf, "-", len);
        return buf;
    }
    int frac;
    GDateTime *dt = from_ms(ms, local, &frac);
    char *s = dt ? g_date_time_format(dt, "%Y-%m-%d %H:%M:%S") : NULL;
    g_strlcpy(buf, s ? s : "?", len);
    g_free(s);
    if (dt)
        g_date_time_unref(dt);
    return buf;
}

const char *gos_time_local(int64_t ms, char *buf, size_t len) { return format_seconds(ms, true, buf, len); }

const char *gos_time_utc(int64_t ms, char *buf, size_t len) { return format_seconds(ms, false, buf, len); }

int gos_time_parse(const char *text, int64_t *ms)
{
    if (!text)
        return -1;
    GTimeZone *utc = g_time_zone_new_utc();
    GDateTime *dt = g_date_time_new_from_iso8601(text, utc);
    if (!dt) {
        int y, m, d;
        char tail;
        if (sscanf(text, "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3)
            dt = g_date_time_new(utc, y, m, d, 0, 0, 0);
    }
    g_time_zone_unref(utc);
    if (!dt)
        return -1;
    *ms = g_date_time_to_unix(dt) * 1000 + g_date_time_get_microsecond(dt) / 1000;
    g_date_time_unref(dt);
    return 0;
}
