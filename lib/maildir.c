/* maildir: Maildir delivery.  See maildir.h. */
#include "maildir.h"
#include "fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAILDIR_TRIES 3
#define MAILDIR_BUF 65536
#define MAILDIR_RND 8

/* ---- names ------------------------------------------------------------------ */

int maildir_create(const char *dir)
{
    static const char *const sub[] = { "tmp", "new", "cur" };
    str p = STR_INIT;
    int r = -1;

    if (!dir || !*dir) { errno = EINVAL; return -1; }
    if (mkdir(dir, 0700) < 0 && errno != EEXIST) return -1;
    for (size_t i = 0; i < 3; i++) {
        if (str_copys(&p, dir) < 0 || str_catc(&p, '/') < 0 || str_cats(&p, sub[i]) < 0) goto done;
        if (mkdir(p.s, 0700) < 0) {
            struct stat st;
            if (errno != EEXIST) goto done;
            if (stat(p.s, &st) < 0) goto done;
            if (!S_ISDIR(st.st_mode)) { errno = ENOTDIR; goto done; }
        }
    }
    r = 0;
done:
    {
        int e = errno;
        str_free(&p);
        errno = e;
    }
    return r;
}

int maildir_name_fmt(str *out, const struct maildir_uniq *u)
{
    static const char hex[] = "0123456789abcdef";
    if (str_catf(out, "%llu.M%luP%luQ%luR", u->sec, u->usec, u->pid, u->counter) < 0) return -1;
    for (size_t i = 0; i < u->rndlen; i++) {
        if (str_catc(out, hex[u->rnd[i] >> 4]) < 0) return -1;
        if (str_catc(out, hex[u->rnd[i] & 15]) < 0) return -1;
    }
    if (str_catc(out, '.') < 0) return -1;
    for (size_t i = 0; i < u->hostlen; i++) {
        const char c = u->host[i];
        int r;
        if (c == '/') r = str_cats(out, "\\057");
        else if (c == ':') r = str_cats(out, "\\072");
        else r = str_catc(out, c);
        if (r < 0) return -1;
    }
    return 0;
}

int maildir_name(str *out, unsigned long *counter)
{
    struct maildir_uniq u;
    struct timespec ts;
    unsigned char rnd[MAILDIR_RND];
    char host[256];
    size_t got = 0;

    if (clock_gettime(CLOCK_REALTIME, &ts) < 0) return -1;
    while (got < sizeof rnd) {
        ssize_t r = getrandom(rnd + got, sizeof rnd - got, GRND_NONBLOCK);
        if (r < 0) {
            if (errno == EINTR) continue;
            break;
        }
        got += (size_t)r;
    }
    if (got < sizeof rnd) {
        /* no entropy yet: time, pid and counter already make the name unique */
        unsigned long long x = (unsigned long long)ts.tv_nsec * 0x9e3779b97f4a7c15ULL ^ (unsigned long long)getpid();
        for (size_t i = 0; i < sizeof rnd; i++) { rnd[i] = (unsigned char)x; x >>= 8; }
    }
    if (gethostname(host, sizeof host) < 0 || !host[0]) strcpy(host, "localhost");
    host[sizeof host - 1] = 0;

    u.sec = (unsigned long long)ts.tv_sec;
    u.usec = (unsigned long)(ts.tv_nsec / 1000);
    u.pid = (unsigned long)getpid();
    u.counter = (*counter)++;
    u.rnd = rnd;
    u.rndlen = sizeof rnd;
    u.host = host;
    u.hostlen = strlen(host);
    str_truncate(out, 0);
    return maildir_name_fmt(out, &u);
}

/* dir without trailing slashes ("/" stays "/"). */
static int maildir_setdir(str *out, const char *dir, size_t len)
{
    while (len > 1 && dir[len - 1] == '/') len--;
    return str_copyb(out, dir, len);
}

int maildir_folder(str *out, const char *maildir, const char *folder, size_t len)
{
    if (!maildir || !*maildir || !folder) { errno = EINVAL; return -1; }
    for (size_t i = 0; i + 1 < len; i++)       /* also catches ".." and "..x" */
        if (folder[i] == '.' && folder[i + 1] == '.') { errno = EINVAL; return -1; }
    if (len && folder[0] == '.') { folder++; len--; }
    if (len == 0 || folder[len - 1] == '.' || memchr(folder, '/', len) || memchr(folder, 0, len)) {
        errno = EINVAL;
        return -1;
    }
    if (maildir_setdir(out, maildir, strlen(maildir)) < 0) return -1;
    if (!(out->len == 1 && out->s[0] == '/') && str_catc(out, '/') < 0) return -1;
    if (str_catc(out, '.') < 0) return -1;
    return str_catb(out, folder, len);
}

