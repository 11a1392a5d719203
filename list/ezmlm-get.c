/*
 * ezmlm-get: digests and archive retrieval.
 *
 *   ezmlm-get [-bBcCpPsSvV] [-f format] DIR [digestcode]
 *
 * Without LOCAL (command line, cron) or with LOCAL and without DEFAULT
 * (DIR/editor, after ezmlm-tstdig) it sends a digest of the messages
 * archived since the last one to the digest subscribers and exits 0.
 * With LOCAL and DEFAULT (DIR/manager) it answers the requests that are
 * its own -- dig.CODE (a digest now), get, index, thread and "digest" --
 * and exits 99 so that the manager's next lines do not see them; anything
 * else exits 0 at once and goes on to ezmlm-manage.  See ezmlm-get(1) and
 * the README (Differences) for the choices made where ezmlm-idx is vague.
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

#include "addr.h"
#include "archive.h"
#include "die.h"
#include "digest.h"
#include "ezmsg.h"
#include "fs.h"
#include "hdr.h"
#include "lock.h"
#include "modq.h"
#include "msgin.h"
#include "reply.h"
#include "sub/sub.h"
#include "text.h"

#define MAXGET 100      /* messages of one get reply */
#define HISTGET 30      /* "get" without a digest yet: the last 30 */
#define MAXINDEX 20     /* index sections (of 100 messages) of one reply */
#define THREADSPAN 2000 /* thread.N looks this far either side of N */

static const char *prog = "ezmlm-get";
static const char *usage = "ezmlm-get [-bBcCpPsSvV] [-f format] dir [digestcode]";

static listdir ld;

enum req { R_NONE, R_DIG, R_GET, R_INDEX, R_THREAD };

static void nomem(void) { die_nomem(prog); }

static void fail(int code, const char *name, const char *fallback, const char *p1)
{
    ezmsg_die(code, prog, &ld, name, fallback, p1);
}

/* archive_state(), dying 111 on errors */
static void read_state(const char *name, unsigned long v[3], str *old)
{
    if (archive_state(&ld, name, v, old) < 0) die_sys(EXIT_TEMP, prog, "unable to read %s/%s", ld.dir.s, name);
}

/* writes (or, with old empty, removes) state file name */
static int write_state(const char *name, const str *data)
{
    str p = STR_INIT;
    int r;
    if (listdir_path(&ld, name, &p) < 0) nomem();
    if (data->len) r = fs_write_atomic(p.s, data->s, data->len, 0644);
    else r = (unlink(p.s) < 0 && errno != ENOENT) ? -1 : 0;
    str_free(&p);
    return r;
}

static int flag(const char *name)
{
    int r = listdir_isset(&ld, name);
    if (r < 0) die_sys(EXIT_TEMP, prog, "unable to read %s/%s", ld.dir.s, name);
    return r;
}

static void msgname(str *out, const char *name, const text_vars *v)
{
    out->len = 0;
    if (text_msg(out, &ld, name, v) < 0 || str_catc(out, 0) < 0) nomem();
    out->len--;
}

/* ---- digests ------------------------------------------------------------------------- */

