/*
 * ezmlm-idx: rebuild the subject and author index of a list's archive.
 *
 *   ezmlm-idx [-dD] [-f msg | -F] DIR
 *
 * Under DIR/lock, for every archive section from the one holding -f's
 * message (default: the first) up to the one holding the last message
 * (DIR/num), DIR/archive/<N/100>/index is written anew (atomically) from
 * the complete messages of the section (files without the owner-execute
 * bit are skipped), with the lines ezmlm-send writes for the same posts:
 * the same subject cleaning (list prefix from DIR/prefix), hashes and
 * author names (send_index_archived(), shared with ezmlm-import).  -D
 * (default) takes the date from the top Received: field as ezmlm-send
 * does; -d from Date:, written as
 * "D Mon YYYY HH:MM:SS ZONE" (two-digit years: 70-99 are 19xx, others
 * 20xx).  Finally DIR/indexed is created.  See ezmlm-idx(1).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive.h"
#include "die.h"
#include "ezmlm-send.h"
#include "ezmsg.h"
#include "fs.h"
#include "lock.h"

static const char *prog = "ezmlm-idx";
static const char *usage = "ezmlm-idx [-dD] [-f msg | -F] dir";
static listdir ld;

int main(int argc, char **argv)
{
    int opt, usedate = 0, fd;
    unsigned long from = 0, num[3], sec;
    str prefix = STR_INIT, path = STR_INIT, out = STR_INIT;
    struct stat st;

    opterr = 0;
    while ((opt = getopt(argc, argv, "+dDf:FvV")) != -1) {
        switch (opt) {
        case 'd': usedate = 1; break;
        case 'D': usedate = 0; break;
        case 'f': {
            size_t n = archive_scan_num(optarg, strlen(optarg), &from);
            if (!n || optarg[n]) die_usage(prog, usage);
            break;
        }
        case 'F': from = 0; break;
        case 'v': case 'V': ezmsg_version();
        default: die_usage(prog, usage);
        }
    }
    if (optind + 1 != argc) die_usage(prog, usage);
    ezmsg_listdir(&ld, prog, argv[optind]);

    if (send_index_prefix(&ld, &prefix) < 0) die_sys(EXIT_TEMP, prog, "unable to read %s/prefix", ld.dir.s);
    if (listdir_path(&ld, "lock", &path) < 0) die_nomem(prog);
    if ((fd = lock_file_ex(path.s)) < 0) die_sys(EXIT_TEMP, prog, "unable to lock %s", path.s);
    if (archive_state(&ld, "num", num, NULL) < 0) die_sys(EXIT_TEMP, prog, "unable to read %s/num", ld.dir.s);

    for (sec = from / 100; num[0] && sec <= num[0] / 100; sec++) {
        unsigned long n = sec * 100;
        if (str_copy(&path, &ld.dir) < 0 || str_catf(&path, "/archive/%lu", sec) < 0) die_nomem(prog);
        if (stat(path.s, &st) < 0) {
            if (errno == ENOENT) continue;  /* nothing archived in this section */
            die_sys(EXIT_TEMP, prog, "unable to read %s", path.s);
        }
        out.len = 0;
        for (; n < sec * 100 + 100 && n <= num[0]; n++) {
            if (n && send_index_archived(&out, &ld, n, usedate, &prefix) < 0)
                die_sys(EXIT_TEMP, prog, "unable to index message %lu", n);
        }
        if (str_cats(&path, "/index") < 0) die_nomem(prog);
        if (fs_write_atomic(path.s, out.s ? out.s : "", out.len, 0644) < 0)
            die_sys(EXIT_TEMP, prog, "unable to write %s", path.s);
    }
    if (listdir_path(&ld, "indexed", &path) < 0) die_nomem(prog);
    if (stat(path.s, &st) < 0) {
        int f = open(path.s, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (f < 0 || close(f) < 0) die_sys(EXIT_TEMP, prog, "unable to create %s", path.s);
    }
    close(fd);
    str_free(&prefix);
    str_free(&path);
    str_free(&out);
    return EXIT_DONE;
}
