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
#include "childrun.h"
#include "die.h"

#define PROG "except"

int main(int argc, char **argv)
{
    if (argc < 2) die_usage(PROG, "except program [ arg ... ]");
    return childrun_cond(PROG, argv + 1) ? EXIT_PERM : 0;
}
