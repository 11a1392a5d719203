/*
 * commitfloor DIR1 DIR2 N AWAY: the fastest a qmail-queue could possibly
 * be on this machine.  Runs N processes one after the other (vfork and
 * exec of this program, as the injection driver starts qmail-queue); each
 * creates a new file in DIR1 and one in DIR2, writes a small message and
 * an envelope into them, and makes both files and both names durable at
 * once (fsyncs of the two files and the two directories side by side, in
 * threads), then exits.  That is the least any injector must do in the
 * qmail queue layout (a message file and an envelope, each named in its
 * own directory, synced before the exit status says "queued"), without
 * qmail-queue's own work: no reading of fd 0 and fd 1, no pool, no
 * Received line, no commit record.  Prints processes per second.
 *
 * The benchmark prints it beside the disk's create+write+fsync rate, so
 * that a ratio target can be read against what the machine allows: where
 * this floor is near the target, no injector reaches it.
 *
 * The files are renamed into AWAY after the timing, never removed (freed
 * inodes slow the creates that follow; see tests/bench/run.sh).
 *
 * Built static where the suite's musl toolchain exists, like qmail-queue,
 * so that the exec costs what qmail-queue's exec costs.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void *sync_fd(void *arg)
{
    if (fsync((int)(long)arg) < 0) _exit(111);
    return NULL;
}

/* One injection's files: the child's body. */
static int commit_once(const char *dir1, const char *dir2, const char *away, const char *tag)
{
    char p1[4096], p2[4096], msg[333], env[50];
    pthread_t t[3];
    int fds[4];

    memset(msg, 'm', sizeof msg);
    memset(env, 'e', sizeof env);
    snprintf(p1, sizeof p1, "%s/%s", dir1, tag);
    snprintf(p2, sizeof p2, "%s/%s", dir2, tag);
    /* files made before the timing, as qmail-queue takes them from its
     * pool: the floor does not pay for new inodes */
    char s1[4096], s2[4096];
    snprintf(s1, sizeof s1, "%s/%s.1", away, tag);
    snprintf(s2, sizeof s2, "%s/%s.2", away, tag);
    if (rename(s1, p1) < 0 || rename(s2, p2) < 0) return 111;
    fds[0] = open(p1, O_WRONLY);
    fds[1] = open(p2, O_WRONLY);
    fds[2] = open(dir1, O_RDONLY | O_DIRECTORY);
    fds[3] = open(dir2, O_RDONLY | O_DIRECTORY);
    for (int i = 0; i < 4; i++)
        if (fds[i] < 0) return 111;
    if (write(fds[0], msg, sizeof msg) != (ssize_t)sizeof msg || write(fds[1], env, sizeof env) != (ssize_t)sizeof env)
        return 111;
    for (int i = 0; i < 3; i++)
        if (pthread_create(&t[i], NULL, sync_fd, (void *)(long)fds[i + 1]) != 0) return 111;
    if (fsync(fds[0]) < 0) return 111;
    for (int i = 0; i < 3; i++) pthread_join(t[i], NULL);
    return 0;
}

/* The files the runs will take: AWAY/floor.<i>.1 and .2, synced. */
static int make_spares(const char *away, long n)
{
    char path[4096];
    for (long i = 0; i < n; i++)
        for (int which = 1; which <= 2; which++) {
            snprintf(path, sizeof path, "%s/floor.%ld.%d", away, i, which);
            int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
            if (fd < 0 || close(fd) < 0) { perror("commitfloor: spare"); return -1; }
        }
    sync();
    return 0;
}

static int move_away(const char *dir, const char *away, long n, int which)
{
    char from[4096], to[4096];
    for (long i = 0; i < n; i++) {
        snprintf(from, sizeof from, "%s/floor.%ld", dir, i);
        snprintf(to, sizeof to, "%s/%ld.%d.%ld", away, (long)getpid(), which, i);
        if (rename(from, to) < 0) { perror("commitfloor: rename"); return -1; }
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct timespec a, b;
    long n;

    if (argc == 6 && strcmp(argv[1], "-c") == 0) return commit_once(argv[2], argv[3], argv[4], argv[5]);
    if (argc != 5 || (n = atol(argv[3])) <= 0) {
        fprintf(stderr, "usage: commitfloor DIR1 DIR2 N AWAY\n");
        return 100;
    }
    if (make_spares(argv[4], n) < 0) return 111;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (long i = 0; i < n; i++) {
        char tag[64];
        int st;
        snprintf(tag, sizeof tag, "floor.%ld", i);
        pid_t pid = vfork();
        if (pid < 0) { perror("commitfloor: vfork"); return 111; }
        if (pid == 0) {
            execl("/proc/self/exe", argv[0], "-c", argv[1], argv[2], argv[4], tag, (char *)0);
            _exit(120);
        }
        if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            fprintf(stderr, "commitfloor: run %ld failed\n", i);
            return 111;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    if (move_away(argv[1], argv[4], n, 1) < 0 || move_away(argv[2], argv[4], n, 2) < 0) return 111;
    double secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    printf("%.0f\n", (double)n / secs);
    return 0;
}
