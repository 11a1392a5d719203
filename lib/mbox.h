/*
 * mbox: appending a message to an mbox file, as qmail-local does (and the
 * maildrop-compatible MDA, which shares this module).
 *
 * One delivery appends: the caller's "From " line, the caller's prefix
 * lines (Return-Path:, Delivered-To:, ...) verbatim, then the message read
 * from a descriptor (from its current offset to end of file) with mboxrd
 * quoting -- every line matching ^>*From  gets one more '>' in front -- a
 * newline supplied if the last line had none, and one empty line.  The file
 * is then fsync()ed.  If any write (or the fsync) fails, the file is cut back
 * to the size it had before the delivery (when a lock was held, as qmail
 * does: without one, another writer may have appended meanwhile), so a
 * failed delivery leaves no partial message behind.
 *
 * mbox_deliver() opens the file O_WRONLY|O_APPEND|O_CREAT with mode 0600
 * (symbolic links are followed: ~/mbox -> /var/mail/user is common) and
 * takes the locks asked for, all within one time limit: a dot-lock
 * "<path>.lock" (MBOX_DOTLOCK, taken before opening), an flock()
 * (MBOX_FLOCK) and an fcntl() lock (MBOX_FCNTL).  A lock that is still held
 * by someone else when the time runs out fails the delivery
 * (MBOX_ERR_LOCK, errno ETIMEDOUT); any other locking error (ENOLCK, a
 * directory where a dot-lock cannot be created, ...) is ignored and the
 * delivery goes on without that lock, as qmail-local does.  The locks are
 * released and the file closed before returning.  The input is copied
 * through fixed-size buffers, so memory stays bounded for any message and
 * any line length.
 *
 * mbox_fromline() formats qmail-local's "From " line (UFLINE).
 * Delivery functions return enum mbox_status, with errno set on failure.
 */
#ifndef SUITE_MBOX_H
#define SUITE_MBOX_H

#include <stddef.h>
#include <time.h>

#include "str.h"

enum mbox_status {
    MBOX_OK = 0,
    MBOX_ERR_OPEN = 1,    /* the mbox could not be opened or created */
    MBOX_ERR_LOCK = 2,    /* still locked by another process when the time ran out */
    MBOX_ERR_READ = 3,    /* reading the message failed */
    MBOX_ERR_WRITE = 4,   /* writing or syncing the mbox failed (cut back, see above) */
    MBOX_ERR_TEMP = 5     /* out of memory */
};

/* flags */
#define MBOX_FLOCK   1u
#define MBOX_FCNTL   2u
#define MBOX_DOTLOCK 4u

struct mbox_opts {
    unsigned flags;       /* MBOX_FLOCK | MBOX_FCNTL | MBOX_DOTLOCK */
    int timeout;          /* seconds for all locks together; < 0: wait forever */
    int dot_stale;        /* dot-lock older than this many seconds is broken; < 0 never */
};

/* qmail-local's choice: flock and fcntl, 30 seconds. */
#define MBOX_OPTS_QMAIL { MBOX_FLOCK | MBOX_FCNTL, 30, -1 }

/* Delivers (see above).  fromline and prefix are written as given (they
 * should end in '\n'); either may be empty. */
int mbox_deliver(const char *path, const char *fromline, size_t fromlen, const char *prefix,
                 size_t prefixlen, int msgfd, const struct mbox_opts *opts);

/* The append step alone, on an mbox the caller has opened for writing and
 * locked: writes at the end of the file, fsyncs, and on failure cuts the
 * file back to its size before the call if truncate_on_error is set. */
int mbox_append(int mboxfd, const char *fromline, size_t fromlen, const char *prefix,
                size_t prefixlen, int msgfd, int truncate_on_error);

/* Appends "From <sender> <Www Mmm DD HH:MM:SS YYYY>\n" (GMT) to out: the
 * sender's spaces, tabs and newlines become '-', the empty sender is
 * MAILER-DAEMON.  0 or -1 (ENOMEM). */
int mbox_fromline(str *out, const char *sender, size_t len, time_t t);

#endif
