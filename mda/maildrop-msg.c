/*
 * maildrop-msg: where the message lives.  A message of at most MD_MEM_MAX
 * bytes is kept in memory; a larger one is read in place when stdin is a
 * regular file (and no -A header is added), else it is spooled to an
 * unnamed temporary file.  Either way memory stays bounded.  Readers walk
 * it in chunks; md_store_fd() hands out a descriptor for deliveries and
 * child processes (a memfd for a message held in memory).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs.h"
#include "hdr.h"
#include "maildrop.h"

#define RD_BUF 65536

/* ---- temporary files ------------------------------------------------------------- */

static int tmpfile_open(const char *dir)
{
    int fd;
    str p = STR_INIT;
    if (!dir || !*dir) dir = "/tmp";
    fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0) return fd;
    if (str_copys(&p, dir) < 0 || str_cats(&p, "/maildrop.XXXXXX") < 0) { str_free(&p); return -1; }
    fd = mkostemp(p.s, O_CLOEXEC);
    if (fd >= 0) unlink(p.s);
    {
        int e = errno;
        str_free(&p);
        errno = e;
    }
    return fd;
}

static unsigned long count_nl(const char *s, size_t n)
{
    unsigned long k = 0;
    const char *e = s + n;
    while (s < e && (s = memchr(s, '\n', (size_t)(e - s))) != NULL) { k++; s++; }
    return k;
}

static struct md_store *store_new(void)
{
    struct md_store *st = calloc(1, sizeof *st);
    if (!st) return NULL;
    st->refs = 1;
    st->fd = -1;
    return st;
}

struct md_store *md_store_ref(struct md_store *st)
{
    st->refs++;
    return st;
}

void md_store_unref(struct md_store *st)
{
    if (!st || --st->refs > 0) return;
    if (st->ownfd && st->fd >= 0) close(st->fd);
    free(st->mem);
    md_canon_cache_free(st->cache);
    free(st);
}

void md_msg_replace(struct md_msg *m, struct md_store *st)
{
    md_store_unref(m->st);
    m->st = st;
}

void md_msg_free(struct md_msg *m)
{
    md_store_unref(m->st);
    m->st = NULL;
}

/* Copies everything left on infd to fd (appending), counting newlines. */
static int spool_rest(int infd, int fd, off_t *size, unsigned long *lines)
{
    char *b = malloc(RD_BUF);
    if (!b) return -1;
    for (;;) {
        ssize_t r = read(infd, b, RD_BUF);
        if (r < 0) {
            if (errno == EINTR && !md_timed_out) continue;
            if (md_timed_out) errno = ETIMEDOUT;
            free(b);
            return -1;
        }
        if (r == 0) break;
        if (fs_write_all(fd, b, (size_t)r) < 0) { free(b); return -1; }
        *size += r;
        *lines += count_nl(b, (size_t)r);
    }
    free(b);
    return 0;
}

/* Reads infd into a new store: memory when it fits, else a temp file. */
static int store_from_stream(struct md_store **out, int infd, const char *prefix, size_t plen,
                             const char *tmpdir)
{
    struct md_store *st = store_new();
    char *b = malloc(MD_MEM_MAX + 1);
    size_t have = 0;
    int e;
    if (!st || !b) goto nomem;
    if (plen > MD_MEM_MAX) plen = MD_MEM_MAX;   /* -A headers: bounded by the caller */
    memcpy(b, prefix, plen);
    have = plen;
    while (have <= MD_MEM_MAX) {
        ssize_t r = read(infd, b + have, MD_MEM_MAX + 1 - have);
        if (r < 0) {
            if (errno == EINTR && !md_timed_out) continue;
            if (md_timed_out) errno = ETIMEDOUT;
            goto fail;
        }
        if (r == 0) break;
        have += (size_t)r;
    }
    st->lines = count_nl(b + plen, have - plen);
    if (have <= MD_MEM_MAX) {
        st->mem = b;
        st->size = (off_t)have;
        *out = st;
        return 0;
    }
    st->fd = tmpfile_open(tmpdir);
    if (st->fd < 0) goto fail;
    st->ownfd = 1;
    if (fs_write_all(st->fd, b, have) < 0) goto fail;
    st->size = (off_t)have;
    if (spool_rest(infd, st->fd, &st->size, &st->lines) < 0) goto fail;
    free(b);
    *out = st;
    return 0;
nomem:
    errno = ENOMEM;
fail:
    e = errno;
    free(b);
    md_store_unref(st);
    errno = e;
    return -1;
}

