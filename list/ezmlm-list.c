/* ezmlm-list: print the subscribers of a list or sub-database (see ezmlm-list(1)). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "die.h"
#include "listdir.h"
#include "str.h"
#include "sub/sub.h"

static const char *prog = "ezmlm-list";

static int put(void *ctx, const char *addr, size_t len)
{
    buf *out = ctx;
    if (buf_put(out, addr, len) == -1 || buf_putc(out, '\n') == -1) return -1;
    return 0;
}

int main(int argc, char **argv)
{
    const char *spec = 0, *dir, *subdir = 0;
    int number = 0, version = 0, opt, i;
    struct stat st;
    sub_db *db;
    buf out;
    char space[8192];

    while ((opt = getopt(argc, argv, "+mMnNS:vV")) != -1) {
        switch (opt) {
        case 'm': spec = 0; break;
        case 'M': spec = "std"; break;
        case 'S': spec = optarg; break;
        case 'n': number = 1; break;
        case 'N': number = 0; break;
        case 'v':
        case 'V': version = 1; break;
        default: die_usage(prog, "[-mMnNvV] [-S subdb] dir [subdir]");
        }
    }
    i = optind;
    if (i < argc && strcmp(argv[i], "--") == 0) i++;
    if (i >= argc) die_usage(prog, "[-mMnNvV] [-S subdb] dir [subdir]");
    if (version) {
        fprintf(stderr, "ezmlm version: %s\n", LISTDIR_VERSION);
        return 0;
    }
    dir = argv[i++];
    if (i < argc) subdir = argv[i];
    if (stat(dir, &st) == -1 || !S_ISDIR(st.st_mode))
        die_sys(EXIT_TEMP, prog, "unable to switch to %s", dir);
    if (sub_open_with(&db, dir, subdir, spec) == -1)
        die(EXIT_TEMP, prog, "unable to open the subscriber store of %s: %s", dir,
            sub_strerror(0, errno));
    buf_init(&out, 1, space, sizeof space);
    if (number) {
        unsigned long n;
        str s = STR_INIT;
        if (sub_count(db, &n) == -1)
            die(EXIT_TEMP, prog, "unable to read the subscribers: %s", sub_strerror(db, errno));
        if (str_catulong(&s, n) == -1 || str_catc(&s, '\n') == -1) die_nomem(prog);
        buf_putstr(&out, &s);
        str_free(&s);
    } else {
        int r = sub_iterate(db, SUB_HASH_LO, SUB_HASH_HI, put, &out);
        if (r != 0) {
            if (buf_error(&out)) {
                errno = buf_error(&out);
                die_sys(EXIT_TEMP, prog, "unable to write to standard output");
            }
            die(EXIT_TEMP, prog, "unable to read the subscribers: %s", sub_strerror(db, errno));
        }
    }
    if (buf_flush(&out) == -1) die_sys(EXIT_TEMP, prog, "unable to write to standard output");
    sub_close(db);
    return 0;
}
