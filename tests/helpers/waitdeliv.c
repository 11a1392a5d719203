/*
 * waitdeliv NEWDIR N INFODIR SECONDS: waits until NEWDIR (a Maildir's new/)
 * holds at least N entries and INFODIR (queue/info, split or flat) holds
 * no file, looking every 10 ms; exit 0 then, exit 1 with the counts after
 * SECONDS.  A benchmark helper: a shell loop of ls, wc and find forked
 * several processes per look, CPU taken from the queue it was timing.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Entries of dir that do not start with a dot; with depth 1 the entries
 * of its subdirectories instead (dot entries skipped at both levels). */
static long count(const char *dir, int depth)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    long n = 0;
    if (!d) return -1;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        if (depth && e->d_type == DT_DIR) {
            char sub[4096];
            snprintf(sub, sizeof sub, "%s/%s", dir, e->d_name);
            long k = count(sub, 0);
            if (k > 0) n += k;
        } else {
            n++;
        }
    }
    closedir(d);
    return n;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: waitdeliv NEWDIR N INFODIR SECONDS\n");
        return 100;
    }
    long want = atol(argv[2]);
    double limit = atof(argv[4]);
    struct timespec start, now, tick = { 0, 10 * 1000 * 1000 };
    long have = 0, queued = 0;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        have = count(argv[1], 0);
        queued = count(argv[3], 1);
        if (have >= want && queued == 0) return 0;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if ((double)(now.tv_sec - start.tv_sec) + (double)(now.tv_nsec - start.tv_nsec) / 1e9 > limit) break;
        nanosleep(&tick, NULL);
    }
    fprintf(stderr, "waitdeliv: after %.0f s, %ld of %ld delivered, %ld still queued\n", limit, have, want,
            queued);
    return 1;
}
