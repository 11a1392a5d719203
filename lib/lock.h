/*
 * lock: file locking for queue files, mailboxes and list directories.
 *
 * Three kinds, as the originals use them:
 *  - flock() locks (lock_ex, lock_exnb, lock_un): what qmail takes on
 *    queue/lock/sendmutex, a list's lock file and an mbox in qmail-local.
 *    They belong to the open file description, so two open()s of the same
 *    file conflict even inside one process.
 *  - fcntl() record locks on the whole file (lock_fcntl, lock_fcntl_un):
 *    what maildrop and most MUAs take on an mbox, also over NFS.  They
 *    belong to the process and are dropped when it closes ANY descriptor
 *    of the file.  The fd must be open for writing.
 *  - dot-locks (lock_dot_acquire, lock_dot_release): "<mbox>.lock", created
 *    by writing a uniquely named temporary file next to the mbox and link()ing
 *    it to the lock name, which is atomic on NFS too (a link() whose reply
 *    was lost is recognised by the temporary file's link count).  A lock
 *    older than stale_seconds (by the file server's clock) is taken to be
 *    left over by a crash and removed.  Dot-locking cannot exclude the race
 *    of two processes breaking the same stale lock at the same instant;
 *    combine it with an fcntl() lock where that matters.
 *
 * Timeouts are in whole seconds: < 0 waits as long as it takes, 0 tries
 * once.  A wait that runs out fails with errno ETIMEDOUT, distinguishable
 * from real errors.  Waiting for lock_fcntl() and lock_dot_acquire() polls
 * (backing off up to a second), so no signal handler or timer is needed.
 * EINTR is retried.  Functions return 0 or -1 with errno set.
 */
#ifndef SUITE_LOCK_H
#define SUITE_LOCK_H

/* Exclusive flock(), waiting as long as it takes. */
int lock_ex(int fd);
/* Exclusive flock() without waiting: -1 with EWOULDBLOCK if it is held. */
int lock_exnb(int fd);
int lock_un(int fd);
/* A lock file as ezmlm and qmail keep them (a list's DIR/lock): opens path
 * for appending, creating it with mode 0600 (close-on-exec, nothing
 * written), and takes an exclusive flock() on it, waiting as long as it
 * takes.  Returns the descriptor (closing it releases the lock), or -1
 * with errno. */
int lock_file_ex(const char *path);

/* Exclusive fcntl() write lock on the whole file, waiting at most
 * timeout_seconds (< 0: F_SETLKW, no limit; EDEADLK is passed through). */
int lock_fcntl(int fd, int timeout_seconds);
int lock_fcntl_un(int fd);

/* Creates "<mbox>.lock" (containing our pid), waiting at most
 * timeout_seconds for another holder to let go, and removing a lock whose
 * modification time is more than stale_seconds old (< 0: never).  Errors
 * besides ETIMEDOUT: those of creating a file in mbox's directory (EACCES
 * when it is not writable, ENOENT, ENAMETOOLONG, ...). */
int lock_dot_acquire(const char *mbox, int timeout_seconds, int stale_seconds);
/* Removes "<mbox>.lock" (ENOENT if it is not there, for example because it
 * was broken as stale). */
int lock_dot_release(const char *mbox);
/* The same with the lock file's own name (nothing appended): maildrop's
 * dotlock statement and its LOCKEXT. */
int lock_dot_acquire_name(const char *lockname, int timeout_seconds, int stale_seconds);
int lock_dot_release_name(const char *lockname);

#endif
