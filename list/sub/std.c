/*
 * The std store: ezmlm's hashed subscriber files (digest 4.1).
 *
 * SUBDIR/subscribers/<c>, c = '@' + bucket (0..52); each entry is 'T', the
 * address (domain lowercased) and a NUL.  New entries go to the bucket
 * ezmlm-idx 7.2 computes on amd64 (sub_std_bucket()).  Lookups and
 * removals also search the "legacy" buckets where other builds filed an
 * address: 7.2's case-sensitive bucket (hash of the address as stored),
 * and the 32-bit buckets of ezmlm-0.53 / old ezmlm-idx / 32-bit hosts
 * (unsigned and signed bytes, lowercased and as stored).  Entries are
 * compared whole and ignoring ASCII case, so a legacy bucket can only ever
 * yield the address asked for.
 *
 * Changes run under SUBDIR/lock (flock): the bucket is copied entry by
 * entry to subscribers/<c>n, fsync()ed and renamed over the bucket, then
 * the directory is fsync()ed; a rewrite that changes nothing removes its
 * temporary file instead.  A process killed mid-way leaves the old bucket
 * in place (and at worst a stale <c>n that the next rewrite truncates);
 * the lock dies with the process.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "fs.h"
#include "lock.h"
#include "str.h"
#include "sub.h"

#define ENTRY_MAX 4096          /* longest entry read back (valid ones: 402) */
#define IOBUF 8192

/* ---- buckets ----------------------------------------------------------------- */

static unsigned h64(const char *s, size_t n)
{
    return sub_hash64(s, n);
}

static unsigned h32s(const char *s, size_t n)
{
    uint32_t h = 5381;
    size_t i;
    for (i = 0; i < n; i++) h = (h + (h << 5)) ^ (uint32_t)(int32_t)(signed char)s[i];
    return (unsigned)(h % 53);
}

/*
 * The buckets to look in for entry e ("T" + address, domain lowercased),
 * the write bucket first, without duplicates.  Returns how many.
 */
static size_t buckets(const char *e, size_t n, char *lc, unsigned out[6])
{
    unsigned cand[6];
    size_t i, j, k = 0;
    for (i = 0; i < n; i++) lc[i] = ascii_lower(e[i]);
    lc[0] = 'T';
    cand[0] = h64(lc, n);        /* 7.2 on amd64: where we write */
    cand[1] = h64(e, n);         /* 7.2: case-sensitive (legacy) */
    cand[2] = sub_hash32(lc, n); /* 32-bit builds, unsigned bytes */
    cand[3] = sub_hash32(e, n);
    cand[4] = h32s(lc, n);       /* 7.2 on 32-bit hosts, signed bytes */
    cand[5] = h32s(e, n);
    for (i = 0; i < 6; i++) {
        for (j = 0; j < k; j++)
            if (out[j] == cand[i]) break;
        if (j == k) out[k++] = cand[i];
    }
    return k;
}

static int path_of(sub_db *db, str *out, unsigned b, const char *suffix)
{
    if (str_copy(out, &db->subdir) == -1 || str_cats(out, "/subscribers/") == -1 ||
        str_catc(out, (char)(64 + b)) == -1 || str_cats(out, suffix) == -1)
        return -1;
    return 0;
}

/* ---- lookups ------------------------------------------------------------------ */

/* 1 if bucket b holds an entry equal to e ignoring case (stored gets the
 * address), 0 if not, -1 on error. */
static int scan(sub_db *db, unsigned b, const char *e, size_t n, str *stored)
{
    str path = STR_INIT, line = STR_INIT;
    char space[IOBUF];
    buf in;
    int fd, r, found = 0, err = 0;

    if (path_of(db, &path, b, "") == -1) return -1;
    fd = open(path.s, O_RDONLY | O_CLOEXEC);
    str_free(&path);
    if (fd == -1) return errno == ENOENT ? 0 : -1;
    buf_init(&in, fd, space, sizeof space);
    for (;;) {
        r = buf_getline(&in, &line, '\0', ENTRY_MAX);
        if (r == BUF_EOF) break;
        if (r == BUF_ERR) {
            err = errno;
            break;
        }
        if (r != BUF_LINE) continue;
        if (line.len == n + 1 && case_equalb(line.s, e, n)) {
            found = 1;
            if (stored && str_copyb(stored, line.s + 1, n - 1) == -1) err = errno;
            break;
        }
    }
    close(fd);
    str_free(&line);
    if (err) {
        errno = err;
        return -1;
    }
    return found;
}

