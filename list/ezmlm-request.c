/*
 * ezmlm-request: turns a command written in the Subject or the body of a
 * message to LIST-request@HOST into the list's own command address
 * (LIST-CMD-box=dom@HOST) and passes the message on to it; with -f, the
 * front end of a global, majordomo-like request address for the lists
 * named in a configuration file.
 *
 *   ezmlm-request [-f config] [-vV] DIR
 *
 * Without -f only DEFAULT "request" and "request-CMD[-box=dom]" are ours
 * (else exit 0).  The command comes from DEFAULT, else from the first
 * Subject (RFC 2047 decoded) that starts with a letter, else from the
 * first body line that does (in a MIME message: of the first part).  Its
 * forms: LIST-CMD[-box=dom][@host], CMD, CMD box@dom, CMD box@dom
 * LIST@HOST, CMD LIST@HOST box@dom.  Aliases map to ezmlm's commands; other
 * words made of letters, digits and ".+-_" are passed on unchanged.  The
 * forwarded message is the request (minus DIR/headerremove fields) after
 * "Delivered-To: request processor for LIST@HOST", envelope sender SENDER;
 * exit 99.  With -f the config file lists "list@host:listdir:description"
 * lines; "lists" and "which" (and help, info, list, query without
 * arguments) are answered here.  See ezmlm-request(1).  Exit 0, 99, 100, 111.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "die.h"
#include "ezmsg.h"
#include "hdr.h"
#include "listdir.h"
#include "msgin.h"
#include "reply.h"
#include "str.h"
#include "text.h"
#include "sub/sub.h"

static const char *prog = "ezmlm-request";
static char *volatile actionmem;  /* keeps the request's copy reachable until exit */
static const char *usage = "ezmlm-request [-f config] dir";

#define LINE_MAX_REQ 1000   /* a command line longer than this is refused */

static void nomem(void) { die_nomem(prog); }

/* what a request names; any part may be NULL */
typedef struct request {
    char *command, *listlocal, *listhost, *userlocal, *userhost;
} request;

/* command words: the alias, what it becomes (NULL: answered here) */
enum { CMD_PASS, CMD_HELPONLY, CMD_LISTS, CMD_WHICH };
static const struct cmd { const char *word, *to; int kind; } cmds[] = {
    { "system", "help", CMD_HELPONLY }, { "put", "help", CMD_HELPONLY },
    { "set", "help", CMD_HELPONLY },    { "help", "help", CMD_PASS },
    { "subscribe", "subscribe", CMD_PASS }, { "sub", "subscribe", CMD_PASS },
    { "unsubscribe", "unsubscribe", CMD_PASS }, { "unsub", "unsubscribe", CMD_PASS },
    { "remove", "unsubscribe", CMD_PASS }, { "signoff", "unsubscribe", CMD_PASS },
    { "index", "index", CMD_PASS }, { "ind", "index", CMD_PASS },
    { "info", "info", CMD_PASS }, { "query", "query", CMD_PASS },
    { "list", "list", CMD_PASS }, { "rev", "list", CMD_PASS }, { "review", "list", CMD_PASS },
    { "recipients", "list", CMD_PASS }, { "who", "list", CMD_PASS },
    { "showdist", "list", CMD_PASS },
    { "lists", NULL, CMD_LISTS }, { "which", NULL, CMD_WHICH },
};

static const struct cmd *find_cmd(const char *w)
{
    size_t i;
    for (i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        if (case_equals(w, cmds[i].word)) return &cmds[i];
    return NULL;
}

/* only letters, digits and ".+-_" travel into an address */
static void checkarg(const char *s)
{
    const char *p;
    char shown[80];
    size_t i;
    if (!s) return;
    for (p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '.' || c == '+' || c == '-' || c == '_')
            continue;
        for (i = 0; i + 1 < sizeof shown && s[i]; i++)
            shown[i] = (s[i] > ' ' && s[i] < 0x7f) ? s[i] : '?';
        shown[i] = 0;
        die(EXIT_PERM, prog, "the request may only contain letters, digits and \".+-_\": \"%s\"",
            shown);
    }
}

