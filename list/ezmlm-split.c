/*
 * ezmlm-split: hands the subscribe and unsubscribe requests of a list whose
 * subscribers are spread over sublists to the sublist that serves the
 * target address (DIR/manager, before ezmlm-manage).
 *
 *   ezmlm-split [-dDvV] DIR [splitfile]
 *
 * The split file (default DIR/split) has lines dom:lo:hi:list@host.  The
 * first line whose dom is empty or a prefix of the target's domain key
 * (the last two labels of its domain, reversed: a.b.com -> com.b) and
 * whose range lo..hi (default 0..52) holds the target's hash (sub/sub.h:
 * sub_hash_addr, the hash ezmlm-idx 7.2 uses) names the sublist; an empty
 * name, or this list itself, leaves the request to ezmlm-manage.  A match
 * is re-injected to LIST-ACTION-box=dom@HOST with $DTLINE in front,
 * envelope sender LIST-return-@HOST, and ends the manager file (exit 99).
 * -D (planning): addresses on stdin, one per line; prints
 * "list@host: address" for each.
 * Exit 0 (not ours), 99 (forwarded), 100, 111.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "ctl.h"
#include "die.h"
#include "ezmsg.h"
#include "lcookie.h"
#include "listdir.h"
#include "msgin.h"
#include "str.h"
#include "sub/sub.h"

static const char *prog = "ezmlm-split";
static const char *usage = "ezmlm-split [-dD] dir [splitfile]";

static void nomem(void) { die_nomem(prog); }

/* the split file's lines ('#' comments and empty lines dropped), each
 * followed by a NUL; 0 when the file does not exist */
static int read_split(const char *path, str *lines)
{
    ctl_list l = CTL_LIST_INIT;
    int r = ctl_readlist_path(path, &l);
    if (r == CTL_ERR) die_sys(die_errno_temp(errno) ? EXIT_TEMP : EXIT_PERM, prog, "unable to read %s", path);
    if (r == CTL_MISSING) return 0;
    if (str_copy(lines, &l.buf) < 0) nomem();
    ctl_list_free(&l);
    return 1;
}

/* the domain key of addr (lowercased): the last two labels of the domain
 * in reverse order */
static void domain_key(const char *addr, size_t len, str *key)
{
    const char *at = NULL, *d, *e, *dot;
    size_t dl, i;
    key->len = 0;
    for (i = len; i > 0; i--)
        if (addr[i - 1] == '@') { at = addr + i - 1; break; }
    if (!at) return;
    d = at + 1;
    dl = (size_t)(addr + len - d);
    /* last label */
    e = d + dl;
    dot = NULL;
    for (i = dl; i > 0; i--)
        if (d[i - 1] == '.') { dot = d + i - 1; break; }
    if (!dot) {
        if (str_catb(key, d, dl) < 0) nomem();
    } else {
        const char *prev = NULL;
        if (str_catb(key, dot + 1, (size_t)(e - dot - 1)) < 0) nomem();
        for (i = (size_t)(dot - d); i > 0; i--)
            if (d[i - 1] == '.') { prev = d + i - 1; break; }
        if (str_catc(key, '.') < 0) nomem();
        if (!prev) {
            if (str_catb(key, d, (size_t)(dot - d)) < 0) nomem();
        } else if (str_catb(key, prev + 1, (size_t)(dot - prev - 1)) < 0) {
            nomem();
        }
    }
    str_lower(key);
}

/* a range bound: empty is def; digits only, at most 52 */
static int bound(const char *s, size_t len, unsigned long def, unsigned long *out)
{
    if (!len) { *out = def; return 0; }
    if (scan_ulong(s, len, out) != len || *out > 52) return -1;
    return 0;
}

/* The sublist for the lowercased address lc: 1 and *list set (empty: this
 * list), 0 when no line matches.  Dies on a syntax error. */
