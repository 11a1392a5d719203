/* buf: buffered fd I/O with timeouts.  See buf.h. */
#include "buf.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int buf_init(buf *b, int fd, char *space, size_t size)
{
    memset(b, 0, sizeof *b);
    b->fd = fd;
    b->timeout = -1;
    if (space) {
        if (!size) { errno = EINVAL; return -1; }
        b->x = space;
    } else {
        if (!size) size = BUF_SIZE;
        if (size > (size_t)PTRDIFF_MAX) { errno = ENOMEM; return -1; }
        b->x = malloc(size);
        if (!b->x) { errno = ENOMEM; return -1; }
        b->owned = 1;
    }
    b->size = size;
    return 0;
}

void buf_free(buf *b)
{
    if (b->owned) free(b->x);
    b->x = 0;
    b->size = b->p = b->n = 0;
    b->owned = 0;
}

void buf_settimeout(buf *b, int ms) { b->timeout = ms < 0 ? -1 : ms; }

int buf_error(const buf *b) { return b->err; }

/* A buf serves one direction; the first use decides which. */
static int use(buf *b, char mode)
{
    if (b->mode == mode) return 0;
    if (!b->mode && b->x && b->size) { b->mode = mode; return 0; }
    errno = EINVAL;
    return -1;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until fd is ready for events, at most timeout ms (-1: forever).
 * Readiness includes hang-up and error conditions: the following read()
 * or write() reports them. */
static int waitfd(int fd, short events, int timeout)
{
    long long deadline = timeout >= 0 ? now_ms() + timeout : 0;
    int left = timeout;
    for (;;) {
        struct pollfd pfd = { .fd = fd, .events = events, .revents = 0 };
        int r = poll(&pfd, 1, left);
        if (r > 0) return 0;
        if (r == 0) { errno = ETIMEDOUT; return -1; }
        if (errno != EINTR && errno != EAGAIN) return -1;
        if (timeout >= 0) {
            long long rem = deadline - now_ms();
            if (rem <= 0) { errno = ETIMEDOUT; return -1; }
            left = rem > INT_MAX ? INT_MAX : (int)rem;
        }
    }
}

static ssize_t rawread(buf *b, char *to, size_t len)
{
    if (len > SSIZE_MAX) len = SSIZE_MAX;
    for (;;) {
        if (b->timeout >= 0 && waitfd(b->fd, POLLIN, b->timeout) < 0) return -1;
        ssize_t r = read(b->fd, to, len);
        if (r >= 0) return r;
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            if (b->timeout < 0 && waitfd(b->fd, POLLIN, -1) < 0) return -1;
            continue;
        }
        return -1;
    }
}

/* One successful write of at least one byte. */
static ssize_t rawwrite(buf *b, const char *data, size_t len)
{
    if (len > SSIZE_MAX) len = SSIZE_MAX;
    for (;;) {
        ssize_t w;
        if (b->timeout >= 0 && waitfd(b->fd, POLLOUT, b->timeout) < 0) return -1;
        if (!b->notsock) {
            w = send(b->fd, data, len, MSG_NOSIGNAL | (b->timeout >= 0 ? MSG_DONTWAIT : 0));
            if (w < 0 && errno == ENOTSOCK) { b->notsock = 1; continue; }
        } else {
            size_t n = len;
            /* poll() reports a pipe writable when PIPE_BUF bytes fit */
            if (b->timeout >= 0 && n > PIPE_BUF) n = PIPE_BUF;
            w = write(b->fd, data, n);
        }
        if (w > 0) return w;
        if (w == 0) { errno = EIO; return -1; }
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            if (b->timeout < 0 && waitfd(b->fd, POLLOUT, -1) < 0) return -1;
            continue;
        }
        return -1;
    }
}

/* ---- reading ---- */

size_t buf_buffered(const buf *b) { return b->mode == 'r' ? b->n - b->p : 0; }

char *buf_peek(buf *b) { return b->x + b->p; }

