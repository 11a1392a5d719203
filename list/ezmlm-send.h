/*
 * The parts of ezmlm-send (list/ezmlm-send*.c): the output sinks (the queue
 * and the archive file), the body copier with MIME part removal and the
 * trailer, the archive index, and the DMARC From rewriting.
 */
#ifndef LIST_EZMLM_SEND_H
#define LIST_EZMLM_SEND_H

#include <stddef.h>

#include "buf.h"
#include "listdir.h"
#include "msgin.h"
#include "qq.h"
#include "str.h"

#define SEND_PROG "ezmlm-send"

/* Where the outgoing message goes: always the queue, and the archive file
 * when the list is archived (arch NULL otherwise). */
typedef struct send_out {
    qq *q;
    buf *arch;
} send_out;

void send_both(send_out *o, const char *s, size_t len);
void send_qq(send_out *o, const char *s, size_t len);
void send_arch(send_out *o, const char *s, size_t len);

/* ---- body (ezmlm-send-body.c) ---- */

typedef struct send_body {
    const listdir *ld;
    const str *mimelist;    /* NUL-separated types: mimekeep or mimeremove */
    int mimekeep;           /* 1: mimelist is a keep list */
    int mime;               /* 1: strip parts (a boundary and a list were given) */
    const str *boundary;    /* top-level boundary ("" if none) */
    int trailer;            /* 1: add text/trailer */
    int multipart_trailer;  /* the message is multipart/mixed|digest|parallel */
    char encoding;          /* the post's Content-Transfer-Encoding: 0, 'Q', 'B' */
    const char *msgnum;     /* for <#n#> in the trailer */
    int foundpart;          /* out: 1 if some part survived (or no part removal) */
} send_body;

/* Copies the body of m to o (see ezmlm-send(1)).  0, or -1 on a read error
 * (errno set). */
int send_copy_body(send_body *b, msgin *m, send_out *o);

/* ---- index (ezmlm-send-index.c) ---- */

#define SEND_REPLY 1    /* the subject had reply markers */
#define SEND_PREFIX 2   /* the subject already had the list prefix */

/* out = subject (raw value) decoded, unfolded, without reply markers and
 * list prefix (prefix: the decoded prefix, may be empty); returns
 * SEND_REPLY | SEND_PREFIX flags, or -1 (ENOMEM). */
int send_subject_clean(str *out, const char *subj, size_t len, const str *prefix);
/* The display handle of a From: value (name, else the address with '@'
 * made '.'), decoded and made one line, into out (replaced). */
int send_author_name(str *out, const char *from, size_t len);
/* The date text of a Received: value v (unfolded): what follows its first
 * ';', leading blanks skipped, into out (replaced).  1 found, 0 no ';' (out
 * untouched), -1 ENOMEM. */
int send_received_date(str *out, const char *v, size_t len);
/* Appends the two index lines of message n to out (the format of ezmlm(5);
 * arguments as for send_index()).  0 or -1 (ENOMEM). */
int send_index_entry(str *out, unsigned long n, const str *subject, const str *received,
                     const str *from, const str *prefix);
/* Rewrites archive/<n/100>/index with the entry of message n.  subject,
 * received (date text after ';' of the top Received:) and from are raw
 * values (may be empty).  0 or -1 (errno). */
int send_index(const listdir *ld, unsigned long n, const str *subject, const str *received,
               const str *from, const str *prefix);

/* Merges entry (the two lines of message n) into archive/<n/100>/index:
 * the entries of earlier messages are kept, later ones dropped, and the
 * file is rewritten atomically.  0 or -1 (errno). */
int send_index_put(const listdir *ld, unsigned long n, const str *entry);
/* The list prefix as the index compares it: DIR/prefix (getconf, tags
 * substituted) with RFC 2047 words decoded, into out (replaced; empty when
 * there is none).  0 or -1 (errno). */
int send_index_prefix(const listdir *ld, str *out);
/* Appends the index entry of complete archived message n to out, from its
 * own Subject:, From: and top Received: (usedate: Date:, written as
 * "D Mon YYYY HH:MM:SS ZONE" when it parses); 0 also when there is no
 * complete message n.  0 or -1 (errno). */
int send_index_archived(str *out, const listdir *ld, unsigned long n, int usedate, const str *prefix);

/* ---- From rewriting (ezmlm-send-from.c) ---- */

/* DMARC policy of domain: 1 if its _dmarc TXT record asks receivers to
 * reject or quarantine mail that fails (the post must be rewritten), 0 if
 * not (no record, p=none, special-use names), -1 on a temporary DNS
 * failure. */
int send_dmarc_strict(const char *domain);
/* The domain of the first address of a From: value into out (replaced,
 * lowercased); 0 if there is none. */
int send_from_domain(str *out, const char *from, size_t len);
/* The replacement From: field (with "From: " and a final newline) for a
 * post whose From: value is from: "NAME via LIST" <LIST@HOST>. */
int send_from_line(str *out, const listdir *ld, const char *from, size_t len);

#endif
