/*
 * digest: the collections ezmlm-get sends -- digests and the answers to
 * get and thread requests (ezmlm-get(1), formats).
 *
 * digest_write() starts a reply (reply.h) and writes the collection of the
 * complete archived messages lo..hi (only those whose subject hash is
 * thread, when thread is set; at most max of them, 0 = no limit; messages
 * missing from the archive or not yet complete are left out):
 *
 *   - a first text/plain part: the title, "Topics (messages A through B)"
 *     (TXT_TOP_TOPICS) when topics is set, the table of contents grouped
 *     by thread (the subject, then a TAB and "N by: AUTHOR" per message;
 *     not in format 'n'), "Administrivia:" and the admin text (text/digest
 *     for digests; else text/bottom unless omitbottom, and the request
 *     copy: "Return-Path: <SENDER>" and its header);
 *   - one message/rfc822 part per message, grouped by thread ('n': in
 *     numeric order), with Content-Disposition: inline;
 *     filename="LIST_N.eml", keeping the header fields named in
 *     DIR/digheaders (formats 'm' and 'x'; 'v' and 'n' keep them all), an
 *     empty line and the body.
 *
 * Format 'm' is multipart/digest, 'x' multipart/mixed, 'v' and 'n'
 * multipart/digest.  Format 'r' is one plain text/plain body (RFC 1153,
 * never transfer-encoded): the same first text, a line of 70 '-', each
 * message with only Date, To, From, Cc, Subject, Message-ID and Keywords
 * (in that order), an empty line and its body (a body line starting with
 * 30 '-' gets "- " in front), 30 '-' between messages, and "End of LIST
 * Digest" with a line of '*' under it.  The caller finishes the reply (reply_finish) after
 * its own bookkeeping.  Returns the number of messages written (in *count)
 * with 0, or -1 with errno (the reply is aborted).
 */
#ifndef LIST_DIGEST_H
#define LIST_DIGEST_H

#include <stddef.h>

#include "listdir.h"
#include "reply.h"

#define DIGEST_FORMATS "mxvnr"

struct digest_spec {
    char format;                /* a letter of DIGEST_FORMATS */
    unsigned long lo, hi;       /* the messages to consider */
    const char *thread;         /* subject hash filter, or NULL */
    size_t max;                 /* at most this many messages (0: all) */
    int topics;                 /* show "Topics (messages A through B)" */
    int isdigest;               /* admin text: text/digest */
    int omitbottom;             /* no text/bottom (requests) */
    const char *title;          /* the first line of the text part */
    const char *sender;         /* the requester (request copy), or NULL */
    const char *reqhead;        /* the request's header, or NULL */
    size_t reqheadlen;
    struct reply_head head;     /* From, To, Subject, ...; multipart is set here */
    const char *local;          /* <#l#> of the texts (NULL = LIST) */
};

int digest_write(reply *r, const listdir *ld, struct digest_spec *s, size_t *count);

/* "D Mon YYYY" (UTC) of t into out (appended). */
int digest_date(str *out, long t);

#endif
