/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Macros: action-line files under $XDG_CONFIG_HOME/guestos/macros, recorded, stored and replayed step by step. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "base/i18n.h"
#include "core/macro.h"
#include "core/task.h"

/* A macro file larger than this is not a macro someone wrote or recorded. */
#define MACRO_FILE_MAX (1024 * 1024)
/* How long a replay lets a new or refreshed host settle before it goes on,
 * as batch mode does. */
#define SETTLE_MS 60000

/* --- names and files ---------------------------------------------------------- */

bool gos_macro_name_valid(const char *name)
{
    if (!name || !*name || *name == '.' || strlen(name) > GOS_MACRO_NAME_MAX)
        return false;
    for (const char *p = name; *p; p++)
        if (!g_ascii_isalnum(*p) && *p != '_' && *p != '.' && *p != '-')
            return false;
    return true;
}

char *gos_macro_dir(void)
{
    return g_build_filename(g_get_user_config_dir(), "guestos", "macros", NULL);
}

static char *invalid_name(const char *name)
{
    /* TRANSLATORS: %s: what the operator typed as a macro name. */
    return g_strdup_printf(_("'%s' is not a macro name: use up to 64 letters, digits, '_', '.' and '-', "
                             "not starting with '.'."), name ? name : "");
}

char *gos_macro_path(const char *name, char **err)
{
    if (!gos_macro_name_valid(name)) {
        if (err)
            *err = invalid_name(name);
        return NULL;
    }
    char *dir = gos_macro_dir();
    char *file = g_strconcat(name, ".gos", NULL);
    char *path = g_build_filename(dir, file, NULL);
    g_free(file);
    g_free(dir);
    return path;
}

/* The path for messages: under the home folder as ~/..., which keeps
 * "FILE:LINE:COL: why" within a status line. */
static char *display_path(const char *path)
{
    const char *home = g_get_home_dir();
    size_t n = home ? strlen(home) : 0;
    if (n > 1 && !strncmp(path, home, n) && path[n] == '/')
        return g_strconcat("~", path + n, NULL);
    return g_strdup(path);
}

int gos_macro_load(const char *name, gos_script **out, char **err)
{
    char *path = gos_macro_path(name, err);
    if (!path)
        return -1;
    int rc = -1;
    char *text = NULL;
    gsize len = 0;
    GError *gerr = NULL;
    GStatBuf st;
    if (g_stat(path, &st) == 0 && st.st_size > MACRO_FILE_MAX) {
        if (err)
            *err = g_strdup_printf(_("The macro file %s is larger than 1 MiB."), path);
        goto cleanup;
    }
    if (!g_file_get_contents(path, &text, &len, &gerr)) {
        if (err) {
            if (g_error_matches(gerr, G_FILE_ERROR, G_FILE_ERROR_NOENT))
                /* TRANSLATORS: %s: a macro name; %s: the file it would be in. */
                *err = g_strdup_printf(_("There is no macro '%s': %s does not exist."), name, path);
            else
                *err = g_strdup_printf(_("Cannot read the macro file %s: %s"), path, gerr->message);
        }
        g_error_free(gerr);
        goto cleanup;
    }
    if (strlen(text) != len) {
        if (err)
            *err = g_strdup_printf(_("%s: the file is not valid UTF-8 text"), path);
        goto cleanup;
    }
    char *shown = display_path(path);
    rc = gos_script_parse(text, shown, out, err);
    g_free(shown);
cleanup:
    g_free(text);
    g_free(path);
    return rc;
}

/* --- recording ------------------------------------------------------------------ */

struct gos_macro_rec {
    char *name;
    GPtrArray *lines;   /* char* */
    int64_t started;    /* UTC seconds */
};

gos_macro_rec *gos_macro_rec_new(const char *name, char **err)
{
    if (!gos_macro_name_valid(name)) {
        if (err)
            *err = invalid_name(name);
        return NULL;
    }
    gos_macro_rec *rec = g_new0(gos_macro_rec, 1);
    rec->name = g_strdup(name);
    rec->lines = g_ptr_array_new_with_free_func(g_free);
    rec->started = (int64_t)time(NULL);
    return rec;
}

void gos_macro_rec_free(gos_macro_rec *rec)
{
    if (!rec)
        return;
    g_ptr_array_free(rec->lines, TRUE);
    g_free(rec->name);
    g_free(rec);
}

const char *gos_macro_rec_name(const gos_macro_rec *rec) { return rec->name; }

size_t gos_macro_rec_count(const gos_macro_rec *rec) { return rec->lines->len; }

bool gos_macro_rec_add(gos_macro_rec *rec, const gos_cmd *cmd)
{
    if (!cmd->action || (cmd->action->flags & GOS_ACT_NO_RECORD))
        return false;
    g_ptr_array_add(rec->lines, gos_cmd_format(cmd));
    return true;
}

