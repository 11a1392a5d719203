/*
 * qmail-smtpd: receive mail over SMTP (qmail-smtpd(8)).
 *
 *   tcpserver ... 0 smtp qmail-smtpd
 *
 * Speaks SMTP on fds 0 and 1 (a network connection set up by tcpserver
 * or inetd), in the qmail home.  Commands are lines ending in LF (one CR
 * before it is dropped; NUL bytes count as LF, as in qmail); replies are
 * buffered and written when the client's pipelined input is used up, or
 * at once after DATA, QUIT, HELO, EHLO, HELP, NOOP, VRFY and unknown
 * commands.  Each message goes to qmail-queue ($QMAILQUEUE, lib/qq) with
 * a Received line on top; the body is read byte by byte as qmail does:
 * CRLF becomes LF, a leading dot is removed, CRLF.CRLF ends it, and a bare
 * LF makes it give up with "451 See https://cr.yp.to/docs/smtplf.html."
 * and close the connection (so that no SMTP smuggling passes through).
 *
 * Controls: smtpgreeting (default me), localiphost, timeoutsmtpd,
 * rcpthosts, morercpthosts.cdb, badmailfrom, databytes, rcptcheck.
 * Environment: TCPREMOTEIP, TCPREMOTEHOST, TCPREMOTEINFO, TCPLOCALHOST,
 * TCPLOCALIP, RELAYCLIENT, DATABYTES, QMAILRCPTCHECK, QMAILQUEUE.
 *
 * Beyond qmail 1.03: EHLO also offers SIZE when databytes is set, and a
 * MAIL command whose SIZE parameter exceeds it is refused at once;
 * command lines longer than CMD_MAX bytes are refused (bounded memory);
 * addresses holding NUL, CR or LF are refused at MAIL/RCPT; at most
 * RCPT_MAX recipients per message; and, when rcptcheck is on, RCPT looks
 * the recipient up as a delivery would (lib/rcpt) and refuses unknown
 * local addresses with 550.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "buf.h"
#include "cdbx.h"
#include "ctl.h"
#include "die.h"
#include "ipme.h"
#include "qq.h"
#include "rcpt.h"
#include "received.h"
#include "str.h"

#define PROG "qmail-smtpd"
#define CMD_MAX 4096          /* longest command line, LF included */
#define RCPT_MAX 10000        /* recipients per message */
#define MAXHOPS 100
#define TIMEOUT_MAX 2000000UL   /* seconds; the milliseconds must fit in an int */

static buf in, out;
static const char *home;
static str greeting, liphost;
static int liphostok;
static unsigned long timeout;
static ctl_set rh, bmf;
static int rhok, bmfok;
static cdbx mrh;
static int mrhok;
static unsigned long databytes;
static const char *remoteip, *remotehost, *remoteinfo, *local, *relayclient;
static str helohost;
static int fakehelo;              /* helohost differs from remotehost */
static ipme me;
static int rcptcheck;
static rcpt_rw rw;

static str addr;                  /* the address of the command in hand */
static int seenmail, flagbarf;
static str mailfrom;
static str rcptto;                /* accepted recipients, each followed by NUL */
static unsigned long nrcpt;

static qq qqt;
static int qq_active;

/* ---- output and the ways out ------------------------------------------------ */

static void quit(int code) __attribute__((noreturn));
static void quit(int code)
{
    if (qq_active) qq_abort(&qqt);
    _exit(code);
}

static void flush(void)
{
    if (buf_flush(&out) < 0) quit(1);
}

static void outs(const char *s)
{
    if (buf_puts(&out, s) < 0) quit(1);
}

static void outb(const char *s, size_t n)
{
    if (buf_put(&out, s, n) < 0) quit(1);
}

static void die_say(const char *reply) __attribute__((noreturn));
static void die_say(const char *reply)
{
    outs(reply);
    flush();
    quit(1);
}

