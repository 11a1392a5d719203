/*
 * stdbulk: the std store's bulk import (sub_bulk_add(), see sub.h).
 *
 * Adding a million addresses one by one would rewrite a bucket file a
 * million times.  Instead, under SUBDIR/lock (the lock std.c takes for
 * every change), the addresses are first spilled into one nameless
 * temporary file per bucket (O_TMPFILE in SUBDIR/subscribers, so nothing
 * is left behind whatever happens), then each bucket that got something is
 * rewritten once: its entries are read into a case-insensitive set, the
 * spilled addresses not in it are appended, and the new file is written to
 * subscribers/<c>n, fsync()ed and renamed over <c> as std.c does.  Memory
 * is one bucket's entries at a time.  A run that is killed leaves every
 * bucket either old or new; running it again finishes the job.
 *
 * Only the bucket where 7.2 files an address (sub_std_bucket()) is
 * searched for duplicates; entries that legacy builds filed elsewhere
 * (see std.c) are not looked for, so importing into such a legacy
 * directory may duplicate them (ezmlm-sub moves them on the next change).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "fs.h"
#include "lock.h"
#include "str.h"
#include "sub.h"

#define SB_IOBUF 65536
#define SB_ENTRY_MAX 4096

int sub_std_bulk_add(sub_db *db, struct sub_bulk *b);

/* ---- a set of entries, compared ignoring ASCII case ----------------------------------- */

struct sb_set {
    str arena;          /* entries, each followed by a NUL */
    size_t *off;        /* offsets into arena */
    size_t n, cap;
    uint32_t *slot;     /* open addressing: index + 1, 0 = empty */
    size_t nslot;
};

static uint32_t sb_ihash(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    size_t i;
    for (i = 0; i < n; i++) {
        h ^= (unsigned char)ascii_lower(s[i]);
        h *= 16777619u;
    }
    return h;
}

static void sb_set_free(struct sb_set *t)
{
    str_free(&t->arena);
    free(t->off);
    free(t->slot);
    memset(t, 0, sizeof *t);
}

static int sb_set_grow(struct sb_set *t)
{
    size_t ns = t->nslot ? t->nslot * 2 : 1024, i;
    uint32_t *sl;
    if (ns > (size_t)1 << 30) {
        errno = ENOMEM;
        return -1;
    }
    sl = calloc(ns, sizeof *sl);
    if (!sl) return -1;
    for (i = 0; i < t->n; i++) {
        const char *e = t->arena.s + t->off[i];
        size_t h = sb_ihash(e, strlen(e)) & (ns - 1);
        while (sl[h]) h = (h + 1) & (ns - 1);
        sl[h] = (uint32_t)(i + 1);
    }
    free(t->slot);
    t->slot = sl;
    t->nslot = ns;
    return 0;
}

/* 1 if added, 0 if an equal entry was there, -1 on error. */
static int sb_set_add(struct sb_set *t, const char *e, size_t n)
{
    size_t h;
    if ((t->n + 1) * 2 > t->nslot && sb_set_grow(t) == -1) return -1;
    h = sb_ihash(e, n) & (t->nslot - 1);
    while (t->slot[h]) {
        const char *o = t->arena.s + t->off[t->slot[h] - 1];
        if (strlen(o) == n && case_equalb(o, e, n)) return 0;
        h = (h + 1) & (t->nslot - 1);
    }
    if (t->n == t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 1024;
        size_t *no = realloc(t->off, nc * sizeof *no);
        if (!no) return -1;
        t->off = no;
        t->cap = nc;
    }
    t->off[t->n] = t->arena.len;
    if (str_catb(&t->arena, e, n) == -1 || str_catc(&t->arena, 0) == -1) return -1;
    t->slot[h] = (uint32_t)(t->n + 1);
    t->n++;
    return 1;
}

/* ---- buffered output ------------------------------------------------------------------ */

struct sb_wbuf {
    int fd;
    size_t n;
    char b[SB_IOBUF];
};

