/*
 * dot-forward: follow a sendmail-style .forward file from a .qmail file,
 * as in "|dot-forward .forward" (followed by a line for the normal mailbox).
 *
 *   dot-forward [ -nN ] file ...
 *
 * The first file that exists and says something is used.  Its lines (those
 * starting with '#' are comments) hold comma-separated RFC 822 addresses:
 *   - the user's own name ($USER, or $USER@$HOST; "\user" too): direct
 *     delivery -- dot-forward exits 0 so that qmail-local goes on with the
 *     next .qmail line;
 *   - "|command" (quoted if it has spaces): run by /bin/sh -c with
 *     $UFLINE, $RPLINE, $DTLINE and the message on its stdin;
 *   - "/path": the message is appended to the mbox file path (a
 *     difference from dot-forward 0.71, which refuses file deliveries);
 *   - anything else: an address to forward to, completed as qmail-inject
 *     does (no '@': "@defaulthost"; a trailing '+': ".plusdomain"; a
 *     domain without '.': ".defaultdomain").
 * Forwarded addresses are queued together, with envelope sender
 * $NEWSENDER and $DTLINE in front of the message.  Exit codes: 99 when the
 * file was followed (qmail-local stops), 0 for direct delivery or when no
 * file exists (or all are empty), 100 and 111 for permanent and temporary
 * failures.  -n prints the instructions (on stderr) instead of following
 * them.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "buf.h"
#include "childrun.h"
#include "ctl.h"
#include "die.h"
#include "mbox.h"
#include "qqfwd.h"
#include "str.h"

#define PROG "dot-forward"
#define LINE_MAX_BYTES 65536

static int flagdoit = 1;
static int flagacted, flagdirect;
static const char *ufline, *rpline, *dtline, *sender, *user, *host;
static str defaulthost = STR_INIT, defaultdomain = STR_INIT, plusdomain = STR_INIT;
static int stdin_used; /* the message has been read once: rewind before the next use */

/* Target addresses to forward to: NUL-terminated strings in one buffer. */
static str targets = STR_INIT;
static size_t ntargets;

static void say(const char *a, const char *b)
{
    str s = STR_INIT;
    if (str_cats(&s, a) == 0 && str_cats(&s, b) == 0 && str_catc(&s, '\n') == 0) {
        ssize_t w = write(2, s.s, s.len);
        (void)w;
    }
    str_free(&s);
}

/* Makes fd 0 start at the beginning of the message again. */
static void rewind_message(void)
{
    if (stdin_used && lseek(0, 0, SEEK_SET) < 0)
        die_sys(EXIT_TEMP, PROG, "unable to rewind input");
    stdin_used = 1;
}

/* qmail's view of a program's exit code (dot-forward 0.71's table). */
static void run(const char *cmd)
{
    char *argv[4];
    char space[8192];
    buf in, out;
    pid_t pid;
    int fd, wstat, r;

    if (!flagdoit) { say("pipe through ", cmd); return; }
    rewind_message();
    argv[0] = (char *)"/bin/sh";
    argv[1] = (char *)"-c";
    argv[2] = (char *)cmd;
    argv[3] = NULL;
    if (childrun_pipe(PROG, argv, &pid, &fd) < 0) die_sys(EXIT_TEMP, PROG, "unable to fork");
    buf_init(&out, fd, space, sizeof space);
    {
        char inspace[8192];
        buf_init(&in, 0, inspace, sizeof inspace);
        buf_puts(&out, ufline);
        buf_puts(&out, rpline);
        buf_puts(&out, dtline);
        /* the program may stop reading early: write errors are not ours */
        r = buf_copy(&out, &in);
        if (r == 0) buf_flush(&out);
    }
    close(fd);
    if (childrun_reap(pid, &wstat) < 0) die_sys(EXIT_TEMP, PROG, "wait failed");
    if (r == -1) die_sys(EXIT_TEMP, PROG, "unable to read message");
    if (!WIFEXITED(wstat)) die(EXIT_TEMP, PROG, "child crashed");
    switch (WEXITSTATUS(wstat)) {
    case 0: return;
    case 64: case 65: case 70: case 76: case 77: case 78: case 100: case 112:
        exit(EXIT_PERM);
    default:
        exit(EXIT_TEMP);
    }
}

