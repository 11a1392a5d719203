/* cdbx: tinycdb reading and atomic rebuild.  See cdbx.h. */
#include "cdbx.h"
#include "fs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* ---- reading -------------------------------------------------------------- */

int cdbx_open(cdbx *db, const char *path)
{
    int fd;
    db->fd = -1;
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) return -1;
    if (cdb_init(&db->c, fd) < 0) {
        int e = errno;
        close(fd);
        errno = e ? e : EPROTO;
        return -1;
    }
    db->fd = fd;
    return 0;
}

void cdbx_close(cdbx *db)
{
    if (db->fd < 0) return;
    cdb_free(&db->c);
    close(db->fd);
    db->fd = -1;
}

/* Copies the value the cdb has just found into val. */
static int cdbx_getval(struct cdb *c, str *val)
{
    unsigned vlen = cdb_datalen(c);
    if (str_ready(val, vlen) < 0) return -1;
    if (vlen && cdb_read(c, val->s, vlen, cdb_datapos(c)) < 0) {
        if (!errno) errno = EPROTO;
        return -1;
    }
    val->len = vlen;
    val->s[vlen] = 0;
    return 0;
}

int cdbx_find(cdbx *db, const char *key, size_t klen, str *val)
{
    int r;
    if (db->fd < 0) { errno = EBADF; return -1; }
    if (klen > UINT_MAX) return 0;          /* cannot be in a cdb */
    errno = 0;
    r = cdb_find(&db->c, key, (unsigned)klen);
    if (r < 0) { if (!errno) errno = EPROTO; return -1; }
    if (r == 0) return 0;
    return cdbx_getval(&db->c, val) < 0 ? -1 : 1;
}

int cdbx_find_path(const char *path, const char *key, size_t klen, str *val)
{
    cdbx db;
    int r, e;
    if (cdbx_open(&db, path) < 0) return -1;
    r = cdbx_find(&db, key, klen, val);
    e = errno;
    cdbx_close(&db);
    errno = e;
    return r;
}

int cdbx_iter_start(cdbx_iter *it, cdbx *db, const char *key, size_t klen)
{
    memset(&it->f, 0, sizeof it->f);
    if (db->fd < 0) { errno = EBADF; return -1; }
    if (klen > UINT_MAX) { errno = EINVAL; return -1; }
    if (str_copyb(&it->key, key, klen) < 0) return -1;
    errno = 0;
    if (cdb_findinit(&it->f, &db->c, it->key.s, (unsigned)klen) < 0) {
        if (!errno) errno = EPROTO;
        memset(&it->f, 0, sizeof it->f);
        return -1;
    }
    return 0;
}

int cdbx_iter_next(cdbx_iter *it, str *val)
{
    int r;
    if (!it->f.cdb_cdbp) return 0;
    errno = 0;
    r = cdb_findnext(&it->f);
    if (r < 0) { if (!errno) errno = EPROTO; return -1; }
    if (r == 0) return 0;
    return cdbx_getval(it->f.cdb_cdbp, val) < 0 ? -1 : 1;
}

void cdbx_iter_free(cdbx_iter *it)
{
    str_free(&it->key);
    memset(&it->f, 0, sizeof it->f);
}

/* ---- writing -------------------------------------------------------------- */


int cdbx_make_start(cdbx_make *mk, const char *path, mode_t mode)
{
    mk->fd = -1;
    mk->path = (str)STR_INIT;
    mk->tmp = (str)STR_INIT;
    if (!path || !*path) { errno = EINVAL; return -1; }
    if (str_copys(&mk->path, path) < 0 || str_copys(&mk->tmp, path) < 0 ||
        str_cats(&mk->tmp, ".tmp") < 0)
        goto fail;
    mk->fd = open(mk->tmp.s, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, mode);
    if (mk->fd < 0) goto fail;
    if (cdb_make_start(&mk->m, mk->fd) < 0) {
        int e = errno;
        close(mk->fd);
        mk->fd = -1;
        unlink(mk->tmp.s);
        errno = e;
        goto fail;
    }
    return 0;
fail:
    {
        int e = errno;
        str_free(&mk->path);
        str_free(&mk->tmp);
        errno = e;
    }
    return -1;
}

int cdbx_make_add(cdbx_make *mk, const char *key, size_t klen, const char *val, size_t vlen)
{
    if (mk->fd < 0) { errno = EBADF; return -1; }
    if (klen > UINT_MAX || vlen > UINT_MAX) { errno = EFBIG; return -1; }
    errno = 0;
    if (cdb_make_add(&mk->m, key, (unsigned)klen, val, (unsigned)vlen) < 0) {
        if (!errno) errno = EIO;
        return -1;
    }
    return 0;
}

void cdbx_make_abort(cdbx_make *mk)
{
    int e = errno;
    if (mk->fd >= 0) {
        /* cdb_make_finish is tinycdb's only way to free its record lists;
           point it at no file so that it writes nothing */
        int fd = mk->fd;
        mk->m.cdb_fd = -1;
        cdb_make_finish(&mk->m);
        close(fd);
        mk->fd = -1;
        unlink(mk->tmp.s);
    }
    str_free(&mk->path);
    str_free(&mk->tmp);
    errno = e;
}

int cdbx_make_finish(cdbx_make *mk)
{
    int fd = mk->fd, r;
    if (fd < 0) { errno = EBADF; return -1; }
    errno = 0;
    r = cdb_make_finish(&mk->m);      /* frees tinycdb's memory either way */
    mk->m.cdb_fd = -1;
    if (r < 0) { if (!errno) errno = EIO; goto fail; }
    if (fsync(fd) < 0) goto fail;
    mk->fd = -1;
    if (close(fd) < 0) { fd = -1; goto fail; }
    fd = -1;
    if (rename(mk->tmp.s, mk->path.s) < 0) goto fail;
    r = fs_fsync_parent(mk->path.s);
    {
        int e = errno;
        str_free(&mk->path);
        str_free(&mk->tmp);
        errno = e;
    }
    return r;
fail:
    {
        int e = errno;
        if (fd >= 0) close(fd);
        mk->fd = -1;
        unlink(mk->tmp.s);
        str_free(&mk->path);
        str_free(&mk->tmp);
        errno = e;
    }
    return -1;
}