static void die_read(void) __attribute__((noreturn));
static void die_read(void) { quit(1); }
static void die_alarm(void) __attribute__((noreturn));
static void die_alarm(void) { die_say("451 timeout (#4.4.2)\r\n"); }
static void die_oom(void) __attribute__((noreturn));
static void die_oom(void) { die_say("421 out of memory (#4.3.0)\r\n"); }
static void die_control(void) __attribute__((noreturn));
static void die_control(void) { die_say("421 unable to read controls (#4.3.0)\r\n"); }
static void die_ipme(void) __attribute__((noreturn));
static void die_ipme(void) { die_say("421 unable to figure out my IP addresses (#4.3.0)\r\n"); }
static void straynewline(void) __attribute__((noreturn));
static void straynewline(void) { die_say("451 See https://cr.yp.to/docs/smtplf.html.\r\n"); }

static void err_bmf(void) { outs("553 sorry, your envelope sender is in my badmailfrom list (#5.7.1)\r\n"); }
static void err_nogateway(void) { outs("553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)\r\n"); }
static void err_unimpl(void) { outs("502 unimplemented (#5.5.1)\r\n"); }
static void err_syntax(void) { outs("555 syntax error (#5.5.4)\r\n"); }
static void err_wantmail(void) { outs("503 MAIL first (#5.5.1)\r\n"); }
static void err_wantrcpt(void) { outs("503 RCPT first (#5.5.1)\r\n"); }
static void err_qqt(void) { outs("451 qqt failure (#4.3.0)\r\n"); }
static void err_size(void) { outs("552 sorry, that message size exceeds my databytes limit (#5.3.4)\r\n"); }

static void smtp_greet(const char *code)
{
    outs(code);
    outb(greeting.s, greeting.len);
}

/* ---- input ---------------------------------------------------------------------- */

/* Makes sure some input is buffered; replies wait until it is used up. */
static void feed(void)
{
    ssize_t r;
    if (!buf_buffered(&in)) flush();
    r = buf_feed(&in);
    if (r < 0) {
        if (errno == ETIMEDOUT) die_alarm();
        die_read();
    }
    if (r == 0) die_read();
}

/* Reads one command line into cmd, without its LF; 0 if it was longer
 * than CMD_MAX (it is then consumed and cmd is empty). */
static int getcmd(str *cmd)
{
    int toolong = 0;
    str_truncate(cmd, 0);
    for (;;) {
        char *p, *nl;
        size_t n, take;
        feed();
        p = buf_peek(&in);
        n = buf_buffered(&in);
        nl = memchr(p, '\n', n);
        take = nl ? (size_t)(nl - p) + 1 : n;
        if (!toolong) {
            if (cmd->len + take > CMD_MAX) {
                toolong = 1;
                str_truncate(cmd, 0);
            } else if (str_catb(cmd, p, take) < 0) {
                die_oom();
            }
        }
        buf_skip(&in, take);
        if (nl) break;
    }
    if (toolong) return 0;
    str_truncate(cmd, cmd->len - 1);                  /* the LF */
    for (size_t i = 0; i < cmd->len; i++)
        if (!cmd->s[i]) cmd->s[i] = '\n';
    if (cmd->len && cmd->s[cmd->len - 1] == '\r') str_truncate(cmd, cmd->len - 1);
    return 1;
}

/* ---- set-up ----------------------------------------------------------------------- */

