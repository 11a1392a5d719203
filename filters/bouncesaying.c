/*
 * bouncesaying: bounce the message with a given text, unconditionally or
 * when a program says so, as in "|bouncesaying 'gone fishing'" or
 * "|bouncesaying 'no spam' grep -q SPAM".
 *
 *   bouncesaying error [ program [ arg ... ] ]
 *
 * Without program: prints error and exits 100 (qmail-local bounces with
 * it).  With program (run with the message on stdin): exit 0 → print
 * error, exit 100; exit 111 or a crash → 111; any other code → exit 0,
 * the delivery goes on.
 */
#include <sys/wait.h>
#include <unistd.h>

#include "childrun.h"
#include "die.h"
#include "str.h"

#define PROG "bouncesaying"

int main(int argc, char **argv)
{
    int wstat;
    ssize_t w;

    if (argc < 2) die_usage(PROG, "bouncesaying error [ program [ arg ... ] ]");
    if (argc > 2) {
        if (childrun_wait(argv + 2, &wstat) < 0) die_sys(EXIT_TEMP, PROG, "unable to fork");
        if (!WIFEXITED(wstat)) die(EXIT_TEMP, PROG, "child crashed");
        switch (WEXITSTATUS(wstat)) {
        case 0: break;
        case 111: die(EXIT_TEMP, PROG, "temporary child error");
        default: return 0;
        }
    }
    /* the text alone, as qmail prints it: qmail-local quotes it in the bounce */
    {
        str msg = STR_INIT;
        if (str_cats(&msg, argv[1]) == 0 && str_catc(&msg, '\n') == 0) {
            w = write(2, msg.s, msg.len);
            (void)w;
        }
        str_free(&msg);
    }
    return EXIT_PERM;
}