static int lookup(const str *lines, const char *path, const listdir *ld, const str *lc, str *list)
{
    unsigned h = sub_hash_addr(lc->s, lc->len);
    str key = STR_INIT;
    size_t pos = 0;
    unsigned long lineno = 0;
    domain_key(lc->s, lc->len, &key);
    while (pos < lines->len) {
        const char *l = lines->s + pos, *f[4];
        size_t ll = strlen(l), fl[4], k;
        unsigned long lo, hi;
        const char *p = l;
        pos += ll + 1;
        lineno++;
        for (k = 0; k < 3; k++) {
            const char *c = memchr(p, ':', (size_t)(l + ll - p));
            if (!c) die(EXIT_PERM, prog, "syntax error in %s, line %lu", path, lineno);
            f[k] = p;
            fl[k] = (size_t)(c - p);
            p = c + 1;
        }
        f[3] = p;
        fl[3] = (size_t)(l + ll - p);
        if (bound(f[1], fl[1], 0, &lo) < 0 || bound(f[2], fl[2], 52, &hi) < 0)
            die(EXIT_PERM, prog, "syntax error in %s, line %lu", path, lineno);
        if (h < lo || h > hi) continue;
        if (fl[0] && !(fl[0] <= key.len && case_equalb(f[0], key.s, fl[0]))) continue;
        list->len = 0;
        if (fl[3]) {
            if (str_catb(list, f[3], fl[3]) < 0) nomem();
            if (!memchr(f[3], '@', fl[3]) &&
                (str_catc(list, '@') < 0 || str_cat(list, &ld->outhost) < 0))
                nomem();
        }
        if (str_catc(list, 0) < 0) nomem();
        list->len--;
        str_free(&key);
        return 1;
    }
    str_free(&key);
    return 0;
}

/* 1 if list (local@host) is this list */
static int is_self(const listdir *ld, const str *list)
{
    const char *at = strrchr(list->s, '@');
    size_t ll = at ? (size_t)(at - list->s) : list->len;
    if (!list->len) return 1;
    return at && ll == ld->outlocal.len && !memcmp(list->s, ld->outlocal.s, ll) &&
           case_equals(at + 1, ld->outhost.s);
}

static void lower_copy(str *out, const char *s, size_t len)
{
    if (str_copyb(out, s, len) < 0 || str_catc(out, 0) < 0) nomem();
    out->len--;
    str_lower(out);
}

/* -D: "list@host: address" for each address on stdin */
static void plan(const listdir *ld, const str *lines, const char *path)
{
    buf in;
    str line = STR_INIT, lc = STR_INIT, list = STR_INIT;
    int k;
    if (buf_init(&in, 0, NULL, 0) < 0) nomem();
    while ((k = buf_getline(&in, &line, '\n', 1024)) > 0) {
        if (k == BUF_TOOLONG) continue;  /* no address is that long */
        while (line.len && (line.s[line.len - 1] == '\n' || line.s[line.len - 1] == '\r' ||
                            line.s[line.len - 1] == ' ' || line.s[line.len - 1] == '\t'))
            line.len--;
        if (!line.len) continue;
        lower_copy(&lc, line.s, line.len);
        if (!lookup(lines, path, ld, &lc, &list) || !list.len) {
            list.len = 0;
            if (str_catf(&list, "%s@%s", ld->outlocal.s, ld->outhost.s) < 0) nomem();
        }
        printf("%s: %.*s\n", list.s, (int)line.len, line.s);
    }
    if (k < 0) die_sys(EXIT_TEMP, prog, "unable to read input");
    if (fflush(stdout) == EOF || ferror(stdout)) die_sys(EXIT_TEMP, prog, "unable to write output");
    exit(0);
}

