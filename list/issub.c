/* issub: see issub.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "die.h"
#include "issub.h"
#include "listdir.h"
#include "str.h"
#include "sub/sub.h"

static int ask(const char *prog, const char *dir, const char *subdb, const str *sender)
{
    sub_db *db;
    int r;
    if (sub_open(&db, dir, subdb) == -1)
        die(EXIT_TEMP, prog, "unable to open the subscriber store %s%s%s: %s", dir,
            subdb ? " " : "", subdb ? subdb : "", sub_strerror(0, errno));
    r = sub_issub(db, sender->s, sender->len, 0);
    if (r == -1) die(EXIT_TEMP, prog, "unable to read the subscribers of %s: %s", dir, sub_strerror(db, errno));
    sub_close(db);
    return r;
}

int issub_run(const char *prog, int argc, char **argv, int absolute_rule, int *negate,
              const char **message, const char **dirp)
{
    const char *env = getenv("SENDER"), *dir;
    const char *opts = message ? "+m:nNvV" : "+nNvV";
    str sender = STR_INIT;
    struct stat st;
    int opt, i, j, version = 0, found = 0, allabs = 1;

    *negate = 0;
    if (!env) die(EXIT_PERM, prog, "SENDER not set");
    while ((opt = getopt(argc, argv, opts)) != -1) {
        switch (opt) {
        case 'm': *message = optarg; break;
        case 'n': *negate = 1; break;
        case 'N': *negate = 0; break;
        case 'v':
        case 'V': version = 1; break;
        default:
            die_usage(prog, message ? "[-nNvV] [-m message] dir [subdir ...]" : "[-nNvV] dir [subdir ...]");
        }
    }
    i = optind;
    if (i < argc && strcmp(argv[i], "--") == 0) i++;
    if (i >= argc)
        die_usage(prog, message ? "[-nNvV] [-m message] dir [subdir ...]" : "[-nNvV] dir [subdir ...]");
    if (version) {
        fprintf(stderr, "ezmlm version: %s\n", LISTDIR_VERSION);
        exit(0);
    }
    if (listdir_sender_normalise(env, &sender) == -1) die_nomem(prog);
    dir = argv[i];
    *dirp = dir;
    if (stat(dir, &st) == -1 || !S_ISDIR(st.st_mode))
        die_sys(EXIT_TEMP, prog, "unable to switch to %s", dir);
    if (i + 1 >= argc) {
        found = ask(prog, dir, 0, &sender);
    } else {
        for (j = i; j < argc; j++)
            if (argv[j][0] != '/') allabs = 0;
        if (absolute_rule && allabs) {
            /* each argument is a database directory: DIR or inside it */
            for (j = i; j < argc && !found; j++) found = ask(prog, dir, argv[j], &sender);
        } else {
            for (j = i + 1; j < argc && !found; j++) found = ask(prog, dir, argv[j], &sender);
        }
    }
    str_free(&sender);
    return found;
}
