/* pool: recycled queue files (see pool.h for why). */
#include "pool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "queuefmt.h"

#define RECOUNT_EVERY 64   /* puts between looks at a full or missing pool */
#define EMPTY_BACKOFF 16   /* takes skipped after finding the pool empty */

void pool_init(struct pool *p, const char *dir)
{
    p->dir = dir;
    p->count = -1;
    p->counted = 0;
    p->skip = 0;
    p->nnames = p->next = 0;
    p->empty_skip = 0;
}

/* Files in the pool directory, -1 if it cannot be read. */
static long count_files(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    long n = 0;
    if (!d) return -1;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') n++;
    closedir(d);
    return n;
}

static int has_room(struct pool *p)
{
    if (!p->counted || ((p->count < 0 || p->count >= POOL_MAX) && ++p->skip >= RECOUNT_EVERY)) {
        p->count = count_files(p->dir);
        p->counted = 1;
        p->skip = 0;
    }
    return p->count >= 0 && p->count < POOL_MAX;
}

static int remove_plainly(const char *path)
{
    if (unlink(path) == 0) return 1;
    return errno == ENOENT ? 0 : -1;
}

int pool_put(struct pool *p, const char *path)
{
    struct stat st;
    char dest[64], hidden[64];

    if (lstat(path, &st) < 0) return errno == ENOENT ? 0 : -1;
    /* a second link (intd beside todo) or anything odd is not reused */
    if (!S_ISREG(st.st_mode) || st.st_nlink != 1 || st.st_uid != geteuid() || !has_room(p))
        return remove_plainly(path);
    if (snprintf(dest, sizeof dest, "%s/%lu", p->dir, (unsigned long)st.st_ino) >= (int)sizeof dest ||
        snprintf(hidden, sizeof hidden, "%s/.%lu", p->dir, (unsigned long)st.st_ino) >= (int)sizeof hidden)
        return remove_plainly(path);
    /* A file with contents is emptied under a name that takers ignore and
     * only then published: emptying it under its pool name could empty it
     * after a taker had renamed it away and written a message into it.
     * Emptying it under its queue name is no better: a crash would leave
     * an empty file there (an empty todo entry reads as a broken message).
     * A crash in between leaves a hidden name, which nothing reads. */
    const char *first = st.st_size > POOL_KEEP ? hidden : dest;
    if (rename(path, first) < 0) {
        if (errno != ENOENT) return -1;
        /* the pool went away (or path did, which lstat just denied) */
        p->count = -1;
        return remove_plainly(path);
    }
    if (first == hidden) {
        /* frees the data blocks now, off the writers' path */
        int fd = open(hidden, O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        if (fd >= 0) {
            if (ftruncate(fd, 0) < 0) { /* pool_take truncates anyway */ }
            close(fd);
        }
        if (rename(hidden, dest) < 0) {
            (void)unlink(hidden); /* removed from path all the same */
            return 1;
        }
    }
    p->count++;
    return 1;
}

/* Reads up to POOL_NAMES file names; the start is rotated by pid so that
 * concurrent qmail-queue processes do not all race for the same file. */
static void refill(struct pool *p)
{
    DIR *d = opendir(p->dir);
    struct dirent *e;
    p->nnames = p->next = 0;
    if (!d) return;
    while (p->nnames < POOL_NAMES && (e = readdir(d))) {
        unsigned long ino;
        if (qf_parse_id(e->d_name, &ino)) p->names[p->nnames++] = ino;
    }
    closedir(d);
    if (p->nnames) p->next = (unsigned)getpid() % p->nnames;
}

/* Removes something that was in the pool but is no usable file. */
static void discard(const char *path)
{
    if (unlink(path) < 0 && (errno == EISDIR || errno == EPERM)) rmdir(path);
}

static int take(struct pool *p, const char *path, mode_t mode, int trunc);

int pool_take(struct pool *p, const char *path, mode_t mode) { return take(p, path, mode, O_TRUNC); }

int pool_take_keep(struct pool *p, const char *path, mode_t mode) { return take(p, path, mode, 0); }

static int take(struct pool *p, const char *path, mode_t mode, int trunc)
{
    char src[64];

    if (p->empty_skip > 0) {
        p->empty_skip--;
        errno = ENOENT;
        return -1;
    }
    for (int rounds = 0; rounds < 2; rounds++) {
        if (p->nnames == 0) refill(p);
        if (p->nnames == 0) break; /* the directory is empty: no second look */
        while (p->nnames > 0) {
            unsigned long ino = p->names[p->next];
            struct stat st;
            int fd;

            p->names[p->next] = p->names[--p->nnames];
            if (p->nnames) p->next %= p->nnames; else p->next = 0;
            snprintf(src, sizeof src, "%s/%lu", p->dir, ino);
            if (rename(src, path) < 0) {
                if (errno == ENOENT) continue; /* another taker won it */
                return -1;
            }
            fd = open(path, O_RDWR | trunc | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
            if (fd < 0) {
                discard(path);
                continue;
            }
            if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1 ||
                ((st.st_mode & 07777) != mode && fchmod(fd, mode) < 0) ||
                fcntl(fd, F_SETFL, 0) < 0) {
                close(fd);
                discard(path);
                continue;
            }
            if (p->count > 0) p->count--; /* a process that also puts */
            return fd;
        }
    }
    p->empty_skip = EMPTY_BACKOFF;
    errno = ENOENT;
    return -1;
}
