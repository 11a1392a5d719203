/*
 * qcommit: the commit record of a one-flush injection.
 *
 * qmail 1.03 makes an injection durable with two dependent disk flushes:
 * the message and envelope files first, then the todo link that commits
 * them.  qmail-queue can instead link the todo entry first and flush
 * everything at once (see qmail-queue(8)).  Within one boot that is safe:
 * the entry only appears once both files are complete in the page cache,
 * and the writer's flush finishes before it reports success.  After a
 * power loss, though, the todo link may have reached the disk while the
 * data it names did not.  So each file gets a record, as the extended
 * attribute user.qmail.commit, that lets the reader tell a torn entry from
 * a whole one:
 *
 *   id     the message id (the mess inode number): a record left over
 *          from a recycled file's previous message does not match
 *   boot   the first 8 bytes of the kernel's boot id when the record was
 *          written: only entries from an earlier boot need checking
 *   size   the length of the mess file
 *   hmess  qhash of the mess file's bytes
 *   henv   qhash of the envelope (the todo file's bytes; 0 on mess)
 *
 * Stored as the 4 bytes "QC1\0" and the five values, 8 bytes each, least
 * significant byte first.  While the writer has not finished flushing, the
 * todo file's mode is QCOMMIT_MODE_PENDING; qmail-todo flushes such an
 * entry itself before it builds on it.  An entry without a record (qmail
 * 1.03, or a file system without extended attributes, where qmail-queue
 * keeps the two-flush order) was committed the old way and is trusted.
 */
#ifndef QUEUE_QCOMMIT_H
#define QUEUE_QCOMMIT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define QCOMMIT_XATTR "user.qmail.commit"
#define QCOMMIT_LEN 44
#define QCOMMIT_MODE_PENDING 0640 /* the writer's flush is not known to be done */
#define QCOMMIT_MODE_DONE 0644    /* the mode of every other todo file */

struct qcommit {
    uint64_t id, boot, size, hmess, henv;
};

/* A fast 64-bit hash over a byte stream, to detect torn files (not an
 * adversary): eight bytes at a time, the tail padded. */
typedef struct {
    uint64_t h, len, word;
    unsigned fill; /* bytes collected in word */
} qhash;

void qhash_init(qhash *q);
void qhash_add(qhash *q, const void *data, size_t n);
uint64_t qhash_end(qhash *q);
uint64_t qhash_mem(const void *data, size_t n);

/* The running kernel's boot id (first 8 bytes); -1 if unknown. */
int qcommit_boot(uint64_t *boot);

/* Sets the record on fd; -1 with errno (EOPNOTSUPP: no user xattrs here). */
int qcommit_set(int fd, const struct qcommit *c);

/* Reads fd's record: 1 found, 0 none (or not a record of ours), -1 error. */
int qcommit_get(int fd, struct qcommit *c);

/* Hashes fd's whole contents from offset 0; -1 on a read error. */
int qcommit_hash_fd(int fd, uint64_t *hash, uint64_t *size);

/*
 * What the commit record of todo entry id (open as envfd; its message file
 * at messpath) says: 0 whole, or no record (committed in qmail's order);
 * 1 torn by a crash before its commit; -1 unknown (a read error).  A
 * record with another id is a recycled file's, never rewritten: torn.  An
 * entry written in the boot *boot (NULL: unknown) is whole as the page
 * cache has it; one from an earlier boot only if its files still hash to
 * the record.
 */
int qcommit_torn(int envfd, uint64_t id, const char *messpath, const uint64_t *boot);

#endif
