/*
 * maildrop-run: child processes.  A command from the filter runs as
 * "$SHELL -c command" (maildrop's rule for pipes, backticks, xfilter and
 * system), a forward runs $SENDMAIL's words directly (execve, found through
 * $PATH), always with every variable exported as the environment, the
 * signals maildrop changed reset, and the message (or /dev/null) on stdin:
 * the message is given as a file, never through a pipe, so a child that
 * does not read it cannot block maildrop.  The watchdog kills the child
 * that is being waited for.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fs.h"
#include "maildrop.h"

extern volatile pid_t md_child;

static void child_exec(struct md_ctx *c, const char *cmd, char *const *argv, char **envp)
{
    sigset_t none;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    for (int s = 1; s < NSIG; s++) (void)sigaction(s, &sa, NULL);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (!argv) {
        const char *sh = md_var_gets(&c->vars, "SHELL");
        char *args[4];
        if (!*sh) sh = "/bin/sh";
        args[0] = (char *)sh;
        args[1] = (char *)"-c";
        args[2] = (char *)cmd;
        args[3] = NULL;
        execve(sh, args, envp);
        fprintf(stderr, "maildrop: unable to run %s: %s\n", sh, strerror(errno));
        _exit(127);
    }
    if (strchr(argv[0], '/')) {
        execve(argv[0], argv, envp);
    } else {
        const char *path = md_var_gets(&c->vars, "PATH");
        str p = STR_INIT;
        int e = ENOENT;
        while (*path) {
            const char *colon = strchr(path, ':');
            size_t n = colon ? (size_t)(colon - path) : strlen(path);
            str_truncate(&p, 0);
            if (n) str_catb(&p, path, n);
            else str_catc(&p, '.');
            str_catc(&p, '/');
            str_cats(&p, argv[0]);
            if (p.s) {
                execve(p.s, argv, envp);
                if (errno != ENOENT && errno != ENOTDIR) e = errno;
            }
            path += n;
            if (*path == ':') path++;
        }
        errno = e;
    }
    fprintf(stderr, "maildrop: unable to run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

static int waitchild(pid_t pid, int *status)
{
    int ws;
    md_child = pid;
    while (waitpid(pid, &ws, 0) < 0) {
        if (errno != EINTR) {
            md_child = 0;
            return -1;
        }
        if (md_timed_out) kill(pid, SIGKILL);
    }
    md_child = 0;
    if (WIFEXITED(ws)) *status = WEXITSTATUS(ws);
    else if (WIFSIGNALED(ws)) *status = 128 + WTERMSIG(ws);
    else *status = 128;
    return 0;
}

/* Forks the child with stdin and (if outfd) stdout set up. */
static pid_t start(struct md_ctx *c, const char *cmd, char *const *argv, int in, int *outfd)
{
    char **envp = md_var_envp(&c->vars);
    int infd = -1, p[2] = { -1, -1 };
    pid_t pid;

    if (!envp) {
        md_error(c, NULL, "Out of memory.");
        return -1;
    }
    if (in == MD_IN_MSG) {
        infd = md_store_fd(c->msg.st);
        if (infd < 0) {
            md_error(c, NULL, "Unable to prepare the message for a program: %s.", strerror(errno));
            md_envp_free(envp);
            return -1;
        }
    }
    if (outfd && pipe2(p, O_CLOEXEC) < 0) {
        md_error(c, NULL, "Unable to create a pipe: %s.", strerror(errno));
        md_envp_free(envp);
        return -1;
    }
    pid = fork();
    if (pid < 0) {
        md_error(c, NULL, "Unable to fork: %s.", strerror(errno));
        if (outfd) { close(p[0]); close(p[1]); }
        md_envp_free(envp);
        return -1;
    }
    if (pid == 0) {
        if (in == MD_IN_MSG) {
            if (dup2(infd, 0) < 0) _exit(127);
        } else {
            int nul = open("/dev/null", O_RDONLY);
            if (nul < 0 || dup2(nul, 0) < 0) _exit(127);
            if (nul != 0) close(nul);
        }
        if (outfd && dup2(p[1], 1) < 0) _exit(127);
        child_exec(c, cmd, argv, envp);
    }
    md_envp_free(envp);
    if (outfd) {
        close(p[1]);
        *outfd = p[0];
    }
    return pid;
}

int md_run(struct md_ctx *c, const char *cmd, char *const *argv, int in, str *out, size_t outmax,
           int *status)
{
    int fd = -1;
    pid_t pid;
    md_debug(c, 3, "Running: %s", cmd ? cmd : argv[0]);
    pid = start(c, cmd, argv, in, out ? &fd : NULL);
    if (pid < 0) return -1;
    if (out) {
        char b[8192];
        str_truncate(out, 0);
        md_child = pid;
        for (;;) {
            ssize_t r = read(fd, b, sizeof b);
            if (r < 0) {
                if (errno == EINTR) {
                    if (md_timed_out) kill(pid, SIGKILL);
                    continue;
                }
                break;
            }
            if (r == 0) break;
            if (out->len < outmax) {
                size_t k = (size_t)r < outmax - out->len ? (size_t)r : outmax - out->len;
                if (str_catb(out, b, k) < 0) break;
            }
        }
        close(fd);
        if (!out->s) str_ready(out, 0);
    }
    if (waitchild(pid, status) < 0) {
        md_error(c, NULL, "Unable to wait for a child process: %s.", strerror(errno));
        return -1;
    }
    if (md_timed_out) return -1;
    md_debug(c, 3, "Exit status %d", *status);
    return 0;
}

int md_run_filter(struct md_ctx *c, const char *cmd, int *status, struct md_store **newst)
{
    int fd = -1, r;
    pid_t pid;
    md_debug(c, 3, "Filtering through: %s", cmd);
    pid = start(c, cmd, NULL, MD_IN_MSG, &fd);
    if (pid < 0) return -1;
    md_child = pid;
    *newst = NULL;
    r = md_store_from_fd(newst, fd, c->msg.tmpdir);
    if (r < 0) {
        int e = errno;
        kill(pid, SIGKILL);
        close(fd);
        waitchild(pid, status);
        md_error(c, NULL, "Unable to read the filtered message: %s.", strerror(e));
        return -1;
    }
    close(fd);
    if (waitchild(pid, status) < 0) {
        md_error(c, NULL, "Unable to wait for a child process: %s.", strerror(errno));
        md_store_unref(*newst);
        *newst = NULL;
        return -1;
    }
    if (md_timed_out) {
        md_store_unref(*newst);
        *newst = NULL;
        return -1;
    }
    return 0;
}
