/* Unit tests for queue/pool.c (compiled in here): a put file comes back
 * empty from a take (with its contents from pool_take_keep when small), a second link or a non-regular file is unlinked
 * instead of pooled, and -- the race this module once lost -- a putter
 * and a taker running at the same time: every file the taker writes must
 * keep what it wrote.  The putter once emptied files under their pool
 * name, so a taker could take one and write into it just before the
 * putter emptied it: test_take_during_put makes that moment happen. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ftruncate as pool.c calls it: with a taker armed, the taker runs first,
 * at the worst moment for the putter's truncation */
static int (*before_truncate)(void);
static int hooked_ftruncate(int fd, off_t len)
{
    if (before_truncate) {
        int (*hook)(void) = before_truncate;
        before_truncate = NULL;
        hook();
    }
    return ftruncate(fd, len);
}
#define ftruncate hooked_ftruncate
#include "../../queue/pool.c"
#undef ftruncate

static char top[64];
static char olddir[4096];

static int setup(void **state)
{
    (void)state;
    strcpy(top, "/tmp/test_pool.XXXXXX");
    if (!mkdtemp(top) || !getcwd(olddir, sizeof olddir) || chdir(top) < 0) return -1;
    if (mkdir("pool", 0700) < 0 || mkdir("q", 0700) < 0 || mkdir("t", 0700) < 0) return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (chdir(olddir) < 0) return -1;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", top);
    return system(cmd) == 0 ? 0 : -1;
}

static void write_file(const char *path, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    char buf[4096];
    memset(buf, 'p', sizeof buf);
    while (n) {
        size_t k = n < sizeof buf ? n : sizeof buf;
        assert_int_equal(write(fd, buf, k), (ssize_t)k);
        n -= k;
    }
    close(fd);
}

static void test_put_then_take(void **state)
{
    (void)state;
    struct pool p;
    struct stat st;
    pool_init(&p, "pool");
    write_file("q/a", 5000);
    assert_int_equal(stat("q/a", &st), 0);
    assert_int_equal(pool_put(&p, "q/a"), 1);
    assert_int_equal(access("q/a", F_OK), -1);
    int fd = pool_take(&p, "t/a", 0600);
    assert_true(fd >= 0);
    struct stat st2;
    assert_int_equal(fstat(fd, &st2), 0);
    assert_int_equal(st2.st_ino, st.st_ino);   /* the same inode, emptied */
    assert_int_equal(st2.st_size, 0);
    assert_int_equal(st2.st_mode & 07777, 0600);
    close(fd);
    unlink("t/a");
    /* nothing left: the next take finds the pool empty */
    assert_int_equal(pool_take(&p, "t/b", 0600), -1);
    assert_int_equal(errno, ENOENT);
    assert_int_equal(pool_put(&p, "q/missing"), 0);
}

/* A small file keeps its contents (and blocks) in the pool: pool_take
 * empties it, pool_take_keep hands it over as it is. */
static void test_keep(void **state)
{
    (void)state;
    struct pool p;
    struct stat st;
    char buf[16];
    pool_init(&p, "pool");
    write_file("q/small", 100);
    assert_int_equal(pool_put(&p, "q/small"), 1);
    int fd = pool_take_keep(&p, "t/small", 0644);
    assert_true(fd >= 0);
    assert_int_equal(fstat(fd, &st), 0);
    assert_int_equal(st.st_size, 100);
    assert_int_equal(read(fd, buf, 4), 4);
    assert_memory_equal(buf, "pppp", 4);
    close(fd);
    assert_int_equal(pool_put(&p, "t/small"), 1);
    fd = pool_take(&p, "t/again", 0644);
    assert_true(fd >= 0);
    assert_int_equal(fstat(fd, &st), 0);
    assert_int_equal(st.st_size, 0);
    close(fd);
}