static void mbox(const char *path)
{
    static const struct mbox_opts opts = MBOX_OPTS_QMAIL;
    str from = STR_INIT, prefix = STR_INIT;
    int r;

    if (!flagdoit) { say("append to ", path); return; }
    rewind_message();
    if (*ufline) {
        if (str_copys(&from, ufline) < 0) die_nomem(PROG);
    } else {
        /* not run by qmail-local: make the From_ line it would have made */
        const char *s = getenv("SENDER");
        if (!s) s = sender;
        if (mbox_fromline(&from, s, strlen(s), time(NULL)) < 0) die_nomem(PROG);
    }
    if (str_copys(&prefix, rpline) < 0 || str_cats(&prefix, dtline) < 0) die_nomem(PROG);
    r = mbox_deliver(path, from.s, from.len, prefix.s, prefix.len, 0, &opts);
    switch (r) {
    case MBOX_OK: break;
    case MBOX_ERR_OPEN: die_sys(EXIT_TEMP, PROG, "unable to open %s", path);
    case MBOX_ERR_LOCK: die_sys(EXIT_TEMP, PROG, "unable to lock %s", path);
    case MBOX_ERR_READ: die_sys(EXIT_TEMP, PROG, "unable to read message");
    case MBOX_ERR_WRITE: die_sys(EXIT_TEMP, PROG, "unable to write %s", path);
    default: die_nomem(PROG);
    }
    str_free(&from);
    str_free(&prefix);
}

static void addtarget(const str *a)
{
    if (str_cat(&targets, a) < 0 || str_catc(&targets, 0) < 0) die_nomem(PROG);
    ++ntargets;
    if (!flagdoit) say("forward ", a->s);
}

static void gotaddr(const addr_item *it)
{
    str a = STR_INIT;
    const char *s = it->addr.s;
    size_t len = it->addr.len, at, i;
    int hasat = !(it->flags & ADDR_F_NOAT);
    size_t ulen = strlen(user), hlen = strlen(host);

    if (!len) return;
    if (memchr(s, 0, len)) die(EXIT_TEMP, PROG, "NUL in an address");
    /* "\joe": sendmail's way of naming a local mailbox */
    if (!hasat && s[0] == '\\') { ++s; --len; if (!len) return; }

    if (!hasat && len == ulen && case_equalb(s, user, ulen)) {
        flagacted = flagdirect = 1;
        return;
    }
    if (hasat && len == ulen + 1 + hlen && case_equalb(s, user, ulen) && s[ulen] == '@' &&
        case_equalb(s + ulen + 1, host, hlen)) {
        flagacted = flagdirect = 1;
        return;
    }
    if (str_copyb(&a, s, len) < 0) die_nomem(PROG);
    if (!hasat && a.s[0] == '/') {
        flagacted = 1;
        mbox(a.s);
        str_free(&a);
        return;
    }
    if (!hasat && a.s[0] == '|') {
        flagacted = 1;
        run(a.s + 1);
        str_free(&a);
        return;
    }
    if (!hasat && (str_catc(&a, '@') < 0 || str_cat(&a, &defaulthost) < 0)) die_nomem(PROG);
    if (a.s[a.len - 1] == '+') {
        a.s[a.len - 1] = '.';
        if (str_cat(&a, &plusdomain) < 0) die_nomem(PROG);
    }
    at = (size_t)str_rchr(&a, '@');
    for (i = at; i < a.len && a.s[i] != '.'; ++i) {}
    if (i == a.len && (str_catc(&a, '.') < 0 || str_cat(&a, &defaultdomain) < 0))
        die_nomem(PROG);
    addtarget(&a);
    str_free(&a);
}

static void parseline(const str *line)
{
    addr_list l = ADDR_LIST_INIT;
    if (memchr(line->s, 0, line->len)) die(EXIT_TEMP, PROG, "unable to parse a line with a NUL byte");
    if (addr_list_parse(&l, line->s, line->len) < 0) die_nomem(PROG);
    for (size_t i = 0; i < l.n; ++i)
        if (l.v[i].kind == ADDR_REST || (l.v[i].flags & (ADDR_F_UNTERM | ADDR_F_UNCLOSED))) {
            str s = STR_INIT;
            size_t n = line->len;
            if (n && line->s[n - 1] == '\n') --n;
            if (str_copyb(&s, line->s, n) < 0) die_nomem(PROG);
            die(EXIT_TEMP, PROG, "unable to parse this line: %s", s.s);
        }
    for (size_t i = 0; i < l.n; ++i)
        if (l.v[i].kind == ADDR_MAILBOX) gotaddr(&l.v[i]);
    addr_list_free(&l);
}

