/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The one sanitizer: which characters of untrusted text may be shown as they are. */
#include <config.h>

#include <string.h>

#include "base/text.h"

/* Characters that are printable by Unicode's rules yet change how a terminal
 * or an editor shows what follows them. */
static bool reorders(gunichar c)
{
    return (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c == 0x200e || c == 0x200f ||
           c == 0x061c;
}

size_t gos_text_next(const char *text, gssize len, gunichar *c)
{
    if (!text || len == 0 || *text == '\0')
        return 0;
    gunichar u = g_utf8_get_char_validated(text, len);
    if (u == (gunichar)-1 || u == (gunichar)-2) {
        *c = (gunichar)-1;
        return 1;
    }
    size_t n = (size_t)(g_utf8_next_char(text) - text);
    GUnicodeType type = g_unichar_type(u);
    if (u < 0x20 || u == 0x7f || (u >= 0x80 && u < 0xa0) || reorders(u) || type == G_UNICODE_FORMAT ||
        type == G_UNICODE_LINE_SEPARATOR || type == G_UNICODE_PARAGRAPH_SEPARATOR ||
        type == G_UNICODE_CONTROL || type == G_UNICODE_SURROGATE)
        u = (gunichar)-1;
    *c = u;
    return n;
}

bool gos_text_unsafe(const char *text)
{
    gunichar c;
    size_t n;
    for (const char *p = text; p && (n = gos_text_next(p, -1, &c)) > 0; p += n)
        if (c == (gunichar)-1)
            return true;
    return false;
}

static char *clean(const char *text, size_t max_bytes, bool ascii)
{
    if (!text)
        return NULL;
    GString *out = g_string_sized_new(MIN(strlen(text), max_bytes) + 1);
    gunichar c;
    size_t n;
    for (const char *p = text; (n = gos_text_next(p, -1, &c)) > 0; p += n) {
        bool bad = c == (gunichar)-1 || (ascii && c >= 0x80);
        size_t add = bad ? 1 : n;
        if (out->len + add > max_bytes)
            break;
        if (bad)
            g_string_append_c(out, GOS_TEXT_REPLACEMENT);
        else
            g_string_append_len(out, p, (gssize)n);
    }
    return g_string_free(out, FALSE);
}

char *gos_text_clean(const char *text, size_t max_bytes) { return clean(text, max_bytes, false); }

char *gos_text_clean_ascii(const char *text, size_t max_bytes) { return clean(text, max_bytes, true); }

char *gos_text_for_locale(const char *text, size_t max_bytes)
{
    return clean(text, max_bytes, !g_get_charset(NULL));
}
