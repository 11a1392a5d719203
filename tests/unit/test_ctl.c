/* Unit tests for lib/ctl: home resolution, control file readers, hostile files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"

static char home[256];

static void put(const char *name, const char *data, size_t len)
{
    char path[512];
    int fd;
    snprintf(path, sizeof path, "%s/control/%s", home, name);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    assert_int_equal(close(fd), 0);
}
#define PUTS(name, lit) put(name, lit, sizeof(lit) - 1)

static void rm(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/control/%s", home, name);
    unlink(path);
    rmdir(path);
}

static int setup(void **state)
{
    char path[512];
    (void)state;
    snprintf(home, sizeof home, "/tmp/test_ctl.XXXXXX");
    if (!mkdtemp(home)) return -1;
    snprintf(path, sizeof path, "%s/control", home);
    return mkdir(path, 0755);
}

static int teardown(void **state)
{
    char cmd[600];
    (void)state;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", home);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_home(void **state)
{
    (void)state;
    str p = STR_INIT;
    setenv("QMAILHOME", "/sandbox/qh", 1);
    assert_string_equal(ctl_home(), "/sandbox/qh");
    setenv("QMAILHOME", "", 1);
    assert_string_equal(ctl_home(), QMAILHOME_DEFAULT);
    unsetenv("QMAILHOME");
    assert_string_equal(ctl_home(), QMAILHOME_DEFAULT);
    setenv("QMAILHOME", "/sandbox/qh/", 1);
    assert_int_equal(ctl_path(&p, NULL, "me"), 0);
    assert_string_equal(p.s, "/sandbox/qh/control/me");
    assert_int_equal(ctl_path(&p, "/x", "morercpthosts.cdb"), 0);
    assert_string_equal(p.s, "/x/control/morercpthosts.cdb");
    errno = 0;
    assert_int_equal(ctl_path(&p, "/x", "../users/assign"), -1);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(ctl_path(&p, "/x", ""), -1);
    unsetenv("QMAILHOME");
    str_free(&p);
    /* real != effective ids: the variable is ignored */
    if (geteuid() == 0) {
        pid_t pid = fork();
        int status;
        assert_true(pid >= 0);
        if (pid == 0) {
            setenv("QMAILHOME", "/sandbox/qh", 1);
            if (setresuid(65534, 0, 0) < 0) _exit(2);
            _exit(strcmp(ctl_home(), QMAILHOME_DEFAULT) == 0 ? 0 : 1);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
}

static void test_readline(void **state)
{
    (void)state;
    str v = STR_INIT;
    PUTS("me", "mail.example.com \t\r\nsecond line\n");
    assert_int_equal(ctl_readline(home, "me", &v), CTL_FOUND);
    assert_string_equal(v.s, "mail.example.com");
    PUTS("greeting", "no newline at all  ");
    assert_int_equal(ctl_readline(home, "greeting", &v), CTL_FOUND);
    assert_string_equal(v.s, "no newline at all");
    PUTS("empty", "");
    assert_int_equal(ctl_readline(home, "empty", &v), CTL_FOUND);
    assert_int_equal(v.len, 0);
    PUTS("blank", "\nsecond\n");
    assert_int_equal(ctl_readline(home, "blank", &v), CTL_FOUND);
    assert_int_equal(v.len, 0);
    /* leading white space and '#' are kept in single-value files */
    PUTS("lead", "  #x y\n");
    assert_int_equal(ctl_readline(home, "lead", &v), CTL_FOUND);
    assert_string_equal(v.s, "  #x y");
    assert_int_equal(ctl_readline(home, "nonexistent", &v), CTL_MISSING);
    assert_int_equal(v.len, 0);
    assert_int_equal(ctl_readline("/nonexistent/home", "me", &v), CTL_MISSING);
    str_free(&v);
}

static void test_readline_hostile(void **state)
{
    (void)state;
    str v = STR_INIT;
    char *big = malloc(CTL_LINE_MAX + 2);
    assert_non_null(big);

    put("nul", "exam\0ple.com\n", 13);
    errno = 0;
    assert_int_equal(ctl_readline(home, "nul", &v), CTL_ERR);
    assert_int_equal(errno, EINVAL);
    /* a NUL after the first line is never read */
    put("nul2", "example.com\n\0junk\n", 18);
    assert_int_equal(ctl_readline(home, "nul2", &v), CTL_FOUND);
    assert_string_equal(v.s, "example.com");

    memset(big, 'a', CTL_LINE_MAX + 1);
    big[CTL_LINE_MAX] = '\n';
    put("maxline", big, CTL_LINE_MAX + 1);
    assert_int_equal(ctl_readline(home, "maxline", &v), CTL_FOUND);
    assert_int_equal(v.len, CTL_LINE_MAX);
    big[CTL_LINE_MAX] = 'a';
    big[CTL_LINE_MAX + 1] = '\n';
    put("longline", big, CTL_LINE_MAX + 2);
    errno = 0;
    assert_int_equal(ctl_readline(home, "longline", &v), CTL_ERR);
    assert_int_equal(errno, E2BIG);
    put("longnonl", big, CTL_LINE_MAX + 1);
    assert_int_equal(ctl_readline(home, "longnonl", &v), CTL_ERR);

    /* a directory where a file should be: an error, not "missing" */
    {
        char path[512];
        snprintf(path, sizeof path, "%s/control/adir", home);
        assert_int_equal(mkdir(path, 0755), 0);
        errno = 0;
        assert_int_equal(ctl_readline(home, "adir", &v), CTL_ERR);
        assert_int_equal(errno, EISDIR);
        unsigned long u = 5;
        assert_int_equal(ctl_readulong(home, "adir", 7, &u), CTL_ERR);
        assert_int_equal(u, 5);
        rmdir(path);
    }
    /* unreadable (as root: checked in a child that drops to nobody) */
    {
        char path[512];
        pid_t pid;
        int status;
        PUTS("secret", "x\n");
        snprintf(path, sizeof path, "%s/control/secret", home);
        chmod(path, 0);
        chmod(home, 0755);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            int r;
            if (geteuid() == 0 && (setgid(65534) < 0 || setuid(65534) < 0)) _exit(2);
            errno = 0;
            r = ctl_readline(home, "secret", &v);
            _exit(r == CTL_ERR && errno == EACCES ? 0 : 1);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
        chmod(home, 0700);
    }
    /* a FIFO is refused rather than blocking */
    {
        char path[512];
        snprintf(path, sizeof path, "%s/control/fifo", home);
        assert_int_equal(mkfifo(path, 0600), 0);
        assert_int_equal(ctl_readline(home, "fifo", &v), CTL_ERR);
        unlink(path);
    }
    free(big);
    str_free(&v);
}

static void test_defaults(void **state)
{
    (void)state;
    str v = STR_INIT;
    rm("me");
    rm("bouncehost");
    assert_int_equal(ctl_readline_me(home, "bouncehost", "bouncehost", &v), CTL_MISSING);
    assert_string_equal(v.s, "bouncehost");
    PUTS("me", "me.example\n");
    assert_int_equal(ctl_readline_me(home, "bouncehost", "bouncehost", &v), CTL_MISSING);
    assert_string_equal(v.s, "me.example");
    PUTS("bouncehost", "bounce.example  \n");
    assert_int_equal(ctl_readline_me(home, "bouncehost", "bouncehost", &v), CTL_FOUND);
    assert_string_equal(v.s, "bounce.example");
    rm("bouncehost");
    put("me", "bad\0me\n", 7);
    assert_int_equal(ctl_readline_me(home, "bouncehost", "bouncehost", &v), CTL_ERR);
    rm("me");

    assert_int_equal(ctl_readline_def(home, "bouncefrom", "MAILER-DAEMON", &v), CTL_MISSING);
    assert_string_equal(v.s, "MAILER-DAEMON");
    assert_int_equal(ctl_readline_def(home, "bouncefrom", NULL, &v), CTL_MISSING);
    assert_int_equal(v.len, 0);
    str_free(&v);
}

static void test_ulong(void **state)
{
    (void)state;
    unsigned long u = 0;
    assert_int_equal(ctl_readulong(home, "concurrencylocal", 10, &u), CTL_MISSING);
    assert_int_equal(u, 10);
    PUTS("concurrencylocal", "20\n");
    assert_int_equal(ctl_readulong(home, "concurrencylocal", 10, &u), CTL_FOUND);
    assert_int_equal(u, 20);
    PUTS("concurrencylocal", "12abc \n99\n");
    assert_int_equal(ctl_readulong(home, "concurrencylocal", 10, &u), CTL_FOUND);
    assert_int_equal(u, 12);
    PUTS("concurrencylocal", " 12\n");       /* qmail: no leading digits -> default */
    assert_int_equal(ctl_readulong(home, "concurrencylocal", 10, &u), CTL_MISSING);
    assert_int_equal(u, 10);
    PUTS("concurrencylocal", "-5\n");
    assert_int_equal(ctl_readulong(home, "concurrencylocal", 10, &u), CTL_MISSING);
    assert_int_equal(u, 10);
    PUTS("concurrencylocal", "");
    assert_int_equal(ctl_readulong(home, "concurrencylocal", 10, &u), CTL_MISSING);
    PUTS("databytes", "18446744073709551615\n");
    assert_int_equal(ctl_readulong(home, "databytes", 0, &u), CTL_FOUND);
    assert_true(u == ULONG_MAX);
    PUTS("databytes", "18446744073709551616\n");
    u = 3;
    errno = 0;
    assert_int_equal(ctl_readulong(home, "databytes", 0, &u), CTL_ERR);
    assert_int_equal(errno, ERANGE);
    assert_int_equal(u, 3);
    PUTS("databytes", "99999999999999999999999999999999999999\n");
    assert_int_equal(ctl_readulong(home, "databytes", 0, &u), CTL_ERR);
    put("databytes", "1\0002\n", 4);
    assert_int_equal(ctl_readulong(home, "databytes", 0, &u), CTL_ERR);
}

static void test_list(void **state)
{
    (void)state;
    ctl_list l = CTL_LIST_INIT;
    PUTS("qmqpservers", "# comment\n\n1.2.3.4  \n   \n  5.6.7.8\n#x\n\t\n9.9.9.9");
    assert_int_equal(ctl_readlist(home, "qmqpservers", &l), CTL_FOUND);
    assert_int_equal(l.n, 3);
    assert_string_equal(l.item[0], "1.2.3.4");
    assert_int_equal(l.itemlen[0], 7);
    assert_string_equal(l.item[1], "  5.6.7.8");     /* leading space kept */
    assert_string_equal(l.item[2], "9.9.9.9");
    /* a bad file leaves the previous list in place */
    put("qmqpservers", "1.1.1.1\n2.2\0.2.2\n", 17);
    errno = 0;
    assert_int_equal(ctl_readlist(home, "qmqpservers", &l), CTL_ERR);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(l.n, 3);
    /* NUL in a comment line is refused as well */
    put("qmqpservers", "#\0\n", 3);
    assert_int_equal(ctl_readlist(home, "qmqpservers", &l), CTL_ERR);
    assert_int_equal(ctl_readlist(home, "nonexistent", &l), CTL_MISSING);
    assert_int_equal(l.n, 0);
    PUTS("qmqpservers", "# only comments\n\n");
    assert_int_equal(ctl_readlist(home, "qmqpservers", &l), CTL_FOUND);
    assert_int_equal(l.n, 0);
    ctl_list_free(&l);
    ctl_list_free(&l);
}

static void test_set(void **state)
{
    (void)state;
    ctl_set s = CTL_SET_INIT;
    assert_int_equal(ctl_set_has(&s, "x", 1), 0);             /* empty set */
    assert_int_equal(ctl_set_has_domain(&s, "a.b", 3), 0);
    PUTS("rcpthosts", "Example.COM\n.Sub.Example.org \n# example.net\nlocalhost\nlocalhost\n\n");
    assert_int_equal(ctl_readset(home, "rcpthosts", &s), CTL_FOUND);
    assert_int_equal(ctl_set_count(&s), 3);
    assert_int_equal(ctl_set_has(&s, "example.com", 11), 1);
    assert_int_equal(ctl_set_has(&s, "EXAMPLE.com", 11), 1);
    assert_int_equal(ctl_set_has(&s, "example.co", 10), 0);
    assert_int_equal(ctl_set_has(&s, "example.com\0", 12), 0);
    assert_int_equal(ctl_set_has(&s, "example.net", 11), 0);
    assert_int_equal(ctl_set_has(&s, "# example.net", 13), 0);
    assert_int_equal(ctl_set_has(&s, "", 0), 0);
    /* rcpthosts suffix rule */
    assert_int_equal(ctl_set_has_domain(&s, "example.com", 11), 1);
    assert_int_equal(ctl_set_has_domain(&s, "www.example.com", 15), 0);
    assert_int_equal(ctl_set_has_domain(&s, "a.sub.example.org", 17), 1);
    assert_int_equal(ctl_set_has_domain(&s, "A.B.SUB.EXAMPLE.ORG", 19), 1);
    assert_int_equal(ctl_set_has_domain(&s, "sub.example.org", 15), 0);
    assert_int_equal(ctl_set_has_domain(&s, "xsub.example.org", 16), 0);
    assert_int_equal(ctl_set_has_domain(&s, "", 0), 0);
    /* adding by hand, binary-safe */
    assert_int_equal(ctl_set_add(&s, "a\0b", 3), 0);
    assert_int_equal(ctl_set_has(&s, "A\0B", 3), 1);
    assert_int_equal(ctl_set_has(&s, "a", 1), 0);
    /* missing file: empty set */
    assert_int_equal(ctl_readset(home, "percenthack", &s), CTL_MISSING);
    assert_int_equal(ctl_set_count(&s), 0);
    assert_int_equal(ctl_set_has(&s, "example.com", 11), 0);
    ctl_set_free(&s);
}

static void test_set_large(void **state)
{
    (void)state;
    enum { N = 200000 };
    ctl_set s = CTL_SET_INIT;
    str f = STR_INIT;
    char name[64];
    struct timespec t0, t1;

    for (int i = 0; i < N; i++) assert_int_equal(str_catf(&f, "host%d.Example.com\n", i), 0);
    put("rcpthosts", f.s, f.len);
    assert_int_equal(ctl_readset(home, "rcpthosts", &s), CTL_FOUND);
    assert_int_equal(ctl_set_count(&s), N);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < N; i++) {
        int n = snprintf(name, sizeof name, "HOST%d.example.COM", i);
        assert_int_equal(ctl_set_has(&s, name, (size_t)n), 1);
        n = snprintf(name, sizeof name, "host%d.example.net", i);
        assert_int_equal(ctl_set_has(&s, name, (size_t)n), 0);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    /* hashing: 400k lookups are far below a second (a linear scan takes minutes) */
    assert_true(t1.tv_sec - t0.tv_sec < 5);
    ctl_set_free(&s);
    str_free(&f);
}

static void test_map(void **state)
{
    (void)state;
    ctl_map m = CTL_MAP_INIT;
    const char *v;
    size_t vlen;
    PUTS("virtualdomains",
         "virt.example:alias-virt\n"
         "# comment:ignored\n"
         "junk line without colon\n"
         "VIRT.Example:joe  \n"
         "user@Virt.Example:user-special\n"
         ":catchall\n"
         ".sub.example:\n"
         "\n");
    assert_int_equal(ctl_readmap(home, "virtualdomains", &m), CTL_FOUND);
    assert_int_equal(ctl_map_find(&m, "virt.example", 12, &v, &vlen), 1);
    assert_string_equal(v, "joe");                            /* last duplicate wins */
    assert_int_equal(vlen, 3);
    assert_int_equal(ctl_map_find(&m, "USER@virt.example", 17, &v, &vlen), 1);
    assert_string_equal(v, "user-special");
    assert_int_equal(ctl_map_find(&m, "", 0, &v, &vlen), 1);
    assert_string_equal(v, "catchall");
    assert_int_equal(ctl_map_find(&m, ".sub.example", 12, &v, &vlen), 1);
    assert_int_equal(vlen, 0);
    assert_int_equal(ctl_map_find(&m, "junk line without colon", 23, &v, &vlen), 0);
    assert_int_equal(ctl_map_find(&m, "# comment", 9, &v, &vlen), 0);
    assert_int_equal(ctl_map_find(&m, "other.example", 13, NULL, NULL), 0);

    PUTS("smtproutes", "example.com:relay.example.net:2525\n:[10.0.0.1]:26\n[1.2.3.4]:x:y:z\n");
    assert_int_equal(ctl_readmap(home, "smtproutes", &m), CTL_FOUND);
    assert_int_equal(ctl_map_find(&m, "Example.Com", 11, &v, &vlen), 1);
    assert_string_equal(v, "relay.example.net:2525");
    assert_int_equal(ctl_map_find(&m, "", 0, &v, &vlen), 1);
    assert_string_equal(v, "[10.0.0.1]:26");
    assert_int_equal(ctl_map_find(&m, "[1.2.3.4]", 9, &v, &vlen), 1);
    assert_string_equal(v, "x:y:z");
    assert_int_equal(ctl_map_find(&m, "virt.example", 12, &v, &vlen), 0); /* replaced */

    /* hostile: NUL in any line, overlong line -> error, old map kept */
    put("smtproutes", "a:b\nc\0:d\n", 9);
    assert_int_equal(ctl_readmap(home, "smtproutes", &m), CTL_ERR);
    assert_int_equal(ctl_map_find(&m, "example.com", 11, &v, &vlen), 1);
    {
        char *big = malloc(CTL_LINE_MAX + 10);
        assert_non_null(big);
        memcpy(big, "a:b\n", 4);
        memset(big + 4, 'x', CTL_LINE_MAX + 6);
        big[CTL_LINE_MAX + 6] = ':';
        put("smtproutes", big, CTL_LINE_MAX + 10);
        errno = 0;
        assert_int_equal(ctl_readmap(home, "smtproutes", &m), CTL_ERR);
        assert_int_equal(errno, E2BIG);
        free(big);
    }
    assert_int_equal(ctl_readmap(home, "nonexistent", &m), CTL_MISSING);
    assert_int_equal(ctl_map_find(&m, "example.com", 11, &v, &vlen), 0);
    ctl_map_free(&m);
}

static void test_map_put(void **state)
{
    (void)state;
    ctl_map m = CTL_MAP_INIT;
    const char *v;
    size_t vlen;
    char key[32];

    assert_int_equal(ctl_map_put(&m, "k\0ey", 4, "v\0al", 4), 0);
    assert_int_equal(ctl_map_find(&m, "K\0EY", 4, &v, &vlen), 1);
    assert_int_equal(vlen, 4);
    assert_memory_equal(v, "v\0al", 4);
    /* key and value taken from the map itself while it grows */
    for (int i = 0; i < 1000; i++) {
        int n = snprintf(key, sizeof key, "key%d", i);
        assert_int_equal(ctl_map_put(&m, key, (size_t)n, key, (size_t)n), 0);
        assert_int_equal(ctl_map_find(&m, key, (size_t)n, &v, &vlen), 1);
        assert_int_equal(ctl_map_put(&m, v, vlen, v, vlen), 0);
    }
    assert_int_equal(m.n, 1001);
    assert_int_equal(ctl_map_find(&m, "KEY999", 6, &v, &vlen), 1);
    assert_string_equal(v, "key999");
    ctl_map_free(&m);
    ctl_map_free(&m);
}

static void test_file_limits(void **state)
{
    (void)state;
    ctl_set s = CTL_SET_INIT;
    ctl_list l = CTL_LIST_INIT;
    str v = STR_INIT;
    char path[512];
    int fd;

    /* a (sparse) file above CTL_FILE_MAX is refused without reading it */
    snprintf(path, sizeof path, "%s/control/huge", home);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "a\n", 2), 2);
    assert_int_equal(ftruncate(fd, (off_t)CTL_FILE_MAX + 1), 0);
    close(fd);
    errno = 0;
    assert_int_equal(ctl_readset(home, "huge", &s), CTL_ERR);
    assert_int_equal(errno, EFBIG);
    assert_int_equal(ctl_readlist(home, "huge", &l), CTL_ERR);
    /* the first line is still readable */
    assert_int_equal(ctl_readline(home, "huge", &v), CTL_FOUND);
    assert_string_equal(v.s, "a");
    unlink(path);

    /* a character device reads as empty */
    assert_int_equal(ctl_readset_path("/dev/null", &s), CTL_FOUND);
    assert_int_equal(ctl_set_count(&s), 0);
    assert_int_equal(ctl_readline_path("/dev/null", &v), CTL_FOUND);
    assert_int_equal(v.len, 0);
    /* control is a file, not a directory: error, not missing */
    assert_int_equal(ctl_readline_path("/dev/null/me", &v), CTL_ERR);
    ctl_set_free(&s);
    ctl_list_free(&l);
    str_free(&v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_home),
        cmocka_unit_test(test_readline),
        cmocka_unit_test(test_readline_hostile),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_ulong),
        cmocka_unit_test(test_list),
        cmocka_unit_test(test_set),
        cmocka_unit_test(test_set_large),
        cmocka_unit_test(test_map),
        cmocka_unit_test(test_map_put),
        cmocka_unit_test(test_file_limits),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