static void setup(void)
{
    const char *x;
    str line = STR_INIT;
    unsigned long u;
    int r;

    r = ctl_readline(home, "smtpgreeting", &greeting);
    if (r == CTL_ERR) die_control();
    if (r == CTL_MISSING && ctl_readline(home, "me", &greeting) != CTL_FOUND) die_control();
    r = ctl_readline(home, "localiphost", &liphost);
    if (r == CTL_ERR) die_control();
    if (r == CTL_MISSING) r = ctl_readline(home, "me", &liphost);
    if (r == CTL_ERR) die_control();
    liphostok = r == CTL_FOUND;

    /* timeoutsmtpd: a number of seconds, at least 1 */
    r = ctl_readline(home, "timeoutsmtpd", &line);
    if (r == CTL_ERR) die_control();
    if (r == CTL_FOUND && line.len >= 2 && line.s[0] == '-' && line.s[1] >= '0' && line.s[1] <= '9')
        timeout = 1;
    else if (ctl_readulong(home, "timeoutsmtpd", 1200, &timeout) == CTL_ERR)
        die_control();
    if (timeout == 0) timeout = 1;
    if (timeout > TIMEOUT_MAX) timeout = TIMEOUT_MAX;

    r = ctl_readset(home, "rcpthosts", &rh);
    if (r == CTL_ERR) die_control();
    rhok = r == CTL_FOUND;
    if (rhok) {
        if (cdbx_open(&mrh, "control/morercpthosts.cdb") == 0) mrhok = 1;
        else if (errno != ENOENT) die_control();
    }
    r = ctl_readset(home, "badmailfrom", &bmf);
    if (r == CTL_ERR) die_control();
    bmfok = r == CTL_FOUND;

    if (ctl_readulong(home, "databytes", 0, &databytes) == CTL_ERR) die_control();
    x = getenv("DATABYTES");
    if (x) {
        u = 0;
        scan_ulong(x, strlen(x), &u);
        databytes = u;
    }

    if (ctl_readulong(home, "rcptcheck", 0, &u) == CTL_ERR) die_control();
    x = getenv("QMAILRCPTCHECK");
    if (x) {
        u = 0;
        scan_ulong(x, strlen(x), &u);
    }
    rcptcheck = u != 0;
    if (rcptcheck && rcpt_rw_read(&rw, home, NULL, NULL, NULL) < 0) die_control();

    remoteip = getenv("TCPREMOTEIP");
    if (!remoteip) remoteip = "unknown";
    local = getenv("TCPLOCALHOST");
    if (!local) local = getenv("TCPLOCALIP");
    if (!local) local = "unknown";
    remotehost = getenv("TCPREMOTEHOST");
    if (!remotehost) remotehost = "unknown";
    remoteinfo = getenv("TCPREMOTEINFO");
    relayclient = getenv("RELAYCLIENT");
    str_free(&line);
}

static void dohelo(const char *arg)
{
    if (str_copys(&helohost, arg) < 0) die_oom();
    fakehelo = !case_equals(remotehost, helohost.s);
}

/* ---- addresses ------------------------------------------------------------------------ */

/* Parses the argument of MAIL or RCPT into addr; 0 if it is unusable. */
static int addrparse(const char *arg, size_t len)
{
    int r;
    ptrdiff_t at;
    struct in_addr ip;

    str_truncate(&addr, 0);
    r = addr_smtp_path(&addr, arg, len);
    if (r == ADDR_PATH_ERR) die_oom();
    if (r == ADDR_PATH_TOOLONG || r == ADDR_PATH_BADCHAR) return 0;
    if (liphostok) {
        at = str_rchr(&addr, '@');
        if (at >= 0 && ipme_scan(addr.s + at + 1, addr.len - (size_t)at - 1, 1, &ip) &&
            ipme_is(&me, ip)) {
            str_truncate(&addr, (size_t)at + 1);
            if (str_cat(&addr, &liphost) < 0) die_oom();
        }
    }
    if (addr.len >= ADDR_PATH_MAX) return 0;
    return 1;
}

static int bmfcheck(void)
{
    ptrdiff_t at;
    if (!bmfok) return 0;
    if (ctl_set_has(&bmf, addr.s, addr.len)) return 1;
    at = str_rchr(&addr, '@');
    if (at >= 0 && ctl_set_has(&bmf, addr.s + at, addr.len - (size_t)at)) return 1;
    return 0;
}