/* The user name for the header, without anything that could end the comment line. */
static char *header_user(void)
{
    char *u = g_strdup(g_get_user_name());
    for (char *p = u; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    return u;
}

char *gos_macro_rec_text(const gos_macro_rec *rec)
{
    GString *t = g_string_new(NULL);
    GDateTime *dt = g_date_time_new_from_unix_utc(rec->started);
    char *when = dt ? g_date_time_format(dt, "%Y-%m-%d %H:%M:%S UTC") : g_strdup("?");
    if (dt)
        g_date_time_unref(dt);
    char *user = header_user();
    /* The header is for people who open the file; the parser skips it. */
    g_string_append_printf(t, "# ");
    /* TRANSLATORS: first comment line of a macro file: %1$s the macro name,
     * %2$s the time (UTC), %3$s the user name. */
    g_string_append_printf(t, _("guestos macro %1$s, recorded %2$s by %3$s."), rec->name, when, user);
    g_string_append(t, "\n# ");
    /* TRANSLATORS: comment lines of a macro file; keep "macro", "batch" and "[keys]" as they are. */
    g_string_append(t, _("One action a line, as in batch files; '#' starts a comment. Edit freely."));
    g_string_append(t, "\n# ");
    g_string_append_printf(t, _("Run it with the action \"macro %s\", a key bound to it in guestos.conf"),
                           rec->name);
    g_string_append(t, "\n# ");
    g_string_append(t, _("([keys] F6 = macro NAME), or \"guestos batch FILE\"."));
    g_string_append_c(t, '\n');
    g_free(user);
    g_free(when);
    for (guint i = 0; i < rec->lines->len; i++) {
        g_string_append(t, g_ptr_array_index(rec->lines, i));
        g_string_append_c(t, '\n');
    }
    return g_string_free(t, FALSE);
}

static int write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

int gos_macro_rec_save(const gos_macro_rec *rec, char **path_out, char **err)
{
    int rc = -1, fd = -1;
    char *dir = gos_macro_dir();
    char *path = gos_macro_path(rec->name, err);
    char *tmp = NULL, *text = NULL;
    if (!path)
        goto cleanup;
    if (g_mkdir_with_parents(dir, 0700) < 0) {
        if (err)
            *err = g_strdup_printf(_("Cannot create the macros folder %s: %s."), dir, g_strerror(errno));
        goto cleanup;
    }
    /* Macros say which VMs to act on: only their owner reads them. */
    if (g_chmod(dir, 0700) < 0) {
        if (err)
            *err = g_strdup_printf(_("Cannot create the macros folder %s: %s."), dir, g_strerror(errno));
        goto cleanup;
    }
    tmp = g_strdup_printf("%s/.%s.gos.XXXXXX", dir, rec->name);
    fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, 0600);
    if (fd < 0) {
        int saved = errno;
        g_free(tmp);
        tmp = NULL;
        if (err)
            *err = g_strdup_printf(_("Cannot write the macro file %s: %s."), path, g_strerror(saved));
        goto cleanup;
    }
    text = gos_macro_rec_text(rec);
    if (fchmod(fd, 0600) < 0 || write_all(fd, text, strlen(text)) < 0 || fsync(fd) < 0) {
        if (err)
            *err = g_strdup_printf(_("Cannot write the macro file %s: %s."), path, g_strerror(errno));
        goto cleanup;
    }
    int cr = close(fd);
    fd = -1;
    if (cr < 0 || rename(tmp, path) < 0) {
        if (err)
            *err = g_strdup_printf(_("Cannot write the macro file %s: %s."), path, g_strerror(errno));
        goto cleanup;
    }
    g_free(tmp);
    tmp = NULL;
    /* The rename itself must survive a crash too. */
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void)fsync(dfd);
        close(dfd);
    }
    if (path_out) {
        *path_out = path;
        path = NULL;
    }
    rc = 0;
cleanup:
    if (fd >= 0)
        close(fd);
    if (tmp) {
        g_unlink(tmp);
        g_free(tmp);
    }
    g_free(text);
    g_free(path);
    g_free(dir);
    return rc;
}

/* --- replay -------------------------------------------------------------------- */

typedef struct frame {
    gos_script *script;
    size_t next;
    char *name;      /* NULL for a script */
    char *origin;    /* "macro:NAME", or NULL */
} frame;

typedef enum { P_RUN = 0, P_WAIT_TASKS, P_WAIT_IDLE, P_OVER } play_mode;

struct gos_macro_player {
    char *name;              /* the outermost macro, NULL for a script */
    GArray *frames;          /* frame, innermost last */
    play_mode mode;
    gint64 deadline_us;      /* monotonic; 0: none */
    long wait_secs;          /* the `wait` argument, -1 for none */
    char *where;             /* "FILE:LINE" of the last line taken */
    char *origin;            /* origin of the last command returned */
};