/* exits 0, or 99 for a dig. request (code_ok) */
static void do_digest(char fmt, int code_ok) __attribute__((noreturn));
static void do_digest(char fmt, int code_ok)
{
    unsigned long num[3], dig[3], iss[3], issue;
    str oldnum = STR_INIT, olddig = STR_INIT, oldiss = STR_INIT, subj = STR_INIT, title = STR_INIT,
        local = STR_INIT, from = STR_INIT, to = STR_INIT, add = STR_INIT, extra = STR_INIT,
        all = STR_INIT, snd = STR_INIT, why = STR_INIT, path = STR_INIT, nd = STR_INIT, ni = STR_INIT;
    const char **rcpts = NULL;
    size_t nrcpts = 0, count = 0, i;
    text_vars v = TEXT_VARS_INIT;
    struct digest_spec s;
    reply r = REPLY_INIT;
    sub_db *db = NULL;
    char issuebuf[32];
    time_t now = time(NULL);
    int done = code_ok ? EXIT_STOP : EXIT_DONE;

    if (listdir_path(&ld, "lock", &path) < 0) nomem();
    if (lock_file_ex(path.s) < 0) die_sys(EXIT_TEMP, prog, "unable to lock %s", path.s);
    read_state("num", num, &oldnum);
    read_state("dignum", dig, &olddig);
    read_state("digissue", iss, &oldiss);
    if (num[0] <= dig[0]) {
        fprintf(stderr, "%s: info: nothing to digest\n", prog);
        exit(done);
    }
    issue = iss[0] + 1;
    snprintf(issuebuf, sizeof issuebuf, "%lu", issue);
    if (str_catf(&local, "%s-digest", ld.outlocal.s) < 0 || str_catc(&local, 0) < 0) nomem();
    if (digest_date(&title, (long)now) < 0 || str_catc(&title, 0) < 0) nomem();
    v.param[1] = title.s;
    v.param[2] = issuebuf;
    msgname(&subj, "SUB_DIGEST_ISSUE", &v);
    v.param[1] = v.param[2] = NULL;
    v.local = local.s;
    if (text_conf(&add, &ld, "headeradd", &v) == CTL_ERR)
        die_sys(EXIT_TEMP, prog, "unable to read %s/headeradd", ld.dir.s);
    for (i = 0; i < add.len; i += strlen(add.s + i) + 1)
        if (str_cats(&extra, add.s + i) < 0 || str_catc(&extra, '\n') < 0) nomem();
    if (str_catc(&extra, 0) < 0) nomem();
    if (str_catf(&from, "%s-help@%s", local.s, ld.outhost.s) < 0 || str_catc(&from, 0) < 0 ||
        str_catf(&to, "%s@%s", ld.outlocal.s, ld.outhost.s) < 0 || str_catc(&to, 0) < 0)
        nomem();

    if (sub_open(&db, ld.dir.s, "digest") < 0 || sub_collect(db, &all, &rcpts, &nrcpts) < 0) {
        int e = errno;
        die(EXIT_TEMP, prog, "unable to read the digest subscribers: %s", sub_strerror(db, e));
    }
    sub_close(db);

    memset(&s, 0, sizeof s);
    s.format = fmt;
    s.lo = dig[0] + 1;
    s.hi = num[0];
    s.topics = 1;
    s.isdigest = 1;
    s.title = subj.s;
    s.local = local.s;
    s.head.from = from.s;
    s.head.to = to.s;
    s.head.subject = subj.s;
    s.head.local = local.s;
    s.head.extra = extra.s;
    if (nrcpts && digest_write(&r, &ld, &s, &count) < 0) die_sys(EXIT_TEMP, prog, "unable to write the digest");
    if (nrcpts && !count) {
        reply_abort(&r);
        fprintf(stderr, "%s: info: nothing to digest\n", prog);
        exit(done);
    }

    /* the new state goes to disk before the queue's verdict, and back
     * when the queue refuses */
    if (str_catf(&ni, "%lu:0\n", issue) < 0 || str_catf(&nd, "%lu:%lu:%lu\n", num[0], num[1], (unsigned long)now) < 0)
        nomem();
    if (write_state("digissue", &ni) < 0 || write_state("dignum", &nd) < 0) {
        int e = errno;
        reply_abort(&r);
        write_state("digissue", &oldiss);
        write_state("dignum", &olddig);
        errno = e;
        die_sys(EXIT_TEMP, prog, "unable to write %s/dignum", ld.dir.s);
    }
    if (!nrcpts) {
        fprintf(stderr, "%s: info: issue %lu: the digest has no subscribers\n", prog, issue);
        exit(done);
    }
    if (str_catf(&snd, "%s-return-%lu-@%s-@[]", local.s, s.lo, ld.outhost.s) < 0 || str_catc(&snd, 0) < 0)
        nomem();
    if (reply_finish(&r, snd.s, rcpts, nrcpts, &why) != 0) {
        write_state("digissue", &oldiss);
        write_state("dignum", &olddig);
        if (str_catc(&why, 0) < 0) nomem();
        die(EXIT_TEMP, prog, "temporary qmail-queue error: %s", why.s);
    }
    fprintf(stderr, "%s: info: qp %lu\n", prog, r.q.qp);
    exit(done);
}

