/*
 * maildir: safe delivery into a Maildir (and Maildir++ folders).
 *
 * Used by qmail-local and the maildrop-compatible MDA.  A delivery creates
 * tmp/<unique> with O_EXCL (a few fresh names are tried on EEXIST), writes
 * an optional prefix (Return-Path:, Delivered-To: lines) and the message,
 * fsyncs and closes it (both checked), hard-links it to new/<unique>
 * (rename() where the file system cannot link), removes the tmp name and
 * fsyncs new/ and tmp/.  On any failure the tmp file is removed and no file
 * is left in new/: the caller can retry without creating a duplicate.
 * Nothing is written to cur/ unless maildir_tmp_commit_info() asks for it;
 * no From_ line, no quoting.
 *
 * Unique names follow the modern convention
 *   <sec>.M<usec>P<pid>Q<counter>R<16 random hex digits>.<host>
 * with '/' and ':' in the host name written as "\057" and "\072".  The
 * counter belongs to the caller (one per process, incremented per name).
 * With MAILDIR_SIZE the name in new/ gets the Maildir++ suffix ",S=<bytes>".
 * The tmp_open/write/commit/abort steps are public so that a caller can
 * check a Maildir++ quota with the final size before committing.
 *
 * Delivery functions return enum maildir_status (errno is set as well on
 * failure); maildir_create, maildir_name* and maildir_folder return 0 / -1
 * with errno.  The input is copied through a fixed-size buffer.
 */
#ifndef SUITE_MAILDIR_H
#define SUITE_MAILDIR_H

#include <stddef.h>

#include "str.h"

enum maildir_status {
    MAILDIR_OK = 0,
    MAILDIR_ERR_MISSING = 1,  /* maildir missing or broken: no dir, no tmp/ or new/, not a
                                 directory, permission denied */
    MAILDIR_ERR_WRITE = 2,    /* write, fsync, close or link failed: disk full, quota, I/O,
                                 read-only file system */
    MAILDIR_ERR_READ = 3,     /* reading the input failed */
    MAILDIR_ERR_TEMP = 4      /* other: out of memory, descriptors, repeated name clashes */
};

#define MAILDIR_SIZE 1        /* flag: append ",S=<size>" to the name in new/ */

/* The parts of a unique name (for maildir_name_fmt). */
struct maildir_uniq {
    unsigned long long sec;
    unsigned long usec;
    unsigned long pid;
    unsigned long counter;
    const unsigned char *rnd;   /* random bytes, written in hex */
    size_t rndlen;
    const char *host;           /* raw host name (sanitised here) */
    size_t hostlen;
};

/* mkdir dir, dir/tmp, dir/new, dir/cur with mode 0700; existing dirs are fine. */
int maildir_create(const char *dir);
/* Appends the unique name made of u to out. */
int maildir_name_fmt(str *out, const struct maildir_uniq *u);
/* out = a fresh unique name (time, pid, *counter, random, gethostname); ++*counter. */
int maildir_name(str *out, unsigned long *counter);
/* out = maildir "/." folder: the Maildir++ folder path.  A leading '.' of
   folder is optional; empty names, '/', NUL, ".." and a trailing '.' are
   refused with EINVAL.  ("Lists.Work" -> "<maildir>/.Lists.Work") */
int maildir_folder(str *out, const char *maildir, const char *folder, size_t len);

/* A message being written into tmp/: a nameless file there (O_TMPFILE,
   linked straight into new/ or cur/ when complete) where the filesystem
   allows, else tmp/<name> as the Maildir protocol describes.  Either way
   the message appears in new/ only whole. */
typedef struct maildir_tmp {
    int fd;                   /* -1 when not in use */
    int anon;                 /* 1: the file has no name in tmp/ */
    str dir;                  /* the maildir, without trailing '/' */
    str name;                 /* unique name */
    str tmppath;              /* dir/tmp/name (dir/tmp when anon) */
    unsigned long long size;  /* bytes written */
    str out;                  /* written bytes not yet in the file */
} maildir_tmp;
#define MAILDIR_TMP_INIT { -1, 0, STR_INIT, STR_INIT, STR_INIT, 0, STR_INIT }

/* Creates the file in tmp/ (mode 0600), named tmp/<unique> exclusively
   where nameless files are not available.  t must be MAILDIR_TMP_INIT
   or finished.  On failure t is finished. */
int maildir_tmp_open(maildir_tmp *t, const char *dir, unsigned long *counter);
/* Appends bytes, collected in memory and written 64 KiB at a time (commit
   writes the rest, so a write error may show only there).  On failure the
   caller still calls maildir_tmp_abort. */
int maildir_tmp_write(maildir_tmp *t, const char *b, size_t n);
/* fsync, close, link to new/ (final = its path), unlink tmp, fsync dirs.
   flags: MAILDIR_SIZE.  Finishes t whatever the result. */
int maildir_tmp_commit(maildir_tmp *t, int flags, str *final);
/* As maildir_tmp_commit; with info != NULL the message goes to
   cur/<name>[,S=<size>]:2,<info> instead (maildrop's FLAGS: already seen,
   replied, ...). */
int maildir_tmp_commit_info(maildir_tmp *t, int flags, const char *info, str *final);
/* Closes and removes the tmp file; finishes t.  Safe on a finished t. */
void maildir_tmp_abort(maildir_tmp *t);

/* Whole delivery: prefix (may be NULL with prefixlen 0), then fd from its
   current offset to EOF.  final receives dir/new/<name>; *size (if size is
   not NULL) the bytes written. */
int maildir_deliver(const char *dir, const char *prefix, size_t prefixlen, int fd, int flags,
                    unsigned long *counter, str *final, unsigned long long *size);

#endif