int md_msg_read(struct md_msg *m, int infd, const char *prefix, size_t plen, const char *tmpdir)
{
    struct stat sb;
    off_t cur;
    m->tmpdir = tmpdir;
    m->st = NULL;
    if (plen == 0 && fstat(infd, &sb) == 0 && S_ISREG(sb.st_mode) &&
        (cur = lseek(infd, 0, SEEK_CUR)) >= 0 && cur <= sb.st_size &&
        sb.st_size - cur > MD_MEM_MAX) {
        /* a seekable file: read in place */
        struct md_store *st = store_new();
        char *b = malloc(RD_BUF);
        off_t pos = cur;
        if (!st || !b) {
            free(b);
            md_store_unref(st);
            errno = ENOMEM;
            return -1;
        }
        st->fd = infd;
        st->start = cur;
        st->size = sb.st_size - cur;
        while (pos < sb.st_size) {
            ssize_t r = pread(infd, b, RD_BUF, pos);
            if (r < 0) {
                if (errno == EINTR) continue;
                free(b);
                md_store_unref(st);
                return -1;
            }
            if (r == 0) break;
            st->lines += count_nl(b, (size_t)r);
            pos += r;
        }
        free(b);
        st->size = pos - cur;
        m->st = st;
        return 0;
    }
    return store_from_stream(&m->st, infd, prefix, plen, tmpdir);
}

int md_store_from_fd(struct md_store **out, int fd, const char *tmpdir)
{
    return store_from_stream(out, fd, "", 0, tmpdir);
}

int md_store_fd(struct md_store *st)
{
    if (st->fd < 0) {
        int fd = memfd_create("maildrop", MFD_CLOEXEC);
        if (fd < 0) return -1;
        if (st->size && fs_write_all(fd, st->mem, (size_t)st->size) < 0) {
            int e = errno;
            close(fd);
            errno = e;
            return -1;
        }
        st->fd = fd;
        st->ownfd = 1;
        st->start = 0;
    }
    if (lseek(st->fd, st->start, SEEK_SET) < 0) return -1;
    return st->fd;
}

/* ---- the raw reader ----------------------------------------------------------------- */

int md_rd_open(struct md_rd *r, struct md_store *st)
{
    memset(r, 0, sizeof *r);
    r->st = md_store_ref(st);
    if (!st->mem) {
        r->buf = malloc(RD_BUF);
        if (!r->buf) {
            md_store_unref(st);
            r->st = NULL;
            errno = ENOMEM;
            return -1;
        }
        r->cap = RD_BUF;
    }
    return 0;
}

void md_rd_close(struct md_rd *r)
{
    free(r->buf);
    r->buf = NULL;
    md_store_unref(r->st);
    r->st = NULL;
}

int md_rd_next(struct md_rd *r, const char **s, size_t *len, int *more)
{
    struct md_store *st = r->st;
    if (st->mem) {
        size_t size = (size_t)st->size, pos = (size_t)r->pos;
        const char *nl;
        if (pos >= size) return 0;
        nl = memchr(st->mem + pos, '\n', size - pos);
        *s = st->mem + pos;
        *len = nl ? (size_t)(nl - st->mem) + 1 - pos : size - pos;
        *more = 0;
        r->pos += (off_t)*len;
        return 1;
    }
    for (;;) {
        const char *nl;
        if (r->p < r->n) {
            nl = memchr(r->buf + r->p, '\n', r->n - r->p);
            if (nl) {
                *s = r->buf + r->p;
                *len = (size_t)(nl - (r->buf + r->p)) + 1;
                *more = 0;
                r->p += *len;
                return 1;
            }
            if (r->p > 0) {
                /* move the partial line to the front and read more */
                memmove(r->buf, r->buf + r->p, r->n - r->p);
                r->n -= r->p;
                r->p = 0;
            } else if (r->n == r->cap) {
                /* a line longer than the buffer: hand out a piece */
                *s = r->buf;
                *len = r->n;
                *more = 1;
                r->p = r->n = 0;
                return 1;
            }
        } else {
            r->p = r->n = 0;
        }
        if (r->pos >= st->size) {
            if (r->n == 0) return 0;
            *s = r->buf;
            *len = r->n;
            *more = 0;
            r->p = r->n = 0;
            return 1;
        }
        {
            size_t want = r->cap - r->n;
            ssize_t got;
            if ((off_t)want > st->size - r->pos) want = (size_t)(st->size - r->pos);
            got = pread(st->fd, r->buf + r->n, want, st->start + r->pos);
            if (got < 0) {
                if (errno == EINTR) continue;
                return -1;
            }
            if (got == 0) { r->pos = st->size; continue; }   /* the file shrank */
            r->n += (size_t)got;
            r->pos += got;
        }
    }
}