static int make_entry(str *e, const char *addr, size_t len)
{
    return str_copys(e, "T") == 0 && str_catb(e, addr, len) == 0 ? 0 : -1;
}

static int std_issub(sub_db *db, const char *addr, size_t len, str *stored)
{
    str e = STR_INIT, lc = STR_INIT;
    unsigned b[6];
    size_t k, i;
    int r = 0;

    if (make_entry(&e, addr, len) == -1 || str_ready(&lc, e.len) == -1) {
        r = -1;
        goto out;
    }
    k = buckets(e.s, e.len, lc.s, b);
    for (i = 0; i < k; i++) {
        r = scan(db, b[i], e.s, e.len, stored);
        if (r != 0) break;
    }
out:
    str_free(&e);
    str_free(&lc);
    return r;
}

/* ---- rewrites ------------------------------------------------------------------ */

static int lock_open(sub_db *db)
{
    str path = STR_INIT;
    int fd = -1, e;
    if (str_copy(&path, &db->subdir) == 0 && str_cats(&path, "/lock") == 0) fd = lock_file_ex(path.s);
    e = errno;
    str_free(&path);
    errno = e;
    return fd;
}

struct out {
    int fd;
    char b[IOBUF];
    size_t n;
};

static int out_put(struct out *o, const char *s, size_t len)
{
    if (o->n + len > sizeof o->b) {
        if (fs_write_all(o->fd, o->b, o->n) == -1) return -1;
        o->n = 0;
        if (len > sizeof o->b) return fs_write_all(o->fd, s, len);
    }
    memcpy(o->b + o->n, s, len);
    o->n += len;
    return 0;
}

/*
 * Rewrites bucket b: every entry equal to e (ignoring case) is dropped when
 * drop is set, and e is appended when add is set and no equal entry was
 * there.  *found tells whether an equal entry was there.  The bucket is
 * replaced only if that changes it.  0 or -1.
 */
