/*
 * reply: messages the list software writes itself -- ezmlm-manage's
 * answers and confirmation requests, ezmlm-warn's warnings and probes.
 *
 * reply_start() runs the queue program and writes the header: Mailing-List
 * (TXT_MAILING_LIST), List-Id (DIR/listid, else <LIST.HOST>), optionally
 * List-Help/List-Post/List-Subscribe, Date, Message-ID <TIME.PID.ezmlm@HOST>,
 * From, To (the local part quoted when needed), optionally
 * "Delivered-To: responder for LIST@HOST" and the request's own
 * Delivered-To and Received lines (loop detection), MIME-Version,
 * Content-Type, Reply-To, any extra lines, Subject (RFC 2047 encoded when
 * not ASCII).
 *
 * The text part is collected in memory (reply_file, reply_add) and written
 * in the list's charset: plain text/plain, or, when DIR/charset ends in
 * ":Q" or ":B", a multipart/mixed message whose first part is the text,
 * quoted-printable or base64 (h->attach asks for the multipart form with
 * an unencoded text part too).  reply_copy_begin() ends the text; what
 * follows (reply_copy: a copy of the request or of a bounce) is written
 * unencoded after it, in a message/rfc822 part for encoded replies.
 * reply_part() starts further parts (ezmlm-get's collections: one
 * message/rfc822 part per archived message, h->multipart "digest").
 * reply_finish() ends the message, writes the envelope and waits for the
 * queue.  Functions return 0 / -1 with errno; reply_file() may also return
 * CTL_MISSING (no such text file).
 */
#ifndef LIST_REPLY_H
#define LIST_REPLY_H

#include <stddef.h>

#include "listdir.h"
#include "qq.h"
#include "str.h"
#include "text.h"

typedef struct reply {
    qq q;
    const listdir *ld;
    str text;        /* the text part, not yet encoded */
    str bnd;         /* boundary of the multipart form ("" if plain) */
    char enc;        /* 0, 'Q' or 'B' */
    int copying;     /* reply_copy_begin() was called */
    int running;     /* the queue program runs */
    int mime;        /* multipart/mixed form (encoded, or attach was asked) */
} reply;

#define REPLY_INIT { { 0, -1, -1, -1, 0, { 0 }, 0, 0 }, 0, STR_INIT, STR_INIT, 0, 0, 0, 0 }

struct reply_head {
    const char *from;        /* From: address (LIST-help@HOST) */
    const char *to;          /* To: address */
    const char *subject;     /* Subject: text */
    const char *replyto;     /* Reply-To: address, or NULL */
    const char *local;       /* <#l#> of the List-* headers (NULL = LIST) */
    int listheaders;         /* add List-Help, List-Post, List-Subscribe */
    int responder;           /* add Delivered-To: responder for LIST@HOST */
    const char *reqhead;     /* the request's header (its Delivered-To and */
    size_t reqheadlen;       /*   Received lines are copied), or NULL */
    const char *extra;       /* more header lines (each ending in '\n'), or NULL */
    int attach;              /* multipart/mixed even when not encoded, so that
                                the copy is a message/rfc822 part */
    const char *multipart;   /* subtype of the multipart form ("digest"); NULL
                                is "mixed" */
    int plain;               /* one text/plain body, never encoded nor
                                multipart, whatever DIR/charset says (the
                                RFC 1153 digest) */
};

int reply_start(reply *r, const listdir *ld, const struct reply_head *h);
/* Appends text file name, processed with v; CTL_MISSING if there is none. */
int reply_file(reply *r, const char *name, const text_vars *v);
/* Appends literal text. */
int reply_add(reply *r, const char *s, size_t len);
int reply_adds(reply *r, const char *s);
/* Ends the text part; reply_copy() data follows unencoded. */
int reply_copy_begin(reply *r);
void reply_copy(reply *r, const char *s, size_t len);
/* Ends the text part (or the previous part) and starts one more part of a
 * multipart reply: head holds its header lines, each ending in '\n' (the
 * empty line is added).  The part's content follows with reply_copy() and
 * should end with a newline.  0 or -1. */
int reply_part(reply *r, const char *head);
/* Ends the message (flushing the text part if needed), sends the
 * envelope (sender, one recipient or several with reply_rcpt) and waits
 * for the queue: 0, or 'D'/'Z' with the reason in *why. */
int reply_finish(reply *r, const char *sender, const char *const *rcpts, size_t nrcpts, str *why);
/* Kills a started reply. */
void reply_abort(reply *r);
void reply_free(reply *r);

#endif
