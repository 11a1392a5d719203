/*
 * ezmlm-warn: the periodic part of bounce handling.
 *
 *   ezmlm-warn [-dD] [-t days] [-l secs] DIR
 *
 * For every subscriber whose first bounce (recorded by ezmlm-return in
 * bounce/d/) is older than the timeout (-t, default 10 days), sends a
 * warning listing the messages that bounced; for every bounced warning, a
 * probe.  A bounced probe removes the subscriber (ezmlm-return).  Without
 * -d or -D the main list and then the digest list are done.  A run is
 * skipped while bounce/lastd is younger than the lockout (-l, default the
 * timeout / 50).  The flag file nowarn turns all of this off.
 * Exit 0, or 111 on temporary errors (100 when a text file is missing).
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bounce.h"
#include "die.h"
#include "ezmsg.h"
#include "fs.h"
#include "lcookie.h"
#include "listdir.h"
#include "reply.h"
#include "str.h"
#include "sub/sub.h"
#include "text.h"

static const char *prog = "ezmlm-warn";
static const char *usage = "ezmlm-warn [-dD] [-l secs] [-t days] dir";

static listdir ld = LISTDIR_INIT;
static unsigned long timeout = 10, lockout, copylines;
static int lockout_given;
static time_t now;

static void nomem(void) { die_nomem(prog); }

static void text(reply *r, const char *name, const text_vars *v)
{
    int k = reply_file(r, name, v);
    if (k < 0) { reply_abort(r); die_sys(EXIT_TEMP, prog, "unable to read text/%s", name); }
    if (k == CTL_MISSING) { reply_abort(r); die(EXIT_PERM, prog, "unable to find text/%s", name); }
}

/* the stored bounce after the address: its header and copylines body lines */
static void copy_bounce(reply *r, const char *s, size_t len)
{
    size_t pos = 0, lines = 0;
    int inhead = 1;
    while (pos < len) {
        const char *nl = memchr(s + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - s) + 1 : len;
        if (!inhead) {
            if (lines >= copylines) break;
            lines++;
        }
        reply_copy(r, s + pos, end - pos);
        if (inhead && (end - pos == 1 || (end - pos == 2 && s[pos] == '\r'))) inhead = 0;
        pos = end;
    }
    if (pos && s[pos - 1] != '\n') reply_copy(r, "\n", 1);
}

