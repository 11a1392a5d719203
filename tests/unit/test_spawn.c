/* Unit tests for lib/spawn: the spawner loop with a toy delivery child. */
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
#include <time.h>
#include <unistd.h>

#include "fs.h"
#include "spawn.h"

static char base[256];
static char oldcwd[4096];

static int setup(void **state)
{
    char p[300];
    int fd;
    (void)state;
    if (!getcwd(oldcwd, sizeof oldcwd)) return -1;
    snprintf(base, sizeof base, "/tmp/test_spawn.XXXXXX");
    if (!mkdtemp(base)) return -1;
    snprintf(p, sizeof p, "%s/1", base);
    if (mkdir(p, 0700) < 0) return -1;
    snprintf(p, sizeof p, "%s/1/24", base);
    fd = open(p, O_WRONLY | O_CREAT, 0600);
    if (fd < 0) return -1;
    close(fd);
    signal(SIGPIPE, SIG_IGN);
    return chdir(base);
}

static int teardown(void **state)
{
    char cmd[600];
    (void)state;
    if (chdir(oldcwd) < 0) return -1;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
    return system(cmd) == 0 ? 0 : -1;
}

/*
 * The toy child: the recipient's local part says what to do.
 *   echo-TEXT   prints TEXT, exits 0      exit-N   exits N
 *   big-N       prints N bytes 'x'        kill     dies of SIGKILL
 *   sleep-N     sleeps N ms, prints "slept"
 *   orphan      leaves a grandchild holding the pipe for 5 s, exits 0
 *   nostart     start() fails with its own text
 */
static int start(void *ctx, const struct spawn_job *j, pid_t *pid, int *outfd, str *err)
{
    const char *r = j->recip;
    int wfd, k;
    (void)ctx;
    if (!strncmp(r, "nostart@", 8)) {
        str_copys(err, "Zcannot start this one\n");
        return -1;
    }
    k = spawn_fork(pid, outfd, &wfd, err);
    if (k != 0) return k < 0 ? -1 : 0;
    /* child: keep only the output pipe */
    for (int fd = 0; fd < 1024; fd++)
        if (fd != wfd) close(fd);
    char loc[1000];
    size_t n = j->at < sizeof loc - 1 ? j->at : sizeof loc - 1;
    memcpy(loc, r, n);
    loc[n] = 0;
    if (!strncmp(loc, "echo-", 5)) {
        (void)fs_write_all(wfd, loc + 5, strlen(loc + 5));
        _exit(0);
    }
    if (!strncmp(loc, "exit-", 5)) _exit(atoi(loc + 5));
    if (!strncmp(loc, "big-", 4)) {
        long m = atol(loc + 4);
        char b[4096];
        memset(b, 'x', sizeof b);
        while (m > 0) {
            size_t c = m > (long)sizeof b ? sizeof b : (size_t)m;
            if (fs_write_all(wfd, b, c) < 0) _exit(1);
            m -= (long)c;
        }
        _exit(0);
    }
    if (!strcmp(loc, "kill")) raise(SIGKILL);
    if (!strncmp(loc, "sleep-", 6)) {
        long ms = atol(loc + 6);
        struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
        nanosleep(&ts, NULL);
        (void)fs_write_all(wfd, "slept", 5);
        _exit(0);
    }
    if (!strcmp(loc, "orphan")) {
        if (fork() == 0) {
            sleep(5);
            _exit(0);
        }
        (void)fs_write_all(wfd, "parent", 6);
        _exit(0);
    }
    _exit(111);
}

static void report(void *ctx, int wstat, const char *out, size_t len, str *reply)
{
    (void)ctx;
    if (!WIFEXITED(wstat)) { str_copys(reply, "Zcrashed"); return; }
    str_copys(reply, WEXITSTATUS(wstat) == 0 ? "K" : WEXITSTATUS(wstat) == 100 ? "D" : "Z");
    str_catb(reply, out, len);
}

struct run {
    str out;       /* everything the spawner wrote */
    int ret;       /* spawn_serve's result */
    int err;
    double secs;
};

