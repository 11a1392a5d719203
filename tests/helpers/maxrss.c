/*
 * maxrss FILE PROG [ARG]...: runs PROG (stdin, stdout and stderr inherited),
 * then appends one line to FILE: the peak resident set size of PROG and the
 * children it waited for, in kilobytes (getrusage).  Exits with PROG's exit
 * code (111 if it cannot be run, 2 on a usage error).  For benchmarks: put
 * it in front of a server under tcpserver to learn each session's peak.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    struct rusage ru;
    int st, fd;
    char line[64];
    pid_t pid;

    if (argc < 3) {
        fprintf(stderr, "usage: maxrss FILE PROG [ARG]...\n");
        return 2;
    }
    pid = fork();
    if (pid < 0) return 111;
    if (pid == 0) {
        execvp(argv[2], argv + 2);
        _exit(111);
    }
    if (wait4(pid, &st, 0, &ru) < 0) return 111;
    fd = open(argv[1], O_WRONLY | O_APPEND | O_CREAT, 0644);
    if (fd >= 0) {
        int n = snprintf(line, sizeof line, "%ld\n", ru.ru_maxrss);
        if (write(fd, line, (size_t)n) < 0) {}
        close(fd);
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : 111;
}