/* a warning (flagw 0) or a probe (1) for the d/w file fn */
static void doit(const char *work, int flagdig, sub_db *db, const char *fn, int flagw)
{
    str data = STR_INIT, hp = STR_INIT, local = STR_INIT, from = STR_INIT, subj = STR_INIT,
        sender = STR_INIT, head = STR_INIT, why = STR_INIT, key = STR_INIT, nums = STR_INIT;
    const char *addr, *nul;
    size_t alen;
    char cookie[LCOOKIE_LEN + 1], when[32];
    text_vars v = TEXT_VARS_INIT;
    reply r = REPLY_INIT;
    struct reply_head h;
    const char *rcpt[1];
    int k;

    if (fs_read_file(fn, &data, 2u * BOUNCE_KEEP) < 0) {
        if (errno == ENOENT) return;
        if (errno != EFBIG) die_sys(EXIT_TEMP, prog, "unable to read %s", fn);
        data.len = 0;
    }
    nul = data.len ? memchr(data.s, 0, data.len) : NULL;
    if (!nul || nul == data.s) {
        /* not a bounce record: nothing to warn about */
        if (unlink(fn) < 0 && errno != ENOENT) die_sys(EXIT_TEMP, prog, "unable to delete %s", fn);
        str_free(&data);
        return;
    }
    addr = data.s;
    alen = (size_t)(nul - data.s);
    k = sub_issub(db, addr, alen, NULL);
    if (k < 0) die(EXIT_TEMP, prog, "unable to read the subscriber list: %s", sub_strerror(db, errno));
    if (k == 0) {
        if (unlink(fn) < 0 && errno != ENOENT) die_sys(EXIT_TEMP, prog, "unable to delete %s", fn);
        str_free(&data);
        return;
    }
    if (bounce_hashpath(&hp, work, addr) < 0) nomem();

    if (str_copy(&local, &ld.outlocal) < 0 || (flagdig && str_cats(&local, "-digest") < 0) ||
        str_catc(&local, 0) < 0)
        nomem();
    v.local = local.s;
    v.target = addr;
    if (str_catf(&from, "%s-help@%s", local.s, ld.outhost.s) < 0) nomem();
    if (text_msg(&subj, &ld, flagw ? "SUB_PROBE" : "SUB_WARNING", &v) < 0 || str_catc(&subj, 0) < 0)
        nomem();

    memset(&h, 0, sizeof h);
    h.from = from.s;
    h.to = addr;
    h.subject = subj.s;
    h.local = local.s;
    if (reply_start(&r, &ld, &h) < 0) die_sys(EXIT_TEMP, prog, "unable to run qmail-queue");
    text(&r, "top", &v);
    text(&r, flagw ? "bounce-probe" : "bounce-warn", &v);
    if (!flagw) {
        text(&r, flagdig ? "dig-bounce-num" : "bounce-num", &v);
        if (fs_read_file(hp.s, &nums, 1024 * 1024) < 0) {
            if (errno != ENOENT && errno != EFBIG) {
                reply_abort(&r);
                die_sys(EXIT_TEMP, prog, "unable to read %s", hp.s);
            }
            nums.len = 0;
        }
        if (reply_add(&r, nums.s ? nums.s : "", nums.len) < 0) nomem();
    }
    text(&r, "bounce-bottom", &v);
    if (reply_copy_begin(&r) < 0) nomem();
    copy_bounce(&r, nul + 1, data.len - alen - 1);

    /* the return path that tells us when this one bounces too */
    snprintf(when, sizeof when, "%lu", (unsigned long)now);
    if (listdir_key(&ld, &key) < 0) { reply_abort(&r); die_sys(EXIT_TEMP, prog, "unable to read %s/key", ld.dir.s); }
    if (lcookie_make(cookie, &key, flagdig ? "digest" : "", (unsigned long)now, addr, alen,
                     flagw ? 'P' : 'W') < 0)
        nomem();
    if (str_catf(&head, "%s-return-%s-%s.%s", local.s, flagw ? "probe" : "warn", when, cookie) < 0)
        nomem();
    if (lcookie_local(&sender, ld.dir.s, head.s, cookie, addr, alen, (unsigned long)now) < 0) {
        reply_abort(&r);
        die_sys(EXIT_TEMP, prog, "unable to record a cookie in %s/cookies", ld.dir.s);
    }
    if (str_catc(&sender, '@') < 0 || str_cat(&sender, &ld.outhost) < 0) nomem();
    rcpt[0] = addr;
    if (reply_finish(&r, sender.s, rcpt, 1, &why) != 0) {
        if (str_catc(&why, 0) < 0) nomem();
        die(EXIT_TEMP, prog, "temporary qmail-queue error: %s", why.s);
    }
    fprintf(stderr, "%s: info: qp %lu\n", prog, r.q.qp);
    if (!flagw && unlink(hp.s) < 0 && errno != ENOENT) die_sys(EXIT_TEMP, prog, "unable to delete %s", hp.s);
    if (unlink(fn) < 0 && errno != ENOENT) die_sys(EXIT_TEMP, prog, "unable to delete %s", fn);
    reply_free(&r);
    str_free(&data); str_free(&hp); str_free(&local); str_free(&from); str_free(&subj);
    str_free(&sender); str_free(&head); str_free(&why); str_free(&key); str_free(&nums);
}

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static void dodir(int flagdig)
{
    /* static: reused by the second call, and reachable at exit */
    static str work = STR_INIT, p = STR_INIT, sub = STR_INIT, fn = STR_INIT, val = STR_INIT;
    unsigned long last = 0, lock = lockout_given ? lockout : timeout / 50;
    DIR *bd;
    struct dirent *e;
    sub_db *db = NULL;
    struct stat st;
    char letter;

    work.len = p.len = sub.len = fn.len = val.len = 0;
    if (str_copy(&work, &ld.dir) < 0 || (flagdig && str_cats(&work, "/digest") < 0) ||
        str_catc(&work, 0) < 0)
        nomem();
    work.len--;
    if (flagdig && !is_dir(work.s)) return;

    if (str_catf(&p, "%s/bounce/lastd", work.s) < 0) nomem();
    if (fs_read_file(p.s, &val, 64) == 0) scan_ulong(val.s, val.len, &last);
    else if (errno != ENOENT && errno != EFBIG) die_sys(EXIT_TEMP, prog, "unable to read %s", p.s);
    if (last + lock > (unsigned long)now && last <= (unsigned long)now) return;

    if (bounce_lock(work.s) < 0) die_sys(EXIT_TEMP, prog, "unable to lock %s/lockbounce", work.s);
    p.len = 0;
    if (str_catf(&p, "%s/bounce/d", work.s) < 0) nomem();
    bd = opendir(p.s);
    if (!bd) {
        if (errno == ENOENT) return;
        die_sys(EXIT_TEMP, prog, "unable to open %s", p.s);
    }
    if (sub_open(&db, ld.dir.s, flagdig ? "digest" : NULL) < 0)
        die(EXIT_TEMP, prog, "unable to open the subscriber list: %s", sub_strerror(db, errno));
    while ((e = readdir(bd))) {
        unsigned long d = 0;
        DIR *sd;
        struct dirent *f;
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        scan_ulong(e->d_name, strlen(e->d_name), &d);
        if (timeout) d++;   /* the whole 10000 s bucket must be old enough */
        if ((unsigned long)now < d * 10000 + timeout) continue;
        sub.len = 0;
        if (str_catf(&sub, "%s/%s", p.s, e->d_name) < 0) nomem();
        sd = opendir(sub.s);
        if (!sd) {
            if (errno != ENOTDIR) die_sys(EXIT_TEMP, prog, "unable to open %s", sub.s);
            /* a temporary file ezmlm-return left behind */
            if (unlink(sub.s) < 0 && errno != ENOENT) die_sys(EXIT_TEMP, prog, "unable to delete %s", sub.s);
            continue;
        }
        while ((f = readdir(sd))) {
            if (!strcmp(f->d_name, ".") || !strcmp(f->d_name, "..")) continue;
            fn.len = 0;
            if (str_catf(&fn, "%s/%s", sub.s, f->d_name) < 0) nomem();
            if (f->d_name[0] == 'd' || f->d_name[0] == 'w')
                doit(work.s, flagdig, db, fn.s, f->d_name[0] == 'w');
            else if (unlink(fn.s) < 0 && errno != ENOENT)
                die_sys(EXIT_TEMP, prog, "unable to delete %s", fn.s);
        }
        closedir(sd);
        if (rmdir(sub.s) < 0 && errno != ENOENT) die_sys(EXIT_TEMP, prog, "unable to delete %s", sub.s);
    }
    closedir(bd);
    sub_close(db);

    p.len = 0;
    val.len = 0;
    if (str_catf(&p, "%s/bounce/lastd", work.s) < 0 || str_catf(&val, "%lu\n", (unsigned long)now) < 0)
        nomem();
    if (fs_write_atomic(p.s, val.s, val.len, 0644) < 0) die_sys(EXIT_TEMP, prog, "unable to write %s", p.s);

    /* at most once per 100,000 s: forget the hash files of one letter that
     * nobody bounced into for three timeouts */
    p.len = 0;
    if (str_catf(&p, "%s/bounce/lasth", work.s) < 0) nomem();
    if (stat(p.s, &st) == 0) {
        if ((unsigned long)now < (unsigned long)st.st_mtime + 100000 &&
            (unsigned long)now > (unsigned long)st.st_mtime)
            return;
    } else if (errno != ENOENT) {
        die_sys(EXIT_TEMP, prog, "unable to stat %s", p.s);
    }
    letter = 'a';
    if (fs_read_file(p.s, &val, 64) == 0 && val.len && val.s[0] >= 'a' && val.s[0] <= 'o')
        letter = (char)(val.s[0] + 1);
    sub.len = 0;
    if (str_catf(&sub, "%s/bounce/h/%c", work.s, letter) < 0) nomem();
    if ((bd = opendir(sub.s))) {
        while ((e = readdir(bd))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
            fn.len = 0;
            if (str_catf(&fn, "%s/%s", sub.s, e->d_name) < 0) nomem();
            if (stat(fn.s, &st) < 0) continue;
            if ((unsigned long)now > (unsigned long)st.st_mtime + 3 * timeout && unlink(fn.s) < 0 &&
                errno != ENOENT)
                die_sys(EXIT_TEMP, prog, "unable to delete %s", fn.s);
        }
        closedir(bd);
    } else if (errno != ENOENT) {
        die_sys(EXIT_TEMP, prog, "unable to open %s", sub.s);
    }
    val.len = 0;
    if (str_catc(&val, letter) < 0 || str_catc(&val, '\n') < 0) nomem();
    if (fs_write_atomic(p.s, val.s, val.len, 0644) < 0) die_sys(EXIT_TEMP, prog, "unable to write %s", p.s);
}

