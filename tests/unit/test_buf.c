/* Unit tests for lib/buf: lines, NULs, short reads, EINTR, timeouts,
 * sticky write errors, copying in bounded memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"

/* A child writes the given chunks to fd with a pause between them, then exits. */
static pid_t slow_writer(int fd, const char *const *chunks, const size_t *lens,
                         size_t count, useconds_t pause)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        for (size_t i = 0; i < count; i++) {
            if (pause) usleep(pause);
            size_t off = 0;
            while (off < lens[i]) {
                ssize_t w = write(fd, chunks[i] + off, lens[i] - off);
                if (w <= 0) _exit(1);
                off += (size_t)w;
            }
        }
        _exit(0);
    }
    return pid;
}

static void reap(pid_t pid, int want)
{
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), want);
}

static int pipe_with(const char *data, size_t len)
{
    int p[2];
    assert_int_equal(pipe(p), 0);
    assert_true(len < 60000);
    if (len) assert_int_equal(write(p[1], data, len), (ssize_t)len);
    close(p[1]);
    return p[0];
}

static void test_lines_and_nul(void **state)
{
    (void)state;
    static const char in[] = "one\nt\0o\n\nlast";
    int fd = pipe_with(in, sizeof in - 1);
    buf b;
    str line = STR_INIT;
    assert_int_equal(buf_init(&b, fd, NULL, 0), 0);
    assert_int_equal(buf_getline(&b, &line, '\n', 100), BUF_LINE);
    assert_int_equal(line.len, 4);
    assert_memory_equal(line.s, "one\n", 4);
    assert_int_equal(buf_getline(&b, &line, '\n', 100), BUF_LINE);
    assert_int_equal(line.len, 4);
    assert_memory_equal(line.s, "t\0o\n", 4);
    assert_int_equal(buf_getline(&b, &line, '\n', 100), BUF_LINE);
    assert_int_equal(line.len, 1);
    assert_int_equal(buf_getline(&b, &line, '\n', 100), BUF_PARTIAL);
    assert_int_equal(line.len, 4);
    assert_memory_equal(line.s, "last", 4);
    assert_int_equal(buf_getline(&b, &line, '\n', 100), BUF_EOF);
    assert_int_equal(line.len, 0);
    assert_int_equal(buf_getline(&b, &line, '\n', 100), BUF_EOF);
    /* NUL as the delimiter (qmail's envelope records) */
    close(fd);
    buf_free(&b);
    fd = pipe_with("Fa@b\0Tc@d\0\0", 11);
    assert_int_equal(buf_init(&b, fd, NULL, 0), 0);
    assert_int_equal(buf_getline(&b, &line, '\0', 100), BUF_LINE);
    assert_memory_equal(line.s, "Fa@b\0", 5);
    assert_int_equal(buf_getline(&b, &line, '\0', 100), BUF_LINE);
    assert_int_equal(buf_getline(&b, &line, '\0', 100), BUF_LINE);
    assert_int_equal(line.len, 1);
    assert_int_equal(buf_getline(&b, &line, '\0', 100), BUF_EOF);
    close(fd);
    buf_free(&b);
    str_free(&line);
}

