/*
 * ezmlm-return: the bounce handler of a list (DIR/bouncer, with
 * .qmail-LIST-return-default pointing at it).
 *
 *   ezmlm-return [-dD] DIR
 *
 * DEFAULT is the part of the address after LIST-return- (or
 * LIST-digest-return-):
 *   N-box=dom            a post (message N) bounced for box@dom (VERP)
 *   N-                   a bounce without VERP: qmail's QSBMF format is read
 *   warn-TIME.COOKIE-box=dom, probe-TIME.COOKIE-box=dom
 *                        a warning or a probe of ezmlm-warn bounced
 *   (empty)              the reply address of the list's own replies
 * Distribution bounces of subscribers are recorded in bounce/ (ezmlm(5));
 * a bounced probe unsubscribes the address (Log event "-probe").
 * Exit 99 when done (also for bounces thrown away), 100 for an address
 * that is none of the above, 111 on temporary errors.
 */
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
#include "lcookie.h"
#include "listdir.h"
#include "msgin.h"
#include "str.h"
#include "sub/sub.h"

static const char *prog = "ezmlm-return";
static const char *usage = "ezmlm-return [-dD] dir";

static listdir ld = LISTDIR_INIT;
static int flagdig;
static str work = STR_INIT;
static const char *sender;
static time_t now;
static sub_db *db;

#define PARA_MAX (64u * 1024)

static void nomem(void) { die_nomem(prog); }

static void trash(const char *why)
{
    fprintf(stderr, "%s: info: trash address%s%s\n", prog, why ? ": " : "", why ? why : "");
    exit(99);
}

static void die_badaddr(void)
{
    ezmsg_die(100, prog, &ld, "ERR_BAD_RETURN_ADDRESS",
              "Invalid bounce or receipt address format (#5.1.1)", NULL);
}

static void open_db(void)
{
    if (db) return;
    if (sub_open(&db, ld.dir.s, flagdig ? "digest" : NULL) < 0)
        die(EXIT_TEMP, prog, "unable to open the subscriber list: %s", sub_strerror(db, errno));
}

static int issub(const char *addr)
{
    int r;
    open_db();
    r = sub_issub(db, addr, strlen(addr), NULL);
    if (r < 0) die(EXIT_TEMP, prog, "unable to read the subscriber list: %s", sub_strerror(db, errno));
    return r;
}

/* "TIME.COOKIE[-box=dom]" of a warning or probe: the address, or trash */
static void cookie_addr(const char *s, char action, str *addr)
{
    unsigned long when = 0;
    size_t n = scan_ulong(s, strlen(s), &when);
    const char *c, *dash;
    str key = STR_INIT;
    int r;
    if (!n || s[n] != '.') trash("no time");
    if ((unsigned long)now < when || (unsigned long)now - when > 3000000UL) trash("expired");
    c = s + n + 1;
    dash = strchr(c, '-');
    addr->len = 0;
    if (dash) {
        if (lcookie_unverp(addr, dash + 1, strlen(dash + 1)) < 0) nomem();
    } else {
        r = lcookie_target(ld.dir.s, c, strlen(c), addr);
        if (r < 0) die_sys(EXIT_TEMP, prog, "unable to read %s/cookies", ld.dir.s);
        if (r == 0) trash("unknown cookie");
        dash = c + strlen(c);
    }
    if (str_catc(addr, 0) < 0) nomem();
    addr->len--;
    if (listdir_key(&ld, &key) < 0) die_sys(EXIT_TEMP, prog, "unable to read %s/key", ld.dir.s);
    r = lcookie_check(c, (size_t)(dash - c), &key, flagdig ? "digest" : "", when, addr->s,
                      addr->len, action);
    str_free(&key);
    if (r < 0) die_sys(EXIT_TEMP, prog, "unable to compute a cookie");
    if (r == 0) trash("bad cookie");
}

static void lock_bounces(void)
{
    if (bounce_lock(work.s) < 0) die_sys(EXIT_TEMP, prog, "unable to lock %s/lockbounce", work.s);
}

static int blank(const str *l)
{
    return (l->len == 1 && l->s[0] == '\n') || (l->len == 2 && l->s[0] == '\r' && l->s[1] == '\n');
}

/* one paragraph (lines up to and including an empty line); 0 at the end */
static int paragraph(msgin *m, str *p)
{
    str piece = STR_INIT;
    int start, r, any = 0;
    p->len = 0;
    while ((r = msgin_piece(m, &piece, MSGIN_PIECE, &start)) > 0) {
        any = 1;
        if (p->len < PARA_MAX && str_catb(p, piece.s, piece.len < PARA_MAX - p->len ? piece.len : PARA_MAX - p->len) < 0)
            nomem();
        if (start && blank(&piece)) break;
    }
    if (r < 0) die_sys(EXIT_TEMP, prog, "unable to read input");
    str_free(&piece);
    return any;
}

