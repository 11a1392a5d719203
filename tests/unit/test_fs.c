/* Unit tests for lib/fs: I/O loops under EINTR and short counts, symlink
 * refusal, atomic replacement and its failure paths, bounded reads,
 * mkdir -p, path component checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fs.h"

static char top[64];

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
    (void)st; (void)flag; (void)f;
    return remove(p);
}

static int setup(void **state)
{
    (void)state;
    strcpy(top, "/tmp/test_fs.XXXXXX");
    if (!mkdtemp(top)) return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return nftw(top, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static const char *at(const char *name)
{
    static char paths[4][4096];     /* a few at once, for symlink(at(), at()) */
    static unsigned k;
    char *path = paths[k++ % 4];
    snprintf(path, 4096, "%s/%s", top, name);
    return path;
}

static size_t count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    size_t n = 0;
    struct dirent *de;
    assert_non_null(d);
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) n++;
    closedir(d);
    return n;
}

static volatile sig_atomic_t alarms;
static void on_alarm(int sig) { (void)sig; alarms++; }

static void test_io_loops(void **state)
{
    (void)state;
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;                     /* no SA_RESTART */
    sigemptyset(&sa.sa_mask);
    assert_int_equal(sigaction(SIGALRM, &sa, &old), 0);
    struct itimerval it = { { 0, 2000 }, { 0, 2000 } }, off = { { 0, 0 }, { 0, 0 } };

    size_t total = 400000;
    char *data = malloc(total), *got = malloc(total + 10);
    assert_non_null(data);
    assert_non_null(got);
    for (size_t i = 0; i < total; i++) data[i] = (char)(i % 253);   /* includes NUL */
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* slow reader, then echo nothing: parent's writes block and get interrupted */
        close(p[1]);
        char tmp[777];
        size_t n = 0;
        ssize_t r;
        while ((r = read(p[0], tmp, sizeof tmp)) > 0) {
            for (ssize_t k = 0; k < r; k++)
                if (tmp[k] != (char)((n + (size_t)k) % 253)) _exit(2);
            n += (size_t)r;
            if (n % 7 == 0) usleep(50);
        }
        _exit(n == total ? 0 : 1);
    }
    close(p[0]);
    alarms = 0;
    assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
    assert_int_equal(fs_write_all(p[1], data, total), 0);
    assert_int_equal(setitimer(ITIMER_REAL, &off, NULL), 0);
    close(p[1]);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);

    /* reading: a writer trickling small chunks, with signals arriving */
    assert_int_equal(pipe(p), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(p[0]);
        size_t o = 0, step = 1;
        while (o < total) {
            size_t n = step < total - o ? step : total - o;
            if (write(p[1], data + o, n) != (ssize_t)n) _exit(1);
            o += n;
            step = step * 5 % 9001 + 1;
            if (o % 3 == 0) usleep(100);
        }
        _exit(0);
    }
    close(p[1]);
    assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
    assert_int_equal(fs_read_all(p[0], got, 1000), 1000);
    assert_int_equal(fs_read_all(p[0], got + 1000, total + 10 - 1000), (ssize_t)(total - 1000));
    assert_int_equal(setitimer(ITIMER_REAL, &off, NULL), 0);
    assert_memory_equal(got, data, total);
    assert_int_equal(fs_read_all(p[0], got, 10), 0);
    close(p[0]);
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    assert_true(alarms > 0);
    assert_int_equal(sigaction(SIGALRM, &old, NULL), 0);

    errno = 0;
    assert_int_equal(fs_read_all(0, got, (size_t)SSIZE_MAX + 1), -1);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(fs_write_all(-1, "x", 1), -1);
    assert_int_equal(errno, EBADF);
    assert_int_equal(fs_write_all(-1, "", 0), 0);
    free(data);
    free(got);
}

/* fs_writev_all: pieces (one empty) into a non-blocking pipe with a slow
 * reader, so that writes are short, cross the pieces and hit EAGAIN */
