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
#include <unistd.h>

#include "childrun.h"
#include "die.h"
#include "str.h"

#define PROG "bouncesaying"

int main(int argc, char **argv)
{
    ssize_t w;

    if (argc < 2) die_usage(PROG, "bouncesaying error [ program [ arg ... ] ]");
    if (argc > 2 && !childrun_cond(PROG, argv + 2)) return 0;
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
