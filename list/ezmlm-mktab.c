/*
 * ezmlm-mktab: the SQL tables of a list (see ezmlm-mktab(1)).
 *
 *   ezmlm-mktab [-cCdD] [root]                   prints the statements
 *   ezmlm-mktab -e [-cCdD] [-mM] [-S subdb] dir  runs them on dir's store
 *
 * -c (default) create, -C do not; -d drop first (destroys the data), -D do
 * not (default).  Printing needs no server: the text is the MySQL store's
 * own schema (list/sub/mysqlsub.c), ";" after each statement.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "die.h"
#include "listdir.h"
#include "str.h"
#include "sub/mysqlsub.h"
#include "sub/sub.h"

static const char *prog = "ezmlm-mktab";

static void usage(void)
{
    die_usage(prog, "[-cCdDvV] [root] | -e [-cCdDmM] [-S subdb] dir");
}

static int put(void *ctx, const char *sql, size_t len)
{
    buf *out = ctx;
    if (buf_put(out, sql, len) == -1 || buf_puts(out, ";\n") == -1) return -1;
    return 0;
}

int main(int argc, char **argv)
{
    const char *spec = 0;
    int create = 1, drop = 0, exec = 0, opt;
    char space[8192];
    buf out;

    while ((opt = getopt(argc, argv, "+cCdDemMS:vV")) != -1) {
        switch (opt) {
        case 'c': create = 1; break;
        case 'C': create = 0; break;
        case 'd': drop = 1; break;
        case 'D': drop = 0; break;
        case 'e': exec = 1; break;
        case 'm': spec = 0; break;
        case 'M': spec = "std"; break;
        case 'S': spec = optarg; break;
        case 'v':
        case 'V': fprintf(stderr, "%s version: %s\n", prog, LISTDIR_VERSION); return 0;
        default: usage();
        }
    }
    if (optind < argc && strcmp(argv[optind], "--") == 0) optind++;
    if (argc - optind > 1) usage();

    if (!exec) {
        const char *root = optind < argc ? argv[optind] : "list";
        int r;
        buf_init(&out, 1, space, sizeof space);
        r = mysqlsub_schema(root, drop, create, put, &out);
        if (r == -1 && errno == EINVAL)
            die(EXIT_PERM, prog, "%s cannot be a table root (at most %d bytes of A-Z a-z 0-9 _ $ -)", root,
                MYSQLSUB_ROOT_MAX);
        if (r != 0 || buf_flush(&out) == -1) die_sys(EXIT_TEMP, prog, "unable to write to standard output");
        return 0;
    } else {
        sub_db *db;
        if (optind >= argc) usage();
        if (sub_open_with(&db, argv[optind], 0, spec) == -1)
            die(EXIT_TEMP, prog, "unable to open the subscriber store of %s: %s", argv[optind],
                sub_strerror(0, errno));
        if (drop && sub_rmtab(db) == -1)
            die(EXIT_TEMP, prog, "unable to drop the subscriber store of %s: %s", argv[optind],
                sub_strerror(db, errno));
        if (create && sub_mktab(db) == -1)
            die(EXIT_TEMP, prog, "unable to create the subscriber store of %s: %s", argv[optind],
                sub_strerror(db, errno));
        sub_close(db);
        return 0;
    }
}
