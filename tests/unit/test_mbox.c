/* Unit tests for lib/mbox: From_ line, mboxrd quoting across buffer
 * boundaries, cut-back on write errors, the three lock kinds. */
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
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fs.h"
#include "mbox.h"

static char base[256];
static char path[300];

static int setup(void **state)
{
    (void)state;
    snprintf(base, sizeof base, "/tmp/test_mbox.XXXXXX");
    if (!mkdtemp(base)) return -1;
    snprintf(path, sizeof path, "%s/mbox", base);
    return 0;
}

static int teardown(void **state)
{
    char cmd[600];
    (void)state;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
    return system(cmd) == 0 ? 0 : -1;
}

/* A temp file holding data, at offset 0. */
static int input(const char *data, size_t len)
{
    char p[300];
    int fd;
    snprintf(p, sizeof p, "%s/in.XXXXXX", base);
    fd = mkstemp(p);
    assert_true(fd >= 0);
    unlink(p);
    assert_int_equal(fs_write_all(fd, data, len), 0);
    assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
    return fd;
}

static void slurp(str *out)
{
    str_truncate(out, 0);
    assert_int_equal(fs_read_file(path, out, 64 * 1024 * 1024), 0);
}

static void deliver(const char *msg, size_t len, const struct mbox_opts *o, int want)
{
    int fd = input(msg, len);
    assert_int_equal(mbox_deliver(path, "F\n", 2, "P\n", 2, fd, o), want);
    close(fd);
}

static void test_fromline(void **state)
{
    str s = STR_INIT;
    (void)state;
    /* 2026-11-20 22:38:39 UTC */
    assert_int_equal(mbox_fromline(&s, "s p@x.org", 9, (time_t)1795214319), 0);
    assert_string_equal(s.s, "From s-p@x.org Fri Nov 20 22:38:39 2026\n");
    str_truncate(&s, 0);
    assert_int_equal(mbox_fromline(&s, "", 0, (time_t)0), 0);
    assert_string_equal(s.s, "From MAILER-DAEMON Thu Jan 01 00:00:00 1970\n");
    str_truncate(&s, 0);
    assert_int_equal(mbox_fromline(&s, "a\tb\nc", 5, (time_t)86400 * 5), 0);
    assert_string_equal(s.s, "From a-b-c Tue Jan 06 00:00:00 1970\n");
    str_free(&s);
}

static void test_quoting(void **state)
{
    static const char msg[] = "From x\n>From y\nFrom\n>>From z\nFrom: h\n\n>\n>>\nxFrom \nFrom ";
    static const char want[] = "F\nP\n>From x\n>>From y\nFrom\n>>>From z\nFrom: h\n\n>\n>>\nxFrom \n>From \n\n";
    str s = STR_INIT;
    (void)state;
    unlink(path);
    deliver(msg, sizeof msg - 1, NULL, MBOX_OK);
    slurp(&s);
    assert_int_equal(s.len, sizeof want - 1);
    assert_memory_equal(s.s, want, s.len);
    str_free(&s);
}

/* A ">>>...From " prefix longer than every buffer, split anywhere. */
static void test_quoting_long(void **state)
{
    size_t n = 200000, i;
    char *msg = malloc(n + 16), *want = malloc(n + 32);
    str s = STR_INIT;
    (void)state;
    assert_non_null(msg);
    assert_non_null(want);
    for (i = 0; i < n; i++) msg[i] = '>';
    memcpy(msg + n, "From x\n>>", 9);
    memcpy(want, "F\nP\n>", 5);
    memcpy(want + 5, msg, n + 9);
    memcpy(want + 5 + n + 9, "\n\n", 2);
    unlink(path);
    deliver(msg, n + 9, NULL, MBOX_OK);
    slurp(&s);
    assert_int_equal(s.len, n + 16);
    assert_memory_equal(s.s, want, s.len);
    free(msg);
    free(want);
    str_free(&s);
}

static void test_empty_and_binary(void **state)
{
    static const char bin[] = "a\0b\r\nFrom \0\n";
    str s = STR_INIT;
    (void)state;
    unlink(path);
    deliver("", 0, NULL, MBOX_OK);
    slurp(&s);
    assert_int_equal(s.len, 5);
    assert_memory_equal(s.s, "F\nP\n\n", 5);
    deliver(bin, sizeof bin - 1, NULL, MBOX_OK);
    slurp(&s);
    assert_int_equal(s.len, 5 + 4 + 1 + sizeof bin - 1 + 1);
    assert_memory_equal(s.s + 9, "a\0b\r\n>From \0\n\n", 15);
    str_free(&s);
}

static void test_open_error(void **state)
{
    char p[400];
    int fd = input("x\n", 2);
    (void)state;
    snprintf(p, sizeof p, "%s/nodir/mbox", base);
    assert_int_equal(mbox_deliver(p, "F\n", 2, "", 0, fd, NULL), MBOX_ERR_OPEN);
    assert_int_equal(errno, ENOENT);
    close(fd);
}

