/*
 * qqfwd: queue a forwarded copy of the message on stdin, as forward,
 * condredirect, dot-forward and ezmlm-dispatch do: $DTLINE (the Delivered-To line
 * qmail-local made) in front of the message read from fd 0 to its end,
 * one envelope sender and a list of recipients, through qmail-queue or
 * $QMAILQUEUE (lib/qq).  The message is copied in bounded memory.
 */
#ifndef LIB_QQFWD_H
#define LIB_QQFWD_H

#include <stddef.h>

#include "str.h"

enum qqfwd_result {
    QQFWD_READ = -2,   /* reading the message failed (errno set); nothing queued */
    QQFWD_START = -1,  /* the queue program could not be started (errno set) */
    QQFWD_OK = 0,      /* queued; *qp holds the queue program's pid */
    QQFWD_PERM = 'D',  /* refused permanently; why holds qmail's text */
    QQFWD_TEMP = 'Z'   /* failed temporarily; why holds qmail's text */
};

/* Queues dtline + fd 0 from sender to rcpt[0..n).  Returns enum qqfwd_result. */
int qqfwd(const char *dtline, const char *sender, char *const *rcpt, size_t n,
          unsigned long *qp, str *why);

/* qqfwd(), then what forward and condredirect do with its result:
 * "<prog>: qp <qp>" on stderr when queued; else "<prog>: fatal: ..." and
 * exit 100 (refused permanently) or 111 (a temporary failure, or the
 * message could not be read or the queue started). */
void qqfwd_or_die(const char *prog, const char *dtline, const char *sender, char *const *rcpt, size_t n);

/* Writes "<prog>: qp <qp>\n" on stderr, the line qmail's forwarders print. */
void qqfwd_report(const char *prog, unsigned long qp);

#endif
