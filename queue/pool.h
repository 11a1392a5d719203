/*
 * pool: recycled queue files.
 *
 * Why: every message passes through four short-lived queue files (mess,
 * the envelope in todo, info, local or remote).  Creating and removing
 * them costs two inode operations each, and on ext4 without a journal
 * (this project's reference disk) the allocator walks past every inode
 * freed in the last minutes before it finds a usable one, so a queue that
 * removes files quickly makes each later create slower; measured, the walk
 * took more CPU than all of the suite's own code.  Instead of unlinking a
 * finished queue file, its remover renames it into a pool directory and
 * empties it; the next writer of a queue file renames one back out of the
 * pool.  The inode survives, so nothing is freed and nothing is walked.
 *
 * Two pools, one per owner, because a file can only be reused by the user
 * that may write it:
 *   queue/poolq  (qmailq, mode 0700): mess files and envelopes; filled by
 *                qmail-clean, taken by qmail-queue
 *   queue/pools  (qmails, mode 0700): info, local and remote files; filled
 *                by qmail-send and qmail-todo, taken by qmail-todo
 * A pool file is named by its inode number.  Files up to POOL_KEEP bytes
 * keep their old contents and disk blocks: qmail-queue and qmail-todo take
 * them with pool_take_keep, overwrite them from the start and cut them off
 * at the new length before the fsync (a block rewritten in place costs the
 * filesystem less than one freed and another allocated; measured, ten per
 * cent more messages end to end).  Larger files are emptied on the way
 * in, under the hidden name .<inode> where takers never look, so that a
 * putter never empties a file a taker has already taken (a crash leaves
 * the hidden name behind, which nothing reads).
 * A missing pool directory (a queue made by qmail 1.03) means "no pool":
 * removals unlink and creations create, as before.  Nothing in a pool is
 * part of any message: qmail-qcheck may empty a pool at any time.
 *
 * Crash safety: a file enters the pool by rename, so at every moment it is
 * either still under its queue name or in the pool, never lost half-way;
 * the caller's directory fsyncs (the queue's commit points) are unchanged.
 * Functions work relative to the current directory (QMAILHOME/queue).
 */
#ifndef QUEUE_POOL_H
#define QUEUE_POOL_H

#include <sys/types.h>

#define POOL_Q "poolq"
#define POOL_S "pools"
#define POOL_MAX 4096     /* files kept; more removals simply unlink */
#define POOL_KEEP 65536   /* files up to this size keep their blocks in the pool */
#define POOL_NAMES 64     /* names a taker reads from the directory at once */

struct pool {
    const char *dir;
    long count;           /* putters: estimate of the files in the pool, -1 none */
    int counted;          /* count has been read from the directory */
    int skip;             /* puts since a full or missing pool was counted */
    int empty_skip;       /* takers: takes left to skip after an empty look */
    unsigned nnames, next;
    unsigned long names[POOL_NAMES];  /* inode names read, not yet tried */
};

/* A pool handle for dir (POOL_Q or POOL_S); nothing is opened yet. */
void pool_init(struct pool *p, const char *dir);

/* Removes the queue file path: renames it into the pool and empties it if
 * it is a regular file with a single link and the pool exists and is not
 * full; otherwise unlinks it.  Returns 1 if the file was removed from
 * path, 0 if path did not exist, -1 on failure (errno set; path is still
 * there). */
int pool_put(struct pool *p, const char *path);

/* Moves a pooled file to path (replacing whatever path names) and returns
 * it opened read-write, truncated, with permissions mode.  Returns -1 with
 * errno ENOENT when the pool is empty or missing (the caller then creates
 * a file as usual), or another errno on failure. */
int pool_take(struct pool *p, const char *path, mode_t mode);
/* The same without the truncation: the file may hold old contents, which
 * the caller overwrites from the start and cuts off with ftruncate before
 * it syncs (rewriting blocks in place is cheaper than freeing them and
 * allocating new ones). */
int pool_take_keep(struct pool *p, const char *path, mode_t mode);

#endif
