/* tcpto: qmail-remote's timeout table.  See tcpto.h. */
#include "tcpto.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "fs.h"
#include "lock.h"

unsigned long tcpto_when(const unsigned char *rec)
{
    return (unsigned long)rec[8] | (unsigned long)rec[9] << 8 | (unsigned long)rec[10] << 16 |
           (unsigned long)rec[11] << 24;
}

static void set_when(unsigned char *rec, unsigned long when)
{
    rec[8] = (unsigned char)when;
    rec[9] = (unsigned char)(when >> 8);
    rec[10] = (unsigned char)(when >> 16);
    rec[11] = (unsigned char)(when >> 24);
}

/* Opens and locks the table and reads it: the number of records (> 0)
 * with *fdlock held, or 0 with nothing open. */
static int getbuf(unsigned char *tbuf, int *fdlock)
{
    int fd;
    ssize_t r;
    *fdlock = open(TCPTO_FILE, O_WRONLY | O_CLOEXEC);
    if (*fdlock < 0) return 0;
    fd = open(TCPTO_FILE, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        close(*fdlock);
        return 0;
    }
    if (lock_ex(*fdlock) < 0) {
        close(*fdlock);
        close(fd);
        return 0;
    }
    r = fs_read_all(fd, tbuf, TCPTO_SIZE);
    close(fd);
    if (r < TCPTO_RECLEN) {
        lock_un(*fdlock);
        close(*fdlock);
        return 0;
    }
    return (int)(r / TCPTO_RECLEN);
}

static void putrec(int fdlock, int i, const unsigned char *rec)
{
    if (lseek(fdlock, (off_t)i * TCPTO_RECLEN, SEEK_SET) == (off_t)i * TCPTO_RECLEN)
        (void)fs_write_all(fdlock, rec, TCPTO_RECLEN);
}

int tcpto_skip(tcpto_state *t, struct in_addr ip)
{
    unsigned char tbuf[TCPTO_SIZE];
    int fdlock, n;

    t->wasthere = 0;
    n = getbuf(tbuf, &fdlock);
    if (!n) return 0;
    close(fdlock);
    for (int i = 0; i < n; i++) {
        unsigned char *rec = tbuf + i * TCPTO_RECLEN;
        if (memcmp(rec, &ip.s_addr, 4)) continue;
        t->wasthere = 1;
        if (rec[4] >= 2) {
            unsigned long when = tcpto_when(rec);
            unsigned long now = (unsigned long)time(NULL);
            if (now - when < ((60 + ((unsigned long)getpid() & 31)) << 6)) return 1;
        }
        return 0;
    }
    return 0;
}

void tcpto_err(tcpto_state *t, struct in_addr ip, int timedout)
{
    unsigned char tbuf[TCPTO_SIZE];
    int fdlock, n, i;
    unsigned char *rec;

    if (!timedout && !t->wasthere) return;   /* nothing to clear */
    n = getbuf(tbuf, &fdlock);
    if (!n) return;

    for (i = 0; i < n; i++) {
        rec = tbuf + i * TCPTO_RECLEN;
        if (memcmp(rec, &ip.s_addr, 4)) continue;
        if (!timedout) {
            rec[4] = 0;
        } else {
            unsigned long when = (unsigned long)time(NULL);
            if (rec[4] && when < 120 + tcpto_when(rec)) goto done;
            if (++rec[4] > 10) rec[4] = 10;
            set_when(rec, when);
        }
        putrec(fdlock, i, rec);
        goto done;
    }
    if (!timedout) goto done;

    /* a new record: a free one, else the oldest by time + count * 1024 */
    for (i = 0; i < n; i++)
        if (!tbuf[i * TCPTO_RECLEN + 4]) break;
    if (i >= n) {
        unsigned long firstwhen = 0;
        int firstpos = -1;
        for (i = 0; i < n; i++) {
            rec = tbuf + i * TCPTO_RECLEN;
            unsigned long when = tcpto_when(rec) + ((unsigned long)rec[4] << 10);
            if (firstpos < 0 || when < firstwhen) {
                firstpos = i;
                firstwhen = when;
            }
        }
        i = firstpos;
    }
    rec = tbuf + i * TCPTO_RECLEN;
    memset(rec, 0, TCPTO_RECLEN);
    memcpy(rec, &ip.s_addr, 4);
    set_when(rec, (unsigned long)time(NULL));
    rec[4] = 1;
    putrec(fdlock, i, rec);
done:
    lock_un(fdlock);
    close(fdlock);
}
