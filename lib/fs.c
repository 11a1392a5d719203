/* fs: safe file operations.  See fs.h. */
#include "fs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int fs_writev_all(int fd, struct iovec *iov, int cnt)
{
    while (cnt && iov[0].iov_len == 0) { iov++; cnt--; }
    while (cnt) {
        /* one buffer: plain write(2), as crash tests that stop a program
         * at its Nth write expect */
        ssize_t w = cnt == 1 ? write(fd, iov[0].iov_base, iov[0].iov_len) : writev(fd, iov, cnt);
        size_t done;
        if (w < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                struct pollfd pfd = { .fd = fd, .events = POLLOUT, .revents = 0 };
                if (poll(&pfd, 1, -1) < 0 && errno != EINTR) return -1;
                continue;
            }
            return -1;
        }
        if (w == 0) { errno = EIO; return -1; }
        /* drop what was written, keep the rest for the next writev() */
        done = (size_t)w;
        while (cnt && done >= iov[0].iov_len) {
            done -= iov[0].iov_len;
            iov++;
            cnt--;
        }
        if (cnt) {
            iov[0].iov_base = (char *)iov[0].iov_base + done;
            iov[0].iov_len -= done;
        }
    }
    return 0;
}

int fs_write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len) {
        size_t n = len > SSIZE_MAX ? SSIZE_MAX : len;
        struct iovec v = { .iov_base = (void *)p, .iov_len = n };
        if (fs_writev_all(fd, &v, 1) < 0) return -1;
        p += n;
        len -= n;
    }
    return 0;
}

ssize_t fs_read_all(int fd, void *data, size_t len)
{
    char *p = data;
    size_t got = 0;
    if (len > SSIZE_MAX) { errno = EINVAL; return -1; }
    while (got < len) {
        ssize_t r = read(fd, p + got, len - got);
        if (r < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                struct pollfd pfd = { .fd = fd, .events = POLLIN, .revents = 0 };
                if (poll(&pfd, 1, -1) < 0 && errno != EINTR) return -1;
                continue;
            }
            return -1;
        }
        if (r == 0) break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

int fs_open_nofollow(const char *path, int flags, mode_t mode)
{
    for (;;) {
        int fd = open(path, flags | O_NOFOLLOW | O_CLOEXEC, mode);
        if (fd >= 0 || errno != EINTR) return fd;
    }
}

int fs_open_tmpfile(const char *dir, int flags, mode_t mode)
{
    /* /proc/self/fd/N is how a process without CAP_DAC_READ_SEARCH names
     * the file; without /proc it could not be named at all */
    if (access("/proc/self/fd", X_OK) < 0) { errno = EOPNOTSUPP; return -1; }
    int fd = open(dir, O_TMPFILE | O_CLOEXEC | flags, mode);
    if (fd < 0 && (errno == EISDIR || errno == EINVAL)) errno = EOPNOTSUPP; /* old kernels */
    return fd;
}

int fs_link_tmpfile(int fd, const char *path)
{
    char proc[64];
    /* AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH; /proc works for the owner */
    if (linkat(fd, "", AT_FDCWD, path, AT_EMPTY_PATH) == 0) return 0;
    if (errno != ENOENT && errno != EPERM) return -1;
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    return linkat(AT_FDCWD, proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW);
}

int fs_fsync_dir(const char *dirpath)
{
    int fd, r, e;
    do fd = open(dirpath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    if (fd < 0) return -1;
    r = fsync(fd);
    if (r < 0 && (errno == EINVAL || errno == EROFS)) r = 0; /* cannot sync directories */
    e = errno;
    close(fd);
    errno = e;
    return r < 0 ? -1 : 0;
}

/* Splits path: its directory goes to dir ("." for a bare name), and the last
 * component, trailing slashes dropped, is path[*base .. *base + *baselen). */
static int split(const char *path, str *dir, size_t *base, size_t *baselen)
{
    size_t len = strlen(path), end, i;
    if (!len) { errno = ENOENT; return -1; }
    end = len;
    while (end > 1 && path[end - 1] == '/') end--;
    i = end;
    while (i > 0 && path[i - 1] != '/') i--;
    *base = i;
    *baselen = end - i;
    if (i == 0) return str_copys(dir, ".");
    while (i > 1 && path[i - 1] == '/') i--;   /* "a//b" -> "a", "/b" -> "/" */
    return str_copyb(dir, path, i);
}

int fs_open_parent(const char *filepath)
{
    str dir = STR_INIT;
    size_t base, baselen;
    int fd = -1, e;
    if (split(filepath, &dir, &base, &baselen) == 0) {
        do fd = open(dir.s, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        while (fd < 0 && errno == EINTR);
    }
    e = errno;
    str_free(&dir);
    errno = e;
    return fd;
}

int fs_fsync_parent(const char *filepath)
{
    str dir = STR_INIT;
    size_t base, baselen;
    int r, e;
    if (split(filepath, &dir, &base, &baselen) < 0) { str_free(&dir); return -1; }
    r = fs_fsync_dir(dir.s);
    e = errno;
    str_free(&dir);
    errno = e;
    return r;
}

int fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
    str dir = STR_INIT, tmp = STR_INIT;
    size_t base, baselen, plen = strlen(path);
    int fd = -1, e;

    if (plen && path[plen - 1] == '/') { errno = EISDIR; return -1; }
    {
        /* never rename over a device, FIFO, socket or directory (think of
         * /dev/null given as an output file to a program running as root) */
        struct stat st;
        if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)) {
            errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
            return -1;
        }
    }
    if (split(path, &dir, &base, &baselen) < 0) goto out;
    /* ".<name>.tmpXXXXXX", the name cut short to stay within NAME_MAX */
    if (str_copyb(&tmp, path, base) < 0 || str_catc(&tmp, '.') < 0 ||
        str_catb(&tmp, path + base, baselen > 200 ? 200 : baselen) < 0 ||
        str_cats(&tmp, ".tmpXXXXXX") < 0) goto out;
    fd = mkostemp(tmp.s, O_CLOEXEC);
    if (fd < 0) goto out;
    if (fchmod(fd, mode) < 0 || fs_write_all(fd, data, len) < 0 || fsync(fd) < 0) goto fail;
    e = close(fd);
    fd = -1;
    if (e < 0) goto fail;
    if (rename(tmp.s, path) < 0) goto fail;
    e = fs_fsync_dir(dir.s) < 0 ? errno : 0;
    str_free(&dir);
    str_free(&tmp);
    errno = e;
    return e ? -1 : 0;

fail:
    e = errno;
    if (fd >= 0) close(fd);
    unlink(tmp.s);
    str_free(&dir);
    str_free(&tmp);
    errno = e;
    return -1;
out:
    e = errno;
    str_free(&dir);
    str_free(&tmp);
    errno = e;
    return -1;
}