/* ---- requests ---------------------------------------------------------------------- */

struct request {
    enum req kind;
    char fmt;
    int nnums;             /* 0, 1 or 2 numbers given */
    unsigned long n, m;
    int since;             /* "digest": the messages since the last digest */
};

/* "NAME[f][.|-]N[_M]" after the name: 1 if it is of that form */
static int parse_args(const char *s, struct request *q)
{
    size_t len;
    if (*s && ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z'))) {
        q->fmt = ascii_lower(*s);
        s++;
    }
    if (!*s) return 1;
    if (*s != '.' && *s != '-') return 0;
    s++;
    len = strlen(s);
    if (!len) return 1;
    s += archive_scan_num(s, len, &q->n);
    q->nnums = 1;
    if (!*s) return 1;
    s++;
    archive_scan_num(s, strlen(s), &q->m);
    q->nnums = 2;
    return 1;
}

static int prefix(const char *s, const char *p, const char **rest)
{
    size_t n = strlen(p);
    if (!case_starts(s, strlen(s), p)) return 0;
    *rest = s + n;
    return 1;
}

/* the request in DEFAULT, or R_NONE when it is not ezmlm-get's */
static int parse_request(const char *act, const char *code, struct request *q)
{
    const char *rest;
    memset(q, 0, sizeof *q);
    if (case_starts(act, strlen(act), "dig") && (act[3] == '.' || act[3] == '-')) {
        size_t cl = code ? strlen(code) : 0;
        rest = act + 4;
        q->kind = R_DIG;
        if (!cl || strlen(rest) < cl || !case_equalb(rest, code, cl) || (rest[cl] && rest[cl + 1]))
            return -1;
        if (rest[cl]) q->fmt = ascii_lower(rest[cl]);
        return 0;
    }
    if (case_equals(act, "digest")) {
        q->kind = R_GET;
        q->since = 1;
        return 0;
    }
    if (prefix(act, "index", &rest)) q->kind = R_INDEX;
    else if (prefix(act, "thread", &rest)) q->kind = R_THREAD;
    else if (prefix(act, "get", &rest)) q->kind = R_GET;
    else return 0;
    if (!parse_args(rest, q)) q->kind = R_NONE;
    return 0;
}

/* may the sender ask? dies 100 if not */
static void access_check(const char *sender, int public_opt, int subonly)
{
    str line = STR_INIT, p = STR_INIT;
    int pub = public_opt >= 0 ? public_opt : flag("public") && !flag("modgetonly");
    int ismod = 0;
    if (!pub || subonly) {
        if (flag("remote")) {
            const char *md = "mod";
            int k;
            if (listdir_path(&ld, "modsub", &p) < 0) nomem();
            k = ctl_readline_path(p.s, &line);
            if (k == CTL_ERR) die_sys(EXIT_TEMP, prog, "unable to read %s", p.s);
            if (k != CTL_FOUND || !line.len) {
                if (listdir_path(&ld, "remote", &p) < 0) nomem();
                k = ctl_readline_path(p.s, &line);
                if (k == CTL_ERR) die_sys(EXIT_TEMP, prog, "unable to read %s", p.s);
            }
            if (k == CTL_FOUND && line.len) md = line.s;
            ismod = modq_issub(prog, ld.dir.s, md, sender, NULL);
        }
    }
    if (!pub && !ismod) fail(EXIT_PERM, "ERR_NOT_PUBLIC", "This list does not take requests (#5.7.2)", NULL);
    if (subonly && !ismod && !modq_issub(prog, ld.dir.s, NULL, sender, NULL) &&
        !modq_issub(prog, ld.dir.s, "digest", sender, NULL) && !modq_issub(prog, ld.dir.s, "allow", sender, NULL))
        fail(EXIT_PERM, "ERR_SUBSCRIBER_CAN", "only subscribers may <#1#> (#5.7.1)", "get messages");
    str_free(&line);
    str_free(&p);
}

