/*
 * ezmlm-store: keeps a post for a moderator's decision or for its sender's
 * confirmation (DIR/editor of moderated and confirm-post lists).
 *
 *   ezmlm-store [-bBcCmMpPrRsSyYvV] DIR
 *
 * Confirmation (-y, or DIR/confirmpost without -Y): the post goes to
 * DIR/mod/unconfirmed/WHEN.PID and its sender is asked to confirm it.
 * Moderation (DIR/modpost): the post goes to DIR/mod/pending/WHEN.PID and
 * the moderators get a request.  Neither: ezmlm-send runs instead.  The
 * file format, the ids and the cookies are described in list/modq.h; the
 * options in ezmlm-store(1).  Exit 0, 100 (bounces, loops, posts from
 * lists, senders who may not post) or 111.
 */
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
#include "hdr.h"
#include "modq.h"
#include "msgin.h"
#include "sub/sub.h"

static const char *prog = "ezmlm-store";
static const char *usage = "ezmlm-store [-bBcCmMpPrRsSyYvV] dir";

static listdir LD = LISTDIR_INIT;
static str path;          /* the stored file while it is incomplete or unsent */

static void fail_unlink(void)
{
    if (path.len) {
        unlink(path.s);
        path.len = 0;
    }
}

static void nomem(void)
{
    fail_unlink();
    die_nomem(prog);
}

static int fileflag(const char *name)
{
    int r = listdir_isset(&LD, name);
    if (r < 0) die_sys(EXIT_TEMP, prog, "unable to read %s/%s", LD.dir.s, name);
    return r;
}

/* writes s to fd, or removes the file and dies */
static void put(int fd, const char *s, size_t len)
{
    if (fs_write_all(fd, s, len) < 0) {
        int e = errno;
        fail_unlink();
        errno = e;
        die_sys(EXIT_TEMP, prog, "unable to write the post to %s/mod", LD.dir.s);
    }
}