static void try(const char *fn)
{
    str line = STR_INIT;
    char inspace[4096];
    buf in;
    int fd;

    fd = open(fn, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return;
        die_sys(EXIT_TEMP, PROG, "unable to open %s", fn);
    }
    str_truncate(&targets, 0);
    ntargets = 0;
    flagacted = flagdirect = 0;
    buf_init(&in, fd, inspace, sizeof inspace);
    for (;;) {
        int r = buf_getline(&in, &line, '\n', LINE_MAX_BYTES);
        if (r == BUF_ERR) die_sys(EXIT_TEMP, PROG, "unable to read %s", fn);
        if (r == BUF_TOOLONG) die(EXIT_TEMP, PROG, "line too long in %s", fn);
        if (r == BUF_EOF) break;
        if (line.s[0] != '#') parseline(&line);
        if (r == BUF_PARTIAL) break;
    }
    close(fd);
    str_free(&line);

    if (ntargets) {
        flagacted = 1;
        if (flagdoit) {
            char **rcpt = calloc(ntargets, sizeof *rcpt);
            str why = STR_INIT;
            unsigned long qp = 0;
            size_t i = 0;
            int r;
            if (!rcpt) die_nomem(PROG);
            for (size_t p = 0; p < targets.len; p += strlen(targets.s + p) + 1) rcpt[i++] = targets.s + p;
            rewind_message();
            r = qqfwd(dtline, sender, rcpt, ntargets, &qp, &why);
            free(rcpt);
            switch (r) {
            case QQFWD_OK: break;
            case QQFWD_START: die_sys(EXIT_TEMP, PROG, "unable to run qmail-queue");
            case QQFWD_READ: die_sys(EXIT_TEMP, PROG, "unable to read message");
            case QQFWD_PERM: die(EXIT_PERM, PROG, "unable to forward message: %s", why.s);
            default: die(EXIT_TEMP, PROG, "unable to forward message: %s", why.s);
            }
            str_free(&why);
            qqfwd_report(PROG, qp);
        }
    }
    if (flagdirect) {
        if (!flagdoit) say("direct delivery", "");
        exit(0);
    }
    if (!flagacted) {
        if (!flagdoit) say("skipping empty file ", fn);
        return;
    }
    exit(EXIT_STOP);
}

static const char *envdef(const char *name)
{
    const char *v = getenv(name);
    return v ? v : "";
}

static void control(const char *name, str *out, const str *def)
{
    int r = ctl_readline(NULL, name, out);
    if (r == CTL_ERR) die_sys(EXIT_TEMP, PROG, "unable to read control/%s", name);
    if (r == CTL_MISSING && str_copy(out, def) < 0) die_nomem(PROG);
}

int main(int argc, char **argv)
{
    static str me, deflit;
    int opt;

    signal(SIGPIPE, SIG_IGN);
    opterr = 0;
    while ((opt = getopt(argc, argv, "+nN")) != -1)
        switch (opt) {
        case 'n': flagdoit = 0; break;
        case 'N': flagdoit = 1; break;
        default: die_usage(PROG, "dot-forward [ -nN ] file ...");
        }
    argv += optind;

    ufline = envdef("UFLINE");
    rpline = envdef("RPLINE");
    dtline = envdef("DTLINE");
    sender = envdef("NEWSENDER");
    user = envdef("USER");
    host = envdef("HOST");

    if (str_copys(&deflit, "me") < 0) die_nomem(PROG);
    control("me", &me, &deflit);
    control("defaultdomain", &defaultdomain, &me);
    control("defaulthost", &defaulthost, &me);
    control("plusdomain", &plusdomain, &me);

    while (*argv) try(*argv++);
    if (!flagdoit) say("direct delivery", "");
    return 0;
}
