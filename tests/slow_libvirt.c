/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A preload for screen tests: virDomainGetState takes GOS_TEST_SLOW_MS longer, so a logoff task runs for a while. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <time.h>

/* libvirt's test driver answers at once, so every logoff task would end
 * before a screen test could resize the window under it. Only the task
 * workers call virDomainGetState (the logoff's "state" phase); the console's
 * thread never calls libvirt, so the screen must stay alive meanwhile. */
typedef struct _virDomain *virDomainPtr;

int virDomainGetState(virDomainPtr dom, int *state, int *reason, unsigned int flags);

int virDomainGetState(virDomainPtr dom, int *state, int *reason, unsigned int flags)
{
    static int (*real)(virDomainPtr, int *, int *, unsigned int);
    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "virDomainGetState");
    const char *env = getenv("GOS_TEST_SLOW_MS");
    long ms = env ? strtol(env, NULL, 10) : 0;
    if (ms > 0) {
        struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
            ;
    }
    return real ? real(dom, state, reason, flags) : -1;
}
