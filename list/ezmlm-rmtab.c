/* ezmlm-rmtab: remove the subscriber store of a list (see ezmlm-rmtab(1)). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "die.h"
#include "listdir.h"
#include "sub/sub.h"

static const char *prog = "ezmlm-rmtab";

int main(int argc, char **argv)
{
    const char *spec = 0, *dir = ".";
    struct stat st;
    sub_db *db;
    int opt;

    while ((opt = getopt(argc, argv, "+mMS:vV")) != -1) {
        switch (opt) {
        case 'm': spec = 0; break;
        case 'M': spec = "std"; break;
        case 'S': spec = optarg; break;
        case 'v':
        case 'V': fprintf(stderr, "%s version: %s\n", prog, LISTDIR_VERSION); return 0;
        default: die_usage(prog, "[-mMvV] [-S subdb] [dir]");
        }
    }
    if (optind < argc && strcmp(argv[optind], "--") == 0) optind++;
    if (argc - optind > 1) die_usage(prog, "[-mMvV] [-S subdb] [dir]");
    if (optind < argc) dir = argv[optind];
    if (stat(dir, &st) == -1 || !S_ISDIR(st.st_mode)) die_sys(EXIT_TEMP, prog, "unable to switch to %s", dir);
    if (sub_open_with(&db, dir, 0, spec) == -1)
        die(EXIT_TEMP, prog, "unable to open the subscriber store of %s: %s", dir, sub_strerror(0, errno));
    if (sub_rmtab(db) == -1)
        die(EXIT_TEMP, prog, "unable to remove the subscriber store of %s: %s", dir, sub_strerror(db, errno));
    sub_close(db);
    return 0;
}
