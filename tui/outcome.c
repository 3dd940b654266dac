/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Task outcomes printed once each as tasks end, and counted: for `logoff` and `batch`. */
#include <config.h>

#include <poll.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "base/text.h"
#include "core/report.h"
#include "tui/cli.h"
#include "tui/outcome.h"

void gos_reporter_init(gos_reporter *r, gos_session *s, bool json)
{
    memset(r, 0, sizeof *r);
    r->s = s;
    r->json = json;
    r->printed = g_byte_array_new();
    r->lines = g_array_new(FALSE, TRUE, sizeof(int));
    r->errors = g_hash_table_new(NULL, NULL);
}

void gos_reporter_clear(gos_reporter *r)
{
    g_byte_array_free(r->printed, TRUE);
    g_array_free(r->lines, TRUE);
    g_hash_table_destroy(r->errors);
}

/* Notes that the tasks submitted since the last call came from script line. */
void gos_reporter_note_line(gos_reporter *r, int line)
{
    size_t n = gos_session_task_count(r->s);
    while (r->lines->len < n)
        g_array_append_val(r->lines, line);
}


static void print_outcome(gos_reporter *r, gos_task *t, size_t index)
{
    gos_task_info i;
    gos_task_snapshot(t, &i);
    if (r->json) {
        int line = index < r->lines->len ? g_array_index(r->lines, int, index) : 0;
        gos_cli_print_json(gos_report_task(&i, line));
    } else {
        char hr[GOS_HR_FORMAT_LEN];
        gos_hr_format(i.error, hr, sizeof hr);
        /* The message quotes the guest, the name comes from the host. */
        char *msg = gos_cli_one_line(i.message);
        char *vm = gos_cli_one_line(i.vm_name ? i.vm_name : i.vm);
        char *desc = gos_cli_one_line(i.error_description);
        printf("%s %s: %s %s %s%s%s\n", vm, i.action, hr, gos_result_name(i.result), desc, *msg ? " " : "", msg);
        g_free(msg);
        g_free(vm);
        g_free(desc);
    }
    gpointer key = GUINT_TO_POINTER(i.error);
    g_hash_table_insert(r->errors, key, GUINT_TO_POINTER(GPOINTER_TO_UINT(g_hash_table_lookup(r->errors, key)) + 1));
    if (i.error == GOS_S_OK)
        r->ok++;
    else
        r->failed++;
    gos_task_info_clear(&i);
    fflush(stdout);
}

/* Prints every task that has ended and was not printed yet. Returns true
 * when every task of the session has ended (and so been printed). */
bool gos_reporter_scan(gos_reporter *r)
{
    size_t n = gos_session_task_count(r->s), had = r->printed->len;
    if (had < n) {
        g_byte_array_set_size(r->printed, (guint)n);
        memset(r->printed->data + had, 0, n - had);
    }
    bool all = true;
    for (size_t i = r->scan_from; i < n; i++) {
        if (r->printed->data[i])
            continue;
        gos_task *t = gos_session_task_at(r->s, i);
        if (!gos_task_is_complete(t)) {
            all = false;
            continue;
        }
        r->printed->data[i] = 1;
        print_outcome(r, t, i);
    }
    while (r->scan_from < n && r->printed->data[r->scan_from])
        r->scan_from++;
    return all;
}

/* Pumps and prints outcomes as tasks end, until all have ended (true) or
 * timeout_ms passes (false; -1 waits as long as it takes, 0 only looks). */
bool gos_reporter_wait(gos_reporter *r, long timeout_ms)
{
    gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    for (;;) {
        gos_session_pump(r->s);
        if (r->cli)
            gos_cli_interrupted(r->cli, r->s);
        if (gos_reporter_scan(r))
            return true;
        gint64 now = g_get_monotonic_time();
        if (timeout_ms >= 0 && now >= end)
            return false;
        int wait = 250;
        if (timeout_ms >= 0 && (end - now) / 1000 + 1 < wait)
            wait = (int)((end - now) / 1000 + 1);
        struct pollfd pfd = { .fd = gos_session_fd(r->s), .events = POLLIN };
        if (poll(&pfd, 1, wait) > 0)
            g_usleep(10000);   /* let a burst of updates gather: one scan for many tasks */
    }
}

