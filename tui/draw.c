/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Drawing primitives of the console: colour roles, width-aware text, progress bar, lines, text pages. */
#include <config.h>

#include "tui/draw.h"

#include "base/text.h"

#include <glib.h>
#include <langinfo.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/* One entry per role: colours when the terminal has them and NO_COLOR is
 * unset, attributes alone otherwise. -1 is the terminal's default colour. */
static const struct {
    short fg, bg;
    attr_t color_attr;
    attr_t mono_attr;
} scheme[GOS_ROLE_N] = {
    [GOS_ROLE_NORMAL]   = { -1, -1, A_NORMAL, A_NORMAL },
    [GOS_ROLE_TITLE]    = { COLOR_WHITE, COLOR_BLUE, A_BOLD, A_REVERSE },
    [GOS_ROLE_HEADER]   = { COLOR_BLACK, COLOR_GREEN, A_NORMAL, A_BOLD | A_UNDERLINE },
    [GOS_ROLE_SELECTED] = { COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_REVERSE },
    [GOS_ROLE_MARKED]   = { COLOR_YELLOW, -1, A_BOLD, A_BOLD },
    [GOS_ROLE_RUNNING]  = { COLOR_GREEN, -1, A_NORMAL, A_NORMAL },
    [GOS_ROLE_OFF]      = { -1, -1, A_DIM, A_DIM },
    [GOS_ROLE_OK]       = { COLOR_GREEN, -1, A_NORMAL, A_NORMAL },
    [GOS_ROLE_WARN]     = { COLOR_YELLOW, -1, A_NORMAL, A_BOLD },
    [GOS_ROLE_ERROR]    = { COLOR_RED, -1, A_BOLD, A_BOLD },
    [GOS_ROLE_BAR]      = { COLOR_GREEN, -1, A_NORMAL, A_NORMAL },
    [GOS_ROLE_HINT_KEY] = { COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_REVERSE },
    [GOS_ROLE_DIM]      = { -1, -1, A_DIM, A_DIM },
};

static attr_t role_attr[GOS_ROLE_N];
static bool use_color;
static bool use_unicode;
static bool utf8_locale;

static bool term_is_vt100_like(void)
{
    const char *term = getenv("TERM");
    if (!term || !*term || strcmp(term, "dumb") == 0)
        return true;
    return strncmp(term, "vt", 2) == 0;
}

void gos_draw_init(void)
{
    const char *no_color = getenv("NO_COLOR");
    const char *codeset = nl_langinfo(CODESET);

    utf8_locale = codeset && (strcmp(codeset, "UTF-8") == 0 || strcmp(codeset, "utf8") == 0);
    use_unicode = utf8_locale && !term_is_vt100_like();
    use_color = !(no_color && *no_color) && has_colors();
    if (use_color && start_color() == ERR)
        use_color = false;

    bool defaults = use_color && use_default_colors() != ERR;
    for (int r = 0; r < GOS_ROLE_N; r++) {
        if (!use_color) {
            role_attr[r] = scheme[r].mono_attr;
            continue;
        }
        short fg = scheme[r].fg, bg = scheme[r].bg;
        if (fg < 0 && bg < 0) {
            role_attr[r] = scheme[r].color_attr;
            continue;
        }
        if (!defaults) {
            /* Without default colours -1 is not allowed: assume a dark terminal. */
            fg = fg < 0 ? COLOR_WHITE : fg;
            bg = bg < 0 ? COLOR_BLACK : bg;
        }
        if (r + 1 >= COLOR_PAIRS || init_pair((short)(r + 1), fg, bg) == ERR) {
            role_attr[r] = scheme[r].mono_attr;
            continue;
        }
        role_attr[r] = scheme[r].color_attr | COLOR_PAIR(r + 1);
    }
}

attr_t gos_draw_attr(gos_role role)
{
    return (unsigned)role < GOS_ROLE_N ? role_attr[role] : A_NORMAL;
}

bool gos_draw_has_color(void)
{
    return use_color;
}

bool gos_draw_unicode(void)
{
    return use_unicode;
}

/* Decodes the next character of UTF-8 text (len bytes left) into *wc and
 * its display width. Everything guestos shows is UTF-8 (guest text, libvirt,
 * and the catalogs, bound with bind_textdomain_codeset); glibc's wchar_t is
 * UCS-4 whatever the locale. Undecodable bytes, non-printables, and any
 * non-ASCII character under a locale that is not UTF-8 become '?'. Returns
 * the bytes consumed (at least 1), 0 at the end. */
