/* Unit tests for lib/cdbx: round trip with binary keys, atomic rebuild, bad files. */
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
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cdbx.h"

static char dir[256];

static void pathof(char *out, size_t n, const char *name)
{
    snprintf(out, n, "%s/%s", dir, name);
}

static int exists(const char *name)
{
    char p[512];
    struct stat st;
    pathof(p, sizeof p, name);
    return stat(p, &st) == 0;
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/test_cdbx.XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[600];
    (void)state;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

#define JOE "joe\0" "1000\0" "1000\0/home/joe\0\0"
#define JOEX "joe\0" "1000\0" "1000\0/home/joe\0-\0"
#define ALIAS "alias\0" "7790\0" "2108\0/var/qmail/alias\0-\0"
#define L(s) s, sizeof(s) - 1

/* A users/cdb as qmail-newu writes it. */
static void build_users(const char *path)
{
    cdbx_make mk;
    assert_int_equal(cdbx_make_start(&mk, path, 0644), 0);
    assert_int_equal(cdbx_make_add(&mk, "!joe\0", 5, L(JOE)), 0);
    assert_int_equal(cdbx_make_add(&mk, "!joe-", 5, L(JOEX)), 0);
    assert_int_equal(cdbx_make_add(&mk, "!", 1, L(ALIAS)), 0);
    assert_int_equal(cdbx_make_add(&mk, "", 0, "-", 1), 0);
    assert_int_equal(cdbx_make_add(&mk, "dup", 3, "first", 5), 0);
    assert_int_equal(cdbx_make_add(&mk, "dup", 3, "", 0), 0);
    assert_int_equal(cdbx_make_add(&mk, "dup", 3, "third", 5), 0);
    assert_int_equal(cdbx_make_finish(&mk), 0);
    cdbx_make_abort(&mk);                        /* harmless after finish */
}

static void test_roundtrip(void **state)
{
    (void)state;
    char p[512];
    cdbx db;
    cdbx_iter it = CDBX_ITER_INIT;
    str v = STR_INIT;
    struct stat st;

    pathof(p, sizeof p, "users.cdb");
    build_users(p);
    assert_false(exists("users.cdb.tmp"));
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_mode & 0022, 0);

    assert_int_equal(cdbx_open(&db, p), 0);
    assert_int_equal(cdbx_find(&db, "!joe\0", 5, &v), 1);
    assert_int_equal(v.len, sizeof JOE - 1);
    assert_memory_equal(v.s, JOE, sizeof JOE - 1);
    assert_int_equal(cdbx_find(&db, "!joe", 4, &v), 0);     /* NUL is part of the key */
    assert_int_equal(cdbx_find(&db, "!joe-", 5, &v), 1);
    assert_memory_equal(v.s + v.len - 2, "-\0", 2);
    assert_int_equal(cdbx_find(&db, "", 0, &v), 1);          /* the wildchars record */
    assert_int_equal(v.len, 1);
    assert_string_equal(v.s, "-");
    assert_int_equal(cdbx_find(&db, "!", 1, &v), 1);
    assert_int_equal(cdbx_find(&db, "nope", 4, &v), 0);
    assert_int_equal(cdbx_find(&db, "dup", 3, &v), 1);
    assert_string_equal(v.s, "first");                        /* first record wins */

    assert_int_equal(cdbx_iter_start(&it, &db, "dup", 3), 0);
    assert_int_equal(cdbx_iter_next(&it, &v), 1);
    assert_string_equal(v.s, "first");
    assert_int_equal(cdbx_iter_next(&it, &v), 1);
    assert_int_equal(v.len, 0);
    assert_int_equal(cdbx_iter_next(&it, &v), 1);
    assert_string_equal(v.s, "third");
    assert_int_equal(cdbx_iter_next(&it, &v), 0);
    assert_int_equal(cdbx_iter_next(&it, &v), 0);
    assert_int_equal(cdbx_iter_start(&it, &db, "none", 4), 0);
    assert_int_equal(cdbx_iter_next(&it, &v), 0);
    cdbx_iter_free(&it);
    cdbx_close(&db);
    cdbx_close(&db);

    assert_int_equal(cdbx_find_path(p, "!joe-", 5, &v), 1);
    str_free(&v);
}