static void frame_clear(gpointer data)
{
    frame *f = data;
    gos_script_free(f->script);
    g_free(f->name);
    g_free(f->origin);
}

static void push(gos_macro_player *p, gos_script *sc, const char *name)
{
    frame f = { .script = sc, .name = g_strdup(name),
                .origin = name ? g_strconcat("macro:", name, NULL) : NULL };
    g_array_append_val(p->frames, f);
}

static gos_macro_player *player_alloc(void)
{
    gos_macro_player *p = g_new0(gos_macro_player, 1);
    p->frames = g_array_new(FALSE, TRUE, sizeof(frame));
    g_array_set_clear_func(p->frames, frame_clear);
    p->where = g_strdup("");
    return p;
}

int gos_macro_player_new(const char *name, gos_macro_player **out, char **err)
{
    gos_script *sc = NULL;
    if (gos_macro_load(name, &sc, err) < 0)
        return -1;
    gos_macro_player *p = player_alloc();
    p->name = g_strdup(name);
    push(p, sc, name);
    *out = p;
    return 0;
}

gos_macro_player *gos_macro_player_new_script(gos_script *script)
{
    gos_macro_player *p = player_alloc();
    push(p, script, NULL);
    return p;
}

void gos_macro_player_free(gos_macro_player *p)
{
    if (!p)
        return;
    g_array_free(p->frames, TRUE);
    g_free(p->name);
    g_free(p->where);
    g_free(p->origin);
    g_free(p);
}

const char *gos_macro_player_name(const gos_macro_player *p) { return p->name; }

const char *gos_macro_player_origin(const gos_macro_player *p) { return p->origin; }

const char *gos_macro_player_where(const gos_macro_player *p) { return p->where; }

/* Ends the replay with "FILE:LINE: why" (why is taken). */
static gos_play_state fail(gos_macro_player *p, char *why, char **err)
{
    if (err)
        *err = *p->where ? g_strdup_printf("%s: %s", p->where, why) : g_strdup(why);
    g_free(why);
    p->mode = P_OVER;
    g_array_set_size(p->frames, 0);
    return GOS_PLAY_ERROR;
}

/* `wait [SECONDS]`, checked like the action itself checks it. */
static char *start_wait(gos_macro_player *p, const gos_cmd *c)
{
    long secs = -1;
    if (c->argc > 0) {
        char *end = NULL;
        errno = 0;
        secs = strtol(c->argv[0], &end, 10);
        if (errno || !end || *end || !*c->argv[0] || secs < 0 || secs > GOS_TASK_WAIT_MAX_MS / 1000)
            return g_strdup_printf(_("'%s' is not a number of seconds from 0 to 4000."), c->argv[0]);
    }
    p->mode = P_WAIT_TASKS;
    p->wait_secs = secs;
    p->deadline_us = secs < 0 ? 0 : g_get_monotonic_time() + (gint64)secs * G_USEC_PER_SEC;
    return NULL;
}

/* `macro NAME` inside a macro: one more file on the stack. */
static char *start_macro(gos_macro_player *p, const gos_cmd *c)
{
    const char *name = c->argv[0];
    for (guint i = 0; i < p->frames->len; i++) {
        const char *outer = g_array_index(p->frames, frame, i).name;
        if (outer && !strcmp(outer, name))
            /* TRANSLATORS: %s: a macro name. */
            return g_strdup_printf(_("macro %s calls itself."), name);
    }
    if (p->frames->len >= GOS_MACRO_DEPTH_MAX)
        return g_strdup_printf(_("macros call macros more than %d deep."), GOS_MACRO_DEPTH_MAX);
    gos_script *sc = NULL;
    char *why = NULL;
    if (gos_macro_load(name, &sc, &why) < 0)
        return why;
    push(p, sc, name);
    return NULL;
}

static long ms_until(gint64 deadline_us)
{
    gint64 left = deadline_us - g_get_monotonic_time();
    return left <= 0 ? 0 : (long)((left + 999) / 1000);
}

