/*
 * msgin: an incoming message as the list tools read it -- the header block
 * in memory (with a size cap), the body streamed in bounded memory.
 *
 * msgin_open() reads lines from fd until the header ends: at the empty
 * line, at the first line that is neither a field ("Name:"), a
 * continuation (after a field) nor an mbox "From " line -- the body then
 * starts AT that line, as hdr(3) sees it -- or at end of input.  The header
 * is kept in m->head, with the empty line when there was one, so that
 * m->head followed by the body pieces is the message exactly as read; the
 * body is then read piece by piece with msgin_piece(): whole lines, or
 * pieces of at most max bytes of a longer line, so a 10 MB line costs no
 * more memory than a short one.  A header larger than the cap fails with
 * EFBIG (callers treat it as a permanent error).
 *
 * The MIME helpers parse a Content-Type value: its media type (lowercased,
 * quotes tolerated) and its boundary parameter.
 *
 * Functions return 0 / -1 with errno unless documented otherwise.
 */
#ifndef LIST_MSGIN_H
#define LIST_MSGIN_H

#include <stddef.h>

#include "buf.h"
#include "str.h"

#define MSGIN_HEAD_MAX (1024u * 1024u)  /* default cap on the header block */
#define MSGIN_PIECE 4096u               /* a convenient piece size */

typedef struct msgin {
    buf in;
    str head;        /* the header fields (raw, line endings as read) and the
                        empty line after them, if any */
    str pend;        /* a body line read while looking for the header end */
    int pendstart;   /* pend begins a line */
    int midline;     /* the previous piece did not end its line */
    int ended;       /* 1 once the blank line separating header and body was seen */
    int eof;         /* the input ended */
    unsigned long long bodybytes; /* body bytes handed out so far */
} msgin;

#define MSGIN_INIT { { -1, 0, 0, 0, 0, -1, 0, 0, 0, 0 }, STR_INIT, STR_INIT, 0, 0, 0, 0, 0 }

/* Reads the header from fd (max bytes at most; 0 = MSGIN_HEAD_MAX). */
int msgin_open(msgin *m, int fd, size_t max);
/* The next body piece into *piece (replaced): a line with its '\n', or up
 * to max bytes (max >= 1) of a longer line, or the last bytes without a
 * newline.  *linestart is 1 when the piece begins a line.  Returns 1, 0 at
 * the end of the body, -1 on a read error. */
int msgin_piece(msgin *m, str *piece, size_t max, int *linestart);
void msgin_free(msgin *m);

/* 1 if the unfolded value of the first field called name is set in *out
 * (replaced, trimmed), 0 if there is none, -1 (ENOMEM). */
int msgin_field(const msgin *m, const char *name, str *out);

/* Media type of a Content-Type value (lowercased, "text/plain" style) into
 * *type (replaced).  Empty if there is none. */
int mime_type(const char *v, size_t len, str *type);
/* The parameter called name (case-insensitive) of a Content-Type value,
 * unquoted, into *out (replaced).  Returns 1 found, 0 not found, -1 ENOMEM;
 * 2 when a quoted value is not terminated (out holds what was there). */
int mime_param(const char *v, size_t len, const char *name, str *out);
/* 1 if line[0..len) is "--boundary" or "--boundary--" (trailing white
 * space allowed); *close is set for the closing delimiter. */
int mime_is_boundary(const char *line, size_t len, const str *boundary, int *close);

#endif
