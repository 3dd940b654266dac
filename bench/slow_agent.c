/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A preload for bench_tty: every guest-agent command takes GOS_BENCH_AGENT_MS longer, so agent answers trickle in. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <time.h>

/* On the test driver every agent probe fails at once, so the answers of a
 * whole fleet arrive in one burst and the console applies them in one go.
 * A real fleet answers over seconds, one VM at a time: this makes the test
 * driver do the same, so that the benchmark measures the console while
 * agent updates stream in. Probes run on workers; the console never calls
 * libvirt. */
typedef struct _virDomain *virDomainPtr;

char *virDomainQemuAgentCommand(virDomainPtr domain, const char *cmd, int timeout, unsigned int flags);

char *virDomainQemuAgentCommand(virDomainPtr domain, const char *cmd, int timeout, unsigned int flags)
{
    static char *(*real)(virDomainPtr, const char *, int, unsigned int);
    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "virDomainQemuAgentCommand");
    const char *env = getenv("GOS_BENCH_AGENT_MS");
    long ms = env ? strtol(env, NULL, 10) : 0;
    if (ms > 0) {
        struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
            ;
    }
    return real ? real(domain, cmd, timeout, flags) : NULL;
}