/* split at the last c: returns what follows it, or NULL (s unchanged) */
static char *cut_last(char *s, char c)
{
    char *p = strrchr(s, c);
    if (!p) return NULL;
    *p = 0;
    return p + 1;
}

/* splits "local@host" (host may be missing) */
static void split_addr(char *s, char **local, char **host)
{
    char *at = strchr(s, '@');
    *local = s;
    *host = NULL;
    if (at) {
        *at = 0;
        *host = at + 1;
    }
}

static char *next_word(char **p)
{
    char *w, *e;
    while (**p == ' ') (*p)++;
    if (!**p) return NULL;
    w = *p;
    e = strchr(w, ' ');
    if (e) {
        *e = 0;
        *p = e + 1;
    } else {
        *p = w + strlen(w);
    }
    return w;
}

/* Parses a command line (NUL-terminated, modified in place).  global: -f
 * mode, where a single argument is a list, not a user. */
static void parse_line(char *cp, const listdir *ld, int global, request *r)
{
    char *p, *a1, *a2;
    for (p = cp; *p; p++)
        if (*p == '\t') *p = ' ';
    while (p > cp && p[-1] == ' ') *--p = 0;
    if (strlen(cp) > ld->outlocal.len && cp[ld->outlocal.len] == '-' &&
        case_starts(cp, strlen(cp), ld->outlocal.s)) {
        /* LIST-CMD[-box=dom][@host] */
        char *t;
        r->listlocal = ld->outlocal.s;
        r->listhost = ld->outhost.s;
        r->command = cp + ld->outlocal.len + 1;
        if ((p = strchr(r->command, ' '))) *p = 0;
        cut_last(r->command, '@');
        t = strchr(r->command, '-');
        if (t) {
            *t++ = 0;
            r->userlocal = t;
            r->userhost = cut_last(t, '=');
        }
    } else {
        size_t at = strcspn(cp, "@"), sp = strcspn(cp, " ");
        if (at < sp)
            die(EXIT_PERM, prog, "the command address does not match this list's address (#5.1.1)");
        p = cp;
        r->command = next_word(&p);
        a1 = next_word(&p);
        a2 = a1 ? next_word(&p) : NULL;
        if (!global && a1 && !a2) {
            a2 = a1;  /* at LIST-request the single argument is the user */
            a1 = NULL;
        }
        if (!global && a1 && a2) {
            /* CMD LIST@HOST box@dom or CMD box@dom LIST@HOST */
            str self = STR_INIT;
            if (str_catf(&self, "%s@%s", ld->outlocal.s, ld->outhost.s) < 0) nomem();
            if (case_equals(a2, self.s) || case_equals(a2, ld->outlocal.s)) {
                char *t = a1;
                a1 = a2;
                a2 = t;
            }
            str_free(&self);
            a1 = NULL;  /* LIST-request serves its own list only */
        }
        if (a2) split_addr(a2, &r->userlocal, &r->userhost);
        if (a1) split_addr(a1, &r->listlocal, &r->listhost);
    }
    checkarg(r->command);
    checkarg(r->userlocal);
    checkarg(r->userhost);
    checkarg(r->listlocal);
    checkarg(r->listhost);
}

/* the first line of the body that starts with a letter (in the first MIME
 * part of a multipart message) into *line, NUL-terminated; 0 if none */
static int body_command(msgin *m, int multipart, str *line)
{
    int state = multipart ? 1 : 3, start, r;
    for (;;) {
        r = msgin_piece(m, line, LINE_MAX_REQ + 2, &start);
        if (r < 0) die_sys(EXIT_TEMP, prog, "unable to read input");
        if (r == 0) return 0;
        if (!start) continue;
        if (line->len && line->s[line->len - 1] == '\n') line->len--;
        else if (line->len == LINE_MAX_REQ + 2) continue;  /* too long to be a command */
        if (line->len && line->s[line->len - 1] == '\r') line->len--;
        if (state == 1) {            /* up to the first boundary */
            if (line->len >= 2 && line->s[0] == '-' && line->s[1] == '-') state = 2;
            continue;
        }
        if (state == 2) {            /* the part's header */
            if (!line->len) state = 3;
            continue;
        }
        if (multipart && line->len >= 2 && line->s[0] == '-' && line->s[1] == '-') {
            state = 2;               /* a part inside the part */
            continue;
        }
        if (!line->len) continue;
        if (!((line->s[0] >= 'a' && line->s[0] <= 'z') || (line->s[0] >= 'A' && line->s[0] <= 'Z')))
            continue;
        if (str_catc(line, 0) < 0) nomem();
        return 1;
    }
}