static void test_toolong(void **state)
{
    (void)state;
    /* a 50000-byte line through a 16-byte buffer, kept to 10 bytes */
    size_t big = 50000;
    char *in = malloc(big + 20);
    assert_non_null(in);
    memset(in, 'x', big);
    in[0] = 'A';
    in[big - 1] = '\n';
    memcpy(in + big, "ok\n0123456789A", 14);
    int fd = pipe_with(in, big + 14);
    char space[16];
    buf b;
    str line = STR_INIT;
    assert_int_equal(buf_init(&b, fd, space, sizeof space), 0);
    assert_int_equal(buf_getline(&b, &line, '\n', 10), BUF_TOOLONG);
    assert_int_equal(line.len, 10);
    assert_memory_equal(line.s, "Axxxxxxxxx", 10);
    assert_int_equal(buf_getline(&b, &line, '\n', 10), BUF_LINE);
    assert_string_equal(line.s, "ok\n");
    /* exactly max bytes without delimiter at EOF is partial; one more is too long */
    assert_int_equal(buf_getline(&b, &line, '\n', 10), BUF_TOOLONG);
    assert_int_equal(line.len, 10);
    assert_int_equal(buf_getline(&b, &line, '\n', 10), BUF_EOF);
    close(fd);

    fd = pipe_with("0123456789abcdefghi\n", 20);
    assert_int_equal(buf_init(&b, fd, space, sizeof space), 0);
    assert_int_equal(buf_getline(&b, &line, '\n', 20), BUF_LINE);   /* exactly max */
    assert_int_equal(line.len, 20);
    close(fd);
    fd = pipe_with("0123456789", 10);
    assert_int_equal(buf_init(&b, fd, space, sizeof space), 0);
    assert_int_equal(buf_getline(&b, &line, '\n', 10), BUF_PARTIAL);
    assert_int_equal(line.len, 10);
    close(fd);

    /* max 0: any line is too long, and nothing is stored */
    fd = pipe_with("a\n\n", 3);
    assert_int_equal(buf_init(&b, fd, space, sizeof space), 0);
    assert_int_equal(buf_getline(&b, &line, '\n', 0), BUF_TOOLONG);
    assert_int_equal(line.len, 0);
    assert_int_equal(buf_getline(&b, &line, '\n', 0), BUF_TOOLONG);
    assert_int_equal(buf_getline(&b, &line, '\n', SIZE_MAX), BUF_EOF);
    close(fd);
    free(in);
    str_free(&line);
}

static void test_short_reads(void **state)
{
    (void)state;
    /* lines split at every awkward place, bytes trickling in */
    static const char *const chunks[] = { "HE", "LO x\r", "\nMA", "IL FROM:<a@b>\r\n", "QU", "IT\r\n" };
    size_t lens[6];
    for (int i = 0; i < 6; i++) lens[i] = strlen(chunks[i]);
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t pid = slow_writer(p[1], chunks, lens, 6, 20000);
    close(p[1]);
    char space[4];
    buf b;
    str line = STR_INIT;
    assert_int_equal(buf_init(&b, p[0], space, sizeof space), 0);
    buf_settimeout(&b, 5000);
    assert_int_equal(buf_getline(&b, &line, '\n', 1000), BUF_LINE);
    assert_string_equal(line.s, "HELO x\r\n");
    assert_int_equal(buf_getline(&b, &line, '\n', 1000), BUF_LINE);
    assert_string_equal(line.s, "MAIL FROM:<a@b>\r\n");
    char c;
    assert_int_equal(buf_getc(&b, &c), 1);
    assert_int_equal(c, 'Q');
    char out[10];
    ssize_t r = buf_read(&b, out, sizeof out);
    assert_true(r >= 1);
    assert_int_equal(out[0], 'U');
    str_free(&line);
    while (buf_read(&b, out, sizeof out) > 0) {}
    assert_int_equal(buf_read(&b, out, sizeof out), 0);
    close(p[0]);
    reap(pid, 0);
}

static void test_pipelining(void **state)
{
    (void)state;
    int fd = pipe_with("RSET\r\nNOOP\r\n", 12);
    buf b;
    str line = STR_INIT;
    assert_int_equal(buf_init(&b, fd, NULL, 64), 0);
    assert_int_equal(buf_buffered(&b), 0);
    assert_int_equal(buf_getline(&b, &line, '\n', 512), BUF_LINE);
    assert_int_equal(buf_buffered(&b), 6);     /* NOOP already read */
    assert_memory_equal(buf_peek(&b), "NOOP\r\n", 6);
    buf_skip(&b, 4);
    assert_int_equal(buf_feed(&b), 2);
    buf_skip(&b, 100);                          /* clamped */
    assert_int_equal(buf_buffered(&b), 0);
    assert_int_equal(buf_feed(&b), 0);
    close(fd);
    buf_free(&b);
    str_free(&line);
}

static volatile sig_atomic_t alarms;
static void on_alarm(int sig) { (void)sig; alarms++; }

