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
#include "str.h"

#define PROG "forward"

int main(int argc, char **argv)
{
    const char *sender, *dtline;
    str why = STR_INIT;
    unsigned long qp = 0;

    signal(SIGPIPE, SIG_IGN);
    if (argc < 2) die_usage(PROG, "forward address [ address ... ]");
    if (!(sender = getenv("NEWSENDER"))) die(EXIT_PERM, PROG, "NEWSENDER not set");
    if (!(dtline = getenv("DTLINE"))) die(EXIT_PERM, PROG, "DTLINE not set");

    switch (qqfwd(dtline, sender, argv + 1, (size_t)(argc - 1), &qp, &why)) {
    case QQFWD_OK: break;
    case QQFWD_START: die_sys(EXIT_TEMP, PROG, "unable to fork");
    case QQFWD_READ: die_sys(EXIT_TEMP, PROG, "unable to read message");
    case QQFWD_PERM: die(EXIT_PERM, PROG, "%s", why.s);
    default: die(EXIT_TEMP, PROG, "%s", why.s);
    }
    str_free(&why);
    qqfwd_report(PROG, qp);
    return 0;
}
