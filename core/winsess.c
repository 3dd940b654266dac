/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Windows `query session` output, which the guest writes: the sessions with a user, in any language. */
#include <config.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "base/text.h"
#include "core/winsess.h"

void gos_win_sessions_free(gos_win_session *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        g_free(s[i].session);
        g_free(s[i].user);
    }
    g_free(s);
}

/* The column of p in line, in characters: query session aligns its columns by
 * characters, and a header in Cyrillic or Greek takes two bytes a letter. */
static long char_col(const char *line, const char *p)
{
    return g_utf8_validate(line, p - line, NULL) ? g_utf8_pointer_to_offset(line, p) : p - line;
}

/* Column of the n-th header word (0-based), -1 when missing. */
static long header_col(const char *line, int n)
{
    const char *p = line;
    for (int w = 0; *p; w++) {
        while (*p == ' ' || *p == '>')
            p++;
        if (!*p)
            break;
        if (w == n)
            return char_col(line, p);
        while (*p && *p != ' ')
            p++;
    }
    return -1;
}

int gos_win_sessions_parse(const char *text, gos_win_session **out)
{
    if (!text)
        return -1;
    char **lines = g_strsplit_set(text, "\r\n", -1);
    char *header = NULL;
    size_t li = 0;
    for (; lines[li] && !header; li++) {
        const char *q = lines[li];
        while (*q == ' ' || *q == '\t')
            q++;
        if (*q)
            header = lines[li];
    }
    /* The header names SESSIONNAME, USERNAME, ID, ... in the guest's language:
     * the user column starts where its second word does. */
    long user_col = header ? header_col(header, 1) : -1;
    long id_col = header ? header_col(header, 2) : -1;
    /* The header is capitals (SESSIONNAME USERNAME ID STATE TYPE DEVICE, or
     * the guest's language's); a sentence ("No User exists for *") is not. */
    bool capitals = header && header_col(header, 3) >= 0;
    for (const char *p = header; capitals && *p; p++)
        capitals = !g_ascii_islower(*p);
    if (user_col < 0 || id_col < 0 || !capitals) {
        g_strfreev(lines);
        return -1;
    }
    GArray *rows = g_array_new(FALSE, TRUE, sizeof(gos_win_session));
    for (; lines[li]; li++) {
        const char *l = lines[li];
        if (!*l)
            continue;
        /* tokens with their columns */
        const char *tok[8];
        long col[8];
        size_t len[8];
        int nt = 0;
        const char *p = l;
        while (*p && nt < 8) {
            while (*p == ' ' || *p == '>' || *p == '\t')
                p++;
            if (!*p)
                break;
            tok[nt] = p;
            col[nt] = char_col(l, p);
            while (*p && *p != ' ' && *p != '\t')
                p++;
            len[nt] = (size_t)(p - tok[nt]);
            nt++;
        }
        int id_i = -1;
        for (int i = 0; i < nt; i++) {
            /* session ids are small; more digits is not query session's */
            bool digits = len[i] > 0 && len[i] <= 9;
            for (size_t k = 0; k < len[i]; k++)
                digits = digits && isdigit((unsigned char)tok[i][k]);
            if (digits) {
                id_i = i;
                break;
            }
        }
        if (id_i < 1)
            continue;
        /* The word just before the id is a user if it sits in the user column. */
        int u = id_i - 1;
        if (col[u] < user_col - 1)
            continue;
        /* More sessions than any guest has: the table is not query session's,
         * and a row past a limit must not go unseen. */
        if (rows->len >= GOS_WIN_SESSIONS_MAX) {
            gos_win_sessions_free((gos_win_session *)g_array_free(rows, FALSE), GOS_WIN_SESSIONS_MAX);
            g_strfreev(lines);
            return -1;
        }
        gos_win_session s = { 0 };
        char *raw = g_strndup(tok[u], len[u]);
        s.user = gos_text_clean(raw, 256);
        g_free(raw);
        if (u > 0) {
            raw = g_strndup(tok[0], len[0]);
            s.session = gos_text_clean(raw, 256);
            g_free(raw);
        }
        s.id = strtol(tok[id_i], NULL, 10);
        g_array_append_val(rows, s);
    }
    g_strfreev(lines);
    int n = (int)rows->len;
    *out = (gos_win_session *)g_array_free(rows, FALSE);
    return n;
}

