/*
 * except: reverse a program's verdict, as in "|except grep -q friend"
 * (bounce unless the message mentions a friend).
 *
 *   except program [ arg ... ]
 *
 * Runs program with the message on stdin.  Exit 0 → except exits 100
 * (silently: qmail-local bounces); 111 or a crash → 111; any other code →
 * exit 0.
 */
#include <sys/wait.h>

#include "childrun.h"
#include "die.h"

#define PROG "except"

int main(int argc, char **argv)
{
    int wstat;

    if (argc < 2) die_usage(PROG, "except program [ arg ... ]");
    if (childrun_wait(argv + 1, &wstat) < 0) die_sys(EXIT_TEMP, PROG, "unable to fork");
    if (!WIFEXITED(wstat)) die(EXIT_TEMP, PROG, "child crashed");
    switch (WEXITSTATUS(wstat)) {
    case 0: return EXIT_PERM;
    case 111: die(EXIT_TEMP, PROG, "temporary child error");
    default: return 0;
    }
}
