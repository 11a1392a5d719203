/*
 * maildir2mbox: move the messages of $MAILDIR into the mbox $MAIL, for
 * mail readers that only know mbox files.
 *
 * $MAILDIR, $MAIL and $MAILTMP must be set (else exit 111).  Relative names
 * are relative to $MAILDIR.  Steps, as qmail 1.03 does them:
 *   1. files in tmp/ not read for 36 hours are removed (leftovers of
 *      crashed deliveries);
 *   2. the messages in new/ and cur/ whose modification time is before
 *      now are collected, oldest first; with none, nothing else happens;
 *   3. $MAIL is opened for appending (created if missing) and flock()ed,
 *      its contents are copied to $MAILTMP, each message is appended to
 *      $MAILTMP with a "From " line (the address of a first line
 *      "Return-Path: <addr>", blanks made '-', "MAILER-DAEMON" for <>,
 *      "XXX" when there is no such line, then the modification time in
 *      ctime format), mboxrd quoting and an empty line (lib/mbox);
 *   4. $MAILTMP is synced and renamed over $MAIL;
 *   5. the messages are unlinked (a failure is only a warning: the message
 *      will be moved again next time).
 * Any failure before step 4 leaves $MAIL and the Maildir as they were and
 * exits 111.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "datefmt.h"
#include "die.h"
#include "fs.h"
#include "lock.h"
#include "mbox.h"
#include "str.h"

#define PROG "maildir2mbox"
#define TMP_STALE 129600     /* 36 hours */
#define FIRSTLINE_MAX 65536  /* a longer first line is not a Return-Path we use */

struct msg {
    time_t mtime;
    char *name;   /* "new/..." or "cur/..." */
};

static struct msg *msgs;
static size_t nmsgs, capmsgs;

static void clean_tmp(time_t now)
{
    DIR *dir = opendir("tmp");
    struct dirent *d;
    str path = STR_INIT;
    struct stat st;

    if (!dir) return;
    while ((d = readdir(dir))) {
        if (d->d_name[0] == '.') continue;
        if (str_copys(&path, "tmp/") < 0 || str_cats(&path, d->d_name) < 0) break;
        if (stat(path.s, &st) == 0 && now > st.st_atime + TMP_STALE) unlink(path.s);
    }
    closedir(dir);
    str_free(&path);
}

static void scan(const char *sub, time_t now)
{
    DIR *dir = opendir(sub);
    struct dirent *d;
    struct stat st;

    if (!dir) die_sys(EXIT_TEMP, PROG, "unable to scan $MAILDIR/%s", sub);
    for (;;) {
        str path = STR_INIT;
        errno = 0;
        if (!(d = readdir(dir))) break;
        if (d->d_name[0] == '.') continue;
        if (str_copys(&path, sub) < 0 || str_catc(&path, '/') < 0 || str_cats(&path, d->d_name) < 0)
            die_nomem(PROG);
        if (stat(path.s, &st) < 0 || st.st_mtime >= now) { str_free(&path); continue; }
        if (nmsgs == capmsgs) {
            size_t ncap = capmsgs ? 2 * capmsgs : 64;
            struct msg *n;
            if (ncap > SIZE_MAX / sizeof *n) die_nomem(PROG);
            if (!(n = realloc(msgs, ncap * sizeof *n))) die_nomem(PROG);
            msgs = n;
            capmsgs = ncap;
        }
        msgs[nmsgs].mtime = st.st_mtime;
        msgs[nmsgs].name = path.s;   /* keeps the allocation */
        ++nmsgs;
    }
    if (errno) die_sys(EXIT_TEMP, PROG, "unable to read $MAILDIR/%s", sub);
    closedir(dir);
}