int main(int argc, char **argv)
{
    int ls, opt, confirm = -1, body = 1, attach = 1, modonly = -1, self = 0, fd = -1, k, ismod = 0;
    char sendopt[8], ck[LCOOKIE_LEN + 1], id[MODQ_ID_MAX];
    size_t nopt = 0;
    const char *env, *sub;
    str modpost = STR_INIT, snorm = STR_INIT, raw = STR_INIT, line = STR_INIT, t = STR_INIT,
        piece = STR_INIT, stored = STR_INIT, acc = STR_INIT, rej = STR_INIT, subj = STR_INIT,
        from = STR_INIT, to = STR_INIT, snd = STR_INIT, why = STR_INIT, cc = STR_INIT;
    str mods = STR_INIT;
    const char **rcpts = NULL, *one[1];
    size_t nrcpts = 0;
    msgin m = MSGIN_INIT;
    reply r = REPLY_INIT;
    struct reply_head h;
    text_vars v = TEXT_VARS_INIT;
    hdr_iter it;
    hdr_field f;
    time_t now;

    signal(SIGPIPE, SIG_IGN);
    umask(022);
    sendopt[nopt++] = '-';
    opterr = 0;
    while ((opt = getopt(argc, argv, "+bBcCmMpPqQrRsSyYvV")) != -1) {
        switch (opt) {
        case 'b': body = 1; break;
        case 'B': body = 0; break;
        case 'c': case 'C': case 'r': case 'R': case 'q': case 'Q':
            if (!memchr(sendopt + 1, opt, nopt - 1) && nopt < sizeof sendopt - 1) sendopt[nopt++] = (char)opt;
            break;
        case 'm': attach = 1; break;
        case 'M': attach = 0; break;
        case 'p': modonly = 0; break;
        case 'P': modonly = 1; break;
        case 's': self = 1; break;
        case 'S': self = 0; break;
        case 'y': confirm = 1; break;
        case 'Y': confirm = 0; break;
        case 'v': case 'V': ezmsg_version();
        default: die_usage(prog, usage);
        }
    }
    sendopt[nopt] = 0;
    if (optind >= argc) die_usage(prog, usage);
    ezmsg_listdir(&LD, prog, argv[optind]);

    /* confirmation, moderation, or neither */
    if (confirm < 0) confirm = fileflag("confirmpost");
    if (!confirm && !fileflag("modpost")) modq_exec(prog, &LD, "ezmlm-send", sendopt);
    /* the moderators' sub-db: the first line of modpost, else mod */
    if (listdir_path(&LD, "modpost", &t) < 0) nomem();
    if (ctl_readline_path(t.s, &modpost) == CTL_ERR) die_sys(EXIT_TEMP, prog, "unable to read %s", t.s);
    if (modonly < 0) modonly = fileflag("modpostonly");
    if (!modpost.len && str_copys(&modpost, "mod") < 0) nomem();
    if (str_catc(&modpost, 0) < 0) nomem();

    env = getenv("SENDER");
    if (!env) ezmsg_die(100, prog, &LD, "ERR_NOSENDER", "SENDER not set", NULL);
    if (listdir_sender_normalise(env, &snorm) < 0 || str_catc(&snorm, 0) < 0 ||
        str_copys(&raw, env) < 0 || str_catc(&raw, 0) < 0)
        nomem();
    if (!*snorm.s || !strcmp(snorm.s, "#@[]"))
        ezmsg_die(100, prog, &LD, "ERR_BOUNCE", "I do not answer bounce messages (#5.7.2)", NULL);
    if (!strchr(snorm.s, '@') || memchr(env, '\n', strlen(env)))
        ezmsg_die(100, prog, &LD, "ERR_ANONYMOUS",
                  "I do not answer senders whose address has no host name (#5.7.2)", NULL);

    /* the header: posts from lists and loops are refused */
    if (msgin_open(&m, 0, 0) < 0) {
        if (errno == EFBIG) ezmsg_die(100, prog, &LD, "ERR_HEADER_SIZE", "message header is too large (#5.3.4)", NULL);
        die_sys(EXIT_TEMP, prog, "unable to read input");
    }
    if (str_catf(&line, "%s %s@%s", confirm ? "confirm to" : "moderator for", LD.outlocal.s,
                 LD.outhost.s) < 0)
        nomem();
    hdr_iter_init(&it, m.head.s, m.head.len);
    while ((k = hdr_next(&it, &f)) == HDR_FIELD || k == HDR_MBOX) {
        if (k != HDR_FIELD) continue;
        if (hdr_is(&f, "Mailing-List"))
            ezmsg_die(100, prog, &LD, "ERR_MAILING_LIST",
                      "the message already has a Mailing-List header; should this list be a sublist? (#5.7.2)", NULL);
        if (!hdr_is(&f, "Delivered-To")) continue;
        t.len = 0;
        if (hdr_value(&t, &f) < 0) nomem();
        if (t.len == line.len && case_equalb(t.s, line.s, t.len))
            ezmsg_die(100, prog, &LD, "ERR_LOOPING",
                      "this message is looping: it already carries my Delivered-To line (#5.4.6)", NULL);
    }

    /* who moderates, and is the sender one of them? */
    if (!confirm) {
        ismod = modq_issub(prog, LD.dir.s, modpost.s, snorm.s, &stored);
        if (modonly && !ismod)
            ezmsg_die(100, prog, &LD, "ERR_NO_POST", "You are not allowed to post to this list (#5.7.2)", NULL);
        if (ismod && str_catc(&stored, 0) < 0) nomem();
    }

    /* the stored file */
    sub = confirm ? "unconfirmed" : "pending";
    if (modq_lock(&LD, confirm ? "mod/confirmlock" : "mod/lock") < 0)
        die_sys(EXIT_TEMP, prog, "unable to lock %s/mod", LD.dir.s);
    for (k = 0;; k++) {
        now = time(NULL);
        snprintf(id, sizeof id, "%lu.%lu", (unsigned long)now, (unsigned long)getpid());
        path.len = 0;
        if (str_cat(&path, &LD.dir) < 0 || str_catf(&path, "/mod/%s", sub) < 0) nomem();
        if (k == 0 && fs_mkdir_p(path.s, 0700) < 0)
            die_sys(EXIT_TEMP, prog, "unable to create %s", path.s);
        if (str_catf(&path, "/%s", id) < 0) nomem();
        fd = fs_open_nofollow(path.s, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd >= 0) break;
        if (errno != EEXIST || k >= 3) {
            path.len = 0;
            die_sys(EXIT_TEMP, prog, "unable to create a file in %s/mod/%s", LD.dir.s, sub);
        }
        sleep(1);
    }
    t.len = 0;
    if (modq_return_path(&t, raw.s) < 0 || str_catf(&t, "Delivered-To: %s\n", line.s) < 0) nomem();
    put(fd, t.s, t.len);
    put(fd, m.head.s, m.head.len);
    while ((k = msgin_piece(&m, &piece, 65536, &ls)) > 0) put(fd, piece.s, piece.len);
    if (k < 0) {
        fail_unlink();
        die_sys(EXIT_TEMP, prog, "unable to read input");
    }
    /* complete only once synced: owner-x marks it */
    if (fsync(fd) < 0 || fchmod(fd, 0700) < 0 || fsync(fd) < 0 || fs_fsync_parent(path.s) < 0) {
        int e = errno;
        fail_unlink();
        errno = e;
        die_sys(EXIT_TEMP, prog, "unable to sync %s/mod/%s/%s", LD.dir.s, sub, id);
    }

    /* the request */
    if (modq_cookie(ck, &LD, confirm ? MODQ_CONFIRM : MODQ_MOD, id) < 0) {
        fail_unlink();
        die_sys(EXIT_TEMP, prog, "unable to read %s/key", LD.dir.s);
    }
    if (str_catf(&acc, "%s-%s-%s.%s@%s", LD.outlocal.s, confirm ? "confirm" : "accept", id, ck,
                 LD.outhost.s) < 0 ||
        str_catf(&rej, "%s-%s-%s.%s@%s", LD.outlocal.s, confirm ? "discard" : "reject", id, ck,
                 LD.outhost.s) < 0)
        nomem();
    v.target = acc.s;
    v.confirm = rej.s;
    v.cookie = ck;
    if (text_msg(&subj, &LD, confirm ? "SUB_CONFIRM_POST" : "SUB_MODERATE", &v) < 0 ||
        str_catc(&subj, 0) < 0)
        nomem();
    if (confirm) {
        if (str_catf(&from, "%s-owner@%s", LD.outlocal.s, LD.outhost.s) < 0 ||
            str_copy(&to, &raw) < 0 || str_copy(&snd, &rej) < 0)
            nomem();
    } else {
        if (str_copy(&from, &rej) < 0 ||
            str_catf(&to, "%s-moderators@%s", LD.outlocal.s, LD.outhost.s) < 0 ||
            str_catf(&snd, "%s-return-@%s", LD.outlocal.s, LD.outhost.s) < 0)
            nomem();
    }
    if (str_catc(&to, 0) < 0 || str_catc(&snd, 0) < 0) nomem();

    /* recipients: the sender, the posting moderator, or all moderators */
    if (confirm || ismod) {
        one[0] = confirm ? raw.s : stored.s;
        rcpts = one;
        nrcpts = 1;
    } else {
        sub_db *db = NULL;
        const char *md = self ? "mod" : modpost.s;
        if (sub_open(&db, LD.dir.s, md) < 0 || sub_collect(db, &mods, &rcpts, &nrcpts) < 0) {
            int e = errno;
            fail_unlink();
            die(EXIT_TEMP, prog, "unable to list the moderators of %s: %s", LD.dir.s, sub_strerror(db, e));
        }
        sub_close(db);
        if (!nrcpts) {
            fail_unlink();
            die(EXIT_TEMP, prog, "the list %s has no moderators (%s)", LD.dir.s, md);
        }
    }

    /* remote administration: "reply to all" also puts the sender on the
     * allow list (ezmlm-manage's LIST-allow-tc. confirmation) */
    if (!confirm && !ismod && fileflag("remote")) {
        str key = STR_INIT, head = STR_INIT;
        char ck2[LCOOKIE_LEN + 1];
        if (listdir_key(&LD, &key) < 0) {
            fail_unlink();
            die_sys(EXIT_TEMP, prog, "unable to read %s/key", LD.dir.s);
        }
        if (lcookie_make(ck2, &key, "allow", (unsigned long)now, snorm.s, strlen(snorm.s), 't') < 0 ||
            str_catf(&head, "%s-allow-tc.%lu.%s", LD.outlocal.s, (unsigned long)now, ck2) < 0 ||
            str_copys(&cc, "Cc: ") < 0)
            nomem();
        if (lcookie_local(&cc, LD.dir.s, head.s, ck2, snorm.s, strlen(snorm.s), (unsigned long)now) < 0) {
            fail_unlink();
            die_sys(EXIT_TEMP, prog, "unable to record a cookie in %s/cookies", LD.dir.s);
        }
        if (str_catc(&cc, '@') < 0 || str_cat(&cc, &LD.outhost) < 0 || str_cats(&cc, "\n") < 0) nomem();
        str_free(&key);
        str_free(&head);
    }

    memset(&h, 0, sizeof h);
    h.from = from.s;
    h.extra = cc.len ? cc.s : NULL;
    h.to = to.s;
    h.subject = subj.s;
    h.replyto = acc.s;
    h.attach = attach;
    if (reply_start(&r, &LD, &h) < 0) {
        fail_unlink();
        die_sys(EXIT_TEMP, prog, "unable to run qmail-queue");
    }
    k = reply_file(&r, confirm ? "post-confirm" : "mod-request", &v);
    if (k < 0 || k == CTL_MISSING) {
        reply_abort(&r);
        fail_unlink();
        if (k < 0) die_sys(EXIT_TEMP, prog, "unable to read text/%s", confirm ? "post-confirm" : "mod-request");
        die(EXIT_PERM, prog, "unable to find text/%s", confirm ? "post-confirm" : "mod-request");
    }
    if ((!attach && modq_blank(&r) < 0) || reply_copy_begin(&r) < 0) nomem();
    close(fd);
    fd = open(path.s, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || modq_copy(&r, fd, !body) < 0) {
        reply_abort(&r);
        fail_unlink();
        die_sys(EXIT_TEMP, prog, "unable to read back %s", id);
    }
    if (reply_finish(&r, snd.s, rcpts, nrcpts, &why) != 0) {
        fail_unlink();
        if (str_catc(&why, 0) < 0) die_nomem(prog);
        die(EXIT_TEMP, prog, "temporary qmail-queue error: %s", why.s);
    }
    path.len = 0; /* sent: the post stays */
    fprintf(stderr, "%s: info: qp %lu\n", prog, r.q.qp);
    exit(0);
}
