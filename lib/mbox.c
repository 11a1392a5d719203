/* mbox: mbox delivery with mboxrd quoting.  See mbox.h. */
#include "mbox.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "datefmt.h"
#include "lock.h"

#define MBOX_INBUF 65536
#define MBOX_OUTBUF 65536

/* ---- buffered output ------------------------------------------------------------- */

struct out {
    int fd;
    int err;          /* errno of the first failure, 0 if none */
    size_t n;
    char *b;
};

static void out_flush(struct out *o)
{
    size_t off = 0;
    if (o->err) { o->n = 0; return; }
    while (off < o->n) {
        ssize_t w = write(o->fd, o->b + off, o->n - off);
        if (w < 0) {
            if (errno == EINTR) continue;
            o->err = errno;
            break;
        }
        if (w == 0) { o->err = EIO; break; }
        off += (size_t)w;
    }
    o->n = 0;
}

static void out_put(struct out *o, const char *s, size_t len)
{
    while (len && !o->err) {
        size_t room = MBOX_OUTBUF - o->n, k = len < room ? len : room;
        memcpy(o->b + o->n, s, k);
        o->n += k;
        s += k;
        len -= k;
        if (o->n == MBOX_OUTBUF) out_flush(o);
    }
}

static void out_putc(struct out *o, char c)
{
    if (o->n == MBOX_OUTBUF) out_flush(o);
    if (!o->err) o->b[o->n++] = c;
}

static void out_repeat(struct out *o, char c, size_t count)
{
    while (count-- && !o->err) out_putc(o, c);
}

/* ---- the append step ------------------------------------------------------------- */

int mbox_append(int mboxfd, const char *fromline, size_t fromlen, const char *prefix,
                size_t prefixlen, int msgfd, int truncate_on_error)
{
    static const char from[] = "From ";
    struct out o;
    char *in;
    off_t start;
    int st = MBOX_OK, e;
    /* quoting state: 0 counting '>' at a line start, 1 matching "From ",
     * 2 inside a line */
    int state = 0;
    size_t gt = 0, fi = 0;
    int wrote = 0, lastnl = 1;

    start = lseek(mboxfd, 0, SEEK_END);
    if (start < 0) return MBOX_ERR_WRITE;
    in = malloc(MBOX_INBUF);
    o.b = malloc(MBOX_OUTBUF);
    if (!in || !o.b) {
        free(in);
        free(o.b);
        errno = ENOMEM;
        return MBOX_ERR_TEMP;
    }
    o.fd = mboxfd;
    o.err = 0;
    o.n = 0;

    if (fromlen) out_put(&o, fromline, fromlen);
    if (prefixlen) out_put(&o, prefix, prefixlen);
    for (;;) {
        ssize_t r = read(msgfd, in, MBOX_INBUF);
        if (r < 0) {
            if (errno == EINTR) continue;
            e = errno;
            st = MBOX_ERR_READ;
            goto fail;
        }
        if (r == 0) break;
        wrote = 1;
        for (ssize_t i = 0; i < r; i++) {
            char c = in[i];
            if (state == 0) {
                if (c == '>') { gt++; continue; }
                state = 1;
                fi = 0;
            }
            if (state == 1) {
                if (c == from[fi]) {
                    if (++fi == 5) {
                        out_repeat(&o, '>', gt + 1);
                        out_put(&o, from, 5);
                        state = 2;
                    }
                    continue;
                }
                /* not a From_ line: what was held back goes out as is */
                out_repeat(&o, '>', gt);
                out_put(&o, from, fi);
                state = 2;
            }
            out_putc(&o, c);
            if (c == '\n') { state = 0; gt = 0; }
        }
        lastnl = state == 0;
        if (o.err) break;
    }
    if (state == 1 || (state == 0 && gt)) {
        out_repeat(&o, '>', gt);
        out_put(&o, from, state == 1 ? fi : 0);
        lastnl = 0;
    }
    if (wrote && !lastnl) out_putc(&o, '\n');
    out_putc(&o, '\n');
    out_flush(&o);
    if (o.err) { e = o.err; st = MBOX_ERR_WRITE; goto fail; }
    if (fsync(mboxfd) < 0 && errno != EINVAL) { e = errno; st = MBOX_ERR_WRITE; goto fail; }
    free(in);
    free(o.b);
    return MBOX_OK;

fail:
    if (truncate_on_error) {
        while (ftruncate(mboxfd, start) < 0 && errno == EINTR) {}
        (void)fsync(mboxfd);
    }
    free(in);
    free(o.b);
    errno = e;
    return st;
}