static void test_many(void **state)
{
    (void)state;
    char p[512], key[32], val[32];
    cdbx_make mk;
    cdbx db;
    str v = STR_INIT;
    enum { N = 50000 };

    pathof(p, sizeof p, "many.cdb");
    assert_int_equal(cdbx_make_start(&mk, p, 0600), 0);
    for (int i = 0; i < N; i++) {
        int kn = snprintf(key, sizeof key, "k%d", i), vn = snprintf(val, sizeof val, "v%d", i * 7);
        assert_int_equal(cdbx_make_add(&mk, key, (size_t)kn, val, (size_t)vn), 0);
    }
    assert_int_equal(cdbx_make_finish(&mk), 0);
    assert_int_equal(cdbx_open(&db, p), 0);
    for (int i = 0; i < N; i += 97) {
        int kn = snprintf(key, sizeof key, "k%d", i);
        snprintf(val, sizeof val, "v%d", i * 7);
        assert_int_equal(cdbx_find(&db, key, (size_t)kn, &v), 1);
        assert_string_equal(v.s, val);
    }
    assert_int_equal(cdbx_find(&db, "k50000", 6, &v), 0);
    cdbx_close(&db);
    str_free(&v);
}

static void test_missing_and_bad(void **state)
{
    (void)state;
    char p[512];
    cdbx db;
    str v = STR_INIT;
    int fd;

    pathof(p, sizeof p, "absent.cdb");
    errno = 0;
    assert_int_equal(cdbx_open(&db, p), -1);
    assert_int_equal(errno, ENOENT);
    errno = 0;
    assert_int_equal(cdbx_find_path(p, "x", 1, &v), -1);
    assert_int_equal(errno, ENOENT);
    cdbx_close(&db);                                 /* closed state is safe */
    assert_int_equal(cdbx_find(&db, "x", 1, &v), -1);

    /* junk: too short to be a cdb */
    pathof(p, sizeof p, "junk.cdb");
    fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "not a cdb\n", 10), 10);
    close(fd);
    errno = 0;
    assert_int_equal(cdbx_open(&db, p), -1);
    assert_true(errno != ENOENT && errno != 0);

    /* 2048 bytes of 0xff: table pointers far beyond the end of the file */
    {
        unsigned char junk[4096];
        memset(junk, 0xff, sizeof junk);
        fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        assert_int_equal(write(fd, junk, sizeof junk), (ssize_t)sizeof junk);
        close(fd);
        if (cdbx_open(&db, p) == 0) {
            int r = cdbx_find(&db, "key", 3, &v);
            assert_true(r == -1 || r == 0);
            cdbx_close(&db);
        }
    }

    /* a directory */
    errno = 0;
    assert_int_equal(cdbx_open(&db, dir), -1);
    assert_true(errno != ENOENT);
    str_free(&v);
}

static void test_abort_keeps_old(void **state)
{
    (void)state;
    char p[512];
    cdbx_make mk;
    str v = STR_INIT;

    pathof(p, sizeof p, "keep.cdb");
    build_users(p);
    assert_int_equal(cdbx_make_start(&mk, p, 0644), 0);
    assert_true(exists("keep.cdb.tmp"));
    for (int i = 0; i < 5000; i++)                 /* beyond tinycdb's write buffer */
        assert_int_equal(cdbx_make_add(&mk, "!joe\0", 5, "someone-else", 12), 0);
    cdbx_make_abort(&mk);
    cdbx_make_abort(&mk);
    assert_false(exists("keep.cdb.tmp"));
    assert_int_equal(cdbx_find_path(p, "!joe\0", 5, &v), 1);
    assert_int_equal(v.len, sizeof JOE - 1);
    assert_int_equal(cdbx_make_add(&mk, "a", 1, "b", 1), -1);  /* finished builder */
    assert_int_equal(cdbx_make_finish(&mk), -1);
    str_free(&v);
}

