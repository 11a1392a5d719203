/*
 * autoreply: the engine of the autoresponders qmail-autoresponder and
 * vacation: decide whether a message deserves an automatic response
 * (RFC 3834), compose the response from a template, keep the per-sender
 * rate limit (lib/arstate) and queue the response (lib/qq).
 *
 * Decisions, in order; the first that applies declines the message
 * (AUTOREPLY_IGNORED, with the reason in one line of text):
 *   1. outside [starttime, endtime] when those are set;
 *   2. the envelope sender: empty (a bounce), "#@[]" (a double bounce), not
 *      a usable address (a control byte, ADDR_PATH_MAX bytes or more, no
 *      '@', an empty local part, a leading '@', a domain with white space
 *      or specials other than an address literal), or an automatic sender: local
 *      part beginning with "mailer-daemon" or "owner-", ending in "-owner",
 *      "-request" or "-bounces", or equal to postmaster, listserv,
 *      majordomo, mailer, uucp, noreply, no-reply, donotreply or
 *      do-not-reply (ASCII case ignored);
 *   3. the sender is on the exclusion list (an address, or "@domain") or is
 *      one of our own addresses;
 *   4. the header (top level, as lib/hdr reads it) is larger than
 *      AUTOREPLY_HEADER_MAX, or has: Auto-Submitted other than "no";
 *      Precedence bulk, junk or list; any List-* field, Mailing-List,
 *      X-Mailing-List or X-ML-Name; Content-Type multipart/report;
 *      X-Spam-Flag yes; X-Auto-Response-Suppress naming OOF or All; a
 *      Delivered-To naming our recipient (the address of $DTLINE);
 *   5. with check_to, none of our addresses is in To, Cc, Bcc, Resent-To,
 *      Resent-Cc or Resent-Bcc (parsed with lib/addr): our addresses are
 *      the recipient and the aliases; an alias with '@' is compared whole,
 *      one without '@' with the local part of any address;
 *   6. with a state directory, msglimit responses to this sender were
 *      recorded within the interval.
 *
 * The response (autoreply_compose) has a null envelope sender and goes to
 * the envelope sender (plus any bcc addresses).  Its header: From (the
 * template's, else the default address), To, Subject, the template's other
 * fields, Date, Message-ID, In-Reply-To and References (from the
 * original's Message-ID and References, when they are well-formed),
 * Auto-Submitted: auto-replied, Precedence: junk (unless the template
 * sets one), MIME-Version and a Content-Type.  Text taken from the
 * original (its Subject, the sender, the recipient) is RFC 2047-decoded,
 * stripped of control bytes (so of CR and LF), cut to a bounded length and
 * re-encoded (lib/enc: "=?UTF-8?Q?...?=" words): nothing from the original
 * can add a header line.  A template
 * without Content-Type is sent as text/plain; charset=UTF-8 (ISO-8859-1
 * when it is not valid UTF-8), quoted-printable (lib/enc) when it has
 * 8-bit bytes or long lines.  With copymsg the response is multipart/mixed: the text,
 * then the original (filtered header, at most numlines body lines) as a
 * message/rfc822 part.
 *
 * Templates: a header, an empty line and a body, as a message (lib/hdr:
 * without an empty line, the body starts at the first line that is not a
 * header field; a file that is all fields has an empty body).  Fields
 * dropped from the template: To, Cc, Bcc, Date, Message-ID, In-Reply-To,
 * References, Auto-Submitted, Delivered-To, Return-Path, MIME-Version,
 * Content-Length (and Subject when subject_prefix is set).  Substitution:
 * AUTOREPLY_SUBST_PERCENT (qmail-autoresponder) replaces %S by the
 * original Subject, %s by the sender, %r by the recipient and %% by %;
 * AUTOREPLY_SUBST_DOLLAR (vacation) replaces $SUBJECT.  A missing or empty
 * Subject is "Your mail".  In the Subject field, when the template or
 * subject_prefix puts text before the original subject, the original's
 * leading reply prefixes (Re:, Aw:, Sv:, Antw:, Vs:, Ref:, Auto:, with an
 * optional [n] or ^n, and copies of subject_prefix) are dropped, so
 * subjects do not grow.  Without any Subject the response gets
 * "Auto: <original subject>".
 *
 * Nothing here prints or exits; functions return 0 (or a documented
 * value), or -1 with errno.
 */
#ifndef SUITE_AUTOREPLY_H
#define SUITE_AUTOREPLY_H

#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "str.h"

#define AUTOREPLY_HEADER_MAX (512u * 1024)  /* incoming header kept in memory */
#define AUTOREPLY_MSG_MAX (256u * 1024)     /* largest template */
#define AUTOREPLY_REPLY_MAX (2u * 1024 * 1024) /* largest composed text */
#define AUTOREPLY_SUBJECT_MAX 200           /* bytes of the original Subject kept */
#define AUTOREPLY_NOLIMIT ((unsigned long)-1)

enum autoreply_subst {
    AUTOREPLY_SUBST_PERCENT = 1,  /* %S %s %r %% */
    AUTOREPLY_SUBST_DOLLAR = 2    /* $SUBJECT */
};

