/* log: activity log lines.  See log.h. */
#include "log.h"

#include <sys/uio.h>

#include "fs.h"

int log_safe_cat(str *out, const char *bytes, size_t n)
{
    size_t start;
    if (str_readyplus(out, n) < 0) return -1;
    start = out->len;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)bytes[i];
        char o;
        if (c == '\n') o = '/';
        else if (c < 33 || c > 126 || c == '%') o = '_';
        else o = (char)c;
        out->s[start + i] = o;
    }
    out->len = start + n;
    out->s[out->len] = 0;
    return 0;
}

int log_write_line(int fd, const str *line)
{
    static const char nl[] = "\n";
    const char *s = line->s ? line->s : "";
    size_t len = line->len;
    struct iovec iov[2];
    int cnt = 1;

    iov[0].iov_base = (void *)s;
    iov[0].iov_len = len;
    if (!len || s[len - 1] != '\n') {
        iov[1].iov_base = (void *)nl;
        iov[1].iov_len = 1;
        cnt = 2;
    }
    return fs_writev_all(fd, iov, cnt);
}

int log_cat_stamp(str *out, const struct timespec *ts)
{
    struct timespec now;
    if (!ts) {
        if (clock_gettime(CLOCK_REALTIME, &now) < 0) return -1;
        ts = &now;
    }
    return str_catf(out, "%lld.%06ld ", (long long)ts->tv_sec, (long)(ts->tv_nsec / 1000));
}