static void test_eintr(void **state)
{
    (void)state;
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;          /* no SA_RESTART: syscalls see EINTR */
    sigemptyset(&sa.sa_mask);
    assert_int_equal(sigaction(SIGALRM, &sa, &old), 0);
    struct itimerval it = { { 0, 5000 }, { 0, 5000 } }, off = { { 0, 0 }, { 0, 0 } };

    for (int timeout = -1; timeout <= 5000; timeout += 5001) {
        static const char *const chunks[] = { "abc", "def\n" };
        const size_t lens[] = { 3, 4 };
        int p[2];
        assert_int_equal(pipe(p), 0);
        pid_t pid = slow_writer(p[1], chunks, lens, 2, 150000);
        close(p[1]);
        buf b;
        str line = STR_INIT;
        assert_int_equal(buf_init(&b, p[0], NULL, 0), 0);
        buf_settimeout(&b, timeout);
        alarms = 0;
        assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
        int r = buf_getline(&b, &line, '\n', 100);
        assert_int_equal(setitimer(ITIMER_REAL, &off, NULL), 0);
        assert_int_equal(r, BUF_LINE);
        assert_string_equal(line.s, "abcdef\n");
        assert_true(alarms > 5);
        close(p[0]);
        buf_free(&b);
        str_free(&line);
        reap(pid, 0);
    }

    /* the timeout still counts across interruptions */
    int p[2];
    assert_int_equal(pipe(p), 0);
    buf b;
    char c;
    assert_int_equal(buf_init(&b, p[0], NULL, 0), 0);
    buf_settimeout(&b, 150);
    alarms = 0;
    assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
    assert_int_equal(buf_getc(&b, &c), -1);
    assert_int_equal(errno, ETIMEDOUT);
    assert_int_equal(setitimer(ITIMER_REAL, &off, NULL), 0);
    assert_true(alarms > 5);
    close(p[0]);
    close(p[1]);
    buf_free(&b);
    assert_int_equal(sigaction(SIGALRM, &old, NULL), 0);
}

static void test_read_timeout(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    buf b;
    str line = STR_INIT;
    assert_int_equal(buf_init(&b, p[0], NULL, 0), 0);
    buf_settimeout(&b, 100);
    assert_int_equal(write(p[1], "partial", 7), 7);
    errno = 0;
    assert_int_equal(buf_getline(&b, &line, '\n', 100), BUF_ERR);
    assert_int_equal(errno, ETIMEDOUT);
    assert_int_equal(line.len, 7);     /* what was consumed is reported */
    /* the buf is still usable */
    assert_int_equal(write(p[1], "\n", 1), 1);
    assert_int_equal(buf_getline(&b, &line, '\n', 100), BUF_LINE);
    assert_string_equal(line.s, "\n");
    /* timeout 0: poll only */
    buf_settimeout(&b, 0);
    char c;
    assert_int_equal(buf_getc(&b, &c), -1);
    assert_int_equal(errno, ETIMEDOUT);
    close(p[0]);
    close(p[1]);
    buf_free(&b);
    str_free(&line);

    /* a non-blocking fd without timeout waits in poll instead of failing */
    assert_int_equal(pipe(p), 0);
    assert_int_equal(fcntl(p[0], F_SETFL, O_NONBLOCK), 0);
    static const char *const chunks[] = { "late" };
    const size_t lens[] = { 4 };
    pid_t pid = slow_writer(p[1], chunks, lens, 1, 100000);
    close(p[1]);
    assert_int_equal(buf_init(&b, p[0], NULL, 0), 0);
    char out[16];
    assert_int_equal(buf_read(&b, out, sizeof out), 4);
    assert_memory_equal(out, "late", 4);
    close(p[0]);
    buf_free(&b);
    reap(pid, 0);
}

