/* Unit tests for lib/maildir: names, delivery, failure cleanup, folders.
 * lib/maildir.c is compiled in here, with fs_open_tmpfile wrapped so that
 * the tests can also take the path of a filesystem without nameless files
 * (tmp/<name>, as the Maildir protocol describes). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fs.h"
static int force_named;  /* 1: behave like a filesystem without O_TMPFILE */
static int wrapped_open_tmpfile(const char *dir, int flags, mode_t mode)
{
    if (force_named) {
        errno = EOPNOTSUPP;
        return -1;
    }
    return fs_open_tmpfile(dir, flags, mode);
}
#define fs_open_tmpfile wrapped_open_tmpfile
#include "../../lib/maildir.c"
#undef fs_open_tmpfile

static char base[256];

static int setup(void **state)
{
    (void)state;
    snprintf(base, sizeof base, "/tmp/test_maildir.XXXXXX");
    return mkdtemp(base) ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[600];
    (void)state;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
    return system(cmd) == 0 ? 0 : -1;
}

static void md(char *out, size_t n, const char *name)
{
    snprintf(out, n, "%s/%s", base, name);
}

/* Number of entries (other than . and ..) in dir/sub. */
static int count(const char *dir, const char *sub)
{
    char p[600];
    DIR *d;
    struct dirent *e;
    int n = 0;
    snprintf(p, sizeof p, "%s/%s", dir, sub);
    d = opendir(p);
    if (!d) return -1;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    closedir(d);
    return n;
}

/* A temp file holding data, positioned at offset. */
static int input(const char *data, size_t len, off_t offset)
{
    char p[] = "/tmp/test_maildir_in.XXXXXX";
    int fd = mkstemp(p);
    assert_true(fd >= 0);
    unlink(p);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    assert_int_equal(lseek(fd, offset, SEEK_SET), offset);
    return fd;
}

static void slurp(const char *path, str *out)
{
    char buf[4096];
    int fd = open(path, O_RDONLY);
    ssize_t r;
    assert_true(fd >= 0);
    str_truncate(out, 0);
    while ((r = read(fd, buf, sizeof buf)) > 0) assert_int_equal(str_catb(out, buf, (size_t)r), 0);
    close(fd);
}

static void test_name_fmt(void **state)
{
    (void)state;
    str s = STR_INIT;
    const unsigned char rnd[8] = { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef };
    struct maildir_uniq u = { 1700000000ULL, 123456, 4242, 7, rnd, 8, "mx/1:2.example", 14 };
    assert_int_equal(maildir_name_fmt(&s, &u), 0);
    assert_string_equal(s.s, "1700000000.M123456P4242Q7R0123456789abcdef.mx\\0571\\0722.example");

    unsigned long counter = 5;
    assert_int_equal(maildir_name(&s, &counter), 0);
    assert_int_equal(counter, 6);
    assert_non_null(strstr(s.s, ".M"));
    assert_non_null(strstr(s.s, "Q5R"));
    assert_null(strchr(s.s, '/'));
    assert_null(strchr(s.s, ':'));
    str t = STR_INIT;
    assert_int_equal(maildir_name(&t, &counter), 0);
    assert_false(str_equals(&t, s.s));
    str_free(&s);
    str_free(&t);
}