static void test_mode(void **state)
{
    struct stat st;
    mode_t old = umask(0);
    (void)state;
    unlink(path);
    deliver("x\n", 2, NULL, MBOX_OK);
    umask(old);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
}

/* A write error (file size limit) cuts the mbox back. */
static void test_truncate(void **state)
{
    struct rlimit rl, old;
    size_t n = 100000;
    char *big = malloc(n);
    str before = STR_INIT, after = STR_INIT;
    (void)state;
    assert_non_null(big);
    memset(big, 'y', n);
    unlink(path);
    deliver("first\n", 6, NULL, MBOX_OK);
    slurp(&before);
    signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    rl = old;
    rl.rlim_cur = 4096;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &rl), 0);
    {
        /* the message comes from a pipe (a file would hit the limit too) */
        int p[2];
        assert_int_equal(pipe(p), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            close(p[0]);
            (void)fs_write_all(p[1], big, n);
            _exit(0);
        }
        close(p[1]);
        assert_int_equal(mbox_deliver(path, "F\n", 2, "P\n", 2, p[0], NULL), MBOX_ERR_WRITE);
        assert_int_equal(errno, EFBIG);
        close(p[0]);
        waitpid(pid, NULL, 0);
    }
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, SIG_DFL);
    slurp(&after);
    assert_int_equal(after.len, before.len);
    assert_memory_equal(after.s, before.s, before.len);
    free(big);
    str_free(&before);
    str_free(&after);
}

/* A child holds a lock of the given kind for hold_ms, then exits. */
static pid_t hold(int kind, int hold_ms)
{
    int p[2];
    char c;
    pid_t pid;
    assert_int_equal(pipe(p), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600);
        struct flock fl;
        struct timespec ts = { hold_ms / 1000, (long)(hold_ms % 1000) * 1000000L };
        close(p[0]);
        if (fd < 0) _exit(1);
        if (kind == MBOX_FLOCK && flock(fd, LOCK_EX) < 0) _exit(1);
        if (kind == MBOX_FCNTL) {
            memset(&fl, 0, sizeof fl);
            fl.l_type = F_WRLCK;
            fl.l_whence = SEEK_SET;
            if (fcntl(fd, F_SETLKW, &fl) < 0) _exit(1);
        }
        if (kind == MBOX_DOTLOCK) {
            char lp[400];
            snprintf(lp, sizeof lp, "%s.lock", path);
            int l = open(lp, O_WRONLY | O_CREAT | O_EXCL, 0600);
            if (l < 0) _exit(1);
            close(l);
        }
        (void)write(p[1], "x", 1);
        nanosleep(&ts, NULL);
        if (kind == MBOX_DOTLOCK) {
            char lp[400];
            snprintf(lp, sizeof lp, "%s.lock", path);
            unlink(lp);
        }
        _exit(0);
    }
    close(p[1]);
    assert_int_equal(read(p[0], &c, 1), 1);
    close(p[0]);
    return pid;
}

static void lock_case(unsigned kind)
{
    struct mbox_opts o = { kind, 1, -1 };
    pid_t pid;
    (void)unlink(path);
    /* held longer than the timeout: MBOX_ERR_LOCK, nothing written */
    pid = hold((int)kind, 1500);
    deliver("m\n", 2, &o, MBOX_ERR_LOCK);
    assert_int_equal(errno, ETIMEDOUT);
    waitpid(pid, NULL, 0);
    {
        struct stat st;
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_size, 0);
    }
    /* held briefly: the delivery waits and succeeds */
    o.timeout = 10;
    pid = hold((int)kind, 300);
    deliver("m\n", 2, &o, MBOX_OK);
    waitpid(pid, NULL, 0);
}

static void test_lock_flock(void **state) { (void)state; lock_case(MBOX_FLOCK); }
static void test_lock_fcntl(void **state) { (void)state; lock_case(MBOX_FCNTL); }
static void test_lock_dot(void **state)
{
    char lp[400];
    struct stat st;
    (void)state;
    lock_case(MBOX_DOTLOCK);
    snprintf(lp, sizeof lp, "%s.lock", path);
    assert_int_equal(stat(lp, &st), -1);     /* our dot-lock was released */
}

/* mbox_append on a caller's descriptor. */
static void test_append(void **state)
{
    str s = STR_INIT;
    int fd, in;
    (void)state;
    unlink(path);
    fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600);
    assert_true(fd >= 0);
    in = input("body", 4);
    assert_int_equal(mbox_append(fd, "", 0, "", 0, in, 1), MBOX_OK);
    close(in);
    close(fd);
    slurp(&s);
    assert_int_equal(s.len, 6);
    assert_memory_equal(s.s, "body\n\n", 6);
    str_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fromline),
        cmocka_unit_test(test_quoting),
        cmocka_unit_test(test_quoting_long),
        cmocka_unit_test(test_empty_and_binary),
        cmocka_unit_test(test_open_error),
        cmocka_unit_test(test_mode),
        cmocka_unit_test(test_truncate),
        cmocka_unit_test(test_lock_flock),
        cmocka_unit_test(test_lock_fcntl),
        cmocka_unit_test(test_lock_dot),
        cmocka_unit_test(test_append),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
