/*
 * ipme: this host's own IPv4 addresses, as qmail's ipme module knows them,
 * for qmail-smtpd (an "[ip]" address literal naming this host is replaced
 * by localiphost) and qmail-remote (a mail exchanger that is this host is
 * not connected to).  The list holds the address of every interface that
 * has one (getifaddrs) and 0.0.0.0, which connects to this host too.
 * Also the parser of IPv4 literals both programs read.
 */
#ifndef QUEUE_IPME_H
#define QUEUE_IPME_H

#include <netinet/in.h>
#include <stddef.h>

typedef struct ipme {
    struct in_addr *a;
    size_t n;
} ipme;
#define IPME_INIT { 0, 0 }

/* Fills m (emptied first).  0, or -1 with errno. */
int ipme_init(ipme *m);
/* 1 if a is one of the addresses, else 0. */
int ipme_is(const ipme *m, struct in_addr a);
void ipme_free(ipme *m);

/* Parses a dotted-quad IPv4 address that makes up all of s[0..len)
 * ("192.0.2.1"), or the same in brackets ("[192.0.2.1]") when bracket is
 * 1.  Returns 1 and *a, or 0 if s is something else. */
int ipme_scan(const char *s, size_t len, int bracket, struct in_addr *a);

#endif
