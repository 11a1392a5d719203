/*
 * reformail-cache: the -D duplicate cache, in the original's file format so
 * that an existing cache keeps working (see reformail(1)).
 *
 * The file holds Message-ID values (the field's value with white space
 * trimmed at both ends), each followed by a NUL byte, oldest first, and one
 * more NUL after the last: an empty entry ends the list, and whatever
 * follows it is left over from a longer earlier version and ignored (the
 * file is rewritten in place, never shortened).  It is opened (created mode
 * 0600) and locked with an fcntl() write lock for the whole update.  The
 * first max(len, size of the file) bytes are read; the ID is removed where
 * it occurs and appended at the end (so it is the newest); then the oldest
 * entries are dropped while what remains is at least len bytes (if that
 * would drop everything, nothing is dropped); the result and the
 * terminating NUL are written at offset 0.  A negative or non-numeric len
 * keeps every entry.
 *
 * Failing to open, lock or read the file is a temporary failure (exit 75);
 * failing to write it exits 1, as the original does.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "die.h"
#include "fs.h"
#include "lock.h"
#include "reformail.h"

int rf_cache(const char *file, const char *maxlen, const char *id, size_t idlen)
{
    int fd, found = 0;
    off_t size;
    long long max = strtoll(maxlen, NULL, 10), want;
    char *data, *q, *w, *end;
    ssize_t got;
    size_t alloc;

    fd = open(file, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) die_sys(EXIT_TEMPFAIL, RF_PROG, "unable to open %s", file);
    if (lock_fcntl(fd, -1) < 0) die_sys(EXIT_TEMPFAIL, RF_PROG, "unable to lock %s", file);
    size = lseek(fd, 0, SEEK_END);
    if (size < 0 || lseek(fd, 0, SEEK_SET) < 0)
        die_sys(EXIT_TEMPFAIL, RF_PROG, "unable to seek in %s", file);
    want = max > (long long)size ? max : (long long)size;
    if (want > (long long)RF_CACHE_MAX)
        die(EXIT_TEMPFAIL, RF_PROG, "%s: the cache may not exceed %u bytes", file, RF_CACHE_MAX);
    if (size_add((size_t)want, idlen, &alloc) < 0 || size_add(alloc, 2, &alloc) < 0 ||
        !(data = malloc(alloc)))
        die(EXIT_TEMPFAIL, RF_PROG, "out of memory");
    got = fs_read_all(fd, data, (size_t)want);
    if (got < 0) die_sys(EXIT_TEMPFAIL, RF_PROG, "unable to read %s", file);

    /* keep every entry but this ID's, up to the empty one */
    end = data + got;
    for (q = w = data; q < end && *q;) {
        char *nul = memchr(q, 0, (size_t)(end - q));
        size_t n = nul ? (size_t)(nul - q) : (size_t)(end - q);
        if (n == idlen && memcmp(q, id, idlen) == 0) {
            found = 1;
        } else {
            memmove(w, q, n);
            w += n;
            *w++ = 0; /* (also ends an entry cut short by the end of the file) */
        }
        q += n + (nul != NULL);
    }
    memcpy(w, id, idlen);
    w += idlen;
    *w++ = 0;

    /* drop the oldest while at least max bytes remain */
    for (q = data; q < w && (long long)(w - q) >= max;) {
        char *nul = memchr(q, 0, (size_t)(w - q));
        q = nul ? nul + 1 : w;
    }
    if (q == w) q = data;
    *w++ = 0;

    if (lseek(fd, 0, SEEK_SET) < 0 || fs_write_all(fd, q, (size_t)(w - q)) < 0)
        die_sys(1, RF_PROG, "unable to write %s", file);
    if (close(fd) < 0) die_sys(1, RF_PROG, "unable to write %s", file);
    free(data);
    return found;
}
