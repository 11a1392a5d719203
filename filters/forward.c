/*
 * forward: forward the message to the given addresses, as in a .qmail line
 * "|forward joe@example.net".
 *
 *   forward address [ address ... ]
 *
 * Queues (through qmail-queue, or $QMAILQUEUE) $DTLINE followed by the
 * message on stdin, with envelope sender $NEWSENDER and the addresses as
 * recipients.  Prints "forward: qp N" and exits 0 when queued; exits 100
 * if NEWSENDER or DTLINE is unset, if no address is given, or if the queue
 * refuses the message permanently; 111 on temporary failures.
 */
#include <signal.h>
#include <stdlib.h>

#include "die.h"
#include "qqfwd.h"

#define PROG "forward"

int main(int argc, char **argv)
{
    const char *sender, *dtline;

    signal(SIGPIPE, SIG_IGN);
    if (argc < 2) die_usage(PROG, "forward address [ address ... ]");
    if (!(sender = getenv("NEWSENDER"))) die(EXIT_PERM, PROG, "NEWSENDER not set");
    if (!(dtline = getenv("DTLINE"))) die(EXIT_PERM, PROG, "DTLINE not set");
    qqfwd_or_die(PROG, dtline, sender, argv + 1, (size_t)(argc - 1));
    return 0;
}