static int cmp_msg(const void *a, const void *b)
{
    const struct msg *x = a, *y = b;
    if (x->mtime != y->mtime) return x->mtime < y->mtime ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* The "From " line for a message whose first line is first[0..len)
 * (complete: it ended in '\n'). */
static void fromline(str *out, const char *first, size_t len, int complete, time_t t)
{
    static const char rp[] = "Return-Path: <";
    str_truncate(out, 0);
    if (complete && len >= sizeof rp - 1 && !memcmp(first, rp, sizeof rp - 1)) {
        if (first[14] == '>') {
            if (str_cats(out, "From MAILER-DAEMON ") < 0) die_nomem(PROG);
        } else {
            if (str_cats(out, "From ") < 0) die_nomem(PROG);
            /* the bytes between "<" and the line's last two (">\n") */
            for (size_t i = 14; i + 2 < len; ++i)
                if (str_catc(out, (first[i] == ' ' || first[i] == '\t') ? '-' : first[i]) < 0)
                    die_nomem(PROG);
            if (str_catc(out, ' ') < 0) die_nomem(PROG);
        }
    } else if (str_cats(out, "From XXX ") < 0) {
        die_nomem(PROG);
    }
    if (datefmt_ctime(out, t) < 0 || str_catc(out, '\n') < 0) die_nomem(PROG);
}

int main(void)
{
    const char *maildir, *mbox, *mboxtmp;
    char space[8192];
    str first = STR_INIT, from = STR_INIT;
    time_t now;
    int fdlock, fdold, fdnew;

    umask(077);
    if (!(mbox = getenv("MAIL"))) die(EXIT_TEMP, PROG, "MAIL not set");
    if (!(mboxtmp = getenv("MAILTMP"))) die(EXIT_TEMP, PROG, "MAILTMP not set");
    if (!(maildir = getenv("MAILDIR"))) die(EXIT_TEMP, PROG, "MAILDIR not set");
    if (chdir(maildir) < 0) die_sys(EXIT_TEMP, PROG, "unable to chdir to %s", maildir);

    now = time(NULL);
    clean_tmp(now);
    scan("new", now);
    scan("cur", now);
    if (!nmsgs) return 0;
    qsort(msgs, nmsgs, sizeof *msgs, cmp_msg);

    fdlock = open(mbox, O_WRONLY | O_APPEND | O_CREAT | O_NONBLOCK | O_CLOEXEC, 0600);
    if (fdlock < 0 || lock_ex(fdlock) < 0) die_sys(EXIT_TEMP, PROG, "unable to lock %s", mbox);
    fdold = open(mbox, O_RDONLY | O_CLOEXEC);
    if (fdold < 0) die_sys(EXIT_TEMP, PROG, "unable to read %s", mbox);
    fdnew = open(mboxtmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fdnew < 0) die_sys(EXIT_TEMP, PROG, "unable to create %s", mboxtmp);
    {
        char inspace[8192];
        buf in, out;
        int r;
        buf_init(&in, fdold, inspace, sizeof inspace);
        buf_init(&out, fdnew, space, sizeof space);
        r = buf_copy(&out, &in);
        if (r == -1) die_sys(EXIT_TEMP, PROG, "unable to read %s", mbox);
        if (r == -2 || buf_flush(&out) < 0) die_sys(EXIT_TEMP, PROG, "unable to write to %s", mboxtmp);
        close(fdold);
    }

    for (size_t i = 0; i < nmsgs; ++i) {
        buf in;
        int fd = open(msgs[i].name, O_RDONLY | O_CLOEXEC), r;
        if (fd < 0) die_sys(EXIT_TEMP, PROG, "unable to read $MAILDIR/%s", msgs[i].name);
        buf_init(&in, fd, space, sizeof space);
        r = buf_getline(&in, &first, '\n', FIRSTLINE_MAX);
        if (r == BUF_ERR) die_sys(EXIT_TEMP, PROG, "unable to read $MAILDIR/%s", msgs[i].name);
        fromline(&from, first.s ? first.s : "", first.len, r == BUF_LINE, msgs[i].mtime);
        if (lseek(fd, 0, SEEK_SET) < 0)
            die_sys(EXIT_TEMP, PROG, "unable to read $MAILDIR/%s", msgs[i].name);
        switch (mbox_append(fdnew, from.s, from.len, "", 0, fd, 0)) {
        case MBOX_OK: break;
        case MBOX_ERR_READ: die_sys(EXIT_TEMP, PROG, "unable to read $MAILDIR/%s", msgs[i].name);
        case MBOX_ERR_TEMP: die_nomem(PROG);
        default: die_sys(EXIT_TEMP, PROG, "unable to write to %s", mboxtmp);
        }
        close(fd);
    }

    if (fsync(fdnew) < 0 || close(fdnew) < 0)
        die_sys(EXIT_TEMP, PROG, "unable to write to %s", mboxtmp);
    if (rename(mboxtmp, mbox) < 0)
        die_sys(EXIT_TEMP, PROG, "unable to move %s to %s", mboxtmp, mbox);
    if (fs_fsync_parent(mbox) < 0) warn_sys(PROG, "unable to sync the directory of %s", mbox);

    for (size_t i = 0; i < nmsgs; ++i)
        if (unlink(msgs[i].name) < 0)
            warn_sys(PROG, "$MAILDIR/%s will be delivered twice; unable to unlink", msgs[i].name);
    close(fdlock);
    for (size_t i = 0; i < nmsgs; ++i) free(msgs[i].name);
    free(msgs);
    str_free(&first);
    str_free(&from);
    return 0;
}
