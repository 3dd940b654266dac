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
    GUri *u = g_uri_parse(uri, G_URI_FLAGS_NON_DNS | G_URI_FLAGS_ENCODED, NULL);
    if (!u)
        return g_strdup(uri);
    char *scheme = g_strdup(g_uri_get_scheme(u));
    char *plus = strchr(scheme, '+');
    if (plus)
        *plus = '\0';
    const char *host = g_uri_get_host(u);
    char *out;
    if (host && *host) {
        /* qemu+ssh://root@h1.example.org:22/system -> h1; an address stays whole */
        out = g_hostname_is_ip_address(host) ? g_strdup(host) : g_strndup(host, strcspn(host, "."));
    } else {
        /* test:///default -> test:default; qemu:///system -> qemu */
        const char *path = g_uri_get_path(u);
        const char *base = strrchr(path, '/');
        base = base ? base + 1 : path;
        out = !*base || !strcmp(base, "system") ? g_strdup(scheme) : g_strdup_printf("%s:%s", scheme, base);
    }
    g_uri_unref(u);
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