/* ---- the top header ------------------------------------------------------------------ */

int md_hdrscan_open(struct md_hdrscan *h, struct md_store *st)
{
    memset(h, 0, sizeof *h);
    return md_rd_open(&h->rd, st);
}

void md_hdrscan_close(struct md_hdrscan *h)
{
    md_rd_close(&h->rd);
    str_free(&h->field);
    str_free(&h->line);
}

static int is_field_line(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        if (c < 33 || c > 126 || c == ':') break;
        i++;
    }
    if (i == 0) return 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t')) i++;
    return i < n && s[i] == ':';
}

static int blank_line(const char *s, size_t n)
{
    return n == 0 || (n == 1 && s[0] == '\n') || (n == 2 && s[0] == '\r' && s[1] == '\n') ||
           (n == 1 && s[0] == '\r');
}

/* field: append (capped) */
static int field_add(str *f, const char *s, size_t n)
{
    if (f->len >= MD_FIELD_MAX) return 0;
    if (n > MD_FIELD_MAX - f->len) n = MD_FIELD_MAX - f->len;
    return str_catb(f, s, n);
}

int md_hdrscan_next(struct md_hdrscan *h, const char **f, size_t *flen)
{
    const char *s;
    size_t n;
    int more, r;

    if (h->state == 2) return 0;
    str_truncate(&h->field, 0);
    /* the first line of the next field may be waiting in h->line */
    if (h->line.len) {
        if (str_copy(&h->field, &h->line) < 0) return -1;
        str_truncate(&h->line, 0);
    }
    for (;;) {
        int first = h->state == 0;
        r = md_rd_next(&h->rd, &s, &n, &more);
        if (r < 0) return -1;
        if (r == 0) break;
        h->state = 1;
        if (h->field.len && (s[0] == ' ' || s[0] == '\t')) {
            if (field_add(&h->field, s, n) < 0) return -1;
            while (more) {
                if ((r = md_rd_next(&h->rd, &s, &n, &more)) < 0) return -1;
                if (r == 0) break;
                if (field_add(&h->field, s, n) < 0) return -1;
            }
            continue;
        }
        if (blank_line(s, n)) { h->state = 2; break; }
        if (first && n >= 5 && memcmp(s, "From ", 5) == 0) {
            while (more && (r = md_rd_next(&h->rd, &s, &n, &more)) > 0) {}
            if (r < 0) return -1;
            continue;
        }
        if (!is_field_line(s, n)) { h->state = 2; break; }
        /* a new field: finish the one collected, keep this one for later */
        {
            str *dst = h->field.len ? &h->line : &h->field;
            if (field_add(dst, s, n) < 0) return -1;
            while (more) {
                if ((r = md_rd_next(&h->rd, &s, &n, &more)) < 0) return -1;
                if (r == 0) break;
                if (field_add(dst, s, n) < 0) return -1;
            }
            if (dst == &h->line) break;
        }
    }
    if (r == 0 && !h->line.len) h->state = 2;
    if (!h->field.len) return 0;
    /* drop the final line ending */
    while (h->field.len && (h->field.s[h->field.len - 1] == '\n' || h->field.s[h->field.len - 1] == '\r'))
        h->field.len--;
    h->field.s[h->field.len] = 0;
    *f = h->field.s;
    *flen = h->field.len;
    return 1;
}

int md_header_value(struct md_store *st, const char *name, str *out)
{
    struct md_hdrscan h;
    const char *f;
    size_t n;
    int r;
    if (md_hdrscan_open(&h, st) < 0) return -1;
    while ((r = md_hdrscan_next(&h, &f, &n)) == 1) {
        hdr_iter it;
        hdr_field fl;
        hdr_iter_init(&it, f, n);
        if (hdr_next(&it, &fl) == HDR_FIELD && hdr_is(&fl, name)) {
            r = hdr_value(out, &fl) < 0 ? -1 : 1;
            break;
        }
    }
    md_hdrscan_close(&h);
    return r;
}
