/* quota: Maildir++ quotas (maildirsize).  See quota.h. */
#include "quota.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs.h"

static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_blank(char c) { return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r'; }

/* ---- definitions and names ----------------------------------------------------------- */

void quota_parse_limit(const char *s, size_t len, quota_limit *q)
{
    size_t i = 0;
    q->bytes = 0;
    q->count = 0;
    while (i < len) {
        if (!is_digit(s[i])) {
            i++;
            continue;
        }
        int64_t v = 0;
        while (i < len && is_digit(s[i])) {
            int d = s[i++] - '0';
            if (v > (INT64_MAX - d) / 10) v = INT64_MAX;
            else v = v * 10 + d;
        }
        if (i < len && s[i] == 'S') q->bytes = v;
        else if (i < len && s[i] == 'C') q->count = v;
    }
}

int quota_format_limit(str *out, const quota_limit *q)
{
    size_t mark = out->s ? out->len : 0;
    int r = 0;
    if (q->bytes > 0) r = str_catf(out, "%lldS", (long long)q->bytes);
    if (r == 0 && q->count > 0)
        r = str_catf(out, "%s%lldC", q->bytes > 0 ? "," : "", (long long)q->count);
    if (r < 0 && out->s) str_truncate(out, mark);
    return r;
}

int quota_format_line(str *out, int64_t bytes, int64_t count)
{
    return str_catf(out, "%12lld %12lld\n", (long long)bytes, (long long)count);
}

static const char *last_component(const char *name, size_t len, size_t *n)
{
    const char *p = name + len;
    while (p > name && p[-1] != '/') p--;
    *n = (size_t)(name + len - p);
    return p;
}

int quota_name_size(const char *name, size_t len, uint64_t *size)
{
    size_t n, end, i;
    const char *b = last_component(name, len, &n);
    const char *colon = memchr(b, ':', n);
    end = colon ? (size_t)(colon - b) : n;
    for (i = end; i-- > 0;) {
        if (b[i] == ',' && i + 2 < n && b[i + 1] == 'S' && b[i + 2] == '=') {
            uint64_t v = 0;
            size_t j = i + 3;
            while (j < n && is_digit(b[j])) {
                unsigned d = (unsigned)(b[j++] - '0');
                if (v > (UINT64_MAX - d) / 10) return 0;
                v = v * 10 + d;
            }
            *size = v;
            return 1;
        }
    }
    return 0;
}

int quota_name_counts(const char *name, size_t len)
{
    size_t n, i;
    const char *b = last_component(name, len, &n);
    for (i = 0; i + 2 < n; i++) {
        if (b[i] != ':' || b[i + 1] != '2' || b[i + 2] != ',') continue;
        for (i += 3; i < n && b[i] >= 'A' && b[i] <= 'Z'; i++)
            if (b[i] == 'T') return 0;
        break;
    }
    return 1;
}

static int is_folder(const char *dir)
{
    str p = STR_INIT;
    struct stat st;
    int r;
    if (str_copys(&p, dir) < 0 || str_cats(&p, "/maildirfolder") < 0) {
        str_free(&p);
        return -1;
    }
    r = stat(p.s, &st) == 0;
    str_free(&p);
    return r;
}

int quota_topdir(str *out, const char *maildir)
{
    str d = STR_INIT;
    int k;
    if (str_copys(&d, maildir) < 0) return -1;
    /* a folder's parent; a few levels at most (a folder in a folder is
       not Maildir++, but a loop must not be possible) */
    for (k = 0; k < 4; k++) {
        int f = is_folder(d.s);
        if (f < 0) goto fail;
        if (!f) break;
        if (str_cats(&d, "/..") < 0) goto fail;
    }
    if (str_copy(out, &d) < 0) goto fail;
    str_free(&d);
    return 0;
fail:
    str_free(&d);
    return -1;
}

/* ---- reading maildirsize ----------------------------------------------------------------- */

/* Parses an optionally negative decimal at s[*i..len).  Returns 1 with *v,
 * 0 when there are no digits, -1 when it does not fit. */
static int scan_int(const char *s, size_t len, size_t *i, int64_t *v)
{
    size_t j = *i;
    int neg = 0, over = 0;
    int64_t x = 0;
    if (j < len && s[j] == '-') {
        neg = 1;
        j++;
    }
    if (j >= len || !is_digit(s[j])) return 0;
    while (j < len && is_digit(s[j])) {
        int d = s[j++] - '0';
        if (x > (INT64_MAX - d) / 10) over = 1;
        else x = x * 10 + d;
    }
    *i = j;
    if (over) return -1;
    *v = neg ? -x : x;
    return 1;
}

static void parse_file(quota *q, const char *buf, size_t len)
{
    size_t pos = 0;
    int first = 1;
    q->bytes = q->count = 0;
    q->lines = 0;
    if (memchr(buf, 0, len)) q->recalc = 1;
    while (pos < len) {
        const char *nl = memchr(buf + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - buf) : len;
        const char *l = buf + pos;
        size_t n = end - pos, i = 0;
        pos = nl ? end + 1 : len;
        if (first) {
            quota_parse_limit(l, n, &q->limit);
            first = 0;
            continue;
        }
        q->lines++;
        int64_t b, c;
        while (i < n && is_blank(l[i])) i++;
        int r = scan_int(l, n, &i, &b);
        if (r == 0) continue;
        if (r < 0) {
            q->recalc = 1;
            continue;
        }
        while (i < n && is_blank(l[i])) i++;
        r = scan_int(l, n, &i, &c);
        if (r == 0) continue;
        if (r < 0) {
            q->recalc = 1;
            continue;
        }
        if (__builtin_add_overflow(q->bytes, b, &q->bytes) ||
            __builtin_add_overflow(q->count, c, &q->count)) {
            q->bytes = q->count = 0;
            q->recalc = 1;
            break;
        }
    }
    if (q->bytes < 0 || q->count < 0) q->recalc = 1;
}

void quota_close(quota *q)
{
    if (q->fd >= 0) close(q->fd);
    q->fd = -1;
    q->active = 0;
    str_free(&q->dir);
    str_free(&q->path);
    q->limit.bytes = q->limit.count = 0;
    q->bytes = q->count = 0;
    q->lines = 0;
    q->recalc = 0;
    q->mtime.tv_sec = q->mtime.tv_nsec = 0;
}

/* Opens and reads maildirsize into q (q->dir and q->path are set).  A file
 * that cannot be opened, or is not a regular file, means "no quota". */
static int read_file(quota *q)
{
    char buf[QUOTA_FILE_MAX];
    struct stat st;
    ssize_t n;
    int fd = open(q->path.s, O_RDWR | O_APPEND | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return 0;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return 0;
    }
    n = fs_read_all(fd, buf, sizeof buf);
    if (n < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    q->fd = fd;
    q->active = 1;
    q->mtime = st.st_mtim;
    if ((size_t)n >= sizeof buf) {
        /* too big: only the definition is used */
        const char *nl = memchr(buf, '\n', sizeof buf - 1);
        quota_parse_limit(buf, nl ? (size_t)(nl - buf) : sizeof buf - 1, &q->limit);
        q->recalc = 1;
        q->lines = 0;
        return 0;
    }
    parse_file(q, buf, (size_t)n);
    return 0;
}

int quota_open(quota *q, const char *maildir, const char *impose)
{
    q->fd = -1;
    q->active = 0;
    q->recalc = 0;
    q->lines = 0;
    q->bytes = q->count = 0;
    q->limit.bytes = q->limit.count = 0;
    if (quota_topdir(&q->dir, maildir) < 0 || str_copy(&q->path, &q->dir) < 0 ||
        str_cats(&q->path, "/maildirsize") < 0 || read_file(q) < 0) {
        int e = errno;
        quota_close(q);
        errno = e;
        return -1;
    }
    if (impose && *impose) {
        quota_limit ql;
        quota_parse_limit(impose, strlen(impose), &ql);
        if ((ql.bytes > 0 || ql.count > 0) &&
            (!q->active || ql.bytes != q->limit.bytes || ql.count != q->limit.count)) {
            q->limit = ql;
            q->active = 1;
            q->recalc = 1;
        }
    }
    return 0;
}

/* ---- checking ---------------------------------------------------------------------------- */

static int check_one(int64_t used, int64_t limit, int *pct)
{
    int64_t x = 1;
    if (limit <= 0) {
        *pct = 0;
        return 0;
    }
    if (used > limit) {
        *pct = 100;
        return 1;
    }
    if (limit > 20000000) x = 1024;
    *pct = used > 0 ? (int)((used / x) * 100 / (limit / x)) : 0;
    return 0;
}

static int check_limits(const quota *q, int64_t bytes, int64_t count, int *percent)
{
    int pb, pc;
    int64_t ub, uc;
    if (__builtin_add_overflow(q->bytes, bytes, &ub)) ub = INT64_MAX;
    if (__builtin_add_overflow(q->count, count, &uc)) uc = INT64_MAX;
    if (check_one(ub, q->limit.bytes, &pb) | check_one(uc, q->limit.count, &pc)) {
        *percent = 100;
        return QUOTA_OVER;
    }
    *percent = pb > pc ? pb : pc;
    return QUOTA_OK;
}

struct tally {
    int64_t bytes;
    int64_t count;
    struct timespec newest;
};

static void newer(struct timespec *t, const struct stat *st)
{
    if (st->st_mtim.tv_sec > t->tv_sec ||
        (st->st_mtim.tv_sec == t->tv_sec && st->st_mtim.tv_nsec > t->tv_nsec))
        *t = st->st_mtim;
}

/* Counts the messages of one new/ or cur/ directory (count != 0), or only
 * notes its modification time. */
static int tally_dir(str *path, struct tally *t, int count)
{
    struct stat st;
    DIR *d;
    struct dirent *de;
    size_t base = path->len;
    if (stat(path->s, &st) < 0) return 0; /* missing: ignored */
    newer(&t->newest, &st);
    if (!count) return 0;
    d = opendir(path->s);
    if (!d) return 0;
    while ((errno = 0, de = readdir(d)) != NULL) {
        const char *n = de->d_name;
        size_t nl = strlen(n);
        uint64_t sz;
        if (n[0] == '.' || !quota_name_counts(n, nl)) continue;
        if (!quota_name_size(n, nl, &sz)) {
            if (str_catc(path, '/') < 0 || str_catb(path, n, nl) < 0) {
                closedir(d);
                str_truncate(path, base);
                return -1;
            }
            int r = stat(path->s, &st);
            str_truncate(path, base);
            if (r < 0) continue; /* removed meanwhile */
            sz = (uint64_t)st.st_size;
        }
        if (sz > INT64_MAX || __builtin_add_overflow(t->bytes, (int64_t)sz, &t->bytes))
            t->bytes = INT64_MAX;
        if (t->count < INT64_MAX) t->count++;
    }
    int e = errno;
    closedir(d);
    if (e) {
        errno = e;
        return -1;
    }
    return 0;
}

static int tally_maildir(str *path, struct tally *t, int count)
{
    size_t base = path->len;
    int r = 0;
    if (str_cats(path, "/new") < 0) return -1;
    r = tally_dir(path, t, count);
    str_truncate(path, base);
    if (r == 0) {
        if (str_cats(path, "/cur") < 0) return -1;
        r = tally_dir(path, t, count);
        str_truncate(path, base);
    }
    return r;
}

static int counted_folder(const char *n)
{
    return n[0] == '.' && strcmp(n, ".") != 0 && strcmp(n, "..") != 0 && strcmp(n, ".Trash") != 0;
}

/* Walks the Maildir and its folders. */
static int tally_all(const str *dir, struct tally *t, int count)
{
    str p = STR_INIT;
    DIR *d;
    struct dirent *de;
    int r = -1;
    if (str_copy(&p, dir) < 0) return -1;
    if (tally_maildir(&p, t, count) < 0) goto out;
    d = opendir(dir->s);
    if (d) {
        while ((errno = 0, de = readdir(d)) != NULL) {
            if (!counted_folder(de->d_name)) continue;
            if (de->d_type == DT_LNK) continue;
            if (de->d_type == DT_UNKNOWN) {
                struct stat st;
                if (str_copy(&p, dir) < 0 || str_catc(&p, '/') < 0 ||
                    str_cats(&p, de->d_name) < 0) {
                    closedir(d);
                    goto out;
                }
                if (lstat(p.s, &st) < 0 || S_ISLNK(st.st_mode)) continue;
            }
            if (str_copy(&p, dir) < 0 || str_catc(&p, '/') < 0 || str_cats(&p, de->d_name) < 0 ||
                tally_maildir(&p, t, count) < 0) {
                closedir(d);
                goto out;
            }
        }
        int e = errno;
        closedir(d);
        if (e) {
            errno = e;
            goto out;
        }
    }
    r = 0;
out:
    str_free(&p);
    return r;
}

/* Writes a fresh maildirsize (definition + totals) through tmp/ and makes
 * it q's file. */
static int rewrite(quota *q, int64_t bytes, int64_t count)
{
    str tmp = STR_INIT, data = STR_INIT;
    char host[256];
    struct stat st;
    int fd = -1, e;
    static const char hexd[] = "0123456789abcdef";
    unsigned char rnd[8];

    if (gethostname(host, sizeof host) < 0 || !host[0]) strcpy(host, "localhost");
    host[sizeof host - 1] = 0;
    for (char *h = host; *h; h++)
        if (*h == '/' || *h == ':') *h = '_';
    if (quota_format_limit(&data, &q->limit) < 0 || str_catc(&data, '\n') < 0 ||
        quota_format_line(&data, bytes, count) < 0)
        goto fail;
    for (int tries = 0;; tries++) {
        if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd) goto fail;
        if (str_copy(&tmp, &q->dir) < 0 ||
            str_catf(&tmp, "/tmp/%lld.%ld_NeWmAiLdIrSiZe", (long long)time(NULL), (long)getpid()) < 0)
            goto fail;
        for (size_t i = 0; i < sizeof rnd; i++)
            if (str_catc(&tmp, hexd[rnd[i] >> 4]) < 0 || str_catc(&tmp, hexd[rnd[i] & 15]) < 0)
                goto fail;
        if (str_catc(&tmp, '.') < 0 || str_cats(&tmp, host) < 0) goto fail;
        fd = open(tmp.s, O_CREAT | O_EXCL | O_RDWR | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd >= 0) break;
        if (errno != EEXIST || tries >= 5) goto fail;
    }
    if (fs_write_all(fd, data.s, data.len) < 0 || fsync(fd) < 0 || fstat(fd, &st) < 0) goto fail_unlink;
    if (rename(tmp.s, q->path.s) < 0) goto fail_unlink;
    (void)fs_fsync_dir(q->dir.s);
    if (q->fd >= 0) close(q->fd);
    q->fd = fd;
    q->mtime = st.st_mtim;
    str_free(&tmp);
    str_free(&data);
    return 0;
fail_unlink:
    e = errno;
    unlink(tmp.s);
    errno = e;
fail:
    e = errno;
    if (fd >= 0) close(fd);
    str_free(&tmp);
    str_free(&data);
    errno = e;
    return -1;
}

static int recalculate(quota *q)
{
    struct tally t = { 0, 0, { 0, 0 } }, again = { 0, 0, { 0, 0 } };
    if (tally_all(&q->dir, &t, 1) < 0) return -1;
    if (rewrite(q, t.bytes, t.count) < 0) return -1;
    q->recalc = 0;
    q->bytes = t.bytes;
    q->count = t.count;
    q->lines = 1;
    if (tally_all(&q->dir, &again, 0) < 0) return -1;
    if (again.newest.tv_sec != t.newest.tv_sec || again.newest.tv_nsec != t.newest.tv_nsec) {
        q->recalc = 1;
        q->lines = 0;
        errno = EAGAIN;
        return -1;
    }
    return 0;
}

int quota_check(quota *q, int64_t bytes, int64_t count, time_t now, int *percent)
{
    int dummy;
    if (!percent) percent = &dummy;
    *percent = 0;
    if (!q->active) return QUOTA_OK;
    if (!q->recalc && check_limits(q, bytes, count, percent) == QUOTA_OK) return QUOTA_OK;
    if (!q->recalc && q->lines == 1 && now < q->mtime.tv_sec + QUOTA_RECALC_AGE) return QUOTA_OVER;
    if (recalculate(q) < 0) return QUOTA_ERR;
    return check_limits(q, bytes, count, percent);
}

int quota_add(quota *q, int64_t bytes, int64_t count)
{
    str line = STR_INIT;
    int r;
    if (!q->active || q->fd < 0) return 0;
    if (quota_format_line(&line, bytes, count) < 0) return -1;
    r = fs_write_all(q->fd, line.s, line.len);
    str_free(&line);
    return r;
}

/* ---- whole operations ---------------------------------------------------------------------- */

int quota_start(quota *q, const char *maildir, const char *impose, int64_t size, time_t now)
{
    if (quota_open(q, maildir, impose) < 0) return QUOTA_ERR;
    for (int i = 0; i < 5; i++) {
        int r = quota_check(q, size, 1, now, NULL);
        if (r == QUOTA_OK) return QUOTA_OK;
        if (r == QUOTA_OVER || errno != EAGAIN) {
            int e = errno;
            quota_close(q);
            errno = e;
            return r;
        }
    }
    /* a maildir that keeps changing: let the delivery through */
    quota_close(q);
    return QUOTA_OK;
}

int quota_end(quota *q, int64_t size)
{
    int r = quota_add(q, size, 1);
    int e = errno;
    quota_close(q);
    errno = e;
    return r;
}

int quota_percent(const char *maildir, time_t now, int *percent)
{
    quota q = QUOTA_INIT;
    *percent = 0;
    if (quota_open(&q, maildir, NULL) < 0) return -1;
    int r = quota_check(&q, 0, 0, now, percent);
    int e = errno;
    quota_close(&q);
    errno = e;
    if (r == QUOTA_ERR) return -1;
    return 0;
}

int quota_recalculate(const char *maildir, time_t now)
{
    quota q = QUOTA_INIT;
    (void)now;
    if (quota_open(&q, maildir, NULL) < 0) return -1;
    int r = 0;
    if (q.active) r = recalculate(&q);
    int e = errno;
    quota_close(&q);
    errno = e;
    return r;
}

int quota_set(const char *maildir, const char *def, time_t now)
{
    quota q = QUOTA_INIT;
    quota_limit ql;
    (void)now;
    quota_parse_limit(def, strlen(def), &ql);
    if (ql.bytes <= 0 && ql.count <= 0) {
        errno = EINVAL;
        return -1;
    }
    if (quota_open(&q, maildir, NULL) < 0) return -1;
    q.limit = ql;
    q.active = 1;
    int r = recalculate(&q);
    if (r < 0 && errno == EAGAIN) r = 0; /* written; the next check recounts */
    int e = errno;
    quota_close(&q);
    errno = e;
    return r;
}

int quota_charge(const char *maildir, int64_t bytes, int64_t count, time_t now)
{
    quota q = QUOTA_INIT;
    if (quota_open(&q, maildir, NULL) < 0) return -1;
    int r = quota_check(&q, bytes, count, now, NULL);
    if (r == QUOTA_ERR && errno != EAGAIN) {
        int e = errno;
        quota_close(&q);
        errno = e;
        return -1;
    }
    r = quota_add(&q, bytes, count);
    int e = errno;
    quota_close(&q);
    errno = e;
    return r;
}

int quota_warn_due(const char *maildir, time_t now)
{
    str p = STR_INIT;
    struct stat st;
    int fd;
    if (quota_topdir(&p, maildir) < 0 || str_cats(&p, "/quotawarn") < 0) {
        str_free(&p);
        return -1;
    }
    if (stat(p.s, &st) == 0) {
        if (st.st_mtime + QUOTA_WARN_INTERVAL > now) {
            str_free(&p);
            return 0;
        }
    } else if (errno != ENOENT) {
        str_free(&p);
        return 0;
    }
    fd = open(p.s, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    str_free(&p);
    if (fd < 0) return 0;
    struct timespec ts[2] = { { now, 0 }, { now, 0 } };
    (void)futimens(fd, ts);
    close(fd);
    return 1;
}