struct answer {
    const char *sender;
    const char *action;
    msgin m;
    int omitbottom;
    struct reply_head h;
    str from, subj;
};

static void head_init(struct answer *a, const char *subjname)
{
    text_vars v = TEXT_VARS_INIT;
    v.param[1] = a->action;
    msgname(&a->subj, subjname, &v);
    if (str_catf(&a->from, "%s-help@%s", ld.outlocal.s, ld.outhost.s) < 0 || str_catc(&a->from, 0) < 0) nomem();
    memset(&a->h, 0, sizeof a->h);
    a->h.from = a->from.s;
    a->h.to = a->sender;
    a->h.subject = a->subj.s;
    a->h.responder = 1;
    a->h.reqhead = a->m.head.s;
    a->h.reqheadlen = a->m.head.len;
}

/* sends the reply and exits 99 */
static void finish(struct answer *a, reply *r) __attribute__((noreturn));
static void finish(struct answer *a, reply *r)
{
    str snd = STR_INIT, why = STR_INIT;
    if (str_catf(&snd, "%s-return-@%s", ld.outlocal.s, ld.outhost.s) < 0 || str_catc(&snd, 0) < 0) nomem();
    if (reply_finish(r, snd.s, &a->sender, 1, &why) != 0) {
        if (str_catc(&why, 0) < 0) nomem();
        die(EXIT_TEMP, prog, "temporary qmail-queue error: %s", why.s);
    }
    fprintf(stderr, "%s: info: qp %lu\n", prog, r->q.qp);
    exit(EXIT_STOP);
}

/* text/bottom and the request copy in a plain reply */
static void bottom(struct answer *a, reply *r)
{
    str t = STR_INIT;
    if (a->omitbottom) return;
    if (reply_file(r, "bottom", NULL) == CTL_ERR) die_sys(EXIT_TEMP, prog, "unable to read text/bottom");
    if (reply_copy_begin(r) < 0) nomem();
    if (str_cats(&t, "Return-Path: <") < 0 || addr_quote(&t, a->sender, strlen(a->sender)) < 0 ||
        str_cats(&t, ">\n") < 0)
        nomem();
    reply_copy(r, t.s, t.len);
    reply_copy(r, a->m.head.s, a->m.head.len);
    str_free(&t);
}

/* the answer for a range with no message: text/get-bad */
static void get_bad(struct answer *a) __attribute__((noreturn));
static void get_bad(struct answer *a)
{
    reply r = REPLY_INIT;
    head_init(a, "SUB_DIGEST_OF");
    if (reply_start(&r, &ld, &a->h) < 0) die_sys(EXIT_TEMP, prog, "unable to run qmail-queue");
    if (reply_file(&r, "top", NULL) == CTL_ERR || reply_file(&r, "get-bad", NULL) == CTL_ERR)
        die_sys(EXIT_TEMP, prog, "unable to read the list's texts");
    bottom(a, &r);
    finish(a, &r);
}

static void do_get(struct answer *a, struct request *q, unsigned long max, unsigned long dig)
    __attribute__((noreturn));
