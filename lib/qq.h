/*
 * qq: the client side of the qmail-queue interface, used by every program
 * that queues mail (qmail-inject, qmail-smtpd, qmail-local forwards,
 * qmail-send bounces, forward, the list tools, the MDA, the autoresponder).
 *
 * qq_start() runs $QMAILQUEUE if set (relative to home, as qmail does) or
 * home/bin/qmail-queue, with the message on a pipe at fd 0, the envelope on
 * a pipe at fd 1, and the write end of an error pipe at fd 6 (notqmail's
 * custom-error extension, exit 82).  Write the whole message first
 * (qq_put), then the envelope (qq_from, qq_to), then qq_finish(), which
 * waits and translates the exit code into qmail's result text: a class
 * letter 'D' (permanent) or 'Z' (temporary) and a human text such as
 * "qq write error or disk full (#4.3.0)".  SIGPIPE must be ignored by the
 * caller (a queue program that dies early closes the pipes).
 *
 * qq_start_argv() runs a queue program the caller chose, with arguments,
 * under the same protocol: the list tools use it for "bin/qmail-qmqpc
 * SERVER..." when a list directory names QMQP servers.
 */
#ifndef SUITE_QQ_H
#define SUITE_QQ_H

#include <sys/types.h>

#include "str.h"

typedef struct qq {
    pid_t pid;
    int msgfd;      /* write end: message */
    int envfd;      /* write end: envelope */
    int errfd;      /* read end of the fd-6 pipe */
    int failed;     /* a write failed (the queue program probably died) */
    char buf[8192];
    size_t buflen;
    unsigned long qp; /* pid of the queue program, as qmail's "qp" */
} qq;

/* Starts the queue program.  home may be NULL for ctl_home(). 0 or -1. */
int qq_start(qq *q, const char *home);
/* Starts argv[0] (relative to home unless it begins with '/') with the
 * arguments argv (NULL-terminated) in place of $QMAILQUEUE or
 * bin/qmail-queue; argv NULL (or argv[0] NULL or empty) is qq_start().
 * Exit codes and fd 6 are read as qmail-queue's.  0 or -1. */
int qq_start_argv(qq *q, const char *home, char *const *argv);
/* Message bytes (buffered). */
void qq_put(qq *q, const char *data, size_t len);
void qq_puts(qq *q, const char *s);
/* Ends the message; then the envelope: one sender, any number of
 * recipients.  Addresses are written as given (no NUL inside). */
void qq_from(qq *q, const char *sender);
void qq_to(qq *q, const char *rcpt);
/*
 * Ends the envelope, waits for the program and returns its verdict:
 * 0 on success, else 'D' or 'Z' with the reason in *why (replaced).
 */
int qq_finish(qq *q, str *why);
/* Abandons a started run (kills the program, reaps it). */
void qq_abort(qq *q);
/* The text qmail callers report for a qmail-queue exit code (no class
 * letter); *cls receives 'D' or 'Z' (or 0 for 0).  For tests and for
 * programs that run the queue program themselves. */
const char *qq_exit_text(int code, char *cls);

#endif
