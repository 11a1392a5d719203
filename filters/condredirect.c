/*
 * condredirect: forward the message to another address if a program says
 * so, as in a .qmail line "|condredirect boss@example.net grep -q urgent".
 *
 *   condredirect newaddress program [ arg ... ]
 *
 * Runs program with the message on stdin.  If it exits 0, the message
 * ($DTLINE in front) is queued to newaddress with envelope sender $SENDER,
 * "condredirect: qp N" is printed and condredirect exits 99, so that
 * qmail-local skips the rest of the .qmail file.  If program exits 111 (or
 * crashes), condredirect exits 111; any other exit code means "do not
 * redirect": condredirect exits 0.  Queue failures: 100 permanent, 111
 * temporary; SENDER or DTLINE unset: 100.
 */
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "childrun.h"
#include "die.h"
#include "qqfwd.h"

#define PROG "condredirect"

int main(int argc, char **argv)
{
    const char *sender, *dtline;

    if (argc < 3) die_usage(PROG, "condredirect newaddress program [ arg ... ]");
    if (!childrun_cond(PROG, argv + 2)) return 0;

    if (lseek(0, 0, SEEK_SET) < 0) die_sys(EXIT_TEMP, PROG, "unable to rewind");
    signal(SIGPIPE, SIG_IGN);
    if (!(sender = getenv("SENDER"))) die(EXIT_PERM, PROG, "SENDER not set");
    if (!(dtline = getenv("DTLINE"))) die(EXIT_PERM, PROG, "DTLINE not set");
    qqfwd_or_die(PROG, dtline, sender, argv + 1, 1);
    return EXIT_STOP;
}