typedef struct autoreply_opts {
    /* whom */
    const char *sender;        /* the envelope sender: the response goes there;
                                  NULL: the address of the message's first
                                  Return-Path field, else of its mbox
                                  "From " line, else empty */
    const char *recipient;     /* our envelope recipient ($RECIPIENT), or NULL */
    const char *dtline;        /* $DTLINE, or NULL ("Delivered-To: " recipient) */
    const char *const *aliases; size_t naliases;  /* more addresses of ours */
    const char *const *exclude; size_t nexclude;  /* never answer these */
    int check_to;              /* decision 5 (default 1) */
    /* when */
    time_t now;
    time_t starttime, endtime; /* 0: unset */
    /* rate limit */
    const char *statedir;      /* NULL: no rate limit */
    int create_statedir;       /* create it if missing */
    unsigned long interval;    /* seconds; ARSTATE_FOREVER: never ends (default 3600) */
    unsigned long msglimit;    /* responses per sender per interval (default 1) */
    unsigned long maxentries;  /* cap on entries, 0: none (default 10000) */
    int nodelete;              /* neither expire nor evict */
    int lockwait;              /* seconds to wait for the lock (default 120) */
    /* the response */
    const char *msg; size_t msglen;  /* the template */
    int subst;                 /* enum autoreply_subst (default PERCENT) */
    const char *subject_prefix;      /* NULL: none */
    int no_inreplyto;          /* no In-Reply-To / References */
    int copymsg;               /* attach the original */
    unsigned long numlines;    /* body lines of the original attached (default all) */
    const char *headerkeep;    /* ':'-separated globs of fields attached, NULL all */
    const char *headerstrip;   /* ':'-separated globs of fields not attached */
    const char *separator;     /* text after the response text when attaching */
    const char *const *bcc; size_t nbcc;  /* more envelope recipients */
    const char *from;          /* From when the template has none, or NULL */
    const char *idhost;        /* host part of the Message-ID (default "localhost") */
    unsigned long pid;
    /* where */
    const char *qmailhome;     /* for qmail-queue; NULL: ctl_home() */
    int dryfd;                 /* >= 0: write the response here, queue nothing (-N) */
    int passfd;                /* >= 0: copy the incoming message here (-X) */
} autoreply_opts;

/* Defaults as noted above; now = time(NULL), pid = getpid(), fds -1. */
void autoreply_opts_init(autoreply_opts *o);

enum autoreply_result {
    AUTOREPLY_TEMP = -1,    /* temporary failure: nothing sent, no state kept */
    AUTOREPLY_SENT = 0,     /* queued (or written, with dryfd) */
    AUTOREPLY_IGNORED = 1,  /* declined; why says why */
    AUTOREPLY_REFUSED = 2   /* the queue refused the response permanently */
};

/* Reads the incoming message from in, decides, and answers.  Returns enum
 * autoreply_result; why receives one line (no newline): the address
 * answered (SENT), the reason (IGNORED), the error (TEMP) or the queue's
 * text (REFUSED); *qp the queue program's pid. */
int autoreply_run(const autoreply_opts *o, buf *in, str *why, unsigned long *qp);

/* ---- steps the programs share ------------------------------------------------ */

/* Sets o->qmailhome to ctl_home() made absolute (so that it survives the
 * program's change of directory), kept in home, and o->idhost to
 * control/idhost (else control/me, else "localhost"), kept in idhost.
 * 0, or -1 with errno. */
int autoreply_opts_home(autoreply_opts *o, str *home, str *idhost);
/* Sets o->from to the first of o->aliases that has an '@', else to
 * o->recipient. */
void autoreply_opts_from(autoreply_opts *o);
/* Appends the line (LF-ended) a program prints on stderr for what
 * autoreply_run returned, control bytes of why shown as '_':
 * "PROG: Sent response qp QP to WHY" ("... response to WHY" when dry),
 * "PROG: Ignoring message: WHY", "PROG: warning: the queue refused the
 * response: WHY".  Nothing for AUTOREPLY_TEMP (a fatal error: the program
 * says so and exits).  0 or -1 (ENOMEM). */
int autoreply_result_line(str *out, const char *prog, int result, const str *why, unsigned long qp,
                          int dry);

/* ---- building blocks (also for the unit tests) ------------------------------- */

/* What the header scan keeps of the original. */
typedef struct autoreply_orig {
    str subject;      /* cleaned (autoreply_subject_clean); "" if none */
    str msgid;        /* "<...>" or "" */
    str refs;         /* well-formed ids of References, space-separated */
} autoreply_orig;
void autoreply_orig_free(autoreply_orig *g);

/* Decision 2: 0 if sender may be answered, 1 if not (reason appended to
 * why), -1 on error. */
int autoreply_check_sender(const char *sender, str *why);
/* Decisions 3 to 5 on the header hdr[0..len); fills g.  0, 1 or -1 as above. */
int autoreply_check_header(const autoreply_opts *o, const char *hdr, size_t len,
                           autoreply_orig *g, str *why);
/* Appends the cleaned form of a Subject value: unfolded, RFC 2047-decoded,
 * control bytes as spaces, white space runs as one space, trimmed, invalid
 * UTF-8 bytes as '?', cut at a character boundary to AUTOREPLY_SUBJECT_MAX
 * bytes (then "..." is added). */
int autoreply_subject_clean(str *out, const char *value, size_t len);
/* How many leading bytes of s are reply prefixes (and copies of prefix,
 * which may be NULL) with their white space. */
size_t autoreply_subject_skip(const char *s, size_t len, const char *prefix);
/* Appends the response's header and text (for copymsg: up to the header of
 * the message/rfc822 part, boundary being the multipart boundary). */
int autoreply_compose(str *out, const autoreply_opts *o, const autoreply_orig *g,
                      const char *boundary);

#endif
