/* Unit tests for lib/lock: flock conflicts, fcntl timeouts, dot-locks with
 * stale removal, contention between processes, hostile paths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

#include "lock.h"

static char top[64];
static char mbox[128];

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
    (void)st; (void)flag; (void)f;
    return remove(p);
}

static int setup(void **state)
{
    (void)state;
    strcpy(top, "/tmp/test_lock.XXXXXX");
    if (!mkdtemp(top)) return -1;
    snprintf(mbox, sizeof mbox, "%s/mbox", top);
    int fd = open(mbox, O_RDWR | O_CREAT, 0600);
    if (fd < 0) return -1;
    close(fd);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return nftw(top, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static long long ms_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static size_t count_entries(void)
{
    DIR *d = opendir(top);
    size_t n = 0;
    struct dirent *de;
    assert_non_null(d);
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) n++;
    closedir(d);
    return n;
}

static void reap(pid_t pid)
{
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
}

static void test_flock(void **state)
{
    (void)state;
    int a = open(mbox, O_RDONLY), b = open(mbox, O_RDONLY);
    assert_true(a >= 0 && b >= 0);
    assert_int_equal(lock_ex(a), 0);
    errno = 0;
    assert_int_equal(lock_exnb(b), -1);
    assert_int_equal(errno, EWOULDBLOCK);
    assert_int_equal(lock_un(a), 0);
    assert_int_equal(lock_exnb(b), 0);
    assert_int_equal(lock_un(b), 0);
    close(a);
    close(b);
    assert_int_equal(lock_ex(-1), -1);
    assert_int_equal(errno, EBADF);
}

static void test_lock_file(void **state)
{
    (void)state;
    char path[4200];
    snprintf(path, sizeof path, "%s/lockfile", top);
    int a = lock_file_ex(path);
    assert_true(a >= 0);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(st.st_size, 0);
    assert_true(fcntl(a, F_GETFD) & FD_CLOEXEC);
    /* held: another open file description cannot have it */
    int b = open(path, O_RDONLY);
    assert_true(b >= 0);
    errno = 0;
    assert_int_equal(lock_exnb(b), -1);
    assert_int_equal(errno, EWOULDBLOCK);
    close(a);
    assert_int_equal(lock_exnb(b), 0);
    close(b);
    /* again on the existing file */
    a = lock_file_ex(path);
    assert_true(a >= 0);
    close(a);
    unlink(path);
    snprintf(path, sizeof path, "%s/no/such/dir/lock", top);
    errno = 0;
    assert_int_equal(lock_file_ex(path), -1);
    assert_int_equal(errno, ENOENT);
}

/* A child takes the fcntl lock, says so on a pipe and holds it hold_ms. */
static pid_t fcntl_holder(int hold_ms)
{
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(p[0]);
        int fd = open(mbox, O_RDWR);
        if (fd < 0 || lock_fcntl(fd, 0) < 0) _exit(1);
        if (write(p[1], "L", 1) != 1) _exit(1);
        usleep((useconds_t)hold_ms * 1000);
        _exit(0);
    }
    close(p[1]);
    char c;
    assert_int_equal(read(p[0], &c, 1), 1);
    close(p[0]);
    return pid;
}

static volatile sig_atomic_t alarms;
static void on_alarm(int sig) { (void)sig; alarms++; }