static int rewrite(sub_db *db, unsigned b, const char *e, size_t n, int drop, int add, int *found)
{
    str path = STR_INIT, tmp = STR_INIT, dir = STR_INIT, pend = STR_INIT;
    char space[IOBUF];
    struct out *o = 0;
    buf in;
    int fd = -1, r = -1, err = 0, changed = 0, overlong = 0;

    *found = 0;
    if (path_of(db, &path, b, "") == -1 || path_of(db, &tmp, b, "n") == -1) goto out;
    o = malloc(sizeof *o);
    if (!o) goto out;
    o->n = 0;
    o->fd = open(tmp.s, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (o->fd == -1) goto out;
    fd = open(path.s, O_RDONLY | O_CLOEXEC);
    if (fd == -1 && errno != ENOENT) goto fail;
    if (fd != -1) {
        buf_init(&in, fd, space, sizeof space);
        for (;;) {
            ssize_t got = buf_feed(&in);
            char *p, *z;
            size_t len;
            if (got < 0) goto fail;
            if (got == 0) break;
            p = buf_peek(&in);
            z = memchr(p, 0, (size_t)got);
            len = z ? (size_t)(z - p) + 1 : (size_t)got;
            if (overlong) {
                /* an entry longer than any address: copied through as is */
                if (out_put(o, p, len) == -1) goto fail;
                if (z) overlong = 0;
            } else if (!z) {
                if (str_catb(&pend, p, len) == -1) goto fail;
                if (pend.len > ENTRY_MAX) {
                    if (out_put(o, pend.s, pend.len) == -1) goto fail;
                    str_truncate(&pend, 0);
                    overlong = 1;
                }
            } else {
                const char *ent = p;
                size_t el = len;
                if (pend.len) {
                    if (str_catb(&pend, p, len) == -1) goto fail;
                    ent = pend.s;
                    el = pend.len;
                }
                if (el == n + 1 && case_equalb(ent, e, n)) {
                    *found = 1;
                    if (drop) changed = 1;
                    else if (out_put(o, ent, el) == -1) goto fail;
                } else if (out_put(o, ent, el) == -1) goto fail;
                str_truncate(&pend, 0);
            }
            buf_skip(&in, len);
        }
        if (pend.len) {
            /* an unterminated last entry (a damaged file): kept, terminated */
            if (out_put(o, pend.s, pend.len) == -1 || out_put(o, "", 1) == -1) goto fail;
            changed = 1;
        } else if (overlong) {
            if (out_put(o, "", 1) == -1) goto fail;
            changed = 1;
        }
        close(fd);
        fd = -1;
    }
    if (add && !*found) {
        if (out_put(o, e, n) == -1 || out_put(o, "", 1) == -1) goto fail;
        changed = 1;
    }
    if (!changed) {
        close(o->fd);
        o->fd = -1;
        unlink(tmp.s);
        r = 0;
        goto out;
    }
    if (fs_write_all(o->fd, o->b, o->n) == -1 || fsync(o->fd) == -1) goto fail;
    if (close(o->fd) == -1) {
        o->fd = -1;
        goto fail;
    }
    o->fd = -1;
    if (rename(tmp.s, path.s) == -1) goto fail;
    if (str_copy(&dir, &db->subdir) == -1 || str_cats(&dir, "/subscribers") == -1) goto out;
    if (fs_fsync_dir(dir.s) == -1) goto out;
    r = 0;
    goto out;
fail:
    err = errno;
    if (o && o->fd != -1) {
        close(o->fd);
        o->fd = -1;
    }
    unlink(tmp.s);
    errno = err;
out:
    err = errno;
    if (fd != -1) close(fd);
    if (o && o->fd != -1) close(o->fd);
    free(o);
    str_free(&path);
    str_free(&tmp);
    str_free(&dir);
    str_free(&pend);
    errno = err;
    return r;
}

static int std_change(sub_db *db, int add, const char *addr, size_t len, int forcehash)
{
    str e = STR_INIT, lc = STR_INIT;
    unsigned b[6];
    size_t k, i;
    int lockfd, found, r = -1, e0;
    int was_legacy = 0, removed = 0;

    if (make_entry(&e, addr, len) == -1 || str_ready(&lc, e.len) == -1) goto out;
    if (forcehash >= 0 && forcehash <= SUB_HASH_HI) {
        b[0] = (unsigned)forcehash;
        k = 1;
    } else
        k = buckets(e.s, e.len, lc.s, b);

    lockfd = lock_open(db);
    if (lockfd == -1) goto out;
    if (add) {
        /* add to the write bucket; if it was new there, move any legacy
         * entry (no change then: the address was subscribed already) */
        if (rewrite(db, b[0], e.s, e.len, 0, 1, &found) == -1) goto unlock;
        if (found) {
            r = SUB_UNCHANGED;
            goto unlock;
        }
        for (i = 1; i < k; i++) {
            int s = scan(db, b[i], e.s, e.len, 0);
            if (s == -1) goto unlock;
            if (s == 0) continue;
            if (rewrite(db, b[i], e.s, e.len, 1, 0, &found) == -1) goto unlock;
            if (found) was_legacy = 1;
        }
        r = was_legacy ? SUB_UNCHANGED : SUB_CHANGED;
    } else {
        for (i = 0; i < k; i++) {
            int s = i == 0 ? 1 : scan(db, b[i], e.s, e.len, 0);
            if (s == -1) goto unlock;
            if (s == 0) continue;
            if (rewrite(db, b[i], e.s, e.len, 1, 0, &found) == -1) goto unlock;
            if (found) removed = 1;
        }
        r = removed ? SUB_CHANGED : SUB_UNCHANGED;
    }
unlock:
    e0 = errno;
    close(lockfd);
    errno = e0;
out:
    e0 = errno;
    str_free(&e);
    str_free(&lc);
    errno = e0;
    return r;
}

static int std_add(sub_db *db, const char *addr, size_t len, int forcehash)
{
    return std_change(db, 1, addr, len, forcehash);
}

static int std_remove(sub_db *db, const char *addr, size_t len, int forcehash)
{
    return std_change(db, 0, addr, len, forcehash);
}

/* ---- listing ------------------------------------------------------------------- */

static int std_iterate(sub_db *db, unsigned lo, unsigned hi, sub_each_fn fn, void *ctx)
{
    str path = STR_INIT, line = STR_INIT;
    char space[IOBUF];
    buf in;
    unsigned b;
    int fd, r, ret = 0, err;

    for (b = lo; b <= hi && ret == 0; b++) {
        if (path_of(db, &path, b, "") == -1) {
            ret = -1;
            break;
        }
        fd = open(path.s, O_RDONLY | O_CLOEXEC);
        if (fd == -1) {
            if (errno == ENOENT) continue;
            ret = -1;
            break;
        }
        buf_init(&in, fd, space, sizeof space);
        for (;;) {
            r = buf_getline(&in, &line, '\0', ENTRY_MAX);
            if (r == BUF_EOF) break;
            if (r == BUF_ERR) {
                ret = -1;
                break;
            }
            if (r == BUF_TOOLONG) continue;
            if (r == BUF_LINE) str_truncate(&line, line.len - 1);
            if (line.len < 2) continue;
            ret = fn(ctx, line.s + 1, line.len - 1);
            if (ret != 0) break;
        }
        err = errno;
        close(fd);
        errno = err;
    }
    err = errno;
    str_free(&path);
    str_free(&line);
    errno = err;
    return ret;
}

/* ---- Log -------------------------------------------------------------------------- */

static int std_log(sub_db *db, const char *event, const char *addr, size_t len,
                   const char *comment, size_t clen)
{
    return sub_log_std(db->subdir.s, 0, event, addr, len, comment, clen);
}

static int std_searchlog(sub_db *db, const char *search, sub_logline_fn fn, void *ctx)
{
    str path = STR_INIT, line = STR_INIT;
    char space[IOBUF];
    buf in;
    int fd, r, ret = 0, err;

    if (str_copy(&path, &db->subdir) == -1 || str_cats(&path, "/Log") == -1) {
        str_free(&path);
        return -1;
    }
    fd = open(path.s, O_RDONLY | O_CLOEXEC);
    str_free(&path);
    if (fd == -1) return -1;
    buf_init(&in, fd, space, sizeof space);
    for (;;) {
        unsigned long when = 0;
        r = buf_getline(&in, &line, '\n', 65536);
        if (r == BUF_EOF) break;
        if (r == BUF_ERR) {
            ret = -1;
            break;
        }
        if (r != BUF_LINE) continue;
        str_truncate(&line, line.len - 1);
        if (!sub_log_matches(line.s, line.len, search)) continue;
        scan_ulong(line.s, line.len, &when);
        ret = fn(ctx, (time_t)when, line.s, line.len);
        if (ret != 0) break;
    }
    err = errno;
    close(fd);
    str_free(&line);
    errno = err;
    return ret;
}

/* ---- tables ----------------------------------------------------------------------- */

static int mkdir_ok(const str *base, const char *sub)
{
    str p = STR_INIT;
    int r;
    if (str_copy(&p, base) == -1 || (*sub && (str_catc(&p, '/') == -1 || str_cats(&p, sub) == -1))) {
        str_free(&p);
        return -1;
    }
    r = mkdir(p.s, 0777);
    if (r == -1 && errno == EEXIST) r = 0;
    str_free(&p);
    return r;
}

/* The whole store of the list: main, allow, deny, digest, mod (as
 * ezmlm-idx 7.2 makes it), whichever sub-db db was opened for. */
static int std_mktab(sub_db *db)
{
    static const char *const subs[] = { "allow", "deny", "digest", "mod" };
    str s = STR_INIT;
    size_t i;
    int r = 0;
    if (mkdir_ok(&db->dir, "subscribers") == -1) return -1;
    for (i = 0; i < sizeof subs / sizeof subs[0]; i++) {
        if (mkdir_ok(&db->dir, subs[i]) == -1) return -1;
        if (str_copys(&s, subs[i]) == -1 || str_cats(&s, "/subscribers") == -1) {
            r = -1;
            break;
        }
        if (mkdir_ok(&db->dir, s.s) == -1) {
            r = -1;
            break;
        }
    }
    str_free(&s);
    return r;
}

static int rmsubs(const str *dir, const char *sub)
{
    str p = STR_INIT;
    size_t base;
    int b, r = 0;
    if (str_copy(&p, dir) == -1 || (*sub && (str_catc(&p, '/') == -1 || str_cats(&p, sub) == -1)) ||
        str_cats(&p, "/subscribers") == -1) {
        str_free(&p);
        return -1;
    }
    base = p.len;
    for (b = 0; b < SUB_HASHES; b++) {
        str_truncate(&p, base);
        if (str_catc(&p, '/') == -1 || str_catc(&p, (char)(64 + b)) == -1) {
            r = -1;
            break;
        }
        unlink(p.s);
    }
    str_truncate(&p, base);
    if (r == 0 && rmdir(p.s) == -1 && errno != ENOENT) r = -1;
    str_free(&p);
    return r;
}

static int std_rmtab(sub_db *db)
{
    static const char *const subs[] = { "", "allow", "deny", "digest", "mod" };
    size_t i;
    for (i = 0; i < sizeof subs / sizeof subs[0]; i++)
        if (rmsubs(&db->dir, subs[i]) == -1) return -1;
    return 0;
}

const struct sub_ops sub_std_ops = {
    "std",
    0,
    std_issub,
    std_add,
    std_remove,
    std_iterate,
    std_log,
    std_searchlog,
    std_mktab,
    std_rmtab,
    0,
    0, /* change: add/remove, then log */
    0, /* bulk_add: sub.c calls stdbulk.c */
};
