/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Where the audit database may live: OpenSSH's StrictModes for its file and its folders. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "base/i18n.h"
#include "db/audit_priv.h"

/*
 * The log is evidence only while nobody else can change or replace it. So,
 * as sshd's StrictModes does for authorized_keys (auth.c, safe_path):
 *
 *  - no symbolic link at the path, dangling or not: it could point anywhere,
 *    and a dangling one would make guestos create its target;
 *  - a regular file;
 *  - for recording: owned by this user, with no permission for group or
 *    others (0600), and every folder from the file's up to / owned by this
 *    user or root and writable by nobody else. A folder that others may write
 *    is accepted when its sticky bit is set (/tmp): there only the owner of an
 *    entry can rename or remove it, so the file cannot be swapped.
 *  - for review only (audit, audit verify, the audit view's reader): a file
 *    the reviewer can read is enough, whoever owns it (a security team reads
 *    an operator's copy), as long as nobody but its owner can write it.
 *
 * The checks run on the resolved folders (realpath), as sshd's do: a folder
 * reached through a link is judged where it really is.
 */

static const char *who(uid_t uid, char buf[32])
{
    g_snprintf(buf, 32, "%u", (unsigned)uid);
    return buf;
}

/* Each folder of dir (resolved) up to /, as above. Returns 0, or -1 with *err set. */
static int check_folders(const char *dir, uid_t me, char **err)
{
    char *real = realpath(dir, NULL), *p;
    struct stat sb;
    int ret = -1;

    if (!real) {
        int saved = errno;

        gos_audit_set_err(err, _("Cannot open the audit database in %s: %s."), dir, g_strerror(saved));
        return -1;
    }
    p = real;
    for (;;) {
        char owner[32];

        if (stat(p, &sb) < 0) {
            int saved = errno;

            gos_audit_set_err(err, _("Cannot open the audit database in %s: %s."), p, g_strerror(saved));
            goto cleanup;
        }
        if (sb.st_uid != me && sb.st_uid != 0) {
            gos_audit_set_err(err,
                /* TRANSLATORS: a folder, then a user id. */
                _("The folder %s of the audit database belongs to another user (uid %s), who could replace the database, so it was not opened."),
                p, who(sb.st_uid, owner));
            goto cleanup;
        }
        if ((sb.st_mode & (S_IWGRP | S_IWOTH)) && !(sb.st_mode & S_ISVTX)) {
            gos_audit_set_err(err,
                /* TRANSLATORS: a folder, then its mode in octal. */
                _("The folder %s of the audit database can be written by its group or others (mode %04o), who could replace the database, so it was not opened."),
                p, (unsigned)(sb.st_mode & 07777));
            goto cleanup;
        }
        if (strcmp(p, "/") == 0)
            break;
        char *slash = strrchr(p, '/');
        if (slash == p)
            slash[1] = '\0';
        else
            *slash = '\0';
    }
    ret = 0;

cleanup:
    free(real);
    return ret;
}

/* The file itself, from lstat or fstat. */
static int check_file(const char *path, const struct stat *sb, bool readonly, uid_t me, char **err)
{
    char owner[32];

    if (S_ISLNK(sb->st_mode)) {
        gos_audit_set_err(err,
            _("The audit database %s is a symbolic link; guestos does not follow one, so that nobody can point the log elsewhere."),
            path);
        return -1;
    }
    if (!S_ISREG(sb->st_mode)) {
        gos_audit_set_err(err, _("The audit database %s is not a regular file."), path);
        return -1;
    }
    if (readonly) {
        if (sb->st_mode & (S_IWGRP | S_IWOTH)) {
            gos_audit_set_err(err,
                _("The audit database %s can be written by its group or others (mode %04o), so it is not evidence; it was not opened."),
                path, (unsigned)(sb->st_mode & 07777));
            return -1;
        }
        return 0;
    }
    if (sb->st_uid != me) {
        gos_audit_set_err(err,
            /* TRANSLATORS: a file, then a user id. */
            _("The audit database %s belongs to another user (uid %s), so guestos does not record in it."),
            path, who(sb->st_uid, owner));
        return -1;
    }
    if (sb->st_mode & (S_IRWXG | S_IRWXO)) {
        gos_audit_set_err(err,
            /* TRANSLATORS: a file, its mode in octal; keep "chmod 600". */
            _("The audit database %s is open to group or others (mode %04o); make it private with chmod 600 before guestos records in it."),
            path, (unsigned)(sb->st_mode & 07777));
        return -1;
    }
    return 0;
}

int gos_audit_path_check(const char *path, bool readonly, char **err)
{
    uid_t me = geteuid();
    struct stat sb;
    char *dir;
    int ret = -1;

    if (lstat(path, &sb) == 0) {
        if (check_file(path, &sb, readonly, me, err) < 0)
            return -1;
    } else if (errno != ENOENT || readonly) {
        int saved = errno;

        gos_audit_set_err(err, _("Cannot open the audit database %s: %s."), path, g_strerror(saved));
        return -1;
    }
    if (readonly)
        return 0;
    dir = g_path_get_dirname(path);
    ret = check_folders(dir, me, err);
    g_free(dir);
    return ret;
}

int gos_audit_path_create(const char *path, char **err)
{
    char *dir = g_path_get_dirname(path), *top = g_strdup(dir);
    struct stat sb;
    int fd = -1, saved, ret = -1;

    if (lstat(path, &sb) == 0 && check_file(path, &sb, false, geteuid(), err) < 0)
        goto cleanup;
    /* The folders that exist are checked before any is made in them. */
    while (stat(top, &sb) < 0 && errno == ENOENT && strcmp(top, "/") != 0 && strcmp(top, ".") != 0) {
        char *up = g_path_get_dirname(top);

        g_free(top);
        top = up;
    }
    if (check_folders(top, geteuid(), err) < 0)
        goto cleanup;
    if (g_mkdir_with_parents(dir, 0700) < 0) {
        saved = errno;
        /* TRANSLATORS: a folder, then the system's reason. */
        gos_audit_set_err(err, _("Cannot create the folder %s for the audit database: %s."), dir, g_strerror(saved));
        goto cleanup;
    }
    /* O_NOFOLLOW: a link put there since the check is refused, never followed. */
    fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        saved = errno;
        if (saved == ELOOP)
            gos_audit_set_err(err,
                _("The audit database %s is a symbolic link; guestos does not follow one, so that nobody can point the log elsewhere."),
                path);
        else
            /* TRANSLATORS: a file, then the system's reason. */
            gos_audit_set_err(err, _("Cannot open the audit database %s: %s."), path, g_strerror(saved));
        goto cleanup;
    }
    if (fstat(fd, &sb) < 0) {
        saved = errno;
        gos_audit_set_err(err, _("Cannot open the audit database %s: %s."), path, g_strerror(saved));
        goto cleanup;
    }
    if (check_file(path, &sb, false, geteuid(), err) < 0 || check_folders(dir, geteuid(), err) < 0)
        goto cleanup;
    ret = 0;

cleanup:
    if (fd >= 0)
        close(fd);
    g_free(dir);
    g_free(top);
    return ret;
}