/* ---- -f: the configuration file ----------------------------------------------- */

typedef struct cfline { const char *addr, *dir, *desc; } cfline;

/* the next "addr:dir:desc" line from *pos; 0 at the end */
static int next_cf(const str *lines, size_t *pos, cfline *c, str *tmp)
{
    char *p, *q;
    if (*pos >= lines->len) return 0;
    if (str_copys(tmp, lines->s + *pos) < 0) nomem();
    *pos += strlen(lines->s + *pos) + 1;
    c->addr = tmp->s;
    c->dir = c->desc = "";
    if ((p = strchr(tmp->s, ':'))) {
        *p++ = 0;
        c->dir = p;
        if ((q = strchr(p, ':'))) {
            *q++ = 0;
            c->desc = q;
        }
    }
    return 1;
}

/* the host of listlocal in the config (listhost NULL: the first one; else
 * listhost if the config has it); NULL if the config does not have it */
static char *config_host(const str *lines, const char *listlocal, const char *listhost, str *out)
{
    size_t pos = 0, ll = strlen(listlocal);
    cfline c;
    str tmp = STR_INIT;
    while (next_cf(lines, &pos, &c, &tmp)) {
        const char *at = strrchr(c.addr, '@');
        if (!at || (size_t)(at - c.addr) != ll || memcmp(c.addr, listlocal, ll)) continue;
        if (listhost && !case_equals(at + 1, listhost)) continue;
        if (str_copys(out, at + 1) < 0) nomem();
        str_free(&tmp);
        return out->s;
    }
    str_free(&tmp);
    return NULL;
}

/* ---- answers of -f mode ------------------------------------------------------- */

static void reply_die(reply *r, int e)
{
    reply_abort(r);
    errno = e;
    die_sys(EXIT_TEMP, prog, "unable to write the reply");
}

/* lists, which, help: a reply to rcpt; exit 99 */
static void answer(const listdir *ld, int kind, const str *cf, const char *rcpt, const char *sender)
{
    reply r = REPLY_INIT;
    struct reply_head h;
    str from = STR_INIT, subj = STR_INIT, env = STR_INIT, why = STR_INIT, t = STR_INIT,
        piece = STR_INIT;
    const char *rcpts[1];
    text_vars v = TEXT_VARS_INIT;
    msgin in = MSGIN_INIT;
    int k, ls;
    memset(&h, 0, sizeof h);
    v.target = rcpt;
    if (str_catf(&from, "%s-%s@%s", ld->outlocal.s, kind == CMD_HELPONLY ? "return-" : "help",
                 ld->outhost.s) < 0 ||
        str_catf(&subj, "%s results", ld->outlocal.s) < 0 ||
        str_catf(&env, "%s-return-@%s", ld->outlocal.s, ld->outhost.s) < 0)
        nomem();
    h.from = from.s;
    h.to = rcpt;
    h.subject = subj.s;
    h.responder = 1;
    if (lseek(0, 0, SEEK_SET) < 0) die_sys(EXIT_TEMP, prog, "unable to rewind input");
    if (msgin_open(&in, 0, 0) < 0) die_sys(EXIT_TEMP, prog, "unable to read input");
    if (reply_start(&r, ld, &h) < 0) die_sys(EXIT_TEMP, prog, "unable to start the queue program");
    if (reply_file(&r, "top", &v) < 0) reply_die(&r, errno);
    if (kind == CMD_LISTS || kind == CMD_WHICH) {
        size_t pos = 0;
        cfline c;
        str tmp = STR_INIT;
        if (kind == CMD_LISTS) {
            if (str_cats(&t, "LISTS:") < 0) nomem();
        } else if (str_catf(&t, "WHICH (%s):\n\n", rcpt) < 0) {
            nomem();
        }
        while (next_cf(cf, &pos, &c, &tmp)) {
            if (kind == CMD_LISTS) {
                if (str_catf(&t, "\n\n\t%s\n%s", c.addr, c.desc) < 0) nomem();
            } else if (*c.dir) {
                sub_db *db = NULL;
                int on = sub_open(&db, c.dir, NULL) < 0 ? -1 : sub_issub(db, rcpt, strlen(rcpt), NULL);
                if (db) sub_close(db);
                if (on < 0) {
                    reply_abort(&r);
                    die_sys(EXIT_TEMP, prog, "unable to look %s up in %s", rcpt, c.dir);
                }
                if (on && str_catf(&t, "%s\n", c.addr) < 0) nomem();
            }
        }
        str_free(&tmp);
        if (str_cats(&t, "\n") < 0 || reply_add(&r, t.s, t.len) < 0) reply_die(&r, errno);
    } else if (reply_file(&r, "help", &v) < 0) {
        reply_die(&r, errno);
    }
    if (reply_file(&r, "bottom", &v) < 0 || reply_copy_begin(&r) < 0) reply_die(&r, errno);
    t.len = 0;
    if (str_cats(&t, "Return-Path: <") < 0 || str_cats(&t, sender) < 0 || str_cats(&t, ">\n") < 0)
        nomem();
    reply_copy(&r, t.s, t.len);
    reply_copy(&r, in.head.s, in.head.len);
    while ((k = msgin_piece(&in, &piece, MSGIN_PIECE, &ls)) > 0) reply_copy(&r, piece.s, piece.len);
    if (k < 0) {
        reply_abort(&r);
        die_sys(EXIT_TEMP, prog, "unable to read input");
    }
    rcpts[0] = rcpt;
    k = reply_finish(&r, env.s, rcpts, 1, &why);
    if (k) die(EXIT_TEMP, prog, "temporary qmail-queue error: %s", why.s);
    fprintf(stderr, "%s: info: qp %lu\n", prog, r.q.qp);
    exit(99);
}

