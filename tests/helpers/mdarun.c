/*
 * mdarun DIR -- PROGRAM [ARG]...: runs PROGRAM once for every regular file
 * in DIR (in name order), with that file as its standard input and its
 * output thrown away, one run after the other, and prints what the runs
 * cost, measured by wait4() for the children alone (no shell in between):
 *
 *   runs=N failed=F cpu_us=T maxrss_kb=M wall_us=W
 *
 * cpu_us is user + system time of all runs together, maxrss_kb the largest
 * peak resident size of one run, failed the runs that did not exit 0.
 * Used by tests/bench/mda.sh.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    DIR *d;
    struct dirent *de;
    char **names = NULL;
    size_t n = 0, cap = 0;
    long long cpu = 0, maxrss = 0, failed = 0;
    struct timespec a, b;

    if (argc < 4 || strcmp(argv[2], "--") != 0) {
        fprintf(stderr, "usage: mdarun DIR -- PROGRAM [ARG]...\n");
        return 100;
    }
    if (!(d = opendir(argv[1]))) {
        perror(argv[1]);
        return 111;
    }
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.') continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            names = realloc(names, cap * sizeof *names);
            if (!names) return 111;
        }
        names[n++] = strdup(de->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp);
    int devnull = open("/dev/null", O_WRONLY);
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        struct rusage ru;
        int st;
        snprintf(path, sizeof path, "%s/%s", argv[1], names[i]);
        int fd = open(path, O_RDONLY);
        if (fd < 0) {
            perror(path);
            return 111;
        }
        pid_t pid = fork();
        if (pid < 0) {
            perror("fork");
            return 111;
        }
        if (pid == 0) {
            dup2(fd, 0);
            dup2(devnull, 1);
            dup2(devnull, 2);
            execvp(argv[3], argv + 3);
            _exit(127);
        }
        close(fd);
        if (wait4(pid, &st, 0, &ru) < 0) {
            perror("wait4");
            return 111;
        }
        cpu += (long long)ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec +
               (long long)ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec;
        if (ru.ru_maxrss > maxrss) maxrss = ru.ru_maxrss;
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) failed++;
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    long long wall = (b.tv_sec - a.tv_sec) * 1000000LL + (b.tv_nsec - a.tv_nsec) / 1000;
    printf("runs=%zu failed=%lld cpu_us=%lld maxrss_kb=%lld wall_us=%lld\n", n, failed, cpu, maxrss,
           wall);
    return 0;
}
