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

#include "spawn.h"

/*
 * One run of prog with msg on fd 0 and env on fd 1, started with vfork
 * (lib/spawn) as the suite's own callers of qmail-queue start it (lib/qq):
 * a fork of this driver would add its page-table copy to every figure.
 */
struct run { const char *prog, *msg, *env; };

static void run_child(void *arg)
{
    const struct run *r = arg;
    int m = open(r->msg, O_RDONLY), e = open(r->env, O_RDONLY);
    if (m < 0 || e < 0 || dup2(m, 0) < 0 || dup2(e, 1) < 0) _exit(120);
    execl(r->prog, r->prog, (char *)0);
    _exit(120);
}

static pid_t start(const char *prog, const char *msg, const char *env)
{
    struct run r = {prog, msg, env};
    return spawn_vfork(run_child, &r);
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
            if (start(argv[1], argv[2], argv[3]) < 0) { perror("vfork"); return 111; }
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