static void do_get(struct answer *a, struct request *q, unsigned long max, unsigned long dig)
{
    struct digest_spec s;
    reply r = REPLY_INIT;
    archive_index ix = ARCHIVE_INDEX_INIT;
    archive_entry e = ARCHIVE_ENTRY_INIT;
    size_t count = 0;
    unsigned long lo, hi;
    memset(&s, 0, sizeof s);
    if (q->kind == R_THREAD) {
        if (!q->nnums || !q->n || q->n > max || archive_entry_get(&ld, q->n, &ix, &e) <= 0) {
            get_bad(a);
        }
        lo = q->n > THREADSPAN ? q->n - THREADSPAN : 1;
        hi = max - q->n > THREADSPAN ? q->n + THREADSPAN : max;
        s.thread = e.hash;
    } else if (q->nnums == 0) {
        hi = max;
        lo = dig ? dig : (max > HISTGET ? max - HISTGET + 1 : 1);
        if (hi - lo >= MAXGET) lo = hi - MAXGET + 1;
    } else {
        lo = q->n;
        hi = q->nnums == 2 ? q->m : q->n;
        if (hi < lo) { unsigned long t = lo; lo = hi; hi = t; }
        if (lo > max && q->nnums == 2) lo = dig > HISTGET ? dig - HISTGET : 1;
        if (hi > max && q->nnums == 2) hi = max;
        if (!lo) lo = 1;
        if (hi >= lo && hi - lo >= MAXGET) hi = lo + MAXGET - 1;
    }
    if (!max || lo > hi || lo > max) get_bad(a);
    s.format = q->fmt;
    s.lo = lo;
    s.hi = hi;
    s.max = MAXGET;
    s.topics = q->kind != R_THREAD;
    s.omitbottom = a->omitbottom;
    s.sender = a->sender;
    s.reqhead = a->m.head.s;
    s.reqheadlen = a->m.head.len;
    head_init(a, "SUB_DIGEST_OF");
    s.head = a->h;
    s.title = a->subj.s;
    if (digest_write(&r, &ld, &s, &count) < 0) die_sys(EXIT_TEMP, prog, "unable to write the reply");
    if (!count) {
        reply_abort(&r);
        get_bad(a);
    }
    finish(a, &r);
}

/* "20 Nov 2026 10:00:00 -0000" -> "20 Nov 2026": the words before the
 * time, without a weekday */
static void date_only(str *out, const str *date)
{
    size_t i = 0, n = date->len;
    out->len = 0;
    while (i < n) {
        size_t j;
        while (i < n && date->s[i] == ' ') i++;
        j = i;
        while (j < n && date->s[j] != ' ') j++;
        if (j == i || memchr(date->s + i, ':', j - i)) break;
        if (date->s[j - 1] != ',') {
            if (out->len && str_catc(out, ' ') < 0) nomem();
            if (str_catb(out, date->s + i, j - i) < 0) nomem();
        }
        i = j;
    }
}