void buf_skip(buf *b, size_t n)
{
    if (b->mode != 'r') return;
    if (n > b->n - b->p) n = b->n - b->p;
    b->p += n;
}

ssize_t buf_feed(buf *b)
{
    ssize_t r;
    if (use(b, 'r') < 0) return -1;
    if (b->p < b->n) return (ssize_t)(b->n - b->p);
    b->p = b->n = 0;
    r = rawread(b, b->x, b->size);
    if (r > 0) b->n = (size_t)r;
    return r;
}

ssize_t buf_read(buf *b, char *out, size_t len)
{
    ssize_t r;
    size_t k;
    if (use(b, 'r') < 0) return -1;
    if (len == 0) return 0;
    if (len > SSIZE_MAX) len = SSIZE_MAX;
    if (b->p == b->n && len >= b->size) return rawread(b, out, len);
    r = buf_feed(b);
    if (r <= 0) return r;
    k = (size_t)r < len ? (size_t)r : len;
    memcpy(out, b->x + b->p, k);
    b->p += k;
    return (ssize_t)k;
}

int buf_getc(buf *b, char *c)
{
    ssize_t r = buf_feed(b);
    if (r <= 0) return (int)r;
    *c = b->x[b->p++];
    return 1;
}

int buf_getline(buf *b, str *line, char delim, size_t max)
{
    int toolong = 0;
    if (line->s) { line->len = 0; line->s[0] = 0; } else line->len = 0;
    for (;;) {
        ssize_t r = buf_feed(b);
        const char *start, *d;
        size_t take, room, keep;
        if (r < 0) return BUF_ERR;
        if (r == 0) {
            if (toolong) return BUF_TOOLONG;
            return line->len ? BUF_PARTIAL : BUF_EOF;
        }
        start = b->x + b->p;
        d = memchr(start, delim, (size_t)r);
        take = d ? (size_t)(d - start) + 1 : (size_t)r;
        room = max - line->len;            /* line->len <= max always */
        keep = take < room ? take : room;
        if (keep < take) toolong = 1;
        if (keep && str_catb(line, start, keep) < 0) return BUF_ERR;
        b->p += take;
        if (d) return toolong ? BUF_TOOLONG : BUF_LINE;
    }
}

/* ---- writing ---- */

static int sticky(buf *b)
{
    if (use(b, 'w') < 0) return -1;
    if (b->err) { errno = b->err; return -1; }
    return 0;
}

static int writeall(buf *b, const char *data, size_t len)
{
    while (len) {
        ssize_t w = rawwrite(b, data, len);
        if (w < 0) { b->err = errno ? errno : EIO; return -1; }
        data += w;
        len -= (size_t)w;
    }
    return 0;
}

int buf_flush(buf *b)
{
    size_t n;
    if (sticky(b) < 0) return -1;
    n = b->n;
    b->n = 0;
    return writeall(b, b->x, n);
}

int buf_put(buf *b, const char *data, size_t len)
{
    if (sticky(b) < 0) return -1;
    while (len > b->size - b->n) {
        size_t room;
        if (b->n == 0) return writeall(b, data, len);   /* too big to buffer */
        room = b->size - b->n;
        memcpy(b->x + b->n, data, room);
        b->n += room;
        data += room;
        len -= room;
        if (buf_flush(b) < 0) return -1;
    }
    if (len) memcpy(b->x + b->n, data, len);
    b->n += len;
    return 0;
}

int buf_puts(buf *b, const char *s) { return buf_put(b, s, strlen(s)); }
int buf_putc(buf *b, char c) { return buf_put(b, &c, 1); }
int buf_putstr(buf *b, const str *s) { return buf_put(b, s->s ? s->s : "", s->len); }

int buf_copy(buf *out, buf *in)
{
    if (sticky(out) < 0) return -2;
    for (;;) {
        ssize_t r = buf_feed(in);
        if (r < 0) return -1;
        if (r == 0) return 0;
        if (buf_put(out, in->x + in->p, (size_t)r) < 0) return -2;
        in->p += (size_t)r;
    }
}