/* ---- a whole delivery ------------------------------------------------------------ */

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Seconds left before deadline (rounded up), at least 0; -1 without a limit. */
static int left_s(long long deadline)
{
    long long l;
    if (deadline < 0) return -1;
    l = deadline - now_ms();
    if (l <= 0) return 0;
    return (int)((l + 999) / 1000);
}

/* flock with a time limit: 0 locked, -1 with errno (ETIMEDOUT when held). */
static int flock_within(int fd, long long deadline)
{
    long long delay = 10;
    if (deadline < 0) return lock_ex(fd);
    for (;;) {
        long long l;
        if (lock_exnb(fd) == 0) return 0;
        if (errno != EWOULDBLOCK && errno != EAGAIN) return -1;
        l = deadline - now_ms();
        if (l <= 0) { errno = ETIMEDOUT; return -1; }
        if (delay > l) delay = l;
        struct timespec ts = { (time_t)(delay / 1000), (long)(delay % 1000) * 1000000L };
        nanosleep(&ts, NULL);
        if (delay < 1000) delay *= 2;
        if (delay > 1000) delay = 1000;
    }
}

int mbox_deliver(const char *path, const char *fromline, size_t fromlen, const char *prefix,
                 size_t prefixlen, int msgfd, const struct mbox_opts *opts)
{
    static const struct mbox_opts qdef = MBOX_OPTS_QMAIL;
    long long deadline;
    int fd, st, e = 0;
    int dotlocked = 0, flocked = 0, fcntled = 0;

    if (!opts) opts = &qdef;
    if (!path || !*path) { errno = ENOENT; return MBOX_ERR_OPEN; }
    deadline = opts->timeout < 0 ? -1 : now_ms() + (long long)opts->timeout * 1000;

    if (opts->flags & MBOX_DOTLOCK) {
        if (lock_dot_acquire(path, left_s(deadline), opts->dot_stale) == 0) dotlocked = 1;
        else if (errno == ETIMEDOUT) return MBOX_ERR_LOCK;
        else if (errno == ENOMEM) return MBOX_ERR_TEMP;
    }
    fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOCTTY | O_CLOEXEC, 0600);
    if (fd < 0) {
        e = errno;
        st = MBOX_ERR_OPEN;
        goto out;
    }
    if (opts->flags & MBOX_FLOCK) {
        if (flock_within(fd, deadline) == 0) flocked = 1;
        else if (errno == ETIMEDOUT) { e = errno; st = MBOX_ERR_LOCK; goto out; }
    }
    if (opts->flags & MBOX_FCNTL) {
        if (lock_fcntl(fd, left_s(deadline)) == 0) fcntled = 1;
        else if (errno == ETIMEDOUT || errno == EAGAIN || errno == EACCES) {
            e = ETIMEDOUT;
            st = MBOX_ERR_LOCK;
            goto out;
        }
    }
    st = mbox_append(fd, fromline, fromlen, prefix, prefixlen, msgfd,
                     dotlocked || flocked || fcntled);
    if (st != MBOX_OK) e = errno;
out:
    if (fd >= 0) {
        if (fcntled) (void)lock_fcntl_un(fd);
        if (flocked) (void)lock_un(fd);
        close(fd);
    }
    if (dotlocked) (void)lock_dot_release(path);
    errno = e;
    return st;
}

/* ---- the From_ line ---------------------------------------------------------------- */

int mbox_fromline(str *out, const char *sender, size_t len, time_t t)
{
    size_t start = out->len;
    if (str_cats(out, "From ") < 0) return -1;
    if (!len) {
        if (str_cats(out, "MAILER-DAEMON") < 0) goto fail;
    } else {
        if (str_readyplus(out, len) < 0) goto fail;
        for (size_t i = 0; i < len; i++) {
            char c = sender[i];
            if (c == ' ' || c == '\t' || c == '\n') c = '-';
            out->s[out->len++] = c;
        }
        out->s[out->len] = 0;
    }
    if (str_catc(out, ' ') < 0 || datefmt_ctime(out, t) < 0 || str_catc(out, '\n') < 0) goto fail;
    return 0;
fail:
    str_truncate(out, start);
    return -1;
}