static int sb_w_put(struct sb_wbuf *w, const char *s, size_t n)
{
    if (w->n + n > sizeof w->b) {
        if (fs_write_all(w->fd, w->b, w->n) == -1) return -1;
        w->n = 0;
        if (n > sizeof w->b) return fs_write_all(w->fd, s, n);
    }
    memcpy(w->b + w->n, s, n);
    w->n += n;
    return 0;
}

static int sb_w_flush(struct sb_wbuf *w)
{
    if (w->n && fs_write_all(w->fd, w->b, w->n) == -1) return -1;
    w->n = 0;
    return 0;
}

/* ---- one bucket ------------------------------------------------------------------------- */

/*
 * Merges the spilled entries of bucket bk (spill, positioned anywhere)
 * into the bucket file.  Adds the count of new entries to *added.
 */
static int sb_merge(sub_db *db, unsigned bk, int spill, unsigned long *added)
{
    str path = STR_INIT, tmp = STR_INIT, line = STR_INIT;
    struct sb_set t;
    struct sb_wbuf *w = 0;
    char *space = 0;
    buf in;
    int fd = -1, r = -1, e, oldfd = -1;
    size_t keep;

    memset(&t, 0, sizeof t);
    if (str_copy(&path, &db->subdir) == -1 || str_cats(&path, "/subscribers/") == -1 ||
        str_catc(&path, (char)(64 + bk)) == -1 || str_copy(&tmp, &path) == -1 || str_catc(&tmp, 'n') == -1)
        goto out;
    space = malloc(SB_IOBUF);
    w = malloc(sizeof *w);
    if (!space || !w) goto out;

    /* the entries there now */
    oldfd = open(path.s, O_RDONLY | O_CLOEXEC);
    if (oldfd == -1 && errno != ENOENT) goto out;
    if (oldfd != -1) {
        buf_init(&in, oldfd, space, SB_IOBUF);
        for (;;) {
            int g = buf_getline(&in, &line, '\0', SB_ENTRY_MAX);
            if (g == BUF_EOF) break;
            if (g == BUF_ERR) goto out;
            if (g != BUF_LINE) continue;
            if (sb_set_add(&t, line.s, line.len - 1) == -1) goto out;
        }
    }
    keep = t.n;

    /* the new ones */
    if (lseek(spill, 0, SEEK_SET) == -1) goto out;
    buf_init(&in, spill, space, SB_IOBUF);
    for (;;) {
        int g = buf_getline(&in, &line, '\0', SB_ENTRY_MAX);
        if (g == BUF_EOF) break;
        if (g == BUF_ERR) goto out;
        if (g != BUF_LINE) continue;
        if (sb_set_add(&t, line.s, line.len - 1) == -1) goto out;
    }
    if (t.n == keep) {
        r = 0;
        goto out;
    }

    /* the old file as it is, then the new entries */
    fd = open(tmp.s, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd == -1) goto out;
    w->fd = fd;
    w->n = 0;
    if (oldfd != -1) {
        ssize_t got;
        if (lseek(oldfd, 0, SEEK_SET) == -1) goto fail;
        while ((got = read(oldfd, space, SB_IOBUF)) != 0) {
            if (got < 0) {
                if (errno == EINTR) continue;
                goto fail;
            }
            if (sb_w_put(w, space, (size_t)got) == -1) goto fail;
        }
        /* a damaged last entry without its NUL gets one */
        {
            struct stat st;
            char last;
            if (fstat(oldfd, &st) == -1) goto fail;
            if (st.st_size > 0) {
                if (pread(oldfd, &last, 1, st.st_size - 1) != 1) goto fail;
                if (last != 0 && sb_w_put(w, "", 1) == -1) goto fail;
            }
        }
    }
    {
        size_t i;
        for (i = keep; i < t.n; i++) {
            const char *s = t.arena.s + t.off[i];
            if (sb_w_put(w, s, strlen(s) + 1) == -1) goto fail;
        }
    }
    if (sb_w_flush(w) == -1 || fsync(fd) == -1) goto fail;
    if (close(fd) == -1) {
        fd = -1;
        goto fail;
    }
    fd = -1;
    if (rename(tmp.s, path.s) == -1) goto fail;
    *added += (unsigned long)(t.n - keep);
    r = 0;
    goto out;
fail:
    e = errno;
    if (fd != -1) close(fd);
    fd = -1;
    unlink(tmp.s);
    errno = e;
out:
    e = errno;
    if (fd != -1) close(fd);
    if (oldfd != -1) close(oldfd);
    free(space);
    free(w);
    sb_set_free(&t);
    str_free(&path);
    str_free(&tmp);
    str_free(&line);
    errno = e;
    return r;
}

