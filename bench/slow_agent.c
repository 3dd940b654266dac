/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A preload for the benchmarks: guest-agent calls take GOS_BENCH_AGENT_MS, and with GOS_BENCH_FAKE_AGENT=1 a fake agent answers them. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* On the test driver every agent probe fails at once, so the answers of a
 * whole fleet arrive in one burst and the console applies them in one go.
 * A real fleet answers over seconds, one VM at a time: GOS_BENCH_AGENT_MS
 * makes the test driver do the same, so that the benchmark measures the
 * console while agent updates stream in. Probes run on workers; the console
 * never calls libvirt.
 *
 * The test driver has no agent at all, so a logoff there ends at once with
 * 0xA0040505. With GOS_BENCH_FAKE_AGENT=1 every domain also gets a connected
 * agent channel in its XML, and a fake agent in this process answers the
 * commands a probe and a logoff send, with replies of the shapes qemu-ga
 * gives: one user is logged on to each domain until a guest-exec has run in
 * it (the logoff), and none after. Each call takes GOS_BENCH_AGENT_MS, which
 * is what a fan-out of logoffs measures: how many of those waits overlap,
 * plus one round trip to the daemon (virDomainIsActive), as a real agent
 * command makes: it fails when the connection has gone, as the real one
 * would (tests/fleet_restart.sh restarts the daemon under a fan-out). */
typedef struct _virDomain *virDomainPtr;

char *virDomainQemuAgentCommand(virDomainPtr domain, const char *cmd, int timeout, unsigned int flags);
char *virDomainGetXMLDesc(virDomainPtr domain, unsigned int flags);

static void agent_wait(void)
{
    const char *env = getenv("GOS_BENCH_AGENT_MS");
    long ms = env ? strtol(env, NULL, 10) : 0;
    if (ms > 0) {
        struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
            ;
    }
}

static int fake(void)
{
    const char *env = getenv("GOS_BENCH_FAKE_AGENT");
    return env && *env == '1';
}

/* The domains a guest-exec ran in: their user is logged off. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char (*logged_off)[37];
static size_t n_off, cap_off;

static void domain_uuid(virDomainPtr dom, char uuid[37])
{
    static int (*get)(virDomainPtr, char *);
    if (!get)
        *(void **)&get = dlsym(RTLD_DEFAULT, "virDomainGetUUIDString");
    uuid[0] = 0;
    if (get)
        get(dom, uuid);
}

static int is_off(const char *uuid)
{
    int off = 0;
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < n_off && !off; i++)
        off = !strcmp(logged_off[i], uuid);
    pthread_mutex_unlock(&lock);
    return off;
}

static void set_off(const char *uuid)
{
    if (is_off(uuid))
        return;
    pthread_mutex_lock(&lock);
    if (n_off == cap_off) {
        cap_off = cap_off ? 2 * cap_off : 256;
        logged_off = realloc(logged_off, cap_off * sizeof *logged_off);
    }
    if (logged_off) {
        memcpy(logged_off[n_off], uuid, 37);
        n_off++;
    }
    pthread_mutex_unlock(&lock);
}

static const char info_reply[] =
    "{\"return\":{\"version\":\"8.1.3-bench\",\"supported_commands\":["
    "{\"enabled\":true,\"name\":\"guest-ping\",\"success-response\":true},"
    "{\"enabled\":true,\"name\":\"guest-info\",\"success-response\":true},"
    "{\"enabled\":true,\"name\":\"guest-get-users\",\"success-response\":true},"
    "{\"enabled\":true,\"name\":\"guest-get-osinfo\",\"success-response\":true},"
    "{\"enabled\":true,\"name\":\"guest-exec\",\"success-response\":true},"
    "{\"enabled\":true,\"name\":\"guest-exec-status\",\"success-response\":true},"
    "{\"enabled\":true,\"name\":\"guest-shutdown\",\"success-response\":false},"
    "{\"enabled\":true,\"name\":\"guest-set-time\",\"success-response\":true}]}}";

static char *fake_reply(virDomainPtr dom, const char *cmd)
{
    char uuid[37];
    domain_uuid(dom, uuid);
    if (strstr(cmd, "\"guest-ping\""))
        return strdup("{\"return\":{}}");
    if (strstr(cmd, "\"guest-info\""))
        return strdup(info_reply);
    if (strstr(cmd, "\"guest-get-osinfo\""))
        return strdup("{\"return\":{\"id\":\"debian\",\"name\":\"Debian GNU/Linux\","
                      "\"pretty-name\":\"Debian GNU/Linux 12 (bookworm)\",\"version-id\":\"12\"}}");
    if (strstr(cmd, "\"guest-get-users\""))
        return strdup(is_off(uuid) ? "{\"return\":[]}"
                                   : "{\"return\":[{\"user\":\"alice\",\"login-time\":1700000000.25}]}");
    /* The guest runs no logind: the sessions list (pid 4243) says so, and
     * utmp is the source of truth; any other command is the logoff. */
    if (strstr(cmd, "\"guest-exec-status\""))
        return strdup(strstr(cmd, "4243") ? "{\"return\":{\"exited\":true,\"exitcode\":0,\"out-data\":\"bm9sb2dpbmQK\"}}"
                                          : "{\"return\":{\"exited\":true,\"exitcode\":0}}");
    if (strstr(cmd, "\"guest-exec\"")) {
        if (strstr(cmd, "guestos-logons"))
            return strdup("{\"return\":{\"pid\":4243}}");
        set_off(uuid);
        return strdup("{\"return\":{\"pid\":4242}}");
    }
    return NULL;
}