static void do_index(struct answer *a, struct request *q, unsigned long max) __attribute__((noreturn));
static void do_index(struct answer *a, struct request *q, unsigned long max)
{
    reply r = REPLY_INIT;
    archive_index ix = ARCHIVE_INDEX_INIT;
    archive_entry e = ARCHIVE_ENTRY_INIT;
    str t = STR_INIT, d = STR_INIT, noidx = STR_INIT;
    unsigned long lo, hi, sec;
    if (!flag("indexed")) fail(EXIT_PERM, "ERR_NOT_INDEXED", "This list keeps no index (#5.1.1)", NULL);
    hi = max / 100;
    if (q->nnums == 0) lo = hi ? hi - 1 : 0;
    else {
        lo = (q->n > max ? max : q->n) / 100;
        if (q->nnums == 2) hi = (q->m > max ? max : q->m) / 100;
        if (hi < lo) { unsigned long x = lo; lo = hi; hi = x; }
    }
    if (hi - lo >= MAXINDEX) hi = lo + MAXINDEX - 1;
    msgname(&noidx, "TXT_NOINDEX", NULL);
    if (noidx.len > SURF_HASHLEN && noidx.s[SURF_HASHLEN] == ' ') {
        memmove(noidx.s, noidx.s + SURF_HASHLEN + 1, noidx.len - SURF_HASHLEN - 1);
        noidx.len -= SURF_HASHLEN + 1;
    }
    head_init(a, "SUB_RESULT_OF");
    if (reply_start(&r, &ld, &a->h) < 0) die_sys(EXIT_TEMP, prog, "unable to run qmail-queue");
    if (reply_file(&r, "top", NULL) == CTL_ERR) die_sys(EXIT_TEMP, prog, "unable to read text/top");
    for (sec = lo; sec <= hi; sec++) {
        size_t pos = 0;
        int k = archive_index_load(&ld, sec, &ix);
        if (k < 0) die_sys(EXIT_TEMP, prog, "unable to read the index of %s", ld.dir.s);
        t.len = 0;
        if (!k) {
            if (str_catf(&t, "%lu: ", sec ? sec * 100 : 1) < 0 || str_cat(&t, &noidx) < 0 || str_catc(&t, '\n') < 0)
                nomem();
        }
        while (k > 0 && (k = archive_index_next(&ix, &pos, &e)) > 0) {
            date_only(&d, &e.date);
            if (str_catf(&t, "%lu: ", e.n) < 0 || str_cat(&t, &e.subject) < 0 || str_cats(&t, "\n\t") < 0 ||
                str_cat(&t, &d) < 0 || (d.len && str_catc(&t, ' ') < 0) || str_cat(&t, &e.author) < 0 ||
                str_catc(&t, '\n') < 0)
                nomem();
        }
        if (k < 0) nomem();
        if (reply_add(&r, t.s, t.len) < 0) nomem();
        if (sec == hi) break;
    }
    if (reply_adds(&r, "\n") < 0) nomem();
    bottom(a, &r);
    finish(a, &r);
}

/* answers a get, index or thread request and exits 99 */
static void answer(struct request *q, int public_opt, int subonly, int omitbottom) __attribute__((noreturn));
static void answer(struct request *q, int public_opt, int subonly, int omitbottom)
{
    struct answer a;
    str snorm = STR_INIT, line = STR_INIT, v = STR_INIT;
    unsigned long num[3], dig[3];
    hdr_iter it;
    hdr_field f;
    const char *env = getenv("SENDER");
    int k;

    memset(&a, 0, sizeof a);
    a.m = (msgin)MSGIN_INIT;
    a.omitbottom = omitbottom;
    a.action = getenv("DEFAULT");
    if (!env) fail(EXIT_PERM, "ERR_NOSENDER", "SENDER not set", NULL);
    if (listdir_sender_normalise(env, &snorm) < 0 || str_catc(&snorm, 0) < 0) nomem();
    a.sender = snorm.s;
    if (!*a.sender || !strcmp(a.sender, "#@[]"))
        fail(EXIT_PERM, "ERR_BOUNCE", "I do not reply to bounce messages (#5.7.2)", NULL);
    if (!strchr(a.sender, '@'))
        fail(EXIT_PERM, "ERR_ANONYMOUS", "I do not reply to senders without host names (#5.7.2)", NULL);
    if (!flag("archived")) fail(EXIT_PERM, "ERR_NOT_ARCHIVED", "This list keeps no archive (#5.1.1)", NULL);
    access_check(a.sender, public_opt, subonly);

    if (msgin_open(&a.m, 0, 0) < 0) {
        if (errno == EFBIG) fail(EXIT_PERM, "ERR_HEADER_SIZE", "message header is too large (#5.3.4)", NULL);
        die_sys(EXIT_TEMP, prog, "unable to read input");
    }
    if (str_catf(&line, "responder for %s@%s", ld.outlocal.s, ld.outhost.s) < 0) nomem();
    hdr_iter_init(&it, a.m.head.s, a.m.head.len);
    while ((k = hdr_next(&it, &f)) == HDR_FIELD || k == HDR_MBOX) {
        if (k != HDR_FIELD) continue;
        if (hdr_is(&f, "Mailing-List"))
            fail(EXIT_PERM, "ERR_MAILING_LIST", "this message came from a mailing list; I do not answer it (#5.7.2)", NULL);
        v.len = 0;
        if (hdr_value(&v, &f) < 0) nomem();
        if (hdr_is(&f, "Delivered-To") && v.len == line.len && case_equalb(v.s, line.s, v.len))
            fail(EXIT_PERM, "ERR_LOOPING", "this message is looping: it already carries my Delivered-To line (#5.4.6)", NULL);
    }

    {
        str o = STR_INIT;
        read_state("num", num, &o);
        read_state("dignum", dig, &o);
        str_free(&o);
    }
    if (q->kind == R_INDEX) do_index(&a, q, num[0]);
    do_get(&a, q, num[0], dig[0]);
}

