/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Counts for people: digits grouped by the separator the catalog gives, whatever LC_NUMERIC says. */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "base/count.h"
#include "base/i18n.h"

const char *gos_format_count(size_t n, char *buf, size_t len)
{
    char digits[32];
    int nd = snprintf(digits, sizeof digits, "%zu", n);
    /* TRANSLATORS: what groups the digits of large counts (10,000 VMs): "," in English, "." in German. */
    const char *sep = C_("thousands separator", ",");
    size_t sl = strlen(sep), o = 0;
    for (int i = 0; i < nd && o + 1 < len; i++) {
        if (i > 0 && (nd - i) % 3 == 0 && o + sl + 1 < len) {
            memcpy(buf + o, sep, sl);
            o += sl;
        }
        buf[o++] = digits[i];
    }
    if (len)
        buf[o < len ? o : len - 1] = '\0';
    return buf;
}