char *virDomainQemuAgentCommand(virDomainPtr domain, const char *cmd, int timeout, unsigned int flags)
{
    static char *(*real)(virDomainPtr, const char *, int, unsigned int);
    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "virDomainQemuAgentCommand");
    agent_wait();
    if (fake()) {
        /* A real agent command is a call to the daemon, which fails when
         * the connection does: so is this one (one round trip). */
        static int (*is_active)(virDomainPtr);
        if (!is_active)
            *(void **)&is_active = dlsym(RTLD_DEFAULT, "virDomainIsActive");
        if (is_active && is_active(domain) < 0)
            return NULL;
        return fake_reply(domain, cmd);
    }
    return real ? real(domain, cmd, timeout, flags) : NULL;
}

/* With the fake agent, every domain's XML shows its channel, connected. */
char *virDomainGetXMLDesc(virDomainPtr domain, unsigned int flags)
{
    static char *(*real)(virDomainPtr, unsigned int);
    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "virDomainGetXMLDesc");
    char *xml = real ? real(domain, flags) : NULL;
    if (!xml || !fake())
        return xml;
    char *name = strstr(xml, "name='org.qemu.guest_agent.0'");
    if (name) {
        /* A channel the fleet file gave: connected now, as an agent that runs. */
        char *end = strchr(name, '>');
        if (!end || memmem(name, (size_t)(end - name), "state=", 6))
            return xml;
        size_t head = (size_t)(name - xml) + strlen("name='org.qemu.guest_agent.0'");
        char *out = malloc(strlen(xml) + 32);
        if (!out)
            return xml;
        sprintf(out, "%.*s state='connected'%s", (int)head, xml, xml + head);
        free(xml);
        return out;
    }
    static const char chan[] = "<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0' "
                               "state='connected'/></channel>";
    char *at = strstr(xml, "</devices>");
    const char *open = at ? "" : "<devices>", *close = at ? "" : "</devices>";
    if (!at)
        at = strstr(xml, "</domain>");
    if (!at)
        return xml;
    size_t head = (size_t)(at - xml);
    char *out = malloc(strlen(xml) + strlen(open) + sizeof chan + strlen(close) + 1);
    if (!out)
        return xml;
    sprintf(out, "%.*s%s%s%s%s", (int)head, xml, open, chan, close, at);
    free(xml);
    return out;
}
