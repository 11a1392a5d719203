/*
 * cdbx: reading and atomically rebuilding constant databases (tinycdb).
 *
 * Reading: cdbx_open() maps a cdb read-only; a missing file fails with
 * errno ENOENT, a file that is not a cdb with EPROTO (other errors as the
 * system reports them).  Keys and values are byte strings: they may be
 * empty and may contain NUL.  cdbx_find() returns the first value stored
 * under a key; cdbx_iter_* walk every value of one key in the order they
 * were added.  Lookups return 1 (found), 0 (not found) or -1 (error, errno;
 * EPROTO for a corrupt file).
 *
 * Writing: cdbx_make_start() creates (or truncates) "<path>.tmp" with the
 * given mode (subject to the umask), refusing to follow a symlink there;
 * cdbx_make_add() appends records; cdbx_make_finish() writes the index,
 * fsyncs and closes the file, renames it over <path> (readers see either
 * the old or the new cdb, never a mix) and fsyncs the directory.  Any
 * failure before the rename removes the tmp file and leaves <path>
 * untouched; only a failure of the final directory fsync is reported after
 * the new cdb is already in place.  cdbx_make_abort() discards a build and
 * removes the tmp file; it is safe to call after finish or a failed step,
 * so callers may always end with it.  Two concurrent builds of one path are
 * not protected against (as in qmail-newu): callers lock if they need to.
 *
 * Functions return 0 / -1 with errno unless documented otherwise.  A cdb
 * is limited to 4 GiB; larger records fail with ENOMEM (tinycdb's code) or
 * EFBIG.
 */
#ifndef SUITE_CDBX_H
#define SUITE_CDBX_H

#include <cdb.h>
#include <stddef.h>
#include <sys/types.h>

#include "str.h"

typedef struct cdbx {
    struct cdb c;
    int fd;          /* -1 when closed */
} cdbx;

int cdbx_open(cdbx *db, const char *path);
/* The first value of key into val: 1 found, 0 not found, -1 error. */
int cdbx_find(cdbx *db, const char *key, size_t klen, str *val);
/* One-shot: open path, find, close.  A missing file is -1 with ENOENT. */
int cdbx_find_path(const char *path, const char *key, size_t klen, str *val);
void cdbx_close(cdbx *db);

/* Every value of one key.  The iterator keeps its own copy of the key. */
typedef struct cdbx_iter {
    struct cdb_find f;
    str key;
} cdbx_iter;
#define CDBX_ITER_INIT { { 0, 0, 0, 0, 0, 0, 0, 0 }, STR_INIT }
int cdbx_iter_start(cdbx_iter *it, cdbx *db, const char *key, size_t klen);
int cdbx_iter_next(cdbx_iter *it, str *val);       /* 1 value, 0 no more, -1 error */
void cdbx_iter_free(cdbx_iter *it);

typedef struct cdbx_make {
    struct cdb_make m;
    int fd;          /* the tmp file; -1 when finished or aborted */
    str path;        /* final name */
    str tmp;         /* "<path>.tmp" */
} cdbx_make;

int cdbx_make_start(cdbx_make *mk, const char *path, mode_t mode);
int cdbx_make_add(cdbx_make *mk, const char *key, size_t klen, const char *val, size_t vlen);
int cdbx_make_finish(cdbx_make *mk);
void cdbx_make_abort(cdbx_make *mk);

#endif