/* ---- delivery ----------------------------------------------------------------- */

/* Maps errno from opening or linking into the maildir to a status. */
static int maildir_classify(int e)
{
    switch (e) {
    case ENOENT: case ENOTDIR: case EACCES: case EPERM: case ELOOP: case ENAMETOOLONG:
        return MAILDIR_ERR_MISSING;
    case ENOSPC: case EDQUOT: case EIO: case EROFS: case EFBIG:
        return MAILDIR_ERR_WRITE;
    default:
        return MAILDIR_ERR_TEMP;
    }
}

static void maildir_finish(maildir_tmp *t)
{
    int e = errno;
    if (t->fd >= 0) close(t->fd);
    t->fd = -1;
    str_free(&t->dir);
    str_free(&t->name);
    str_free(&t->tmppath);
    str_free(&t->out);
    errno = e;
}

void maildir_tmp_abort(maildir_tmp *t)
{
    int e = errno;
    if (t->fd >= 0) {
        close(t->fd);
        t->fd = -1;
        if (t->tmppath.s && !t->anon) unlink(t->tmppath.s);
    }
    maildir_finish(t);
    errno = e;
}

int maildir_tmp_open(maildir_tmp *t, const char *dir, unsigned long *counter)
{
    int e = 0;
    t->fd = -1;
    t->size = 0;
    t->dir = (str)STR_INIT;
    t->name = (str)STR_INIT;
    t->tmppath = (str)STR_INIT;
    t->out = (str)STR_INIT;
    if (!dir || !*dir) { errno = EINVAL; return MAILDIR_ERR_MISSING; }
    t->anon = 0;
    if (maildir_setdir(&t->dir, dir, strlen(dir)) < 0) goto nomem;
    /* nameless: no tmp/ entry to create and remove (measured: a third
     * less CPU per delivery, and no contention on tmp/ between concurrent
     * deliveries); the final name is made at commit */
    if (str_copy(&t->tmppath, &t->dir) < 0 || str_cats(&t->tmppath, "/tmp") < 0) goto nomem;
    t->fd = fs_open_tmpfile(t->tmppath.s, O_WRONLY | O_NOCTTY, 0600);
    if (t->fd >= 0) {
        if (maildir_name(&t->name, counter) < 0) goto nomem;
        t->anon = 1;
        return MAILDIR_OK;
    }
    for (int i = 0; i < MAILDIR_TRIES; i++) {
        if (maildir_name(&t->name, counter) < 0) goto nomem;
        if (str_copy(&t->tmppath, &t->dir) < 0 || str_cats(&t->tmppath, "/tmp/") < 0 ||
            str_cat(&t->tmppath, &t->name) < 0)
            goto nomem;
        t->fd = open(t->tmppath.s, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0600);
        if (t->fd >= 0) return MAILDIR_OK;
        e = errno;
        if (e != EEXIST && e != EINTR) break;
    }
    maildir_finish(t);
    errno = e;
    return maildir_classify(e);
nomem:
    e = errno;
    maildir_finish(t);
    errno = e;
    return MAILDIR_ERR_TEMP;
}

/* Writes out what maildir_tmp_write collected. */
static int maildir_tmp_flush(maildir_tmp *t)
{
    if (t->out.len && fs_write_all(t->fd, t->out.s, t->out.len) < 0) return MAILDIR_ERR_WRITE;
    str_truncate(&t->out, 0);
    return MAILDIR_OK;
}

/* Small pieces (a message copied line by line) are collected and written
 * MAILDIR_BUF bytes at a time: one system call per line was most of the
 * cost of delivering a large message. */
int maildir_tmp_write(maildir_tmp *t, const char *b, size_t n)
{
    if (t->fd < 0) { errno = EBADF; return MAILDIR_ERR_TEMP; }
    if (t->out.len + n > MAILDIR_BUF && maildir_tmp_flush(t) != MAILDIR_OK) return MAILDIR_ERR_WRITE;
    if (n >= MAILDIR_BUF) {
        if (fs_write_all(t->fd, b, n) < 0) return MAILDIR_ERR_WRITE;
    } else if (str_catb(&t->out, b, n) < 0) {
        return MAILDIR_ERR_TEMP;
    }
    t->size += n;
    return MAILDIR_OK;
}

