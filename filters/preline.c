/*
 * preline: feed a program the message with the mbox-style header lines
 * qmail-local provides (UFLINE "From " line, RPLINE Return-Path,
 * DTLINE Delivered-To) in front, as in "|preline procmail".
 *
 *   preline [ -frdFRD ] cmd [ arg ... ]
 *
 * -f/-r/-d leave out UFLINE/RPLINE/DTLINE; -F/-R/-D put them back.  The
 * three variables must be set (else usage, 100).  Exits with cmd's exit
 * code; 111 if cmd crashed or preline could not copy the message; when cmd
 * cannot be run at all, 111 for a temporary reason and 100 otherwise.
 */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "childrun.h"
#include "die.h"

#define PROG "preline"
#define USAGE "preline cmd [ arg ... ]"

int main(int argc, char **argv)
{
    int flagufline = 1, flagrpline = 1, flagdtline = 1;
    const char *ufline, *rpline, *dtline;
    char inspace[8192], outspace[8192];
    buf in, out;
    pid_t pid;
    int opt, fd, wstat, r;

    signal(SIGPIPE, SIG_IGN);
    if (!(ufline = getenv("UFLINE"))) die_usage(PROG, USAGE);
    if (!(rpline = getenv("RPLINE"))) die_usage(PROG, USAGE);
    if (!(dtline = getenv("DTLINE"))) die_usage(PROG, USAGE);

    opterr = 0;
    while ((opt = getopt(argc, argv, "+frdFRD")) != -1)
        switch (opt) {
        case 'f': flagufline = 0; break;
        case 'r': flagrpline = 0; break;
        case 'd': flagdtline = 0; break;
        case 'F': flagufline = 1; break;
        case 'R': flagrpline = 1; break;
        case 'D': flagdtline = 1; break;
        default: die_usage(PROG, USAGE);
        }
    argv += optind;
    if (!*argv) die_usage(PROG, USAGE);

    if (childrun_pipe(PROG, argv, &pid, &fd) < 0)
        die_sys(EXIT_TEMP, PROG, "unable to start %s", argv[0]);
    buf_init(&in, 0, inspace, sizeof inspace);
    buf_init(&out, fd, outspace, sizeof outspace);
    if (flagufline) buf_puts(&out, ufline);
    if (flagrpline) buf_puts(&out, rpline);
    if (flagdtline) buf_puts(&out, dtline);
    r = buf_copy(&out, &in);
    if (r == 0) r = buf_flush(&out) < 0 ? -2 : 0;
    /* a command that stops reading (or never started) gives its own
     * verdict: only a failure to read our input is ours */
    if (r == -1) die_sys(EXIT_TEMP, PROG, "unable to read input");
    close(fd);

    if (childrun_reap(pid, &wstat) < 0) die_sys(EXIT_TEMP, PROG, "wait failed");
    if (!WIFEXITED(wstat)) die(EXIT_TEMP, PROG, "child crashed");
    return WEXITSTATUS(wstat);
}
