/* childrun: run a wrapped program as qmail's filters do.  See childrun.h. */
#include "childrun.h"
#include "die.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int childrun_temperr(int e) { return die_errno_temp(e); }

int childrun_reap(pid_t pid, int *wstat)
{
    while (waitpid(pid, wstat, 0) < 0)
        if (errno != EINTR) return -1;
    return 0;
}

int childrun_wait(char *const *argv, int *wstat)
{
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        signal(SIGPIPE, SIG_DFL);
        execvp(argv[0], argv);
        _exit(childrun_temperr(errno) ? 111 : 100);
    }
    return childrun_reap(pid, wstat);
}

int childrun_cond(const char *prog, char *const *argv)
{
    int wstat;
    if (childrun_wait(argv, &wstat) < 0) die_sys(EXIT_TEMP, prog, "unable to fork");
    if (!WIFEXITED(wstat)) die(EXIT_TEMP, prog, "child crashed");
    if (WEXITSTATUS(wstat) == 111) die(EXIT_TEMP, prog, "temporary child error");
    return WEXITSTATUS(wstat) == 0;
}

int childrun_pipe(const char *prog, char *const *argv, pid_t *pid, int *fd)
{
    int pi[2];
    if (pipe2(pi, O_CLOEXEC) < 0) return -1;
    *pid = fork();
    if (*pid < 0) {
        int e = errno;
        close(pi[0]);
        close(pi[1]);
        errno = e;
        return -1;
    }
    if (*pid == 0) {
        char msg[1024];
        int e, n;
        ssize_t w;
        if (dup2(pi[0], 0) < 0) _exit(111);
        signal(SIGPIPE, SIG_DFL);
        execvp(argv[0], argv);
        e = errno;
        n = snprintf(msg, sizeof msg, "%s: fatal: unable to run %s: %s\n", prog, argv[0],
                     strerror(e));
        if (n > 0) {
            if ((size_t)n >= sizeof msg) { n = (int)sizeof msg - 1; msg[n - 1] = '\n'; }
            w = write(2, msg, (size_t)n);
            (void)w;
        }
        _exit(childrun_temperr(e) ? 111 : 100);
    }
    close(pi[0]);
    *fd = pi[1];
    return 0;
}
