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

/* Days since 1970-01-01 as a proleptic Gregorian date, by whole 400-year
 * eras (146,097 days each), so that no time zone database, allocation or
 * table is needed; days >= 0 only (times before 1970 are "not known"). */
static void civil_from_days(int64_t days, int *y, int *m, int *d)
{
    int64_t z = days + 719468;                     /* days since 0000-03-01 */
    int64_t era = z / 146097;
    int64_t doe = z - era * 146097;                /* [0, 146096] */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;              /* March = 0 */

    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

/* The digits are put in place rather than printed, and the date computed
 * rather than asked of GDateTime: the exports write two of these per task,
 * and g_date_time_format plus a printf took four times as long as the rest
 * of a CSV row. */
size_t gos_time_iso_buf(int64_t ms, bool with_ms, char b[GOS_TIME_ISO_MAX])
{
    /* Up to 9999-12-31T23:59:59.999Z, four digits of year as everywhere else. */
    if (ms <= 0 || ms >= INT64_C(253402300800000)) {
        b[0] = '\0';
        return 0;
    }
    int64_t secs = ms / 1000, day = secs / 86400, sod = secs % 86400;
    int y, mo, d;

    civil_from_days(day, &y, &mo, &d);
    put2(b, y / 100);
    put2(b + 2, y % 100);
    b[4] = '-';
    put2(b + 5, mo);
    b[7] = '-';
    put2(b + 8, d);
    b[10] = 'T';
    put2(b + 11, (int)(sod / 3600));
    b[13] = ':';
    put2(b + 14, (int)(sod / 60 % 60));
    b[16] = ':';
    put2(b + 17, (int)(sod % 60));
    size_t n = 19;
    if (with_ms) {
        int frac = (int)(ms % 1000);
        b[n++] = '.';
        b[n++] = (char)('0' + frac / 100);
        put2(b + n, frac % 100);
        n += 2;
    }
    b[n++] = 'Z';
    b[n] = '\0';
    return n;
}

char *gos_time_iso(int64_t ms, bool with_ms)
{
    char b[GOS_TIME_ISO_MAX];
    size_t n = gos_time_iso_buf(ms, with_ms, b);

    return n ? g_strndup(b, n) : NULL;
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