int main(int argc, char **argv)
{
    listdir ld = LISTDIR_INIT;
    str path = STR_INIT, lines = STR_INIT, target = STR_INIT, lc = STR_INIT, list = STR_INIT,
        to = STR_INIT, from = STR_INIT, piece = STR_INIT;
    const char *env, *dtline, *action, *dash;
    size_t alen;
    int opt, planning = 0, have, k, ls;
    msgin m = MSGIN_INIT;
    qq q;

    signal(SIGPIPE, SIG_IGN);
    while ((opt = getopt(argc, argv, "dDvV")) != -1) {
        switch (opt) {
        case 'd': planning = 0; break;
        case 'D': planning = 1; break;
        case 'v': case 'V': ezmsg_version();
        default: die_usage(prog, usage);
        }
    }
    if (!argv[optind]) die_usage(prog, usage);
    ezmsg_listdir(&ld, prog, argv[optind]);
    if (argv[optind + 1]) {
        if (str_copys(&path, argv[optind + 1]) < 0) nomem();
    } else if (listdir_path(&ld, "split", &path) < 0) {
        nomem();
    }
    if (str_catc(&path, 0) < 0) nomem();
    have = read_split(path.s, &lines);
    if (planning) {
        if (!have) die(EXIT_PERM, prog, "no split file %s", path.s);
        plan(&ld, &lines, path.s);
    }

    /* DEFAULT: ACTION[-box=dom]; only subscribe and unsubscribe are ours */
    env = getenv("DEFAULT");
    if (!env) die(EXIT_PERM, prog, "DEFAULT not set");
    dash = strchr(env, '-');
    alen = dash ? (size_t)(dash - env) : strlen(env);
    if (alen == 9 && case_equalb(env, "subscribe", 9)) action = "subscribe";
    else if (alen == 11 && case_equalb(env, "unsubscribe", 11)) action = "unsubscribe";
    else exit(0);
    if (!have) exit(0);

    if (dash) {
        if (lcookie_unverp(&target, dash + 1, strlen(dash + 1)) < 0) nomem();
    } else {
        str snorm = STR_INIT;
        env = getenv("SENDER");
        if (!env) die(EXIT_PERM, prog, "SENDER not set");
        if (listdir_sender_normalise(env, &snorm) < 0) nomem();
        if (str_copy(&target, &snorm) < 0) nomem();
        str_free(&snorm);
    }
    if (sub_addr_check(target.s ? target.s : "", target.len) < 0 || !memchr(target.s, '@', target.len) ||
        memchr(target.s, 0, target.len))
        die(EXIT_PERM, prog, "%s", errno == ENAMETOOLONG ? "the address is too long (#5.1.3)"
                                                        : "the address is not valid (#5.1.3)");
    lower_copy(&lc, target.s, target.len);
    if (!lookup(&lines, path.s, &ld, &lc, &list) || is_self(&ld, &list)) exit(0);

    dtline = getenv("DTLINE");
    if (!dtline) die(EXIT_PERM, prog, "DTLINE not set");

    /* sublist-ACTION-box=dom@sublisthost */
    {
        const char *at = strrchr(list.s, '@');
        if (str_catb(&to, list.s, (size_t)(at - list.s)) < 0 || str_catf(&to, "-%s-", action) < 0 ||
            lcookie_verp(&to, target.s, target.len) < 0 || str_cats(&to, at) < 0 || str_catc(&to, 0) < 0)
            nomem();
        if (str_catf(&from, "%s-return-@%s", ld.outlocal.s, ld.outhost.s) < 0) nomem();
    }
    if (msgin_open(&m, 0, 0) < 0) {
        if (errno == EFBIG) die(EXIT_PERM, prog, "message header is too large (#5.3.4)");
        die_sys(EXIT_TEMP, prog, "unable to read input");
    }
    if (ezmsg_qq_start(&q, &ld) < 0) die_sys(EXIT_TEMP, prog, "unable to start the queue program");
    qq_puts(&q, dtline);
    if (!*dtline || dtline[strlen(dtline) - 1] != '\n') qq_puts(&q, "\n");
    qq_put(&q, m.head.s, m.head.len);
    while ((k = msgin_piece(&m, &piece, MSGIN_PIECE, &ls)) > 0) qq_put(&q, piece.s, piece.len);
    if (k < 0) {
        qq_abort(&q);
        die_sys(EXIT_TEMP, prog, "unable to read input");
    }
    qq_from(&q, from.s);
    qq_to(&q, to.s);
    ezmsg_qq_finish(&q, prog, 0);
    exit(99);
}