/* A build that runs out of space (RLIMIT_FSIZE) fails and leaves the old cdb. */
static void test_failed_build(void **state)
{
    (void)state;
    char p[512];
    str v = STR_INIT;
    pid_t pid;
    int status;

    pathof(p, sizeof p, "full.cdb");
    build_users(p);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct rlimit rl = { 16384, 16384 };
        cdbx_make mk;
        char val[1000];
        int failed = 0;
        signal(SIGXFSZ, SIG_IGN);
        if (setrlimit(RLIMIT_FSIZE, &rl) < 0) _exit(2);
        memset(val, 'x', sizeof val);
        if (cdbx_make_start(&mk, p, 0644) < 0) _exit(3);
        for (int i = 0; i < 100 && !failed; i++)
            if (cdbx_make_add(&mk, "k", 1, val, sizeof val) < 0) failed = 1;
        if (failed) {
            if (errno != EFBIG) _exit(4);
            cdbx_make_abort(&mk);
        } else if (cdbx_make_finish(&mk) == 0) {
            _exit(5);
        }
        _exit(0);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_false(exists("full.cdb.tmp"));
    assert_int_equal(cdbx_find_path(p, "!joe\0", 5, &v), 1);
    assert_int_equal(cdbx_find_path(p, "k", 1, &v), 0);

    /* the index itself does not fit: finish fails, old cdb stays */
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct rlimit rl = { 3000, 3000 };
        cdbx_make mk;
        signal(SIGXFSZ, SIG_IGN);
        if (setrlimit(RLIMIT_FSIZE, &rl) < 0) _exit(2);
        if (cdbx_make_start(&mk, p, 0644) < 0) _exit(3);
        for (int i = 0; i < 50; i++)
            if (cdbx_make_add(&mk, "k", 1, "v", 1) < 0) _exit(4);
        if (cdbx_make_finish(&mk) == 0) _exit(5);
        _exit(0);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_false(exists("full.cdb.tmp"));
    assert_int_equal(cdbx_find_path(p, "!joe\0", 5, &v), 1);
    str_free(&v);
}

static void test_start_errors(void **state)
{
    (void)state;
    char p[512], t[512];
    cdbx_make mk;
    str v = STR_INIT;

    errno = 0;
    assert_int_equal(cdbx_make_start(&mk, "/nonexistent/dir/x.cdb", 0644), -1);
    assert_int_equal(errno, ENOENT);
    assert_int_equal(cdbx_make_start(&mk, "", 0644), -1);

    /* a symlink planted at the tmp name is not followed */
    pathof(p, sizeof p, "sym.cdb");
    pathof(t, sizeof t, "sym.cdb.tmp");
    assert_int_equal(symlink("/tmp/should-not-be-created", t), 0);
    assert_int_equal(cdbx_make_start(&mk, p, 0644), -1);
    assert_int_equal(errno, ELOOP);
    unlink(t);

    /* a stale tmp file is overwritten */
    {
        int fd = open(t, O_WRONLY | O_CREAT, 0644);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, "stale stale stale", 17), 17);
        close(fd);
    }
    assert_int_equal(cdbx_make_start(&mk, p, 0644), 0);
    assert_int_equal(cdbx_make_add(&mk, "a", 1, "b", 1), 0);
    assert_int_equal(cdbx_make_finish(&mk), 0);
    assert_int_equal(cdbx_find_path(p, "a", 1, &v), 1);
    assert_string_equal(v.s, "b");
    str_free(&v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_many),
        cmocka_unit_test(test_missing_and_bad),
        cmocka_unit_test(test_abort_keeps_old),
        cmocka_unit_test(test_failed_build),
        cmocka_unit_test(test_start_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