int main(int argc, char **argv)
{
    int opt, public_opt = -1, o_sub = -1, o_bottom = -1, digonly = 0;
    const char *dir, *code, *local, *def;
    char fmt = 0;
    str codeline = STR_INIT, df = STR_INIT;
    struct request q;

    signal(SIGPIPE, SIG_IGN);
    umask(022);
    opterr = 0;
    while ((opt = getopt(argc, argv, "+bBcCf:pPsSvV")) != -1) {
        switch (opt) {
        case 'b': o_bottom = 0; break;
        case 'B': o_bottom = 1; break;
        case 'c': digonly = 0; break;
        case 'C': digonly = 1; break;
        case 'f': fmt = ascii_lower(optarg[0]); break;
        case 'p': public_opt = 1; break;
        case 'P': public_opt = 0; break;
        case 's': o_sub = 1; break;
        case 'S': o_sub = 0; break;
        case 'v': case 'V': ezmsg_version();
        default: die_usage(prog, usage);
        }
    }
    dir = argv[optind];
    if (!dir) die_usage(prog, usage);
    code = argv[optind + 1];
    ezmsg_listdir(&ld, prog, dir);

    if (!fmt) {
        if (listdir_conf_line(&ld, "digformat", &df) == CTL_ERR)
            die_sys(EXIT_TEMP, prog, "unable to read %s/digformat", dir);
        if (df.len) fmt = ascii_lower(df.s[0]);
    }
    if (!fmt || !strchr(DIGEST_FORMATS, fmt)) fmt = 'm';

    local = getenv("LOCAL");
    def = getenv("DEFAULT");
    if (!local || !*local || !def) {
        if (!flag("archived")) fail(EXIT_PERM, "ERR_NOT_ARCHIVED", "This list keeps no archive (#5.1.1)", NULL);
        do_digest(fmt, 0);
    }
    if (!*def) return EXIT_DONE;
    if (!code || !*code) {
        if (listdir_conf_line(&ld, "digestcode", &codeline) == CTL_ERR)
            die_sys(EXIT_TEMP, prog, "unable to read %s/digestcode", dir);
        code = codeline.len ? codeline.s : NULL;
    }
    if (parse_request(def, code, &q) < 0)
        fail(EXIT_PERM, "ERR_BAD_DIGCODE", "wrong digest code (#5.7.1)", NULL);
    if (q.kind == R_NONE) return EXIT_DONE;
    if (q.fmt && !strchr(DIGEST_FORMATS, q.fmt)) q.fmt = 0;
    if (!q.fmt) q.fmt = fmt;
    if (q.kind == R_DIG) {
        if (!flag("archived")) fail(EXIT_PERM, "ERR_NOT_ARCHIVED", "This list keeps no archive (#5.1.1)", NULL);
        do_digest(q.fmt, 1);
    }
    if (digonly) return EXIT_DONE;
    answer(&q, public_opt, o_sub >= 0 ? o_sub : flag("subgetonly"),
           o_bottom >= 0 ? o_bottom : flag("omitbottom"));
}