static void test_write_basic(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    char space[8];
    buf b;
    assert_int_equal(buf_init(&b, p[1], space, sizeof space), 0);
    assert_int_equal(buf_puts(&b, "abc"), 0);
    assert_int_equal(buf_putc(&b, 0), 0);
    assert_int_equal(buf_put(&b, "0123456789ABCDEFGHIJ", 20), 0);  /* larger than space */
    str s = STR_INIT;
    assert_int_equal(str_copyb(&s, "x\0y", 3), 0);
    assert_int_equal(buf_putstr(&b, &s), 0);
    str_free(&s);
    assert_int_equal(buf_putstr(&b, &s), 0);                         /* empty, NULL s */
    assert_int_equal(buf_flush(&b), 0);
    assert_int_equal(buf_flush(&b), 0);
    assert_int_equal(buf_error(&b), 0);
    close(p[1]);
    char got[64];
    assert_int_equal(read(p[0], got, sizeof got), 27);
    assert_memory_equal(got, "abc\0" "0123456789ABCDEFGHIJx\0y", 27);
    close(p[0]);

    /* static initialisation on caller space */
    assert_int_equal(pipe(p), 0);
    buf st = BUF_INIT(p[1], space, sizeof space);
    assert_int_equal(buf_puts(&st, "static"), 0);
    assert_int_equal(buf_flush(&st), 0);
    assert_int_equal(read(p[0], got, sizeof got), 6);
    close(p[0]);
    close(p[1]);

    /* a buf has one direction */
    int fd = pipe_with("z", 1);
    assert_int_equal(buf_init(&b, fd, space, sizeof space), 0);
    assert_int_equal(buf_getc(&b, &got[0]), 1);
    errno = 0;
    assert_int_equal(buf_puts(&b, "no"), -1);
    assert_int_equal(errno, EINVAL);
    close(fd);
    assert_int_equal(buf_init(&b, 1, space, 0), -1);
    assert_int_equal(errno, EINVAL);
}

static void test_write_timeout_sticky(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    buf b;
    assert_int_equal(buf_init(&b, p[1], NULL, 0), 0);
    buf_settimeout(&b, 100);
    char *big = calloc(1, 300000);
    assert_non_null(big);
    /* nobody reads: the pipe fills up and the wait expires */
    assert_int_equal(buf_put(&b, big, 300000), -1);
    assert_int_equal(errno, ETIMEDOUT);
    assert_int_equal(buf_error(&b), ETIMEDOUT);
    errno = 0;
    assert_int_equal(buf_puts(&b, "x"), -1);
    assert_int_equal(errno, ETIMEDOUT);
    assert_int_equal(buf_flush(&b), -1);
    assert_int_equal(errno, ETIMEDOUT);
    close(p[0]);
    close(p[1]);
    buf_free(&b);

    /* a slow reader is fine: each wait is short */
    assert_int_equal(pipe(p), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(p[1]);
        char tmp[1000];
        size_t total = 0;
        ssize_t r;
        while ((r = read(p[0], tmp, sizeof tmp)) > 0) { total += (size_t)r; usleep(100); }
        _exit(total == 300000 ? 0 : 1);
    }
    close(p[0]);
    assert_int_equal(buf_init(&b, p[1], NULL, 0), 0);
    buf_settimeout(&b, 2000);
    assert_int_equal(buf_put(&b, big, 300000), 0);
    assert_int_equal(buf_flush(&b), 0);
    close(p[1]);
    buf_free(&b);
    reap(pid, 0);
    free(big);
}

static void test_broken_peer(void **state)
{
    (void)state;
    /* socket: EPIPE without SIGPIPE, even with the default disposition */
    void (*old)(int) = signal(SIGPIPE, SIG_DFL);
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    close(sv[1]);
    buf b;
    assert_int_equal(buf_init(&b, sv[0], NULL, 0), 0);
    assert_int_equal(buf_puts(&b, "250 ok\r\n"), 0);
    assert_int_equal(buf_flush(&b), -1);
    assert_int_equal(errno, EPIPE);
    assert_int_equal(buf_error(&b), EPIPE);
    close(sv[0]);
    buf_free(&b);
    /* pipe: EPIPE when SIGPIPE is ignored */
    signal(SIGPIPE, SIG_IGN);
    int p[2];
    assert_int_equal(pipe(p), 0);
    close(p[0]);
    assert_int_equal(buf_init(&b, p[1], NULL, 0), 0);
    buf_settimeout(&b, 1000);
    assert_int_equal(buf_puts(&b, "x"), 0);
    assert_int_equal(buf_flush(&b), -1);
    assert_int_equal(errno, EPIPE);
    close(p[1]);
    buf_free(&b);
    signal(SIGPIPE, old);
}

