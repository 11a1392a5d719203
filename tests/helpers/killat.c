/*
 * killat: run a program and SIGKILL it at a chosen point, for crash tests.
 *
 *   killat N prog [arg]...
 *
 * The program runs under ptrace(2); when it enters its N-th write(2) to a
 * descriptor >= 3 (N >= 1), it is killed with SIGKILL before that write
 * happens.  killat prints "killed" if that point was reached, "exited S"
 * if the program ended on its own first (S its exit status), and exits 0;
 * 111 when ptrace is not available (the caller should skip).
 * x86_64 and aarch64 only.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>
#include <elf.h>

static int get_call(pid_t pid, long *nr, long *arg0)
{
#if defined(__x86_64__)
    struct user_regs_struct r;
    if (ptrace(PTRACE_GETREGS, pid, 0, &r) == -1) return -1;
    *nr = (long)r.orig_rax;
    *arg0 = (long)r.rdi;
    return 0;
#elif defined(__aarch64__)
    struct user_pt_regs r;
    struct iovec io = { &r, sizeof r };
    if (ptrace(PTRACE_GETREGSET, pid, (void *)NT_PRSTATUS, &io) == -1) return -1;
    *nr = (long)r.regs[8];
    *arg0 = (long)r.regs[0];
    return 0;
#else
    (void)pid; (void)nr; (void)arg0;
    errno = ENOSYS;
    return -1;
#endif
}

int main(int argc, char **argv)
{
    long want, seen = 0;
    pid_t pid;
    int st, entering = 1, sig = 0;

    if (argc < 3 || (want = strtol(argv[1], 0, 10)) < 1) {
        fprintf(stderr, "usage: killat N prog [arg]...\n");
        return 100;
    }
    pid = fork();
    if (pid == -1) return 111;
    if (pid == 0) {
        if (ptrace(PTRACE_TRACEME, 0, 0, 0) == -1) _exit(112);
        raise(SIGSTOP);
        execvp(argv[2], argv + 2);
        _exit(127);
    }
    if (waitpid(pid, &st, 0) == -1) return 111;
    if (WIFEXITED(st) && WEXITSTATUS(st) == 112) {
        fprintf(stderr, "killat: ptrace not available\n");
        return 111;
    }
    if (ptrace(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL) == -1) {
        kill(pid, SIGKILL);
        fprintf(stderr, "killat: ptrace not available\n");
        return 111;
    }
    for (;;) {
        if (ptrace(PTRACE_SYSCALL, pid, 0, (void *)(long)sig) == -1) break;
        sig = 0;
        if (waitpid(pid, &st, 0) == -1) return 111;
        if (WIFEXITED(st)) {
            printf("exited %d\n", WEXITSTATUS(st));
            return 0;
        }
        if (WIFSIGNALED(st)) {
            printf("exited %d\n", 128 + WTERMSIG(st));
            return 0;
        }
        if (!WIFSTOPPED(st)) continue;
        if (WSTOPSIG(st) == (SIGTRAP | 0x80)) {
            long nr, fd;
            if (entering && get_call(pid, &nr, &fd) == 0 && nr == SYS_write && fd >= 3) {
                if (++seen == want) {
                    kill(pid, SIGKILL);
                    waitpid(pid, &st, 0);
                    printf("killed\n");
                    return 0;
                }
            }
            entering = !entering;
        } else if (WSTOPSIG(st) != SIGTRAP && WSTOPSIG(st) != SIGSTOP)
            sig = WSTOPSIG(st);   /* pass other signals on */
    }
    kill(pid, SIGKILL);
    return 111;
}