int fs_read_fd(int fd, str *out, size_t maxbytes)
{
    str t = STR_INIT;
    struct stat st;
    size_t lim = maxbytes == SIZE_MAX ? SIZE_MAX : maxbytes + 1;
    int e;

    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
        if ((unsigned long long)st.st_size > maxbytes) { errno = EFBIG; return -1; }
        /* size hint, plus one byte to see the end of file without growing */
        if (st.st_size > 0 && str_ready(&t, (size_t)st.st_size + 1) < 0) return -1;
    }
    for (;;) {
        size_t want = t.s && t.cap - t.len > 1 ? t.cap - t.len - 1 : 65536;
        ssize_t r;
        if (want > lim - t.len) want = lim - t.len;
        if (want > SSIZE_MAX) want = SSIZE_MAX;
        if (str_readyplus(&t, want) < 0) goto fail;
        r = read(fd, t.s + t.len, want);
        if (r < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                struct pollfd pfd = { .fd = fd, .events = POLLIN, .revents = 0 };
                if (poll(&pfd, 1, -1) < 0 && errno != EINTR) goto fail;
                continue;
            }
            goto fail;
        }
        if (r == 0) break;
        t.len += (size_t)r;
        if (t.len > maxbytes) { errno = EFBIG; goto fail; }
    }
    t.s[t.len] = 0;
    str_free(out);
    *out = t;
    return 0;
fail:
    e = errno;
    str_free(&t);
    errno = e;
    return -1;
}

int fs_read_file(const char *path, str *out, size_t maxbytes)
{
    int fd, r, e;
    do fd = open(path, O_RDONLY | O_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    if (fd < 0) return -1;
    r = fs_read_fd(fd, out, maxbytes);
    e = errno;
    close(fd);
    errno = e;
    return r;
}

static int isdir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int fs_mkdir_p(const char *path, mode_t mode)
{
    str p = STR_INIT;
    size_t i;
    int e = 0;

    if (!*path) { errno = ENOENT; return -1; }
    if (str_copys(&p, path) < 0) return -1;
    for (i = 1; i <= p.len; i++) {
        int last = i == p.len;
        if (!last && (p.s[i] != '/' || p.s[i - 1] == '/')) continue;
        if (last && p.s[i - 1] == '/') break;     /* trailing slash: already done */
        p.s[i] = 0;
        if (mkdir(p.s, mode) < 0) {
            e = errno;
            if (e == EEXIST && last && !isdir(p.s)) break;
            if (isdir(p.s)) e = 0;
            else if (e == EEXIST) e = ENOTDIR;
        }
        if (!last) p.s[i] = '/';
        if (e) break;
    }
    str_free(&p);
    errno = e;
    return e ? -1 : 0;
}

int fs_safe_component(const char *name, size_t len)
{
    if (!name || !len) return 0;
    if (len == 1 && name[0] == '.') return 0;
    if (len == 2 && name[0] == '.' && name[1] == '.') return 0;
    if (memchr(name, '/', len) || memchr(name, '\0', len)) return 0;
    return 1;
}
