/*
 * ezmlm-clean: expires the moderation queue (DIR/editor, manager,
 * moderator and confirmer run it after their real work).
 *
 *   ezmlm-clean [-mMrRvV] DIR
 *
 * A file of DIR/mod/pending, accepted, rejected or unconfirmed is expired
 * when the time at the start of its name is more than the timeout ago:
 * the first line of DIR/modtime in hours (0 or missing: 120; at least 24,
 * at most 240).  An expired post in pending/ whose writer finished (owner
 * execute bit) goes back to its sender with text/mod-timeout, unless -R or
 * DIR/noreturnposts; then it is removed.  Dot files and files the owner
 * may not write are left alone.  See ezmlm-clean(1).  Exit 0 (also when a
 * directory cannot be read), 111 when a returned post cannot be queued.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "die.h"
#include "ezmsg.h"
#include "fs.h"
#include "modq.h"

static const char *prog = "ezmlm-clean";
static const char *usage = "ezmlm-clean [-mMrRvV] dir";

static void clean(const listdir *ld, const char *sub, unsigned long before, int ret, int attach)
{
    str d = STR_INIT, p = STR_INIT, from = STR_INIT, sender = STR_INIT;
    DIR *dh;
    struct dirent *de;
    struct stat st;
    if (str_cat(&d, &ld->dir) < 0 || str_catf(&d, "/mod/%s", sub) < 0) die_nomem(prog);
    dh = opendir(d.s);
    if (!dh) {
        if (errno != ENOENT) warn_sys(prog, "unable to open %s", d.s);
        str_free(&d);
        return;
    }
    while ((de = readdir(dh))) {
        unsigned long when;
        int fd;
        if (de->d_name[0] == '.') continue;
        when = modq_when(de->d_name);
        if (!when || when >= before) continue;
        p.len = 0;
        if (str_copy(&p, &d) < 0 || str_catc(&p, '/') < 0 || str_cats(&p, de->d_name) < 0) die_nomem(prog);
        if (lstat(p.s, &st) < 0 || !S_ISREG(st.st_mode) || !(st.st_mode & S_IWUSR)) continue;
        if (ret && !strcmp(sub, "pending") && (st.st_mode & S_IXUSR) &&
            (fd = fs_open_nofollow(p.s, O_RDONLY | O_CLOEXEC, 0)) >= 0) {
            int r = modq_sender(fd, &sender);
            if (r > 0 && *sender.s && strchr(sender.s, '@')) {
                from.len = 0;
                if (str_catf(&from, "%s-help@%s", ld->outlocal.s, ld->outhost.s) < 0) die_nomem(prog);
                modq_return_post(prog, ld, fd, sender.s, from.s, NULL, "mod-timeout", "", 0, attach);
            }
            close(fd);
        }
        if (modq_unlink(ld, sub, de->d_name) < 0) warn_sys(prog, "unable to remove %s", p.s);
    }
    closedir(dh);
    str_free(&d);
    str_free(&p);
    str_free(&from);
    str_free(&sender);
}

int main(int argc, char **argv)
{
    listdir ld = LISTDIR_INIT;
    int opt, ret = -1, attach = 1, k;
    unsigned long hours = 0, before;

    signal(SIGPIPE, SIG_IGN);
    umask(022);
    opterr = 0;
    while ((opt = getopt(argc, argv, "+mMrRvV")) != -1) {
        switch (opt) {
        case 'm': attach = 1; break;
        case 'M': attach = 0; break;
        case 'r': ret = 1; break;
        case 'R': ret = 0; break;
        case 'v': case 'V': ezmsg_version();
        default: die_usage(prog, usage);
        }
    }
    if (optind >= argc) die_usage(prog, usage);
    ezmsg_listdir(&ld, prog, argv[optind]);
    if (ret < 0) {
        k = listdir_isset(&ld, "noreturnposts");
        if (k < 0) die_sys(EXIT_TEMP, prog, "unable to read %s/noreturnposts", ld.dir.s);
        ret = !k;
    }
    if (listdir_conf_ulong(&ld, "modtime", 0, &hours) < 0)
        die_sys(EXIT_TEMP, prog, "unable to read %s/modtime", ld.dir.s);
    if (!hours) hours = 120;
    if (hours < 24) hours = 24;
    if (hours > 240) hours = 240;
    before = (unsigned long)time(NULL) - hours * 3600UL;

    if (modq_lock(&ld, "mod/lock") < 0) {
        if (errno == ENOENT) exit(0);  /* no mod/ directory: nothing to clean */
        die_sys(EXIT_TEMP, prog, "unable to lock %s/mod", ld.dir.s);
    }
    clean(&ld, "pending", before, ret, attach);
    clean(&ld, "accepted", before, 0, attach);
    clean(&ld, "rejected", before, 0, attach);
    if (modq_lock(&ld, "mod/confirmlock") < 0) die_sys(EXIT_TEMP, prog, "unable to lock %s/mod", ld.dir.s);
    clean(&ld, "unconfirmed", before, 0, attach);
    exit(0);
}
