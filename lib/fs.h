/*
 * fs: safe file operations for a mail system's commit points.
 *
 * Whole-buffer read and write loops that survive EINTR and short counts;
 * opening without following a final symlink; fsync of directories (the
 * suite syncs the directory after every link/rename/unlink that commits a
 * message or a control file, which is stronger than qmail); atomic file
 * replacement (temporary file in the same directory, write, fsync, rename,
 * fsync the directory); bounded whole-file reads; mkdir -p; and a check
 * that a name is a single harmless path component (so that an address
 * extension cannot climb out of a home directory).
 *
 * All descriptors are opened close-on-exec.  Functions return 0 (or a
 * count / descriptor where documented) on success and -1 with errno set on
 * failure; fs_safe_component() is a predicate returning 1 or 0.
 */
#ifndef SUITE_FS_H
#define SUITE_FS_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "str.h"

/* Writes all len bytes (EINTR and short writes retried; a non-blocking
 * descriptor is waited for with poll). */
int fs_write_all(int fd, const void *data, size_t len);
/* The same for the buffers iov[0..cnt) in order, with writev (cnt at most
 * IOV_MAX, their total at most SSIZE_MAX): one system call for a record
 * made of pieces, such as a log line and its newline (write(2) while one
 * buffer is left).  The entries are used up as they are written (iov is
 * changed). */
int fs_writev_all(int fd, struct iovec *iov, int cnt);
/* Reads until len bytes or end of file.  Returns the count (less than len
 * only at end of file), -1 on error.  len must be <= SSIZE_MAX. */
ssize_t fs_read_all(int fd, void *data, size_t len);

/* open(path, flags | O_NOFOLLOW | O_CLOEXEC, mode): a symlink as the last
 * component fails with ELOOP.  Returns the descriptor or -1. */
int fs_open_nofollow(const char *path, int flags, mode_t mode);

/* A nameless file in directory dir (open(dir, O_TMPFILE | flags), mode
   before umask), to be given its name by fs_link_tmpfile once complete: a
   file that appears under a name only when it is whole, without a
   temporary name to create and remove.  -1 with errno EOPNOTSUPP where
   the filesystem cannot, or where the file could not be named later (no
   /proc for a process without CAP_DAC_READ_SEARCH): the caller then uses
   a temporary name as before. */
int fs_open_tmpfile(const char *dir, int flags, mode_t mode);
/* Gives the file fd from fs_open_tmpfile the name path (which must not
   exist: EEXIST). */
int fs_link_tmpfile(int fd, const char *path);

/* fsync()s a directory.  A filesystem that cannot sync directories
 * (fsync fails with EINVAL) counts as success. */
int fs_fsync_dir(const char *dirpath);
/* fsync()s the directory holding filepath ("." for a bare name; trailing
 * slashes are ignored). */
int fs_fsync_parent(const char *filepath);
/* Opens the directory holding filepath (as fs_fsync_parent names it)
 * read-only, for an fsync that runs elsewhere (a thread).  Returns the
 * descriptor or -1. */
int fs_open_parent(const char *filepath);

/* Replaces path with len bytes of data and permissions mode (umask not
 * applied), atomically: a uniquely named temporary file ".<name>.tmpXXXXXX"
 * in the same directory is written, fsync()ed and renamed over path, then
 * the directory is fsync()ed.  A symlink at path is replaced, not followed.
 * On failure before the rename the temporary file is removed and path is
 * untouched; an existing path that is not a regular file or a symlink
 * (a device such as /dev/null, a FIFO, a directory) is refused with EINVAL
 * (EISDIR for a directory) and left alone; -1 after the rename (only if the directory sync fails) means
 * path holds the new data but its durability is not certain. */
int fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode);

/* Replaces out's contents with everything fd has left to read.  More than
 * maxbytes fails with EFBIG (out is then unchanged, and at most
 * maxbytes + 1 bytes were read). */
int fs_read_fd(int fd, str *out, size_t maxbytes);
/* fs_read_fd() on path (opened read-only; symlinks are followed).
 * ENOENT is passed through for callers that treat a missing file as a
 * default. */
int fs_read_file(const char *path, str *out, size_t maxbytes);

/* Creates path and any missing parents with mode (umask applies).  An
 * existing directory is success; an existing non-directory is ENOTDIR
 * (a parent) or EEXIST (path itself). */
int fs_mkdir_p(const char *path, mode_t mode);

/* 1 if name[0..len) is usable as one path component, 0 if it is empty,
 * "." or "..", or contains '/' or NUL. */
int fs_safe_component(const char *name, size_t len);

#endif