/* a bounce without VERP: qmail's QSBMF ("Hi. This is the qmail-send ...") */
static void qsbmf(msgin *m, unsigned long msgnum)
{
    str para = STR_INIT, intro = STR_INIT, data = STR_INIT, addr = STR_INIT;
    int haveintro = 0;
    unsigned addrno = 0;
    if (!m->ended) trash("no body");
    for (;;) {
        if (!paragraph(m, &para)) break;
        if (!haveintro) {
            if (para.len >= 2 && para.s[0] == '-' && para.s[1] == '-') continue; /* a MIME boundary */
            if (para.len < 15 || memcmp(para.s, "Hi. This is the", 15) != 0) trash("not a qmail bounce");
            if (str_copy(&intro, &para) < 0) nomem();
            haveintro = 1;
            continue;
        }
        if (para.len && para.s[0] == '-') break;
        if (para.len && para.s[0] == '<') {
            const char *nl = memchr(para.s, '\n', para.len);
            size_t i = nl ? (size_t)(nl - para.s) : para.len;
            if (i < 3) trash("bad recipient paragraph");
            addr.len = 0;
            if (str_copyb(&addr, para.s + 1, i - 3) < 0 || str_catc(&addr, 0) < 0) nomem();
            addr.len--;
            if (memchr(addr.s, 0, addr.len) || !addr.len) continue;
            if (!issub(addr.s)) continue;
            data.len = 0;
            if (str_cat(&data, &m->head) < 0 || str_cat(&data, &intro) < 0 || str_cat(&data, &para) < 0)
                nomem();
            if (bounce_dist(work.s, addr.s, msgnum, now, addrno++, sender, data.s, data.len, NULL) < 0)
                die_sys(EXIT_TEMP, prog, "unable to record the bounce of %s", addr.s);
        }
    }
    if (!haveintro) trash("not a qmail bounce");
    exit(99);
}

int main(int argc, char **argv)
{
    int opt;
    const char *dir, *action, *env;
    str snorm = STR_INIT, addr = STR_INIT;
    msgin m = MSGIN_INIT;

    signal(SIGPIPE, SIG_IGN);
    umask(022);
    now = time(NULL);
    opterr = 0;
    while ((opt = getopt(argc, argv, "+dDvV")) != -1) {
        switch (opt) {
        case 'd': flagdig = 1; break;
        case 'D': flagdig = 0; break;
        case 'v': case 'V': ezmsg_version();
        default: die_usage(prog, usage);
        }
    }
    dir = argv[optind];
    if (!dir) die_usage(prog, usage);
    ezmsg_listdir(&ld, prog, dir);

    env = getenv("SENDER");
    if (!env) ezmsg_die(100, prog, &ld, "ERR_NOSENDER", "SENDER not set", NULL);
    if (listdir_sender_normalise(env, &snorm) < 0 || str_catc(&snorm, 0) < 0) nomem();
    sender = snorm.s;
    action = getenv("DEFAULT");
    if (!action) ezmsg_die(100, prog, &ld, "ERR_NODEFAULT", "DEFAULT not set", NULL);

    if (str_copy(&work, &ld.dir) < 0 || (flagdig && str_cats(&work, "/digest") < 0) ||
        str_catc(&work, 0) < 0)
        nomem();
    work.len--;

    if (!strncmp(action, "receipt-", 8)) trash("receipts of SQL sublists are not kept");
    if ((action[0] == 'm' || action[0] == 'g') && action[1] == '-')
        trash("bounces of SQL sublists are not kept");
    if (!*action) trash(NULL);

    if (!strncmp(action, "probe-", 6)) {
        int r;
        cookie_addr(action + 6, 'P', &addr);
        open_db();
        r = sub_remove(db, addr.s, addr.len, "probe", NULL, SUB_NOHASH);
        if (r < 0 && !sub_error_is_perm(errno))
            die(EXIT_TEMP, prog, "unable to unsubscribe %s: %s", addr.s, sub_strerror(db, errno));
        if (r == SUB_CHANGED) fprintf(stderr, "%s: info: probe bounced: %s removed\n", prog, addr.s);
        exit(99);
    }

    lock_bounces();
    if (!strncmp(action, "warn-", 5)) {
        cookie_addr(action + 5, 'W', &addr);
        if (msgin_open(&m, 0, BOUNCE_KEEP) < 0 && errno != EFBIG)
            die_sys(EXIT_TEMP, prog, "unable to read input");
        if (bounce_warn(work.s, addr.s, now, sender, m.head.s, m.head.len, &m) < 0)
            die_sys(EXIT_TEMP, prog, "unable to record the bounced warning of %s", addr.s);
        exit(99);
    }

    {
        unsigned long msgnum = 0;
        size_t n = scan_ulong(action, strlen(action), &msgnum);
        const char *rest;
        if (!n || action[n] != '-') die_badaddr();
        rest = action + n + 1;
        if (msgin_open(&m, 0, BOUNCE_KEEP) < 0) {
            if (errno != EFBIG) die_sys(EXIT_TEMP, prog, "unable to read input");
            if (!*rest) trash("header too large");
        }
        if (!*rest) qsbmf(&m, msgnum);
        if (lcookie_unverp(&addr, rest, strlen(rest)) < 0 || str_catc(&addr, 0) < 0) nomem();
        addr.len--;
        if (!strchr(addr.s, '@') || !issub(addr.s)) exit(99);
        if (bounce_dist(work.s, addr.s, msgnum, now, 0, sender, m.head.s, m.head.len, &m) < 0)
            die_sys(EXIT_TEMP, prog, "unable to record the bounce of %s", addr.s);
    }
    exit(99);
}