/* rcpthosts, then morercpthosts.cdb: 1 allowed, 0 not. */
static int addrallowed(void)
{
    str host = STR_INIT;
    ptrdiff_t at;
    int ok = 0;

    if (!rhok) return 1;
    at = str_rchr(&addr, '@');
    if (at < 0) return 1;
    if (str_copyb(&host, addr.s + at + 1, addr.len - (size_t)at - 1) < 0) die_oom();
    str_lower(&host);
    if (ctl_set_has_domain(&rh, host.s, host.len)) ok = 1;
    if (!ok && mrhok) {
        str val = STR_INIT;
        for (size_t j = 0; j < host.len && !ok; j++) {
            if (j && host.s[j] != '.') continue;
            int r = cdbx_find(&mrh, host.s + j, host.len - j, &val);
            if (r < 0) die_control();
            if (r == 1) ok = 1;
        }
        str_free(&val);
    }
    str_free(&host);
    return ok;
}

/* The SIZE=n parameter of MAIL FROM:<...> SIZE=n, or 0. */
static unsigned long sizeparam(const char *arg, size_t len)
{
    const char *gt, *lt = memchr(arg, '<', len);
    unsigned long n = 0;
    size_t i;
    if (!lt) return 0;
    gt = memchr(lt, '>', len - (size_t)(lt - arg));
    if (!gt) return 0;
    i = (size_t)(gt - arg) + 1;
    while (i < len) {
        while (i < len && arg[i] == ' ') i++;
        size_t start = i;
        while (i < len && arg[i] != ' ') i++;
        if (i - start > 5 && case_starts(arg + start, i - start, "SIZE=")) {
            const char *v = arg + start + 5;
            /* digits too many for an unsigned long: too big anyway */
            if (scan_ulong(v, i - start - 5, &n) == 0) n = (*v >= '0' && *v <= '9') ? (unsigned long)-1 : 0;
        }
    }
    return n;
}

/* ---- commands ---------------------------------------------------------------------------- */

static void smtp_helo(const char *arg)
{
    smtp_greet("250 ");
    outs("\r\n");
    seenmail = 0;
    dohelo(arg);
}

static void smtp_ehlo(const char *arg)
{
    smtp_greet("250-");
    outs("\r\n250-PIPELINING\r\n");
    if (databytes) {
        str s = STR_INIT;
        if (str_catf(&s, "250-8BITMIME\r\n250 SIZE %lu\r\n", databytes) < 0) die_oom();
        outb(s.s, s.len);
        str_free(&s);
    } else {
        outs("250 8BITMIME\r\n");
    }
    seenmail = 0;
    dohelo(arg);
}

static void smtp_rset(void)
{
    seenmail = 0;
    outs("250 flushed\r\n");
}

static void smtp_mail(const char *arg, size_t len)
{
    if (!addrparse(arg, len)) { err_syntax(); return; }
    if (databytes && sizeparam(arg, len) > databytes) { err_size(); return; }
    flagbarf = bmfcheck();
    seenmail = 1;
    nrcpt = 0;
    str_truncate(&rcptto, 0);
    if (str_copy(&mailfrom, &addr) < 0) die_oom();
    outs("250 ok\r\n");
}

static void smtp_rcpt(const char *arg, size_t len)
{
    if (!seenmail) { err_wantmail(); return; }
    if (!addrparse(arg, len)) { err_syntax(); return; }
    if (flagbarf) { err_bmf(); return; }
    if (relayclient) {
        if (str_cats(&addr, relayclient) < 0) die_oom();
    } else if (!addrallowed()) {
        err_nogateway();
        return;
    }
    if (nrcpt >= RCPT_MAX) {
        outs("452 too many recipients (#4.5.3)\r\n");
        return;
    }
    if (rcptcheck && !memchr(addr.s, 0, addr.len)) {
        switch (rcpt_check(home, &rw, addr.s, addr.len)) {
        case RCPT_CHECK_UNKNOWN:
            outs("550 sorry, no mailbox here by that name (#5.1.1)\r\n");
            return;
        case RCPT_CHECK_TEMP:
            outs("451 unable to verify recipient (#4.3.0)\r\n");
            return;
        default:
            break;
        }
    }
    if (str_cat(&rcptto, &addr) < 0 || str_catc(&rcptto, 0) < 0) die_oom();
    nrcpt++;
    outs("250 ok\r\n");
}

