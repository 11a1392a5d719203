/*
 * ezmsg: small pieces shared by the list programs that answer mail
 * (ezmlm-send, -reject, -manage, -return, -warn): diagnostics whose text
 * comes from the list's messages (text/messages, then the compiled-in
 * English table, then our own fallback text), the version option, and the
 * queue program: starting it (qmail-queue, or qmail-qmqpc for a list with
 * QMQP servers) and its verdict.
 */
#ifndef LIST_EZMSG_H
#define LIST_EZMSG_H

#include "listdir.h"
#include "qq.h"
#include "str.h"

#define EZMSG_VERSION "ezmlm-idx-7.2.2"

/* Appends the message name: from the list's texts when ld is not NULL and
 * one of them defines it, else fallback.  <#1#> in either becomes p1 (NULL:
 * empty).  0 or -1 (ENOMEM). */
int ezmsg(str *out, const listdir *ld, const char *name, const char *fallback, const char *p1);
/* "<prog>: fatal: <message>" and exit(code). */
void ezmsg_die(int code, const char *prog, const listdir *ld, const char *name,
               const char *fallback, const char *p1) __attribute__((noreturn));
/* listdir_open(ld, dir, LISTDIR_NEED_NAMES), or die 111 with "unable to
 * read FILE" (the file that failed). */
void ezmsg_listdir(listdir *ld, const char *prog, const char *dir);
/* The same with listdir_open()'s flags given (0: a list directory without
 * outlocal/outhost will do, as for the archive and counter tools). */
void ezmsg_listdir_flags(listdir *ld, const char *prog, const char *dir, unsigned flags);
/* The value of a numeric option: decimal digits only (saturating at
 * ULONG_MAX, as archive_scan_num()), else die_usage(prog, usage). */
unsigned long ezmsg_opt_num(const char *prog, const char *usage, const char *arg);
/* "ezmlm version: ezmlm-idx-7.2.2" on stderr, exit 0 (the -v/-V option). */
void ezmsg_version(void) __attribute__((noreturn));
/* Starts the queue program for a list's outgoing message (digest 1.2):
 * $QMAILQUEUE when set; else, when DIR/qmqpservers/0 or DIR/qmqpservers
 * (a file) has servers (one per line, getconf line rules),
 * "bin/qmail-qmqpc SERVER..." in the qmail home; else bin/qmail-queue.
 * ld NULL (no list directory): qq_start().  0, or -1 with errno. */
int ezmsg_qq_start(qq *q, const listdir *ld);
/* Finishes a queue run: on success prints "<prog>: info: qp <pid>" (unless
 * quiet) and returns; otherwise dies 111 with "temporary qmail-queue error:
 * <reason>" (every list program treats a queue failure as temporary). */
void ezmsg_qq_finish(qq *q, const char *prog, int quiet);

#endif