static void test_copy(void **state)
{
    (void)state;
    signal(SIGPIPE, SIG_IGN);
    size_t total = 1000003;
    char *data = malloc(total);
    assert_non_null(data);
    for (size_t i = 0; i < total; i++) data[i] = (char)(i * 7 + i / 251);
    int in[2], out[2];
    assert_int_equal(pipe(in), 0);
    assert_int_equal(pipe(out), 0);
    /* writer: irregular chunks */
    pid_t w = fork();
    assert_true(w >= 0);
    if (w == 0) {
        close(in[0]); close(out[0]); close(out[1]);
        size_t off = 0, step = 1;
        while (off < total) {
            size_t n = step < total - off ? step : total - off;
            if (write(in[1], data + off, n) != (ssize_t)n) _exit(1);
            off += n;
            step = step * 3 % 70001 + 1;
        }
        _exit(0);
    }
    /* reader: checks every byte */
    pid_t r = fork();
    assert_true(r >= 0);
    if (r == 0) {
        close(in[0]); close(in[1]); close(out[1]);
        char tmp[4096];
        size_t off = 0;
        ssize_t k;
        while ((k = read(out[0], tmp, sizeof tmp)) > 0) {
            if (off + (size_t)k > total || memcmp(tmp, data + off, (size_t)k)) _exit(1);
            off += (size_t)k;
        }
        _exit(off == total ? 0 : 2);
    }
    close(in[1]);
    close(out[0]);
    char s1[500], s2[333];
    buf bi, bo;
    assert_int_equal(buf_init(&bi, in[0], s1, sizeof s1), 0);
    assert_int_equal(buf_init(&bo, out[1], s2, sizeof s2), 0);
    buf_settimeout(&bi, 60000);
    buf_settimeout(&bo, 60000);
    char first[3];
    assert_int_equal(buf_read(&bi, first, 3), 3);   /* copy starts mid-stream */
    assert_int_equal(buf_put(&bo, first, 3), 0);
    assert_int_equal(buf_copy(&bo, &bi), 0);
    assert_int_equal(buf_flush(&bo), 0);
    close(in[0]);
    close(out[1]);
    reap(w, 0);
    reap(r, 0);
    free(data);

    /* read error vs write error */
    int dir = open(".", O_RDONLY | O_DIRECTORY);
    assert_true(dir >= 0);
    int p[2];
    assert_int_equal(pipe(p), 0);
    assert_int_equal(buf_init(&bi, dir, s1, sizeof s1), 0);
    assert_int_equal(buf_init(&bo, p[1], s2, sizeof s2), 0);
    assert_int_equal(buf_copy(&bo, &bi), -1);
    assert_int_equal(errno, EISDIR);
    close(dir);
    int src = pipe_with("some bytes", 10);
    close(p[0]);
    assert_int_equal(buf_init(&bi, src, s1, sizeof s1), 0);
    assert_int_equal(buf_init(&bo, p[1], s2, 4), 0);
    assert_int_equal(buf_copy(&bo, &bi), -2);
    assert_int_equal(errno, EPIPE);
    close(src);
    close(p[1]);
}

static void test_sizes(void **state)
{
    (void)state;
    buf b;
    errno = 0;
    assert_int_equal(buf_init(&b, 0, NULL, SIZE_MAX), -1);
    assert_int_equal(errno, ENOMEM);
    /* a huge request against a small buffer returns what is buffered, nothing more */
    int fd = pipe_with("abcdef", 6);
    char space[4], out[8];
    assert_int_equal(buf_init(&b, fd, space, sizeof space), 0);
    assert_int_equal(buf_getc(&b, &out[0]), 1);
    assert_int_equal(buf_read(&b, out, SIZE_MAX), 3);
    assert_memory_equal(out, "bcd", 3);
    assert_int_equal(buf_read(&b, out, 0), 0);
    close(fd);
    /* a freed buf refuses to work instead of touching freed memory */
    assert_int_equal(buf_init(&b, 0, NULL, 16), 0);
    buf_free(&b);
    assert_int_equal(buf_feed(&b), -1);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(buf_buffered(&b), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines_and_nul),
        cmocka_unit_test(test_toolong),
        cmocka_unit_test(test_short_reads),
        cmocka_unit_test(test_pipelining),
        cmocka_unit_test(test_eintr),
        cmocka_unit_test(test_read_timeout),
        cmocka_unit_test(test_write_basic),
        cmocka_unit_test(test_write_timeout_sticky),
        cmocka_unit_test(test_broken_peer),
        cmocka_unit_test(test_copy),
        cmocka_unit_test(test_sizes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
