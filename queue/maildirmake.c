/*
 * maildirmake: create a Maildir.
 *
 *   maildirmake dir
 *
 * Makes dir, dir/tmp, dir/new and dir/cur, each with mode 0700 (the umask
 * is set to 077).  dir must not exist yet: any failure, including an
 * existing dir, prints a message and exits 111; a missing argument exits
 * 100.
 */
#include <sys/stat.h>
#include <unistd.h>

#include "die.h"

#define PROG "maildirmake"

int main(int argc, char **argv)
{
    static const char *const sub[] = { "tmp", "new", "cur" };
    const char *dir;

    umask(077);
    if (argc < 2) die_usage(PROG, "maildirmake name");
    dir = argv[1];
    if (mkdir(dir, 0700) < 0) die_sys(EXIT_TEMP, PROG, "unable to mkdir %s", dir);
    if (chdir(dir) < 0) die_sys(EXIT_TEMP, PROG, "unable to chdir to %s", dir);
    for (int i = 0; i < 3; ++i)
        if (mkdir(sub[i], 0700) < 0) die_sys(EXIT_TEMP, PROG, "unable to mkdir %s/%s", dir, sub[i]);
    return 0;
}
