/*
 * tcpto: qmail-remote's table of hosts that recently timed out
 * (queue/lock/tcpto, qmail's format), shared by qmail-remote, qmail-tcpto
 * and qmail-tcpok.
 *
 * The file holds up to TCPTO_RECORDS records of TCPTO_RECLEN bytes: the
 * IPv4 address (4 bytes, network order), the count of recent timeouts
 * (1 byte, at most 10; 0 = unused record), 3 unused bytes, and the time of
 * the last timeout (4 bytes, little-endian seconds), then 4 unused bytes.
 * Readers and writers hold an exclusive flock() on the file.  Every
 * function works relative to the current directory (the qmail home) and
 * treats a missing or unreadable file as an empty table: the table is a
 * hint, never a reason to fail a delivery.
 */
#ifndef QUEUE_TCPTO_H
#define QUEUE_TCPTO_H

#include <netinet/in.h>
#include <time.h>

#define TCPTO_FILE "queue/lock/tcpto"
#define TCPTO_SIZE 1024
#define TCPTO_RECLEN 16
#define TCPTO_RECORDS (TCPTO_SIZE / TCPTO_RECLEN)

/* The time stamp of a record. */
unsigned long tcpto_when(const unsigned char *rec);

/* State of one qmail-remote run: whether the last address checked with
 * tcpto_skip() had a record. */
typedef struct tcpto_state {
    int wasthere;
} tcpto_state;

/* 1 if ip timed out at least twice and the last time was less than
 * (60 + (pid & 31)) * 64 seconds ago (so qmail-remote skips it), else 0. */
int tcpto_skip(tcpto_state *t, struct in_addr ip);
/* Records the outcome of a connection attempt to ip: timedout 1 counts a
 * timeout (at most once per 120 seconds, the count capped at 10; a full
 * table reuses the record with the smallest time + count * 1024); 0 (the
 * host answered, or refused) clears its count. */
void tcpto_err(tcpto_state *t, struct in_addr ip, int timedout);

#endif