static void test_fcntl(void **state)
{
    (void)state;
    int fd = open(mbox, O_RDWR);
    assert_true(fd >= 0);
    pid_t pid = fcntl_holder(1500);
    long long t0 = ms_now();
    errno = 0;
    assert_int_equal(lock_fcntl(fd, 0), -1);
    assert_int_equal(errno, ETIMEDOUT);
    assert_true(ms_now() - t0 < 900);
    t0 = ms_now();
    assert_int_equal(lock_fcntl(fd, 1), -1);
    assert_int_equal(errno, ETIMEDOUT);
    long long took = ms_now() - t0;
    assert_true(took >= 950 && took < 3000);
    /* the holder lets go within the limit */
    assert_int_equal(lock_fcntl(fd, 10), 0);
    reap(pid);
    assert_int_equal(lock_fcntl_un(fd), 0);

    /* blocking wait with signals arriving (no SA_RESTART) */
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigemptyset(&sa.sa_mask);
    assert_int_equal(sigaction(SIGALRM, &sa, &old), 0);
    struct itimerval it = { { 0, 20000 }, { 0, 20000 } }, off = { { 0, 0 }, { 0, 0 } };
    pid = fcntl_holder(300);
    alarms = 0;
    assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
    assert_int_equal(lock_fcntl(fd, -1), 0);
    assert_int_equal(setitimer(ITIMER_REAL, &off, NULL), 0);
    assert_true(alarms > 3);
    reap(pid);
    assert_int_equal(lock_fcntl_un(fd), 0);
    /* with a timeout too */
    pid = fcntl_holder(300);
    assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
    assert_int_equal(lock_fcntl(fd, 5), 0);
    assert_int_equal(setitimer(ITIMER_REAL, &off, NULL), 0);
    reap(pid);
    assert_int_equal(sigaction(SIGALRM, &old, NULL), 0);
    close(fd);

    /* a write lock needs a descriptor open for writing */
    fd = open(mbox, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(lock_fcntl(fd, 0), -1);
    assert_int_equal(errno, EBADF);
    close(fd);
}

static void test_dot_basic(void **state)
{
    (void)state;
    char lockname[160];
    snprintf(lockname, sizeof lockname, "%s.lock", mbox);
    struct stat st;
    assert_int_equal(lock_dot_acquire(mbox, 0, 300), 0);
    assert_int_equal(lstat(lockname, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(st.st_nlink, 1);        /* the temporary name is gone */
    assert_int_equal(count_entries(), 2);
    /* contents: our pid */
    char buf[32] = { 0 };
    int fd = open(lockname, O_RDONLY);
    assert_true(fd >= 0);
    assert_true(read(fd, buf, sizeof buf - 1) > 0);
    close(fd);
    assert_int_equal(strtol(buf, NULL, 10), getpid());

    long long t0 = ms_now();
    errno = 0;
    assert_int_equal(lock_dot_acquire(mbox, 0, 300), -1);
    assert_int_equal(errno, ETIMEDOUT);
    assert_true(ms_now() - t0 < 900);
    t0 = ms_now();
    assert_int_equal(lock_dot_acquire(mbox, 1, -1), -1);
    assert_int_equal(errno, ETIMEDOUT);
    assert_true(ms_now() - t0 >= 950);
    assert_int_equal(count_entries(), 2);    /* no temporary files left */
    assert_int_equal(lock_dot_release(mbox), 0);
    assert_int_equal(lock_dot_release(mbox), -1);
    assert_int_equal(errno, ENOENT);
    assert_int_equal(count_entries(), 1);

    /* released by another process while we wait */
    assert_int_equal(lock_dot_acquire(mbox, 0, 300), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        usleep(300000);
        _exit(lock_dot_release(mbox) == 0 ? 0 : 1);
    }
    assert_int_equal(lock_dot_acquire(mbox, 5, -1), 0);
    reap(pid);
    assert_int_equal(lock_dot_release(mbox), 0);
}

/* lock_dot_acquire_name: the lock file's own name, nothing appended */
static void test_dot_name(void **state)
{
    (void)state;
    char lockname[160];
    struct stat st;
    snprintf(lockname, sizeof lockname, "%s.lck", mbox);
    assert_int_equal(lock_dot_acquire_name(lockname, 0, 300), 0);
    assert_int_equal(lstat(lockname, &st), 0);
    assert_int_equal(st.st_nlink, 1);
    assert_int_equal(lock_dot_acquire_name(lockname, 0, 300), -1);
    assert_int_equal(errno, ETIMEDOUT);
    /* the ".lock" form is a different lock */
    assert_int_equal(lock_dot_acquire(mbox, 0, 300), 0);
    assert_int_equal(lock_dot_release(mbox), 0);
    assert_int_equal(lock_dot_release_name(lockname), 0);
    assert_int_equal(lock_dot_release_name(lockname), -1);
    assert_int_equal(errno, ENOENT);
    assert_int_equal(count_entries(), 1);
    assert_int_equal(lock_dot_acquire_name("", 0, 300), -1);
    assert_int_equal(errno, ENOENT);
}

static void test_dot_stale(void **state)
{
    (void)state;
    char lockname[160];
    snprintf(lockname, sizeof lockname, "%s.lock", mbox);
    int fd = open(lockname, O_WRONLY | O_CREAT | O_EXCL, 0644);
    assert_true(fd >= 0);
    close(fd);
    struct utimbuf old = { time(NULL) - 1000, time(NULL) - 1000 };
    assert_int_equal(utime(lockname, &old), 0);
    /* stale checking off: it stays */
    assert_int_equal(lock_dot_acquire(mbox, 0, -1), -1);
    assert_int_equal(errno, ETIMEDOUT);
    /* not old enough */
    assert_int_equal(lock_dot_acquire(mbox, 0, 2000), -1);
    assert_int_equal(errno, ETIMEDOUT);
    /* stale: broken and taken */
    assert_int_equal(lock_dot_acquire(mbox, 0, 300), 0);
    struct stat st;
    assert_int_equal(stat(lockname, &st), 0);
    assert_true(st.st_mtime > time(NULL) - 100);
    assert_int_equal(lock_dot_release(mbox), 0);

    /* a directory squatting on the lock name cannot be broken: time out */
    assert_int_equal(mkdir(lockname, 0700), 0);
    assert_int_equal(utime(lockname, &old), 0);
    assert_int_equal(lock_dot_acquire(mbox, 1, 0), -1);
    assert_int_equal(errno, ETIMEDOUT);
    assert_int_equal(rmdir(lockname), 0);
    /* a dangling symlink squatting on it is old, so stale: removed, not followed */
    char target[160];
    snprintf(target, sizeof target, "%s/elsewhere", top);
    assert_int_equal(symlink(target, lockname), 0);
    assert_int_equal(lock_dot_acquire(mbox, 0, 100), -1);  /* too young to be stale */
    sleep(2);
    assert_int_equal(lock_dot_acquire(mbox, 0, 0), 0);
    assert_int_equal(lstat(lockname, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(access(target, F_OK), -1);
    assert_int_equal(lock_dot_release(mbox), 0);
    assert_int_equal(count_entries(), 1);
}

static void test_dot_contention(void **state)
{
    (void)state;
    /* processes increment a counter file under the dot-lock; no update may be lost */
    char counter[160];
    snprintf(counter, sizeof counter, "%s/counter", top);
    FILE *f = fopen(counter, "w");
    assert_non_null(f);
    fputs("0\n", f);
    fclose(f);
    enum { PROCS = 6, ROUNDS = 15 };
    pid_t pids[PROCS];
    for (int i = 0; i < PROCS; i++) {
        pids[i] = fork();
        assert_true(pids[i] >= 0);
        if (pids[i] == 0) {
            for (int k = 0; k < ROUNDS; k++) {
                if (lock_dot_acquire(mbox, 30, -1) < 0) _exit(1);
                FILE *c = fopen(counter, "r");
                long v = -1;
                if (!c || fscanf(c, "%ld", &v) != 1) _exit(2);
                fclose(c);
                usleep(500);
                c = fopen(counter, "w");
                if (!c) _exit(3);
                fprintf(c, "%ld\n", v + 1);
                if (fclose(c) != 0) _exit(3);
                if (lock_dot_release(mbox) < 0) _exit(4);
            }
            _exit(0);
        }
    }
    for (int i = 0; i < PROCS; i++) reap(pids[i]);
    f = fopen(counter, "r");
    assert_non_null(f);
    long v = 0;
    assert_int_equal(fscanf(f, "%ld", &v), 1);
    fclose(f);
    assert_int_equal(v, PROCS * ROUNDS);
    unlink(counter);
    assert_int_equal(count_entries(), 1);
}

static void test_dot_hostile(void **state)
{
    (void)state;
    char p[600];
    errno = 0;
    assert_int_equal(lock_dot_acquire("", 0, 0), -1);
    assert_int_equal(errno, ENOENT);
    snprintf(p, sizeof p, "%s/no/such/dir/mbox", top);
    assert_int_equal(lock_dot_acquire(p, 0, 0), -1);
    assert_int_equal(errno, ENOENT);
    /* a name so long that "<name>.lock" exceeds NAME_MAX */
    snprintf(p, sizeof p, "%s/", top);
    memset(p + strlen(p), 'm', 252);
    p[strlen(top) + 1 + 252] = 0;
    assert_int_equal(lock_dot_acquire(p, 0, 0), -1);
    assert_int_equal(errno, ENAMETOOLONG);
    if (geteuid() != 0) {
        assert_int_equal(chmod(top, 0500), 0);
        assert_int_equal(lock_dot_acquire(mbox, 0, 0), -1);
        assert_int_equal(errno, EACCES);
        assert_int_equal(chmod(top, 0700), 0);
    }
    assert_int_equal(count_entries(), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flock),
        cmocka_unit_test(test_lock_file),
        cmocka_unit_test(test_fcntl),
        cmocka_unit_test(test_dot_basic),
        cmocka_unit_test(test_dot_name),
        cmocka_unit_test(test_dot_stale),
        cmocka_unit_test(test_dot_contention),
        cmocka_unit_test(test_dot_hostile),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
