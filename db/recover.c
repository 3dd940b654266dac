/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Recovery: marks tasks interrupted whose owning guestos process died before they ended. */
#include <config.h>

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "base/i18n.h"
#include "db/audit_priv.h"

typedef struct {
    char *task_id, *host, *vm_uuid, *vm_name, *action;
    int64_t pid;
    bool started;
} open_task;

static void open_task_free(gpointer p)
{
    open_task *t = p;

    g_free(t->task_id);
    g_free(t->host);
    g_free(t->vm_uuid);
    g_free(t->vm_name);
    g_free(t->action);
    g_free(t);
}

static char *col_dup(sqlite3_stmt *st, int col)
{
    return g_strdup((const char *)sqlite3_column_text(st, col));
}

/* Whether the process that runs a task is gone. Only ESRCH says so: EPERM
 * means it lives under another user (a second operator sharing the file).
 * A recycled pid makes a dead owner look alive: recovery then waits, which
 * is the safe side. */
bool gos_audit_owner_gone(const gos_audit *audit, const char *node, int64_t pid)
{
    if (!node || !audit->node || strcmp(node, audit->node) != 0)
        return false;
    if (pid <= 0 || pid > G_MAXINT)
        return false;
    if (pid == (int64_t)getpid())
        return false;
    return kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

int gos_audit_recover(gos_audit *audit, const gos_audit_event *who, int *count, char **err)
{
    GPtrArray *tasks = NULL;
    sqlite3_stmt *st = NULL;
    int rc, done = 0, ret = -1;

    if (!audit) {
        gos_audit_set_err(err, _("The audit event was not recorded because an argument is missing."));
        return -1;
    }
    g_mutex_lock(&audit->lock);
    if (audit->readonly) {
        gos_audit_set_err(err, _("The audit database was opened read-only, so the event was not recorded."));
        goto cleanup;
    }
    /* Only tasks whose owner ran on this machine: other machines' pids mean nothing here. */
    rc = sqlite3_prepare_v2(audit->db,
        "SELECT task_id, host, vm_uuid, vm_name, action, op_pid, started FROM tasks"
        " WHERE end_kind IS NULL AND op_node = ?",
        -1, &st, NULL);
    if (rc != SQLITE_OK)
        goto sql_error;
    sqlite3_bind_text(st, 1, audit->node, -1, SQLITE_STATIC);
    /* Collect first: appending while this SELECT walks the same index would disturb it.
     * Open tasks are the running ones: few. */
    tasks = g_ptr_array_new_with_free_func(open_task_free);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        open_task *t = g_new0(open_task, 1);

        t->task_id = col_dup(st, 0);
        t->host = col_dup(st, 1);
        t->vm_uuid = col_dup(st, 2);
        t->vm_name = col_dup(st, 3);
        t->action = col_dup(st, 4);
        t->pid = sqlite3_column_int64(st, 5);
        t->started = sqlite3_column_int(st, 6) != 0;
        g_ptr_array_add(tasks, t);
    }
    if (rc != SQLITE_DONE)
        goto sql_error;
    sqlite3_finalize(st);
    st = NULL;

    for (guint i = 0; i < tasks->len; i++) {
        open_task *t = g_ptr_array_index(tasks, i);
        gos_audit_event ev = { 0 };
        bool skipped = false;
        char *message;
        int r;

        if (!gos_audit_owner_gone(audit, audit->node, t->pid))
            continue;
        ev.kind = GOS_AUDIT_INTERRUPTED;
        ev.task_id = t->task_id;
        ev.op_uid = who ? who->op_uid : (int64_t)getuid();
        ev.op_user = who ? who->op_user : NULL;
        ev.op_tty = who ? who->op_tty : NULL;
        ev.op_ssh = who ? who->op_ssh : NULL;
        ev.op_pid = who && who->op_pid ? who->op_pid : (int64_t)getpid();
        ev.origin = who ? who->origin : NULL;
        ev.host = t->host;
        ev.vm_uuid = t->vm_uuid;
        ev.vm_name = t->vm_name;
        ev.action = t->action;
        ev.percent = -1;
        ev.task_result = GOS_RESULT_INTERRUPTED;
        /* A task still queued when its process died never reached the guest:
         * say so, it is what an operator asks first. */
        message = t->started
            ? g_strdup_printf(
                  /* TRANSLATORS: %lld is the process id of the guestos that ran the task. */
                  _("The task was interrupted: guestos process %lld, which ran it, ended before the task finished."),
                  (long long)t->pid)
            : g_strdup_printf(
                  /* TRANSLATORS: %lld is the process id of the guestos that queued the task. */
                  _("The task was interrupted before it started: guestos process %lld, which queued it, ended first; "
                    "nothing was done in the guest."),
                  (long long)t->pid);
        ev.message = message;
        char hash[65] = "";
        int64_t id = 0;
        r = gos_audit_append_locked(audit, &ev, true, &id, &skipped, hash, err);
        if (r == 0 && !skipped && hash[0]) {
            gos_audit_forward_event(audit, &ev, id, hash);
            audit->ended_since_flush++;
        }
        g_free(message);
        if (r < 0)
            goto cleanup;
        if (!skipped)
            done++;
    }
    if (count)
        *count = done;
    ret = 0;
    goto cleanup;

sql_error:
    /* TRANSLATORS: %s is SQLite's own description of the failure. */
    gos_audit_set_err(err, _("Cannot look for interrupted tasks in the audit log: %s."),
                      sqlite3_errmsg(audit->db));
cleanup:
    sqlite3_finalize(st);
    if (tasks)
        g_ptr_array_unref(tasks);
    g_mutex_unlock(&audit->lock);
    return ret;
}
