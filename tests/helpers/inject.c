/*
 * inject PROGRAM MSGFILE ENVFILE N C: runs PROGRAM (qmail-queue) N times
 * with MSGFILE on fd 0 and ENVFILE on fd 1, keeping C runs in flight;
 * prints the elapsed seconds and how many runs failed.  A benchmark driver.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static pid_t start(const char *prog, const char *msg, const char *env)
{
    pid_t pid = fork();
    if (pid != 0) return pid;
    int m = open(msg, O_RDONLY), e = open(env, O_RDONLY);
    if (m < 0 || e < 0 || dup2(m, 0) < 0 || dup2(e, 1) < 0) _exit(120);
    execl(prog, prog, (char *)0);
    _exit(120);
}

int main(int argc, char **argv)
{
    struct timespec a, b;
    long n, c, started = 0, running = 0, failed = 0;
    int st;
    if (argc != 6 || (n = atol(argv[4])) <= 0 || (c = atol(argv[5])) <= 0) {
        fprintf(stderr, "usage: inject PROGRAM MSGFILE ENVFILE N C\n");
        return 100;
    }
    clock_gettime(CLOCK_MONOTONIC, &a);
    while (started < n || running > 0) {
        while (started < n && running < c) {
            if (start(argv[1], argv[2], argv[3]) < 0) { perror("fork"); return 111; }
            started++;
            running++;
        }
        if (wait(&st) > 0) {
            running--;
            if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) failed++;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("%.3f %ld\n", (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9, failed);
    return 0;
}
