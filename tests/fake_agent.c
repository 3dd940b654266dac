/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A preload for tests: the guest-agent commands of the test driver's domains are answered by the program in
 * GOS_FAKE_AGENT, so that the real binary meets replies no real qemu-ga can be made to send. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* libvirt's test driver has no agent: every virDomainQemuAgentCommand fails
 * with "not supported". With GOS_FAKE_AGENT set, this runs that program as
 *   PROGRAM DOMAIN-NAME COMMAND-JSON
 * and hands back what it prints (the reply, any bytes, any size) when it
 * exits 0; it exiting non-zero is a failed call, as when the agent does not
 * answer. Hostile replies, slow ones, Windows guests: the program decides. */
typedef struct _virDomain *virDomainPtr;

char *virDomainQemuAgentCommand(virDomainPtr domain, const char *cmd, int timeout, unsigned int flags);

extern char **environ;

char *virDomainQemuAgentCommand(virDomainPtr domain, const char *cmd, int timeout, unsigned int flags)
{
    static char *(*real)(virDomainPtr, const char *, int, unsigned int);
    static const char *(*name_of)(virDomainPtr);
    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "virDomainQemuAgentCommand");
    if (!name_of)
        *(void **)&name_of = dlsym(RTLD_DEFAULT, "virDomainGetName");
    const char *prog = getenv("GOS_FAKE_AGENT");
    if (!prog || !*prog || !name_of)
        return real ? real(domain, cmd, timeout, flags) : NULL;

    int fd[2];
    if (pipe2(fd, O_CLOEXEC) < 0)
        return NULL;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fd[1], 1);
    /* Its complaints go to a file of the test, never into the output of the
     * guestos run (a hung agent would keep that pipe open). */
    const char *errs = getenv("GOS_FAKE_AGENT_ERR");
    posix_spawn_file_actions_addopen(&fa, 2, errs && *errs ? errs : "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0600);
    const char *name = name_of(domain);
    char *const argv[] = { (char *)prog, (char *)(name ? name : ""), (char *)cmd, NULL };
    /* The agent runs without this preload (nor the sanitizers' runtime). */
    size_t n_env = 0;
    while (environ[n_env])
        n_env++;
    char **env = calloc(n_env + 1, sizeof *env);
    size_t k_env = 0;
    for (size_t i = 0; i < n_env; i++)
        if (strncmp(environ[i], "LD_PRELOAD=", 11))
            env[k_env++] = environ[i];
    pid_t pid;
    int rc = posix_spawn(&pid, prog, &fa, NULL, argv, env);
    free(env);
    posix_spawn_file_actions_destroy(&fa);
    close(fd[1]);
    if (rc != 0) {
        close(fd[0]);
        return NULL;
    }
    size_t len = 0, cap = 4096;
    char *buf = malloc(cap);
    for (;;) {
        if (len + 1 >= cap) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
        ssize_t k = read(fd[0], buf + len, cap - len - 1);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        len += (size_t)k;
    }
    close(fd[0]);
    buf[len] = '\0';
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}
