/*
 * buf: buffered I/O on a file descriptor, with optional timeouts.
 *
 * A buf is bound to one fd and used in one direction: for reading or for
 * writing (the first operation decides; using it the other way afterwards
 * fails with EINVAL).  The buffer space is either supplied by the caller
 * (it must outlive the buf) or allocated by buf_init() and released by
 * buf_free().  buf never closes the fd.
 *
 * Timeouts are in milliseconds, -1 meaning none.  They bound every single
 * wait for the fd (poll() before each read() or write()), as qmail's
 * timeoutread/timeoutwrite do, not a whole operation; a wait that expires
 * fails with errno ETIMEDOUT.  EINTR is retried (with the remaining time),
 * and EAGAIN from a non-blocking fd waits in poll().  With a write timeout
 * on a non-socket, each write() is at most PIPE_BUF bytes so that a write
 * after poll() cannot block; sockets are written with MSG_DONTWAIT and
 * MSG_NOSIGNAL (a vanished peer gives EPIPE, not SIGPIPE).
 *
 * Reading: buf_read(), buf_getc(), buf_getline() and the zero-copy trio
 * buf_feed()/buf_peek()/buf_skip().  buf_buffered() tells how many unread
 * bytes are already in memory, so an SMTP server can flush its replies only
 * when the client's pipelined commands are used up.  Reading functions
 * consume only what they hand back: bytes read ahead of a delimiter stay
 * in the buffer for the next call.
 *
 * Writing: buf_put() and friends collect bytes; buf_flush() writes them
 * out.  The first write failure is sticky: it is kept in the buf, every
 * later put/flush fails at once with the same errno, and buf_error()
 * returns it, so a program may write a whole reply and check once.
 *
 * Bytes are bytes: NUL and any other value pass through unchanged.
 * Functions return 0 / -1 with errno unless documented otherwise.
 */
#ifndef SUITE_BUF_H
#define SUITE_BUF_H

#include <stddef.h>
#include <sys/types.h>

#include "str.h"

#define BUF_SIZE 8192   /* default size of an allocated buffer */

typedef struct buf {
    int fd;
    char *x;            /* buffer space */
    size_t size;        /* bytes of space */
    size_t p;           /* reading: first unread byte */
    size_t n;           /* reading: end of unread bytes; writing: bytes pending */
    int timeout;        /* milliseconds per wait, -1 for none */
    int err;            /* writing: sticky errno, 0 if none */
    char mode;          /* 0 unused yet, 'r' or 'w' */
    char owned;         /* x was allocated by buf_init() */
    char notsock;       /* writing: fd is known not to be a socket */
} buf;

/* A buf on caller-supplied space, for static initialisation. */
#define BUF_INIT(fd, space, size) { (fd), (space), (size), 0, 0, -1, 0, 0, 0, 0 }

/* Binds b to fd.  With space != NULL the caller's size bytes are used
 * (size > 0); with space == NULL, size bytes (BUF_SIZE if 0) are allocated.
 * The timeout starts as -1 (none). */
int buf_init(buf *b, int fd, char *space, size_t size);
/* Releases allocated space (not the fd; pending output is NOT flushed). */
void buf_free(buf *b);
/* Sets the per-wait timeout in milliseconds (-1: none). */
void buf_settimeout(buf *b, int ms);

/* ---- reading ---- */

/* Up to len bytes into out.  Returns the count (> 0), 0 at end of file,
 * -1 on error (ETIMEDOUT on timeout).  Buffered bytes are returned first
 * without touching the fd. */
ssize_t buf_read(buf *b, char *out, size_t len);
/* One byte into *c.  Returns 1, 0 at end of file, -1 on error. */
int buf_getc(buf *b, char *c);
/* Unread bytes already in memory (never touches the fd). */
size_t buf_buffered(const buf *b);
/* Makes sure some unread bytes are in memory: returns how many (> 0),
 * 0 at end of file, -1 on error.  Reads from the fd only when nothing is
 * buffered. */
ssize_t buf_feed(buf *b);
/* The unread bytes in memory (buf_buffered() of them). */
char *buf_peek(buf *b);
/* Consumes n unread bytes; n must be <= buf_buffered(). */
void buf_skip(buf *b, size_t n);

/* Result of buf_getline(). */
enum buf_line {
    BUF_ERR = -1,       /* error, errno set; line holds the bytes consumed so far */
    BUF_EOF = 0,        /* end of file before any byte; line is empty */
    BUF_LINE = 1,       /* a whole line, delimiter included */
    BUF_PARTIAL = 2,    /* the last line of the input had no delimiter */
    BUF_TOOLONG = 3     /* the line (with its delimiter) was longer than max: it was
                           consumed through its delimiter or end of file, and line
                           holds its first max bytes */
};
/* Reads one line ending in delim into line (replacing its contents).
 * At most max bytes are kept (SIZE_MAX: no limit, for trusted input only),
 * so memory stays bounded however long the line. */
int buf_getline(buf *b, str *line, char delim, size_t max);

/* ---- writing ---- */

int buf_put(buf *b, const char *data, size_t len);
int buf_puts(buf *b, const char *s);
int buf_putc(buf *b, char c);
int buf_putstr(buf *b, const str *s);
/* Writes all pending bytes out. */
int buf_flush(buf *b);
/* The sticky write error (an errno value), 0 if none. */
int buf_error(const buf *b);

/* Copies the rest of in to out (up to in's end of file) in bounded memory,
 * without flushing out at the end.  Returns 0 when in reached end of file,
 * -1 if reading in failed, -2 if writing out failed (errno set in both). */
int buf_copy(buf *out, buf *in);

#endif
