/*
 * qmail-send's bounce messages, in the original's byte-exact format (QSBMF):
 * a single bounce to the envelope sender, a double bounce to
 * doublebounceto@doublebouncehost when the sender was empty, nothing (a
 * "triple bounce") when the sender was "#@[]".  The text is
 * header + explanation + bounce/<id> + divider + Return-Path + the queued
 * message, and is queued through lib/qq (QMAILQUEUE honoured).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "datefmt.h"
#include "fs.h"
#include "log.h"
#include "qmail-send.h"
#include "qq.h"
#include "queuefmt.h"

/* Copies the whole file path into the queue run; -1 if it cannot be read. */
static int copy_file(qq *q, const char *path)
{
    char buf[65536];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    for (;;) {
        ssize_t r = read(fd, buf, sizeof buf);
        if (r == 0) break;
        if (r < 0) {
            if (errno == EINTR) continue;
            close(fd);
            return -1;
        }
        qq_put(q, buf, (size_t)r);
    }
    close(fd);
    return 0;
}

/* "x-@h-@[]" (a VERP sender) is reduced to "x-@h" for the bounce. */
static void unverp(str *out, const char *sender)
{
    size_t n = strlen(sender);
    if (n >= 4 && !memcmp(sender + n - 4, "-@[]", 4)) n -= 4;
    str_copyb(out, sender, n);
}

int send_bounce(const struct send_ctl *ctl, unsigned long id, const char *sender)
{
    str to = STR_INIT, line = STR_INIT, why = STR_INIT, tmp = STR_INIT;
    char bpath[64], mpath[64];
    const char *bsender;
    int dbl = 0, r;
    qq q;

    qf_path(bpath, sizeof bpath, "bounce", id, 0);
    qf_path(mpath, sizeof mpath, "mess", id, 1);

    if (!strcmp(sender, "#@[]")) {
        str_copys(&line, "triple bounce: discarding ");
        str_cats(&line, bpath);
        send_log(line.s);
        str_free(&line);
        return 0;
    }
    if (!*sender) {
        dbl = 1;
        bsender = "#@[]";
        str_copy(&to, &ctl->doublebounceto);
        str_catc(&to, '@');
        str_cat(&to, &ctl->doublebouncehost);
    } else {
        bsender = "";
        unverp(&to, sender);
    }

    if (qq_start(&q, ".." /* we run in the queue directory */) < 0) {
        send_log("warning: unable to start qmail-queue, will try later");
        str_free(&to);
        return -1;
    }
    str_copys(&line, "Date: ");
    datefmt_822(&line, time(NULL));
    str_cats(&line, "\nFrom: ");
    str_copy(&tmp, &ctl->bouncefrom);
    str_catc(&tmp, '@');
    str_cat(&tmp, &ctl->bouncehost);
    addr_quote(&line, tmp.s, tmp.len);
    str_cats(&line, "\nTo: ");
    addr_quote(&line, to.s, to.len);
    str_cats(&line, "\nSubject: failure notice\n\nHi. This is the qmail-send program at ");
    str_cat(&line, &ctl->bouncehost);
    str_cats(&line, ".\n");
    if (dbl)
        str_cats(&line, "I tried to deliver a bounce message to this address, but the bounce bounced!\n\n");
    else
        str_cats(&line, "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
                        "This is a permanent error; I've given up. Sorry it didn't work out.\n\n");
    qq_put(&q, line.s, line.len);
    if (copy_file(&q, bpath) < 0) goto fail;
    str_copys(&line, dbl ? "--- Below this line is the original bounce.\n\nReturn-Path: <"
                         : "--- Below this line is a copy of the message.\n\nReturn-Path: <");
    str_copys(&tmp, sender);
    if (!dbl) unverp(&tmp, sender);
    addr_quote(&line, tmp.s, tmp.len);
    str_cats(&line, ">\n");
    qq_put(&q, line.s, line.len);
    if (copy_file(&q, mpath) < 0) goto fail;
    qq_from(&q, bsender);
    qq_to(&q, to.s);
    r = qq_finish(&q, &why);
    if (r != 0) {
        send_log("warning: trouble injecting bounce message, will try later");
        goto out_fail;
    }
    str_copys(&line, "bounce msg ");
    str_catulong(&line, id);
    str_cats(&line, " qp ");
    str_catulong(&line, q.qp);
    send_log(line.s);
    str_free(&to); str_free(&line); str_free(&why); str_free(&tmp);
    return 0;
fail:
    qq_abort(&q);
    send_log("warning: trouble injecting bounce message, will try later");
out_fail:
    str_free(&to); str_free(&line); str_free(&why); str_free(&tmp);
    return -1;
}