/* ---- DATA ----------------------------------------------------------------------------------- */

static char qbuf[8192];
static size_t qbufn;
static unsigned long stored;
static int overflow;

static void qflush(void)
{
    if (qbufn) qq_put(&qqt, qbuf, qbufn);
    qbufn = 0;
}

static void put(char c)
{
    if (databytes) {
        if (overflow) return;
        if (stored >= databytes) {
            overflow = 1;
            return;
        }
    }
    stored++;
    qbuf[qbufn++] = c;
    if (qbufn == sizeof qbuf) qflush();
}

static void received(void)
{
    str s = STR_INIT;
    if (received_fmt(&s, "SMTP", local, remoteip, remotehost, remoteinfo,
                     fakehelo ? helohost.s : NULL, time(NULL)) < 0)
        die_oom();
    qq_put(&qqt, s.s, s.len);
    str_free(&s);
}

/*
 * Copies the message to the queue, qmail's way: the byte-by-byte state
 * machine of qmail-smtpd's blast().  State 0: inside a line; 1: after CRLF
 * (or at the start); 2: after CRLF "."; 3: after CRLF ".\r"; 4: after a CR.
 * Counts the header lines starting with "Received" or "Delivered".
 */
static void blast(int *hops)
{
    int state = 1, flaginheader = 1, pos = 0;
    int maybex = 1, maybey = 1, maybez = 1;

    *hops = 0;
    for (;;) {
        char *p;
        size_t n, i;
        feed();
        p = buf_peek(&in);
        n = buf_buffered(&in);
        for (i = 0; i < n; i++) {
            char ch = p[i];
            if (flaginheader) {
                if (pos < 9) {
                    if (ch != "delivered"[pos] && ch != "DELIVERED"[pos]) maybez = 0;
                    if (maybez && pos == 8) ++*hops;
                    if (pos < 8 && ch != "received"[pos] && ch != "RECEIVED"[pos]) maybex = 0;
                    if (maybex && pos == 7) ++*hops;
                    if (pos < 2 && ch != "\r\n"[pos]) maybey = 0;
                    if (maybey && pos == 1) flaginheader = 0;
                    ++pos;
                }
                if (ch == '\n') {
                    pos = 0;
                    maybex = maybey = maybez = 1;
                }
            }
            switch (state) {
            case 0:
                if (ch == '\n') straynewline();
                if (ch == '\r') { state = 4; continue; }
                break;
            case 1:
                if (ch == '\n') straynewline();
                if (ch == '.') { state = 2; continue; }
                if (ch == '\r') { state = 4; continue; }
                state = 0;
                break;
            case 2:
                if (ch == '\n') straynewline();
                if (ch == '\r') { state = 3; continue; }
                state = 0;
                break;
            case 3:
                if (ch == '\n') {
                    buf_skip(&in, i + 1);
                    qflush();
                    return;
                }
                put('.');
                put('\r');
                if (ch == '\r') { state = 4; continue; }
                state = 0;
                break;
            case 4:
                if (ch == '\n') { state = 1; break; }
                if (ch != '\r') { put('\r'); state = 0; }
                break;
            }
            put(ch);
        }
        buf_skip(&in, n);
    }
}

