/* bounce: bounce bookkeeping.  See bounce.h. */
#include "bounce.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "addr.h"
#include "buf.h"
#include "fs.h"
#include "lock.h"
#include "surf.h"

int bounce_lock(const char *work)
{
    str p = STR_INIT;
    int fd = -1;
    if (str_cats(&p, work) < 0 || str_cats(&p, "/lockbounce") < 0) goto done;
    fd = lock_file_ex(p.s);
done:
    str_free(&p);
    return fd;
}

int bounce_hashpath(str *out, const char *work, const char *addr)
{
    char h[SURF_HASHLEN + 1];
    surf_cookie(h, "", 0, "", addr, "");
    out->len = 0;
    return str_catf(out, "%s/bounce/h/%c/h%s", work, h[0], h + 1);
}

/* path replaced by data: a temporary file, fsync()ed, renamed.  The
 * directory is not synced: a bounce record lost in a crash only means one
 * bounce fewer counted, and bounces arrive by the thousand. */
static int write_file(const char *path, const char *data, size_t len)
{
    str tmp = STR_INIT;
    const char *slash = strrchr(path, '/');
    int fd = -1, r = -1, e;
    if (!slash) { errno = EINVAL; return -1; }
    if (str_catb(&tmp, path, (size_t)(slash - path) + 1) < 0 || str_catc(&tmp, 'H') < 0 ||
        str_cats(&tmp, slash + 2) < 0 || str_catf(&tmp, ".%lu", (unsigned long)getpid()) < 0)
        goto done;
    fd = open(tmp.s, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) goto done;
    if (fs_write_all(fd, data, len) < 0 || fsync(fd) < 0) goto done;
    if (close(fd) < 0) { fd = -1; goto done; }
    fd = -1;
    if (rename(tmp.s, path) < 0) goto done;
    r = 0;
done:
    e = errno;
    if (fd >= 0) close(fd);
    if (r < 0 && tmp.s) unlink(tmp.s);
    str_free(&tmp);
    errno = e;
    return r;
}

static int mkdirs(const char *path)
{
    if (mkdir(path, 0755) == 0 || errno == EEXIST) return 0;
    return -1;
}

/* writes tmp (address, NUL, Return-Path, message), then renames it to fin */
static int store(const char *tmp, const char *fin, const char *addr, const char *sender,
                 const char *head, size_t hlen, msgin *rest)
{
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    buf b;
    str line = STR_INIT;
    size_t kept = 0;
    int e;
    if (fd < 0) return -1;
    if (buf_init(&b, fd, NULL, 0) < 0) goto fail;
    if (str_cats(&line, "Return-Path: <") < 0 || addr_quote(&line, sender, strlen(sender)) < 0 ||
        str_cats(&line, ">\n") < 0)
        goto fail;
    {
        size_t i;
        for (i = 14; i + 2 < line.len; i++)
            if (line.s[i] == '\n') line.s[i] = '_';
    }
    buf_puts(&b, addr);
    buf_put(&b, "", 1);
    buf_putstr(&b, &line);
    if (hlen > BOUNCE_KEEP) hlen = BOUNCE_KEEP;
    buf_put(&b, head, hlen);
    kept = hlen;
    if (rest) {
        int start, r;
        while ((r = msgin_piece(rest, &line, 65536, &start)) > 0) {
            if (kept < BOUNCE_KEEP) {
                size_t n = line.len < BOUNCE_KEEP - kept ? line.len : BOUNCE_KEEP - kept;
                buf_put(&b, line.s, n);
                kept += n;
            }
        }
        if (r < 0) goto fail;
    }
    /* not fsync()ed: a copy lost in a crash is an empty or short record,
     * which ezmlm-warn discards; the count in the hash file is what matters */
    if (buf_flush(&b) < 0) goto fail;
    buf_free(&b);
    str_free(&line);
    if (close(fd) < 0) { fd = -1; goto fail2; }
    if (rename(tmp, fin) < 0) goto fail2;
    return 0;
fail:
    e = errno;
    buf_free(&b);
    close(fd);
    errno = e;
fail2:
    e = errno;
    str_free(&line);
    unlink(tmp);
    errno = e;
    return -1;
}