int main(int argc, char **argv)
{
    int opt, digopt = -1, k;
    const char *dir;
    str val = STR_INIT;

    signal(SIGPIPE, SIG_IGN);
    umask(022);
    now = time(NULL);
    opterr = 0;
    while ((opt = getopt(argc, argv, "+dDl:t:vV")) != -1) {
        switch (opt) {
        case 'd': digopt = 1; break;
        case 'D': digopt = 0; break;
        case 'l':
            if (!scan_ulong(optarg, strlen(optarg), &lockout)) die_usage(prog, usage);
            lockout_given = 1;
            break;
        case 't':
            if (!scan_ulong(optarg, strlen(optarg), &timeout)) die_usage(prog, usage);
            break;
        case 'v': case 'V': ezmsg_version();
        default: die_usage(prog, usage);
        }
    }
    dir = argv[optind];
    if (!dir) die_usage(prog, usage);
    timeout *= 86400UL;
    ezmsg_listdir(&ld, prog, dir);
    k = listdir_isset(&ld, "nowarn");
    if (k < 0) die_sys(EXIT_TEMP, prog, "unable to read %s/nowarn", dir);
    if (k) exit(0);
    if (listdir_conf_ulong(&ld, "copylines", 0, &copylines) < 0)
        die_sys(EXIT_TEMP, prog, "unable to read %s/copylines", dir);
    str_free(&val);
    if (digopt < 0) {
        dodir(0);
        dodir(1);
    } else {
        dodir(digopt);
    }
    exit(0);
}
