/*
 * ezmlm-limit: switch a list to moderation (or defer posts) when too many
 * messages arrive too fast.
 *
 *   ezmlm-limit [-f file | -F] [-dD] [-n msgs] [-t secs] DIR
 *
 * Meant for DIR/editor, before ezmlm-store/ezmlm-send.  When DIR/modpost
 * exists the list is moderated already: exit 0.  Otherwise, under
 * DIR/lock, DIR/num (required) gives the current message number and the
 * loop file (-f, default DIR/loopnum; a relative name is taken in DIR)
 * holds "N:T": the number and the time at the start of the current
 * interval.  When the loop file is missing, its time is more than -t secs
 * (default 3600) old or lies in the future, a new interval starts: the
 * file is rewritten with the current number and time.  Otherwise, when
 * -n msgs (default 30) or more messages went out since N, the limit is
 * reached: by default DIR/modpost is created (ezmlm-store then holds posts
 * for the moderators) and the loop file removed, exit 0; with -d the post
 * is deferred instead (exit 111) until the interval is over.  No DIR/num
 * at all is a permanent error (100); a DIR/num without a number means no
 * message was sent yet (99, as ezmlm-idx does).  See ezmlm-limit(1).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "archive.h"
#include "die.h"
#include "ezmsg.h"
#include "fs.h"
#include "lock.h"

static const char *prog = "ezmlm-limit";
static const char *usage = "ezmlm-limit [-f file | -F] [-dD] [-n msgs] [-t secs] dir";

int main(int argc, char **argv)
{
    listdir ld = LISTDIR_INIT;
    str path = STR_INIT, data = STR_INIT, loop = STR_INIT;
    const char *file = "loopnum";
    unsigned long msgs = 30, secs = 3600, num = 0, lnum = 0, ltime = 0, now;
    int opt, defer = 0, fd = -1, restart = 0, ret = EXIT_DONE;
    size_t n;

    opterr = 0;
    while ((opt = getopt(argc, argv, "+f:FdDn:t:vV")) != -1) {
        switch (opt) {
        case 'f': file = optarg; break;
        case 'F': file = "loopnum"; break;
        case 'd': defer = 1; break;
        case 'D': defer = 0; break;
        case 'n': msgs = ezmsg_opt_num(prog, usage, optarg); break;
        case 't': secs = ezmsg_opt_num(prog, usage, optarg); break;
        case 'v': case 'V': ezmsg_version();
        default: die_usage(prog, usage);
        }
    }
    if (optind + 1 != argc || !*file) die_usage(prog, usage);
    ezmsg_listdir_flags(&ld, prog, argv[optind], 0);

    switch (listdir_isset(&ld, "modpost")) {
    case 1: goto done;              /* moderated already */
    case 0: break;
    default: die_sys(EXIT_TEMP, prog, "unable to read %s/modpost", ld.dir.s);
    }

    if (listdir_path(&ld, "lock", &path) < 0) die_nomem(prog);
    if ((fd = lock_file_ex(path.s)) < 0) die_sys(EXIT_TEMP, prog, "unable to lock %s", path.s);

    if (listdir_path(&ld, "num", &path) < 0) die_nomem(prog);
    if (fs_read_file(path.s, &data, 4096) < 0) {
        if (errno == ENOENT) die(EXIT_PERM, prog, "unable to read %s: no such file", path.s);
        die_sys(EXIT_TEMP, prog, "unable to read %s", path.s);
    }
    if (!archive_scan_num(data.s ? data.s : "", data.len, &num)) {
        ret = EXIT_STOP;            /* nothing sent yet */
        goto done;
    }

    if (file[0] == '/') {
        if (str_copys(&loop, file) < 0) die_nomem(prog);
    } else if (listdir_path(&ld, file, &loop) < 0) {
        die_nomem(prog);
    }
    now = (unsigned long)time(NULL);
    if (fs_read_file(loop.s, &data, 4096) < 0) {
        if (errno != ENOENT) die_sys(EXIT_TEMP, prog, "unable to read %s", loop.s);
        restart = 1;
    } else {
        n = archive_scan_num(data.s ? data.s : "", data.len, &lnum);
        if (!n || n >= data.len || data.s[n] != ':' ||
            !archive_scan_num(data.s + n + 1, data.len - n - 1, &ltime))
            restart = 1;                    /* damaged: start again */
        else if (ltime > now || now - ltime > secs || lnum > num)
            restart = 1;                    /* interval over, clock or num went back */
    }
    if (restart) {
        data.len = 0;
        if (str_catf(&data, "%lu:%lu\n", num, now) < 0) die_nomem(prog);
        if (fs_write_atomic(loop.s, data.s, data.len, 0644) < 0)
            die_sys(EXIT_TEMP, prog, "unable to write %s", loop.s);
        goto done;
    }
    if (num - lnum < msgs) goto done;
    if (defer) die(EXIT_TEMP, prog, "too many messages for %s, deferring", ld.dir.s);
    if (listdir_path(&ld, "modpost", &path) < 0) die_nomem(prog);
    if (fs_write_atomic(path.s, "", 0, 0644) < 0) die_sys(EXIT_TEMP, prog, "unable to create %s", path.s);
    if (unlink(loop.s) < 0 && errno != ENOENT) warn_sys(prog, "unable to remove %s", loop.s);
    fs_fsync_dir(ld.dir.s);
    fprintf(stderr, "%s: info: %lu messages in %lu seconds: %s is now moderated\n", prog, num - lnum,
            now - ltime, ld.dir.s);
done:
    if (fd >= 0) close(fd);
    str_free(&path);
    str_free(&data);
    str_free(&loop);
    listdir_free(&ld);
    return ret;
}