int bounce_dist(const char *work, const char *addr, unsigned long msgnum, time_t when,
                unsigned addrno, const char *sender, const char *head, size_t hlen, msgin *rest)
{
    str p = STR_INIT, hp = STR_INIT, tmp = STR_INIT, fin = STR_INIT, old = STR_INIT;
    unsigned long d = (unsigned long)when / 10000, f = (unsigned long)when % 10000;
    struct stat st;
    int r = -1;

    if (bounce_hashpath(&hp, work, addr) < 0) goto done;
    if (str_catf(&p, "%s/bounce", work) < 0 || mkdirs(p.s) < 0) goto done;
    if (str_cats(&p, "/d") < 0 || mkdirs(p.s) < 0) goto done;
    if (stat(hp.s, &st) < 0) {
        if (errno != ENOENT) goto done;
        /* the first bounce since the last warning is kept for it */
        if (str_catf(&tmp, "%s/%lu_d%lu.%lu", p.s, d, f, (unsigned long)getpid()) < 0) goto done;
        if (addrno && str_catf(&tmp, ".%u", addrno) < 0) goto done;
        if (str_catf(&fin, "%s/%lu", p.s, d) < 0 || mkdirs(fin.s) < 0) goto done;
        if (str_catf(&fin, "/d%lu.%lu", f, (unsigned long)getpid()) < 0) goto done;
        if (addrno && str_catf(&fin, ".%u", addrno) < 0) goto done;
        if (store(tmp.s, fin.s, addr, sender, head, hlen, rest) < 0) goto done;
    }
    /* one more message number in the hash file */
    p.len = 0;
    if (str_catf(&p, "%s/bounce/h", work) < 0 || mkdirs(p.s) < 0) goto done;
    {
        const char *slash = strrchr(hp.s, '/');
        p.len = 0;
        if (str_catb(&p, hp.s, (size_t)(slash - hp.s)) < 0 || mkdirs(p.s) < 0) goto done;
    }
    if (fs_read_file(hp.s, &old, 1024 * 1024) < 0) {
        if (errno == EFBIG) old.len = 0;   /* absurdly many: start again */
        else if (errno != ENOENT) goto done;
        else old.len = 0;
    }
    if (str_catf(&old, "   %lu\n", msgnum) < 0) goto done;
    if (write_file(hp.s, old.s, old.len) < 0) goto done;
    r = 0;
done:
    str_free(&p);
    str_free(&hp);
    str_free(&tmp);
    str_free(&fin);
    str_free(&old);
    return r;
}

int bounce_warn(const char *work, const char *addr, time_t when, const char *sender,
                const char *head, size_t hlen, msgin *rest)
{
    str p = STR_INIT, tmp = STR_INIT, fin = STR_INIT;
    unsigned long d = (unsigned long)when / 10000, f = (unsigned long)when % 10000;
    int r = -1;
    if (str_catf(&p, "%s/bounce", work) < 0 || mkdirs(p.s) < 0) goto done;
    if (str_cats(&p, "/d") < 0 || mkdirs(p.s) < 0) goto done;
    if (str_catf(&p, "/%lu", d) < 0 || mkdirs(p.s) < 0) goto done;
    if (str_catf(&tmp, "%s/W%lu.%lu", p.s, f, (unsigned long)getpid()) < 0) goto done;
    if (str_catf(&fin, "%s/w%lu.%lu", p.s, f, (unsigned long)getpid()) < 0) goto done;
    r = store(tmp.s, fin.s, addr, sender, head, hlen, rest);
done:
    str_free(&p);
    str_free(&tmp);
    str_free(&fin);
    return r;
}