static size_t next_char(const char *text, size_t len, wchar_t *wc, int *width)
{
    gunichar c;
    size_t n = gos_text_next(text, (gssize)len, &c);
    if (n == 0)
        return 0;
    int cw = c == (gunichar)-1 ? -1 : (c < 0x80 || utf8_locale) ? wcwidth((wchar_t)c) : -1;
    if (cw < 0) {
        *wc = L'?';
        *width = 1;
        return n;
    }
    *wc = (wchar_t)c;
    *width = cw;
    return n;
}

int gos_text_width(const char *text)
{
    if (!text)
        return 0;
    size_t len = strlen(text);
    int total = 0;
    wchar_t wc;
    int cw;
    size_t n;
    while ((n = next_char(text, len, &wc, &cw)) > 0) {
        total += cw;
        text += n;
        len -= n;
    }
    return total;
}

size_t gos_text_wrap_at(const char *text, int width)
{
    size_t len = strlen(text), pos = 0, last_blank = 0;
    int used = 0;
    wchar_t wc;
    int cw;
    size_t n;
    while ((n = next_char(text + pos, len - pos, &wc, &cw)) > 0) {
        if (used + cw > width) {
            if (last_blank > 0)
                return last_blank;
            return pos > 0 ? pos : n;   /* a character wider than the line: take it whole */
        }
        if (wc == L' ')
            last_blank = pos;
        used += cw;
        pos += n;
    }
    return len;
}

/* gos_draw_text, and *cut (when not NULL) says whether a character did not fit. */
static int draw_text(WINDOW *w, int y, int x, int width, attr_t attr, const char *text, bool pad, bool *cut)
{
    int maxy = getmaxy(w), maxx = getmaxx(w);
    if (cut)
        *cut = false;
    if (y < 0 || y >= maxy || x < 0 || x >= maxx || width <= 0)
        return 0;
    if (width > maxx - x)
        width = maxx - x;

    wattr_set(w, attr & ~A_COLOR, (short)PAIR_NUMBER(attr), NULL);
    wmove(w, y, x);

    wchar_t buf[128];
    size_t nbuf = 0;
    int used = 0;
    if (text) {
        size_t len = strlen(text);
        wchar_t wc;
        int cw;
        size_t n;
        while ((n = next_char(text, len, &wc, &cw)) > 0) {
            text += n;
            len -= n;
            if (cw == 0 && used == 0)
                continue;                     /* a combining mark with nothing to combine with */
            if (used + cw > width) {
                if (cut)
                    *cut = true;
                break;
            }
            buf[nbuf++] = wc;
            used += cw;
            if (nbuf == G_N_ELEMENTS(buf)) {
                waddnwstr(w, buf, (int)nbuf);
                nbuf = 0;
            }
        }
        if (nbuf > 0)
            waddnwstr(w, buf, (int)nbuf);
    }
    if (pad && used < width) {
        /* whline leaves the cursor in place and never wraps, even in the last cell */
        wmove(w, y, x + used);
        whline(w, ' ' | attr, width - used);
    }
    wattr_set(w, A_NORMAL, 0, NULL);
    return used;
}

int gos_draw_text(WINDOW *w, int y, int x, int width, attr_t attr, const char *text, bool pad)
{
    return draw_text(w, y, x, width, attr, text, pad, NULL);
}

const char *gos_draw_ellipsis(void)
{
    return use_unicode ? "\u2026" : "~";
}

/* Bytes of text that fit in width columns. */
static size_t fitting(const char *text, int width)
{
    size_t len = strlen(text), pos = 0, n;
    int used = 0, cw;
    wchar_t wc;
    while ((n = next_char(text + pos, len - pos, &wc, &cw)) > 0 && used + cw <= width) {
        used += cw;
        pos += n;
    }
    return pos;
}

static int draw_cut(WINDOW *w, int y, int x, int width, attr_t attr, const char *text, bool words, bool pad)
{
    if (!text)
        text = "";
    if (width <= 0)
        return 0;
    /* One pass for the text that fits, which is most: only a cut one is drawn again. */
    bool cut = false;
    int used = draw_text(w, y, x, width, attr, text, pad, &cut);
    if (!cut)
        return used;
    const char *ell = gos_draw_ellipsis();
    int room = width - gos_text_width(ell);
    if (room < 1)
        return used;
    size_t at = fitting(text, room);
    if (words) {
        /* Back to the end of the last whole word, when there is one and
         * that keeps most of the room: a long word (a host's URI) is cut
         * rather than dropped whole. */
        size_t end = at;
        while (end > 0 && text[end] != ' ')
            end--;
        while (end > 0 && text[end - 1] == ' ')
            end--;
        if (end > 0 && end * 3 >= at * 2)
            at = end;
    }
    char *shown = g_strdup_printf("%.*s%s", (int)at, text, ell);
    used = gos_draw_text(w, y, x, width, attr, shown, pad);
    g_free(shown);
    return used;
}