/* ---- the whole import ----------------------------------------------------------------- */

/* A nameless temporary file in dir (O_TMPFILE, or a file removed at once
 * where the filesystem has no O_TMPFILE). */
static int sb_tmpfile(const char *dir)
{
    str p = STR_INIT;
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600), e;
    if (fd != -1 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)) return fd;
    if (str_copys(&p, dir) == -1 || str_cats(&p, "/.import.XXXXXX") == -1) return -1;
    fd = mkostemp(p.s, O_CLOEXEC);
    e = errno;
    if (fd != -1) unlink(p.s);
    str_free(&p);
    errno = e;
    return fd;
}

int sub_std_bulk_add(sub_db *db, struct sub_bulk *b)
{
    struct sb_wbuf *sp[SUB_HASHES];
    str dir = STR_INIT, lockp = STR_INIT;
    int lockfd = -1, r = -1, e, g;
    unsigned k;
    const char *a;
    size_t n;

    memset(sp, 0, sizeof sp);
    if (str_copy(&dir, &db->subdir) == -1 || str_cats(&dir, "/subscribers") == -1) goto out;
    if (str_copy(&lockp, &db->subdir) == -1 || str_cats(&lockp, "/lock") == -1) goto out;
    if (mkdir(dir.s, 0755) == -1 && errno != EEXIST) goto out;
    lockfd = lock_file_ex(lockp.s);
    if (lockfd == -1) goto out;

    /* spill */
    while ((g = b->next(b->ctx, &a, &n)) == 1) {
        unsigned bk;
        if (n > SUB_ADDR_MAX) {
            sub_bulk_reject(b, a, n, ENAMETOOLONG);
            continue;
        }
        bk = sub_std_bucket(a, n);
        if (!sp[bk]) {
            sp[bk] = malloc(sizeof *sp[bk]);
            if (!sp[bk]) goto out;
            sp[bk]->n = 0;
            sp[bk]->fd = sb_tmpfile(dir.s);
            if (sp[bk]->fd == -1) {
                free(sp[bk]);
                sp[bk] = 0;
                goto out;
            }
        }
        if (sb_w_put(sp[bk], "T", 1) == -1 || sb_w_put(sp[bk], a, n) == -1 || sb_w_put(sp[bk], "", 1) == -1)
            goto out;
    }
    if (g == -1) goto out;

    /* merge, bucket by bucket */
    for (k = 0; k < SUB_HASHES; k++) {
        if (!sp[k]) continue;
        if (sb_w_flush(sp[k]) == -1) goto out;
        if (sb_merge(db, k, sp[k]->fd, &b->added) == -1) goto out;
        close(sp[k]->fd);
        free(sp[k]);
        sp[k] = 0;
    }
    if (fs_fsync_dir(dir.s) == -1) goto out;
    r = 0;
out:
    e = errno;
    for (k = 0; k < SUB_HASHES; k++)
        if (sp[k]) {
            close(sp[k]->fd);
            free(sp[k]);
        }
    if (lockfd != -1) close(lockfd);
    str_free(&dir);
    str_free(&lockp);
    errno = e;
    return r;
}
