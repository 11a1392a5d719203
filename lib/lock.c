/* lock: flock, fcntl and dot-locks.  See lock.h. */
#include "lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "str.h"

static int flock_retry(int fd, int op)
{
    for (;;) {
        if (flock(fd, op) == 0) return 0;
        if (errno != EINTR) return -1;
    }
}

int lock_ex(int fd) { return flock_retry(fd, LOCK_EX); }
int lock_exnb(int fd) { return flock_retry(fd, LOCK_EX | LOCK_NB); }
int lock_un(int fd) { return flock_retry(fd, LOCK_UN); }

int lock_file_ex(const char *path)
{
    int fd, e;
    do fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    while (fd < 0 && errno == EINTR);
    if (fd < 0) return -1;
    if (lock_ex(fd) == 0) return fd;
    e = errno;
    close(fd);
    errno = e;
    return -1;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void nap(long long ms)
{
    struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);   /* an interruption only shortens the nap */
}

/* Polling schedule: 10 ms doubling to 1 s, never past the deadline.
 * Returns 0 after a nap, -1 (ETIMEDOUT) when the time is up. */
static int wait_more(long long deadline, long long *delay)
{
    long long left = deadline - now_ms();
    if (left <= 0) { errno = ETIMEDOUT; return -1; }
    nap(*delay < left ? *delay : left);
    if (*delay < 1000) *delay *= 2;
    if (*delay > 1000) *delay = 1000;
    return 0;
}

static int setlk(int fd, int cmd, short type)
{
    struct flock fl;
    memset(&fl, 0, sizeof fl);
    fl.l_type = type;
    fl.l_whence = SEEK_SET;
    fl.l_start = 0;
    fl.l_len = 0;          /* to the end, however the file grows */
    return fcntl(fd, cmd, &fl);
}

int lock_fcntl(int fd, int timeout_seconds)
{
    long long deadline, delay = 10;
    if (timeout_seconds < 0) {
        for (;;) {
            if (setlk(fd, F_SETLKW, F_WRLCK) == 0) return 0;
            if (errno != EINTR) return -1;
        }
    }
    deadline = now_ms() + (long long)timeout_seconds * 1000;
    for (;;) {
        if (setlk(fd, F_SETLK, F_WRLCK) == 0) return 0;
        if (errno == EINTR) continue;
        if (errno != EACCES && errno != EAGAIN) return -1;
        if (wait_more(deadline, &delay) < 0) return -1;
    }
}

int lock_fcntl_un(int fd)
{
    for (;;) {
        if (setlk(fd, F_SETLK, F_UNLCK) == 0) return 0;
        if (errno != EINTR) return -1;
    }
}

/* Writes our pid into the temporary file and closes it. */
static int write_pid(int fd)
{
    str s = STR_INIT;
    size_t off = 0;
    int r = -1;
    if (str_catulong(&s, (unsigned long)getpid()) < 0 || str_catc(&s, '\n') < 0) goto out;
    while (off < s.len) {
        ssize_t w = write(fd, s.s + off, s.len - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) { if (w == 0) errno = EIO; goto out; }
        off += (size_t)w;
    }
    r = 0;
out:
    str_free(&s);
    return r;
}

int lock_dot_acquire(const char *mbox, int timeout_seconds, int stale_seconds)
{
    str lock = STR_INIT;
    int r = -1, e;
    if (!*mbox) { errno = ENOENT; return -1; }
    if (str_copys(&lock, mbox) == 0 && str_cats(&lock, ".lock") == 0)
        r = lock_dot_acquire_name(lock.s, timeout_seconds, stale_seconds);
    e = errno;
    str_free(&lock);
    errno = e;
    return r;
}

int lock_dot_acquire_name(const char *lockname, int timeout_seconds, int stale_seconds)
{
    str lock = STR_INIT, tmp = STR_INIT;
    struct stat st;
    long long start, deadline, delay = 10;
    time_t server_start;
    int fd, e = 0, r = -1;

    if (!*lockname) { errno = ENOENT; return -1; }
    if (str_copys(&lock, lockname) < 0 ||
        str_copy(&tmp, &lock) < 0 || str_cats(&tmp, ".XXXXXX") < 0) goto out;
    fd = mkostemp(tmp.s, O_CLOEXEC);
    if (fd < 0) goto out;
    e = write_pid(fd) < 0 ? errno : 0;
    if (close(fd) < 0 && !e) e = errno;
    /* the temporary file's mtime is "now" on the file server's clock */
    if (!e && stat(tmp.s, &st) < 0) e = errno;
    if (e) goto cleanup;
    server_start = st.st_mtime;
    start = now_ms();
    deadline = start + (timeout_seconds < 0 ? 0 : (long long)timeout_seconds * 1000);

    for (;;) {
        struct stat ls;
        if (link(tmp.s, lock.s) == 0) break;
        e = errno;
        if (stat(tmp.s, &st) == 0 && st.st_nlink == 2) break;   /* lost NFS reply */
        if (e != EEXIST) goto cleanup;
        if (lstat(lock.s, &ls) < 0) {
            if (errno == ENOENT) continue;      /* just released: try again */
            e = errno;
            goto cleanup;
        }
        if (stale_seconds >= 0) {
            time_t now = server_start + (time_t)((now_ms() - start) / 1000);
            if (now - ls.st_mtime > stale_seconds) {
                struct stat again;
                /* remove only the lock judged stale, not a fresh one since */
                if (lstat(lock.s, &again) == 0 && again.st_ino == ls.st_ino &&
                    again.st_dev == ls.st_dev && again.st_mtime == ls.st_mtime &&
                    unlink(lock.s) == 0)
                    continue;
            }
        }
        if (timeout_seconds < 0) {
            nap(delay);
            if (delay < 1000) delay *= 2;
            if (delay > 1000) delay = 1000;
        } else if (wait_more(deadline, &delay) < 0) {
            e = ETIMEDOUT;
            goto cleanup;
        }
    }
    e = 0;
    r = 0;
cleanup:
    unlink(tmp.s);
    errno = e;
out:
    e = errno;
    str_free(&lock);
    str_free(&tmp);
    errno = e;
    return r;
}

int lock_dot_release(const char *mbox)
{
    str lock = STR_INIT;
    int r = -1, e;
    if (str_copys(&lock, mbox) == 0 && str_cats(&lock, ".lock") == 0) r = unlink(lock.s);
    e = errno;
    str_free(&lock);
    errno = e;
    return r;
}

int lock_dot_release_name(const char *lockname)
{
    return unlink(lockname);
}