int gos_draw_text_cut(WINDOW *w, int y, int x, int width, attr_t attr, const char *text)
{
    return draw_cut(w, y, x, width, attr, text, false, true);
}

int gos_draw_cell(WINDOW *w, int y, int x, int width, attr_t attr, const char *text)
{
    return draw_cut(w, y, x, width, attr, text, false, false);
}

int gos_draw_text_words(WINDOW *w, int y, int x, int width, attr_t attr, const char *text)
{
    return draw_cut(w, y, x, width, attr, text, true, true);
}

void gos_draw_text_right(WINDOW *w, int y, int x, int width, attr_t attr, const char *text)
{
    int tw = gos_text_width(text);
    if (tw < width) {
        gos_draw_fill(w, y, x, width - tw, attr);
        gos_draw_text(w, y, x + width - tw, tw, attr, text, false);
    } else {
        gos_draw_text(w, y, x, width, attr, text, true);
    }
}

void gos_draw_fill(WINDOW *w, int y, int x, int width, attr_t attr)
{
    gos_draw_text(w, y, x, width, attr, "", true);
}

void gos_draw_bar(WINDOW *w, int y, int x, int width, int percent)
{
    gos_draw_bar_role(w, y, x, width, percent, GOS_ROLE_BAR);
}

void gos_draw_bar_role(WINDOW *w, int y, int x, int width, int percent, gos_role role)
{
    if (width <= 0)
        return;
    if (percent < 0)
        percent = 0;
    if (percent > 100)
        percent = 100;

    attr_t bar = gos_draw_attr(role), dim = gos_draw_attr(GOS_ROLE_DIM);
    if (!use_unicode) {
        if (width < 3) {
            gos_draw_fill(w, y, x, width, A_NORMAL);
            return;
        }
        int inner = width - 2;
        int fill = percent * inner / 100;
        char *s = g_malloc((size_t)width + 1);
        s[0] = '[';
        memset(s + 1, '#', (size_t)fill);
        memset(s + 1 + fill, '.', (size_t)(inner - fill));
        s[width - 1] = ']';
        s[width] = '\0';
        gos_draw_text(w, y, x, width, bar, s, false);
        g_free(s);
        return;
    }

    /* Eighth blocks: U+2588 full, U+2589..U+258F seven eighths .. one eighth. */
    static const wchar_t partial[8] = { 0, 0x258F, 0x258E, 0x258D, 0x258C, 0x258B, 0x258A, 0x2589 };
    int eighths = percent * width * 8 / 100;
    int full = eighths / 8, rest = eighths % 8;
    if (y < 0 || y >= getmaxy(w) || x < 0 || x >= getmaxx(w))
        return;
    if (width > getmaxx(w) - x)
        width = getmaxx(w) - x;
    if (full > width)
        full = width;
    wmove(w, y, x);
    wattr_set(w, bar & ~A_COLOR, (short)PAIR_NUMBER(bar), NULL);
    for (int i = 0; i < full; i++)
        waddnwstr(w, L"\x2588", 1);
    int done = full;
    if (rest > 0 && done < width) {
        waddnwstr(w, &partial[rest], 1);
        done++;
    }
    wattr_set(w, dim & ~A_COLOR, (short)PAIR_NUMBER(dim), NULL);
    for (int i = done; i < width; i++)
        waddnwstr(w, L"\x2591", 1);
    wattr_set(w, A_NORMAL, 0, NULL);
}

/* A copy of a WACS_* line-drawing character carrying attr: whline_set and
 * wborder_set ignore the window's current attributes. */
static cchar_t glyph(const cchar_t *wacs, attr_t attr)
{
    cchar_t c;
    wchar_t wch[CCHARW_MAX + 1];
    attr_t ignored;
    short pair;
    if (getcchar(wacs, wch, &ignored, &pair, NULL) == ERR) {
        wch[0] = L'-';
        wch[1] = L'\0';
    }
    setcchar(&c, wch, attr & ~A_COLOR, (short)PAIR_NUMBER(attr), NULL);
    return c;
}

void gos_draw_hline(WINDOW *w, int y, int x, int width, attr_t attr)
{
    if (width <= 0 || y < 0 || y >= getmaxy(w) || x < 0 || x >= getmaxx(w))
        return;
    wmove(w, y, x);
    if (use_unicode) {
        cchar_t h = glyph(WACS_HLINE, attr);
        whline_set(w, &h, width);
    } else {
        whline(w, '-' | attr, width);
    }
}

