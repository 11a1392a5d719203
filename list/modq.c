/* modq: the moderation queue.  See modq.h. */
#include "modq.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "die.h"
#include "ezmsg.h"
#include "fs.h"
#include "lock.h"
#include "reply.h"
#include "sub/sub.h"
#include "text.h"

int modq_lock(const listdir *ld, const char *name)
{
    str p = STR_INIT;
    int fd = -1, e;
    if (listdir_path(ld, name, &p) == 0) {
        fd = fs_open_nofollow(p.s, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
        if (fd >= 0 && lock_ex(fd) < 0) {
            e = errno;
            close(fd);
            fd = -1;
            errno = e;
        }
    }
    e = errno;
    str_free(&p);
    errno = e;
    return fd;
}

int modq_cookie(char *out, const listdir *ld, enum modq_kind kind, const char *id)
{
    str key = STR_INIT;
    unsigned long when = modq_when(id);
    int r = -1, e;
    if (listdir_key(ld, &key) == 0)
        r = lcookie_make(out, &key, kind == MODQ_CONFIRM ? "confirm" : "mod", when, id, strlen(id),
                         'a');
    e = errno;
    str_free(&key);
    errno = e;
    return r;
}

unsigned long modq_when(const char *name)
{
    unsigned long when = 0, pid = 0;
    size_t len = strlen(name), n = scan_ulong(name, len, &when), m;
    if (!n || name[n] != '.') return 0;
    m = scan_ulong(name + n + 1, len - n - 1, &pid);
    if (!m || name[n + 1 + m]) return 0;
    return when;
}

int modq_parse(const listdir *ld, enum modq_kind kind, const char *s, char *id,
               unsigned long *when)
{
    const char *dot = strrchr(s, '.');
    char tok[LCOOKIE_LEN + 1], want[LCOOKIE_LEN + 1];
    size_t idlen, i;
    if (!dot || strlen(dot + 1) != LCOOKIE_LEN) return 0;
    idlen = (size_t)(dot - s);
    if (idlen == 0 || idlen >= MODQ_ID_MAX) return 0;
    memcpy(id, s, idlen);
    id[idlen] = 0;
    *when = modq_when(id);
    if (!*when) return 0;
    /* mail software may change the case of a local part */
    for (i = 0; i < LCOOKIE_LEN; i++) {
        char c = dot[1 + i];
        tok[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    tok[LCOOKIE_LEN] = 0;
    if (modq_cookie(want, ld, kind, id) < 0) return -1;
    return memcmp(tok, want, LCOOKIE_LEN) == 0;
}

int modq_return_path(str *out, const char *sender)
{
    size_t start = out->len, i;
    if (str_cats(out, "Return-Path: <") < 0 || str_cats(out, sender) < 0) return -1;
    for (i = start + 14; i < out->len; i++)
        if (out->s[i] == '\n' || out->s[i] == '\r' || out->s[i] == 0) out->s[i] = '_';
    return str_cats(out, ">\n");
}

int modq_sender(int fd, str *sender)
{
    char b[1024];
    ssize_t n;
    char *nl;
    sender->len = 0;
    if (lseek(fd, 0, SEEK_SET) < 0) return -1;
    n = fs_read_all(fd, b, sizeof b);
    if (n < 0 || lseek(fd, 0, SEEK_SET) < 0) return -1;
    nl = memchr(b, '\n', (size_t)n);
    if (!nl || nl - b < 15 || memcmp(b, "Return-Path: <", 14) || nl[-1] != '>') return 0;
    if (str_copyb(sender, b + 14, (size_t)(nl - 1 - (b + 14))) < 0 || str_catc(sender, 0) < 0) return -1;
    sender->len--;
    return 1;
}

static int modq_file(const listdir *ld, const char *sub, const char *id, str *path)
{
    path->len = 0;
    return str_cat(path, &ld->dir) < 0 || str_catf(path, "/mod/%s/%s", sub, id) < 0 ? -1 : 0;
}

int modq_mark_decided(const listdir *ld, const char *sub, const char *id)
{
    str p = STR_INIT;
    int fd = -1, e;
    if (modq_file(ld, sub, id, &p) == 0 &&
        (fd = fs_open_nofollow(p.s, O_WRONLY | O_CREAT | O_CLOEXEC, 0600)) >= 0) {
        if (close(fd) < 0 || fs_fsync_parent(p.s) < 0) fd = -1;
    }
    e = errno;
    str_free(&p);
    errno = e;
    return fd < 0 ? -1 : 0;
}

int modq_unlink(const listdir *ld, const char *sub, const char *id)
{
    str p = STR_INIT;
    int r = -1, e;
    if (modq_file(ld, sub, id, &p) == 0) {
        r = unlink(p.s);
        if (r < 0 && errno == ENOENT) r = 0;
        else if (r == 0) r = fs_fsync_parent(p.s);
    }
    e = errno;
    str_free(&p);
    errno = e;
    return r;
}

int modq_run(const char *prog, int fd, const char *sender, char *const *argv)
{
    pid_t pid;
    int st;
    if (lseek(fd, 0, SEEK_SET) < 0) die_sys(EXIT_TEMP, prog, "unable to rewind the message for %s", argv[0]);
    pid = fork();
    if (pid < 0) die_sys(EXIT_TEMP, prog, "unable to fork");
    if (pid == 0) {
        signal(SIGPIPE, SIG_DFL);
        if (dup2(fd, 0) < 0 || (sender && setenv("SENDER", sender, 1) < 0)) _exit(111);
        execvp(argv[0], argv);
        fprintf(stderr, "%s: fatal: unable to run %s: %s\n", prog, argv[0], strerror(errno));
        _exit(111);
    }
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR) die_sys(EXIT_TEMP, prog, "unable to wait for %s", argv[0]);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* ---- the answer programs ------------------------------------------------------------ */

static int ends_with(const char *s, size_t len, const char *suffix)
{
    size_t n = strlen(suffix);
    return len >= n && case_equalb(s + len - n, suffix, n);
}

void modq_answer(enum modq_kind kind, const char *prog, int argc, char **argv,
                 void (*reject)(struct modq_answer_ctx *c))
{
    static struct modq_answer_ctx C;
    struct modq_answer_ctx *c = &C;
    char usage[128];
    const char *local, *def, *sub = kind == MODQ_MOD ? "pending" : "unconfirmed";
    char sendopt[8], *sargv[4], *shargv[4], **pargv;
    size_t llen, dlen, nopt = 0;
    unsigned long when;
    struct stat st;
    str p = STR_INIT;
    int opt, accept, r;

    snprintf(usage, sizeof usage, "%s %s", prog,
             kind == MODQ_MOD ? "[-cCmMrRvV] [-t replyto] dir [program [arg ...]]"
                              : "[-cCrRvV] dir [program [arg ...]]");
    memset(c, 0, sizeof *c);
    {
        listdir l0 = LISTDIR_INIT;
        c->ld = l0;
    }
    c->prog = prog;
    c->fd = -1;
    c->attach = 1;
    sendopt[nopt++] = '-';
    signal(SIGPIPE, SIG_IGN);
    umask(022);
    opterr = 0;
    while ((opt = getopt(argc, argv, kind == MODQ_MOD ? "+cCmMrRt:vV" : "+cCmMrRvV")) != -1) {
        switch (opt) {
        case 'c': case 'C': case 'r': case 'R':
            if (!memchr(sendopt + 1, opt, nopt - 1) && nopt < sizeof sendopt - 1) sendopt[nopt++] = (char)opt;
            break;
        case 'm': c->attach = 1; break;
        case 'M': c->attach = 0; break;
        case 't': c->replyto = optarg; break;
        case 'v': case 'V': ezmsg_version();
        default: die_usage(prog, usage);
        }
    }
    sendopt[nopt] = 0;
    if (optind >= argc) die_usage(prog, usage);
    ezmsg_listdir(&c->ld, prog, argv[optind]);
    optind++;
    if (!getenv("SENDER")) ezmsg_die(100, prog, &c->ld, "ERR_NOSENDER", "SENDER not set", NULL);
    local = getenv("LOCAL");
    if (!local) ezmsg_die(100, prog, &c->ld, "ERR_NOLOCAL", "LOCAL not set", NULL);
    def = getenv("DEFAULT");
    if (!def) ezmsg_die(100, prog, &c->ld, "ERR_NODEFAULT", "DEFAULT not set", NULL);

    /* LOCAL is ...LIST-accept-DEFAULT (or -reject-, -confirm-, -discard-) */
    llen = strlen(local);
    dlen = strlen(def);
    if (llen < dlen || strcmp(local + llen - dlen, def) != 0) llen = 0;
    else llen -= dlen;
    if (ends_with(local, llen, kind == MODQ_MOD ? "-accept-" : "-confirm-")) accept = 1;
    else if (ends_with(local, llen, kind == MODQ_MOD ? "-reject-" : "-discard-")) accept = 0;
    else
        ezmsg_die(100, prog, &c->ld, "ERR_BAD_ADDRESS",
                  "this address does not accept mail: the local part does not match (#5.1.1)", NULL);
    r = modq_parse(&c->ld, kind, def, c->id, &when);
    if (r < 0) die_sys(EXIT_TEMP, prog, "unable to read %s/key", c->ld.dir.s);
    if (r == 0)
        ezmsg_die(100, prog, &c->ld, "ERR_MOD_COOKIE",
                  "This moderator request is not valid or has expired (#5.7.1)", NULL);

    if (modq_lock(&c->ld, kind == MODQ_MOD ? "mod/lock" : "mod/confirmlock") < 0)
        die_sys(EXIT_TEMP, prog, "unable to lock %s/mod", c->ld.dir.s);
    if (modq_file(&c->ld, sub, c->id, &p) < 0) die_nomem(prog);
    c->fd = fs_open_nofollow(p.s, O_RDONLY | O_CLOEXEC, 0);
    if (c->fd < 0 && errno != ENOENT) die_sys(EXIT_TEMP, prog, "unable to open %s", p.s);
    if (c->fd >= 0 && (fstat(c->fd, &st) < 0 || !S_ISREG(st.st_mode) || !(st.st_mode & S_IXUSR))) {
        close(c->fd); /* incomplete: its writer did not finish */
        c->fd = -1;
    }
    if (c->fd < 0) {
        if (kind == MODQ_MOD) {
            static const char *const subs[2] = { "accepted", "rejected" };
            for (int i = 0; i < 2; i++) {
                if (modq_file(&c->ld, subs[i], c->id, &p) < 0) die_nomem(prog);
                if (lstat(p.s, &st) < 0) continue;
                if (accept == !i) {
                    fprintf(stderr, "%s: info: %s was %s already\n", prog, c->id, subs[i]);
                    exit(0);
                }
                if (i == 0)
                    ezmsg_die(100, prog, &c->ld, "ERR_MOD_ACCEPTED", "This message has already been accepted", NULL);
                ezmsg_die(100, prog, &c->ld, "ERR_MOD_REJECTED", "This message has already been rejected", NULL);
            }
        }
        ezmsg_die(100, prog, &c->ld, "ERR_MOD_TIMEOUT", "This message is no longer waiting here", NULL);
    }
    r = modq_sender(c->fd, &c->sender);
    if (r < 0) die_sys(EXIT_TEMP, prog, "unable to read %s", p.s);
    if (r == 0) die(EXIT_PERM, prog, "%s has no Return-Path line: it was not stored by ezmlm-store", p.s);

    if (accept) {
        str send = STR_INIT;
        if (optind >= argc) {
            if (str_cat(&send, &c->ld.bin) < 0 || str_cats(&send, "/ezmlm-send") < 0) die_nomem(prog);
            sendopt[nopt] = 0;
            r = 0;
            sargv[r++] = send.s;
            if (nopt > 1) sargv[r++] = sendopt;
            sargv[r++] = c->ld.dir.s;
            sargv[r] = NULL;
            pargv = sargv;
        } else if (optind + 1 == argc) {
            shargv[0] = "/bin/sh";
            shargv[1] = "-c";
            shargv[2] = argv[optind];
            shargv[3] = NULL;
            pargv = shargv;
        } else {
            pargv = argv + optind;
        }
        r = modq_run(prog, c->fd, c->sender.s, pargv);
        if (r == 100) die(EXIT_PERM, prog, "the post was refused by %s", pargv[0]);
        if (r) die(EXIT_TEMP, prog, "%s failed; the post stays in mod/%s", pargv[0], sub);
        if (kind == MODQ_MOD && modq_mark_decided(&c->ld, "accepted", c->id) < 0)
            die_sys(EXIT_TEMP, prog, "unable to create %s/mod/accepted/%s", c->ld.dir.s, c->id);
        if (modq_unlink(&c->ld, sub, c->id) < 0)
            die_sys(EXIT_TEMP, prog, "unable to remove %s", p.s);
        fprintf(stderr, "%s: info: %s %s\n", prog, kind == MODQ_MOD ? "accepted" : "confirmed", c->id);
        exit(0);
    }
    if (reject) reject(c);
    if (kind == MODQ_MOD && modq_mark_decided(&c->ld, "rejected", c->id) < 0)
        die_sys(EXIT_TEMP, prog, "unable to create %s/mod/rejected/%s", c->ld.dir.s, c->id);
    if (modq_unlink(&c->ld, sub, c->id) < 0) die_sys(EXIT_TEMP, prog, "unable to remove %s", p.s);
    fprintf(stderr, "%s: info: %s %s\n", prog, kind == MODQ_MOD ? "rejected" : "discarded", c->id);
    exit(0);
}

int modq_blank(reply *r)
{
    const str *t = &r->text;
    if (t->len >= 2 && t->s[t->len - 1] == '\n' && t->s[t->len - 2] == '\n') return 0;
    return reply_adds(r, t->len && t->s[t->len - 1] == '\n' ? "\n" : "\n\n");
}

int modq_copy(reply *r, int fd, int headonly)
{
    char b[8192];
    ssize_t n;
    int nl = 1;  /* the last byte copied was a newline (or none yet) */
    if (lseek(fd, 0, SEEK_SET) < 0) return -1;
    while ((n = read(fd, b, sizeof b)) != 0) {
        size_t len = (size_t)n, i;
        if (n < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        if (headonly) {
            for (i = 0; i < len; i++) {
                if (b[i] == '\n' && nl) {
                    reply_copy(r, b, i + 1);
                    return 0;
                }
                nl = b[i] == '\n';
            }
        }
        reply_copy(r, b, len);
    }
    return 0;
}

void modq_exec(const char *prog, const listdir *ld, const char *name, const char *opts)
{
    str path = STR_INIT;
    char *av[4];
    int k = 0;
    if (str_cat(&path, &ld->bin) < 0 || str_catc(&path, '/') < 0 || str_cats(&path, name) < 0)
        die_nomem(prog);
    av[k++] = path.s;
    if (opts && opts[0] && opts[1]) av[k++] = (char *)opts;
    av[k++] = ld->dir.s;
    av[k] = NULL;
    if (lseek(0, 0, SEEK_SET) < 0 && errno != ESPIPE) die_sys(EXIT_TEMP, prog, "unable to rewind the input");
    execv(path.s, av);
    die_sys(EXIT_TEMP, prog, "unable to run %s", path.s);
}

/* ---- returning a post to its sender ------------------------------------------------- */

void modq_return_post(const char *prog, const listdir *ld, int fd, const char *sender,
                      const char *from, const char *replyto, const char *textname,
                      const char *comment, size_t clen, int attach)
{
    reply r = REPLY_INIT;
    struct reply_head h;
    text_vars v = TEXT_VARS_INIT;
    str subj = STR_INIT, why = STR_INIT;
    const char *rcpt[1];
    int k;

    if (text_msg(&subj, ld, "SUB_RETURNED_POST", &v) < 0 || str_catc(&subj, 0) < 0) die_nomem(prog);
    memset(&h, 0, sizeof h);
    h.from = from;
    h.to = sender;
    h.subject = subj.s;
    h.replyto = replyto;
    h.responder = 1;
    h.attach = attach;
    if (reply_start(&r, ld, &h) < 0) die_sys(EXIT_TEMP, prog, "unable to run qmail-queue");
    for (k = 0; k < 2; k++) {
        const char *name = k ? textname : "top";
        int x = reply_file(&r, name, &v);
        if (x < 0 || x == CTL_MISSING) {
            reply_abort(&r);
            if (x < 0) die_sys(EXIT_TEMP, prog, "unable to read text/%s", name);
            die(EXIT_PERM, prog, "unable to find text/%s", name);
        }
    }
    if (clen && (reply_add(&r, comment, clen) < 0 ||
                 (comment[clen - 1] != '\n' && reply_adds(&r, "\n") < 0)))
        die_nomem(prog);
    if ((!attach && modq_blank(&r) < 0) || reply_copy_begin(&r) < 0) die_nomem(prog);
    if (modq_copy(&r, fd, 0) < 0) {
        reply_abort(&r);
        die_sys(EXIT_TEMP, prog, "unable to read the stored post");
    }
    rcpt[0] = sender;
    {
        str snd = STR_INIT;
        if (str_catf(&snd, "%s-return-@%s", ld->outlocal.s, ld->outhost.s) < 0) die_nomem(prog);
        if (reply_finish(&r, snd.s, rcpt, 1, &why) != 0) {
            if (str_catc(&why, 0) < 0) die_nomem(prog);
            die(EXIT_TEMP, prog, "temporary qmail-queue error: %s", why.s);
        }
        str_free(&snd);
    }
    fprintf(stderr, "%s: info: qp %lu\n", prog, r.q.qp);
    reply_free(&r);
    str_free(&subj);
    str_free(&why);
}

int modq_issub(const char *prog, const char *dir, const char *subdb, const char *addr, str *stored)
{
    sub_db *db = NULL;
    int r;
    if (sub_open(&db, dir, subdb) < 0) {
        int e = errno;
        die(sub_error_is_perm(e) ? EXIT_PERM : EXIT_TEMP, prog,
            "unable to open the subscriber list %s: %s", subdb ? subdb : ".", sub_strerror(db, e));
    }
    r = sub_issub(db, addr, strlen(addr), stored);
    if (r < 0) {
        int e = errno;
        die(sub_error_is_perm(e) ? EXIT_PERM : EXIT_TEMP, prog, "unable to look up %s in %s: %s", addr,
            subdb ? subdb : ".", sub_strerror(db, e));
    }
    sub_close(db);
    return r;
}
