/*
 * netstring: D. J. Bernstein's netstrings, "<len>:<bytes>," -- the framing
 * of QMQP (qmail-qmqpc, qmail-qmqpd) and QMTP (qmail-qmtpd).
 *
 * A netstring is a length in decimal ASCII digits, ':', exactly that many
 * bytes (any value), and ','.  The length has no sign, no blanks and no
 * leading zeros ("0:," is the empty string; "01:a," is not a netstring).
 *
 * Writing: netstring_cat() appends a whole netstring, netstring_catlen()
 * only its "<len>:" prefix (for a payload that is streamed afterwards,
 * followed by a ','), to a str.  They return 0 or -1 (ENOMEM, out as it was).
 *
 * Reading: from a buf (lib/buf.h) or from memory.  Every reader takes a
 * limit max on the declared length and stops reading digits as soon as the
 * length passes it (so a hostile "99999999999999999999999..." costs a few
 * bytes, never an overflow); a reader consumes only the bytes it reports.
 * Results are enum netstring_result.
 */
#ifndef SUITE_NETSTRING_H
#define SUITE_NETSTRING_H

#include <stddef.h>

#include "buf.h"
#include "str.h"

enum netstring_result {
    NETSTRING_ERR = -1,   /* read error, errno set (ETIMEDOUT after a buf timeout) */
    NETSTRING_OK = 0,
    NETSTRING_EOF = 1,    /* end of input before the first byte */
    NETSTRING_TRUNC = 2,  /* end of input inside the netstring */
    NETSTRING_BAD = 3,    /* not a netstring: the first byte is not a digit,
                             the length has a leading zero, the digits are not
                             followed by ':', or the payload not by ',' */
    NETSTRING_TOOBIG = 4  /* the declared length is larger than max */
};

/* Appends "<len>:" s[0..len) ",". */
int netstring_cat(str *out, const char *s, size_t len);
/* Appends "<len>:". */
int netstring_catlen(str *out, size_t len);

/* Reads "<len>:" from in into *len.  *used (may be NULL) receives the bytes
 * consumed, digits and ':' included, also on failure (for callers that
 * count bytes against an enclosing netstring).  On NETSTRING_TOOBIG the
 * digits read so far are consumed, the rest is not. */
int netstring_getlen(buf *in, size_t max, size_t *len, size_t *used);
/* Reads the ',' that ends a netstring: OK, BAD (another byte, which is
 * consumed), EOF (reported as NETSTRING_TRUNC) or ERR. */
int netstring_getcomma(buf *in);
/* Reads a whole netstring whose length is at most max into out (replaced).
 * *used as in netstring_getlen (the payload and ',' counted when read). */
int netstring_get(buf *in, str *out, size_t max, size_t *used);

/* Parses the netstring at the start of s[0..n): on NETSTRING_OK, the payload
 * is s[*start .. *start + *len) and the netstring ends at s + *next.
 * NETSTRING_EOF when n is 0, NETSTRING_TRUNC when s is a proper prefix of a
 * netstring (more bytes are needed).  Never reads outside s[0..n). */
int netstring_parse(const char *s, size_t n, size_t max, size_t *start, size_t *len,
                    size_t *next);

#endif
