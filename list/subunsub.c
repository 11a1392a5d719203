/* subunsub: ezmlm-sub and ezmlm-unsub (see subunsub.h). */
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
#include "subunsub.h"

#define LINE_MAX_BYTES 65536

static const char *prog;

static void usage(void)
{
    die_usage(prog, "[-mMnNvV] [-h hash] [-S subdb] [-t tag] dir [subdir] [box@domain [name]] ...");
}

/* A printable copy of an address for diagnostics. */
static const char *shown(const char *a, size_t n, str *tmp)
{
    size_t i;
    str_truncate(tmp, 0);
    if (n > 100) n = 100;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)a[i];
        if (str_catc(tmp, (c < 32 || c > 126) ? '?' : (char)c) == -1) die_nomem(prog);
    }
    return tmp->s ? tmp->s : "";
}

static void one(sub_db *db, int add, const char *addr, size_t len, const char *comment,
                const char *tag, int forcehash)
{
    str tmp = STR_INIT;
    int r = add ? sub_add(db, addr, len, tag, comment, forcehash)
                : sub_remove(db, addr, len, tag, comment, forcehash);
    if (r == -1) {
        int e = errno;
        if (e == EINVAL) {
            const char *why = !memchr(addr, '@', len) ? "address does not contain @"
                            : memchr(addr, '\n', len) ? "address contains a newline"
                            : memchr(addr, '\r', len) ? "address contains a carriage return"
                            : "address contains a NUL byte";
            die(EXIT_PERM, prog, "%s: %s", why, shown(addr, len, &tmp));
        }
        if (sub_error_is_perm(e))
            die(EXIT_PERM, prog, "%s: %s", sub_strerror(db, e), shown(addr, len, &tmp));
        die(EXIT_TEMP, prog, "unable to %s %s: %s", add ? "subscribe" : "unsubscribe",
            shown(addr, len, &tmp), sub_strerror(db, e));
    }
    str_free(&tmp);
}

void subunsub_main(int add, const char *name, int argc, char **argv)
{
    const char *spec = 0, *tag = "manual", *dir, *subdir = 0;
    unsigned long hash = 0;
    int forcehash = SUB_NOHASH, flagname = 0, version = 0, opt, i;
    struct stat st;
    sub_db *db;

    prog = name;
    umask(022);
    while ((opt = getopt(argc, argv, "+h:HmMnNS:t:vV")) != -1) {
        switch (opt) {
        case 'h':
            if (!scan_ulong(optarg, strlen(optarg), &hash) || optarg[strspn(optarg, "0123456789")])
                usage();
            break;
        case 'H': hash = 0; forcehash = SUB_NOHASH; break;
        case 'm': spec = 0; break;
        case 'M': spec = "std"; break;
        case 'S': spec = optarg; break;
        case 'n': flagname = 1; break;
        case 'N': flagname = 0; break;
        case 't': tag = optarg; break;
        case 'v':
        case 'V': version = 1; break;
        default: usage();
        }
    }
    i = optind;
    if (i < argc && strcmp(argv[i], "--") == 0) i++;
    if (i >= argc) usage();
    if (version) {
        fprintf(stderr, "ezmlm version: %s\n", LISTDIR_VERSION);
        exit(0);
    }
    dir = argv[i++];
    if (hash != 0) forcehash = (int)(hash % 100);
    if (stat(dir, &st) == -1 || !S_ISDIR(st.st_mode))
        die_sys(EXIT_TEMP, prog, "unable to switch to %s", dir);
    /* a second argument without '@' names the sub-database */
    if (i < argc && !strchr(argv[i], '@')) subdir = argv[i++];

    if (sub_open_with(&db, dir, subdir, spec) == -1)
        die(EXIT_TEMP, prog, "unable to open the subscriber store of %s%s%s: %s", dir,
            subdir ? " " : "", subdir ? subdir : "", sub_strerror(0, errno));

    if (i < argc) {
        while (i < argc) {
            const char *a = argv[i++];
            const char *c = 0;
            if (flagname && i < argc) c = argv[i++];
            one(db, add, a, strlen(a), c, tag, forcehash);
        }
    } else {
        buf in;
        str line = STR_INIT;
        if (buf_init(&in, 0, 0, 0) == -1) die_nomem(prog);
        for (;;) {
            int r = buf_getline(&in, &line, '\n', LINE_MAX_BYTES);
            size_t n, j;
            const char *comment = 0;
            if (r == BUF_EOF) break;
            if (r == BUF_ERR) die_sys(EXIT_TEMP, prog, "unable to read input");
            if (r == BUF_TOOLONG) die(EXIT_PERM, prog, "%s", sub_strerror(db, ENAMETOOLONG));
            n = line.len;
            if (n && line.s[n - 1] == '\n') n--;
            if (n && line.s[n - 1] == '\r') n--;
            if (n == 0 || line.s[0] == '#') continue;
            line.s[n] = 0;
            if (flagname) {
                for (j = 0; j < n; j++) {
                    char ch = line.s[j];
                    if (ch == '\\') {
                        if (++j >= n) break;
                    } else if (ch == ' ' || ch == '\t' || ch == ',') {
                        line.s[j] = 0;
                        comment = line.s + j + 1;
                        n = j;
                        break;
                    }
                }
            }
            one(db, add, line.s, n, comment, tag, forcehash);
        }
        str_free(&line);
        buf_free(&in);
    }
    sub_close(db);
    exit(0);
}
