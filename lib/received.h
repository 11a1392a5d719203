/*
 * received: the Received header field qmail's network servers put at the
 * top of a message (qmail-smtpd, qmail-qmqpd, qmail-qmtpd):
 *
 *   Received: from relay.example (HELO mx.example) (info@192.0.2.7)
 *     by mail.example with SMTP; 20 Nov 2026 22:39:03 -0000
 *
 * The remote host, HELO argument, remote info, remote IP and local host come
 * from the network and are written "safely", as qmail does: every byte that
 * is not a letter, a digit or one of . @ % + / = : - [ ] becomes '?'.  A NULL
 * helo leaves out the "(HELO ...)" part, a NULL remoteinfo the "info@";
 * other NULL strings are written as "unknown".  The protocol name is
 * written as given.  The date is datefmt_822(when) (GMT).  The text ends
 * with "\n".  Appends to out; returns 0 or -1 (ENOMEM, out as it was).
 */
#ifndef SUITE_RECEIVED_H
#define SUITE_RECEIVED_H

#include <time.h>

#include "str.h"

int received_fmt(str *out, const char *protocol, const char *local, const char *remoteip,
                 const char *remotehost, const char *remoteinfo, const char *helo,
                 time_t when);

#endif