static void smtp_data(void)
{
    int hops, r;
    str why = STR_INIT, s = STR_INIT;

    if (!seenmail) { err_wantmail(); return; }
    if (!nrcpt) { err_wantrcpt(); return; }
    seenmail = 0;
    stored = 0;
    overflow = 0;
    qbufn = 0;
    if (qq_start(&qqt, home) < 0) { err_qqt(); return; }
    qq_active = 1;
    outs("354 go ahead\r\n");
    received();
    blast(&hops);
    if (hops >= MAXHOPS || overflow) {
        qq_abort(&qqt);
        qq_active = 0;
        if (hops >= MAXHOPS) outs("554 too many hops, this message is looping (#5.4.6)\r\n");
        else err_size();
        return;
    }
    qq_from(&qqt, mailfrom.s);
    for (size_t i = 0; i < rcptto.len; i += strlen(rcptto.s + i) + 1) qq_to(&qqt, rcptto.s + i);
    r = qq_finish(&qqt, &why);
    qq_active = 0;
    if (!r) {
        if (str_catf(&s, "250 ok %lu qp %lu\r\n", (unsigned long)time(NULL), qqt.qp) < 0)
            die_oom();
        outb(s.s, s.len);
    } else {
        /* the reason may come from a QMAILQUEUE program: keep it on one line */
        for (size_t i = 0; i < why.len; i++)
            if (why.s[i] == '\r' || why.s[i] == '\n' || !why.s[i]) why.s[i] = ' ';
        outs(r == 'D' ? "554 " : "451 ");
        outb(why.s, why.len);
        outs("\r\n");
    }
    str_free(&why);
    str_free(&s);
}

/* ---- the command loop ----------------------------------------------------------------- */

int main(void)
{
    str cmd = STR_INIT;
    char *cwd;

    signal(SIGPIPE, SIG_IGN);
    signal(SIGCHLD, SIG_DFL);
    if (buf_init(&in, 0, NULL, 0) < 0 || buf_init(&out, 1, NULL, 0) < 0) _exit(1);
    home = ctl_home();
    if (chdir(home) < 0) die_control();
    cwd = getcwd(NULL, 0);
    if (!cwd) die_control();
    home = cwd;
    setup();
    buf_settimeout(&in, (int)(timeout * 1000));
    buf_settimeout(&out, (int)(timeout * 1000));
    if (ipme_init(&me) < 0) die_ipme();
    dohelo(remotehost);
    smtp_greet("220 ");
    outs(" ESMTP\r\n");

    for (;;) {
        size_t i;
        const char *arg;
        if (!getcmd(&cmd)) {
            outs("500 line too long (#5.5.2)\r\n");
            flush();
            continue;
        }
        if (str_catc(&cmd, 0) < 0) die_oom();      /* terminator for C strings */
        cmd.len--;
        for (i = 0; i < cmd.len && cmd.s[i] != ' '; i++) {}
        arg = cmd.s + i;
        while (*arg == ' ') arg++;
        cmd.s[i] = 0;
        size_t arglen = cmd.len - (size_t)(arg - cmd.s);

        if (case_equals(cmd.s, "rcpt")) {
            smtp_rcpt(arg, arglen);
        } else if (case_equals(cmd.s, "mail")) {
            smtp_mail(arg, arglen);
        } else if (case_equals(cmd.s, "rset")) {
            smtp_rset();
        } else if (case_equals(cmd.s, "data")) {
            smtp_data();
            flush();
        } else if (case_equals(cmd.s, "quit")) {
            smtp_greet("221 ");
            outs("\r\n");
            flush();
            quit(0);
        } else if (case_equals(cmd.s, "helo")) {
            smtp_helo(arg);
            flush();
        } else if (case_equals(cmd.s, "ehlo")) {
            smtp_ehlo(arg);
            flush();
        } else if (case_equals(cmd.s, "help")) {
            outs("214 qmail home page: http://pobox.com/~djb/qmail.html\r\n");
            flush();
        } else if (case_equals(cmd.s, "noop")) {
            outs("250 ok\r\n");
            flush();
        } else if (case_equals(cmd.s, "vrfy")) {
            outs("252 send some mail, i'll try my best\r\n");
            flush();
        } else {
            err_unimpl();
            flush();
        }
    }
}
