/*
 * fsyncrate DIR N [AWAY]: the disk's rate of "create a new file, write 4
 * KiB, fsync, close" in DIR, N times; prints files per second (integer).
 * This is the limit the queue benchmarks are compared with.  The files
 * f0..fN-1 are left in DIR, or, given AWAY (a directory on the same
 * filesystem), renamed into it after the timing as <pid>.<i>, so that DIR
 * (a queue directory) is as it was.  Never removed: freeing inodes at once
 * would slow the creates that come next (see tests/bench/run.sh).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    char buf[4096], path[4096];
    struct timespec a, b;
    long n;

    if ((argc != 3 && argc != 4) || (n = atol(argv[2])) <= 0) {
        fprintf(stderr, "usage: fsyncrate DIR N [AWAY]\n");
        return 100;
    }
    memset(buf, 'x', sizeof buf);
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (long i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/f%ld", argv[1], i);
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
        if (fd < 0 || write(fd, buf, sizeof buf) != (ssize_t)sizeof buf || fsync(fd) < 0 ||
            close(fd) < 0) {
            perror("fsyncrate");
            return 111;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    for (long i = 0; argc == 4 && i < n; i++) {
        char to[4096];
        snprintf(path, sizeof path, "%s/f%ld", argv[1], i);
        snprintf(to, sizeof to, "%s/%ld.%ld", argv[3], (long)getpid(), i);
        if (rename(path, to) < 0) {
            perror("fsyncrate: rename");
            return 111;
        }
    }
    double secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    printf("%.0f\n", (double)n / secs);
    return 0;
}