gos_play_state gos_macro_player_next(gos_macro_player *p, gos_session *s, gos_cmd *cmd,
                                     long *wait_ms, unsigned *dirty, char **err)
{
    for (;;) {
        if (p->mode == P_OVER)
            return GOS_PLAY_DONE;
        if (p->mode == P_WAIT_TASKS) {
            size_t running = 0;
            gos_session_task_totals(s, &running, NULL, NULL);
            if (running > 0) {
                if (p->deadline_us && g_get_monotonic_time() >= p->deadline_us)
                    return fail(p, g_strdup_printf(ngettext("Tasks were still running after %ld second.",
                                                            "Tasks were still running after %ld seconds.",
                                                            p->wait_secs), p->wait_secs), err);
                *wait_ms = p->deadline_us ? ms_until(p->deadline_us) : -1;
                return GOS_PLAY_WAIT_TASKS;
            }
            p->mode = P_RUN;
        } else if (p->mode == P_WAIT_IDLE) {
            /* A zero timeout only looks: it applies what waits, never blocks. */
            bool idle = gos_session_wait_idle(s, 0);
            *dirty |= GOS_DIRTY_VMS | GOS_DIRTY_TASKS | GOS_DIRTY_STATUS;
            if (!idle && g_get_monotonic_time() < p->deadline_us) {
                *wait_ms = MIN(ms_until(p->deadline_us), 250);
                return GOS_PLAY_WAIT_IDLE;
            }
            p->mode = P_RUN;
        }

        if (p->frames->len == 0) {
            p->mode = P_OVER;
            return GOS_PLAY_DONE;
        }
        frame *f = &g_array_index(p->frames, frame, p->frames->len - 1);
        if (f->next >= f->script->n) {
            g_array_set_size(p->frames, p->frames->len - 1);
            continue;
        }
        const gos_cmd *c = &f->script->cmds[f->next++];
        g_free(p->where);
        /* A script typed in the console has no file to name. */
        p->where = f->script->file && *f->script->file ? g_strdup_printf("%s:%d", f->script->file, c->line)
                                                       : g_strdup("");
        const char *name = c->action->name;
        char *why = NULL;
        if (!strcmp(name, "wait"))
            why = start_wait(p, c);
        else if (!strcmp(name, "macro"))
            why = start_macro(p, c);
        else {
            g_free(p->origin);
            p->origin = g_strdup(f->origin);
            *cmd = *c;
            cmd->argv = g_strdupv(c->argv);
            if (!strcmp(name, "connect") || !strcmp(name, "refresh")) {
                /* The next line may select what this one lists: let it arrive. */
                p->mode = P_WAIT_IDLE;
                p->deadline_us = g_get_monotonic_time() + (gint64)SETTLE_MS * 1000;
            }
            return GOS_PLAY_CMD;
        }
        if (why)
            return fail(p, why, err);
    }
}

int gos_macro_player_run(gos_macro_player *p, gos_session *s, char **err)
{
    unsigned dirty = 0;
    while (!gos_session_quit_requested(s)) {
        gos_cmd cmd = { 0 };
        long wait_ms = -1;
        char *why = NULL;
        switch (gos_macro_player_next(p, s, &cmd, &wait_ms, &dirty, &why)) {
        case GOS_PLAY_CMD: {
            const char *origin = gos_macro_player_origin(p);
            char *saved = origin ? g_strdup(gos_session_origin(s)) : NULL;
            if (origin)
                gos_session_set_origin(s, origin);
            int r = gos_cmd_exec(s, &cmd, &why);
            if (saved)
                gos_session_set_origin(s, saved);
            g_free(saved);
            gos_cmd_clear(&cmd);
            if (r < 0) {
                if (err)
                    *err = *p->where ? g_strdup_printf("%s: %s", p->where, why ? why : "") : g_strdup(why ? why : "");
                g_free(why);
                return -1;
            }
            dirty |= (unsigned)r;
            break;
        }
        case GOS_PLAY_WAIT_TASKS:
            gos_session_wait_tasks(s, wait_ms);
            break;
        case GOS_PLAY_WAIT_IDLE:
            gos_session_wait_idle(s, wait_ms);
            break;
        case GOS_PLAY_DONE:
            return (int)dirty;
        case GOS_PLAY_ERROR:
            if (err)
                *err = why;
            else
                g_free(why);
            return -1;
        }
    }
    return (int)dirty;
}

/* --- the actions -------------------------------------------------------------- */

int gos_act_macro(gos_session *s, int argc, char **argv, char **err)
{
    /* A macro cannot reach this again through its own lines (the player
     * keeps nested macros on its stack); this guards any other way back. */
    static int depth;
    if (depth >= GOS_MACRO_DEPTH_MAX) {
        if (err)
            *err = g_strdup_printf(_("macros call macros more than %d deep."), GOS_MACRO_DEPTH_MAX);
        return -1;
    }
    gos_macro_player *p = NULL;
    if (gos_macro_player_new(argv[0], &p, err) < 0)
        return -1;
    depth++;
    int r = gos_macro_player_run(p, s, err);
    depth--;
    gos_macro_player_free(p);
    return r < 0 ? -1 : r | GOS_DIRTY_ALL;
}

int gos_act_record(gos_session *s, int argc, char **argv, char **err)
{
    (void)s;
    if (err)
        *err = g_strdup(_("Macros are recorded in the interactive console; here, write the action lines into "
                          "the macro file."));
    return -1;
}