static void test_create(void **state)
{
    (void)state;
    char p[512], q[600];
    struct stat st;
    md(p, sizeof p, "Maildir");
    assert_int_equal(maildir_create(p), 0);
    assert_int_equal(maildir_create(p), 0);           /* existing is fine */
    snprintf(q, sizeof q, "%s/cur", p);
    assert_int_equal(stat(q, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(st.st_mode & 07777, 0700);
    /* a file in the way */
    md(p, sizeof p, "blocked");
    assert_int_equal(maildir_create(p), 0);
    snprintf(q, sizeof q, "%s/new", p);
    rmdir(q);
    assert_int_equal(close(open(q, O_WRONLY | O_CREAT, 0600)), 0);
    errno = 0;
    assert_int_equal(maildir_create(p), -1);
    assert_int_equal(errno, ENOTDIR);
    assert_int_equal(maildir_create("/nonexistent/x/Maildir"), -1);
    assert_int_equal(maildir_create(""), -1);
}

static void test_deliver(void **state)
{
    (void)state;
    char p[512], slash[600];
    str final = STR_INIT, got = STR_INIT;
    unsigned long counter = 0;
    unsigned long long size = 0;
    const char msg[] = "skip me|Subject: hi\n\nbody with \0 NUL\nFrom the start\n";
    const char prefix[] = "Return-Path: <a@b>\nDelivered-To: joe@example.com\n";
    int fd;

    md(p, sizeof p, "Deliver");
    assert_int_equal(maildir_create(p), 0);
    fd = input(msg, sizeof msg - 1, 8);
    assert_int_equal(maildir_deliver(p, prefix, sizeof prefix - 1, fd, 0, &counter, &final, &size),
                     MAILDIR_OK);
    close(fd);
    assert_int_equal(counter, 1);
    assert_int_equal(size, sizeof prefix - 1 + sizeof msg - 1 - 8);
    assert_true(strncmp(final.s, p, strlen(p)) == 0);
    assert_non_null(strstr(final.s, "/new/"));
    slurp(final.s, &got);
    assert_int_equal(got.len, size);
    assert_memory_equal(got.s, prefix, sizeof prefix - 1);
    assert_memory_equal(got.s + sizeof prefix - 1, msg + 8, sizeof msg - 1 - 8);
    assert_int_equal(count(p, "tmp"), 0);
    assert_int_equal(count(p, "new"), 1);
    assert_int_equal(count(p, "cur"), 0);
    {
        struct stat st;
        assert_int_equal(stat(final.s, &st), 0);
        assert_int_equal(st.st_mode & 077, 0);
    }

    /* Maildir++ size in the name; trailing slash on the maildir path; no prefix */
    snprintf(slash, sizeof slash, "%s/", p);
    fd = input("12345", 5, 0);
    assert_int_equal(maildir_deliver(slash, NULL, 0, fd, MAILDIR_SIZE, &counter, &final, NULL),
                     MAILDIR_OK);
    close(fd);
    assert_int_equal(counter, 2);
    assert_int_equal(strlen(final.s) > 4, 1);
    assert_string_equal(final.s + strlen(final.s) - 4, ",S=5");
    assert_null(strstr(final.s, "//"));
    assert_int_equal(count(p, "new"), 2);

    /* an empty message */
    fd = input("", 0, 0);
    assert_int_equal(maildir_deliver(p, NULL, 0, fd, MAILDIR_SIZE, &counter, &final, &size), MAILDIR_OK);
    close(fd);
    assert_int_equal(size, 0);
    assert_int_equal(count(p, "new"), 3);
    str_free(&final);
    str_free(&got);
}

static void test_deliver_large(void **state)
{
    (void)state;
    char p[512];
    str final = STR_INIT, got = STR_INIT;
    unsigned long counter = 0;
    unsigned long long size;
    size_t n = 3 * 1024 * 1024 + 17;
    char *big = malloc(n);
    int fd;

    assert_non_null(big);
    for (size_t i = 0; i < n; i++) big[i] = (char)(i * 31 + (i >> 11));
    md(p, sizeof p, "Large");
    assert_int_equal(maildir_create(p), 0);
    fd = input(big, n, 0);
    assert_int_equal(maildir_deliver(p, "X\n", 2, fd, 0, &counter, &final, &size), MAILDIR_OK);
    close(fd);
    assert_int_equal(size, n + 2);
    slurp(final.s, &got);
    assert_int_equal(got.len, n + 2);
    assert_memory_equal(got.s + 2, big, n);
    free(big);
    str_free(&final);
    str_free(&got);
}

static void test_broken(void **state)
{
    (void)state;
    char p[512], q[600];
    str final = STR_INIT;
    unsigned long counter = 0;
    int fd = input("msg\n", 4, 0);

    /* maildir missing */
    md(p, sizeof p, "Absent");
    errno = 0;
    assert_int_equal(maildir_deliver(p, NULL, 0, fd, 0, &counter, &final, NULL), MAILDIR_ERR_MISSING);
    assert_int_equal(errno, ENOENT);
    assert_int_equal(maildir_deliver("", NULL, 0, fd, 0, &counter, &final, NULL), MAILDIR_ERR_MISSING);

    /* no tmp/ */
    md(p, sizeof p, "NoTmp");
    assert_int_equal(maildir_create(p), 0);
    snprintf(q, sizeof q, "%s/tmp", p);
    assert_int_equal(rmdir(q), 0);
    assert_int_equal(maildir_deliver(p, NULL, 0, fd, 0, &counter, &final, NULL), MAILDIR_ERR_MISSING);

    /* no new/: found at link time, tmp file cleaned up */
    md(p, sizeof p, "NoNew");
    assert_int_equal(maildir_create(p), 0);
    snprintf(q, sizeof q, "%s/new", p);
    assert_int_equal(rmdir(q), 0);
    assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
    assert_int_equal(maildir_deliver(p, "P\n", 2, fd, 0, &counter, &final, NULL), MAILDIR_ERR_MISSING);
    assert_int_equal(count(p, "tmp"), 0);

    /* tmp/ is a file */
    md(p, sizeof p, "TmpFile");
    assert_int_equal(maildir_create(p), 0);
    snprintf(q, sizeof q, "%s/tmp", p);
    assert_int_equal(rmdir(q), 0);
    assert_int_equal(close(open(q, O_WRONLY | O_CREAT, 0600)), 0);
    errno = 0;
    assert_int_equal(maildir_deliver(p, NULL, 0, fd, 0, &counter, &final, NULL), MAILDIR_ERR_MISSING);
    assert_int_equal(errno, ENOTDIR);
    close(fd);
    str_free(&final);
}

static void test_read_error(void **state)
{
    (void)state;
    char p[512];
    str final = STR_INIT;
    unsigned long counter = 0;
    int fd;

    md(p, sizeof p, "ReadErr");
    assert_int_equal(maildir_create(p), 0);
    /* a directory descriptor: read() fails with EISDIR */
    fd = open(base, O_RDONLY | O_DIRECTORY);
    assert_true(fd >= 0);
    assert_int_equal(maildir_deliver(p, "Delivered-To: x\n", 16, fd, 0, &counter, &final, NULL),
                     MAILDIR_ERR_READ);
    assert_int_equal(errno, EISDIR);
    close(fd);
    /* a write-only descriptor */
    fd = open("/dev/null", O_WRONLY);
    assert_int_equal(maildir_deliver(p, NULL, 0, fd, 0, &counter, &final, NULL), MAILDIR_ERR_READ);
    close(fd);
    /* a closed descriptor */
    assert_int_equal(maildir_deliver(p, NULL, 0, 987, 0, &counter, &final, NULL), MAILDIR_ERR_READ);
    assert_int_equal(count(p, "tmp"), 0);
    assert_int_equal(count(p, "new"), 0);
    str_free(&final);
}

/* "Disk full": RLIMIT_FSIZE makes write() fail with EFBIG in a child. */
static void test_write_error(void **state)
{
    (void)state;
    char p[512];
    pid_t pid;
    int status;
    size_t n = 200000;
    char *big = calloc(1, n);
    int fd;

    assert_non_null(big);
    md(p, sizeof p, "Full");
    assert_int_equal(maildir_create(p), 0);
    fd = input(big, n, 0);
    free(big);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct rlimit rl = { 65536, 65536 };
        str final = STR_INIT;
        unsigned long counter = 0;
        int st;
        signal(SIGXFSZ, SIG_IGN);
        if (setrlimit(RLIMIT_FSIZE, &rl) < 0) _exit(2);
        st = maildir_deliver(p, NULL, 0, fd, 0, &counter, &final, NULL);
        _exit(st == MAILDIR_ERR_WRITE && errno == EFBIG ? 0 : 10 + st);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    close(fd);
    assert_int_equal(count(p, "tmp"), 0);
    assert_int_equal(count(p, "new"), 0);
}

static void test_unwritable(void **state)
{
    (void)state;
    char p[512], q[600];
    pid_t pid;
    int status, fd = input("m\n", 2, 0);

    md(p, sizeof p, "ReadOnly");
    assert_int_equal(maildir_create(p), 0);
    snprintf(q, sizeof q, "%s/tmp", p);
    chmod(base, 0755);
    chmod(p, 0755);
    chmod(q, 0555);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        str final = STR_INIT;
        unsigned long counter = 0;
        int st;
        if (geteuid() == 0 && (setgid(65534) < 0 || setuid(65534) < 0)) _exit(2);
        st = maildir_deliver(p, NULL, 0, fd, 0, &counter, &final, NULL);
        _exit(st == MAILDIR_ERR_MISSING && errno == EACCES ? 0 : 10 + st);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    chmod(base, 0700);
    close(fd);
}

/* open, write, abort; open, write, commit into new/; commit with info into
 * cur/ -- with a nameless file (named = 0) or tmp/<name> (named = 1, as
 * on a filesystem without O_TMPFILE). */
static void steps(const char *name, int named)
{
    char p[512];
    maildir_tmp t = MAILDIR_TMP_INIT;
    unsigned long counter = 0;
    str final = STR_INIT;
    struct stat st;

    force_named = named;
    md(p, sizeof p, name);
    assert_int_equal(maildir_create(p), 0);
    /* open, write, abort: nothing left */
    assert_int_equal(maildir_tmp_open(&t, p, &counter), MAILDIR_OK);
    assert_int_equal(t.anon, !named);
    assert_int_equal(count(p, "tmp"), named);
    assert_int_equal(maildir_tmp_write(&t, "abc", 3), MAILDIR_OK);
    assert_int_equal(t.size, 3);
    maildir_tmp_abort(&t);
    maildir_tmp_abort(&t);
    assert_int_equal(count(p, "tmp"), 0);
    assert_int_equal(count(p, "new"), 0);
    assert_int_equal(maildir_tmp_write(&t, "x", 1), MAILDIR_ERR_TEMP);
    assert_int_equal(maildir_tmp_commit(&t, 0, &final), MAILDIR_ERR_TEMP);
    /* open, write, commit: into new/, nothing left in tmp/ */
    assert_int_equal(maildir_tmp_open(&t, p, &counter), MAILDIR_OK);
    assert_int_equal(maildir_tmp_write(&t, "hello\n", 6), MAILDIR_OK);
    assert_int_equal(maildir_tmp_commit(&t, MAILDIR_SIZE, &final), MAILDIR_OK);
    assert_int_equal(t.fd, -1);
    assert_string_equal(final.s + strlen(final.s) - 4, ",S=6");
    assert_int_equal(stat(final.s, &st), 0);
    assert_int_equal(st.st_size, 6);
    assert_int_equal(count(p, "tmp"), 0);
    assert_int_equal(count(p, "new"), 1);
    maildir_tmp_abort(&t);
    /* with info: into cur/ */
    assert_int_equal(maildir_tmp_open(&t, p, &counter), MAILDIR_OK);
    assert_int_equal(maildir_tmp_write(&t, "seen\n", 5), MAILDIR_OK);
    assert_int_equal(maildir_tmp_commit_info(&t, 0, "S", &final), MAILDIR_OK);
    assert_non_null(strstr(final.s, "/cur/"));
    assert_int_equal(count(p, "cur"), 1);
    assert_int_equal(count(p, "tmp"), 0);
    str_free(&final);
    force_named = 0;
}

static void test_steps(void **state)
{
    (void)state;
    steps("Steps", 0);
}

/* A commit that cannot name the file (new/ is gone): an error, nothing in
 * tmp/ or new/ (a named tmp/ file is removed), the descriptor closed. */
static void commit_fails(const char *name, int named)
{
    char p[512], n[600];
    maildir_tmp t = MAILDIR_TMP_INIT;
    unsigned long counter = 0;

    force_named = named;
    md(p, sizeof p, name);
    assert_int_equal(maildir_create(p), 0);
    assert_int_equal(maildir_tmp_open(&t, p, &counter), MAILDIR_OK);
    assert_int_equal(t.anon, !named);
    assert_int_equal(maildir_tmp_write(&t, "x\n", 2), MAILDIR_OK);
    snprintf(n, sizeof n, "%s/new", p);
    assert_int_equal(rmdir(n), 0);
    assert_int_not_equal(maildir_tmp_commit(&t, 0, NULL), MAILDIR_OK);
    assert_int_equal(t.fd, -1);
    assert_int_equal(count(p, "tmp"), 0);
    force_named = 0;
}

static void test_commit_fails(void **state)
{
    (void)state;
    commit_fails("NoNew", 0);
}

/* maildir_tmp_commit_info: into cur/ with :2,<info> */
static void test_commit_info(void **state)
{
    (void)state;
    char p[512];
    maildir_tmp t = MAILDIR_TMP_INIT;
    unsigned long counter = 0;
    str final = STR_INIT;

    md(p, sizeof p, "Info");
    assert_int_equal(maildir_create(p), 0);
    assert_int_equal(maildir_tmp_open(&t, p, &counter), MAILDIR_OK);
    assert_int_equal(maildir_tmp_write(&t, "seen\n", 5), MAILDIR_OK);
    assert_int_equal(maildir_tmp_commit_info(&t, MAILDIR_SIZE, "RS", &final), MAILDIR_OK);
    assert_string_equal(final.s + strlen(final.s) - 9, ",S=5:2,RS");
    assert_non_null(strstr(final.s, "/cur/"));
    assert_int_equal(count(p, "cur"), 1);
    assert_int_equal(count(p, "new"), 0);
    assert_int_equal(count(p, "tmp"), 0);
    /* NULL info: new/, as maildir_tmp_commit */
    assert_int_equal(maildir_tmp_open(&t, p, &counter), MAILDIR_OK);
    assert_int_equal(maildir_tmp_commit_info(&t, 0, NULL, &final), MAILDIR_OK);
    assert_non_null(strstr(final.s, "/new/"));
    assert_int_equal(count(p, "new"), 1);
    str_free(&final);
}

static void test_folder(void **state)
{
    (void)state;
    str f = STR_INIT;
    assert_int_equal(maildir_folder(&f, "./Maildir/", "Lists.Work", 10), 0);
    assert_string_equal(f.s, "./Maildir/.Lists.Work");
    assert_int_equal(maildir_folder(&f, "/home/joe/Maildir", ".Spam", 5), 0);
    assert_string_equal(f.s, "/home/joe/Maildir/.Spam");
    assert_int_equal(maildir_folder(&f, "/", "x", 1), 0);
    assert_string_equal(f.s, "/.x");
    static const struct { const char *s; size_t n; } bad[] = {
        { "", 0 }, { ".", 1 }, { "..", 2 }, { "...", 3 }, { "a/b", 3 }, { "../x", 4 },
        { "a..b", 4 }, { "a.", 2 }, { "/etc", 4 }, { "a\0b", 3 }, { "..hidden", 8 },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        errno = 0;
        assert_int_equal(maildir_folder(&f, "Maildir", bad[i].s, bad[i].n), -1);
        assert_int_equal(errno, EINVAL);
    }
    assert_int_equal(maildir_folder(&f, "", "x", 1), -1);
    str_free(&f);
}

/* ---- without nameless files ---------------------------------------------- */

static void test_named_steps(void **state)
{
    (void)state;
    steps("Named", 1);
}

static void test_named_commit_fails(void **state)
{
    (void)state;
    commit_fails("NoNewNamed", 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_name_fmt),
        cmocka_unit_test(test_create),
        cmocka_unit_test(test_deliver),
        cmocka_unit_test(test_deliver_large),
        cmocka_unit_test(test_broken),
        cmocka_unit_test(test_read_error),
        cmocka_unit_test(test_write_error),
        cmocka_unit_test(test_unwritable),
        cmocka_unit_test(test_steps),
        cmocka_unit_test(test_commit_fails),
        cmocka_unit_test(test_named_steps),
        cmocka_unit_test(test_named_commit_fails),
        cmocka_unit_test(test_commit_info),
        cmocka_unit_test(test_folder),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
