/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the views share: short host names, time formats. */
#include <config.h>

#include <glib.h>
#include <string.h>
#include <time.h>

#include "tui/view.h"

#include "base/time.h"

char *gos_host_short(const char *uri)
{
    if (!uri)
        return g_strdup("?");
    const char *colon = strstr(uri, "://");
    if (!colon)
        return g_strdup(uri);
    char *scheme = g_strndup(uri, (size_t)(colon - uri));
    char *plus = strchr(scheme, '+');
    if (plus)
        *plus = '\0';
    const char *auth = colon + 3;
    size_t alen = strcspn(auth, "/?");
    char *out;
    if (alen > 0) {
        /* qemu+ssh://root@h1.example.org:22/system -> h1 */
        char *host = g_strndup(auth, alen);
        char *at = strrchr(host, '@');
        char *h = at ? at + 1 : host;
        if (*h != '[')
            h[strcspn(h, ":.")] = '\0';
        out = g_strdup(*h ? h : host);
        g_free(host);
    } else {
        /* test:///default -> test:default; qemu:///system -> qemu */
        const char *path = auth + alen;
        const char *base = strrchr(path, '/');
        base = base ? base + 1 : path;
        size_t blen = strcspn(base, "?");
        if (blen == 0 || (blen == 6 && strncmp(base, "system", 6) == 0))
            out = g_strdup(scheme);
        else
            out = g_strdup_printf("%s:%.*s", scheme, (int)blen, base);
    }
    g_free(scheme);
    return out;
}

const char *gos_format_time(int64_t ms, char *buf, size_t len) { return gos_time_local(ms, buf, len); }

const char *gos_format_duration(int64_t ms, char *buf, size_t len)
{
    if (ms < 0)
        ms = 0;
    int64_t sec = ms / 1000;
    if (sec >= 3600)
        g_snprintf(buf, len, "%d:%02d:%02d", (int)(sec / 3600), (int)(sec / 60 % 60), (int)(sec % 60));
    else
        g_snprintf(buf, len, "%d:%02d", (int)(sec / 60), (int)(sec % 60));
    return buf;
}