void gos_draw_box(WINDOW *w, attr_t attr)
{
    if (use_unicode) {
        cchar_t v = glyph(WACS_VLINE, attr), h = glyph(WACS_HLINE, attr);
        cchar_t tl = glyph(WACS_ULCORNER, attr), tr = glyph(WACS_URCORNER, attr);
        cchar_t bl = glyph(WACS_LLCORNER, attr), br = glyph(WACS_LRCORNER, attr);
        wborder_set(w, &v, &v, &h, &h, &tl, &tr, &bl, &br);
    } else {
        chtype a = attr;
        wborder(w, '|' | a, '|' | a, '-' | a, '-' | a, '+' | a, '+' | a, '+' | a, '+' | a);
    }
}

const char *gos_draw_separator(void)
{
    return use_unicode ? " \u2502 " : " | ";
}

/* --- text pages -------------------------------------------------------- */

typedef struct line {
    gos_role role[3];
    int x[3];
    char *text[3];
} line;

struct gos_lines {
    int width;
    GArray *lines;   /* of line */
};

static void line_clear(gpointer p)
{
    line *l = p;
    for (int i = 0; i < 3; i++)
        g_free(l->text[i]);
}

gos_lines *gos_lines_new(int width)
{
    gos_lines *lines = g_new0(gos_lines, 1);
    lines->width = width > 1 ? width : 1;
    lines->lines = g_array_new(FALSE, TRUE, sizeof(line));
    g_array_set_clear_func(lines->lines, line_clear);
    return lines;
}

void gos_lines_free(gos_lines *lines)
{
    if (!lines)
        return;
    g_array_free(lines->lines, TRUE);
    g_free(lines);
}

size_t gos_lines_count(const gos_lines *lines)
{
    return lines->lines->len;
}

void gos_lines_add(gos_lines *lines, gos_role role0, int x0, const char *t0,
                   gos_role role1, int x1, const char *t1,
                   gos_role role2, int x2, const char *t2)
{
    line l;
    memset(&l, 0, sizeof l);
    const gos_role roles[3] = { role0, role1, role2 };
    const int xs[3] = { x0, x1, x2 };
    const char *ts[3] = { t0, t1, t2 };
    int last = -1;
    for (int i = 0; i < 3; i++) {
        l.role[i] = roles[i];
        l.x[i] = xs[i];
        if (xs[i] >= 0)
            last = i;
    }
    if (last < 0)
        return;

    for (int i = 0; i < last; i++)
        l.text[i] = xs[i] >= 0 ? g_strdup(ts[i] ? ts[i] : "") : NULL;

    /* The last cell wraps at its own column. */
    int avail = lines->width - xs[last];
    const char *rest = ts[last] ? ts[last] : "";
    bool first = true;
    do {
        size_t cut = avail > 0 ? gos_text_wrap_at(rest, avail) : strlen(rest);
        line out = first ? l : (line){ .x = { -1, -1, -1 } };
        out.role[last] = roles[last];
        out.x[last] = xs[last];
        out.text[last] = g_strndup(rest, cut);
        g_array_append_val(lines->lines, out);
        rest += cut;
        while (*rest == ' ')
            rest++;
        first = false;
    } while (*rest);
}

void gos_lines_text(gos_lines *lines, gos_role role, int x, const char *text)
{
    gos_lines_add(lines, role, x, text, GOS_ROLE_NORMAL, -1, NULL, GOS_ROLE_NORMAL, -1, NULL);
}

void gos_lines_pair(gos_lines *lines, int x, const char *label, gos_role role, const char *value)
{
    gos_lines_add(lines, GOS_ROLE_DIM, 2, label, role, x, value, GOS_ROLE_NORMAL, -1, NULL);
}

void gos_lines_blank(gos_lines *lines)
{
    gos_lines_text(lines, GOS_ROLE_NORMAL, 0, "");
}

void gos_lines_draw(const gos_lines *lines, WINDOW *w, int y0, int rows, int *top)
{
    int n = (int)lines->lines->len;
    int max_top = n > rows ? n - rows : 0;
    if (*top > max_top)
        *top = max_top;
    if (*top < 0)
        *top = 0;
    int width = getmaxx(w);
    for (int r = 0; r < rows; r++) {
        gos_draw_fill(w, y0 + r, 0, width, A_NORMAL);
        int idx = *top + r;
        if (idx >= n)
            continue;
        const line *l = &g_array_index(lines->lines, line, idx);
        for (int i = 0; i < 3; i++) {
            if (l->x[i] < 0 || !l->text[i])
                continue;
            int end = width;
            for (int j = i + 1; j < 3; j++)
                if (l->x[j] >= 0) {
                    end = l->x[j] - 1;
                    break;
                }
            gos_draw_text(w, y0 + r, l->x[i], end - l->x[i], gos_draw_attr(l->role[i]), l->text[i], false);
        }
    }
}