/* fsync dir/sub; file systems that cannot do it are not an error. */
static int maildir_syncdir(const str *dir, const char *sub)
{
    str p = STR_INIT;
    int r = -1, e;
    if (str_copy(&p, dir) == 0 && str_cats(&p, sub) == 0) r = fs_fsync_dir(p.s);
    e = errno;
    str_free(&p);
    errno = e;
    return r;
}

int maildir_tmp_commit(maildir_tmp *t, int flags, str *final)
{
    return maildir_tmp_commit_info(t, flags, NULL, final);
}

/* Gives the finished file its name in new/ or cur/: the nameless file
 * directly, a tmp/ file by link (rename where the filesystem has no hard
 * links). */
static int maildir_name_final(maildir_tmp *t, const char *newpath)
{
    if (t->anon) return fs_link_tmpfile(t->fd, newpath);
    if (link(t->tmppath.s, newpath) == 0) {
        unlink(t->tmppath.s);               /* a stale tmp name is harmless */
        return 0;
    }
    if (errno != EPERM && errno != ENOSYS && errno != EOPNOTSUPP && errno != EXDEV) return -1;
    return rename(t->tmppath.s, newpath);
}

int maildir_tmp_commit_info(maildir_tmp *t, int flags, const char *info, str *final)
{
    str newpath = STR_INIT;
    int st = MAILDIR_OK, named = 0, e = 0;
    const char *sub = info ? "/cur" : "/new";

    if (t->fd < 0) { maildir_finish(t); errno = EBADF; return MAILDIR_ERR_TEMP; }
    if (maildir_tmp_flush(t) != MAILDIR_OK || fsync(t->fd) < 0) {
        st = MAILDIR_ERR_WRITE;
    } else if (str_copy(&newpath, &t->dir) < 0 || str_cats(&newpath, sub) < 0 ||
               str_catc(&newpath, '/') < 0 || str_cat(&newpath, &t->name) < 0 ||
               ((flags & MAILDIR_SIZE) && str_catf(&newpath, ",S=%llu", t->size) < 0) ||
               (info && (str_cats(&newpath, ":2,") < 0 || str_cats(&newpath, info) < 0))) {
        st = MAILDIR_ERR_TEMP;
    } else if (maildir_name_final(t, newpath.s) < 0) {
        st = errno == EEXIST ? MAILDIR_ERR_TEMP : maildir_classify(errno);
    } else {
        named = 1;
    }
    if (st != MAILDIR_OK) e = errno;
    if (close(t->fd) < 0 && st == MAILDIR_OK) { st = MAILDIR_ERR_WRITE; e = errno; }
    t->fd = -1;
    if (st == MAILDIR_OK && maildir_syncdir(&t->dir, sub) < 0) { st = MAILDIR_ERR_WRITE; e = errno; }
    /* the tmp/ name is gone; making that durable would cost an fsync per
     * delivery and protect nothing (readers clean up stale tmp/ files) */
    if (st != MAILDIR_OK) {
        if (named) unlink(newpath.s);       /* not durable: take it back */
        if (!t->anon) unlink(t->tmppath.s); /* if still there */
    } else if (final && str_copy(final, &newpath) < 0) {
        /* delivered; only the report failed.  Keep the message. */
        str_truncate(final, 0);
    }
    str_free(&newpath);
    maildir_finish(t);
    errno = e;
    return st;
}

int maildir_deliver(const char *dir, const char *prefix, size_t prefixlen, int fd, int flags,
                    unsigned long *counter, str *final, unsigned long long *size)
{
    maildir_tmp t = MAILDIR_TMP_INIT;
    char *buf;
    int st;

    buf = malloc(MAILDIR_BUF);
    if (!buf) { errno = ENOMEM; return MAILDIR_ERR_TEMP; }
    st = maildir_tmp_open(&t, dir, counter);
    if (st != MAILDIR_OK) goto done;
    if (prefixlen && (st = maildir_tmp_write(&t, prefix, prefixlen)) != MAILDIR_OK) goto abort;
    for (;;) {
        ssize_t r = read(fd, buf, MAILDIR_BUF);
        if (r < 0) {
            if (errno == EINTR) continue;
            st = MAILDIR_ERR_READ;
            goto abort;
        }
        if (r == 0) break;
        if ((st = maildir_tmp_write(&t, buf, (size_t)r)) != MAILDIR_OK) goto abort;
    }
    if (size) *size = t.size;
    st = maildir_tmp_commit(&t, flags, final);
    goto done;
abort:
    maildir_tmp_abort(&t);
done:
    {
        int e = errno;
        free(buf);
        errno = e;
    }
    return st;
}