/* Runs spawn_serve in a child on input[0..len), collecting its output. */
static void run(const spawn_ops *ops, const char *input, size_t len, int close_out, struct run *r)
{
    int in[2], out[2], res[2];
    pid_t pid;
    struct timespec t0, t1;
    memset(r, 0, sizeof *r);
    assert_int_equal(pipe(in), 0);
    assert_int_equal(pipe(out), 0);
    assert_int_equal(pipe(res), 0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int v[2];
        close(in[1]);
        close(out[0]);
        close(res[0]);
        v[0] = spawn_serve(ops, in[0], out[1]);
        v[1] = errno;
        (void)fs_write_all(res[1], v, sizeof v);
        _exit(0);
    }
    close(in[0]);
    close(out[1]);
    close(res[1]);
    if (close_out) {
        char c;
        assert_int_equal(read(out[0], &c, 1), 1);
        close(out[0]);
        out[0] = -1;
    }
    assert_int_equal(fs_write_all(in[1], input, len), 0);
    close(in[1]);
    if (out[0] >= 0) {
        assert_int_equal(fs_read_fd(out[0], &r->out, 64 * 1024 * 1024), 0);
        close(out[0]);
    }
    {
        int v[2];
        assert_int_equal(fs_read_all(res[0], v, sizeof v), (ssize_t)sizeof v);
        r->ret = v[0];
        r->err = v[1];
        close(res[0]);
    }
    waitpid(pid, NULL, 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    r->secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
}

static void addcmd(str *s, unsigned slot, const char *mess, const char *sender, const char *rcpt)
{
    str_catc(s, (char)(unsigned char)slot);
    str_cats(s, mess);
    str_catc(s, 0);
    str_cats(s, sender);
    str_catc(s, 0);
    str_cats(s, rcpt);
    str_catc(s, 0);
}

/* Finds the reply for slot in r->out (after the concurrency byte): its text. */
static const char *reply_of(struct run *r, unsigned slot)
{
    size_t i = 1;
    while (i < r->out.len) {
        const char *t = r->out.s + i + 1;
        size_t l = strnlen(t, r->out.len - i - 1);
        if ((unsigned char)r->out.s[i] == slot) return t;
        i += l + 2;
    }
    return NULL;
}

static spawn_ops ops_default(void)
{
    spawn_ops o;
    memset(&o, 0, sizeof o);
    o.concurrency = 10;
    o.truncreport = 0;
    o.start = start;
    o.report = report;
    return o;
}

static void test_basic(void **state)
{
    spawn_ops o = ops_default();
    str in = STR_INIT;
    struct run r;
    (void)state;
    addcmd(&in, 0, "1/24", "s", "echo-hello@x");
    addcmd(&in, 1, "1/24", "s", "exit-100@x");
    addcmd(&in, 2, "1/24", "s", "exit-111@x");
    addcmd(&in, 3, "1/24", "s", "kill@x");
    addcmd(&in, 4, "1/24", "s", "nostart@x");
    addcmd(&in, 5, "1/24", "s", "noat");
    addcmd(&in, 6, "1/2a", "s", "echo-x@x");
    addcmd(&in, 7, "1/25", "s", "echo-x@x");
    addcmd(&in, 8, "1", "s", "echo-x@x");
    addcmd(&in, 10, "1/24", "s", "echo-x@x");
    run(&o, in.s, in.len, 0, &r);
    assert_int_equal(r.ret, 0);
    assert_int_equal((unsigned char)r.out.s[0], 10);
    assert_string_equal(reply_of(&r, 0), "Khello");
    assert_string_equal(reply_of(&r, 1), "D");
    assert_string_equal(reply_of(&r, 2), "Z");
    assert_string_equal(reply_of(&r, 3), "Zcrashed");
    assert_string_equal(reply_of(&r, 4), "Zcannot start this one\n");
    assert_string_equal(reply_of(&r, 5), "DSorry, address must include host name. (#5.1.3)\n");
    assert_string_equal(reply_of(&r, 6), "DInternal error: messid has nonnumerics. (#5.3.5)\n");
    assert_string_equal(reply_of(&r, 7), "Zqmail-spawn unable to open message. (#4.3.0)\n");
    assert_string_equal(reply_of(&r, 8), "ZSorry, message has wrong type. (#4.3.5)\n");
    assert_string_equal(reply_of(&r, 10), "ZInternal error: delnum too big. (#4.3.5)\n");
    str_free(&in);
    str_free(&r.out);
}

static void test_owner(void **state)
{
    spawn_ops o = ops_default();
    str in = STR_INIT;
    struct run r;
    (void)state;
    o.check_owner = 1;
    o.owner = geteuid() + 1;
    addcmd(&in, 0, "1/24", "s", "echo-x@x");
    run(&o, in.s, in.len, 0, &r);
    assert_string_equal(reply_of(&r, 0), "ZSorry, message has wrong owner. (#4.3.5)\n");
    str_free(&r.out);
    o.owner = geteuid();
    run(&o, in.s, in.len, 0, &r);
    assert_string_equal(reply_of(&r, 0), "Kx");
    str_free(&in);
    str_free(&r.out);
}

static void test_truncate(void **state)
{
    spawn_ops o = ops_default();
    str in = STR_INIT;
    struct run r;
    const char *t;
    size_t want = 200 - (sizeof SPAWN_TRUNCMESS - 1) - 3;
    (void)state;
    o.truncreport = 200;
    addcmd(&in, 0, "1/24", "s", "big-1000000@x");
    addcmd(&in, 1, "1/24", "s", "big-200@x");
    addcmd(&in, 2, "1/24", "s", "big-201@x");
    run(&o, in.s, in.len, 0, &r);
    t = reply_of(&r, 0);
    assert_non_null(t);
    assert_int_equal(strlen(t), 1 + want + sizeof SPAWN_TRUNCMESS - 1);
    assert_int_equal(strspn(t + 1, "x"), want);
    assert_string_equal(t + 1 + want, SPAWN_TRUNCMESS);
    assert_int_equal(strlen(reply_of(&r, 1)), 201);      /* exactly the limit: kept */
    assert_int_equal(strlen(reply_of(&r, 2)), 1 + want + sizeof SPAWN_TRUNCMESS - 1);
    str_free(&in);
    str_free(&r.out);
}

/* Completion order, a busy slot, and waiting for children at end of input. */
static void test_order(void **state)
{
    spawn_ops o = ops_default();
    str in = STR_INIT;
    struct run r;
    (void)state;
    addcmd(&in, 0, "1/24", "s", "sleep-500@x");
    addcmd(&in, 1, "1/24", "s", "echo-fast@x");
    addcmd(&in, 0, "1/24", "s", "echo-x@x");
    run(&o, in.s, in.len, 0, &r);
    assert_int_equal(r.ret, 0);
    /* busy reply first, then fast, then slow */
    assert_int_equal(r.out.s[1], 0);
    assert_string_equal(r.out.s + 2, "ZInternal error: delnum in use. (#4.3.5)\n");
    {
        size_t i = 2 + strlen(r.out.s + 2) + 1;
        assert_int_equal(r.out.s[i], 1);
        assert_string_equal(r.out.s + i + 1, "Kfast");
        i += 1 + 5 + 1;
        assert_int_equal(r.out.s[i], 0);
        assert_string_equal(r.out.s + i + 1, "Kslept");
    }
    str_free(&in);
    str_free(&r.out);
}

/* A grandchild that keeps the pipe open does not hold the report back. */
static void test_orphan(void **state)
{
    spawn_ops o = ops_default();
    str in = STR_INIT;
    struct run r;
    (void)state;
    addcmd(&in, 0, "1/24", "s", "orphan@x");
    run(&o, in.s, in.len, 0, &r);
    assert_string_equal(reply_of(&r, 0), "Kparent");
    assert_true(r.secs < 4.0);
    str_free(&in);
    str_free(&r.out);
}

/* Garbage: partial commands, overlong commands, odd slot bytes. */
static void test_garbage(void **state)
{
    spawn_ops o = ops_default();
    str in = STR_INIT;
    struct run r;
    (void)state;
    str_catb(&in, "\377\0\0\0", 4);                 /* slot 255, empty fields */
    str_catc(&in, 3);                               /* an overlong command */
    for (size_t i = 0; i < SPAWN_CMD_MAX + 10; i++) str_catc(&in, 'a');
    str_catb(&in, "\0b\0c\0", 5);
    addcmd(&in, 4, "1/24", "s", "echo-after@x");
    str_catb(&in, "\005partial\0", 9);              /* cut off by end of input */
    run(&o, in.s, in.len, 0, &r);
    assert_int_equal(r.ret, 0);
    assert_string_equal(reply_of(&r, 255), "ZInternal error: delnum too big. (#4.3.5)\n");
    assert_string_equal(reply_of(&r, 3), "DInternal error: command too long. (#5.3.5)\n");
    assert_string_equal(reply_of(&r, 4), "Kafter");
    assert_null(reply_of(&r, 5));
    str_free(&in);
    str_free(&r.out);
}

/* qmail-send went away: the spawner still reaps its children, then fails. */
static void test_write_error(void **state)
{
    spawn_ops o = ops_default();
    str in = STR_INIT;
    struct run r;
    (void)state;
    addcmd(&in, 0, "1/24", "s", "sleep-200@x");
    run(&o, in.s, in.len, 1, &r);
    assert_int_equal(r.ret, -1);
    assert_int_equal(r.err, EPIPE);
    str_free(&in);
}

static void test_bad_ops(void **state)
{
    spawn_ops o = ops_default();
    (void)state;
    o.concurrency = 0;
    assert_int_equal(spawn_serve(&o, 0, 1), -1);
    assert_int_equal(errno, EINVAL);
    o.concurrency = 256;
    assert_int_equal(spawn_serve(&o, 0, 1), -1);
    o.concurrency = 1;
    o.truncreport = 50;
    assert_int_equal(spawn_serve(&o, 0, 1), -1);
    assert_int_equal(errno, EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic),
        cmocka_unit_test(test_owner),
        cmocka_unit_test(test_truncate),
        cmocka_unit_test(test_order),
        cmocka_unit_test(test_orphan),
        cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_write_error),
        cmocka_unit_test(test_bad_ops),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