static void test_writev(void **state)
{
    (void)state;
    size_t total = 400000;
    char *data = malloc(total);
    assert_non_null(data);
    for (size_t i = 0; i < total; i++) data[i] = (char)(i % 251);
    int p[2], st;
    assert_int_equal(pipe(p), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(p[1]);
        char tmp[1000];
        size_t n = 0;
        ssize_t r;
        while ((r = read(p[0], tmp, sizeof tmp)) > 0) {
            for (ssize_t k = 0; k < r; k++)
                if (tmp[k] != (char)((n + (size_t)k) % 251)) _exit(2);
            n += (size_t)r;
            if (n % 5 == 0) usleep(20);
        }
        _exit(n == total ? 0 : 1);
    }
    close(p[0]);
    assert_int_equal(fcntl(p[1], F_SETFL, O_NONBLOCK), 0);
    struct iovec iov[4] = {
        { data, 100000 }, { data + 100000, 0 }, { data + 100000, 150000 }, { data + 250000, 150000 }
    };
    assert_int_equal(fs_writev_all(p[1], iov, 4), 0);
    close(p[1]);
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);

    struct iovec none[2] = { { data, 0 }, { data, 0 } };
    assert_int_equal(fs_writev_all(-1, none, 2), 0);   /* nothing to write: no call */
    assert_int_equal(fs_writev_all(-1, none, 0), 0);
    struct iovec one = { data, 1 };
    errno = 0;
    assert_int_equal(fs_writev_all(-1, &one, 1), -1);
    assert_int_equal(errno, EBADF);
    free(data);
}