static void test_not_pooled(void **state)
{
    (void)state;
    struct pool p;
    pool_init(&p, "pool");
    write_file("q/linked", 10);
    assert_int_equal(link("q/linked", "q/linked2"), 0);
    assert_int_equal(pool_put(&p, "q/linked"), 1);   /* unlinked, not pooled */
    assert_int_equal(access("q/linked", F_OK), -1);
    assert_int_equal(unlink("q/linked2"), 0);
    assert_int_equal(mkfifo("q/fifo", 0600), 0);
    assert_int_equal(pool_put(&p, "q/fifo"), 1);
    assert_int_equal(access("q/fifo", F_OK), -1);
    assert_int_equal(rmdir("pool"), 0);              /* nothing went into it */
    assert_int_equal(mkdir("pool", 0700), 0);
}

/* The taker acts while the putter is about to empty the file: whatever it
 * takes must keep what it writes. */
static int early_fd = -1;
static int take_and_write(void)
{
    struct pool t;
    pool_init(&t, "pool");
    early_fd = pool_take(&t, "t/early", 0644);
    if (early_fd >= 0 && write(early_fd, "envelope", 8) != 8) return -1;
    return 0;
}

static void test_take_during_put(void **state)
{
    (void)state;
    struct pool p;
    struct stat st;
    pool_init(&p, "pool");
    write_file("q/old", POOL_KEEP + 3000);    /* big: emptied on the way in */
    before_truncate = take_and_write;
    assert_int_equal(pool_put(&p, "q/old"), 1);
    assert_null(before_truncate);                /* the hook ran */
    if (early_fd >= 0) {
        /* it got the file: its record must have survived the put */
        assert_int_equal(fstat(early_fd, &st), 0);
        assert_int_equal(st.st_size, 8);
        close(early_fd);
        early_fd = -1;
        return;
    }
    /* the file was out of the takers' sight; now it is there, empty */
    int fd = pool_take(&p, "t/late", 0644);
    assert_true(fd >= 0);
    assert_int_equal(fstat(fd, &st), 0);
    assert_int_equal(st.st_size, 0);
    close(fd);
}

/* A child puts files with contents as fast as it can while this process
 * takes them, writes a record and checks, a moment later, that the record
 * is still there. */
static void test_put_take_race(void **state)
{
    (void)state;
    enum { FILES = 2000 };
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        struct pool p;
        char path[64];
        pool_init(&p, "pool");
        for (int i = 0; i < FILES; i++) {
            snprintf(path, sizeof path, "q/f%d", i);
            int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (fd < 0 || write(fd, "old contents of a finished file\n", 32) != 32) _exit(2);
            close(fd);
            if (pool_put(&p, path) != 1) _exit(3);
        }
        _exit(0);
    }
    struct pool p;
    char path[64];
    const char rec[] = "a new envelope, written after the take\n";
    int taken = 0, damaged = 0, status, done = 0;
    pool_init(&p, "pool");
    for (;;) {
        if (!done && waitpid(child, &status, WNOHANG) == child) {
            assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
            done = 1;
        }
        int all_put = done; /* decided before the take looks */
        snprintf(path, sizeof path, "t/x%d", taken);
        p.empty_skip = 0;   /* look every time: the test is about the race */
        int fd = pool_take(&p, path, 0644);
        if (fd < 0) {
            if (all_put) break;
            continue;
        }
        assert_int_equal(write(fd, rec, sizeof rec - 1), (ssize_t)(sizeof rec - 1));
        for (volatile int spin = 0; spin < 20000; spin++) { }
        struct stat st;
        assert_int_equal(fstat(fd, &st), 0);
        if (st.st_size != (off_t)(sizeof rec - 1)) damaged++;
        close(fd);
        unlink(path);
        taken++;
    }
    assert_int_equal(damaged, 0);
    assert_int_equal(taken, FILES);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_put_then_take, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keep, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_pooled, setup, teardown),
        cmocka_unit_test_setup_teardown(test_take_during_put, setup, teardown),
        cmocka_unit_test_setup_teardown(test_put_take_race, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
