/*
 * qmail-remote internals shared by its parts (qmail-remote.c: routing, the
 * SMTP dialogue and the reports; qmail-remote-dns.c: MX and A lookups
 * through the system resolver).  Not a lib module: nothing else uses it.
 */
#ifndef QMAIL_REMOTE_H
#define QMAIL_REMOTE_H

#include <netinet/in.h>
#include <stddef.h>

/* One address to try, with the preference of the MX it came from. */
struct rmx {
    struct in_addr ip;
    unsigned long pref;
};

typedef struct rmxlist {
    struct rmx *v;
    size_t n, cap;
} rmxlist;

/* Results of the lookups, as qmail's dns module has them. */
enum { RDNS_OK = 0, RDNS_SOFTSOME = 1, RDNS_MEM = -1, RDNS_SOFT = -2, RDNS_HARD = -3 };

/* The IPv4 addresses of host (a literal "1.2.3.4" or "[1.2.3.4]" is used
 * as is), appended to l with preference pref.  RDNS_OK, RDNS_MEM,
 * RDNS_SOFT (a temporary DNS failure) or RDNS_HARD (no such name, or no A
 * records). */
int rdns_ip(rmxlist *l, const char *host, unsigned long pref);
/* The addresses of host's mail exchangers in the order to try them:
 * ascending preference, equal preferences shuffled by random (qmail's
 * generator), each exchanger's A records in DNS order.  Without MX records
 * the host's own A records (preference 0).  RDNS_OK, RDNS_SOFTSOME (the A
 * lookup of some exchanger failed temporarily), RDNS_MEM, RDNS_SOFT or
 * RDNS_HARD. */
int rdns_mxip(rmxlist *l, const char *host, unsigned long random);
void rmx_free(rmxlist *l);

#endif