static void test_open_nofollow(void **state)
{
    (void)state;
    int fd = fs_open_nofollow(at("real"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
    close(fd);
    assert_int_equal(symlink(at("real"), at("link")), 0);
    errno = 0;
    assert_int_equal(fs_open_nofollow(at("link"), O_RDONLY, 0), -1);
    assert_int_equal(errno, ELOOP);
    /* O_CREAT through a dangling symlink is refused too */
    assert_int_equal(symlink(at("nowhere"), at("dangling")), 0);
    assert_int_equal(fs_open_nofollow(at("dangling"), O_WRONLY | O_CREAT, 0600), -1);
    assert_int_equal(access(at("nowhere"), F_OK), -1);
    unlink(at("link"));
    unlink(at("dangling"));
    unlink(at("real"));
}

static void test_fsync(void **state)
{
    (void)state;
    assert_int_equal(fs_fsync_dir(top), 0);
    assert_int_equal(fs_fsync_dir(at("missing")), -1);
    assert_int_equal(errno, ENOENT);
    int fd = open(at("f"), O_WRONLY | O_CREAT, 0600);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(fs_fsync_dir(at("f")), -1);
    assert_int_equal(errno, ENOTDIR);
    assert_int_equal(fs_fsync_parent(at("f")), 0);
    assert_int_equal(fs_fsync_parent(at("f//")), 0);
    assert_int_equal(fs_fsync_parent(at("missing/f")), -1);
    assert_int_equal(errno, ENOENT);
    assert_int_equal(fs_fsync_parent("bare-name"), 0);   /* "." */
    assert_int_equal(fs_fsync_parent("/"), 0);
    assert_int_equal(fs_fsync_parent("/tmp"), 0);
    assert_int_equal(fs_fsync_parent("//tmp//"), 0);
    assert_int_equal(fs_fsync_parent(""), -1);
    assert_int_equal(errno, ENOENT);
    /* fs_open_parent names the same directory, open for an fsync elsewhere */
    struct stat want, got;
    assert_int_equal(stat(top, &want), 0);
    fd = fs_open_parent(at("f//"));
    assert_true(fd >= 0);
    assert_int_equal(fstat(fd, &got), 0);
    assert_true(got.st_ino == want.st_ino && got.st_dev == want.st_dev);
    assert_int_equal(fsync(fd), 0);
    assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
    close(fd);
    assert_int_equal(fs_open_parent(at("missing/f")), -1);
    assert_int_equal(errno, ENOENT);
    assert_int_equal(fs_open_parent(""), -1);
    assert_int_equal(errno, ENOENT);
    unlink(at("f"));
}

static void check_file(const char *path, const char *data, size_t len)
{
    str s = STR_INIT;
    assert_int_equal(fs_read_file(path, &s, 1 << 20), 0);
    assert_int_equal(s.len, len);
    if (len) assert_memory_equal(s.s, data, len);
    str_free(&s);
}

static void test_write_atomic(void **state)
{
    (void)state;
    assert_int_equal(mkdir(at("a"), 0700), 0);
    char path[4096];
    strcpy(path, at("a/control"));
    assert_int_equal(fs_write_atomic(path, "one\0two\n", 8, 0640), 0);
    check_file(path, "one\0two\n", 8);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0640);
    assert_int_equal(fs_write_atomic(path, "", 0, 0600), 0);
    check_file(path, "", 0);
    assert_int_equal(count_entries(at("a")), 1);     /* no temporary left */

    /* a symlink at path is replaced, its target untouched */
    assert_int_equal(fs_write_atomic(at("a/target"), "keep", 4, 0600), 0);
    assert_int_equal(symlink("target", at("a/sym")), 0);
    assert_int_equal(fs_write_atomic(at("a/sym"), "new", 3, 0600), 0);
    assert_int_equal(lstat(at("a/sym"), &st), 0);
    assert_true(S_ISREG(st.st_mode));
    check_file(at("a/target"), "keep", 4);

    /* rename over a directory fails: temporary removed, directory untouched */
    assert_int_equal(mkdir(at("a/dir"), 0700), 0);
    assert_int_equal(fs_write_atomic(at("a/dir"), "x", 1, 0600), -1);
    assert_int_equal(errno, EISDIR);
    assert_int_equal(fs_write_atomic(at("a/dir/"), "x", 1, 0600), -1);
    assert_int_equal(errno, EISDIR);
    assert_int_equal(count_entries(at("a")), 4);      /* control target sym dir */
    assert_int_equal(fs_write_atomic(at("nodir/x"), "x", 1, 0600), -1);
    assert_int_equal(errno, ENOENT);
    assert_int_equal(fs_write_atomic("", "x", 1, 0600), -1);

    /* a name at NAME_MAX still gets a (shortened) temporary name */
    char longname[300];
    memset(longname, 'n', 255);
    strcpy(longname + 255, "");
    char longpath[4096];
    snprintf(longpath, sizeof longpath, "%s/a/%s", top, longname);
    assert_int_equal(fs_write_atomic(longpath, "L", 1, 0600), 0);
    check_file(longpath, "L", 1);
    unlink(longpath);

    /* a write failure midway (file size limit: EFBIG) leaves the old file */
    assert_int_equal(fs_write_atomic(path, "old contents", 12, 0600), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct rlimit rl = { 4096, 4096 };
        signal(SIGXFSZ, SIG_IGN);
        if (setrlimit(RLIMIT_FSIZE, &rl) < 0) _exit(3);
        static char big[100000];
        if (fs_write_atomic(path, big, sizeof big, 0600) != -1) _exit(1);
        _exit(errno == EFBIG ? 0 : 2);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    check_file(path, "old contents", 12);
    assert_int_equal(count_entries(at("a")), 4);

    /* a read-only directory: nothing created */
    if (geteuid() != 0) {
        assert_int_equal(chmod(at("a"), 0500), 0);
        assert_int_equal(fs_write_atomic(path, "x", 1, 0600), -1);
        assert_int_equal(errno, EACCES);
        assert_int_equal(chmod(at("a"), 0700), 0);
        check_file(path, "old contents", 12);
    }
}

/* A device, FIFO or directory is never renamed over (imagine /dev/null
 * given as an output file to a program running as root). */
static void test_write_atomic_special(void **state)
{
    (void)state;
    struct stat st;
    assert_int_equal(mkfifo(at("fifo"), 0600), 0);
    errno = 0;
    assert_int_equal(fs_write_atomic(at("fifo"), "x", 1, 0600), -1);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(lstat(at("fifo"), &st), 0);
    assert_true(S_ISFIFO(st.st_mode));
    assert_int_equal(mkdir(at("adir"), 0700), 0);
    errno = 0;
    assert_int_equal(fs_write_atomic(at("adir"), "x", 1, 0600), -1);
    assert_int_equal(errno, EISDIR);
    assert_int_equal(fs_write_atomic("/dev/null", "x", 1, 0600), -1);
    assert_int_equal(stat("/dev/null", &st), 0);
    assert_true(S_ISCHR(st.st_mode));
}

static void test_read_file(void **state)
{
    (void)state;
    str s = STR_INIT;
    assert_int_equal(str_copys(&s, "previous"), 0);
    assert_int_equal(fs_write_atomic(at("r"), "12345\0789", 9, 0600), 0);
    assert_int_equal(fs_read_file(at("r"), &s, 9), 0);
    assert_int_equal(s.len, 9);
    assert_memory_equal(s.s, "12345\0789", 9);
    assert_int_equal(s.s[9], 0);
    assert_int_equal(str_copys(&s, "previous"), 0);
    errno = 0;
    assert_int_equal(fs_read_file(at("r"), &s, 8), -1);
    assert_int_equal(errno, EFBIG);
    assert_string_equal(s.s, "previous");         /* unchanged on failure */
    assert_int_equal(fs_read_file(at("r"), &s, SIZE_MAX), 0);
    assert_int_equal(s.len, 9);
    assert_int_equal(fs_read_file(at("absent"), &s, 10), -1);
    assert_int_equal(errno, ENOENT);
    assert_int_equal(s.len, 9);

    /* empty file: empty string, still NUL-terminated */
    assert_int_equal(fs_write_atomic(at("e"), "", 0, 0600), 0);
    assert_int_equal(fs_read_file(at("e"), &s, 0), 0);
    assert_int_equal(s.len, 0);
    assert_non_null(s.s);
    assert_int_equal(s.s[0], 0);

    /* endless input is cut off after maxbytes + 1 */
    assert_int_equal(fs_read_file("/dev/zero", &s, 100000), -1);
    assert_int_equal(errno, EFBIG);

    /* a pipe (no size hint) over the limit, and within it */
    int p[2];
    assert_int_equal(pipe(p), 0);
    assert_int_equal(write(p[1], "abcdefghij", 10), 10);
    close(p[1]);
    assert_int_equal(fs_read_fd(p[0], &s, 9), -1);
    assert_int_equal(errno, EFBIG);
    close(p[0]);
    assert_int_equal(pipe(p), 0);
    assert_int_equal(write(p[1], "abcdefghij", 10), 10);
    close(p[1]);
    assert_int_equal(fs_read_fd(p[0], &s, 10), 0);
    assert_string_equal(s.s, "abcdefghij");
    close(p[0]);

    /* a directory */
    assert_int_equal(fs_read_file(top, &s, 10), -1);
    assert_int_equal(errno, EISDIR);
    str_free(&s);
    unlink(at("r"));
    unlink(at("e"));
}

static void test_mkdir_p(void **state)
{
    (void)state;
    struct stat st;
    assert_int_equal(fs_mkdir_p(at("m/n//o/p/"), 0750), 0);
    assert_int_equal(stat(at("m/n/o/p"), &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(fs_mkdir_p(at("m/n/o/p"), 0750), 0);  /* exists */
    assert_int_equal(fs_mkdir_p(top, 0750), 0);
    assert_int_equal(fs_mkdir_p("/", 0750), 0);
    assert_int_equal(fs_write_atomic(at("m/file"), "x", 1, 0600), 0);
    errno = 0;
    assert_int_equal(fs_mkdir_p(at("m/file/sub"), 0750), -1);
    assert_int_equal(errno, ENOTDIR);
    assert_int_equal(fs_mkdir_p(at("m/file"), 0750), -1);
    assert_int_equal(errno, EEXIST);
    assert_int_equal(fs_mkdir_p("", 0750), -1);
    assert_int_equal(errno, ENOENT);
    /* a symlink to a directory as a parent */
    assert_int_equal(symlink("n", at("m/ln")), 0);
    assert_int_equal(fs_mkdir_p(at("m/ln/q"), 0750), 0);
    assert_int_equal(stat(at("m/n/q"), &st), 0);
}

static void test_safe_component(void **state)
{
    (void)state;
    assert_int_equal(fs_safe_component("inbox", 5), 1);
    assert_int_equal(fs_safe_component(".qmail-foo", 10), 1);
    assert_int_equal(fs_safe_component("...", 3), 1);
    assert_int_equal(fs_safe_component("..x", 3), 1);
    assert_int_equal(fs_safe_component("", 0), 0);
    assert_int_equal(fs_safe_component(NULL, 0), 0);
    assert_int_equal(fs_safe_component(".", 1), 0);
    assert_int_equal(fs_safe_component("..", 2), 0);
    assert_int_equal(fs_safe_component("../etc", 6), 0);
    assert_int_equal(fs_safe_component("a/b", 3), 0);
    assert_int_equal(fs_safe_component("/", 1), 0);
    assert_int_equal(fs_safe_component("ab\0cd", 5), 0);
    assert_int_equal(fs_safe_component("..\0", 3), 0);
    /* only len bytes count: the '/' after them is not looked at */
    assert_int_equal(fs_safe_component("ab/", 2), 1);
    assert_int_equal(fs_safe_component("../", 2), 0);
    assert_int_equal(fs_safe_component("\xff\x01 ", 3), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_io_loops),
        cmocka_unit_test(test_writev),
        cmocka_unit_test(test_open_nofollow),
        cmocka_unit_test(test_fsync),
        cmocka_unit_test(test_write_atomic),
        cmocka_unit_test(test_write_atomic_special),
        cmocka_unit_test(test_read_file),
        cmocka_unit_test(test_mkdir_p),
        cmocka_unit_test(test_safe_component),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
