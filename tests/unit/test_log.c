/* Unit tests for lib/log: qmail's byte filter over all 256 values, whole
 * lines from concurrent writers (with signals arriving), long lines through
 * a slow pipe, timestamps. */
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
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"

static void test_filter(void **state)
{
    (void)state;
    str s = STR_INIT;
    char all[256];
    for (int i = 0; i < 256; i++) all[i] = (char)i;
    assert_int_equal(str_copys(&s, "x:"), 0);
    assert_int_equal(log_safe_cat(&s, all, 256), 0);
    assert_int_equal(s.len, 258);
    for (int i = 0; i < 256; i++) {
        char want = (char)i;
        if (i == '\n') want = '/';
        else if (i < 33 || i > 126 || i == '%') want = '_';
        assert_int_equal(s.s[2 + i], want);
    }
    assert_int_equal(s.s[s.len], 0);
    /* the real examples from qmail's logs */
    assert_int_equal(str_copys(&s, "delivery 1: failure: "), 0);
    static const char rep[] = "Sorry, no mailbox here by that name. (#5.1.1)\n";
    assert_int_equal(log_safe_cat(&s, rep, sizeof rep - 1), 0);
    assert_string_equal(s.s, "delivery 1: failure: Sorry,_no_mailbox_here_by_that_name._(#5.1.1)/");
    assert_int_equal(str_copys(&s, ""), 0);
    assert_int_equal(log_safe_cat(&s, "a\0b%c\r\n", 7), 0);
    assert_string_equal(s.s, "a_b_c_/");
    assert_int_equal(log_safe_cat(&s, "", 0), 0);
    assert_int_equal(s.len, 7);
    str_free(&s);
    /* nothing at all into an unallocated str */
    assert_int_equal(log_safe_cat(&s, "", 0), 0);
    assert_int_equal(s.len, 0);
    /* overflow of the size is refused and the string kept */
    assert_int_equal(str_copys(&s, "keep"), 0);
    errno = 0;
    assert_int_equal(log_safe_cat(&s, "x", SIZE_MAX - 2), -1);
    assert_int_equal(errno, ENOMEM);
    assert_string_equal(s.s, "keep");
    str_free(&s);
}

static void test_stamp(void **state)
{
    (void)state;
    str s = STR_INIT;
    struct timespec ts = { 1234567890, 5000 };
    assert_int_equal(log_cat_stamp(&s, &ts), 0);
    assert_string_equal(s.s, "1234567890.000005 ");
    ts.tv_nsec = 999999999;
    assert_int_equal(str_copys(&s, ""), 0);
    assert_int_equal(log_cat_stamp(&s, &ts), 0);
    assert_string_equal(s.s, "1234567890.999999 ");
    assert_int_equal(str_copys(&s, ""), 0);
    assert_int_equal(log_cat_stamp(&s, NULL), 0);
    unsigned long sec = 0;
    size_t k = scan_ulong(s.s, s.len, &sec);
    assert_true(k >= 10);
    assert_true(sec > 1600000000UL);
    assert_int_equal(s.s[k], '.');
    assert_int_equal(s.len, k + 1 + 6 + 1);
    assert_int_equal(s.s[s.len - 1], ' ');
    str_free(&s);
}

static volatile sig_atomic_t alarms;
static void on_alarm(int sig) { (void)sig; alarms++; }

enum { WRITERS = 8, LINES = 400 };

static void writer(int fd, int id)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;                      /* no SA_RESTART */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = { { 0, 1000 }, { 0, 1000 } };
    setitimer(ITIMER_REAL, &it, NULL);
    str line = STR_INIT;
    for (int i = 0; i < LINES; i++) {
        str_copys(&line, "");
        str_catf(&line, "w%d l%d ", id, i);
        /* lines of varying length up to 3000 bytes, some with their own newline */
        size_t pad = (size_t)((i * 37 + id * 101) % 3000);
        for (size_t k = 0; k < pad; k++) str_catc(&line, (char)('a' + (id + (int)k) % 26));
        if (i % 2) str_catc(&line, '\n');
        if (log_write_line(fd, &line) < 0) _exit(1);
    }
    str_free(&line);
    _exit(0);
}