/* ---- main ----------------------------------------------------------------------- */

int main(int argc, char **argv)
{
    listdir ld = LISTDIR_INIT;
    const char *cfname = NULL, *env, *sender;
    char *action;
    str cf = STR_INIT, line = STR_INIT, dtval = STR_INIT, v = STR_INIT, subject = STR_INIT,
        remove = STR_INIT, to = STR_INIT, hostbuf = STR_INIT, usr = STR_INIT, piece = STR_INIT;
    request rq = { NULL, NULL, NULL, NULL, NULL };
    const struct cmd *c;
    int opt, have = 0, multipart = 0, readbody = 0, k, ls, kind;
    msgin m = MSGIN_INIT;
    hdr_iter it;
    hdr_field f;
    qq q;

    signal(SIGPIPE, SIG_IGN);
    while ((opt = getopt(argc, argv, "f:F:vV")) != -1) {
        switch (opt) {
        case 'f': case 'F': cfname = optarg; break;
        case 'v': case 'V': ezmsg_version();
        default: die_usage(prog, usage);
        }
    }
    if (!argv[optind]) die_usage(prog, usage);

    /* is it for us? */
    env = getenv("DEFAULT");
    if (env) {
        action = strdup(env);
    } else if (cfname) {
        const char *local = getenv("LOCAL");
        size_t n;
        if (!local) die(EXIT_PERM, prog, "LOCAL not set");
        n = strlen(local);
        action = strdup(n >= 8 && case_equals(local + n - 8, "-return-") ? "return-" : "");
    } else {
        die(EXIT_PERM, prog, "DEFAULT not set and -f not used");
    }
    if (!action) nomem();
    actionmem = action;
    if (!cfname) {
        if (!case_starts(action, strlen(action), "request")) exit(0);
        action += 7;
        if (*action == '-') action++;
        else if (*action) exit(0);
    }
    if (case_starts(action, strlen(action), "return")) {
        fprintf(stderr, "%s: info: I do not reply to bounce messages\n", prog);
        exit(0);
    }
    ezmsg_listdir(&ld, prog, argv[optind]);

    env = getenv("SENDER");
    if (!env) {
        fprintf(stderr, "%s: info: SENDER not set\n", prog);
        exit(99);
    }
    if (listdir_sender_normalise(env, &usr) < 0 || str_catc(&usr, 0) < 0) nomem();
    sender = env;
    if (!*sender || !strcmp(sender, "#@[]")) {
        fprintf(stderr, "%s: info: I do not reply to bounce messages\n", prog);
        exit(99);
    }
    if (strpbrk(sender, "\r\n"))
        die(EXIT_PERM, prog, "the envelope sender contains a line break (#5.1.7)");
    if (!strchr(sender, '@')) {
        fprintf(stderr, "%s: info: I do not reply to senders without host names\n", prog);
        exit(99);
    }
    if (cfname) {  /* '#' comments and empty lines dropped, lines NUL-terminated */
        ctl_list cl = CTL_LIST_INIT;
        k = ctl_readlist_path(cfname, &cl);
        if (k == CTL_MISSING) errno = ENOENT;
        if (k != CTL_FOUND)
            die_sys(k == CTL_MISSING || die_errno_temp(errno) ? EXIT_TEMP : EXIT_PERM, prog, "unable to read %s", cfname);
        if (str_copy(&cf, &cl.buf) < 0) nomem();
        ctl_list_free(&cl);
    }
    if (listdir_conf(&ld, "headerremove", &remove) < 0)
        die_sys(EXIT_TEMP, prog, "unable to read %s/headerremove", ld.dir.s);

    /* the header: loops, the Subject, multipart? */
    if (msgin_open(&m, 0, 0) < 0) {
        if (errno == EFBIG) die(EXIT_PERM, prog, "message header is too large (#5.3.4)");
        die_sys(EXIT_TEMP, prog, "unable to read input");
    }
    if (str_catf(&dtval, "request processor for %s@%s", ld.outlocal.s, ld.outhost.s) < 0) nomem();
    hdr_iter_init(&it, m.head.s, m.head.len);
    while ((k = hdr_next(&it, &f)) == HDR_FIELD || k == HDR_MBOX) {
        if (k != HDR_FIELD) continue;
        if (hdr_is(&f, "Mailing-List"))
            die(EXIT_PERM, prog, "this message came from a mailing list; I do not answer it (#5.7.2)");
        v.len = 0;
        if (hdr_value(&v, &f) < 0) nomem();
        if (hdr_is(&f, "Delivered-To") && v.len == dtval.len && case_equalb(v.s, dtval.s, v.len))
            die(EXIT_PERM, prog, "this message is looping: it already carries my Delivered-To line (#5.4.6)");
        if (hdr_is(&f, "Subject") && !subject.len) {
            if (hdr_decode2047(&subject, v.s, v.len) < 0) nomem();
        } else if (hdr_is(&f, "Content-Type")) {
            if (case_starts(v.s, v.len, "multipart/")) multipart = 1;
        }
    }

    /* the command */
    if (*action) {
        char *t = strchr(action, '-');
        rq.command = action;
        if (t) {
            *t++ = 0;
            rq.userlocal = t;
            rq.userhost = cut_last(t, '=');
        }
        checkarg(rq.command);
        checkarg(rq.userlocal);
        checkarg(rq.userhost);
        have = 1;
    } else {
        if (!cfname && subject.len && ((subject.s[0] >= 'a' && subject.s[0] <= 'z') ||
                                       (subject.s[0] >= 'A' && subject.s[0] <= 'Z'))) {
            if (subject.len > LINE_MAX_REQ) die(EXIT_PERM, prog, "the request is too long (#5.6.0)");
            if (memchr(subject.s, 0, subject.len)) die(EXIT_PERM, prog, "the request is not valid (#5.6.0)");
            if (str_catc(&subject, 0) < 0) nomem();
            parse_line(subject.s, &ld, cfname != NULL, &rq);
            have = 1;
        }
        if (!have) {
            readbody = 1;
            if (body_command(&m, multipart, &line)) {
                if (memchr(line.s, 0, line.len - 1)) die(EXIT_PERM, prog, "the request is not valid (#5.6.0)");
                parse_line(line.s, &ld, cfname != NULL, &rq);
                have = 1;
            }
        }
    }
    if (!have || !rq.command || !*rq.command) rq.command = "help";

    /* what it becomes */
    c = find_cmd(rq.command);
    kind = c ? c->kind : CMD_PASS;
    if (kind == CMD_HELPONLY) {  /* known, not supported: help, arguments dropped */
        rq.listlocal = rq.listhost = rq.userlocal = rq.userhost = NULL;
        kind = CMD_PASS;
    }
    if (cfname && !rq.listlocal && !rq.userlocal && c) {
        /* without arguments some commands mean something here */
        if (!strcmp(c->to ? c->to : "", "help") || !strcmp(c->to ? c->to : "", "info"))
            kind = CMD_HELPONLY;
        else if (!strcmp(c->to ? c->to : "", "list")) kind = CMD_LISTS;
        else if (!strcmp(c->to ? c->to : "", "query")) kind = CMD_WHICH;
    }
    if (!cfname && kind != CMD_PASS) {
        kind = CMD_PASS;  /* lists and which: the list's help */
        c = find_cmd("help");
        rq.userlocal = rq.userhost = NULL;
    }
    if (kind != CMD_PASS) {
        str rc = STR_INIT;
        if (kind == CMD_WHICH && !rq.userlocal && rq.listlocal) {
            rq.userlocal = rq.listlocal;  /* "which box@dom" */
            rq.userhost = rq.listhost;
        }
        if (rq.userlocal) {
            if (str_catf(&rc, "%s@%s", rq.userlocal, rq.userhost ? rq.userhost : ld.outhost.s) < 0)
                nomem();
        } else if (str_copys(&rc, sender) < 0) {
            nomem();
        }
        answer(&ld, kind, &cf, rc.s, sender);
    }

    /* LIST-CMD-box=dom@HOST */
    if (!rq.listlocal) {
        if (cfname) die(EXIT_PERM, prog, "the request does not name a list (#5.1.1)");
        rq.listlocal = ld.outlocal.s;
    }
    if (!cfname || (rq.listhost && case_equals(rq.listhost, ld.outhost.s))) {
        rq.listhost = ld.outhost.s;
    } else {
        char *h = config_host(&cf, rq.listlocal, rq.listhost, &hostbuf);
        rq.listhost = h ? h : ld.outhost.s;
    }
    if (!rq.userlocal) {
        rq.userlocal = usr.s;
        rq.userhost = cut_last(usr.s, '@');
    }
    if (str_catf(&to, "%s-%s-%s", rq.listlocal, c ? c->to : rq.command, rq.userlocal) < 0 ||
        (rq.userhost && str_catf(&to, "=%s", rq.userhost) < 0) ||
        str_catf(&to, "@%s", rq.listhost) < 0)
        nomem();

    /* the message again, from its start when the body was read */
    if (readbody) {
        msgin_free(&m);
        m = (msgin)MSGIN_INIT;
        if (lseek(0, 0, SEEK_SET) < 0) die_sys(EXIT_TEMP, prog, "unable to rewind input");
        if (msgin_open(&m, 0, 0) < 0) die_sys(EXIT_TEMP, prog, "unable to read input");
    }
    if (ezmsg_qq_start(&q, &ld) < 0) die_sys(EXIT_TEMP, prog, "unable to start the queue program");
    qq_puts(&q, "Delivered-To: ");
    qq_put(&q, dtval.s, dtval.len);
    qq_puts(&q, "\n");
    hdr_iter_init(&it, m.head.s, m.head.len);
    {
        size_t end = 0;  /* after the last field: the empty line, if any */
        while ((k = hdr_next(&it, &f)) == HDR_FIELD || k == HDR_MBOX) {
            if (k == HDR_MBOX || !listdir_conf_has(&remove, f.name, f.name_len)) qq_put(&q, f.raw, f.raw_len);
            end = f.offset + f.raw_len;
        }
        qq_put(&q, m.head.s + end, m.head.len - end);
    }
    while ((k = msgin_piece(&m, &piece, MSGIN_PIECE, &ls)) > 0) qq_put(&q, piece.s, piece.len);
    if (k < 0) {
        qq_abort(&q);
        die_sys(EXIT_TEMP, prog, "unable to read input");
    }
    qq_from(&q, env);
    qq_to(&q, to.s);
    ezmsg_qq_finish(&q, prog, 0);
    exit(99);
}