static void check_lines(const char *data, size_t len)
{
    int seen[WRITERS] = { 0 };
    size_t off = 0, nlines = 0;
    while (off < len) {
        const char *nl = memchr(data + off, '\n', len - off);
        assert_non_null(nl);
        int id = -1, i = -1, used = 0;
        assert_int_equal(sscanf(data + off, "w%d l%d%n", &id, &i, &used), 2);
        assert_int_equal(data[off + (size_t)used], ' ');
        used++;
        assert_true(id >= 0 && id < WRITERS);
        assert_int_equal(i, seen[id]);              /* each writer's lines in order */
        seen[id]++;
        size_t pad = (size_t)((i * 37 + id * 101) % 3000);
        assert_int_equal((size_t)(nl - (data + off)), (size_t)used + pad);
        for (size_t k = 0; k < pad; k++)
            assert_int_equal(data[off + (size_t)used + k], (char)('a' + (id + (int)k) % 26));
        off = (size_t)(nl - data) + 1;
        nlines++;
    }
    assert_int_equal(nlines, WRITERS * LINES);
}

static void test_concurrent_pipe(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t pids[WRITERS];
    for (int w = 0; w < WRITERS; w++) {
        pids[w] = fork();
        assert_true(pids[w] >= 0);
        if (pids[w] == 0) { close(p[0]); writer(p[1], w); }
    }
    close(p[1]);
    size_t cap = (size_t)WRITERS * LINES * 3100, len = 0;
    char *data = malloc(cap);
    assert_non_null(data);
    ssize_t r;
    while ((r = read(p[0], data + len, 1000)) > 0) {      /* a slowish reader */
        len += (size_t)r;
        assert_true(len + 1000 <= cap);
    }
    close(p[0]);
    for (int w = 0; w < WRITERS; w++) {
        int st;
        assert_int_equal(waitpid(pids[w], &st, 0), pids[w]);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    check_lines(data, len);
    free(data);
}

static void test_concurrent_append(void **state)
{
    (void)state;
    char path[] = "/tmp/test_log.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    pid_t pids[WRITERS];
    for (int w = 0; w < WRITERS; w++) {
        pids[w] = fork();
        assert_true(pids[w] >= 0);
        if (pids[w] == 0) {
            int f = open(path, O_WRONLY | O_APPEND);
            if (f < 0) _exit(2);
            writer(f, w);
        }
    }
    for (int w = 0; w < WRITERS; w++) {
        int st;
        assert_int_equal(waitpid(pids[w], &st, 0), pids[w]);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t cap = (size_t)WRITERS * LINES * 3100;
    char *data = malloc(cap);
    assert_non_null(data);
    size_t len = fread(data, 1, cap, f);
    fclose(f);
    unlink(path);
    check_lines(data, len);
    free(data);
}

static void test_long_line_short_writes(void **state)
{
    (void)state;
    /* 200 KB through a pipe read in small bites: written in pieces, nothing lost */
    size_t big = 200000;
    str line = STR_INIT;
    for (size_t i = 0; i < big; i++) assert_int_equal(str_catc(&line, (char)(i % 256)), 0);
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(p[0]);
        _exit(log_write_line(p[1], &line) == 0 ? 0 : 1);
    }
    close(p[1]);
    char *got = malloc(big + 10);
    assert_non_null(got);
    size_t len = 0;
    ssize_t r;
    while ((r = read(p[0], got + len, 333)) > 0) { len += (size_t)r; usleep(10); }
    close(p[0]);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    assert_int_equal(len, big + 1);
    assert_memory_equal(got, line.s, big);
    assert_int_equal(got[big], '\n');
    free(got);
    str_free(&line);

    /* empty line and a NULL-buffer str give "\n"; errors are reported */
    assert_int_equal(pipe(p), 0);
    str empty = STR_INIT;
    assert_int_equal(log_write_line(p[1], &empty), 0);
    char c[4];
    assert_int_equal(read(p[0], c, sizeof c), 1);
    assert_int_equal(c[0], '\n');
    close(p[0]);
    void (*old)(int) = signal(SIGPIPE, SIG_IGN);
    assert_int_equal(log_write_line(p[1], &empty), -1);
    assert_int_equal(errno, EPIPE);
    signal(SIGPIPE, old);
    close(p[1]);
    assert_int_equal(log_write_line(-1, &empty), -1);
    assert_int_equal(errno, EBADF);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filter),
        cmocka_unit_test(test_stamp),
        cmocka_unit_test(test_concurrent_pipe),
        cmocka_unit_test(test_concurrent_append),
        cmocka_unit_test(test_long_line_short_writes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
